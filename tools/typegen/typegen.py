#!/usr/bin/env python3
"""Writes the generated resources (src/resources/generated/) and the event catalogue from the
type descriptions Stripe ships in its official SDKs.

    python3 tools/typegen/typegen.py           # fetch (pip, npm), verify, write
    python3 tools/typegen/typegen.py --check   # the same, but fail if a file would change

Two packages, each read for what it describes best, both of API version 2026-10-28.endive:

- stripe-python: the classes of every object, field by field (with `int` and `float` apart,
  `Optional`, `ExpandableField`, `Literal` enums, nested classes, the field docs). Its source
  is Python, so it is read with Python's own parser (`ast`).
- stripe-node: `Events.d.ts`, the object type(s) each of the 275 event types carries.

Both archives are fetched from the registries into target/typegen/ and checked against the
SHA-256 below before anything is read.
"""

import argparse
import ast
import hashlib
import io
import json
import keyword
import os
import re
import subprocess
import sys
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(ROOT, "target", "typegen")
OUT = os.path.join(ROOT, "src", "resources", "generated")

PYTHON_SDK = ("stripe", "16.1.0", "stripe-16.1.0-py3-none-any.whl",
              "3798e07a0603c8923710414cd1942ae847ed43cebbf34c3258417c189711ea70")
NODE_SDK = ("stripe", "23.1.0", "stripe-23.1.0.tgz",
            "7066de352ba7583d67228a5060b970f25720a9e587a786848d1c5a3b2d5629f1")

# The resources written by hand (with conveniences across API versions), by `object` string.
HAND_WRITTEN = {
    "charge": "Charge",
    "checkout.session": "CheckoutSession",
    "customer": "Customer",
    "dispute": "Dispute",
    "invoice": "Invoice",
    "invoice_payment": "InvoicePayment",
    "payment_intent": "PaymentIntent",
    "payment_method": "PaymentMethod",
    "payout": "Payout",
    "price": "Price",
    "product": "Product",
    "refund": "Refund",
    "setup_intent": "SetupIntent",
    "subscription": "Subscription",
}

# Stripe's product areas, each a Cargo feature. Every generated resource is in one; a
# resource's references to another family's resources are untyped (`Value`), so that turning
# one feature on never needs another.
FAMILIES = {
    "payments": ("Payments beyond the hand-written core: cards and bank accounts, sources, "
                 "mandates, payment links, cash balances, files, 3D Secure.", True),
    "billing": ("Billing beyond invoices and subscriptions: coupons, discounts, promotion "
                "codes, credit notes, quotes, subscription schedules, invoice items, plans, "
                "tax rates and ids, meters, credit grants, alerts, the customer portal, test "
                "clocks, entitlements.", True),
    "connect": ("Connect: accounts, persons, capabilities, applications, application fees, "
                "transfers, top-ups, balances and reserves.", False),
    "issuing": ("Issuing: cards, cardholders, authorizations, transactions, disputes, tokens, "
                "personalization designs.", False),
    "treasury": ("Treasury: financial accounts, transfers, payments, credits and debits.",
                 False),
    "terminal": ("Terminal: readers.", False),
    "identity": ("Identity: verification sessions.", False),
    "climate": ("Climate: orders and products.", False),
    "financial_connections": ("Financial Connections: accounts and authorizations.", False),
    "radar": ("Radar: early fraud warnings and reviews.", False),
    "reporting": ("Reporting and Sigma: report runs, report types, scheduled query runs.",
                  False),
    "tax": ("Tax: settings.", False),
    "apps": ("Apps: installs.", False),
}

FAMILY_OF = {
    "bank_account": "payments", "card": "payments", "cash_balance": "payments",
    "customer_cash_balance_transaction": "payments", "file": "payments",
    "mandate": "payments", "payment_link": "payments", "source": "payments",
    "source_mandate_notification": "payments", "source_transaction": "payments",
    "three_d_secure.authentication": "payments",
    "coupon": "billing", "credit_note": "billing", "discount": "billing",
    "invoiceitem": "billing", "plan": "billing", "promotion_code": "billing",
    "quote": "billing", "subscription_schedule": "billing", "tax_id": "billing",
    "tax_rate": "billing", "billing.alert_triggered": "billing",
    "billing.credit_balance_transaction": "billing", "billing.credit_grant": "billing",
    "billing.meter": "billing", "billing_portal.configuration": "billing",
    "billing_portal.session": "billing", "test_helpers.test_clock": "billing",
    "entitlements.active_entitlement_summary": "billing",
    "account": "connect", "application": "connect", "application_fee": "connect",
    "fee_refund": "connect", "capability": "connect", "person": "connect",
    "transfer": "connect", "topup": "connect", "balance": "connect",
    "balance_settings": "connect", "reserve.hold": "connect", "reserve.plan": "connect",
    "reserve.release": "connect",
    "issuing.authorization": "issuing", "issuing.card": "issuing",
    "issuing.cardholder": "issuing", "issuing.dispute": "issuing",
    "issuing.personalization_design": "issuing", "issuing.token": "issuing",
    "issuing.transaction": "issuing",
    "treasury.credit_reversal": "treasury", "treasury.debit_reversal": "treasury",
    "treasury.financial_account": "treasury", "treasury.inbound_transfer": "treasury",
    "treasury.outbound_payment": "treasury", "treasury.outbound_transfer": "treasury",
    "treasury.received_credit": "treasury", "treasury.received_debit": "treasury",
    "terminal.reader": "terminal",
    "identity.verification_session": "identity",
    "climate.order": "climate", "climate.product": "climate",
    "financial_connections.account": "financial_connections",
    "financial_connections.authorization": "financial_connections",
    "radar.early_fraud_warning": "radar", "review": "radar",
    "reporting.report_run": "reporting", "reporting.report_type": "reporting",
    "scheduled_query_run": "reporting",
    "tax.settings": "tax",
    "apps.install": "apps",
}


# The members of the hand-written resources that the generator types (their option bags: the
# hand-written structs name these types for the fields that were `Value`).
MEMBERS = "members"
HAND_DIR = os.path.join(ROOT, "src", "resources")


def hand_written_sources():
    """The hand-written resource files: each struct's fields (Rust field -> declared type), and
    every public type name they define."""
    structs, names = {}, set()
    for file in sorted(os.listdir(HAND_DIR)):
        if not file.endswith(".rs") or file in ("generated.rs", "json.rs"):
            continue
        text = open(os.path.join(HAND_DIR, file)).read()
        for name, body in re.findall(r"pub struct (\w+) \{\n(.*?)\n\}", text, re.S):
            structs[name] = dict(re.findall(r"^    pub (?:r#)?(\w+): ([^\n]+),$", body, re.M))
        names.update(re.findall(r"pub (?:struct|enum|type) (\w+)", text))
    return structs, names


def fail(message):
    sys.exit(f"typegen: {message}")


# ---------------------------------------------------------------------------------------------
# Sources


def fetch(sdk, command):
    name, version, file, sha = sdk
    path = os.path.join(CACHE, file)
    if not os.path.exists(path):
        os.makedirs(CACHE, exist_ok=True)
        subprocess.run(command, check=True, cwd=CACHE, stdout=subprocess.DEVNULL)
    with open(path, "rb") as f:
        data = f.read()
    got = hashlib.sha256(data).hexdigest()
    if got != sha:
        fail(f"{file}: sha256 {got}, expected {sha}")
    return data


def python_sources():
    data = fetch(PYTHON_SDK, [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                              "--disable-pip-version-check", f"stripe=={PYTHON_SDK[1]}", "-d", "."])
    files = {}
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        for entry in wheel.namelist():
            if not entry.startswith("stripe/") or not entry.endswith(".py"):
                continue
            if "/params/" in entry or "/events/" in entry or entry.startswith("stripe/v2/"):
                continue
            if entry.endswith("_service.py"):
                continue
            module = entry[:-3].replace("/", ".")
            files[module] = wheel.read(entry).decode()
    version = re.search(r'CURRENT = "([^"]+)"', files["stripe._api_version"]).group(1)
    return files, version


def node_sources():
    data = fetch(NODE_SDK, ["npm", "pack", "--silent", f"stripe@{NODE_SDK[1]}"])
    files = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            prefix = "package/esm/resources/"
            if member.isfile() and member.name.startswith(prefix) and member.name.endswith(".d.ts"):
                files[member.name[len(prefix):]] = tar.extractfile(member).read().decode()
    return files


def event_objects(node_files):
    """Event type -> the `object` strings its `data.object` may carry, from Events.d.ts."""
    objects, aliases = {}, {}
    for path, text in node_files.items():
        namespace = ".".join(os.path.dirname(path).split("/")) if os.path.dirname(path) else ""
        qualify = (lambda name: f"{namespace}.{name}") if namespace else (lambda name: name)
        for name, body in re.findall(r"export interface (\w+) \{\n(.*?)\n\}", text, re.S):
            found = re.search(r"^    object: '([^']+)';", body, re.M)
            if found:
                objects[qualify(name)] = found.group(1)
        for name, rhs in re.findall(r"export type (\w+) = ([^;]+);", text):
            aliases[qualify(name)] = rhs
    pattern = (r"type: '([^']+)';\s*data: \w+\.Data;\s*\}\s*export declare namespace \w+ \{\s*"
               r"interface Data extends Event\.Data \{\s*object: ([^;]+);")
    found = re.findall(pattern, node_files["Events.d.ts"])
    if not found:
        fail("no event types in Events.d.ts")
    events = {}
    for event_type, ts_type in found:
        names = [part.strip() for part in aliases.get(ts_type, ts_type).split("|")]
        missing = [name for name in names if name not in objects]
        if missing:
            fail(f"{event_type}: no `object` string for {missing}")
        events[event_type] = sorted({objects[name] for name in names})
    return events


# ---------------------------------------------------------------------------------------------
# The Python description, read into classes and type expressions


class Class:
    def __init__(self, node, module, path, parent):
        self.node, self.module, self.path, self.parent = node, module, path, parent
        self.doc = ast.get_docstring(node) or ""
        self.nested = {}
        self.fields = []  # (json key, annotation, doc)
        self.object = None
        remap = {}
        body = node.body
        for i, item in enumerate(body):
            if isinstance(item, ast.ClassDef):
                self.nested[item.name] = Class(item, module, path + [item.name], self)
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                name = item.target.id
                if name == "OBJECT_NAME":
                    if isinstance(item.value, ast.Constant):
                        self.object = item.value.value
                    continue
                if isinstance(item.annotation, ast.Subscript) and \
                        ast.unparse(item.annotation.value) == "ClassVar":
                    continue
                if name.startswith("_"):
                    continue
                doc = ""
                if i + 1 < len(body) and isinstance(body[i + 1], ast.Expr) and \
                        isinstance(body[i + 1].value, ast.Constant) and \
                        isinstance(body[i + 1].value.value, str):
                    doc = body[i + 1].value.value
                self.fields.append([name, item.annotation, doc])
            elif isinstance(item, ast.Assign) and len(item.targets) == 1 and \
                    isinstance(item.targets[0], ast.Name) and \
                    item.targets[0].id == "_field_remappings":
                remap = ast.literal_eval(item.value)
        for field in self.fields:
            field[0] = remap.get(field[0], field[0])

    def lookup(self, name):
        scope = self
        while scope is not None:
            if name in scope.nested:
                return scope.nested[name]
            scope = scope.parent
        return None


class Module:
    def __init__(self, name, text):
        self.name = name
        tree = ast.parse(text)
        self.imports = {}
        self.classes = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = (node.module, alias.name)
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                self.classes[node.name] = Class(node, self, [node.name], None)


# Type expressions: tuples, the first item naming the kind.
def parse_type(node, owner, modules):
    text = ast.unparse(node)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return parse_type(ast.parse(node.value, mode="eval").body, owner, modules)
    if isinstance(node, ast.Name):
        name = node.id
        simple = {"str": ("str",), "int": ("int",), "float": ("float",), "bool": ("bool",),
                  "Any": ("any",), "Decimal": ("str",), "object": ("any",)}
        if name in simple:
            return simple[name]
        nested = owner.lookup(name)
        if nested is not None:
            return ("nested", nested)
        if name in owner.module.classes:
            return ("class", owner.module.classes[name])
        module, original = owner.module.imports.get(name, (None, None))
        if module in modules and original in modules[module].classes:
            return ("class", modules[module].classes[original])
        fail(f"{owner.module.name}.{'.'.join(owner.path)}: unknown type {name}")
    if isinstance(node, ast.Subscript):
        head = ast.unparse(node.value)
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if head == "Optional":
            return ("option", parse_type(args[0], owner, modules))
        if head == "NotRequired":
            return ("option", parse_type(args[0], owner, modules))
        if head == "List":
            return ("list", parse_type(args[0], owner, modules))
        if head == "ListObject":
            return ("list_object", parse_type(args[0], owner, modules))
        if head in ("Dict", "Mapping"):
            return ("map", parse_type(args[1], owner, modules))
        if head == "UntypedStripeObject":
            return ("map", parse_type(args[0], owner, modules))
        if head == "ExpandableField":
            return ("expandable", parse_type(args[0], owner, modules))
        if head == "Literal":
            values = [arg.value for arg in args]
            if all(isinstance(v, bool) for v in values):
                return ("bool",)
            return ("literal", values)
        if head == "Union":
            parts = [parse_type(arg, owner, modules) for arg in args]
            literals = [p for p in parts if p[0] == "literal"]
            if literals and all(p[0] in ("literal", "str") for p in parts):
                return ("enum", [v for p in literals for v in p[1]])
            if all(p[0] == "class" for p in parts):
                return ("one_of", [p[1] for p in parts])
            fail(f"{owner.module.name}.{'.'.join(owner.path)}: union {text}")
    fail(f"{owner.module.name}.{'.'.join(owner.path)}: type {text}")


# ---------------------------------------------------------------------------------------------
# Rust names and docs


def camel(text):
    parts = re.split(r"[^0-9A-Za-z]+", text)
    out = "".join(p[:1].upper() + p[1:] for p in parts if p)
    if not out:
        out = "Empty"
    if out[0].isdigit():
        out = "V" + out
    return out


def field_ident(key):
    ident = re.sub(r"[^0-9A-Za-z_]", "_", key)
    if ident[0].isdigit():
        ident = "_" + ident
    if ident in ("self", "super", "crate"):
        ident += "_"
    elif keyword.iskeyword(ident) or ident in RUST_KEYWORDS:
        ident = "r#" + ident
    return ident


RUST_KEYWORDS = {"as", "async", "await", "box", "break", "const", "continue", "crate", "dyn",
                 "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let",
                 "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
                 "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while",
                 "abstract", "become", "do", "final", "macro", "override", "priv", "typeof",
                 "unsized", "virtual", "yield", "try", "gen"}


def doc_lines(text, indent):
    """A docstring as `///` lines that rustdoc reads as prose: no code blocks from indentation,
    no intra-doc links from bare brackets, no stray HTML."""
    text = inspect_clean(text)
    if not text:
        return []
    # A link target broken over two lines is one target; a site-relative one is Stripe's.
    while True:
        joined = re.sub(r"\]\(([^)\s]*)\n\s*", r"](\1", text)
        if joined == text:
            break
        text = joined
    text = text.replace("](/", "](https://docs.stripe.com/")
    # Some of Stripe's docs end inside a link target: close it.
    text = re.sub(r"\]\(([^)\s]+)(\s*)$", r"](\1)\2", text)
    out = []
    fence = False
    for line in text.splitlines():
        line = line.rstrip()
        if line.lstrip().startswith("```"):
            fence = not fence
            line = line.lstrip()
            if fence and line == "```":
                line = "```text"
            out.append(line)
            continue
        if not fence:
            line = line.lstrip()
            line = re.sub(r"\[([^\]]*)\](?!\()", r"\\[\1\\]", line)
            line = re.sub(r"<(?!/?(a|p|br|ul|li|ol|strong|em|code|b|i)\b)", "&lt;", line)
            line = line.replace("<br>", "<br/>")
            line = re.sub(r"(?<![<(`])(https?://[^\s)>\]`]+)", r"<\1>", line) \
                if "](" not in line else line
        out.append(line)
    if fence:
        out.append("```")
    while out and not out[-1]:
        out.pop()
    return [f"{indent}///{(' ' + line) if line else ''}" for line in out]


def inspect_clean(text):
    lines = text.expandtabs().splitlines()
    if not lines:
        return ""
    margin = min((len(l) - len(l.lstrip()) for l in lines[1:] if l.strip()), default=0)
    cleaned = [lines[0].strip()] + [l[margin:] for l in lines[1:]]
    return "\n".join(cleaned).strip()


# ---------------------------------------------------------------------------------------------
# Generation


class Generator:
    def __init__(self, modules, events, api_version):
        self.modules = modules
        self.events = events
        self.api_version = api_version
        self.resources = {}  # object string -> Class
        for module in modules.values():
            for cls in module.classes.values():
                if cls.object:
                    self.resources.setdefault(cls.object, cls)
        self.carried = sorted({o for objs in events.values() for o in objs})
        for obj in self.carried:
            if obj not in self.resources:
                fail(f"no class in stripe-python for object {obj}")
            if obj not in HAND_WRITTEN and obj not in FAMILY_OF:
                fail(f"object {obj} has no family")
        self.generated = [o for o in self.carried if o not in HAND_WRITTEN]
        # The member types of the hand-written resources share one namespace.
        self.member_roots, self.walked, self.serde = set(), set(), set()
        self.member_fields = []  # (hand-written struct, key, generated type, is a list, declared)
        # Rust names of the generated resources, unique within their family.
        self.rust_name = {}
        for family in FAMILIES:
            taken = {}
            for obj in self.generated:
                if FAMILY_OF[obj] != family:
                    continue
                name = self.resources[obj].node.name
                if name in taken or name in HAND_WRITTEN.values():
                    name = camel(obj)
                taken[name] = obj
                self.rust_name[obj] = name

    def resource_path(self, cls, family):
        """The Rust type of a resource class seen from `family`, or None (untyped)."""
        obj = cls.object
        if obj in HAND_WRITTEN:
            return f"crate::resources::{HAND_WRITTEN[obj]}"
        if obj in self.rust_name and FAMILY_OF[obj] == family:
            return self.rust_name[obj]
        return None

    def write_resource(self, obj):
        family = FAMILY_OF[obj]
        cls = self.resources[obj]
        self.items = []  # Rust items, in order
        self.done = {}
        root = self.rust_name[obj]
        self.struct(cls, root, family, resource=True)
        return self.items

    def write_members(self, obj, structs, hand_names):
        """The types of a hand-written resource's members that its struct does not type by hand
        (a field declared `Value`, or naming the type generated for it, or absent)."""
        self.items = []
        self.done = {}
        self.members_of(self.resources[obj], HAND_WRITTEN[obj], structs)
        for name in sorted(self.names & hand_names):
            fail(f"generated member type {name} is also a hand-written type")
        return self.items

    def members_of(self, cls, rust, structs):
        declared = structs.get(rust)
        if declared is None:
            fail(f"no hand-written struct {rust}")
        for key, annotation, _ in sorted(cls.fields, key=lambda f: f[0]):
            inner = parse_type(annotation, cls, self.modules)
            listed = False
            while inner[0] in ("option", "list"):
                listed |= inner[0] == "list"
                inner = inner[1]
            if not (inner[0] == "nested" or (inner[0] == "class" and not inner[1].object)):
                continue
            name = rust + camel(key)
            have = declared.get(field_ident(key).removeprefix("r#"))
            by_hand = next((i for i in re.findall(r"\w+", have or "") if i in structs), None)
            if by_hand is not None:
                # Typed by hand: its own `Value` fields may still be typed here.
                if (cls, by_hand) not in self.walked:
                    self.walked.add((cls, by_hand))
                    self.members_of(inner[1], by_hand, structs)
            elif have is None or re.search(rf"\b(Value|{name})\b", have):
                if name not in self.member_roots:
                    self.member_roots.add(name)
                    self.struct(inner[1], name, MEMBERS, serde=True)
                    self.member_fields.append((rust, key, name, listed, have))

    def scope(self):
        """A new namespace (a family, or the members): names, and the shapes written so far."""
        self.names, self.serde, self.canon = set(), set(), {}
        # One type per shape: a struct or enum written again elsewhere in the namespace is an
        # alias of the first (the same fields and docs, or the same values).
        self.shapes = {}

    def alias(self, name, shape, doc):
        """`name` as an alias of the type already written with `shape`, if there is one."""
        canonical = self.shapes.get(shape)
        if canonical is None:
            self.shapes[shape] = name
            return None
        self.canon[name] = canonical
        doc = [line.replace(CANONICAL, canonical) for line in doc]
        self.items.append("\n".join(doc + [f"pub type {name} = {canonical};"]))
        return canonical

    def shape_of(self, rust):
        """A Rust type with every alias in it replaced by the type it names."""
        return re.sub(r"\w+", lambda m: self.canon.get(m.group(0), m.group(0)), rust)

    def serde_for(self, name, serde):
        """Gives `name` serde impls (once) when a hand-written struct holds it."""
        if serde and name not in self.serde:
            self.serde.add(name)
            self.items.append(f"json_serde!({name});")

    def unique(self, name):
        base, n = name, 2
        while name in self.names:
            name = f"{base}{n}"
            n += 1
        self.names.add(name)
        return name

    def struct(self, cls, name, family, resource=False, serde=False):
        # A nested class used in several places is one type.
        if id(cls) in self.done:
            done = self.done[id(cls)]
            self.serde_for(self.canon.get(done, done), serde)
            return done
        name = self.unique(name)
        self.done[id(cls)] = name
        fields = []
        used = set()
        for key, annotation, doc in sorted(cls.fields, key=lambda f: f[0]):
            ty = parse_type(annotation, cls, self.modules)
            ident = field_ident(key)
            while ident in used:
                ident += "_"
            used.add(ident)
            rust = self.rust_type(ty, name + camel(key), family, doc=doc)
            fields.append((key, ident, rust, doc))
        if not resource:
            doc = doc_lines(cls.doc, "") or [f"/// `{'.'.join(cls.path)}`."]
            shape = tuple((key, ident, self.shape_of(rust), doc) for key, ident, rust, doc in fields)
            canonical = self.alias(name, ("struct", shape), doc + [
                "///", f"/// The same shape as [`{CANONICAL}`]."])
            if canonical is not None:
                self.serde_for(canonical, serde)
                return name
        if serde:
            self.serde.add(name)
        lines = []
        if resource:
            lines += doc_lines(cls.doc, "")
            lines.append("///")
            lines.append(f"/// `\"object\": \"{cls.object}\"`. Generated from the description "
                         f"of API version {self.api_version}.")
        else:
            lines += doc_lines(cls.doc, "") or [f"/// `{'.'.join(cls.path)}`."]
        lines.append("#[derive(Debug, Clone, Default, PartialEq)]")
        lines.append("#[non_exhaustive]")
        lines.append(f"pub struct {name} {{")
        for key, ident, rust, doc in fields:
            lines += doc_lines(doc, "    ") or [f"    /// `{key}`."]
            lines.append(f"    pub {ident}: {rust},")
        lines.append("}")
        lines.append("")
        macro = "json_resource" if resource else "json_struct"
        lines.append(f"{macro}!({name} {{")
        for key, ident, _, _ in fields:
            lines.append(f"    {json.dumps(key)} => {ident},")
        lines.append("});")
        if serde:
            lines.append(f"json_serde!({name});")
        self.items.append("\n".join(lines))
        return name

    def rust_type(self, ty, name, family, doc=""):
        kind = ty[0]
        if kind == "option":
            return f"Option<{self.rust_type(ty[1], name, family, doc=doc)}>"
        if kind == "str":
            return "String"
        if kind == "int":
            return "i64"
        if kind == "float":
            return "f64"
        if kind == "bool":
            return "bool"
        if kind == "any":
            return "Value"
        if kind == "list":
            return f"Vec<{self.rust_type(ty[1], name, family, doc=doc)}>"
        if kind == "map":
            return f"BTreeMap<String, {self.rust_type(ty[1], name, family, doc=doc)}>"
        if kind == "list_object":
            return f"List<{self.rust_type(ty[1], name, family, doc=doc)}>"
        if kind == "expandable":
            inner = ty[1]
            if inner[0] == "class":
                path = self.resource_path(inner[1], family) if inner[1].object else None
                return f"Expandable<{path or 'Value'}>"
            if inner[0] == "one_of":
                return f"Expandable<{self.one_of(inner[1], name, family)}>"
            if inner[0] == "nested":
                return f"Expandable<{self.struct(inner[1], name, family)}>"
            fail(f"expandable {inner}")
        if kind == "literal":
            values = ty[1]
            if len(values) == 1:
                return "String"
            return self.enum(values, name, doc)
        if kind == "enum":
            return self.enum(ty[1], name, doc)
        if kind == "nested":
            return self.struct(ty[1], name, family)
        if kind == "class":
            cls = ty[1]
            if cls.object:
                path = self.resource_path(cls, family)
                return f"Box<{path}>" if path else "Value"
            # A shared class without an `object` (inlined where used).
            return self.struct(cls, name, family)
        if kind == "one_of":
            return self.one_of(ty[1], name, family)
        fail(f"type {ty}")

    def enum(self, values, name, doc=""):
        name = self.unique(name)
        variants, seen = [], set()
        for value in dict.fromkeys(values):
            variant = camel(str(value))
            if variant == "Self":
                variant = "SelfValue"
            while variant in seen or variant == "Unknown":
                variant += "_"
            seen.add(variant)
            variants.append((variant, str(value)))
        first = inspect_clean(doc).split("\n\n")[0]
        canonical = self.alias(name, ("enum", tuple(variants)), (doc_lines(first, "") + ["///"]
                               if first else []) + [f"/// The same values as [`{CANONICAL}`]."])
        if canonical is not None:
            return name
        lines = ["open_enum! {", "    @json"] + (doc_lines(first, "    ") if first else []) + \
            (["    ///"] if first else []) + \
            ["    /// The documented values, and `Unknown` for any other.",
             f"    pub enum {name} {{"]
        for variant, value in variants:
            lines.append(f"        {variant} => {json.dumps(value)},")
        lines += ["    }", "}"]
        self.items.append("\n".join(lines))
        return name

    def one_of(self, classes, name, family):
        members = []
        for cls in classes:
            path = self.resource_path(cls, family)
            if path:
                members.append((cls.object, camel(cls.object), path))
        name = self.unique(name)
        lines = [f"/// One of several kinds of object, told apart by their `object` string; any "
                 f"other kind is `Unknown`.",
                 "#[derive(Debug, Clone, PartialEq)]", "#[non_exhaustive]",
                 f"pub enum {name} {{"]
        for obj, variant, path in members:
            lines.append(f"    /// `\"object\": \"{obj}\"`.")
            lines.append(f"    {variant}(Box<{path}>),")
        lines.append("    /// Any other object, as sent.")
        lines.append("    Unknown(Value),")
        lines += ["}", "", f"json_one_of!({name} {{"]
        for obj, variant, _ in members:
            lines.append(f"    {json.dumps(obj)} => {variant},")
        lines.append("});")
        self.items.append("\n".join(lines))
        return name


def header(api_version):
    return (f"// @generated by tools/typegen/typegen.py from stripe-python {PYTHON_SDK[1]} "
            f"(sha256 {PYTHON_SDK[3]})\n"
            f"// and stripe-node {NODE_SDK[1]} (sha256 {NODE_SDK[3]}), API version "
            f"{api_version}.\n// Do not edit: run `python3 tools/typegen/typegen.py`.\n")


CANONICAL = "\x00canonical\x00"

USES = ["#[allow(unused_imports)]",
        "use std::collections::BTreeMap;", "",
        "#[allow(unused_imports)]",
        "use serde_json::Value;", "",
        "#[allow(unused_imports)]",
        "use crate::resources::json::{json_one_of, json_resource, json_struct};",
        "#[allow(unused_imports)]",
        "use crate::resources::{Expandable, List};",
        "#[allow(unused_imports)]",
        "use super::*;",
        "#[allow(unused_imports)]",
        "use crate::open_enum::open_enum;"]


def module_file(obj):
    return obj.replace(".", "_")


def render(generator):
    files = {}
    head = header(generator.api_version)
    by_family = {}
    for obj in generator.generated:
        by_family.setdefault(FAMILY_OF[obj], []).append(obj)
    for family, objs in by_family.items():
        generator.scope()
        mods = []
        for obj in objs:
            items = generator.write_resource(obj)
            body = "\n\n".join(items)
            text = (head + f"\n//! [`{generator.rust_name[obj]}`]: `\"object\": \"{obj}\"`.\n\n"
                    + "\n".join(USES) + "\n\n" + body + "\n")
            files[os.path.join(family, module_file(obj) + ".rs")] = text
            mods.append(module_file(obj))
        doc, _ = FAMILIES[family]
        lines = [head, f"//! {doc}", "//!",
                 f"//! Feature `{family}`" + (" (on by default)." if FAMILIES[family][1] else "."),
                 ""]
        for m in sorted(mods):
            lines.append(f"mod {m};")
        lines.append("")
        for m in sorted(mods):
            lines.append(f"pub use {m}::*;")
        files[family + ".rs"] = "\n".join(lines) + "\n"
    structs, hand_names = hand_written_sources()
    generator.scope()
    mods = []
    for obj in sorted(HAND_WRITTEN):
        items = generator.write_members(obj, structs, hand_names)
        if not items:
            continue
        text = (head + f"\n//! The members of [`{HAND_WRITTEN[obj]}`](crate::resources::"
                f"{HAND_WRITTEN[obj]}) that its struct does not type by hand.\n\n"
                + "\n".join(USES + ["#[allow(unused_imports)]",
                                     "use crate::resources::json::json_serde;"])
                + "\n\n" + "\n\n".join(items) + "\n")
        files[os.path.join(MEMBERS, module_file(obj) + ".rs")] = text
        mods.append(module_file(obj))
    lines = [head, "//! The option bags of the hand-written resources, typed: always compiled, "
             "since the", "//! hand-written structs name them.", ""]
    lines += [f"mod {m};" for m in mods] + [""] + [f"pub use {m}::*;" for m in mods]
    files[MEMBERS + ".rs"] = "\n".join(lines) + "\n"
    lines = [head, "//! The generated resources, one module per family (Cargo feature), and the",
             "//! typed members of the hand-written ones.", "", f"pub(crate) mod {MEMBERS};",
             f"pub use {MEMBERS}::*;", ""]
    for family in FAMILIES:
        if family in by_family:
            lines.append(f"#[cfg(feature = \"{family}\")]")
            lines.append(f"pub mod {family};")
    lines += ["", "// The hand-written resources, as the generated ones read and write them.",
              "crate::resources::json::json_via_serde!("]
    lines += [f"    {rust} => {json.dumps(obj)}," for obj, rust in sorted(HAND_WRITTEN.items())]
    lines.append(");")
    files["../generated.rs"] = "\n".join(lines) + "\n"
    # The event-object catalogue, for EventObject.
    rows = []
    for obj in generator.carried:
        if obj in HAND_WRITTEN:
            rows.append(f"    {HAND_WRITTEN[obj]}({HAND_WRITTEN[obj]}) => {json.dumps(obj)},")
    for obj in generator.generated:
        family = FAMILY_OF[obj]
        variant = camel(obj)
        rows.append(f"    #[cfg(feature = \"{family}\")]")
        rows.append(f"    {variant}({family}::{generator.rust_name[obj]}) => {json.dumps(obj)},")
    files["../../event/catalog.rs"] = (head + "\n// Which `object` strings `EventObject` types, "
                                       "and with which resource.\n\nevent_objects! {\n"
                                       + "\n".join(rows) + "\n}\n")
    table = ["# event type\tobject types its data.object may carry (from stripe-node "
             f"{NODE_SDK[1]} Events.d.ts); written by tools/typegen/typegen.py"]
    for event_type in sorted(generator.events):
        table.append(f"{event_type}\t{' '.join(generator.events[event_type])}")
    files["../../../tools/typegen/event-objects.tsv"] = "\n".join(table) + "\n"
    return files


def rustfmt(files):
    out = {}
    for path, text in files.items():
        if path.endswith(".rs"):
            # The project has no rustfmt.toml: rustfmt's defaults, as `cargo fmt` uses them.
            result = subprocess.run(["rustfmt", "--edition", "2021", "--emit", "stdout"],
                                    input=text, capture_output=True, text=True)
            if result.returncode != 0:
                fail(f"rustfmt {path}: {result.stderr[:2000]}")
            text = result.stdout
        out[path] = text
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="fail if a generated file differs from what is checked in")
    args = parser.parse_args()
    py_files, api_version = python_sources()
    modules = {name: Module(name, text) for name, text in py_files.items()}
    events = event_objects(node_sources())
    generator = Generator(modules, events, api_version)
    files = rustfmt(render(generator))
    stale = []
    existing = set()
    for dirpath, _, names in os.walk(OUT):
        for n in names:
            existing.add(os.path.normpath(os.path.join(dirpath, n)))
    for path, text in files.items():
        full = os.path.normpath(os.path.join(OUT, path))
        existing.discard(full)
        old = open(full).read() if os.path.exists(full) else None
        if old != text:
            stale.append(os.path.relpath(full, ROOT))
            if not args.check:
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "w") as f:
                    f.write(text)
    for full in sorted(existing):
        stale.append(os.path.relpath(full, ROOT) + " (not generated any more)")
        if not args.check:
            os.remove(full)
    if args.check and stale:
        fail("generated files differ from their sources; run python3 tools/typegen/typegen.py:\n  "
             + "\n  ".join(stale))
    typed = len(generator.carried)
    print(f"typegen: {len(generator.generated)} generated resources, {typed} object types "
          f"for {len(events)} event types, {len(stale)} file(s) {'stale' if args.check else 'written'}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the fuzz seed corpora (fuzz/corpus/<target>/) from the crate's own fixtures.

Every seed is derived from tests/fixtures/** (events and resource objects) at run time; nothing
is copied from elsewhere and the corpus directory is not committed. Run from anywhere:
    python3 fuzz/seed_corpus.py
Inputs of the `verify` and `dispatcher` targets are `<mode byte><header>\\n<body>` (see
fuzz_targets/common.rs); the others take the body alone.
"""
import hashlib
import hmac
import json
import pathlib
import shutil
from datetime import datetime, timezone

FUZZ = pathlib.Path(__file__).resolve().parent
FIXTURES = FUZZ.parent / "tests" / "fixtures"
CORPUS = FUZZ / "corpus"
SECRET = "whsec_fuzz_primary_secret"  # fuzz_targets/common.rs: SECRET
NOW = 1_700_000_000  # fuzz_targets/common.rs: NOW


def sign(body: bytes, timestamp: int, secret: str = SECRET) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return mac.hexdigest()


def thin_from(event: dict) -> dict:
    """A thin (`v2.core.event`) notification about the same object as a snapshot event."""
    obj = event.get("data", {}).get("object", {})
    created = datetime.fromtimestamp(event.get("created", NOW), tz=timezone.utc)
    thin = {
        "id": event["id"],
        "object": "v2.core.event",
        "type": "v1." + event["type"],
        "created": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "livemode": event.get("livemode", False),
        "related_object": {
            "id": obj.get("id", ""),
            "type": obj.get("object", ""),
            "url": f"/v1/{obj.get('object', '')}s/{obj.get('id', '')}",
        },
    }
    if event.get("account"):
        thin["context"] = event["account"]
    return thin


def main() -> None:
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    seeds: dict[str, list[bytes]] = {t: [] for t in (
        "header", "verify", "event_from_slice", "event_object", "thin_event", "dispatcher")}

    events = [json.loads(p.read_text()) for p in sorted((FIXTURES / "events").glob("*.json"))]
    objects = [json.loads(p.read_text()) for p in sorted((FIXTURES / "resources").glob("*.json"))]
    # Resource fixtures are either bare objects or whole events: keep both shapes.
    for item in objects:
        if item.get("object") == "event":
            events.append(item)
    objects = [o for o in objects if o.get("object") != "event"]
    objects += [e["data"]["object"] for e in events if isinstance(e.get("data"), dict)]
    # Every typed object also as the object of a synthetic event, so each resource reaches
    # the envelope parser and the dispatcher.
    for index, obj in enumerate(objects):
        events.append({
            "id": f"evt_seed_{index}", "object": "event", "type": f"{obj.get('object', 'x')}.updated",
            "created": NOW, "livemode": False, "data": {"object": obj},
        })

    for obj in objects:
        seeds["event_object"].append(json.dumps(obj).encode())
    for event in events:
        body = json.dumps(event, indent=2).encode()
        thin = json.dumps(thin_from(event)).encode()
        header = f"t={NOW},v1={sign(body, NOW)}"
        seeds["event_from_slice"] += [body, json.dumps(event, separators=(",", ":")).encode()]
        seeds["thin_event"] += [thin, body]
        seeds["header"] += [header.encode(), f"t={NOW},v1={sign(body, NOW)},v0={'0' * 64}".encode()]
        # verify: 0 = as given, 1 = right signature first, 2 = forged signature first.
        seeds["verify"] += [bytes([0]) + header.encode() + b"\n" + body,
                            bytes([1]) + b"v0=00\n" + body,
                            bytes([2]) + b"\n" + body]
        # dispatcher: odd = signed, bit 7 = default body limit; even = the header as given.
        seeds["dispatcher"] += [bytes([0x81]) + b"\n" + body, bytes([0x80]) + header.encode() + b"\n" + body,
                                bytes([0x81]) + b"\n" + thin]

    for target, items in seeds.items():
        directory = CORPUS / target
        directory.mkdir(parents=True, exist_ok=True)
        for index, item in enumerate(items):
            (directory / f"seed-{index:04}").write_bytes(item)
        print(f"{target}: {len(items)} seeds")


if __name__ == "__main__":
    main()

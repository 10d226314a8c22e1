//! `Event::from_slice` against serde_json on generated and mutated event bodies.
//!
//! `Event::from_slice` first tries a hand-written envelope reader (src/event/envelope/fast.rs,
//! on the scanner in src/event/scan.rs) and falls back to the serde reader when that one gives
//! up. The fast reader is only allowed two answers: exactly the `Event` the serde reader would
//! build, or "not mine". Any third answer (an event the serde reader refuses, or an event that
//! differs in one byte of a raw field, in absent versus `null`, in a decoded string) is a bug
//! no ordinary test would notice, because every ordinary body takes the fast road and looks
//! fine. So the bodies here are written byte by byte by a small JSON writer of this file
//! (whitespace, key order, escapes, duplicates, numbers serde_json cannot hold), then also
//! broken at random, and every one is read by both readers, and by `Webhook`, which must
//! agree with `Event::from_slice`. `impl Deserialize for Event` always takes the serde reader,
//! so `serde_json::from_slice::<Event>` is the reference.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

use std::fmt;
use std::path::Path;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::Union;
use proptest::test_runner::TestCaseError;
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::{Error, Event, Webhook};
use time::OffsetDateTime;

const SECRET: &str = "whsec_fast_path_test";
const T: i64 = 1_700_000_000;

// ---------------------------------------------------------------------------------------------
// The writer
// ---------------------------------------------------------------------------------------------

/// A JSON value as it will be written: a scalar is its exact token text (so a string carries
/// its escapes and a number its spelling), an object's keys are their exact token text.
#[derive(Debug, Clone)]
enum Json {
    Token(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

fn token(text: &str) -> Json {
    Json::Token(text.to_owned())
}

/// Writes `value` with the whitespace pieces of `gaps` between tokens, in turn, so that one
/// body mixes compact, spaced, indented, tab and `\r\n` stretches.
fn write(value: &Json, gaps: &[&str]) -> Vec<u8> {
    let mut writer = Writer {
        out: Vec::new(),
        gaps,
        next: 0,
    };
    writer.gap();
    writer.value(value);
    writer.gap();
    writer.out
}

struct Writer<'a> {
    out: Vec<u8>,
    gaps: &'a [&'a str],
    next: usize,
}

impl Writer<'_> {
    fn gap(&mut self) {
        if let Some(gap) = self.gaps.get(self.next % self.gaps.len().max(1)) {
            self.out.extend_from_slice(gap.as_bytes());
        }
        self.next += 1;
    }

    fn push(&mut self, text: &str) {
        self.out.extend_from_slice(text.as_bytes());
    }

    fn value(&mut self, value: &Json) {
        match value {
            Json::Token(text) => self.push(text),
            Json::Array(items) => {
                self.push("[");
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        self.gap();
                        self.push(",");
                    }
                    self.gap();
                    self.value(item);
                }
                self.gap();
                self.push("]");
            }
            Json::Object(members) => {
                self.push("{");
                for (n, (key, item)) in members.iter().enumerate() {
                    if n > 0 {
                        self.gap();
                        self.push(",");
                    }
                    self.gap();
                    self.push(key);
                    self.gap();
                    self.push(":");
                    self.gap();
                    self.value(item);
                }
                self.gap();
                self.push("}");
            }
        }
    }
}

/// A body, shown as text when a case fails (the bytes themselves are unreadable in a report).
#[derive(Clone)]
struct Body(Vec<u8>);

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

// ---------------------------------------------------------------------------------------------
// Generated values
// ---------------------------------------------------------------------------------------------

/// One of fixed tokens (`None`: the field is absent), with weights: most strategies below are
/// "usually this, rarely one of those", and the rare ones are where the readers could differ.
fn fixed(options: &[(u32, Option<&str>)]) -> Union<Just<Option<Json>>> {
    Union::new_weighted(
        options
            .iter()
            .map(|&(weight, text)| (weight, Just(text.map(token))))
            .collect(),
    )
}

/// Pieces of string content: plain text, non-ASCII UTF-8 and escapes, a lone surrogate (fine
/// in a raw value, an error in a decoded string) and `\u0000` included.
const STRING_PIECES: &[&str] = &[
    "a",
    "Z9",
    "_",
    " ",
    "é",
    "✓",
    "😀",
    "\u{7f}",
    r"\n",
    r#"\""#,
    r"\\",
    r"\/",
    r"\t",
    r"\b\f\r",
    r"\u00e9",
    r"\u00E9",
    r"\ud83d\ude00",
    r"\ud800",
    r"\u0000",
    "evt_",
];

fn string_token() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => "[a-z_]{0,10}".prop_map(|text| format!("\"{text}\"")),
        3 => prop::collection::vec(prop::sample::select(STRING_PIECES), 0..6)
            .prop_map(|pieces| format!("\"{}\"", pieces.concat())),
    ]
}

/// Number spellings that a `Value` or an `i64` may not hold, and that are still JSON.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "1.50e3",
    "1e400",
    "-1E+400",
    "1e-400",
    "2.5E-3",
    "0.0",
    "-0.0e-0",
    "123456789012345678901234567890",
    "-123456789012345678901234567890",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
];

const COMMON_KEYS: &[&str] = &["\"id\"", "\"object\"", "\"name\"", "\"é\"", "\"\""];

fn key_token() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(COMMON_KEYS).prop_map(str::to_owned),
        2 => string_token(),
    ]
}

const LITERALS: &[&str] = &["null", "true", "false"];

/// Any JSON value: nested arrays and objects (repeated keys included), all of the above
/// scalars, and nesting deeper than serde_json's recursion limit, which raw values allow.
fn any_json() -> BoxedStrategy<Json> {
    let leaf = prop_oneof![
        3 => prop::sample::select(LITERALS).prop_map(token),
        3 => prop::sample::select(NUMBERS).prop_map(token),
        2 => any::<i64>().prop_map(|n| Json::Token(n.to_string())),
        2 => (-1e6f64..1e6).prop_map(|x| Json::Token(format!("{x:?}"))),
        6 => string_token().prop_map(Json::Token),
        1 => (120usize..140).prop_map(|depth| {
            Json::Token(format!("{}{}", "[".repeat(depth), "]".repeat(depth)))
        }),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
            prop::collection::vec((key_token(), inner), 0..5).prop_map(Json::Object),
        ]
    })
    .boxed()
}

fn json_object() -> impl Strategy<Value = Json> {
    prop::collection::vec((key_token(), any_json()), 0..5).prop_map(Json::Object)
}

/// A known key: almost always plain, rarely with its first letter escaped (the same key to
/// serde, a key a byte-matching reader must not take for the known one nor for an unknown).
fn known_key(name: &'static str) -> impl Strategy<Value = String> {
    let mut chars = name.chars();
    let first = chars.next().map_or(0, u32::from);
    let escaped = format!("\"\\u{first:04x}{}\"", chars.as_str());
    prop_oneof![
        120 => Just(format!("\"{name}\"")),
        1 => Just(escaped),
    ]
}

/// A member of the envelope (or of `data`), or `None` when the value strategy says absent.
fn member(
    name: &'static str,
    value: impl Strategy<Value = Option<Json>>,
) -> impl Strategy<Value = Option<(String, Json)>> {
    (known_key(name), value).prop_map(|(key, value)| value.map(|value| (key, value)))
}

fn id() -> impl Strategy<Value = Option<Json>> {
    prop_oneof![
        60 => "[A-Za-z0-9]{1,24}".prop_map(|id| Some(Json::Token(format!("\"evt_{id}\"")))),
        1 => string_token().prop_map(|text| Some(Json::Token(text))),
        2 => fixed(&[
            (2, Some(r#""evt_\u0065x""#)),
            (2, Some(r#""evt\/1""#)),
            (1, Some(r#""""#)),
            (1, Some(r#""evt_é✓😀""#)),
            (1, None),
            (1, Some("null")),
            (1, Some("17")),
            (1, Some(r#"["evt_1"]"#)),
        ]),
    ]
}

fn object() -> impl Strategy<Value = Option<Json>> {
    fixed(&[
        (60, Some(r#""event""#)),
        (12, None),
        (6, Some("null")),
        (1, Some(r#""ev\u0065nt""#)),
        (1, Some(r#""v2.core.event""#)),
        (1, Some(r#""v2.core.\u0065vent""#)),
        (1, Some(r#""charge""#)),
        (1, Some(r#""""#)),
        (1, Some("1")),
        (1, Some("{}")),
    ])
}

const KNOWN_TYPES: &[&str] = &[
    "charge.failed",
    "charge.succeeded",
    "invoice.paid",
    "invoice.payment_failed",
    "customer.created",
    "customer.subscription.updated",
    "payment_intent.payment_failed",
    "checkout.session.completed",
];

fn event_type() -> impl Strategy<Value = Option<Json>> {
    prop_oneof![
        60 => prop::sample::select(KNOWN_TYPES)
            .prop_map(|name| Some(Json::Token(format!("\"{name}\"")))),
        3 => fixed(&[
            (4, Some(r#""x.y.z""#)),
            (2, Some(r#""charge\u002efailed""#)),
            (1, Some(r#""invoice.paid\/x""#)),
            (1, Some(r#""""#)),
            (1, Some(r#""é.✓""#)),
            (1, None),
            (1, Some("null")),
            (1, Some("1")),
        ]),
    ]
}

fn created() -> impl Strategy<Value = Option<Json>> {
    prop_oneof![
        40 => (0i64..4_000_000_000).prop_map(|n| Some(Json::Token(n.to_string()))),
        4 => (-377_705_116_800i64..0).prop_map(|n| Some(Json::Token(n.to_string()))),
        1 => any::<i64>().prop_map(|n| Some(Json::Token(n.to_string()))),
        4 => fixed(&[
            (3, Some("0")),
            (1, Some("-0")),
            (1, Some("1")),
            (1, Some("-1")),
            // time's range (years -9999 to 9999), and one past each end.
            (1, Some("-377705116800")),
            (1, Some("-377705116801")),
            (1, Some("253402300799")),
            (1, Some("253402300800")),
            (1, Some("9223372036854775807")),
            (1, Some("-9223372036854775808")),
            (1, Some("9223372036854775808")),
            (1, Some("999999999999999")),
            (1, Some("1.5")),
            (1, Some("1e3")),
            (1, Some("1E3")),
            (1, Some("1.0")),
            (1, Some("1700000000.000")),
            (1, Some("1e400")),
            (1, Some("-1e400")),
            (1, Some(r#""1700000000""#)),
            (1, Some("null")),
            (1, Some("true")),
            (1, None),
        ]),
    ]
}

fn livemode() -> Union<Just<Option<Json>>> {
    fixed(&[
        (20, Some("false")),
        (12, Some("true")),
        (4, Some("null")),
        (8, None),
        (1, Some(r#""true""#)),
        (1, Some("1")),
    ])
}

fn api_version() -> Union<Just<Option<Json>>> {
    fixed(&[
        (20, Some(r#""2024-06-20""#)),
        (12, Some(r#""2026-10-28.endive""#)),
        (4, Some("null")),
        (8, None),
        (1, Some(r#""2024\u002d06-20""#)),
        (1, Some(r#""2025-03-31.basil\n""#)),
        (1, Some("20240620")),
    ])
}

fn pending_webhooks() -> Union<Just<Option<Json>>> {
    fixed(&[
        (40, Some("1")),
        (10, Some("0")),
        (4, Some("12")),
        (1, Some("-1")),
        (6, Some("null")),
        (10, None),
        (1, Some("1e400")),
        (1, Some("18446744073709551616")),
        (1, Some("-0")),
        (1, Some("2.0")),
        (1, Some("2.5e1")),
        (1, Some(r#""1""#)),
        (1, Some("{}")),
        (1, Some("[1]")),
        (1, Some("true")),
    ])
}

fn request() -> Union<Just<Option<Json>>> {
    fixed(&[
        (8, Some(r#"{"id":null,"idempotency_key":null}"#)),
        (8, Some(r#"{"id":"req_x","idempotency_key":"k"}"#)),
        (4, Some("null")),
        (4, None),
        (2, Some(r#""req_1""#)),
        (1, Some(r#""req_\u0031""#)),
        (
            1,
            Some("{ \"id\" : \"req_x\" ,\n  \"idempotency_key\":\"k\\u00e9\" }"),
        ),
        (
            1,
            Some(r#"{"id":"req_a","id":"req_b","idempotency_key":7}"#),
        ),
        (
            1,
            Some(r#"{"id":"req_x","extra":[1,{"n":1e400}],"idempotency_key":"\ud800"}"#),
        ),
        (1, Some("{}")),
        (1, Some(r#"["req_1"]"#)),
        (1, Some("7")),
        (1, Some("true")),
    ])
}

/// `account` and `context`: connected-account ids, usually absent.
fn account_like(prefix: &'static str) -> impl Strategy<Value = Option<Json>> {
    prop_oneof![
        12 => Just(None),
        6 => "[A-Za-z0-9]{1,16}".prop_map(move |id| Some(Json::Token(format!("\"{prefix}{id}\"")))),
        1 => fixed(&[
            (3, Some("null")),
            (1, Some(r#""acct_\u00e9""#)),
            (1, Some(r#""""#)),
            (1, Some("1")),
        ]),
    ]
}

/// `data.object`: usually a resource with its `id` and `object`, rarely any JSON at all.
fn resource() -> impl Strategy<Value = Json> {
    let kinds = &[
        "charge",
        "invoice",
        "customer",
        "payment_intent",
        "subscription",
    ][..];
    prop_oneof![
        8 => (
            prop::sample::select(kinds),
            "[A-Za-z0-9]{1,14}",
            prop::collection::vec((key_token(), any_json()), 0..6),
        )
            .prop_map(|(kind, id, rest)| {
                let mut members = vec![
                    ("\"id\"".to_owned(), Json::Token(format!("\"obj_{id}\""))),
                    ("\"object\"".to_owned(), Json::Token(format!("\"{kind}\""))),
                ];
                members.extend(rest);
                Json::Object(members)
            }),
        1 => any_json(),
    ]
}

/// A key in `data` besides `object` and `previous_attributes`: rarely `object` escaped
/// (a repeated `object` to serde) or a key that does not decode.
fn data_key() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => prop::sample::select(DATA_KEYS).prop_map(str::to_owned),
        2 => string_token(),
        1 => Just(r#""\u006fbject""#.to_owned()),
    ]
}

const DATA_KEYS: &[&str] = &["\"note\"", "\"é\"", "\"\"", "\"x\"", "\"objects\""];

/// The members of an object `data`, in any order, rarely with one of them repeated.
fn data_object() -> impl Strategy<Value = Json> {
    (
        member(
            "object",
            prop_oneof![
                20 => resource().prop_map(Some),
                1 => Just(None),
                1 => Just(Some(token("null"))),
            ],
        ),
        member(
            "previous_attributes",
            prop_oneof![
                6 => Just(None),
                1 => Just(Some(token("null"))),
                3 => json_object().prop_map(Some),
                1 => any_json().prop_map(Some),
            ],
        ),
        prop_oneof![
            4 => Just(Vec::new()),
            1 => prop::collection::vec((data_key(), any_json()), 1..3),
        ],
        prop_oneof![
            60 => Just(None),
            1 => any::<Index>().prop_map(Some),
        ],
    )
        .prop_flat_map(|(object, previous, extra, repeat)| {
            let mut members: Vec<(String, Json)> = object.into_iter().chain(previous).collect();
            members.extend(extra);
            if let (Some(at), false) = (repeat, members.is_empty()) {
                members.push(members[at.index(members.len())].clone());
            }
            Just(members).prop_shuffle()
        })
        .prop_map(Json::Object)
}

fn data() -> impl Strategy<Value = Option<Json>> {
    prop_oneof![
        40 => data_object().prop_map(Some),
        1 => fixed(&[
            (1, None),
            (1, Some("null")),
            (1, Some("[]")),
            (1, Some(r#""data""#)),
            (1, Some("{}")),
        ]),
    ]
}

/// Keys the crate does not know, escapes included: `\u0069d` is `id`, `ty\u0070e` is `type`
/// (duplicates of known fields to serde), a lone surrogate no key at all.
const UNKNOWN_KEYS: &[&str] = &[
    "\"extra\"",
    "\"note\"",
    "\"metadata\"",
    "\"é ✓ 😀\"",
    "\"\"",
    "\"x y\"",
    "\"Id\"",
    "\"data_\"",
    r#""\u00e9""#,
    r#""\u0069d""#,
    r#""ty\u0070e""#,
    r#""\ud800""#,
];

fn unknown_key() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => prop::sample::select(&UNKNOWN_KEYS[..8]).prop_map(str::to_owned),
        1 => prop::sample::select(&UNKNOWN_KEYS[8..]).prop_map(str::to_owned),
    ]
}

/// Which member, if any, a body repeats.
#[derive(Debug, Clone)]
enum Repeat {
    Nothing,
    /// An unknown key again, with another value (kept twice, in order).
    Unknown(Index, Json),
    /// Any member again (a known one is refused).
    Any(Index),
}

const WHITESPACE: &[&str] = &[
    "", "", " ", "  ", "\n", "\n  ", "\n    ", "\t", "\r\n", "\r\n\t", " \n ",
];

/// A generated event body: the envelope members in random order, written with random
/// whitespace.
fn envelope() -> impl Strategy<Value = Body> {
    let known = (
        member("id", id()),
        member("object", object()),
        member("type", event_type()),
        member("created", created()),
        member("livemode", livemode()),
        member("api_version", api_version()),
        member("pending_webhooks", pending_webhooks()),
        member("request", request()),
        member("account", account_like("acct_")),
        member("context", account_like("ctx_")),
        member("data", data()),
    );
    let rest = (
        prop_oneof![
            2 => Just(Vec::new()),
            3 => prop::collection::vec((unknown_key(), any_json()), 1..4),
        ],
        prop_oneof![
            24 => Just(Repeat::Nothing),
            6 => (any::<Index>(), any_json()).prop_map(|(at, value)| Repeat::Unknown(at, value)),
            1 => any::<Index>().prop_map(Repeat::Any),
        ],
        prop_oneof![
            1 => Just(Vec::new()),
            3 => prop::collection::vec(prop::sample::select(WHITESPACE), 1..8),
        ],
    );
    (known, rest)
        .prop_flat_map(|(known, (unknown, repeat, gaps))| {
            let mut members: Vec<(String, Json)> = [
                known.0, known.1, known.2, known.3, known.4, known.5, known.6, known.7, known.8,
                known.9, known.10,
            ]
            .into_iter()
            .flatten()
            .collect();
            match repeat {
                Repeat::Nothing => {}
                Repeat::Unknown(at, value) => {
                    if !unknown.is_empty() {
                        members.push((unknown[at.index(unknown.len())].0.clone(), value));
                    }
                }
                Repeat::Any(at) => {
                    if !members.is_empty() {
                        members.push(members[at.index(members.len())].clone());
                    }
                }
            }
            members.extend(unknown);
            (Just(members).prop_shuffle(), Just(gaps))
        })
        .prop_map(|(members, gaps)| Body(write(&Json::Object(members), &gaps)))
}

// ---------------------------------------------------------------------------------------------
// Broken bodies
// ---------------------------------------------------------------------------------------------

/// Bytes to insert: syntax (a stray `}`, a trailing comma), raw control characters (invalid in
/// a string, and `\t` valid between tokens), invalid or cut UTF-8, an encoded surrogate, a BOM.
const SNIPPETS: &[&[u8]] = &[
    b"\x00",
    b"\x01",
    b"\x1f",
    b"\t",
    b"\n",
    b",",
    b"}",
    b"]",
    b"{",
    b"[",
    b"\"",
    b"\\",
    b":",
    b" ",
    b"0",
    b"-",
    b"e",
    b".",
    b"\xff",
    b"\xc3",
    b"\x80",
    b"\xed\xa0\x80",
    b"\xf0\x9f\x98",
    b"\xef\xbb\xbf",
    b"null",
    b",\"x\":1",
];

/// Text after the body: whitespace (still valid) or garbage.
const TRAILERS: &[&[u8]] = &[
    b"\n", b"\r\n\t ", b"x", b" }", b",", b"\x00", b"{}", b" 1", b"\xff", b"]", b"\"",
];

/// What goes before a closing bracket: a trailing comma, or one bracket too many.
const CLOSERS: &[&[u8]] = &[b",", b" ,", b"}", b"]", b",,"];

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(Index),
    Flip(Index, u8),
    Insert(Index, &'static [u8]),
    InsertByte(Index, u8),
    /// Before the n-th `}` or `]`: where a trailing comma goes.
    BeforeClose(Index, &'static [u8]),
    /// Right after the n-th `"`: inside a string (or a key) for every other quote.
    AfterQuote(Index, &'static [u8]),
    Append(&'static [u8]),
    Bom,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let snippet = || prop::sample::select(SNIPPETS);
    prop_oneof![
        3 => any::<Index>().prop_map(Mutation::Truncate),
        3 => (any::<Index>(), 1u8..=255).prop_map(|(at, bits)| Mutation::Flip(at, bits)),
        3 => (any::<Index>(), snippet()).prop_map(|(at, text)| Mutation::Insert(at, text)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Mutation::InsertByte(at, byte)),
        2 => (any::<Index>(), prop::sample::select(CLOSERS))
            .prop_map(|(at, text)| Mutation::BeforeClose(at, text)),
        2 => (any::<Index>(), snippet()).prop_map(|(at, text)| Mutation::AfterQuote(at, text)),
        2 => prop::sample::select(TRAILERS).prop_map(Mutation::Append),
        1 => Just(Mutation::Bom),
    ]
}

/// The position of the n-th byte of `body` that `wanted` picks, if there is one.
fn nth(body: &[u8], at: &Index, wanted: impl Fn(u8) -> bool) -> Option<usize> {
    let positions: Vec<usize> = (0..body.len()).filter(|&i| wanted(body[i])).collect();
    (!positions.is_empty()).then(|| positions[at.index(positions.len())])
}

fn mutate(body: &mut Vec<u8>, mutation: &Mutation) {
    let len = body.len();
    match mutation {
        Mutation::Truncate(at) => body.truncate(at.index(len.max(1))),
        Mutation::Flip(at, bits) => {
            if len > 0 {
                body[at.index(len)] ^= bits;
            }
        }
        Mutation::Insert(at, text) => {
            let i = at.index(len + 1);
            body.splice(i..i, text.iter().copied());
        }
        Mutation::InsertByte(at, byte) => body.insert(at.index(len + 1), *byte),
        Mutation::BeforeClose(at, text) => {
            if let Some(i) = nth(body, at, |b| b == b'}' || b == b']') {
                body.splice(i..i, text.iter().copied());
            }
        }
        Mutation::AfterQuote(at, text) => {
            if let Some(i) = nth(body, at, |b| b == b'"') {
                body.splice(i + 1..i + 1, text.iter().copied());
            }
        }
        Mutation::Append(text) => body.extend_from_slice(text),
        Mutation::Bom => {
            body.splice(0..0, *b"\xef\xbb\xbf");
        }
    }
}

fn mutated() -> impl Strategy<Value = Body> {
    (envelope(), prop::collection::vec(mutation(), 1..4)).prop_map(|(Body(mut body), changes)| {
        for change in &changes {
            mutate(&mut body, change);
        }
        Body(body)
    })
}

// ---------------------------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------------------------

fn written(event: &Event) -> String {
    serde_json::to_string(event).unwrap()
}

/// `Event::from_slice` (fast reader, serde reader behind it) against the serde reader alone,
/// and `Webhook::verify_and_parse_at` against `Event::from_slice`, on one body.
fn check(body: &[u8]) -> Result<(), TestCaseError> {
    let shown = String::from_utf8_lossy(body);
    let fast = Event::from_slice(body);
    let reference = serde_json::from_slice::<Event>(body);
    match (&fast, &reference) {
        (Ok(fast), Ok(reference)) => same_event(fast, reference, body)?,
        (Err(error), Err(_)) => prop_assert!(
            matches!(
                error,
                Error::Json(_) | Error::NotAnEvent { .. } | Error::ThinEventPayload
            ),
            "unexpected error {error:?} on {shown:?}"
        ),
        _ => {
            return Err(TestCaseError::fail(format!(
                "Event::from_slice gave {fast:?}, serde_json gave {reference:?} on {shown:?}"
            )))
        }
    }

    let header = signature_header(body, SECRET, T);
    let now = OffsetDateTime::from_unix_timestamp(T).unwrap();
    let verified = Webhook::new(SECRET).verify_and_parse_at(body, &header, now);
    match (&fast, &verified) {
        (Ok(fast), Ok(verified)) => prop_assert_eq!(written(fast), written(verified)),
        (Err(fast), Err(verified)) => prop_assert_eq!(
            fast.kind(),
            verified.kind(),
            "{:?} vs {:?} on {:?}",
            fast,
            verified,
            shown
        ),
        _ => {
            return Err(TestCaseError::fail(format!(
                "Event::from_slice gave {fast:?}, Webhook gave {verified:?} on {shown:?}"
            )))
        }
    }
    Ok(())
}

fn same_event(fast: &Event, reference: &Event, body: &[u8]) -> Result<(), TestCaseError> {
    let shown = String::from_utf8_lossy(body);
    // Every field, raw ones byte for byte, absent apart from `null`.
    prop_assert_eq!(written(fast), written(reference), "on {:?}", shown);
    prop_assert_eq!(fast.id(), reference.id());
    prop_assert_eq!(fast.event_type(), reference.event_type());
    prop_assert_eq!(fast.created(), reference.created());
    prop_assert_eq!(fast.livemode(), reference.livemode());
    prop_assert_eq!(fast.api_version(), reference.api_version());
    prop_assert_eq!(fast.pending_webhooks(), reference.pending_webhooks());
    prop_assert_eq!(fast.request(), reference.request());
    prop_assert_eq!(fast.account(), reference.account());
    prop_assert_eq!(fast.context(), reference.context());
    prop_assert_eq!(fast.object_raw().get(), reference.object_raw().get());
    prop_assert_eq!(
        fast.previous_attributes_raw().map(|raw| raw.get()),
        reference.previous_attributes_raw().map(|raw| raw.get())
    );
    // Kept as sent means a slice of the body, not a re-rendering; an absent `data.object`
    // reads as `null`, which need not be in the body.
    let object = fast.object_raw().get();
    prop_assert!(
        object == "null" || contains(body, object.as_bytes()),
        "data.object {:?} is not in {:?}",
        object,
        shown
    );
    if let Some(previous) = fast.previous_attributes_raw() {
        prop_assert!(contains(body, previous.get().as_bytes()));
    }
    Ok(())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // The minimal case goes into the failure message; a file of seeds would be one more
        // file in the tree that nobody reads.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn generated_bodies_read_as_the_serde_reader_reads_them(body in envelope()) {
        check(&body.0)?;
    }

    #[test]
    fn broken_bodies_read_as_the_serde_reader_reads_them(body in mutated()) {
        check(&body.0)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions and fixtures
// ---------------------------------------------------------------------------------------------

const DATA: &str = r#""data":{"object":{"id":"ch_1","object":"charge"}}"#;

fn body(fields: &str) -> Vec<u8> {
    format!(r#"{{{fields},"type":"charge.failed","created":1700000000,{DATA}}}"#).into_bytes()
}

#[test]
fn an_escaped_key_is_the_key_it_decodes_to() {
    let body = body(r#""\u0069d":"evt_1""#);
    check(&body).unwrap();
    assert_eq!(Event::from_slice(&body).unwrap().id(), "evt_1");

    let escaped_data =
        br#"{"id":"evt_1","type":"x.y.z","created":1,"data":{"\u006fbject":{"id":"a"}}}"#;
    check(escaped_data).unwrap();
    let event = Event::from_slice(escaped_data).unwrap();
    assert_eq!(event.object_raw().get(), r#"{"id":"a"}"#);
}

#[test]
fn an_escaped_key_beside_its_plain_spelling_is_a_repeated_field() {
    let body = body(r#""id":"evt_1","\u0069d":"evt_2""#);
    check(&body).unwrap();
    assert!(matches!(
        Event::from_slice(&body),
        Err(Error::NotAnEvent { .. })
    ));
}

#[test]
fn a_repeated_id_is_refused() {
    let body = body(r#""id":"evt_1","id":"evt_1""#);
    check(&body).unwrap();
    assert!(matches!(
        Event::from_slice(&body),
        Err(Error::NotAnEvent { .. })
    ));
}

#[test]
fn a_repeated_unknown_key_is_kept_twice_in_order() {
    let body = body(r#""id":"evt_1","x":1,"y":null,"x":[2]"#);
    check(&body).unwrap();
    let written = written(&Event::from_slice(&body).unwrap());
    assert!(written.ends_with(r#""x":1,"y":null,"x":[2]}"#), "{written}");
}

#[test]
fn created_minus_zero_is_refused_as_the_serde_reader_refuses_it() {
    // serde_json reads `-0` as the float -0.0, which is no `i64`: the serde reader refuses
    // the event ("expected Unix seconds"), so the fast reader must give up on it too.
    let body = br#"{"id":"evt_1","type":"charge.failed","created":-0,"data":{"object":{}}}"#;
    check(body).unwrap();
}

/// A body in the shapes it may come in: as stored, with `\r\n` line ends, compact and
/// pretty-printed again by serde_json (keys reordered), with trailing whitespace.
fn spellings(body: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8(body.to_vec()).unwrap();
    let value: serde_json::Value = serde_json::from_slice(body).unwrap();
    vec![
        body.to_vec(),
        text.replace('\n', "\r\n").into_bytes(),
        serde_json::to_vec(&value).unwrap(),
        serde_json::to_vec_pretty(&value).unwrap(),
        format!("{}\n \t\r\n", text.trim_end()).into_bytes(),
    ]
}

#[test]
fn every_fixture_event_parses_and_equals_the_reference() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/events");
    let mut fixtures = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|extension| extension != "json") {
            continue;
        }
        let stored = std::fs::read(&path).unwrap();
        for body in spellings(&stored) {
            check(&body).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            assert!(Event::from_slice(&body).is_ok(), "{}", path.display());
        }
        fixtures += 1;
    }
    assert!(
        fixtures >= 4,
        "only {fixtures} fixtures in {}",
        dir.display()
    );
}

//! A JSON scanner that checks a value and finds where it ends without building anything: what
//! the envelope reader uses to step over `data.object`, the bulk of every event.
//!
//! It accepts exactly the texts serde_json accepts when it skips a value into a `RawValue`
//! (RFC 8259, nesting of any depth, numbers of any size, any `\u` escape, lone surrogates
//! included, since a skipped string is never decoded), on input already known to be UTF-8. It
//! is faster than serde_json's own skip because it does nothing else: no scratch buffer, no
//! per-token calls through a `Read` trait, and eight bytes at a time inside strings, where
//! most of an event's bytes are. Its unit tests, the envelope's property test
//! (`integration/tests/envelope_fast_path.rs`) and the `event_from_slice` fuzz target hold it
//! to serde_json's verdict.

/// Eight copies of a byte, for comparing eight bytes at once.
const fn splat(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

const ONES: u64 = splat(0x01);
const HIGH: u64 = splat(0x80);

/// The high bit of every byte of `word` that is below `bound` (exact for the lowest such byte;
/// a byte above it may be flagged falsely, which is never looked at).
const fn below(word: u64, bound: u8) -> u64 {
    word.wrapping_sub(splat(bound)) & !word & HIGH
}

/// The high bit of every byte of `word` equal to `byte` (exact for the lowest such byte).
const fn equal(word: u64, byte: u8) -> u64 {
    let x = word ^ splat(byte);
    x.wrapping_sub(ONES) & !x & HIGH
}

/// The position of the first byte after `i` that is not JSON whitespace (or `bytes.len()`).
#[inline]
pub(crate) fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(i) {
        i += 1;
    }
    i
}

/// A string token starting at `bytes[i] == b'"'`: the position after its closing quote, and
/// whether it holds an escape (its content is then not its text).
#[inline(always)]
pub(crate) fn string_end(bytes: &[u8], i: usize) -> Option<(usize, bool)> {
    let mut i = i + 1;
    let mut escaped = false;
    loop {
        // Eight bytes at a time up to the first quote, backslash or control character.
        while let Some(chunk) = bytes.get(i..i + 8) {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            let word = u64::from_le_bytes(word);
            let special = equal(word, b'"') | equal(word, b'\\') | below(word, 0x20);
            if special != 0 {
                i += (special.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        match *bytes.get(i)? {
            b'"' => return Some((i + 1, escaped)),
            b'\\' => {
                escaped = true;
                i += match *bytes.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                    b'u' if bytes.get(i + 2..i + 6)?.iter().all(u8::is_ascii_hexdigit) => 6,
                    _ => return None,
                };
            }
            0x00..=0x1f => return None,
            _ => i += 1,
        }
    }
}

/// The position after the digits starting at `i`, and how many there were.
#[inline]
fn digits(bytes: &[u8], mut i: usize) -> (usize, usize) {
    let start = i;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    (i, i - start)
}

/// A number token starting at `i`: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`,
/// of any length; the position after it.
#[inline]
pub(crate) fn number_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    match bytes.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = digits(bytes, i).0,
        _ => return None,
    }
    if bytes.get(i) == Some(&b'.') {
        let (end, count) = digits(bytes, i + 1);
        if count == 0 {
            return None;
        }
        i = end;
    }
    if let Some(b'e' | b'E') = bytes.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = bytes.get(i) {
            i += 1;
        }
        let (end, count) = digits(bytes, i);
        if count == 0 {
            return None;
        }
        i = end;
    }
    Some(i)
}

/// `word` at `i` (one of `true`, `false`, `null`): the position after it.
#[inline]
pub(crate) fn literal_end(bytes: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    let end = i + word.len();
    (bytes.get(i..end)? == word).then_some(end)
}

/// Which containers enclose the scanner, innermost last: one bit each (set for an object),
/// the first 64 without allocating, any depth beyond on the heap (at most one bit per byte of
/// input, so bounded by the body).
struct Nesting {
    depth: usize,
    low: u64,
    high: Vec<u64>,
}

impl Nesting {
    fn new() -> Nesting {
        Nesting {
            depth: 0,
            low: 0,
            high: Vec::new(),
        }
    }

    fn push(&mut self, object: bool) {
        let bit = u64::from(object);
        if self.depth < 64 {
            self.low = (self.low & !(1 << self.depth)) | (bit << self.depth);
        } else {
            let k = self.depth - 64;
            if k % 64 == 0 {
                self.high.push(0);
            }
            if let Some(word) = self.high.last_mut() {
                *word = (*word & !(1 << (k % 64))) | (bit << (k % 64));
            }
        }
        self.depth += 1;
    }

    /// Whether the innermost container is an object; `None` at the top level.
    fn top(&self) -> Option<bool> {
        let top = self.depth.checked_sub(1)?;
        let word = if top < 64 {
            self.low >> top
        } else {
            self.high.last()? >> ((top - 64) % 64)
        };
        Some(word & 1 == 1)
    }

    fn pop(&mut self) {
        self.depth -= 1;
        if self.depth >= 64 && (self.depth - 64) % 64 == 0 {
            self.high.pop();
        }
    }
}

/// An object's key starting at `i` (a string), its colon and the whitespace after it: the
/// position of the value.
#[inline(always)]
fn key_end(bytes: &[u8], i: usize) -> Option<usize> {
    if bytes.get(i) != Some(&b'"') {
        return None;
    }
    let (end, _) = string_end(bytes, i)?;
    let colon = skip_ws(bytes, end);
    (bytes.get(colon) == Some(&b':')).then(|| skip_ws(bytes, colon + 1))
}

/// The JSON value starting at `i` (no whitespace before it): the position after it, or `None`
/// when it is not valid JSON. Iterative, so any depth of nesting takes no stack.
pub(crate) fn value_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    let mut nesting = Nesting::new();
    loop {
        // `i` is at the first byte of a value.
        match *bytes.get(i)? {
            b'"' => i = string_end(bytes, i)?.0,
            b'{' => {
                i = skip_ws(bytes, i + 1);
                if bytes.get(i) == Some(&b'}') {
                    i += 1;
                } else {
                    nesting.push(true);
                    i = key_end(bytes, i)?;
                    continue;
                }
            }
            b'[' => {
                i = skip_ws(bytes, i + 1);
                if bytes.get(i) == Some(&b']') {
                    i += 1;
                } else {
                    nesting.push(false);
                    continue;
                }
            }
            b't' => i = literal_end(bytes, i, b"true")?,
            b'f' => i = literal_end(bytes, i, b"false")?,
            b'n' => i = literal_end(bytes, i, b"null")?,
            _ => i = number_end(bytes, i)?,
        }
        // After a value: the next one in its container, or the container's end.
        loop {
            let Some(object) = nesting.top() else {
                return Some(i);
            };
            i = skip_ws(bytes, i);
            match *bytes.get(i)? {
                b',' => {
                    i = skip_ws(bytes, i + 1);
                    if object {
                        i = key_end(bytes, i)?;
                    }
                    break;
                }
                b'}' if object => {
                    nesting.pop();
                    i += 1;
                }
                b']' if !object => {
                    nesting.pop();
                    i += 1;
                }
                _ => return None,
            }
        }
    }
}

/// A position in a text, for readers that pick a few fields out of an object and step over
/// the rest: each step checks what it passes, and `None` means "not what was expected".
pub(crate) struct Cursor<'a> {
    pub(crate) text: &'a str,
    pub(crate) i: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a str) -> Cursor<'a> {
        Cursor { text, i: 0 }
    }

    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes().get(self.i).copied()
    }

    /// An object (after any whitespace): `each` is given every key in turn, with the cursor at
    /// its value, and must step over that value; the cursor ends past the `}`.
    pub(crate) fn members(
        &mut self,
        mut each: impl FnMut(&mut Cursor<'a>, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.i = skip_ws(self.bytes(), self.i);
        if self.peek()? != b'{' {
            return None;
        }
        self.i = skip_ws(self.bytes(), self.i + 1);
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let key = self.key()?;
            each(self, key)?;
            self.i = skip_ws(self.bytes(), self.i);
            match self.peek()? {
                b',' => self.i = skip_ws(self.bytes(), self.i + 1),
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string with no escape in it (its text is its content), at the position.
    pub(crate) fn plain(&mut self) -> Option<&'a str> {
        if self.peek()? != b'"' {
            return None;
        }
        let (end, escaped) = string_end(self.bytes(), self.i)?;
        if escaped {
            return None;
        }
        let content = self.text.get(self.i + 1..end - 1)?;
        self.i = end;
        Some(content)
    }

    /// A key, its colon and the whitespace up to the value.
    fn key(&mut self) -> Option<&'a str> {
        let key = self.plain()?;
        self.i = skip_ws(self.bytes(), self.i);
        if self.peek()? != b':' {
            return None;
        }
        self.i = skip_ws(self.bytes(), self.i + 1);
        Some(key)
    }

    pub(crate) fn null(&mut self) -> Option<()> {
        self.i = literal_end(self.bytes(), self.i, b"null")?;
        Some(())
    }

    /// Any JSON value, checked and stepped over: its text.
    pub(crate) fn value(&mut self) -> Option<&'a str> {
        let end = value_end(self.bytes(), self.i)?;
        let text = self.text.get(self.i..end)?;
        self.i = end;
        Some(text)
    }

    /// Whether only whitespace is left.
    pub(crate) fn at_end(&self) -> bool {
        skip_ws(self.bytes(), self.i) == self.text.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    /// The scanner's verdict on a whole text, as serde_json gives it for a `RawValue`.
    fn scans(text: &str) -> bool {
        let bytes = text.as_bytes();
        let start = skip_ws(bytes, 0);
        value_end(bytes, start).is_some_and(|end| skip_ws(bytes, end) == bytes.len())
    }

    fn serde_accepts(text: &str) -> bool {
        serde_json::from_str::<&RawValue>(text).is_ok()
    }

    #[test]
    fn agrees_with_serde_json_on_edge_cases() {
        let cases = [
            "0",
            "-0",
            "01",
            "-",
            "1.",
            "1.5",
            "1e",
            "1e+",
            "1E-7",
            "-1.5e300",
            "1e400",
            ".5",
            "+1",
            "true",
            "tru",
            "falsey",
            "null",
            "nul",
            r#""""#,
            r#"""#,
            r#""\""#,
            r#""\u00e9""#,
            r#""\ud800""#,
            r#""\u12""#,
            r#""\x""#,
            "\"a\tb\"",
            "\"a\u{7f}\"",
            "\"é ✓ 😀\"",
            "[]",
            "[1,]",
            "[,1]",
            "[1 2]",
            "{}",
            r#"{"a":1}"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            r#"{"a":}"#,
            "{1:2}",
            r#"{"a":[1,{"b":[]}]}"#,
            "[}",
            "{]",
            r#"[{"a":1]}"#,
            " [ 1 , 2 ] ",
            "[1] x",
            "[",
            "{",
            r#"{"a":1"#,
            "\"0123456789abcdef\\n0123456789\"",
            "\"01234567\u{1}\"",
            "[\"x\",\"y\"\u{0}]",
        ];
        for case in cases {
            assert_eq!(scans(case), serde_accepts(case), "{case:?}");
        }
    }

    #[test]
    fn any_depth_without_recursion() {
        for depth in [1, 63, 64, 65, 127, 128, 129, 200_000] {
            let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            assert!(scans(&arrays), "{depth}");
            let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
            assert!(scans(&objects), "{depth}");
            let mismatched = format!("{}{}", "[".repeat(depth), "}".repeat(depth));
            assert!(!scans(&mismatched), "{depth}");
            let open = "[".repeat(depth);
            assert!(!scans(&open), "{depth}");
        }
        // Mixed kinds across the 64-bit boundaries, closed in the right order only.
        let kinds: Vec<bool> = (0..300).map(|i| i % 3 == 0).collect();
        let open: String = kinds
            .iter()
            .map(|&object| if object { r#"{"k":"# } else { "[" })
            .collect();
        let close: String = kinds
            .iter()
            .rev()
            .map(|&object| if object { "}" } else { "]" })
            .collect();
        assert!(scans(&format!("{open}0{close}")));
        let wrong: String = kinds
            .iter()
            .map(|&object| if object { "]" } else { "}" })
            .collect();
        assert!(!scans(&format!("{open}0{wrong}")));
    }

    #[test]
    fn every_split_of_a_string_around_the_eight_byte_steps() {
        // Quotes, backslashes and control characters at every offset of the word-wise loop.
        for len in 0..24 {
            for special in ["\\\"", "\\\\", "\\u0041", "\u{1}", "\"", "é"] {
                let text = format!("\"{}{special}{}\"", "a".repeat(len), "b".repeat(len % 5));
                assert_eq!(scans(&text), serde_accepts(&text), "{text:?}");
            }
        }
    }
}

//! Where in a JSON text a typed read failed, as a path of keys and indices.
//!
//! serde_json reports a mismatch by line and column only. Rather than read the text a second
//! time through a path-tracking deserializer (which compiles every resource's `Deserialize` a
//! second time, for that deserializer), the position is turned into a path by walking the text
//! up to it: the members open at that point are the path.

use std::fmt;

/// One step from a JSON value into a member of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// An object member, by its (unescaped) key.
    Key(String),
    /// An array element, by its index.
    Index(usize),
}

/// The steps from the root of a JSON value to one of its members.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Path(pub(crate) Vec<Step>);

impl fmt::Display for Path {
    /// `.key` per member and `[i]` per element, so the root is the empty string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.0 {
            match step {
                Step::Key(key) => write!(f, ".{key}")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

impl Path {
    /// The member that serde_json was reading when it failed with `error` on `text`, which
    /// must be the whole (valid) text it was given.
    pub(crate) fn of_error(text: &str, error: &serde_json::Error) -> Path {
        match offset_of(text, error.line(), error.column()) {
            Some(offset) => Path::at(text, offset),
            None => Path::default(),
        }
    }

    /// The members open just before byte `offset` of `text`, a valid JSON text.
    ///
    /// An object member is open from its key to the comma after it, and an array element from
    /// the bracket or comma before it to the comma after it: serde_json reports a mismatch at
    /// the start of the value it rejects, or just past a value it read (a missing field), and
    /// both name the member that holds the value.
    pub(crate) fn at(text: &str, offset: usize) -> Path {
        let bytes = text.as_bytes();
        let end = offset.min(bytes.len());
        let mut frames: Vec<Frame> = Vec::new();
        let mut i = 0;
        while i < end {
            match bytes[i] {
                b'"' => {
                    let close = string_end(bytes, i);
                    if close > end {
                        break;
                    }
                    if let Some(Frame::Object(key @ None)) = frames.last_mut() {
                        *key = Some(key_text(&text[i..close]));
                    }
                    i = close;
                    continue;
                }
                b'{' => frames.push(Frame::Object(None)),
                b'[' => frames.push(Frame::Array(0)),
                b'}' | b']' => {
                    frames.pop();
                }
                b',' => match frames.last_mut() {
                    Some(Frame::Object(key)) => *key = None,
                    Some(Frame::Array(index)) => *index += 1,
                    None => {}
                },
                _ => {}
            }
            i += 1;
        }
        Path(
            frames
                .into_iter()
                .filter_map(|frame| match frame {
                    Frame::Object(key) => key.map(Step::Key),
                    Frame::Array(index) => Some(Step::Index(index)),
                })
                .collect(),
        )
    }
}

/// An object or array the walk is inside, with the member open in it.
enum Frame {
    /// The key of the open member; `None` between members.
    Object(Option<String>),
    /// The index of the open element.
    Array(usize),
}

/// The index just past the string that starts with the quote at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// A quoted key, unescaped; a key serde_json will not decode (a lone surrogate) as written.
fn key_text(quoted: &str) -> String {
    serde_json::from_str(quoted)
        .unwrap_or_else(|_| quoted[1..quoted.len().saturating_sub(1)].to_owned())
}

/// The byte offset of serde_json's (1-based line, 0-based column): the column counts bytes
/// from the start of the line. `None` for an error with no position.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let start_of_line = match line {
        0 => return None,
        1 => 0,
        _ => {
            text.bytes()
                .enumerate()
                .filter(|&(_, byte)| byte == b'\n')
                .nth(line - 2)?
                .0
                + 1
        }
    };
    Some(start_of_line + column)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::{Path, Step};

    /// The path serde_json's failure to read `json` as `T` is reported at.
    fn path_of<T: for<'de> Deserialize<'de> + std::fmt::Debug>(json: &str) -> String {
        let error = serde_json::from_str::<T>(json).unwrap_err();
        Path::of_error(json, &error).to_string()
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Leaf {
        n: i64,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Tree {
        id: String,
        leaf: Option<Leaf>,
        #[serde(default)]
        leaves: Vec<Leaf>,
        #[serde(default)]
        names: Vec<String>,
    }

    #[test]
    fn a_scalar_of_the_wrong_type_names_its_member() {
        assert_eq!(path_of::<Tree>(r#"{"id":7}"#), ".id");
        assert_eq!(path_of::<Tree>(r#"{"id":"x","leaf":{"n":"7"}}"#), ".leaf.n");
        assert_eq!(
            path_of::<Tree>(r#"{"id":"x","names":["a","b",3]}"#),
            ".names[2]"
        );
        assert_eq!(
            path_of::<Tree>(r#"{"id":"x","leaves":[{"n":1},{"n":true}]}"#),
            ".leaves[1].n"
        );
    }

    #[test]
    fn a_container_of_the_wrong_type_names_its_member() {
        assert_eq!(path_of::<Tree>(r#"{"id":{"a":1}}"#), ".id");
        assert_eq!(path_of::<Tree>(r#"{"id":"x","names":{"a":1}}"#), ".names");
        assert_eq!(
            path_of::<Tree>(r#"{"id":"x","names":[["a"]]}"#),
            ".names[0]"
        );
    }

    #[test]
    fn a_missing_field_names_the_object_it_is_missing_from() {
        assert_eq!(path_of::<Tree>(r#"{"leaf":{"n":1}}"#), "");
        assert_eq!(path_of::<Tree>(r#"{"id":"x","leaf":{}}"#), ".leaf");
        assert_eq!(
            path_of::<Tree>(r#"{"id":"x","leaves":[{"n":1},{"m":2}],"names":[]}"#),
            ".leaves[1]"
        );
    }

    #[test]
    fn escaped_keys_are_unescaped_and_strings_with_structure_are_skipped() {
        assert_eq!(
            path_of::<Tree>(r#"{"i\u0064":"a,b]}{[\"","le\u0061f":{"n":"x"}}"#),
            ".leaf.n"
        );
        // A key serde_json will not decode is shown as written.
        assert_eq!(
            Path::at(r#"{"\ud800":1}"#, 11).0,
            vec![Step::Key(r"\ud800".to_owned())]
        );
    }

    #[test]
    fn pretty_printed_text_is_located_by_line_and_column() {
        let json = "{\n  \"id\": \"x\",\n  \"leaves\": [\n    {\"n\": 1},\n    {\n      \"n\": null\n    }\n  ]\n}";
        assert_eq!(path_of::<Tree>(json), ".leaves[1].n");
        let json = "{\r\n\t\"id\" : \"x\" ,\r\n\t\"leaf\" : { } }";
        assert_eq!(path_of::<Tree>(json), ".leaf");
    }

    #[test]
    fn a_member_is_open_from_its_key_or_the_comma_before_it_to_the_comma_after_it() {
        let json = r#"{"a":[1, 2 ],"b":{"c":0}}"#;
        let at = |offset| Path::at(json, offset).to_string();
        assert_eq!(at(0), "");
        assert_eq!(at(2), "");
        assert_eq!(at(5), ".a");
        assert_eq!(at(6), ".a[0]");
        assert_eq!(at(7), ".a[0]");
        assert_eq!(at(8), ".a[1]");
        assert_eq!(at(12), ".a");
        assert_eq!(at(13), "");
        assert_eq!(at(21), ".b.c");
        assert_eq!(at(24), ".b");
        assert_eq!(at(json.len()), "");
        assert_eq!(at(usize::MAX), "");
    }
}

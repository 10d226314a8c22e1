//! Parsing the `Stripe-Signature` header into a timestamp and the `v1` signatures it carries.

use crate::error::Error;

/// The longest `Stripe-Signature` header accepted, in bytes.
///
/// Stripe's own header is about 150 bytes per active secret; the cap bounds the work an
/// unauthenticated request can cause before any HMAC is computed.
pub const MAX_HEADER_LEN: usize = 8 * 1024;

/// The most comma-separated entries accepted in one `Stripe-Signature` header.
pub const MAX_HEADER_ENTRIES: usize = 64;

/// Length in bytes of one HMAC-SHA256 signature.
pub(crate) const SIGNATURE_LEN: usize = 32;

const TIMESTAMP_KEY: &str = "t";
const SIGNATURE_SCHEME: &str = "v1";

/// A header that passed the syntax checks, read in place: the `v1` signatures are decoded
/// from the header's text when they are compared, so a verification allocates nothing.
/// Signatures that are not 64 hex digits are counted but never yielded: they can never
/// match, and they never cause an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ParsedHeader<'a> {
    header: &'a str,
    pub(crate) timestamp: i64,
    /// `v1` entries that are 64 hex digits.
    pub(crate) well_formed_signatures: usize,
    pub(crate) malformed_signatures: usize,
}

impl<'a> ParsedHeader<'a> {
    /// Parses a header value.
    ///
    /// Bounds come first: the length and entry count are checked before anything is decoded.
    pub(crate) fn parse(header: &'a str) -> Result<Self, Error> {
        if header.len() > MAX_HEADER_LEN {
            return Err(Error::HeaderTooLong {
                len: header.len(),
                max: MAX_HEADER_LEN,
            });
        }
        if header.trim().is_empty() {
            return Err(Error::HeaderEmpty);
        }

        let mut timestamp = None;
        let mut well_formed_signatures = 0;
        let mut malformed_signatures = 0;

        for (index, (key, value)) in entries(header).enumerate() {
            if index >= MAX_HEADER_ENTRIES {
                return Err(Error::HeaderTooManyEntries {
                    max: MAX_HEADER_ENTRIES,
                });
            }
            match key {
                TIMESTAMP_KEY => {
                    if timestamp.is_some() {
                        return Err(Error::TimestampRepeated);
                    }
                    timestamp = Some(parse_timestamp(value)?);
                }
                SIGNATURE_SCHEME => {
                    if decode_signature(value).is_some() {
                        well_formed_signatures += 1;
                    } else {
                        malformed_signatures += 1;
                    }
                }
                // `v0` (Stripe's test-only scheme) and anything unknown never count: accepting a
                // weaker scheme would be a downgrade.
                _ => {}
            }
        }

        let timestamp = timestamp.ok_or(Error::TimestampMissing)?;
        if well_formed_signatures + malformed_signatures == 0 {
            return Err(Error::SignatureMissing);
        }
        Ok(ParsedHeader {
            header,
            timestamp,
            well_formed_signatures,
            malformed_signatures,
        })
    }

    /// The well-formed `v1` signatures, decoded, in header order.
    pub(crate) fn signatures(&self) -> impl Iterator<Item = [u8; SIGNATURE_LEN]> + 'a {
        entries(self.header)
            .take(MAX_HEADER_ENTRIES)
            .filter(|(key, _)| *key == SIGNATURE_SCHEME)
            .filter_map(|(_, value)| decode_signature(value))
    }
}

/// Every entry as `(key, value)`, whitespace around it trimmed, entries without `=` (no
/// scheme we know, like an unknown scheme) passed over but counted by position: an entry
/// without `=` still counts towards [`MAX_HEADER_ENTRIES`].
fn entries(header: &str) -> impl Iterator<Item = (&str, &str)> {
    // Split at the ASCII bytes by hand: `str::split` and `split_once` go through the general
    // pattern searcher, which costs more than the few bytes of a header's entry.
    let mut rest = Some(header);
    std::iter::from_fn(move || {
        let text = rest?;
        let (entry, after) = match text.bytes().position(|b| b == b',') {
            Some(comma) => (&text[..comma], Some(&text[comma + 1..])),
            None => (text, None),
        };
        rest = after;
        let entry = entry.trim();
        Some(match entry.bytes().position(|b| b == b'=') {
            Some(equals) => (&entry[..equals], &entry[equals + 1..]),
            None => ("", ""),
        })
    })
}

/// Unix seconds as ASCII digits only: no sign, no spaces, no `+`, within the range of dates
/// `time` can represent (so the tolerance arithmetic can never overflow).
fn parse_timestamp(value: &str) -> Result<i64, Error> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::TimestampInvalid);
    }
    let seconds: i64 = value.parse().map_err(|_| Error::TimestampInvalid)?;
    time::OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| Error::TimestampInvalid)?;
    Ok(seconds)
}

/// The value of each hex digit (either case), and `INVALID` for every other byte.
const HEX_DIGITS: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// Any byte with a high nibble: no hex digit's value.
const INVALID: u8 = 0xff;

/// 64 hex digits (either case) into 32 bytes; anything else is `None`. By table, without a
/// branch per digit: this runs on every verification, for every `v1` entry.
fn decode_signature(value: &str) -> Option<[u8; SIGNATURE_LEN]> {
    let digits = value.as_bytes();
    if digits.len() != 2 * SIGNATURE_LEN {
        return None;
    }
    let mut out = [0u8; SIGNATURE_LEN];
    let mut invalid = 0;
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let high = HEX_DIGITS[usize::from(pair[0])];
        let low = HEX_DIGITS[usize::from(pair[1])];
        invalid |= high | low;
        *byte = (high << 4) | low;
    }
    (invalid & 0xf0 == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd";

    #[test]
    fn parses_stripe_documented_header() {
        let header = format!("t=1492774577,v1={SIG},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39");
        let parsed = ParsedHeader::parse(&header).unwrap();
        assert_eq!(parsed.timestamp, 1492774577);
        let signatures: Vec<_> = parsed.signatures().collect();
        assert_eq!(signatures.len(), 1);
        assert_eq!(parsed.well_formed_signatures, 1);
        assert_eq!(hex::encode(signatures[0]), SIG);
        assert_eq!(parsed.malformed_signatures, 0);
    }

    #[test]
    fn entries_in_any_order_and_with_spaces() {
        let header = format!(" v1={SIG} , t=12 ");
        let parsed = ParsedHeader::parse(&header).unwrap();
        assert_eq!(parsed.timestamp, 12);
        assert_eq!(parsed.signatures().count(), 1);
    }

    #[test]
    fn malformed_v1_is_counted_not_fatal() {
        let header = format!("t=1,v1=,v1=zz,v1={}, v1={SIG}", &SIG[..62]);
        let parsed = ParsedHeader::parse(&header).unwrap();
        assert_eq!(parsed.signatures().count(), 1);
        assert_eq!(parsed.well_formed_signatures, 1);
        assert_eq!(parsed.malformed_signatures, 3);
    }

    #[test]
    fn syntax_errors_each_have_their_variant() {
        let cases: &[(&str, crate::ErrorKind)] = &[
            ("", crate::ErrorKind::HeaderEmpty),
            ("   ", crate::ErrorKind::HeaderEmpty),
            ("v1=00", crate::ErrorKind::TimestampMissing),
            ("t=1,t=1,v1=00", crate::ErrorKind::TimestampRepeated),
            ("t=abc,v1=00", crate::ErrorKind::TimestampInvalid),
            ("t=-5,v1=00", crate::ErrorKind::TimestampInvalid),
            ("t=+5,v1=00", crate::ErrorKind::TimestampInvalid),
            ("t=,v1=00", crate::ErrorKind::TimestampInvalid),
            ("t=١٢٣,v1=00", crate::ErrorKind::TimestampInvalid),
            (
                "t=1000000000000000000000000000000,v1=00",
                crate::ErrorKind::TimestampInvalid,
            ),
            ("t=999999999999,v1=00", crate::ErrorKind::TimestampInvalid),
            ("t=1", crate::ErrorKind::SignatureMissing),
            ("t=1,v0=00", crate::ErrorKind::SignatureMissing),
            ("t=1,v2=00,garbage", crate::ErrorKind::SignatureMissing),
        ];
        for (header, kind) in cases {
            let err = ParsedHeader::parse(header).unwrap_err();
            assert_eq!(err.kind(), *kind, "header {header:?}: {err}");
        }
    }

    #[test]
    fn bounds_are_checked_first() {
        let long = format!("t=1,v1={}", "a".repeat(MAX_HEADER_LEN));
        assert!(matches!(
            ParsedHeader::parse(&long),
            Err(Error::HeaderTooLong { .. })
        ));
        let many = format!("t=1{}", ",x".repeat(MAX_HEADER_ENTRIES));
        assert!(matches!(
            ParsedHeader::parse(&many),
            Err(Error::HeaderTooManyEntries { .. })
        ));
        let at_limit = format!("t=1,v1=00{}", ",x".repeat(MAX_HEADER_ENTRIES - 2));
        assert!(ParsedHeader::parse(&at_limit).is_ok());
    }
}

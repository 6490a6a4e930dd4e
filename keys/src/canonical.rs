//! Canonical JSON (RFC 8785 for the documents this project writes): compact
//! `serde_json` output over sorted object keys. Signed documents must be
//! canonical, so each has exactly one byte form and a signature binds it.

use serde::Serialize;

/// True when `bytes` are exactly the canonical encoding of the JSON they hold.
pub fn is_canonical_json(bytes: &[u8]) -> bool {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(v) => serde_json::to_vec(&v).map(|b| b == bytes).unwrap_or(false),
        Err(_) => false,
    }
}

/// Whether `value` serialises to exactly `bytes`, compared as it is
/// written (no second copy of a large document). For a type whose fields
/// are declared in sorted order, equal bytes prove `bytes` canonical.
pub fn serialises_to(value: &impl Serialize, bytes: &[u8]) -> bool {
    /// Compares written bytes with the rest of `expected`.
    struct Same<'a> {
        expected: &'a [u8],
    }
    impl std::io::Write for Same<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            match self.expected.strip_prefix(buf) {
                Some(rest) => {
                    self.expected = rest;
                    Ok(buf.len())
                }
                None => Err(std::io::ErrorKind::InvalidData.into()),
            }
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut same = Same { expected: bytes };
    serde_json::to_writer(&mut same, value).is_ok() && same.expected.is_empty()
}

/// The canonical bytes of a value: going through `Value` sorts every object's keys.
pub fn to_canonical_bytes(value: &impl Serialize) -> Vec<u8> {
    let v = serde_json::to_value(value).expect("document serialises");
    serde_json::to_vec(&v).expect("document serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sorted_compact_json_is_canonical() {
        assert!(is_canonical_json(br#"{"a":1,"b":[true,"x"]}"#));
        assert!(!is_canonical_json(br#"{"b":1,"a":2}"#));
        assert!(!is_canonical_json(br#"{"a": 1}"#));
        assert!(!is_canonical_json(b"{\"a\":1}\n"));
    }

    #[test]
    fn serialises_to_compares_every_byte_and_the_length() {
        let v = serde_json::json!({"a": 1, "b": [true, "x"]});
        assert!(serialises_to(&v, br#"{"a":1,"b":[true,"x"]}"#));
        assert!(!serialises_to(&v, br#"{"a":1,"b":[true,"y"]}"#));
        assert!(!serialises_to(&v, br#"{"a":1,"b":[true,"x"]} "#));
        assert!(!serialises_to(&v, br#"{"a":1,"b":[true,"x"#));
    }
}

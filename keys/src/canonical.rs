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
}

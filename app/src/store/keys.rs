//! Key layout of the object stores: `<document id>/<suffix>`.
//!
//! Document ids are base58 (no `/`), and `0` is the character right after `/`, so
//! `"<doc>/" .. "<doc>0"` is exactly the key range of one document.

use indexed_db_futures::KeyRange;
use tsunagu_core::ids::{DocumentId, StorageId};

use crate::error::AppError;

pub(crate) fn chunk(doc: &DocumentId, seq: String) -> String {
    format!("{doc}/{seq}")
}

pub(crate) fn sync_state(doc: &DocumentId, peer: &StorageId) -> String {
    format!("{doc}/{peer}")
}

/// Every key of one document.
pub(crate) fn range(doc: &DocumentId) -> KeyRange<String> {
    KeyRange::from(format!("{doc}/")..format!("{doc}0"))
}

/// A unique, roughly time-ordered chunk suffix (ordering is not needed for correctness).
pub(crate) fn seq(now_ms: f64, counter: u32) -> String {
    // Milliseconds since 1970 fit in 15 digits until the year 33658.
    format!("{:015}-{counter:010}", now_ms.max(0.0) as u64)
}

/// Splits `<doc>/<rest>`.
pub(crate) fn split(key: &str) -> Result<(DocumentId, &str), AppError> {
    let (doc, rest) = key
        .split_once('/')
        .ok_or_else(|| AppError::CorruptStorage(format!("bad key {key}")))?;
    Ok((self::doc(doc)?, rest))
}

pub(crate) fn doc(text: &str) -> Result<DocumentId, AppError> {
    text.parse()
        .map_err(|e| AppError::CorruptStorage(format!("bad document id in key {text}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn keys_of_a_document_sort_inside_its_range_and_split_back() {
        let doc = DocumentId::random();
        let key = chunk(&doc, seq(1_700_000_000_000.0, 7));
        let (lo, hi) = (format!("{doc}/"), format!("{doc}0"));
        assert!(lo <= key && key < hi);
        let (back, rest) = split(&key).expect("splits");
        assert_eq!(back, doc);
        assert_eq!(rest, "001700000000000-0000000007");
        let peer = StorageId::new("relay-1");
        assert_eq!(
            split(&sync_state(&doc, &peer)).expect("splits").1,
            "relay-1"
        );
        assert!(split("no-slash").is_err());
    }
}

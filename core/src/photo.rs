//! Photos (docs/design.md §10): pictures attached to messages, kept outside Automerge as
//! content-addressed blobs. A message names each photo by its id, the SHA-256 of its bytes in
//! lowercase hex; the relay stores the bytes under that id and hands them to exactly those who may
//! read a document that names them, written there by a member who uploaded those bytes.
//!
//! ```
//! use tsunagu_core::photo;
//!
//! let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
//! let id = photo::id_of(&jpeg);
//! assert!(photo::is_id(&id));
//! assert_eq!(photo::kind_of(&jpeg), Some("image/jpeg"));
//! assert!(!photo::is_id("../etc/passwd"));
//! ```

use sha2::{Digest, Sha256};

/// The largest photo the relay takes. A phone sends photos it shrank to [`LONG_EDGE_PX`] and
/// compressed as JPEG, a few hundred KiB each; the bound leaves room and no more.
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;

/// The most photos one message carries.
pub const PHOTOS_PER_MESSAGE: usize = 4;

/// The long edge, in pixels, a phone shrinks a photo to before it keeps or sends it.
pub const LONG_EDGE_PX: u32 = 1600;

/// The JPEG quality a phone compresses a photo with (0–1).
pub const JPEG_QUALITY: f64 = 0.82;

/// The id of a photo with these bytes.
pub fn id_of(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `id` is a photo id: 64 lowercase hex digits, nothing else (it is used in URLs and
/// database keys).
pub fn is_id(id: &str) -> bool {
    id.len() == 64
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The image type of `bytes` by its signature, if it is one a photo may be: PNG, JPEG or WebP,
/// told apart by their first bytes (never by what an upload claims), and never SVG, which can
/// carry script.
pub fn kind_of(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// The type of a file the blob store keeps: a photo ([`kind_of`]), or a PDF (an applicant's
/// CV), told by its signature as photos are. The relay sends a PDF as an attachment, never to be
/// shown in its pages.
pub fn file_kind_of(bytes: &[u8]) -> Option<&'static str> {
    kind_of(bytes).or_else(|| bytes.starts_with(b"%PDF-").then_some(PDF))
}

/// A PDF's type.
pub const PDF: &str = "application/pdf";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_the_sha256_of_the_bytes() {
        assert_eq!(
            id_of(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn only_64_lowercase_hex_digits_are_an_id() {
        let id = id_of(b"abc");
        assert!(is_id(&id));
        assert!(!is_id(&id.to_uppercase()));
        assert!(!is_id(&id[1..]));
        assert!(!is_id(&format!("{id}0")));
        assert!(!is_id(&format!("{}/", &id[1..])));
        assert!(!is_id(""));
    }

    #[test]
    fn only_raster_images_are_photos() {
        assert_eq!(kind_of(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(kind_of(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(kind_of(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(kind_of(b"<svg xmlns=\"http://www.w3.org/2000/svg\">"), None);
        assert_eq!(kind_of(b"<html><script>"), None);
        assert_eq!(kind_of(b"RIFF\x10\0\0\0WAVE"), None);
        assert_eq!(kind_of(b"GIF89a"), None);
        assert_eq!(kind_of(b""), None);
        assert_eq!(kind_of(b"%PDF-1.7"), None, "never a photo");
        assert_eq!(file_kind_of(b"%PDF-1.7\n"), Some(PDF));
        assert_eq!(file_kind_of(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(file_kind_of(b"<html><script>"), None);
    }
}

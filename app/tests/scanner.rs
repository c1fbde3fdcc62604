//! The check-in scanner's wasm QR decoder, in headless Chromium: a real signed ticket drawn as
//! the app draws it (the `qrcode` crate), rendered to pixels, read back.
#![cfg(target_arch = "wasm32")]

use qrcode::{Color, QrCode};
use tsunagu_app::scanner::decode_luma;
use tsunagu_core::pass::{PassBody, SigningKey, Ticket};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// `text` as a QR code: `scale` pixels per module, a 4-module quiet zone, greyscale, with the
/// dark modules at `dark` (a phone screen under venue lights is not pure black).
fn render(text: &str, scale: usize, dark: u8) -> (usize, Vec<u8>) {
    let code = QrCode::new(text.as_bytes()).expect("fits in a QR code");
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 8) * scale;
    let mut pixels = vec![255u8; side * side];
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
            if mx < modules && my < modules && colors[my * modules + mx] == Color::Dark {
                pixels[y * side + x] = dark;
            }
        }
    }
    (side, pixels)
}

#[wasm_bindgen_test]
fn a_signed_ticket_reads_back_from_pixels() {
    let key = SigningKey::generate();
    let text = key
        .sign(&PassBody::Ticket(Ticket {
            id: "0123456789abcdef0123456789abcdef".into(),
            event: "2vbCk1VXDUsdHP5Xw8mYQ3z2wZ1B".into(),
            attendee: "fedcba9876543210fedcba9876543210".into(),
            name: "長谷川 美智子".into(),
            not_before: 1_796_000_000,
            not_after: 1_796_050_000,
        }))
        .expect("signs");
    let (side, pixels) = render(&text, 4, 40);
    assert_eq!(
        decode_luma(side, side, &pixels).as_deref(),
        Some(text.as_str())
    );
}

#[wasm_bindgen_test]
fn a_frame_without_a_code_reads_as_nothing() {
    let (side, mut pixels) = render("x", 4, 0);
    pixels.fill(200);
    assert_eq!(decode_luma(side, side, &pixels), None);
    assert_eq!(decode_luma(10, 10, &[0; 5]), None, "short buffer");
}

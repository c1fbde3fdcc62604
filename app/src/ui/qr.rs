//! A QR code drawn on the device (tickets, the alumni ID card): it works offline and sends the
//! signed text nowhere.

use leptos::prelude::*;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// Modules of at least this many CSS pixels at the drawn size scan well off a phone screen.
const MIN_SIZE: u32 = 264;

/// The SVG markup of a QR code for `text`, or `None` if it is too long for one.
pub(crate) fn svg(text: &str) -> Option<String> {
    // Medium error correction: a cracked screen or glare still scans, and signed tickets stay
    // small enough for a low version.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(MIN_SIZE, MIN_SIZE)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // The XML prolog means nothing inside HTML.
    Some(match image.find("<svg") {
        Some(start) => image[start..].to_owned(),
        None => image,
    })
}

/// `text` as a QR code, with `label` for screen readers.
#[component]
pub(crate) fn QrImage(text: String, label: Signal<String>, testid: &'static str) -> impl IntoView {
    // The markup is generated here from the code's modules alone: no input reaches it as text.
    let markup = svg(&text).unwrap_or_default();
    view! {
        <div class="qr" role="img" aria-label=move || label.get() data-testid=testid data-text=text inner_html=markup></div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_ticket_draws_as_a_large_enough_svg() {
        let markup = svg("tsunagu-ticket.v1.eyJ0aWNrZXQiOiJ0LTEyMyJ9.c2lnbmF0dXJl").expect("fits");
        assert!(markup.starts_with("<svg"));
        let width: u32 = markup
            .split("width=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|w| w.parse().ok())
            .expect("a width");
        assert!(width >= MIN_SIZE);
        assert!(svg(&"x".repeat(5000)).is_none(), "too long for any QR code");
    }
}

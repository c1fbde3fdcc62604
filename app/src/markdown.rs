//! Event descriptions are Markdown written by admins (or proposed by any member): rendered to
//! HTML that cannot carry anything but text and formatting.
//!
//! pulldown-cmark escapes text and attributes; on top of that, raw HTML (blocks and inline) is
//! shown as the text it is, and links keep only `http(s):` and `mailto:` destinations (a
//! `javascript:` link becomes plain text). Images become links to the image: the page never
//! fetches anything a description names, which also keeps it working offline. The one exception
//! is a photo from the relay's own store (`![説明](photo:<id>)`, in news posts): it becomes an
//! `<img data-photo="<id>">` without a source, which the screen fills from the device's photos
//! (`ui::avatar::fill_photos`), so it shows offline once fetched.
//!
//! ```
//! let html = tsunagu_app::markdown::to_html("**会場**: <script>x</script> [地図](javascript:alert(1))");
//! assert!(html.contains("<strong>会場</strong>"));
//! assert!(html.contains("&lt;script&gt;"));
//! assert!(!html.contains("javascript:"));
//! ```

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// Safe HTML for a Markdown text.
pub fn to_html(markdown: &str) -> String {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    // Whether each open link or image was kept, so its end is kept or dropped with it.
    let mut kept: Vec<bool> = Vec::new();
    // A photo from the store being read: its id and its description so far.
    let mut photo: Option<(String, String)> = None;
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Text(text) if photo.is_some() => {
            if let Some((_, alt)) = photo.as_mut() {
                alt.push_str(&text);
            }
            None
        }
        Event::End(TagEnd::Image) if photo.is_some() => photo.take().map(|(id, alt)| {
            Event::Html(
                format!(
                    r#"<img class="post-photo" data-photo="{id}" alt="{}">"#,
                    escape(&alt)
                )
                .into(),
            )
        }),
        _ if photo.is_some() => None,
        Event::Start(Tag::Image { ref dest_url, .. }) if photo_id(dest_url).is_some() => {
            photo = photo_id(dest_url).map(|id| (id, String::new()));
            None
        }
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        // An image becomes a link to it: descriptions carry no remote content.
        Event::Start(
            Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }
            | Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            },
        ) => {
            let safe = is_safe(&dest_url, link_type);
            kept.push(safe);
            safe.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link | TagEnd::Image) => kept
            .pop()
            .unwrap_or(false)
            .then_some(Event::End(TagEnd::Link)),
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// The text of a Markdown document without its formatting, blocks joined by spaces, cut at
/// `max_chars` with "…": a news post's excerpt in the feed.
pub fn excerpt(markdown: &str, max_chars: usize) -> String {
    let mut text = String::new();
    for event in Parser::new_ext(
        markdown,
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES,
    ) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                text.push_str(&t)
            }
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => text.push(' '),
            _ => {}
        }
        if text.chars().count() > max_chars {
            break;
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max_chars {
        return text;
    }
    let mut cut: String = text.chars().take(max_chars).collect();
    cut.push('…');
    cut
}

/// The photo a `photo:<id>` destination names, if it is one.
fn photo_id(url: &str) -> Option<String> {
    let id = url.trim().strip_prefix(tsunagu_core::news::PHOTO_SCHEME)?;
    tsunagu_core::photo::is_id(id).then(|| id.to_owned())
}

/// Text made safe inside a double-quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn is_safe(url: &CowStr<'_>, link_type: pulldown_cmark::LinkType) -> bool {
    if link_type == pulldown_cmark::LinkType::Email {
        return true;
    }
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn formatting_survives_and_raw_html_is_shown_as_text() {
        let html = to_html("# 交流会\n\n- 受付 *18:00*\n- 乾杯\n\n<img src=x onerror=alert(1)>\n");
        assert!(html.contains("<h1>交流会</h1>"));
        assert!(html.contains("<em>18:00</em>"));
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        let inline = to_html("a <b onclick=\"x()\">b</b>");
        assert!(!inline.contains("<b "));
    }

    #[wasm_bindgen_test]
    fn only_web_and_mail_links_stay_links() {
        let html = to_html(
            "[map](https://maps.example/x) [bad](javascript:alert(1)) [data](data:text/html,x) \
             <hanako@example.com> ![photo](https://img.example/p.png) ![track](http://t.example/a.gif)",
        );
        assert!(html.contains(r#"<a href="https://maps.example/x">map</a>"#));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("data:text"));
        assert!(html.contains("bad"), "the text of a refused link stays");
        assert!(html.contains(r#"href="mailto:hanako@example.com""#));
        assert!(html.contains(r#"<a href="https://img.example/p.png">photo</a>"#));
        assert!(!html.contains("<img"));
    }

    #[wasm_bindgen_test]
    fn a_photo_from_the_store_is_an_image_the_page_fills_and_nothing_else_is() {
        let id = tsunagu_core::photo::id_of(b"\xFF\xD8\xFF\xE0 venue");
        let html = to_html(&format!(
            "会場です。\n\n![会場 \"正面\" <入口>](photo:{id}) ![bad](photo:../x) ![x](photo:{id}\" onerror=\"x)"
        ));
        assert!(html.contains(&format!(
            r#"<img class="post-photo" data-photo="{id}" alt="会場 &quot;正面&quot; &lt;入口&gt;">"#
        )));
        assert_eq!(html.matches("<img").count(), 1, "{html}");
        // A destination that is not just an id stays text, inert outside any tag.
        assert!(html.contains("bad ![x](photo:"), "{html}");
    }

    #[wasm_bindgen_test]
    fn an_excerpt_is_the_text_without_formatting_cut_where_asked() {
        let md = "# 出戻り採用のお知らせ\n\n**2026年**から[募集](https://e.example)を再開します。\n\n- 営業\n- 開発";
        assert_eq!(
            excerpt(md, 100),
            "出戻り採用のお知らせ 2026年から募集を再開します。 営業 開発"
        );
        assert_eq!(excerpt(md, 5), "出戻り採用…");
        assert_eq!(excerpt("", 10), "");
    }

    #[wasm_bindgen_test]
    fn attribute_breaking_urls_are_escaped() {
        let html = to_html(r#"[x](https://e.example/"onmouseover="alert(1))"#);
        assert!(!html.contains(r#""onmouseover"#));
    }
}

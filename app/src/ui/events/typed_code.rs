//! A code typed in by hand: the fallback beside the camera at the door (a ticket, [`super::checkin`])
//! and on the attendee's phone (the venue's code, [`super::arrival`]). A handheld scanner types
//! the code and presses Enter, so it arrives here too.

use leptos::prelude::*;

use crate::scanner::performance_now;

/// A one-line form that hands the trimmed, non-empty text to `judge` with the time it was sent,
/// as the camera hands over what it read.
#[component]
pub(super) fn TypedCode(
    judge: impl Fn(String, f64) + Clone + Send + Sync + 'static,
    /// The form's classes.
    class: &'static str,
    /// The text box's id; the button's data-testid is `<id>-check`.
    id: &'static str,
    /// The text box's data-testid.
    testid: &'static str,
    label: Signal<&'static str>,
    check_label: Signal<&'static str>,
    /// Empty the box once judged: staff take one ticket after another, while an attendee whose
    /// code was refused corrects what they typed.
    #[prop(optional)]
    clear: bool,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = code.get_untracked().trim().to_owned();
        if !text.is_empty() {
            judge(text, performance_now());
            if clear {
                code.set(String::new());
            }
        }
    };
    view! {
        <form class=class on:submit=submit>
            <label class="field-label" for=id>{move || label.get()}</label>
            <div class="inline-form">
                <input id=id class="input" data-testid=testid autocomplete="off"
                    prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev)) />
                <button type="submit" class="button" data-testid=format!("{id}-check")>{move || check_label.get()}</button>
            </div>
        </form>
    }
}

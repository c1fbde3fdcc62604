//! A text input bound to one field of an editor's form (the event and news editors): the form
//! holds text as typed until saved, read and written through plain accessor functions.

use leptos::prelude::*;

/// One labelled input for the field `get` reads and `set` writes; its id is made from `testid`.
#[component]
pub(crate) fn FormInput<F>(
    form: RwSignal<F>,
    label: Signal<&'static str>,
    testid: &'static str,
    get: fn(&F) -> &str,
    set: fn(&mut F, String),
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: Option<Signal<&'static str>>,
) -> impl IntoView
where
    F: Send + Sync + 'static,
{
    let id = format!("input-{testid}");
    view! {
        <div class="field">
            <label class="field-label" for=id.clone()>{move || label.get()}</label>
            <input class="input" id=id type=kind data-testid=testid
                prop:value=move || form.with(|f| get(f).to_owned())
                on:input=move |ev| form.update(|f| set(f, event_target_value(&ev))) />
            {hint.map(|h| view! { <p class="field-hint">{move || h.get()}</p> })}
        </div>
    }
}

//! The organisation's pass keys, on the settings screen: the keys tickets, ID cards and venue
//! codes may be signed with (the current one marked), a new key when one may have leaked (every
//! live ticket and ID card is signed again with it and reaches phones as they sync), and retiring
//! an old key once phones have synced (what it signed then reads as forged at every gate).

use leptos::prelude::*;
use tsunagu_core::api::{ErrorCode, PassKeyInfo};

use super::{confirmed, error_text, fill};
use crate::api;
use crate::error::AppError;
use crate::i18n::*;

/// What an admin asked for last, and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Rotated(String),
    Retired(String),
    RotateFailed(AppError),
    RetireFailed(AppError),
}

#[component]
pub(crate) fn PassKeys() -> impl IntoView {
    let i18n = use_i18n();
    let keys = LocalResource::new(api::pass_keys);
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Outcome>);
    let rotate = move |_| {
        if busy.get_untracked() || !confirmed(t_string!(i18n, pass_keys.rotate_confirm)) {
            return;
        }
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            outcome.set(Some(match api::rotate_pass_key().await {
                Ok(key) => Outcome::Rotated(key.id),
                Err(e) => Outcome::RotateFailed(e),
            }));
            busy.set(false);
            keys.refetch();
        });
    };
    let retire = move |id: String| {
        if busy.get_untracked() || !confirmed(&fill(t_string!(i18n, pass_keys.retire_confirm), &id))
        {
            return;
        }
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            outcome.set(Some(match api::retire_pass_key(&id).await {
                Ok(()) => Outcome::Retired(id),
                Err(e) => Outcome::RetireFailed(e),
            }));
            busy.set(false);
            keys.refetch();
        });
    };
    let outcome_line = move || {
        outcome.get().map(|o| {
            let locale = i18n.get_locale();
            let (class, text) = match &o {
                Outcome::Rotated(id) => ("notice", fill(td_string!(locale, pass_keys.rotated), id)),
                Outcome::Retired(id) => ("notice", fill(td_string!(locale, pass_keys.retired), id)),
                Outcome::RotateFailed(AppError::Api(ErrorCode::Conflict)) => (
                    "form-error",
                    td_string!(locale, pass_keys.rotate_conflict).to_owned(),
                ),
                Outcome::RetireFailed(AppError::Api(ErrorCode::Conflict)) => (
                    "form-error",
                    td_string!(locale, pass_keys.retire_conflict).to_owned(),
                ),
                Outcome::RotateFailed(e) | Outcome::RetireFailed(e) => {
                    ("form-error", error_text(i18n, e).to_owned())
                }
            };
            let role = if class == "notice" { "status" } else { "alert" };
            view! { <p class=class role=role data-testid="pass-keys-outcome">{text}</p> }
        })
    };

    view! {
        <section class="card section admin-section pass-keys" data-testid="pass-keys" aria-labelledby="pass-keys-title">
            <h2 id="pass-keys-title" class="section-title">{move || t_string!(i18n, pass_keys.title)}</h2>
            <p class="field-hint">{move || t_string!(i18n, pass_keys.lead)}</p>
            {move || match keys.get() {
                None => view! { <p class="field-hint">{t_string!(i18n, admin.loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <super::ErrorLine error=e /> }.into_any(),
                Some(Ok(mut list)) => {
                    // The key signing now first, then those still valid.
                    list.sort_by_key(|k| !k.current);
                    view! {
                    <ul class="pass-key-list">
                        {list.into_iter().map(|key| view! { <PassKeyRow key=key retire=retire busy=busy /> }).collect_view()}
                    </ul>
                }.into_any()
                }
            }}
            {outcome_line}
            <button type="button" class="button" data-testid="pass-key-rotate" disabled=move || busy.get() on:click=rotate>
                {move || if busy.get() { t_string!(i18n, admin.working) } else { t_string!(i18n, pass_keys.rotate) }}
            </button>
        </section>
    }
}

#[component]
fn PassKeyRow(
    key: PassKeyInfo,
    retire: impl Fn(String) + Copy + 'static,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = key.id.clone();
    view! {
        <li class="pass-key" data-testid="pass-key" data-id=key.id.clone() data-current=key.current.to_string()>
            <div class="pass-key-text">
                <span class="pass-key-name">
                    <code class="admin-code" data-testid="pass-key-id">{key.id.clone()}</code>
                    {if key.current {
                        view! { <span class="status status-active">{move || t_string!(i18n, pass_keys.current)}</span> }.into_any()
                    } else {
                        view! { <span class="status status-pending">{move || t_string!(i18n, pass_keys.previous)}</span> }.into_any()
                    }}
                </span>
                <span class="pass-key-public" title=key.key.clone()>
                    {move || t_string!(i18n, pass_keys.public_key)}" "
                    <code class="admin-code">{shortened(&key.key)}</code>
                </span>
            </div>
            {(!key.current).then(|| view! {
                <button type="button" class="button button-small button-danger" data-testid="pass-key-retire"
                    disabled=move || busy.get() on:click=move |_| retire(id.clone())>
                    {move || t_string!(i18n, pass_keys.retire)}
                </button>
            })}
        </li>
    }
}

/// A public key's text cut to its two ends (the whole key is in the row's tooltip).
fn shortened(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 20 {
        return key.to_owned();
    }
    let head: String = chars[..12].iter().collect();
    let tail: String = chars[chars.len() - 6..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::shortened;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_key_is_shown_by_its_two_ends() {
        assert_eq!(
            shortened("Qm9vZ2xlLWtleS10ZXh0LWZvci10ZXN0aW5nLWtleXM"),
            "Qm9vZ2xlLWtl…WtleXM"
        );
        assert_eq!(shortened("short"), "short");
    }
}

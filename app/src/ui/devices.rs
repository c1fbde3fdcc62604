//! "Your devices": every device this member's app syncs from, this one marked, each other one
//! removable. A removed device is refused by the relay at once and deletes its local data.

use leptos::prelude::*;
use tsunagu_core::api::DeviceInfo;

use super::use_client;
use crate::api;
use crate::i18n::*;
use crate::state::Link;

#[component]
pub(crate) fn Devices() -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let online = move || client.signals.link.get() == Link::Online;
    let devices = LocalResource::new(move || {
        // Refetch when the link comes back: the list lives on the relay, not on the device.
        let _ = online();
        let storage = client.device_storage();
        async move {
            match storage {
                Some(storage) => api::devices(&storage).await,
                None => Ok(Vec::new()),
            }
        }
    });
    let remove = move |id: String| {
        leptos::task::spawn_local(async move {
            if api::revoke_device(&id).await.is_ok() {
                devices.refetch();
            }
        });
    };

    view! {
        <section class="card section devices" data-testid="devices" aria-labelledby="devices-title">
            <h2 id="devices-title" class="section-title">{move || t_string!(i18n, devices.title)}</h2>
            <p class="field-hint">{move || t_string!(i18n, devices.lead)}</p>
            {move || match devices.get() {
                None => view! { <p class="field-hint">{t_string!(i18n, devices.loading)}</p> }.into_any(),
                Some(Err(_)) => view! { <p class="field-hint" data-testid="devices-offline">{t_string!(i18n, devices.offline)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="device-list">
                        {list.into_iter().map(|d| view! { <DeviceRow device=d remove=remove /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn DeviceRow(device: DeviceInfo, remove: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let id = device.id.clone();
    let seen = last_seen(device.last_seen, i18n.get_locale());
    view! {
        <li class="device" data-testid="device" data-this=device.this_device.to_string() data-revoked=device.revoked.to_string()>
            <div class="device-text">
                <span class="device-label">{device.label.clone()}</span>
                <span class="device-meta">
                    {move || t_string!(i18n, devices.last_seen)}" "{seen.clone()}
                </span>
            </div>
            {if device.this_device {
                view! { <span class="chip">{move || t_string!(i18n, devices.this_device)}</span> }.into_any()
            } else if device.revoked {
                view! { <span class="chip chip-muted">{move || t_string!(i18n, devices.removed)}</span> }.into_any()
            } else {
                view! {
                    <button type="button" class="button button-quiet button-small" data-testid="device-remove"
                        on:click=move |_| remove(id.clone())>
                        {move || t_string!(i18n, devices.remove)}
                    </button>
                }.into_any()
            }}
        </li>
    }
}

/// When the device last synced, in the reader's language.
fn last_seen(unix_seconds: i64, locale: Locale) -> String {
    let tag = match locale {
        Locale::ja => "ja-JP",
        Locale::en => "en-GB",
    };
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        unix_seconds as f64 * 1000.0,
    ));
    date.to_locale_string(tag, &wasm_bindgen::JsValue::UNDEFINED)
        .into()
}

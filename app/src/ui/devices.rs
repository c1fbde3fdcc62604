//! "Your devices": every device this member's app syncs from, this one marked, each other one
//! removable. A removed device is refused by the relay at once and deletes its local data.
//!
//! "Sign out everywhere" ends every session of the member: the other devices ask to sign in
//! again and keep their data (they are the member's, and may hold unsent changes); this one signs
//! out as the ordinary sign-out does, deleting what it holds.

use leptos::prelude::*;
use tsunagu_core::api::DeviceInfo;

use super::{confirm, error_text, use_client};
use crate::api;
use crate::i18n::*;
use crate::state::Link;
use crate::ui::time::format_local;

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
    let leaving = RwSignal::new(false);
    let failed = RwSignal::new(None::<&'static str>);
    let sign_out_everywhere = move |_| {
        let mut question = t_string!(i18n, devices.sign_out_everywhere_confirm).to_owned();
        if client.signals.pending.get_untracked() > 0 {
            question.push_str("\n\n");
            question.push_str(t_string!(i18n, nav.sign_out_unsent));
        }
        if !confirm(&question) {
            return;
        }
        leaving.set(true);
        failed.set(None);
        leptos::task::spawn_local(async move {
            // On success this device wipes itself and reloads to the sign-in screen.
            if let Err(e) = client.sign_out_everywhere().await {
                failed.set(Some(error_text(i18n.get_locale_untracked(), &e)));
                leaving.set(false);
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
            <div class="sign-out-everywhere">
                <p class="field-hint">{move || t_string!(i18n, devices.sign_out_everywhere_hint)}</p>
                {move || failed.get().map(|text| view! { <p class="form-error" role="alert" data-testid="sign-out-everywhere-error">{text}</p> })}
                <button type="button" class="button button-danger button-small" data-testid="sign-out-everywhere"
                    disabled=move || leaving.get() on:click=sign_out_everywhere>
                    {move || t_string!(i18n, devices.sign_out_everywhere)}
                </button>
            </div>
        </section>
    }
}

#[component]
fn DeviceRow(device: DeviceInfo, remove: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let id = device.id.clone();
    let seen = format_local(device.last_seen, i18n.get_locale(), true);
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

//! This device's notifications when the app is closed: the browser's Push API on the service
//! worker's registration, at the edge like IndexedDB. The relay sends to the subscription
//! (server `push.rs`); the service worker shows what arrives (`public/sw.js`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use js_sys::{ArrayBuffer, Uint8Array};
use tsunagu_core::api::PushSubscription as Subscription;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Notification, NotificationPermission, PushEncryptionKeyName, PushSubscription,
    PushSubscriptionOptionsInit, ServiceWorkerRegistration,
};

use crate::api;
use crate::error::AppError;

/// Where this device stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushState {
    /// The browser has no Push API (or no service worker here).
    Unsupported,
    /// The person refused notifications for this site in the browser.
    Denied,
    Off,
    On,
}

fn failed(what: &str) -> impl Fn(wasm_bindgen::JsValue) -> AppError + '_ {
    move |e| AppError::StorageUnavailable(format!("{what}: {e:?}"))
}

/// The service worker's registration, once it is active.
async fn registration() -> Option<ServiceWorkerRegistration> {
    let window = web_sys::window()?;
    let container = window.navigator().service_worker();
    let ready = container.ready().ok()?;
    JsFuture::from(ready).await.ok()?.dyn_into().ok()
}

async fn current(registration: &ServiceWorkerRegistration) -> Option<PushSubscription> {
    let manager = registration.push_manager().ok()?;
    let found = JsFuture::from(manager.get_subscription().ok()?)
        .await
        .ok()?;
    found.dyn_into().ok()
}

fn supported() -> bool {
    web_sys::window().is_some_and(|w| {
        js_sys::Reflect::has(&w, &"PushManager".into()).unwrap_or(false)
            && js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false)
    })
}

/// Whether this device is subscribed, could be, or cannot be.
pub async fn state() -> PushState {
    if !supported() {
        return PushState::Unsupported;
    }
    if Notification::permission() == NotificationPermission::Denied {
        return PushState::Denied;
    }
    match registration().await {
        None => PushState::Unsupported,
        Some(r) if current(&r).await.is_some() => PushState::On,
        Some(_) => PushState::Off,
    }
}

fn key(subscription: &PushSubscription, name: PushEncryptionKeyName) -> Option<String> {
    let buffer: ArrayBuffer = subscription.get_key(name).ok()??;
    Some(B64.encode(Uint8Array::new(&buffer).to_vec()))
}

/// Asks the person's permission, subscribes this device with the relay's key and tells the
/// relay (again, to change `preview`).
pub async fn enable(preview: bool) -> Result<(), AppError> {
    let asked = Notification::request_permission().map_err(failed("asking for notifications"))?;
    let answer = JsFuture::from(asked)
        .await
        .map_err(failed("asking for notifications"))?;
    if answer.as_string().as_deref() != Some("granted") {
        return Err(AppError::Api(tsunagu_core::api::ErrorCode::Forbidden));
    }
    let registration = registration()
        .await
        .ok_or_else(|| AppError::StorageUnavailable("no service worker".into()))?;
    let subscription = match current(&registration).await {
        Some(existing) => existing,
        None => {
            let relay_key = api::push_key().await?;
            let key_bytes = B64
                .decode(relay_key.key)
                .map_err(|e| AppError::UnexpectedResponse(e.to_string()))?;
            let options = PushSubscriptionOptionsInit::new();
            options.set_user_visible_only(true);
            options.set_application_server_key(&Uint8Array::from(key_bytes.as_slice()));
            let manager = registration
                .push_manager()
                .map_err(failed("the push manager"))?;
            let promise = manager
                .subscribe_with_options(&options)
                .map_err(failed("subscribing"))?;
            JsFuture::from(promise)
                .await
                .map_err(failed("subscribing"))?
                .dyn_into()
                .map_err(failed("subscribing"))?
        }
    };
    set_preview(preview);
    tell_relay(&subscription, preview).await
}

/// Tells the relay again of this device's subscription, if it has one, asking the person
/// nothing. The relay keeps a subscription only as long as the session that sent it (signing
/// out stops the notices even on a device that could not unsubscribe), so each new session
/// sends it again.
pub async fn renew() -> Result<(), AppError> {
    if !supported() || Notification::permission() != NotificationPermission::Granted {
        return Ok(());
    }
    let Some(registration) = registration().await else {
        return Ok(());
    };
    match current(&registration).await {
        Some(subscription) => tell_relay(&subscription, preview()).await,
        None => Ok(()),
    }
}

async fn tell_relay(subscription: &PushSubscription, preview: bool) -> Result<(), AppError> {
    let (Some(p256dh), Some(auth)) = (
        key(subscription, PushEncryptionKeyName::P256dh),
        key(subscription, PushEncryptionKeyName::Auth),
    ) else {
        return Err(AppError::StorageUnavailable(
            "a subscription without keys".into(),
        ));
    };
    api::push_subscribe(&Subscription {
        endpoint: subscription.endpoint(),
        p256dh,
        auth,
        preview,
    })
    .await
}

/// Where this device remembers whether its notifications show what a message says.
const PREVIEW_KEY: &str = "tsunagu-push-preview";

/// Whether this device's notifications show what a message says (they do unless turned off).
pub fn preview() -> bool {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(PREVIEW_KEY).ok().flatten())
        .is_none_or(|v| v != "off")
}

fn set_preview(on: bool) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(PREVIEW_KEY, if on { "on" } else { "off" });
    }
}

/// Unsubscribes this device, here and on the relay.
pub async fn disable() -> Result<(), AppError> {
    let Some(registration) = registration().await else {
        return Ok(());
    };
    let Some(subscription) = current(&registration).await else {
        return Ok(());
    };
    let endpoint = subscription.endpoint();
    if let Ok(promise) = subscription.unsubscribe() {
        JsFuture::from(promise)
            .await
            .map_err(failed("unsubscribing"))?;
    }
    api::push_unsubscribe(&endpoint).await
}

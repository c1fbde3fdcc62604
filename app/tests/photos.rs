//! Photos in device storage (docs/design.md §10), in headless Chromium's IndexedDB: the person's
//! own wait as pending until uploaded and are never trimmed; others' are kept within a budget,
//! the least recently shown going first; a sign-out wipes them; a database made before photos
//! existed upgrades without losing anything.
#![cfg(target_arch = "wasm32")]

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use tsunagu_app::store::{MetaKey, Store};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Blob;

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_name(test: &str) -> String {
    format!("tsunagu-test-{test}-{}", js_sys::Math::random())
}

/// A blob of `size` bytes.
fn blob(size: usize) -> Blob {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(vec![0xFF_u8; size].as_slice()));
    Blob::new_with_u8_array_sequence(&parts).expect("a blob")
}

async fn ids(store: &Store, all: &[&str]) -> Vec<String> {
    let mut kept = Vec::new();
    for id in all {
        if store.photo(id).await.expect("reads").is_some() {
            kept.push((*id).to_owned());
        }
    }
    kept
}

/// Lets the clock move on, so "last shown" differs between photos.
async fn tick() {
    gloo_timers::future::TimeoutFuture::new(5).await;
}

#[wasm_bindgen_test]
async fn own_photos_wait_to_upload_and_others_are_trimmed_least_recently_shown_first() {
    let store = Store::open(&fresh_name("photos")).await.expect("opens");
    store
        .put_photo("mine", &blob(400), true)
        .await
        .expect("kept");
    for id in ["old", "seen", "new"] {
        tick().await;
        store.put_photo(id, &blob(100), false).await.expect("kept");
    }
    let pending: Vec<String> = store
        .pending_photos()
        .await
        .expect("reads")
        .into_iter()
        .map(|(id, blob)| {
            assert_eq!(blob.size(), 400.0);
            id
        })
        .collect();
    assert_eq!(pending, ["mine"]);

    // "seen" is shown again: it is now more recent than "new".
    tick().await;
    assert!(store.photo("seen").await.expect("reads").is_some());
    // Room for two of the three; the pending one does not count and never goes.
    store.trim_photos(250.0).await.expect("trimmed");
    let all = ["mine", "old", "seen", "new"];
    let mut kept = ids(&store, &all).await;
    kept.sort();
    assert_eq!(kept, ["mine", "new", "seen"]);
    store.trim_photos(0.0).await.expect("trimmed");
    assert_eq!(ids(&store, &all).await, ["mine"]);

    // Uploaded: no longer pending, and trimmed like the rest.
    store.photo_uploaded("mine").await.expect("marked");
    assert!(store.pending_photos().await.expect("reads").is_empty());
    store.trim_photos(0.0).await.expect("trimmed");
    assert!(ids(&store, &all).await.is_empty());
}

#[wasm_bindgen_test]
async fn a_sign_out_wipe_takes_the_photos_too() {
    let store = Store::open(&fresh_name("photo-wipe")).await.expect("opens");
    store
        .put_photo("mine", &blob(10), true)
        .await
        .expect("kept");
    store
        .put_photo("theirs", &blob(10), false)
        .await
        .expect("kept");
    store.wipe_documents().await.expect("wiped");
    assert!(ids(&store, &["mine", "theirs"]).await.is_empty());
    assert!(store.pending_photos().await.expect("reads").is_empty());
}

#[wasm_bindgen_test]
async fn a_database_from_before_photos_upgrades_and_keeps_what_it_held() {
    let name = fresh_name("upgrade");
    // Version 1, as the app made it before photos: four stores, a setting in one.
    let old = Database::open(&name)
        .with_version(1_u32)
        .with_on_upgrade_needed(|_, db| {
            for store in ["chunks", "sync_states", "outbox", "meta"] {
                db.create_object_store(store).build()?;
            }
            Ok(())
        })
        .await
        .expect("version 1 opens");
    let tx = old
        .transaction("meta")
        .with_mode(TransactionMode::Readwrite)
        .build()
        .expect("a transaction");
    tx.object_store("meta")
        .expect("meta")
        .put("ja")
        .with_key("language")
        .await
        .expect("put");
    tx.commit().await.expect("committed");
    old.close();

    let store = Store::open(&name).await.expect("upgrades");
    assert_eq!(
        store.meta(MetaKey::Language).await.expect("reads"),
        Some("ja".into())
    );
    store.put_photo("p", &blob(10), true).await.expect("kept");
    assert_eq!(store.pending_photos().await.expect("reads").len(), 1);
}

//! Device storage in a real browser: headless Chromium's IndexedDB, through the typed store API.
//!
//! Run with `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p tsunagu-app --target wasm32-unknown-unknown`.
//! Each test opens its own database so they never see each other's data.
#![cfg(target_arch = "wasm32")]

use automerge::{AutoCommit, ReadDoc};
use tsunagu_app::store::{Loaded, MetaKey, Store, Write};
use tsunagu_core::engine::{Chunk, Effect, Engine};
use tsunagu_core::ids::{DocumentId, PeerId, StorageId};
use tsunagu_core::profile::Profile;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// A database name no other test (or earlier run in the same profile) uses.
fn fresh_name(test: &str) -> String {
    format!("tsunagu-test-{test}-{}", js_sys::Math::random())
}

async fn open(name: &str) -> Store {
    Store::open(name).await.expect("IndexedDB opens")
}

fn profile_doc(name: &str) -> Vec<u8> {
    let mut doc = AutoCommit::new();
    Profile {
        name: name.into(),
        ..Profile::default()
    }
    .write_to(&mut doc)
    .expect("writes");
    doc.save()
}

/// A write of every kind: `doc`'s snapshot, its sync state with `relay`, its outbox entry, and
/// the language.
fn one_of_each(doc: DocumentId, relay: &StorageId, bytes: &[u8]) -> [Write; 4] {
    [
        Write::Chunk {
            doc,
            chunk: Chunk::Snapshot(bytes.to_vec()),
        },
        Write::SyncState {
            peer: relay.clone(),
            doc,
            state: vec![1, 2, 3],
        },
        Write::OutboxAdd(doc),
        Write::Meta {
            key: MetaKey::Language,
            value: "en".into(),
        },
    ]
}

/// `loaded` holds the documents' part of [`one_of_each`].
fn assert_one_of_each(loaded: &Loaded, doc: DocumentId, relay: &StorageId, bytes: &[u8]) {
    assert_eq!(loaded.docs.get(&doc), Some(&vec![bytes.to_vec()]));
    assert_eq!(
        loaded.sync_states,
        vec![(relay.clone(), doc, vec![1, 2, 3])]
    );
    assert!(loaded.outbox.contains(&doc));
}

#[wasm_bindgen_test]
async fn chunks_sync_states_outbox_and_settings_survive_closing_and_reopening() {
    let name = fresh_name("reopen");
    let doc = DocumentId::random();
    let relay = StorageId::new("relay-storage");
    let bytes = profile_doc("山田 花子");

    let store = open(&name).await;
    store
        .apply(&one_of_each(doc, &relay, &bytes))
        .await
        .expect("the batch is stored");
    store.close();

    let store = open(&name).await;
    assert_one_of_each(&store.load().await.expect("loads"), doc, &relay, &bytes);
    assert_eq!(
        store.meta(MetaKey::Language).await.expect("reads"),
        Some("en".into())
    );
    assert_eq!(store.meta(MetaKey::Me).await.expect("reads"), None);
}

#[wasm_bindgen_test]
async fn a_snapshot_replaces_the_incremental_chunks_before_it() {
    let store = open(&fresh_name("compaction")).await;
    let (doc, other) = (DocumentId::random(), DocumentId::random());
    store
        .apply(&[
            Write::Chunk {
                doc,
                chunk: Chunk::Snapshot(vec![1]),
            },
            Write::Chunk {
                doc,
                chunk: Chunk::Incremental(vec![2]),
            },
            Write::Chunk {
                doc,
                chunk: Chunk::Incremental(vec![3]),
            },
            Write::Chunk {
                doc: other,
                chunk: Chunk::Incremental(vec![9]),
            },
        ])
        .await
        .expect("stored");
    let mut chunks = store
        .load()
        .await
        .expect("loads")
        .docs
        .remove(&doc)
        .expect("held");
    chunks.sort();
    assert_eq!(chunks, vec![vec![1], vec![2], vec![3]]);

    store
        .apply(&[Write::Chunk {
            doc,
            chunk: Chunk::Snapshot(vec![4]),
        }])
        .await
        .expect("stored");
    let loaded = store.load().await.expect("loads");
    assert_eq!(
        loaded.docs.get(&doc),
        Some(&vec![vec![4]]),
        "only the new snapshot remains"
    );
    assert_eq!(
        loaded.docs.get(&other),
        Some(&vec![vec![9]]),
        "other documents are untouched"
    );
}

#[wasm_bindgen_test]
async fn engine_effects_stored_and_loaded_restore_the_document_and_its_sync_state() {
    let store = open(&fresh_name("engine")).await;
    let relay = StorageId::new("relay-storage");
    let doc = DocumentId::random();

    // A device edits a profile twice; the effects go to the store as the runtime would send them.
    let mut engine = Engine::new(PeerId::random(), Some(StorageId::random()));
    let mut writes = Vec::new();
    let mut collect = |effects: Vec<Effect>| {
        for effect in effects {
            if let Effect::Persist { doc, chunk, .. } = effect {
                writes.push(Write::Chunk { doc, chunk });
            }
        }
    };
    let mut profile = Profile {
        name: "山田 花子".into(),
        ..Profile::default()
    };
    collect(
        engine
            .create(doc, |tx| profile.write_to(tx))
            .expect("created"),
    );
    profile.skills.push("Rust".into());
    collect(
        engine
            .change(doc, |tx| profile.write_to(tx))
            .expect("changed"),
    );
    let mut state = automerge::sync::State::new();
    state.shared_heads = engine.doc(&doc).expect("held").get_heads();
    writes.push(Write::SyncState {
        peer: relay.clone(),
        doc,
        state: state.encode(),
    });
    store.apply(&writes).await.expect("stored");

    let Loaded {
        docs, sync_states, ..
    } = store.load().await.expect("loads");
    let mut restored = Engine::new(PeerId::random(), Some(StorageId::random()));
    for (id, chunks) in &docs {
        restored.load(*id, chunks).expect("loads into the engine");
    }
    for (peer, id, bytes) in &sync_states {
        restored
            .load_sync_state(peer.clone(), *id, bytes)
            .expect("sync state decodes");
    }
    let back = Profile::read(restored.doc(&doc).expect("restored")).expect("a profile");
    assert_eq!(back, profile);
    assert_eq!(
        restored.pending_changes(&relay),
        0,
        "the relay had acknowledged both changes"
    );
    assert!(restored.doc(&doc).expect("restored").get_heads().len() == 1);
}

#[wasm_bindgen_test]
async fn forgetting_a_document_removes_its_chunks_and_sync_states_only() {
    let store = open(&fresh_name("forget")).await;
    let (gone, kept) = (DocumentId::random(), DocumentId::random());
    let relay = StorageId::new("relay");
    store
        .apply(&[
            Write::Chunk {
                doc: gone,
                chunk: Chunk::Snapshot(vec![1]),
            },
            Write::SyncState {
                peer: relay.clone(),
                doc: gone,
                state: vec![1],
            },
            Write::Chunk {
                doc: kept,
                chunk: Chunk::Snapshot(vec![2]),
            },
            Write::SyncState {
                peer: relay.clone(),
                doc: kept,
                state: vec![2],
            },
        ])
        .await
        .expect("stored");
    store
        .apply(&[Write::Forget(gone)])
        .await
        .expect("forgotten");
    let loaded = store.load().await.expect("loads");
    assert_eq!(loaded.docs.keys().copied().collect::<Vec<_>>(), vec![kept]);
    assert_eq!(loaded.sync_states, vec![(relay, kept, vec![2])]);
}

#[wasm_bindgen_test]
async fn the_outbox_clears_and_a_sign_out_wipe_keeps_the_device_ids() {
    let store = open(&fresh_name("wipe")).await;
    let doc = DocumentId::random();
    store
        .apply(&[
            Write::Chunk {
                doc,
                chunk: Chunk::Snapshot(vec![1]),
            },
            Write::OutboxAdd(doc),
            Write::Meta {
                key: MetaKey::StorageId,
                value: "device-1".into(),
            },
            Write::Meta {
                key: MetaKey::Me,
                value: "{}".into(),
            },
        ])
        .await
        .expect("stored");
    store
        .apply(&[Write::OutboxClear, Write::MetaDelete(MetaKey::Me)])
        .await
        .expect("stored");
    assert!(store.load().await.expect("loads").outbox.is_empty());
    assert_eq!(store.meta(MetaKey::Me).await.expect("reads"), None);

    store.wipe_documents().await.expect("wiped");
    assert_eq!(store.load().await.expect("loads"), Loaded::default());
    assert_eq!(
        store.meta(MetaKey::StorageId).await.expect("reads"),
        Some("device-1".into())
    );
}

#[wasm_bindgen_test]
async fn a_stored_profile_reads_back_through_automerge() {
    let store = open(&fresh_name("profile")).await;
    let doc = DocumentId::random();
    store
        .apply(&[Write::Chunk {
            doc,
            chunk: Chunk::Snapshot(profile_doc("佐藤 健")),
        }])
        .await
        .expect("stored");
    let chunks = store
        .load()
        .await
        .expect("loads")
        .docs
        .remove(&doc)
        .expect("held");
    let loaded = automerge::Automerge::load(&chunks[0]).expect("an automerge document");
    assert!(
        loaded
            .get(automerge::ROOT, "name")
            .expect("readable")
            .is_some()
    );
}

/// `boot.js`'s read-ahead as it ships, run against the database `name`; done once it has read.
async fn boot_js_reads_ahead(name: &str) {
    const BOOT_JS: &str = include_str!("../boot.js");
    let start = BOOT_JS
        .find("// readAhead:start")
        .expect("boot.js marks its read-ahead");
    let end = BOOT_JS
        .find("// readAhead:end")
        .expect("boot.js marks its read-ahead");
    let run = js_sys::Function::new_with_args(
        "name",
        &format!(
            "{}\nwindow.tsunaguStored = readAhead(name);\nreturn window.tsunaguStored;",
            &BOOT_JS[start..end]
        ),
    );
    let reading = run
        .call1(&wasm_bindgen::JsValue::NULL, &name.into())
        .expect("the read-ahead starts");
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(reading))
        .await
        .expect("resolves");
}

#[wasm_bindgen_test]
async fn a_start_takes_what_boot_js_read_ahead_and_reads_the_database_itself_without_it() {
    let name = fresh_name("read-ahead");
    let (doc, relay) = (DocumentId::random(), StorageId::new("relay-storage"));
    let bytes = profile_doc("山田 花子");
    let store = open(&name).await;
    store
        .apply(&one_of_each(doc, &relay, &bytes))
        .await
        .expect("stored");

    // Nothing read ahead (the wasm tests, a page without boot.js): the store reads itself.
    let (settings, loaded) = store.read_start().await;
    let (settings, loaded) = (settings.expect("settings"), loaded.expect("documents"));
    assert_eq!(settings, vec![(MetaKey::Language, "en".to_owned())]);
    assert_one_of_each(&loaded, doc, &relay, &bytes);

    // boot.js reads while the wasm loads; the start gets what it read (a setting written after
    // is not in it: it came from there), once.
    boot_js_reads_ahead(&name).await;
    store
        .apply(&[Write::Meta {
            key: MetaKey::SeenNews,
            value: "[]".into(),
        }])
        .await
        .expect("stored");
    let (ahead, ahead_loaded) = store.read_start().await;
    assert_eq!(ahead.expect("settings"), settings);
    assert_eq!(ahead_loaded.expect("documents"), loaded);
    let (again, _) = store.read_start().await;
    assert_eq!(
        again.expect("settings").len(),
        2,
        "read itself the second time"
    );

    // A device with no database yet: boot.js leaves it for the app to create, and the start
    // reads the store itself.
    boot_js_reads_ahead(&fresh_name("no-database")).await;
    let (settings, loaded) = store.read_start().await;
    assert_eq!(settings.expect("settings").len(), 2);
    assert!(loaded.expect("documents").docs.contains_key(&doc));
}

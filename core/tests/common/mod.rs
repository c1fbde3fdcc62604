//! Shared set-up for the engine scenarios: a relay holding profiles, and devices.
#![allow(dead_code, unreachable_pub)]

use tsunagu_core::engine::Engine;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::memory::{Hub, Node};
use tsunagu_core::profile::Profile;

/// A relay holding one profile per name, and the ids of those documents.
pub fn relay_with(names: &[&str]) -> (Hub, Vec<DocumentId>) {
    let mut relay = Node::new("relay");
    let docs = names
        .iter()
        .map(|name| {
            let doc = DocumentId::random();
            let profile = Profile {
                name: (*name).into(),
                ..Default::default()
            };
            let effects = relay
                .engine
                .create(doc, |tx| profile.write_to(tx))
                .expect("create");
            relay.store.apply(&effects);
            doc
        })
        .collect();
    (Hub::new(relay), docs)
}

/// Adds a device that wants `docs`, connects it and syncs.
pub fn device_with(hub: &mut Hub, name: &str, docs: &[DocumentId]) -> usize {
    let i = hub.add_device(Node::new(name));
    for doc in docs {
        hub.devices[i].engine.want(*doc);
    }
    hub.connect(i);
    hub.run();
    i
}

pub fn profile(engine: &Engine, doc: &DocumentId) -> Profile {
    Profile::read(engine.doc(doc).expect("doc held")).expect("a profile")
}

/// Edits a profile on device `i` as one change and hands the effects to the hub.
pub fn edit(hub: &mut Hub, i: usize, doc: DocumentId, f: impl FnOnce(&mut Profile)) {
    let mut p = profile(&hub.devices[i].engine, &doc);
    f(&mut p);
    let effects = hub.devices[i]
        .engine
        .change(doc, |tx| p.write_to(tx))
        .expect("edit");
    hub.from_device(i, effects);
}

pub fn heads(engine: &Engine, doc: &DocumentId) -> Vec<automerge::ChangeHash> {
    engine.doc(doc).expect("doc").get_heads()
}

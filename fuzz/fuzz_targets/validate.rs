//! Fuzzer-chosen edits to a member's profile, made as the member, as the relay or as another
//! member, checked by the relay's validator. It must agree with the plain statement of the rule:
//! accepted exactly when the author is the member's own new actor and every key touched is one
//! the member writes (`tsunagu_core::grants::PROFILE_OWNER_FIELDS`).

#![no_main]

use arbitrary::Arbitrary;
use automerge::transaction::Transactable;
use automerge::{ActorId, ObjType, ROOT, ReadDoc, Value};
use libfuzzer_sys::fuzz_target;
use tsunagu_core::engine::Guard;
use tsunagu_core::grants::PROFILE_OWNER_FIELDS;
use tsunagu_fuzz::Relay;

#[derive(Debug, Arbitrary)]
struct Input {
    author: Author,
    edits: Vec<Edit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
enum Author {
    /// A device of the member, writing for the first time.
    Member,
    /// The relay's reserved actor.
    Relay,
    /// An actor registered to another member.
    Other,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Key {
    Name,
    Title,
    Skills,
    Positions,
    Joined,
    Left,
    Owner,
    Unknown,
}

impl Key {
    fn as_str(self) -> &'static str {
        match self {
            Key::Name => "name",
            Key::Title => "title",
            Key::Skills => "skills",
            Key::Positions => "positions",
            Key::Joined => "joined",
            Key::Left => "left",
            Key::Owner => "owner",
            Key::Unknown => "futureField",
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Edit {
    Put {
        key: Key,
        value: String,
    },
    List {
        key: Key,
        items: Vec<String>,
    },
    Map {
        key: Key,
        inner: String,
        value: String,
    },
    Text {
        key: Key,
        text: String,
    },
    Delete {
        key: Key,
    },
}

fuzz_target!(|input: Input| {
    let relay = Relay::new();
    let base = relay.engine.doc(&relay.doc).expect("the profile").clone();
    let mut device = base.fork();
    device.set_actor(match input.author {
        Author::Member => ActorId::from(&[3u8; 16][..]),
        Author::Relay => relay.relay_actor.clone(),
        Author::Other => relay.foreign_actor.clone(),
    });
    let before = device.get_heads();
    let mut touched = Vec::new();
    let mut tx = device.transaction();
    for edit in input.edits.iter().take(32) {
        let key = match edit {
            Edit::Put { key, value } => {
                // automerge writes nothing when the value is already there.
                let same = matches!(
                    tx.get(ROOT, key.as_str()),
                    Ok(Some((Value::Scalar(old), _))) if old.as_str() == Some(value.as_str())
                );
                tx.put(ROOT, key.as_str(), value.as_str())
                    .map(|_| *key)
                    .and_then(|k| {
                        if same {
                            Err(automerge::AutomergeError::Fail)
                        } else {
                            Ok(k)
                        }
                    })
            }
            Edit::List { key, items } => {
                tx.put_object(ROOT, key.as_str(), ObjType::List)
                    .map(|list| {
                        for (i, item) in items.iter().take(8).enumerate() {
                            tx.insert(&list, i, item.as_str()).ok();
                        }
                        *key
                    })
            }
            Edit::Map { key, inner, value } => {
                tx.put_object(ROOT, key.as_str(), ObjType::Map).map(|map| {
                    tx.put(&map, inner.as_str(), value.as_str()).ok();
                    *key
                })
            }
            Edit::Text { key, text } => tx.put_object(ROOT, key.as_str(), ObjType::Text).map(|t| {
                tx.splice_text(&t, 0, 0, text).ok();
                *key
            }),
            Edit::Delete { key } => {
                let present = tx.get(ROOT, key.as_str()).ok().flatten().is_some();
                tx.delete(ROOT, key.as_str()).map(|_| *key).and_then(|k| {
                    if present {
                        Ok(k)
                    } else {
                        Err(automerge::AutomergeError::Fail)
                    }
                })
            }
        };
        if let Ok(key) = key {
            touched.push(key.as_str());
        }
    }
    tx.commit();
    let changes = device.get_changes(&before);
    if changes.is_empty() {
        return;
    }
    let mut at_relay = base.clone();
    at_relay
        .apply_changes(changes.clone())
        .expect("the relay applies the changes");
    let mut guard = relay.guard;
    let verdict = guard.check(relay.conn, relay.doc, &at_relay, &before, &changes);
    let allowed = |key: &str| PROFILE_OWNER_FIELDS.iter().any(|p| p == &[key]);
    let expected = input.author == Author::Member && touched.iter().all(|k| allowed(k));
    assert_eq!(verdict.is_ok(), expected, "{verdict:?} for {touched:?}");
});

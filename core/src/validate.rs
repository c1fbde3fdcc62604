//! Checks every operation of changes a peer sent before anyone else sees them (DESIGN.md 4).
//!
//! The relay applies a peer's sync message, then hands the changes it brought to
//! [`check_changes`] with two questions: does this actor belong to the sender, and may the
//! sender write at this path? One "no" rejects the whole message and the relay puts the
//! document back as it was ([`crate::engine::Guard`]).
//!
//! Paths are found in the document *after* the changes were applied, so an operation inside an
//! object created by the same change (a new list item, say) resolves to where that object lives.

use std::collections::HashMap;

use automerge::legacy::{Key, ObjectId, OpType};
use automerge::{ActorId, Automerge, Change, ChangeHash, Prop, ReadDoc};

use crate::grants::{self, DocFacts, Edit, Seg, Subject};

/// Which member each Automerge actor id belongs to. A device registers an actor by being the
/// first to send a change made with it; from then on only that member may use it. The relay
/// reserves its own actor the same way, so no one can write as the relay.
#[derive(Debug, Default)]
pub struct ActorBook {
    owners: HashMap<ActorId, String>,
    /// Claimed since the last [`Self::take_claims`], for the caller to store.
    claims: Vec<(ActorId, String)>,
}

impl ActorBook {
    /// A book holding the stored registrations.
    pub fn new(owners: impl IntoIterator<Item = (ActorId, String)>) -> Self {
        Self {
            owners: owners.into_iter().collect(),
            claims: Vec::new(),
        }
    }

    /// Whether `actor` belongs to `user`, registering it to them if it belongs to no one.
    pub fn claim(&mut self, actor: &ActorId, user: &str) -> bool {
        match self.owners.get(actor) {
            Some(owner) => owner == user,
            None => {
                self.owners.insert(actor.clone(), user.to_owned());
                self.claims.push((actor.clone(), user.to_owned()));
                true
            }
        }
    }

    /// The registrations made since the last call, to be stored.
    pub fn take_claims(&mut self) -> Vec<(ActorId, String)> {
        std::mem::take(&mut self.claims)
    }

    /// Forgets registrations that could not be stored.
    pub fn unclaim(&mut self, claims: &[(ActorId, String)]) {
        for (actor, _) in claims {
            self.owners.remove(actor);
        }
    }
}

/// The relay's whole write check: every change's actor belongs to `subject` and every
/// operation stays inside what the grant table lets them write in this document.
pub fn authorise(
    doc: &Automerge,
    changes: &[Change],
    subject: &Subject<'_>,
    facts: &DocFacts<'_>,
    book: &mut ActorBook,
) -> Result<(), Refusal> {
    check_changes(
        doc,
        changes,
        |actor| book.claim(actor, subject.user),
        |path, edit| grants::may_edit(subject, facts, path, edit),
    )
}

/// The largest change the relay accepts. A profile edit is a few hundred bytes and a whole
/// profile a few kilobytes; anything near this is not a person typing.
pub const MAX_CHANGE_BYTES: usize = 64 * 1024;

/// Why changes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("change {change} is {size} bytes; the limit is {limit}")]
    TooLarge {
        change: ChangeHash,
        size: usize,
        limit: usize,
    },
    #[error("change {change} was made by actor {actor}, which is not one of your devices")]
    ForeignActor { change: ChangeHash, actor: ActorId },
    #[error("change {change} writes `{path}`, which you may not change")]
    OutsideGrant { change: ChangeHash, path: String },
    #[error("change {change} refers to an object the document does not have")]
    UnknownObject { change: ChangeHash },
}

/// Checks `changes`, already applied to `doc`. `actor_ok` says whether an actor belongs to the
/// sender (and may record it as theirs); `may_write` whether they may make an edit at a place.
pub fn check_changes(
    doc: &Automerge,
    changes: &[Change],
    mut actor_ok: impl FnMut(&ActorId) -> bool,
    may_write: impl Fn(&[Seg<'_>], Edit) -> bool,
) -> Result<(), Refusal> {
    // The path of every object an operation touched, found once per check.
    let mut paths: HashMap<ObjectId, Vec<PathStep>> = HashMap::new();
    for change in changes {
        let hash = change.hash();
        let size = change.raw_bytes().len();
        if size > MAX_CHANGE_BYTES {
            return Err(Refusal::TooLarge {
                change: hash,
                size,
                limit: MAX_CHANGE_BYTES,
            });
        }
        if !actor_ok(change.actor_id()) {
            return Err(Refusal::ForeignActor {
                change: hash,
                actor: change.actor_id().clone(),
            });
        }
        for op in change.decode().operations {
            let parent = match paths.get(&op.obj) {
                Some(path) => path,
                None => {
                    let path =
                        object_path(doc, &op.obj).ok_or(Refusal::UnknownObject { change: hash })?;
                    paths.entry(op.obj.clone()).or_insert(path)
                }
            };
            let last = match &op.key {
                Key::Map(key) => PathStep::Key(key.to_string()),
                Key::Seq(_) => PathStep::Item,
            };
            let steps: Vec<Seg<'_>> = parent
                .iter()
                .chain(std::iter::once(&last))
                .map(PathStep::as_seg)
                .collect();
            // An operation that supersedes nothing only adds; everything else changes what a
            // writer saw (an append-only log refuses it).
            let edit =
                if op.pred.is_empty() && matches!(op.action, OpType::Put(_) | OpType::Make(_)) {
                    Edit::Add
                } else {
                    Edit::Change
                };
            if !may_write(&steps, edit) {
                return Err(Refusal::OutsideGrant {
                    change: hash,
                    path: display(&steps),
                });
            }
        }
    }
    Ok(())
}

/// An owned [`Seg`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum PathStep {
    Key(String),
    Item,
}

impl PathStep {
    fn as_seg(&self) -> Seg<'_> {
        match self {
            Self::Key(key) => Seg::Key(key),
            Self::Item => Seg::Item,
        }
    }
}

/// Where an object lives, from the root; `None` if the document has no such object.
fn object_path(doc: &Automerge, obj: &ObjectId) -> Option<Vec<PathStep>> {
    let ObjectId::Id(id) = obj else {
        return Some(Vec::new());
    };
    let exid = doc.import_obj(&id.to_string()).ok()?;
    // The id must name an object (`parents` walks from it), not some other operation.
    doc.object_type(&exid).ok()?;
    let path = doc.parents(&exid).ok()?.path();
    Some(
        path.into_iter()
            .map(|(_, prop)| match prop {
                Prop::Map(key) => PathStep::Key(key),
                Prop::Seq(_) => PathStep::Item,
            })
            .collect(),
    )
}

fn display(path: &[Seg<'_>]) -> String {
    let parts: Vec<&str> = path
        .iter()
        .map(|s| match s {
            Seg::Key(k) => *k,
            Seg::Item => "#",
        })
        .collect();
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT};
    use std::cell::RefCell;

    /// The changes `edit` makes to a copy of `base`, applied to `base` as a relay would.
    fn edited(base: &mut AutoCommit, edit: impl FnOnce(&mut AutoCommit)) -> Vec<Change> {
        let before = base.get_heads();
        let mut copy = base.fork();
        edit(&mut copy);
        let changes = copy.get_changes(&before);
        base.apply_changes(changes.clone()).unwrap();
        changes
    }

    #[test]
    fn staff_only_append_to_a_check_in_log() {
        use crate::api::Role;
        use crate::checkin::{CheckinLog, Scan};
        use crate::event::EventAudience;
        use crate::grants::{DocKind, EventFacts};

        let mut doc = AutoCommit::new();
        CheckinLog::create(&mut doc).unwrap();
        let facts = DocFacts {
            event: Some(EventFacts {
                public: true,
                audience: EventAudience::Everyone,
                invited: false,
                staff: true,
                proposer: false,
            }),
            ..DocFacts::of(DocKind::EventCheckins)
        };
        let staff = Subject {
            user: "staff",
            roles: &[Role::Alumni],
        };
        let mut book = ActorBook::default();
        let scan = Scan {
            ticket: "t1".into(),
            ..Scan::default()
        };
        let mut check = |doc: &mut AutoCommit, edit: &dyn Fn(&mut AutoCommit)| {
            let changes = edited(doc, edit);
            authorise(doc.document(), &changes, &staff, &facts, &mut book)
        };
        let added = check(&mut doc, &|d| {
            CheckinLog::record(d, "n1", &scan).unwrap();
        });
        assert_eq!(added, Ok(()));
        let scans = doc.get(ROOT, "scans").unwrap().unwrap().1;
        let entry = doc.get(&scans, "n1").unwrap().unwrap().1;
        let rewrite = check(&mut doc, &|d| d.put(&entry, "ticket", "t2").unwrap());
        assert!(
            matches!(rewrite, Err(Refusal::OutsideGrant { .. })),
            "{rewrite:?}"
        );
        let removal = check(&mut doc, &|d| d.delete(&scans, "n1").unwrap());
        assert!(
            matches!(removal, Err(Refusal::OutsideGrant { .. })),
            "{removal:?}"
        );
        let elsewhere = check(&mut doc, &|d| d.put(ROOT, "note", "x").unwrap());
        assert!(
            matches!(elsewhere, Err(Refusal::OutsideGrant { .. })),
            "{elsewhere:?}"
        );
        let not_staff = DocFacts {
            event: None,
            ..facts
        };
        let changes = edited(&mut doc, |d| {
            CheckinLog::record(d, "n2", &scan).unwrap();
        });
        assert!(authorise(doc.document(), &changes, &staff, &not_staff, &mut book).is_err());
    }

    /// Every path the changes write, in order.
    fn paths_written(doc: &mut AutoCommit, changes: &[Change]) -> Vec<String> {
        let seen = RefCell::new(Vec::new());
        check_changes(
            doc.document(),
            changes,
            |_| true,
            |path, _| {
                seen.borrow_mut().push(display(path));
                true
            },
        )
        .unwrap();
        seen.into_inner()
    }

    #[test]
    fn operations_resolve_to_paths_through_nested_and_new_objects() {
        let mut doc = AutoCommit::new();
        let list = doc.put_object(ROOT, "positions", ObjType::List).unwrap();
        doc.insert_object(&list, 0, ObjType::Map).unwrap();
        doc.put(ROOT, "title", "CTO").unwrap();
        let changes = edited(&mut doc, |d| {
            let first = d.get(&list, 0).unwrap().unwrap().1;
            d.put(&first, "role", "部長").unwrap();
            let new = d.insert_object(&list, 1, ObjType::Map).unwrap();
            d.put(&new, "department", "人事部").unwrap();
            let text = d.put_object(&new, "note", ObjType::Text).unwrap();
            d.splice_text(&text, 0, 0, "hi").unwrap();
            d.delete(ROOT, "title").unwrap();
        });
        assert_eq!(
            paths_written(&mut doc, &changes),
            [
                "/positions/#/role",
                "/positions/#",
                "/positions/#/department",
                "/positions/#/note",
                "/positions/#/note/#",
                "/positions/#/note/#",
                "/title",
            ]
        );
    }

    #[test]
    fn one_operation_outside_the_grant_refuses_the_changes() {
        let mut doc = AutoCommit::new();
        let changes = edited(&mut doc, |d| {
            d.put(ROOT, "title", "CTO").unwrap();
            d.put(ROOT, "joined", "1999-04").unwrap();
        });
        let only_title = |path: &[Seg<'_>], _| path == [Seg::Key("title")];
        let refused = check_changes(doc.document(), &changes, |_| true, only_title);
        assert!(
            matches!(&refused, Err(Refusal::OutsideGrant { path, .. }) if path == "/joined"),
            "{refused:?}"
        );
    }

    #[test]
    fn an_oversized_change_is_refused() {
        let mut doc = AutoCommit::new();
        let changes = edited(&mut doc, |d| {
            // Random-looking text does not compress below the limit.
            let mut state = 0x2545_f491_4f6c_dd1d_u64;
            let noise: String = (0..MAX_CHANGE_BYTES * 4)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    char::from(b'0' + (state % 64) as u8)
                })
                .collect();
            d.put(ROOT, "bio", noise).unwrap();
        });
        let refused = check_changes(doc.document(), &changes, |_| true, |_, _| true);
        assert!(
            matches!(refused, Err(Refusal::TooLarge { .. })),
            "{refused:?}"
        );
    }

    #[test]
    fn a_change_by_someone_elses_actor_is_refused() {
        let mut doc = AutoCommit::new();
        let theirs = ActorId::from(b"someone else's!".as_slice());
        let changes = edited(&mut doc, |d| {
            d.set_actor(theirs.clone());
            d.put(ROOT, "title", "CTO").unwrap();
        });
        let refused = check_changes(doc.document(), &changes, |a| *a != theirs, |_, _| true);
        assert!(
            matches!(&refused, Err(Refusal::ForeignActor { actor, .. }) if *actor == theirs),
            "{refused:?}"
        );
    }
}

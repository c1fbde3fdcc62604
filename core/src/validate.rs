//! Checks every operation of changes a peer sent before anyone else sees them (docs/design.md §4).
//!
//! The relay applies a peer's sync message, then hands the changes it brought to
//! [`check_changes`] with two questions: does this actor belong to the sender, and may the
//! sender write at this path? One "no" rejects the whole message and the relay puts the
//! document back as it was ([`crate::engine::Guard`]).
//!
//! Paths are found in the document *after* the changes were applied, so an operation inside an
//! object created by the same change (a new list item, say) resolves to where that object lives.
//!
//! What an operation does ([`Edit`]) is judged against the document *before* the changes: an
//! addition puts a value where the document had none — a key it never held (or held no
//! longer), a new list element — or fills an object the same changes created. A value put with
//! no predecessor at a key that already holds one is a change like any other, though Automerge
//! would keep both as a conflict: under an append grant it would let a writer hide an entry
//! behind their own.

use std::collections::{HashMap, HashSet};

use automerge::legacy::{Key, ObjectId, OpId, OpType};
use automerge::{ActorId, Automerge, Change, ChangeHash, Prop, ROOT, ReadDoc};

use crate::grants::{self, DocFacts, Edit, Seg, Subject};
use crate::news::{MAX_COMMENTS_PER_MEMBER, Responses};
use crate::vocab::DocKind;

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

    /// Who `actor` is registered to, if anyone.
    pub fn owner(&self, actor: &ActorId) -> Option<&str> {
        self.owners.get(actor).map(String::as_str)
    }

    /// The registrations made since the last call, to be stored.
    pub fn take_claims(&mut self) -> Vec<(ActorId, String)> {
        std::mem::take(&mut self.claims)
    }

    /// Notes a registration made elsewhere (another relay on the same database).
    pub fn learn(&mut self, actor: ActorId, owner: String) {
        self.owners.insert(actor, owner);
    }

    /// Forgets registrations that could not be stored.
    pub fn unclaim(&mut self, claims: &[(ActorId, String)]) {
        for (actor, _) in claims {
            self.owners.remove(actor);
        }
    }
}

/// The relay's whole write check: every change's actor belongs to `subject` and every
/// operation stays inside what the grant table lets them write in this document. `doc` holds
/// the changes already; `before` are its heads from before they arrived.
pub fn authorise(
    doc: &Automerge,
    before: &[ChangeHash],
    changes: &[Change],
    subject: &Subject<'_>,
    facts: &DocFacts<'_>,
    book: &mut ActorBook,
) -> Result<(), Refusal> {
    check_changes(
        doc,
        before,
        changes,
        |actor| book.claim(actor, subject.user),
        |path, edit| grants::may_edit(subject, facts, path, edit),
    )?;
    within_share(doc, subject, facts)
}

/// What one member may hold of a document others write too: their comments on a post.
fn within_share(
    doc: &Automerge,
    subject: &Subject<'_>,
    facts: &DocFacts<'_>,
) -> Result<(), Refusal> {
    if facts.kind == DocKind::NewsResponses {
        let limit = MAX_COMMENTS_PER_MEMBER;
        if Responses::comments_by(doc, subject.user) > limit {
            return Err(Refusal::TooMany {
                what: "comments on this post",
                limit,
            });
        }
    }
    Ok(())
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
    #[error("you may have at most {limit} {what}")]
    TooMany { what: &'static str, limit: usize },
}

/// Checks `changes`, already applied to `doc` (whose heads were `before` without them).
/// `actor_ok` says whether an actor belongs to the sender (and may record it as theirs);
/// `may_write` whether they may make an edit at a place.
pub fn check_changes(
    doc: &Automerge,
    before: &[ChangeHash],
    changes: &[Change],
    mut actor_ok: impl FnMut(&ActorId) -> bool,
    may_write: impl Fn(&[Seg<'_>], Edit) -> bool,
) -> Result<(), Refusal> {
    // The path of every object an operation touched, found once per check.
    let mut paths: HashMap<ObjectId, Vec<PathStep>> = HashMap::new();
    let created = created_objects(changes);
    // Map keys given a first value by these changes: a second value there is no addition.
    let mut filled: HashSet<(ObjectId, String)> = HashSet::new();
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
            let edit =
                if !op.pred.is_empty() || !matches!(op.action, OpType::Put(_) | OpType::Make(_)) {
                    // It supersedes, deletes, increments or marks what a writer saw.
                    Edit::Change
                } else if created.contains(&op.obj) {
                    Edit::Fill
                } else {
                    match &op.key {
                        Key::Seq(_) if op.insert => Edit::Add,
                        Key::Seq(_) => Edit::Change,
                        Key::Map(key) => {
                            let first = filled.insert((op.obj.clone(), key.to_string()));
                            if first && !held_before(doc, &op.obj, key, before) {
                                Edit::Add
                            } else {
                                Edit::Change
                            }
                        }
                    }
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

/// Every object the changes make (its id is the id of the operation that made it).
fn created_objects(changes: &[Change]) -> HashSet<ObjectId> {
    let mut created = HashSet::new();
    for change in changes {
        let expanded = change.decode();
        let start = expanded.start_op.get();
        for (i, op) in expanded.operations.iter().enumerate() {
            if matches!(op.action, OpType::Make(_)) {
                let counter = start + i as u64;
                created.insert(ObjectId::Id(OpId(counter, expanded.actor_id.clone())));
            }
        }
    }
    created
}

/// Whether `key` of `obj` held any value (conflicting ones included) at `before`. An object
/// the document cannot name counts as holding one: nothing is taken for an addition unproven.
fn held_before(doc: &Automerge, obj: &ObjectId, key: &str, before: &[ChangeHash]) -> bool {
    let exid = match obj {
        ObjectId::Root => ROOT,
        ObjectId::Id(id) => match doc.import_obj(&id.to_string()) {
            Ok(exid) => exid,
            Err(_) => return true,
        },
    };
    doc.get_all_at(&exid, key, before)
        .map_or(true, |values| !values.is_empty())
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

/// The changes `edit` makes to a copy of `base`, applied to `base` as a relay would, and
/// `base`'s heads from before: what the write check judges, for tests of what it refuses.
#[cfg(test)]
pub(crate) fn edited(
    base: &mut automerge::AutoCommit,
    edit: impl FnOnce(&mut automerge::AutoCommit),
) -> (Vec<ChangeHash>, Vec<Change>) {
    let before = base.get_heads();
    let mut copy = base.fork();
    edit(&mut copy);
    let changes = copy.get_changes(&before);
    base.apply_changes(changes.clone())
        .expect("a copy's changes apply");
    (before, changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT};
    use std::cell::RefCell;

    /// What the grant table knows of a check-in log, for a member on its event's staff.
    fn staff_facts() -> DocFacts<'static> {
        use crate::grants::EventFacts;
        use crate::vocab::{DocKind, EventAudience};
        DocFacts {
            event: Some(EventFacts {
                public: true,
                audience: EventAudience::Everyone,
                invited: false,
                staff: true,
                proposer: false,
            }),
            ..DocFacts::of(DocKind::EventCheckins)
        }
    }

    #[test]
    fn staff_only_append_to_a_check_in_log() {
        use crate::checkin::{CheckinLog, Scan};
        use crate::vocab::Role;

        let mut doc = AutoCommit::new();
        CheckinLog::create(&mut doc).unwrap();
        let facts = staff_facts();
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
            let (before, changes) = edited(doc, edit);
            authorise(doc.document(), &before, &changes, &staff, &facts, &mut book)
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
        let (before, changes) = edited(&mut doc, |d| {
            CheckinLog::record(d, "n2", &scan).unwrap();
        });
        assert!(
            authorise(
                doc.document(),
                &before,
                &changes,
                &staff,
                &not_staff,
                &mut book
            )
            .is_err()
        );
    }

    /// A check-in log with one scan (`n1`, ticket `t1`) by one gate, and the facts of staff at
    /// its event.
    fn log_with_one_scan() -> (AutoCommit, DocFacts<'static>) {
        use crate::checkin::{CheckinLog, Scan};
        let mut doc = AutoCommit::new();
        CheckinLog::create(&mut doc).unwrap();
        doc.commit();
        let scan = Scan {
            ticket: "t1".into(),
            ..Scan::default()
        };
        CheckinLog::record(&mut doc, "n1", &scan).unwrap();
        doc.commit();
        (doc, staff_facts())
    }

    fn staff_check(
        doc: &mut AutoCommit,
        before: &[ChangeHash],
        changes: &[Change],
        facts: &DocFacts<'_>,
    ) -> Result<(), Refusal> {
        let staff = Subject {
            user: "staff",
            roles: &[crate::vocab::Role::Alumni],
        };
        authorise(
            doc.document(),
            before,
            changes,
            &staff,
            facts,
            &mut ActorBook::default(),
        )
    }

    #[test]
    fn a_second_value_at_an_existing_scan_is_refused_though_it_supersedes_nothing() {
        use crate::checkin::{CheckinLog, Scan};
        let (mut doc, facts) = log_with_one_scan();
        let created = doc.get_changes(&[])[0].hash();
        // A gate that never saw n1 writes its own n1: no predecessor, but n1 is there already,
        // and the newer value would win what the log reads.
        let mut other = doc.fork_at(&[created]).unwrap();
        other.set_actor(ActorId::from(b"another gate....".as_slice()));
        let forged = Scan {
            ticket: "t-forged".into(),
            ..Scan::default()
        };
        CheckinLog::record(&mut other, "n1", &forged).unwrap();
        let before = doc.get_heads();
        let changes = other.get_changes(&[created]);
        doc.apply_changes(changes.clone()).unwrap();
        let refused = staff_check(&mut doc, &before, &changes, &facts);
        assert!(
            matches!(&refused, Err(Refusal::OutsideGrant { path, .. }) if path == "/scans/n1"),
            "{refused:?}"
        );
    }

    #[test]
    fn nothing_is_added_or_forged_inside_an_existing_scan() {
        let (mut doc, facts) = log_with_one_scan();
        let scans = doc.get(ROOT, "scans").unwrap().unwrap().1;
        let entry = doc.get(&scans, "n1").unwrap().unwrap().1;
        // A key the scan did not have.
        let (before, changes) = edited(&mut doc, |d| d.put(&entry, "note", "x").unwrap());
        let refused = staff_check(&mut doc, &before, &changes, &facts);
        assert!(
            matches!(&refused, Err(Refusal::OutsideGrant { path, .. }) if path == "/scans/n1/note"),
            "{refused:?}"
        );
        // Its ticket rewritten with the predecessor stripped from the operation by hand.
        let (mut doc, facts) = log_with_one_scan();
        let scans = doc.get(ROOT, "scans").unwrap().unwrap().1;
        let entry = doc.get(&scans, "n1").unwrap().unwrap().1;
        let before = doc.get_heads();
        let mut copy = doc.fork();
        copy.put(&entry, "ticket", "t2").unwrap();
        let honest = copy.get_changes(&before)[0].clone();
        let mut expanded = honest.decode();
        for op in &mut expanded.operations {
            op.pred = Vec::new().into();
        }
        expanded.hash = None;
        let forged = Change::from(expanded);
        assert!(
            forged
                .decode()
                .operations
                .iter()
                .all(|op| op.pred.is_empty())
        );
        doc.apply_changes([forged.clone()]).unwrap();
        let refused = staff_check(&mut doc, &before, &[forged], &facts);
        assert!(
            matches!(&refused, Err(Refusal::OutsideGrant { path, .. }) if path == "/scans/n1/ticket"),
            "{refused:?}"
        );
    }

    #[test]
    fn gates_that_were_offline_together_each_append_their_own_scans() {
        use crate::checkin::{CheckinLog, Scan};
        let (mut doc, facts) = log_with_one_scan();
        let before = doc.get_heads();
        let mut gates = Vec::new();
        for (gate, nonces) in [
            (b"gate one........", ["a1", "a2"]),
            (b"gate two........", ["b1", "b2"]),
        ] {
            let mut phone = doc.fork();
            phone.set_actor(ActorId::from(gate.as_slice()));
            for nonce in nonces {
                let scan = Scan {
                    ticket: format!("ticket-{nonce}"),
                    ..Scan::default()
                };
                CheckinLog::record(&mut phone, nonce, &scan).unwrap();
            }
            gates.extend(phone.get_changes(&before));
        }
        doc.apply_changes(gates.clone()).unwrap();
        assert_eq!(staff_check(&mut doc, &before, &gates, &facts), Ok(()));
    }

    /// Every path the changes write, in order.
    fn paths_written(
        doc: &mut AutoCommit,
        before: &[ChangeHash],
        changes: &[Change],
    ) -> Vec<String> {
        let seen = RefCell::new(Vec::new());
        check_changes(
            doc.document(),
            before,
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
        let (before, changes) = edited(&mut doc, |d| {
            let first = d.get(&list, 0).unwrap().unwrap().1;
            d.put(&first, "role", "部長").unwrap();
            let new = d.insert_object(&list, 1, ObjType::Map).unwrap();
            d.put(&new, "department", "人事部").unwrap();
            let text = d.put_object(&new, "note", ObjType::Text).unwrap();
            d.splice_text(&text, 0, 0, "hi").unwrap();
            d.delete(ROOT, "title").unwrap();
        });
        assert_eq!(
            paths_written(&mut doc, &before, &changes),
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
        let (before, changes) = edited(&mut doc, |d| {
            d.put(ROOT, "title", "CTO").unwrap();
            d.put(ROOT, "joined", "1999-04").unwrap();
        });
        let only_title = |path: &[Seg<'_>], _| path == [Seg::Key("title")];
        let refused = check_changes(doc.document(), &before, &changes, |_| true, only_title);
        assert!(
            matches!(&refused, Err(Refusal::OutsideGrant { path, .. }) if path == "/joined"),
            "{refused:?}"
        );
    }

    #[test]
    fn an_oversized_change_is_refused() {
        let mut doc = AutoCommit::new();
        let (before, changes) = edited(&mut doc, |d| {
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
        let refused = check_changes(doc.document(), &before, &changes, |_| true, |_, _| true);
        assert!(
            matches!(refused, Err(Refusal::TooLarge { .. })),
            "{refused:?}"
        );
    }

    #[test]
    fn a_change_by_someone_elses_actor_is_refused() {
        let mut doc = AutoCommit::new();
        let theirs = ActorId::from(b"someone else's!".as_slice());
        let (before, changes) = edited(&mut doc, |d| {
            d.set_actor(theirs.clone());
            d.put(ROOT, "title", "CTO").unwrap();
        });
        let refused = check_changes(
            doc.document(),
            &before,
            &changes,
            |a| *a != theirs,
            |_, _| true,
        );
        assert!(
            matches!(&refused, Err(Refusal::ForeignActor { actor, .. }) if *actor == theirs),
            "{refused:?}"
        );
    }
}

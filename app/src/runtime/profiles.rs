//! The runtime's part for profiles and the directory: it reads every member's profile from
//! their main document and the parts this device may read, publishes the directory the screens
//! search offline, and saves the person's own profile into the part of each field's audience.
//! [`ProfileSave`] alone says whether the latest save is on this device's disk.

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};

use leptos::prelude::*;
use tsunagu_core::api::{Me, ProfilePart};
use tsunagu_core::engine::{Effect, Engine};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::profile::{Profile, Visibility};
use tsunagu_core::search::haystack;
use tsunagu_core::vocab::Audience;

use super::{Runtime, log};
use crate::state::{Entry, SaveState};
use crate::store::queue::FlushOutcome;

impl Runtime {
    /// The signed-in person's own profile (all its parts), once it is on this device.
    pub fn my_profile(&self) -> Option<Profile> {
        let me = self.signals.me.get_untracked()?;
        let parts = PartIndex::new(&me);
        read_member(
            &self.docs.engine(),
            parts.of(me.profile_doc),
            me.profile_doc,
        )?
        .ok()
    }

    /// Whom the person shows each field to, as chosen in their private part.
    pub fn my_visibility(&self) -> Visibility {
        let engine = self.docs.engine();
        self.signals
            .me
            .with_untracked(|me| me.as_ref().and_then(|me| own_part(me, Audience::OnlyMe)))
            .and_then(|doc| engine.doc(&doc).map(Visibility::read))
            .unwrap_or_default()
    }

    /// The person is editing their profile: it shows as saving until the form's save lands.
    pub fn profile_edited(&self) {
        self.save.edited();
    }

    /// Saves the person's profile and visibility choices: each field into the part of its
    /// audience, one change per part that differs (only differing fields are written).
    pub fn save_profile(&self, profile: &Profile, visibility: &Visibility) {
        if let Some(effects) = self.stage_profile(profile, visibility) {
            self.perform(effects);
        }
    }

    /// The organisation's defaults changed: fields the person never chose for move to the part
    /// of their new audience. The changes come back as effects for the running
    /// [`Runtime::perform`] to carry out, instead of a save from inside it.
    pub(super) fn regroup_profile(&self) -> Option<Vec<Effect>> {
        let profile = self.my_profile()?;
        self.stage_profile(&profile, &self.my_visibility())
    }

    /// Makes the changes that save `profile`, and tells [`ProfileSave`] how that went; `None`
    /// when nothing differed or the save failed.
    fn stage_profile(&self, profile: &Profile, visibility: &Visibility) -> Option<Vec<Effect>> {
        let me = self.signals.me.get_untracked()?;
        let defaults = self.default_visibility();
        let mut effects = Vec::new();
        for audience in Audience::ALL {
            let Some(doc) = own_part(&me, audience) else {
                continue;
            };
            if !self.docs.engine().has_doc(&doc) {
                // Not on this device yet (a first sync still running): saved with the next edit.
                continue;
            }
            let staged = self.docs.change(doc, |tx| {
                profile.write_part(audience, visibility, &defaults, tx)?;
                if audience == Audience::OnlyMe {
                    visibility.write_to(tx)?;
                }
                Ok::<_, tsunagu_core::profile::ProfileError>(())
            });
            match staged {
                Ok(more) => effects.extend(more),
                Err(e) => {
                    log(&format!("saving the profile failed: {e}"));
                    self.save.failed();
                    // What the parts before took is in the engine: keep it on disk too.
                    self.perform(effects);
                    return None;
                }
            }
        }
        if effects.is_empty() {
            self.save.unchanged();
            return None;
        }
        self.save.staged(self.docs.queue().is_some());
        Some(effects)
    }

    /// Reads again the profiles that `docs` (main documents or parts) belong to.
    pub(super) fn refresh_profiles(&self, docs: Vec<DocumentId>) {
        let Some(me) = self.signals.me.get_untracked() else {
            return;
        };
        // One pass over the parts, not one per document: a first sync changes thousands.
        let parts = PartIndex::new(&me);
        // Only members' profiles: other documents may pass by before the features, which read
        // theirs, are on the device.
        let members: BTreeSet<DocumentId> = members(&me).collect();
        let mains: BTreeSet<DocumentId> = docs
            .iter()
            .map(|doc| parts.profile_of(*doc))
            .filter(|doc| members.contains(doc))
            .collect();
        {
            let engine = self.docs.engine();
            let mut profiles = self.profiles.borrow_mut();
            for doc in mains {
                match read_member(&engine, parts.of(doc), doc) {
                    Some(Ok(profile)) => {
                        let hay = haystack(&profile);
                        profiles.insert(doc, (profile, hay));
                    }
                    Some(Err(e)) => log(&format!("{doc} is not a readable profile: {e}")),
                    None => {
                        profiles.remove(&doc);
                    }
                }
            }
        }
        self.publish_directory();
    }

    fn publish_directory(&self) {
        let Some(me) = self.signals.me.get_untracked() else {
            return;
        };
        let profiles = self.profiles.borrow();
        let mut seen = BTreeSet::new();
        let entries: Vec<Entry> = members(&me)
            .filter(|d| seen.insert(*d))
            .filter_map(|d| profiles.get(&d).map(|(p, h)| (d, p.clone(), h.clone())))
            .collect();
        self.signals.directory.set(entries);
    }
}

/// The person's own document for `audience`'s fields.
fn own_part(me: &Me, audience: Audience) -> Option<DocumentId> {
    if audience == Audience::Everyone {
        return Some(me.profile_doc);
    }
    me.parts
        .iter()
        .find(|p| p.profile == me.profile_doc && p.audience == audience)
        .map(|p| p.doc)
}

/// Which profile each readable part belongs with, and each profile's parts in audience order.
/// The main profile documents of the directory's members and of the person.
pub(super) fn members(me: &Me) -> impl Iterator<Item = DocumentId> + '_ {
    me.directory.iter().copied().chain([me.profile_doc])
}

struct PartIndex<'a> {
    profile_of: HashMap<DocumentId, DocumentId>,
    parts_of: HashMap<DocumentId, Vec<&'a ProfilePart>>,
}

impl<'a> PartIndex<'a> {
    fn new(me: &'a Me) -> Self {
        let mut parts_of: HashMap<DocumentId, Vec<&ProfilePart>> = HashMap::new();
        for part in &me.parts {
            parts_of.entry(part.profile).or_default().push(part);
        }
        for parts in parts_of.values_mut() {
            parts.sort_by_key(|p| p.audience);
        }
        Self {
            profile_of: me.parts.iter().map(|p| (p.doc, p.profile)).collect(),
            parts_of,
        }
    }

    /// The main profile document `doc` belongs with (itself, for a main document).
    fn profile_of(&self, doc: DocumentId) -> DocumentId {
        self.profile_of.get(&doc).copied().unwrap_or(doc)
    }

    /// The parts of the profile `main`, in audience order.
    fn of(&self, main: DocumentId) -> &[&'a ProfilePart] {
        self.parts_of.get(&main).map_or(&[], Vec::as_slice)
    }
}

/// A member's profile from the main document `main` and whichever of its `parts` this device
/// holds; `None` while the main document has not arrived.
fn read_member(
    engine: &Engine,
    parts: &[&ProfilePart],
    main: DocumentId,
) -> Option<Result<Profile, tsunagu_core::profile::ProfileError>> {
    let first = super::documents::arrived(engine, &main)?;
    let docs = std::iter::once(first).chain(
        parts
            .iter()
            .filter_map(|p| super::documents::arrived(engine, &p.doc)),
    );
    Some(Profile::read_parts(docs))
}

/// The save state of the person's profile edits ([`Signals::save`](crate::state::Signals::save)):
/// whether the last save changed anything, failed, or waits for the disk. The write queue's
/// flushes report here too, and only a flush after a profile change may say "saved".
#[derive(Debug)]
pub(super) struct ProfileSave {
    state: RwSignal<SaveState>,
    /// A saved profile change is queued but not yet on disk.
    unflushed: Cell<bool>,
}

impl ProfileSave {
    pub(super) fn new(state: RwSignal<SaveState>) -> Self {
        Self {
            state,
            unflushed: Cell::new(false),
        }
    }

    /// The person changed something the form will save after a typing pause.
    fn edited(&self) {
        self.state.set(SaveState::Saving);
    }

    /// Nothing differed: what is on disk (or about to be) is already this.
    fn unchanged(&self) {
        if !self.unflushed.get() {
            self.state.set(SaveState::Saved);
        }
    }

    /// The change was made; with no disk to wait for, it lives only in memory.
    fn staged(&self, durable: bool) {
        self.unflushed.set(durable);
        if !durable {
            self.state.set(SaveState::Failed);
        }
    }

    fn failed(&self) {
        self.state.set(SaveState::Failed);
    }

    /// A flush of the write queue ended; other writes (sync states, settings) flushing while
    /// no profile change waits say nothing about the profile.
    pub(super) fn flushed(&self, outcome: &FlushOutcome) {
        match outcome {
            FlushOutcome::Saved => {
                if self.unflushed.replace(false) {
                    self.state.set(SaveState::Saved);
                }
            }
            FlushOutcome::Failed(_) => {
                if self.unflushed.get() {
                    self.state.set(SaveState::Failed);
                }
            }
        }
    }
}

//! The reactive state every screen reads: plain `Copy` signals, written only by the runtime.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use tsunagu_core::api::Me;
use tsunagu_core::checkin::CheckinLog;
use tsunagu_core::event::{Event, Going, Passes, Roster, Rsvps, SeatCount};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::pass::PassAuthority;
use tsunagu_core::profile::Profile;

/// Where the app is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Opening device storage and loading documents.
    Starting,
    /// Nobody is signed in on this device.
    SignedOut,
    SignedIn,
}

/// The WebSocket to the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Offline,
    /// Connected and handshaking.
    Connecting,
    Online,
}

/// What the sync indicator shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStatus {
    Online,
    Offline,
    Syncing,
    /// The relay answers but the session ended: only signing in again resumes syncing (the
    /// data and unsent changes stay on the device meanwhile). Not "offline", which it is not.
    SignInAgain,
}

impl SyncStatus {
    /// The `data-state` value the e2e tests read.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Online => "online",
            SyncStatus::Offline => "offline",
            SyncStatus::Syncing => "syncing",
            SyncStatus::SignInAgain => "sign-in-again",
        }
    }
}

/// Whether device storage keeps up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageHealth {
    Ok,
    /// The disk is full: writes wait in memory and are retried.
    Full,
    /// IndexedDB cannot be used at all (private mode, policy).
    Unavailable,
}

/// The profile editor's save state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveState {
    /// Nothing edited in this visit.
    Idle,
    /// Edited; the debounced save has not run or not reached the disk yet.
    Saving,
    /// On this device's disk.
    Saved,
    /// The disk refused; the edit is kept in memory.
    Failed,
}

/// One directory entry: document, profile, and the folded text it is searched by.
pub type Entry = (DocumentId, Profile, String);

/// One event on this device, as its document says, with its roster and check-in log where the
/// person may read them (staff and admins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventEntry {
    pub doc: DocumentId,
    pub event: Event,
    pub roster: Option<DocumentId>,
    pub checkins: Option<DocumentId>,
    /// How many seats are taken and wait, if the relay published it in the event document.
    pub seats: Option<SeatCount>,
    /// Who is going, by name, as far as they chose to be listed (the relay publishes it).
    pub going: Going,
}

#[derive(Debug, Clone, Copy)]
pub struct Signals {
    pub phase: RwSignal<Phase>,
    pub me: RwSignal<Option<Me>>,
    /// The relay said the session expired: ask to sign in again, keep everything local.
    pub session_expired: RwSignal<bool>,
    pub link: RwSignal<Link>,
    /// Sync traffic in the last moment.
    pub busy: RwSignal<bool>,
    /// Local changes the relay has not acknowledged.
    pub pending: RwSignal<usize>,
    /// Bumped whenever any document changes, so views re-read.
    pub docs_version: RwSignal<u64>,
    /// Every readable profile that has content, searchable offline.
    pub directory: RwSignal<Vec<Entry>>,
    pub storage: RwSignal<StorageHealth>,
    pub save: RwSignal<SaveState>,
    /// The service worker has a new shell waiting.
    pub update_available: RwSignal<bool>,
    /// The relay refused a change (its reason); the document was put back as the relay has it.
    pub refused: RwSignal<Option<String>>,
    /// Every readable event that has arrived, soonest first.
    pub events: RwSignal<Vec<EventEntry>>,
    /// The person's answers to events (their own document).
    pub rsvps: RwSignal<Rsvps>,
    /// The relay's decisions for the person: seats, tickets, the alumni ID card.
    pub passes: RwSignal<Passes>,
    /// Rosters of the events the person works at or administers, by event document.
    pub rosters: RwSignal<BTreeMap<DocumentId, Roster>>,
    /// Check-in logs of those events, by event document.
    pub checkins: RwSignal<BTreeMap<DocumentId, CheckinLog>>,
    /// Each event as the person last saw it, by event document (kept on the device).
    pub seen_events: RwSignal<BTreeMap<DocumentId, Event>>,
    /// The seat status the person last saw for each event, by event document id: a promotion
    /// from the waiting list stays news until they are told ([`crate::agenda::note_seats`]).
    pub seen_seats: RwSignal<crate::agenda::SeenSeats>,
    /// The events that were in the person's list when they last looked at it (new ones are
    /// counted on the events tab).
    pub known_events: RwSignal<BTreeSet<DocumentId>>,
    /// Venue codes for self check-in fetched on this device, by event document.
    pub venue_codes: RwSignal<BTreeMap<DocumentId, String>>,
    /// What the organisation's document says about passes: the keys they may be signed with,
    /// and whose ID cards are revoked (empty until that document is on the device).
    pub pass_authority: RwSignal<PassAuthority>,
    /// Every conversation on the device, the most recently active first.
    pub conversations: RwSignal<Vec<crate::runtime::ConversationEntry>>,
    /// Who is typing in each conversation, with until when it shows (ms), from ephemeral
    /// messages (never stored).
    pub typing: RwSignal<BTreeMap<DocumentId, BTreeMap<String, i64>>>,
    /// Every news post the person may read that has arrived, in the feed's order (admins hold
    /// drafts and scheduled posts too).
    pub news: RwSignal<Vec<crate::runtime::NewsEntry>>,
    /// The posts the person opened on this device.
    pub seen_news: RwSignal<BTreeSet<DocumentId>>,
    /// The person's applications for job openings, and where each stands.
    pub applications: RwSignal<tsunagu_core::job_application::JobApplications>,
    /// For those who post openings: what recruiters noted about each opening's applicants, by
    /// opening.
    pub job_notes: RwSignal<BTreeMap<DocumentId, tsunagu_core::job_application::JobNotes>>,
}

impl Signals {
    pub fn new() -> Self {
        Self {
            phase: RwSignal::new(Phase::Starting),
            me: RwSignal::new(None),
            session_expired: RwSignal::new(false),
            link: RwSignal::new(Link::Offline),
            busy: RwSignal::new(false),
            pending: RwSignal::new(0),
            docs_version: RwSignal::new(0),
            directory: RwSignal::new(Vec::new()),
            storage: RwSignal::new(StorageHealth::Ok),
            save: RwSignal::new(SaveState::Idle),
            update_available: RwSignal::new(false),
            refused: RwSignal::new(None),
            events: RwSignal::new(Vec::new()),
            rsvps: RwSignal::new(Rsvps::default()),
            passes: RwSignal::new(Passes::default()),
            rosters: RwSignal::new(BTreeMap::new()),
            checkins: RwSignal::new(BTreeMap::new()),
            seen_events: RwSignal::new(BTreeMap::new()),
            seen_seats: RwSignal::new(BTreeMap::new()),
            known_events: RwSignal::new(BTreeSet::new()),
            venue_codes: RwSignal::new(BTreeMap::new()),
            pass_authority: RwSignal::new(PassAuthority::default()),
            conversations: RwSignal::new(Vec::new()),
            typing: RwSignal::new(BTreeMap::new()),
            news: RwSignal::new(Vec::new()),
            seen_news: RwSignal::new(BTreeSet::new()),
            applications: RwSignal::new(Default::default()),
            job_notes: RwSignal::new(BTreeMap::new()),
        }
    }

    /// Online, offline, or syncing (connected and either sending or owing changes).
    pub fn sync_status(&self) -> SyncStatus {
        if self.session_expired.get() {
            return SyncStatus::SignInAgain;
        }
        match self.link.get() {
            Link::Online if self.busy.get() || self.pending.get() > 0 => SyncStatus::Syncing,
            Link::Online => SyncStatus::Online,
            Link::Connecting => SyncStatus::Syncing,
            Link::Offline => SyncStatus::Offline,
        }
    }
}

impl Default for Signals {
    fn default() -> Self {
        Self::new()
    }
}

//! Signing in, and what the relay tells a signed-in member about themselves: [`Me`], the
//! documents they may read and write.

use serde::{Deserialize, Serialize};

use super::EventRef;
use crate::ids::{DocumentId, StorageId};
use crate::vocab::{Audience, Role};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tsunagu_session";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// `PUT /api/me/password`: a new password, within a few minutes of signing in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePassword {
    pub new_password: String,
}

/// Who is signed in, and which documents they may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub organisation: String,
    /// Their own profile document, which they may edit.
    pub profile_doc: DocumentId,
    /// Every profile document they may read (their own included).
    pub directory: Vec<DocumentId>,
    /// The organisation's own document (its names), which every member reads and admins edit.
    #[serde(default)]
    pub organisation_doc: Option<DocumentId>,
    /// Every other part of a profile they may read (their own four included): fields whose
    /// owner shows them to alumni and employees, to admins, or to no one else.
    #[serde(default)]
    pub parts: Vec<ProfilePart>,
    /// They hid from the directory: only admins see their profile.
    #[serde(default)]
    pub hidden_from_directory: bool,
    /// The relay's storage id: sync states for the relay are saved under it.
    pub relay_storage: StorageId,
    /// Every event they may read, with its roster and check-in log where they may read those.
    #[serde(default)]
    pub events: Vec<EventRef>,
    /// Their answers to events ([`crate::event::Rsvps`]), which they write.
    #[serde(default)]
    pub rsvps_doc: Option<DocumentId>,
    /// Their seats, tickets and ID card ([`crate::event::Passes`]), which only the relay writes.
    #[serde(default)]
    pub passes_doc: Option<DocumentId>,
    /// The organisation's public key for tickets and ID cards ([`crate::pass`]), so any device
    /// verifies them offline.
    #[serde(default)]
    pub pass_key: String,
    /// The conversations they are in ([`crate::conversation::Inbox`]), which only the relay
    /// writes.
    #[serde(default)]
    pub inbox_doc: Option<DocumentId>,
    /// Members they blocked: no new conversation with them, and their messages are not shown.
    #[serde(default)]
    pub blocked: Vec<String>,
    /// The news posts they may read now, pinned first, then the newest (admins: every post,
    /// drafts included).
    #[serde(default)]
    pub news: Vec<super::NewsRef>,
    /// Their applications for job openings ([`crate::job_application::JobApplications`]): they
    /// append theirs; where each stands only the relay writes.
    #[serde(default)]
    pub applications_doc: Option<DocumentId>,
}

/// One part of a member's profile (see [`crate::vocab::DocKind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfilePart {
    /// The member's main profile document, which the part belongs with.
    pub profile: DocumentId,
    pub audience: Audience,
    pub doc: DocumentId,
}

/// `PUT /api/me/directory`: hide from the directory, or be listed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryListing {
    pub hidden: bool,
}

/// The shortest password a new member may choose, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;

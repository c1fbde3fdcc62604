//! The words every layer of tsunagu shares: who someone is ([`Role`]), which kinds of document
//! exist ([`DocKind`]), whom a profile field or an event is for ([`Audience`],
//! [`EventAudience`]) and which fields a profile has ([`Field`] and the key lists beside it).
//!
//! This is the bottom of the crate: it imports nothing else from it, so the grant table
//! ([`crate::grants`]), the document schemas ([`crate::profile`], [`crate::event`]) and the
//! relay's JSON API ([`crate::api`]) all build on it without depending on one another.
//!
//! ```
//! use tsunagu_core::vocab::{Audience, DocKind, EventAudience, Role};
//!
//! assert_eq!(Role::from_key("event-staff"), Some(Role::EventStaff));
//! assert_eq!(Audience::Admins.doc_kind(), DocKind::ProfileAdmins);
//! assert!(EventAudience::Alumni.includes(&[Role::Alumni], false));
//! ```

mod audience;
mod doc_kind;
mod event_audience;
mod profile_field;
mod role;

pub use audience::Audience;
pub use doc_kind::DocKind;
pub use event_audience::EventAudience;
pub use profile_field::{Field, HR_KEYS, NAME_KEYS, OWNER_KEY, VISIBILITY_KEY};
pub use role::{
    JOB_WRITERS, NEWS_WRITERS, POST_WRITERS, Role, writes_jobs, writes_news, writes_posts,
};

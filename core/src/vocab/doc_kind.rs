//! The kinds of document the relay stores; the grant table ([`crate::grants`]) has rules for each.

/// The kinds of document the relay stores.
///
/// A member's profile is split by audience (docs/design.md §4): fields the owner shows to
/// everyone in the network live in `Profile`, the others in the part for their audience, so a
/// field never reaches a device whose member may not read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    /// One member's profile: what everyone in the network sees.
    Profile,
    /// Fields of a profile that only alumni and employees see.
    ProfileMembers,
    /// Fields of a profile that only admins (and the owner) see.
    ProfileAdmins,
    /// Fields only the owner sees, and their visibility choices.
    ProfilePrivate,
    /// The organisation's own settings (its name, default field visibility), one per
    /// deployment.
    Organisation,
    /// One event ([`crate::event::Event`]).
    Event,
    /// An event's attendees and revoked tickets, for its staff; only the relay writes it.
    EventRoster,
    /// An event's check-in log ([`crate::checkin`]), which its staff append to.
    EventCheckins,
    /// A member's answers to events.
    Rsvps,
    /// A member's seats, tickets and alumni ID card; only the relay writes it.
    Passes,
    /// A conversation: who is in it, its name and its pages of messages
    /// ([`crate::conversation`]); only the relay writes it.
    Conversation,
    /// One page of a conversation's messages, which its members append to, each under their own
    /// key (docs/design.md §7).
    MessagePage,
    /// The conversations a member is in ([`crate::conversation::Inbox`]); only the relay writes
    /// it, so a new conversation reaches their phones as any other change does.
    Inbox,
    /// One post of company news ([`crate::news::NewsPost`]): admins write it, the members in
    /// its segment read it once it is out.
    NewsPost,
    /// What the readers of a post say to it ([`crate::news::Responses`]): いいね and comments,
    /// each reader under their own key; read and written by the post's readers while it is out.
    NewsResponses,
    /// A job opening: a post ([`crate::news::NewsPost`]) with its particulars
    /// ([`crate::news::Opening`]); admins and recruiters write it, the members in its segment
    /// read it once it is out, like news.
    JobPost,
    /// A member's applications for job openings ([`crate::job_application::JobApplications`]): they
    /// append their own; only the relay writes where each stands; recruiters read them through
    /// the relay, never on their devices.
    JobApplications,
    /// What recruiters note about the applicants for one opening (notes, ratings): admins and
    /// recruiters read and write it; no applicant ever receives it.
    JobNotes,
}

impl DocKind {
    pub const ALL: [DocKind; 18] = [
        DocKind::Profile,
        DocKind::ProfileMembers,
        DocKind::ProfileAdmins,
        DocKind::ProfilePrivate,
        DocKind::Organisation,
        DocKind::Event,
        DocKind::EventRoster,
        DocKind::EventCheckins,
        DocKind::Rsvps,
        DocKind::Passes,
        DocKind::Conversation,
        DocKind::MessagePage,
        DocKind::Inbox,
        DocKind::NewsPost,
        DocKind::NewsResponses,
        DocKind::JobPost,
        DocKind::JobApplications,
        DocKind::JobNotes,
    ];

    /// The stable name stored by the relay.
    pub fn key(self) -> &'static str {
        match self {
            DocKind::Profile => "profile",
            DocKind::ProfileMembers => "profile-members",
            DocKind::ProfileAdmins => "profile-admins",
            DocKind::ProfilePrivate => "profile-private",
            DocKind::Organisation => "organisation",
            DocKind::Event => "event",
            DocKind::EventRoster => "event-roster",
            DocKind::EventCheckins => "event-checkins",
            DocKind::Rsvps => "rsvps",
            DocKind::Passes => "passes",
            DocKind::Conversation => "conversation",
            DocKind::MessagePage => "message-page",
            DocKind::Inbox => "inbox",
            DocKind::NewsPost => "news-post",
            DocKind::NewsResponses => "news-responses",
            DocKind::JobPost => "job-post",
            DocKind::JobApplications => "job-applications",
            DocKind::JobNotes => "job-notes",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_stored_names() {
        for kind in DocKind::ALL {
            assert_eq!(DocKind::from_key(kind.key()), Some(kind));
        }
        assert_eq!(DocKind::from_key("teleporter"), None);
    }
}

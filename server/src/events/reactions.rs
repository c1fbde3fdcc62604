//! Events through the relay's seam ([`crate::reactions`]): what an accepted change to an event
//! or an RSVP document means ([`Events`]), and what HTTP calls ask the relay to write for events
//! (the [`crate::reactions::Job`]s below). The work itself is [`super::seating`]'s.

use futures_util::future::BoxFuture;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::vocab::DocKind;

use super::{passes, seating};
use crate::db::DocumentRecord;
use crate::error::Error;
use crate::reactions::{Job, Reactions};
use crate::scribe::Scribe;

/// Events' reactions: an admin's edit of an event, a member's answers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Events;

impl Reactions for Events {
    fn reacts_to(&self, record: &DocumentRecord) -> bool {
        match DocKind::from_key(&record.kind) {
            Some(DocKind::Event) => true,
            Some(DocKind::Rsvps) => record.owner.is_some(),
            _ => false,
        }
    }

    fn changed<'a>(
        &'a self,
        s: &'a mut Scribe<'_>,
        doc: DocumentId,
        record: &'a DocumentRecord,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            match (DocKind::from_key(&record.kind), record.owner.as_deref()) {
                (Some(DocKind::Event), _) => seating::event_changed(s, &doc).await,
                (Some(DocKind::Rsvps), Some(owner)) => {
                    seating::answers_changed(s, &doc, owner).await
                }
                _ => Ok(()),
            }
        })
    }

    fn settle<'a>(&'a self, s: &'a mut Scribe<'_>) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(seating::settle(s))
    }
}

/// Sign this member's alumni ID card again ([`passes::issue_card`]).
#[derive(Debug)]
pub(crate) struct IssueCard<'a>(pub(crate) &'a str);

impl Job for IssueCard<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        passes::issue_card(s, self.0).await
    }
}

/// This member's account was deleted: their seats go to the next in line, and they leave every
/// roster ([`seating::member_left`]).
#[derive(Debug)]
pub(crate) struct MemberLeft<'a>(pub(crate) &'a str);

impl Job for MemberLeft<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        seating::member_left(s, self.0).await
    }
}

/// An admin (`by`) set (or cleared) the link to join online event `event`: stored, and given to
/// its confirmed attendees' passes ([`seating::join_url_changed`]).
#[derive(Debug)]
pub(crate) struct SetJoinUrl<'a> {
    pub(crate) event: DocumentId,
    pub(crate) url: &'a str,
    pub(crate) by: &'a str,
}

impl Job for SetJoinUrl<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        seating::join_url_changed(s, &self.event, self.url, self.by).await
    }
}

/// Staff or an admin (`by`) gives up `user`'s seat for `event` ([`seating::release`]).
#[derive(Debug)]
pub(crate) struct ReleaseSeat<'a> {
    pub(crate) event: DocumentId,
    pub(crate) user: &'a str,
    pub(crate) by: &'a str,
}

impl Job for ReleaseSeat<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        seating::release(s, &self.event, self.user, self.by).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: DocKind, owner: Option<&str>) -> DocumentRecord {
        DocumentRecord {
            kind: kind.key().into(),
            owner: owner.map(str::to_owned),
            owner_listed: true,
            event: None,
            conversation: None,
            news: None,
        }
    }

    #[test]
    fn events_react_to_event_edits_and_members_answers_only() {
        assert!(Events.reacts_to(&record(DocKind::Event, None)));
        assert!(Events.reacts_to(&record(DocKind::Rsvps, Some("u1"))));
        // An RSVP document always has an owner; one without answers for no one.
        assert!(!Events.reacts_to(&record(DocKind::Rsvps, None)));
        for kind in [
            DocKind::Profile,
            DocKind::Passes,
            DocKind::EventRoster,
            DocKind::EventCheckins,
        ] {
            assert!(!Events.reacts_to(&record(kind, Some("u1"))), "{kind:?}");
        }
    }
}

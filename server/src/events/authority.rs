//! What the organisation document says about passes ([`PassAuthority`]), written by the relay
//! as itself so that every phone learns it with the rest of the document and judges offline: the
//! public keys passes may still be signed with, and whose ID cards are revoked.

use tsunagu_core::event::DocError;
use tsunagu_core::pass::PassAuthority;

use super::{passes, seating, store};
use crate::db;
use crate::error::Error;
use crate::reactions::Job;
use crate::scribe::Scribe;

/// Tickets of events that ended longer ago than this are not signed again on a rotation.
const ENDED_GRACE_SECS: i64 = 12 * 3600;

/// A change to what the organisation document says about passes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Change<'a> {
    /// The current key is listed (a first start, a key set anew in the environment).
    Publish,
    /// `user`'s ID cards issued before now are revoked (suspended, deleted, a phone lost); a
    /// member still active gets a new card at once.
    RevokeCards(&'a str),
    /// A new key signs from now on: it is listed, and every live ticket and ID card is signed
    /// again with it, so the old key can be retired once phones have synced.
    Rotated,
    /// Passes this key id signed stop being valid (never the current key's).
    Retire(&'a str),
}

impl Job for Change<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        apply(s, self).await
    }
}

/// Applies `change` in the scribe's transaction.
async fn apply(s: &mut Scribe<'_>, change: Change<'_>) -> Result<(), Error> {
    // Before the first-run setup there is no organisation, nor anything signed.
    let Some(org) = db::organisation_doc(s.conn()).await? else {
        return Ok(());
    };
    let current = s.key().verifying_key();
    let before = s.read(&org, PassAuthority::read).await?;
    let mut after = before.clone();
    after.keys.insert(current.id(), current.to_string());
    match change {
        Change::Publish | Change::Rotated => {}
        Change::RevokeCards(user) => {
            after.revoked_cards.insert(user.to_owned(), s.now());
        }
        Change::Retire(id) if id != current.id() => {
            after.keys.remove(id);
        }
        Change::Retire(_) => {
            return Err(Error::Config("the current key cannot be retired".into()));
        }
    }
    if after != before {
        s.edit(org, |tx| after.write_to(tx).map_err(DocError::from))
            .await?;
    }
    match change {
        Change::RevokeCards(user)
            if crate::joining::store::user_status(s.conn(), user)
                .await?
                .as_deref()
                == Some("active") =>
        {
            passes::issue_card(s, user).await?;
        }
        Change::Rotated => {
            let now = s.now();
            for row in store::all_events(s.conn()).await? {
                if row.event.ends_at > now - ENDED_GRACE_SECS {
                    seating::resign_tickets(s, &row, &[]).await?;
                }
            }
            for user in store::active_members_with_passes(s.conn()).await? {
                passes::issue_card(s, &user).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

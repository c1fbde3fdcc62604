//! What the relay writes into a member's passes document, which only it writes: the seat it
//! shows for each event (status, place, signed ticket, join link, arrival) and the member's
//! signed alumni ID card. [`super::seating`] decides the seats, [`super::arrivals`] the arrivals;
//! both show their decisions here.

use tsunagu_core::event::{Passes, Seat};
use tsunagu_core::ids::{DocumentId, random_bytes};
use tsunagu_core::pass::{Card, PassAuthority, PassBody};
use tsunagu_core::profile::Profile;
use tsunagu_core::vocab::DocKind;
use tsunagu_core::vocab::Role;

use crate::db;
use crate::error::Error;
use crate::scribe::Scribe;

/// An ID card is signed for a year, and signed again when older than a day.
pub(crate) const CARD_VALID_SECS: i64 = 365 * 86_400;
pub(crate) const CARD_REFRESH_SECS: i64 = 86_400;

/// Puts `seat` for `event` in `user`'s passes document.
pub(super) async fn write_seat(
    s: &mut Scribe<'_>,
    user: &str,
    event: &DocumentId,
    seat: Seat,
) -> Result<(), Error> {
    let Some(passes) = db::member_doc(s.conn(), user, DocKind::Passes).await? else {
        // Their account was deleted, documents and all.
        tracing::debug!(%user, "a member without a passes document");
        return Ok(());
    };
    s.edit(passes, |tx| {
        let mut all = Passes::read(&*tx)?;
        all.events.insert(event.to_string(), seat);
        all.write_to(tx)
    })
    .await
}

/// Changes the seat `user`'s passes document shows for `event`, if it shows one and `edit`
/// changes it.
pub(super) async fn edit_seat(
    s: &mut Scribe<'_>,
    user: &str,
    event: &DocumentId,
    edit: impl FnOnce(&mut Seat),
) -> Result<(), Error> {
    let Some(passes) = db::member_doc(s.conn(), user, DocKind::Passes).await? else {
        return Ok(());
    };
    let key = event.to_string();
    let shown = s
        .read(&passes, |d| {
            Passes::read(d).map(|p| p.events.get(&key).cloned())
        })
        .await?;
    let Ok(Some(mut seat)) = shown else {
        return Ok(());
    };
    let before = seat.clone();
    edit(&mut seat);
    if seat == before {
        return Ok(());
    }
    s.edit(passes, |tx| {
        let mut all = Passes::read(&*tx)?;
        all.events.insert(key, seat);
        all.write_to(tx)
    })
    .await
}

/// Signs `user`'s alumni ID card (the name HR or an admin confirmed, years from their profile —
/// HR's, which only admins correct —, membership from their roles), good for a year, into their
/// passes document.
pub(crate) async fn issue_card(s: &mut Scribe<'_>, user: &str) -> Result<(), Error> {
    let Some(passes) = db::member_doc(s.conn(), user, DocKind::Passes).await? else {
        return Ok(());
    };
    let profile = match db::member_doc(s.conn(), user, DocKind::Profile).await? {
        Some(doc) => {
            s.read(&doc, |d| Profile::read(d).unwrap_or_default())
                .await?
        }
        None => Profile::default(),
    };
    let roles = db::roles(s.conn(), user).await?;
    let name = db::confirmed_name(s.conn(), user).await?;
    // Good from the second after any revocation of their cards, which covers its own second.
    let revoked_until = match db::organisation_doc(s.conn()).await? {
        Some(org) => {
            s.read(&org, |d| {
                PassAuthority::read(d).revoked_cards.get(user).copied()
            })
            .await?
        }
        None => None,
    };
    let not_before = revoked_until.map_or(s.now(), |until| s.now().max(until + 1));
    let card = Card {
        id: pass_id(),
        member: user.to_owned(),
        name,
        joined: profile.joined.clone(),
        left: profile.left.clone(),
        status: membership(&roles).to_owned(),
        not_before,
        not_after: not_before + CARD_VALID_SECS,
    };
    let text = match s.key().sign(&PassBody::Card(card)) {
        Ok(text) => text,
        Err(e) => {
            tracing::warn!(%user, error = %e, "could not sign an ID card");
            return Ok(());
        }
    };
    s.edit(passes, |tx| {
        let mut all = Passes::read(&*tx)?;
        all.card = text;
        all.write_to(tx)
    })
    .await
}

/// The membership an ID card states: alumni first, as that is what the card is for.
pub(crate) fn membership(roles: &[Role]) -> &'static str {
    [Role::Alumni, Role::Employee, Role::EventStaff, Role::Admin]
        .into_iter()
        .find(|r| roles.contains(r))
        .map_or("member", Role::key)
}

/// A new random id for a ticket or an ID card.
pub(super) fn pass_id() -> String {
    random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_states_alumni_before_other_roles() {
        assert_eq!(membership(&[Role::Admin, Role::Alumni]), "alumni");
        assert_eq!(membership(&[Role::Employee]), "employee");
        assert_eq!(membership(&[]), "member");
    }
}

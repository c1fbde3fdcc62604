//! The runtime's part for the organisation's document, which every member syncs and admins
//! edit: its default field visibility, and what the relay writes there about passes (the keys
//! tickets, ID cards and venue codes may be signed with, and whose ID cards are revoked), read
//! into [`Signals::pass_authority`](crate::state::Signals::pass_authority) whenever it changes so
//! every screen judges passes offline against the same list.

use leptos::prelude::*;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::pass::PassAuthority;
use tsunagu_core::profile::Visibility;

use super::Runtime;
use crate::error::AppError;

impl Runtime {
    fn organisation_doc(&self) -> Option<DocumentId> {
        self.signals
            .me
            .with_untracked(|me| me.as_ref().and_then(|me| me.organisation_doc))
    }

    /// Publishes the document's `passes` entry, if it differs from what screens have.
    pub(super) fn read_pass_authority(&self) {
        let authority = self
            .organisation_doc()
            .and_then(|doc| self.docs.engine().doc(&doc).map(PassAuthority::read))
            .unwrap_or_default();
        if self
            .signals
            .pass_authority
            .with_untracked(|held| *held != authority)
        {
            self.signals.pass_authority.set(authority);
        }
    }

    /// The organisation's default visibility, for fields the person never chose for.
    pub fn default_visibility(&self) -> Visibility {
        self.organisation_doc()
            .and_then(|doc| self.docs.engine().doc(&doc).map(Visibility::read))
            .unwrap_or_default()
    }

    /// Sets the organisation's default visibility (admins only; the relay refuses anyone else).
    pub fn save_default_visibility(&self, defaults: &Visibility) -> Result<(), AppError> {
        let doc = self.organisation_doc().ok_or(AppError::Offline)?;
        self.commit(doc, |tx| defaults.write_to(tx))
    }
}

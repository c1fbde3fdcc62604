//! Members' years with the company as their main profile documents hold them, for the Members
//! screen's 在籍期間 of members HR never imported (the demo company, an application approved
//! without a match, years an admin wrote into a profile). HR's record wins where there is one.
//!
//! Reading a profile means loading its Automerge chunks: about 0.3 ms a document (the demo's
//! 63 took 25 ms in a debug build, 14 ms in a release one, against 4 and 2 ms for the whole
//! list once they are remembered — `the_members_screen_shows_the_years_profiles_hold_when_hr_
//! has_none` prints both). Loading every member's on each call would cost a second or more for
//! a network of thousands, so [`ProfileYears`]
//! remembers each document's years with the `seq` of its newest chunk: a call asks SQLite for
//! every profile's newest `seq` (one query over the `chunks_by_document` index) and loads only
//! the documents that changed since — on a quiet network, none. The memory is a few short
//! strings per member.

use std::collections::HashMap;
use std::sync::Mutex;

use sqlx::AnyPool;
use tsunagu_core::engine::load_chunks;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::profile::Profile;

use crate::db;
use crate::error::Error;

/// What the Members screen shows of a member from their main profile document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Years {
    /// `YYYY-MM`, or empty.
    pub(crate) joined: String,
    pub(crate) left: String,
    pub(crate) reading: String,
    /// Of their first position, if they show it to everyone (the main document holds only
    /// what everyone may read).
    pub(crate) department: String,
}

impl Years {
    fn of(profile: Profile) -> Self {
        Self {
            joined: profile.joined,
            left: profile.left,
            reading: profile.reading,
            department: profile
                .positions
                .into_iter()
                .next()
                .map(|p| p.department)
                .unwrap_or_default(),
        }
    }
}

/// Each main profile document's [`Years`], remembered with the newest chunk they were read at.
#[derive(Debug, Default)]
pub(crate) struct ProfileYears {
    read: Mutex<HashMap<String, (i64, Years)>>,
}

impl ProfileYears {
    /// Member id → their years, for every member with a profile; loads only the documents
    /// that changed since the last call.
    pub(crate) async fn of_members(&self, pool: &AnyPool) -> Result<HashMap<String, Years>, Error> {
        let newest: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT d.owner_id, d.id, MAX(c.seq) FROM documents d \
             JOIN chunks c ON c.document_id = d.id \
             WHERE d.kind = 'profile' AND d.owner_id IS NOT NULL GROUP BY d.id",
        )
        .fetch_all(pool)
        .await?;
        let stale: Vec<(String, i64)> = {
            let read = self.read.lock().unwrap_or_else(|e| e.into_inner());
            newest
                .iter()
                .filter(|(_, doc, seq)| read.get(doc).is_none_or(|(at, _)| at != seq))
                .map(|(_, doc, seq)| (doc.clone(), *seq))
                .collect()
        };
        for (doc, seq) in stale {
            let id: DocumentId = doc
                .parse()
                .map_err(|e| Error::Corrupt(format!("document id {doc:?}: {e}")))?;
            let chunks = db::chunks(pool, &id).await?;
            // A profile that does not read is shown without years rather than failing the list.
            let years = load_chunks(&chunks)
                .ok()
                .and_then(|d| Profile::read(&d).ok())
                .map(Years::of)
                .unwrap_or_default();
            self.read
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(doc, (seq, years));
        }
        let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        // Documents erased with their account are forgotten here too.
        if read.len() > newest.len() {
            let live: std::collections::HashSet<&str> =
                newest.iter().map(|(_, doc, _)| doc.as_str()).collect();
            read.retain(|doc, _| live.contains(doc.as_str()));
        }
        Ok(newest
            .into_iter()
            .filter_map(|(owner, doc, _)| Some((owner, read.get(&doc)?.1.clone())))
            .collect())
    }
}

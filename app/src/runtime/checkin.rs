//! The runtime's part for the check-in mode: staff phones append admissions to an event's
//! check-in log — one change per admission, on the device at once, synced whenever the venue
//! has signal (docs/design.md §5).

use tsunagu_core::checkin::{CheckinLog, Scan};
use tsunagu_core::ids::{DocumentId, random_bytes};

use super::Runtime;
use crate::error::AppError;

impl Runtime {
    /// This device as admissions name it: its storage id, which the member's device list shows.
    pub fn device_name(&self) -> String {
        self.device_storage.as_str().to_owned()
    }

    /// Records one admission in the check-in log `checkins`, under a fresh nonce.
    pub fn record_admission(&self, checkins: DocumentId, scan: &Scan) -> Result<(), AppError> {
        if !self.docs.arrived(&checkins) {
            // The log's `scans` map comes from the relay; a log made here would never merge.
            return Err(AppError::NotSynced);
        }
        let nonce: String = random_bytes::<12>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.commit(checkins, |tx| {
            CheckinLog::record(tx, &nonce, scan).map(|_recorded| ())
        })
    }
}

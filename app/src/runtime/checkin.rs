//! The runtime's part for the check-in mode: staff phones append admissions to an event's
//! check-in log — one change per admission, on the device at once, synced whenever the venue
//! has signal (docs/design.md §5).

use tsunagu_core::checkin::{CheckinLog, Scan};
use tsunagu_core::ids::{DocumentId, random_bytes};

use super::{Client, Runtime};
use crate::error::AppError;

impl Runtime {
    /// This device as admissions name it: its storage id, which the member's device list shows.
    pub fn device_name(&self) -> String {
        self.device_storage.as_str().to_owned()
    }

    /// Records one admission in the check-in log `checkins`, under a fresh nonce.
    pub fn record_admission(&self, checkins: DocumentId, scan: &Scan) -> Result<(), AppError> {
        let synced = self
            .engine
            .borrow()
            .doc(&checkins)
            .is_some_and(|d| !d.get_heads().is_empty());
        if !synced {
            // The log's `scans` map comes from the relay; a log made here would never merge.
            return Err(AppError::NotSynced);
        }
        let nonce: String = random_bytes::<12>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let effects = self
            .engine
            .borrow_mut()
            .change(checkins, |tx| {
                CheckinLog::record(tx, &nonce, scan).map(|_recorded| ())
            })
            .map_err(|e| AppError::UnexpectedResponse(e.to_string()))?;
        self.commit(checkins, effects);
        Ok(())
    }
}

impl Client {
    /// This device as admissions name it.
    pub fn device_name(&self) -> String {
        self.runtime()
            .map(|rt| rt.device_name())
            .unwrap_or_default()
    }

    /// Records one admission in an event's check-in log; saved on this device, synced later.
    pub fn record_admission(&self, checkins: DocumentId, scan: &Scan) -> Result<(), AppError> {
        self.runtime()
            .ok_or(AppError::NotSynced)?
            .record_admission(checkins, scan)
    }
}

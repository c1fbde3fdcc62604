//! An event's check-in log: every admission at every gate, kept, never merged away
//! (docs/design.md §5).
//!
//! Each staff phone appends `scans/<nonce>` = {ticket, attendee, device, by, at, method} to the
//! event's check-in document, offline. The nonce is drawn when the scan is admitted, so writing
//! the same admission again (a retry) changes nothing, while two gates admitting the same ticket
//! while offline leave two entries. Once the phones have merged, [`CheckinLog::duplicates`] names
//! every ticket admitted more than once, on every device and in the admin report — where
//! pretixSCAN lets the second person in and never says.
//!
//! ```
//! use automerge::AutoCommit;
//! use tsunagu_core::checkin::{CheckinLog, Scan};
//!
//! let mut relay = AutoCommit::new();
//! CheckinLog::create(&mut relay).unwrap();
//! let (mut gate_a, mut gate_b) = (relay.fork(), relay.fork());
//! let scan = |device: &str| Scan { ticket: "t1".into(), attendee: "hanako".into(), device: device.into(), ..Scan::default() };
//! CheckinLog::record(&mut gate_a, "n-a", &scan("a")).unwrap();
//! CheckinLog::record(&mut gate_b, "n-b", &scan("b")).unwrap();
//! gate_a.merge(&mut gate_b).unwrap();
//! let log = CheckinLog::read(&gate_a).unwrap();
//! assert_eq!(log.duplicates()[0].scans.len(), 2);
//! ```

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};
use serde::{Deserialize, Serialize};

use crate::event::{DocError, map_at, read_doc};
use crate::pass::{Gate, Keys, Ticket, Verdict, judge_ticket};

/// What a staff phone shows the moment a ticket is scanned, offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Let them in (and record the admission).
    Admit(Ticket),
    /// Admitted before: `first` is the earliest admission this phone knows of, `here` whether
    /// this phone made it (otherwise another gate did, and the phones have synced since).
    AlreadyIn {
        ticket: Ticket,
        first: Scan,
        here: bool,
    },
    /// Not let in; the verdict says why (revoked, wrong event, not valid yet, expired, forged,
    /// unreadable).
    Refused(Verdict),
}

/// How a person was admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Their ticket's QR code was scanned.
    Qr,
    /// Staff found them by name.
    Name,
    /// They scanned the venue's event code with their own phone.
    SelfCheckIn,
}

impl Method {
    pub fn key(self) -> &'static str {
        match self {
            Method::Qr => "qr",
            Method::Name => "name",
            Method::SelfCheckIn => "self",
        }
    }
}

/// One admission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scan {
    /// The ticket id.
    pub ticket: String,
    /// The attendee's user id.
    pub attendee: String,
    /// The phone that admitted them (its storage id).
    pub device: String,
    /// The staff member who did (user id).
    pub by: String,
    /// When, by that phone's clock (unix seconds).
    pub at: i64,
    /// A [`Method`] key.
    pub method: String,
}

/// A ticket admitted more than once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub ticket: String,
    pub attendee: String,
    /// Every admission, earliest first.
    pub scans: Vec<Scan>,
}

/// The check-in document of one event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CheckinLog {
    /// By nonce.
    pub scans: BTreeMap<String, Scan>,
}

impl CheckinLog {
    /// Gives a new check-in document its one shared `scans` map, which every phone appends to.
    /// Only the relay calls this, once.
    pub fn create(doc: &mut impl Transactable) -> Result<(), DocError> {
        doc.put_object(ROOT, "scans", ObjType::Map)?;
        Ok(())
    }

    pub fn read(doc: &impl ReadDoc) -> Result<Self, DocError> {
        read_doc(doc)
    }

    /// Appends one admission under `nonce`. Returns `false`, changing nothing, if that nonce is
    /// already recorded (a retry) or the document has no `scans` map yet (not synced).
    pub fn record(doc: &mut impl Transactable, nonce: &str, scan: &Scan) -> Result<bool, DocError> {
        let Some(scans) = map_at(doc, &ROOT, "scans")? else {
            return Ok(false);
        };
        if doc.get(&scans, nonce)?.is_some() {
            return Ok(false);
        }
        let entry = doc.put_object(&scans, nonce, ObjType::Map)?;
        doc.put(&entry, "ticket", scan.ticket.as_str())?;
        doc.put(&entry, "attendee", scan.attendee.as_str())?;
        doc.put(&entry, "device", scan.device.as_str())?;
        doc.put(&entry, "by", scan.by.as_str())?;
        doc.put(&entry, "at", scan.at)?;
        doc.put(&entry, "method", scan.method.as_str())?;
        Ok(true)
    }

    /// Every admission of `ticket`, earliest first (ties by nonce, the same on every device).
    pub fn admissions(&self, ticket: &str) -> Vec<&Scan> {
        let mut found: Vec<(&String, &Scan)> = self
            .scans
            .iter()
            .filter(|(_, s)| s.ticket == ticket)
            .collect();
        found.sort_by(earliest_first);
        found.into_iter().map(|(_, s)| s).collect()
    }

    /// The first admission of `ticket`, if it was admitted.
    pub fn first_admission(&self, ticket: &str) -> Option<&Scan> {
        self.admissions(ticket).into_iter().next()
    }

    /// Whether `attendee` was admitted, with any ticket.
    pub fn attended(&self, attendee: &str) -> bool {
        self.scans.values().any(|s| s.attendee == attendee)
    }

    /// How many different people were admitted.
    pub fn admitted(&self) -> usize {
        self.scans
            .values()
            .map(|s| s.attendee.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Judges a scanned ticket at `gate` on the phone `device`: the signature, event, window
    /// and revocation list ([`judge_ticket`]), then whether this log already admitted it.
    pub fn judge(&self, text: &str, key: &impl Keys, gate: &Gate<'_>, device: &str) -> Admission {
        match judge_ticket(text, key, gate) {
            Verdict::Valid(ticket) => match self.first_admission(&ticket.id) {
                Some(first) => Admission::AlreadyIn {
                    here: first.device == device,
                    first: first.clone(),
                    ticket,
                },
                None => Admission::Admit(ticket),
            },
            refused => Admission::Refused(refused),
        }
    }

    /// Every ticket admitted more than once, by ticket id.
    pub fn duplicates(&self) -> Vec<Duplicate> {
        let mut by_ticket: BTreeMap<&str, Vec<(&String, &Scan)>> = BTreeMap::new();
        for (nonce, scan) in &self.scans {
            by_ticket
                .entry(&scan.ticket)
                .or_default()
                .push((nonce, scan));
        }
        by_ticket
            .into_iter()
            .filter(|(_, scans)| scans.len() > 1)
            .map(|(ticket, mut scans)| {
                scans.sort_by(earliest_first);
                Duplicate {
                    ticket: ticket.to_owned(),
                    attendee: scans[0].1.attendee.clone(),
                    scans: scans.into_iter().map(|(_, s)| s.clone()).collect(),
                }
            })
            .collect()
    }
}

/// Earliest admission first; ties broken by nonce, so every device orders alike.
fn earliest_first(a: &(&String, &Scan), b: &(&String, &Scan)) -> std::cmp::Ordering {
    (a.1.at, a.0).cmp(&(b.1.at, b.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::AutoCommit;

    fn scan(ticket: &str, device: &str, at: i64) -> Scan {
        Scan {
            ticket: ticket.into(),
            attendee: format!("owner-of-{ticket}"),
            device: device.into(),
            by: "staff".into(),
            at,
            method: Method::Qr.key().into(),
        }
    }

    fn new_log() -> AutoCommit {
        let mut doc = AutoCommit::new();
        CheckinLog::create(&mut doc).unwrap();
        doc
    }

    #[test]
    fn the_gate_admits_once_and_then_says_where_the_ticket_was_admitted() {
        use crate::pass::{PassBody, SigningKey};
        use std::collections::HashSet;

        let key = SigningKey::generate();
        let ticket = Ticket {
            id: "t1".into(),
            event: "e1".into(),
            attendee: "hanako".into(),
            name: "山田 花子".into(),
            not_before: 0,
            not_after: 1000,
        };
        let text = key.sign(&PassBody::Ticket(ticket.clone())).unwrap();
        let revoked = HashSet::new();
        let gate = Gate {
            event: "e1",
            now: 500,
            revoked: &revoked,
        };
        let public = key.verifying_key();
        let mut doc = new_log();
        let log = CheckinLog::read(&doc).unwrap();
        assert_eq!(
            log.judge(&text, &public, &gate, "a"),
            Admission::Admit(ticket.clone())
        );
        CheckinLog::record(&mut doc, "n1", &scan("t1", "b", 400)).unwrap();
        let log = CheckinLog::read(&doc).unwrap();
        assert!(matches!(
            log.judge(&text, &public, &gate, "a"),
            Admission::AlreadyIn { here: false, ref first, .. } if first.device == "b"
        ));
        assert!(matches!(
            log.judge(&text, &public, &gate, "b"),
            Admission::AlreadyIn { here: true, .. }
        ));
        let other = SigningKey::generate().verifying_key();
        assert_eq!(
            log.judge(&text, &other, &gate, "a"),
            Admission::Refused(Verdict::Forged)
        );
    }

    #[test]
    fn a_retry_with_the_same_nonce_records_nothing() {
        let mut doc = new_log();
        assert!(CheckinLog::record(&mut doc, "n1", &scan("t1", "a", 5)).unwrap());
        let heads = doc.get_heads();
        assert!(!CheckinLog::record(&mut doc, "n1", &scan("t1", "a", 6)).unwrap());
        assert_eq!(doc.get_heads(), heads);
        let log = CheckinLog::read(&doc).unwrap();
        assert_eq!(log.scans.len(), 1);
        assert!(log.duplicates().is_empty());
    }

    #[test]
    fn nothing_is_recorded_before_the_log_has_synced() {
        let mut doc = AutoCommit::new();
        assert!(!CheckinLog::record(&mut doc, "n1", &scan("t1", "a", 5)).unwrap());
    }

    #[test]
    fn two_gates_admitting_one_ticket_offline_are_flagged_on_both_after_merging() {
        let mut relay = new_log();
        let mut a = relay.fork();
        let mut b = relay.fork();
        CheckinLog::record(&mut a, "na", &scan("t1", "a", 100)).unwrap();
        CheckinLog::record(&mut b, "nb", &scan("t1", "b", 90)).unwrap();
        CheckinLog::record(&mut b, "nc", &scan("t2", "b", 95)).unwrap();
        relay.merge(&mut a).unwrap();
        relay.merge(&mut b).unwrap();
        a.merge(&mut relay).unwrap();
        b.merge(&mut relay).unwrap();
        for doc in [&a, &b, &relay] {
            let log = CheckinLog::read(doc).unwrap();
            let dups = log.duplicates();
            assert_eq!(dups.len(), 1);
            assert_eq!(dups[0].ticket, "t1");
            let devices: Vec<&str> = dups[0].scans.iter().map(|s| s.device.as_str()).collect();
            assert_eq!(devices, ["b", "a"], "earliest first");
            assert_eq!(log.first_admission("t1").unwrap().device, "b");
            assert_eq!(log.admitted(), 2);
            assert!(log.attended("owner-of-t2"));
        }
    }

    #[test]
    fn four_devices_of_offline_scans_merge_without_losing_one() {
        let mut relay = new_log();
        let mut devices: Vec<AutoCommit> = (0..4).map(|_| relay.fork()).collect();
        for (d, doc) in devices.iter_mut().enumerate() {
            for i in 0..50 {
                let nonce = format!("{d}-{i}");
                CheckinLog::record(doc, &nonce, &scan(&format!("t{d}-{i}"), &d.to_string(), i))
                    .unwrap();
            }
        }
        for doc in &mut devices {
            relay.merge(doc).unwrap();
        }
        let log = CheckinLog::read(&relay).unwrap();
        assert_eq!(log.scans.len(), 200);
        assert_eq!(log.admitted(), 200);
        assert!(log.duplicates().is_empty());
    }
}

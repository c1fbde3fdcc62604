//! Fuzzer-chosen writes to an event's check-in log by one of its staff, checked by the relay's
//! validator against the plain statement of the append rule: accepted exactly when every write
//! records a new scan under a nonce the log did not hold, filled in the same change. A second
//! value at a scan that is there (even one forged to supersede nothing), anything written into
//! a scan that is there, a removal, or a write outside `scans` is refused.

#![no_main]

use arbitrary::Arbitrary;
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, Change, ROOT, ReadDoc};
use libfuzzer_sys::fuzz_target;
use tsunagu_core::checkin::{CheckinLog, Scan};
use tsunagu_core::engine::Guard;
use tsunagu_fuzz::CheckinRelay;

/// Nonces the log already holds before the fuzzed writes.
const HELD: [&str; 2] = ["held-1", "held-2"];

#[derive(Debug, Arbitrary)]
enum Write {
    /// A scan under nonce `fresh-<n>` (new unless written earlier in this input).
    Record { nonce: u8, ticket: String },
    /// A scan under a nonce the log holds, as a gate that never saw it would write it.
    RecordOverHeld { held: bool, ticket: String },
    /// A key put into a held scan (a new key, or its ticket).
    PutInsideHeld { held: bool, key: bool, value: String },
    /// Remove a held scan.
    DeleteHeld { held: bool },
    /// A key beside `scans`.
    Beside { value: String },
}

#[derive(Debug, Arbitrary)]
struct Input {
    writes: Vec<Write>,
    /// Strip every predecessor from the change before it is sent.
    forge_no_predecessors: bool,
}

fn held(first: bool) -> &'static str {
    if first { HELD[0] } else { HELD[1] }
}

fuzz_target!(|input: Input| {
    let relay = CheckinRelay::new(&HELD);
    let base = relay.engine.doc(&relay.doc).expect("the log").clone();
    let before = base.get_heads();
    let mut gate = AutoCommit::load(&base.save()).expect("a copy");
    gate.set_actor(ActorId::from(&[9u8; 16][..]));
    // A gate that never saw the held scans writes from the log as it was when created.
    let created = relay.created_heads.clone();
    let mut unaware = AutoCommit::load(&base.save())
        .expect("a copy")
        .fork_at(&created)
        .expect("the empty log");
    unaware.set_actor(ActorId::from(&[10u8; 16][..]));

    let mut expected = true;
    let mut recorded = std::collections::BTreeSet::new();
    let mut wrote_unaware = false;
    let scans = gate.get(ROOT, "scans").ok().flatten().expect("scans").1;
    for write in input.writes.iter().take(16) {
        match write {
            Write::Record { nonce, ticket } => {
                let nonce = format!("fresh-{}", nonce % 8);
                let scan = Scan {
                    ticket: ticket.clone(),
                    ..Scan::default()
                };
                // `record` writes nothing for a nonce it holds already.
                if recorded.insert(nonce.clone()) {
                    CheckinLog::record(&mut gate, &nonce, &scan).expect("recorded");
                }
            }
            Write::RecordOverHeld { held: which, ticket } => {
                let scan = Scan {
                    ticket: ticket.clone(),
                    ..Scan::default()
                };
                if CheckinLog::record(&mut unaware, held(*which), &scan).expect("recorded") {
                    wrote_unaware = true;
                    expected = false;
                }
            }
            Write::PutInsideHeld { held: which, key, value } => {
                // Gone if this input deleted it already.
                let Some((_, entry)) = gate.get(&scans, held(*which)).ok().flatten() else {
                    continue;
                };
                let key = if *key { "ticket" } else { "note" };
                let same = gate
                    .get(&entry, key)
                    .ok()
                    .flatten()
                    .is_some_and(|(v, _)| v.to_str() == Some(value.as_str()));
                gate.put(&entry, key, value.as_str()).expect("put");
                // automerge writes nothing when the value is already there.
                if !same {
                    expected = false;
                }
            }
            Write::DeleteHeld { held: which } => {
                if gate.get(&scans, held(*which)).ok().flatten().is_some() {
                    gate.delete(&scans, held(*which)).expect("delete");
                    expected = false;
                }
            }
            Write::Beside { value } => {
                gate.put(ROOT, "note", value.as_str()).expect("put");
                expected = false;
            }
        }
    }
    let mut changes: Vec<Change> = gate.get_changes(&before);
    if wrote_unaware {
        changes.extend(unaware.get_changes(&created));
    }
    if input.forge_no_predecessors {
        changes = changes
            .into_iter()
            .map(|change| {
                let mut expanded = change.decode();
                for op in &mut expanded.operations {
                    op.pred = Vec::new().into();
                }
                expanded.hash = None;
                Change::from(expanded)
            })
            .collect();
    }
    if changes.is_empty() {
        return;
    }
    let mut at_relay = base.clone();
    if at_relay.apply_changes(changes.clone()).is_err() {
        // A forged change Automerge itself cannot apply never reaches the validator.
        return;
    }
    if at_relay.get_heads() == before {
        return;
    }
    let mut guard = relay.guard;
    let verdict = guard.check(relay.conn, relay.doc, &at_relay, &before, &changes);
    assert_eq!(verdict.is_ok(), expected, "{verdict:?} for {input:?}");
});

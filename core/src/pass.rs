//! Signed event tickets and alumni ID cards that a staff phone checks with no network
//! (docs/design.md §5).
//!
//! The relay holds the organisation's [`SigningKey`]. When a seat is confirmed it signs a
//! [`Ticket`]; for each member it signs an ID [`Card`]. Either becomes a short text the app shows
//! as a QR code. A staff phone keeps only the organisation's [`VerifyingKey`] (a base64url string
//! in IndexedDB) and a cached revocation list, and decides at the door with [`judge_ticket`] or
//! [`judge_card`], both pure: no clock, no network, no storage.
//!
//! The text is `TSU2.<key id>.<body>.<signature>`: `TSU2` names the format version, the key id
//! names which of the organisation's keys signed it ([`VerifyingKey::id`], so keys can be
//! rotated: the organisation document lists the keys still valid, [`PassAuthority`]), the body is
//! the pass as CBOR with one-letter field names (a smaller QR code scans faster in a dim hall),
//! and the signature is Ed25519 over everything before the last dot, base64url without padding.
//! The signature is checked before a byte of the body is parsed, so a forged pass never reaches
//! the CBOR decoder. Passes of the first format (`TSU1.<body>.<signature>`, no key id) are still
//! read, checked against every valid key.
//!
//! ```
//! use std::collections::HashSet;
//! use tsunagu_core::pass::{Gate, PassBody, SigningKey, Ticket, Verdict, VerifyingKey, judge_ticket};
//!
//! // The relay, once: a key, whose public half every staff phone stores as text.
//! let relay = SigningKey::generate();
//! let published = relay.verifying_key().to_string();
//!
//! // A seat is confirmed: the relay issues the ticket the attendee's phone shows as a QR code.
//! let ticket = Ticket {
//!     id: "t-0001".into(),
//!     event: "2bD4wZk3ZpXcYhFx3Xb5n1Kd9J".into(),
//!     attendee: "u-hanako".into(),
//!     name: "山田 花子".into(),
//!     not_before: 1_767_225_600,
//!     not_after: 1_767_254_400,
//! };
//! let qr = relay.sign(&PassBody::Ticket(ticket.clone())).unwrap();
//!
//! // At the door, offline: the staff phone knows only the key and who was revoked.
//! let key: VerifyingKey = published.parse().unwrap();
//! let revoked = HashSet::new();
//! let gate = Gate { event: "2bD4wZk3ZpXcYhFx3Xb5n1Kd9J", now: 1_767_230_000, revoked: &revoked };
//! assert_eq!(judge_ticket(&qr, &key, &gate), Verdict::Valid(ticket));
//!
//! // Anyone can make a QR code; only the relay can make one that passes.
//! let forger = SigningKey::generate();
//! let fake = forger.sign(&PassBody::Ticket(Ticket { id: "t-9999".into(), ..Default::default() })).unwrap();
//! assert_eq!(judge_ticket(&fake, &key, &gate), Verdict::Forged);
//! ```

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What a pass text starts with; the digit is the format version, bumped whenever an older
/// phone would misread a newer pass (a new kind of pass, a field that changes the verdict).
const PREFIX: &str = "TSU2.";

/// The first format, without a key id: still read, against every valid key.
const PREFIX_V1: &str = "TSU1.";

/// Characters of a key id: the start of the public key's base64url text (48 bits, enough to
/// tell an organisation's few keys apart; the signature, not the id, is what proves anything).
const KEY_ID_CHARS: usize = 8;

/// The most characters a pass may have: what one QR code holds at most (version 40, low error
/// correction, byte mode). A longer text was never one of ours, so reading stops before any
/// decoding work.
pub const MAX_PASS_CHARS: usize = 2953;

/// A seat at an event, issued by the relay when the seat is confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The ticket's own id: what a revocation list and the check-in log name.
    #[serde(rename = "i")]
    pub id: String,
    /// The event document's id, so a ticket for another event is turned away at this gate.
    #[serde(rename = "e")]
    pub event: String,
    /// The relay's id of the attendee.
    #[serde(rename = "u")]
    pub attendee: String,
    /// The attendee's display name as written, so staff can compare it with a face or a badge.
    #[serde(rename = "n")]
    pub name: String,
    /// Unix seconds from which the ticket is good.
    #[serde(rename = "b")]
    pub not_before: i64,
    /// Unix seconds from which the ticket is no longer good.
    #[serde(rename = "a")]
    pub not_after: i64,
}

/// A member's digital alumni ID card, shown for alumni discounts, building entry and the like.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    /// The card's own id: a lost phone revokes its card, not its member.
    #[serde(rename = "i")]
    pub id: String,
    /// The relay's id of the member.
    #[serde(rename = "u")]
    pub member: String,
    /// The member's display name as written.
    #[serde(rename = "n")]
    pub name: String,
    /// When they joined the company, `YYYY-MM`.
    #[serde(rename = "j")]
    pub joined: String,
    /// When they left, `YYYY-MM`; empty for current employees (and then left out of the QR code).
    #[serde(rename = "l", default, skip_serializing_if = "String::is_empty")]
    pub left: String,
    /// Their membership, as a [`crate::vocab::Role`] key: `alumni`, `employee`…
    #[serde(rename = "s")]
    pub status: String,
    /// Unix seconds from which the card is good.
    #[serde(rename = "b")]
    pub not_before: i64,
    /// Unix seconds from which the card is no longer good.
    #[serde(rename = "a")]
    pub not_after: i64,
}

/// The code a venue shows (printed, or on a staff screen) for self check-in: an attendee scans
/// it with their own phone to say they are here, offline, and the relay records the admission
/// when the phone syncs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueCode {
    /// The event document's id.
    #[serde(rename = "e")]
    pub event: String,
    #[serde(rename = "b")]
    pub not_before: i64,
    #[serde(rename = "a")]
    pub not_after: i64,
}

/// What a pass vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PassBody {
    #[serde(rename = "t")]
    Ticket(Ticket),
    #[serde(rename = "c")]
    Card(Card),
    #[serde(rename = "v")]
    Venue(VenueCode),
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PassError {
    /// Not a pass at all: garbage, cut short, or too long for a QR code.
    #[error("not a tsunagu pass: {0}")]
    Malformed(&'static str),
    /// Shaped like a pass, but not signed by this organisation's key, or altered since.
    #[error("the pass is not signed by this organisation")]
    Forged,
    /// A pass from a newer relay than this app knows; updating the app reads it.
    #[error("the pass is in a newer format than this app reads")]
    UnknownVersion,
    /// The relay was asked to sign a pass that would not fit in a QR code.
    #[error("the pass would take {chars} characters, more than the {limit} a QR code holds")]
    TooLarge { chars: usize, limit: usize },
    /// Not the text of an organisation's public key.
    #[error("not a public key: {0}")]
    BadKey(&'static str),
}

/// The organisation's secret key, kept by the relay alone.
#[derive(Clone)]
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// A new key from the platform's randomness.
    pub fn generate() -> Self {
        // 32 random bytes are exactly an Ed25519 secret key; taking them from getrandom keeps
        // rand (and its own getrandom) out of the build.
        Self::from_bytes(&crate::ids::random_bytes::<32>())
    }

    pub fn from_bytes(secret: &[u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(secret))
    }

    /// The secret, for the relay to store; whoever holds it can issue passes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(self.0.verifying_key())
    }

    /// The QR text of `body`, signed.
    ///
    /// Fails only when the pass would not fit in a QR code (names of a thousand characters),
    /// so that the relay finds out when it issues the pass rather than the attendee at the door.
    pub fn sign(&self, body: &PassBody) -> Result<String, PassError> {
        let mut cbor = Vec::new();
        // Writing into a Vec cannot fail, and every field is a string or an integer.
        #[allow(clippy::expect_used)]
        ciborium::into_writer(body, &mut cbor).expect("a pass always encodes as CBOR");
        let mut text = format!(
            "{PREFIX}{}.{}",
            self.verifying_key().id(),
            URL_SAFE_NO_PAD.encode(&cbor)
        );
        let signature = self.0.sign(text.as_bytes());
        text.push('.');
        text.push_str(&URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        if text.len() > MAX_PASS_CHARS {
            return Err(PassError::TooLarge {
                chars: text.len(),
                limit: MAX_PASS_CHARS,
            });
        }
        Ok(text)
    }
}

impl fmt::Debug for SigningKey {
    /// Shows the public half only, so a logged key gives nothing away.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.verifying_key())
    }
}

/// The organisation's public key, which every staff phone keeps to check passes offline.
/// Shown and parsed as base64url without padding (43 characters).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct VerifyingKey(ed25519_dalek::VerifyingKey);

impl fmt::Display for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0.as_bytes()))
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({self})")
    }
}

impl VerifyingKey {
    /// The key's id, written into every pass it signs: the first characters of its text.
    pub fn id(&self) -> String {
        let mut text = self.to_string();
        text.truncate(KEY_ID_CHARS);
        text
    }
}

/// The public keys passes may be signed with: one key, or an organisation's [`Keyring`].
pub trait Keys {
    /// The key with this id, if it is one of these.
    fn by_id(&self, id: &str) -> Option<&VerifyingKey>;
    /// Every key, for passes of the first format, which name none.
    fn all(&self) -> &[VerifyingKey];
}

impl Keys for VerifyingKey {
    fn by_id(&self, id: &str) -> Option<&VerifyingKey> {
        (self.id() == id).then_some(self)
    }

    fn all(&self) -> &[VerifyingKey] {
        std::slice::from_ref(self)
    }
}

/// The keys an organisation's passes are valid under: the current one and any older ones not
/// retired yet (a pass signed by a retired key reads as forged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keyring(Vec<VerifyingKey>);

impl Keyring {
    pub fn new(keys: impl IntoIterator<Item = VerifyingKey>) -> Self {
        let mut ring: Vec<VerifyingKey> = Vec::new();
        for key in keys {
            if !ring.contains(&key) {
                ring.push(key);
            }
        }
        Self(ring)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Keys for Keyring {
    fn by_id(&self, id: &str) -> Option<&VerifyingKey> {
        self.0.iter().find(|k| k.id() == id)
    }

    fn all(&self) -> &[VerifyingKey] {
        &self.0
    }
}

/// What the organisation document says about passes, written by the relay under its `passes`
/// key, so every phone learns it with the rest of the document and judges offline: the public
/// keys passes may be signed with (by id), and the members whose ID cards issued before a time
/// are revoked (suspended, deleted, or a phone lost and the card issued anew).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, autosurgeon::Reconcile)]
pub struct PassAuthority {
    /// Key id → the public key's text.
    #[serde(default)]
    pub keys: std::collections::BTreeMap<String, String>,
    /// Member id → unix seconds: their cards issued at or before then are revoked.
    #[serde(default)]
    pub revoked_cards: std::collections::BTreeMap<String, i64>,
}

impl PassAuthority {
    /// The `passes` entry of an organisation document (empty if it has none).
    pub fn read(doc: &impl automerge::ReadDoc) -> Self {
        #[derive(Deserialize)]
        struct Organisation {
            #[serde(default)]
            passes: PassAuthority,
        }
        serde_json::to_value(automerge::AutoSerde::from(doc))
            .ok()
            .and_then(|v| serde_json::from_value::<Organisation>(v).ok())
            .map(|o| o.passes)
            .unwrap_or_default()
    }

    /// Writes it as the document's `passes` entry, changing only what differs.
    pub fn write_to(
        &self,
        doc: &mut impl autosurgeon::Doc,
    ) -> Result<(), autosurgeon::ReconcileError> {
        autosurgeon::reconcile_prop(doc, automerge::ROOT, "passes", self)
    }

    /// The valid keys that parse.
    pub fn keyring(&self) -> Keyring {
        Keyring::new(self.keys.values().filter_map(|k| k.parse().ok()))
    }
}

impl FromStr for VerifyingKey {
    type Err = PassError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Checked first so a pasted novel is not decoded.
        if s.len() != 43 {
            return Err(PassError::BadKey("a public key has 43 characters"));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| PassError::BadKey("not base64url"))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| PassError::BadKey("a public key has 32 bytes"))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map_err(|_| PassError::BadKey("not a point on the curve"))?;
        // A small-order key would accept signatures anyone can make.
        if key.is_weak() {
            return Err(PassError::BadKey("a weak key"));
        }
        Ok(Self(key))
    }
}

impl Serialize for VerifyingKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for VerifyingKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The pass in `text`, if `key` signed it.
///
/// `text` is whatever a camera decoded, so anything may arrive: it is length-bounded, split
/// and its signature checked with [`ed25519_dalek::VerifyingKey::verify_strict`] (no malleable
/// or small-order signatures) before the body is decoded.
pub fn read(text: &str, keys: &impl Keys) -> Result<PassBody, PassError> {
    if text.len() > MAX_PASS_CHARS {
        return Err(PassError::Malformed("longer than a QR code holds"));
    }
    // Keyboard-wedge scanners end what they type with a newline.
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
    let (candidates, rest) = if let Some(rest) = text.strip_prefix(PREFIX) {
        let Some((id, rest)) = rest.split_once('.') else {
            return Err(PassError::Malformed("no key id"));
        };
        // A key this phone does not hold as valid (retired, or another organisation's).
        let key = keys.by_id(id).ok_or(PassError::Forged)?;
        (std::slice::from_ref(key), rest)
    } else if let Some(rest) = text.strip_prefix(PREFIX_V1) {
        (keys.all(), rest)
    } else {
        return Err(unknown_version_or_malformed(text));
    };
    let Some((body, signature)) = rest.rsplit_once('.') else {
        return Err(PassError::Malformed("no signature"));
    };
    // Everything before the last dot is what was signed.
    let signed = &text[..text.len() - signature.len() - 1];
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| PassError::Malformed("the signature is not base64url"))?
        .try_into()
        .map_err(|_| PassError::Malformed("a signature has 64 bytes"))?;
    let signature = ed25519_dalek::Signature::from_bytes(&signature);
    if !candidates
        .iter()
        .any(|key| key.0.verify_strict(signed.as_bytes(), &signature).is_ok())
    {
        return Err(PassError::Forged);
    }
    // From here on the relay wrote every byte; failing still says Malformed, never panics.
    let cbor = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| PassError::Malformed("the body is not base64url"))?;
    ciborium::from_reader(cbor.as_slice()).map_err(|_| PassError::Malformed("not a pass body"))
}

/// `TSU3.…` is a pass from a newer relay; `hello` or `TSUx.` is nothing of ours.
fn unknown_version_or_malformed(text: &str) -> PassError {
    let version = text
        .strip_prefix("TSU")
        .and_then(|rest| rest.split_once('.'))
        .map(|(version, _)| version);
    match version {
        Some(v) if (1..=4).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()) => {
            PassError::UnknownVersion
        }
        _ => PassError::Malformed("not a tsunagu pass"),
    }
}

/// Where `now` falls in a validity window that starts at `not_before` and ends just before
/// `not_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Window {
    Before,
    Within,
    After,
}

fn window(not_before: i64, not_after: i64, now: i64) -> Window {
    if now < not_before {
        Window::Before
    } else if now >= not_after {
        Window::After
    } else {
        Window::Within
    }
}

/// What a gate's scanner knows, all of it cached on the phone.
#[derive(Debug, Clone, Copy)]
pub struct Gate<'a> {
    /// The event document's id this gate admits to.
    pub event: &'a str,
    /// Unix seconds, from the phone's clock.
    pub now: i64,
    /// Ids of revoked tickets, from the relay's revocation document as last synced.
    pub revoked: &'a HashSet<String>,
}

/// What the gate shows for a scanned ticket. Whether the ticket was already used is for the
/// caller to find in the check-in log, which merges scans from every gate (docs/design.md §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid(Ticket),
    Revoked(Ticket),
    WrongEvent(Ticket),
    NotYetValid(Ticket),
    Expired(Ticket),
    /// Shaped like a pass but not signed by this organisation, or altered.
    Forged,
    /// Not a ticket: garbage, a pass from a newer relay, or an ID card shown at the gate.
    Unreadable,
}

/// Judges a scanned ticket at `gate`, offline.
///
/// A ticket for another event is `WrongEvent` before anything else, since this gate's
/// revocation list and times say nothing about it; then a revoked ticket is `Revoked` whatever
/// its window, since staff must hear of a revocation before a mere timing problem.
pub fn judge_ticket(text: &str, key: &impl Keys, gate: &Gate<'_>) -> Verdict {
    let ticket = match read(text, key) {
        Ok(PassBody::Ticket(ticket)) => ticket,
        Err(PassError::Forged) => return Verdict::Forged,
        Ok(PassBody::Card(_) | PassBody::Venue(_))
        | Err(
            PassError::Malformed(_)
            | PassError::UnknownVersion
            | PassError::TooLarge { .. }
            | PassError::BadKey(_),
        ) => return Verdict::Unreadable,
    };
    if ticket.event != gate.event {
        return Verdict::WrongEvent(ticket);
    }
    if gate.revoked.contains(&ticket.id) {
        return Verdict::Revoked(ticket);
    }
    match window(ticket.not_before, ticket.not_after, gate.now) {
        Window::Before => Verdict::NotYetValid(ticket),
        Window::After => Verdict::Expired(ticket),
        Window::Within => Verdict::Valid(ticket),
    }
}

/// What a scanner shows for a scanned ID card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardVerdict {
    Valid(Card),
    Revoked(Card),
    NotYetValid(Card),
    Expired(Card),
    /// Shaped like a pass but not signed by this organisation, or altered.
    Forged,
    /// Not an ID card: garbage, a pass from a newer relay, or a ticket.
    Unreadable,
}

/// Judges a scanned ID card at unix time `now`, offline, against the organisation's revoked
/// cards: member id → their cards issued at or before then are revoked
/// ([`PassAuthority::revoked_cards`]; the relay issues the next card from the second after).
pub fn judge_card(
    text: &str,
    key: &impl Keys,
    now: i64,
    revoked: &std::collections::BTreeMap<String, i64>,
) -> CardVerdict {
    let card = match read(text, key) {
        Ok(PassBody::Card(card)) => card,
        Err(PassError::Forged) => return CardVerdict::Forged,
        Ok(PassBody::Ticket(_) | PassBody::Venue(_))
        | Err(
            PassError::Malformed(_)
            | PassError::UnknownVersion
            | PassError::TooLarge { .. }
            | PassError::BadKey(_),
        ) => return CardVerdict::Unreadable,
    };
    if revoked
        .get(&card.member)
        .is_some_and(|until| card.not_before <= *until)
    {
        return CardVerdict::Revoked(card);
    }
    match window(card.not_before, card.not_after, now) {
        Window::Before => CardVerdict::NotYetValid(card),
        Window::After => CardVerdict::Expired(card),
        Window::Within => CardVerdict::Valid(card),
    }
}

/// What an attendee's phone says about a scanned venue code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VenueVerdict {
    /// The code of `event`, valid now: the phone records the arrival.
    Here(VenueCode),
    /// Another event's code.
    WrongEvent,
    NotYetValid,
    Expired,
    Forged,
    /// Not a venue code.
    Unreadable,
}

/// Judges a venue code scanned by an attendee of `event` at unix time `now`, offline. The relay
/// checks the same code again when the arrival reaches it.
pub fn judge_venue(text: &str, key: &impl Keys, event: &str, now: i64) -> VenueVerdict {
    let code = match read(text, key) {
        Ok(PassBody::Venue(code)) => code,
        Err(PassError::Forged) => return VenueVerdict::Forged,
        Ok(PassBody::Ticket(_) | PassBody::Card(_)) | Err(_) => return VenueVerdict::Unreadable,
    };
    if code.event != event {
        return VenueVerdict::WrongEvent;
    }
    match window(code.not_before, code.not_after, now) {
        Window::Before => VenueVerdict::NotYetValid,
        Window::After => VenueVerdict::Expired,
        Window::Within => VenueVerdict::Here(code),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;

    use super::*;

    /// 2026-01-01 10:00 to 18:00 JST.
    const OPENS: i64 = 1_767_229_200;
    const CLOSES: i64 = 1_767_258_000;
    /// What `DocumentId::to_string` gives: 16 bytes as base58check.
    const EVENT: &str = "3NhxuDQbdEmKNkQZtrX1ynJ6HTQo";

    #[test]
    fn a_venue_code_checks_an_attendee_in_only_at_its_event_and_time() {
        let key = relay();
        let code = VenueCode {
            event: EVENT.into(),
            not_before: OPENS,
            not_after: CLOSES,
        };
        let qr = key.sign(&PassBody::Venue(code.clone())).unwrap();
        let public = key.verifying_key();
        assert_eq!(
            judge_venue(&qr, &public, EVENT, OPENS),
            VenueVerdict::Here(code)
        );
        assert_eq!(
            judge_venue(&qr, &public, "other", OPENS),
            VenueVerdict::WrongEvent
        );
        assert_eq!(
            judge_venue(&qr, &public, EVENT, OPENS - 1),
            VenueVerdict::NotYetValid
        );
        assert_eq!(
            judge_venue(&qr, &public, EVENT, CLOSES),
            VenueVerdict::Expired
        );
        let other = SigningKey::from_bytes(&[8; 32]).verifying_key();
        assert_eq!(judge_venue(&qr, &other, EVENT, OPENS), VenueVerdict::Forged);
        let ticket = key.sign(&PassBody::Ticket(Ticket::default())).unwrap();
        assert_eq!(
            judge_venue(&ticket, &public, EVENT, OPENS),
            VenueVerdict::Unreadable
        );
        // A venue code is no ticket and no ID card.
        let gate = Gate {
            event: EVENT,
            now: OPENS,
            revoked: &HashSet::new(),
        };
        assert_eq!(judge_ticket(&qr, &public, &gate), Verdict::Unreadable);
        assert_eq!(
            judge_card(&qr, &public, OPENS, &BTreeMap::new()),
            CardVerdict::Unreadable
        );
    }

    fn relay() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    /// A ticket as the relay issues them: hex row ids, a document id and a long-ish Japanese name.
    fn ticket() -> Ticket {
        Ticket {
            id: "9f2c4e61b0a84d7e93c1f5a2d6e8b047".into(),
            event: EVENT.into(),
            attendee: "5be1d0c2a7f94e36b8d1c0e9f2a3b4c5".into(),
            name: "長谷川 美智子".into(),
            not_before: OPENS,
            not_after: CLOSES,
        }
    }

    fn card() -> Card {
        Card {
            id: "c0ffee00c0ffee00c0ffee00c0ffee00".into(),
            member: "5be1d0c2a7f94e36b8d1c0e9f2a3b4c5".into(),
            name: "長谷川 美智子".into(),
            joined: "2012-04".into(),
            left: "2021-09".into(),
            status: "alumni".into(),
            not_before: OPENS,
            not_after: OPENS + 365 * 86_400,
        }
    }

    fn issue(body: PassBody) -> String {
        relay().sign(&body).unwrap()
    }

    /// Swaps one character in the middle of part `part` (0 prefix, 1 body, 2 signature).
    fn tamper(text: &str, part: usize) -> String {
        let mut parts: Vec<String> = text.split('.').map(String::from).collect();
        let mut chars: Vec<char> = parts[part].chars().collect();
        let mid = chars.len() / 2;
        chars[mid] = if chars[mid] == 'A' { 'B' } else { 'A' };
        parts[part] = chars.into_iter().collect();
        parts.join(".")
    }

    fn gate(revoked: &HashSet<String>) -> Gate<'_> {
        Gate {
            event: EVENT,
            now: OPENS + 3600,
            revoked,
        }
    }

    #[test]
    fn a_ticket_reads_back_as_signed() {
        let qr = issue(PassBody::Ticket(ticket()));
        assert!(qr.starts_with("TSU2."));
        assert_eq!(
            read(&qr, &relay().verifying_key()),
            Ok(PassBody::Ticket(ticket()))
        );
    }

    #[test]
    fn a_card_reads_back_as_signed_with_or_without_a_leaving_date() {
        let key = relay().verifying_key();
        let qr = issue(PassBody::Card(card()));
        assert_eq!(read(&qr, &key), Ok(PassBody::Card(card())));

        let employee = Card {
            left: String::new(),
            status: "employee".into(),
            ..card()
        };
        let qr = issue(PassBody::Card(employee.clone()));
        assert_eq!(read(&qr, &key), Ok(PassBody::Card(employee)));
    }

    #[test]
    fn a_realistic_ticket_fits_a_small_qr_code() {
        let qr = issue(PassBody::Ticket(ticket()));
        // 293 characters (hex ids and the event's document id are most of it; the key id 9):
        // a version 13 QR code (69 modules a side) holds 331 bytes at medium error correction.
        assert_eq!(qr.len(), 293, "{qr}");
    }

    #[test]
    fn a_pass_too_long_for_a_qr_code_is_refused_when_issued() {
        let body = PassBody::Ticket(Ticket {
            name: "寿".repeat(1000),
            ..ticket()
        });
        assert!(matches!(
            relay().sign(&body),
            Err(PassError::TooLarge {
                limit: MAX_PASS_CHARS,
                ..
            })
        ));
    }

    #[test]
    fn an_altered_pass_is_forged() {
        let key = relay().verifying_key();
        let qr = issue(PassBody::Ticket(ticket()));
        assert_eq!(read(&tamper(&qr, 1), &key), Err(PassError::Forged));
        assert_eq!(read(&tamper(&qr, 2), &key), Err(PassError::Forged));
    }

    #[test]
    fn a_pass_signed_by_another_key_is_forged() {
        let other = SigningKey::generate();
        let qr = other.sign(&PassBody::Ticket(ticket())).unwrap();
        assert_eq!(read(&qr, &relay().verifying_key()), Err(PassError::Forged));
        // ...and so is the body of a self-made pass under the signature of a real one.
        let mine = other
            .sign(&PassBody::Ticket(Ticket {
                attendee: "someone-else".into(),
                ..ticket()
            }))
            .unwrap();
        let real = issue(PassBody::Ticket(ticket()));
        let spliced = format!(
            "{}.{}",
            mine.rsplit_once('.').unwrap().0,
            real.rsplit_once('.').unwrap().1
        );
        assert_eq!(
            read(&spliced, &relay().verifying_key()),
            Err(PassError::Forged)
        );
    }

    #[test]
    fn every_cut_short_pass_is_malformed() {
        let key = relay().verifying_key();
        let qr = issue(PassBody::Ticket(ticket()));
        for end in 0..qr.len() {
            assert!(
                matches!(read(&qr[..end], &key), Err(PassError::Malformed(_))),
                "{end}: {:?}",
                read(&qr[..end], &key)
            );
        }
    }

    #[test]
    fn garbage_is_malformed_without_panicking() {
        let key = relay().verifying_key();
        let sig = "A".repeat(86);
        let huge = format!("TSU1.{}.{sig}", "A".repeat(10 * 1024 * 1024));
        for text in [
            "",
            ".",
            "..",
            "TSU1.",
            "TSU1..",
            "TSU1...",
            "TSUx.abc.def",
            "TSU.abc.def",
            "https://example.com/ticket/42",
            "TSU1.!!!.!!!",
            &format!("TSU1.abc.{sig}.extra"),
            &format!("TSU1.abc.{}", "A".repeat(85)),
            "TSU1.\u{1F600}.\u{1F600}",
            &huge,
        ] {
            assert!(
                matches!(read(text, &key), Err(PassError::Malformed(_))),
                "{:?}: {:?}",
                text.chars().take(40).collect::<String>(),
                read(text, &key)
            );
        }
    }

    #[test]
    fn a_validly_signed_body_that_is_not_a_pass_is_malformed() {
        let key = relay();
        let text = format!(
            "{PREFIX}{}.{}",
            key.verifying_key().id(),
            URL_SAFE_NO_PAD.encode(b"\xff\x00 not cbor")
        );
        let signature = key.0.sign(text.as_bytes());
        let text = format!("{text}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        assert!(matches!(
            read(&text, &key.verifying_key()),
            Err(PassError::Malformed(_))
        ));
    }

    #[test]
    fn a_newer_format_is_told_apart_from_garbage() {
        let key = relay().verifying_key();
        let qr = issue(PassBody::Ticket(ticket())).replacen("TSU2.", "TSU3.", 1);
        assert_eq!(read(&qr, &key), Err(PassError::UnknownVersion));
    }

    #[test]
    fn a_scanner_newline_is_ignored() {
        let qr = issue(PassBody::Ticket(ticket()));
        assert_eq!(
            read(&format!("{qr}\r\n"), &relay().verifying_key()),
            Ok(PassBody::Ticket(ticket()))
        );
    }

    #[test]
    fn the_public_key_round_trips_as_text() {
        let key = relay().verifying_key();
        let text = key.to_string();
        assert_eq!(text.len(), 43);
        assert_eq!(text.parse::<VerifyingKey>(), Ok(key));
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(serde_json::from_str::<VerifyingKey>(&json).unwrap(), key);
        assert_eq!(
            SigningKey::from_bytes(&relay().to_bytes()).verifying_key(),
            key
        );
    }

    #[test]
    fn bad_public_keys_are_refused() {
        for text in ["", "abc", &"!".repeat(43), &"A".repeat(4000)] {
            assert!(
                matches!(text.parse::<VerifyingKey>(), Err(PassError::BadKey(_))),
                "{text:?}"
            );
        }
        // The identity point: it would accept anyone's signature.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            URL_SAFE_NO_PAD.encode(identity).parse::<VerifyingKey>(),
            Err(PassError::BadKey("a weak key"))
        );
    }

    #[test]
    fn the_secret_key_is_not_logged() {
        let debug = format!("{:?}", relay());
        assert!(!debug.contains(&format!("{:?}", [7u8; 32])), "{debug}");
        assert!(debug.contains(&relay().verifying_key().to_string()));
    }

    #[test]
    fn the_gate_admits_a_good_ticket() {
        let none = HashSet::new();
        let qr = issue(PassBody::Ticket(ticket()));
        let key = relay().verifying_key();
        assert_eq!(
            judge_ticket(&qr, &key, &gate(&none)),
            Verdict::Valid(ticket())
        );
        // The window includes its first second and excludes its last.
        for now in [OPENS, CLOSES - 1] {
            let at = Gate { now, ..gate(&none) };
            assert_eq!(judge_ticket(&qr, &key, &at), Verdict::Valid(ticket()));
        }
    }

    #[test]
    fn the_gate_turns_away_a_revoked_ticket() {
        let revoked = HashSet::from([ticket().id]);
        let qr = issue(PassBody::Ticket(ticket()));
        let key = relay().verifying_key();
        assert_eq!(
            judge_ticket(&qr, &key, &gate(&revoked)),
            Verdict::Revoked(ticket())
        );
        // Revocation is reported before a timing problem.
        let late = Gate {
            now: CLOSES + 1,
            ..gate(&revoked)
        };
        assert_eq!(judge_ticket(&qr, &key, &late), Verdict::Revoked(ticket()));
    }

    #[test]
    fn the_gate_turns_away_a_ticket_for_another_event() {
        let none = HashSet::new();
        let qr = issue(PassBody::Ticket(Ticket {
            event: "2ZxH5fJqWnC6PvYbT8rK1mLd9s".into(),
            ..ticket()
        }));
        assert!(matches!(
            judge_ticket(&qr, &relay().verifying_key(), &gate(&none)),
            Verdict::WrongEvent(t) if t.event == "2ZxH5fJqWnC6PvYbT8rK1mLd9s"
        ));
    }

    #[test]
    fn the_gate_turns_away_a_ticket_outside_its_window() {
        let none = HashSet::new();
        let qr = issue(PassBody::Ticket(ticket()));
        let key = relay().verifying_key();
        let early = Gate {
            now: OPENS - 1,
            ..gate(&none)
        };
        assert_eq!(
            judge_ticket(&qr, &key, &early),
            Verdict::NotYetValid(ticket())
        );
        let late = Gate {
            now: CLOSES,
            ..gate(&none)
        };
        assert_eq!(judge_ticket(&qr, &key, &late), Verdict::Expired(ticket()));
    }

    #[test]
    fn the_gate_calls_out_a_forgery() {
        let none = HashSet::new();
        let key = relay().verifying_key();
        let fake = SigningKey::generate()
            .sign(&PassBody::Ticket(ticket()))
            .unwrap();
        assert_eq!(judge_ticket(&fake, &key, &gate(&none)), Verdict::Forged);
        let altered = tamper(&issue(PassBody::Ticket(ticket())), 1);
        assert_eq!(judge_ticket(&altered, &key, &gate(&none)), Verdict::Forged);
    }

    #[test]
    fn the_gate_cannot_read_an_id_card_or_garbage() {
        let none = HashSet::new();
        let key = relay().verifying_key();
        let card = issue(PassBody::Card(card()));
        assert_eq!(judge_ticket(&card, &key, &gate(&none)), Verdict::Unreadable);
        assert_eq!(
            judge_ticket("hello", &key, &gate(&none)),
            Verdict::Unreadable
        );
    }

    #[test]
    fn an_id_card_is_judged_on_its_own() {
        let key = relay().verifying_key();
        let none = BTreeMap::new();
        let qr = issue(PassBody::Card(card()));
        let now = OPENS + 86_400;
        assert_eq!(
            judge_card(&qr, &key, now, &none),
            CardVerdict::Valid(card())
        );
        // Their cards issued up to a revocation are revoked; one issued after it is good.
        let member = card().member;
        let same_second = BTreeMap::from([(member.clone(), card().not_before)]);
        assert_eq!(
            judge_card(&qr, &key, now, &same_second),
            CardVerdict::Revoked(card())
        );
        let earlier = BTreeMap::from([(member, card().not_before - 1)]);
        assert_eq!(
            judge_card(&qr, &key, now, &earlier),
            CardVerdict::Valid(card())
        );
        assert_eq!(
            judge_card(&qr, &key, OPENS - 1, &none),
            CardVerdict::NotYetValid(card())
        );
        assert_eq!(
            judge_card(&qr, &key, card().not_after, &none),
            CardVerdict::Expired(card())
        );
        assert_eq!(
            judge_card(&tamper(&qr, 1), &key, now, &none),
            CardVerdict::Forged
        );
        let ticket = issue(PassBody::Ticket(ticket()));
        assert_eq!(
            judge_card(&ticket, &key, now, &none),
            CardVerdict::Unreadable
        );
    }
}

#[cfg(test)]
mod rotation {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashSet;

    use super::*;

    fn ticket() -> Ticket {
        Ticket {
            id: "t-1".into(),
            event: "e".into(),
            attendee: "u".into(),
            name: "山田 花子".into(),
            not_before: 0,
            not_after: 10,
        }
    }

    #[test]
    fn a_pass_names_its_key_and_reads_while_that_key_is_in_the_ring() {
        let (old, new) = (
            SigningKey::from_bytes(&[1; 32]),
            SigningKey::from_bytes(&[2; 32]),
        );
        let by_old = old.sign(&PassBody::Ticket(ticket())).unwrap();
        let by_new = new.sign(&PassBody::Ticket(ticket())).unwrap();
        assert!(by_old.starts_with(&format!("TSU2.{}.", old.verifying_key().id())));
        let both = Keyring::new([new.verifying_key(), old.verifying_key()]);
        assert_eq!(read(&by_old, &both), Ok(PassBody::Ticket(ticket())));
        assert_eq!(read(&by_new, &both), Ok(PassBody::Ticket(ticket())));
        // Retired: only the new key is listed, and the old key's passes read as forged.
        let rotated = Keyring::new([new.verifying_key()]);
        assert_eq!(read(&by_old, &rotated), Err(PassError::Forged));
        assert_eq!(read(&by_new, &rotated), Ok(PassBody::Ticket(ticket())));
        // A pass that claims the new key's id but was signed by the old one is forged too.
        let claimed = by_old.replacen(&old.verifying_key().id(), &new.verifying_key().id(), 1);
        assert_eq!(read(&claimed, &both), Err(PassError::Forged));
        let gate = Gate {
            event: "e",
            now: 5,
            revoked: &HashSet::new(),
        };
        assert_eq!(judge_ticket(&by_old, &rotated, &gate), Verdict::Forged);
    }

    #[test]
    fn passes_of_the_first_format_read_against_every_valid_key() {
        let key = SigningKey::from_bytes(&[3; 32]);
        // A TSU1 pass as relays before key ids wrote them.
        let mut cbor = Vec::new();
        ciborium::into_writer(&PassBody::Ticket(ticket()), &mut cbor).unwrap();
        let mut text = format!("TSU1.{}", URL_SAFE_NO_PAD.encode(&cbor));
        let signature = ed25519_dalek::Signer::sign(&key.0, text.as_bytes());
        text.push('.');
        text.push_str(&URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        let ring = Keyring::new([
            SigningKey::from_bytes(&[4; 32]).verifying_key(),
            key.verifying_key(),
        ]);
        assert_eq!(read(&text, &ring), Ok(PassBody::Ticket(ticket())));
        assert_eq!(read(&text, &Keyring::default()), Err(PassError::Forged));
    }

    #[test]
    fn the_organisation_document_carries_keys_and_revoked_cards() {
        let key = SigningKey::from_bytes(&[5; 32]).verifying_key();
        let mut authority = PassAuthority::default();
        authority.keys.insert(key.id(), key.to_string());
        authority
            .revoked_cards
            .insert("u-ken".into(), 1_800_000_000);
        let mut doc = automerge::AutoCommit::new();
        authority.write_to(&mut doc).unwrap();
        let read_back = PassAuthority::read(&doc);
        assert_eq!(read_back, authority);
        assert_eq!(read_back.keyring(), Keyring::new([key]));
        assert_eq!(
            PassAuthority::read(&automerge::AutoCommit::new()),
            PassAuthority::default()
        );
    }
}

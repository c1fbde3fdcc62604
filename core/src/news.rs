//! Company news (issue 13, docs/design.md §13): posts admins write and aim at a segment of the
//! network, which only the members in that segment ever receive.
//!
//! A post is one document ([`crate::vocab::DocKind::NewsPost`]), written by admins and read by
//! its segment once published:
//!
//! ```text
//! title, body (Markdown), status ("draft" | "published" | "unpublished"),
//! publish_at (unix seconds; 0: as soon as published), pinned, important, newsletter,
//! segment {left_from, left_to, joined_from, joined_to, departments, locations, interests, roles}
//! job? {kind, department, location, remote, duration, rate, closes_at}
//! ```
//!
//! A job opening ([`crate::vocab::DocKind::JobPost`]) is a post with its particulars in `job`
//! ([`Opening`]): admins and recruiters write it, and it reaches its segment as news does.
//!
//! Who is in a segment is judged on [`MemberFacts`]: what the admins who aim posts may see of a
//! member's profile (never its private part) and the member's roles. The relay judges it for
//! every member who asks for a post, so a post never reaches a device outside its segment.
//!
//! ```
//! use tsunagu_core::news::{MemberFacts, Segment};
//! use tsunagu_core::profile::Interest;
//! use tsunagu_core::vocab::Role;
//!
//! // "Left 2018–2022, open to rehire".
//! let segment = Segment {
//!     left_from: 2018,
//!     left_to: 2022,
//!     interests: vec![Interest::Rehire.key().into()],
//!     ..Segment::default()
//! };
//! let hanako = MemberFacts {
//!     roles: vec![Role::Alumni],
//!     left: Some(2020),
//!     interests: vec!["rehire".into()],
//!     ..MemberFacts::default()
//! };
//! let ken = MemberFacts { left: Some(2015), ..hanako.clone() };
//! assert!(segment.includes(&hanako));
//! assert!(!segment.includes(&ken));
//! assert!(Segment::default().includes(&ken), "an empty segment is everyone");
//! ```

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};
use autosurgeon::Reconcile;
use serde::{Deserialize, Serialize};

use crate::event::{DocError, map_at, read_doc};
use crate::profile::Profile;
use crate::search::fold;
use crate::vocab::Role;

/// Where a post stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostStatus {
    /// Being written: admins only.
    Draft,
    /// Out (from `publish_at`, if one is set): its segment reads it.
    Published,
    /// Taken back: admins only again, and it leaves members' devices.
    Unpublished,
}

impl PostStatus {
    pub const ALL: [PostStatus; 3] = [
        PostStatus::Draft,
        PostStatus::Published,
        PostStatus::Unpublished,
    ];

    pub fn key(self) -> &'static str {
        match self {
            PostStatus::Draft => "draft",
            PostStatus::Published => "published",
            PostStatus::Unpublished => "unpublished",
        }
    }

    /// An unknown status reads as a draft: shown to admins only.
    pub fn from_key(key: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|s| s.key() == key)
            .unwrap_or(PostStatus::Draft)
    }
}

/// Who a post is for. Every condition given must hold; a condition left empty (0 for a year)
/// holds for everyone, so the default segment is the whole network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Segment {
    /// Left the company in this year or later (a member who has not left does not match).
    pub left_from: i32,
    /// Left in this year or earlier.
    pub left_to: i32,
    /// Joined in this year or later.
    pub joined_from: i32,
    /// Joined in this year or earlier.
    pub joined_to: i32,
    /// Worked in any of these departments (in any position of their career here).
    pub departments: Vec<String>,
    /// Lives where any of these names appear in their location ("東京" matches "東京都港区").
    pub locations: Vec<String>,
    /// Open to any of these ([`crate::profile::Interest`] keys).
    pub interests: Vec<String>,
    /// Holds any of these roles ([`Role`] keys).
    pub roles: Vec<String>,
}

/// What a segment is judged on for one member. The relay keeps the profile's part of it between
/// changes to the profile (roles are looked up each time, so they are not serialised).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MemberFacts {
    #[serde(skip)]
    pub roles: Vec<Role>,
    /// The year they joined, if their profile says.
    pub joined: Option<i32>,
    /// The year they left; `None` for someone still at the company (or not recorded).
    pub left: Option<i32>,
    /// The departments of their positions at the company.
    pub departments: Vec<String>,
    pub location: String,
    /// [`crate::profile::Interest`] keys.
    pub interests: Vec<String>,
}

impl MemberFacts {
    /// A member's facts from the parts of their profile an admin may read (the part everyone
    /// reads, the members' part and the admins' part; never the private one): each field is
    /// taken from the part that holds it.
    pub fn from_profile(roles: &[Role], parts: &[Profile]) -> Self {
        let first = |field: fn(&Profile) -> &str| {
            parts
                .iter()
                .map(field)
                .find(|v| !v.trim().is_empty())
                .unwrap_or_default()
        };
        let departments = parts
            .iter()
            .flat_map(|p| &p.positions)
            .map(|p| p.department.trim().to_owned())
            .filter(|d| !d.is_empty())
            .collect();
        let interests = parts
            .iter()
            .flat_map(|p| p.interests.iter().cloned())
            .collect();
        Self {
            roles: roles.to_vec(),
            joined: year_of(first(|p| &p.joined)),
            left: year_of(first(|p| &p.left)),
            departments,
            location: first(|p| &p.location).to_owned(),
            interests,
        }
    }
}

/// The year of a `YYYY-MM` (or `YYYY`) date.
fn year_of(date: &str) -> Option<i32> {
    date.trim().get(..4)?.parse().ok().filter(|y| *y > 0)
}

impl Segment {
    /// Whether the member with `facts` is in the segment.
    pub fn includes(&self, facts: &MemberFacts) -> bool {
        within(facts.left, self.left_from, self.left_to)
            && within(facts.joined, self.joined_from, self.joined_to)
            && any_or_none(&self.departments, |d| {
                let d = fold(d);
                facts.departments.iter().any(|theirs| fold(theirs) == d)
            })
            && any_or_none(&self.locations, |place| {
                let place = fold(place);
                !place.is_empty() && fold(&facts.location).contains(&place)
            })
            && any_or_none(&self.interests, |i| facts.interests.contains(i))
            && any_or_none(&self.roles, |r| {
                Role::from_key(r).is_some_and(|r| facts.roles.contains(&r))
            })
    }

    /// Whether the segment is the whole network.
    pub fn is_everyone(&self) -> bool {
        *self == Self::default()
    }

    /// Why the segment cannot be one, if it cannot: years out of order or out of range, too
    /// many or too long names, unknown interests or roles.
    pub fn problem(&self) -> Option<&'static str> {
        let year = |y: i32| y == 0 || (1900..=2200).contains(&y);
        if ![
            self.left_from,
            self.left_to,
            self.joined_from,
            self.joined_to,
        ]
        .into_iter()
        .all(year)
        {
            return Some("a year in a segment is out of range");
        }
        let ordered = |from: i32, to: i32| from == 0 || to == 0 || from <= to;
        if !ordered(self.left_from, self.left_to) || !ordered(self.joined_from, self.joined_to) {
            return Some("a segment's years run backwards");
        }
        let names = [&self.departments, &self.locations];
        if names.iter().any(|list| {
            list.len() > MAX_SEGMENT_NAMES || list.iter().any(|n| n.chars().count() > 100)
        }) {
            return Some("a segment names too many or too long departments or places");
        }
        if self
            .interests
            .iter()
            .any(|i| crate::profile::Interest::from_key(i).is_none())
        {
            return Some("a segment names an unknown interest");
        }
        if self.roles.iter().any(|r| Role::from_key(r).is_none()) {
            return Some("a segment names an unknown role");
        }
        None
    }
}

/// The most departments or places one segment names.
pub const MAX_SEGMENT_NAMES: usize = 50;

/// `value` within `from..=to`, a bound of 0 being none; a missing value only passes with no
/// bounds.
fn within(value: Option<i32>, from: i32, to: i32) -> bool {
    if from == 0 && to == 0 {
        return true;
    }
    value.is_some_and(|v| (from == 0 || v >= from) && (to == 0 || v <= to))
}

/// The photo ids a Markdown text names as `photo:<id>` (the app's way of showing a photo from
/// the relay's store in a post).
pub fn photos_in(markdown: &str) -> BTreeSet<String> {
    markdown
        .match_indices(PHOTO_SCHEME)
        .filter_map(|(at, _)| markdown.get(at + PHOTO_SCHEME.len()..at + PHOTO_SCHEME.len() + 64))
        .filter(|id| crate::photo::is_id(id))
        .map(str::to_owned)
        .collect()
}

/// How a post's Markdown names a photo: `![説明会の会場](photo:<id>)`.
pub const PHOTO_SCHEME: &str = "photo:";

/// True if `wanted` is empty, else whether any of it passes `test`.
fn any_or_none(wanted: &[String], test: impl Fn(&String) -> bool) -> bool {
    wanted.is_empty() || wanted.iter().any(test)
}

/// One post, as its document holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct NewsPost {
    pub title: String,
    /// Markdown, rendered without raw HTML.
    pub body: String,
    /// A [`PostStatus`] key.
    pub status: String,
    /// When a published post comes out (unix seconds); 0 for as soon as it is published.
    pub publish_at: i64,
    /// Shown above the others while pinned.
    pub pinned: bool,
    /// Announced by push to its segment's members who have the app closed, once, when it comes
    /// out.
    pub important: bool,
    /// Also mailed, once, when it comes out, to its segment's members who have not unsubscribed
    /// (the newsletter; only on a relay that has a mail server).
    pub newsletter: bool,
    pub segment: Segment,
    /// A job opening's particulars; `None` for news.
    pub job: Option<Opening>,
}

/// What kind of work a job opening offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// A permanent position to come back to (正社員, 出戻り採用).
    FullTime,
    /// Part-time work (パート・アルバイト).
    PartTime,
    /// A short engagement on contract or on the side (業務委託・副業), with a duration and a rate.
    Gig,
    /// An opening the company asks alumni to refer someone for (リファラル).
    Referral,
}

impl JobKind {
    pub const ALL: [JobKind; 4] = [
        JobKind::FullTime,
        JobKind::PartTime,
        JobKind::Gig,
        JobKind::Referral,
    ];

    pub fn key(self) -> &'static str {
        match self {
            JobKind::FullTime => "full-time",
            JobKind::PartTime => "part-time",
            JobKind::Gig => "gig",
            JobKind::Referral => "referral",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// A job opening's particulars, beside its post's title, text and segment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Opening {
    /// A [`JobKind`] key.
    pub kind: String,
    pub department: String,
    /// Where the work is ("東京本社", "大阪").
    pub location: String,
    /// Whether it can be done remotely.
    pub remote: bool,
    /// How long a gig lasts ("3か月", "2026年4月〜9月"); free text.
    pub duration: String,
    /// What it pays ("月額60万円〜", "時給3,000円"); free text.
    pub rate: String,
    /// When applications close (unix seconds); 0 for open until the post is taken back.
    pub closes_at: i64,
}

/// The longest of an opening's short fields.
pub const MAX_OPENING_FIELD_CHARS: usize = 200;

impl Opening {
    /// An opening of `kind`, with nothing else said yet.
    pub fn of(kind: JobKind) -> Self {
        Self {
            kind: kind.key().into(),
            ..Self::default()
        }
    }

    pub fn kind(&self) -> Option<JobKind> {
        JobKind::from_key(&self.kind)
    }

    /// Whether applications have closed at `now` (unix seconds).
    pub fn is_closed(&self, now: i64) -> bool {
        self.closes_at > 0 && self.closes_at <= now
    }

    /// Why the opening cannot be stored as it is, if it cannot.
    pub fn problem(&self) -> Option<&'static str> {
        if self.kind().is_none() {
            return Some("an opening needs a known kind of work");
        }
        let fields = [&self.department, &self.location, &self.duration, &self.rate];
        if fields
            .iter()
            .any(|f| f.chars().count() > MAX_OPENING_FIELD_CHARS)
        {
            return Some("an opening's department, place, duration or rate is too long");
        }
        if self.closes_at < 0 {
            return Some("an opening's closing time is before 1970");
        }
        None
    }
}

/// The longest title and body a post may have.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 50_000;

impl NewsPost {
    /// A new draft for everyone.
    pub fn draft(title: &str) -> Self {
        Self {
            title: title.into(),
            status: PostStatus::Draft.key().into(),
            ..Self::default()
        }
    }

    pub fn read(doc: &impl ReadDoc) -> Result<Self, DocError> {
        read_doc(doc)
    }

    /// Writes only what differs from what the document holds.
    pub fn write_to(&self, doc: &mut impl autosurgeon::Doc) -> Result<(), DocError> {
        Ok(autosurgeon::reconcile(doc, self)?)
    }

    pub fn status(&self) -> PostStatus {
        PostStatus::from_key(&self.status)
    }

    /// Whether its segment reads it at `now` (unix seconds).
    pub fn is_out(&self, now: i64) -> bool {
        self.status() == PostStatus::Published && self.publish_at <= now
    }

    /// The photos its text shows (`![…](photo:<id>)`, docs/design.md §10), which its readers may
    /// fetch from the relay.
    pub fn photos(&self) -> BTreeSet<String> {
        photos_in(&self.body)
    }

    /// Why the post cannot be stored as it is, if it cannot.
    pub fn problem(&self) -> Option<&'static str> {
        if self.title.chars().count() > MAX_TITLE_CHARS
            || self.body.chars().count() > MAX_BODY_CHARS
        {
            return Some("the title or body is too long");
        }
        if self.status() == PostStatus::Published && self.title.trim().is_empty() {
            return Some("a published post needs a title");
        }
        if let Some(problem) = self.job.as_ref().and_then(Opening::problem) {
            return Some(problem);
        }
        self.segment.problem()
    }
}

/// What a post's readers say to it ([`crate::vocab::DocKind::NewsResponses`], one document per
/// post, made by the relay with the post):
///
/// ```text
/// likes    { <member id>: <when, unix ms> }
/// comments { "<member id>:<random>": { text, at (unix ms), editedAt? } }
/// hidden   { "<comment key>": <the admin who hid it> }
/// ```
///
/// A reader writes only under their own id (the grant table's `$me` and `$me:*`), so nobody
/// likes or comments as someone else; a comment's author is the id its key starts with. Their
/// own comment they edit, or delete (its key goes, and its text with it from the current
/// state). Admins hide a comment for everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Responses {
    /// Who liked the post, and when (unix ms).
    pub likes: BTreeMap<String, i64>,
    /// The comments, oldest first (ties by key, the same on every device).
    pub comments: Vec<Comment>,
}

/// One comment on a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Its key in the document: `<author>:<random>`.
    pub key: String,
    pub author: String,
    /// Empty once hidden.
    pub text: String,
    /// When it was written (unix ms).
    pub at: i64,
    pub edited_at: Option<i64>,
    /// An admin hid it: its text is not shown.
    pub hidden: bool,
}

/// Characters a comment may have; the app keeps to it (a longer one is cut when shown).
pub const MAX_COMMENT_CHARS: usize = 2_000;

/// Comments one member may have on one post at a time: far more than a conversation needs, and
/// one member cannot fill a post's responses (a document with a size limit) so that no one else
/// can comment. The relay refuses a change that goes over it.
pub const MAX_COMMENTS_PER_MEMBER: usize = 100;

/// The ephemeral message the relay sends on the organisation's document when a post came out
/// (or reached further): open apps ask again which posts they may read. It names no post, so
/// members outside the segment learn nothing but that something was published.
pub fn news_changed() -> Vec<u8> {
    let mut cbor = Vec::new();
    let map = ciborium::Value::Map(vec![(
        ciborium::Value::Text("news".into()),
        ciborium::Value::Text("changed".into()),
    )]);
    ciborium::into_writer(&map, &mut cbor).expect("a map of text always encodes");
    cbor
}

/// Whether an ephemeral message is [`news_changed`].
pub fn is_news_changed(data: &[u8]) -> bool {
    data == news_changed().as_slice()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ResponsesDoc {
    likes: BTreeMap<String, i64>,
    comments: BTreeMap<String, CommentEntry>,
    hidden: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct CommentEntry {
    text: String,
    at: i64,
    edited_at: Option<i64>,
}

const LIKES: &str = "likes";
const COMMENTS: &str = "comments";
const HIDDEN: &str = "hidden";

impl Responses {
    /// Makes a new post's maps (the relay, once); readers write only inside them.
    pub fn create(doc: &mut impl Transactable) -> Result<(), DocError> {
        for key in [LIKES, COMMENTS, HIDDEN] {
            doc.put_object(ROOT, key, ObjType::Map)?;
        }
        Ok(())
    }

    pub fn read(doc: &impl ReadDoc) -> Result<Self, DocError> {
        let stored: ResponsesDoc = read_doc(doc)?;
        let mut comments: Vec<Comment> = stored
            .comments
            .into_iter()
            .filter_map(|(key, entry)| {
                let author = key.split_once(':')?.0.to_owned();
                let hidden = stored.hidden.contains_key(&key);
                Some(Comment {
                    text: if hidden {
                        String::new()
                    } else {
                        entry.text.chars().take(MAX_COMMENT_CHARS).collect()
                    },
                    at: entry.at,
                    edited_at: entry.edited_at,
                    hidden,
                    author,
                    key,
                })
            })
            .collect();
        comments.sort_by(|a, b| (a.at, &a.key).cmp(&(b.at, &b.key)));
        Ok(Self {
            likes: stored.likes,
            comments,
        })
    }

    /// The comments not hidden.
    pub fn shown(&self) -> impl Iterator<Item = &Comment> {
        self.comments.iter().filter(|c| !c.hidden)
    }

    /// `member` likes the post (`at`: unix ms), or with `None` no longer does. `false`: the
    /// document has not arrived yet (no map to write into).
    pub fn like(
        doc: &mut impl Transactable,
        member: &str,
        at: Option<i64>,
    ) -> Result<bool, DocError> {
        let Some(likes) = map_at(doc, &ROOT, LIKES)? else {
            return Ok(false);
        };
        match at {
            Some(at) => doc.put(&likes, member, at)?,
            None if doc.get(&likes, member)?.is_some() => doc.delete(&likes, member)?,
            None => {}
        }
        Ok(true)
    }

    /// `member` comments `text` under their own key `<member>:<id>`; returns the key, or
    /// `None` if the document has not arrived.
    pub fn comment(
        doc: &mut impl Transactable,
        member: &str,
        id: &str,
        text: &str,
        at: i64,
    ) -> Result<Option<String>, DocError> {
        let Some(comments) = map_at(doc, &ROOT, COMMENTS)? else {
            return Ok(None);
        };
        let key = format!("{member}:{id}");
        let entry = doc.put_object(&comments, key.as_str(), ObjType::Map)?;
        doc.put(&entry, "text", text)?;
        doc.put(&entry, "at", at)?;
        Ok(Some(key))
    }

    /// Replaces the text of `member`'s own comment `key`; `false` if there is none.
    pub fn edit_comment(
        doc: &mut impl Transactable,
        member: &str,
        key: &str,
        text: &str,
        at: i64,
    ) -> Result<bool, DocError> {
        let Some(entry) = own_comment(doc, member, key)? else {
            return Ok(false);
        };
        doc.put(&entry, "text", text)?;
        doc.put(&entry, "editedAt", at)?;
        Ok(true)
    }

    /// Deletes `member`'s own comment `key`; `false` if there is none.
    pub fn delete_comment(
        doc: &mut impl Transactable,
        member: &str,
        key: &str,
    ) -> Result<bool, DocError> {
        if own_comment(doc, member, key)?.is_none() {
            return Ok(false);
        }
        let comments = map_at(doc, &ROOT, COMMENTS)?.expect("the comment is in it");
        doc.delete(&comments, key)?;
        Ok(true)
    }

    /// Hides comment `key` for everyone (admins), or shows it again.
    pub fn hide(
        doc: &mut impl Transactable,
        key: &str,
        admin: &str,
        hidden: bool,
    ) -> Result<bool, DocError> {
        let Some(map) = map_at(doc, &ROOT, HIDDEN)? else {
            return Ok(false);
        };
        if hidden {
            doc.put(&map, key, admin)?;
        } else if doc.get(&map, key)?.is_some() {
            doc.delete(&map, key)?;
        }
        Ok(true)
    }
}

impl Responses {
    /// How many comments `member` has on the post now (deleted ones not counted).
    pub fn comments_by(doc: &impl ReadDoc, member: &str) -> usize {
        match map_at(doc, &ROOT, COMMENTS) {
            Ok(Some(comments)) => keys_of(doc, &comments, member).len(),
            _ => 0,
        }
    }

    /// Takes back everything `member` said to the post (their account was deleted): their
    /// いいね and their comments leave the current state. Says whether there was any.
    pub fn erase_member(doc: &mut impl Transactable, member: &str) -> Result<bool, DocError> {
        let mut erased = false;
        if let Some(likes) = map_at(doc, &ROOT, LIKES)?
            && doc.get(&likes, member)?.is_some()
        {
            doc.delete(&likes, member)?;
            erased = true;
        }
        if let Some(comments) = map_at(doc, &ROOT, COMMENTS)? {
            for key in keys_of(doc, &comments, member) {
                doc.delete(&comments, key.as_str())?;
                erased = true;
            }
        }
        Ok(erased)
    }
}

/// The keys of `member`'s comments in the map `comments` (`<member>:<random>`).
fn keys_of(doc: &impl ReadDoc, comments: &automerge::ObjId, member: &str) -> Vec<String> {
    let prefix = format!("{member}:");
    doc.keys(comments)
        .filter(|k| k.starts_with(&prefix))
        .collect()
}

/// `member`'s own comment `key`, if the key is theirs and the comment is there.
fn own_comment(
    doc: &impl ReadDoc,
    member: &str,
    key: &str,
) -> Result<Option<automerge::ObjId>, DocError> {
    let theirs = key
        .strip_prefix(member)
        .is_some_and(|rest| rest.starts_with(':'));
    if !theirs {
        return Ok(None);
    }
    match map_at(doc, &ROOT, COMMENTS)? {
        Some(comments) => map_at(doc, &comments, key),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use automerge::AutoCommit;

    use super::*;
    use crate::profile::Position;

    fn alumnus(joined: &str, left: &str) -> Profile {
        Profile {
            joined: joined.into(),
            left: left.into(),
            ..Profile::default()
        }
    }

    #[test]
    fn facts_come_from_the_parts_an_admin_reads_whichever_holds_each_field() {
        let public = Profile {
            positions: vec![Position {
                department: "営業部".into(),
                role: "課長".into(),
            }],
            ..alumnus("2012-04", "2020-03")
        };
        let members = Profile {
            location: "東京都港区".into(),
            interests: vec!["rehire".into()],
            ..Profile::default()
        };
        let facts = MemberFacts::from_profile(&[Role::Alumni], &[public, members]);
        assert_eq!(facts.joined, Some(2012));
        assert_eq!(facts.left, Some(2020));
        assert_eq!(facts.departments, ["営業部"]);
        assert_eq!(facts.location, "東京都港区");
        assert_eq!(facts.interests, ["rehire"]);
    }

    #[test]
    fn every_condition_must_hold_and_an_empty_one_holds_for_everyone() {
        let facts = MemberFacts {
            roles: vec![Role::Alumni],
            joined: Some(2012),
            left: Some(2020),
            departments: vec!["営業部".into()],
            location: "東京都港区".into(),
            interests: vec!["rehire".into(), "mentoring".into()],
        };
        let segment = |s: Segment| s.includes(&facts);
        assert!(segment(Segment::default()));
        assert!(segment(Segment {
            left_from: 2018,
            left_to: 2022,
            ..Segment::default()
        }));
        assert!(!segment(Segment {
            left_from: 2021,
            ..Segment::default()
        }));
        assert!(segment(Segment {
            joined_to: 2012,
            ..Segment::default()
        }));
        // Full-width or half-width, the same department; any of the places listed.
        assert!(segment(Segment {
            departments: vec!["開発部".into(), "営業部".into()],
            locations: vec!["大阪".into(), "東京".into()],
            ..Segment::default()
        }));
        assert!(!segment(Segment {
            departments: vec!["開発部".into()],
            ..Segment::default()
        }));
        assert!(segment(Segment {
            interests: vec!["collaboration".into(), "rehire".into()],
            roles: vec!["alumni".into()],
            ..Segment::default()
        }));
        assert!(!segment(Segment {
            roles: vec!["employee".into()],
            ..Segment::default()
        }));
        // Someone still at the company never matches a "left" bound.
        let employee = MemberFacts {
            left: None,
            ..facts.clone()
        };
        assert!(
            !Segment {
                left_to: 2030,
                ..Segment::default()
            }
            .includes(&employee)
        );
    }

    #[test]
    fn a_post_names_the_photos_its_text_shows_and_nothing_that_only_looks_like_one() {
        let id = crate::photo::id_of(b"\xFF\xD8\xFF\xE0 a jpeg");
        let post = NewsPost {
            body: format!(
                "会場の様子です。\n\n![会場](photo:{id})\n\n![again](photo:{id}) \
                 ![short](photo:abc) photo:{} [link](https://example.com/photo:x)",
                id.to_uppercase()
            ),
            ..NewsPost::draft("説明会")
        };
        assert_eq!(post.photos(), BTreeSet::from([id]));
        assert!(NewsPost::draft("写真なし").photos().is_empty());
    }

    #[test]
    fn impossible_segments_and_posts_say_why() {
        let backwards = Segment {
            left_from: 2022,
            left_to: 2018,
            ..Segment::default()
        };
        assert!(backwards.problem().is_some());
        let unknown = Segment {
            interests: vec!["gossip".into()],
            ..Segment::default()
        };
        assert!(unknown.problem().is_some());
        let odd_role = Segment {
            roles: vec!["owner".into()],
            ..Segment::default()
        };
        assert!(odd_role.problem().is_some());
        assert_eq!(Segment::default().problem(), None);
        let untitled = NewsPost {
            status: PostStatus::Published.key().into(),
            ..NewsPost::default()
        };
        assert!(untitled.problem().is_some());
        assert_eq!(NewsPost::draft("").problem(), None);
    }

    #[test]
    fn a_post_round_trips_and_is_out_only_once_published_and_due() {
        let mut doc = AutoCommit::new();
        let mut post = NewsPost::draft("アルムナイ採用を始めます");
        post.body = "**出戻り**歓迎です".into();
        post.segment.interests = vec!["rehire".into()];
        post.write_to(&mut doc).unwrap();
        assert_eq!(NewsPost::read(&doc).unwrap(), post);
        assert!(!post.is_out(100));
        post.status = PostStatus::Published.key().into();
        post.publish_at = 200;
        assert!(!post.is_out(100), "scheduled");
        assert!(post.is_out(200));
        post.status = PostStatus::Unpublished.key().into();
        assert!(!post.is_out(300));
        assert_eq!(PostStatus::from_key("teleported"), PostStatus::Draft);
    }

    #[test]
    fn readers_like_and_comment_under_their_own_ids_and_admins_hide() {
        let mut doc = AutoCommit::new();
        Responses::create(&mut doc).unwrap();
        assert!(Responses::like(&mut doc, "hanako", Some(1_000)).unwrap());
        assert!(Responses::like(&mut doc, "ken", Some(2_000)).unwrap());
        Responses::like(&mut doc, "ken", None).unwrap();
        let first = Responses::comment(&mut doc, "hanako", "a1", "おめでとうございます", 3_000)
            .unwrap()
            .expect("the map is there");
        let second = Responses::comment(&mut doc, "ken", "b1", "懐かしい", 2_500)
            .unwrap()
            .unwrap();
        assert_eq!(first, "hanako:a1");
        // Only one's own comment is edited or deleted.
        assert!(!Responses::edit_comment(&mut doc, "ken", &first, "改ざん", 4_000).unwrap());
        assert!(!Responses::delete_comment(&mut doc, "ken", &first).unwrap());
        assert!(
            Responses::edit_comment(&mut doc, "hanako", &first, "おめでとう！", 4_000).unwrap()
        );
        let read = Responses::read(&doc).unwrap();
        assert_eq!(read.likes.keys().collect::<Vec<_>>(), ["hanako"]);
        let texts: Vec<(&str, &str)> = read
            .comments
            .iter()
            .map(|c| (c.author.as_str(), c.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            [("ken", "懐かしい"), ("hanako", "おめでとう！")],
            "oldest first"
        );
        assert_eq!(read.comments[1].edited_at, Some(4_000));

        Responses::hide(&mut doc, &second, "admin", true).unwrap();
        let read = Responses::read(&doc).unwrap();
        assert!(read.comments[0].hidden && read.comments[0].text.is_empty());
        assert_eq!(read.shown().count(), 1);
        assert!(Responses::delete_comment(&mut doc, "hanako", &first).unwrap());
        assert_eq!(Responses::read(&doc).unwrap().shown().count(), 0);
        // A document that has not arrived has no maps to write into.
        let mut empty = AutoCommit::new();
        assert!(!Responses::like(&mut empty, "hanako", Some(1)).unwrap());
        assert_eq!(
            Responses::comment(&mut empty, "hanako", "x", "t", 1).unwrap(),
            None
        );
    }
}

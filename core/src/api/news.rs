//! Company news: starting a post, listing the posts one may read, and how many members a
//! segment reaches (docs/design.md §13).

use serde::{Deserialize, Serialize};

use crate::ids::DocumentId;
use crate::news::{Opening, Segment};

/// `POST /api/news` (admins): a new draft post for `segment`, answered with its [`NewsRef`].
/// The post's text, status and the rest are then edited in its document, as any document is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPost {
    pub title: String,
    #[serde(default)]
    pub segment: Segment,
}

/// `POST /api/jobs` (admins, recruiters): a new draft job opening for `segment`, answered
/// with its [`NewsRef`]; like a post of news, it is then edited in its document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewJob {
    pub title: String,
    #[serde(default)]
    pub segment: Segment,
    pub opening: Opening,
}

/// One post the caller may read: `GET /api/news` lists them, pinned first, then the newest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsRef {
    pub post: DocumentId,
    /// What its readers say to it ([`crate::news::Responses`]), which they read and write.
    #[serde(default)]
    pub responses: Option<DocumentId>,
    /// When it came out (unix seconds); 0 for a post not out yet (admins see those too).
    pub out_at: i64,
    pub pinned: bool,
    /// A job opening ([`crate::vocab::DocKind::JobPost`]) rather than news.
    #[serde(default)]
    pub job: bool,
    /// For those who post job openings: what recruiters note about its applicants
    /// ([`crate::vocab::DocKind::JobNotes`]), which no one else receives.
    #[serde(default)]
    pub notes: Option<DocumentId>,
}

/// `GET /api/jobs/<post>/applications` (admins, recruiters): one application for the opening,
/// as its applicant wrote it, or one person a member referred; and where it stands. Oldest
/// first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    /// The applicant's user id, or the referral's key ([`crate::job_application::Referral`]).
    pub id: String,
    /// The applicant's name, or the name of who was referred.
    pub name: String,
    /// What the applicant wrote; for a referral, why the referrer recommends them.
    pub application: crate::job_application::JobApplication,
    /// The stages it went through, oldest first; the last is where it stands.
    pub stages: Vec<crate::job_application::StageEntry>,
    /// For a referral: whom to write to, and who referred them.
    #[serde(default)]
    pub referral: Option<Referred>,
}

/// What the board shows of a referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referred {
    pub email: String,
    pub referrer_id: String,
    pub referrer_name: String,
    /// When the person was hired, to the referrer's credit (unix seconds).
    #[serde(default)]
    pub credited_at: Option<i64>,
}

/// `PUT /api/jobs/<post>/applications/<id>` (admins, recruiters): the application (or
/// referral) [`Applicant::id`] names moves to `stage` (a [`crate::job_application::Stage`]
/// key); the applicant's (or referrer's) phone shows it with its date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveApplication {
    pub stage: String,
}

/// `POST /api/news/opened`: the posts the caller opened (on any device of theirs), for the
/// admins' count of who read each post. Posts the caller may not read are passed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedPosts {
    pub posts: Vec<DocumentId>,
}

/// The most posts one `POST /api/news/opened` reports.
pub const MAX_OPENED_PER_CALL: usize = 500;

/// `GET /api/news/<post>/stats` (admins): how a post is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostStats {
    /// Members in its segment now (0 while it is not out).
    pub reached: usize,
    /// Members who opened it.
    pub opened: usize,
    pub likes: usize,
    /// Comments not hidden.
    pub comments: usize,
    /// Newsletter mails the mail server took for delivery.
    #[serde(default)]
    pub mailed: usize,
    /// Newsletter mails it refused (an unknown address, a full mailbox), or that never went.
    #[serde(default)]
    pub undelivered: usize,
}

/// `GET` and `PUT /api/newsletter`: whether the caller receives posts by mail as well (they do
/// unless they unsubscribed, by this or by the link in a newsletter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsletterChoice {
    pub receive: bool,
    /// In answers: whether this relay has a mail server at all (without one no newsletter goes,
    /// and the app does not offer the choice). Ignored in a `PUT`.
    #[serde(default)]
    pub mail_server: bool,
}

/// `POST /api/news/segment` (admins), with a [`Segment`]: how many members it reaches now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentReach {
    pub members: usize,
}

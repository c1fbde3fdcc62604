//! Applying for a job opening (issue 13, docs/design.md §13).
//!
//! Each member has one applications document. They write an application into it — offline if
//! need be — under the opening's document id: a short note, what they have done since leaving,
//! a link to their CV, and when they wrote it. Only the relay writes the rest: the stages the
//! application went through (応募済 → 書類選考 → 面接 → 内定 → 入社 / 見送り), each with its date,
//! as recruiters move it on their board, or why it was refused (the opening had closed when it
//! arrived, or the member may not read it). So a member can neither change their application's
//! stage nor apply for an opening not aimed at them; and what recruiters note about an applicant
//! is kept elsewhere, where the applicant cannot read it.
//!
//! ```
//! use automerge::AutoCommit;
//! use tsunagu_core::job_application::{JobApplication, JobApplications, Refusal, Stage};
//!
//! let mut doc = AutoCommit::new();
//! JobApplications::create(&mut doc).unwrap();
//! let written = JobApplication { note: "また一緒に働きたいです".into(), at: 100, ..JobApplication::default() };
//! JobApplications::apply(&mut doc, "post-1", &written).unwrap();
//! // The relay takes it up, then a recruiter invites her to an interview.
//! JobApplications::enter_stage(&mut doc, "post-1", Stage::Applied, 120).unwrap();
//! JobApplications::enter_stage(&mut doc, "post-1", Stage::Interview, 500).unwrap();
//! let mine = JobApplications::read(&doc).unwrap();
//! assert_eq!(mine.applications["post-1"], written);
//! assert_eq!(mine.stage("post-1"), Some(Stage::Interview));
//! assert_eq!(mine.waiting().count(), 0);
//!
//! JobApplications::apply(&mut doc, "post-2", &written).unwrap();
//! JobApplications::refuse(&mut doc, "post-2", Refusal::Closed).unwrap();
//! assert_eq!(JobApplications::read(&doc).unwrap().refusal("post-2"), Some(Refusal::Closed));
//! ```

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};
use serde::{Deserialize, Serialize};

use crate::event::{DocError, map_at, read_doc};

/// The longest note to recruiters, and the longest account of the years since leaving.
pub const MAX_APPLICATION_TEXT_CHARS: usize = 2_000;
/// The longest link to a CV.
pub const MAX_CV_LINK_CHARS: usize = 500;

/// Where the member writes: one new entry per opening, under its document id, never changed
/// afterwards ([`crate::grants`] lets the owner only append there).
pub const APPLICATIONS_KEY: &str = "applications";
/// Where the relay records each application's stages.
pub const STAGES_KEY: &str = "stages";
/// Where the relay records why an application was not taken.
pub const REFUSED_KEY: &str = "refused";

/// One application, as its applicant wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobApplication {
    /// A short note to the recruiters.
    pub note: String,
    /// What they have done since leaving (the app fills it in from their profile's positions).
    pub since: String,
    /// A link to their CV or portfolio (https), or empty.
    pub link: String,
    /// Their CV as a file (a PDF in the relay's blob store, named by its id,
    /// [`crate::photo::id_of`]), or empty. Recruiters read it through the board.
    pub cv: String,
    /// When they wrote it (unix seconds, by their device's clock).
    pub at: i64,
}

impl JobApplication {
    /// Why the application cannot be taken as it is, if it cannot.
    pub fn problem(&self) -> Option<&'static str> {
        if self.note.trim().is_empty() {
            return Some("an application needs a note");
        }
        if self.note.chars().count() > MAX_APPLICATION_TEXT_CHARS
            || self.since.chars().count() > MAX_APPLICATION_TEXT_CHARS
        {
            return Some("an application's note is too long");
        }
        let link = self.link.trim();
        if link.chars().count() > MAX_CV_LINK_CHARS {
            return Some("the link to a CV is too long");
        }
        if !link.is_empty() && !link.starts_with("https://") {
            return Some("the link to a CV must start with https://");
        }
        if !self.cv.is_empty() && !crate::photo::is_id(&self.cv) {
            return Some("a CV file is named by the SHA-256 of its bytes");
        }
        None
    }
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// 応募済: the relay took it.
    Applied,
    /// 書類選考: recruiters are reading it.
    Screening,
    /// 面接.
    Interview,
    /// 内定.
    Offer,
    /// 入社: they came back.
    Hired,
    /// 見送り.
    Declined,
}

impl Stage {
    /// In the order of a recruiter's board.
    pub const ALL: [Stage; 6] = [
        Stage::Applied,
        Stage::Screening,
        Stage::Interview,
        Stage::Offer,
        Stage::Hired,
        Stage::Declined,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Stage::Applied => "applied",
            Stage::Screening => "screening",
            Stage::Interview => "interview",
            Stage::Offer => "offer",
            Stage::Hired => "hired",
            Stage::Declined => "declined",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Whether the application is over at this stage.
    pub fn is_final(self) -> bool {
        matches!(self, Stage::Hired | Stage::Declined)
    }
}

/// One stage an application entered, and when (unix seconds, the relay's clock).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StageEntry {
    /// A [`Stage`] key.
    pub stage: String,
    pub at: i64,
}

/// Why the relay did not take an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// The opening had closed when the application reached the relay.
    Closed,
    /// The opening is not one the applicant may read (not aimed at them, taken back, or none).
    Unavailable,
    /// The application breaks a rule ([`JobApplication::problem`]).
    Invalid,
}

impl Refusal {
    pub const ALL: [Refusal; 3] = [Refusal::Closed, Refusal::Unavailable, Refusal::Invalid];

    pub fn key(self) -> &'static str {
        match self {
            Refusal::Closed => "closed",
            Refusal::Unavailable => "unavailable",
            Refusal::Invalid => "invalid",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// A member's applications document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobApplications {
    /// By opening (its document id), as written.
    pub applications: BTreeMap<String, JobApplication>,
    /// By opening: the stages it went through, oldest first (the relay's).
    pub stages: BTreeMap<String, Vec<StageEntry>>,
    /// By opening: a [`Refusal`] key (the relay's).
    pub refused: BTreeMap<String, String>,
    /// The people the member referred, by referral key (`<opening id>:<random>`); their stages
    /// and refusals are under the same key in `stages` and `refused`.
    pub referrals: BTreeMap<String, Referral>,
    /// The openings the member saved to come back to, with when (unix seconds).
    pub saved: BTreeMap<String, i64>,
}

/// Where the member keeps the openings they saved: theirs to add and take back.
pub const SAVED_KEY: &str = "saved";

/// Where the member writes referrals: one new entry each, never changed afterwards.
pub const REFERRALS_KEY: &str = "referrals";

/// The longest name of a person referred, and the longest email address.
pub const MAX_REFERRAL_FIELD_CHARS: usize = 200;

/// Someone a member refers for an opening (リファラル): tracked to its outcome, and credited to
/// the member who referred them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Referral {
    /// The opening's document id.
    pub post: String,
    /// Who is referred.
    pub name: String,
    /// How recruiters reach them.
    pub email: String,
    /// Why the member recommends them.
    pub why: String,
    /// When it was written (unix seconds, the device's clock).
    pub at: i64,
}

impl Referral {
    /// Why the referral cannot be taken as it is, if it cannot.
    pub fn problem(&self) -> Option<&'static str> {
        let (name, email) = (self.name.trim(), self.email.trim());
        if name.is_empty() {
            return Some("a referral needs the name of who is referred");
        }
        if name.chars().count() > MAX_REFERRAL_FIELD_CHARS
            || email.chars().count() > MAX_REFERRAL_FIELD_CHARS
            || self.why.chars().count() > MAX_APPLICATION_TEXT_CHARS
        {
            return Some("a referral is too long");
        }
        let plausible = email.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.contains('@')
        });
        if !plausible || email.chars().any(char::is_whitespace) {
            return Some("a referral needs an email address");
        }
        None
    }

    /// Whether `key` names a referral (rather than the member's own application).
    pub fn is_key(key: &str) -> bool {
        key.contains(':')
    }
}

impl JobApplications {
    pub fn read(doc: &impl ReadDoc) -> Result<Self, DocError> {
        read_doc(doc)
    }

    /// The three maps of a new document: made once, by the relay, so that two devices applying
    /// offline add to the same map rather than each making one of its own.
    pub fn create(doc: &mut impl Transactable) -> Result<(), DocError> {
        for key in [
            APPLICATIONS_KEY,
            STAGES_KEY,
            REFUSED_KEY,
            REFERRALS_KEY,
            SAVED_KEY,
        ] {
            doc.put_object(ROOT, key, ObjType::Map)?;
        }
        Ok(())
    }

    /// Writes `application` for the opening `post`: one new entry, in one change.
    pub fn apply(
        doc: &mut impl Transactable,
        post: &str,
        application: &JobApplication,
    ) -> Result<(), DocError> {
        let all = Self::map(doc, APPLICATIONS_KEY)?;
        let entry = doc.put_object(&all, post, ObjType::Map)?;
        doc.put(&entry, "note", application.note.as_str())?;
        doc.put(&entry, "since", application.since.as_str())?;
        doc.put(&entry, "link", application.link.trim())?;
        if !application.cv.is_empty() {
            doc.put(&entry, "cv", application.cv.as_str())?;
        }
        doc.put(&entry, "at", application.at)?;
        Ok(())
    }

    /// Refers someone for an opening: one new entry under `key` (the opening's id, a colon and
    /// something random), in one change.
    pub fn refer(
        doc: &mut impl Transactable,
        key: &str,
        referral: &Referral,
    ) -> Result<(), DocError> {
        let all = Self::map(doc, REFERRALS_KEY)?;
        let entry = doc.put_object(&all, key, ObjType::Map)?;
        doc.put(&entry, "post", referral.post.as_str())?;
        doc.put(&entry, "name", referral.name.trim())?;
        doc.put(&entry, "email", referral.email.trim())?;
        doc.put(&entry, "why", referral.why.as_str())?;
        doc.put(&entry, "at", referral.at)?;
        Ok(())
    }

    /// Saves the opening `post` (at `at`), or takes it back (`None`). A document from before
    /// saving has no map for it, and the member may not make one: `false`, nothing written.
    pub fn save(
        doc: &mut impl Transactable,
        post: &str,
        at: Option<i64>,
    ) -> Result<bool, DocError> {
        let Some(saved) = map_at(doc, &ROOT, SAVED_KEY)? else {
            return Ok(false);
        };
        match at {
            Some(at) => doc.put(&saved, post, at)?,
            None => doc.delete(&saved, post)?,
        }
        Ok(true)
    }

    /// (The relay.) The application for `post` entered `stage` at `at`.
    pub fn enter_stage(
        doc: &mut impl Transactable,
        post: &str,
        stage: Stage,
        at: i64,
    ) -> Result<(), DocError> {
        let stages = Self::map(doc, STAGES_KEY)?;
        let list = match doc.get(&stages, post)? {
            Some((automerge::Value::Object(ObjType::List), id)) => id,
            _ => doc.put_object(&stages, post, ObjType::List)?,
        };
        let entry = doc.insert_object(&list, doc.length(&list), ObjType::Map)?;
        doc.put(&entry, "stage", stage.key())?;
        doc.put(&entry, "at", at)?;
        Ok(())
    }

    /// (The relay.) The application for `post` was not taken, for `why`.
    pub fn refuse(doc: &mut impl Transactable, post: &str, why: Refusal) -> Result<(), DocError> {
        let refused = Self::map(doc, REFUSED_KEY)?;
        doc.put(&refused, post, why.key())?;
        Ok(())
    }

    /// The map at `key`, made if a document from before it lacks it.
    fn map(doc: &mut impl Transactable, key: &str) -> Result<automerge::ObjId, DocError> {
        Ok(match map_at(doc, &ROOT, key)? {
            Some(id) => id,
            None => doc.put_object(ROOT, key, ObjType::Map)?,
        })
    }

    /// Where the application for `post` stands now, once the relay took it.
    pub fn stage(&self, post: &str) -> Option<Stage> {
        self.stages
            .get(post)?
            .last()
            .and_then(|e| Stage::from_key(&e.stage))
    }

    /// Why the application for `post` was not taken, if it was not.
    pub fn refusal(&self, post: &str) -> Option<Refusal> {
        self.refused.get(post).and_then(|r| Refusal::from_key(r))
    }

    /// The openings applied for that the relay has not yet taken up or refused.
    pub fn waiting(&self) -> impl Iterator<Item = (&String, &JobApplication)> {
        self.applications
            .iter()
            .filter(|(post, _)| self.is_waiting(post))
    }

    /// The referrals the relay has not yet taken up or refused.
    pub fn waiting_referrals(&self) -> impl Iterator<Item = (&String, &Referral)> {
        self.referrals
            .iter()
            .filter(|(key, _)| self.is_waiting(key))
    }

    fn is_waiting(&self, key: &str) -> bool {
        !self.stages.contains_key(key) && !self.refused.contains_key(key)
    }

    /// The member's referrals for the opening `post`, with their keys, oldest first.
    pub fn referrals_for<'a>(
        &'a self,
        post: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a Referral)> {
        let mut mine: Vec<_> = self
            .referrals
            .iter()
            .filter(|(_, r)| r.post == post)
            .collect();
        mine.sort_by_key(|(_, r)| r.at);
        mine.into_iter()
    }
}

/// The most characters of one recruiter's note.
pub const MAX_NOTE_CHARS: usize = 2_000;

/// What recruiters note about the applicants for one opening
/// ([`crate::vocab::DocKind::JobNotes`]); no applicant ever receives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobNotes {
    /// By applicant (user id), then by note key (`<recruiter id>:<random>`).
    pub notes: BTreeMap<String, BTreeMap<String, Note>>,
    /// By applicant, then by recruiter (user id): one to five stars.
    pub ratings: BTreeMap<String, BTreeMap<String, i64>>,
}

/// One recruiter's note on an applicant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Note {
    /// The recruiter's name, as it was when they wrote it.
    pub by: String,
    pub text: String,
    /// Unix seconds.
    pub at: i64,
}

impl JobNotes {
    pub fn read(doc: &impl ReadDoc) -> Result<Self, DocError> {
        read_doc(doc)
    }

    /// The maps of a new opening's notes (made once, by the relay, with the opening).
    pub fn create(doc: &mut impl Transactable) -> Result<(), DocError> {
        for key in ["notes", "ratings"] {
            doc.put_object(ROOT, key, ObjType::Map)?;
        }
        Ok(())
    }

    /// Adds `note` on `applicant` under `key` (the writer's id, a colon and something random).
    pub fn add_note(
        doc: &mut impl Transactable,
        applicant: &str,
        key: &str,
        note: &Note,
    ) -> Result<(), DocError> {
        let theirs = Self::applicants_map(doc, "notes", applicant)?;
        let entry = doc.put_object(&theirs, key, ObjType::Map)?;
        doc.put(&entry, "by", note.by.as_str())?;
        doc.put(&entry, "text", note.text.as_str())?;
        doc.put(&entry, "at", note.at)?;
        Ok(())
    }

    /// `recruiter` rates `applicant` with `stars` (1 to 5; 0 takes the rating back).
    pub fn rate(
        doc: &mut impl Transactable,
        applicant: &str,
        recruiter: &str,
        stars: i64,
    ) -> Result<(), DocError> {
        let theirs = Self::applicants_map(doc, "ratings", applicant)?;
        if stars <= 0 {
            doc.delete(&theirs, recruiter)?;
        } else {
            doc.put(&theirs, recruiter, stars.min(5))?;
        }
        Ok(())
    }

    /// The map for `applicant` in the map at `key`, made if missing.
    fn applicants_map(
        doc: &mut impl Transactable,
        key: &str,
        applicant: &str,
    ) -> Result<automerge::ObjId, DocError> {
        let all = JobApplications::map(doc, key)?;
        Ok(match map_at(doc, &all, applicant)? {
            Some(id) => id,
            None => doc.put_object(&all, applicant, ObjType::Map)?,
        })
    }

    /// The notes on `applicant`, oldest first.
    pub fn on(&self, applicant: &str) -> Vec<&Note> {
        let mut notes: Vec<&Note> = self
            .notes
            .get(applicant)
            .map(|n| n.values().collect())
            .unwrap_or_default();
        notes.sort_by_key(|n| n.at);
        notes
    }

    /// The average of the stars `applicant` was given, if any.
    pub fn rating(&self, applicant: &str) -> Option<f64> {
        let given = self.ratings.get(applicant).filter(|r| !r.is_empty())?;
        Some(given.values().sum::<i64>() as f64 / given.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::AutoCommit;

    fn written(note: &str) -> JobApplication {
        JobApplication {
            note: note.into(),
            since: "2019年に退職し、スタートアップでPMを5年".into(),
            link: "https://example.com/cv.pdf".into(),
            at: 1_700_000_000,
            ..JobApplication::default()
        }
    }

    #[test]
    fn an_application_reads_back_with_its_stages_in_order() {
        let mut doc = AutoCommit::new();
        JobApplications::create(&mut doc).unwrap();
        JobApplications::apply(&mut doc, "p", &written("よろしくお願いします")).unwrap();
        assert_eq!(
            JobApplications::read(&doc).unwrap().waiting().count(),
            1,
            "written, not yet taken"
        );
        for (stage, at) in [
            (Stage::Applied, 1),
            (Stage::Screening, 2),
            (Stage::Interview, 3),
        ] {
            JobApplications::enter_stage(&mut doc, "p", stage, at).unwrap();
        }
        let read = JobApplications::read(&doc).unwrap();
        assert_eq!(read.stage("p"), Some(Stage::Interview));
        let keys: Vec<_> = read.stages["p"]
            .iter()
            .map(|e| (e.stage.as_str(), e.at))
            .collect();
        assert_eq!(keys, [("applied", 1), ("screening", 2), ("interview", 3)]);
        assert_eq!(read.waiting().count(), 0);
        assert_eq!(read.refusal("p"), None);
    }

    #[test]
    fn two_devices_applying_offline_keep_both_applications() {
        let mut phone = AutoCommit::new();
        JobApplications::create(&mut phone).unwrap();
        let mut laptop = phone.fork();
        JobApplications::apply(&mut phone, "a", &written("phone")).unwrap();
        JobApplications::apply(&mut laptop, "b", &written("laptop")).unwrap();
        phone.merge(&mut laptop).unwrap();
        let read = JobApplications::read(&phone).unwrap();
        assert_eq!(read.applications.len(), 2);
        assert_eq!(read.applications["b"].note, "laptop");
    }

    #[test]
    fn what_an_application_may_not_be() {
        assert_eq!(written("ok").problem(), None);
        assert!(written("  ").problem().is_some());
        assert!(
            written(&"長".repeat(MAX_APPLICATION_TEXT_CHARS + 1))
                .problem()
                .is_some()
        );
        let mut plain = written("ok");
        plain.link = "http://example.com/cv".into();
        assert!(plain.problem().is_some(), "links are https");
        plain.link = "javascript:alert(1)".into();
        assert!(plain.problem().is_some());
        plain.link = String::new();
        assert_eq!(plain.problem(), None, "a link is optional");
        plain.cv = "../../etc/passwd".into();
        assert!(plain.problem().is_some(), "a CV file is named by its hash");
        plain.cv = crate::photo::id_of(b"%PDF-1.7");
        assert_eq!(plain.problem(), None);
    }

    #[test]
    fn a_cv_file_goes_with_its_application() {
        let mut doc = AutoCommit::new();
        JobApplications::create(&mut doc).unwrap();
        let cv = crate::photo::id_of(b"%PDF-1.7");
        let with_cv = JobApplication {
            cv: cv.clone(),
            ..written("履歴書を添付します")
        };
        JobApplications::apply(&mut doc, "p", &with_cv).unwrap();
        JobApplications::apply(&mut doc, "q", &written("リンクだけ")).unwrap();
        let read = JobApplications::read(&doc).unwrap();
        assert_eq!(read.applications["p"].cv, cv);
        assert_eq!(read.applications["q"].cv, "");
    }

    #[test]
    fn recruiters_notes_and_ratings_read_back() {
        let mut doc = AutoCommit::new();
        JobNotes::create(&mut doc).unwrap();
        let note = |text: &str, at| Note {
            by: "Ken".into(),
            text: text.into(),
            at,
        };
        JobNotes::add_note(&mut doc, "hanako", "ken:2", &note("二次面接へ", 20)).unwrap();
        JobNotes::add_note(&mut doc, "hanako", "ken:1", &note("企画経験が豊富", 10)).unwrap();
        JobNotes::rate(&mut doc, "hanako", "ken", 4).unwrap();
        JobNotes::rate(&mut doc, "hanako", "yuki", 5).unwrap();
        let read = JobNotes::read(&doc).unwrap();
        let texts: Vec<_> = read.on("hanako").iter().map(|n| n.text.as_str()).collect();
        assert_eq!(texts, ["企画経験が豊富", "二次面接へ"]);
        assert_eq!(read.rating("hanako"), Some(4.5));
        JobNotes::rate(&mut doc, "hanako", "yuki", 0).unwrap();
        assert_eq!(JobNotes::read(&doc).unwrap().rating("hanako"), Some(4.0));
        assert_eq!(read.rating("ken"), None);
    }

    #[test]
    fn a_referral_is_written_once_and_tracked_under_its_own_key() {
        let mut doc = AutoCommit::new();
        JobApplications::create(&mut doc).unwrap();
        let referral = Referral {
            post: "p".into(),
            name: "佐藤 次郎".into(),
            email: "jiro@example.com".into(),
            why: "前職の同僚で営業企画の経験が豊富".into(),
            at: 5,
        };
        assert_eq!(referral.problem(), None);
        JobApplications::refer(&mut doc, "p:1", &referral).unwrap();
        let read = JobApplications::read(&doc).unwrap();
        assert_eq!(read.waiting_referrals().count(), 1);
        assert_eq!(
            read.waiting().count(),
            0,
            "a referral is not the member's application"
        );
        JobApplications::enter_stage(&mut doc, "p:1", Stage::Applied, 6).unwrap();
        let read = JobApplications::read(&doc).unwrap();
        assert_eq!(read.stage("p:1"), Some(Stage::Applied));
        assert_eq!(read.waiting_referrals().count(), 0);
        assert_eq!(read.referrals_for("p").count(), 1);
        assert!(Referral::is_key("p:1") && !Referral::is_key("p"));
        for bad in [
            "",
            "jiro",
            "jiro@example",
            "a b@example.com",
            "@example.com",
        ] {
            let r = Referral {
                email: bad.into(),
                ..referral.clone()
            };
            assert!(r.problem().is_some(), "{bad:?}");
        }
    }

    #[test]
    fn a_saved_opening_is_kept_and_taken_back() {
        let mut doc = AutoCommit::new();
        JobApplications::create(&mut doc).unwrap();
        assert!(JobApplications::save(&mut doc, "p", Some(7)).unwrap());
        assert_eq!(
            JobApplications::read(&doc).unwrap().saved.get("p"),
            Some(&7)
        );
        assert!(JobApplications::save(&mut doc, "p", None).unwrap());
        assert!(JobApplications::read(&doc).unwrap().saved.is_empty());
        let mut older = AutoCommit::new();
        assert!(!JobApplications::save(&mut older, "p", Some(7)).unwrap());
    }

    #[test]
    fn stage_and_refusal_keys_round_trip() {
        for stage in Stage::ALL {
            assert_eq!(Stage::from_key(stage.key()), Some(stage));
        }
        for why in Refusal::ALL {
            assert_eq!(Refusal::from_key(why.key()), Some(why));
        }
        assert!(Stage::Hired.is_final() && Stage::Declined.is_final());
        assert!(!Stage::Offer.is_final());
    }
}

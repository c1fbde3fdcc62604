//! The alumni profile document: one small Automerge document per person (DESIGN.md 1).

use autosurgeon::Reconcile;
use serde::{Deserialize, Serialize};

/// How an alumnus wants to stay involved with the company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interest {
    Rehire,
    Collaboration,
    Mentoring,
    Speaking,
    KeepInTouch,
}

impl Interest {
    pub const ALL: [Interest; 5] = [
        Interest::Rehire,
        Interest::Collaboration,
        Interest::Mentoring,
        Interest::Speaking,
        Interest::KeepInTouch,
    ];

    /// The stable key stored in documents and used in URLs.
    pub fn key(self) -> &'static str {
        match self {
            Interest::Rehire => "rehire",
            Interest::Collaboration => "collaboration",
            Interest::Mentoring => "mentoring",
            Interest::Speaking => "speaking",
            Interest::KeepInTouch => "keep-in-touch",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.key() == key)
    }
}

/// A department and role held at the company.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Position {
    pub department: String,
    pub role: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// One alumnus's profile. Every field may be missing in a document written by an older or newer
/// version; missing fields read as empty, unknown ones are ignored. Strings may be plain values
/// (as we write them) or collaborative text (as JS automerge-repo clients write them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
    /// The relay's id of the person this profile belongs to.
    pub owner: String,
    /// Display name as written (kanji or latin), e.g. 山田 花子.
    pub name: String,
    /// Reading in kana, e.g. やまだ はなこ.
    pub reading: String,
    /// Name in latin letters, e.g. Hanako Yamada.
    pub romaji: String,
    /// When they joined the company, `YYYY-MM`.
    pub joined: String,
    /// When they left, `YYYY-MM`; empty for current employees.
    pub left: String,
    pub positions: Vec<Position>,
    pub employer: String,
    pub title: String,
    pub location: String,
    pub skills: Vec<String>,
    pub certifications: Vec<String>,
    pub bio: String,
    pub links: Vec<Link>,
    /// [`Interest`] keys; unknown keys from newer versions are kept.
    pub interests: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("the document is not a profile: {0}")]
    NotAProfile(#[from] serde_json::Error),
    #[error("the profile could not be written: {0}")]
    Reconcile(Box<autosurgeon::ReconcileError>),
}

impl From<autosurgeon::ReconcileError> for ProfileError {
    fn from(e: autosurgeon::ReconcileError) -> Self {
        Self::Reconcile(Box::new(e))
    }
}

impl Profile {
    /// Reads a profile from a document (an empty document reads as an empty profile).
    pub fn read(doc: &impl automerge::ReadDoc) -> Result<Self, ProfileError> {
        // Through serde rather than autosurgeon's hydrate, which reads only plain strings: JS
        // clients write strings as text objects, and both must read back the same.
        let value = serde_json::to_value(automerge::AutoSerde::from(doc))?;
        Ok(serde_json::from_value(value)?)
    }

    /// Writes only the fields that differ from what the document holds.
    pub fn write_to(&self, doc: &mut impl autosurgeon::Doc) -> Result<(), ProfileError> {
        Ok(autosurgeon::reconcile(doc, self)?)
    }

    /// The year they left the company, if it is recorded.
    pub fn left_year(&self) -> Option<u16> {
        self.left.get(..4).and_then(|y| y.parse().ok())
    }

    pub fn joined_year(&self) -> Option<u16> {
        self.joined.get(..4).and_then(|y| y.parse().ok())
    }

    pub fn has_interest(&self, interest: Interest) -> bool {
        self.interests.iter().any(|i| i == interest.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{AutoCommit, Automerge};

    #[test]
    fn a_profile_round_trips_and_an_empty_document_reads_as_empty() {
        let p = Profile {
            name: "山田 花子".into(),
            reading: "やまだ はなこ".into(),
            skills: vec!["Rust".into(), "採用".into()],
            interests: vec![Interest::Mentoring.key().into()],
            positions: vec![Position {
                department: "人事部".into(),
                role: "マネージャー".into(),
            }],
            left: "2021-03".into(),
            ..Default::default()
        };
        let mut doc = AutoCommit::new();
        p.write_to(&mut doc).unwrap();
        assert_eq!(Profile::read(&doc).unwrap(), p);
        assert_eq!(p.left_year(), Some(2021));
        assert!(p.has_interest(Interest::Mentoring));
        assert_eq!(
            Profile::read(&Automerge::new()).unwrap(),
            Profile::default()
        );
    }

    #[test]
    fn text_objects_written_by_js_clients_read_as_strings() {
        use automerge::{ObjType, ROOT, transaction::Transactable};
        let mut doc = AutoCommit::new();
        let name = doc.put_object(ROOT, "name", ObjType::Text).unwrap();
        doc.splice_text(&name, 0, 0, "Emily Clarke").unwrap();
        let skills = doc.put_object(ROOT, "skills", ObjType::List).unwrap();
        let skill = doc.insert_object(&skills, 0, ObjType::Text).unwrap();
        doc.splice_text(&skill, 0, 0, "UX").unwrap();
        doc.put(ROOT, "futureField", 42).unwrap();
        let p = Profile::read(&doc).unwrap();
        assert_eq!(
            (p.name.as_str(), p.skills.as_slice()),
            ("Emily Clarke", ["UX".to_owned()].as_slice())
        );
        // Writing back replaces the text with a plain value and keeps the rest.
        Profile {
            title: "Designer".into(),
            ..p.clone()
        }
        .write_to(&mut doc)
        .unwrap();
        assert_eq!(Profile::read(&doc).unwrap().title, "Designer");
    }

    #[test]
    fn concurrent_edits_of_different_fields_both_survive() {
        let mut a = AutoCommit::new();
        Profile {
            name: "A".into(),
            ..Default::default()
        }
        .write_to(&mut a)
        .unwrap();
        let mut b = a.fork();
        let mut pa = Profile::read(&a).unwrap();
        pa.employer = "Sony".into();
        pa.write_to(&mut a).unwrap();
        let mut pb = Profile::read(&b).unwrap();
        pb.location = "大阪".into();
        pb.write_to(&mut b).unwrap();
        a.merge(&mut b).unwrap();
        let merged = Profile::read(&a).unwrap();
        assert_eq!(
            (merged.employer.as_str(), merged.location.as_str()),
            ("Sony", "大阪")
        );
    }
}

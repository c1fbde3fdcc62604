//! The alumni profile document: one small Automerge document per person (docs/design.md §1).

use std::collections::BTreeMap;

use autosurgeon::Reconcile;
use serde::{Deserialize, Serialize};

use crate::grants::{self, DocFacts, Subject};
use crate::vocab::{Audience, Field, Role, VISIBILITY_KEY};

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
    /// Their profile photo's id ([`crate::photo`]); empty for none. Shown with the name.
    pub photo: String,
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
    #[error("the profile could not be written: {0}")]
    Edit(#[from] automerge::AutomergeError),
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

    /// A name of two characters or more (姓 and 名, or a latin name): one letter is not a name.
    pub fn has_name(&self) -> bool {
        self.name.trim().chars().count() >= 2
    }

    /// What the profile holds of what makes a card worth reading, in the order the meter on
    /// one's edit page asks for them.
    pub fn steps(&self) -> [(Step, bool); 7] {
        let filled = |s: &str| !s.trim().is_empty();
        [
            (Step::Name, self.has_name() && filled(&self.reading)),
            (Step::Now, filled(&self.title) || filled(&self.employer)),
            (
                Step::Positions,
                self.positions
                    .iter()
                    .any(|p| filled(&p.department) || filled(&p.role)),
            ),
            (Step::Location, filled(&self.location)),
            (Step::Skills, self.skills.iter().any(|s| filled(s))),
            (Step::Bio, filled(&self.bio)),
            (Step::Interests, !self.interests.is_empty()),
        ]
    }

    /// Whether the card belongs in other members' directories: a name and one thing more. A
    /// newcomer's empty card, or a junk account's one letter, waits until then.
    pub fn ready_for_directory(&self) -> bool {
        self.has_name()
            && self
                .steps()
                .iter()
                .any(|(step, done)| *step != Step::Name && *done)
    }
}

/// One thing a profile can hold, for the completeness meter ([`Profile::steps`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// A name and its reading.
    Name,
    /// Where they work now (title or employer).
    Now,
    /// Departments and roles at the company.
    Positions,
    Location,
    Skills,
    Bio,
    Interests,
}

impl Audience {
    /// Whether another member holding `roles` reads this audience's part of a listed member's
    /// profile. Asked of the grant table itself, so "how others see me" cannot drift from what
    /// the relay sends them.
    pub fn reaches(self, roles: &[Role]) -> bool {
        let part = DocFacts {
            owner: Some("owner"),
            owner_listed: true,
            ..DocFacts::of(self.doc_kind())
        };
        grants::access(
            &Subject {
                user: "viewer",
                roles,
            },
            &part,
        )
        .is_some()
    }
}

/// The owner's choice of audience per field, kept in their private part; a field they never
/// chose for takes the organisation's default, and failing that, everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visibility(pub BTreeMap<String, Audience>);

impl Visibility {
    /// Whom `field` is shown to, falling back to `defaults`.
    pub fn of(&self, field: Field, defaults: &Visibility) -> Audience {
        self.0
            .get(field.key())
            .or_else(|| defaults.0.get(field.key()))
            .copied()
            .unwrap_or(Audience::Everyone)
    }

    /// The choices held under `visibility` in a document (the private part, or the
    /// organisation's defaults); unknown fields and audiences are ignored.
    pub fn read(doc: &impl automerge::ReadDoc) -> Self {
        let Ok(value) = serde_json::to_value(automerge::AutoSerde::from(doc)) else {
            return Self::default();
        };
        let choices = value
            .get(VISIBILITY_KEY)
            .and_then(serde_json::Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| {
                        Field::from_key(k)?;
                        Some((k.clone(), Audience::from_key(v.as_str()?)?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self(choices)
    }

    /// Writes the choices under `visibility`.
    pub fn write_to(&self, doc: &mut impl autosurgeon::Doc) -> Result<(), ProfileError> {
        let keys: BTreeMap<&str, &str> =
            self.0.iter().map(|(k, a)| (k.as_str(), a.key())).collect();
        autosurgeon::reconcile_prop(doc, automerge::ROOT, VISIBILITY_KEY, &keys)?;
        Ok(())
    }
}

impl Profile {
    /// Reads a profile from its parts: the everyone part first, then whichever of the others
    /// the reader holds. A field in a later part wins over an earlier one (while a move between
    /// parts syncs, the more private copy is shown).
    pub fn read_parts<'a, D: automerge::ReadDoc + 'a>(
        parts: impl IntoIterator<Item = &'a D>,
    ) -> Result<Self, ProfileError> {
        let mut merged = serde_json::Map::new();
        for part in parts {
            if let serde_json::Value::Object(fields) =
                serde_json::to_value(automerge::AutoSerde::from(part))?
            {
                merged.extend(fields);
            }
        }
        Ok(serde_json::from_value(serde_json::Value::Object(merged))?)
    }

    /// This profile as another member holding `roles` sees it: the fields shown to an audience
    /// they are not in read as empty, as they would on their phone.
    pub fn seen_by(&self, roles: &[Role], visibility: &Visibility, defaults: &Visibility) -> Self {
        let Ok(serde_json::Value::Object(mut fields)) = serde_json::to_value(self) else {
            return Self::default();
        };
        for field in Field::ALL {
            if !visibility.of(field, defaults).reaches(roles) {
                fields.remove(field.key());
            }
        }
        serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or_default()
    }

    /// Writes one chosen field at its key, where [`Profile::write_part`] puts it.
    fn reconcile_field<D: autosurgeon::Doc>(
        &self,
        field: Field,
        doc: &mut D,
    ) -> Result<(), autosurgeon::ReconcileError> {
        use autosurgeon::reconcile_prop as put;
        let root = automerge::ROOT;
        match field {
            Field::Positions => put(doc, root, field.key(), &self.positions),
            Field::Employer => put(doc, root, field.key(), &self.employer),
            Field::Title => put(doc, root, field.key(), &self.title),
            Field::Location => put(doc, root, field.key(), &self.location),
            Field::Skills => put(doc, root, field.key(), &self.skills),
            Field::Certifications => put(doc, root, field.key(), &self.certifications),
            Field::Bio => put(doc, root, field.key(), &self.bio),
            Field::Links => put(doc, root, field.key(), &self.links),
            Field::Interests => put(doc, root, field.key(), &self.interests),
        }
    }

    /// Writes this profile's share of `audience`'s part: the fields shown to that audience
    /// (and in the everyone part, the name fields), removing fields that moved elsewhere.
    /// Only what differs is written; the owner and HR's years are never touched.
    pub fn write_part(
        &self,
        audience: Audience,
        visibility: &Visibility,
        defaults: &Visibility,
        doc: &mut impl autosurgeon::Doc,
    ) -> Result<(), ProfileError> {
        if audience == Audience::Everyone {
            let values = [&self.name, &self.reading, &self.romaji, &self.photo];
            for (key, value) in crate::vocab::NAME_KEYS.into_iter().zip(values) {
                autosurgeon::reconcile_prop(&mut *doc, automerge::ROOT, key, value)?;
            }
        }
        for field in Field::ALL {
            if visibility.of(field, defaults) == audience {
                self.reconcile_field(field, &mut *doc)?;
            } else if doc.get(&automerge::ROOT, field.key())?.is_some() {
                doc.delete(automerge::ROOT, field.key())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{AutoCommit, Automerge, ROOT, ReadDoc};

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

    #[test]
    fn a_card_joins_the_directory_with_a_name_and_one_thing_more() {
        let mut p = Profile {
            name: "山田 花子".into(),
            reading: "やまだ はなこ".into(),
            ..Default::default()
        };
        assert!(!p.ready_for_directory(), "a name alone is an empty card");
        assert_eq!(p.steps().iter().filter(|(_, done)| *done).count(), 1);
        p.location = "札幌市".into();
        assert!(p.ready_for_directory());
        p.name = " x ".into();
        assert!(
            !p.has_name() && !p.ready_for_directory(),
            "one letter is not a name"
        );
    }

    #[test]
    fn others_see_the_fields_of_the_audiences_they_are_in() {
        let profile = Profile {
            name: "山田 花子".into(),
            location: "札幌市".into(),
            employer: "Mirai".into(),
            bio: "admins only".into(),
            skills: vec!["only me".into()],
            ..Default::default()
        };
        let visibility = Visibility(BTreeMap::from([
            ("employer".to_owned(), Audience::Members),
            ("bio".to_owned(), Audience::Admins),
            ("skills".to_owned(), Audience::OnlyMe),
        ]));
        let seen = |roles: &[Role]| profile.seen_by(roles, &visibility, &Visibility::default());
        let staff = seen(&[Role::EventStaff]);
        assert_eq!(
            (
                staff.name.as_str(),
                staff.location.as_str(),
                staff.employer.as_str()
            ),
            ("山田 花子", "札幌市", ""),
            "event staff are in everyone, not in alumni and employees"
        );
        for roles in [[Role::Alumni], [Role::Employee]] {
            let member = seen(&roles);
            assert_eq!(
                (member.employer.as_str(), member.bio.as_str()),
                ("Mirai", "")
            );
        }
        let admin = seen(&[Role::Admin]);
        assert_eq!(
            (admin.employer.as_str(), admin.bio.as_str()),
            ("Mirai", "admins only")
        );
        assert!(admin.skills.is_empty(), "only-me fields reach no one else");
    }

    fn parts_of(profile: &Profile, visibility: &Visibility, docs: &mut [AutoCommit; 4]) {
        for (audience, doc) in Audience::ALL.into_iter().zip(docs.iter_mut()) {
            profile
                .write_part(audience, visibility, &Visibility::default(), doc)
                .unwrap();
        }
    }

    #[test]
    fn a_field_lives_only_in_the_part_of_its_audience_and_moves_with_it() {
        let profile = Profile {
            name: "山田 花子".into(),
            employer: "ソニー".into(),
            bio: "人事のプロ".into(),
            skills: vec!["採用".into()],
            title: "部長".into(),
            ..Profile::default()
        };
        let mut visibility = Visibility::default();
        visibility.0.insert("bio".into(), Audience::Admins);
        visibility.0.insert("employer".into(), Audience::Members);
        visibility.0.insert("skills".into(), Audience::OnlyMe);
        let mut docs: [AutoCommit; 4] = Default::default();
        parts_of(&profile, &visibility, &mut docs);

        assert_eq!(Profile::read_parts(docs.iter()).unwrap(), profile);
        let everyone = Profile::read_parts([&docs[0]]).unwrap();
        assert_eq!(
            (everyone.name.as_str(), everyone.title.as_str()),
            ("山田 花子", "部長")
        );
        assert_eq!(
            (everyone.bio.as_str(), everyone.employer.as_str()),
            ("", "")
        );
        assert!(everyone.skills.is_empty());
        let has = |doc: &AutoCommit, key: &str| doc.get(ROOT, key).unwrap().is_some();
        assert!(!has(&docs[0], "bio") && has(&docs[2], "bio"));
        assert!(has(&docs[1], "employer") && !has(&docs[2], "employer"));
        assert!(has(&docs[3], "skills") && !has(&docs[1], "name"));
        let members = Profile::read_parts([&docs[0], &docs[1]]).unwrap();
        assert_eq!(
            (members.employer.as_str(), members.bio.as_str()),
            ("ソニー", "")
        );

        // Shown to everyone after all: it leaves the admins' part.
        visibility.0.insert("bio".into(), Audience::Everyone);
        parts_of(&profile, &visibility, &mut docs);
        assert!(has(&docs[0], "bio") && !has(&docs[2], "bio"));
        assert_eq!(Profile::read_parts([&docs[0]]).unwrap().bio, "人事のプロ");
    }

    #[test]
    fn every_key_a_profile_holds_is_in_the_lists_the_grants_derive_from() {
        let Ok(serde_json::Value::Object(written)) = serde_json::to_value(Profile::default())
        else {
            panic!("a profile serialises to a map");
        };
        let mut listed: Vec<&str> = [crate::vocab::OWNER_KEY].to_vec();
        listed.extend(crate::vocab::NAME_KEYS);
        listed.extend(crate::vocab::HR_KEYS);
        listed.extend(Field::KEYS);
        listed.sort_unstable();
        let mut keys: Vec<&str> = written.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, listed);
    }

    /// A profile with every field filled.
    fn full_profile() -> Profile {
        Profile {
            name: "山田 花子".into(),
            reading: "やまだ はなこ".into(),
            romaji: "Hanako Yamada".into(),
            positions: vec![Position {
                department: "人事部".into(),
                role: "部長".into(),
            }],
            employer: "ソニー".into(),
            title: "CTO".into(),
            location: "札幌市".into(),
            skills: vec!["採用".into()],
            certifications: vec!["PMP".into()],
            bio: "人事のプロ".into(),
            links: vec![Link {
                label: "blog".into(),
                url: "https://example.com".into(),
            }],
            interests: vec![Interest::Mentoring.key().into()],
            ..Profile::default()
        }
    }

    /// Every field the owner chooses an audience for, shown to `audience`.
    fn every_field_for(audience: Audience) -> Visibility {
        Visibility(
            Field::ALL
                .iter()
                .map(|f| (f.key().to_owned(), audience))
                .collect(),
        )
    }

    #[test]
    fn every_chosen_field_is_written_to_its_own_key() {
        let profile = full_profile();
        for audience in Audience::ALL {
            let visibility = every_field_for(audience);
            let mut docs: [AutoCommit; 4] = Default::default();
            parts_of(&profile, &visibility, &mut docs);
            assert_eq!(
                Profile::read_parts(docs.iter()).unwrap(),
                profile,
                "{audience:?}"
            );
        }
    }

    /// The relay refuses a change that writes where the grant table does not allow, so a key
    /// the app writes but the grants miss would be silently lost.
    #[test]
    fn the_grant_table_lets_the_owner_write_every_key_of_every_part() {
        use crate::grants::{Seg, may_write};
        let owner = Subject {
            user: "me",
            roles: &[Role::Alumni],
        };
        for audience in Audience::ALL {
            let visibility = every_field_for(audience);
            let mut docs: [AutoCommit; 4] = Default::default();
            parts_of(&full_profile(), &visibility, &mut docs);
            visibility.write_to(&mut docs[3]).unwrap();
            for (part, doc) in Audience::ALL.into_iter().zip(&docs) {
                let facts = DocFacts {
                    owner: Some("me"),
                    owner_listed: true,
                    ..DocFacts::of(part.doc_kind())
                };
                for key in doc.keys(ROOT) {
                    assert!(
                        may_write(&owner, &facts, &[Seg::Key(&key)]),
                        "{key} in the {part:?} part"
                    );
                }
            }
        }
    }

    #[test]
    fn visibility_choices_round_trip_and_fall_back_to_the_defaults() {
        let mut mine = Visibility::default();
        mine.0.insert("bio".into(), Audience::OnlyMe);
        let mut doc = AutoCommit::new();
        mine.write_to(&mut doc).unwrap();
        assert_eq!(Visibility::read(&doc), mine);
        let mut defaults = Visibility::default();
        defaults.0.insert("employer".into(), Audience::Members);
        assert_eq!(mine.of(Field::Bio, &defaults), Audience::OnlyMe);
        assert_eq!(mine.of(Field::Employer, &defaults), Audience::Members);
        assert_eq!(mine.of(Field::Title, &defaults), Audience::Everyone);
        for audience in Audience::ALL {
            assert_eq!(Audience::of_kind(audience.doc_kind()), Some(audience));
            assert_eq!(Audience::from_key(audience.key()), Some(audience));
        }
    }
}

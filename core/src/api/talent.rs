//! The talent pool (タレントプール; docs/design.md §13): alumni who said they are open to coming
//! back or to working with the company again, for those who post job openings to search, with
//! how engaged each is, a shared shortlist and a CSV export.
//!
//! The query travels in the URL (`GET /api/talent?skills=Rust,Go&left_from=2018`), so the CSV
//! export is a plain link; lists are written comma-separated (`、` too), since a recruiter types
//! them into one field.

use serde::{Deserialize, Serialize};

use crate::news::{MemberFacts, Segment};
use crate::profile::{Interest, Profile};
use crate::search::fold;

/// What the talent pool is asked for. Every part left empty (or 0) takes everyone in the pool.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TalentQuery {
    /// `rehire` or `collaboration`; empty for either (the pool is those open to one of them).
    pub open_to: String,
    /// Skills, any of which they list (a part of one matches: "React" finds "React Native").
    pub skills: String,
    /// Departments they worked in, any of them.
    pub departments: String,
    /// Places, any of which appears in their location ("東京" matches "東京都港区").
    pub locations: String,
    pub left_from: i32,
    pub left_to: i32,
    pub joined_from: i32,
    pub joined_to: i32,
    /// Only those on the shortlist.
    pub shortlisted: bool,
}

/// The most names one list of a query may hold, and the longest name.
pub const MAX_TALENT_TERMS: usize = 20;
pub const MAX_TALENT_TERM_CHARS: usize = 100;

/// The interests that put someone in the talent pool.
pub const TALENT_INTERESTS: [Interest; 2] = [Interest::Rehire, Interest::Collaboration];

impl TalentQuery {
    /// The part of the query a news segment judges as well ([`Segment::includes`]).
    fn segment(&self) -> Segment {
        Segment {
            left_from: self.left_from,
            left_to: self.left_to,
            joined_from: self.joined_from,
            joined_to: self.joined_to,
            departments: terms(&self.departments),
            locations: terms(&self.locations),
            interests: Vec::new(),
            roles: Vec::new(),
        }
    }

    /// Why the query cannot be answered, if it cannot.
    pub fn problem(&self) -> Option<&'static str> {
        if self.open_interests().next().is_none() {
            return Some("open_to is rehire or collaboration");
        }
        let lists = [&self.skills, &self.departments, &self.locations];
        if lists.iter().any(|l| terms(l).len() > MAX_TALENT_TERMS) {
            return Some("at most 20 names in one list");
        }
        if lists
            .iter()
            .flat_map(|l| terms(l))
            .any(|t| t.chars().count() > MAX_TALENT_TERM_CHARS)
        {
            return Some("a name in the query is too long");
        }
        self.segment().problem()
    }

    /// The interests asked for: the one named, or every one that puts someone in the pool.
    fn open_interests(&self) -> impl Iterator<Item = Interest> + '_ {
        TALENT_INTERESTS
            .into_iter()
            .filter(|i| self.open_to.is_empty() || i.key() == self.open_to)
    }

    /// The query made ready to judge many members: its lists parsed and its skills folded once.
    pub fn search(&self) -> TalentSearch<'_> {
        TalentSearch {
            query: self,
            segment: self.segment(),
            skills: terms(&self.skills).iter().map(|s| fold(s)).collect(),
        }
    }

    /// The query as a URL's query string (without `?`), for the list and the CSV link.
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let texts = [
            ("open_to", &self.open_to),
            ("skills", &self.skills),
            ("departments", &self.departments),
            ("locations", &self.locations),
        ];
        for (key, value) in texts {
            if !value.trim().is_empty() {
                pairs.push((key, value.trim().to_owned()));
            }
        }
        let years = [
            ("left_from", self.left_from),
            ("left_to", self.left_to),
            ("joined_from", self.joined_from),
            ("joined_to", self.joined_to),
        ];
        for (key, year) in years {
            if year != 0 {
                pairs.push((key, year.to_string()));
            }
        }
        if self.shortlisted {
            pairs.push(("shortlisted", "true".into()));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// A [`TalentQuery`] ready to judge every member of a network ([`TalentQuery::search`]).
#[derive(Debug, Clone)]
pub struct TalentSearch<'q> {
    query: &'q TalentQuery,
    segment: Segment,
    /// The skills asked for, folded as the directory search folds.
    skills: Vec<String>,
}

impl TalentSearch<'_> {
    /// Whether someone with these facts may be in the answer: a first, cheap pass on what the
    /// relay keeps of every member (a superset of what the asker may read of them).
    pub fn may_take(&self, facts: &MemberFacts) -> bool {
        self.query
            .open_interests()
            .any(|i| facts.interests.iter().any(|k| k == i.key()))
            && self.segment.includes(facts)
    }

    /// Whether the profile, as the asker may read it, answers the query (shortlist aside).
    pub fn takes(&self, profile: &Profile) -> bool {
        let facts = MemberFacts::from_profile(&[], std::slice::from_ref(profile));
        self.may_take(&facts)
            && (self.skills.is_empty()
                || self.skills.iter().any(|wanted| {
                    profile
                        .skills
                        .iter()
                        .any(|s| fold(s).contains(wanted.as_str()))
                }))
    }
}

/// Names typed in one field, separated by commas (half or full width), `、` or new lines;
/// trimmed, empty ones left out.
pub fn terms(list: &str) -> Vec<String> {
    list.split([',', '，', '、', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `value` as a URL query's value: unreserved ASCII as is, every other byte as `%XX`.
fn percent_encode(value: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// `GET /api/talent`: the alumni in the pool who answer the query, the most recently active
/// first; at most [`MAX_TALENT_LISTED`], `total` saying how many answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TalentPool {
    pub people: Vec<Talent>,
    pub total: usize,
}

/// The most people one answer lists (the CSV holds them all).
pub const MAX_TALENT_LISTED: usize = 200;

/// One alumnus in the pool, as the asker may read their profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Talent {
    pub id: String,
    pub name: String,
    pub reading: String,
    pub photo: String,
    pub joined: String,
    pub left: String,
    pub departments: Vec<String>,
    pub employer: String,
    pub title: String,
    pub location: String,
    pub skills: Vec<String>,
    /// Which of [`TALENT_INTERESTS`] they said (keys).
    pub open_to: Vec<String>,
    pub engagement: Engagement,
    /// When they were put on the shortlist, and by whom (their name).
    pub shortlisted: Option<Shortlisted>,
}

/// How engaged someone is with the network: the signal recruiters sort the pool by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Engagement {
    /// Events they were checked in at.
    pub events_attended: u32,
    /// When one of their devices last synced (unix seconds); `None` for never.
    pub last_active: Option<i64>,
    /// Job openings they applied for.
    pub applications: u32,
    /// People they referred, and how many of those were hired.
    pub referrals: u32,
    pub referrals_hired: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortlisted {
    pub at: i64,
    pub by: String,
}

impl Talent {
    /// What the pool shows of `profile` (read as the asker may read it) for member `id`.
    pub fn from_profile(id: &str, profile: &Profile) -> Self {
        let mut departments =
            MemberFacts::from_profile(&[], std::slice::from_ref(profile)).departments;
        let mut seen = std::collections::BTreeSet::new();
        departments.retain(|d| seen.insert(d.clone()));
        Self {
            id: id.to_owned(),
            name: profile.name.clone(),
            reading: profile.reading.clone(),
            photo: profile.photo.clone(),
            joined: profile.joined.clone(),
            left: profile.left.clone(),
            departments,
            employer: profile.employer.clone(),
            title: profile.title.clone(),
            location: profile.location.clone(),
            skills: profile.skills.clone(),
            open_to: TALENT_INTERESTS
                .into_iter()
                .filter(|i| profile.has_interest(*i))
                .map(|i| i.key().to_owned())
                .collect(),
            engagement: Engagement::default(),
            shortlisted: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Position;

    fn hanako() -> Profile {
        Profile {
            name: "山田 花子".into(),
            joined: "2012-04".into(),
            left: "2019-03".into(),
            positions: vec![
                Position {
                    department: "開発部".into(),
                    role: "エンジニア".into(),
                },
                Position {
                    department: "開発部".into(),
                    role: "テックリード".into(),
                },
            ],
            location: "東京都港区".into(),
            skills: vec!["Rust".into(), "React Native".into()],
            interests: vec!["rehire".into(), "mentoring".into()],
            ..Profile::default()
        }
    }

    #[test]
    fn the_pool_is_those_open_to_coming_back_or_working_together() {
        let everyone = TalentQuery::default();
        assert!(everyone.search().takes(&hanako()));
        let mentoring_only = Profile {
            interests: vec!["mentoring".into()],
            ..hanako()
        };
        assert!(!everyone.search().takes(&mentoring_only));
        let collaboration = TalentQuery {
            open_to: "collaboration".into(),
            ..TalentQuery::default()
        };
        assert!(!collaboration.search().takes(&hanako()));
        assert!(
            TalentQuery {
                open_to: "rehire".into(),
                ..TalentQuery::default()
            }
            .search()
            .takes(&hanako())
        );
        assert_eq!(
            TalentQuery {
                open_to: "mentoring".into(),
                ..TalentQuery::default()
            }
            .problem(),
            Some("open_to is rehire or collaboration")
        );
    }

    #[test]
    fn skills_departments_places_and_years_narrow_it() {
        let q = |f: fn(&mut TalentQuery)| {
            let mut query = TalentQuery::default();
            f(&mut query);
            assert_eq!(query.problem(), None);
            query.search().takes(&hanako())
        };
        assert!(q(|q| q.skills = "go, ｒｅａｃｔ".into()));
        assert!(!q(|q| q.skills = "Go、Python".into()));
        assert!(q(|q| q.departments = "営業部, 開発部".into()));
        assert!(!q(|q| q.departments = "営業部".into()));
        assert!(q(|q| q.locations = "東京".into()));
        assert!(!q(|q| q.locations = "大阪".into()));
        assert!(q(|q| {
            q.left_from = 2018;
            q.left_to = 2022;
        }));
        assert!(!q(|q| q.left_from = 2020));
        assert!(!q(|q| q.joined_to = 2010));
    }

    #[test]
    fn a_query_that_cannot_be_answered_says_why() {
        let long = "x".repeat(MAX_TALENT_TERM_CHARS + 1);
        let many = vec!["a"; MAX_TALENT_TERMS + 1].join(",");
        for (query, why) in [
            (
                TalentQuery {
                    skills: long,
                    ..TalentQuery::default()
                },
                "a name in the query is too long",
            ),
            (
                TalentQuery {
                    departments: many,
                    ..TalentQuery::default()
                },
                "at most 20 names in one list",
            ),
            (
                TalentQuery {
                    left_from: 2022,
                    left_to: 2018,
                    ..TalentQuery::default()
                },
                "a segment's years run backwards",
            ),
        ] {
            assert_eq!(query.problem(), Some(why));
        }
    }

    #[test]
    fn a_query_travels_in_the_url() {
        let query = TalentQuery {
            skills: "Rust, C++".into(),
            locations: "東京".into(),
            left_from: 2018,
            shortlisted: true,
            ..TalentQuery::default()
        };
        assert_eq!(
            query.to_query(),
            "skills=Rust%2C%20C%2B%2B&locations=%E6%9D%B1%E4%BA%AC&left_from=2018&shortlisted=true"
        );
        assert_eq!(TalentQuery::default().to_query(), "");
    }

    #[test]
    fn the_pool_shows_what_the_profile_says() {
        let talent = Talent::from_profile("u1", &hanako());
        assert_eq!(talent.departments, ["開発部"]);
        assert_eq!(talent.open_to, ["rehire"]);
        assert_eq!(talent.skills, ["Rust", "React Native"]);
    }
}

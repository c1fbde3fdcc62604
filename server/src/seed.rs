//! The demo company: on first start with an empty database, 株式会社つなぐ商事 (Tsunagu Trading)
//! with sixty-odd alumni generated from a fixed seed, two alumni and an admin who can sign in,
//! and a profile document for each, written through the sync engine like any other document.
//!
//! Only the three named accounts get a password (argon2id with the normal parameters, one hash
//! each); the generated alumni cannot sign in. Weaker hashing parameters "just for demo data" would
//! be a setting someone one day copies into production, and sixty hashes would make every fresh
//! start (and every test) seconds slower.

use std::collections::HashSet;

use automerge::ActorId;
use tsunagu_core::ids::random_bytes;
use tsunagu_core::profile::{Interest, Link, Position, Profile};

use crate::db::{self, NewUser};
use crate::demo_people::{
    CERTIFICATIONS, DEPARTMENTS, EMPLOYERS, FAMILY_NAMES, FOREIGN_NAMES, GIVEN_NAMES, HOPES,
    LOCATIONS,
};
use crate::error::Error;
use crate::{auth, documents};

/// The password of every demo account that can sign in.
pub const DEMO_PASSWORD: &str = "tsunagu-demo";

/// The demo accounts that can sign in: (email, who).
pub const DEMO_SIGN_INS: &[(&str, &str)] = &[
    ("hanako@example.com", "山田 花子, alumna"),
    ("ken@example.com", "佐藤 健, alumnus"),
    ("admin@example.com", "中島 由紀, admin"),
];

/// How many alumni are generated besides the named ones, unless asked for more.
pub(crate) const GENERATED_ALUMNI: usize = 60;

const ORGANISATION: &str = "org-tsunagu";

/// Seeds the demo company, with `alumni` generated alumni, if the database holds no one yet.
pub(crate) async fn demo_if_empty(
    pool: &sqlx::AnyPool,
    actor: &ActorId,
    alumni: usize,
) -> Result<bool, Error> {
    if db::count_users(pool).await? > 0 {
        return Ok(false);
    }
    let hashes = tokio::task::spawn_blocking(|| {
        DEMO_SIGN_INS
            .iter()
            .map(|_| auth::hash_password(DEMO_PASSWORD))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| Error::PasswordHash(e.to_string()))??;

    let mut people = named_people();
    people.extend(generated_alumni(alumni));
    let mut tx = db::write_tx(pool).await?;
    db::insert_organisation(
        &mut tx,
        &db::Organisation {
            id: ORGANISATION.into(),
            name: "株式会社つなぐ商事".into(),
            name_en: "Tsunagu Trading Co., Ltd.".into(),
            language: "ja".into(),
            time_zone: tsunagu_core::event::DEFAULT_TIME_ZONE.into(),
        },
    )
    .await?;
    for (i, person) in people.iter().enumerate() {
        let id = format!("user-{}", hex(&random_bytes::<8>()));
        let password_hash = hashes
            .get(i)
            .filter(|_| i < DEMO_SIGN_INS.len())
            .map(String::as_str);
        db::insert_user(
            &mut tx,
            &NewUser {
                id: &id,
                organisation: ORGANISATION,
                email: &person.email,
                password_hash,
                display_name: &person.profile.name,
                roles: person.roles,
            },
        )
        .await?;
        // The demo has no default visibility yet: everything is shown to everyone.
        documents::create_profile(&mut tx, actor, &id, &person.profile, &Default::default())
            .await?;
    }
    db::set_meta(&mut tx, "demo_seeded", "1").await?;
    tx.commit().await?;
    tracing::info!(people = people.len(), "seeded the demo company");
    Ok(true)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug)]
struct Person {
    email: String,
    roles: &'static [&'static str],
    profile: Profile,
}

fn link(label: &str, url: &str) -> Link {
    Link {
        label: label.into(),
        url: url.into(),
    }
}

fn position(department: &str, role: &str) -> Position {
    Position {
        department: department.into(),
        role: role.into(),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The three people who can sign in, written by hand so the demo script can rely on them.
fn named_people() -> Vec<Person> {
    vec![
        Person {
            email: "hanako@example.com".into(),
            roles: &["alumni"],
            profile: Profile {
                name: "山田 花子".into(),
                reading: "やまだ はなこ".into(),
                romaji: "Hanako Yamada".into(),
                joined: "2012-04".into(),
                left: "2021-03".into(),
                positions: vec![position("人事部", "採用担当"), position("人事部", "組織開発マネージャー")],
                employer: "株式会社SmartHR".into(),
                title: "HRBP".into(),
                location: "東京都渋谷区".into(),
                skills: strings(&["採用", "組織開発", "People Analytics", "English"]),
                certifications: strings(&["キャリアコンサルタント", "TOEIC 900"]),
                bio: "新卒でつなぐ商事に入社し、9年間採用と組織開発を担当しました。今はHRBPとして急成長するチームを支えています。後輩のキャリア相談、いつでも乗ります。".into(),
                links: vec![link("LinkedIn", "https://www.linkedin.com/in/hanako-yamada-example")],
                interests: strings(&[Interest::Mentoring.key(), Interest::Rehire.key(), Interest::KeepInTouch.key()]),
                ..Profile::default()
            },
        },
        Person {
            email: "ken@example.com".into(),
            roles: &["alumni"],
            profile: Profile {
                name: "佐藤 健".into(),
                reading: "さとう けん".into(),
                romaji: "Ken Sato".into(),
                joined: "2015-04".into(),
                left: "2019-06".into(),
                positions: vec![position("開発本部", "ソフトウェアエンジニア")],
                employer: "株式会社メルカリ".into(),
                title: "Engineering Manager".into(),
                location: "大阪府大阪市".into(),
                skills: strings(&["Go", "Rust", "Kubernetes", "チームビルディング"]),
                certifications: strings(&["AWS Certified Solutions Architect"]),
                bio: "Built the order system at Tsunagu, then moved to Mercari. Now managing a platform team in Osaka. Open to collaborating on projects — get in touch.".into(),
                links: vec![link("GitHub", "https://github.com/ken-sato-example")],
                interests: strings(&[Interest::Collaboration.key(), Interest::Speaking.key()]),
                ..Profile::default()
            },
        },
        Person {
            email: "admin@example.com".into(),
            roles: &["admin", "employee"],
            profile: Profile {
                name: "中島 由紀".into(),
                reading: "なかじま ゆき".into(),
                romaji: "Yuki Nakajima".into(),
                joined: "2010-04".into(),
                positions: vec![position("人事部", "アルムナイ・リレーション担当")],
                employer: "株式会社つなぐ商事".into(),
                title: "人事部 アルムナイ・リレーション担当".into(),
                location: "東京都千代田区".into(),
                skills: strings(&["アルムナイ・リレーション", "イベント企画", "採用"]),
                bio: "つなぐ商事のアルムナイネットワーク事務局です。イベントやお知らせはこちらから。".into(),
                interests: strings(&[Interest::KeepInTouch.key()]),
                ..Profile::default()
            },
        },
    ]
}

/// A small deterministic generator (SplitMix64): the demo must be the same on every machine and
/// version, which a general-purpose RNG crate does not promise across releases.
#[derive(Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// `count` distinct items, in the order drawn.
    fn several<T: Clone + PartialEq>(&mut self, items: &[T], count: usize) -> Vec<T> {
        let mut out: Vec<T> = Vec::new();
        while out.len() < count.min(items.len()) {
            let item = self.pick(items).clone();
            if !out.contains(&item) {
                out.push(item);
            }
        }
        out
    }
}

fn generated_alumni(count: usize) -> Vec<Person> {
    let mut rng = SplitMix64(0x7473_756e_6167_7521);
    let mut taken_names = HashSet::new();
    let mut taken_emails: HashSet<String> =
        DEMO_SIGN_INS.iter().map(|(e, _)| (*e).to_owned()).collect();
    // Names are distinct while the lists allow; thousands of alumni have namesakes, as a real
    // company's do.
    let names = FAMILY_NAMES.len() * GIVEN_NAMES.len();
    let mut people = Vec::new();
    for i in 0..count {
        // Every sixth person is from abroad, each foreign name used once.
        let foreign = FOREIGN_NAMES.get(i / 6).filter(|_| i % 6 == 5);
        let (name, reading, romaji) = match foreign {
            Some(&(name, reading, romaji)) => {
                (name.to_owned(), reading.to_owned(), romaji.to_owned())
            }
            None => loop {
                let (fk, fr, fl) = *rng.pick(FAMILY_NAMES);
                let (gk, gr, gl) = *rng.pick(GIVEN_NAMES);
                let name = format!("{fk} {gk}");
                if taken_names.insert(name.clone()) || taken_names.len() >= names / 2 {
                    break (name, format!("{fr} {gr}"), format!("{gl} {fl}"));
                }
            },
        };
        let email = unique_email(&romaji, &mut taken_emails);
        let profile = generated_profile(&mut rng, name, reading, romaji, foreign.is_some());
        people.push(Person {
            email,
            roles: &["alumni"],
            profile,
        });
    }
    people
}

fn unique_email(romaji: &str, taken: &mut HashSet<String>) -> String {
    let local: String = romaji
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(".")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    let mut email = format!("{local}@example.com");
    let mut n = 2;
    while taken.contains(&email) {
        email = format!("{local}{n}@example.com");
        n += 1;
    }
    taken.insert(email.clone());
    email
}

fn generated_profile(
    rng: &mut SplitMix64,
    name: String,
    reading: String,
    romaji: String,
    foreign: bool,
) -> Profile {
    let department = rng.pick(DEPARTMENTS);
    let role = *rng.pick(department.roles);
    let mut positions = vec![position(department.name, role)];
    if rng.chance(30) {
        let second = rng.pick(DEPARTMENTS);
        let role = *rng.pick(second.roles);
        positions.push(position(second.name, role));
    }
    let joined_year = 2005 + rng.below(15);
    let years = 2 + rng.below(8);
    let left_year = (joined_year + years).min(2025);
    // Most join in April with their cohort and leave at the end of a fiscal year.
    let joined_month = if rng.chance(70) { 4 } else { 1 + rng.below(12) };
    let left_month = if rng.chance(50) { 3 } else { 1 + rng.below(12) };
    let (employer, title) = *rng.pick(EMPLOYERS);
    let skill_count = 2 + rng.below(4);
    let mut skills = strings(&rng.several(department.skills, skill_count));
    if foreign || rng.chance(25) {
        skills.push("English".into());
        skills.dedup();
    }
    let certification_count = rng.below(3);
    let certifications = strings(&rng.several(CERTIFICATIONS, certification_count));
    let (hope_ja, hope_en) = *rng.pick(HOPES);
    let english = foreign || rng.chance(20);
    let bio = if english {
        format!(
            "Spent {years} years in {} at Tsunagu Trading. Now {title} at {employer}. {hope_en}",
            department.name_en
        )
    } else {
        format!(
            "{}で{}年間、{}として働きました。現在は{employer}で{title}をしています。{hope_ja}",
            department.name, years, positions[0].role
        )
    };
    let slug = romaji.to_lowercase().replace(' ', "-");
    let mut links = vec![link(
        "LinkedIn",
        &format!("https://www.linkedin.com/in/{slug}-example"),
    )];
    if department.name == "開発本部" || rng.chance(15) {
        links.push(link(
            "GitHub",
            &format!("https://github.com/{slug}-example"),
        ));
    }
    if rng.chance(20) {
        links.push(link("note", &format!("https://note.com/{slug}_example")));
    }
    let interest_count = 1 + rng.below(3);
    let interests = rng
        .several(&Interest::ALL, interest_count)
        .into_iter()
        .map(|i| i.key().to_owned())
        .collect();
    Profile {
        name,
        reading,
        romaji,
        joined: format!("{joined_year}-{joined_month:02}"),
        left: format!("{left_year}-{left_month:02}"),
        positions,
        employer: employer.into(),
        title: title.into(),
        location: (*rng.pick(LOCATIONS)).into(),
        skills,
        certifications,
        bio,
        links,
        interests,
        ..Profile::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_alumni_are_the_same_every_time_and_unique() {
        let a = generated_alumni(GENERATED_ALUMNI);
        let b = generated_alumni(GENERATED_ALUMNI);
        assert_eq!(a.len(), GENERATED_ALUMNI);
        assert_eq!(
            a.iter().map(|p| &p.profile).collect::<Vec<_>>(),
            b.iter().map(|p| &p.profile).collect::<Vec<_>>()
        );
        let mut emails: Vec<_> = a.iter().map(|p| p.email.as_str()).collect();
        emails.sort_unstable();
        emails.dedup();
        assert_eq!(emails.len(), GENERATED_ALUMNI);
        assert!(
            a.iter()
                .all(|p| p.email.is_ascii() && !p.profile.reading.is_empty())
        );
        assert!(a.iter().any(|p| p.profile.name == "Lucas Müller"));
        assert!(a.iter().all(|p| p.profile.joined < p.profile.left));
    }

    #[test]
    fn a_demo_of_thousands_has_namesakes_but_one_email_each() {
        let people = generated_alumni(5_000);
        assert_eq!(people.len(), 5_000);
        let emails: HashSet<_> = people.iter().map(|p| p.email.as_str()).collect();
        assert_eq!(emails.len(), 5_000);
        let names: HashSet<_> = people.iter().map(|p| p.profile.name.as_str()).collect();
        assert!(names.len() < 5_000, "more people than the name lists make");
        // The first of them are the small demo's, in the same order.
        let small = generated_alumni(GENERATED_ALUMNI);
        assert!(
            small
                .iter()
                .zip(&people)
                .all(|(a, b)| a.email == b.email && a.profile == b.profile)
        );
    }
}

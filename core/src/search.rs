//! Offline directory search.
//!
//! Names in Japan are written three ways (山田花子, やまだはなこ, Hanako Yamada) and typed in
//! full- or half-width forms. Both the query and each profile are folded the same way — NFKC,
//! lower case, katakana to hiragana, plus the romaji of the kana reading — so any of them finds
//! the person. Every query token must match somewhere (AND), in any field the directory shows.

use crate::profile::{Interest, Profile};

/// Folds text for matching: NFKC (full/half width, compatibility forms), lower case, katakana to
/// hiragana.
pub fn fold(text: &str) -> String {
    nfkc(text)
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            // Katakana ァ..ヶ sit 0x60 above their hiragana.
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Unicode's compatibility normalisation (NFKC).
#[cfg(not(target_arch = "wasm32"))]
fn nfkc(text: &str) -> String {
    unicode_normalization::UnicodeNormalization::nfkc(text).collect()
}

/// Unicode's compatibility normalisation (NFKC), by the browser: the same result without carrying
/// the normalisation tables in the wasm.
#[cfg(target_arch = "wasm32")]
fn nfkc(text: &str) -> String {
    js_sys::JsString::from(text)
        .normalize("NFKC")
        .as_string()
        .unwrap_or_else(|| text.to_owned())
}

/// The folded text a profile is searched by.
pub fn haystack(profile: &Profile) -> String {
    let reading = fold(&profile.reading);
    let romaji_of_reading = wana_kana::ConvertJapanese::to_romaji(reading.as_str());
    let mut parts: Vec<String> = vec![
        fold(&profile.name),
        fold(&profile.name).replace(' ', ""),
        reading.clone(),
        reading.replace(' ', ""),
        fold(&profile.romaji),
        romaji_of_reading.to_lowercase(),
        fold(&profile.employer),
        fold(&profile.title),
        fold(&profile.location),
    ];
    parts.extend(
        profile
            .skills
            .iter()
            .chain(&profile.certifications)
            .map(|s| fold(s)),
    );
    parts.extend(
        profile
            .positions
            .iter()
            .flat_map(|p| [fold(&p.department), fold(&p.role)]),
    );
    parts.join("\u{1f}")
}

/// What the directory screen asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Free text: names in any script, skills, employers, departments.
    pub text: String,
    /// Left the company in or after this year.
    pub left_from: Option<u16>,
    /// Left the company in or before this year.
    pub left_to: Option<u16>,
    /// Only people open to every one of these.
    pub interests: Vec<Interest>,
}

impl Query {
    pub fn text(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            ..Self::default()
        }
    }

    /// Whether `profile` (with its precomputed [`haystack`]) matches.
    pub fn matches(&self, profile: &Profile, haystack: &str) -> bool {
        let folded = fold(&self.text);
        if !folded
            .split_whitespace()
            .all(|token| haystack.contains(token))
        {
            return false;
        }
        let left = profile.left_year();
        if self
            .left_from
            .is_some_and(|from| left.is_none_or(|y| y < from))
            || self.left_to.is_some_and(|to| left.is_none_or(|y| y > to))
        {
            return false;
        }
        self.interests.iter().all(|i| profile.has_interest(*i))
    }
}

/// Filters and orders a directory: matches sorted by reading (the order of a Japanese name list),
/// cards not yet ready for the directory (no name, or nothing beyond it) last.
pub fn search<'a, K>(
    query: &Query,
    entries: &'a [(K, Profile, String)],
) -> Vec<&'a (K, Profile, String)> {
    let mut hits: Vec<_> = entries
        .iter()
        .filter(|(_, p, h)| query.matches(p, h))
        .collect();
    hits.sort_by_cached_key(|(_, p, _)| {
        (
            !p.ready_for_directory(),
            !p.has_name(),
            fold(&p.reading),
            p.name.clone(),
        )
    });
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Position;

    fn hanako() -> Profile {
        Profile {
            name: "山田 花子".into(),
            reading: "やまだ はなこ".into(),
            employer: "株式会社メルカリ".into(),
            skills: vec!["Rust".into(), "データ分析".into()],
            positions: vec![Position {
                department: "開発本部".into(),
                role: "エンジニア".into(),
            }],
            left: "2021-03".into(),
            interests: vec!["mentoring".into()],
            ..Default::default()
        }
    }

    fn finds(q: &str) -> bool {
        let p = hanako();
        Query::text(q).matches(&p, &haystack(&p))
    }

    #[test]
    fn names_match_in_kanji_kana_katakana_half_width_and_romaji() {
        for q in [
            "山田",
            "山田花子",
            "やまだ",
            "ヤマダ",
            "ﾔﾏﾀﾞ",
            "yamada",
            "Hanako",
            "YAMADA hanako",
            "ｙａｍａｄａ",
        ] {
            assert!(finds(q), "{q} should find 山田 花子");
        }
        assert!(!finds("佐藤"));
        assert!(!finds("yamada sato"));
    }

    #[test]
    fn skills_employers_and_departments_match_width_insensitively() {
        for q in ["rust", "ＲＵＳＴ", "メルカリ", "ﾒﾙｶﾘ", "開発本部", "データ"]
        {
            assert!(finds(q), "{q}");
        }
    }

    #[test]
    fn filters_by_year_left_and_interests() {
        let p = hanako();
        let h = haystack(&p);
        let q = |from, to, interests: Vec<Interest>| Query {
            text: String::new(),
            left_from: from,
            left_to: to,
            interests,
        };
        assert!(q(Some(2020), Some(2021), vec![]).matches(&p, &h));
        assert!(!q(Some(2022), None, vec![]).matches(&p, &h));
        assert!(q(None, None, vec![Interest::Mentoring]).matches(&p, &h));
        assert!(!q(None, None, vec![Interest::Mentoring, Interest::Rehire]).matches(&p, &h));
    }

    #[test]
    fn a_directory_lists_by_reading_with_unfinished_cards_last() {
        let person = |name: &str, reading: &str, location: &str| Profile {
            name: name.into(),
            reading: reading.into(),
            location: location.into(),
            ..Default::default()
        };
        let entries: Vec<((), Profile, String)> = [
            person("x", "", "Tokyo"),
            person("渡辺 翔太", "わたなべ しょうた", "大阪"),
            person("新人 太郎", "あらた たろう", ""),
            person("青木 優", "あおき ゆう", "札幌"),
        ]
        .into_iter()
        .map(|p| {
            let h = haystack(&p);
            ((), p, h)
        })
        .collect();
        let names: Vec<&str> = search(&Query::text(""), &entries)
            .iter()
            .map(|(_, p, _)| p.name.as_str())
            .collect();
        assert_eq!(names, ["青木 優", "渡辺 翔太", "新人 太郎", "x"]);
    }
}

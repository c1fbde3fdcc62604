//! The keys of a profile document, written once: the profile's schema ([`crate::profile`]) and
//! the grant table ([`crate::grants`]) derive what they write and allow from these lists, so a
//! field added here is written by the app and accepted by the relay alike.
//!
//! A profile holds four groups of keys: the [`OWNER_KEY`] the relay sets when it creates the
//! profile, the [`NAME_KEYS`] the directory shows a member by, HR's years ([`HR_KEYS`]), and the
//! [`Field`]s whose audience the owner chooses. The owner's private part also keeps their
//! choices, under [`VISIBILITY_KEY`].

/// Declares [`Field`], [`Field::ALL`], [`Field::KEYS`] and [`Field::key`] from one list of
/// fields and their keys, so that adding a field is one line here.
macro_rules! choosable_fields {
    ($($field:ident => $key:literal,)+) => {
        /// A profile field whose audience its owner chooses; the rest (name, reading, romaji and
        /// HR's years) are seen by everyone in the network, so the directory can list the member.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field {
            $($field,)+
        }

        impl Field {
            pub const ALL: [Field; [$($key),+].len()] = [$(Field::$field),+];

            /// The key of every field, in the order of [`Field::ALL`].
            pub const KEYS: [&'static str; [$($key),+].len()] = [$($key),+];

            /// The key of the field in a profile document.
            pub const fn key(self) -> &'static str {
                match self {
                    $(Field::$field => $key,)+
                }
            }

            pub fn from_key(key: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|f| f.key() == key)
            }
        }
    };
}

choosable_fields! {
    Positions => "positions",
    Employer => "employer",
    Title => "title",
    Location => "location",
    Skills => "skills",
    Certifications => "certifications",
    Bio => "bio",
    Links => "links",
    Interests => "interests",
}

/// The member a profile belongs to: written by the relay when it creates the profile, never by
/// a member.
pub const OWNER_KEY: &str = "owner";

/// How the directory shows a member (their name, its reading and romaji, and their photo's id):
/// written by the owner, always in the part everyone reads.
pub const NAME_KEYS: [&str; 4] = ["name", "reading", "romaji", "photo"];

/// The years at the company, from HR's records: the alumni ID card vouches for them, so only
/// admins correct them. Always in the part everyone reads.
pub const HR_KEYS: [&str; 2] = ["joined", "left"];

/// Where a profile's visibility choices (and an organisation's defaults) are kept.
pub const VISIBILITY_KEY: &str = "visibility";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_through_their_keys_and_no_key_is_in_two_groups() {
        for field in Field::ALL {
            assert_eq!(Field::from_key(field.key()), Some(field));
        }
        let mut all: Vec<&str> = [OWNER_KEY, VISIBILITY_KEY].to_vec();
        all.extend(NAME_KEYS);
        all.extend(HR_KEYS);
        all.extend(Field::KEYS);
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count, "a key is in two groups");
    }
}

//! Identifiers, encoded the way automerge-repo encodes them so JS peers interoperate.

use std::fmt;

use thiserror::Error;

/// Fills `buf` with random bytes from the platform (the browser's crypto on wasm).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // A platform without randomness cannot run tsunagu at all; there is nothing to recover.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut buf).expect("the platform provides randomness");
    buf
}

/// An automerge-repo document id: 16 bytes, shown as base58check (`automerge:<id>` as a URL).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

#[derive(Debug, Error, PartialEq, Eq)]
pub enum IdError {
    #[error("not a base58check document id: {0}")]
    NotBase58Check(String),
    #[error("a document id has 16 bytes, this one has {0}")]
    WrongLength(usize),
}

impl DocumentId {
    pub fn random() -> Self {
        Self(random_bytes())
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The automerge-repo URL of this document (`automerge:<base58check>`).
    pub fn url(&self) -> String {
        format!("automerge:{self}")
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl std::str::FromStr for DocumentId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.strip_prefix("automerge:").unwrap_or(s);
        let bytes = bs58::decode(s)
            .with_check(None)
            .into_vec()
            .map_err(|_| IdError::NotBase58Check(s.chars().take(64).collect()))?;
        let len = bytes.len();
        let bytes: [u8; 16] = bytes.try_into().map_err(|_| IdError::WrongLength(len))?;
        Ok(Self(bytes))
    }
}

impl serde::Serialize for DocumentId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DocumentId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(s: impl Into<String>) -> Self {
                Self(s.into())
            }

            /// A fresh random id.
            pub fn random() -> Self {
                Self(format!(concat!($prefix, "{}"), bs58::encode(random_bytes::<16>()).into_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// The ephemeral id of one running peer (a browser tab, a relay process).
    PeerId, "peer-"
);
string_id!(
    /// The id of a peer's persistent storage (one IndexedDB, one relay database); sync state is
    /// saved per storage id, so a device that comes back resumes where it left off.
    StorageId, ""
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_ids_round_trip_as_base58check() {
        let id = DocumentId::random();
        let s = id.to_string();
        assert_eq!(s.parse::<DocumentId>(), Ok(id));
        assert_eq!(id.url().parse::<DocumentId>(), Ok(id));
    }

    #[test]
    fn a_corrupted_document_id_is_refused() {
        let mut s = DocumentId::random().to_string();
        let last = s.pop().map(|c| if c == '1' { '2' } else { '1' });
        s.extend(last);
        assert!(s.parse::<DocumentId>().is_err());
        assert!("0OIl".parse::<DocumentId>().is_err());
        let short = bs58::encode([1u8; 8]).with_check().into_string();
        assert_eq!(short.parse::<DocumentId>(), Err(IdError::WrongLength(8)));
    }
}

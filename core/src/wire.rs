//! The automerge-repo WebSocket protocol v1: CBOR maps with a `type` field.
//!
//! Decoding is strict and total: any frame — truncated, oversized, of an unknown type, with a
//! malformed document id — becomes a [`WireError`] the caller answers with an `error` message,
//! never a panic. Unknown fields are ignored, as automerge-repo does, so newer peers still talk to us.

use ciborium::Value;
use thiserror::Error;

use crate::ids::{DocumentId, PeerId, StorageId};

/// The only protocol version there is.
pub const PROTOCOL_VERSION: &str = "1";

/// The peer metadata key that announces [`Message::Summary`].
const SUMMARIES_KEY: &str = "tsunaguSummaries";

/// Frames larger than this are refused before they are parsed.
pub const MAX_FRAME_BYTES: usize = 8 * 1024 * 1024;

/// What a peer says about its storage in `join` / `peer`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    pub storage_id: Option<StorageId>,
    pub is_ephemeral: bool,
    /// tsunagu's reconnect summaries ([`Message::Summary`]): sent as `tsunaguSummaries` only
    /// when true, so stock automerge-repo peers never see it and never get a summary.
    pub summaries: bool,
}

/// One protocol message.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    Join {
        sender: PeerId,
        metadata: Option<PeerMetadata>,
        versions: Vec<String>,
    },
    Peer {
        sender: PeerId,
        target: PeerId,
        metadata: Option<PeerMetadata>,
        version: String,
    },
    Leave {
        sender: PeerId,
    },
    /// Begin syncing a document; answered with `doc-unavailable` if the receiver cannot serve it.
    Request {
        sender: PeerId,
        target: PeerId,
        doc: DocumentId,
        data: Vec<u8>,
    },
    Sync {
        sender: PeerId,
        target: PeerId,
        doc: DocumentId,
        data: Vec<u8>,
    },
    DocUnavailable {
        sender: PeerId,
        target: PeerId,
        doc: DocumentId,
    },
    Ephemeral {
        sender: PeerId,
        target: PeerId,
        doc: DocumentId,
        count: u64,
        session: String,
        data: Vec<u8>,
    },
    /// tsunagu's one addition to the protocol: the relay refused changes the peer sent to `doc`
    /// (their author or what they touch is outside the sender's grants). The peer drops its copy
    /// and syncs the relay's version again.
    ChangeRejected {
        sender: PeerId,
        target: PeerId,
        doc: DocumentId,
        reason: String,
    },
    /// tsunagu's second addition, between peers that both announced `summaries`: one digest of
    /// the heads the two share of every document they ever synced (each side's stored sync
    /// states). The device sends its digest on reconnecting; the relay answers with its own. If
    /// they agree, only documents changed on either side since then are synced (the relay starts
    /// those it holds news of); if not, every document is synced as without a summary. An
    /// unchanged directory then costs one message each way instead of two per document.
    Summary {
        sender: PeerId,
        target: PeerId,
        digest: Vec<u8>,
    },
    /// Remote-heads gossip (`remote-subscription-change`, `remote-heads-changed`): accepted and ignored.
    Gossip {
        kind: String,
        sender: PeerId,
    },
    Error {
        message: String,
    },
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum WireError {
    #[error("frame of {size} bytes exceeds the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("frame is not valid CBOR: {0}")]
    NotCbor(String),
    #[error("message is not a CBOR map")]
    NotAMap,
    #[error("message lacks the field `{0}` or it has the wrong type")]
    MissingField(&'static str),
    #[error("unknown message type `{0}`")]
    UnknownType(String),
    #[error("bad document id: {0}")]
    BadDocumentId(String),
}

impl Message {
    /// A `request` (the sender has nothing of the document yet) or a `sync` carrying `data`.
    pub fn sync(
        request: bool,
        sender: PeerId,
        target: PeerId,
        doc: DocumentId,
        data: Vec<u8>,
    ) -> Self {
        if request {
            Self::Request {
                sender,
                target,
                doc,
                data,
            }
        } else {
            Self::Sync {
                sender,
                target,
                doc,
                data,
            }
        }
    }

    /// The document a message is about, if any.
    pub fn document(&self) -> Option<DocumentId> {
        match self {
            Self::Request { doc, .. }
            | Self::Sync { doc, .. }
            | Self::DocUnavailable { doc, .. }
            | Self::ChangeRejected { doc, .. }
            | Self::Ephemeral { doc, .. } => Some(*doc),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &str {
        match self {
            Self::Join { .. } => "join",
            Self::Peer { .. } => "peer",
            Self::Leave { .. } => "leave",
            Self::Request { .. } => "request",
            Self::Sync { .. } => "sync",
            Self::DocUnavailable { .. } => "doc-unavailable",
            Self::ChangeRejected { .. } => "change-rejected",
            Self::Ephemeral { .. } => "ephemeral",
            Self::Summary { .. } => "tsunagu-summary",
            Self::Gossip { kind, .. } => kind,
            Self::Error { .. } => "error",
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut map: Vec<(Value, Value)> = vec![(text("type"), text(self.type_name()))];
        let mut put = |k: &str, v: Value| map.push((text(k), v));
        match self {
            Self::Join {
                sender,
                metadata,
                versions,
            } => {
                put("senderId", text(sender.as_str()));
                put(
                    "supportedProtocolVersions",
                    Value::Array(versions.iter().map(|v| text(v)).collect()),
                );
                if let Some(m) = metadata {
                    put("peerMetadata", metadata_value(m));
                }
            }
            Self::Peer {
                sender,
                target,
                metadata,
                version,
            } => {
                put("senderId", text(sender.as_str()));
                put("targetId", text(target.as_str()));
                put("selectedProtocolVersion", text(version));
                if let Some(m) = metadata {
                    put("peerMetadata", metadata_value(m));
                }
            }
            Self::Leave { sender } | Self::Gossip { sender, .. } => {
                put("senderId", text(sender.as_str()))
            }
            Self::Request {
                sender,
                target,
                doc,
                data,
            }
            | Self::Sync {
                sender,
                target,
                doc,
                data,
            } => {
                put("senderId", text(sender.as_str()));
                put("targetId", text(target.as_str()));
                put("documentId", text(&doc.to_string()));
                put("data", Value::Bytes(data.clone()));
            }
            Self::DocUnavailable {
                sender,
                target,
                doc,
            } => {
                put("senderId", text(sender.as_str()));
                put("targetId", text(target.as_str()));
                put("documentId", text(&doc.to_string()));
            }
            Self::ChangeRejected {
                sender,
                target,
                doc,
                reason,
            } => {
                put("senderId", text(sender.as_str()));
                put("targetId", text(target.as_str()));
                put("documentId", text(&doc.to_string()));
                put("reason", text(reason));
            }
            Self::Ephemeral {
                sender,
                target,
                doc,
                count,
                session,
                data,
            } => {
                put("senderId", text(sender.as_str()));
                put("targetId", text(target.as_str()));
                put("documentId", text(&doc.to_string()));
                put("count", Value::Integer((*count).into()));
                put("sessionId", text(session));
                put("data", Value::Bytes(data.clone()));
            }
            Self::Summary {
                sender,
                target,
                digest,
            } => {
                put("senderId", text(sender.as_str()));
                put("targetId", text(target.as_str()));
                put("digest", Value::Bytes(digest.clone()));
            }
            Self::Error { message } => put("message", text(message)),
        }
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = ciborium::into_writer(&Value::Map(map), &mut out);
        out
    }

    pub fn decode(frame: &[u8]) -> Result<Self, WireError> {
        if frame.len() > MAX_FRAME_BYTES {
            return Err(WireError::TooLarge {
                size: frame.len(),
                limit: MAX_FRAME_BYTES,
            });
        }
        let value: Value =
            ciborium::from_reader(frame).map_err(|e| WireError::NotCbor(e.to_string()))?;
        let Value::Map(entries) = value else {
            return Err(WireError::NotAMap);
        };
        let fields = Fields(entries);
        let kind = fields.str("type")?;
        let sender = || fields.str("senderId").map(PeerId::new);
        let target = || fields.str("targetId").map(PeerId::new);
        let doc = || {
            let s = fields.str("documentId")?;
            s.parse::<DocumentId>()
                .map_err(|e| WireError::BadDocumentId(e.to_string()))
        };
        Ok(match kind.as_str() {
            "join" => Message::Join {
                sender: sender()?,
                metadata: fields.metadata(),
                versions: fields.versions(),
            },
            "peer" => Message::Peer {
                sender: sender()?,
                target: target()?,
                metadata: fields.metadata(),
                version: fields.str("selectedProtocolVersion")?,
            },
            "leave" => Message::Leave { sender: sender()? },
            "request" => Message::Request {
                sender: sender()?,
                target: target()?,
                doc: doc()?,
                data: fields.bytes("data")?,
            },
            "sync" => Message::Sync {
                sender: sender()?,
                target: target()?,
                doc: doc()?,
                data: fields.bytes("data")?,
            },
            "doc-unavailable" => Message::DocUnavailable {
                sender: sender()?,
                target: target()?,
                doc: doc()?,
            },
            "change-rejected" => Message::ChangeRejected {
                sender: sender()?,
                target: target()?,
                doc: doc()?,
                reason: fields.str("reason")?,
            },
            "ephemeral" => Message::Ephemeral {
                sender: sender()?,
                target: target()?,
                doc: doc()?,
                count: fields.uint("count")?,
                session: fields.str("sessionId")?,
                data: fields.bytes("data")?,
            },
            "tsunagu-summary" => Message::Summary {
                sender: sender()?,
                target: target()?,
                digest: fields.bytes("digest")?,
            },
            "remote-subscription-change" | "remote-heads-changed" => Message::Gossip {
                kind,
                sender: sender()?,
            },
            "error" => Message::Error {
                message: fields.str("message")?,
            },
            _ => return Err(WireError::UnknownType(kind.chars().take(64).collect())),
        })
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn metadata_value(m: &PeerMetadata) -> Value {
    let mut map = vec![(text("isEphemeral"), Value::Bool(m.is_ephemeral))];
    if let Some(id) = &m.storage_id {
        map.push((text("storageId"), text(id.as_str())));
    }
    if m.summaries {
        map.push((text(SUMMARIES_KEY), Value::Bool(true)));
    }
    Value::Map(map)
}

struct Fields(Vec<(Value, Value)>);

impl Fields {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(k, _)| k.as_text() == Some(key))
            .map(|(_, v)| v)
    }

    fn str(&self, key: &'static str) -> Result<String, WireError> {
        self.get(key)
            .and_then(Value::as_text)
            .map(str::to_owned)
            .ok_or(WireError::MissingField(key))
    }

    fn bytes(&self, key: &'static str) -> Result<Vec<u8>, WireError> {
        self.get(key)
            .and_then(Value::as_bytes)
            .cloned()
            .ok_or(WireError::MissingField(key))
    }

    fn uint(&self, key: &'static str) -> Result<u64, WireError> {
        self.get(key)
            .and_then(Value::as_integer)
            .and_then(|i| u64::try_from(i).ok())
            .ok_or(WireError::MissingField(key))
    }

    fn versions(&self) -> Vec<String> {
        match self.get("supportedProtocolVersions") {
            Some(Value::Array(vs)) => vs
                .iter()
                .filter_map(Value::as_text)
                .map(str::to_owned)
                .collect(),
            Some(Value::Text(v)) => vec![v.clone()],
            _ => Vec::new(),
        }
    }

    /// automerge-repo sends `peerMetadata`; its README says `metadata`. Accept both.
    fn metadata(&self) -> Option<PeerMetadata> {
        let Some(Value::Map(m)) = self.get("peerMetadata").or_else(|| self.get("metadata")) else {
            return None;
        };
        let m = Fields(m.clone());
        Some(PeerMetadata {
            storage_id: m
                .get("storageId")
                .and_then(Value::as_text)
                .map(StorageId::new),
            is_ephemeral: m
                .get("isEphemeral")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            summaries: m
                .get(SUMMARIES_KEY)
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Message> {
        let (a, b) = (PeerId::new("a"), PeerId::new("b"));
        let doc = DocumentId::random();
        let meta = Some(PeerMetadata {
            storage_id: Some(StorageId::new("s1")),
            is_ephemeral: false,
            summaries: true,
        });
        vec![
            Message::Join {
                sender: a.clone(),
                metadata: meta.clone(),
                versions: vec!["1".into()],
            },
            Message::Peer {
                sender: b.clone(),
                target: a.clone(),
                metadata: meta,
                version: "1".into(),
            },
            Message::Leave { sender: a.clone() },
            Message::Request {
                sender: a.clone(),
                target: b.clone(),
                doc,
                data: vec![1, 2, 3],
            },
            Message::Sync {
                sender: b.clone(),
                target: a.clone(),
                doc,
                data: vec![],
            },
            Message::DocUnavailable {
                sender: b.clone(),
                target: a.clone(),
                doc,
            },
            Message::ChangeRejected {
                sender: b.clone(),
                target: a.clone(),
                doc,
                reason: "change 1a2b writes `/joined`, which you may not change".into(),
            },
            Message::Ephemeral {
                sender: a.clone(),
                target: b.clone(),
                doc,
                count: 7,
                session: "s".into(),
                data: vec![9],
            },
            Message::Summary {
                sender: a.clone(),
                target: b.clone(),
                digest: vec![7; 32],
            },
            Message::Error {
                message: "nope".into(),
            },
        ]
    }

    #[test]
    fn every_message_round_trips() {
        for m in sample() {
            assert_eq!(Message::decode(&m.encode()), Ok(m));
        }
    }

    #[test]
    fn hostile_frames_are_errors_not_panics() {
        assert!(matches!(
            Message::decode(&[0xff, 0x00]),
            Err(WireError::NotCbor(_))
        ));
        assert_eq!(Message::decode(&[0x01]), Err(WireError::NotAMap));
        let big = vec![0u8; MAX_FRAME_BYTES + 1];
        assert!(matches!(
            Message::decode(&big),
            Err(WireError::TooLarge { .. })
        ));
        for m in sample() {
            let bytes = m.encode();
            for cut in 0..bytes.len() {
                let _ = Message::decode(&bytes[..cut]);
            }
        }
        let mut unknown = Vec::new();
        ciborium::into_writer(
            &Value::Map(vec![(text("type"), text("teleport"))]),
            &mut unknown,
        )
        .unwrap();
        assert_eq!(
            Message::decode(&unknown),
            Err(WireError::UnknownType("teleport".into()))
        );
        let mut bad_doc = Vec::new();
        let map = vec![
            (text("type"), text("sync")),
            (text("senderId"), text("a")),
            (text("targetId"), text("b")),
            (text("documentId"), text("not-an-id")),
            (text("data"), Value::Bytes(vec![])),
        ];
        ciborium::into_writer(&Value::Map(map), &mut bad_doc).unwrap();
        assert!(matches!(
            Message::decode(&bad_doc),
            Err(WireError::BadDocumentId(_))
        ));
    }
}

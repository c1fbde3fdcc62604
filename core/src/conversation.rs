//! Pages of a conversation's messages (docs/design.md §7).
//!
//! A conversation's messages live in pages of bounded size, each its own document, so opening a
//! long conversation syncs its newest page first and older pages only on demand. On a page every
//! member writes only under their own key, which the grant table enforces on the relay
//! ([`crate::grants::MESSAGE_AUTHOR`]):
//!
//! ```text
//! messages/<member>/<message id> = {text, at, replyTo?, photos?: [id], editedAt?, unsent?}
//! reactions/<member>/<message id> = "👍"
//! read/<member> = <when the last message they read was written>
//! hidden/<message id> = true          (only the relay: an admin hid a reported message)
//! ```
//!
//! The read marks are how "既読" works: a member's devices move their mark when they show the
//! page, every device of theirs follows it (unread counts), and the others see who has read a
//! message (LINE shows that too; the members of a conversation see each other's marks only).
//!
//! The relay makes each member's two maps when it makes the page or adds the member, so two
//! devices of one member writing their first message offline never make rival maps at the same
//! key (automerge would keep one and hide the other's messages). A message id is drawn when the
//! message is written, so sending the same message again (a retry) changes nothing.
//!
//! A photo is named by its id ([`crate::photo`]); its bytes travel outside the document. Unsending or
//! hiding a message takes its photos off the page with its text.
//!
//! Every device orders a page the same way, whatever order the changes arrived in: by the time
//! each message was written, then by author and id.
//!
//! ```
//! use automerge::AutoCommit;
//! use tsunagu_core::conversation::{Draft, MessagePage};
//!
//! let mut relay = AutoCommit::new();
//! MessagePage::create(&mut relay, &["hanako", "ken"]).unwrap();
//! let (mut hanako, mut ken) = (relay.fork(), relay.fork());
//! // Both write offline; Ken's message is the later one.
//! MessagePage::write(&mut ken, "ken", "m-2", &Draft::text("おつかれさま", 1_700_000_060_000)).unwrap();
//! MessagePage::write(&mut hanako, "hanako", "m-1", &Draft::text("来週の同期会、行きます", 1_700_000_000_000)).unwrap();
//! hanako.merge(&mut ken).unwrap();
//! let page = MessagePage::read(&hanako).unwrap();
//! assert_eq!(page.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["m-1", "m-2"]);
//! ```

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ROOT, ReadDoc};
use serde::Deserialize;

use crate::event::{DocError, map_at, read_doc};

/// Where a page keeps its messages, by author.
pub const MESSAGES_KEY: &str = "messages";
/// Where a page keeps its reactions, by the member reacting.
pub const REACTIONS_KEY: &str = "reactions";
/// Where a page keeps how far each member has read.
pub const READ_KEY: &str = "read";
/// Where a page keeps the messages admins hid, which only the relay writes.
pub const HIDDEN_KEY: &str = "hidden";

/// A message as a member writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub text: String,
    /// When it was written, in milliseconds since the Unix epoch, by the writer's clock.
    pub at: i64,
    /// The id of the message it answers.
    pub reply_to: Option<String>,
    /// The ids of the photos it carries ([`crate::photo`]), at most
    /// [`PHOTOS_PER_MESSAGE`](crate::photo::PHOTOS_PER_MESSAGE).
    pub photos: Vec<String>,
}

impl Draft {
    pub fn text(text: &str, at: i64) -> Self {
        Self {
            text: text.to_owned(),
            at,
            ..Self::default()
        }
    }
}

/// One message on a page, as every member's device shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    /// The member who wrote it: the key it is written under, which only they may write.
    pub author: String,
    /// Empty once unsent.
    pub text: String,
    pub at: i64,
    pub reply_to: Option<String>,
    /// The ids of its photos; none once unsent or hidden.
    pub photos: Vec<String>,
    /// When it was last edited.
    pub edited_at: Option<i64>,
    /// The author took it back ("メッセージの送信を取り消しました"); its text is gone.
    pub unsent: bool,
    /// An admin hid it after a report; every device shows that instead of its text.
    pub hidden: bool,
    /// Each member's reaction, by member.
    pub reactions: BTreeMap<String, String>,
}

/// A page of a conversation's messages.
#[derive(Debug, Clone, Copy)]
pub struct MessagePage;

impl MessagePage {
    /// Gives a new page a map of messages and one of reactions for each of `members`. Only the
    /// relay calls this, once per page.
    pub fn create(doc: &mut impl Transactable, members: &[&str]) -> Result<(), DocError> {
        doc.put_object(ROOT, MESSAGES_KEY, ObjType::Map)?;
        doc.put_object(ROOT, REACTIONS_KEY, ObjType::Map)?;
        doc.put_object(ROOT, READ_KEY, ObjType::Map)?;
        for member in members {
            Self::add_member(doc, member)?;
        }
        Ok(())
    }

    /// Makes `member`'s maps on the page (a member joining a group). Only the relay calls this;
    /// a member already on the page keeps what they wrote.
    pub fn add_member(doc: &mut impl Transactable, member: &str) -> Result<(), DocError> {
        for key in [MESSAGES_KEY, REACTIONS_KEY] {
            let Some(all) = map_at(doc, &ROOT, key)? else {
                continue;
            };
            if map_at(doc, &all, member)?.is_none() {
                doc.put_object(&all, member, ObjType::Map)?;
            }
        }
        Ok(())
    }

    /// Writes `author`'s message under `id`. Returns `false`, changing nothing, if that id is
    /// already written (a retry) or the page holds no map for `author` yet (not synced, or they
    /// are not in the conversation).
    pub fn write(
        doc: &mut impl Transactable,
        author: &str,
        id: &str,
        draft: &Draft,
    ) -> Result<bool, DocError> {
        let Some(mine) = own_map(doc, MESSAGES_KEY, author)? else {
            return Ok(false);
        };
        if doc.get(&mine, id)?.is_some() {
            return Ok(false);
        }
        let entry = doc.put_object(&mine, id, ObjType::Map)?;
        doc.put(&entry, "text", draft.text.as_str())?;
        doc.put(&entry, "at", draft.at)?;
        if let Some(reply_to) = &draft.reply_to {
            doc.put(&entry, "replyTo", reply_to.as_str())?;
        }
        if !draft.photos.is_empty() {
            let photos = doc.put_object(&entry, "photos", ObjType::List)?;
            for (i, photo) in draft.photos.iter().enumerate() {
                doc.insert(&photos, i, photo.as_str())?;
            }
        }
        Ok(true)
    }

    /// Replaces the text of `author`'s message `id`. Returns `false` if there is no such message
    /// of theirs, or it was unsent.
    pub fn edit(
        doc: &mut impl Transactable,
        author: &str,
        id: &str,
        text: &str,
        at: i64,
    ) -> Result<bool, DocError> {
        let Some(entry) = own_message(doc, author, id)? else {
            return Ok(false);
        };
        if is_unsent(doc, &entry)? {
            return Ok(false);
        }
        doc.put(&entry, "text", text)?;
        doc.put(&entry, "editedAt", at)?;
        Ok(true)
    }

    /// Takes back `author`'s message `id`: its text leaves the page's current state, and every
    /// device shows that it was unsent. Returns `false` if there is no such message of theirs.
    pub fn unsend(doc: &mut impl Transactable, author: &str, id: &str) -> Result<bool, DocError> {
        let Some(entry) = own_message(doc, author, id)? else {
            return Ok(false);
        };
        take_content(doc, &entry)?;
        doc.put(&entry, "unsent", true)?;
        Ok(true)
    }

    /// Sets `member`'s reaction to message `id`, or takes it away with `None`. Returns `false`
    /// if the page holds no map for `member` yet.
    pub fn react(
        doc: &mut impl Transactable,
        member: &str,
        id: &str,
        emoji: Option<&str>,
    ) -> Result<bool, DocError> {
        let Some(mine) = own_map(doc, REACTIONS_KEY, member)? else {
            return Ok(false);
        };
        match emoji {
            Some(emoji) => doc.put(&mine, id, emoji)?,
            None if doc.get(&mine, id)?.is_some() => doc.delete(&mine, id)?,
            None => {}
        }
        Ok(true)
    }

    /// Hides message `id` for everyone (an admin's decision on a report): its text leaves the
    /// page's current state and every device shows that it was hidden. Only the relay calls
    /// this; an author who writes the text again is still shown as hidden. Returns `false` if
    /// there is no such message.
    pub fn hide(doc: &mut impl Transactable, id: &str) -> Result<bool, DocError> {
        let Some(all) = map_at(doc, &ROOT, MESSAGES_KEY)? else {
            return Ok(false);
        };
        let authors: Vec<String> = doc.keys(&all).collect();
        let mut entry = None;
        for author in authors {
            if let Some(theirs) = map_at(doc, &all, &author)?
                && let Some(found) = map_at(doc, &theirs, id)?
            {
                entry = Some(found);
                break;
            }
        }
        let Some(entry) = entry else {
            return Ok(false);
        };
        take_content(doc, &entry)?;
        let hidden = match map_at(doc, &ROOT, HIDDEN_KEY)? {
            Some(hidden) => hidden,
            None => doc.put_object(ROOT, HIDDEN_KEY, ObjType::Map)?,
        };
        doc.put(&hidden, id, true)?;
        Ok(true)
    }

    /// Takes everything `member` wrote on the page off its current state, as the relay does when
    /// their account is deleted: each of their messages is unsent (its text and photos go, every
    /// device shows that it was taken back) and their reactions go. Returns how many messages
    /// were unsent now.
    pub fn erase_member(doc: &mut impl Transactable, member: &str) -> Result<usize, DocError> {
        let mut unsent = 0;
        if let Some(mine) = own_map(doc, MESSAGES_KEY, member)? {
            let ids: Vec<String> = doc.keys(&mine).collect();
            for id in ids {
                if let Some(entry) = map_at(doc, &mine, &id)?
                    && !is_unsent(doc, &entry)?
                {
                    take_content(doc, &entry)?;
                    doc.put(&entry, "unsent", true)?;
                    unsent += 1;
                }
            }
        }
        if let Some(reactions) = own_map(doc, REACTIONS_KEY, member)? {
            let ids: Vec<String> = doc.keys(&reactions).collect();
            for id in ids {
                doc.delete(&reactions, id.as_str())?;
            }
        }
        Ok(unsent)
    }

    /// Moves `member`'s read mark to `at` (when the newest message they have seen was written).
    /// Returns `false`, changing nothing, if the mark is there already or further on, or the
    /// page has no place for marks.
    pub fn mark_read(doc: &mut impl Transactable, member: &str, at: i64) -> Result<bool, DocError> {
        let Some(marks) = map_at(doc, &ROOT, READ_KEY)? else {
            return Ok(false);
        };
        if Self::read_marks(doc)?.get(member).is_some_and(|&m| m >= at) {
            return Ok(false);
        }
        doc.put(&marks, member, at)?;
        Ok(true)
    }

    /// How far each member has read: when the newest message they have seen was written.
    pub fn read_marks(doc: &impl ReadDoc) -> Result<BTreeMap<String, i64>, DocError> {
        let page: PageDoc = read_doc(doc)?;
        Ok(page.read)
    }

    /// The page's messages, in the order every device shows them: by the time each was written,
    /// then by author and id.
    pub fn read(doc: &impl ReadDoc) -> Result<Vec<Message>, DocError> {
        let page: PageDoc = read_doc(doc)?;
        let hidden = page.hidden;
        let mut messages: Vec<Message> = page
            .messages
            .into_iter()
            .flat_map(|(author, written)| {
                let hidden = &hidden;
                written.into_iter().map(move |(id, entry)| {
                    let hidden = hidden.get(&id).copied().unwrap_or(false);
                    let gone = entry.unsent || hidden;
                    Message {
                        author: author.clone(),
                        text: if gone { String::new() } else { entry.text },
                        at: entry.at,
                        reply_to: entry.reply_to,
                        photos: if gone {
                            Vec::new()
                        } else {
                            entry
                                .photos
                                .into_iter()
                                .filter(|p| crate::photo::is_id(p))
                                .take(crate::photo::PHOTOS_PER_MESSAGE)
                                .collect()
                        },
                        edited_at: entry.edited_at,
                        unsent: entry.unsent,
                        hidden,
                        reactions: BTreeMap::new(),
                        id,
                    }
                })
            })
            .collect();
        messages.sort_by(|a, b| (a.at, &a.author, &a.id).cmp(&(b.at, &b.author, &b.id)));
        for (member, theirs) in page.reactions {
            for (id, emoji) in theirs {
                if let Some(message) = messages.iter_mut().find(|m| m.id == id) {
                    message.reactions.insert(member.clone(), emoji);
                }
            }
        }
        Ok(messages)
    }
}

/// Takes a message's text and photos off the page's current state (unsent or hidden).
fn take_content(doc: &mut impl Transactable, entry: &ObjId) -> Result<(), DocError> {
    for key in ["text", "photos"] {
        if doc.get(entry, key)?.is_some() {
            doc.delete(entry, key)?;
        }
    }
    Ok(())
}

/// The page as stored; see the module docs.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageDoc {
    messages: BTreeMap<String, BTreeMap<String, Entry>>,
    reactions: BTreeMap<String, BTreeMap<String, String>>,
    read: BTreeMap<String, i64>,
    hidden: BTreeMap<String, bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Entry {
    text: String,
    at: i64,
    reply_to: Option<String>,
    photos: Vec<String>,
    edited_at: Option<i64>,
    unsent: bool,
}

/// How many of `messages` `me` has not read: others' messages written after their read mark.
pub fn unread(messages: &[Message], marks: &BTreeMap<String, i64>, me: &str) -> usize {
    let mark = marks.get(me).copied().unwrap_or(i64::MIN);
    messages
        .iter()
        .filter(|m| m.author != me && m.at > mark && !m.unsent && !m.hidden)
        .count()
}

/// How many members other than its author have read `message` ("既読 3"; "既読" in a
/// one-to-one conversation when this is 1).
pub fn read_by(message: &Message, marks: &BTreeMap<String, i64>) -> usize {
    marks
        .iter()
        .filter(|(member, mark)| **member != message.author && **mark >= message.at)
        .count()
}

/// The messages of `messages` that match `query` offline, as the directory search matches names:
/// every word of the query, folded alike (full and half width, katakana and hiragana, case), is
/// in the message. Unsent and hidden messages never match; an empty query matches nothing.
pub fn find<'a>(messages: &'a [Message], query: &str) -> impl Iterator<Item = &'a Message> {
    let folded = crate::search::fold(query);
    let tokens: Vec<String> = folded.split_whitespace().map(str::to_owned).collect();
    messages.iter().filter(move |m| {
        if tokens.is_empty() || m.unsent || m.hidden {
            return false;
        }
        let text = crate::search::fold(&m.text);
        tokens.iter().all(|t| text.contains(t.as_str()))
    })
}

/// The ephemeral message (automerge-repo's presence, never stored) that says `member` is typing
/// on a page: a CBOR map `{"typing": member}`.
pub fn typing(member: &str) -> Vec<u8> {
    let mut cbor = Vec::new();
    let map = ciborium::Value::Map(vec![(
        ciborium::Value::Text("typing".into()),
        ciborium::Value::Text(member.into()),
    )]);
    ciborium::into_writer(&map, &mut cbor).expect("a map of text always encodes");
    cbor
}

/// Who an ephemeral message on a page says is typing, if it is a [`typing`] message.
pub fn typing_member(data: &[u8]) -> Option<String> {
    match ciborium::from_reader::<ciborium::Value, _>(data).ok()? {
        ciborium::Value::Map(entries) => entries.into_iter().find_map(|(k, v)| match (k, v) {
            (ciborium::Value::Text(k), ciborium::Value::Text(member)) if k == "typing" => {
                Some(member)
            }
            _ => None,
        }),
        _ => None,
    }
}

/// A conversation's own document, which only the relay writes: who is in it, since when, and
/// its pages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Conversation {
    /// `direct` or `group` ([`crate::api::ConversationKind`]).
    pub kind: String,
    /// A group's name; empty for a one-to-one conversation.
    pub name: String,
    /// An official group of the company, which only admins change.
    pub official: bool,
    pub created_by: String,
    /// Each member, with when they were added (unix seconds).
    pub members: BTreeMap<String, i64>,
    /// Its pages of messages, oldest first; new messages go on the last.
    pub pages: Vec<String>,
}

impl Conversation {
    pub fn read(doc: &impl ReadDoc) -> Result<Self, DocError> {
        read_doc(doc)
    }
}

/// The conversations a member is in, which only the relay writes
/// ([`crate::vocab::DocKind::Inbox`]): `conversations/<conversation id> = <added at>`.
#[derive(Debug, Clone, Copy)]
pub struct Inbox;

/// Where an inbox lists its conversations.
pub const INBOX_KEY: &str = "conversations";
/// Where an inbox lists the conversations its member muted (no push for them).
pub const MUTED_KEY: &str = "muted";

impl Inbox {
    /// Makes a new inbox's map of conversations. Only the relay calls this, once per member.
    pub fn create(doc: &mut impl Transactable) -> Result<(), DocError> {
        doc.put_object(ROOT, INBOX_KEY, ObjType::Map)?;
        Ok(())
    }

    /// Lists `conversation` in the inbox, added at `at` (unix seconds).
    pub fn add(doc: &mut impl Transactable, conversation: &str, at: i64) -> Result<(), DocError> {
        let all = match map_at(doc, &ROOT, INBOX_KEY)? {
            Some(all) => all,
            None => doc.put_object(ROOT, INBOX_KEY, ObjType::Map)?,
        };
        doc.put(&all, conversation, at)?;
        Ok(())
    }

    /// Takes `conversation` off the inbox.
    pub fn remove(doc: &mut impl Transactable, conversation: &str) -> Result<(), DocError> {
        if let Some(all) = map_at(doc, &ROOT, INBOX_KEY)?
            && doc.get(&all, conversation)?.is_some()
        {
            doc.delete(&all, conversation)?;
        }
        Ok(())
    }

    /// Marks `conversation` muted (or not) for the inbox's member.
    pub fn set_muted(
        doc: &mut impl Transactable,
        conversation: &str,
        muted: bool,
    ) -> Result<(), DocError> {
        let all = match map_at(doc, &ROOT, MUTED_KEY)? {
            Some(all) => all,
            None => doc.put_object(ROOT, MUTED_KEY, ObjType::Map)?,
        };
        if muted {
            doc.put(&all, conversation, true)?;
        } else if doc.get(&all, conversation)?.is_some() {
            doc.delete(&all, conversation)?;
        }
        Ok(())
    }

    /// The conversations the member muted.
    pub fn muted(doc: &impl ReadDoc) -> Result<std::collections::BTreeSet<String>, DocError> {
        #[derive(Default, Deserialize)]
        #[serde(default)]
        struct MutedDoc {
            muted: BTreeMap<String, bool>,
        }
        Ok(read_doc::<MutedDoc>(doc)?
            .muted
            .into_iter()
            .filter_map(|(c, on)| on.then_some(c))
            .collect())
    }

    /// The conversations listed, with when each was added.
    pub fn read(doc: &impl ReadDoc) -> Result<BTreeMap<String, i64>, DocError> {
        #[derive(Default, Deserialize)]
        #[serde(default)]
        struct InboxDoc {
            conversations: BTreeMap<String, i64>,
        }
        Ok(read_doc::<InboxDoc>(doc)?.conversations)
    }
}

/// `member`'s own map under the page's `key` (messages or reactions).
fn own_map(doc: &impl ReadDoc, key: &str, member: &str) -> Result<Option<ObjId>, DocError> {
    match map_at(doc, &ROOT, key)? {
        Some(all) => map_at(doc, &all, member),
        None => Ok(None),
    }
}

fn own_message(doc: &impl ReadDoc, author: &str, id: &str) -> Result<Option<ObjId>, DocError> {
    match own_map(doc, MESSAGES_KEY, author)? {
        Some(mine) => map_at(doc, &mine, id),
        None => Ok(None),
    }
}

fn is_unsent(doc: &impl ReadDoc, entry: &ObjId) -> Result<bool, DocError> {
    Ok(matches!(
        doc.get(entry, "unsent")?,
        Some((automerge::Value::Scalar(v), _)) if matches!(v.as_ref(), automerge::ScalarValue::Boolean(true))
    ))
}

#[cfg(test)]
mod tests {
    use automerge::AutoCommit;

    use super::*;
    use crate::grants::{ConversationFacts, DocFacts};
    use crate::validate::{ActorBook, Refusal, authorise, edited};
    use crate::vocab::{DocKind, Role};

    const T0: i64 = 1_700_000_000_000;

    fn page() -> AutoCommit {
        let mut doc = AutoCommit::new();
        MessagePage::create(&mut doc, &["hanako", "ken", "aoi"]).unwrap();
        doc
    }

    fn ids(doc: &AutoCommit) -> Vec<String> {
        MessagePage::read(doc)
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect()
    }

    #[test]
    fn three_members_writing_offline_see_one_order_on_every_device() {
        let mut relay = page();
        let (mut hanako, mut ken, mut aoi) = (relay.fork(), relay.fork(), relay.fork());
        // Aoi and Ken write at the same millisecond: the author breaks the tie.
        MessagePage::write(&mut hanako, "hanako", "h1", &Draft::text("a", T0 + 5)).unwrap();
        MessagePage::write(&mut ken, "ken", "k1", &Draft::text("b", T0)).unwrap();
        MessagePage::write(&mut aoi, "aoi", "a1", &Draft::text("c", T0)).unwrap();
        MessagePage::write(&mut hanako, "hanako", "h0", &Draft::text("d", T0)).unwrap();
        // They meet again in different orders.
        hanako.merge(&mut aoi).unwrap();
        hanako.merge(&mut ken).unwrap();
        aoi.merge(&mut ken).unwrap();
        aoi.merge(&mut hanako).unwrap();
        ken.merge(&mut aoi).unwrap();
        let expected = ["a1", "h0", "k1", "h1"];
        for phone in [&hanako, &ken, &aoi] {
            assert_eq!(ids(phone), expected);
        }
    }

    #[test]
    fn a_retry_changes_nothing_and_a_stranger_has_nowhere_to_write() {
        let mut doc = page();
        let draft = Draft::text("おはよう", T0);
        assert!(MessagePage::write(&mut doc, "ken", "k1", &draft).unwrap());
        assert!(!MessagePage::write(&mut doc, "ken", "k1", &Draft::text("other", T0)).unwrap());
        assert!(!MessagePage::write(&mut doc, "mallory", "x1", &draft).unwrap());
        assert!(!MessagePage::react(&mut doc, "mallory", "k1", Some("👍")).unwrap());
        let page = MessagePage::read(&doc).unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(page[0].text, "おはよう");
    }

    #[test]
    fn photos_read_back_and_leave_with_an_unsent_or_hidden_message() {
        let mut doc = page();
        let (a, b) = (crate::photo::id_of(b"a"), crate::photo::id_of(b"b"));
        let with = |photos: Vec<String>| Draft {
            photos,
            ..Draft::text("", T0)
        };
        MessagePage::write(&mut doc, "hanako", "h1", &with(vec![a.clone(), b.clone()])).unwrap();
        // What is not a photo id (or one too many) never reaches a screen or a URL.
        let noise = vec![
            a.clone(),
            "../../etc/passwd".into(),
            b.clone(),
            a.clone(),
            b.clone(),
        ];
        MessagePage::write(&mut doc, "ken", "k1", &with(noise)).unwrap();
        MessagePage::write(&mut doc, "aoi", "a1", &with(vec![b.clone()])).unwrap();
        let photos = |doc: &AutoCommit, id: &str| {
            let read = MessagePage::read(doc).unwrap();
            read.into_iter().find(|m| m.id == id).unwrap().photos
        };
        assert_eq!(photos(&doc, "h1"), [a.clone(), b.clone()]);
        assert_eq!(
            photos(&doc, "k1"),
            [a.clone(), b.clone(), a.clone(), b.clone()]
        );
        MessagePage::unsend(&mut doc, "hanako", "h1").unwrap();
        MessagePage::hide(&mut doc, "a1").unwrap();
        assert!(photos(&doc, "h1").is_empty() && photos(&doc, "a1").is_empty());
        assert_eq!(photos(&doc, "k1").len(), 4);
        // Gone from the document's current state, not only from what is shown.
        let entry = |author: &str, id: &str| {
            let all = map_at(&doc, &ROOT, MESSAGES_KEY).unwrap().unwrap();
            let theirs = map_at(&doc, &all, author).unwrap().unwrap();
            map_at(&doc, &theirs, id).unwrap().unwrap()
        };
        assert!(doc.get(entry("hanako", "h1"), "photos").unwrap().is_none());
        assert!(doc.get(entry("aoi", "a1"), "photos").unwrap().is_none());
    }

    #[test]
    fn replies_edits_unsends_and_reactions_read_back() {
        let mut doc = page();
        MessagePage::write(
            &mut doc,
            "hanako",
            "h1",
            &Draft::text("同期会どうする？", T0),
        )
        .unwrap();
        let reply = Draft {
            reply_to: Some("h1".into()),
            ..Draft::text("行く！", T0 + 1)
        };
        MessagePage::write(&mut doc, "ken", "k1", &reply).unwrap();
        assert!(MessagePage::edit(&mut doc, "ken", "k1", "行きます！", T0 + 2).unwrap());
        assert!(!MessagePage::edit(&mut doc, "hanako", "k1", "乗っ取り", T0 + 3).unwrap());
        MessagePage::react(&mut doc, "hanako", "k1", Some("🎉")).unwrap();
        MessagePage::react(&mut doc, "aoi", "k1", Some("👍")).unwrap();
        MessagePage::react(&mut doc, "aoi", "k1", None).unwrap();
        assert!(MessagePage::unsend(&mut doc, "hanako", "h1").unwrap());
        assert!(!MessagePage::edit(&mut doc, "hanako", "h1", "again", T0 + 4).unwrap());

        let page = MessagePage::read(&doc).unwrap();
        assert!(page[0].unsent);
        assert_eq!(page[0].text, "");
        let mine = page[0].id.as_str();
        let entry = own_message(&doc, "hanako", mine).unwrap().unwrap();
        assert_eq!(
            doc.get(&entry, "text").unwrap(),
            None,
            "the text left the current state"
        );
        assert_eq!(page[1].text, "行きます！");
        assert_eq!(page[1].reply_to.as_deref(), Some("h1"));
        assert_eq!(page[1].edited_at, Some(T0 + 2));
        assert_eq!(
            page[1].reactions,
            BTreeMap::from([("hanako".to_owned(), "🎉".to_owned())])
        );
    }

    #[test]
    fn erasing_a_member_unsends_their_messages_and_takes_their_reactions_only() {
        let mut doc = page();
        let photo = Draft {
            photos: vec!["a".repeat(64)],
            ..Draft::text("写真です", T0)
        };
        MessagePage::write(&mut doc, "hanako", "h1", &photo).unwrap();
        MessagePage::write(&mut doc, "hanako", "h2", &Draft::text("また来週", T0 + 1)).unwrap();
        MessagePage::write(&mut doc, "ken", "k1", &Draft::text("了解", T0 + 2)).unwrap();
        MessagePage::unsend(&mut doc, "hanako", "h2").unwrap();
        MessagePage::react(&mut doc, "hanako", "k1", Some("🎉")).unwrap();
        MessagePage::react(&mut doc, "ken", "h1", Some("👍")).unwrap();

        assert_eq!(MessagePage::erase_member(&mut doc, "hanako").unwrap(), 1);
        let page = MessagePage::read(&doc).unwrap();
        assert!(page[0].unsent && page[0].text.is_empty() && page[0].photos.is_empty());
        assert!(page[1].unsent);
        assert_eq!(page[2].text, "了解");
        assert!(page[2].reactions.is_empty(), "her reaction went");
        assert_eq!(
            page[0].reactions.len(),
            1,
            "Ken's reaction to her message stays"
        );
        assert_eq!(MessagePage::erase_member(&mut doc, "hanako").unwrap(), 0);
        assert_eq!(MessagePage::erase_member(&mut doc, "nobody").unwrap(), 0);
    }

    #[test]
    fn read_marks_only_move_forward_and_follow_the_member_across_devices() {
        let mut relay = page();
        let (mut phone, mut laptop) = (relay.fork(), relay.fork());
        assert!(MessagePage::mark_read(&mut phone, "ken", T0 + 10).unwrap());
        assert!(!MessagePage::mark_read(&mut phone, "ken", T0 + 5).unwrap());
        assert!(MessagePage::mark_read(&mut laptop, "hanako", T0 + 3).unwrap());
        laptop.merge(&mut phone).unwrap();
        assert_eq!(
            MessagePage::read_marks(&laptop).unwrap(),
            BTreeMap::from([("hanako".to_owned(), T0 + 3), ("ken".to_owned(), T0 + 10)])
        );
        assert!(!MessagePage::mark_read(&mut laptop, "ken", T0 + 10).unwrap());
    }

    #[test]
    fn unread_counts_others_messages_after_the_mark_and_read_by_counts_who_is_past_it() {
        let mut doc = page();
        MessagePage::write(&mut doc, "hanako", "h1", &Draft::text("a", T0)).unwrap();
        MessagePage::write(&mut doc, "ken", "k1", &Draft::text("b", T0 + 1)).unwrap();
        MessagePage::write(&mut doc, "hanako", "h2", &Draft::text("c", T0 + 2)).unwrap();
        MessagePage::write(&mut doc, "hanako", "h3", &Draft::text("d", T0 + 3)).unwrap();
        MessagePage::unsend(&mut doc, "hanako", "h3").unwrap();
        MessagePage::mark_read(&mut doc, "ken", T0).unwrap();
        MessagePage::mark_read(&mut doc, "aoi", T0 + 2).unwrap();
        let messages = MessagePage::read(&doc).unwrap();
        let marks = MessagePage::read_marks(&doc).unwrap();
        // Ken read h1 only; his own message and the unsent one never count.
        assert_eq!(unread(&messages, &marks, "ken"), 1);
        assert_eq!(unread(&messages, &marks, "aoi"), 0);
        assert_eq!(unread(&messages, &marks, "hanako"), 1);
        let by_id = |id: &str| messages.iter().find(|m| m.id == id).unwrap();
        assert_eq!(read_by(by_id("h1"), &marks), 2);
        assert_eq!(
            read_by(by_id("k1"), &marks),
            1,
            "Aoi; Ken's own mark is not counted"
        );
        assert_eq!(read_by(by_id("h2"), &marks), 1);
    }

    #[test]
    fn search_finds_messages_whatever_the_width_or_kana_and_never_an_unsent_one() {
        let mut doc = page();
        MessagePage::write(
            &mut doc,
            "hanako",
            "h1",
            &Draft::text("同期会は シブヤ で", T0),
        )
        .unwrap();
        MessagePage::write(
            &mut doc,
            "ken",
            "k1",
            &Draft::text("ＯＫです、しぶやで！", T0 + 1),
        )
        .unwrap();
        MessagePage::write(
            &mut doc,
            "aoi",
            "a1",
            &Draft::text("渋谷の店を予約", T0 + 2),
        )
        .unwrap();
        MessagePage::unsend(&mut doc, "aoi", "a1").unwrap();
        let messages = MessagePage::read(&doc).unwrap();
        let ids = |q: &str| find(&messages, q).map(|m| m.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids("しぶや"), ["h1", "k1"]);
        assert_eq!(ids("ok シブヤ"), ["k1"]);
        assert!(ids("渋谷").is_empty(), "the unsent message's text is gone");
        assert!(ids("  ").is_empty());
    }

    #[test]
    fn a_hidden_message_shows_as_hidden_everywhere_even_if_its_author_writes_it_again() {
        let mut relay = page();
        MessagePage::write(&mut relay, "ken", "k1", &Draft::text("spam", T0)).unwrap();
        let mut kens = relay.fork();
        assert!(MessagePage::hide(&mut relay, "k1").unwrap());
        assert!(!MessagePage::hide(&mut relay, "nope").unwrap());
        // Ken's phone, offline meanwhile, edits it; the relay's hide still wins on every device.
        MessagePage::edit(&mut kens, "ken", "k1", "more spam", T0 + 1).unwrap();
        relay.merge(&mut kens).unwrap();
        let page = MessagePage::read(&relay).unwrap();
        assert!(page[0].hidden);
        assert_eq!(page[0].text, "");
        assert!(find(&page, "spam").next().is_none());
        assert_eq!(unread(&page, &BTreeMap::new(), "hanako"), 0);
    }

    #[test]
    fn a_typing_message_names_its_member_and_anything_else_names_no_one() {
        assert_eq!(typing_member(&typing("ken")).as_deref(), Some("ken"));
        assert_eq!(typing_member(b"\xff\x00garbage"), None);
        let mut other = Vec::new();
        ciborium::into_writer(&ciborium::Value::Text("hi".into()), &mut other).unwrap();
        assert_eq!(typing_member(&other), None);
    }

    #[test]
    fn an_inbox_lists_the_conversations_the_relay_puts_in_it() {
        let mut doc = AutoCommit::new();
        Inbox::create(&mut doc).unwrap();
        Inbox::add(&mut doc, "c1", 100).unwrap();
        Inbox::add(&mut doc, "c2", 200).unwrap();
        Inbox::remove(&mut doc, "c1").unwrap();
        Inbox::remove(&mut doc, "never-there").unwrap();
        assert_eq!(
            Inbox::read(&doc).unwrap(),
            BTreeMap::from([("c2".to_owned(), 200)])
        );
        Inbox::set_muted(&mut doc, "c2", true).unwrap();
        Inbox::set_muted(&mut doc, "c3", true).unwrap();
        Inbox::set_muted(&mut doc, "c3", false).unwrap();
        assert_eq!(
            Inbox::muted(&doc).unwrap(),
            std::collections::BTreeSet::from(["c2".to_owned()])
        );
        assert_eq!(
            Inbox::read(&doc).unwrap().len(),
            1,
            "muting lists nothing new"
        );
    }

    #[test]
    fn a_member_added_later_writes_and_keeps_what_others_wrote() {
        let mut doc = page();
        MessagePage::write(&mut doc, "ken", "k1", &Draft::text("hi", T0)).unwrap();
        MessagePage::add_member(&mut doc, "ken").unwrap();
        MessagePage::add_member(&mut doc, "sora").unwrap();
        assert!(
            MessagePage::write(&mut doc, "sora", "s1", &Draft::text("よろしく", T0 + 1)).unwrap()
        );
        assert_eq!(ids(&doc), ["k1", "s1"]);
    }

    fn member_of(kind: DocKind, member: bool) -> DocFacts<'static> {
        DocFacts {
            conversation: Some(ConversationFacts { member }),
            ..DocFacts::of(kind)
        }
    }

    /// What the relay says to `user` sending `edit` of the page: the real write check, with the
    /// grant table and a fresh actor book (so any actor may claim to be anyone).
    fn relay_says(
        doc: &mut AutoCommit,
        user: &str,
        member: bool,
        edit: impl FnOnce(&mut AutoCommit),
    ) -> Result<(), Refusal> {
        let (before, changes) = edited(doc, edit);
        let subject = crate::grants::Subject {
            user,
            roles: &[Role::Alumni, Role::Admin],
        };
        let facts = member_of(DocKind::MessagePage, member);
        authorise(
            doc.document(),
            &before,
            &changes,
            &subject,
            &facts,
            &mut ActorBook::default(),
        )
    }

    #[test]
    fn the_relay_takes_a_members_own_writes_on_a_page() {
        let mut doc = page();
        let ok = |r: Result<(), Refusal>| assert_eq!(r, Ok(()));
        ok(relay_says(&mut doc, "ken", true, |d| {
            MessagePage::write(d, "ken", "k1", &Draft::text("hi", T0)).unwrap();
        }));
        ok(relay_says(&mut doc, "ken", true, |d| {
            MessagePage::edit(d, "ken", "k1", "hello", T0 + 1).unwrap();
        }));
        ok(relay_says(&mut doc, "hanako", true, |d| {
            MessagePage::react(d, "hanako", "k1", Some("👍")).unwrap();
        }));
        ok(relay_says(&mut doc, "ken", true, |d| {
            MessagePage::unsend(d, "ken", "k1").unwrap();
        }));
        ok(relay_says(&mut doc, "hanako", true, |d| {
            MessagePage::mark_read(d, "hanako", T0).unwrap();
        }));
    }

    #[test]
    fn the_relay_refuses_posting_as_another_editing_anothers_and_writing_outside_ones_own_key() {
        let mut doc = page();
        MessagePage::write(&mut doc, "ken", "k1", &Draft::text("hi", T0)).unwrap();
        let refused = |r: Result<(), Refusal>, what: &str| {
            assert!(
                matches!(r, Err(Refusal::OutsideGrant { .. })),
                "{what}: {r:?}"
            );
        };
        // Hanako's device writes under Ken's key: a message, an edit, an unsend, a reaction.
        refused(
            relay_says(&mut doc, "hanako", true, |d| {
                MessagePage::write(d, "ken", "forged", &Draft::text("I quit", T0)).unwrap();
            }),
            "posting as ken",
        );
        refused(
            relay_says(&mut doc, "hanako", true, |d| {
                MessagePage::edit(d, "ken", "k1", "edited by hanako", T0).unwrap();
            }),
            "editing ken's",
        );
        refused(
            relay_says(&mut doc, "hanako", true, |d| {
                MessagePage::unsend(d, "ken", "k1").unwrap();
            }),
            "unsending ken's",
        );
        refused(
            relay_says(&mut doc, "hanako", true, |d| {
                MessagePage::react(d, "ken", "k1", Some("👎")).unwrap();
            }),
            "reacting as ken",
        );
        refused(
            relay_says(&mut doc, "hanako", true, |d| {
                MessagePage::mark_read(d, "ken", T0 + 99).unwrap();
            }),
            "marking ken's messages read",
        );
        refused(
            relay_says(&mut doc, "hanako", true, |d| {
                MessagePage::hide(d, "k1").unwrap();
            }),
            "hiding a message as an admin would",
        );
        // Her own maps themselves, which rival copies would hide her other devices' messages.
        refused(
            relay_says(&mut doc, "hanako", true, |d| {
                let all = map_at(d, &ROOT, MESSAGES_KEY).unwrap().unwrap();
                d.put_object(&all, "hanako", ObjType::Map).unwrap();
            }),
            "replacing her own map",
        );
        // A map for someone the relay never added, and the page's root.
        refused(
            relay_says(&mut doc, "mallory", true, |d| {
                let all = map_at(d, &ROOT, MESSAGES_KEY).unwrap().unwrap();
                let mine = d.put_object(&all, "mallory", ObjType::Map).unwrap();
                d.put(&mine, "m1", "spam").unwrap();
            }),
            "making her own map",
        );
        refused(
            relay_says(&mut doc, "hanako", true, |d| {
                d.put(ROOT, "title", "x").unwrap()
            }),
            "the root",
        );
    }

    #[test]
    fn only_members_read_a_conversation_and_nobody_writes_who_is_in_it() {
        use crate::grants::{Access, Seg, Subject, access, may_write};
        let roles_sets: [&[Role]; 3] = [
            &[Role::Alumni],
            &[Role::Admin],
            &[Role::Admin, Role::Employee],
        ];
        for roles in roles_sets {
            let me = Subject { user: "me", roles };
            for kind in [DocKind::Conversation, DocKind::MessagePage] {
                // Removed from a group, or never in it: for them it does not exist.
                assert_eq!(
                    access(&me, &member_of(kind, false)),
                    None,
                    "{roles:?} {kind:?}"
                );
                assert_eq!(access(&me, &DocFacts::of(kind)), None, "{roles:?} {kind:?}");
            }
            let conversation = member_of(DocKind::Conversation, true);
            assert_eq!(access(&me, &conversation), Some(Access::Read), "{roles:?}");
            for path in [
                &[][..],
                &[Seg::Key("members")],
                &[Seg::Key("members"), Seg::Key("me")],
            ] {
                assert!(!may_write(&me, &conversation, path), "{roles:?} {path:?}");
            }
            let page = member_of(DocKind::MessagePage, true);
            assert_eq!(access(&me, &page), Some(Access::Write), "{roles:?}");
        }
    }
}

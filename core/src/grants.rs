//! Who may read and who may write what in each kind of document: one declarative table
//! (docs/design.md §4).
//!
//! The relay enforces it on every document a device asks for and on every operation of every
//! change a device sends; the app consults it to offer only what a member can do. A document a
//! member may not read is answered exactly as a missing one, so the table also decides what a
//! member can learn exists.
//!
//! A write grant names the places in the document it covers, as paths of map keys from the
//! root: `["name"]` covers the key `name` and everything beneath it; `*` matches any one key or
//! list element, `$me` the writer's own user id, `$me:*` a key made of that id, a colon and
//! anything more, and the empty path the whole document.
//!
//! ```
//! use tsunagu_core::grants::{Access, DocFacts, Seg, Subject, access, may_write};
//! use tsunagu_core::vocab::{DocKind, Role};
//!
//! let hanako = Subject { user: "u-hanako", roles: &[Role::Alumni] };
//! let her_profile = DocFacts { owner: Some("u-hanako"), owner_listed: true, ..DocFacts::of(DocKind::Profile) };
//! let kens_profile = DocFacts { owner: Some("u-ken"), ..her_profile };
//! assert_eq!(access(&hanako, &her_profile), Some(Access::Write));
//! assert_eq!(access(&hanako, &kens_profile), Some(Access::Read));
//! assert!(may_write(&hanako, &her_profile, &[Seg::Key("title")]));
//! // The years at the company come from HR: only admins correct them.
//! assert!(!may_write(&hanako, &her_profile, &[Seg::Key("joined")]));
//! assert!(!may_write(&hanako, &kens_profile, &[Seg::Key("title")]));
//! ```

use crate::vocab::{DocKind, EventAudience, Field, HR_KEYS, NAME_KEYS, Role, VISIBILITY_KEY};

/// What a member may do with a whole document; `Write` (somewhere in it) includes reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    Read,
    Write,
}

/// The signed-in person asking.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub user: &'a str,
    pub roles: &'a [Role],
}

/// What the relay knows about a document when deciding.
#[derive(Debug, Clone, Copy)]
pub struct DocFacts<'a> {
    pub kind: DocKind,
    /// The member the document belongs to, if it belongs to one.
    pub owner: Option<&'a str>,
    /// Whether that member is listed in the directory: active (not suspended or deleted) and
    /// not hidden by their own choice.
    pub owner_listed: bool,
    /// For an event and its roster and check-in log: the event as it stands, and how the
    /// member asking relates to it.
    pub event: Option<EventFacts>,
    /// For a conversation and its pages of messages: how the member asking relates to it.
    pub conversation: Option<ConversationFacts>,
    /// For a post of news or a job opening (and a post's responses): whether it is out, and
    /// whether the member asking is in its segment.
    pub news: Option<NewsFacts>,
}

impl DocFacts<'_> {
    /// A document of `kind` that belongs to no one and no event.
    pub const fn of(kind: DocKind) -> Self {
        Self {
            kind,
            owner: None,
            owner_listed: false,
            event: None,
            conversation: None,
            news: None,
        }
    }
}

/// What the grant table needs to know about a post of news, for one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewsFacts {
    /// Published, and its time to come out has come ([`crate::news::NewsPost::is_out`]).
    pub out: bool,
    /// The member asking is in the post's segment ([`crate::news::Segment::includes`]).
    pub in_segment: bool,
}

/// What the grant table needs to know about a conversation, for one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversationFacts {
    /// The member asking is in the conversation now (a member removed from a group is not).
    pub member: bool,
}

/// What the grant table needs to know about an event, for one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventFacts {
    /// Published or cancelled, rather than a draft or a proposal.
    pub public: bool,
    pub audience: EventAudience,
    /// The member asking is on the event's list of invited members.
    pub invited: bool,
    /// The member asking is one of the event's staff.
    pub staff: bool,
    /// The member asking proposed the event.
    pub proposer: bool,
}

/// What an operation does to the place it touches, judged against the document as it was
/// before the changes that carry it ([`crate::validate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Puts something where the document had nothing: a key no value was at, a new list element.
    Add,
    /// Puts something inside an object the same changes made.
    Fill,
    /// Overwrites, deletes, increments or marks what is there (conflicting values included).
    Change,
}

/// One step of the path to a place in a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Seg<'a> {
    /// A key of a map.
    Key(&'a str),
    /// An element of a list or a character of a text.
    Item,
}

/// Whom a rule is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// The member the document belongs to.
    Owner,
    /// Any signed-in member.
    AnyMember,
    /// Any signed-in member, while the owner is listed in the directory.
    AnyMemberWhileOwnerListed,
    /// Anyone holding this role.
    Holder(Role),
    /// Anyone holding this role, while the owner is listed in the directory.
    HolderWhileOwnerListed(Role),
    /// The event's audience, once it is published.
    Audience,
    /// The event's staff.
    Staff,
    /// Whoever proposed the event.
    Proposer,
    /// Whoever is in the conversation now.
    ConversationMember,
    /// A member in the post's segment, once it is out.
    Segment,
}

/// A path pattern; see the module docs.
type Pattern = &'static [&'static str];

#[derive(Debug, Clone, Copy)]
enum Grant {
    Read,
    /// Write under these patterns (and read the whole document).
    Write(&'static [Pattern]),
    /// Only add entries exactly where these patterns point (and fill the entries just made),
    /// never change, remove or add to what is there (and read).
    Append(&'static [Pattern]),
}

#[derive(Debug, Clone, Copy)]
struct Rule {
    kind: DocKind,
    who: Who,
    grant: Grant,
}

/// The whole document.
const EVERYWHERE: &[Pattern] = &[&[]];

/// What a member writes in their own profile: everything they say about themselves. The fields
/// they choose an audience for may live in any part of the profile, by the audience chosen.
pub const PROFILE_OWNER_FIELDS: &[Pattern] = &one_key_paths(&PROFILE_OWNER_KEYS);
const PROFILE_OWNER_KEYS: [&str; NAME_KEYS.len() + Field::ALL.len()] =
    concat(&NAME_KEYS, &Field::KEYS);

/// The profile fields whose audience the owner chooses, which therefore appear in every part.
pub const PROFILE_CHOOSABLE_FIELDS: &[Pattern] = &one_key_paths(&Field::KEYS);

/// The owner's own part also holds their visibility choices.
const PROFILE_PRIVATE_FIELDS: &[Pattern] = &one_key_paths(&PROFILE_PRIVATE_KEYS);
const PROFILE_PRIVATE_KEYS: [&str; Field::ALL.len() + 1] = concat(&Field::KEYS, &[VISIBILITY_KEY]);

/// The years at the company, from HR's records: the alumni ID card vouches for them, so only
/// admins correct them. The profile's owner key is written by the relay when it creates the
/// profile, and by no member.
pub const PROFILE_HR_FIELDS: &[Pattern] = &one_key_paths(&HR_KEYS);

/// Each key as a pattern that covers it and everything beneath it. The profile's lists of keys
/// ([`crate::vocab::Field`] and its neighbours) are written once; the grants derive from them.
const fn one_key_paths<const N: usize>(keys: &'static [&'static str; N]) -> [Pattern; N] {
    let mut paths: [Pattern; N] = [&[]; N];
    let mut i = 0;
    while i < N {
        paths[i] = std::slice::from_ref(&keys[i]);
        i += 1;
    }
    paths
}

/// `a` then `b`, in an array whose length the caller names as the sum of theirs.
const fn concat<const N: usize>(a: &[&'static str], b: &[&'static str]) -> [&'static str; N] {
    assert!(a.len() + b.len() == N);
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < a.len() { a[i] } else { b[i - a.len()] };
        i += 1;
    }
    out
}

/// The rules. A subject gets the union of every rule that applies; none means the document
/// does not exist for them.
const RULES: &[Rule] = &[
    Rule {
        kind: DocKind::Profile,
        who: Who::Owner,
        grant: Grant::Write(PROFILE_OWNER_FIELDS),
    },
    Rule {
        kind: DocKind::Profile,
        who: Who::AnyMemberWhileOwnerListed,
        grant: Grant::Read,
    },
    // Alumni relations staff see every member's profile, suspended ones included, and keep the
    // HR facts right.
    Rule {
        kind: DocKind::Profile,
        who: Who::Holder(Role::Admin),
        grant: Grant::Write(PROFILE_HR_FIELDS),
    },
    // "Alumni and employees": the network's own people, not staff who only run events.
    Rule {
        kind: DocKind::ProfileMembers,
        who: Who::Owner,
        grant: Grant::Write(PROFILE_CHOOSABLE_FIELDS),
    },
    Rule {
        kind: DocKind::ProfileMembers,
        who: Who::HolderWhileOwnerListed(Role::Alumni),
        grant: Grant::Read,
    },
    Rule {
        kind: DocKind::ProfileMembers,
        who: Who::HolderWhileOwnerListed(Role::Employee),
        grant: Grant::Read,
    },
    Rule {
        kind: DocKind::ProfileMembers,
        who: Who::Holder(Role::Admin),
        grant: Grant::Read,
    },
    Rule {
        kind: DocKind::ProfileAdmins,
        who: Who::Owner,
        grant: Grant::Write(PROFILE_CHOOSABLE_FIELDS),
    },
    Rule {
        kind: DocKind::ProfileAdmins,
        who: Who::Holder(Role::Admin),
        grant: Grant::Read,
    },
    Rule {
        kind: DocKind::ProfilePrivate,
        who: Who::Owner,
        grant: Grant::Write(PROFILE_PRIVATE_FIELDS),
    },
    Rule {
        kind: DocKind::Organisation,
        who: Who::AnyMember,
        grant: Grant::Read,
    },
    Rule {
        kind: DocKind::Organisation,
        who: Who::Holder(Role::Admin),
        grant: Grant::Write(EVERYWHERE),
    },
    // Events: admins write them; their audience reads them once published; staff read the
    // events they work at, drafts included, to prepare.
    Rule {
        kind: DocKind::Event,
        who: Who::Holder(Role::Admin),
        grant: Grant::Write(EVERYWHERE),
    },
    Rule {
        kind: DocKind::Event,
        who: Who::Audience,
        grant: Grant::Read,
    },
    Rule {
        kind: DocKind::Event,
        who: Who::Staff,
        grant: Grant::Read,
    },
    // A member sees the event they proposed while admins consider it.
    Rule {
        kind: DocKind::Event,
        who: Who::Proposer,
        grant: Grant::Read,
    },
    // Seats and tickets are the relay's alone to issue: no member writes a roster or passes.
    Rule {
        kind: DocKind::EventRoster,
        who: Who::Holder(Role::Admin),
        grant: Grant::Read,
    },
    Rule {
        kind: DocKind::EventRoster,
        who: Who::Staff,
        grant: Grant::Read,
    },
    // Staff only append admissions; nobody rewrites or removes one, so a duplicate admission
    // cannot be hidden.
    Rule {
        kind: DocKind::EventCheckins,
        who: Who::Staff,
        grant: Grant::Append(CHECKIN_SCANS),
    },
    Rule {
        kind: DocKind::EventCheckins,
        who: Who::Holder(Role::Admin),
        grant: Grant::Append(CHECKIN_SCANS),
    },
    Rule {
        kind: DocKind::Rsvps,
        who: Who::Owner,
        grant: Grant::Write(RSVP_ANSWERS),
    },
    Rule {
        kind: DocKind::Passes,
        who: Who::Owner,
        grant: Grant::Read,
    },
    // Conversations: the relay alone says who is in one (nobody adds themselves); its members
    // read it and its pages, and write on a page only under their own key — their messages
    // (written, edited, unsent) and their reactions — so nobody posts as someone else.
    Rule {
        kind: DocKind::Conversation,
        who: Who::ConversationMember,
        grant: Grant::Read,
    },
    Rule {
        kind: DocKind::MessagePage,
        who: Who::ConversationMember,
        grant: Grant::Write(MESSAGE_AUTHOR),
    },
    Rule {
        kind: DocKind::Inbox,
        who: Who::Owner,
        grant: Grant::Read,
    },
    // News: admins and editors write posts (drafts, unpublished ones included); a post reaches
    // exactly the members in its segment once it is out, and no one else learns it exists.
    Rule {
        kind: DocKind::NewsPost,
        who: Who::Holder(Role::Admin),
        grant: Grant::Write(EVERYWHERE),
    },
    Rule {
        kind: DocKind::NewsPost,
        who: Who::Holder(Role::Editor),
        grant: Grant::Write(EVERYWHERE),
    },
    Rule {
        kind: DocKind::NewsPost,
        who: Who::Segment,
        grant: Grant::Read,
    },
    // Job openings: posts as news are, written by admins and recruiters.
    Rule {
        kind: DocKind::JobPost,
        who: Who::Holder(Role::Admin),
        grant: Grant::Write(EVERYWHERE),
    },
    Rule {
        kind: DocKind::JobPost,
        who: Who::Holder(Role::Recruiter),
        grant: Grant::Write(EVERYWHERE),
    },
    Rule {
        kind: DocKind::JobPost,
        who: Who::Segment,
        grant: Grant::Read,
    },
    // Applications: each member appends their own, once per opening; where one stands is the
    // relay's to write, on a recruiter's word (docs/design.md §13). Recruiters work them through
    // the relay's board, so no device but the applicant's holds the document.
    Rule {
        kind: DocKind::JobApplications,
        who: Who::Owner,
        grant: Grant::Append(APPLYING),
    },
    Rule {
        kind: DocKind::JobApplications,
        who: Who::Owner,
        grant: Grant::Write(SAVING),
    },
    // What recruiters note about applicants: theirs alone.
    Rule {
        kind: DocKind::JobNotes,
        who: Who::Holder(Role::Admin),
        grant: Grant::Write(EVERYWHERE),
    },
    Rule {
        kind: DocKind::JobNotes,
        who: Who::Holder(Role::Recruiter),
        grant: Grant::Write(EVERYWHERE),
    },
    // What readers say to a post: each writes only their own いいね and their own comments
    // (keyed by their id, so nobody comments as someone else); admins also hide comments. The
    // responses go where the post goes: out of a reader's reach, out of their device.
    Rule {
        kind: DocKind::NewsResponses,
        who: Who::Segment,
        grant: Grant::Write(NEWS_RESPONDER),
    },
    Rule {
        kind: DocKind::NewsResponses,
        who: Who::Holder(Role::Admin),
        grant: Grant::Write(NEWS_MODERATOR),
    },
    Rule {
        kind: DocKind::NewsResponses,
        who: Who::Holder(Role::Editor),
        grant: Grant::Write(NEWS_MODERATOR),
    },
];

/// Where a reader writes in a post's responses: their いいね, and comments whose keys start
/// with their id (`<id>:<random>`, docs/design.md §13).
pub const NEWS_RESPONDER: &[Pattern] = &[&["likes", "$me"], &["comments", "$me:*"]];

/// What an admin or editor writes there: their own responses, and which comments are hidden.
pub const NEWS_MODERATOR: &[Pattern] = &[&["likes", "$me"], &["comments", "$me:*"], &["hidden"]];

/// Where a member applies, and refers others: one new entry each, which they never change
/// afterwards.
pub const APPLYING: &[Pattern] = &[
    &[crate::job_application::APPLICATIONS_KEY, "*"],
    &[crate::job_application::REFERRALS_KEY, "*"],
];

/// Where a member keeps the openings they saved: each theirs to add and take back.
pub const SAVING: &[Pattern] = &[&[crate::job_application::SAVED_KEY, "*"]];

/// Where staff record admissions: one new entry per admission, under its nonce.
pub const CHECKIN_SCANS: &[Pattern] = &[&["scans", "*"]];

/// Where a member writes on a page of messages: their own messages and their own reactions,
/// inside the maps the relay made for them (never the maps themselves, whose replacement would
/// hide what another device of theirs wrote), and how far they have read (docs/design.md §7).
pub const MESSAGE_AUTHOR: &[Pattern] = &[
    &["messages", "$me", "*"],
    &["reactions", "$me", "*"],
    &["read", "$me"],
];

/// Where a member records their answers: one entry per event.
pub const RSVP_ANSWERS: &[Pattern] = &[&["events"]];

/// What `subject` may do with a document, or `None` if for them it does not exist.
pub fn access(subject: &Subject<'_>, doc: &DocFacts<'_>) -> Option<Access> {
    rules_for(subject, doc)
        .map(|rule| match rule.grant {
            Grant::Read => Access::Read,
            Grant::Write(_) | Grant::Append(_) => Access::Write,
        })
        .max()
}

/// Whether `subject` may change the place at `path` in a document: put, delete, insert into or
/// increment it, or anything beneath it.
pub fn may_write(subject: &Subject<'_>, doc: &DocFacts<'_>, path: &[Seg<'_>]) -> bool {
    may_edit(subject, doc, path, Edit::Change)
}

/// Whether `subject` may make `edit` at `path`: any edit under a write grant; under an append
/// grant, a new entry exactly where a pattern points and whatever fills that new entry, but
/// nothing else (no second value at an entry's key, nothing added inside an entry that was
/// already there).
pub fn may_edit(subject: &Subject<'_>, doc: &DocFacts<'_>, path: &[Seg<'_>], edit: Edit) -> bool {
    rules_for(subject, doc).any(|rule| match rule.grant {
        Grant::Read => false,
        Grant::Write(patterns) => patterns.iter().any(|p| covers(p, path, subject.user)),
        Grant::Append(patterns) => patterns.iter().any(|p| {
            covers(p, path, subject.user)
                && match edit {
                    Edit::Add => path.len() == p.len(),
                    Edit::Fill => true,
                    Edit::Change => false,
                }
        }),
    })
}

fn rules_for<'r>(
    subject: &'r Subject<'_>,
    doc: &'r DocFacts<'_>,
) -> impl Iterator<Item = &'static Rule> + 'r {
    RULES
        .iter()
        .filter(move |rule| rule.kind == doc.kind && applies(rule.who, subject, doc))
}

fn applies(who: Who, subject: &Subject<'_>, doc: &DocFacts<'_>) -> bool {
    match who {
        Who::Owner => doc.owner == Some(subject.user),
        Who::AnyMember => true,
        Who::AnyMemberWhileOwnerListed => doc.owner_listed,
        Who::Holder(role) => subject.roles.contains(&role),
        Who::HolderWhileOwnerListed(role) => doc.owner_listed && subject.roles.contains(&role),
        Who::Audience => doc
            .event
            .is_some_and(|e| e.public && e.audience.includes(subject.roles, e.invited)),
        Who::Staff => doc.event.is_some_and(|e| e.staff),
        Who::Proposer => doc.event.is_some_and(|e| e.proposer),
        Who::ConversationMember => doc.conversation.is_some_and(|c| c.member),
        Who::Segment => doc.news.is_some_and(|n| n.out && n.in_segment),
    }
}

/// Whether `pattern` is a prefix of `path`.
fn covers(pattern: Pattern, path: &[Seg<'_>], me: &str) -> bool {
    pattern.len() <= path.len()
        && pattern
            .iter()
            .zip(path)
            .all(|(want, seg)| match (*want, seg) {
                ("*", _) => true,
                ("$me", Seg::Key(key)) => *key == me,
                ("$me:*", Seg::Key(key)) => key
                    .strip_prefix(me)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|rest| !rest.is_empty()),
                (want, Seg::Key(key)) => want == *key,
                (_, Seg::Item) => false,
            })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::{writes_jobs, writes_news};

    const ALL_ROLES: [Role; 6] = Role::ALL;

    fn profile(owner: &str, active: bool) -> DocFacts<'_> {
        DocFacts {
            owner: Some(owner),
            owner_listed: active,
            ..DocFacts::of(DocKind::Profile)
        }
    }

    fn organisation() -> DocFacts<'static> {
        DocFacts::of(DocKind::Organisation)
    }

    fn keys<'a>(path: &[&'a str]) -> Vec<Seg<'a>> {
        path.iter()
            .map(|k| if *k == "#" { Seg::Item } else { Seg::Key(k) })
            .collect()
    }

    /// The member "me" holding `roles`.
    fn me(roles: &[Role]) -> Subject<'_> {
        Subject { user: "me", roles }
    }

    /// Every role alone, every pair with admin, and no role at all.
    fn role_sets() -> Vec<Vec<Role>> {
        let mut sets: Vec<Vec<Role>> = ALL_ROLES.iter().map(|r| vec![*r]).collect();
        sets.extend(ALL_ROLES[1..].iter().map(|r| vec![Role::Admin, *r]));
        sets.push(Vec::new());
        sets
    }

    #[test]
    fn a_post_reaches_its_segment_once_out_and_only_its_writers_write_it() {
        // News by admins and editors; job openings by admins and recruiters.
        posts_of(DocKind::NewsPost, writes_news);
        posts_of(DocKind::JobPost, writes_jobs);
    }

    fn posts_of(kind: DocKind, writes: fn(&[Role]) -> bool) {
        let post = |out: bool, in_segment: bool| DocFacts {
            news: Some(NewsFacts { out, in_segment }),
            ..DocFacts::of(kind)
        };
        for roles in role_sets() {
            let me = me(&roles);
            let is_admin = writes(&roles);
            for (out, in_segment) in [(false, false), (false, true), (true, false), (true, true)] {
                let facts = post(out, in_segment);
                let expected = if is_admin {
                    Some(Access::Write)
                } else if out && in_segment {
                    Some(Access::Read)
                } else {
                    None
                };
                assert_eq!(
                    access(&me, &facts),
                    expected,
                    "{roles:?} out {out} in {in_segment}"
                );
                assert_eq!(
                    may_write(&me, &facts, &keys(&["title"])),
                    is_admin,
                    "{roles:?}"
                );
                assert_eq!(
                    may_write(&me, &facts, &keys(&["segment", "roles"])),
                    is_admin,
                    "nobody else widens a segment: {roles:?}"
                );
            }
            // A post the relay knows nothing about is no one's but its writers'.
            let unknown = DocFacts::of(kind);
            assert_eq!(
                access(&me, &unknown).is_some(),
                is_admin,
                "{kind:?} {roles:?}"
            );
        }
    }

    #[test]
    fn a_member_appends_their_own_applications_and_nobody_writes_where_one_stands() {
        let mine = DocFacts {
            owner: Some("me"),
            owner_listed: true,
            ..DocFacts::of(DocKind::JobApplications)
        };
        let hers = DocFacts {
            owner: Some("hanako"),
            ..mine
        };
        for roles in role_sets() {
            let me = me(&roles);
            // Their own: they read it and add an application, once.
            assert_eq!(access(&me, &mine), Some(Access::Write), "{roles:?}");
            let apply = keys(&["applications", "post-1"]);
            assert!(may_edit(&me, &mine, &apply, Edit::Add));
            assert!(may_edit(
                &me,
                &mine,
                &keys(&["applications", "post-1", "note"]),
                Edit::Fill
            ));
            assert!(
                !may_edit(
                    &me,
                    &mine,
                    &keys(&["applications", "post-1", "note"]),
                    Edit::Change
                ),
                "an application sent stays as sent"
            );
            assert!(!may_edit(
                &me,
                &mine,
                &keys(&["applications"]),
                Edit::Change
            ));
            for relays in [["stages", "post-1"], ["refused", "post-1"]] {
                assert!(
                    !may_edit(&me, &mine, &keys(&relays), Edit::Add),
                    "only the relay says where an application stands: {roles:?}"
                );
            }
            // Another member's: it does not exist for anyone else, recruiters and admins
            // included (they work applications through the relay).
            assert_eq!(access(&me, &hers), None, "{roles:?}");
        }
    }

    #[test]
    fn recruiters_notes_are_theirs_alone() {
        let notes = DocFacts::of(DocKind::JobNotes);
        for roles in role_sets() {
            let me = me(&roles);
            let expected = writes_jobs(&roles).then_some(Access::Write);
            assert_eq!(access(&me, &notes), expected, "{roles:?}");
            assert_eq!(
                may_write(&me, &notes, &keys(&["notes", "hanako"])),
                writes_jobs(&roles)
            );
        }
    }

    #[test]
    fn readers_respond_to_a_post_only_as_themselves_and_admins_and_editors_hide_comments() {
        let responses = |out: bool, in_segment: bool| DocFacts {
            news: Some(NewsFacts { out, in_segment }),
            ..DocFacts::of(DocKind::NewsResponses)
        };
        for roles in role_sets() {
            let me = me(&roles);
            let is_admin = writes_news(&roles);
            for (out, in_segment) in [(false, false), (false, true), (true, false), (true, true)] {
                let facts = responses(out, in_segment);
                let reader = out && in_segment;
                let writes = |path: &[&str]| may_write(&me, &facts, &keys(path));
                assert_eq!(
                    access(&me, &facts),
                    (reader || is_admin).then_some(Access::Write),
                    "{roles:?} out {out} in {in_segment}"
                );
                let responds = reader || is_admin;
                assert_eq!(writes(&["likes", "me"]), responds, "{roles:?}");
                assert_eq!(writes(&["comments", "me:c1", "text"]), responds);
                assert_eq!(writes(&["comments", "me:c1"]), responds);
                // Never as someone else, nor a key that only looks like theirs.
                assert!(!writes(&["likes", "ken"]));
                assert!(!writes(&["comments", "ken:c1", "text"]));
                assert!(!writes(&["comments", "me2:c1"]));
                assert!(!writes(&["comments", "me:"]));
                assert!(!writes(&["comments", "me"]));
                assert!(!writes(&["comments"]), "nor the map of everyone's comments");
                assert!(!writes(&["likes"]));
                assert_eq!(writes(&["hidden", "ken:c1"]), is_admin, "{roles:?}");
            }
        }
    }

    #[test]
    fn every_role_writes_its_own_profile_fields_even_while_suspended() {
        for roles in role_sets() {
            let me = me(&roles);
            for active in [true, false] {
                let mine = profile("me", active);
                assert_eq!(access(&me, &mine), Some(Access::Write), "{roles:?}");
                for field in PROFILE_OWNER_FIELDS {
                    assert!(may_write(&me, &mine, &keys(field)), "{roles:?} {field:?}");
                    let mut deeper = keys(field);
                    deeper.extend([Seg::Item, Seg::Key("role")]);
                    assert!(may_write(&me, &mine, &deeper), "{roles:?} {field:?}/#/role");
                }
            }
        }
    }

    #[test]
    fn only_admins_write_the_hr_fields_and_nobody_writes_the_owner_or_unknown_keys() {
        for roles in role_sets() {
            let is_admin = roles.contains(&Role::Admin);
            let me = me(&roles);
            for doc in [
                profile("me", true),
                profile("other", true),
                profile("other", false),
            ] {
                for field in PROFILE_HR_FIELDS {
                    assert_eq!(
                        may_write(&me, &doc, &keys(field)),
                        is_admin,
                        "{roles:?} {field:?} of {:?}",
                        doc.owner
                    );
                }
                for field in [&["owner"][..], &["futureField"], &[], &["#"]] {
                    assert!(!may_write(&me, &doc, &keys(field)), "{roles:?} {field:?}");
                }
            }
        }
    }

    #[test]
    fn nobody_writes_someone_elses_own_fields_whatever_roles_they_hold() {
        for roles in role_sets() {
            let me = me(&roles);
            for field in PROFILE_OWNER_FIELDS {
                assert!(
                    !may_write(&me, &profile("other", true), &keys(field)),
                    "{roles:?} {field:?}"
                );
            }
        }
    }

    #[test]
    fn every_role_reads_active_members_profiles_and_only_admins_suspended_ones() {
        for roles in role_sets() {
            let is_admin = roles.contains(&Role::Admin);
            let me = me(&roles);
            let expected = if is_admin {
                Access::Write
            } else {
                Access::Read
            };
            assert_eq!(
                access(&me, &profile("other", true)),
                Some(expected),
                "{roles:?}"
            );
            assert_eq!(
                access(&me, &profile("other", false)),
                is_admin.then_some(Access::Write),
                "{roles:?}"
            );
        }
    }

    #[test]
    fn every_member_reads_the_organisation_and_only_admins_write_anywhere_in_it() {
        for roles in role_sets() {
            let is_admin = roles.contains(&Role::Admin);
            let me = me(&roles);
            let expected = if is_admin {
                Access::Write
            } else {
                Access::Read
            };
            assert_eq!(access(&me, &organisation()), Some(expected), "{roles:?}");
            for path in [&[][..], &["name"], &["defaultVisibility", "email"], &["#"]] {
                assert_eq!(
                    may_write(&me, &organisation(), &keys(path)),
                    is_admin,
                    "{roles:?} {path:?}"
                );
            }
        }
    }

    fn part(kind: DocKind, owner: &str, listed: bool) -> DocFacts<'_> {
        DocFacts {
            owner: Some(owner),
            owner_listed: listed,
            ..DocFacts::of(kind)
        }
    }

    #[test]
    fn each_profile_part_is_read_by_its_audience_only() {
        for roles in role_sets() {
            let me = me(&roles);
            let holds = |r| roles.contains(&r);
            for listed in [true, false] {
                let members = access(&me, &part(DocKind::ProfileMembers, "other", listed));
                let expected = holds(Role::Admin)
                    || (listed && (holds(Role::Alumni) || holds(Role::Employee)));
                assert_eq!(members.is_some(), expected, "{roles:?} listed={listed}");
                let admins = access(&me, &part(DocKind::ProfileAdmins, "other", listed));
                assert_eq!(admins.is_some(), holds(Role::Admin), "{roles:?}");
                let private = access(&me, &part(DocKind::ProfilePrivate, "other", listed));
                assert_eq!(private, None, "{roles:?}");
                for kind in [
                    DocKind::ProfileMembers,
                    DocKind::ProfileAdmins,
                    DocKind::ProfilePrivate,
                ] {
                    assert_eq!(
                        access(&me, &part(kind, "me", listed)),
                        Some(Access::Write),
                        "{roles:?} own {kind:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn owners_write_only_choosable_fields_in_parts_and_their_choices_in_the_private_part() {
        for roles in role_sets() {
            let me = me(&roles);
            for kind in [
                DocKind::ProfileMembers,
                DocKind::ProfileAdmins,
                DocKind::ProfilePrivate,
            ] {
                let mine = part(kind, "me", true);
                let theirs = part(kind, "other", true);
                for field in PROFILE_CHOOSABLE_FIELDS {
                    assert!(
                        may_write(&me, &mine, &keys(field)),
                        "{roles:?} {kind:?} {field:?}"
                    );
                    assert!(
                        !may_write(&me, &theirs, &keys(field)),
                        "{roles:?} {kind:?} {field:?}"
                    );
                }
                for field in [
                    &["name"][..],
                    &["joined"],
                    &["left"],
                    &["owner"],
                    &["futureField"],
                ] {
                    assert!(
                        !may_write(&me, &mine, &keys(field)),
                        "{roles:?} {kind:?} {field:?}"
                    );
                }
                let choices = may_write(&me, &mine, &keys(&["visibility", "bio"]));
                assert_eq!(
                    choices,
                    kind == DocKind::ProfilePrivate,
                    "{roles:?} {kind:?}"
                );
            }
        }
    }

    #[test]
    fn a_member_hidden_from_the_directory_is_read_by_admins_only() {
        for roles in role_sets() {
            let me = me(&roles);
            let hidden = access(&me, &profile("other", false));
            assert_eq!(hidden.is_some(), roles.contains(&Role::Admin), "{roles:?}");
        }
    }

    #[test]
    fn a_document_with_no_owner_is_nobodys_profile() {
        let orphan = DocFacts::of(DocKind::Profile);
        let admin = Subject {
            user: "me",
            roles: &[Role::Admin],
        };
        assert_eq!(access(&admin, &orphan), Some(Access::Write));
        assert!(!may_write(&admin, &orphan, &keys(&["name"])));
        let alumna = Subject {
            user: "me",
            roles: &[Role::Alumni],
        };
        assert_eq!(access(&alumna, &orphan), None);
        assert!(!may_write(&alumna, &orphan, &keys(&["name"])));
    }

    #[test]
    fn patterns_match_keys_wildcards_and_the_writer_only() {
        let me = "u1";
        assert!(covers(&[], &[], me));
        assert!(covers(&["a"], &keys(&["a", "b"]), me));
        assert!(!covers(&["a", "b"], &keys(&["a"]), me));
        assert!(covers(&["*", "b"], &keys(&["#", "b"]), me));
        assert!(covers(
            &["rsvps", "$me"],
            &keys(&["rsvps", "u1", "going"]),
            me
        ));
        assert!(!covers(&["rsvps", "$me"], &keys(&["rsvps", "u2"]), me));
        assert!(!covers(&["rsvps", "$me"], &keys(&["rsvps", "#"]), me));
        assert!(!covers(&["a"], &keys(&["#"]), me));
    }

    /// Every way a member can stand to an event, with what the event is.
    fn event_facts() -> Vec<EventFacts> {
        let mut all = Vec::new();
        for public in [true, false] {
            for audience in EventAudience::ALL {
                for (invited, staff, proposer) in [
                    (false, false, false),
                    (true, false, false),
                    (false, true, false),
                    (false, false, true),
                ] {
                    all.push(EventFacts {
                        public,
                        audience,
                        invited,
                        staff,
                        proposer,
                    });
                }
            }
        }
        all
    }

    fn event_doc(kind: DocKind, facts: EventFacts) -> DocFacts<'static> {
        DocFacts {
            event: Some(facts),
            ..DocFacts::of(kind)
        }
    }

    #[test]
    fn events_are_written_by_admins_and_read_by_their_audience_once_published() {
        for roles in role_sets() {
            let me = me(&roles);
            let admin = roles.contains(&Role::Admin);
            for facts in event_facts() {
                let doc = event_doc(DocKind::Event, facts);
                let audience = facts.public && facts.audience.includes(&roles, facts.invited);
                let expected = if admin {
                    Some(Access::Write)
                } else if audience || facts.staff || facts.proposer {
                    Some(Access::Read)
                } else {
                    None
                };
                assert_eq!(access(&me, &doc), expected, "{roles:?} {facts:?}");
                for path in [&[][..], &["title"], &["staff", "#"], &["status"]] {
                    assert_eq!(
                        may_write(&me, &doc, &keys(path)),
                        admin,
                        "{roles:?} {path:?}"
                    );
                    assert_eq!(
                        may_edit(&me, &doc, &keys(path), Edit::Add),
                        admin,
                        "{roles:?} {path:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn rosters_are_read_by_staff_and_admins_and_written_by_no_member() {
        for roles in role_sets() {
            let me = me(&roles);
            let admin = roles.contains(&Role::Admin);
            for facts in event_facts() {
                let doc = event_doc(DocKind::EventRoster, facts);
                let expected = (admin || facts.staff).then_some(Access::Read);
                assert_eq!(access(&me, &doc), expected, "{roles:?} {facts:?}");
                for edit in [Edit::Add, Edit::Change] {
                    for path in [&[][..], &["attendees", "me"], &["revoked", "t1"]] {
                        assert!(
                            !may_edit(&me, &doc, &keys(path), edit),
                            "{roles:?} {path:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn check_ins_are_only_appended_by_staff_and_admins() {
        for roles in role_sets() {
            let me = me(&roles);
            let admin = roles.contains(&Role::Admin);
            for facts in event_facts() {
                let doc = event_doc(DocKind::EventCheckins, facts);
                let may = admin || facts.staff;
                assert_eq!(
                    access(&me, &doc),
                    may.then_some(Access::Write),
                    "{roles:?} {facts:?}"
                );
                // A new scan, and what fills it.
                let entry = keys(&["scans", "n1"]);
                let inside = keys(&["scans", "n1", "ticket"]);
                assert_eq!(may_edit(&me, &doc, &entry, Edit::Add), may);
                assert_eq!(may_edit(&me, &doc, &inside, Edit::Fill), may);
                // Never anything added inside a scan that was there, nor changed or removed.
                assert!(!may_edit(&me, &doc, &inside, Edit::Add));
                for path in [&entry, &inside] {
                    assert!(!may_edit(&me, &doc, path, Edit::Change), "{path:?}");
                }
                for path in [&[][..], &["scans"], &["note"]] {
                    for edit in [Edit::Add, Edit::Fill] {
                        assert!(!may_edit(&me, &doc, &keys(path), edit), "{path:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn answers_are_their_owners_and_passes_the_relays() {
        for roles in role_sets() {
            let me = me(&roles);
            let doc = |kind, owner| DocFacts {
                owner: Some(owner),
                owner_listed: true,
                ..DocFacts::of(kind)
            };
            let mine = doc(DocKind::Rsvps, "me");
            assert_eq!(access(&me, &mine), Some(Access::Write), "{roles:?}");
            for path in [
                &["events"][..],
                &["events", "e1", "going"],
                &["events", "e1", "arrived_at"],
            ] {
                assert!(may_write(&me, &mine, &keys(path)), "{roles:?} {path:?}");
            }
            assert!(!may_write(&me, &mine, &keys(&["note"])), "{roles:?}");
            // Nobody reads another member's answers, admins included: seats come from the relay.
            assert_eq!(
                access(&me, &doc(DocKind::Rsvps, "other")),
                None,
                "{roles:?}"
            );
            let passes = doc(DocKind::Passes, "me");
            assert_eq!(access(&me, &passes), Some(Access::Read), "{roles:?}");
            for path in [&[][..], &["events", "e1", "status"], &["card"]] {
                assert!(
                    !may_edit(&me, &passes, &keys(path), Edit::Add),
                    "{roles:?} {path:?}"
                );
            }
            assert_eq!(
                access(&me, &doc(DocKind::Passes, "other")),
                None,
                "{roles:?}"
            );
            // The inbox (the conversations they are in) is the relay's to write, theirs alone
            // to read: nobody adds themselves to a conversation, nor sees another's.
            let inbox = doc(DocKind::Inbox, "me");
            assert_eq!(access(&me, &inbox), Some(Access::Read), "{roles:?}");
            assert!(
                !may_edit(&me, &inbox, &keys(&["conversations", "c1"]), Edit::Add),
                "{roles:?}"
            );
            assert_eq!(
                access(&me, &doc(DocKind::Inbox, "other")),
                None,
                "{roles:?}"
            );
        }
    }
}

//! The audit log: what admins (and the relay on its own) did, and its CSV export.

use serde::{Deserialize, Serialize};

use super::{ImportCounts, MatchedBy};

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub actor_id: Option<String>,
    /// The actor's email; empty for what the relay did on its own (an automatic approval).
    pub actor: String,
    /// The actor's name; empty as `actor` is, or for a deleted account.
    #[serde(default)]
    pub actor_name: String,
    /// An [`AuditAction`] key; older logs may hold keys no longer written (`auto-approve`).
    pub action: String,
    /// What the action was done to, as stored: a member's, an imported person's, an
    /// application's, a device's, an event's, the organisation's or a pass key's id.
    pub subject: String,
    /// Who or what `subject` is, for people to read: the name of the member, imported person or
    /// applicant (a device: its member's name and its label), an event's title, the
    /// organisation's name; empty when the relay knows none (deleted, or a key's id).
    #[serde(default)]
    pub subject_name: String,
    /// The email of the person `subject` is (or whose device it is), when it is a person's.
    #[serde(default)]
    pub subject_email: String,
    /// What the relay wrote with the entry: text (an email, roles before → after), or for
    /// imports and applications JSON ([`ImportLogged`], [`ApplyLogged`]) to translate.
    pub detail: String,
}

/// The [`AuditEntry::detail`] of an [`AuditAction::Import`], as JSON, for the app and the CSV
/// to say in the reader's language. (Entries written before it hold English text.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLogged {
    /// `utf-8` or `shift_jis`.
    pub encoding: String,
    #[serde(flatten)]
    pub counts: ImportCounts,
}

/// The [`AuditEntry::detail`] of an [`AuditAction::Apply`], as JSON (entries written before it
/// hold English text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyLogged {
    pub email: String,
    /// How it matched a leaver HR imported, if it did.
    #[serde(default)]
    pub matched_by: Option<MatchedBy>,
    /// A confirmation link went to the address HR has on record.
    #[serde(default)]
    pub confirmation_mailed: bool,
}

/// What the audit log records: the one list the relay writes and the app and the CSV export
/// translate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditAction {
    /// The first-run setup made the organisation and its first admin.
    Setup,
    /// An admin imported an HR export.
    Import,
    Invite,
    /// Someone registered with an invitation.
    Register,
    /// Someone who was not invited applied.
    Apply,
    /// An applicant HR knows opened the link mailed to the address on record.
    ConfirmApplication,
    Approve,
    Reject,
    Roles,
    Suspend,
    Reactivate,
    RevokeDevice,
    DeleteHrRecord,
    DeleteAccount,
    ChangePassword,
    SignOutEverywhere,
    RotatePassKey,
    RetirePassKey,
    CreateEvent,
    /// A member who is not an admin proposed an event.
    ProposeEvent,
    SetJoinUrl,
    ClearJoinUrl,
    /// An admin set the organisation's logo.
    SetLogo,
    RemoveLogo,
    /// An event's staff or an admin gave up a member's seat for them.
    ReleaseSeat,
    /// A member blocked another: no new conversation between them, their messages not shown.
    BlockMember,
    UnblockMember,
    /// A member reported a message to the admins.
    ReportMessage,
    /// An admin hid a reported message for everyone.
    HideMessage,
    /// An admin looked at a report and left the message as it was.
    DismissReport,
    /// An admin started a post of news.
    CreatePost,
    /// A recruiter moved an application for a job opening to another stage.
    MoveApplication,
    /// A recruiter put an alumnus on the talent pool's shortlist, or took them off it.
    Shortlist,
    Unshortlist,
}

impl AuditAction {
    pub const ALL: [AuditAction; 34] = [
        Self::Setup,
        Self::Import,
        Self::Invite,
        Self::Register,
        Self::Apply,
        Self::ConfirmApplication,
        Self::Approve,
        Self::Reject,
        Self::Roles,
        Self::Suspend,
        Self::Reactivate,
        Self::RevokeDevice,
        Self::DeleteHrRecord,
        Self::DeleteAccount,
        Self::ChangePassword,
        Self::SignOutEverywhere,
        Self::RotatePassKey,
        Self::RetirePassKey,
        Self::CreateEvent,
        Self::ProposeEvent,
        Self::SetJoinUrl,
        Self::ClearJoinUrl,
        Self::SetLogo,
        Self::RemoveLogo,
        Self::ReleaseSeat,
        Self::BlockMember,
        Self::UnblockMember,
        Self::ReportMessage,
        Self::HideMessage,
        Self::DismissReport,
        Self::CreatePost,
        Self::MoveApplication,
        Self::Shortlist,
        Self::Unshortlist,
    ];

    /// The key stored in the log and sent in [`AuditEntry::action`].
    pub fn key(self) -> &'static str {
        match self {
            Self::Setup => "setup",
            Self::Import => "import",
            Self::Invite => "invite",
            Self::Register => "register",
            Self::Apply => "apply",
            Self::ConfirmApplication => "confirm-application",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Roles => "roles",
            Self::Suspend => "suspend",
            Self::Reactivate => "reactivate",
            Self::RevokeDevice => "revoke-device",
            Self::DeleteHrRecord => "delete-hr-record",
            Self::DeleteAccount => "delete-account",
            Self::ChangePassword => "change-password",
            Self::SignOutEverywhere => "sign-out-everywhere",
            Self::RotatePassKey => "rotate-pass-key",
            Self::RetirePassKey => "retire-pass-key",
            Self::CreateEvent => "create-event",
            Self::ProposeEvent => "propose-event",
            Self::SetJoinUrl => "set-join-url",
            Self::ClearJoinUrl => "clear-join-url",
            Self::SetLogo => "set-logo",
            Self::RemoveLogo => "remove-logo",
            Self::ReleaseSeat => "release-seat",
            Self::BlockMember => "block-member",
            Self::UnblockMember => "unblock-member",
            Self::ReportMessage => "report-message",
            Self::HideMessage => "hide-message",
            Self::DismissReport => "dismiss-report",
            Self::CreatePost => "create-post",
            Self::MoveApplication => "move-application",
            Self::Shortlist => "shortlist",
            Self::Unshortlist => "unshortlist",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }
}

/// The language of a CSV download (`?lang=ja` / `?lang=en`): its headers, statuses and actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Language {
    Ja,
    En,
}

impl Language {
    /// As in [`LANGUAGES`](super::LANGUAGES) and `?lang=`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Ja => "ja",
            Self::En => "en",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Ja, Self::En].into_iter().find(|l| l.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_audit_action_has_one_key_and_serde_writes_it() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::from_key(action.key()), Some(action));
            assert_eq!(
                serde_json::to_value(action).ok(),
                Some(serde_json::Value::String(action.key().into()))
            );
        }
        assert_eq!(AuditAction::from_key("auto-approve"), None);
    }
}

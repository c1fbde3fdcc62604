//! How someone becomes a member: an admin's invitation and the registration it leads to, or an
//! application that an admin (or a link mailed to the address HR has) approves.

use serde::{Deserialize, Serialize};

/// `POST /api/admin/invitations`: invite these imported people (again: an earlier link stops working).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub hr_record_ids: Vec<String>,
}

/// One invitation made. With SMTP configured it was mailed (`sent`); otherwise, or if mailing
/// failed (`mail_error`), `link` is there for the admin to copy and share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationSent {
    pub hr_record_id: String,
    pub email: String,
    pub name: String,
    pub sent: bool,
    pub link: Option<String>,
    pub mail_error: Option<String>,
    /// Unix seconds.
    pub expires_at: i64,
}

/// What an invitation link knows, to prefill the join form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationInfo {
    pub email: String,
    pub name: String,
    pub reading: String,
}

/// `POST /api/register`: accept an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    pub token: String,
    pub password: String,
    /// How they want to be shown; the imported name when absent.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `POST /api/applications`: someone who was not invited asks to join.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Apply {
    pub name: String,
    pub reading: String,
    pub email: String,
    pub employee_number: Option<String>,
    pub joined: Option<String>,
    pub left: Option<String>,
    pub department: Option<String>,
    pub note: Option<String>,
    pub password: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApplicationStatus {
    Pending,
    Approved,
    Rejected,
}

impl ApplicationStatus {
    pub fn key(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Rejected]
            .into_iter()
            .find(|s| s.key() == key)
    }
}

/// 202 to an application that waits for an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationReceived {
    pub status: ApplicationStatus,
}

/// How an application matched a leaver HR imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchedBy {
    /// The email they applied with is the one HR has on record.
    Email,
    /// Their employee number, with the name HR has on record.
    EmployeeNumberAndName,
}

impl MatchedBy {
    pub fn key(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::EmployeeNumberAndName => "employee-number-and-name",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Email, Self::EmployeeNumberAndName]
            .into_iter()
            .find(|m| m.key() == key)
    }
}

/// The imported leaver an application matched: a hint for the admin who decides it. A match
/// never lets anyone in by itself; the applicant proves they hold the address HR has on record
/// (a link mailed there), or an admin approves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HrMatch {
    pub hr_record_id: String,
    pub name: String,
    pub employee_number: String,
    pub by: MatchedBy,
}

/// An application as admins review it (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: String,
    pub email: String,
    pub name: String,
    pub reading: String,
    pub employee_number: String,
    pub joined: String,
    pub left: String,
    pub department: String,
    pub note: String,
    pub status: ApplicationStatus,
    /// Unix seconds.
    pub created_at: i64,
    pub decided_at: Option<i64>,
    /// The member it became, once approved.
    pub user_id: Option<String>,
    /// The imported leaver it matched, if any.
    #[serde(default)]
    pub hr_match: Option<HrMatch>,
    /// A confirmation link was mailed to the address HR has on record and can still be used:
    /// the application becomes a member by itself if it is opened.
    #[serde(default)]
    pub awaiting_confirmation: bool,
}

/// `GET /api/applications/confirm/<token>`: whose application a confirmation link is for, shown
/// before anything is done so the person who opened the mail can tell whether it was them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationToConfirm {
    pub name: String,
    /// The email the new member will sign in with.
    pub email: String,
}

/// `POST /api/applications/confirm`: the link's owner confirms; the member is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmApplication {
    pub token: String,
}

/// The answer to [`ConfirmApplication`]: sign in with this email and the password applied with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationConfirmed {
    pub email: String,
}

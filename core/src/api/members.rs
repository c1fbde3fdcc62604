//! The admins' Members screen: everyone the relay knows of, where they stand, and their roles.

use serde::{Deserialize, Serialize};

use crate::vocab::Role;

/// Where someone stands, as the Members screen filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemberStatus {
    /// Imported from HR, not invited yet.
    Imported,
    /// Holds an unused, unexpired invitation.
    Invited,
    /// Applied and waits for an admin.
    Pending,
    Active,
    Suspended,
}

impl MemberStatus {
    pub fn key(self) -> &'static str {
        match self {
            Self::Imported => "imported",
            Self::Invited => "invited",
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Suspended => "suspended",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [
            Self::Imported,
            Self::Invited,
            Self::Pending,
            Self::Active,
            Self::Suspended,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }
}

/// One line of the Members screen: a member, an imported leaver or a pending application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub status: MemberStatus,
    pub user_id: Option<String>,
    pub hr_record_id: Option<String>,
    pub application_id: Option<String>,
    pub name: String,
    pub reading: String,
    pub email: String,
    pub employee_number: String,
    pub joined: String,
    pub left: String,
    pub department: String,
    pub roles: Vec<Role>,
    /// Devices not revoked.
    pub devices: u32,
    /// When an outstanding invitation expires (unix seconds).
    pub invitation_expires_at: Option<i64>,
}

/// `PUT /api/admin/members/<user id>/roles`: the complete set of roles they hold from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRoles {
    pub roles: Vec<Role>,
}

/// `GET /api/admin/summary`: what waits for an admin, for the badges on the admin tabs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminSummary {
    /// Applications waiting for a decision (or for their confirmation link).
    pub pending_applications: u32,
}

//! Importing HR's export of leavers (a CSV file): each row, what importing it does, and what
//! is wrong with the rows that cannot be imported.

use serde::{Deserialize, Serialize};

/// One leaver as the HR export describes them. Months are `YYYY-MM` (empty when unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HrRecord {
    pub employee_number: String,
    pub name: String,
    pub reading: String,
    pub email: String,
    pub joined: String,
    pub left: String,
    pub department: String,
}

/// What importing a row does to the stored records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportAction {
    New,
    Update,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// The row's line in the file (1 is the header).
    pub line: u64,
    pub record: HrRecord,
    pub action: ImportAction,
}

/// Why a row cannot be imported; the app translates it, `message` says it in English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowProblem {
    Missing,
    InvalidEmail,
    InvalidDate,
    LeftBeforeJoined,
    DuplicateInFile,
    /// The email belongs to another stored record than the employee number does.
    ConflictsWithStored,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportError {
    pub line: u64,
    /// `name`, `reading`, `email`, `employee_number`, `joined`, `left` or `department`.
    pub field: String,
    pub problem: RowProblem,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub new: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Rows left out because of an error.
    pub skipped: u32,
}

/// The answer to an import or its preview: every valid row with what it does, every problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// `utf-8` or `shift_jis`: how the file was read.
    pub encoding: String,
    pub rows: Vec<ImportRow>,
    pub errors: Vec<ImportError>,
    /// Only when the import was applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<ImportCounts>,
}

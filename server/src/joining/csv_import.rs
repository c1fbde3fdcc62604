//! Importing leavers from an HR export: `POST /api/admin/import/preview` reads the file and says
//! what importing it would do; `POST /api/admin/import` does it. The body is the file itself.
//!
//! Excel in Japan saves CSV as Shift_JIS (Windows-31J), other tools as UTF-8 with or without a
//! BOM: a file that is valid UTF-8 is read as such, anything else as Shift_JIS. Headers may be
//! Japanese or English, in any order; unknown columns are ignored. Each row is checked on its
//! own, and every problem is reported with its line and field, so an admin can fix the file in
//! one go; rows without problems are imported (by employee number, else by email: a re-export
//! updates the people already there, and an empty cell never erases what is stored).

use std::borrow::Cow;
use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use tsunagu_core::api::{
    AuditAction, HrRecord, ImportAction, ImportCounts, ImportError, ImportLogged, ImportReport,
    ImportRow, RowProblem,
};
use tsunagu_core::search::fold;

use super::{Admin, audit, store};
use crate::AppState;
use crate::error::{AppError, Error};

/// A column the import understands, and the headers (folded, see [`header_key`]) that name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Reading,
    Email,
    EmployeeNumber,
    Joined,
    Left,
    Department,
}

impl Column {
    const ALL: [Column; 7] = [
        Column::Name,
        Column::Reading,
        Column::Email,
        Column::EmployeeNumber,
        Column::Joined,
        Column::Left,
        Column::Department,
    ];

    /// The field name errors use (as in [`HrRecord`]).
    fn field(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Reading => "reading",
            Column::Email => "email",
            Column::EmployeeNumber => "employee_number",
            Column::Joined => "joined",
            Column::Left => "left",
            Column::Department => "department",
        }
    }

    fn headers(self) -> &'static [&'static str] {
        match self {
            Column::Name => &["氏名", "名前", "氏名(漢字)", "name", "full name"],
            Column::Reading => &[
                "フリガナ",
                "ふりがな",
                "読み",
                "よみがな",
                "氏名(フリガナ)",
                "reading",
                "kana",
            ],
            Column::Email => &[
                "メールアドレス",
                "メール",
                "個人メールアドレス",
                "email",
                "e-mail",
                "mail",
                "email address",
            ],
            Column::EmployeeNumber => &[
                "社員番号",
                "従業員番号",
                "社員No",
                "employee_number",
                "employee number",
                "employee no",
                "employee id",
            ],
            Column::Joined => &["入社日", "入社年月", "入社年月日", "joined", "hire date"],
            Column::Left => &["退職日", "退職年月", "退職年月日", "left", "leave date"],
            Column::Department => &["部署", "所属", "部門", "department", "dept"],
        }
    }
}

/// A header as compared: folded (NFKC, lower case, katakana as hiragana), without spaces and
/// separators, so `E-Mail`, `ﾒｰﾙｱﾄﾞﾚｽ` and `Employee_Number` match.
fn header_key(header: &str) -> String {
    fold(header)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '・' | '(' | ')'))
        .collect()
}

/// A file that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CsvFileError {
    #[error("the file is neither UTF-8 nor Shift_JIS text")]
    Encoding,
    #[error("the file has no header row")]
    Empty,
    #[error("the header row has no {field} column (write one of: {headers})")]
    MissingColumn {
        field: &'static str,
        headers: String,
    },
    #[error("line {line}: {message}")]
    Malformed { line: u64, message: String },
}

impl From<CsvFileError> for AppError {
    fn from(e: CsvFileError) -> Self {
        AppError::InvalidCsv(e.to_string())
    }
}

/// A file read and checked, before comparing with what is stored.
#[derive(Debug, Default)]
pub(crate) struct ParsedFile {
    pub(crate) encoding: &'static str,
    /// (line, record) of every row without problems.
    pub(crate) rows: Vec<(u64, HrRecord)>,
    pub(crate) errors: Vec<ImportError>,
}

fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), CsvFileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(text), "utf-8"));
    }
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(CsvFileError::Encoding);
    }
    Ok((text, "shift_jis"))
}

/// Reads an HR export: decodes it, finds the columns, checks every row.
pub(crate) fn parse(bytes: &[u8]) -> Result<ParsedFile, CsvFileError> {
    let (text, encoding) = decode(bytes)?;
    // The csv crate counts a CRLF-ended row's line one short; with LF alone its line numbers are
    // the ones an editor shows. (A line break inside a quoted cell becomes LF too: harmless.)
    let text = text.replace("\r\n", "\n");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CsvFileError::Malformed {
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    if headers.iter().all(str::is_empty) {
        return Err(CsvFileError::Empty);
    }
    let mut columns: HashMap<usize, Column> = HashMap::new();
    for (i, header) in headers.iter().enumerate() {
        let key = header_key(header);
        if let Some(column) = Column::ALL.into_iter().find(|c| {
            c.headers().iter().any(|h| header_key(h) == key) && !columns.values().any(|v| v == c)
        }) {
            columns.insert(i, column);
        }
    }
    for required in [Column::Name, Column::Email] {
        if !columns.values().any(|c| *c == required) {
            return Err(CsvFileError::MissingColumn {
                field: required.field(),
                headers: required.headers().join(", "),
            });
        }
    }

    let mut parsed = ParsedFile {
        encoding,
        ..ParsedFile::default()
    };
    let mut seen_emails: HashMap<String, u64> = HashMap::new();
    let mut seen_numbers: HashMap<String, u64> = HashMap::new();
    for result in reader.records() {
        let row = result.map_err(|e| CsvFileError::Malformed {
            line: e.position().map_or(0, csv::Position::line),
            message: e.to_string(),
        })?;
        let line = row.position().map_or(0, csv::Position::line);
        if row.iter().all(str::is_empty) {
            continue;
        }
        let cell = |column: Column| -> &str {
            columns
                .iter()
                .find(|(_, c)| **c == column)
                .and_then(|(i, _)| row.get(*i))
                .unwrap_or_default()
        };
        let mut problems = Vec::new();
        let problem = |column: Column, problem: RowProblem, message: String| ImportError {
            line,
            field: column.field().to_owned(),
            problem,
            message,
        };
        let mut record = HrRecord {
            employee_number: employee_number(cell(Column::EmployeeNumber)),
            name: cell(Column::Name).to_owned(),
            reading: cell(Column::Reading).to_owned(),
            email: fold(cell(Column::Email)).trim().to_owned(),
            joined: String::new(),
            left: String::new(),
            department: cell(Column::Department).to_owned(),
        };
        if record.name.is_empty() {
            problems.push(problem(
                Column::Name,
                RowProblem::Missing,
                "the name is missing".into(),
            ));
        }
        if record.email.is_empty() {
            problems.push(problem(
                Column::Email,
                RowProblem::Missing,
                "the email is missing".into(),
            ));
        } else if !is_email(&record.email) {
            problems.push(problem(
                Column::Email,
                RowProblem::InvalidEmail,
                format!("{:?} is not an email address", record.email),
            ));
        }
        for (column, slot) in [
            (Column::Joined, &mut record.joined),
            (Column::Left, &mut record.left),
        ] {
            let raw = cell(column);
            match parse_month(raw) {
                Some(month) => *slot = month,
                None => problems.push(problem(
                    column,
                    RowProblem::InvalidDate,
                    format!(
                        "cannot read the date {raw:?}; write 2019-04-01, 2019/4/1, 2019-04 or 2019年4月"
                    ),
                )),
            }
        }
        if !record.joined.is_empty() && !record.left.is_empty() && record.left < record.joined {
            problems.push(problem(
                Column::Left,
                RowProblem::LeftBeforeJoined,
                format!("left ({}) before joining ({})", record.left, record.joined),
            ));
        }
        if problems.is_empty() {
            if let Some(first) = seen_emails.get(&record.email) {
                problems.push(problem(
                    Column::Email,
                    RowProblem::DuplicateInFile,
                    format!("the same email as line {first}"),
                ));
            }
            if let Some(first) = seen_numbers.get(&record.employee_number) {
                problems.push(problem(
                    Column::EmployeeNumber,
                    RowProblem::DuplicateInFile,
                    format!("the same employee number as line {first}"),
                ));
            }
        }
        if problems.is_empty() {
            seen_emails.insert(record.email.clone(), line);
            if !record.employee_number.is_empty() {
                seen_numbers.insert(record.employee_number.clone(), line);
            }
            parsed.rows.push((line, record));
        } else {
            parsed.errors.append(&mut problems);
        }
    }
    Ok(parsed)
}

/// An employee number as stored and compared: NFKC (full-width digits and letters as ASCII),
/// trimmed, case kept.
pub(crate) fn employee_number(raw: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    raw.nfkc().collect::<String>().trim().to_owned()
}

/// Whether `email` is an address mail can be sent to (lettre's parser, as sending uses).
pub(crate) fn is_email(email: &str) -> bool {
    email.parse::<lettre::Address>().is_ok()
}

/// A date as HR exports write it, as `YYYY-MM`: `2019-04-01`, `2019/4/1`, `2019-04`, `2019年4月`
/// (`2019年4月1日`), full-width digits too. Empty stays empty; `None` when it cannot be read.
pub(crate) fn parse_month(raw: &str) -> Option<String> {
    let text = fold(raw.trim());
    if text.is_empty() {
        return Some(String::new());
    }
    let text = text.replace(['年', '月', '/', '.'], "-").replace('日', "");
    let parts: Vec<&str> = text.trim_end_matches('-').split('-').collect();
    let number = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (year, month) = match parts.as_slice() {
        [y, m] => (number(y)?, number(m)?),
        [y, m, d] => {
            let day = number(d)?;
            if !(1..=31).contains(&day) {
                return None;
            }
            (number(y)?, number(m)?)
        }
        _ => return None,
    };
    ((1900..=2200).contains(&year) && (1..=12).contains(&month))
        .then(|| format!("{year:04}-{month:02}"))
}

/// A checked row compared with what is stored: what importing it does, to which record.
#[derive(Debug)]
pub(crate) struct PlannedRow {
    pub(crate) row: ImportRow,
    /// The stored record it updates.
    pub(crate) existing: Option<String>,
}

/// Compares each checked row with the stored records.
async fn plan(
    conn: &mut sqlx::AnyConnection,
    parsed: ParsedFile,
) -> Result<(Vec<PlannedRow>, Vec<ImportError>), AppError> {
    let mut errors = parsed.errors;
    let mut planned = Vec::new();
    for (line, record) in parsed.rows {
        let by_number = if record.employee_number.is_empty() {
            None
        } else {
            store::hr_by_employee_number(&mut *conn, &record.employee_number).await?
        };
        let by_email = store::hr_by_email(&mut *conn, &record.email).await?;
        let conflict = |field: &str, message: String| ImportError {
            line,
            field: field.to_owned(),
            problem: RowProblem::ConflictsWithStored,
            message,
        };
        let existing = match (by_number, by_email) {
            (Some(a), Some(b)) if a.id != b.id => {
                errors.push(conflict(
                    "email",
                    format!(
                        "this email is already imported for employee number {:?}",
                        b.record.employee_number
                    ),
                ));
                continue;
            }
            (None, Some(b))
                if !b.record.employee_number.is_empty() && !record.employee_number.is_empty() =>
            {
                errors.push(conflict(
                    "employee_number",
                    format!(
                        "this email is already imported with employee number {:?}",
                        b.record.employee_number
                    ),
                ));
                continue;
            }
            (Some(a), _) => Some(a),
            (None, b) => b,
        };
        let (record, action, existing) = match existing {
            None => (record, ImportAction::New, None),
            Some(stored) => {
                let merged = merge(&stored.record, record);
                let action = if merged == stored.record {
                    ImportAction::Unchanged
                } else {
                    ImportAction::Update
                };
                (merged, action, Some(stored.id))
            }
        };
        planned.push(PlannedRow {
            row: ImportRow {
                line,
                record,
                action,
            },
            existing,
        });
    }
    errors.sort_by_key(|e| e.line);
    Ok((planned, errors))
}

/// The stored record updated by an imported one; an empty cell keeps what is stored.
fn merge(stored: &HrRecord, imported: HrRecord) -> HrRecord {
    let pick = |new: String, old: &str| {
        if new.is_empty() { old.to_owned() } else { new }
    };
    HrRecord {
        employee_number: pick(imported.employee_number, &stored.employee_number),
        name: pick(imported.name, &stored.name),
        reading: pick(imported.reading, &stored.reading),
        email: pick(imported.email, &stored.email),
        joined: pick(imported.joined, &stored.joined),
        left: pick(imported.left, &stored.left),
        department: pick(imported.department, &stored.department),
    }
}

/// `POST /api/admin/import/preview`.
/// An upload must say it is CSV (as the app does, and as browsers label `.csv` files): a page
/// of another site can post only `text/plain` or form types without asking the relay first, so
/// no such page can make an admin's browser import a file.
fn csv_content_type(headers: &axum::http::HeaderMap) -> Result<(), AppError> {
    let essence = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(
        essence.as_str(),
        "text/csv" | "application/csv" | "application/vnd.ms-excel"
    ) {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType(
            "send the HR export as a CSV file (Content-Type: text/csv)".into(),
        ))
    }
}

pub(crate) async fn preview(
    State(state): State<AppState>,
    _admin: Admin,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Json<ImportReport>, AppError> {
    csv_content_type(&headers)?;
    let parsed = parse(&body)?;
    let encoding = parsed.encoding.to_owned();
    let mut conn = state.db.acquire().await?;
    let (planned, errors) = plan(&mut conn, parsed).await?;
    Ok(Json(ImportReport {
        encoding,
        rows: planned.into_iter().map(|p| p.row).collect(),
        errors,
        counts: None,
    }))
}

/// `POST /api/admin/import`: stores every row without problems, in one transaction with its
/// audit entry.
pub(crate) async fn import(
    State(state): State<AppState>,
    Admin(admin): Admin,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Json<ImportReport>, AppError> {
    csv_content_type(&headers)?;
    let parsed = parse(&body)?;
    let encoding = parsed.encoding.to_owned();
    let mut tx = crate::db::write_tx(&state.db).await?;
    let (planned, errors) = plan(&mut tx, parsed).await?;
    let mut counts = ImportCounts {
        skipped: u32::try_from(
            errors
                .iter()
                .map(|e| e.line)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
        )
        .unwrap_or(u32::MAX),
        ..ImportCounts::default()
    };
    for planned in &planned {
        match (&planned.row.action, &planned.existing) {
            (ImportAction::Unchanged, _) => counts.unchanged += 1,
            (_, Some(id)) => {
                store::update_hr_record(&mut tx, id, &planned.row.record).await?;
                counts.updated += 1;
            }
            (_, None) => {
                store::insert_hr_record(&mut tx, &super::new_id("hr"), &planned.row.record).await?;
                counts.new += 1;
            }
        }
    }
    audit::record(
        &mut tx,
        Some(&admin.id),
        AuditAction::Import,
        "",
        &serde_json::to_string(&ImportLogged {
            encoding: encoding.clone(),
            counts,
        })
        .map_err(|e| Error::Corrupt(format!("an import's audit detail: {e}")))?,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(ImportReport {
        encoding,
        rows: planned.into_iter().map(|p| p.row).collect(),
        errors,
        counts: Some(counts),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_in_the_forms_hr_exports_use() {
        for raw in [
            "2019-04-01",
            "2019/4/1",
            "2019-04",
            "2019年4月",
            "2019年4月1日",
            "２０１９／０４／０１",
            "2019/04",
        ] {
            assert_eq!(parse_month(raw).as_deref(), Some("2019-04"), "{raw}");
        }
        assert_eq!(parse_month("").as_deref(), Some(""));
        for raw in [
            "April 2019",
            "2019-13",
            "19-04",
            "2019-04-40",
            "2019",
            "2019--04",
        ] {
            assert_eq!(parse_month(raw), None, "{raw}");
        }
    }

    #[test]
    fn japanese_and_english_headers_are_recognised() {
        let file = "社員番号,氏名,フリガナ,メールアドレス,入社日,退職日,部署,備考\n\
                    E001,山田 花子,ヤマダ ハナコ,Hanako@Example.com,2012/4/1,2021/3/31,人事部,x\n";
        let parsed = parse(file.as_bytes()).expect("readable");
        assert_eq!(parsed.errors, vec![]);
        let (line, record) = &parsed.rows[0];
        assert_eq!(*line, 2);
        assert_eq!(record.email, "hanako@example.com");
        assert_eq!(record.joined, "2012-04");
        assert_eq!(record.left, "2021-03");
        assert_eq!(record.reading, "ヤマダ ハナコ");

        let english = "\u{feff}Name,E-Mail,Employee Number\nKen,ken@example.com,42\n";
        let parsed = parse(english.as_bytes()).expect("readable");
        assert_eq!(parsed.rows[0].1.employee_number, "42");
    }

    #[test]
    fn a_missing_required_column_is_a_file_error() {
        let error = parse("氏名,部署\n山田,人事部\n".as_bytes()).expect_err("no email column");
        assert!(matches!(
            error,
            CsvFileError::MissingColumn { field: "email", .. }
        ));
        assert!(error.to_string().contains("メールアドレス"));
    }

    #[test]
    fn every_row_problem_is_reported_with_line_and_field() {
        let file = "name,email,employee_number,joined,left\n\
                    ,a@example.com,1,,\n\
                    B,not-an-email,2,,\n\
                    C,c@example.com,3,someday,\n\
                    D,d@example.com,4,2020-04,2019-03\n\
                    E,e@example.com,5,,\n\
                    F,E@example.com,6,,\n\
                    G,g@example.com,5,,\n";
        let parsed = parse(file.as_bytes()).expect("readable");
        let problems: Vec<(u64, &str, RowProblem)> = parsed
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_str(), e.problem))
            .collect();
        assert_eq!(
            problems,
            vec![
                (2, "name", RowProblem::Missing),
                (3, "email", RowProblem::InvalidEmail),
                (4, "joined", RowProblem::InvalidDate),
                (5, "left", RowProblem::LeftBeforeJoined),
                (7, "email", RowProblem::DuplicateInFile),
                (8, "employee_number", RowProblem::DuplicateInFile),
            ]
        );
        assert_eq!(parsed.rows.len(), 1);
    }

    #[test]
    fn shift_jis_files_are_read() {
        let text = "氏名,メール\n佐藤 健,ken@example.com\n";
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        assert!(std::str::from_utf8(&bytes).is_err());
        let parsed = parse(&bytes).expect("readable");
        assert_eq!(parsed.encoding, "shift_jis");
        assert_eq!(parsed.rows[0].1.name, "佐藤 健");
        assert!(matches!(
            parse(b"\xff\xff\xff"),
            Err(CsvFileError::Encoding)
        ));
    }
}

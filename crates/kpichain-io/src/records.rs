//! Record files: CSV with a header row, or JSON lines (one object per line), read into a
//! record set builder. Every record keeps its `file:line` so that a bad one is reported where
//! it is; bad records themselves are judged later by the plan's policy.

use std::path::Path;

use kpichain::measure::RecordSetBuilder;
use kpichain::{Code, Issue, Origin, Path as IssuePath};

/// How a record file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    /// CSV with a header row naming the fields.
    Csv,
    /// One JSON object per line.
    JsonLines,
}

impl RecordFormat {
    /// JSON lines for names ending in `.jsonl`, `.ndjson` or `.json` (any case), else CSV.
    pub fn of_path(path: impl AsRef<Path>) -> RecordFormat {
        match path
            .as_ref()
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("jsonl" | "ndjson" | "json") => RecordFormat::JsonLines,
            _ => RecordFormat::Csv,
        }
    }
}

/// Reads the records in `bytes` (the content of `file`, a leading byte order mark ignored)
/// into `builder`, with the fields it declares. Returns the problems that stop the file from
/// being read — a missing column, a malformed line — each with its origin (`file:line`).
pub fn read_records(
    file: &str,
    format: RecordFormat,
    bytes: &[u8],
    builder: &mut RecordSetBuilder,
) -> Vec<Issue> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut problems = Vec::new();
    match format {
        RecordFormat::Csv => read_csv(file, bytes, builder, &mut problems),
        RecordFormat::JsonLines => read_jsonl(file, bytes, builder, &mut problems),
    }
    problems
}

fn read_csv(file: &str, bytes: &[u8], builder: &mut RecordSetBuilder, problems: &mut Vec<Issue>) {
    let declared = builder.schema().fields();
    let fields: Vec<String> = declared.iter().map(|f| f.name.clone()).collect();
    let optional: Vec<bool> = declared.iter().map(|f| f.optional).collect();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_string()).collect(),
        Err(e) => {
            problems.push(csv_issue(file, &e));
            return;
        }
    };
    // Where each declared field is in the file; an optional field may be absent.
    let mut at: Vec<Option<usize>> = Vec::with_capacity(fields.len());
    for (f, opt) in fields.iter().zip(&optional) {
        let found = headers.iter().position(|h| h == f);
        if found.is_none() && !opt {
            problems.push(issue(
                Code::MissingColumn,
                Origin::line(file, 1),
                format!(
                    "the header has no column \"{f}\"; the record set needs {}",
                    fields.join(",")
                ),
            ));
        }
        at.push(found);
    }
    if at.iter().zip(&optional).any(|(a, o)| a.is_none() && !o) {
        return;
    }
    let mut record = csv::StringRecord::new();
    let mut label = String::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, csv::Position::line);
                let cells: Vec<&str> = at
                    .iter()
                    .map(|a| a.and_then(|i| record.get(i)).unwrap_or(""))
                    .collect();
                label.clear();
                label.push_str(file);
                label.push(':');
                label.push_str(&line.to_string());
                builder.push_row(&cells, Some(&label));
            }
            Err(e) => {
                let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                problems.push(csv_issue(file, &e));
                if fatal {
                    break;
                }
            }
        }
    }
}

fn read_jsonl(file: &str, bytes: &[u8], builder: &mut RecordSetBuilder, problems: &mut Vec<Issue>) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        problems.push(issue(
            Code::ParseError,
            whole(file),
            "the file is not UTF-8 text".to_string(),
        ));
        return;
    };
    for (n, line) in text.lines().enumerate() {
        let line_no = n.saturating_add(1);
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                let at = Origin::line(file, line_no as u64);
                problems.push(issue(
                    Code::ParseError,
                    at,
                    format!("not a JSON object: {e}"),
                ));
                continue;
            }
        };
        let Some(obj) = value.as_object() else {
            let at = Origin::line(file, line_no as u64);
            let message = "each line must be a JSON object".to_string();
            problems.push(issue(Code::InvalidRow, at, message));
            continue;
        };
        builder.push_json(obj, Some(&format!("{file}:{line_no}")));
    }
}

/// The whole file `file`, as an origin.
pub fn whole(file: &str) -> Origin {
    Origin {
        source: file.into(),
        line: None,
        row: None,
        column: None,
    }
}

fn issue(code: Code, origin: Origin, message: String) -> Issue {
    Issue::new(code, IssuePath::root(), message).with_origin(Some(origin))
}

/// A CSV reading error as an issue at its line: a row with too many or too few cells is
/// `invalid_row`, text that is not UTF-8 `parse_error`, a failed read `io_error`.
pub fn csv_issue(file: &str, e: &csv::Error) -> Issue {
    let at = |pos: &Option<csv::Position>| match pos {
        Some(p) => Origin::line(file, p.line()),
        None => whole(file),
    };
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => issue(
            Code::InvalidRow,
            at(pos),
            format!(
                "the row has {len} fields but the header has {expected_len} (is a value with a comma missing its quotes?)"
            ),
        ),
        csv::ErrorKind::Utf8 { pos, .. } => issue(
            Code::ParseError,
            at(pos),
            "the row is not UTF-8 text; save the file as UTF-8 (in Excel: \"CSV UTF-8\")"
                .to_string(),
        ),
        csv::ErrorKind::Io(err) => issue(
            Code::IoError,
            whole(file),
            format!("cannot read the file: {}", crate::reason(err)),
        ),
        _ => issue(Code::ParseError, whole(file), e.to_string()),
    }
}

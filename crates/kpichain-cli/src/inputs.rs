//! Reading assignments, actuals, targets and units from CSV or JSON files. Each CSV row or JSON
//! object becomes `(column, Cell)` pairs with its origin (`actuals.csv:17`, `actuals.json[16]`)
//! and goes to the core's [`IntakeBuilder`], which reads ids and numbers; this module checks
//! only the files' format (header, columns, UTF-8, quoting, JSON shape).

use crate::cli::InputArgs;
use crate::error::{Failure, count, file};
use crate::progress::Progress;
use kpichain::{Cell, Code, Intake, IntakeBuilder, Issue, Origin, Path};
use kpichain_io::records::csv_issue;
use serde_json::Value;

/// The four input files and their columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Assignments,
    Actuals,
    Targets,
    Units,
}

impl Table {
    /// The columns a file must have, those it may have, and whether others are allowed
    /// (assignments keep them as attributes).
    fn columns(self) -> (&'static [&'static str], &'static [&'static str], bool) {
        match self {
            Table::Assignments => (
                &["subject", "role"],
                &["name", "unit", "region", "manager", "bonus_base"],
                true,
            ),
            Table::Actuals => (&["subject", "indicator", "value"], &["period"], false),
            Table::Targets => (
                &["subject", "indicator", "target"],
                &["threshold", "stretch"],
                false,
            ),
            Table::Units => (&["id"], &["name", "parent", "region"], false),
        }
    }

    fn known(self, column: &str) -> bool {
        let (required, optional, extra) = self.columns();
        extra || required.contains(&column) || optional.contains(&column)
    }

    fn expected(self) -> String {
        let (required, optional, _) = self.columns();
        [required, optional].concat().join(",")
    }
}

/// Where the rows of one file go: the builder, with the actuals' period filter.
struct Sink<'a> {
    builder: &'a mut IntakeBuilder,
    table: Table,
    period: Option<&'a str>,
    /// Whether a row named its period.
    named_period: bool,
}

impl Sink<'_> {
    fn issue(&mut self, code: Code, origin: Origin, message: impl Into<String>) {
        let issue = Issue::new(code, Path::root(), message).with_origin(Some(origin));
        self.builder.issue(issue);
    }

    fn row(&mut self, row: usize, origin: Origin, mut fields: Vec<(&str, Cell<'_>)>) {
        let b = &mut *self.builder;
        match self.table {
            Table::Assignments => b.assignment(row, Some(origin), &fields),
            Table::Targets => b.target(row, Some(origin), &fields),
            Table::Units => b.unit(row, Some(origin), &fields),
            Table::Actuals => {
                if let Some(at) = fields.iter().position(|(k, _)| *k == "period") {
                    let (_, cell) = fields.remove(at);
                    match cell.text() {
                        Ok(None) => {}
                        Ok(Some(p)) => {
                            self.named_period = true;
                            if self.period != Some(p.trim()) {
                                return;
                            }
                        }
                        Err(p) => {
                            let at = origin.column("period");
                            self.issue(p.code, at, p.message("the period"));
                            return;
                        }
                    }
                }
                b.actual(row, Some(origin), &fields);
            }
        }
    }
}

/// Reads every input file named on the command line; reports the problems of all files at
/// once, and nothing is evaluated when any is invalid.
pub fn load(args: &InputArgs, progress: &Progress) -> Result<Intake, Failure> {
    let mut builder = IntakeBuilder::new();
    if let Some(p) = &args.period {
        builder.period(Cell::Text(p));
    }
    let files = [
        (Some(&args.assignments), Table::Assignments),
        (args.actuals.as_ref(), Table::Actuals),
        (args.targets.as_ref(), Table::Targets),
        (args.units.as_ref(), Table::Units),
    ];
    for (path, table) in files {
        let Some(path) = path else { continue };
        let name = path.display().to_string();
        let mut sink = Sink {
            builder: &mut builder,
            table,
            period: args.period.as_deref(),
            named_period: false,
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
                if is_json(path, bytes) {
                    read_json(&name, bytes, &mut sink);
                } else {
                    read_csv(&name, bytes, progress, &mut sink);
                }
            }
            Err(e) => {
                let reason = kpichain_io::reason(&e);
                sink.issue(
                    Code::IoError,
                    file(&name),
                    format!("cannot read the file: {reason}"),
                );
            }
        }
        if sink.named_period && args.period.is_none() {
            let message = "the rows name their period; give --period to choose one";
            sink.issue(Code::MissingPeriod, file(&name), message);
        }
    }
    builder.finish().map_err(|e| {
        let n = count(e.issues.len(), "problem");
        let issues = e.issues;
        Failure::inputs(
            issues,
            format!("the input files are invalid ({n}); nothing was scored"),
        )
    })
}

/// The issue with its origin narrowed to the field its path names (`actuals[16].value` at
/// `actuals.csv:17` is `actuals.csv:17: column "value"`); an issue of neither the input files
/// nor the records is the plan's, and gets the plan file as its origin.
pub fn place(issue: Issue, plan_file: &str) -> Issue {
    let input = matches!(
        issue.path.head_key(),
        Some("assignments" | "actuals" | "targets" | "units" | "records" | "period")
    );
    if issue.origin.is_none() && !input {
        return issue.with_origin(Some(file(plan_file)));
    }
    issue.at_field()
}

/// CSV or JSON, decided by the extension, else by the first non-blank character.
fn is_json(path: &std::path::Path, text: &[u8]) -> bool {
    let ext = path.extension().and_then(|e| e.to_str());
    match ext.map(str::to_ascii_lowercase).as_deref() {
        Some("json") => true,
        Some("csv" | "txt" | "tsv") => false,
        _ => matches!(text.trim_ascii_start().first(), Some(b'[' | b'{')),
    }
}

/// A JSON value as a cell; `number` is the exact text of a number.
fn json_cell<'a>(value: &'a Value, number: &'a str) -> Cell<'a> {
    match value {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(_) => Cell::Text(number),
        Value::String(s) => Cell::Text(s),
        Value::Array(_) => Cell::Other("array"),
        Value::Object(_) => Cell::Other("object"),
    }
}

/// A JSON array of objects, one row each; an assignment's `attributes` object is read as
/// extra columns (the core's JSON shape).
fn read_json(name: &str, bytes: &[u8], sink: &mut Sink<'_>) {
    let items = match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Array(items)) => items,
        Ok(_) => {
            let message = "expected a JSON array of objects, one per row";
            return sink.issue(Code::ParseError, file(name), message);
        }
        Err(e) => {
            let (at, message) = (
                Origin::line(name, e.line() as u64),
                format!("not JSON: {e}"),
            );
            return sink.issue(Code::ParseError, at, message);
        }
    };
    for (i, item) in items.iter().enumerate() {
        let origin = Origin::row(name, i as u64);
        let Value::Object(map) = item else {
            sink.issue(Code::InvalidRow, origin, "the row is not a JSON object");
            continue;
        };
        let mut entries: Vec<(&str, &Value)> = Vec::with_capacity(map.len());
        for (key, value) in map {
            match value {
                Value::Object(attrs) if key == "attributes" && sink.table == Table::Assignments => {
                    entries.extend(attrs.iter().map(|(k, v)| (k.as_str(), v)));
                }
                _ if sink.table != Table::Actuals && !sink.table.known(key) => {
                    let at = origin.clone().column(key.as_str());
                    let message =
                        format!("unknown field; the fields are {}", sink.table.expected());
                    sink.issue(Code::UnknownField, at, message);
                }
                _ => entries.push((key.as_str(), value)),
            }
        }
        let number = |v: &Value| v.as_number().map(ToString::to_string).unwrap_or_default();
        let numbers: Vec<String> = entries.iter().map(|(_, v)| number(v)).collect();
        let fields = entries
            .iter()
            .zip(&numbers)
            .map(|((k, v), n)| (*k, json_cell(v, n)))
            .collect();
        sink.row(i, origin, fields);
    }
}

/// Progress is reported for files at least this large.
const PROGRESS_BYTES: u64 = 2 * 1024 * 1024;

/// A CSV file with a header row; every row is read, and every bad one reported.
fn read_csv(name: &str, bytes: &[u8], progress: &Progress, sink: &mut Sink<'_>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_ascii_lowercase).collect(),
        Err(e) => return sink.builder.issue(csv_issue(name, &e)),
    };
    let table = sink.table;
    let header = || Origin::line(name, 1);
    if headers.iter().all(String::is_empty) {
        let message = format!(
            "the file is empty; expected a header row {}",
            table.expected()
        );
        return sink.issue(Code::MissingColumn, header(), message);
    }
    let mut header_ok = true;
    for (i, h) in headers.iter().enumerate() {
        if headers.get(..i).is_some_and(|seen| seen.contains(h)) {
            let message = format!("column \"{h}\" appears more than once in the header");
            sink.issue(Code::DuplicateField, header(), message);
            header_ok = false;
        } else if !table.known(h) {
            let message = format!(
                "unknown column \"{h}\"; the columns are {}",
                table.expected()
            );
            sink.issue(Code::UnknownField, header(), message);
            header_ok = false;
        }
    }
    for r in table.columns().0 {
        if !headers.iter().any(|h| h == r) {
            let message = format!(
                "the header has no column \"{r}\"; expected {}",
                table.expected()
            );
            sink.issue(Code::MissingColumn, header(), message);
            header_ok = false;
        }
    }
    if !header_ok {
        return;
    }
    let bar = progress.bytes(bytes.len() as u64, PROGRESS_BYTES, name);
    let mut record = csv::StringRecord::new();
    let mut row = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, csv::Position::line);
                let fields = headers
                    .iter()
                    .zip(record.iter())
                    .map(|(h, v)| (h.as_str(), Cell::Text(v)))
                    .collect();
                sink.row(row, Origin::line(name, line), fields);
            }
            Err(e) => {
                sink.builder.issue(csv_issue(name, &e));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
            }
        }
        row = row.saturating_add(1);
        if let Some(bar) = &bar {
            if row % 8192 == 0 {
                bar.set_position(reader.position().byte());
            }
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}

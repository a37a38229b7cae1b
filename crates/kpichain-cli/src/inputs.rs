//! Reading assignments, actuals and targets from CSV or JSON files, remembering where each
//! record came from so that every problem can be reported as `file:line`.

use crate::cli::InputArgs;
use crate::error::{Failure, count};
use crate::number::parse_decimal;
use crate::progress::Progress;
use kpichain::{Actual, Assignment, Decimal, Inputs, Issue, TargetOverride};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Where a record came from: a CSV line or a JSON array index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// 1-based line number in a CSV file.
    Line(u64),
    /// 0-based index in a JSON array.
    Index(usize),
}

/// One input file and the origin of each of its records, in order.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file name as given on the command line.
    pub file: String,
    /// One origin per record.
    pub origins: Vec<Origin>,
}

impl Source {
    /// `actuals.csv:17: column "value"` or `actuals.json: [16].value`.
    pub fn place(&self, record: usize, field: Option<&str>) -> String {
        match (self.origins.get(record), field) {
            (Some(Origin::Line(line)), Some(f)) => format!("{}:{line}: column \"{f}\"", self.file),
            (Some(Origin::Line(line)), None) => format!("{}:{line}", self.file),
            (Some(Origin::Index(i)), Some(f)) => format!("{}: [{i}].{f}", self.file),
            (Some(Origin::Index(i)), None) => format!("{}: [{i}]", self.file),
            (None, _) => self.file.clone(),
        }
    }
}

/// The evaluation inputs read from files, with their sources.
#[derive(Debug)]
pub struct Loaded {
    /// What the core evaluates.
    pub inputs: Inputs,
    /// Where the assignments came from.
    pub assignments: Source,
    /// Where the actuals came from.
    pub actuals: Source,
    /// Where the targets came from, when given.
    pub targets: Option<Source>,
    /// Where the units came from, when given.
    pub units: Option<Source>,
}

impl Loaded {
    /// Describes a core issue at its place in the input files (`actuals.csv:17: column
    /// "indicator": …`), or in the plan file for plan paths.
    pub fn describe(&self, issue: &Issue, plan_file: &str) -> String {
        let path = issue.path.to_string();
        let place = split_input_path(&path).and_then(|(list, record, field)| {
            let source = match list {
                "assignments" => Some(&self.assignments),
                "actuals" => Some(&self.actuals),
                "targets" => self.targets.as_ref(),
                "units" => self.units.as_ref(),
                _ => None,
            }?;
            Some(source.place(record, field))
        });
        match place {
            Some(p) => format!("{p}: {} [{}]", issue.message, issue.code),
            // Record problems already start with their `file:line`.
            None if issue.path.head_key() == Some("records") => {
                format!("{} [{}]", issue.message, issue.code)
            }
            None if issue.path == "period" => {
                format!("--period: {} [{}]", issue.message, issue.code)
            }
            None => plan_issue(plan_file, issue),
        }
    }
}

/// `plan.json: roles[2].items: message [code]`.
pub fn plan_issue(plan_file: &str, issue: &Issue) -> String {
    if issue.path.is_empty() {
        format!("{plan_file}: {} [{}]", issue.message, issue.code)
    } else {
        format!(
            "{plan_file}: {}: {} [{}]",
            issue.path, issue.message, issue.code
        )
    }
}

/// Splits `actuals[17].value` into (`actuals`, 17, Some(`value`)).
fn split_input_path(path: &str) -> Option<(&str, usize, Option<&str>)> {
    let (list, rest) = path.split_once('[')?;
    let (index, rest) = rest.split_once(']')?;
    let index = index.parse().ok()?;
    let field = rest.strip_prefix('.').filter(|f| !f.is_empty());
    Some((list, index, field))
}

/// Reads every input file named on the command line; reports the problems of all files at
/// once, and nothing is evaluated when any is invalid.
pub fn load(args: &InputArgs, progress: &Progress) -> Result<Loaded, Failure> {
    let mut problems = Vec::new();
    let assignments = read_file(
        &args.assignments,
        progress,
        &mut problems,
        ASSIGNMENT_CSV,
        assignment_from_json,
    );
    let actuals = match &args.actuals {
        Some(path) => read_file(path, progress, &mut problems, ACTUAL_CSV, actual_from_json)
            .map(|(rows, src)| of_period(rows, src, args.period.as_deref(), &mut problems)),
        None => Some((
            Vec::new(),
            Source {
                file: "(no actuals file)".to_string(),
                origins: Vec::new(),
            },
        )),
    };
    let targets = args
        .targets
        .as_ref()
        .map(|t| read_file(t, progress, &mut problems, TARGET_CSV, target_from_json));
    let units = args
        .units
        .as_ref()
        .map(|u| read_file(u, progress, &mut problems, UNIT_CSV, unit_from_json));
    match (assignments, actuals, targets, units) {
        (Some((assignments, a_src)), Some((actuals, ac_src)), targets, units)
            if problems.is_empty() =>
        {
            let (targets, t_src) = match targets.flatten() {
                Some((t, s)) => (t, Some(s)),
                None => (Vec::new(), None),
            };
            let (units, u_src) = match units.flatten() {
                Some((u, s)) => (u, Some(s)),
                None => (Vec::new(), None),
            };
            Ok(Loaded {
                inputs: Inputs {
                    period: args.period.clone(),
                    assignments,
                    actuals,
                    targets,
                    units,
                    ..Default::default()
                },
                assignments: a_src,
                actuals: ac_src,
                targets: t_src,
                units: u_src,
            })
        }
        _ => {
            let n = problems.len();
            Err(Failure::problems(
                problems,
                format!(
                    "the input files are invalid ({}); nothing was scored",
                    count(n, "problem")
                ),
            ))
        }
    }
}

/// CSV or JSON, decided by the extension, else by the first non-blank character.
fn is_json(path: &Path, text: &[u8]) -> bool {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => true,
        Some("csv" | "txt" | "tsv") => false,
        _ => text
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'[' || *b == b'{'),
    }
}

type CsvRow<T> = fn(&Row) -> Result<T, Vec<String>>;
type JsonRow<T, J> = fn(J, &str, usize) -> Result<T, Vec<String>>;

fn read_file<T, J: DeserializeOwned>(
    path: &Path,
    progress: &Progress,
    problems: &mut Vec<String>,
    from_csv: (Spec, CsvRow<T>),
    from_json: JsonRow<T, J>,
) -> Option<(Vec<T>, Source)> {
    let file = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            problems.push(format!(
                "{file}: cannot read the file: {}",
                crate::io_reason(&e)
            ));
            return None;
        }
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let before = problems.len();
    let (records, origins) = if is_json(path, bytes) {
        read_json(&file, bytes, problems, from_json)
    } else {
        read_csv(&file, bytes, progress, problems, from_csv)
    };
    (problems.len() == before).then_some((records, Source { file, origins }))
}

fn read_json<T, J: DeserializeOwned>(
    file: &str,
    bytes: &[u8],
    problems: &mut Vec<String>,
    convert: JsonRow<T, J>,
) -> (Vec<T>, Vec<Origin>) {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<Vec<J>, _> = serde_path_to_error::deserialize(&mut de);
    let items = match parsed
        .map_err(|e| (e.path().to_string(), e.into_inner()))
        .and_then(|v| de.end().map(|()| v).map_err(|e| (String::new(), e)))
    {
        Ok(items) => items,
        Err((path, e)) => {
            let top = path.is_empty() || path == "." || path.contains('?');
            problems.push(if e.is_syntax() || e.is_eof() {
                format!("{file}: the file is not valid JSON: {e}")
            } else if top {
                format!("{file}: {e}; expected a JSON array of objects")
            } else {
                format!("{file}: {path}: {e}")
            });
            return (Vec::new(), Vec::new());
        }
    };
    let mut records = Vec::with_capacity(items.len());
    let mut origins = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match convert(item, file, i) {
            Ok(r) => {
                records.push(r);
                origins.push(Origin::Index(i));
            }
            Err(mut p) => problems.append(&mut p),
        }
    }
    (records, origins)
}

/// The columns a CSV file must and may have.
#[derive(Debug, Clone, Copy)]
struct Spec {
    required: &'static [&'static str],
    optional: &'static [&'static str],
    /// Unknown columns are kept (as attributes) instead of rejected.
    extra_allowed: bool,
}

impl Spec {
    fn expected(&self) -> String {
        let mut cols: Vec<&str> = self.required.to_vec();
        cols.extend(self.optional.iter().copied());
        cols.join(",")
    }
}

/// One CSV row with its header, for reading fields by column name.
struct Row<'a> {
    file: &'a str,
    line: u64,
    columns: &'a HashMap<String, usize>,
    headers: &'a [String],
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn place(&self, column: &str) -> String {
        format!("{}:{}: column \"{column}\"", self.file, self.line)
    }

    /// The trimmed cell, `None` when the column is absent or the cell is empty.
    fn text(&self, column: &str) -> Option<&str> {
        let i = *self.columns.get(column)?;
        self.record.get(i).map(str::trim).filter(|s| !s.is_empty())
    }

    fn required(&self, column: &str, problems: &mut Vec<String>) -> String {
        match self.text(column) {
            Some(s) => s.to_string(),
            None => {
                problems.push(format!("{}: the cell is empty", self.place(column)));
                String::new()
            }
        }
    }

    fn decimal(&self, column: &str, problems: &mut Vec<String>) -> Option<Decimal> {
        let raw = self.text(column)?;
        match parse_decimal(raw) {
            Ok(d) => Some(d),
            Err(reason) => {
                problems.push(format!("{}: {reason}", self.place(column)));
                None
            }
        }
    }

    fn required_decimal(&self, column: &str, problems: &mut Vec<String>) -> Decimal {
        if self.text(column).is_none() {
            problems.push(format!(
                "{}: the cell is empty; a decimal number is required",
                self.place(column)
            ));
            return Decimal::ZERO;
        }
        self.decimal(column, problems).unwrap_or_default()
    }

    /// Cells of columns the spec does not name.
    fn extras(&self, spec: &Spec) -> BTreeMap<String, String> {
        self.headers
            .iter()
            .zip(self.record.iter())
            .filter(|(h, _)| {
                !spec.required.contains(&h.as_str()) && !spec.optional.contains(&h.as_str())
            })
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(h, v)| (h.clone(), v.trim().to_string()))
            .collect()
    }
}

/// Progress is reported for files at least this large.
const PROGRESS_BYTES: u64 = 2 * 1024 * 1024;

fn read_csv<T>(
    file: &str,
    bytes: &[u8],
    progress: &Progress,
    problems: &mut Vec<String>,
    (spec, convert): (Spec, CsvRow<T>),
) -> (Vec<T>, Vec<Origin>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            problems.push(csv_error(file, &e));
            return (Vec::new(), Vec::new());
        }
    };
    if headers.iter().all(String::is_empty) {
        problems.push(format!(
            "{file}: the file is empty; expected a header row {}",
            spec.expected()
        ));
        return (Vec::new(), Vec::new());
    }
    let mut columns = HashMap::new();
    let mut header_ok = true;
    for (i, h) in headers.iter().enumerate() {
        if columns.insert(h.clone(), i).is_some() {
            problems.push(format!(
                "{file}:1: column \"{h}\" appears more than once in the header"
            ));
            header_ok = false;
        } else if !spec.extra_allowed
            && !spec.required.contains(&h.as_str())
            && !spec.optional.contains(&h.as_str())
        {
            problems.push(format!(
                "{file}:1: unknown column \"{h}\"; the columns are {}",
                spec.expected()
            ));
            header_ok = false;
        }
    }
    for r in spec.required {
        if !columns.contains_key(*r) {
            problems.push(format!(
                "{file}:1: the header has no column \"{r}\"; expected {}",
                spec.expected()
            ));
            header_ok = false;
        }
    }
    if !header_ok {
        return (Vec::new(), Vec::new());
    }
    let bar = progress.bytes(bytes.len() as u64, PROGRESS_BYTES, file);
    let mut records = Vec::new();
    let mut origins = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut n = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, csv::Position::line);
                let row = Row {
                    file,
                    line,
                    columns: &columns,
                    headers: &headers,
                    record: &record,
                };
                match convert(&row) {
                    Ok(r) => {
                        records.push(r);
                        origins.push(Origin::Line(line));
                    }
                    Err(mut p) => problems.append(&mut p),
                }
            }
            Err(e) => {
                let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                problems.push(csv_error(file, &e));
                if fatal {
                    break;
                }
            }
        }
        n = n.wrapping_add(1);
        if let Some(bar) = &bar {
            if n % 8192 == 0 {
                bar.set_position(reader.position().byte());
            }
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    (records, origins)
}

fn csv_error(file: &str, e: &csv::Error) -> String {
    let line = |pos: &Option<csv::Position>| {
        pos.as_ref()
            .map_or_else(String::new, |p| format!(":{}", p.line()))
    };
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => {
            format!(
                "{file}{}: the row has {} but the header has {expected_len} (is a value with a comma missing its quotes?)",
                line(pos),
                count(*len as usize, "field")
            )
        }
        csv::ErrorKind::Utf8 { pos, .. } => {
            format!(
                "{file}{}: the row is not UTF-8 text; save the file as UTF-8 (in Excel: \"CSV UTF-8\")",
                line(pos)
            )
        }
        csv::ErrorKind::Io(err) => {
            format!("{file}: cannot read the file: {}", crate::io_reason(err))
        }
        _ => format!("{file}: {e}"),
    }
}

// ---- assignments ----------------------------------------------------------------------------

const ASSIGNMENTS: Spec = Spec {
    required: &["subject", "role"],
    optional: &["name", "unit", "region", "manager", "bonus_base"],
    extra_allowed: true,
};

fn assignment_from_csv_row(row: &Row) -> Result<Assignment, Vec<String>> {
    let mut problems = Vec::new();
    let subject = row.required("subject", &mut problems);
    let role = row.required("role", &mut problems);
    let bonus_base = row.decimal("bonus_base", &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Assignment {
        subject: subject.into(),
        role,
        name: row.text("name").map(str::to_string),
        unit: row.text("unit").map(str::to_string),
        region: row.text("region").map(str::to_string),
        manager: row.text("manager").map(str::to_string),
        bonus_base,
        attributes: row.extras(&ASSIGNMENTS),
    })
}

const ASSIGNMENT_CSV: (Spec, CsvRow<Assignment>) = (ASSIGNMENTS, assignment_from_csv_row);

/// An assignment as written in a JSON file (the core's shape, numbers kept as text).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonAssignment {
    subject: String,
    role: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    manager: Option<String>,
    #[serde(default)]
    bonus_base: Option<serde_json::Value>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

fn assignment_from_json(
    a: JsonAssignment,
    file: &str,
    i: usize,
) -> Result<Assignment, Vec<String>> {
    let bonus_base = json_decimal(a.bonus_base.as_ref(), file, i, "bonus_base")?;
    Ok(Assignment {
        subject: a.subject.into(),
        role: a.role,
        name: a.name,
        unit: a.unit,
        region: a.region,
        manager: a.manager,
        bonus_base,
        attributes: a.attributes,
    })
}

// ---- actuals --------------------------------------------------------------------------------

const ACTUALS: Spec = Spec {
    required: &["subject", "indicator", "value"],
    optional: &["period"],
    extra_allowed: false,
};

/// An actual and the period its row names, if any.
struct PeriodActual {
    actual: Actual,
    period: Option<String>,
}

fn actual_from_csv_row(row: &Row) -> Result<PeriodActual, Vec<String>> {
    let mut problems = Vec::new();
    let subject = row.required("subject", &mut problems);
    let indicator = row.required("indicator", &mut problems);
    let value = row.required_decimal("value", &mut problems);
    if problems.is_empty() {
        Ok(PeriodActual {
            actual: Actual {
                subject: subject.into(),
                indicator: indicator.into(),
                value,
            },
            period: row.text("period").map(str::to_string),
        })
    } else {
        Err(problems)
    }
}

const ACTUAL_CSV: (Spec, CsvRow<PeriodActual>) = (ACTUALS, actual_from_csv_row);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonActual {
    subject: String,
    indicator: String,
    value: serde_json::Value,
    #[serde(default)]
    period: Option<String>,
}

fn actual_from_json(a: JsonActual, file: &str, i: usize) -> Result<PeriodActual, Vec<String>> {
    match json_decimal(Some(&a.value), file, i, "value")? {
        Some(value) => Ok(PeriodActual {
            actual: Actual {
                subject: a.subject.into(),
                indicator: a.indicator.into(),
                value,
            },
            period: a.period,
        }),
        None => Err(vec![format!(
            "{file}: [{i}].value: a decimal number is required, not null"
        )]),
    }
}

/// Keeps the rows of `period` (rows without a period are always kept); a file with periods
/// needs `--period`.
fn of_period(
    rows: Vec<PeriodActual>,
    src: Source,
    period: Option<&str>,
    problems: &mut Vec<String>,
) -> (Vec<Actual>, Source) {
    if period.is_none() && rows.iter().any(|r| r.period.is_some()) {
        problems.push(format!(
            "{}: the rows name their period; give --period to choose one",
            src.file
        ));
    }
    let mut origins = Vec::with_capacity(rows.len());
    let mut actuals = Vec::with_capacity(rows.len());
    for (row, origin) in rows.into_iter().zip(src.origins) {
        if row.period.is_none() || row.period.as_deref() == period {
            actuals.push(row.actual);
            origins.push(origin);
        }
    }
    (
        actuals,
        Source {
            file: src.file,
            origins,
        },
    )
}

// ---- units ----------------------------------------------------------------------------------

const UNITS: Spec = Spec {
    required: &["id"],
    optional: &["name", "parent", "region"],
    extra_allowed: false,
};

fn unit_from_csv_row(row: &Row) -> Result<kpichain::Unit, Vec<String>> {
    let mut problems = Vec::new();
    let id = row.required("id", &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(kpichain::Unit {
        id,
        name: row.text("name").map(str::to_string),
        parent: row.text("parent").map(str::to_string),
        region: row.text("region").map(str::to_string),
    })
}

const UNIT_CSV: (Spec, CsvRow<kpichain::Unit>) = (UNITS, unit_from_csv_row);

fn unit_from_json(
    u: kpichain::Unit,
    _file: &str,
    _i: usize,
) -> Result<kpichain::Unit, Vec<String>> {
    Ok(u)
}

// ---- targets --------------------------------------------------------------------------------

const TARGETS: Spec = Spec {
    required: &["subject", "indicator", "target"],
    optional: &["threshold", "stretch"],
    extra_allowed: false,
};

fn target_from_csv_row(row: &Row) -> Result<TargetOverride, Vec<String>> {
    let mut problems = Vec::new();
    let subject = row.required("subject", &mut problems);
    let indicator = row.required("indicator", &mut problems);
    let target = row.required_decimal("target", &mut problems);
    let threshold = row.decimal("threshold", &mut problems);
    let stretch = row.decimal("stretch", &mut problems);
    if problems.is_empty() {
        Ok(TargetOverride {
            subject: subject.into(),
            indicator: indicator.into(),
            target,
            threshold,
            stretch,
        })
    } else {
        Err(problems)
    }
}

const TARGET_CSV: (Spec, CsvRow<TargetOverride>) = (TARGETS, target_from_csv_row);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonTarget {
    subject: String,
    indicator: String,
    target: serde_json::Value,
    #[serde(default)]
    threshold: Option<serde_json::Value>,
    #[serde(default)]
    stretch: Option<serde_json::Value>,
}

fn target_from_json(t: JsonTarget, file: &str, i: usize) -> Result<TargetOverride, Vec<String>> {
    let mut problems = Vec::new();
    let mut field = |v: Option<&serde_json::Value>, name: &str| match json_decimal(v, file, i, name)
    {
        Ok(d) => d,
        Err(mut p) => {
            problems.append(&mut p);
            None
        }
    };
    let target = field(Some(&t.target), "target");
    let threshold = field(t.threshold.as_ref(), "threshold");
    let stretch = field(t.stretch.as_ref(), "stretch");
    match target {
        Some(target) if problems.is_empty() => Ok(TargetOverride {
            subject: t.subject.into(),
            indicator: t.indicator.into(),
            target,
            threshold,
            stretch,
        }),
        None if problems.is_empty() => Err(vec![format!(
            "{file}: [{i}].target: a decimal number is required, not null"
        )]),
        _ => Err(problems),
    }
}

/// A JSON number (exact, thanks to serde_json's arbitrary precision) or a decimal string.
fn json_decimal(
    v: Option<&serde_json::Value>,
    file: &str,
    i: usize,
    field: &str,
) -> Result<Option<Decimal>, Vec<String>> {
    let text = match v {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => {
            let kind = match other {
                serde_json::Value::Bool(_) => "a boolean",
                serde_json::Value::Array(_) => "an array",
                _ => "an object",
            };
            return Err(vec![format!(
                "{file}: [{i}].{field}: expected a decimal number (a JSON number or a string such as \"12.5\"), found {kind}"
            )]);
        }
    };
    parse_decimal(&text)
        .map(Some)
        .map_err(|reason| vec![format!("{file}: [{i}].{field}: {reason}")])
}

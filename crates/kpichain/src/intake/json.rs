//! Inputs from JSON text: the shape of [`Inputs`], except that `actuals` rows may be long
//! (`{subject, indicator, value}`) or wide (`{subject, <indicator>: value, …}`), and every
//! number is read with the one policy of [`Cell::number`]. Used by the golden vectors, the CLI's
//! JSON files, Node and Python's JSON entry points alike.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::{Cell, Intake, Place};
use crate::error::{Code, InputError, Issue, Path};
use crate::model::{Actual, Assignment, Inputs, TargetOverride, Unit};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInputs<'a> {
    #[serde(default)]
    period: Option<String>,
    #[serde(default, borrow)]
    assignments: Vec<&'a RawValue>,
    #[serde(default, borrow)]
    actuals: Vec<Row<'a>>,
    #[serde(default, borrow)]
    targets: Vec<&'a RawValue>,
    #[serde(default)]
    units: Vec<Unit>,
    #[serde(default)]
    records: BTreeMap<String, Vec<BTreeMap<String, serde_json::Value>>>,
}

/// One row of `actuals`, values kept as their raw JSON text until read as cells.
enum Row<'a> {
    Long {
        subject: &'a RawValue,
        indicator: String,
        value: Option<&'a RawValue>,
    },
    Wide {
        subject: &'a RawValue,
        values: Vec<(String, &'a RawValue)>,
    },
}

impl<'de: 'a, 'a> Deserialize<'de> for Row<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Row<'a>, D::Error> {
        deserializer.deserialize_map(RowVisitor(PhantomData))
    }
}

struct RowVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for RowVisitor<'a> {
    type Value = Row<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row {subject, indicator, value} or {subject, <indicator>: value, ...}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row<'a>, A::Error> {
        let mut subject: Option<&'a RawValue> = None;
        let mut indicator: Option<String> = None;
        let mut value: Option<&'a RawValue> = None;
        let mut others: Vec<(String, &'a RawValue)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "subject" => subject = Some(map.next_value()?),
                "indicator" => indicator = Some(map.next_value()?),
                "value" => value = Some(map.next_value()?),
                _ => others.push((key, map.next_value()?)),
            }
        }
        let subject = subject.ok_or_else(|| de::Error::missing_field("subject"))?;
        match indicator {
            Some(indicator) => {
                if let Some((key, _)) = others.first() {
                    return Err(de::Error::custom(format!(
                        "unknown field `{key}` in a long-format row (expected `subject`, `indicator`, `value`; a row without `indicator` is read as wide format)"
                    )));
                }
                Ok(Row::Long {
                    subject,
                    indicator,
                    value,
                })
            }
            None => {
                if let Some(v) = value {
                    others.push(("value".to_string(), v));
                }
                Ok(Row::Wide {
                    subject,
                    values: others,
                })
            }
        }
    }
}

/// The cell a raw JSON value holds: a number by its exact digits, a string as text.
pub(crate) fn json_cell<T>(raw: &RawValue, read: impl FnOnce(Cell<'_>) -> T) -> T {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => match text.get(1..text.len().saturating_sub(1)) {
            Some(inner) if !inner.contains('\\') => read(Cell::Text(inner)),
            _ => match serde_json::from_str::<String>(text) {
                Ok(s) => read(Cell::Text(&s)),
                Err(_) => read(Cell::Other("string")),
            },
        },
        Some(b'n') => read(Cell::Null),
        Some(b't') => read(Cell::Bool(true)),
        Some(b'f') => read(Cell::Bool(false)),
        Some(b'[') => read(Cell::Other("array")),
        Some(b'{') => read(Cell::Other("object")),
        _ => read(Cell::Text(text)),
    }
}

fn parse_issue(path: &Path, err: &dyn fmt::Display) -> Issue {
    let message = crate::read::friendly(&err.to_string());
    Issue::new(crate::read::code_of(&message), path.clone(), message)
}

/// The numbers found in a row: (position in the list of numeric fields, value).
type Numbers = Vec<(usize, Option<rust_decimal::Decimal>)>;

/// A row of `assignments` or `targets` whose numbers are read as cells: the numeric fields
/// are taken out and checked with the number policy, the rest is read by serde.
fn numbered_row<T: serde::de::DeserializeOwned>(
    raw: &RawValue,
    path: Path,
    numbers: &[&str],
    whose: impl Fn(&serde_json::Map<String, serde_json::Value>) -> String,
    issues: &mut Vec<Issue>,
) -> Option<(T, Numbers)> {
    let mut map: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(raw.get())
    {
        Ok(m) => m,
        Err(e) => {
            issues.push(parse_issue(&path, &e));
            return None;
        }
    };
    // An integer subject id is the id's digits; an empty optional field is no value.
    if let Some(serde_json::Value::Number(n)) = map.get("subject") {
        if n.is_i64() || n.is_u64() {
            let id = n.to_string();
            map.insert("subject".to_string(), serde_json::Value::String(id));
        }
    }
    map.retain(|k, v| {
        matches!(k.as_str(), "subject" | "role" | "indicator")
            || !matches!(v, serde_json::Value::String(s) if s.trim().is_empty())
    });
    let mut found = Vec::new();
    let mut ok = true;
    for (k, field) in numbers.iter().enumerate() {
        let Some(v) = map.remove(*field) else {
            continue;
        };
        let text = v.to_string();
        let cell = RawValue::from_string(text).ok();
        let read = cell.as_deref().map(|c| json_cell(c, |cell| cell.number()));
        match read {
            Some(Ok(d)) => found.push((k, d)),
            Some(Err(p)) => {
                issues.push(Issue::new(
                    p.code,
                    path.clone().key(*field),
                    p.message(&format!("{field} of {}", whose(&map))),
                ));
                ok = false;
            }
            None => ok = false,
        }
    }
    let value = serde_json::Value::Object(map);
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(t) if ok => Some((t, found)),
        Ok(_) => None,
        Err(e) => {
            let inner = crate::read::clean_path(&e.path().to_string());
            issues.push(parse_issue(&path.join(&inner), e.inner()));
            None
        }
    }
}

fn whose(map: &serde_json::Map<String, serde_json::Value>) -> String {
    let get = |k: &str| match map.get(k) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    match (get("subject"), get("indicator")) {
        (Some(s), Some(i)) => format!("subject '{s}' for indicator '{i}'"),
        (Some(s), None) => format!("subject '{s}'"),
        _ => "the row".to_string(),
    }
}

/// A subject id cell: text or an integer.
fn subject_id(raw: &RawValue, path: Path, issues: &mut Vec<Issue>) -> Option<Arc<str>> {
    let text = raw.get();
    let number = text.starts_with(|c: char| c == '-' || c.is_ascii_digit());
    let whole = text.strip_prefix('-').unwrap_or(text);
    if number && (whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit())) {
        issues.push(Issue::new(
            Code::InvalidType,
            path,
            format!("the subject id is the number {text}; an id must be text or a whole number"),
        ));
        return None;
    }
    match json_cell(raw, |c| c.text().map(|t| t.map(|t| Arc::<str>::from(&*t)))) {
        Ok(Some(id)) => Some(id),
        Ok(None) => {
            issues.push(Issue::new(
                Code::EmptyField,
                path,
                "the subject id must not be empty",
            ));
            None
        }
        Err(p) => {
            issues.push(Issue::new(p.code, path, p.message("the subject id")));
            None
        }
    }
}

/// Reads inputs from JSON text (see the module docs). Every bad value is reported, with its
/// place in the caller's rows (`actuals[5].sales` for a wide row).
pub(crate) fn read(text: &str) -> Result<Intake, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut de = serde_json::Deserializer::from_str(text);
    let raw: RawInputs<'_> = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = crate::read::clean_path(&e.path().to_string());
        InputError {
            issues: vec![parse_issue(&path, e.inner())],
        }
    })?;
    de.end().map_err(|e| InputError {
        issues: vec![parse_issue(&Path::root(), &e)],
    })?;

    let mut issues = Vec::new();
    let mut assignments = Vec::with_capacity(raw.assignments.len());
    for (i, row) in raw.assignments.iter().enumerate() {
        let path = Path::root().key("assignments").index(i);
        if let Some((mut a, nums)) =
            numbered_row::<Assignment>(row, path, &["bonus_base"], whose, &mut issues)
        {
            a.bonus_base = nums.into_iter().find_map(|(_, d)| d);
            assignments.push(a);
        }
    }
    let mut targets = Vec::with_capacity(raw.targets.len());
    for (i, row) in raw.targets.iter().enumerate() {
        let path = Path::root().key("targets").index(i);
        let fields = ["target", "threshold", "stretch"];
        let Some((mut t, nums)) =
            numbered_row::<TargetNames>(row, path.clone(), &fields, whose, &mut issues)
        else {
            continue;
        };
        let get = |k: usize| nums.iter().find(|(j, _)| *j == k).and_then(|(_, d)| *d);
        let Some(target) = get(0) else {
            issues.push(Issue::new(
                Code::MissingField,
                path.key("target"),
                format!(
                    "the target of subject '{}' for indicator '{}' is missing",
                    t.subject, t.indicator
                ),
            ));
            continue;
        };
        targets.push(TargetOverride {
            subject: std::mem::take(&mut t.subject).into(),
            indicator: std::mem::take(&mut t.indicator).into(),
            target,
            threshold: get(1),
            stretch: get(2),
        });
    }

    let mut actuals = Vec::with_capacity(raw.actuals.len());
    let mut places = Vec::with_capacity(raw.actuals.len());
    for (row, r) in raw.actuals.into_iter().enumerate() {
        let at = Path::root().key("actuals").index(row);
        match r {
            Row::Long {
                subject,
                indicator,
                value,
            } => {
                let Some(subject) = subject_id(subject, at.clone().key("subject"), &mut issues)
                else {
                    continue;
                };
                let Some(value) = value else {
                    issues.push(Issue::new(
                        Code::MissingField,
                        at.key("value"),
                        format!("the actual of subject '{subject}' for indicator '{indicator}' has no `value` (give null for a missing value)"),
                    ));
                    continue;
                };
                match json_cell(value, |c| c.number()) {
                    // No value: the subject has no actual for the indicator.
                    Ok(None) => {}
                    Ok(Some(value)) => {
                        actuals.push(Actual {
                            subject,
                            indicator: indicator.into(),
                            value,
                        });
                        places.push(Place::long(row));
                    }
                    Err(p) => issues.push(Issue::new(
                        p.code,
                        at.key("value"),
                        p.message(&format!(
                            "the actual of subject '{subject}' for indicator '{indicator}'"
                        )),
                    )),
                }
            }
            Row::Wide { subject, values } => {
                let Some(subject) = subject_id(subject, at.clone().key("subject"), &mut issues)
                else {
                    continue;
                };
                for (indicator, value) in values {
                    let column: Arc<str> = Arc::from(indicator.as_str());
                    match json_cell(value, |c| c.number()) {
                        Ok(None) => {}
                        Ok(Some(v)) => {
                            actuals.push(Actual {
                                subject: subject.clone(),
                                indicator: column.clone(),
                                value: v,
                            });
                            places.push(Place::wide(row, column));
                        }
                        Err(p) => issues.push(Issue::new(
                            p.code,
                            at.clone().key(indicator.as_str()),
                            p.message(&format!(
                                "the actual of subject '{subject}' for indicator '{indicator}'"
                            )),
                        )),
                    }
                }
            }
        }
    }
    if !issues.is_empty() {
        return Err(InputError { issues });
    }
    Ok(Intake::new(
        Inputs {
            // A blank period is no period, like an empty optional field anywhere.
            period: raw.period.filter(|p| !p.trim().is_empty()),
            assignments,
            actuals,
            targets,
            units: raw.units,
            records: raw.records,
        },
        places,
    ))
}

/// The non-numeric fields of a `targets` row.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetNames {
    subject: String,
    indicator: String,
}

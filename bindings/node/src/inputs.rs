//! Inputs from JavaScript: the core's `Inputs` JSON shape, except that `actuals` rows may be
//! long (`{subject, indicator, value}`) or wide (`{subject, <indicator>: value, …}`), and every
//! value is checked here so that a bad one is reported with its subject and indicator. Org
//! `units` and raw `records` pass through to the core unchanged (the core reads record cells by
//! their declared kinds and reports bad records as `records.SET[i].FIELD`).
//!
//! Values are taken exactly by the core's `decimal::parse_decimal`: a JSON number by its text
//! (JavaScript writes the shortest round-trip representation), a string as a decimal literal.
//! Nothing goes through `f64` and nothing is rounded.

use kpichain::Code;
use kpichain::decimal::parse_decimal;
use kpichain::{Actual, Assignment, Decimal, InputError, Inputs, Issue, TargetOverride};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;
use std::marker::PhantomData;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInputs<'a> {
    #[serde(default)]
    period: Option<String>,
    assignments: Vec<Assignment>,
    #[serde(default, borrow)]
    actuals: Vec<Row<'a>>,
    #[serde(default)]
    targets: Vec<TargetOverride>,
    #[serde(default)]
    units: Vec<kpichain::Unit>,
    #[serde(default)]
    records: std::collections::BTreeMap<
        String,
        Vec<std::collections::BTreeMap<String, serde_json::Value>>,
    >,
}

/// One row of `actuals`. Values stay as their raw JSON text (borrowed, not copied) until they
/// are converted, so a number is read from exactly the digits that were sent.
enum Row<'a> {
    Long {
        subject: String,
        indicator: String,
        value: &'a RawValue,
    },
    Wide {
        subject: String,
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
        let mut subject: Option<String> = None;
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
                let value = value.ok_or_else(|| de::Error::missing_field("value"))?;
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

/// Inputs ready for the core, with, for each actual, the caller's row it came from and
/// whether that row was wide.
pub struct Prepared {
    pub inputs: Inputs,
    origins: Vec<(usize, bool)>,
}

impl Prepared {
    /// Rewrites the core's `actuals[N]…` paths (N = flattened index) to the caller's rows:
    /// `actuals[row]…` for long rows, `actuals[row].<indicator>` for wide ones.
    pub fn map_issues(&self, mut error: InputError) -> InputError {
        for issue in &mut error.issues {
            let text = issue.path.to_string();
            let Some(rest) = text.strip_prefix("actuals[") else {
                continue;
            };
            let Some((n, tail)) = rest.split_once(']') else {
                continue;
            };
            let Ok(n) = n.parse::<usize>() else { continue };
            issue.path = match (self.origins.get(n), self.inputs.actuals.get(n)) {
                (Some(&(row, false)), _) => format!("actuals[{row}]{tail}").into(),
                (Some(&(row, true)), Some(actual)) => {
                    format!("actuals[{row}].{}", actual.indicator).into()
                }
                _ => continue,
            };
        }
        error
    }
}

/// Parses the inputs JSON text. Reports every bad value, not only the first.
pub fn prepare(text: &str) -> Result<Prepared, InputError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let raw: RawInputs<'_> = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        InputError {
            issues: vec![Issue::new(Code::ParseError, path, e.inner().to_string())],
        }
    })?;
    de.end().map_err(|e| InputError {
        issues: vec![Issue::new(Code::ParseError, "", e.to_string())],
    })?;

    let mut issues = Vec::new();
    let mut actuals = Vec::with_capacity(raw.actuals.len());
    let mut origins = Vec::with_capacity(raw.actuals.len());
    for (row, r) in raw.actuals.into_iter().enumerate() {
        match r {
            Row::Long {
                subject,
                indicator,
                value,
            } => match decimal(value) {
                Ok(value) => {
                    actuals.push(Actual {
                        subject: subject.into(),
                        indicator: indicator.into(),
                        value,
                    });
                    origins.push((row, false));
                }
                Err(why) => issues.push(bad_value(
                    format!("actuals[{row}].value"),
                    &subject,
                    &indicator,
                    &why,
                )),
            },
            Row::Wide { subject, values } => {
                let shared: std::sync::Arc<str> = std::sync::Arc::from(subject.as_str());
                for (indicator, value) in values {
                    if value.get() == "null" {
                        // An empty cell of a wide table: no actual for this indicator.
                        continue;
                    }
                    match decimal(value) {
                        Ok(v) => {
                            actuals.push(Actual {
                                subject: shared.clone(),
                                indicator: indicator.into(),
                                value: v,
                            });
                            origins.push((row, true));
                        }
                        Err(why) => issues.push(bad_value(
                            format!("actuals[{row}].{indicator}"),
                            &subject,
                            &indicator,
                            &why,
                        )),
                    }
                }
            }
        }
    }
    if !issues.is_empty() {
        return Err(InputError { issues });
    }
    Ok(Prepared {
        inputs: Inputs {
            period: raw.period,
            assignments: raw.assignments,
            actuals,
            targets: raw.targets,
            units: raw.units,
            records: raw.records,
        },
        origins,
    })
}

fn bad_value(path: String, subject: &str, indicator: &str, why: &str) -> Issue {
    Issue::new(
        Code::ParseError,
        path,
        format!("subject '{subject}', indicator '{indicator}': {why}"),
    )
}

/// Converts a raw JSON value to an exact decimal with the core's parser: a number by its
/// text (JavaScript writes the shortest round-trip representation), a string as a decimal
/// literal, never through `f64` and never rounded. Anything else is refused with a reason
/// that starts with the value.
pub fn decimal(value: &RawValue) -> Result<Decimal, String> {
    let raw = value.get();
    match raw.as_bytes().first() {
        Some(b'"') => match raw.get(1..raw.len().saturating_sub(1)) {
            Some(inner) if !inner.contains('\\') => parse_decimal(inner),
            _ => match serde_json::from_str::<String>(raw) {
                Ok(text) => parse_decimal(&text),
                Err(_) => Err(format!("{raw} is not a decimal number")),
            },
        },
        Some(b'n') => Err(
            "null is not a number (no value; NaN and ±Infinity become null in JSON)".to_string(),
        ),
        Some(b't' | b'f') => Err(format!("{raw} is a boolean, not a number")),
        Some(b'[') => Err("an array is not a number".to_string()),
        Some(b'{') => Err("an object is not a number".to_string()),
        _ => parse_decimal(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::{decimal, prepare};
    use serde_json::value::RawValue;

    #[test]
    fn units_records_and_managers_pass_through() {
        let text = r#"{"period": "2022-03",
            "assignments": [{"subject": "E1", "role": "rep", "unit": "南区", "manager": "D1"}],
            "units": [{"id": "南区", "parent": "销售部", "region": "south"}, {"id": "销售部"}],
            "records": {"orders": [{"rep": "E1", "amount": 12.50, "at": "2022-03-01T00:00:00.000Z", "vip": true, "note": null}]}}"#;
        let inputs = prepare(text).map(|p| p.inputs).map_err(|e| e.issues);
        let inputs = inputs.as_ref().ok();
        assert_eq!(
            inputs.and_then(|i| i.assignments.first()?.manager.as_deref()),
            Some("D1")
        );
        assert_eq!(
            inputs.and_then(|i| i.units.first()?.region.as_deref()),
            Some("south")
        );
        let row = inputs.and_then(|i| i.records.get("orders")?.first());
        // Numbers keep their digits (12.50, not 12.5) for the core's exact parse.
        assert_eq!(
            row.and_then(|r| r.get("amount")).map(ToString::to_string),
            Some("12.50".to_string())
        );
        assert_eq!(row.map(|r| r.len()), Some(5));
    }

    fn parse(json: &str) -> Result<String, String> {
        let raw: Box<RawValue> = serde_json::from_str(json).map_err(|e| e.to_string())?;
        decimal(&raw).map(|d| d.to_string())
    }

    #[test]
    fn numbers_by_their_text_and_strings_exactly() {
        for (json, want) in [
            ("0.1", "0.1"),
            ("1e+21", "1000000000000000000000"),
            ("1e-7", "0.0000001"),
            ("-0", "0"),
            (r#""87.50""#, "87.50"),
            (
                r#""0.1000000000000000000000000001""#,
                "0.1000000000000000000000000001",
            ),
            (r#""\u0031\u0032.5""#, "12.5"),
        ] {
            assert_eq!(parse(json), Ok(want.to_string()), "{json}");
        }
    }

    #[test]
    fn everything_else_is_refused_with_a_reason() {
        for (json, why) in [
            ("null", "no value"),
            ("true", "boolean"),
            ("[1]", "array"),
            ("{}", "object"),
            (r#""abc""#, "not a decimal number"),
            (r#""12,5""#, "not a decimal number"),
            ("1e30", "does not fit"),
            (r#""0.10000000000000000000000000001""#, "does not fit"),
        ] {
            let got = parse(json);
            assert!(
                got.as_ref().is_err_and(|e| e.contains(why)),
                "{json}: {got:?}"
            );
        }
    }
}

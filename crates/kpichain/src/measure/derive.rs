//! The entry point: measures + record sets + period → actuals and a report.

use crate::error::Code;
use rust_decimal::Decimal;

use super::def::MeasureDef;
use super::exec::{MeasureState, NO_SUBJECT, Run, Val, Why};
use super::records::{Column, ColumnData, FastMap, RecordSets, Schema, TextColumn};
use super::report::{
    BadRecordPolicy, DeriveOptions, DeriveReport, Derived, MeasureNote, MeasureReport,
    RecordSetReport,
};
use super::resolve::{Bound, CompiledMeasures};
use super::time::Period;
use crate::Actual;
use crate::decimal::round_fixed;
use crate::error::{InputError, Issue};

/// Derives the actuals of `measures` for `period` from `records`.
///
/// Every problem is reported at once and nothing is derived when there is one: unknown
/// record sets or fields, fields of the wrong kind, bad literals in conditions, two measures
/// for one indicator, record sets read in another time zone, and, under
/// [`BadRecordPolicy::Error`], every bad record. Subjects whose value is undefined (a zero
/// denominator, an average of nothing) get no actual but are named in the measure's notes;
/// the plan's missing-data policy then decides. Only a value too large for a decimal is an
/// error (`arithmetic_overflow`).
pub fn derive_actuals(
    measures: &[MeasureDef],
    records: &RecordSets,
    period: &Period,
    options: &DeriveOptions,
) -> Result<Derived, InputError> {
    derive_plain(measures, records, period, options, None)
}

/// [`derive_actuals`] for a plan's measures, compiled once.
pub(crate) fn derive_plan(
    plan: &PlanMeasures,
    measures: &[MeasureDef],
    records: &RecordSets,
    period: &Period,
    options: &DeriveOptions,
) -> Result<Derived, InputError> {
    derive_plain(measures, records, period, options, Some(plan))
}

/// Like [`derive_actuals`], with the records of each subject counted for the group `groups`
/// maps it to (an org unit): the subject fields the measures read are re-coded to the groups
/// before anything is aggregated, so averages, medians and distinct counts are the group's
/// own. Records of subjects without a group have no subject there (and are noted so).
pub(crate) fn derive_grouped(
    measures: &[MeasureDef],
    records: &RecordSets,
    period: &Period,
    options: &DeriveOptions,
    groups: Option<&FastMap<&str, &str>>,
    plan: Option<&PlanMeasures>,
) -> Result<Derived, InputError> {
    let Some(groups) = groups else {
        return derive_plain(measures, records, period, options, plan);
    };
    let computed;
    let fields = match plan {
        Some(p) => &p.compiled.subjects,
        None => {
            computed = subject_fields(measures);
            &computed
        }
    };
    let mut regrouped = RecordSets::new();
    for set in records.iter() {
        let mut set = set.clone();
        for (set_name, field) in fields {
            if set_name != set.name() {
                continue;
            }
            let Some(i) = set.schema.index_of(field) else {
                continue;
            };
            if let Some(Column {
                data: ColumnData::Text(column),
            }) = set.columns.get_mut(i)
            {
                *column = regroup(column, groups);
            }
        }
        regrouped.insert(set)?;
    }
    derive_plain(measures, &regrouped, period, options, plan)
}

/// Every (record set, subject field) pair the measures may read.
pub(crate) fn subject_fields(measures: &[MeasureDef]) -> Vec<(String, String)> {
    fn walk(v: &serde_json::Value, set: &str, subject: &str, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(map) => {
                let set = map
                    .get("records")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or(set);
                let subject = map
                    .get("subject")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or(subject);
                let pair = (set.to_string(), subject.to_string());
                if !out.contains(&pair) {
                    out.push(pair);
                }
                for child in map.values() {
                    walk(child, set, subject, out);
                }
            }
            serde_json::Value::Array(list) => {
                for child in list {
                    walk(child, set, subject, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for m in measures {
        if let Ok(v) = serde_json::to_value(&m.measure) {
            walk(&v, &m.measure.records, &m.measure.subject, &mut out);
        }
    }
    out
}

/// The column re-coded to the groups of its values (missing where a value has none).
fn regroup(column: &TextColumn, groups: &FastMap<&str, &str>) -> TextColumn {
    let mut dictionary: Vec<Box<str>> = Vec::new();
    let mut index: FastMap<&str, u32> = FastMap::default();
    let map: Vec<u32> = column
        .dictionary
        .iter()
        .map(|s| match groups.get(&**s) {
            Some(g) => *index.entry(g).or_insert_with(|| {
                dictionary.push(Box::from(*g));
                u32::try_from(dictionary.len().saturating_sub(1)).unwrap_or(TextColumn::NULL)
            }),
            None => TextColumn::NULL,
        })
        .collect();
    let codes = column
        .codes
        .iter()
        .map(|&c| {
            usize::try_from(c)
                .ok()
                .and_then(|c| map.get(c).copied())
                .unwrap_or(TextColumn::NULL)
        })
        .collect();
    TextColumn { codes, dictionary }
}

/// A plan's measures: compiled once against the declared record sets, and per measure the
/// indicator declaring it.
#[derive(Debug, Clone, Default)]
pub(crate) struct PlanMeasures {
    pub(crate) compiled: CompiledMeasures,
    pub(crate) owners: Vec<usize>,
}

/// Where measure `i` is: `indicators[j]` in a plan, `measures[i]` on its own.
fn base(plan: Option<&PlanMeasures>, i: usize) -> String {
    match plan.map(|p| p.owners.get(i)) {
        Some(Some(j)) => format!("indicators[{j}]"),
        _ => format!("measures[{i}]"),
    }
}

/// Derives with the plan's compiled measures when given; problems are reported as the
/// measures on their own report them (`measures[k]…`).
fn derive_plain(
    measures: &[MeasureDef],
    records: &RecordSets,
    period: &Period,
    options: &DeriveOptions,
    plan: Option<&PlanMeasures>,
) -> Result<Derived, InputError> {
    match plan {
        Some(p) => derive_with(measures, records, period, options, Some(p))
            .or_else(|_| derive_with(measures, records, period, options, None)),
        None => derive_with(measures, records, period, options, None),
    }
}

fn derive_with(
    measures: &[MeasureDef],
    records: &RecordSets,
    period: &Period,
    options: &DeriveOptions,
    plan: Option<&PlanMeasures>,
) -> Result<Derived, InputError> {
    let tz = options.time_zone;
    let mut issues = Vec::new();
    for set in records.iter() {
        if let Some(read_in) = set.time_zone().filter(|t| *t != tz) {
            issues.push(Issue::new(
                Code::TimeZoneMismatch,
                format!("records.{}", set.name()),
                format!(
                    "record set '{}' was read in time zone {read_in} but the plan's is {tz}",
                    set.name()
                ),
            ));
        }
        if options.bad_records == BadRecordPolicy::Error {
            issues.extend(set.bad_records().iter().flat_map(|b| b.issues()));
        }
    }
    for (i, d) in measures.iter().enumerate() {
        if measures.iter().take(i).any(|e| e.indicator == d.indicator) {
            issues.push(Issue::new(
                Code::DuplicateMeasure,
                format!("measures[{i}].indicator"),
                format!("indicator '{}' has more than one measure", d.indicator),
            ));
        }
    }
    if let Some(list) = &options.subjects {
        for (i, s) in list.iter().enumerate() {
            if list.iter().take(i).any(|t| t == s) {
                issues.push(Issue::new(
                    Code::DuplicateSubject,
                    format!("subjects[{i}]"),
                    format!("subject '{s}' is listed more than once"),
                ));
            }
        }
    }
    // The plan's measures, compiled once, bind to record sets of the declared schemas;
    // others are compiled now against the given schemas.
    let fresh: CompiledMeasures;
    let bound = match plan.and_then(|p| p.compiled.bind(records)) {
        Some(bound) => bound,
        None => {
            let bases: Vec<String> = (0..measures.len())
                .map(|i| format!("{}.measure", base(plan, i)))
                .collect();
            let schemas: Vec<(&str, &Schema)> =
                records.iter().map(|s| (s.name(), s.schema())).collect();
            fresh = match CompiledMeasures::compile(measures, &bases, &schemas, tz, Vec::new()) {
                Ok(c) => c,
                Err(mut found) => {
                    issues.append(&mut found);
                    return Err(InputError { issues });
                }
            };
            match fresh.bind(records) {
                Some(bound) => bound,
                None => return Err(InputError { issues }),
            }
        }
    };
    let Bound {
        nodes,
        subject_columns,
    } = bound;
    if !issues.is_empty() {
        return Err(InputError { issues });
    }

    let listed = options.subjects.as_deref();
    let (names, maps) = subject_space(&subject_columns, listed);
    let mut order: Vec<usize> = (0..names.len()).collect();
    if listed.is_none() {
        order.sort_unstable_by_key(|&g| names.get(g).copied().unwrap_or(""));
    }
    let run = Run { tz, maps, names };

    let mut actuals = Vec::new();
    let mut reports = Vec::with_capacity(measures.len());
    for (i, (def, node)) in measures.iter().zip(&nodes).enumerate() {
        let mut state = MeasureState {
            active: vec![false; run.names.len()],
            notes: Vec::new(),
        };
        let values = match run.eval(node, *period, &mut state) {
            Ok(v) => v,
            Err(issue) => {
                issues.push(issue);
                continue;
            }
        };
        let before = actuals.len();
        let mut without: Vec<(Why, Vec<String>)> = Vec::new();
        let indicator: std::sync::Arc<str> = std::sync::Arc::from(def.indicator.as_str());
        for &g in &order {
            let wanted = listed.is_some() || state.active.get(g).copied().unwrap_or(false);
            let (Some(value), Some(name)) = (values.get(g), run.names.get(g)) else {
                continue;
            };
            if !wanted {
                continue;
            }
            match *value {
                Val::Num(v) => actuals.push(Actual {
                    subject: std::sync::Arc::from(&**name),
                    indicator: indicator.clone(),
                    value: finish(v, def),
                }),
                Val::No(why) => match without.iter_mut().find(|(w, _)| *w == why) {
                    Some((_, names)) => names.push(name.to_string()),
                    None => without.push((why, vec![name.to_string()])),
                },
            }
        }
        without.sort();
        let path = base(plan, i);
        let mut notes: Vec<MeasureNote> = without
            .into_iter()
            .map(|(why, subjects)| MeasureNote {
                code: why.code(),
                path: format!("{}.measure.value", base(plan, i)).into(),
                period: Some(*period),
                records: 0,
                message: format!(
                    "{} subject{} no value for {period}: {}; the plan's missing-data policy applies",
                    subjects.len(),
                    if subjects.len() == 1 { " has" } else { "s have" },
                    why.reason()
                ),
                subjects,
            })
            .collect();
        notes.append(&mut state.notes);
        reports.push(MeasureReport {
            indicator: def.indicator.clone(),
            path: match plan {
                Some(_) => format!("{path}.measure").into(),
                None => path.into(),
            },
            actuals: actuals.len().saturating_sub(before),
            notes,
        });
    }
    if !issues.is_empty() {
        return Err(InputError { issues });
    }
    Ok(Derived {
        actuals,
        report: DeriveReport {
            period: *period,
            time_zone: tz,
            record_sets: records
                .iter()
                .map(|s| RecordSetReport {
                    name: s.name().to_string(),
                    records_read: s.records_read(),
                    records: s.len(),
                    bad_records: s.bad_records().len(),
                })
                .collect(),
            bad_records: records
                .iter()
                .flat_map(|s| s.bad_records().iter().cloned())
                .collect(),
            measures: reports,
        },
    })
}

/// Rounds to the measure's scale when it has one; zero is never negative.
fn finish(v: Decimal, def: &MeasureDef) -> Decimal {
    let mut v = match def.measure.scale {
        Some(scale) => round_fixed(v, scale, def.measure.rounding),
        None => v,
    };
    if v.is_zero() {
        v.set_sign_positive(true);
    }
    v
}

/// Global subject ids: the listed subjects in order, or every subject of every subject
/// column, and per column the map from its dictionary codes to global ids. Each dictionary
/// entry is hashed once; records are never hashed.
fn subject_space<'a>(
    columns: &[&'a TextColumn],
    listed: Option<&'a [String]>,
) -> (Vec<&'a str>, Vec<Vec<u32>>) {
    let mut names: Vec<&'a str> = Vec::new();
    let mut ids: FastMap<&'a str, u32> = FastMap::default();
    let add = |names: &mut Vec<&'a str>, ids: &mut FastMap<&'a str, u32>, s: &'a str| {
        let g = u32::try_from(names.len()).unwrap_or(NO_SUBJECT);
        ids.insert(s, g);
        names.push(s);
        g
    };
    if let Some(list) = listed {
        for s in list {
            add(&mut names, &mut ids, s);
        }
    }
    let maps = columns
        .iter()
        .map(|c| {
            c.dictionary
                .iter()
                .map(|s| match ids.get(&**s) {
                    Some(&g) => g,
                    None if listed.is_some() => NO_SUBJECT,
                    None => add(&mut names, &mut ids, s),
                })
                .collect()
        })
        .collect();
    (names, maps)
}

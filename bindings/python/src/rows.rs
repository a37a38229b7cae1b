//! Plain Python rows → core inputs.
//!
//! * assignments: dicts `{"subject", "role", "name"?, "unit"?, "region"?, "bonus_base"?, …}`
//!   (other keys become attributes, or actuals when no separate actuals are given and the key
//!   is an indicator of the plan), or tuples `(subject, role[, name, unit, region, bonus_base])`;
//! * actuals: long dicts `{"subject", "indicator", "value"}` or tuples
//!   `(subject, indicator, value)`, or wide dicts `{"subject", "<indicator>": value, …}`;
//! * targets: dicts `{"subject", "indicator", "target", "threshold"?, "stretch"?}` or tuples
//!   `(subject, indicator, target[, threshold[, stretch]])`.
//!
//! A `None` value is a missing actual. Every problem is collected and reported at once.

use kpichain::Code;
use std::collections::{HashMap, HashSet};

use kpichain::{Actual, Assignment, TargetOverride, Unit};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyString, PyTuple};
use rust_decimal::Decimal;

use crate::inputs::*;
use crate::numbers;

/// A row as either a dict or a positional sequence.
enum Row<'py> {
    Dict(Bound<'py, PyDict>),
    Seq(Vec<Bound<'py, PyAny>>),
}

fn as_row<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Option<Row<'py>>> {
    if let Ok(d) = obj.cast::<PyDict>() {
        return Ok(Some(Row::Dict(d.clone())));
    }
    if obj.is_instance_of::<PyTuple>() || obj.is_instance_of::<PyList>() {
        return Ok(Some(Row::Seq(
            obj.try_iter()?.collect::<PyResult<Vec<_>>>()?,
        )));
    }
    if let Ok(m) = obj.cast::<pyo3::types::PyMapping>() {
        let d = PyDict::new(obj.py());
        for item in m.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            d.set_item(k, v)?;
        }
        return Ok(Some(Row::Dict(d)));
    }
    Ok(None)
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_string())
}

/// `str`, or an `int` written in decimal; `None` for None. `Err(type name)` otherwise.
fn text(obj: &Bound<'_, PyAny>) -> PyResult<Result<Option<String>, String>> {
    if obj.is_none() {
        return Ok(Ok(None));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Ok(Some(s.to_cow()?.into_owned())));
    }
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        return Ok(Ok(Some(obj.str()?.to_cow()?.into_owned())));
    }
    Ok(Err(type_name(obj)))
}

fn iterate<'py>(
    obj: &Bound<'py, PyAny>,
    list: &str,
    c: &mut Collector,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if obj.is_instance_of::<PyString>() || obj.cast::<PyDict>().is_ok() {
        c.push(
            Code::InvalidType,
            list,
            format!(
                "{list} must be a list of rows (dicts or tuples) or a data frame, not a {}",
                type_name(obj)
            ),
        );
        return Ok(Vec::new());
    }
    match obj.try_iter() {
        Ok(it) => it.collect(),
        Err(_) => {
            c.push(
                Code::InvalidType,
                list,
                format!(
                    "{list} must be a list of rows (dicts or tuples) or a data frame, not a {}",
                    type_name(obj)
                ),
            );
            Ok(Vec::new())
        }
    }
}

struct Ctx<'a> {
    c: Collector,
    indicators: &'a HashSet<String>,
}

impl Ctx<'_> {
    /// A required text field.
    fn required(
        &mut self,
        v: Option<&Bound<'_, PyAny>>,
        path: String,
        field: &str,
    ) -> PyResult<Option<String>> {
        match v.map(text).transpose()? {
            Some(Ok(Some(s))) => Ok(Some(s)),
            Some(Err(t)) => {
                self.c.push(
                    Code::InvalidType,
                    path,
                    format!("`{field}` must be a str (or an int id), not {t}"),
                );
                Ok(None)
            }
            _ => {
                self.c
                    .push(Code::MissingField, path, format!("`{field}` is required"));
                Ok(None)
            }
        }
    }

    /// An optional text field.
    fn optional(
        &mut self,
        v: Option<&Bound<'_, PyAny>>,
        path: String,
        field: &str,
    ) -> PyResult<Option<String>> {
        match v.map(text).transpose()? {
            Some(Ok(s)) => Ok(s),
            Some(Err(t)) => {
                self.c.push(
                    Code::InvalidType,
                    path,
                    format!("`{field}` must be a str or None, not {t}"),
                );
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// A number; `None` when absent or None.
    fn number(
        &mut self,
        v: Option<&Bound<'_, PyAny>>,
        path: String,
        what: &str,
    ) -> PyResult<Option<Decimal>> {
        let Some(v) = v else { return Ok(None) };
        match numbers::from_py(v)? {
            Ok(d) => Ok(d),
            Err(p) => {
                self.c.number(path, &p, what);
                Ok(None)
            }
        }
    }
}

fn get<'py>(
    d: &Bound<'py, PyDict>,
    key: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    d.get_item(key)
}

/// Converts assignment rows. With `combined`, keys that are indicators of the plan become
/// actuals (recorded in `actuals`/`origins`).
pub(crate) fn assignments(
    obj: &Bound<'_, PyAny>,
    indicators: &HashSet<String>,
    combined: bool,
    c: &mut Collector,
    actuals: &mut Vec<Actual>,
    origins: &mut Origins,
) -> PyResult<Vec<Assignment>> {
    let py = obj.py();
    let mut ctx = Ctx {
        c: std::mem::take(c),
        indicators,
    };
    let mut columns: HashMap<String, u32> = HashMap::new();
    let k_subject = intern!(py, SUBJECT);
    let k_role = intern!(py, ROLE);
    let k_name = intern!(py, NAME);
    let k_unit = intern!(py, UNIT);
    let k_region = intern!(py, REGION);
    let k_manager = intern!(py, MANAGER);
    let k_bonus = intern!(py, BONUS_BASE);

    let rows = iterate(obj, "assignments", &mut ctx.c)?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let p = |f: &str| format!("assignments[{i}].{f}");
        let mut a = Assignment::default();
        match as_row(row)? {
            Some(Row::Dict(d)) => {
                let subject = ctx.required(get(&d, k_subject)?.as_ref(), p(SUBJECT), SUBJECT)?;
                a.role = ctx
                    .required(get(&d, k_role)?.as_ref(), p(ROLE), ROLE)?
                    .unwrap_or_default();
                a.name = ctx.optional(get(&d, k_name)?.as_ref(), p(NAME), NAME)?;
                a.unit = ctx.optional(get(&d, k_unit)?.as_ref(), p(UNIT), UNIT)?;
                a.region = ctx.optional(get(&d, k_region)?.as_ref(), p(REGION), REGION)?;
                a.manager = ctx.optional(get(&d, k_manager)?.as_ref(), p(MANAGER), MANAGER)?;
                let subject = subject.unwrap_or_default();
                a.bonus_base = ctx.number(
                    get(&d, k_bonus)?.as_ref(),
                    p(BONUS_BASE),
                    &format!("the bonus_base of subject '{subject}'"),
                )?;
                for (k, v) in d.iter() {
                    let Ok(key) = k.cast::<PyString>() else {
                        ctx.c.push(
                            Code::InvalidType,
                            format!("assignments[{i}]"),
                            "keys must be strings",
                        );
                        continue;
                    };
                    let key = key.to_cow()?;
                    if ASSIGNMENT_FIELDS.contains(&key.as_ref()) {
                        continue;
                    }
                    if combined && ctx.indicators.contains(key.as_ref()) {
                        wide_cell(
                            &mut ctx,
                            actuals,
                            origins,
                            &mut columns,
                            i,
                            &subject,
                            &key,
                            &v,
                        )?;
                    } else if key == "attributes" && v.cast::<PyDict>().is_ok() {
                        // The core's JSON shape nests attributes in a dict.
                        for (ak, av) in v.cast::<PyDict>()?.iter() {
                            if !av.is_none() {
                                a.attributes.insert(
                                    ak.str()?.to_cow()?.into_owned(),
                                    av.str()?.to_cow()?.into_owned(),
                                );
                            }
                        }
                    } else if !v.is_none() {
                        a.attributes
                            .insert(key.into_owned(), v.str()?.to_cow()?.into_owned());
                    }
                }
                a.subject = subject.into();
            }
            Some(Row::Seq(items)) => {
                if !(2..=6).contains(&items.len()) {
                    ctx.c.push(
                        Code::InvalidRow,
                        format!("assignments[{i}]"),
                        "an assignment tuple is (subject, role[, name, unit, region, bonus_base])",
                    );
                    continue;
                }
                a.subject = ctx
                    .required(items.first(), p(SUBJECT), SUBJECT)?
                    .unwrap_or_default()
                    .into();
                a.role = ctx
                    .required(items.get(1), p(ROLE), ROLE)?
                    .unwrap_or_default();
                a.name = ctx.optional(items.get(2), p(NAME), NAME)?;
                a.unit = ctx.optional(items.get(3), p(UNIT), UNIT)?;
                a.region = ctx.optional(items.get(4), p(REGION), REGION)?;
                a.bonus_base = ctx.number(
                    items.get(5),
                    p(BONUS_BASE),
                    &format!("the bonus_base of subject '{}'", a.subject),
                )?;
            }
            None => {
                ctx.c.push(
                    Code::InvalidRow,
                    format!("assignments[{i}]"),
                    format!(
                        "an assignment must be a dict or a tuple, not {}",
                        type_name(row)
                    ),
                );
                continue;
            }
        }
        out.push(a);
    }
    finish_columns(origins, columns);
    *c = ctx.c;
    Ok(out)
}

/// Converts actual rows (long or wide).
pub(crate) fn actuals(
    obj: &Bound<'_, PyAny>,
    indicators: &HashSet<String>,
    layout: Layout,
    c: &mut Collector,
    origins: &mut Origins,
) -> PyResult<Vec<Actual>> {
    let py = obj.py();
    let mut ctx = Ctx {
        c: std::mem::take(c),
        indicators,
    };
    let mut columns: HashMap<String, u32> = HashMap::new();
    let k_subject = intern!(py, SUBJECT);
    let k_indicator = intern!(py, INDICATOR);
    let k_value = intern!(py, VALUE);
    let rows = iterate(obj, "actuals", &mut ctx.c)?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let p = |f: &str| format!("actuals[{i}].{f}");
        match as_row(row)? {
            Some(Row::Dict(d)) => {
                let long = match layout {
                    Layout::Long => true,
                    Layout::Wide => false,
                    Layout::Auto => d.contains(k_indicator)?,
                };
                let subject = ctx.required(get(&d, k_subject)?.as_ref(), p(SUBJECT), SUBJECT)?;
                if long {
                    let indicator =
                        ctx.required(get(&d, k_indicator)?.as_ref(), p(INDICATOR), INDICATOR)?;
                    let value = get(&d, k_value)?;
                    if value.is_none() {
                        ctx.c.push(
                            Code::MissingField,
                            p(VALUE),
                            "`value` is required (use None for a missing value)",
                        );
                    }
                    if let (Some(s), Some(ind)) = (subject, indicator) {
                        let what = actual_what(&s, &ind);
                        if let Some(v) = ctx.number(value.as_ref(), p(VALUE), &what)? {
                            origins.long(i);
                            out.push(Actual {
                                subject: s.into(),
                                indicator: ind.into(),
                                value: v,
                            });
                        }
                    }
                } else {
                    let subject = subject.unwrap_or_default();
                    for (k, v) in d.iter() {
                        let Ok(key) = k.cast::<PyString>() else {
                            ctx.c.push(
                                Code::InvalidType,
                                format!("actuals[{i}]"),
                                "keys must be strings",
                            );
                            continue;
                        };
                        let key = key.to_cow()?;
                        match classify(&key, ctx.indicators) {
                            WideColumn::Subject | WideColumn::Assignment | WideColumn::Ignored => {}
                            WideColumn::Indicator => {
                                wide_cell(
                                    &mut ctx,
                                    &mut out,
                                    origins,
                                    &mut columns,
                                    i,
                                    &subject,
                                    &key,
                                    &v,
                                )?;
                            }
                            WideColumn::Other => {
                                unknown_column(&mut ctx.c, &format!("actuals[{i}]"), &key)
                            }
                        }
                    }
                }
            }
            Some(Row::Seq(items)) => {
                if items.len() != 3 || layout == Layout::Wide {
                    ctx.c.push(
                        Code::InvalidRow,
                        format!("actuals[{i}]"),
                        "an actual tuple is (subject, indicator, value)",
                    );
                    continue;
                }
                let subject = ctx.required(items.first(), p(SUBJECT), SUBJECT)?;
                let indicator = ctx.required(items.get(1), p(INDICATOR), INDICATOR)?;
                if let (Some(s), Some(ind)) = (subject, indicator) {
                    let what = actual_what(&s, &ind);
                    if let Some(v) = ctx.number(items.get(2), p(VALUE), &what)? {
                        origins.long(i);
                        out.push(Actual {
                            subject: s.into(),
                            indicator: ind.into(),
                            value: v,
                        });
                    }
                }
            }
            None => ctx.c.push(
                Code::InvalidRow,
                format!("actuals[{i}]"),
                format!(
                    "an actual must be a dict or a tuple, not {}",
                    type_name(row)
                ),
            ),
        }
    }
    finish_columns(origins, columns);
    *c = ctx.c;
    Ok(out)
}

/// Converts target rows.
pub(crate) fn targets(
    obj: &Bound<'_, PyAny>,
    indicators: &HashSet<String>,
    c: &mut Collector,
) -> PyResult<Vec<TargetOverride>> {
    let py = obj.py();
    let mut ctx = Ctx {
        c: std::mem::take(c),
        indicators,
    };
    let k_subject = intern!(py, SUBJECT);
    let k_indicator = intern!(py, INDICATOR);
    let k_target = intern!(py, TARGET);
    let k_threshold = intern!(py, THRESHOLD);
    let k_stretch = intern!(py, STRETCH);
    let rows = iterate(obj, "targets", &mut ctx.c)?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let p = |f: &str| format!("targets[{i}].{f}");
        let fields: [Option<Bound<'_, PyAny>>; 5] = match as_row(row)? {
            Some(Row::Dict(d)) => [
                get(&d, k_subject)?,
                get(&d, k_indicator)?,
                get(&d, k_target)?,
                get(&d, k_threshold)?,
                get(&d, k_stretch)?,
            ],
            Some(Row::Seq(items)) if (3..=5).contains(&items.len()) => {
                let mut it = items.into_iter();
                [it.next(), it.next(), it.next(), it.next(), it.next()]
            }
            _ => {
                ctx.c.push(
                    Code::InvalidRow,
                    format!("targets[{i}]"),
                    "a target is a dict or a tuple (subject, indicator, target[, threshold[, stretch]])",
                );
                continue;
            }
        };
        let [subject, indicator, target, threshold, stretch] = fields;
        let (Some(s), Some(ind)) = (
            ctx.required(subject.as_ref(), p(SUBJECT), SUBJECT)?,
            ctx.required(indicator.as_ref(), p(INDICATOR), INDICATOR)?,
        ) else {
            continue;
        };
        let what = |f: &str| format!("the {f} of subject '{s}' for indicator '{ind}'");
        let target = ctx.number(target.as_ref(), p(TARGET), &what(TARGET))?;
        let threshold = ctx.number(threshold.as_ref(), p(THRESHOLD), &what(THRESHOLD))?;
        let stretch = ctx.number(stretch.as_ref(), p(STRETCH), &what(STRETCH))?;
        match target {
            Some(target) => out.push(TargetOverride {
                subject: s.into(),
                indicator: ind.into(),
                target,
                threshold,
                stretch,
            }),
            None => ctx
                .c
                .push(Code::MissingField, p(TARGET), "`target` is required"),
        }
    }
    *c = ctx.c;
    Ok(out)
}

fn finish_columns(origins: &mut Origins, columns: HashMap<String, u32>) {
    let mut cols: Vec<(String, u32)> = columns.into_iter().collect();
    cols.sort_by_key(|(_, i)| *i);
    origins.columns = cols.into_iter().map(|(n, _)| n).collect();
}

#[allow(clippy::too_many_arguments)]
fn wide_cell(
    ctx: &mut Ctx<'_>,
    actuals: &mut Vec<Actual>,
    origins: &mut Origins,
    columns: &mut HashMap<String, u32>,
    row: usize,
    subject: &str,
    indicator: &str,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let what = actual_what(subject, indicator);
    let path = format!("{}[{row}].{indicator}", origins.list);
    let Some(v) = ctx.number(Some(value), path, &what)? else {
        return Ok(());
    };
    let next = u32::try_from(columns.len()).unwrap_or(u32::MAX);
    let col = *columns.entry(indicator.to_string()).or_insert(next);
    origins.wide(row, col as usize);
    actuals.push(Actual {
        subject: subject.into(),
        indicator: indicator.into(),
        value: v,
    });
    Ok(())
}

/// Converts org unit rows: dicts `{"id", "name"?, "parent"?, "region"?}` or tuples
/// `(id[, name[, parent[, region]]])`.
pub(crate) fn units(obj: &Bound<'_, PyAny>, c: &mut Collector) -> PyResult<Vec<Unit>> {
    let py = obj.py();
    let none = HashSet::new();
    let mut ctx = Ctx {
        c: std::mem::take(c),
        indicators: &none,
    };
    let (k_id, k_name, k_parent, k_region) = (
        intern!(py, ID),
        intern!(py, NAME),
        intern!(py, PARENT),
        intern!(py, REGION),
    );
    let rows = iterate(obj, "units", &mut ctx.c)?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let p = |f: &str| format!("units[{i}].{f}");
        let fields: [Option<Bound<'_, PyAny>>; 4] = match as_row(row)? {
            Some(Row::Dict(d)) => {
                for k in d.keys() {
                    let known = k
                        .cast::<PyString>()
                        .ok()
                        .map(|s| s.to_cow().map(|k| UNIT_FIELDS.contains(&k.as_ref())))
                        .transpose()?;
                    if known != Some(true) {
                        let k = k.str()?.to_cow()?.into_owned();
                        ctx.c.push(
                            Code::UnknownField,
                            p(&k),
                            format!("a unit has `id`, `name`, `parent` and `region`; `{k}` is not one of them"),
                        );
                    }
                }
                [
                    get(&d, k_id)?,
                    get(&d, k_name)?,
                    get(&d, k_parent)?,
                    get(&d, k_region)?,
                ]
            }
            Some(Row::Seq(items)) if (1..=4).contains(&items.len()) => {
                let mut it = items.into_iter();
                [it.next(), it.next(), it.next(), it.next()]
            }
            _ => {
                ctx.c.push(
                    Code::InvalidRow,
                    format!("units[{i}]"),
                    "a unit is a dict or a tuple (id[, name[, parent[, region]]])",
                );
                continue;
            }
        };
        let [id, name, parent, region] = fields;
        let id = ctx.required(id.as_ref(), p(ID), ID)?;
        let name = ctx.optional(name.as_ref(), p(NAME), NAME)?;
        let parent = ctx.optional(parent.as_ref(), p(PARENT), PARENT)?;
        let region = ctx.optional(region.as_ref(), p(REGION), REGION)?;
        if let Some(id) = id {
            out.push(Unit {
                id,
                name,
                parent,
                region,
            });
        }
    }
    *c = ctx.c;
    Ok(out)
}

//! Arrow tables (pandas, polars, pyarrow … through the Arrow C stream interface) → core inputs.
//!
//! Runs without the interpreter: the tables were imported as Arrow `RecordBatch`es first, and
//! every value is read column by column from Arrow buffers; no Python object is created per row.
//!
//! Column rules: text columns may be any string type, dictionary-encoded strings or integers;
//! number columns may be integers, floats (shortest repr; NaN and null mean missing),
//! decimals (exact) or decimal text. Boolean number columns are rejected.

use kpichain::Code;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Float32Type, Float64Type, Int64Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_cast::{CastOptions, cast_with_options};
use arrow_schema::{DataType, SchemaRef};
use kpichain::{Actual, Assignment, TargetOverride, Unit};
use rust_decimal::Decimal;

use crate::inputs::*;
use crate::numbers::{self, NumProblem};

/// An imported table: its schema and record batches.
pub(crate) struct Table {
    pub(crate) schema: SchemaRef,
    pub(crate) batches: Vec<RecordBatch>,
}

const STRICT: CastOptions<'static> = CastOptions {
    safe: false,
    format_options: arrow_cast::display::FormatOptions::new(),
};

fn type_issue(c: &mut Collector, path: String, dt: &DataType, want: &str) {
    c.push(
        Code::UnsupportedColumnType,
        path,
        format!("a column of type {dt} cannot be read as {want}"),
    );
}

/// A text column (ids, names), read as large UTF-8.
struct TextCol(ArrayRef);

impl TextCol {
    fn new(col: &ArrayRef) -> Option<TextCol> {
        if matches!(
            col.data_type(),
            DataType::Boolean | DataType::Float16 | DataType::Float32 | DataType::Float64
        ) {
            return None;
        }
        let cast = cast_with_options(col, &DataType::LargeUtf8, &STRICT).ok()?;
        cast.as_string_opt::<i64>()?;
        Some(TextCol(cast))
    }

    fn get(&self, i: usize) -> Option<&str> {
        let a = self.0.as_string_opt::<i64>()?;
        if a.is_null(i) { None } else { Some(a.value(i)) }
    }
}

/// A number column.
enum NumCol {
    Null,
    Bool(ArrayRef),
    Int(ArrayRef),
    UInt(ArrayRef),
    F32(ArrayRef),
    F64(ArrayRef),
    Dec(ArrayRef, i8),
    Text(ArrayRef),
}

impl NumCol {
    fn new(col: &ArrayRef) -> Option<NumCol> {
        let dt = col.data_type();
        Some(match dt {
            DataType::Null => NumCol::Null,
            DataType::Boolean => NumCol::Bool(col.clone()),
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32 => {
                NumCol::Int(cast_with_options(col, &DataType::Int64, &STRICT).ok()?)
            }
            DataType::UInt64 => NumCol::UInt(col.clone()),
            DataType::Float16 => {
                NumCol::F32(cast_with_options(col, &DataType::Float32, &STRICT).ok()?)
            }
            DataType::Float32 => NumCol::F32(col.clone()),
            DataType::Float64 => NumCol::F64(col.clone()),
            DataType::Decimal128(_, s) => NumCol::Dec(col.clone(), *s),
            DataType::Decimal32(_, s) | DataType::Decimal64(_, s) | DataType::Decimal256(_, s) => {
                NumCol::Dec(
                    cast_with_options(col, &DataType::Decimal128(38, *s), &STRICT).ok()?,
                    *s,
                )
            }
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                NumCol::Text(cast_with_options(col, &DataType::LargeUtf8, &STRICT).ok()?)
            }
            DataType::Dictionary(_, value) => {
                let decoded = cast_with_options(col, value, &STRICT).ok()?;
                return NumCol::new(&decoded);
            }
            _ => return None,
        })
    }

    /// The value at row `i`; `Ok(None)` when missing (null, or NaN in a float column).
    fn get(&self, i: usize) -> Result<Option<Decimal>, NumProblem> {
        fn val<T: arrow_array::ArrowPrimitiveType>(a: &ArrayRef, i: usize) -> Option<T::Native> {
            let p = a.as_primitive_opt::<T>()?;
            if p.is_null(i) { None } else { Some(p.value(i)) }
        }
        match self {
            NumCol::Null => Ok(None),
            NumCol::Bool(a) => Ok(if a.is_null(i) {
                None
            } else {
                return Err(NumProblem::Bool);
            }),
            NumCol::Int(a) => Ok(val::<Int64Type>(a, i).map(Decimal::from)),
            NumCol::UInt(a) => Ok(val::<UInt64Type>(a, i).map(Decimal::from)),
            NumCol::F32(a) => match val::<Float32Type>(a, i) {
                None => Ok(None),
                Some(v) if v.is_nan() => Ok(None),
                Some(v) => numbers::from_f32(v).map(Some),
            },
            NumCol::F64(a) => match val::<Float64Type>(a, i) {
                None => Ok(None),
                Some(v) if v.is_nan() => Ok(None),
                Some(v) => numbers::from_f64(v).map(Some),
            },
            NumCol::Dec(a, s) => match val::<Decimal128Type>(a, i) {
                None => Ok(None),
                Some(m) => numbers::from_scaled_i128(m, *s).map(Some),
            },
            NumCol::Text(a) => match a.as_string_opt::<i64>() {
                Some(t) if !t.is_null(i) => numbers::parse_text(t.value(i)).map(Some),
                _ => Ok(None),
            },
        }
    }
}

/// Looks a column up by name in one batch.
fn column<'a>(batch: &'a RecordBatch, name: &str) -> Option<&'a ArrayRef> {
    batch
        .schema_ref()
        .index_of(name)
        .ok()
        .and_then(|i| batch.columns().get(i))
}

fn has(table: &Table, name: &str) -> bool {
    table.schema.index_of(name).is_ok()
}

fn require(table: &Table, list: &str, name: &str, what: &str, c: &mut Collector) -> bool {
    if has(table, name) {
        return true;
    }
    let found: Vec<&str> = table
        .schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    c.push(
        Code::MissingColumn,
        format!("{list}.{name}"),
        format!("the {list} table has no `{name}` column ({what}); its columns are {found:?}"),
    );
    false
}

fn text_col(
    batch: &RecordBatch,
    list: &str,
    name: &str,
    c: &mut Collector,
    warned: &mut HashSet<String>,
) -> Option<TextCol> {
    let col = column(batch, name)?;
    let t = TextCol::new(col);
    if t.is_none() && warned.insert(name.to_string()) {
        type_issue(c, format!("{list}.{name}"), col.data_type(), "text");
    }
    t
}

fn num_col(
    batch: &RecordBatch,
    list: &str,
    name: &str,
    c: &mut Collector,
    warned: &mut HashSet<String>,
) -> Option<NumCol> {
    let col = column(batch, name)?;
    let n = NumCol::new(col);
    if n.is_none() && warned.insert(name.to_string()) {
        type_issue(c, format!("{list}.{name}"), col.data_type(), "a number");
    }
    n
}

/// Shares one `Arc<str>` per distinct id, so that an id repeated on many rows (a subject's
/// long-format rows, an indicator) is stored once.
#[derive(Default)]
struct Interner {
    last: Option<Arc<str>>,
    seen: HashSet<Arc<str>>,
}

impl Interner {
    fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(last) = &self.last {
            if **last == *s {
                return last.clone();
            }
        }
        let shared = match self.seen.get(s) {
            Some(a) => a.clone(),
            None => {
                let a: Arc<str> = Arc::from(s);
                self.seen.insert(a.clone());
                a
            }
        };
        self.last = Some(shared.clone());
        shared
    }
}

fn required_text<'a>(
    col: &'a Option<TextCol>,
    i: usize,
    row: usize,
    list: &str,
    field: &str,
    c: &mut Collector,
) -> Option<&'a str> {
    let col = col.as_ref()?;
    match col.get(i) {
        Some(s) => Some(s),
        None => {
            c.push(
                Code::MissingField,
                format!("{list}[{row}].{field}"),
                format!("`{field}` is required but the cell is empty"),
            );
            None
        }
    }
}

fn opt_text(col: &Option<TextCol>, i: usize) -> Option<String> {
    col.as_ref().and_then(|t| t.get(i)).map(str::to_string)
}

fn number(
    col: &Option<NumCol>,
    i: usize,
    path: impl FnOnce() -> String,
    what: impl FnOnce() -> String,
    c: &mut Collector,
) -> Option<Decimal> {
    match col.as_ref()?.get(i) {
        Ok(v) => v,
        Err(p) => {
            c.number(path(), &p, &what());
            None
        }
    }
}

/// Converts an assignments table. With `combined`, columns named after indicators of the plan
/// are actuals (wide); other extra columns become attributes.
pub(crate) fn assignments(
    table: &Table,
    indicators: &HashSet<String>,
    combined: bool,
    c: &mut Collector,
    actuals: &mut Vec<Actual>,
    origins: &mut Origins,
) -> Vec<Assignment> {
    const LIST: &str = "assignments";
    let ok_subject = require(table, LIST, SUBJECT, "the subject id", c);
    let ok_role = require(table, LIST, ROLE, "the role id from the plan", c);
    if !(ok_subject && ok_role) {
        return Vec::new();
    }
    let names: Vec<String> = table
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let indicator_cols: Vec<(usize, &String)> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| combined && indicators.contains(n.as_str()) && n.as_str() != SUBJECT)
        .collect();
    let attribute_cols: Vec<&String> = names
        .iter()
        .filter(|n| {
            !(ASSIGNMENT_FIELDS.contains(&n.as_str())
                || is_index_artifact(n)
                || combined && indicators.contains(n.as_str()))
        })
        .collect();
    origins.columns = names.clone();
    let rows: usize = table.batches.iter().map(RecordBatch::num_rows).sum();
    let mut out = Vec::with_capacity(rows);
    let mut warned = HashSet::new();
    let mut row0 = 0usize;
    for batch in &table.batches {
        let subject = text_col(batch, LIST, SUBJECT, c, &mut warned);
        let role = text_col(batch, LIST, ROLE, c, &mut warned);
        let name = text_col(batch, LIST, NAME, c, &mut warned);
        let unit = text_col(batch, LIST, UNIT, c, &mut warned);
        let region = text_col(batch, LIST, REGION, c, &mut warned);
        let manager = text_col(batch, LIST, MANAGER, c, &mut warned);
        let bonus = num_col(batch, LIST, BONUS_BASE, c, &mut warned);
        let values: Vec<(usize, Arc<str>, Option<NumCol>)> = indicator_cols
            .iter()
            .map(|&(k, n)| {
                (
                    k,
                    Arc::from(n.as_str()),
                    num_col(batch, LIST, n, c, &mut warned),
                )
            })
            .collect();
        let attrs: Vec<(&String, Option<TextCol>)> = attribute_cols
            .iter()
            .map(|n| (*n, text_col(batch, LIST, n, c, &mut warned)))
            .collect();
        for i in 0..batch.num_rows() {
            let row = row0.saturating_add(i);
            let s: Arc<str> =
                Arc::from(required_text(&subject, i, row, LIST, SUBJECT, c).unwrap_or_default());
            let r = required_text(&role, i, row, LIST, ROLE, c)
                .unwrap_or_default()
                .to_string();
            let bonus_base = number(
                &bonus,
                i,
                || format!("{LIST}[{row}].{BONUS_BASE}"),
                || format!("the bonus_base of subject '{s}'"),
                c,
            );
            let mut attributes = BTreeMap::new();
            for (n, col) in &attrs {
                if let Some(v) = col.as_ref().and_then(|t| t.get(i)) {
                    attributes.insert((*n).clone(), v.to_string());
                }
            }
            for (k, n, col) in &values {
                let v = number(
                    col,
                    i,
                    || format!("{LIST}[{row}].{n}"),
                    || actual_what(&s, n),
                    c,
                );
                if let Some(value) = v {
                    origins.wide(row, *k);
                    actuals.push(Actual {
                        subject: s.clone(),
                        indicator: n.clone(),
                        value,
                    });
                }
            }
            out.push(Assignment {
                subject: s,
                role: r,
                name: opt_text(&name, i),
                unit: opt_text(&unit, i),
                region: opt_text(&region, i),
                manager: opt_text(&manager, i),
                bonus_base,
                attributes,
            });
        }
        row0 = row0.saturating_add(batch.num_rows());
    }
    out
}

/// Converts an actuals table in long (`subject, indicator, value`) or wide layout.
pub(crate) fn actuals(
    table: &Table,
    indicators: &HashSet<String>,
    layout: Layout,
    c: &mut Collector,
    origins: &mut Origins,
) -> Vec<Actual> {
    const LIST: &str = "actuals";
    let long = match layout {
        Layout::Long => true,
        Layout::Wide => false,
        Layout::Auto => has(table, INDICATOR) && has(table, VALUE),
    };
    if !require(table, LIST, SUBJECT, "the subject id", c) {
        return Vec::new();
    }
    let mut warned = HashSet::new();
    let mut row0 = 0usize;
    if long {
        let ok_i = require(table, LIST, INDICATOR, "the indicator id", c);
        let ok_v = require(table, LIST, VALUE, "the measured value", c);
        if !(ok_i && ok_v) {
            return Vec::new();
        }
        let rows: usize = table.batches.iter().map(RecordBatch::num_rows).sum();
        let mut out = Vec::with_capacity(rows);
        let (mut subjects, mut indicators) = (Interner::default(), Interner::default());
        for batch in &table.batches {
            let subject = text_col(batch, LIST, SUBJECT, c, &mut warned);
            let indicator = text_col(batch, LIST, INDICATOR, c, &mut warned);
            let value = num_col(batch, LIST, VALUE, c, &mut warned);
            for i in 0..batch.num_rows() {
                let row = row0.saturating_add(i);
                let s = required_text(&subject, i, row, LIST, SUBJECT, c);
                let ind = required_text(&indicator, i, row, LIST, INDICATOR, c);
                let (Some(s), Some(ind)) = (s, ind) else {
                    continue;
                };
                let v = number(
                    &value,
                    i,
                    || format!("{LIST}[{row}].{VALUE}"),
                    || actual_what(s, ind),
                    c,
                );
                if let Some(value) = v {
                    origins.long(row);
                    out.push(Actual {
                        subject: subjects.get(s),
                        indicator: indicators.get(ind),
                        value,
                    });
                }
            }
            row0 = row0.saturating_add(batch.num_rows());
        }
        return out;
    }
    let names: Vec<String> = table
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let mut indicator_cols: Vec<(usize, &String)> = Vec::new();
    for (k, n) in names.iter().enumerate() {
        match classify(n, indicators) {
            WideColumn::Indicator => indicator_cols.push((k, n)),
            WideColumn::Subject | WideColumn::Assignment | WideColumn::Ignored => {}
            WideColumn::Other => unknown_column(c, LIST, n),
        }
    }
    origins.columns = names.clone();
    let rows: usize = table.batches.iter().map(RecordBatch::num_rows).sum();
    let mut out = Vec::with_capacity(rows.saturating_mul(indicator_cols.len()));
    for batch in &table.batches {
        let subject = text_col(batch, LIST, SUBJECT, c, &mut warned);
        let values: Vec<(usize, Arc<str>, Option<NumCol>)> = indicator_cols
            .iter()
            .map(|&(k, n)| {
                (
                    k,
                    Arc::from(n.as_str()),
                    num_col(batch, LIST, n, c, &mut warned),
                )
            })
            .collect();
        for i in 0..batch.num_rows() {
            let row = row0.saturating_add(i);
            let Some(s) = required_text(&subject, i, row, LIST, SUBJECT, c) else {
                continue;
            };
            let s: Arc<str> = Arc::from(s);
            for (k, n, col) in &values {
                let v = number(
                    col,
                    i,
                    || format!("{LIST}[{row}].{n}"),
                    || actual_what(&s, n),
                    c,
                );
                if let Some(value) = v {
                    origins.wide(row, *k);
                    out.push(Actual {
                        subject: s.clone(),
                        indicator: (*n).clone(),
                        value,
                    });
                }
            }
        }
        row0 = row0.saturating_add(batch.num_rows());
    }
    out
}

/// Converts a targets table (`subject, indicator, target[, threshold, stretch]`).
pub(crate) fn targets(table: &Table, c: &mut Collector) -> Vec<TargetOverride> {
    const LIST: &str = "targets";
    let a = require(table, LIST, SUBJECT, "the subject id", c);
    let b = require(table, LIST, INDICATOR, "the indicator id", c);
    let t = require(table, LIST, TARGET, "the subject's target", c);
    if !(a && b && t) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut warned = HashSet::new();
    let mut row0 = 0usize;
    for batch in &table.batches {
        let subject = text_col(batch, LIST, SUBJECT, c, &mut warned);
        let indicator = text_col(batch, LIST, INDICATOR, c, &mut warned);
        let target = num_col(batch, LIST, TARGET, c, &mut warned);
        let threshold = num_col(batch, LIST, THRESHOLD, c, &mut warned);
        let stretch = num_col(batch, LIST, STRETCH, c, &mut warned);
        for i in 0..batch.num_rows() {
            let row = row0.saturating_add(i);
            let s = required_text(&subject, i, row, LIST, SUBJECT, c);
            let ind = required_text(&indicator, i, row, LIST, INDICATOR, c);
            let (Some(s), Some(ind)) = (s, ind) else {
                continue;
            };
            let what = |f: &str| format!("the {f} of subject '{s}' for indicator '{ind}'");
            let path = |f: &str| format!("{LIST}[{row}].{f}");
            let tv = number(&target, i, || path(TARGET), || what(TARGET), c);
            let th = number(&threshold, i, || path(THRESHOLD), || what(THRESHOLD), c);
            let st = number(&stretch, i, || path(STRETCH), || what(STRETCH), c);
            match tv {
                Some(target) => out.push(TargetOverride {
                    subject: Arc::from(s),
                    indicator: Arc::from(ind),
                    target,
                    threshold: th,
                    stretch: st,
                }),
                None => {
                    if target
                        .as_ref()
                        .is_some_and(|col| matches!(col.get(i), Ok(None)))
                    {
                        c.push(
                            Code::MissingField,
                            path(TARGET),
                            "`target` is required but the cell is empty",
                        );
                    }
                }
            }
        }
        row0 = row0.saturating_add(batch.num_rows());
    }
    out
}

/// Converts an org units table (`id[, name, parent, region]`).
pub(crate) fn units(table: &Table, c: &mut Collector) -> Vec<Unit> {
    const LIST: &str = "units";
    if !require(table, LIST, ID, "the unit id", c) {
        return Vec::new();
    }
    for f in table.schema.fields() {
        let n = f.name().as_str();
        if !UNIT_FIELDS.contains(&n) && !is_index_artifact(n) {
            c.push(
                Code::UnknownColumn,
                format!("{LIST}.{n}"),
                format!(
                    "the units table has `id`, `name`, `parent` and `region` columns; `{n}` is not one of them"
                ),
            );
        }
    }
    let mut out = Vec::new();
    let mut warned = HashSet::new();
    let mut row0 = 0usize;
    for batch in &table.batches {
        let id = text_col(batch, LIST, ID, c, &mut warned);
        let name = text_col(batch, LIST, NAME, c, &mut warned);
        let parent = text_col(batch, LIST, PARENT, c, &mut warned);
        let region = text_col(batch, LIST, REGION, c, &mut warned);
        for i in 0..batch.num_rows() {
            let row = row0.saturating_add(i);
            if let Some(id) = required_text(&id, i, row, LIST, ID, c) {
                out.push(Unit {
                    id: id.to_string(),
                    name: opt_text(&name, i),
                    parent: opt_text(&parent, i),
                    region: opt_text(&region, i),
                });
            }
        }
        row0 = row0.saturating_add(batch.num_rows());
    }
    out
}

//! Record sets (the raw business records the plan's measures read) from Python: a dict of
//! record set name → a data frame (through the Arrow C stream interface) or a list of rows.
//!
//! * **Rows** (dicts, or tuples in the declared field order) are turned into the same text
//!   cells the core's JSON path makes (`None` → empty, `True` → `true`, a float by its shortest
//!   repr, a `datetime` by its ISO text: naive ones are wall time in the plan's time zone) and
//!   read by the plan's [`RecordSetBuilder`](kpichain::measure::RecordSetBuilder), labelled
//!   `records.SET[i]` like the core's JSON path, so both give identical results and reports.
//! * **Tables** are read column by column by each field's declared kind into typed core columns
//!   ([`RecordSet::from_columns`]): text ← any string type or dictionary (categorical), or
//!   integers; decimal ← decimals (exact), integers, floats (shortest repr) or decimal text;
//!   timestamp ← Arrow timestamps (with a zone: the instant; without: wall time in the plan's
//!   time zone) or text; date ← date32/date64 or text; boolean ← booleans or text. A column of
//!   another type is an input error. When any cell is bad (null in a required field, NaN or
//!   ±inf, unparsable text, out of range), the whole set is read again as text cells through
//!   the builder instead, so that bad records are reported (or skipped, under the plan's
//!   `bad_records: skip`) exactly as the core reports them for JSON and CSV input.

use kpichain::Code;
use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int64Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, RecordBatch};
use arrow_cast::{CastOptions, cast_with_options};
use arrow_schema::{DataType, TimeUnit};
use kpichain::decimal::parse_decimal;
use kpichain::measure::{
    Column, Field, FieldKind, RecordSet, RecordSets, TextColumn, UtcOffset, parse_boolean,
    parse_date, parse_timestamp,
};
use kpichain::{CompiledPlan, Issue};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple, PyType};
use rust_decimal::Decimal;

use crate::frame::Table;
use crate::inputs::Collector;
use crate::numbers::{self, NumProblem};

/// A record set waiting to be built once the interpreter is released.
pub(crate) enum Pending {
    /// Text cells per row (in the declared field order) and each row's label.
    Rows {
        name: String,
        rows: Vec<(Vec<String>, String)>,
    },
    /// An imported Arrow table.
    Table { name: String, table: Table },
}

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_string())
}

/// The declared fields of record set `name`, if the plan declares it.
fn declared<'a>(plan: &'a CompiledPlan, name: &str) -> Option<&'a [Field]> {
    plan.plan()
        .records
        .iter()
        .find(|d| d.name == name)
        .map(|d| d.fields.as_slice())
}

fn unknown_set(plan: &CompiledPlan, name: &str) -> Issue {
    let names: Vec<&str> = plan
        .plan()
        .records
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    let known = if names.is_empty() {
        "it declares none".to_string()
    } else {
        format!("it declares {}", names.join(", "))
    };
    Issue::new(
        Code::UnknownRecordSet,
        format!("records.{name}"),
        format!("record set '{name}' is not declared in the plan's `records` ({known})"),
    )
}

/// Reads the `records=` argument (with the interpreter): rows are converted to text cells
/// now, tables are imported and converted later by [`build`].
pub(crate) fn collect(
    py: Python<'_>,
    plan: &CompiledPlan,
    obj: &Bound<'_, PyAny>,
    c: &mut Collector,
) -> PyResult<Vec<Pending>> {
    let mapping = match obj.cast::<PyMapping>() {
        Ok(m) if !obj.is_instance_of::<PyString>() => m.clone(),
        _ => {
            c.push(
                Code::InvalidType,
                "records",
                format!(
                    "records must be a dict of record set name → data frame or list of rows, not {}",
                    type_name(obj)
                ),
            );
            return Ok(Vec::new());
        }
    };
    let mut out = Vec::new();
    for item in mapping.items()?.iter() {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let Ok(name) = key.cast::<PyString>() else {
            c.push(
                Code::InvalidType,
                "records",
                format!("record set names must be strings, not {}", type_name(&key)),
            );
            continue;
        };
        let name = name.to_cow()?.into_owned();
        let Some(fields) = declared(plan, &name) else {
            c.issue(unknown_set(plan, &name));
            continue;
        };
        if crate::plan::is_table(&value)? {
            let table = crate::plan::import_table(py, &value, &format!("records.{name}"))?;
            out.push(Pending::Table { name, table });
        } else {
            let rows = rows(&value, &name, fields, c)?;
            out.push(Pending::Rows { name, rows });
        }
    }
    Ok(out)
}

/// Converts a list of rows into text cells in the declared field order, with their labels.
fn rows(
    obj: &Bound<'_, PyAny>,
    name: &str,
    fields: &[Field],
    c: &mut Collector,
) -> PyResult<Vec<(Vec<String>, String)>> {
    let list = format!("records.{name}");
    let not_rows = |c: &mut Collector| {
        c.push(
            Code::InvalidType,
            list.clone(),
            format!(
                "record set '{name}' must be a data frame or a list of rows (dicts), not {}",
                type_name(obj)
            ),
        )
    };
    if obj.is_instance_of::<PyString>() || obj.cast::<PyDict>().is_ok() {
        not_rows(c);
        return Ok(Vec::new());
    }
    let Ok(iter) = obj.try_iter() else {
        not_rows(c);
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (i, row) in iter.enumerate() {
        let row = row?;
        let label = format!("{list}[{i}]");
        if let Ok(m) = row.cast::<PyMapping>() {
            let mut cells = Vec::with_capacity(fields.len());
            for f in fields {
                let value = match row.cast::<PyDict>() {
                    Ok(d) => d.get_item(&f.name)?,
                    Err(_) => m
                        .contains(&f.name)?
                        .then(|| m.get_item(&f.name))
                        .transpose()?,
                };
                cells.push(match value {
                    None => String::new(),
                    Some(v) => cell(&v, Some(f), &label, c)?,
                });
            }
            // The core's JSON path names the (last, in name order) undeclared field of a row.
            let mut unknown: Option<String> = None;
            for key in m.keys()?.iter() {
                let Ok(key) = key.cast::<PyString>() else {
                    c.push(
                        Code::InvalidType,
                        label.clone(),
                        "field names must be strings",
                    );
                    continue;
                };
                let key = key.to_cow()?;
                if !fields.iter().any(|f| f.name == *key)
                    && unknown.as_deref().is_none_or(|u| u < key.as_ref())
                {
                    unknown = Some(key.into_owned());
                }
            }
            let label = match unknown {
                Some(k) => format!("{label} (field '{k}' is not declared and was ignored)"),
                None => label,
            };
            out.push((cells, label));
        } else if row.is_instance_of::<PyTuple>() || row.is_instance_of::<PyList>() {
            let mut cells = Vec::new();
            for (j, v) in row.try_iter()?.enumerate() {
                cells.push(cell(&v?, fields.get(j), &label, c)?);
            }
            out.push((cells, label));
        } else {
            c.push(
                Code::InvalidRow,
                label,
                format!(
                    "a record is a dict of field values (or a tuple in the declared field order), not {}",
                    type_name(&row)
                ),
            );
        }
    }
    Ok(out)
}

/// One Python value as the text cell the core's JSON path would make of it. Values that have
/// no such text (lists, dicts, other objects; NaN or ±inf in a text field) are input errors.
fn cell(
    v: &Bound<'_, PyAny>,
    field: Option<&Field>,
    label: &str,
    c: &mut Collector,
) -> PyResult<String> {
    let py = v.py();
    let text_field = field.is_some_and(|f| f.kind == FieldKind::Text);
    let path = match field {
        Some(f) => format!("{label}.{}", f.name),
        None => label.to_string(),
    };
    let what = match field {
        Some(f) => format!("field '{}'", f.name),
        None => "the value".to_string(),
    };
    if v.is_none() {
        return Ok(String::new());
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if v.is_instance_of::<PyBool>() {
        return Ok(if v.is_truthy()? { "true" } else { "false" }.to_string());
    }
    if v.is_instance_of::<PyInt>() {
        return Ok(v.str()?.to_cow()?.into_owned());
    }
    let ty = type_name(v);
    // pandas' and numpy's missing values.
    if ty == "NaTType" || ty == "NAType" {
        return Ok(String::new());
    }
    if v.is_instance(DATETIME.import(py, "datetime", "datetime")?)? {
        return Ok(if v.call_method0("utcoffset")?.is_none() {
            // Wall time, read in the plan's time zone like a CSV cell.
            v.call_method1("isoformat", (" ",))?
        } else {
            v.call_method0("isoformat")?
        }
        .str()?
        .to_cow()?
        .into_owned());
    }
    if v.is_instance(DATE.import(py, "datetime", "date")?)? {
        return Ok(v.call_method0("isoformat")?.str()?.to_cow()?.into_owned());
    }
    if ty == "datetime64" {
        let s = v.str()?.to_cow()?.into_owned();
        return Ok(if s == "NaT" { String::new() } else { s });
    }
    if ty == "bool_" || (ty == "bool" && !v.is_instance_of::<PyBool>()) {
        return Ok(if v.is_truthy()? { "true" } else { "false" }.to_string());
    }
    let problem = if v.is_instance_of::<PyFloat>() {
        let x: f64 = v.extract()?;
        match numbers::from_f64(x) {
            Ok(d) => return Ok(d.to_string()),
            Err(NumProblem::OutOfRange(_)) => return Ok(v.repr()?.to_cow()?.into_owned()),
            Err(p) => p,
        }
    } else {
        match numbers::from_py(v)? {
            Ok(Some(d)) => return Ok(d.to_string()),
            Ok(None) => return Ok(String::new()),
            Err(NumProblem::OutOfRange(s)) => return Ok(s),
            Err(p) => p,
        }
    };
    match problem {
        // Not a number: the core refuses it as a bad value of a non-text field (so the plan's
        // `bad_records` policy applies); a text field cannot hold it.
        NumProblem::NaN | NumProblem::Infinite if !text_field => Ok(match problem {
            NumProblem::NaN => "NaN".to_string(),
            _ => v.str()?.to_cow()?.into_owned(),
        }),
        NumProblem::NaN | NumProblem::Infinite => {
            c.push(
                Code::InvalidNumber,
                path,
                format!("{what} is text but the value is {}", v.repr()?.to_cow()?),
            );
            Ok(String::new())
        }
        _ => {
            // The core's code for a list or an object in a record of JSON input.
            c.push(
                Code::BadValue,
                path,
                format!(
                    "{what} must be a str, a number, a bool, a date or datetime, or None; got {ty}"
                ),
            );
            Ok(String::new())
        }
    }
}

/// Builds the record sets (without the interpreter), in name order like the core's JSON path.
pub(crate) fn build(plan: &CompiledPlan, pending: Vec<Pending>, c: &mut Collector) -> RecordSets {
    let tz = plan.plan().time_zone.unwrap_or(UtcOffset::UTC);
    let mut sets = Vec::with_capacity(pending.len());
    for p in pending {
        match p {
            Pending::Rows { name, rows } => {
                let Some(mut builder) = plan.record_builder(&name) else {
                    c.issue(unknown_set(plan, &name));
                    continue;
                };
                // The issues' paths (`records.orders[3].amount`) say where a record is, as
                // the core's JSON path does: no label.
                for (cells, _) in &rows {
                    builder.push_row(cells, None);
                }
                sets.push(builder.finish());
            }
            Pending::Table { name, table } => {
                let Some(fields) = declared(plan, &name) else {
                    c.issue(unknown_set(plan, &name));
                    continue;
                };
                if let Some(set) = table_set(plan, &name, fields, tz, &table, c) {
                    sets.push(set);
                }
            }
        }
    }
    sets.sort_by(|a, b| a.name().cmp(b.name()));
    let mut out = RecordSets::new();
    for set in sets {
        if let Err(e) = out.insert(set) {
            e.issues.into_iter().for_each(|i| c.issue(i));
        }
    }
    out
}

const STRICT: CastOptions<'static> = CastOptions {
    safe: false,
    format_options: arrow_cast::display::FormatOptions::new(),
};

/// How one column is read.
enum Reader {
    /// Every value missing.
    Null,
    /// Text (cast to large UTF-8), parsed by the field's kind.
    Str(ArrayRef),
    I64(ArrayRef),
    U64(ArrayRef),
    F32(ArrayRef),
    F64(ArrayRef),
    Dec(ArrayRef, i8),
    Bool(ArrayRef),
    /// Timestamps (as i64 in `unit`); `naive` when the column has no time zone.
    Ts(ArrayRef, TimeUnit, bool),
    D32(ArrayRef),
    D64(ArrayRef),
}

/// The reader for a column of `field`, or `None` when its type cannot hold the field's kind.
fn reader(kind: FieldKind, col: &ArrayRef) -> Option<Reader> {
    let dt = col.data_type();
    if *dt == DataType::Null || col.null_count() == col.len() {
        return Some(Reader::Null);
    }
    if let DataType::Dictionary(_, value) = dt {
        let decoded = cast_with_options(col, value, &STRICT).ok()?;
        return reader(kind, &decoded);
    }
    let to = |t: &DataType| cast_with_options(col, t, &STRICT).ok();
    use DataType as D;
    Some(match (kind, dt) {
        (_, D::Utf8 | D::LargeUtf8 | D::Utf8View) => Reader::Str(to(&D::LargeUtf8)?),
        (
            FieldKind::Text,
            D::Int8 | D::Int16 | D::Int32 | D::Int64 | D::UInt8 | D::UInt16 | D::UInt32 | D::UInt64,
        ) => Reader::Str(to(&D::LargeUtf8)?),
        (
            FieldKind::Decimal,
            D::Int8 | D::Int16 | D::Int32 | D::Int64 | D::UInt8 | D::UInt16 | D::UInt32,
        ) => Reader::I64(to(&D::Int64)?),
        (FieldKind::Decimal, D::UInt64) => Reader::U64(col.clone()),
        (FieldKind::Decimal, D::Float16) => Reader::F32(to(&D::Float32)?),
        (FieldKind::Decimal, D::Float32) => Reader::F32(col.clone()),
        (FieldKind::Decimal, D::Float64) => Reader::F64(col.clone()),
        (FieldKind::Decimal, D::Decimal128(_, s)) => Reader::Dec(col.clone(), *s),
        (FieldKind::Decimal, D::Decimal32(_, s) | D::Decimal64(_, s) | D::Decimal256(_, s)) => {
            Reader::Dec(to(&D::Decimal128(38, *s))?, *s)
        }
        (FieldKind::Timestamp, D::Timestamp(unit, zone)) => {
            Reader::Ts(to(&D::Int64)?, *unit, zone.is_none())
        }
        (FieldKind::Date, D::Date32) => Reader::D32(col.clone()),
        (FieldKind::Date, D::Date64) => Reader::D64(col.clone()),
        (FieldKind::Boolean, D::Boolean) => Reader::Bool(col.clone()),
        _ => return None,
    })
}

fn hint(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "give strings (or a categorical/dictionary column)",
        FieldKind::Decimal => "give decimals, integers, floats or decimal text",
        FieldKind::Timestamp => {
            "give a timestamp column (naive ones are read in the plan's time zone) or text such as 2022-01-31 23:30"
        }
        FieldKind::Date => "give a date column or YYYY-MM-DD text",
        FieldKind::Boolean => "give a boolean column or true/false text",
    }
}

/// One cell as read from Arrow, before it is checked against the field's kind.
enum Cell<'a> {
    Null,
    Str(&'a str),
    Dec(Decimal),
    Ts(i64),
    Date(i32),
    Bool(bool),
    /// A value that is no good, as the text the core will refuse with its own reason.
    Bad(String),
}

fn prim<T: ArrowPrimitiveType>(a: &ArrayRef, i: usize) -> Option<T::Native> {
    let p = a.as_primitive_opt::<T>()?;
    if p.is_null(i) { None } else { Some(p.value(i)) }
}

fn read<'a>(r: &'a Reader, i: usize, tz: UtcOffset) -> Cell<'a> {
    let float = |v: Result<Decimal, NumProblem>, text: String| match v {
        Ok(d) => Cell::Dec(d),
        Err(_) => Cell::Bad(text),
    };
    match r {
        Reader::Null => Cell::Null,
        Reader::Str(a) => match a.as_string_opt::<i64>() {
            Some(s) if !s.is_null(i) => Cell::Str(s.value(i)),
            _ => Cell::Null,
        },
        Reader::I64(a) => prim::<Int64Type>(a, i).map_or(Cell::Null, |v| Cell::Dec(v.into())),
        Reader::U64(a) => prim::<UInt64Type>(a, i).map_or(Cell::Null, |v| Cell::Dec(v.into())),
        Reader::F32(a) => prim::<Float32Type>(a, i).map_or(Cell::Null, |v| {
            float(numbers::from_f32(v), float_text(f64::from(v)))
        }),
        Reader::F64(a) => prim::<Float64Type>(a, i)
            .map_or(Cell::Null, |v| float(numbers::from_f64(v), float_text(v))),
        Reader::Dec(a, s) => prim::<Decimal128Type>(a, i).map_or(Cell::Null, |m| {
            float(
                numbers::from_scaled_i128(m, *s),
                format!("{m}e{}", -i32::from(*s)),
            )
        }),
        Reader::Bool(a) => match a.as_boolean_opt() {
            Some(b) if !b.is_null(i) => Cell::Bool(b.value(i)),
            _ => Cell::Null,
        },
        Reader::D32(a) => prim::<Date32Type>(a, i).map_or(Cell::Null, Cell::Date),
        Reader::D64(a) => prim::<Date64Type>(a, i).map_or(Cell::Null, |ms| {
            match i32::try_from(ms.div_euclid(86_400_000)) {
                Ok(d) => Cell::Date(d),
                Err(_) => Cell::Bad(format!("{ms} ms since 1970-01-01")),
            }
        }),
        Reader::Ts(a, unit, naive) => prim::<Int64Type>(a, i).map_or(Cell::Null, |v| {
            let micros = match unit {
                TimeUnit::Second => v.checked_mul(1_000_000),
                TimeUnit::Millisecond => v.checked_mul(1_000),
                TimeUnit::Microsecond => Some(v),
                TimeUnit::Nanosecond => Some(v.div_euclid(1_000)),
            };
            // A naive value is wall time in the plan's time zone.
            let offset = if *naive {
                i64::from(tz.seconds()) * 1_000_000
            } else {
                0
            };
            match micros.and_then(|m| m.checked_sub(offset)) {
                Some(m) => Cell::Ts(m),
                None => Cell::Bad(format!("{v} {unit:?}s since 1970-01-01")),
            }
        }),
    }
}

fn float_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else {
        format!("{v:e}")
    }
}

/// A typed value of a cell, `None` when missing; `Err` when the cell makes the record bad.
enum Typed<'a> {
    Text(&'a str),
    Dec(Decimal),
    Ts(i64),
    Date(i32),
    Bool(bool),
}

fn typed<'a>(field: &Field, cell: Cell<'a>, tz: UtcOffset) -> Result<Option<Typed<'a>>, ()> {
    let value = match (field.kind, cell) {
        (_, Cell::Null) => None,
        (_, Cell::Str(s)) if s.trim().is_empty() => None,
        (FieldKind::Text, Cell::Str(s)) => Some(Typed::Text(s)),
        (FieldKind::Decimal, Cell::Str(s)) => Some(Typed::Dec(parse_decimal(s).map_err(|_| ())?)),
        (FieldKind::Timestamp, Cell::Str(s)) => {
            Some(Typed::Ts(parse_timestamp(s, tz).map_err(|_| ())?))
        }
        (FieldKind::Date, Cell::Str(s)) => Some(Typed::Date(parse_date(s).map_err(|_| ())?)),
        (FieldKind::Boolean, Cell::Str(s)) => Some(Typed::Bool(parse_boolean(s).map_err(|_| ())?)),
        (FieldKind::Decimal, Cell::Dec(d)) => Some(Typed::Dec(d)),
        (FieldKind::Timestamp, Cell::Ts(m)) => Some(Typed::Ts(m)),
        (FieldKind::Date, Cell::Date(d)) => Some(Typed::Date(d)),
        (FieldKind::Boolean, Cell::Bool(b)) => Some(Typed::Bool(b)),
        _ => return Err(()),
    };
    if value.is_none() && !field.optional {
        return Err(());
    }
    Ok(value)
}

/// The cell as text for the builder, which parses it again (and refuses bad ones itself).
fn text(cell: Cell<'_>) -> String {
    match cell {
        Cell::Null => String::new(),
        Cell::Str(s) => s.to_string(),
        Cell::Dec(d) => d.to_string(),
        Cell::Ts(m) => chrono::DateTime::from_timestamp_micros(m).map_or_else(
            || format!("{m} µs since 1970-01-01"),
            |t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        ),
        Cell::Date(d) => chrono::NaiveDate::from_num_days_from_ce_opt(d.saturating_add(719_163))
            .map_or_else(
                || format!("{d} days since 1970-01-01"),
                |t| t.format("%Y-%m-%d").to_string(),
            ),
        Cell::Bool(b) => b.to_string(),
        Cell::Bad(t) => t,
    }
}

/// A typed column being filled.
enum Acc {
    Text(HashMap<Box<str>, u32>, Vec<String>, Vec<u32>),
    Dec(Vec<Option<Decimal>>),
    Ts(Vec<Option<i64>>),
    Date(Vec<Option<i32>>),
    Bool(Vec<Option<bool>>),
}

impl Acc {
    fn new(kind: FieldKind, rows: usize) -> Acc {
        match kind {
            FieldKind::Text => Acc::Text(HashMap::new(), Vec::new(), Vec::with_capacity(rows)),
            FieldKind::Decimal => Acc::Dec(Vec::with_capacity(rows)),
            FieldKind::Timestamp => Acc::Ts(Vec::with_capacity(rows)),
            FieldKind::Date => Acc::Date(Vec::with_capacity(rows)),
            FieldKind::Boolean => Acc::Bool(Vec::with_capacity(rows)),
        }
    }

    fn push(&mut self, v: Option<Typed<'_>>) {
        match (self, v) {
            (Acc::Text(seen, dict, codes), Some(Typed::Text(s))) => {
                let code = match seen.get(s) {
                    Some(&code) => code,
                    None => {
                        let code = u32::try_from(dict.len())
                            .unwrap_or(TextColumn::NULL - 1)
                            .min(TextColumn::NULL - 1);
                        seen.insert(s.into(), code);
                        dict.push(s.to_string());
                        code
                    }
                };
                codes.push(code);
            }
            (Acc::Text(_, _, codes), _) => codes.push(TextColumn::NULL),
            (Acc::Dec(v), x) => v.push(match x {
                Some(Typed::Dec(d)) => Some(d),
                _ => None,
            }),
            (Acc::Ts(v), x) => v.push(match x {
                Some(Typed::Ts(m)) => Some(m),
                _ => None,
            }),
            (Acc::Date(v), x) => v.push(match x {
                Some(Typed::Date(d)) => Some(d),
                _ => None,
            }),
            (Acc::Bool(v), x) => v.push(match x {
                Some(Typed::Bool(b)) => Some(b),
                _ => None,
            }),
        }
    }

    fn finish(self) -> Result<Column, String> {
        Ok(match self {
            Acc::Text(_, dict, codes) => Column::text(TextColumn::from_codes(codes, dict)?),
            Acc::Dec(v) => Column::decimal_opt(v),
            Acc::Ts(v) => Column::timestamp_micros_opt(v),
            Acc::Date(v) => Column::date_days_opt(v),
            Acc::Bool(v) => Column::boolean_opt(v),
        })
    }
}

/// A table → a record set: typed columns when every cell is good, else text cells through the
/// plan's builder (which records the bad ones). `None` when a column is missing or of the
/// wrong type (reported in `c`).
fn table_set(
    plan: &CompiledPlan,
    name: &str,
    fields: &[Field],
    tz: UtcOffset,
    table: &Table,
    c: &mut Collector,
) -> Option<RecordSet> {
    let list = format!("records.{name}");
    let names: Vec<&str> = table
        .schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    let mut ok = true;
    let mut positions = Vec::with_capacity(fields.len());
    for f in fields {
        let at = names.iter().position(|n| *n == f.name);
        if at.is_none() && !f.optional {
            c.push(
                Code::MissingColumn,
                format!("{list}.{}", f.name),
                format!(
                    "the {name} table has no `{}` column (a required {} field); its columns are {names:?}",
                    f.name,
                    f.kind.as_str()
                ),
            );
            ok = false;
        }
        positions.push(at);
    }
    // Readers per batch and field; a column of the wrong type is reported once.
    let mut readers: Vec<Vec<Reader>> = Vec::with_capacity(table.batches.len());
    let mut reported = vec![false; fields.len()];
    for batch in &table.batches {
        let mut per_field = Vec::with_capacity(fields.len());
        for (k, (f, at)) in fields.iter().zip(&positions).enumerate() {
            let Some(col) = at.and_then(|at| batch.columns().get(at)) else {
                per_field.push(Reader::Null);
                continue;
            };
            match reader(f.kind, col) {
                Some(r) => per_field.push(r),
                None => {
                    ok = false;
                    if let Some(done) = reported.get_mut(k).filter(|d| !**d) {
                        *done = true;
                        c.push(
                            Code::UnsupportedColumnType,
                            format!("{list}.{}", f.name),
                            format!(
                                "field '{}' is declared {}, but its column has type {}; {}",
                                f.name,
                                f.kind.as_str(),
                                col.data_type(),
                                hint(f.kind)
                            ),
                        );
                    }
                    per_field.push(Reader::Null);
                }
            }
        }
        readers.push(per_field);
    }
    if !ok {
        return None;
    }
    let rows: usize = table.batches.iter().map(RecordBatch::num_rows).sum();

    // Typed columns, unless a cell is bad.
    let mut accs: Vec<Acc> = fields.iter().map(|f| Acc::new(f.kind, rows)).collect();
    let mut clean = true;
    'fields: for (k, (f, acc)) in fields.iter().zip(accs.iter_mut()).enumerate() {
        for (batch, per_field) in table.batches.iter().zip(&readers) {
            let Some(r) = per_field.get(k) else { continue };
            for i in 0..batch.num_rows() {
                match typed(f, read(r, i, tz), tz) {
                    Ok(v) => acc.push(v),
                    Err(()) => {
                        clean = false;
                        break 'fields;
                    }
                }
            }
        }
    }
    if clean {
        let mut columns = Vec::with_capacity(fields.len());
        for (f, acc) in fields.iter().zip(accs) {
            match acc.finish() {
                Ok(col) => columns.push((f.clone(), col)),
                Err(e) => {
                    c.push(Code::InternalError, format!("{list}.{}", f.name), e);
                    return None;
                }
            }
        }
        return match RecordSet::from_columns(name, columns) {
            Ok(set) => Some(set),
            Err(e) => {
                e.issues.into_iter().for_each(|i| c.issue(i));
                None
            }
        };
    }

    // Text cells through the builder, as the core's JSON path reads them.
    let mut builder = plan.record_builder(name)?;
    let mut row0 = 0usize;
    let mut cells: Vec<String> = Vec::with_capacity(fields.len());
    for (batch, per_field) in table.batches.iter().zip(&readers) {
        for i in 0..batch.num_rows() {
            cells.clear();
            cells.extend(per_field.iter().map(|r| text(read(r, i, tz))));
            // No label: the issues' paths (`records.orders[3].amount`) say where it is.
            builder.push_row(&cells, None);
        }
        row0 = row0.saturating_add(batch.num_rows());
    }
    Some(builder.finish())
}

//! Record sets (the raw business records the plan's measures read) from Python: a dict of
//! record set name → a data frame (through the Arrow C stream interface) or a list of rows
//! (dicts, or tuples in the declared field order).
//!
//! Every record — a Python row or a row of a frame — goes through the plan's
//! [`RecordSetBuilder`](kpichain::measure::RecordSetBuilder) once, as typed cells
//! ([`RecordCell`]): a bad cell (a missing required value, NaN or ±inf, text that does not
//! parse) makes a bad record that the core reports as `records.SET[i].FIELD`, or skips under
//! the plan's `bad_records: skip`, exactly as for JSON and CSV input. A frame column is read
//! by the field's declared kind: text ← strings, categoricals or integers; decimal ←
//! decimals, integers, floats or text; timestamp ← timestamps (with a zone: the instant;
//! naive: wall time in the plan's time zone) or text; date ← dates or text; boolean ←
//! booleans or text. A column of another type is `unsupported_column_type`; a column of
//! nulls, of any type, is a column of missing values.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Date64Type, Int64Type};
use arrow_array::{Array, ArrayRef};
use arrow_cast::{CastOptions, cast_with_options};
use arrow_schema::{DataType, TimeUnit};
use kpichain::measure::{Field, FieldKind, RecordCell, RecordSet, RecordSets, UtcOffset};
use kpichain::{Code, CompiledPlan, IntakeBuilder, Issue, Path};
use pyo3::prelude::*;
use pyo3::types::{PyMapping, PyString};

use crate::cells::{Column, Value, type_name, value};
use crate::intake::{Table, import_table, is_table};

/// A record set read from rows, or a table to read once the interpreter is released.
pub(crate) enum Pending {
    Set(RecordSet),
    Table { name: String, table: Table },
}

/// Reads the `records=` argument (with the interpreter): rows are built into record sets
/// now, tables are imported and built later by [`build`].
pub(crate) fn collect(
    py: Python<'_>,
    plan: &CompiledPlan,
    obj: &Bound<'_, PyAny>,
    b: &mut IntakeBuilder,
) -> PyResult<Vec<Pending>> {
    let invalid = |b: &mut IntakeBuilder, at: Path, message: String| {
        b.issue(Issue::new(Code::InvalidType, at, message))
    };
    let mapping = match obj.cast::<PyMapping>() {
        Ok(m) if !obj.is_instance_of::<PyString>() => m.clone(),
        _ => {
            invalid(
                b,
                Path::root().key("records"),
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
        let (key, rows): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let Ok(name) = key.cast::<PyString>() else {
            invalid(
                b,
                Path::root().key("records"),
                format!("record set names must be strings, not {}", type_name(&key)),
            );
            continue;
        };
        let name = name.to_cow()?.into_owned();
        let at = Path::root().key("records").key(name.as_str());
        let Some(mut builder) = plan.record_builder(&name) else {
            // An empty set of that name, which the core reports with the problems it finds.
            b.records(&name, Vec::new());
            continue;
        };
        if is_table(&rows)? {
            let table = import_table(py, &rows, &format!("records.{name}"))?;
            out.push(Pending::Table { name, table });
            continue;
        }
        let iter = match rows.try_iter() {
            Ok(it) if !rows.is_instance_of::<PyString>() && rows.cast::<PyMapping>().is_err() => it,
            _ => {
                invalid(
                    b,
                    at,
                    format!(
                        "record set '{name}' must be a data frame or a list of rows (dicts), not {}",
                        type_name(&rows)
                    ),
                );
                continue;
            }
        };
        let fields: Vec<String> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let names: Vec<&str> = fields.iter().map(String::as_str).collect();
        for (i, row) in iter.enumerate() {
            let row = row?;
            let values: Vec<Value> = if let Ok(m) = row.cast::<PyMapping>() {
                let mut values = Vec::with_capacity(names.len());
                for f in &names {
                    values.push(match m.contains(f)? {
                        true => value(&m.get_item(f)?)?,
                        false => Value::Null,
                    });
                }
                values
            } else if row.is_instance_of::<pyo3::types::PyTuple>()
                || row.is_instance_of::<pyo3::types::PyList>()
            {
                row.try_iter()?
                    .map(|v| value(&v?))
                    .collect::<PyResult<_>>()?
            } else {
                b.issue(Issue::new(
                    Code::InvalidRow,
                    at.clone().index(i),
                    format!("a record is a dict of field values (or a tuple in the declared field order), not {}", type_name(&row)),
                ));
                continue;
            };
            let cells: Vec<RecordCell<'_>> =
                values.iter().map(|v| RecordCell::Value(v.cell())).collect();
            builder.push_cells(&cells, None);
        }
        out.push(Pending::Set(builder.finish()));
    }
    Ok(out)
}

/// Builds the record sets (without the interpreter), in name order like the core's JSON path.
pub(crate) fn build(
    plan: &CompiledPlan,
    pending: Vec<Pending>,
    b: &mut IntakeBuilder,
) -> RecordSets {
    let mut sets: Vec<RecordSet> = Vec::with_capacity(pending.len());
    for p in pending {
        match p {
            Pending::Set(set) => sets.push(set),
            Pending::Table { name, table } => {
                if let Some(set) = table_set(plan, &name, &table, b) {
                    sets.push(set);
                }
            }
        }
    }
    sets.sort_by(|a, b| a.name().cmp(b.name()));
    let mut out = RecordSets::new();
    for set in sets {
        if let Err(e) = out.insert(set) {
            e.issues.into_iter().for_each(|i| b.issue(i));
        }
    }
    out
}

const STRICT: CastOptions<'static> = CastOptions {
    safe: false,
    format_options: arrow_cast::display::FormatOptions::new(),
};

/// How one column of a field is read.
enum Reader {
    Value(Column),
    /// Timestamps (as i64 in `unit`); `naive` when the column has no time zone.
    Timestamp(ArrayRef, TimeUnit, bool),
    Date32(ArrayRef),
    Date64(ArrayRef),
}

/// The reader for a column of `kind`, or `None` when its type cannot hold the kind.
fn reader(kind: FieldKind, col: &ArrayRef) -> Option<Reader> {
    use DataType as D;
    let dt = col.data_type();
    if col.null_count() == col.len() {
        return Some(Reader::Value(Column::Null));
    }
    if let D::Dictionary(_, value) = dt {
        return reader(kind, &cast_with_options(col, value, &STRICT).ok()?);
    }
    let int = matches!(
        dt,
        D::Int8 | D::Int16 | D::Int32 | D::Int64 | D::UInt8 | D::UInt16 | D::UInt32 | D::UInt64
    );
    let number = int
        || matches!(dt, D::Float16 | D::Float32 | D::Float64)
        || matches!(
            dt,
            D::Decimal32(..) | D::Decimal64(..) | D::Decimal128(..) | D::Decimal256(..)
        );
    let fits = match kind {
        _ if matches!(dt, D::Utf8 | D::LargeUtf8 | D::Utf8View) => true,
        FieldKind::Text => int,
        FieldKind::Decimal => number,
        FieldKind::Boolean => *dt == D::Boolean,
        FieldKind::Timestamp => {
            if let D::Timestamp(unit, zone) = dt {
                let micros = cast_with_options(col, &D::Int64, &STRICT).ok()?;
                return Some(Reader::Timestamp(micros, *unit, zone.is_none()));
            }
            false
        }
        FieldKind::Date => {
            return match dt {
                D::Date32 => Some(Reader::Date32(col.clone())),
                D::Date64 => Some(Reader::Date64(col.clone())),
                D::Utf8 | D::LargeUtf8 | D::Utf8View => Some(Reader::Value(Column::new(col))),
                _ => None,
            };
        }
    };
    fits.then(|| Reader::Value(Column::new(col)))
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

const OUT_OF_RANGE: &str = "the value is beyond the range of dates and times";

/// The cell of row `i`: a naive timestamp is wall time in the plan's time zone `tz`.
fn read(r: &Reader, i: usize, tz: UtcOffset) -> RecordCell<'_> {
    fn prim<T: arrow_array::ArrowPrimitiveType>(a: &ArrayRef, i: usize) -> Option<T::Native> {
        let p = a.as_primitive_opt::<T>()?;
        if p.is_null(i) { None } else { Some(p.value(i)) }
    }
    let cell = match r {
        Reader::Value(c) => return RecordCell::Value(c.get(i)),
        Reader::Date32(a) => prim::<Date32Type>(a, i).map(RecordCell::Date),
        Reader::Date64(a) => prim::<Date64Type>(a, i).map(|ms| {
            i32::try_from(ms.div_euclid(86_400_000))
                .map_or(RecordCell::Bad(OUT_OF_RANGE), RecordCell::Date)
        }),
        Reader::Timestamp(a, unit, naive) => prim::<Int64Type>(a, i).map(|v| {
            let micros = match unit {
                TimeUnit::Second => v.checked_mul(1_000_000),
                TimeUnit::Millisecond => v.checked_mul(1_000),
                TimeUnit::Microsecond => Some(v),
                TimeUnit::Nanosecond => Some(v.div_euclid(1_000)),
            };
            let offset = if *naive {
                i64::from(tz.seconds()) * 1_000_000
            } else {
                0
            };
            micros
                .and_then(|m| m.checked_sub(offset))
                .map_or(RecordCell::Bad(OUT_OF_RANGE), RecordCell::Timestamp)
        }),
    };
    cell.unwrap_or(RecordCell::Value(kpichain::Cell::Null))
}

/// A table → a record set, every row through the plan's builder once. `None` when a column
/// is missing or of the wrong type (reported to `b`).
fn table_set(
    plan: &CompiledPlan,
    name: &str,
    table: &Table,
    b: &mut IntakeBuilder,
) -> Option<RecordSet> {
    let mut builder = plan.record_builder(name)?;
    let tz = plan.plan().time_zone.unwrap_or(UtcOffset::UTC);
    let fields: Vec<Field> = builder.schema().fields().to_vec();
    let at = |f: &Field| Path::root().key("records").key(name).key(f.name.as_str());
    let names: Vec<&str> = table
        .schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    let positions: Vec<Option<usize>> = fields
        .iter()
        .map(|f| names.iter().position(|n| *n == f.name))
        .collect();
    let mut ok = true;
    for (f, p) in fields.iter().zip(&positions) {
        if p.is_none() && !f.optional {
            ok = false;
            b.issue(Issue::new(
                Code::MissingColumn,
                at(f),
                format!("the {name} table has no `{}` column (a required {} field); its columns are {names:?}", f.name, f.kind.as_str()),
            ));
        }
    }
    let mut reported = vec![false; fields.len()];
    let mut readers: Vec<Vec<Reader>> = Vec::with_capacity(table.batches.len());
    for batch in &table.batches {
        let mut per_field = Vec::with_capacity(fields.len());
        for (k, (f, p)) in fields.iter().zip(&positions).enumerate() {
            let Some(col) = p.and_then(|p| batch.columns().get(p)) else {
                per_field.push(Reader::Value(Column::Null));
                continue;
            };
            match reader(f.kind, col) {
                Some(r) => per_field.push(r),
                None => {
                    ok = false;
                    if let Some(done) = reported.get_mut(k).filter(|d| !**d) {
                        *done = true;
                        b.issue(Issue::new(
                            Code::UnsupportedColumnType,
                            at(f),
                            format!(
                                "field '{}' is declared {}, but its column has type {}; {}",
                                f.name,
                                f.kind.as_str(),
                                col.data_type(),
                                hint(f.kind)
                            ),
                        ));
                    }
                    per_field.push(Reader::Value(Column::Null));
                }
            }
        }
        readers.push(per_field);
    }
    if !ok {
        return None;
    }
    let mut cells = Vec::with_capacity(fields.len());
    for (batch, per_field) in table.batches.iter().zip(&readers) {
        for i in 0..batch.num_rows() {
            cells.clear();
            cells.extend(per_field.iter().map(|r| read(r, i, tz)));
            builder.push_cells(&cells, None);
        }
    }
    Some(builder.finish())
}

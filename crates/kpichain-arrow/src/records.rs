//! Tables of raw records (the record sets a plan's measures read) → the plan's
//! [`RecordSetBuilder`](kpichain::measure::RecordSetBuilder), every row once, as typed cells
//! ([`RecordCell`]): a bad cell (a missing required value, NaN or ±inf, text that does not
//! parse) makes a bad record that the core reports as `records.SET[i].FIELD`, or skips under
//! the plan's `bad_records: skip`, exactly as for JSON and CSV input.
//!
//! A column is read by its field's declared kind: text ← strings, categoricals or integers;
//! decimal ← decimals, integers, floats or text; timestamp ← timestamps (with a zone: the
//! instant; naive: wall time in the plan's time zone) or text; date ← dates or text; boolean
//! ← booleans or text. A column of another type is `unsupported_column_type`; a column of
//! nulls, of any type, is a column of missing values.

use arrow_array::types::{Date32Type, Date64Type, Int64Type};
use arrow_array::{Array, ArrayRef};
use arrow_cast::cast_with_options;
use arrow_schema::{DataType, TimeUnit};
use kpichain::measure::{Field, FieldKind, RecordCell, RecordSet, RecordSets, UtcOffset};
use kpichain::{Code, CompiledPlan, IntakeBuilder, Issue, Path};

use crate::column::{STRICT, primitive};
use crate::{Column, Table};

/// A record set built already (from a host's rows), or a table still to read.
#[derive(Debug)]
pub enum Pending {
    /// A built record set.
    Set(RecordSet),
    /// The table of the record set `name`.
    Table {
        /// The record set's name, as the plan declares it.
        name: String,
        /// Its records.
        table: Table,
    },
}

/// The record sets, tables read by [`record_set`], in name order (as the core's JSON path
/// builds them); every problem goes to `b`.
pub fn record_sets(
    plan: &CompiledPlan,
    pending: Vec<Pending>,
    b: &mut IntakeBuilder,
) -> RecordSets {
    let mut sets: Vec<RecordSet> = Vec::with_capacity(pending.len());
    for p in pending {
        match p {
            Pending::Set(set) => sets.push(set),
            Pending::Table { name, table } => sets.extend(record_set(plan, &name, &table, b)),
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
        return Some(Reader::Value(Column::NULL));
    }
    if let D::Dictionary(_, value) = dt {
        return reader(kind, &cast_with_options(col, value, &STRICT).ok()?);
    }
    let text = matches!(dt, D::Utf8 | D::LargeUtf8 | D::Utf8View);
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
        _ if text => true,
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
    let cell = match r {
        Reader::Value(c) => return RecordCell::Value(c.get(i)),
        Reader::Date32(a) => primitive::<Date32Type>(a, i).map(RecordCell::Date),
        Reader::Date64(a) => primitive::<Date64Type>(a, i).map(|ms| {
            i32::try_from(ms.div_euclid(86_400_000))
                .map_or(RecordCell::Bad(OUT_OF_RANGE), RecordCell::Date)
        }),
        Reader::Timestamp(a, unit, naive) => primitive::<Int64Type>(a, i).map(|v| {
            let micros = match unit {
                TimeUnit::Second => v.checked_mul(1_000_000),
                TimeUnit::Millisecond => v.checked_mul(1_000),
                TimeUnit::Microsecond => Some(v),
                TimeUnit::Nanosecond => Some(v.div_euclid(1_000)),
            };
            let offset = if *naive { i64::from(tz.seconds()) } else { 0 };
            micros
                .zip(offset.checked_mul(1_000_000))
                .and_then(|(m, o)| m.checked_sub(o))
                .map_or(RecordCell::Bad(OUT_OF_RANGE), RecordCell::Timestamp)
        }),
    };
    cell.unwrap_or(RecordCell::Value(kpichain::Cell::Null))
}

/// A table → the record set `name` of `plan`, every row through the plan's builder once.
/// `None` when the plan declares no such set, or a column is missing or of the wrong type
/// (reported to `b`: `missing_column`, `unsupported_column_type` at `records.SET.FIELD`).
pub fn record_set(
    plan: &CompiledPlan,
    name: &str,
    table: &Table,
    b: &mut IntakeBuilder,
) -> Option<RecordSet> {
    let mut builder = plan.record_builder(name)?;
    let tz = plan.plan().time_zone.unwrap_or(UtcOffset::UTC);
    let fields: Vec<Field> = builder.schema().fields().to_vec();
    let at = |f: &Field| Path::root().key("records").key(name).key(f.name.as_str());
    let names: Vec<&str> = (table.schema.fields().iter())
        .map(|f| f.name().as_str())
        .collect();
    let positions: Vec<Option<usize>> = (fields.iter())
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
                per_field.push(Reader::Value(Column::NULL));
                continue;
            };
            if let Some(r) = reader(f.kind, col) {
                per_field.push(r);
                continue;
            }
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
            per_field.push(Reader::Value(Column::NULL));
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

//! An evaluation as an Arrow record batch: one row per subject ([`subjects`]) or per subject
//! and item ([`items`]).
//!
//! Decimal columns are `Decimal128(38, s)` with `s` the largest scale in the column (values
//! with a smaller scale are padded exactly, `1.5` → `1.50`); with `floats` they are `Float64`.

use std::sync::Arc;

use arrow_array::builder::{Decimal128Builder, Float64Builder, StringBuilder, UInt32Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, Field, Schema};
use kpichain::{ColumnScores, Evaluation, ItemResult, SubjectResult};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Why a result table could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// A value needs more than the 38 digits of a `Decimal128` column at the column's scale.
    #[error("column {column}: {value} does not fit a Decimal128(38, {scale}) column")]
    DoesNotFit {
        /// The column's name.
        column: String,
        /// The value.
        value: Decimal,
        /// The column's scale.
        scale: u32,
    },
    /// Arrow refused a column.
    #[error("column {column}: {source}")]
    Arrow {
        /// The column's name.
        column: String,
        /// What Arrow said.
        source: ArrowError,
    },
    /// Arrow refused the batch.
    #[error(transparent)]
    Batch(#[from] ArrowError),
}

type Column = (Field, ArrayRef);

fn text<'a>(name: &str, values: impl Iterator<Item = Option<&'a str>>) -> Column {
    let mut b = StringBuilder::new();
    let mut nullable = false;
    for v in values {
        nullable |= v.is_none();
        b.append_option(v);
    }
    let array: ArrayRef = Arc::new(b.finish());
    (Field::new(name, array.data_type().clone(), nullable), array)
}

fn number(name: &str, values: &[Option<Decimal>], floats: bool) -> Result<Column, TableError> {
    let nullable = values.iter().any(Option::is_none);
    if floats {
        let mut b = Float64Builder::with_capacity(values.len());
        for v in values {
            b.append_option(v.and_then(|d| d.to_f64()));
        }
        let array: ArrayRef = Arc::new(b.finish());
        return Ok((Field::new(name, array.data_type().clone(), nullable), array));
    }
    let scale = (values.iter().flatten().map(Decimal::scale))
        .max()
        .unwrap_or(0);
    let mut b = Decimal128Builder::with_capacity(values.len());
    for v in values {
        match v {
            None => b.append_null(),
            Some(d) => {
                let factor = 10i128.checked_pow(scale.saturating_sub(d.scale()));
                let m = factor
                    .and_then(|f| d.mantissa().checked_mul(f))
                    .ok_or_else(|| TableError::DoesNotFit {
                        column: name.to_string(),
                        value: *d,
                        scale,
                    })?;
                b.append_value(m);
            }
        }
    }
    let array = (b.finish())
        .with_precision_and_scale(38, i8::try_from(scale).unwrap_or(i8::MAX))
        .map_err(|source| TableError::Arrow {
            column: name.to_string(),
            source,
        })?;
    let array: ArrayRef = Arc::new(array);
    Ok((Field::new(name, array.data_type().clone(), nullable), array))
}

fn count(name: &str, values: impl Iterator<Item = usize>) -> Column {
    let mut b = UInt32Builder::new();
    for v in values {
        b.append_value(u32::try_from(v).unwrap_or(u32::MAX));
    }
    let array: ArrayRef = Arc::new(b.finish());
    (Field::new(name, array.data_type().clone(), false), array)
}

fn batch(columns: Vec<Column>) -> Result<RecordBatch, TableError> {
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = columns.into_iter().unzip();
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

/// One row per subject: `subject`, `name`, `role`, `variant`, `unit`, `region`, `total`,
/// `grade`, `coefficient`, `payout`, `total_unrounded`, `adjustment_points`, `vetoes` (the
/// ids of the vetoes that held, comma-separated; null when none did) and `warnings` (how many).
pub fn subjects(eval: &Evaluation, floats: bool) -> Result<RecordBatch, TableError> {
    let r = &eval.results;
    let dec = |name: &str, f: &dyn Fn(&SubjectResult) -> Option<Decimal>| {
        let values: Vec<Option<Decimal>> = r.iter().map(f).collect();
        number(name, &values, floats)
    };
    let vetoes: Vec<Option<String>> = (r.iter())
        .map(|x| {
            (!x.vetoes.is_empty()).then(|| {
                x.vetoes
                    .iter()
                    .map(|v| &*v.id)
                    .collect::<Vec<_>>()
                    .join(",")
            })
        })
        .collect();
    batch(vec![
        text("subject", r.iter().map(|x| Some(&*x.subject))),
        text("name", r.iter().map(|x| x.name.as_deref())),
        text("role", r.iter().map(|x| Some(&*x.role))),
        text("variant", r.iter().map(|x| x.variant.as_deref())),
        text("unit", r.iter().map(|x| x.unit.as_deref())),
        text("region", r.iter().map(|x| x.region.as_deref())),
        dec("total", &|x| Some(x.total))?,
        text("grade", r.iter().map(|x| Some(&*x.grade))),
        dec("coefficient", &|x| Some(x.coefficient))?,
        dec("payout", &|x| x.payout)?,
        dec("total_unrounded", &|x| Some(x.total_unrounded))?,
        dec("adjustment_points", &|x| x.adjustment_points())?,
        text("vetoes", vetoes.iter().map(Option::as_deref)),
        count("warnings", r.iter().map(|x| x.warnings.len())),
    ])
}

/// [`subjects`] for a batch scored in columns: the same columns, read from the kernel's
/// columns without an owned result per subject. `total_unrounded` is null where the kernel
/// holds no decimal for it (a plan with unrounded stages whose terms do not terminate; the
/// subject's [`ColumnScores::result`] has it).
pub fn column_subjects(scores: &ColumnScores, floats: bool) -> Result<RecordBatch, TableError> {
    let n = scores.len();
    let none = || std::iter::repeat_n(None::<&str>, n);
    let engine = |i: usize| scores.scored_by_engine(i);
    let dec = |name: &str, f: &dyn Fn(usize) -> Option<Decimal>| {
        let values: Vec<Option<Decimal>> = (0..n).map(f).collect();
        number(name, &values, floats)
    };
    let vetoes: Vec<Option<String>> = (0..n)
        .map(|i| {
            engine(i).filter(|x| !x.vetoes.is_empty()).map(|x| {
                x.vetoes
                    .iter()
                    .map(|v| &*v.id)
                    .collect::<Vec<_>>()
                    .join(",")
            })
        })
        .collect();
    batch(vec![
        text("subject", (0..n).map(|i| Some(scores.subject(i)))),
        text(
            "name",
            (0..n).map(|i| engine(i).and_then(|x| x.name.as_deref())),
        ),
        text("role", (0..n).map(|i| Some(scores.role(i)))),
        text(
            "variant",
            (0..n).map(|i| engine(i).and_then(|x| x.variant.as_deref())),
        ),
        text("unit", none()),
        text(
            "region",
            (0..n).map(|i| engine(i).and_then(|x| x.region.as_deref())),
        ),
        dec("total", &|i| Some(scores.total(i)))?,
        text("grade", (0..n).map(|i| Some(scores.grade(i)))),
        dec("coefficient", &|i| Some(scores.coefficient(i)))?,
        dec("payout", &|i| scores.payout(i))?,
        dec("total_unrounded", &|i| scores.total_unrounded(i))?,
        dec("adjustment_points", &|i| match engine(i) {
            Some(x) => x.adjustment_points(),
            None => Some(Decimal::ZERO),
        })?,
        text("vetoes", vetoes.iter().map(Option::as_deref)),
        count(
            "warnings",
            (0..n).map(|i| engine(i).map_or(0, |x| x.warnings.len())),
        ),
    ])
}

/// One row per subject and item: `subject`, `role`, `variant`, `item`, `indicator`, `rule`,
/// `status`, `actual`, `target`, `threshold`, `stretch`, `achievement`, `raw_score`, `score`,
/// `weight`, `effective_weight`, `weighted`.
pub fn items(eval: &Evaluation, floats: bool) -> Result<RecordBatch, TableError> {
    let rows: Vec<(&SubjectResult, &ItemResult)> = (eval.results.iter())
        .flat_map(|r| r.items.iter().map(move |i| (r, i)))
        .collect();
    let dec = |name: &str, f: &dyn Fn(&ItemResult) -> Option<Decimal>| {
        let values: Vec<Option<Decimal>> = rows.iter().map(|(_, i)| f(i)).collect();
        number(name, &values, floats)
    };
    batch(vec![
        text("subject", rows.iter().map(|(r, _)| Some(&*r.subject))),
        text("role", rows.iter().map(|(r, _)| Some(&*r.role))),
        text("variant", rows.iter().map(|(r, _)| r.variant.as_deref())),
        text("item", rows.iter().map(|(_, i)| Some(&*i.item))),
        text("indicator", rows.iter().map(|(_, i)| Some(&*i.indicator))),
        text("rule", rows.iter().map(|(_, i)| Some(i.rule))),
        text("status", rows.iter().map(|(_, i)| Some(i.status.as_str()))),
        dec("actual", &|i| i.actual)?,
        dec("target", &|i| i.target)?,
        dec("threshold", &|i| i.threshold)?,
        dec("stretch", &|i| i.stretch)?,
        dec("achievement", &|i| i.achievement)?,
        dec("raw_score", &|i| Some(i.raw_score))?,
        dec("score", &|i| Some(i.score))?,
        dec("weight", &|i| Some(i.weight))?,
        dec("effective_weight", &|i| Some(i.effective_weight))?,
        dec("weighted", &|i| Some(i.weighted))?,
    ])
}

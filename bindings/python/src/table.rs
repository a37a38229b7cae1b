//! Evaluation → one Arrow record batch, exported through the Arrow PyCapsule interface.
//!
//! Decimal columns are `Decimal128(38, s)` with `s` the largest scale in the column (values
//! with a smaller scale are padded exactly, `1.5` → `1.50`); with `floats` they are `Float64`.

use std::sync::Arc;

use arrow_array::builder::{Decimal128Builder, Float64Builder, StringBuilder, UInt32Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};
use kpichain::{Evaluation, ItemStatus};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

fn text<'a>(name: &str, values: impl Iterator<Item = Option<&'a str>>) -> (Field, ArrayRef) {
    let mut b = StringBuilder::new();
    let mut nullable = false;
    for v in values {
        nullable |= v.is_none();
        b.append_option(v);
    }
    let array: ArrayRef = Arc::new(b.finish());
    (Field::new(name, array.data_type().clone(), nullable), array)
}

fn number(name: &str, values: &[Option<Decimal>], floats: bool) -> PyResult<(Field, ArrayRef)> {
    let nullable = values.iter().any(Option::is_none);
    if floats {
        let mut b = Float64Builder::with_capacity(values.len());
        for v in values {
            b.append_option(v.and_then(|d| d.to_f64()));
        }
        let array: ArrayRef = Arc::new(b.finish());
        return Ok((Field::new(name, array.data_type().clone(), nullable), array));
    }
    let scale = values
        .iter()
        .flatten()
        .map(Decimal::scale)
        .max()
        .unwrap_or(0);
    let mut b = Decimal128Builder::with_capacity(values.len());
    for v in values {
        match v {
            None => b.append_null(),
            Some(d) => {
                let factor = 10i128.checked_pow(scale.saturating_sub(d.scale()));
                let m = factor.and_then(|f| d.mantissa().checked_mul(f)).ok_or_else(|| {
                    PyValueError::new_err(format!("column {name}: {d} does not fit a Decimal128(38, {scale}) column; use floats=True"))
                })?;
                b.append_value(m);
            }
        }
    }
    let scale_i8 = i8::try_from(scale).unwrap_or(i8::MAX);
    let array = b
        .finish()
        .with_precision_and_scale(38, scale_i8)
        .map_err(|e| PyValueError::new_err(format!("column {name}: {e}")))?;
    let array: ArrayRef = Arc::new(array);
    Ok((Field::new(name, array.data_type().clone(), nullable), array))
}

fn count(name: &str, values: impl Iterator<Item = usize>) -> (Field, ArrayRef) {
    let mut b = UInt32Builder::new();
    for v in values {
        b.append_value(u32::try_from(v).unwrap_or(u32::MAX));
    }
    let array: ArrayRef = Arc::new(b.finish());
    (Field::new(name, array.data_type().clone(), false), array)
}

fn status(s: ItemStatus) -> &'static str {
    match s {
        ItemStatus::Scored => "scored",
        ItemStatus::MissingZero => "missing_zero",
        ItemStatus::Excluded => "excluded",
    }
}

fn subjects(eval: &Evaluation, floats: bool) -> PyResult<Vec<(Field, ArrayRef)>> {
    let r = &eval.results;
    let dec = |name: &str, f: &dyn Fn(&kpichain::SubjectResult) -> Option<Decimal>| {
        let values: Vec<Option<Decimal>> = r.iter().map(f).collect();
        number(name, &values, floats)
    };
    // Comma-separated ids of the vetoes that fired; null when none did.
    let vetoes: Vec<Option<String>> = r
        .iter()
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
    Ok(vec![
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

fn items(eval: &Evaluation, floats: bool) -> PyResult<Vec<(Field, ArrayRef)>> {
    let rows: Vec<(&kpichain::SubjectResult, &kpichain::ItemResult)> = eval
        .results
        .iter()
        .flat_map(|r| r.items.iter().map(move |i| (r, i)))
        .collect();
    let dec = |name: &str, f: &dyn Fn(&kpichain::ItemResult) -> Option<Decimal>| {
        let values: Vec<Option<Decimal>> = rows.iter().map(|(_, i)| f(i)).collect();
        number(name, &values, floats)
    };
    Ok(vec![
        text("subject", rows.iter().map(|(r, _)| Some(&*r.subject))),
        text("role", rows.iter().map(|(r, _)| Some(&*r.role))),
        text("variant", rows.iter().map(|(r, _)| r.variant.as_deref())),
        text("item", rows.iter().map(|(_, i)| Some(&*i.item))),
        text("indicator", rows.iter().map(|(_, i)| Some(&*i.indicator))),
        text("rule", rows.iter().map(|(_, i)| Some(i.rule))),
        text("status", rows.iter().map(|(_, i)| Some(status(i.status)))),
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

/// Builds the per-subject (or per-item) table.
pub(crate) fn build(
    py: Python<'_>,
    eval: &Evaluation,
    per_item: bool,
    floats: bool,
) -> PyResult<pyo3_arrow::PyTable> {
    let columns = py.detach(|| {
        if per_item {
            items(eval, floats)
        } else {
            subjects(eval, floats)
        }
    })?;
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = columns.into_iter().unzip();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    pyo3_arrow::PyTable::try_new(vec![batch], schema)
}

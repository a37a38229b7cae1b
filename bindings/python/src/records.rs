//! Record sets (the raw business records the plan's measures read) from Python: a dict of
//! record set name → a data frame (through the Arrow C stream interface) or a list of rows
//! (dicts, or tuples in the declared field order).
//!
//! Every record — a Python row or a row of a frame (read by `kpichain_arrow::records`) —
//! goes through the plan's [`RecordSetBuilder`](kpichain::measure::RecordSetBuilder) once,
//! as typed cells ([`RecordCell`]): a bad cell makes a bad record that the core reports as
//! `records.SET[i].FIELD`, or skips under the plan's `bad_records: skip`, exactly as for
//! JSON and CSV input.

use kpichain::measure::RecordCell;
use kpichain::{Code, CompiledPlan, IntakeBuilder, Issue, Path};
use kpichain_arrow::records::Pending;
use pyo3::prelude::*;
use pyo3::types::{PyMapping, PyString};

use crate::cells::{Value, type_name, value};
use crate::intake::{import_table, is_table};

/// Reads the `records=` argument (with the interpreter): rows are built into record sets
/// now, tables are imported and built later by [`kpichain_arrow::records::record_sets`].
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

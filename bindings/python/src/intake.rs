//! The `score` inputs — Python rows (dicts, mappings, tuples) or data frames (anything that
//! exports an Arrow C stream) — fed, row by row as cells, to the core's [`IntakeBuilder`],
//! which reads every layout and reports every problem at the caller's rows. Frames are read
//! by `kpichain_arrow`; here are the Python rows, the import and the pandas specifics.

use kpichain::{Code, IntakeBuilder, Issue, Path};
use kpichain_arrow::Table;
use kpichain_arrow::intake::{List, Options};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMapping, PyString, PyTuple};

use crate::cells::{Value, type_name};
use crate::errors::{self, Kind};

/// The fields of a tuple row of `list`, in order, and how many it needs at least.
fn tuple(list: List) -> (&'static [&'static str], usize, &'static str) {
    match list {
        List::Assignments => (
            &["subject", "role", "name", "unit", "region", "bonus_base"],
            2,
            "an assignment tuple is (subject, role[, name, unit, region, bonus_base])",
        ),
        List::Actuals => (
            &["subject", "indicator", "value"],
            3,
            "an actual tuple is (subject, indicator, value)",
        ),
        List::Targets => (
            &["subject", "indicator", "target", "threshold", "stretch"],
            3,
            "a target tuple is (subject, indicator, target[, threshold[, stretch]])",
        ),
        List::Units => (
            &["id", "name", "parent", "region"],
            1,
            "a unit tuple is (id[, name[, parent[, region]]])",
        ),
    }
}

/// True for data frames and anything else that exports an Arrow C stream.
pub(crate) fn is_table(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    obj.hasattr("__arrow_c_stream__")
}

/// Imports a table through the Arrow C stream interface. A frame that has no Arrow form
/// (a pandas column mixing text and numbers) is an input error naming the column.
pub(crate) fn import_table(py: Python<'_>, obj: &Bound<'_, PyAny>, list: &str) -> PyResult<Table> {
    let e = match obj.extract::<pyo3_arrow::PyTable>() {
        Ok(t) => {
            let (batches, schema) = t.into_inner();
            return Ok(Table { schema, batches });
        }
        // A missing optional dependency (pandas needs pyarrow to export) is not an input error.
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyImportError>(py) => return Err(e),
        Err(e) => e,
    };
    let mut issue = Issue::new(
        Code::UnreadableTable,
        Path::root().key(list),
        format!("the {list} table could not be read through the Arrow C stream interface"),
    );
    // Find the column that cannot be exported (pandas: one column at a time).
    if let (Ok(columns), true) = (obj.getattr("columns"), obj.hasattr("__getitem__")?) {
        for name in columns.try_iter()? {
            let name = name?;
            let one = obj.get_item(PyList::new(py, [&name])?)?;
            if one.extract::<pyo3_arrow::PyTable>().is_err() {
                let name = name.str()?.to_cow()?.into_owned();
                issue = Issue::new(
                    Code::UnsupportedColumnType,
                    Path::root().key(list).key(name.as_str()),
                    format!(
                        "the column '{name}' of the {list} table mixes values of different types (such as text and numbers); give it one type, e.g. with .astype(str)"
                    ),
                );
                break;
            }
        }
    }
    let err = errors::to_pyerr(py, Kind::Input, &[issue]);
    err.set_cause(py, Some(e));
    Err(err)
}

fn not_rows(b: &mut IntakeBuilder, list: &str, obj: &Bound<'_, PyAny>) {
    let ty = type_name(obj);
    let hint = if ty == "LazyFrame" {
        "; call .collect() on the LazyFrame first".to_string()
    } else {
        String::new()
    };
    b.issue(Issue::new(
        Code::InvalidType,
        Path::root().key(list),
        format!(
            "{list} must be a list of rows (dicts or tuples) or a data frame, not a {ty}{hint}"
        ),
    ));
}

/// A Python row's fields by name, or `None` (reported) when it is not a row.
pub(crate) fn fields(
    row: &Bound<'_, PyAny>,
    names: &[&str],
    min: usize,
    shape: &str,
    at: Path,
    b: &mut IntakeBuilder,
) -> PyResult<Option<Vec<(String, Value)>>> {
    if row.is_instance_of::<PyTuple>() || row.is_instance_of::<PyList>() {
        let items = row.try_iter()?.collect::<PyResult<Vec<_>>>()?;
        if !(min..=names.len()).contains(&items.len()) {
            b.issue(Issue::new(Code::InvalidRow, at, shape));
            return Ok(None);
        }
        let mut out = Vec::with_capacity(items.len());
        for (name, item) in names.iter().zip(&items) {
            out.push((name.to_string(), crate::cells::value(item)?));
        }
        return Ok(Some(out));
    }
    let Ok(map) = row.cast::<PyMapping>() else {
        b.issue(Issue::new(
            Code::InvalidRow,
            at,
            format!("a row must be a dict or a tuple, not {}", type_name(row)),
        ));
        return Ok(None);
    };
    let mut out = Vec::new();
    for item in map.items()?.iter() {
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let Ok(key) = k.cast::<PyString>() else {
            b.issue(Issue::new(
                Code::InvalidType,
                at.clone(),
                "keys must be strings",
            ));
            continue;
        };
        let key = key.to_cow()?.into_owned();
        // The core's JSON shape nests an assignment's attributes in a dict.
        if let (true, Ok(nested)) = (key == "attributes", v.cast::<PyDict>()) {
            for (ak, av) in nested.iter() {
                out.push((ak.str()?.to_cow()?.into_owned(), crate::cells::value(&av)?));
            }
            continue;
        }
        out.push((key, crate::cells::value(&v)?));
    }
    Ok(Some(out))
}

/// Feeds Python rows of `list` to the builder. With `long`, an actuals row without an
/// `indicator` is read as long anyway (and reported).
pub(crate) fn rows(
    b: &mut IntakeBuilder,
    list: List,
    obj: &Bound<'_, PyAny>,
    long: bool,
) -> PyResult<()> {
    let name = list.name();
    let rows_like = !obj.is_instance_of::<PyString>()
        && obj.cast::<PyDict>().is_err()
        && type_name(obj) != "LazyFrame";
    let iter = match obj.try_iter() {
        Ok(it) if rows_like => it,
        _ => {
            not_rows(b, name, obj);
            return Ok(());
        }
    };
    let (names, min, shape) = tuple(list);
    for (i, row) in iter.enumerate() {
        let at = Path::root().key(name).index(i);
        let Some(mut values) = fields(&row?, names, min, shape, at, b)? else {
            continue;
        };
        if long && list == List::Actuals && !values.iter().any(|(k, _)| k == "indicator") {
            values.push(("indicator".to_string(), Value::Null));
        }
        let cells: Vec<(&str, kpichain::Cell<'_>)> =
            values.iter().map(|(k, v)| (k.as_str(), v.cell())).collect();
        list.push(b, i, None, &cells);
    }
    Ok(())
}

/// Columns pandas adds when a frame with a non-default, unnamed index is exported to Arrow.
fn is_index_artifact(name: &str) -> bool {
    name.starts_with("__index_level_") && name.ends_with("__")
}

/// Feeds an imported frame of `list` to the builder, without pandas' index columns; NaN in
/// a float column is pandas' and polars' mark of a missing value.
pub(crate) fn table(b: &mut IntakeBuilder, list: List, table: &Table, long: bool) {
    let keep: Vec<usize> = (table.schema.fields().iter().enumerate())
        .filter(|(_, f)| !is_index_artifact(f.name()))
        .map(|(k, _)| k)
        .collect();
    let projected = (keep.len() < table.schema.fields().len()).then(|| Table {
        schema: table
            .schema
            .project(&keep)
            .map_or(table.schema.clone(), Into::into),
        batches: (table.batches.iter())
            .filter_map(|batch| batch.project(&keep).ok())
            .collect(),
    });
    let options = Options {
        long,
        nan_is_missing: true,
    };
    kpichain_arrow::intake::feed(b, list, projected.as_ref().unwrap_or(table), options);
}

//! Plain Python data (dicts, lists, str, int, float, Decimal, bool, None) → JSON text for the
//! core's serde model. Numbers are written as exact JSON number literals (the workspace builds
//! serde_json with `arbitrary_precision`, so the core reads them digit for digit): `Decimal` and
//! `int` exactly, `float` by its shortest repr. NaN and ±infinity are reported with the path
//! of the offending value, as is any object that has no JSON form.

use kpichain::Code;
use kpichain::Issue;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::numbers::{self, NumProblem};

/// Serializes `obj`, collecting every problem as an issue.
pub(crate) fn to_json_text(obj: &Bound<'_, PyAny>) -> PyResult<Result<String, Vec<Issue>>> {
    let mut out = String::with_capacity(1024);
    let mut issues = Vec::new();
    let mut path = String::new();
    write_value(obj, None, &mut path, &mut out, &mut issues)?;
    Ok(if issues.is_empty() {
        Ok(out)
    } else {
        Err(issues)
    })
}

fn write_str(s: &str, out: &mut String) {
    // serde_json's string escaping is exactly JSON's.
    out.push_str(&serde_json::Value::from(s).to_string());
}

fn write_value(
    obj: &Bound<'_, PyAny>,
    what: Option<&str>,
    path: &mut String,
    out: &mut String,
    issues: &mut Vec<Issue>,
) -> PyResult<()> {
    if obj.is_none() {
        out.push_str("null");
    } else if obj.is_instance_of::<PyBool>() {
        out.push_str(if obj.is_truthy()? { "true" } else { "false" });
    } else if obj.is_instance_of::<PyString>() {
        write_str(&obj.cast::<PyString>()?.to_cow()?, out);
    } else if obj.is_instance_of::<PyInt>() {
        out.push_str(&obj.str()?.to_cow()?);
    } else if obj.is_instance_of::<PyFloat>() {
        match numbers::from_f64(obj.extract()?) {
            Ok(d) => out.push_str(&d.to_string()),
            Err(NumProblem::OutOfRange(_)) => out.push_str(&obj.repr()?.to_cow()?),
            Err(p) => {
                issues.push(number_issue(path, what, &p));
                out.push_str("null");
            }
        }
    } else if let Ok(dict) = obj.cast::<PyDict>() {
        // A row of inputs (`{"subject", "indicator", "value"}`) names its subject and indicator
        // in the messages about its numbers.
        let owner = owner_of(dict)?;
        out.push('{');
        for (n, (k, v)) in dict.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            let key = match k.cast::<PyString>() {
                Ok(s) => s.to_cow()?.into_owned(),
                Err(_) => {
                    issues.push(Issue::new(
                        Code::InvalidType,
                        path.clone(),
                        format!("keys must be strings; found {}", k.repr()?.to_cow()?),
                    ));
                    k.str()?.to_cow()?.into_owned()
                }
            };
            write_str(&key, out);
            out.push(':');
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&key);
            let what = owner.as_ref().map(|o| describe(o, &key));
            write_value(&v, what.as_deref(), path, out, issues)?;
            path.truncate(len);
        }
        out.push('}');
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        out.push('[');
        for (i, v) in obj.try_iter()?.enumerate() {
            if i > 0 {
                out.push(',');
            }
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            write_value(&v?, None, path, out, issues)?;
            path.truncate(len);
        }
        out.push(']');
    } else if obj.is_instance(numbers::decimal_class(obj.py())?)? {
        match numbers::from_py(obj)? {
            Ok(Some(d)) => out.push_str(&d.to_string()),
            Ok(None) => out.push_str("null"),
            Err(NumProblem::OutOfRange(_)) => {
                out.push_str(&obj.call_method1("__format__", ("f",))?.str()?.to_cow()?)
            }
            Err(p) => {
                issues.push(number_issue(path, what, &p));
                out.push_str("null");
            }
        }
    } else if let Ok(mapping) = obj.cast::<pyo3::types::PyMapping>() {
        let dict = PyDict::new(obj.py());
        for item in mapping.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            dict.set_item(k, v)?;
        }
        write_value(dict.as_any(), what, path, out, issues)?;
    } else {
        match numbers::from_py(obj)? {
            Ok(Some(d)) => out.push_str(&d.to_string()),
            Ok(None) => out.push_str("null"),
            Err(p) => {
                issues.push(number_issue(path, what, &p));
                out.push_str("null");
            }
        }
    }
    Ok(())
}

/// The subject (and indicator) a dict is about, when it has them as strings.
fn owner_of(dict: &Bound<'_, PyDict>) -> PyResult<Option<(String, Option<String>)>> {
    let text = |key: &str| -> PyResult<Option<String>> {
        Ok(match dict.get_item(key)? {
            Some(v) => v
                .cast::<PyString>()
                .ok()
                .map(|s| s.to_cow().map(|c| c.into_owned()))
                .transpose()?,
            None => None,
        })
    };
    Ok(text("subject")?.map(|s| (s, text("indicator").ok().flatten())))
}

/// "the actual of subject 'E1' for indicator 'sales'", "the bonus_base of subject 'E1'".
fn describe((subject, indicator): &(String, Option<String>), key: &str) -> String {
    let field = if key == "value" { "actual" } else { key };
    match indicator {
        Some(i) => format!("the {field} of subject '{subject}' for indicator '{i}'"),
        None => format!("the {field} of subject '{subject}'"),
    }
}

fn number_issue(path: &str, what: Option<&str>, problem: &NumProblem) -> Issue {
    let what = match what {
        Some(w) => w.to_string(),
        None if path.is_empty() => "the value".to_string(),
        None => format!("the value at `{path}`"),
    };
    Issue::new(problem.code(), path, problem.message(&what))
}

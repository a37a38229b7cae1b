//! Plain Python data (dicts, lists, str, int, float, Decimal, bool, None) → JSON text for the
//! core's serde model. Numbers are written as exact JSON number literals (the workspace builds
//! serde_json with `arbitrary_precision`, so the core reads them digit for digit): `Decimal` and
//! `int` exactly, `float` by its shortest repr. JSON has no NaN or infinity: in inputs they are
//! written as text, which the core refuses naming the subject and indicator; elsewhere they are
//! reported here at their path (with the core's code, `invalid_number`). Lists
//! and dicts nested more than 128 deep or containing themselves, and objects with no JSON
//! form, are reported here at their path.

use kpichain::{Cell, Code, Issue, Path};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMapping, PyString, PyTuple};

use crate::cells::{Value, value};

/// Serializes `obj`, collecting every problem as an issue. With `inputs`, NaN and ±infinity
/// are written as text for the core to refuse naming the subject and indicator; elsewhere
/// (plans, requests) they are reported here at their path, even in a field the core ignores.
pub(crate) fn to_json_text(
    obj: &Bound<'_, PyAny>,
    inputs: bool,
) -> PyResult<Result<String, Vec<Issue>>> {
    let mut out = String::with_capacity(1024);
    let mut issues = Vec::new();
    let mut open = Vec::new();
    write_value(obj, inputs, &Path::root(), &mut open, &mut out, &mut issues)?;
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

fn what(path: &Path) -> String {
    if path.is_empty() {
        "the value".to_string()
    } else {
        format!("the value at `{path}`")
    }
}

/// Lists and objects nested deeper than this are refused (serde_json's own limit), so that no
/// value can exhaust the stack of the thread converting it.
const MAX_DEPTH: usize = 128;

/// Refuses a container nested too deep or containing itself (`open` holds the containers
/// being written, outermost first). Whether the container may be written.
fn enter(obj: &Bound<'_, PyAny>, path: &Path, open: &[usize], issues: &mut Vec<Issue>) -> bool {
    let id = obj.as_ptr() as usize;
    if open.contains(&id) {
        issues.push(Issue::new(
            Code::CyclicValue,
            path.clone(),
            format!("{} contains itself", what(path)),
        ));
        false
    } else if open.len() >= MAX_DEPTH {
        issues.push(Issue::new(
            Code::NestingTooDeep,
            path.clone(),
            format!(
                "{} nests lists and dicts more than {MAX_DEPTH} deep",
                what(path)
            ),
        ));
        false
    } else {
        true
    }
}

fn write_value(
    obj: &Bound<'_, PyAny>,
    inputs: bool,
    path: &Path,
    open: &mut Vec<usize>,
    out: &mut String,
    issues: &mut Vec<Issue>,
) -> PyResult<()> {
    let map = match obj.cast::<PyDict>() {
        Ok(d) => Some(d.clone()),
        Err(_) if obj.is_instance_of::<PyString>() => None,
        Err(_) => match obj.cast::<PyMapping>() {
            Ok(m) => Some(PyDict::from_sequence(&m.items()?.into_any())?),
            Err(_) => None,
        },
    };
    let seq = map.is_none() && (obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>());
    if map.is_none() && !seq {
        return write_scalar(obj, inputs, path, out, issues);
    }
    if !enter(obj, path, open, issues) {
        out.push_str("null");
        return Ok(());
    }
    open.push(obj.as_ptr() as usize);
    if let Some(dict) = map {
        out.push('{');
        for (n, (k, v)) in dict.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            if !k.is_instance_of::<PyString>() {
                issues.push(Issue::new(
                    Code::InvalidType,
                    path.clone(),
                    format!("keys must be strings; found {}", k.repr()?.to_cow()?),
                ));
            }
            let key = k.str()?.to_cow()?.into_owned();
            write_str(&key, out);
            out.push(':');
            let at = path.clone().key(key.as_str());
            write_value(&v, inputs, &at, open, out, issues)?;
        }
        out.push('}');
    } else {
        out.push('[');
        for (i, v) in obj.try_iter()?.enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_value(&v?, inputs, &path.clone().index(i), open, out, issues)?;
        }
        out.push(']');
    }
    open.pop();
    Ok(())
}

/// A value that is neither a mapping nor a list. Numbers are written exactly; a number beyond
/// the decimal range as its literal, for the core to refuse.
fn write_scalar(
    obj: &Bound<'_, PyAny>,
    inputs: bool,
    path: &Path,
    out: &mut String,
    issues: &mut Vec<Issue>,
) -> PyResult<()> {
    match value(obj)? {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Value::Text(t) => write_str(&t, out),
        Value::Int(i) => out.push_str(&i.to_string()),
        v @ Value::Decimal(..) => match v.cell().number() {
            Ok(Some(d)) => out.push_str(&d.to_string()),
            // Beyond the decimal range: the literal, for the core to refuse.
            Err(p) if p.code == Code::NumberOutOfRange => {
                out.push_str(&obj.call_method1("__format__", ("f",))?.str()?.to_cow()?)
            }
            // NaN or ±infinity: as text, which the core refuses.
            _ => write_str(&obj.str()?.to_cow()?, out),
        },
        Value::Float(f) => match Cell::Float(f).number() {
            Ok(Some(d)) => out.push_str(&d.to_string()),
            // Beyond the decimal range: the literal, for the core to refuse.
            Err(p) if p.code == Code::NumberOutOfRange => out.push_str(&obj.repr()?.to_cow()?),
            // NaN or ±infinity: as text in inputs, which the core refuses.
            Err(_) if inputs => write_str(&f.to_string(), out),
            Err(p) => {
                issues.push(Issue::new(p.code, path.clone(), p.message(&what(path))));
                out.push_str("null");
            }
            Ok(None) => out.push_str("null"),
        },
        v @ Value::Other(_) => {
            if let Err(p) = v.cell().number() {
                issues.push(Issue::new(p.code, path.clone(), p.message(&what(path))));
            }
            out.push_str("null");
        }
    }
    Ok(())
}

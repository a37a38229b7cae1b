//! Plain Python data (dicts, lists, str, int, float, Decimal, bool, None) → JSON text for the
//! core's serde model. Numbers are written as exact JSON number literals (the workspace builds
//! serde_json with `arbitrary_precision`, so the core reads them digit for digit): `Decimal` and
//! `int` exactly, `float` by its shortest repr. JSON has no NaN or infinity: in inputs they are
//! written as text, which the core refuses naming the subject and indicator; in a plan they
//! are reported here, at their path. An object with no JSON form is reported at its path.

use kpichain::{Cell, Code, Issue, Path};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMapping, PyString, PyTuple};

use crate::cells::{Value, value};

/// Serializes `obj`, collecting every problem as an issue. With `inputs`, NaN and ±infinity
/// are written as text for the core to refuse.
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
    let container = obj.is_instance_of::<PyDict>()
        || obj.is_instance_of::<PyList>()
        || obj.is_instance_of::<PyTuple>()
        || (!obj.is_instance_of::<PyString>() && obj.cast::<PyMapping>().is_ok());
    if container {
        if !enter(obj, path, open, issues) {
            out.push_str("null");
            return Ok(());
        }
        open.push(obj.as_ptr() as usize);
        let written = write_inner(obj, inputs, path, open, out, issues);
        open.pop();
        return written;
    }
    write_inner(obj, inputs, path, open, out, issues)
}

fn write_inner(
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
            write_value(
                &v,
                inputs,
                &path.clone().key(key.as_str()),
                open,
                out,
                issues,
            )?;
        }
        out.push('}');
        return Ok(());
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        out.push('[');
        for (i, v) in obj.try_iter()?.enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_value(&v?, inputs, &path.clone().index(i), open, out, issues)?;
        }
        out.push(']');
        return Ok(());
    }
    match value(obj)? {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Value::Text(t) => write_str(&t, out),
        Value::Int(i) => out.push_str(&i.to_string()),
        v @ Value::Decimal(..) => match v.cell().number() {
            Ok(Some(d)) => out.push_str(&d.to_string()),
            _ => out.push_str(&obj.call_method1("__format__", ("f",))?.str()?.to_cow()?),
        },
        Value::Float(f) => match Cell::Float(f).number() {
            Ok(Some(d)) => out.push_str(&d.to_string()),
            // Beyond the decimal range: the literal, for the core to refuse.
            Err(p) if p.code == Code::NumberOutOfRange => out.push_str(&obj.repr()?.to_cow()?),
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

//! Runs the golden vectors in `tests/vectors/` against the Rust core. The Python and Node
//! suites run the same files with the same comparison rules (see `vectors/README.md`).

#![forbid(unsafe_code)]

use kpichain::{CompiledPlan, CompiledVersions, Inputs, Issue, Plan};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The folder holding the vectors.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

/// Checks that `expected` is a subset of `actual`: objects by key, arrays element by element
/// with equal length, scalars exactly. Returns the path of the first difference.
pub fn subset(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let av = a
                    .get(k)
                    .ok_or_else(|| format!("{path}.{k}: missing in the result"))?;
                subset(ev, av, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{path}: expected {} elements, got {}",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                subset(ev, av, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{path}: expected {e}, got {a}")),
    }
}

fn pairs(issues: &[Issue]) -> Vec<(String, String)> {
    issues
        .iter()
        .map(|i| (i.code.to_string(), i.path.to_string()))
        .collect()
}

fn expected_pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|list| {
            list.iter()
                .map(|e| {
                    let s = |k: &str| {
                        e.get(k)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string()
                    };
                    (s("code"), s("path"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The bundled example's folder, `examples/sales-company`.
pub fn example_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/sales-company")
}

/// The header and the data lines of a CSV file of the example (a path relative to its
/// folder) whose cells hold no commas or quotes and whose lines end in `\n`.
pub fn read_csv(relative: &str) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let text = std::fs::read_to_string(example_dir().join(relative))
        .map_err(|e| format!("{relative}: {e}"))?;
    if text.contains('\r') {
        return Err(format!("{relative}: line ends must be \\n"));
    }
    if text.contains('"') {
        return Err(format!("{relative}: no quoted cells expected"));
    }
    let mut lines = text.lines();
    let cells = |l: &str| l.split(',').map(str::to_string).collect::<Vec<_>>();
    let header = lines
        .next()
        .map(cells)
        .ok_or_else(|| format!("{relative}: empty"))?;
    Ok((header, lines.map(cells).collect()))
}

/// Runs one vector file; `Err` describes the mismatch.
pub fn run_vector(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    if let Some(versions) = doc.get("versions") {
        return run_versions(&doc, &versions.to_string());
    }
    let plan_text = doc.get("plan").map(Value::to_string).ok_or("no plan")?;
    let compiled = Plan::from_json(&plan_text).and_then(CompiledPlan::compile);
    if let Some(want) = doc.get("expected_plan_errors") {
        return match compiled {
            Ok(_) => Err("the plan compiled, but errors were expected".into()),
            Err(e) if pairs(&e.issues) == expected_pairs(want) => Ok(()),
            Err(e) => Err(format!(
                "plan errors differ:\n  want {:?}\n  got  {:?}",
                expected_pairs(want),
                pairs(&e.issues)
            )),
        };
    }
    let compiled = compiled.map_err(|e| format!("the plan did not compile: {e}"))?;
    let inputs_text = doc.get("inputs").map(Value::to_string).ok_or("no inputs")?;
    let inputs = Inputs::from_json(&inputs_text);
    let evaluation = inputs
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|inputs| compiled.evaluate(inputs));
    if let (Ok(inputs), Ok(evaluation)) = (&inputs, &evaluation) {
        check_table(&compiled, inputs, evaluation)?;
    }
    compare(&doc, evaluation)
}

/// The whole outcome of a vector as text, byte for byte what the core gives: the evaluation's
/// JSON (pretty-printed, so that a difference reads line by line), or the plan or input error
/// as its message (every issue's path, sentence and code). This is what
/// `vectors/outputs/<name>.json` holds, and what the suite compares in both arithmetic modes
/// (`reference-arithmetic` on and off) against the same committed bytes.
pub fn output_of(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let finish =
        |out: serde_json::Result<String>| out.map(|out| out + "\n").map_err(|e| e.to_string());
    let error = |e: &dyn std::fmt::Display| {
        finish(serde_json::to_string_pretty(
            &serde_json::json!({ "error": e.to_string() }),
        ))
    };
    let inputs = || {
        let text = doc.get("inputs").map(Value::to_string).ok_or("no inputs")?;
        Ok::<_, String>(Inputs::from_json(&text))
    };
    let evaluation = if let Some(versions) = doc.get("versions") {
        match CompiledVersions::from_text(&versions.to_string()) {
            Ok(plan) => inputs()?.and_then(|inputs| plan.evaluate(&inputs)),
            Err(e) => return error(&e),
        }
    } else {
        let plan_text = doc.get("plan").map(Value::to_string).ok_or("no plan")?;
        match Plan::from_json(&plan_text).and_then(CompiledPlan::compile) {
            Ok(plan) => inputs()?.and_then(|inputs| plan.evaluate(&inputs)),
            Err(e) => return error(&e),
        }
    };
    match evaluation {
        Ok(evaluation) => finish(serde_json::to_string_pretty(&evaluation)),
        Err(e) => error(&e),
    }
}

fn json_of(value: &impl serde::Serialize) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

/// The score table of the same inputs reads the same numbers as the evaluation, through
/// every accessor, and serializes to the same JSON.
pub fn check_table(
    plan: &CompiledPlan,
    inputs: &Inputs,
    evaluation: &kpichain::Evaluation,
) -> Result<(), String> {
    let table = plan
        .score_table(inputs)
        .map_err(|e| format!("the score table failed where evaluate did not: {e}"))?;
    let expected = json_of(evaluation)?;
    if json_of(&table)? != expected {
        return Err("the score table's JSON differs from the evaluation's".into());
    }
    // Scored again in the memory of the first table: the same JSON.
    let mut buffers = plan
        .score_table(inputs)
        .map_err(|e| e.to_string())?
        .into_buffers();
    let again = plan
        .score_table_with(inputs, &mut buffers)
        .map_err(|e| format!("scoring in reused buffers failed: {e}"))?;
    if json_of(&again)? != expected {
        return Err("the score table in reused buffers differs from the evaluation".into());
    }
    if table.len() != evaluation.results.len()
        || table.plan_fingerprint() != evaluation.plan_fingerprint
    {
        return Err("the score table has other subjects or another plan".into());
    }
    for (s, r) in table.subjects().zip(&evaluation.results) {
        let same = s.subject() == &*r.subject
            && s.name() == r.name.as_deref()
            && s.role() == &*r.role
            && s.unit() == r.unit.as_deref()
            && s.region() == r.region.as_deref()
            && s.variant() == r.variant.as_deref()
            && s.total_unrounded() == r.total_unrounded
            && s.total() == r.total
            && s.grade() == &*r.grade
            && s.coefficient() == r.coefficient
            && s.payout() == r.payout
            && s.adjustments() == r.adjustments.as_slice()
            && s.vetoes() == r.vetoes.as_slice()
            && s.warnings() == r.warnings.as_slice()
            && s.sources() == r.sources.as_slice()
            && s.item_count() == r.items.len();
        if !same {
            return Err(format!(
                "score table row of '{}' differs from its result",
                r.subject
            ));
        }
        for (i, it) in s.items().zip(&r.items) {
            let same = i.item() == &*it.item
                && i.indicator() == &*it.indicator
                && i.rule() == it.rule
                && i.status() == it.status
                && i.actual() == it.actual
                && i.target() == it.target
                && i.threshold() == it.threshold
                && i.stretch() == it.stretch
                && i.achievement() == it.achievement
                && i.raw_score() == it.raw_score
                && i.score() == it.score
                && i.weight() == it.weight
                && i.effective_weight() == it.effective_weight
                && i.weighted() == it.weighted
                && s.item(&it.item).is_some_and(|v| v.to_result() == *it);
            if !same {
                return Err(format!(
                    "score table item '{}' of '{}' differs from its result",
                    it.item, r.subject
                ));
            }
        }
    }
    Ok(())
}

/// A vector whose plan is a document of effective-dated versions.
fn run_versions(doc: &Value, text: &str) -> Result<(), String> {
    let compiled = CompiledVersions::from_text(text);
    if let Some(want) = doc.get("expected_plan_errors") {
        return match compiled {
            Ok(_) => Err("the versions compiled, but errors were expected".into()),
            Err(e) if pairs(&e.issues) == expected_pairs(want) => Ok(()),
            Err(e) => Err(format!(
                "plan errors differ:\n  want {:?}\n  got  {:?}",
                expected_pairs(want),
                pairs(&e.issues)
            )),
        };
    }
    let compiled = compiled.map_err(|e| format!("the versions did not compile: {e}"))?;
    let inputs_text = doc.get("inputs").map(Value::to_string).ok_or("no inputs")?;
    let evaluation = Inputs::from_json(&inputs_text).and_then(|inputs| compiled.evaluate(&inputs));
    compare(doc, evaluation)
}

fn compare(
    doc: &Value,
    evaluation: Result<kpichain::Evaluation, kpichain::InputError>,
) -> Result<(), String> {
    if let Some(want) = doc.get("expected_input_errors") {
        return match evaluation {
            Ok(_) => Err("the evaluation succeeded, but errors were expected".into()),
            Err(e) if pairs(&e.issues) == expected_pairs(want) => Ok(()),
            Err(e) => Err(format!(
                "input errors differ:\n  want {:?}\n  got  {:?}",
                expected_pairs(want),
                pairs(&e.issues)
            )),
        };
    }
    let evaluation = evaluation.map_err(|e| format!("evaluation failed: {e}"))?;
    let actual = serde_json::to_value(&evaluation).map_err(|e| e.to_string())?;
    let want = doc
        .get("expected")
        .ok_or("no expected, expected_plan_errors or expected_input_errors")?;
    subset(want, &actual, "")
}

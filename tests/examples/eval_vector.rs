//! Prints what the core gives for a golden vector (the evaluation JSON, or the errors), to
//! author and review vectors: `cargo run -q -p kpichain-conformance --example eval_vector -- FILE`.

use kpichain::{CompiledPlan, CompiledVersions, Inputs, Plan};
use serde_json::Value;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: eval_vector FILE");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let doc: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let inputs = doc.get("inputs").map(|i| Inputs::from_json(&i.to_string()));
    let out = if let Some(v) = doc.get("versions") {
        match CompiledVersions::from_text(&v.to_string()) {
            Err(e) => format!("plan errors: {e}"),
            Ok(c) => match inputs {
                Some(Ok(i)) => match c.evaluate(&i) {
                    Ok(e) => serde_json::to_string_pretty(&e).unwrap_or_default(),
                    Err(e) => format!("input errors: {e}"),
                },
                Some(Err(e)) => format!("input errors: {e}"),
                None => "compiled; no inputs".into(),
            },
        }
    } else {
        let plan = doc.get("plan").map(Value::to_string).unwrap_or_default();
        match Plan::from_json(&plan).and_then(CompiledPlan::compile) {
            Err(e) => format!("plan errors: {e}"),
            Ok(c) => match inputs {
                Some(Ok(i)) => match c.evaluate(&i) {
                    Ok(e) => serde_json::to_string_pretty(&e).unwrap_or_default(),
                    Err(e) => format!("input errors: {e}"),
                },
                Some(Err(e)) => format!("input errors: {e}"),
                None => "compiled; no inputs".into(),
            },
        }
    };
    println!("{out}");
}

//! The committed JSON Schemas must match what the code generates. To refresh them after a
//! deliberate change to the plan format: `KPICHAIN_BLESS=1 cargo test -p kpichain --test schema`.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

fn check(file: &str, generated: String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schema")
        .join(file);
    if std::env::var_os("KPICHAIN_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run `KPICHAIN_BLESS=1 cargo test -p kpichain --test schema` and commit the result",
        path.display()
    );
}

#[test]
fn plan_schema_is_current() {
    check("plan.schema.json", kpichain::plan_schema());
}

#[test]
fn inputs_schema_is_current() {
    check("inputs.schema.json", kpichain::inputs_schema());
}

#[test]
fn result_schema_is_current() {
    check("result.schema.json", kpichain::result_schema());
}

#[test]
fn explanation_schema_is_current() {
    check("explanation.schema.json", kpichain::explanation_schema());
}

#[test]
fn diff_schema_is_current() {
    check("diff.schema.json", kpichain::diff_schema());
}

#[test]
fn versions_schema_is_current() {
    check("versions.schema.json", kpichain::versions_schema());
}

#[test]
fn error_schema_is_current() {
    check("error.schema.json", kpichain::error_schema());
}

#[test]
fn measures_schema_is_current() {
    check("measures.schema.json", kpichain::measure::measures_schema());
}

#[test]
fn plan_schema_accepts_numbers_and_decimal_strings() {
    let schema: serde_json::Value = serde_json::from_str(&kpichain::plan_schema()).unwrap();
    let text = schema.to_string();
    assert!(text.contains("\"Plan\""), "the root is titled Plan");
    let weight = &schema["$defs"]["Item"]["properties"]["weight"];
    let types = weight["type"].as_array().map(|a| a.len()).unwrap_or(0);
    assert_eq!(types, 2, "weight accepts a number or a string: {weight}");
}

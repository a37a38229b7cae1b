//! JSON Schemas of the plan (input contract), of evaluation results (output contract) and of
//! plan diffs.

use crate::diff::PlanDiff;
use crate::evaluate::{Evaluation, Explanation};
use crate::model::Inputs;
use crate::model::Plan;

/// The JSON Schema of the plan format, as pretty-printed JSON text. Decimal fields accept a
/// JSON number or a decimal string. The same text is committed at
/// `crates/kpichain/schema/plan.schema.json`.
pub fn plan_schema() -> String {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<Plan>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema of evaluation inputs (assignments, actuals, targets).
pub fn inputs_schema() -> String {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<Inputs>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema of evaluation results (decimals are strings).
pub fn result_schema() -> String {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<Evaluation>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema of an explanation (decimals are strings).
pub fn explanation_schema() -> String {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<Explanation>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema of a plan diff ([`crate::diff::PlanDiff`]; decimals are strings).
pub fn diff_schema() -> String {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<PlanDiff>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema of a plan with effective-dated versions ([`crate::PlanVersions`]).
pub fn versions_schema() -> String {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<crate::versions::PlanVersions>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema of an error report ([`crate::ErrorReport`]): what the CLI writes on standard
/// error with `--format json`.
pub fn error_schema() -> String {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<crate::ErrorReport>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

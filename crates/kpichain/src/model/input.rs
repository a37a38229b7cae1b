//! What an evaluation takes: who holds which role, and the measured values for one period.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The inputs of one evaluation: assignments, actuals and optional per-subject targets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    /// The period being assessed, e.g. `2022-03` (carried into results).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Who is assessed and in which role.
    pub assignments: Vec<Assignment>,
    /// Measured values (实际值), one per subject and indicator.
    #[serde(default)]
    pub actuals: Vec<Actual>,
    /// Per-subject targets replacing the plan's (e.g. each sales rep's quota).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetOverride>,
    /// The org units (company → region → department → team). When given, every assignment's
    /// `unit` must be one of them; actuals may be supplied for a unit by its id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<Unit>,
    /// Raw business records by record set name, one JSON object per record with the fields
    /// the plan declares (numbers as JSON numbers or decimal strings, timestamps and dates as
    /// text, empty or `null` for a missing value). Indicators with a `measure` are derived
    /// from them for `period`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub records: BTreeMap<String, Vec<BTreeMap<String, serde_json::Value>>>,
}

/// An org unit (组织单元): a company, region, department or team.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// Unit id, e.g. `南区销售部`.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The unit above it; none for the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Region, inherited by the units below it and by its members without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// A subject (考核对象) holding a role for the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// Employee or org-unit id.
    // Shared (`Arc<str>`): results and long-format rows reuse it without copying.
    #[schemars(with = "String")]
    #[serde(deserialize_with = "shared_str")]
    pub subject: Arc<str>,
    /// Role id from the plan.
    pub role: String,
    /// Display name, e.g. `张伟`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Org unit (team, department).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Region, e.g. `south`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The subject's manager (a subject id), for roles linked with `scope: team`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// Bonus base; the payout is this × the grade's coefficient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonus_base: Option<Decimal>,
    /// Other attributes, kept for reporting.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

/// The measured value of one indicator for one subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Actual {
    /// Subject id.
    #[schemars(with = "String")]
    #[serde(deserialize_with = "shared_str")]
    pub subject: Arc<str>,
    /// Indicator id.
    #[schemars(with = "String")]
    #[serde(deserialize_with = "shared_str")]
    pub indicator: Arc<str>,
    /// The value, exact.
    pub value: Decimal,
}

/// A subject's own target for an indicator, replacing the plan's target (and, when given,
/// threshold and stretch) on every item of that indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetOverride {
    /// Subject id.
    #[schemars(with = "String")]
    #[serde(deserialize_with = "shared_str")]
    pub subject: Arc<str>,
    /// Indicator id.
    #[schemars(with = "String")]
    #[serde(deserialize_with = "shared_str")]
    pub indicator: Arc<str>,
    /// The subject's target.
    pub target: Decimal,
    /// The subject's threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Decimal>,
    /// The subject's stretch value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stretch: Option<Decimal>,
}

/// Reads an id straight into an `Arc<str>`: one allocation, where serde's own impl goes
/// through a `String` it then frees (which leaves the heap fragmented for the evaluation).
fn shared_str<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Arc<str>, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = Arc<str>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Arc<str>, E> {
            Ok(Arc::from(v))
        }
    }
    deserializer.deserialize_str(Visitor)
}

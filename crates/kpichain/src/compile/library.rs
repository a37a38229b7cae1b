//! The plan's header (id, version, rounding scales) and its indicator library.

use crate::error::Code;
use crate::error::Issues;
use crate::model::*;

use super::FastMap;

/// Names a formula may use for the item itself; they cannot be indicator ids.
const RESERVED: [&str; 12] = [
    "actual",
    "target",
    "threshold",
    "stretch",
    "achievement",
    "total",
    "score",
    "and",
    "or",
    "not",
    "true",
    "false",
];

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks the plan's id, version and rounding scales, and indexes the indicator library.
pub(super) fn build_library(plan: &Plan, issues: &mut Issues) -> FastMap<String, usize> {
    if plan.id.trim().is_empty() {
        issues.push(Code::EmptyField, "id", "the plan id must not be empty");
    }
    if plan.version.trim().is_empty() {
        issues.push(
            Code::EmptyField,
            "version",
            "the plan version must not be empty",
        );
    }
    let r = &plan.rounding;
    for (name, scale) in [
        ("achievement_scale", r.achievement_scale),
        ("item_scale", r.item_scale),
        ("weighted_scale", r.weighted_scale),
        ("total_scale", r.total_scale),
        ("payout_scale", r.payout_scale),
    ] {
        if let Scale::Places(scale @ 21..) = scale {
            issues.push(
                Code::InvalidScale,
                format!("rounding.{name}"),
                format!("the scale must be between 0 and 20 decimal places, not {scale}"),
            );
        }
    }

    // Indicator library.
    let mut indicator_index = FastMap::default();
    for (i, ind) in plan.indicators.iter().enumerate() {
        let path = format!("indicators[{i}].id");
        if !is_identifier(&ind.id) {
            issues.push(Code::InvalidId, path, format!("indicator id '{}' must start with a letter or '_' and contain only letters, digits and '_'", ind.id));
        } else if RESERVED.contains(&ind.id.as_str()) {
            issues.push(
                Code::InvalidId,
                path,
                format!(
                    "indicator id '{}' is reserved for formulas; choose another id",
                    ind.id
                ),
            );
        } else if indicator_index.insert(ind.id.clone(), i).is_some() {
            issues.push(
                Code::DuplicateId,
                path,
                format!("indicator id '{}' is used more than once", ind.id),
            );
        }
    }
    indicator_index
}

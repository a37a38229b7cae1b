//! Measures: the indicators derived from records, checked against the declared record sets.

use crate::error::Code;
use crate::error::Issues;
use crate::model::*;

use super::FastMap;

pub(super) fn build_measures(
    plan: &Plan,
    indicator_index: &FastMap<String, usize>,
    issues: &mut Issues,
) -> (
    Vec<crate::measure::MeasureDef>,
    Vec<(String, crate::measure::Schema)>,
    crate::measure::PlanMeasures,
) {
    use crate::measure::{CompiledMeasures, MeasureDef, PlanMeasures, Schema, UtcOffset};
    let mut schemas = Vec::with_capacity(plan.records.len());
    for (i, decl) in plan.records.iter().enumerate() {
        let path = format!("records[{i}]");
        let fresh = || {
            !schemas
                .iter()
                .any(|(n, _): &(String, Schema)| *n == decl.name)
        };
        let duplicate = || format!("record set '{}' is declared more than once", decl.name);
        if !issues.id(
            format!("{path}.name"),
            &decl.name,
            "record set name",
            fresh,
            duplicate,
        ) {
            continue;
        }
        match Schema::new(decl.fields.clone()) {
            Ok(schema) => schemas.push((decl.name.clone(), schema)),
            Err(e) => {
                for issue in e.issues {
                    issues.push(
                        issue.code,
                        format!("{path}.fields"),
                        format!("record set '{}': {}", decl.name, issue.message),
                    );
                }
            }
        }
    }
    let mut measures = Vec::new();
    let mut owners = Vec::new();
    for (i, ind) in plan.indicators.iter().enumerate() {
        if let Some(m) = &ind.measure {
            measures.push(MeasureDef {
                indicator: ind.id.clone(),
                measure: m.clone(),
            });
            owners.push(i);
        }
    }
    if measures.is_empty() {
        return (measures, schemas, PlanMeasures::default());
    }
    let tz = match plan.time_zone {
        Some(tz) => tz,
        None => {
            issues.push(
                Code::MissingTimeZone,
                "time_zone",
                "indicators derived from records need the plan's `time_zone`, e.g. \"+08:00\"",
            );
            UtcOffset::UTC
        }
    };
    // Checked against the declared schemas, and kept for evaluation.
    for (k, d) in measures.iter().enumerate() {
        if measures.iter().take(k).any(|e| e.indicator == d.indicator) {
            let i = owners.get(k).copied().unwrap_or_default();
            issues.push(
                Code::DuplicateMeasure,
                format!("indicators[{i}].measure.indicator"),
                format!("indicator '{}' has more than one measure", d.indicator),
            );
        }
    }
    let bases: Vec<String> = owners
        .iter()
        .map(|i| format!("indicators[{i}].measure"))
        .collect();
    let declared: Vec<(&str, &Schema)> = schemas.iter().map(|(n, s)| (n.as_str(), s)).collect();
    let subjects = crate::measure::subject_fields(&measures);
    let compiled = match CompiledMeasures::compile(&measures, &bases, &declared, tz, subjects) {
        Ok(c) => c,
        Err(found) => {
            for issue in found {
                issues.push(issue.code, issue.path, issue.message);
            }
            CompiledMeasures::default()
        }
    };
    let _ = indicator_index;
    (measures, schemas, PlanMeasures { compiled, owners })
}

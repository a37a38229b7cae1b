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
) {
    use crate::measure::{
        Column, DeriveOptions, MeasureDef, RecordSet, RecordSets, Schema, UtcOffset,
    };
    let mut schemas = Vec::with_capacity(plan.records.len());
    let mut sets = RecordSets::new();
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
            Ok(schema) => {
                // An empty record set of this shape lets the measures be checked now.
                let columns = decl
                    .fields
                    .iter()
                    .map(|f| (f.clone(), Column::empty(f.kind)))
                    .collect();
                if let Ok(set) = RecordSet::from_columns(decl.name.clone(), columns) {
                    let _ = sets.insert(set);
                }
                schemas.push((decl.name.clone(), schema));
            }
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
        return (measures, schemas);
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
    let Ok(period) = crate::measure::Period::month(2000, 1) else {
        return (measures, schemas);
    };
    if let Err(e) =
        crate::measure::derive_actuals(&measures, &sets, &period, &DeriveOptions::new(tz))
    {
        for issue in e.issues {
            let path = crate::measure::plan_path(&issue.path, &owners);
            issues.push(issue.code, path, issue.message);
        }
    }
    let _ = indicator_index;
    (measures, schemas)
}

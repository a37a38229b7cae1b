//! Adjustments and vetoes: the plan's own (validated once, with the first role) and each
//! role's.

use crate::error::Code;
use crate::error::Issues;
use crate::formula::{self, Type, Var};
use crate::model::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::compiled::*;
use super::context::{RoleContext, Slots};

/// Compiles the adjustments and vetoes a role's scorecard applies: the plan's first, then the
/// role's. `first` is whether this is the first role's own scorecard, where the plan-wide
/// entries are validated.
pub(super) fn build_extras(
    ctx: &RoleContext,
    role: &Role,
    path: &str,
    first: bool,
    item_keys: &HashMap<&str, usize>,
    slots: &mut Slots,
    issues: &mut Issues,
) -> (Vec<CAdjustment>, Vec<CVeto>) {
    let plan = ctx.plan;
    let indicator_index = ctx.indicator_index;
    let grade_index = ctx.grade_index;
    let mut adjustments = Vec::new();
    let mut vetoes = Vec::new();
    let mut adj_ids = HashSet::new();
    let mut veto_ids = HashSet::new();
    let sources = [
        (true, &plan.adjustments, "adjustments".to_string()),
        (false, &role.adjustments, format!("{path}.adjustments")),
    ];
    for (from_plan, list, base) in sources {
        for (ai, adj) in list.iter().enumerate() {
            let apath = format!("{base}[{ai}]");
            if from_plan && !first {
                // Plan-wide entries are validated once, with the first role.
                if let Some(&ind) = indicator_index.get(&adj.indicator) {
                    let slot = slots.slot_for(ind);
                    adjustments.push(CAdjustment {
                        id: Arc::from(adj.id.as_str()),
                        slot,
                        points_per_unit: adj.points_per_unit,
                        min: adj.min,
                        max: adj.max,
                        source: (from_plan, ai),
                    });
                }
                continue;
            }
            if !adj_ids.insert(adj.id.as_str()) {
                issues.push(
                    Code::DuplicateId,
                    format!("{apath}.id"),
                    format!(
                        "adjustment '{}' is defined more than once for role '{}'",
                        adj.id, role.id
                    ),
                );
            }
            if let (Some(lo), Some(hi)) = (adj.min, adj.max) {
                if lo > hi {
                    issues.push(
                        Code::BoundsOutOfOrder,
                        format!("{apath}.min"),
                        format!("min {lo} is greater than max {hi}"),
                    );
                }
            }
            match indicator_index.get(&adj.indicator) {
                Some(&ind) => {
                    let slot = slots.slot_for(ind);
                    adjustments.push(CAdjustment {
                        id: Arc::from(adj.id.as_str()),
                        slot,
                        points_per_unit: adj.points_per_unit,
                        min: adj.min,
                        max: adj.max,
                        source: (from_plan, ai),
                    });
                }
                None => issues.push(
                    Code::UnknownIndicator,
                    format!("{apath}.indicator"),
                    format!(
                        "indicator '{}' is not in the indicator library",
                        adj.indicator
                    ),
                ),
            }
        }
    }
    let vsources = [
        (true, &plan.vetoes, "vetoes".to_string()),
        (false, &role.vetoes, format!("{path}.vetoes")),
    ];
    for (from_plan, list, base) in vsources {
        for (vi, veto) in list.iter().enumerate() {
            let vpath = format!("{base}[{vi}]");
            let report = !from_plan || first;
            if report && !veto_ids.insert(veto.id.as_str()) {
                issues.push(
                    Code::DuplicateId,
                    format!("{vpath}.id"),
                    format!(
                        "veto '{}' is defined more than once for role '{}'",
                        veto.id, role.id
                    ),
                );
            }
            if report && veto.force_grade.is_none() && veto.force_total.is_none() {
                issues.push(
                    Code::VetoWithoutEffect,
                    vpath.clone(),
                    "a veto must set `force_grade`, `force_total` or both",
                );
            }
            let force_grade = match &veto.force_grade {
                Some(g) => match grade_index.get(g.as_str()) {
                    Some(&gi) => Some(gi),
                    None => {
                        if report {
                            issues.push(
                                Code::UnknownGrade,
                                format!("{vpath}.force_grade"),
                                format!("grade '{g}' is not in the grade scale"),
                            );
                        }
                        None
                    }
                },
                None => None,
            };
            let lookup = |name: &str| -> Option<Var> {
                if name == "total" {
                    return Some(Var::Total);
                }
                if let Some(k) = name.strip_prefix("score.") {
                    return item_keys.get(k).map(|&i| Var::ItemScore(i));
                }
                indicator_index.get(name).map(|&i| Var::Indicator(i))
            };
            let checked = formula::parse(&veto.condition)
                .and_then(|ast| formula::check(&ast, Type::Boolean, &lookup));
            match checked {
                Ok(expr) => {
                    let mut vars = Vec::new();
                    expr.vars(&mut vars);
                    for v in vars {
                        if let Var::Indicator(i) = v {
                            slots.slot_for(i);
                        }
                    }
                    vetoes.push(CVeto {
                        id: Arc::from(veto.id.as_str()),
                        condition: crate::formula::Formula::new(expr),
                        force_grade,
                        force_total: veto.force_total,
                        source: (from_plan, vi),
                    });
                }
                Err(e) => {
                    // A plan-wide veto is checked against every role (its `score.ITEM` names
                    // must exist on each scorecard); the same problem is reported once.
                    let message = if from_plan {
                        format!("{e} (for role '{}')", role.id)
                    } else {
                        e.to_string()
                    };
                    let path = format!("{vpath}.condition");
                    let known = issues.0.iter().any(|i| {
                        i.code == Code::FormulaInvalid
                            && i.path == path
                            && i.message.split(" (for role '").next()
                                == message.split(" (for role '").next()
                    });
                    if !known {
                        issues.push(Code::FormulaInvalid, path, message);
                    }
                }
            }
        }
    }
    (adjustments, vetoes)
}

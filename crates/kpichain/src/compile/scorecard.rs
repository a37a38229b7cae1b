//! A role's scorecard: its items, their weights and value slots, adjustments and vetoes.

use crate::decimal::{self};
use crate::error::Code;
use crate::error::Issues;
use crate::formula::{self, Type, Var};
use crate::model::*;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::RoleContext;
use super::compiled::*;
use super::graph::topo_order;
use super::links::build_source;
use super::rules::build_rule;

pub(super) fn build_role(
    ctx: &RoleContext,
    ri: usize,
    path: &str,
    role: &Role,
    variant: Option<&RoleVariant>,
    links: &mut Vec<(usize, usize, String)>,
    issues: &mut Issues,
) -> CRole {
    let plan = ctx.plan;
    let indicator_index = ctx.indicator_index;
    let grade_index = ctx.grade_index;
    // Plan-wide adjustments and vetoes are validated once, with the first role's scorecard.
    let first = ri == 0 && variant.is_none();
    let n_ind = plan.indicators.len();
    let mut slots: Vec<usize> = Vec::new();
    let mut slot_of = vec![u32::MAX; n_ind];
    let mut slot_for = |ind: usize, slots: &mut Vec<usize>| -> usize {
        match slot_of.get(ind).copied() {
            Some(s) if s != u32::MAX => s as usize,
            _ => {
                let s = slots.len();
                slots.push(ind);
                if let Some(x) = slot_of.get_mut(ind) {
                    *x = u32::try_from(s).unwrap_or(u32::MAX);
                }
                s
            }
        }
    };

    if role.items.is_empty() {
        issues.push(
            Code::EmptyScorecard,
            format!("{path}.items"),
            format!("role '{}' ({}) has no items", role.id, role.name),
        );
    }
    let item_keys: HashMap<&str, usize> = role
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.key(), i))
        .collect();
    let mut seen_keys = HashSet::new();
    let mut sum = Decimal::ZERO;
    let mut sum_ok = true;
    let mut items = Vec::with_capacity(role.items.len());
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); role.items.len()];
    let mut sourced = Vec::new();
    if let Some(Source::Role { .. }) = &role.source {
        issues.push(
            Code::InvalidSource,
            format!("{path}.source"),
            "a whole scorecard cannot read another role's results; give the items that should their own `source`",
        );
    }
    for (ii, item) in role.items.iter().enumerate() {
        let ipath = format!("{path}.items[{ii}]");
        let key = item.key();
        if !seen_keys.insert(key) {
            issues.push(Code::DuplicateId, format!("{ipath}.id"), format!("item '{key}' appears more than once on the scorecard of role '{}'; give each an `id`", role.id));
        }
        let ind = match indicator_index.get(&item.indicator) {
            Some(&i) => i,
            None => {
                issues.push(
                    Code::UnknownIndicator,
                    format!("{ipath}.indicator"),
                    format!(
                        "indicator '{}' is not in the indicator library",
                        item.indicator
                    ),
                );
                usize::MAX
            }
        };
        if item.weight <= Decimal::ZERO {
            issues.push(
                Code::InvalidWeight,
                format!("{ipath}.weight"),
                format!("the weight must be greater than 0, not {}", item.weight),
            );
        }
        match sum.checked_add(item.weight) {
            Some(s) => sum = s,
            None => sum_ok = false,
        }
        let direction = plan
            .indicators
            .get(ind)
            .map(|i| i.direction)
            .unwrap_or_default();
        let (source, spath) = match (&item.source, &role.source) {
            (Some(s), _) => (Some(s), format!("{ipath}.source")),
            (None, Some(s)) => (Some(s), format!("{path}.source")),
            (None, None) => (None, String::new()),
        };
        let read = match source.and_then(Source::indicator) {
            Some(other) => match indicator_index.get(other) {
                Some(&i) => i,
                None => {
                    issues.push(
                        Code::UnknownIndicator,
                        format!("{spath}.indicator"),
                        format!("indicator '{other}' is not in the indicator library"),
                    );
                    usize::MAX
                }
            },
            None => ind,
        };
        let slot = match source {
            None | Some(Source::Own { .. }) if read != usize::MAX => slot_for(read, &mut slots),
            None | Some(Source::Own { .. }) => 0,
            Some(source) => {
                let slot = slots.len();
                slots.push(usize::MAX);
                if let Some(c) = build_source(ctx, source, read, &spath, ri, links, issues) {
                    sourced.push(CSourced {
                        slot,
                        item: ii,
                        source: c,
                    });
                }
                slot
            }
        };
        let rule = build_rule(
            plan,
            item,
            &ipath,
            direction,
            indicator_index,
            &item_keys,
            ii,
            &mut deps,
            issues,
            &mut |i| slot_for(i, &mut slots),
        );
        let mut citem = CItem {
            key: Arc::from(key),
            indicator_id: Arc::from(item.indicator.as_str()),
            slot,
            direction,
            weight: item.weight,
            target: item.target,
            threshold: item.threshold,
            stretch: item.stretch,
            rule,
            missing: item.missing_data.unwrap_or(plan.missing_data),
            source: ii,
            factors: crate::evaluate::rules::Factors::default(),
        };
        citem.factors = crate::evaluate::rules::Factors::new(&citem);
        items.push(citem);
    }
    if !role.items.is_empty() && (!sum_ok || sum != decimal::HUNDRED) {
        issues.push(
            Code::WeightsDoNotSum,
            format!("{path}.items"),
            format!(
                "the weights of role '{}' ({}) sum to {}, not 100",
                role.id,
                role.name,
                sum.normalize()
            ),
        );
    }
    let order = topo_order(&deps, &role.items, path, issues);

    // Adjustments and vetoes: the plan's first, then the role's.
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
                    let slot = slot_for(ind, &mut slots);
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
                    let slot = slot_for(ind, &mut slots);
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
                            slot_for(i, &mut slots);
                        }
                    }
                    vetoes.push(CVeto {
                        id: Arc::from(veto.id.as_str()),
                        condition: expr,
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
    let any_exclude = items
        .iter()
        .any(|i| i.missing == MissingDataPolicy::Exclude);
    let identity_order = order.iter().enumerate().all(|(k, &i)| k == i);
    let own = |list: &str| -> Arc<str> {
        match variant {
            Some(v) if list == "adjustments" && v.adjustments.is_none() => {
                Arc::from(format!("roles[{ri}].adjustments"))
            }
            Some(v) if list == "vetoes" && v.vetoes.is_none() => {
                Arc::from(format!("roles[{ri}].vetoes"))
            }
            _ => Arc::from(format!("{path}.{list}")),
        }
    };
    CRole {
        id: Arc::from(role.id.as_str()),
        index: ri,
        path: Arc::from(path),
        adjustments_path: own("adjustments"),
        vetoes_path: own("vetoes"),
        variant: variant.map(|v| Arc::from(v.id.as_str())),
        sourced,
        items,
        order,
        adjustments,
        vetoes,
        slots,
        slot_of,
        any_exclude,
        identity_order,
    }
}

//! A role's scorecard: its items, their weights and value slots, adjustments and vetoes.

use crate::decimal::{self};
use crate::error::Code;
use crate::error::Issues;
use crate::model::*;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::compiled::*;
use super::context::{RoleContext, Slots};
use super::extras::build_extras;
use super::graph::{self, Cycle};
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
    // Plan-wide adjustments and vetoes are validated once, with the first role's scorecard.
    let first = ri == 0 && variant.is_none();
    let n_ind = plan.indicators.len();
    let mut slots = Slots::new(n_ind);

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
            None | Some(Source::Own { .. }) if read != usize::MAX => slots.slot_for(read),
            None | Some(Source::Own { .. }) => 0,
            Some(source) => {
                let slot = slots.push_sourced();
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
            &mut |i| slots.slot_for(i),
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
            factors: super::Factors::default(),
        };
        citem.factors = super::Factors::new(&citem);
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
    let order = match graph::order(&deps) {
        Ok(order) => order,
        Err(cycles) => {
            // Only the first cycle is reported: the others usually share its items.
            if let Some(Cycle(cycle)) = cycles.first() {
                let names: Vec<&str> = cycle
                    .iter()
                    .filter_map(|&c| role.items.get(c))
                    .map(Item::key)
                    .collect();
                let first = cycle.first().copied().unwrap_or(0);
                issues.push(
                    Code::FormulaCycle,
                    format!("{path}.items[{first}].rule.expression"),
                    format!(
                        "formulas refer to each other in a cycle: {}",
                        names.join(" → ")
                    ),
                );
            }
            (0..role.items.len()).collect()
        }
    };

    // Adjustments and vetoes: the plan's first, then the role's.
    let (adjustments, vetoes) =
        build_extras(ctx, role, path, first, &item_keys, &mut slots, issues);
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
        slots: slots.slots,
        slot_of: slots.slot_of,
        any_exclude,
        identity_order,
    }
}

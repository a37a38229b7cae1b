//! What items read from elsewhere (units, subjects, roles), role variants, and the order
//! of linked roles.

use crate::error::Code;
use crate::error::Issues;
use crate::model::*;
use std::sync::Arc;

use super::compiled::*;
use super::context::RoleContext;
use super::graph::{self, Cycle};

pub(super) fn build_source(
    ctx: &RoleContext,
    source: &Source,
    read: usize,
    spath: &str,
    ri: usize,
    links: &mut Vec<(usize, usize, String)>,
    issues: &mut Issues,
) -> Option<CSource> {
    match source {
        Source::Own { .. } => None,
        Source::Unit { unit, .. } => {
            if unit.as_deref().is_some_and(|u| u.trim().is_empty()) {
                issues.push(
                    Code::EmptyField,
                    format!("{spath}.unit"),
                    "the unit id must not be empty",
                );
            }
            (read != usize::MAX).then(|| CSource::Unit {
                unit: unit.as_deref().map(Arc::from),
                indicator: read,
            })
        }
        Source::Subject { subject, .. } => {
            if subject.trim().is_empty() {
                issues.push(
                    Code::EmptyField,
                    format!("{spath}.subject"),
                    "the subject id must not be empty",
                );
            }
            (read != usize::MAX).then(|| CSource::Subject {
                subject: Arc::from(subject.as_str()),
                indicator: read,
            })
        }
        Source::Role {
            role,
            value,
            aggregate,
            scope,
        } => {
            let Some(&target) = ctx.role_index.get(role) else {
                issues.push(
                    Code::UnknownRole,
                    format!("{spath}.role"),
                    format!("role '{role}' is not in the plan"),
                );
                return None;
            };
            let parsed = if value == "total" {
                Some(RoleValue::Total)
            } else if let Some(key) = value.strip_prefix("score.") {
                let other = ctx.plan.roles.get(target);
                let known = other.is_some_and(|r| {
                    r.items.iter().any(|i| i.key() == key)
                        || r.variants
                            .iter()
                            .any(|v| v.items.iter().any(|i| i.key() == key))
                });
                if known {
                    Some(RoleValue::Score(Arc::from(key)))
                } else {
                    issues.push(
                        Code::UnknownItem,
                        format!("{spath}.value"),
                        format!("role '{role}' has no item '{key}'"),
                    );
                    None
                }
            } else if let Some(ind) = value.strip_prefix("actual.") {
                match ctx.indicator_index.get(ind) {
                    Some(&i) => Some(RoleValue::Actual(i)),
                    None => {
                        issues.push(
                            Code::UnknownIndicator,
                            format!("{spath}.value"),
                            format!("indicator '{ind}' is not in the indicator library"),
                        );
                        None
                    }
                }
            } else {
                issues.push(
                    Code::InvalidSource,
                    format!("{spath}.value"),
                    format!("'{value}' is not a role value: use `total`, `score.ITEM` or `actual.INDICATOR`"),
                );
                None
            };
            links.push((ri, target, format!("{spath}.role")));
            parsed.map(|value| CSource::Role {
                role: target,
                value,
                aggregate: *aggregate,
                scope: *scope,
            })
        }
    }
}

/// Orders the roles linked by `{"from": "role"}` sources: a role's level is one more than the
/// highest level of the roles it reads. A cycle is an error naming it.
pub(super) fn link_levels(
    plan: &Plan,
    links: &[(usize, usize, String)],
    issues: &mut Issues,
) -> Vec<usize> {
    let n = plan.roles.len();
    let mut levels = vec![0usize; n];
    if links.is_empty() {
        return levels;
    }
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (from, to, _) in links {
        if let Some(d) = deps.get_mut(*from) {
            if !d.contains(to) {
                d.push(*to);
            }
        }
    }
    let cycles = match graph::order(&deps) {
        Ok(order) => {
            for r in order {
                let level = deps
                    .get(r)
                    .into_iter()
                    .flatten()
                    .map(|&d| levels.get(d).copied().unwrap_or(0).saturating_add(1))
                    .max()
                    .unwrap_or(0);
                if let Some(l) = levels.get_mut(r) {
                    *l = level;
                }
            }
            return levels;
        }
        Err(cycles) => cycles,
    };
    for Cycle(cycle) in cycles {
        let names: Vec<&str> = cycle
            .iter()
            .filter_map(|&r| plan.roles.get(r))
            .map(|r| r.id.as_str())
            .collect();
        let first = cycle.first().copied().unwrap_or(0);
        let next = cycle.get(1).copied().unwrap_or(first);
        let path = links
            .iter()
            .find(|(f, t, _)| *f == first && *t == next)
            .map_or_else(|| format!("roles[{first}]"), |(_, _, p)| p.clone());
        issues.push(
            Code::LinkageCycle,
            path,
            format!(
                "roles read each other's results in a cycle: {}",
                names.join(" → ")
            ),
        );
    }
    levels
}

//! Role variants: each a scorecard of its own, for a region or a unit, validated on its own.

use crate::error::{Code, Issues, Path};
use crate::model::*;
use std::collections::HashSet;

use super::compiled::*;
use super::context::RoleContext;
use super::grades::check_grade_coverage;
use super::scorecard::build_role;

/// Compiles every role's variants (validated on their own) and appends their scorecards to
/// `roles`.
pub(super) fn build_variants(
    ctx: &RoleContext,
    grades: &[CGrade],
    roles: &mut Vec<CRole>,
    links: &mut Vec<(usize, usize, String)>,
    issues: &mut Issues,
) -> Vec<Vec<CVariant>> {
    let mut all = Vec::with_capacity(ctx.plan.roles.len());
    for (ri, role) in ctx.plan.roles.iter().enumerate() {
        let mut list = Vec::with_capacity(role.variants.len());
        let mut ids = HashSet::new();
        for (vi, v) in role.variants.iter().enumerate() {
            let vpath = format!("roles[{ri}].variants[{vi}]");
            issues.id(
                format!("{vpath}.id"),
                &v.id,
                "variant id",
                || ids.insert(v.id.as_str()),
                || {
                    format!(
                        "variant '{}' of role '{}' is defined more than once",
                        v.id, role.id
                    )
                },
            );
            match (&v.region, &v.unit) {
                (None, None) => issues.push(
                    Code::VariantWithoutSelector,
                    vpath.clone(),
                    format!(
                        "variant '{}' of role '{}' must name the `region` or the `unit` it applies to",
                        v.id, role.id
                    ),
                ),
                (Some(_), Some(_)) => issues.push(
                    Code::VariantWithTwoSelectors,
                    vpath.clone(),
                    format!(
                        "variant '{}' of role '{}' names both a region and a unit; give one",
                        v.id, role.id
                    ),
                ),
                _ => {}
            }
            let clash = role.variants.iter().take(vi).find(|w| {
                (v.region.is_some() && w.region == v.region)
                    || (v.unit.is_some() && w.unit == v.unit)
            });
            if let Some(w) = clash {
                issues.push(
                    Code::DuplicateVariant,
                    vpath.clone(),
                    format!(
                        "variants '{}' and '{}' of role '{}' apply to the same {}",
                        w.id,
                        v.id,
                        role.id,
                        match &v.region {
                            Some(r) => format!("region '{r}'"),
                            None => format!("unit '{}'", v.unit.as_deref().unwrap_or("")),
                        }
                    ),
                );
            }
            let view = Role {
                id: role.id.clone(),
                name: v.name.clone().unwrap_or_else(|| role.name.clone()),
                items: v.items.clone(),
                adjustments: v
                    .adjustments
                    .clone()
                    .unwrap_or_else(|| role.adjustments.clone()),
                vetoes: v.vetoes.clone().unwrap_or_else(|| role.vetoes.clone()),
                source: role.source.clone(),
                variants: Vec::new(),
            };
            let mut scratch = Issues::default();
            let crole = build_role(ctx, ri, &vpath, &view, Some(v), links, &mut scratch);
            check_grade_coverage(ctx.plan, &view, &vpath, &crole, grades, &mut scratch);
            let base = Path::parse(&vpath);
            let inherited = |p: &Path| {
                let under = |field: &str| p.starts_with(&base.clone().key(field));
                (v.adjustments.is_none() && under("adjustments"))
                    || (v.vetoes.is_none() && under("vetoes"))
                    || under("source")
            };
            for issue in scratch.0 {
                if !inherited(&issue.path) && !issues.0.contains(&issue) {
                    issues.0.push(issue);
                }
            }
            list.push(CVariant {
                region: v.region.clone(),
                unit: v.unit.clone(),
                role: roles.len(),
            });
            roles.push(crole);
        }
        all.push(list);
    }
    all
}

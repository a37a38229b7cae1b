//! The grade scale, and whether it covers every total a scorecard can reach.

use crate::decimal::{self};
use crate::error::Code;
use crate::error::Issues;
use crate::model::*;
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::sync::Arc;

use super::compiled::*;

pub(super) fn build_grades(plan: &Plan, issues: &mut Issues) -> Vec<CGrade> {
    if plan.grades.is_empty() {
        issues.push(
            Code::EmptyGrades,
            "grades",
            "the grade scale needs at least one grade",
        );
    }
    let mut seen = HashSet::new();
    let mut mins = HashSet::new();
    let mut catch_all = 0usize;
    for (i, g) in plan.grades.iter().enumerate() {
        issues.id(
            format!("grades[{i}].grade"),
            &g.grade,
            "grade name",
            || seen.insert(g.grade.as_str()),
            || format!("grade '{}' is listed more than once", g.grade),
        );
        match g.min {
            None => {
                catch_all = catch_all.saturating_add(1);
                if catch_all > 1 {
                    issues.push(
                        Code::DuplicateCatchAllGrade,
                        format!("grades[{i}].min"),
                        "only one grade may omit `min` (the catch-all lowest grade)",
                    );
                }
            }
            Some(m) => {
                if !mins.insert(m.normalize()) {
                    issues.push(
                        Code::DuplicateGradeMin,
                        format!("grades[{i}].min"),
                        format!("another grade already starts at {m}"),
                    );
                }
            }
        }
        if g.coefficient.is_sign_negative() && !g.coefficient.is_zero() {
            issues.push(
                Code::InvalidCoefficient,
                format!("grades[{i}].coefficient"),
                format!(
                    "the coefficient must not be negative, not {}",
                    g.coefficient
                ),
            );
        }
    }
    let mut grades: Vec<CGrade> = plan
        .grades
        .iter()
        .map(|g| CGrade {
            name: Arc::from(g.grade.as_str()),
            min: g.min,
            min_fx: g.min.and_then(crate::fixed::Fx::of),
            coefficient: g.coefficient,
            rank: 0,
        })
        .collect();
    // Highest min first; the catch-all last.
    grades.sort_by(|a, b| match (a.min, b.min) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    for (rank, g) in grades.iter_mut().enumerate() {
        g.rank = rank;
    }
    grades
}

/// Lowest and highest score a rule can give; `None` = unbounded.
type Range = (Option<Decimal>, Option<Decimal>);

fn span(values: impl IntoIterator<Item = Decimal>) -> Range {
    let mut lo: Option<Decimal> = None;
    let mut hi: Option<Decimal> = None;
    for v in values {
        lo = Some(lo.map_or(v, |l| l.min(v)));
        hi = Some(hi.map_or(v, |h| h.max(v)));
    }
    (lo, hi)
}

fn rule_range(item: &CItem) -> Range {
    let z = Decimal::ZERO;
    let mut r = match &item.rule {
        CRule::Linear(r) => span(
            [r.floor_score, r.target_score, r.stretch_score]
                .into_iter()
                .chain(r.below_score),
        ),
        CRule::Ratio(r) => (Some(r.floor), r.cap.map(|c| c.max(decimal::HUNDRED))),
        CRule::Bands { bands, outside, .. } => {
            span(bands.iter().map(|b| b.score).chain([*outside]))
        }
        CRule::PerUnit(r) => (Some(r.floor), r.cap),
        CRule::Deduction(r) => span([r.floor, r.start]),
        CRule::PassFail(r) => span([r.pass_score, r.fail_score]),
        CRule::Lookup(r) => span(r.rows.iter().map(|x| x.score).chain([r.default_score])),
        CRule::Formula { floor, cap, .. } => (*floor, *cap),
    };
    if item.missing == MissingDataPolicy::Zero {
        r.0 = r.0.map(|lo| lo.min(z));
        r.1 = r.1.map(|hi| hi.max(z));
    }
    r
}

pub(super) fn check_grade_coverage(
    plan: &Plan,
    role: &Role,
    path: &str,
    crole: &CRole,
    grades: &[CGrade],
    issues: &mut Issues,
) {
    if grades.iter().any(|g| g.min.is_none()) || grades.is_empty() {
        return;
    }
    let Some(lowest_min) = grades.iter().filter_map(|g| g.min).min() else {
        return;
    };
    // Lowest reachable total: weighted sum of each item's lowest score (or, when items can be
    // excluded, the lowest single item score), plus the adjustments' lowest points.
    let mut total: Option<Decimal> = Some(Decimal::ZERO);
    let mut lowest_item: Option<Decimal> = None;
    for item in &crole.items {
        let lo = rule_range(item).0;
        total = match (total, lo) {
            (Some(t), Some(lo)) => lo
                .checked_mul(item.weight)
                .and_then(|x| x.checked_div(decimal::HUNDRED))
                .and_then(|x| t.checked_add(x)),
            _ => None,
        };
        lowest_item = match (lowest_item, lo) {
            (None, lo) => lo,
            (Some(a), Some(b)) => Some(a.min(b)),
            (Some(_), None) => None,
        };
        if lo.is_none() {
            lowest_item = None;
        }
    }
    if crole.any_exclude {
        total = match (total, lowest_item) {
            (Some(t), Some(l)) => Some(t.min(l)),
            _ => None,
        };
    }
    for adj in &crole.adjustments {
        let lo = match adj.min {
            Some(m) => Some(m.min(Decimal::ZERO)),
            None if adj.points_per_unit.is_sign_negative() && !adj.points_per_unit.is_zero() => {
                None
            }
            None => Some(Decimal::ZERO),
        };
        total = match (total, lo) {
            (Some(t), Some(l)) => t.checked_add(l),
            _ => None,
        };
    }
    for v in &crole.vetoes {
        if let (Some(t), Some(f)) = (total, v.force_total) {
            total = Some(t.min(f));
        }
    }
    let _ = plan;
    match total {
        None => issues.push(
            Code::GradesDoNotCover,
            "grades",
            format!("role '{}' ({}) has no lowest possible total (a rule or adjustment is unbounded below), so the grade scale needs a catch-all grade without `min`", role.id, role.name),
        ),
        Some(t) if t < lowest_min => issues.push(
            Code::GradesDoNotCover,
            "grades",
            format!("role '{}' ({}) can reach a total of {}, below the lowest grade minimum {}; lower that minimum or add a grade without `min` (at {path})", role.id, role.name, t.normalize(), lowest_min),
        ),
        _ => {}
    }
}

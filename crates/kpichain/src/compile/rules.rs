//! Scoring rules: each rule's fields checked against the item, formulas type-checked.

use crate::error::Code;
use crate::error::Issues;
use crate::formula::{self, Expr, Type, Var};
use crate::model::*;
use rust_decimal::Decimal;
use std::collections::HashMap;

use super::FastMap;
use super::compiled::*;

#[allow(clippy::too_many_arguments)]
pub(super) fn build_rule(
    plan: &Plan,
    item: &Item,
    ipath: &str,
    direction: Direction,
    indicator_index: &FastMap<String, usize>,
    item_keys: &HashMap<&str, usize>,
    ii: usize,
    deps: &mut [Vec<usize>],
    issues: &mut Issues,
    slot_for: &mut dyn FnMut(usize) -> usize,
) -> CRule {
    let rpath = format!("{ipath}.rule");
    let higher = direction == Direction::HigherIsBetter;
    let need = |issues: &mut Issues, field: &str, present: bool| {
        if !present {
            issues.push(
                match field {
                    "threshold" => Code::MissingThreshold,
                    "stretch" => Code::MissingStretch,
                    _ => Code::MissingTarget,
                },
                format!("{ipath}.{field}"),
                format!("a {} rule needs the item's `{field}`", item.rule.kind()),
            );
        }
    };
    // better(a, b): a is strictly better than b in this direction.
    let better = |a: Decimal, b: Decimal| if higher { a > b } else { a < b };
    let word = if higher { "above" } else { "below" };
    match &item.rule {
        ScoreRule::Linear(r) => {
            need(issues, "target", item.target.is_some());
            need(issues, "threshold", item.threshold.is_some());
            if let (Some(th), Some(t)) = (item.threshold, item.target) {
                if !better(t, th) {
                    issues.push(Code::TargetsOutOfOrder, format!("{ipath}.target"), format!("for a {} indicator the target ({t}) must be {word} the threshold ({th})", direction.as_str()));
                }
            }
            if let (Some(t), Some(s)) = (item.target, item.stretch) {
                if !better(s, t) {
                    issues.push(Code::TargetsOutOfOrder, format!("{ipath}.stretch"), format!("for a {} indicator the stretch value ({s}) must be {word} the target ({t})", direction.as_str()));
                }
            }
            if let Some(below) = r.below_score.filter(|b| *b > r.floor_score) {
                issues.push(Code::ScoresOutOfOrder, format!("{rpath}.below_score"), format!("below_score ({below}) must not be above floor_score ({}), the score at the threshold", r.floor_score));
            }
            if r.floor_score > r.target_score || r.target_score > r.stretch_score {
                issues.push(Code::ScoresOutOfOrder, rpath, format!("scores must rise from floor_score ({}) to target_score ({}) to stretch_score ({})", r.floor_score, r.target_score, r.stretch_score));
            }
            CRule::Linear(r.clone())
        }
        ScoreRule::Ratio(r) => {
            need(issues, "target", item.target.is_some());
            if let Some(cap) = r.cap {
                if r.floor > cap {
                    issues.push(
                        Code::BoundsOutOfOrder,
                        format!("{rpath}.floor"),
                        format!("the floor ({}) is above the cap ({cap})", r.floor),
                    );
                }
            } else if !higher {
                issues.push(Code::RatioCapRequired, format!("{rpath}.cap"), "a lower-is-better ratio rule needs a `cap`: target ÷ actual grows without bound as the actual approaches zero");
            }
            CRule::Ratio(r.clone())
        }
        ScoreRule::Bands(r) => {
            if r.over == Over::Achievement {
                need(issues, "target", item.target.is_some());
            }
            check_bands(&r.bands, &rpath, issues);
            let mut bands = r.bands.clone();
            bands.sort_by(|a, b| match (a.from, b.from) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, _) => std::cmp::Ordering::Less,
                (_, None) => std::cmp::Ordering::Greater,
                (Some(x), Some(y)) => x.cmp(&y),
            });
            CRule::Bands {
                over: r.over,
                bands,
                outside: r.outside_score,
            }
        }
        ScoreRule::PerUnit(r) => {
            need(issues, "target", item.target.is_some());
            if r.step <= Decimal::ZERO {
                issues.push(
                    Code::InvalidStep,
                    format!("{rpath}.step"),
                    format!("the step must be greater than 0, not {}", r.step),
                );
            }
            if r.points_above.is_sign_negative() && !r.points_above.is_zero() {
                issues.push(Code::InvalidPoints, format!("{rpath}.points_above"), "points_above must not be negative (it is added on the good side of the target)");
            }
            if r.points_below.is_sign_negative() && !r.points_below.is_zero() {
                issues.push(
                    Code::InvalidPoints,
                    format!("{rpath}.points_below"),
                    "points_below must not be negative (it is taken on the bad side of the target)",
                );
            }
            if let Some(cap) = r.cap {
                if r.floor > cap {
                    issues.push(
                        Code::BoundsOutOfOrder,
                        format!("{rpath}.floor"),
                        format!("the floor ({}) is above the cap ({cap})", r.floor),
                    );
                }
            }
            CRule::PerUnit(r.clone())
        }
        ScoreRule::Deduction(r) => {
            if r.points.is_sign_negative() && !r.points.is_zero() {
                issues.push(
                    Code::InvalidPoints,
                    format!("{rpath}.points"),
                    "points per occurrence must not be negative",
                );
            }
            if r.floor > r.start {
                issues.push(
                    Code::BoundsOutOfOrder,
                    format!("{rpath}.floor"),
                    format!(
                        "the floor ({}) is above the start score ({})",
                        r.floor, r.start
                    ),
                );
            }
            CRule::Deduction(r.clone())
        }
        ScoreRule::PassFail(r) => {
            need(issues, "target", item.target.is_some());
            CRule::PassFail(r.clone())
        }
        ScoreRule::Lookup(r) => {
            if r.over == Over::Achievement {
                need(issues, "target", item.target.is_some());
            }
            if r.rows.is_empty() {
                issues.push(
                    Code::EmptyTable,
                    format!("{rpath}.rows"),
                    "a lookup table needs at least one row",
                );
            }
            for (i, row) in r.rows.iter().enumerate() {
                if let (Some(lo), Some(hi)) = (row.min, row.max) {
                    if lo > hi {
                        issues.push(
                            Code::BoundsOutOfOrder,
                            format!("{rpath}.rows[{i}]"),
                            format!("min {lo} is greater than max {hi}"),
                        );
                    }
                }
            }
            CRule::Lookup(r.clone())
        }
        ScoreRule::Formula(r) => {
            if let (Some(lo), Some(hi)) = (r.floor, r.cap) {
                if lo > hi {
                    issues.push(
                        Code::BoundsOutOfOrder,
                        format!("{rpath}.floor"),
                        format!("the floor ({lo}) is above the cap ({hi})"),
                    );
                }
            }
            let lookup = |name: &str| -> Option<Var> {
                match name {
                    "actual" => Some(Var::Actual),
                    "target" => Some(Var::Target),
                    "threshold" => Some(Var::Threshold),
                    "stretch" => Some(Var::Stretch),
                    "achievement" => Some(Var::Achievement),
                    _ => match name.strip_prefix("score.") {
                        Some(k) => item_keys.get(k).map(|&i| Var::ItemScore(i)),
                        None => indicator_index.get(name).map(|&i| Var::Indicator(i)),
                    },
                }
            };
            let checked = formula::parse(&r.expression)
                .and_then(|ast| formula::check(&ast, Type::Number, &lookup));
            match checked {
                Ok(expr) => {
                    let mut vars = Vec::new();
                    expr.vars(&mut vars);
                    for v in vars {
                        match v {
                            Var::ItemScore(j) => {
                                if let Some(d) = deps.get_mut(ii) {
                                    d.push(j);
                                }
                            }
                            Var::Indicator(i) => {
                                slot_for(i);
                            }
                            Var::Target => need(issues, "target", item.target.is_some()),
                            Var::Threshold => need(issues, "threshold", item.threshold.is_some()),
                            Var::Stretch => need(issues, "stretch", item.stretch.is_some()),
                            Var::Achievement => need(issues, "target", item.target.is_some()),
                            Var::Actual | Var::Total => {}
                        }
                    }
                    let _ = plan;
                    CRule::Formula {
                        expr,
                        floor: r.floor,
                        cap: r.cap,
                    }
                }
                Err(e) => {
                    issues.push(
                        Code::FormulaInvalid,
                        format!("{rpath}.expression"),
                        e.to_string(),
                    );
                    CRule::Formula {
                        expr: Expr::Num(Decimal::ZERO),
                        floor: r.floor,
                        cap: r.cap,
                    }
                }
            }
        }
    }
}

fn check_bands(bands: &[Band], rpath: &str, issues: &mut Issues) {
    if bands.is_empty() {
        issues.push(
            Code::EmptyTable,
            format!("{rpath}.bands"),
            "a bands rule needs at least one band",
        );
        return;
    }
    let mut order: Vec<(usize, &Band)> = bands.iter().enumerate().collect();
    for (i, b) in &order {
        if let (Some(f), Some(t)) = (b.from, b.to) {
            if f >= t {
                issues.push(
                    Code::BandEmpty,
                    format!("{rpath}.bands[{i}]"),
                    format!("the band [{f}, {t}) is empty: `from` must be below `to`"),
                );
            }
        }
    }
    order.sort_by(|(_, a), (_, b)| match (a.from, b.from) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Less,
        (_, None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(&y),
    });
    for pair in order.windows(2) {
        let [(_, a), (j, b)] = pair else { continue };
        let describe = |x: Option<Decimal>| x.map_or_else(|| "∞".to_string(), |d| d.to_string());
        match (a.to, b.from) {
            (None, _) | (_, None) => issues.push(
                Code::BandsOverlap,
                format!("{rpath}.bands[{j}]"),
                format!(
                    "the band from {} overlaps an open-ended band",
                    describe(b.from)
                ),
            ),
            (Some(end), Some(start)) if start < end => issues.push(
                Code::BandsOverlap,
                format!("{rpath}.bands[{j}]"),
                format!("the band starting at {start} overlaps the band ending at {end}"),
            ),
            (Some(end), Some(start)) if start > end => issues.push(
                Code::BandsGap,
                format!("{rpath}.bands[{j}]"),
                format!("values from {end} up to {start} fall in no band"),
            ),
            _ => {}
        }
    }
}

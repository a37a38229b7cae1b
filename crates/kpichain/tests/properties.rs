//! Property tests: monotonicity in the indicator's direction, scores within floor and cap,
//! totals equal to the sum of their parts, and determinism.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use kpichain::{CompiledPlan, Decimal, Inputs};
use proptest::prelude::*;
use serde_json::json;

fn rules(direction: &str) -> Vec<serde_json::Value> {
    let lower = direction == "lower_is_better";
    let (th, tg, st) = if lower { (72, 24, 12) } else { (5, 12, 20) };
    vec![
        json!({"threshold": th, "target": tg, "stretch": st, "rule": {"type": "linear"}}),
        json!({"threshold": th, "target": tg, "rule": {"type": "linear", "floor_score": 20, "target_score": 90, "stretch_score": 90}}),
        json!({"target": tg, "rule": {"type": "ratio", "cap": 150, "floor": 10}}),
        json!({"target": tg, "rule": {"type": "bands", "over": "achievement", "bands": [
            {"to": 80, "score": 0}, {"from": 80, "to": 100, "score": 70}, {"from": 100, "to": 120, "score": 100}, {"from": 120, "score": 120}]}}),
        json!({"target": tg, "rule": {"type": "per_unit", "points_above": 2, "points_below": 3, "cap": 130}}),
        json!({"target": tg, "rule": {"type": "per_unit", "basis": "actual", "step": "0.5", "whole_steps": true, "points_above": 1, "points_below": 4, "floor": 5, "cap": 110}}),
        json!({"target": tg, "rule": {"type": "pass_fail", "fail_score": 30}}),
        json!({"rule": {"type": "deduction", "points": 5, "floor": 40}}),
        if lower {
            json!({"rule": {"type": "lookup", "rows": [{"max": 12, "score": 100}, {"min": 12, "max": 24, "score": 80}, {"min": 24, "score": 10}]}})
        } else {
            json!({"rule": {"type": "lookup", "rows": [{"max": 5, "score": 0}, {"min": 5, "max": 12, "score": 80}, {"min": 12, "score": 110}]}})
        },
    ]
}

/// (lowest, highest) score each rule above can give.
fn bounds(i: usize) -> (i64, i64) {
    [
        (0, 120),
        (20, 90),
        (10, 150),
        (0, 120),
        (0, 130),
        (5, 110),
        (30, 100),
        (40, 100),
        (0, 110),
    ][i]
}

fn compile(direction: &str, rule: &serde_json::Value) -> CompiledPlan {
    let mut item = rule.clone();
    item["indicator"] = json!("x");
    item["weight"] = json!(100);
    let plan = json!({
        "id": "p", "version": "1",
        "indicators": [{"id": "x", "name": "指标", "direction": direction}],
        "roles": [{"id": "r", "name": "岗位", "items": [item]}],
        "grades": [{"grade": "A", "min": 100, "coefficient": 1}, {"grade": "D", "coefficient": 0}]
    });
    CompiledPlan::from_text(&plan.to_string()).unwrap()
}

fn score(plan: &CompiledPlan, actual: Decimal) -> Decimal {
    let inputs = Inputs {
        assignments: vec![kpichain::Assignment {
            subject: "s".into(),
            role: "r".into(),
            ..Default::default()
        }],
        actuals: vec![kpichain::Actual {
            subject: "s".into(),
            indicator: "x".into(),
            value: actual,
        }],
        ..Default::default()
    };
    plan.evaluate(&inputs).unwrap().results[0].items[0].score
}

// Deduction counts occurrences, so it is only meaningful for non-negative actuals and is
// always "lower is better" in spirit; it is exercised in its own direction below.
const DEDUCTION: usize = 7;

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn higher_is_better_scores_never_fall_as_the_actual_rises(i in 0usize..9, a in -5_000i64..50_000, d in 0i64..5_000) {
        prop_assume!(i != DEDUCTION);
        let plan = compile("higher_is_better", &rules("higher_is_better")[i]);
        let (x, y) = (Decimal::new(a, 3), Decimal::new(a + d, 3));
        prop_assert!(score(&plan, x) <= score(&plan, y), "rule {i}: score({x}) > score({y})");
    }

    #[test]
    fn lower_is_better_scores_never_rise_as_the_actual_rises(i in 0usize..9, a in 1i64..200_000, d in 0i64..5_000) {
        let plan = compile("lower_is_better", &rules("lower_is_better")[i]);
        let (x, y) = (Decimal::new(a, 3), Decimal::new(a + d, 3));
        prop_assert!(score(&plan, x) >= score(&plan, y), "rule {i}: score({x}) < score({y})");
    }

    #[test]
    fn scores_stay_within_floor_and_cap(i in 0usize..9, a in -100_000i64..400_000, lower in any::<bool>()) {
        let direction = if lower { "lower_is_better" } else { "higher_is_better" };
        let plan = compile(direction, &rules(direction)[i]);
        let actual = Decimal::new(a, 3);
        prop_assume!(i != DEDUCTION || actual >= Decimal::ZERO);
        let s = score(&plan, actual);
        let (lo, hi) = bounds(i);
        prop_assert!(s >= Decimal::from(lo) && s <= Decimal::from(hi), "rule {i} {direction}: score {s} for {actual}");
    }

    #[test]
    fn total_is_the_sum_of_weighted_scores_and_adjustments(
        w in 1i64..99, a in 0i64..300_000, b in 0i64..300_000, p in 0i64..20, exclude in any::<bool>(), drop_b in any::<bool>(),
    ) {
        let plan = json!({
            "id": "p", "version": "1", "missing_data": if exclude { "exclude" } else { "zero" },
            "indicators": [{"id": "a", "name": "甲"}, {"id": "b", "name": "乙"}, {"id": "p", "name": "提案"}],
            "roles": [{"id": "r", "name": "岗位", "items": [
                {"indicator": "a", "weight": w, "target": 100, "rule": {"type": "ratio", "cap": 150}},
                {"indicator": "b", "weight": 100 - w, "threshold": 20, "target": 100, "stretch": 200, "rule": {"type": "linear"}}],
              "adjustments": [{"id": "bonus", "name": "加分", "indicator": "p", "points_per_unit": "1.5", "max": 10}]}],
            "grades": [{"grade": "A", "min": 100, "coefficient": 1}, {"grade": "D", "coefficient": 0}]
        });
        let plan = CompiledPlan::from_text(&plan.to_string()).unwrap();
        let mut actuals = vec![
            kpichain::Actual { subject: "s".into(), indicator: "a".into(), value: Decimal::new(a, 3) },
            kpichain::Actual { subject: "s".into(), indicator: "p".into(), value: Decimal::from(p) },
        ];
        if !drop_b {
            actuals.push(kpichain::Actual { subject: "s".into(), indicator: "b".into(), value: Decimal::new(b, 3) });
        }
        let inputs = Inputs {
            assignments: vec![kpichain::Assignment { subject: "s".into(), role: "r".into(), ..Default::default() }],
            actuals,
            ..Default::default()
        };
        let first = plan.evaluate(&inputs).unwrap();
        let r = &first.results[0];
        let parts: Decimal = r.items.iter().map(|i| i.weighted).sum::<Decimal>() + r.adjustments.iter().map(|a| a.points).sum::<Decimal>();
        prop_assert_eq!(r.total_unrounded, parts);
        prop_assert_eq!(r.total, r.total_unrounded.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero));
        // Evaluating again gives byte-identical output.
        let second = plan.evaluate(&inputs).unwrap();
        prop_assert_eq!(serde_json::to_string(&first).unwrap(), serde_json::to_string(&second).unwrap());
    }
}

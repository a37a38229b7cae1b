//! Differential tests of the fixed-point fast path: random plans (every rule, both directions,
//! every rounding mode and many scales) and random inputs (ordinary, large, many-digit,
//! negative, zero and negative-zero values, values exactly on thresholds, targets and bands,
//! per-subject targets, missing actuals) are evaluated twice, with the fast path and with the
//! plain `Decimal` path only, and the results must be the same text, digit for digit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use crate::compile::CompiledPlan;
use crate::evaluate::input::{Actual, Assignment, Inputs, TargetOverride};
use crate::fixed::reference;
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// A small deterministic generator, so that one seed describes a whole case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// A plan number: mostly round or two-decimal values, sometimes odd ones.
fn plan_number(rng: &mut Rng, lo: i64, hi: i64) -> Decimal {
    let whole = lo + rng.below((hi - lo).max(1) as u64) as i64;
    match rng.below(25) {
        0 if lo <= 0 => {
            // A negative zero, as "-0.00" in a plan reads.
            let mut zero = Decimal::new(0, rng.below(3) as u32);
            zero.set_sign_negative(true);
            zero
        }
        0..=12 => Decimal::from(whole),
        13..=18 => Decimal::new(whole * 100 + rng.below(100) as i64, 2),
        _ => Decimal::new(whole * 1000 + rng.below(1000) as i64, 3),
    }
}

/// An actual near the plan's numbers `near`, or a value of an awkward shape.
fn actual_value(rng: &mut Rng, near: &[Decimal]) -> Decimal {
    match rng.below(12) {
        0..=3 => Decimal::new(rng.below(40_000) as i64 - 5_000, 2),
        4 | 5 => near[rng.below(near.len() as u64) as usize],
        6 => {
            let base = near[rng.below(near.len() as u64) as usize];
            let tiny = Decimal::new(rng.below(3) as i64 - 1, rng.below(9) as u32);
            base.checked_add(tiny).unwrap_or(base)
        }
        7 => Decimal::new(rng.next() as i64, rng.below(29) as u32),
        8 => Decimal::from_parts(
            rng.next() as u32,
            rng.next() as u32,
            (rng.next() as u32)
                .checked_shr(rng.below(33) as u32)
                .unwrap_or(0),
            rng.chance(30),
            rng.below(29) as u32,
        ),
        9 => {
            let mut zero = Decimal::new(0, rng.below(5) as u32);
            zero.set_sign_negative(rng.chance(50));
            zero
        }
        10 => Decimal::new(
            rng.below(2_000_000_000) as i64 - 1_000_000_000,
            rng.below(12) as u32,
        ),
        _ => Decimal::new(rng.below(300) as i64, 0),
    }
}

struct Case {
    plan: Value,
    inputs: Inputs,
}

fn case(seed: u64) -> Case {
    let mut rng = Rng(seed | 1);
    let n = 1 + rng.below(5) as usize;
    let mut items = Vec::new();
    let mut indicators = Vec::new();
    let mut numbers = vec![Decimal::ZERO];
    let mut weights = vec![100 / n as i64; n];
    weights[0] += 100 - weights.iter().sum::<i64>();
    for (i, weight) in weights.iter().enumerate() {
        let lower = rng.chance(30);
        let direction = if lower {
            "lower_is_better"
        } else {
            "higher_is_better"
        };
        indicators
            .push(json!({"id": format!("k{i}"), "name": format!("k{i}"), "direction": direction}));
        // threshold < target < stretch in the indicator's direction.
        let mut points = [
            plan_number(&mut rng, -50, 80),
            plan_number(&mut rng, 80, 150),
            plan_number(&mut rng, 150, 400),
        ];
        if rng.chance(40) {
            points = [Decimal::from(50), Decimal::from(100), Decimal::from(150)];
        }
        if rng.chance(10) {
            points = [Decimal::from(-100), Decimal::from(-50), Decimal::ZERO];
        }
        if lower {
            points.reverse();
        }
        let [th, tg, st] = points;
        numbers.extend(points);
        let cuts: Vec<Decimal> = {
            let mut c = vec![
                plan_number(&mut rng, 40, 90),
                plan_number(&mut rng, 90, 110),
                plan_number(&mut rng, 110, 200),
            ];
            c.sort();
            c.dedup();
            c
        };
        numbers.extend(cuts.iter().copied());
        let rule = match rng.below(8) {
            0 | 1 => {
                if rng.chance(50) {
                    json!({"type": "linear"})
                } else {
                    json!({"type": "linear", "floor_score": plan_number(&mut rng, 0, 30), "target_score": plan_number(&mut rng, 60, 100), "stretch_score": plan_number(&mut rng, 100, 130)})
                }
            }
            2 => {
                if lower || rng.chance(50) {
                    json!({"type": "ratio", "cap": plan_number(&mut rng, 100, 150), "floor": plan_number(&mut rng, 0, 20)})
                } else {
                    json!({"type": "ratio"})
                }
            }
            3 => {
                let over = rng.pick(&["achievement", "actual"]);
                let mut bands = vec![json!({"to": cuts[0], "score": 0})];
                for w in cuts.windows(2) {
                    bands.push(
                        json!({"from": w[0], "to": w[1], "score": plan_number(&mut rng, 0, 130)}),
                    );
                }
                bands.push(json!({"from": cuts[cuts.len() - 1], "score": 120}));
                json!({"type": "bands", "over": over, "bands": bands, "outside_score": 5})
            }
            4 => {
                json!({"type": "pass_fail", "pass_score": 100, "fail_score": plan_number(&mut rng, 0, 50)})
            }
            5 => json!({"type": "deduction", "points": plan_number(&mut rng, 1, 10), "floor": 10}),
            6 => {
                let over = rng.pick(&["achievement", "actual"]);
                let mut rows = vec![json!({"max": cuts[0], "score": 0})];
                for w in cuts.windows(2) {
                    rows.push(
                        json!({"min": w[0], "max": w[1], "score": plan_number(&mut rng, 0, 130)}),
                    );
                }
                rows.push(json!({"min": cuts[cuts.len() - 1], "score": 110}));
                json!({"type": "lookup", "over": over, "rows": rows, "default_score": 7})
            }
            _ => json!({"type": "per_unit", "points_above": 2, "points_below": 3, "cap": 120}),
        };
        let mut item =
            json!({"indicator": format!("k{i}"), "weight": weight, "target": tg, "rule": rule});
        if matches!(item["rule"]["type"].as_str(), Some("linear")) {
            item["threshold"] = json!(th);
            if rng.chance(80) {
                item["stretch"] = json!(st);
            }
        }
        items.push(item);
    }
    let mut rounding = json!({
        "mode": rng.pick(&["half_up", "half_even", "half_down", "down", "up", "floor", "ceiling"]),
    });
    for key in [
        "achievement_scale",
        "item_scale",
        "weighted_scale",
        "total_scale",
    ] {
        if rng.chance(60) {
            let scale = if rng.chance(90) {
                rng.below(7)
            } else {
                rng.below(21)
            };
            rounding[key] = json!(scale);
        }
    }
    let plan = json!({
        "id": "diff", "version": "1",
        "missing_data": rng.pick(&["zero", "exclude", "zero"]),
        "rounding": rounding,
        "indicators": indicators,
        "roles": [{"id": "r", "name": "r", "items": items}],
        "grades": [{"grade": "A", "min": 100, "coefficient": "1.2"}, {"grade": "B", "min": 60, "coefficient": 1},
                   {"grade": "D", "coefficient": 0}]
    });
    let mut inputs = Inputs::default();
    for s in 0..1 + rng.below(6) {
        let subject: std::sync::Arc<str> = format!("s{s}").into();
        inputs.assignments.push(Assignment {
            subject: subject.clone(),
            role: "r".into(),
            ..Default::default()
        });
        for i in 0..n {
            if rng.chance(8) {
                continue;
            }
            inputs.actuals.push(Actual {
                subject: subject.clone(),
                indicator: format!("k{i}").into(),
                value: actual_value(&mut rng, &numbers),
            });
        }
        if rng.chance(15) {
            inputs.targets.push(TargetOverride {
                subject: subject.clone(),
                indicator: format!("k{}", rng.below(n as u64)).into(),
                target: plan_number(&mut rng, 1, 300),
                threshold: None,
                stretch: None,
            });
        }
    }
    Case { plan, inputs }
}

/// Evaluates a case both ways; the outcome as text, and whether the plan compiled.
fn both_ways(c: &Case) -> Option<(String, String)> {
    let plan = CompiledPlan::from_text(&c.plan.to_string()).ok()?;
    let text = |r: Result<crate::Evaluation, crate::InputError>| match r {
        Ok(e) => serde_json::to_string(&e).unwrap(),
        Err(e) => format!("{e:?}"),
    };
    let fast = text(plan.evaluate(&c.inputs));
    let slow = text(reference(|| plan.evaluate(&c.inputs)));
    Some((fast, slow))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    #[test]
    fn fast_and_reference_paths_give_identical_results(seed in any::<u64>()) {
        let c = case(seed);
        if let Some((fast, slow)) = both_ways(&c) {
            prop_assert_eq!(fast, slow, "plan {}", c.plan);
        }
    }
}

/// The generated cases compile and mostly evaluate, so the property above is not vacuous.
#[test]
fn generated_cases_are_mostly_scorable() {
    let (mut compiled, mut scored) = (0, 0);
    for seed in 0..400u64 {
        let c = case(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        if let Some((fast, _)) = both_ways(&c) {
            compiled += 1;
            scored += usize::from(fast.starts_with('{'));
        }
    }
    assert!(compiled > 300, "{compiled} of 400 plans compiled");
    assert!(scored > 150, "{scored} of {compiled} evaluations scored");
}

/// The common rules take the fast path (so that a change cannot silently turn it off).
#[test]
fn ordinary_items_take_the_fast_path() {
    use crate::evaluate::rules::score_fast;
    let plan = json!({
        "id": "p", "version": "1",
        "indicators": (0..6).map(|i| json!({"id": format!("k{i}"), "name": "k"})).collect::<Vec<_>>(),
        "roles": [{"id": "r", "name": "r", "items": [
            {"indicator": "k0", "weight": 20, "threshold": 50, "target": 100, "stretch": 150, "rule": {"type": "linear"}},
            {"indicator": "k1", "weight": 20, "target": 80, "rule": {"type": "ratio", "cap": 120}},
            {"indicator": "k2", "weight": 20, "target": 100, "rule": {"type": "bands", "over": "achievement", "bands": [
                {"to": 60, "score": 0}, {"from": 60, "to": 100, "score": 80}, {"from": 100, "score": 100}]}},
            {"indicator": "k3", "weight": 20, "target": 1, "rule": {"type": "pass_fail"}},
            {"indicator": "k4", "weight": 10, "rule": {"type": "deduction", "points": 5}},
            {"indicator": "k5", "weight": 10, "rule": {"type": "lookup", "rows": [{"max": 5, "score": 0}, {"min": 5, "score": 100}]}}]}],
        "grades": [{"grade": "A", "coefficient": 1}]
    });
    let plan = CompiledPlan::from_text(&plan.to_string()).unwrap();
    let role = &plan.roles[0];
    for item in &role.items {
        for actual in [
            "0", "3", "49.99", "50", "87.25", "100", "123.456", "150", "170",
        ] {
            let actual: Decimal = actual.parse().unwrap();
            assert!(
                score_fast(item, actual, &plan.plan.rounding).is_some(),
                "item {} at {actual}",
                item.key
            );
        }
    }
}

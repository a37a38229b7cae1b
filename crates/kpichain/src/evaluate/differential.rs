//! Differential tests of the shortcuts (the fixed-point fast path and the precomputed
//! factors): random plans and inputs are evaluated twice, with the shortcuts and with the plain
//! `Decimal` reference only ([`crate::fixed::reference`]), as owned results and as a score
//! table, and all four must be the same text, digit for digit.
//!
//! The plans have one to three roles, later roles reading earlier ones (`from: role`, every
//! aggregate and scope, totals, item scores and actuals) and other subjects (`from: subject`);
//! every rule including formulas over actuals, targets, achievement and other items' scores;
//! both directions, every rounding mode and many scales; adjustments with limits, vetoes that
//! force a total or a grade (per role and for the whole plan), random grade scales. The inputs
//! hold ordinary, large, many-digit, negative, zero and negative-zero values, values exactly on
//! thresholds, targets and bands, missing actuals, bonus bases, and per-subject targets with
//! their own thresholds and stretch values.
#![allow(clippy::arithmetic_side_effects)]

use crate::compile::CompiledPlan;
use crate::fixed::reference;
use crate::model::{Actual, Assignment, Inputs, TargetOverride};
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
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
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

/// Formulas an item may use; `{prev}` is an earlier item of the same role.
const FORMULAS: [&str; 7] = [
    "actual / target * 100",
    "min(achievement, 120)",
    "if(actual >= target, 100, actual * 0.8)",
    "max(0, 100 - abs(actual - target))",
    "round(actual * 1.5, 2)",
    "score.{prev} * 0.5 + achievement / 2",
    "if(score.{prev} > 50, min(achievement, 110), 0)",
];

/// Direction-ordered threshold, target and stretch values.
fn targets(rng: &mut Rng, lower: bool) -> [Decimal; 3] {
    let mut points = [
        plan_number(rng, -50, 80),
        plan_number(rng, 80, 150),
        plan_number(rng, 150, 400),
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
    points
}

/// One item: its indicator, its JSON, and its threshold, target and stretch when it has them.
fn item(
    rng: &mut Rng,
    id: &str,
    weight: i64,
    earlier: &[String],
    numbers: &mut Vec<Decimal>,
) -> (Value, Value) {
    let lower = rng.chance(30);
    let direction = if lower {
        "lower_is_better"
    } else {
        "higher_is_better"
    };
    let indicator = json!({"id": id, "name": id, "direction": direction});
    let [th, tg, st] = targets(rng, lower);
    numbers.extend([th, tg, st]);
    let cuts: Vec<Decimal> = {
        let mut c = vec![
            plan_number(rng, 40, 90),
            plan_number(rng, 90, 110),
            plan_number(rng, 110, 200),
        ];
        c.sort();
        c.dedup();
        c
    };
    numbers.extend(cuts.iter().copied());
    let rule = match rng.below(10) {
        0 | 1 => {
            let mut r = if rng.chance(50) {
                json!({"type": "linear"})
            } else {
                json!({"type": "linear", "floor_score": plan_number(rng, 30, 60), "target_score": plan_number(rng, 60, 100), "stretch_score": plan_number(rng, 100, 130)})
            };
            if rng.chance(30) {
                // A cliff: the threshold score at the threshold, less beyond it.
                r["below_score"] = json!(plan_number(rng, 0, 30));
            }
            r
        }
        2 => {
            if lower || rng.chance(50) {
                json!({"type": "ratio", "cap": plan_number(rng, 100, 150), "floor": plan_number(rng, 0, 20)})
            } else {
                json!({"type": "ratio"})
            }
        }
        3 => {
            let over = rng.pick(&["achievement", "actual"]);
            let mut bands = vec![json!({"to": cuts[0], "score": 0})];
            for w in cuts.windows(2) {
                bands.push(json!({"from": w[0], "to": w[1], "score": plan_number(rng, 0, 130)}));
            }
            bands.push(json!({"from": cuts[cuts.len() - 1], "score": 120}));
            json!({"type": "bands", "over": over, "bands": bands, "outside_score": 5})
        }
        4 => {
            json!({"type": "pass_fail", "pass_score": 100, "fail_score": plan_number(rng, 0, 50)})
        }
        5 => json!({"type": "deduction", "points": plan_number(rng, 1, 10), "floor": 10}),
        6 => {
            let over = rng.pick(&["achievement", "actual"]);
            let mut rows = vec![json!({"max": cuts[0], "score": 0})];
            for w in cuts.windows(2) {
                rows.push(json!({"min": w[0], "max": w[1], "score": plan_number(rng, 0, 130)}));
            }
            rows.push(json!({"min": cuts[cuts.len() - 1], "score": 110}));
            json!({"type": "lookup", "over": over, "rows": rows, "default_score": 7})
        }
        7 => json!({"type": "per_unit", "points_above": 2, "points_below": 3, "cap": 120}),
        _ => {
            let choices = if earlier.is_empty() {
                5
            } else {
                FORMULAS.len()
            };
            let formula = FORMULAS[rng.below(choices as u64) as usize];
            let expression = match earlier {
                [] => formula.to_string(),
                _ => formula.replace("{prev}", rng.pick(earlier).as_str()),
            };
            let mut rule = json!({"type": "formula", "expression": expression});
            if rng.chance(50) {
                rule["floor"] = json!(0);
                rule["cap"] = json!(plan_number(rng, 100, 150));
            }
            rule
        }
    };
    let mut item = json!({"indicator": id, "weight": weight, "target": tg, "rule": rule});
    if matches!(item["rule"]["type"].as_str(), Some("linear")) {
        item["threshold"] = json!(th);
        if rng.chance(80) {
            item["stretch"] = json!(st);
        }
    }
    (indicator, item)
}

pub(crate) struct Case {
    pub(crate) plan: Value,
    pub(crate) inputs: Inputs,
}

/// Weights summing to 100 over `n` items.
fn weights(n: usize) -> Vec<i64> {
    let mut w = vec![100 / n as i64; n];
    w[0] += 100 - w.iter().sum::<i64>();
    w
}

pub(crate) fn case(seed: u64) -> Case {
    let mut rng = Rng(seed | 1);
    let n_roles = if rng.chance(50) {
        1
    } else {
        2 + rng.below(2) as usize
    };
    let n_subjects = 1 + rng.below(7) as usize;
    let subject = |s: usize| format!("s{s}");
    let mut indicators = Vec::new();
    let mut numbers = vec![Decimal::ZERO];
    // Per role: its own indicators (read from the subject's actuals) and its item keys.
    let mut own: Vec<Vec<String>> = Vec::new();
    let mut keys: Vec<Vec<String>> = Vec::new();
    let mut roles = Vec::new();
    // Indicators of adjustments, shared by every role.
    let adj_indicators = ["bonus_points", "incidents"];
    for id in adj_indicators {
        indicators.push(json!({"id": id, "name": id}));
    }
    for r in 0..n_roles {
        let n = 1 + rng.below(5) as usize;
        let mut items = Vec::new();
        let mut role_own = Vec::new();
        let mut role_keys: Vec<String> = Vec::new();
        for (i, weight) in weights(n).into_iter().enumerate() {
            let id = format!("r{r}k{i}");
            let (indicator, mut item) = item(&mut rng, &id, weight, &role_keys, &mut numbers);
            indicators.push(indicator);
            // Items of later roles may read an earlier role's results, or another subject.
            if r > 0 && rng.chance(35) {
                let from = rng.below(r as u64) as usize;
                let value = match rng.below(3) {
                    1 => format!("score.{}", rng.pick(&keys[from])),
                    2 if !own[from].is_empty() => format!("actual.{}", rng.pick(&own[from])),
                    _ => "total".to_string(),
                };
                item["source"] = json!({"from": "role", "role": format!("r{from}"), "value": value,
                    "aggregate": rng.pick(&["avg", "sum", "min", "max"]),
                    "scope": rng.pick(&["all", "all", "region", "team"])});
            } else if r > 0 && rng.chance(10) {
                item["source"] = json!({"from": "subject", "subject": subject(rng.below(n_subjects as u64) as usize),
                    "indicator": rng.pick(&own[0])});
            } else {
                role_own.push(id.clone());
            }
            role_keys.push(id);
            items.push(item);
        }
        let mut role = json!({"id": format!("r{r}"), "name": format!("r{r}"), "items": items});
        if rng.chance(40) {
            let mut adjustments = vec![
                json!({"id": "bonus", "name": "bonus", "indicator": "bonus_points",
                "points_per_unit": plan_number(&mut rng, 1, 5), "max": plan_number(&mut rng, 5, 15)}),
            ];
            if rng.chance(50) {
                adjustments.push(json!({"id": "penalty", "name": "penalty", "indicator": "incidents",
                    "points_per_unit": Decimal::from(-1) * plan_number(&mut rng, 1, 8), "min": -20}));
            }
            role["adjustments"] = json!(adjustments);
        }
        if rng.chance(40) {
            let key = rng.pick(&role_keys).clone();
            let mut vetoes = vec![
                json!({"id": "low", "name": "low", "condition": format!("score.{key} < {}", plan_number(&mut rng, 10, 60)),
                "force_total": plan_number(&mut rng, 0, 50)}),
            ];
            if rng.chance(50) {
                vetoes.push(json!({"id": "incident", "name": "incident", "condition": "incidents >= 2", "force_grade": "C"}));
            }
            role["vetoes"] = json!(vetoes);
        }
        own.push(role_own);
        keys.push(role_keys);
        roles.push(role);
    }
    let mut rounding = json!({
        "mode": rng.pick(&["half_up", "half_even", "half_down", "down", "up", "floor", "ceiling"]),
    });
    for key in [
        "achievement_scale",
        "item_scale",
        "weighted_scale",
        "total_scale",
        "payout_scale",
    ] {
        if rng.chance(60) {
            let scale = if rng.chance(90) {
                rng.below(7)
            } else {
                rng.below(21)
            };
            rounding[key] = json!(scale);
        } else if key != "total_scale" && rng.chance(15) {
            rounding[key] = json!("none");
        }
    }
    let grades = if rng.chance(50) {
        json!([{"grade": "A", "min": 100, "coefficient": "1.2"}, {"grade": "B", "min": 60, "coefficient": 1},
               {"grade": "C", "min": 30, "coefficient": "0.5"}, {"grade": "D", "coefficient": 0}])
    } else {
        let top = plan_number(&mut rng, 90, 120);
        let mid = plan_number(&mut rng, 40, 90);
        json!([{"grade": "A", "min": top, "coefficient": plan_number(&mut rng, 1, 3)},
               {"grade": "B", "min": mid, "coefficient": plan_number(&mut rng, 0, 2)},
               {"grade": "C", "coefficient": "0.35"}])
    };
    let mut plan = json!({
        "id": "diff", "version": "1",
        "missing_data": rng.pick(&["zero", "exclude", "zero"]),
        "rounding": rounding,
        "indicators": indicators,
        "roles": roles,
        "grades": grades
    });
    if rng.chance(20) {
        plan["vetoes"] = json!([{"id": "floor", "name": "floor", "condition": "total < 20", "force_grade": "C"}]);
    }
    let mut inputs = Inputs::default();
    for s in 0..n_subjects {
        let id: std::sync::Arc<str> = subject(s).into();
        let role = rng.below(n_roles as u64) as usize;
        inputs.assignments.push(Assignment {
            subject: id.clone(),
            role: format!("r{role}"),
            region: rng
                .chance(70)
                .then(|| rng.pick(&["north", "south"]).to_string()),
            manager: rng
                .chance(50)
                .then(|| subject(rng.below(n_subjects as u64) as usize)),
            bonus_base: rng
                .chance(50)
                .then(|| Decimal::new(rng.below(2_000_000) as i64, rng.below(3) as u32)),
            ..Default::default()
        });
        // Every role's own indicators, so that subjects of other roles can be read too.
        for indicator in own
            .iter()
            .flatten()
            .chain(&adj_indicators.map(String::from))
        {
            if rng.chance(8) {
                continue;
            }
            let value = if adj_indicators.contains(&indicator.as_str()) {
                Decimal::from(rng.below(4))
            } else {
                actual_value(&mut rng, &numbers)
            };
            inputs.actuals.push(Actual {
                subject: id.clone(),
                indicator: indicator.as_str().into(),
                value,
            });
        }
        if rng.chance(20) {
            let key = rng.pick(&keys[role]).clone();
            let lower = plan["indicators"]
                .as_array()
                .and_then(|list| list.iter().find(|i| i["id"] == key.as_str()))
                .is_some_and(|i| i["direction"] == "lower_is_better");
            let [th, tg, st] = targets(&mut rng, lower);
            numbers.extend([th, tg, st]);
            inputs.targets.push(TargetOverride {
                subject: id.clone(),
                indicator: key.into(),
                target: if rng.chance(80) {
                    tg
                } else {
                    plan_number(&mut rng, 1, 300)
                },
                threshold: rng.chance(50).then_some(th),
                stretch: rng.chance(50).then_some(st),
            });
        }
    }
    Case { plan, inputs }
}

/// A case evaluated four ways (owned results and score table, with and without the shortcuts),
/// each as text: the evaluation's JSON, or the error.
struct Outcomes {
    fast: String,
    reference: String,
    fast_table: String,
    reference_table: String,
}

fn outcomes(c: &Case) -> Option<Outcomes> {
    let plan = CompiledPlan::from_text(&c.plan.to_string()).ok()?;
    let evaluate = || match plan.evaluate(&c.inputs) {
        Ok(e) => serde_json::to_string(&e).unwrap(),
        Err(e) => format!("{e:?}"),
    };
    let table = || match plan.score_table(&c.inputs) {
        Ok(t) => serde_json::to_string(&t).unwrap(),
        Err(e) => format!("{e:?}"),
    };
    Some(Outcomes {
        fast: evaluate(),
        reference: reference(evaluate),
        fast_table: table(),
        reference_table: reference(table),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn shortcuts_and_reference_give_identical_results(seed in any::<u64>()) {
        let c = case(seed);
        if let Some(o) = outcomes(&c) {
            prop_assert_eq!(&o.fast, &o.reference, "plan {}", c.plan);
            prop_assert_eq!(&o.fast_table, &o.fast, "score table, plan {}", c.plan);
            prop_assert_eq!(&o.reference_table, &o.reference, "score table (reference), plan {}", c.plan);
        }
    }

    /// The same target value gives the same outcome whether it is the plan's or a per-subject
    /// target (which takes neither the fast path nor the precomputed factors).
    #[test]
    fn restating_the_plan_targets_per_subject_changes_nothing(seed in any::<u64>()) {
        let mut c = case(seed);
        c.inputs.targets.clear();
        let Ok(plan) = CompiledPlan::from_text(&c.plan.to_string()) else { return Ok(()) };
        let plain = plan.evaluate(&c.inputs).map(|e| serde_json::to_string(&e).unwrap()).map_err(|e| format!("{e:?}"));
        for a in &c.inputs.assignments.clone() {
            let role = c.plan["roles"].as_array().unwrap().iter().find(|r| r["id"] == a.role.as_str()).unwrap();
            for item in role["items"].as_array().unwrap() {
                let number = |k: &str| item.get(k).and_then(|v| serde_json::from_value::<Decimal>(v.clone()).ok());
                if let Some(target) = number("target") {
                    c.inputs.targets.push(TargetOverride {
                        subject: a.subject.clone(),
                        indicator: item["indicator"].as_str().unwrap().into(),
                        target,
                        threshold: number("threshold"),
                        stretch: number("stretch"),
                    });
                }
            }
        }
        let restated = plan.evaluate(&c.inputs).map(|e| serde_json::to_string(&e).unwrap()).map_err(|e| format!("{e:?}"));
        prop_assert_eq!(&plain, &restated, "plan {}", c.plan);
    }
}

/// The generated cases compile, mostly evaluate, and exercise every feature the property above
/// claims to cover, so that it is not vacuous.
#[test]
fn generated_cases_are_mostly_scorable_and_cover_every_feature() {
    let (mut compiled, mut scored) = (0, 0);
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for seed in 0..400u64 {
        let c = case(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let Some(o) = outcomes(&c) else { continue };
        compiled += 1;
        let Ok(e) = serde_json::from_str::<Value>(&o.fast) else {
            continue;
        };
        scored += 1;
        let mut count = |what| *seen.entry(what).or_default() += 1;
        if c.plan["roles"].as_array().unwrap().len() > 1 {
            count("several roles");
        }
        if c.plan["rounding"]
            .as_object()
            .is_some_and(|r| r.values().any(|v| v == "none"))
        {
            count("an unrounded stage");
        }
        if c.plan.to_string().contains("below_score") {
            count("linear with a cliff");
        }
        if !c.inputs.targets.is_empty() {
            count("per-subject targets");
        }
        if c.inputs
            .targets
            .iter()
            .any(|t| t.threshold.is_some() || t.stretch.is_some())
        {
            count("threshold/stretch overrides");
        }
        for r in e["results"].as_array().unwrap() {
            for it in r["items"].as_array().unwrap() {
                if it["status"] == "scored" {
                    count(if it["rule"] == "formula" {
                        "formula scored"
                    } else {
                        "rule scored"
                    });
                }
            }
            if r["sources"].as_array().is_some_and(|s| !s.is_empty()) {
                count("linked role or subject");
            }
            if r["adjustments"].as_array().is_some_and(|a| !a.is_empty()) {
                count("adjustments");
            }
            if r["vetoes"].as_array().is_some_and(|v| !v.is_empty()) {
                count("veto fired");
            }
            if !r["payout"].is_null() {
                count("payout");
            }
        }
    }
    assert!(compiled > 300, "{compiled} of 400 plans compiled");
    assert!(scored > 150, "{scored} of {compiled} evaluations scored");
    for what in [
        "several roles",
        "an unrounded stage",
        "linear with a cliff",
        "per-subject targets",
        "threshold/stretch overrides",
        "formula scored",
        "rule scored",
        "linked role or subject",
        "adjustments",
        "veto fired",
        "payout",
    ] {
        let n = seen.get(what).copied().unwrap_or(0);
        assert!(n >= 20, "only {n} scored cases with {what}: {seen:?}");
    }
}

/// The common rules take the fast path (so that a change cannot silently turn it off), and
/// none does with the shortcuts switched off (so that the reference really is the plain path).
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
            let fast = || score_fast(item, actual, &plan.plan.rounding).is_some();
            assert!(reference(|| !fast()), "item {} at {actual}", item.key);
            if cfg!(feature = "reference-arithmetic") {
                assert!(!fast(), "reference build, item {} at {actual}", item.key);
            } else {
                assert!(fast(), "item {} at {actual}", item.key);
            }
        }
    }
}

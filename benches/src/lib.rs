//! Generated benchmark data shared by the Rust, Python and Node benchmark runners: a plan
//! with one role of five items of a chosen rule, and `n` subjects with deterministic actuals.

#![forbid(unsafe_code)]

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use kpichain::{Actual, Assignment, Decimal, Inputs};
use serde_json::{Value, json};

/// Which rule every item of the benchmark plan uses.
#[derive(Debug, Clone, Copy)]
pub enum RuleKind {
    /// Linear interpolation over threshold, target and stretch.
    Linear,
    /// Achievement ratio with a cap.
    Ratio,
    /// Bands over achievement.
    Bands,
    /// One item of each: linear, ratio, bands, per-unit and a formula.
    Mixed,
}

fn item(i: usize, kind: RuleKind) -> Value {
    let rule = match (kind, i) {
        (RuleKind::Linear, _) | (RuleKind::Mixed, 0) => json!({"type": "linear"}),
        (RuleKind::Ratio, _) | (RuleKind::Mixed, 1) => json!({"type": "ratio", "cap": 120}),
        (RuleKind::Bands, _) | (RuleKind::Mixed, 2) => {
            json!({"type": "bands", "over": "achievement", "bands": [
            {"to": 60, "score": 0}, {"from": 60, "to": 80, "score": 60}, {"from": 80, "to": 100, "score": 80},
            {"from": 100, "to": 120, "score": 100}, {"from": 120, "score": 120}]})
        }
        (RuleKind::Mixed, 3) => {
            json!({"type": "per_unit", "points_above": 2, "points_below": 3, "cap": 120})
        }
        (RuleKind::Mixed, _) => {
            json!({"type": "formula", "expression": "min(actual / target * 100, 120)", "floor": 0})
        }
    };
    json!({"indicator": format!("k{i}"), "weight": 20, "threshold": 50, "target": 100, "stretch": 150, "rule": rule})
}

/// The benchmark plan as JSON text.
pub fn plan_json(kind: RuleKind) -> String {
    json!({
        "id": "bench", "version": "1",
        "indicators": (0..5).map(|i| json!({"id": format!("k{i}"), "name": format!("指标{i}")})).collect::<Vec<_>>(),
        "roles": [{"id": "staff", "name": "员工", "items": (0..5).map(|i| item(i, kind)).collect::<Vec<_>>()}],
        "grades": [{"grade": "S", "min": 110, "coefficient": "1.5"}, {"grade": "A", "min": 100, "coefficient": "1.2"},
                   {"grade": "B", "min": 80, "coefficient": "1"}, {"grade": "C", "min": 60, "coefficient": "0.8"},
                   {"grade": "D", "coefficient": "0"}]
    })
    .to_string()
}

/// `n` subjects with five actuals each, spread from 30 to 170 with two decimals.
pub fn inputs(n: usize) -> Inputs {
    let mut assignments = Vec::with_capacity(n);
    let mut actuals = Vec::with_capacity(n.saturating_mul(5));
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let indicators: Vec<std::sync::Arc<str>> = (0..5)
        .map(|i| std::sync::Arc::from(format!("k{i}")))
        .collect();
    for s in 0..n {
        let subject: std::sync::Arc<str> = std::sync::Arc::from(format!("E{s:07}"));
        assignments.push(Assignment {
            subject: subject.clone(),
            role: "staff".into(),
            ..Default::default()
        });
        for indicator in &indicators {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let cents = 3_000i64.saturating_add(i64::try_from(seed % 14_000).unwrap_or(0));
            actuals.push(Actual {
                subject: subject.clone(),
                indicator: indicator.clone(),
                value: Decimal::new(cents, 2),
            });
        }
    }
    Inputs {
        period: Some("2022-01".into()),
        assignments,
        actuals,
        ..Default::default()
    }
}

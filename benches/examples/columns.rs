//! The columnar kernel against the score table on the benchmark batch, in one run:
//! `cargo run --release -p kpichain-bench --example columns -- linear 100000 5`
//! (rule kind, subjects, rounds; prints ns per subject of each, and how many subjects the
//! kernel left to the engine).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    missing_docs
)]

use kpichain::{ColumnBatch, CompiledPlan};
use kpichain_bench::{RuleKind, inputs, plan_json};
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = match args.next().as_deref() {
        Some("ratio") => RuleKind::Ratio,
        Some("bands") => RuleKind::Bands,
        Some("mixed") => RuleKind::Mixed,
        _ => RuleKind::Linear,
    };
    let subjects: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let rounds: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let plan = Arc::new(CompiledPlan::from_text(&plan_json(kind)).unwrap());
    let data = inputs(subjects);
    // The batch as columns (built once, outside the timing: a frame's columns already are).
    let mut batch = ColumnBatch::new(plan.clone());
    let mut index = std::collections::HashMap::new();
    for a in &data.assignments {
        index.insert(a.subject.clone(), batch.push_subject(&a.subject, &a.role));
    }
    for a in &data.actuals {
        batch.set(
            batch.indicator(&a.indicator).unwrap(),
            index[&a.subject],
            a.value,
        );
    }
    let per = |t: Instant| t.elapsed().as_nanos() / (u128::from(rounds) * subjects as u128);
    let copies: Vec<ColumnBatch> = (0..rounds).map(|_| batch.clone()).collect();
    let start = Instant::now();
    let mut paths = (0, 0, 0);
    for b in copies {
        let s = b.score().unwrap();
        paths = s.paths();
        std::hint::black_box(s.total(0));
    }
    let columns = per(start);
    let start = Instant::now();
    if std::env::var_os("KPICHAIN_COLUMNS_ONLY").is_none() {
        for _ in 0..rounds {
            std::hint::black_box(plan.score_table(&data).unwrap().len());
        }
    }
    let table = per(start);
    println!(
        "{kind:?}, {subjects} subjects x 5 items: columns {columns} ns/subject (fixed point, fractions, engine: {paths:?}), score_table {table} ns/subject"
    );
}

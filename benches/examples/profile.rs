//! Evaluates the benchmark batch repeatedly, for profilers and `perf stat` (cycles per item
//! are stable where wall time on a shared machine is not):
//! `cargo run --release -p kpichain-bench --example profile -- linear 10 [SUBJECTS]`
//! (`KPICHAIN_PROFILE_TABLE=1`: the score table instead of the owned evaluation;
//! `KPICHAIN_PROFILE_TABLE=reuse`: the score table in the memory of the previous round's)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use kpichain::CompiledPlan;
use kpichain_bench::{RuleKind, inputs, plan_json};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = match args.next().as_deref() {
        Some("ratio") => RuleKind::Ratio,
        Some("bands") => RuleKind::Bands,
        Some("mixed") => RuleKind::Mixed,
        _ => RuleKind::Linear,
    };
    let rounds: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let subjects: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let plan = CompiledPlan::from_text(&plan_json(kind)).unwrap();
    let mut data = inputs(subjects);
    if std::env::var_os("KPICHAIN_PROFILE_JSON").is_some() {
        // Inputs as a JSON reader would build them: one allocation per id.
        let text = serde_json::to_string(&data).unwrap();
        data = kpichain::Inputs::from_json(&text).unwrap();
    }
    let table = std::env::var_os("KPICHAIN_PROFILE_TABLE");
    let mut buffers = kpichain::TableBuffers::default();
    let start = Instant::now();
    for _ in 0..rounds {
        if table.as_deref() == Some(std::ffi::OsStr::new("reuse")) {
            let t = plan.score_table_with(&data, &mut buffers).unwrap();
            std::hint::black_box(t.len());
            buffers = t.into_buffers();
        } else if table.is_some() {
            std::hint::black_box(plan.score_table(&data).unwrap());
        } else {
            std::hint::black_box(plan.evaluate(&data).unwrap());
        }
    }
    let items = u128::from(rounds.max(1)) * (subjects.max(1) as u128) * 5;
    let per_item = start.elapsed().as_nanos() / items;
    println!(
        "{kind:?}: {per_item} ns per item (wall clock, {rounds} rounds of {subjects} subjects x 5 items)"
    );
}

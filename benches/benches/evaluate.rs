//! Batch evaluation: 100,000 subjects × 5 items per rule kind, exact decimals, one thread.
//! Throughput is reported per item evaluation (500,000 per batch), for the score table
//! (`linear_table`: compact rows) and for the owned evaluation built from it (`linear`). A float baseline computing
//! the same linear scores without rounding, explanation or validation shows the price of
//! exactness.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kpichain::CompiledPlan;
use kpichain_bench::{RuleKind, inputs, plan_json};
use std::hint::black_box;
use std::time::Duration;

const SUBJECTS: usize = 100_000;

fn evaluate(c: &mut Criterion) {
    let data = inputs(SUBJECTS);
    let mut group = c.benchmark_group("evaluate_100k_subjects_x5");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements((SUBJECTS * 5) as u64));
    for (name, kind) in [
        ("linear", RuleKind::Linear),
        ("ratio", RuleKind::Ratio),
        ("bands", RuleKind::Bands),
        ("mixed", RuleKind::Mixed),
    ] {
        let plan = CompiledPlan::from_text(&plan_json(kind)).unwrap();
        // The score table: every number of the evaluation, in compact rows.
        group.bench_function(format!("{name}_table"), |b| {
            b.iter(|| black_box(plan.score_table(black_box(&data)).unwrap()))
        });
        // The table scored in the memory of the previous batch's, as a service would.
        let mut buffers = plan.score_table(&data).unwrap().into_buffers();
        group.bench_function(format!("{name}_table_reused"), |b| {
            b.iter(|| {
                let table = plan
                    .score_table_with(black_box(&data), &mut buffers)
                    .unwrap();
                black_box(table.len());
                buffers = table.into_buffers();
            })
        });
        // The owned evaluation: the table materialized as one result per subject.
        group.bench_function(name, |b| {
            b.iter(|| black_box(plan.evaluate(black_box(&data)).unwrap()))
        });
    }
    // Float baseline: the linear rule on f64 values from a plain Vec, no lookups or results.
    let floats: Vec<f64> = data
        .actuals
        .iter()
        .map(|a| a.value.to_string().parse::<f64>().unwrap())
        .collect();
    group.bench_function("f64_linear_baseline", |b| {
        b.iter(|| {
            let mut sum = 0.0f64;
            for chunk in black_box(&floats).chunks(5) {
                let mut total = 0.0;
                for &a in chunk {
                    let s = if a <= 50.0 {
                        0.0
                    } else if a < 100.0 {
                        (a - 50.0) * 100.0 / 50.0
                    } else if a < 150.0 {
                        100.0 + (a - 100.0) * 20.0 / 50.0
                    } else {
                        120.0
                    };
                    total += s * 0.2;
                }
                sum += total;
            }
            black_box(sum)
        })
    });
    group.finish();
}

criterion_group!(benches, evaluate);
criterion_main!(benches);

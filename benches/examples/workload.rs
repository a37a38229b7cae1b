//! Scores a wide CSV (`employee_id,role,<indicator>…`, decimal text, empty for no value) with
//! the columnar kernel, as the side-by-side benchmark's Rust peer reads it:
//! `cargo run --release -p kpichain-bench --example workload -- PLAN.json DATA.csv [ROUNDS]`
//! Prints ns per employee of `ColumnBatch::score` (the batch built once, outside the timing)
//! and of `CompiledPlan::score_table` on the same data, and the paths the kernel took.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    missing_docs
)]

use kpichain::{Actual, Assignment, ColumnBatch, CompiledPlan, Decimal, Inputs};
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let plan_path = args.next().expect("PLAN.json");
    let data_path = args.next().expect("DATA.csv");
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let plan =
        Arc::new(CompiledPlan::from_text(&std::fs::read_to_string(plan_path).unwrap()).unwrap());
    let text = std::fs::read_to_string(data_path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let indicators: Vec<Option<usize>> = ColumnBatch::new(plan.clone())
        .pipe(|b| header[2..].iter().map(|h| b.indicator(h)).collect());
    let mut batch = ColumnBatch::new(plan.clone());
    let mut inputs = Inputs::default();
    let names: Vec<Arc<str>> = header[2..].iter().map(|h| Arc::from(*h)).collect();
    for line in lines.filter(|l| !l.is_empty()) {
        let mut cells = line.split(',');
        let id = cells.next().unwrap();
        let role = cells.next().unwrap();
        let i = batch.push_subject(id, role);
        let subject: Arc<str> = Arc::from(id);
        for ((cell, ind), name) in cells.zip(&indicators).zip(&names) {
            if cell.is_empty() {
                continue;
            }
            let v = Decimal::from_str_exact(cell).unwrap();
            batch.set(ind.unwrap(), i, v);
            inputs.actuals.push(Actual {
                subject: subject.clone(),
                indicator: name.clone(),
                value: v,
            });
        }
        inputs.assignments.push(Assignment {
            subject,
            role: role.to_string(),
            ..Assignment::default()
        });
    }
    let n = batch.len();
    let copies: Vec<ColumnBatch> = (0..rounds).map(|_| batch.clone()).collect();
    let mut best = f64::INFINITY;
    let mut paths = (0, 0, 0);
    for b in copies {
        let t = Instant::now();
        let s = b.score().unwrap();
        best = best.min(t.elapsed().as_secs_f64());
        paths = s.paths();
        std::hint::black_box(s.total(0));
    }
    let mut table = f64::INFINITY;
    let table_rounds = if std::env::var_os("KPICHAIN_COLUMNS_ONLY").is_some() {
        0
    } else {
        rounds
    };
    for _ in 0..table_rounds {
        let t = Instant::now();
        std::hint::black_box(plan.score_table(&inputs).unwrap().len());
        table = table.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{n} employees: columns {:.0} ns/employee (fixed point, fractions, engine: {paths:?}); score_table {:.0} ns/employee",
        best * 1e9 / n as f64,
        table * 1e9 / n as f64
    );
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(&Self) -> T) -> T {
        f(&self)
    }
}
impl<T> Pipe for T {}

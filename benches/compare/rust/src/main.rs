//! kpichain's Rust peer of the comparison (benches/compare): reads the wide CSV into the
//! input of one of the core's batch APIs (not timed as evaluation), then times that API:
//!
//! - `--api columns` (the default): `ColumnBatch::score`, the columnar kernel; the batch of
//!   columns is built once from the CSV and copied before each pass (outside the timing),
//!   as `score` consumes it. Its `ColumnScores` hold the totals and grades.
//! - `--api table`: `CompiledPlan::score_table` on `kpichain::Inputs` (one assignment per
//!   employee, one actual per non-empty cell); its table holds the totals and grades.
//!
//! `kpichain-compare --plan plan.json --data wide_N.csv [--api columns|table] [--repeat R]
//! [--budget S] [--out FILE]`
//!
//! Up to R passes, stopping once S seconds of evaluation are spent (after at least 3); prints
//! one JSON line (peer, employees, read_s, eval_s of every pass, eval_median_s) and writes
//! `employee_id,total,grade` to FILE.

use std::error::Error;
use std::fs;
use std::io::{BufWriter, Write};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use kpichain::{Actual, Assignment, ColumnBatch, CompiledPlan, Decimal, Inputs};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    api: String,
    plan: String,
    data: String,
    repeat: usize,
    budget: f64,
    out: Option<String>,
}

fn args() -> Result<Args, Box<dyn Error>> {
    let mut a = Args {
        api: "columns".to_string(),
        plan: String::new(),
        data: String::new(),
        repeat: 1,
        budget: 5.0,
        out: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--api" => a.api = value,
            "--plan" => a.plan = value,
            "--data" => a.data = value,
            "--repeat" => a.repeat = value.parse()?,
            "--budget" => a.budget = value.parse()?,
            "--out" => a.out = Some(value),
            _ => return Err(format!("unknown argument {flag}").into()),
        }
    }
    if a.plan.is_empty() || a.data.is_empty() || !matches!(a.api.as_str(), "columns" | "table") {
        return Err("usage: kpichain-compare --plan FILE --data FILE [--api columns|table] [--repeat R] [--budget S] [--out FILE]".into());
    }
    Ok(a)
}

/// The wide CSV (employee_id, role, one column per indicator; empty cells are not the role's)
/// as the core's inputs: one assignment per employee and one actual per non-empty cell.
fn read_wide(text: &str) -> Result<Inputs, Box<dyn Error>> {
    let mut lines = text.lines();
    let header = lines.next().ok_or("empty file")?;
    let indicators: Vec<Arc<str>> = header.split(',').skip(2).map(Arc::from).collect();
    let mut inputs = Inputs::default();
    for line in lines {
        let mut cells = line.split(',');
        let subject: Arc<str> = Arc::from(cells.next().ok_or("no employee_id")?);
        let role = cells.next().ok_or("no role")?.to_string();
        for (indicator, cell) in indicators.iter().zip(cells) {
            if !cell.is_empty() {
                inputs.actuals.push(Actual {
                    subject: subject.clone(),
                    indicator: indicator.clone(),
                    value: Decimal::from_str(cell)?,
                });
            }
        }
        inputs.assignments.push(Assignment {
            subject,
            role,
            ..Assignment::default()
        });
    }
    Ok(inputs)
}

/// The wide CSV as a batch of columns for the kernel.
fn read_columns(text: &str, plan: Arc<CompiledPlan>) -> Result<ColumnBatch, Box<dyn Error>> {
    let mut lines = text.lines();
    let header = lines.next().ok_or("empty file")?;
    let mut batch = ColumnBatch::new(plan);
    let columns: Vec<usize> = (header.split(',').skip(2))
        .map(|name| {
            batch
                .indicator(name)
                .ok_or(format!("{name} is not in the plan"))
        })
        .collect::<Result<_, _>>()?;
    for line in lines {
        let mut cells = line.split(',');
        let subject = cells.next().ok_or("no employee_id")?;
        let role = cells.next().ok_or("no role")?;
        let i = batch.push_subject(subject, role);
        for (&column, cell) in columns.iter().zip(cells) {
            if !cell.is_empty() {
                batch.set(column, i, Decimal::from_str(cell)?);
            }
        }
    }
    Ok(batch)
}

/// Times up to `repeat` passes of `pass` (at least 3 once `budget` seconds are spent), each
/// on an input that `prepare` makes before the timer starts. The last pass's result is kept,
/// every earlier one freed before the next pass is prepared.
fn passes<P, T>(
    a: &Args,
    mut prepare: impl FnMut() -> P,
    mut pass: impl FnMut(P) -> Result<T, Box<dyn Error>>,
) -> Result<(Vec<f64>, T), Box<dyn Error>> {
    let mut times: Vec<f64> = Vec::new();
    let mut last = None;
    while times.len() < a.repeat.max(1) {
        drop(last.take());
        let input = prepare();
        let t0 = Instant::now();
        let result = pass(input)?;
        times.push(t0.elapsed().as_secs_f64());
        last = Some(result);
        if times.len() >= 3 && times.iter().sum::<f64>() > a.budget {
            break;
        }
    }
    Ok((times, last.ok_or("no pass ran")?))
}

fn main() -> Result<(), Box<dyn Error>> {
    let a = args()?;
    let plan = Arc::new(CompiledPlan::from_text(&fs::read_to_string(&a.plan)?)?);
    let text = fs::read_to_string(&a.data)?;
    let mut rows: Vec<String> = Vec::new();
    let (read_s, times, n) = if a.api == "columns" {
        let t0 = Instant::now();
        let batch = read_columns(&text, plan.clone())?;
        let read_s = t0.elapsed().as_secs_f64();
        // `score` consumes its batch: each pass scores a copy made before its timer starts.
        let (times, scores) = passes(
            &a,
            || batch.clone(),
            |b| {
                let scores = b.score()?;
                for i in 0..scores.len() {
                    std::hint::black_box((scores.total(i), scores.grade(i)));
                }
                Ok(scores)
            },
        )?;
        if a.out.is_some() {
            rows = (0..scores.len())
                .map(|i| {
                    format!(
                        "{},{},{}",
                        scores.subject(i),
                        scores.total(i),
                        scores.grade(i)
                    )
                })
                .collect();
        }
        (read_s, times, batch.len())
    } else {
        let t0 = Instant::now();
        let inputs = read_wide(&text)?;
        let read_s = t0.elapsed().as_secs_f64();
        // The table holds every subject's total and grade (and items) in memory; reading them
        // back is part of the pass.
        let (times, table) = passes(
            &a,
            || (),
            |()| {
                let table = plan.score_table(&inputs)?;
                for s in table.subjects() {
                    std::hint::black_box((s.total(), s.grade()));
                }
                Ok(table)
            },
        )?;
        if a.out.is_some() {
            rows = (table.subjects())
                .map(|s| format!("{},{},{}", s.subject(), s.total(), s.grade()))
                .collect();
        }
        (read_s, times, inputs.assignments.len())
    };

    if let Some(out) = &a.out {
        let mut w = BufWriter::new(fs::File::create(out)?);
        writeln!(w, "employee_id,total,grade")?;
        for row in &rows {
            writeln!(w, "{row}")?;
        }
        w.flush()?;
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    };
    let passes: Vec<String> = times.iter().map(|t| format!("{t:.9}")).collect();
    println!(
        "{{\"peer\": \"kpichain_rust\", \"api\": \"{}\", \"employees\": {n}, \"read_s\": {read_s:.6}, \"eval_s\": [{}], \"eval_median_s\": {median:.9}}}",
        a.api,
        passes.join(", ")
    );
    Ok(())
}

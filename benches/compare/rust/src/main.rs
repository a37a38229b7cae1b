//! kpichain's Rust peer of the comparison (benches/compare): reads the wide CSV into
//! `kpichain::Inputs` (not timed as evaluation), then times the core's fastest batch API,
//! `CompiledPlan::score_table`, whose table holds the totals and grades.
//!
//! `kpichain-compare --plan plan.json --data wide_N.csv [--repeat R] [--budget S] [--out FILE]`
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

use kpichain::{Actual, Assignment, CompiledPlan, Decimal, Inputs};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    plan: String,
    data: String,
    repeat: usize,
    budget: f64,
    out: Option<String>,
}

fn args() -> Result<Args, Box<dyn Error>> {
    let mut a = Args {
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
            "--plan" => a.plan = value,
            "--data" => a.data = value,
            "--repeat" => a.repeat = value.parse()?,
            "--budget" => a.budget = value.parse()?,
            "--out" => a.out = Some(value),
            _ => return Err(format!("unknown argument {flag}").into()),
        }
    }
    if a.plan.is_empty() || a.data.is_empty() {
        return Err("usage: kpichain-compare --plan FILE --data FILE [--repeat R] [--budget S] [--out FILE]".into());
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

fn main() -> Result<(), Box<dyn Error>> {
    let a = args()?;
    let plan = CompiledPlan::from_text(&fs::read_to_string(&a.plan)?)?;
    let t0 = Instant::now();
    let inputs = read_wide(&fs::read_to_string(&a.data)?)?;
    let read_s = t0.elapsed().as_secs_f64();

    let mut times: Vec<f64> = Vec::new();
    let mut last = None;
    while times.len() < a.repeat.max(1) {
        drop(last.take()); // the previous pass's table is freed before the next one starts
        let t0 = Instant::now();
        // The table holds every subject's total and grade (and items) in memory; reading them
        // back is part of the pass.
        let table = plan.score_table(&inputs)?;
        for s in table.subjects() {
            std::hint::black_box((s.total(), s.grade()));
        }
        times.push(t0.elapsed().as_secs_f64());
        last = Some(table);
        if times.len() >= 3 && times.iter().sum::<f64>() > a.budget {
            break;
        }
    }
    let table = last.ok_or("no pass ran")?;

    if let Some(out) = &a.out {
        let mut w = BufWriter::new(fs::File::create(out)?);
        writeln!(w, "employee_id,total,grade")?;
        for s in table.subjects() {
            writeln!(w, "{},{},{}", s.subject(), s.total(), s.grade())?;
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
        "{{\"peer\": \"kpichain_rust\", \"employees\": {}, \"read_s\": {read_s:.6}, \"eval_s\": [{}], \"eval_median_s\": {median:.9}}}",
        inputs.assignments.len(),
        passes.join(", ")
    );
    Ok(())
}

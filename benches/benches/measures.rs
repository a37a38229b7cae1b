//! Measures (取数口径): count and sum per subject over 10,000,000 generated order records
//! (2,000 sales reps, confirmation times spread over 2022 in +08:00, amounts with two decimal
//! places), built directly as typed columns. Only the derivation is timed; throughput is
//! reported per record scanned. `year` selects every record; `month` selects about 1/12 of
//! them but still scans all.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kpichain::Decimal;
use kpichain::measure::{
    Column, DeriveOptions, Field, FieldKind, MeasureDef, Period, RecordSet, RecordSets, TextColumn,
    UtcOffset, derive_actuals, parse_measures,
};
use std::hint::black_box;
use std::time::Duration;

const RECORDS: usize = 10_000_000;
const REPS: u32 = 2_000;

/// 2022-01-01T00:00:00+08:00 in microseconds since the epoch, and the length of 2022.
const START: i64 = 1_640_966_400_000_000;
const YEAR: i64 = 365 * 86_400_000_000;

fn orders() -> RecordSets {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        // xorshift64*: deterministic and fast.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut reps = Vec::with_capacity(RECORDS);
    let mut times = Vec::with_capacity(RECORDS);
    let mut amounts = Vec::with_capacity(RECORDS);
    for _ in 0..RECORDS {
        let r = next();
        reps.push((r % u64::from(REPS)) as u32);
        times.push(START + ((r >> 16) % YEAR as u64) as i64);
        amounts.push(Decimal::new((next() % 10_000_000) as i64 + 100, 2));
    }
    let dictionary = (0..REPS).map(|i| format!("E{i:05}")).collect();
    let mut sets = RecordSets::new();
    sets.insert(
        RecordSet::from_columns(
            "orders",
            vec![
                (
                    Field::new("rep", FieldKind::Text),
                    Column::text(TextColumn::from_codes(reps, dictionary).unwrap()),
                ),
                (
                    Field::new("confirmed_at", FieldKind::Timestamp),
                    Column::timestamp_micros(times),
                ),
                (
                    Field::new("amount", FieldKind::Decimal),
                    Column::decimal(amounts),
                ),
            ],
        )
        .unwrap(),
    )
    .unwrap();
    sets
}

fn measure(kind: &str) -> Vec<MeasureDef> {
    let value = match kind {
        "count" => r#"{"type": "count"}"#,
        _ => r#"{"type": "sum", "field": "amount"}"#,
    };
    parse_measures(&format!(
        r#"[{{"indicator": "{kind}", "measure": {{"records": "orders", "subject": "rep",
             "time": "confirmed_at", "value": {value}}}}}]"#
    ))
    .unwrap()
}

fn measures(c: &mut Criterion) {
    let sets = orders();
    let tz: UtcOffset = "+08:00".parse().unwrap();
    let options = DeriveOptions::new(tz);
    let mut group = c.benchmark_group("measures_10m_orders");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_secs(2));
    group.throughput(Throughput::Elements(RECORDS as u64));
    for (name, period) in [("year", "2022"), ("month", "2022-03")] {
        let period: Period = period.parse().unwrap();
        for kind in ["count", "sum"] {
            let defs = measure(kind);
            let check = derive_actuals(&defs, &sets, &period, &options).unwrap();
            assert_eq!(check.actuals.len(), REPS as usize);
            group.bench_function(format!("{kind}_per_subject_{name}"), |b| {
                b.iter(|| {
                    black_box(derive_actuals(black_box(&defs), &sets, &period, &options).unwrap())
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, measures);
criterion_main!(benches);

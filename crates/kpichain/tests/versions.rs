//! Properties of effective-dated versions: the version in force is the latest that took
//! effect by the period's first day; pro rata splits the period's days exactly and the total
//! is their day-weighted mean.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use chrono::NaiveDate;
use kpichain::{CompiledVersions, Decimal, Inputs};
use proptest::prelude::*;

/// Version `k` weighs indicator `a` at `20 + 10k` and `b` at the rest; `a` scores 150 and
/// `b` 50, so version k's total is `50 + (20 + 10k)`.
fn doc(dates: &[NaiveDate], span: &str) -> String {
    let versions: Vec<String> = dates
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let wa = 20 + 10 * k;
            format!(
                r#"{{"effective_from": "{d}", "plan": {{"id": "p", "version": "v{k}",
                  "indicators": [{{"id": "a", "name": "A"}}, {{"id": "b", "name": "B"}}],
                  "roles": [{{"id": "r", "name": "R", "items": [
                    {{"indicator": "a", "weight": {wa}, "target": 100, "rule": {{"type": "ratio", "cap": 200}}}},
                    {{"indicator": "b", "weight": {}, "target": 100, "rule": {{"type": "ratio", "cap": 200}}}}]}}],
                  "grades": [{{"grade": "A", "min": 90, "coefficient": 1.2}}, {{"grade": "B", "coefficient": 1}}]}}}}"#,
                100 - wa
            )
        })
        .collect();
    format!(
        r#"{{"id": "p", "span": "{span}", "versions": [{}]}}"#,
        versions.join(",")
    )
}

fn inputs(period: &str) -> Inputs {
    Inputs::from_json(&format!(
        r#"{{"period": "{period}", "assignments": [{{"subject": "E1", "role": "r"}}],
          "actuals": [{{"subject": "E1", "indicator": "a", "value": 150}},
                      {{"subject": "E1", "indicator": "b", "value": 50}}]}}"#
    ))
    .unwrap()
}

fn period_range(kind: u8, year: i32, n: u32) -> (String, NaiveDate, NaiveDate) {
    match kind {
        0 => {
            let m = n % 12 + 1;
            let start = NaiveDate::from_ymd_opt(year, m, 1).unwrap();
            let end = if m == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap()
            } else {
                NaiveDate::from_ymd_opt(year, m + 1, 1).unwrap()
            };
            (format!("{year}-{m:02}"), start, end)
        }
        1 => {
            let q = n % 4 + 1;
            let start = NaiveDate::from_ymd_opt(year, 3 * q - 2, 1).unwrap();
            let end = if q == 4 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap()
            } else {
                NaiveDate::from_ymd_opt(year, 3 * q + 1, 1).unwrap()
            };
            (format!("{year}-Q{q}"), start, end)
        }
        _ => (
            format!("{year}"),
            NaiveDate::from_ymd_opt(year, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap(),
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_version_in_force_and_pro_rata_days(
        offsets in prop::collection::btree_set(0i64..700, 1..5),
        kind in 0u8..3, n in 0u32..12,
    ) {
        let base = NaiveDate::from_ymd_opt(2021, 6, 1).unwrap();
        let dates: Vec<NaiveDate> = offsets.iter().map(|d| base + chrono::Duration::days(*d)).collect();
        let (period, start, end) = period_range(kind, 2022, n);
        let in_force = dates.iter().rposition(|d| *d <= start);

        // period_start: the latest version in force on the first day, or an input error.
        let versions = CompiledVersions::from_text(&doc(&dates, "period_start")).unwrap();
        match (in_force, versions.evaluate(&inputs(&period))) {
            (None, Err(e)) => prop_assert_eq!(&e.issues[0].code, "no_version_in_force"),
            (Some(k), Ok(e)) => {
                prop_assert_eq!(&e.plan_version, &format!("v{k}"));
                prop_assert_eq!(e.results[0].total, Decimal::from(50 + 20 + 10 * k as i64));
                prop_assert_eq!(u64::from(e.versions[0].days), (end - start).num_days() as u64);
            }
            (k, r) => prop_assert!(false, "in force {k:?}, got {r:?}"),
        }

        // pro_rata: the segments cover the period day for day; the total is the mean.
        let versions = CompiledVersions::from_text(&doc(&dates, "pro_rata")).unwrap();
        if let (Some(k), Ok(e)) = (in_force, versions.evaluate(&inputs(&period))) {
            let days: u64 = e.versions.iter().map(|v| u64::from(v.days)).sum();
            prop_assert_eq!(days, (end - start).num_days() as u64);
            prop_assert_eq!(&e.versions[0].from, &start.to_string());
            prop_assert_eq!(&e.versions.last().unwrap().to, &(end.pred_opt().unwrap()).to_string());
            let mut sum = Decimal::ZERO;
            for (j, v) in e.versions.iter().enumerate() {
                prop_assert_eq!(&v.version, &format!("v{}", k + j));
                sum += Decimal::from(v.days) * Decimal::from(50 + 20 + 10 * (k + j) as i64);
            }
            let mean = sum / Decimal::from(days);
            prop_assert_eq!(e.results[0].total, mean.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero));
            if e.versions.len() > 1 {
                prop_assert_eq!(e.results[0].segments.len(), e.versions.len());
                prop_assert!(e.results[0].items.is_empty());
            }
        }
    }
}

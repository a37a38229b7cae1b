//! Measures (取数口径): the golden vectors in `tests/vectors/measures/`, the typed-column API,
//! and properties that must hold for any records.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use kpichain::Decimal;
use kpichain::measure::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/measures")
}

/// Builds the record sets of a vector from its text rows.
fn record_sets(v: &Value, tz: UtcOffset) -> Result<RecordSets, kpichain::InputError> {
    let mut sets = RecordSets::new();
    for (name, spec) in v["records"].as_object().expect("records") {
        let fields: Vec<Field> = serde_json::from_value(spec["fields"].clone()).expect("fields");
        let set_tz = match spec.get("time_zone") {
            Some(t) => t.as_str().expect("time_zone").parse().expect("time zone"),
            None => tz,
        };
        let mut builder = RecordSetBuilder::new(name.clone(), Schema::new(fields)?, set_tz);
        let source = spec.get("source").and_then(Value::as_str);
        for (i, row) in spec["rows"].as_array().expect("rows").iter().enumerate() {
            let cells: Vec<&str> = row
                .as_array()
                .expect("row")
                .iter()
                .map(|c| c.as_str().unwrap_or(""))
                .collect();
            let label = source.map(|s| format!("{s}:{}", i + 2));
            builder.push_row(&cells, label.as_deref());
        }
        sets.insert(builder.finish())?;
    }
    Ok(sets)
}

fn derive(v: &Value) -> Result<Derived, kpichain::InputError> {
    let tz: UtcOffset = v["time_zone"]
        .as_str()
        .expect("time_zone")
        .parse()
        .expect("tz");
    let period: Period = v["period"]
        .as_str()
        .expect("period")
        .parse()
        .expect("period");
    let sets = record_sets(v, tz)?;
    let measures = parse_measures(&v["measures"].to_string())?;
    let mut options = DeriveOptions::new(tz);
    if let Some(policy) = v.get("bad_records") {
        options.bad_records = serde_json::from_value(policy.clone()).expect("policy");
    }
    if let Some(subjects) = v.get("subjects") {
        options.subjects = Some(serde_json::from_value(subjects.clone()).expect("subjects"));
    }
    derive_actuals(&measures, &sets, &period, &options)
}

/// Every key of `expected` is in `actual` with a matching value; arrays match element by
/// element and have the same length.
fn subset(expected: &Value, actual: &Value, at: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let av = a
                    .get(k)
                    .ok_or_else(|| format!("{at}.{k}: missing in {actual}"))?;
                subset(ev, av, &format!("{at}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{at}: expected {} elements, got {}: {actual}",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                subset(ev, av, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        _ if expected == actual => Ok(()),
        _ => Err(format!("{at}: expected {expected}, got {actual}")),
    }
}

fn run_vector(path: &Path) -> Result<(), String> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    match (v.get("expected"), v.get("expected_errors"), derive(&v)) {
        (Some(expected), None, Ok(derived)) => {
            subset(expected, &serde_json::to_value(&derived).unwrap(), "")
        }
        (None, Some(expected), Err(err)) => {
            let got: Vec<Value> = err
                .issues
                .iter()
                .map(|i| json!({"code": i.code, "path": i.path}))
                .collect();
            if &Value::Array(got.clone()) == expected {
                Ok(())
            } else {
                Err(format!(
                    "expected errors {expected}, got {}",
                    Value::Array(got)
                ))
            }
        }
        (_, _, Ok(derived)) => Err(format!(
            "expected errors, got {}",
            serde_json::to_string(&derived).unwrap()
        )),
        (_, _, Err(err)) => Err(format!("unexpected error: {err}")),
    }
}

#[test]
fn all_measure_vectors_pass() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "only {} measure vectors", files.len());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|p| {
            run_vector(p)
                .err()
                .map(|e| format!("{}: {e}", p.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} measure vectors failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// The JSON entry point the bindings use gives exactly what the typed API gives, for every
/// vector (the same actuals and report, or the same errors).
#[test]
fn derive_json_matches_the_typed_api_on_every_vector() {
    let mut checked = 0;
    for entry in std::fs::read_dir(vectors_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let typed = derive(&v);
        let json = derive_json(&text);
        match (typed, json) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", path.display()),
            (Err(a), Err(b)) => {
                let pairs = |e: &kpichain::InputError| -> Vec<(String, String)> {
                    e.issues
                        .iter()
                        .map(|i| (i.code.to_string(), i.path.to_string()))
                        .collect()
                };
                assert_eq!(pairs(&a), pairs(&b), "{}", path.display());
            }
            (a, b) => panic!("{}: {a:?} vs {b:?}", path.display()),
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} vectors");
}

fn orders_from_columns(reps: &[&str], micros: Vec<i64>, amounts: Vec<Decimal>) -> RecordSets {
    let mut sets = RecordSets::new();
    sets.insert(
        RecordSet::from_columns(
            "orders",
            vec![
                (
                    Field::new("rep", FieldKind::Text),
                    Column::text(TextColumn::from_values(reps.iter().map(|r| Some(*r)))),
                ),
                (
                    Field::new("confirmed_at", FieldKind::Timestamp),
                    Column::timestamp_micros(micros),
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

fn sales_measures() -> Vec<MeasureDef> {
    parse_measures(
        r#"[
        {"indicator": "orders", "measure": {"records": "orders", "subject": "rep", "time": "confirmed_at", "value": {"type": "count"}}},
        {"indicator": "sales", "measure": {"records": "orders", "subject": "rep", "time": "confirmed_at", "value": {"type": "sum", "field": "amount"}}}
    ]"#,
    )
    .unwrap()
}

#[test]
fn typed_columns_give_what_text_rows_give() {
    let tz: UtcOffset = "+08:00".parse().unwrap();
    let cells = [
        ["E2", "2022-03-01 00:00", "10.5"],
        ["E1", "2022-03-31 23:59:59", "2"],
        ["E2", "2022-04-01 00:00", "99"],
    ];
    let schema = Schema::new(vec![
        Field::new("rep", FieldKind::Text),
        Field::new("confirmed_at", FieldKind::Timestamp),
        Field::new("amount", FieldKind::Decimal),
    ])
    .unwrap();
    let mut builder = RecordSetBuilder::new("orders", schema, tz);
    for row in &cells {
        assert!(builder.push_row(row, None));
    }
    let mut from_text = RecordSets::new();
    from_text.insert(builder.finish()).unwrap();
    let micros = cells
        .iter()
        .map(|r| parse_timestamp(r[1], tz).unwrap())
        .collect();
    let amounts = cells.iter().map(|r| r[2].parse().unwrap()).collect();
    let from_columns = orders_from_columns(&["E2", "E1", "E2"], micros, amounts);
    let period: Period = "2022-03".parse().unwrap();
    let options = DeriveOptions::new(tz);
    let a = derive_actuals(&sales_measures(), &from_text, &period, &options).unwrap();
    let b = derive_actuals(&sales_measures(), &from_columns, &period, &options).unwrap();
    assert_eq!(a.actuals, b.actuals);
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(
        json["actuals"],
        json!([
            {"subject": "E1", "indicator": "orders", "value": "1"},
            {"subject": "E2", "indicator": "orders", "value": "1"},
            {"subject": "E1", "indicator": "sales", "value": "2"},
            {"subject": "E2", "indicator": "sales", "value": "10.5"},
        ])
    );
}

#[test]
fn dictionary_codes_from_callers_are_checked_and_used() {
    let rep = TextColumn::from_codes(
        vec![1, 0, 1, TextColumn::NULL],
        vec!["E1".into(), "E2".into()],
    )
    .unwrap();
    let mut sets = RecordSets::new();
    sets.insert(
        RecordSet::from_columns(
            "orders",
            vec![
                (
                    Field::new("rep", FieldKind::Text).optional(),
                    Column::text(rep),
                ),
                (
                    Field::new("confirmed_at", FieldKind::Timestamp),
                    Column::timestamp_micros(vec![0, 0, 0, 0]),
                ),
                (
                    Field::new("amount", FieldKind::Decimal),
                    Column::decimal(vec![Decimal::ONE; 4]),
                ),
            ],
        )
        .unwrap(),
    )
    .unwrap();
    let d = derive_actuals(
        &sales_measures(),
        &sets,
        &"1970-01".parse().unwrap(),
        &DeriveOptions::new(UtcOffset::UTC),
    )
    .unwrap();
    let counts: Vec<(String, String)> = d
        .actuals
        .iter()
        .filter(|a| &*a.indicator == "orders")
        .map(|a| (a.subject.to_string(), a.value.to_string()))
        .collect();
    assert_eq!(
        counts,
        [
            ("E1".to_string(), "1".to_string()),
            ("E2".to_string(), "2".to_string())
        ]
    );
    let note = &d.report.measures[0].notes[0];
    assert_eq!((note.code.as_str(), note.records), ("missing_subject", 1));
}

#[test]
fn a_sum_too_large_for_a_decimal_is_an_error_not_a_panic() {
    let sets = orders_from_columns(&["E1", "E1"], vec![0, 0], vec![Decimal::MAX, Decimal::MAX]);
    let err = derive_actuals(
        &sales_measures(),
        &sets,
        &"1970".parse().unwrap(),
        &DeriveOptions::new(UtcOffset::UTC),
    )
    .unwrap_err();
    assert_eq!(err.issues[0].code, "arithmetic_overflow");
    assert_eq!(err.issues[0].path, "measures[1].measure.value");
    assert!(err.issues[0].message.contains("'E1'"));
}

#[test]
fn options_and_reports_have_a_json_shape() {
    let options: DeriveOptions = serde_json::from_str(
        r#"{"time_zone": "+08:00", "bad_records": "skip", "subjects": ["E1"]}"#,
    )
    .unwrap();
    assert_eq!(options.bad_records, BadRecordPolicy::Skip);
    assert!(serde_json::from_str::<DeriveOptions>(r#"{"time_zone": "Asia/Shanghai"}"#).is_err());
    assert!(serde_json::from_str::<DeriveOptions>(r#"{"time_zone": "Z", "tz": 1}"#).is_err());
    let schema = measures_schema();
    assert!(schema.contains("\"share\""));
    assert!(schema.contains("other_field"));
}

fn arbitrary_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}(:[0-9]{2})?)?",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})",
        "-?[0-9]{0,30}(\\.[0-9]{0,30})?(e-?[0-9]{1,3})?",
        "(true|false|TRUE|1|0|yes)",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// No cell text can panic the builder or the derivation; every record is either read or
    /// reported.
    #[test]
    fn arbitrary_cells_never_panic(rows in prop::collection::vec(prop::collection::vec(arbitrary_cell(), 5), 0..20)) {
        let schema = Schema::new(vec![
            Field::new("rep", FieldKind::Text),
            Field::new("at", FieldKind::Timestamp),
            Field::new("amount", FieldKind::Decimal).optional(),
            Field::new("day", FieldKind::Date).optional(),
            Field::new("flag", FieldKind::Boolean).optional(),
        ]).unwrap();
        let tz: UtcOffset = "+08:00".parse().unwrap();
        let mut builder = RecordSetBuilder::new("orders", schema, tz);
        for row in &rows {
            builder.push_row(row, Some("x.csv:1"));
        }
        let set = builder.finish();
        prop_assert_eq!(set.records_read(), rows.len());
        let mut sets = RecordSets::new();
        sets.insert(set).unwrap();
        let measures = parse_measures(r#"[
          {"indicator": "a", "measure": {"records": "orders", "subject": "rep", "time": "at", "value": {"type": "avg", "field": "amount"}}},
          {"indicator": "b", "measure": {"records": "orders", "subject": "rep", "time": "day", "value": {"type": "distinct_count", "field": "flag"}}},
          {"indicator": "c", "measure": {"records": "orders", "subject": "rep", "time": "at",
             "value": {"type": "growth", "base": "same_period_last_year", "of": {"type": "sum", "field": "amount"}}}}
        ]"#).unwrap();
        let mut options = DeriveOptions::new(tz);
        options.bad_records = BadRecordPolicy::Skip;
        for period in ["2022", "2022-Q1", "2022-03"] {
            let r = derive_actuals(&measures, &sets, &period.parse().unwrap(), &options);
            // Only an overflow of gigantic decimals may fail under the skip policy.
            if let Err(e) = r {
                prop_assert!(e.issues.iter().all(|i| i.code == "arithmetic_overflow"), "{}", e);
            }
        }
    }

    /// Months and quarters partition their year in any time zone: counts and sums add up,
    /// exactly.
    #[test]
    fn periods_partition_the_year(
        offset in -(23 * 60 + 59)..=(23 * 60 + 59i32),
        records in prop::collection::vec((0usize..3, 1_609_545_600_000_000i64..1_703_894_400_000_000i64, -100_000i64..100_000), 0..200),
    ) {
        let tz = UtcOffset::from_minutes(offset).unwrap();
        let reps = ["E1", "E2", "E3"];
        let names: Vec<&str> = records.iter().map(|r| reps[r.0]).collect();
        let sets = orders_from_columns(
            &names,
            records.iter().map(|r| r.1).collect(),
            records.iter().map(|r| Decimal::new(r.2, 2)).collect(),
        );
        let mut options = DeriveOptions::new(tz);
        options.subjects = Some(reps.iter().map(|s| s.to_string()).collect());
        let total = |period: &str| {
            let d = derive_actuals(&sales_measures(), &sets, &period.parse().unwrap(), &options).unwrap();
            let mut sums = [Decimal::ZERO; 2];
            for a in &d.actuals {
                sums[usize::from(&*a.indicator == "sales")] += a.value;
            }
            sums
        };
        let year = total("2022");
        let mut months = [Decimal::ZERO; 2];
        for m in 1..=12 {
            let s = total(&format!("2022-{m:02}"));
            months[0] += s[0];
            months[1] += s[1];
        }
        let mut quarters = [Decimal::ZERO; 2];
        for q in 1..=4 {
            let s = total(&format!("2022-Q{q}"));
            quarters[0] += s[0];
            quarters[1] += s[1];
        }
        prop_assert_eq!(year, months);
        prop_assert_eq!(year, quarters);
        let all = total("2021")[0] + year[0] + total("2023")[0];
        prop_assert_eq!(all, Decimal::from(records.len()));
    }
}

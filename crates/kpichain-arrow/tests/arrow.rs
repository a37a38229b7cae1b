//! Arrow tables read and written as the JSON path reads and writes the same data.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Decimal128Type;
use arrow_array::{
    ArrayRef, Decimal128Array, Float64Array, RecordBatch, StringArray, TimestampSecondArray,
};
use arrow_schema::DataType;
use kpichain::{Cell, InputError, Intake, IntakeBuilder, Scheme};
use kpichain_arrow::intake::{List, Options, feed};
use kpichain_arrow::records::{Pending, record_sets};
use kpichain_arrow::{Table, results};
use serde_json::Value;

fn vector(name: &str) -> Value {
    let path = format!(
        "{}/../../tests/vectors/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn scheme(v: &Value) -> Scheme {
    Scheme::from_text(&v["plan"].to_string(), None).unwrap()
}

/// A table of text columns (JSON numbers as their text, a missing key as null).
fn text_table(rows: &[Value], columns: &[&str]) -> Table {
    let arrays: Vec<(&str, ArrayRef)> = (columns.iter())
        .map(|c| {
            let values: Vec<Option<String>> = (rows.iter())
                .map(|r| match &r[*c] {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                })
                .collect();
            (*c, Arc::new(StringArray::from(values)) as ArrayRef)
        })
        .collect();
    let batch = RecordBatch::try_from_iter(arrays).unwrap();
    Table {
        schema: batch.schema(),
        batches: vec![batch],
    }
}

fn codes_and_paths(e: &InputError) -> Vec<(String, String)> {
    (e.issues.iter())
        .map(|i| (i.code.as_str().to_string(), i.path.to_string()))
        .collect()
}

fn messages(e: &InputError) -> Vec<&str> {
    e.issues.iter().map(|i| i.message.as_str()).collect()
}

/// The error of the same inputs as JSON text.
fn json_path(v: &Value) -> InputError {
    Intake::from_json(&v["inputs"].to_string())
        .and_then(|intake| scheme(v).evaluate_intake(&intake))
        .unwrap_err()
}

fn assignments(b: &mut IntakeBuilder, v: &Value) {
    let rows = v["inputs"]["assignments"].as_array().unwrap();
    feed(
        b,
        List::Assignments,
        &text_table(rows, &["subject", "role"]),
        Options::default(),
    );
}

#[test]
fn long_actuals_with_a_bad_cell_give_the_json_paths_issue() {
    let v = vector("input_bad_number");
    let mut b = IntakeBuilder::new();
    assignments(&mut b, &v);
    let rows = v["inputs"]["actuals"].as_array().unwrap();
    let actuals = text_table(rows, &["subject", "indicator", "value"]);
    let long = Options {
        long: true,
        ..Options::default()
    };
    feed(&mut b, List::Actuals, &actuals, long);
    let arrow = b.finish().unwrap_err();
    let json = json_path(&v);
    assert_eq!(messages(&arrow), messages(&json));
    assert_eq!(codes_and_paths(&arrow), codes_and_paths(&json));
    assert_eq!(
        codes_and_paths(&arrow),
        [("invalid_number".into(), "actuals[0].value".into())]
    );
}

#[test]
fn wide_actuals_with_a_bad_cell_are_reported_at_their_column_and_nan_is_missing_on_request() {
    let v = vector("input_bad_number");
    let table = |sales: Vec<f64>| {
        let subjects = StringArray::from(vec!["a"; sales.len()]);
        let batch = RecordBatch::try_from_iter([
            ("subject", Arc::new(subjects) as ArrayRef),
            ("sales", Arc::new(Float64Array::from(sales)) as ArrayRef),
        ])
        .unwrap();
        Table {
            schema: batch.schema(),
            batches: vec![batch],
        }
    };
    let mut b = IntakeBuilder::new();
    b.indicators(scheme(&v).indicator_ids());
    assignments(&mut b, &v);
    feed(
        &mut b,
        List::Actuals,
        &table(vec![f64::NAN]),
        Options::default(),
    );
    let e = b.finish().unwrap_err();
    assert_eq!(
        codes_and_paths(&e),
        [("invalid_number".into(), "actuals[0].sales".into())]
    );
    let origin = e.issues[0].origin.as_ref().unwrap();
    assert_eq!((&*origin.source, origin.row), ("actuals", Some(0)));

    let mut b = IntakeBuilder::new();
    assignments(&mut b, &v);
    let missing = Options {
        nan_is_missing: true,
        ..Options::default()
    };
    feed(&mut b, List::Actuals, &table(vec![f64::NAN]), missing);
    let intake = b.finish().unwrap();
    assert!(intake.inputs().actuals.is_empty());
}

#[test]
fn a_missing_column_is_reported_once() {
    let mut b = IntakeBuilder::new();
    let t = text_table(&[serde_json::json!({"subject": "a"})], &["subject"]);
    feed(&mut b, List::Assignments, &t, Options::default());
    let e = b.finish().unwrap_err();
    assert_eq!(
        codes_and_paths(&e),
        [("missing_column".into(), "assignments.role".into())]
    );
}

#[test]
fn records_tables_give_the_json_paths_bad_records() {
    let v = vector("records_bad_error");
    let s = scheme(&v);
    let plan = s.plan_for(Some("2022-03")).unwrap();
    let mut b = IntakeBuilder::new();
    b.period(Cell::Text("2022-03"));
    assignments(&mut b, &v);
    let rows = v["inputs"]["records"]["orders"].as_array().unwrap();
    let table = text_table(rows, &["rep", "amount", "at", "status"]);
    let pending = vec![Pending::Table {
        name: "orders".into(),
        table,
    }];
    let sets = record_sets(plan, pending, &mut b);
    let intake = b.finish().unwrap();
    let arrow = s.evaluate_intake_records(&intake, &sets).unwrap_err();
    let json = json_path(&v);
    assert_eq!(messages(&arrow), messages(&json));
    let arrow = codes_and_paths(&arrow);
    assert_eq!(arrow, codes_and_paths(&json));
    let expected: Vec<(String, String)> = (v["expected_input_errors"].as_array().unwrap().iter())
        .map(|e| {
            (
                e["code"].as_str().unwrap().into(),
                e["path"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(arrow, expected);
}

#[test]
fn typed_records_columns_derive_what_the_json_text_derives() {
    let v = vector("records_derived");
    let s = scheme(&v);
    let plan = s.plan_for(Some("2022-03")).unwrap();
    let json = (Intake::from_json(&v["inputs"].to_string()))
        .and_then(|intake| s.evaluate_intake(&intake))
        .unwrap();
    let rows = v["inputs"]["records"]["orders"].as_array().unwrap();
    // Every time as seconds of wall time in the plan's zone (+08:00), and of UTC.
    let wall: Vec<i64> = (rows.iter())
        .map(|r| {
            let at = r["at"].as_str().unwrap();
            match chrono::DateTime::parse_from_rfc3339(at) {
                Ok(instant) => instant.timestamp() + 8 * 3600,
                Err(_) => (chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S"))
                    .unwrap()
                    .and_utc()
                    .timestamp(),
            }
        })
        .collect();
    let utc: Vec<i64> = wall.iter().map(|w| w - 8 * 3600).collect();
    let amounts: Vec<i128> = (rows.iter())
        .map(|r| {
            r["amount"]
                .to_string()
                .trim_matches('"')
                .parse::<i128>()
                .unwrap()
        })
        .collect();
    let text = |f: &str| -> ArrayRef {
        let values: Vec<&str> = rows.iter().map(|r| r[f].as_str().unwrap()).collect();
        Arc::new(StringArray::from(values))
    };
    for at in [
        Arc::new(TimestampSecondArray::from(wall)) as ArrayRef,
        Arc::new(TimestampSecondArray::from(utc).with_timezone("UTC")),
    ] {
        let amount = Decimal128Array::from(amounts.clone()).with_precision_and_scale(10, 0);
        let batch = RecordBatch::try_from_iter([
            ("rep", text("rep")),
            ("amount", Arc::new(amount.unwrap()) as ArrayRef),
            ("at", at),
            ("status", text("status")),
        ])
        .unwrap();
        let table = Table {
            schema: batch.schema(),
            batches: vec![batch],
        };
        let mut b = IntakeBuilder::new();
        b.period(Cell::Text("2022-03"));
        assignments(&mut b, &v);
        let actuals = v["inputs"]["actuals"].as_array().unwrap();
        let long = Options {
            long: true,
            ..Options::default()
        };
        feed(
            &mut b,
            List::Actuals,
            &text_table(actuals, &["subject", "indicator", "value"]),
            long,
        );
        let pending = vec![Pending::Table {
            name: "orders".into(),
            table,
        }];
        let sets = record_sets(plan, pending, &mut b);
        let arrow = s
            .evaluate_intake_records(&b.finish().unwrap(), &sets)
            .unwrap();
        assert_eq!(
            serde_json::to_value(&arrow.results).unwrap(),
            serde_json::to_value(&json.results).unwrap()
        );
    }
}

#[test]
fn a_records_column_of_the_wrong_type_is_unsupported() {
    let v = vector("records_bad_error");
    let s = scheme(&v);
    let plan = s.plan_for(Some("2022-03")).unwrap();
    let batch = RecordBatch::try_from_iter([
        ("rep", Arc::new(StringArray::from(vec!["R1"])) as ArrayRef),
        (
            "amount",
            Arc::new(Float64Array::from(vec![1.5])) as ArrayRef,
        ),
        ("at", Arc::new(Float64Array::from(vec![0.0])) as ArrayRef),
    ])
    .unwrap();
    let table = Table {
        schema: batch.schema(),
        batches: vec![batch],
    };
    let mut b = IntakeBuilder::new();
    assert!(kpichain_arrow::records::record_set(plan, "orders", &table, &mut b).is_none());
    let e = b.finish().unwrap_err();
    assert_eq!(
        codes_and_paths(&e),
        [
            ("missing_column".into(), "records.orders.status".into()),
            ("unsupported_column_type".into(), "records.orders.at".into()),
        ]
    );
}

#[test]
fn result_tables_have_the_columns_and_exact_decimals() {
    let v = vector("adjustments_vetoes");
    let s = scheme(&v);
    let eval = s
        .evaluate_intake(&Intake::from_json(&v["inputs"].to_string()).unwrap())
        .unwrap();

    let t = results::subjects(&eval, false).unwrap();
    let schema = t.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "subject",
            "name",
            "role",
            "variant",
            "unit",
            "region",
            "total",
            "grade",
            "coefficient",
            "payout",
            "total_unrounded",
            "adjustment_points",
            "vetoes",
            "warnings"
        ]
    );
    assert_eq!(t.num_rows(), eval.results.len());
    let total = t.column_by_name("total").unwrap();
    let DataType::Decimal128(38, scale) = *total.data_type() else {
        panic!("{total:?}")
    };
    let totals = total.as_primitive::<Decimal128Type>();
    for (k, r) in eval.results.iter().enumerate() {
        let d =
            kpichain::Decimal::from_i128_with_scale(totals.value(k), u32::try_from(scale).unwrap());
        assert_eq!(d, r.total);
        assert_eq!(
            d.to_string(),
            r.total.to_string(),
            "the plan's scale is kept"
        );
    }

    let t = results::items(&eval, true).unwrap();
    let n: usize = eval.results.iter().map(|r| r.items.len()).sum();
    assert_eq!(t.num_rows(), n);
    assert_eq!(
        t.column_by_name("score").unwrap().data_type(),
        &DataType::Float64
    );
    let status = t.column_by_name("status").unwrap().as_string::<i32>();
    assert_eq!(status.value(0), eval.results[0].items[0].status.as_str());
}

/// Every valid golden vector whose inputs are only assignments and actuals, as one wide table
/// read straight into the columnar kernel: the same per-subject table as the intake and the
/// engine give for the same table.
#[test]
fn wide_tables_scored_in_columns_give_the_engines_table() {
    let dir = format!("{}/../../tests/vectors", env!("CARGO_MANIFEST_DIR"));
    let mut compared = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let inputs = &v["inputs"];
        let plain = v.get("expected").is_some()
            && v.get("plan").is_some()
            && inputs["targets"].is_null()
            && inputs["units"].is_null()
            && inputs["records"].is_null()
            && (inputs["assignments"].as_array().into_iter().flatten()).all(|a| {
                a.as_object()
                    .unwrap()
                    .keys()
                    .all(|k| k == "subject" || k == "role")
            });
        if !plain {
            continue;
        }
        let Ok(plan) = kpichain::CompiledPlan::from_text(&v["plan"].to_string()) else {
            continue;
        };
        let plan = Arc::new(plan);
        // One row per subject, a column per indicator with actuals.
        let mut rows: Vec<serde_json::Map<String, Value>> = Vec::new();
        let mut columns = vec!["subject".to_string(), "role".to_string()];
        for a in inputs["assignments"].as_array().unwrap() {
            rows.push(a.as_object().unwrap().clone());
        }
        for a in inputs["actuals"].as_array().into_iter().flatten() {
            let ind = a["indicator"].as_str().unwrap().to_string();
            if !columns.contains(&ind) {
                columns.push(ind.clone());
            }
            if let Some(r) = rows.iter_mut().find(|r| r["subject"] == a["subject"]) {
                r.insert(ind, a["value"].clone());
            }
        }
        let rows: Vec<Value> = rows.into_iter().map(Value::Object).collect();
        let names: Vec<&str> = columns.iter().map(String::as_str).collect();
        let table = text_table(&rows, &names);
        let period = inputs["period"].as_str().map(str::to_string);
        let Some(batch) = kpichain_arrow::batch::wide(&plan, &table, period.clone(), false) else {
            continue;
        };
        let scores = batch.score();
        // The same table through the intake and the engine.
        let mut b = IntakeBuilder::new();
        b.period(period.as_deref().map_or(Cell::Null, Cell::Text));
        b.indicators(
            (v["plan"]["indicators"].as_array().unwrap().iter())
                .map(|i| i["id"].as_str().unwrap().to_string()),
        );
        b.combined();
        feed(&mut b, List::Assignments, &table, Options::default());
        let intake = b.finish().unwrap();
        let engine = Scheme::from(plan.clone()).evaluate_intake(&intake);
        match (scores, engine) {
            (Ok(s), Ok(e)) => {
                let mut ours = results::column_subjects(&s, false).unwrap();
                let mut theirs = results::subjects(&e, false).unwrap();
                // An unrounded total whose terms do not terminate is null in the kernel's
                // table: compare the others, then the tables without that column.
                for (i, r) in e.results.iter().enumerate() {
                    if let Some(u) = s.total_unrounded(i) {
                        assert_eq!(u.to_string(), r.total_unrounded.to_string());
                    }
                }
                if (0..s.len()).any(|i| s.total_unrounded(i).is_none()) {
                    let k = ours.schema().index_of("total_unrounded").unwrap();
                    ours.remove_column(k);
                    theirs.remove_column(k);
                }
                assert_eq!(ours, theirs, "{}", path.display());
                compared += 1;
            }
            (Err(a), Err(b)) => assert_eq!(codes_and_paths(&a), codes_and_paths(&b)),
            (a, b) => panic!(
                "{}: {:?} vs {:?}",
                path.display(),
                a.map(|_| ()),
                b.map(|_| ())
            ),
        }
    }
    assert!(compared > 20, "only {compared} vectors compared");
}

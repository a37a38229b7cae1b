//! Properties of the full chain: a unit's actual derived from records equals what its
//! members' records give together, whatever the records; role links aggregate exactly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use kpichain::measure::RecordSets;
use kpichain::{CompiledPlan, Decimal, Inputs};
use proptest::prelude::*;

fn plan() -> CompiledPlan {
    CompiledPlan::from_text(
        r#"{
      "id": "p", "version": "1", "time_zone": "+08:00", "missing_data": "zero",
      "records": [{"name": "orders", "fields": [
        {"name": "rep", "kind": "text"}, {"name": "amount", "kind": "decimal"},
        {"name": "at", "kind": "timestamp"}]}],
      "indicators": [
        {"id": "sales", "name": "sales", "measure": {"records": "orders", "subject": "rep",
          "time": "at", "value": {"type": "sum", "field": "amount"}}},
        {"id": "orders", "name": "orders", "measure": {"records": "orders", "subject": "rep",
          "time": "at", "value": {"type": "count"}}},
        {"id": "avg_order", "name": "avg", "measure": {"records": "orders", "subject": "rep",
          "time": "at", "value": {"type": "avg", "field": "amount"}}},
        {"id": "team", "name": "team"}],
      "roles": [
        {"id": "rep", "name": "rep", "items": [
          {"indicator": "sales", "weight": 50, "target": 100, "rule": {"type": "ratio", "cap": 1000000}},
          {"indicator": "orders", "weight": 50, "target": 10, "rule": {"type": "ratio", "cap": 1000000}}]},
        {"id": "lead", "name": "lead", "source": {"from": "unit"}, "items": [
          {"indicator": "sales", "weight": 40, "target": 100, "rule": {"type": "ratio", "cap": 1000000}},
          {"indicator": "orders", "weight": 30, "target": 10, "rule": {"type": "ratio", "cap": 1000000}},
          {"indicator": "avg_order", "weight": 20, "target": 10, "rule": {"type": "ratio", "cap": 1000000}},
          {"indicator": "team", "weight": 10, "target": 100, "rule": {"type": "ratio", "cap": 1000000},
           "source": {"from": "role", "role": "rep", "aggregate": "sum", "scope": "unit"}}]}],
      "grades": [{"grade": "A", "coefficient": 1}]
    }"#,
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Unit S holds reps 0 and 1, unit N reps 2 and 3 (rep 4 is outside both); the leads'
    /// actuals are their units' own aggregates over the members' records.
    #[test]
    fn a_unit_aggregates_exactly_its_members_records(
        orders in prop::collection::vec((0usize..5, 1i64..100_000, 0u32..40), 0..60)
    ) {
        let plan = plan();
        let mut builder = plan.record_builder("orders").unwrap();
        for (rep, cents, day) in &orders {
            // Days 0..31 are in March; the others fall in April and must not count.
            let at = if *day < 31 { format!("2022-03-{:02} 12:00", day + 1) } else { format!("2022-04-{:02} 12:00", day - 30) };
            builder.push_row(&[format!("R{rep}"), Decimal::new(*cents, 2).to_string(), at], None);
        }
        let mut records = RecordSets::new();
        records.insert(builder.finish()).unwrap();
        let inputs = Inputs::from_json(r#"{"period": "2022-03",
          "units": [{"id": "CO"}, {"id": "S", "parent": "CO"}, {"id": "N", "parent": "CO"}],
          "assignments": [
            {"subject": "R0", "role": "rep", "unit": "S"}, {"subject": "R1", "role": "rep", "unit": "S"},
            {"subject": "R2", "role": "rep", "unit": "N"}, {"subject": "R3", "role": "rep", "unit": "N"},
            {"subject": "R4", "role": "rep"},
            {"subject": "LS", "role": "lead", "unit": "S"}, {"subject": "LC", "role": "lead", "unit": "CO"}]}"#).unwrap();
        let e = plan.evaluate_records(&inputs, &records).unwrap();
        let march: Vec<&(usize, i64, u32)> = orders.iter().filter(|o| o.2 < 31).collect();
        for (lead, members) in [("LS", vec![0usize, 1]), ("LC", vec![0, 1, 2, 3])] {
            let mine: Vec<&&(usize, i64, u32)> = march.iter().filter(|o| members.contains(&o.0)).collect();
            let r = e.results.iter().find(|r| &*r.subject == lead).unwrap();
            let sum: Decimal = mine.iter().map(|o| Decimal::new(o.1, 2)).sum();
            let count = Decimal::from(mine.len());
            let item = |k: &str| r.items.iter().find(|i| &*i.item == k).unwrap().actual;
            if mine.is_empty() {
                prop_assert_eq!(item("sales"), None);
                prop_assert_eq!(item("avg_order"), None);
            } else {
                prop_assert_eq!(item("sales"), Some(sum));
                prop_assert_eq!(item("orders"), Some(count));
                prop_assert_eq!(item("avg_order").map(|a| a.normalize()), Some((sum / count).normalize()));
            }
            // The linked item: the sum of the totals of the reps in the lead's unit.
            let totals: Decimal = e.results.iter()
                .filter(|x| &*x.role == "rep" && members.iter().any(|m| *x.subject == *format!("R{m}")))
                .map(|x| x.total).sum();
            prop_assert_eq!(item("team"), Some(totals));
        }
        // Evaluating twice gives the same result.
        prop_assert_eq!(plan.evaluate_records(&inputs, &records).unwrap(), e);
    }
}

/// A list or an object in an inline record's field is a bad record like any other: under
/// `skip` it is left out and counted, under `error` it fails with its path.
#[test]
fn a_list_in_a_record_field_is_a_bad_record_under_the_plans_policy() {
    let text = |policy: &str| {
        format!(
            r#"{{"id": "p", "version": "1", "time_zone": "+08:00", "bad_records": "{policy}",
          "records": [{{"name": "orders", "fields": [{{"name": "rep", "kind": "text"}},
            {{"name": "amount", "kind": "decimal"}}, {{"name": "at", "kind": "timestamp"}}]}}],
          "indicators": [{{"id": "sales", "name": "sales", "measure": {{"records": "orders",
            "subject": "rep", "time": "at", "value": {{"type": "sum", "field": "amount"}}}}}}],
          "roles": [{{"id": "rep", "name": "rep", "items": [{{"indicator": "sales", "weight": 100,
            "target": 100, "rule": {{"type": "ratio", "cap": 200}}}}]}}],
          "grades": [{{"grade": "A", "coefficient": 1}}]}}"#
        )
    };
    let inputs = Inputs::from_json(
        r#"{"period": "2022-03", "assignments": [{"subject": "R1", "role": "rep"}],
        "records": {"orders": [
          {"rep": "R1", "amount": 80, "at": "2022-03-02 10:00"},
          {"rep": "R1", "amount": [1, 2], "at": "2022-03-03 10:00"}]}}"#,
    )
    .unwrap();
    let skip = CompiledPlan::from_text(&text("skip")).unwrap();
    let e = skip.evaluate(&inputs).unwrap();
    assert_eq!(e.results[0].total.to_string(), "80.00");
    let d = e.derivation.unwrap();
    assert_eq!(d.record_sets[0].bad_records, 1);
    assert_eq!(
        d.bad_records[0].problems[0].field.as_deref(),
        Some("amount")
    );
    let error = CompiledPlan::from_text(&text("error")).unwrap();
    let err = error.evaluate(&inputs).unwrap_err();
    assert_eq!(err.issues.len(), 1);
    assert_eq!(
        (
            err.issues[0].code.as_str(),
            err.issues[0].path.to_string().as_str()
        ),
        ("bad_value", "records.orders[1].amount")
    );
}

#[test]
fn a_missing_sourced_value_names_where_it_was_read() {
    let plan = CompiledPlan::from_text(
        r#"{
      "id": "p", "version": "1", "missing_data": "zero",
      "indicators": [{"id": "sales", "name": "销售额"}, {"id": "calls", "name": "calls"}],
      "roles": [
        {"id": "rep", "name": "rep", "items": [
          {"indicator": "calls", "weight": 100, "target": 10, "rule": {"type": "ratio", "cap": 150}}]},
        {"id": "lead", "name": "lead", "items": [
          {"indicator": "calls", "weight": 40, "target": 10, "rule": {"type": "ratio", "cap": 150}},
          {"id": "dept_sales", "indicator": "sales", "weight": 30, "target": 100,
           "rule": {"type": "ratio", "cap": 150}, "source": {"from": "unit"}},
          {"id": "peer_sales", "indicator": "sales", "weight": 30, "target": 100,
           "rule": {"type": "ratio", "cap": 150}, "source": {"from": "subject", "subject": "P1"}}]}],
      "grades": [{"grade": "A", "coefficient": 1}]
    }"#,
    )
    .unwrap();
    let inputs = Inputs::from_json(
        r#"{"period": "2022-01",
      "units": [{"id": "south"}],
      "assignments": [{"subject": "L1", "role": "lead", "unit": "south"},
                      {"subject": "P1", "role": "rep", "unit": "south"}],
      "actuals": [{"subject": "L1", "indicator": "calls", "value": 10},
                  {"subject": "P1", "indicator": "calls", "value": 10}]}"#,
    )
    .unwrap();
    let lead = plan.evaluate(&inputs).unwrap().results.remove(0);
    let messages: Vec<&str> = lead
        .warnings
        .iter()
        .filter(|w| w.code == "missing_actual_zero")
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "subject 'L1' has no actual for indicator 'sales' of its unit 'south'; item 'dept_sales' was scored zero",
            "subject 'L1' has no actual for indicator 'sales' of subject 'P1'; item 'peer_sales' was scored zero",
        ]
    );
}

/// The plan's measures are compiled once against the declared record sets; record sets of
/// another shape (fields reordered, a field missing) are compiled for on the fly, with the
/// same results, and the same errors as the measures on their own give.
#[test]
fn record_sets_of_another_shape_than_declared_derive_the_same() {
    use kpichain::measure::{Field, FieldKind, RecordSet};
    let plan = CompiledPlan::from_text(
        r#"{"id": "p", "version": "1", "time_zone": "+08:00", "missing_data": "zero",
      "records": [{"name": "orders", "fields": [
        {"name": "rep", "kind": "text"}, {"name": "amount", "kind": "decimal"},
        {"name": "at", "kind": "timestamp"}, {"name": "status", "kind": "text"}]}],
      "indicators": [
        {"id": "sales", "name": "sales", "measure": {"records": "orders", "subject": "rep",
          "time": "at", "filter": [{"field": "status", "op": "in", "values": ["ok", "late"]}],
          "value": {"type": "sum", "field": "amount"}}},
        {"id": "late", "name": "late", "measure": {"records": "orders", "subject": "rep",
          "time": "at", "value": {"type": "share", "condition": [
            {"field": "status", "op": "eq", "value": "late"}]}, "scale": 2}}],
      "roles": [{"id": "rep", "name": "rep", "items": [
        {"indicator": "sales", "weight": 50, "target": 100, "rule": {"type": "ratio", "cap": 200}},
        {"indicator": "late", "weight": 50, "target": 10,
         "rule": {"type": "ratio", "cap": 200}}]}],
      "grades": [{"grade": "A", "coefficient": 1}]}"#,
    )
    .unwrap();
    let mut builder = plan.record_builder("orders").unwrap();
    for row in [
        ["R1", "80", "2022-03-02 10:00", "ok"],
        ["R1", "20", "2022-03-03 10:00", "late"],
        ["R1", "50", "2022-03-04 10:00", "void"],
        ["R2", "10", "2022-03-05 10:00", "void"],
    ] {
        builder.push_row(&row, None);
    }
    let declared = builder.finish();
    let inputs = Inputs::from_json(
        r#"{"period": "2022-03", "assignments": [
        {"subject": "R1", "role": "rep"}, {"subject": "R2", "role": "rep"}]}"#,
    )
    .unwrap();
    let sets = |set: RecordSet| {
        let mut sets = RecordSets::new();
        sets.insert(set).unwrap();
        sets
    };
    let shaped = |fields: &[(&str, FieldKind)]| {
        RecordSet::from_columns(
            "orders",
            fields
                .iter()
                .map(|(name, kind)| {
                    (
                        Field::new(*name, *kind),
                        declared.column(name).unwrap().clone(),
                    )
                })
                .collect(),
        )
        .unwrap()
    };
    let e = plan
        .evaluate_records(&inputs, &sets(declared.clone()))
        .unwrap();
    let r1 = e.results.iter().find(|r| &*r.subject == "R1").unwrap();
    let item = |k: &str| r1.items.iter().find(|i| &*i.item == k).unwrap().actual;
    assert_eq!(item("sales").unwrap().to_string(), "100");
    assert_eq!(item("late").unwrap().to_string(), "33.33");
    let d = e.derivation.as_ref().unwrap();
    assert_eq!(d.measures[1].path.to_string(), "indicators[1].measure");

    // Reordered fields: compiled on the fly, the same result.
    let reordered = shaped(&[
        ("status", FieldKind::Text),
        ("at", FieldKind::Timestamp),
        ("amount", FieldKind::Decimal),
        ("rep", FieldKind::Text),
    ]);
    assert_eq!(plan.evaluate_records(&inputs, &sets(reordered)).unwrap(), e);

    // A field missing: today's error, at the measure's own path.
    let missing = shaped(&[
        ("rep", FieldKind::Text),
        ("at", FieldKind::Timestamp),
        ("status", FieldKind::Text),
    ]);
    let err = plan
        .evaluate_records(&inputs, &sets(missing))
        .unwrap_err()
        .to_string();
    assert!(err.contains("measures[0].measure.value.field"), "{err}");
    assert!(
        err.contains("record set 'orders' has no field 'amount'"),
        "{err}"
    );
}

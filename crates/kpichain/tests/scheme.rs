//! `Scheme`: one front door for a plan or effective-dated versions of one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::sync::Arc;

use kpichain::{Format, Inputs, Scheme};

/// A plan whose version `v{w}` weighs `a` at `w` and `b` at the rest; with `extra`, it also
/// has indicator `c` (unused by the role).
fn card(w: u32, extra: bool) -> String {
    let c = if extra {
        r#", {"id": "c", "name": "C"}"#
    } else {
        ""
    };
    format!(
        r#"{{"id": "p", "version": "v{w}",
          "indicators": [{{"id": "a", "name": "A"}}, {{"id": "b", "name": "B"}}{c}],
          "roles": [{{"id": "r", "name": "R", "items": [
            {{"indicator": "a", "weight": {w}, "target": 100, "rule": {{"type": "ratio", "cap": 200}}}},
            {{"indicator": "b", "weight": {}, "target": 100, "rule": {{"type": "ratio", "cap": 200}}}}]}}],
          "grades": [{{"grade": "S", "min": 120, "coefficient": 1.5}}, {{"grade": "A", "min": 100, "coefficient": 1.2}}, {{"grade": "B", "coefficient": 1}}]}}"#,
        100 - w
    )
}

fn versions(span: &str) -> String {
    format!(
        r#"{{"id": "doc", "span": "{span}", "versions": [
          {{"effective_from": "2022-01-01", "plan": {}}},
          {{"effective_from": "2022-03-01", "plan": {}}}]}}"#,
        card(50, false),
        card(80, true)
    )
}

fn inputs(period: Option<&str>) -> Inputs {
    let period = period.map_or_else(String::new, |p| format!(r#""period": "{p}","#));
    Inputs::from_json(&format!(
        r#"{{{period} "assignments": [{{"subject": "E1", "role": "r"}}, {{"subject": "E2", "role": "r"}}],
          "actuals": [{{"subject": "E1", "indicator": "a", "value": 150}},
                      {{"subject": "E1", "indicator": "b", "value": 50}},
                      {{"subject": "E2", "indicator": "a", "value": 100}},
                      {{"subject": "E2", "indicator": "b", "value": 100}}]}}"#
    ))
    .unwrap()
}

const TOML_PLAN: &str = r#"
id = "p"
version = "t"

[[indicators]]
id = "a"
name = "A"

[[roles]]
id = "r"
name = "R"

[[roles.items]]
indicator = "a"
weight = 100
target = 100
rule = { type = "ratio" }

[[grades]]
grade = "A"
min = 100
coefficient = 1.2

[[grades]]
grade = "B"
coefficient = 1
"#;

#[test]
fn a_single_plan_from_json_or_toml_text() {
    let json = Scheme::from_text(&card(50, false), None).unwrap();
    let plan = json.as_plan().unwrap();
    assert!(json.as_versions().is_none());
    assert_eq!(json.id(), "p");
    assert_eq!(json.fingerprint(), plan.fingerprint());
    assert_eq!(json.plans().len(), 1);
    assert_eq!(json.indicator_ids(), vec!["a", "b"]);
    // A plan scores any period, and without one.
    assert!(Arc::ptr_eq(json.plan_for(None).unwrap(), plan));
    assert!(Arc::ptr_eq(json.plan_for(Some("nonsense")).unwrap(), plan));

    let toml = Scheme::from_text(TOML_PLAN, None).unwrap();
    assert_eq!(toml.as_plan().unwrap().plan().version, "t");
    let forced = Scheme::from_text(TOML_PLAN, Some(Format::Toml)).unwrap();
    assert_eq!(forced.fingerprint(), toml.fingerprint());
    let wrong = Scheme::from_text(TOML_PLAN, Some(Format::Json)).unwrap_err();
    assert_eq!(wrong.issues[0].code, "parse_error");
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let plain = Scheme::from_text(&card(50, false), None).unwrap();
    let bom = Scheme::from_text(&format!("\u{feff}{}", card(50, false)), None).unwrap();
    assert_eq!(plain.fingerprint(), bom.fingerprint());
    let bom = Scheme::from_text(&format!("\u{feff}{}", versions("pro_rata")), None).unwrap();
    assert!(bom.as_versions().is_some());
}

#[test]
fn clones_share_the_compiled_plan() {
    let scheme = Scheme::from_text(&versions("period_start"), None).unwrap();
    let copy = scheme.clone();
    assert!(Arc::ptr_eq(
        scheme.as_versions().unwrap(),
        copy.as_versions().unwrap()
    ));
    // A version handed out is the compiled version itself, not a recompiled copy.
    let v = scheme.as_versions().unwrap();
    let by_label = v.version("v80").unwrap();
    assert!(Arc::ptr_eq(by_label, scheme.plans()[1]));
    assert!(Arc::ptr_eq(by_label, v.latest()));
    assert!(Arc::ptr_eq(by_label, v.in_force("2022-12-31").unwrap()));
}

#[test]
fn a_versions_document_is_recognised_and_lists_every_indicator_once() {
    let scheme = Scheme::from_text(&versions("period_start"), None).unwrap();
    let v = scheme.as_versions().unwrap();
    assert!(scheme.as_plan().is_none());
    assert_eq!(scheme.id(), "doc");
    assert_eq!(scheme.fingerprint(), v.fingerprint());
    assert_eq!(scheme.plans().len(), 2);
    assert_eq!(scheme.indicator_ids(), vec!["a", "b", "c"]);
}

#[test]
fn the_plan_for_a_period_or_why_there_is_none() {
    let scheme = Scheme::from_text(&versions("period_start"), None).unwrap();
    assert_eq!(
        scheme.plan_for(Some("2022-02")).unwrap().plan().version,
        "v50"
    );
    assert_eq!(
        scheme.plan_for(Some("2022-Q2")).unwrap().plan().version,
        "v80"
    );
    let missing = scheme.plan_for(None).unwrap_err();
    assert_eq!(missing.code, "missing_period");
    assert_eq!(missing.path, "period");
    assert_eq!(
        scheme.plan_for(Some("March")).unwrap_err().code,
        "invalid_period"
    );
    let early = scheme.plan_for(Some("2021-12")).unwrap_err();
    assert_eq!(early.code, "no_version_in_force");
    assert_eq!(
        early.message,
        "no version of plan 'doc' is in force on 2021-12-01, the first day of 2021-12"
    );
    // Evaluating says the same.
    let e = scheme.evaluate(&inputs(Some("2021-12"))).unwrap_err();
    assert_eq!(e.issues, vec![early]);
    let e = scheme.evaluate(&inputs(None)).unwrap_err();
    assert_eq!(e.issues, vec![missing]);
}

#[test]
fn evaluate_explain_and_count_grades_of_a_plan() {
    let scheme = Scheme::from_text(&card(50, false), None).unwrap();
    let evaluation = scheme.evaluate(&inputs(Some("2022-01"))).unwrap();
    assert!(Arc::ptr_eq(
        scheme.plan_for_names(&evaluation),
        scheme.as_plan().unwrap()
    ));
    // E1: 50 × 1.5 + 50 × 0.5 = 100 → A; E2: 100 → A.
    assert_eq!(
        scheme.grade_counts(&evaluation),
        vec![("S", 0), ("A", 2), ("B", 0)]
    );
    let explanation = scheme.explain(&evaluation, &evaluation.results[0]);
    assert_eq!(explanation.period.as_deref(), Some("2022-01"));
    assert_eq!(
        explanation.to_string(),
        scheme
            .as_plan()
            .unwrap()
            .explain_in(&evaluation, &evaluation.results[0])
            .to_string()
    );
}

#[test]
fn evaluate_explain_and_count_grades_pro_rata() {
    let scheme = Scheme::from_text(&versions("pro_rata"), None).unwrap();
    let evaluation = scheme.evaluate(&inputs(Some("2022-Q1"))).unwrap();
    assert_eq!(evaluation.versions.len(), 2);
    // The names and the scale are the last version's.
    assert_eq!(scheme.plan_for_names(&evaluation).plan().version, "v80");
    // E1: (59 × 100 + 31 × 130) ÷ 90 = 110.33 → A; E2: 100 → A.
    assert_eq!(evaluation.results[0].total.to_string(), "110.33");
    assert_eq!(
        scheme.grade_counts(&evaluation),
        vec![("S", 0), ("A", 2), ("B", 0)]
    );
    let result = &evaluation.results[0];
    let explanation = scheme.explain(&evaluation, result);
    assert_eq!(explanation.segments.len(), 2);
    let segment = &result.segments[1];
    let own = scheme.explain_segment(&evaluation, segment);
    assert_eq!(own.plan_version, "v80");
    assert_eq!(
        own.to_string(),
        explanation.segments[1].explanation.to_string()
    );
}

#[test]
fn grades_outside_the_scale_are_counted_after_it() {
    let scheme = Scheme::from_text(&card(50, false), None).unwrap();
    let mut evaluation = scheme.evaluate(&inputs(None)).unwrap();
    evaluation.results[1].grade = Arc::from("X");
    assert_eq!(
        scheme.grade_counts(&evaluation),
        vec![("S", 0), ("A", 1), ("B", 0), ("X", 1)]
    );
}

#[test]
fn plan_files_need_a_reader() {
    let doc = r#"{"id": "p", "versions": [{"effective_from": "2022-01-01", "plan": "v1.toml"}]}"#;
    let e = Scheme::from_text(doc, None).unwrap_err();
    assert_eq!(e.issues[0].code, "unreadable_plan_file");
    assert_eq!(e.issues[0].path, "versions[0].plan");
    let scheme = Scheme::from_text_with(doc, Some(Format::Json), |name| {
        assert_eq!(name, "v1.toml");
        Ok(TOML_PLAN.to_string())
    })
    .unwrap();
    assert_eq!(scheme.as_versions().unwrap().latest().plan().version, "t");
}

#[test]
fn a_score_table_for_a_plan_or_the_one_version_of_a_period() {
    let plan = Scheme::from_text(&card(50, false), None).unwrap();
    let inputs_march = inputs(Some("2022-03"));
    let table = plan.score_table(&inputs_march).unwrap();
    assert_eq!(
        serde_json::to_string(&table.to_evaluation()).unwrap(),
        serde_json::to_string(&plan.evaluate(&inputs_march).unwrap()).unwrap()
    );
    // A month inside one version: that version's table, the same totals as evaluate.
    let pro_rata = Scheme::from_text(&versions("pro_rata"), None).unwrap();
    let table = pro_rata.score_table(&inputs_march).unwrap();
    let evaluation = pro_rata.evaluate(&inputs_march).unwrap();
    assert_eq!(table.get(0).unwrap().total(), evaluation.results[0].total);
    // A quarter across the March change is two versions pro rata: no single table.
    let err = pro_rata
        .score_table(&inputs(Some("2022-Q1")))
        .err()
        .unwrap();
    assert_eq!(err.issues[0].code, "spans_versions");
    // Under period_start the quarter is the January version's.
    let start = Scheme::from_text(&versions("period_start"), None).unwrap();
    let q1 = inputs(Some("2022-Q1"));
    let table = start.score_table(&q1).unwrap();
    assert_eq!(
        table.get(0).unwrap().total(),
        start.evaluate(&q1).unwrap().results[0].total
    );
}

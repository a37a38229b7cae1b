//! Reading plans: exact numbers, JSON and TOML alike, errors with paths, and no panic on
//! arbitrary input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use kpichain::{CompiledPlan, Inputs, Plan, ScoreRule};
use proptest::prelude::*;

const JSON: &str = r#"{
  "id": "p", "version": "1",
  "indicators": [{"id": "sales", "name": "销售额"}, {"id": "rate", "name": "复购率"}],
  "roles": [{"id": "rep", "name": "销售代表", "items": [
    {"indicator": "sales", "weight": 33.333333333333333333, "target": 0.1, "rule": {"type": "ratio", "cap": 120}},
    {"indicator": "rate", "weight": "66.666666666666666667", "target": "30", "rule": {"type": "pass_fail"}}]}],
  "grades": [{"grade": "A", "min": 90, "coefficient": 1.2}, {"grade": "C", "coefficient": "0.8"}]
}"#;

const TOML: &str = r#"
id = "p"
version = "1"

[[indicators]]
id = "sales"
name = "销售额"

[[indicators]]
id = "rate"
name = "复购率"

[[roles]]
id = "rep"
name = "销售代表"

[[roles.items]]
indicator = "sales"
weight = "33.333333333333333333"
target = 0.1
rule = { type = "ratio", cap = 120 }

[[roles.items]]
indicator = "rate"
weight = "66.666666666666666667"
target = "30"
rule = { type = "pass_fail" }

[[grades]]
grade = "A"
min = 90
coefficient = 1.2

[[grades]]
grade = "C"
coefficient = "0.8"
"#;

#[test]
fn json_numbers_are_exact_never_floats() {
    let plan = Plan::from_json(JSON).unwrap();
    assert_eq!(
        plan.roles[0].items[0].weight.to_string(),
        "33.333333333333333333"
    );
    assert_eq!(plan.roles[0].items[0].target.unwrap().to_string(), "0.1");
    // 33.333333333333333333 + 66.666666666666666667 is exactly 100.
    CompiledPlan::compile(plan).unwrap();
}

#[test]
fn toml_and_json_give_the_same_plan_and_fingerprint() {
    let from_json = Plan::from_json(JSON).unwrap();
    let from_toml = Plan::from_toml(TOML).unwrap();
    assert_eq!(from_json, from_toml);
    assert!(matches!(
        from_toml.roles[0].items[0].rule,
        ScoreRule::Ratio(_)
    ));
    let a = CompiledPlan::compile(from_json).unwrap();
    let b = CompiledPlan::compile(from_toml).unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert!(a.fingerprint().starts_with("sha256:") && a.fingerprint().len() == 71);
    assert_eq!(
        Plan::from_text(TOML).unwrap(),
        Plan::from_text(JSON).unwrap()
    );
}

#[test]
fn bad_numbers_are_rejected_with_their_path() {
    for (bad, what) in [
        ("\"NaN\"", "invalid_number"),
        ("\"inf\"", "invalid_number"),
        ("1e40", "number_out_of_range"),
        ("true", "invalid_type"),
        ("\"12,5\"", "invalid_number"),
    ] {
        let text = JSON.replace(
            "\"weight\": \"66.666666666666666667\"",
            &format!("\"weight\": {bad}"),
        );
        let err = Plan::from_json(&text).expect_err(what);
        assert_eq!(err.issues.len(), 1, "{what}");
        assert_eq!(
            err.issues[0].path, "roles[0].items[1].weight",
            "{what}: {err}"
        );
        assert_eq!(err.issues[0].code, what, "{bad}: {err}");
    }
}

#[test]
fn actual_values_are_exact_and_validated() {
    let plan = CompiledPlan::from_text(JSON).unwrap();
    let inputs = Inputs::from_json(
        r#"{"assignments": [{"subject": "E1", "role": "rep"}],
            "actuals": [{"subject": "E1", "indicator": "sales", "value": 0.1000000000000000000001},
                        {"subject": "E1", "indicator": "rate", "value": 30}]}"#,
    )
    .unwrap();
    assert_eq!(
        inputs.actuals[0].value.to_string(),
        "0.1000000000000000000001"
    );
    let result = plan.evaluate(&inputs).unwrap();
    assert_eq!(
        result.results[0].items[0].achievement.unwrap().to_string(),
        "100.00"
    );
    let err = Inputs::from_json(
        r#"{"assignments": [], "actuals": [{"subject": "E1", "indicator": "x", "value": "abc"}]}"#,
    )
    .unwrap_err();
    assert_eq!(err.issues[0].path, "actuals[0].value");
    assert!(
        err.issues[0]
            .message
            .starts_with("the actual of subject 'E1' for indicator 'x' is invalid: "),
        "{}",
        err.issues[0].message
    );
}

#[test]
fn deeply_nested_formulas_are_refused_without_overflowing_the_stack() {
    let deep = format!("{}actual{}", "(".repeat(900), ")".repeat(900));
    let err = kpichain::formula::parse(&deep).unwrap_err();
    assert!(err.message.contains("nests deeper"), "{}", err.message);
    let long_chain = vec!["actual"; 200].join(" + ");
    assert!(kpichain::formula::parse(&long_chain).is_ok());
    // Worst cases within the length limit, parsed on a small stack.
    let cases = [
        vec!["1"; 1000].join("+"),
        format!("{}1", "-".repeat(1999)),
        format!("{}true", "not ".repeat(499)),
        format!("{}1{}", "abs(".repeat(60), ")".repeat(60)),
    ];
    for case in cases {
        let handle = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || {
                kpichain::formula::parse(&case)
                    .map(|_| ())
                    .map_err(|e| e.message)
            })
            .unwrap();
        let outcome = handle.join().expect("no stack overflow");
        if let Err(message) = outcome {
            assert!(
                message.contains("deep")
                    || message.contains("nests")
                    || message.contains("in a row"),
                "{message}"
            );
        }
    }
}

#[test]
fn overflow_is_an_error_naming_the_item_not_a_panic() {
    let plan = CompiledPlan::from_text(&JSON.replace(
        "\"target\": 0.1",
        "\"target\": \"0.0000000000000000000000000001\"",
    ))
    .unwrap();
    let inputs = Inputs::from_json(
        r#"{"assignments": [{"subject": "E1", "role": "rep"}],
            "actuals": [{"subject": "E1", "indicator": "sales", "value": "79000000000000000000000000000"},
                        {"subject": "E1", "indicator": "rate", "value": 30}]}"#,
    )
    .unwrap();
    let err = plan.evaluate(&inputs).unwrap_err();
    assert_eq!(err.issues[0].code, "arithmetic_overflow");
    assert_eq!(err.issues[0].path, "roles[0].items[0]");
    assert!(err.issues[0].message.contains("E1"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = CompiledPlan::from_text(&text);
        let _ = kpichain::formula::parse(&text);
        let _ = Inputs::from_json(&text);
    }

    #[test]
    fn mutated_plans_never_panic(cut in 0usize..900, insert in "[{}\\[\\]\",:0-9a-z.-]{0,6}") {
        let mut text = JSON.to_string();
        let at = text.char_indices().map(|(i, _)| i).nth(cut.checked_rem(JSON.chars().count()).unwrap_or(0)).unwrap_or(0);
        text.insert_str(at, &insert);
        if let Ok(plan) = CompiledPlan::from_text(&text) {
            let inputs = Inputs::from_json(r#"{"assignments": [{"subject": "E1", "role": "rep"}],
                "actuals": [{"subject": "E1", "indicator": "sales", "value": 1}, {"subject": "E1", "indicator": "rate", "value": 1}]}"#).unwrap();
            let _ = plan.evaluate(&inputs);
        }
    }

    #[test]
    fn random_formulas_never_panic(expr in "[a-z0-9_.+*/() <>=!-]{0,60}") {
        if let Ok(ast) = kpichain::formula::parse(&expr) {
            let lookup = |n: &str| (n == "actual").then_some(kpichain::formula::Var::Actual);
            if let Ok(e) = kpichain::formula::check(&ast, kpichain::formula::Type::Number, &lookup) {
                let _ = e.eval(&|_| Some(kpichain::Decimal::ONE));
            }
        }
    }
}

/// The golden vectors of the full chain (sources, links, variants, records, versions), as text.
fn chain_vectors() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            [
                "chain_",
                "records_",
                "variants_",
                "versions_",
                "input_chain",
            ]
            .iter()
            .any(|k| name.starts_with(k))
        })
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    out.sort();
    out
}

/// Evaluates a (possibly mutated) vector document, whatever it holds; never panics.
fn run_mutated(text: &str) {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    let Some(inputs) = doc.get("inputs").map(|i| Inputs::from_json(&i.to_string())) else {
        return;
    };
    let Ok(inputs) = inputs else { return };
    if let Some(v) = doc.get("versions") {
        if let Ok(c) = kpichain::CompiledVersions::from_text(&v.to_string()) {
            if let Ok(e) = c.evaluate(&inputs) {
                for r in &e.results {
                    let _ = c.explain(&e, r).to_string();
                }
            }
        }
    } else if let Some(p) = doc.get("plan") {
        if let Ok(c) = CompiledPlan::from_text(&p.to_string()) {
            if let Ok(e) = c.evaluate(&inputs) {
                for r in &e.results {
                    let _ = c.explain(r).to_string();
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Any edit of a full-chain vector (plan, units, records, sources, versions) gives a
    /// result or a list of problems, never a panic.
    #[test]
    fn mutated_chain_vectors_never_panic(
        which in 0usize..64,
        cut in 0usize..20_000,
        insert in "[{}\\[\\]\",:0-9a-zA-Z.+ -]{0,8}",
        delete in 0usize..12,
    ) {
        let vectors = chain_vectors();
        let text = &vectors[which % vectors.len()];
        let chars: Vec<char> = text.chars().collect();
        let at = cut % chars.len().max(1);
        let end = (at + delete).min(chars.len());
        let mutated: String = chars[..at].iter().chain(insert.chars().collect::<Vec<_>>().iter()).chain(chars[end..].iter()).collect();
        run_mutated(&mutated);
    }
}

/// Every path to a scalar in a JSON document.
fn scalar_paths(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                scalar_paths(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                scalar_paths(x, format!("{at}/{i}"), out);
            }
        }
        _ => out.push(at),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    /// Any one value of a full-chain vector replaced by an odd one (empty, negative, huge,
    /// a bad date, another id, null, a boolean…) gives a result or a list of problems, never
    /// a panic.
    #[test]
    fn odd_values_in_chain_vectors_never_panic(which in 0usize..64, pick in 0usize..10_000, odd in 0usize..18) {
        let vectors = chain_vectors();
        let mut doc: serde_json::Value = serde_json::from_str(&vectors[which % vectors.len()]).unwrap();
        let mut paths = Vec::new();
        scalar_paths(&doc, String::new(), &mut paths);
        let path = &paths[pick % paths.len()];
        let values = [
            serde_json::json!(""), serde_json::json!("-1"), serde_json::json!(-1), serde_json::json!(0),
            serde_json::json!("79228162514264337593543950335"), serde_json::json!("1e30"),
            serde_json::json!("2022-13-01"), serde_json::json!("2022-02-29 10:00"), serde_json::json!("NaN"),
            serde_json::json!(null), serde_json::json!(true), serde_json::json!("E1"), serde_json::json!("S"),
            serde_json::json!("CO"), serde_json::json!("unit"), serde_json::json!("role"),
            serde_json::json!("score.sales"), serde_json::json!(100),
        ];
        if let Some(slot) = doc.pointer_mut(path) {
            *slot = values[odd % values.len()].clone();
        }
        run_mutated(&doc.to_string());
    }
}

#[test]
fn integer_subject_ids_are_ids_and_fractions_are_not() {
    let ok = Inputs::from_json(
        r#"{"assignments": [{"subject": 1001, "role": "r"}],
            "actuals": [{"subject": 1001, "indicator": "a", "value": 1}],
            "targets": [{"subject": 1001, "indicator": "a", "target": 2}]}"#,
    )
    .unwrap();
    assert_eq!(&*ok.assignments[0].subject, "1001");
    assert_eq!(&*ok.actuals[0].subject, "1001");
    assert_eq!(&*ok.targets[0].subject, "1001");
    let err = Inputs::from_json(
        r#"{"assignments": [], "actuals": [{"subject": 1001.5, "indicator": "a", "value": 1}]}"#,
    )
    .unwrap_err();
    assert_eq!(err.issues[0].code, "invalid_type");
    assert_eq!(err.issues[0].path, "actuals[0].subject");
}

//! End-to-end tests of the `kpichain` command line on the sales-company example.
//!
//! Snapshot tests use `insta` (snapshots in `tests/snapshots/`); review changes with
//! `cargo insta review`, or run with `INSTA_UPDATE=always` and read the diff.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use assert_cmd::Command;
use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sales-company")
}

/// `kpichain` run inside the example folder, so that file names in messages are short.
fn kpichain() -> Command {
    let mut cmd = cargo_bin_cmd!("kpichain");
    cmd.current_dir(example_dir());
    cmd
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

fn stderr_of(assert: assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stderr.clone()).unwrap()
}

const SCORE: [&str; 10] = [
    "score",
    "plan.json",
    "--assignments",
    "assignments.csv",
    "--actuals",
    "actuals.csv",
    "--targets",
    "targets.csv",
    "--period",
    "2022-01",
];

fn explain(subject: &str) -> Vec<String> {
    let mut args: Vec<String> = SCORE.iter().map(|s| s.to_string()).collect();
    args[0] = "explain".into();
    args.extend(["--subject".to_string(), subject.to_string()]);
    args
}

// ---- validate -------------------------------------------------------------------------------

#[test]
fn validate_accepts_the_example_plan_and_prints_its_fingerprint() {
    let text = std::fs::read_to_string(example_dir().join("plan.json")).unwrap();
    let compiled = kpichain::CompiledPlan::from_text(&text).unwrap();
    let out = stdout_of(kpichain().args(["validate", "plan.json"]));
    assert_eq!(
        out,
        format!(
            "ok: plan company-a-2022 version 2022.01 (8 roles, 22 indicators), fingerprint {}\n",
            compiled.fingerprint()
        )
    );
}

#[test]
fn validate_rejects_weights_summing_to_110_naming_the_place() {
    let assert = kpichain()
        .args(["validate", "plan-invalid-weights.json"])
        .assert()
        .code(1)
        .stdout("");
    let err = stderr_of(assert);
    assert!(err.contains("roles[2].items"), "{err}");
    assert!(err.contains("sum to 110"), "{err}");
    insta::assert_snapshot!("validate_invalid_weights", err);
}

#[test]
fn validate_lists_every_problem_one_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("bad.toml");
    std::fs::write(
        &plan,
        r#"
id = "p"
version = "1"
[[indicators]]
id = "sales"
name = "销售额"
[[roles]]
id = "rep"
name = "销售代表"
[[roles.items]]
indicator = "sales"
weight = "70"
target = "100"
rule = { type = "ratio", cap = "120" }
[[roles.items]]
indicator = "nope"
weight = "20"
target = "1"
rule = { type = "ratio" }
[[grades]]
grade = "A"
coefficient = "1"
"#,
    )
    .unwrap();
    let assert = kpichain().arg("validate").arg(&plan).assert().code(1);
    let err = stderr_of(assert);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].contains("roles[0].items[1].indicator: indicator 'nope'"),
        "{err}"
    );
    assert!(
        lines[1]
            .contains("roles[0].items: the weights of role 'rep' (销售代表) sum to 90, not 100"),
        "{err}"
    );
    assert!(
        lines[2].starts_with("error: ") && lines[2].contains("2 problems"),
        "{err}"
    );
}

#[test]
fn validate_accepts_toml() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        "id = \"p\"\nversion = \"1\"\n[[indicators]]\nid = \"sales\"\nname = \"销售额\"\n\
         [[roles]]\nid = \"rep\"\nname = \"销售代表\"\n[[roles.items]]\nindicator = \"sales\"\nweight = \"100\"\n\
         target = \"100\"\nrule = { type = \"ratio\", cap = \"120\" }\n[[grades]]\ngrade = \"A\"\ncoefficient = \"1\"\n",
    )
    .unwrap();
    let out = stdout_of(kpichain().arg("validate").arg(&plan));
    assert!(
        out.starts_with("ok: plan p version 1 (1 role, 1 indicator), fingerprint sha256:"),
        "{out}"
    );
}

#[test]
fn validate_of_a_missing_file_is_a_user_error() {
    kpichain()
        .args(["validate", "no-such-plan.json"])
        .assert()
        .code(1)
        .stderr(
            "error: no-such-plan.json: cannot read the file: no such file or directory [io_error]\n",
        );
}

// ---- schema ---------------------------------------------------------------------------------

#[test]
fn schema_prints_the_core_plan_schema() {
    assert_eq!(stdout_of(kpichain().arg("schema")), kpichain::plan_schema());
    assert_eq!(
        stdout_of(kpichain().args(["schema", "inputs"])),
        kpichain::inputs_schema()
    );
    assert_eq!(
        stdout_of(kpichain().args(["schema", "results"])),
        kpichain::result_schema()
    );
    assert_eq!(
        stdout_of(kpichain().args(["schema", "diff"])),
        kpichain::diff_schema()
    );
    assert_eq!(
        stdout_of(kpichain().args(["schema", "error"])),
        kpichain::error_schema()
    );
}

// ---- score ----------------------------------------------------------------------------------

/// The example's inputs built by hand from the CSV files (they have no quoted cells), so the
/// CLI's output can be checked against the core called directly.
fn example_inputs_json() -> String {
    let read = |name: &str| std::fs::read_to_string(example_dir().join(name)).unwrap();
    let rows = |text: &str| -> Vec<Vec<String>> {
        text.lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    };
    let assignments: Vec<serde_json::Value> = rows(&read("assignments.csv"))
        .into_iter()
        .map(|r| {
            serde_json::json!({"subject": r[0], "role": r[1], "name": r[2], "unit": r[3], "region": r[4], "bonus_base": r[5]})
        })
        .collect();
    let actuals: Vec<serde_json::Value> = rows(&read("actuals.csv"))
        .into_iter()
        .map(|r| serde_json::json!({"subject": r[0], "indicator": r[1], "value": r[2]}))
        .collect();
    let targets: Vec<serde_json::Value> = rows(&read("targets.csv"))
        .into_iter()
        .map(|r| serde_json::json!({"subject": r[0], "indicator": r[1], "target": r[2]}))
        .collect();
    serde_json::json!({"period": "2022-01", "assignments": assignments, "actuals": actuals, "targets": targets}).to_string()
}

#[test]
fn score_json_is_exactly_what_the_core_computes() {
    let out = stdout_of(kpichain().args(SCORE).args(["--format", "json"]));
    let plan = std::fs::read_to_string(example_dir().join("plan.json")).unwrap();
    let compiled = kpichain::CompiledPlan::from_text(&plan).unwrap();
    let inputs = kpichain::Inputs::from_json(&example_inputs_json()).unwrap();
    let expected =
        serde_json::to_string_pretty(&compiled.evaluate(&inputs).unwrap()).unwrap() + "\n";
    assert_eq!(out, expected);

    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["period"], "2022-01");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 27);
    let grades: Vec<&str> = results
        .iter()
        .map(|r| r["grade"].as_str().unwrap())
        .collect();
    for g in ["S", "A", "B", "C", "D"] {
        assert!(grades.contains(&g), "no subject graded {g}: {grades:?}");
    }
    let gm = &results[0];
    assert_eq!(
        (
            gm["subject"].as_str(),
            gm["total"].as_str(),
            gm["grade"].as_str()
        ),
        (Some("E001"), Some("100.90"), Some("A"))
    );
    let vetoed = results.iter().find(|r| r["subject"] == "E105").unwrap();
    assert_eq!(vetoed["grade"], "D");
    assert_eq!(vetoed["vetoes"][0]["id"], "serious_compliance_breach");
}

#[test]
fn score_table_snapshot() {
    let out = stdout_of(kpichain().args(SCORE));
    assert!(out.contains("王建国") && out.contains("总经理"), "{out}");
    insta::assert_snapshot!("score_table", out);
}

#[test]
fn score_csv_snapshot() {
    let out = stdout_of(kpichain().args(SCORE).args(["--format", "csv"]));
    assert!(out.starts_with("period,subject,name,role,role_name,unit,region,total,grade,grade_label,coefficient,payout,vetoes,warnings\n"));
    assert_eq!(out.lines().count(), 28);
    insta::assert_snapshot!("score_csv", out);
}

#[test]
fn score_reads_json_inputs_like_csv() {
    let dir = tempfile::tempdir().unwrap();
    let inputs: serde_json::Value = serde_json::from_str(&example_inputs_json()).unwrap();
    for key in ["assignments", "actuals", "targets"] {
        std::fs::write(
            dir.path().join(format!("{key}.json")),
            inputs[key].to_string(),
        )
        .unwrap();
    }
    let from_json = stdout_of(
        kpichain()
            .args([
                "score",
                "plan.json",
                "--period",
                "2022-01",
                "--format",
                "csv",
            ])
            .arg("--assignments")
            .arg(dir.path().join("assignments.json"))
            .arg("--actuals")
            .arg(dir.path().join("actuals.json"))
            .arg("--targets")
            .arg(dir.path().join("targets.json")),
    );
    let from_csv = stdout_of(kpichain().args(SCORE).args(["--format", "csv"]));
    assert_eq!(from_json, from_csv);
}

#[test]
fn score_out_writes_the_file_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results.json");
    kpichain()
        .args(SCORE)
        .args(["--format", "json", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        written,
        stdout_of(kpichain().args(SCORE).args(["--format", "json"]))
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn a_bad_csv_row_names_file_line_and_column_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let actuals = std::fs::read_to_string(example_dir().join("actuals.csv")).unwrap();
    let mut lines: Vec<String> = actuals.lines().map(str::to_string).collect();
    lines[16] = "E101,sales_amount,\"12,5\"".to_string(); // line 17
    std::fs::write(dir.path().join("actuals.csv"), lines.join("\n") + "\n").unwrap();
    for name in ["plan.json", "assignments.csv", "targets.csv"] {
        std::fs::copy(example_dir().join(name), dir.path().join(name)).unwrap();
    }
    let out = dir.path().join("out.json");
    std::fs::write(&out, "previous results").unwrap();
    let assert = cargo_bin_cmd!("kpichain")
        .current_dir(dir.path())
        .args(SCORE)
        .args(["--format", "csv", "--out", "out.json"])
        .assert()
        .code(1)
        .stdout("");
    let err = stderr_of(assert);
    assert_eq!(
        err,
        "actuals.csv:17: column \"value\": the actual of subject 'E101' for indicator \
         'sales_amount' is invalid: \"12,5\" is not a decimal number \
         (use \".\" as the decimal point and no thousands separators) [invalid_number]\n\
         error: the input files are invalid (1 problem); nothing was scored\n"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous results");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        5,
        "a temporary file was left behind"
    );
}

#[test]
fn inputs_that_do_not_fit_the_plan_are_reported_at_their_csv_line() {
    let dir = tempfile::tempdir().unwrap();
    let actuals = dir.path().join("actuals.csv");
    std::fs::write(
        &actuals,
        "subject,indicator,value\nE101,sales_amount,1\nE101,sales_amount,2\nE999,sales_amount,3\nE101,bogus,4\n",
    )
    .unwrap();
    let assert = kpichain()
        .args([
            "score",
            "plan.json",
            "--assignments",
            "assignments.csv",
            "--actuals",
        ])
        .arg(&actuals)
        .assert()
        .code(1);
    let err = stderr_of(assert);
    let file = actuals.display();
    assert!(
        err.contains(&format!(
            "{file}:3: subject 'E101' has more than one actual"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{file}:4: column \"subject\": subject 'E999' has no assignment"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{file}:5: column \"indicator\": indicator 'bogus'"
        )),
        "{err}"
    );
    assert!(
        err.ends_with("error: the inputs do not fit the plan (3 problems); nothing was scored\n"),
        "{err}"
    );
}

/// The error document `--format json` writes on standard error.
fn json_error(assert: assert_cmd::assert::Assert) -> serde_json::Value {
    let out = assert.code(1).stdout("").get_output().stderr.clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn a_bad_number_has_the_golden_vectors_code_in_csv_and_json_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("tests/vectors/input_bad_number.json")).unwrap();
    let vector: serde_json::Value = serde_json::from_str(&text).unwrap();
    let expected = &vector["expected_input_errors"][0];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.json"), vector["plan"].to_string()).unwrap();
    let inputs = &vector["inputs"];
    std::fs::write(
        dir.path().join("assignments.json"),
        inputs["assignments"].to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("actuals.json"),
        inputs["actuals"].to_string(),
    )
    .unwrap();
    let a = &inputs["actuals"][0];
    let row = format!(
        "subject,indicator,value\n{},{},\"{}\"\n",
        a["subject"].as_str().unwrap(),
        a["indicator"].as_str().unwrap(),
        a["value"].as_str().unwrap()
    );
    std::fs::write(dir.path().join("actuals.csv"), row).unwrap();
    for (actuals, origin) in [
        (
            "actuals.csv",
            serde_json::json!({"source": "actuals.csv", "line": 2, "column": "value"}),
        ),
        (
            "actuals.json",
            serde_json::json!({"source": "actuals.json", "row": 0, "column": "value"}),
        ),
    ] {
        let v = json_error(
            cargo_bin_cmd!("kpichain")
                .current_dir(dir.path())
                .args([
                    "score",
                    "plan.json",
                    "-a",
                    "assignments.json",
                    "-A",
                    actuals,
                ])
                .args(["--format", "json"])
                .assert(),
        );
        assert_eq!(v["error"], "input_invalid", "{v}");
        let issue = &v["issues"][0];
        assert_eq!(issue["code"], expected["code"], "{v}");
        assert_eq!(issue["path"], expected["path"], "{v}");
        assert_eq!(issue["origin"], origin, "{v}");
    }
}

#[test]
fn json_errors_name_the_code_path_and_origin() {
    let v = json_error(
        kpichain()
            .args(["validate", "plan-invalid-weights.json", "--format", "json"])
            .assert(),
    );
    assert_eq!(v["error"], "plan_invalid");
    assert_eq!(
        v["message"],
        "plan-invalid-weights.json is not a valid plan (1 problem)"
    );
    assert_eq!(
        v["issues"][0],
        serde_json::json!({
            "code": "weights_do_not_sum",
            "path": "roles[2].items",
            "loc": ["roles", 2, "items"],
            "message": "the weights of role 'purchasing_manager' (采购经理) sum to 110, not 100",
            "origin": {"source": "plan-invalid-weights.json"},
        })
    );
    let v = json_error(
        kpichain()
            .args(["validate", "no-such-plan.json", "-f", "json"])
            .assert(),
    );
    assert_eq!(v["error"], "io_error");
    assert_eq!(v["issues"][0]["code"], "io_error");
    assert_eq!(v["issues"][0]["origin"]["source"], "no-such-plan.json");
    let ok: serde_json::Value = serde_json::from_str(&stdout_of(kpichain().args([
        "validate",
        "plan.json",
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(ok["id"], "company-a-2022");
}

#[test]
fn an_unknown_subject_in_the_actuals_csv_is_reported_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let actuals = dir.path().join("actuals.csv");
    std::fs::write(
        &actuals,
        "subject,indicator,value\nE101,sales_amount,1\nE999,sales_amount,3\n",
    )
    .unwrap();
    let v = json_error(
        kpichain()
            .args([
                "score",
                "plan.json",
                "-a",
                "assignments.csv",
                "-f",
                "json",
                "-A",
            ])
            .arg(&actuals)
            .assert(),
    );
    assert_eq!(v["error"], "input_invalid");
    let issue = &v["issues"][0];
    assert_eq!(issue["code"], "unknown_subject");
    assert_eq!(issue["path"], "actuals[1].subject");
    assert_eq!(
        issue["origin"],
        serde_json::json!({"source": actuals.display().to_string(), "line": 3, "column": "subject"})
    );
}

#[test]
fn csv_header_problems_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let actuals = dir.path().join("actuals.csv");
    std::fs::write(&actuals, "subject,indicator,vaule\nE101,sales_amount,1\n").unwrap();
    let assert = kpichain()
        .args([
            "score",
            "plan.json",
            "--assignments",
            "assignments.csv",
            "--actuals",
        ])
        .arg(&actuals)
        .assert()
        .code(1);
    let err = stderr_of(assert);
    assert!(
        err.contains(":1: unknown column \"vaule\"; the columns are subject,indicator,value"),
        "{err}"
    );
}

#[test]
fn a_missing_input_file_is_a_user_error() {
    kpichain()
        .args([
            "score",
            "plan.json",
            "--assignments",
            "assignments.csv",
            "--actuals",
            "missing.csv",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "missing.csv: cannot read the file: no such file or directory",
        ));
}

// ---- explain --------------------------------------------------------------------------------

#[test]
fn explain_text_uses_the_plans_chinese_names() {
    let out = stdout_of(kpichain().args(explain("E114")));
    for name in [
        "高鹏",
        "销售代表",
        "销售额",
        "客户复购率",
        "新客户开发数量",
        "流程优化提案采纳加分",
        "卓越",
    ] {
        assert!(out.contains(name), "{name} missing from:\n{out}");
    }
    insta::assert_snapshot!("explain_e114", out);
}

#[test]
fn explain_shows_a_veto() {
    let out = stdout_of(kpichain().args(explain("E105")));
    assert!(out.contains("veto: 重大合规事故一票否决"), "{out}");
    assert!(out.contains("grade: D (不合格)"), "{out}");
}

#[test]
fn explain_json_is_the_core_explanation() {
    let out = stdout_of(kpichain().args(explain("E005")).args(["--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["subject"], "E005");
    assert_eq!(v["role_name"], "运营经理");
    assert_eq!(v["items"].as_array().unwrap().len(), 4);
    assert_eq!(v["items"][0]["indicator_name"], "订单处理时效");
    assert_eq!(v["total"], "93.40");
}

#[test]
fn explain_of_an_unknown_subject_is_a_user_error() {
    kpichain().args(explain("E999")).assert().code(1).stderr(
        "error: --subject: subject 'E999' is not in assignments.csv (27 subjects assigned); \
         check the id [unknown_subject]\n",
    );
}

// ---- diff -----------------------------------------------------------------------------------

fn diff(before: &str, after: &str, format: &str) -> String {
    stdout_of(kpichain().args(["diff", before, after, "--format", format]))
}

#[test]
fn diff_text_of_the_march_change() {
    let out = diff("plan.json", "plan-2022-03.json", "text");
    assert!(
        out.contains("item on_time_supply_rate (供货及时率) weight 50 → 60"),
        "{out}"
    );
    insta::assert_snapshot!("diff_2022_01_to_03", out);
}

#[test]
fn diff_text_of_the_june_change() {
    let out = diff("plan-2022-03.json", "plan-2022-06.json", "text");
    assert!(
        out.contains("item new_customers (新客户开发数量) weight 30 → 40"),
        "{out}"
    );
    insta::assert_snapshot!("diff_2022_03_to_06", out);
}

#[test]
fn diff_json_is_exactly_what_the_core_computes() {
    for (before, after, name) in [
        ("plan.json", "plan-2022-03.json", "diff_2022_01_to_03_json"),
        (
            "plan-2022-03.json",
            "plan-2022-06.json",
            "diff_2022_03_to_06_json",
        ),
    ] {
        let out = diff(before, after, "json");
        let read = |f: &str| {
            kpichain::Plan::from_json(&std::fs::read_to_string(example_dir().join(f)).unwrap())
                .unwrap()
        };
        let core = kpichain::diff::diff_plans(&read(before), &read(after));
        assert_eq!(
            out,
            format!("{}\n", serde_json::to_string_pretty(&core).unwrap())
        );
        insta::assert_snapshot!(name, out);
    }
}

#[test]
fn diff_of_a_plan_with_itself_has_no_changes_and_exits_0() {
    let out = diff("plan.json", "plan.json", "text");
    assert_eq!(out, "company-a-2022 2022.01 → 2022.01: no changes\n");
}

#[test]
fn diff_reads_json_and_toml() {
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("v1.json");
    std::fs::write(
        &before,
        r#"{"id": "p", "version": "1", "indicators": [{"id": "sales", "name": "销售额"}],
            "roles": [{"id": "rep", "name": "销售代表", "items": [{"indicator": "sales",
              "weight": 100, "target": 100, "rule": {"type": "ratio", "cap": 120}}]}],
            "grades": [{"grade": "A", "coefficient": 1}]}"#,
    )
    .unwrap();
    let after = dir.path().join("v2.toml");
    std::fs::write(
        &after,
        "id = \"p\"\nversion = \"2\"\n[[indicators]]\nid = \"sales\"\nname = \"销售额\"\n\
         [[roles]]\nid = \"rep\"\nname = \"销售代表\"\n[[roles.items]]\nindicator = \"sales\"\nweight = \"100\"\n\
         target = \"120.0\"\nrule = { type = \"ratio\", cap = \"120\" }\n[[grades]]\ngrade = \"A\"\ncoefficient = \"1.0\"\n",
    )
    .unwrap();
    let out = stdout_of(kpichain().arg("diff").arg(&before).arg(&after));
    assert_eq!(
        out,
        "p 1 → 2: 1 change\n  roles[0] rep (销售代表): item sales (销售额) target 100 → 120.0\n"
    );
}

#[test]
fn diff_of_an_invalid_plan_reports_it_like_validate() {
    let assert = kpichain()
        .args(["diff", "plan.json", "plan-invalid-weights.json"])
        .assert()
        .code(1)
        .stdout("");
    let err = stderr_of(assert);
    let validate = stderr_of(
        kpichain()
            .args(["validate", "plan-invalid-weights.json"])
            .assert()
            .code(1),
    );
    assert_eq!(err, validate);
    insta::assert_snapshot!("diff_invalid_plan", err);
}

#[test]
fn diff_lists_the_problems_of_both_plans() {
    let err = stderr_of(
        kpichain()
            .args(["diff", "plan-invalid-weights.json", "no-such-plan.json"])
            .assert()
            .code(1)
            .stdout(""),
    );
    assert_eq!(
        err,
        "plan-invalid-weights.json: roles[2].items: the weights of role 'purchasing_manager' \
         (采购经理) sum to 110, not 100 [weights_do_not_sum]\n\
         no-such-plan.json: cannot read the file: no such file or directory [io_error]\n\
         error: plan-invalid-weights.json is not a valid plan (1 problem); \
         no-such-plan.json: cannot read the file: no such file or directory\n"
    );
}

#[test]
fn diff_out_writes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diff.json");
    let out = stdout_of(
        kpichain()
            .args([
                "diff",
                "plan.json",
                "plan-2022-06.json",
                "-f",
                "json",
                "--out",
            ])
            .arg(&path),
    );
    assert_eq!(out, "");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["to"]["version"], "2022.06");
    assert_eq!(v["changes"].as_array().unwrap().len(), 8);
}

#[test]
fn diff_help_documents_the_exit_code_for_changes() {
    let out = stdout_of(kpichain().args(["diff", "--help"]));
    assert!(
        out.contains("0  both plans are valid, whether or not they differ"),
        "{out}"
    );
}

// ---- usage ----------------------------------------------------------------------------------

#[test]
fn usage_errors_exit_with_2() {
    kpichain().arg("score").assert().code(2);
    kpichain().arg("frobnicate").assert().code(2);
    kpichain()
        .args(SCORE)
        .args(["--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn help_documents_the_exit_codes() {
    let out = stdout_of(kpichain().arg("--help"));
    assert!(out.contains("Exit codes:"), "{out}");
    assert!(out.contains("3  internal failure"), "{out}");
    let out = stdout_of(kpichain().args(["score", "--help"]));
    assert!(
        out.contains("Exit codes:") && out.contains("--targets"),
        "{out}"
    );
}

#[test]
fn an_unwritable_out_path_is_a_user_error() {
    kpichain()
        .args(SCORE)
        .args(["--out", "no-such-folder/results.txt"])
        .assert()
        .code(1)
        .stderr(
            "error: no-such-folder/results.txt: cannot write the file: no such file or directory \
             [io_error]\n",
        );
}

#[cfg(target_os = "linux")]
#[test]
fn a_failing_standard_output_is_an_internal_failure() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin!("kpichain"))
        .arg("schema")
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("internal error: standard output could not be written")
    );
}

// ---- records, units, variants, versions -----------------------------------------------------

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `kpichain score` on the records fixtures, as JSON.
fn score_records(plan: &str, orders: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    let mut cmd = cargo_bin_cmd!("kpichain");
    cmd.current_dir(fixtures()).args([
        "score",
        plan,
        "--assignments",
        "assignments.csv",
        "--actuals",
        "actuals.csv",
        "--units",
        "units.csv",
        "--records",
        &format!("orders={orders}"),
        "--period",
        "2022-03",
    ]);
    cmd.args(extra);
    cmd.assert()
}

fn totals(json: &str) -> Vec<(String, String, Option<String>)> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["subject"].as_str().unwrap().to_string(),
                r["total"].as_str().unwrap().to_string(),
                r["variant"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn score_derives_actuals_from_csv_and_jsonl_records_with_units_and_variants() {
    let want = vec![
        ("R1".to_string(), "90.50".to_string(), None),
        (
            "R2".to_string(),
            "86.00".to_string(),
            Some("north".to_string()),
        ),
        ("D1".to_string(), "88.93".to_string(), None),
    ];
    for orders in ["orders.csv", "orders.jsonl"] {
        let out = score_records("records-plan.json", orders, &["--format", "json"]).success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert_eq!(totals(&text), want, "{orders}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        // The director is measured on the sales unit: derived sales, rolled-up satisfaction.
        assert_eq!(v["results"][2]["items"][0]["actual"], "170.5");
        assert_eq!(v["results"][2]["items"][1]["actual"], "85");
        assert_eq!(v["results"][2]["sources"][0]["id"], "SALES");
        // The region comes from the unit tree.
        assert_eq!(v["results"][1]["region"], "north");
        assert_eq!(v["derivation"]["record_sets"][0]["bad_records"], 0);
    }
}

#[test]
fn score_table_names_the_variant_and_the_records_read() {
    let out = score_records("records-plan.json", "orders.csv", &[]).success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("销售代表 (north)"), "{text}");
    assert!(
        text.contains("records read (2022-03, time zone +08:00): orders 5"),
        "{text}"
    );
}

#[test]
fn bad_records_stop_the_run_with_file_and_line() {
    let err = stderr_of(score_records("records-plan.json", "orders-bad.csv", &[]).code(1));
    assert!(
        err.contains("orders-bad.csv:3: field 'amount': \"12,5\" is not a decimal number"),
        "{err}"
    );
    assert!(
        err.contains("orders-bad.csv:4: field 'confirmed_at'"),
        "{err}"
    );
    assert!(err.contains("nothing was scored"), "{err}");
}

#[test]
fn bad_records_are_skipped_and_counted_when_the_plan_says_so() {
    let out = score_records("records-plan-skip.json", "orders-bad.csv", &[]).success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("orders 1, 2 bad records skipped"), "{text}");
    let out = score_records(
        "records-plan-skip.json",
        "orders-bad.csv",
        &["--format", "json"],
    )
    .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let bad = v["derivation"]["bad_records"].as_array().unwrap();
    assert_eq!(bad.len(), 2);
    assert_eq!(bad[0]["source"], "orders-bad.csv:3");
}

#[test]
fn an_undeclared_record_set_is_a_user_error() {
    let mut cmd = cargo_bin_cmd!("kpichain");
    cmd.current_dir(fixtures()).args([
        "score",
        "records-plan.json",
        "-a",
        "assignments.csv",
        "-r",
        "visits=orders.csv",
        "--period",
        "2022-03",
    ]);
    let err = stderr_of(cmd.assert().code(1));
    assert!(
        err.contains("the plan declares no record set 'visits' (it declares: orders)"),
        "{err}"
    );
}

#[test]
fn actuals_with_a_period_column_need_the_period() {
    let mut cmd = cargo_bin_cmd!("kpichain");
    cmd.current_dir(fixtures()).args([
        "score",
        "records-plan.json",
        "-a",
        "assignments.csv",
        "-A",
        "actuals.csv",
        "-u",
        "units.csv",
        "-r",
        "orders=orders.csv",
    ]);
    let err = stderr_of(cmd.assert().code(1));
    assert!(
        err.contains("the rows name their period; give --period"),
        "{err}"
    );
}

#[test]
fn a_versions_document_picks_the_version_in_force_and_diffs_each_change() {
    let mut cmd = kpichain();
    cmd.args([
        "score",
        "versions-by-file.json",
        "-a",
        "assignments.csv",
        "-A",
        "actuals.csv",
        "--period",
        "2022-03",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&mut cmd)).unwrap();
    assert_eq!(v["plan_version"], "2022.03");
    assert_eq!(v["versions"][0]["from"], "2022-03-01");
    let e004 = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["subject"] == "E004")
        .unwrap();
    assert_eq!(e004["items"][0]["weight"], "60");

    let text = stdout_of(kpichain().args(["diff", "versions-by-file.json"]));
    assert!(
        text.contains("item on_time_supply_rate (供货及时率) weight 50 → 60"),
        "{text}"
    );
    assert!(
        text.contains("item new_customers (新客户开发数量) weight 30 → 40"),
        "{text}"
    );
    let text = stdout_of(kpichain().args(["validate", "versions-by-file.json"]));
    assert!(text.contains("with 3 versions (period_start)"), "{text}");
    assert!(text.contains("from 2022-06-01: version 2022.06"), "{text}");

    let err = stderr_of(
        kpichain()
            .args([
                "score",
                "versions-by-file.json",
                "-a",
                "assignments.csv",
                "-A",
                "actuals.csv",
                "--period",
                "2021-12",
            ])
            .assert()
            .code(1),
    );
    assert!(
        err.contains("no version of plan 'company-a-2022' is in force on 2021-12-01"),
        "{err}"
    );
}

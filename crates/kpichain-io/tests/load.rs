//! Loading plans and versions documents from files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::path::Path;

use kpichain_io::LoadError;
use kpichain_io::records::{RecordFormat, read_records};

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
coefficient = 1
"#;

fn json_plan(version: &str) -> String {
    format!(
        r#"{{"id": "p", "version": "{version}", "indicators": [{{"id": "a", "name": "A"}}],
          "roles": [{{"id": "r", "name": "R", "items": [{{"indicator": "a", "weight": 100,
            "target": 1, "rule": {{"type": "ratio"}}}}]}}],
          "grades": [{{"grade": "A", "coefficient": 1}}]}}"#
    )
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sales-company")
}

#[test]
fn a_plan_file_by_its_extension() {
    let dir = tempfile::tempdir().unwrap();
    let toml = write(dir.path(), "plan.toml", TOML_PLAN);
    let scheme = kpichain_io::load(&toml).unwrap();
    assert_eq!(scheme.as_plan().unwrap().plan().version, "t");
    // The extension decides: TOML text in a .json file is a JSON error.
    let wrong = write(dir.path(), "plan.json", TOML_PLAN);
    match kpichain_io::load(&wrong).unwrap_err() {
        LoadError::Plan(e) => assert_eq!(e.issues[0].code, "parse_error"),
        other => panic!("{other}"),
    }
    // Without a known extension the text decides.
    let other = write(dir.path(), "plan.txt", TOML_PLAN);
    assert!(kpichain_io::load(&other).unwrap().as_plan().is_some());
    let json = write(dir.path(), "PLAN.JSON", &json_plan("j"));
    assert_eq!(kpichain_io::read_plan(&json).unwrap().version, "j");
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let plain = write(dir.path(), "plain.json", &json_plan("1"));
    let bom = write(
        dir.path(),
        "bom.json",
        &format!("\u{feff}{}", json_plan("1")),
    );
    let toml = write(dir.path(), "bom.toml", &format!("\u{feff}{TOML_PLAN}"));
    assert_eq!(
        kpichain_io::load(&plain).unwrap().fingerprint(),
        kpichain_io::load(&bom).unwrap().fingerprint()
    );
    assert!(kpichain_io::load(&toml).is_ok());
    assert_eq!(kpichain_io::read_text(&bom).unwrap(), json_plan("1"));
}

#[test]
fn a_versions_file_reads_plan_files_relative_to_itself() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "docs/plans/one.toml", TOML_PLAN);
    write(
        dir.path(),
        "docs/plans/two.json",
        &format!("\u{feff}{}", json_plan("2")),
    );
    let doc = write(
        dir.path(),
        "docs/versions.json",
        r#"{"id": "p", "versions": [
          {"effective_from": "2022-01-01", "plan": "plans/one.toml"},
          {"effective_from": "2022-03-01", "plan": "plans/two.json"}]}"#,
    );
    let scheme = kpichain_io::load(&doc).unwrap();
    let versions = scheme.as_versions().unwrap();
    let labels: Vec<(String, String)> = versions
        .versions()
        .map(|(day, p)| (day, p.plan().version.clone()))
        .collect();
    assert_eq!(
        labels,
        vec![
            ("2022-01-01".to_string(), "t".to_string()),
            ("2022-03-01".to_string(), "2".to_string())
        ]
    );
    // The example document loads the same way.
    let example = kpichain_io::load(examples().join("versions-by-file.json")).unwrap();
    assert_eq!(example.as_versions().unwrap().versions().count(), 3);
}

#[test]
fn a_missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-plan.json");
    let e = kpichain_io::load(&missing).unwrap_err();
    match &e {
        LoadError::Io { path, kind, reason } => {
            assert_eq!(path, &missing);
            assert_eq!(*kind, std::io::ErrorKind::NotFound);
            assert_eq!(reason, "no such file or directory");
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        e.to_string(),
        format!(
            "cannot read {}: no such file or directory",
            missing.display()
        )
    );
}

#[test]
fn the_first_unreadable_plan_file_of_a_versions_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "one.json", &json_plan("1"));
    let doc = write(
        dir.path(),
        "versions.json",
        r#"{"id": "p", "versions": [
          {"effective_from": "2022-01-01", "plan": "one.json"},
          {"effective_from": "2022-03-01", "plan": "plans/missing.json"},
          {"effective_from": "2022-06-01", "plan": "plans/also-missing.json"}]}"#,
    );
    let e = kpichain_io::load(&doc).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "cannot read {}: no such file or directory",
            dir.path().join("plans/missing.json").display()
        )
    );
}

#[test]
fn a_file_that_is_not_utf8_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, b"{\"id\": \"\xff\"}").unwrap();
    match kpichain_io::load(&path).unwrap_err() {
        LoadError::Io { kind, reason, .. } => {
            assert_eq!(kind, std::io::ErrorKind::InvalidData);
            assert_eq!(reason, "the file is not UTF-8 text");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn plan_problems_in_a_plan_file_of_a_versions_file_name_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.json", r#"{"id": "p"}"#);
    let doc = write(
        dir.path(),
        "versions.json",
        r#"{"id": "p", "versions": [{"effective_from": "2022-01-01", "plan": "bad.json"}]}"#,
    );
    match kpichain_io::load(&doc).unwrap_err() {
        LoadError::Plan(e) => {
            assert!(
                e.issues[0].path.to_string().starts_with("versions[0].plan"),
                "{e}"
            );
            assert!(e.issues[0].message.starts_with("bad.json: "), "{e}");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn text_is_a_plan_or_a_versions_document() {
    let plan = kpichain_io::from_text(TOML_PLAN, None, None).unwrap();
    assert!(plan.as_plan().is_some());
    let doc = format!(
        r#"{{"id": "p", "versions": [{{"effective_from": "2022-01-01", "plan": {}}}]}}"#,
        json_plan("1")
    );
    let versions = kpichain_io::from_text(&doc, None, None).unwrap();
    assert!(versions.as_versions().is_some());
    assert!(kpichain_io::is_text(&doc));
    assert!(kpichain_io::is_text(TOML_PLAN));
    assert!(kpichain_io::is_text("\u{feff} {}"));
    assert!(!kpichain_io::is_text("plans/plan.toml"));
}

const RECORDS_PLAN: &str = r#"{
  "id": "p", "version": "1", "time_zone": "+08:00", "missing_data": "zero",
  "records": [{"name": "orders", "fields": [
    {"name": "rep", "kind": "text"}, {"name": "amount", "kind": "decimal"},
    {"name": "at", "kind": "timestamp"}]}],
  "indicators": [
    {"id": "sales", "name": "sales", "measure": {"records": "orders", "subject": "rep",
      "time": "at", "value": {"type": "sum", "field": "amount"}}}],
  "roles": [{"id": "rep", "name": "rep", "items": [
    {"indicator": "sales", "weight": 100, "target": 100, "rule": {"type": "ratio", "cap": 1000000}}]}],
  "grades": [{"grade": "A", "coefficient": 1}]
}"#;

#[test]
fn record_files_csv_and_json_lines() {
    let scheme = kpichain_io::from_text(RECORDS_PLAN, None, None).unwrap();
    let plan = scheme.as_plan().unwrap();

    let mut builder = plan.record_builder("orders").unwrap();
    let csv =
        b"\xEF\xBB\xBFrep,amount,at\nE1,10.5,2022-01-03T10:00:00\nE1,4.5,2022-01-04T10:00:00\n";
    assert!(read_records("o.csv", RecordFormat::Csv, csv, &mut builder).is_empty());
    let mut sets = kpichain::measure::RecordSets::new();
    sets.insert(builder.finish()).unwrap();
    let inputs = kpichain::Inputs::from_json(
        r#"{"period": "2022-01", "assignments": [{"subject": "E1", "role": "rep"}]}"#,
    )
    .unwrap();
    let evaluation = scheme.evaluate_records(&inputs, &sets).unwrap();
    assert_eq!(
        evaluation.results[0].items[0].actual.unwrap().to_string(),
        "15.0"
    );

    let mut builder = plan.record_builder("orders").unwrap();
    let problems = read_records(
        "x.csv",
        RecordFormat::Csv,
        b"rep,at\nE1,2022-01-03T10:00:00\n",
        &mut builder,
    );
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        vec![
            "x.csv:1: the header has no column \"amount\"; the record set needs rep,amount,at \
             [missing_column]"
                .to_string()
        ]
    );
    let jsonl =
        b"{\"rep\": \"E1\", \"amount\": 1, \"at\": \"2022-01-03T10:00:00\"}\n[1]\n\nnot json\n";
    let problems = read_records("x.jsonl", RecordFormat::JsonLines, jsonl, &mut builder);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(
        problems[0].to_string(),
        "x.jsonl:2: each line must be a JSON object [invalid_row]"
    );
    assert_eq!(
        problems[1].origin,
        Some(kpichain::Origin::line("x.jsonl", 4))
    );
    assert!(
        problems[1]
            .to_string()
            .starts_with("x.jsonl:4: not a JSON object"),
        "{problems:?}"
    );
    assert_eq!(RecordFormat::of_path("a/b.NDJSON"), RecordFormat::JsonLines);
    assert_eq!(RecordFormat::of_path("a/b.json"), RecordFormat::JsonLines);
    assert_eq!(RecordFormat::of_path("a/b.csv"), RecordFormat::Csv);
}

#[test]
fn load_versions_reads_only_versions_documents() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "one.toml", TOML_PLAN);
    let doc = write(
        dir.path(),
        "versions.json",
        r#"{"id": "p", "versions": [{"effective_from": "2022-01-01", "plan": "one.toml"}]}"#,
    );
    let versions = kpichain_io::load_versions(&doc).unwrap();
    assert_eq!(versions.latest().plan().version, "t");
    let plan = write(dir.path(), "plan.json", &json_plan("1"));
    match kpichain_io::load_versions(&plan).unwrap_err() {
        LoadError::Plan(e) => assert_eq!(e.issues[0].code, "unknown_field"),
        other => panic!("{other}"),
    }
}

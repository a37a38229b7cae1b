//! Every golden vector must pass, and there must be enough of them.
#![allow(clippy::unwrap_used, clippy::panic)]

use kpichain_conformance::{run_vector, vectors_dir};

#[test]
fn all_golden_vectors_pass() {
    let mut files: Vec<_> = std::fs::read_dir(vectors_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "only {} vectors found", files.len());
    let invalid = files
        .iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("invalid_")
        })
        .count();
    assert!(invalid >= 15, "only {invalid} invalid-plan vectors");
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
        "{} of {} vectors failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

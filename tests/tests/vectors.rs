//! Every golden vector must pass, and there must be enough of them.

use kpichain_conformance::{output_of, run_vector, vectors_dir};

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

/// Every vector's whole outcome is the committed `vectors/outputs/<name>.json`, byte for byte.
/// `make test` runs this with and without the `reference-arithmetic` feature, so the fast path
/// and the plain `Decimal` path give the same bytes. After a deliberate change to results,
/// refresh with `KPICHAIN_BLESS=1 cargo test -p kpichain-conformance --test vectors` and review
/// the diff.
#[test]
fn every_vector_gives_its_committed_output_byte_for_byte() {
    let outputs = vectors_dir().join("outputs");
    let bless = std::env::var_os("KPICHAIN_BLESS").is_some();
    let mut files: Vec<_> = std::fs::read_dir(vectors_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut differ = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap();
        let got = output_of(path).unwrap();
        let committed = outputs.join(name);
        if bless {
            std::fs::create_dir_all(&outputs).unwrap();
            std::fs::write(&committed, &got).unwrap();
        } else if std::fs::read(&committed).ok().as_deref() != Some(got.as_bytes()) {
            differ.push(name.to_string_lossy().into_owned());
        }
    }
    let stale: Vec<_> = std::fs::read_dir(&outputs)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| !files.iter().any(|p| p.file_name() == Some(n.as_os_str())))
        .collect();
    assert!(stale.is_empty(), "outputs without a vector: {stale:?}");
    assert!(
        differ.is_empty(),
        "{} of {} vectors differ from vectors/outputs/ (arithmetic: {}):\n{}\n\
         after a deliberate change: KPICHAIN_BLESS=1 cargo test -p kpichain-conformance --test vectors",
        differ.len(),
        files.len(),
        if cfg!(feature = "reference-arithmetic") {
            "reference"
        } else {
            "fast"
        },
        differ.join("\n")
    );
}

//! Reading raw business records (`--records NAME=FILE`) into the record sets the plan
//! declares: CSV with a header row, or JSON lines (one object per line). Every record keeps
//! its `file:line` so that a bad one is reported where it is.

use crate::error::Failure;
use crate::progress::Progress;
use kpichain::CompiledPlan;
use kpichain::measure::RecordSets;
use std::path::Path;

/// Files at least this large show a progress bar on a terminal.
const PROGRESS_BYTES: u64 = 8 * 1024 * 1024;

/// Splits `orders=path/orders.csv`.
pub fn parse_spec(spec: &str) -> Result<(String, String), String> {
    match spec.split_once('=') {
        Some((name, file)) if !name.trim().is_empty() && !file.trim().is_empty() => {
            Ok((name.trim().to_string(), file.trim().to_string()))
        }
        _ => Err(format!(
            "'{spec}' is not NAME=FILE, e.g. orders=records/orders.csv"
        )),
    }
}

/// Reads every `--records` file with the plan's declared fields. All problems of all files
/// are listed at once (bad records themselves are judged later by the plan's policy).
pub fn load(
    plan: &CompiledPlan,
    specs: &[String],
    progress: &Progress,
) -> Result<RecordSets, Failure> {
    let mut problems = Vec::new();
    let mut sets = RecordSets::new();
    for spec in specs {
        let (name, file) = match parse_spec(spec) {
            Ok(x) => x,
            Err(e) => {
                problems.push(format!("--records {e}"));
                continue;
            }
        };
        let Some(mut builder) = plan.record_builder(&name) else {
            let declared: Vec<&str> = plan
                .plan()
                .records
                .iter()
                .map(|r| r.name.as_str())
                .collect();
            problems.push(format!(
                "--records {name}={file}: the plan declares no record set '{name}' (it declares: {})",
                if declared.is_empty() { "none".to_string() } else { declared.join(", ") }
            ));
            continue;
        };
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!(
                    "{file}: cannot read the file: {}",
                    crate::io_reason(&e)
                ));
                continue;
            }
        };
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let declared = builder.schema().fields();
        let fields: Vec<String> = declared.iter().map(|f| f.name.clone()).collect();
        let optional: Vec<bool> = declared.iter().map(|f| f.optional).collect();
        let bar = progress.bytes(bytes.len() as u64, PROGRESS_BYTES, &file);
        let jsonl = matches!(
            Path::new(&file)
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("jsonl" | "ndjson" | "json")
        );
        let before = problems.len();
        if jsonl {
            read_jsonl(&file, bytes, &mut builder, &mut problems);
        } else {
            read_csv(
                &file,
                bytes,
                &fields,
                &optional,
                &mut builder,
                &mut problems,
            );
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        if problems.len() == before {
            if let Err(e) = sets.insert(builder.finish()) {
                problems.extend(e.issues.iter().map(|i| format!("{file}: {}", i.message)));
            }
        }
    }
    if problems.is_empty() {
        Ok(sets)
    } else {
        let n = problems.len();
        Err(Failure::problems(
            problems,
            format!(
                "the record files cannot be read ({}); nothing was scored",
                crate::error::count(n, "problem")
            ),
        ))
    }
}

fn read_csv(
    file: &str,
    bytes: &[u8],
    fields: &[String],
    optional: &[bool],
    builder: &mut kpichain::measure::RecordSetBuilder,
    problems: &mut Vec<String>,
) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_string()).collect(),
        Err(e) => {
            problems.push(format!("{file}: {e}"));
            return;
        }
    };
    // Where each declared field is in the file; an optional field may be absent.
    let mut at: Vec<Option<usize>> = Vec::with_capacity(fields.len());
    for (f, opt) in fields.iter().zip(optional) {
        let found = headers.iter().position(|h| h == f);
        if found.is_none() && !opt {
            problems.push(format!(
                "{file}:1: the header has no column \"{f}\"; the record set needs {}",
                fields.join(",")
            ));
        }
        at.push(found);
    }
    if at.iter().zip(optional).any(|(a, o)| a.is_none() && !o) {
        return;
    }
    let mut record = csv::StringRecord::new();
    let mut label = String::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, csv::Position::line);
                let cells: Vec<&str> = at
                    .iter()
                    .map(|a| a.and_then(|i| record.get(i)).unwrap_or(""))
                    .collect();
                label.clear();
                label.push_str(file);
                label.push(':');
                label.push_str(&line.to_string());
                builder.push_row(&cells, Some(&label));
            }
            Err(e) => {
                let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                problems.push(format!("{file}: {e}"));
                if fatal {
                    break;
                }
            }
        }
    }
}

fn read_jsonl(
    file: &str,
    bytes: &[u8],
    builder: &mut kpichain::measure::RecordSetBuilder,
    problems: &mut Vec<String>,
) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        problems.push(format!("{file}: the file is not UTF-8 text"));
        return;
    };
    for (n, line) in text.lines().enumerate() {
        let line_no = n.saturating_add(1);
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{file}:{line_no}: not a JSON object: {e}"));
                continue;
            }
        };
        let Some(obj) = value.as_object() else {
            problems.push(format!("{file}:{line_no}: each line must be a JSON object"));
            continue;
        };
        builder.push_json(obj, Some(&format!("{file}:{line_no}")));
    }
}

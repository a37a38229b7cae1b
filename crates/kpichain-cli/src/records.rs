//! Reading raw business records (`--records NAME=FILE`) into the record sets the plan
//! declares; the files themselves (CSV or JSON lines) are read by `kpichain_io::records`.

use crate::error::{Failure, file as whole};
use crate::progress::Progress;
use kpichain::CompiledPlan;
use kpichain::measure::RecordSets;
use kpichain::{Code, Issue, Origin, Path};
use kpichain_io::records::{RecordFormat, read_records};

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
    let issue = |code, origin: Origin, message: String| {
        Issue::new(code, Path::root(), message).with_origin(Some(origin))
    };
    let mut sets = RecordSets::new();
    for spec in specs {
        let (name, file) = match parse_spec(spec) {
            Ok(x) => x,
            Err(e) => {
                problems.push(issue(Code::ParseError, whole("--records"), e));
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
            let declared = if declared.is_empty() {
                "none".to_string()
            } else {
                declared.join(", ")
            };
            problems.push(issue(
                Code::UnknownRecordSet,
                whole(format!("--records {name}={file}")),
                format!("the plan declares no record set '{name}' (it declares: {declared})"),
            ));
            continue;
        };
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                let reason = kpichain_io::reason(&e);
                let message = format!("cannot read the file: {reason}");
                problems.push(issue(Code::IoError, whole(&file), message));
                continue;
            }
        };
        let bar = progress.bytes(bytes.len() as u64, PROGRESS_BYTES, &file);
        let format = RecordFormat::of_path(&file);
        let found = read_records(&file, format, &bytes, &mut builder);
        let clean = found.is_empty();
        problems.extend(found);
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        if clean {
            if let Err(e) = sets.insert(builder.finish()) {
                let origin = Some(whole(&file));
                problems.extend(e.issues.into_iter().map(|i| i.with_origin(origin.clone())));
            }
        }
    }
    if problems.is_empty() {
        Ok(sets)
    } else {
        let n = problems.len();
        Err(Failure::inputs(
            problems,
            format!(
                "the record files cannot be read ({}); nothing was scored",
                crate::error::count(n, "problem")
            ),
        ))
    }
}

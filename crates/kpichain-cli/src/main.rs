//! `kpichain`: the command line of the kpichain scoring engine. It holds no scoring logic:
//! it reads files, hands them to the core and renders what comes back.

#![forbid(unsafe_code)]

/// mimalloc: many small, short-lived result allocations per batch, and memory kept for the
/// next batch instead of being handed back to the system and faulted in again.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod error;
mod inputs;
mod output;
mod progress;
mod records;
mod render;

use clap::Parser;
use cli::{
    Cli, Command, DiffFormat, ExplainFormat, InputArgs, SchemaKind, ScoreFormat, ValidateFormat,
};
use error::{Failure, count};
use kpichain::{Code, CompiledPlan, ErrorKind, Evaluation, Issue, Scheme};
use progress::Progress;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Subjects from which the evaluation step shows a spinner.
const PROGRESS_SUBJECTS: usize = 50_000;

fn main() -> ExitCode {
    // Usage errors exit with 2 (and `--help`/`--version` with 0) inside `parse`.
    let cli = Cli::parse();
    // A panic is a bug: report it as an internal failure (exit 3), never as a crash.
    std::panic::set_hook(Box::new(|info| {
        let _ = writeln!(std::io::stderr(), "internal error: {info}");
    }));
    match std::panic::catch_unwind(|| run(&cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(failure)) => {
            let text = if cli.command.json_errors() {
                failure.render_json()
            } else {
                failure.render()
            };
            let _ = std::io::stderr().write_all(text.as_bytes());
            ExitCode::from(failure.exit_code())
        }
        Err(_) => ExitCode::from(error::EXIT_INTERNAL),
    }
}

fn run(cli: &Cli) -> Result<(), Failure> {
    let progress = Progress::new(cli.quiet);
    match &cli.command {
        Command::Validate { plan, format } => validate(plan, *format),
        Command::Schema { which } => {
            let text = match which {
                SchemaKind::Plan => kpichain::plan_schema(),
                SchemaKind::Inputs => kpichain::inputs_schema(),
                SchemaKind::Results => kpichain::result_schema(),
                SchemaKind::Diff => kpichain::diff_schema(),
                SchemaKind::Versions => kpichain::versions_schema(),
                SchemaKind::Error => kpichain::error_schema(),
            };
            output::write(&text, None)
        }
        Command::Score {
            inputs,
            format,
            out,
        } => {
            let (scheme, eval) = evaluate(inputs, &progress)?;
            let text = match format {
                ScoreFormat::Table => render::table(&scheme, &eval),
                ScoreFormat::Json => render::json(&eval)?,
                ScoreFormat::Csv => render::csv(scheme.plan_for_names(&eval), &eval)?,
            };
            output::write(&text, out.as_deref())
        }
        Command::Explain {
            inputs,
            subject,
            format,
            out,
        } => {
            let (scheme, eval) = evaluate(inputs, &progress)?;
            let Some(result) = eval.results.iter().find(|r| *r.subject == **subject) else {
                let message = format!(
                    "subject '{subject}' is not in {} ({} assigned); check the id",
                    inputs.assignments.display(),
                    count(eval.results.len(), "subject")
                );
                let issue = Issue::new(Code::UnknownSubject, kpichain::Path::root(), message)
                    .with_origin(Some(error::file("--subject")));
                return Err(Failure::one(ErrorKind::InputInvalid, issue));
            };
            let explanation = scheme.explain(&eval, result);
            let text = match format {
                ExplainFormat::Text => explanation.to_string(),
                ExplainFormat::Json => render::json(&explanation)?,
            };
            output::write(&text, out.as_deref())
        }
        Command::Diff {
            before,
            after,
            format,
            out,
        } => {
            let diffs = match after {
                Some(after) => {
                    let (before, after) = compile_both(before, after)?;
                    vec![kpichain::diff::diff_plans(before.plan(), after.plan())]
                }
                None => match load_scheme(before)? {
                    scheme if scheme.as_versions().is_some() => scheme
                        .plans()
                        .windows(2)
                        .filter_map(|w| match w {
                            [a, b] => Some(kpichain::diff::diff_plans(a.plan(), b.plan())),
                            _ => None,
                        })
                        .collect(),
                    _ => {
                        return Err(Failure::usage(format!(
                            "{} is a single plan; give a second plan to compare it with, or a document of versions",
                            before.display()
                        )));
                    }
                },
            };
            let text = match format {
                DiffFormat::Text => diffs
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
                DiffFormat::Json if after.is_some() => match diffs.first() {
                    Some(d) => render::json(d)?,
                    None => render::json(&diffs)?,
                },
                DiffFormat::Json => render::json(&diffs)?,
            };
            output::write(&text, out.as_deref())
        }
    }
}

fn plan_failure(file: &str, e: kpichain::PlanError) -> Failure {
    let summary = format!(
        "{file} is not a valid plan ({})",
        count(e.issues.len(), "problem")
    );
    let at = |i: Issue| i.with_origin(Some(error::file(file)));
    Failure::many(
        ErrorKind::PlanInvalid,
        e.issues.into_iter().map(at).collect(),
        summary,
    )
}

fn load_failure(path: &Path, e: kpichain_io::LoadError) -> Failure {
    match e {
        kpichain_io::LoadError::Plan(e) => plan_failure(&path.display().to_string(), e),
        kpichain_io::LoadError::Io { path, reason, .. } => Failure::io(
            error::file(path.display()),
            format!("cannot read the file: {reason}"),
        ),
        other => Failure::io(error::file(path.display()), other.to_string()),
    }
}

/// Reads and compiles a single plan (not a document of versions).
fn compile(path: &Path) -> Result<CompiledPlan, Failure> {
    let plan = kpichain_io::read_plan(path).map_err(|e| load_failure(path, e))?;
    CompiledPlan::compile(plan).map_err(|e| plan_failure(&path.display().to_string(), e))
}

/// Compiles two plans, listing the problems of both before failing.
fn compile_both(before: &Path, after: &Path) -> Result<(CompiledPlan, CompiledPlan), Failure> {
    match (compile(before), compile(after)) {
        (Ok(b), Ok(a)) => Ok((b, a)),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
        (Err(first), Err(second)) => Err(first.and(second, |a, b| format!("{a}; {b}"))),
    }
}

/// Reads a plan, or a document of versions whose versions' `plan` may be the path of a plan
/// file relative to the document.
fn load_scheme(path: &Path) -> Result<Scheme, Failure> {
    kpichain_io::load(path).map_err(|e| load_failure(path, e))
}

fn validate(path: &Path, format: ValidateFormat) -> Result<(), Failure> {
    let scheme = load_scheme(path)?;
    if format == ValidateFormat::Json {
        return output::write(&render::json(&validated(&scheme))?, None);
    }
    let sizes = |p: &CompiledPlan| {
        let (roles, indicators) = (p.plan().roles.len(), p.plan().indicators.len());
        let (roles, indicators) = (count(roles, "role"), count(indicators, "indicator"));
        format!("{roles}, {indicators}), fingerprint {}\n", p.fingerprint())
    };
    let text = match scheme.as_versions() {
        Some(v) => {
            let doc = v.document();
            let (n, span) = (count(doc.versions.len(), "version"), doc.span.as_str());
            let mut text = format!(
                "ok: plan {} with {n} ({span}), fingerprint {}\n",
                doc.id,
                v.fingerprint()
            );
            for (from, p) in v.versions() {
                text.push_str(&format!(
                    "  from {from}: version {} ({}",
                    p.plan().version,
                    sizes(p)
                ));
            }
            text
        }
        None => scheme
            .plans()
            .iter()
            .map(|p| {
                format!(
                    "ok: plan {} version {} ({}",
                    p.plan().id,
                    p.plan().version,
                    sizes(p)
                )
            })
            .collect(),
    };
    output::write(&text, None)
}

/// What `validate --format json` prints: the id, version and fingerprint of the plan, or of
/// each version (with the date it is in force from) and the document's fingerprint.
fn validated(scheme: &Scheme) -> serde_json::Value {
    let plan = |p: &CompiledPlan| {
        let plan = p.plan();
        serde_json::json!({"id": plan.id, "version": plan.version, "fingerprint": p.fingerprint()})
    };
    match scheme.as_versions() {
        Some(v) => serde_json::json!({
            "id": v.document().id,
            "fingerprint": v.fingerprint(),
            "versions": v.versions().map(|(from, p)| (from.to_string(), plan(p)))
                .collect::<std::collections::BTreeMap<_, _>>(),
        }),
        None => serde_json::json!(scheme.plans().first().map(|p| plan(p))),
    }
}

/// Compiles the plan, reads the inputs and evaluates; every problem names its file and line.
fn evaluate(args: &InputArgs, progress: &Progress) -> Result<(Scheme, Evaluation), Failure> {
    let plan_file = args.plan.display().to_string();
    // Check the plan and all input files before failing, so every problem is listed at once.
    let (compiled, intake) = match (load_scheme(&args.plan), inputs::load(args, progress)) {
        (Ok(c), Ok(l)) => (c, l),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => return Err(e),
        (Err(plan), Err(inputs)) => {
            return Err(plan.and(inputs, |a, _| {
                format!("{a}, and the input files are invalid; nothing was scored")
            }));
        }
    };
    let spinner = progress.spinner(
        intake.inputs().assignments.len(),
        PROGRESS_SUBJECTS,
        "scoring",
    );
    let records = if args.records.is_empty() {
        kpichain::measure::RecordSets::new()
    } else {
        match compiled.plan_for(args.period.as_deref()) {
            Ok(plan) => records::load(plan, &args.records, progress)?,
            // No version for the period: the evaluation reports why, as without records.
            Err(_) => kpichain::measure::RecordSets::new(),
        }
    };
    let result = compiled.evaluate_records(intake.inputs(), &records);
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    match result {
        Ok(eval) => Ok((compiled, eval)),
        Err(e) => {
            let e = intake.relocate(e);
            let n = e.issues.len();
            let issues = e
                .issues
                .into_iter()
                .map(|i| inputs::place(i, &plan_file))
                .collect();
            let summary = format!(
                "the inputs do not fit the plan ({}); nothing was scored",
                count(n, "problem")
            );
            Err(Failure::many(ErrorKind::InputInvalid, issues, summary))
        }
    }
}

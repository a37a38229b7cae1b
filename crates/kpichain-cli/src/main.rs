//! `kpichain`: the command line of the kpichain scoring engine. It holds no scoring logic:
//! it reads files, hands them to the core and renders what comes back.

mod cli;
mod error;
mod inputs;
mod number;
mod output;
mod progress;
mod render;

use clap::Parser;
use cli::{Cli, Command, DiffFormat, ExplainFormat, InputArgs, SchemaKind, ScoreFormat};
use error::{Failure, count};
use inputs::{Loaded, plan_issue};
use kpichain::{CompiledPlan, Evaluation, Plan};
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
            let _ = std::io::stderr().write_all(failure.render().as_bytes());
            ExitCode::from(failure.exit_code())
        }
        Err(_) => ExitCode::from(error::EXIT_INTERNAL),
    }
}

fn run(cli: &Cli) -> Result<(), Failure> {
    let progress = Progress::new(cli.quiet);
    match &cli.command {
        Command::Validate { plan } => validate(plan),
        Command::Schema { which } => {
            let text = match which {
                SchemaKind::Plan => kpichain::plan_schema(),
                SchemaKind::Inputs => kpichain::inputs_schema(),
                SchemaKind::Results => kpichain::result_schema(),
                SchemaKind::Diff => kpichain::diff_schema(),
            };
            output::write(&text, None)
        }
        Command::Score {
            inputs,
            format,
            out,
        } => {
            let (compiled, _, eval) = evaluate(inputs, &progress)?;
            let text = match format {
                ScoreFormat::Table => render::table(&compiled, &eval),
                ScoreFormat::Json => render::json(&eval)?,
                ScoreFormat::Csv => render::csv(&compiled, &eval)?,
            };
            output::write(&text, out.as_deref())
        }
        Command::Explain {
            inputs,
            subject,
            format,
            out,
        } => {
            let (compiled, loaded, eval) = evaluate(inputs, &progress)?;
            let Some(result) = eval.results.iter().find(|r| *r.subject == **subject) else {
                return Err(Failure::user(format!(
                    "subject '{subject}' is not in {} ({} assigned); check the id",
                    loaded.assignments.file,
                    count(eval.results.len(), "subject")
                )));
            };
            let explanation = compiled.explain(result);
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
            let (before, after) = compile_both(before, after)?;
            let diff = kpichain::diff::diff_plans(before.plan(), after.plan());
            let text = match format {
                DiffFormat::Text => diff.to_string(),
                DiffFormat::Json => render::json(&diff)?,
            };
            output::write(&text, out.as_deref())
        }
    }
}

/// The reason of an I/O error in words, without the `(os error N)` suffix.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(at) => text.get(..at).unwrap_or(&text).to_string(),
                None => text,
            }
        }
    }
}

/// Reads and parses a plan file: by extension (`.json`, `.toml`), else by its first character.
fn read_plan(path: &Path) -> Result<Plan, Failure> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidData {
            Failure::user(format!("cannot read {file}: the plan is not UTF-8 text"))
        } else {
            Failure::user(format!("cannot read {file}: {}", io_reason(&e)))
        }
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let parsed = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => Plan::from_json(text),
        Some("toml") => Plan::from_toml(text),
        _ => Plan::from_text(text),
    };
    parsed.map_err(|e| plan_failure(&file, &e))
}

fn plan_failure(file: &str, e: &kpichain::PlanError) -> Failure {
    let problems = e.issues.iter().map(|i| plan_issue(file, i)).collect();
    Failure::problems(
        problems,
        format!(
            "{file} is not a valid plan ({})",
            count(e.issues.len(), "problem")
        ),
    )
}

fn compile(path: &Path) -> Result<CompiledPlan, Failure> {
    let plan = read_plan(path)?;
    CompiledPlan::compile(plan).map_err(|e| plan_failure(&path.display().to_string(), &e))
}

/// Compiles two plans, listing the problems of both before failing.
fn compile_both(before: &Path, after: &Path) -> Result<(CompiledPlan, CompiledPlan), Failure> {
    match (compile(before), compile(after)) {
        (Ok(b), Ok(a)) => Ok((b, a)),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
        (
            Err(Failure::User {
                problems: mut first,
                summary: first_summary,
            }),
            Err(Failure::User {
                problems: mut second,
                summary: second_summary,
            }),
        ) => {
            first.append(&mut second);
            Err(Failure::problems(
                first,
                format!("{first_summary}; {second_summary}"),
            ))
        }
        (Err(e), Err(_)) => Err(e),
    }
}

fn validate(path: &Path) -> Result<(), Failure> {
    let compiled = compile(path)?;
    let plan = compiled.plan();
    let text = format!(
        "ok: plan {} version {} ({}, {}), fingerprint {}\n",
        plan.id,
        plan.version,
        count(plan.roles.len(), "role"),
        count(plan.indicators.len(), "indicator"),
        compiled.fingerprint()
    );
    output::write(&text, None)
}

/// Compiles the plan, reads the inputs and evaluates; every problem names its file and line.
fn evaluate(
    args: &InputArgs,
    progress: &Progress,
) -> Result<(CompiledPlan, Loaded, Evaluation), Failure> {
    let plan_file = args.plan.display().to_string();
    // Check the plan and all input files before failing, so every problem is listed at once.
    let compiled = compile(&args.plan);
    let loaded = inputs::load(args, progress);
    let (compiled, loaded) = match (compiled, loaded) {
        (Ok(c), Ok(l)) => (c, l),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => return Err(e),
        (
            Err(Failure::User {
                problems: mut a,
                summary,
            }),
            Err(Failure::User {
                problems: mut b, ..
            }),
        ) => {
            a.append(&mut b);
            return Err(Failure::problems(
                a,
                format!("{summary}, and the input files are invalid; nothing was scored"),
            ));
        }
        (Err(e), Err(_)) => return Err(e),
    };
    let spinner = progress.spinner(
        loaded.inputs.assignments.len(),
        PROGRESS_SUBJECTS,
        "scoring",
    );
    let result = compiled.evaluate(&loaded.inputs);
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    match result {
        Ok(eval) => Ok((compiled, loaded, eval)),
        Err(e) => {
            let problems = e
                .issues
                .iter()
                .map(|i| loaded.describe(i, &plan_file))
                .collect();
            Err(Failure::problems(
                problems,
                format!(
                    "the inputs do not fit the plan ({}); nothing was scored",
                    count(e.issues.len(), "problem")
                ),
            ))
        }
    }
}

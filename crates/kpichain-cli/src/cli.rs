//! Command-line arguments (clap derive).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Files:
  PLAN is a plan in JSON or TOML (see `kpichain schema`), or a JSON document of
  effective-dated versions (`kpichain schema versions`) whose versions' `plan` is a plan or
  the path of a plan file (relative to the document); the period picks the version.
  --assignments, --actuals and --targets take CSV (with a header row) or a JSON array of
  objects; the format is chosen by the extension (.csv / .json), else by the first character.
    assignments: subject,role[,name,unit,region,bonus_base] (other columns are kept as attributes)
    actuals:     subject,indicator,value   (long format, one value per row)
    targets:     subject,indicator,target[,threshold,stretch]
    units:       id[,name,parent,region]
  --records NAME=FILE reads a record set the plan declares (`records` in the plan): CSV with
  a header naming its fields, or JSON lines; bad records stop the run or are skipped and
  counted, as the plan's `bad_records` says.
  Numbers are read exactly as decimals (never through binary floating point); an empty
  value is no value (a missing actual).

Errors:
  Every problem is one line on standard error: its place (`actuals.csv:17: column \"value\"`,
  or the plan file and path `plan.json: roles[2].items`), the message and its code
  (`[invalid_number]`), then `error: ` and a summary. With `--format json` errors are one
  JSON document on standard error instead (schema: `kpichain schema error`):
    {\"error\": \"plan_invalid\" | \"input_invalid\" | \"io_error\" | \"usage_error\" | \"internal_error\",
     \"message\": \"...\", \"issues\": [{\"code\", \"path\", \"message\", \"origin\"?: {\"source\",
     \"line\"?, \"row\"?, \"column\"?}}]}

Exit codes:
  0  success
  1  invalid plan or input, or a file that cannot be read or written (every problem is listed)
  2  usage error (unknown command or option, missing argument)
  3  internal failure (a bug, or standard output could not be written)";

const DIFF_HELP: &str = "\
Files:
  BEFORE and AFTER are plans in JSON or TOML (see `kpichain schema`); both must be valid.

Output:
  text  a header (`ID VERSION → VERSION: N changes`) and one line per change with the
        plan's names, e.g.
          roles[1] sales_director (销售总监): item new_customers (新客户开发数量) weight 30 → 40
  json  each change with its kind, JSON path, role, item, field and exact before/after
        values (schema: `kpichain schema diff`)
  Entities are matched by id (items by id, else indicator; grades by name), so re-ordering
  a list is not a change.

Exit codes:
  0  both plans are valid, whether or not they differ
  1  invalid plan, or a file that cannot be read or written (every problem is listed)
  2  usage error (unknown command or option, missing argument)
  3  internal failure (a bug, or standard output could not be written)";

/// Exact, explainable KPI scoring (考核方案 → 绩效结果): validate plans, score actuals,
/// explain results, compare plan versions.
#[derive(Debug, Parser)]
#[command(name = "kpichain", version, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Never show progress bars (they are only shown for large inputs on a terminal anyway).
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a plan and list every problem in it, one per line.
    #[command(after_help = AFTER_HELP)]
    Validate {
        /// The plan file (JSON or TOML).
        plan: PathBuf,
        /// Output format; `json` also writes errors as JSON.
        #[arg(long, short, value_enum, default_value_t = ValidateFormat::Text)]
        format: ValidateFormat,
    },
    /// Print a JSON Schema: of the plan format (default), of evaluation inputs, of results, of
    /// plan diffs, of versions documents or of error reports.
    #[command(after_help = AFTER_HELP)]
    Schema {
        /// Which schema to print.
        #[arg(value_enum, default_value_t = SchemaKind::Plan)]
        which: SchemaKind,
    },
    /// Score every assigned subject and print the results.
    #[command(after_help = AFTER_HELP)]
    Score {
        /// Plan and input files.
        #[command(flatten)]
        inputs: InputArgs,
        /// Output format; `json` also writes errors as JSON.
        #[arg(long, short, value_enum, default_value_t = ScoreFormat::Table)]
        format: ScoreFormat,
        /// Write the output to this file (atomically, only when everything succeeded)
        /// instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Explain one subject's result: actual, target, rule, score, weight, adjustments,
    /// vetoes and rounding, item by item.
    #[command(after_help = AFTER_HELP)]
    Explain {
        /// Plan and input files.
        #[command(flatten)]
        inputs: InputArgs,
        /// The subject (employee or org unit id) to explain.
        #[arg(long, short, value_name = "ID")]
        subject: String,
        /// Output format; `json` also writes errors as JSON.
        #[arg(long, short, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
        /// Write the output to this file (atomically) instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Compare two versions of a plan: list the indicators, roles, items, rule parameters,
    /// adjustments, vetoes, grades and policies added, removed or changed.
    #[command(after_help = DIFF_HELP)]
    Diff {
        /// The earlier plan file (JSON or TOML), or a document of versions (each version is
        /// then compared with the one before it).
        before: PathBuf,
        /// The later plan file (JSON or TOML).
        after: Option<PathBuf>,
        /// Output format; `json` also writes errors as JSON.
        #[arg(long, short, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Write the output to this file (atomically) instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

impl Command {
    /// Whether errors are written as JSON: when the output format is JSON.
    pub fn json_errors(&self) -> bool {
        match self {
            Command::Validate { format, .. } => *format == ValidateFormat::Json,
            Command::Score { format, .. } => *format == ScoreFormat::Json,
            Command::Explain { format, .. } => *format == ExplainFormat::Json,
            Command::Diff { format, .. } => *format == DiffFormat::Json,
            Command::Schema { .. } => false,
        }
    }
}

/// The plan and the input files of an evaluation.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// The plan file (JSON or TOML).
    pub plan: PathBuf,
    /// Who holds which role: CSV `subject,role,name,unit,region,bonus_base` or a JSON array.
    #[arg(long, short, value_name = "FILE")]
    pub assignments: PathBuf,
    /// Measured values in long format: CSV `subject,indicator,value[,period]` or a JSON
    /// array. With a `period` column only the rows of `--period` are read. Optional when the
    /// plan derives its indicators from `--records`.
    #[arg(long = "actuals", short = 'A', value_name = "FILE")]
    pub actuals: Option<PathBuf>,
    /// Per-subject targets replacing the plan's: CSV `subject,indicator,target,threshold,stretch`
    /// or a JSON array.
    #[arg(long, short, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// The period assessed: a month `2022-03`, a quarter `2022-Q1` or a year `2022`. Needed
    /// to derive actuals from records and to choose a plan version.
    #[arg(long, short, value_name = "PERIOD")]
    pub period: Option<String>,
    /// Org units: CSV `id,name,parent,region` or a JSON array (the unit tree for roll-ups,
    /// unit-measured roles and unit variants).
    #[arg(long, short = 'u', value_name = "FILE")]
    pub units: Option<PathBuf>,
    /// Raw business records for a record set the plan declares, as NAME=FILE (CSV with a
    /// header row, or JSON lines `.jsonl`); repeat for each set.
    #[arg(long, short = 'r', value_name = "NAME=FILE")]
    pub records: Vec<String>,
}

/// Output formats of `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    /// `ok: plan …` and the fingerprint.
    Text,
    /// The id, version, fingerprint and sizes as JSON.
    Json,
}

/// Output formats of `score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScoreFormat {
    /// A readable table with a grade summary.
    Table,
    /// The full evaluation as JSON (decimals as strings).
    Json,
    /// One CSV row per subject.
    Csv,
}

/// Output formats of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// Human-readable text.
    Text,
    /// The structured explanation as JSON.
    Json,
}

/// Output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// One line per change, with the plan's names.
    Text,
    /// The structured diff as JSON (decimals as strings).
    Json,
}

/// The schemas `schema` can print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// The plan format.
    Plan,
    /// Evaluation inputs (assignments, actuals, targets).
    Inputs,
    /// Evaluation results.
    Results,
    /// Plan diffs (`kpichain diff --format json`).
    Diff,
    /// Documents of effective-dated plan versions.
    Versions,
    /// Error reports (what `--format json` writes on standard error).
    Error,
}

//! How the command fails: a user error (exit 1) lists every problem found, an internal
//! failure (exit 3) is one sentence.

use std::fmt::Display;

/// Exit code for invalid plans, invalid inputs and unreadable or unwritable files.
pub const EXIT_USER: u8 = 1;
/// Exit code for internal failures (bugs, standard output not writable).
pub const EXIT_INTERNAL: u8 = 3;

/// Most problems listed before the summary line; the rest are counted.
const MAX_LISTED: usize = 200;

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Invalid plan or input: each problem on its own line (`file:line: …`), then a summary.
    User {
        /// One line per problem, each naming its place.
        problems: Vec<String>,
        /// One sentence, printed last as `error: …`.
        summary: String,
    },
    /// Something that is not the user's fault.
    Internal(String),
}

impl Failure {
    /// A user error that is a single sentence.
    pub fn user(summary: impl Display) -> Self {
        Failure::User {
            problems: Vec::new(),
            summary: summary.to_string(),
        }
    }

    /// A user error with a list of problems.
    pub fn problems(problems: Vec<String>, summary: impl Display) -> Self {
        Failure::User {
            problems,
            summary: summary.to_string(),
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::User { .. } => EXIT_USER,
            Failure::Internal(_) => EXIT_INTERNAL,
        }
    }

    /// The text written to standard error.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match self {
            Failure::User { problems, summary } => {
                for p in problems.iter().take(MAX_LISTED) {
                    out.push_str(p);
                    out.push('\n');
                }
                let rest = problems.len().saturating_sub(MAX_LISTED);
                if rest > 0 {
                    out.push_str(&format!("… and {rest} more problems\n"));
                }
                out.push_str(&format!("error: {summary}\n"));
            }
            Failure::Internal(msg) => out.push_str(&format!("internal error: {msg}\n")),
        }
        out
    }
}

/// `1 problem`, `3 problems`.
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

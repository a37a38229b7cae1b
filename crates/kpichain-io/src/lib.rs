//! File input for kpichain hosts (the CLI and the Python and Node bindings): plans, versions
//! documents and record files read the same way everywhere. The core crate does no I/O; this
//! crate reads the files and hands their text to it.
//!
//! - A plan file is JSON or TOML by its extension (`.json`, `.toml`), else by its text.
//! - A versions document is a JSON object with a `versions` key; a version's `plan` that is
//!   a string names a plan file relative to the document's folder.
//! - A leading UTF-8 byte order mark is ignored.
//! - A file that cannot be read is a [`LoadError::Io`] naming that file (for a versions
//!   document, the first plan file that cannot be read).
//!
//! ```no_run
//! let scheme = kpichain_io::load("examples/sales-company/versions-by-file.json")?;
//! assert!(scheme.as_versions().is_some());
//! # Ok::<(), kpichain_io::LoadError>(())
//! ```

#![forbid(unsafe_code)]

pub mod records;

use std::io;
use std::path::{Path, PathBuf};

use kpichain::{CompiledVersions, Format, Plan, PlanError, Scheme};

/// Why a plan or versions document could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A file could not be read (missing, not permitted, not UTF-8 text, …).
    #[error("cannot read {}: {reason}", path.display())]
    Io {
        /// The file, as given (a plan file of a versions document: joined to its folder).
        path: PathBuf,
        /// What kind of failure (`NotFound`, `PermissionDenied`, `InvalidData` for text that
        /// is not UTF-8, …).
        kind: io::ErrorKind,
        /// The reason in words, e.g. `no such file or directory`.
        reason: String,
    },
    /// The file was read, and the plan or document in it is invalid.
    #[error(transparent)]
    Plan(#[from] PlanError),
}

impl LoadError {
    fn io(path: &Path, e: &io::Error) -> LoadError {
        LoadError::Io {
            path: path.to_path_buf(),
            kind: e.kind(),
            reason: reason(e),
        }
    }
}

/// The reason of an I/O error in words, without the `(os error N)` suffix.
pub fn reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(at) => text.get(..at).unwrap_or(&text).to_string(),
                None => text,
            }
        }
    }
}

/// Reads a text file as UTF-8, without a leading byte order mark.
pub fn read_text(path: impl AsRef<Path>) -> Result<String, LoadError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| LoadError::io(path, &e))?;
    let mut text = String::from_utf8(bytes).map_err(|_| LoadError::Io {
        path: path.to_path_buf(),
        kind: io::ErrorKind::InvalidData,
        reason: "the file is not UTF-8 text".to_string(),
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// The format a file's extension names (`.json`, `.toml`, any case), if any.
pub fn format_of(path: impl AsRef<Path>) -> Option<Format> {
    path.as_ref()
        .extension()
        .and_then(|e| e.to_str())
        .and_then(|e| Format::of_name(&format!(".{e}")))
}

/// Reads a plan file without compiling it (e.g. to compare drafts that do not compile).
pub fn read_plan(path: impl AsRef<Path>) -> Result<Plan, LoadError> {
    let path = path.as_ref();
    let text = read_text(path)?;
    Ok(Format::parse_plan(format_of(path), &text)?)
}

/// Loads and compiles a plan or a versions document from a file; a version's `plan` that is
/// a string is read as a plan file relative to the document's folder.
pub fn load(path: impl AsRef<Path>) -> Result<Scheme, LoadError> {
    let path = path.as_ref();
    let text = read_text(path)?;
    from_text(&text, format_of(path), path.parent())
}

/// Loads and compiles a versions document (and only that: a plan is reported as a document
/// that lacks `versions`) from a file, reading plan files relative to its folder.
pub fn load_versions(path: impl AsRef<Path>) -> Result<CompiledVersions, LoadError> {
    let path = path.as_ref();
    let text = read_text(path)?;
    resolving(path.parent(), |read| {
        CompiledVersions::from_text_with(&text, read)
    })
}

/// Loads and compiles a plan or a versions document from text (a JSON object with a
/// `versions` key is a versions document; anything else a plan, in `format` or else JSON
/// when it starts with `{` and TOML otherwise). With `dir`, a version's `plan` may name a
/// plan file relative to `dir`; without, plans must be inline.
pub fn from_text(
    text: &str,
    format: Option<Format>,
    dir: Option<&Path>,
) -> Result<Scheme, LoadError> {
    resolving(dir, |read| Scheme::from_text_with(text, format, read))
}

/// Runs `build` with a reader of plan files relative to `dir`; the first plan file that
/// cannot be read is the error (the core reports where it is named).
fn resolving<T>(
    dir: Option<&Path>,
    build: impl FnOnce(&mut dyn FnMut(&str) -> Result<String, String>) -> Result<T, PlanError>,
) -> Result<T, LoadError> {
    let mut unreadable: Option<LoadError> = None;
    let mut read = |name: &str| -> Result<String, String> {
        let Some(dir) = dir else {
            return Err(format!(
                "plan files such as '{name}' can only be named in a versions file"
            ));
        };
        read_text(dir.join(name)).map_err(|e| {
            let message = match &e {
                LoadError::Io { reason, .. } => reason.clone(),
                LoadError::Plan(p) => p.to_string(),
            };
            unreadable.get_or_insert(e);
            message
        })
    };
    let built = build(&mut read);
    match (built, unreadable) {
        (_, Some(e)) => Err(e),
        (built, None) => Ok(built?),
    }
}

/// Whether a string a caller passed is a plan's or document's text rather than a file path:
/// text starts with `{` (after white space or a byte order mark) or has a line break.
/// Bindings that accept either in one argument use this rule, so that all read alike.
pub fn is_text(source: &str) -> bool {
    let trimmed = source.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    trimmed.starts_with('{') || source.contains('\n')
}

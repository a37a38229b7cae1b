//! Writing output: to standard output, or atomically to a file (a temporary file in the same
//! folder, renamed into place only when everything succeeded).

use crate::error::{Failure, file};
use std::io::Write;
use std::path::Path;

/// Writes `text` to `out`, or to standard output when `out` is `None`.
pub fn write(text: &str, out: Option<&Path>) -> Result<(), Failure> {
    match out {
        None => write_stdout(text),
        Some(path) => write_file(text, path),
    }
}

fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        // The reader went away (`kpichain score … | head`): not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::internal(format!(
            "standard output could not be written: {e}"
        ))),
    }
}

fn write_file(text: &str, path: &Path) -> Result<(), Failure> {
    let shown = path.display();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let fail = |e: std::io::Error| {
        let reason = kpichain_io::reason(&e);
        Failure::io(file(&shown), format!("cannot write the file: {reason}"))
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".kpichain-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

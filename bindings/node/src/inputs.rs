//! Inputs from JavaScript arrive as JSON text and are read by the core's
//! [`Intake::from_json`](kpichain::Intake::from_json): long or wide `actuals` rows, one number
//! policy and one set of error codes for every language, and issues at the caller's rows.

use kpichain::{InputError, Intake};

/// Parses the inputs JSON text. Reports every bad value, not only the first.
pub fn prepare(text: &str) -> Result<Intake, InputError> {
    Intake::from_json(text)
}

//! Exact decimal numbers from text: `12.5`, `-3`, `.5`, `1.2e3`. Never through `f64`.
//! The parsing lives in the core so that the CLI and the bindings agree.

pub use kpichain::decimal::parse_decimal;

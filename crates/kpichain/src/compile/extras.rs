//! Adjustments and vetoes.

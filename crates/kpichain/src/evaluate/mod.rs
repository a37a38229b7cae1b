//! Evaluation: a pure function of (compiled plan, inputs) → results, with explanations.

#[cfg(test)]
mod differential;
mod engine;
mod explain;
mod input;
mod result;
pub(crate) mod rules;

pub use explain::{ExplainedAdjustment, ExplainedItem, Explanation};
pub use input::{Actual, Assignment, Inputs, TargetOverride};
pub use result::{
    AdjustmentResult, Evaluation, ItemResult, ItemStatus, SubjectResult, VetoResult, Warning,
};

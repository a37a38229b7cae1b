//! Evaluation: a pure function of (compiled plan, inputs) → results, with explanations.

mod batch;
mod chain;
#[cfg(test)]
pub(crate) mod differential;
mod explain;
mod result;
pub(crate) mod rules;
mod subject;
mod table;
mod total;

pub use explain::{ExplainedAdjustment, ExplainedItem, ExplainedSegment, Explanation};
pub use result::{
    AdjustmentResult, AppliedVersion, Evaluation, ItemResult, ItemSource, ItemStatus, Segment,
    SubjectResult, VetoResult, Warning,
};
pub use table::{ItemView, ScoreTable, SubjectView, TableBuffers};

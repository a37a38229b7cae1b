#![doc = include_str!("../../../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod compile;
pub mod decimal;
pub mod diff;
mod error;
mod evaluate;
mod fixed;
pub mod formula;
mod intake;
pub mod measure;
mod model;
mod read;
mod schema;
mod scheme;
mod versions;

pub use compile::CompiledPlan;
pub use error::{
    Code, Error, ErrorKind, ErrorReport, InputError, Issue, Origin, Path, PlanError, Segment,
    UnknownCode,
};
pub use evaluate::*;
pub use intake::{
    ASSIGNMENT_FIELDS, Cell, Intake, IntakeBuilder, MAX_ISSUES, NumberProblem, Place,
};
pub use model::*;
pub use rust_decimal::Decimal;
pub use schema::{
    diff_schema, error_schema, explanation_schema, inputs_schema, plan_schema, result_schema,
    versions_schema,
};
pub use scheme::{Format, Scheme};
pub use versions::{CompiledVersions, PlanVersion, PlanVersions, SpanRule};

impl From<PlanError> for InputError {
    fn from(e: PlanError) -> Self {
        InputError { issues: e.issues }
    }
}

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn compiled_plan_is_send_and_sync() {
        assert_send_sync::<crate::CompiledPlan>();
        assert_send_sync::<crate::Evaluation>();
        assert_send_sync::<crate::CompiledVersions>();
        assert_send_sync::<crate::Scheme>();
        assert_send_sync::<crate::ScoreTable<'static>>();
        assert_send_sync::<crate::TableBuffers>();
    }
}

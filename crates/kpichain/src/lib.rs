#![doc = include_str!("../../../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The pipeline, in order: a plan is read into its model, compiled, given its inputs,
// evaluated and explained. Foundations first, then each stage, then what is built on them.

// Foundations: problems with their codes and paths, exact decimals and their fast path.
pub mod decimal;
mod error;
mod fixed;

// 1. The plan: its model, read from JSON or TOML; formulas; measures (actuals from records).
pub mod formula;
pub mod measure;
mod model;
mod read;

// 2. Compile: validate, index and freeze a plan.
mod compile;

// 3. Inputs: assignments, actuals and targets, from JSON or from rows and cells.
mod intake;

// 4. Evaluate and explain.
mod evaluate;
// …or score a batch given as columns, in exact integer arithmetic.
mod kernel;

// Around the pipeline: effective-dated versions, one type for a plan or its versions, what
// changed between two plans, and the JSON Schemas of every document.
pub mod diff;
mod schema;
mod scheme;
mod versions;

pub use error::{
    Code, Error, ErrorKind, ErrorReport, InputError, Issue, Origin, Path, PlanError, Segment,
    UnknownCode,
};
pub use rust_decimal::Decimal;

pub use model::{
    Actual, Adjustment, Aggregate, Assignment, Band, BandsRule, DeductionRule, Direction, Format,
    FormulaRule, Grade, Indicator, Inputs, Item, LinearRule, LinkScope, LookupRow, LookupRule,
    MissingDataPolicy, Over, PassFailRule, PerUnitBasis, PerUnitRule, Plan, RatioRule,
    RecordSetDecl, Role, RoleVariant, Rollup, RoundingPolicy, Scale, ScoreRule, Source,
    TargetOverride, Unit, Veto,
};

pub use compile::CompiledPlan;

pub use intake::{
    ASSIGNMENT_FIELDS, Cell, Intake, IntakeBuilder, MAX_ISSUES, NumberProblem, Place,
};

pub use evaluate::{
    AdjustmentResult, AppliedVersion, Evaluation, ExplainedAdjustment, ExplainedItem,
    ExplainedSegment, Explanation, ItemResult, ItemSource, ItemStatus, ItemView, ScoreTable,
    SubjectResult, SubjectView, TableBuffers, VetoResult, Warning,
};

pub use kernel::{ColumnBatch, ColumnScores};
pub use scheme::Scheme;
pub use versions::{CompiledVersions, PlanVersion, PlanVersions, SpanRule};

pub use schema::{
    diff_schema, error_schema, explanation_schema, inputs_schema, plan_schema, result_schema,
    versions_schema,
};

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

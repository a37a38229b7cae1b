//! What scores a batch: a single compiled plan, or effective-dated versions of one. Results
//! keep their scorer so that they can be explained and displayed with the plan's own names.

use std::collections::HashSet;
use std::sync::Arc;

use kpichain::measure::RecordSets;
use kpichain::{
    CompiledPlan, CompiledVersions, Evaluation, Explanation, InputError, Inputs, SubjectResult,
};

/// A single plan or a document of versions, shared by reference.
#[derive(Debug, Clone)]
pub(crate) enum Scorer {
    Plan(Arc<CompiledPlan>),
    Versions(Arc<CompiledVersions>),
}

impl Scorer {
    /// Every indicator id of the plan (of any version), for telling indicator columns apart.
    pub(crate) fn indicators(&self) -> HashSet<String> {
        match self {
            Scorer::Plan(p) => crate::inputs::indicator_ids(p),
            Scorer::Versions(v) => v
                .versions()
                .flat_map(|(_, p)| crate::inputs::indicator_ids(p))
                .collect(),
        }
    }

    /// The plan whose declared record sets are read for `period`: the plan itself, or the
    /// version in force on the period's first day (`None` without a period or a version in
    /// force; the evaluation then reports why).
    pub(crate) fn records_plan(&self, period: Option<&str>) -> Option<&CompiledPlan> {
        match self {
            Scorer::Plan(p) => Some(p),
            Scorer::Versions(v) => v.for_period(period?),
        }
    }

    /// Evaluates with typed record sets.
    pub(crate) fn evaluate_records(
        &self,
        inputs: &Inputs,
        records: &RecordSets,
    ) -> Result<Evaluation, InputError> {
        match self {
            Scorer::Plan(p) => p.evaluate_records(inputs, records),
            Scorer::Versions(v) => v.evaluate_records(inputs, records),
        }
    }

    /// Evaluates inputs in the core's shape.
    pub(crate) fn evaluate(&self, inputs: &Inputs) -> Result<Evaluation, InputError> {
        self.evaluate_records(inputs, &RecordSets::new())
    }

    /// The plan whose names (roles, grades) render an evaluation: the plan, or the version
    /// applied last.
    pub(crate) fn render_plan(&self, eval: &Evaluation) -> Option<&CompiledPlan> {
        match self {
            Scorer::Plan(p) => Some(p),
            Scorer::Versions(v) => eval
                .versions
                .last()
                .and_then(|a| v.version(&a.version))
                .or_else(|| v.versions().last().map(|(_, p)| p)),
        }
    }

    /// The explanation of a top-level result of `eval`.
    pub(crate) fn explain(&self, eval: &Evaluation, result: &SubjectResult) -> Explanation {
        match self {
            Scorer::Plan(p) => p.explain_in(eval, result),
            Scorer::Versions(v) => v.explain(eval, result),
        }
    }

    /// The explanation of a pro-rata segment's result, scored by version `version`.
    pub(crate) fn explain_segment(
        &self,
        eval: &Evaluation,
        version: &str,
        result: &SubjectResult,
    ) -> Explanation {
        match self {
            Scorer::Versions(v) => match v.version(version) {
                Some(p) => p.explain(result),
                None => v.explain(eval, result),
            },
            Scorer::Plan(p) => p.explain(result),
        }
    }
}

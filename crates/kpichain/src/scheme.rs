//! A scheme (考核方案) is what scores a batch: a single compiled plan, or effective-dated
//! versions of one (the one-version case being a plain plan). Hosts — the CLI and the
//! Python and Node bindings — hold a [`Scheme`] and never ask which of the two it is to
//! score, explain or render results.
//!
//! ```
//! use kpichain::{Inputs, Scheme};
//! let scheme = Scheme::from_text(r#"{"id": "p", "version": "1",
//!   "indicators": [{"id": "a", "name": "A"}],
//!   "roles": [{"id": "r", "name": "R", "items": [
//!     {"indicator": "a", "weight": 100, "target": 100, "rule": {"type": "ratio"}}]}],
//!   "grades": [{"grade": "A", "min": 90, "coefficient": 1.2}, {"grade": "B", "coefficient": 1}]}"#, None)?;
//! let inputs = Inputs::from_json(r#"{"assignments": [{"subject": "E1", "role": "r"}],
//!   "actuals": [{"subject": "E1", "indicator": "a", "value": 95}]}"#)?;
//! let evaluation = scheme.evaluate(&inputs)?;
//! assert_eq!(scheme.grade_counts(&evaluation), vec![("A", 1), ("B", 0)]);
//! let text = scheme.explain(&evaluation, &evaluation.results[0]).to_string();
//! assert!(text.contains("E1"));
//! # Ok::<(), kpichain::Error>(())
//! ```

use std::sync::Arc;

use crate::compile::CompiledPlan;
use crate::error::{InputError, Issue, PlanError};
use crate::evaluate::{Evaluation, Explanation, Segment, SubjectResult};
use crate::measure::RecordSets;
use crate::model::Format;
use crate::model::Inputs;
use crate::versions::CompiledVersions;

/// A compiled plan or compiled effective-dated versions, shared by reference: cloning is
/// cheap (an `Arc`), and a scheme is `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Scheme {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Plan(Arc<CompiledPlan>),
    Versions(Arc<CompiledVersions>),
}

impl From<Arc<CompiledPlan>> for Scheme {
    fn from(plan: Arc<CompiledPlan>) -> Self {
        Scheme {
            kind: Kind::Plan(plan),
        }
    }
}

impl From<CompiledPlan> for Scheme {
    fn from(plan: CompiledPlan) -> Self {
        Scheme::from(Arc::new(plan))
    }
}

impl From<Arc<CompiledVersions>> for Scheme {
    fn from(versions: Arc<CompiledVersions>) -> Self {
        Scheme {
            kind: Kind::Versions(versions),
        }
    }
}

impl From<CompiledVersions> for Scheme {
    fn from(versions: CompiledVersions) -> Self {
        Scheme::from(Arc::new(versions))
    }
}

/// True for JSON text that is an object with a `versions` key (a versions document).
fn is_versions_document(text: &str) -> bool {
    text.trim_start().starts_with('{')
        && serde_json::from_str::<serde_json::Value>(text)
            .is_ok_and(|v| v.get("versions").is_some())
}

impl Scheme {
    /// Reads and compiles a plan or a versions document from text (a leading UTF-8 BOM is
    /// ignored). A JSON object with a `versions` key is a versions document, whose versions'
    /// `plan` must then be given inline; anything else is a plan, in `format` or, without
    /// one, JSON when the text starts with `{` and TOML otherwise.
    pub fn from_text(text: &str, format: Option<Format>) -> Result<Scheme, PlanError> {
        Scheme::from_text_with(text, format, |name| {
            Err(format!(
                "plan files such as '{name}' can only be named in a versions file"
            ))
        })
    }

    /// Like [`Scheme::from_text`], where a version's `plan` may name a plan file: `read`
    /// turns the name into the file's text (see [`CompiledVersions::from_text_with`]; the
    /// core does no I/O).
    pub fn from_text_with(
        text: &str,
        format: Option<Format>,
        read: impl FnMut(&str) -> Result<String, String>,
    ) -> Result<Scheme, PlanError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if format != Some(Format::Toml) && is_versions_document(text) {
            return CompiledVersions::from_text_with(text, read).map(Scheme::from);
        }
        let plan = Format::parse_plan(format, text)?;
        CompiledPlan::compile(plan).map(Scheme::from)
    }

    /// The plan, when this scheme is a single plan.
    pub fn as_plan(&self) -> Option<&Arc<CompiledPlan>> {
        match &self.kind {
            Kind::Plan(p) => Some(p),
            Kind::Versions(_) => None,
        }
    }

    /// The versions, when this scheme is a versions document.
    pub fn as_versions(&self) -> Option<&Arc<CompiledVersions>> {
        match &self.kind {
            Kind::Plan(_) => None,
            Kind::Versions(v) => Some(v),
        }
    }

    /// The plan's id (a versions document's own id).
    pub fn id(&self) -> &str {
        match &self.kind {
            Kind::Plan(p) => &p.plan().id,
            Kind::Versions(v) => &v.document().id,
        }
    }

    /// `sha256:` of the plan's (or the whole versions document's) canonical JSON.
    pub fn fingerprint(&self) -> &str {
        match &self.kind {
            Kind::Plan(p) => p.fingerprint(),
            Kind::Versions(v) => v.fingerprint(),
        }
    }

    /// Every compiled plan: the plan, or each version in order.
    pub fn plans(&self) -> Vec<&Arc<CompiledPlan>> {
        match &self.kind {
            Kind::Plan(p) => vec![p],
            Kind::Versions(v) => v.versions().map(|(_, p)| p).collect(),
        }
    }

    /// Every indicator id of the plan (of any version), once each, in plan order.
    pub fn indicator_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for plan in self.plans() {
            for indicator in &plan.plan().indicators {
                if !ids.contains(&indicator.id.as_str()) {
                    ids.push(&indicator.id);
                }
            }
        }
        ids
    }

    /// The plan that scores `period` and whose declared record sets are read for it: the
    /// plan itself, or the version in force on the period's first day. For versions, an
    /// issue says why there is none (`missing_period`, `invalid_period`,
    /// `no_version_in_force`) — the same issue [`Scheme::evaluate`] reports.
    pub fn plan_for(&self, period: Option<&str>) -> Result<&Arc<CompiledPlan>, Issue> {
        match &self.kind {
            Kind::Plan(p) => Ok(p),
            Kind::Versions(v) => v.plan_for(period),
        }
    }

    /// The plan whose names (roles, grades and their order) render `evaluation`: the plan,
    /// or the version applied last (the latest version when the evaluation names none).
    pub fn plan_for_names(&self, evaluation: &Evaluation) -> &Arc<CompiledPlan> {
        match &self.kind {
            Kind::Plan(p) => p,
            Kind::Versions(v) => evaluation
                .versions
                .last()
                .and_then(|a| v.version(&a.version))
                .unwrap_or_else(|| v.latest()),
        }
    }

    /// Scores `inputs` into a [`ScoreTable`](crate::ScoreTable), the compact batch form: the
    /// plan's own table, or the table of the one version that scores the period (the table
    /// names no applied version; [`Scheme::evaluate`] does). A period that a versions document
    /// scores pro rata across a change has no single table: `spans_versions`.
    pub fn score_table<'a>(
        &'a self,
        inputs: &'a Inputs,
    ) -> Result<crate::ScoreTable<'a>, InputError> {
        let plan = match &self.kind {
            Kind::Plan(p) => p,
            Kind::Versions(v) => v
                .single_plan_for(inputs.period.as_deref())
                .map_err(|issue| InputError {
                    issues: vec![issue],
                })?,
        };
        plan.score_table(inputs)
    }

    /// Scores `inputs` (a versions document needs their `period`).
    pub fn evaluate(&self, inputs: &Inputs) -> Result<Evaluation, InputError> {
        self.evaluate_records(inputs, &RecordSets::new())
    }

    /// Scores inputs taken in through [`Intake`](crate::Intake): every issue comes back at the
    /// caller's row and column, with its origin.
    pub fn evaluate_intake(&self, intake: &crate::Intake) -> Result<Evaluation, InputError> {
        self.evaluate_intake_records(intake, &RecordSets::new())
    }

    /// Like [`Scheme::evaluate_intake`], with typed record sets.
    pub fn evaluate_intake_records(
        &self,
        intake: &crate::Intake,
        records: &RecordSets,
    ) -> Result<Evaluation, InputError> {
        self.evaluate_records(intake.inputs(), records)
            .map_err(|e| intake.relocate(e))
    }

    /// Like [`Scheme::evaluate`], with typed record sets.
    pub fn evaluate_records(
        &self,
        inputs: &Inputs,
        records: &RecordSets,
    ) -> Result<Evaluation, InputError> {
        match &self.kind {
            Kind::Plan(p) => p.evaluate_records(inputs, records),
            Kind::Versions(v) => v.evaluate_records(inputs, records),
        }
    }

    /// The explanation of a top-level result of `evaluation`, naming its period; a result
    /// scored pro rata explains each version's part and the day-weighted total.
    pub fn explain(&self, evaluation: &Evaluation, result: &SubjectResult) -> Explanation {
        match &self.kind {
            Kind::Plan(p) => p.explain_in(evaluation, result),
            Kind::Versions(v) => v.explain(evaluation, result),
        }
    }

    /// The explanation of a pro-rata segment's own result, by the version that scored it.
    pub fn explain_segment(&self, evaluation: &Evaluation, segment: &Segment) -> Explanation {
        match &self.kind {
            Kind::Plan(p) => p.explain(&segment.result),
            Kind::Versions(v) => match v.version(&segment.version) {
                Some(p) => p.explain(&segment.result),
                None => v.explain(evaluation, &segment.result),
            },
        }
    }

    /// How many subjects of `evaluation` got each grade: every grade of the scale that
    /// renders it ([`Scheme::plan_for_names`]) in the scale's order, zeros included, then
    /// any other grade a result carries, in order of appearance.
    pub fn grade_counts<'a>(&'a self, evaluation: &'a Evaluation) -> Vec<(&'a str, usize)> {
        let mut counts: Vec<(&str, usize)> = self
            .plan_for_names(evaluation)
            .plan()
            .grades
            .iter()
            .map(|g| (g.grade.as_str(), 0))
            .collect();
        for r in &evaluation.results {
            match counts.iter_mut().find(|(g, _)| *g == &*r.grade) {
                Some(c) => c.1 = c.1.saturating_add(1),
                None => counts.push((&r.grade, 1)),
            }
        }
        counts
    }
}

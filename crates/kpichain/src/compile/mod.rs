//! Compiling a plan: validate everything (reporting every problem at once), resolve names to
//! indices, order formula dependencies, and freeze the result into an immutable
//! [`CompiledPlan`] that is `Send + Sync` and cheap to share.

mod compiled;
mod context;
mod extras;
mod factors;
mod grades;
mod graph;
mod library;
mod links;
mod measures;
mod rules;
mod scorecard;
mod variants;

pub(crate) use compiled::*;
pub(crate) use factors::{Factors, FastRule};

use crate::error::{Issues, PlanError};
use crate::model::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// A hash map with a fast, randomly seeded hasher for the engine's look-ups.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A validated, indexed, immutable plan. Evaluate it with [`CompiledPlan::evaluate`].
#[derive(Debug)]
pub struct CompiledPlan {
    pub(crate) plan: Plan,
    pub(crate) fingerprint: String,
    pub(crate) indicator_index: FastMap<String, usize>,
    pub(crate) role_index: FastMap<String, usize>,
    pub(crate) roles: Vec<CRole>,
    /// Grades sorted from the highest `min` down; the catch-all (no `min`) last.
    pub(crate) grades: Vec<CGrade>,
    /// Per role of the plan, its variants (their compiled scorecards follow the plan's roles
    /// in `roles`).
    pub(crate) variants: Vec<Vec<CVariant>>,
    /// Per role of the plan, its evaluation level: roles reading other roles' results come
    /// after them.
    pub(crate) levels: Vec<usize>,
    /// Whether any scorecard reads another subject, a unit or a role.
    pub(crate) any_source: bool,
    /// The indicators derived from records, as measure definitions, and their indicators.
    pub(crate) measures: Vec<crate::measure::MeasureDef>,
    /// The declared record sets' schemas.
    pub(crate) record_schemas: Vec<(String, crate::measure::Schema)>,
    /// The measures compiled against the declared record sets.
    pub(crate) compiled_measures: crate::measure::PlanMeasures,
}

impl CompiledPlan {
    /// Validates and compiles a plan, reporting every problem found.
    ///
    /// ```
    /// let plan = kpichain::Plan::from_json(r#"{
    ///   "id": "demo", "version": "1",
    ///   "indicators": [{"id": "sales", "name": "销售额", "unit": "万元"}],
    ///   "roles": [{"id": "rep", "name": "销售代表", "items": [
    ///     {"indicator": "sales", "weight": 100, "target": 100, "rule": {"type": "ratio", "cap": 120}}]}],
    ///   "grades": [{"grade": "A", "min": 90, "coefficient": 1.2}, {"grade": "C", "coefficient": 0.8}]
    /// }"#)?;
    /// let compiled = kpichain::CompiledPlan::compile(plan)?;
    /// assert_eq!(compiled.plan().version, "1");
    /// # Ok::<(), kpichain::PlanError>(())
    /// ```
    pub fn compile(plan: Plan) -> Result<CompiledPlan, PlanError> {
        let mut issues = Issues::default();
        let compiled = build(&plan, &mut issues);
        if !issues.is_empty() {
            return Err(PlanError { issues: issues.0 });
        }
        let Built {
            indicator_index,
            role_index,
            roles,
            grades,
            variants,
            levels,
            measures,
            record_schemas,
            compiled_measures,
        } = compiled;
        let any_source = roles.iter().any(|r| !r.sourced.is_empty());
        let fingerprint = fingerprint(&plan);
        Ok(CompiledPlan {
            plan,
            fingerprint,
            indicator_index,
            role_index,
            roles,
            grades,
            variants,
            levels,
            any_source,
            measures,
            record_schemas,
            compiled_measures,
        })
    }

    /// Parses (JSON or TOML text) and compiles in one step.
    pub fn from_text(text: &str) -> Result<CompiledPlan, PlanError> {
        CompiledPlan::compile(Plan::from_text(text)?)
    }

    /// The plan as it was given.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The grade names, highest first (the catch-all grade last), as results' grade indices
    /// ([`crate::ColumnScores::grade_index`]) count them.
    pub fn grade_names(&self) -> Vec<&str> {
        self.grades.iter().map(|g| &*g.name).collect()
    }

    /// Whether scoring reads more than each subject's own actuals: items linked to units,
    /// other subjects or roles, or indicators derived from records. A batch of such a plan is
    /// scored as a whole ([`crate::ColumnBatch`] hands it to the engine).
    pub fn reads_more_than_actuals(&self) -> bool {
        self.any_source || !self.measures.is_empty()
    }

    /// `sha256:` followed by the hex SHA-256 of the plan's canonical JSON. Results carry it so
    /// that a score can be traced to the exact plan that produced it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// `sha256:` followed by the hex SHA-256 of the plan's canonical JSON (what
/// [`CompiledPlan::fingerprint`] returns once the plan is compiled).
pub(crate) fn fingerprint(plan: &Plan) -> String {
    let canonical = serde_json::to_vec(plan).unwrap_or_default();
    let digest = Sha256::digest(&canonical);
    let mut fingerprint = String::with_capacity(71);
    fingerprint.push_str("sha256:");
    for byte in digest {
        fingerprint.push_str(&format!("{byte:02x}"));
    }
    fingerprint
}

struct Built {
    indicator_index: FastMap<String, usize>,
    role_index: FastMap<String, usize>,
    roles: Vec<CRole>,
    grades: Vec<CGrade>,
    variants: Vec<Vec<CVariant>>,
    levels: Vec<usize>,
    measures: Vec<crate::measure::MeasureDef>,
    record_schemas: Vec<(String, crate::measure::Schema)>,
    compiled_measures: crate::measure::PlanMeasures,
}

fn build(plan: &Plan, issues: &mut Issues) -> Built {
    let indicator_index = library::build_library(plan, issues);

    // Grades.
    let grades = grades::build_grades(plan, issues);
    let grade_index: HashMap<&str, usize> = grades
        .iter()
        .enumerate()
        .map(|(i, g)| (&*g.name, i))
        .collect();

    // Roles.
    let mut role_index = FastMap::default();
    let mut roles = Vec::with_capacity(plan.roles.len());
    for (ri, role) in plan.roles.iter().enumerate() {
        issues.id(
            format!("roles[{ri}].id"),
            &role.id,
            "role id",
            || role_index.insert(role.id.clone(), ri).is_none(),
            || format!("role id '{}' is used more than once", role.id),
        );
    }
    let ctx = context::RoleContext {
        plan,
        indicator_index: &indicator_index,
        role_index: &role_index,
        grade_index: &grade_index,
    };
    let mut links: Vec<(usize, usize, String)> = Vec::new();
    for (ri, role) in plan.roles.iter().enumerate() {
        let path = format!("roles[{ri}]");
        let crole = scorecard::build_role(&ctx, ri, &path, role, None, &mut links, issues);
        grades::check_grade_coverage(plan, role, &path, &crole, &grades, issues);
        roles.push(crole);
    }
    let variants = variants::build_variants(&ctx, &grades, &mut roles, &mut links, issues);
    let levels = links::link_levels(plan, &links, issues);
    let (measures, record_schemas, compiled_measures) =
        measures::build_measures(plan, &indicator_index, issues);
    Built {
        indicator_index,
        role_index,
        roles,
        grades,
        variants,
        levels,
        measures,
        record_schemas,
        compiled_measures,
    }
}

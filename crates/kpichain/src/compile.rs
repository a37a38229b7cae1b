//! Compiling a plan: validate everything (reporting every problem at once), resolve names to
//! indices, order formula dependencies, and freeze the result into an immutable
//! [`CompiledPlan`] that is `Send + Sync` and cheap to share.

use crate::decimal::{self};
use crate::error::{Code, Path};
use crate::error::{Issues, PlanError};
use crate::formula::{self, Expr, Type, Var};
use crate::model::*;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A hash map with a fast, randomly seeded hasher for the engine's look-ups.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Names a formula may use for the item itself; they cannot be indicator ids.
const RESERVED: [&str; 12] = [
    "actual",
    "target",
    "threshold",
    "stretch",
    "achievement",
    "total",
    "score",
    "and",
    "or",
    "not",
    "true",
    "false",
];

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
}

/// A variant of a role's scorecard and whom it applies to.
#[derive(Debug)]
pub(crate) struct CVariant {
    pub(crate) region: Option<String>,
    pub(crate) unit: Option<String>,
    /// Index into `CompiledPlan::roles`.
    pub(crate) role: usize,
}

/// Where a sourced item's actual comes from, resolved against the plan.
#[derive(Debug)]
pub(crate) enum CSource {
    Unit {
        unit: Option<Arc<str>>,
        indicator: usize,
    },
    Subject {
        subject: Arc<str>,
        indicator: usize,
    },
    Role {
        role: usize,
        value: RoleValue,
        aggregate: Aggregate,
        scope: Scope,
    },
}

/// What a role-linked item reads from each subject of the other role.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum RoleValue {
    Total,
    Score(Arc<str>),
    Actual(usize),
}

/// An item whose actual comes from elsewhere, and the value slot it is written to.
#[derive(Debug)]
pub(crate) struct CSourced {
    pub(crate) slot: usize,
    pub(crate) item: usize,
    pub(crate) source: CSource,
}

#[derive(Debug)]
pub(crate) struct CGrade {
    pub(crate) name: Arc<str>,
    pub(crate) min: Option<Decimal>,
    /// `min` in fixed point, when it fits.
    pub(crate) min_fx: Option<crate::fixed::Fx>,
    pub(crate) coefficient: Decimal,
    pub(crate) rank: usize,
}

#[derive(Debug)]
pub(crate) struct CRole {
    pub(crate) id: Arc<str>,
    pub(crate) index: usize,
    /// `roles[1]` or `roles[1].variants[0]`.
    pub(crate) path: Arc<str>,
    /// Where the role's own adjustments and vetoes are (a variant may inherit the role's).
    pub(crate) adjustments_path: Arc<str>,
    pub(crate) vetoes_path: Arc<str>,
    /// The variant's id, for a variant's scorecard.
    pub(crate) variant: Option<Arc<str>>,
    /// Items whose actual comes from a unit, another subject or another role.
    pub(crate) sourced: Vec<CSourced>,
    pub(crate) items: Vec<CItem>,
    /// Item indices in evaluation order (formula dependencies first).
    pub(crate) order: Vec<usize>,
    pub(crate) adjustments: Vec<CAdjustment>,
    pub(crate) vetoes: Vec<CVeto>,
    /// Indicator indices this role reads, one slot each.
    pub(crate) slots: Vec<usize>,
    /// For each indicator of the library, its slot in this role, or `u32::MAX`.
    pub(crate) slot_of: Vec<u32>,
    pub(crate) any_exclude: bool,
    /// Whether `order` is simply 0, 1, 2, …
    pub(crate) identity_order: bool,
}

#[derive(Debug)]
pub(crate) struct CItem {
    pub(crate) key: Arc<str>,
    pub(crate) indicator_id: Arc<str>,
    pub(crate) slot: usize,
    pub(crate) direction: Direction,
    pub(crate) weight: Decimal,
    pub(crate) target: Option<Decimal>,
    pub(crate) threshold: Option<Decimal>,
    pub(crate) stretch: Option<Decimal>,
    pub(crate) rule: CRule,
    pub(crate) missing: MissingDataPolicy,
    pub(crate) source: usize,
    pub(crate) factors: crate::evaluate::rules::Factors,
}

#[derive(Debug)]
pub(crate) enum CRule {
    Linear(LinearRule),
    Ratio(RatioRule),
    Bands {
        over: Over,
        bands: Vec<Band>,
        outside: Decimal,
    },
    PerUnit(PerUnitRule),
    Deduction(DeductionRule),
    PassFail(PassFailRule),
    Lookup(LookupRule),
    Formula {
        expr: Expr,
        floor: Option<Decimal>,
        cap: Option<Decimal>,
    },
}

impl CRule {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            CRule::Linear(_) => "linear",
            CRule::Ratio(_) => "ratio",
            CRule::Bands { .. } => "bands",
            CRule::PerUnit(_) => "per_unit",
            CRule::Deduction(_) => "deduction",
            CRule::PassFail(_) => "pass_fail",
            CRule::Lookup(_) => "lookup",
            CRule::Formula { .. } => "formula",
        }
    }
}

#[derive(Debug)]
pub(crate) struct CAdjustment {
    pub(crate) id: Arc<str>,
    pub(crate) slot: usize,
    pub(crate) points_per_unit: Decimal,
    pub(crate) min: Option<Decimal>,
    pub(crate) max: Option<Decimal>,
    /// Index into the role's or the plan's adjustment list.
    pub(crate) source: (bool, usize),
}

#[derive(Debug)]
pub(crate) struct CVeto {
    pub(crate) id: Arc<str>,
    pub(crate) condition: Expr,
    pub(crate) force_grade: Option<usize>,
    pub(crate) force_total: Option<Decimal>,
    pub(crate) source: (bool, usize),
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Lowest and highest score a rule can give; `None` = unbounded.
type Range = (Option<Decimal>, Option<Decimal>);

fn span(values: impl IntoIterator<Item = Decimal>) -> Range {
    let mut lo: Option<Decimal> = None;
    let mut hi: Option<Decimal> = None;
    for v in values {
        lo = Some(lo.map_or(v, |l| l.min(v)));
        hi = Some(hi.map_or(v, |h| h.max(v)));
    }
    (lo, hi)
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
}

fn build(plan: &Plan, issues: &mut Issues) -> Built {
    if plan.id.trim().is_empty() {
        issues.push(Code::EmptyField, "id", "the plan id must not be empty");
    }
    if plan.version.trim().is_empty() {
        issues.push(
            Code::EmptyField,
            "version",
            "the plan version must not be empty",
        );
    }
    let r = &plan.rounding;
    for (name, scale) in [
        ("achievement_scale", r.achievement_scale),
        ("item_scale", r.item_scale),
        ("weighted_scale", r.weighted_scale),
        ("total_scale", r.total_scale),
        ("payout_scale", r.payout_scale),
    ] {
        if scale > 20 {
            issues.push(
                Code::InvalidScale,
                format!("rounding.{name}"),
                format!("the scale must be between 0 and 20 decimal places, not {scale}"),
            );
        }
    }

    // Indicator library.
    let mut indicator_index = FastMap::default();
    for (i, ind) in plan.indicators.iter().enumerate() {
        let path = format!("indicators[{i}].id");
        if !is_identifier(&ind.id) {
            issues.push(Code::InvalidId, path, format!("indicator id '{}' must start with a letter or '_' and contain only letters, digits and '_'", ind.id));
        } else if RESERVED.contains(&ind.id.as_str()) {
            issues.push(
                Code::InvalidId,
                path,
                format!(
                    "indicator id '{}' is reserved for formulas; choose another id",
                    ind.id
                ),
            );
        } else if indicator_index.insert(ind.id.clone(), i).is_some() {
            issues.push(
                Code::DuplicateId,
                path,
                format!("indicator id '{}' is used more than once", ind.id),
            );
        }
    }

    // Grades.
    let grades = build_grades(plan, issues);
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
    let ctx = RoleContext {
        plan,
        indicator_index: &indicator_index,
        role_index: &role_index,
        grade_index: &grade_index,
    };
    let mut links: Vec<(usize, usize, String)> = Vec::new();
    for (ri, role) in plan.roles.iter().enumerate() {
        let path = format!("roles[{ri}]");
        let crole = build_role(&ctx, ri, &path, role, None, &mut links, issues);
        check_grade_coverage(plan, role, &path, &crole, &grades, issues);
        roles.push(crole);
    }
    let variants = build_variants(&ctx, &grades, &mut roles, &mut links, issues);
    let levels = link_levels(plan, &links, issues);
    let (measures, record_schemas) = build_measures(plan, &indicator_index, issues);
    Built {
        indicator_index,
        role_index,
        roles,
        grades,
        variants,
        levels,
        measures,
        record_schemas,
    }
}

/// What building a role's scorecard needs to know about the plan.
struct RoleContext<'a> {
    plan: &'a Plan,
    indicator_index: &'a FastMap<String, usize>,
    role_index: &'a FastMap<String, usize>,
    grade_index: &'a HashMap<&'a str, usize>,
}

fn build_grades(plan: &Plan, issues: &mut Issues) -> Vec<CGrade> {
    if plan.grades.is_empty() {
        issues.push(
            Code::EmptyGrades,
            "grades",
            "the grade scale needs at least one grade",
        );
    }
    let mut seen = HashSet::new();
    let mut mins = HashSet::new();
    let mut catch_all = 0usize;
    for (i, g) in plan.grades.iter().enumerate() {
        issues.id(
            format!("grades[{i}].grade"),
            &g.grade,
            "grade name",
            || seen.insert(g.grade.as_str()),
            || format!("grade '{}' is listed more than once", g.grade),
        );
        match g.min {
            None => {
                catch_all = catch_all.saturating_add(1);
                if catch_all > 1 {
                    issues.push(
                        Code::DuplicateCatchAllGrade,
                        format!("grades[{i}].min"),
                        "only one grade may omit `min` (the catch-all lowest grade)",
                    );
                }
            }
            Some(m) => {
                if !mins.insert(m.normalize()) {
                    issues.push(
                        Code::DuplicateGradeMin,
                        format!("grades[{i}].min"),
                        format!("another grade already starts at {m}"),
                    );
                }
            }
        }
        if g.coefficient.is_sign_negative() && !g.coefficient.is_zero() {
            issues.push(
                Code::InvalidCoefficient,
                format!("grades[{i}].coefficient"),
                format!(
                    "the coefficient must not be negative, not {}",
                    g.coefficient
                ),
            );
        }
    }
    let mut grades: Vec<CGrade> = plan
        .grades
        .iter()
        .map(|g| CGrade {
            name: Arc::from(g.grade.as_str()),
            min: g.min,
            min_fx: g.min.and_then(crate::fixed::Fx::of),
            coefficient: g.coefficient,
            rank: 0,
        })
        .collect();
    // Highest min first; the catch-all last.
    grades.sort_by(|a, b| match (a.min, b.min) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    for (rank, g) in grades.iter_mut().enumerate() {
        g.rank = rank;
    }
    grades
}

fn build_role(
    ctx: &RoleContext,
    ri: usize,
    path: &str,
    role: &Role,
    variant: Option<&RoleVariant>,
    links: &mut Vec<(usize, usize, String)>,
    issues: &mut Issues,
) -> CRole {
    let plan = ctx.plan;
    let indicator_index = ctx.indicator_index;
    let grade_index = ctx.grade_index;
    // Plan-wide adjustments and vetoes are validated once, with the first role's scorecard.
    let first = ri == 0 && variant.is_none();
    let n_ind = plan.indicators.len();
    let mut slots: Vec<usize> = Vec::new();
    let mut slot_of = vec![u32::MAX; n_ind];
    let mut slot_for = |ind: usize, slots: &mut Vec<usize>| -> usize {
        match slot_of.get(ind).copied() {
            Some(s) if s != u32::MAX => s as usize,
            _ => {
                let s = slots.len();
                slots.push(ind);
                if let Some(x) = slot_of.get_mut(ind) {
                    *x = u32::try_from(s).unwrap_or(u32::MAX);
                }
                s
            }
        }
    };

    if role.items.is_empty() {
        issues.push(
            Code::EmptyScorecard,
            format!("{path}.items"),
            format!("role '{}' ({}) has no items", role.id, role.name),
        );
    }
    let item_keys: HashMap<&str, usize> = role
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.key(), i))
        .collect();
    let mut seen_keys = HashSet::new();
    let mut sum = Decimal::ZERO;
    let mut sum_ok = true;
    let mut items = Vec::with_capacity(role.items.len());
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); role.items.len()];
    let mut sourced = Vec::new();
    if let Some(Source::Role { .. }) = &role.source {
        issues.push(
            Code::InvalidSource,
            format!("{path}.source"),
            "a whole scorecard cannot read another role's results; give the items that should their own `source`",
        );
    }
    for (ii, item) in role.items.iter().enumerate() {
        let ipath = format!("{path}.items[{ii}]");
        let key = item.key();
        if !seen_keys.insert(key) {
            issues.push(Code::DuplicateId, format!("{ipath}.id"), format!("item '{key}' appears more than once on the scorecard of role '{}'; give each an `id`", role.id));
        }
        let ind = match indicator_index.get(&item.indicator) {
            Some(&i) => i,
            None => {
                issues.push(
                    Code::UnknownIndicator,
                    format!("{ipath}.indicator"),
                    format!(
                        "indicator '{}' is not in the indicator library",
                        item.indicator
                    ),
                );
                usize::MAX
            }
        };
        if item.weight <= Decimal::ZERO {
            issues.push(
                Code::InvalidWeight,
                format!("{ipath}.weight"),
                format!("the weight must be greater than 0, not {}", item.weight),
            );
        }
        match sum.checked_add(item.weight) {
            Some(s) => sum = s,
            None => sum_ok = false,
        }
        let direction = plan
            .indicators
            .get(ind)
            .map(|i| i.direction)
            .unwrap_or_default();
        let (source, spath) = match (&item.source, &role.source) {
            (Some(s), _) => (Some(s), format!("{ipath}.source")),
            (None, Some(s)) => (Some(s), format!("{path}.source")),
            (None, None) => (None, String::new()),
        };
        let read = match source.and_then(Source::indicator) {
            Some(other) => match indicator_index.get(other) {
                Some(&i) => i,
                None => {
                    issues.push(
                        Code::UnknownIndicator,
                        format!("{spath}.indicator"),
                        format!("indicator '{other}' is not in the indicator library"),
                    );
                    usize::MAX
                }
            },
            None => ind,
        };
        let slot = match source {
            None | Some(Source::Own { .. }) if read != usize::MAX => slot_for(read, &mut slots),
            None | Some(Source::Own { .. }) => 0,
            Some(source) => {
                let slot = slots.len();
                slots.push(usize::MAX);
                if let Some(c) = build_source(ctx, source, read, &spath, ri, links, issues) {
                    sourced.push(CSourced {
                        slot,
                        item: ii,
                        source: c,
                    });
                }
                slot
            }
        };
        let rule = build_rule(
            plan,
            item,
            &ipath,
            direction,
            indicator_index,
            &item_keys,
            ii,
            &mut deps,
            issues,
            &mut |i| slot_for(i, &mut slots),
        );
        let mut citem = CItem {
            key: Arc::from(key),
            indicator_id: Arc::from(item.indicator.as_str()),
            slot,
            direction,
            weight: item.weight,
            target: item.target,
            threshold: item.threshold,
            stretch: item.stretch,
            rule,
            missing: item.missing_data.unwrap_or(plan.missing_data),
            source: ii,
            factors: crate::evaluate::rules::Factors::default(),
        };
        citem.factors = crate::evaluate::rules::Factors::new(&citem);
        items.push(citem);
    }
    if !role.items.is_empty() && (!sum_ok || sum != decimal::HUNDRED) {
        issues.push(
            Code::WeightsDoNotSum,
            format!("{path}.items"),
            format!(
                "the weights of role '{}' ({}) sum to {}, not 100",
                role.id,
                role.name,
                sum.normalize()
            ),
        );
    }
    let order = topo_order(&deps, &role.items, path, issues);

    // Adjustments and vetoes: the plan's first, then the role's.
    let mut adjustments = Vec::new();
    let mut vetoes = Vec::new();
    let mut adj_ids = HashSet::new();
    let mut veto_ids = HashSet::new();
    let sources = [
        (true, &plan.adjustments, "adjustments".to_string()),
        (false, &role.adjustments, format!("{path}.adjustments")),
    ];
    for (from_plan, list, base) in sources {
        for (ai, adj) in list.iter().enumerate() {
            let apath = format!("{base}[{ai}]");
            if from_plan && !first {
                // Plan-wide entries are validated once, with the first role.
                if let Some(&ind) = indicator_index.get(&adj.indicator) {
                    let slot = slot_for(ind, &mut slots);
                    adjustments.push(CAdjustment {
                        id: Arc::from(adj.id.as_str()),
                        slot,
                        points_per_unit: adj.points_per_unit,
                        min: adj.min,
                        max: adj.max,
                        source: (from_plan, ai),
                    });
                }
                continue;
            }
            if !adj_ids.insert(adj.id.as_str()) {
                issues.push(
                    Code::DuplicateId,
                    format!("{apath}.id"),
                    format!(
                        "adjustment '{}' is defined more than once for role '{}'",
                        adj.id, role.id
                    ),
                );
            }
            if let (Some(lo), Some(hi)) = (adj.min, adj.max) {
                if lo > hi {
                    issues.push(
                        Code::BoundsOutOfOrder,
                        format!("{apath}.min"),
                        format!("min {lo} is greater than max {hi}"),
                    );
                }
            }
            match indicator_index.get(&adj.indicator) {
                Some(&ind) => {
                    let slot = slot_for(ind, &mut slots);
                    adjustments.push(CAdjustment {
                        id: Arc::from(adj.id.as_str()),
                        slot,
                        points_per_unit: adj.points_per_unit,
                        min: adj.min,
                        max: adj.max,
                        source: (from_plan, ai),
                    });
                }
                None => issues.push(
                    Code::UnknownIndicator,
                    format!("{apath}.indicator"),
                    format!(
                        "indicator '{}' is not in the indicator library",
                        adj.indicator
                    ),
                ),
            }
        }
    }
    let vsources = [
        (true, &plan.vetoes, "vetoes".to_string()),
        (false, &role.vetoes, format!("{path}.vetoes")),
    ];
    for (from_plan, list, base) in vsources {
        for (vi, veto) in list.iter().enumerate() {
            let vpath = format!("{base}[{vi}]");
            let report = !from_plan || first;
            if report && !veto_ids.insert(veto.id.as_str()) {
                issues.push(
                    Code::DuplicateId,
                    format!("{vpath}.id"),
                    format!(
                        "veto '{}' is defined more than once for role '{}'",
                        veto.id, role.id
                    ),
                );
            }
            if report && veto.force_grade.is_none() && veto.force_total.is_none() {
                issues.push(
                    Code::VetoWithoutEffect,
                    vpath.clone(),
                    "a veto must set `force_grade`, `force_total` or both",
                );
            }
            let force_grade = match &veto.force_grade {
                Some(g) => match grade_index.get(g.as_str()) {
                    Some(&gi) => Some(gi),
                    None => {
                        if report {
                            issues.push(
                                Code::UnknownGrade,
                                format!("{vpath}.force_grade"),
                                format!("grade '{g}' is not in the grade scale"),
                            );
                        }
                        None
                    }
                },
                None => None,
            };
            let lookup = |name: &str| -> Option<Var> {
                if name == "total" {
                    return Some(Var::Total);
                }
                if let Some(k) = name.strip_prefix("score.") {
                    return item_keys.get(k).map(|&i| Var::ItemScore(i));
                }
                indicator_index.get(name).map(|&i| Var::Indicator(i))
            };
            let checked = formula::parse(&veto.condition)
                .and_then(|ast| formula::check(&ast, Type::Boolean, &lookup));
            match checked {
                Ok(expr) => {
                    let mut vars = Vec::new();
                    expr.vars(&mut vars);
                    for v in vars {
                        if let Var::Indicator(i) = v {
                            slot_for(i, &mut slots);
                        }
                    }
                    vetoes.push(CVeto {
                        id: Arc::from(veto.id.as_str()),
                        condition: expr,
                        force_grade,
                        force_total: veto.force_total,
                        source: (from_plan, vi),
                    });
                }
                Err(e) => {
                    // A plan-wide veto is checked against every role (its `score.ITEM` names
                    // must exist on each scorecard); the same problem is reported once.
                    let message = if from_plan {
                        format!("{e} (for role '{}')", role.id)
                    } else {
                        e.to_string()
                    };
                    let path = format!("{vpath}.condition");
                    let known = issues.0.iter().any(|i| {
                        i.code == Code::FormulaInvalid
                            && i.path == path
                            && i.message.split(" (for role '").next()
                                == message.split(" (for role '").next()
                    });
                    if !known {
                        issues.push(Code::FormulaInvalid, path, message);
                    }
                }
            }
        }
    }
    let any_exclude = items
        .iter()
        .any(|i| i.missing == MissingDataPolicy::Exclude);
    let identity_order = order.iter().enumerate().all(|(k, &i)| k == i);
    let own = |list: &str| -> Arc<str> {
        match variant {
            Some(v) if list == "adjustments" && v.adjustments.is_none() => {
                Arc::from(format!("roles[{ri}].adjustments"))
            }
            Some(v) if list == "vetoes" && v.vetoes.is_none() => {
                Arc::from(format!("roles[{ri}].vetoes"))
            }
            _ => Arc::from(format!("{path}.{list}")),
        }
    };
    CRole {
        id: Arc::from(role.id.as_str()),
        index: ri,
        path: Arc::from(path),
        adjustments_path: own("adjustments"),
        vetoes_path: own("vetoes"),
        variant: variant.map(|v| Arc::from(v.id.as_str())),
        sourced,
        items,
        order,
        adjustments,
        vetoes,
        slots,
        slot_of,
        any_exclude,
        identity_order,
    }
}

#[allow(clippy::too_many_arguments)]
fn build_rule(
    plan: &Plan,
    item: &Item,
    ipath: &str,
    direction: Direction,
    indicator_index: &FastMap<String, usize>,
    item_keys: &HashMap<&str, usize>,
    ii: usize,
    deps: &mut [Vec<usize>],
    issues: &mut Issues,
    slot_for: &mut dyn FnMut(usize) -> usize,
) -> CRule {
    let rpath = format!("{ipath}.rule");
    let higher = direction == Direction::HigherIsBetter;
    let need = |issues: &mut Issues, field: &str, present: bool| {
        if !present {
            issues.push(
                match field {
                    "threshold" => Code::MissingThreshold,
                    "stretch" => Code::MissingStretch,
                    _ => Code::MissingTarget,
                },
                format!("{ipath}.{field}"),
                format!("a {} rule needs the item's `{field}`", item.rule.kind()),
            );
        }
    };
    // better(a, b): a is strictly better than b in this direction.
    let better = |a: Decimal, b: Decimal| if higher { a > b } else { a < b };
    let word = if higher { "above" } else { "below" };
    match &item.rule {
        ScoreRule::Linear(r) => {
            need(issues, "target", item.target.is_some());
            need(issues, "threshold", item.threshold.is_some());
            if let (Some(th), Some(t)) = (item.threshold, item.target) {
                if !better(t, th) {
                    issues.push(Code::TargetsOutOfOrder, format!("{ipath}.target"), format!("for a {} indicator the target ({t}) must be {word} the threshold ({th})", direction.as_str()));
                }
            }
            if let (Some(t), Some(s)) = (item.target, item.stretch) {
                if !better(s, t) {
                    issues.push(Code::TargetsOutOfOrder, format!("{ipath}.stretch"), format!("for a {} indicator the stretch value ({s}) must be {word} the target ({t})", direction.as_str()));
                }
            }
            if r.floor_score > r.target_score || r.target_score > r.stretch_score {
                issues.push(Code::ScoresOutOfOrder, rpath, format!("scores must rise from floor_score ({}) to target_score ({}) to stretch_score ({})", r.floor_score, r.target_score, r.stretch_score));
            }
            CRule::Linear(r.clone())
        }
        ScoreRule::Ratio(r) => {
            need(issues, "target", item.target.is_some());
            if let Some(cap) = r.cap {
                if r.floor > cap {
                    issues.push(
                        Code::BoundsOutOfOrder,
                        format!("{rpath}.floor"),
                        format!("the floor ({}) is above the cap ({cap})", r.floor),
                    );
                }
            } else if !higher {
                issues.push(Code::RatioCapRequired, format!("{rpath}.cap"), "a lower-is-better ratio rule needs a `cap`: target ÷ actual grows without bound as the actual approaches zero");
            }
            CRule::Ratio(r.clone())
        }
        ScoreRule::Bands(r) => {
            if r.over == Over::Achievement {
                need(issues, "target", item.target.is_some());
            }
            check_bands(&r.bands, &rpath, issues);
            let mut bands = r.bands.clone();
            bands.sort_by(|a, b| match (a.from, b.from) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, _) => std::cmp::Ordering::Less,
                (_, None) => std::cmp::Ordering::Greater,
                (Some(x), Some(y)) => x.cmp(&y),
            });
            CRule::Bands {
                over: r.over,
                bands,
                outside: r.outside_score,
            }
        }
        ScoreRule::PerUnit(r) => {
            need(issues, "target", item.target.is_some());
            if r.step <= Decimal::ZERO {
                issues.push(
                    Code::InvalidStep,
                    format!("{rpath}.step"),
                    format!("the step must be greater than 0, not {}", r.step),
                );
            }
            if r.points_above.is_sign_negative() && !r.points_above.is_zero() {
                issues.push(Code::InvalidPoints, format!("{rpath}.points_above"), "points_above must not be negative (it is added on the good side of the target)");
            }
            if r.points_below.is_sign_negative() && !r.points_below.is_zero() {
                issues.push(
                    Code::InvalidPoints,
                    format!("{rpath}.points_below"),
                    "points_below must not be negative (it is taken on the bad side of the target)",
                );
            }
            if let Some(cap) = r.cap {
                if r.floor > cap {
                    issues.push(
                        Code::BoundsOutOfOrder,
                        format!("{rpath}.floor"),
                        format!("the floor ({}) is above the cap ({cap})", r.floor),
                    );
                }
            }
            CRule::PerUnit(r.clone())
        }
        ScoreRule::Deduction(r) => {
            if r.points.is_sign_negative() && !r.points.is_zero() {
                issues.push(
                    Code::InvalidPoints,
                    format!("{rpath}.points"),
                    "points per occurrence must not be negative",
                );
            }
            if r.floor > r.start {
                issues.push(
                    Code::BoundsOutOfOrder,
                    format!("{rpath}.floor"),
                    format!(
                        "the floor ({}) is above the start score ({})",
                        r.floor, r.start
                    ),
                );
            }
            CRule::Deduction(r.clone())
        }
        ScoreRule::PassFail(r) => {
            need(issues, "target", item.target.is_some());
            CRule::PassFail(r.clone())
        }
        ScoreRule::Lookup(r) => {
            if r.over == Over::Achievement {
                need(issues, "target", item.target.is_some());
            }
            if r.rows.is_empty() {
                issues.push(
                    Code::EmptyTable,
                    format!("{rpath}.rows"),
                    "a lookup table needs at least one row",
                );
            }
            for (i, row) in r.rows.iter().enumerate() {
                if let (Some(lo), Some(hi)) = (row.min, row.max) {
                    if lo > hi {
                        issues.push(
                            Code::BoundsOutOfOrder,
                            format!("{rpath}.rows[{i}]"),
                            format!("min {lo} is greater than max {hi}"),
                        );
                    }
                }
            }
            CRule::Lookup(r.clone())
        }
        ScoreRule::Formula(r) => {
            if let (Some(lo), Some(hi)) = (r.floor, r.cap) {
                if lo > hi {
                    issues.push(
                        Code::BoundsOutOfOrder,
                        format!("{rpath}.floor"),
                        format!("the floor ({lo}) is above the cap ({hi})"),
                    );
                }
            }
            let lookup = |name: &str| -> Option<Var> {
                match name {
                    "actual" => Some(Var::Actual),
                    "target" => Some(Var::Target),
                    "threshold" => Some(Var::Threshold),
                    "stretch" => Some(Var::Stretch),
                    "achievement" => Some(Var::Achievement),
                    _ => match name.strip_prefix("score.") {
                        Some(k) => item_keys.get(k).map(|&i| Var::ItemScore(i)),
                        None => indicator_index.get(name).map(|&i| Var::Indicator(i)),
                    },
                }
            };
            let checked = formula::parse(&r.expression)
                .and_then(|ast| formula::check(&ast, Type::Number, &lookup));
            match checked {
                Ok(expr) => {
                    let mut vars = Vec::new();
                    expr.vars(&mut vars);
                    for v in vars {
                        match v {
                            Var::ItemScore(j) => {
                                if let Some(d) = deps.get_mut(ii) {
                                    d.push(j);
                                }
                            }
                            Var::Indicator(i) => {
                                slot_for(i);
                            }
                            Var::Target => need(issues, "target", item.target.is_some()),
                            Var::Threshold => need(issues, "threshold", item.threshold.is_some()),
                            Var::Stretch => need(issues, "stretch", item.stretch.is_some()),
                            Var::Achievement => need(issues, "target", item.target.is_some()),
                            Var::Actual | Var::Total => {}
                        }
                    }
                    let _ = plan;
                    CRule::Formula {
                        expr,
                        floor: r.floor,
                        cap: r.cap,
                    }
                }
                Err(e) => {
                    issues.push(
                        Code::FormulaInvalid,
                        format!("{rpath}.expression"),
                        e.to_string(),
                    );
                    CRule::Formula {
                        expr: Expr::Num(Decimal::ZERO),
                        floor: r.floor,
                        cap: r.cap,
                    }
                }
            }
        }
    }
}

fn check_bands(bands: &[Band], rpath: &str, issues: &mut Issues) {
    if bands.is_empty() {
        issues.push(
            Code::EmptyTable,
            format!("{rpath}.bands"),
            "a bands rule needs at least one band",
        );
        return;
    }
    let mut order: Vec<(usize, &Band)> = bands.iter().enumerate().collect();
    for (i, b) in &order {
        if let (Some(f), Some(t)) = (b.from, b.to) {
            if f >= t {
                issues.push(
                    Code::BandEmpty,
                    format!("{rpath}.bands[{i}]"),
                    format!("the band [{f}, {t}) is empty: `from` must be below `to`"),
                );
            }
        }
    }
    order.sort_by(|(_, a), (_, b)| match (a.from, b.from) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Less,
        (_, None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(&y),
    });
    for pair in order.windows(2) {
        let [(_, a), (j, b)] = pair else { continue };
        let describe = |x: Option<Decimal>| x.map_or_else(|| "∞".to_string(), |d| d.to_string());
        match (a.to, b.from) {
            (None, _) | (_, None) => issues.push(
                Code::BandsOverlap,
                format!("{rpath}.bands[{j}]"),
                format!(
                    "the band from {} overlaps an open-ended band",
                    describe(b.from)
                ),
            ),
            (Some(end), Some(start)) if start < end => issues.push(
                Code::BandsOverlap,
                format!("{rpath}.bands[{j}]"),
                format!("the band starting at {start} overlaps the band ending at {end}"),
            ),
            (Some(end), Some(start)) if start > end => issues.push(
                Code::BandsGap,
                format!("{rpath}.bands[{j}]"),
                format!("values from {end} up to {start} fall in no band"),
            ),
            _ => {}
        }
    }
}

fn topo_order(deps: &[Vec<usize>], items: &[Item], path: &str, issues: &mut Issues) -> Vec<usize> {
    // 0 = unvisited, 1 = in progress, 2 = done.
    let n = deps.len();
    let mut state = vec![0u8; n];
    let mut order = Vec::with_capacity(n);
    fn visit(
        i: usize,
        deps: &[Vec<usize>],
        state: &mut [u8],
        order: &mut Vec<usize>,
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        match state.get(i) {
            Some(2) => return None,
            Some(1) => {
                let start = stack.iter().position(|&x| x == i).unwrap_or(0);
                let mut cycle: Vec<usize> = stack
                    .get(start..)
                    .map(<[usize]>::to_vec)
                    .unwrap_or_default();
                cycle.push(i);
                return Some(cycle);
            }
            _ => {}
        }
        if let Some(s) = state.get_mut(i) {
            *s = 1;
        }
        stack.push(i);
        for &d in deps.get(i).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(c) = visit(d, deps, state, order, stack) {
                return Some(c);
            }
        }
        stack.pop();
        if let Some(s) = state.get_mut(i) {
            *s = 2;
        }
        order.push(i);
        None
    }
    for i in 0..n {
        let mut stack = Vec::new();
        if let Some(cycle) = visit(i, deps, &mut state, &mut order, &mut stack) {
            {
                let names: Vec<&str> = cycle
                    .iter()
                    .filter_map(|&c| items.get(c))
                    .map(Item::key)
                    .collect();
                let first = cycle.first().copied().unwrap_or(0);
                issues.push(
                    Code::FormulaCycle,
                    format!("{path}.items[{first}].rule.expression"),
                    format!(
                        "formulas refer to each other in a cycle: {}",
                        names.join(" → ")
                    ),
                );
            }
            return (0..n).collect();
        }
    }
    order
}

fn rule_range(item: &CItem) -> Range {
    let z = Decimal::ZERO;
    let mut r = match &item.rule {
        CRule::Linear(r) => span([r.floor_score, r.target_score, r.stretch_score]),
        CRule::Ratio(r) => (Some(r.floor), r.cap.map(|c| c.max(decimal::HUNDRED))),
        CRule::Bands { bands, outside, .. } => {
            span(bands.iter().map(|b| b.score).chain([*outside]))
        }
        CRule::PerUnit(r) => (Some(r.floor), r.cap),
        CRule::Deduction(r) => span([r.floor, r.start]),
        CRule::PassFail(r) => span([r.pass_score, r.fail_score]),
        CRule::Lookup(r) => span(r.rows.iter().map(|x| x.score).chain([r.default_score])),
        CRule::Formula { floor, cap, .. } => (*floor, *cap),
    };
    if item.missing == MissingDataPolicy::Zero {
        r.0 = r.0.map(|lo| lo.min(z));
        r.1 = r.1.map(|hi| hi.max(z));
    }
    r
}

fn check_grade_coverage(
    plan: &Plan,
    role: &Role,
    path: &str,
    crole: &CRole,
    grades: &[CGrade],
    issues: &mut Issues,
) {
    if grades.iter().any(|g| g.min.is_none()) || grades.is_empty() {
        return;
    }
    let Some(lowest_min) = grades.iter().filter_map(|g| g.min).min() else {
        return;
    };
    // Lowest reachable total: weighted sum of each item's lowest score (or, when items can be
    // excluded, the lowest single item score), plus the adjustments' lowest points.
    let mut total: Option<Decimal> = Some(Decimal::ZERO);
    let mut lowest_item: Option<Decimal> = None;
    for item in &crole.items {
        let lo = rule_range(item).0;
        total = match (total, lo) {
            (Some(t), Some(lo)) => lo
                .checked_mul(item.weight)
                .and_then(|x| x.checked_div(decimal::HUNDRED))
                .and_then(|x| t.checked_add(x)),
            _ => None,
        };
        lowest_item = match (lowest_item, lo) {
            (None, lo) => lo,
            (Some(a), Some(b)) => Some(a.min(b)),
            (Some(_), None) => None,
        };
        if lo.is_none() {
            lowest_item = None;
        }
    }
    if crole.any_exclude {
        total = match (total, lowest_item) {
            (Some(t), Some(l)) => Some(t.min(l)),
            _ => None,
        };
    }
    for adj in &crole.adjustments {
        let lo = match adj.min {
            Some(m) => Some(m.min(Decimal::ZERO)),
            None if adj.points_per_unit.is_sign_negative() && !adj.points_per_unit.is_zero() => {
                None
            }
            None => Some(Decimal::ZERO),
        };
        total = match (total, lo) {
            (Some(t), Some(l)) => t.checked_add(l),
            _ => None,
        };
    }
    for v in &crole.vetoes {
        if let (Some(t), Some(f)) = (total, v.force_total) {
            total = Some(t.min(f));
        }
    }
    let _ = plan;
    match total {
        None => issues.push(
            Code::GradesDoNotCover,
            "grades",
            format!("role '{}' ({}) has no lowest possible total (a rule or adjustment is unbounded below), so the grade scale needs a catch-all grade without `min`", role.id, role.name),
        ),
        Some(t) if t < lowest_min => issues.push(
            Code::GradesDoNotCover,
            "grades",
            format!("role '{}' ({}) can reach a total of {}, below the lowest grade minimum {}; lower that minimum or add a grade without `min` (at {path})", role.id, role.name, t.normalize(), lowest_min),
        ),
        _ => {}
    }
}

/// Resolves an item's source; `read` is the indicator it reads (the source's or the item's).
fn build_source(
    ctx: &RoleContext,
    source: &Source,
    read: usize,
    spath: &str,
    ri: usize,
    links: &mut Vec<(usize, usize, String)>,
    issues: &mut Issues,
) -> Option<CSource> {
    match source {
        Source::Own { .. } => None,
        Source::Unit { unit, .. } => {
            if unit.as_deref().is_some_and(|u| u.trim().is_empty()) {
                issues.push(
                    Code::EmptyField,
                    format!("{spath}.unit"),
                    "the unit id must not be empty",
                );
            }
            (read != usize::MAX).then(|| CSource::Unit {
                unit: unit.as_deref().map(Arc::from),
                indicator: read,
            })
        }
        Source::Subject { subject, .. } => {
            if subject.trim().is_empty() {
                issues.push(
                    Code::EmptyField,
                    format!("{spath}.subject"),
                    "the subject id must not be empty",
                );
            }
            (read != usize::MAX).then(|| CSource::Subject {
                subject: Arc::from(subject.as_str()),
                indicator: read,
            })
        }
        Source::Role {
            role,
            value,
            aggregate,
            scope,
        } => {
            let Some(&target) = ctx.role_index.get(role) else {
                issues.push(
                    Code::UnknownRole,
                    format!("{spath}.role"),
                    format!("role '{role}' is not in the plan"),
                );
                return None;
            };
            let parsed = if value == "total" {
                Some(RoleValue::Total)
            } else if let Some(key) = value.strip_prefix("score.") {
                let other = ctx.plan.roles.get(target);
                let known = other.is_some_and(|r| {
                    r.items.iter().any(|i| i.key() == key)
                        || r.variants
                            .iter()
                            .any(|v| v.items.iter().any(|i| i.key() == key))
                });
                if known {
                    Some(RoleValue::Score(Arc::from(key)))
                } else {
                    issues.push(
                        Code::UnknownItem,
                        format!("{spath}.value"),
                        format!("role '{role}' has no item '{key}'"),
                    );
                    None
                }
            } else if let Some(ind) = value.strip_prefix("actual.") {
                match ctx.indicator_index.get(ind) {
                    Some(&i) => Some(RoleValue::Actual(i)),
                    None => {
                        issues.push(
                            Code::UnknownIndicator,
                            format!("{spath}.value"),
                            format!("indicator '{ind}' is not in the indicator library"),
                        );
                        None
                    }
                }
            } else {
                issues.push(
                    Code::InvalidSource,
                    format!("{spath}.value"),
                    format!("'{value}' is not a role value: use `total`, `score.ITEM` or `actual.INDICATOR`"),
                );
                None
            };
            links.push((ri, target, format!("{spath}.role")));
            parsed.map(|value| CSource::Role {
                role: target,
                value,
                aggregate: *aggregate,
                scope: *scope,
            })
        }
    }
}

/// Compiles every role's variants (validated on their own) and appends their scorecards to
/// `roles`.
fn build_variants(
    ctx: &RoleContext,
    grades: &[CGrade],
    roles: &mut Vec<CRole>,
    links: &mut Vec<(usize, usize, String)>,
    issues: &mut Issues,
) -> Vec<Vec<CVariant>> {
    let mut all = Vec::with_capacity(ctx.plan.roles.len());
    for (ri, role) in ctx.plan.roles.iter().enumerate() {
        let mut list = Vec::with_capacity(role.variants.len());
        let mut ids = HashSet::new();
        for (vi, v) in role.variants.iter().enumerate() {
            let vpath = format!("roles[{ri}].variants[{vi}]");
            issues.id(
                format!("{vpath}.id"),
                &v.id,
                "variant id",
                || ids.insert(v.id.as_str()),
                || {
                    format!(
                        "variant '{}' of role '{}' is defined more than once",
                        v.id, role.id
                    )
                },
            );
            match (&v.region, &v.unit) {
                (None, None) => issues.push(
                    Code::VariantWithoutSelector,
                    vpath.clone(),
                    format!(
                        "variant '{}' of role '{}' must name the `region` or the `unit` it applies to",
                        v.id, role.id
                    ),
                ),
                (Some(_), Some(_)) => issues.push(
                    Code::VariantWithTwoSelectors,
                    vpath.clone(),
                    format!(
                        "variant '{}' of role '{}' names both a region and a unit; give one",
                        v.id, role.id
                    ),
                ),
                _ => {}
            }
            let clash = role.variants.iter().take(vi).find(|w| {
                (v.region.is_some() && w.region == v.region)
                    || (v.unit.is_some() && w.unit == v.unit)
            });
            if let Some(w) = clash {
                issues.push(
                    Code::DuplicateVariant,
                    vpath.clone(),
                    format!(
                        "variants '{}' and '{}' of role '{}' apply to the same {}",
                        w.id,
                        v.id,
                        role.id,
                        match &v.region {
                            Some(r) => format!("region '{r}'"),
                            None => format!("unit '{}'", v.unit.as_deref().unwrap_or("")),
                        }
                    ),
                );
            }
            let view = Role {
                id: role.id.clone(),
                name: v.name.clone().unwrap_or_else(|| role.name.clone()),
                items: v.items.clone(),
                adjustments: v
                    .adjustments
                    .clone()
                    .unwrap_or_else(|| role.adjustments.clone()),
                vetoes: v.vetoes.clone().unwrap_or_else(|| role.vetoes.clone()),
                source: role.source.clone(),
                variants: Vec::new(),
            };
            let mut scratch = Issues::default();
            let crole = build_role(ctx, ri, &vpath, &view, Some(v), links, &mut scratch);
            check_grade_coverage(ctx.plan, &view, &vpath, &crole, grades, &mut scratch);
            let base = Path::parse(&vpath);
            let inherited = |p: &Path| {
                let under = |field: &str| p.starts_with(&base.clone().key(field));
                (v.adjustments.is_none() && under("adjustments"))
                    || (v.vetoes.is_none() && under("vetoes"))
                    || under("source")
            };
            for issue in scratch.0 {
                if !inherited(&issue.path) && !issues.0.contains(&issue) {
                    issues.0.push(issue);
                }
            }
            list.push(CVariant {
                region: v.region.clone(),
                unit: v.unit.clone(),
                role: roles.len(),
            });
            roles.push(crole);
        }
        all.push(list);
    }
    all
}

/// Orders the roles linked by `{"from": "role"}` sources: a role's level is one more than the
/// highest level of the roles it reads. A cycle is an error naming it.
fn link_levels(plan: &Plan, links: &[(usize, usize, String)], issues: &mut Issues) -> Vec<usize> {
    let n = plan.roles.len();
    let mut levels = vec![0usize; n];
    if links.is_empty() {
        return levels;
    }
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (from, to, _) in links {
        if let Some(d) = deps.get_mut(*from) {
            if !d.contains(to) {
                d.push(*to);
            }
        }
    }
    // Depth-first search; 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut reported: HashSet<Vec<usize>> = HashSet::new();
    fn visit(
        r: usize,
        deps: &[Vec<usize>],
        state: &mut [u8],
        levels: &mut [usize],
        stack: &mut Vec<usize>,
        cycles: &mut Vec<Vec<usize>>,
    ) {
        if let Some(s) = state.get_mut(r) {
            *s = 1;
        }
        stack.push(r);
        let mut level = 0usize;
        for &d in deps.get(r).map(Vec::as_slice).unwrap_or(&[]) {
            match state.get(d).copied() {
                Some(1) => {
                    let start = stack.iter().position(|&x| x == d).unwrap_or(0);
                    let mut cycle = stack
                        .get(start..)
                        .map(<[usize]>::to_vec)
                        .unwrap_or_default();
                    cycle.push(d);
                    cycles.push(cycle);
                }
                Some(0) => visit(d, deps, state, levels, stack, cycles),
                _ => {}
            }
            level = level.max(levels.get(d).copied().unwrap_or(0).saturating_add(1));
        }
        if let Some(l) = levels.get_mut(r) {
            *l = level;
        }
        stack.pop();
        if let Some(s) = state.get_mut(r) {
            *s = 2;
        }
    }
    let mut cycles = Vec::new();
    for r in 0..n {
        if state.get(r) == Some(&0) {
            visit(r, &deps, &mut state, &mut levels, &mut stack, &mut cycles);
        }
    }
    for cycle in cycles {
        // The same cycle found from another start is reported once.
        let mut key = cycle.clone();
        key.pop();
        key.sort_unstable();
        if !reported.insert(key) {
            continue;
        }
        let names: Vec<&str> = cycle
            .iter()
            .filter_map(|&r| plan.roles.get(r))
            .map(|r| r.id.as_str())
            .collect();
        let first = cycle.first().copied().unwrap_or(0);
        let next = cycle.get(1).copied().unwrap_or(first);
        let path = links
            .iter()
            .find(|(f, t, _)| *f == first && *t == next)
            .map_or_else(|| format!("roles[{first}]"), |(_, _, p)| p.clone());
        issues.push(
            Code::LinkageCycle,
            path,
            format!(
                "roles read each other's results in a cycle: {}",
                names.join(" → ")
            ),
        );
    }
    levels
}

/// Collects the indicators' measures and checks them against the declared record sets.
fn build_measures(
    plan: &Plan,
    indicator_index: &FastMap<String, usize>,
    issues: &mut Issues,
) -> (
    Vec<crate::measure::MeasureDef>,
    Vec<(String, crate::measure::Schema)>,
) {
    use crate::measure::{
        Column, DeriveOptions, MeasureDef, RecordSet, RecordSets, Schema, UtcOffset,
    };
    let mut schemas = Vec::with_capacity(plan.records.len());
    let mut sets = RecordSets::new();
    for (i, decl) in plan.records.iter().enumerate() {
        let path = format!("records[{i}]");
        let fresh = || {
            !schemas
                .iter()
                .any(|(n, _): &(String, Schema)| *n == decl.name)
        };
        let duplicate = || format!("record set '{}' is declared more than once", decl.name);
        if !issues.id(
            format!("{path}.name"),
            &decl.name,
            "record set name",
            fresh,
            duplicate,
        ) {
            continue;
        }
        match Schema::new(decl.fields.clone()) {
            Ok(schema) => {
                // An empty record set of this shape lets the measures be checked now.
                let columns = decl
                    .fields
                    .iter()
                    .map(|f| (f.clone(), Column::empty(f.kind)))
                    .collect();
                if let Ok(set) = RecordSet::from_columns(decl.name.clone(), columns) {
                    let _ = sets.insert(set);
                }
                schemas.push((decl.name.clone(), schema));
            }
            Err(e) => {
                for issue in e.issues {
                    issues.push(
                        issue.code,
                        format!("{path}.fields"),
                        format!("record set '{}': {}", decl.name, issue.message),
                    );
                }
            }
        }
    }
    let mut measures = Vec::new();
    let mut owners = Vec::new();
    for (i, ind) in plan.indicators.iter().enumerate() {
        if let Some(m) = &ind.measure {
            measures.push(MeasureDef {
                indicator: ind.id.clone(),
                measure: m.clone(),
            });
            owners.push(i);
        }
    }
    if measures.is_empty() {
        return (measures, schemas);
    }
    let tz = match plan.time_zone {
        Some(tz) => tz,
        None => {
            issues.push(
                Code::MissingTimeZone,
                "time_zone",
                "indicators derived from records need the plan's `time_zone`, e.g. \"+08:00\"",
            );
            UtcOffset::UTC
        }
    };
    let Ok(period) = crate::measure::Period::month(2000, 1) else {
        return (measures, schemas);
    };
    if let Err(e) =
        crate::measure::derive_actuals(&measures, &sets, &period, &DeriveOptions::new(tz))
    {
        for issue in e.issues {
            let path = crate::measure::plan_path(&issue.path, &owners);
            issues.push(issue.code, path, issue.message);
        }
    }
    let _ = indicator_index;
    (measures, schemas)
}

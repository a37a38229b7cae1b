//! What changed between two versions of a plan (方案变更), as data and as text.
//!
//! [`diff_plans`] compares two [`Plan`]s and returns a [`PlanDiff`]: one [`Change`] per added or
//! removed entity and per changed field, each with its JSON path, the values before and after
//! (decimals as exact strings) and a sentence using the plan's own names. `Display` renders
//! the whole diff as text.
//!
//! How the plans are compared:
//!
//! - Entities are matched by identity, never by position: indicators, roles, adjustments,
//!   vetoes and role variants by `id`, items by [`Item::key`](crate::Item::key) (their `id`,
//!   else their indicator), grades by their `grade` name. Changing an identity is a removal
//!   plus an addition. Moving an entity within its list is not reported.
//! - Every other field is compared by value and reported by name, so fields added to the plan
//!   format later are reported without changes here. Nested objects are compared field by
//!   field (`rule.cap`, `rounding.item_scale`), except that an object whose `type` changed
//!   (a score rule of another type) is reported whole. Lists that are not matched by identity
//!   (a rule's `bands`, a lookup's `rows`) are reported whole when anything in them changed,
//!   including their order.
//! - Decimals are compared by value: `50` and `50.0` are the same weight.
//! - The plans' `id` and `version` are not changes: they are [`PlanDiff::from`] and
//!   [`PlanDiff::to`].
//!
//! Changes come in plan order: plan fields, then indicators, roles (each role's fields, then its
//! items, adjustments and vetoes), plan-wide adjustments and vetoes, and grades; within a list,
//! removed entities first (in their old order), then changed and added ones in their new order.

#[cfg(test)]
mod tests;
mod walk;

use crate::model::Plan;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use std::fmt;

use walk::changes;

/// Text values longer than this many characters (descriptions) are only said to have changed
/// in the text rendering; the JSON carries them in full.
pub(crate) const LONG_TEXT: usize = 80;

/// Which plan version a side of a diff is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct VersionRef {
    /// The plan's id.
    pub id: String,
    /// The plan's version label.
    pub version: String,
    /// `sha256:` and the hex SHA-256 of the plan's canonical JSON: the fingerprint results
    /// carry once the plan is compiled.
    pub fingerprint: String,
}

impl VersionRef {
    fn of(plan: &Plan) -> VersionRef {
        VersionRef {
            id: plan.id.clone(),
            version: plan.version.clone(),
            fingerprint: crate::compile::fingerprint(plan),
        }
    }
}

/// Whether an entity appeared, disappeared or had a field changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The entity (indicator, role, item, …) is new; `after` holds it.
    Added,
    /// The entity is gone; `before` holds it.
    Removed,
    /// A field changed; `before` and `after` hold its values (absent when the field was not
    /// set on that side).
    Changed,
}

/// The part of the plan a change belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// A plan-level field (`name`, `effective_from`, `description`, …).
    Plan,
    /// The plan's rounding policy.
    Rounding,
    /// The plan's missing-data policy.
    MissingData,
    /// An indicator of the library.
    Indicator,
    /// A role (its own fields, or the role added or removed).
    Role,
    /// A variant of a role's scorecard.
    Variant,
    /// A scorecard item.
    Item,
    /// An adjustment, plan-wide or of a role.
    Adjustment,
    /// A veto, plan-wide or of a role.
    Veto,
    /// A step of the grade scale.
    Grade,
}

impl Section {
    /// The section's name as serialized (`missing_data`).
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Plan => "plan",
            Section::Rounding => "rounding",
            Section::MissingData => "missing_data",
            Section::Indicator => "indicator",
            Section::Role => "role",
            Section::Variant => "variant",
            Section::Item => "item",
            Section::Adjustment => "adjustment",
            Section::Veto => "veto",
            Section::Grade => "grade",
        }
    }
}

/// One difference between two plans.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Change {
    /// Added, removed or changed.
    pub kind: ChangeKind,
    /// The part of the plan.
    pub section: Section,
    /// JSON path of the entity or field, in the new plan (in the old plan for a removal),
    /// e.g. `roles[2].items[0].weight`.
    pub path: String,
    /// The id of the role the change is in.
    pub role: Option<String>,
    /// The key of the item the change is in (its `id`, else its indicator).
    pub item: Option<String>,
    /// The id of the indicator, adjustment, veto or variant the change is in (the innermost
    /// one), or the grade's name.
    pub id: Option<String>,
    /// The changed field, dotted for nested fields (`weight`, `rule.cap`,
    /// `rounding.item_scale`); absent when a whole entity was added or removed.
    pub field: Option<String>,
    /// The old value or entity, as in the plan's JSON (decimals as exact strings).
    pub before: Option<Value>,
    /// The new value or entity.
    pub after: Option<Value>,
    /// The change in words, with the plan's names, as `Display` prints it, e.g.
    /// `roles[2] purchasing_manager (采购经理): item on_time_supply_rate (供货及时率) weight 50 → 60`.
    pub message: String,
}

/// Everything that changed from one plan version to another. `Display` renders it as text:
/// a header line (`company-a-2022 2022.01 → 2022.03: 5 changes`) and one line per change.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PlanDiff {
    /// The old plan.
    pub from: VersionRef,
    /// The new plan.
    pub to: VersionRef,
    /// The changes, in plan order.
    pub changes: Vec<Change>,
}

impl PlanDiff {
    /// Whether nothing changed (the versions and fingerprints may still differ, e.g. after
    /// re-ordering).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

impl fmt::Display for PlanDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let to = if self.to.id == self.from.id {
            self.to.version.clone()
        } else {
            format!("{} {}", self.to.id, self.to.version)
        };
        let count = match self.changes.len() {
            0 => "no changes".to_string(),
            1 => "1 change".to_string(),
            n => format!("{n} changes"),
        };
        writeln!(f, "{} {} → {to}: {count}", self.from.id, self.from.version)?;
        for change in &self.changes {
            writeln!(f, "  {}", change.message)?;
        }
        Ok(())
    }
}

/// Compares two versions of a plan. Neither plan needs to compile; entities with a duplicate
/// identity are matched in order of appearance.
///
/// ```
/// use kpichain::{Decimal, Plan, diff::{ChangeKind, diff_plans}};
///
/// let before = Plan::from_json(r#"{"id": "p", "version": "1",
///   "indicators": [{"id": "sales", "name": "销售额"}],
///   "roles": [{"id": "rep", "name": "销售代表", "items": [
///     {"indicator": "sales", "weight": 100, "target": 50, "rule": {"type": "ratio", "cap": 120}}]}],
///   "grades": [{"grade": "B", "coefficient": 1}]}"#)?;
/// let mut after = before.clone();
/// after.version = "2".into();
/// for item in after.roles.iter_mut().flat_map(|r| r.items.iter_mut()) {
///     item.target = Some(Decimal::from(60));
/// }
///
/// let diff = diff_plans(&before, &after);
/// assert_eq!(diff.changes.len(), 1);
/// let change = &diff.changes[0];
/// assert_eq!(change.kind, ChangeKind::Changed);
/// assert_eq!(change.path, "roles[0].items[0].target");
/// assert_eq!(change.before, Some(serde_json::json!("50")));
/// assert_eq!(
///     diff.to_string(),
///     "p 1 → 2: 1 change\n  roles[0] rep (销售代表): item sales (销售额) target 50 → 60\n"
/// );
/// # Ok::<(), kpichain::PlanError>(())
/// ```
pub fn diff_plans(before: &Plan, after: &Plan) -> PlanDiff {
    PlanDiff {
        from: VersionRef::of(before),
        to: VersionRef::of(after),
        changes: changes(&to_value(before), &to_value(after)),
    }
}

fn to_value(plan: &Plan) -> Value {
    serde_json::to_value(plan).unwrap_or(Value::Null)
}

//! The full-chain parts of a plan: where an item's actual comes from (its own records, its
//! org unit, another subject, another role's results), regional variants of a scorecard, and
//! the record sets the plan's measures read.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Adjustment, Item, Veto};
use crate::measure::Field;

/// Where an item (or every item of a role) takes its actual from (全流程联动).
///
/// Without a source an item reads its subject's own actual of its indicator. Examples:
/// - `{"from": "unit"}` — the subject's org unit, e.g. a sales director measured on the
///   sales department: the unit's actual is derived from the records of everybody in the unit
///   and the units below it, supplied for the unit, or rolled up from its members.
/// - `{"from": "unit", "unit": "A公司", "indicator": "sales_growth_rate"}` — a named unit.
/// - `{"from": "subject", "subject": "E002", "indicator": "new_customers"}` — another subject.
/// - `{"from": "role", "role": "sales_rep", "value": "total", "aggregate": "avg", "scope": "unit"}`
///   — the results of another role: the purchasing manager scored partly on how the sales
///   reps did. Roles linked this way are evaluated in dependency order; a cycle is a
///   compile error.
/// - `{"from": "self"}` — the subject's own actual (to opt an item out of its role's source).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "from", rename_all = "snake_case", deny_unknown_fields)]
pub enum Source {
    /// The subject's own actual.
    #[serde(rename = "self")]
    Own {
        /// Another indicator than the item's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        indicator: Option<String>,
    },
    /// An org unit's actual: the subject's own unit, or the unit named.
    Unit {
        /// The unit id; the subject's own unit when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        /// Another indicator than the item's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        indicator: Option<String>,
    },
    /// Another subject's actual.
    Subject {
        /// The subject id.
        subject: String,
        /// Another indicator than the item's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        indicator: Option<String>,
    },
    /// An aggregate of another role's results.
    Role {
        /// The role whose results are read.
        role: String,
        /// `total` (default), `score.ITEM` (an item's score on that role's scorecard) or
        /// `actual.INDICATOR` (an indicator's actual of those subjects).
        #[serde(default = "default_value", skip_serializing_if = "is_total")]
        value: String,
        /// How the values of several subjects combine; default `avg`.
        #[serde(default, skip_serializing_if = "is_avg")]
        aggregate: Aggregate,
        /// Which subjects of that role count; default `all`.
        #[serde(default, skip_serializing_if = "is_all")]
        scope: LinkScope,
    },
}

fn default_value() -> String {
    "total".to_string()
}
fn is_total(v: &str) -> bool {
    v == "total"
}
fn is_avg(a: &Aggregate) -> bool {
    *a == Aggregate::Avg
}
fn is_all(s: &LinkScope) -> bool {
    *s == LinkScope::All
}

impl Source {
    /// The source's kind as written (`self`, `unit`, `subject`, `role`).
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Own { .. } => "self",
            Source::Unit { .. } => "unit",
            Source::Subject { .. } => "subject",
            Source::Role { .. } => "role",
        }
    }

    /// The indicator named by the source, if any.
    pub fn indicator(&self) -> Option<&str> {
        match self {
            Source::Own { indicator }
            | Source::Unit { indicator, .. }
            | Source::Subject { indicator, .. } => indicator.as_deref(),
            Source::Role { .. } => None,
        }
    }
}

/// How several values combine into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// The mean (exact when it terminates, else cut at 28 significant digits).
    #[default]
    Avg,
    /// The sum.
    Sum,
    /// The smallest value.
    Min,
    /// The largest value.
    Max,
}

impl Aggregate {
    /// The aggregate's name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregate::Avg => "avg",
            Aggregate::Sum => "sum",
            Aggregate::Min => "min",
            Aggregate::Max => "max",
        }
    }
}

/// Which subjects of a linked role count for a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkScope {
    /// Every subject holding the role in the batch.
    #[default]
    All,
    /// Those in the subject's unit or the units below it.
    Unit,
    /// Those in the subject's region.
    Region,
    /// Those whose manager is the subject.
    Team,
}

impl LinkScope {
    /// The scope's name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkScope::All => "all",
            LinkScope::Unit => "unit",
            LinkScope::Region => "region",
            LinkScope::Team => "team",
        }
    }
}

/// How the actuals of an indicator for an org unit are rolled up from its members' supplied
/// actuals when the unit has none of its own (derived or supplied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rollup {
    /// The sum over the members (counts, amounts).
    Sum,
    /// The mean over the members who have a value (rates, satisfaction scores).
    Avg,
    /// The smallest member value.
    Min,
    /// The largest member value.
    Max,
}

impl Rollup {
    /// As an [`Aggregate`].
    pub fn aggregate(self) -> Aggregate {
        match self {
            Rollup::Sum => Aggregate::Sum,
            Rollup::Avg => Aggregate::Avg,
            Rollup::Min => Aggregate::Min,
            Rollup::Max => Aggregate::Max,
        }
    }
}

/// A regional or unit variant of a role's scorecard (区域差异化考核): its own items, validated
/// on their own (weights sum to 100, …). A subject gets the variant of its unit (or a unit
/// above it) first, else the variant of its region, else the role's own scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleVariant {
    /// Identifier, unique within the role, e.g. `south`.
    pub id: String,
    /// Display name, e.g. `南区销售代表`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The region the variant applies to, e.g. `south`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The org unit the variant applies to (and the units below it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The variant's scorecard; its weights sum to exactly 100.
    pub items: Vec<Item>,
    /// Adjustments replacing the role's own (the plan-wide ones still apply); the role's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustments: Option<Vec<Adjustment>>,
    /// Vetoes replacing the role's own (the plan-wide ones still apply); the role's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vetoes: Option<Vec<Veto>>,
}

/// A record set the plan's measures read (CRM orders, ERP deliveries, OA approvals): its name
/// and typed fields, so that files and data frames can be read and checked against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordSetDecl {
    /// The record set's name, e.g. `orders`.
    pub name: String,
    /// Where the records come from, for readers, e.g. `CRM 订单`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The fields, in the order files usually have them.
    pub fields: Vec<Field>,
}

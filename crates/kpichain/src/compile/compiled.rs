//! The compiled forms: scorecards, items, rules, grades, sources, variants.

use crate::formula::Formula;
use crate::model::*;
use rust_decimal::Decimal;
use std::sync::Arc;

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
        scope: LinkScope,
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
    pub(crate) factors: super::Factors,
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
        expr: Formula,
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
    pub(crate) condition: Formula,
    pub(crate) force_grade: Option<usize>,
    pub(crate) force_total: Option<Decimal>,
    pub(crate) source: (bool, usize),
}

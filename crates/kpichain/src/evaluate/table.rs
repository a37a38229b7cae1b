//! A batch's results as a table: one compact row per subject and per item, in flat vectors,
//! borrowing the plan's and the inputs' names instead of copying them.
//!
//! [`CompiledPlan::score_table`] fills a [`ScoreTable`]; [`CompiledPlan::evaluate`] is the
//! same scoring followed by [`ScoreTable::to_evaluation`]. The table is the fast way to score
//! large batches: no allocation per subject or item (beyond the rare adjustment, veto,
//! warning or source), and reading a row costs nothing until a value is asked for.

use super::result::*;
use super::rules::Targets;
use crate::compile::{CGrade, CItem, CRole, CompiledPlan};
use crate::measure::DeriveReport;
use crate::model::{Inputs, TargetOverride};
use rust_decimal::Decimal;
use std::sync::Arc;

/// One item's numbers, as scored (the plan's names and weights are not copied).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ItemRow {
    /// The item's index in its scorecard.
    pub(crate) item: u32,
    /// The index of the subject's own target in `inputs.targets`, or `u32::MAX`.
    pub(crate) target: u32,
    pub(crate) status: ItemStatus,
    pub(crate) actual: Option<Decimal>,
    pub(crate) achievement: Option<Decimal>,
    pub(crate) raw: Decimal,
    pub(crate) score: Decimal,
    pub(crate) effective_weight: Decimal,
    pub(crate) weighted: Decimal,
}

/// An item's numbers as the engine computed them, before they take the shape of a row or of
/// an owned result.
pub(crate) struct ItemNumbers {
    pub(crate) status: ItemStatus,
    pub(crate) actual: Option<Decimal>,
    pub(crate) achievement: Option<Decimal>,
    pub(crate) raw: Decimal,
    pub(crate) score: Decimal,
    pub(crate) weighted: Decimal,
}

/// What the engine writes an item into: a compact [`ItemRow`] for a [`ScoreTable`], or an
/// owned [`ItemResult`] for an [`Evaluation`] (no row in between).
pub(crate) trait ItemOut: Sized {
    /// The item `def` (index `index` in its scorecard), with the subject's own target at
    /// `target` in the inputs when it has one.
    fn make(
        def: &CItem,
        index: u32,
        target: Option<(u32, &TargetOverride)>,
        n: ItemNumbers,
    ) -> Self;
    /// The item's index in its scorecard.
    fn index(&self, role: &CRole) -> usize;
    fn status(&self) -> ItemStatus;
    fn score(&self) -> Decimal;
    fn set_effective_weight(&mut self, w: Decimal);
    fn set_weighted(&mut self, w: Decimal);
}

/// The accessors of the fields both item shapes name alike.
macro_rules! shared_item_fields {
    () => {
        #[inline(always)]
        fn status(&self) -> ItemStatus {
            self.status
        }
        #[inline(always)]
        fn score(&self) -> Decimal {
            self.score
        }
        #[inline(always)]
        fn set_effective_weight(&mut self, w: Decimal) {
            self.effective_weight = w;
        }
        #[inline(always)]
        fn set_weighted(&mut self, w: Decimal) {
            self.weighted = w;
        }
    };
}

impl ItemOut for ItemRow {
    #[inline(always)]
    fn make(
        def: &CItem,
        index: u32,
        target: Option<(u32, &TargetOverride)>,
        n: ItemNumbers,
    ) -> Self {
        ItemRow {
            item: index,
            target: target.map_or(u32::MAX, |t| t.0),
            status: n.status,
            actual: n.actual,
            achievement: n.achievement,
            raw: n.raw,
            score: n.score,
            effective_weight: def.weight,
            weighted: n.weighted,
        }
    }
    #[inline(always)]
    fn index(&self, _: &CRole) -> usize {
        self.item as usize
    }
    shared_item_fields!();
}

impl ItemOut for ItemResult {
    #[inline(always)]
    fn make(def: &CItem, _: u32, target: Option<(u32, &TargetOverride)>, n: ItemNumbers) -> Self {
        let t = super::rules::targets_for(def, target.map(|t| t.1));
        ItemResult {
            item: def.key.clone(),
            indicator: def.indicator_id.clone(),
            rule: def.rule.kind(),
            status: n.status,
            actual: n.actual,
            target: t.target,
            threshold: t.threshold,
            stretch: t.stretch,
            achievement: n.achievement,
            raw_score: n.raw,
            score: n.score,
            weight: def.weight,
            effective_weight: def.weight,
            weighted: n.weighted,
        }
    }
    fn index(&self, role: &CRole) -> usize {
        role.items
            .iter()
            .position(|c| Arc::ptr_eq(&c.key, &self.item))
            .unwrap_or(usize::MAX)
    }
    shared_item_fields!();
}

/// What a subject's result holds besides its numbers, when there is any.
#[derive(Debug, Clone, Default)]
pub(crate) struct SubjectExtra {
    pub(crate) adjustments: Vec<AdjustmentResult>,
    pub(crate) vetoes: Vec<VetoResult>,
    pub(crate) warnings: Vec<Warning>,
    pub(crate) sources: Vec<ItemSource>,
    /// A region inherited from the unit tree.
    pub(crate) region: Option<String>,
}

/// One subject's numbers; its items are `items[first..first + scorecard length]`.
#[derive(Debug, Clone)]
pub(crate) struct SubjectRow {
    /// The index of the assignment in the inputs.
    pub(crate) assignment: u32,
    /// The index of the compiled scorecard (a role or a variant).
    pub(crate) role: u32,
    /// The index of the grade in the compiled grade scale.
    pub(crate) grade: u32,
    pub(crate) first: u32,
    pub(crate) total_unrounded: Decimal,
    pub(crate) total: Decimal,
    pub(crate) payout: Option<Decimal>,
    pub(crate) extra: Option<Box<SubjectExtra>>,
}

const EMPTY: &SubjectExtra = &SubjectExtra {
    adjustments: Vec::new(),
    vetoes: Vec::new(),
    warnings: Vec::new(),
    sources: Vec::new(),
    region: None,
};

/// The results of one batch as a table: the same numbers as an [`Evaluation`], kept in
/// compact rows that borrow the plan and the inputs.
///
/// Read it through [`SubjectView`] and [`ItemView`], turn it into the owned
/// [`Evaluation`] with [`ScoreTable::to_evaluation`], or serialize it: the JSON is the
/// evaluation's, byte for byte.
///
/// ```
/// use kpichain::{CompiledPlan, Inputs};
/// let plan = CompiledPlan::from_text(r#"{
///   "id": "demo", "version": "1",
///   "indicators": [{"id": "sales", "name": "销售额"}, {"id": "visits", "name": "拜访"}],
///   "roles": [{"id": "rep", "name": "销售代表", "items": [
///     {"indicator": "sales", "weight": 70, "target": 80, "rule": {"type": "ratio", "cap": 120}},
///     {"indicator": "visits", "weight": 30, "target": 20, "rule": {"type": "ratio", "cap": 120}}]}],
///   "grades": [{"grade": "A", "min": 100, "coefficient": 1.2}, {"grade": "B", "coefficient": 1}]
/// }"#)?;
/// let inputs = Inputs::from_json(r#"{"period": "2022-01",
///   "assignments": [{"subject": "E1", "role": "rep"}, {"subject": "E2", "role": "rep"}],
///   "actuals": [{"subject": "E1", "indicator": "sales", "value": "70"},
///               {"subject": "E1", "indicator": "visits", "value": "25"},
///               {"subject": "E2", "indicator": "sales", "value": "96"},
///               {"subject": "E2", "indicator": "visits", "value": "20"}]}"#)?;
/// let table = plan.score_table(&inputs)?;
/// let e2 = table.get(1).unwrap();
/// assert_eq!((e2.subject(), e2.total().to_string(), e2.grade()), ("E2", "114.00".into(), "A"));
/// let sales = e2.item("sales").unwrap();
/// assert_eq!((sales.score().to_string(), sales.weighted().to_string()), ("120.00".into(), "84.0000".into()));
/// // The same numbers, and the same JSON, as `evaluate`.
/// assert_eq!(table.to_evaluation(), plan.evaluate(&inputs)?);
/// assert_eq!(serde_json::to_string(&table)?, serde_json::to_string(&plan.evaluate(&inputs)?)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ScoreTable<'a> {
    pub(crate) plan: &'a CompiledPlan,
    pub(crate) inputs: &'a Inputs,
    pub(crate) subjects: Vec<SubjectRow>,
    pub(crate) items: Vec<ItemRow>,
    pub(crate) derivation: Option<DeriveReport>,
    /// The value table of the batch, kept for the next one.
    pub(crate) values: Vec<Option<Decimal>>,
}

/// The memory of a [`ScoreTable`], to score the next batch in without allocating it again:
/// see [`CompiledPlan::score_table_with`]. It holds no data of the batch it came from.
///
/// ```
/// use kpichain::{CompiledPlan, Inputs, TableBuffers};
/// let plan = CompiledPlan::from_text(r#"{
///   "id": "demo", "version": "1",
///   "indicators": [{"id": "sales", "name": "销售额"}],
///   "roles": [{"id": "rep", "name": "销售代表", "items": [
///     {"indicator": "sales", "weight": 100, "target": 80, "rule": {"type": "ratio", "cap": 120}}]}],
///   "grades": [{"grade": "A", "min": 100, "coefficient": 1.2}, {"grade": "B", "coefficient": 1}]
/// }"#)?;
/// let mut buffers = TableBuffers::default();
/// for (month, sales) in [("2022-01", "70"), ("2022-02", "90")] {
///     let inputs = Inputs::from_json(&format!(r#"{{"period": "{month}",
///       "assignments": [{{"subject": "E1", "role": "rep"}}],
///       "actuals": [{{"subject": "E1", "indicator": "sales", "value": "{sales}"}}]}}"#))?;
///     let table = plan.score_table_with(&inputs, &mut buffers)?;
///     println!("{month}: {}", table.get(0).unwrap().total());
///     buffers = table.into_buffers();
/// }
/// # Ok::<(), kpichain::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct TableBuffers {
    pub(crate) subjects: Vec<SubjectRow>,
    pub(crate) items: Vec<ItemRow>,
    pub(crate) values: Vec<Option<Decimal>>,
}

impl<'a> ScoreTable<'a> {
    /// Gives the table's memory back, emptied, for [`CompiledPlan::score_table_with`].
    pub fn into_buffers(self) -> TableBuffers {
        let (mut subjects, mut items, mut values) = (self.subjects, self.items, self.values);
        subjects.clear();
        items.clear();
        values.clear();
        TableBuffers {
            subjects,
            items,
            values,
        }
    }

    /// The number of subjects (one per assignment).
    pub fn len(&self) -> usize {
        self.subjects.len()
    }

    /// Whether there are no subjects.
    pub fn is_empty(&self) -> bool {
        self.subjects.is_empty()
    }

    /// The number of item rows, over all subjects.
    pub fn item_count(&self) -> usize {
        self.items.len()
    }

    /// The `i`-th subject, in the order of the assignments.
    pub fn get(&self, i: usize) -> Option<SubjectView<'_>> {
        let row = self.subjects.get(i)?;
        Some(self.view(row))
    }

    /// Every subject, in the order of the assignments.
    pub fn subjects(&self) -> impl ExactSizeIterator<Item = SubjectView<'_>> + '_ {
        self.subjects.iter().map(|row| self.view(row))
    }

    /// The plan's id.
    pub fn plan_id(&self) -> &str {
        &self.plan.plan.id
    }

    /// The plan's version.
    pub fn plan_version(&self) -> &str {
        &self.plan.plan.version
    }

    /// The plan's fingerprint (`sha256:…`).
    pub fn plan_fingerprint(&self) -> &str {
        &self.plan.fingerprint
    }

    /// The period, as given in the inputs.
    pub fn period(&self) -> Option<&str> {
        self.inputs.period.as_deref()
    }

    /// How actuals were derived from records, when records were given.
    pub fn derivation(&self) -> Option<&DeriveReport> {
        self.derivation.as_ref()
    }

    /// The owned [`Evaluation`], identical to what [`CompiledPlan::evaluate`] returns.
    pub fn to_evaluation(&self) -> Evaluation {
        Evaluation {
            plan_id: self.plan.plan.id.clone(),
            plan_version: self.plan.plan.version.clone(),
            plan_fingerprint: self.plan.fingerprint.clone(),
            period: self.inputs.period.clone(),
            results: self.subjects().map(|s| s.to_result()).collect(),
            derivation: self.derivation.clone(),
            versions: Vec::new(),
        }
    }

    pub(crate) fn view<'t>(&'t self, row: &'t SubjectRow) -> SubjectView<'t> {
        let role = self.plan.roles.get(row.role as usize);
        let n = role.map_or(0, |r| r.items.len());
        let first = row.first as usize;
        SubjectView {
            table: self,
            row,
            role,
            items: self
                .items
                .get(first..first.saturating_add(n))
                .unwrap_or(&[]),
        }
    }
}

/// One subject of a [`ScoreTable`].
#[derive(Debug, Clone, Copy)]
pub struct SubjectView<'t> {
    table: &'t ScoreTable<'t>,
    row: &'t SubjectRow,
    role: Option<&'t CRole>,
    items: &'t [ItemRow],
}

impl<'t> SubjectView<'t> {
    fn assignment(&self) -> Option<&'t crate::model::Assignment> {
        self.table
            .inputs
            .assignments
            .get(self.row.assignment as usize)
    }

    fn extra(&self) -> &'t SubjectExtra {
        self.row.extra.as_deref().unwrap_or(EMPTY)
    }

    fn grade_def(&self) -> Option<&'t CGrade> {
        self.table.plan.grades.get(self.row.grade as usize)
    }

    /// Subject id.
    pub fn subject(&self) -> &'t str {
        self.assignment().map_or("", |a| &a.subject)
    }

    /// Display name from the assignment.
    pub fn name(&self) -> Option<&'t str> {
        self.assignment().and_then(|a| a.name.as_deref())
    }

    /// Role id.
    pub fn role(&self) -> &'t str {
        self.role.map_or("", |r| &r.id)
    }

    /// Org unit from the assignment.
    pub fn unit(&self) -> Option<&'t str> {
        self.assignment().and_then(|a| a.unit.as_deref())
    }

    /// Region from the assignment, or inherited from the unit tree.
    pub fn region(&self) -> Option<&'t str> {
        self.assignment()
            .and_then(|a| a.region.as_deref())
            .or(self.extra().region.as_deref())
    }

    /// The variant of the role's scorecard applied, if any.
    pub fn variant(&self) -> Option<&'t str> {
        self.role.and_then(|r| r.variant.as_deref())
    }

    /// Sum of weighted item scores plus adjustments, before rounding and vetoes.
    pub fn total_unrounded(&self) -> Decimal {
        self.row.total_unrounded
    }

    /// The final total at the total scale (after vetoes).
    pub fn total(&self) -> Decimal {
        self.row.total
    }

    /// The grade.
    pub fn grade(&self) -> &'t str {
        self.grade_def().map_or("", |g| &g.name)
    }

    /// The grade's coefficient.
    pub fn coefficient(&self) -> Decimal {
        self.grade_def().map_or(Decimal::ZERO, |g| g.coefficient)
    }

    /// Bonus base × coefficient at the payout scale, when a bonus base was given.
    pub fn payout(&self) -> Option<Decimal> {
        self.row.payout
    }

    /// The number of items of the scorecard.
    pub fn item_count(&self) -> usize {
        self.items.len()
    }

    /// Every item, in the scorecard's order.
    pub fn items(&self) -> impl Iterator<Item = ItemView<'t>> + 't {
        let (table, role) = (self.table, self.role);
        self.items.iter().filter_map(move |row| {
            let def = role?.items.get(row.item as usize)?;
            Some(ItemView { table, def, row })
        })
    }

    /// The item with this id (an item's id is its indicator unless the plan names it).
    pub fn item(&self, id: &str) -> Option<ItemView<'t>> {
        let role = self.role?;
        self.items.iter().find_map(|row| {
            let def = role.items.get(row.item as usize)?;
            (*def.key == *id).then_some(ItemView {
                table: self.table,
                def,
                row,
            })
        })
    }

    /// Every adjustment that applies to the role.
    pub fn adjustments(&self) -> &'t [AdjustmentResult] {
        &self.extra().adjustments
    }

    /// Vetoes whose condition held.
    pub fn vetoes(&self) -> &'t [VetoResult] {
        &self.extra().vetoes
    }

    /// Warnings: missing data handled by policy, values outside bands…
    pub fn warnings(&self) -> &'t [Warning] {
        &self.extra().warnings
    }

    /// Where items that do not read the subject's own actual took it from.
    pub fn sources(&self) -> &'t [ItemSource] {
        &self.extra().sources
    }

    /// The owned [`SubjectResult`].
    pub fn to_result(&self) -> SubjectResult {
        let mut items = Vec::with_capacity(self.items.len());
        items.extend(self.items().map(|i| i.to_result()));
        self.result_around(items)
    }

    /// The owned result around items already made.
    pub(crate) fn result_around(&self, items: Vec<ItemResult>) -> SubjectResult {
        let a = self.assignment();
        let extra = self.extra();
        SubjectResult {
            subject: a.map_or_else(|| Arc::from(""), |a| a.subject.clone()),
            name: a.and_then(|a| a.name.clone()),
            role: self.role.map_or_else(|| Arc::from(""), |r| r.id.clone()),
            unit: a.and_then(|a| a.unit.clone()),
            region: self.region().map(str::to_string),
            variant: self.role.and_then(|r| r.variant.clone()),
            total_unrounded: self.row.total_unrounded,
            total: self.row.total,
            grade: self
                .grade_def()
                .map_or_else(|| Arc::from(""), |g| g.name.clone()),
            coefficient: self.coefficient(),
            payout: self.row.payout,
            items,
            adjustments: extra.adjustments.clone(),
            vetoes: extra.vetoes.clone(),
            warnings: extra.warnings.clone(),
            sources: extra.sources.clone(),
            segments: Vec::new(),
        }
    }
}

/// One item of a subject in a [`ScoreTable`].
#[derive(Debug, Clone, Copy)]
pub struct ItemView<'t> {
    table: &'t ScoreTable<'t>,
    def: &'t CItem,
    row: &'t ItemRow,
}

impl<'t> ItemView<'t> {
    fn targets(&self) -> Targets {
        let own: Option<&TargetOverride> = self.table.inputs.targets.get(self.row.target as usize);
        super::rules::targets_for(self.def, own)
    }

    /// Item id.
    pub fn item(&self) -> &'t str {
        &self.def.key
    }

    /// Indicator id.
    pub fn indicator(&self) -> &'t str {
        &self.def.indicator_id
    }

    /// The rule type applied.
    pub fn rule(&self) -> &'static str {
        self.def.rule.kind()
    }

    /// How the item was treated.
    pub fn status(&self) -> ItemStatus {
        self.row.status
    }

    /// The actual value, if any.
    pub fn actual(&self) -> Option<Decimal> {
        self.row.actual
    }

    /// The target used (the subject's own when given).
    pub fn target(&self) -> Option<Decimal> {
        self.targets().target
    }

    /// The threshold used.
    pub fn threshold(&self) -> Option<Decimal> {
        self.targets().threshold
    }

    /// The stretch value used.
    pub fn stretch(&self) -> Option<Decimal> {
        self.targets().stretch
    }

    /// Achievement percentage at the achievement scale; none when undefined.
    pub fn achievement(&self) -> Option<Decimal> {
        self.row.achievement
    }

    /// The rule's score before rounding.
    pub fn raw_score(&self) -> Decimal {
        self.row.raw
    }

    /// The score at the item scale.
    pub fn score(&self) -> Decimal {
        self.row.score
    }

    /// The weight in the plan.
    pub fn weight(&self) -> Decimal {
        self.def.weight
    }

    /// The weight actually applied (differs when other items were excluded).
    pub fn effective_weight(&self) -> Decimal {
        self.row.effective_weight
    }

    /// score × effective weight ÷ 100 at the weighted scale.
    pub fn weighted(&self) -> Decimal {
        self.row.weighted
    }

    /// The owned [`ItemResult`].
    pub fn to_result(&self) -> ItemResult {
        let t = self.targets();
        ItemResult {
            item: self.def.key.clone(),
            indicator: self.def.indicator_id.clone(),
            rule: self.def.rule.kind(),
            status: self.row.status,
            actual: self.row.actual,
            target: t.target,
            threshold: t.threshold,
            stretch: t.stretch,
            achievement: self.row.achievement,
            raw_score: self.row.raw,
            score: self.row.score,
            weight: self.def.weight,
            effective_weight: self.row.effective_weight,
            weighted: self.row.weighted,
        }
    }
}

/// The JSON of the [`Evaluation`], written one subject at a time.
impl serde::Serialize for ScoreTable<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Results<'x, 'a>(&'x ScoreTable<'a>);
        impl serde::Serialize for Results<'_, '_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.subjects().map(|s| s.to_result()))
            }
        }
        let fields = if self.derivation.is_some() { 6 } else { 5 };
        let mut st = serializer.serialize_struct("Evaluation", fields)?;
        st.serialize_field("plan_id", &self.plan.plan.id)?;
        st.serialize_field("plan_version", &self.plan.plan.version)?;
        st.serialize_field("plan_fingerprint", &self.plan.fingerprint)?;
        st.serialize_field("period", &self.inputs.period)?;
        st.serialize_field("results", &Results(self))?;
        if let Some(d) = &self.derivation {
            st.serialize_field("derivation", d)?;
        }
        st.end()
    }
}

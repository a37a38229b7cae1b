//! The columnar batch kernel: a batch given as columns, scored in exact integer arithmetic
//! without a heap object per subject or item, with results kept as columns.
//!
//! [`ColumnBatch`] holds the inputs the way data frames and Arrow hold them: subject ids, each
//! subject's role, and per indicator one column of fixed-point values (a 64-bit mantissa and
//! its scale per cell, or no value). [`ColumnBatch::score`] scores it into [`ColumnScores`]:
//! per subject the total, grade and payout, per item the score and weighted score.
//!
//! The results are the engine's ([`CompiledPlan::evaluate`]), byte for byte. Each item's score
//! is computed as an exact fraction (see `exact.rs`); a subject is handed to the engine
//! instead — alone, never its batch — when anything about it is out of the kernel's plain
//! case: a missing value (the missing-data policy), a value outside every band (a warning), a
//! number out of range, a value within 10⁻¹⁸ of a rounding boundary that the engine holds to
//! 28 digits. Scorecards with adjustments, vetoes, variants, formulas or linked items, and
//! the rules `per_unit` and `lookup`, are scored by the engine too; a plan whose items read
//! units, other subjects or roles, or records, is scored by the engine as a whole.
//! Whatever the inputs lack (an unknown role, a repeated subject, a bad period), the error is
//! the engine's, with the same codes and paths.
//!
//! The owned [`SubjectResult`] of a subject (every item's actual, achievement and raw score)
//! and its explanation are made on demand by the engine from the subject's own inputs.
//!
//! ```
//! use kpichain::{ColumnBatch, CompiledPlan, Decimal};
//! use std::sync::Arc;
//! let plan = Arc::new(CompiledPlan::from_text(r#"{
//!   "id": "demo", "version": "1",
//!   "indicators": [{"id": "sales", "name": "销售额"}, {"id": "visits", "name": "拜访"}],
//!   "roles": [{"id": "rep", "name": "销售代表", "items": [
//!     {"indicator": "sales", "weight": 70, "threshold": 60, "target": 100, "stretch": 130,
//!      "rule": {"type": "linear", "below_score": 0, "floor_score": 60}},
//!     {"indicator": "visits", "weight": 30, "target": 20, "rule": {"type": "ratio", "cap": 120}}]}],
//!   "grades": [{"grade": "A", "min": 100, "coefficient": 1.2}, {"grade": "B", "coefficient": 1}]
//! }"#)?);
//! let mut batch = ColumnBatch::new(plan.clone());
//! let sales = batch.indicator("sales").unwrap();
//! let visits = batch.indicator("visits").unwrap();
//! for (id, s, v) in [("E1", 9650, 25), ("E2", 5000, 18)] {
//!     let i = batch.push_subject(id, "rep");
//!     batch.set_fixed(sales, i, s, 2); // 96.50
//!     batch.set_fixed(visits, i, v, 0);
//! }
//! let scores = batch.score()?;
//! assert_eq!(scores.total(0).to_string(), "99.60");
//! assert_eq!((scores.grade(1), scores.total(1).to_string()), ("B", "27.00".to_string()));
//! // The owned result and the explanation of any subject, on demand.
//! assert_eq!(scores.result(0)?.items[0].score.to_string(), "93.00");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod exact;
mod items;

use crate::compile::{CompiledPlan, FastMap};
use crate::error::InputError;
use crate::evaluate::{Evaluation, Explanation, SubjectResult};
use crate::model::{Actual, Assignment, Inputs, Scale};
use exact::Q;
use items::KItem;
use rust_decimal::Decimal;
use std::sync::Arc;

/// A cell with no value.
const ABSENT: u8 = u8::MAX;
/// A cell whose value does not fit a 64-bit mantissa; kept aside in `big`.
const BIG: u8 = u8::MAX - 1;
/// The largest cell scale the kernel scores; larger ones go to the engine.
const MAX_CELL_SCALE: u8 = 12;

/// One indicator's values, one cell per subject.
#[derive(Debug, Clone, Default)]
struct Column {
    mantissa: Vec<i64>,
    scale: Vec<u8>,
}

/// A batch of subjects as columns, bound to the plan that will score it.
///
/// Build it subject by subject ([`ColumnBatch::push_subject`]) and value by value
/// ([`ColumnBatch::set_fixed`] for a fixed-point cell such as an Arrow `decimal128` value,
/// [`ColumnBatch::set`] for a `Decimal`), then [`ColumnBatch::score`] it.
#[derive(Debug, Clone)]
pub struct ColumnBatch {
    plan: Arc<CompiledPlan>,
    period: Option<String>,
    /// Subject ids, end to end, and where each ends.
    ids: String,
    id_ends: Vec<u32>,
    /// Each subject's role (index into the plan's roles), or `u32::MAX` for an unknown role.
    roles: Vec<u32>,
    /// The names of unknown roles, by subject.
    unknown_roles: Vec<(u32, String)>,
    /// The last role looked up, to skip the lookup for runs of one role.
    last_role: Option<(String, u32)>,
    columns: Vec<Column>,
    big: FastMap<(u32, u32), Decimal>,
    bonus: Vec<Option<Decimal>>,
}

impl ColumnBatch {
    /// An empty batch for `plan`.
    pub fn new(plan: Arc<CompiledPlan>) -> ColumnBatch {
        let n = plan.plan.indicators.len();
        ColumnBatch {
            plan,
            period: None,
            ids: String::new(),
            id_ends: Vec::new(),
            roles: Vec::new(),
            unknown_roles: Vec::new(),
            last_role: None,
            columns: vec![Column::default(); n],
            big: FastMap::default(),
            bonus: Vec::new(),
        }
    }

    /// Reserves room for `n` more subjects.
    pub fn reserve(&mut self, n: usize) {
        self.id_ends.reserve(n);
        self.roles.reserve(n);
    }

    /// Sets the period assessed (carried into results, checked as the engine checks it).
    pub fn set_period(&mut self, period: Option<String>) {
        self.period = period;
    }

    /// The period assessed.
    pub fn period(&self) -> Option<&str> {
        self.period.as_deref()
    }

    /// The plan's index of an indicator, for [`ColumnBatch::set`] and [`ColumnBatch::set_fixed`].
    pub fn indicator(&self, id: &str) -> Option<usize> {
        self.plan.indicator_index.get(id).copied()
    }

    /// Adds a subject holding `role`; returns its index. An unknown role is kept and reported
    /// by [`ColumnBatch::score`] as the engine reports it.
    pub fn push_subject(&mut self, id: &str, role: &str) -> usize {
        let i = self.id_ends.len();
        self.ids.push_str(id);
        self.id_ends
            .push(u32::try_from(self.ids.len()).unwrap_or(u32::MAX));
        let r = match &self.last_role {
            Some((name, r)) if name == role => *r,
            _ => {
                let r = self
                    .plan
                    .role_index
                    .get(role)
                    .map_or(u32::MAX, |&r| u32::try_from(r).unwrap_or(u32::MAX));
                self.last_role = Some((role.to_string(), r));
                r
            }
        };
        if r == u32::MAX {
            self.unknown_roles
                .push((u32::try_from(i).unwrap_or(u32::MAX), role.to_string()));
        }
        self.roles.push(r);
        i
    }

    /// The number of subjects.
    pub fn len(&self) -> usize {
        self.id_ends.len()
    }

    /// Whether there are no subjects.
    pub fn is_empty(&self) -> bool {
        self.id_ends.is_empty()
    }

    /// The id of subject `i`.
    pub fn subject(&self, i: usize) -> &str {
        let end = self.id_ends.get(i).map_or(0, |&e| e as usize);
        let start = if i == 0 {
            0
        } else {
            self.id_ends
                .get(i.wrapping_sub(1))
                .map_or(0, |&e| e as usize)
        };
        self.ids.get(start..end).unwrap_or("")
    }

    fn column(&mut self, indicator: usize) -> Option<&mut Column> {
        let n = self.id_ends.len();
        let c = self.columns.get_mut(indicator)?;
        if c.scale.len() < n {
            c.mantissa.resize(n, 0);
            c.scale.resize(n, ABSENT);
        }
        Some(c)
    }

    /// Sets subject `subject`'s value of `indicator` to `mantissa ÷ 10^scale` (`scale ≤ 28`).
    pub fn set_fixed(&mut self, indicator: usize, subject: usize, mantissa: i64, scale: u32) {
        if scale > 28 {
            return;
        }
        if let Some(c) = self.column(indicator) {
            if let (Some(m), Some(s)) = (c.mantissa.get_mut(subject), c.scale.get_mut(subject)) {
                *m = mantissa;
                *s = scale as u8;
            }
        }
    }

    /// Sets subject `subject`'s value of `indicator`.
    pub fn set(&mut self, indicator: usize, subject: usize, value: Decimal) {
        match i64::try_from(value.mantissa()) {
            Ok(m) => self.set_fixed(indicator, subject, m, value.scale()),
            Err(_) => {
                if let Some(c) = self.column(indicator) {
                    if let Some(s) = c.scale.get_mut(subject) {
                        *s = BIG;
                        let key = (indicator as u32, subject as u32);
                        self.big.insert(key, value);
                    }
                }
            }
        }
    }

    /// Sets subject `subject`'s bonus base (the payout is this × the grade's coefficient).
    pub fn set_bonus_base(&mut self, subject: usize, base: Decimal) {
        if self.bonus.len() < self.id_ends.len() {
            self.bonus.resize(self.id_ends.len(), None);
        }
        if let Some(b) = self.bonus.get_mut(subject) {
            *b = Some(base);
        }
    }

    /// Subject `i`'s value of the indicator at `indicator`, if it has one.
    pub fn value(&self, indicator: usize, i: usize) -> Option<Decimal> {
        let c = self.columns.get(indicator)?;
        match *c.scale.get(i)? {
            ABSENT => None,
            BIG => self.big.get(&(indicator as u32, i as u32)).copied(),
            s => Some(Decimal::from_i128_with_scale(
                i128::from(*c.mantissa.get(i)?),
                u32::from(s),
            )),
        }
    }

    /// The batch as the engine's [`Inputs`]: one assignment per subject, one actual per
    /// value (subject by subject, in the library's order).
    pub fn to_inputs(&self) -> Inputs {
        self.inputs_of(0..self.len())
    }

    fn inputs_of(&self, subjects: impl Iterator<Item = usize>) -> Inputs {
        let mut inputs = Inputs {
            period: self.period.clone(),
            ..Inputs::default()
        };
        let names: Vec<Arc<str>> = self
            .plan
            .plan
            .indicators
            .iter()
            .map(|d| Arc::from(d.id.as_str()))
            .collect();
        let mut unknown = self.unknown_roles.iter().peekable();
        for i in subjects {
            let subject: Arc<str> = Arc::from(self.subject(i));
            let r = self.roles.get(i).copied().unwrap_or(u32::MAX);
            let role = if r == u32::MAX {
                while unknown.next_if(|(s, _)| (*s as usize) < i).is_some() {}
                unknown
                    .peek()
                    .filter(|(s, _)| *s as usize == i)
                    .map_or_else(String::new, |(_, name)| name.clone())
            } else {
                self.plan
                    .roles
                    .get(r as usize)
                    .map_or_else(String::new, |c| c.id.to_string())
            };
            for (k, name) in names.iter().enumerate() {
                if let Some(v) = self.value(k, i) {
                    inputs.actuals.push(Actual {
                        subject: subject.clone(),
                        indicator: name.clone(),
                        value: v,
                    });
                }
            }
            inputs.assignments.push(Assignment {
                subject,
                role,
                bonus_base: self.bonus.get(i).copied().flatten(),
                ..Assignment::default()
            });
        }
        inputs
    }

    /// Whether the engine must score the whole batch: the plan reads units, other subjects,
    /// roles or records, or the batch has what the engine reports as an error.
    fn needs_engine(&self) -> bool {
        if self.plan.any_source || !self.plan.measures.is_empty() || !self.unknown_roles.is_empty()
        {
            return true;
        }
        if let Some(Err(_)) = self
            .period
            .as_deref()
            .map(str::parse::<crate::measure::Period>)
        {
            return true;
        }
        let mut seen: FastMap<&str, ()> = FastMap::default();
        seen.reserve(self.len());
        (0..self.len()).any(|i| seen.insert(self.subject(i), ()).is_some())
    }

    /// Scores the batch. The results, warnings and errors are the engine's.
    pub fn score(self) -> Result<ColumnScores, InputError> {
        let n = self.len();
        let mut out = ColumnScores {
            total: Vec::with_capacity(n),
            total_unrounded: Vec::with_capacity(n),
            grade: Vec::with_capacity(n),
            payout: Vec::with_capacity(n),
            first: Vec::with_capacity(n.saturating_add(1)),
            item_score: Vec::new(),
            item_weighted: Vec::new(),
            engine: FastMap::default(),
            engine_subjects: 0,
            batch: self,
        };
        if out.batch.needs_engine() {
            let evaluation = out.batch.plan.evaluate(&out.batch.to_inputs())?;
            out.fill_from(evaluation.results);
            return Ok(out);
        }
        let later = out.run();
        if !later.is_empty() {
            let inputs = out.batch.inputs_of(later.iter().copied());
            match out.batch.plan.evaluate(&inputs) {
                Ok(e) => out.place(later, e.results),
                // The batch's own error, with its own paths.
                Err(_) => {
                    out.batch.plan.evaluate(&out.batch.to_inputs())?;
                }
            }
        }
        Ok(out)
    }
}

/// A decimal held by the kernel as a mantissa and a scale.
fn to_decimal(q: Q, scale: Scale) -> Option<Decimal> {
    let (m, s) = match scale {
        Scale::Places(p) if q.d == exact::pow10(p)? => (q.n, p),
        Scale::Places(_) => return None,
        Scale::Unrounded => q.shortest()?,
    };
    Decimal::try_from_i128_with_scale(m, s).ok()
}

/// The results of a [`ColumnBatch`], as columns.
#[derive(Debug, Clone)]
pub struct ColumnScores {
    batch: ColumnBatch,
    total: Vec<Decimal>,
    total_unrounded: Vec<Option<Decimal>>,
    grade: Vec<u32>,
    payout: Vec<Option<Decimal>>,
    /// Subject `i`'s items are `item_*[first[i]..first[i + 1]]`.
    first: Vec<u32>,
    item_score: Vec<Option<Decimal>>,
    item_weighted: Vec<Option<Decimal>>,
    /// The results of the subjects scored by the engine.
    engine: FastMap<u32, SubjectResult>,
    engine_subjects: usize,
}

impl ColumnScores {
    /// Scores every subject the kernel can; returns those left to the engine.
    fn run(&mut self) -> Vec<usize> {
        let plan = self.batch.plan.clone();
        let rp = plan.plan.rounding;
        let kroles: Vec<Option<Vec<KItem>>> = plan
            .roles
            .iter()
            .map(|r| items::compile_role(&plan, r))
            .collect();
        let mut later = Vec::new();
        let n = self.batch.len();
        for i in 0..n {
            let r = self.batch.roles.get(i).map_or(usize::MAX, |&r| r as usize);
            let size = plan.roles.get(r).map_or(0, |c| c.items.len());
            let start = self.item_score.len();
            self.first.push(start as u32);
            let scored = kroles
                .get(r)
                .and_then(Option::as_ref)
                .and_then(|items| self.score_subject(i, items, &rp));
            match scored {
                Some((total, unrounded, grade)) => {
                    let payout = match self.batch.bonus.get(i).copied().flatten() {
                        Some(base) => {
                            let c = plan
                                .grades
                                .get(grade)
                                .map_or(Decimal::ZERO, |g| g.coefficient);
                            match base.checked_mul(c) {
                                Some(p) => Some(rp.payout_scale.round(p, rp.mode)),
                                None => {
                                    self.unplace(i, start, size, &mut later);
                                    continue;
                                }
                            }
                        }
                        None => None,
                    };
                    self.total.push(total);
                    self.total_unrounded.push(unrounded);
                    self.grade.push(grade as u32);
                    self.payout.push(payout);
                }
                None => self.unplace(i, start, size, &mut later),
            }
        }
        self.first.push(self.item_score.len() as u32);
        later
    }

    /// Leaves subject `i` to the engine: placeholders in every column.
    fn unplace(&mut self, i: usize, start: usize, size: usize, later: &mut Vec<usize>) {
        self.item_score.truncate(start);
        self.item_weighted.truncate(start);
        let end = start.saturating_add(size);
        self.item_score.resize(end, None);
        self.item_weighted.resize(end, None);
        self.total.push(Decimal::ZERO);
        self.total_unrounded.push(None);
        self.grade.push(u32::MAX);
        self.payout.push(None);
        later.push(i);
    }

    /// One subject in the kernel: (total, total before rounding when known, grade index).
    #[inline]
    fn score_subject(
        &mut self,
        i: usize,
        items: &[KItem],
        rp: &crate::model::RoundingPolicy,
    ) -> Option<(Decimal, Option<Decimal>, usize)> {
        let mut sum = Q::dec(0, 0)?;
        // The total before rounding as the engine adds it up (`Decimal` addition from zero),
        // while every weighted score is a known decimal.
        let mut unrounded = Some(Decimal::ZERO);
        for it in items {
            let col = self.batch.columns.get(it.indicator)?;
            let s = *col.scale.get(i)?;
            if s > MAX_CELL_SCALE {
                return None;
            }
            let score = it.score(*col.mantissa.get(i)?, u32::from(s), rp)?;
            let weighted = it.weighted(score, rp)?;
            let wd = to_decimal(weighted, rp.weighted_scale);
            self.item_score.push(to_decimal(score, rp.item_scale));
            self.item_weighted.push(wd);
            unrounded = match (unrounded, wd) {
                (Some(u), Some(w)) => u.checked_add(w),
                _ => None,
            };
            sum = sum.add(weighted)?;
        }
        if !sum.in_range() {
            return None;
        }
        let total = to_decimal(items::stage(sum, rp.total_scale, rp.mode)?, rp.total_scale)?;
        let plan = &self.batch.plan;
        let grade = plan
            .grades
            .iter()
            .position(|g| g.min.is_none_or(|m| total >= m))?;
        Some((total, unrounded, grade))
    }

    /// Places the engine's results of the subjects `later`, in their order.
    fn place(&mut self, later: Vec<usize>, results: Vec<SubjectResult>) {
        for (i, r) in later.into_iter().zip(results) {
            self.put(i, r);
        }
    }

    fn put(&mut self, i: usize, r: SubjectResult) {
        if let (Some(&a), Some(&b)) = (self.first.get(i), self.first.get(i.saturating_add(1))) {
            for (k, it) in (a as usize..b as usize).zip(&r.items) {
                if let Some(s) = self.item_score.get_mut(k) {
                    *s = Some(it.score);
                }
                if let Some(w) = self.item_weighted.get_mut(k) {
                    *w = Some(it.weighted);
                }
            }
        }
        if let Some(t) = self.total.get_mut(i) {
            *t = r.total;
        }
        if let Some(t) = self.total_unrounded.get_mut(i) {
            *t = Some(r.total_unrounded);
        }
        let g = self
            .batch
            .plan
            .grades
            .iter()
            .position(|g| *g.name == *r.grade)
            .map_or(u32::MAX, |g| g as u32);
        if let Some(x) = self.grade.get_mut(i) {
            *x = g;
        }
        if let Some(p) = self.payout.get_mut(i) {
            *p = r.payout;
        }
        self.engine_subjects = self.engine_subjects.saturating_add(1);
        self.engine.insert(i as u32, r);
    }

    /// Every subject from the engine's evaluation of the whole batch.
    fn fill_from(&mut self, results: Vec<SubjectResult>) {
        let mut later = Vec::new();
        for (i, r) in results.iter().enumerate() {
            let start = self.item_score.len();
            self.first.push(start as u32);
            self.unplace(i, start, r.items.len(), &mut later);
        }
        self.first.push(self.item_score.len() as u32);
        self.place(later, results);
    }

    /// The number of subjects.
    pub fn len(&self) -> usize {
        self.total.len()
    }

    /// Whether there are no subjects.
    pub fn is_empty(&self) -> bool {
        self.total.is_empty()
    }

    /// How many subjects the engine scored (the rest were scored by the kernel).
    pub fn engine_subjects(&self) -> usize {
        self.engine_subjects
    }

    /// The batch scored.
    pub fn batch(&self) -> &ColumnBatch {
        &self.batch
    }

    /// Subject `i`'s id.
    pub fn subject(&self, i: usize) -> &str {
        self.batch.subject(i)
    }

    /// Subject `i`'s role id.
    pub fn role(&self, i: usize) -> &str {
        let r = self.batch.roles.get(i).copied().unwrap_or(u32::MAX);
        self.batch.plan.roles.get(r as usize).map_or("", |c| &c.id)
    }

    /// Subject `i`'s total at the total scale (zero for an index out of range).
    pub fn total(&self, i: usize) -> Decimal {
        self.total.get(i).copied().unwrap_or_default()
    }

    /// Subject `i`'s total before rounding, when it is known without the engine (every
    /// weighted score a decimal the kernel holds); else see [`ColumnScores::result`].
    pub fn total_unrounded(&self, i: usize) -> Option<Decimal> {
        self.total_unrounded.get(i).copied().flatten()
    }

    /// Subject `i`'s grade.
    pub fn grade(&self, i: usize) -> &str {
        self.grade
            .get(i)
            .and_then(|&g| self.batch.plan.grades.get(g as usize))
            .map_or("", |g| &g.name)
    }

    /// Subject `i`'s grade coefficient.
    pub fn coefficient(&self, i: usize) -> Decimal {
        self.grade
            .get(i)
            .and_then(|&g| self.batch.plan.grades.get(g as usize))
            .map_or(Decimal::ZERO, |g| g.coefficient)
    }

    /// Subject `i`'s payout, when it has a bonus base.
    pub fn payout(&self, i: usize) -> Option<Decimal> {
        self.payout.get(i).copied().flatten()
    }

    /// Subject `i`'s item scores, in scorecard order (`None` where the kernel holds the score
    /// only as a fraction: an unrounded stage that does not terminate).
    pub fn item_scores(&self, i: usize) -> &[Option<Decimal>] {
        self.items_of(&self.item_score, i)
    }

    /// Subject `i`'s weighted item scores, in scorecard order (as [`ColumnScores::item_scores`]).
    pub fn item_weighted(&self, i: usize) -> &[Option<Decimal>] {
        self.items_of(&self.item_weighted, i)
    }

    fn items_of<'s>(&self, column: &'s [Option<Decimal>], i: usize) -> &'s [Option<Decimal>] {
        match (self.first.get(i), self.first.get(i.saturating_add(1))) {
            (Some(&a), Some(&b)) => column.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Subject `i`'s whole result, as [`CompiledPlan::evaluate`] gives it.
    pub fn result(&self, i: usize) -> Result<SubjectResult, InputError> {
        if let Some(r) = self.engine.get(&(i as u32)) {
            return Ok(r.clone());
        }
        let inputs = self.batch.inputs_of(std::iter::once(i));
        let mut e = self.batch.plan.evaluate(&inputs)?;
        e.results
            .pop()
            .ok_or_else(|| InputError { issues: Vec::new() })
    }

    /// Subject `i`'s explanation.
    pub fn explain(&self, i: usize) -> Result<Explanation, InputError> {
        let r = self.result(i)?;
        let mut x = self.batch.plan.explain(&r);
        x.period = self.batch.period.clone();
        Ok(x)
    }

    /// The owned evaluation of the whole batch, identical to [`CompiledPlan::evaluate`] of
    /// [`ColumnBatch::to_inputs`].
    pub fn to_evaluation(&self) -> Result<Evaluation, InputError> {
        let plan = &self.batch.plan;
        Ok(Evaluation {
            plan_id: plan.plan.id.clone(),
            plan_version: plan.plan.version.clone(),
            plan_fingerprint: plan.fingerprint.clone(),
            period: self.batch.period.clone(),
            results: (0..self.len())
                .map(|i| self.result(i))
                .collect::<Result<_, _>>()?,
            derivation: None,
            versions: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests;

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
//! `per_unit` rules counted in whole steps, are scored by the engine too; a plan whose items read
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
//! assert_eq!((scores.grade(0), scores.total(0).to_string()), ("A", "103.55".to_string()));
//! assert_eq!((scores.grade(1), scores.total(1).to_string()), ("B", "27.00".to_string()));
//! // The owned result and the explanation of any subject, on demand.
//! assert_eq!(scores.result(0)?.items[0].score.to_string(), "96.50");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod exact;
mod fast;
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
    /// The largest scale of a cell (`ABSENT` while there is none).
    max_scale: u8,
}

/// Subject `i`'s cell as a mantissa at scale `to` (at least its own); `None` for no value.
#[inline(always)]
fn cell(col: &Column, i: usize, to: u8) -> Option<i128> {
    let s = *col.scale.get(i)?;
    let m = i128::from(*col.mantissa.get(i)?);
    if s == to {
        return Some(m);
    }
    m.checked_mul(exact::pow10(u32::from(to.checked_sub(s)?))?)
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
            columns: vec![
                Column {
                    max_scale: ABSENT,
                    ..Column::default()
                };
                n
            ],
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

    /// Sets subject `subject`'s value of `indicator` to `mantissa ÷ 10^scale`. Returns whether
    /// the value was stored: not when `scale` passes 28 (no `Decimal` has it), the indicator
    /// is not the plan's or the subject not pushed yet.
    pub fn set_fixed(
        &mut self,
        indicator: usize,
        subject: usize,
        mantissa: i64,
        scale: u32,
    ) -> bool {
        let Some(scale) = u8::try_from(scale).ok().filter(|&s| s <= 28) else {
            return false;
        };
        let Some(c) = self.column(indicator) else {
            return false;
        };
        let (Some(m), Some(s)) = (c.mantissa.get_mut(subject), c.scale.get_mut(subject)) else {
            return false;
        };
        *m = mantissa;
        *s = scale;
        // A column is read at its largest scale the kernel scores; a cell beyond it goes to
        // the exact paths alone.
        if scale <= MAX_CELL_SCALE {
            c.max_scale = if c.max_scale == ABSENT {
                scale
            } else {
                c.max_scale.max(scale)
            };
        }
        true
    }

    /// Sets subject `subject`'s value of `indicator`.
    pub fn set(&mut self, indicator: usize, subject: usize, value: Decimal) {
        match i64::try_from(value.mantissa()) {
            Ok(m) => {
                self.set_fixed(indicator, subject, m, value.scale());
            }
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
        if self.plan.reads_more_than_actuals() || !self.unknown_roles.is_empty() {
            return true;
        }
        if let Some(Err(_)) = self
            .period
            .as_deref()
            .map(str::parse::<crate::measure::Period>)
        {
            return true;
        }
        // Repeated ids: their hashes first (8 bytes each), the ids themselves only when two
        // hashes meet.
        let state = foldhash::fast::FixedState::with_seed(0x6b70_6963);
        let mut seen: FastMap<u64, ()> = FastMap::default();
        seen.reserve(self.len());
        let clash = (0..self.len()).any(|i| {
            seen.insert(
                std::hash::BuildHasher::hash_one(&state, self.subject(i)),
                (),
            )
            .is_some()
        });
        if !clash {
            return false;
        }
        let mut ids: FastMap<&str, ()> = FastMap::default();
        ids.reserve(self.len());
        (0..self.len()).any(|i| ids.insert(self.subject(i), ()).is_some())
    }

    /// Scores the batch. The results, warnings and errors are the engine's.
    pub fn score(self) -> Result<ColumnScores, InputError> {
        let n = self.len();
        let rp = self.plan.plan.rounding;
        let mut out = ColumnScores {
            total: Vec::with_capacity(n),
            unrounded: Vec::with_capacity(n),
            grade: Vec::with_capacity(n),
            payout: Vec::new(),
            first: Vec::with_capacity(n.saturating_add(1)),
            item_score: Vec::new(),
            item_weighted: Vec::new(),
            slow: FastMap::default(),
            engine: Vec::new(),
            engine_at: Vec::new(),
            engine_subjects: 0,
            scales: Scales {
                total: rp.total_scale.places(),
                item: rp.item_scale.places(),
                weighted: rp.weighted_scale.places(),
            },
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

/// A decimal the kernel holds as a fraction, at a stage's scale.
fn to_decimal(q: Q, scale: Scale) -> Option<Decimal> {
    let (m, s) = match scale {
        Scale::Places(p) if q.d == exact::pow10(p)? => (q.n, p),
        Scale::Places(_) => return None,
        Scale::Unrounded => q.shortest()?,
    };
    Decimal::try_from_i128_with_scale(m, s).ok()
}

/// A column cell the kernel does not hold as a fixed-point value (see [`ColumnScores`]).
const NONE: i64 = i64::MIN;

/// The places of the stages held as fixed point (`None`: an unrounded stage).
#[derive(Debug, Clone, Copy)]
struct Scales {
    total: Option<u32>,
    item: Option<u32>,
    weighted: Option<u32>,
}

/// The numbers of a subject scored off the fixed-point columns.
#[derive(Debug, Clone)]
struct Slow {
    total: Decimal,
    unrounded: Option<Decimal>,
    scores: Vec<Option<Decimal>>,
    weighted: Vec<Option<Decimal>>,
}

/// The shape of a scorecard on the fast path.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// Achievement, item and weighted scores rounded to places.
    Places {
        item: u32,
        weighted: u32,
        total: u32,
    },
    /// Achievement, item and weighted scores unrounded: one exact sum per subject.
    Unrounded { total: u32 },
}

/// A scorecard the kernel scores.
#[derive(Debug)]
struct Card {
    /// The items for the exact-fraction path, when every rule has one there.
    items: Option<Vec<KItem>>,
    fast: Vec<fast::FastItem>,
    shape: Option<Shape>,
    /// For the unrounded shape: the column scales the factors below are for (packed a byte
    /// per item), the common denominator and each item's factor onto it.
    sum: Option<(u64, i128, Vec<i128>)>,
}

/// The results of a [`ColumnBatch`], as columns.
///
/// Totals, item scores and weighted scores are fixed-point integers at their stage's scale;
/// a subject scored off that path (by the exact-fraction path or the engine) keeps its numbers
/// aside, and an unrounded stage's value that does not terminate is made on demand
/// ([`ColumnScores::result`]).
#[derive(Debug, Clone)]
pub struct ColumnScores {
    batch: ColumnBatch,
    scales: Scales,
    /// At the total scale.
    total: Vec<i64>,
    /// At the weighted scale.
    unrounded: Vec<i64>,
    grade: Vec<u32>,
    /// Per subject, when the batch has bonus bases.
    payout: Vec<Option<Decimal>>,
    /// Subject `i`'s items are `item_*[first[i]..first[i + 1]]`.
    first: Vec<u32>,
    item_score: Vec<i64>,
    item_weighted: Vec<i64>,
    slow: FastMap<u32, Slow>,
    /// The results of the subjects scored by the engine.
    engine: Vec<SubjectResult>,
    /// Per subject, its result's index in `engine`, or `u32::MAX` (empty while no subject
    /// went to the engine).
    engine_at: Vec<u32>,
    engine_subjects: usize,
}

/// The shape of the plan's stages on the fast path.
fn shape_of(rp: &crate::model::RoundingPolicy) -> Option<Shape> {
    let total = rp.total_scale.places()?;
    match (rp.achievement_scale, rp.item_scale, rp.weighted_scale) {
        (Scale::Places(_), Scale::Places(item), Scale::Places(weighted)) => Some(Shape::Places {
            item,
            weighted,
            total,
        }),
        (Scale::Unrounded, Scale::Unrounded, Scale::Unrounded) => Some(Shape::Unrounded { total }),
        _ => None,
    }
}

fn narrow(v: i128) -> Option<i64> {
    i64::try_from(v).ok().filter(|&v| v != NONE)
}

impl ColumnScores {
    /// Lays out the columns for `n` subjects: every subject's cells, all "not held".
    fn lay_out(&mut self, items: bool) {
        let n = self.batch.len();
        let plan = self.batch.plan.clone();
        self.total = vec![NONE; n];
        self.unrounded = vec![NONE; n];
        self.grade = vec![u32::MAX; n];
        if !self.batch.bonus.is_empty() {
            self.payout = vec![None; n];
        }
        self.first = Vec::with_capacity(n.saturating_add(1));
        let mut at = 0u32;
        for &r in &self.batch.roles {
            self.first.push(at);
            if items {
                let size = plan.roles.get(r as usize).map_or(0, |c| c.items.len());
                at = at.saturating_add(u32::try_from(size).unwrap_or(u32::MAX));
            }
        }
        self.first.push(at);
        self.item_score = vec![NONE; at as usize];
        self.item_weighted = vec![NONE; at as usize];
    }

    /// Scores every subject the kernel can; returns those left to the engine, in order.
    fn run(&mut self) -> Vec<usize> {
        let plan = self.batch.plan.clone();
        let rp = plan.plan.rounding;
        let shape = shape_of(&rp);
        // Item cells are kept when the stages before the total are rounded.
        self.lay_out(!matches!(shape, Some(Shape::Unrounded { .. })));
        let mut cards: Vec<Option<Card>> = plan
            .roles
            .iter()
            .map(|r| {
                if !items::eligible(r) {
                    return None;
                }
                let items = items::compile_role(&plan, r);
                let fast = r
                    .items
                    .iter()
                    .map(|it| fast::FastItem::new(&plan, it))
                    .collect();
                Some(Card {
                    items,
                    fast,
                    shape,
                    sum: None,
                })
            })
            .collect();
        let grade_mins: Vec<Option<i128>> = plan
            .grades
            .iter()
            .map(|g| {
                let m = g.min?;
                let pt = rp.total_scale.places()?;
                // total ≥ min  ⇔  total × 10^pt ≥ ⌈min × 10^pt⌉
                let q = Q::dec(m.mantissa(), m.scale())?;
                Q { exact: true, ..q }.round(pt, crate::decimal::RoundingMode::Ceiling)
            })
            .collect();
        // The subjects of each scorecard, in order.
        let mut by_role: Vec<Vec<u32>> = vec![Vec::new(); plan.roles.len()];
        let mut later = Vec::new();
        for (i, &r) in self.batch.roles.iter().enumerate() {
            match by_role.get_mut(r as usize) {
                Some(list) => list.push(i as u32),
                None => later.push(i),
            }
        }
        for (r, subjects) in by_role.iter().enumerate() {
            let (Some(Some(card)), Some(role)) = (cards.get_mut(r), plan.roles.get(r)) else {
                later.extend(subjects.iter().map(|&i| i as usize));
                continue;
            };
            let failed = match card.shape {
                Some(shape) => self.fast_role(subjects, role, card, shape, &grade_mins),
                None => subjects.clone(),
            };
            for i in failed {
                let exact = match &card.items {
                    Some(items) => self.exact_subject(i as usize, items, &rp),
                    None => None,
                };
                if exact.is_none() {
                    later.push(i as usize);
                }
            }
        }
        // Payouts, where there are bonus bases.
        if !self.batch.bonus.is_empty() {
            for i in 0..self.batch.len() {
                let Some(g) = self.grade_index(i) else {
                    continue;
                };
                let Some(base) = self.batch.bonus.get(i).copied().flatten() else {
                    continue;
                };
                let c = plan.grades.get(g).map_or(Decimal::ZERO, |g| g.coefficient);
                match base.checked_mul(c) {
                    Some(p) => {
                        if let Some(slot) = self.payout.get_mut(i) {
                            *slot = Some(rp.payout_scale.round(p, rp.mode));
                        }
                    }
                    // The engine reports the overflow.
                    None => later.push(i),
                }
            }
        }
        later.sort_unstable();
        later.dedup();
        for &i in &later {
            self.unplace(i);
        }
        later
    }

    /// Scores a scorecard's subjects in fixed point, item by item over the columns; returns
    /// the subjects it could not score.
    fn fast_role(
        &mut self,
        subjects: &[u32],
        role: &crate::compile::CRole,
        card: &mut Card,
        shape: Shape,
        grade_mins: &[Option<i128>],
    ) -> Vec<u32> {
        let rp = self.batch.plan.plan.rounding;
        let mode = rp.mode;
        let n = subjects.len();
        let mut acc = vec![0i128; n];
        let mut ok = vec![true; n];
        let cols = &self.batch.columns;
        // Each item's column scale: the largest of its cells (smaller ones are widened).
        let scales: Vec<u8> = card
            .fast
            .iter()
            .map(|f| cols.get(f.indicator).map_or(ABSENT, |c| c.max_scale))
            .collect();
        let factors = match shape {
            Shape::Unrounded { total } => {
                let packed = scales
                    .iter()
                    .fold(0u64, |p, &s| p.wrapping_shl(8) | u64::from(s));
                let fits = scales.len() <= 8 && scales.iter().all(|&s| s <= MAX_CELL_SCALE);
                if fits && card.sum.as_ref().is_none_or(|(k, _, _)| *k != packed) {
                    card.sum = sum_factors(card, role, &scales, packed, total, &rp);
                }
                match (&card.sum, fits) {
                    (Some((_, m, f)), true) => Some((*m, f.clone())),
                    _ => return subjects.to_vec(),
                }
            }
            Shape::Places { .. } => None,
        };
        for (k, ((f, c), &sk)) in card
            .fast
            .iter_mut()
            .zip(&role.items)
            .zip(&scales)
            .enumerate()
        {
            let Some(col) = cols.get(f.indicator) else {
                return subjects.to_vec();
            };
            if sk > MAX_CELL_SCALE {
                return subjects.to_vec();
            }
            let weight = f.weight();
            let Some(pieces) = f.pieces_for(c, sk, &rp) else {
                return subjects.to_vec();
            };
            match (shape, &factors) {
                (Shape::Unrounded { .. }, Some((_, fs))) => {
                    let Some(&factor) = fs.get(k) else {
                        return subjects.to_vec();
                    };
                    for ((&i, a), good) in subjects.iter().zip(acc.iter_mut()).zip(ok.iter_mut()) {
                        if !*good {
                            continue;
                        }
                        let v = cell(col, i as usize, sk)
                            .and_then(|m| pieces.raw_at(m))
                            .and_then(|n| n.checked_mul(factor))
                            .and_then(|t| a.checked_add(t));
                        match v {
                            Some(v) => *a = v,
                            None => *good = false,
                        }
                    }
                }
                (Shape::Places { item, weighted, .. }, _) => {
                    let places = item.saturating_add(weight.scale()).saturating_add(2);
                    for ((&i, a), good) in subjects.iter().zip(acc.iter_mut()).zip(ok.iter_mut()) {
                        if !*good {
                            continue;
                        }
                        let v = (|| {
                            let m = cell(col, i as usize, sk)?;
                            let score = pieces.score_at(m, item, mode)?;
                            // score × weight ÷ 100, at item + ws + 2 places, to the weighted
                            // scale.
                            let raw = score.checked_mul(weight.mantissa())?;
                            let wv = match weighted.checked_sub(places) {
                                Some(d) => raw.checked_mul(exact::pow10(d)?)?,
                                None => {
                                    fast::round_pow10(raw, places.checked_sub(weighted)?, mode)?
                                }
                            };
                            let at = (*self.first.get(i as usize)? as usize).checked_add(k)?;
                            *self.item_score.get_mut(at)? = narrow(score)?;
                            *self.item_weighted.get_mut(at)? = narrow(wv)?;
                            a.checked_add(wv)
                        })();
                        match v {
                            Some(v) => *a = v,
                            None => *good = false,
                        }
                    }
                }
                _ => return subjects.to_vec(),
            }
        }
        // Totals and grades.
        let grades = &self.batch.plan.grades;
        let mut failed = Vec::new();
        for ((&i, &sum), &good) in subjects.iter().zip(&acc).zip(&ok) {
            let done = good
                && (|| {
                    let (total, unrounded) = match (shape, &factors) {
                        (
                            Shape::Places {
                                weighted, total, ..
                            },
                            _,
                        ) => {
                            let t = match total.checked_sub(weighted) {
                                Some(k) => sum.checked_mul(exact::pow10(k)?)?,
                                None => fast::round_pow10(sum, weighted.checked_sub(total)?, mode)?,
                            };
                            (t, narrow(sum)?)
                        }
                        (Shape::Unrounded { total }, Some((m, _))) => {
                            let unit = m.checked_div(exact::pow10(total)?)?;
                            let rounded = match fast::round_div(sum, unit, total, mode, false) {
                                Some(r) => r,
                                // On (or within 10^-18 of) a boundary: exact in the engine too
                                // when every term terminates; else the fraction path decides.
                                None => {
                                    let cols = &self.batch.columns;
                                    for ((f, c), &sk) in
                                        card.fast.iter_mut().zip(&role.items).zip(&scales)
                                    {
                                        let col = cols.get(f.indicator)?;
                                        let m = cell(col, i as usize, sk)?;
                                        if !f.terminates_at(c, m, sk, &rp)? {
                                            return None;
                                        }
                                    }
                                    fast::round_trusted(sum, unit, mode)?
                                }
                            };
                            (rounded, NONE)
                        }
                        _ => return None,
                    };
                    let total = narrow(total)?;
                    let grade =
                        grade_mins
                            .iter()
                            .zip(grades)
                            .position(|(m, g)| match (m, g.min) {
                                (_, None) => true,
                                (Some(m), _) => i128::from(total) >= *m,
                                (None, Some(_)) => false,
                            })?;
                    let i = i as usize;
                    *self.total.get_mut(i)? = total;
                    *self.unrounded.get_mut(i)? = unrounded;
                    *self.grade.get_mut(i)? = u32::try_from(grade).ok()?;
                    Some(())
                })()
                .is_some();
            if !done {
                failed.push(i);
            }
        }
        failed
    }

    /// One subject in exact fractions (any shape); its numbers are kept aside. Returns its
    /// grade index.
    fn exact_subject(
        &mut self,
        i: usize,
        items: &[KItem],
        rp: &crate::model::RoundingPolicy,
    ) -> Option<usize> {
        let mut sum = Q::dec(0, 0)?;
        // The total before rounding as the engine adds it up (`Decimal` addition from zero),
        // while every weighted score is a known decimal.
        let mut unrounded = Some(Decimal::ZERO);
        let mut scores = Vec::with_capacity(items.len());
        let mut weighted = Vec::with_capacity(items.len());
        for it in items {
            let col = self.batch.columns.get(it.indicator)?;
            let s = *col.scale.get(i)?;
            if s > MAX_CELL_SCALE {
                return None;
            }
            let score = it.score(*col.mantissa.get(i)?, u32::from(s), rp)?;
            let w = it.weighted(score, rp)?;
            let wd = to_decimal(w, rp.weighted_scale);
            scores.push(to_decimal(score, rp.item_scale));
            weighted.push(wd);
            unrounded = match (unrounded, wd) {
                (Some(u), Some(w)) => u.checked_add(w),
                _ => None,
            };
            sum = sum.add(w)?;
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
        // Not held in fixed point: the cells say so, the numbers are aside.
        let (a, b) = (
            *self.first.get(i)? as usize,
            *self.first.get(i.saturating_add(1))? as usize,
        );
        for k in a..b {
            *self.item_score.get_mut(k)? = NONE;
            *self.item_weighted.get_mut(k)? = NONE;
        }
        *self.total.get_mut(i)? = NONE;
        *self.unrounded.get_mut(i)? = NONE;
        *self.grade.get_mut(i)? = u32::try_from(grade).ok()?;
        self.slow.insert(
            i as u32,
            Slow {
                total,
                unrounded,
                scores,
                weighted,
            },
        );
        Some(grade)
    }

    /// Leaves subject `i` to the engine: nothing of it is held.
    fn unplace(&mut self, i: usize) {
        if let (Some(&a), Some(&b)) = (self.first.get(i), self.first.get(i.saturating_add(1))) {
            for k in a as usize..b as usize {
                if let Some(c) = self.item_score.get_mut(k) {
                    *c = NONE;
                }
                if let Some(c) = self.item_weighted.get_mut(k) {
                    *c = NONE;
                }
            }
        }
        for c in [self.total.get_mut(i), self.unrounded.get_mut(i)]
            .into_iter()
            .flatten()
        {
            *c = NONE;
        }
        if let Some(g) = self.grade.get_mut(i) {
            *g = u32::MAX;
        }
        if let Some(p) = self.payout.get_mut(i) {
            *p = None;
        }
        self.slow.remove(&(i as u32));
    }

    /// Places the engine's results of the subjects `later`, in their order.
    fn place(&mut self, later: Vec<usize>, results: Vec<SubjectResult>) {
        for (i, r) in later.into_iter().zip(results) {
            self.put(i, r);
        }
    }

    fn put(&mut self, i: usize, r: SubjectResult) {
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
        if self.engine_at.is_empty() {
            self.engine_at = vec![u32::MAX; self.total.len()];
        }
        if let Some(at) = self.engine_at.get_mut(i) {
            *at = u32::try_from(self.engine.len()).unwrap_or(u32::MAX);
        }
        self.engine_subjects = self.engine_subjects.saturating_add(1);
        self.engine.push(r);
    }

    /// Every subject from the engine's evaluation of the whole batch.
    fn fill_from(&mut self, results: Vec<SubjectResult>) {
        self.lay_out(false);
        let later = (0..results.len()).collect();
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

    /// How many subjects were scored in fixed point (the fast path), in exact fractions, and
    /// by the engine.
    pub fn paths(&self) -> (usize, usize, usize) {
        let fractions = self.slow.len();
        (
            self.len()
                .saturating_sub(fractions)
                .saturating_sub(self.engine_subjects),
            fractions,
            self.engine_subjects,
        )
    }

    /// The batch scored.
    pub fn batch(&self) -> &ColumnBatch {
        &self.batch
    }

    /// The plan that scored it.
    pub fn plan(&self) -> &Arc<CompiledPlan> {
        &self.batch.plan
    }

    /// The position in subject `i`'s scorecard of the item with id `key`, else of the first
    /// item reading indicator `key`.
    pub fn item_position(&self, i: usize, key: &str) -> Option<usize> {
        let r = *self.batch.roles.get(i)? as usize;
        let items = &self.batch.plan.roles.get(r)?.items;
        (items.iter().position(|it| &*it.key == key))
            .or_else(|| items.iter().position(|it| &*it.indicator_id == key))
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

    fn slow(&self, i: usize) -> Option<&Slow> {
        self.slow.get(&(i as u32))
    }

    fn engine_result(&self, i: usize) -> Option<&SubjectResult> {
        self.engine.get(*self.engine_at.get(i)? as usize)
    }

    /// Subject `i`'s result, when the engine scored it (its warnings, vetoes and adjustments
    /// are there; a subject the kernel scored has none).
    pub fn scored_by_engine(&self, i: usize) -> Option<&SubjectResult> {
        self.engine_result(i)
    }

    /// Subject `i`'s total at the total scale (zero for an index out of range).
    pub fn total(&self, i: usize) -> Decimal {
        match (self.total.get(i), self.scales.total) {
            (Some(&t), Some(p)) if t != NONE => Decimal::from_i128_with_scale(i128::from(t), p),
            _ => match self.engine_result(i) {
                Some(r) => r.total,
                None => self.slow(i).map_or(Decimal::ZERO, |s| s.total),
            },
        }
    }

    /// Subject `i`'s total as a fixed-point mantissa at the total scale, when the kernel
    /// holds it so (see [`ColumnScores::total_scale`]).
    pub fn total_fixed(&self, i: usize) -> Option<i64> {
        self.total.get(i).copied().filter(|&t| t != NONE)
    }

    /// The total scale (`None` when the plan does not round its total).
    pub fn total_scale(&self) -> Option<u32> {
        self.scales.total
    }

    /// Subject `i`'s total before rounding, when it is known without the engine (every
    /// weighted score a decimal); else see [`ColumnScores::result`].
    pub fn total_unrounded(&self, i: usize) -> Option<Decimal> {
        match (self.unrounded.get(i), self.scales.weighted) {
            (Some(&t), Some(p)) if t != NONE => {
                Some(Decimal::from_i128_with_scale(i128::from(t), p))
            }
            _ => match self.engine_result(i) {
                Some(r) => Some(r.total_unrounded),
                None => self.slow(i).and_then(|s| s.unrounded),
            },
        }
    }

    /// Subject `i`'s grade.
    pub fn grade(&self, i: usize) -> &str {
        self.grade_def(i).map_or("", |g| &g.name)
    }

    /// Subject `i`'s grade's index in the plan's grade scale, highest first (as
    /// [`CompiledPlan::grade_names`] lists them).
    pub fn grade_index(&self, i: usize) -> Option<usize> {
        self.grade
            .get(i)
            .filter(|&&g| g != u32::MAX)
            .map(|&g| g as usize)
    }

    fn grade_def(&self, i: usize) -> Option<&crate::compile::CGrade> {
        self.batch.plan.grades.get(self.grade_index(i)?)
    }

    /// Subject `i`'s grade coefficient.
    pub fn coefficient(&self, i: usize) -> Decimal {
        self.grade_def(i).map_or(Decimal::ZERO, |g| g.coefficient)
    }

    /// Subject `i`'s payout, when it has a bonus base.
    pub fn payout(&self, i: usize) -> Option<Decimal> {
        self.payout.get(i).copied().flatten()
    }

    fn items_of(
        &self,
        column: &[i64],
        scale: Option<u32>,
        i: usize,
        weighted: bool,
    ) -> Vec<Option<Decimal>> {
        if let Some(r) = self.engine_result(i) {
            return r
                .items
                .iter()
                .map(|it| Some(if weighted { it.weighted } else { it.score }))
                .collect();
        }
        if let Some(s) = self.slow(i) {
            return if weighted {
                s.weighted.clone()
            } else {
                s.scores.clone()
            };
        }
        let cells = match (self.first.get(i), self.first.get(i.saturating_add(1))) {
            (Some(&a), Some(&b)) => column.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        };
        let size = self
            .batch
            .roles
            .get(i)
            .and_then(|&r| self.batch.plan.roles.get(r as usize))
            .map_or(0, |r| r.items.len());
        if cells.len() != size {
            // A plan that rounds only its total keeps no item cells.
            return vec![None; size];
        }
        cells
            .iter()
            .map(|&v| match scale {
                Some(p) if v != NONE => Some(Decimal::from_i128_with_scale(i128::from(v), p)),
                _ => None,
            })
            .collect()
    }

    /// Subject `i`'s item scores, in scorecard order (`None` where the kernel holds no decimal
    /// for it: an unrounded stage; see [`ColumnScores::result`]).
    pub fn item_scores(&self, i: usize) -> Vec<Option<Decimal>> {
        self.items_of(&self.item_score, self.scales.item, i, false)
    }

    /// Subject `i`'s weighted item scores, in scorecard order (as [`ColumnScores::item_scores`]).
    pub fn item_weighted(&self, i: usize) -> Vec<Option<Decimal>> {
        self.items_of(&self.item_weighted, self.scales.weighted, i, true)
    }

    /// Subject `i`'s whole result, as [`CompiledPlan::evaluate`] gives it.
    pub fn result(&self, i: usize) -> Result<SubjectResult, InputError> {
        if let Some(r) = self.engine_result(i) {
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

/// The common denominator of a scorecard's unrounded total for cells of the scales `key`,
/// and each item's factor onto it (weight ÷ 100 included): the total is then
/// Σ raw numerator × factor over that denominator.
fn sum_factors(
    card: &mut Card,
    role: &crate::compile::CRole,
    key: &[u8],
    packed: u64,
    total: u32,
    rp: &crate::model::RoundingPolicy,
) -> Option<(u64, i128, Vec<i128>)> {
    // Each item's pieces over one denominator, and that denominator.
    let mut dens = Vec::with_capacity(key.len());
    for ((f, c), &s) in card.fast.iter_mut().zip(&role.items).zip(key) {
        dens.push(f.unify(c, s, rp)?);
    }
    // raw ÷ d × w ÷ (100 × 10^ws) over m: factor = m ÷ (d × 100 × 10^ws) × w_m
    let mut m = exact::pow10(total)?;
    for (f, &d) in card.fast.iter().zip(&dens) {
        let w = f.weight();
        let under = d.checked_mul(100)?.checked_mul(exact::pow10(w.scale())?)?;
        m = m.checked_div(exact::gcd(m, under))?.checked_mul(under)?;
    }
    let mut factors = Vec::with_capacity(dens.len());
    for (f, &d) in card.fast.iter().zip(&dens) {
        let w = f.weight();
        let under = d.checked_mul(100)?.checked_mul(exact::pow10(w.scale())?)?;
        factors.push(m.checked_div(under)?.checked_mul(w.mantissa())?);
    }
    Some((packed, m, factors))
}

#[cfg(test)]
mod tests;

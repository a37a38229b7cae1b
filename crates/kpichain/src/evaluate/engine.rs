//! The batch evaluator.

use super::chain::{self, Chain};
use super::input::{Assignment, Inputs, TargetOverride};
use super::result::*;
use super::rules::{self, Targets};
use super::table::{ItemNumbers, ItemOut, ScoreTable, SubjectExtra, SubjectRow, TableBuffers};
use crate::compile::{CItem, CRole, CRule, CSource, CompiledPlan, FastMap};
use crate::decimal::{self as dec, ArithmeticError, HUNDRED, clamp, round_fixed};
use crate::error::Code;
use crate::error::{InputError, Issue};
use crate::formula::{EvalFailure, Value, Var};
use crate::measure::RecordSets;
use crate::model::{Direction, MissingDataPolicy, RoundingPolicy};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Memory of the last look-ups, to skip hashing for inputs grouped by subject.
#[derive(Default)]
struct Cursor<'a> {
    subject: Option<(&'a str, usize)>,
    run: usize,
    seen: Vec<(&'a str, usize)>,
}

/// Where a subject's values live in the flat value table.
struct SubjectSlot<'a> {
    assignment: &'a Assignment,
    /// The assignment's index in the inputs.
    index: u32,
    role: &'a CRole,
    /// The scorecard's index in the compiled roles.
    role_pos: u32,
    offset: usize,
}

/// Per-subject targets by value slot: their index in `inputs.targets`, and the target.
type Overrides<'a> = HashMap<usize, (u32, &'a TargetOverride)>;

impl CompiledPlan {
    /// Evaluates every assigned subject for one period.
    ///
    /// The inputs are checked first (unknown roles, subjects or indicators, duplicates,
    /// per-subject targets out of order); then each subject is scored. Any problem in any
    /// subject fails the whole call with every problem listed: there are no partial results.
    ///
    /// ```
    /// use kpichain::{CompiledPlan, Inputs};
    /// let plan = CompiledPlan::from_text(r#"{
    ///   "id": "demo", "version": "1",
    ///   "indicators": [{"id": "sales", "name": "销售额"}],
    ///   "roles": [{"id": "rep", "name": "销售代表", "items": [
    ///     {"indicator": "sales", "weight": 100, "target": 80, "rule": {"type": "ratio", "cap": 120}}]}],
    ///   "grades": [{"grade": "A", "min": 100, "coefficient": 1.2}, {"grade": "B", "coefficient": 1}]
    /// }"#)?;
    /// let inputs = Inputs::from_json(r#"{"period": "2022-01",
    ///   "assignments": [{"subject": "E1", "role": "rep"}],
    ///   "actuals": [{"subject": "E1", "indicator": "sales", "value": "70"}]}"#)?;
    /// let result = plan.evaluate(&inputs)?;
    /// assert_eq!(result.results[0].total.to_string(), "87.50");
    /// assert_eq!(&*result.results[0].grade, "B");
    /// # Ok::<(), kpichain::Error>(())
    /// ```
    pub fn evaluate(&self, inputs: &Inputs) -> Result<Evaluation, InputError> {
        self.evaluate_records(inputs, &RecordSets::new())
    }

    /// Scores like [`CompiledPlan::evaluate`] into a [`ScoreTable`]: compact rows that
    /// borrow the plan's and the inputs' names, the fast way to score a large batch.
    pub fn score_table<'a>(&'a self, inputs: &'a Inputs) -> Result<ScoreTable<'a>, InputError> {
        self.score_table_records(inputs, &RecordSets::new())
    }

    /// Scores like [`CompiledPlan::score_table`] in the memory of an earlier table (see
    /// [`ScoreTable::into_buffers`]): a service scoring batch after batch then allocates
    /// nothing per batch once the buffers are large enough. The buffers are left empty.
    pub fn score_table_with<'a>(
        &'a self,
        inputs: &'a Inputs,
        buffers: &mut TableBuffers,
    ) -> Result<ScoreTable<'a>, InputError> {
        self.score_rows(inputs, &RecordSets::new(), None, std::mem::take(buffers))
    }

    /// Evaluates like [`CompiledPlan::evaluate`], with typed record sets (read from files or
    /// data frames, see [`CompiledPlan::record_builder`]) besides any records in the inputs.
    /// Indicators with a `measure` are derived from the records for the inputs' period; a
    /// supplied actual replaces a derived one, with a warning.
    ///
    /// ```
    /// use kpichain::{CompiledPlan, Inputs, measure::RecordSets};
    /// let plan = CompiledPlan::from_text(r#"{
    ///   "id": "demo", "version": "1", "time_zone": "+08:00",
    ///   "records": [{"name": "orders", "fields": [
    ///     {"name": "rep", "kind": "text"}, {"name": "amount", "kind": "decimal"},
    ///     {"name": "at", "kind": "timestamp"}]}],
    ///   "indicators": [{"id": "sales", "name": "销售额", "measure": {"records": "orders",
    ///     "subject": "rep", "time": "at", "value": {"type": "sum", "field": "amount"}}}],
    ///   "roles": [
    ///     {"id": "rep", "name": "销售代表", "items": [
    ///       {"indicator": "sales", "weight": 100, "target": 100, "rule": {"type": "ratio", "cap": 150}}]},
    ///     {"id": "director", "name": "销售总监", "source": {"from": "unit"}, "items": [
    ///       {"indicator": "sales", "weight": 100, "target": 200, "rule": {"type": "ratio", "cap": 150}}]}],
    ///   "grades": [{"grade": "A", "min": 100, "coefficient": 1.2}, {"grade": "B", "coefficient": 1}]
    /// }"#)?;
    /// // Records read from a file or a data frame, each with its origin for error messages.
    /// let mut orders = plan.record_builder("orders").unwrap();
    /// orders.push_row(&["E1", "120", "2022-03-01 00:00"], Some("orders.csv:2"));
    /// orders.push_row(&["E2", "90.5", "2022-03-31 23:59"], Some("orders.csv:3"));
    /// orders.push_row(&["E2", "999", "2022-04-01 00:00"], Some("orders.csv:4")); // April
    /// let mut records = RecordSets::new();
    /// records.insert(orders.finish())?;
    /// let inputs = Inputs::from_json(r#"{"period": "2022-03",
    ///   "units": [{"id": "sales"}, {"id": "south", "parent": "sales"}],
    ///   "assignments": [{"subject": "E1", "role": "rep", "unit": "south"},
    ///                   {"subject": "E2", "role": "rep", "unit": "south"},
    ///                   {"subject": "D1", "role": "director", "unit": "sales"}]}"#)?;
    /// let result = plan.evaluate_records(&inputs, &records)?;
    /// assert_eq!(result.results[1].items[0].actual.unwrap().to_string(), "90.5");
    /// // The director is measured on the sales department: 120 + 90.5 from its members' orders.
    /// assert_eq!(result.results[2].items[0].actual.unwrap().to_string(), "210.5");
    /// assert_eq!(result.results[2].total.to_string(), "105.25");
    /// # Ok::<(), kpichain::Error>(())
    /// ```
    pub fn evaluate_records(
        &self,
        inputs: &Inputs,
        records: &RecordSets,
    ) -> Result<Evaluation, InputError> {
        // Reserved once the inputs are indexed (see `score_rows`).
        let mut results = Vec::new();
        let table =
            self.score_rows(inputs, records, Some(&mut results), TableBuffers::default())?;
        Ok(Evaluation {
            plan_id: self.plan.id.clone(),
            plan_version: self.plan.version.clone(),
            plan_fingerprint: self.fingerprint.clone(),
            period: inputs.period.clone(),
            results,
            derivation: table.derivation,
            versions: Vec::new(),
        })
    }

    /// Scores like [`CompiledPlan::evaluate_records`] into a [`ScoreTable`].
    pub fn score_table_records<'a>(
        &'a self,
        inputs: &'a Inputs,
        records: &RecordSets,
    ) -> Result<ScoreTable<'a>, InputError> {
        self.score_rows(inputs, records, None, TableBuffers::default())
    }

    /// Scores every subject into a table, or, given `owned`, into owned results there (the
    /// table then holds no rows).
    fn score_rows<'a>(
        &'a self,
        inputs: &'a Inputs,
        records: &RecordSets,
        owned: Option<&mut Vec<SubjectResult>>,
        buffers: TableBuffers,
    ) -> Result<ScoreTable<'a>, InputError> {
        let mut issues: Vec<Issue> = Vec::new();
        let full = self.any_source
            || !inputs.units.is_empty()
            || !inputs.records.is_empty()
            || records.iter().next().is_some();
        let mut chain = if full {
            Some(Chain::prepare(self, inputs, records, &mut issues))
        } else {
            None
        };
        if !issues.is_empty() {
            return Err(InputError { issues });
        }
        let mut subjects: Vec<SubjectSlot> = Vec::with_capacity(inputs.assignments.len());
        let mut by_id: FastMap<&str, usize> =
            FastMap::with_capacity_and_hasher(inputs.assignments.len(), Default::default());
        let mut offset = 0usize;
        // Assignments usually come in runs of one role: remember the last one found.
        let mut last_role: Option<(&str, usize)> = None;
        for (i, a) in inputs.assignments.iter().enumerate() {
            let found = match last_role {
                Some((name, ri)) if name == a.role => Some(ri),
                _ => self.role_index.get(&a.role).copied(),
            };
            if let Some(ri) = found {
                last_role = Some((&a.role, ri));
            }
            let Some(ri) = found else {
                issues.push(Issue::new(
                    Code::UnknownRole,
                    format!("assignments[{i}].role"),
                    format!(
                        "role '{}' of subject '{}' is not in the plan",
                        a.role, a.subject
                    ),
                ));
                continue;
            };
            let role_pos = self.select_role(ri, a, chain.as_ref());
            let Some(role) = self.roles.get(role_pos) else {
                continue;
            };
            match by_id.entry(&*a.subject) {
                Entry::Occupied(_) => {
                    issues.push(Issue::new(
                        Code::DuplicateSubject,
                        format!("assignments[{i}].subject"),
                        format!("subject '{}' is assigned more than once", a.subject),
                    ));
                    continue;
                }
                Entry::Vacant(slot) => {
                    slot.insert(subjects.len());
                }
            }
            subjects.push(SubjectSlot {
                assignment: a,
                index: u32::try_from(i).unwrap_or(u32::MAX),
                role,
                role_pos: u32::try_from(role_pos).unwrap_or(u32::MAX),
                offset,
            });
            offset = offset.saturating_add(role.slots.len());
        }
        let TableBuffers {
            subjects: mut subject_rows,
            items: mut item_rows,
            mut values,
        } = buffers;
        values.clear();
        values.resize(offset, None);
        // Long-format actuals usually come grouped by subject: remember the last one found.
        let mut last = Cursor::default();
        for (i, actual) in inputs.actuals.iter().enumerate() {
            if let Some(c) = &chain {
                // Actuals of a unit feed the units' values, not a scorecard.
                if c.org.contains(&actual.subject) && !by_id.contains_key(&*actual.subject) {
                    continue;
                }
            }
            let Some(slot) = self.locate(
                &by_id,
                &mut last,
                &subjects,
                &actual.subject,
                &actual.indicator,
                "actuals",
                i,
                &mut issues,
            ) else {
                continue;
            };
            if let Some(v) = values.get_mut(slot) {
                if v.is_some() {
                    issues.push(Issue::new(
                        Code::DuplicateActual,
                        format!("actuals[{i}]"),
                        format!(
                            "subject '{}' has more than one actual for indicator '{}'",
                            actual.subject, actual.indicator
                        ),
                    ));
                }
                *v = Some(actual.value);
            }
        }
        let mut extras: Vec<(Vec<Warning>, Vec<ItemSource>)> = Vec::new();
        if let Some(c) = chain.as_mut() {
            extras = (0..subjects.len()).map(|_| Default::default()).collect();
            self.place_derived(c, &by_id, &subjects, &mut values, &mut extras);
            c.supply(self, inputs);
            self.fill_sources(c, inputs, &subjects, &mut values, &mut extras, &mut issues);
        }
        let mut overrides: Overrides = HashMap::new();
        for (i, t) in inputs.targets.iter().enumerate() {
            let Some(slot) = self.locate(
                &by_id,
                &mut Cursor::default(),
                &subjects,
                &t.subject,
                &t.indicator,
                "targets",
                i,
                &mut issues,
            ) else {
                continue;
            };
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            if overrides.insert(slot, (index, t)).is_some() {
                issues.push(Issue::new(
                    Code::DuplicateTarget,
                    format!("targets[{i}]"),
                    format!(
                        "subject '{}' has more than one target for indicator '{}'",
                        t.subject, t.indicator
                    ),
                ));
            }
        }
        if issues.is_empty() && !overrides.is_empty() {
            self.check_overrides(inputs, &subjects, &by_id, &mut issues);
        }
        if !issues.is_empty() {
            return Err(InputError { issues });
        }
        // Owned results are made one subject at a time, so the item rows never pile up.
        let keep_rows = owned.is_none();
        let mut table = ScoreTable {
            plan: self,
            inputs,
            subjects: {
                subject_rows.clear();
                subject_rows.reserve(if keep_rows { subjects.len() } else { 0 });
                subject_rows
            },
            items: {
                item_rows.clear();
                item_rows.reserve(if keep_rows {
                    subjects
                        .iter()
                        .fold(0usize, |n, s| n.saturating_add(s.role.items.len()))
                } else {
                    0
                });
                item_rows
            },
            derivation: None,
            values: Vec::new(),
        };
        // What the chain adds to each result: inherited regions, warnings and sources.
        type Extras = Vec<(Vec<Warning>, Vec<ItemSource>)>;
        let finish = |extras: &mut Extras, k: usize, s: &SubjectSlot, r: &mut SubjectRow| {
            let region = match (&chain, &s.assignment.region) {
                (Some(c), None) => c.org.region_of(s.assignment),
                _ => None,
            };
            let (warnings, mut sources) = extras.get_mut(k).map(std::mem::take).unwrap_or_default();
            if region.is_none() && warnings.is_empty() && sources.is_empty() {
                return;
            }
            let extra = r.extra.get_or_insert_default();
            extra.region = region.map(str::to_string);
            extra.warnings.extend(warnings);
            sources.sort_by_key(|x| {
                s.role
                    .items
                    .iter()
                    .position(|it| it.key == x.item)
                    .unwrap_or(usize::MAX)
            });
            extra.sources = sources;
        };
        let mut scores: Vec<Option<Decimal>> = Vec::new();
        let linked = self.levels.iter().any(|&l| l > 0);
        let mut owned = owned;
        if let Some(out) = owned.as_deref_mut() {
            // Allocated after the batch's value table, as glibc's malloc then keeps the freed
            // results for the next batch instead of handing them back to the system.
            out.reserve(subjects.len());
        }
        if !linked {
            for (k, s) in subjects.iter().enumerate() {
                let row = values
                    .get(s.offset..s.offset.saturating_add(s.role.slots.len()))
                    .unwrap_or(&[]);
                if let Some(out) = owned.as_deref_mut() {
                    // Owned results: the items are made as owned results from the start.
                    let mut items = Vec::with_capacity(s.role.items.len());
                    match self.score_subject(s, row, &overrides, &mut scores, &mut items) {
                        Ok(mut r) if issues.is_empty() => {
                            finish(&mut extras, k, s, &mut r);
                            out.push(table.view(&r).result_around(items));
                        }
                        Ok(_) => {}
                        Err(mut e) => issues.append(&mut e),
                    }
                    continue;
                }
                match self.score_subject(s, row, &overrides, &mut scores, &mut table.items) {
                    Ok(mut r) => {
                        finish(&mut extras, k, s, &mut r);
                        table.subjects.push(r);
                    }
                    Err(mut e) => issues.append(&mut e),
                }
            }
        } else if let Some(c) = chain.as_ref() {
            // Roles reading other roles' results are scored after them, level by level.
            let mut rows: Vec<Option<SubjectRow>> = (0..subjects.len()).map(|_| None).collect();
            let mut done: Vec<Option<SubjectResult>> = (0..subjects.len()).map(|_| None).collect();
            let top = self.levels.iter().copied().max().unwrap_or(0);
            for level in 0..=top {
                for (k, s) in subjects.iter().enumerate() {
                    if self.levels.get(s.role.index).copied().unwrap_or(0) != level {
                        continue;
                    }
                    if !s.role.sourced.is_empty() {
                        let (found, notes) = self.role_sources(c, s, &subjects, &done);
                        for (slot, v) in found {
                            if let Some(x) = values.get_mut(s.offset.saturating_add(slot)) {
                                *x = v;
                            }
                        }
                        if let Some(e) = extras.get_mut(k) {
                            e.1.extend(notes);
                        }
                    }
                    let row = values
                        .get(s.offset..s.offset.saturating_add(s.role.slots.len()))
                        .unwrap_or(&[]);
                    match self.score_subject(s, row, &overrides, &mut scores, &mut table.items) {
                        Ok(mut r) => {
                            finish(&mut extras, k, s, &mut r);
                            // The owned result, for the roles that read this one.
                            if let Some(d) = done.get_mut(k) {
                                *d = Some(table.view(&r).to_result());
                            }
                            if let Some(d) = rows.get_mut(k) {
                                *d = Some(r);
                            }
                        }
                        Err(mut e) => issues.append(&mut e),
                    }
                }
            }
            match owned {
                Some(out) => out.extend(done.into_iter().flatten()),
                None => table.subjects.extend(rows.into_iter().flatten()),
            }
        }
        if !issues.is_empty() {
            return Err(InputError { issues });
        }
        table.derivation = chain.and_then(|c| c.report);
        table.values = values;
        Ok(table)
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn locate<'a>(
        &self,
        by_id: &FastMap<&'a str, usize>,
        last: &mut Cursor<'a>,
        subjects: &[SubjectSlot],
        subject: &'a str,
        indicator: &'a str,
        list: &str,
        i: usize,
        issues: &mut Vec<Issue>,
    ) -> Option<usize> {
        let index = match last.subject {
            Some((name, index)) if same_str(name, subject) => {
                last.run = last.run.saturating_add(1);
                Some(index)
            }
            previous => {
                last.run = 0;
                // Grouped in the order of the assignments: try the next subject before hashing.
                let next = previous
                    .and_then(|(_, index)| index.checked_add(1))
                    .filter(|&next| {
                        subjects
                            .get(next)
                            .is_some_and(|s| same_str(&s.assignment.subject, subject))
                    });
                let found = next.or_else(|| by_id.get(subject).copied());
                last.subject = found.map(|index| (subject, index));
                found
            }
        };
        let Some(s) = index.and_then(|s| subjects.get(s)) else {
            issues.push(Issue::new(
                Code::UnknownSubject,
                format!("{list}[{i}].subject"),
                format!("subject '{subject}' has no assignment"),
            ));
            return None;
        };
        // Subjects usually list their indicators in the same order: try the indicator seen at
        // this position of the previous subject's run before hashing.
        let cached = match last.seen.get(last.run) {
            Some(&(name, ind)) if same_str(name, indicator) => Some(ind),
            _ => None,
        };
        let Some(ind) = cached.or_else(|| {
            let ind = self.indicator_index.get(indicator).copied()?;
            let (run, len) = (last.run, last.seen.len());
            if let Some(entry) = last.seen.get_mut(run) {
                *entry = (indicator, ind);
            } else if len == run && run < 64 {
                last.seen.push((indicator, ind));
            }
            Some(ind)
        }) else {
            issues.push(Issue::new(Code::UnknownIndicator, format!("{list}[{i}].indicator"), format!("indicator '{indicator}' (subject '{subject}') is not in the plan's indicator library")));
            return None;
        };
        // An indicator the subject's role does not use is accepted and ignored.
        match s.role.slot_of.get(ind).copied() {
            Some(slot) if slot != u32::MAX => Some(s.offset.saturating_add(slot as usize)),
            _ => None,
        }
    }

    fn check_overrides(
        &self,
        inputs: &Inputs,
        subjects: &[SubjectSlot],
        by_id: &FastMap<&str, usize>,
        issues: &mut Vec<Issue>,
    ) {
        for (i, t) in inputs.targets.iter().enumerate() {
            let Some(s) = by_id.get(&*t.subject).and_then(|&s| subjects.get(s)) else {
                continue;
            };
            for item in s
                .role
                .items
                .iter()
                .filter(|it| *it.indicator_id == *t.indicator)
            {
                let tg = targets_for(item, Some(t));
                let higher = item.direction == Direction::HigherIsBetter;
                let better = |a: Decimal, b: Decimal| if higher { a > b } else { a < b };
                let linear = matches!(item.rule, CRule::Linear(_));
                let bad_threshold = linear
                    && tg
                        .threshold
                        .zip(tg.target)
                        .is_some_and(|(th, tv)| !better(tv, th));
                let bad_stretch = linear
                    && tg
                        .target
                        .zip(tg.stretch)
                        .is_some_and(|(tv, st)| !better(st, tv));
                if bad_threshold || bad_stretch {
                    issues.push(Issue::new(
                        Code::TargetsOutOfOrder,
                        format!("targets[{i}]"),
                        format!("for subject '{}', item '{}' ({}) needs threshold, target and stretch in order; got {:?}, {:?}, {:?}", t.subject, item.key, item.direction.as_str(), tg.threshold.map(|d| d.to_string()), tg.target.map(|d| d.to_string()), tg.stretch.map(|d| d.to_string())),
                    ));
                }
            }
        }
    }

    /// Scores one subject, appending its items to `items`. On an error the items already
    /// appended stay: the whole batch fails then, and its rows are dropped.
    fn score_subject<R: ItemOut>(
        &self,
        s: &SubjectSlot,
        row: &[Option<Decimal>],
        overrides: &Overrides,
        scores: &mut Vec<Option<Decimal>>,
        items: &mut Vec<R>,
    ) -> Result<SubjectRow, Vec<Issue>> {
        let rp = &self.plan.rounding;
        let role = s.role;
        let subject: &str = &s.assignment.subject;
        let mut issues = Vec::new();
        let mut warnings = Vec::new();
        let overflow = |path: String| {
            Issue::new(
                Code::ArithmeticOverflow,
                path,
                format!(
                    "subject '{subject}': the calculation does not fit a decimal (overflow or division by zero)"
                ),
            )
        };

        let n = role.items.len();
        let first = items.len();
        // Without exclusions or reordering, fast items are weighted and summed as they are
        // scored; should one not be, the weights are applied below as usual.
        let eager = !role.any_exclude && role.identity_order && crate::fixed::enabled();
        let mut eager_sum = rules::Sum::new();
        let mut eager_all = eager;
        scores.clear();
        scores.resize(n, None);
        for &ii in &role.order {
            let Some(item) = role.items.get(ii) else {
                continue;
            };
            let path = || format!("{}.items[{}]", role.path, item.source);
            let ovr = if overrides.is_empty() {
                None
            } else {
                overrides.get(&s.offset.saturating_add(item.slot)).copied()
            };
            let index = u32::try_from(ii).unwrap_or(u32::MAX);
            let actual = row.get(item.slot).copied().flatten();
            let make = |status, achievement, raw, score, weighted| {
                let n = ItemNumbers {
                    status,
                    actual,
                    achievement,
                    raw,
                    score,
                    weighted,
                };
                R::make(item, index, ovr, n)
            };
            // Most items take the exact fixed-point path (identical numbers, no note).
            let fast = match (actual, ovr) {
                (Some(a), None) => rules::score_fast(item, a, rp),
                _ => None,
            };
            if let Some(fast) = fast {
                let mut weighted = Decimal::ZERO;
                if eager_all {
                    let w = item
                        .factors
                        .fast
                        .as_ref()
                        .and_then(|f| f.weight)
                        .and_then(|w| {
                            rules::weighted_fx(fast.score_fx, w, rp.weighted_scale, rp.mode)
                        })
                        .filter(|&w| eager_sum.add_fx(w).is_ok() && eager_sum.is_fx());
                    match w {
                        Some(w) => weighted = w.dec(),
                        None => eager_all = false,
                    }
                }
                if let Some(slot) = scores.get_mut(ii) {
                    *slot = Some(fast.score);
                }
                items.push(make(
                    ItemStatus::Scored,
                    fast.achievement,
                    fast.raw,
                    fast.score,
                    weighted,
                ));
                continue;
            }
            eager_all = false;
            let t = targets_for(item, ovr.map(|o| o.1));
            let outcome = self.score_item(role, item, actual, t, row, scores, rp);
            match outcome {
                Ok(Outcome::Scored(sc)) => {
                    if let Some((code, message)) = sc.note {
                        warnings.push(Warning {
                            code,
                            path: path().into(),
                            message: format!("subject '{subject}', item '{}': {message}", item.key),
                        });
                    }
                    if let Some(slot) = scores.get_mut(ii) {
                        *slot = Some(sc.score);
                    }
                    items.push(make(
                        ItemStatus::Scored,
                        sc.achievement,
                        sc.raw,
                        sc.score,
                        Decimal::ZERO,
                    ));
                }
                Ok(Outcome::Missing(what)) => {
                    let what = self.source_of_missing(s, ii).unwrap_or(what);
                    match item.missing {
                    MissingDataPolicy::Error => issues.push(Issue::new(
                        Code::MissingActual,
                        path(),
                        format!("subject '{subject}' has no actual for {what} (item '{}' of role '{}'), and the missing-data policy is `error`", item.key, role.id),
                    )),
                    policy => {
                        let (status, code, verb) = if policy == MissingDataPolicy::Zero {
                            (ItemStatus::MissingZero, Code::MissingActualZero, "scored zero")
                        } else {
                            (ItemStatus::Excluded, Code::MissingActualExcluded, "left out and the other weights scaled up")
                        };
                        warnings.push(Warning { code, path: path().into(), message: format!("subject '{subject}' has no actual for {what}; item '{}' was {verb}", item.key) });
                        let zero = round_fixed(Decimal::ZERO, rp.item_scale, rp.mode);
                        if status == ItemStatus::MissingZero {
                            if let Some(sc) = scores.get_mut(ii) {
                                *sc = Some(zero);
                            }
                        }
                        items.push(make(status, None, Decimal::ZERO, zero, Decimal::ZERO));
                    }
                    }
                }
                Err(ArithmeticError) => issues.push(overflow(path())),
            }
        }
        if !issues.is_empty() {
            return Err(issues);
        }
        let items = items.get_mut(first..).unwrap_or_default();
        if !role.identity_order {
            // Formula dependencies changed the evaluation order: restore the scorecard's order.
            items.sort_by_key(|it| it.index(role));
        }
        let weight_of = |it: &R| {
            role.items
                .get(it.index(role))
                .map_or(Decimal::ZERO, |c| c.weight)
        };

        // Weights: scaled up when items were excluded.
        let included: Decimal = if role.any_exclude {
            let mut sum = Decimal::ZERO;
            for it in items
                .iter()
                .filter(|it| it.status() != ItemStatus::Excluded)
            {
                sum = dec::add(sum, weight_of(it))
                    .map_err(|_| vec![overflow(role.path.to_string())])?;
            }
            sum
        } else {
            HUNDRED
        };
        if included.is_zero() {
            return Err(vec![Issue::new(
                Code::NoItemsLeft,
                format!("{}.items", role.path),
                format!(
                    "subject '{subject}' has no actual for any item of role '{}', so nothing can be scored",
                    role.id
                ),
            )]);
        }
        let all_in = included == HUNDRED;
        let mut sum = if eager_all {
            eager_sum
        } else {
            rules::Sum::new()
        };
        let weigh = if eager_all {
            &mut [][..]
        } else {
            &mut items[..]
        };
        for (k, it) in weigh.iter_mut().enumerate() {
            if it.status() == ItemStatus::Excluded {
                it.set_effective_weight(Decimal::ZERO);
                continue;
            }
            let path = || format!("{}.items[{k}]", role.path);
            let weight = weight_of(it);
            let fast = if all_in {
                rules::weighted_fast(it.score(), weight, rp.weighted_scale, rp.mode)
            } else {
                None
            };
            if let Some(weighted) = fast {
                it.set_weighted(weighted.dec());
                sum.add_fx(weighted).map_err(|_| vec![overflow(path())])?;
                continue;
            }
            let weighted = if all_in {
                dec::mul(it.score(), weight).and_then(dec::div_by_100)
            } else {
                it.set_effective_weight(
                    dec::div(
                        dec::mul(weight, HUNDRED).map_err(|_| vec![overflow(path())])?,
                        included,
                    )
                    .map_err(|_| vec![overflow(path())])?
                    .normalize(),
                );
                dec::div(
                    dec::mul(it.score(), weight).map_err(|_| vec![overflow(path())])?,
                    included,
                )
            }
            .map_err(|_| vec![overflow(path())])?;
            let weighted = round_fixed(weighted, rp.weighted_scale, rp.mode);
            it.set_weighted(weighted);
            sum.add(weighted).map_err(|_| vec![overflow(path())])?;
        }
        // Without adjustments or vetoes, a total still in fixed point is rounded there (the
        // sum is only ever in fixed point when the shortcuts are on).
        let simple_total = if role.adjustments.is_empty() && role.vetoes.is_empty() {
            sum.fx()
                .and_then(|t| t.round_fixed(rp.total_scale, rp.mode))
        } else {
            None
        };
        let mut total = sum.value();

        // Adjustments.
        let mut adjustments = Vec::with_capacity(role.adjustments.len());
        for adj in &role.adjustments {
            let actual = row
                .get(adj.slot)
                .copied()
                .flatten()
                .unwrap_or(Decimal::ZERO);
            let path = || {
                if adj.source.0 {
                    format!("adjustments[{}]", adj.source.1)
                } else {
                    format!("{}[{}]", role.adjustments_path, adj.source.1)
                }
            };
            let raw = dec::mul(actual, adj.points_per_unit).map_err(|_| vec![overflow(path())])?;
            let points = round_fixed(clamp(raw, adj.min, adj.max), rp.item_scale, rp.mode);
            let capped = adj.min.is_some_and(|m| raw < m) || adj.max.is_some_and(|m| raw > m);
            if capped {
                warnings.push(Warning {
                    code: Code::AdjustmentCapped,
                    path: path().into(),
                    message: format!(
                        "subject '{subject}': adjustment '{}' of {} points was limited to {points}",
                        adj.id,
                        raw.normalize()
                    ),
                });
            }
            total = dec::add(total, points).map_err(|_| vec![overflow(path())])?;
            adjustments.push(AdjustmentResult {
                id: adj.id.clone(),
                actual,
                raw_points: raw,
                points,
                capped,
            });
        }
        let total_unrounded = total;
        let mut total = match simple_total {
            Some(rounded) => rounded.dec(),
            None => round_fixed(total, rp.total_scale, rp.mode),
        };

        // Vetoes: the most severe fired veto wins (lowest forced total, lowest forced grade).
        let mut vetoes = Vec::new();
        let mut forced_grade: Option<usize> = None;
        let mut forced_total: Option<Decimal> = None;
        for v in &role.vetoes {
            let path = || {
                if v.source.0 {
                    format!("vetoes[{}]", v.source.1)
                } else {
                    format!("{}[{}]", role.vetoes_path, v.source.1)
                }
            };
            let vars = |var: Var| -> Option<Decimal> {
                match var {
                    Var::Total => Some(total),
                    Var::ItemScore(j) => scores.get(j).copied().flatten(),
                    Var::Indicator(i) => role
                        .slot_of
                        .get(i)
                        .and_then(|&sl| row.get(sl as usize))
                        .copied()
                        .flatten(),
                    _ => None,
                }
            };
            match v.condition.eval(&vars) {
                Ok(Value::Bool(true)) => {
                    if let Some(g) = v.force_grade {
                        forced_grade = Some(forced_grade.map_or(g, |f| f.max(self.grades.get(g).map_or(g, |x| x.rank))));
                    }
                    if let Some(t) = v.force_total {
                        forced_total = Some(forced_total.map_or(t, |f| f.min(t)));
                    }
                    vetoes.push(VetoResult { id: v.id.clone(), force_grade: v.force_grade.and_then(|g| self.grades.get(g)).map(|g| g.name.to_string()), force_total: v.force_total });
                }
                Ok(_) => {}
                Err(EvalFailure::Missing(var)) => warnings.push(Warning {
                    code: Code::VetoNotEvaluated,
                    path: path().into(),
                    message: format!("subject '{subject}': veto '{}' could not be checked because {} has no value; it did not fire", v.id, self.var_name(role, var)),
                }),
                Err(EvalFailure::Arithmetic) => return Err(vec![overflow(path())]),
            }
        }
        if let Some(t) = forced_total {
            total = round_fixed(t, rp.total_scale, rp.mode);
        }
        // Grades are compared in fixed point when the shortcuts are on and the total fits.
        let total_fx = match simple_total {
            Some(rounded) => Some(rounded),
            None if crate::fixed::enabled() => crate::fixed::Fx::of(total),
            None => None,
        };
        let grade_index = match forced_grade.filter(|&g| g < self.grades.len()) {
            Some(g) => g,
            None => match self
                .grades
                .iter()
                .position(|g| match (g.min, g.min_fx, total_fx) {
                    (None, _, _) => true,
                    (Some(_), Some(m), Some(t)) => m.le(t),
                    (Some(m), _, _) => dec::at_least(total, m),
                }) {
                Some(g) => g,
                None => {
                    return Err(vec![Issue::new(
                        Code::NoGrade,
                        "grades",
                        format!(
                            "subject '{subject}': the total {total} is below every grade of the scale"
                        ),
                    )]);
                }
            },
        };
        let coefficient = self
            .grades
            .get(grade_index)
            .map_or(Decimal::ZERO, |g| g.coefficient);
        let payout = match s.assignment.bonus_base {
            Some(base) => Some(round_fixed(
                dec::mul(base, coefficient).map_err(|_| vec![overflow("grades".into())])?,
                rp.payout_scale,
                rp.mode,
            )),
            None => None,
        };
        let extra = if adjustments.is_empty() && vetoes.is_empty() && warnings.is_empty() {
            None
        } else {
            Some(Box::new(SubjectExtra {
                adjustments,
                vetoes,
                warnings,
                ..Default::default()
            }))
        };
        Ok(SubjectRow {
            assignment: s.index,
            role: s.role_pos,
            grade: u32::try_from(grade_index).unwrap_or(u32::MAX),
            first: u32::try_from(first).unwrap_or(u32::MAX),
            total_unrounded,
            total,
            payout,
            extra,
        })
    }

    fn var_name(&self, role: &CRole, var: Var) -> String {
        match var {
            Var::Indicator(i) => self
                .plan
                .indicators
                .get(i)
                .map_or_else(String::new, |ind| format!("indicator '{}'", ind.id)),
            Var::ItemScore(j) => role
                .items
                .get(j)
                .map_or_else(String::new, |it| format!("the score of item '{}'", it.key)),
            Var::Actual => "the actual".into(),
            Var::Target => "the target".into(),
            Var::Threshold => "the threshold".into(),
            Var::Stretch => "the stretch value".into(),
            Var::Achievement => "the achievement".into(),
            Var::Total => "the total".into(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn score_item(
        &self,
        role: &CRole,
        item: &CItem,
        actual: Option<Decimal>,
        t: Targets,
        row: &[Option<Decimal>],
        scores: &[Option<Decimal>],
        rp: &RoundingPolicy,
    ) -> Result<Outcome, ArithmeticError> {
        let Some(actual) = actual else {
            return Ok(Outcome::Missing(format!(
                "indicator '{}'",
                item.indicator_id
            )));
        };
        let achievement = match t.target {
            Some(tg) => rules::achievement(
                actual,
                tg,
                item.direction,
                if t.from_plan {
                    item.factors.achievement
                } else {
                    None
                },
            )?
            .map(|a| round_fixed(a, rp.achievement_scale, rp.mode)),
            None => None,
        };
        let scored = match &item.rule {
            CRule::Formula { expr, floor, cap } => {
                let vars = |var: Var| -> Option<Decimal> {
                    match var {
                        Var::Actual => Some(actual),
                        Var::Target => t.target,
                        Var::Threshold => t.threshold,
                        Var::Stretch => t.stretch,
                        Var::Achievement => achievement,
                        Var::Indicator(i) => role
                            .slot_of
                            .get(i)
                            .and_then(|&sl| row.get(sl as usize))
                            .copied()
                            .flatten(),
                        Var::ItemScore(j) => scores.get(j).copied().flatten(),
                        Var::Total => None,
                    }
                };
                match expr.eval(&vars) {
                    Ok(Value::Num(v)) => rules::Scored {
                        raw: clamp(v, *floor, *cap),
                        note: None,
                    },
                    Ok(Value::Bool(_)) | Err(EvalFailure::Arithmetic) => {
                        return Err(ArithmeticError);
                    }
                    Err(EvalFailure::Missing(var)) => {
                        return Ok(Outcome::Missing(self.var_name(role, var)));
                    }
                }
            }
            _ => rules::score(item, actual, t, achievement)?,
        };
        let score = round_fixed(scored.raw, rp.item_scale, rp.mode);
        Ok(Outcome::Scored(ItemScore {
            achievement,
            raw: scored.raw,
            score,
            note: scored.note,
        }))
    }
}

/// The numbers of a scored item, before they are placed in its result.
struct ItemScore {
    achievement: Option<Decimal>,
    raw: Decimal,
    score: Decimal,
    note: Option<(Code, String)>,
}

enum Outcome {
    Scored(ItemScore),
    Missing(String),
}

/// String equality, first by address: ids shared between rows (`Arc<str>`) compare at once.
#[inline(always)]
fn same_str(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

pub(super) fn targets_for(item: &CItem, ovr: Option<&TargetOverride>) -> Targets {
    match ovr {
        Some(o) => Targets {
            target: Some(o.target),
            threshold: o.threshold.or(item.threshold),
            stretch: o.stretch.or(item.stretch),
            from_plan: false,
        },
        None => Targets {
            target: item.target,
            threshold: item.threshold,
            stretch: item.stretch,
            from_plan: true,
        },
    }
}

/// The full chain: variants, derived actuals, sourced items.
impl CompiledPlan {
    /// A builder for the declared record set `name`, reading text in the plan's time zone;
    /// `None` when the plan declares no such record set.
    pub fn record_builder(&self, name: &str) -> Option<crate::measure::RecordSetBuilder> {
        let (_, schema) = self.record_schemas.iter().find(|(n, _)| n == name)?;
        Some(crate::measure::RecordSetBuilder::new(
            name,
            schema.clone(),
            self.plan
                .time_zone
                .unwrap_or(crate::measure::UtcOffset::UTC),
        ))
    }

    /// The compiled scorecard for an assignment: the variant of its unit (or a unit above
    /// it), else of its region, else the role's own.
    fn select_role(&self, ri: usize, a: &Assignment, chain: Option<&Chain>) -> usize {
        let Some(variants) = self.variants.get(ri).filter(|v| !v.is_empty()) else {
            return ri;
        };
        if let Some(unit) = a.unit.as_deref() {
            let ancestors = match chain {
                Some(c) if c.org.contains(unit) => c.org.chain(unit),
                _ => vec![unit],
            };
            for u in ancestors {
                if let Some(v) = variants.iter().find(|v| v.unit.as_deref() == Some(u)) {
                    return v.role;
                }
            }
        }
        let region = match chain {
            Some(c) => c.org.region_of(a),
            None => a.region.as_deref(),
        };
        if let Some(region) = region {
            if let Some(v) = variants
                .iter()
                .find(|v| v.region.as_deref() == Some(region))
            {
                return v.role;
            }
        }
        ri
    }

    /// Puts the actuals derived from records in the subjects' slots, unless supplied, and
    /// turns the derivation's notes into the subjects' warnings.
    fn place_derived(
        &self,
        c: &Chain,
        by_id: &FastMap<&str, usize>,
        subjects: &[SubjectSlot],
        values: &mut [Option<Decimal>],
        extras: &mut [(Vec<Warning>, Vec<ItemSource>)],
    ) {
        for a in &c.derived {
            let Some(&k) = by_id.get(&*a.subject) else {
                continue;
            };
            let (Some(s), Some(&ind)) = (subjects.get(k), self.indicator_index.get(&*a.indicator))
            else {
                continue;
            };
            let Some(slot) = s.role.slot_of.get(ind).copied().filter(|&x| x != u32::MAX) else {
                continue;
            };
            let Some(v) = values.get_mut(s.offset.saturating_add(slot as usize)) else {
                continue;
            };
            match v {
                None => *v = Some(a.value),
                Some(supplied) => {
                    if let Some(e) = extras.get_mut(k) {
                        e.0.push(Warning {
                            code: Code::SuppliedReplacesDerived,
                            path: format!("indicators[{ind}].measure").into(),
                            message: format!(
                                "subject '{}': the supplied actual {} of indicator '{}' was used instead of the value {} derived from records",
                                a.subject, supplied, a.indicator, a.value
                            ),
                        });
                    }
                }
            }
        }
        for (k, s) in subjects.iter().enumerate() {
            let Some(notes) = c.notes.get(&*s.assignment.subject) else {
                continue;
            };
            for (ind, code, message) in notes {
                let reads = s.role.slot_of.get(*ind).is_some_and(|&x| x != u32::MAX);
                if let (true, Some(e)) = (reads, extras.get_mut(k)) {
                    e.0.push(Warning {
                        code: *code,
                        path: format!("indicators[{ind}].measure").into(),
                        message: message.clone(),
                    });
                }
            }
        }
    }

    /// Fills the slots of items reading a unit or another subject.
    fn fill_sources(
        &self,
        c: &mut Chain,
        inputs: &Inputs,
        subjects: &[SubjectSlot],
        values: &mut [Option<Decimal>],
        extras: &mut [(Vec<Warning>, Vec<ItemSource>)],
        issues: &mut Vec<Issue>,
    ) {
        for (k, s) in subjects.iter().enumerate() {
            for src in &s.role.sourced {
                let Some(item) = s.role.items.get(src.item) else {
                    continue;
                };
                let (value, note) = match &src.source {
                    CSource::Unit { unit, indicator } => {
                        let unit = match unit.as_deref().or(s.assignment.unit.as_deref()) {
                            Some(u) => u.to_string(),
                            None => {
                                issues.push(Issue::new(
                                    Code::MissingUnit,
                                    format!("{}.items[{}].source", s.role.path, item.source),
                                    format!(
                                        "subject '{}' has no unit, but item '{}' of role '{}' reads the subject's unit",
                                        s.assignment.subject, item.key, s.role.id
                                    ),
                                ));
                                continue;
                            }
                        };
                        let (v, how) = c.unit_value(self, inputs, &unit, *indicator);
                        let ind = self.indicator_name(*indicator);
                        (v, chain::describe(&item.key, &src.source, &unit, &ind, how))
                    }
                    CSource::Subject { subject, indicator } => {
                        let found = c.get(subject, *indicator);
                        let how = match found {
                            Some((_, chain::Origin::Supplied)) => "supplied",
                            Some((_, chain::Origin::Derived)) => "derived from records",
                            None => "no value",
                        };
                        let ind = self.indicator_name(*indicator);
                        (
                            found.map(|(v, _)| v),
                            chain::describe(&item.key, &src.source, subject, &ind, how.into()),
                        )
                    }
                    CSource::Role { .. } => continue,
                };
                if let Some(x) = values.get_mut(s.offset.saturating_add(src.slot)) {
                    *x = value;
                }
                if let Some(e) = extras.get_mut(k) {
                    e.1.push(note);
                }
            }
        }
    }

    /// The values of a subject's role-linked items, from the results of the roles it reads.
    fn role_sources(
        &self,
        c: &Chain,
        s: &SubjectSlot,
        subjects: &[SubjectSlot],
        done: &[Option<SubjectResult>],
    ) -> (Vec<(usize, Option<Decimal>)>, Vec<ItemSource>) {
        let mut found = Vec::new();
        let mut notes = Vec::new();
        for src in &s.role.sourced {
            let CSource::Role {
                role,
                value,
                aggregate,
                scope,
            } = &src.source
            else {
                continue;
            };
            let Some(item) = s.role.items.get(src.item) else {
                continue;
            };
            let candidates: Vec<(usize, &Assignment, &SubjectResult)> = subjects
                .iter()
                .zip(done)
                .enumerate()
                .filter(|(_, (t, _))| t.role.index == *role)
                .filter_map(|(k, (t, r))| r.as_ref().map(|r| (k, t.assignment, r)))
                .collect();
            let role_id = self.plan.roles.get(*role).map_or("", |r| r.id.as_str());
            let (v, how) = chain::role_value(
                c,
                s.assignment,
                &candidates,
                value,
                *aggregate,
                *scope,
                role_id,
            );
            found.push((src.slot, v));
            notes.push(chain::describe(&item.key, &src.source, role_id, "", how));
        }
        (found, notes)
    }

    /// For an item whose actual is read from a unit, another subject or another role: what
    /// it read, for the missing-data message (`None` for an item reading its own actual).
    fn source_of_missing(&self, s: &SubjectSlot, item: usize) -> Option<String> {
        let src = s.role.sourced.iter().find(|x| x.item == item)?;
        Some(match &src.source {
            CSource::Unit { unit, indicator } => match unit.as_deref() {
                Some(u) => format!(
                    "indicator '{}' of unit '{u}'",
                    self.indicator_name(*indicator)
                ),
                None => match s.assignment.unit.as_deref() {
                    Some(u) => format!(
                        "indicator '{}' of its unit '{u}'",
                        self.indicator_name(*indicator)
                    ),
                    None => format!(
                        "indicator '{}' of its unit",
                        self.indicator_name(*indicator)
                    ),
                },
            },
            CSource::Subject { subject, indicator } => format!(
                "indicator '{}' of subject '{subject}'",
                self.indicator_name(*indicator)
            ),
            CSource::Role { role, .. } => format!(
                "the value read from role '{}'",
                self.plan.roles.get(*role).map_or("", |r| r.id.as_str())
            ),
        })
    }

    fn indicator_name(&self, ind: usize) -> String {
        self.plan
            .indicators
            .get(ind)
            .map_or_else(String::new, |i| i.id.clone())
    }
}

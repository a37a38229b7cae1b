//! One batch: the entry points, indexing the inputs (assignments, actuals, targets) onto
//! the subjects' value slots, and scoring every subject level by level.

use super::chain::Chain;
use super::result::*;
use super::rules::targets_for;
use super::subject::{Overrides, SubjectSlot};
use super::table::{ScoreTable, SubjectRow, TableBuffers};
use crate::compile::{CRule, CompiledPlan, FastMap};
use crate::error::Code;
use crate::error::{InputError, Issue};
use crate::measure::RecordSets;
use crate::model::Direction;
use crate::model::Inputs;
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
        // The period is checked whatever the plan reads: results repeat it.
        if let Some(Err(e)) = inputs
            .period
            .as_deref()
            .map(str::parse::<crate::measure::Period>)
        {
            return Err(InputError {
                issues: vec![Issue::new(Code::InvalidPeriod, "period", e)],
            });
        }
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
}

/// String equality, first by address: ids shared between rows (`Arc<str>`) compare at once.
#[inline(always)]
fn same_str(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

//! The full chain around the scoring engine: org units, actuals derived from records for
//! subjects and units, roll-ups, and the values sourced items read from units, other
//! subjects and other roles' results.

use crate::error::Code;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::result::{ItemSource, SubjectResult, Warning};
use super::subject::SubjectSlot;
use crate::compile::{CSource, CompiledPlan, FastMap, RoleValue};
use crate::error::Issue;
use crate::measure::{
    DeriveOptions, DeriveReport, Period, RecordSetBuilder, RecordSets, derive_grouped, derive_plan,
};
use crate::model::{Actual, Assignment, Inputs};
use crate::model::{Aggregate, LinkScope};

/// The org tree of one evaluation.
#[derive(Default)]
pub(crate) struct Org<'a> {
    index: FastMap<&'a str, usize>,
    ids: Vec<&'a str>,
    parent: Vec<Option<usize>>,
    /// The unit's region, or the nearest one above it.
    region: Vec<Option<&'a str>>,
    depth: Vec<usize>,
}

impl<'a> Org<'a> {
    /// Reads `inputs.units`, reporting unknown parents, duplicates and cycles.
    pub(crate) fn build(inputs: &'a Inputs, issues: &mut Vec<Issue>) -> Org<'a> {
        let mut org = Org::default();
        for (i, u) in inputs.units.iter().enumerate() {
            if u.id.trim().is_empty() {
                issues.push(Issue::new(
                    Code::EmptyField,
                    format!("units[{i}].id"),
                    "the unit id must not be empty",
                ));
            } else if org.index.contains_key(u.id.as_str()) {
                issues.push(Issue::new(
                    Code::DuplicateUnit,
                    format!("units[{i}].id"),
                    format!("unit '{}' is listed more than once", u.id),
                ));
                continue;
            }
            org.index.insert(u.id.as_str(), org.ids.len());
            org.ids.push(u.id.as_str());
        }
        let n = org.ids.len();
        org.parent = vec![None; n];
        let mut k = 0usize;
        for (i, u) in inputs.units.iter().enumerate() {
            if org.index.get(u.id.as_str()) != Some(&k) {
                continue;
            }
            if let Some(p) = &u.parent {
                match org.index.get(p.as_str()) {
                    Some(&pi) => {
                        if let Some(slot) = org.parent.get_mut(k) {
                            *slot = Some(pi);
                        }
                    }
                    None => issues.push(Issue::new(
                        Code::UnknownUnit,
                        format!("units[{i}].parent"),
                        format!(
                            "unit '{}' has parent '{p}', which is not a listed unit",
                            u.id
                        ),
                    )),
                }
            }
            k = k.saturating_add(1);
        }
        // Depths and regions, walking up; a walk longer than the number of units is a cycle.
        org.depth = vec![0; n];
        org.region = vec![None; n];
        let own_region: Vec<Option<&'a str>> = {
            let mut r = vec![None; n];
            for u in &inputs.units {
                if let Some(&ui) = org.index.get(u.id.as_str()) {
                    if let Some(slot) = r.get_mut(ui) {
                        *slot = u.region.as_deref();
                    }
                }
            }
            r
        };
        for u in 0..n {
            let mut steps = 0usize;
            let mut at = u;
            let mut region = own_region.get(u).copied().flatten();
            while let Some(p) = org.parent.get(at).copied().flatten() {
                steps = steps.saturating_add(1);
                if steps > n {
                    issues.push(Issue::new(
                        Code::UnitCycle,
                        "units",
                        format!(
                            "unit '{}' is its own ancestor: the units' parents form a cycle",
                            org.ids.get(u).copied().unwrap_or("")
                        ),
                    ));
                    break;
                }
                if region.is_none() {
                    region = own_region.get(p).copied().flatten();
                }
                at = p;
            }
            if let Some(d) = org.depth.get_mut(u) {
                *d = steps;
            }
            if let Some(r) = org.region.get_mut(u) {
                *r = region;
            }
        }
        if n > 0 {
            for (i, a) in inputs.assignments.iter().enumerate() {
                if let Some(unit) = &a.unit {
                    if !org.index.contains_key(unit.as_str()) {
                        issues.push(Issue::new(
                            Code::UnknownUnit,
                            format!("assignments[{i}].unit"),
                            format!(
                                "unit '{unit}' of subject '{}' is not a listed unit",
                                a.subject
                            ),
                        ));
                    }
                }
            }
        }
        org
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub(crate) fn contains(&self, unit: &str) -> bool {
        self.index.contains_key(unit)
    }

    /// The unit and the units above it, nearest first.
    pub(crate) fn chain(&self, unit: &str) -> Vec<&'a str> {
        let mut out = Vec::new();
        let mut at = self.index.get(unit).copied();
        while let Some(u) = at {
            if out.len() > self.ids.len() {
                break;
            }
            if let Some(id) = self.ids.get(u) {
                out.push(*id);
            }
            at = self.parent.get(u).copied().flatten();
        }
        out
    }

    /// Whether `unit` is `ancestor` or below it.
    pub(crate) fn within(&self, unit: &str, ancestor: &str) -> bool {
        if unit == ancestor {
            return true;
        }
        self.chain(unit).contains(&ancestor)
    }

    /// The region of an assignment: its own, else its unit's (or the nearest above).
    pub(crate) fn region_of<'b>(&'b self, a: &'b Assignment) -> Option<&'b str> {
        a.region.as_deref().or_else(|| {
            a.unit
                .as_deref()
                .and_then(|u| self.index.get(u))
                .and_then(|&u| self.region.get(u).copied().flatten())
        })
    }

    fn max_depth(&self) -> usize {
        self.depth.iter().copied().max().unwrap_or(0)
    }

    /// The ancestor at `depth` of `unit` (the unit itself when at that depth).
    fn at_depth(&self, unit: &str, depth: usize) -> Option<&'a str> {
        let chain = self.chain(unit);
        let own = chain.len().checked_sub(1)?;
        let up = own.checked_sub(depth)?;
        chain.get(up).copied()
    }
}

/// A rolled-up value and the number of members it came from.
type Rolled = Option<(Decimal, usize)>;

/// Where a value in the store came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Supplied,
    Derived,
}

/// Everything the chain prepared for one evaluation.
pub(crate) struct Chain<'a> {
    pub(crate) org: Org<'a>,
    /// Actuals derived from records for subjects (assigned or not).
    pub(crate) derived: Vec<Actual>,
    /// Every known value by id (subject or unit) and indicator index.
    store: FastMap<Arc<str>, Vec<(usize, Decimal, Origin)>>,
    /// Per subject, notes from the derivation (indicator index, code, message).
    pub(crate) notes: FastMap<Arc<str>, Vec<(usize, Code, String)>>,
    pub(crate) report: Option<DeriveReport>,
    rollups: FastMap<(Arc<str>, usize), Rolled>,
}

/// `unknown_record_set` at `records.NAME`, saying which sets the plan declares.
fn unknown_record_set(plan: &CompiledPlan, name: &str) -> Issue {
    let names: Vec<&str> = plan
        .record_schemas
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    let known = match names.as_slice() {
        [] => "it declares none".to_string(),
        _ => format!("it declares {}", names.join(", ")),
    };
    Issue::new(
        Code::UnknownRecordSet,
        crate::Path::root().key("records").key(name),
        format!("record set '{name}' is not declared in the plan's `records` ({known})"),
    )
}

impl<'a> Chain<'a> {
    /// Builds the org tree and derives actuals from the records, when there are any.
    pub(crate) fn prepare(
        plan: &CompiledPlan,
        inputs: &'a Inputs,
        given: &RecordSets,
        issues: &mut Vec<Issue>,
    ) -> Chain<'a> {
        let org = Org::build(inputs, issues);
        let mut chain = Chain {
            org,
            derived: Vec::new(),
            store: FastMap::default(),
            notes: FastMap::default(),
            report: None,
            rollups: FastMap::default(),
        };
        let tz = plan
            .plan
            .time_zone
            .unwrap_or(crate::measure::UtcOffset::UTC);
        // Records given inline join the typed ones (a copy only then).
        let mut combined: Option<RecordSets> = None;
        for (name, rows) in &inputs.records {
            let Some((_, schema)) = plan.record_schemas.iter().find(|(n, _)| n == name) else {
                issues.push(unknown_record_set(plan, name));
                continue;
            };
            let set = json_record_set(name, schema, tz, rows);
            if let Err(e) = combined.get_or_insert_with(|| given.clone()).insert(set) {
                issues.extend(e.issues);
            }
        }
        let records = combined.as_ref().unwrap_or(given);
        for set in records.iter() {
            if !plan.record_schemas.iter().any(|(n, _)| n == set.name()) {
                issues.push(unknown_record_set(plan, set.name()));
            }
        }
        let any_records = records.iter().next().is_some();
        if any_records && !plan.measures.is_empty() && issues.is_empty() {
            chain.derive(plan, inputs, records, issues);
        }
        chain
    }

    fn derive(
        &mut self,
        plan: &CompiledPlan,
        inputs: &'a Inputs,
        records: &RecordSets,
        issues: &mut Vec<Issue>,
    ) {
        let Some(period_text) = inputs.period.as_deref() else {
            issues.push(Issue::new(
                Code::MissingPeriod,
                "period",
                "the period (e.g. \"2022-03\") is needed to derive actuals from records",
            ));
            return;
        };
        let period: Period = match period_text.parse() {
            Ok(p) => p,
            Err(e) => {
                issues.push(Issue::new(Code::InvalidPeriod, "period", e));
                return;
            }
        };
        let mut options = DeriveOptions::new(
            plan.plan
                .time_zone
                .unwrap_or(crate::measure::UtcOffset::UTC),
        );
        options.bad_records = plan.plan.bad_records;
        let compiled = &plan.compiled_measures;
        let derived = match derive_plan(compiled, &plan.measures, records, &period, &options) {
            Ok(d) => d,
            Err(e) => {
                issues.extend(e.issues);
                return;
            }
        };
        let ind_of = |id: &str| plan.indicator_index.get(id).copied();
        for m in &derived.report.measures {
            let Some(ind) = ind_of(&m.indicator) else {
                continue;
            };
            for note in &m.notes {
                for s in &note.subjects {
                    let code = note_code(note.code);
                    self.notes.entry(Arc::from(s.as_str())).or_default().push((
                        ind,
                        code,
                        format!(
                            "subject '{s}': indicator '{}' has no value derived from records for {period} ({})",
                            m.indicator, note.code
                        ),
                    ));
                }
            }
        }
        // Units: each level of the tree, with every assigned subject's records counted for
        // its unit's ancestor at that level.
        // Only when an item reads a unit (directly, or a unit named as a subject): the
        // per-level derivations pass over every record again.
        let reads_units = plan.roles.iter().any(|r| {
            r.sourced.iter().any(|s| {
                matches!(
                    s.source,
                    crate::compile::CSource::Unit { .. } | crate::compile::CSource::Subject { .. }
                )
            })
        });
        if reads_units && !self.org.is_empty() {
            for depth in 0..=self.org.max_depth() {
                let mut groups: FastMap<&str, &str> = FastMap::default();
                for a in &inputs.assignments {
                    if let Some(g) = a.unit.as_deref().and_then(|u| self.org.at_depth(u, depth)) {
                        groups.insert(&a.subject, g);
                    }
                }
                if groups.is_empty() {
                    continue;
                }
                match derive_grouped(
                    &plan.measures,
                    records,
                    &period,
                    &options,
                    Some(&groups),
                    Some(compiled),
                ) {
                    Ok(d) => {
                        for a in d.actuals {
                            if let Some(ind) = ind_of(&a.indicator) {
                                self.put(a.subject, ind, a.value, Origin::Derived);
                            }
                        }
                    }
                    Err(e) => {
                        issues.extend(e.issues);
                        return;
                    }
                }
            }
        }
        for a in &derived.actuals {
            if let Some(ind) = ind_of(&a.indicator) {
                self.put(a.subject.clone(), ind, a.value, Origin::Derived);
            }
        }
        self.derived = derived.actuals;
        let report = derived.report;
        self.report = Some(report);
    }

    fn put(&mut self, id: Arc<str>, ind: usize, value: Decimal, origin: Origin) {
        let list = self.store.entry(id).or_default();
        match list.iter_mut().find(|(i, _, _)| *i == ind) {
            // A supplied value replaces a derived one.
            Some(entry) if origin == Origin::Supplied => *entry = (ind, value, origin),
            Some(_) => {}
            None => list.push((ind, value, origin)),
        }
    }

    /// Records the supplied actuals (for subjects and units) in the store.
    pub(crate) fn supply(&mut self, plan: &CompiledPlan, inputs: &Inputs) {
        for a in &inputs.actuals {
            if let Some(&ind) = plan.indicator_index.get(&*a.indicator) {
                self.put(a.subject.clone(), ind, a.value, Origin::Supplied);
            }
        }
    }

    pub(crate) fn get(&self, id: &str, ind: usize) -> Option<(Decimal, Origin)> {
        self.store
            .get(id)?
            .iter()
            .find(|(i, _, _)| *i == ind)
            .map(|&(_, v, o)| (v, o))
    }

    /// A unit's value: its own (supplied or derived), else rolled up from its members when
    /// the indicator says how. Also says how it was found.
    pub(crate) fn unit_value(
        &mut self,
        plan: &CompiledPlan,
        inputs: &Inputs,
        unit: &str,
        ind: usize,
    ) -> (Option<Decimal>, String) {
        if let Some((v, o)) = self.get(unit, ind) {
            let how = match o {
                Origin::Supplied => "supplied for the unit",
                Origin::Derived => "derived from the records of the unit's members",
            };
            return (Some(v), how.to_string());
        }
        let Some(rollup) = plan.plan.indicators.get(ind).and_then(|i| i.rollup) else {
            return (None, "no value for the unit".to_string());
        };
        let key = (Arc::<str>::from(unit), ind);
        let found = match self.rollups.get(&key) {
            Some(v) => *v,
            None => {
                let values: Vec<Decimal> = inputs
                    .assignments
                    .iter()
                    .filter(|a| a.unit.as_deref().is_some_and(|u| self.org.within(u, unit)))
                    .filter_map(|a| self.get(&a.subject, ind).map(|(v, _)| v))
                    .collect();
                let v = aggregate(rollup.aggregate(), &values).map(|v| (v, values.len()));
                self.rollups.insert(key, v);
                v
            }
        };
        match found {
            Some((v, n)) => (
                Some(v),
                format!(
                    "rolled up ({}) from {n} members",
                    rollup.aggregate().as_str()
                ),
            ),
            None => (None, "no member has a value to roll up".to_string()),
        }
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
    pub(super) fn select_role(&self, ri: usize, a: &Assignment, chain: Option<&Chain>) -> usize {
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
    pub(super) fn place_derived(
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
    pub(super) fn fill_sources(
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
                        (v, describe(&item.key, &src.source, &unit, &ind, how))
                    }
                    CSource::Subject { subject, indicator } => {
                        let found = c.get(subject, *indicator);
                        let how = match found {
                            Some((_, Origin::Supplied)) => "supplied",
                            Some((_, Origin::Derived)) => "derived from records",
                            None => "no value",
                        };
                        let ind = self.indicator_name(*indicator);
                        (
                            found.map(|(v, _)| v),
                            describe(&item.key, &src.source, subject, &ind, how.into()),
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
    pub(super) fn role_sources(
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
            let (v, how) = role_value(
                c,
                s.assignment,
                &candidates,
                value,
                *aggregate,
                *scope,
                role_id,
            );
            found.push((src.slot, v));
            notes.push(describe(&item.key, &src.source, role_id, "", how));
        }
        (found, notes)
    }

    /// For an item whose actual is read from a unit, another subject or another role: what
    /// it read, for the missing-data message (`None` for an item reading its own actual).
    pub(super) fn source_of_missing(&self, s: &SubjectSlot, item: usize) -> Option<String> {
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

    pub(super) fn indicator_name(&self, ind: usize) -> String {
        self.plan
            .indicators
            .get(ind)
            .map_or_else(String::new, |i| i.id.clone())
    }
}

/// Maps a measure note's code to a static warning code.
fn note_code(code: Code) -> Code {
    match code {
        Code::NoRecords => Code::DerivedNoRecords,
        Code::ZeroDenominator => Code::DerivedZeroDenominator,
        Code::ZeroBase => Code::DerivedZeroBase,
        _ => Code::DerivedNoValue,
    }
}

/// Combines values; `None` for none, or when the result does not fit a decimal.
pub(crate) fn aggregate(how: Aggregate, values: &[Decimal]) -> Option<Decimal> {
    let first = *values.first()?;
    let rest = values.get(1..).unwrap_or(&[]);
    match how {
        Aggregate::Sum => values
            .iter()
            .try_fold(Decimal::ZERO, |acc, v| acc.checked_add(*v)),
        Aggregate::Avg => {
            let sum = values
                .iter()
                .try_fold(Decimal::ZERO, |acc, v| acc.checked_add(*v))?;
            sum.checked_div(Decimal::from(values.len()))
                .map(|v| v.normalize())
        }
        Aggregate::Min => Some(rest.iter().fold(first, |m, v| m.min(*v))),
        Aggregate::Max => Some(rest.iter().fold(first, |m, v| m.max(*v))),
    }
}

/// Builds a record set from JSON rows (see [`RecordSetBuilder::push_json`]); the issues'
/// paths (`records.orders[3].amount`) say where a record is, so rows carry no label.
fn json_record_set(
    name: &str,
    schema: &crate::measure::Schema,
    tz: crate::measure::UtcOffset,
    rows: &[BTreeMap<String, serde_json::Value>],
) -> crate::measure::RecordSet {
    let mut builder = RecordSetBuilder::new(name, schema.clone(), tz);
    let mut object = serde_json::Map::new();
    for row in rows {
        object.clear();
        object.extend(row.iter().map(|(k, v)| (k.clone(), v.clone())));
        builder.push_json(&object, None);
    }
    builder.finish()
}

/// The value a role-linked item reads, with how it was found.
#[allow(clippy::too_many_arguments)]
pub(crate) fn role_value(
    chain: &Chain,
    who: &Assignment,
    candidates: &[(usize, &Assignment, &SubjectResult)],
    value: &RoleValue,
    how: Aggregate,
    scope: LinkScope,
    role_id: &str,
) -> (Option<Decimal>, String) {
    let region = chain.org.region_of(who);
    let mut values = Vec::new();
    for (_, a, r) in candidates {
        let keep = match scope {
            LinkScope::All => true,
            LinkScope::Unit => match (&who.unit, &a.unit) {
                (Some(mine), Some(theirs)) => {
                    theirs == mine || (chain.org.contains(theirs) && chain.org.within(theirs, mine))
                }
                _ => false,
            },
            LinkScope::Region => region.is_some() && chain.org.region_of(a) == region,
            LinkScope::Team => a.manager.as_deref() == Some(&*who.subject),
        };
        if !keep {
            continue;
        }
        let v = match value {
            RoleValue::Total => Some(r.total),
            RoleValue::Score(k) => r
                .items
                .iter()
                .find(|it| it.item == *k && it.status != super::result::ItemStatus::Excluded)
                .map(|it| it.score),
            RoleValue::Actual(ind) => chain.get(&a.subject, *ind).map(|(v, _)| v),
        };
        if let Some(v) = v {
            values.push(v);
        }
    }
    let what = match value {
        RoleValue::Total => "total".to_string(),
        RoleValue::Score(k) => format!("score.{k}"),
        RoleValue::Actual(_) => "actual".to_string(),
    };
    let found = aggregate(how, &values);
    let text = format!(
        "{} of the {what} of {} subject{} holding role '{role_id}' (scope {})",
        how.as_str(),
        values.len(),
        if values.len() == 1 { "" } else { "s" },
        scope.as_str()
    );
    (found, text)
}

/// Describes a non-role source for the result.
pub(crate) fn describe(
    item: &Arc<str>,
    source: &CSource,
    id: &str,
    indicator: &str,
    how: String,
) -> ItemSource {
    let (from, detail) = match source {
        CSource::Unit { .. } => (
            "unit",
            format!("unit '{id}', indicator '{indicator}': {how}"),
        ),
        CSource::Subject { .. } => (
            "subject",
            format!("subject '{id}', indicator '{indicator}': {how}"),
        ),
        CSource::Role { .. } => ("role", how),
    };
    ItemSource {
        item: item.clone(),
        from,
        id: id.to_string(),
        detail,
    }
}

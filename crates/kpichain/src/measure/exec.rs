//! Running resolved measures over columns: selection masks built column by column, then
//! group-by on the subject's dictionary codes (integer slots, no hashing per record).

use crate::error::Code;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::cmp::Ordering;

use super::def::{GrowthBase, Statistic};
use super::records::{ColumnData, TextColumn, Values};
use super::report::MeasureNote;
use super::resolve::{Agg, Ends, Leaf, Node, Pred, Test, TimeCol};
use super::time::{MICROS_PER_DAY, MICROS_PER_HOUR, Period, UtcOffset};
use crate::error::Issue;

/// A global subject id that is not derived (a subject outside the given list).
pub(crate) const NO_SUBJECT: u32 = u32::MAX;

/// A subject's value in one calculation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Val {
    Num(Decimal),
    No(Why),
}

/// Why a subject has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Why {
    NoRecords,
    ZeroDenominator,
    ZeroBase,
}

impl Why {
    pub(crate) fn code(self) -> Code {
        match self {
            Why::NoRecords => Code::NoRecords,
            Why::ZeroDenominator => Code::ZeroDenominator,
            Why::ZeroBase => Code::ZeroBase,
        }
    }

    pub(crate) fn reason(self) -> &'static str {
        match self {
            Why::NoRecords => "there are no matching records to take the statistic of",
            Why::ZeroDenominator => "the denominator is zero",
            Why::ZeroBase => "the base period's value is zero",
        }
    }
}

/// Record-level counts of one leaf run.
#[derive(Debug, Default)]
struct Counts {
    missing_time: usize,
    missing_subject: usize,
    missing_value: usize,
    negative_duration: usize,
}

/// A leaf's result over its own subject codes.
struct LeafOut {
    values: Vec<Val>,
    /// The value of a subject with no records at all.
    empty: Val,
    /// Records in the period (before filters) per subject code.
    active: Vec<u64>,
    counts: Counts,
}

/// What one measure's run collects besides values.
pub(crate) struct MeasureState {
    /// Subjects (global ids) with a record in a period the measure looked at.
    pub(crate) active: Vec<bool>,
    pub(crate) notes: Vec<MeasureNote>,
}

/// The shared state of a derivation run.
pub(crate) struct Run<'a> {
    pub(crate) tz: UtcOffset,
    /// Per subject column: local code → global subject id (or [`NO_SUBJECT`]).
    pub(crate) maps: Vec<Vec<u32>>,
    pub(crate) names: Vec<&'a str>,
}

fn overflow(path: &str, subject: &str) -> Issue {
    Issue::new(
        Code::ArithmeticOverflow,
        path,
        format!(
            "the value for subject '{subject}' does not fit a decimal (magnitude 7.9e28 or more)"
        ),
    )
}

/// A quotient without trailing zeros.
fn quotient(n: Decimal, d: Decimal) -> Option<Decimal> {
    n.checked_div(d).map(|q| q.normalize())
}

impl Run<'_> {
    fn name(&self, global: usize) -> &str {
        self.names.get(global).copied().unwrap_or("")
    }

    /// Evaluates a calculation for `period`, one value per global subject.
    pub(crate) fn eval(
        &self,
        node: &Node<'_>,
        period: Period,
        state: &mut MeasureState,
    ) -> Result<Vec<Val>, Issue> {
        match node {
            Node::Leaf(leaf) => self.leaf(leaf, period, state),
            Node::Ratio {
                path,
                numerator,
                denominator,
                percent,
            } => {
                let n = self.eval(numerator, period, state)?;
                let d = self.eval(denominator, period, state)?;
                let mut out = Vec::with_capacity(n.len());
                for (g, (n, d)) in n.into_iter().zip(d).enumerate() {
                    out.push(match (n, d) {
                        (Val::No(w), _) | (_, Val::No(w)) => Val::No(w),
                        (Val::Num(_), Val::Num(d)) if d.is_zero() => Val::No(Why::ZeroDenominator),
                        (Val::Num(n), Val::Num(d)) => {
                            let n = if *percent {
                                n.checked_mul(Decimal::ONE_HUNDRED)
                            } else {
                                Some(n)
                            };
                            Val::Num(
                                n.and_then(|n| quotient(n, d))
                                    .ok_or_else(|| overflow(path, self.name(g)))?,
                            )
                        }
                    });
                }
                Ok(out)
            }
            Node::Growth { path, of, base } => {
                let base_period = match base {
                    GrowthBase::PreviousPeriod => period.previous(),
                    GrowthBase::SamePeriodLastYear => period.same_period_last_year(),
                }
                .ok_or_else(|| {
                    Issue::new(
                        Code::PeriodOutOfRange,
                        path.as_str(),
                        format!("the period before {period} is before year 1"),
                    )
                })?;
                let this = self.eval(of, period, state)?;
                let then = self.eval(of, base_period, state)?;
                let mut out = Vec::with_capacity(this.len());
                for (g, (this, then)) in this.into_iter().zip(then).enumerate() {
                    out.push(match (this, then) {
                        (Val::No(w), _) | (_, Val::No(w)) => Val::No(w),
                        (Val::Num(_), Val::Num(b)) if b.is_zero() => Val::No(Why::ZeroBase),
                        (Val::Num(t), Val::Num(b)) => Val::Num(
                            t.checked_sub(b)
                                .and_then(|d| d.checked_mul(Decimal::ONE_HUNDRED))
                                .and_then(|d| quotient(d, b))
                                .ok_or_else(|| overflow(path, self.name(g)))?,
                        ),
                    });
                }
                Ok(out)
            }
        }
    }

    fn leaf(
        &self,
        leaf: &Leaf<'_>,
        period: Period,
        state: &mut MeasureState,
    ) -> Result<Vec<Val>, Issue> {
        let out = run_leaf(leaf, period, self.tz)?;
        let empty: &[u32] = &[];
        let map = self
            .maps
            .get(leaf.subject_column)
            .map_or(empty, Vec::as_slice);
        let mut values = vec![out.empty; self.names.len()];
        let mut other_subjects = 0u64;
        for ((v, &n), &g) in out.values.iter().zip(&out.active).zip(map) {
            let Some(slot) = values.get_mut(g as usize) else {
                other_subjects = other_subjects.saturating_add(n);
                continue;
            };
            *slot = *v;
            if n > 0 {
                if let Some(a) = state.active.get_mut(g as usize) {
                    *a = true;
                }
            }
        }
        let set = leaf.set.name();
        let time_message = format!(
            "{} records of '{set}' have no '{}' and are in no period",
            out.counts.missing_time, leaf.time_field
        );
        // The same records noted by another part of the measure (a ratio's numerator and
        // denominator, a growth's two periods) are noted once.
        let time_noted = state.notes.iter().any(|n| {
            n.code == Code::MissingTime && (n.path == leaf.path || n.message == time_message)
        });
        let mut note = |code: Code, records: usize, period: Option<Period>, message: String| {
            if records > 0 {
                state.notes.push(MeasureNote {
                    code,
                    path: leaf.path.as_str().into(),
                    period,
                    records,
                    subjects: Vec::new(),
                    message,
                });
            }
        };
        let c = &out.counts;
        if !time_noted {
            note(Code::MissingTime, c.missing_time, None, time_message);
        }
        note(
            Code::MissingSubject,
            c.missing_subject,
            Some(period),
            format!(
                "{} records of '{set}' in {period} have no '{}' and were left out",
                c.missing_subject, leaf.subject_field
            ),
        );
        note(
            Code::MissingValue,
            c.missing_value,
            Some(period),
            format!(
                "{} matching records of '{set}' in {period} have no '{}' and were left out",
                c.missing_value,
                leaf.field.unwrap_or("value")
            ),
        );
        note(
            Code::NegativeDuration,
            c.negative_duration,
            Some(period),
            format!(
                "{} matching records of '{set}' in {period} end before they start; their negative durations are included",
                c.negative_duration
            ),
        );
        let other = usize::try_from(other_subjects).unwrap_or(usize::MAX);
        note(
            Code::OtherSubjects,
            other,
            Some(period),
            format!(
                "{other} records of '{set}' in {period} belong to subjects outside the given list and were left out"
            ),
        );
        Ok(values)
    }
}

/// Runs one leaf for one period over the subject's dictionary codes.
fn run_leaf(leaf: &Leaf<'_>, period: Period, tz: UtcOffset) -> Result<LeafOut, Issue> {
    let out_of_range = || {
        Issue::new(
            Code::PeriodOutOfRange,
            leaf.path.as_str(),
            format!("period {period} cannot be placed in time"),
        )
    };
    let mut counts = Counts::default();
    let mut mask = match leaf.time {
        TimeCol::Timestamp(v) => {
            let (lo, hi) = period.micros_range(tz).ok_or_else(out_of_range)?;
            in_range(v, lo, hi, &mut counts.missing_time)
        }
        TimeCol::Date(v) => {
            let (lo, hi) = period.day_range().ok_or_else(out_of_range)?;
            in_range(v, lo, hi, &mut counts.missing_time)
        }
    };
    let codes = leaf.subject.codes.as_slice();
    let groups = leaf.subject.dictionary.len();
    let active = count(&mask, codes, groups);
    let in_period = mask.iter().filter(|m| **m).count();
    let with_subject = active.iter().fold(0u64, |a, n| a.saturating_add(*n));
    counts.missing_subject =
        usize::try_from(with_subject).map_or(0, |w| in_period.saturating_sub(w));
    for p in &leaf.filter {
        p.and_into(&mut mask);
    }
    if counts.missing_time > 0 && !leaf.filter.is_empty() {
        // Only records the filters keep are worth a note: a cancelled order without a
        // confirmation time is not missing anything.
        let valid = match leaf.time {
            TimeCol::Timestamp(v) => v.valid.as_deref(),
            TimeCol::Date(v) => v.valid.as_deref(),
        };
        if let Some(valid) = valid {
            let mut missing: Vec<bool> = valid.iter().map(|ok| !ok).collect();
            for p in &leaf.filter {
                p.and_into(&mut missing);
            }
            counts.missing_time = missing.iter().filter(|m| **m).count();
        }
    }
    let num = |n: u64| Val::Num(Decimal::from(n));
    let over = |code: usize| {
        overflow(
            &leaf.path,
            leaf.subject.dictionary.get(code).map_or("", |s| &**s),
        )
    };
    let (values, empty) = match &leaf.agg {
        Agg::Count => {
            let n = if leaf.filter.is_empty() {
                Cow::Borrowed(&active)
            } else {
                Cow::Owned(count(&mask, codes, groups))
            };
            (n.iter().map(|&n| num(n)).collect(), num(0))
        }
        Agg::Sum(v) | Agg::Avg(v) => {
            let (mask, missing) = present(&mask, v);
            counts.missing_value = missing;
            let sums = sum(&mask, codes, v, groups).map_err(over)?;
            if let Agg::Sum(_) = leaf.agg {
                (sums.into_iter().map(Val::Num).collect(), num(0))
            } else {
                let n = count(&mask, codes, groups);
                let mut values = Vec::with_capacity(groups);
                for (code, (s, n)) in sums.into_iter().zip(n).enumerate() {
                    values.push(if n == 0 {
                        Val::No(Why::NoRecords)
                    } else {
                        Val::Num(quotient(s, Decimal::from(n)).ok_or_else(|| over(code))?)
                    });
                }
                (values, Val::No(Why::NoRecords))
            }
        }
        Agg::Min(v) | Agg::Max(v) => {
            let (mask, missing) = present(&mask, v);
            counts.missing_value = missing;
            let want = if let Agg::Min(_) = leaf.agg {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            let mut best: Vec<Option<Decimal>> = vec![None; groups];
            for ((&m, &c), &x) in mask.iter().zip(codes).zip(&v.data) {
                if !m {
                    continue;
                }
                if let Some(b) = best.get_mut(c as usize) {
                    match b {
                        Some(y) if x.cmp(y) != want => {}
                        _ => *b = Some(x),
                    }
                }
            }
            let values = best
                .into_iter()
                .map(|b| b.map_or(Val::No(Why::NoRecords), Val::Num))
                .collect();
            (values, Val::No(Why::NoRecords))
        }
        Agg::Distinct(data) => {
            let n = match data {
                ColumnData::Text(t) => {
                    let values = Values {
                        data: t.codes.clone(),
                        valid: None,
                    };
                    let mut mask = mask.clone();
                    for (m, &c) in mask.iter_mut().zip(&t.codes) {
                        if c == TextColumn::NULL && *m {
                            *m = false;
                            counts.missing_value = counts.missing_value.saturating_add(1);
                        }
                    }
                    distinct(&mask, codes, &values, groups)
                }
                ColumnData::Decimal(v) => {
                    // Equal decimals of different scales (1.0, 1.00) are one value.
                    let values = Values {
                        data: v.data.iter().map(|d| d.normalize()).collect(),
                        valid: v.valid.clone(),
                    };
                    distinct_present(&mask, codes, &values, groups, &mut counts)
                }
                ColumnData::Timestamp(v) => distinct_present(&mask, codes, v, groups, &mut counts),
                ColumnData::Date(v) => distinct_present(&mask, codes, v, groups, &mut counts),
                ColumnData::Boolean(v) => distinct_present(&mask, codes, v, groups, &mut counts),
            };
            (n.into_iter().map(num).collect(), num(0))
        }
        Agg::Share(condition) => {
            let all = count(&mask, codes, groups);
            for p in condition {
                p.and_into(&mut mask);
            }
            let matching = count(&mask, codes, groups);
            let mut values = Vec::with_capacity(groups);
            for (code, (a, m)) in all.into_iter().zip(matching).enumerate() {
                values.push(if a == 0 {
                    Val::No(Why::ZeroDenominator)
                } else {
                    let share = Decimal::from(m)
                        .checked_mul(Decimal::ONE_HUNDRED)
                        .and_then(|x| quotient(x, Decimal::from(a)));
                    Val::Num(share.ok_or_else(|| over(code))?)
                });
            }
            (values, Val::No(Why::ZeroDenominator))
        }
        Agg::Duration(ends, statistic) => {
            let spans = durations(&mask, codes, *ends, &mut counts).map_err(over)?;
            let values = duration_statistic(spans, *statistic, groups).map_err(over)?;
            (values, Val::No(Why::NoRecords))
        }
    };
    Ok(LeafOut {
        values,
        empty,
        active,
        counts,
    })
}

/// Records whose time lies in `[lo, hi)`; missing times are counted and in no period.
fn in_range<T: Copy + Ord>(v: &Values<T>, lo: T, hi: T, missing: &mut usize) -> Vec<bool> {
    let mut mask: Vec<bool> = v.data.iter().map(|&t| t >= lo && t < hi).collect();
    if let Some(valid) = &v.valid {
        for (m, &ok) in mask.iter_mut().zip(valid) {
            if !ok {
                *m = false;
                *missing = missing.saturating_add(1);
            }
        }
    }
    mask
}

/// The selected records per subject code.
fn count(mask: &[bool], codes: &[u32], groups: usize) -> Vec<u64> {
    let mut counts = vec![0u64; groups];
    for (&m, &c) in mask.iter().zip(codes) {
        if let Some(n) = counts.get_mut(c as usize) {
            *n = n.wrapping_add(u64::from(m));
        }
    }
    counts
}

/// The selection without records whose value is missing, and how many those were.
fn present<'m, T>(mask: &'m [bool], v: &Values<T>) -> (Cow<'m, [bool]>, usize) {
    let Some(valid) = &v.valid else {
        return (Cow::Borrowed(mask), 0);
    };
    let mut missing = 0usize;
    let out = mask
        .iter()
        .zip(valid)
        .map(|(&m, &ok)| {
            if m && !ok {
                missing = missing.saturating_add(1);
            }
            m && ok
        })
        .collect();
    (Cow::Owned(out), missing)
}

/// Exact sums per subject code; an overflow names the subject code.
fn sum(
    mask: &[bool],
    codes: &[u32],
    v: &Values<Decimal>,
    groups: usize,
) -> Result<Vec<Decimal>, usize> {
    let mut sums = vec![Decimal::ZERO; groups];
    let mut overflowed = None;
    for ((&m, &c), x) in mask.iter().zip(codes).zip(&v.data) {
        if !m {
            continue;
        }
        if let Some(s) = sums.get_mut(c as usize) {
            match s.checked_add(*x) {
                Some(t) => *s = t,
                None => overflowed = Some(c as usize),
            }
        }
    }
    match overflowed {
        Some(c) => Err(c),
        None => Ok(sums),
    }
}

/// Distinct values per subject code over a selection of present values.
fn distinct<T: Copy + Ord>(mask: &[bool], codes: &[u32], v: &Values<T>, groups: usize) -> Vec<u64> {
    let mut pairs: Vec<(u32, T)> = mask
        .iter()
        .zip(codes)
        .zip(&v.data)
        .filter(|((m, c), _)| **m && **c != TextColumn::NULL)
        .map(|((_, &c), &x)| (c, x))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut counts = vec![0u64; groups];
    for (c, _) in pairs {
        if let Some(n) = counts.get_mut(c as usize) {
            *n = n.wrapping_add(1);
        }
    }
    counts
}

fn distinct_present<T: Copy + Ord>(
    mask: &[bool],
    codes: &[u32],
    v: &Values<T>,
    groups: usize,
    counts: &mut Counts,
) -> Vec<u64> {
    let (mask, missing) = present(mask, v);
    counts.missing_value = missing;
    distinct(&mask, codes, v, groups)
}

/// `to − from` in microseconds per selected record with both ends, with its subject code.
fn durations(
    mask: &[bool],
    codes: &[u32],
    ends: Ends<'_>,
    counts: &mut Counts,
) -> Result<Vec<(u32, i64)>, usize> {
    fn collect<T: Copy>(
        mask: &[bool],
        codes: &[u32],
        from: &Values<T>,
        to: &Values<T>,
        counts: &mut Counts,
        span: impl Fn(T, T) -> Option<i64>,
    ) -> Result<Vec<(u32, i64)>, usize> {
        let (mask, missing_from) = present(mask, from);
        let (mask, missing_to) = present(&mask, to);
        counts.missing_value = missing_from.saturating_add(missing_to);
        let mut out = Vec::new();
        for (((&m, &c), &a), &b) in mask.iter().zip(codes).zip(&from.data).zip(&to.data) {
            if m && c != TextColumn::NULL {
                let d = span(a, b).ok_or(c as usize)?;
                if d < 0 {
                    counts.negative_duration = counts.negative_duration.saturating_add(1);
                }
                out.push((c, d));
            }
        }
        Ok(out)
    }
    match ends {
        Ends::Timestamps(from, to) => {
            collect(mask, codes, from, to, counts, |a, b| b.checked_sub(a))
        }
        Ends::Dates(from, to) => collect(mask, codes, from, to, counts, |a, b| {
            i64::from(b)
                .checked_sub(i64::from(a))?
                .checked_mul(MICROS_PER_DAY)
        }),
    }
}

/// `numerator` microseconds ÷ `denominator` as hours: `numerator / (denominator × 3600 × 10⁶)`.
fn hours(numerator: i128, denominator: i128) -> Option<Decimal> {
    let d = denominator.checked_mul(i128::from(MICROS_PER_HOUR))?;
    quotient(
        Decimal::try_from_i128_with_scale(numerator, 0).ok()?,
        Decimal::try_from_i128_with_scale(d, 0).ok()?,
    )
}

fn duration_statistic(
    mut spans: Vec<(u32, i64)>,
    statistic: Statistic,
    groups: usize,
) -> Result<Vec<Val>, usize> {
    let mut values = vec![Val::No(Why::NoRecords); groups];
    if let Statistic::Avg = statistic {
        let mut sums = vec![(0i128, 0i128); groups];
        for (c, d) in spans {
            if let Some((s, n)) = sums.get_mut(c as usize) {
                *s = s.saturating_add(i128::from(d));
                *n = n.saturating_add(1);
            }
        }
        for (code, ((s, n), v)) in sums.into_iter().zip(values.iter_mut()).enumerate() {
            if n > 0 {
                *v = Val::Num(hours(s, n).ok_or(code)?);
            }
        }
        return Ok(values);
    }
    spans.sort_unstable();
    for group in spans.chunk_by(|a, b| a.0 == b.0) {
        let Some(&(code, _)) = group.first() else {
            continue;
        };
        let n = group.len();
        let at = |i: usize| group.get(i).map_or(0, |x| i128::from(x.1));
        let value = match statistic {
            Statistic::Median => {
                let mid = n / 2;
                if n % 2 == 1 {
                    hours(at(mid), 1)
                } else {
                    hours(at(mid.saturating_sub(1)).saturating_add(at(mid)), 2)
                }
            }
            Statistic::Percentile(p) => {
                // Nearest rank: the ⌈p/100 × n⌉-th smallest value, 1-based.
                let rank = usize::from(p).saturating_mul(n).div_ceil(100).max(1);
                hours(at(rank.saturating_sub(1)), 1)
            }
            Statistic::Avg => None,
        };
        let code = code as usize;
        if let Some(v) = values.get_mut(code) {
            *v = Val::Num(value.ok_or(code)?);
        }
    }
    Ok(values)
}

impl Pred<'_> {
    /// Clears the mask where the condition does not hold.
    pub(crate) fn and_into(&self, mask: &mut [bool]) {
        match self {
            Pred::Text {
                codes,
                accept,
                null,
            } => {
                for (m, &c) in mask.iter_mut().zip(codes.iter()) {
                    if *m {
                        *m = if c == TextColumn::NULL {
                            *null
                        } else {
                            accept.get(c as usize).copied().unwrap_or(false)
                        };
                    }
                }
            }
            Pred::Decimal(v, t) => and_test(mask, v, t),
            Pred::Timestamp(v, t) => and_test(mask, v, t),
            Pred::Date(v, t) => and_test(mask, v, t),
            Pred::Boolean(v, t) => and_test(mask, v, t),
            Pred::TextFields(a, b, cmp) => {
                for ((m, &x), &y) in mask.iter_mut().zip(&a.codes).zip(&b.codes) {
                    if *m {
                        *m = match (a.text(x), b.text(y)) {
                            (Some(x), Some(y)) => cmp.holds(x.cmp(y)),
                            _ => false,
                        };
                    }
                }
            }
            Pred::DecimalFields(a, b, cmp, plus) => and_fields(mask, a, b, |x, y| {
                cmp.holds(match y.checked_add(*plus) {
                    Some(y) => x.cmp(&y),
                    // y + plus is beyond any decimal, so beyond x.
                    None if plus.is_sign_positive() => Ordering::Less,
                    None => Ordering::Greater,
                })
            }),
            Pred::TimestampFields(a, b, cmp, plus) => and_fields(mask, a, b, |x, y| {
                cmp.holds(i128::from(x).cmp(&i128::from(y).saturating_add(i128::from(*plus))))
            }),
            Pred::DateFields(a, b, cmp, plus) => and_fields(mask, a, b, |x, y| {
                cmp.holds(i64::from(x).cmp(&i64::from(y).saturating_add(i64::from(*plus))))
            }),
            Pred::BooleanFields(a, b, cmp) => and_fields(mask, a, b, |x, y| cmp.holds(x.cmp(&y))),
        }
    }
}

fn clear_missing<T>(mask: &mut [bool], v: &Values<T>) {
    if let Some(valid) = &v.valid {
        for (m, &ok) in mask.iter_mut().zip(valid) {
            if !ok {
                *m = false;
            }
        }
    }
}

fn and_test<T: Copy + Ord>(mask: &mut [bool], v: &Values<T>, test: &Test<T>) {
    let mut keep = |holds: &dyn Fn(T) -> bool| {
        for (m, &x) in mask.iter_mut().zip(&v.data) {
            if *m {
                *m = holds(x);
            }
        }
    };
    match test {
        Test::IsNull => {
            match &v.valid {
                None => mask.fill(false),
                Some(valid) => {
                    for (m, &ok) in mask.iter_mut().zip(valid) {
                        if ok {
                            *m = false;
                        }
                    }
                }
            }
            return;
        }
        Test::NotNull => {}
        Test::Cmp(cmp, lit) => keep(&|x| cmp.holds(x.cmp(lit))),
        Test::In(list) => keep(&|x| list.contains(&x)),
        Test::NotIn(list) => keep(&|x| !list.contains(&x)),
    }
    clear_missing(mask, v);
}

fn and_fields<T: Copy>(
    mask: &mut [bool],
    a: &Values<T>,
    b: &Values<T>,
    holds: impl Fn(T, T) -> bool,
) {
    for ((m, &x), &y) in mask.iter_mut().zip(&a.data).zip(&b.data) {
        if *m {
            *m = holds(x, y);
        }
    }
    clear_missing(mask, a);
    clear_missing(mask, b);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours_of(micros: &[i64], statistic: Statistic) -> String {
        let spans = micros.iter().map(|&m| (0u32, m)).collect();
        match duration_statistic(spans, statistic, 1).unwrap()[0] {
            Val::Num(d) => d.to_string(),
            Val::No(w) => w.code().to_string(),
        }
    }

    #[test]
    fn duration_statistics_are_exact() {
        let h = MICROS_PER_HOUR;
        let spans = [h, 2 * h, 4 * h, 10 * h];
        assert_eq!(hours_of(&spans, Statistic::Avg), "4.25");
        assert_eq!(hours_of(&spans, Statistic::Median), "3");
        assert_eq!(hours_of(&spans[..3], Statistic::Median), "2");
        assert_eq!(hours_of(&spans, Statistic::Percentile(50)), "2");
        assert_eq!(hours_of(&spans, Statistic::Percentile(75)), "4");
        assert_eq!(hours_of(&spans, Statistic::Percentile(76)), "10");
        assert_eq!(hours_of(&spans, Statistic::Percentile(1)), "1");
        assert_eq!(hours_of(&spans, Statistic::Percentile(100)), "10");
        assert_eq!(
            hours_of(&[1_800_000_000, 3_600_000_001], Statistic::Median),
            "0.7500000001388888888888888889"
        );
        assert_eq!(hours_of(&[], Statistic::Median), "no_records");
    }

    #[test]
    fn masks_and_groups() {
        let mask = [true, true, false, true, true];
        let codes = [0, 1, 0, TextColumn::NULL, 0];
        assert_eq!(count(&mask, &codes, 2), vec![2, 1]);
        let v = Values {
            data: vec![
                Decimal::ONE,
                Decimal::TWO,
                Decimal::TEN,
                Decimal::ONE,
                Decimal::new(15, 1),
            ],
            valid: Some(vec![true, true, true, true, false]),
        };
        let (m, missing) = present(&mask, &v);
        assert_eq!((&*m, missing), (&[true, true, false, true, false][..], 1));
        assert_eq!(
            sum(&m, &codes, &v, 2).unwrap(),
            vec![Decimal::ONE, Decimal::TWO]
        );
        let big = Values {
            data: vec![Decimal::MAX, Decimal::MAX],
            valid: None,
        };
        assert_eq!(sum(&[true, true], &[1, 1], &big, 2), Err(1));
        assert_eq!(
            distinct(
                &[true; 4],
                &[0, 0, 0, 1],
                &Values {
                    data: vec![5, 5, 6, 5],
                    valid: None
                },
                2
            ),
            vec![2, 1]
        );
    }

    #[test]
    fn field_comparisons_shift_without_overflow() {
        let a = Values {
            data: vec![Decimal::MAX, Decimal::ONE],
            valid: None,
        };
        let b = Values {
            data: vec![Decimal::MAX, Decimal::ZERO],
            valid: Some(vec![true, false]),
        };
        let mut mask = vec![true, true];
        Pred::DecimalFields(&a, &b, super::super::resolve::Cmp::Le, Decimal::ONE)
            .and_into(&mut mask);
        assert_eq!(mask, [true, false]);
        let ts = Values {
            data: vec![i64::MAX],
            valid: None,
        };
        let mut mask = vec![true];
        Pred::TimestampFields(&ts, &ts, super::super::resolve::Cmp::Lt, 1).and_into(&mut mask);
        assert_eq!(mask, [true]);
    }
}

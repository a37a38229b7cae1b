//! `NativeBatchResult`: a scored batch kept in Rust memory, read by JavaScript a column (or
//! one subject) at a time. Values are exact decimal strings, written as the JSON results of
//! `score` write them.
//!
//! The class reads the batch through [`Scored`] only, so that what holds the results (today
//! the core's owned [`Evaluation`]) can change without changing the JavaScript API.

use crate::failure::{Failure, Outcome, run};
use crate::scorer::explanation_out;
use kpichain::{ColumnScores, Evaluation, ItemResult, Scheme, SubjectResult};
use napi::bindgen_prelude::*;
use napi_derive::napi;

/// What holds a batch's results: the core's owned evaluation, or the columns of its
/// columnar kernel (subjects' owned results made on demand).
enum Held {
    Evaluation(Box<Evaluation>),
    Columns(Box<ColumnScores>),
}

/// The results of a batch and the scheme that scored them (for explanations).
pub struct Scored {
    held: Held,
    scheme: Scheme,
}

/// One item's numbers, as the getters read them.
struct ItemCells {
    score: Option<String>,
    weighted: Option<String>,
    achievement: Option<String>,
    status: Option<&'static str>,
}

impl Scored {
    pub(crate) fn new(evaluation: Evaluation, scheme: Scheme) -> Scored {
        Scored {
            held: Held::Evaluation(Box::new(evaluation)),
            scheme,
        }
    }

    pub(crate) fn columns(scores: ColumnScores, scheme: Scheme) -> Scored {
        Scored {
            held: Held::Columns(Box::new(scores)),
            scheme,
        }
    }

    fn len(&self) -> usize {
        match &self.held {
            Held::Evaluation(e) => e.results.len(),
            Held::Columns(c) => c.len(),
        }
    }

    /// Result `i`, borrowed when the evaluation is held, else made by the engine.
    fn result(&self, i: usize) -> Option<std::borrow::Cow<'_, SubjectResult>> {
        use std::borrow::Cow;
        match &self.held {
            Held::Evaluation(e) => e.results.get(i).map(Cow::Borrowed),
            Held::Columns(c) if i < c.len() => match c.scored_by_engine(i) {
                Some(r) => Some(Cow::Borrowed(r)),
                None => c.result(i).ok().map(Cow::Owned),
            },
            Held::Columns(_) => None,
        }
    }

    /// The item of `r` with id `key`, else the first one reading indicator `key`.
    fn item<'a>(r: &'a SubjectResult, key: &str) -> Option<&'a ItemResult> {
        (r.items.iter().find(|i| &*i.item == key))
            .or_else(|| r.items.iter().find(|i| &*i.indicator == key))
    }

    fn item_cells(&self, i: usize, key: &str, numbers_only: bool) -> Option<ItemCells> {
        if let Held::Columns(c) = &self.held
            && numbers_only
            && c.scored_by_engine(i).is_none()
        {
            let k = c.item_position(i, key)?;
            let (score, weighted) = (c.item_scores(i), c.item_weighted(i));
            if let (Some(Some(s)), Some(Some(w))) = (score.get(k), weighted.get(k)) {
                return Some(ItemCells {
                    score: Some(s.to_string()),
                    weighted: Some(w.to_string()),
                    achievement: None,
                    status: Some("scored"),
                });
            }
        }
        let r = self.result(i)?;
        let it = Self::item(&r, key)?;
        Some(ItemCells {
            score: Some(it.score.to_string()),
            weighted: Some(it.weighted.to_string()),
            achievement: it.achievement.map(|a| a.to_string()),
            status: Some(it.status.as_str()),
        })
    }

    fn text(&self, i: usize, f: impl Fn(&SubjectResult) -> String) -> String {
        self.result(i).map_or_else(String::new, |r| f(&r))
    }

    fn option(&self, i: usize, f: impl Fn(&SubjectResult) -> Option<String>) -> Option<String> {
        self.result(i).and_then(|r| f(&r))
    }

    fn subject(&self, i: usize) -> String {
        match &self.held {
            Held::Columns(c) => c.subject(i).to_string(),
            Held::Evaluation(_) => self.text(i, |r| r.subject.to_string()),
        }
    }

    fn role(&self, i: usize) -> String {
        match &self.held {
            Held::Columns(c) => c.role(i).to_string(),
            Held::Evaluation(_) => self.text(i, |r| r.role.to_string()),
        }
    }

    /// A text of the assignment a column batch does not hold (names, units, regions,
    /// variants): none, unless the engine scored the subject.
    fn assignment_text(
        &self,
        i: usize,
        f: impl Fn(&SubjectResult) -> Option<String>,
    ) -> Option<String> {
        match &self.held {
            Held::Columns(c) => c.scored_by_engine(i).and_then(f),
            Held::Evaluation(e) => e.results.get(i).and_then(f),
        }
    }

    fn total(&self, i: usize) -> String {
        match &self.held {
            Held::Columns(c) => c.total(i).to_string(),
            Held::Evaluation(_) => self.text(i, |r| r.total.to_string()),
        }
    }

    fn total_unrounded(&self, i: usize) -> String {
        if let Held::Columns(c) = &self.held
            && let Some(u) = c.total_unrounded(i)
        {
            return u.to_string();
        }
        self.text(i, |r| r.total_unrounded.to_string())
    }

    fn grade(&self, i: usize) -> String {
        match &self.held {
            Held::Columns(c) => c.grade(i).to_string(),
            Held::Evaluation(_) => self.text(i, |r| r.grade.to_string()),
        }
    }

    fn coefficient(&self, i: usize) -> String {
        match &self.held {
            Held::Columns(c) => c.coefficient(i).to_string(),
            Held::Evaluation(_) => self.text(i, |r| r.coefficient.to_string()),
        }
    }

    fn payout(&self, i: usize) -> Option<String> {
        match &self.held {
            Held::Columns(c) => c.payout(i).map(|p| p.to_string()),
            Held::Evaluation(_) => self.option(i, |r| r.payout.map(|p| p.to_string())),
        }
    }

    fn warnings(&self, i: usize) -> u32 {
        let n = match &self.held {
            Held::Columns(c) => c.scored_by_engine(i).map_or(0, |r| r.warnings.len()),
            Held::Evaluation(e) => e.results.get(i).map_or(0, |r| r.warnings.len()),
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn plan_id(&self) -> String {
        match &self.held {
            Held::Evaluation(e) => e.plan_id.clone(),
            Held::Columns(c) => c.plan().plan().id.clone(),
        }
    }

    fn plan_version(&self) -> String {
        match &self.held {
            Held::Evaluation(e) => e.plan_version.clone(),
            Held::Columns(c) => c.plan().plan().version.clone(),
        }
    }

    fn plan_fingerprint(&self) -> String {
        match &self.held {
            Held::Evaluation(e) => e.plan_fingerprint.clone(),
            Held::Columns(c) => c.plan().fingerprint().to_string(),
        }
    }

    fn period(&self) -> Option<String> {
        match &self.held {
            Held::Evaluation(e) => e.period.clone(),
            Held::Columns(c) => c.batch().period().map(str::to_string),
        }
    }

    /// The whole evaluation in the JSON shape of `score`.
    fn whole(&self) -> Outcome<serde_json::Value> {
        let value = match &self.held {
            Held::Evaluation(e) => serde_json::to_value(e),
            Held::Columns(c) => serde_json::to_value(c.to_evaluation()?),
        };
        value.map_err(|e| Failure::internal(e.to_string()))
    }

    /// Result `i` in the JSON shape of `score`.
    fn one(&self, i: usize) -> Outcome<Option<serde_json::Value>> {
        self.result(i)
            .map(|r| serde_json::to_value(&*r).map_err(|e| Failure::internal(e.to_string())))
            .transpose()
    }

    /// The explanation of result `i`, as `score` with `explain` gives it.
    fn explain(&self, i: usize) -> Outcome<Option<serde_json::Value>> {
        match &self.held {
            Held::Evaluation(e) => e
                .results
                .get(i)
                .map(|r| explanation_out(&self.scheme.explain(e, r)))
                .transpose(),
            Held::Columns(c) if i < c.len() => Ok(Some(explanation_out(&c.explain(i)?)?)),
            Held::Columns(_) => Ok(None),
        }
    }
}

/// A scored batch. Column getters take an optional range `[from, to)` of positions (all by
/// default); position `i` is the `i`-th assignment of the batch.
#[napi]
pub struct NativeBatchResult {
    inner: Scored,
}

impl NativeBatchResult {
    pub(crate) fn new(inner: Scored) -> NativeBatchResult {
        NativeBatchResult { inner }
    }

    fn range(&self, from: Option<u32>, to: Option<u32>) -> std::ops::Range<usize> {
        let len = self.inner.len();
        let to = to.map_or(len, |t| usize::try_from(t).unwrap_or(len).min(len));
        let from = from.map_or(0, |f| usize::try_from(f).unwrap_or(to).min(to));
        from..to
    }

    fn column<T>(
        &self,
        from: Option<u32>,
        to: Option<u32>,
        f: impl Fn(&Scored, usize) -> T,
    ) -> Vec<T> {
        self.range(from, to).map(|i| f(&self.inner, i)).collect()
    }
}

#[napi]
impl NativeBatchResult {
    /// How many results (one per assignment).
    #[napi(getter, catch_unwind)]
    pub fn length(&self) -> u32 {
        u32::try_from(self.inner.len()).unwrap_or(u32::MAX)
    }

    /// The plan's id.
    #[napi(getter, catch_unwind)]
    pub fn plan_id(&self) -> String {
        self.inner.plan_id()
    }

    /// The plan's version.
    #[napi(getter, catch_unwind)]
    pub fn plan_version(&self) -> String {
        self.inner.plan_version()
    }

    /// The plan's fingerprint.
    #[napi(getter, catch_unwind)]
    pub fn plan_fingerprint(&self) -> String {
        self.inner.plan_fingerprint()
    }

    /// The period, as given.
    #[napi(getter, catch_unwind)]
    pub fn period(&self) -> Option<String> {
        self.inner.period()
    }

    /// Subject ids.
    #[napi(catch_unwind)]
    pub fn subjects(&self, from: Option<u32>, to: Option<u32>) -> Vec<String> {
        self.column(from, to, Scored::subject)
    }

    /// Role ids.
    #[napi(catch_unwind)]
    pub fn roles(&self, from: Option<u32>, to: Option<u32>) -> Vec<String> {
        self.column(from, to, Scored::role)
    }

    /// Display names (`null` where none).
    #[napi(catch_unwind)]
    pub fn names(&self, from: Option<u32>, to: Option<u32>) -> Vec<Option<String>> {
        self.column(from, to, |s, i| s.assignment_text(i, |r| r.name.clone()))
    }

    /// Org units (`null` where none).
    #[napi(catch_unwind)]
    pub fn units(&self, from: Option<u32>, to: Option<u32>) -> Vec<Option<String>> {
        self.column(from, to, |s, i| s.assignment_text(i, |r| r.unit.clone()))
    }

    /// Regions (`null` where none).
    #[napi(catch_unwind)]
    pub fn regions(&self, from: Option<u32>, to: Option<u32>) -> Vec<Option<String>> {
        self.column(from, to, |s, i| s.assignment_text(i, |r| r.region.clone()))
    }

    /// The scorecard variant applied (`null` where none).
    #[napi(catch_unwind)]
    pub fn variants(&self, from: Option<u32>, to: Option<u32>) -> Vec<Option<String>> {
        self.column(from, to, |s, i| {
            s.assignment_text(i, |r| r.variant.as_deref().map(str::to_string))
        })
    }

    /// Final totals (decimal strings at the total scale).
    #[napi(catch_unwind)]
    pub fn totals(&self, from: Option<u32>, to: Option<u32>) -> Vec<String> {
        self.column(from, to, Scored::total)
    }

    /// Totals before rounding and vetoes (decimal strings).
    #[napi(catch_unwind)]
    pub fn totals_unrounded(&self, from: Option<u32>, to: Option<u32>) -> Vec<String> {
        self.column(from, to, Scored::total_unrounded)
    }

    /// Grades.
    #[napi(catch_unwind)]
    pub fn grades(&self, from: Option<u32>, to: Option<u32>) -> Vec<String> {
        self.column(from, to, Scored::grade)
    }

    /// The grades' coefficients (decimal strings).
    #[napi(catch_unwind)]
    pub fn coefficients(&self, from: Option<u32>, to: Option<u32>) -> Vec<String> {
        self.column(from, to, Scored::coefficient)
    }

    /// Payouts (decimal strings; `null` where no bonus base was given).
    #[napi(catch_unwind)]
    pub fn payouts(&self, from: Option<u32>, to: Option<u32>) -> Vec<Option<String>> {
        self.column(from, to, Scored::payout)
    }

    /// How many warnings each result carries.
    #[napi(catch_unwind)]
    pub fn warning_counts(&self, from: Option<u32>, to: Option<u32>) -> Vec<u32> {
        self.column(from, to, Scored::warnings)
    }

    /// The score of one item (by item id, else by indicator id) for each result: decimal
    /// strings at the item scale, `null` where the subject's scorecard has no such item.
    #[napi(catch_unwind)]
    pub fn item_scores(
        &self,
        key: String,
        from: Option<u32>,
        to: Option<u32>,
    ) -> Vec<Option<String>> {
        self.column(from, to, |s, i| {
            s.item_cells(i, &key, true).and_then(|c| c.score)
        })
    }

    /// The weighted score of one item (score × effective weight ÷ 100), as `itemScores`.
    #[napi(catch_unwind)]
    pub fn item_weighted(
        &self,
        key: String,
        from: Option<u32>,
        to: Option<u32>,
    ) -> Vec<Option<String>> {
        self.column(from, to, |s, i| {
            s.item_cells(i, &key, true).and_then(|c| c.weighted)
        })
    }

    /// The achievement of one item (percent; `null` where undefined or no such item).
    #[napi(catch_unwind)]
    pub fn item_achievements(
        &self,
        key: String,
        from: Option<u32>,
        to: Option<u32>,
    ) -> Vec<Option<String>> {
        self.column(from, to, |s, i| {
            s.item_cells(i, &key, false).and_then(|c| c.achievement)
        })
    }

    /// How one item was treated (`scored`, `missing_zero`, `excluded`; `null` where no such item).
    #[napi(catch_unwind)]
    pub fn item_statuses(
        &self,
        key: String,
        from: Option<u32>,
        to: Option<u32>,
    ) -> Vec<Option<&'static str>> {
        self.column(from, to, |s, i| {
            s.item_cells(i, &key, true).and_then(|c| c.status)
        })
    }

    /// Result `i` as the object `score` gives for it; `null` past the end.
    #[napi(catch_unwind, ts_return_type = "unknown")]
    pub fn get<'env>(&self, env: &'env Env, i: u32) -> Result<Unknown<'env>> {
        run(env, || {
            let value = self.inner.one(usize::try_from(i).unwrap_or(usize::MAX))?;
            Ok(value.unwrap_or(serde_json::Value::Null))
        })
        .and_then(|v| crate::js::to_js(env, &v))
    }

    /// The explanation of result `i`, as `score` with `explain` gives it; `null` past the end.
    #[napi(catch_unwind, ts_return_type = "unknown")]
    pub fn explain<'env>(&self, env: &'env Env, i: u32) -> Result<Unknown<'env>> {
        run(env, || {
            let value = self
                .inner
                .explain(usize::try_from(i).unwrap_or(usize::MAX))?;
            Ok(value.unwrap_or(serde_json::Value::Null))
        })
        .and_then(|v| crate::js::to_js(env, &v))
    }

    /// Diagnostics (not part of the API): how many subjects the columnar kernel scored in
    /// fixed point, in exact fractions and by the engine — `null` when the batch went through
    /// the intake and the engine as a whole.
    #[napi(js_name = "_paths", catch_unwind)]
    pub fn paths(&self) -> Option<Vec<u32>> {
        match &self.inner.held {
            Held::Columns(c) => {
                let (a, b, e) = c.paths();
                Some(
                    [a, b, e]
                        .into_iter()
                        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
                        .collect(),
                )
            }
            Held::Evaluation(_) => None,
        }
    }

    /// The whole evaluation as the object `score` returns.
    #[napi(catch_unwind, ts_return_type = "unknown")]
    pub fn evaluation<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        run(env, || self.inner.whole()).and_then(|v| crate::js::to_js(env, &v))
    }
}

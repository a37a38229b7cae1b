//! `NativeBatchResult`: a scored batch kept in Rust memory, read by JavaScript a column (or
//! one subject) at a time. Values are exact decimal strings, written as the JSON results of
//! `score` write them.
//!
//! The class reads the batch through [`Scored`] only, so that what holds the results (today
//! the core's owned [`Evaluation`]) can change without changing the JavaScript API.

use crate::failure::{Failure, Outcome, run};
use crate::scorer::explanation_out;
use kpichain::{Evaluation, ItemResult, Scheme, SubjectResult};
use napi::bindgen_prelude::*;
use napi_derive::napi;

/// The results of a batch and the scheme that scored them (for explanations).
pub struct Scored {
    evaluation: Evaluation,
    scheme: Scheme,
}

impl Scored {
    pub(crate) fn new(evaluation: Evaluation, scheme: Scheme) -> Scored {
        Scored { evaluation, scheme }
    }

    fn len(&self) -> usize {
        self.evaluation.results.len()
    }

    fn result(&self, i: usize) -> Option<&SubjectResult> {
        self.evaluation.results.get(i)
    }

    fn results(&self, from: usize, to: usize) -> &[SubjectResult] {
        self.evaluation.results.get(from..to).unwrap_or(&[])
    }

    /// The item of `r` with id `key`, else the first one reading indicator `key`.
    fn item<'a>(r: &'a SubjectResult, key: &str) -> Option<&'a ItemResult> {
        (r.items.iter().find(|i| &*i.item == key))
            .or_else(|| r.items.iter().find(|i| &*i.indicator == key))
    }

    /// The whole evaluation in the JSON shape of `score`.
    fn whole(&self) -> Outcome<serde_json::Value> {
        serde_json::to_value(&self.evaluation).map_err(|e| Failure::internal(e.to_string()))
    }

    /// Result `i` in the JSON shape of `score`.
    fn one(&self, i: usize) -> Outcome<Option<serde_json::Value>> {
        self.result(i)
            .map(|r| serde_json::to_value(r).map_err(|e| Failure::internal(e.to_string())))
            .transpose()
    }

    /// The explanation of result `i`, as `score` with `explain` gives it.
    fn explain(&self, i: usize) -> Outcome<Option<serde_json::Value>> {
        self.result(i)
            .map(|r| explanation_out(&self.scheme.explain(&self.evaluation, r)))
            .transpose()
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

    fn range(&self, from: Option<u32>, to: Option<u32>) -> &[SubjectResult] {
        let len = self.inner.len();
        let to = to.map_or(len, |t| usize::try_from(t).unwrap_or(len).min(len));
        let from = from.map_or(0, |f| usize::try_from(f).unwrap_or(to).min(to));
        self.inner.results(from, to)
    }

    fn column<T>(
        &self,
        from: Option<u32>,
        to: Option<u32>,
        f: impl Fn(&SubjectResult) -> T,
    ) -> Vec<T> {
        self.range(from, to).iter().map(f).collect()
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
        self.inner.evaluation.plan_id.clone()
    }

    /// The plan's version.
    #[napi(getter, catch_unwind)]
    pub fn plan_version(&self) -> String {
        self.inner.evaluation.plan_version.clone()
    }

    /// The plan's fingerprint.
    #[napi(getter, catch_unwind)]
    pub fn plan_fingerprint(&self) -> String {
        self.inner.evaluation.plan_fingerprint.clone()
    }

    /// The period, as given.
    #[napi(getter, catch_unwind)]
    pub fn period(&self) -> Option<String> {
        self.inner.evaluation.period.clone()
    }

    /// Subject ids.
    #[napi(catch_unwind)]
    pub fn subjects(&self, from: Option<u32>, to: Option<u32>) -> Vec<String> {
        self.column(from, to, |r| r.subject.to_string())
    }

    /// Role ids.
    #[napi(catch_unwind)]
    pub fn roles(&self, from: Option<u32>, to: Option<u32>) -> Vec<String> {
        self.column(from, to, |r| r.role.to_string())
    }

    /// Display names (`null` where none).
    #[napi(catch_unwind)]
    pub fn names(&self, from: Option<u32>, to: Option<u32>) -> Vec<Option<String>> {
        self.column(from, to, |r| r.name.clone())
    }

    /// Org units (`null` where none).
    #[napi(catch_unwind)]
    pub fn units(&self, from: Option<u32>, to: Option<u32>) -> Vec<Option<String>> {
        self.column(from, to, |r| r.unit.clone())
    }

    /// Regions (`null` where none).
    #[napi(catch_unwind)]
    pub fn regions(&self, from: Option<u32>, to: Option<u32>) -> Vec<Option<String>> {
        self.column(from, to, |r| r.region.clone())
    }

    /// The scorecard variant applied (`null` where none).
    #[napi(catch_unwind)]
    pub fn variants(&self, from: Option<u32>, to: Option<u32>) -> Vec<Option<String>> {
        self.column(from, to, |r| r.variant.as_deref().map(str::to_string))
    }

    /// Final totals (decimal strings at the total scale).
    #[napi(catch_unwind)]
    pub fn totals(&self, from: Option<u32>, to: Option<u32>) -> Vec<String> {
        self.column(from, to, |r| r.total.to_string())
    }

    /// Totals before rounding and vetoes (decimal strings).
    #[napi(catch_unwind)]
    pub fn totals_unrounded(&self, from: Option<u32>, to: Option<u32>) -> Vec<String> {
        self.column(from, to, |r| r.total_unrounded.to_string())
    }

    /// Grades.
    #[napi(catch_unwind)]
    pub fn grades(&self, from: Option<u32>, to: Option<u32>) -> Vec<String> {
        self.column(from, to, |r| r.grade.to_string())
    }

    /// The grades' coefficients (decimal strings).
    #[napi(catch_unwind)]
    pub fn coefficients(&self, from: Option<u32>, to: Option<u32>) -> Vec<String> {
        self.column(from, to, |r| r.coefficient.to_string())
    }

    /// Payouts (decimal strings; `null` where no bonus base was given).
    #[napi(catch_unwind)]
    pub fn payouts(&self, from: Option<u32>, to: Option<u32>) -> Vec<Option<String>> {
        self.column(from, to, |r| r.payout.map(|p| p.to_string()))
    }

    /// How many warnings each result carries.
    #[napi(catch_unwind)]
    pub fn warning_counts(&self, from: Option<u32>, to: Option<u32>) -> Vec<u32> {
        self.column(from, to, |r| {
            u32::try_from(r.warnings.len()).unwrap_or(u32::MAX)
        })
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
        self.column(from, to, |r| {
            Scored::item(r, &key).map(|i| i.score.to_string())
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
        self.column(from, to, |r| {
            Scored::item(r, &key).map(|i| i.weighted.to_string())
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
        self.column(from, to, |r| {
            Scored::item(r, &key).and_then(|i| i.achievement.map(|a| a.to_string()))
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
        self.column(from, to, |r| {
            Scored::item(r, &key).map(|i| i.status.as_str())
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

    /// The whole evaluation as the object `score` returns.
    #[napi(catch_unwind, ts_return_type = "unknown")]
    pub fn evaluation<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        run(env, || self.inner.whole()).and_then(|v| crate::js::to_js(env, &v))
    }
}

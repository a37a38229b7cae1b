//! `NativeVersions`: a plan with effective-dated versions, compiled once and scored like a
//! plan with the version(s) in force for the inputs' period.

use crate::failure::{Failure, Outcome, run};
use crate::plan::{NativePlan, ScoreTask};
use crate::scorer;
use kpichain::{CompiledVersions, Scheme};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Serialize;
use std::sync::Arc;

/// A compiled plan with effective-dated versions. Immutable; safe to score from many requests
/// at once.
#[napi]
pub struct NativeVersions {
    inner: Arc<CompiledVersions>,
}

/// One version as JavaScript lists it.
#[derive(Serialize)]
struct VersionInfo<'a> {
    effective_from: String,
    version: &'a str,
    fingerprint: &'a str,
}

impl NativeVersions {
    fn compile(text: &str) -> Outcome<NativeVersions> {
        Ok(NativeVersions {
            inner: Arc::new(CompiledVersions::from_text(text)?),
        })
    }

    /// Reads a versions file through `kpichain_io`: a version's `plan` that is a string is a
    /// plan file relative to it; a file that cannot be read is an I/O failure.
    fn load(path: &str) -> Outcome<NativeVersions> {
        Ok(NativeVersions {
            inner: Arc::new(kpichain_io::load_versions(path)?),
        })
    }

    /// The version labelled `version` as a standalone plan (the compiled version, shared).
    fn plan_named(&self, version: &str) -> Option<NativePlan> {
        self.inner
            .version(version)
            .map(|p| NativePlan::from_compiled(p.clone()))
    }

    fn scheme(&self) -> Scheme {
        Scheme::from(self.inner.clone())
    }
}

#[napi]
impl NativeVersions {
    /// Compiles a versions document given as JSON text (`{id, name?, span?, versions:
    /// [{effective_from, plan}]}`). Throws `KPI_PLAN_INVALID` with every problem of every
    /// version (paths like `versions[1].plan.roles[0].items`).
    #[napi(factory, catch_unwind)]
    pub fn from_text(env: Env, text: String) -> Result<NativeVersions> {
        run(&env, || NativeVersions::compile(&text))
    }

    /// Reads and compiles a versions file; a version's `plan` may be the path of a plan file
    /// (JSON or TOML) relative to it. Throws `KPI_IO_ERROR` when a file cannot be read.
    #[napi(factory, catch_unwind)]
    pub fn from_file(env: Env, path: String) -> Result<NativeVersions> {
        run(&env, || NativeVersions::load(&path))
    }

    /// The versioned plan's id.
    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> String {
        self.inner.document().id.clone()
    }

    /// Its display name, if any.
    #[napi(getter, catch_unwind)]
    pub fn name(&self) -> Option<String> {
        self.inner.document().name.clone()
    }

    /// `period_start` or `pro_rata`.
    #[napi(getter, catch_unwind, ts_return_type = "'period_start' | 'pro_rata'")]
    pub fn span(&self) -> String {
        self.inner.document().span.as_str().to_string()
    }

    /// `sha256:` + hex digest of the whole document's canonical JSON.
    #[napi(getter, catch_unwind)]
    pub fn fingerprint(&self) -> String {
        self.inner.fingerprint().to_string()
    }

    /// The document as canonical JSON text (every plan inline, decimals as strings).
    #[napi(catch_unwind)]
    pub fn document_json(&self) -> String {
        serde_json::to_string(self.inner.document()).unwrap_or_default()
    }

    /// The versions in order as JSON text: `[{effective_from, version, fingerprint}]`.
    #[napi(catch_unwind)]
    pub fn versions_json(&self) -> String {
        let list: Vec<VersionInfo<'_>> = self
            .inner
            .versions()
            .map(|(day, p)| VersionInfo {
                effective_from: day,
                version: &p.plan().version,
                fingerprint: p.fingerprint(),
            })
            .collect();
        serde_json::to_string(&list).unwrap_or_default()
    }

    /// The version labelled `version` as a standalone plan, or `null`.
    #[napi(catch_unwind)]
    pub fn version(&self, version: String) -> Option<NativePlan> {
        self.plan_named(&version)
    }

    /// The version in force on `day` (`YYYY-MM-DD`), or `null`.
    #[napi(catch_unwind)]
    pub fn in_force(&self, day: String) -> Option<NativePlan> {
        self.inner
            .in_force(&day)
            .map(|p| NativePlan::from_compiled(p.clone()))
    }

    /// The plan JSON of the version whose record sets are read for `period` (the one in force
    /// on its first day), or `null` without one.
    #[napi(catch_unwind)]
    pub fn records_plan_json(&self, period: String) -> Option<String> {
        Some(self.inner.for_period(&period)?.plan().to_json())
    }

    /// What changed from version `before` to version `after` (their labels) as JSON text
    /// `{from, to, changes}`, or `null` when either label is unknown.
    #[napi(catch_unwind)]
    pub fn diff(&self, env: Env, before: String, after: String) -> Result<Option<String>> {
        run(&env, || {
            self.inner
                .diff(&before, &after)
                .map(|d| serde_json::to_string(&d).map_err(|e| Failure::internal(e.to_string())))
                .transpose()
        })
    }

    /// The same diff as text for an HR user, or `null` when either label is unknown.
    #[napi(catch_unwind)]
    pub fn diff_text(&self, before: String, after: String) -> Option<String> {
        self.inner.diff(&before, &after).map(|d| d.to_string())
    }

    /// Scores a batch on the calling thread with the version(s) in force for the inputs'
    /// `period` (required). Inputs and result as `NativePlan.score`.
    #[napi(catch_unwind)]
    pub fn score(&self, env: Env, inputs: String, explain: Option<bool>) -> Result<Latin1String> {
        run(&env, || {
            scorer::score_json(&self.scheme(), &inputs, explain.unwrap_or(false))
        })
    }

    /// Like `score`, on the libuv thread pool; returns a Promise.
    #[napi(catch_unwind, ts_return_type = "Promise<string>")]
    pub fn score_async(&self, inputs: String, explain: Option<bool>) -> AsyncTask<ScoreTask> {
        AsyncTask::new(ScoreTask::new(
            self.scheme(),
            inputs,
            explain.unwrap_or(false),
        ))
    }

    /// A new batch to fill with columns or rows (no JSON text) and score with the version(s)
    /// in force for its period.
    #[napi(catch_unwind)]
    pub fn batch(&self) -> crate::batch::NativeBatch {
        crate::batch::NativeBatch::new(self.scheme())
    }

    /// Scores a batch and returns the explanations (all subjects, or only `subject`) as JSON
    /// text; a result scored pro rata explains each version's part in `segments`.
    #[napi(catch_unwind)]
    pub fn explain(
        &self,
        env: Env,
        inputs: String,
        subject: Option<String>,
    ) -> Result<Latin1String> {
        run(&env, || {
            scorer::explain_json(&self.scheme(), &inputs, subject.as_deref())
        })
    }
}

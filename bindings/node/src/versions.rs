//! `NativeVersions`: a plan with effective-dated versions, compiled once and scored like a
//! plan with the version(s) in force for the inputs' period.

use crate::failure::{self, Failure, Outcome, run};
use crate::plan::{NativePlan, ScoreTask};
use crate::scorer::Scorer;
use kpichain::Code;
use kpichain::{CompiledPlan, CompiledVersions, Issue, PlanError};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Serialize;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// A compiled plan with effective-dated versions. Immutable; safe to score from many requests
/// at once.
#[napi]
pub struct NativeVersions {
    inner: Arc<CompiledVersions>,
    /// Each version as a standalone compiled plan, compiled on first use.
    plans: OnceLock<Vec<Arc<CompiledPlan>>>,
}

fn io_failure(what: &str, path: &Path, e: &std::io::Error) -> Failure {
    Failure::new(
        failure::IO_ERROR,
        Issue::new(
            Code::IoError,
            "",
            format!("cannot read {what} '{}': {e}", path.display()),
        ),
    )
}

/// Reads and compiles a versions file; the core resolves each version's `plan` that is a
/// string as the path of a plan file (`.json`, `.toml`, or by content) relative to the
/// document's folder. A file that cannot be read is an I/O failure.
fn from_file(path: &str) -> Outcome<NativeVersions> {
    let path = Path::new(path);
    let text = std::fs::read_to_string(path).map_err(|e| io_failure("versions file", path, &e))?;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut unreadable: Option<Failure> = None;
    let compiled = CompiledVersions::from_text_with(&text, |name| {
        let plan_path = dir.join(name);
        std::fs::read_to_string(&plan_path).map_err(|e| {
            if unreadable.is_none() {
                unreadable = Some(io_failure("plan file", &plan_path, &e));
            }
            e.to_string()
        })
    });
    match (compiled, unreadable) {
        (_, Some(io)) => Err(io),
        (Ok(c), None) => Ok(NativeVersions {
            inner: Arc::new(c),
            plans: OnceLock::new(),
        }),
        (Err(e), None) => Err(Failure::from(e)),
    }
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
            plans: OnceLock::new(),
        })
    }

    /// Each version as a standalone compiled plan (compiled again once: the versions compiled
    /// inside `CompiledVersions` cannot be shared as `Arc`s).
    fn plans(&self) -> Outcome<&[Arc<CompiledPlan>]> {
        if let Some(p) = self.plans.get() {
            return Ok(p);
        }
        let compiled = self
            .inner
            .versions()
            .map(|(_, p)| CompiledPlan::compile(p.plan().clone()).map(Arc::new))
            .collect::<std::result::Result<Vec<_>, PlanError>>()?;
        let _ = self.plans.set(compiled);
        Ok(self.plans.get().map(Vec::as_slice).unwrap_or_default())
    }

    fn plan_named(&self, version: &str) -> Outcome<Option<NativePlan>> {
        Ok(self
            .plans()?
            .iter()
            .find(|p| p.plan().version == version)
            .map(|p| NativePlan::from_compiled(p.clone())))
    }

    fn scorer(&self) -> Scorer {
        Scorer::Versions(self.inner.clone())
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
        run(&env, || from_file(&path))
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
    pub fn version(&self, env: Env, version: String) -> Result<Option<NativePlan>> {
        run(&env, || self.plan_named(&version))
    }

    /// The version in force on `day` (`YYYY-MM-DD`), or `null`.
    #[napi(catch_unwind)]
    pub fn in_force(&self, env: Env, day: String) -> Result<Option<NativePlan>> {
        run(&env, || match self.inner.in_force(&day) {
            Some(p) => self.plan_named(&p.plan().version),
            None => Ok(None),
        })
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
            self.scorer().score_json(&inputs, explain.unwrap_or(false))
        })
    }

    /// Like `score`, on the libuv thread pool; returns a Promise.
    #[napi(catch_unwind, ts_return_type = "Promise<string>")]
    pub fn score_async(&self, inputs: String, explain: Option<bool>) -> AsyncTask<ScoreTask> {
        AsyncTask::new(ScoreTask::new(
            self.scorer(),
            inputs,
            explain.unwrap_or(false),
        ))
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
            self.scorer().explain_json(&inputs, subject.as_deref())
        })
    }
}

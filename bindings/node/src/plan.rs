//! `NativePlan`: a compiled plan shared (`Arc`) between the JavaScript thread and the thread
//! pool, with synchronous and Promise-returning scoring.

use crate::failure::{Failure, Outcome, guard, run};
use crate::scorer;
use kpichain::{CompiledPlan, Scheme};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::sync::Arc;
use std::time::Instant;

/// A validated, compiled plan. Immutable; safe to score from many requests at once.
#[napi]
pub struct NativePlan {
    inner: Arc<CompiledPlan>,
}

impl NativePlan {
    /// Wraps a compiled plan.
    pub(crate) fn from_compiled(inner: Arc<CompiledPlan>) -> NativePlan {
        NativePlan { inner }
    }

    /// This plan as the scheme that scores and explains.
    fn scheme(&self) -> Scheme {
        Scheme::from(self.inner.clone())
    }
}

#[napi]
impl NativePlan {
    /// Parses and compiles a plan from JSON or TOML text. `format` is `"json"`, `"toml"` or
    /// absent (JSON when the text starts with `{`). Throws `KPI_PLAN_INVALID` with every problem.
    #[napi(
        factory,
        catch_unwind,
        ts_args_type = "text: string, format?: 'json' | 'toml' | undefined | null"
    )]
    pub fn from_text(env: Env, text: String, format: Option<String>) -> Result<NativePlan> {
        run(&env, || {
            let plan = crate::parse_plan(&text, format.as_deref())?;
            Ok(NativePlan {
                inner: Arc::new(crate::compile(plan)?),
            })
        })
    }

    /// Reads, parses and compiles a plan file (`.json` or `.toml`; other names by content).
    #[napi(factory, catch_unwind)]
    pub fn from_file(env: Env, path: String) -> Result<NativePlan> {
        run(&env, || {
            let plan = crate::read_plan_file(&path)?;
            Ok(NativePlan {
                inner: Arc::new(crate::compile(plan)?),
            })
        })
    }

    /// A plan given as text or as a file path, read as `compile` in JavaScript does: a
    /// string without a `format` that neither starts with `{` nor has a line break, and ends
    /// in `.json` or `.toml`, is the path of a plan file; anything else is the plan's text.
    #[napi(
        factory,
        catch_unwind,
        ts_args_type = "source: string, format?: 'json' | 'toml' | undefined | null"
    )]
    pub fn load(env: Env, source: String, format: Option<String>) -> Result<NativePlan> {
        run(&env, || {
            let path = format.is_none()
                && !kpichain_io::is_text(&source)
                && kpichain::Format::of_name(&source).is_some();
            let plan = if path {
                crate::read_plan_file(&source)?
            } else {
                crate::parse_plan(&source, format.as_deref())?
            };
            Ok(NativePlan {
                inner: Arc::new(crate::compile(plan)?),
            })
        })
    }

    /// The plan's id.
    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> String {
        self.inner.plan().id.clone()
    }

    /// The plan's version.
    #[napi(getter, catch_unwind)]
    pub fn version(&self) -> String {
        self.inner.plan().version.clone()
    }

    /// `sha256:` + hex digest of the plan's canonical JSON; results carry it.
    #[napi(getter, catch_unwind)]
    pub fn fingerprint(&self) -> String {
        self.inner.fingerprint().to_string()
    }

    /// The plan as canonical JSON text (snake_case, decimals as strings).
    #[napi(catch_unwind)]
    pub fn plan_json(&self) -> String {
        self.inner.plan().to_json()
    }

    /// Scores a batch on the calling thread. `inputs` is JSON text: `{period?, assignments,
    /// actuals?, targets?, units?, records?}` where `actuals` rows are long `{subject,
    /// indicator, value}` or wide `{subject, <indicator>: value, ...}`, and `records` maps each
    /// record set the plan declares to its rows (`{field: value, ...}`). Returns the
    /// evaluation as JSON text; with `explain`, each result also carries `explanation`
    /// (structured, plus `text`).
    #[napi(catch_unwind)]
    pub fn score(&self, env: Env, inputs: String, explain: Option<bool>) -> Result<Latin1String> {
        run(&env, || {
            scorer::score_json(&self.scheme(), &inputs, explain.unwrap_or(false))
        })
    }

    /// Like `score`, but runs on the libuv thread pool and returns a Promise, so
    /// the event loop keeps serving other work meanwhile.
    #[napi(catch_unwind, ts_return_type = "Promise<string>")]
    pub fn score_async(&self, inputs: String, explain: Option<bool>) -> AsyncTask<ScoreTask> {
        AsyncTask::new(ScoreTask::new(
            self.scheme(),
            inputs,
            explain.unwrap_or(false),
        ))
    }

    /// A new batch to fill with columns or rows (no JSON text) and score with this plan.
    #[napi(catch_unwind)]
    pub fn batch(&self) -> crate::batch::NativeBatch {
        crate::batch::NativeBatch::new(self.scheme())
    }

    /// Scores a batch and returns the explanations (all subjects, or only `subject`) as JSON
    /// text: an array of structured explanations, each with a `text` rendering.
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

    /// Times what a Rust program would do with the same batch (the core's `Inputs::from_json`,
    /// `evaluate`, `serde_json::to_string`), summed over `iterations` runs, for benchmarks.
    /// Inputs must be in the core's long format. Not part of the public API.
    #[napi(catch_unwind, js_name = "__benchNative")]
    pub fn bench_native(&self, env: Env, inputs: String, iterations: u32) -> Result<NativeTimings> {
        run(&env, || {
            let mut t = NativeTimings {
                parse_ms: 0.0,
                evaluate_ms: 0.0,
                serialize_ms: 0.0,
                subjects: 0,
                optimized: !cfg!(debug_assertions),
            };
            for _ in 0..iterations.max(1) {
                let t0 = Instant::now();
                let parsed = kpichain::Inputs::from_json(&inputs)?;
                let t1 = Instant::now();
                let evaluation = self.inner.evaluate(&parsed)?;
                let t2 = Instant::now();
                let text = serde_json::to_string(&evaluation)
                    .map_err(|e| Failure::internal(e.to_string()))?;
                let t3 = Instant::now();
                std::hint::black_box(text);
                let ms = |a: Instant, b: Instant| b.duration_since(a).as_secs_f64() * 1e3;
                t.parse_ms += ms(t0, t1);
                t.evaluate_ms += ms(t1, t2);
                t.serialize_ms += ms(t2, t3);
                t.subjects = u32::try_from(evaluation.results.len()).unwrap_or(u32::MAX);
            }
            Ok(t)
        })
    }
}

/// Total milliseconds spent in each stage by `__benchNative`.
#[napi(object)]
pub struct NativeTimings {
    /// `Inputs::from_json`.
    pub parse_ms: f64,
    /// `CompiledPlan::evaluate`.
    pub evaluate_ms: f64,
    /// `serde_json::to_string` of the evaluation.
    pub serialize_ms: f64,
    /// Subjects in the batch.
    pub subjects: u32,
    /// False for a debug build of the addon.
    pub optimized: bool,
}

/// Scoring on the libuv thread pool. The plan (or versions) is shared through its `Arc`;
/// the inputs text is owned by the task.
pub struct ScoreTask {
    scheme: Scheme,
    inputs: String,
    explain: bool,
}

impl ScoreTask {
    pub(crate) fn new(scheme: Scheme, inputs: String, explain: bool) -> ScoreTask {
        ScoreTask {
            scheme,
            inputs,
            explain,
        }
    }
}

impl Task for ScoreTask {
    type Output = Outcome<Latin1String>;
    type JsValue = Latin1String;

    fn compute(&mut self) -> Result<Self::Output> {
        let text = std::mem::take(&mut self.inputs);
        Ok(guard(|| {
            scorer::score_json(&self.scheme, &text, self.explain)
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Self::JsValue> {
        output.map_err(|f| f.into_napi(&env))
    }
}

//! Scoring and explaining a batch given as inputs JSON with a `Scheme` (a plan or
//! effective-dated versions of one), for `NativePlan` and `NativeVersions` alike.

use crate::failure::{self, Failure, Outcome};
use crate::json::to_ascii_json;
use kpichain::Code;
use kpichain::{Evaluation, Explanation, Issue, Scheme};
use napi::bindgen_prelude::Latin1String;
use serde::Serialize;

fn evaluate(scheme: &Scheme, text: &str) -> Outcome<Evaluation> {
    let intake = kpichain::Intake::from_json(text)?;
    Ok(scheme.evaluate_intake(&intake)?)
}

/// Scores `text` (the inputs JSON) and returns the evaluation as JSON text; with `explain`,
/// each result carries its `explanation` (structured, plus `text`).
pub fn score_json(scheme: &Scheme, text: &str, explain: bool) -> Outcome<Latin1String> {
    let evaluation = evaluate(scheme, text)?;
    if !explain {
        return to_ascii_json(&evaluation);
    }
    let mut value =
        serde_json::to_value(&evaluation).map_err(|e| Failure::internal(e.to_string()))?;
    if let Some(results) = value.get_mut("results").and_then(|r| r.as_array_mut()) {
        for (slot, result) in results.iter_mut().zip(&evaluation.results) {
            let out = explanation_out(&scheme.explain(&evaluation, result))?;
            if let Some(obj) = slot.as_object_mut() {
                obj.insert("explanation".to_string(), out);
            }
        }
    }
    to_ascii_json(&value)
}

/// Scores `text` and returns the explanations (all subjects, or only `subject`).
pub fn explain_json(scheme: &Scheme, text: &str, subject: Option<&str>) -> Outcome<Latin1String> {
    let evaluation = evaluate(scheme, text)?;
    let chosen: Vec<_> = evaluation
        .results
        .iter()
        .filter(|r| subject.is_none_or(|s| *r.subject == *s))
        .collect();
    if let (Some(s), true) = (subject, chosen.is_empty()) {
        return Err(Failure::new(
            failure::INPUT_INVALID,
            Issue::new(
                Code::UnknownSubject,
                "",
                format!("subject '{s}' has no assignment in these inputs"),
            ),
        ));
    }
    let explanations = chosen
        .into_iter()
        .map(|r| explanation_out(&scheme.explain(&evaluation, r)))
        .collect::<Outcome<Vec<_>>>()?;
    to_ascii_json(&explanations)
}

/// An explanation as JavaScript receives it: the structured fields plus the text (pro-rata
/// segments included, each with its own text).
#[derive(Serialize)]
struct ExplanationOut<'a> {
    #[serde(flatten)]
    data: &'a Explanation,
    text: String,
}

pub(crate) fn explanation_out(e: &Explanation) -> Outcome<serde_json::Value> {
    let mut value = serde_json::to_value(ExplanationOut {
        data: e,
        text: e.to_string(),
    })
    .map_err(|e| Failure::internal(e.to_string()))?;
    // Each segment's explanation gets its text too.
    if let Some(segments) = value.get_mut("segments").and_then(|s| s.as_array_mut()) {
        for (slot, s) in segments.iter_mut().zip(&e.segments) {
            if let Some(x) = slot.get_mut("explanation") {
                *x = explanation_out(&s.explanation)?;
            }
        }
    }
    Ok(value)
}

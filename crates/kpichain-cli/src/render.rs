//! Rendering results: a table for people, JSON for programs, CSV for spreadsheets.

use crate::error::Failure;
use comfy_table::{Cell, CellAlignment, Table, presets};
use kpichain::{CompiledPlan, Evaluation, Plan, Scheme, SubjectResult};
use std::collections::HashMap;

/// Display names the plan gives to roles, grades, adjustments and vetoes.
struct Names<'a> {
    roles: HashMap<&'a str, &'a str>,
    grade_labels: HashMap<&'a str, &'a str>,
    adjustments: HashMap<&'a str, &'a str>,
    vetoes: HashMap<&'a str, &'a str>,
}

impl<'a> Names<'a> {
    fn of(plan: &'a Plan) -> Self {
        let adjustments = plan
            .adjustments
            .iter()
            .chain(plan.roles.iter().flat_map(|r| r.adjustments.iter()));
        let vetoes = plan
            .vetoes
            .iter()
            .chain(plan.roles.iter().flat_map(|r| r.vetoes.iter()));
        Names {
            roles: plan
                .roles
                .iter()
                .map(|r| (r.id.as_str(), r.name.as_str()))
                .collect(),
            grade_labels: plan
                .grades
                .iter()
                .filter_map(|g| g.label.as_deref().map(|l| (g.grade.as_str(), l)))
                .collect(),
            adjustments: adjustments
                .map(|a| (a.id.as_str(), a.name.as_str()))
                .collect(),
            vetoes: vetoes.map(|v| (v.id.as_str(), v.name.as_str())).collect(),
        }
    }

    fn role<'b>(&self, id: &'b str) -> &'b str
    where
        'a: 'b,
    {
        self.roles.get(id).copied().unwrap_or(id)
    }

    fn grade_label(&self, grade: &str) -> Option<&'a str> {
        self.grade_labels.get(grade).copied()
    }
}

/// Notes for the table: fired vetoes, adjustments that changed the total, warning count.
fn notes(names: &Names, r: &SubjectResult) -> String {
    let mut notes: Vec<String> = Vec::new();
    for v in &r.vetoes {
        let name = names.vetoes.get(&*v.id).copied().unwrap_or(&v.id);
        notes.push(format!("veto: {name}"));
    }
    for a in r.adjustments.iter().filter(|a| !a.points.is_zero()) {
        let name = names.adjustments.get(&*a.id).copied().unwrap_or(&a.id);
        let sign = if a.points.is_sign_positive() { "+" } else { "" };
        let capped = if a.capped { " (capped)" } else { "" };
        notes.push(format!("{sign}{} {name}{capped}", a.points));
    }
    match r.warnings.len() {
        0 => {}
        1 => notes.push("1 warning".to_string()),
        n => notes.push(format!("{n} warnings")),
    }
    notes.join("; ")
}

/// The evaluation as a readable table, with the grade distribution and every warning.
pub fn table(scheme: &Scheme, eval: &Evaluation) -> String {
    let plan = scheme.plan_for_names(eval).plan();
    let names = Names::of(plan);
    let with_payout = eval.results.iter().any(|r| r.payout.is_some());

    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    let mut header = vec![
        "subject",
        "name",
        "role",
        "region",
        "total",
        "grade",
        "coefficient",
    ];
    if with_payout {
        header.push("payout");
    }
    header.push("notes");
    t.set_header(header);
    for r in &eval.results {
        let grade = match names.grade_label(&r.grade) {
            Some(label) => format!("{} {label}", r.grade),
            None => r.grade.to_string(),
        };
        let mut row = vec![
            Cell::new(&*r.subject),
            Cell::new(r.name.as_deref().unwrap_or("")),
            Cell::new(match &r.variant {
                Some(v) => format!("{} ({v})", names.role(&r.role)),
                None => names.role(&r.role).to_string(),
            }),
            Cell::new(r.region.as_deref().unwrap_or("")),
            Cell::new(r.total.to_string()),
            Cell::new(grade),
            Cell::new(r.coefficient.to_string()),
        ];
        if with_payout {
            row.push(Cell::new(
                r.payout.map(|p| p.to_string()).unwrap_or_default(),
            ));
        }
        row.push(Cell::new(notes(&names, r)));
        t.add_row(row);
    }
    for col in [4usize, 6, 7] {
        if col == 7 && !with_payout {
            continue;
        }
        if let Some(c) = t.column_mut(col) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }

    let mut out = String::new();
    let period = eval
        .period
        .as_deref()
        .map_or_else(String::new, |p| format!(" · period {p}"));
    let subjects = crate::error::count(eval.results.len(), "subject");
    out.push_str(&format!(
        "plan {} version {}{period} · {subjects}\n",
        eval.plan_id, eval.plan_version
    ));
    out.push_str(&t.to_string());
    out.push('\n');

    // Grade distribution, in the plan's order, and the payout total.
    let counts: Vec<String> = scheme
        .grade_counts(eval)
        .iter()
        .map(|(g, n)| format!("{g} {n}"))
        .collect();
    let mut line = format!("grades: {}", counts.join(" · "));
    if with_payout {
        if let Some(total) = eval.payout_total() {
            line.push_str(&format!(" · payout total {total}"));
        }
    }
    out.push_str(&line);
    out.push('\n');
    if eval.versions.len() > 1 {
        let parts: Vec<String> = eval
            .versions
            .iter()
            .map(|v| format!("{} {}–{} ({} days)", v.version, v.from, v.to, v.days))
            .collect();
        out.push_str(&format!("versions pro rata: {}\n", parts.join(" · ")));
    }
    if let Some(d) = &eval.derivation {
        let sets: Vec<String> = d
            .record_sets
            .iter()
            .map(|s| {
                let bad = if s.bad_records > 0 {
                    format!(", {} bad records skipped", s.bad_records)
                } else {
                    String::new()
                };
                format!("{} {}{bad}", s.name, s.records)
            })
            .collect();
        out.push_str(&format!(
            "records read ({}, time zone {}): {}\n",
            d.period,
            d.time_zone,
            sets.join(" · ")
        ));
    }

    let warnings: Vec<String> = eval
        .results
        .iter()
        .flat_map(|r| r.warnings.iter())
        .map(|w| format!("  - {} [{}]", w.message, w.code))
        .collect();
    if !warnings.is_empty() {
        out.push_str(&format!("warnings ({}):\n", warnings.len()));
        for w in warnings {
            out.push_str(&w);
            out.push('\n');
        }
    }
    out
}

/// The full evaluation as pretty JSON (decimals as strings).
pub fn json<T: serde::Serialize>(value: &T) -> Result<String, Failure> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::internal(format!("the result could not be written as JSON: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// One CSV row per subject.
pub fn csv(compiled: &CompiledPlan, eval: &Evaluation) -> Result<String, Failure> {
    let names = Names::of(compiled.plan());
    let internal = |e: &dyn std::fmt::Display| {
        Failure::internal(format!("the result could not be written as CSV: {e}"))
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "period",
        "subject",
        "name",
        "role",
        "role_name",
        "unit",
        "region",
        "total",
        "grade",
        "grade_label",
        "coefficient",
        "payout",
        "vetoes",
        "warnings",
    ])
    .map_err(|e| internal(&e))?;
    let period = eval.period.as_deref().unwrap_or("");
    for r in &eval.results {
        let vetoes: Vec<&str> = r.vetoes.iter().map(|v| &*v.id).collect();
        let warnings: Vec<&str> = r.warnings.iter().map(|w| w.code.as_str()).collect();
        w.write_record([
            period,
            &r.subject,
            r.name.as_deref().unwrap_or(""),
            &r.role,
            names.role(&r.role),
            r.unit.as_deref().unwrap_or(""),
            r.region.as_deref().unwrap_or(""),
            &r.total.to_string(),
            &r.grade,
            names.grade_label(&r.grade).unwrap_or(""),
            &r.coefficient.to_string(),
            &r.payout.map(|p| p.to_string()).unwrap_or_default(),
            &vetoes.join(";"),
            &warnings.join(";"),
        ])
        .map_err(|e| internal(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| internal(&e))?;
    String::from_utf8(bytes).map_err(|e| internal(&e))
}

//! `_repr_html_`: results as readable tables in Jupyter. Presentation only.

use std::collections::HashMap;
use std::fmt::Write as _;

use kpichain::{Evaluation, Explanation, ItemStatus, Scheme, SubjectResult};
use rust_decimal::Decimal;

const STYLE: &str = "<style>\
.kpichain table{border-collapse:collapse;font-size:13px;margin:4px 0}\
.kpichain th,.kpichain td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left}\
.kpichain td.n,.kpichain th.n{text-align:right;font-variant-numeric:tabular-nums}\
.kpichain .g{font-weight:bold}\
.kpichain .muted{color:#888}\
.kpichain caption{text-align:left;padding:2px 0 6px 0}\
.kpichain p{font-size:13px;margin:2px 0}\
</style>";

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn opt(s: Option<&str>) -> String {
    s.map_or_else(String::new, esc)
}

fn dec(d: Option<Decimal>) -> String {
    d.map_or_else(
        || "<span class=\"muted\">—</span>".to_string(),
        |d| d.to_string(),
    )
}

/// The table of an evaluation (first `max_rows` subjects).
/// The scheme gives the role names and the grade scale (for versions, the version applied last).
pub(crate) fn evaluation(eval: &Evaluation, scheme: &Scheme, max_rows: usize) -> String {
    let roles: HashMap<&str, &str> = scheme
        .plan_for_names(eval)
        .plan()
        .roles
        .iter()
        .map(|r| (r.id.as_str(), r.name.as_str()))
        .collect();
    let counts = scheme.grade_counts(eval);
    let any_payout = eval.results.iter().any(|r| r.payout.is_some());
    let mut h = String::with_capacity(4096);
    h.push_str("<div class=\"kpichain\">");
    h.push_str(STYLE);
    let _ = write!(
        h,
        "<table><caption><b>kpichain evaluation</b> · plan <code>{}</code> version <code>{}</code>",
        esc(&eval.plan_id),
        esc(&eval.plan_version)
    );
    if let Some(p) = &eval.period {
        let _ = write!(h, " · period <b>{}</b>", esc(p));
    }
    let _ = write!(h, " · {} subjects · grades:", eval.results.len());
    for (g, n) in &counts {
        let _ = write!(h, " <span class=\"g\">{}</span> {n}", esc(g));
    }
    h.push_str("</caption><thead><tr><th>subject</th><th>name</th><th>role</th><th>unit</th><th>region</th>");
    h.push_str("<th class=\"n\">total</th><th>grade</th><th class=\"n\">coefficient</th>");
    if any_payout {
        h.push_str("<th class=\"n\">payout</th>");
    }
    h.push_str("<th>notes</th></tr></thead><tbody>");
    for r in eval.results.iter().take(max_rows) {
        let mut role = roles.get(&*r.role).map_or_else(
            || esc(&r.role),
            |n| format!("{} <span class=\"muted\">{}</span>", esc(n), esc(&r.role)),
        );
        if let Some(v) = &r.variant {
            let _ = write!(role, " <span class=\"muted\">· {}</span>", esc(v));
        }
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{role}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"g\">{}</td><td class=\"n\">{}</td>",
            esc(&r.subject),
            opt(r.name.as_deref()),
            opt(r.unit.as_deref()),
            opt(r.region.as_deref()),
            r.total,
            esc(&r.grade),
            r.coefficient
        );
        if any_payout {
            let _ = write!(h, "<td class=\"n\">{}</td>", dec(r.payout));
        }
        let mut notes = Vec::new();
        if !r.vetoes.is_empty() {
            notes.push(format!(
                "veto: {}",
                r.vetoes
                    .iter()
                    .map(|v| esc(&v.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !r.warnings.is_empty() {
            notes.push(format!("{} warning(s)", r.warnings.len()));
        }
        let _ = write!(h, "<td>{}</td></tr>", notes.join("; "));
    }
    h.push_str("</tbody></table>");
    if eval.results.len() > max_rows {
        let _ = write!(
            h,
            "<p class=\"muted\">… {} more subjects (use <code>to_pandas()</code> to see them all)</p>",
            eval.results.len().saturating_sub(max_rows)
        );
    }
    h.push_str("</div>");
    h
}

/// One subject's result with its items.
pub(crate) fn subject(x: &Explanation, r: &SubjectResult) -> String {
    let mut h = String::with_capacity(4096);
    h.push_str("<div class=\"kpichain\">");
    h.push_str(STYLE);
    let who = match &x.name {
        Some(n) => format!(
            "{} <span class=\"muted\">{}</span>",
            esc(n),
            esc(&x.subject)
        ),
        None => esc(&x.subject),
    };
    let label = x
        .grade_label
        .as_deref()
        .map_or_else(String::new, |l| format!(" ({})", esc(l)));
    let _ = write!(
        h,
        "<table><caption><b>{who}</b> — {} <span class=\"muted\">{}</span> · total <b>{}</b> · grade <span class=\"g\">{}</span>{label} · coefficient {}",
        esc(&x.role_name),
        esc(&x.role),
        x.total,
        esc(&x.grade),
        x.coefficient
    );
    if let Some(v) = &x.variant {
        let _ = write!(h, " · variant <code>{}</code>", esc(v));
    }
    if let Some(p) = x.payout {
        let _ = write!(h, " · payout {p}");
    }
    h.push_str("</caption><thead><tr><th>#</th><th>indicator</th><th>rule</th><th class=\"n\">actual</th><th class=\"n\">target</th>");
    h.push_str("<th class=\"n\">achievement %</th><th class=\"n\">score</th><th class=\"n\">weight</th><th class=\"n\">weighted</th></tr></thead><tbody>");
    for (n, it) in x.items.iter().enumerate() {
        let mut unit = it.unit.as_deref().map_or_else(String::new, |u| {
            format!(" <span class=\"muted\">{}</span>", esc(u))
        });
        if let Some(source) = &it.source {
            let _ = write!(unit, "<br><span class=\"muted\">{}</span>", esc(source));
        }
        let weight = if it.effective_weight == it.weight {
            it.weight.to_string()
        } else {
            format!(
                "{} <span class=\"muted\">(from {})</span>",
                it.effective_weight, it.weight
            )
        };
        let score = match it.status {
            ItemStatus::Scored => it.score.to_string(),
            ItemStatus::MissingZero => {
                format!("{} <span class=\"muted\">(missing)</span>", it.score)
            }
            ItemStatus::Excluded => "<span class=\"muted\">excluded</span>".to_string(),
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{} <span class=\"muted\">{}</span>{unit}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{score}</td><td class=\"n\">{weight}</td><td class=\"n\">{}</td></tr>",
            n.saturating_add(1),
            esc(&it.indicator_name),
            esc(&it.item),
            esc(&it.rule),
            dec(it.actual),
            dec(it.target),
            dec(it.achievement),
            it.weighted
        );
    }
    for a in &x.adjustments {
        let _ = write!(
            h,
            "<tr><td>±</td><td>{} <span class=\"muted\">{}</span></td><td>{} per unit{}</td><td class=\"n\">{}</td><td></td><td></td><td></td><td></td><td class=\"n\">{}</td></tr>",
            esc(&a.name),
            esc(&a.id),
            a.points_per_unit,
            if a.capped { " (capped)" } else { "" },
            a.actual,
            a.points
        );
    }
    let _ = write!(
        h,
        "<tr><td></td><td colspan=\"7\"><b>total</b> <span class=\"muted\">({} → {}, {})</span></td><td class=\"n\"><b>{}</b></td></tr>",
        x.total_unrounded,
        x.total,
        esc(&x.rounding_mode),
        x.total
    );
    h.push_str("</tbody></table>");
    for v in &x.vetoes {
        let _ = write!(
            h,
            "<p>veto <b>{}</b> <code>{}</code> held</p>",
            esc(&v.name),
            esc(&v.condition)
        );
    }
    for w in &r.warnings {
        let _ = write!(
            h,
            "<p class=\"muted\">warning [{}]: {}</p>",
            esc(w.code.as_str()),
            esc(&w.message)
        );
    }
    h.push_str("</div>");
    h
}

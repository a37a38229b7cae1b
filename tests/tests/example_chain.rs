//! The example company's full chain for 2022: the versioned plan
//! `examples/sales-company/company-a-2022.json` scores every month from the raw records
//! (`records/*.csv`), the org units, the sales quotas and the figures no record gives
//! (`actuals-2022.csv`). The monthly results are kept in `expected/2022-monthly.csv`; after
//! a deliberate change, refresh it with
//! `KPICHAIN_BLESS=1 cargo test -p kpichain-conformance --test example_chain`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use kpichain::measure::RecordSets;
use kpichain::{CompiledPlan, CompiledVersions, Decimal, Evaluation, Inputs, SubjectResult};
use kpichain_conformance::{example_dir, read_csv};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const PLAN: &str = "company-a-2022.json";
const GOLDEN: &str = "expected/2022-monthly.csv";
const PEOPLE: usize = 27;

/// A CSV file as JSON objects (header → cell), empty cells left out.
fn csv_objects(relative: &str) -> Vec<Map<String, Value>> {
    let (header, rows) = read_csv(relative).unwrap();
    rows.into_iter()
        .map(|row| {
            assert_eq!(row.len(), header.len(), "{relative}: {row:?}");
            header
                .iter()
                .zip(row)
                .filter(|(_, cell)| !cell.is_empty())
                .map(|(h, cell)| (h.clone(), Value::String(cell)))
                .collect()
        })
        .collect()
}

fn plan_text() -> String {
    std::fs::read_to_string(example_dir().join(PLAN)).unwrap()
}

fn versions() -> CompiledVersions {
    CompiledVersions::from_text(&plan_text()).unwrap_or_else(|e| panic!("{PLAN}: {e}"))
}

/// The inputs of `period` without records: the 27 people, the org tree, the quotas and the
/// supplied figures `actuals` (`subject, indicator, value`).
fn inputs(period: &str, actuals: Vec<Value>) -> Inputs {
    let doc = json!({
        "period": period,
        "assignments": csv_objects("assignments.csv"),
        "units": csv_objects("units.csv"),
        "targets": csv_objects("targets.csv"),
        "actuals": actuals,
    });
    Inputs::from_json(&doc.to_string()).unwrap()
}

/// The rows of `actuals-2022.csv` for one month.
fn month_actuals(period: &str) -> Vec<Value> {
    let (header, rows) = read_csv("actuals-2022.csv").unwrap();
    assert_eq!(header, ["period", "subject", "indicator", "value"]);
    rows.into_iter()
        .filter(|r| r[0] == period)
        .map(|r| json!({"subject": r[1], "indicator": r[2], "value": r[3]}))
        .collect()
}

/// Every record set the plan declares, read from `records/NAME.csv` with the plan's builder.
fn records(plan: &CompiledPlan) -> RecordSets {
    let mut sets = RecordSets::new();
    assert_eq!(plan.plan().records.len(), 4);
    for decl in &plan.plan().records {
        let file = format!("{}.csv", decl.name);
        let (header, rows) = read_csv(&format!("records/{file}")).unwrap();
        let names: Vec<&str> = decl.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(header, names, "{file}: header");
        let mut builder = plan.record_builder(&decl.name).unwrap();
        for (i, row) in rows.iter().enumerate() {
            builder.push_row(row, Some(&format!("{file}:{}", i + 2)));
        }
        let set = builder.finish();
        assert!(
            set.bad_records().is_empty(),
            "{file}: {:?}",
            set.bad_records()
        );
        assert_eq!(set.len(), rows.len(), "{file}");
        sets.insert(set).unwrap();
    }
    sets
}

fn months() -> Vec<String> {
    (1..=12).map(|m| format!("2022-{m:02}")).collect()
}

/// Every month of 2022, each scored with the version in force on its first day and that
/// version's reading of the records.
fn year(versions: &CompiledVersions) -> Vec<Evaluation> {
    let mut read: BTreeMap<String, RecordSets> = BTreeMap::new();
    months()
        .iter()
        .map(|period| {
            let plan = versions.in_force(&format!("{period}-01")).unwrap();
            let sets = read
                .entry(plan.plan().version.clone())
                .or_insert_with(|| records(plan));
            versions
                .evaluate_records(&inputs(period, month_actuals(period)), sets)
                .unwrap_or_else(|e| panic!("{period}: {e}"))
        })
        .collect()
}

fn result<'a>(evaluation: &'a Evaluation, subject: &str) -> &'a SubjectResult {
    evaluation
        .results
        .iter()
        .find(|r| &*r.subject == subject)
        .unwrap_or_else(|| panic!("{subject} not scored"))
}

fn weight(evaluation: &Evaluation, subject: &str, item: &str) -> Decimal {
    result(evaluation, subject)
        .items
        .iter()
        .find(|i| &*i.item == item)
        .unwrap_or_else(|| panic!("{subject} has no item {item}"))
        .weight
}

fn golden_csv(year: &[Evaluation]) -> String {
    let mut out = String::from("period,subject,role,variant,total,grade,coefficient,payout\n");
    for e in year {
        for r in &e.results {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                e.period.as_deref().unwrap_or_default(),
                r.subject,
                r.role,
                r.variant.as_deref().unwrap_or_default(),
                r.total,
                r.grade,
                r.coefficient,
                r.payout.map(|p| p.to_string()).unwrap_or_default(),
            ));
        }
    }
    out
}

#[test]
fn twelve_months_of_2022_from_the_records() {
    let versions = versions();
    let year = year(&versions);
    let (_, people) = read_csv("assignments.csv").unwrap();
    assert_eq!(people.len(), PEOPLE);

    for (e, period) in year.iter().zip(months()) {
        assert_eq!(e.period.as_deref(), Some(period.as_str()));
        assert_eq!(e.plan_id, "company-a-2022");
        assert_eq!(e.results.len(), PEOPLE, "{period}");
        for (r, p) in e.results.iter().zip(&people) {
            assert_eq!(&*r.subject, p[0]);
            assert!(!r.items.is_empty(), "{period}: {} has no items", r.subject);
        }
        let derivation = e.derivation.as_ref().unwrap();
        assert!(derivation.bad_records.is_empty(), "{period}");
        assert_eq!(derivation.record_sets.len(), 4, "{period}");
        for s in &derivation.record_sets {
            assert_eq!((s.bad_records, s.records), (0, s.records_read), "{period}");
        }

        let version = match period.as_str() {
            "2022-01" | "2022-02" => "2022.01",
            "2022-03" | "2022-04" | "2022-05" => "2022.03",
            _ => "2022.06",
        };
        assert_eq!(e.plan_version, version, "{period}");
        assert_eq!(e.versions.len(), 1, "{period}");
        assert_eq!(e.versions[0].version, version, "{period}");
        assert_eq!(e.versions[0].from, format!("{period}-01"));

        // Regional scorecards by the rep's region.
        for (r, p) in e.results.iter().zip(&people) {
            if p[1] == "sales_rep" {
                assert_eq!(r.variant.as_deref(), Some(p[4].as_str()), "{period}");
            } else {
                assert_eq!(r.variant, None, "{period}");
            }
        }
        let e101 = result(e, "E101");
        assert_eq!(weight(e, "E101", "online_sales_share"), Decimal::from(40));
        assert!(
            e101.items
                .iter()
                .all(|i| &*i.item != "offline_channels_opened")
        );
        assert_eq!(
            weight(e, "E108", "offline_channels_opened"),
            Decimal::from(40)
        );

        // The general manager is measured on the company's growth.
        let gm = result(e, "E001");
        let source = gm
            .sources
            .iter()
            .find(|s| &*s.item == "sales_growth_rate")
            .unwrap();
        assert_eq!((source.from, source.id.as_str()), ("unit", "A公司"));
        // the directors on their departments, the operations manager partly on the company
        for (subject, unit) in [("E002", "南区销售部"), ("E003", "北区销售部")] {
            let sources = &result(e, subject).sources;
            assert_eq!(sources.len(), 3, "{period} {subject}");
            assert!(sources.iter().all(|s| s.from == "unit" && s.id == unit));
        }
        let ops: Vec<(&str, &str)> = result(e, "E005")
            .sources
            .iter()
            .map(|s| (&*s.item, s.id.as_str()))
            .collect();
        assert_eq!(
            ops,
            [
                ("order_processing_hours", "A公司"),
                ("support_satisfaction", "销售中心")
            ]
        );
    }

    // The March change (purchasing manager's on-time weight) and the June change (sales
    // directors' new-customer weight).
    let month = |m: usize| &year[m - 1];
    assert_eq!(
        weight(month(2), "E004", "on_time_supply_rate"),
        Decimal::from(50)
    );
    assert_eq!(
        weight(month(3), "E004", "on_time_supply_rate"),
        Decimal::from(60)
    );
    for director in ["E002", "E003"] {
        assert_eq!(
            weight(month(5), director, "new_customers"),
            Decimal::from(30)
        );
        assert_eq!(
            weight(month(6), director, "new_customers"),
            Decimal::from(40)
        );
    }

    // The golden monthly results.
    let generated = golden_csv(&year);
    let path = example_dir().join(GOLDEN);
    if std::env::var_os("KPICHAIN_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
    } else {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is stale: run `KPICHAIN_BLESS=1 cargo test -p kpichain-conformance --test example_chain` and commit the result",
            path.display()
        );
    }

    // The same files give the same results, byte for byte.
    let again = self::year(&versions);
    assert_eq!(
        serde_json::to_string(&year).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
}

#[test]
fn the_versions_differ_by_the_two_weight_changes() {
    let versions = versions();
    let has = |before: &str, after: &str, role: &str, item: &str, from: i64, to: i64| {
        let diff = versions.diff(before, after).unwrap();
        assert!(
            diff.changes.iter().any(|c| c.role.as_deref() == Some(role)
                && c.item.as_deref() == Some(item)
                && c.field.as_deref() == Some("weight")
                && c.before == Some(json!(from.to_string()))
                && c.after == Some(json!(to.to_string()))),
            "{before} → {after}: no {role} {item} weight {from} → {to} in\n{diff}"
        );
    };
    has(
        "2022.01",
        "2022.03",
        "purchasing_manager",
        "on_time_supply_rate",
        50,
        60,
    );
    has(
        "2022.03",
        "2022.06",
        "sales_director",
        "new_customers",
        30,
        40,
    );
    // the March change is not repeated in June
    assert!(
        !versions
            .diff("2022.03", "2022.06")
            .unwrap()
            .changes
            .iter()
            .any(|c| c.role.as_deref() == Some("purchasing_manager"))
    );
}

/// The figures supplied for a quarter: counts summed over its months, other figures (rates,
/// survey scores) averaged over the months that have them.
fn quarter_actuals(months: &[&str]) -> Vec<Value> {
    const COUNTS: [&str; 4] = [
        "accepted_proposals",
        "compliance_breaches",
        "new_regions_opened",
        "process_improvement_proposals",
    ];
    let mut values: BTreeMap<(String, String), Vec<Decimal>> = BTreeMap::new();
    for m in months {
        for a in month_actuals(m) {
            let key = (
                a["subject"].as_str().unwrap().to_string(),
                a["indicator"].as_str().unwrap().to_string(),
            );
            let value: Decimal = a["value"].as_str().unwrap().parse().unwrap();
            values.entry(key).or_default().push(value);
        }
    }
    values
        .into_iter()
        .map(|((subject, indicator), v)| {
            let sum: Decimal = v.iter().sum();
            let value = if COUNTS.contains(&indicator.as_str()) {
                sum
            } else {
                (sum / Decimal::from(v.len())).round_dp(2)
            };
            json!({"subject": subject, "indicator": indicator, "value": value.to_string()})
        })
        .collect()
}

#[test]
fn a_pro_rata_quarter_spans_the_march_change() {
    let mut doc: Value = serde_json::from_str(&plan_text()).unwrap();
    doc["span"] = json!("pro_rata");
    let versions = CompiledVersions::from_text(&doc.to_string()).unwrap();
    let plan = versions.in_force("2022-01-01").unwrap();
    let inputs = inputs(
        "2022-Q1",
        quarter_actuals(&["2022-01", "2022-02", "2022-03"]),
    );
    let e = versions.evaluate_records(&inputs, &records(plan)).unwrap();
    assert_eq!(e.plan_version, "2022.01+2022.03");
    let days: Vec<(&str, u32)> = e
        .versions
        .iter()
        .map(|v| (v.version.as_str(), v.days))
        .collect();
    assert_eq!(days, [("2022.01", 59), ("2022.03", 31)]);
    assert_eq!(e.results.len(), PEOPLE);
    for r in &e.results {
        let segments: Vec<(&str, &str, &str, u32)> = r
            .segments
            .iter()
            .map(|s| (s.version.as_str(), s.from.as_str(), s.to.as_str(), s.days))
            .collect();
        assert_eq!(
            segments,
            [
                ("2022.01", "2022-01-01", "2022-02-28", 59),
                ("2022.03", "2022-03-01", "2022-03-31", 31)
            ],
            "{}",
            r.subject
        );
        // each segment scores the whole quarter with its version
        for s in &r.segments {
            assert_eq!(s.result.subject, r.subject);
            assert!(!s.result.items.is_empty());
        }
    }
    // The purchasing manager's quarter: 59 days at 50 % on-time weight, 31 at 60 %.
    let e004 = result(&e, "E004");
    let on_time: Vec<Decimal> = e004
        .segments
        .iter()
        .map(|s| {
            s.result
                .items
                .iter()
                .find(|i| &*i.item == "on_time_supply_rate")
                .unwrap()
                .weight
        })
        .collect();
    assert_eq!(on_time, [Decimal::from(50), Decimal::from(60)]);

    // The document as committed (`period_start`) scores the quarter with January's version.
    let e = self::versions()
        .evaluate_records(&inputs, &records(plan))
        .unwrap();
    assert_eq!(e.plan_version, "2022.01");
    assert_eq!(e.versions[0].days, 90);
    assert!(e.results.iter().all(|r| r.segments.is_empty()));
}

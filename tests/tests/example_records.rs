//! The example company's 2022 business records (`examples/sales-company/records/`) derive,
//! month by month, the actuals the plan needs, and tell the story the example's README tells.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use kpichain::Decimal;
use kpichain::decimal::{RoundingMode, parse_decimal, round_fixed};
use kpichain::measure::{
    DeriveOptions, Derived, Field, MeasureDef, Period, RecordSetBuilder, RecordSets, Schema,
    UtcOffset, derive_actuals, parse_measures,
};
use kpichain_conformance::{example_dir, read_csv};
use std::collections::{BTreeMap, BTreeSet};

fn tz() -> UtcOffset {
    "+08:00".parse().unwrap()
}

fn load_records() -> RecordSets {
    let text = std::fs::read_to_string(example_dir().join("records/schemas.json")).unwrap();
    let schemas: BTreeMap<String, Vec<Field>> = serde_json::from_str(&text).unwrap();
    assert_eq!(
        schemas.keys().map(String::as_str).collect::<Vec<_>>(),
        ["deliveries", "followups", "hr_events", "orders"]
    );
    let mut records = RecordSets::new();
    for (name, fields) in schemas {
        let file = format!("records/{name}.csv");
        let (header, rows) = read_csv(&file).unwrap();
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(header, names, "{file}: header");
        let mut builder = RecordSetBuilder::new(name.as_str(), Schema::new(fields).unwrap(), tz());
        for (i, row) in rows.iter().enumerate() {
            builder.push_row(row, Some(&format!("{file}:{}", i + 2)));
        }
        let set = builder.finish();
        assert!(
            set.bad_records().is_empty(),
            "{file}: {:?}",
            set.bad_records()
        );
        assert_eq!(set.len(), rows.len());
        records.insert(set).unwrap();
    }
    records
}

fn load_measures() -> Vec<MeasureDef> {
    parse_measures(&std::fs::read_to_string(example_dir().join("measures.json")).unwrap()).unwrap()
}

fn month(year: i32, m: u32) -> Period {
    Period::month(year, m).unwrap()
}

/// (subject, indicator) → value for one period.
type Table = BTreeMap<(String, String), Decimal>;

fn table(derived: &Derived) -> Table {
    let mut t = Table::new();
    for a in &derived.actuals {
        let old = t.insert((a.subject.to_string(), a.indicator.to_string()), a.value);
        assert!(old.is_none(), "{} {} twice", a.subject, a.indicator);
    }
    t
}

fn get(t: &Table, subject: &str, indicator: &str) -> Option<Decimal> {
    t.get(&(subject.to_string(), indicator.to_string()))
        .copied()
}

/// Every measure for every month of 2022, plus sales for every month of 2021 (the growth
/// base), from freshly read files.
fn derive_everything() -> (Vec<Derived>, Vec<Derived>) {
    let records = load_records();
    let measures = load_measures();
    let options = DeriveOptions::new(tz());
    let y2022 = (1..=12)
        .map(|m| derive_actuals(&measures, &records, &month(2022, m), &options).unwrap())
        .collect();
    let sales: Vec<MeasureDef> = measures
        .into_iter()
        .filter(|d| d.indicator == "sales_amount")
        .collect();
    let y2021 = (1..=12)
        .map(|m| derive_actuals(&sales, &records, &month(2021, m), &options).unwrap())
        .collect();
    (y2022, y2021)
}

fn people() -> Vec<(String, String, String)> {
    let (header, rows) = read_csv("assignments.csv").unwrap();
    assert_eq!(header[..2], ["subject", "role"]);
    assert_eq!(header[4], "region");
    rows.into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[4].clone()))
        .collect()
}

fn mean(values: &[Decimal]) -> Decimal {
    assert!(!values.is_empty());
    values.iter().sum::<Decimal>() / Decimal::from(values.len())
}

#[test]
fn measures_name_plan_indicators_and_records_are_clean() {
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(example_dir().join("plan.json")).unwrap())
            .unwrap();
    let known: BTreeSet<&str> = plan["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    let measures = load_measures();
    assert_eq!(measures.len(), 10);
    let new: Vec<&str> = measures
        .iter()
        .map(|d| d.indicator.as_str())
        .filter(|i| !known.contains(i))
        .collect();
    // the two regional indicators are not in the plan yet
    assert_eq!(new, ["online_sales_share", "offline_channels_opened"]);

    let (derived, _) = derive_everything();
    for (m, d) in derived.iter().enumerate() {
        assert!(d.report.bad_records.is_empty(), "2022-{:02}", m + 1);
        for s in &d.report.record_sets {
            assert_eq!(
                (s.bad_records, s.records),
                (0, s.records_read),
                "{}",
                s.name
            );
        }
    }
}

#[test]
fn twelve_months_of_2022_tell_the_story() {
    let (y2022, y2021) = derive_everything();
    let months: Vec<Table> = y2022.iter().map(table).collect();
    let people = people();
    let reps: Vec<(&str, &str)> = people
        .iter()
        .filter(|p| p.1 == "sales_rep")
        .map(|p| (p.0.as_str(), p.2.as_str()))
        .collect();
    assert_eq!(reps.len(), 14);

    // Every sales rep gets every sales indicator every month.
    for (m, t) in months.iter().enumerate() {
        for (rep, _) in &reps {
            for indicator in [
                "sales_amount",
                "new_customers",
                "repeat_purchase_rate",
                "order_processing_hours",
                "sales_growth_rate",
                "online_sales_share",
                "offline_channels_opened",
            ] {
                assert!(
                    get(t, rep, indicator).is_some(),
                    "2022-{:02}: {rep} has no {indicator}",
                    m + 1
                );
            }
            let sales = get(t, rep, "sales_amount").unwrap();
            assert!(
                sales > Decimal::from(15) && sales < Decimal::from(100),
                "{rep} sold {sales}"
            );
            let hours = get(t, rep, "order_processing_hours").unwrap();
            assert!(hours > Decimal::from(4) && hours < Decimal::from(48));
        }
        // only sales reps have orders; the HR manager has the hiring events
        let order_subjects: BTreeSet<&str> = t
            .keys()
            .filter(|(_, i)| i == "sales_amount")
            .map(|(s, _)| s.as_str())
            .collect();
        assert_eq!(order_subjects, reps.iter().map(|r| r.0).collect());
        let fill = get(t, "E006", "hiring_fill_rate").unwrap();
        assert!(
            fill >= Decimal::from(50) && fill <= Decimal::ONE_HUNDRED,
            "{fill}"
        );
        for buyer in ["E004", "E201", "E202", "E203", "E204"] {
            let saving = get(t, buyer, "cost_reduction_rate").unwrap();
            assert!(
                saving >= Decimal::ONE && saving <= Decimal::from(5),
                "{saving}"
            );
            assert!(get(t, buyer, "on_time_supply_rate").is_some());
        }
    }

    // Year over year: the company sold 12-20 % more in 2022 than in 2021, and each rep's
    // monthly growth rate is their own sales against the same month of 2021.
    let last_year: Vec<Table> = y2021.iter().map(table).collect();
    let total = |tables: &[Table]| -> Decimal {
        tables
            .iter()
            .flat_map(|t| reps.iter().map(move |(r, _)| get(t, r, "sales_amount")))
            .map(|v| v.unwrap())
            .sum()
    };
    let (sold_2022, sold_2021) = (total(&months), total(&last_year));
    let growth = (sold_2022 - sold_2021) * Decimal::ONE_HUNDRED / sold_2021;
    println!(
        "confirmed sales 2021 {sold_2021} 万元, 2022 {sold_2022} 万元, growth {} %",
        round_fixed(growth, 2, RoundingMode::HalfUp)
    );
    assert!(
        growth > Decimal::from(12) && growth < Decimal::from(20),
        "{growth}"
    );
    for (t, base) in months.iter().zip(&last_year) {
        for (rep, _) in &reps {
            let (now, then) = (
                get(t, rep, "sales_amount").unwrap(),
                get(base, rep, "sales_amount").unwrap(),
            );
            let expected = round_fixed(
                (now - then) * Decimal::ONE_HUNDRED / then,
                2,
                RoundingMode::HalfUp,
            );
            assert_eq!(get(t, rep, "sales_growth_rate"), Some(expected), "{rep}");
        }
    }
    // ... and growth improved during the year
    let company_growth = |m: usize| {
        let now: Decimal = reps
            .iter()
            .map(|r| get(&months[m], r.0, "sales_amount").unwrap())
            .sum();
        let then: Decimal = reps
            .iter()
            .map(|r| get(&last_year[m], r.0, "sales_amount").unwrap())
            .sum();
        (now - then) * Decimal::ONE_HUNDRED / then
    };
    assert!(company_growth(11) > company_growth(0));

    // Purchasing: on time more often once the on-time weight was raised in March.
    let staff = ["E201", "E202", "E203", "E204"];
    let on_time: Vec<Decimal> = months
        .iter()
        .map(|t| {
            let rates: Vec<Decimal> = staff
                .iter()
                .map(|b| get(t, b, "on_time_supply_rate").unwrap())
                .collect();
            mean(&rates)
        })
        .collect();
    println!(
        "on-time supply, mean of E201-E204, 2022-01..12: {}",
        on_time
            .iter()
            .map(|r| round_fixed(*r, 2, RoundingMode::HalfUp).to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let (before, after) = (mean(&on_time[..2]), mean(&on_time[2..]));
    assert!(before < after, "{before} vs {after}");
    assert!(before > Decimal::from(80) && before < Decimal::from(92));
    assert!(after > Decimal::from(93) && after < Decimal::from(99));

    // Regions: the north opens offline channels, the south sells online.
    let over_year = |rep: &str, indicator: &str| -> Vec<Decimal> {
        months
            .iter()
            .map(|t| get(t, rep, indicator).unwrap())
            .collect()
    };
    let of_region = |region: &str, f: &dyn Fn(&str) -> Decimal| -> Vec<Decimal> {
        reps.iter()
            .filter(|r| r.1 == region)
            .map(|r| f(r.0))
            .collect()
    };
    let channels =
        |rep: &str| -> Decimal { over_year(rep, "offline_channels_opened").iter().sum() };
    let (north, south) = (of_region("north", &channels), of_region("south", &channels));
    assert!(
        north.iter().min() > south.iter().max(),
        "{north:?} {south:?}"
    );
    let online = |rep: &str| mean(&over_year(rep, "online_sales_share"));
    let (north, south) = (of_region("north", &online), of_region("south", &online));
    assert!(
        south.iter().min() > north.iter().max(),
        "{south:?} {north:?}"
    );
    assert!(south.iter().all(|s| *s > Decimal::from(40)));
    assert!(north.iter().all(|s| *s < Decimal::from(35)));

    // Operations: orders are confirmed faster at the end of the year.
    let hours = |m: usize| -> Decimal {
        let v: Vec<Decimal> = reps
            .iter()
            .map(|r| get(&months[m], r.0, "order_processing_hours").unwrap())
            .collect();
        mean(&v)
    };
    assert!(hours(11) < hours(0) - Decimal::from(5));
}

#[test]
fn deriving_twice_gives_the_same_results() {
    assert_eq!(derive_everything(), derive_everything());
}

#[test]
fn the_other_2022_figures_are_complete_every_month() {
    let (header, rows) = read_csv("actuals-2022.csv").unwrap();
    assert_eq!(header, ["period", "subject", "indicator", "value"]);
    let mut seen: BTreeMap<(String, String, String), Decimal> = BTreeMap::new();
    for r in &rows {
        assert_eq!(r.len(), 4, "{r:?}");
        let value = parse_decimal(&r[3]).unwrap();
        let old = seen.insert((r[0].clone(), r[1].clone(), r[2].clone()), value);
        assert!(old.is_none(), "{r:?} twice");
    }
    let periods: BTreeSet<&str> = seen.keys().map(|k| k.0.as_str()).collect();
    let expected_periods: Vec<String> = (1..=12).map(|m| format!("2022-{m:02}")).collect();
    assert!(periods.iter().eq(expected_periods.iter()));

    let purchasing = ["E004", "E201", "E202", "E203", "E204"];
    let support = ["E005", "E301", "E302", "E303", "销售中心"];
    let admins = ["E301", "E302", "E303"];
    let mut expected: Vec<(&str, &str)> = vec![
        ("E001", "new_regions_opened"),
        ("E001", "cost_control_rate"),
        ("E001", "team_retention_rate"),
        ("E005", "complaint_rate"),
        ("E005", "process_improvement_proposals"),
        ("E006", "new_hire_retention_rate"),
        ("E006", "training_completion_rate"),
        ("E006", "sales_team_satisfaction"),
    ];
    expected.extend(purchasing.iter().map(|s| (*s, "inventory_turnover")));
    expected.extend(support.iter().map(|s| (*s, "support_satisfaction")));
    expected.extend(admins.iter().map(|s| (*s, "office_process_efficiency")));
    let people = people();
    expected.extend(people.iter().map(|p| (p.0.as_str(), "compliance_breaches")));
    for period in &expected_periods {
        for (subject, indicator) in &expected {
            let key = (period.clone(), subject.to_string(), indicator.to_string());
            assert!(
                seen.contains_key(&key),
                "{period}: {subject} has no {indicator}"
            );
        }
    }
    // nothing the records derive is also supplied, and the company's units are known
    let derived: BTreeSet<String> = load_measures().into_iter().map(|d| d.indicator).collect();
    let (_, units) = read_csv("units.csv").unwrap();
    let units: BTreeSet<&str> = units.iter().map(|u| u[0].as_str()).collect();
    let subjects: BTreeSet<&str> = people.iter().map(|p| p.0.as_str()).collect();
    for (_, subject, indicator) in seen.keys() {
        assert!(!derived.contains(indicator), "{indicator} is derived");
        assert!(
            subjects.contains(subject.as_str()) || units.contains(subject.as_str()),
            "{subject}"
        );
    }
    // one compliance breach in the year
    let breaches: Vec<_> = seen
        .iter()
        .filter(|(k, v)| k.2 == "compliance_breaches" && !v.is_zero())
        .collect();
    assert_eq!(breaches.len(), 1, "{breaches:?}");

    // January agrees with actuals.csv
    let (_, january) = read_csv("actuals.csv").unwrap();
    let mut compared = 0;
    for r in &january {
        let key = ("2022-01".to_string(), r[0].clone(), r[1].clone());
        if let Some(v) = seen.get(&key) {
            assert_eq!(*v, parse_decimal(&r[2]).unwrap(), "{r:?}");
            compared += 1;
        }
    }
    assert!(compared >= 45, "{compared}");
}

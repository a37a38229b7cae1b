//! The differ's own tests, on small plans built in place.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::*;
use serde_json::json;

fn base() -> Value {
    json!({
      "id": "p", "version": "1", "name": "方案",
      "indicators": [
        {"id": "sales", "name": "销售额", "unit": "万元"},
        {"id": "visits", "name": "拜访量", "unit": "次"},
        {"id": "breaches", "name": "合规事故", "direction": "lower_is_better"}
      ],
      "roles": [
        {"id": "rep", "name": "销售代表", "items": [
          {"indicator": "sales", "weight": 60, "target": 50, "rule": {"type": "ratio", "cap": 120}},
          {"indicator": "visits", "weight": 40, "target": 20, "rule": {"type": "bands", "bands": [
            {"from": 20, "score": 100}, {"to": 20, "score": 50}]}}
        ]},
        {"id": "mgr", "name": "经理", "items": [
          {"indicator": "sales", "weight": 100, "threshold": 40, "target": 50, "stretch": 60,
           "rule": {"type": "linear"}}
        ], "vetoes": [{"id": "breach", "name": "合规一票否决", "condition": "breaches >= 1",
                       "force_grade": "C"}]}
      ],
      "adjustments": [{"id": "bonus", "name": "加分", "indicator": "visits",
                       "points_per_unit": 1, "max": 5}],
      "grades": [
        {"grade": "A", "min": 100, "coefficient": "1.2", "label": "优秀"},
        {"grade": "B", "min": 80, "coefficient": 1, "label": "良好"},
        {"grade": "C", "coefficient": 0}
      ]
    })
}

fn plan(value: Value) -> Plan {
    Plan::from_value(value).unwrap()
}

/// The diff from the base plan to the base plan edited by `edit`.
fn diff(edit: impl FnOnce(&mut Value)) -> PlanDiff {
    let mut after = base();
    edit(&mut after);
    diff_plans(&plan(base()), &plan(after))
}

fn messages(diff: &PlanDiff) -> Vec<&str> {
    diff.changes.iter().map(|c| c.message.as_str()).collect()
}

fn fields(changes: &[Change]) -> Vec<(&str, Section, &str)> {
    changes
        .iter()
        .map(|c| (c.path.as_str(), c.section, c.field.as_deref().unwrap_or("")))
        .collect()
}

#[test]
fn identical_plans_have_no_changes() {
    let p = plan(base());
    let d = diff_plans(&p, &p);
    assert!(d.is_empty());
    assert_eq!(d.from, d.to);
    assert!(d.from.fingerprint.starts_with("sha256:"));
    assert_eq!(d.to_string(), "p 1 → 1: no changes\n");

    let d = diff(|p| p["version"] = json!("2"));
    assert!(d.is_empty(), "{d}");
    assert_eq!(d.to_string(), "p 1 → 2: no changes\n");
}

#[test]
fn reordering_reports_nothing() {
    let d = diff(|p| {
        for list in ["indicators", "roles", "grades"] {
            p[list].as_array_mut().unwrap().reverse();
        }
        p["roles"][1]["items"].as_array_mut().unwrap().reverse();
    });
    assert!(d.is_empty(), "{d}");
    assert_ne!(d.from.fingerprint, d.to.fingerprint);
}

#[test]
fn decimals_are_compared_by_value_and_reported_exactly() {
    let d = diff(|p| {
        p["roles"][0]["items"][0]["weight"] = json!("60.0");
        p["roles"][0]["items"][1]["target"] = json!("20.00");
        p["grades"][2]["coefficient"] = json!("0.000");
    });
    assert!(d.is_empty(), "{d}");

    let d = diff(|p| {
        p["roles"][0]["items"][0]["target"] = json!(50.5);
        p["grades"][0]["coefficient"] = json!("1.25");
    });
    assert_eq!(d.changes[0].before, Some(json!("50")));
    assert_eq!(d.changes[0].after, Some(json!("50.5")));
    assert_eq!(d.changes[1].before, Some(json!("1.2")));
    assert_eq!(d.changes[1].after, Some(json!("1.25")));
    let text = serde_json::to_string(&d).unwrap();
    assert!(text.contains(r#""before":"1.2","after":"1.25""#), "{text}");
}

#[test]
fn item_fields_are_reported_one_by_one() {
    let d = diff(|p| {
        let item = &mut p["roles"][1]["items"][0];
        item["target"] = json!(55);
        item.as_object_mut().unwrap().remove("threshold");
        item["missing_data"] = json!("exclude");
    });
    assert_eq!(
        messages(&d),
        [
            "roles[1] mgr (经理): item sales (销售额) target 50 → 55",
            "roles[1] mgr (经理): item sales (销售额) missing_data — → exclude",
            "roles[1] mgr (经理): item sales (销售额) threshold 40 → —",
        ]
    );
    let c = &d.changes[2];
    assert_eq!(c.kind, ChangeKind::Changed);
    assert_eq!(c.section, Section::Item);
    assert_eq!(c.path, "roles[1].items[0].threshold");
    assert_eq!(c.role.as_deref(), Some("mgr"));
    assert_eq!(c.item.as_deref(), Some("sales"));
    assert_eq!(c.id, None);
    assert_eq!(
        (c.before.clone(), c.after.clone()),
        (Some(json!("40")), None)
    );
}

#[test]
fn a_rule_parameter_change_names_the_parameter() {
    let d = diff(|p| {
        let rule = &mut p["roles"][0]["items"][0]["rule"];
        rule["cap"] = json!(130);
        rule["floor"] = json!(0); // the default, written out: not a change
    });
    assert_eq!(
        messages(&d),
        ["roles[0] rep (销售代表): item sales (销售额) rule.cap 120 → 130"]
    );
    assert_eq!(
        fields(&d.changes),
        [("roles[0].items[0].rule.cap", Section::Item, "rule.cap")]
    );
}

#[test]
fn bands_are_compared_as_a_whole() {
    let d = diff(|p| p["roles"][0]["items"][1]["rule"]["bands"][1]["score"] = json!(60));
    assert_eq!(
        messages(&d),
        ["roles[0] rep (销售代表): item visits (拜访量) rule.bands \
             [{from: 20, score: 100}, {to: 20, score: 50}] → \
             [{from: 20, score: 100}, {to: 20, score: 60}]"]
    );
    assert_eq!(d.changes[0].field.as_deref(), Some("rule.bands"));
    assert_eq!(
        d.changes[0].after,
        Some(json!([{"from": "20", "score": "100"}, {"to": "20", "score": "60"}]))
    );
}

#[test]
fn a_rule_type_change_reports_the_whole_rule() {
    let d =
        diff(|p| p["roles"][0]["items"][0]["rule"] = json!({"type": "pass_fail", "fail_score": 0}));
    assert_eq!(
        messages(&d),
        [
            "roles[0] rep (销售代表): item sales (销售额) rule {type: ratio, floor: 0, cap: 120} \
             → {type: pass_fail, pass_score: 100, fail_score: 0}"
        ]
    );
    let c = &d.changes[0];
    assert_eq!(c.field.as_deref(), Some("rule"));
    assert_eq!(c.path, "roles[0].items[0].rule");
    assert_eq!(
        c.before,
        Some(json!({"type": "ratio", "floor": "0", "cap": "120"}))
    );
}

#[test]
fn items_added_and_removed() {
    let d = diff(|p| {
        let items = p["roles"][0]["items"].as_array_mut().unwrap();
        items.remove(1);
        items.push(json!({"indicator": "breaches", "weight": 40,
                          "rule": {"type": "deduction", "points": 10}}));
    });
    assert_eq!(
        messages(&d),
        [
            "roles[0] rep (销售代表): item visits (拜访量) removed (weight 40)",
            "roles[0] rep (销售代表): item breaches (合规事故) added (weight 40)",
        ]
    );
    let (removed, added) = (&d.changes[0], &d.changes[1]);
    assert_eq!(removed.kind, ChangeKind::Removed);
    assert_eq!(removed.path, "roles[0].items[1]");
    assert_eq!(removed.item.as_deref(), Some("visits"));
    assert_eq!(removed.before.as_ref().unwrap()["target"], json!("20"));
    assert_eq!(removed.after, None);
    assert_eq!(added.kind, ChangeKind::Added);
    assert_eq!(added.section, Section::Item);
    assert_eq!(added.field, None);
    assert_eq!(added.after.as_ref().unwrap()["rule"]["start"], json!("100"));
}

#[test]
fn an_item_is_identified_by_its_id_else_its_indicator() {
    // No id: another indicator is another item.
    let d = diff(|p| p["roles"][1]["items"][0]["indicator"] = json!("visits"));
    let kinds: Vec<ChangeKind> = d.changes.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ChangeKind::Removed, ChangeKind::Added]);

    // With an id: the same item measures another indicator.
    let mut before = base();
    before["roles"][1]["items"][0]["id"] = json!("main");
    let mut after = before.clone();
    after["roles"][1]["items"][0]["indicator"] = json!("visits");
    let d = diff_plans(&plan(before), &plan(after));
    assert_eq!(
        messages(&d),
        ["roles[1] mgr (经理): item main (拜访量) indicator sales → visits"]
    );
    assert_eq!(d.changes[0].item.as_deref(), Some("main"));
}

#[test]
fn roles_and_indicators_added_and_removed() {
    let d = diff(|p| {
        let indicators = p["indicators"].as_array_mut().unwrap();
        indicators.remove(2);
        indicators.push(json!({"id": "office", "name": "办公效率"}));
        let roles = p["roles"].as_array_mut().unwrap();
        roles.remove(1);
        roles.push(json!({"id": "admin", "name": "行政", "items": [
            {"indicator": "office", "weight": 100, "target": 90, "rule": {"type": "ratio"}}]}));
    });
    assert_eq!(
        messages(&d),
        [
            "indicators[2] breaches (合规事故): indicator removed",
            "indicators[2] office (办公效率): indicator added",
            "roles[1] mgr (经理): role removed",
            "roles[1] admin (行政): role added",
        ]
    );
    assert_eq!(d.changes[0].section, Section::Indicator);
    assert_eq!(d.changes[0].id.as_deref(), Some("breaches"));
    assert_eq!(d.changes[2].section, Section::Role);
    assert_eq!(d.changes[2].role.as_deref(), Some("mgr"));
    assert_eq!(
        d.changes[2].before.as_ref().unwrap()["vetoes"][0]["id"],
        "breach"
    );
    assert_eq!(
        d.changes[3].after.as_ref().unwrap()["items"][0]["weight"],
        "100"
    );
}

#[test]
fn indicator_fields() {
    let d = diff(|p| {
        p["indicators"][1]["unit"] = json!("个");
        p["indicators"][1]["direction"] = json!("lower_is_better");
        p["indicators"][1]["description"] = json!("拜访客户次数");
        p["indicators"][0]["name"] = json!("个人销售额");
    });
    assert_eq!(
        messages(&d),
        [
            "indicators[0] sales (个人销售额): name 销售额 → 个人销售额",
            "indicators[1] visits (拜访量): unit 次 → 个",
            "indicators[1] visits (拜访量): direction higher_is_better → lower_is_better",
            "indicators[1] visits (拜访量): description — → 拜访客户次数",
        ]
    );
    // Items are named with the new plan's indicator names.
    let d = diff(|p| {
        p["indicators"][0]["name"] = json!("个人销售额");
        p["roles"][0]["items"][0]["weight"] = json!(50);
    });
    assert_eq!(
        messages(&d)[1],
        "roles[0] rep (销售代表): item sales (个人销售额) weight 60 → 50"
    );
}

#[test]
fn role_fields_adjustments_and_vetoes() {
    let d = diff(|p| {
        p["roles"][1]["name"] = json!("销售经理");
        let veto = p["roles"][1]["vetoes"][0].as_object_mut().unwrap();
        veto.remove("force_grade");
        veto.insert("force_total".into(), json!(0));
        p["roles"][0]["adjustments"] = json!([{"id": "extra", "name": "额外加分",
            "indicator": "visits", "points_per_unit": "0.5"}]);
    });
    assert_eq!(
        messages(&d),
        [
            "roles[0] rep (销售代表): adjustment extra (额外加分) added",
            "roles[1] mgr (销售经理): name 经理 → 销售经理",
            "roles[1] mgr (销售经理): veto breach (合规一票否决) force_total — → 0",
            "roles[1] mgr (销售经理): veto breach (合规一票否决) force_grade C → —",
        ]
    );
    assert_eq!(
        fields(&d.changes),
        [
            ("roles[0].adjustments[0]", Section::Adjustment, ""),
            ("roles[1].name", Section::Role, "name"),
            (
                "roles[1].vetoes[0].force_total",
                Section::Veto,
                "force_total"
            ),
            (
                "roles[1].vetoes[0].force_grade",
                Section::Veto,
                "force_grade"
            ),
        ]
    );
    assert_eq!(d.changes[0].role.as_deref(), Some("rep"));
    assert_eq!(d.changes[0].id.as_deref(), Some("extra"));
    assert_eq!(d.changes[2].id.as_deref(), Some("breach"));

    // Removing a role's last veto removes the (then absent) list's entity.
    let d = diff(|p| {
        p["roles"][1].as_object_mut().unwrap().remove("vetoes");
    });
    assert_eq!(
        messages(&d),
        ["roles[1] mgr (经理): veto breach (合规一票否决) removed"]
    );
    assert_eq!(d.changes[0].path, "roles[1].vetoes[0]");
}

#[test]
fn plan_wide_adjustments_and_grades() {
    let d = diff(|p| {
        p["adjustments"][0]["max"] = json!(8);
        let grades = p["grades"].as_array_mut().unwrap();
        grades[0]["min"] = json!(105);
        grades[1]["coefficient"] = json!("0.9");
        grades[1]["label"] = json!("合格");
        grades[2]["grade"] = json!("D");
        grades.insert(
            0,
            json!({"grade": "S", "min": 120, "coefficient": 1.5, "label": "卓越"}),
        );
    });
    assert_eq!(
        messages(&d),
        [
            "adjustments[0] bonus (加分): max 5 → 8",
            "grades[2] C: grade removed",
            "grades[0] S (卓越): grade added",
            "grades[1] A (优秀): min 100 → 105",
            "grades[2] B (合格): coefficient 1 → 0.9",
            "grades[2] B (合格): label 良好 → 合格",
            "grades[3] D: grade added",
        ]
    );
    assert_eq!(d.changes[0].section, Section::Adjustment);
    assert_eq!(d.changes[0].role, None);
    assert_eq!(d.changes[0].id.as_deref(), Some("bonus"));
    assert_eq!(d.changes[3].section, Section::Grade);
    assert_eq!(d.changes[3].id.as_deref(), Some("A"));
    assert_eq!(d.changes[3].path, "grades[1].min");
}

#[test]
fn plan_fields_rounding_and_missing_data() {
    let long = "说明".repeat(41);
    let d = diff(|p| {
        p["id"] = json!("q");
        p["name"] = json!("新方案");
        p["effective_from"] = json!("2022-03-01");
        p["description"] = json!(long);
        p["rounding"] = json!({"mode": "half_even", "item_scale": 3});
        p["missing_data"] = json!("zero");
    });
    assert_eq!(
        d.to_string(),
        "p 1 → q 1: 6 changes
  plan: name 方案 → 新方案
  plan: effective_from — → 2022-03-01
  plan: description changed
  plan: rounding.mode half_up → half_even
  plan: rounding.item_scale 2 → 3
  plan: missing_data error → zero
"
    );
    assert_eq!(
        fields(&d.changes),
        [
            ("name", Section::Plan, "name"),
            ("effective_from", Section::Plan, "effective_from"),
            ("description", Section::Plan, "description"),
            ("rounding.mode", Section::Rounding, "rounding.mode"),
            (
                "rounding.item_scale",
                Section::Rounding,
                "rounding.item_scale"
            ),
            ("missing_data", Section::MissingData, "missing_data"),
        ]
    );
    assert_eq!(d.changes[2].after, Some(json!(long)));
    assert_eq!(d.changes[4].after, Some(json!(3)));
}

#[test]
fn fields_unknown_to_the_differ_are_reported_by_name() {
    let mut before = to_value(&plan(base()));
    before["time_zone"] = json!("+08:00");
    before["indicators"][0]["measure"] = json!({"records": "orders", "aggregate": "sum"});
    before["roles"][0]["items"][0]["source"] = json!("crm");
    let mut after = before.clone();
    after["time_zone"] = json!("+09:00");
    after["indicators"][0]["measure"]["aggregate"] = json!("count");
    after["roles"][0]["items"][0]["source"] = json!("erp");
    after["roles"][1]["items"][0]["source"] = json!("oa");
    let changes = super::changes(&before, &after);
    assert_eq!(
        fields(&changes),
        [
            (
                "indicators[0].measure.aggregate",
                Section::Indicator,
                "measure.aggregate"
            ),
            ("roles[0].items[0].source", Section::Item, "source"),
            ("roles[1].items[0].source", Section::Item, "source"),
            ("time_zone", Section::Plan, "time_zone"),
        ]
    );
    assert_eq!(
        changes[0].message,
        "indicators[0] sales (销售额): measure.aggregate sum → count"
    );
}

#[test]
fn role_variants_are_matched_by_id() {
    let variant = |id: &str, weight: u32| {
        json!({"id": id, "region": id, "items": [
            {"indicator": "sales", "weight": weight, "rule": {"type": "ratio"}}]})
    };
    let mut before = to_value(&plan(base()));
    before["roles"][0]["variants"] = json!([variant("south", 40), variant("north", 40)]);
    let mut after = before.clone();
    after["roles"][0]["variants"] = json!([
        variant("north", 50),
        variant("south", 40),
        variant("east", 40)
    ]);
    let changes = super::changes(&before, &after);
    assert_eq!(
        changes
            .iter()
            .map(|c| c.message.as_str())
            .collect::<Vec<_>>(),
        [
            "roles[0] rep (销售代表): variant north, item sales (销售额) weight 40 → 50",
            "roles[0] rep (销售代表): variant east added",
        ]
    );
    let c = &changes[0];
    assert_eq!(c.path, "roles[0].variants[0].items[0].weight");
    assert_eq!(
        (c.role.as_deref(), c.id.as_deref(), c.item.as_deref()),
        (Some("rep"), Some("north"), Some("sales"))
    );
    assert_eq!(changes[1].section, Section::Variant);

    // Without ids a list is compared as a whole.
    let mut before = to_value(&plan(base()));
    before["roles"][0]["variants"] = json!([{"region": "south"}]);
    let mut after = before.clone();
    after["roles"][0]["variants"] = json!([{"region": "north"}]);
    let changes = super::changes(&before, &after);
    assert_eq!(
        fields(&changes),
        [("roles[0].variants", Section::Role, "variants")]
    );
}

#[test]
fn duplicate_identities_are_paired_in_order() {
    let mut before = base();
    let items = before["roles"][0]["items"].as_array_mut().unwrap();
    items[1]["indicator"] = json!("sales");
    let mut after = before.clone();
    after["roles"][0]["items"][1]["weight"] = json!(45);
    let d = diff_plans(&plan(before), &plan(after));
    assert_eq!(
        fields(&d.changes),
        [("roles[0].items[1].weight", Section::Item, "weight")]
    );
}

#[test]
fn the_header_counts_changes() {
    let d = diff(|p| p["name"] = json!("新方案"));
    assert_eq!(
        d.to_string(),
        "p 1 → 1: 1 change\n  plan: name 方案 → 新方案\n"
    );
}

//! Plan diffs of the sales-company example's successive versions (`examples/sales-company`:
//! from 2022-03 the purchasing manager's on-time supply weight 50 → 60, from 2022-06 the sales
//! director's new-customer weight 30 → 40, other weights giving way).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use kpichain::diff::{ChangeKind, Section, diff_plans};
use kpichain::{CompiledPlan, Plan};
use serde_json::json;

const JAN: &str = include_str!("../../../examples/sales-company/plan.json");
const MAR: &str = include_str!("../../../examples/sales-company/plan-2022-03.json");
const JUN: &str = include_str!("../../../examples/sales-company/plan-2022-06.json");

fn plan(text: &str) -> Plan {
    Plan::from_json(text).unwrap()
}

#[test]
fn january_to_march_is_the_purchasing_manager_change() {
    let diff = diff_plans(&plan(JAN), &plan(MAR));
    assert_eq!(
        diff.to_string(),
        "company-a-2022 2022.01 → 2022.03: 5 changes
  plan: effective_from 2022-01-01 → 2022-03-01
  plan: description changed
  roles[2] purchasing_manager (采购经理): item on_time_supply_rate (供货及时率) weight 50 → 60
  roles[2] purchasing_manager (采购经理): item inventory_turnover (库存周转率) weight 30 → 25
  roles[2] purchasing_manager (采购经理): item cost_reduction_rate (成本降低率) weight 20 → 15
"
    );
}

#[test]
fn march_to_june_is_the_sales_director_change() {
    let diff = diff_plans(&plan(MAR), &plan(JUN));
    assert_eq!(
        diff.to_string(),
        "company-a-2022 2022.03 → 2022.06: 5 changes
  plan: effective_from 2022-03-01 → 2022-06-01
  plan: description changed
  roles[1] sales_director (销售总监): item team_sales_growth_rate (团队销售增长率) weight 50 → 45
  roles[1] sales_director (销售总监): item new_customers (新客户开发数量) weight 30 → 40
  roles[1] sales_director (销售总监): item repeat_purchase_rate (客户复购率) weight 20 → 15
"
    );
}

#[test]
fn january_to_june_has_both_changes_in_plan_order() {
    let diff = diff_plans(&plan(JAN), &plan(JUN));
    let weights: Vec<(&str, &str, String, String)> = diff
        .changes
        .iter()
        .filter(|c| c.field.as_deref() == Some("weight"))
        .map(|c| {
            (
                c.role.as_deref().unwrap(),
                c.item.as_deref().unwrap(),
                c.before.as_ref().unwrap().as_str().unwrap().to_string(),
                c.after.as_ref().unwrap().as_str().unwrap().to_string(),
            )
        })
        .collect();
    let own = |(r, i, b, a): (&'static str, &'static str, &str, &str)| {
        (r, i, b.to_string(), a.to_string())
    };
    assert_eq!(
        weights,
        [
            ("sales_director", "team_sales_growth_rate", "50", "45"),
            ("sales_director", "new_customers", "30", "40"),
            ("sales_director", "repeat_purchase_rate", "20", "15"),
            ("purchasing_manager", "on_time_supply_rate", "50", "60"),
            ("purchasing_manager", "inventory_turnover", "30", "25"),
            ("purchasing_manager", "cost_reduction_rate", "20", "15"),
        ]
        .map(own)
    );
    assert_eq!(diff.changes.len(), 8);
}

#[test]
fn the_json_form_carries_exact_values_paths_and_fingerprints() {
    let diff = diff_plans(&plan(JAN), &plan(MAR));
    let value = serde_json::to_value(&diff).unwrap();
    assert_eq!(
        value["from"],
        json!({
            "id": "company-a-2022",
            "version": "2022.01",
            "fingerprint": CompiledPlan::from_text(JAN).unwrap().fingerprint(),
        })
    );
    assert_eq!(
        value["to"]["fingerprint"],
        CompiledPlan::from_text(MAR).unwrap().fingerprint()
    );
    assert_eq!(
        value["changes"][2],
        json!({
            "kind": "changed",
            "section": "item",
            "path": "roles[2].items[0].weight",
            "role": "purchasing_manager",
            "item": "on_time_supply_rate",
            "id": null,
            "field": "weight",
            "before": "50",
            "after": "60",
            "message": "roles[2] purchasing_manager (采购经理): item on_time_supply_rate (供货及时率) weight 50 → 60",
        })
    );
    let description = &diff.changes[1];
    assert_eq!(description.section, Section::Plan);
    assert!(
        description
            .after
            .as_ref()
            .unwrap()
            .as_str()
            .unwrap()
            .contains("采购经理供货及时率权重50→60")
    );
}

#[test]
fn a_plan_compared_with_itself_or_its_toml_form_has_no_changes() {
    let jan = plan(JAN);
    assert!(diff_plans(&jan, &jan).is_empty());
    let toml = toml::to_string(&jan).unwrap();
    let from_toml = Plan::from_toml(&toml).unwrap();
    let diff = diff_plans(&jan, &from_toml);
    assert!(diff.is_empty(), "{diff}");
}

#[test]
fn the_reverse_diff_mirrors_the_forward_one() {
    let forward = diff_plans(&plan(JAN), &plan(JUN));
    let backward = diff_plans(&plan(JUN), &plan(JAN));
    assert_eq!(forward.changes.len(), backward.changes.len());
    for (f, b) in forward.changes.iter().zip(&backward.changes) {
        assert_eq!((f.kind, &f.path), (ChangeKind::Changed, &b.path));
        assert_eq!((&f.before, &f.after), (&b.after, &b.before));
    }
}

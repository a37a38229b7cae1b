#!/usr/bin/env python3
"""Writes ../company-a-2022.json, the example's full-chain, versioned plan.

It reads the three hand-written versions (plan.json, plan-2022-03.json, plan-2022-06.json),
measures.json and records/schemas.json, and extends every version the same way: the time
zone, the record sets, the measures, the regional indicators, the org-unit sources, the
regional variants of the sales rep's scorecard and the target calibrations the derived
definitions need. Weights are never changed: they are the brief's, as the plan files have
them. Deterministic (standard-library Python 3.11): the same inputs give the same bytes.

    python3 examples/sales-company/chain/build_versions.py
"""

import copy
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
EXAMPLE = HERE.parent
OUT = EXAMPLE / "company-a-2022.json"

VERSIONS = [
    ("2022-01-01", "plan.json"),
    ("2022-03-01", "plan-2022-03.json"),
    ("2022-06-01", "plan-2022-06.json"),
]

NAME = "A公司全链路数字化考核方案(2022,取自业务记录)"

RECORD_SETS = [
    ("orders", "CRM 订单(2021–2022,含取消与待确认订单)"),
    ("deliveries", "ERP 采购到货单"),
    ("hr_events", "OA/HR 销售岗位招聘、到岗与离职事件"),
    ("followups", "CRM 客户跟进记录(拜访、电话、新签线下渠道)"),
]

# Descriptions rewritten where the derived definition (measures.json) differs from the
# hand-entered one the plan files describe.
DESCRIPTIONS = {
    "sales_growth_rate": "本月确认订单金额较上年同月的增长率(CRM);总经理按全公司(A公司)的订单计算",
    "team_sales_growth_rate": "所辖销售部门本月确认订单金额较上年同月的增长率(CRM,取部门的销售增长率)",
    "new_customers": "本月确认首单的新客户数(CRM,每个客户只计一次);销售总监为本部门合计",
    "repeat_purchase_rate": "本月确认订单中老客户订单(非首单)所占比例(CRM,按订单笔数);销售总监为本部门",
    "on_time_supply_rate": "约定到货时间在本月的采购单中,在约定时间后24小时内(含)到货的比例(ERP);采购经理为采购部全部采购单",
    "cost_reduction_rate": "议价节约金额 ÷ 目录价金额 × 100%(ERP);采购经理为采购部全部采购单",
    "order_processing_hours": "本月提交且已确认的订单,从提交到确认的平均小时数(CRM);运营经理按全公司订单",
    "hiring_fill_rate": "本月到岗人数 ÷ 本月新开销售岗位数 × 100%(OA/HR)",
    "support_satisfaction": "销售团队对支持部门的月度满意度调研均分(百分制,OA问卷);运营经理取销售中心的调研结果",
}

NEW_INDICATORS = [
    {"id": "online_sales_share", "name": "线上销售占比", "unit": "%", "direction": "higher_is_better",
     "description": "线上渠道确认金额 ÷ 全部确认金额 × 100%(CRM,南区区域考核)"},
    {"id": "offline_channels_opened", "name": "线下渠道拓展数量", "unit": "个", "direction": "higher_is_better",
     "description": "本月新签约的线下渠道(经销商)数量(CRM跟进记录,北区区域考核)"},
]

# Sources: which items are measured on an org unit rather than on the subject.
COMPANY = "A公司"
ITEM_SOURCES = {
    ("general_manager", "sales_growth_rate"): {"from": "unit", "unit": COMPANY},
    ("sales_director", "team_sales_growth_rate"): {"from": "unit", "indicator": "sales_growth_rate"},
    ("purchasing_manager", "on_time_supply_rate"): {"from": "unit", "unit": "采购部"},
    ("purchasing_manager", "cost_reduction_rate"): {"from": "unit", "unit": "采购部"},
    ("operations_manager", "order_processing_hours"): {"from": "unit", "unit": COMPANY},
    ("operations_manager", "support_satisfaction"): {"from": "unit", "unit": "销售中心"},
}
ROLE_SOURCES = {
    # The sales director is measured on their own department: every item reads the unit.
    "sales_director": {"from": "unit"},
}

# Calibrations (see the README): (role, indicator) -> the fields replaced.
CALIBRATIONS = {
    # Derived as a share of orders, the repeat-purchase rate is about 75 %, not about 30 %.
    ("sales_rep", "repeat_purchase_rate"): {"target": 75},
    ("sales_director", "repeat_purchase_rate"): {"threshold": 60, "target": 75, "stretch": 85},
    # A department's new customers are 26–36 a month, not the hand-entered 41–58.
    ("sales_director", "new_customers"): {"target": 30},
}

ONLINE_SHARE_ITEM = {
    "indicator": "online_sales_share", "weight": 40, "threshold": 35, "target": 50, "stretch": 65,
    "rule": {"type": "linear", "floor_score": 0, "target_score": 100, "stretch_score": 120},
}
CHANNELS_ITEM = {
    "indicator": "offline_channels_opened", "weight": 40,
    "rule": {"type": "lookup", "over": "actual", "rows": [
        {"min": 4, "score": 120, "label": "超额拓展"},
        {"min": 3, "max": 3, "score": 110, "label": "超出目标"},
        {"min": 2, "max": 2, "score": 100, "label": "达标"},
        {"min": 1, "max": 1, "score": 60, "label": "部分达成"},
        {"max": 0, "score": 0, "label": "未拓展"},
    ], "default_score": 0},
}
# Regional weights: the brief's 40 for the regional indicator; the rest shrinks so that
# sales keeps the largest share of what is left.
VARIANT_WEIGHTS = {"sales_amount": 40, "repeat_purchase_rate": 10, "new_customers": 10}


def load(name):
    with open(EXAMPLE / name, encoding="utf-8") as f:
        return json.load(f)


def measures():
    return {m["indicator"]: m["measure"] for m in load("measures.json")}


def record_sets():
    schemas = load("records/schemas.json")
    out = []
    for name, description in RECORD_SETS:
        fields = []
        for f in schemas[name]:
            field = {"name": f["name"], "kind": f["kind"]}
            if f.get("optional"):
                field["optional"] = True
            fields.append(field)
        out.append({"name": name, "description": description, "fields": fields})
    assert sorted(schemas) == sorted(n for n, _ in RECORD_SETS)
    return out


def with_key(obj, after, key, value):
    """A copy of dict `obj` with `key` inserted right after `after` (key order is kept)."""
    out = {}
    for k, v in obj.items():
        if k != key:
            out[k] = v
        if k == after:
            out[key] = value
    if key not in out:
        out[key] = value
    return out


def extend(plan, derived, used):
    plan = copy.deepcopy(plan)
    out = {}
    for k, v in plan.items():
        out[k] = v
        if k == "missing_data":
            out["time_zone"] = "+08:00"
            out["records"] = record_sets()
    plan = out

    indicators = []
    for ind in plan["indicators"]:
        ind = dict(ind)
        if ind["id"] in DESCRIPTIONS:
            ind["description"] = DESCRIPTIONS[ind["id"]]
        if ind["id"] in derived:
            ind["measure"] = derived[ind["id"]]
            used.add(ind["id"])
        indicators.append(ind)
        if ind["id"] == "sales_amount":
            for new in NEW_INDICATORS:
                new = dict(new)
                new["measure"] = derived[new["id"]]
                used.add(new["id"])
                indicators.append(new)
    plan["indicators"] = indicators

    for role in plan["roles"]:
        rid = role["id"]
        for i, item in enumerate(role["items"]):
            for k, v in CALIBRATIONS.get((rid, item["indicator"]), {}).items():
                assert k in item, (rid, item["indicator"], k)
                item[k] = v
            src = ITEM_SOURCES.get((rid, item["indicator"]))
            if src is not None:
                role["items"][i] = with_key(item, "rule", "source", src)
        if rid in ROLE_SOURCES:
            role_out = {}
            for k, v in role.items():
                if k == "items":
                    role_out["source"] = ROLE_SOURCES[rid]
                role_out[k] = v
            role.clear()
            role.update(role_out)
        if rid == "sales_rep":
            role["variants"] = rep_variants(role["items"])
    return plan


def rep_variants(items):
    def card(regional):
        out = []
        for item in items:
            item = copy.deepcopy(item)
            item["weight"] = VARIANT_WEIGHTS[item["indicator"]]
            out.append(item)
        out.insert(1, copy.deepcopy(regional))
        assert sum(i["weight"] for i in out) == 100
        return out

    return [
        {"id": "south", "name": "南区销售代表", "region": "south", "items": card(ONLINE_SHARE_ITEM)},
        {"id": "north", "name": "北区销售代表", "region": "north", "items": card(CHANNELS_ITEM)},
    ]


def render(value, indent=0, width=110):
    """JSON with small containers on one line, like the hand-written plan files."""
    flat = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if not isinstance(value, (dict, list)) or len(flat) + indent <= width:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        body = ",\n".join(
            f"{pad}{json.dumps(k, ensure_ascii=False)}: {render(v, indent + 2, width)}" for k, v in value.items()
        )
        return "{\n" + body + "\n" + " " * indent + "}"
    body = ",\n".join(pad + render(v, indent + 2, width) for v in value)
    return "[\n" + body + "\n" + " " * indent + "]"


def main():
    derived = measures()
    versions = []
    for effective_from, name in VERSIONS:
        plan = load(name)
        assert plan["effective_from"] == effective_from, name
        used = set()
        versions.append({"effective_from": effective_from, "plan": extend(plan, derived, used)})
        assert used == set(derived), sorted(set(derived) - used)
    doc = {"id": "company-a-2022", "name": NAME, "span": "period_start", "versions": versions}
    OUT.write_text(render(doc) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Actuals derived from raw business records; org units, scorecard variants and item sources.

The records, units and assignments below are given as plain rows and as pandas, polars and
pyarrow frames (typed and all-text columns); every form must give the same evaluation, string
for string, as the core's JSON entry (``Plan.evaluate``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import kpichain

from conftest import SALES

TZ = timezone(timedelta(hours=8))

PLAN: dict[str, Any] = {
    "id": "chain",
    "version": "1",
    "time_zone": "+08:00",
    "records": [
        {
            "name": "orders",
            "description": "CRM 订单",
            "fields": [
                {"name": "rep", "kind": "text"},
                {"name": "amount", "kind": "decimal"},
                {"name": "confirmed_at", "kind": "timestamp"},
                {"name": "booked_on", "kind": "date", "optional": True},
                {"name": "vip", "kind": "boolean", "optional": True},
            ],
        }
    ],
    "indicators": [
        {
            "id": "sales",
            "name": "销售额",
            "measure": {
                "records": "orders",
                "subject": "rep",
                "time": "confirmed_at",
                "value": {"type": "sum", "field": "amount"},
                "scale": 2,
            },
        },
        {
            "id": "vip_orders",
            "name": "VIP 订单数",
            "measure": {
                "records": "orders",
                "subject": "rep",
                "time": "confirmed_at",
                "filter": [{"field": "vip", "op": "eq", "value": True}],
                "value": {"type": "count"},
            },
        },
        {"id": "team_total", "name": "团队平均得分"},
    ],
    "roles": [
        {
            "id": "rep",
            "name": "销售代表",
            "items": [
                {"indicator": "sales", "weight": 80, "target": 100, "rule": {"type": "ratio", "cap": 150}},
                {"indicator": "vip_orders", "weight": 20, "target": 1, "rule": {"type": "ratio", "cap": 150}},
            ],
            "variants": [
                {
                    "id": "south",
                    "name": "南区销售代表",
                    "region": "south",
                    "items": [{"indicator": "sales", "weight": 100, "target": 50, "rule": {"type": "ratio", "cap": 150}}],
                }
            ],
        },
        {
            "id": "director",
            "name": "销售总监",
            "items": [
                {
                    "indicator": "sales",
                    "weight": 50,
                    "target": 40,
                    "rule": {"type": "ratio", "cap": 150},
                    "source": {"from": "unit"},
                },
                {
                    "id": "team",
                    "indicator": "team_total",
                    "weight": 50,
                    "target": 100,
                    "rule": {"type": "ratio", "cap": 150},
                    "source": {"from": "role", "role": "rep", "value": "total", "aggregate": "avg", "scope": "team"},
                },
            ],
        },
    ],
    "grades": [
        {"grade": "A", "min": 100, "coefficient": "1.2"},
        {"grade": "B", "min": 60, "coefficient": "1.0"},
        {"grade": "C", "coefficient": "0.5"},
    ],
}

UNITS: list[dict[str, Any]] = [
    {"id": "销售部", "name": "销售部"},
    {"id": "南区", "name": "南区销售部", "parent": "销售部", "region": "south"},
    {"id": "北区", "name": "北区销售部", "parent": "销售部", "region": "north"},
]

ASSIGNMENTS: list[dict[str, Any]] = [
    {"subject": "D1", "role": "director", "name": "李明辉", "unit": "南区", "manager": None},
    {"subject": "E1", "role": "rep", "name": "张伟", "unit": "南区", "manager": "D1"},
    {"subject": "E2", "role": "rep", "name": "王磊", "unit": "北区", "manager": "D1"},
    {"subject": "E3", "role": "rep", "name": "刘洋", "unit": "北区"},
]

# Local times are wall time in the plan's +08:00; "Z" times are instants.
ORDERS: list[dict[str, Any]] = [
    {"rep": "E1", "amount": "30.5", "confirmed_at": "2022-03-01 00:00:00", "booked_on": "2022-02-28", "vip": True},
    {"rep": "E1", "amount": "20", "confirmed_at": "2022-02-28T16:00:00Z", "booked_on": None, "vip": False},
    {"rep": "E1", "amount": "999", "confirmed_at": "2022-02-28 23:59:59", "booked_on": "2022-02-27", "vip": True},
    {"rep": "E2", "amount": "90.25", "confirmed_at": "2022-03-31 23:59:59", "booked_on": None, "vip": None},
    {"rep": "E2", "amount": "1000", "confirmed_at": "2022-04-01 00:00:00", "booked_on": "2022-03-30", "vip": True},
    {"rep": "E3", "amount": "12.5", "confirmed_at": "2022-03-15 12:00:00", "booked_on": "2022-03-15", "vip": True},
]


def instant(text: str) -> datetime:
    if text.endswith("Z"):
        return datetime.fromisoformat(text[:-1] + "+00:00")
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def wall(text: str) -> datetime:
    """The wall time in the plan's time zone, without a zone."""
    return instant(text).astimezone(TZ).replace(tzinfo=None)


def day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def col(name: str, orders: list[dict[str, Any]] = ORDERS) -> list[Any]:
    return [o[name] for o in orders]


@pytest.fixture
def plan() -> kpichain.Plan:
    return kpichain.Plan.from_dict(PLAN)


def plan_with(**changes: Any) -> kpichain.Plan:
    p = copy.deepcopy(PLAN)
    p.update(changes)
    return kpichain.Plan.from_dict(p)


def reference(plan: kpichain.Plan, orders: list[dict[str, Any]] = ORDERS) -> kpichain.Evaluation:
    return plan.evaluate(
        {"period": "2022-03", "assignments": ASSIGNMENTS, "units": UNITS, "records": {"orders": orders}}
    )


# ---- every form of input gives the same evaluation ---------------------------------------------


def order_forms() -> dict[str, Any]:
    rows_typed = [
        {
            "rep": o["rep"],
            "amount": Decimal(o["amount"]),
            "confirmed_at": instant(o["confirmed_at"]) if o["confirmed_at"].endswith("Z") else wall(o["confirmed_at"]),
            "booked_on": day(o["booked_on"]),
            "vip": o["vip"],
        }
        for o in ORDERS
    ]
    return {
        "rows": ORDERS,
        "rows-python-objects": rows_typed,
        "rows-tuples": [tuple(o.values()) for o in ORDERS],
        "pandas-naive": pd.DataFrame(
            {
                "rep": col("rep"),
                "amount": [float(a) for a in col("amount")],
                "confirmed_at": pd.to_datetime([wall(t) for t in col("confirmed_at")]),
                "booked_on": [day(d) for d in col("booked_on")],
                "vip": pd.array(col("vip"), dtype="boolean"),
            }
        ),
        "pandas-aware": pd.DataFrame(
            {
                "rep": pd.Categorical(col("rep")),
                "amount": [Decimal(a) for a in col("amount")],
                "confirmed_at": pd.to_datetime([instant(t) for t in col("confirmed_at")], utc=True).tz_convert(
                    "Asia/Shanghai"
                ),
                "booked_on": col("booked_on"),
                "vip": pd.array(col("vip"), dtype="boolean"),
            }
        ),
        "polars": pl.DataFrame(
            {
                "rep": pl.Series(col("rep"), dtype=pl.Categorical),
                "amount": pl.Series([Decimal(a) for a in col("amount")], dtype=pl.Decimal(10, 2)),
                "confirmed_at": pl.Series([wall(t) for t in col("confirmed_at")], dtype=pl.Datetime("ns")),
                "booked_on": pl.Series([day(d) for d in col("booked_on")], dtype=pl.Date),
                "vip": pl.Series(col("vip"), dtype=pl.Boolean),
            }
        ),
        "pyarrow-text": pa.table(text_columns(ORDERS)),
        "pyarrow-typed": pa.table(
            {
                "rep": pa.array(col("rep")).dictionary_encode(),
                "amount": pa.array([Decimal(a) for a in col("amount")], pa.decimal128(12, 3)),
                "confirmed_at": pa.array([instant(t) for t in col("confirmed_at")], pa.timestamp("ms", tz="UTC")),
                "booked_on": pa.array([day(d) for d in col("booked_on")], pa.date64()),
                "vip": pa.array(col("vip"), pa.bool_()),
                "note": pa.array(["undeclared columns are ignored"] * len(ORDERS)),
            }
        ),
        "pyarrow-reader": pa.table({k: pa.array(col(k), pa.string()) for k in ["rep", "amount", "confirmed_at"]}).to_reader(),
    }


def unit_forms() -> dict[str, Any]:
    frame = pd.DataFrame(UNITS)
    return {
        "rows": UNITS,
        "tuples": [(u["id"], u["name"], u.get("parent"), u.get("region")) for u in UNITS],
        "pandas": frame,
        "polars": pl.from_pandas(frame),
        "pyarrow": pa.table(frame),
    }


def test_records_and_units_from_every_source_agree(plan: kpichain.Plan) -> None:
    expected = reference(plan).to_json()
    assignments = {
        "rows": ASSIGNMENTS,
        "pandas": pd.DataFrame(ASSIGNMENTS),
        "polars": pl.DataFrame(ASSIGNMENTS),
        "pyarrow": pa.Table.from_pylist(ASSIGNMENTS),
    }
    units = unit_forms()
    checked = 0
    for name, orders in order_forms().items():
        for aname, a in assignments.items():
            for uname, u in units.items():
                if name == "pyarrow-reader":  # a reader is consumed once
                    if (aname, uname) != ("rows", "rows"):
                        continue
                ev = plan.score(a, period="2022-03", units=u, records={"orders": orders})
                got = ev.to_json()
                if name == "pyarrow-reader":
                    # booked_on and vip are optional: no VIP orders without the column.
                    assert ev["E3"].item("vip_orders").actual == Decimal(0)
                    continue
                assert got == expected, (name, aname, uname)
                checked += 1
    assert checked == 8 * 4 * 5


def test_the_derived_actuals_are_right(plan: kpichain.Plan) -> None:
    ev = plan.score(ASSIGNMENTS, period="2022-03", units=UNITS, records={"orders": ORDERS})
    # E1: 30.5 at local midnight on 1 March and 20 at 16:00Z on 28 February (the same instant)
    # are in March; 999 one second before midnight is not.
    assert ev["E1"].item("sales").actual == Decimal("50.50")
    assert ev["E2"].item("sales").actual == Decimal("90.25")  # 1000 on 1 April is not
    assert ev["E2"].item("vip_orders").actual == Decimal(0)
    assert ev["E3"].item("vip_orders").actual == Decimal(1)
    d = ev.derivation
    assert d is not None
    assert d["period"] == "2022-03" and d["time_zone"] == "+08:00"
    assert d["record_sets"] == [{"name": "orders", "records_read": 6, "records": 6, "bad_records": 0}]
    assert [(m["indicator"], m["actuals"]) for m in d["measures"]] == [("sales", 3), ("vip_orders", 3)]
    supplied = [(s, i, 1) for s in ("E1", "E2", "E3") for i in ("sales", "vip_orders")]
    assert plan.score(ASSIGNMENTS[1:], supplied, units=UNITS).derivation is None


def test_naive_and_zoned_timestamps(plan: kpichain.Plan) -> None:
    # One record on each side of local midnight, 1 March 2022 (+08:00) = 16:00Z on 28 February.
    local = [datetime(2022, 2, 28, 23, 59, 59), datetime(2022, 3, 1, 0, 0, 0)]
    utc = [datetime(2022, 2, 28, 15, 59, 59, tzinfo=timezone.utc), datetime(2022, 2, 28, 16, 0, 0, tzinfo=timezone.utc)]
    new_york = timezone(timedelta(hours=-5))

    def frame(times: list[datetime], ty: pa.DataType) -> pa.Table:
        return pa.table({"rep": ["E1", "E1"], "amount": [1, 2], "confirmed_at": pa.array(times, ty)})

    forms: dict[str, Any] = {
        "naive-us": frame(local, pa.timestamp("us")),
        "naive-s": frame(local, pa.timestamp("s")),
        "utc-ns": frame(utc, pa.timestamp("ns", tz="UTC")),
        "new-york-ms": frame([t.astimezone(new_york) for t in utc], pa.timestamp("ms", tz="America/New_York")),
        "pandas-naive": pd.DataFrame({"rep": ["E1", "E1"], "amount": [1, 2], "confirmed_at": local}),
        "pandas-aware": pd.DataFrame({"rep": ["E1", "E1"], "amount": [1, 2], "confirmed_at": pd.to_datetime(utc, utc=True)}),
        "polars-naive": pl.DataFrame({"rep": ["E1", "E1"], "amount": [1, 2], "confirmed_at": local}),
        "polars-aware": pl.DataFrame({"rep": ["E1", "E1"], "amount": [1, 2], "confirmed_at": utc}).with_columns(
            pl.col("confirmed_at").dt.convert_time_zone("Asia/Tokyo")
        ),
        "rows-naive": [{"rep": "E1", "amount": a, "confirmed_at": t} for a, t in zip([1, 2], local)],
        "rows-aware": [{"rep": "E1", "amount": a, "confirmed_at": t.astimezone(new_york)} for a, t in zip([1, 2], utc)],
        "text": [{"rep": "E1", "amount": a, "confirmed_at": t} for a, t in zip([1, 2], ["2022-02-28 23:59:59", "2022-02-28T16:00:00Z"])],
    }
    for name, orders in forms.items():
        ev = plan.score([{"subject": "E1", "role": "rep", "region": "south"}], period="2022-03", records={"orders": orders})
        assert ev["E1"].item("sales").actual == Decimal("2.00"), name
        feb = plan.score([{"subject": "E1", "role": "rep", "region": "south"}], period="2022-02", records={"orders": orders})
        assert feb["E1"].item("sales").actual == Decimal("1.00"), name


def test_date_fields_from_every_form() -> None:
    p = copy.deepcopy(PLAN)
    p["indicators"].append(
        {
            "id": "bookings",
            "name": "下单数",
            "measure": {"records": "orders", "subject": "rep", "time": "booked_on", "value": {"type": "count"}},
        }
    )
    p["roles"] = [
        {
            "id": "rep",
            "name": "销售代表",
            "items": [{"indicator": "bookings", "weight": 100, "target": 2, "rule": {"type": "ratio", "cap": 150}}],
        }
    ]
    plan = kpichain.Plan.from_dict(p)
    # Dates are calendar days, without a time zone: two of these are in March.
    days = [date(2022, 2, 28), date(2022, 3, 1), date(2022, 3, 31), None, date(2022, 4, 1)]
    base: dict[str, list[Any]] = {"rep": ["E1"] * 5, "amount": [1] * 5, "confirmed_at": ["2022-03-02 10:00"] * 5}
    forms: dict[str, Any] = {
        "rows": [{"rep": "E1", "amount": 1, "confirmed_at": "2022-03-02 10:00", "booked_on": d} for d in days],
        "text": pa.table(dict(base, booked_on=[None if d is None else d.isoformat() for d in days])),
        "date32": pa.table(dict(base, booked_on=pa.array(days, pa.date32()))),
        "date64": pa.table(dict(base, booked_on=pa.array(days, pa.date64()))),
        "pandas": pd.DataFrame(dict(base, booked_on=days)),
        "polars": pl.DataFrame(dict(base, booked_on=days)),
    }
    for name, orders in forms.items():
        ev = plan.score([{"subject": "E1", "role": "rep"}], period="2022-03", records={"orders": orders})
        assert ev["E1"].item("bookings").actual == Decimal(2), name


# ---- variants, sources, role links -------------------------------------------------------------


def test_variants_sources_and_role_links_are_visible(plan: kpichain.Plan) -> None:
    ev = plan.score(pd.DataFrame(ASSIGNMENTS), period="2022-03", units=pd.DataFrame(UNITS), records={"orders": ORDERS})
    e1, e2, d1 = ev["E1"], ev["E2"], ev["D1"]
    # E1's unit is in the south: the south variant of the rep scorecard (one item, target 50).
    assert e1.variant == "south" and [i.item for i in e1.items] == ["sales"]
    assert e1.total == Decimal("101.00")
    assert e2.variant is None and [i.item for i in e2.items] == ["sales", "vip_orders"]
    # The director: the unit's sales (南区: E1's records) and the mean total of D1's team.
    assert d1.variant is None
    assert d1.sources == [
        {
            "item": "sales",
            "from": "unit",
            "id": "南区",
            "detail": "unit '南区', indicator 'sales': derived from the records of the unit's members",
        },
        {
            "item": "team",
            "from": "role",
            "id": "rep",
            "detail": "avg of the total of 2 subjects holding role 'rep' (scope team)",
        },
    ]
    assert d1.item("sales").actual == Decimal("50.50")
    assert d1.item("team").actual == (e1.total + e2.total) / 2  # E3 has no manager
    assert e1.sources == []
    text = d1.explain()
    assert "actual from unit '南区'" in text and "scope team" in text
    assert "variant" in e1.explain() or "南区销售代表" in e1.explain()
    assert d1.to_dict()["sources"][1]["from"] == "role"
    assert "variant" not in d1.to_dict() and e1.to_dict()["variant"] == "south"
    assert e1.explanation()["variant"] == "south"
    assert "source" in d1.explanation()["items"][0]
    assert "variant <code>south</code>" in e1._repr_html_()

    table = ev.to_pandas()
    assert list(table.columns[:5]) == ["subject", "name", "role", "variant", "unit"]
    assert table.set_index("subject")["variant"].fillna("-").to_dict() == {"D1": "-", "E1": "south", "E2": "-", "E3": "-"}
    items = ev.to_pandas(items=True)
    assert items[items.subject == "E1"]["variant"].tolist() == ["south"]
    assert ev.to_polars()["variant"].to_list() == [None, "south", None, None]
    assert ev.to_arrow().column("variant").to_pylist() == [None, "south", None, None]


def test_team_links_follow_the_manager_column(plan: kpichain.Plan) -> None:
    # Without managers, D1's team is empty: no actual for the team item.
    no_team = [dict(a, manager=None) for a in ASSIGNMENTS]
    p = plan_with(missing_data="zero")
    # (polars exports an all-None column as Arrow's null type: give it a type.)
    for form in (no_team, pd.DataFrame(no_team), pl.DataFrame(no_team, schema_overrides={"manager": pl.String})):
        ev = p.score(form, period="2022-03", units=UNITS, records={"orders": ORDERS})
        assert ev["D1"].item("team").actual is None
        assert ev["D1"].item("team").status == "missing_zero"
    everyone = [dict(a, manager="D1") if a["role"] == "rep" else a for a in ASSIGNMENTS]
    ev = p.score(pa.Table.from_pylist(everyone), period="2022-03", units=UNITS, records={"orders": ORDERS})
    totals = sum((ev[s].total for s in ("E1", "E2", "E3")), Decimal(0))
    team = ev["D1"].item("team").actual
    assert team is not None and abs(team - totals / 3) < Decimal("1e-25")


def test_a_unit_derived_from_several_members_sums_them(plan: kpichain.Plan) -> None:
    assignments = [dict(ASSIGNMENTS[0], unit="北区"), *ASSIGNMENTS[1:]]
    ev = plan.score(assignments, period="2022-03", units=UNITS, records={"orders": ORDERS})
    assert ev["D1"].item("sales").actual == Decimal("102.75")  # E2 90.25 + E3 12.5


# ---- bad records -------------------------------------------------------------------------------

BAD_ORDERS: list[dict[str, Any]] = [
    *ORDERS,
    {"rep": "E1", "amount": None, "confirmed_at": "2022-03-02 10:00"},
    {"rep": "E2", "amount": "12,5", "confirmed_at": "yesterday", "vip": "maybe"},
    {"rep": "E3", "amount": "1", "confirmed_at": "2022-03-02 10:00", "booked_on": "2022-02-30"},
]
BAD = [
    ("missing_value", "records.orders[6].amount"),
    ("bad_value", "records.orders[7].amount"),
    ("bad_value", "records.orders[7].confirmed_at"),
    ("bad_value", "records.orders[7].vip"),
    ("bad_value", "records.orders[8].booked_on"),
]


def text_columns(rows: list[dict[str, Any]]) -> dict[str, list[str | None]]:
    """The rows as columns of text (None stays missing), as a CSV reader would give them."""
    def text(v: Any) -> str | None:
        return None if v is None else str(v).lower() if isinstance(v, bool) else str(v)

    return {k: [text(r.get(k)) for r in rows] for k in rows[0]}


def bad_forms() -> dict[str, Any]:
    columns = text_columns(BAD_ORDERS)
    return {
        "rows": BAD_ORDERS,
        "pandas": pd.DataFrame(columns, dtype="string"),
        "polars": pl.DataFrame(columns),
        "pyarrow": pa.table(columns),
        "pyarrow-typed-where-possible": pa.table(dict(columns, rep=pa.array(columns["rep"]).dictionary_encode())),
    }


def test_bad_records_stop_the_evaluation_by_default(plan: kpichain.Plan) -> None:
    for name, orders in bad_forms().items():
        with pytest.raises(kpichain.InputError) as info:
            plan.score(ASSIGNMENTS, period="2022-03", units=UNITS, records={"orders": orders})
        assert [(e["code"], e["path"]) for e in info.value.errors] == BAD, name
        first = info.value.errors[0]["message"]
        assert "field 'amount'" in first and "required" in first, first
        assert '"12,5"' in info.value.errors[1]["message"]
    with pytest.raises(kpichain.InputError) as info:
        reference(plan, BAD_ORDERS)
    assert [(e["code"], e["path"]) for e in info.value.errors] == BAD


def test_bad_records_are_skipped_and_counted_under_skip() -> None:
    plan = plan_with(bad_records="skip")
    expected = reference(plan, BAD_ORDERS)
    assert expected.to_json() == reference(plan).to_json().replace(
        '"records_read":6,"records":6,"bad_records":0}]',
        '"records_read":9,"records":6,"bad_records":3}],"bad_records":'
        + json.dumps(expected.to_dict()["derivation"]["bad_records"], ensure_ascii=False, separators=(",", ":")),
    )
    for name, orders in bad_forms().items():
        ev = plan.score(ASSIGNMENTS, period="2022-03", units=UNITS, records={"orders": orders})
        assert ev.to_json() == expected.to_json(), name
        d = ev.derivation
        assert d is not None
        assert d["record_sets"] == [{"name": "orders", "records_read": 9, "records": 6, "bad_records": 3}]
        assert [b["row"] for b in d["bad_records"]] == [6, 7, 8]
        assert [p["field"] for p in d["bad_records"][1]["problems"]] == ["amount", "confirmed_at", "vip"]
        assert "source" not in d["bad_records"][0]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), Decimal("NaN")])
def test_nan_and_infinity_are_bad_decimal_values(plan: kpichain.Plan, value: Any) -> None:
    orders = [*ORDERS[:3], dict(ORDERS[3], amount=value), *ORDERS[4:]]
    as_float = float(value)
    forms: dict[str, Any] = {
        "rows": orders,
        "polars": pl.DataFrame({"rep": col("rep"), "amount": [float(a) if i != 3 else as_float for i, a in enumerate(col("amount"))], "confirmed_at": col("confirmed_at")}),
        "pyarrow-f32": pa.table(
            {"rep": col("rep"), "amount": pa.array([float(a) if i != 3 else as_float for i, a in enumerate(col("amount"))], pa.float32()), "confirmed_at": col("confirmed_at")}
        ),
    }
    for name, form in forms.items():
        with pytest.raises(kpichain.InputError) as info:
            plan.score(ASSIGNMENTS, period="2022-03", units=UNITS, records={"orders": form})
        [e] = info.value.errors
        assert (e["code"], e["path"]) == ("bad_value", "records.orders[3].amount"), name
        assert "NaN" in e["message"] or "infinite" in e["message"], e["message"]
        ev = plan_with(bad_records="skip", missing_data="zero").score(
            ASSIGNMENTS, period="2022-03", units=UNITS, records={"orders": form}
        )
        assert ev.derivation is not None and ev.derivation["record_sets"][0]["bad_records"] == 1, name
        assert ev["E2"].item("sales").actual is None  # its only March order was bad


def test_pandas_nan_is_a_missing_value(plan: kpichain.Plan) -> None:
    # pandas marks missing floats with NaN; exported to Arrow they are nulls.
    frame = pd.DataFrame({"rep": col("rep"), "amount": [float(a) for a in col("amount")], "confirmed_at": col("confirmed_at")})
    frame.loc[3, "amount"] = float("nan")
    with pytest.raises(kpichain.InputError) as info:
        plan.score(ASSIGNMENTS, period="2022-03", units=UNITS, records={"orders": frame})
    assert [(e["code"], e["path"]) for e in info.value.errors] == [("missing_value", "records.orders[3].amount")]


# ---- structural problems -----------------------------------------------------------------------


def codes(call: Callable[[], object]) -> list[tuple[str, str]]:
    with pytest.raises(kpichain.InputError) as info:
        call()
    return [(e["code"], e["path"]) for e in info.value.errors]


def test_unknown_record_sets_and_bad_shapes(plan: kpichain.Plan) -> None:
    def score(records: Any, **kw: Any) -> Callable[[], object]:
        return lambda: plan.score(ASSIGNMENTS, period="2022-03", units=UNITS, records=records, **kw)

    assert codes(score({"refunds": [], "orders": ORDERS})) == [("unknown_record_set", "records.refunds")]
    assert codes(score({"refunds": pd.DataFrame({"x": [1]})})) == [("unknown_record_set", "records.refunds")]
    with pytest.raises(kpichain.InputError, match="it declares orders"):
        score({"refunds": []})()
    assert codes(score([ORDERS])) == [("invalid_type", "records")]
    assert codes(score({"orders": "orders.csv"})) == [("invalid_type", "records.orders")]
    assert codes(score({"orders": [ORDERS[0], 42]})) == [("invalid_row", "records.orders[1]")]
    assert codes(score({"orders": [dict(ORDERS[0], amount=[1, 2])]})) == [("bad_value", "records.orders[0].amount")]
    assert codes(score({"orders": [dict(ORDERS[0], amount={1})]})) == [("bad_value", "records.orders[0].amount")]
    # NaN in a text field makes a bad record, like any bad cell.
    assert codes(score({"orders": [dict(ORDERS[0], rep=float("nan"))]})) == [("bad_value", "records.orders[0].rep")]
    # A tuple with too few cells is a bad record like any other.
    assert codes(score({"orders": [("E1", "1")]})) == [("wrong_cell_count", "records.orders[0]")]
    # Frames: a missing required column, a column of the wrong type.
    no_amount = pa.table({"rep": ["E1"], "confirmed_at": ["2022-03-01 10:00"]})
    assert codes(score({"orders": no_amount})) == [("missing_column", "records.orders.amount")]
    wrong = pa.table({"rep": ["E1"], "amount": [1], "confirmed_at": [20220301], "vip": [1]})
    assert codes(score({"orders": wrong})) == [
        ("unsupported_column_type", "records.orders.confirmed_at"),
        ("unsupported_column_type", "records.orders.vip"),
    ]
    with pytest.raises(kpichain.InputError, match="declared timestamp, but its column has type Int64"):
        score({"orders": wrong})()
    # A date column is not a timestamp; a timestamp column is not a date.
    dates = pa.table({"rep": ["E1"], "amount": [1], "confirmed_at": [date(2022, 3, 1)]})
    assert codes(score({"orders": dates})) == [("unsupported_column_type", "records.orders.confirmed_at")]
    # An all-null column of any type is a column of missing values.
    empty = pa.table({"rep": ["E1"], "amount": [1], "confirmed_at": ["2022-03-01 10:00"], "vip": pa.array([None], pa.float64())})
    ev = plan_with(missing_data="zero").score(ASSIGNMENTS, period="2022-03", units=UNITS, records={"orders": empty})
    assert ev["E1"].item("sales").actual == Decimal("1.00")
    # Without a period there is nothing to derive for.
    assert codes(lambda: plan.score(ASSIGNMENTS, units=UNITS, records={"orders": ORDERS})) == [("missing_period", "period")]


def test_unit_problems(plan: kpichain.Plan) -> None:
    def score(units: Any) -> Callable[[], object]:
        return lambda: plan.score(ASSIGNMENTS, period="2022-03", units=units, records={"orders": ORDERS})

    assert codes(score([*UNITS, {"id": "东区", "parnet": "销售部"}])) == [("unknown_field", "units[3].parnet")]
    assert codes(score([*UNITS, {"name": "东区"}])) == [("missing_field", "units[3].id")]
    assert codes(score([*UNITS, 42])) == [("invalid_row", "units[3]")]
    assert codes(score(pd.DataFrame(UNITS).rename(columns={"parent": "parnet"}))) == [("unknown_column", "units.parnet")]
    assert codes(score(pd.DataFrame(UNITS).drop(columns="id"))) == [("missing_column", "units.id")]
    # The core checks the tree: an assignment's unit must be one of the units.
    assert codes(score(UNITS[:2])) == [("unknown_unit", "assignments[2].unit"), ("unknown_unit", "assignments[3].unit")]


# ---- the sales-company example -----------------------------------------------------------------


def sales_company_plan() -> dict[str, Any]:
    plan: dict[str, Any] = json.loads((SALES / "plan.json").read_text(encoding="utf-8"))
    measures = json.loads((SALES / "measures.json").read_text(encoding="utf-8"))
    schemas = json.loads((SALES / "records" / "schemas.json").read_text(encoding="utf-8"))
    by_indicator = {m["indicator"]: m["measure"] for m in measures}
    for indicator in plan["indicators"]:
        if indicator["id"] in by_indicator:
            indicator["measure"] = by_indicator[indicator["id"]]
    plan["records"] = [{"name": name, "fields": fields} for name, fields in schemas.items()]
    plan["time_zone"] = "+08:00"
    return plan


def test_sales_company_march_2022_from_the_record_files() -> None:
    plan = kpichain.Plan.from_dict(sales_company_plan())
    names = ["orders", "deliveries", "hr_events", "followups"]
    frames = {n: pd.read_csv(SALES / "records" / f"{n}.csv") for n in names}
    text = {n: pd.read_csv(SALES / "records" / f"{n}.csv", dtype=str, keep_default_na=False) for n in names}
    assignments = pd.read_csv(SALES / "assignments.csv")
    actuals = pd.read_csv(SALES / "actuals-2022.csv", dtype={"value": str})
    actuals = actuals[actuals.period == "2022-03"].drop(columns="period")
    units = pd.read_csv(SALES / "units.csv")

    ev = plan.score(assignments, actuals, period="2022-03", units=units, records=frames)
    # The same records as text cells (exactly what the files say), as rows, and through the
    # core's JSON entry give the same evaluation.
    by_text = plan.score(assignments, actuals, period="2022-03", units=units, records=text)
    by_rows = plan.score(assignments, actuals, period="2022-03", units=units, records={n: f.to_dict("records") for n, f in text.items()})
    assert by_text.to_json() == by_rows.to_json() == ev.to_json()
    by_json = plan.evaluate(
        {
            "period": "2022-03",
            "assignments": json.loads(assignments.to_json(orient="records")),
            "actuals": actuals.to_dict("records"),
            "units": json.loads(units.to_json(orient="records")),
            "records": {n: f.to_dict("records") for n, f in text.items()},
        }
    )
    assert [(r.subject, r.total, r.grade) for r in by_json] == [(r.subject, r.total, r.grade) for r in ev]

    d = ev.derivation
    assert d is not None
    lines = {n: sum(1 for _ in open(SALES / "records" / f"{n}.csv", encoding="utf-8")) - 1 for n in names}
    assert {s["name"]: (s["records_read"], s["bad_records"]) for s in d["record_sets"]} == {n: (lines[n], 0) for n in names}
    assert "bad_records" not in d
    # Every sales rep's sales, customers and repeat rate come from the orders of March 2022.
    reps = [r for r in ev if r.role == "sales_rep"]
    assert len(reps) == 14
    for r in reps:
        for item in ("sales_amount", "new_customers", "repeat_purchase_rate"):
            assert r.item(item).status == "scored" and r.item(item).actual is not None, (r.subject, item)
    # ... and equal the sums of the file's confirmed orders (confirmed in March, +08:00).
    orders = text["orders"]
    march = orders[(orders.status == "confirmed") & orders.confirmed_at.str.startswith("2022-03")]
    for r in reps:
        own = sum((Decimal(a) for a in march[march.rep == r.subject].amount), Decimal(0))
        assert r.item("sales_amount").actual == own.quantize(Decimal("0.01")), r.subject
    buyers = [r for r in ev if r.role in ("purchasing_manager", "purchasing_staff")]
    assert all(r.item("on_time_supply_rate").actual is not None for r in buyers)
    assert ev["E006"].item("hiring_fill_rate").actual is not None
    assert len(ev.to_pandas()) == 27

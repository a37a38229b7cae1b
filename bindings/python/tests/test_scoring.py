"""Scoring from rows and from pandas / polars / pyarrow data frames, long and wide; results."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import kpichain

from conftest import SALES, SMALL_ACTUALS_LONG, SMALL_ASSIGNMENTS


def small_frames() -> dict[str, Any]:
    assignments = pd.DataFrame(SMALL_ASSIGNMENTS)
    long = pd.DataFrame(
        {
            "subject": [r[0] for r in SMALL_ACTUALS_LONG],
            "indicator": [r[1] for r in SMALL_ACTUALS_LONG],
            "value": [float(r[2]) for r in SMALL_ACTUALS_LONG],
        }
    )
    wide = pd.DataFrame(
        {
            "subject": ["E1", "E2", "E3"],
            "sales": [87.5, 130.0, float("nan")],
            "repeat": [35.0, float("nan"), float("nan")],
            "complaints": [float("nan"), float("nan"), 2.0],
        }
    )
    return {"assignments": assignments, "long": long, "wide": wide}


def test_rows_and_every_frame_library_agree(small_plan: kpichain.Plan) -> None:
    reference = small_plan.score(SMALL_ASSIGNMENTS, SMALL_ACTUALS_LONG, period="2024-01").to_json()
    f = small_frames()
    variants: dict[str, kpichain.Evaluation] = {}
    for layout in ("long", "wide"):
        actuals = f[layout]
        variants[f"pandas-{layout}"] = small_plan.score(f["assignments"], actuals, period="2024-01")
        variants[f"polars-{layout}"] = small_plan.score(
            pl.from_pandas(f["assignments"]), pl.from_pandas(actuals), period="2024-01"
        )
        variants[f"pyarrow-{layout}"] = small_plan.score(
            pa.table(f["assignments"]), pa.table(actuals), period="2024-01"
        )
        variants[f"reader-{layout}"] = small_plan.score(
            pa.table(f["assignments"]).to_reader(), pa.table(actuals).to_reader(), period="2024-01"
        )
    # Rows: long dicts, wide dicts, and one combined wide table holding assignments + actuals.
    variants["rows-long-dicts"] = small_plan.score(
        SMALL_ASSIGNMENTS,
        [{"subject": s, "indicator": i, "value": v} for s, i, v in SMALL_ACTUALS_LONG],
        period="2024-01",
    )
    variants["rows-wide-dicts"] = small_plan.score(
        SMALL_ASSIGNMENTS,
        [{"subject": "E1", "sales": "87.5", "repeat": 35}, {"subject": "E2", "sales": 130}, {"subject": "E3", "complaints": 2}],
        period="2024-01",
    )
    combined = f["assignments"].merge(f["wide"], on="subject")
    variants["pandas-combined"] = small_plan.score(combined, period="2024-01")
    variants["polars-combined"] = small_plan.score(pl.from_pandas(combined), period="2024-01")
    extra: list[dict[str, Any]] = [{"sales": "87.5", "repeat": 35}, {"sales": 130}, {"complaints": 2}]
    variants["rows-combined"] = small_plan.score(
        [{**a, **x} for a, x in zip(SMALL_ASSIGNMENTS, extra)],
        period="2024-01",
    )
    for name, ev in variants.items():
        assert ev.to_json() == reference, name


def test_decimal_columns_keep_their_scale(small_plan: kpichain.Plan) -> None:
    # An Arrow decimal column has one scale: 35 in a decimal(3, 1) column is 35.0. Values and
    # scores are the same; the actual is reported as given.
    long = pd.DataFrame(
        {
            "subject": [r[0] for r in SMALL_ACTUALS_LONG],
            "indicator": [r[1] for r in SMALL_ACTUALS_LONG],
            "value": [Decimal(str(r[2])) for r in SMALL_ACTUALS_LONG],
        }
    )
    ev = small_plan.score(SMALL_ASSIGNMENTS, long)
    assert str(ev["E1"].item("repeat").actual) == "35.0"
    reference = small_plan.score(SMALL_ASSIGNMENTS, SMALL_ACTUALS_LONG)
    assert [r.total for r in ev] == [r.total for r in reference]
    assert pa.table(long).schema.field("value").type == pa.decimal128(4, 1)


def test_result_objects(small_plan: kpichain.Plan) -> None:
    ev = small_plan.score(SMALL_ASSIGNMENTS, SMALL_ACTUALS_LONG, period="2024-01")
    assert len(ev) == 3 and ev.period == "2024-01" and ev.plan_id == "small" and ev.plan_version == "1"
    assert ev.plan_fingerprint == small_plan.fingerprint
    e1 = ev["E1"]
    assert e1 is not ev["E1"]  # cheap views, not cached objects
    assert ev[0].subject == "E1" and ev[-1].subject == "E3"
    assert [r.subject for r in ev] == ["E1", "E2", "E3"] == [r.subject for r in ev.results]
    assert "E2" in ev and "nobody" not in ev
    with pytest.raises(KeyError):
        ev["nobody"]
    with pytest.raises(IndexError):
        ev[3]
    # 87.5 / 100 → 87.50 × 60% = 52.5; repeat 35: linear 30 → 100, 50 → 120: 105.00 × 40% = 42
    assert e1.total == Decimal("94.50") and str(e1.total) == "94.50"
    assert isinstance(e1.total, Decimal) and isinstance(e1.coefficient, Decimal)
    assert e1.grade == "B" and e1.coefficient == Decimal("1.0")
    assert e1.payout == Decimal("10000.00") and ev["E2"].payout is None
    assert e1.name == "张伟" and e1.region == "south" and e1.unit is None and e1.role == "rep"
    sales = e1.items[0]
    assert (sales.item, sales.indicator, sales.rule, sales.status) == ("sales", "sales", "ratio", "scored")
    assert sales.actual == Decimal("87.5") and sales.target == Decimal("100")
    assert str(sales.achievement) == "87.50" and str(sales.score) == "87.50"
    assert sales.weight == 60 and sales.effective_weight == 60 and str(sales.weighted) == "52.5000"
    assert e1.item("repeat").score == Decimal("105.00")
    # E2 has no `repeat` actual: excluded, the other weight scaled to 100.
    e2 = ev["E2"]
    assert e2.item("repeat").status == "excluded" and e2.item("repeat").actual is None
    assert e2.item("sales").effective_weight == 100 and e2.total == Decimal("120.00")
    assert e2.warnings and e2.warnings[0]["code"] == "missing_actual_excluded"
    assert ev["E3"].total == Decimal("80.00")
    assert e1.to_dict()["total"] == "94.50"
    assert json.loads(e1.to_json()) == e1.to_dict()
    assert ev.to_dict()["results"][0] == e1.to_dict()
    assert sales.to_dict()["weighted"] == "52.5000"
    assert e1.explanation()["role_name"] == "销售代表"
    assert ev.grade_counts() == {"A": 1, "B": 2, "C": 0}
    assert "Decimal('94.50')" in repr(e1) and "3 subjects" in repr(ev) and "52.5000" in repr(sales)


def test_explain(small_plan: kpichain.Plan) -> None:
    ev = small_plan.score(SMALL_ASSIGNMENTS, SMALL_ACTUALS_LONG)
    text = ev["E1"].explain()
    assert "张伟 (E1) — 销售代表 [rep]" in text
    assert "销售额" in text and "weighted 87.50 × 60% = 52.5000" in text
    assert "grade: B" in text and "payout 10000.00" in text
    assert ev.explain("E1") == text == ev.explain(0)
    # Without a period the explanation names none; with one, its second line does.
    assert "period" not in text.splitlines()[1]
    in_march = small_plan.score(SMALL_ASSIGNMENTS, SMALL_ACTUALS_LONG, period="2022-03")
    assert in_march["E1"].explain().splitlines()[1].endswith(", period 2022-03")
    assert in_march["E1"].explanation()["period"] == "2022-03"


def test_conversions_are_exact_by_default(small_plan: kpichain.Plan) -> None:
    ev = small_plan.score(SMALL_ASSIGNMENTS, SMALL_ACTUALS_LONG)
    t = ev.to_arrow()
    assert t.schema.field("total").type == pa.decimal128(38, 2)
    assert t.column("total").to_pylist() == [Decimal("94.50"), Decimal("120.00"), Decimal("80.00")]
    assert t.column("payout").to_pylist() == [Decimal("10000.00"), None, None]
    assert t.column("grade").to_pylist() == ["B", "A", "B"]
    df = ev.to_pandas()
    assert list(df["subject"]) == ["E1", "E2", "E3"]
    assert df["total"].dtype == pd.ArrowDtype(pa.decimal128(38, 2))
    assert df["total"].tolist() == [Decimal("94.50"), Decimal("120.00"), Decimal("80.00")]
    assert all(isinstance(x, Decimal) for x in df["coefficient"])
    floats = ev.to_pandas(floats=True)
    assert floats["total"].dtype == "float64" and floats["total"].tolist() == [94.5, 120.0, 80.0]
    items = ev.to_pandas(items=True)
    assert len(items) == 5 and set(items.columns) >= {"subject", "item", "score", "weight", "weighted", "achievement"}
    assert items.loc[0, "weighted"] == Decimal("52.5000")
    p = ev.to_polars()
    assert isinstance(p, pl.DataFrame) and p["total"].dtype == pl.Decimal(38, 2)
    assert p["total"].to_list() == [Decimal("94.50"), Decimal("120.00"), Decimal("80.00")]
    assert ev.to_polars(items=True, floats=True)["score"].dtype == pl.Float64
    # The evaluation itself exports an Arrow C stream.
    assert pa.table(ev).equals(t)
    assert pl.DataFrame(ev).shape == (3, t.num_columns)



def test_pandas_decimal_columns_are_exact_and_numeric(small_plan: kpichain.Plan) -> None:
    ev = small_plan.score(SMALL_ASSIGNMENTS, SMALL_ACTUALS_LONG)
    df = ev.to_pandas()
    # Every number column is an Arrow decimal at its scale; nothing is an object column.
    decimals = {c: str(t) for c, t in df.dtypes.items() if isinstance(t, pd.ArrowDtype)}
    assert decimals == {
        "total": "decimal128(38, 2)[pyarrow]",
        "coefficient": "decimal128(38, 1)[pyarrow]",
        "payout": "decimal128(38, 2)[pyarrow]",
        "total_unrounded": "decimal128(38, 4)[pyarrow]",
        "adjustment_points": "decimal128(38, 0)[pyarrow]",
    }
    assert not [c for c, t in df.dtypes.items() if t == object]
    total = df["total"]
    # Comparisons with Decimal, int and float operands, sums and means, exactly.
    assert (total >= Decimal("94.5")).tolist() == [True, True, False]
    assert (total > 90).tolist() == [True, True, False]
    assert (total == 80.0).tolist() == [False, False, True]
    assert total.sum() == Decimal("294.50")
    assert total.max() == Decimal("120.00") and total.min() == Decimal("80.00")
    assert total.mean() == Decimal("98.17")  # at the column's scale
    assert df.sort_values("total")["subject"].tolist() == ["E3", "E1", "E2"]
    assert df.groupby("role")["total"].sum().to_dict() == {"rep": Decimal("214.50"), "svc": Decimal("80.00")}
    assert df["payout"].isna().tolist() == [False, True, True]
    assert df.loc[df["grade"] == "B", "subject"].tolist() == ["E1", "E3"]
    assert total.astype("float64").describe()["max"] == 120.0
    items = ev.to_pandas(items=True)
    assert items["weighted"].dtype == pd.ArrowDtype(pa.decimal128(38, 4))
    assert items["achievement"].isna().tolist() == [False, False, False, True, True]
    floats = ev.to_pandas(floats=True)
    assert floats["payout"].dtype == "float64" and floats["payout"].isna().tolist() == [False, True, True]


def test_pandas_describe_of_a_decimal_column(small_plan: kpichain.Plan) -> None:
    total = small_plan.score(SMALL_ASSIGNMENTS, SMALL_ACTUALS_LONG).to_pandas()["total"]
    try:
        summary = total.describe()
    except pa.ArrowTypeError:
        # pandas 2.2 and 3.1 with pyarrow 26 cannot build the summary in the column's decimal
        # dtype: its count is a numpy integer, which pyarrow refuses as a decimal.
        # total.astype("float64").describe() or to_pandas(floats=True) work.
        pytest.xfail("pandas cannot put describe()'s count into a decimal Arrow column here")
    assert summary["max"] == Decimal("120.00")


def test_conversions_make_no_python_object_per_subject(small_plan: kpichain.Plan) -> None:
    import tracemalloc

    n = 50_000
    subjects = [f"E{i:06d}" for i in range(n)]
    assignments = pa.table({"subject": subjects, "role": ["rep"] * n, "name": subjects})
    actuals = pa.table({"subject": subjects, "sales": [float(i % 150) for i in range(n)], "repeat": [12.5] * n})
    ev = small_plan.score(assignments, actuals)
    conversions: dict[str, Callable[[], Any]] = {
        "to_arrow": ev.to_arrow,
        "to_pandas": ev.to_pandas,
        "to_polars": ev.to_polars,
        "to_pandas(items=True)": lambda: ev.to_pandas(items=True),
        "to_pandas(floats=True)": lambda: ev.to_pandas(floats=True),
        "to_polars(items=True)": lambda: ev.to_polars(items=True),
    }
    for name, convert in conversions.items():
        convert()  # imports and first-call caches are not counted
        tracemalloc.start()
        try:
            frame = convert()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        rows = len(frame)
        assert rows in (n, 2 * n), name
        # A Decimal (about 100 bytes) or a str (about 60) per row and number or text column
        # would take over 500 bytes a row; numpy's buffers (the `warnings` count, the float
        # columns) are traced too and stay well under 100.
        assert peak < 100 * rows, f"{name}: {peak} bytes of Python allocations for {rows} rows"
    assert ev.to_polars()["total"].dtype == pl.Decimal(38, 2)
    assert ev.to_polars()["subject"].dtype == pl.String


def test_html(small_plan: kpichain.Plan) -> None:
    # Periods are checked, so the escaping is shown on a name.
    assignments = [dict(SMALL_ASSIGNMENTS[0], name="<b>张伟</b>"), *SMALL_ASSIGNMENTS[1:]]
    ev = small_plan.score(assignments, SMALL_ACTUALS_LONG, period="2024-01")
    html = ev._repr_html_()
    assert html.startswith("<div") and "<table>" in html and "94.50" in html
    assert "&lt;b&gt;张伟&lt;/b&gt;" in html and "<b>张伟" not in html  # escaped
    assert "销售代表" in html and "grades:" in html
    one = ev["E2"]._repr_html_()
    assert "销售额" in one and "excluded" in one and "120.00" in one


def test_targets_rows_and_frames(small_plan: kpichain.Plan) -> None:
    targets = [{"subject": "E1", "indicator": "sales", "target": 50}]
    ev = small_plan.score(SMALL_ASSIGNMENTS, SMALL_ACTUALS_LONG, targets=targets)
    assert ev["E1"].item("sales").target == 50 and ev["E1"].item("sales").score == Decimal("120.00")
    same = [
        small_plan.score(SMALL_ASSIGNMENTS, SMALL_ACTUALS_LONG, targets=[("E1", "sales", "50")]),
        small_plan.score(SMALL_ASSIGNMENTS, SMALL_ACTUALS_LONG, targets=pd.DataFrame(targets)),
        small_plan.score(SMALL_ASSIGNMENTS, SMALL_ACTUALS_LONG, targets=pl.DataFrame(targets)),
    ]
    for other in same:
        assert other.to_json() == ev.to_json()


def test_input_errors_name_the_callers_rows(small_plan: kpichain.Plan) -> None:
    with pytest.raises(kpichain.InputError) as info:
        small_plan.score(
            [("E1", "rep"), ("E2", "nope")],
            [("E1", "sales", 1), ("E1", "sales", None), ("E9", "sales", 2), ("E1", "bogus", 3)],
        )
    got = [(e["code"], e["path"]) for e in info.value.errors]
    assert ("unknown_role", "assignments[1].role") in got
    assert ("unknown_subject", "actuals[2].subject") in got
    assert ("unknown_indicator", "actuals[3].indicator") in got
    # Wide frames: paths name the row and the column.
    wide = pd.DataFrame({"subject": ["E1", "E1"], "sales": [1.0, 2.0]})
    with pytest.raises(kpichain.InputError) as info:
        small_plan.score([("E1", "rep")], wide)
    assert [(e["code"], e["path"]) for e in info.value.errors] == [("duplicate_actual", "actuals[1].sales")]
    with pytest.raises(kpichain.InputError) as info:
        small_plan.score([("E1", "rep")], pd.DataFrame({"subject": ["E1"], "sales": [1.0], "salse": [2.0]}))
    assert info.value.errors[0]["code"] == "unknown_indicator" and info.value.errors[0]["path"] == "actuals.salse"
    with pytest.raises(kpichain.InputError) as info:
        small_plan.score(pd.DataFrame({"subject": ["E1"]}), [])
    assert info.value.errors[0]["code"] == "missing_column" and info.value.errors[0]["path"] == "assignments.role"
    with pytest.raises(kpichain.InputError) as info:
        small_plan.score([{"role": "rep"}], [])
    assert info.value.errors[0]["code"] == "missing_field"
    with pytest.raises(kpichain.InputError):
        small_plan.score("E1", [])
    with pytest.raises(ValueError):
        small_plan.score([], [], layout="diagonal")  # type: ignore[arg-type]


def test_missing_data_policy_error_names_subject(small_plan_dict: dict[str, Any]) -> None:
    small_plan_dict["roles"][0]["items"][1].pop("missing_data")
    plan = kpichain.Plan.from_dict(small_plan_dict)
    wide = pd.DataFrame({"subject": ["E1"], "sales": [90.0], "repeat": [float("nan")]})
    with pytest.raises(kpichain.InputError) as info:
        plan.score([("E1", "rep")], wide)
    err = info.value.errors[0]
    assert err["code"] == "missing_actual" and "E1" in err["message"]


def test_evaluate_core_shape(small_plan: kpichain.Plan) -> None:
    inputs = {
        "period": "2024-01",
        "assignments": [{"subject": "E1", "role": "rep"}],
        "actuals": [{"subject": "E1", "indicator": "sales", "value": Decimal("87.5")}],
    }
    ev = small_plan.evaluate(inputs)
    assert ev["E1"].item("sales").score == Decimal("87.50")
    assert small_plan.evaluate(json.dumps(inputs, default=str)).to_json() == ev.to_json()
    with pytest.raises(kpichain.InputError) as info:
        small_plan.evaluate('{"assignments": [{"subject": 1}]}')
    assert info.value.errors[0]["code"] == "missing_field"


def test_sales_company_from_pandas(sales_plan: kpichain.Plan) -> None:
    assignments = pd.read_csv(SALES / "assignments.csv")
    actuals = pd.read_csv(SALES / "actuals.csv")
    targets_path = SALES / "targets.csv"
    targets = pd.read_csv(targets_path) if targets_path.exists() else None
    ev = sales_plan.score(assignments, actuals, targets=targets, period="2022-03")
    assert len(ev) == len(assignments)
    exact = sales_plan.score(
        pd.read_csv(SALES / "assignments.csv", dtype=str),
        pd.read_csv(SALES / "actuals.csv", dtype=str),
        targets=None if targets is None else pd.read_csv(targets_path, dtype=str),
        period="2022-03",
    )
    assert exact.to_json() == ev.to_json()
    assert sum(ev.grade_counts().values()) == len(ev)


def test_errors_carry_loc_and_origin(small_plan: kpichain.Plan) -> None:
    wide = pd.DataFrame({"subject": ["E1", "E1"], "sales": [1.0, 2.0]})
    with pytest.raises(kpichain.InputError) as info:
        small_plan.score([("E1", "rep")], wide)
    [err] = info.value.errors
    assert err["loc"] == ("actuals", 1, "sales")
    assert err["origin"] == {"source": "actuals", "row": 1, "column": "sales"}
    # Python rows are their own coordinates: no origin.
    with pytest.raises(kpichain.InputError) as info:
        small_plan.score([("E1", "rep")], [("E1", "sales", "12,5")])
    [err] = info.value.errors
    assert err["loc"] == ("actuals", 0, "value") and "origin" not in err


def test_an_empty_column_of_any_type_is_a_column_of_nulls(small_plan: kpichain.Plan) -> None:
    # `region` left blank in a CSV: pandas reads an all-NaN float64 column.
    assignments = pd.DataFrame({"subject": ["E1"], "role": ["rep"], "region": [float("nan")], "name": [None]})
    ev = small_plan.score(assignments, SMALL_ACTUALS_LONG[:2])
    assert ev["E1"].region is None


def test_frames_kpichain_cannot_read_are_named(small_plan: kpichain.Plan) -> None:
    mixed = pd.DataFrame({"subject": ["E1", "E2"], "role": ["rep", "rep"], "region": ["south", 3]})
    with pytest.raises(kpichain.InputError) as info:
        small_plan.score(mixed, [])
    [err] = info.value.errors
    assert (err["code"], err["path"]) == ("unsupported_column_type", "assignments.region")
    assert "region" in err["message"] and "Expected bytes" not in err["message"]
    lazy = pl.LazyFrame({"subject": ["E1"], "indicator": ["sales"], "value": [1]})
    with pytest.raises(kpichain.InputError) as info:
        small_plan.score([("E1", "rep")], lazy)  # type: ignore[arg-type]
    [err] = info.value.errors
    assert err["path"] == "actuals" and "LazyFrame" in err["message"] and ".collect()" in err["message"]

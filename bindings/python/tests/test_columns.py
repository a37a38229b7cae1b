"""Wide data frames of a plain plan are scored by the core's columnar kernel: the same
results as the rows path, from pyarrow, pandas and polars frames alike."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import kpichain

VECTORS = Path(__file__).resolve().parents[3] / "tests" / "vectors"


def vector(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def wide_rows(v: dict[str, Any]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {
        a["subject"]: {"subject": a["subject"], "role": a["role"]} for a in v["inputs"]["assignments"]
    }
    for a in v["inputs"]["actuals"]:
        rows[a["subject"]][a["indicator"]] = a["value"]
    return list(rows.values())


@pytest.mark.parametrize("name", ["rule_linear_cliff", "rounding_unrounded_stages", "rule_bands"])
@pytest.mark.parametrize("kind", ["pyarrow", "pandas", "polars"])
def test_a_wide_frame_is_scored_in_columns_as_rows_are_scored(name: str, kind: str) -> None:
    v = vector(name)
    plan = kpichain.Plan.from_dict(v["plan"])
    rows = wide_rows(v)
    indicators = sorted({k for r in rows for k in r} - {"subject", "role"})
    columns = {"subject": [r["subject"] for r in rows], "role": [r["role"] for r in rows]}
    for ind in indicators:
        columns[ind] = [None if r.get(ind) is None else Decimal(str(r[ind])) for r in rows]
    if kind == "pyarrow":
        frame = pa.table({k: (pa.array(c, pa.decimal128(18, 4)) if k in indicators else pa.array(c)) for k, c in columns.items()})
    elif kind == "pandas":
        frame = pd.DataFrame({k: ([None if x is None else float(x) for x in c] if k in indicators else c) for k, c in columns.items()})
    else:
        frame = pl.DataFrame({k: c for k, c in columns.items()}, schema_overrides={i: pl.Decimal(18, 4) for i in indicators})
    ev = plan.score(frame)
    # Scored in columns (a value outside every band goes to the engine, with its warning).
    paths = ev._paths()
    assert paths is not None and sum(paths) == len(rows) and paths[0] > 0
    # The same values as rows, as the frame holds them (4 places in a decimal column, floats
    # in pandas).
    if kind == "pandas":
        rows = [{k: (float(x) if k in indicators and x is not None else x) for k, x in r.items()} for r in rows]
    else:
        rows = [{k: (Decimal(str(x)).quantize(Decimal("0.0001")) if k in indicators and x is not None else x) for k, x in r.items()} for r in rows]
    want = plan.score(rows)
    assert want._paths() is None
    # The same results, subject by subject and as a whole.
    assert ev.to_dict() == want.to_dict()
    assert [r.total for r in ev] == [r.total for r in want]
    assert ev[0].to_dict() == want[0].to_dict()
    assert ev.explain(rows[-1]["subject"]) == want.explain(rows[-1]["subject"])
    assert ev.grade_counts() == want.grade_counts()
    # The per-subject table from the columns: the rows path's, but an unrounded total that
    # the kernel holds only as a fraction is null there.
    got, exp = ev.to_arrow(), want.to_arrow()
    if got.column("total_unrounded").null_count:
        got, exp = got.drop_columns(["total_unrounded"]), exp.drop_columns(["total_unrounded"])
    assert got.equals(exp)


def test_a_bad_cell_in_a_wide_frame_is_the_intakes_error() -> None:
    v = vector("rule_linear_cliff")
    plan = kpichain.Plan.from_dict(v["plan"])
    frame = pd.DataFrame({"subject": ["E1", "E2"], "role": ["r", "r"], "revenue": [90.0, float("inf")], "complaints": [3.0, 2.0]})
    with pytest.raises(kpichain.InputError) as e:
        plan.score(frame)
    assert [(x["code"], x["path"]) for x in e.value.errors] == [("invalid_number", "assignments[1].revenue")]


@pytest.mark.parametrize("kind", ["pyarrow", "pandas", "polars"])
def test_assignments_with_wide_actuals_in_the_same_order_are_scored_in_columns(kind: str) -> None:
    v = vector("rule_linear_cliff")
    plan = kpichain.Plan.from_dict(v["plan"])
    rows = wide_rows(v)
    assignments = {"subject": [r["subject"] for r in rows], "role": [r["role"] for r in rows]}
    actuals = {"subject": assignments["subject"], "revenue": [float(r["revenue"]) for r in rows],
               "complaints": [float(r["complaints"]) for r in rows]}
    lib = {"pyarrow": pa.table, "pandas": pd.DataFrame, "polars": pl.DataFrame}[kind]
    ev = plan.score(lib(assignments), lib(actuals))
    paths = ev._paths()
    assert paths is not None and paths[0] == len(rows)
    want = plan.score([{k: (float(x) if k in ("revenue", "complaints") else x) for k, x in r.items()} for r in rows])
    assert ev.to_dict() == want.to_dict()
    # Another order: joined by subject through the intake, the same results.
    shuffled = {k: list(reversed(c)) for k, c in actuals.items()}
    other = plan.score(lib(assignments), lib(shuffled))
    assert other._paths() is None
    assert other.to_dict() == want.to_dict()

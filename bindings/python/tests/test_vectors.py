"""Runs every golden vector in tests/vectors/ (the contract shared with the Rust and Node suites).

Each vector is run through the lowest-level entry (plan dict + inputs in the core's JSON shape,
compared string for string with ``expected``), and result vectors are run again through the
row path and the Arrow (pyarrow table) path, which must give byte-identical JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import kpichain

from conftest import VECTORS, load_json_exact

FILES = sorted(VECTORS.glob("*.json"))


def test_there_are_vectors() -> None:
    assert FILES, f"no golden vectors in {VECTORS}"


def subset(expected: Any, actual: Any, where: str = "$") -> list[str]:
    """Differences where ``expected`` is not a subset of ``actual`` (strings compared exactly)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        out: list[str] = []
        for k, v in expected.items():
            if k not in actual:
                out.append(f"{where}.{k}: missing")
            else:
                out += subset(v, actual[k], f"{where}.{k}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {len(expected)} elements, got {actual!r}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += subset(e, a, f"{where}[{i}]")
        return out
    if type(expected) is not type(actual) or expected != actual:
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    return []


def pairs(errors: list[kpichain.ErrorDetail]) -> list[dict[str, str]]:
    return [{"code": e["code"], "path": e["path"]} for e in errors]


def as_text(v: Any) -> Any:
    """A JSON value as the text cell the core makes of it (``true``, ``12.50``); None stays."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return None if v is None else str(v)


def text_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> pa.Table:
    """Rows as an Arrow table of text columns (the union of their keys, in order of appearance)."""
    if columns is None:
        columns = list(dict.fromkeys(k for r in rows for k in r))
    return pa.table({c: pa.array([as_text(r.get(c)) for r in rows], pa.string()) for c in columns})


def declared(plan: dict[str, Any], name: str, rows: list[dict[str, Any]]) -> list[str]:
    """The columns of record set ``name``: its declared fields, then any other keys of the rows."""
    fields = [f["name"] for d in plan.get("records", []) if d["name"] == name for f in d["fields"]]
    return list(dict.fromkeys([*fields, *(k for r in rows for k in r)]))


def arrow_inputs(inputs: dict[str, Any]) -> tuple[pa.Table, pa.Table | None, pa.Table | None]:
    """The same inputs as Arrow tables (numbers as exact decimal text columns)."""
    assignments = inputs["assignments"]
    cols = ["subject", "role", "name", "unit", "region", "manager", "bonus_base"]
    a = pa.table({c: [as_text(r.get(c)) for r in assignments] for c in cols})
    acts = inputs.get("actuals", [])
    x = pa.table(
        {
            "subject": pa.array([r["subject"] for r in acts], pa.string()),
            "indicator": pa.array([r["indicator"] for r in acts], pa.string()),
            "value": pa.array([as_text(r["value"]) for r in acts], pa.string()),
        }
    )
    tgts = inputs.get("targets")
    t = None
    if tgts:
        t = pa.table(
            {
                c: pa.array([as_text(r.get(c)) for r in tgts], pa.string())
                for c in ["subject", "indicator", "target", "threshold", "stretch"]
            }
        )
    return a, x, t


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_vector(path: Path) -> None:
    v = load_json_exact(path)
    if "expected_plan_errors" in v:
        assert kpichain.validate(v["plan"]) and pairs(kpichain.validate(v["plan"])) == v["expected_plan_errors"]
        with pytest.raises(kpichain.PlanError) as info:
            kpichain.Plan.from_dict(v["plan"])
        assert pairs(info.value.errors) == v["expected_plan_errors"]
        return
    assert kpichain.validate(v["plan"]) == []
    plan = kpichain.Plan.from_dict(v["plan"])
    if "expected_input_errors" in v:
        with pytest.raises(kpichain.InputError) as err:
            plan.evaluate(v["inputs"])
        assert pairs(err.value.errors) == v["expected_input_errors"]
        return
    ev = plan.evaluate(v["inputs"])
    got = ev.to_dict()
    problems = subset(v["expected"], got)
    assert not problems, "\n".join(problems)

    # The same inputs through the row path and the Arrow path give identical JSON (org units
    # and record sets included: records as text columns, like a CSV file read as text).
    inputs = v["inputs"]
    records = inputs.get("records")
    by_rows = plan.score(
        inputs["assignments"],
        inputs.get("actuals", []),
        targets=inputs.get("targets"),
        period=inputs.get("period"),
        units=inputs.get("units"),
        records=records,
    )
    assert by_rows.to_json() == ev.to_json()
    a, x, t = arrow_inputs(inputs)
    units = inputs.get("units")
    by_arrow = plan.score(
        a,
        x,
        targets=t,
        period=inputs.get("period"),
        units=None if units is None else text_table(units, ["id", "name", "parent", "region"]),
        records=None if records is None else {name: text_table(rows, declared(v["plan"], name, rows)) for name, rows in records.items()},
    )
    assert by_arrow.to_json() == ev.to_json()

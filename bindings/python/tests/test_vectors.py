"""Runs every golden vector in tests/vectors/ (the contract shared with the Rust and Node suites).

Each vector is run through the lowest-level entry (plan dict + inputs in the core's JSON shape,
compared string for string with ``expected``). Result vectors are run again through the row
path and the Arrow (pyarrow table) path, which must give byte-identical JSON; error vectors
through the row path and pyarrow, pandas and polars frames, which must report the same
``code`` at the same ``path``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pytest

import kpichain

from conftest import VECTORS, load_json_exact, pairs, subset

FILES = sorted(VECTORS.glob("*.json"))


def test_there_are_vectors() -> None:
    assert FILES, f"no golden vectors in {VECTORS}"


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


def typed_table(rows: list[dict[str, Any]], columns: list[str]) -> pa.Table:
    """Rows as an Arrow table with each column typed as its values are (a bool column for
    ``true``, a list column for ``[12]``), or as text when they mix types."""
    table = {}
    for c in columns:
        values = [r.get(c) for r in rows]
        kinds = {type(x) for x in values if x is not None}
        table[c] = pa.array(values) if len(kinds) == 1 else pa.array([as_text(x) for x in values], pa.string())
    return pa.table(table)


def by_frames(scorer: Any, inputs: dict[str, Any], plan: dict[str, Any], library: str) -> kpichain.Evaluation:
    """Scores the inputs given as frames of ``library`` (pyarrow, pandas or polars)."""

    def frame(rows: list[dict[str, Any]] | None, columns: list[str]) -> Any:
        if rows is None:
            return None
        table = typed_table(rows, columns)
        if library == "pandas":
            return table.to_pandas()
        if library == "polars":
            return pl.from_arrow(table)
        return table

    def keys(rows: list[dict[str, Any]], first: list[str]) -> list[str]:
        return list(dict.fromkeys([*first, *(k for r in rows for k in r)]))

    records = inputs.get("records")
    result: kpichain.Evaluation = scorer.score(
        frame(inputs["assignments"], keys(inputs["assignments"], ["subject", "role"])),
        frame(inputs.get("actuals", []), ["subject", "indicator", "value"]),
        targets=frame(inputs.get("targets"), keys(inputs.get("targets") or [], ["subject", "indicator", "target"])),
        units=frame(inputs.get("units"), keys(inputs.get("units") or [], ["id"])),
        records=None if records is None else {n: frame(rows, declared(plan, n, rows)) for n, rows in records.items()},
        period=inputs.get("period"),
    )
    return result


def records_plan(v: dict[str, Any]) -> dict[str, Any]:
    """The plan whose record sets a vector's records follow (for versions: the first one)."""
    if "versions" in v:
        plan: dict[str, Any] = v["versions"]["versions"][0]["plan"]
        return plan
    return dict(v["plan"])


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_vector(path: Path) -> None:
    v = load_json_exact(path)
    versioned = "versions" in v
    if "expected_plan_errors" in v:
        if versioned:
            with pytest.raises(kpichain.PlanError) as info:
                kpichain.load_versions(v["versions"])
            assert pairs(info.value.errors) == v["expected_plan_errors"]
            return
        assert kpichain.validate(v["plan"]) and pairs(kpichain.validate(v["plan"])) == v["expected_plan_errors"]
        with pytest.raises(kpichain.PlanError) as info:
            kpichain.Plan.from_dict(v["plan"])
        assert pairs(info.value.errors) == v["expected_plan_errors"]
        return
    scorer: kpichain.Plan | kpichain.PlanVersions
    if versioned:
        scorer = kpichain.load_versions(v["versions"])
    else:
        assert kpichain.validate(v["plan"]) == []
        scorer = kpichain.Plan.from_dict(v["plan"])
    inputs = v["inputs"]
    records = inputs.get("records")

    def by_rows() -> kpichain.Evaluation:
        args: dict[str, Any] = {
            "targets": inputs.get("targets"),
            "units": inputs.get("units"),
            "records": records,
        }
        if isinstance(scorer, kpichain.PlanVersions):
            return scorer.score(inputs["assignments"], inputs.get("actuals", []), period=inputs["period"], **args)
        return scorer.score(inputs["assignments"], inputs.get("actuals", []), period=inputs.get("period"), **args)

    def by_arrow() -> kpichain.Evaluation:
        a, x, t = arrow_inputs(inputs)
        units = inputs.get("units")
        plan = records_plan(v)
        args: dict[str, Any] = {
            "targets": t,
            "units": None if units is None else text_table(units, ["id", "name", "parent", "region"]),
            "records": None
            if records is None
            else {name: text_table(rows, declared(plan, name, rows)) for name, rows in records.items()},
        }
        if isinstance(scorer, kpichain.PlanVersions):
            return scorer.score(a, x, period=inputs["period"], **args)
        return scorer.score(a, x, period=inputs.get("period"), **args)

    if "expected_input_errors" in v:
        with pytest.raises(kpichain.InputError) as err:
            scorer.evaluate(inputs)
        assert pairs(err.value.errors) == v["expected_input_errors"]
        # The row path and every frame path report the same problems at the same places.
        with pytest.raises(kpichain.InputError) as err:
            by_rows()
        assert pairs(err.value.errors) == v["expected_input_errors"], "rows"
        for library in ("pyarrow", "pandas", "polars"):
            with pytest.raises(kpichain.InputError) as err:
                by_frames(scorer, inputs, records_plan(v), library)
            assert pairs(err.value.errors) == v["expected_input_errors"], library
        return
    ev = scorer.evaluate(inputs)
    got = ev.to_dict()
    problems = subset(v["expected"], got)
    assert not problems, "\n".join(problems)

    # The same inputs through the row path and the Arrow path give identical JSON (org units
    # and record sets included: records as text columns, like a CSV file read as text).
    assert by_rows().to_json() == ev.to_json()
    assert by_arrow().to_json() == ev.to_json()
    # Every result explains itself (a pro-rata result through its segments).
    for r in ev:
        assert r.subject in r.explain()
        if isinstance(scorer, kpichain.PlanVersions):
            assert scorer.explain(ev, r.subject) == r.explain()

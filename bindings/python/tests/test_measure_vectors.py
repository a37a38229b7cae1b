"""Runs every measure vector in tests/vectors/measures/ through ``kpichain.derive_actuals``.

The comparison rules are those of ``tests/vectors/measures/README.md`` (shared with the Rust
runner ``crates/kpichain/tests/measures.rs`` and the Node suite): ``expected.actuals`` exactly
and in order, decimal strings compared as text; ``expected.report`` as a subset; errors as the
ordered list of ``{code, path}`` pairs. Each file is run twice: as its JSON text, and as the
dict parsed from it (numbers kept exact as ``Decimal``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import kpichain

from conftest import VECTORS, load_json_exact, pairs, subset

MEASURES = VECTORS / "measures"
FILES = sorted(MEASURES.glob("*.json"))


def test_there_are_measure_vectors() -> None:
    assert FILES, f"no measure vectors in {MEASURES}"


def check(v: dict[str, Any], request: dict[str, Any] | str) -> None:
    if "expected_errors" in v:
        with pytest.raises(kpichain.InputError) as err:
            kpichain.derive_actuals(request)
        assert pairs(err.value.errors) == v["expected_errors"]
        return
    got = kpichain.derive_actuals(request)
    expected = v["expected"]
    assert got["actuals"] == expected["actuals"]
    if "report" in expected:
        problems = subset(expected["report"], got["report"], "$.report")
        assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_measure_vector(path: Path) -> None:
    v = load_json_exact(path)
    assert ("expected" in v) != ("expected_errors" in v), "exactly one of expected, expected_errors"
    check(v, path.read_text(encoding="utf-8"))
    check(v, v)


def test_derive_actuals_from_a_small_request() -> None:
    request: dict[str, Any] = {
        "time_zone": "+08:00",
        "period": "2022-03",
        "records": {
            "orders": {
                "fields": [
                    {"name": "rep", "kind": "text"},
                    {"name": "at", "kind": "timestamp"},
                    {"name": "amount", "kind": "decimal"},
                ],
                "rows": [["E1", "2022-03-01 00:00", "12.50"], ["E1", "2022-02-28 23:59", "99"]],
            }
        },
        "measures": [
            {
                "indicator": "sales",
                "measure": {"records": "orders", "subject": "rep", "time": "at", "value": {"type": "sum", "field": "amount"}},
            }
        ],
    }
    got = kpichain.derive_actuals(request)
    assert got["actuals"] == [{"subject": "E1", "indicator": "sales", "value": "12.50"}]
    assert got["report"]["record_sets"] == [{"name": "orders", "records_read": 2, "records": 2, "bad_records": 0}]


def test_derive_actuals_errors() -> None:
    with pytest.raises(kpichain.InputError) as err:
        kpichain.derive_actuals({"time_zone": "+08:00", "period": "March", "records": {}, "measures": []})
    assert pairs(err.value.errors) == [{"code": "invalid_period", "path": "period"}]
    with pytest.raises(kpichain.InputError) as err:
        kpichain.derive_actuals('{"time_zone": "+08:00"}')
    assert err.value.code == "missing_field"
    with pytest.raises(kpichain.InputError) as err:
        kpichain.derive_actuals({"time_zone": "+08:00", "period": "2022-03", "records": {}, "measures": [], "x": float("nan")})
    assert err.value.path == "x"
    with pytest.raises(TypeError):
        kpichain.derive_actuals(42)  # type: ignore[arg-type]

"""Loading, validating and compiling plans; schemas."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import kpichain

from conftest import SALES

TOML_PLAN = """
id = "toml-plan"
version = "3"

[[indicators]]
id = "sales"
name = "销售额"

[[roles]]
id = "rep"
name = "销售代表"

[[roles.items]]
indicator = "sales"
weight = "100"
target = "80"
rule = { type = "ratio", cap = "120" }

[[grades]]
grade = "A"
min = "100"
coefficient = "1.2"

[[grades]]
grade = "B"
coefficient = "1"
"""


def test_load_from_every_source(small_plan_dict: dict[str, Any], tmp_path: Path) -> None:
    text = json.dumps(small_plan_dict, ensure_ascii=False)
    (tmp_path / "plan.json").write_text(text, encoding="utf-8")
    (tmp_path / "plan.toml").write_text(TOML_PLAN, encoding="utf-8")
    (tmp_path / "plan.txt").write_text(text, encoding="utf-8")
    fingerprints = {
        kpichain.Plan.from_dict(small_plan_dict).fingerprint,
        kpichain.Plan.from_json(text).fingerprint,
        kpichain.load_plan(small_plan_dict).fingerprint,
        kpichain.load_plan(text).fingerprint,
        kpichain.load_plan(tmp_path / "plan.json").fingerprint,
        kpichain.load_plan(str(tmp_path / "plan.json")).fingerprint,
        kpichain.Plan.from_file(tmp_path / "plan.txt").fingerprint,
        kpichain.load_plan(text.encode()).fingerprint,
    }
    assert len(fingerprints) == 1
    toml = kpichain.Plan.from_toml(TOML_PLAN)
    assert toml.id == "toml-plan" and toml.version == "3"
    assert kpichain.load_plan(TOML_PLAN).fingerprint == toml.fingerprint
    assert kpichain.load_plan(tmp_path / "plan.toml").fingerprint == toml.fingerprint
    ev = toml.score([("E1", "rep")], [("E1", "sales", 70)])
    assert ev[0].total == Decimal("87.50") and str(ev[0].total) == "87.50"


def test_plan_properties(small_plan: kpichain.Plan) -> None:
    assert small_plan.id == "small"
    assert small_plan.version == "1"
    assert small_plan.name is None
    assert small_plan.fingerprint.startswith("sha256:") and len(small_plan.fingerprint) == 71
    assert small_plan.indicators == ["sales", "repeat", "complaints"]
    assert small_plan.roles == ["rep", "svc"]
    d = small_plan.to_dict()
    assert d["id"] == "small" and d["roles"][0]["items"][0]["weight"] == "60"
    assert json.loads(small_plan.to_json()) == d
    assert "small" in repr(small_plan)


def test_dict_numbers_are_exact(small_plan_dict: dict[str, Any]) -> None:
    small_plan_dict["roles"][0]["items"][0]["weight"] = Decimal("60.0")
    small_plan_dict["roles"][0]["items"][1]["weight"] = 40.0  # float by shortest repr
    small_plan_dict["grades"][0]["coefficient"] = 1.2
    plan = kpichain.Plan.from_dict(small_plan_dict)
    d = plan.to_dict()
    assert d["roles"][0]["items"][0]["weight"] == "60.0"
    assert d["roles"][0]["items"][1]["weight"] == "40"
    assert d["grades"][0]["coefficient"] == "1.2"


def test_validate_returns_every_problem_without_raising(small_plan_dict: dict[str, Any]) -> None:
    assert kpichain.validate(small_plan_dict) == []
    small_plan_dict["roles"][0]["items"][0]["weight"] = 50
    small_plan_dict["roles"][1]["items"][0]["indicator"] = "nope"
    problems = kpichain.validate(small_plan_dict)
    assert len(problems) >= 2
    assert all(set(p) == {"code", "path", "loc", "message"} for p in problems)
    codes = {p["code"] for p in problems}
    assert "weights_do_not_sum" in codes
    paths = [p["path"] for p in problems]
    assert any(p.startswith("roles[1].items[0]") for p in paths)
    with pytest.raises(kpichain.PlanError) as info:
        kpichain.Plan.from_dict(small_plan_dict)
    err = info.value
    assert isinstance(err, kpichain.KpichainError) and isinstance(err, ValueError)
    assert err.errors == problems
    assert err.code == problems[0]["code"] and err.path == problems[0]["path"]
    assert "problems" in str(err)


def test_sales_company_invalid_weights_example() -> None:
    path = SALES / "plan-invalid-weights.json"
    if not path.exists():
        pytest.skip("example not present")
    problems = kpichain.validate(path)
    assert problems and problems[0]["code"] == "weights_do_not_sum"


def test_parse_errors_have_paths() -> None:
    problems = kpichain.validate('{"id": "x", "version": "1", "indicators": [], "roles": [], "grades": [], "oops": 1}')
    assert problems[0]["code"] == "unknown_field" and problems[0]["path"] == "oops"
    problems = kpichain.validate("id = \n")
    assert problems[0]["code"] == "parse_error"


def test_nan_in_plan_dict_names_its_path(small_plan_dict: dict[str, Any]) -> None:
    small_plan_dict["roles"][0]["items"][0]["target"] = float("nan")
    small_plan_dict["grades"][1]["min"] = True
    problems = kpichain.validate(small_plan_dict)
    assert {"code": "invalid_number", "path": "roles[0].items[0].target"} == {
        k: problems[0][k] for k in ("code", "path")
    }
    with pytest.raises(kpichain.PlanError):
        kpichain.Plan.from_dict(small_plan_dict)
    # A bool where a decimal belongs is rejected by the core's schema.
    small_plan_dict["roles"][0]["items"][0]["target"] = 100
    assert kpichain.validate(small_plan_dict)[0]["path"].startswith("grades[1].min")


def test_bad_sources() -> None:
    with pytest.raises(TypeError):
        kpichain.load_plan(42)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        kpichain.load_plan("no-such-plan.json")


def test_schemas() -> None:
    plan = kpichain.plan_schema()
    assert plan["title"] == "Plan" and "roles" in plan["properties"]
    assert "assignments" in kpichain.inputs_schema()["properties"]
    assert "results" in kpichain.result_schema()["properties"]
    committed = Path(__file__).resolve().parents[3] / "crates" / "kpichain" / "schema" / "plan.schema.json"
    if committed.exists():
        assert json.loads(committed.read_text(encoding="utf-8")) == plan


def test_errors_pickle() -> None:
    import pickle

    try:
        kpichain.Plan.from_json("{")
    except kpichain.PlanError as e:
        again = pickle.loads(pickle.dumps(e))
        assert again.errors == e.errors and str(again) == str(e)
    else:  # pragma: no cover
        pytest.fail("no error")


@pytest.mark.parametrize("detached", [False, True])
def test_a_panic_becomes_kpichain_error(detached: bool) -> None:
    from kpichain import _kpichain

    with pytest.raises(kpichain.KpichainError) as info:
        _kpichain._panic_for_tests(detached)  # type: ignore[attr-defined]
    assert info.value.code == "internal_error" and "test panic" in info.value.message
    assert not isinstance(info.value, (kpichain.PlanError, kpichain.InputError))

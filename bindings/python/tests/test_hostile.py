"""Hostile values never crash the interpreter: deep and self-containing values are refused
with `nesting_too_deep` / `cyclic_value` at their path, even in a thread with a small stack."""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest

import kpichain


def deep(n: int) -> Any:
    value: Any = "x"
    for _ in range(n):
        value = [value]
    return value


def in_small_thread(fn: Callable[[], Any]) -> BaseException | None:
    caught: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            caught.append(e)

    old = threading.stack_size(1024 * 1024)
    try:
        t = threading.Thread(target=run)
        t.start()
        t.join()
    finally:
        threading.stack_size(old)
    return caught[0] if caught else None


def plan_with(small_plan_dict: dict[str, Any], extra: Any) -> dict[str, Any]:
    plan = dict(small_plan_dict)
    plan["description"] = extra
    return plan


def test_a_value_100000_deep_is_refused_at_its_path(small_plan_dict: dict[str, Any]) -> None:
    plan = plan_with(small_plan_dict, deep(100_000))
    for call in (lambda: kpichain.load_plan(plan), lambda: kpichain.Plan.from_dict(plan)):
        error = in_small_thread(call)
        assert isinstance(error, kpichain.PlanError), repr(error)
        [issue] = error.errors
        assert issue["code"] == "nesting_too_deep"
        assert issue["path"].startswith("description[0]")
    problems = in_small_thread(lambda: kpichain.validate(plan))
    assert problems is None


def test_a_value_that_contains_itself_is_refused(small_plan_dict: dict[str, Any]) -> None:
    loop: dict[str, Any] = {}
    loop["again"] = loop
    plan = plan_with(small_plan_dict, loop)
    error = in_small_thread(lambda: kpichain.load_plan(plan))
    assert isinstance(error, kpichain.PlanError), repr(error)
    assert [(e["code"], e["path"]) for e in error.errors] == [("cyclic_value", "description.again")]
    assert [p["code"] for p in kpichain.validate(plan)] == ["cyclic_value"]


def test_deep_inputs_are_refused(small_plan: kpichain.Plan) -> None:
    inputs = {"assignments": [{"subject": "E1", "role": "rep", "attributes": deep(100_000)}], "actuals": []}
    error = in_small_thread(lambda: small_plan.evaluate(inputs))
    assert isinstance(error, kpichain.InputError), repr(error)
    assert error.errors[0]["code"] == "nesting_too_deep"


def test_deep_json_text_is_refused(small_plan_dict: dict[str, Any]) -> None:
    import json

    text = json.dumps(small_plan_dict)[:-1] + ', "description": ' + "[" * 5000 + "]" * 5000 + "}"
    with pytest.raises(kpichain.PlanError) as info:
        kpichain.load_plan(text)
    assert info.value.errors[0]["code"] == "nesting_too_deep"


def test_a_decimal_nan_in_dict_inputs_is_the_cores_invalid_number(small_plan: kpichain.Plan) -> None:
    from decimal import Decimal

    inputs = {
        "assignments": [{"subject": "E1", "role": "rep"}],
        "actuals": [{"subject": "E1", "indicator": "sales", "value": Decimal("NaN")}],
    }
    with pytest.raises(kpichain.InputError) as info:
        small_plan.evaluate(inputs)
    assert (info.value.errors[0]["code"], info.value.errors[0]["path"]) == ("invalid_number", "actuals[0].value")

"""The number contract: Decimal/int/str exact, float by shortest repr, bool/NaN/inf/huge rejected
with an error naming the subject and indicator; NaN/null in a data frame means missing."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import kpichain

ASSIGN = [("E1", "rep")]


def actual_of(plan: kpichain.Plan, value: Any) -> Decimal | None:
    ev = plan.score(ASSIGN, [("E1", "sales", value), ("E1", "repeat", 30)])
    return ev[0].item("sales").actual


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("87.50"), "87.50"),
        (Decimal("1E+2"), "100"),
        (Decimal("-0"), "0"),
        (87, "87"),
        (2**70, str(2**70)),
        ("12.345", "12.345"),
        (" 7 ", "7"),
        ("1e3", "1000"),
        (0.1, "0.1"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e-7, "0.0000001"),
        (1e20, "100000000000000000000"),
        (-0.0, "0"),
        (np.float64(0.1), "0.1"),
        (np.float32(0.1), "0.1"),
        (np.int64(42), "42"),
    ],
)
def test_accepted_numbers(small_plan: kpichain.Plan, value: Any, text: str) -> None:
    actual = actual_of(small_plan, value)
    assert actual is not None and format(actual, "f") == text


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        (True, "invalid_type", "bool"),
        (np.bool_(False), "invalid_type", "bool"),
        (float("nan"), "invalid_number", "NaN"),
        (Decimal("NaN"), "invalid_number", "NaN"),
        (float("inf"), "invalid_number", "infinite"),
        (-math.inf, "invalid_number", "infinite"),
        (Decimal("-Infinity"), "invalid_number", "infinite"),
        (1e30, "number_out_of_range", "beyond the decimal range"),
        (1e-30, "number_out_of_range", "beyond the decimal range"),
        (10**40, "number_out_of_range", "beyond the decimal range"),
        (Decimal("1E+40"), "number_out_of_range", "beyond the decimal range"),
        ("0.12345678901234567890123456789", "number_out_of_range", "beyond the decimal range"),
        ("12,5", "invalid_number", "not a decimal number"),
        ("nan", "invalid_number", "NaN"),
        ([1], "invalid_type", "type list"),
    ],
)
def test_rejected_numbers(small_plan: kpichain.Plan, value: Any, code: str, words: str) -> None:
    with pytest.raises(kpichain.InputError) as info:
        small_plan.score(ASSIGN, [("E1", "repeat", 30), ("E1", "sales", value)])
    [err] = info.value.errors
    assert err["code"] == code
    assert err["path"] == "actuals[1].value"
    assert "subject 'E1'" in err["message"] and "indicator 'sales'" in err["message"]
    assert words in err["message"]


def test_every_bad_number_is_listed(small_plan: kpichain.Plan) -> None:
    with pytest.raises(kpichain.InputError) as info:
        small_plan.score(
            [("E1", "rep"), ("E2", "rep", None, None, None, float("inf"))],
            [("E1", "sales", True), ("E1", "repeat", float("nan")), ("E2", "sales", "x")],
        )
    paths = [e["path"] for e in info.value.errors]
    assert paths == ["assignments[1].bonus_base", "actuals[0].value", "actuals[1].value", "actuals[2].value"]
    assert "bonus_base of subject 'E2'" in info.value.errors[0]["message"]


def frame_variants(values: list[Any], dtype: Any = None) -> dict[str, Any]:
    pdf = pd.DataFrame({"subject": ["E1"] * len(values), "indicator": ["sales", "repeat"][: len(values)]})
    pdf["value"] = pd.Series(values, dtype=dtype)
    return {"pandas": pdf, "polars": pl.from_pandas(pdf), "pyarrow": pa.table(pdf)}


def test_float_columns_follow_the_same_rule(small_plan: kpichain.Plan) -> None:
    for name, frame in frame_variants([0.1, 30.0], "float64").items():
        ev = small_plan.score(ASSIGN, frame)
        assert str(ev[0].item("sales").actual) == "0.1", name
        assert str(ev[0].item("repeat").actual) == "30", name
    for name, frame in frame_variants([0.1, 30.0], "float32").items():
        ev = small_plan.score(ASSIGN, frame)
        assert str(ev[0].item("sales").actual) == "0.1", name


def test_nan_and_null_in_frames_mean_missing(small_plan: kpichain.Plan) -> None:
    # `repeat` has missing_data = exclude: the item is absent and the weights are rescaled.
    for name, frame in frame_variants([90.0, float("nan")], "float64").items():
        ev = small_plan.score(ASSIGN, frame)
        assert ev[0].item("repeat").status == "excluded", name
    nullable = pa.table({"subject": ["E1", "E1"], "indicator": ["sales", "repeat"], "value": pa.array([90, None], pa.int64())})
    assert small_plan.score(ASSIGN, nullable)[0].item("repeat").status == "excluded"
    # polars keeps NaN distinct from null: both mean missing.
    p = pl.DataFrame({"subject": ["E1", "E1"], "indicator": ["sales", "repeat"], "value": [90.0, float("nan")]})
    assert small_plan.score(ASSIGN, p)[0].item("repeat").status == "excluded"
    wide = pl.DataFrame({"subject": ["E1"], "sales": [90.0], "repeat": [None]}, schema={"subject": pl.String, "sales": pl.Float64, "repeat": pl.Float64})
    assert small_plan.score(ASSIGN, wide)[0].item("repeat").status == "excluded"


@pytest.mark.parametrize(
    ("column", "code"),
    [
        (pa.array([math.inf], pa.float64()), "invalid_number"),
        (pa.array([-math.inf], pa.float32()), "invalid_number"),
        (pa.array([1e30], pa.float64()), "number_out_of_range"),
        (pa.array([True], pa.bool_()), "invalid_type"),
        (pa.array(["abc"], pa.string()), "invalid_number"),
        (pa.array([2**63 + 5], pa.uint64()), None),
        (pa.array([Decimal("1E+35")], pa.decimal128(38, 0)), "number_out_of_range"),
        (pa.array([Decimal("12.5")], pa.decimal256(50, 1)), None),
        (pa.array([Decimal("0.5")], pa.decimal128(38, 30)), None),
    ],
)
def test_arrow_value_types(small_plan: kpichain.Plan, column: pa.Array, code: str | None) -> None:
    if pa.types.is_boolean(column.type):
        first = pa.array([None], column.type)
    elif pa.types.is_string(column.type):
        first = pa.array(["30"], column.type)
    else:
        first = pa.array([30], column.type)
    values = pa.concat_arrays([first, column])
    frame = pa.table({"subject": ["E1", "E1"], "indicator": ["repeat", "sales"], "value": values})
    if code is None:
        small_plan.score(ASSIGN, frame)
        return
    with pytest.raises(kpichain.InputError) as info:
        small_plan.score(ASSIGN, frame)
    errors = [e for e in info.value.errors if e["path"] == "actuals[1].value"]
    assert errors and errors[0]["code"] == code
    assert "subject 'E1'" in errors[0]["message"] and "indicator 'sales'" in errors[0]["message"]


def test_wide_frame_errors_name_subject_and_indicator(small_plan: kpichain.Plan) -> None:
    frame = pd.DataFrame({"subject": ["E1"], "sales": [math.inf], "repeat": [1.0]})
    with pytest.raises(kpichain.InputError) as info:
        small_plan.score(ASSIGN, frame)
    [err] = info.value.errors
    assert err["path"] == "actuals[0].sales" and "subject 'E1'" in err["message"] and "'sales'" in err["message"]


def test_integer_and_categorical_ids(small_plan: kpichain.Plan) -> None:
    assignments = pd.DataFrame({"subject": [1001], "role": pd.Categorical(["rep"])})
    actuals = pd.DataFrame({"subject": [1001, 1001], "indicator": pd.Categorical(["sales", "repeat"]), "value": [90, 30]})
    ev = small_plan.score(assignments, actuals)
    assert ev[0].subject == "1001" and ev["1001"].item("sales").actual == 90
    assert small_plan.score([(1001, "rep")], [(1001, "sales", 90), (1001, "repeat", 30)]).to_json() == ev.to_json()


def test_core_shape_dicts_name_subject_and_indicator(small_plan: kpichain.Plan) -> None:
    inputs = {
        "assignments": [{"subject": "E1", "role": "rep", "bonus_base": float("inf")}],
        "actuals": [{"subject": "E1", "indicator": "sales", "value": float("nan")}],
    }
    with pytest.raises(kpichain.InputError) as info:
        small_plan.evaluate(inputs)
    got = [(e["code"], e["path"], e["message"]) for e in info.value.errors]
    assert got[0][:2] == ("invalid_number", "assignments[0].bonus_base") and "bonus_base of subject 'E1'" in got[0][2]
    assert got[1][:2] == ("invalid_number", "actuals[0].value")
    assert "actual of subject 'E1' for indicator 'sales' is NaN" in got[1][2]
    # bool and huge values are rejected by the core, which names them too.
    for bad in (True, 1e40):
        inputs = {"assignments": [{"subject": "E1", "role": "rep"}], "actuals": [{"subject": "E1", "indicator": "sales", "value": bad}]}
        with pytest.raises(kpichain.InputError) as info:
            small_plan.evaluate(inputs)
        [err] = info.value.errors
        assert err["path"] == "actuals[0].value" and "'E1'" in err["message"] and "'sales'" in err["message"]

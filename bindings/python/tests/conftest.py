"""Shared fixtures: repository paths, a small plan, and the sales-company example."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import kpichain

REPO = Path(__file__).resolve().parents[3]
VECTORS = REPO / "tests" / "vectors"
SALES = REPO / "examples" / "sales-company"

SMALL_PLAN: dict[str, Any] = {
    "id": "small",
    "version": "1",
    "indicators": [
        {"id": "sales", "name": "销售额", "unit": "万元"},
        {"id": "repeat", "name": "复购率", "unit": "%"},
        {"id": "complaints", "name": "投诉次数", "direction": "lower_is_better"},
    ],
    "roles": [
        {
            "id": "rep",
            "name": "销售代表",
            "items": [
                {"indicator": "sales", "weight": 60, "target": 100, "rule": {"type": "ratio", "cap": 120}},
                {
                    "indicator": "repeat",
                    "weight": 40,
                    "target": 30,
                    "threshold": 10,
                    "stretch": 50,
                    "rule": {"type": "linear"},
                    "missing_data": "exclude",
                },
            ],
        },
        {
            "id": "svc",
            "name": "客服",
            "items": [{"indicator": "complaints", "weight": 100, "rule": {"type": "deduction", "points": 10}}],
        },
    ],
    "grades": [
        {"grade": "A", "min": 100, "coefficient": "1.2", "label": "优秀"},
        {"grade": "B", "min": 80, "coefficient": "1.0"},
        {"grade": "C", "coefficient": "0.5"},
    ],
}


@pytest.fixture
def small_plan_dict() -> dict[str, Any]:
    return copy.deepcopy(SMALL_PLAN)


@pytest.fixture
def small_plan() -> kpichain.Plan:
    return kpichain.Plan.from_dict(SMALL_PLAN)


SMALL_ASSIGNMENTS: list[dict[str, Any]] = [
    {"subject": "E1", "role": "rep", "name": "张伟", "region": "south", "bonus_base": 10000},
    {"subject": "E2", "role": "rep", "name": "王磊", "region": "north"},
    {"subject": "E3", "role": "svc", "name": "李娜"},
]
SMALL_ACTUALS_LONG: list[tuple[str, str, Any]] = [
    ("E1", "sales", "87.5"),
    ("E1", "repeat", 35),
    ("E2", "sales", 130),
    ("E3", "complaints", 2),
]


@pytest.fixture
def sales_plan() -> kpichain.Plan:
    return kpichain.load_plan(SALES / "plan.json")


def load_json_exact(path: Path) -> Any:
    """JSON with every number kept exactly (floats as Decimal)."""
    from decimal import Decimal

    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


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

"""Plan versions (方案版本), plan diffs and the example company's full chain for 2022."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import kpichain

from conftest import SALES, VECTORS, load_json_exact, pairs
from test_plan import TOML_PLAN

RECORD_SETS = ["orders", "deliveries", "hr_events", "followups"]
GOLDEN_COLUMNS = ["period", "subject", "role", "variant", "total", "grade", "coefficient", "payout"]


def golden(period: str) -> list[dict[str, str]]:
    """The committed results of ``period`` (``expected/2022-monthly.csv``), as text."""
    frame = pd.read_csv(SALES / "expected" / "2022-monthly.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns) == GOLDEN_COLUMNS
    rows: list[dict[str, str]] = frame[frame["period"] == period].to_dict("records")
    return rows


def test_company_a_2022_03_from_the_records_read_by_pandas() -> None:
    versions = kpichain.load_versions(SALES / "company-a-2022.json")
    assert versions.id == "company-a-2022"
    assert versions.span == "period_start"
    records = {name: pd.read_csv(SALES / "records" / f"{name}.csv") for name in RECORD_SETS}
    actuals = pd.read_csv(SALES / "actuals-2022.csv")
    actuals = actuals[actuals["period"] == "2022-03"].drop(columns="period")
    ev = versions.score(
        pd.read_csv(SALES / "assignments.csv"),
        actuals,
        targets=pd.read_csv(SALES / "targets.csv"),
        units=pd.read_csv(SALES / "units.csv"),
        period="2022-03",
        records=records,
    )
    assert ev.plan_id == "company-a-2022"
    assert ev.plan_version == "2022.03"
    assert [v["version"] for v in ev.versions] == ["2022.03"]
    assert ev.versions[0]["effective_from"] == "2022-03-01"
    assert ev.versions[0]["days"] == 31
    derivation = ev.derivation
    assert derivation is not None
    assert [s["bad_records"] for s in derivation["record_sets"]] == [0, 0, 0, 0]

    got = [
        {
            "period": ev.period or "",
            "subject": r.subject,
            "role": r.role,
            "variant": r.variant or "",
            "total": str(r.total),
            "grade": r.grade,
            "coefficient": str(r.coefficient),
            "payout": "" if r.payout is None else str(r.payout),
        }
        for r in ev
    ]
    want = golden("2022-03")
    assert len(want) == 27
    assert got == want

    # The data frame carries the same numbers (exact Decimal columns).
    frame = ev.to_pandas()
    assert list(frame["subject"]) == [w["subject"] for w in want]
    assert list(frame["total"]) == [Decimal(w["total"]) for w in want]
    assert list(frame["grade"]) == [w["grade"] for w in want]
    assert list(frame["payout"]) == [Decimal(w["payout"]) for w in want]
    # The purchasing manager is scored with the March weights.
    assert ev["E004"].item("on_time_supply_rate").weight == Decimal("60")
    assert "version 2022.03" in ev["E004"].explain()
    # The explanation names the period assessed.
    assert ev["E004"].explain().splitlines()[1].endswith(f", period {ev.period}")
    assert ev["E004"].explanation()["period"] == ev.period


def test_versions_by_file_resolves_plan_files_relative_to_the_document() -> None:
    versions = kpichain.load_versions(str(SALES / "versions-by-file.json"))
    assert [(day, p.version) for day, p in versions.versions] == [
        ("2022-01-01", "2022.01"),
        ("2022-03-01", "2022.03"),
        ("2022-06-01", "2022.06"),
    ]
    assert versions.version("2022.01").fingerprint == kpichain.load_plan(SALES / "plan.json").fingerprint
    assert versions.version("2022.03").fingerprint == kpichain.load_plan(SALES / "plan-2022-03.json").fingerprint
    in_force = versions.in_force("2022-05-31")
    assert in_force is not None and in_force.version == "2022.03"
    assert versions.in_force("2021-12-31") is None
    with pytest.raises(KeyError, match="2022.02"):
        versions.version("2022.02")

    ev = versions.score(
        pd.read_csv(SALES / "assignments.csv"),
        pd.read_csv(SALES / "actuals.csv"),
        targets=pd.read_csv(SALES / "targets.csv"),
        period="2022-03",
    )
    assert ev.plan_version == "2022.03"
    assert ev.versions[0]["version"] == "2022.03"
    assert ev.versions[0]["fingerprint"] == versions.version("2022.03").fingerprint
    assert ev.plan_fingerprint == versions.version("2022.03").fingerprint
    assert ev["E004"].item("on_time_supply_rate").weight == Decimal("60")
    assert versions.explain(ev, "E004") == ev["E004"].explain() == ev.explain("E004")
    # January is scored with the first version, June with the last.
    jan = versions.score(pd.read_csv(SALES / "assignments.csv"), pd.read_csv(SALES / "actuals.csv"), period="2022-01")
    assert jan.plan_version == "2022.01"
    assert jan["E004"].item("on_time_supply_rate").weight == Decimal("50")
    q3 = versions.score(pd.read_csv(SALES / "assignments.csv"), pd.read_csv(SALES / "actuals.csv"), period="2022-Q3")
    assert q3.plan_version == "2022.06"
    # The same document given as a dict with the plans inline compiles to the same versions.
    inline = kpichain.load_versions(versions.to_dict())
    assert inline.fingerprint == versions.fingerprint
    assert inline.to_json() == versions.to_json()


def test_diff_of_2022_01_to_2022_03() -> None:
    versions = kpichain.load_versions(SALES / "versions-by-file.json")
    d = versions.diff("2022.01", "2022.03")
    assert not d.is_empty()
    assert d.from_["version"] == "2022.01" and d.to["version"] == "2022.03"
    weight = [c for c in d.changes if c["item"] == "on_time_supply_rate" and c["field"] == "weight"]
    assert len(weight) == 1
    assert weight[0]["role"] == "purchasing_manager"
    assert (weight[0]["before"], weight[0]["after"]) == ("50", "60")
    assert weight[0]["path"] == "roles[2].items[0].weight"
    assert "on_time_supply_rate (供货及时率) weight 50 → 60" in str(d)
    assert str(d).startswith("company-a-2022 2022.01 → 2022.03: 5 changes\n")
    assert len(d) == len(d.changes) == 5
    assert d.to_dict() == json.loads(d.to_json())
    assert d.to_dict()["from"] == d.from_

    # kpichain.diff takes plans as Plan objects, dicts, text or paths, and gives the same diff.
    by_path = kpichain.diff(SALES / "plan.json", str(SALES / "plan-2022-03.json"))
    assert by_path.to_dict() == d.to_dict()
    assert str(by_path) == str(d)
    before = kpichain.load_plan(SALES / "plan.json")
    after_dict = load_json_exact(SALES / "plan-2022-03.json")  # numbers exact, as in the file
    assert kpichain.diff(before, after_dict).to_dict() == d.to_dict()
    assert kpichain.diff(before, (SALES / "plan-2022-03.json").read_text(encoding="utf-8")).changes == d.changes
    assert kpichain.diff(before, before).is_empty()
    assert "no changes" in str(kpichain.diff(before, before.to_dict()))
    # Neither plan needs to compile: the broken draft of March shows its one weight change.
    draft = kpichain.diff(before, SALES / "plan-invalid-weights.json")
    assert [c["path"] for c in draft.changes if c["section"] == "item"] == ["roles[2].items[0].weight"]
    # A plan that cannot be read is a PlanError; unknown version labels are KeyErrors.
    with pytest.raises(kpichain.PlanError):
        kpichain.diff(before, '{"id": "x"}')
    with pytest.raises(KeyError):
        versions.diff("2022.01", "2099.01")
    assert kpichain.diff_schema()["title"] == "PlanDiff"


def pro_rata_vector() -> dict[str, Any]:
    v: dict[str, Any] = load_json_exact(VECTORS / "versions_pro_rata.json")
    return v


def test_pro_rata_results_have_segments_and_explain_them() -> None:
    v = pro_rata_vector()
    versions = kpichain.load_versions(v["versions"])
    assert versions.span == "pro_rata"
    inputs = v["inputs"]
    ev = versions.score(inputs["assignments"], inputs["actuals"], period="2022-Q1")
    assert ev.plan_version == "v1+v2"
    assert [(x["version"], x["from"], x["to"], x["days"]) for x in ev.versions] == [
        ("v1", "2022-01-01", "2022-02-28", 59),
        ("v2", "2022-03-01", "2022-03-31", 31),
    ]
    r = ev["E1"]
    assert (r.total, r.grade, r.payout) == (Decimal("110.33"), "A", Decimal("1200.00"))
    assert r.items == []
    segments = r.segments
    assert [(s["version"], s["days"], s["result"].total) for s in segments] == [
        ("v1", 59, Decimal("100.00")),
        ("v2", 31, Decimal("130.00")),
    ]
    assert [i.weight for i in segments[1]["result"].items] == [Decimal("80"), Decimal("20")]
    assert segments[1]["result"].segments == []
    assert "version v2" in segments[1]["result"].explain()
    text = r.explain()
    assert "pro rata" in text and "=== version v1" in text and "=== version v2" in text
    assert versions.explain(ev, 0) == text
    structured = r.explanation()
    assert [s["version"] for s in structured["segments"]] == ["v1", "v2"]
    # Tables keep working: one row per subject with its total and grade; no items at the top.
    frame = ev.to_pandas()
    assert list(frame["total"]) == [Decimal("110.33")]
    assert list(frame["grade"]) == ["A"]
    assert len(ev.to_pandas(items=True)) == 0
    assert ev.grade_counts() == {"A": 1, "B": 0, "C": 0}
    assert "v1+v2" in ev._repr_html_()
    assert ev.to_dict()["results"][0]["segments"][0]["result"]["total"] == "100.00"


def test_versions_errors() -> None:
    v = pro_rata_vector()
    versions = kpichain.load_versions(v["versions"])
    inputs = v["inputs"]
    with pytest.raises(kpichain.InputError) as err:
        versions.score(inputs["assignments"], inputs["actuals"], period="2021-12")
    assert pairs(err.value.errors) == [{"code": "no_version_in_force", "path": "period"}]
    with pytest.raises(kpichain.InputError) as err:
        versions.score(inputs["assignments"], inputs["actuals"], period="March")
    assert pairs(err.value.errors) == [{"code": "invalid_period", "path": "period"}]
    with pytest.raises(kpichain.InputError) as err:
        versions.evaluate({k: x for k, x in inputs.items() if k != "period"})
    assert pairs(err.value.errors) == [{"code": "missing_period", "path": "period"}]
    with pytest.raises(TypeError):
        versions.score(inputs["assignments"], inputs["actuals"])  # type: ignore[call-arg]
    # Records given for a period no version covers: the period is what is wrong.
    with pytest.raises(kpichain.InputError) as err:
        versions.score(inputs["assignments"], inputs["actuals"], period="2021-12", records={"orders": []})
    assert pairs(err.value.errors) == [{"code": "no_version_in_force", "path": "period"}]

    invalid = load_json_exact(VECTORS / "invalid_versions.json")
    with pytest.raises(kpichain.PlanError) as perr:
        kpichain.load_versions(json.dumps(invalid["versions"], default=str))
    assert pairs(perr.value.errors) == invalid["expected_plan_errors"]
    with pytest.raises(TypeError):
        kpichain.load_versions(42)  # type: ignore[arg-type]


def test_versions_file_with_a_bad_or_missing_plan_file(tmp_path: Path) -> None:
    good = json.loads((SALES / "plan.json").read_text(encoding="utf-8"))
    bad = copy.deepcopy(good)
    bad["version"] = "2"
    bad["roles"][0]["items"][0]["weight"] = "forty"
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "one.json").write_text(json.dumps(good), encoding="utf-8")
    (tmp_path / "plans" / "two.json").write_text(json.dumps(bad), encoding="utf-8")
    doc: dict[str, Any] = {
        "id": "company-a-2022",
        "versions": [
            {"effective_from": "2022-01-01", "plan": "plans/one.json"},
            {"effective_from": "2022-03-01", "plan": "plans/two.json"},
        ],
    }
    (tmp_path / "versions.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(kpichain.PlanError) as err:
        kpichain.load_versions(tmp_path / "versions.json")
    assert [e["path"] for e in err.value.errors] == ["versions[1].plan.roles[0].items[0].weight"]
    assert "plans/two.json" in err.value.errors[0]["message"]

    doc["versions"][1]["plan"] = "plans/missing.json"
    (tmp_path / "versions.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(FileNotFoundError):
        kpichain.load_versions(tmp_path / "versions.json")
    with pytest.raises(FileNotFoundError):
        kpichain.load_versions(str(tmp_path / "nowhere.json"))

    # A TOML plan file is read too, and a plan may also be given inline.
    (tmp_path / "plans" / "three.toml").write_text(TOML_PLAN, encoding="utf-8")
    doc = {
        "id": "toml-plan",
        "versions": [
            {"effective_from": "2022-01-01", "plan": "plans/three.toml"},
            {"effective_from": "2022-07-01", "plan": {**kpichain.load_plan(TOML_PLAN).to_dict(), "version": "4"}},
        ],
    }
    (tmp_path / "versions.json").write_text(json.dumps(doc), encoding="utf-8")
    loaded = kpichain.load_versions(tmp_path / "versions.json")
    assert [(day, p.version) for day, p in loaded.versions] == [("2022-01-01", "3"), ("2022-07-01", "4")]
    assert loaded.version("3").fingerprint == kpichain.load_plan(TOML_PLAN).fingerprint
    assert kpichain.versions_schema()["title"] == "PlanVersions"

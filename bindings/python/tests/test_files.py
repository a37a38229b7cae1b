"""Plan and versions files are read by the shared ``kpichain-io`` crate, the same way the CLI
and Node read them: format by extension, byte order mark ignored, a versions file's plan files
relative to it, an unreadable file raised as ``OSError`` naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kpichain

from conftest import SALES
from test_plan import TOML_PLAN


def test_load_plan_reads_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(TOML_PLAN, encoding="utf-8")
    from_text = kpichain.load_plan(TOML_PLAN)
    assert kpichain.load_plan(path).fingerprint == from_text.fingerprint
    assert kpichain.load_plan(str(path)).fingerprint == from_text.fingerprint
    # A byte order mark is ignored.
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + TOML_PLAN.encode())
    assert kpichain.load_plan(bom).fingerprint == from_text.fingerprint
    # The extension decides: TOML in a .json file is a JSON error.
    wrong = tmp_path / "plan.json"
    wrong.write_text(TOML_PLAN, encoding="utf-8")
    with pytest.raises(kpichain.PlanError):
        kpichain.load_plan(wrong)
    with pytest.raises(FileNotFoundError, match="missing.toml: no such file or directory"):
        kpichain.load_plan(tmp_path / "missing.toml")


def test_load_versions_reads_plan_files_relative_to_the_versions_file(tmp_path: Path) -> None:
    plans = tmp_path / "docs" / "plans"
    plans.mkdir(parents=True)
    (plans / "one.toml").write_text(TOML_PLAN, encoding="utf-8")
    (plans / "two.json").write_text((SALES / "plan.json").read_text(encoding="utf-8"), encoding="utf-8")
    versions_list = [
        {"effective_from": "2022-01-01", "plan": "plans/one.toml"},
        {"effective_from": "2022-03-01", "plan": "plans/two.json"},
    ]
    doc = {"id": "p", "versions": versions_list}
    path = tmp_path / "docs" / "versions.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc).encode())
    versions = kpichain.load_versions(path)
    assert [(day, p.fingerprint) for day, p in versions.versions] == [
        ("2022-01-01", kpichain.load_plan(plans / "one.toml").fingerprint),
        ("2022-03-01", kpichain.load_plan(SALES / "plan.json").fingerprint),
    ]
    # A version handed out is the version itself.
    assert versions.version("3").fingerprint == kpichain.load_plan(TOML_PLAN).fingerprint
    versions_list[1]["plan"] = "plans/missing.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="missing.json: no such file or directory"):
        kpichain.load_versions(path)

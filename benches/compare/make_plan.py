#!/usr/bin/env python3
"""Writes the comparison workload (workload.json) as a kpichain plan, with native rules only.

    python3 benches/compare/make_plan.py            # rewrites benches/compare/plan.json
    python3 benches/compare/make_plan.py --check    # exits 1 when plan.json is not up to date

  linear_higher / linear_lower  `linear` (the indicator's direction says which way):
                                below_score beyond the threshold, floor_score (F) at it,
                                F -> 100 up to the target, 100 -> 120 up to the stretch
  tiered                        `bands` over the achievement (actual / target x 100)
  deduction                     `deduction`: 100 - 5 per incident, not below 0
Only the total is rounded (2 places, half-up); every earlier stage keeps the engine's full
precision (`"none"`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NUM = "\u0000num:"


def num(text: str | int) -> str:
    """A decimal written as a JSON number, exactly as given (see `dump`)."""
    return f"{NUM}{text}"


def dump(plan: dict) -> str:
    text = json.dumps(plan, indent=2, ensure_ascii=False)
    return re.sub(r'"\\u0000num:([-0-9.]+)"', r"\1", text) + "\n"


def direction(rule: str) -> str:
    return "higher_is_better" if rule in ("linear_higher", "tiered") else "lower_is_better"


def build(w: dict) -> dict:
    indicators: dict[str, str] = {}
    roles = []
    for role, items in w["roles"].items():
        out = []
        for it in items:
            d = direction(it["rule"])
            if indicators.setdefault(it["indicator"], d) != d:
                raise ValueError(f"{it['indicator']}: one direction per indicator")
            item: dict = {"indicator": it["indicator"], "weight": num(it["weight"])}
            if it["rule"].startswith("linear"):
                lin = w["linear"]
                item.update(
                    threshold=num(it["threshold"]),
                    target=num(it["target"]),
                    stretch=num(it["stretch"]),
                    rule={
                        "type": "linear",
                        "below_score": num(lin["below_score"]),
                        "floor_score": num(it["threshold_score"]),
                        "target_score": num(lin["target_score"]),
                        "stretch_score": num(lin["stretch_score"]),
                    },
                )
            elif it["rule"] == "tiered":
                edges = w["tiers"]["edges"]
                bands = [{"to": num(edges[0][0]), "score": num(w["tiers"]["below_score"])}]
                for k, (lo, score) in enumerate(edges):
                    band = {"from": num(lo)}
                    if k + 1 < len(edges):
                        band["to"] = num(edges[k + 1][0])
                    band["score"] = num(score)
                    bands.append(band)
                item.update(target=num(it["target"]), rule={"type": "bands", "over": "achievement", "bands": bands})
            else:
                ded = w["deduction"]
                item["rule"] = {
                    "type": "deduction",
                    "start": num(ded["start"]),
                    "points": num(ded["points"]),
                    "floor": num(ded["floor"]),
                }
            out.append(item)
        roles.append({"id": role, "name": role.replace("_", " "), "items": out})
    coefficients = ["1.5", "1.2", "1", "0.8", "0.5"]
    grades = []
    for (g, lo), c in zip(w["grades"], coefficients):
        grade = {"grade": g}
        if lo is not None:
            grade["min"] = num(lo)
        grade["coefficient"] = num(c)
        grades.append(grade)
    return {
        "id": "bench-compare",
        "name": "Comparison workload: 5 roles, 20 role-indicators",
        "version": "1",
        "description": "The plan timed by benches/compare against pandas, polars and Node "
        "(generated from workload.json by make_plan.py).",
        "rounding": {
            "mode": w["total"]["mode"],
            "achievement_scale": "none",
            "item_scale": "none",
            "weighted_scale": "none",
            "total_scale": w["total"]["scale"],
        },
        "indicators": [
            {"id": i, "name": i.replace("_", " "), "direction": d} for i, d in indicators.items()
        ],
        "roles": roles,
        "grades": grades,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only check that plan.json is up to date")
    ap.add_argument("--out", type=Path, default=HERE / "plan.json")
    a = ap.parse_args()
    with open(HERE / "workload.json", encoding="utf-8") as f:
        text = dump(build(json.load(f)))
    if a.check:
        if not a.out.exists() or a.out.read_text(encoding="utf-8") != text:
            print(f"{a.out} is not what make_plan.py writes from workload.json", file=sys.stderr)
            return 1
        return 0
    a.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

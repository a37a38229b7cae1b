#!/usr/bin/env python3
"""Generates the comparison workload's data, deterministically, with the standard library only.

    python3 benches/compare/gen.py [--out DIR] [--force] N [N ...]

For each N, writes into DIR (default benches/compare/data/):
  wide_N.csv   employee_id,role,<one column per indicator>  (empty cells: not the role's)
  long_N.csv   employee_id,role,indicator,actual            (grouped by employee)
  manifest_N.json  sizes and SHA-256 of both files
A size whose files are all there is left alone unless --force is given.

Every value is a whole number of 10^-decimals (the indicator's decimals in workload.json),
drawn with random.Random(SEED) and written as plain decimal text, so it is an exact decimal.
The same seed and the same order of draws make the N = 10,000 set the first 10,000 employees
of the N = 1,000,000 set.

  roles       sales_rep 45 %, operations_manager 20 %, purchasing_manager 15 %,
              hr_manager 12 %, general_manager 8 % (workload.json's role_mix_pct)
  linear      uniform over [low end - 30 % of the threshold-stretch span,
              high end + 25 % of it], clamped at 0
  tiered      uniform over [65 %, 125 %] of the target
  deduction   0 with probability 40 %, else 1 to 22 incidents
  boundaries  6 % of the linear and tiered values are exactly on a boundary: threshold,
              target or stretch; 80, 90, 100 or 110 % of the target
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from random import Random

HERE = Path(__file__).resolve().parent
SEED = 7_2024_0917
ON_BOUNDARY = 0.06
LOW_PAD = Fraction(30, 100)
HIGH_PAD = Fraction(25, 100)
TIER_RANGE = (Fraction(65, 100), Fraction(125, 100))
TIER_EDGES = [Fraction(e, 100) for e in (80, 90, 100, 110)]


def load_workload() -> dict:
    with open(HERE / "workload.json", encoding="utf-8") as f:
        return json.load(f)


class Sampler:
    """Draws one indicator's values as integers in units of 10^-decimals."""

    def __init__(self, item: dict) -> None:
        self.kind = item["rule"]
        self.scale = 10 ** item["decimals"]
        self.decimals = item["decimals"]
        if self.kind in ("linear_higher", "linear_lower"):
            t, g, x = (Fraction(item[k]) for k in ("threshold", "target", "stretch"))
            lo, hi = min(t, x), max(t, x)
            span = hi - lo
            self.low = max(0, math.ceil((lo - LOW_PAD * span) * self.scale))
            self.high = math.floor((hi + HIGH_PAD * span) * self.scale)
            self.boundaries = [self.units(v) for v in (t, g, x)]
        elif self.kind == "tiered":
            g = Fraction(item["target"])
            self.low = math.ceil(TIER_RANGE[0] * g * self.scale)
            self.high = math.floor(TIER_RANGE[1] * g * self.scale)
            self.boundaries = [self.units(e * g) for e in TIER_EDGES]
        elif self.kind != "deduction":
            raise ValueError(f"unknown rule {self.kind}")

    def units(self, v: Fraction) -> int:
        u = v * self.scale
        if u.denominator != 1:
            raise ValueError(f"boundary {v} is not a whole number of 10^-{self.decimals}")
        return int(u)

    def draw(self, rng: Random) -> int:
        if self.kind == "deduction":
            return 0 if rng.random() < 0.4 else rng.randint(1, 22)
        if rng.random() < ON_BOUNDARY:
            return rng.choice(self.boundaries)
        return rng.randint(self.low, self.high)

    def text(self, units: int) -> str:
        if self.decimals == 0:
            return str(units)
        whole, frac = divmod(units, self.scale)
        return f"{whole}.{frac:0{self.decimals}d}"


def generate(n: int, out: Path) -> dict:
    w = load_workload()
    roles = list(w["role_mix_pct"])
    cum, acc = [], 0
    for r in roles:
        acc += w["role_mix_pct"][r]
        cum.append(acc)
    assert acc == 100, "role mix must sum to 100"
    columns: list[str] = []
    for r in w["roles"].values():
        for it in r:
            if it["indicator"] not in columns:
                columns.append(it["indicator"])
    samplers = {r: [(it["indicator"], Sampler(it)) for it in items] for r, items in w["roles"].items()}
    position = {c: i for i, c in enumerate(columns)}

    rng = Random(SEED)
    wide_path, long_path = out / f"wide_{n}.csv", out / f"long_{n}.csv"
    long_rows = 0
    with open(wide_path, "w", encoding="utf-8", newline="") as wide, open(
        long_path, "w", encoding="utf-8", newline=""
    ) as long:
        wide.write("employee_id,role," + ",".join(columns) + "\n")
        long.write("employee_id,role,indicator,actual\n")
        wbuf: list[str] = []
        lbuf: list[str] = []
        for k in range(n):
            pick = rng.random() * 100
            role = roles[next(i for i, c in enumerate(cum) if pick < c)]
            emp = f"E{k + 1:07d}"
            cells = [""] * len(columns)
            for ind, s in samplers[role]:
                v = s.text(s.draw(rng))
                cells[position[ind]] = v
                lbuf.append(f"{emp},{role},{ind},{v}\n")
            long_rows += len(samplers[role])
            wbuf.append(f"{emp},{role}," + ",".join(cells) + "\n")
            if len(wbuf) >= 50_000:
                wide.write("".join(wbuf))
                long.write("".join(lbuf))
                wbuf.clear()
                lbuf.clear()
        wide.write("".join(wbuf))
        long.write("".join(lbuf))

    def sha(p: Path) -> str:
        h = hashlib.sha256()
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()

    manifest = {
        "employees": n,
        "seed": SEED,
        "indicator_columns": columns,
        "wide": {"file": wide_path.name, "bytes": wide_path.stat().st_size, "sha256": sha(wide_path)},
        "long": {
            "file": long_path.name,
            "rows": long_rows,
            "bytes": long_path.stat().st_size,
            "sha256": sha(long_path),
        },
    }
    with open(out / f"manifest_{n}.json", "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="+", type=int)
    ap.add_argument("--out", type=Path, default=HERE / "data")
    ap.add_argument("--force", action="store_true", help="regenerate sizes already there")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    for n in a.sizes:
        have = all((a.out / f"{p}_{n}.{e}").exists() for p, e in (("wide", "csv"), ("long", "csv"), ("manifest", "json")))
        if have and not a.force:
            print(f"gen: {n} employees already in {os.path.relpath(a.out)}", file=sys.stderr)
            continue
        m = generate(n, a.out)
        print(
            f"gen: {n} employees -> {m['wide']['file']} ({m['wide']['bytes'] / 1e6:.1f} MB), "
            f"{m['long']['file']} ({m['long']['rows']} rows, {m['long']['bytes'] / 1e6:.1f} MB)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

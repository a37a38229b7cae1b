#!/usr/bin/env python3
"""The Python peers of the comparison, one per process:

    python benches/compare/peers.py PEER --data data/wide_10000.csv [--repeat R] [--budget S]
                                        [--out FILE] [--plan plan.json]

PEER is one of:
  exact             fractions.Fraction, the single rounding of the total (half-up): the
                    exact answer every other peer is checked against
  pandas            pandas/numpy float64, vectorised per role
  polars            polars Float64 expressions
  polars_decimal    polars Decimal(38, 20) expressions, the total rounded half away from zero
  kpichain_pandas   kpichain.Plan.score(pandas frame) -> Evaluation.to_arrow()
  kpichain_polars   kpichain.Plan.score(polars frame) -> Evaluation.to_arrow()
  kpichain_arrow    kpichain.Plan.score(pyarrow table) -> Evaluation.to_arrow()

Each reads the wide CSV into its natural in-memory input (not timed as evaluation), then times
evaluation only, from that input to totals and grades in memory: up to R passes (stopping
early once S seconds of evaluation are spent, after at least 3), the median reported. The
results are written to FILE as employee_id,total,grade (total with 2 decimals), outside the
timing. Prints one JSON line: peer, employees, read_s, eval_s (every pass), eval_median_s.
The float and Decimal peers read the rules from workload.json; kpichain reads plan.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent


def workload() -> dict:
    with open(HERE / "workload.json", encoding="utf-8") as f:
        return json.load(f)


def grade_edges(w: dict) -> list[tuple[str, Fraction | None]]:
    return [(g, None if lo is None else Fraction(lo)) for g, lo in w["grades"]]


# ---- exact: fractions.Fraction ------------------------------------------------------------


class Exact:
    """Rational arithmetic; only the total is rounded, half-up to 2 places."""

    def __init__(self, w: dict) -> None:
        self.roles: dict[str, list[tuple[str, Callable[[Fraction], Fraction], Fraction]]] = {}
        lin = {k: Fraction(v) for k, v in w["linear"].items()}
        tiers = [(Fraction(lo), Fraction(s)) for lo, s in w["tiers"]["edges"]]
        tier_below = Fraction(w["tiers"]["below_score"])
        ded = {k: Fraction(v) for k, v in w["deduction"].items()}
        for role, items in w["roles"].items():
            rules = []
            for it in items:
                weight = Fraction(it["weight"]) / 100
                kind = it["rule"]
                if kind.startswith("linear"):
                    t, g, x, f = (Fraction(it[k]) for k in ("threshold", "target", "stretch", "threshold_score"))
                    rule = self.linear(kind == "linear_higher", t, g, x, f, lin)
                elif kind == "tiered":
                    rule = self.tiered(Fraction(it["target"]), tiers, tier_below)
                else:
                    rule = self.deduction(ded)
                rules.append((it["indicator"], rule, weight))
            self.roles[role] = rules
        self.grades = grade_edges(w)
        self.scale = 10 ** w["total"]["scale"]

    @staticmethod
    def linear(higher: bool, t: Fraction, g: Fraction, x: Fraction, f: Fraction, lin: dict) -> Callable[[Fraction], Fraction]:
        below, top, cap = lin["below_score"], lin["target_score"], lin["stretch_score"]
        sign = 1 if higher else -1

        def score(a: Fraction) -> Fraction:
            # Distances measured towards the good side, so one formula serves both directions.
            if sign * (a - t) < 0:
                return below
            if sign * (a - g) < 0:
                return f + (a - t) * (top - f) / (g - t)
            if sign * (a - x) < 0:
                return top + (a - g) * (cap - top) / (x - g)
            return cap

        return score

    @staticmethod
    def tiered(g: Fraction, tiers: list[tuple[Fraction, Fraction]], below: Fraction) -> Callable[[Fraction], Fraction]:
        def score(a: Fraction) -> Fraction:
            p = a / g * 100
            s = below
            for lo, v in tiers:
                if p >= lo:
                    s = v
            return s

        return score

    @staticmethod
    def deduction(ded: dict) -> Callable[[Fraction], Fraction]:
        def score(a: Fraction) -> Fraction:
            return max(ded["floor"], ded["start"] - ded["points"] * a)

        return score

    def read(self, path: Path) -> list[tuple[str, str, dict[str, Fraction]]]:
        rows = []
        with open(path, encoding="utf-8", newline="") as f:
            r = csv.reader(f)
            header = next(r)
            for line in r:
                rows.append((line[0], line[1], {k: Fraction(v) for k, v in zip(header[2:], line[2:]) if v}))
        return rows

    def evaluate(self, rows: list[tuple[str, str, dict[str, Fraction]]]) -> tuple[list[str], list[int], list[str]]:
        ids, hundredths, grades = [], [], []
        half = Fraction(1, 2)
        for emp, role, values in rows:
            total = sum((w * rule(values[ind]) for ind, rule, w in self.roles[role]), Fraction(0))
            q = (total * self.scale + half).__floor__()  # half-up (totals are never negative)
            rounded = Fraction(q, self.scale)
            grade = next(g for g, lo in self.grades if lo is None or rounded >= lo)
            ids.append(emp)
            hundredths.append(q)
            grades.append(grade)
        return ids, hundredths, grades

    def rows(self, result: tuple[list[str], list[int], list[str]]) -> list[tuple[str, str, str]]:
        ids, qs, gs = result
        return [(e, f"{q // 100}.{q % 100:02d}", g) for e, q, g in zip(ids, qs, gs)]


# ---- pandas float -------------------------------------------------------------------------


class Pandas:
    def __init__(self, w: dict) -> None:
        import numpy as np
        import pandas as pd

        self.np, self.pd, self.w = np, pd, w

    def read(self, path: Path) -> Any:
        return self.pd.read_csv(path)

    def score(self, it: dict, a: Any) -> Any:
        np, w = self.np, self.w
        kind = it["rule"]
        if kind.startswith("linear"):
            t, g, x, f = (float(it[k]) for k in ("threshold", "target", "stretch", "threshold_score"))
            top, cap, below = (float(w["linear"][k]) for k in ("target_score", "stretch_score", "below_score"))
            if kind == "linear_higher":
                return np.select(
                    [a < t, a < g, a < x],
                    [below, f + (a - t) * (top - f) / (g - t), top + (a - g) * (cap - top) / (x - g)],
                    cap,
                )
            return np.select(
                [a > t, a > g, a > x],
                [below, f + (t - a) * (top - f) / (t - g), top + (g - a) * (cap - top) / (g - x)],
                cap,
            )
        if kind == "tiered":
            p = a / float(it["target"]) * 100
            edges = w["tiers"]["edges"]
            return np.select(
                [p >= float(lo) for lo, _ in reversed(edges)],
                [float(s) for _, s in reversed(edges)],
                float(w["tiers"]["below_score"]),
            )
        d = w["deduction"]
        return np.maximum(float(d["floor"]), float(d["start"]) - float(d["points"]) * a)

    def evaluate(self, df: Any) -> Any:
        np, pd = self.np, self.pd
        total = pd.Series(0.0, index=df.index)
        for role, items in self.w["roles"].items():
            mask = df["role"] == role
            sub = df.loc[mask]
            t = np.zeros(len(sub))
            for it in items:
                t += float(it["weight"]) / 100 * self.score(it, sub[it["indicator"]].to_numpy())
            total[mask] = t
        rounded = np.floor(total * 100 + 0.5) / 100
        grades = self.w["grades"]
        grade = np.select([rounded >= float(lo) for _, lo in grades[:-1]], [g for g, _ in grades[:-1]], grades[-1][0])
        return pd.DataFrame({"employee_id": df["employee_id"], "total": rounded, "grade": grade})

    def rows(self, out: Any) -> list[tuple[str, str, str]]:
        return [(e, f"{t:.2f}", g) for e, t, g in zip(out["employee_id"], out["total"], out["grade"])]


# ---- polars (Float64 or Decimal) ----------------------------------------------------------


class Polars:
    def __init__(self, w: dict, decimal: bool) -> None:
        import polars as pl

        self.pl, self.w, self.decimal = pl, w, decimal
        self.dtype = pl.Decimal(38, 20) if decimal else pl.Float64
        self.plan = self.build()

    def lit(self, v: str) -> Any:
        pl = self.pl
        return pl.lit(v).cast(self.dtype) if self.decimal else pl.lit(float(v))

    def read(self, path: Path) -> Any:
        pl = self.pl
        if not self.decimal:
            return pl.read_csv(path)
        # Decimal text parsed straight into Decimal(38, 20) columns: exact, no float in between.
        with open(path, encoding="utf-8") as f:
            header = f.readline().strip().split(",")
        return pl.read_csv(path, schema_overrides={c: self.dtype for c in header[2:]})

    def score(self, it: dict) -> Any:
        pl, w, lit = self.pl, self.w, self.lit
        a = pl.col(it["indicator"])
        if not self.decimal:
            a = a.cast(pl.Float64)
        kind = it["rule"]
        if kind.startswith("linear"):
            t, g, x, f = (lit(it[k]) for k in ("threshold", "target", "stretch", "threshold_score"))
            top, cap, below = (lit(w["linear"][k]) for k in ("target_score", "stretch_score", "below_score"))
            if kind == "linear_higher":
                return (
                    pl.when(a < t).then(below)
                    .when(a < g).then(f + (a - t) * (top - f) / (g - t))
                    .when(a < x).then(top + (a - g) * (cap - top) / (x - g))
                    .otherwise(cap)
                )
            return (
                pl.when(a > t).then(below)
                .when(a > g).then(f + (t - a) * (top - f) / (t - g))
                .when(a > x).then(top + (g - a) * (cap - top) / (g - x))
                .otherwise(cap)
            )
        if kind == "tiered":
            p = a / lit(it["target"]) * lit("100")
            expr = None
            for lo, s in reversed(w["tiers"]["edges"]):
                expr = (pl.when(p >= lit(lo)) if expr is None else expr.when(p >= lit(lo))).then(lit(s))
            return expr.otherwise(lit(w["tiers"]["below_score"]))
        d = w["deduction"]
        return pl.max_horizontal(lit(d["floor"]), lit(d["start"]) - lit(d["points"]) * a)

    def build(self) -> Any:
        pl, w, lit = self.pl, self.w, self.lit
        total = None
        for role, items in w["roles"].items():
            expr = None
            for it in items:
                term = lit(it["weight"]) / lit("100") * self.score(it)
                expr = term if expr is None else expr + term
            cond = pl.col("role") == role
            total = (pl.when(cond) if total is None else total.when(cond)).then(expr)
        if self.decimal:
            rounded = total.round(2, mode="half_away_from_zero")  # half-up: totals are >= 0
        else:
            rounded = (total * 100 + 0.5).floor() / 100
        grade = None
        for g, lo in w["grades"][:-1]:
            cond = pl.col("total") >= lit(lo)
            grade = (pl.when(cond) if grade is None else grade.when(cond)).then(pl.lit(g))
        grade = grade.otherwise(pl.lit(w["grades"][-1][0]))
        return (rounded.alias("total"), grade.alias("grade"))

    def evaluate(self, df: Any) -> Any:
        rounded, grade = self.plan
        return df.select("employee_id", rounded).with_columns(grade)

    def rows(self, out: Any) -> list[tuple[str, str, str]]:
        return [(e, f"{t:.2f}", g) for e, t, g in out.iter_rows()]


# ---- kpichain -----------------------------------------------------------------------------


class Kpichain:
    def __init__(self, plan: Path, frame: str) -> None:
        import kpichain

        self.plan = kpichain.load_plan(str(plan))
        self.frame = frame

    def read(self, path: Path) -> Any:
        # The wide table as each library reads it; kpichain names the id column `subject`.
        if self.frame == "pandas":
            import pandas as pd

            return pd.read_csv(path).rename(columns={"employee_id": "subject"})
        if self.frame == "polars":
            import polars as pl

            return pl.read_csv(path).rename({"employee_id": "subject"})
        import pyarrow.csv as pacsv

        t = pacsv.read_csv(path)
        return t.rename_columns(["subject", *t.column_names[1:]])

    def evaluate(self, frame: Any) -> Any:
        # Totals and grades in memory as Arrow columns: no Python object per employee.
        return self.plan.score(frame).to_arrow()

    def rows(self, table: Any) -> list[tuple[str, str, str]]:
        t = table.select(["subject", "total", "grade"]).to_pydict()
        return [(e, str(v), g) for e, v, g in zip(t["subject"], t["total"], t["grade"])]


PEERS: dict[str, Callable[[argparse.Namespace], Any]] = {
    "exact": lambda a: Exact(workload()),
    "pandas": lambda a: Pandas(workload()),
    "polars": lambda a: Polars(workload(), decimal=False),
    "polars_decimal": lambda a: Polars(workload(), decimal=True),
    "kpichain_pandas": lambda a: Kpichain(a.plan, "pandas"),
    "kpichain_polars": lambda a: Kpichain(a.plan, "polars"),
    "kpichain_arrow": lambda a: Kpichain(a.plan, "arrow"),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("peer", choices=sorted(PEERS))
    ap.add_argument("--data", type=Path, required=True, help="the wide CSV")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--budget", type=float, default=5.0, help="seconds of evaluation after which passes stop (at least 3)")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--plan", type=Path, default=HERE / "plan.json")
    a = ap.parse_args()

    peer = PEERS[a.peer](a)
    t0 = time.perf_counter()
    data = peer.read(a.data)
    read_s = time.perf_counter() - t0
    times: list[float] = []
    result = None
    while len(times) < max(a.repeat, 1):
        result = None  # the previous pass's result is freed before the next one starts
        t0 = time.perf_counter()
        result = peer.evaluate(data)
        times.append(time.perf_counter() - t0)
        if len(times) >= 3 and sum(times) > a.budget:
            break
    if a.out:
        with open(a.out, "w", encoding="utf-8", newline="") as f:
            f.write("employee_id,total,grade\n")
            f.writelines(f"{e},{t},{g}\n" for e, t, g in peer.rows(result))
    n = sum(1 for _ in open(a.data, encoding="utf-8")) - 1
    print(json.dumps({"peer": a.peer, "employees": n, "read_s": read_s, "eval_s": times, "eval_median_s": statistics.median(times)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

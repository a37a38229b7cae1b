"""Python batch scoring against native Rust and a hand-written pandas (float) version, in one run.

    # a release build of the binding into the current venv
    maturin develop --release -m bindings/python/Cargo.toml
    python benches/python/bench.py [--subjects 100000] [--repeat 5]

Data: the Rust benchmark's generated batch (benches/src/lib.rs): one role of five items, one of
each rule — linear, ratio (cap 120), bands over achievement, per-unit (+2 / −3 per % of
target), and the formula ``min(actual / target * 100, 120)`` — weights 20 each, with
five actuals per subject between 30.00 and 169.99 (the same xorshift sequence, so the
same numbers). Measured on the same data, best of ``--repeat`` runs:

  rust            the core alone, timed inside the native module as a Rust program would run
                  it: CompiledPlan::evaluate on parsed inputs (the baseline of the ratios);
                  also with Inputs::from_json before and serde_json serialization after
  evaluate(json)  plan.evaluate(text): the same from Python, results as Python objects on demand
  frame: …        plan.score(data frame): pandas / polars / pyarrow, wide and long, read
                  through the Arrow C data interface (no per-row Python objects)
  frame+to_pandas the pandas wide path plus converting the results back to a pandas frame
                  (exact Decimal columns)
  rows: …         plan.score(list of dicts / tuples)
  pandas floats   a hand-written, vectorized pandas/numpy version of the same plan with
                  float64 arithmetic and np.round (no validation, no explanation, no
                  per-item results)

and reports the cost per subject and the ratio to ``rust: evaluate``. It also counts the subjects whose
total or grade differs between the float version and the exact engine.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

import kpichain

INDICATORS = [f"k{i}" for i in range(5)]


def plan_dict() -> dict[str, Any]:
    """benches/src/lib.rs `plan_json(RuleKind::Mixed)`."""
    rules: list[dict[str, Any]] = [
        {"type": "linear"},
        {"type": "ratio", "cap": 120},
        {
            "type": "bands",
            "over": "achievement",
            "bands": [
                {"to": 60, "score": 0},
                {"from": 60, "to": 80, "score": 60},
                {"from": 80, "to": 100, "score": 80},
                {"from": 100, "to": 120, "score": 100},
                {"from": 120, "score": 120},
            ],
        },
        {"type": "per_unit", "points_above": 2, "points_below": 3, "cap": 120},
        {"type": "formula", "expression": "min(actual / target * 100, 120)", "floor": 0},
    ]
    return {
        "id": "bench",
        "version": "1",
        "indicators": [{"id": k, "name": f"指标{i}"} for i, k in enumerate(INDICATORS)],
        "roles": [
            {
                "id": "staff",
                "name": "员工",
                "items": [
                    {"indicator": k, "weight": 20, "threshold": 50, "target": 100, "stretch": 150, "rule": rule}
                    for k, rule in zip(INDICATORS, rules)
                ],
            }
        ],
        "grades": [
            {"grade": "S", "min": 110, "coefficient": "1.5"},
            {"grade": "A", "min": 100, "coefficient": "1.2"},
            {"grade": "B", "min": 80, "coefficient": "1"},
            {"grade": "C", "min": 60, "coefficient": "0.8"},
            {"grade": "D", "coefficient": "0"},
        ],
    }


def generate(n: int) -> tuple[list[str], np.ndarray]:
    """benches/src/lib.rs `inputs(n)`: subject ids and an (n, 5) array of cents."""
    mask = (1 << 64) - 1
    seed = 0x2545_F491_4F6C_DD1D
    cents = np.empty(n * 5, dtype=np.int64)
    for j in range(n * 5):
        seed ^= (seed << 13) & mask
        seed ^= seed >> 7
        seed ^= (seed << 17) & mask
        cents[j] = 3_000 + seed % 14_000
    return [f"E{s:07d}" for s in range(n)], cents.reshape(n, 5)


def pandas_floats(frame: pd.DataFrame) -> pd.DataFrame:
    """The same plan, hand-written with float64 numpy arithmetic (what one would write
    without kpichain)."""
    a = frame[INDICATORS].to_numpy(dtype=np.float64)
    k0, k1, k2, k3, k4 = a.T
    ach = np.round(a / 100.0 * 100.0, 2)
    linear = np.where(
        k0 <= 50, 0.0, np.where(k0 < 100, (k0 - 50) * 2.0, np.where(k0 < 150, 100 + (k0 - 100) * 0.4, 120.0))
    )
    ratio = np.clip(ach[:, 1], 0, 120)
    bands = np.select([ach[:, 2] < 60, ach[:, 2] < 80, ach[:, 2] < 100, ach[:, 2] < 120], [0.0, 60.0, 80.0, 100.0], 120.0)
    dev = (k3 - 100) * 100 / 100
    per_unit = np.clip(100 + np.where(dev >= 0, 2 * dev, 3 * dev), 0, 120)
    formula = np.clip(np.minimum(k4 / 100 * 100, 120), 0, None)
    scores = np.round(np.stack([linear, ratio, bands, per_unit, formula], axis=1), 2)
    total = np.round(np.round(scores * 20 / 100, 4).sum(axis=1), 2)
    grade = np.select([total >= 110, total >= 100, total >= 80, total >= 60], ["S", "A", "B", "C"], "D")
    coefficient = pd.Series(grade).map({"S": 1.5, "A": 1.2, "B": 1.0, "C": 0.8, "D": 0.0}).to_numpy()
    return pd.DataFrame({"subject": frame["subject"], "total": total, "grade": grade, "coefficient": coefficient})


def best(fn: Callable[[], Any], repeat: int) -> float:
    """Best time of `repeat` runs; the result is freed after the clock stops (as the Rust
    timings free theirs)."""
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        del result
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n, repeat = args.subjects, args.repeat

    plan = kpichain.Plan.from_dict(plan_dict())
    subjects, cents = generate(n)
    text_values = [[f"{c // 100}.{c % 100:02d}" for c in row] for row in cents.tolist()]
    assignments_rows = [{"subject": s, "role": "staff"} for s in subjects]
    actual_tuples = [(s, k, v) for s, row in zip(subjects, text_values) for k, v in zip(INDICATORS, row)]
    # The core's JSON input shape, numbers as exact JSON number literals.
    inputs_json = "".join(
        [
            '{"period":"2022-01","assignments":[',
            ",".join(f'{{"subject":"{s}","role":"staff"}}' for s in subjects),
            '],"actuals":[',
            ",".join(f'{{"subject":"{s}","indicator":"{k}","value":{v}}}' for s, k, v in actual_tuples),
            "]}",
        ]
    )
    floats = cents / 100.0
    wide = pd.DataFrame({"subject": subjects, **{k: floats[:, i] for i, k in enumerate(INDICATORS)}})
    wide_with_role = wide.assign(role="staff")
    assignments = pd.DataFrame({"subject": subjects, "role": "staff"})
    long = pd.DataFrame(
        {
            "subject": np.repeat(np.array(subjects, dtype=object), 5),
            "indicator": INDICATORS * n,
            "value": floats.reshape(-1),
        }
    )
    pl_assign, pl_wide = pl.from_pandas(assignments), pl.from_pandas(wide)
    pa_assign, pa_wide = pa.table(assignments), pa.table(wide)
    wide_dicts = [{"subject": s, **dict(zip(INDICATORS, row))} for s, row in zip(subjects, floats.tolist())]

    native = plan._bench_native(inputs_json, repeat)  # type: ignore[attr-defined]
    if not native["optimized"]:
        print("warning: debug build; run `maturin develop --release -m bindings/python/Cargo.toml` for real figures\n")
    reference = plan.score(assignments, wide)
    exact = reference.to_pandas(floats=False)

    cases: list[tuple[str, Callable[[], Any]]] = [
        ("evaluate(json text)", lambda: plan.evaluate(inputs_json)),
        ("frame: pandas wide", lambda: plan.score(assignments, wide)),
        ("frame: pandas combined", lambda: plan.score(wide_with_role)),
        ("frame: pandas long", lambda: plan.score(assignments, long)),
        ("frame: polars wide", lambda: plan.score(pl_assign, pl_wide)),
        ("frame: pyarrow wide", lambda: plan.score(pa_assign, pa_wide)),
        ("frame+to_pandas (Decimal)", lambda: plan.score(assignments, wide).to_pandas()),
        ("rows: tuples (long)", lambda: plan.score(assignments_rows, actual_tuples)),
        ("rows: dicts (wide)", lambda: plan.score(assignments_rows, wide_dicts)),
        ("pandas floats (hand-written)", lambda: pandas_floats(wide_with_role)),
    ]
    rust = native["evaluate"]
    rows = [
        ("rust: evaluate", rust),
        ("rust: parse JSON + evaluate", native["parse"] + native["evaluate"]),
        ("rust: parse + evaluate + to JSON", native["parse"] + native["evaluate"] + native["serialize"]),
    ] + [(name, best(fn, repeat)) for name, fn in cases]

    print(f"kpichain {kpichain.__version__}: {n:,} subjects x 5 items, best of {repeat}")
    print(f"{'path':34} {'total ms':>10} {'µs/subject':>11} {'× rust':>8}")
    for name, seconds in rows:
        print(f"{name:34} {seconds * 1e3:10.1f} {seconds / n * 1e6:11.3f} {seconds / rust:8.2f}")

    fl = pandas_floats(wide_with_role)
    exact_total = exact["total"].map(lambda d: d.quantize(Decimal("0.01"), ROUND_HALF_UP))
    float_total = fl["total"].map(lambda f: Decimal(repr(f)).quantize(Decimal("0.01"), ROUND_HALF_UP))
    total_diff = int((exact_total != float_total).sum())
    grade_diff = int((exact["grade"] != fl["grade"]).sum())
    print(f"\nfloat version vs exact engine: {total_diff:,} totals and {grade_diff:,} grades differ out of {n:,}")


if __name__ == "__main__":
    main()

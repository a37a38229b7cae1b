"""One compiled plan scored from many threads at once; the GIL is released while scoring."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa

import kpichain


def batch(seed: int, n: int) -> tuple[pa.Table, pa.Table]:
    rng = np.random.default_rng(seed)
    subjects = pa.array([f"S{seed}-{i}" for i in range(n)])
    roles = pa.array(np.where(rng.random(n) < 0.8, "rep", "svc").tolist())
    assignments = pa.table({"subject": subjects, "role": roles})
    actuals = pa.table(
        {
            "subject": subjects,
            "sales": rng.uniform(40, 160, n).round(2),
            "repeat": rng.uniform(0, 70, n).round(1),
            "complaints": rng.integers(0, 12, n),
        }
    )
    return assignments, actuals


def test_same_plan_from_many_threads(small_plan: kpichain.Plan) -> None:
    inputs = [batch(seed, 2_000) for seed in range(8)]
    sequential = [small_plan.score(a, x).to_json() for a, x in inputs]
    barrier = threading.Barrier(8)

    def work(i: int) -> list[str]:
        barrier.wait()
        a, x = inputs[i]
        # Mix the entry points: frames, rows and the core JSON shape.
        out = [small_plan.score(a, x).to_json() for _ in range(3)]
        rows = small_plan.score(a.to_pylist(), x.to_pylist())
        out.append(rows.to_json())
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))
    for i, got in enumerate(results):
        assert all(g == sequential[i] for g in got), f"thread {i} differs"


def test_scoring_releases_the_gil(small_plan: kpichain.Plan) -> None:
    a, x = batch(99, 100_000)
    done = threading.Event()
    result: list[kpichain.Evaluation] = []

    def work() -> None:
        result.append(small_plan.score(a, x))
        done.set()

    ticks = 0
    worker = threading.Thread(target=work)
    worker.start()
    while not done.is_set():
        ticks += 1
    worker.join()
    assert len(result[0]) == 100_000
    # While the Rust core scores, this thread keeps running Python code.
    assert ticks > 10_000, ticks

"""A million subjects: the batch path stays within a bounded amount of memory and time.

Run in a fresh interpreter so that the peak RSS measured belongs to this run alone.
Marked ``slow`` (``-m "not slow"`` skips it); ci.sh runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import json, resource, sys, time
    import numpy as np, pyarrow as pa
    import kpichain
    sys.path.insert(0, sys.argv[2])
    from conftest import SMALL_PLAN

    n = int(sys.argv[1])
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB on Linux
    plan = kpichain.Plan.from_dict(SMALL_PLAN)
    rng = np.random.default_rng(7)
    subjects = pa.array([f"E{i:07d}" for i in range(n)])
    assignments = pa.table({"subject": subjects, "role": pa.array(["rep"] * n)})
    actuals = pa.table({"subject": subjects, "sales": rng.uniform(50, 150, n).round(1),
                        "repeat": rng.uniform(5, 60, n).round(2)})
    base = rss()
    t0 = time.perf_counter()
    ev = plan.score(assignments, actuals)
    seconds = time.perf_counter() - t0
    table = ev.to_arrow()
    counts = ev.grade_counts()
    first = rss()
    del ev, table
    ev = plan.score(assignments, actuals)  # a second batch reuses the freed memory
    second = rss()
    print(json.dumps({"n": len(ev), "seconds": seconds, "base": base, "first": first,
                      "second": second, "counts": counts}))
    """
)


@pytest.mark.slow
def test_million_subjects_bounded_memory() -> None:
    from conftest import REPO

    n = 1_000_000
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(n), str(REPO / "bindings" / "python" / "tests")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    print(f"1M subjects: scored in {out['seconds']:.1f} s, peak RSS {out['base']:.0f} → {out['first']:.0f} → {out['second']:.0f} MiB")
    assert out["n"] == n and sum(out["counts"].values()) == n
    growth = out["first"] - out["base"]
    # About 1.3 KiB per subject in practice (inputs, results with every item, the Arrow
    # table); 4 KiB per subject is the generous bound.
    assert growth < 4 * n / 1024, f"peak RSS grew by {growth:.0f} MiB"
    # Scoring again after freeing the first results must not raise the peak much further.
    assert out["second"] - out["first"] < 0.5 * growth, out
    assert out["seconds"] < 120

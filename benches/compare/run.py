#!/usr/bin/env python3
"""Runs every peer of the comparison on the same data, in one run, and prints the table.

    python benches/compare/run.py [--sizes 10000 1000000] [--peers a,b,...] [--repeat 30]
                                  [--budget 3] [--plan plan.json] [--rust-bin PATH]

`make bench-compare` builds what this needs and runs it. For each size the data is generated
when missing (gen.py), then each peer runs in its own process; its peak RSS is that process's
ru_maxrss (os.wait4), its time the median of its evaluation passes (at most --repeat warm
passes within --budget seconds, at least 3, for sizes up to 100,000; one pass above). Every
peer's results are compared with the exact reference's (count of differing totals and
grades). Results go to benches/compare/out/ (results_N.json and each peer's CSV).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "out"

# name: (kind, description shown in the table)
PEERS = {
    "exact": ("py", "Python fractions.Fraction (exact reference)"),
    "kpichain_rust": ("rust", "kpichain, Rust (ColumnBatch::score)"),
    "kpichain_rust_table": ("rust", "kpichain, Rust (score_table)"),
    "kpichain_arrow": ("py", "kpichain, Python: pyarrow in, Arrow out"),
    "kpichain_polars": ("py", "kpichain, Python: polars in, Arrow out"),
    "kpichain_pandas": ("py", "kpichain, Python: pandas in, Arrow out"),
    "kpichain_node": ("node", "kpichain, Node"),
    "polars": ("py", "polars, Float64"),
    "polars_decimal": ("py", "polars, Decimal(38, 20)"),
    "pandas": ("py", "pandas, float64"),
    "node_float": ("node", "Node, plain float loop"),
}


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: %.2f, %.2f, %.2f" % os.getloadavg()


def run_peer(cmd: list[str]) -> tuple[dict, int, float]:
    """Runs one peer; returns its JSON line, its peak RSS in KiB and its wall time."""
    t0 = time.perf_counter()
    with open(OUT / ".stdout", "w+b") as so, open(OUT / ".stderr", "w+b") as se:
        p = subprocess.Popen(cmd, stdout=so, stderr=se, cwd=ROOT)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        so.seek(0)
        se.seek(0)
        out, err = so.read().decode(), se.read().decode()
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {p.returncode}:\n{err[-3000:]}")
    line = out.strip().splitlines()[-1]
    return json.loads(line), usage.ru_maxrss, wall


def differences(reference: Path, results: Path) -> tuple[int, int, int]:
    """(rows, differing totals, differing grades), matching rows by employee id."""
    def load(p: Path) -> dict[str, tuple[str, str]]:
        with open(p, encoding="utf-8") as f:
            next(f)
            return {e: (t, g) for e, t, g in (line.rstrip("\n").split(",") for line in f if line.strip())}

    ref, got = load(reference), load(results)
    totals = sum(1 for e, (t, _) in ref.items() if got.get(e, (None, None))[0] != t)
    grades = sum(1 for e, (_, g) in ref.items() if got.get(e, (None, None))[1] != g)
    return len(got), totals, grades


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", type=int, default=[10_000, 1_000_000])
    ap.add_argument("--peers", default=",".join(PEERS), help="comma-separated, from: " + ", ".join(PEERS))
    ap.add_argument("--repeat", type=int, default=30, help="passes at sizes up to 100,000")
    ap.add_argument("--budget", type=float, default=3.0, help="seconds of evaluation per peer at those sizes")
    ap.add_argument("--plan", type=Path, default=HERE / "plan.json")
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    ap.add_argument("--rust-bin", type=Path, default=target / "release" / "kpichain-compare")
    ap.add_argument("--node", default=shutil.which("node") or "node")
    a = ap.parse_args()
    peers = [p.strip() for p in a.peers.split(",") if p.strip()]
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        ap.error(f"unknown peers: {', '.join(unknown)}")
    if "exact" in peers:  # the reference runs first: the others are checked against it
        peers.remove("exact")
        peers.insert(0, "exact")
    OUT.mkdir(exist_ok=True)
    subprocess.run([sys.executable, str(HERE / "gen.py"), *map(str, a.sizes)], check=True)

    for n in a.sizes:
        data = HERE / "data" / f"wide_{n}.csv"
        repeat = a.repeat if n <= 100_000 else 1
        before = uptime()
        print(f"\n== {n:,} employees ({repeat} passes at most, median) — {before}", flush=True)
        rows = {}
        for peer in peers:
            kind, _ = PEERS[peer]
            out = OUT / f"{peer}_{n}.csv"
            common = ["--data", str(data), "--repeat", str(repeat), "--budget", str(a.budget), "--out", str(out)]
            if kind == "rust":
                api = "table" if peer == "kpichain_rust_table" else "columns"
                cmd = [str(a.rust_bin), "--api", api, "--plan", str(a.plan), *common]
            elif kind == "node":
                cmd = [a.node, str(HERE / "peers.mjs"), peer, "--plan", str(a.plan), *common]
            else:
                cmd = [sys.executable, str(HERE / "peers.py"), peer, "--plan", str(a.plan), *common]
            try:
                line, rss_kib, wall = run_peer(cmd)
            except RuntimeError as e:
                print(f"  {peer}: FAILED\n{e}", file=sys.stderr, flush=True)
                continue
            line.update(rss_mib=rss_kib / 1024, wall_s=wall, ns_per_employee=line["eval_median_s"] / n * 1e9)
            rows[peer] = line
            print(
                f"  {peer:16} {line['ns_per_employee']:12,.0f} ns/employee  "
                f"(passes {len(line['eval_s'])}, min {min(line['eval_s']) / n * 1e9:,.0f}, "
                f"max {max(line['eval_s']) / n * 1e9:,.0f})  {line['rss_mib']:8.0f} MiB",
                flush=True,
            )
        after = uptime()
        reference = OUT / f"exact_{n}.csv"
        for peer, line in rows.items():
            if reference.exists() and peer != "exact":
                got, dt, dg = differences(reference, OUT / f"{peer}_{n}.csv")
                line.update(rows_out=got, totals_differ=dt, grades_differ=dg)
            elif peer == "exact":
                line.update(totals_differ=0, grades_differ=0)
        base_rust = rows.get("kpichain_rust", {}).get("ns_per_employee")
        base_polars = rows.get("polars", {}).get("ns_per_employee")

        def ratio(v: float, base: float | None) -> str:
            return f"{v / base:.2f}×" if base else "–"

        print(f"\n### {n:,} employees\n")
        print(f"Load: before `{before}`; after `{after}`.\n")
        print("| peer | ns/employee | peak RSS MiB | × kpichain Rust | × polars float | totals ≠ exact | grades ≠ exact |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for peer, line in rows.items():
            ns = line["ns_per_employee"]
            dt, dg = line.get("totals_differ", "–"), line.get("grades_differ", "–")
            print(
                f"| {PEERS[peer][1]} | {ns:,.0f} | {line['rss_mib']:,.0f} | {ratio(ns, base_rust)} | "
                f"{ratio(ns, base_polars)} | {dt} | {dg} |"
            )
        with open(OUT / f"results_{n}.json", "w", encoding="utf-8") as f:
            json.dump({"employees": n, "load_before": before, "load_after": after, "peers": rows}, f, indent=1)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

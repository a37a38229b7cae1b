"""Executes the example notebooks headless (nbclient) and fails on any error.

Usage: python bindings/python/tests/run_notebooks.py [--write] [NOTEBOOK ...]
Without arguments, runs every notebook in examples/python/. ``--write`` stores the outputs
back into the notebook (used when the notebook is edited).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[3]


def run(path: Path, write: bool) -> None:
    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    print(f"notebook ok: {path.relative_to(REPO)} ({time.perf_counter() - started:.1f} s)")
    if write:
        nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    write = "--write" in argv
    paths = [Path(a) for a in argv if a != "--write"] or sorted((REPO / "examples" / "python").glob("*.ipynb"))
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    for path in paths:
        run(path.resolve(), write)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

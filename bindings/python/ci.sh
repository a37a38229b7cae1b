#!/usr/bin/env bash
# Builds and tests the Python package `kpichain` from a clean clone:
#   .venv at the repo root (created if missing) → pinned test dependencies → `maturin develop`
#   (debug build) → pytest (every golden vector, rows/frames, numbers, threads, 1M subjects)
#   → mypy.stubtest on the native module → mypy on the package and tests → the example
#   notebook executed headless.
# Needs only Rust, Python >= 3.10 with pip. Exits non-zero on the first failure.
# Environment: PYTHON (interpreter used to create the venv, default python3),
#              PYTEST_ARGS (extra pytest arguments, e.g. "-m 'not slow'"),
#              KPICHAIN_ARITHMETIC (`fast`, the default, or `reference`: build the core with
#              its `reference-arithmetic` feature, every number by the plain Decimal formula,
#              and run the whole pytest suite against it; stubtest, mypy and the notebooks
#              check nothing arithmetic and are skipped then).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
step() { printf '\n==> %s\n' "$*"; }
started=$SECONDS
ARITHMETIC="${KPICHAIN_ARITHMETIC:-fast}"
case "$ARITHMETIC" in
    fast) FEATURES=() ;;
    reference) FEATURES=(--features reference-arithmetic) ;;
    *) echo "KPICHAIN_ARITHMETIC must be fast or reference, not '$ARITHMETIC'" >&2; exit 2 ;;
esac

if [ ! -x "$VENV/bin/python" ]; then
    step "creating $VENV"
    "${PYTHON:-python3}" -m venv "$VENV"
fi
export VIRTUAL_ENV="$VENV"
export PATH="$VENV/bin:$PATH"
PY="$VENV/bin/python"

step "installing build and test dependencies"
"$PY" -m pip install --quiet --disable-pip-version-check \
    "maturin>=1.16,<2" \
    "pytest>=8,<10" \
    "mypy>=1.10,<3" \
    "numpy>=1.26,<3" \
    "pandas>=2.2,<4" \
    "polars>=1.3,<3" \
    "pyarrow>=15,<28" \
    "nbclient>=0.10,<1" \
    "nbformat>=5.10,<6" \
    "ipykernel>=6.29,<8" \
    "matplotlib>=3.8,<4"

step "maturin develop (debug, $ARITHMETIC arithmetic)"
# Build in the workspace's target/ (shared with the Rust suites); the native module lands in
# bindings/python/python/kpichain/ and the package is installed editable into the venv.
"$PY" -m maturin develop --manifest-path bindings/python/Cargo.toml ${FEATURES[@]+"${FEATURES[@]}"}

step "pytest"
# shellcheck disable=SC2086
"$PY" -m pytest bindings/python/tests -ra ${PYTEST_ARGS:-}

if [ "$ARITHMETIC" = reference ]; then
    printf '\nbindings/python (reference arithmetic): pytest passed in %ss\n' "$((SECONDS - started))"
    exit 0
fi

step "mypy.stubtest kpichain._kpichain"
(cd /tmp && "$PY" -m mypy.stubtest kpichain._kpichain)

step "mypy (package and tests, against the stubs)"
"$PY" -m mypy --config-file bindings/python/pyproject.toml \
    bindings/python/python/kpichain bindings/python/tests

step "example notebooks"
"$PY" bindings/python/tests/run_notebooks.py

printf '\nbindings/python: all checks passed in %ss\n' "$((SECONDS - started))"

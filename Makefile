# kpichain — one command each. `make demo` scores the bundled example; `make test` sets up
# everything (Rust, a Python virtualenv with maturin, npm packages) and runs every suite.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
EXAMPLE := examples/sales-company
KPICHAIN := $(CARGO) run -q -p kpichain-cli --
MONTH ?= 2022-06
RECORDS := $(foreach r,orders deliveries hr_events followups,--records $(r)=$(EXAMPLE)/records/$(r).csv)
CHAIN_INPUTS := $(EXAMPLE)/company-a-2022.json --assignments $(EXAMPLE)/assignments.csv \
	--units $(EXAMPLE)/units.csv --targets $(EXAMPLE)/targets.csv --actuals $(EXAMPLE)/actuals-2022.csv $(RECORDS)

# Tests run under cargo-nextest when it is installed, else under `cargo test` (the same tests;
# nextest only runs them in parallel processes). Nothing is installed behind your back.
HAVE_NEXTEST := $(shell $(CARGO) nextest --version >/dev/null 2>&1 && echo yes)
ifeq ($(HAVE_NEXTEST),yes)
RUN_TESTS := $(CARGO) nextest run --no-fail-fast
else
RUN_TESTS := $(CARGO) test --no-fail-fast --lib --bins --tests
endif
# The core's plain-Decimal reference arithmetic (see README "Performance").
REFERENCE := --features kpichain/reference-arithmetic

.PHONY: demo test rust rust-reference docs python python-reference node node-reference bench bench-compare schema fmt clean

demo:
	@$(CARGO) build -q -p kpichain-cli
	@echo "== kpichain score: company A, January 2022 =="
	@$(KPICHAIN) score $(EXAMPLE)/plan.json --assignments $(EXAMPLE)/assignments.csv --actuals $(EXAMPLE)/actuals.csv --targets $(EXAMPLE)/targets.csv --period 2022-01
	@echo
	@echo "== kpichain explain: one subject, step by step =="
	@$(KPICHAIN) explain $(EXAMPLE)/plan.json --assignments $(EXAMPLE)/assignments.csv --actuals $(EXAMPLE)/actuals.csv --targets $(EXAMPLE)/targets.csv --period 2022-01 --subject $$(cat $(EXAMPLE)/DEMO_SUBJECT)
	@echo
	@echo "== kpichain validate: a plan whose purchasing weights sum to 110 (expected to fail) =="
	@status=0; $(KPICHAIN) validate $(EXAMPLE)/plan-invalid-weights.json || status=$$?; \
	if [ $$status -eq 1 ]; then echo "(rejected as expected: exit code 1)"; else echo "error: expected exit code 1, got $$status"; exit 1; fi
	@echo
	@echo "== kpichain score: the full chain for $(MONTH), derived from 2022's CRM/ERP/OA records (make demo MONTH=2022-09) =="
	@$(KPICHAIN) score $(CHAIN_INPUTS) --period $(MONTH)
	@echo
	@echo "== kpichain explain: the purchasing manager in $(MONTH), measured on his department =="
	@$(KPICHAIN) explain $(CHAIN_INPUTS) --period $(MONTH) --subject E004
	@echo
	@echo "== kpichain diff: what changed between the plan's versions in 2022 =="
	@$(KPICHAIN) diff $(EXAMPLE)/company-a-2022.json

# Every suite, in both arithmetic modes: the fast path (the default build) and the plain
# `Decimal` reference (`reference-arithmetic`). The golden vectors compare every output with
# the committed bytes in tests/vectors/outputs/, so both modes give byte-identical results.
# The reference runs come first, so that the packages left installed are the default build.
test: rust rust-reference docs python-reference python node-reference node
	@echo "make test: all suites passed (fast and reference arithmetic)"

rust:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(RUN_TESTS)
	$(CARGO) test --doc -p kpichain -p kpichain-arrow

# The core's own tests (unit, property, differential, integration) and the golden vectors,
# with every number computed by the plain formula.
rust-reference:
	$(CARGO) clippy -p kpichain -p kpichain-conformance --all-targets $(REFERENCE) -- -D warnings
	$(RUN_TESTS) -p kpichain -p kpichain-conformance $(REFERENCE)

# The CLI's binary is named `kpichain` like the core's library, and both document into
# target/doc/kpichain: one after the other, so that the two never write there at once (the
# library's pages last).
docs:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p kpichain-cli
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p kpichain -p kpichain-arrow

python:
	bash bindings/python/ci.sh

python-reference:
	KPICHAIN_ARITHMETIC=reference bash bindings/python/ci.sh

node:
	bash bindings/node/ci.sh

node-reference:
	KPICHAIN_ARITHMETIC=reference bash bindings/node/ci.sh

bench:
	$(CARGO) bench -p kpichain-bench

# kpichain side by side with pandas, polars and Node on one workload, with an exact reference
# (benches/compare/README.md). Not part of `make test`: it builds the core in release mode
# three times (Rust peer, Python wheel, Node addon) and runs for minutes at 1,000,000
# employees. `make bench-compare SIZES=10000` for the small set only.
SIZES ?= 10000 1000000
VENV := $(CURDIR)/.venv
bench-compare:
	@test -x $(VENV)/bin/python || $${PYTHON:-python3} -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		"maturin>=1.16,<2" "numpy>=1.26,<3" "pandas>=2.2,<4" "polars>=1.3,<3" "pyarrow>=15,<28"
	VIRTUAL_ENV=$(VENV) PATH="$(VENV)/bin:$$PATH" $(VENV)/bin/python -m maturin develop --release \
		--manifest-path bindings/python/Cargo.toml
	cd bindings/node && npm ci --no-audit --no-fund --loglevel=error && \
		npx napi build --platform --release --js index.js --dts index.d.ts
	$(CARGO) build --release --manifest-path benches/compare/rust/Cargo.toml
	$(VENV)/bin/python benches/compare/make_plan.py --check
	$(VENV)/bin/python benches/compare/run.py --sizes $(SIZES)

schema:
	KPICHAIN_BLESS=1 $(CARGO) test -q -p kpichain --test schema --test codes

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -rf .venv bindings/node/node_modules

"""kpichain: exact, explainable KPI / performance-assessment scoring.

A plan (考核方案) declares indicators, roles with weighted scorecards, score rules, grades and
rounding; kpichain compiles it once and scores any number of subjects with exact decimal
arithmetic, explaining every number::

    import kpichain

    plan = kpichain.load_plan("plan.json")             # dict, JSON/TOML text or a path
    ev = plan.score(assignments_df, actuals_df)         # pandas / polars / pyarrow / rows
    ev = plan.score(assignments_df, period="2022-03",  # actuals derived from raw records
                    units=units_df, records={"orders": orders_df})
    ev.to_pandas()                                      # exact decimal128 columns (floats=True: float64)
    print(ev["E001"].explain())

    versions = kpichain.load_versions("versions.json")  # effective-dated plan versions
    ev = versions.score(assignments_df, actuals_df, period="2022-03")
    print(versions.diff("2022.01", "2022.03"))            # what changed, with the plan's names

Every computation happens in the Rust core (``kpichain._kpichain``); this package only
re-exports it and defines the exceptions.
"""

from __future__ import annotations

from ._errors import ErrorDetail, ErrorOrigin, InputError, KpichainError, PlanError
from ._kpichain import (
    Evaluation,
    ItemResult,
    Plan,
    PlanDiff,
    PlanVersions,
    SubjectResult,
    __version__,
    derive_actuals,
    diff,
    diff_schema,
    inputs_schema,
    load_plan,
    load_versions,
    plan_schema,
    result_schema,
    validate,
    versions_schema,
)
from ._types import AppliedVersion, Derived, DiffChange, ItemSource, Segment, VersionRef

__all__ = [
    "AppliedVersion",
    "Derived",
    "DiffChange",
    "ErrorDetail",
    "ErrorOrigin",
    "Evaluation",
    "InputError",
    "ItemResult",
    "ItemSource",
    "KpichainError",
    "Plan",
    "PlanDiff",
    "PlanError",
    "PlanVersions",
    "Segment",
    "SubjectResult",
    "VersionRef",
    "__version__",
    "derive_actuals",
    "diff",
    "diff_schema",
    "inputs_schema",
    "load_plan",
    "load_versions",
    "plan_schema",
    "result_schema",
    "validate",
    "versions_schema",
]

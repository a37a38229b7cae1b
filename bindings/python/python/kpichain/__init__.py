"""kpichain: exact, explainable KPI / performance-assessment scoring.

A plan (考核方案) declares indicators, roles with weighted scorecards, score rules, grades and
rounding; kpichain compiles it once and scores any number of subjects with exact decimal
arithmetic, explaining every number::

    import kpichain

    plan = kpichain.load_plan("plan.json")             # dict, JSON/TOML text or a path
    ev = plan.score(assignments_df, actuals_df)         # pandas / polars / pyarrow / rows
    ev = plan.score(assignments_df, period="2022-03",  # actuals derived from raw records
                    units=units_df, records={"orders": orders_df})
    ev.to_pandas()                                      # Decimal columns (floats=True for floats)
    print(ev["E001"].explain())

Every computation happens in the Rust core (``kpichain._kpichain``); this package only
re-exports it and defines the exceptions.
"""

from __future__ import annotations

from ._errors import ErrorDetail, InputError, KpichainError, PlanError
from ._kpichain import (
    Evaluation,
    ItemResult,
    Plan,
    SubjectResult,
    __version__,
    inputs_schema,
    load_plan,
    plan_schema,
    result_schema,
    validate,
)
from ._types import ItemSource

__all__ = [
    "ErrorDetail",
    "Evaluation",
    "InputError",
    "ItemResult",
    "ItemSource",
    "KpichainError",
    "Plan",
    "PlanError",
    "SubjectResult",
    "__version__",
    "inputs_schema",
    "load_plan",
    "plan_schema",
    "result_schema",
    "validate",
]

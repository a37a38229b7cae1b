"""Type stubs of the native module ``kpichain._kpichain`` (checked by ``mypy.stubtest``)."""

import os
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal, final

from kpichain._errors import ErrorDetail
from kpichain._types import (
    AppliedVersion,
    ArrowStreamExportable,
    Derived,
    DeriveRequest,
    DiffChange,
    ItemSource,
    PlanSource,
    Records,
    Rows,
    Segment,
    VersionRef,
    VersionsSource,
)

__version__: str
__all__ = [
    "__version__",
    "Plan",
    "Evaluation",
    "SubjectResult",
    "ItemResult",
    "ResultIterator",
    "PlanVersions",
    "PlanDiff",
    "load_plan",
    "load_versions",
    "validate",
    "diff",
    "derive_actuals",
    "plan_schema",
    "inputs_schema",
    "result_schema",
    "versions_schema",
    "diff_schema",
]

@final
class Plan:
    """A compiled kpichain plan (考核方案): validated, indexed and immutable."""

    @staticmethod
    def load(source: PlanSource) -> Plan:
        """Loads and compiles a plan from a dict, JSON/TOML text or a file path."""

    @staticmethod
    def from_dict(plan: Mapping[str, Any]) -> Plan:
        """Compiles a plan given as a dict."""

    @staticmethod
    def from_json(text: str) -> Plan:
        """Compiles a plan from JSON text."""

    @staticmethod
    def from_toml(text: str) -> Plan:
        """Compiles a plan from TOML text."""

    @staticmethod
    def from_file(path: str | os.PathLike[str]) -> Plan:
        """Compiles a plan from a ``.json`` or ``.toml`` file."""

    @property
    def id(self) -> str:
        """The plan's id."""

    @property
    def version(self) -> str:
        """The plan's version label."""

    @property
    def name(self) -> str | None:
        """The plan's display name."""

    @property
    def fingerprint(self) -> str:
        """``sha256:`` + the hex SHA-256 of the plan's canonical JSON."""

    @property
    def indicators(self) -> list[str]:
        """The ids of the indicator library."""

    @property
    def roles(self) -> list[str]:
        """The role ids."""

    def to_json(self) -> str:
        """The plan as canonical JSON text."""

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain Python data (decimals as strings)."""

    def score(
        self,
        assignments: Rows,
        actuals: Rows | None = None,
        *,
        targets: Rows | None = None,
        period: str | None = None,
        layout: Literal["auto", "long", "wide"] = "auto",
        units: Rows | None = None,
        records: Records | None = None,
    ) -> Evaluation:
        """Scores a batch of subjects from rows or data frames, with org units and raw
        business records (record set name → data frame or rows) when the plan uses them.
        Rows and frames are read by the core's intake with its one number policy; a column
        of nulls (of any type) holds no values; NaN in a float column is a missing value.
        Raises ``InputError`` whose ``errors`` name the caller's rows (``path``, ``loc``)
        and, for a data frame, the ``origin`` row and column."""

    def evaluate(self, inputs: Mapping[str, Any] | str) -> Evaluation:
        """Evaluates inputs in the core's JSON shape (dict or JSON text)."""

@final
class Evaluation:
    """The results of scoring a batch of subjects against one plan."""

    @property
    def plan_id(self) -> str:
        """The plan's id."""

    @property
    def plan_version(self) -> str:
        """The plan's version."""

    @property
    def plan_fingerprint(self) -> str:
        """The plan's fingerprint."""

    @property
    def period(self) -> str | None:
        """The period given with the inputs."""

    @property
    def derivation(self) -> dict[str, Any] | None:
        """How actuals were derived from records (records read, bad records, notes)."""

    @property
    def versions(self) -> list[AppliedVersion]:
        """The plan versions applied to the period (versioned plans only; else empty)."""

    @property
    def results(self) -> list[SubjectResult]:
        """Every subject's result, in the order of the assignments."""

    def __len__(self) -> int: ...
    def __getitem__(self, key: int | str, /) -> SubjectResult: ...
    def __contains__(self, key: object, /) -> bool: ...
    def __iter__(self) -> ResultIterator: ...
    def explain(self, subject: int | str) -> str:
        """The explanation of one subject's result, as text."""

    def grade_counts(self) -> dict[str, int]:
        """Number of subjects per grade, in the order of the plan's grade scale."""

    def to_json(self, *, indent: int | None = None) -> str:
        """The evaluation as JSON text in the core's shape."""

    def to_dict(self) -> dict[str, Any]:
        """The evaluation as plain Python data in the core's JSON shape."""

    def _paths(self) -> tuple[int, int, int] | None:
        """Diagnostics: subjects scored by the columnar kernel in fixed point, in exact
        fractions and by its engine (``None`` when the batch was not scored in columns)."""
        ...
    def _arrow(self, *, items: bool = False, floats: bool = False) -> ArrowStreamExportable:
        """The result table as an Arrow PyCapsule exporter."""

    def to_arrow(self, *, items: bool = False, floats: bool = False) -> Any:
        """A ``pyarrow.Table`` through the Arrow C stream (exact ``decimal128(38, s)``
        columns unless ``floats=True``); no Python object per subject."""

    def to_pandas(self, *, items: bool = False, floats: bool = False) -> Any:
        """A ``pandas.DataFrame`` with exact ``pd.ArrowDtype(pa.decimal128(38, s))`` number
        columns (``float64`` with ``floats=True``) and Arrow-backed text columns, built from
        the Arrow table column by column: no Python object per subject."""

    def to_polars(self, *, items: bool = False, floats: bool = False) -> Any:
        """A ``polars.DataFrame`` read from the Arrow C stream (exact ``pl.Decimal(38, s)``
        columns unless ``floats=True``); no Python object per subject."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """Arrow PyCapsule stream of the per-subject table."""

    def _repr_html_(self) -> str:
        """HTML table for Jupyter."""

@final
class ResultIterator:
    """Iterator over an evaluation's results."""

    def __iter__(self) -> ResultIterator: ...
    def __next__(self) -> SubjectResult: ...

@final
class SubjectResult:
    """One subject's result."""

    @property
    def subject(self) -> str:
        """Subject id."""

    @property
    def name(self) -> str | None:
        """Display name."""

    @property
    def role(self) -> str:
        """Role id."""

    @property
    def unit(self) -> str | None:
        """Org unit."""

    @property
    def region(self) -> str | None:
        """Region."""

    @property
    def variant(self) -> str | None:
        """The variant of the role's scorecard applied (by unit or region)."""

    @property
    def sources(self) -> list[ItemSource]:
        """Where items not reading the subject's own actual took it from."""

    @property
    def total_unrounded(self) -> Decimal:
        """Total before rounding and vetoes."""

    @property
    def total(self) -> Decimal:
        """Final total at the plan's total scale."""

    @property
    def grade(self) -> str:
        """The grade."""

    @property
    def coefficient(self) -> Decimal:
        """The grade's coefficient."""

    @property
    def payout(self) -> Decimal | None:
        """Bonus base × coefficient, when a bonus base was given."""

    @property
    def items(self) -> list[ItemResult]:
        """Every item of the scorecard."""

    @property
    def adjustments(self) -> list[dict[str, Any]]:
        """Adjustments: ``id``, ``actual``, ``raw_points``, ``points``, ``capped``."""

    @property
    def vetoes(self) -> list[dict[str, Any]]:
        """Vetoes that fired: ``id``, ``force_grade``, ``force_total``."""

    @property
    def warnings(self) -> list[ErrorDetail]:
        """Warnings: ``code``, ``path``, ``message``."""

    @property
    def segments(self) -> list[Segment]:
        """Each version's part of a result scored pro rata across plan versions (else empty)."""

    def item(self, key: str) -> ItemResult:
        """The item with this item id (or indicator id)."""

    def explain(self) -> str:
        """The explanation as text."""

    def explanation(self) -> dict[str, Any]:
        """The explanation as structured data."""

    def to_json(self, *, indent: int | None = None) -> str:
        """This result as JSON text in the core's shape."""

    def to_dict(self) -> dict[str, Any]:
        """This result as plain Python data in the core's JSON shape."""

    def _repr_html_(self) -> str:
        """HTML for Jupyter."""

@final
class ItemResult:
    """One item's numbers."""

    @property
    def item(self) -> str:
        """Item id."""

    @property
    def indicator(self) -> str:
        """Indicator id."""

    @property
    def rule(self) -> str:
        """The rule type applied."""

    @property
    def status(self) -> Literal["scored", "missing_zero", "excluded"]:
        """How the item was treated."""

    @property
    def actual(self) -> Decimal | None:
        """The actual value."""

    @property
    def target(self) -> Decimal | None:
        """The target used."""

    @property
    def threshold(self) -> Decimal | None:
        """The threshold used."""

    @property
    def stretch(self) -> Decimal | None:
        """The stretch value used."""

    @property
    def achievement(self) -> Decimal | None:
        """Achievement percentage."""

    @property
    def raw_score(self) -> Decimal:
        """The rule's score before rounding."""

    @property
    def score(self) -> Decimal:
        """The score at the item scale."""

    @property
    def weight(self) -> Decimal:
        """The weight in the plan."""

    @property
    def effective_weight(self) -> Decimal:
        """The weight applied."""

    @property
    def weighted(self) -> Decimal:
        """score × effective weight ÷ 100."""

    def to_dict(self) -> dict[str, Any]:
        """This item in the core's JSON shape."""

@final
class PlanVersions:
    """A plan with effective-dated versions (方案版本), compiled and validated."""

    @staticmethod
    def load(source: VersionsSource) -> PlanVersions:
        """Loads and compiles plan versions from a dict, JSON text or a file path."""

    @property
    def id(self) -> str:
        """The versioned plan's id."""

    @property
    def name(self) -> str | None:
        """Its display name."""

    @property
    def span(self) -> Literal["period_start", "pro_rata"]:
        """How a period spanning a change is scored."""

    @property
    def fingerprint(self) -> str:
        """``sha256:`` + the hex SHA-256 of the whole document's canonical JSON."""

    @property
    def versions(self) -> list[tuple[str, Plan]]:
        """``(effective_from, Plan)`` pairs, in order."""

    def version(self, version: str) -> Plan:
        """The version with this label; ``KeyError`` when there is none."""

    def in_force(self, day: str) -> Plan | None:
        """The version in force on ``day`` (``YYYY-MM-DD``)."""

    def diff(self, before: str, after: str) -> PlanDiff:
        """What changed from version ``before`` to version ``after``."""

    def score(
        self,
        assignments: Rows,
        actuals: Rows | None = None,
        *,
        period: str,
        targets: Rows | None = None,
        layout: Literal["auto", "long", "wide"] = "auto",
        units: Rows | None = None,
        records: Records | None = None,
    ) -> Evaluation:
        """Scores a batch like ``Plan.score``, with the version(s) in force for ``period``."""

    def evaluate(self, inputs: Mapping[str, Any] | str) -> Evaluation:
        """Evaluates inputs in the core's JSON shape (with ``period``)."""

    def explain(self, evaluation: Evaluation, subject: int | str) -> str:
        """The explanation of one subject's result in an evaluation of these versions."""

    def to_json(self) -> str:
        """The document as canonical JSON text."""

    def to_dict(self) -> dict[str, Any]:
        """The document as plain Python data."""

@final
class PlanDiff:
    """Everything that changed from one plan version to another."""

    @property
    def from_(self) -> VersionRef:
        """The old plan: ``id``, ``version``, ``fingerprint``."""

    @property
    def to(self) -> VersionRef:
        """The new plan: ``id``, ``version``, ``fingerprint``."""

    @property
    def changes(self) -> list[DiffChange]:
        """The changes, in plan order."""

    def is_empty(self) -> bool:
        """Whether nothing changed."""

    def to_dict(self) -> dict[str, Any]:
        """The diff as plain Python data: ``from``, ``to``, ``changes``."""

    def to_json(self) -> str:
        """The diff as JSON text."""

    def __len__(self) -> int: ...

def load_versions(source: VersionsSource) -> PlanVersions:
    """Loads and compiles plan versions (same as ``PlanVersions.load``)."""

def diff(before: Plan | PlanSource, after: Plan | PlanSource) -> PlanDiff:
    """What changed from plan ``before`` to plan ``after`` (read, not compiled)."""

def derive_actuals(request: DeriveRequest) -> Derived:
    """Derives actuals from records as text rows with measure definitions."""

def versions_schema() -> dict[str, Any]:
    """The JSON Schema of a plan with effective-dated versions."""

def diff_schema() -> dict[str, Any]:
    """The JSON Schema of a plan diff."""

def load_plan(source: PlanSource) -> Plan:
    """Loads and compiles a plan (same as ``Plan.load``)."""

def validate(source: PlanSource) -> list[ErrorDetail]:
    """Every problem of a plan; an empty list when it is valid."""

def plan_schema() -> dict[str, Any]:
    """The JSON Schema of the plan format."""

def inputs_schema() -> dict[str, Any]:
    """The JSON Schema of evaluation inputs."""

def result_schema() -> dict[str, Any]:
    """The JSON Schema of evaluation results."""

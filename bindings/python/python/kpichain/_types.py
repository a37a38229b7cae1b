"""Type aliases used in kpichain's signatures."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, Union

if TYPE_CHECKING:
    from ._kpichain import SubjectResult

__all__ = [
    "AppliedVersion",
    "ArrowStreamExportable",
    "DerivedActual",
    "Derived",
    "DeriveRequest",
    "DiffChange",
    "ItemSource",
    "PlanSource",
    "Records",
    "Row",
    "Rows",
    "Segment",
    "VersionRef",
    "VersionsSource",
]


class ArrowStreamExportable(Protocol):
    """A pandas/polars data frame, a pyarrow table, or anything exporting an Arrow C stream
    (the Arrow PyCapsule interface)."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...


#: Where a plan comes from: a dict, JSON/TOML text, or a file path.
PlanSource = Union[Mapping[str, Any], str, bytes, "os.PathLike[str]"]
#: A row: a dict (``{"subject": ..., "indicator": ..., "value": ...}``) or a tuple.
Row = Union[Mapping[str, Any], Sequence[Any]]
#: Inputs given as rows or as a data frame.
Rows = Union[Iterable[Row], ArrowStreamExportable]
#: Raw business records by record set name (as declared in the plan's ``records``): a data
#: frame or a list of rows (dicts of field values, or tuples in the declared field order).
Records = Mapping[str, Rows]

#: Where an item's actual came from when not from the subject itself: ``item``, ``from``
#: (``unit``, ``subject`` or ``role``), ``id`` (the unit, subject or role read) and ``detail``.
ItemSource = TypedDict("ItemSource", {"item": str, "from": str, "id": str, "detail": str})

#: Where plan versions come from: a dict, JSON text, or the path of a JSON file (whose
#: versions' ``plan`` may be plan file paths relative to it).
VersionsSource = Union[Mapping[str, Any], str, bytes, "os.PathLike[str]"]

#: A plan version applied to an evaluation's period: ``version``, ``fingerprint``,
#: ``effective_from`` (its first day in force), ``from`` and ``to`` (the days of the period it
#: scored, inclusive) and ``days``.
AppliedVersion = TypedDict(
    "AppliedVersion",
    {"version": str, "fingerprint": str, "effective_from": str, "from": str, "to": str, "days": int},
)

#: One version's part of a result scored pro rata: ``version``, ``from``, ``to``, ``days``
#: (its weight in the total) and ``result``, the subject's full result under that version.
Segment = TypedDict(
    "Segment",
    {"version": str, "from": str, "to": str, "days": int, "result": "SubjectResult"},
)


class VersionRef(TypedDict):
    """One side of a plan diff: the plan's ``id``, ``version`` and ``fingerprint``."""

    id: str
    version: str
    fingerprint: str


class DiffChange(TypedDict):
    """One change between two plans (values as in the plan's JSON, decimals as strings)."""

    kind: str
    section: str
    path: str
    role: str | None
    item: str | None
    id: str | None
    field: str | None
    before: Any
    after: Any
    message: str


#: A derivation request for :func:`kpichain.derive_actuals`: a dict or its JSON text.
DeriveRequest = Union[Mapping[str, Any], str, bytes]


class DerivedActual(TypedDict):
    """One derived actual; ``value`` is a decimal string such as ``"12.50"``."""

    subject: str
    indicator: str
    value: str


class Derived(TypedDict):
    """What :func:`kpichain.derive_actuals` returns: the actuals and the derivation report."""

    actuals: list[DerivedActual]
    report: dict[str, Any]

"""Type aliases used in kpichain's signatures."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, TypedDict, Union

__all__ = ["ArrowStreamExportable", "ItemSource", "PlanSource", "Records", "Row", "Rows"]


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

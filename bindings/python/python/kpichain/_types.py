"""Type aliases used in kpichain's signatures."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, Union

__all__ = ["ArrowStreamExportable", "PlanSource", "Row", "Rows"]


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

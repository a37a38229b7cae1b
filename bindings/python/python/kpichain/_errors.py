"""The kpichain exception hierarchy.

Every error carries the full list of problems found, each a dict with a stable ``code``, a
``path`` to the place in the plan or the inputs (``roles[2].items[1].weight``,
``actuals[17].value``), the same place as a ``loc`` tuple (``("actuals", 17, "value")``), a
``message`` that can be shown to an HR user, and the caller's ``origin`` of the row when known.
"""

from __future__ import annotations

from typing import TypedDict

__all__ = ["ErrorDetail", "ErrorOrigin", "KpichainError", "PlanError", "InputError"]


class ErrorOrigin(TypedDict, total=False):
    """Where the row of a problem came from, in the caller's terms: the ``source`` table or
    file, and the ``line`` (1-based, of a file), ``row`` (0-based, of a data frame) and
    ``column`` when known."""

    source: str
    line: int
    row: int
    column: str


class _Detail(TypedDict):
    code: str
    path: str
    message: str


class ErrorDetail(_Detail, total=False):
    """One problem: ``code`` (stable, machine-readable), ``path`` (where, as text:
    ``actuals[5].sales``), ``loc`` (the same place as a tuple of str keys and int indices,
    pydantic-style: ``("actuals", 5, "sales")``), ``message`` (what), and ``origin`` (the
    caller's row, e.g. of a data frame) when known. Warnings have no ``loc``."""

    loc: tuple[str | int, ...]
    origin: ErrorOrigin


class KpichainError(Exception):
    """Base class of every kpichain error.

    Raised as such only for internal failures (a bug in kpichain, reported with code
    ``internal_error``); plan and input problems raise the subclasses below.
    """

    def __init__(self, message: str, errors: list[ErrorDetail] | None = None) -> None:
        super().__init__(message, list(errors or []))

    @property
    def message(self) -> str:
        """The summary message (the first problem, or a count followed by one line each)."""
        return str(self.args[0])

    @property
    def errors(self) -> list[ErrorDetail]:
        """Every problem found, in order, as dicts with ``code``, ``path``, ``loc``,
        ``message`` and, when known, ``origin``."""
        errors: list[ErrorDetail] = self.args[1]
        return errors

    @property
    def code(self) -> str:
        """The code of the first problem (``""`` when there is none)."""
        return self.errors[0]["code"] if self.errors else ""

    @property
    def path(self) -> str:
        """The path of the first problem (``""`` for the whole document)."""
        return self.errors[0]["path"] if self.errors else ""

    def __str__(self) -> str:
        return self.message


class PlanError(KpichainError, ValueError):
    """A plan could not be read or compiled; ``.errors`` lists every problem at once."""


class InputError(KpichainError, ValueError):
    """The inputs of an evaluation were rejected (unknown role or indicator, a bad number,
    missing data under the ``error`` policy …); ``.errors`` lists every problem. Nothing was
    scored: there are no partial results."""

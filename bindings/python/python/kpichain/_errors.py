"""The kpichain exception hierarchy.

Every error carries the full list of problems found, each a dict with a stable ``code``, a
``path`` to the place in the plan or the inputs (``roles[2].items[1].weight``,
``actuals[17].value``) and a ``message`` that can be shown to an HR user.
"""

from __future__ import annotations

from typing import TypedDict

__all__ = ["ErrorDetail", "KpichainError", "PlanError", "InputError"]


class ErrorDetail(TypedDict):
    """One problem: ``code`` (stable, machine-readable), ``path`` (where) and ``message`` (what)."""

    code: str
    path: str
    message: str


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
        """Every problem found, in order, as dicts with ``code``, ``path`` and ``message``."""
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

"""The exceptions jamfor raises for users: sentences that say what was wrong and where."""

from __future__ import annotations

from dataclasses import dataclass


class JamforError(Exception):
    """Base class for errors shown to users without a traceback."""


class NotFoundError(JamforError):
    """An id or name that the store does not know."""


class AmbiguousNameError(JamforError):
    """A name that matches more than one thing."""


class DatabaseError(JamforError):
    """The database could not be opened or used."""


@dataclass(frozen=True)
class Problem:
    """One fault in an input file, located as precisely as the format allows."""

    file: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.column is not None:
            return f"{where}: column '{self.column}': {self.reason}"
        return f"{where}: {self.reason}"


class ValidationError(JamforError):
    """An input was rejected; nothing of it was written.

    Carries every problem found (up to a limit) so the user can fix them in one go.
    """

    def __init__(self, problems: list[Problem], *, more: int = 0) -> None:
        self.problems = problems
        self.more = more
        lines = [str(p) for p in problems]
        if more:
            lines.append(f"… and {more} more problems")
        super().__init__("\n".join(lines))

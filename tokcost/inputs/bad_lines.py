"""The bad lines (records, rows) of one file, as every command that reads them reports them.

A file with thousands of bad lines would otherwise print thousands of messages and bury
everything else said. The first few are kept, each naming its place; the rest are only
counted, and said as one line. The count stays whole, so exit statuses and totals do not
depend on how many were shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tokcost.errors import InputFileError

SHOWN_BAD_LINES = 10  # per file: enough to see what is wrong, few enough to read


class MoreBadLines(InputFileError):
    """The line that stands for the bad lines of a file not shown one by one."""


@dataclass
class BadLines:
    """The bad lines of one file: how many, and the first SHOWN_BAD_LINES of them.

    ``unit``: what a place in the file is ("line" of JSON Lines, "record" of a JSON list,
    "row" of a table; "" for a document read as one, whose problems are its own)."""

    label: str
    unit: str = "line"
    count: int = 0
    first: list[InputFileError] = field(default_factory=list)

    def add(self, problem: InputFileError | str) -> None:
        self.count += 1
        if len(self.first) < SHOWN_BAD_LINES:
            self.first.append(problem if isinstance(problem, InputFileError)
                              else InputFileError(problem))

    def shown(self) -> list[InputFileError]:
        """What to print: the first bad lines, then one line for the rest."""
        more = self.count - len(self.first)
        if not more:
            return list(self.first)
        return [*self.first, MoreBadLines(
            f"... and {more:,} more {self._units(more)} in {self.label}")]

    def note(self) -> str:
        """How many were skipped, for a note (given when some were)."""
        return f"{self.label}: skipped {self.count:,} {self._units(self.count)}"

    def notes(self) -> list[str]:
        """Notes for a command that goes on without them (--from): the first bad lines, the
        rest as one line, and how many in all."""
        if not self.count:
            return []
        return [str(problem) if isinstance(problem, MoreBadLines) else f"skipped {problem}"
                for problem in self.shown()] + [self.note()]

    def said(self) -> str:
        """How many were left out, for the words that describe what was read ("" if none)."""
        return f" ({self.count:,} {self._units(self.count)} skipped)" if self.count else ""

    def _units(self, count: int) -> str:
        unit = f"bad {self.unit}" if self.unit else "problem"
        return unit if count == 1 else f"{unit}s"


def unit_of(place: str) -> str:
    """What a place that json_values gives is: an element of a list (``file: [3]``), else a
    line."""
    return "record" if place.endswith("]") else "line"

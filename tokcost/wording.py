"""Words for counts in messages: one place that makes "1 turn" and "2 turns", so that no
message says "1 turns"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal


def number_of(count: int | Decimal, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun``, plural unless the count is exactly one: ``1 turn``,
    ``1,500 requests``, ``30.5 days``. ``plural`` for a noun that is not made with an s."""
    if isinstance(count, Decimal):
        shown = "0" if count == 0 else format(count.normalize(), ",f")
    else:
        shown = f"{count:,}"
    return f"{shown} {noun if count == 1 else plural or noun + 's'}"


def assumption_lines(per_model: Mapping[str, Sequence[str]], *, shared: bool = True
                     ) -> list[str]:
    """The lines saying what a run of several models assumed: one ``Assumes ...`` for what
    every model's run assumed alike, and ``Assumes for MODEL: ...`` for what holds of one
    model only (its context window, its cache rules), so that no line reads as true of them
    all. Without ``shared``, only the lines of one model."""
    everyone = set.intersection(*(set(lines) for lines in per_model.values())) \
        if per_model else set()
    said: list[str] = []
    for model, lines in per_model.items():
        for line in lines:
            if line not in everyone:
                said.append(f"Assumes for {model}: {line}.")
            elif shared and f"Assumes {line}." not in said:
                said.append(f"Assumes {line}.")
    return said

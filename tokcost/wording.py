"""Words for counts in messages: one place that makes "1 turn" and "2 turns", so that no
message says "1 turns"."""

from __future__ import annotations

from decimal import Decimal


def number_of(count: int | Decimal, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun``, plural unless the count is exactly one: ``1 turn``,
    ``1,500 requests``, ``30.5 days``. ``plural`` for a noun that is not made with an s."""
    if isinstance(count, Decimal):
        shown = "0" if count == 0 else format(count.normalize(), ",f")
    else:
        shown = f"{count:,}"
    return f"{shown} {noun if count == 1 else plural or noun + 's'}"

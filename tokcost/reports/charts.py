"""Growth drawn in the terminal: one bar a request, with the running cost beside it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tokcost.output import format_usd

_EIGHTHS = " ▏▎▍▌▋▊▉"


def _bar(value: int, largest: int, width: int) -> str:
    if largest <= 0:
        return ""
    eighths = round(value * width * 8 / largest)
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def growth_chart(
    points: Sequence[tuple[str, int, Decimal | None]], *, width: int = 40, max_lines: int = 30
) -> list[str]:
    """Lines of a horizontal bar chart of (label, input tokens, cumulative cost) points.

    Long runs are sampled evenly, always keeping the first and the last point.
    """
    if not points:
        return []
    if len(points) > max_lines:
        step = (len(points) - 1) / (max_lines - 1)
        points = [points[round(i * step)] for i in range(max_lines)]
    largest = max(tokens for _, tokens, _ in points)
    label_width = max(len("turn"), *(len(label) for label, _, _ in points))
    lines = [f"{'turn':>{label_width}}  {'input tokens per request':<{width}}  "
             f"{'tokens':>9}  {'cumulative':>11}"]
    for label, tokens, cumulative in points:
        cost = format_usd(cumulative) if cumulative is not None else "-"
        lines.append(f"{label:>{label_width}}  {_bar(tokens, largest, width):<{width}}  "
                     f"{tokens:>9,}  {cost:>11}")
    return lines

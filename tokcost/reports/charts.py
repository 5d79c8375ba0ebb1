"""Charts drawn in the terminal: a conversation's growth (one bar a request, with the running
cost beside it), and what logged usage cost in each period (one bar a row)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from tokcost.output import cells, format_usd, padded

_EIGHTHS = " ▏▎▍▌▋▊▉"


def _bar(value: int | Decimal, largest: int | Decimal, width: int) -> str:
    if largest <= 0:
        return ""
    eighths = round(value * width * 8 / largest)
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


# A bar is 40 cells at most, fewer where the terminal is narrow, down to this.
_WIDEST_BAR = 40
_NARROWEST_BAR = 10
_NOT_FITTING = "  no longer fits"


def _bar_width(others: int, columns: int | None) -> int:
    """The bar's width, so that a line with ``others`` cells besides it fits ``columns``
    (None: any width)."""
    if columns is None:
        return _WIDEST_BAR
    return max(_NARROWEST_BAR, min(_WIDEST_BAR, columns - others))


def growth_chart(
    points: Sequence[tuple[str, int, Decimal | None]], *, columns: int | None = None,
    max_lines: int = 30, window: int | None = None, fits: Sequence[bool] | None = None,
) -> list[str]:
    """Lines of a horizontal bar chart of (label, input tokens, cumulative cost) points, no
    wider than ``columns`` cells where that leaves the bars room.

    Long runs are sampled evenly, always keeping the first and the last point. With the
    model's context ``window`` the chart marks it (``│``) once requests come within half of
    it, and ``fits`` (one flag a point) marks the requests that no longer fit.
    """
    if not points:
        return []
    flags = list(fits) if fits is not None else [True] * len(points)
    if len(points) > max_lines:
        step = (len(points) - 1) / (max_lines - 1)
        chosen = [round(i * step) for i in range(max_lines)]
        points, flags = [points[i] for i in chosen], [flags[i] for i in chosen]
    costs = [format_usd(cumulative) if cumulative is not None else "-"
             for _, _, cumulative in points]
    label_width = max(len("turn"), *(len(label) for label, _, _ in points))
    # Room for 9,999,999 tokens and $9,999.99, more where needed.
    tokens_width = max(9, *(len(f"{tokens:,}") for _, tokens, _ in points))
    cost_width = max(11, *(len(cost) for cost in costs))
    marker = 0 if all(flags) else len(_NOT_FITTING)
    width = _bar_width(label_width + 2 + 2 + tokens_width + 2 + cost_width + marker, columns)
    largest = max(tokens for _, tokens, _ in points)
    shown_window = window if window and largest * 2 >= window else None
    scale = max(largest, shown_window or 0)
    mark = min(width - 1, round(shown_window * width / scale) - 1) if shown_window else None
    title = "input tokens per request"[:width]
    lines = [f"{'turn':>{label_width}}  {title:<{width}}  {'tokens':>{tokens_width}}  "
             f"{'cumulative':>{cost_width}}"]
    for (label, tokens, _), cost, fit in zip(points, costs, flags, strict=True):
        bar = _bar(tokens, scale, width).ljust(width)
        if mark is not None and bar[mark] == " ":
            bar = bar[:mark] + "│" + bar[mark + 1:]
        lines.append(f"{label:>{label_width}}  {bar}  {tokens:>{tokens_width},}  "
                     f"{cost:>{cost_width}}" + ("" if fit else _NOT_FITTING))
    if shown_window:
        lines.append(f"{'':>{label_width}}  │ the {shown_window:,}-token context window")
    return lines


def cost_chart(bars: Sequence[tuple[str, Decimal | None]], *, columns: int | None = None,
               money: Callable[[Decimal], str] = format_usd, title: str = "cost") -> list[str]:
    """Lines of a horizontal bar chart of (label, cost) pairs, in the order given, no wider
    than ``columns`` cells where that leaves the bars room; a cost of None (unpriced) has no
    bar and says so."""
    if not bars:
        return []
    largest = max((cost for _, cost in bars if cost is not None), default=Decimal(0))
    label_width = max(cells(label) for label, _ in bars)
    shown = [money(cost) if cost is not None else "unpriced" for _, cost in bars]
    cost_width = max(len(text) for text in shown)
    width = _bar_width(label_width + 2 + 2 + cost_width, columns)
    lines = [f"{'':>{label_width}}  {title}"]
    for (label, cost), text in zip(bars, shown, strict=True):
        bar = _bar(cost, largest, width) if cost is not None else ""
        lines.append(f"{padded(label, label_width, flush_right=True)}  {bar.ljust(width)}  "
                     f"{text:>{cost_width}}")
    return lines

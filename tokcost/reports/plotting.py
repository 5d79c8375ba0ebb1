"""Images of a simulation's growth and of logged usage's cost per period (matplotlib, an
optional extra: ``tokcost[plot]``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from tokcost.errors import OptionError, TokcostError
from tokcost.reports.simulation import Simulation

PLOT_SUFFIXES = (".png", ".svg")


def check_plot_target(path: str | Path) -> None:
    """Fail before any work or output when the plot could not be drawn."""
    target = Path(path)
    if target.suffix.lower() not in PLOT_SUFFIXES:
        raise OptionError(f"--plot writes .png or .svg files, not {target.name!r}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise TokcostError("--plot needs matplotlib: pip install 'tokcost[plot]'") from None


def write_plot(simulation: Simulation, path: str | Path, context_window: int | None = None
               ) -> None:
    """Input tokens per request (bars) and cumulative cost (a line) as a PNG or SVG file, with
    the context window drawn once the requests come within half of it."""
    check_plot_target(path)
    target = Path(path)
    import matplotlib

    matplotlib.use("Agg")  # draw to a file; no display needed
    matplotlib.rcParams["svg.fonttype"] = "none"  # an SVG's words stay words, searchable
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    rows = simulation.rows
    figure, tokens_axis = plt.subplots(figsize=(9, 4.5))
    colours = ["#4c72b0" if row.request == "turn" else "#dd8452" for row in rows]
    tokens_axis.bar(range(1, len(rows) + 1), [row.input_tokens for row in rows], color=colours)
    tokens_axis.set_xlabel("request")
    tokens_axis.set_ylabel("input tokens")
    tokens_axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    legend: list[Patch | Line2D] = [Patch(color="#4c72b0", label="input tokens of a turn")]
    if any(row.request == "summary" for row in rows):
        legend.append(Patch(color="#dd8452", label="summarising request"))
    largest = max((row.input_tokens for row in rows), default=0)
    if context_window and largest * 2 >= context_window:
        tokens_axis.axhline(context_window, color="#555555", linestyle="--", linewidth=1)
        legend.append(Line2D([], [], color="#555555", linestyle="--",
                             label=f"context window ({context_window:,} tokens)"))
    marked = _mark_where_it_stops_fitting(tokens_axis, simulation, "#c44e52")
    if marked:
        legend.append(Line2D([], [], color="#c44e52", linestyle=":", label=marked))
    costs = [row.cumulative_cost_usd for row in rows]
    if all(cost is not None for cost in costs):
        cost_axis = tokens_axis.twinx()
        cost_axis.plot(range(1, len(rows) + 1), [float(c) for c in costs if c is not None],
                       color="#c44e52", marker=".")
        cost_axis.set_ylabel("cumulative cost (USD)")
        cost_axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"${value:,.2f}"))
        legend.append(Line2D([], [], color="#c44e52", marker=".", label="cumulative cost"))
    tokens_axis.legend(handles=legend, loc="upper left")
    tokens_axis.set_title(f"{simulation.model}: input per request ({simulation.strategy} "
                          "history)")
    _save(figure, target)


def _mark_where_it_stops_fitting(axis: Any, simulation: Simulation, colour: str, *,
                                 labelled: bool = False) -> str | None:
    """A vertical line before the first request that no longer fits the model (its window or
    its max output), in every chart that draws requests; its label (on the line itself for
    the legend, with ``labelled``), or None when every request fits."""
    first = next(((number, row.turn) for number, row in enumerate(simulation.rows, start=1)
                  if not row.fits), None)
    if first is None:
        return None
    number, turn = first
    label = f"no longer fits from turn {turn}"
    if labelled:
        label = f"{simulation.model}: {label}"
    axis.axvline(number - 0.5, color=colour, linestyle=":", linewidth=1.5,
                 label=label if labelled else None)
    return label


_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3")


def write_comparison_plot(simulations: list[Simulation], path: str | Path,
                          context_windows: list[int | None]) -> None:
    """Several models' growth on one chart: input tokens per request (solid lines) and
    cumulative cost (dashed, on the right-hand axis), one colour a model, with each model's
    context window drawn once its requests come within half of it."""
    check_plot_target(path)
    target = Path(path)
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    figure, tokens_axis = plt.subplots(figsize=(9, 4.5))
    cost_axis = tokens_axis.twinx()
    for index, (simulation, window) in enumerate(zip(simulations, context_windows,
                                                     strict=True)):
        colour = _COLOURS[index % len(_COLOURS)]
        requests = range(1, len(simulation.rows) + 1)
        tokens = [row.input_tokens for row in simulation.rows]
        tokens_axis.plot(requests, tokens, color=colour, marker=".",
                         label=f"{simulation.model}: input tokens")
        if window and max(tokens, default=0) * 2 >= window:
            tokens_axis.axhline(window, color=colour, linestyle=":", linewidth=1,
                                label=f"{simulation.model}: context window ({window:,})")
        _mark_where_it_stops_fitting(tokens_axis, simulation, colour, labelled=True)
        costs = [row.cumulative_cost_usd for row in simulation.rows]
        if all(cost is not None for cost in costs):
            cost_axis.plot(requests, [float(c) for c in costs if c is not None], color=colour,
                           linestyle="--", label=f"{simulation.model}: cumulative cost")
    tokens_axis.set_xlabel("request")
    tokens_axis.set_ylabel("input tokens")
    tokens_axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    cost_axis.set_ylabel("cumulative cost (USD)")
    cost_axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"${value:,.2f}"))
    handles, labels = tokens_axis.get_legend_handles_labels()
    more_handles, more_labels = cost_axis.get_legend_handles_labels()
    tokens_axis.legend(handles + more_handles, labels + more_labels, loc="upper left",
                       fontsize="small")
    tokens_axis.set_title(f"Input per request ({simulations[0].strategy} history)")
    _save(figure, target)


def write_cost_plot(bars: Sequence[tuple[str, Decimal | None]], path: str | Path,
                    title: str) -> None:
    """Cost per row (a period, a model...) as vertical bars, in the order given; unpriced
    rows are left without a bar and named in the axis label."""
    check_plot_target(path)
    target = Path(path)
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    figure, axis = plt.subplots(figsize=(max(6.0, min(18.0, 0.45 * len(bars) + 3)), 4.5))
    labels = [label if cost is not None else f"{label} (unpriced)" for label, cost in bars]
    axis.bar(range(len(bars)), [float(cost or 0) for _, cost in bars], color=_COLOURS[0])
    axis.set_xticks(range(len(bars)), labels, rotation=45 if len(bars) > 6 else 0,
                    ha="right" if len(bars) > 6 else "center", fontsize="small")
    axis.set_ylabel("cost (USD)")
    axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"${value:,.2f}"))
    axis.set_title(title)
    _save(figure, target)


def _save(figure: Any, target: Path) -> None:
    """Write the figure to its file (the suffix picks PNG or SVG), and free it either way."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    try:
        figure.savefig(target)
    except OSError as error:
        raise TokcostError(f"{target}: cannot write the plot: {error.strerror}") from None
    finally:
        plt.close(figure)

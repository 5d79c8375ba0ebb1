"""An image of a simulation's growth (matplotlib, an optional extra: ``tokcost[plot]``)."""

from __future__ import annotations

from pathlib import Path

from tokcost.errors import TokcostError
from tokcost.reports.simulation import Simulation

PLOT_SUFFIXES = (".png", ".svg")


def check_plot_target(path: str | Path) -> None:
    """Fail before any work or output when the plot could not be drawn."""
    target = Path(path)
    if target.suffix.lower() not in PLOT_SUFFIXES:
        raise TokcostError(f"--plot writes .png or .svg files, not {target.name!r}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise TokcostError("--plot needs matplotlib: pip install 'tokcost[plot]'") from None


def write_plot(simulation: Simulation, path: str | Path) -> None:
    """Input tokens per request (bars) and cumulative cost (a line) as a PNG or SVG file."""
    check_plot_target(path)
    target = Path(path)
    import matplotlib

    matplotlib.use("Agg")  # draw to a file; no display needed
    import matplotlib.pyplot as plt

    rows = simulation.rows
    figure, tokens_axis = plt.subplots(figsize=(9, 4.5))
    colours = ["#4c72b0" if row.request == "turn" else "#dd8452" for row in rows]
    tokens_axis.bar(range(1, len(rows) + 1), [row.input_tokens for row in rows], color=colours)
    tokens_axis.set_xlabel("request")
    tokens_axis.set_ylabel("input tokens")
    costs = [row.cumulative_cost_usd for row in rows]
    if all(cost is not None for cost in costs):
        cost_axis = tokens_axis.twinx()
        cost_axis.plot(range(1, len(rows) + 1), [float(c) for c in costs if c is not None],
                       color="#c44e52", marker=".")
        cost_axis.set_ylabel("cumulative cost (USD)")
    from matplotlib.patches import Patch

    legend = [Patch(color="#4c72b0", label="turn")]
    if any(row.request == "summary" for row in rows):
        legend.append(Patch(color="#dd8452", label="summarising request"))
    tokens_axis.legend(handles=legend, loc="upper left")
    tokens_axis.set_title(f"{simulation.model}: input per request ({simulation.strategy} "
                          "history)")
    figure.tight_layout()
    try:
        figure.savefig(target)
    except OSError as error:
        raise TokcostError(f"{target}: cannot write the plot: {error.strerror}") from None
    finally:
        plt.close(figure)

"""``tokcost calibrate``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from tokcost.cli.app import ExitStatus, app
from tokcost.cli.emit import _emit, _note, _shown
from tokcost.cli.options import (
    CALIBRATION_ENV_VAR,
    FormatOption,
    OutputOption,
    PricingFileOption,
    PricingVersionOption,
)
from tokcost.cli.tables import _table_by_day
from tokcost.limits import MAX_MIN_RECORDS
from tokcost.wording import number_of


@app.command()
def calibrate(
    logs: Annotated[list[Path], typer.Argument(
        metavar="LOG...", help="JSON Lines of {\"request\": ..., \"response\": ...}: requests "
                               "in OpenAI, Anthropic or Gemini shape and the API's responses.")],
    model: Annotated[Optional[str], typer.Option(
        "--model", "-m", help="The model of every logged request (else each line's own).")
    ] = None,
    write: Annotated[Optional[Path], typer.Option(
        "--write", "-w", metavar="FILE", dir_okay=False,
        help="Write the calibration file that --calibration FILE applies.")] = None,
    min_records: Annotated[int, typer.Option(
        "--min-records", min=2, max=MAX_MIN_RECORDS,
        help="Fewer logged requests of a model than this: its bundled rule is kept.")] = 10,
    fmt: FormatOption = None,
    output: OutputOption = None,
    pricing_version: PricingVersionOption = None,
    pricing: PricingFileOption = None,
) -> None:
    """Fit each model's counting rule on your own logs, and show the error before and after."""
    from tokcost.reports.calibrate import CALIBRATE_COLUMNS, write_calibration
    from tokcost.reports.calibrate import calibrate as run

    if os.environ.pop(CALIBRATION_ENV_VAR, None):  # main() puts it back
        _note(f"${CALIBRATION_ENV_VAR} is not applied here: logs are measured against the "
              "bundled rules")
    # A model the newest table no longer sells is calibrated with the rule of the newest
    # bundled table that has it, unless a table was chosen.
    tables = _table_by_day(pricing_version, pricing)
    result = run(logs, tables, model=model, min_records=min_records,
                 sources=", ".join(str(path) for path in logs))
    for note in result.notes:
        _note(note)
    for problem in result.problems:
        typer.echo(_shown(f"tokcost: error: {problem}"), err=True)
    if result.rows:
        _emit(result.rows, CALIBRATE_COLUMNS, fmt, output)
    if write is not None and not result.calibrated:
        # An empty file would undo the calibration a file holds: it is left as it was.
        kept = "left as it was" if write.exists() else "not written"
        typer.echo(f"tokcost: error: no model was calibrated, so {write} is {kept}", err=True)
        raise typer.Exit(ExitStatus.ERROR)
    if write is not None:
        write_calibration(result, write)
        count = result.calibrated
        _note(f"wrote {number_of(count, 'calibrated model')} to {write}; apply "
              f"it with --calibration {write} or TOKCOST_CALIBRATION={write}")
    if result.problems or not result.rows:
        raise typer.Exit(ExitStatus.ERROR)

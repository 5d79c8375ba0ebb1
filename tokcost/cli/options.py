"""The option types several commands share, and the checks their callbacks make before any work."""

from __future__ import annotations

import math
import os
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import click
import typer

from tokcost.cli.emit import _currency
from tokcost.errors import TokcostError
from tokcost.limits import MAX_WEB_SEARCHES
from tokcost.output import OutputFormat

FormatOption = Annotated[
    Optional[OutputFormat],
    typer.Option(
        "--format", "-f", case_sensitive=False,
        help="Output format. Default: table at a terminal, TSV when piped. --csv, --tsv, "
             "--json and --nl are short for -f csv, tsv, json and jsonl; --no-headers leaves "
             "out the header row (and a table's notes above it); --sort COLUMN orders the "
             "rows by a column (-COLUMN: largest first).",
    ),
]



class InputFormat(str, Enum):
    """The choices of ``--input-format`` (tokcost.sources.INPUT_FORMATS)."""

    text = "text"
    openai = "openai"
    anthropic = "anthropic"
    sharegpt = "sharegpt"
    gemini = "gemini"
    jsonl = "jsonl"
    batch = "batch"



class FiniteNumber(click.FloatRange):
    """The values of every float option: a finite number within the option's range. click's
    FloatRange alone lets NaN through (it compares false with both ends), and infinity too
    where a range has no top; the library would then fail on them with no clear line."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number



ServiceTierOption = Annotated[
    str,
    typer.Option("--service-tier", metavar="TIER",
                 help="Price at this service tier: standard, flex, priority... A model not "
                      "sold at it is left unpriced, with a note."),
]
def _checked_currency(value: str | None) -> str | None:
    if value is not None:
        _currency(value)  # refused before any work
    return value


CurrencyOption = Annotated[
    Optional[str],
    typer.Option("--currency", metavar="CODE=RATE", callback=_checked_currency,
                 help="Show amounts in this currency at your rate to the US dollar (EUR=0.86); "
                      "nothing is downloaded."),
]
WebSearchesOption = Annotated[
    int,
    typer.Option("--web-searches", metavar="N", min=0, max=MAX_WEB_SEARCHES,
                 help="Web searches each request makes, billed per search at the model's fee "
                      "(a model without one is left unpriced)."),
]
ColumnOption = Annotated[
    Optional[str],
    typer.Option("--column", metavar="NAME",
                 help="For a Parquet or Arrow table: the column to read (default: messages, "
                      "conversations, or the first of text, prompt, content, input, question, "
                      "document)."),
]
PricingVersionOption = Annotated[
    Optional[str],
    typer.Option("--pricing-version", metavar="DATE",
                 help="Use the bundled price table of this date (see `tokcost pricing versions`)."),
]
PricingFileOption = Annotated[
    Optional[Path],
    typer.Option("--pricing", metavar="FILE", dir_okay=False,
                 help="Use your own price table (YAML). Also read from $TOKCOST_PRICING."),
]



# tokcost.counting.rules.CALIBRATION_ENV_VAR, spelled here so that light commands need not load
# the counting rules (a test checks that the two agree).
CALIBRATION_ENV_VAR = "TOKCOST_CALIBRATION"


def _use_calibration(path: Optional[Path]) -> Optional[Path]:
    """Apply a calibration file (through the environment, so that worker processes see it
    too; main() puts the environment back), read now so that a bad one is reported before any
    work."""
    if path is not None:
        from tokcost.counting.rules import active_calibration

        os.environ[CALIBRATION_ENV_VAR] = str(path.absolute())
        active_calibration()
    return path


CalibrationOption = Annotated[
    Optional[Path],
    typer.Option("--calibration", metavar="FILE", dir_okay=False, callback=_use_calibration,
                 help="Count with the rules `tokcost calibrate` fitted on your logs. Also read "
                      "from $TOKCOST_CALIBRATION."),
]



# Files tokcost cannot write, which a text output under their name would only pretend to be.
_SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".numbers", ".parquet"}


def _check_output(path: Optional[Path]) -> Optional[Path]:
    """Refuse an output file that cannot be written before any work is done."""
    if path is None:
        return None
    if path.is_dir():
        raise TokcostError(f"{path}: is a directory; give --output a file name")
    if path.suffix.lower() in _SPREADSHEET_SUFFIXES:
        raise TokcostError(f"{path}: tokcost writes text (csv, tsv, json, jsonl, md), not "
                           f"{path.suffix} files; write {path.with_suffix('.csv').name}, which "
                           "spreadsheets open")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise TokcostError(f"{path}: the folder {folder} does not exist; create it or choose "
                           "another --output")
    if not os.access(folder, os.W_OK) or path.exists() and not os.access(path, os.W_OK):
        raise TokcostError(f"{path}: not writable; choose another --output")
    return path


OutputOption = Annotated[
    Optional[Path],
    typer.Option("--output", "-o", metavar="FILE", callback=_check_output,
                 help="Write the results to FILE instead of stdout; its suffix (.csv, .tsv, "
                      ".json, .jsonl, .md) picks the format unless --format does."),
]



class ModelMode(str, Enum):
    chat = "chat"
    embedding = "embedding"


class EncodingErrors(str, Enum):
    STRICT = "strict"
    REPLACE = "replace"

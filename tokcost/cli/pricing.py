"""``tokcost models`` and the ``tokcost pricing`` commands."""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from tokcost.cli.app import ExitStatus, app, pricing_app
from tokcost.cli.emit import _chosen_format, _emit, _note
from tokcost.cli.options import (
    CalibrationOption,
    FormatOption,
    ModelMode,
    OutputOption,
    PricingFileOption,
    PricingVersionOption,
)
from tokcost.cli.tables import _listed, _table
from tokcost.errors import PricingError, TokcostError
from tokcost.files import write_text_file
from tokcost.output import OutputFormat
from tokcost.wording import number_of


@app.command()
def models(
    provider: Annotated[Optional[list[str]], typer.Option(
        "--provider", "-p", help="Only this provider's models (openai, anthropic, google...; "
                                 "repeat, or separate with commas, for more).")] = None,
    mode: Annotated[Optional[ModelMode], typer.Option(
        "--mode", case_sensitive=False, help="Only chat or only embedding models.")] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    pricing_version: PricingVersionOption = None,
    pricing: PricingFileOption = None,
    calibration: CalibrationOption = None,
) -> None:
    """List the models in the price table: prices per million tokens, limits, tokenizer and
    how exact its counts are."""
    from tokcost.reports.catalog import MODEL_COLUMNS, MODEL_TABLE_COLUMNS, model_rows

    table = _table(pricing_version, pricing)
    for_table = _chosen_format(fmt, output) is OutputFormat.table
    rows = model_rows(table, _listed(provider), for_table=for_table,
                      mode=mode.value if mode else None)
    _emit(rows, MODEL_TABLE_COLUMNS if for_table else MODEL_COLUMNS, fmt, output,
          preamble=(f"Prices in USD per million tokens; price table {table.label}.",))


@pricing_app.command("versions")
def pricing_versions(
    fmt: FormatOption = None,
    output: OutputOption = None,
    pricing_version: PricingVersionOption = None,
    pricing: PricingFileOption = None,
) -> None:
    """List the price-table snapshots and which one is used by default."""
    from tokcost.reports.catalog import VERSION_COLUMNS, version_rows

    _emit(version_rows(_table(pricing_version, pricing)), VERSION_COLUMNS, fmt, output)


@pricing_app.command("show")
def pricing_show(
    model: Annotated[str, typer.Argument(help="Model id, alias or provider/model.")],
    fmt: FormatOption = None,
    output: OutputOption = None,
    pricing_version: PricingVersionOption = None,
    pricing: PricingFileOption = None,
) -> None:
    """Show everything the price table says about one model, tiers and aliases included."""
    from tokcost.reports.catalog import SHOW_COLUMNS, show_rows

    table = _table(pricing_version, pricing)
    found = table.resolve(model)
    if found.note:
        _note(found.note)
    _emit(show_rows(table, found.model), SHOW_COLUMNS, fmt, output)


def _table_from_name(name: str):  # noqa: ANN202
    """A bundled version (a date), or else a path to a price-table file."""
    from tokcost.pricing.table import bundled_versions, load_bundled, load_file

    # What looks like a date is a version; anything else (a .yaml, a path) is a file, so that a
    # missing file is called that rather than an unknown version.
    if name == "latest":
        return load_bundled(bundled_versions()[-1])
    if name in bundled_versions() or re.fullmatch(r"\d{4}-\d{2}-\d{2}", name):
        return load_bundled(name)
    return load_file(name)


@pricing_app.command("diff")
def pricing_diff(
    old: Annotated[str, typer.Argument(help="Older version (a date, or latest) or a price-table "
                                            "file.")],
    new: Annotated[str, typer.Argument(help="Newer version (a date, or latest) or a price-table "
                                            "file.")],
    model: Annotated[Optional[list[str]], typer.Option(
        "--model", "-m", help="Only this model (repeat for more).")] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Compare two price tables: models added and removed, and every changed price."""
    from tokcost.reports.catalog import DIFF_COLUMNS, diff_rows

    rows = diff_rows(_table_from_name(old), _table_from_name(new), model or ())
    _emit(rows, DIFF_COLUMNS, fmt, output)


@pricing_app.command("check")
def pricing_check(
    file: Annotated[Path, typer.Argument(
        help="LiteLLM's model_prices_and_context_window.json (or its _backup copy), "
             "genai-prices' data.json or the data.py its wheel ships, or either package's "
             "wheel as `pip download --no-deps litellm genai-prices` leaves it.")],
    fmt: FormatOption = None,
    output: OutputOption = None,
    pricing_version: PricingVersionOption = None,
    pricing: PricingFileOption = None,
) -> None:
    """Compare the price table with LiteLLM's or genai-prices' list: every price that
    differs, model by model (a maintainer's check that the table is still true)."""
    from tokcost.pricing.price_lists import read_price_list
    from tokcost.reports.catalog import DIFF_COLUMNS, check_rows

    table = _table(pricing_version, pricing)
    rows, notes = check_rows(table, read_price_list(file))
    for note in notes:
        _note(note)
    _emit(rows, DIFF_COLUMNS, fmt, output,
          preamble=(f"Price table {table.label} (old) against {file} (new).",))


@pricing_app.command("validate")
def pricing_validate(
    file: Annotated[Path, typer.Argument(help="The price table (YAML) to check.")],
) -> None:
    """Check a price table. Exit 0 with a summary, or list every problem and exit 1."""
    from tokcost.pricing.table import load_file

    try:
        table = load_file(file)
    except PricingError as error:
        for problem in error.problems:
            typer.echo(f"tokcost: error: {problem}", err=True)
        count = len(error.problems)
        typer.echo(f"tokcost: {file}: {number_of(count, 'problem')}", err=True)
        raise typer.Exit(ExitStatus.ERROR) from None
    snapshot = table.snapshot
    providers = len({m.provider for m in table})
    typer.echo(f"{file}: valid: {number_of(len(table), 'model')} from "
               f"{number_of(providers, 'provider')}, effective "
               f"{snapshot.effective}, schema version {snapshot.schema_version}")


@pricing_app.command("import-litellm")
def pricing_import_litellm(
    file: Annotated[Path, typer.Argument(
        help="LiteLLM's model_prices_and_context_window.json (or its _backup copy), or the "
             "litellm wheel as `pip download --no-deps litellm` leaves it.")],
    effective: Annotated[str, typer.Option(
        "--effective", metavar="DATE", help="The date the new snapshot takes effect.")],
    models: Annotated[list[str], typer.Option(
        "--models", "-m",
        help="LiteLLM model keys or glob patterns (repeat, or separate with commas).")],
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Where to write the snapshot (default: stdout).")] = None,
) -> None:
    """Write a new price-table snapshot from LiteLLM's price list. Review it before use."""
    from tokcost.pricing.litellm_import import import_litellm, read_litellm_json, selected_patterns
    from tokcost.pricing.schema import build_snapshot
    from tokcost.pricing.yaml_source import parse_price_yaml

    try:
        when = date.fromisoformat(effective)
    except ValueError:
        raise typer.BadParameter(f"{effective!r} is not a date as YYYY-MM-DD",
                                 param_hint="--effective") from None
    result = import_litellm(read_litellm_json(file), when, selected_patterns(models))
    origin = str(out or "<stdout>")
    if result.models:  # refuse to write a snapshot that would not load
        build_snapshot(parse_price_yaml(result.yaml_text, origin), origin)
    for reason in result.skipped:
        _note(f"skipped {reason}")
    for line in result.left_out():
        _note(f"not imported: {line}")
    _note(result.summary())
    if not result.models:
        raise TokcostError(f"no model of {', '.join(models)!s} could be imported (each skip is "
                           f"named above), so nothing is written to {origin}")
    if out is None:
        sys.stdout.write(result.yaml_text)
        sys.stdout.flush()
    else:
        write_text_file(out, result.yaml_text, "--out")
    count = len(result.models)
    typer.echo(f"tokcost: wrote {number_of(count, 'model')} to {origin}", err=True)

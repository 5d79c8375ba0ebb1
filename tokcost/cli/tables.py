"""The price table a command uses, and the models it names."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import typer

from tokcost.cli.app import ExitStatus
from tokcost.cli.emit import _note, _shown
from tokcost.errors import OptionError, TokcostError, UnknownModelError


def _today() -> date:
    return date.today()


def _table(version: str | None, path: Path | None):  # noqa: ANN202 - PriceTable, lazily typed
    from tokcost.pricing.table import (
        PRICING_ENV_VAR,
        bundled_versions,
        load_price_table,
        staleness_note,
    )

    table = load_price_table(version=version, path=path)
    default = version is None and path is None and not os.environ.get(PRICING_ENV_VAR)
    # The newest bundled table's prices, by default or under an overlay: say when it is old.
    if default or table.snapshot.base == bundled_versions()[-1]:
        note = staleness_note(_today())
        if note:
            _note(note)
    return table


def _table_by_day(version: str | None, path: Path | None):  # noqa: ANN202 - TableChoice
    """The table the user chose for every record, else the bundled one in force on each
    record's day."""
    from tokcost.pricing.dated import DatedTables, OneTable
    from tokcost.pricing.table import PRICING_ENV_VAR

    if version is not None or path is not None or os.environ.get(PRICING_ENV_VAR):
        return OneTable(_table(version, path))
    return DatedTables.bundled(newest=_table(None, None))  # (with its note, when it is old)


def _service_tier(table, name: str, batch: bool = False) -> str:  # noqa: ANN001 - PriceTable
    if batch and name != "standard":
        raise OptionError("--batch and --service-tier go separately: batch prices are their "
                           "own, taken from the standard tier")
    return table.check_service_tier(name)



def _resolve(table: Any, name: str) -> Any:
    found = table.resolve(name)
    if found.note:
        _note(found.note)
    return found.model


def _listed(values: Sequence[str] | None) -> list[str]:
    """The names an option repeated, or given comma-separated, lists (-m, -p), each once."""
    return list(dict.fromkeys(part.strip() for value in values or ()
                              for part in value.split(",") if part.strip()))


def _chosen_models(table: Any, names: Sequence[str] | None,
                   providers: Sequence[str] | None = None) -> tuple[list[Any], list[str]]:
    """The models named by -m (repeated, or comma-separated), and a line for each the table
    does not know: the others are still counted and priced. None of them known is an error.
    Each must be sold by one of ``providers`` (-p), when given."""
    wanted = _listed(names)
    sold = {model.id for model in table.models(providers)} if providers else None
    models: list[Any] = []
    unknown: list[str] = []
    for name in wanted:
        try:
            model = _resolve(table, name)
        except UnknownModelError as error:
            unknown.append(str(error))
            continue
        if sold is not None and model.id not in sold:
            assert providers is not None
            raise OptionError(f"{model.id} is sold by {model.provider}, not "
                              f"{' or '.join(providers)}: leave out --provider, or name only "
                              "its models with -m")
        if all(chosen.id != model.id for chosen in models):  # one row a model
            models.append(model)
    if unknown and not models:
        for line in unknown[:-1]:
            typer.echo(_shown(f"tokcost: error: {line}"), err=True)
        raise TokcostError(unknown[-1])
    return models, unknown


def _report_unknown(unknown: Sequence[str]) -> None:
    """After the good models' rows: a line for each unknown one, and a failing exit."""
    for line in unknown:
        typer.echo(_shown(f"tokcost: error: {line}"), err=True)
    if unknown:
        raise typer.Exit(ExitStatus.ERROR)

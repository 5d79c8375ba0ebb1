"""`tokcost usage` prices each record with the bundled table in force on its day.

The bundled tables are effective from 2025-03-01, 2026-11-22 and 2026-12-01. Prices used
below (USD per million tokens), read from those files:

- mistral-large-4: 1.36 input in 2026-11-22, 0.70 in 2026-12-01 (not in 2025-03-01);
- claude-fable-5: 10 input, only in 2026-12-01;
- claude-sonnet-4-5: 3 input in 2026-11-22, gone from 2026-12-01;
- gpt-4o: 2.50 input in all three.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tokcost.errors import UnknownModelError
from tokcost.pricing.dated import DatedTables, OneTable
from tokcost.pricing.table import load_bundled

NOV_25 = 1795608000  # 2026-11-25 12:00 UTC
DEC_02 = 1796212800  # 2026-12-02 12:00 UTC
JUN_2024 = 1717243200  # 2024-06-01 12:00 UTC, before the oldest table


def chat(model: str, prompt: int, created: int | None) -> dict[str, Any]:
    line: dict[str, Any] = {"object": "chat.completion", "model": model,
                            "usage": {"prompt_tokens": prompt, "completion_tokens": 0}}
    if created is not None:
        line["created"] = created
    return line


def claude_code(model: str, prompt: int, timestamp: str, ident: str) -> dict[str, Any]:
    return {"type": "assistant", "timestamp": timestamp, "requestId": f"req_{ident}",
            "message": {"id": f"msg_{ident}", "model": model,
                        "usage": {"input_tokens": prompt, "output_tokens": 0}}}


@pytest.fixture
def log(tmp_path: Path) -> Path:
    lines = [
        chat("mistral-large-4", 1_000_000, NOV_25),  # 1.36 (2026-11-22)
        chat("mistral-large-4", 1_000_000, DEC_02),  # 0.70 (2026-12-01)
        chat("mistral-large-4", 1_000_000, None),  # 0.70 (the newest)
        chat("gpt-4o", 1_000_000, JUN_2024),  # 2.50 (2025-03-01, though not yet in force)
        claude_code("claude-fable-5", 100_000, "2026-11-25T12:00:00Z", "a"),  # 1.00 (12-01)
        claude_code("claude-sonnet-4-5", 1_000_000, "2026-12-02T12:00:00Z", "b"),  # 3 (11-22)
    ]
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def costs(out: str) -> dict[str, Decimal]:
    return {row["model"]: Decimal(row["cost_usd"]) for row in csv.DictReader(io.StringIO(out))
            if row["cost_usd"]}


def test_each_record_is_priced_with_the_table_in_force_on_its_day(
        cli: Callable[..., Any], log: Path) -> None:
    result = cli("usage", str(log), "--format", "csv")
    assert result.status == 0, result.err
    assert costs(result.out) == {
        "mistral-large-4": Decimal("1.36") + Decimal("0.70") + Decimal("0.70"),
        "claude-sonnet-4-5": Decimal(3), "gpt-4o": Decimal("2.50"),
        "claude-fable-5": Decimal("1.00")}
    notes = result.err.splitlines()
    assert ("tokcost: note: 1 request of claude-fable-5 priced with table 2026-12-01 (table "
            "2026-11-22, in force on their day, lacks claude-fable-5: the oldest later table "
            "that has it)") in notes
    assert ("tokcost: note: 1 request of claude-sonnet-4-5 priced with table 2026-11-22 "
            "(table 2026-12-01, in force on their day, lacks claude-sonnet-4-5: the newest "
            "earlier table that has it)") in notes
    assert ("tokcost: note: 1 request of gpt-4o priced with table 2025-03-01 (their day "
            "comes before the oldest table (2025-03-01): the oldest later table that has "
            "it)") in notes


def test_the_heading_says_which_table_priced_how_many(cli: Callable[..., Any],
                                                       log: Path) -> None:
    result = cli("usage", str(log), "--format", "table")
    assert result.status == 0, result.err
    assert result.out.startswith(
        "Billed usage priced with the table in force on each request's day (UTC): 2025-03-01 "
        "for 1 request, 2026-11-22 for 2, 2026-12-01 for 2; 1 request without a time with "
        "2026-12-01. Each request at its service tier.")


def test_json_says_which_table_priced_each_group(cli: Callable[..., Any], log: Path) -> None:
    result = cli("usage", str(log), "--format", "json")
    assert result.status == 0, result.err
    versions = {row["model"]: row["pricing_version"] for row in json.loads(result.out)}
    assert versions == {"mistral-large-4": "2026-11-22, 2026-12-01",
                        "claude-sonnet-4-5": "2026-11-22", "gpt-4o": "2025-03-01",
                        "claude-fable-5": "2026-12-01"}


def test_a_chosen_table_prices_every_record(cli: Callable[..., Any], log: Path) -> None:
    result = cli("usage", str(log), "--pricing-version", "2026-12-01", "--format", "csv")
    assert result.status == 0, result.err
    # Every mistral request at 0.70; claude-sonnet-4-5 is not in this table: unpriced.
    assert costs(result.out) == {"mistral-large-4": Decimal("2.10"), "gpt-4o": Decimal("2.50"),
                                 "claude-fable-5": Decimal("1.00")}
    assert result.out.startswith("model,") and "claude-sonnet-4-5" in result.out
    assert ("1 request unpriced (left out of cost_usd): model 'claude-sonnet-4-5' is not in "
            "price table 2026-12-01") in result.err


def test_undated_records_of_a_retired_model_take_the_newest_table_that_has_it() -> None:
    tables = DatedTables.bundled()
    chosen = tables.choose("claude-sonnet-4-5", None)
    assert (chosen.resolution.model.id, chosen.table) == ("claude-sonnet-4-5", "2026-11-22")
    assert chosen.instead == ("undated, and the default table 2026-12-01 lacks "
                              "claude-sonnet-4-5: the newest table that has it")
    assert tables.choose("gpt-4o", None).table == "2026-12-01"
    assert tables.choose("gpt-4o", None).instead is None


def test_the_table_effective_on_a_day_is_in_force_from_that_day() -> None:
    tables = DatedTables.bundled()
    assert tables.choose("mistral-large-4", date(2026, 11, 30)).table == "2026-11-22"
    assert tables.choose("mistral-large-4", date(2026, 12, 1)).table == "2026-12-01"
    assert tables.choose("gpt-4o", date(2026, 11, 21)).table == "2025-03-01"
    with pytest.raises(UnknownModelError, match="nosuch-model"):
        tables.choose("nosuch-model", date(2026, 12, 1))


def test_one_table_answers_the_same_question() -> None:
    one = OneTable(load_bundled("2026-11-22"))
    chosen = one.choose("mistral-large-4", date(2026, 12, 2))
    assert (chosen.table, chosen.instead) == ("2026-11-22", None)
    assert chosen.resolution.model.rates.input == Decimal("1.36")


def test_a_price_the_days_table_lacks_comes_from_the_next_table_that_has_it(
        cli: Callable[..., Any], tmp_path: Path) -> None:
    # Service tiers entered the tables on 2026-12-01: a priority request of 25 November is
    # priced at 2026-12-01's priority rate, 4.25 per million input tokens, and said so.
    line = chat("gpt-4o", 1_000_000, NOV_25) | {"service_tier": "priority"}
    path = tmp_path / "priority.jsonl"
    path.write_text(json.dumps(line) + "\n")
    result = cli("usage", str(path), "--format", "csv")
    assert result.status == 0, result.err
    assert costs(result.out) == {"gpt-4o": Decimal("4.25")}
    assert ("tokcost: note: 1 request of gpt-4o priced with table 2026-12-01 (table "
            "2026-11-22, chosen for their day, has no priority service tier price)"
            ) in result.err.splitlines()
    # A table the user chose is not second-guessed: the request stays unpriced.
    result = cli("usage", str(path), "--pricing-version", "2026-11-22", "--format", "csv")
    assert ("1 request unpriced (left out of cost_usd): model 'gpt-4o' has no priority "
            "service tier price (it is sold at standard) in price table 2026-11-22"
            ) in result.err

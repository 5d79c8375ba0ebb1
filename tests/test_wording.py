"""Counts in messages: one helper words them, and no message says "1 turns"."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import tokcost
from tokcost.wording import number_of

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
PACKAGE = Path(tokcost.__file__).parent


@pytest.mark.parametrize(
    ("count", "noun", "plural", "words"),
    [
        (1, "turn", None, "1 turn"),
        (0, "turn", None, "0 turns"),
        (2, "request", None, "2 requests"),
        (1_500, "request", None, "1,500 requests"),
        (Decimal("1"), "day", None, "1 day"),
        (Decimal("1.0"), "day", None, "1 day"),
        (Decimal("30.5"), "day", None, "30.5 days"),
        (Decimal("30"), "day", None, "30 days"),
        (Decimal("0"), "day", None, "0 days"),
        (1, "entry", "entries", "1 entry"),
        (3, "entry", "entries", "3 entries"),
    ],
)
def test_a_count_and_its_noun(count: int | Decimal, noun: str, plural: str | None,
                              words: str) -> None:
    assert number_of(count, noun, plural) == words


def test_no_message_makes_its_own_plural() -> None:
    # A count's plural made in place ("{n} turn{'s' if n != 1 else ''}") is how "1 turns"
    # crept in where one was forgotten: they all go through number_of.
    made_here = re.compile(r"""\{'s' if [^}]*!= 1 else ''\}""")
    found = [f"{path.relative_to(PACKAGE)}:{number}" for path in sorted(PACKAGE.rglob("*.py"))
             for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
             if made_here.search(line)]
    assert found == []


def test_one_turn_one_request_one_day(cli: Run) -> None:
    simulated = cli("simulate", "-m", "gpt-4o", "--turns", "1", "--strategy", "window",
                    "--window", "1", "-f", "table", "--no-chart")
    assert simulated.status == 0, simulated.err
    assert ("Total: 661 input and 350 output tokens in 1 request over 1 turn, $0.00515; "
            "$0.00515 a turn on average.") in simulated.out
    assert "Assumes each request re-sends the system prompt and the last 1 turn.\n" in simulated.out
    assert "1 turn of 150 user and 350 assistant tokens" in simulated.out
    projected = cli("project", "--rpd", "1", "-m", "gpt-4o", "--input-tokens", "10",
                    "--output-tokens", "1", "--days-per-month", "1", "-f", "table")
    assert projected.out.splitlines()[:2] == [
        "Workload: 1 request a day; 10 input and 1 output tokens a request.",
        "Prices: table 2026-12-01, standard prices, no prompt caching; long-context tiers by "
        "prompt size; a month is 1 day, a year 365."]

"""Counts in messages: one helper words them, and no message says "1 turns"."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import tokcost
from tokcost.wording import assumption_lines, number_of

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


def test_what_holds_of_one_model_only_names_it() -> None:
    per_model = {"a": ["3 turns", "cache at the input price", "a 128-token window"],
                 "b": ["3 turns", "cache at the 5m write price", "a 1,000-token window"]}
    assert assumption_lines(per_model) == [
        "Assumes 3 turns.", "Assumes for a: cache at the input price.",
        "Assumes for a: a 128-token window.", "Assumes for b: cache at the 5m write price.",
        "Assumes for b: a 1,000-token window."]
    assert assumption_lines(per_model, shared=False) == [
        "Assumes for a: cache at the input price.", "Assumes for a: a 128-token window.",
        "Assumes for b: cache at the 5m write price.", "Assumes for b: a 1,000-token window."]
    # One model: everything it assumed is shared.
    assert assumption_lines({"a": per_model["a"]}) == [
        "Assumes 3 turns.", "Assumes cache at the input price.", "Assumes a 128-token window."]
    assert assumption_lines({}) == []


GPT_4O_CACHE = ("Assumes for gpt-4o: prompt caching: each request reads the prefix the last one "
                "wrote at the cache-read price and writes its new tail at the input price "
                "(automatic caching); prefixes under 1,024 tokens are not cached; requests come "
                "within the cache's lifetime.")
GPT_4O_FITS = ("Assumes for gpt-4o: a request fits when its input and its reply stay within "
               "the 128,000-token context window, and the reply within the model's 16,384 "
               "output tokens.")
SONNET_CACHE = ("Assumes for claude-sonnet-4-6: prompt caching: each request reads the prefix "
                "the last one wrote at the cache-read price and writes its new tail at the 5m "
                "cache-write price; prefixes under 1,024 tokens are not cached; requests come "
                "within the cache's lifetime.")
SONNET_FITS = ("Assumes for claude-sonnet-4-6: a request fits when its input and its reply stay "
               "within the 1,000,000-token context window, and the reply within the model's "
               "128,000 output tokens.")


def test_simulate_names_the_model_of_each_assumption_that_differs(cli: Run) -> None:
    result = cli("simulate", "--turns", "1", "-m", "gpt-4o", "-m", "claude-sonnet-4-6",
                 "--cache", "-f", "json")
    assert result.status == 0, result.err
    assert json.loads(result.out)[0]["assumptions"] == [
        "Models: gpt-4o, claude-sonnet-4-6; prices from table 2026-12-01.",
        "Assumes 1 turn of 150 user and 350 assistant tokens, a system prompt of 500 tokens "
        "(default); defaults used for system, user, assistant; each message adds its chat "
        "framing.",
        GPT_4O_CACHE, "Assumes each request re-sends the whole history.", GPT_4O_FITS,
        SONNET_CACHE, SONNET_FITS]


def test_project_names_the_model_of_each_simulated_assumption_that_differs(cli: Run) -> None:
    result = cli("project", "--rpd", "10", "--turns", "1", "-m", "gpt-4o", "-m",
                 "claude-sonnet-4-6", "--cache", "-f", "table")
    assert result.status == 0, result.err
    assert result.out.splitlines()[2:6] == [GPT_4O_CACHE, GPT_4O_FITS, SONNET_CACHE,
                                            SONNET_FITS]
    # Where nothing differs there is nothing to name: the two lines of one model's projection.
    alone = cli("project", "--rpd", "10", "--turns", "1", "-m", "gpt-4o", "-f", "table")
    assert alone.out.splitlines()[2] == ""

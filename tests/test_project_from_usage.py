"""`tokcost project --from-usage`: the cost of the traffic usage logs show, per day and month.

The logs are written by each test. Every expected figure is worked out by hand from the default
table, 2026-12-01 (USD per million tokens):

- gpt-4o: 2.50 input, 10 output, 1.25 cache read; batch 50% off input and output only;
- gpt-4o-mini: 0.15 input, 0.60 output, 0.075 cache read (gpt-4o's tokenizer);
- claude-sonnet-4-6: 3 input, 15 output, 0.30 cache read, 3.75 5-minute and 6 1-hour cache
  writes, web search 0.01 each; its counting rule counts 1.076 tokens a gpt-4o token.

µ$ below is a millionth of a dollar: a token at a price of P a million costs P µ$.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tokcost.reports.usage_projection import project_usage

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
M = Decimal(1_000_000)


def chat(model: str, when: str, prompt: int, cached: int, output: int, **extra: Any
         ) -> dict[str, Any]:
    """An OpenAI Chat Completions response made at ``when`` (UTC)."""
    created = int(datetime.fromisoformat(when).replace(tzinfo=timezone.utc).timestamp())
    return {"object": "chat.completion", "created": created, "model": model, **extra,
            "usage": {"prompt_tokens": prompt, "completion_tokens": output,
                      "prompt_tokens_details": {"cached_tokens": cached}}}


def message(when: str, input_tokens: int, write_5m: int, write_1h: int, read: int,
            output: int, searches: int = 0) -> dict[str, Any]:
    """An Anthropic Messages response, logged with its time (the response has none)."""
    usage: dict[str, Any] = {
        "input_tokens": input_tokens, "cache_creation_input_tokens": write_5m + write_1h,
        "cache_read_input_tokens": read, "output_tokens": output,
        "cache_creation": {"ephemeral_5m_input_tokens": write_5m,
                           "ephemeral_1h_input_tokens": write_1h}}
    if searches:
        usage["server_tool_use"] = {"web_search_requests": searches}
    return {"timestamp": when + "Z", "response": {
        "type": "message", "model": "claude-sonnet-4-6", "content": [], "usage": usage}}


# Two days of gpt-4o: 600 input + 400 cached + 300 output = 1,500 + 500 + 3,000 = 5,000 µ$;
# 400 input + 1,600 cached + 100 output = 1,000 + 2,000 + 1,000 = 4,000 µ$.
GPT_4O = [chat("gpt-4o", "2026-11-29T10:00:00", 1000, 400, 300),
          chat("gpt-4o", "2026-11-30T12:00:00", 2000, 1600, 100)]
# The same days of Claude: 100 x 3 + 1,000 x 3.75 (5-minute writes) + 2,000 x 0.3 + 200 x 15
# + one search (10,000 µ$) = 300 + 3,750 + 600 + 3,000 + 10,000 = 17,650 µ$; and 50 x 3 +
# 2,000 x 6 (1-hour writes) + 400 x 15 = 150 + 12,000 + 6,000 = 18,150 µ$.
CLAUDE = [message("2026-11-29T09:00:00", 100, 1000, 0, 2000, 200, searches=1),
          message("2026-11-30T23:59:59", 50, 0, 2000, 0, 400)]


def write_log(folder: Path, lines: list[Any], name: str = "traffic.jsonl") -> str:
    path = folder / name
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n"
                            for line in lines))
    return str(path)


def rows_of(result: Result) -> dict[str, dict[str, str]]:
    """CSV output, keyed by model."""
    assert result.status == 0, result.err
    return {row["model"]: row for row in csv.DictReader(io.StringIO(result.out))}


def money(row: dict[str, str], column: str) -> Decimal:
    return Decimal(row[column])


def test_each_models_own_traffic_per_day_month_and_year(cli: Run, tmp_path: Path) -> None:
    log = write_log(tmp_path, [*GPT_4O, *CLAUDE])
    result = cli("project", "--from-usage", log, "--format", "csv")
    rows = rows_of(result)
    # 4 requests over 2 days (2026-11-29 and 2026-11-30: 23:59:59 UTC is still that day).
    assert list(rows) == ["claude-sonnet-4-6", "gpt-4o"]  # the dearest first
    claude, gpt = rows["claude-sonnet-4-6"], rows["gpt-4o"]
    # Claude: 2 of the 4 requests, 1 a day; 35,800 µ$ over 2 days; 17,900 µ$ a request.
    assert (claude["requests"], Decimal(claude["requests_per_day"])) == ("2", 1)
    assert money(claude, "cost_per_request_usd") == Decimal(17900) / M
    assert money(claude, "daily_cost_usd") == Decimal(17900) / M
    assert money(claude, "monthly_cost_usd") == Decimal(17900 * 30) / M
    assert money(claude, "yearly_cost_usd") == Decimal(17900 * 365) / M
    # The mean tokens of each kind: (100 + 50) / 2 input, 2,000 / 2 read, 1,000 / 2 5-minute
    # and 2,000 / 2 1-hour writes, (200 + 400) / 2 output, 1 / 2 searches.
    assert [Decimal(claude[kind]) for kind in (
        "input_tokens", "cached_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
        "output_tokens", "web_searches")] == [75, 1000, 500, 1000, 300, Decimal("0.5")]
    # The real cache-hit rate: 2,000 read of 150 + 2,000 + 1,000 + 2,000 = 5,150 prompt tokens.
    assert claude["cache_hit_rate"] == "0.3883"
    # gpt-4o: 9,000 µ$ over 2 days; 500 input, 1,000 cached and 200 output tokens a request;
    # 2,000 of 3,000 prompt tokens read from the cache.
    assert money(gpt, "daily_cost_usd") == Decimal(4500) / M
    assert money(gpt, "monthly_cost_usd") == Decimal(4500 * 30) / M
    assert [Decimal(gpt[kind]) for kind in ("input_tokens", "cached_tokens",
                                            "output_tokens")] == [500, 1000, 200]
    assert (gpt["cache_hit_rate"], gpt["fits"]) == ("0.6667", "true")
    # The whole bill (a line for people, and the library's): 44,800 µ$ over 2 days, 2 requests
    # a day, 11,200 µ$ a request; 4,000 of 8,150 prompt tokens read from the cache.
    total = project_usage([log]).total
    assert total is not None
    assert (total["requests_per_day"], total["daily_cost_usd"], total["monthly_cost_usd"],
            total["cost_per_request_usd"]) == (
        2, Decimal(22400) / M, Decimal(22400 * 30) / M, Decimal(11200) / M)
    assert total["cache_hit_rate"] == Decimal("0.4908")
    assert ("the log covers only 2 days of the 30-day window (2026-11-01 to 2026-11-30), "
            "2026-11-29 to 2026-11-30: the requests a day are over those 2 days") in result.err


def test_the_table_says_what_was_observed(cli: Run, tmp_path: Path) -> None:
    log = write_log(tmp_path, [*GPT_4O, *CLAUDE])
    result = cli("project", "--from-usage", log, "--format", "table", "--days-per-month", "31")
    assert result.status == 0, result.err
    assert result.out.splitlines()[:2] == [
        f"Workload: observed, 4 requests from {log} over 2 days (2026-11-29 to 2026-11-30, "
        "UTC), 2 a day; 49.08% of prompt tokens read from cache.",
        "Prices: table 2026-12-01, each model's own traffic at its logged service tiers and "
        "batch rates; a month is 31 days, a year 365."]
    # 22,400 µ$ a day for 31 days: $0.6944, shown to three significant digits.
    assert result.out.splitlines()[-1].split()[-2:] == ["$0.694", "$8.18"]


def test_the_window_is_the_last_30_days_of_the_data(cli: Run, tmp_path: Path) -> None:
    old = chat("gpt-4o", "2026-10-01T08:00:00", 1000, 400, 300)  # 5,000 µ$, as GPT_4O[0]
    log = write_log(tmp_path, [old, *GPT_4O])
    result = cli("project", "--from-usage", log, "--format", "csv")
    # The log began before the window (2026-11-01 to 2026-11-30), so the window's days without
    # requests are days without traffic: 9,000 µ$ over 30 days, 300 µ$ a day.
    gpt = rows_of(result)["gpt-4o"]
    assert (gpt["requests"], money(gpt, "daily_cost_usd")) == ("2", Decimal(300) / M)
    assert gpt["requests_per_day"] == "0.0666666666666667"  # 2/30, shown to 15 digits
    assert "1 request before 2026-11-01 left out (--since or --window-days widens it)" \
        in result.err
    # The last 5 days: 9,000 µ$ over 5 days.
    five = rows_of(cli("project", "--from-usage", log, "--window-days", "5", "-f", "csv"))
    assert money(five["gpt-4o"], "daily_cost_usd") == Decimal(1800) / M
    # One day, given by its date: the 4,000 µ$ request of 2026-11-30.
    last = rows_of(cli("project", "--from-usage", log, "--since", "2026-11-30", "-f", "csv"))
    assert money(last["gpt-4o"], "daily_cost_usd") == Decimal(4000) / M
    # 2026-10-01 to 2026-11-29, both included, is 31 + 29 = 60 days: two requests of 5,000 µ$.
    given = cli("project", "--from-usage", log, "--since", "2026-10-01", "--until",
                "2026-11-29", "-f", "csv")
    # 10,000 µ$ over 60 days: 166.67 µ$ a day, shown to 15 digits.
    assert rows_of(given)["gpt-4o"]["daily_cost_usd"] == "0.000166666666666667"
    assert "1 request after 2026-11-29 left out" in given.err


def test_rpd_scales_the_observed_traffic_in_its_mix(cli: Run, tmp_path: Path) -> None:
    log = write_log(tmp_path, [*GPT_4O, *CLAUDE])
    result = cli("project", "--from-usage", log, "--rpd", "1000", "--format", "csv")
    rows = rows_of(result)
    # Half the requests each: 500 a day at 4,500 and at 17,900 µ$ a request.
    assert (Decimal(rows["gpt-4o"]["requests_per_day"]),
            money(rows["gpt-4o"], "daily_cost_usd")) == (500, Decimal("2.25"))
    assert money(rows["claude-sonnet-4-6"], "daily_cost_usd") == Decimal("8.95")
    total = project_usage([log], requests_per_day=1000).total
    assert total is not None and total["monthly_cost_usd"] == Decimal("11.2") * 30
    assert "the log covers only" not in result.err  # a rate given needs no days


def test_on_other_models_the_whole_traffic_scaled_where_tokenizers_differ(
        cli: Run, tmp_path: Path) -> None:
    log = write_log(tmp_path, GPT_4O)
    result = cli("project", "--from-usage", log, "-m", "claude-sonnet-4-6", "-m",
                 "gpt-4o-mini", "--format", "csv")
    rows = rows_of(result)
    assert list(rows) == ["gpt-4o-mini", "claude-sonnet-4-6"]  # alternatives: cheapest first
    # gpt-4o-mini counts as gpt-4o does: 600 x 0.15 + 400 x 0.075 + 300 x 0.6 = 300 µ$ and
    # 400 x 0.15 + 1,600 x 0.075 + 100 x 0.6 = 240 µ$, over 2 days.
    assert money(rows["gpt-4o-mini"], "daily_cost_usd") == Decimal(270) / M
    # Claude's tokens are 1.076 gpt-4o's, rounded half to even: 646 input, 430 cached and 323
    # output = 1,938 + 129 + 4,845 = 6,912 µ$; 430, 1,722 and 108 = 1,290 + 516.6 + 1,620 =
    # 3,426.6 µ$. 10,338.6 µ$ over 2 days.
    claude = rows["claude-sonnet-4-6"]
    assert money(claude, "daily_cost_usd") == Decimal("5169.3") / M
    assert [Decimal(claude[kind]) for kind in ("input_tokens", "cached_tokens",
                                               "output_tokens")] == [
        538, 1076, Decimal("215.5")]
    assert (claude["requests"], Decimal(claude["requests_per_day"])) == ("2", 1)
    assert "on claude-sonnet-4-6: gpt-4o's tokens scaled by 1.076" in result.err
    assert "on the models named, an estimate" in result.err


def test_unknown_models_are_listed_unpriced_never_at_zero(cli: Run, tmp_path: Path) -> None:
    nameless = {"created": GPT_4O[1]["created"], "usage": GPT_4O[1]["usage"]}
    log = write_log(tmp_path, [*GPT_4O, chat("my-private-model", "2026-11-30T09:00:00",
                                             500, 0, 100), nameless])
    result = cli("project", "--from-usage", log, "--format", "json")
    assert result.status == 0, result.err
    rows = {row["model"]: row for row in json.loads(result.out)}
    # Those without a cost last: an unknown model, and the records that name none.
    assert list(rows) == ["gpt-4o", "(no model)", "my-private-model"]
    assert (rows["(no model)"]["requests"], rows["(no model)"]["daily_cost_usd"]) == (1, None)
    assert "no model named by 1 request: the (no model) row has no cost" in result.err
    private = rows["my-private-model"]
    assert (private["requests"], private["input_tokens"], private["daily_cost_usd"],
            private["monthly_cost_usd"], private["fits"]) == (1, 500, None, None, None)
    assert "1 request unpriced (their model's costs left empty): unknown model " \
        "'my-private-model'" in result.err
    projection = project_usage([log])
    # gpt-4o's 9,000 µ$ over 2 days, and a note that the total leaves the other out.
    assert projection.total is not None
    assert (projection.total["requests"], projection.total["daily_cost_usd"]) == (
        4, Decimal(4500) / M)
    assert "the total's costs leave out 2 requests of 4, whose rows have no cost" in \
        projection.notes


def test_records_without_a_time_cannot_give_a_rate(cli: Run, tmp_path: Path) -> None:
    untimed = {"model": "gpt-4o", "usage": {"prompt_tokens": 1000, "completion_tokens": 300}}
    mixed = write_log(tmp_path, [*GPT_4O, untimed], "mixed.jsonl")
    result = cli("project", "--from-usage", mixed, "--format", "csv")
    assert rows_of(result)["gpt-4o"]["requests"] == "2"
    assert ("1 request carries no time, left out: a request without a time cannot be placed "
            "in the window") in result.err
    only = write_log(tmp_path, [untimed], "untimed.jsonl")
    refused = cli("project", "--from-usage", only)
    assert (refused.status, refused.out) == (1, "")
    assert refused.err == (
        f"tokcost: error: {only}: no usage record carries a time (created, created_at, "
        "createTime or timestamp), so requests a day cannot be observed; give --rpd N to "
        "project their mean request at N a day\n")
    # With the rate given, its means are enough: 1,000 input and 300 output tokens at 2.5 and
    # 10 = 5,500 µ$ a request, 100 a day.
    given = cli("project", "--from-usage", only, "--rpd", "100", "--format", "csv")
    assert money(rows_of(given)["gpt-4o"], "daily_cost_usd") == Decimal(550000) / M
    assert ("no record carries a time, so there is no window: the means are over every record "
            "(1), at the requests a day given") in given.err


@pytest.mark.parametrize(("options", "line"), [
    (("--input-tokens", "500", "--cache-hit-rate", "0.5"),
     "--from-usage observes the workload (tokens, cache hits, service tiers and batch use) in "
     "the log: leave out --input-tokens, --cache-hit-rate"),
    (("--from", "examples/support-chat.json"), "--from-usage observes the workload (tokens, "
     "cache hits, service tiers and batch use) in the log: leave out --from"),
    (("--batch",), "--from-usage observes the workload (tokens, cache hits, service tiers and "
     "batch use) in the log: leave out --batch"),
    (("--turns", "4"), "--from-usage observes the workload (tokens, cache hits, service tiers "
     "and batch use) in the log: leave out --turns"),
    (("--provider", "openai"), "--from-usage projects the observed models, or the models "
     "named with -m: leave out --provider"),
    (("--since", "2026-11-01", "--window-days", "7"),
     "--since sets the window's first day: leave out --window-days"),
    (("--since", "2026-12-01", "--until", "2026-11-01"),
     "--since 2026-12-01 is after --until 2026-11-01"),
])
def test_options_that_clash_with_the_observed_workload(cli: Run, tmp_path: Path,
                                                       options: tuple[str, ...],
                                                       line: str) -> None:
    log = write_log(tmp_path, GPT_4O)
    result = cli("project", "--from-usage", log, *options)
    assert (result.status, result.out, result.err) == (2, "", f"tokcost: error: {line}\n")


def test_the_window_options_need_a_log(cli: Run) -> None:
    result = cli("project", "--rpd", "10", "--since", "2026-11-01")
    assert (result.status, result.err) == (
        2, "tokcost: error: --since goes with --from-usage, choosing the days of its log\n")


def test_a_window_with_no_records_says_where_the_records_are(cli: Run, tmp_path: Path) -> None:
    log = write_log(tmp_path, GPT_4O)
    result = cli("project", "--from-usage", log, "--until", "2026-11-01")
    assert (result.status, result.err) == (1, (
        f"tokcost: error: {log}: no usage record falls in the window 2026-10-03 to 2026-11-01 "
        "(the records run from 2026-11-29 to 2026-11-30)\n"))


def test_a_bad_line_is_an_error_and_the_rest_are_projected(cli: Run, tmp_path: Path) -> None:
    log = write_log(tmp_path, [GPT_4O[0], "{not json", GPT_4O[1]])
    result = cli("project", "--from-usage", log, "--format", "csv")
    assert result.status == 1
    assert money(next(csv.DictReader(io.StringIO(result.out))), "daily_cost_usd") == \
        Decimal(4500) / M
    assert f"tokcost: error: {log}:2:" in result.err


def test_the_library_call_gives_the_same_figures(tmp_path: Path) -> None:
    log = write_log(tmp_path, [*GPT_4O, *CLAUDE])
    projection = project_usage([log], days_per_month=30)
    assert projection.window is not None
    assert (projection.window.first, projection.window.last, projection.window.days) == (
        date(2026, 11, 29), date(2026, 11, 30), 2)
    assert (projection.requests, projection.observed_requests_per_day) == (4, 2)
    assert [row.model for row in projection.rows] == ["claude-sonnet-4-6", "gpt-4o"]
    assert projection.rows[1].monthly_cost_usd == Decimal(4500 * 30) / M
    assert projection.total is not None
    assert projection.total["daily_cost_usd"] == Decimal(22400) / M


def test_needs_no_tokenizer_even_to_project_on_other_models(tmp_path: Path) -> None:
    log = write_log(tmp_path, [*GPT_4O, *CLAUDE])
    probe = (
        "import contextlib, io, sys\n"
        "from tokcost.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    status = main(['project', '--from-usage', {log!r}, '-m', 'gpt-4o-mini', '-f', "
        "'csv'])\n"
        "print(status, 'tiktoken' in sys.modules, 'anthropic' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert done.stdout.split() == ["0", "False", "False"], done.stderr

"""`tokcost usage`: logged API responses priced from the usage each billed.

Fixtures are hand-written, under tests/data/usage/. Every expected cost is worked out by hand
below from the default table, 2026-12-01 (USD per million tokens):

- gpt-4o: 2.50 input, 10 output, 1.25 cache read; priority 4.25 / 17 / 2.125; batch 50% off
  input and output only (cache reads keep their price);
- gpt-4o-mini: 0.15 / 0.60;
- gpt-5-mini at flex: 0.125 input, 1 output, 0.0125 cache read;
- gpt-5.1: 1.25 / 10 / 0.125;
- claude-sonnet-4-6: 3 input, 15 output, 0.30 cache read, 3.75 5-minute and 6 1-hour cache
  writes, web search 0.01 each; batch 50% off everything;
- gemini-3.5-flash: 1.50 / 9 / 0.15 cache read.

Every command here is given that table (as ``$TOKCOST_PRICING``), so that the choice of the
table in force on each record's day, tested in test_usage_dated.py, does not enter.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tokcost.formats.usage import NotBilled, UsageError, UsageRecord, usage_record
from tokcost.reports.usage import usage_report

DATA = Path(__file__).parent / "data" / "usage"
M = Decimal(1_000_000)


@pytest.fixture(autouse=True)
def _priced_with_one_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """All records priced with the table the expected costs were worked out from."""
    import tokcost.price_tables

    monkeypatch.setenv("TOKCOST_PRICING",
                       str(Path(tokcost.price_tables.__file__).parent / "2026-12-01.yaml"))


def rows_of(out: str) -> dict[str, dict[str, str]]:
    """CSV output, keyed by its first column."""
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows, out
    first = next(iter(rows[0]))
    return {row[first]: row for row in rows}


def record(value: Any) -> UsageRecord:
    found = usage_record(value)
    assert isinstance(found, UsageRecord), found
    return found


# --- Reading each provider's usage block ------------------------------------------------------

def test_openai_chat_cached_tokens_are_inside_prompt_and_reasoning_inside_completion() -> None:
    line = json.loads((DATA / "openai-chat.jsonl").read_text().splitlines()[0])
    found = record(line)
    # 1,000 prompt tokens of which 400 cached: 600 plain input, 400 cache reads; the 120
    # reasoning tokens are already among the 300 completion tokens.
    assert (found.input, found.cache_read, found.output, found.reasoning) == (600, 400, 300, 120)
    assert found.model == "gpt-4o" and found.shape == "openai-chat"
    assert found.service_tier == "standard"  # "default" is the standard tier
    assert found.time == datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)


def test_responses_api_record() -> None:
    first = json.loads((DATA / "responses.json").read_text())[0]
    found = record(first)
    # 2,000 input of which 1,500 cached; 500 output of which 200 reasoning.
    assert (found.input, found.cache_read, found.output, found.reasoning) == (500, 1500, 500, 200)
    assert found.shape == "openai-responses"
    assert found.time == datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)  # created_at


def test_anthropic_cache_tokens_are_beside_input_with_their_lifetimes() -> None:
    lines = (DATA / "anthropic-session.jsonl").read_text().splitlines()
    first, second = record(json.loads(lines[0])), record(json.loads(lines[1]))
    assert (first.input, first.cache_write_5m, first.cache_write_1h, first.cache_read,
            first.output) == (10, 1000, 2000, 0, 200)
    # No cache_creation split: the writes are 5-minute ones, Anthropic's default.
    assert (second.input, second.cache_write_5m, second.cache_write_1h,
            second.cache_read) == (20, 500, 0, 3000)
    assert first.time is None  # Messages responses carry no time


def test_gemini_thoughts_are_added_to_candidates() -> None:
    found = record(json.loads((DATA / "gemini.json").read_text()))
    # 5,000 prompt tokens of which 4,000 cached; 300 candidates + 700 thoughts = 1,000 output.
    assert (found.input, found.cache_read, found.output, found.reasoning) == (1000, 4000, 1000,
                                                                              700)
    assert found.model == "gemini-3.5-flash"
    # Nanoseconds, and a Z, read on every Python tokcost supports.
    assert found.time == datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)


def test_envelopes_batch_and_request_response() -> None:
    lines = [json.loads(line) for line in (DATA / "batch-output.jsonl").read_text().splitlines()]
    openai_batch = record(lines[0])
    assert openai_batch.batch and openai_batch.model == "gpt-4o-2024-08-06"
    assert isinstance(usage_record(lines[1]), NotBilled)  # a failed batch request
    assert record(lines[2]).batch and record(lines[2]).model == "claude-sonnet-4-6"
    logged = json.loads((DATA / "mixed.jsonl").read_text().splitlines()[0])
    assert record(logged).model == "gpt-4o-mini"  # the request's model
    assert not record(logged).batch


def test_anthropic_batch_service_tier_is_batch_pricing() -> None:
    found = record({"model": "claude-sonnet-4-6",
                    "usage": {"input_tokens": 1, "output_tokens": 1, "service_tier": "batch"}})
    assert found.batch and found.service_tier == "standard"


@pytest.mark.parametrize(("value", "message"), [
    ([1, 2], "expected a JSON object"),
    ({"model": "gpt-4o"}, "no usage block"),
    ({"usage": {"prompt_tokens": "12", "completion_tokens": 1}}, 'usage.prompt_tokens is "12"'),
    ({"usage": {"prompt_tokens": 10, "completion_tokens": 1,
                "prompt_tokens_details": {"cached_tokens": 11}}}, "is more than"),
    ({"usage": {"something": 1}}, "holds no token counts"),
    ({"created": "yesterday", "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
     "not an ISO 8601 time"),
])
def test_what_is_not_a_usage_record_says_why(value: Any, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        usage_record(value)


# --- Pricing, through the command -------------------------------------------------------------

def test_openai_chat_priced_per_record_with_its_tier(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(DATA / "openai-chat.jsonl"), "--format", "csv")
    assert result.status == 0, result.err
    rows = rows_of(result.out)
    # gpt-4o, standard: 600 x 2.50 + 400 x 1.25 + 300 x 10 = 1,500 + 500 + 3,000 = 5,000 / M.
    # gpt-4o-2024-08-06 (an alias of gpt-4o) at priority: 2,000 x 4.25 + 100 x 17
    # = 8,500 + 1,700 = 10,200 / M.
    assert Decimal(rows["gpt-4o"]["cost_usd"]) == (Decimal(5000) + Decimal(10200)) / M
    assert rows["gpt-4o"]["requests"] == "2"
    assert (rows["gpt-4o"]["input"], rows["gpt-4o"]["cached"], rows["gpt-4o"]["output"],
            rows["gpt-4o"]["reasoning"]) == ("2600", "400", "400", "120")
    # gpt-5-mini at flex: 10,000 prompt of which 8,000 cached, 2,000 completion:
    # 2,000 x 0.125 + 8,000 x 0.0125 + 2,000 x 1 = 250 + 100 + 2,000 = 2,350 / M.
    assert Decimal(rows["gpt-5-mini"]["cost_usd"]) == Decimal(2350) / M


def test_responses_json_list(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(DATA / "responses.json"), "--format", "csv")
    assert result.status == 0, result.err
    # 500 x 1.25 + 1,500 x 0.125 + 500 x 10 = 625 + 187.5 + 5,000 = 5,812.5 / M; and the
    # second ("auto" tier: standard) 100 x 1.25 + 50 x 10 = 125 + 500 = 625 / M.
    assert Decimal(rows_of(result.out)["gpt-5.1"]["cost_usd"]) == Decimal("6437.5") / M


def test_cache_heavy_anthropic_session(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(DATA / "anthropic-session.jsonl"), "--format", "csv")
    assert result.status == 0, result.err
    row = rows_of(result.out)["claude-sonnet-4-6"]
    # 1: 10 x 3 + 1,000 x 3.75 (5m) + 2,000 x 6 (1h) + 200 x 15 = 30 + 3,750 + 12,000 + 3,000
    #    = 18,780;
    # 2: 20 x 3 + 500 x 3.75 + 3,000 x 0.30 + 400 x 15 = 60 + 1,875 + 900 + 6,000 = 8,835;
    # 3: 5 x 3 + 3,500 x 0.30 + 100 x 15 = 15 + 1,050 + 1,500 = 2,565.
    # 18,780 + 8,835 + 2,565 = 30,180 / M.
    assert Decimal(row["cost_usd"]) == Decimal(30180) / M
    assert (row["input"], row["cached"], row["cache_write"], row["output"]) == (
        "35", "6500", "3500", "700")


def test_gemini_with_thoughts(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(DATA / "gemini.json"), "--format", "csv")
    assert result.status == 0, result.err
    # 1,000 x 1.50 + 4,000 x 0.15 + (300 + 700) x 9 = 1,500 + 600 + 9,000 = 11,100 / M.
    assert Decimal(rows_of(result.out)["gemini-3.5-flash"]["cost_usd"]) == Decimal(11100) / M


def test_batch_output_at_batch_rates(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(DATA / "batch-output.jsonl"), "--format", "csv")
    assert result.status == 0, result.err
    rows = rows_of(result.out)
    # OpenAI Batch, gpt-4o: 1,000 prompt of which 200 cached, 100 completion; the batch
    # discount is on input and output only: 800 x 1.25 + 200 x 1.25 + 100 x 5
    # = 1,000 + 250 + 500 = 1,750 / M.
    assert Decimal(rows["gpt-4o"]["cost_usd"]) == Decimal(1750) / M
    # Anthropic Message Batches, 50% off: 1,000 x 1.50 + 100 x 7.50 = 1,500 + 750 = 2,250 / M.
    assert Decimal(rows["claude-sonnet-4-6"]["cost_usd"]) == Decimal(2250) / M
    assert "1 line skipped: failed request (no usage; not billed)" in result.err


def test_unknown_model_and_bad_lines(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(DATA / "mixed.jsonl"), "--format", "csv")
    assert result.status == 1
    rows = rows_of(result.out)
    # gpt-4o-mini, from the request of a {"request", "response"} line: 1,000 x 0.15 + 100 x
    # 0.60 = 150 + 60 = 210 / M.
    assert Decimal(rows["gpt-4o-mini"]["cost_usd"]) == Decimal(210) / M
    # The unknown model is listed, unpriced: an empty cost, never 0.
    assert rows["gpt-imaginary-9"]["cost_usd"] == ""
    assert rows["gpt-imaginary-9"]["unpriced"] == "1"
    assert "1 request unpriced (left out of cost_usd): unknown model 'gpt-imaginary-9'" \
        in result.err
    assert f"{DATA / 'mixed.jsonl'}:2:2: not valid JSON" in result.err
    assert f"{DATA / 'mixed.jsonl'}:4: no usage block" in result.err


def test_by_day_in_utc_with_untimed_records_apart(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(DATA / "openai-chat.jsonl"), str(DATA / "anthropic-session.jsonl"),
                 "--by", "day", "--format", "csv")
    assert result.status == 0, result.err
    rows = rows_of(result.out)
    assert list(rows) == ["2026-11-30", "2026-12-01", "(no time)"]
    # 2026-11-30: the standard and priority gpt-4o records (23:59:59 UTC is still that day).
    assert Decimal(rows["2026-11-30"]["cost_usd"]) == Decimal(15200) / M
    assert Decimal(rows["2026-12-01"]["cost_usd"]) == Decimal(2350) / M
    assert Decimal(rows["(no time)"]["cost_usd"]) == Decimal(30180) / M  # the Anthropic session
    assert "3 requests carry no time" in result.err


def test_by_iso_week_and_by_month(cli: Callable[..., Any]) -> None:
    files = (str(DATA / "openai-chat.jsonl"), str(DATA / "anthropic-session.jsonl"))
    weeks = rows_of(cli("usage", *files, "--by", "week", "--format", "csv").out)
    # Monday 2026-11-30 and Tuesday 2026-12-01 are both in ISO week 49: 15,200 + 2,350.
    assert list(weeks) == ["2026-W49", "(no time)"]
    assert Decimal(weeks["2026-W49"]["cost_usd"]) == Decimal(17550) / M
    months = rows_of(cli("usage", *files, "--by", "month", "--format", "csv").out)
    assert list(months) == ["2026-11", "2026-12", "(no time)"]
    assert Decimal(months["2026-11"]["cost_usd"]) == Decimal(15200) / M


def test_since_and_until_keep_the_days_between_both_included(cli: Callable[..., Any]) -> None:
    files = (str(DATA / "openai-chat.jsonl"), str(DATA / "anthropic-session.jsonl"))
    late = cli("usage", *files, "--since", "2026-12-01", "--format", "csv")
    assert list(rows_of(late.out)) == ["gpt-5-mini"]  # the flex record of 2026-12-01: 2,350
    assert Decimal(rows_of(late.out)["gpt-5-mini"]["cost_usd"]) == Decimal(2350) / M
    assert "3 requests carry no time and are left out of the --since/--until window" in late.err
    early = cli("usage", *files, "--until", "2026-11-30", "--by", "day", "--format", "csv")
    assert list(rows_of(early.out)) == ["2026-11-30"]  # 23:59:59 UTC is still that day
    backwards = cli("usage", *files, "--since", "2026-12-02", "--until", "2026-12-01")
    assert (backwards.status, backwards.err) == (
        2, "tokcost: error: --since 2026-12-02 is after --until 2026-12-01\n")


def test_reprice_on_other_models(cli: Callable[..., Any], tmp_path: Path) -> None:
    log = tmp_path / "one.jsonl"
    log.write_text(json.dumps({"model": "gpt-4o", "usage": {
        "prompt_tokens": 1000, "completion_tokens": 300,
        "prompt_tokens_details": {"cached_tokens": 400}}}) + "\n")
    result = cli("usage", str(log), "--reprice-on", "claude-sonnet-4-6", "--reprice-on",
                 "gpt-4o-mini", "--format", "csv")
    assert result.status == 0, result.err
    row = rows_of(result.out)["gpt-4o"]
    # Claude's rule counts 1.076 tokens a gpt-4o token: 646 input, 430 cached, 323 output, at
    # 3, 0.3 and 15 per million = 6,912. gpt-4o-mini shares gpt-4o's tokenizer: 600 x 0.15 +
    # 400 x 0.075 + 300 x 0.6 = 300. gpt-4o itself: 600 x 2.5 + 400 x 1.25 + 300 x 10 = 5,000.
    assert (Decimal(row["cost_usd"]), Decimal(row["cost_on_claude-sonnet-4-6_usd"]),
            Decimal(row["cost_on_gpt-4o-mini_usd"])) == (
        Decimal(5000) / M, Decimal(6912) / M, Decimal(300) / M)
    assert ("on claude-sonnet-4-6: gpt-4o's tokens scaled by 1.076, the ratio of their "
            "counting rules' measured text ratios (their tokenizers differ; an estimate "
            "whose error on billed tokens is not measured)") in result.err


def test_a_claude_code_log_counts_each_request_once_beside_its_stated_cost(
        cli: Callable[..., Any]) -> None:
    result = cli("usage", str(DATA / "claude-code.jsonl"), "--format", "csv")
    assert result.status == 0, result.err
    row = rows_of(result.out)["claude-sonnet-4-6"]
    # msg_01 (logged twice, once per streamed update): 10 x 3 + 2,000 x 3.75 (5-minute writes)
    # + 50 x 15 = 8,280; msg_02: 5 x 3 + 2,000 x 0.3 + 100 x 3.75 + 200 x 15 = 3,990.
    assert (row["requests"], row["input"], row["cached"], row["cache_write"], row["output"]) == (
        "2", "15", "2000", "2100", "250")
    assert Decimal(row["cost_usd"]) == Decimal(12270) / M
    assert Decimal(row["reported_cost_usd"]) == Decimal("0.015")  # the log's costUSD, beside
    assert "1 request logged again under the same message id, counted once (with the " \
           "counts of its last update)" in result.err
    assert "3 lines skipped: not a response (a user turn, summary or system line)" in result.err


def claude_code_line(output: int, request_id: str | None, model: str = "claude-sonnet-4-6",
                     at: str = "2026-11-30T10:00:05.000Z") -> str:
    line: dict[str, Any] = {
        "type": "assistant", "sessionId": "s1", "timestamp": at,
        "message": {"id": "msg_01", "type": "message", "role": "assistant", "model": model,
                    "content": [{"type": "text", "text": "..."}],
                    "usage": {"input_tokens": 100, "output_tokens": output}}}
    if request_id is not None:
        line["requestId"] = request_id
    return json.dumps(line)


def test_a_streamed_claude_code_message_counts_once_with_its_final_output(
        cli: Callable[..., Any], tmp_path: Path) -> None:
    # Claude Code logs a line per streamed update: the first with the output so far, the last
    # with its final count, not every line with a requestId; and a "<synthetic>" line (no
    # tokens) where an API call failed.
    log = tmp_path / "session.jsonl"
    log.write_text("\n".join([
        claude_code_line(1, "req_01"),
        claude_code_line(900, None, at="2026-11-30T10:00:09.000Z"),
        claude_code_line(0, None, model="<synthetic>").replace("msg_01", "msg_02"),
    ]) + "\n")
    result = cli("usage", str(log), "--by", "day", "--format", "csv")
    assert result.status == 0, result.err
    row = rows_of(result.out)["2026-11-30"]
    assert (row["requests"], row["input"], row["output"]) == ("1", "100", "900")
    # 100 x 3 + 900 x 15 = 13,800 per million.
    assert Decimal(row["cost_usd"]) == Decimal(13800) / M
    assert "1 line skipped: not a response (a placeholder a coding agent logs for an API " \
           "error)" in result.err
    assert "unknown model" not in result.err


def test_codex_sessions_are_named_by_their_session_meta(cli: Callable[..., Any]) -> None:
    logs = sorted((DATA.parent / "usage-formats").glob("rollout-*.jsonl"))
    result = cli("usage", *map(str, logs), "--by", "session", "--model", "gpt-5.1",
                 "--format", "csv")
    assert result.status == 0, result.err
    rows = rows_of(result.out)
    assert sorted(rows) == ["0197a3c2-0000-7000-8000-000000000001",
                            "0197a3c2-0000-7000-8000-000000000002"]
    assert [rows[name]["requests"] for name in sorted(rows)] == ["3", "2"]


def test_table_has_a_total_line(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(DATA / "openai-chat.jsonl"), str(DATA / "gemini.json"),
                 "--format", "table")
    assert result.status == 0, result.err
    total = [line for line in result.out.splitlines() if line.startswith("total")]
    # 5,000 + 10,200 + 2,350 + 11,100 = 28,650 / M = $0.02865, shown to three significant
    # digits (rounded half to even) as $0.0286.
    assert len(total) == 1 and total[0].split()[1] == "4" and "$0.0286" in total[0]


def test_model_option_only_for_records_naming_none(cli: Callable[..., Any],
                                                   tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"usage": {"prompt_tokens": 1000, "completion_tokens": 0}}) + "\n"
                   + json.dumps({"model": "gpt-4o", "usage": {"prompt_tokens": 1000,
                                                              "completion_tokens": 0}}) + "\n")
    unnamed = cli("usage", str(log), "--format", "csv")
    assert rows_of(unnamed.out)["(no model)"]["cost_usd"] == ""
    assert "pass --model" in unnamed.err
    named = rows_of(cli("usage", str(log), "-m", "gpt-4o-mini", "--format", "csv").out)
    # 1,000 x 0.15 on gpt-4o-mini, and 1,000 x 2.50 on the line's own gpt-4o.
    assert Decimal(named["gpt-4o-mini"]["cost_usd"]) == Decimal(150) / M
    assert Decimal(named["gpt-4o"]["cost_usd"]) == Decimal(2500) / M


def test_a_tier_the_model_is_not_sold_at_is_unpriced(cli: Callable[..., Any],
                                                      tmp_path: Path) -> None:
    log = tmp_path / "flex.jsonl"
    log.write_text(json.dumps({"model": "gpt-4o", "service_tier": "flex",
                               "usage": {"prompt_tokens": 10, "completion_tokens": 1}}) + "\n")
    result = cli("usage", str(log), "--format", "csv")
    assert rows_of(result.out)["gpt-4o"]["cost_usd"] == ""
    assert "flex service tier price" in result.err


def test_web_searches_are_billed_per_search(cli: Callable[..., Any], tmp_path: Path) -> None:
    log = tmp_path / "search.jsonl"
    log.write_text(json.dumps({"model": "claude-sonnet-4-6", "usage": {
        "input_tokens": 1000, "output_tokens": 0,
        "server_tool_use": {"web_search_requests": 2}}}) + "\n")
    # 1,000 x 3 / M + 2 searches x $0.01 = 0.003 + 0.02.
    row = rows_of(cli("usage", str(log), "--format", "csv").out)["claude-sonnet-4-6"]
    assert Decimal(row["cost_usd"]) == Decimal("0.023")


def test_stdin_folders_and_globs(cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
                                 ) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(
        (DATA / "gemini.json").read_bytes())))
    assert "gemini-3.5-flash" in rows_of(cli("usage", "-", "--format", "csv").out)
    folder = cli("usage", str(DATA), "--format", "csv")
    assert len(rows_of(folder.out)) == 7  # every fixture, one row a model
    globbed = rows_of(cli("usage", str(DATA / "*.json"), "--format", "csv").out)
    assert set(globbed) == {"gemini-3.5-flash", "gpt-5.1"}


def test_library_report_matches() -> None:
    from tokcost.pricing.table import load_price_table

    report = usage_report([str(DATA / "anthropic-session.jsonl")], load_price_table())
    assert [row["cost_usd"] for row in report.rows] == [Decimal(30180) / M]
    assert report.total is None and report.problems == []


def test_long_context_tier_by_the_whole_prompt_cached_tokens_included(
        cli: Callable[..., Any], tmp_path: Path) -> None:
    log = tmp_path / "long.jsonl"
    usage = {"promptTokenCount": 250_000, "cachedContentTokenCount": 100_000,
             "candidatesTokenCount": 1_000}
    short = {"promptTokenCount": 150_000, "cachedContentTokenCount": 100_000,
             "candidatesTokenCount": 1_000}
    log.write_text("\n".join(json.dumps({"modelVersion": "gemini-3.1-pro-preview",
                                         "createTime": day, "usageMetadata": block})
                             for day, block in (("2026-11-30T08:00:00Z", usage),
                                                ("2026-12-01T08:00:00Z", short))) + "\n")
    rows = rows_of(cli("usage", str(log), "--by", "day", "--format", "csv").out)
    # gemini-3.1-pro-preview is 2 / 12 / 0.20, and 4 / 18 / 0.40 for the whole request above
    # 200,000 prompt tokens. 250,000 prompt tokens (100,000 of them cached) pass it, though the
    # 150,000 uncached do not: 150,000 x 4 + 100,000 x 0.40 + 1,000 x 18
    # = 600,000 + 40,000 + 18,000 = 658,000 / M.
    assert Decimal(rows["2026-11-30"]["cost_usd"]) == Decimal(658_000) / M
    # 150,000 prompt tokens stay below: 50,000 x 2 + 100,000 x 0.20 + 1,000 x 12
    # = 100,000 + 20,000 + 12,000 = 132,000 / M.
    assert Decimal(rows["2026-12-01"]["cost_usd"]) == Decimal(132_000) / M


def test_repricing_batch_traffic_on_a_model_sold_without_batch_says_so(
        cli: Callable[..., Any]) -> None:
    result = cli("usage", str(DATA / "batch-output.jsonl"), "--reprice-on", "gpt-5.3-codex",
                 "--format", "csv")
    assert result.status == 0, result.err
    # gpt-4o's batch request at gpt-5.3-codex's standard prices: 800 x 1.75 + 200 x 0.175
    # (cached) + 100 x 14 = 2,835 per million.
    row = rows_of(result.out)["gpt-4o"]
    assert Decimal(row["cost_on_gpt-5.3-codex_usd"]) == Decimal(2835) / M
    assert "on gpt-5.3-codex: batch requests priced at standard prices (it has no batch " \
           "price)" in result.err


def test_an_unknown_model_option_is_an_error(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(DATA / "openai-chat.jsonl"), "--model", "gpt-nope")
    assert result.status == 1 and result.out == ""
    assert result.err.startswith("tokcost: error: unknown model 'gpt-nope' in price table ")

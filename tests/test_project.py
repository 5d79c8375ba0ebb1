"""`tokcost project`: the seed course's worked examples, options, and the laws costs obey."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import struct
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tokcost
from tokcost.pricing.table import PriceTable

# Written against the 2026-11-22 table, whose models (Claude Sonnet 4.5, Gemini 2.5) the newest
# one no longer sells.
pytestmark = pytest.mark.usefixtures("on_current_table")

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
COUNT = Path(__file__).parent / "data" / "count"


def json_rows(result: Result) -> list[dict]:
    assert result.status == 0, result.err
    return json.loads(result.out)


def test_seed_worked_example(cli: Run) -> None:
    [row] = json_rows(cli("project", "--rpd", "5000", "--input-tokens", "2000", "--output-tokens",
                          "500", "-m", "gpt-4o", "--format", "json", "--pricing-version",
                          "2026-12-01"))
    # JSON says which table priced it and what it assumed, so that a saved result can be
    # traced and reproduced.
    assert row == {"model": "gpt-4o", "provider": "openai", "requests_per_day": 5000,
                   "input_tokens": 2000, "output_tokens": 500, "cost_per_request_usd": 0.01,
                   "daily_cost_usd": 50, "monthly_cost_usd": 1500, "yearly_cost_usd": 18250,
                   "fits": True, "pricing_version": "2026-12-01", "assumptions": [
                       "Workload: 5,000 requests a day; 2,000 input and 500 output tokens a "
                       "request.",
                       "Prices: table 2026-12-01, standard prices, no prompt caching; "
                       "long-context tiers by prompt size; a month is 30 days, a year 365."]}


def test_seed_claude_example_on_the_seed_era_table(cli: Run) -> None:
    result = cli("project", "--pricing-version", "2025-03-01", "-m", "claude-3-5-haiku", "--rpd",
                 "10000", "--input-tokens", "800", "--output-tokens", "200", "-f", "table")
    lines = result.out.splitlines()
    assert lines[0] == "Workload: 10,000 requests a day; 800 input and 200 output tokens a request."
    assert lines[1] == ("Prices: table 2025-03-01, standard prices, no prompt caching; "
                        "long-context tiers by prompt size; a month is 30 days, a year 365.")
    assert lines[-1].split() == ["claude-3-5-haiku", "anthropic", "10,000", "800", "200",
                                 "$0.00144", "$14.40", "$432.00", "$5,256.00", "yes"]


def test_every_model_cheapest_first_as_tsv(cli: Run, current_table: PriceTable) -> None:
    result = cli("project", "--rpd", "5000")
    lines = result.out.splitlines()
    assert lines[0].split("\t") == ["model", "provider", "requests_per_day", "input_tokens",
                                    "output_tokens", "cost_per_request_usd", "daily_cost_usd",
                                    "monthly_cost_usd", "yearly_cost_usd", "fits"]
    rows = [line.split("\t") for line in lines[1:]]
    assert len(rows) == len(current_table) == 58
    monthly = [Decimal(row[7]) for row in rows]
    assert monthly == sorted(monthly)
    assert rows[0][:2] == ["gpt-5-nano", "openai"]
    assert result.err == ("tokcost: note: no workload given; projecting 2,000 input and 500 "
                          "output tokens a request, the default workload (a support bot; set "
                          "--input-tokens and --output-tokens, or --from FILE)\n"
                          "tokcost: note: priced with price table "
                          f"{os.environ['TOKCOST_PRICING']}\n")


def test_batch_halves_and_unpriced_models_come_last(cli: Run) -> None:
    full = json_rows(cli("project", "--rpd", "5000", "-m", "gpt-4o", "-f", "json"))[0]
    batch = json_rows(cli("project", "--rpd", "5000", "-m", "gpt-4o", "--batch", "-f", "json"))[0]
    assert batch["monthly_cost_usd"] * 2 == full["monthly_cost_usd"] == 1500
    everything = cli("project", "--rpd", "5000", "--batch", "-f", "json")
    rows = json.loads(everything.out)
    unpriced = [row["model"] for row in rows if row["monthly_cost_usd"] is None]
    assert unpriced and all(row["monthly_cost_usd"] is None for row in rows[-len(unpriced):])
    assert "deepseek-v4-pro" in unpriced
    assert ("left unpriced, lacking a price this needs: codestral-2508 (batch price)"
            in everything.err)


def test_cache_hit_rate(cli: Run) -> None:
    [row] = json_rows(cli("project", "--rpd", "5000", "-m", "gpt-4o", "--input-tokens", "2000",
                          "--output-tokens", "500", "--cache-hit-rate", "1", "-f", "json"))
    assert row["cost_per_request_usd"] == 0.0075
    [half] = json_rows(cli("project", "--rpd", "1", "-m", "claude-sonnet-4-5", "--cache-hit-rate",
                           "0.5", "-f", "json"))
    # 1,000 tokens at $3, 1,000 at $0.30, 500 out at $15 (per million).
    assert half["cost_per_request_usd"] == 0.0108


def test_long_context_tier_and_fits(cli: Run) -> None:
    [pro] = json_rows(cli("project", "--rpd", "1", "-m", "gemini-2.5-pro", "--input-tokens",
                          "250000", "--output-tokens", "1000", "-f", "json"))
    assert pro["cost_per_request_usd"] == 0.64  # 250,000 x $2.50 + 1,000 x $15 per million
    [big] = json_rows(cli("project", "--rpd", "1", "-m", "gpt-4o", "--input-tokens", "127000",
                          "--output-tokens", "1001", "-f", "json"))
    assert big["fits"] is False


def test_days_per_month(cli: Run) -> None:
    [row] = json_rows(cli("project", "--rpd", "5000", "-m", "gpt-4o", "--days-per-month", "31",
                          "-f", "json"))
    assert (row["monthly_cost_usd"], row["yearly_cost_usd"]) == (1550, 18250)


def test_from_a_file_of_conversations(tmp_path: Path, cli: Run) -> None:
    records = json.loads((COUNT / "sharegpt_excerpt.json").read_text())[:3]
    path = tmp_path / "requests.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    result = cli("project", "--rpd", "100", "--from", str(path), "-m", "gpt-4o", "-f", "json")
    [row] = json_rows(result)
    # Each conversation ends with the assistant's reply: the prompt before it is the input.
    assert (row["input_tokens_p50"], row["input_tokens_p95"]) == (50, 74)
    assert (row["output_tokens_p50"], row["output_tokens_p95"]) == (71, 114)
    assert row["output_tokens"] == 62
    assert row["cost_per_request_usd"] == pytest.approx(0.000743, rel=1e-3)


def _png_data_url(width: int, height: int) -> str:
    """A data URL whose PNG header gives the size (all an image's token count needs)."""
    header = struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + header).decode()


def test_from_counts_each_models_images_by_its_own_rule(tmp_path: Path, cli: Run) -> None:
    # Models that count text alike share one count of the file; image rules still set them apart.
    def asking(text: str, url: str) -> dict:
        return {"messages": [
            {"role": "user", "content": [{"type": "text", "text": text},
                                         {"type": "image_url", "image_url": {"url": url}}]},
            {"role": "assistant", "content": "A cat."}]}

    path = tmp_path / "images.jsonl"
    path.write_text(json.dumps(asking("What is in this picture?", _png_data_url(1500, 900)))
                    + "\n" + json.dumps(asking("And this?", "https://example.com/x.png")) + "\n")
    rows = json_rows(cli("project", "--rpd", "100", "--from", str(path), "-m", "gpt-4o", "-m",
                         "gpt-4o-mini", "-m", "gpt-5", "-m", "claude-sonnet-4-5", "-f", "json"))
    # 1500x900 at auto detail is 6 tiles; the unknown size is assumed 1024x1024, 4 tiles. The
    # text and framing are 13 and 10 tokens.
    assert {row["model"]: (row["input_tokens_p50"], row["input_tokens_p95"]) for row in rows} == {
        "gpt-5": (70 + 4 * 140 + 10, 70 + 6 * 140 + 13),
        "gpt-4o": (85 + 4 * 170 + 10, 85 + 6 * 170 + 13),
        # Anthropic's rule: 1500x900 would be 1,800 tokens, over its 1,600 cap, so it is
        # scaled down to the cap; an unknown size is taken as the cap too. The estimated text
        # and framing add 13 and 10.
        "claude-sonnet-4-5": (1600 + 10, 1600 + 13),
        "gpt-4o-mini": (2833 + 4 * 5667 + 10, 2833 + 6 * 5667 + 13),
    }


def test_from_needs_output_tokens_when_no_reply_ends_it(cli: Run) -> None:
    result = cli("project", "--rpd", "100", "--from", str(COUNT / "cookbook_messages.json"),
                 "-m", "gpt-4o")
    assert result.status == 1 and result.out == ""
    assert "does not end with an assistant reply, so its output is unknown; pass " \
           "--output-tokens" in result.err
    [row] = json_rows(cli("project", "--rpd", "100", "--from",
                          str(COUNT / "cookbook_messages.json"), "--output-tokens", "50", "-m",
                          "gpt-4o", "-f", "json"))
    assert (row["input_tokens"], row["output_tokens"]) == (124, 50)


@pytest.mark.parametrize(
    "args",
    [("--rpd", "-5"), ("--rpd", "1.5"), ("--rpd", "5", "--cache-hit-rate", "1.5"),
     ("--rpd", "5", "--input-tokens", "-1"), ("--rpd", "5", "--days-per-month", "0"), ()],
)
def test_bad_numbers_are_usage_errors(cli: Run, args: tuple[str, ...]) -> None:
    result = cli("project", *args)
    assert result.status == 2 and result.out == ""
    assert "Traceback" not in result.err


def test_from_and_input_tokens_conflict(cli: Run) -> None:
    result = cli("project", "--rpd", "5", "--from", str(COUNT / "cookbook_messages.json"),
                 "--input-tokens", "10")
    assert result.status == 2  # options that do not go together: a usage error
    assert result.err == "tokcost: error: give one of --from and --input-tokens, not both\n"


# --- laws ----------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(rpd=st.integers(0, 10**9), factor=st.integers(0, 1000),
       input_tokens=st.integers(0, 300_000), output_tokens=st.integers(0, 100_000),
       model=st.sampled_from(["gpt-4o", "claude-sonnet-4-5", "gemini-2.5-pro", "gpt-5.4"]))
def test_cost_is_linear_in_requests_per_day(current_table: PriceTable, rpd: int, factor: int,
                                            input_tokens: int, output_tokens: int,
                                            model: str) -> None:
    def daily(requests: int) -> Decimal:
        projection = tokcost.project(requests, input_tokens=input_tokens,
                                     output_tokens=output_tokens, models=[model],
                                     table=current_table)
        cost = projection.rows[0].daily_cost_usd
        assert cost is not None
        return cost

    assert daily(rpd * factor) == daily(rpd) * factor
    assert daily(0) == 0


def test_zero_requests_cost_zero_on_every_model(current_table: PriceTable) -> None:
    projection = tokcost.project(0, table=current_table)
    assert {row.yearly_cost_usd for row in projection.rows} == {Decimal(0)}


# --- --turns: each request a turn of a simulated conversation ------------------------------------

def test_turns_projects_the_mean_turn_of_a_simulation(cli: Run, current_table: PriceTable
                                                      ) -> None:
    [row] = json_rows(cli("project", "--rpd", "1000", "--turns", "10", "--cache", "-m",
                          "claude-sonnet-4-5", "-f", "json"))
    simulation = tokcost.simulate("claude-sonnet-4-5", 10, cache=True, table=current_table)
    assert simulation.summary.total_cost_usd is not None
    assert Decimal(str(row["cost_per_request_usd"])) == simulation.summary.total_cost_usd / 10
    assert row["cost_per_request_usd"] == 0.00811347
    # Claude's framing: 3 tokens a message and 3 a request, so turn t is 506t + 153 tokens.
    assert (row["input_tokens"], row["output_tokens"]) == (2936, 350)


def test_the_longest_turns_allowed_on_every_model_match_the_closed_form(
        cli: Run, current_table: PriceTable) -> None:
    # --turns 100000 (the most allowed) on every chat model of the table; a test of the
    # results only (bench.py simulate times it). gpt-4o frames a message with 4 tokens and
    # primes the reply with 3, so turn t sends 504 + 154t + 354(t - 1) + 3 = 153 + 508t input
    # tokens and gets 350 out, at $2.50 and $10.00 per million.
    n = 100_000
    every = {row["model"]: row for row in json_rows(
        cli("project", "--rpd", "1", "--turns", str(n), "-f", "json"))}
    assert len(every) == len([m for m in current_table.models() if m.mode == "chat"]) == 58
    row = every["gpt-4o"]
    total_input = 153 * n + 508 * n * (n + 1) // 2
    assert total_input == 2_540_040_700_000
    assert row["input_tokens"] == total_input // n == 25_400_407
    assert Decimal(str(row["cost_per_request_usd"])) == (
        total_input * Decimal("2.5") + 350 * n * 10) / 10**6 / n == Decimal("63.5045175")
    assert row["monthly_cost_usd"] == 1905.135525
    assert row["fits"] is False  # from turn 251 on
    # With the cache (from 1,024 tokens): turn 1 (661) is not cached, turn 2 writes its whole
    # 1,169-token prompt but the priming, and from turn 3 each reads the previous prompt
    # (150 + 508(t - 1)) at $1.25 and writes 508 more at the input price.
    [cached] = json_rows(cli("project", "--rpd", "1", "--turns", str(n), "--cache", "-m",
                             "gpt-4o", "-f", "json"))
    read = sum(150 + 508 * (t - 1) for t in range(3, n + 1))
    assert read == 150 * (n - 2) + 508 * ((n - 1) * n // 2 - 1) == 2_539_989_599_192
    assert Decimal(str(cached["cached_tokens"])) == Decimal(read) / n
    assert Decimal(str(cached["cache_write_tokens"])) == Decimal(1166 + 508 * (n - 2)) / n
    assert Decimal(str(cached["cost_per_request_usd"])) == (
        (total_input - read) * Decimal("2.5") + read * Decimal("1.25") + 350 * n * 10
    ) / 10**6 / n == Decimal("31.7546475101")


def test_summarising_requests_add_to_the_cost_per_turn(current_table: PriceTable) -> None:
    from tokcost.reports.projection import SimulatedWorkload

    workload = SimulatedWorkload(20, {"strategy": "summarize", "summarize_at": 2000,
                                      "summary_tokens": 300})
    [row] = tokcost.project(100, models=["gpt-4o"], simulated=workload,
                            table=current_table).rows
    simulation = tokcost.simulate("gpt-4o", 20, strategy="summarize", summarize_at=2000,
                                  summary_tokens=300, table=current_table)
    assert simulation.summary.requests > 20
    assert simulation.summary.total_cost_usd is not None
    assert row.cost_per_request_usd == simulation.summary.total_cost_usd / 20


@pytest.mark.parametrize(
    ("args", "message"),
    [(("--cache",), "go with --turns"),
     (("--user-tokens", "10"), "go with --turns"),
     (("--turns", "5", "--cache-hit-rate", "0.5"), "use --cache and --assistant-tokens"),
     (("--turns", "5", "--input-tokens", "10"), "give one of --input-tokens and --turns")],
)
def test_turns_conflicts(cli: Run, args: tuple[str, ...], message: str) -> None:
    result = cli("project", "--rpd", "5", "-m", "gpt-4o", *args)
    assert result.status == 2 and result.out == ""
    assert message in result.err


def test_from_keeps_conversations_that_stop_on_a_question(cli: Run) -> None:
    # One conversation ends on its reply, one on a later question, one has no reply at all.
    chats = str(COUNT / "stopped_chats.jsonl")
    result = cli("project", "--from", chats, "--rpd", "100", "-m", "gpt-4o", "-f", "csv")
    assert result.status == 0, result.err
    [row] = list(csv.DictReader(io.StringIO(result.out)))
    # Both replied conversations: 14 input tokens (the question and the reply priming) and the
    # 2-token reply "Paris.", at 2.5 and 10 per million.
    assert (row["input_tokens"], row["output_tokens"], row["cost_per_request_usd"]) == (
        "14", "2", "0.000055")
    assert result.err == (
        f"tokcost: note: {chats}: 1 conversation ends on a user turn; each is the request that "
        "produced its last reply\n"
        f"tokcost: note: {chats}: 1 conversation with no reply (no output to price) left out; "
        "--output-tokens N prices them with N-token replies\n"
        f"tokcost: note: priced with price table {os.environ['TOKCOST_PRICING']}\n")
    # --output-tokens fills in the missing reply only: the real ones keep their length.
    filled = cli("project", "--from", chats, "--rpd", "100", "-m", "gpt-4o", "-f", "csv",
                 "--output-tokens", "300")
    [row] = list(csv.DictReader(io.StringIO(filled.out)))
    assert (row["output_tokens_p50"], row["output_tokens_p95"]) == ("2", "300")
    # (55 + 55 + 9 x 2.5 + 300 x 10) / 3 millionths of a dollar.
    assert row["cost_per_request_usd"].startswith("0.00104416666")


def test_simulated_caching_shows_its_cached_and_written_tokens_and_sizes(cli: Run) -> None:
    result = cli("project", "--rpd", "1000", "--turns", "8", "--cache", "-m", "gpt-4o", "-f",
                 "csv")
    header, row = result.out.splitlines()
    assert header.split(",")[3:7] == ["input_tokens", "cached_tokens", "cache_write_tokens",
                                      "output_tokens"]
    # Means a turn: 19,512 input tokens over 8 turns, 14,616 of them read from the cache.
    assert row.split(",")[3:7] == ["2439", "1827", "526.75", "350"]
    table = cli("project", "--rpd", "1000", "--turns", "8", "--cache", "-m", "gpt-4o", "-f",
                "table")
    assert table.out.splitlines()[0].startswith(
        "Workload: 1,000 requests a day; each request a turn of a simulated 8-turn conversation "
        "(8 turns of 150 user and 350 assistant tokens, a system prompt of 500 tokens (default)")
    # A hit rate: half of 1,001 tokens, rounded to even, read from the cache.
    rate = cli("project", "--rpd", "1000", "--input-tokens", "1001", "--cache-hit-rate", "0.5",
               "-m", "gpt-4o", "-f", "csv")
    assert rate.out.splitlines()[1].split(",")[3:8] == ["1001", "500", "0", "500", "0.0068775"]


@pytest.mark.parametrize("speaker", ["gpt", "chatgpt", "bing", "bard", "assistant"])
def test_every_sharegpt_assistant_speaker_is_a_reply(cli_without_table_note: Run,
                                                     tmp_path: Path, speaker: str) -> None:
    chats = tmp_path / "sharegpt.jsonl"
    chats.write_text("".join(json.dumps({"conversations": [
        {"from": "system", "value": "Be brief."},
        {"from": "human", "value": "What is the capital of France?"},
        {"from": speaker, "value": "Paris."}]}) + "\n" for _ in range(2)))
    result = cli_without_table_note("project", "--from", str(chats), "--rpd", "100", "-m",
                                    "gpt-4o", "-f", "csv")
    # Each conversation is the request that produced its reply: 21 input tokens (system,
    # question, reply priming) and the 2-token "Paris.", at 2.5 and 10 per million; no
    # conversation is left out as having no reply.
    assert (result.status, result.err) == (0, "")
    [row] = list(csv.DictReader(io.StringIO(result.out)))
    assert (row["input_tokens"], row["output_tokens"], row["cost_per_request_usd"]) == (
        "21", "2", "0.0000725")
    one = tmp_path / "one.json"
    one.write_text(chats.read_text().splitlines()[0])
    [turn] = tokcost.simulate("gpt-4o", from_file=one).rows
    assert (turn.input_tokens, turn.output_tokens) == (21, 2)


def test_a_mean_that_does_not_end_is_shown_to_15_digits(cli: Run, tmp_path: Path) -> None:
    chats = tmp_path / "chats.jsonl"
    chats.write_text("".join(json.dumps({"messages": [
        {"role": "user", "content": text}, {"role": "assistant", "content": "ok"}]}) + "\n"
        for text in ("hi", "hello there", "what is the time?")))
    result = cli("project", "--from", str(chats), "--rpd", "3", "-m", "gpt-4o", "-f", "csv")
    row = next(csv.DictReader(io.StringIO(result.out)))
    # Prompts of 8, 9 and 12 tokens (the 1-token "hi", 2-token "hello there" and 5-token
    # question, each with 7 of framing): a mean of 29/3, not 9.666... to 28 digits. The costs
    # from it follow: 29/3 x 2.50 + 1 x 10 per million a request.
    assert (row["input_tokens"], row["output_tokens"]) == ("9.66666666666667", "1")
    assert row["cost_per_request_usd"] == "0.0000341666666666667"
    assert row["daily_cost_usd"] == "0.0001025"  # 3 requests: exact again, kept whole

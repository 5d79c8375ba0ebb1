"""`tokcost usage --compare-estimate`: the offline estimate of each logged request beside the
prompt tokens billed for it, per model, with the error.

The log, tests/data/usage/requests.jsonl, is hand-written: six {"request", "response"} lines and
one plain response. Each estimate is worked out by hand below from the texts' o200k_base tokens
(pinned by the first test) and the bundled counting rules:

- gpt-4o and gpt-4o-mini are counted exactly, by OpenAI's cookbook framing: 3 tokens a message
  plus its role (1 token each: system, user, assistant) and content, and 3 to prime the reply.
  Line 1: (3+1+6) + (3+1+7) + 3 = 24, billed 24. Line 2 adds "Paris." and "And of Italy?":
  24 + (3+1+2) + (3+1+4) = 38, billed 38. Line 3 (gpt-4o-mini): 3+1+14+3 = 21, but billed 28:
  7 tokens the provider billed that the logged request does not show (an instruction the
  application added after logging it, say), an error of -25%.
- claude-sonnet-4-6, rule claude-4-6: 1.076 a text token, 3.485 a message (the system prompt is
  one), 2.986 a request. Line 4: 1.076*(4+5) + 3.485*2 + 2.986 = 19.64, so 20; billed 22
  (-9.09%). Line 5: 1.076*6 + 3.485 + 2.986 = 12.927, so 13; billed 4 input + 10 cache reads
  = 14 (-7.14%). Together 33 against 36: -8.3%; the median of 9.09 and 7.14 is 8.1, the p90
  7.14 + 0.9*(9.09-7.14) = 8.9. The rule's stated error: median 1.3%, p90 10.7%.
- gemini-3.5-flash, rule gemini-3: 0.989 a text token, 1.027 a message, 0 a request. Line 6:
  0.989*(6+7) + 1.027*2 = 14.911, so 15; billed 14 (+7.14%). Stated: median 4.9%, p90 22.6%.
- All six: 131 estimated against 140 billed, -6.4%; the errors 0, 0, 7.14, 7.14, 9.09, 25 have
  the median 7.1 and the p90 9.09 + 0.5*(25-9.09) = 17.0.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from tokcost.counting.rules import bundled_rules
from tokcost.counting.tokenizers import get_encoding
from tokcost.pricing.table import load_price_table
from tokcost.reports.usage_compare import compare_estimates

LOG = Path(__file__).parent / "data" / "usage" / "requests.jsonl"
D = Decimal


def rows_of(out: str) -> dict[str, dict[str, str]]:
    """CSV output, keyed by model."""
    return {row["model"]: row for row in csv.DictReader(io.StringIO(out))}


def test_the_hand_counts_rest_on_these_token_counts_and_weights() -> None:
    encoding = get_encoding("o200k_base")
    texts = {"You are a helpful assistant.": 6, "What is the capital of France?": 7,
             "Paris.": 2, "And of Italy?": 4, "system": 1, "user": 1, "assistant": 1,
             "Summarise this in one line: the meeting moved to Friday.": 14,
             "You are terse.": 4, "Name three primary colours.": 5,
             "Translate to French: good morning": 6}
    assert {text: len(encoding.encode_ordinary(text)) for text in texts} == texts
    rules = bundled_rules().rules
    claude, gemini = rules["claude-4-6"], rules["gemini-3"]
    assert {name: claude.weights[name] for name in ("text", "message", "request")} == {
        "text": 1.076, "message": 3.485, "request": 2.986}
    assert {name: gemini.weights[name] for name in ("text", "message", "request")} == {
        "text": 0.989, "message": 1.027, "request": 0.0}


def test_each_model_compared_with_the_error_of_its_sum_and_of_its_requests() -> None:
    result = compare_estimates([str(LOG)], load_price_table())
    assert result.problems == []

    def row(model: str, requests: int, billed: int, estimated: int, error: str, median: str,
            p90: str, counted: str, rule: str, stated: tuple[str, str] | None) -> dict[str, Any]:
        return {"model": model, "requests": requests, "billed_input_tokens": billed,
                "estimated_input_tokens": estimated, "error_pct": D(error),
                "median_abs_error_pct": D(median), "p90_abs_error_pct": D(p90),
                "counted": counted, "rule": rule,
                "rule_median_pct": D(stated[0]) if stated else None,
                "rule_p90_pct": D(stated[1]) if stated else None}

    assert result.rows == [
        row("claude-sonnet-4-6", 2, 36, 33, "-8.3", "8.1", "8.9", "estimate", "claude-4-6",
            ("1.3", "10.7")),
        row("gemini-3.5-flash", 1, 14, 15, "7.1", "7.1", "7.1", "estimate", "gemini-3",
            ("4.9", "22.6")),
        row("gpt-4o", 2, 62, 62, "0", "0", "0", "exact", "openai", None),
        row("gpt-4o-mini", 1, 28, 21, "-25", "25", "25", "exact", "openai", None),
    ]
    assert str(result.rows[2]["error_pct"]) == "0.0"  # not "-0.0"
    assert result.total == {
        "model": "total", "requests": 6, "billed_input_tokens": 140,
        "estimated_input_tokens": 131, "error_pct": D("-6.4"), "median_abs_error_pct": D("7.1"),
        "p90_abs_error_pct": D("17.0"), "counted": None, "rule": None, "rule_median_pct": None,
        "rule_p90_pct": None}
    assert "1 line without a request (plain responses): counted, not compared" in result.notes
    assert any(note.startswith("compared: the prompt tokens each response billed (input, "
                               "cached and cache-write tokens together)")
               for note in result.notes)


def test_the_cli_shows_the_comparison_in_each_format(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(LOG), "--compare-estimate", "-f", "csv")
    assert result.status == 0, result.err
    rows = rows_of(result.out)
    # A row a model; the total line is for people (table and markdown), as in every report.
    assert list(rows) == ["claude-sonnet-4-6", "gemini-3.5-flash", "gpt-4o", "gpt-4o-mini"]
    assert rows["claude-sonnet-4-6"] == {
        "model": "claude-sonnet-4-6", "requests": "2", "billed_input_tokens": "36",
        "estimated_input_tokens": "33", "error_pct": "-8.3", "median_abs_error_pct": "8.1",
        "p90_abs_error_pct": "8.9", "counted": "estimate", "rule": "claude-4-6",
        "rule_median_pct": "1.3", "rule_p90_pct": "10.7"}
    assert (rows["gpt-4o"]["counted"], rows["gpt-4o"]["error_pct"],
            rows["gpt-4o"]["rule_p90_pct"]) == ("exact", "0", "")
    # Every estimate says it is one, and how good its rule was measured to be.
    assert ("tokcost: note: claude-sonnet-4-6: its tokenizer is not public; estimated by rule "
            "claude-4-6 on o200k_base: median error 1.3%, 90% within 10.7% (50 requests)"
            in result.err)
    assert ("tokcost: note: gpt-4o, gpt-4o-mini: counted exactly (their own tokenizer and "
            "OpenAI's framing), so an error there is input the provider billed that the logged "
            "request does not show" in result.err)

    objects = json.loads(cli("usage", str(LOG), "--compare-estimate", "-f", "json").out)
    assert objects[3] == {
        "model": "gpt-4o-mini", "requests": 1, "billed_input_tokens": 28,
        "estimated_input_tokens": 21, "error_pct": -25, "median_abs_error_pct": 25,
        "p90_abs_error_pct": 25, "counted": "exact", "rule": "openai",
        "rule_median_pct": None, "rule_p90_pct": None}

    table = cli("usage", str(LOG), "--compare-estimate", "-f", "table").out.splitlines()
    assert table[0].split() == [
        "model", "requests", "billed_input_tokens", "estimated_input_tokens", "error_pct",
        "median_abs_error_pct", "p90_abs_error_pct", "counted", "rule", "rule_median_pct",
        "rule_p90_pct"]
    assert table[-1].split() == ["total", "6", "140", "131", "-6.4", "7.1", "17", "-", "-", "-",
                                 "-"]


def test_bad_lines_are_problems_of_their_own_and_the_rest_are_compared(
        cli: Callable[..., Any], tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    bad = [
        {"request": {"model": "gpt-4o", "messages": "hello"},
         "response": {"usage": {"prompt_tokens": 8, "completion_tokens": 1}}},
        {"request": {"model": "gpt-9", "messages": [{"role": "user", "content": "Hi"}]},
         "response": {"usage": {"prompt_tokens": 8, "completion_tokens": 1}}},
    ]
    log.write_text(LOG.read_text() + "\n".join(map(json.dumps, bad)) + "\n{not json\n")
    result = cli("usage", str(log), "--compare-estimate", "-f", "csv")
    assert result.status == 1
    assert f"tokcost: error: {log}:8: messages: messages must be a list, not a string" \
        in result.err
    assert f"tokcost: error: {log}:10:2: not valid JSON" in result.err
    assert "Traceback" not in result.err
    # An unknown model is not compared, and said so, as usage lists it unpriced.
    assert "unknown model 'gpt-9'" in result.err and "(1 request not compared)" in result.err
    rows = rows_of(result.out)
    assert {model: row["requests"] for model, row in rows.items()} == {
        "claude-sonnet-4-6": "2", "gemini-3.5-flash": "1", "gpt-4o": "2", "gpt-4o-mini": "1"}


def test_an_openai_request_with_tool_calls_is_an_estimate_and_says_why(tmp_path: Path) -> None:
    # user 3+1+4 ("Weather in Paris?"); assistant 3+1 and a call of 3 + 2 ("get_weather") + 5
    # ('{"city":"Paris"}'); tool 3+1+4 ("18C, sunny"); 3 to prime the reply: 33. Billed 40.
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"request": {"model": "gpt-4o", "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "18C, sunny"}]},
        "response": {"usage": {"prompt_tokens": 40, "completion_tokens": 9}}}) + "\n")
    result = compare_estimates([str(log)], load_price_table())
    [row] = result.rows
    assert (row["estimated_input_tokens"], row["billed_input_tokens"], row["error_pct"],
            row["counted"]) == (33, 40, D("-17.5"), "estimate")
    assert ("gpt-4o, 1 request: tool calls and tool results: OpenAI does not document their "
            "framing; counted as their text plus 3 tokens a call") in result.notes
    assert not any("counted exactly" in note for note in result.notes)


def test_model_names_a_request_that_names_none_and_plain_responses_alone_compare_nothing(
        cli: Callable[..., Any], tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"request": {"contents": [{"role": "user", "parts": [
        {"text": "What is the capital of France?"}]}]}, "response": {"usageMetadata": {
            "promptTokenCount": 8, "candidatesTokenCount": 3}}}) + "\n")
    # 0.989*7 + 1.027 = 7.95, so 8: as billed.
    result = cli("usage", str(log), "--compare-estimate", "-m", "gemini-3.5-flash", "-f", "csv")
    assert result.status == 0, result.err
    row = rows_of(result.out)["gemini-3.5-flash"]
    assert (row["estimated_input_tokens"], row["billed_input_tokens"], row["error_pct"]) == (
        "8", "8", "0")
    unnamed = cli("usage", str(log), "--compare-estimate")
    assert unnamed.status == 1 and unnamed.out == ""
    assert "logged requests name no model; pass --model (1 request not compared)" in unnamed.err

    plain = cli("usage", str(Path(__file__).parent / "data" / "usage" / "openai-chat.jsonl"),
                "--compare-estimate")
    assert plain.status == 1 and plain.out == ""
    assert plain.err.strip().splitlines()[-1] == (
        "tokcost: error: no line holds a request beside its response ({\"request\": ..., "
        "\"response\": ...}, as calibrate reads): nothing to compare")


def test_the_cost_report_options_do_not_go_with_it(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(LOG), "--compare-estimate", "--by", "day", "--reprice-on",
                 "gpt-4o")
    assert result.status == 2 and result.out == ""
    assert result.err.strip() == (
        "tokcost: error: --compare-estimate compares tokens per model over the whole log: it "
        "does not go with --by, --reprice-on")


def test_calibration_records_are_read_as_request_and_billed_usage(
        cli: Callable[..., Any], tmp_path: Path) -> None:
    # Lines 4 to 6 in the shape of tokcost's own calibration records: the model beside the
    # request, and the usage block as the API reported it (Anthropic's block itself, Gemini's
    # under usageMetadata).
    lines = [json.loads(line) for line in LOG.read_text().splitlines()[3:6]]
    records = [{"model": line["request"].pop("model", None) or line["response"]["modelVersion"],
                "request": line["request"],
                "reported": line["response"]["usage"] if "usage" in line["response"]
                else {"usageMetadata": line["response"]["usageMetadata"]}}
               for line in lines]
    log = tmp_path / "calibration.jsonl"
    log.write_text("".join(json.dumps(record) + "\n" for record in records))
    compared = rows_of(cli("usage", str(log), "--compare-estimate", "-f", "csv").out)
    assert {model: (row["billed_input_tokens"], row["estimated_input_tokens"])
            for model, row in compared.items()} == {
        "claude-sonnet-4-6": ("36", "33"), "gemini-3.5-flash": ("14", "15")}
    # The same records priced: Sonnet 4.6's 26 input and 10 cache-read tokens at 3 and 0.30,
    # 14 output at 15 (0.0002880); Gemini's 14 input and 8 output at 1.50 and 9 (0.000093).
    priced = rows_of(cli("usage", str(log), "-f", "csv").out)
    assert (D(priced["claude-sonnet-4-6"]["cost_usd"]), D(priced["gemini-3.5-flash"]["cost_usd"])
            ) == (D("0.000291"), D("0.000093"))


def test_a_model_the_newest_table_lacks_is_compared_by_the_rule_an_older_one_gives(
        cli: Callable[..., Any], tmp_path: Path) -> None:
    log = tmp_path / "retired.jsonl"
    line = json.loads(LOG.read_text().splitlines()[4])
    line["request"]["model"] = line["response"]["model"] = "claude-sonnet-4-5"
    log.write_text(json.dumps(line) + "\n")
    result = cli("usage", str(log), "--compare-estimate", "-f", "csv")
    assert result.status == 0, result.err
    assert rows_of(result.out)["claude-sonnet-4-5"]["rule"] == "claude-4-5"
    assert ("tokcost: note: claude-sonnet-4-5: not in price table 2026-12-01; its counting rule "
            "(claude-4-5) is the one table 2026-11-22 gives it (a rule does not depend on "
            "prices)") in result.err.splitlines()

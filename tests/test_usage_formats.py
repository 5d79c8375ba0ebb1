"""`tokcost usage`: Codex CLI session logs, --input-format, Gemini as its SDK dumps it, and
reading JSON Lines fast without reading them differently.

Fixtures are hand-written, under tests/data/usage-formats/. Every expected cost is worked out
by hand below from the default table, 2026-12-01 (USD per million tokens):

- gpt-5.3-codex: 1.75 input, 14 output, 0.175 cache read;
- gpt-5.1: 1.25 / 10 / 0.125;
- gpt-4o-mini: 0.15 / 0.60, batch 50% off both;
- claude-sonnet-4-6: 3 / 15;
- gemini-3.5-flash: 1.50 / 9 / 0.15; flex 0.75 / 4.5; priority 2.70 / 16.20 / 0.27;
- gemini-3.5-flash-lite: 0.30 / 2.50.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokcost.errors import InputFileError
from tokcost.formats.usage import (
    INPUT_FORMATS,
    LogState,
    NotBilled,
    UsageError,
    UsageRecord,
    usage_record,
)
from tokcost.inputs import sources
from tokcost.inputs.sources import Source, json_values
from tokcost.pricing.table import load_price_table
from tokcost.reports.usage import read_usage, usage_report

DATA = Path(__file__).parent / "data" / "usage-formats"
ROLLOUT = DATA / "rollout-2026-11-30T21-59-58-0197a3c2.jsonl"
OLD_ROLLOUT = DATA / "rollout-2026-11-20T10-00-00-0197a3c2.jsonl"
M = Decimal(1_000_000)


def rows_of(out: str) -> dict[str, dict[str, str]]:
    """CSV output, keyed by its first column."""
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows, out
    first = next(iter(rows[0]))
    return {row[first]: row for row in rows}


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# --- Codex CLI session logs --------------------------------------------------------------------

def test_a_codex_rollout_is_read_line_by_line_with_the_model_of_its_turn() -> None:
    state = LogState()
    read = [usage_record(line, state) for line in lines_of(ROLLOUT)]
    records = [item for item in read if isinstance(item, UsageRecord)]
    # Turn 1 (gpt-5.3-codex): 12,000 input of which 8,000 cached, 900 output of which 600
    # reasoning: cached tokens are inside the input and reasoning inside the output, as in
    # the Responses API whose usage Codex copies.
    assert [(r.model, r.input, r.cache_read, r.output, r.reasoning) for r in records] == [
        ("gpt-5.3-codex", 4000, 8000, 900, 600),
        ("gpt-5.1", 4000, 16000, 1500, 1000),  # after the turn_context naming gpt-5.1
        ("gpt-5.1", 3000, 0, 200, 0),  # after the context window filled
    ]
    assert records[0].time == datetime(2026, 11, 30, 22, 0, 9, 600000, tzinfo=timezone.utc)
    assert all(r.shape == "codex" and r.service_tier == "standard" and not r.batch
               for r in records)
    skipped = [item.reason for item in read if isinstance(item, NotBilled)]
    assert len(skipped) == 12  # 15 lines, 3 of them responses
    assert sum("the same token counts logged again" in reason for reason in skipped) == 1
    assert sum(reason.startswith("no token billed") for reason in skipped) == 1


def test_a_codex_rollout_priced(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(ROLLOUT), "--format", "csv")
    assert result.status == 0, result.err
    rows = rows_of(result.out)
    # gpt-5.3-codex: 4,000 x 1.75 + 8,000 x 0.175 + 900 x 14 = 7,000 + 1,400 + 12,600
    # = 21,000 / M.
    assert (rows["gpt-5.3-codex"]["requests"], Decimal(rows["gpt-5.3-codex"]["cost_usd"])) == (
        "1", Decimal(21_000) / M)
    # gpt-5.1: 4,000 x 1.25 + 16,000 x 0.125 + 1,500 x 10 = 5,000 + 2,000 + 15,000 = 22,000;
    # and 3,000 x 1.25 + 200 x 10 = 3,750 + 2,000 = 5,750. 22,000 + 5,750 = 27,750 / M.
    assert (rows["gpt-5.1"]["requests"], Decimal(rows["gpt-5.1"]["cost_usd"])) == (
        "2", Decimal(27_750) / M)
    assert "10 lines skipped: not a response (a Codex session line without token counts)" \
        in result.err
    assert ("1 line skipped: the same token counts logged again (Codex writes its token_count "
            "event again when the rate limits change), counted once") in result.err
    assert "1 line skipped: no token billed" in result.err
    by_day = rows_of(cli("usage", str(ROLLOUT), "--by", "day", "--format", "csv").out)
    assert Decimal(by_day["2026-11-30"]["cost_usd"]) == Decimal(21_000) / M
    assert Decimal(by_day["2026-12-01"]["cost_usd"]) == Decimal(27_750) / M


def test_an_older_codex_log_with_running_totals_only(cli: Callable[..., Any]) -> None:
    # No last_token_usage: each response is what the running total grew by. And no
    # turn_context: no model, so --model names it.
    unnamed = cli("usage", str(OLD_ROLLOUT), "--format", "csv")
    assert rows_of(unnamed.out)["(no model)"]["unpriced"] == "2"
    result = cli("usage", str(OLD_ROLLOUT), "-m", "gpt-5.3-codex", "--format", "csv")
    assert result.status == 0, result.err
    row = rows_of(result.out)["gpt-5.3-codex"]
    # 1: the whole first total: 800 plain input, 200 cached, 100 output;
    # 2: 2,800 - 1,100: 1,500 input of which 1,000 cached, 200 output of which 50 reasoning.
    assert (row["requests"], row["input"], row["cached"], row["output"], row["reasoning"]) == (
        "2", "1300", "1200", "300", "50")
    # 800 x 1.75 + 200 x 0.175 + 100 x 14 = 1,400 + 35 + 1,400 = 2,835; 500 x 1.75 + 1,000 x
    # 0.175 + 200 x 14 = 875 + 175 + 2,800 = 3,850. 2,835 + 3,850 = 6,685 / M.
    assert Decimal(row["cost_usd"]) == Decimal(6_685) / M


def test_the_model_of_one_log_does_not_reach_the_next_file(cli: Callable[..., Any]) -> None:
    # The old log comes second, after a log whose turns named their models: its records
    # still name none.
    result = cli("usage", str(ROLLOUT), str(OLD_ROLLOUT), "--format", "csv")
    rows = rows_of(result.out)
    assert rows["(no model)"]["requests"] == "2"
    assert rows["gpt-5.1"]["requests"] == "2" and rows["gpt-5.3-codex"]["requests"] == "1"


def test_a_running_total_that_went_down_began_again() -> None:
    state = LogState()
    first = {"input_tokens": 5000, "cached_input_tokens": 0, "output_tokens": 100,
             "reasoning_output_tokens": 0, "total_tokens": 5100}
    again = {"input_tokens": 300, "cached_input_tokens": 0, "output_tokens": 10,
             "reasoning_output_tokens": 0, "total_tokens": 310}
    read = [usage_record({"timestamp": "2026-12-01T00:00:00Z", "type": "event_msg",
                          "payload": {"type": "token_count",
                                      "info": {"total_token_usage": total}}}, state)
            for total in (first, again)]
    assert [(r.input, r.output) for r in read if isinstance(r, UsageRecord)] == [
        (5000, 100), (300, 10)]  # a new session's total, not a negative growth


@pytest.mark.parametrize(("info", "message"), [
    ({"last_token_usage": {"input_tokens": 10, "cached_input_tokens": 11,
                           "output_tokens": 1, "reasoning_output_tokens": 0}},
     "last_token_usage.cached_input_tokens (11) is more than last_token_usage.input_tokens"),
    ({"last_token_usage": {"input_tokens": "10", "cached_input_tokens": 0}},
     'last_token_usage.input_tokens is "10", not a count of tokens'),
    ({"model_context_window": 272000}, "holds neither last_token_usage nor total_token_usage"),
])
def test_a_codex_token_count_that_is_wrong_says_why(info: dict[str, Any], message: str
                                                    ) -> None:
    line = {"timestamp": "2026-12-01T00:00:00Z", "type": "event_msg",
            "payload": {"type": "token_count", "info": info}}
    with pytest.raises(UsageError, match=re.escape(message)):
        usage_record(line, LogState())


def test_codex_counts_alone_are_told_from_the_responses_api() -> None:
    # total_tokens would say Responses API; cached_input_tokens says Codex.
    found = usage_record({"model": "gpt-5.1", "usage": {
        "input_tokens": 1000, "cached_input_tokens": 600, "output_tokens": 50,
        "reasoning_output_tokens": 20, "total_tokens": 1050}})
    assert isinstance(found, UsageRecord)
    assert (found.shape, found.input, found.cache_read, found.output) == ("codex", 400, 600, 50)


# --- Gemini as the google-genai SDK dumps it, and Vertex AI's traffic type -----------------------

def test_gemini_sdk_dump_in_snake_case_at_its_reported_tier(cli: Callable[..., Any]) -> None:
    first, second = json.loads((DATA / "gemini-sdk.json").read_text())
    found = usage_record(first)
    assert isinstance(found, UsageRecord)
    # 5,000 prompt of which 4,000 cached, plus 100 of tool use; 300 candidates + 700 thoughts.
    assert (found.shape, found.model, found.input, found.cache_read, found.output,
            found.reasoning) == ("gemini", "gemini-3.5-flash", 1100, 4000, 1000, 700)
    assert found.time == datetime(2026, 12, 1, 9, 30, 0, 123456, tzinfo=timezone.utc)
    assert found.service_tier == "priority"  # the x-gemini-service-tier header the SDK kept
    result = cli("usage", str(DATA / "gemini-sdk.json"), "--format", "csv")
    assert result.status == 0, result.err
    rows = rows_of(result.out)
    # Priority: 1,100 x 2.70 + 4,000 x 0.27 + 1,000 x 16.20 = 2,970 + 1,080 + 16,200
    # = 20,250 / M.
    assert Decimal(rows["gemini-3.5-flash"]["cost_usd"]) == Decimal(20_250) / M
    # No header, nulls for the counts it lacks: 2,000 x 0.30 + 100 x 2.50 = 600 + 250.
    assert Decimal(rows["gemini-3.5-flash-lite"]["cost_usd"]) == Decimal(850) / M
    assert usage_record(second) == UsageRecord("gemini", "gemini-3.5-flash-lite", None,
                                               input=2000, output=100)


def test_vertex_traffic_type_is_the_service_tier(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(DATA / "vertex.jsonl"), "--format", "csv")
    rows = rows_of(result.out)
    # ON_DEMAND_FLEX: 10,000 x 0.75 + 1,000 x 4.5 = 7,500 + 4,500 = 12,000 / M; the
    # PROVISIONED_THROUGHPUT record beside it is reserved capacity, with no price by the token.
    assert Decimal(rows["gemini-3.5-flash"]["cost_usd"]) == Decimal(12_000) / M
    assert rows["gemini-3.5-flash"]["unpriced"] == "1"
    assert "provisioned service tier price" in result.err
    # ON_DEMAND is the standard tier: 1,000 x 0.30 + 100 x 2.50 = 300 + 250 = 550 / M.
    assert Decimal(rows["gemini-3.5-flash-lite"]["cost_usd"]) == Decimal(550) / M


def test_a_tier_is_read_whatever_its_case() -> None:
    found = usage_record({"model": "gpt-5.1", "service_tier": "Priority",
                          "usage": {"prompt_tokens": 1, "completion_tokens": 1}})
    assert isinstance(found, UsageRecord) and found.service_tier == "priority"


# --- --input-format ------------------------------------------------------------------------------

def test_the_cli_offers_every_input_format() -> None:
    from tokcost.cli import UsageInputFormat

    assert tuple(choice.value for choice in UsageInputFormat) == INPUT_FORMATS
    assert INPUT_FORMATS == ("auto", "openai-chat", "openai-responses", "anthropic", "gemini",
                             "openai-batch", "anthropic-batch", "request-response",
                             "request-reported",
                             "claude-code", "codex")


def test_by_default_each_line_is_read_as_its_shape(cli: Callable[..., Any]) -> None:
    rows = rows_of(cli("usage", str(DATA / "mixed-shapes.jsonl"), "--format", "csv").out)
    # gpt-4o-mini: 1,000 x 0.15 + 100 x 0.60 = 210; at batch rates 105. Sonnet: 100 x 3 +
    # 10 x 15 = 450.
    assert Decimal(rows["gpt-4o-mini"]["cost_usd"]) == Decimal(315) / M
    assert Decimal(rows["claude-sonnet-4-6"]["cost_usd"]) == Decimal(450) / M


def test_a_forced_shape_makes_lines_of_others_errors(cli: Callable[..., Any]) -> None:
    path = DATA / "mixed-shapes.jsonl"
    result = cli("usage", str(path), "--input-format", "openai-chat", "--format", "csv")
    assert result.status == 1
    assert Decimal(rows_of(result.out)["gpt-4o-mini"]["cost_usd"]) == Decimal(210) / M
    assert result.err.splitlines()[-3:] == [
        f"tokcost: error: {path}:2: not openai-chat (usage holds another API's counts); it "
        "reads as anthropic (--input-format anthropic)",
        f"tokcost: error: {path}:3: not openai-chat (no usage block of its own); it reads as "
        "openai-batch (--input-format openai-batch)",
        # Each record priced by the bundled table of its day: the one that priced any.
        "tokcost: note: priced with price table 2026-12-01",
    ]


def test_a_forced_envelope_makes_bare_responses_errors(cli: Callable[..., Any]) -> None:
    path = DATA / "mixed-shapes.jsonl"
    result = cli("usage", str(path), "--input-format", "openai-batch", "--format", "csv")
    assert result.status == 1
    assert Decimal(rows_of(result.out)["gpt-4o-mini"]["cost_usd"]) == Decimal(105) / M
    assert (f"tokcost: error: {path}:1: not openai-batch (no response.body); it reads as "
            "openai-chat (--input-format openai-chat)") in result.err
    assert f"{path}:2: not openai-batch (no response.body); it reads as anthropic" in result.err


def test_forcing_the_format_a_log_has_reads_it_the_same(cli: Callable[..., Any]) -> None:
    for path, name in ((ROLLOUT, "codex"), (DATA / "gemini-sdk.json", "gemini"),
                       (DATA / "vertex.jsonl", "gemini")):
        auto = cli("usage", str(path), "--format", "csv")
        forced = cli("usage", str(path), "--input-format", name, "--format", "csv")
        assert (forced.out, forced.err, forced.status) == (auto.out, auto.err, auto.status)


def test_a_codex_log_read_as_claude_code_is_all_errors(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(ROLLOUT), "--input-format", "claude-code")
    assert result.status == 1 and result.out == ""
    assert (f"tokcost: error: {ROLLOUT}:8: not claude-code (no message); it reads as codex "
            "(--input-format codex)") in result.err
    # 15 bad lines: the first 10 shown, then one line for the rest, and how many in all.
    assert result.err.count("not claude-code (no message)") == 10
    assert result.err.endswith(f"tokcost: error: ... and 5 more bad lines in {ROLLOUT}\n")
    assert f"tokcost: note: {ROLLOUT}: skipped 15 bad lines\n" in result.err


def test_a_forced_format_still_skips_its_own_lines_that_are_no_responses() -> None:
    assert usage_record({"type": "user", "message": {"role": "user", "content": "hi"}},
                        input_format="claude-code") == NotBilled(
        "not a response (a user turn, summary or system line)")
    with pytest.raises(UsageError, match="not anthropic"):
        usage_record({"type": "user", "message": {"role": "user", "content": "hi"}},
                     input_format="anthropic")
    failed = {"custom_id": "r-2", "response": None, "error": {"code": "server_error"}}
    assert usage_record(failed, input_format="openai-batch") == NotBilled(
        "failed request (no usage; not billed)")


def test_an_unknown_input_format_is_refused() -> None:
    with pytest.raises(ValueError, match="input_format must be one of auto, openai-chat"):
        usage_record({}, input_format="openai")
    with pytest.raises(ValueError, match="input_format must be one of"):
        usage_report([str(ROLLOUT)], load_price_table(), input_format="openai")


def test_the_library_reads_a_folder_of_logs_one_state_a_file() -> None:
    log = read_usage([str(DATA)], input_format="codex")
    assert sorted((placed.place.rsplit("/", 1)[-1], placed.record.model)
                  for placed in log.records) == [
        ("rollout-2026-11-20T10-00-00-0197a3c2.jsonl:2", None),
        ("rollout-2026-11-20T10-00-00-0197a3c2.jsonl:3", None),
        ("rollout-2026-11-30T21-59-58-0197a3c2.jsonl:12", "gpt-5.1"),
        ("rollout-2026-11-30T21-59-58-0197a3c2.jsonl:15", "gpt-5.1"),
        ("rollout-2026-11-30T21-59-58-0197a3c2.jsonl:8", "gpt-5.3-codex"),
    ]
    # The other fixtures are not Codex logs: each of their values is a problem.
    assert len(log.problems) == 2 + 3 + 3


# --- Reading JSON Lines fast, and the same --------------------------------------------------------

def reference_values(data: bytes, label: str, errors: str) -> list[tuple[str, str]]:
    """What each line of a JSON Lines file reads as, the plain way: every line cut out,
    decoded and given to json.loads (as tokcost read them before); the value's repr, or the
    error's text."""
    out = []
    offset = 0
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if raw.strip():
            place = f"{label}:{number}"
            try:
                line = raw.decode("utf-8", errors)
            except UnicodeDecodeError as error:
                out.append((place, f"{place}: byte {offset + error.start}: not valid UTF-8 "
                                   f"({error.reason}); save it as UTF-8, or pass "
                                   "--encoding-errors replace to count it anyway"))
            else:
                try:
                    out.append((place, repr(json.loads(line))))
                except json.JSONDecodeError as error:
                    cut_off = " (the file may be cut off)" \
                        if error.pos >= len(line.rstrip()) else ""
                    out.append((place, f"{label}:{error.lineno + number - 1}:{error.colno}: "
                                       f"not valid JSON: {error.msg}{cut_off}"))
                except RecursionError:
                    out.append((place, f"{label}: JSON nested too deeply to read"))
        offset += len(raw) + 1
    return out


def read_values(path: Path, errors: str) -> list[tuple[str, str]]:
    return [(place, str(value) if isinstance(value, InputFileError) else repr(value))
            for place, value in json_values(Source(str(path), path), errors)]


READERS = ["json", pytest.param("msgspec", marks=pytest.mark.skipif(
    sources._fast_json() is None, reason="msgspec is not installed"))]


@pytest.fixture(params=READERS)
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each way tokcost reads JSON Lines: json alone, and msgspec where it is installed."""
    if request.param == "json":
        monkeypatch.setattr(sources, "_fast_json", lambda: None)
    return str(request.param)


TRICKY = b"\n".join([
    b'{"usage": {"prompt_tokens": 1, "completion_tokens": 2}, "model": "gpt-4o"}',
    b"",
    b"   ",
    b"\x0c\t",  # blank to bytes.strip(), though not JSON's whitespace
    b'\xc2\xa0{"a": 1}',  # a no-break space is not blank
    b'  {"a": [1, 2.50, -0.0, 1e400, NaN, -Infinity]}  \r',
    b'{"big": 123456789012345678901234567890, "small": -9223372036854775809}',
    b'{"lone": "\\ud800", "pair": "\\ud83d\\ude00", "raw": "\xe6\x9d\xb1"}',
    b'{"dup": 1, "dup": 2}',
    b'{"a": 1} {"b": 2}',
    b'{"a": 1',
    b'"b": 2}',
    b'\xef\xbb\xbf{"bom": "mid-file"}',
    b'{"bad": "\xff\xfe"}',
    b"[" * 3000 + b"]" * 3000,
    b'17',
    b'{"tail": true}',
])


CONVERSATION_LINES = "\n".join([
    '{"messages":[{"role":"user","content":"Hello there"}]}',
    '{"messages":[{"role":"user","content":"lone \\ud800 here"}]}',  # msgspec refuses: json
    '{"messages":[{"role":"user","content":"big"}], "n": 123456789012345678901234567890}',
    '{"messages":[{"role":"user","content":"x"}], "score": NaN}',  # msgspec refuses: json
    '{"messages": [ bad',
    '{"messages":[{"role":"user","content":"a"}], "messages":[{"role":"user","content":'
    '"second wins"}]}',
]) + "\n"


def test_count_reads_each_line_as_json_loads_does(
        tmp_path: Path, reader: str, cli: Callable[..., Any]) -> None:
    # count parses its JSON Lines the same two ways: the same conversations, the same
    # error for the broken line (its place told by json), the others counted.
    path = tmp_path / "tricky.jsonl"
    path.write_text(CONVERSATION_LINES, encoding="utf-8")
    result = cli("count", str(path), "-m", "gpt-4o", "--per-message", "-f", "csv")
    assert result.status == 1
    rows = [line.split(",")[1:5] for line in result.out.splitlines()[1:]]
    # Each user message: its tokens and 4 of framing; then 3 priming the reply.
    assert rows == [["1", "1", "user", "6"], ["1", "", "(reply priming)", "3"],
                    ["2", "1", "user", "8"], ["2", "", "(reply priming)", "3"],
                    ["3", "1", "user", "5"], ["3", "", "(reply priming)", "3"],
                    ["4", "1", "user", "5"], ["4", "", "(reply priming)", "3"],
                    ["5", "1", "user", "6"], ["5", "", "(reply priming)", "3"]]
    assert result.err == (f"tokcost: error: {path}:5:16: not valid JSON: Expecting value\n"
                          f"tokcost: note: {path}: skipped 1 bad line\n")


@pytest.mark.parametrize("errors", ["strict", "replace"])
def test_json_lines_read_as_json_loads_reads_each_line(
        tmp_path: Path, reader: str, errors: str) -> None:
    path = tmp_path / "tricky.jsonl"
    path.write_bytes(TRICKY)
    assert read_values(path, errors) == reference_values(TRICKY, str(path), errors)


def test_line_numbers_and_bytes_hold_across_batches(
        tmp_path: Path, reader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "BATCH_BYTES", 100)  # many batches of a few lines each
    data = TRICKY * 3 + b"\n" + b"\n".join(b'{"n": %d}' % n for n in range(50))
    path = tmp_path / "batches.jsonl"
    path.write_bytes(data)
    assert read_values(path, "strict") == reference_values(data, str(path), "strict")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12)
LINES = st.one_of(
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    JSON_VALUES.map(lambda value: json.dumps(value, ensure_ascii=False).encode(
        "utf-8", "surrogatepass")),
    st.binary(max_size=12).filter(lambda raw: b"\x00" not in raw),  # NUL: a binary file
    st.sampled_from([b"", b" ", b"\t\r", b"\x0b", b"{", b"}", b'{"a": 1}}', b"[1,]", b"1 2",
                     b"1e999", b"-0", b"01", b'"\\u12"', b'"\x01"', b"\xef\xbb\xbf1"]),
).map(lambda line: line.replace(b"\n", b" "))


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=12), st.sampled_from(["strict", "replace"]))
def test_any_lines_read_as_json_loads_reads_them(lines: list[bytes], errors: str) -> None:
    import tempfile

    # A first line that opens as JSON Lines do (a file that does not is one JSON document).
    data = b"\n".join([b'{"first": 1}', *lines])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lines.jsonl"
        path.write_bytes(data)
        expected = reference_values(data, str(path), errors)
        for fast in (sources._fast_json(), None):
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(sources, "_fast_json", lambda fast=fast: fast)
                assert read_values(path, errors) == expected

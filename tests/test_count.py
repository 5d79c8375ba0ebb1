"""`tokcost count` and the counting library, with literal expected counts.

The cookbook figures are those OpenAI's notebook "How to count tokens with tiktoken" prints and
checks against the API's prompt_tokens.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import tokcost
from tokcost.counting.tokenizers import get_encoding
from tokcost.formats.conversations import parse_conversations, to_anthropic_request
from tokcost.pricing.table import PriceTable

# Written against the 2026-11-22 table, whose models (Claude Sonnet 4.5, Gemini 2.5) the newest
# one no longer sells.
pytestmark = pytest.mark.usefixtures("on_current_table")

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
COUNT = Path(__file__).parent / "data" / "count"


def priced() -> str:
    """The note that names the table priced rows for a machine came from: here the CURRENT
    table, given (by the on_current_table fixture) as a file."""
    return f"tokcost: note: priced with price table {os.environ['TOKCOST_PRICING']}\n"


COOKBOOK_MESSAGES = json.loads((COUNT / "cookbook_messages.json").read_text())
COOKBOOK_TOOLS = json.loads((COUNT / "cookbook_tools.json").read_text())


def csv_rows(out: str) -> list[list[str]]:
    return [line.split(",") for line in out.strip().splitlines()]


# --- the seed texts' figures, offline ------------------------------------------------------------

def test_seed_sentence_is_8_tokens_offline(installed_command: str, tmp_path: Path) -> None:
    empty_cache = tmp_path / "tiktoken-cache"
    empty_cache.mkdir()
    # No cache, and a proxy that goes nowhere: a download attempt would fail loudly.
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(empty_cache), "HTTPS_PROXY": "http://127.0.0.1:9",
           "HTTP_PROXY": "http://127.0.0.1:9"}
    done = subprocess.run([installed_command, "count", "-", "--input-format", "text", "-m",
                           "gpt-4o", "-f", "csv"], input="What is the capital of the moon?",
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert csv_rows(done.stdout)[1][:7] == ["<stdin>", "text", "gpt-4o", "", "", "8", "exact"]
    assert list(empty_cache.iterdir()) == []


def test_counterrevolutionary_ids() -> None:
    assert get_encoding("o200k_base").encode_ordinary("counterrevolutionary") == [32128, 264,
                                                                                  9477, 815]
    assert tokcost.count_text("counterrevolutionary", "gpt-4o").tokens == 4


def test_bundled_encodings_never_ask_tiktoken_to_download(
    monkeypatch: pytest.MonkeyPatch, seed_table: PriceTable
) -> None:
    import tiktoken.load

    def no_network(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("tried to read or download an encoding file")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setattr(tiktoken.load, "read_file_cached", no_network)
    get_encoding.cache_clear()
    try:
        assert tokcost.count_text("hello world", "gpt-4", table=seed_table).tokens == 2  # cl100k
        assert tokcost.count_text("hello world", "gpt-4o", table=seed_table).tokens == 2
    finally:
        get_encoding.cache_clear()


def test_a_damaged_bundled_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import tokcost.counting.tokenizers as tokenizers

    monkeypatch.setattr(tokenizers, "bundled_hashes", lambda: {"o200k_base": "0" * 64})
    tokenizers.get_encoding.cache_clear()
    try:
        with pytest.raises(tokcost.TokcostError, match="does not match|damaged|different file"):
            tokenizers.get_encoding("o200k_base")
    finally:
        tokenizers.get_encoding.cache_clear()


# --- OpenAI's cookbook ---------------------------------------------------------------------------

@pytest.mark.parametrize(("model", "tokens"), [("gpt-4o", 124), ("gpt-4o-mini", 124),
                                               ("gpt-4", 129), ("gpt-3.5-turbo", 129)])
def test_cookbook_example_messages(seed_table: PriceTable, model: str, tokens: int) -> None:
    count = tokcost.count_messages(COOKBOOK_MESSAGES, model, table=seed_table)
    assert (count.tokens, count.accuracy, count.notes) == (tokens, "exact", ())


@pytest.mark.parametrize(("model", "tokens"), [("gpt-4o", 101), ("gpt-4o-mini", 101),
                                               ("gpt-4", 105), ("gpt-3.5-turbo", 105)])
def test_cookbook_tool_example(seed_table: PriceTable, model: str, tokens: int) -> None:
    count = tokcost.count_messages(COOKBOOK_TOOLS["messages"], model,
                                   tools=COOKBOOK_TOOLS["tools"], table=seed_table)
    assert (count.tokens, count.accuracy) == (tokens, "exact")


def test_legacy_functions_count_like_tools(seed_table: PriceTable, tmp_path: Path,
                                           cli: Run) -> None:
    legacy = {"messages": COOKBOOK_TOOLS["messages"],
              "functions": [tool["function"] for tool in COOKBOOK_TOOLS["tools"]]}
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(legacy))
    result = cli("count", str(path), "-m", "gpt-4o", "-f", "csv")
    assert csv_rows(result.out)[1][5:7] == ["101", "exact"]


def test_tool_framing_on_other_models_is_an_estimate(current_table: PriceTable) -> None:
    count = tokcost.count_messages(COOKBOOK_TOOLS["messages"], "gpt-5",
                                   tools=COOKBOOK_TOOLS["tools"], table=current_table)
    assert count.accuracy == "estimate"
    assert count.notes == ("gpt-5: tool definitions counted with the framing OpenAI measured on "
                           "gpt-4o and gpt-4 (an estimate for other models)",)


def test_names_cost_one_token_more(current_table: PriceTable) -> None:
    plain = tokcost.count_messages([{"role": "user", "content": "hi"}], table=current_table)
    named = tokcost.count_messages([{"role": "user", "content": "hi", "name": "bob"}],
                                   table=current_table)
    assert plain.tokens == 3 + 1 + 1 + 3
    assert named.tokens - plain.tokens == len(get_encoding("o200k_base").encode("bob")) + 1


# --- formats --------------------------------------------------------------------------------------

def test_special_token_text_counts_as_text(cli: Run) -> None:
    result = cli("count", str(COUNT / "special_tokens.txt"), "-f", "csv")
    assert result.status == 0 and result.err == priced()
    assert csv_rows(result.out)[1][1:7] == ["text", "gpt-4o", "", "", "35", "exact"]


def test_special_token_in_a_message(current_table: PriceTable) -> None:
    count = tokcost.count_messages([{"role": "user", "content": "<|endoftext|><|im_start|>"}],
                                   table=current_table)
    assert count.tokens > 8


def test_sharegpt_excerpt(cli: Run) -> None:
    result = cli("count", str(COUNT / "sharegpt_excerpt.json"), "-f", "csv")
    assert csv_rows(result.out)[1][1:9] == ["sharegpt", "gpt-4o", "4", "7", "373", "exact", "",
                                            "0.0009325"]


def test_same_conversation_in_sharegpt_and_openai_form(tmp_path: Path, cli: Run) -> None:
    record = json.loads((COUNT / "sharegpt_excerpt.json").read_text())[0]
    roles = {"human": "user", "gpt": "assistant"}
    openai = [{"role": roles[turn["from"]], "content": turn["value"]}
              for turn in record["conversations"]]
    (tmp_path / "sharegpt.json").write_text(json.dumps(record))
    (tmp_path / "openai.json").write_text(json.dumps(openai))
    rows = csv_rows(cli("count", str(tmp_path / "sharegpt.json"), str(tmp_path / "openai.json"),
                        "-f", "csv").out)
    assert [row[1] for row in rows[1:]] == ["sharegpt", "openai"]
    assert rows[1][5] == rows[2][5] == "99"


def test_anthropic_request(cli: Run) -> None:
    result = cli("count", str(COUNT / "anthropic_request.json"), "-f", "csv")
    # Estimated by rule claude-4-5: the tool-use system prompt Anthropic adds (~493 tokens with
    # tool_choice auto) is most of it.
    assert csv_rows(result.out)[1][1:9] == ["anthropic", "claude-sonnet-4-5", "1", "6", "768",
                                            "estimate", "10.7", "0.002304"]
    assert "claude-sonnet-4-5: its tokenizer is not public; estimated by rule claude-4-5" \
        in result.err
    per_message = csv_rows(cli("count", str(COUNT / "anthropic_request.json"), "--per-message",
                               "-f", "csv").out)
    assert [(row[3], row[4]) for row in per_message[1:]] == [
        ("system", "22"), ("user", "16"), ("assistant", "71"), ("tool", "47"),
        ("assistant", "24"), ("user", "14"), ("(tools)", "77"), ("(hidden prompts)", "494"),
        ("(request framing)", "3")]
    assert sum(int(row[4]) for row in per_message[1:]) == 768


def test_anthropic_request_round_trips_for_exact_counting() -> None:
    raw = json.loads((COUNT / "anthropic_request.json").read_text())
    conversation = parse_conversations(raw)[0]
    assert to_anthropic_request(conversation) == {key: raw[key] for key in
                                                  ("system", "messages", "tools")}


def test_openai_conversation_in_anthropic_shape() -> None:
    conversation = parse_conversations(COOKBOOK_TOOLS)[0]
    request = to_anthropic_request(conversation)
    assert request["system"] == ("You are a helpful assistant that can answer to questions about "
                                 "the weather.")
    assert request["messages"] == [{"role": "user", "content": [
        {"type": "text", "text": "What's the weather like in San Francisco?"}]}]
    assert request["tools"][0]["name"] == "get_current_weather"
    assert request["tools"][0]["input_schema"]["required"] == ["location"]


def test_thousand_conversation_jsonl(tmp_path: Path, cli: Run) -> None:
    records = json.loads((COUNT / "sharegpt_excerpt.json").read_text())
    path = tmp_path / "many.jsonl"
    with path.open("w") as out:
        for index in range(1000):
            out.write(json.dumps(records[index % 4]) + "\n")
    rows = csv_rows(cli("count", str(path), "-f", "csv").out)
    # 250 copies of the excerpt, whose four conversations hold 373 tokens.
    assert rows[1][1:7] == ["jsonl", "gpt-4o", "1000", "1750", "93250", "exact"]


def test_batch_api_input_counts_each_body_for_its_model(cli: Run) -> None:
    rows = csv_rows(cli("count", str(COUNT / "batch_input.jsonl"), "-f", "csv").out)
    assert [row[1:7] for row in rows[1:]] == [["batch", "gpt-4o", "2", "4", "42", "exact"],
                                              ["batch", "gpt-4o-mini", "1", "1", "21", "exact"]]
    override = csv_rows(cli("count", str(COUNT / "batch_input.jsonl"), "-m", "gpt-4o",
                            "-f", "csv").out)
    assert [row[2:6] for row in override[1:]] == [["gpt-4o", "3", "5", "63"]]


def test_models_side_by_side_and_a_total(cli: Run) -> None:
    both = csv_rows(cli("count", str(COUNT / "cookbook_messages.json"), "-m", "gpt-4o", "-m",
                        "claude-sonnet-4-5", "-f", "csv").out)
    assert [(row[2], row[5], row[6], row[7]) for row in both[1:]] == [
        ("gpt-4o", "124", "exact", ""), ("claude-sonnet-4-5", "113", "estimate", "10.7")]
    table = cli("count", str(COUNT / "cookbook_messages.json"), str(COUNT / "cookbook_tools.json"),
                "-f", "table").out
    # 225 tokens at 2.5 per million: $0.0005625, shown rounded half up.
    assert table.splitlines()[-1].split() == ["total", "gpt-4o", "225", "$0.000563"]
    # Several models: a total a model (124 + 101 for gpt-4o), never one across tokenizers.
    two = cli("count", str(COUNT / "cookbook_messages.json"), str(COUNT / "cookbook_tools.json"),
              "-m", "gpt-4o", "-m", "claude-sonnet-4-5", "-f", "table").out.splitlines()
    # Claude: 113 + 642 (the tools file carries Anthropic's hidden tool-use prompt).
    assert [line.split() for line in two[-2:]] == [
        # 755 x 3 per million: $0.002265, rounded half up.
        ["total", "gpt-4o", "225", "$0.000563"], ["total", "claude-sonnet-4-5", "755",
                                                  "$0.00227"]]
    assert set(two[-3].replace(" ", "")) == {"-"}


def test_per_message_rows(cli: Run) -> None:
    rows = csv_rows(cli("count", str(COUNT / "cookbook_messages.json"), "--per-message", "-f",
                        "csv").out)
    assert rows[0] == ["path", "conversation", "index", "role", "tokens", "preview",
                       "accuracy", "error_p90_pct"]
    assert rows[1][1:5] == ["1", "1", "system", "21"]
    assert {tuple(row[-2:]) for row in rows[1:]} == {("exact", "")}  # gpt-4o, the cookbook's
    assert rows[2][5] == "New synergies will help drive top-line …"
    assert sum(int(row[4]) for row in rows[1:]) == 124


def test_directories_and_globs(tmp_path: Path, cli: Run) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("hello world")
    (tmp_path / "a" / "two.json").write_text('[{"role": "user", "content": "hi"}]')
    (tmp_path / "a" / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "a" / ".hidden.txt").write_text("secret")
    listed = csv_rows(cli("count", str(tmp_path / "a"), "-f", "csv").out)
    assert [Path(row[0]).name for row in listed[1:]] == ["one.txt", "two.json"]
    globbed = csv_rows(cli("count", str(tmp_path / "a" / "*.txt"), "-f", "csv").out)
    assert [Path(row[0]).name for row in globbed[1:]] == ["one.txt"]


# --- bad input: one line, the others still counted ----------------------------------------------

def test_bad_jsonl_line_is_reported_and_the_rest_counted(tmp_path: Path, cli: Run) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text('[{"role": "user", "content": "hi"}]\n{"messages": [{"role": "user"}]}\n'
                    '[{"role": "user", "content": "hi"}]\n{not json\n')
    result = cli("count", str(path), "-f", "csv")
    assert result.status == 1
    assert csv_rows(result.out)[1][1:6] == ["jsonl", "gpt-4o", "2", "2", "16"]
    assert result.err.splitlines() == [
        f"tokcost: error: {path}:2: messages[0]: a message without `content`",
        f"tokcost: error: {path}:4:2: not valid JSON: Expecting property name enclosed in "
        "double quotes",
        f"tokcost: note: {path}: skipped 2 bad lines",
        priced().strip(),
    ]


def test_one_bad_file_among_good_ones(tmp_path: Path, cli: Run) -> None:
    good = tmp_path / "good.txt"
    good.write_text("hello world")
    result = cli("count", str(good), str(tmp_path / "missing.json"), "-f", "csv")
    assert result.status == 1
    assert [row[0] for row in csv_rows(result.out)[1:]] == [str(good)]
    assert result.err == (f"tokcost: error: {tmp_path / 'missing.json'}: no such file\n"
                          + priced())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty; there is nothing to count"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like a binary file"),
        (b"caf\xe9 au lait", "byte 3: not valid UTF-8 (invalid continuation byte); save it as "
                             "UTF-8, or pass --encoding-errors replace to count it anyway"),
        (b'{"messages": [{"role": "robot", "content": "x"}]}',
         "messages[0].role: unknown role 'robot'"),
        (b'{"messages": [{"role": "user", "content": null}]}', "messages[0].content: content is "
                                                                "null"),
        (b'{"messages": {"role": "user"}}', "messages: messages must be a list, not an object"),
        (b'{"prompt": "hi"}', "an object with neither `messages` nor `conversations`"),
        (b'{"messages": [{"role": "user", "content": [{"type": "input_audio"}]}]}',
         "content part type 'input_audio' cannot be counted"),
        (b'{"model": "gpt-9000", "messages": [{"role": "user", "content": "hi"}]}',
         "conversation 1: unknown model 'gpt-9000'"),
    ],
)
def test_bad_files_get_one_line(tmp_path: Path, cli: Run, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    result = cli("count", str(path), "-f", "csv")
    assert result.status == 1 and result.out == ""
    assert len(result.err.splitlines()) == 1
    assert result.err.startswith(f"tokcost: error: {path}")
    assert message in result.err


def test_encoding_errors_replace_carries_on(tmp_path: Path, cli: Run) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"caf\xe9 au lait")
    result = cli("count", str(path), "--encoding-errors", "replace", "-f", "csv")
    assert result.status == 0
    assert csv_rows(result.out)[1][5] == "4"


def test_truncated_sharegpt_file(cli: Run) -> None:
    # Its records before the cut count; the cut-off one is a bad record, skipped on request.
    path = COUNT / "sharegpt_truncated.json"
    result = cli("count", str(path), "--skip-bad-lines", "-f", "json")
    assert result.status == 0
    [row] = json.loads(result.out)
    assert (row["conversations"], row["messages"], row["tokens"], row["skipped"]) == (2, 4, 178, 1)
    assert result.err == (
        f"tokcost: warning: skipped {path}:28: [2]: not valid JSON: the file ends inside this "
        f"record (cut off; is the copy complete?)\ntokcost: note: {path}: skipped 1 bad record\n")


def test_help_says_it_is_offline(cli: Run) -> None:
    words = " ".join(cli("count", "--help").out.replace("│", " ").split())
    assert ("Works offline: nothing leaves this machine unless you pass --exact, or --cluster "
            "with a scheduler's address.") in words
    assert ("It and --cluster with an address are the only options that send your text off "
            "this machine.") in words


def test_library_counts_a_file(current_table: PriceTable) -> None:
    counted = tokcost.count_file(COUNT / "batch_input.jsonl", table=current_table)
    assert [(c.model, c.tokens, c.accuracy) for c in counted.counts] == [
        ("gpt-4o", 42, "exact"), ("gpt-4o-mini", 21, "exact")]
    assert counted.problems == []


# --- --exact: Anthropic's count-tokens endpoint (a stub on 127.0.0.1) ----------------------------

FAKE_KEY = "sk-ant-test-DO-NOT-LEAK-4711"


def test_exact_asks_the_endpoint_and_marks_the_row_exact(
    anthropic_stub: Any, monkeypatch: pytest.MonkeyPatch, cli: Run
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_stub.url)
    anthropic_stub.input_tokens = 777
    result = cli("count", str(COUNT / "anthropic_request.json"), "--exact", "-f", "csv")
    assert result.status == 0, result.err
    assert csv_rows(result.out)[1][2:9] == ["claude-sonnet-4-5", "1", "6", "777", "exact", "",
                                            "0.002331"]
    raw = json.loads((COUNT / "anthropic_request.json").read_text())
    [request] = anthropic_stub.requests
    assert request.path == "/v1/messages/count_tokens"
    assert request.body == {"model": "claude-sonnet-4-5", "system": raw["system"],
                            "tools": raw["tools"], "messages": raw["messages"]}


def test_exact_sends_the_switches_that_add_hidden_prompts(
    anthropic_stub: Any, monkeypatch: pytest.MonkeyPatch, cli: Run, tmp_path: Path
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_stub.url)
    raw = json.loads((COUNT / "anthropic_request.json").read_text())
    raw |= {"tool_choice": {"type": "any"}, "thinking": {"type": "enabled", "budget_tokens": 2048},
            "temperature": 0.2}
    path = tmp_path / "switches.json"
    path.write_text(json.dumps(raw))
    assert cli("count", str(path), "--exact", "-f", "csv").status == 0
    [request] = anthropic_stub.requests
    assert request.body == {"model": "claude-sonnet-4-5", "system": raw["system"],
                            "tools": raw["tools"], "messages": raw["messages"],
                            "tool_choice": {"type": "any"},
                            "thinking": {"type": "enabled", "budget_tokens": 2048}}


def test_without_exact_nothing_is_sent(anthropic_stub: Any, monkeypatch: pytest.MonkeyPatch,
                                       cli: Run) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_stub.url)
    result = cli("count", str(COUNT / "anthropic_request.json"), "-m", "claude-sonnet-4-5",
                 "-f", "csv")
    assert csv_rows(result.out)[1][6] == "estimate"
    assert anthropic_stub.requests == []


def test_exact_with_a_refused_key_is_one_line_without_the_key(
    anthropic_stub: Any, monkeypatch: pytest.MonkeyPatch, cli: Run
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_stub.url)
    anthropic_stub.script(401)
    result = cli("count", str(COUNT / "anthropic_request.json"), "--exact", "-f", "csv")
    assert result.status == 1 and result.out == ""
    assert len(result.err.splitlines()) == 1 and "refused the API key" in result.err
    assert FAKE_KEY not in result.out + result.err


def test_exact_without_a_key(monkeypatch: pytest.MonkeyPatch, cli: Run) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    result = cli("count", str(COUNT / "anthropic_request.json"), "--exact")
    assert result.status == 1
    # Reported for the file and model that needed it, as any failure of the API is.
    assert result.err == (f"tokcost: error: {COUNT / 'anthropic_request.json'}: conversation 1: "
                          "claude-sonnet-4-5 not counted: --exact needs an Anthropic API key: "
                          "set ANTHROPIC_API_KEY, or leave out --exact to count offline\n")


def test_exact_leaves_other_estimates_marked(anthropic_stub: Any,
                                             monkeypatch: pytest.MonkeyPatch, cli: Run) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    result = cli("count", str(COUNT / "cookbook_messages.json"), "--exact", "-m", "gemini-2.5-pro",
                 "-f", "csv")
    assert csv_rows(result.out)[1][6] == "estimate"
    assert "--exact counts Anthropic models only; gemini-2.5-pro stays an estimate" in result.err
    assert anthropic_stub.requests == []


# --- images -------------------------------------------------------------------------------------

def png_data_url(width: int, height: int) -> str:
    """A data URL of a PNG header: enough for the size, which is all that is counted."""
    import base64
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(
        ">I", zlib.crc32(b"IHDR" + ihdr))
    return "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + chunk).decode()


def image_message(url: str, detail: str = "auto") -> list[dict[str, Any]]:
    return [{"role": "user", "content": [
        {"type": "text", "text": "What is in this image?"},
        {"type": "image_url", "image_url": {"url": url, "detail": detail}}]}]


def test_image_of_known_size_is_exact(current_table: PriceTable) -> None:
    text_only = tokcost.count_messages([{"role": "user", "content": "What is in this image?"}],
                                       table=current_table)
    high = tokcost.count_messages(image_message(png_data_url(1024, 1024)), table=current_table)
    low = tokcost.count_messages(image_message(png_data_url(1024, 1024), "low"),
                                 table=current_table)
    # OpenAI's rule for gpt-4o: 85 + 170 a 512-px tile; 1024x1024 is scaled to 768x768, 4 tiles.
    assert high.tokens - text_only.tokens == 765
    assert low.tokens - text_only.tokens == 85
    assert (high.accuracy, low.accuracy) == ("exact", "exact")


def test_image_of_unknown_size_is_a_stated_assumption(current_table: PriceTable) -> None:
    count = tokcost.count_messages(image_message("https://example.com/cat.png"),
                                   table=current_table)
    assert count.accuracy == "estimate"
    assert count.notes == ("image size unknown (not a readable data URL): assumed 1024x1024 at "
                           "high detail",)


def test_a_text_file_that_starts_with_a_brace_is_text(tmp_path: Path, cli: Run) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("{draft} ideas for the launch\n[ ] write the post\n")
    assert csv_rows(cli("count", str(notes), "-f", "csv").out)[1][1] == "text"


def test_an_encoding_that_is_not_bundled_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Run
) -> None:
    import tiktoken

    def offline(name: str) -> Any:
        raise AssertionError(f"tried to load {name}, which could mean a download")

    monkeypatch.setattr(tiktoken, "get_encoding", offline)
    table = tmp_path / "prices.yaml"
    table.write_text((COUNT.parent / "costing.yaml").read_text().replace(
        "encoding: o200k_base, accuracy: exact}\n  automatic:",
        "encoding: r50k_base, accuracy: exact}\n  automatic:"))
    result = cli("count", str(COUNT / "cookbook_messages.json"), "-m", "plain", "--pricing",
                 str(table))
    assert result.status == 1 and result.out == ""
    assert result.err == (
        f"tokcost: error: {table}:8: model 'plain', field 'tokenizer.encoding': 'r50k_base' is "
        "not an encoding tokcost ships (it has o200k_base, cl100k_base), and counting never "
        "downloads one; use one of those, with accuracy: estimate if it stands in\n")


def test_input_cost_prices_each_conversation_at_its_own_tier(tmp_path: Path) -> None:
    # gemini-2.5-pro: $1.25 per million input tokens, $2.50 once a prompt passes 200,000.
    small = {"messages": [{"role": "user", "content": "What is the capital of the moon?"}]}
    large = {"messages": [{"role": "user", "content": "hello " * 210_000}]}
    path = tmp_path / "two.jsonl"
    path.write_text(f"{json.dumps(small)}\n{json.dumps(large)}\n")
    (counted,) = tokcost.count_file(path, ["gemini-2.5-pro"]).counts
    # Estimated by rule gemini-2-5 (0.989 a text token, 1.027 a message): 8 and 210,001 text
    # tokens in o200k_base, so 8.939 and 207,692.016: 9 and 207,692 tokens.
    assert counted.tokens == 9 + 207_692
    # 9 at $1.25 and 207,692 at $2.50: not the whole file at either rate.
    assert counted.input_cost_usd == Decimal("0.00001125") + Decimal("0.51923")
    assert counted.input_cost_usd == Decimal("0.51924125")


def test_requests_at_the_same_rates_are_priced_together_as_each_alone(tmp_path: Path) -> None:
    # The same two prompts as above, interleaved: three at $1.25 a million, two at $2.50.
    small = {"messages": [{"role": "user", "content": "What is the capital of the moon?"}]}
    large = {"messages": [{"role": "user", "content": "hello " * 210_000}]}
    path = tmp_path / "five.jsonl"
    path.write_text("".join(f"{json.dumps(line)}\n" for line in (small, large, small, small,
                                                                  large)))
    (counted,) = tokcost.count_file(path, ["gemini-2.5-pro"]).counts
    assert counted.tokens == 3 * 9 + 2 * 207_692
    assert counted.input_cost_usd == 3 * Decimal("0.00001125") + 2 * Decimal("0.51923")
    assert counted.input_cost_usd == Decimal("1.03849375")


def test_a_bad_record_in_a_json_list_loses_only_itself(cli: Run) -> None:
    # The ShareGPT V3 release has records with empty `conversations`; the good ones count.
    path = str(COUNT / "sharegpt_with_an_empty_record.json")
    strict = cli("count", path, "-m", "gpt-4o", "-f", "csv")
    assert strict.status == 1
    assert strict.out.splitlines()[1] == f"{path},sharegpt,gpt-4o,2,3,21,exact,,0.0000525"
    assert strict.err == (f"tokcost: error: {path}:1: [1].conversations: no messages to count\n"
                          f"tokcost: note: {path}: skipped 1 bad record\n" + priced())
    lenient = cli("count", path, "-m", "gpt-4o", "-f", "csv", "--skip-bad-lines")
    assert lenient.status == 0 and lenient.out == strict.out
    assert lenient.err == ("tokcost: warning: skipped "
                           f"{path}:1: [1].conversations: no messages to count\n"
                           f"tokcost: note: {path}: skipped 1 bad record\n" + priced())
    projected = cli("project", "--from", path, "--rpd", "1", "-m", "gpt-4o", "-f", "csv",
                    "--output-tokens", "10")
    assert projected.status == 0
    assert (f"tokcost: note: skipped {path}:1: [1].conversations: no messages to count\n"
            f"tokcost: note: {path}: skipped 1 bad record\n") in projected.err


def test_models_that_count_alike_share_one_count_with_their_own_labels(tmp_path: Path,
                                                                        cli: Run) -> None:
    # One text file and one conversation with an image; gpt-4o and gpt-4.1 count alike (o200k,
    # OpenAI's framing), as do Sonnet 4.6 and Opus 4.6 (rule claude-4-6).
    text = tmp_path / "prompt.txt"
    text.write_text("The quick brown fox jumps over the lazy dog.\n" * 20)
    chat = tmp_path / "chat.json"
    chat.write_text(json.dumps({"messages": [
        *image_message(png_data_url(512, 512)), {"role": "assistant", "content": "A picture."},
        {"role": "user", "content": "And in words?"}]}))
    models = ["gpt-4o", "claude-sonnet-4-6", "gpt-4.1", "claude-opus-4-6"]
    together = cli("count", str(text), str(chat), *(arg for m in models for arg in ("-m", m)),
                   "-f", "csv", "--jobs", "1")
    alone = [cli("count", str(text), str(chat), "-m", model, "-f", "csv", "--jobs", "1")
             for model in models]
    rows = csv_rows(together.out)[1:]
    assert sorted(map(tuple, rows)) == sorted(tuple(row) for result in alone
                                             for row in csv_rows(result.out)[1:])
    # The text: 200 tokens, x 1.076 for Claude. The chat: a 512 x 512 image is one tile for
    # OpenAI (85 + 170); Anthropic prices it by its rule (512 x 512 / 750), unmeasured.
    assert [(row[2], row[5], row[6], row[7]) for row in rows] == [
        ("gpt-4o", "200", "exact", ""), ("claude-sonnet-4-6", "215", "estimate", "10.7"),
        ("gpt-4.1", "200", "exact", ""), ("claude-opus-4-6", "215", "estimate", "10.7"),
        ("gpt-4o", "283", "exact", ""), ("claude-sonnet-4-6", "377", "estimate", ""),
        ("gpt-4.1", "283", "exact", ""), ("claude-opus-4-6", "377", "estimate", "")]
    assert set(together.err.splitlines()) == {line for result in alone
                                              for line in result.err.splitlines()}

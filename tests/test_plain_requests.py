"""Plain chat requests counted from their bytes (tokcost/formats/plain_requests.py and
ModelCounter.plain_request): the same rows, notes and errors as the general way gives every
line, with the memo on and off, with one job and two; what is read that way and what is not."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
import pytest

import tokcost.inputs.count_files as count_files
import tokcost.inputs.sources as sources
from tokcost.counting import memo
from tokcost.counting.memo import RawMemo
from tokcost.formats.plain_requests import PlainReader, plain_message, plain_tools

if TYPE_CHECKING:
    from conftest import Result

pytestmark = pytest.mark.usefixtures("on_current_table")

Run = Callable[..., "Result"]
DATA = Path(__file__).parent / "data"
TOOLS = json.loads((DATA / "count" / "cookbook_tools.json").read_text())["tools"]
LONG = ("A system prompt long enough to be kept by the memo, sent again with every request "
        "of the file: réponse 中文 😀 \"quoted\" \\ back")


def lines() -> list[str]:
    """Requests of every kind a file of them mixes: plain ones (the plain way), and ones the
    general way must read (a name, tool calls, parts, Anthropic's fields, errors)."""
    plain = [{"role": "system", "content": LONG}, {"role": "user", "content": "Hello world"}]
    history: list[dict[str, str]] = []
    requests: list[object] = []
    for n in range(6):  # a log: each line re-sends the one before
        history.append({"role": "user" if n % 2 == 0 else "assistant",
                        "content": f"turn {n}: " + LONG[: 20 + 9 * n]})
        requests.append({"messages": list(history)})
    requests += [
        {"messages": plain},
        {"messages": plain, "tools": TOOLS},
        {"messages": plain, "tools": TOOLS, "model": "gpt-4o-mini", "temperature": 0},
        {"messages": plain, "tools": TOOLS, "model": "deepseek-v3.2"},
        {"messages": plain, "tools": []},
        {"messages": plain, "tools": None, "model": None},
        {"custom_id": "r1", "method": "POST", "url": "/v1/chat/completions",
         "body": {"model": "gpt-4o", "messages": plain, "tools": TOOLS}},
        {"custom_id": "r2", "body": {"messages": plain}, "messages": [plain[1]]},
        {"messages": [*plain, {"role": "user", "content": "hi", "name": "ann"}]},
        {"messages": [*plain, {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function",
             "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}]},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": LONG}]}]},
        {"system": LONG, "messages": [plain[1]]},
        {"messages": plain, "functions": [TOOLS[0]["function"]]},
        {"messages": plain, "tool_choice": {"type": "auto"}},
        {"messages": plain, "tool_choice": "auto"},
        {"messages": plain, "model": "no-such-model-anywhere"},
        {"messages": plain, "model": 7},
        {"messages": plain, "tools": [{"name": "x", "input_schema": {}}]},
        {"messages": plain, "tools": [{"type": "function"}]},
        {"messages": []},
        {"messages": [{"role": "robot", "content": LONG}]},
        {"messages": [{"role": "user", "content": LONG}], "conversations": []},
    ]
    text = [json.dumps(request, ensure_ascii=n % 2 == 0) for n, request in enumerate(requests)]
    # The last of two equal keys wins, as in json.loads; a line msgspec refuses; not UTF-8.
    text.append('{"messages": [{"role": "user", "content": "first"}], '
                '"messages": [{"role": "user", "content": "' + LONG.replace('"', "'")
                .replace("\\", "/") + '"}]}')
    text.append('{"messages": [{"role": "user", "content": "lone \\ud800 surrogate"}]}')
    return text


@pytest.fixture
def requests_file(tmp_path: Path) -> Path:
    path = tmp_path / "requests.jsonl"
    data = "\n".join(lines()).encode() + b'\n{"messages": [{"role": "user", "content": "\xff"}]}\n'
    path.write_bytes(data)
    return path


@pytest.fixture
def general_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[bool], None]]:
    """Count every line the general way (False) or plain lines from their bytes (True)."""
    plain_reader = count_files._plain_reader

    def switch(on: bool) -> None:
        monkeypatch.setattr(count_files, "_plain_reader",
                            plain_reader if on else lambda job, fmt: None)
        monkeypatch.setattr(count_files, "_counters", {})

    yield switch
    memo.set_enabled(None)


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("memo_on", [True, False], ids=["memo", "no-memo"])
# deepseek-v3.2 is estimated with o200k_base and OpenAI's framing (plain requests are read
# from their bytes for it); Claude Sonnet 4.5 by a weighted rule (no line is, with it).
@pytest.mark.parametrize("models", [(), ("gpt-4o", "gpt-4o-mini", "deepseek-v3.2"),
                                    ("gpt-4o", "claude-sonnet-4-5")],
                         ids=["own-model", "openai-framing", "with-a-weighted-rule"])
def test_the_same_rows_notes_and_errors_as_the_general_way(
        cli: Run, requests_file: Path, general_only: Callable[[bool], None],
        monkeypatch: pytest.MonkeyPatch, jobs: str, memo_on: bool,
        models: tuple[str, ...]) -> None:
    if jobs == "2":  # small batches and no size threshold, so that the workers count
        monkeypatch.setattr(sources, "BATCH_BYTES", 1024)
        monkeypatch.setattr(count_files, "PARALLEL_MIN_BYTES", 1)
    memo.set_enabled(memo_on)
    options = [arg for model in models for arg in ("-m", model)]
    general_only(False)
    general = cli("count", str(requests_file), *options, "-f", "csv", "--jobs", jobs)
    general_only(True)
    plain = cli("count", str(requests_file), *options, "-f", "csv", "--jobs", jobs)
    assert (plain.status, plain.out, plain.err) == (general.status, general.out, general.err)
    assert general.status == 1  # the bad lines are reported, the others counted
    assert ":31: byte " in general.err
    assert ("no-such-model-anywhere" in general.err) == (not models)
    assert ",gpt-4o-mini," in general.out or models


def test_a_plain_request_counts_as_the_cookbook_says(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    # 3 a message + "user" (1) + "Hello world" (2), 3 to prime the reply; twice, the second
    # time from the memo.
    path.write_text('{"messages": [{"role": "user", "content": "Hello world"}]}\n' * 2)
    result = cli("count", str(path), "-m", "gpt-4o", "-f", "csv")
    assert result.status == 0
    assert f"{path},jsonl,gpt-4o,2,2,18,exact," in result.out


def test_which_lines_are_plain() -> None:
    reader = PlainReader(None)
    for line in lines()[:13]:  # a log, then plain requests with tools, models, a Batch line
        assert reader.read(line.encode()) is not None, line
    for line in ('{"system": "s", "messages": [{"role": "user", "content": "x"}]}',
                 '{"messages": []}', '{"messages": {}}', '[{"role": "user", "content": "x"}]',
                 '"a text"', '{"messages": [{"role": "user", "content": "x"}], "model": 7}',
                 '{"custom_id": "a", "body": {"messages": []}, '
                 '"messages": [{"role": "user", "content": "x"}]}'):
        assert reader.read(line.encode()) is None, line
    batch = reader.read(b'{"custom_id": "a", "body": {"model": "m", '
                        b'"messages": [{"role": "user", "content": "x"}]}}')
    assert batch is not None and (batch.model, batch.source_format) == ("m", "batch")
    assert [bytes(raw) for raw in batch.messages] == [b'{"role": "user", "content": "x"}']
    assert PlainReader("openai").read(b'{"custom_id": "a", "body": {"messages": '
                                      b'[{"role": "user", "content": "x"}]}}') is None


def test_plain_messages_and_tools() -> None:
    def raw(text: str) -> msgspec.Raw:
        return msgspec.Raw(text.encode())

    assert plain_message(raw('{"role": "user", "content": "x"}')) == ("user", "x")
    assert plain_message(raw('{"content": "x", "role": "tool"}')) == ("tool", "x")
    for message in ('{"role": "user", "content": "x", "name": "n"}', '{"role": "user"}',
                    '{"role": "robot", "content": "x"}', '{"role": "user", "content": null}',
                    '{"role": "user", "content": [{"type": "text", "text": "x"}]}', '[]'):
        assert plain_message(raw(message)) is None, message
    assert plain_tools(raw(json.dumps(TOOLS))) == TOOLS
    assert plain_tools(raw("[]")) == []
    for tools in ('[{"name": "x", "input_schema": {}}]', '[{"type": "function"}]', '{}',
                  '[{"function": {"name": 3}}]'):
        assert plain_tools(raw(tools)) is None, tools


def test_the_request_before_and_the_memo_give_the_counts_their_values_were_given() -> None:
    asked: list[bytes] = []

    def count(value: bytes) -> int | None:
        asked.append(bytes(value))
        return None if value == b"not plain" else len(value)

    memo = RawMemo(min_bytes=4)
    first = [b"system prompt", b"first question"]
    assert memo.counts(first, count) == [13, 14]
    # The next request re-sends both (new objects, equal bytes) and adds two; one is short.
    assert memo.counts([b"system prompt", b"first question", b"an answer", b"ok"],
                       count) == [13, 14, 9, 2]
    assert asked == [b"system prompt", b"first question", b"an answer", b"ok"]
    # Another conversation, then back: the memo has the long values, the short one is counted.
    assert memo.counts([b"system prompt", b"an answer", b"ok"], count) == [13, 9, 2]
    assert asked[4:] == [b"ok"]
    assert memo.counts([b"not plain"], count) is None
    assert len(memo.memo) == 3

"""The memo of what has been counted (tokcost/counting/memo.py): the same counts with it as
without it, for every input file, model, --jobs and --per-message; bounded in bytes; short
texts left out."""

from __future__ import annotations

import json
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import tokcost.inputs.count_files as count_files
import tokcost.inputs.sources as sources
from tokcost.counting import memo
from tokcost.counting.memo import ENTRY_BYTES, MIN_CHARS, CountMemo
from tokcost.counting.tokenizers import get_encoding

if TYPE_CHECKING:
    from conftest import Result

# Claude Sonnet 4.5 and Gemini 2.5 Flash are estimated by weighted rules, GPT-4o by the
# cookbook's framing: between them every path of the counter. The 2026-11-22 table sells all
# three.
pytestmark = pytest.mark.usefixtures("on_current_table")

Run = Callable[..., "Result"]
DATA = Path(__file__).parent / "data"
def tiktoken_count(text: str) -> int:
    """The reference count of a text in o200k_base: tiktoken's."""
    return len(get_encoding("o200k_base").encode_ordinary(text))


INPUTS = sorted([*(DATA / "count").iterdir(), *(DATA / "gemini").glob("*")])
MODELS = ("gpt-4o", "claude-sonnet-4-5", "gemini-2.5-flash")


@pytest.fixture
def memo_switch(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[bool], None]]:
    """Switch the memo on or off for what is counted next, in this process and in workers
    forked from it (count_files keeps its counters a process: they are made afresh)."""

    def switch(on: bool) -> None:
        memo.set_enabled(on)
        monkeypatch.setattr(count_files, "_counters", {})

    yield switch
    memo.set_enabled(None)


@pytest.fixture
def repeats(tmp_path: Path) -> Path:
    """A Batch-style file whose lines share a long system prompt and tools, then a log whose
    lines re-send the history before them: what the memo is for."""
    tools = json.loads((DATA / "count" / "cookbook_tools.json").read_text())["tools"]
    turns = [turn["value"] for record in
             json.loads((DATA / "count" / "sharegpt_excerpt.json").read_text())
             for turn in record["conversations"]]
    system = " ".join(turns)
    path = tmp_path / "repeats.jsonl"
    lines = [{"messages": [{"role": "system", "content": system},
                           {"role": "user", "content": f"{turns[n % len(turns)]} ({n})"}],
              "tools": tools} for n in range(40)]
    history: list[dict[str, str]] = []
    for n, text in enumerate(turns * 3):
        history.append({"role": "user" if n % 2 == 0 else "assistant", "content": text})
        lines.append({"messages": list(history)})
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def counted(cli: Run, paths: list[Path], copies: Path, *options: str) -> Result:
    """Every file and then a copy of it (a file named twice is counted once): the second time
    round, the memo has every long text of it."""
    copies.mkdir(exist_ok=True)
    twice = [*paths]
    for path in paths:
        twice.append(copies / path.name)
        twice[-1].write_bytes(path.read_bytes())
    models = [arg for model in MODELS for arg in ("-m", model)]
    return cli("count", *map(str, twice), *models, "-f", "csv", *options)


@pytest.mark.parametrize("per_message", [False, True], ids=["totals", "per-message"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_same_counts_with_the_memo_and_without(
        cli: Run, memo_switch: Callable[[bool], None], repeats: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, jobs: str, per_message: bool) -> None:
    if jobs == "2":  # small batches and no size threshold, so that the workers count
        monkeypatch.setattr(sources, "BATCH_BYTES", 2048)
        monkeypatch.setattr(count_files, "PARALLEL_MIN_BYTES", 1)
    options = ("--jobs", jobs, *(["--per-message"] if per_message else []))
    memo_switch(False)
    without = counted(cli, [*INPUTS, repeats], tmp_path / "copies", *options)
    memo_switch(True)
    with_memo = counted(cli, [*INPUTS, repeats], tmp_path / "copies", *options)
    assert (with_memo.status, with_memo.out, with_memo.err) == (
        without.status, without.out, without.err)
    assert without.status == 1  # sharegpt_truncated.json is broken; every other file counts
    for path in (DATA / "gemini" / "requests.jsonl", tmp_path / "copies" / "repeats.jsonl"):
        assert f"{path}," in without.out
    if not per_message:
        assert f"{repeats},jsonl,claude-sonnet-4-5," in without.out
    if jobs == "1":
        filled = memo.memo_for("o200k_base")
        assert filled is not None and len(filled) > 0


def test_the_memo_is_used_and_its_counts_are_the_encoders() -> None:
    counts = CountMemo(tiktoken_count)
    texts = [turn["value"] for record in
             json.loads((DATA / "count" / "sharegpt_excerpt.json").read_text())
             for turn in record["conversations"]]
    first = [counts.count(text) for text in texts]
    again = [counts.count((text + ".")[:-1]) for text in texts]  # equal strings, new objects
    assert first == again == [tiktoken_count(text) for text in texts]
    assert len(counts) == len({text for text in texts if len(text) >= MIN_CHARS})


def test_texts_below_the_threshold_are_not_stored() -> None:
    counts = CountMemo(tiktoken_count)
    short, long = "x" * (MIN_CHARS - 1), "y" * MIN_CHARS
    assert counts.count(short) == tiktoken_count(short)
    counts.count(long)
    assert short not in counts
    assert long in counts
    assert len(counts) == 1


def test_the_byte_bound_holds_and_the_recently_used_stay() -> None:
    bound = 100_000
    counts = CountMemo(tiktoken_count, max_bytes=bound)
    kept = "a system prompt that every line of the file sends again " * 20
    counts.count(kept)
    for n in range(2_000):  # ~1.2 MB of texts through a 100 kB memo
        counts.count(f"line {n}: " + "different words each time " * (n % 30 + 1))
        counts.count(kept)  # used on every line: never the least recently used
        assert counts.bytes <= bound
    assert kept in counts
    assert counts.bytes == sum(sys.getsizeof(text) + ENTRY_BYTES for text in counts._counts)
    assert 0.8 * bound < counts.bytes  # full, not emptied
    # A text bigger than the whole memo is counted but not kept.
    huge = "z " * bound
    assert counts.count(huge) == tiktoken_count(huge)
    assert huge not in counts


def test_the_memory_a_full_memo_holds_is_about_its_bound() -> None:
    bound = 4 << 20
    get_encoding("o200k_base")  # built before the memory is traced
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        counts = CountMemo(tiktoken_count, max_bytes=bound)
        for n in range(20_000):  # ~10 MB of texts, none kept alive but by the memo
            counts.count(f"{n} " + "a message of ordinary length " * (n % 40 + 1))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert counts.bytes <= bound
    assert held < 1.25 * bound


def test_the_environment_switches_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKCOST_MEMO", "0")
    memo.set_enabled(None)
    try:
        assert not memo.enabled()
        count = memo.token_counter("o200k_base", tiktoken_count)
        assert count("a text long enough to be kept if the memo were on") == 12
        assert memo.memo_for("o200k_base") is None
    finally:
        monkeypatch.delenv("TOKCOST_MEMO")
        memo.set_enabled(None)
    assert memo.enabled()


def test_the_installed_command_counts_alike_with_it_off(installed: Run) -> None:
    paths = [str(DATA / "count" / name) for name in ("cookbook_tools.json",
                                                     "sharegpt_four_turns.json")]
    on = installed("count", *paths, "-f", "csv")
    off = installed("count", *paths, "-f", "csv", env={"TOKCOST_MEMO": "0"})
    assert on.status == off.status == 0
    assert on.out == off.out
    assert ",101,exact," in on.out and ",735,exact," in on.out

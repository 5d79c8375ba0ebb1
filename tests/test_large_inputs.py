"""Large inputs: streamed in batches, spread over workers, with the same results as one process.

Batch sizes and the parallel threshold are made tiny here, so that small files exercise the
paths a 120 MB file takes.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import tokcost
import tokcost.inputs.count_files as count_files
import tokcost.inputs.sources as sources
from tokcost.pricing.table import PriceTable

# Written against the 2026-11-22 table, whose models (Claude Sonnet 4.5, Gemini 2.5) the newest
# one no longer sells.
pytestmark = pytest.mark.usefixtures("on_current_table")

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
COUNT = Path(__file__).parent / "data" / "count"


@pytest.fixture
def tiny_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "BATCH_BYTES", 2048)
    monkeypatch.setattr(count_files, "PARALLEL_MIN_BYTES", 1)


@pytest.fixture
def many_conversations(tmp_path: Path) -> Path:
    records = json.loads((COUNT / "sharegpt_excerpt.json").read_text())
    path = tmp_path / "many.jsonl"
    with path.open("w") as out:
        for index in range(400):
            out.write(json.dumps(records[index % 4]) + "\n")
    return path


def rows(counted: tokcost.DocumentCount) -> list[tuple[object, ...]]:
    return [(c.path, c.format, c.model, c.conversations, c.messages, c.tokens, c.accuracy,
             c.input_cost_usd) for c in counted.counts]


@pytest.mark.usefixtures("tiny_batches")
def test_workers_give_the_same_rows_as_one_process(many_conversations: Path,
                                                   current_table: PriceTable) -> None:
    one = tokcost.count_file(many_conversations, ["gpt-4o", "claude-sonnet-4-5"],
                             table=current_table, jobs=1)
    two = tokcost.count_file(many_conversations, ["gpt-4o", "claude-sonnet-4-5"],
                             table=current_table, jobs=2)
    assert rows(one) == rows(two)
    assert rows(one)[0][3:6] == (400, 700, 37300)


@pytest.mark.usefixtures("tiny_batches")
def test_per_message_rows_keep_input_order_across_workers(many_conversations: Path,
                                                          current_table: PriceTable) -> None:
    def per_message(jobs: int) -> list[tuple[object, ...]]:
        counted = tokcost.count_file(many_conversations, ["gpt-4o"], table=current_table,
                                     per_message=True, jobs=jobs)
        return [(number, m.index, m.role, m.tokens) for number, m in counted.counts[0].per_message]

    serial = per_message(1)
    assert serial == per_message(2)
    assert [number for number, *_ in serial][::3][:4] == [1, 2, 3, 4]


@pytest.mark.usefixtures("tiny_batches")
def test_bad_lines_in_later_batches_keep_their_line_numbers(tmp_path: Path,
                                                             current_table: PriceTable) -> None:
    good = json.dumps([{"role": "user", "content": "hello " * 200}])
    path = tmp_path / "mixed.jsonl"
    lines = [good] * 30
    lines[24] = '{"messages": [{"role": "robot", "content": "x"}]}'
    lines[27] = '{"messages": [{"role": "user", "content": "caf\udce9"}]}'
    path.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape") + b"\n")
    for jobs in (1, 2):
        counted = tokcost.count_file(path, table=current_table, jobs=jobs)
        assert counted.counts[0].conversations == 28
        problems = [str(problem) for problem in counted.problems]
        assert problems[0] == f"{path}:25: messages[0].role: unknown role 'robot' (expected " \
                              "one of system, developer, user, assistant, tool, function)"
        assert problems[1].startswith(f"{path}:28: byte ")
        assert "not valid UTF-8" in problems[1]


@pytest.mark.usefixtures("tiny_batches")
def test_line_numbers_hold_after_a_batch_of_blank_lines(tmp_path: Path,
                                                        current_table: PriceTable) -> None:
    # 3,000 blank lines: a batch of only whitespace, never counted, between counted ones (a
    # batch counted in this process numbers the next from its own split; this one cannot).
    good = json.dumps([{"role": "user", "content": "hello " * 200}])
    path = tmp_path / "blank.jsonl"
    lines = [good] * 5 + [""] * 3000 + [good] * 5 + ['{"messages": [{"role": "robot"}]}']
    path.write_text("\n".join(lines) + "\n")
    for jobs in (1, 2):
        counted = tokcost.count_file(path, table=current_table, jobs=jobs)
        assert counted.counts[0].conversations == 10
        assert [str(problem).split(": ")[0] for problem in counted.problems] == [
            f"{path}:3011"]


@pytest.mark.usefixtures("tiny_batches")
def test_text_streams_in_pieces_that_add_up(tmp_path: Path, current_table: PriceTable) -> None:
    texts = [turn["value"] for record in json.loads((COUNT / "sharegpt_excerpt.json").read_text())
             for turn in record["conversations"]]
    text = "\n".join(texts * 20)
    path = tmp_path / "long.txt"
    path.write_text(text)
    whole = tokcost.count_text(text, table=current_table).tokens
    for jobs in (1, 2):
        counted = tokcost.count_file(path, table=current_table, jobs=jobs)
        assert counted.counts[0].tokens == whole
    assert len(list(sources.open_source(sources.Source(str(path), path)).batches())) > 5


def test_jobs_must_be_positive(cli: Run) -> None:
    result = cli("count", str(COUNT / "cookbook_messages.json"), "--jobs", "0")
    assert result.status == 2


def test_no_progress_in_a_pipe(installed_command: str, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("The quick brown fox jumps over the lazy dog.\n" * 120_000)
    done = subprocess.run([installed_command, "count", str(big), "-f", "csv"],
                          capture_output=True, text=True, timeout=120)
    # Only the note that names the table the rows were priced with; no progress line.
    assert done.returncode == 0 and done.stderr == (
        f"tokcost: note: priced with price table {os.environ['TOKCOST_PRICING']}\n")


def test_progress_on_a_terminal(
        installed_command: str, tmp_path: Path,
        on_a_terminal: Callable[[list[str], Path], tuple[int, str, bytes]]) -> None:
    status, out, shown = on_a_terminal([installed_command, "count", "--jobs", "1"],
                                           tmp_path)
    assert status == 0
    assert b"tokens/s" in shown and b"MB" in shown
    assert out.splitlines()[1].split(",")[5] == "1200000"

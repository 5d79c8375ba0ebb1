"""`tokcost usage` on Codex CLI sessions that were forked or resumed: each response counted once.

Codex writes a fork (and a resume into a new file) as a new rollout file: its own session_meta
(a fork's naming its parent in forked_from_id), then the parent's lines copied, session_meta and
token_count events included, stamped with the time of the copy; then its own turns, whose
running totals go on from the parent's.

Fixtures are hand-written, under tests/data/codex-forks/, priced with table 2026-12-01 (USD per
million tokens: gpt-5.1 1.25 input, 10 output, 0.125 cache read; gpt-5.3-codex 1.75 / 14 /
0.175):

- the parent, session ...0010, on 2026-12-01, gpt-5.1:
  1. 10,000 input of which 6,000 cached, 500 output: 4,000 x 1.25 + 6,000 x 0.125 + 500 x 10
     = 5,000 + 750 + 5,000 = 10,750;
  2. 14,000 input of which 10,000 cached, 800 output: 5,000 + 1,250 + 8,000 = 14,250;
  25,000 in all;
- its fork, session ...0020, on 2026-12-02: the parent's lines copied, then on gpt-5.3-codex
  3. 26,000 input of which 24,000 cached, 1,000 output: 2,000 x 1.75 + 24,000 x 0.175 +
     1,000 x 14 = 3,500 + 4,200 + 14,000 = 21,700;
- the parent resumed into a new file (same session id) on 2026-12-03: its lines copied, then
  4. 30,000 input of which 20,000 cached, 600 output: 10,000 x 1.25 + 20,000 x 0.125 + 600 x
     10 = 12,500 + 2,500 + 6,000 = 21,000.

Billed once each: 25,000 + 21,700 + 21,000 = 67,700 per million.

- a second fork of the parent, session ...0021, on 2026-12-02 two hours after the first: the
  parent's lines copied, then one response billed exactly as the first fork's (its running
  total and its own counts the same): 21,700 again, billed too.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tokcost.reports.usage import read_usage

DATA = Path(__file__).parent / "data" / "codex-forks"
PARENT_ID = "0197c0de-0000-7000-8000-000000000010"
FORK_ID = "0197c0de-0000-7000-8000-000000000020"
PARENT = DATA / f"rollout-2026-12-01T09-00-00-{PARENT_ID}.jsonl"
FORK = DATA / f"rollout-2026-12-02T14-00-00-{FORK_ID}.jsonl"
SIBLING_ID = "0197c0de-0000-7000-8000-000000000021"
SIBLING = DATA / f"rollout-2026-12-02T16-00-00-{SIBLING_ID}.jsonl"
RESUMED = DATA / f"rollout-2026-12-03T08-00-00-{PARENT_ID}.jsonl"
M = Decimal(1_000_000)
COPIED_NOTE = ("lines skipped: token counts a forked or resumed Codex session copied from the "
               "session it continues (the same running total and counts as a response logged "
               "earlier), counted once, where first logged")


def rows_of(out: str) -> dict[str, dict[str, str]]:
    """CSV output, keyed by its first column."""
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows, out
    first = next(iter(rows[0]))
    return {row[first]: row for row in rows}


def restamped(path: Path, at: str) -> list[str]:
    """A file's lines as Codex copies them into a fork: the same, with the time of the copy."""
    return [json.dumps(json.loads(line) | {"timestamp": at})
            for line in path.read_text().splitlines()]


def token_count(at: str, total: dict[str, int], last: dict[str, int]) -> str:
    return json.dumps({"timestamp": at, "type": "event_msg", "payload": {
        "type": "token_count", "info": {"total_token_usage": total, "last_token_usage": last,
                                        "model_context_window": 272000}}})


def counts(plain_and_cached: int, cached: int, output: int) -> dict[str, int]:
    return {"input_tokens": plain_and_cached, "cached_input_tokens": cached,
            "output_tokens": output, "reasoning_output_tokens": 0,
            "total_tokens": plain_and_cached + output}


@pytest.mark.parametrize("files", list(itertools.permutations((PARENT, FORK, RESUMED))),
                         ids=lambda files: "-".join(f.name[8:18] for f in files))
def test_each_response_counts_once_whatever_order_the_files_come_in(
        cli: Callable[..., Any], files: tuple[Path, ...]) -> None:
    result = cli("usage", *map(str, files), "--format", "csv")
    assert result.status == 0, result.err
    rows = rows_of(result.out)
    # gpt-5.1: the parent's two and the resume's own: 25,000 + 21,000 = 46,000.
    assert (rows["gpt-5.1"]["requests"], rows["gpt-5.1"]["input"], rows["gpt-5.1"]["cached"],
            rows["gpt-5.1"]["output"]) == ("3", "18000", "36000", "1900")
    assert Decimal(rows["gpt-5.1"]["cost_usd"]) == Decimal(46_000) / M
    assert (rows["gpt-5.3-codex"]["requests"], Decimal(rows["gpt-5.3-codex"]["cost_usd"])) \
        == ("1", Decimal(21_700) / M)
    assert sum(Decimal(row["cost_usd"]) for row in rows.values()) == Decimal(67_700) / M
    # The fork and the resume each copied the parent's two token counts.
    assert f"tokcost: note: 4 {COPIED_NOTE}\n" in result.err
    assert "not among those read" not in result.err


@pytest.mark.parametrize("files", [(PARENT, FORK), (FORK, PARENT)], ids=["parent-first",
                                                                         "fork-first"])
def test_by_session_the_fork_has_only_what_it_added(cli: Callable[..., Any],
                                                    files: tuple[Path, ...]) -> None:
    result = cli("usage", *map(str, files), "--by", "session", "--format", "csv")
    assert result.status == 0, result.err
    rows = rows_of(result.out)
    assert (rows[PARENT_ID]["requests"], Decimal(rows[PARENT_ID]["cost_usd"])) == (
        "2", Decimal(25_000) / M)
    assert (rows[FORK_ID]["requests"], Decimal(rows[FORK_ID]["cost_usd"])) == (
        "1", Decimal(21_700) / M)
    assert f"tokcost: note: 2 {COPIED_NOTE}\n" in result.err


def test_a_resume_adds_its_own_response_to_the_session(cli: Callable[..., Any]) -> None:
    result = cli("usage", str(RESUMED), str(PARENT), "--by", "session", "--format", "csv")
    assert result.status == 0, result.err
    row = rows_of(result.out)[PARENT_ID]
    # 25,000 + 21,000: the parent's two, and the one the resume added.
    assert (row["requests"], Decimal(row["cost_usd"])) == ("3", Decimal(46_000) / M)


def test_copied_responses_stay_on_the_day_they_were_billed(cli: Callable[..., Any]) -> None:
    # The copies bear the day of the fork and of the resume; the originals, 1 December.
    result = cli("usage", str(RESUMED), str(FORK), str(PARENT), "--by", "day", "--format",
                 "csv")
    assert result.status == 0, result.err
    rows = rows_of(result.out)
    assert [(day, rows[day]["requests"], Decimal(rows[day]["cost_usd"]))
            for day in ("2026-12-01", "2026-12-02", "2026-12-03")] == [
        ("2026-12-01", "2", Decimal(25_000) / M),
        ("2026-12-02", "1", Decimal(21_700) / M),
        ("2026-12-03", "1", Decimal(21_000) / M)]


def test_the_original_lines_are_the_ones_kept() -> None:
    log = read_usage([str(FORK), str(PARENT)])
    assert sorted(placed.place for placed in log.records) == sorted(
        [f"{FORK}:12", f"{PARENT}:4", f"{PARENT}:7"])


def test_a_fork_read_without_its_parent(cli: Callable[..., Any]) -> None:
    # The copied responses were billed once, and no other file read has them: they count,
    # at the time of the copy, with a note saying so. 10,750 + 14,250 + 21,700 = 46,700.
    result = cli("usage", str(FORK), "--by", "day", "--format", "csv")
    assert result.status == 0, result.err
    row = rows_of(result.out)["2026-12-02"]
    assert (row["requests"], Decimal(row["cost_usd"])) == ("3", Decimal(46_700) / M)
    assert (f"tokcost: note: Codex session {PARENT_ID} is continued by a fork or resume read "
            "here, but its own file is not among those read: the responses copied from it "
            "are counted once, in the copy, at the time of the copy\n") in result.err
    assert COPIED_NOTE not in result.err


@pytest.mark.parametrize("parent_first", [True, False])
def test_a_fork_that_does_not_name_its_parent_is_known_by_the_copied_session_meta(
        cli: Callable[..., Any], tmp_path: Path, parent_first: bool) -> None:
    # Codex versions before forked_from_id: the copy of the parent's session_meta alone links
    # the two sessions.
    lines = FORK.read_text().splitlines()
    first = json.loads(lines[0])
    del first["payload"]["forked_from_id"]
    fork = tmp_path / FORK.name
    fork.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    files = (PARENT, fork) if parent_first else (fork, PARENT)
    result = cli("usage", *map(str, files), "--by", "session", "--format", "csv")
    assert result.status == 0, result.err
    rows = rows_of(result.out)
    assert [(rows[name]["requests"], Decimal(rows[name]["cost_usd"]))
            for name in (PARENT_ID, FORK_ID)] == [("2", Decimal(25_000) / M),
                                                  ("1", Decimal(21_700) / M)]


GRANDCHILD_ID = "0197c0de-0000-7000-8000-000000000030"


def fork_of_the_fork(folder: Path) -> Path:
    """The first fork forked in turn: its lines copied, the parent's among them, then one
    response on the model of the fork's last turn, gpt-5.3-codex: 8,000 x 1.75 + 100 x 14 =
    14,000 + 1,400 = 15,400."""
    at = "2026-12-04T10:00:00.000Z"
    meta = {"timestamp": at, "type": "session_meta",
            "payload": {"id": GRANDCHILD_ID, "forked_from_id": FORK_ID, "timestamp": at}}
    grandchild = folder / f"rollout-2026-12-04T10-00-00-{GRANDCHILD_ID}.jsonl"
    grandchild.write_text("\n".join([
        json.dumps(meta), *restamped(FORK, "2026-12-04T10:00:00.015Z"),
        token_count("2026-12-04T10:00:30.000Z", counts(58_000, 40_000, 2_400),
                    counts(8_000, 0, 100))]) + "\n")
    return grandchild


def test_a_fork_of_a_fork(cli: Callable[..., Any], tmp_path: Path) -> None:
    grandchild_id = GRANDCHILD_ID
    grandchild = fork_of_the_fork(tmp_path)
    for files in itertools.permutations((PARENT, FORK, grandchild)):
        result = cli("usage", *map(str, files), "--by", "session", "--format", "csv")
        assert result.status == 0, result.err
        rows = rows_of(result.out)
        assert [(rows[name]["requests"], Decimal(rows[name]["cost_usd"]))
                for name in (PARENT_ID, FORK_ID, grandchild_id)] == [
            ("2", Decimal(25_000) / M), ("1", Decimal(21_700) / M), ("1", Decimal(15_400) / M)]
        # The fork copied 2 token counts; the grandchild 3.
        assert f"tokcost: note: 5 {COPIED_NOTE}\n" in result.err


def test_a_history_copied_again_into_the_same_file_counts_once(cli: Callable[..., Any],
                                                                tmp_path: Path) -> None:
    # A resume that wrote the session's lines again at the end of its own file.
    log = tmp_path / PARENT.name
    log.write_text(PARENT.read_text() + "\n".join(
        restamped(PARENT, "2026-12-03T08:00:00.020Z")[1:]) + "\n")
    result = cli("usage", str(log), "--by", "day", "--format", "csv")
    assert result.status == 0, result.err
    row = rows_of(result.out)["2026-12-01"]
    assert (row["requests"], Decimal(row["cost_usd"])) == ("2", Decimal(25_000) / M)
    assert "2026-12-03" not in result.out
    assert f"tokcost: note: 2 {COPIED_NOTE}\n" in result.err


def test_separate_sessions_with_the_same_counts_both_count(cli: Callable[..., Any],
                                                           tmp_path: Path) -> None:
    # Two sessions whose first responses billed alike: neither copies the other.
    first = counts(10_000, 6_000, 500)
    for number in (1, 2):
        meta = {"timestamp": f"2026-12-0{number}T09:00:00.000Z", "type": "session_meta",
                "payload": {"id": f"0197c0de-0000-7000-8000-00000000009{number}"}}
        context = {"timestamp": f"2026-12-0{number}T09:00:01.000Z", "type": "turn_context",
                   "payload": {"model": "gpt-5.1"}}
        (tmp_path / f"rollout-{number}.jsonl").write_text("\n".join([
            json.dumps(meta), json.dumps(context),
            token_count(f"2026-12-0{number}T09:00:10.000Z", first, first)]) + "\n")
    result = cli("usage", str(tmp_path), "--format", "csv")
    assert result.status == 0, result.err
    row = rows_of(result.out)["gpt-5.1"]
    # 10,750 each (as the parent's first).
    assert (row["requests"], Decimal(row["cost_usd"])) == ("2", Decimal(21_500) / M)
    assert COPIED_NOTE not in result.err


@pytest.mark.parametrize("files", list(itertools.permutations((PARENT, FORK, SIBLING))),
                         ids=lambda files: "-".join(f.name[8:18] + f.name[-7:-6] for f in files))
def test_two_forks_of_one_parent_whose_first_responses_billed_alike_both_count(
        cli: Callable[..., Any], files: tuple[Path, ...]) -> None:
    # Each fork's response goes on from the parent's running total with the same counts: the
    # same copy key, but neither fork copies the other's history, so both were billed.
    result = cli("usage", *map(str, files), "--by", "session", "--format", "csv")
    assert result.status == 0, result.err
    rows = rows_of(result.out)
    assert [(rows[name]["requests"], Decimal(rows[name]["cost_usd"]))
            for name in (PARENT_ID, FORK_ID, SIBLING_ID)] == [
        ("2", Decimal(25_000) / M), ("1", Decimal(21_700) / M), ("1", Decimal(21_700) / M)]
    # 25,000 + 21,700 + 21,700 = 68,400; each fork copied the parent's two token counts.
    assert sum(Decimal(row["cost_usd"]) for row in rows.values()) == Decimal(68_400) / M
    assert f"tokcost: note: 4 {COPIED_NOTE}\n" in result.err


def test_a_fork_of_a_fork_copies_its_parent_not_its_parents_sibling(
        cli: Callable[..., Any], tmp_path: Path) -> None:
    # The grandchild's copy of the first fork's response has the same key as the second
    # fork's own response: it is a copy of the first fork's (whose history it copies), and
    # the second fork's still counts.
    grandchild = fork_of_the_fork(tmp_path)
    for files in itertools.permutations((PARENT, FORK, SIBLING, grandchild)):
        result = cli("usage", *map(str, files), "--by", "session", "--format", "csv")
        assert result.status == 0, result.err
        rows = rows_of(result.out)
        assert [(rows[name]["requests"], Decimal(rows[name]["cost_usd"]))
                for name in (PARENT_ID, FORK_ID, SIBLING_ID, GRANDCHILD_ID)] == [
            ("2", Decimal(25_000) / M), ("1", Decimal(21_700) / M), ("1", Decimal(21_700) / M),
            ("1", Decimal(15_400) / M)], files
        # The forks copied 2 token counts each; the grandchild 3.
        assert f"tokcost: note: 7 {COPIED_NOTE}\n" in result.err


@pytest.mark.parametrize("parent_first", [True, False])
def test_a_parent_response_after_the_fork_billed_as_the_forks_own_both_count(
        cli: Callable[..., Any], tmp_path: Path, parent_first: bool) -> None:
    # The parent goes on after the fork, on 3 December, with a response of the same total and
    # counts as the fork's own of 2 December: the fork's is no copy of a response logged
    # after it. The parent's third, on gpt-5.1: 2,000 x 1.25 + 24,000 x 0.125 + 1,000 x 10 =
    # 2,500 + 3,000 + 10,000 = 15,500.
    fork_own = json.loads(FORK.read_text().splitlines()[-2])["payload"]["info"]
    parent = tmp_path / PARENT.name
    parent.write_text(PARENT.read_text() + json.dumps(
        {"timestamp": "2026-12-03T11:00:00.000Z", "type": "event_msg",
         "payload": {"type": "token_count", "info": fork_own}}) + "\n")
    files = (parent, FORK) if parent_first else (FORK, parent)
    result = cli("usage", *map(str, files), "--by", "session", "--format", "csv")
    assert result.status == 0, result.err
    rows = rows_of(result.out)
    # 25,000 + 15,500 = 40,500.
    assert [(rows[name]["requests"], Decimal(rows[name]["cost_usd"]))
            for name in (PARENT_ID, FORK_ID)] == [("3", Decimal(40_500) / M),
                                                  ("1", Decimal(21_700) / M)]
    assert f"tokcost: note: 2 {COPIED_NOTE}\n" in result.err


def test_two_forks_read_without_their_parent_count_its_copied_responses_once(
        cli: Callable[..., Any], tmp_path: Path) -> None:
    # No file read holds the parent's responses: both forks' copies of them are taken for
    # one, counted once at the time of the first copy, with the first fork (14:00). The
    # second fork's own response here billed 100 output tokens more than the first's:
    # 2,000 x 1.75 + 24,000 x 0.175 + 1,100 x 14 = 3,500 + 4,200 + 15,400 = 23,100.
    lines = SIBLING.read_text().splitlines()
    own = json.loads(lines[-2])
    for usage in own["payload"]["info"].values():
        if isinstance(usage, dict) and "output_tokens" in usage:
            usage["output_tokens"] += 100
            usage["total_tokens"] += 100
    sibling = tmp_path / SIBLING.name
    sibling.write_text("\n".join([*lines[:-2], json.dumps(own), lines[-1]]) + "\n")
    result = cli("usage", str(sibling), str(FORK), "--by", "session", "--format", "csv")
    assert result.status == 0, result.err
    rows = rows_of(result.out)
    # The first fork: the parent's two (25,000) and its own (21,700).
    assert [(rows[name]["requests"], Decimal(rows[name]["cost_usd"]))
            for name in (FORK_ID, SIBLING_ID)] == [("3", Decimal(46_700) / M),
                                                   ("1", Decimal(23_100) / M)]
    assert f"tokcost: note: 2 {COPIED_NOTE}\n" in result.err
    assert f"Codex session {PARENT_ID} is continued by a fork" in result.err

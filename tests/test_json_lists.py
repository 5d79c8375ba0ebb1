"""JSON lists read a record at a time, and bad lines reported a few at a time.

A dataset published as one JSON list (ShareGPT V3 is) may hold records that are no
conversation and may be cut off inside its last record: each such record is a bad record,
reported with its line and index as a bad line of JSON Lines is, and the others count. A file
with many bad lines shows the first ten and one line for the rest, whatever the command.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tokcost.errors import InputFileError
from tokcost.inputs.bad_lines import SHOWN_BAD_LINES, BadLines
from tokcost.inputs.json_list import list_records

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]

HELLO = {"id": "a", "conversations": [{"from": "human", "value": "Hello there"},
                                      {"from": "gpt", "value": "Hi! How can I help?"}]}
BYE = {"id": "c", "conversations": [{"from": "human", "value": "Bye"}]}
EMPTY = {"id": "b", "conversations": []}
# For gpt-4o (o200k_base, OpenAI's framing: 3 a message and its role, 3 to prime the reply):
# HELLO is (3 + 1 + 2) + (3 + 1 + 7) + 3 = 20 tokens, its first request 3 + 1 + 2 + 3 = 9;
# BYE 3 + 1 + 1 + 3 = 8. Both: 28 tokens, $0.00007 at $2.50 a million.


def listed(path: Path, *records: object, cut: int = 0) -> Path:
    """A JSON list written a record a line, as ShareGPT's is (pretty-printed, one level);
    ``cut``: that many characters left off its end."""
    text = "[\n" + ",\n".join(f"  {json.dumps(record)}" for record in records) + "\n]\n"
    path.write_text(text[:len(text) - cut] if cut else text)
    return path


def test_an_empty_conversation_in_the_middle_loses_only_itself(cli: Run, tmp_path: Path) -> None:
    path = listed(tmp_path / "mid.json", HELLO, EMPTY, BYE)
    strict = cli("count", str(path), "-m", "gpt-4o", "-f", "csv")
    assert strict.status == 1
    assert strict.out.splitlines()[1] == f"{path},sharegpt,gpt-4o,2,3,28,exact,,0.00007"
    assert strict.err == (
        f"tokcost: error: {path}:3: [1].conversations: no messages to count\n"
        f"tokcost: note: {path}: skipped 1 bad record\n"
        "tokcost: note: priced with price table 2026-12-01\n")
    lenient = cli("count", str(path), "-m", "gpt-4o", "-f", "json", "--skip-bad-lines")
    assert lenient.status == 0
    [row] = json.loads(lenient.out)
    assert (row["conversations"], row["messages"], row["tokens"], row["skipped"]) == (2, 3, 28, 1)
    assert lenient.err == (
        f"tokcost: warning: skipped {path}:3: [1].conversations: no messages to count\n"
        f"tokcost: note: {path}: skipped 1 bad record\n")


def test_a_list_cut_off_inside_its_last_record(cli: Run, tmp_path: Path) -> None:
    path = listed(tmp_path / "cut.json", HELLO, BYE, HELLO, cut=40)
    result = cli("count", str(path), "-m", "gpt-4o", "-f", "csv")
    assert result.status == 1
    assert result.out.splitlines()[1] == f"{path},sharegpt,gpt-4o,2,3,28,exact,,0.00007"
    assert result.err == (
        f"tokcost: error: {path}:4: [2]: not valid JSON: the file ends inside this record (cut "
        "off; is the copy complete?)\n"
        f"tokcost: note: {path}: skipped 1 bad record\n"
        "tokcost: note: priced with price table 2026-12-01\n")
    lenient = cli("count", str(path), "-m", "gpt-4o", "-f", "csv", "--skip-bad-lines")
    assert (lenient.status, lenient.out) == (0, result.out)


def test_a_list_cut_off_after_a_whole_record(cli: Run, tmp_path: Path) -> None:
    path = listed(tmp_path / "cut.json", HELLO, BYE, cut=3)  # "\n]\n" gone
    result = cli("count", str(path), "-m", "gpt-4o", "-f", "csv")
    assert result.status == 1
    assert result.out.splitlines()[1] == f"{path},sharegpt,gpt-4o,2,3,28,exact,,0.00007"
    assert result.err.splitlines()[0] == (
        f"tokcost: error: {path}:3: not valid JSON: the list is cut off after record [1], with "
        "no closing `]` (is the copy complete?)")


def test_a_list_whose_every_record_is_bad(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"conversations": []},\n  {"id": 7},\n  {"conversations": [{"from": '
                    '"human", "value": "a"}, \n')
    result = cli("count", str(path), "-f", "csv")
    assert (result.status, result.out) == (1, "")  # as a JSON Lines file of bad lines
    assert result.err == (
        f"tokcost: error: {path}:2: [0].conversations: no messages to count\n"
        f"tokcost: error: {path}:3: [1]: an object with neither `messages` nor `conversations` "
        "(nor Gemini's `contents`); not a conversation\n"
        f"tokcost: error: {path}:4: [2]: not valid JSON: the file ends inside this record (cut "
        "off; is the copy complete?)\n"
        f"tokcost: note: {path}: skipped 3 bad records\n")
    lenient = cli("count", str(path), "-f", "csv", "--skip-bad-lines")
    assert (lenient.status, lenient.out) == (0, "")
    # --from needs a conversation: a file with none is an error, named by its first bad record.
    projected = cli("project", "--from", str(path), "--rpd", "1", "-m", "gpt-4o")
    assert projected.status == 1
    assert projected.err == (
        f"tokcost: error: {path}:2: [0].conversations: no messages to count\n")


def test_a_bad_record_that_is_not_json_loses_only_itself(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "typo.json"
    path.write_text("[\n  " + json.dumps(HELLO) + ',\n  {"conversations": [{"from": "human", '
                    '"value": "x"} "oops"]},\n  ' + json.dumps(BYE) + "\n]\n")
    result = cli("count", str(path), "-m", "gpt-4o", "-f", "csv", "--skip-bad-lines")
    assert result.status == 0
    assert result.out.splitlines()[1] == f"{path},sharegpt,gpt-4o,2,3,28,exact,,0.00007"
    assert result.err.splitlines()[0] == (
        f"tokcost: warning: skipped {path}:3:54: [1]: not valid JSON: Expecting ',' delimiter")


def test_many_bad_lines_show_the_first_ten_then_one_line(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    good = json.dumps(HELLO)
    path.write_text("\n".join([good, *["{bad"] * 13, good]) + "\n")
    bad = [f"{path}:{line}:2: not valid JSON: Expecting property name enclosed in double quotes"
           for line in range(2, 12)]
    result = cli("count", str(path), "-m", "gpt-4o", "-f", "csv")
    assert result.status == 1
    assert result.out.splitlines()[1] == f"{path},jsonl,gpt-4o,2,4,40,exact,,0.0001"
    assert result.err.splitlines() == [
        *[f"tokcost: error: {line}" for line in bad],
        f"tokcost: error: ... and 3 more bad lines in {path}",
        f"tokcost: note: {path}: skipped 13 bad lines",
        "tokcost: note: priced with price table 2026-12-01",
    ]
    lenient = cli("count", str(path), "-m", "gpt-4o", "-f", "jsonl", "--skip-bad-lines")
    assert lenient.status == 0  # the cap changes what is shown, not the status or the totals
    assert json.loads(lenient.out)["tokens"] == 40 and json.loads(lenient.out)["skipped"] == 13
    assert lenient.err.splitlines() == [
        *[f"tokcost: warning: skipped {line}" for line in bad],
        f"tokcost: warning: ... and 3 more bad lines in {path}",
        f"tokcost: note: {path}: skipped 13 bad lines",
    ]


def test_the_cap_is_per_file(cli: Run, tmp_path: Path) -> None:
    first, second = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    for path in (first, second):
        path.write_text("\n".join([json.dumps(BYE), *["[]"] * 12]) + "\n")
    result = cli("count", str(first), str(second), "-f", "csv")
    assert result.status == 1
    assert result.err.count("tokcost: error: ") == 2 * (SHOWN_BAD_LINES + 1)
    assert f"tokcost: error: ... and 2 more bad lines in {first}\n" in result.err
    assert f"tokcost: error: ... and 2 more bad lines in {second}\n" in result.err


def test_usage_and_calibrate_show_the_first_ten_bad_lines(cli: Run, tmp_path: Path) -> None:
    usage = tmp_path / "usage.jsonl"
    response = json.dumps({"model": "gpt-4o", "usage": {"prompt_tokens": 100,
                                                        "completion_tokens": 10}})
    usage.write_text("\n".join([response, *["{bad"] * 12, response]) + "\n")
    read = cli("usage", str(usage), "-f", "csv")
    assert read.status == 1
    assert read.out.splitlines()[1].startswith("gpt-4o,2,200,0,0,20,")
    errors = [line for line in read.err.splitlines() if line.startswith("tokcost: error: ")]
    assert len(errors) == 11 and errors[-1] == (
        f"tokcost: error: ... and 2 more bad lines in {usage}")
    assert f"tokcost: note: {usage}: skipped 12 bad lines\n" in read.err
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(["{bad"] * 15) + "\n")
    calibrated = cli("calibrate", str(log), "-f", "csv")
    assert calibrated.status == 1
    assert calibrated.err.splitlines()[-2:] == [
        f"tokcost: error: {log}:10: not JSON (Expecting property name enclosed in double "
        "quotes, column 2)",
        f"tokcost: error: ... and 5 more bad lines in {log}"]
    assert f"tokcost: note: {log}: skipped 15 bad lines\n" in calibrated.err


def test_project_and_simulate_from_a_cut_off_list(cli: Run, tmp_path: Path) -> None:
    path = listed(tmp_path / "cut.json", HELLO, EMPTY, HELLO, cut=40)
    projected = cli("project", "--from", str(path), "--rpd", "10", "-m", "gpt-4o", "-f", "json")
    assert projected.status == 0
    [row] = json.loads(projected.out)
    assert row["requests_per_day"] == 10 and row["input_tokens"] == 9  # HELLO's first request
    assert row["assumptions"][0] == (
        f"Workload: 10 requests a day; 1 request from {path} (2 bad records skipped), counted "
        "with each model's tokenizer.")
    assert projected.err == (
        f"tokcost: note: skipped {path}:3: [1].conversations: no messages to count\n"
        f"tokcost: note: skipped {path}:4: [2]: not valid JSON: the file ends inside this "
        "record (cut off; is the copy complete?)\n"
        f"tokcost: note: {path}: skipped 2 bad records\n")
    simulated = cli("simulate", "--from", str(path), "-m", "gpt-4o", "-f", "json", "--no-chart")
    assert simulated.status == 0
    rows = json.loads(simulated.out)
    assert [r["input_tokens"] for r in rows] == [9]
    assert (f"Assumes replaying 1 turn of {path} (2 bad records skipped), counted with "
            "gpt-4o's tokenizer.") in rows[0]["assumptions"]
    assert simulated.err == projected.err



def raw_listed(path: Path, *records: str) -> Path:
    """As listed, of records given as their text (that may be bad JSON)."""
    path.write_text("[\n" + ",\n".join(f"  {record}" for record in records) + "\n]\n")
    return path


def test_a_stray_quote_loses_only_its_record(cli: Run, tmp_path: Path) -> None:
    records = [json.dumps(HELLO)] * 10
    records[2] = records[2].replace('"Hello there"', '"it"s broken"')
    path = raw_listed(tmp_path / "quote.json", *records)
    result = cli("count", str(path), "-m", "gpt-4o", "-f", "csv")
    assert result.status == 1
    assert result.out.splitlines()[1] == f"{path},sharegpt,gpt-4o,9,18,180,exact,,0.00045"
    assert result.err == (
        f"tokcost: error: {path}:4:64: [2]: not valid JSON: Expecting ',' delimiter\n"
        f"tokcost: note: {path}: skipped 1 bad record\n"
        "tokcost: note: priced with price table 2026-12-01\n")


def test_unpaired_brackets_lose_only_their_record(cli: Run, tmp_path: Path) -> None:
    records = [json.dumps(HELLO)] * 15
    records[4] = '{"messages": [ bad json }'
    path = raw_listed(tmp_path / "brackets.json", *records)
    result = cli("count", str(path), "-m", "gpt-4o", "-f", "json", "--skip-bad-lines")
    assert result.status == 0
    [row] = json.loads(result.out)
    assert (row["conversations"], row["tokens"], row["skipped"]) == (14, 280, 1)
    assert result.err == (
        f"tokcost: warning: skipped {path}:6:18: [4]: not valid JSON: Expecting value\n"
        f"tokcost: note: {path}: skipped 1 bad record\n")


def test_a_list_holding_only_its_opening_bracket(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    path.write_text("[\n")
    result = cli("count", str(path), "-f", "csv")
    assert (result.status, result.out) == (1, "")
    assert result.err == (
        f"tokcost: error: {path}:2: not valid JSON: the list is cut off before its first "
        "record, with no closing `]` (is the copy complete?)\n")


@pytest.mark.parametrize("text, line, problem", [
    ("[\n  {hello}\n] x\n", 3, "more text after the list's closing `]`; a JSON file holds one "
     "list"),
    ("[\n  {hello},\n  {bye},\n]\n", 4, "a comma after the list's last record; remove it"),
    ("[\n  {hello}\n  {bye}\n]\n", 3, "no `,` between records [0] and [1]; add one"),
])
def test_text_outside_the_records_is_the_files_problem_not_a_skipped_record(
        cli: Run, tmp_path: Path, text: str, line: int, problem: str) -> None:
    path = tmp_path / "outside.json"
    path.write_text(text.replace("{hello}", json.dumps(HELLO)).replace("{bye}", json.dumps(BYE)))
    tokens = 28 if "bye" in text else 20
    result = cli("count", str(path), "-m", "gpt-4o", "-f", "json")
    assert result.status == 1  # as for a bad record
    [row] = json.loads(result.out)
    assert (row["tokens"], row["skipped"]) == (tokens, 0)
    assert result.err == f"tokcost: error: {path}:{line}: not valid JSON: {problem}\n"


# --- the reader itself ---------------------------------------------------------------------------

def values(text: str, size: int = 7) -> list[object]:
    """The records' values (an error as its message) of ``text`` read in blocks of ``size``
    bytes: records, strings and escapes cut across blocks."""
    data = text.encode()
    blocks = (data[start:start + size] for start in range(0, len(data), size))
    return [str(r.value) if isinstance(r.value, InputFileError) else r.value
            for r in list_records(blocks, "f.json")]


@pytest.mark.parametrize("size", [1, 3, 7, 4096])
def test_records_read_as_json_reads_them_whatever_the_blocks(size: int) -> None:
    records = [{"a": "x\\\"]}[{"}, [1, {"b": None}], "a \"string\" with ] and }", 12345,
               -1.5e3, True, None, {"é": "ü\u2028"}, {}, []]
    text = "\ufeff [ " + " ,\n ".join(json.dumps(r, ensure_ascii=False) for r in records) + " ]\n"
    assert values(text, size) == records


def test_the_places_of_bad_records() -> None:
    assert values('[{"a": 1}, {"a": tru}, {"b": 2}]') == [
        {"a": 1}, "f.json:1:18: [1]: not valid JSON: Expecting value", {"b": 2}]
    assert values('[\n{"a": 1},\n{"a": 2}\n{"a": 3}]') == [  # both read: only the comma lacks
        {"a": 1}, {"a": 2}, "f.json:4: not valid JSON: no `,` between records [1] and [2]; add "
        "one", {"a": 3}]
    assert values('[{"a": 1}\nx, {"a": 2}]') == [
        {"a": 1}, "f.json:2: not valid JSON: expected `,` or `]` after record [0], found 'x'; "
        "the records after it are not read"]
    assert values('[{"a": 1},]') == [
        {"a": 1}, "f.json:1: not valid JSON: a comma after the list's last record; remove it"]
    assert values('[{"a": 1}] [') == [
        {"a": 1}, "f.json:1: not valid JSON: more text after the list's closing `]`; a JSON "
        "file holds one list"]
    assert values('[{"a": 1},\n {"a": "no end') == [
        {"a": 1}, "f.json:2: [1]: not valid JSON: the file ends inside this record (cut off; "
        "is the copy complete?)"]
    assert values("[12") == [  # the number is whole at the end; the list is not
        12, "f.json:1: not valid JSON: the list is cut off after record [0], with no closing "
        "`]` (is the copy complete?)"]
    assert values("[ ]") == []


def test_a_bad_record_whose_end_cannot_be_told() -> None:
    # The first record of a one-line list, broken by a stray quote: no record before it to
    # resemble, and its brackets miscounted; the rest is not guessed at.
    assert values('[{"a": "x"s y", "b": 1}, {"a": 2}]') == [
        "f.json:1:11: [0]: not valid JSON: Expecting ',' delimiter; the records after it "
        "could not be told apart, so they are not read"]
    # After a good record, one that looks like it is the next record.
    assert values('[{"a": 1}, {"a": "x"s y", "b": 1}, {"a": 2}]', 3) == [
        {"a": 1}, "f.json:1:21: [1]: not valid JSON: Expecting ',' delimiter", {"a": 2}]
    # A bad last record is the last: the list's end is found, no records lost.
    assert values('[{"a": 1}, {"a": tru}]') == [
        {"a": 1}, "f.json:1:18: [1]: not valid JSON: Expecting value"]


def test_records_come_as_they_are_read() -> None:
    # Streamed: the first record comes before the stream is read on (memory stays flat).
    read: list[int] = []

    def blocks() -> Iterator[bytes]:
        for number in range(1_000):
            read.append(number)
            yield (b"[" if number == 0 else b",") + json.dumps(HELLO).encode()
        yield b"]"

    records = list_records(blocks(), "f.json")
    assert next(records).value == HELLO
    assert len(read) <= 2
    assert sum(1 for _ in records) == 999


def test_bad_lines_keep_the_first_ten_and_count_all() -> None:
    bad = BadLines("f.jsonl")
    for number in range(1, 26):
        bad.add(f"f.jsonl:{number}: not valid JSON")
    assert bad.count == 25
    assert [str(p) for p in bad.shown()] == [
        *[f"f.jsonl:{number}: not valid JSON" for number in range(1, 11)],
        "... and 15 more bad lines in f.jsonl"]
    assert bad.note() == "f.jsonl: skipped 25 bad lines"
    assert BadLines("f.json", "record", 1).said() == " (1 bad record skipped)"

"""Whole datasets: Parquet and Arrow tables, and gzip- and zstd-compressed files.

Every table and compressed file here is written at test time from a fixture, and must count as
the JSON Lines it came from: the same conversations, messages, tokens and costs.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
import zstandard

import tokcost
import tokcost.inputs.count_files as count_files
import tokcost.inputs.sources as sources


@pytest.fixture
def cli(cli_without_table_note: Callable[..., Any]) -> Callable[..., Any]:
    return cli_without_table_note  # these tests are about reading inputs

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
DATA = Path(__file__).parent / "data"
COUNT = DATA / "count"
STOPPED = COUNT / "stopped_chats.jsonl"  # three OpenAI chats
SHAREGPT = COUNT / "sharegpt_excerpt.json"  # four ShareGPT conversations, as a JSON list
ARTICLES = Path(__file__).parent.parent / "examples" / "help-articles.jsonl"  # {"id", "text"}
INSTALL = "pip install 'tokcost[datasets]'"


def records(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON Lines file, or of a JSON list."""
    text = path.read_text("utf-8")
    if path.suffix == ".json":
        return list(json.loads(text))
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def jsonl_bytes(rows: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


def write_parquet(rows: list[dict[str, Any]], path: Path, **options: Any) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path, **options)
    return path


def write_feather(rows: list[dict[str, Any]], path: Path) -> Path:
    feather.write_feather(pa.Table.from_pylist(rows), path)
    return path


def write_arrow_stream(rows: list[dict[str, Any]], path: Path) -> Path:
    """The Arrow IPC stream format, as Hugging Face's cache files hold (`.arrow`)."""
    table = pa.Table.from_pylist(rows)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=2)
    return path


def write_gzip(rows: list[dict[str, Any]], path: Path) -> Path:
    path.write_bytes(gzip.compress(jsonl_bytes(rows), mtime=0))
    return path


def write_zstd(rows: list[dict[str, Any]], path: Path) -> Path:
    path.write_bytes(zstandard.ZstdCompressor(write_checksum=True).compress(jsonl_bytes(rows)))
    return path


WRITERS = {
    "parquet": (write_parquet, ".parquet", "parquet"),
    "feather": (write_feather, ".feather", "arrow"),
    "arrow stream": (write_arrow_stream, ".arrow", "arrow"),
    "jsonl.gz": (write_gzip, ".jsonl.gz", "jsonl"),
    "jsonl.zst": (write_zstd, ".jsonl.zst", "jsonl"),
}


def csv_rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.strip().splitlines()]


def counted(rows: list[list[str]]) -> list[list[str]]:
    """Each row without its path and format: what must not change with the file's format."""
    return [row[2:] for row in rows[1:]]


# --- the same rows as the JSON Lines -----------------------------------------------------------

@pytest.mark.usefixtures("on_current_table")
@pytest.mark.parametrize("written", list(WRITERS))
@pytest.mark.parametrize(("fixture", "expected"), [
    (STOPPED, [["gpt-4o", "3", "6", "57", "exact", "", "0.0001425"],
               ["claude-sonnet-4-5", "3", "6", "56", "estimate", "10.7", "0.000168"]]),
    (SHAREGPT, [["gpt-4o", "4", "7", "373", "exact", "", "0.0009325"],
                ["claude-sonnet-4-5", "4", "7", "395", "estimate", "10.7", "0.001185"]]),
])
def test_a_table_or_compressed_file_counts_as_the_jsonl_it_came_from(
        cli: Run, tmp_path: Path, written: str, fixture: Path, expected: list[list[str]]
) -> None:
    write, suffix, fmt = WRITERS[written]
    rows = records(fixture)
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(jsonl_bytes(rows))
    other = write(rows, tmp_path / f"data{suffix}")
    result = cli("count", str(plain), str(other), "-m", "gpt-4o", "-m", "claude-sonnet-4-5",
                 "--format", "csv")
    assert result.status == 0, result.err
    table = csv_rows(result.out)
    assert [row[:2] for row in table[1:]] == [
        [str(plain), "jsonl"], [str(plain), "jsonl"], [str(other), fmt], [str(other), fmt]]
    assert counted(table) == expected + expected
    assert "tokcost: error" not in result.err


@pytest.mark.parametrize("written", list(WRITERS))
def test_texts_of_a_table_or_compressed_file_count_as_the_jsonl(cli: Run, tmp_path: Path,
                                                                 written: str) -> None:
    write, suffix, _ = WRITERS[written]
    other = write(records(ARTICLES), tmp_path / f"articles{suffix}")
    result = cli("count", str(ARTICLES), str(other), "-m", "gpt-4o", "-m",
                 "text-embedding-3-small", "--format", "csv")
    assert result.status == 0, result.err
    expected = [["gpt-4o", "", "", "2289", "exact", "", "0.0057225"],
                ["text-embedding-3-small", "", "", "2291", "exact", "", "0.00004582"]]
    assert counted(csv_rows(result.out)) == expected + expected


@pytest.mark.usefixtures("on_current_table")
@pytest.mark.parametrize("written", ["parquet", "feather", "jsonl.zst"])
def test_project_from_a_table_or_compressed_file(cli: Run, tmp_path: Path, written: str
                                                 ) -> None:
    write, suffix, _ = WRITERS[written]
    other = write(records(STOPPED), tmp_path / f"chats{suffix}")
    args = ("--rpd", "1000", "-m", "gpt-4o", "-m", "claude-sonnet-4-5", "--format", "csv")
    plain = cli("project", "--from", str(STOPPED), *args)
    result = cli("project", "--from", str(other), *args)
    assert (result.status, result.out) == (0, plain.out)
    assert csv_rows(result.out)[1][:5] == ["gpt-4o", "openai", "1000", "14", "2"]
    assert result.err == plain.err.replace(str(STOPPED), str(other))


@pytest.mark.parametrize("written", ["parquet", "feather", "jsonl.gz"])
def test_simulate_from_a_table_or_compressed_file(cli: Run, tmp_path: Path, written: str
                                                  ) -> None:
    write, suffix, _ = WRITERS[written]
    conversation = json.loads((COUNT / "sharegpt_four_turns.json").read_text())
    other = write([conversation], tmp_path / f"chat{suffix}")
    args = ("-m", "gpt-4o", "--format", "csv")
    plain = cli("simulate", "--from", str(COUNT / "sharegpt_four_turns.json"), *args)
    result = cli("simulate", "--from", str(other), *args)
    assert (result.status, result.out) == (0, plain.out)
    assert csv_rows(result.out)[1][:6] == ["1", "turn", "140", "0", "0", "162"]


def test_null_fields_of_a_struct_are_absent_keys(cli: Run, tmp_path: Path) -> None:
    # Arrow gives every message every field of the column's type: `name` is null where the
    # JSON had none, and must count as if absent.
    chats = [{"messages": [{"role": "user", "content": "Hi", "name": "ann"},
                           {"role": "assistant", "content": "Hello!"}]},
             {"messages": [{"role": "user", "content": "Hello there"}]}]
    plain = tmp_path / "chats.jsonl"
    plain.write_bytes(jsonl_bytes(chats))
    table = write_parquet(chats, tmp_path / "chats.parquet")
    result = cli("count", str(plain), str(table), "-m", "gpt-4o", "--format", "csv")
    # 16 tokens and 9: the name costs its own token and one more, as in the JSON.
    assert counted(csv_rows(result.out)) == [
        ["gpt-4o", "2", "3", "25", "exact", "", "0.0000625"]] * 2


def test_the_library_counts_a_table(tmp_path: Path) -> None:
    table = write_parquet(records(STOPPED), tmp_path / "chats.parquet")
    result = tokcost.count_file(table, ["gpt-4o"])
    (row,) = result.counts
    assert (row.format, row.conversations, row.messages, row.tokens, row.accuracy) == (
        "parquet", 3, 6, 57, "exact")
    assert result.notes == ["counted the `messages` column of each table (chat messages); "
                            "--column NAME counts another"]


# --- choosing the column ------------------------------------------------------------------------

def mixed_table(tmp_path: Path) -> Path:
    """A table with a chat column, a text column and a prompt column."""
    return write_parquet([
        {"id": 1, "prompt": "What is the capital of France?", "text": "Paris is the capital.",
         "chosen": [{"role": "user", "content": "Capital of France?"},
                    {"role": "assistant", "content": "Paris."}]},
        {"id": 2, "prompt": "And of Spain?", "text": "Madrid.",
         "chosen": [{"role": "user", "content": "And of Spain?"},
                    {"role": "assistant", "content": "Madrid."}]},
    ], tmp_path / "mixed.parquet")


def test_the_column_is_detected_in_a_documented_order(cli: Run, tmp_path: Path) -> None:
    table = mixed_table(tmp_path)  # no messages or conversations: `text` comes before `prompt`
    result = cli("count", str(table), "-m", "gpt-4o", "--format", "csv")
    assert counted(csv_rows(result.out)) == [["gpt-4o", "", "", "7", "exact", "", "0.0000175"]]
    assert result.err == ("tokcost: note: counted the `text` column of each table (a text a "
                          "row); --column NAME counts another\n")


def test_column_chooses_another(cli: Run, tmp_path: Path) -> None:
    table = mixed_table(tmp_path)
    prompts = cli("count", str(table), "--column", "prompt", "-m", "gpt-4o", "--format", "csv")
    assert counted(csv_rows(prompts.out)) == [["gpt-4o", "", "", "11", "exact", "", "0.0000275"]]
    assert prompts.err == ""  # the column chosen is the user's: no note
    chats = cli("count", str(table), "--column", "chosen", "-m", "gpt-4o", "--format", "csv")
    assert counted(csv_rows(chats.out)) == [["gpt-4o", "2", "4", "34", "exact", "", "0.000085"]]
    projected = cli("project", "--from", str(table), "--column", "chosen", "--rpd", "10",
                    "-m", "gpt-4o", "--format", "csv")
    assert projected.status == 0, projected.err
    # Each chat is one request: its user message (8 tokens) and the reply priming (3) in,
    # the assistant's reply ("Paris.", "Madrid.": 2 tokens each) out.
    assert csv_rows(projected.out)[1][:5] == ["gpt-4o", "openai", "10", "11", "2"]


def test_a_table_with_no_usable_column(cli: Run, tmp_path: Path) -> None:
    table = write_parquet([{"id": 1, "score": 0.5, "body": "some words"}], tmp_path / "t.parquet")
    result = cli("count", str(table), str(STOPPED), "-m", "gpt-4o", "--format", "csv")
    assert result.status == 1
    assert result.err == (
        f"tokcost: error: {table}: no column to count (looked for messages, conversations, "
        "text, prompt, content, input, question, document); its columns are id (int64), score "
        "(double), body (string); choose one with --column NAME\n")
    assert [row[0] for row in csv_rows(result.out)[1:]] == [str(STOPPED)]  # still counted
    fixed = cli("count", str(table), "--column", "body", "-m", "gpt-4o", "--format", "csv")
    assert counted(csv_rows(fixed.out)) == [["gpt-4o", "", "", "2", "exact", "", "0.000005"]]


def test_a_column_that_is_missing_or_of_no_use(cli: Run, tmp_path: Path) -> None:
    table = write_parquet([{"id": 1, "text": "words"}], tmp_path / "t.parquet")
    missing = cli("count", str(table), "--column", "prompt")
    assert (missing.status, missing.err) == (1, (
        f"tokcost: error: {table}: has no column `prompt`; its columns are id (int64), "
        "text (string)\n"))
    useless = cli("count", str(table), "--column", "id")
    assert (useless.status, useless.err) == (1, (
        f"tokcost: error: {table}: column `id` is int64; --column takes a string column (a text "
        "a row), a list of {role, content} messages or a list of ShareGPT {from, value} "
        "turns\n"))
    for args in (("project", "--rpd", "1", "--from", str(table)),
                 ("simulate", "--from", str(table))):
        result = cli(*args, "--column", "prompt", "-m", "gpt-4o")
        assert (result.status, result.err) == (1, missing.err), args


def test_column_needs_a_table(cli: Run) -> None:
    result = cli("count", str(STOPPED), "--column", "text")
    assert (result.status, result.err) == (1, (
        f"tokcost: error: {STOPPED}: --column chooses a column of a Parquet or Arrow table, and "
        "this is not one; count it without --column\n"))
    for args in (("project", "--rpd", "1", "-m", "gpt-4o"), ("simulate", "-m", "gpt-4o")):
        alone = cli(*args, "--column", "text")
        assert (alone.status, alone.err) == (
            2, "tokcost: error: --column chooses the column of a --from table: give --from\n")


def test_input_format_of_a_table(cli: Run, tmp_path: Path) -> None:
    table = write_parquet(records(SHAREGPT), tmp_path / "excerpt.parquet")
    forced = cli("count", str(table), "--input-format", "sharegpt", "-m", "gpt-4o", "--format",
                 "csv")
    assert counted(csv_rows(forced.out)) == [["gpt-4o", "4", "7", "373", "exact", "",
                                              "0.0009325"]]
    refused = cli("count", str(table), "--input-format", "text")
    assert (refused.status, refused.err) == (1, (
        f"tokcost: error: {table}: --input-format text does not apply to a table: its column's "
        "shape decides (choose the column with --column)\n"))


def test_from_reads_conversations_not_texts(cli: Run, tmp_path: Path) -> None:
    table = write_parquet(records(ARTICLES), tmp_path / "articles.parquet")
    result = cli("project", "--rpd", "1", "--from", str(table), "-m", "gpt-4o")
    assert (result.status, result.err) == (1, (
        f"tokcost: error: {table}: the `text` column holds texts, not conversations; --from "
        "reads conversations (a `messages` or `conversations` column: choose one with "
        "--column)\n"))


# --- bad rows, damaged files, missing extras ---------------------------------------------------

def test_bad_rows_are_problems_and_the_rest_are_counted(cli: Run, tmp_path: Path) -> None:
    good = [{"role": "user", "content": "What is the capital of France?"},
            {"role": "assistant", "content": "Paris."}]
    table = pa.table({"messages": [good, None, [{"role": "robot", "content": "beep"}], [], good]})
    path = tmp_path / "chats.parquet"
    pq.write_table(table, path)
    result = cli("count", str(path), "-m", "gpt-4o", "--format", "csv")
    assert result.status == 1
    assert counted(csv_rows(result.out)) == [["gpt-4o", "2", "4", "40", "exact", "", "0.0001"]]
    assert result.err.splitlines()[1:] == [  # (after the note on the column)
        f"tokcost: error: {path}: row 1: messages: null, not a list of messages",
        f"tokcost: error: {path}: row 2: messages[0].role: unknown role 'robot' (expected one "
        "of system, developer, user, assistant, tool, function)",
        f"tokcost: error: {path}: row 3: messages: no messages to count",
        f"tokcost: note: {path}: skipped 3 bad rows",
    ]


def test_a_null_text_is_a_problem(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "texts.feather"
    feather.write_feather(pa.table({"text": ["one text", None, "two texts"]}), path)
    result = cli("count", str(path), "-m", "gpt-4o", "--format", "csv", "--skip-bad-lines")
    assert result.status == 0
    assert counted(csv_rows(result.out)) == [["gpt-4o", "", "", "4", "exact", "", "0.00001"]]
    assert f"tokcost: warning: skipped {path}: row 1: text: null, not a text" in result.err


def multi_group_table(tmp_path: Path, rows: int = 4000, group: int = 1000) -> Path:
    """Texts in row groups of ``group`` rows, in Parquet pages with checksums; each text
    ("Text 0042: lorem ipsum dolor.") is 9 tokens for gpt-4o."""
    texts = [f"Text {index:04d}: lorem ipsum dolor." for index in range(rows)]
    path = tmp_path / "groups.parquet"
    pq.write_table(pa.table({"id": list(range(rows)), "text": texts}), path,
                   row_group_size=group, use_dictionary=False, compression="snappy",
                   write_page_checksum=True)
    return path


def test_a_corrupt_row_group_is_one_error_and_the_others_count(cli: Run, tmp_path: Path
                                                                 ) -> None:
    path = multi_group_table(tmp_path)
    whole = cli("count", str(path), "-m", "gpt-4o", "--format", "csv")
    assert counted(csv_rows(whole.out)) == [["gpt-4o", "", "", "36000", "exact", "", "0.09"]]
    chunk = pq.ParquetFile(path).metadata.row_group(1).column(1)  # the text of rows 1000-1999
    damaged = bytearray(path.read_bytes())
    middle = chunk.data_page_offset + chunk.total_compressed_size // 2
    damaged[middle:middle + 32] = b"\xaa" * 32
    path.write_bytes(bytes(damaged))
    result = cli("count", str(path), str(STOPPED), "-m", "gpt-4o", "--format", "csv")
    assert result.status == 1
    assert counted(csv_rows(result.out)) == [
        ["gpt-4o", "", "", "27000", "exact", "", "0.0675"],  # three row groups of four
        ["gpt-4o", "3", "6", "57", "exact", "", "0.0001425"]]
    errors = [line for line in result.err.splitlines() if "error" in line]
    assert errors == [
        f"tokcost: error: {path}: row group 1 (rows 1,000 to 1,999): cannot be read (could not "
        "verify page integrity, CRC checksum verification failed for page_ordinal 0); its rows "
        "are not counted, the other row groups are"]


def test_a_file_that_is_not_parquet(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "fake.parquet"
    path.write_bytes(b"PAR1 and then nothing of the kind")
    result = cli("count", str(path))
    assert (result.status, result.err) == (1, (
        f"tokcost: error: {path}: not a readable Parquet file (Parquet magic bytes not found in "
        "footer. Either the file is corrupted or this is not a parquet file.)\n"))
    arrow = tmp_path / "fake.arrow"
    arrow.write_bytes(b"not arrow at all")
    result = cli("count", str(arrow))
    assert result.status == 1
    assert result.err.startswith(f"tokcost: error: {arrow}: not a readable Arrow IPC or Feather "
                                 "file (")


def test_a_table_with_no_rows(cli: Run, tmp_path: Path) -> None:
    empty = pa.table({"text": pa.array([], pa.string())})
    for path in (tmp_path / "empty.parquet", tmp_path / "empty.feather"):
        (pq.write_table if path.suffix == ".parquet" else feather.write_feather)(empty, path)
        result = cli("count", str(path))
        assert (result.status, result.err) == (
            1, f"tokcost: error: {path}: the table has no rows; there is nothing to count\n")


def test_a_table_from_standard_input_is_refused(cli: Run, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    data = write_parquet(records(STOPPED), tmp_path / "t.parquet").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    result = cli("count", "-")
    assert (result.status, result.err) == (1, (
        "tokcost: error: <stdin>: a Parquet or Arrow table is read from its file, not from "
        "standard input: give its path\n"))


def cut_prefix(compressed: bytes, codec: str) -> bytes:
    """What a decompressor gives of a cut-off stream: the text before the cut."""
    if codec == "gzip":
        return zlib.decompressobj(wbits=31).decompress(compressed)
    return zstandard.ZstdDecompressor().decompressobj().decompress(compressed)


@pytest.mark.parametrize(("codec", "suffix"), [("gzip", ".jsonl.gz"), ("zstd", ".jsonl.zst")])
def test_a_cut_off_stream_is_one_error_and_the_lines_before_it_count(
        cli: Run, tmp_path: Path, codec: str, suffix: str) -> None:
    line = {"messages": [{"role": "user", "content": "What is the capital of France?"}]}
    data = jsonl_bytes([line] * 20000)  # 14 tokens a line for gpt-4o
    whole = gzip.compress(data, mtime=0) if codec == "gzip" else \
        zstandard.ZstdCompressor().compress(data)
    path = tmp_path / f"cut{suffix}"
    path.write_bytes(whole[:len(whole) // 2])
    before = cut_prefix(path.read_bytes(), codec).count(b"\n")  # lines whole before the cut
    assert 100 < before < 20000
    result = cli("count", str(path), str(STOPPED), "-m", "gpt-4o", "--format", "csv")
    assert result.status == 1
    assert counted(csv_rows(result.out))[0][:4] == ["gpt-4o", f"{before}", f"{before}",
                                                    f"{14 * before}"]
    assert result.err == (
        f"tokcost: error: {path}:{before + 1}: the {codec} stream is cut off (the file ends "
        "before the stream does; is the copy complete?); the lines before it are counted\n")


def test_a_cut_off_json_document(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "excerpt.json.gz"
    whole = gzip.compress(SHAREGPT.read_bytes(), mtime=0)
    path.write_bytes(whole[:300])
    before = len(cut_prefix(path.read_bytes(), "gzip"))
    result = cli("count", str(path), str(STOPPED), "--format", "csv")
    assert result.status == 1
    # A list is read a record at a time: the one the stream stops in is a bad record, and the
    # stream's damage is said after it (here no record before it was whole).
    assert result.err == (
        f"tokcost: error: {path}:2: [0]: not valid JSON: the file ends inside this record (cut "
        "off; is the copy complete?)\n"
        f"tokcost: error: {path}: the gzip stream is cut off (the file ends before the stream "
        f"does; is the copy complete?), after {before:,} bytes; the records of the list before "
        f"it are counted\ntokcost: note: {path}: skipped 1 bad record\n")
    assert [row[0] for row in csv_rows(result.out)[1:]] == [str(STOPPED)]


def test_corrupt_zstd_data(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl.zst"
    data = zstandard.ZstdCompressor().compress(STOPPED.read_bytes())
    path.write_bytes(data[:12] + b"\xff" * 8 + data[20:])
    result = cli("count", str(path))
    assert result.status == 1
    assert result.err.startswith(f"tokcost: error: {path}:1: corrupt zstd data (zstd "
                                 "decompressor error: Data corruption detected)")
    assert result.err.endswith("; nothing before it could be read\n")
    assert len(result.err.splitlines()) == 1


def test_the_codec_is_told_by_content_not_name(cli: Run, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    plain_named_gz = tmp_path / "plain.jsonl.gz"
    plain_named_gz.write_bytes(STOPPED.read_bytes())
    gzip_named_plain = tmp_path / "packed.jsonl"
    gzip_named_plain.write_bytes(gzip.compress(STOPPED.read_bytes()))
    result = cli("count", str(plain_named_gz), str(gzip_named_plain), "-m", "gpt-4o",
                 "--format", "csv")
    assert counted(csv_rows(result.out)) == [["gpt-4o", "3", "6", "57", "exact", "",
                                              "0.0001425"]] * 2
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(
        zstandard.ZstdCompressor().compress(STOPPED.read_bytes()))))
    piped = cli("count", "-m", "gpt-4o", "--format", "csv")
    assert csv_rows(piped.out)[1] == ["<stdin>", "jsonl", "gpt-4o", "3", "6", "57", "exact", "",
                                      "0.0001425"]


def test_missing_extras_are_one_line_each(cli: Run, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    table = write_parquet(records(STOPPED), tmp_path / "chats.parquet")
    arrow = write_feather(records(STOPPED), tmp_path / "chats.feather")
    packed = write_zstd(records(STOPPED), tmp_path / "chats.jsonl.zst")
    gzipped = write_gzip(records(STOPPED), tmp_path / "chats.jsonl.gz")  # gzip needs nothing
    for module in ("pyarrow", "pyarrow.parquet", "pyarrow.ipc", "zstandard"):
        monkeypatch.setitem(sys.modules, module, None)  # as if not installed: import fails
    result = cli("count", str(table), str(arrow), str(packed), str(gzipped), "-m", "gpt-4o",
                 "--format", "csv")
    assert result.status == 1
    assert result.err == (
        f"tokcost: error: {table}: reading Parquet needs pyarrow: {INSTALL}\n"
        f"tokcost: error: {arrow}: reading Arrow needs pyarrow: {INSTALL}\n"
        f"tokcost: error: {packed}: reading zstd needs zstandard: {INSTALL}\n")
    assert [row[0] for row in csv_rows(result.out)[1:]] == [str(gzipped)]


# --- folders, and workers -----------------------------------------------------------------------

def test_folders_pick_up_tables_and_compressed_files(cli: Run, tmp_path: Path) -> None:
    rows = records(STOPPED)
    write_parquet(rows, tmp_path / "a.parquet")
    write_gzip(rows, tmp_path / "b.jsonl.gz")
    (tmp_path / "c.txt.zst").write_bytes(zstandard.ZstdCompressor().compress(b"Hello there\n"))
    write_feather(rows, tmp_path / "d.feather")
    (tmp_path / "e.tar.gz").write_bytes(gzip.compress(b"not counted"))
    (tmp_path / "f.gz").write_bytes(gzip.compress(b"not counted: no format in the name"))
    result = cli("count", str(tmp_path), "-m", "gpt-4o", "--format", "csv")
    assert result.status == 0, result.err
    assert [row[:2] for row in csv_rows(result.out)[1:]] == [
        [str(tmp_path / "a.parquet"), "parquet"], [str(tmp_path / "b.jsonl.gz"), "jsonl"],
        [str(tmp_path / "c.txt.zst"), "text"], [str(tmp_path / "d.feather"), "arrow"]]
    pattern = cli("count", str(tmp_path / "*.gz"), "--format", "csv")
    assert [row[0] for row in csv_rows(pattern.out)[1:]] == [
        str(tmp_path / "b.jsonl.gz"), str(tmp_path / "e.tar.gz"), str(tmp_path / "f.gz")]
    # (a pattern names its files itself: what they hold decides how they are read)


def test_workers_give_the_same_output_as_one_process(cli: Run, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = multi_group_table(tmp_path, rows=3000, group=500)
    damaged = bytearray(path.read_bytes())
    chunk = pq.ParquetFile(path).metadata.row_group(3).column(1)
    middle = chunk.data_page_offset + chunk.total_compressed_size // 2
    damaged[middle:middle + 32] = b"\xaa" * 32
    path.write_bytes(bytes(damaged))
    monkeypatch.setattr(sources, "BATCH_BYTES", 4096)  # several pieces a row group
    monkeypatch.setattr(count_files, "PARALLEL_MIN_BYTES", 1)
    pieces = list(sources.open_source(sources.Source(str(path), path)).batches())
    assert len(pieces) > 10
    args = ("count", str(path), "-m", "gpt-4o", "--per-message",
            "--format", "csv")
    one = cli(*args, "--jobs", "1")
    two = cli(*args, "--jobs", "2")
    assert (two.status, two.out, two.err) == (one.status, one.out, one.err)
    assert one.status == 1 and "row group 3 (rows 1,500 to 1,999)" in one.err
    per_row = csv_rows(one.out)[1:]
    assert len(per_row) == 2500  # the other five row groups' rows, one line each
    assert [row[1] for row in per_row[:3]] == ["1", "2", "3"]


def test_usage_reads_a_compressed_log(cli: Run, tmp_path: Path) -> None:
    log = DATA / "usage" / "openai-chat.jsonl"
    packed = tmp_path / "openai-chat.jsonl.gz"
    packed.write_bytes(gzip.compress(log.read_bytes(), mtime=0))
    plain = cli("usage", str(log), "--format", "csv")
    result = cli("usage", str(packed), "--format", "csv")
    assert (result.status, result.out, result.err) == (0, plain.out, plain.err)
    assert csv_rows(result.out)[1][:3] == ["gpt-4o", "2", "2600"]


def test_the_example_table_holds_the_example_chats() -> None:
    # README's examples/support-tickets.parquet: the chats of examples/requests.jsonl in
    # OpenAI's or Anthropic's shape (a system prompt as the first message), an id and the last
    # question asked.
    examples = Path(__file__).parent.parent / "examples"
    expected = []
    for line in (examples / "requests.jsonl").read_text().splitlines():
        request = json.loads(line).get("request") or {}
        if "messages" not in request:
            continue
        messages = request["messages"]
        if isinstance(request.get("system"), str):
            messages = [{"role": "system", "content": request["system"]}, *messages]
        question = [m["content"] for m in messages if m["role"] == "user"][-1]
        expected.append({"id": len(expected) + 1, "question": question, "messages": messages})
    assert pq.read_table(examples / "support-tickets.parquet").to_pylist() == expected
    assert len(expected) == 6


def test_workers_count_a_compressed_file_as_one_process(cli: Run, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    rows = records(SHAREGPT) * 50  # 200 conversations, and a line that is no conversation
    path = tmp_path / "many.jsonl.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(
        jsonl_bytes(rows[:120]) + b'{"no": "conversation"}\n' + jsonl_bytes(rows[120:])))
    monkeypatch.setattr(sources, "BATCH_BYTES", 4096)
    monkeypatch.setattr(count_files, "PARALLEL_MIN_BYTES", 1)
    one = cli("count", str(path), "-m", "gpt-4o", "--format", "csv", "--jobs", "1")
    two = cli("count", str(path), "-m", "gpt-4o", "--format", "csv", "--jobs", "2")
    assert (two.status, two.out, two.err) == (one.status, one.out, one.err)
    assert counted(csv_rows(one.out)) == [["gpt-4o", "200", "350", "18650", "exact", "",
                                           "0.046625"]]  # 50 times the excerpt's 373 tokens
    assert one.err == (f"tokcost: error: {path}:121: an object with neither `messages` nor "
                       "`conversations` (nor Gemini's `contents`); not a conversation\n"
                       f"tokcost: note: {path}: skipped 1 bad line\n")

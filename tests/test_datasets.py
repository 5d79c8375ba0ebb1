"""Whole datasets: gzip- and zstd-compressed files.

Every compressed file here is written at test time from a fixture, and must count as the JSON
Lines it came from: the same conversations, messages, tokens and costs.
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

import pytest
import zstandard

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


def write_gzip(rows: list[dict[str, Any]], path: Path) -> Path:
    path.write_bytes(gzip.compress(jsonl_bytes(rows), mtime=0))
    return path


def write_zstd(rows: list[dict[str, Any]], path: Path) -> Path:
    path.write_bytes(zstandard.ZstdCompressor(write_checksum=True).compress(jsonl_bytes(rows)))
    return path


WRITERS = {
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
@pytest.mark.parametrize("written", ["jsonl.gz", "jsonl.zst"])
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


@pytest.mark.parametrize("written", ["jsonl.gz", "jsonl.zst"])
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


# --- choosing the column ------------------------------------------------------------------------


# --- bad rows, damaged files, missing extras ---------------------------------------------------


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
    assert result.err == (
        f"tokcost: error: {path}: the gzip stream is cut off (the file ends before the stream "
        f"does; is the copy complete?), after {before:,} bytes; a JSON document is read whole, "
        "so none of it is counted\n")
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


# --- folders, and workers -----------------------------------------------------------------------

    # (a pattern names its files itself: what they hold decides how they are read)




def test_missing_zstandard_is_one_line(cli: Run, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    packed = write_zstd(records(STOPPED), tmp_path / "chats.jsonl.zst")
    gzipped = write_gzip(records(STOPPED), tmp_path / "chats.jsonl.gz")  # gzip needs nothing
    monkeypatch.setitem(sys.modules, "zstandard", None)  # as if not installed: import fails
    result = cli("count", str(packed), str(gzipped), "-m", "gpt-4o", "--format", "csv")
    assert result.status == 1
    assert result.err == f"tokcost: error: {packed}: reading zstd needs zstandard: {INSTALL}\n"
    assert [row[0] for row in csv_rows(result.out)[1:]] == [str(gzipped)]


def test_folders_pick_up_compressed_files(cli: Run, tmp_path: Path) -> None:
    rows = records(STOPPED)
    write_gzip(rows, tmp_path / "b.jsonl.gz")
    (tmp_path / "c.txt.zst").write_bytes(zstandard.ZstdCompressor().compress(b"Hello there\n"))
    (tmp_path / "e.tar.gz").write_bytes(gzip.compress(b"not counted"))
    (tmp_path / "f.gz").write_bytes(gzip.compress(b"not counted: no format in the name"))
    result = cli("count", str(tmp_path), "-m", "gpt-4o", "--format", "csv")
    assert result.status == 0, result.err
    assert [row[:2] for row in csv_rows(result.out)[1:]] == [
        [str(tmp_path / "b.jsonl.gz"), "jsonl"], [str(tmp_path / "c.txt.zst"), "text"]]
    pattern = cli("count", str(tmp_path / "*.gz"), "--format", "csv")
    assert [row[0] for row in csv_rows(pattern.out)[1:]] == [
        str(tmp_path / "b.jsonl.gz"), str(tmp_path / "e.tar.gz"), str(tmp_path / "f.gz")]
    # (a pattern names its files itself: what they hold decides how they are read)


def test_usage_reads_a_compressed_log(cli: Run, tmp_path: Path) -> None:
    log = DATA / "usage" / "openai-chat.jsonl"
    packed = tmp_path / "openai-chat.jsonl.gz"
    packed.write_bytes(gzip.compress(log.read_bytes(), mtime=0))
    plain = cli("usage", str(log), "--format", "csv")
    result = cli("usage", str(packed), "--format", "csv")
    assert (result.status, result.out, result.err) == (0, plain.out, plain.err)
    assert csv_rows(result.out)[1][:3] == ["gpt-4o", "2", "2600"]

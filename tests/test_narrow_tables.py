"""Tables fitted to an 80-column terminal: every command's default table, at COLUMNS=80."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
COUNT = Path(__file__).parent / "data" / "count"


def cells(line: str) -> int:
    """The terminal cells of a line: two for an East Asian wide or fullwidth character, none
    for a mark (a combining accent, an emoji's variation selector) or a format character (a
    zero-width joiner), one for any other character (what a terminal shows)."""
    return sum(0 if unicodedata.category(char) in ("Mn", "Me", "Cf") else
               2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


def calibration_log(tmp_path: Path) -> str:
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"request": {"model": "claude-sonnet-4-6", "messages": [
        {"role": "user", "content": "hello"}]}, "response": {"usage": {"input_tokens": 8}}})
        + "\n")
    return str(log)


COMMANDS = [
    ("count", str(COUNT / "cookbook_messages.json"), str(COUNT / "sharegpt_excerpt.json"),
     "-m", "gpt-4o", "-m", "claude-sonnet-4-6", "-m", "gemini-3.1-pro-preview"),
    ("count", str(COUNT / "sharegpt_excerpt.json"), "--per-message"),
    # Korean, Chinese, Japanese, emoji and combining accents: two cells or none a character.
    ("count", str(COUNT / "wide_chars.json"), "--per-message"),
    ("simulate", "--turns", "12", "-m", "gpt-4o"),
    # Requests that stop fitting: the chart's lines say so beside their bars.
    ("simulate", "--turns", "30", "--user-tokens", "3000", "--assistant-tokens", "2000"),
    ("simulate", "--turns", "3", "-m", "gpt-4o", "-m", "claude-sonnet-4-6", "--cache"),
    ("project", "--rpd", "5000"),
    ("project", "--rpd", "5000", "--from", str(COUNT / "sharegpt_excerpt.json")),
    ("project", "--rpd", "5000", "--turns", "8", "--cache"),
    ("models",),
    ("pricing", "show", "gemini-3.1-pro-preview"),
    ("pricing", "versions"),
    ("pricing", "diff", "2026-11-22", "2026-12-01"),
    ("calibrate", "LOG"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(args[:3]))
def test_no_table_is_wider_than_the_terminal(cli: Run, monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path, args: tuple[str, ...]) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    args = tuple(calibration_log(tmp_path) if arg == "LOG" else arg for arg in args)
    result = cli(*args, "-f", "table")
    assert result.status == 0, result.err
    wide = [line for line in result.out.splitlines() if cells(line) > 80]
    assert wide == []


def test_a_narrow_table_says_what_it_left_out_and_machine_formats_keep_it(
        cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    chat = str(Path(__file__).parent.parent / "examples" / "support-chat.json")
    table = cli("count", chat, "-m", "gpt-4o", "-m", "claude-sonnet-4-6", "-f", "table")
    assert table.out.splitlines()[2].split() == ["path", "model", "tokens", "accuracy", "input",
                                                 "cost"]
    assert ("tokcost: note: left out format, messages, conversations to fit 80 columns (a wider "
            "terminal, or -f csv, shows every column)") in table.err.splitlines()
    csv = cli("count", chat, "-m", "gpt-4o", "-f", "csv")
    assert csv.out.splitlines()[0] == ("path,format,model,conversations,messages,tokens,"
                                       "accuracy,error_p90_pct,input_cost_usd")
    # Wide enough, nothing is left out.
    monkeypatch.setenv("COLUMNS", "200")
    wide = cli("count", chat, "-m", "gpt-4o", "-f", "table")
    assert wide.out.splitlines()[2].split()[:4] == ["path", "format", "model", "conversations"]
    assert "left out" not in wide.err


def test_long_paths_are_shortened_in_the_middle(cli: Run, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    deep = tmp_path / ("a-rather-long-folder-name-" * 3) / "support-chat.json"
    deep.parent.mkdir()
    deep.write_text((Path(__file__).parent.parent / "examples" / "support-chat.json").read_text())
    monkeypatch.setenv("COLUMNS", "80")
    result = cli("count", str(deep), "-m", "gpt-4o", "-f", "table")
    row = result.out.splitlines()[4]
    assert len(row) <= 80 and "…" in row and "support-chat.json" in row


def test_previews_and_columns_are_measured_in_terminal_cells(cli: Run,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # wide enough for whole previews and accuracy
    result = cli("count", str(COUNT / "wide_chars.json"), "--per-message", "-f", "table")
    assert result.status == 0, result.err
    lines = result.out.splitlines()
    # Each preview is cut to 39 cells and an ellipsis: 19 Korean syllables and 1 space is 39.
    previews = [re.split(r" {2,}", line.strip())[-2] for line in lines[2:6]]
    assert previews == ["고등교육의 필요성에 관한 영어 에세이를 …",
                        "當然，我很樂意幫助你建立PowerPoint。以…",
                        "Cafe\u0301 au lait, s'il vous plai\u0302t, and a cr…",
                        "👍🎉 ご注文ありがとうございます。すぐに…"]
    # The Chinese one: 38 cells, the next character (two cells) would pass 39.
    assert [cells(preview) for preview in previews] == [40, 39, 40, 40]
    assert max(cells(line) for line in lines) <= 100
    monkeypatch.setenv("COLUMNS", "80")  # narrower: previews shortened, still by cells
    narrow = cli("count", str(COUNT / "wide_chars.json"), "--per-message", "-f", "table")
    assert max(cells(line) for line in narrow.out.splitlines()) == 80
    # Machine formats carry the same previews.
    csv_out = cli("count", str(COUNT / "wide_chars.json"), "--per-message", "-f", "csv").out
    assert "고등교육의 필요성에 관한 영어 에세이를 …" in csv_out


def test_a_cell_shows_control_characters_as_escapes(cli: Run, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # A file name with a line break and a terminal escape: one table line, nothing sent to
    # the terminal that moves its cursor or changes its colours.
    name = tmp_path / "two\nlines\x1b[31m.txt"
    name.write_text("hello world")
    monkeypatch.setenv("COLUMNS", "200")
    result = cli("count", str(name), "-m", "gpt-4o", "-f", "table")
    assert result.status == 0, result.err
    [row] = [line for line in result.out.splitlines() if "lines" in line]
    assert "two\\nlines\\x1b[31m.txt" in row
    assert "\x1b" not in result.out


def test_columns_after_wide_text_line_up(cli: Run, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    wide = tmp_path / "中文說明.txt"
    wide.write_text("hello world")
    narrow = tmp_path / "abcdefgh.txt"
    narrow.write_text("hello world")
    monkeypatch.setenv("COLUMNS", "200")
    result = cli("count", str(wide), str(narrow), "-m", "gpt-4o", "-f", "table")
    assert result.status == 0, result.err
    rows = [line for line in result.out.splitlines() if ".txt" in line]
    # Both names take 12 cells ("中文說明" is 8), so the columns after them start at the
    # same cell: the rows are as wide as each other on the screen.
    assert [cells(row) for row in rows] == [cells(rows[1])] * 2
    assert len(rows[0]) == len(rows[1]) - 4


def test_charts_fit_the_terminal(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = cli("simulate", "--turns", "30", "--user-tokens", "3000", "--assistant-tokens",
                 "2000", "-f", "table")
    chart = result.out.splitlines()[-32:]
    # The bars shrink from 40 cells to 34, making room for the marker on each line: 4 for
    # the turn, 9 for the tokens, 11 for the cost, 16 for "  no longer fits", 6 between.
    assert chart[0] == "turn  input tokens per request               tokens   cumulative"
    assert chart[30] == ("  30  " + "█" * 34 + "    148,743        $6.31  no longer fits")
    assert chart[31] == "      │ the 128,000-token context window"
    assert max(cells(line) for line in chart) == 80
    # usage --chart: labels of model and day, bars to fit 60 columns.
    monkeypatch.setenv("COLUMNS", "60")
    usage = cli("usage", str(Path(__file__).parent.parent / "examples" / "usage.jsonl"), "--by",
                "model", "--by", "day", "--chart", "-f", "table")
    assert usage.out.splitlines()[-3:-1] == [
        "    gpt-4o 2026-11-30  ███████████████████████████   $0.0137",
        "gpt-5-mini 2026-12-01  █████▉                       $0.00298"]

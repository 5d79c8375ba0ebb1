"""Tables fitted to an 80-column terminal: every command's default table, at COLUMNS=80."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
COUNT = Path(__file__).parent / "data" / "count"


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
    ("simulate", "--turns", "12", "-m", "gpt-4o"),
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
    wide = [line for line in result.out.splitlines() if len(line) > 80]
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

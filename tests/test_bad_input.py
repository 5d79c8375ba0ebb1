"""Every bad input gets one clear line and a non-zero exit; nothing good is lost.

Each case asserts the exit status, that stderr is short and names the file and the place, and
that stdout holds nothing half-made.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
COUNT = Path(__file__).parent / "data" / "count"
GOOD_MESSAGES = [{"role": "user", "content": "What is the capital of the moon?"}]
# Priced rows for a machine (CSV, TSV) say on stderr which table priced them.
PRICED_WITH = "tokcost: note: priced with price table "


def priced_with(table: str) -> str:
    return f"{PRICED_WITH}{table}\n"


def fails_cleanly(result: Result, *fragments: str, status: int = 1) -> None:
    assert result.status == status, result.err
    assert result.out == ""
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert 1 <= len(lines) <= 3, result.err
    for fragment in fragments:
        assert fragment in result.err, result.err


# --- files ---------------------------------------------------------------------------------------

def test_missing_file(cli: Run, tmp_path: Path) -> None:
    # The same words for every file a command reads (count, --from, --pricing, --system...).
    fails_cleanly(cli("count", str(tmp_path / "nope.json")), "nope.json", ": no such file")
    for args in (("simulate", "--from"), ("project", "--rpd", "1", "--from"), ("calibrate",),
                 ("simulate", "--system"), ("models", "--pricing")):
        missing = cli(*args, str(tmp_path / "nope.json"))
        assert (missing.status, missing.err) == (
            1, f"tokcost: error: {tmp_path / 'nope.json'}: no such file\n"), args


def test_directory_with_nothing_countable(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(b"\x89PNG")
    fails_cleanly(cli("count", str(tmp_path)), str(tmp_path),
                  "the directory holds no text, JSON or table files to count (.json, .jsonl, "
                  ".markdown, .md, .ndjson, .rst, .text, .txt, .arrow, .feather, .ipc, .parquet, "
                  ".pq; text and JSON compressed too: .gz, .zst)")


def test_unreadable_file(cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, whom file modes do not stop: refuse the open itself.
    locked = tmp_path / "locked.json"
    locked.write_text(json.dumps(GOOD_MESSAGES))
    real_open = Path.open

    def guarded(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded)
    fails_cleanly(cli("count", str(locked)), "locked.json", "permission denied")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "is empty"),
        (b"  \n\n", "is empty"),
        (b"\xef\xbb\xbf", "is empty"),
        (b"GIF89a\x00\x00\x01", "looks like a binary file"),
        (b"caf\xe9", "byte 3: not valid UTF-8"),
        ("[]".encode("utf-16"), "is UTF-16 text"),
        (b'[{"role": "user", "content": "hi"}', "not valid JSON"),
        (b"42", "a number, not a conversation"),
        (b'"just a string"', "a string, not a conversation"),
        (b'{"model": "gpt-4o"}', "neither `messages` nor `conversations`"),
        (b'{"messages": "hello"}', "messages must be a list"),
        (b'{"messages": [{"content": "hi"}]}', "messages[0]: a message without a `role`"),
        (b'{"messages": [{"role": "user"}]}', "messages[0]: a message without `content`"),
        (b'{"messages": [{"role": "user", "content": null}]}', "content is null"),
        (b'{"messages": [{"role": "wizard", "content": "hi"}]}', "unknown role 'wizard'"),
        (b'{"messages": [{"role": "user", "content": [{"type": "video", "url": "x"}]}]}',
         "content part type 'video' cannot be counted"),
        (b'{"conversations": [{"from": "narrator", "value": "x"}]}',
         "unknown speaker 'narrator'"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_bad_files(cli: Run, tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    fails_cleanly(cli("count", str(path), "-f", "csv"), str(path), fragment)


def one_clean_line(result: Result, line: str, status: int = 1) -> None:
    """The command failed with exactly this one line on stderr and nothing on stdout."""
    assert (result.status, result.err, result.out) == (status, line + "\n", "")


# --- files that must be small: price tables, system prompts, calibration files ----------------

@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("simulate", "--system", "/dev/zero"),
         "tokcost: error: /dev/zero: is a device, not a system prompt; give the path of a file"),
        (("models", "--pricing", "/dev/zero"),
         "tokcost: error: /dev/zero: is a device, not a price table; give the path of a file"),
        (("pricing", "diff", "/dev/urandom", "2025-03-01"),
         "tokcost: error: /dev/urandom: is a device, not a price table; give the path of a "
         "file"),
        (("models", "--calibration", "/dev/zero"),
         "tokcost: error: /dev/zero: is a device, not a calibration file; give the path of a "
         "file; check $TOKCOST_CALIBRATION or --calibration"),
        (("pricing", "check", "/dev/zero"),
         "tokcost: error: /dev/zero: is a device, not a price list; give the path of a file"),
        (("calibrate", "/dev/zero"),
         "tokcost: error: /dev/zero: is a device, not a log; give the path of a file"),
    ],
)
def test_devices_are_refused_before_reading(cli: Run, args: tuple[str, ...], line: str) -> None:
    one_clean_line(cli(*args), line)


def test_a_device_in_tokcost_pricing_is_refused(cli: Run, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    monkeypatch.setenv("TOKCOST_PRICING", "/dev/urandom")
    one_clean_line(cli("models"), "tokcost: error: /dev/urandom: is a device, not a price "
                                  "table; give the path of a file")


def endless_fifo(tmp_path: Path, chunk: bytes) -> Path:
    """A FIFO whose writer never stops (until the reader goes away), like `<(yes)`."""
    import os
    import threading

    fifo = tmp_path / "endless"
    os.mkfifo(fifo)

    def write() -> None:
        try:  # around the `with` too: closing flushes, and the reader may be gone by then
            with open(fifo, "wb") as out:
                while True:
                    out.write(chunk * 4096)
        except (BrokenPipeError, ValueError):
            pass

    threading.Thread(target=write, daemon=True).start()
    return fifo


@pytest.mark.parametrize(
    ("option", "chunk", "line"),
    [
        ("--pricing", b"x: 1\n", "is larger than 16 MiB, more than any price table needs; "
                                  "check that this is the right file"),
        ("--system", b"You are helpful. ", "is larger than 32 MiB, more than any system prompt "
                                           "needs; check that this is the right file"),
    ],
)
def test_an_endless_pipe_is_read_up_to_the_limit(cli: Run, tmp_path: Path, option: str,
                                                 chunk: bytes, line: str) -> None:
    fifo = endless_fifo(tmp_path, chunk)
    command = "models" if option == "--pricing" else "simulate"
    one_clean_line(cli(command, option, str(fifo)), f"tokcost: error: {fifo}: {line}")


@pytest.mark.parametrize(
    ("args", "kind"),
    [(("models", "--pricing"), "price table"), (("simulate", "--system"), "system prompt"),
     (("models", "--calibration"), "calibration file")],
)
def test_a_named_pipe_nothing_writes_to_is_an_error_not_a_hang(
        cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...],
        kind: str) -> None:
    import os
    import time

    import tokcost.files

    monkeypatch.setattr(tokcost.files, "PIPE_WAIT_SECONDS", 0.5)
    fifo = tmp_path / "silent"
    os.mkfifo(fifo)  # and no program writes to it: opening it plainly would wait for ever
    started = time.monotonic()
    result = cli(*args, str(fifo))
    assert time.monotonic() - started < 5
    line = (f"tokcost: error: {fifo}: is a named pipe that nothing wrote to in 0.5 s; start "
            f"the program that writes the {kind} to it first, or give the path of a file")
    if kind == "calibration file":
        line += "; check $TOKCOST_CALIBRATION or --calibration"
    one_clean_line(result, line)


def test_a_file_past_the_limit_is_refused_and_one_within_it_read(cli: Run, tmp_path: Path
                                                                 ) -> None:
    import os
    import threading

    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as out:  # sparse: 17 MiB that take no room on disk
        out.truncate(17 << 20)
    one_clean_line(cli("models", "--pricing", str(huge)),
                   f"tokcost: error: {huge}: is larger than 16 MiB, more than any price table "
                   "needs; check that this is the right file")
    fifo = tmp_path / "table"
    os.mkfifo(fifo)  # a pipe within the limit is read whole: `--pricing <(curl ...)` works
    table = (Path(__file__).parent.parent / "tokcost" / "price_tables" / "2025-03-01.yaml"
             ).read_bytes()
    threading.Thread(target=lambda: fifo.write_bytes(table), daemon=True).start()
    result = cli("models", "--pricing", str(fifo), "-f", "csv", "-p", "anthropic")
    assert result.status == 0, result.err
    assert [line.split(",")[0] for line in result.out.splitlines()[1:3]] == [
        "claude-3-7-sonnet", "claude-3-5-sonnet"]


@pytest.mark.parametrize(
    ("name", "lead", "content", "row"),
    [
        # 64 KiB were read to tell the format; whitespace past that was not looked beyond.
        ("spaces.txt", b" " * 70_000 + b"\n" * 1000, b"hello world\n",
         ",text,gpt-4o,,,614,exact,,0.001535"),
        ("lines.json", b"\n" * 100_000, b'[{"role": "user", "content": "hi"}]',
         ",openai,gpt-4o,1,1,8,exact,,0.00002"),
        ("crlf.jsonl", b"\r\n" * 50_000, b'[{"role": "user", "content": "hi"}]\n'
                                          b'[{"role": "user", "content": "hello"}]\n',
         ",jsonl,gpt-4o,2,2,16,exact,,0.00004"),
    ],
)
def test_much_leading_whitespace_is_not_empty(cli: Run, tmp_path: Path, name: str, lead: bytes,
                                              content: bytes, row: str) -> None:
    path = tmp_path / name
    path.write_bytes(lead + content)
    result = cli("count", str(path), "-f", "csv", "--pricing-version", "2026-11-22")
    assert (result.status, result.err) == (0, priced_with("2026-11-22"))
    assert result.out.splitlines()[1] == str(path) + row


def test_only_whitespace_however_much_is_empty(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_bytes(b" \t\n" * 100_000)
    one_clean_line(cli("count", str(path), "-f", "csv"),
                   f"tokcost: error: {path}: is empty; there is nothing to count")


def test_a_bad_line_after_much_whitespace_keeps_its_number(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "late.jsonl"
    path.write_bytes(b"\n" * 70_000 + b'[{"role": "user", "content": "hi"}]\n' + b"{bad\n")
    result = cli("count", str(path), "-f", "csv", "--pricing-version", "2026-11-22")
    assert result.status == 1
    assert result.err == (f"tokcost: error: {path}:70002:2: not valid JSON: Expecting property "
                          f"name enclosed in double quotes\ntokcost: note: {path}: skipped 1 "
                          "bad line\n" + priced_with("2026-11-22"))
    assert result.out.splitlines()[1] == f"{path},jsonl,gpt-4o,1,1,8,exact,,0.00002"


def test_truncated_like_the_sharegpt_file_on_pypi(cli: Run) -> None:
    # The list is cut off inside its third record: that record is bad, the two before count.
    path = COUNT / "sharegpt_truncated.json"
    result = cli("count", str(path), "-f", "csv", "--pricing-version", "2026-11-22")
    assert result.status == 1
    assert result.out.splitlines()[1] == f"{path},sharegpt,gpt-4o,2,4,178,exact,,0.000445"
    assert result.err == (
        f"tokcost: error: {path}:28: [2]: not valid JSON: the file ends inside this record (cut "
        f"off; is the copy complete?)\ntokcost: note: {path}: skipped 1 bad record\n"
        + priced_with("2026-11-22"))


def test_utf8_with_a_bom_counts_as_without(cli: Run, tmp_path: Path) -> None:
    plain, bom = tmp_path / "plain.json", tmp_path / "bom.json"
    plain.write_text(json.dumps(GOOD_MESSAGES))
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    out = cli("count", str(plain), str(bom), "-f", "csv").out.splitlines()
    assert out[1].split(",")[1:] == out[2].split(",")[1:]


def test_crlf_line_ends(cli: Run, tmp_path: Path) -> None:
    lines = tmp_path / "crlf.jsonl"
    lines.write_bytes(b"\r\n".join(json.dumps(GOOD_MESSAGES).encode() for _ in range(3)) + b"\r\n")
    result = cli("count", str(lines), "-f", "csv")
    assert result.status == 0, result.err
    assert result.out.splitlines()[1].split(",")[1:6] == ["jsonl", "gpt-4o", "3", "3", "45"]
    text = tmp_path / "crlf.txt"
    text.write_bytes(b"one line\r\nanother line\r\n")
    assert cli("count", str(text), "-f", "csv").status == 0


def test_a_50_mb_single_line(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "one-line.txt"
    path.write_text("the quick brown fox jumps over the lazy dog " * 1_200_000)  # 52.8 MB
    result = cli("count", str(path), "-f", "csv", "--jobs", "1")
    assert result.status == 0, result.err
    assert result.out.splitlines()[1].split(",")[5] == "10800001"


# --- JSON Lines and several files ---------------------------------------------------------------

def test_skip_bad_lines_counts_the_rest_and_succeeds(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(GOOD_MESSAGES) + "\n{oops\n" + json.dumps(GOOD_MESSAGES) + "\n")
    strict = cli("count", str(path), "-f", "csv")
    assert strict.status == 1
    assert strict.out.splitlines()[1].split(",")[3] == "2"
    assert strict.err.startswith(f"tokcost: error: {path}:2:")
    lenient = cli("count", str(path), "-f", "csv", "--skip-bad-lines")
    assert lenient.status == 0
    assert lenient.out == strict.out
    assert lenient.err.startswith(f"tokcost: warning: skipped {path}:2:")


def test_one_bad_file_among_good_ones(cli: Run, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD_MESSAGES))
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = cli("count", str(good), str(bad), str(good), "-f", "csv")
    assert result.status == 1
    # Named twice, the good file is still one file: counted once, and said so.
    assert [line.split(",")[0] for line in result.out.splitlines()[1:]] == [str(good)]
    assert result.err.splitlines() == [
        f"tokcost: note: {good}: reached 2 times; counted once",
        f"tokcost: error: {bad}:1:2: not valid JSON: Expecting property name enclosed in "
        "double quotes (the file may be cut off)", priced_with("2026-12-01").strip()]


# --- price tables ---------------------------------------------------------------------------

TABLE = (COUNT.parent / "costing.yaml").read_text()


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("schema_version: 1\neffective: [2026\n",
         (":3: YAML syntax error, column 1:", "(while parsing a flow sequence from line 2)")),
        (TABLE.replace("input: 1\n", "input: cheap\n", 1), ("model 'plain', field 'input'",)),
        (TABLE.replace("input: 1\n", "input: -1\n", 1), ("must not be negative",)),
        (TABLE.replace("input: 1\n", "input: 25000\n", 1), ("implausible",)),
        (TABLE.replace("    output: 2\n", "", 1), ("field 'output': is required",)),
        (TABLE.replace("  automatic:", "  plain:", 1), ("model 'plain'", "more than once")),
        (TABLE.replace("schema_version: 1", "schema_version: 9"), ("schema version 9",)),
        ("", ("the price table is empty",)),
    ],
)
def test_bad_price_tables(cli: Run, tmp_path: Path, text: str, fragments: tuple[str, ...]
                          ) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text(text)
    fails_cleanly(cli("models", "--pricing", str(path)), str(path), *fragments)


# --- numbers and options ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "args",
    [
        ("project", "--rpd", "-1"),
        ("project", "--rpd", "2.5"),
        ("project", "--rpd", "lots"),
        ("project", "--rpd", "5", "--input-tokens", "-3"),
        ("project", "--rpd", "5", "--cache-hit-rate", "1.01"),
        ("project", "--rpd", "5", "--cache-hit-rate", "-0.1"),
        ("project", "--rpd", "5", "--days-per-month", "40"),
        ("simulate", "--turns", "0"),
        ("simulate", "--turns", "-4"),
        ("simulate", "--turns", "1000000000"),
        ("simulate", "--turns", "3", "--user-tokens", "-1"),
        ("count", str(COUNT / "cookbook_messages.json"), "--jobs", "0"),
        ("count", str(COUNT / "cookbook_messages.json"), "--jobs", "100000"),
        # Not a number, no number at all, or one past any workload: refused as it is read.
        ("project", "--rpd", "5", "--days-per-month", "nan"),
        ("project", "--rpd", "5", "--cache-hit-rate", "nan"),
        ("project", "--rpd", "5", "--cache-hit-rate", "NaN"),
        ("project", "--rpd", "5", "--off-peak", "-inf"),
        ("project", "--rpd", "5", "--days-per-month", "inf"),
        ("project", "--rpd", str(10**30)),
        ("project", "--rpd", "5", "--input-tokens", str(10**30)),
        ("simulate", "--user-tokens", str(10**30)),
        ("simulate", "--user-tokens", "1e30"),
        ("simulate", "--strategy", "window", "--window", str(10**12)),
        ("simulate", "--max-output", str(10**20)),
        ("project", "--rpd", "1", "--currency", "EUR=1e400"),
    ],
)
def test_bad_numbers_are_usage_errors(cli: Run, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.status == 2 and result.out == ""
    [line] = result.err.splitlines()
    assert line.startswith("tokcost: error: Invalid value for ")
    assert line.endswith(f" (see `tokcost {args[0]} --help`)")


# Each command that shows amounts in a display currency, with the rest of a good command line.
CURRENCY_COMMANDS = [
    ("count", "examples/support-chat.json", "-m", "gpt-4o"),
    ("project", "--rpd", "1", "-m", "gpt-4o"),
    ("simulate", "-m", "gpt-4o", "--turns", "1", "--no-chart"),
    ("usage", "examples/usage.jsonl"),
]


@pytest.mark.parametrize("command", CURRENCY_COMMANDS, ids=lambda command: command[0])
@pytest.mark.parametrize("rate", ["1e-300", "0.0000009", "1e300", "1000000001", "0", "-0.86",
                                  "nan", "inf", "-inf", "", "abc"])
def test_a_currency_rate_out_of_bounds_is_a_usage_error(cli: Run, command: tuple[str, ...],
                                                         rate: str) -> None:
    result = cli(*command, "--currency", f"EUR={rate}", "-f", "csv")
    assert result.status == 2 and result.out == ""
    assert result.err == (
        "tokcost: error: Invalid value for --currency: CODE=RATE, how many of a currency one "
        "US dollar buys (EUR=0.86), a rate from 0.000001 to 1,000,000,000, not "
        f"'EUR={rate}' (see `tokcost {command[0]} --help`)\n")


@pytest.mark.parametrize("rate, cost", [("0.000001", "0.00000001"),
                                        ("1000000000", "10000000")])
def test_the_currency_rates_at_the_bounds_work(cli: Run, rate: str, cost: str) -> None:
    result = cli("project", "--rpd", "1", "-m", "gpt-4o", "--input-tokens", "2000",
                 "--output-tokens", "500", "--currency", f"XBT={rate}", "-f", "csv")
    assert result.status == 0, result.err
    # $0.01 a request at the rate given.
    assert result.out.splitlines()[1].split(",")[5] == cost


def test_huge_numbers_that_make_sense_work(cli: Run) -> None:
    result = cli("project", "--rpd", str(10**15), "-m", "gpt-4o", "--input-tokens", str(10**6),
                 "--output-tokens", "1", "-f", "json")
    assert result.status == 0, result.err
    [row] = json.loads(result.out)
    # 10^15 requests a day, each 10^6 tokens at $2.50 a million plus 1 at $10 a million.
    assert row["daily_cost_usd"] == 2_500_010_000_000_000
    assert row["fits"] is False


def test_the_largest_numbers_allowed_work(cli: Run) -> None:
    result = cli("project", "--rpd", str(10**15), "-m", "gpt-4o", "--input-tokens", str(10**9),
                 "--output-tokens", str(10**9), "--days-per-month", "31", "-f", "json")
    assert result.status == 0, result.err
    [row] = json.loads(result.out)
    # 10^9 tokens in at $2.50 and out at $10 a million: $12,500 a request (priced as given,
    # though no request that large fits).
    assert (row["cost_per_request_usd"], row["yearly_cost_usd"]) == (12_500, 4_562_500 * 10**15)
    result = cli("simulate", "--turns", "3", "--user-tokens", str(10**9), "-f", "csv")
    assert result.status == 0, result.err
    assert [line.split(",")[2] for line in result.out.splitlines()[1:]] == [
        "1000000511", "2000000869", "3000001227"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"cache_hit_rate": "nan"}, "--cache-hit-rate must be a number from 0 to 1, not 'nan'"),
        ({"cache_hit_rate": float("nan")},
         "--cache-hit-rate must be a number from 0 to 1, not nan"),
        ({"days_per_month": float("inf")},
         "--days-per-month must be a number more than 0 to 31, not inf"),
        ({"off_peak": "half"}, "--off-peak must be a number from 0 to 1, not 'half'"),
        ({"input_tokens": 10**30}, "--input-tokens must be a whole number from 0 to "
                                   "1,000,000,000, not 1000000000000000000000000000000"),
    ],
)
def test_the_library_refuses_the_same_numbers(current_table: Any, call: dict[str, Any],
                                              message: str) -> None:
    import tokcost

    with pytest.raises(tokcost.TokcostError) as caught:
        tokcost.project(5, models=["gpt-4o"], table=current_table, **call)
    assert str(caught.value) == message


def test_a_simulation_refuses_sizes_past_any_model(current_table: Any) -> None:
    import tokcost

    with pytest.raises(tokcost.TokcostError) as caught:
        tokcost.simulate("gpt-4o", 3, user_tokens=10**30, table=current_table)
    assert str(caught.value) == ("--user-tokens must be a whole number from 0 to "
                                 "1,000,000,000, not 1000000000000000000000000000000")


def test_every_number_option_has_a_finite_range() -> None:
    """The one place a value is checked as it is read: an int option has a ceiling, and a
    float option is a FiniteNumber (no NaN, no infinity)."""
    import click
    import typer.main

    from tokcost.cli import FiniteNumber, app

    def commands(group: click.Group, path: str) -> list[tuple[str, click.Command]]:
        found = []
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                found += commands(command, f"{path} {name}")
            else:
                found.append((f"{path} {name}", command))
        return found

    checked = []
    for path, command in commands(typer.main.get_command(app), "tokcost"):
        for param in command.params:
            if isinstance(param.type, (click.types.FloatParamType, click.FloatRange)):
                assert isinstance(param.type, FiniteNumber), (path, param.name)
            if isinstance(param.type, click.types.IntParamType):
                assert isinstance(param.type, click.IntRange), (path, param.name)
                assert param.type.max is not None, (path, param.name)
            if isinstance(param.type, (click.types.IntParamType, click.types.FloatParamType)):
                checked.append(f"{path} {param.opts[0]}")
    assert len(checked) == 27, checked  # with project --images and --window-days


def test_zero_requests_cost_nothing(cli: Run) -> None:
    [row] = json.loads(cli("project", "--rpd", "0", "-m", "gpt-4o", "-f", "json").out)
    assert row["monthly_cost_usd"] == 0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("project", "--rpd", "5", "--from", str(COUNT / "cookbook_messages.json"),
          "--input-tokens", "3"), "give one of --from and --input-tokens"),
        (("models", "--pricing-version", "2025-03-01", "--pricing", "x.yaml"), "not both"),
        (("simulate", "--window", "2"), "--window goes with --strategy window"),
    ],
)
def test_conflicting_options(cli: Run, args: tuple[str, ...], fragment: str) -> None:
    fails_cleanly(cli(*args), fragment, status=2)  # a usage error, as the README documents


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("simulate", "-m", "gpt-4o", "--cache-ttl", "1h"), "--cache-ttl goes with --cache"),
        (("project", "--rpd", "5", "-m", "gpt-4o", "--turns", "3", "--cache-ttl", "1h"),
         "--cache-ttl goes with --cache"),
        (("project", "--rpd", "5", "-m", "gpt-4o", "--cache-ttl", "5m"),
         "the simulation options (--system-tokens, --user-tokens, --assistant-tokens, "
         "--strategy, --cache, --cache-ttl...) go with --turns"),
    ],
)
def test_a_cache_lifetime_without_caching_is_a_usage_error(cli: Run, args: tuple[str, ...],
                                                           line: str) -> None:
    result = cli(*args)
    assert (result.status, result.out, result.err) == (2, "", f"tokcost: error: {line}\n")


# --- output ---------------------------------------------------------------------------------------

def test_output_file(cli: Run, tmp_path: Path) -> None:
    target = tmp_path / "models.csv"
    result = cli("models", "--pricing-version", "2025-03-01", "-o", str(target))
    assert result.status == 0 and result.out == ""
    assert target.read_text().splitlines()[0].startswith("model,provider,input_per_mtok")
    json_target = tmp_path / "projection.json"
    cli("project", "--rpd", "1", "-m", "gpt-4o", "--output", str(json_target))
    assert json.loads(json_target.read_text())[0]["model"] == "gpt-4o"


@pytest.mark.parametrize("where", ["a-directory", "missing-folder/out.csv"])
def test_unwritable_output(cli: Run, tmp_path: Path, where: str) -> None:
    (tmp_path / "a-directory").mkdir()
    target = tmp_path / where
    fails_cleanly(cli("models", "-o", str(target)), str(target))


FULL_DISK = "tokcost: error: cannot write to standard output: No space left on device; free " \
            "some space, or send the output elsewhere\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [
    ("models", "-f", "csv"),
    ("simulate", "--turns", "3"),
    ("--version",),
    # Help too, whose text click writes itself (and whose first failure click's probe of the
    # stream swallows): every write to stdout is guarded, not each command's.
    ("--help",),
    ("count", "--help"),
    ("pricing", "show", "gpt-4o"),
    ("pricing", "validate", "tokcost/price_tables/2025-03-01.yaml"),
    ("pricing", "import-litellm", "tests/data/litellm_excerpt.json", "--effective",
     "2026-01-01", "-m", "gpt-4o"),
])
def test_a_full_disk_on_stdout_is_one_line(installed_command: str, args: tuple[str, ...]
                                           ) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([installed_command, *args], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=60, cwd=Path(__file__).parent.parent)
    notes = [line for line in done.stderr.splitlines(keepends=True)
             if line.startswith("tokcost: note:")]  # import-litellm reports what it read
    assert (done.returncode, done.stderr.removeprefix("".join(notes))) == (1, FULL_DISK)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize(("args", "line"), [
    (("models", "-o", "/dev/full"),
     "tokcost: error: /dev/full: cannot write: No space left on device; choose another "
     "--output"),
    (("pricing", "import-litellm", "tests/data/litellm_excerpt.json", "--effective",
      "2026-01-01", "-m", "gpt-4o", "--out", "/dev/full"),
     "tokcost: error: /dev/full: cannot write: No space left on device; choose another --out"),
])
def test_a_full_disk_under_an_output_file_is_one_line(cli: Run, args: tuple[str, ...],
                                                      line: str) -> None:
    result = cli(*args)
    assert result.status == 1 and result.out == ""
    assert result.err.splitlines()[-1] == line
    assert "Traceback" not in result.err and "internal error" not in result.err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_during_a_large_count(installed_command: str, big_input: Path, jobs: str,
                                    interruptible: Callable[[], None]) -> None:
    process = subprocess.Popen([installed_command, "count", str(big_input), "-f", "csv",
                                "--jobs", jobs],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=interruptible)
    time.sleep(1.0)
    assert process.poll() is None, "the count ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err
    assert out == b""


# --- signals: SIGTERM and SIGHUP stop the workers as Ctrl-C does ------------------------------

needs_proc = pytest.mark.skipif(not Path("/proc/self/task").is_dir(),
                                reason="finds the worker processes through /proc (Linux)")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def running(pid: int) -> bool:
    """Whether the process runs (a zombie has ended: it only waits to be reaped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return "\nState:\tZ" not in status


def count_with_two_workers(big: Path, tmp_path: Path) -> tuple[subprocess.Popen[bytes], list[int]]:
    """`python -m tokcost count --jobs 2` on a large input, once both workers run."""
    import sys

    process = subprocess.Popen([sys.executable, "-m", "tokcost", "count", str(big), "--jobs", "2",
                                "-f", "csv"], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(workers := children(process.pid)) < 2:
        assert process.poll() is None and time.monotonic() < deadline, "no workers started"
        time.sleep(0.05)
    return process, workers


@needs_proc
@pytest.mark.parametrize(("stop", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_stopping_signal_stops_the_workers_too(big_input: Path, tmp_path: Path,
                                                 stop: signal.Signals, status: int) -> None:
    process, workers = count_with_two_workers(big_input, tmp_path)
    assert all(running(worker) for worker in workers)
    process.send_signal(stop)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, out, err) == (status, b"", b"")
    assert [worker for worker in workers if running(worker)] == []


@needs_proc
def test_workers_end_when_the_main_process_is_killed(big_input: Path, tmp_path: Path) -> None:
    # SIGKILL reaches no handler: the workers see the main process gone and end by themselves.
    process, workers = count_with_two_workers(big_input, tmp_path)
    process.kill()
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 20
    while any(running(worker) for worker in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [worker for worker in workers if running(worker)] == []


# --- good results kept -----------------------------------------------------------------------

KEY = "sk-ant-test-KEEP-THE-ROWS-789"
CLAUDE_REQUEST = {"model": "claude-sonnet-4-5", "system": "Be brief.",
                  "messages": [{"role": "user", "content": "Hello, Claude"}]}


def only_line(result: Result) -> str:
    """The one line on stderr besides the note naming the price table, with neither a
    traceback nor an internal error."""
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    lines = result.err.splitlines()
    assert len(lines) == 2 and lines[1].startswith(PRICED_WITH), result.err
    return lines[0]


@pytest.fixture
def claude_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_current_table: None
                 ) -> dict[str, Path]:
    """A text file and Claude requests (claude-sonnet-4-5 is in the 2026-11-22 table)."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    files = {"a.txt": "hello world\n", "claude.json": json.dumps(CLAUDE_REQUEST),
             "claude2.json": json.dumps(CLAUDE_REQUEST),
             "two.jsonl": json.dumps(CLAUDE_REQUEST) + "\n" + json.dumps(CLAUDE_REQUEST) + "\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return {name: tmp_path / name for name in files}


def test_an_unreachable_api_loses_no_other_file(cli: Run, claude_files: dict[str, Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as unused:  # bound but not listening: connections are refused
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
        monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
        result = cli("count", str(claude_files["a.txt"]), str(claude_files["claude.json"]),
                     "--exact", "-f", "csv")
    assert result.status == 1
    assert result.out.splitlines() == [
        "path,format,model,conversations,messages,tokens,accuracy,error_p90_pct,input_cost_usd",
        f"{claude_files['a.txt']},text,gpt-4o,,,3,exact,,0.0000075",
    ]
    line = only_line(result)
    assert line.startswith(f"tokcost: error: {claude_files['claude.json']}: conversation 1: "
                           "claude-sonnet-4-5 not counted: could not reach the Anthropic API "
                           f"at {url} (")
    assert line.endswith("); check the network connection and ANTHROPIC_BASE_URL")


def test_a_refused_request_is_the_error_of_its_file_alone(
        cli: Run, claude_files: dict[str, Path], anthropic_stub: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)  # the stub clears the Anthropic settings
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_stub.url)
    anthropic_stub.script(401)  # the first file's request; then 200s, 42 tokens each
    result = cli("count", str(claude_files["claude.json"]), str(claude_files["a.txt"]),
                 str(claude_files["claude2.json"]), "--exact", "-f", "csv")
    assert result.status == 1
    assert result.out.splitlines()[1:] == [
        f"{claude_files['a.txt']},text,gpt-4o,,,3,exact,,0.0000075",
        f"{claude_files['claude2.json']},anthropic,claude-sonnet-4-5,1,2,42,exact,,0.000126",
    ]
    assert only_line(result) == (
        f"tokcost: error: {claude_files['claude.json']}: conversation 1: claude-sonnet-4-5 not "
        "counted: the Anthropic API refused the API key (HTTP 401 authentication_error: stub "
        "says 401); check that ANTHROPIC_API_KEY holds a valid key with access to this model")


def test_an_api_that_keeps_failing_stops_its_file_at_the_line(
        cli: Run, claude_files: dict[str, Path], anthropic_stub: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)  # the stub clears the Anthropic settings
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_stub.url)
    anthropic_stub.script(200, 500, 500, 500, 500, 500)  # line 1 counted, line 2 never
    result = cli("count", str(claude_files["two.jsonl"]), str(claude_files["a.txt"]),
                 "--exact", "-f", "csv")
    assert result.status == 1
    assert result.out.splitlines()[1:] == [
        f"{claude_files['a.txt']},text,gpt-4o,,,3,exact,,0.0000075"]
    assert only_line(result) == (
        f"tokcost: error: {claude_files['two.jsonl']}:2: claude-sonnet-4-5 not counted: the "
        "Anthropic API was still failing after 5 attempts (HTTP 500 api_error: stub says 500); "
        "try again later")
    assert len(anthropic_stub.requests) == 6


def test_a_key_with_a_line_ending_is_refused_without_losing_other_files(
        cli: Run, claude_files: dict[str, Path], anthropic_stub: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY + "\r\n")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_stub.url)
    result = cli("count", str(claude_files["a.txt"]), str(claude_files["claude.json"]),
                 "--exact", "-f", "csv")
    assert result.status == 1
    assert result.out.splitlines()[1:] == [
        f"{claude_files['a.txt']},text,gpt-4o,,,3,exact,,0.0000075"]
    assert only_line(result).startswith(
        f"tokcost: error: {claude_files['claude.json']}: conversation 1: claude-sonnet-4-5 not "
        "counted: ANTHROPIC_API_KEY has a space or line break at its start or end")
    assert anthropic_stub.requests == []


# A lone surrogate, JSON-escaped: valid JSON, but no UTF-8 encoder can write it. It is counted
# (and shown) as U+FFFD, which is what the tokenizer makes of it.
LONE_SURROGATE_CHAT = '[{"role": "user", "content": "hi \\ud800 there"}]'
PER_MESSAGE_ROWS = [
    "path,conversation,index,role,tokens,preview,accuracy,error_p90_pct",
    "{path},1,1,user,7,hi \ufffd there,exact,",
    "{path},1,,(reply priming),3,,exact,",
]


@pytest.mark.parametrize("where", ["stdout", "file"])
def test_a_lone_surrogate_with_per_message(cli: Run, tmp_path: Path, where: str) -> None:
    chat = tmp_path / "chat.json"
    chat.write_text(LONE_SURROGATE_CHAT)
    target = tmp_path / "out.csv"
    result = cli("count", str(chat), "--per-message", "-f", "csv",
                 *(["-o", str(target)] if where == "file" else []))
    assert result.status == 0, result.err
    assert result.err == ""
    written = target.read_text("utf-8") if where == "file" else result.out
    assert written.splitlines() == [row.format(path=chat) for row in PER_MESSAGE_ROWS]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "table", "markdown", "tsv"])
def test_a_lone_surrogate_in_every_format(cli: Run, tmp_path: Path, fmt: str) -> None:
    chat = tmp_path / "chat.json"
    chat.write_text(LONE_SURROGATE_CHAT)
    target = tmp_path / "out.txt"
    result = cli("count", str(chat), "--per-message", "-f", fmt, "-o", str(target))
    assert result.status == 0, result.err
    assert "hi \ufffd there" in target.read_text("utf-8")


def test_a_file_name_that_is_not_utf_8(cli: Run, tmp_path: Path) -> None:
    import os

    named = os.fsdecode(os.fsencode(str(tmp_path)) + b"/notes-\xff.txt")  # surrogateescape
    Path(named).write_text("hello world\n")
    (tmp_path / "b.txt").write_text("hello world\n")
    result = cli("count", named, str(tmp_path / "b.txt"), "-f", "json")
    assert result.status == 0, result.err
    rows = json.loads(result.out)
    assert [(row["path"], row["tokens"]) for row in rows] == [
        (f"{tmp_path}/notes-\ufffd.txt", 3), (str(tmp_path / "b.txt"), 3)]


# --- each real file once: links, loops and files named twice --------------------------------

def text_rows(*paths: Path) -> list[str]:
    """CSV rows of `count` for files that each hold "hello world\\n" (3 tokens on gpt-4o)."""
    return [f"{path},text,gpt-4o,,,3,exact,,0.0000075" for path in paths]


@pytest.fixture
def looped(tmp_path: Path) -> Path:
    """data/a.txt and data/sub/b.txt, with data/sub/up a link to data (its parent)."""
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    for path in (data / "a.txt", data / "sub" / "b.txt"):
        path.write_text("hello world\n")
    (data / "sub" / "up").symlink_to("..")
    return data


@pytest.mark.parametrize("how", ["glob", "folder"])
def test_a_folder_linked_to_its_parent_counts_each_file_once(cli: Run, looped: Path,
                                                             how: str) -> None:
    argument = str(looped / "**" / "*.txt") if how == "glob" else str(looped)
    result = cli("count", argument, "-f", "csv")
    assert result.status == 0, result.err
    assert result.out.splitlines()[1:] == text_rows(looped / "a.txt", looped / "sub" / "b.txt")
    assert result.err == (f"tokcost: note: {looped / 'sub' / 'up'}: a link back to {looped}, "
                          "which the search is already in; not followed\n"
                          + priced_with("2026-12-01"))


def test_three_loops_end_quickly(installed: Callable[..., Result], looped: Path) -> None:
    # With three links back up, Python's glob visits ever more paths (3**depth) until they
    # are too long: minutes of work and a file counted thousands of times.
    (looped / "sub" / "self").symlink_to(".")
    (looped / "sub" / "root").symlink_to(looped)
    started = time.monotonic()
    result = installed("count", str(looped / "**" / "*.txt"), "-f", "csv")
    assert time.monotonic() - started < 20
    assert result.status == 0, result.err
    assert result.out.splitlines()[1:] == text_rows(looped / "a.txt", looped / "sub" / "b.txt")
    assert result.err.splitlines() == [
        f"tokcost: note: {looped / 'sub' / name}: a link back to {target}, which the search "
        "is already in; not followed"
        for name, target in (("root", looped), ("self", looped / "sub"), ("up", looped))
    ] + [priced_with("2026-12-01").strip()]


def test_a_file_reached_by_several_paths_is_counted_once_and_noted_once(
        cli: Run, looped: Path, tmp_path: Path) -> None:
    (looped / "alias.txt").symlink_to("a.txt")  # a link to a file beside it
    mirror = tmp_path / "mirror"
    mirror.symlink_to(looped)  # a link to the whole folder, from outside it: no loop
    result = cli("count", str(looped / "*.txt"), str(mirror / "a.txt"),
                 str(looped / "sub" / "b.txt"), "-f", "csv")
    assert result.status == 0, result.err
    assert result.out.splitlines()[1:] == text_rows(looped / "a.txt", looped / "sub" / "b.txt")
    assert result.err == (f"tokcost: note: {looped / 'a.txt'}: reached 3 times (also as "
                          f"{looped / 'alias.txt'}, {mirror / 'a.txt'}); counted once\n"
                          + priced_with("2026-12-01"))


def test_a_link_to_a_folder_outside_is_followed(cli: Run, looped: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "c.txt").write_text("hello world\n")
    (looped / "linked").symlink_to(shared)
    result = cli("count", str(looped / "**" / "c.txt"), "-f", "csv")
    assert result.status == 0, result.err
    assert result.out.splitlines()[1:] == text_rows(looped / "linked" / "c.txt")
    assert result.err == (f"tokcost: note: {looped / 'sub' / 'up'}: a link back to {looped}, "
                          "which the search is already in; not followed\n"
                          + priced_with("2026-12-01"))


@pytest.mark.parametrize("name", ["chats.jsonl", "chats.json", "chats"])
def test_a_bad_first_line_loses_only_itself(cli: Run, tmp_path: Path, name: str) -> None:
    # A broken first line must not make the file one bad JSON document: it is JSON Lines
    # (by its suffix, or by its later lines), and the good lines are counted.
    path = tmp_path / name
    path.write_text('{"messages": [{"role": "user", "content": "hi"\n'
                    '{"messages": [{"role": "user", "content": "hi"}]}\n'
                    '{"messages": [{"role": "user", "content": "there"}]}\n')
    result = cli("count", str(path), "-f", "csv")
    assert result.status == 1
    assert result.out.splitlines()[1] == f"{path},jsonl,gpt-4o,2,2,16,exact,,0.00004"
    assert result.err.startswith(f"tokcost: error: {path}:1:")


def test_an_array_written_an_element_a_line_is_one_document(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "chats.json"
    path.write_text('[{"messages": [{"role": "user", "content": "hi"}]},\n'
                    '{"messages": [{"role": "user", "content": "there"}]}\n]\n')
    result = cli("count", str(path), "-f", "csv")
    assert (result.status, result.out.splitlines()[1]) == (
        0, f"{path},openai,gpt-4o,2,2,16,exact,,0.00004")


UNKNOWN_LINE = ("tokcost: error: unknown model 'nosuchmodel' in price table 2026-12-01; "
                "closest: codestral-2508, grok-code-fast, codestral-embed (`tokcost models` lists "
                "them all)\n")


@pytest.mark.parametrize(
    ("args", "csv_out"),
    [
        (("count", "examples/support-chat.json"),
         "path,format,model,conversations,messages,tokens,accuracy,error_p90_pct,"
         "input_cost_usd\n"
         "examples/support-chat.json,openai,gpt-4o,1,6,216,exact,,0.00054\n"),
        (("project", "--rpd", "1", "--input-tokens", "2000", "--output-tokens", "500"),
         "model,provider,requests_per_day,input_tokens,output_tokens,cost_per_request_usd,"
         "daily_cost_usd,monthly_cost_usd,yearly_cost_usd,fits\n"
         "gpt-4o,openai,1,2000,500,0.01,0.01,0.3,3.65,true\n"),
        (("simulate", "--turns", "1", "--no-chart"),
         "model,turn,request,input_tokens,cached_tokens,cache_write_tokens,output_tokens,"
         "context_used_pct,fits,turn_cost_usd,cumulative_cost_usd\n"
         "gpt-4o,1,turn,661,0,0,350,0.52,true,0.0051525,0.0051525\n"),
    ],
    ids=lambda value: value[0] if isinstance(value, tuple) else "",
)
def test_an_unknown_model_among_several_leaves_the_others_rows_whole(
        cli_without_table_note: Run, args: tuple[str, ...], csv_out: str) -> None:
    # The rows of the known model keep the `model` column they have beside another model.
    result = cli_without_table_note(*args, "-m", "gpt-4o", "-m", "nosuchmodel", "-f", "csv")
    assert (result.status, result.out, result.err) == (1, csv_out, UNKNOWN_LINE)
    both = cli_without_table_note(*args, "-m", "gpt-4o", "-m", "gpt-4o-mini", "-f", "csv")
    header, row = csv_out.splitlines()
    assert both.out.splitlines()[0] == header and row in both.out.splitlines()


def test_a_ctrl_c_while_the_cli_is_imported_is_an_interrupted_run(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.abc
    import sys

    from tokcost import _entry

    class Interrupting(importlib.abc.MetaPathFinder):
        """The Ctrl-C lands while tokcost.cli is being imported."""

        def find_spec(self, name: str, *args: object) -> None:
            if name == "tokcost.cli":
                raise KeyboardInterrupt

    monkeypatch.delitem(sys.modules, "tokcost.cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Interrupting(), *sys.meta_path])
    with pytest.raises(SystemExit) as stopped:
        _entry.run()
    assert stopped.value.code == 130
    assert capsys.readouterr().err == "\n"

"""`tokcost usage` reports: groupings in turn, sessions and files, time zones, the cost of each
kind of token, and charts.

The log: an OpenAI file and a Claude Code file, priced with table 2026-12-01 (USD per million
tokens: gpt-4o-mini 0.15 input; gpt-4o 2.50 input, 1.25 cache read, 10 output;
claude-sonnet-4-6 3 input, 15 output):

- openai.jsonl: gpt-4o-mini, 2026-11-30 23:30 UTC, 1,000,000 input: $0.15;
  gpt-4o-mini, 2026-12-01 10:00 UTC, 2,000,000 input: $0.30;
  gpt-4o, 2026-12-01 10:00 UTC, 1,000,000 prompt of which 400,000 cached, 100,000 output:
  600,000 x 2.50 = $1.50 input, 400,000 x 1.25 = $0.50 cached, 100,000 x 10 = $1.00 output;
  $3.00 in all;
- claude.jsonl (Claude Code): session s1, 1,000,000 input: $3.00; session s2, 100,000
  output: $1.50; both 2026-12-01 10:00 UTC.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tokcost.errors import OptionError
from tokcost.reports.usage import time_zone

LATE_NOV_30 = 1796081400  # 2026-11-30 23:30 UTC: 1 December 08:30 in Tokyo
DEC_01 = 1796119200  # 2026-12-01 10:00 UTC


@pytest.fixture
def log(tmp_path: Path) -> Path:
    def chat(model: str, created: int, prompt: int, cached: int = 0, output: int = 0
             ) -> dict[str, Any]:
        return {"object": "chat.completion", "model": model, "created": created,
                "usage": {"prompt_tokens": prompt, "completion_tokens": output,
                          "prompt_tokens_details": {"cached_tokens": cached}}}

    def claude(session: str, ident: str, prompt: int, output: int) -> dict[str, Any]:
        return {"type": "assistant", "sessionId": session, "requestId": f"req_{ident}",
                "timestamp": "2026-12-01T10:00:00Z",
                "message": {"id": f"msg_{ident}", "model": "claude-sonnet-4-6",
                            "usage": {"input_tokens": prompt, "output_tokens": output}}}

    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "openai.jsonl").write_text("".join(json.dumps(line) + "\n" for line in [
        chat("gpt-4o-mini", LATE_NOV_30, 1_000_000), chat("gpt-4o-mini", DEC_01, 2_000_000),
        chat("gpt-4o", DEC_01, 1_000_000, cached=400_000, output=100_000)]))
    (folder / "claude.jsonl").write_text("".join(json.dumps(line) + "\n" for line in [
        claude("s1", "a", 1_000_000, 0), claude("s2", "b", 0, 100_000)]))
    return folder


@pytest.fixture
def usage(cli: Callable[..., Any], log: Path) -> Callable[..., list[dict[str, str]]]:
    def run(*args: str) -> list[dict[str, str]]:
        result = cli("usage", str(log), "--pricing-version", "2026-12-01", "--format", "csv",
                     *args)
        assert result.status == 0, result.err
        return list(csv.DictReader(io.StringIO(result.out)))
    return run


def costs(rows: list[dict[str, str]], *keys: str) -> list[tuple[Any, ...]]:
    return [(*(row[key] for key in keys), Decimal(row["cost_usd"])) for row in rows]


def test_groupings_in_turn_models_dearest_first_and_days_in_order(usage: Any) -> None:
    rows = usage("--by", "model", "--by", "day")
    assert costs(rows, "model", "day") == [
        ("claude-sonnet-4-6", "2026-12-01", Decimal("4.50")),
        ("gpt-4o", "2026-12-01", Decimal("3.00")),
        ("gpt-4o-mini", "2026-11-30", Decimal("0.15")),
        ("gpt-4o-mini", "2026-12-01", Decimal("0.30")),
    ]


def test_by_session_and_by_file(usage: Any, log: Path) -> None:
    # The records of no session come last, as untimed ones do by day.
    assert costs(usage("--by", "session"), "session") == [
        ("s1", Decimal("3.00")), ("s2", Decimal("1.50")), ("(no session)", Decimal("3.45"))]
    assert costs(usage("--by", "file"), "file") == [
        (str(log / "claude.jsonl"), Decimal("4.50")), (str(log / "openai.jsonl"),
                                                       Decimal("3.45"))]


def test_the_cost_of_each_kind_of_token(usage: Any) -> None:
    gpt_4o = next(row for row in usage() if row["model"] == "gpt-4o")
    assert {key: Decimal(gpt_4o[key]) for key in (
        "input_usd", "cached_usd", "cache_write_usd", "output_usd", "cost_usd")} == {
        "input_usd": Decimal("1.50"), "cached_usd": Decimal("0.50"),
        "cache_write_usd": Decimal(0), "output_usd": Decimal("1.00"),
        "cost_usd": Decimal("3.00")}
    assert "fees_usd" not in gpt_4o  # no request here pays a fee


def test_days_and_the_window_in_a_time_zone(usage: Any) -> None:
    assert costs(usage("--by", "day"), "day") == [("2026-11-30", Decimal("0.15")),
                                                  ("2026-12-01", Decimal("7.80"))]
    # 23:30 UTC on 30 November is 08:30 on 1 December in Tokyo.
    assert costs(usage("--by", "day", "--tz", "Asia/Tokyo"), "day") == [
        ("2026-12-01", Decimal("7.95"))]
    assert costs(usage("--by", "day", "--tz", "+09:00"), "day") == [
        ("2026-12-01", Decimal("7.95"))]
    assert sum(Decimal(row["cost_usd"]) for row in usage("--since", "2026-12-01")) \
        == Decimal("7.80")
    assert sum(Decimal(row["cost_usd"]) for row in usage(
        "--since", "2026-12-01", "--tz", "Asia/Tokyo")) == Decimal("7.95")


@pytest.mark.parametrize(("args", "message"), [
    (("--tz", "Mars/Olympus"), "tokcost: error: --tz 'Mars/Olympus' is not a time zone: give "
                               "an IANA name such as Europe/Paris, UTC, local, or an offset "
                               "such as +02:00\n"),
    (("--tz", "+25:00"), "tokcost: error: --tz '+25:00' is not a time zone"),
    (("--by", "day", "--by", "day"), "tokcost: error: --by day --by day: give each grouping "
                                     "once\n"),
])
def test_bad_groupings_and_zones_are_one_line(cli: Callable[..., Any], log: Path,
                                              args: tuple[str, ...], message: str) -> None:
    result = cli("usage", str(log), *args)
    assert result.status == 2
    assert result.err.startswith(message) and result.err.count("\n") == 1
    assert result.out == ""


def test_time_zone_names_and_offsets() -> None:
    assert str(time_zone("UTC")) == "UTC"
    assert str(time_zone("-05:30")) == "UTC-05:30"
    assert str(time_zone("+2")) == "UTC+02:00"
    assert str(time_zone("Europe/Paris")) == "Europe/Paris"
    with pytest.raises(OptionError):
        time_zone("../../etc/passwd")


def test_a_chart_of_cost_per_day_under_the_table(cli: Callable[..., Any], log: Path) -> None:
    result = cli("usage", str(log), "--pricing-version", "2026-12-01", "--by", "day",
                 "--chart", "--format", "table")
    assert result.status == 0, result.err
    chart = result.out.split("\n\n")[-1].splitlines()
    # 7.80 is the longest bar, 40 cells; 0.15 is 0.15 / 7.80 x 40 x 8 = 6.2 eighths: one
    # cell of six eighths.
    assert chart == ["            cost per day",
                     "2026-11-30  ▊                                         $0.15",
                     "2026-12-01  ████████████████████████████████████████  $7.80"]


def test_a_plot_of_cost_per_day(cli: Callable[..., Any], log: Path, tmp_path: Path) -> None:
    target = tmp_path / "cost.svg"
    result = cli("usage", str(log), "--pricing-version", "2026-12-01", "--by", "day",
                 "--plot", str(target), "--format", "csv")
    assert result.status == 0, result.err
    drawn = target.read_text()
    assert "cost per day" in drawn and "2026-11-30" in drawn and "2026-12-01" in drawn
    assert f"tokcost: note: wrote {target}" in result.err
    result = cli("usage", str(log), "--plot", str(tmp_path / "cost.jpg"))
    assert (result.status, result.out) == (2, "")
    assert "--plot writes .png or .svg files" in result.err

"""The on-disk cache of validated price tables: keyed so that no other table can be given its
entry, proof against entries it did not write, and tidy when a write fails."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import tokcost.cache
import tokcost.price_tables
from tokcost.cache import content_key, read_entry, write_entry
from tokcost.pricing.table import load_file

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
BUNDLED = Path(tokcost.price_tables.__file__).parent / "2026-12-01.yaml"
GPT_4O_PRICES = "  gpt-4o:\n    provider: openai\n    input: 2.5\n"


def _same_crc_and_length(original: str, changed: str) -> tuple[str, str]:
    """``original`` and ``changed``, each with a comment line added, such that both have the
    same CRC-32 and length: the comment of ``changed`` is chosen by solving the CRC's linear
    equations over GF(2) (each of its letters is 'a' or 'c', which differ in one bit)."""
    assert len(original) == len(changed)
    width = 64
    first = original + "# " + "a" * width + "\n"
    start = len(changed) + 2
    base = bytearray((changed + "# " + "a" * width + "\n").encode())
    target = zlib.crc32(first.encode()) ^ zlib.crc32(base)
    columns = []  # what flipping each letter does to the CRC
    for place in range(width):
        flipped = bytearray(base)
        flipped[start + place] ^= 0x02
        columns.append(zlib.crc32(flipped) ^ zlib.crc32(base))
    pivots: dict[int, tuple[int, int]] = {}  # leading bit -> (vector, letters it flips)
    for place, vector in enumerate(columns):
        letters = 1 << place
        for bit in sorted(pivots, reverse=True):
            if vector >> bit & 1:
                vector ^= pivots[bit][0]
                letters ^= pivots[bit][1]
        if vector:
            pivots[vector.bit_length() - 1] = (vector, letters)
    chosen = 0
    for bit in sorted(pivots, reverse=True):
        if target >> bit & 1:
            target ^= pivots[bit][0]
            chosen ^= pivots[bit][1]
    assert target == 0, "64 letters always give 32 independent bits"
    for place in range(width):
        if chosen >> place & 1:
            base[start + place] ^= 0x02
    return first, base.decode()


def test_a_table_with_the_same_crc_32_and_length_gets_its_own_prices(tmp_path: Path) -> None:
    text = BUNDLED.read_text("utf-8")
    assert text.count(GPT_4O_PRICES) == 1
    original, forged = _same_crc_and_length(
        text, text.replace(GPT_4O_PRICES, GPT_4O_PRICES.replace("2.5", "9.5")))
    assert zlib.crc32(original.encode()) == zlib.crc32(forged.encode())
    assert len(original.encode()) == len(forged.encode())
    (tmp_path / "original.yaml").write_text(original, "utf-8")
    (tmp_path / "forged.yaml").write_text(forged, "utf-8")
    assert str(load_file(tmp_path / "original.yaml").resolve("gpt-4o").model.rates.input) == "2.5"
    assert str(load_file(tmp_path / "forged.yaml").resolve("gpt-4o").model.rates.input) == "9.5"
    # And each, read again, from the cache, still has its own.
    assert str(load_file(tmp_path / "original.yaml").resolve("gpt-4o").model.rates.input) == "2.5"
    assert str(load_file(tmp_path / "forged.yaml").resolve("gpt-4o").model.rates.input) == "9.5"


def test_the_key_is_a_sha_256_of_the_content_and_the_version(
        monkeypatch: pytest.MonkeyPatch) -> None:
    key = content_key("models: {}\n")
    assert len(key) == 64 and int(key, 16) >= 0
    assert content_key("models: {}\n") == key
    assert content_key("models: {} \n") != key
    monkeypatch.setattr(tokcost.cache, "__version__", "99.0.0")
    assert content_key("models: {}\n") != key


# Entries that a cache file could hold (a hand edit, another program, another layout), each
# stored with a valid checksum, so that only its shape is wrong.
WRONG_SHAPES = [
    b"[]",
    b'"a table"',
    b'{"models": []}',
    b'{"models": {"gpt-4o": 5}}',
    b'{"models": {"gpt-4o": {"input": {"$decimal": "not a number"}}}}',
    b'{"effective_date": {"$date": "yesterday"}, "models": {}}',
    b'{"schema_version": 1, "models": {"gpt-4o": {"provider": "openai", "input": "cheap"}}}',
    b"not json at all",
]


@pytest.mark.parametrize("payload", WRONG_SHAPES)
def test_an_entry_of_the_wrong_shape_is_discarded(cli: Run, payload: bytes) -> None:
    name = f"table-{content_key(BUNDLED.read_text('utf-8'))}.json"
    write_entry(name, payload)
    result = cli("pricing", "show", "gpt-4o", "-f", "csv")
    assert result.status == 0, result.err
    assert "input_per_mtok,2.5,USD per million tokens" in result.out
    assert result.err == ""
    # The entry now holds the table's own parsed form again.
    assert read_entry(name) != payload
    assert read_entry(name) is not None and read_entry(name).startswith(b"{")


def test_an_overlay_over_a_damaged_entry_of_its_base(cli: Run, tmp_path: Path) -> None:
    write_entry(f"table-{content_key(BUNDLED.read_text('utf-8'))}.json", b'{"models": [1]}')
    overlay = tmp_path / "ours.yaml"
    overlay.write_text("extends: latest\nmodels:\n  gpt-4o: {input: 2}\n", "utf-8")
    result = cli("pricing", "show", "gpt-4o", "--pricing", str(overlay), "-f", "csv")
    assert result.status == 0, result.err
    assert "input_per_mtok,2,USD per million tokens" in result.out
    assert "output_per_mtok,10,USD per million tokens" in result.out


def _run_with_cache(folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "TOKCOST_CACHE_DIR": str(folder)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=environment, timeout=60, cwd=folder.parent)


def test_a_write_cut_short_leaves_no_temporary_file(tmp_path: Path) -> None:
    # A file size limit of 4 KiB: the table's entry (some 100 KiB) cannot be written whole,
    # as on a full disk (SIGXFSZ ignored, the write fails with EFBIG).
    folder = tmp_path / "cache"
    done = _run_with_cache(folder, (
        "import resource, signal\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "from tokcost.cli import main\n"
        "raise SystemExit(main(['pricing', 'show', 'gpt-4o', '-f', 'csv']))\n"))
    assert done.returncode == 0, done.stderr
    assert "input_per_mtok,2.5,USD per million tokens" in done.stdout
    assert done.stderr == ""
    assert folder.is_dir()
    assert sorted(path.name for path in folder.iterdir()) == []


def test_a_write_that_cannot_take_its_place_leaves_no_temporary_file(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    squatter = folder / f"table-{content_key(BUNDLED.read_text('utf-8'))}.json"
    (squatter / "inside").mkdir(parents=True)  # a non-empty folder: os.replace cannot land
    done = _run_with_cache(folder, (
        "from tokcost.cli import main\n"
        "raise SystemExit(main(['pricing', 'show', 'gpt-4o', '-f', 'csv']))\n"))
    assert done.returncode == 0, done.stderr
    assert "input_per_mtok,2.5,USD per million tokens" in done.stdout
    assert sorted(path.name for path in folder.iterdir()) == [squatter.name]

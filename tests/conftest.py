"""Shared fixtures: the price tables, and tokcost run the two ways users run it.

Tests import tokcost as installed (pytest's importlib mode keeps the checkout off sys.path), so
that a non-editable install in CI proves the price tables travel inside the package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tokcost.cli import main
from tokcost.price_table import PriceTable, load_bundled, load_file

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
SEED_ERA = "2025-03-01"
CURRENT = "2026-11-22"


@dataclass
class Result:
    status: int
    out: str
    err: str


@pytest.fixture(scope="session")
def current_table() -> PriceTable:
    return load_bundled(CURRENT)


@pytest.fixture(scope="session")
def seed_table() -> PriceTable:
    return load_bundled(SEED_ERA)


@pytest.fixture(scope="session")
def costing_table() -> PriceTable:
    return load_file(DATA / "costing.yaml")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own $TOKCOST_* settings must not change what the tests see; paths in tests
    are relative to the repository."""
    for name in list(os.environ):
        if name.startswith("TOKCOST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(ROOT)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run the CLI in this process (stdout is not a terminal, as in a pipe)."""

    def run(*args: str) -> Result:
        status = main(list(args))
        captured = capsys.readouterr()
        return Result(int(status), captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def installed_command() -> str:
    """The `tokcost` console script of the environment running the tests."""
    beside_python = Path(sys.executable).parent / "tokcost"
    found = str(beside_python) if beside_python.exists() else shutil.which("tokcost")
    assert found, "the tokcost console script is not installed"
    return found


@pytest.fixture
def installed(installed_command: str, tmp_path: Path) -> Callable[..., Result]:
    """Run the installed command from an empty directory, as a new user would."""

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TOKCOST_")}
        environment.update(env or {})
        done = subprocess.run([installed_command, *args], cwd=tmp_path, env=environment,
                              capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)
        return Result(done.returncode, done.stdout, done.stderr)

    return run

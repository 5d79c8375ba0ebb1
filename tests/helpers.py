"""Running tokcost the two ways users do: in this process, and as the installed command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tokcost.cli import main


@dataclass
class Result:
    status: int
    out: str
    err: str


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """Run the CLI in this process (stdout is not a terminal, as in a pipe)."""
    status = main(list(args))
    captured = capsys.readouterr()
    return Result(int(status), captured.out, captured.err)


def installed_command() -> str:
    """The `tokcost` console script of the environment running the tests."""
    beside_python = Path(sys.executable).parent / "tokcost"
    found = str(beside_python) if beside_python.exists() else shutil.which("tokcost")
    assert found, "the tokcost console script is not installed"
    return found


def run_installed(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Run the installed command in another directory, as a new user would."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TOKCOST_")}
    environment.update(env or {})
    done = subprocess.run([installed_command(), *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    return Result(done.returncode, done.stdout, done.stderr)

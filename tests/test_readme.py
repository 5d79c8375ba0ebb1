"""The README's console blocks are real: each `$ tokcost ...` command is run and compared.

Run `python -m tests.test_readme --update` to rewrite the blocks with the current output.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import sys
from pathlib import Path

import pytest

from tokcost.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
_BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def console_commands(text: str) -> list[tuple[str, str]]:
    """(command, expected output) for every `$ ` line in the README's console blocks."""
    found = []
    for block in _BLOCK.findall(text):
        parts = re.split(r"^\$ (.*)\n", block, flags=re.MULTILINE)
        for command, output in zip(parts[1::2], parts[2::2], strict=True):
            found.append((command, output))
    return found


def run_command(command: str) -> str:
    """What a user sees: stdout, then stderr, with trailing spaces trimmed."""
    args = shlex.split(command)
    assert args[0] == "tokcost"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        main(args[1:])
    text = out.getvalue() + err.getvalue()
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


@pytest.mark.parametrize(("command", "expected"), console_commands(README.read_text()))
def test_readme_output_is_true(command: str, expected: str) -> None:
    assert run_command(command) == expected


def test_every_command_has_help_and_is_in_the_readme() -> None:
    from tokcost.cli import app, pricing_app

    readme = README.read_text()
    commands = [("", info) for info in app.registered_commands] + [
        ("pricing ", info) for info in pricing_app.registered_commands
    ]
    assert len(commands) >= 6
    for prefix, info in commands:
        name = info.name or info.callback.__name__  # type: ignore[union-attr]
        assert info.callback is not None and info.callback.__doc__, name
        assert f"tokcost {prefix}{name}" in readme, name


def test_readme_python_examples_run() -> None:
    import doctest

    blocks = re.findall(r"```pycon\n(.*?)```", README.read_text(), re.DOTALL)
    assert blocks
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, block in enumerate(blocks):
        runner.run(parser.get_doctest(block, {}, f"README block {number}", str(README), 0))
    assert runner.summarize(verbose=False).failed == 0


def update() -> None:
    import os

    os.chdir(ROOT)
    text = README.read_text()

    def fill(block: re.Match[str]) -> str:
        commands = re.findall(r"^\$ (.*)$", block[1], flags=re.MULTILINE)
        body = "".join(f"$ {command}\n{run_command(command)}" for command in commands)
        return f"```console\n{body}```"

    README.write_text(_BLOCK.sub(fill, text))


if __name__ == "__main__":
    if sys.argv[1:] == ["--update"]:
        update()

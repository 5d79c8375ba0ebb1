"""The console script's entry: as little as can be run before the error boundary.

Importing the CLI (typer, click, rich) takes tens of milliseconds, and longer on a loaded
machine; a Ctrl-C in that time would otherwise end in a KeyboardInterrupt traceback. It ends
as any interrupted run does: exit status 130, no traceback."""

from __future__ import annotations

import sys

INTERRUPTED = 130  # as tokcost.cli.ExitStatus.INTERRUPTED: 128 + SIGINT


def run() -> None:
    try:
        from tokcost.cli import console
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        sys.exit(INTERRUPTED)
    console()

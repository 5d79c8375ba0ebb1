"""The console script's entry: as little as can be run before the error boundary.

Importing the CLI (typer, click, rich) takes tens of milliseconds, and longer on a loaded
machine; a Ctrl-C in that time would otherwise end in a KeyboardInterrupt traceback. It ends
as any interrupted run does: exit status 130, no traceback.

The cyclic garbage collector is off while the CLI is imported: imports make many objects and
free few, so the collections they would set off find nothing to free, and they cost a light
command (`count` of a short file) about a tenth of its start-up. The objects made so far are
then frozen, as the rest of the run would only scan them again (at exit too) and they live to
the end anyway, and collection is back on for the work itself."""

from __future__ import annotations

import gc
import sys

INTERRUPTED = 130  # as tokcost.cli.ExitStatus.INTERRUPTED: 128 + SIGINT


def run() -> None:
    gc.disable()
    try:
        from tokcost.cli import console
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        sys.exit(INTERRUPTED)
    finally:
        gc.freeze()
        gc.enable()
    console()

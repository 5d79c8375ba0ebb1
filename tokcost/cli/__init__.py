"""The command line: parse options, call one library function, hand the rows to the output layer.

All behaviour lives in the library modules; this package only wires them to typer, one module
per command (or pair of commands sharing options), on the shared options (options), price-table
choice (tables) and output (emit). Errors are turned into one line on stderr in :func:`main`,
the single error boundary.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence

import click
import typer

# Each command module registers its commands on the app when imported: in this order, the order
# of --help.
# isort: off
from tokcost.cli import count as _count  # noqa: F401
from tokcost.cli import project as _project  # noqa: F401
from tokcost.cli import calibrate as _calibrate  # noqa: F401
from tokcost.cli import usage as _usage  # noqa: F401
from tokcost.cli import pricing as _pricing  # noqa: F401
# isort: on
from tokcost.cli.app import ExitStatus, _new_app, app, pricing_app
from tokcost.cli.emit import _expand_shorthands, _guarded_stdout, _shown
from tokcost.cli.options import CALIBRATION_ENV_VAR, FiniteNumber, InputFormat
from tokcost.cli.usage import UsageInputFormat
from tokcost.errors import OptionError, TokcostError

__all__ = ["CALIBRATION_ENV_VAR", "ExitStatus", "FiniteNumber", "InputFormat", "UsageInputFormat",
           "app", "console", "main", "pricing_app"]


class _Stopped(BaseException):
    """SIGTERM or SIGHUP arrived. Raised in the main thread as KeyboardInterrupt is for Ctrl-C,
    so that the same clean-up runs (worker processes killed, nothing half written); a
    BaseException, so that no ``except Exception`` takes it for an error."""

    def __init__(self, status: ExitStatus) -> None:
        super().__init__(status)
        self.status = status


_STOP_SIGNALS = {"SIGTERM": ExitStatus.TERMINATED, "SIGHUP": ExitStatus.HANGUP}


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """While the command runs, SIGTERM and SIGHUP raise _Stopped; the previous handlers are
    put back after (main() also runs inside other programs and tests)."""
    import signal

    def stop(number: int, frame: object) -> None:
        raise _Stopped(_STOP_SIGNALS[signal.Signals(number).name])

    previous = {}
    for name in _STOP_SIGNALS:
        number = getattr(signal, name, None)
        if number is None:
            continue  # Windows has no SIGHUP
        try:
            previous[number] = signal.signal(number, stop)
        except ValueError:  # not the main thread: signals are not ours to handle
            break
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)



def _app_for(argv: list[str]) -> typer.Typer:
    """An app holding only the command being run, when one is named.

    typer turns every command and option of the app into click objects on each run, which
    costs more than a light command's own work; building just the one needed keeps start-up
    quick. Without a known command name (``--help``, a typo) the whole app answers.
    """
    name = next((arg for arg in argv if not arg.startswith("-")), None)
    single = _new_app()
    single.registered_callback = app.registered_callback
    if name is None and "--version" in argv:
        return single  # the root callback alone answers --version
    for command in app.registered_commands:
        assert command.callback is not None
        if (command.name or command.callback.__name__.replace("_", "-")) == name:
            single.registered_commands.append(command)
            return single
    for group in app.registered_groups:
        if group.name == name:
            single.registered_groups.append(group)
            return single
    return app



# click 8.2 and later raise this for a group called with no arguments (no_args_is_help).
_HELP_FOR_NO_ARGUMENTS = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _usage_line(error: click.ClickException, argv: Sequence[str]) -> str:
    """click's error as one line, like every other error: what is wrong, then where the help
    is (click itself prints the usage line, a hint and the message on four lines)."""
    # typer has already put "Did you mean ...?" into an unknown command's message; click
    # would add it again from the possibilities.
    if "Did you mean" in error.message and hasattr(error, "possibilities"):
        error.possibilities = []
    message = "; ".join(line.strip() for line in error.format_message().splitlines()
                        if line.strip())
    if isinstance(error, click.UsageError):
        context = error.ctx
        # An option missing its value is found before the command has a context.
        where = context.command_path if context is not None else _command_path(argv)
        message += f" (see `{where} --help`)"
    return message


def _command_path(argv: Sequence[str]) -> str:
    """``tokcost`` and the command (and subcommand) the arguments name."""
    words = ["tokcost"]
    groups = {group.name: group.typer_instance for group in app.registered_groups}
    commands = {command.name or (command.callback.__name__ if command.callback else "")
                for command in app.registered_commands}
    if argv and argv[0] in groups:
        words.append(argv[0])
        group = groups[argv[0]]
        names = {command.name for command in group.registered_commands} if group else set()
        if len(argv) > 1 and argv[1] in names:
            words.append(argv[1])
    elif argv and argv[0] in commands:
        words.append(argv[0])
    return " ".join(words)



def console() -> None:
    """The console script (and ``python -m tokcost``): main()'s status as the exit status.

    Once main() has returned, the work is done and its output written: a Ctrl-C that lands
    while the interpreter exits (joining the finished workers' queues) must not turn the run
    into an interrupted one, so SIGINT is ignored from then on."""
    status = main()
    import signal

    with contextlib.suppress(ValueError):  # not the main thread: not ours to change
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(status)


def main(argv: list[str] | None = None) -> int:
    """The console script: run the app with one error boundary and documented exit statuses."""
    debug = os.environ.get("TOKCOST_DEBUG") == "1"
    calibration = os.environ.get(CALIBRATION_ENV_VAR)
    try:
        args = _expand_shorthands(sys.argv[1:] if argv is None else list(argv))
        with _stopped_by_signals(), _guarded_stdout():
            status = _app_for(args)(args=args, prog_name="tokcost", standalone_mode=False)
            sys.stdout.flush()  # what a command echoed, flushed inside the boundary
    except _Stopped as stopped:
        return stopped.status
    except TokcostError as error:
        if debug:
            raise
        typer.echo(_shown(f"tokcost: error: {error}"), err=True)
        return ExitStatus.USAGE if isinstance(error, OptionError) else ExitStatus.ERROR
    except click.ClickException as error:  # usage errors (exit 2) and the like
        if isinstance(error, _HELP_FOR_NO_ARGUMENTS):  # `tokcost` alone: the help, not an error
            if error.format_message().strip():  # typer has printed it already; click has not
                typer.echo(error.format_message(), err=True)
            return error.exit_code
        typer.echo(f"tokcost: error: "
                   f"{_usage_line(error, sys.argv[1:] if argv is None else argv)}", err=True)
        return error.exit_code
    except (click.Abort, KeyboardInterrupt):
        typer.echo("", err=True)
        return ExitStatus.INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the boundary: a bug becomes one line
        if debug:
            raise
        typer.echo(_shown(f"tokcost: internal error: {type(error).__name__}: {error} "
                          "(set TOKCOST_DEBUG=1 for a traceback, and please report it)"),
                   err=True)
        return ExitStatus.ERROR
    finally:  # --calibration and calibrate change the environment for this run only
        if calibration is None:
            os.environ.pop(CALIBRATION_ENV_VAR, None)
        else:
            os.environ[CALIBRATION_ENV_VAR] = calibration
    return status if isinstance(status, int) else ExitStatus.OK

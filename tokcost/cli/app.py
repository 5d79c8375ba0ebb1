"""The typer app and its pricing sub-app, on which each command module registers its commands,
and the exit statuses they end with."""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated

import typer

from tokcost import __version__


class ExitStatus(IntEnum):
    """The exit statuses tokcost documents (README: "Exit codes and errors")."""

    OK = 0
    ERROR = 1
    USAGE = 2
    # Stopped by a signal: 128 + its number, as a shell reports a process the signal killed.
    HANGUP = 129  # SIGHUP: the terminal closed
    INTERRUPTED = 130  # SIGINT: Ctrl-C
    TERMINATED = 143  # SIGTERM: kill, timeout, a service manager



def _new_app() -> typer.Typer:
    return typer.Typer(
        name="tokcost",
        help="Count LLM tokens, see how chats grow, and project what they cost. Works offline.",
        no_args_is_help=True,
        add_completion=False,
        # Pretty tracebacks show local variables, and an API key can sit in one.
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )


app = _new_app()
pricing_app = typer.Typer(
    help="Inspect, compare, validate and import the versioned price tables.",
    no_args_is_help=True,
)
app.add_typer(pricing_app, name="pricing")



def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"tokcost {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True,
                     help="Show the version and exit."),
    ] = False,
) -> None:
    """Count LLM tokens, see how chats grow, and project what they cost. Works offline."""

"""Output: rows rendered to stdout or --output (--format and its shorthands, --sort, --no-headers,
--currency), notes on stderr, and standard output guarded while a command runs."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import typer

from tokcost.errors import OptionError, TokcostError, cli_words
from tokcost.files import write_text_file
from tokcost.output import (
    Column,
    OutputFormat,
    Row,
    default_format,
    plain_number,
    printable,
    render,
    wrapped,
)


def _note(message: str) -> None:
    typer.echo(_shown(f"tokcost: note: {message}"), err=True)


_SUFFIX_FORMATS = {".csv": OutputFormat.csv, ".tsv": OutputFormat.tsv, ".json": OutputFormat.json,
                   ".jsonl": OutputFormat.jsonl, ".md": OutputFormat.markdown}



def _emit(
    rows: list[dict[str, Any]], columns: tuple[Column, ...], fmt: OutputFormat | None,
    output: Path | None = None, *, preamble: tuple[str, ...] = (),
    total: Sequence[Row] = (), epilogue: Sequence[str] = (), currency: str | None = None,
    priced_by: str | None = None, json_columns: tuple[Column, ...] = (),
) -> None:
    """Render rows to stdout or the --output file; ``epilogue`` lines follow a table. With a
    ``currency`` (CODE=RATE) the US-dollar columns are shown in it; ``priced_by`` (the price
    table's name) goes into each JSON object, so that saved output says what priced it, and so
    do ``json_columns`` (what the other formats leave to notes on stderr)."""
    if currency is not None:
        display = _currency(currency)
        unconverted = columns
        rows, columns = display.convert(rows, unconverted)
        if total:
            total = display.convert([dict(line) for line in total], unconverted)[0]
        preamble = (*preamble, f"Amounts in {display.code} at {plain_number(display.rate)} to "
                               "the US dollar (the rate given with --currency).")
    rows = _sorted_rows(rows, columns)
    chosen = _chosen_format(fmt, output)
    if chosen in (OutputFormat.json, OutputFormat.jsonl):
        columns = (*columns, *json_columns)
    if priced_by is not None and (chosen in (OutputFormat.csv, OutputFormat.tsv)
                                  or not _headers and chosen is not OutputFormat.jsonl
                                  and chosen is not OutputFormat.json):
        # Rows without the lines above a table: the table that priced them is said here,
        # on stderr, so that the data stays clean.
        _note(f"priced with price table{'s' if ', ' in priced_by else ''} {priced_by}")
    if priced_by is not None and chosen in (OutputFormat.json, OutputFormat.jsonl):
        # Saved JSON says what priced it and what it assumed, so that it can be reproduced:
        # the table's lines above a table (workload, prices, caching) go into each object.
        # (A row priced by tables of its own, as usage's by day, says which.)
        rows = [{**row, "pricing_version": row.get("pricing_version", priced_by),
                 "assumptions": list(preamble)} for row in rows]
        columns = (*columns, Column("pricing_version"), Column("assumptions"))
    buffer = io.StringIO()
    stream = buffer if output is not None else sys.stdout
    width = _terminal_width() if output is None and chosen is OutputFormat.table else None
    dropped = render(rows, columns, chosen, stream, preamble=preamble if _headers else (),
                     total=total, width=width, headers=_headers)
    if dropped:
        _note(f"left out {', '.join(dropped)} to fit {width} columns (a wider terminal, or "
              "-f csv, shows every column)")
    if chosen is OutputFormat.table and epilogue:
        lines = epilogue if width is None else wrapped(epilogue, width)
        stream.write(printable("\n".join(lines)) + "\n")
    if output is None:
        sys.stdout.flush()  # a failure surfaces now, before what follows (an exit status)
        return
    write_text_file(output, buffer.getvalue(), "--output")



class _GuardedStdout:
    """Standard output while a command runs: a write or flush that fails (a full disk,
    ``> /dev/full``) is one TokcostError wherever it happens (a table, --help, --version, a
    YAML snapshot), raised inside the error boundary. A closed pipe (EPIPE) is left as it is:
    it ends the run quietly. Once a write failed, the output is pointed at the null device,
    so that the flush at exit does not fail again with a traceback of its own, and every later
    write fails the same way (code that swallowed the first failure, as click's probe of the
    stream does, must not make the run look written)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._failure: str | None = None

    def write(self, text: str) -> int:
        with self._guarded():
            return int(self._stream.write(text))

    def writelines(self, lines: Any) -> None:
        with self._guarded():
            self._stream.writelines(lines)

    def flush(self) -> None:
        with self._guarded():
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding, buffer...
        return getattr(self._stream, name)

    @contextlib.contextmanager
    def _guarded(self) -> Iterator[None]:
        import errno

        if self._failure is not None:
            raise TokcostError(self._failure)
        try:
            yield
        except OSError as error:
            if error.errno == errno.EPIPE:
                raise
            with contextlib.suppress(OSError, ValueError, AttributeError):
                if self._stream is sys.__stdout__ and self._stream is not None:
                    null = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(null, self._stream.fileno())
                    os.close(null)
            self._failure = (f"cannot write to standard output: {error.strerror or error}; "
                             "free some space, or send the output elsewhere")
            raise TokcostError(self._failure) from None


@contextlib.contextmanager
def _guarded_stdout() -> Iterator[None]:
    """sys.stdout guarded (_GuardedStdout) for what runs inside."""
    real = sys.stdout
    sys.stdout = _GuardedStdout(real)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout = real



def _chart_columns(output: Path | None) -> int | None:
    """How wide a chart under a table may be: the terminal's width, unless written to a
    file."""
    return _terminal_width() if output is None else None


def _terminal_width() -> int | None:
    """How wide a table may be: $COLUMNS, else the terminal's width; None (no limit) when
    the output is not a terminal."""
    given = os.environ.get("COLUMNS", "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    if sys.stdout.isatty():
        import shutil

        return shutil.get_terminal_size().columns
    return None


def _currency(text: str):  # noqa: ANN202 - output.Currency
    from tokcost.output import Currency

    try:
        return Currency.parse(text)
    except ValueError as error:
        raise typer.BadParameter(str(error).removeprefix("--currency is "),
                                 param_hint="--currency") from None


def _chosen_format(fmt: OutputFormat | None, output: Path | None) -> OutputFormat:
    """--format, else the --output file's suffix, else a table at a terminal and TSV in a pipe."""
    if output is not None:
        return fmt or _SUFFIX_FORMATS.get(output.suffix.lower(), OutputFormat.tsv)
    return fmt or default_format(sys.stdout.isatty())



# Shorthands every command takes (llm, sqlite-utils and gh users expect them), and the value of
# --format each stands for.
_FORMAT_SHORTHANDS = {"--csv": "csv", "--tsv": "tsv", "--json": "json", "--nl": "jsonl"}
_NO_HEADERS = "--no-headers"
_SORT = "--sort"
_headers = True  # False for this run with --no-headers
_sort: str | None = None  # the column of --sort COLUMN (-COLUMN: largest first)


def _expand_shorthands(args: list[str]) -> list[str]:
    """``--csv`` as ``--format csv`` and so on; ``--no-headers`` and ``--sort COLUMN`` noted
    and taken out. Only before a ``--``, after which every word is a file name."""
    global _headers, _sort
    _headers, _sort = True, None
    expanded: list[str] = []
    words = iter(enumerate(args))
    for index, arg in words:
        if arg == "--":
            return expanded + args[index:]
        if arg in _FORMAT_SHORTHANDS:
            expanded += ["--format", _FORMAT_SHORTHANDS[arg]]
        elif arg == _NO_HEADERS:
            _headers = False
        elif arg == _SORT or arg.startswith(_SORT + "="):
            _sort = arg.partition("=")[2] if "=" in arg else next(words, (0, ""))[1]
            if not _sort:
                raise OptionError("--sort needs a column: --sort tokens, or --sort -tokens for "
                                  "the largest first")
        else:
            expanded.append(arg)
    return expanded


def _sorted_rows(rows: list[dict[str, Any]], columns: Sequence[Column]
                 ) -> list[dict[str, Any]]:
    """Rows in the order --sort asks: by one column, smallest first (-COLUMN: largest first);
    empty values last either way."""
    if _sort is None:
        return rows
    name = _sort.removeprefix("-")
    if name not in {c.name for c in columns}:
        raise OptionError(f"--sort {_sort}: no such column; the columns are "
                          f"{', '.join(c.name for c in columns)}")
    present = [row for row in rows if row.get(name) is not None]
    empty = [row for row in rows if row.get(name) is None]
    return sorted(present, key=lambda row: row[name], reverse=_sort.startswith("-")) + empty



def _shown(line: str) -> str:
    """A line for stderr without the API key or object storage's secrets in it, in any form,
    nor the user name and password of ANTHROPIC_BASE_URL: an unexpected error's text may quote
    anything it held, a request's headers and URL included."""
    from tokcost.inputs.remote import without_storage_secrets

    line = without_storage_secrets(cli_words(line))
    key = os.environ.get("ANTHROPIC_API_KEY")
    base_url = os.environ.get("ANTHROPIC_BASE_URL")
    if not key and not (base_url and "@" in base_url):
        return line
    from tokcost.counting.anthropic_exact import without_api_secrets

    return without_api_secrets(line, key, base_url)

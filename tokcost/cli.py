"""The command line: parse options, call one library function, hand the rows to the output layer.

All behaviour lives in the library modules; this file only wires them to typer. Errors are
turned into one line on stderr in :func:`main`, the single error boundary.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum, IntEnum
from pathlib import Path
from typing import Annotated, Any, Optional

import click
import typer

from tokcost import __version__
from tokcost.errors import (
    ApiError,
    InputFileError,
    OptionError,
    PricingError,
    TokcostError,
    UnknownModelError,
    cli_words,
)
from tokcost.files import write_text_file
from tokcost.limits import (
    MAX_JOBS,
    MAX_MIN_RECORDS,
    MAX_REQUESTS_PER_DAY,
    MAX_TOKENS,
    MAX_TURNS,
    MAX_WEB_SEARCHES,
    MAX_WINDOW_DAYS,
)
from tokcost.output import (
    ACCURACY_COLUMNS,
    Column,
    OutputFormat,
    Row,
    default_format,
    for_people,
    plain_number,
    printable,
    render,
    wrapped,
)
from tokcost.wording import assumption_lines, number_of


class ExitStatus(IntEnum):
    """The exit statuses tokcost documents (README: "Exit codes and errors")."""

    OK = 0
    ERROR = 1
    USAGE = 2
    # Stopped by a signal: 128 + its number, as a shell reports a process the signal killed.
    HANGUP = 129  # SIGHUP: the terminal closed
    INTERRUPTED = 130  # SIGINT: Ctrl-C
    TERMINATED = 143  # SIGTERM: kill, timeout, a service manager


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

FormatOption = Annotated[
    Optional[OutputFormat],
    typer.Option(
        "--format", "-f", case_sensitive=False,
        help="Output format. Default: table at a terminal, TSV when piped. --csv, --tsv, "
             "--json and --nl are short for -f csv, tsv, json and jsonl; --no-headers leaves "
             "out the header row (and a table's notes above it); --sort COLUMN orders the "
             "rows by a column (-COLUMN: largest first).",
    ),
]
class InputFormat(str, Enum):
    """The choices of ``--input-format`` (tokcost.sources.INPUT_FORMATS)."""

    text = "text"
    openai = "openai"
    anthropic = "anthropic"
    sharegpt = "sharegpt"
    gemini = "gemini"
    jsonl = "jsonl"
    batch = "batch"


class FiniteNumber(click.FloatRange):
    """The values of every float option: a finite number within the option's range. click's
    FloatRange alone lets NaN through (it compares false with both ends), and infinity too
    where a range has no top; the library would then fail on them with no clear line."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


ServiceTierOption = Annotated[
    str,
    typer.Option("--service-tier", metavar="TIER",
                 help="Price at this service tier: standard, flex, priority... A model not "
                      "sold at it is left unpriced, with a note."),
]
def _checked_currency(value: str | None) -> str | None:
    if value is not None:
        _currency(value)  # refused before any work
    return value


CurrencyOption = Annotated[
    Optional[str],
    typer.Option("--currency", metavar="CODE=RATE", callback=_checked_currency,
                 help="Show amounts in this currency at your rate to the US dollar (EUR=0.86); "
                      "nothing is downloaded."),
]
WebSearchesOption = Annotated[
    int,
    typer.Option("--web-searches", metavar="N", min=0, max=MAX_WEB_SEARCHES,
                 help="Web searches each request makes, billed per search at the model's fee "
                      "(a model without one is left unpriced)."),
]
ColumnOption = Annotated[
    Optional[str],
    typer.Option("--column", metavar="NAME",
                 help="For a Parquet or Arrow table: the column to read (default: messages, "
                      "conversations, or the first of text, prompt, content, input, question, "
                      "document)."),
]
PricingVersionOption = Annotated[
    Optional[str],
    typer.Option("--pricing-version", metavar="DATE",
                 help="Use the bundled price table of this date (see `tokcost pricing versions`)."),
]
PricingFileOption = Annotated[
    Optional[Path],
    typer.Option("--pricing", metavar="FILE", dir_okay=False,
                 help="Use your own price table (YAML). Also read from $TOKCOST_PRICING."),
]


# tokcost.counting.rules.CALIBRATION_ENV_VAR, spelled here so that light commands need not load
# the counting rules (a test checks that the two agree).
CALIBRATION_ENV_VAR = "TOKCOST_CALIBRATION"


def _use_calibration(path: Optional[Path]) -> Optional[Path]:
    """Apply a calibration file (through the environment, so that worker processes see it
    too; main() puts the environment back), read now so that a bad one is reported before any
    work."""
    if path is not None:
        from tokcost.counting.rules import active_calibration

        os.environ[CALIBRATION_ENV_VAR] = str(path.absolute())
        active_calibration()
    return path


CalibrationOption = Annotated[
    Optional[Path],
    typer.Option("--calibration", metavar="FILE", dir_okay=False, callback=_use_calibration,
                 help="Count with the rules `tokcost calibrate` fitted on your logs. Also read "
                      "from $TOKCOST_CALIBRATION."),
]


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


def _note(message: str) -> None:
    typer.echo(_shown(f"tokcost: note: {message}"), err=True)


_SUFFIX_FORMATS = {".csv": OutputFormat.csv, ".tsv": OutputFormat.tsv, ".json": OutputFormat.json,
                   ".jsonl": OutputFormat.jsonl, ".md": OutputFormat.markdown}


# Files tokcost cannot write, which a text output under their name would only pretend to be.
_SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".numbers", ".parquet"}


def _check_output(path: Optional[Path]) -> Optional[Path]:
    """Refuse an output file that cannot be written before any work is done."""
    if path is None:
        return None
    if path.is_dir():
        raise TokcostError(f"{path}: is a directory; give --output a file name")
    if path.suffix.lower() in _SPREADSHEET_SUFFIXES:
        raise TokcostError(f"{path}: tokcost writes text (csv, tsv, json, jsonl, md), not "
                           f"{path.suffix} files; write {path.with_suffix('.csv').name}, which "
                           "spreadsheets open")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise TokcostError(f"{path}: the folder {folder} does not exist; create it or choose "
                           "another --output")
    if not os.access(folder, os.W_OK) or path.exists() and not os.access(path, os.W_OK):
        raise TokcostError(f"{path}: not writable; choose another --output")
    return path


OutputOption = Annotated[
    Optional[Path],
    typer.Option("--output", "-o", metavar="FILE", callback=_check_output,
                 help="Write the results to FILE instead of stdout; its suffix (.csv, .tsv, "
                      ".json, .jsonl, .md) picks the format unless --format does."),
]


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


def _today() -> date:
    return date.today()


def _table(version: str | None, path: Path | None):  # noqa: ANN202 - PriceTable, lazily typed
    from tokcost.pricing.table import (
        PRICING_ENV_VAR,
        bundled_versions,
        load_price_table,
        staleness_note,
    )

    table = load_price_table(version=version, path=path)
    default = version is None and path is None and not os.environ.get(PRICING_ENV_VAR)
    # The newest bundled table's prices, by default or under an overlay: say when it is old.
    if default or table.snapshot.base == bundled_versions()[-1]:
        note = staleness_note(_today())
        if note:
            _note(note)
    return table


def _table_by_day(version: str | None, path: Path | None):  # noqa: ANN202 - TableChoice
    """The table the user chose for every record, else the bundled one in force on each
    record's day."""
    from tokcost.pricing.dated import DatedTables, OneTable
    from tokcost.pricing.table import PRICING_ENV_VAR

    if version is not None or path is not None or os.environ.get(PRICING_ENV_VAR):
        return OneTable(_table(version, path))
    return DatedTables.bundled(newest=_table(None, None))  # (with its note, when it is old)


def _service_tier(table, name: str, batch: bool = False) -> str:  # noqa: ANN001 - PriceTable
    if batch and name != "standard":
        raise OptionError("--batch and --service-tier go separately: batch prices are their "
                           "own, taken from the standard tier")
    return table.check_service_tier(name)


class ModelMode(str, Enum):
    chat = "chat"
    embedding = "embedding"


class EncodingErrors(str, Enum):
    STRICT = "strict"
    REPLACE = "replace"


@app.command()
def count(
    paths: Annotated[Optional[list[str]], typer.Argument(
        help="Files, directories (searched for text, JSON and table files, compressed too), "
             "glob patterns, or - for standard input (read when no path is given and it is not "
             "a terminal); URLs too (s3://bucket/prefix/, gs://, hf://, https://: read over the "
             "network).",
        metavar="[PATH...]", show_default=False)] = None,
    model: Annotated[Optional[list[str]], typer.Option(
        "--model", "-m", help="Count for this model (repeat to compare). Default: the model a "
                              "conversation names, else gpt-4o.")] = None,
    input_format: Annotated[Optional[InputFormat], typer.Option(
        "--input-format", case_sensitive=False,
        help="Read the input as this format instead of detecting it.")] = None,
    column: ColumnOption = None,
    per_message: Annotated[bool, typer.Option(
        "--per-message", help="One row per message instead of one per file and model.")] = False,
    exact: Annotated[bool, typer.Option(
        "--exact", help="For Anthropic models, ask Anthropic's count-tokens endpoint (needs "
                        "ANTHROPIC_API_KEY). It and --cluster with an address are the only "
                        "options that send your text off this machine.")] = False,
    encoding_errors: Annotated[EncodingErrors, typer.Option(
        "--encoding-errors", case_sensitive=False,
        help="What to do with bytes that are not UTF-8: stop (strict) or count them as U+FFFD "
             "(replace).")] = EncodingErrors.STRICT,
    skip_bad_lines: Annotated[bool, typer.Option(
        "--skip-bad-lines", help="Count the good lines of a JSON Lines file (records of a JSON "
                                 "list) and report its bad ones as warnings, without failing "
                                 "(exit status 0).")
    ] = False,
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", min=1, max=MAX_JOBS,
        help="Worker processes for large inputs (default: one per CPU). Results are the same "
             "for any number.")] = None,
    cluster: Annotated[Optional[str], typer.Option(
        "--cluster", envvar="TOKCOST_CLUSTER", metavar="local|ADDRESS",
        help="Count on a Dask cluster (needs tokcost[cluster]): local starts one on this "
             "machine (--jobs workers); a scheduler's address (tcp://HOST:8786, or "
             "$TOKCOST_CLUSTER) sends the input to that cluster. The output is the same.")
    ] = None,
    batch: Annotated[bool, typer.Option(
        "--batch", help="Price the input at Batch API prices (a model sold without them is "
                        "left unpriced).")] = False,
    service_tier: ServiceTierOption = "standard",
    currency: CurrencyOption = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    pricing_version: PricingVersionOption = None,
    pricing: PricingFileOption = None,
    calibration: CalibrationOption = None,
) -> None:
    """Count the tokens of text and conversations, exactly where the tokenizer is public.

    Works offline: nothing leaves this machine unless you pass --exact, or --cluster with a
    scheduler's address.
    """
    from tokcost.inputs.bad_lines import MoreBadLines
    from tokcost.inputs.count_files import (
        COUNT_COLUMNS,
        COUNT_JSON_COLUMNS,
        COUNT_TABLE_COLUMNS,
        PER_MESSAGE_COLUMNS,
        PER_MESSAGE_TABLE_COLUMNS,
        Counter,
        CountJob,
        default_jobs,
    )
    from tokcost.inputs.sources import expand_inputs, open_source

    table = _table(pricing_version, pricing)
    models, unknown = _chosen_models(table, model)
    if per_message and len(models) > 1:
        _note(f"--per-message shows the first model only ({models[0].id})")
        models = models[:1]
    if not paths:
        if sys.stdin is None or sys.stdin.isatty():
            raise TokcostError("give a file to count, or pipe text in (echo 'some text' | "
                               "tokcost count)")
        paths = ["-"]
    sources, bad_paths, found_notes = expand_inputs(paths)
    problems: list[TokcostError] = list(bad_paths)
    skipped: list[InputFileError] = []
    results = []
    notes: dict[str, None] = dict.fromkeys(found_notes)
    warnings: list[str] = []
    skip_notes: list[str] = []
    job = CountJob(table, tuple(models), per_message, exact,
                   _service_tier(table, service_tier, batch), batch)
    if cluster:
        from tokcost.inputs.cluster import cluster_counter

        counting = cluster_counter(job, cluster, jobs)
    else:
        counting = Counter(job, jobs or default_jobs())
    with counting as counter:
        for source in sources:
            try:
                document = open_source(source, input_format.value if input_format else None,
                                       encoding_errors.value, column)
                with _progress(document.label, document.size) as progress:
                    counted = counter.count(document, progress)
            except (InputFileError, ApiError) as error:  # this file's problem; others go on
                problems.append(error)
                continue
            if skip_bad_lines:
                skipped.extend(counted.problems)
            else:
                problems.extend(counted.problems)
            problems.extend(counted.failures)  # the API's, not a bad line: never skipped
            results.extend(counted.counts)
            notes.update(dict.fromkeys(counted.notes))
            if counted.bad is not None and counted.bad.count and counted.bad.unit:
                skip_notes.append(counted.bad.note())
            warnings.extend(counted.warnings)
    for note in notes:
        _note(note)
    for warning in warnings:
        typer.echo(_shown(f"tokcost: warning: {warning}"), err=True)
    for skip in skipped:
        skip_word = "" if isinstance(skip, MoreBadLines) else "skipped "
        typer.echo(_shown(f"tokcost: warning: {skip_word}{skip}"), err=True)
    for problem in problems:
        typer.echo(_shown(f"tokcost: error: {problem}"), err=True)
    for note in skip_notes:  # after the bad lines: how many there were, shown or not
        _note(note)
    if per_message:
        for_table = _chosen_format(fmt, output) is OutputFormat.table
        _emit([row for r in results for row in r.message_rows(for_table=for_table)],
              PER_MESSAGE_TABLE_COLUMNS if for_table else PER_MESSAGE_COLUMNS, fmt, output)
    elif results:
        for_table = _chosen_format(fmt, output) is OutputFormat.table
        _emit([r.row(for_table=for_table) for r in results],
              COUNT_TABLE_COLUMNS if for_table else COUNT_COLUMNS, fmt, output,
              total=_count_total(results), currency=currency, priced_by=table.label,
              json_columns=COUNT_JSON_COLUMNS,
              preamble=(f"Input costs{' at Batch API prices' if batch else ''} from price "
                        f"table {table.label}.",))
    _report_unknown(unknown)
    if problems:
        raise typer.Exit(ExitStatus.ERROR)


@contextlib.contextmanager
def _progress(label: str, size: int | None) -> Iterator[Callable[[int, int], None] | None]:
    """A progress line on stderr for large inputs, only when stderr is a terminal."""
    from tokcost.inputs.count_files import PARALLEL_MIN_BYTES

    if not sys.stderr.isatty() or os.environ.get("CI") or (size or 0) < PARALLEL_MIN_BYTES:
        yield None
        return
    import time

    started = time.monotonic()
    state = {"bytes": 0, "tokens": 0, "shown": 0.0}

    def update(read: int, tokens: int) -> None:
        state["bytes"] += read
        state["tokens"] += tokens
        now = time.monotonic()
        if now - state["shown"] < 0.2:
            return
        state["shown"] = now
        elapsed = max(now - started, 1e-9)
        share = f"{100 * state['bytes'] / size:5.1f}%" if size else ""
        sys.stderr.write(f"\r{label}: {share} {state['bytes'] / 1e6:,.1f} MB, "
                         f"{state['tokens']:,} tokens, {state['tokens'] / elapsed:,.0f} tokens/s ")
        sys.stderr.flush()

    try:
        yield update
    finally:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


def _count_total(results: list[Any]) -> list[Row]:
    """The table's total lines: tokens and cost summed over the files, one line a model
    (a sum across models would add different tokenizers' counts), when there are several
    files."""
    if len({r.path for r in results}) < 2:
        return []
    totals: list[Row] = []
    for model in dict.fromkeys(r.model for r in results):
        mine = [r for r in results if r.model == model]
        totals.append({"path": "total", "model": model, "tokens": sum(r.tokens for r in mine),
                       "input_cost_usd": None if any(r.input_cost_usd is None for r in mine)
                       else sum(r.input_cost_usd for r in mine)})
    return totals


def _resolve(table: Any, name: str) -> Any:
    found = table.resolve(name)
    if found.note:
        _note(found.note)
    return found.model


def _listed(values: Sequence[str] | None) -> list[str]:
    """The names an option repeated, or given comma-separated, lists (-m, -p), each once."""
    return list(dict.fromkeys(part.strip() for value in values or ()
                              for part in value.split(",") if part.strip()))


def _chosen_models(table: Any, names: Sequence[str] | None,
                   providers: Sequence[str] | None = None) -> tuple[list[Any], list[str]]:
    """The models named by -m (repeated, or comma-separated), and a line for each the table
    does not know: the others are still counted and priced. None of them known is an error.
    Each must be sold by one of ``providers`` (-p), when given."""
    wanted = _listed(names)
    sold = {model.id for model in table.models(providers)} if providers else None
    models: list[Any] = []
    unknown: list[str] = []
    for name in wanted:
        try:
            model = _resolve(table, name)
        except UnknownModelError as error:
            unknown.append(str(error))
            continue
        if sold is not None and model.id not in sold:
            assert providers is not None
            raise OptionError(f"{model.id} is sold by {model.provider}, not "
                              f"{' or '.join(providers)}: leave out --provider, or name only "
                              "its models with -m")
        if all(chosen.id != model.id for chosen in models):  # one row a model
            models.append(model)
    if unknown and not models:
        for line in unknown[:-1]:
            typer.echo(_shown(f"tokcost: error: {line}"), err=True)
        raise TokcostError(unknown[-1])
    return models, unknown


def _report_unknown(unknown: Sequence[str]) -> None:
    """After the good models' rows: a line for each unknown one, and a failing exit."""
    for line in unknown:
        typer.echo(_shown(f"tokcost: error: {line}"), err=True)
    if unknown:
        raise typer.Exit(ExitStatus.ERROR)


class StrategyChoice(str, Enum):
    full = "full"
    window = "window"
    summarize = "summarize"


class CacheTtl(str, Enum):
    five_minutes = "5m"
    one_hour = "1h"
    twelve_hours = "12h"


SystemTokensOption = Annotated[Optional[int], typer.Option(
    "--system-tokens", min=0, max=MAX_TOKENS, help="System prompt tokens (default 500).")]
UserTokensOption = Annotated[Optional[int], typer.Option(
    "--user-tokens", min=0, max=MAX_TOKENS, help="Tokens of each user message (default 150).")]
AssistantTokensOption = Annotated[Optional[int], typer.Option(
    "--assistant-tokens", min=0, max=MAX_TOKENS, help="Tokens of each reply (default 350).")]
StrategyOption = Annotated[StrategyChoice, typer.Option(
    "--strategy", case_sensitive=False, help="What each request re-sends: everything (full), "
    "the last K turns (window), or a summary once the history is long (summarize).")]
WindowOption = Annotated[Optional[int], typer.Option(
    "--window", min=0, max=MAX_TURNS, help="With --strategy window: turns of history to keep.")]
SummarizeAtOption = Annotated[Optional[int], typer.Option(
    "--summarize-at", min=1, max=MAX_TOKENS,
    help="With --strategy summarize: history tokens that trigger a summary.")]
SummaryTokensOption = Annotated[Optional[int], typer.Option(
    "--summary-tokens", min=1, max=MAX_TOKENS,
    help="With --strategy summarize: the summary's tokens.")]
CacheTtlOption = Annotated[Optional[CacheTtl], typer.Option(
    "--cache-ttl", help="With --cache: the cache's lifetime, for providers that price it (5m, "
    "the default, 1h or 12h).")]


@app.command()
def project(
    ctx: typer.Context,
    rpd: Annotated[Optional[int], typer.Option(
        "--rpd", min=0, max=MAX_REQUESTS_PER_DAY,
        help="Requests per day (needed unless --from-usage, which observes them; with it, the "
             "observed traffic scaled to N a day, in its observed mix of models).")] = None,
    input_tokens: Annotated[Optional[int], typer.Option(
        "--input-tokens", min=0, max=MAX_TOKENS, help="Input (prompt) tokens per request.")] = None,
    output_tokens: Annotated[Optional[int], typer.Option(
        "--output-tokens", min=0, max=MAX_TOKENS, help="Output tokens per request.")] = None,
    # A str, not a Path: a Path would make s3://bucket/key s3:/bucket/key.
    from_file: Annotated[Optional[str], typer.Option(
        "--from", metavar="FILE", help="Take the tokens per request from real conversations "
        "(any format `count` reads, a local file or a URL; each conversation is one request, "
        "the mean is projected).")
    ] = None,
    input_format: Annotated[Optional[InputFormat], typer.Option(
        "--input-format", case_sensitive=False, help="Read --from as this format.")] = None,
    column: ColumnOption = None,
    model: Annotated[Optional[list[str]], typer.Option(
        "--model", "-m", help="Project for this model (repeat for more). Default: every model "
                              "in the price table, cheapest first.")] = None,
    provider: Annotated[Optional[list[str]], typer.Option(
        "--provider", "-p", help="Only this provider's models (repeat, or separate with "
                                 "commas, for more).")] = None,
    cache_hit_rate: Annotated[float, typer.Option(
        "--cache-hit-rate", click_type=FiniteNumber(0, 1),
        help="Share of input tokens read from the prompt cache (0 to 1).")] = 0.0,
    batch: Annotated[bool, typer.Option(
        "--batch", help="Use batch API prices.")] = False,
    service_tier: ServiceTierOption = "standard",
    web_searches: WebSearchesOption = 0,
    images: Annotated[int, typer.Option(
        "--images", metavar="N", min=0, max=MAX_WEB_SEARCHES,
        help="Images in each request's prompt, for a model that charges a fee per image "
             "(their tokens belong in --input-tokens; --from finds them itself).")] = 0,
    currency: CurrencyOption = None,
    off_peak: Annotated[float, typer.Option(
        "--off-peak", metavar="SHARE", click_type=FiniteNumber(0, 1),
        help="Share of requests sent when off-peak prices apply (DeepSeek); a model without "
             "them is priced at its standard prices, as it bills at every hour.")] = 0.0,
    days_per_month: Annotated[float, typer.Option(
        "--days-per-month", click_type=FiniteNumber(1, 31),
        help="Days in a month of costs.")] = 30.0,
    turns: Annotated[Optional[int], typer.Option(
        "--turns", min=1, max=MAX_TURNS,
        help="Each conversation is a simulated T-turn chat (see `tokcost simulate`); project "
             "its mean cost per request.")] = None,
    system_tokens: SystemTokensOption = None,
    user_tokens: UserTokensOption = None,
    assistant_tokens: AssistantTokensOption = None,
    strategy: StrategyOption = StrategyChoice.full,
    window: WindowOption = None,
    summarize_at: SummarizeAtOption = None,
    summary_tokens: SummaryTokensOption = None,
    cache: Annotated[bool, typer.Option(
        "--cache", help="With --turns: simulate prompt caching.")] = False,
    cache_ttl: CacheTtlOption = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    pricing_version: PricingVersionOption = None,
    pricing: PricingFileOption = None,
    calibration: CalibrationOption = None,
    from_usage: Annotated[Optional[list[str]], typer.Option(
        "--from-usage", metavar="LOG",
        help="Project the traffic logged API responses show (any log `tokcost usage` reads; "
             "repeat for more): requests a day and the mean tokens of each kind, cache hits "
             "included, each observed model at its prices, or all of it on the -m models.")
    ] = None,
    since: Annotated[Optional[datetime], typer.Option(
        "--since", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD",
        help="With --from-usage: the window's first day (UTC).")] = None,
    until: Annotated[Optional[datetime], typer.Option(
        "--until", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD",
        help="With --from-usage: the window's last day, included (UTC; default: the day of "
             "the newest record).")] = None,
    window_days: Annotated[Optional[int], typer.Option(
        "--window-days", metavar="N", min=1, max=MAX_WINDOW_DAYS,
        help="With --from-usage: the window is the last N days (default 30) up to --until.")
    ] = None,
) -> None:
    """Project daily, monthly and yearly cost of a workload on every model, cheapest first."""
    if from_usage:
        _project_from_usage(ctx, from_usage, rpd, model, since, until, window_days,
                            days_per_month, fmt, output, currency, pricing_version, pricing)
        return
    _only_with_from_usage(ctx)
    if rpd is None:
        raise click.MissingParameter(ctx=ctx, param=_param(ctx, "rpd"))
    from tokcost.reports.projection import (
        CACHE_COLUMNS,
        PERCENTILE_COLUMNS,
        PROJECTION_COLUMNS,
        SimulatedWorkload,
    )
    from tokcost.reports.projection import project as run

    table = _table(pricing_version, pricing)
    providers = _listed(provider)
    chosen, unknown = _chosen_models(table, model, providers)
    simulated = None
    if turns is not None:
        simulated = SimulatedWorkload(turns, {
            "system_tokens": system_tokens, "user_tokens": user_tokens,
            "assistant_tokens": assistant_tokens, "strategy": strategy.value, "window": window,
            "summarize_at": summarize_at, "summary_tokens": summary_tokens, "cache": cache,
            "cache_ttl": cache_ttl and cache_ttl.value})
    elif (cache or cache_ttl is not None or window is not None or summarize_at is not None
          or summary_tokens is not None or strategy is not StrategyChoice.full
          or system_tokens is not None or user_tokens is not None
          or assistant_tokens is not None):
        raise OptionError("the simulation options (--system-tokens, --user-tokens, "
                           "--assistant-tokens, --strategy, --cache, --cache-ttl...) go with "
                           "--turns")
    result = run(
        rpd, input_tokens=input_tokens, output_tokens=output_tokens, from_file=from_file,
        models=[m.id for m in chosen], provider=providers, cache_hit_rate=str(cache_hit_rate),
        batch=batch,
        days_per_month=str(days_per_month), table=table,
        input_format=input_format.value if input_format else None, simulated=simulated,
        service_tier=_service_tier(table, service_tier, batch), web_searches=web_searches,
        off_peak=str(off_peak), images=images, column=column,
    )
    if (from_file is None and simulated is None and input_tokens is None
            and output_tokens is None):
        _note(f"no workload given; projecting {result.workload}")
    for note in result.notes:
        _note(note)
    columns: tuple[Column, ...] = PROJECTION_COLUMNS
    if any(row.cached_tokens is not None for row in result.rows):
        # After input_tokens: how much of it the cache served, and wrote.
        columns = (*columns[:4], *CACHE_COLUMNS, *columns[4:])
    if result.rows and result.rows[0].input_tokens_p50 is not None:
        columns += PERCENTILE_COLUMNS
    for_table = _chosen_format(fmt, output) is OutputFormat.table
    if from_file is not None:  # the requests were counted: how surely
        columns += for_people(ACCURACY_COLUMNS) if for_table else ACCURACY_COLUMNS
    days = number_of(result.days_per_month, "day")
    if simulated is not None:
        caching = "prompt caching as simulated" if cache else "no prompt caching"
    elif result.cache_hit_rate:
        caching = (f"{plain_number(result.cache_hit_rate * 100)}% of input read from cache at "
                   "the cache-read price (cache writes not included)")
    else:
        caching = "no prompt caching"
    preamble = (
        f"Workload: {number_of(rpd, 'request')} a day; {result.workload}.",
        f"Prices: table {result.pricing_version}, {'batch' if batch else service_tier} prices, "
        f"{caching}; long-context tiers by prompt size; a month is {days}, a year 365.",
        # What the simulation assumed of one model only (its cache rules, its window).
        *assumption_lines(result.simulated_assumptions, shared=False),
    )
    _emit([r.row(for_table=for_table) for r in result.rows], columns, fmt, output,
          preamble=preamble, currency=currency, priced_by=result.pricing_version)
    _report_unknown(unknown)


# What --from-usage observes in the log, and so cannot be given as well.
_OBSERVED_IN_USAGE = (
    "input_tokens", "output_tokens", "from_file", "input_format", "column", "cache_hit_rate",
    "batch",
    "service_tier", "web_searches", "images", "off_peak", "turns", "system_tokens",
    "user_tokens", "assistant_tokens", "strategy", "window", "summarize_at", "summary_tokens",
    "cache", "cache_ttl")


def _param(ctx: click.Context, name: str) -> click.Parameter:
    return next(param for param in ctx.command.params if param.name == name)


def _given(ctx: click.Context, names: Sequence[str]) -> list[str]:
    """The options among ``names`` the command line gave, as the user spells them."""
    source = click.core.ParameterSource
    return [_param(ctx, name).opts[0] for name in names
            if ctx.get_parameter_source(name) not in (None, source.DEFAULT)]


def _only_with_from_usage(ctx: click.Context) -> None:
    given = _given(ctx, ("since", "until", "window_days"))
    if given:
        raise OptionError(f"{' and '.join(given)} go{'es' if len(given) == 1 else ''} with "
                          "--from-usage, choosing the days of its log")


def _project_from_usage(
    ctx: click.Context, paths: list[str], rpd: int | None, model: list[str] | None,
    since: datetime | None, until: datetime | None, window_days: int | None,
    days_per_month: float, fmt: OutputFormat | None, output: Path | None,
    currency: str | None, pricing_version: str | None, pricing: Path | None,
) -> None:
    """``project --from-usage``: the observed traffic, on its own models or on those named."""
    from tokcost.reports.usage_projection import USAGE_PROJECTION_COLUMNS, project_usage

    observed = _given(ctx, _OBSERVED_IN_USAGE)
    if observed:
        raise OptionError(f"--from-usage observes the workload (tokens, cache hits, service "
                          f"tiers and batch use) in the log: leave out {', '.join(observed)}")
    if _given(ctx, ("provider",)):
        raise OptionError("--from-usage projects the observed models, or the models named with "
                          "-m: leave out --provider")
    table = _table(pricing_version, pricing)
    chosen, unknown = _chosen_models(table, model) if model else ([], [])
    result = project_usage(
        paths, table, models=[m.id for m in chosen], since=since.date() if since else None,
        until=until.date() if until else None, window_days=window_days,
        requests_per_day=rpd, days_per_month=str(days_per_month))
    for note in result.notes:
        _note(note)
    for problem in result.problems:
        typer.echo(_shown(f"tokcost: error: {problem}"), err=True)
    if not result.rows:
        typer.echo("tokcost: error: no usage records could be read", err=True)
        raise typer.Exit(ExitStatus.ERROR)
    _emit([row.row() for row in result.rows], USAGE_PROJECTION_COLUMNS, fmt, output,
          preamble=_usage_preamble(result, paths), total=[result.total] if result.total else [],
          currency=currency, priced_by=result.pricing_version)
    _report_unknown(unknown)
    if result.problems:
        raise typer.Exit(ExitStatus.ERROR)


def _usage_preamble(result: Any, paths: Sequence[str]) -> tuple[str, ...]:
    """What --from-usage observed and assumed, above its table (and in each JSON object)."""
    window = result.window
    requests = number_of(result.requests, "request")
    observed = (f"{requests} from {', '.join(paths)}" if window is None else
                f"{requests} from {', '.join(paths)} over {number_of(window.days, 'day')} "
                f"({window.first} to {window.last}, UTC), "
                f"{plain_number(_rounded(result.observed_requests_per_day))} a day")
    rate = (f"; projected at {plain_number(result.requests_per_day)} a day (--rpd), in the "
            "observed mix" if result.rate_given else "")
    hits = ("no prompt tokens" if result.cache_hit_rate is None else
            f"{plain_number(result.cache_hit_rate * 100)}% of prompt tokens read from cache")
    priced = ("the whole traffic on each model named, tokens scaled where the tokenizers "
              "differ (an estimate)" if result.on_models else
              "each model's own traffic at its logged service tiers and batch rates")
    return (f"Workload: observed, {observed}{rate}; {hits}.",
            f"Prices: table {result.pricing_version}, {priced}; a month is "
            f"{number_of(result.days_per_month, 'day')}, a year 365.")


def _rounded(value: Decimal) -> Decimal:
    """A rate for people: two places at most."""
    return value.quantize(Decimal("0.01")).normalize() if value != value.to_integral_value() \
        else value


@app.command()
def simulate(
    model: Annotated[Optional[list[str]], typer.Option(
        "--model", "-m", help="The model (repeat to compare; default gpt-4o).")] = None,
    turns: Annotated[Optional[int], typer.Option(
        "--turns", "-n", min=1, max=MAX_TURNS,
        help="Turns (requests) to simulate; with --from, the first N turns (default: all).")
    ] = None,
    system_tokens: SystemTokensOption = None,
    system_file: Annotated[Optional[Path], typer.Option(
        "--system", metavar="FILE", dir_okay=False,
        help="A system prompt file, counted with the model's tokenizer.")] = None,
    user_tokens: UserTokensOption = None,
    assistant_tokens: AssistantTokensOption = None,
    from_file: Annotated[Optional[str], typer.Option(
        "--from", metavar="FILE", help="Replay a real conversation (a local file or a URL): "
                                       "each user turn is a request, the reply that follows "
                                       "is its output.")] = None,
    column: ColumnOption = None,
    strategy: StrategyOption = StrategyChoice.full,
    window: WindowOption = None,
    summarize_at: SummarizeAtOption = None,
    summary_tokens: SummaryTokensOption = None,
    cache: Annotated[bool, typer.Option(
        "--cache", help="Prompt caching: read the previous request's prefix from the cache."
    )] = False,
    cache_ttl: CacheTtlOption = None,
    service_tier: ServiceTierOption = "standard",
    web_searches: WebSearchesOption = 0,
    currency: CurrencyOption = None,
    max_output: Annotated[Optional[int], typer.Option(
        "--max-output", min=0, max=MAX_TOKENS,
        help="Tokens reserved for the reply when checking that a request fits, as a "
             "max_tokens you send (default: each request's own reply).")] = None,
    no_chart: Annotated[bool, typer.Option(
        "--no-chart", help="Leave out the terminal chart of the table format.")] = False,
    plot: Annotated[Optional[Path], typer.Option(
        "--plot", metavar="FILE", help="Also draw the growth to a .png or .svg file (needs "
                                       "the plot extra: pip install 'tokcost\\[plot]').")
    ] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    pricing_version: PricingVersionOption = None,
    pricing: PricingFileOption = None,
    calibration: CalibrationOption = None,
) -> None:
    """Simulate how a conversation's requests grow turn by turn, and what each one costs."""
    from tokcost.output import format_usd
    from tokcost.reports.charts import growth_chart
    from tokcost.reports.simulation import SIMULATION_COLUMNS
    from tokcost.reports.simulation import simulate_models as run

    if plot is not None:
        from tokcost.reports.plotting import check_plot_target

        check_plot_target(plot)
    system_text = None
    if system_file is not None:
        if system_tokens is not None:
            raise OptionError("give either --system FILE or --system-tokens, not both")
        system_text = _read_system_prompt(system_file)
    if from_file is not None and (system_tokens is not None or system_file is not None
                                  or user_tokens is not None or assistant_tokens is not None):
        raise OptionError("--from replays the conversation's own sizes; leave out "
                           "--system, --system-tokens, --user-tokens and --assistant-tokens")
    table = _table(pricing_version, pricing)
    tier = _service_tier(table, service_tier)
    chosen, unknown = _chosen_models(table, model or ["gpt-4o"])
    models = [m.id for m in chosen]
    results = run(
        models, turns if turns is not None or from_file is not None else 10,
        system_tokens=system_tokens, user_tokens=user_tokens,
        assistant_tokens=assistant_tokens, system_text=system_text, from_file=from_file,
        strategy=strategy.value, window=window, summarize_at=summarize_at,
        summary_tokens=summary_tokens, cache=cache, cache_ttl=cache_ttl and cache_ttl.value,
        max_output=max_output, table=table, service_tier=tier, web_searches=web_searches,
        column=column,
    )
    for note in dict.fromkeys(note for result in results for note in result.notes):
        _note(note)
    money = format_usd if currency is None else _currency(currency).show
    # The models asked for, not only those known, decide the table's shape: an unknown one
    # among several leaves the others' rows as they would be, each naming its model.
    several = len(results) + len(unknown) > 1
    names = ", ".join(result.model for result in results)
    preamble = (f"Model{'s' if len(results) > 1 else ''}: {names}; prices from table "
                f"{table.label}.",
                *assumption_lines({result.model: result.assumptions for result in results}))
    lines: list[str] = []
    for result in results:
        lines += ["", *_simulation_summary(result, money, several)]
        if not no_chart:
            points = [(str(row.turn) + ("s" if row.request == "summary" else ""),
                       row.input_tokens, row.cumulative_cost_usd) for row in result.rows]
            window = table.resolve(result.model).model.context_window
            lines += ["", *growth_chart(points, window=window, columns=_chart_columns(output),
                                        fits=[row.fits for row in result.rows])]
    # Several models: one table, each row saying whose it is, so that growth compares.
    columns: tuple[Column, ...] = (
        (Column("model"), *SIMULATION_COLUMNS) if several else SIMULATION_COLUMNS)
    for_table = _chosen_format(fmt, output) is OutputFormat.table
    if from_file is not None or system_text is not None:  # real text counted: how surely
        columns += for_people(ACCURACY_COLUMNS) if for_table else ACCURACY_COLUMNS
    rows = [{"model": result.model, **row.row(for_table=for_table)} if several
            else row.row(for_table=for_table) for result in results for row in result.rows]
    _emit(rows, columns, fmt, output, preamble=preamble, epilogue=lines, currency=currency,
          priced_by=table.label)
    if plot is not None:
        from tokcost.reports.plotting import write_plot

        windows = [table.resolve(result.model).model.context_window for result in results]
        if len(results) > 1:
            from tokcost.reports.plotting import write_comparison_plot

            write_comparison_plot(results, plot, windows)
        else:
            write_plot(results[0], plot, windows[0])
        _note(f"wrote {plot}")
    _report_unknown(unknown)


def _simulation_summary(result: Any, money: Callable[[Decimal], str], named: bool
                        ) -> list[str]:
    """The lines under the table: totals, growth and where requests stop fitting."""
    summary = result.summary
    total = "unpriced" if summary.total_cost_usd is None else money(summary.total_cost_usd)
    mean = ("" if summary.mean_cost_per_turn_usd is None
            else f"; {money(summary.mean_cost_per_turn_usd)} a turn on average")
    growth = Decimal(summary.last_input_tokens) / max(summary.first_input_tokens, 1)
    fits = ("every request fits the context window" if summary.first_turn_not_fitting is None
            else f"from turn {summary.first_turn_not_fitting} on, a request no longer fits the "
                 "context window")
    head = f"{result.model}: " if named else ""
    return [
        f"{head}Total: {summary.total_input_tokens:,} input and "
        f"{summary.total_output_tokens:,} output tokens in "
        f"{number_of(summary.requests, 'request')} over {number_of(summary.turns, 'turn')}, "
        f"{total}{mean}.",
        f"{head}Growth: the last turn sends {summary.last_input_tokens:,} input tokens, "
        f"{growth:.1f}x the first turn's {summary.first_input_tokens:,}.",
        f"{head}Context: {fits}.",
    ]


def _read_system_prompt(path: Path) -> str:
    from tokcost.files import SYSTEM_PROMPT_LIMIT, read_small_file

    try:
        return read_small_file(path, SYSTEM_PROMPT_LIMIT, "system prompt").decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputFileError(f"{path}: byte {error.start}: not valid UTF-8") from None


@app.command()
def calibrate(
    logs: Annotated[list[Path], typer.Argument(
        metavar="LOG...", help="JSON Lines of {\"request\": ..., \"response\": ...}: requests "
                               "in OpenAI, Anthropic or Gemini shape and the API's responses.")],
    model: Annotated[Optional[str], typer.Option(
        "--model", "-m", help="The model of every logged request (else each line's own).")
    ] = None,
    write: Annotated[Optional[Path], typer.Option(
        "--write", "-w", metavar="FILE", dir_okay=False,
        help="Write the calibration file that --calibration FILE applies.")] = None,
    min_records: Annotated[int, typer.Option(
        "--min-records", min=2, max=MAX_MIN_RECORDS,
        help="Fewer logged requests of a model than this: its bundled rule is kept.")] = 10,
    fmt: FormatOption = None,
    output: OutputOption = None,
    pricing_version: PricingVersionOption = None,
    pricing: PricingFileOption = None,
) -> None:
    """Fit each model's counting rule on your own logs, and show the error before and after."""
    from tokcost.reports.calibrate import CALIBRATE_COLUMNS, write_calibration
    from tokcost.reports.calibrate import calibrate as run

    if os.environ.pop(CALIBRATION_ENV_VAR, None):  # main() puts it back
        _note(f"${CALIBRATION_ENV_VAR} is not applied here: logs are measured against the "
              "bundled rules")
    # A model the newest table no longer sells is calibrated with the rule of the newest
    # bundled table that has it, unless a table was chosen.
    tables = _table_by_day(pricing_version, pricing)
    result = run(logs, tables, model=model, min_records=min_records,
                 sources=", ".join(str(path) for path in logs))
    for note in result.notes:
        _note(note)
    for problem in result.problems:
        typer.echo(_shown(f"tokcost: error: {problem}"), err=True)
    if result.rows:
        _emit(result.rows, CALIBRATE_COLUMNS, fmt, output)
    if write is not None and not result.calibrated:
        # An empty file would undo the calibration a file holds: it is left as it was.
        kept = "left as it was" if write.exists() else "not written"
        typer.echo(f"tokcost: error: no model was calibrated, so {write} is {kept}", err=True)
        raise typer.Exit(ExitStatus.ERROR)
    if write is not None:
        write_calibration(result, write)
        count = result.calibrated
        _note(f"wrote {number_of(count, 'calibrated model')} to {write}; apply "
              f"it with --calibration {write} or TOKCOST_CALIBRATION={write}")
    if result.problems or not result.rows:
        raise typer.Exit(ExitStatus.ERROR)


class UsageGrouping(str, Enum):
    """The choices of ``usage --by`` (tokcost.reports.usage.GROUPINGS)."""

    model = "model"
    day = "day"
    week = "week"
    month = "month"
    session = "session"
    file = "file"


class UsageInputFormat(str, Enum):
    """The choices of ``usage --input-format`` (tokcost.formats.usage.INPUT_FORMATS)."""

    auto = "auto"
    openai_chat = "openai-chat"
    openai_responses = "openai-responses"
    anthropic = "anthropic"
    gemini = "gemini"
    openai_batch = "openai-batch"
    anthropic_batch = "anthropic-batch"
    request_response = "request-response"
    request_reported = "request-reported"
    claude_code = "claude-code"
    codex = "codex"


@app.command()
def usage(
    paths: Annotated[Optional[list[str]], typer.Argument(
        help="Logged API responses: JSON Lines or a JSON list (OpenAI Chat Completions or "
             "Responses, Anthropic Messages, Gemini; OpenAI Batch output; {\"request\", "
             "\"response\"} lines; Claude Code and Codex CLI session logs), as files, "
             "directories (searched for JSON files), glob patterns, URLs (s3://, gs://, hf://, "
             "https://), or - for standard input.",
        metavar="[PATH...]", show_default=False)] = None,
    by: Annotated[Optional[list[UsageGrouping]], typer.Option(
        "--by", case_sensitive=False,
        help="One row per model (the default), day, ISO week or month (from each record's "
             "time), session (a coding agent's) or file; repeat for rows of each "
             "combination (--by model --by day).")
    ] = None,
    tz: Annotated[Optional[str], typer.Option(
        "--tz", metavar="ZONE",
        help="The time zone of days, weeks, months and --since/--until: an IANA name "
             "(Europe/Paris), local, or an offset (+02:00). Default: UTC.")] = None,
    model: Annotated[Optional[str], typer.Option(
        "--model", "-m", help="The model of records that name none.")] = None,
    reprice_on: Annotated[Optional[list[str]], typer.Option(
        "--reprice-on", metavar="MODEL",
        help="Also price the same traffic on this model (repeat for more): a cost_on_MODEL "
             "column, tokens scaled where the tokenizers differ.")] = None,
    since: Annotated[Optional[datetime], typer.Option(
        "--since", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD",
        help="Only records from this day on (UTC, or --tz).")] = None,
    until: Annotated[Optional[datetime], typer.Option(
        "--until", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD",
        help="Only records up to this day, included (UTC, or --tz).")] = None,
    encoding_errors: Annotated[EncodingErrors, typer.Option(
        "--encoding-errors", case_sensitive=False,
        help="What to do with bytes that are not UTF-8: stop (strict) or read them as U+FFFD "
             "(replace).")] = EncodingErrors.STRICT,
    chart: Annotated[bool, typer.Option(
        "--chart", help="Draw each row's cost as a bar under the table (--by day for cost "
                        "per day).")] = False,
    plot: Annotated[Optional[Path], typer.Option(
        "--plot", metavar="FILE", help="Also draw each row's cost to a .png or .svg file "
                                       "(needs the plot extra: pip install "
                                       "'tokcost\\[plot]').")] = None,
    compare_estimate: Annotated[bool, typer.Option(
        "--compare-estimate",
        help="Instead of costs: tokcost's offline estimate of each logged request "
             "({\"request\", \"response\"} lines) beside the prompt tokens billed for it, per "
             "model, with the error. Loads the tokenizer.")] = False,
    input_format: Annotated[UsageInputFormat, typer.Option(
        "--input-format", case_sensitive=False,
        help="Read every line as this format, a line of another being an error (default: "
             "told from each line).")] = UsageInputFormat.auto,
    currency: CurrencyOption = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    pricing_version: PricingVersionOption = None,
    pricing: PricingFileOption = None,
) -> None:
    """What logged API responses cost: the tokens each one billed, priced by model or by day.

    Each record is priced at its own service tier (and batch rates for batch output), with
    each provider's rules for cached and reasoning tokens. Needs no tokenizer.
    """
    from tokcost.output import format_usd
    from tokcost.reports.usage import time_zone, usage_report

    if plot is not None:
        from tokcost.reports.plotting import check_plot_target

        check_plot_target(plot)

    if not paths:
        if sys.stdin is None or sys.stdin.isatty():
            raise TokcostError("give a log of API responses, or pipe one in (tokcost usage "
                               "responses.jsonl)")
        paths = ["-"]
    if compare_estimate:  # it counts by each model's rule, and prices nothing
        others: dict[str, object] = {
            "--by": by, "--tz": tz, "--reprice-on": reprice_on, "--since": since,
            "--until": until, "--currency": currency, "--chart": chart, "--plot": plot}
        return _compare_estimate(paths, _table_by_day(pricing_version, pricing), model,
                                 encoding_errors, fmt, output, others)
    tables = _table_by_day(pricing_version, pricing)
    report = usage_report(paths, tables, by=[key.value for key in by or ()], model=model,
                          tz=time_zone(tz) if tz is not None else timezone.utc,
                          encoding_errors=encoding_errors.value,
                          since=since.date() if since else None,
                          until=until.date() if until else None,
                          reprice_on=[m.id for m in _chosen_models(tables.default, reprice_on)[0]]
                          if reprice_on else (),
                          input_format=input_format.value)
    for note in report.notes:
        _note(note)
    for problem in report.problems:
        typer.echo(_shown(f"tokcost: error: {problem}"), err=True)
    if report.rows:
        money = format_usd if currency is None else _currency(currency).show
        _emit(report.rows, report.columns, fmt, output,
              total=[report.total] if report.total else [], currency=currency,
              priced_by=report.priced_by, preamble=(report.heading,),
              epilogue=["", *report.chart(money, _chart_columns(output))] if chart else ())
        if plot is not None:
            from tokcost.reports.plotting import write_cost_plot

            write_cost_plot(report.bars(), plot, report.chart_title)
            _note(f"wrote {plot}")
    if report.problems or not report.rows:
        if not report.rows and not report.problems:
            typer.echo("tokcost: error: no usage records found", err=True)
        raise typer.Exit(ExitStatus.ERROR)


def _compare_estimate(paths: list[str], table: Any, model: str | None,
                      encoding_errors: EncodingErrors, fmt: OutputFormat | None,
                      output: Path | None, others: dict[str, object]) -> None:
    """``usage --compare-estimate``: a report of its own, per model, that takes none of the
    options of the cost report."""
    from tokcost.reports.usage_compare import COMPARE_COLUMNS, compare_estimates

    given = [name for name, value in others.items() if value]
    if given:
        raise OptionError(f"--compare-estimate compares tokens per model over the whole log: "
                          f"it does not go with {', '.join(given)}")
    result = compare_estimates(paths, table, model=model, encoding_errors=encoding_errors.value)
    for note in result.notes:
        _note(note)
    for problem in result.problems:
        typer.echo(_shown(f"tokcost: error: {problem}"), err=True)
    if result.rows:
        _emit(result.rows, COMPARE_COLUMNS, fmt, output,
              total=[result.total] if result.total else [])
    if result.problems:
        raise typer.Exit(ExitStatus.ERROR)


@app.command()
def models(
    provider: Annotated[Optional[list[str]], typer.Option(
        "--provider", "-p", help="Only this provider's models (openai, anthropic, google...; "
                                 "repeat, or separate with commas, for more).")] = None,
    mode: Annotated[Optional[ModelMode], typer.Option(
        "--mode", case_sensitive=False, help="Only chat or only embedding models.")] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    pricing_version: PricingVersionOption = None,
    pricing: PricingFileOption = None,
    calibration: CalibrationOption = None,
) -> None:
    """List the models in the price table: prices per million tokens, limits, tokenizer and
    how exact its counts are."""
    from tokcost.reports.catalog import MODEL_COLUMNS, MODEL_TABLE_COLUMNS, model_rows

    table = _table(pricing_version, pricing)
    for_table = _chosen_format(fmt, output) is OutputFormat.table
    rows = model_rows(table, _listed(provider), for_table=for_table,
                      mode=mode.value if mode else None)
    _emit(rows, MODEL_TABLE_COLUMNS if for_table else MODEL_COLUMNS, fmt, output,
          preamble=(f"Prices in USD per million tokens; price table {table.label}.",))


@pricing_app.command("versions")
def pricing_versions(
    fmt: FormatOption = None,
    output: OutputOption = None,
    pricing_version: PricingVersionOption = None,
    pricing: PricingFileOption = None,
) -> None:
    """List the price-table snapshots and which one is used by default."""
    from tokcost.reports.catalog import VERSION_COLUMNS, version_rows

    _emit(version_rows(_table(pricing_version, pricing)), VERSION_COLUMNS, fmt, output)


@pricing_app.command("show")
def pricing_show(
    model: Annotated[str, typer.Argument(help="Model id, alias or provider/model.")],
    fmt: FormatOption = None,
    output: OutputOption = None,
    pricing_version: PricingVersionOption = None,
    pricing: PricingFileOption = None,
) -> None:
    """Show everything the price table says about one model, tiers and aliases included."""
    from tokcost.reports.catalog import SHOW_COLUMNS, show_rows

    table = _table(pricing_version, pricing)
    found = table.resolve(model)
    if found.note:
        _note(found.note)
    _emit(show_rows(table, found.model), SHOW_COLUMNS, fmt, output)


def _table_from_name(name: str):  # noqa: ANN202
    """A bundled version (a date), or else a path to a price-table file."""
    from tokcost.pricing.table import bundled_versions, load_bundled, load_file

    # What looks like a date is a version; anything else (a .yaml, a path) is a file, so that a
    # missing file is called that rather than an unknown version.
    if name == "latest":
        return load_bundled(bundled_versions()[-1])
    if name in bundled_versions() or re.fullmatch(r"\d{4}-\d{2}-\d{2}", name):
        return load_bundled(name)
    return load_file(name)


@pricing_app.command("diff")
def pricing_diff(
    old: Annotated[str, typer.Argument(help="Older version (a date, or latest) or a price-table "
                                            "file.")],
    new: Annotated[str, typer.Argument(help="Newer version (a date, or latest) or a price-table "
                                            "file.")],
    model: Annotated[Optional[list[str]], typer.Option(
        "--model", "-m", help="Only this model (repeat for more).")] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Compare two price tables: models added and removed, and every changed price."""
    from tokcost.reports.catalog import DIFF_COLUMNS, diff_rows

    rows = diff_rows(_table_from_name(old), _table_from_name(new), model or ())
    _emit(rows, DIFF_COLUMNS, fmt, output)


@pricing_app.command("check")
def pricing_check(
    file: Annotated[Path, typer.Argument(
        help="LiteLLM's model_prices_and_context_window.json (or its _backup copy), "
             "genai-prices' data.json or the data.py its wheel ships, or either package's "
             "wheel as `pip download --no-deps litellm genai-prices` leaves it.")],
    fmt: FormatOption = None,
    output: OutputOption = None,
    pricing_version: PricingVersionOption = None,
    pricing: PricingFileOption = None,
) -> None:
    """Compare the price table with LiteLLM's or genai-prices' list: every price that
    differs, model by model (a maintainer's check that the table is still true)."""
    from tokcost.pricing.price_lists import read_price_list
    from tokcost.reports.catalog import DIFF_COLUMNS, check_rows

    table = _table(pricing_version, pricing)
    rows, notes = check_rows(table, read_price_list(file))
    for note in notes:
        _note(note)
    _emit(rows, DIFF_COLUMNS, fmt, output,
          preamble=(f"Price table {table.label} (old) against {file} (new).",))


@pricing_app.command("validate")
def pricing_validate(
    file: Annotated[Path, typer.Argument(help="The price table (YAML) to check.")],
) -> None:
    """Check a price table. Exit 0 with a summary, or list every problem and exit 1."""
    from tokcost.pricing.table import load_file

    try:
        table = load_file(file)
    except PricingError as error:
        for problem in error.problems:
            typer.echo(f"tokcost: error: {problem}", err=True)
        count = len(error.problems)
        typer.echo(f"tokcost: {file}: {number_of(count, 'problem')}", err=True)
        raise typer.Exit(ExitStatus.ERROR) from None
    snapshot = table.snapshot
    providers = len({m.provider for m in table})
    typer.echo(f"{file}: valid: {number_of(len(table), 'model')} from "
               f"{number_of(providers, 'provider')}, effective "
               f"{snapshot.effective}, schema version {snapshot.schema_version}")


@pricing_app.command("import-litellm")
def pricing_import_litellm(
    file: Annotated[Path, typer.Argument(
        help="LiteLLM's model_prices_and_context_window.json (or its _backup copy), or the "
             "litellm wheel as `pip download --no-deps litellm` leaves it.")],
    effective: Annotated[str, typer.Option(
        "--effective", metavar="DATE", help="The date the new snapshot takes effect.")],
    models: Annotated[list[str], typer.Option(
        "--models", "-m",
        help="LiteLLM model keys or glob patterns (repeat, or separate with commas).")],
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Where to write the snapshot (default: stdout).")] = None,
) -> None:
    """Write a new price-table snapshot from LiteLLM's price list. Review it before use."""
    from tokcost.pricing.litellm_import import import_litellm, read_litellm_json, selected_patterns
    from tokcost.pricing.schema import build_snapshot
    from tokcost.pricing.yaml_source import parse_price_yaml

    try:
        when = date.fromisoformat(effective)
    except ValueError:
        raise typer.BadParameter(f"{effective!r} is not a date as YYYY-MM-DD",
                                 param_hint="--effective") from None
    result = import_litellm(read_litellm_json(file), when, selected_patterns(models))
    origin = str(out or "<stdout>")
    if result.models:  # refuse to write a snapshot that would not load
        build_snapshot(parse_price_yaml(result.yaml_text, origin), origin)
    for reason in result.skipped:
        _note(f"skipped {reason}")
    for line in result.left_out():
        _note(f"not imported: {line}")
    _note(result.summary())
    if not result.models:
        raise TokcostError(f"no model of {', '.join(models)!s} could be imported (each skip is "
                           f"named above), so nothing is written to {origin}")
    if out is None:
        sys.stdout.write(result.yaml_text)
        sys.stdout.flush()
    else:
        write_text_file(out, result.yaml_text, "--out")
    count = len(result.models)
    typer.echo(f"tokcost: wrote {number_of(count, 'model')} to {origin}", err=True)


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

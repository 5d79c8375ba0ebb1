"""``tokcost count``."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Optional

import typer

from tokcost.cli.app import ExitStatus, app
from tokcost.cli.emit import _chosen_format, _emit, _note, _shown
from tokcost.cli.options import (
    CalibrationOption,
    ColumnOption,
    CurrencyOption,
    EncodingErrors,
    FormatOption,
    InputFormat,
    OutputOption,
    PricingFileOption,
    PricingVersionOption,
    ServiceTierOption,
)
from tokcost.cli.tables import _chosen_models, _report_unknown, _service_tier, _table
from tokcost.errors import ApiError, InputFileError, TokcostError
from tokcost.limits import MAX_JOBS
from tokcost.output import OutputFormat, Row


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

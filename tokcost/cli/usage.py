"""``tokcost usage``."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from tokcost.cli.app import ExitStatus, app
from tokcost.cli.emit import _chart_columns, _currency, _emit, _note, _shown
from tokcost.cli.options import (
    CurrencyOption,
    EncodingErrors,
    FormatOption,
    OutputOption,
    PricingFileOption,
    PricingVersionOption,
)
from tokcost.cli.tables import _chosen_models, _table_by_day
from tokcost.errors import OptionError, TokcostError
from tokcost.output import OutputFormat


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

"""``tokcost project`` and ``tokcost simulate``, which share the simulation options."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import click
import typer

from tokcost.cli.app import ExitStatus, app
from tokcost.cli.emit import _chart_columns, _chosen_format, _currency, _emit, _note, _shown
from tokcost.cli.options import (
    CalibrationOption,
    ColumnOption,
    CurrencyOption,
    FiniteNumber,
    FormatOption,
    InputFormat,
    OutputOption,
    PricingFileOption,
    PricingVersionOption,
    ServiceTierOption,
    WebSearchesOption,
)
from tokcost.cli.tables import _chosen_models, _listed, _report_unknown, _service_tier, _table
from tokcost.errors import InputFileError, OptionError
from tokcost.limits import (
    MAX_REQUESTS_PER_DAY,
    MAX_TOKENS,
    MAX_TURNS,
    MAX_WEB_SEARCHES,
    MAX_WINDOW_DAYS,
)
from tokcost.output import ACCURACY_COLUMNS, Column, OutputFormat, for_people, plain_number
from tokcost.wording import assumption_lines, number_of


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

"""What a workload costs per request, per day, per month and per year, on every model.

A workload is requests per day and the tokens of each request: given, counted from a file of
real conversations (each one request; the mean is projected), or the default support-bot
example of the seed course (2,000 input and 500 output tokens). Costs come from
:func:`tokcost.costing.cost_of`, so long-context tiers, batch and cache prices apply as billed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from tokcost.errors import InputFileError, OptionError, TokcostError, UnpricedError
from tokcost.formats.shape import image_count
from tokcost.limits import (
    MAX_REQUESTS_PER_DAY,
    MAX_TOKENS,
    MAX_WEB_SEARCHES,
    checked_number,
    checked_whole,
)
from tokcost.output import Column, band_joined
from tokcost.pricing.costing import TokenUsage, cost_of
from tokcost.pricing.schema import STANDARD, ModelPrice
from tokcost.pricing.table import PriceTable, load_price_table
from tokcost.wording import number_of

if TYPE_CHECKING:
    from tokcost.counting.counter import Accuracy, ModelCounter, TokenCount
    from tokcost.inputs.sources import WholeDocument as Document
    from tokcost.reports.simulation import Simulation

DEFAULT_INPUT_TOKENS = 2000
DEFAULT_OUTPUT_TOKENS = 500
DEFAULT_DAYS_PER_MONTH = Decimal(30)
DAYS_PER_YEAR = 365

PROJECTION_COLUMNS = (
    Column("model"), Column("provider", drop=4), Column("requests_per_day", "int", drop=5),
    Column("input_tokens", "int", "input", drop=2), Column("output_tokens", "int", "output",
                                                            drop=2),
    Column("cost_per_request_usd", "usd", "per request"), Column("daily_cost_usd", "usd",
                                                                 "per day"),
    Column("monthly_cost_usd", "usd", "per month"),
    Column("yearly_cost_usd", "usd", "per year", drop=3), Column("fits", "bool"),
)
# Mean cached (read from the prompt cache) and written tokens a request, where caching is on.
CACHE_COLUMNS = (Column("cached_tokens", "int", "cached", drop=1),
                 Column("cache_write_tokens", "int", "written", drop=1))
PERCENTILE_COLUMNS = (
    Column("input_tokens_p50", "int", "input p50", drop=6),
    Column("input_tokens_p95", "int", "input p95", drop=6),
    Column("output_tokens_p50", "int", "output p50", drop=6),
    Column("output_tokens_p95", "int", "output p95", drop=6),
)


class Request(NamedTuple):
    """The tokens of one request, and the images in its prompt (for a per-image fee); for one
    counted from a file, how sure its prompt's count is."""

    input: int
    output: int
    images: int = 0
    accuracy: Accuracy = "exact"
    error_p90_pct: Decimal | None = None


class ProjectionRow(NamedTuple):
    """One model's costs for the workload; costs are None where a needed price is unknown."""

    model: str
    provider: str
    requests_per_day: int
    input_tokens: Decimal
    output_tokens: Decimal
    cost_per_request_usd: Decimal | None
    daily_cost_usd: Decimal | None
    monthly_cost_usd: Decimal | None
    yearly_cost_usd: Decimal | None
    fits: bool
    input_tokens_p50: Decimal | None = None
    input_tokens_p95: Decimal | None = None
    output_tokens_p50: Decimal | None = None
    output_tokens_p95: Decimal | None = None
    unpriced: str | None = None
    cached_tokens: Decimal | None = None  # of input_tokens, where caching is on
    cache_write_tokens: Decimal | None = None
    # How sure the requests' counts are, where they were counted from a file (--from).
    accuracy: Accuracy | None = None
    error_p90_pct: Decimal | None = None

    def row(self, *, for_table: bool = False) -> dict[str, Any]:
        row = self._asdict()
        return band_joined(row) if for_table else row


class SimulatedWorkload(NamedTuple):
    """Each request of the workload is a turn of a simulated conversation of ``turns`` turns;
    ``options`` are the keyword arguments of :func:`tokcost.simulate`."""

    turns: int
    options: Mapping[str, Any] = {}  # read only: never changed in place


class Projection(NamedTuple):
    """All rows, cheapest first, and what the projection assumed."""

    rows: list[ProjectionRow]
    requests_per_day: int
    days_per_month: Decimal
    cache_hit_rate: Decimal
    batch: bool
    pricing_version: str
    workload: str
    notes: list[str]
    # With a simulated workload: what each model's simulation assumed (its cache rules, its
    # context window), model -> lines.
    simulated_assumptions: Mapping[str, Sequence[str]] = {}


def _mean(values: Sequence[int]) -> Decimal:
    return Decimal(sum(values)) / len(values)


def _percentile(values: Sequence[int], share: int) -> Decimal:
    """The nearest-rank percentile: a value some request really had."""
    ordered = sorted(values)
    rank = max(1, -(-share * len(ordered) // 100))  # ceil(share * n / 100)
    return Decimal(ordered[rank - 1])


def _usage(request: Request, cache_hit_rate: Decimal, web_searches: int = 0) -> TokenUsage:
    cached = int((request.input * cache_hit_rate).to_integral_value(ROUND_HALF_EVEN))
    return TokenUsage(input=request.input - cached, cache_read=cached, output=request.output,
                      web_searches=web_searches, images=request.images)


OFF_PEAK = "off_peak"  # the service tier of a provider's off-peak prices (DeepSeek)


def project_model(
    model: ModelPrice, requests: Sequence[Request], requests_per_day: int, *,
    cache_hit_rate: Decimal = Decimal(0), batch: bool = False,
    days_per_month: Decimal = DEFAULT_DAYS_PER_MONTH, percentiles: bool = False,
    service_tier: str = STANDARD, web_searches: int = 0, off_peak: Decimal = Decimal(0),
    counted: bool = False,
) -> ProjectionRow:
    """One model's row: the mean cost of the requests, scaled to a day, a month, a year;
    ``counted``: the requests were counted from a file, and the row says how surely."""
    if not requests:
        raise TokcostError("a projection needs at least one request")
    inputs = [r.input for r in requests]
    outputs = [r.output for r in requests]
    spread: dict[str, Any] = {}
    if percentiles:
        spread = {"input_tokens_p50": _percentile(inputs, 50),
                  "input_tokens_p95": _percentile(inputs, 95),
                  "output_tokens_p50": _percentile(outputs, 50),
                  "output_tokens_p95": _percentile(outputs, 95)}
    if cache_hit_rate:
        spread["cached_tokens"] = _mean([_usage(r, cache_hit_rate).cache_read for r in requests])
        spread["cache_write_tokens"] = Decimal(0)  # not modelled with a hit rate
    try:
        costs = [cost_of(model, _usage(r, cache_hit_rate, web_searches), batch=batch,
                         service_tier=service_tier).total for r in requests]
        if off_peak and model.price_set(OFF_PEAK) is not None:
            # A share of the requests is sent when the off-peak prices apply; a model without
            # them bills the same at every hour.
            cheap = [cost_of(model, _usage(r, cache_hit_rate, web_searches), batch=batch,
                             service_tier=OFF_PEAK).total for r in requests]
            costs = [(1 - off_peak) * cost + off_peak * low
                     for cost, low in zip(costs, cheap, strict=True)]
        per_request: Decimal | None = sum(costs, Decimal(0)) / len(costs)
        unpriced = None
    except UnpricedError as error:
        per_request, unpriced = None, error.what
    if counted:
        from tokcost.counting.counter import CountAccuracy

        sure = CountAccuracy()
        for request in requests:
            sure = sure.plus(request.accuracy, request.error_p90_pct)
        spread |= sure._asdict()
    return _row(model, requests_per_day, _mean(inputs), _mean(outputs), per_request,
                days_per_month, all(model.fits(r.input, r.output) for r in requests), unpriced,
                **spread)


def _row(model: ModelPrice, requests_per_day: int, input_tokens: Decimal,
         output_tokens: Decimal, per_request: Decimal | None, days_per_month: Decimal,
         fits: bool, unpriced: str | None, **spread: Any) -> ProjectionRow:
    daily = None if per_request is None else per_request * requests_per_day
    return ProjectionRow(
        model=model.id, provider=model.provider, requests_per_day=requests_per_day,
        input_tokens=input_tokens, output_tokens=output_tokens,
        cost_per_request_usd=per_request, daily_cost_usd=daily,
        monthly_cost_usd=None if daily is None else daily * days_per_month,
        yearly_cost_usd=None if daily is None else daily * DAYS_PER_YEAR,
        fits=fits, unpriced=unpriced, **spread,
    )


def requests_from_document(
    document: Document, counter: ModelCounter, *, output_tokens: int | None = None,
    notes: list[str] | None = None, count_notes: list[str] | None = None,
) -> list[Request]:
    """Each conversation of a read file as one request: its prompt, and the reply ending it.

    A conversation is the request that produced its last assistant turn: the input is
    everything before that turn and the output is the turn. User turns after it (a chat that
    stopped on a question) are left out, with a note. A conversation with no assistant turn is
    all input, with ``output_tokens`` as its reply; without ``output_tokens`` it is skipped,
    with a note, unless no conversation has a reply at all. ``count_notes`` gathers what the
    counts say of the input.
    """
    if document.text is not None:
        counted = counter.text(document.text)
        return [Request(counted.tokens, _given_output(output_tokens, document.label),
                        **_sureness(counted, counter, count_notes))]
    requests = []
    trailing = unreplied = 0
    for conversation in document.conversations:
        messages = conversation.messages
        last = max((index for index, message in enumerate(messages)
                    if message["role"] == "assistant"), default=None)
        if last is not None and last > 0:
            prompt = counter.conversation(conversation, upto=last, detail=False)
            requests.append(Request(prompt.tokens, counter.reply(messages[last]),
                                    image_count(conversation, upto=last),
                                    **_sureness(prompt, counter, count_notes)))
            trailing += last < len(messages) - 1
        elif output_tokens is not None:
            prompt = counter.conversation(conversation, detail=False)
            requests.append(Request(prompt.tokens, output_tokens, image_count(conversation),
                                    **_sureness(prompt, counter, count_notes)))
        else:
            unreplied += 1
    if not requests:
        _given_output(output_tokens, document.label)
    if notes is not None and trailing:
        verb = "ends" if trailing == 1 else "end"
        notes.append(f"{document.label}: {number_of(trailing, 'conversation')} {verb} on a "
                     "user turn; each is the request that produced its last reply")
    if notes is not None and unreplied:
        notes.append(f"{document.label}: {number_of(unreplied, 'conversation')} with no reply "
                     "(no output to price) left out; --output-tokens N prices them with "
                     "N-token replies")
    return requests


def _sureness(count: TokenCount, counter: ModelCounter, notes: list[str] | None
              ) -> dict[str, Any]:
    """How sure a request's count is, for its Request; what the count says of the input (why
    it has no band, say: the model's own notes aside) joins ``notes``."""
    if notes is not None:
        own = (*counter.base_notes, *counter.text_notes)
        notes.extend(note for note in count.notes if note not in own and note not in notes)
    return {"accuracy": count.accuracy, "error_p90_pct": count.error_p90_pct}



def _given_output(output_tokens: int | None, label: str) -> int:
    if output_tokens is None:
        raise InputFileError(f"{label}: a request here does not end with an assistant reply, so "
                             "its output is unknown; pass --output-tokens")
    return output_tokens


def project(
    requests_per_day: int,
    *,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    from_file: str | Path | None = None,
    models: str | Sequence[str] = (),
    provider: str | Sequence[str] | None = None,
    cache_hit_rate: Decimal | float | str = 0,
    batch: bool = False,
    days_per_month: Decimal | float | str = DEFAULT_DAYS_PER_MONTH,
    table: PriceTable | None = None,
    input_format: str | None = None,
    simulated: SimulatedWorkload | None = None,
    service_tier: str = STANDARD,
    web_searches: int = 0,
    off_peak: Decimal | float | str = 0,
    images: int = 0,
    column: str | None = None,
) -> Projection:
    """Project a workload's cost on the named models, or every model in the table (or of the
    provider, or providers, given).

    ``column``: with ``from_file`` a Parquet or Arrow table, the column holding the
    conversations (default: the one its shape suggests)."""
    hit_rate = checked_number("--cache-hit-rate", cache_hit_rate, 0, 1)
    days = checked_number("--days-per-month", days_per_month, 0, 31, above_low=True)
    off_peak_share = checked_number("--off-peak", off_peak, 0, 1)
    checked_whole("--rpd", requests_per_day, 0, MAX_REQUESTS_PER_DAY)
    checked_whole("--input-tokens", input_tokens, 0, MAX_TOKENS)
    checked_whole("--output-tokens", output_tokens, 0, MAX_TOKENS)
    checked_whole("--web-searches", web_searches, 0, MAX_WEB_SEARCHES)
    table = table or load_price_table()
    checked_whole("--images", images, 0, MAX_WEB_SEARCHES)
    if images and (from_file is not None or simulated is not None):
        raise OptionError("--images goes with --input-tokens: --from counts the images in "
                          "the conversations, and --turns simulates text")
    if off_peak_share and simulated is not None:
        raise OptionError("--off-peak goes with --input-tokens or --from: --turns simulates "
                          "one conversation at one time of day")
    if off_peak_share and service_tier != STANDARD:
        raise OptionError("--off-peak and --service-tier go separately: off-peak prices are "
                           "their own tier")
    given = [name for name, value in (("--from", from_file), ("--input-tokens", input_tokens),
                                      ("--turns", simulated)) if value is not None]
    if len(given) > 1:
        raise OptionError(f"give one of {' and '.join(given)}, not both")
    if column is not None and from_file is None:
        raise OptionError("--column chooses the column of a --from table: give --from")
    if simulated is not None and (hit_rate or batch or output_tokens is not None):
        raise OptionError("with --turns, caching and sizes come from the simulation: use "
                           "--cache and --assistant-tokens rather than --cache-hit-rate and "
                           "--output-tokens (--batch is not simulated)")
    from tokcost.arguments import require_path

    require_path(from_file, "project", "from_file")
    # One name is one model, as for provider (not its letters, each looked up).
    names = [models] if isinstance(models, str) else models
    # Every model means every chat model: a chat workload is not priced on embedding models.
    chosen = [table.resolve(name).model for name in names] or [
        model for model in table.models(provider) if model.mode == "chat"]
    notes: list[str] = []
    simulated_sizes: list[str] = []  # what the simulation assumed, for the workload line
    simulated_assumptions: dict[str, Sequence[str]] = {}  # and each model's whole say
    rows = []
    document = None
    # A document's requests for each way of counting: models that count alike share them.
    counted: dict[tuple[object, ...], list[Request]] = {}
    if from_file is not None:
        from tokcost.inputs.sources import read_whole, source_of

        document = read_whole(source_of(from_file), input_format, column)
        notes.extend(document.bad.notes())
    simulations: Iterator[Simulation] = iter(())
    if simulated is not None:
        from tokcost.reports.simulation import simulate_models

        # All the models at once: those that count alike share their requests.
        simulations = iter(simulate_models(
            [model.id for model in chosen], simulated.turns, detail=False, table=table,
            service_tier=service_tier, **simulated.options))
    for model in chosen:
        if document is not None and document.conversations:
            from tokcost.reports.simulation import chat_only

            chat_only(model, f"a chat workload (the conversations of {document.label})")
        if simulated is not None:
            rows.append(_simulated_row(model, next(simulations), simulated, requests_per_day,
                                       days, notes, simulated_sizes, simulated_assumptions))
            continue
        if document is not None:
            from tokcost.counting.counter import (
                ModelCounter,  # the tokenizer stack, only for --from
            )

            counter = ModelCounter(model)
            if counter.counts_like not in counted:
                counted[counter.counts_like] = requests_from_document(
                    document, counter, output_tokens=output_tokens,
                    notes=notes if not counted else None, count_notes=notes)
            requests = counted[counter.counts_like]
        else:
            requests = [Request(DEFAULT_INPUT_TOKENS if input_tokens is None else input_tokens,
                                DEFAULT_OUTPUT_TOKENS if output_tokens is None else
                                output_tokens, images)]
        rows.append(project_model(model, requests, requests_per_day, cache_hit_rate=hit_rate,
                                  batch=batch, days_per_month=days,
                                  percentiles=len(requests) > 1, service_tier=service_tier,
                                  web_searches=web_searches, off_peak=off_peak_share,
                                  counted=document is not None))
    # Cheapest first among the models that take the workload; those it does not fit, then
    # those left unpriced, come after.
    rows.sort(key=lambda r: (r.monthly_cost_usd is None, not r.fits, r.monthly_cost_usd or 0,
                             r.model))
    estimated = [m.id for m in chosen if m.tokenizer.accuracy == "estimate"]
    if document is not None and estimated:
        notes.append("token counts are estimates (a stand-in tokenizer) for "
                     + ", ".join(estimated[:5]) + (" ..." if len(estimated) > 5 else ""))
    if off_peak_share:
        flat = [m.id for m in chosen if m.price_set(OFF_PEAK) is None]
        if flat:
            notes.append("--off-peak: no off-peak prices for " + ", ".join(flat[:5])
                         + (" ..." if len(flat) > 5 else "")
                         + ": they bill the same at every hour, so are priced at their "
                         "standard prices")
    unpriced = [r for r in rows if r.unpriced]
    if unpriced:
        notes.append(f"{number_of(len(unpriced), 'model')} left unpriced, "
                     f"lacking a price this needs: " + "; ".join(
                         f"{r.model} ({r.unpriced})" for r in unpriced[:5])
                     + (" ..." if len(unpriced) > 5 else ""))
    return Projection(rows, requests_per_day, days, hit_rate, batch, table.label,
                      _describe_workload(input_tokens, output_tokens, from_file, document,
                                         simulated, simulated_sizes)
                      + _per_unit(web_searches, images),
                      notes, simulated_assumptions)


def _per_unit(web_searches: int, images: int) -> str:
    """The workload's charges that are not tokens, as words (empty when there are none)."""
    parts = [number_of(n, what, plural) for n, what, plural in (
        (web_searches, "web search", "web searches"), (images, "image", "images")) if n]
    return f"; {' and '.join(parts)} a request" if parts else ""


def _simulated_row(model: ModelPrice, simulation: Simulation, workload: SimulatedWorkload,
                   requests_per_day: int, days_per_month: Decimal, notes: list[str],
                   assumptions: list[str] | None = None,
                   per_model: dict[str, Sequence[str]] | None = None) -> ProjectionRow:
    """The mean request of a simulated conversation; summarising requests add to its cost."""
    notes.extend(simulation.notes)
    if assumptions is not None and not assumptions:
        assumptions.extend(simulation.assumptions[:1])  # the sizes it simulated
    if per_model is not None:
        per_model[model.id] = simulation.assumptions
    summary = simulation.summary
    turns = Decimal(workload.turns)
    total = summary.total_cost_usd
    cache: dict[str, Decimal] = {}
    if workload.options.get("cache"):
        cache = {"cached_tokens": summary.total_cached_tokens / turns,
                 "cache_write_tokens": summary.total_cache_write_tokens / turns}
    return _row(model, requests_per_day, summary.total_input_tokens / turns,
                summary.total_output_tokens / turns, None if total is None else total / turns,
                days_per_month, summary.first_turn_not_fitting is None,
                "price the simulation needs" if total is None else None, **cache)


def _describe_workload(input_tokens: int | None, output_tokens: int | None,
                       from_file: str | Path | None, document: Document | None,
                       simulated: SimulatedWorkload | None = None,
                       simulated_sizes: Sequence[str] = ()) -> str:
    if simulated is not None:
        sizes = f" ({simulated_sizes[0]})" if simulated_sizes else ""
        return (f"each request a turn of a simulated {simulated.turns}-turn conversation"
                f"{sizes}, averaged over its turns (see `tokcost simulate` for its assumptions)")
    if document is not None:
        count = len(document.conversations) if document.conversations else 1
        return (f"{number_of(count, 'request')} from {from_file}"
                f"{document.bad.said()}, counted with each model's tokenizer")
    if input_tokens is None and output_tokens is None:
        return (f"{DEFAULT_INPUT_TOKENS:,} input and {DEFAULT_OUTPUT_TOKENS:,} output tokens a "
                "request, the default workload (a support bot; set --input-tokens and "
                "--output-tokens, or --from FILE)")
    return (f"{DEFAULT_INPUT_TOKENS if input_tokens is None else input_tokens:,} input and "
            f"{DEFAULT_OUTPUT_TOKENS if output_tokens is None else output_tokens:,} output "
            "tokens a request")

"""``tokcost usage``: what logged API responses actually cost, from the usage each one billed.

Each record is read by :func:`tokcost.formats.usage.usage_record` (OpenAI Chat Completions and
Responses, Anthropic Messages, Gemini; OpenAI Batch output and Anthropic Message Batches
results, priced at batch rates; ``{"request", "response"}`` lines), priced with
:func:`~tokcost.pricing.costing.cost_of` at its own service tier and long-context tier, and
summed by model or by day (UTC). A record whose model the table does not know, or that needs
a price the table lacks, is counted but left out of the cost, and said so: never $0.

Every record is priced with one table (the default, or the one chosen); choosing for each
record the snapshot in force on its date is not done yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal, NamedTuple

from tokcost.errors import InputFileError, OptionError, UnknownModelError, UnpricedError
from tokcost.formats.usage import (
    AUTO,
    INPUT_FORMATS,
    LogState,
    NotBilled,
    UsageError,
    UsageRecord,
    usage_record,
)
from tokcost.inputs.sources import JSON_SUFFIXES, expand_inputs, json_values
from tokcost.output import Column
from tokcost.pricing.costing import TokenUsage, cost_of
from tokcost.pricing.schema import STANDARD, ModelPrice
from tokcost.pricing.table import PriceTable

GROUPINGS = ("model", "day", "week", "month")
Grouping = Literal["model", "day", "week", "month"]
# A period's name for a record's time (UTC): what each time grouping keys its rows by. The
# names sort in time order: 2026-12-01, 2026-W49 (ISO weeks, Monday first), 2026-12.
PERIODS: dict[str, Callable[[datetime], str]] = {
    "day": lambda time: time.date().isoformat(),
    "week": lambda time: "{}-W{:02d}".format(*time.isocalendar()[:2]),
    "month": lambda time: f"{time.year:04d}-{time.month:02d}",
}
# The group of records that lack what the grouping needs. (Not "-": a spreadsheet would take
# a cell starting with one for a formula, and CSV output neutralises it.)
NO_GROUP = {"model": "(no model)", **{period: "(no time)" for period in PERIODS}}
TOKEN_KINDS = ("input", "cached", "cache_write", "output", "reasoning")


def usage_columns(by: str, repriced_on: Sequence[str] = (), reported: bool = False
                  ) -> tuple[Column, ...]:
    """The columns of a usage report; ``reported``: the cost the logs state themselves
    (Claude Code's costUSD), beside ours."""
    return (
        Column(by), Column("requests", "int", "n"),
        Column("input", "int"), Column("cached", "int", drop=2),
        Column("cache_write", "int", "cache write", drop=3), Column("output", "int"),
        Column("reasoning", "int", drop=1), Column("unpriced", "int", drop=4),
        Column("cost_usd", "usd", "cost"),
        *((Column("reported_cost_usd", "usd", "log says"),) if reported else ()),
        *(Column(repriced_column(model), "usd", f"on {model}") for model in repriced_on),
    )


class PlacedRecord(NamedTuple):
    """A usage record and where it was read (``file:line``)."""

    place: str
    record: UsageRecord


@dataclass
class UsageLog:
    """What the inputs hold: the records, the lines that could not be read, and notes."""

    records: list[PlacedRecord] = field(default_factory=list)
    problems: list[InputFileError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> lines
    repeats: int = 0


def read_usage(paths: Sequence[str], encoding_errors: str = "strict", *,
               input_format: str = AUTO) -> UsageLog:
    """Every usage record of the files, folders (their JSON files), globs and ``-`` (stdin)
    named; a bad line or file is a problem, and the rest still count. ``input_format``: read
    every line as that format (one of INPUT_FORMATS), a line of another being a problem."""
    if input_format not in INPUT_FORMATS:
        raise ValueError(f"input_format must be one of {', '.join(INPUT_FORMATS)}, not "
                         f"{input_format!r}")
    sources, problems, notes = expand_inputs(paths, JSON_SUFFIXES)
    log = UsageLog(problems=list(problems), notes=list(notes))
    seen: set[str] = set()  # the identities of the requests read, where the log gives them
    records, skipped = log.records, log.skipped
    for source in sources:
        state = LogState()  # what a file's earlier lines said (a session log's model)
        try:
            for place, value in json_values(source, encoding_errors):
                if isinstance(value, InputFileError):  # a line that is not JSON
                    log.problems.append(value)
                    continue
                try:
                    record = usage_record(value, state, input_format)
                except UsageError as error:
                    log.problems.append(InputFileError(f"{place}: {error}"))
                    continue
                except RecursionError:
                    log.problems.append(InputFileError(f"{place}: JSON nested too deeply"))
                    continue
                if isinstance(record, NotBilled):
                    skipped[record.reason] = skipped.get(record.reason, 0) + 1
                    continue
                key = record.key
                if key is not None:
                    if key in seen:
                        log.repeats += 1  # the same request again (a streamed update)
                        continue
                    seen.add(key)
                records.append(PlacedRecord(place, record))
        except InputFileError as error:  # this file's problem; the others go on
            log.problems.append(error)
    for reason, lines in log.skipped.items():
        log.notes.append(f"{lines:,} line{'s' if lines != 1 else ''} skipped: {reason}")
    if log.repeats:
        log.notes.append(f"{_requests(log.repeats)} logged again under the same message and "
                         "request id, counted once")
    return log


class PricedRecord(NamedTuple):
    record: UsageRecord
    model: str  # the table's id, else the name the record gives ("" for none)
    cost: Decimal | None  # None: unpriced
    repriced: tuple[Decimal | None, ...] = ()  # its cost on each --reprice-on model


def repriced_column(model: str) -> str:
    """The column of what the traffic would cost on ``model`` (--reprice-on)."""
    return f"cost_on_{model}_usd"


@dataclass
class UsageReport:
    """Rows by group, the total line, notes for people and the problems met."""

    by: str
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None
    notes: list[str]
    problems: list[InputFileError]
    priced: list[PricedRecord]
    repriced_on: list[str] = field(default_factory=list)  # the table's ids of --reprice-on

    @property
    def reported(self) -> bool:
        """Whether any record states its own cost (Claude Code's costUSD)."""
        return any(item.record.reported_cost is not None for item in self.priced)


def price_records(records: Iterable[UsageRecord], table: PriceTable,
                  model: str | None = None) -> tuple[list[PricedRecord], list[str]]:
    """Each record priced on its model (``model`` for records naming none), at its service
    tier and batch rates; notes say which were left unpriced and why."""
    priced: list[PricedRecord] = []
    why: dict[str, int] = {}  # reason -> records
    resolved: dict[str, Any] = {}
    notes: dict[str, None] = {}
    for record in records:
        name = record.model or model or ""
        if not name:
            priced.append(PricedRecord(record, "", None))
            reason = "they name no model; pass --model to price them"
            why[reason] = why.get(reason, 0) + 1
            continue
        if name not in resolved:
            try:
                found = table.resolve(name)
                resolved[name] = found.model
                if found.note:
                    notes[found.note] = None
            except UnknownModelError as error:
                resolved[name] = error
        entry = resolved[name]
        if isinstance(entry, UnknownModelError):
            priced.append(PricedRecord(record, name, None))
            reason = str(entry)
            why[reason] = why.get(reason, 0) + 1
            continue
        usage = TokenUsage(input=record.input, output=record.output,
                           cache_read=record.cache_read, cache_write_5m=record.cache_write_5m,
                           cache_write_1h=record.cache_write_1h,
                           web_searches=record.web_searches)
        try:
            cost = cost_of(entry, usage, batch=record.batch,
                           service_tier=record.service_tier).total
        except UnpricedError as error:
            priced.append(PricedRecord(record, entry.id, None))
            reason = str(error).replace(", so this cost is unknown", "")
            why[reason] = why.get(reason, 0) + 1
            continue
        priced.append(PricedRecord(record, entry.id, cost))
    for reason, seen in why.items():
        notes[f"{_requests(seen)} unpriced (left out of cost_usd): {reason}"] = None
    return priced, list(notes)


def summarise(priced: Sequence[PricedRecord], by: Grouping = "model",
              repriced_on: Sequence[str] = ()
              ) -> tuple[list[dict[str, Any]], dict[str, Any] | None, list[str]]:
    """Rows by model (dearest first) or by UTC day (in order), the total line (for two rows
    or more), and notes."""
    groups: dict[str, list[PricedRecord]] = {}
    for item in priced:
        groups.setdefault(_group(item, by), []).append(item)
    rows = [_row(by, key, items, repriced_on) for key, items in groups.items()]
    if by in PERIODS:
        rows.sort(key=lambda row: (row[by] == NO_GROUP[by], row[by]))
    else:
        rows.sort(key=lambda row: (row["cost_usd"] is None, -(row["cost_usd"] or 0),
                                   row["model"]))
    notes = []
    untimed = len(groups.get(NO_GROUP[by], ())) if by in PERIODS else 0
    if untimed:
        notes.append(f"{_requests(untimed)} carry no time; they are in the {NO_GROUP[by]} "
                     "row")
    total = _row(by, "total", list(priced), repriced_on) if len(rows) > 1 else None
    return rows, total, notes


def reprice(priced: Sequence[PricedRecord], targets: Sequence[ModelPrice], table: PriceTable
            ) -> tuple[list[PricedRecord], list[str]]:
    """Each priced record with what it would cost on each target model: the same kinds of
    token, scaled by the ratio of the two models' measured text ratios to the stand-in
    encoding where their tokenizers differ, at the target's prices (its record's batch rates
    and service tier where the target is sold so, else standard, with a note)."""
    notes: dict[str, None] = {}
    scales: dict[tuple[str, str], Decimal] = {}  # (source, target) -> tokens on the target
    out = []
    for item in priced:
        if item.cost is None:  # unpriced on its own model: nothing to compare
            out.append(item._replace(repriced=tuple(None for _ in targets)))
            continue
        costs: list[Decimal | None] = []
        for target in targets:
            scale = scales.get((item.model, target.id))
            if scale is None:
                source = table.resolve(item.model).model
                scale = scales[item.model, target.id] = _text_ratio(target) / _text_ratio(source)
                if scale != 1:
                    notes[f"on {target.id}: {source.id}'s tokens scaled by {scale:.3f}, the "
                          "ratio of their counting rules' measured text ratios (their "
                          "tokenizers differ; an estimate whose error on billed tokens is "
                          "not measured)"] = None
            tier = item.record.service_tier
            if target.price_set(tier) is None:
                notes[f"on {target.id}: {tier} requests priced at standard prices, which it "
                      f"is sold at instead"] = None
                tier = STANDARD
            record = item.record
            usage = TokenUsage(
                input=_scaled(record.input, scale), output=_scaled(record.output, scale),
                cache_read=_scaled(record.cache_read, scale),
                cache_write_5m=_scaled(record.cache_write_5m, scale),
                cache_write_1h=_scaled(record.cache_write_1h, scale),
                web_searches=record.web_searches)
            try:
                costs.append(cost_of(target, usage, batch=record.batch and target.batch
                                     is not None, service_tier=tier).total)
            except UnpricedError as error:
                costs.append(None)
                notes[f"on {target.id}: {error}"] = None
        out.append(item._replace(repriced=tuple(costs)))
    return out, list(notes)


def _text_ratio(model: ModelPrice) -> Decimal:
    """Tokens of the model's tokenizer per stand-in token, as its counting rule measured it."""
    from tokcost.counting.rules import rule_for  # rules only, no tokenizer is loaded

    rule = rule_for(model)
    ratio = rule.weights.get("text", 1.0) if rule.method == "weighted" else 1.0
    return Decimal(str(ratio)) * Decimal(str(model.tokenizer.factor))


def _scaled(tokens: int, scale: Decimal) -> int:
    return tokens if scale == 1 else int((tokens * scale).to_integral_value(ROUND_HALF_EVEN))


def usage_report(paths: Sequence[str], table: PriceTable, *, by: Grouping = "model",
                 model: str | None = None, encoding_errors: str = "strict",
                 since: date | None = None, until: date | None = None,
                 reprice_on: Sequence[str] = (), input_format: str = AUTO) -> UsageReport:
    """Read, price and sum the usage records the paths hold; with ``since``/``until``, only
    those of those days (UTC, both included)."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    if since is not None and until is not None and since > until:
        raise OptionError(f"--since {since} is after --until {until}")
    log = read_usage(paths, encoding_errors, input_format=input_format)
    records = [placed.record for placed in log.records]
    window_notes = []
    if since is not None or until is not None:
        untimed = sum(record.time is None for record in records)
        records = [record for record in records if record.time is not None
                   and (since is None or record.time.date() >= since)
                   and (until is None or record.time.date() <= until)]
        if untimed:
            window_notes.append(f"{_requests(untimed)} carry no time and are left out of the "
                                "--since/--until window")
    targets = [table.resolve(name).model for name in reprice_on]
    priced, price_notes = price_records(records, table, model)
    if targets:
        priced, reprice_notes = reprice(priced, targets, table)
        price_notes += reprice_notes
    rows, total, group_notes = summarise(priced, by, [target.id for target in targets])
    return UsageReport(by, rows, total, [*log.notes, *window_notes, *price_notes,
                                         *group_notes], log.problems, priced,
                       [target.id for target in targets])


def _group(item: PricedRecord, by: str) -> str:
    if by in PERIODS:
        time = item.record.time
        return PERIODS[by](time) if time is not None else NO_GROUP[by]
    return item.model or NO_GROUP["model"]


def _row(by: str, key: str, items: Sequence[PricedRecord], repriced_on: Sequence[str] = ()
         ) -> dict[str, Any]:
    costs = [item.cost for item in items if item.cost is not None]
    records = [item.record for item in items]
    on_others = {}
    for index, model in enumerate(repriced_on):
        found = [cost for item in items if item.repriced
                 and (cost := item.repriced[index]) is not None]
        on_others[repriced_column(model)] = sum(found, Decimal(0)) if found else None
    return on_others | {
        by: key, "requests": len(items),
        "input": sum(r.input for r in records),
        "cached": sum(r.cache_read for r in records),
        "cache_write": sum(r.cache_write_5m + r.cache_write_1h for r in records),
        "output": sum(r.output for r in records),
        "reasoning": sum(r.reasoning for r in records),
        "unpriced": len(items) - len(costs),
        "cost_usd": sum(costs, Decimal(0)) if costs else None,
        "reported_cost_usd": sum(stated, Decimal(0)) if (stated := [
            r.reported_cost for r in records if r.reported_cost is not None]) else None,
    } | on_others


def _requests(count: int) -> str:
    return f"{count:,} request{'s' if count != 1 else ''}"

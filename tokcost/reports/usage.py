"""``tokcost usage``: what logged API responses actually cost, from the usage each one billed.

Each record is read by :func:`tokcost.formats.usage.usage_record` (OpenAI Chat Completions and
Responses, Anthropic Messages, Gemini; OpenAI Batch output and Anthropic Message Batches
results, priced at batch rates; ``{"request", "response"}`` lines), priced with
:func:`~tokcost.pricing.costing.cost_of` at its own service tier and long-context tier, and
summed by model or by day (UTC). A record whose model the table does not know, or that needs
a price the table lacks, is counted but left out of the cost, and said so: never $0.

Each record is priced with the bundled snapshot in force on its day (UTC), as
:class:`~tokcost.pricing.dated.DatedTables` chooses it, or with the one table the user chose
(:class:`~tokcost.pricing.dated.OneTable`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal, NamedTuple, cast

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
from tokcost.inputs.bad_lines import BadLines, unit_of
from tokcost.inputs.sources import JSON_SUFFIXES, expand_inputs, json_values
from tokcost.output import Column
from tokcost.pricing.costing import Cost, TokenUsage, cost_of
from tokcost.pricing.dated import Chosen, DatedTables, OneTable, TableChoice
from tokcost.pricing.schema import STANDARD, ModelPrice
from tokcost.pricing.table import PriceTable
from tokcost.reports.session_copies import COPIED, session_copies
from tokcost.wording import number_of

GROUPINGS = ("model", "day", "week", "month", "session", "file")
Grouping = Literal["model", "day", "week", "month", "session", "file"]
# A period's name for a record's time (in the report's time zone): what each time grouping keys
# its rows by. The names sort in time order: 2026-12-01, 2026-W49 (ISO weeks, Monday first),
# 2026-12.
PERIODS: dict[str, Callable[[datetime], str]] = {
    "day": lambda time: time.date().isoformat(),
    "week": lambda time: "{}-W{:02d}".format(*time.isocalendar()[:2]),
    "month": lambda time: f"{time.year:04d}-{time.month:02d}",
}
# The group of records that lack what the grouping needs. (Not "-": a spreadsheet would take
# a cell starting with one for a formula, and CSV output neutralises it.)
NO_GROUP = {"model": "(no model)", "session": "(no session)", "file": "(no file)",
            **{period: "(no time)" for period in PERIODS}}
TOKEN_KINDS = ("input", "cached", "cache_write", "output", "reasoning")
# What each kind of token cost, beside the total: Cost's parts, by column.
COST_PARTS = {"input_usd": "input", "cached_usd": "cache_read",
              "cache_write_usd": "cache_write", "output_usd": "output", "fees_usd": "fees"}


def usage_columns(by: str | Sequence[str], repriced_on: Sequence[str] = (),
                  reported: bool = False, fees: bool = False) -> tuple[Column, ...]:
    """The columns of a usage report; ``reported``: the cost the logs state themselves
    (Claude Code's costUSD), beside ours; ``fees``: what was billed per unit (web searches).
    (On a narrow terminal the cost of each kind goes first, then unpriced, cache writes,
    cached and reasoning.)"""
    keys = (by,) if isinstance(by, str) else tuple(by)
    return (
        *(Column(key) for key in keys), Column("requests", "int", "n"),
        Column("input", "int"), Column("cached", "int", drop=2),
        Column("cache_write", "int", "cache write", drop=3), Column("output", "int"),
        Column("reasoning", "int", drop=1), Column("unpriced", "int", drop=4),
        Column("input_usd", "usd", "input $", drop=9),
        Column("cached_usd", "usd", "cached $", drop=8),
        Column("cache_write_usd", "usd", "write $", drop=7),
        Column("output_usd", "usd", "output $", drop=6),
        *((Column("fees_usd", "usd", "fees $", drop=5),) if fees else ()),
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
    # The identities of the requests read, where the log gives them: where in ``records``.
    seen: dict[str, int] = {}
    records, skipped = log.records, log.skipped
    # Each file's state once read: the sessions its lines named (its own, those it copies).
    files: dict[str, LogState] = {}
    for source in sources:
        state = files[source.label] = LogState()  # what a file's earlier lines said
        bad = BadLines(source.label)
        try:
            for place, value in json_values(source, encoding_errors):
                bad.unit = unit_of(place)
                if isinstance(value, InputFileError):  # a line that is not JSON
                    bad.add(value)
                    continue
                try:
                    record = usage_record(value, state, input_format)
                except UsageError as error:
                    bad.add(InputFileError(f"{place}: {error}"))
                    continue
                except RecursionError:
                    bad.add(InputFileError(f"{place}: JSON nested too deeply"))
                    continue
                if isinstance(record, NotBilled):
                    skipped[record.reason] = skipped.get(record.reason, 0) + 1
                    continue
                key = record.key
                if key is not None:
                    if key in seen:
                        log.repeats += 1  # the same request again (a streamed update)
                        _keep_the_final(records, seen[key], record)
                        continue
                    seen[key] = len(records)
                records.append(PlacedRecord(place, record._replace(source=source.label)))
        except InputFileError as error:  # this file's problem; the others go on
            log.problems.extend(bad.shown())
            log.problems.append(error)
            continue
        log.problems.extend(bad.shown())
        if bad.count:
            log.notes.append(bad.note())
    copies, copy_notes = session_copies([placed.record for placed in records], files)
    if copies:
        log.records = [placed for index, placed in enumerate(records) if index not in copies]
        skipped[COPIED] = skipped.get(COPIED, 0) + len(copies)
    log.notes += copy_notes
    for reason, lines in log.skipped.items():
        log.notes.append(f"{number_of(lines, 'line')} skipped: {reason}")
    if log.repeats:
        log.notes.append(f"{number_of(log.repeats, 'request')} logged again under the same "
                         "message id, counted once (with the counts of its last update)")
    return log


def _keep_the_final(records: list[PlacedRecord], index: int, again: UsageRecord) -> None:
    """Of a request logged more than once, keep the counts of the update that is furthest on
    (a streamed message's output grows line by line; the last line has its final count), at
    the place and time it was first logged."""
    first = records[index]
    if again.output > first.record.output:
        records[index] = first._replace(record=again._replace(
            time=first.record.time or again.time, source=first.record.source))


class PricedRecord(NamedTuple):
    record: UsageRecord
    model: str  # the table's id, else the name the record gives ("" for none)
    cost: Decimal | None  # None: unpriced
    repriced: tuple[Decimal | None, ...] = ()  # its cost on each --reprice-on model
    price: ModelPrice | None = None  # the model's entry in the table that priced it
    table: str = ""  # that table's label
    parts: Cost | None = None  # the cost by part (input, output, cache, fees)


def repriced_column(model: str) -> str:
    """The column of what the traffic would cost on ``model`` (--reprice-on)."""
    return f"cost_on_{model}_usd"


@dataclass
class UsageReport:
    """Rows by group, the total line, notes for people and the problems met."""

    by: tuple[str, ...]  # the groupings, in turn
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None
    notes: list[str]
    problems: list[InputFileError]
    priced: list[PricedRecord]
    repriced_on: list[str] = field(default_factory=list)  # the table's ids of --reprice-on
    priced_by: str = ""  # the label of the table, or tables, that priced the records

    @property
    def heading(self) -> str:
        """What priced the records: the one table, or each table and how many it priced."""
        dated: dict[str, int] = {}  # table label -> dated records it priced
        undated: dict[str, int] = {}
        for item in self.priced:
            if item.table:
                counts = dated if item.record.time is not None else undated
                counts[item.table] = counts.get(item.table, 0) + 1
        if ", " not in self.priced_by:  # one table for all
            return f"Billed usage priced with table {self.priced_by}, each request at its " \
                   "service tier."
        parts = [f"{label} for {number_of(seen, 'request') if not index else f'{seen:,}'}"
                 for index, (label, seen) in enumerate(sorted(dated.items()))]
        without = "; ".join(f"{number_of(seen, 'request')} without a time with {label}"
                            for label, seen in sorted(undated.items()))
        return ("Billed usage priced with the table in force on each request's day (UTC)"
                + (f": {', '.join(parts)}" if parts else "") + (f"; {without}" if without
                                                               else "")
                + ". Each request at its service tier.")

    @property
    def reported(self) -> bool:
        """Whether any record states its own cost (Claude Code's costUSD)."""
        return any(item.record.reported_cost is not None for item in self.priced)

    @property
    def columns(self) -> tuple[Column, ...]:
        fees = any(item.parts is not None and item.parts.fees for item in self.priced)
        return usage_columns(self.by, self.repriced_on, self.reported, fees)

    def bars(self) -> list[tuple[str, Decimal | None]]:
        """Each row's cost, labelled by its groups, for a chart; rows of records without a
        time are no period, so they are not drawn."""
        return [(" ".join(str(row[key]) for key in self.by), row["cost_usd"])
                for row in self.rows if not self._untimed(row)]

    @property
    def chart_title(self) -> str:
        return "cost per " + " and ".join(self.by)

    def chart(self, money: Callable[[Decimal], str], columns: int | None = None) -> list[str]:
        """The lines of a terminal chart of each row's cost (``columns`` cells wide at
        most), saying what it leaves out."""
        from tokcost.reports.charts import cost_chart

        lines = cost_chart(self.bars(), money=money, title=self.chart_title, columns=columns)
        untimed = sum(row["requests"] for row in self.rows if self._untimed(row))
        if untimed:
            lines.append(f"(not drawn: {number_of(untimed, 'request')} without a time)")
        return lines

    def _untimed(self, row: dict[str, Any]) -> bool:
        return any(row[key] == NO_GROUP[key] for key in self.by if key in PERIODS)


def price_records(records: Iterable[UsageRecord], tables: PriceTable | TableChoice,
                  model: str | None = None) -> tuple[list[PricedRecord], list[str]]:
    """Each record priced on its model (``model`` for records naming none), at its service
    tier and batch rates, with the table chosen for its day; notes say which were left
    unpriced and why, and which were priced with a table other than the one in force."""
    choice = OneTable(tables) if isinstance(tables, PriceTable) else tables
    priced: list[PricedRecord] = []
    why: dict[str, int] = {}  # reason -> records
    notes: dict[str, None] = {}
    instead: dict[tuple[str, str, str], int] = {}  # (model, table, why) -> records
    for record in records:
        name = record.model or model or ""
        if not name:
            priced.append(PricedRecord(record, "", None))
            reason = "they name no model; pass --model to price them"
            why[reason] = why.get(reason, 0) + 1
            continue
        try:
            chosen = choice.choose(name, _day(record))
        except UnknownModelError as error:
            priced.append(PricedRecord(record, name, None))
            why[str(error)] = why.get(str(error), 0) + 1
            continue
        entry = chosen.resolution.model
        if chosen.resolution.note:
            notes[chosen.resolution.note] = None
        if chosen.instead:
            place = (name, chosen.table, chosen.instead)
            instead[place] = instead.get(place, 0) + 1
        usage = TokenUsage(input=record.input, output=record.output,
                           cache_read=record.cache_read, cache_write_5m=record.cache_write_5m,
                           cache_write_1h=record.cache_write_1h,
                           web_searches=record.web_searches)
        parts, used, lacking = _cost(record, usage, chosen, choice, name)
        if parts is None:
            reason = f"model {entry.id!r} has no {lacking} in price table {chosen.table}"
            why[reason] = why.get(reason, 0) + 1
        elif used is not chosen:
            lacks = re.sub(r" \(.*\)$", "", lacking)  # (what it is sold at: not needed here)
            place = (name, used.table, f"table {chosen.table}, chosen for their day, has no "
                                       f"{lacks}")
            instead[place] = instead.get(place, 0) + 1
        priced.append(PricedRecord(record, used.resolution.model.id,
                                   parts.total if parts else None,
                                   price=used.resolution.model, table=used.table, parts=parts))
    for (name, table, reason), seen in instead.items():
        notes[f"{number_of(seen, 'request')} of {name} priced with table {table} ({reason})"] = None
    for reason, seen in why.items():
        notes[f"{number_of(seen, 'request')} unpriced (left out of cost_usd): {reason}"] = None
    return priced, list(notes)


def _cost(record: UsageRecord, usage: TokenUsage, chosen: Chosen, choice: TableChoice,
          name: str) -> tuple[Cost | None, Chosen, str]:
    """The record's cost with the chosen table or, where that one lacks a price the record
    needs, the first other table that has it; with the table used and the price lacking."""
    lacking = ""
    # The other tables are looked at only when the chosen one fails: almost never.
    for candidate in itertools.chain((chosen,), choice.alternatives(name, chosen.table)):
        try:
            return cost_of(candidate.resolution.model, usage, batch=record.batch,
                           service_tier=record.service_tier), candidate, lacking
        except UnpricedError as error:
            lacking = lacking or error.what
    return None, chosen, lacking


def _day(record: UsageRecord) -> date | None:
    """The day whose table prices the record: its UTC date."""
    return record.time.date() if record.time is not None else None


def summarise(priced: Sequence[PricedRecord], by: Grouping | Sequence[Grouping] = "model",
              repriced_on: Sequence[str] = (), tz: tzinfo = timezone.utc
              ) -> tuple[list[dict[str, Any]], dict[str, Any] | None, list[str]]:
    """Rows by each grouping in turn (``("model", "day")``: a row for each model's day), the
    total line (for two rows or more), and notes. Periods are in the time zone ``tz`` and in
    time order; models, sessions and files dearest first."""
    keys = _groupings(by)
    groups: dict[tuple[str, ...], list[PricedRecord]] = {}
    for item in priced:
        groups.setdefault(tuple(_group(item, key, tz) for key in keys), []).append(item)
    # Each level's order: periods in time; the rest by the cost of all their records.
    spent: list[dict[str, Decimal]] = [{} for _ in keys]
    for group, items in groups.items():
        cost = sum((item.cost for item in items if item.cost is not None), Decimal(0))
        for level, name in enumerate(group):
            spent[level][name] = spent[level].get(name, Decimal(0)) + cost

    def order(group: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple((name == NO_GROUP[key], name if key in PERIODS else -spent[level][name],
                      name) for level, (key, name) in enumerate(zip(keys, group, strict=True)))

    rows = [_row(keys, group, groups[group], repriced_on) for group in sorted(groups, key=order)]
    notes = []
    for level, key in enumerate(keys):
        if key in PERIODS:
            untimed = sum(len(items) for group, items in groups.items()
                          if group[level] == NO_GROUP[key])
            if untimed:
                they = "carries no time; it is" if untimed == 1 else "carry no time; they are"
                notes.append(f"{number_of(untimed, 'request')} {they} in the "
                             f"{NO_GROUP[key]} row{'s' if len(keys) > 1 else ''}")
            break
    total = _row(keys, ("total", *("" for _ in keys[1:])), list(priced), repriced_on) \
        if len(rows) > 1 else None
    return rows, total, notes


def reprice(priced: Sequence[PricedRecord], targets: Sequence[str],
            tables: PriceTable | TableChoice) -> tuple[list[PricedRecord], list[str]]:
    """Each priced record with what it would cost on each target model (in the table chosen
    for its day): the same kinds of token, scaled by the ratio of the two models' measured
    text ratios to the stand-in encoding where their tokenizers differ, at the target's
    prices (its record's batch rates and service tier where the target is sold so, else
    standard, with a note)."""
    choice = OneTable(tables) if isinstance(tables, PriceTable) else tables
    notes: dict[str, None] = {}
    scales: dict[tuple[str, str], Decimal] = {}  # (source, target) -> tokens on the target
    out = []
    for item in priced:
        if item.cost is None or item.price is None:  # unpriced on its own model
            out.append(item._replace(repriced=tuple(None for _ in targets)))
            continue
        costs: list[Decimal | None] = []
        source = item.price
        for name in targets:
            chosen = choice.choose(name, _day(item.record))
            target = chosen.resolution.model
            if chosen.instead:
                notes[f"on {target.id}: priced with table {chosen.table} for some requests "
                      f"({chosen.instead})"] = None
            scale = scales.get((source.id, target.id))
            if scale is None:
                scale = scales[source.id, target.id] = token_scale(source, target)
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
            record = converted(item.record, scale)
            if record.batch and target.batch is None:
                notes[f"on {target.id}: batch requests priced at standard prices (it has no "
                      "batch price)"] = None
            usage = TokenUsage(
                input=record.input, output=record.output, cache_read=record.cache_read,
                cache_write_5m=record.cache_write_5m, cache_write_1h=record.cache_write_1h,
                web_searches=record.web_searches)
            try:
                costs.append(cost_of(target, usage, batch=record.batch and target.batch
                                     is not None, service_tier=tier).total)
            except UnpricedError as error:
                costs.append(None)
                notes[f"on {target.id}: {error}"] = None
        out.append(item._replace(repriced=tuple(costs)))
    return out, list(notes)


def token_scale(source: ModelPrice, target: ModelPrice) -> Decimal:
    """How many tokens ``target`` bills for one that ``source`` billed, by the ratio of their
    counting rules' measured text ratios (1 where they count alike)."""
    return _text_ratio(target) / _text_ratio(source)


def converted(record: UsageRecord, scale: Decimal) -> UsageRecord:
    """The record's tokens as a model billing ``scale`` times as many counts them, each kind
    rounded to a whole token."""
    if scale == 1:
        return record
    return record._replace(
        input=_scaled(record.input, scale), output=_scaled(record.output, scale),
        cache_read=_scaled(record.cache_read, scale),
        cache_write_5m=_scaled(record.cache_write_5m, scale),
        cache_write_1h=_scaled(record.cache_write_1h, scale))


def _text_ratio(model: ModelPrice) -> Decimal:
    """Tokens of the model's tokenizer per stand-in token, as its counting rule measured it."""
    from tokcost.counting.rules import rule_for  # rules only, no tokenizer is loaded

    rule = rule_for(model)
    ratio = rule.weights.get("text", 1.0) if rule.method == "weighted" else 1.0
    return Decimal(str(ratio)) * Decimal(str(model.tokenizer.factor))


def _scaled(tokens: int, scale: Decimal) -> int:
    return tokens if scale == 1 else int((tokens * scale).to_integral_value(ROUND_HALF_EVEN))


def usage_report(paths: Sequence[str], tables: PriceTable | TableChoice | None = None, *,
                 by: Grouping | Sequence[Grouping] = "model", model: str | None = None,
                 encoding_errors: str = "strict", since: date | None = None,
                 until: date | None = None, reprice_on: Sequence[str] = (),
                 tz: tzinfo = timezone.utc, input_format: str = AUTO) -> UsageReport:
    """Read, price and sum the usage records the paths hold, each with the table chosen for
    its day (one table: every record); with ``since``/``until``, only those of those days
    (in the time zone ``tz``, both included), and periods in that zone. Without ``tables``,
    the bundled tables, each on its days."""
    keys = _groupings(by)
    if since is not None and until is not None and since > until:
        raise OptionError(f"--since {since} is after --until {until}")
    choice = OneTable(tables) if isinstance(tables, PriceTable) else \
        tables if tables is not None else DatedTables.bundled()
    if model is not None:
        choice.choose(model, None)  # a model typed as an option must be one: else the error
    log = read_usage(paths, encoding_errors, input_format=input_format)
    records = [placed.record for placed in log.records]
    window_notes = []
    if since is not None or until is not None:
        untimed = sum(record.time is None for record in records)
        records = [record for record in records if record.time is not None
                   and (since is None or record.time.astimezone(tz).date() >= since)
                   and (until is None or record.time.astimezone(tz).date() <= until)]
        if untimed:
            verbs = "carries no time and is" if untimed == 1 else "carry no time and are"
            window_notes.append(f"{number_of(untimed, 'request')} {verbs} left out of the "
                                "--since/--until window")
    targets = [choice.choose(name, None).resolution.model.id for name in reprice_on]
    priced, price_notes = price_records(records, choice, model)
    if targets:
        priced, reprice_notes = reprice(priced, targets, choice)
        price_notes += reprice_notes
    rows, total, group_notes = summarise(priced, keys, targets, tz)
    # The bundled tables that priced a record, not every one there is (a table the user
    # gives prices them all).
    used = ", ".join(sorted({item.table for item in priced if item.table}))
    return UsageReport(keys, rows, total, [*log.notes, *window_notes, *price_notes,
                                           *group_notes], log.problems, priced, targets,
                       priced_by=choice.label if isinstance(choice, OneTable) or not used
                       else used)


def _groupings(by: str | Sequence[str]) -> tuple[Grouping, ...]:
    """The groupings asked for, checked: known ones, each once (none: by model)."""
    keys = (by,) if isinstance(by, str) else tuple(by)
    for key in keys:
        if key not in GROUPINGS:
            raise ValueError(f"by must be among {', '.join(GROUPINGS)}, not {key!r}")
    if len(set(keys)) != len(keys):
        raise OptionError(f"--by {' --by '.join(keys)}: give each grouping once")
    return cast("tuple[Grouping, ...]", keys) or ("model",)


def time_zone(name: str) -> tzinfo:
    """A time zone by IANA name (Europe/Paris), UTC, ``local`` (this machine's) or an offset
    from UTC (+02:00, -0530, +2); OptionError for anything else."""
    text = name.strip()
    if text.casefold() in ("utc", "z"):
        return timezone.utc
    if text.casefold() == "local":
        local = datetime.now().astimezone().tzinfo
        assert local is not None
        return local
    if match := re.fullmatch(r"([+-])(\d{1,2})(?::?(\d{2}))?", text):
        sign, hours, minutes = match[1], int(match[2]), int(match[3] or 0)
        if hours < 24 and minutes < 60:
            offset = timedelta(hours=hours, minutes=minutes)
            return timezone(-offset if sign == "-" else offset)
    else:
        from zoneinfo import ZoneInfo  # only for a named zone

        try:
            return ZoneInfo(text)
        except (KeyError, ValueError, OSError):  # not found (a KeyError), a bad name or file
            pass
    raise OptionError(f"--tz {name!r} is not a time zone: give an IANA name such as "
                      "Europe/Paris, UTC, local, or an offset such as +02:00")


def _group(item: PricedRecord, by: str, tz: tzinfo = timezone.utc) -> str:
    record = item.record
    if by in PERIODS:
        return PERIODS[by](record.time.astimezone(tz)) if record.time is not None \
            else NO_GROUP[by]
    name = {"model": item.model, "session": record.session, "file": record.source}[by]
    return name or NO_GROUP[by]


def _row(keys: Sequence[str], group: Sequence[str], items: Sequence[PricedRecord],
         repriced_on: Sequence[str] = ()) -> dict[str, Any]:
    # One pass over the records (a report may hold millions): tokens, then money by part.
    tokens = [0, 0, 0, 0, 0]  # input, cached, cache_write, output, reasoning
    money = dict.fromkeys(COST_PARTS, Decimal(0))
    cost = stated = Decimal(0)
    priced = reported = 0
    on_others: list[Decimal | None] = [None] * len(repriced_on)
    tables: set[str] = set()
    for item in items:
        record = item.record
        tokens[0] += record.input
        tokens[1] += record.cache_read
        tokens[2] += record.cache_write_5m + record.cache_write_1h
        tokens[3] += record.output
        tokens[4] += record.reasoning
        if item.cost is not None:
            cost += item.cost
            priced += 1
        if (parts := item.parts) is not None:
            for column, part in COST_PARTS.items():
                money[column] += getattr(parts, part)
        if record.reported_cost is not None:
            stated += record.reported_cost
            reported += 1
        for index, other in enumerate(item.repriced):
            if other is not None:
                on_others[index] = other + (on_others[index] or 0)
        if item.table:
            tables.add(item.table)
    has_parts = any(item.parts is not None for item in items)
    others = {repriced_column(model): on_others[index]
              for index, model in enumerate(repriced_on)}
    return others | dict(zip(keys, group, strict=True)) | {
        "requests": len(items),
        "input": tokens[0],
        "cached": tokens[1],
        "cache_write": tokens[2],
        "output": tokens[3],
        "reasoning": tokens[4],
        "unpriced": len(items) - priced,
        # Each kind's cost over the priced records (the unpriced ones are in none of them).
        **{column: money[column] if has_parts else None for column in COST_PARTS},
        "cost_usd": cost if priced else None,
        "reported_cost_usd": stated if reported else None,
        # The tables that priced the row's records (JSON says it for each row).
        "pricing_version": ", ".join(sorted(tables)) or None,
    } | others


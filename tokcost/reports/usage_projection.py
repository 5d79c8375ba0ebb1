"""``tokcost project --from-usage``: the cost of observed traffic, per day, month and year.

The traffic is the usage records of logged API responses, read and priced as ``tokcost usage``
reads and prices them (:func:`~tokcost.reports.usage.read_usage`,
:func:`~tokcost.reports.usage.price_records`): each request at its own model, service tier and
batch rates, with the cache reads and writes it really had. Only the records of a window of
whole UTC days count: by default the last 30 days of the data, ending on the day of its newest
record.

Requests a day are the window's records over its days, both ends included. Where the log
begins after the window's first day (or ends before an ``until`` later than its newest record),
the rate is over the days the log covers, with a note: days before a log began are not days
without traffic. A record without a time cannot be placed in a window, and is left out.

Each observed model's own traffic is a row, at its own prices; on ``models``, the whole
traffic is projected on each of them instead, its tokens scaled where the tokenizers differ
(:func:`~tokcost.reports.usage.reprice`), an estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, NamedTuple

from tokcost.errors import InputFileError, OptionError, TokcostError, UnknownModelError
from tokcost.formats.usage import UsageRecord
from tokcost.limits import (
    MAX_REQUESTS_PER_DAY,
    MAX_WINDOW_DAYS,
    checked_number,
    checked_whole,
)
from tokcost.output import Column
from tokcost.pricing.schema import ModelPrice
from tokcost.pricing.table import PriceTable, load_price_table
from tokcost.reports.projection import DAYS_PER_YEAR, DEFAULT_DAYS_PER_MONTH
from tokcost.reports.usage import (
    PricedRecord,
    converted,
    price_records,
    read_usage,
    reprice,
    token_scale,
)
from tokcost.wording import number_of

DEFAULT_WINDOW_DAYS = 30
NO_MODEL = "(no model)"  # the row of records that name no model (not "-": see usage.NO_GROUP)
# The hit rate is a statistic shown to people, not money: four places are plenty.
HIT_RATE_PLACES = Decimal("0.0001")

# On a narrow terminal the rate and the costs stay longest; the rarer token kinds go first.
USAGE_PROJECTION_COLUMNS = (
    Column("model"), Column("provider", drop=7), Column("requests", "int", "n", drop=8),
    Column("requests_per_day", "int", "per day", drop=3),
    Column("input_tokens", "int", "input", drop=2),
    Column("cached_tokens", "int", "cached", drop=2),
    Column("cache_write_5m_tokens", "int", "write 5m", drop=5),
    Column("cache_write_1h_tokens", "int", "write 1h", drop=5),
    Column("output_tokens", "int", "output", drop=2),
    Column("web_searches", "int", "searches", drop=6),
    Column("cache_hit_rate", "decimal", "hit rate", drop=1),
    Column("cost_per_request_usd", "usd", "per request"),
    Column("daily_cost_usd", "usd", "daily"), Column("monthly_cost_usd", "usd", "monthly"),
    Column("yearly_cost_usd", "usd", "yearly", drop=4), Column("fits", "bool", drop=1),
)


class Window(NamedTuple):
    """The UTC days the requests a day are over, both included: the chosen window, or the
    part of it the log covers."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


class UsageProjectionRow(NamedTuple):
    """One model's projected traffic: the mean tokens of each kind a request, and costs
    (None where a price it needs is unknown, or the model is)."""

    model: str
    provider: str
    requests: int  # in the window
    requests_per_day: Decimal
    input_tokens: Decimal  # not cached
    cached_tokens: Decimal
    cache_write_5m_tokens: Decimal
    cache_write_1h_tokens: Decimal
    output_tokens: Decimal  # reasoning included
    web_searches: Decimal
    cache_hit_rate: Decimal | None  # cache reads over all prompt tokens; None: no prompt
    cost_per_request_usd: Decimal | None
    daily_cost_usd: Decimal | None
    monthly_cost_usd: Decimal | None
    yearly_cost_usd: Decimal | None
    fits: bool | None  # every request within the model's limits; None: the model is unknown

    def row(self) -> dict[str, Any]:
        return self._asdict()


@dataclass
class UsageProjection:
    """The rows, the total line (of the observed models' own rows), what was observed and
    assumed, notes for people and the lines that could not be read."""

    rows: list[UsageProjectionRow]
    total: dict[str, Any] | None
    requests: int  # the records the projection rests on
    window: Window | None  # None: no record has a time, and --rpd gives the rate
    observed_requests_per_day: Decimal | None
    requests_per_day: Decimal  # what is projected: the observed rate, or the one given
    rate_given: bool  # requests_per_day is the one given, not the observed one
    days_per_month: Decimal
    pricing_version: str
    on_models: bool  # the rows are the whole traffic on the models named
    cache_hit_rate: Decimal | None  # observed: cache reads over all the prompt tokens
    notes: list[str] = field(default_factory=list)
    problems: list[InputFileError] = field(default_factory=list)


def project_usage(
    paths: Sequence[str],
    table: PriceTable | None = None,
    *,
    models: Sequence[str] = (),
    since: date | None = None,
    until: date | None = None,
    window_days: int | None = None,
    requests_per_day: int | None = None,
    days_per_month: Decimal | float | str = DEFAULT_DAYS_PER_MONTH,
    encoding_errors: str = "strict",
) -> UsageProjection:
    """Project the traffic the usage logs at ``paths`` show, over a window of UTC days
    (``since`` to ``until``, both included; by default the ``window_days``, 30, ending on the
    newest record's day), on each observed model or on ``models``; with
    ``requests_per_day``, the observed traffic scaled to that many requests a day."""
    days_per_month_ = checked_number("--days-per-month", days_per_month, 0, 31,
                                     above_low=True)
    checked_whole("--rpd", requests_per_day, 0, MAX_REQUESTS_PER_DAY)
    checked_whole("--window-days", window_days, 1, MAX_WINDOW_DAYS)
    if since is not None and until is not None and since > until:
        raise OptionError(f"--since {since} is after --until {until}")
    if window_days is not None and since is not None:
        raise OptionError("--since sets the window's first day: leave out --window-days")
    table = table or load_price_table()
    targets = [table.resolve(name).model for name in models]
    log = read_usage(paths, encoding_errors)
    notes = list(log.notes)
    records = [placed.record for placed in log.records]
    if not records:
        if not log.problems:
            raise InputFileError(f"{', '.join(paths)}: no usage records found")
        # Nothing to project, and the lines that could not be read say why.
        return UsageProjection([], None, 0, None, None, Decimal(0), requests_per_day is not None,
                               days_per_month_, table.label, bool(targets), None, notes,
                               log.problems)
    window, records = _windowed(records, since, until, window_days or DEFAULT_WINDOW_DAYS,
                                requests_per_day is not None, ", ".join(paths), notes)
    observed = None if window is None else Decimal(len(records)) / window.days
    named = [record for record in records if record.model]
    unnamed = [record for record in records if not record.model]
    priced, price_notes = price_records(named, table)
    # The notes name usage's column; here it is the row's costs that are left empty.
    notes += [note.replace("left out of cost_usd", "their model's costs left empty")
              for note in price_notes]
    if requests_per_day is None:
        assert window is not None  # _windowed gives one unless the rate is given
        projected = _Scale(len(records), days_per_month_, 1, window.days)
    else:
        projected = _Scale(len(records), days_per_month_, requests_per_day, len(records))
    if targets:
        rows = _rows_on(targets, priced, table, projected, notes)
        if unnamed:
            notes.append(f"no model named by {number_of(len(unnamed), 'request')}: left out, "
                         "as their tokens cannot be converted to another model's")
        rows.sort(key=lambda r: (r.monthly_cost_usd is None, r.fits is False,
                                 r.monthly_cost_usd or 0, r.model))
        total = None
    else:
        groups: dict[str, list[PricedRecord]] = {}
        for item in priced:
            groups.setdefault(item.model, []).append(item)
        rows = [_own_row(name, items, table, projected) for name, items in groups.items()]
        if unnamed:
            rows.append(_row(NO_MODEL, "", unnamed, None, projected))
            notes.append(f"no model named by {number_of(len(unnamed), 'request')}: the "
                         f"{NO_MODEL} row has no cost")
        # The parts of one bill: the dearest first, those without a cost last.
        rows.sort(key=lambda r: (r.monthly_cost_usd is None, -(r.monthly_cost_usd or 0),
                                 r.model))
        total = _total(rows, priced, records, projected, notes) if len(rows) > 1 else None
    return UsageProjection(rows, total, len(records), window, observed,
                           projected.per_day(len(records)),
                           requests_per_day is not None, days_per_month_, table.label,
                           bool(targets), _hit_rate(_sums(records)), notes, log.problems)


class _Scale(NamedTuple):
    """How the window's requests, or their costs, become so much a day: times ``per``, over
    ``over`` (1 over the window's days, or the requests a day given over the window's
    requests). Kept as the two whole numbers, so that a day's figure is one division."""

    requests: int  # all the window's requests
    days_per_month: Decimal
    per: int
    over: int

    def per_day(self, amount: Decimal | int) -> Decimal:
        return Decimal(amount) * self.per / self.over


def _windowed(records: list[UsageRecord], since: date | None, until: date | None,
              window_days: int, rate_given: bool, where: str, notes: list[str]
              ) -> tuple[Window | None, list[UsageRecord]]:
    """The window's days and its records; notes say what was left out, and why."""
    timed = [record for record in records if record.time is not None]
    untimed = len(records) - len(timed)
    if not timed:
        if not rate_given:
            raise InputFileError(
                f"{where}: no usage record carries a time (created, created_at, createTime or "
                "timestamp), so requests a day cannot be observed; give --rpd N to project "
                "their mean request at N a day")
        if since is not None or until is not None:
            raise OptionError("--since and --until choose records by their time, and no "
                              "record carries one")
        notes.append(f"no record carries a time, so there is no window: the means are over "
                     f"every record ({len(records):,}), at the requests a day given")
        return None, records
    if untimed:
        notes.append(f"{number_of(untimed, 'request')} "
                     f"{'carries' if untimed == 1 else 'carry'} no time, left out: a request "
                     "without a time cannot be placed in the window")
    days = sorted({_day(record) for record in timed})
    last = until or max(days[-1], since or days[-1])  # a window is never backwards
    first = since or (last - timedelta(days=window_days - 1)
                      if (last - date.min).days >= window_days - 1 else date.min)
    inside = [record for record in timed if first <= _day(record) <= last]
    if not inside:
        raise TokcostError(f"{where}: no usage record falls in the window {first} to {last} "
                           f"(the records run from {days[0]} to {days[-1]})")
    seen = [day for day in days if first <= day <= last]
    # Days before the log began, or after it ended, are not days without traffic.
    covered = Window(first if days[0] < first else seen[0],
                     last if days[-1] > last else seen[-1])
    chosen = Window(first, last)
    if covered != chosen and not rate_given:  # a rate given needs no days
        days_covered = number_of(covered.days, "day")
        notes.append(f"the log covers only {days_covered} of the {chosen.days:,}-day window "
                     f"({first} to {last}), {covered.first} to {covered.last}: the requests a "
                     f"day are over those {days_covered}")
    earlier = sum(_day(record) < first for record in timed)
    later = len(timed) - len(inside) - earlier
    if earlier:
        widen = "--since or --window-days widens it" if since is None else "an earlier " \
            "--since takes them in"
        notes.append(f"{number_of(earlier, 'request')} before {first} left out ({widen})")
    if later:
        notes.append(f"{number_of(later, 'request')} after {last} left out")
    return covered, inside


def _day(record: UsageRecord) -> date:
    assert record.time is not None
    return record.time.date()  # the times are UTC


def _own_row(name: str, items: list[PricedRecord], table: PriceTable, scale: _Scale
             ) -> UsageProjectionRow:
    """A model's own traffic at its own prices (each request's tier and batch rates)."""
    try:
        model: ModelPrice | None = table.resolve(name).model
    except UnknownModelError:
        model = None
    costs = [item.cost for item in items]
    known = None if any(cost is None for cost in costs) else [c for c in costs if c is not None]
    return _row(name, model.provider if model else "", [item.record for item in items], known,
                scale, model)


def _rows_on(targets: Sequence[ModelPrice], priced: list[PricedRecord], table: PriceTable,
             scale: _Scale, notes: list[str]) -> list[UsageProjectionRow]:
    """The traffic on each target: each request's tokens converted, at the target's prices."""
    convertible = [item for item in priced if item.cost is not None]
    if not convertible:
        raise TokcostError("no request is priced on its own model, so none can be converted to "
                           "the models named; `tokcost usage` says why")
    if len(convertible) < len(priced):
        left_out = len(priced) - len(convertible)
        notes.append("left out of the projection on the models named: "
                     f"{number_of(left_out, 'request')} unpriced on "
                     f"{'its' if left_out == 1 else 'their'} own model")
    repriced, reprice_notes = reprice(convertible, [target.id for target in targets], table)
    notes += reprice_notes
    notes.append("on the models named, an estimate: the same requests, with replies as long as "
                 "the logged ones (another model's replies and reasoning may be longer or "
                 "shorter)")
    rows = []
    for index, target in enumerate(targets):
        records = []
        factors: dict[str, Decimal] = {}  # a logged model -> its tokens' scale on the target
        for item in repriced:
            factor = factors.get(item.model)
            if factor is None:
                factor = factors[item.model] = token_scale(table.resolve(item.model).model,
                                                           target)
            records.append(converted(item.record, factor))  # the tokens reprice priced
        costs = [item.repriced[index] for item in repriced]
        known = None if any(cost is None for cost in costs) else [c for c in costs if c is not None]
        rows.append(_row(target.id, target.provider, records, known, scale, target))
    return rows


def _row(name: str, provider: str, records: list[UsageRecord], costs: list[Decimal] | None,
         scale: _Scale, model: ModelPrice | None = None) -> UsageProjectionRow:
    count = len(records)
    sums = _sums(records)
    per_day = scale.per_day(count)
    spent = None if costs is None or not records else sum(costs, Decimal(0))
    # The day's cost from the window's total: one division, not per request x rate.
    daily = None if spent is None else scale.per_day(spent)
    return UsageProjectionRow(
        model=name, provider=provider, requests=count, requests_per_day=per_day,
        input_tokens=Decimal(sums["input"]) / count,
        cached_tokens=Decimal(sums["cache_read"]) / count,
        cache_write_5m_tokens=Decimal(sums["cache_write_5m"]) / count,
        cache_write_1h_tokens=Decimal(sums["cache_write_1h"]) / count,
        output_tokens=Decimal(sums["output"]) / count,
        web_searches=Decimal(sums["web_searches"]) / count,
        cache_hit_rate=_hit_rate(sums),
        cost_per_request_usd=None if spent is None else spent / count,
        daily_cost_usd=daily,
        monthly_cost_usd=None if daily is None else daily * scale.days_per_month,
        yearly_cost_usd=None if daily is None else daily * DAYS_PER_YEAR,
        fits=None if model is None else all(model.fits(_prompt(r), r.output) for r in records),
    )


def _total(rows: list[UsageProjectionRow], priced: list[PricedRecord],
           records: list[UsageRecord], scale: _Scale, notes: list[str]) -> dict[str, Any]:
    """The whole traffic: its requests and means, and the costs of the rows that have them
    (the others left out, with a note: a total is never made whole with $0)."""
    costed = {row.model for row in rows if row.daily_cost_usd is not None}
    costs = [item.cost for item in priced if item.model in costed and item.cost is not None]
    whole = _row("total", "", records, costs, scale)._asdict()
    left_out = len(records) - len(costs)
    if left_out and costs:
        notes.append(f"the total's costs leave out {number_of(left_out, 'request')} of "
                     f"{scale.requests:,}, whose rows have no cost")
    if costs:  # per request: of the requests whose costs are in it
        whole["cost_per_request_usd"] = sum(costs, Decimal(0)) / len(costs)
    else:
        for column in ("cost_per_request_usd", "daily_cost_usd", "monthly_cost_usd",
                       "yearly_cost_usd"):
            whole[column] = None
    del whole["provider"], whole["fits"]
    return whole


def _sums(records: Sequence[UsageRecord]) -> dict[str, int]:
    kinds = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output",
             "web_searches")
    return {kind: sum(getattr(record, kind) for record in records) for kind in kinds}


def _prompt(record: UsageRecord) -> int:
    return record.input + record.cache_read + record.cache_write_5m + record.cache_write_1h


def _hit_rate(sums: dict[str, int]) -> Decimal | None:
    prompt = sums["input"] + sums["cache_read"] + sums["cache_write_5m"] + sums["cache_write_1h"]
    if not prompt:
        return None
    return (Decimal(sums["cache_read"]) / prompt).quantize(HIT_RATE_PLACES, ROUND_HALF_EVEN)



"""A simulated chat's requests as series of token counts, built once and priced on any model.

What a simulated chat sends (each request's input, cached and written tokens, and output) hangs
on how its messages are counted (the framing of a message and of the reply), on the strategy
and on the cache's minimum prefix, never on prices: models that count alike send the same
requests. So the requests are worked out once, as plain numbers, and each model prices them
by groups of requests it bills alike (the same long-context tier, the same kinds of tokens),
which takes a few calls of :func:`~tokcost.pricing.costing.cost_of` however many turns there
are. A cost is linear in the tokens at given rates, so a group costs exactly what its requests
cost one by one. Pricing every request on every model made projecting 100,000 turns on all
models take minutes.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
from collections.abc import Iterator
from decimal import Decimal
from typing import NamedTuple

from tokcost.errors import UnpricedError
from tokcost.pricing.costing import TokenUsage, cost_of, price_steps
from tokcost.pricing.schema import ModelPrice

_ZERO = Decimal(0)


class Shape(NamedTuple):
    """What decides a simulated chat's requests: the same shape, the same series."""

    system: int  # the system prompt's tokens with its framing, sent first by every request
    # The turns as runs of alike ones: (how many, (their user, assistant and output tokens)).
    turns: tuple[tuple[int, tuple[int, int, int]], ...]
    strategy: str
    window: int | None
    summarize_at: int | None
    summary_tokens: int | None
    summary_message: int  # the summary as a message of the new history, framing included
    priming: int  # what a request adds beyond its messages
    cache: bool
    cache_min_tokens: int  # 0 without the cache


class _Kinds(NamedTuple):
    """The requests of one kind (summary or turn, and which of their token counts are not 0),
    in order of prompt size, with running sums of their tokens: the requests whose prompts
    fall between two long-context thresholds are one slice, and its sums come from two
    subtractions."""

    prompts: list[int]  # the input tokens, all of which decide the long-context tier
    places: list[int]  # where each request is in the series
    sums: tuple[list[int], ...]  # running sums of the uncached, cached, written, output tokens


class Series:
    """The requests of a simulated chat, in the order they are sent.

    ``summary[i]``: request i summarises the history rather than sending a turn.
    """

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        columns = zip(*_send_all(shape), strict=True)  # one a request: a column a number
        self.turn: list[int] = list(next(columns))
        self.summary: list[bool] = list(next(columns))
        self.input: list[int] = list(next(columns))
        self.cached: list[int] = list(next(columns))
        self.written: list[int] = list(next(columns))
        self.output: list[int] = list(next(columns))

    def __len__(self) -> int:
        return len(self.turn)

    @functools.cached_property
    def kinds(self) -> list[int]:
        """Each request's kind: summary or turn, and which of its token counts are 0. Requests
        of a kind and a long-context tier are billed alike: the same rates, the same fees, and
        any price they lack is the same."""
        return [summary << 4 | (total > cached + written) << 3 | (cached > 0) << 2
                | (written > 0) << 1 | (output > 0)
                for summary, total, cached, written, output in zip(
                    self.summary, self.input, self.cached, self.written, self.output,
                    strict=True)]

    def usage(self, i: int, write_field: str, web_searches: int) -> TokenUsage:
        """Request i's tokens as billed (a summary searches nothing)."""
        return TokenUsage(input=self.input[i] - self.cached[i] - self.written[i],
                          cache_read=self.cached[i], output=self.output[i],
                          web_searches=0 if self.summary[i] else web_searches,
                          **{write_field: self.written[i]})

    @functools.cached_property
    def _kinds(self) -> dict[int, _Kinds]:
        places: dict[int, list[int]] = {}
        for i, kind in enumerate(self.kinds):
            places.setdefault(kind, []).append(i)
        kinds = {}
        for kind, found in places.items():
            found.sort(key=self.input.__getitem__)  # stable: the same sizes stay in order
            uncached = [self.input[i] - self.cached[i] - self.written[i] for i in found]
            columns = (uncached, [self.cached[i] for i in found],
                       [self.written[i] for i in found], [self.output[i] for i in found])
            kinds[kind] = _Kinds([self.input[i] for i in found], found,
                                 tuple([0, *itertools.accumulate(c)] for c in columns))
        return kinds

    # Running maxima of each request's input plus output, of its output and of its input:
    # the first request that does not fit a model is found by bisection.
    @functools.cached_property
    def _highest_request(self) -> list[int]:
        return list(itertools.accumulate(map(operator.add, self.input, self.output), max))

    @functools.cached_property
    def _highest_output(self) -> list[int]:
        return list(itertools.accumulate(self.output, max))

    @functools.cached_property
    def _highest_input(self) -> list[int]:
        return list(itertools.accumulate(self.input, max))

    def first_not_fitting(self, model: ModelPrice, reserve: int | None) -> int | None:
        """The turn of the first request that does not fit the model (its input and reply
        within the context window, the reply within the max output), or None."""
        window, most = model.context_window, model.max_output_tokens
        if reserve is None:
            first = bisect.bisect_right(self._highest_request, window)
            if most:
                first = min(first, bisect.bisect_right(self._highest_output, most))
        elif most and reserve > most:
            first = 0
        else:
            first = bisect.bisect_right(self._highest_input, window - reserve)
        return self.turn[first] if first < len(self) else None

    def groups(self, model: ModelPrice) -> Iterator[Group]:
        """The requests the model bills alike, kind by kind and tier by tier."""
        cuts = _cuts(model)
        for kind, found in self._kinds.items():
            edges = [0, *(bisect.bisect_left(found.prompts, cut) for cut in cuts),
                     len(found.prompts)]
            for start, end in itertools.pairwise(edges):
                if start < end:
                    uncached, cached, written, output = (sums[end] - sums[start]
                                                         for sums in found.sums)
                    yield Group(kind, end - start, uncached, cached, written, output,
                                found.prompts[start], found.places[start:end])

    @functools.cached_property
    def tokens(self) -> tuple[int, int, int, int]:
        """The whole chat's input, output, cached and written tokens."""
        return sum(self.input), sum(self.output), sum(self.cached), sum(self.written)


class Group(NamedTuple):
    """Requests of a series that a model bills alike: their tokens summed."""

    kind: int
    requests: int
    uncached: int
    cached: int
    written: int
    output: int
    prompt: int  # the input tokens of one of them (they decide the tier): all get its rates
    places: list[int]  # where they are in the series


def _cuts(model: ModelPrice) -> list[int]:
    """The prompt sizes from which a long-context tier of the model applies: requests between
    two of them get the same rates at any service tier."""
    return sorted({tier.above if tier.inclusive else tier.above + 1
                   for tier in price_steps(model)})


def _send_all(shape: Shape) -> list[tuple[int, bool, int, int, int, int]]:
    """Every request of the chat, as a strategy calls for: its turn, whether it summarises,
    and its input, cached, written and output tokens.

    A summary starts a new history (the old one is never sent again). Every request sends the
    system prompt and then a run of one history up to its end (the turn's user message is
    added before its request is sent), so a request is the place its run starts and ends, and
    its tokens and the prefix it shares with the cache come from running sums of the history.
    Prompt caching reads the longest leading run of messages the cache holds: two runs share
    messages only when they start at the same place of the same history, and then all of the
    shorter one.
    """
    system, minimum, priming, caching = (shape.system, shape.cache_min_tokens, shape.priming,
                                         shape.cache)
    sums = [0]  # sums[i]: the tokens of the history's first i messages
    history = 0  # which history: a summary starts the next
    cached: tuple[int, int, int] | None = None  # the history, start and end the cache holds
    sent: list[tuple[int, bool, int, int, int, int]] = []

    def send(turn: int, summary: bool, start: int, output: int) -> None:
        nonlocal cached
        end = len(sums) - 1
        prompt = system + sums[end] - sums[start]
        read = written = 0
        if caching:
            if cached is not None:
                shared = system
                if cached[0] == history and cached[1] == start:
                    shared += sums[min(cached[2], end)] - sums[start]
                read = shared if shared >= minimum else 0
            if prompt >= minimum:
                written = prompt - read
                cached = (history, start, end)
        sent.append((turn, summary, prompt + priming, read, written, output))

    window = 2 * shape.window if shape.strategy == "window" and shape.window is not None \
        else None  # messages kept before the turn's own
    summarize_at = shape.summarize_at if shape.strategy == "summarize" else None
    turns = (turn for count, turn in shape.turns for _ in range(count))
    for number, (user, assistant, output) in enumerate(turns, start=1):
        if summarize_at is not None and sums[-1] > summarize_at:
            assert shape.summary_tokens is not None
            send(number, True, 0, shape.summary_tokens)
            history += 1
            sums = [0, shape.summary_message]
        # The history the request re-sends, before this turn's user message.
        start = 0 if window is None else max(len(sums) - 1 - window, 0)
        sums.append(sums[-1] + user)
        send(number, False, start, output)
        sums.append(sums[-1] + assistant)
    return sent


class Priced(NamedTuple):
    """A series' cost on one model: each request's (when ``costs`` were asked for) and the
    total, None where a price is lacking; ``unpriced``: what the last unpriced request lacked."""

    costs: list[Decimal | None]
    total: Decimal | None
    unpriced: str | None


def total_cost(series: Series, model: ModelPrice, *, service_tier: str, web_searches: int,
               write_field: str) -> Priced:
    """The whole series' cost on the model, priced by groups of requests billed alike."""
    total: Decimal | None = _ZERO
    last, unpriced = -1, None
    for group in series.groups(model):
        usage = TokenUsage(input=group.uncached, cache_read=group.cached, output=group.output,
                           web_searches=0 if group.kind & 16 else group.requests * web_searches,
                           **{write_field: group.written})
        try:
            cost = cost_of(model, usage, service_tier=service_tier, requests=group.requests,
                           prompt_tokens=group.prompt).total
        except UnpricedError as error:
            total = None
            place = max(group.places)  # the last of them: the last unpriced request's lack
            if place > last:
                last, unpriced = place, error.what
            continue
        if total is not None:
            total += cost
    return Priced([], total, unpriced)


class _Rates(NamedTuple):
    """What a token of each kind and the request itself cost, for requests billed alike."""

    uncached: Decimal
    cached: Decimal
    written: Decimal
    output: Decimal
    request: Decimal  # fees


def request_costs(series: Series, model: ModelPrice, *, service_tier: str, web_searches: int,
                  write_field: str) -> Priced:
    """Each request's cost on the model, and the total: a request costs its tokens at the
    rates of the requests billed alike, worked out once for them."""
    cuts = _cuts(model)
    found: dict[tuple[int, int], _Rates | str] = {}
    costs: list[Decimal | None] = []
    total: Decimal | None = _ZERO
    unpriced = None
    kinds = series.kinds
    for i in range(len(series)):
        key = (kinds[i], bisect.bisect_right(cuts, series.input[i]))
        rates = found.get(key)
        if rates is None:
            rates = found[key] = _rates(series, i, model, service_tier, web_searches,
                                        write_field)
        if isinstance(rates, str):
            costs.append(None)
            total, unpriced = None, rates
            continue
        cached, written = series.cached[i], series.written[i]
        cost = ((series.input[i] - cached - written) * rates.uncached + cached * rates.cached
                + written * rates.written + series.output[i] * rates.output + rates.request)
        costs.append(cost)
        if total is not None:
            total += cost
    return Priced(costs, total, unpriced)


def _rates(series: Series, i: int, model: ModelPrice, service_tier: str, web_searches: int,
           write_field: str) -> _Rates | str:
    """What each token of request i and the request itself cost, or what price it lacks."""
    usage = series.usage(i, write_field, web_searches)
    prompt = usage.prompt_tokens
    try:
        cost_of(model, usage, service_tier=service_tier)  # whatever it lacks, said as it would
    except UnpricedError as error:
        return error.what

    def each(**one: int) -> Decimal:
        if not any(getattr(usage, name) for name in one):
            return _ZERO  # a kind this request has none of, maybe unpriced
        return cost_of(model, TokenUsage(**one), service_tier=service_tier, requests=0,
                       prompt_tokens=prompt).total

    return _Rates(each(input=1), each(cache_read=1), each(**{write_field: 1}), each(output=1),
                  cost_of(model, TokenUsage(web_searches=usage.web_searches),
                          service_tier=service_tier, prompt_tokens=prompt).total)

"""How a chat's requests grow turn by turn, and what each costs.

Chat APIs are stateless: every request re-sends the history. A request here is the system
prompt and a run of messages (user and assistant messages, a summary), each with its tokens
including the chat framing, plus the reply priming. The strategies decide which messages each
request carries; prompt caching reads the longest leading run of messages the previous request
wrote to the cache. This module turns options into a plan (tokens, strategy, assumptions) and
the priced requests into rows and a summary; :mod:`tokcost.reports.turn_series` sends the
requests, once for the models that count alike, and prices them through
:func:`tokcost.costing.cost_of`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from tokcost.counting.counter import Accuracy, ModelCounter, TokenCount
from tokcost.errors import InputFileError, OptionError, TokcostError
from tokcost.formats.conversations import Conversation
from tokcost.limits import MAX_TOKENS, MAX_TURNS, MAX_WEB_SEARCHES, checked_whole
from tokcost.output import ACCURACY_COLUMNS, Column, band_joined
from tokcost.pricing.schema import STANDARD, ModelPrice
from tokcost.pricing.table import PriceTable, load_price_table
from tokcost.reports.turn_series import Series, Shape, request_costs, total_cost
from tokcost.wording import number_of

if TYPE_CHECKING:
    from tokcost.inputs.bad_lines import BadLines
    from tokcost.inputs.sources import WholeDocument

Strategy = Literal["full", "window", "summarize"]
STRATEGIES = ("full", "window", "summarize")
DEFAULT_SYSTEM_TOKENS = 500
DEFAULT_USER_TOKENS = 150
DEFAULT_ASSISTANT_TOKENS = 350

SIMULATION_COLUMNS = (
    Column("turn", "int"), Column("request", drop=3), Column("input_tokens", "int", "input"),
    Column("cached_tokens", "int", "cached", drop=1),
    Column("cache_write_tokens", "int", "written", drop=1),
    Column("output_tokens", "int", "output", drop=2),
    Column("context_used_pct", "decimal", "context %", drop=2), Column("fits", "bool"),
    Column("turn_cost_usd", "usd", "cost"), Column("cumulative_cost_usd", "usd", "total"),
)


@dataclass(frozen=True)
class Turn:
    """One exchange: the user's message(s) and the reply, as they sit in the history, and the
    tokens the reply cost to generate."""

    user: int
    assistant: int
    output: int


@dataclass
class SimulationRow:
    turn: int
    request: str  # "turn", or "summary" for the request that summarises the history
    input_tokens: int
    cached_tokens: int
    cache_write_tokens: int
    output_tokens: int
    context_used_pct: Decimal
    fits: bool
    turn_cost_usd: Decimal | None
    cumulative_cost_usd: Decimal | None
    # How sure the input's count is, where real text was counted (--from, --system FILE).
    accuracy: Accuracy | None = None
    error_p90_pct: Decimal | None = None

    def row(self, *, for_table: bool = False) -> dict[str, Any]:
        row = {column.name: getattr(self, column.name)
               for column in (*SIMULATION_COLUMNS, *ACCURACY_COLUMNS)}
        return band_joined(row) if for_table else row


@dataclass
class SimulationSummary:
    turns: int
    requests: int
    total_input_tokens: int
    total_output_tokens: int
    total_cost_usd: Decimal | None
    mean_cost_per_turn_usd: Decimal | None
    first_input_tokens: int
    last_input_tokens: int
    first_turn_not_fitting: int | None
    total_cached_tokens: int = 0  # of the input, read from the prompt cache
    total_cache_write_tokens: int = 0  # of the input, written to it


@dataclass
class Simulation:
    model: str
    strategy: str
    rows: list[SimulationRow]
    summary: SimulationSummary
    assumptions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _CacheSettings:
    enabled: bool
    ttl: str
    min_tokens: int


def turns_from_conversation(conversation: Conversation, counter: ModelCounter
                            ) -> tuple[int, list[Turn]]:
    """A real conversation as its system prompt's tokens and its turns.

    Each user message starts a turn (with any tool results that follow it); the assistant
    messages up to the next user message are its reply. Anything before the first user message
    counts as the system prompt, and so do the request's tool definitions and hidden prompts,
    which every request sends first.
    """
    system = counter.request_extras(conversation)
    turns: list[Turn] = []
    user = assistant = output = 0
    started = False
    running, rounded = 0.0, 0  # messages are rounded as a running sum, as one request is
    for message in conversation.messages:
        running += counter.message_share(message)
        tokens, rounded = round(running) - rounded, round(running)
        if message["role"] == "user":
            if started:
                turns.append(Turn(user, assistant, output))
            user, assistant, output, started = tokens, 0, 0, True
        elif not started:
            system += tokens
        elif message["role"] == "assistant":
            assistant += tokens
            output += counter.reply(message)
        elif assistant:  # tool results after a reply belong to the reply's exchange
            assistant += tokens
        else:
            user += tokens
    if started:
        turns.append(Turn(user, assistant, output))
    return system, turns


def chat_only(model: ModelPrice, what: str) -> None:
    """Refuse a model that is not a chat model where a chat is needed: an embedding model
    takes texts and gives no reply. A usage error, as a bad option value is."""
    if model.mode != "chat":
        raise OptionError(f"{model.id} is an {model.mode} model, and {what} needs a chat model "
                          "(`tokcost models --mode chat` lists them)")


def simulate(
    model: str = "gpt-4o",
    turns: int | None = 10,
    *,
    system_tokens: int | None = None,
    user_tokens: int | None = None,
    assistant_tokens: int | None = None,
    system_text: str | None = None,
    from_file: str | Path | None = None,
    conversation: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
    strategy: Strategy = "full",
    window: int | None = None,
    summarize_at: int | None = None,
    summary_tokens: int | None = None,
    cache: bool = False,
    cache_ttl: str | None = None,
    max_output: int | None = None,
    table: PriceTable | None = None,
    service_tier: str = STANDARD,
    web_searches: int = 0,
    column: str | None = None,
) -> Simulation:
    """Simulate a conversation of ``turns`` requests (or replay ``from_file``, or
    ``conversation``: a list of messages or a conversation dict in any format ``count`` reads)
    on a model.

    ``column``: with ``from_file`` a Parquet or Arrow table, the column holding the
    conversation (default: the one its shape suggests)."""
    _check_arguments(model, from_file, conversation)
    return simulate_models(
        [model], turns, system_tokens=system_tokens, user_tokens=user_tokens,
        assistant_tokens=assistant_tokens, system_text=system_text, from_file=from_file,
        conversation=conversation, strategy=strategy, window=window, summarize_at=summarize_at,
        summary_tokens=summary_tokens, cache=cache, cache_ttl=cache_ttl, max_output=max_output,
        table=table, service_tier=service_tier, web_searches=web_searches, column=column)[0]


def simulate_models(models: Sequence[str], turns: int | None = 10, *, detail: bool = True,
                    **options: Any) -> list[Simulation]:
    """The same conversation simulated on each model, as :func:`simulate` does (``options``
    are its keyword arguments); ``detail=False``: the summaries alone, with no rows.

    The models that count the conversation alike send the same requests, so those are worked
    out once for them, and each model prices them; a summary alone is priced by groups of
    requests billed alike, in about the same time however many turns there are."""
    from tokcost.arguments import require, require_path

    if isinstance(models, str):  # one model named, not its letters
        models = [models]
    for name in models:
        require(name, str, "simulate_models", "model names (each a str such as 'gpt-4o')")
    require_path(options.get("from_file"), "simulate_models", "from_file")
    documents: dict[tuple[str, str | None], WholeDocument] = {}  # a replayed file, read once
    plans = [_plan(name, turns, documents=documents, **options)  # every bad option first
             for name in models]
    results: list[Simulation | None] = [None] * len(plans)
    alike: dict[Shape, list[int]] = {}
    for index, plan in enumerate(plans):
        alike.setdefault(plan.shape, []).append(index)
    for shape, indexes in alike.items():
        series = Series(shape)
        for index in indexes:
            results[index] = _simulation(plans[index], series, detail)
    return [result for result in results if result is not None]


class _Plan(NamedTuple):
    """One model's simulation, everything but its requests: what it sends, how it is priced,
    and what it assumes."""

    model: ModelPrice
    shape: Shape
    turns: int
    write_field: str  # the TokenUsage field of the cache writes
    reserve: int | None  # tokens reserved for the reply; None: each request's own
    service_tier: str
    web_searches: int
    counted: TokenCount | None  # of the real text, where some is counted
    assumptions: list[str]
    notes: list[str]


def _plan(
    model: str, turns: int | None, *, system_tokens: int | None = None,
    user_tokens: int | None = None, assistant_tokens: int | None = None,
    system_text: str | None = None, from_file: str | Path | None = None,
    conversation: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
    strategy: Strategy = "full", window: int | None = None, summarize_at: int | None = None,
    summary_tokens: int | None = None, cache: bool = False, cache_ttl: str | None = None,
    max_output: int | None = None, table: PriceTable | None = None,
    service_tier: str = STANDARD, web_searches: int = 0, column: str | None = None,
    documents: dict[tuple[str, str | None], WholeDocument] | None = None,
) -> _Plan:
    table = table or load_price_table()
    found = table.resolve(model)
    chosen = found.model
    chat_only(chosen, "a simulated conversation")
    counter = ModelCounter(chosen)
    notes = [found.note] if found.note else []
    if from_file is not None or conversation is not None or system_text is not None:
        notes.extend(counter.base_notes)  # real text was counted
    _check_options(turns, strategy, window, summarize_at, summary_tokens, cache, cache_ttl,
                   max_output, (system_tokens, user_tokens, assistant_tokens))
    assumptions: list[str] = []
    counted: TokenCount | None = None  # of the real text, where some is counted
    if from_file is not None or conversation is not None:
        system, conversation_turns, counted, bad = _replay(from_file, counter, turns, column,
                                                           conversation, documents)
        notes.extend(bad.notes())
        replayed = "the conversation given" if from_file is None else from_file
        assumptions.append(f"replaying {number_of(len(conversation_turns), 'turn')} of "
                           f"{replayed}{bad.said()}, counted with {chosen.id}'s tokenizer")
        runs = tuple((len(list(alike)), (turn.user, turn.assistant, turn.output))
                     for turn, alike in itertools.groupby(conversation_turns))
    else:
        if column is not None:
            raise OptionError("--column chooses the column of a --from table: give --from")
        if turns is None:
            raise OptionError("give --turns, or --from FILE to replay a conversation")
        system, turn = _synthetic(counter, turns, system_tokens, user_tokens,
                                  assistant_tokens, system_text, assumptions)
        runs = ((turns, (turn.user, turn.assistant, turn.output)),)
        if system_text is not None:
            counted = counter.text(system_text)
    settings = _cache_settings(chosen, cache, cache_ttl or "5m", notes, assumptions)
    checked_whole("--web-searches", web_searches, 0, MAX_WEB_SEARCHES)
    if counted is not None:
        # Each request's count is as sure as the whole conversation's (or the system
        # prompt's): the same rule, on the same text; what that count says of the text joins
        # the notes.
        own = (*counter.base_notes, *counter.text_notes)
        notes.extend(note for note in counted.notes if note not in own and note not in notes)
    shape = Shape(system, runs, strategy, window, summarize_at, summary_tokens,
                  (summary_tokens or 0) + counter.framing("assistant"), counter.reply_priming(),
                  settings.enabled, settings.min_tokens if settings.enabled else 0)
    assumptions.append(_strategy_text(strategy, window, summarize_at, summary_tokens))
    reserve = max_output  # None: each request's own reply
    reply = "its reply" if reserve is None else f"the {reserve:,} tokens reserved for its reply"
    assumptions.append(f"a request fits when its input and {reply} stay within the "
                       f"{chosen.context_window:,}-token context window, and the reply within "
                       f"the model's {chosen.max_output_tokens:,} output tokens")
    return _Plan(chosen, shape, sum(count for count, _ in runs), _WRITE_FIELDS[settings.ttl],
                 reserve, service_tier, web_searches, counted, assumptions, notes)


def _simulation(plan: _Plan, series: Series, detail: bool) -> Simulation:
    """The plan's simulation from its requests: each one's row where ``detail`` asks, and
    the summary."""
    model = plan.model
    pricing = request_costs if detail else total_cost
    priced = pricing(series, model, service_tier=plan.service_tier,
                     web_searches=plan.web_searches, write_field=plan.write_field)
    rows = _rows(plan, series, priced.costs) if detail else []
    notes = list(plan.notes)
    if priced.unpriced:
        notes.append(f"{model.id} has no {priced.unpriced}: costs left unpriced")
    total_input, total_output, total_cached, total_written = series.tokens
    summary = SimulationSummary(
        turns=plan.turns, requests=len(series), total_input_tokens=total_input,
        total_output_tokens=total_output, total_cost_usd=priced.total,
        mean_cost_per_turn_usd=None if priced.total is None else priced.total / plan.turns,
        # A summary comes before a turn's request, and never first (nothing to summarise).
        first_input_tokens=series.input[0], last_input_tokens=series.input[-1],
        first_turn_not_fitting=series.first_not_fitting(model, plan.reserve),
        total_cached_tokens=total_cached, total_cache_write_tokens=total_written)
    return Simulation(model.id, plan.shape.strategy, rows, summary, plan.assumptions, notes)


def _rows(plan: _Plan, series: Series, costs: Sequence[Decimal | None]) -> list[SimulationRow]:
    model, reserve = plan.model, plan.reserve
    window = model.context_window
    accuracy, band = ((plan.counted.accuracy, plan.counted.error_p90_pct)
                      if plan.counted is not None else (None, None))
    rows = []
    total: Decimal | None = Decimal(0)
    hundredth = Decimal("0.01")
    for i, cost in enumerate(costs):
        input_tokens, output = series.input[i], series.output[i]
        total = None if cost is None or total is None else total + cost
        rows.append(SimulationRow(
            series.turn[i], "summary" if series.summary[i] else "turn", input_tokens,
            series.cached[i], series.written[i], output,
            (Decimal(input_tokens) * 100 / window).quantize(hundredth),
            # The reply is the request's own, or the --max-output reserved for it.
            model.fits(input_tokens, output if reserve is None else reserve), cost, total,
            accuracy, band))
    return rows


def _check_options(turns: int | None, strategy: str, window: int | None,
                   summarize_at: int | None, summary_tokens: int | None, cache: bool,
                   cache_ttl: str | None, max_output: int | None, sizes: Sequence[int | None]
                   ) -> None:
    checked_whole("--turns", turns, 1, MAX_TURNS)
    checked_whole("--window", window, 0, MAX_TURNS)
    for name, size in (("--summarize-at", summarize_at), ("--summary-tokens", summary_tokens),
                       ("--max-output", max_output), ("--system-tokens", sizes[0]),
                       ("--user-tokens", sizes[1]), ("--assistant-tokens", sizes[2])):
        checked_whole(name, size, 0, MAX_TOKENS)
    if strategy not in STRATEGIES:
        raise OptionError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    if strategy == "window" and (window is None or window < 0):
        raise OptionError("--strategy window needs --window K (K previous turns to keep)")
    if strategy == "summarize":
        if summarize_at is None or summary_tokens is None:
            raise OptionError("--strategy summarize needs --summarize-at T and "
                               "--summary-tokens S")
        if not 0 < summary_tokens < summarize_at:
            raise OptionError("--summary-tokens must be more than 0 and less than "
                               "--summarize-at, or the summary would not shrink the history")
    if strategy != "window" and window is not None:
        raise OptionError("--window goes with --strategy window")
    if strategy != "summarize" and (summarize_at is not None or summary_tokens is not None):
        raise OptionError("--summarize-at and --summary-tokens go with --strategy summarize")
    if cache_ttl is not None and not cache:
        raise OptionError("--cache-ttl goes with --cache")
    if cache_ttl is not None and cache_ttl not in _WRITE_FIELDS:
        raise OptionError(f"--cache-ttl is 5m, 1h or 12h, not {cache_ttl!r}")


def _synthetic(counter: ModelCounter, turns: int, system_tokens: int | None,
               user_tokens: int | None, assistant_tokens: int | None, system_text: str | None,
               assumptions: list[str]) -> tuple[int, Turn]:
    """The system prompt's tokens, and the turn every turn is."""
    if system_text is not None:
        system_content = counter.text(system_text).tokens
        source = "counted from the system prompt file"
    else:
        system_content = DEFAULT_SYSTEM_TOKENS if system_tokens is None else system_tokens
        source = "default" if system_tokens is None else "given"
    user = DEFAULT_USER_TOKENS if user_tokens is None else user_tokens
    reply = DEFAULT_ASSISTANT_TOKENS if assistant_tokens is None else assistant_tokens
    defaults = [name for name, value in (("system", system_tokens if system_text is None else 0),
                                         ("user", user_tokens), ("assistant", assistant_tokens))
                if value is None]
    assumptions.append(
        f"{number_of(turns, 'turn')} of {user:,} user and {reply:,} assistant tokens, a "
        "system prompt of "
        f"{system_content:,} tokens ({source})"
        + (f"; defaults used for {', '.join(defaults)}" if defaults else "")
        + "; each message adds its chat framing"
    )
    system = system_content + counter.framing("system") if system_content else 0
    return system, Turn(user + counter.framing("user"), reply + counter.framing("assistant"), reply)


def _check_arguments(model: Any, from_file: Any, conversation: Any) -> None:
    """A conversation passed where the model name goes, or a path that is not one: said in a
    TypeError naming what simulate() takes, rather than failing inside."""
    from tokcost.arguments import described, require, require_path

    if isinstance(model, (list, tuple, dict)):
        raise TypeError(f"simulate() takes the model name first (a str such as 'gpt-4o'), not "
                        f"{described(model)}; a conversation to replay goes in conversation= "
                        "(a list of messages or a conversation dict)")
    require(model, str, "simulate", "the model name first (a str such as 'gpt-4o')")
    require_path(from_file, "simulate", "from_file")
    if conversation is not None and not isinstance(conversation, (list, tuple, dict)):
        raise TypeError("simulate() takes conversation as a list of messages or a "
                        f"conversation dict, not {described(conversation)}")
    if from_file is not None and conversation is not None:
        raise OptionError("give simulate() from_file or conversation, not both")


def _replay(path: str | Path | None, counter: ModelCounter, turns: int | None,
            column: str | None = None,
            conversation: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
            documents: dict[tuple[str, str | None], WholeDocument] | None = None,
            ) -> tuple[int, list[Turn], TokenCount, BadLines]:
    """The conversation of ``path`` (or the ``conversation`` given) as its system prompt and
    turns, its whole count, and the file's bad lines (set aside, as count sets them aside).
    ``documents``: files read already, by path and column (several models replay one file)."""
    from tokcost.inputs.bad_lines import BadLines

    if path is None:
        from tokcost.formats.conversations import parse_conversations

        conversations = parse_conversations(list(conversation) if isinstance(
            conversation, tuple) else conversation, where="conversation")
        label, held = "conversation", "simulate() replays one conversation; this one holds"
        bad = BadLines(label)
    else:
        from tokcost.inputs.sources import read_whole, source_of

        key = (str(path), column)
        document = documents.get(key) if documents is not None else None
        if document is None:
            document = read_whole(source_of(path), column=column)
            if documents is not None:
                documents[key] = document
        conversations, bad = document.conversations, document.bad
        label, held = str(path), "--from replays one conversation; this file holds"
    if len(conversations) != 1:
        raise InputFileError(f"{label}: {held} {len(conversations) or 'no'} conversations")
    system, found = turns_from_conversation(conversations[0], counter)
    if not found:
        raise InputFileError(f"{label}: the conversation has no user turn to replay")
    whole = counter.conversation(conversations[0], detail=False)
    return system, found[:turns] if turns else found, whole, bad


# Which cache-write price each --cache-ttl bills.
_WRITE_FIELDS = {"5m": "cache_write_5m", "1h": "cache_write_1h", "12h": "cache_write_12h"}


def _cache_settings(model: ModelPrice, cache: bool, ttl: str, notes: list[str],
                    assumptions: list[str]) -> _CacheSettings:
    if cache and model.caching == "none":
        notes.append(f"{model.id} has no prompt-cache prices; simulating without caching")
        cache = False
    field = _WRITE_FIELDS[ttl]
    if cache and ttl != "5m" and model.caching == "explicit" and getattr(model.rates,
                                                                          field) is None:
        hours = ttl.removesuffix("h")
        raise TokcostError(f"{model.id} has no {hours}-hour cache write price; use --cache-ttl "
                           "5m")
    minimum = model.cache_min_tokens or 0
    if cache:
        writes = ("at the input price (automatic caching)" if model.caching == "automatic"
                  else f"at the {ttl} cache-write price")
        assumptions.append(
            f"prompt caching: each request reads the prefix the last one wrote at the "
            f"cache-read price and writes its new tail {writes}; prefixes under "
            f"{minimum:,} tokens are not cached; requests come within the cache's lifetime")
    else:
        assumptions.append("no prompt caching")
    return _CacheSettings(cache, ttl, minimum)


def _strategy_text(strategy: str, window: int | None, summarize_at: int | None,
                   summary_tokens: int | None) -> str:
    if strategy == "window":
        return ("each request re-sends the system prompt and the last "
                f"{number_of(window or 0, 'turn')}")
    if strategy == "summarize":
        return (f"the history is replaced by a {summary_tokens:,}-token summary once it passes "
                f"{summarize_at:,} tokens (the summarising request is costed as its own row)")
    return "each request re-sends the whole history"

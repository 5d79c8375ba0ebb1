"""How a chat's requests grow turn by turn, and what each costs.

Chat APIs are stateless: every request re-sends the history. A request here is the system
prompt and a run of messages (user and assistant messages, a summary), each with its tokens
including the chat framing, plus the reply priming. The strategies decide which messages each
request carries; prompt caching reads the longest leading run of messages the previous request
wrote to the cache. Costs come from :func:`tokcost.costing.cost_of`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tokcost.counting.counter import Accuracy, ModelCounter, TokenCount
from tokcost.errors import InputFileError, OptionError, TokcostError, UnpricedError
from tokcost.formats.conversations import Conversation
from tokcost.limits import MAX_TOKENS, MAX_TURNS, MAX_WEB_SEARCHES, checked_whole
from tokcost.output import ACCURACY_COLUMNS, Column, band_joined
from tokcost.pricing.costing import TokenUsage, cost_of
from tokcost.pricing.schema import STANDARD, ModelPrice
from tokcost.pricing.table import PriceTable, load_price_table
from tokcost.wording import number_of

if TYPE_CHECKING:
    from tokcost.inputs.bad_lines import BadLines

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


class _History:
    """The messages a conversation keeps, in order, with running sums of their tokens.

    A summary starts a new history (the old one is never sent again). Every request sends the
    system prompt and then a run of one history up to its end (the turn's user message is added
    before its request is sent), so a request is the place its run starts and ends, and its
    tokens and the prefix it shares with the cache come from the running sums: each turn is
    simulated in the same time however long the chat has grown, where building and comparing
    whole requests made the time grow with the square of the turns.
    """

    def __init__(self, *tokens: int) -> None:
        self.sums = [0]  # sums[i]: the tokens of the first i messages
        for each in tokens:
            self.add(each)

    def add(self, tokens: int) -> None:
        self.sums.append(self.sums[-1] + tokens)

    def __len__(self) -> int:
        return len(self.sums) - 1

    def tokens(self, start: int = 0, end: int | None = None) -> int:
        return self.sums[len(self) if end is None else end] - self.sums[start]


@dataclass(frozen=True)
class _Request:
    """What one request sends: the system prompt, then ``history`` from ``start`` to ``end``."""

    history: _History
    start: int
    end: int


class _Simulator:
    """Sends the requests a strategy calls for, tracking the cache and the running cost."""

    def __init__(self, model: ModelPrice, counter: ModelCounter, cache: _CacheSettings,
                 reserve: int | None, service_tier: str = STANDARD, web_searches: int = 0
                 ) -> None:
        self.model = model
        self.service_tier = service_tier
        self.web_searches = web_searches  # per turn's request; summaries search nothing
        self.counter = counter
        self.cache = cache
        self.reserve = reserve
        self.system = 0  # the system prompt's tokens, sent first by every request
        self.cached: _Request | None = None  # what the cache holds: the last prefix written
        self.rows: list[SimulationRow] = []
        self.total: Decimal | None = Decimal(0)
        self.unpriced: str | None = None

    def send(self, turn: int, kind: str, request: _Request, output: int) -> None:
        prompt = self.system + request.history.tokens(request.start, request.end)
        input_tokens = prompt + self.counter.reply_priming()
        read = written = 0
        if self.cache.enabled:
            read = self._cached_prefix(request)
            if prompt >= self.cache.min_tokens:
                written = prompt - read
                self.cached = request
        usage_write = {_WRITE_FIELDS[self.cache.ttl]: written}
        usage = TokenUsage(input=input_tokens - read - written, cache_read=read, output=output,
                           web_searches=self.web_searches if kind == "turn" else 0,
                           **usage_write)
        try:
            cost: Decimal | None = cost_of(self.model, usage,
                                           service_tier=self.service_tier).total
        except UnpricedError as error:
            cost, self.unpriced = None, error.what
        self.total = None if cost is None or self.total is None else self.total + cost
        window = self.model.context_window
        # The reply is the request's own, or the --max-output reserved for it.
        fits = self.model.fits(input_tokens, output if self.reserve is None else self.reserve)
        self.rows.append(SimulationRow(
            turn, kind, input_tokens, read, written, output,
            (Decimal(input_tokens) * 100 / window).quantize(Decimal("0.01")),
            fits, cost, self.total,
        ))

    def _cached_prefix(self, request: _Request) -> int:
        """The tokens of the longest leading run of messages this request shares with the one
        in the cache. Every message sits at one place of one history, so two runs share
        messages only when they start at the same place of the same history; then they share
        all of the shorter run."""
        cached = self.cached
        if cached is None:
            return 0
        shared = self.system
        if cached.history is request.history and cached.start == request.start:
            shared += request.history.tokens(request.start, min(cached.end, request.end))
        return shared if shared >= self.cache.min_tokens else 0


def _run(simulator: _Simulator, system: int, turns: Sequence[Turn], strategy: Strategy,
         window: int | None, summarize_at: int | None, summary_tokens: int | None) -> None:
    simulator.system = system
    history = _History()
    summary_framing = simulator.counter.framing("assistant")
    for number, turn in enumerate(turns, start=1):
        if strategy == "summarize":
            assert summarize_at is not None and summary_tokens is not None
            if history.tokens() > summarize_at:
                simulator.send(number, "summary", _Request(history, 0, len(history)),
                               summary_tokens)
                history = _History(summary_tokens + summary_framing)
        start = 0  # the history the request re-sends, before this turn's user message
        if strategy == "window":
            assert window is not None
            start = max(len(history) - 2 * window, 0)
        history.add(turn.user)
        simulator.send(number, "turn", _Request(history, start, len(history)), turn.output)
        history.add(turn.assistant)


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
                                                           conversation)
        notes.extend(bad.notes())
        replayed = "the conversation given" if from_file is None else from_file
        assumptions.append(f"replaying {number_of(len(conversation_turns), 'turn')} of "
                           f"{replayed}{bad.said()}, counted with {chosen.id}'s tokenizer")
    else:
        if column is not None:
            raise OptionError("--column chooses the column of a --from table: give --from")
        if turns is None:
            raise OptionError("give --turns, or --from FILE to replay a conversation")
        system, conversation_turns = _synthetic(counter, turns, system_tokens, user_tokens,
                                                assistant_tokens, system_text, assumptions)
        if system_text is not None:
            counted = counter.text(system_text)
    settings = _cache_settings(chosen, cache, cache_ttl or "5m", notes, assumptions)
    reserve = max_output  # None: each request's own reply
    checked_whole("--web-searches", web_searches, 0, MAX_WEB_SEARCHES)
    simulator = _Simulator(chosen, counter, settings, reserve, service_tier, web_searches)
    _run(simulator, system, conversation_turns, strategy, window, summarize_at, summary_tokens)
    if counted is not None:
        # Each request's count is as sure as the whole conversation's (or the system
        # prompt's): the same rule, on the same text; what that count says of the text joins
        # the notes.
        own = (*counter.base_notes, *counter.text_notes)
        notes.extend(note for note in counted.notes if note not in own and note not in notes)
        for row in simulator.rows:
            row.accuracy, row.error_p90_pct = counted.accuracy, counted.error_p90_pct
    if simulator.unpriced:
        notes.append(f"{chosen.id} has no {simulator.unpriced}: costs left unpriced")
    assumptions.append(_strategy_text(strategy, window, summarize_at, summary_tokens))
    reply = "its reply" if reserve is None else f"the {reserve:,} tokens reserved for its reply"
    assumptions.append(f"a request fits when its input and {reply} stay within the "
                       f"{chosen.context_window:,}-token context window, and the reply within "
                       f"the model's {chosen.max_output_tokens:,} output tokens")
    return Simulation(chosen.id, strategy, simulator.rows,
                      _summarise(simulator.rows, len(conversation_turns), simulator.total),
                      assumptions, notes)


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
               assumptions: list[str]) -> tuple[int, list[Turn]]:
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
    turn = Turn(user + counter.framing("user"), reply + counter.framing("assistant"), reply)
    return system, [turn] * turns


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
            ) -> tuple[int, list[Turn], TokenCount, BadLines]:
    """The conversation of ``path`` (or the ``conversation`` given) as its system prompt and
    turns, its whole count, and the file's bad lines (set aside, as count sets them aside)."""
    from tokcost.inputs.bad_lines import BadLines

    if path is None:
        from tokcost.formats.conversations import parse_conversations

        conversations = parse_conversations(list(conversation) if isinstance(
            conversation, tuple) else conversation, where="conversation")
        label, held = "conversation", "simulate() replays one conversation; this one holds"
        bad = BadLines(label)
    else:
        from tokcost.inputs.sources import read_whole, source_of

        document = read_whole(source_of(path), column=column)
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


def _summarise(rows: Sequence[SimulationRow], turns: int, total: Decimal | None
               ) -> SimulationSummary:
    turn_rows = [row for row in rows if row.request == "turn"]
    not_fitting = next((row.turn for row in rows if not row.fits), None)
    return SimulationSummary(
        turns=turns, requests=len(rows),
        total_input_tokens=sum(row.input_tokens for row in rows),
        total_output_tokens=sum(row.output_tokens for row in rows),
        total_cost_usd=total,
        mean_cost_per_turn_usd=None if total is None else total / turns,
        first_input_tokens=turn_rows[0].input_tokens,
        last_input_tokens=turn_rows[-1].input_tokens,
        first_turn_not_fitting=not_fitting,
    )

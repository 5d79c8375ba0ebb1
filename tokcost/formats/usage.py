"""What a provider billed for a request, read from the usage block of its response: the input
tokens alone (:func:`billed_input_tokens`, for ``calibrate``), or every kind of token, split as
``cost_of`` prices them (:func:`usage_record`, for ``usage``; the shapes are the table
``USAGE_SHAPES``, the wrappers of batch output, request logs and session logs ``ENVELOPES``,
the lines of session logs that are no responses ``SESSION_LINES``).

Every API response says what it billed, each in its own shape:

- OpenAI Chat Completions: ``usage.prompt_tokens`` (cached tokens are part of it);
- OpenAI Responses: ``usage.input_tokens`` (likewise);
- Anthropic Messages: ``usage.input_tokens`` plus ``cache_creation_input_tokens`` and
  ``cache_read_input_tokens``, which Anthropic reports apart from it;
- Gemini: ``usageMetadata.promptTokenCount`` (``totalTokens`` for ``countTokens``), or
  ``usage_metadata.prompt_token_count`` as the google-genai SDK dumps a response;
- Codex CLI's session logs: ``info.last_token_usage.input_tokens`` of a token_count event
  (cached tokens are part of it, as in the Responses API it copies).
- a count-tokens response: ``input_tokens`` (Anthropic) or ``totalTokens`` (Gemini).

A response may be given whole or as its usage block alone.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, NamedTuple


def billed_input_tokens(response: Any) -> int | None:
    """The prompt tokens billed, or None when the value holds no usage that says so."""
    if not isinstance(response, Mapping):
        return None
    for key in ("usage", "usageMetadata", "usage_metadata"):
        inner = response.get(key)
        if isinstance(inner, Mapping):
            return billed_input_tokens(inner)
    if _count(response, "prompt_tokens") is not None:  # OpenAI Chat Completions
        return _count(response, "prompt_tokens")
    for key in ("promptTokenCount", "prompt_token_count"):  # Gemini generateContent
        if _count(response, key) is not None:
            return _count(response, key)
    billed = _count(response, "input_tokens")
    if billed is not None:
        # Anthropic reports cache writes and reads beside input_tokens; OpenAI's Responses API
        # counts cached tokens inside it (input_tokens_details), so nothing is added there.
        for key in ("cache_creation_input_tokens", "cache_read_input_tokens"):
            billed += _count(response, key) or 0
        return billed
    for key in ("totalTokens", "total_tokens"):  # Gemini countTokens, which has nothing else
        if _count(response, key) is not None:
            return _count(response, key)
    return None


def _count(usage: Mapping[str, Any], key: str) -> int | None:
    value = usage.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


# --- Usage records: every token kind a response billed, for `tokcost usage` -------------------

class UsageShape(NamedTuple):
    """Where one API's usage block keeps each kind of token, and what its numbers include.

    Paths are dotted, inside the usage block. ``cached_inside``: cached tokens are part of the
    prompt count (OpenAI, Gemini) rather than reported beside it (Anthropic).
    ``reasoning_inside``: reasoning tokens are part of the output count (OpenAI) rather than
    beside it (Gemini's thoughts).
    """

    name: str
    markers: tuple[str, ...]  # any of these keys in the usage block says it is this shape
    prompt: str
    output: str
    cache_read: str = ""
    cached_inside: bool = False
    cache_write: str = ""  # all cache writes; the split below says how many of each lifetime
    cache_write_5m: str = ""
    cache_write_1h: str = ""
    reasoning: str = ""
    reasoning_inside: bool = True
    extra_input: tuple[str, ...] = ()  # more prompt tokens reported apart, billed as input
    web_searches: str = ""
    service_tier: str = ""  # the service tier, where the usage block (not the response) says


# In the order they are tried: the first whose markers the usage block holds. OpenAI's Responses
# API and Anthropic's Messages API both say input_tokens/output_tokens; Responses alone adds
# the *_details objects and total_tokens. Codex CLI's counts say total_tokens too, so they are
# told apart first, by their own names.
USAGE_SHAPES = (
    UsageShape("openai-chat", ("prompt_tokens", "completion_tokens"), "prompt_tokens",
               "completion_tokens", cache_read="prompt_tokens_details.cached_tokens",
               cached_inside=True, reasoning="completion_tokens_details.reasoning_tokens"),
    # Codex CLI copies the Responses API's usage into its own names (codex-rs: input_tokens
    # with input_tokens_details.cached_tokens as cached_input_tokens, output_tokens with
    # output_tokens_details.reasoning_tokens as reasoning_output_tokens): cached tokens are
    # part of the input, reasoning tokens part of the output, as in the API.
    UsageShape("codex", ("cached_input_tokens", "reasoning_output_tokens"), "input_tokens",
               "output_tokens", cache_read="cached_input_tokens", cached_inside=True,
               reasoning="reasoning_output_tokens"),
    UsageShape("openai-responses", ("input_tokens_details", "output_tokens_details",
                                    "total_tokens"), "input_tokens", "output_tokens",
               cache_read="input_tokens_details.cached_tokens", cached_inside=True,
               reasoning="output_tokens_details.reasoning_tokens"),
    UsageShape("anthropic", ("input_tokens", "output_tokens"), "input_tokens", "output_tokens",
               cache_read="cache_read_input_tokens", cache_write="cache_creation_input_tokens",
               cache_write_5m="cache_creation.ephemeral_5m_input_tokens",
               cache_write_1h="cache_creation.ephemeral_1h_input_tokens",
               web_searches="server_tool_use.web_search_requests",
               service_tier="service_tier"),
    # Vertex AI says how a Gemini request was served in trafficType; the Gemini API itself
    # reports no tier in the response body (only in its x-gemini-service-tier header).
    UsageShape("gemini", ("promptTokenCount", "candidatesTokenCount"), "promptTokenCount",
               "candidatesTokenCount", cache_read="cachedContentTokenCount",
               cached_inside=True, reasoning="thoughtsTokenCount", reasoning_inside=False,
               extra_input=("toolUsePromptTokenCount",), service_tier="trafficType"),
    # The same, as the google-genai SDK dumps a response (model_dump): in snake_case.
    UsageShape("gemini", ("prompt_token_count", "candidates_token_count"),
               "prompt_token_count", "candidates_token_count",
               cache_read="cached_content_token_count", cached_inside=True,
               reasoning="thoughts_token_count", reasoning_inside=False,
               extra_input=("tool_use_prompt_token_count",), service_tier="traffic_type"),
)
USAGE_KEYS = ("usage", "usageMetadata", "usage_metadata")


class Envelope(NamedTuple):
    """A line that wraps a response: where the response is, and whether it was a batch call."""

    name: str
    response: tuple[str, ...]
    batch: bool = False
    # Fields of the line that together name the request (a log may repeat a record: Claude
    # Code writes one line per streamed update of a message), and the cost the log states.
    identity: tuple[str, ...] = ()
    reported_cost: str | None = None
    session: str = ""  # the field that names the session (a coding agent's conversation)
    kind: tuple[str, str] | None = None  # (dotted path, value) the line must also have
    usage: tuple[str, ...] = USAGE_KEYS  # where in the response its usage block is
    shape: str | None = None  # the usage block's shape, where the log decides it
    # A count the log keeps for the whole session beside each response's own: a line whose
    # running total is the previous line's again is the same response logged again; one
    # with no counts of its own is read as the growth of the running total. (A line of such a
    # log that bills no token at all is no request.)
    running_total: str | None = None
    session_model: bool = False  # its lines name no model: the log's last context line does
    # Models the log names on lines that record no request (a placeholder for an error).
    placeholder_models: frozenset[str] = frozenset()


# Tried in order; a line none of them fits is taken as the response itself.
ENVELOPES = (
    Envelope("openai-batch", ("response", "body"), batch=True),  # {"custom_id", "response"}
    Envelope("anthropic-batch", ("result", "message"), batch=True),  # Message Batches results
    Envelope("request-response", ("response",)),  # what `tokcost calibrate` reads
    # tokcost's own calibration records: the request and the usage block the API reported.
    Envelope("request-reported", ("reported",)),
    # Claude Code's session logs (~/.claude/projects/**/*.jsonl): an assistant line's message.
    # A message's id alone names it: Claude Code writes a line per streamed update of a
    # message (the last one holding its final output count), and not every line, nor every
    # version or gateway, gives a requestId. Its "<synthetic>" messages (placeholders for an
    # API error) are no responses.
    Envelope("claude-code", ("message",), identity=("message.id",),
             reported_cost="costUSD", session="sessionId",
             placeholder_models=frozenset({"<synthetic>"})),
    # Codex CLI's session logs (~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl): after each
    # response a token_count event, whose info holds the response's counts (last_token_usage)
    # and the session's running total (total_token_usage). Codex writes the event again, same
    # info, each time the rate limits it shows change, and once with no counts of its own
    # when the context window fills; the model is on the turn_context line of each turn.
    # A fork's or resume's file copies the lines of the session it continues, token counts
    # among them (codex-rs writes a fork's history again, each line stamped with the time of
    # the copy): the reader keeps one of each (copy_key).
    Envelope("codex", ("payload", "info"), kind=("payload.type", "token_count"),
             usage=("last_token_usage",), shape="codex", running_total="total_token_usage",
             session_model=True),
)


class SessionLine(NamedTuple):
    """Lines of a coding agent's session log that are not responses: skipped (and counted in a
    note); some name the model of the responses that follow them."""

    log: str  # the format (envelope) whose lines they are
    kinds: frozenset[str]  # values of the line's "type"
    why: str
    needs: str = ""  # a field every such line has, so that no other object is taken for one
    model: str = ""  # where such a line names the model of the responses after it
    # Where such a line names the session the file is of: the first line that does names it;
    # a later one names a session whose history the file copies (Codex copies a session's
    # lines, its session_meta among them, into the file of a fork or a resume).
    session: str = ""
    copied_from: tuple[str, ...] = ()  # where such a line names a session the file copies


SESSION_LINES = (
    SessionLine("claude-code", frozenset({"user", "summary", "system"}),
                "not a response (a user turn, summary or system line)"),
    # A fork's (codex fork, a subagent's fork) names its parent: forked_from_id (codex-rs
    # SessionMeta); its next lines are the parent's, copied with the time of the copy.
    SessionLine("codex", frozenset({"session_meta"}),
                "not a response (a Codex session line without token counts)", needs="payload",
                session="payload.id", copied_from=("payload.forked_from_id",)),
    SessionLine("codex", frozenset({"turn_context"}),
                "not a response (a Codex session line without token counts)", needs="payload",
                model="payload.model"),
    SessionLine("codex", frozenset({"event_msg", "response_item", "compacted"}),
                "not a response (a Codex session line without token counts)", needs="payload"),
)
# Where a record says its model and its time, first match wins: the response's own fields,
# then the wrapping line's (and its request's, for {"request", "response"} lines).
MODEL_KEYS = ("model", "modelVersion", "model_version")
TIME_KEYS = ("created", "created_at", "createTime", "create_time", "timestamp")
# Where a response says its service tier, beside its usage block: OpenAI's field, and the
# header of the Gemini API's reply that the google-genai SDK keeps in its dump.
TIER_PATHS = ("service_tier", "sdk_http_response.headers.x-gemini-service-tier")
# What each API calls a service tier, in the price tables' names (compared in lower case).
# Vertex AI's provisioned throughput is paid for as reserved capacity, not by the token: it
# has no price in the tables, so such records are left unpriced, with a note.
TIER_NAMES = {
    "default": "standard", "standard": "standard", "auto": "standard",
    "on_demand": "standard", "traffic_type_unspecified": "standard",
    "on_demand_flex": "flex", "on_demand_priority": "priority",
    "provisioned_throughput": "provisioned",
}
# The names --input-format takes: every line read as that format and no other.
AUTO = "auto"
INPUT_FORMATS = (AUTO, *dict.fromkeys(shape.name for shape in USAGE_SHAPES
                                      if shape.name not in {e.name for e in ENVELOPES}),
                 *(envelope.name for envelope in ENVELOPES))


class UsageRecord(NamedTuple):
    """The tokens one response was billed for, by kind, as cost_of prices them: ``input``
    excludes cached tokens, ``output`` includes reasoning (``reasoning`` says how much)."""

    shape: str
    model: str | None
    time: datetime | None
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    reasoning: int = 0
    web_searches: int = 0
    service_tier: str = "standard"
    batch: bool = False
    key: str | None = None  # the request's identity, where the log gives one (for repeats)
    reported_cost: Decimal | None = None  # USD, as the log itself states it
    session: str | None = None  # the session it belongs to, where the log says
    source: str | None = None  # the file it was read from (set by the reader)
    # Where the response stands in its session's running total (the total after it, and its
    # own counts), in a log that keeps one: a copy of the session's history (a fork's, a
    # resume's) holds the same, and no other response of the session does.
    copy_key: str | None = None
    # The sessions whose copied history comes before it in its file (a fork's parent, the
    # sessions whose session_meta was copied above it): only a response of one of those can
    # it be a copy of; a sibling fork's, going on from the same total, it never is.
    history: frozenset[str] = frozenset()


class NotBilled(NamedTuple):
    """A line that is a response but billed nothing (a failed batch request), or a line of a
    session log that is no response: why."""

    reason: str


class UsageError(ValueError):
    """A JSON value that holds no usage record tokcost can read."""


@dataclass
class LogState:
    """What the earlier lines of one file said that its later lines need: the model the last
    context line of a session log named (Codex names it once a turn, not on each response),
    and the running total last logged (to know a response logged again). One per file."""

    model: str | None = None
    running_total: dict[str, Any] | None = None
    session: str | None = None  # the session its first line named (Codex's session_meta)
    # The sessions whose history the file copies: named by its later session lines, or as
    # the parent of a fork by its first.
    copied_from: set[str] = field(default_factory=set)


REPEATED = NotBilled("the same token counts logged again (Codex writes its token_count event "
                     "again when the rate limits change), counted once")
NOTHING_BILLED = NotBilled("no token billed (a Codex event with no counts of its own)")
PLACEHOLDER = NotBilled("not a response (a placeholder a coding agent logs for an API error)")


def usage_record(value: Any, state: LogState | None = None, input_format: str = AUTO
                 ) -> UsageRecord | NotBilled:
    """The usage record of one logged response (whole, in an envelope, or its usage block);
    UsageError when it holds none. ``state``: the file's, for logs whose lines depend on the
    lines before them (Codex's); ``input_format``: read the value as that format and no other
    (one of INPUT_FORMATS). (Values are checked as ``dict``, what JSON gives: the Mapping
    ABC's check costs several times more, on every field of every record.)"""
    if type(value) is not dict:
        raise UsageError(f"expected a JSON object with a usage block, not {_kind(value)}")
    try:
        envelopes, shapes = _FORCED[input_format]
    except KeyError:
        raise ValueError(f"input_format must be one of {', '.join(INPUT_FORMATS)}, not "
                         f"{input_format!r}") from None
    forced = input_format != AUTO
    response, envelope = _unwrap(value, envelopes)
    if envelope is not None and envelope.running_total is not None:
        return _session_record(value, response, envelope, state)
    if envelope is not None and envelope.placeholder_models \
            and response.get("model") in envelope.placeholder_models:
        return PLACEHOLDER
    found = _usage_block(response, envelope.usage if envelope else USAGE_KEYS)
    log = input_format if forced else None  # only the forced log's lines are its own
    if envelope is None and forced and envelopes:  # not a line of the forced log...
        skipped = _session_line(value, state, log)
        if skipped is not None:  # ...unless one of its lines that are no responses
            return skipped
        if envelopes[0].batch and _failed(value):
            return NotBilled("failed request (no usage; not billed)")
        raise UsageError(_not_of(input_format, value, f"no {'.'.join(envelopes[0].response)}"))
    if found is None:
        skipped = _session_line(value, state, log)
        if skipped is not None:
            return skipped
        if _shape_of(response, shapes) is not None:
            found = ("usage", response)  # a usage block alone
        elif any(e.batch for e in envelopes) and _failed(value):
            return NotBilled("failed request (no usage; not billed)")
        elif forced:
            raise UsageError(_not_of(input_format, value, "no usage block of its own"))
        else:
            raise UsageError("no usage block (usage or usageMetadata) in the response")
    return _record(value, response, envelope, found[0], found[1], shapes, input_format)


def _record(value: dict[str, Any], response: dict[str, Any], envelope: Envelope | None,
            where: str, usage: dict[str, Any], shapes: Sequence[_Reader],
            input_format: str = AUTO) -> UsageRecord:
    if envelope is not None and envelope.shape is not None:
        reader = _SHAPED[envelope.shape]
    else:
        found = _shape_of(usage, shapes)
        if found is None:
            if input_format != AUTO and _shape_of(usage, _READERS) is not None:
                raise UsageError(_not_of(input_format, value,
                                         f"{where} holds another API's counts"))
            raise UsageError(f"{where} holds no token counts tokcost knows (prompt_tokens, "
                             "input_tokens or promptTokenCount)")
        reader = found
    shape = reader.shape
    # (A shape without a field costs no call: this runs for every record.)
    prompt = _tokens(usage, reader.prompt, where, required=True)
    output = _tokens(usage, reader.output, where)
    cached = _tokens(usage, reader.cache_read, where) if reader.cache_read else 0
    reasoning = _tokens(usage, reader.reasoning, where) if reader.reasoning else 0
    write_5m = write_1h = 0
    if reader.cache_write or reader.cache_write_5m or reader.cache_write_1h:
        write_5m = _tokens(usage, reader.cache_write_5m, where)
        write_1h = _tokens(usage, reader.cache_write_1h, where)
        # Writes the 5-minute/1-hour split does not account for are 5-minute ones, the
        # default.
        write_5m += max(0, _tokens(usage, reader.cache_write, where) - write_5m - write_1h)
    if shape.cached_inside:
        if cached > prompt:
            raise UsageError(f"{where}.{shape.cache_read} ({cached}) is more than "
                             f"{where}.{shape.prompt} ({prompt}), which includes it")
        prompt -= cached
    if shape.reasoning_inside:
        if reasoning > output:
            raise UsageError(f"{where}.{shape.reasoning} ({reasoning}) is more than "
                             f"{where}.{shape.output} ({output}), which includes it")
    else:
        output += reasoning
    for steps in reader.extra_input:
        prompt += _tokens(usage, steps, where)
    places = (response, value, value.get("request"))
    tier = (_first_text((usage,), (reader.service_tier,)) if reader.service_tier else None) \
        or _first_text(places, _TIER_STEPS) or "standard"
    tier = TIER_NAMES.get(tier.lower(), tier.lower())
    batch = envelope.batch if envelope is not None else False
    if tier == "batch":
        tier, batch = "standard", True
    return UsageRecord(
        shape.name, _first_text(places, _MODEL_STEPS), _time(places),
        prompt, output, cached, write_5m, write_1h, reasoning,
        _tokens(usage, reader.web_searches, where) if reader.web_searches else 0, tier, batch,
        _identity(value, envelope) if envelope is not None else None,
        _reported_cost(value, envelope) if envelope is not None else None,
        _first_text([value], ((envelope.session,),)) if envelope and envelope.session else None)


def _session_record(value: dict[str, Any], response: dict[str, Any], envelope: Envelope,
                    state: LogState | None) -> UsageRecord | NotBilled:
    """A response of a log that keeps a running total (Codex's): once, however often it is
    logged; its own counts, else the growth of the total; its model, else the one the log
    named last."""
    assert envelope.running_total is not None
    total = response.get(envelope.running_total)
    previous = state.running_total if state is not None else None
    if type(total) is dict:
        if total == previous:
            return REPEATED
        if state is not None:
            state.running_total = total
    found = _usage_block(response, envelope.usage)
    if found is not None:
        where, usage = found
    elif type(total) is dict:
        where, usage = envelope.running_total, _growth(total, previous)
    else:
        raise UsageError(f"{'.'.join(envelope.response)} holds neither "
                         f"{' nor '.join(envelope.usage)} nor {envelope.running_total}")
    record = _record(value, response, envelope, where, usage, ())
    if type(total) is dict:
        own = usage if found is not None else None
        record = record._replace(copy_key=json.dumps([total, own], sort_keys=True))
    if not (record.input or record.output or record.cache_read or record.cache_write_5m
            or record.cache_write_1h):
        return NOTHING_BILLED
    if envelope.session_model and state is not None:
        if record.model is None:
            record = record._replace(model=state.model)
        if record.session is None and state.session:
            record = record._replace(session=state.session)
        record = record._replace(history=frozenset(state.copied_from))
    return record


def _growth(total: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """What a running total grew by since the previous one (all of it after a restart: a
    count that went down means the total began again)."""
    if previous is None:
        return total
    grown = {key: count - previous.get(key, 0) for key, count in total.items()
             if type(count) is int and type(previous.get(key, 0)) is int}
    return total if any(count < 0 for count in grown.values()) else grown


def _session_line(value: dict[str, Any], state: LogState | None, log: str | None
                  ) -> NotBilled | None:
    """Why a line of a session log that is no response is skipped (keeping the model it
    names for the lines after it); None for any other line. ``log``: that log's lines only."""
    kind = value.get("type")
    if type(kind) is not str or kind not in _SESSION_KINDS:
        return None
    for line in SESSION_LINES:
        if kind in line.kinds and (log is None or line.log == log) \
                and (not line.needs or line.needs in value):
            if state is not None:
                if line.model and (named := _first_text((value,), (_steps(line.model),))):
                    state.model = named
                if line.session and (named := _first_text((value,), (_steps(line.session),))):
                    if state.session is None:
                        state.session = named
                    elif named != state.session:
                        state.copied_from.add(named)  # a copied line of another session
                for path in line.copied_from:
                    if named := _first_text((value,), (_steps(path),)):
                        state.copied_from.add(named)
            return NotBilled(line.why)
    return None


def _unwrap(value: dict[str, Any], envelopes: Sequence[Envelope]
            ) -> tuple[dict[str, Any], Envelope | None]:
    """The response inside a line, and the envelope it came in (None: the line is one)."""
    for candidate in envelopes:
        inner = value.get(candidate.response[0])
        if type(inner) is not dict:
            continue
        for key in candidate.response[1:]:
            inner = inner.get(key)
            if type(inner) is not dict:
                break
        else:
            if candidate.kind is None or _path(value, candidate.kind[0]) == candidate.kind[1]:
                return inner, candidate
    return value, None


def _usage_block(response: dict[str, Any], keys: Sequence[str]) -> tuple[str, Any] | None:
    for key in keys:
        block = response.get(key)
        if type(block) is dict:
            return key, block
    return None


def _failed(value: dict[str, Any]) -> bool:
    """A batch line of a request that failed, and so was not billed."""
    status = _path(value, "response.status_code")
    return bool(value.get("error") or _path(value, "result.error")
                or (type(status) is int and status >= 400)
                or _path(value, "result.type") in ("errored", "canceled", "expired"))


def _not_of(input_format: str, value: dict[str, Any], what: str) -> str:
    """Why a line is not of the forced format, and what it reads as unforced."""
    try:
        seen = _detected(value)
    except RecursionError:
        seen = None
    hint = f"; it reads as {seen} (--input-format {seen})" if seen else ""
    return f"not {input_format} ({what}){hint}"


def _detected(value: dict[str, Any]) -> str | None:
    """The format a line reads as when none is forced: its envelope's name, else the shape
    of its usage block."""
    response, envelope = _unwrap(value, ENVELOPES)
    if envelope is not None:
        return envelope.name
    found = _usage_block(response, USAGE_KEYS)
    shape = _shape_of(found[1] if found else response, _READERS)
    return shape.shape.name if shape else None


class _Reader(NamedTuple):
    """A shape's paths cut into their steps once: they are followed for every record."""

    shape: UsageShape
    markers: tuple[str, ...]
    prompt: tuple[str, ...]
    output: tuple[str, ...]
    cache_read: tuple[str, ...]
    cache_write: tuple[str, ...]
    cache_write_5m: tuple[str, ...]
    cache_write_1h: tuple[str, ...]
    reasoning: tuple[str, ...]
    extra_input: tuple[tuple[str, ...], ...]
    web_searches: tuple[str, ...]
    service_tier: tuple[str, ...]


@functools.lru_cache(maxsize=256)
def _steps(path: str) -> tuple[str, ...]:
    return tuple(path.split(".")) if path else ()


def _reader(shape: UsageShape) -> _Reader:
    return _Reader(shape, shape.markers, _steps(shape.prompt), _steps(shape.output),
                   _steps(shape.cache_read), _steps(shape.cache_write),
                   _steps(shape.cache_write_5m), _steps(shape.cache_write_1h),
                   _steps(shape.reasoning), tuple(_steps(path) for path in shape.extra_input),
                   _steps(shape.web_searches), _steps(shape.service_tier))


_READERS = tuple(_reader(shape) for shape in USAGE_SHAPES)
_SHAPED = {reader.shape.name: reader for reader in reversed(_READERS)}  # the first of a name
_SESSION_KINDS = frozenset().union(*(line.kinds for line in SESSION_LINES))
_MODEL_STEPS = tuple((key,) for key in MODEL_KEYS)
_TIER_STEPS = tuple(_steps(path) for path in TIER_PATHS)
# What each --input-format tries: the envelopes, and the shapes of a response given bare.
# (A name that is both, codex, is the log's: its lines, not a usage block alone.)
_FORCED: dict[str, tuple[tuple[Envelope, ...], tuple[_Reader, ...]]] = {
    AUTO: (ENVELOPES, _READERS),
    **{name: ((), tuple(r for r in _READERS if r.shape.name == name)) for name in _SHAPED},
    **{envelope.name: ((envelope,), _READERS) for envelope in ENVELOPES},
}


def _identity(value: dict[str, Any], envelope: Envelope | None) -> str | None:
    if envelope is None or not envelope.identity:
        return None
    parts = [_path(value, path) for path in envelope.identity]
    return "/".join(str(part) for part in parts) if all(parts) else None


def _reported_cost(value: dict[str, Any], envelope: Envelope | None) -> Decimal | None:
    stated = value.get(envelope.reported_cost) if envelope and envelope.reported_cost else None
    if isinstance(stated, bool) or not isinstance(stated, (int, float)) or stated < 0:
        return None
    return Decimal(str(stated))


def _shape_of(usage: dict[str, Any], readers: Sequence[_Reader]) -> _Reader | None:
    for reader in readers:
        for marker in reader.markers:
            if marker in usage:
                return reader
    return None


def _path(value: Any, path: str) -> Any:
    return _at(value, _steps(path))


def _at(value: Any, steps: tuple[str, ...]) -> Any:
    for key in steps:
        if type(value) is not dict:
            return None
        value = value.get(key)
    return value


def _tokens(usage: dict[str, Any], steps: tuple[str, ...], where: str,
            required: bool = False) -> int:
    """A count at the path ``steps``: 0 where it is absent or null (unless required); a value
    that is not a count is an error, never read as 0."""
    if not steps:
        return 0
    value: Any = usage
    for key in steps:
        value = value.get(key) if type(value) is dict else None
    if type(value) is int and value >= 0:
        return value
    if value is None and not required:
        return 0
    shown = "missing" if value is None else json.dumps(value)
    raise UsageError(f"{where}.{'.'.join(steps)} is {shown}, not a count of tokens")


def _first_text(places: Sequence[Any], paths: Sequence[tuple[str, ...]]) -> str | None:
    for place in places:
        if type(place) is dict:
            for steps in paths:
                value = _at(place, steps)
                if type(value) is str and value.strip():
                    return value.strip()
    return None


def _time(places: Sequence[Any]) -> datetime | None:
    """When the response was made: unix seconds (OpenAI's ``created``, ``created_at``) or an
    ISO 8601 text (Vertex AI's ``createTime``), in UTC; None when no place says."""
    for place in places:
        if type(place) is not dict:
            continue
        for key in TIME_KEYS:
            value = place.get(key)
            if value is None:
                continue
            if type(value) is int or type(value) is float:
                try:
                    return datetime.fromtimestamp(value, timezone.utc)
                except (OverflowError, OSError, ValueError):
                    raise UsageError(f"{key} is {value}, not a time in unix seconds") from None
            if type(value) is str and value.strip():
                return _iso_time(key, value.strip())
    return None


def _iso_time(key: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            # Python 3.10 reads no "Z" suffix, and no more than 6 digits of a second.
            moment = datetime.fromisoformat(re.sub(
                r"(\.\d{6})\d+", r"\1", text.replace("Z", "+00:00").replace("z", "+00:00")))
        except ValueError:
            raise UsageError(f"{key} is {json.dumps(text)}, not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # a time without a zone is taken as UTC
    return moment.astimezone(timezone.utc)


def _kind(value: Any) -> str:
    names = {list: "a list", str: "a string", bool: "a boolean", type(None): "null",
             int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)

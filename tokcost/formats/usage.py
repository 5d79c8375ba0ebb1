"""What a provider billed for a request, read from the usage block of its response: the input
tokens alone (:func:`billed_input_tokens`, for ``calibrate``), or every kind of token, split as
``cost_of`` prices them (:func:`usage_record`, for ``usage``; the shapes are the table
``USAGE_SHAPES``, the wrappers of batch output and request logs ``ENVELOPES``).

Every API response says what it billed, each in its own shape:

- OpenAI Chat Completions: ``usage.prompt_tokens`` (cached tokens are part of it);
- OpenAI Responses: ``usage.input_tokens`` (likewise);
- Anthropic Messages: ``usage.input_tokens`` plus ``cache_creation_input_tokens`` and
  ``cache_read_input_tokens``, which Anthropic reports apart from it;
- Gemini: ``usageMetadata.promptTokenCount`` (``totalTokens`` for ``countTokens``);
- a count-tokens response: ``input_tokens`` (Anthropic) or ``totalTokens`` (Gemini).

A response may be given whole or as its usage block alone.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
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
# the *_details objects and total_tokens.
USAGE_SHAPES = (
    UsageShape("openai-chat", ("prompt_tokens", "completion_tokens"), "prompt_tokens",
               "completion_tokens", cache_read="prompt_tokens_details.cached_tokens",
               cached_inside=True, reasoning="completion_tokens_details.reasoning_tokens"),
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
    UsageShape("gemini", ("promptTokenCount", "candidatesTokenCount"), "promptTokenCount",
               "candidatesTokenCount", cache_read="cachedContentTokenCount",
               cached_inside=True, reasoning="thoughtsTokenCount", reasoning_inside=False,
               extra_input=("toolUsePromptTokenCount",)),
)
USAGE_KEYS = ("usage", "usageMetadata")


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


# Tried in order; a line none of them fits is taken as the response itself.
ENVELOPES = (
    Envelope("openai-batch", ("response", "body"), batch=True),  # {"custom_id", "response"}
    Envelope("anthropic-batch", ("result", "message"), batch=True),  # Message Batches results
    Envelope("request-response", ("response",)),  # what `tokcost calibrate` reads
    # Claude Code's session logs (~/.claude/projects/**/*.jsonl): an assistant line's message.
    Envelope("claude-code", ("message",), identity=("message.id", "requestId"),
             reported_cost="costUSD", session="sessionId"),
)
# Lines of a session log that are not responses: user turns, summaries, system lines.
NOT_RESPONSES = frozenset({"user", "summary", "system"})
# Where a record says its model and its time, first match wins: the response's own fields,
# then the wrapping line's (and its request's, for {"request", "response"} lines).
MODEL_KEYS = ("model", "modelVersion")
TIME_KEYS = ("created", "created_at", "createTime", "timestamp")
# service_tier values that mean the standard prices.
STANDARD_TIERS = frozenset({"default", "standard", "auto", "on_demand"})


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


class NotBilled(NamedTuple):
    """A line that is a response but billed nothing (a failed batch request): why."""

    reason: str


class UsageError(ValueError):
    """A JSON value that holds no usage record tokcost can read."""


def usage_record(value: Any) -> UsageRecord | NotBilled:
    """The usage record of one logged response (whole, in an envelope, or its usage block);
    UsageError when it holds none. (Values are checked as ``dict``, what JSON gives: the
    Mapping ABC's check costs several times more, on every field of every record.)"""
    if not isinstance(value, dict):
        raise UsageError(f"expected a JSON object with a usage block, not {_kind(value)}")
    response, envelope = value, None
    for candidate in ENVELOPES:
        inner = _path(value, ".".join(candidate.response))
        if isinstance(inner, dict):
            response, envelope = inner, candidate
            break
    if value.get("type") in NOT_RESPONSES and not any(
            isinstance(response.get(key), dict) for key in USAGE_KEYS):
        return NotBilled("not a response (a user turn, summary or system line)")
    found = next(((key, response[key]) for key in USAGE_KEYS
                  if isinstance(response.get(key), dict)), None)
    if found is None:
        failed = value.get("error") or _path(value, "result.error")
        status = _path(value, "response.status_code")
        if _shape_of(response) is not None:
            found = ("usage", response)  # a usage block alone
        elif failed or (isinstance(status, int) and status >= 400) or _path(
                value, "result.type") in ("errored", "canceled", "expired"):
            return NotBilled("failed request (no usage; not billed)")
        else:
            raise UsageError("no usage block (usage or usageMetadata) in the response")
    usage = found[1]
    shape = _shape_of(usage)
    if shape is None:
        raise UsageError(f"{found[0]} holds no token counts tokcost knows (prompt_tokens, "
                         "input_tokens or promptTokenCount)")
    prompt = _tokens(usage, shape.prompt, found[0], required=True)
    output = _tokens(usage, shape.output, found[0])
    cached = _tokens(usage, shape.cache_read, found[0])
    reasoning = _tokens(usage, shape.reasoning, found[0])
    write_5m = _tokens(usage, shape.cache_write_5m, found[0])
    write_1h = _tokens(usage, shape.cache_write_1h, found[0])
    # Writes the 5-minute/1-hour split does not account for are 5-minute ones, the default.
    write_5m += max(0, _tokens(usage, shape.cache_write, found[0]) - write_5m - write_1h)
    if shape.cached_inside:
        if cached > prompt:
            raise UsageError(f"{found[0]}.{shape.cache_read} ({cached}) is more than "
                             f"{found[0]}.{shape.prompt} ({prompt}), which includes it")
        prompt -= cached
    if shape.reasoning_inside:
        if reasoning > output:
            raise UsageError(f"{found[0]}.{shape.reasoning} ({reasoning}) is more than "
                             f"{found[0]}.{shape.output} ({output}), which includes it")
    else:
        output += reasoning
    prompt += sum(_tokens(usage, path, found[0]) for path in shape.extra_input)
    places = (response, value, value.get("request"))
    tier = _first_text([usage] if shape.service_tier else [], ("service_tier",)) \
        or _first_text(places, ("service_tier",)) or "standard"
    batch = envelope.batch if envelope is not None else False
    if tier == "batch":
        tier, batch = "standard", True
    elif tier in STANDARD_TIERS:
        tier = "standard"
    return UsageRecord(
        shape=shape.name, model=_first_text(places, MODEL_KEYS), time=_time(places),
        input=prompt, output=output, cache_read=cached, cache_write_5m=write_5m,
        cache_write_1h=write_1h, reasoning=reasoning,
        web_searches=_tokens(usage, shape.web_searches, found[0]),
        service_tier=tier, batch=batch, key=_identity(value, envelope),
        reported_cost=_reported_cost(value, envelope),
        session=_first_text([value], (envelope.session,)) if envelope and envelope.session
        else None)


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


def _shape_of(usage: Mapping[str, Any]) -> UsageShape | None:
    return next((shape for shape in USAGE_SHAPES
                 if any(marker in usage for marker in shape.markers)), None)


def _path(value: Any, path: str) -> Any:
    for key in _steps(path):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


@functools.lru_cache(maxsize=256)
def _steps(path: str) -> tuple[str, ...]:
    return tuple(path.split(".")) if path else ()


def _tokens(usage: Mapping[str, Any], path: str, where: str, required: bool = False) -> int:
    """A count at ``path``: 0 where it is absent or null (unless required); a value that is
    not a count is an error, never read as 0."""
    value = _path(usage, path) if path else None
    if value is None and not required:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        shown = "missing" if value is None else json.dumps(value)
        raise UsageError(f"{where}.{path} is {shown}, not a count of tokens")
    return value


def _first_text(places: Sequence[Any], keys: Sequence[str]) -> str | None:
    for place in places:
        if isinstance(place, dict):
            for key in keys:
                value = place.get(key)
                if isinstance(value, str) and value.strip():
                    return value.strip()
    return None


def _time(places: Sequence[Any]) -> datetime | None:
    """When the response was made: unix seconds (OpenAI's ``created``, ``created_at``) or an
    ISO 8601 text (Vertex AI's ``createTime``), in UTC; None when no place says."""
    for place in places:
        if not isinstance(place, dict):
            continue
        for key in TIME_KEYS:
            value = place.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                try:
                    return datetime.fromtimestamp(value, timezone.utc)
                except (OverflowError, OSError, ValueError):
                    raise UsageError(f"{key} is {value}, not a time in unix seconds") from None
            if isinstance(value, str) and value.strip():
                return _iso_time(key, value.strip())
    return None


def _iso_time(key: str, text: str) -> datetime:
    try:
        # Python 3.10 reads no "Z" suffix, and no more than 6 digits of a second.
        moment = datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1",
                                               text.replace("Z", "+00:00").replace("z", "+00:00")))
    except ValueError:
        raise UsageError(f"{key} is {json.dumps(text)}, not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # a time without a zone is taken as UTC
    return moment.astimezone(timezone.utc)


def _kind(value: Any) -> str:
    names = {list: "a list", str: "a string", bool: "a boolean", type(None): "null",
             int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)

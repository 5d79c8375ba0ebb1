"""Plain OpenAI chat requests read from their bytes, their messages and tools left undecoded.

Most lines of a large file of requests (a Batch file, a request log) are OpenAI chat requests
whose messages are plain, a role and a text, and most of those messages were sent by an earlier
line already. Such a line is read here with each message and the tool list kept as the JSON
bytes it is (msgspec's ``Raw``), so that a message seen before is known by its bytes and never
decoded again (``ModelCounter.plain_request`` counts them, through ``memo.RawMemo``).

Whatever is not of that shape gives None and is read the general way
(``conversations.parse_conversations``), which gives every line its count and every error its
place; this module only decides that a line is plain, and never says why one is not. What it
reads is what the general way reads from the same line: msgspec decodes both, and the last of
two equal keys wins in both, as in ``json.loads``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import msgspec

from tokcost.formats.conversations import (
    OPENAI_ROLES,
    anthropic_tools,
    parse_openai_tools,
)
from tokcost.formats.shape import ConversationError

_NONE = msgspec.Raw()  # a field that was not there


class _Request(msgspec.Struct):
    """The fields of ``{"messages": [...]}`` that decide how it is read; others are skipped."""

    messages: list[msgspec.Raw]
    model: Any = None
    tools: msgspec.Raw = _NONE
    tool_choice: Any = None
    # Present, any of these makes the line another format's (or a rarer spelling): the
    # general way reads it.
    functions: msgspec.Raw = _NONE
    system: msgspec.Raw = _NONE
    thinking: msgspec.Raw = _NONE
    output_config: msgspec.Raw = _NONE
    conversations: msgspec.Raw = _NONE
    custom_id: msgspec.Raw = _NONE
    body: msgspec.Raw = _NONE


class _BatchLine(msgspec.Struct):
    """An OpenAI Batch API line, ``{"custom_id", "body": {"messages": [...]}}``."""

    custom_id: msgspec.Raw
    body: _Request


class _Message(msgspec.Struct, forbid_unknown_fields=True):
    """A plain message: a role and a text, nothing else."""

    role: str
    content: str


_refusals = (msgspec.DecodeError, msgspec.ValidationError, RecursionError)
_decode_message = msgspec.json.Decoder(_Message).decode
_decode_any = msgspec.json.Decoder().decode


class PlainRequest(NamedTuple):
    """A chat request of plain messages: each message's JSON bytes, the tool list's (empty
    when it has none), the model it names."""

    messages: list[msgspec.Raw]
    tools: msgspec.Raw
    model: str | None
    source_format: str  # "openai" or "batch", as the general way would say


class PlainReader:
    """Reads lines as plain requests, in one forced format or either (``fmt`` None)."""

    def __init__(self, fmt: str | None) -> None:
        decoders: dict[str, Callable[[bytes], _Request | _BatchLine]] = {
            "openai": msgspec.json.Decoder(_Request).decode,
            "batch": msgspec.json.Decoder(_BatchLine).decode}
        # The format that read the last line is tried first: a file is mostly of one.
        self._order = [(name, decoders[name]) for name in
                       (("openai", "batch") if fmt is None else (fmt,))]

    def read(self, line: bytes) -> PlainRequest | None:
        """The line as a plain request, or None: read it the general way."""
        for at, (name, decode) in enumerate(self._order):
            try:
                value = decode(line)
            except _refusals:
                continue
            if at:
                self._order.insert(0, self._order.pop(at))
            if isinstance(value, _BatchLine):
                return _plain(value.body, name)
            assert isinstance(value, _Request)
            if value.custom_id or value.body:
                return None  # a Batch line with messages of its own: batch, the general way
            return _plain(value, name)
        return None


def _plain(request: _Request, source_format: str) -> PlainRequest | None:
    if (not request.messages or request.functions or request.system or request.thinking
            or request.output_config or request.conversations):
        return None
    model = request.model
    if model is not None and type(model) is not str:
        return None
    if isinstance(request.tool_choice, dict):  # the object form may be Anthropic's
        return None
    tools = request.tools
    if tools and bytes(tools).strip() == b"null":
        tools = _NONE
    return PlainRequest(request.messages, tools, model, source_format)


def plain_message(raw: msgspec.Raw) -> tuple[str, str] | None:
    """A message's role and text, when it is plain (an OpenAI role, text content, no other
    key: what ``conversations._plain_message`` takes); else None."""
    try:
        message = _decode_message(raw)
    except _refusals:
        return None
    if message.role not in OPENAI_ROLES:
        return None
    return message.role, message.content


def plain_tools(raw: msgspec.Raw) -> list[dict[str, Any]] | None:
    """A request's tool list, checked as the general way checks it, when it is OpenAI's;
    else None (an error, or Anthropic's tools: the general way says which)."""
    try:
        value = _decode_any(raw)
    except _refusals:
        return None
    if not isinstance(value, list) or anthropic_tools(value):
        return None
    try:
        return parse_openai_tools({"tools": value}, "")
    except ConversationError:
        return None

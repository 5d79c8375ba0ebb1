"""Conversations in every input format, read into one shape: OpenAI chat messages.

OpenAI chat, Anthropic Messages, ShareGPT, OpenAI Batch API lines and Gemini requests (read in
``gemini.py``) are each validated and normalised to OpenAI's message shape (role, content as text
or parts, name, tool_calls), which the counting framing is defined on. Anthropic and Gemini
requests keep their original form too: for the exact count Anthropic's own endpoint gives, and for
what only a Gemini request shows (media, thought signatures, server-side tools).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tokcost.formats.shape import Conversation, ConversationError
from tokcost.formats.shape import at as _at
from tokcost.formats.shape import kind as _kind
from tokcost.formats.shape import require as _require

__all__ = ["CONVERSATION_FORMATS", "OPENAI_ROLES", "Conversation", "ConversationError",
           "anthropic_tools", "detect_format", "parse_conversations", "parse_openai_tools",
           "to_anthropic_request"]

CONVERSATION_FORMATS = ("openai", "anthropic", "sharegpt", "gemini", "batch")
OPENAI_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
# ShareGPT speaker names seen in the wild, mapped to chat roles.
SHAREGPT_ROLES = {
    "system": "system",
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
    "bard": "assistant",
}
# The parts of an Anthropic request that its count depends on, kept for --exact.
_ANTHROPIC_COUNTED_KEYS = ("system", "messages", "tools", "tool_choice", "thinking",
                           "output_config")
# Content block types that only Anthropic's Messages format uses.
_ANTHROPIC_ONLY_BLOCKS = {"tool_use", "tool_result", "thinking", "redacted_thinking", "document",
                          "container_upload", "search_result", "tool_reference",
                          "tool_addition", "compaction"}


# --- detection -------------------------------------------------------------------------------

def detect_format(value: Any, where: str = "") -> str:
    """Which conversation format a parsed JSON value is in."""
    if isinstance(value, dict):
        if "custom_id" in value and "body" in value:
            return "batch"
        if "conversations" in value:
            return "sharegpt"
        if "messages" in value:
            return "anthropic" if _looks_anthropic(value) else "openai"
        if "contents" in value:
            return "gemini"
        raise ConversationError(where, "an object with neither `messages` nor `conversations` "
                                "(nor Gemini's `contents`); not a conversation")
    if isinstance(value, list):
        if not value:
            raise ConversationError(where, "an empty list; no messages to count")
        first = value[0]
        if isinstance(first, dict) and "parts" in first:  # Gemini's contents, bare
            return "gemini"
        if isinstance(first, dict) and "role" in first:
            return "anthropic" if _looks_anthropic({"messages": value}) else "openai"
        if isinstance(first, dict):
            return detect_format(first, _at(where, 0))
        raise ConversationError(_at(where, 0), f"expected a message object, not {_kind(first)}")
    raise ConversationError(where, f"{_kind(value)}, not a conversation")


def _looks_anthropic(request: Mapping[str, Any]) -> bool:
    if "system" in request or "thinking" in request or "output_config" in request:
        return True
    choice = request.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("auto", "none", "any", "tool"):
        return True  # OpenAI's object form is {"type": "function", ...}
    tools = request.get("tools")
    if isinstance(tools, list) and anthropic_tools(tools):
        return True
    messages = request.get("messages")
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else []:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind in _ANTHROPIC_ONLY_BLOCKS or kind == "image" and "source" in block or (
                    isinstance(kind, str) and kind.endswith(("_tool_use", "_tool_result"))):
                return True  # (server tools: server_tool_use, web_search_tool_result...)
    return False


def anthropic_tools(tools: list[Any]) -> bool:
    """Whether a request's tool list is Anthropic's: its custom tools have an input_schema, its
    server tools (web_search_20250305, mcp_toolset...) a type of their own; OpenAI's all have
    a `function`."""
    return any(isinstance(tool, dict) and ("input_schema" in tool or "function" not in tool
                                           and tool.get("type") not in (None, "function"))
               for tool in tools)


def parse_conversations(value: Any, fmt: str | None = None, where: str = "") -> list[Conversation]:
    """Every conversation in one JSON value: a conversation, or a list of them."""
    fmt = fmt or detect_format(value, where)
    if (isinstance(value, list) and value and isinstance(value[0], dict)
            and "role" not in value[0] and "parts" not in value[0]):
        return [conversation for index, item in enumerate(value)
                for conversation in parse_conversations(item, fmt, _at(where, index))]
    if fmt == "gemini":
        from tokcost.formats.gemini import parse_gemini  # its own module; read only when needed

        return [parse_gemini(value, where)]
    parse = {"openai": parse_openai, "anthropic": parse_anthropic, "sharegpt": parse_sharegpt,
             "batch": parse_batch_line}[fmt]
    return [parse(value, where)]


def parse_records(value: Any, fmt: str | None = None
                  ) -> tuple[list[Conversation], list[ConversationError]]:
    """The conversations of one JSON document, a bad record of a list of them set aside (with
    its place) rather than failing the rest, as a bad line of JSON Lines is."""
    if not (isinstance(value, list) and value and isinstance(value[0], dict)
            and "role" not in value[0] and "parts" not in value[0]):
        return parse_conversations(value, fmt), []
    conversations: list[Conversation] = []
    problems: list[ConversationError] = []
    for index, item in enumerate(value):
        try:
            conversations.extend(parse_conversations(item, fmt, _at("", index)))
        except ConversationError as error:
            problems.append(error)
    return conversations, problems


# --- OpenAI chat ------------------------------------------------------------------------------

def parse_openai(value: Any, where: str = "") -> Conversation:
    """``[messages...]`` or ``{"messages": [...], "tools"?, "functions"?, "model"?}``."""
    model = None
    tools: list[dict[str, Any]] = []
    if isinstance(value, dict):
        messages = value.get("messages")
        model = _optional_text(value, "model", where)
        tools = parse_openai_tools(value, where)
        messages_at = _at(where, "messages")
    else:
        messages, messages_at = value, where
    _require(messages, list, messages_at, "messages must be a list")
    if not messages:
        raise ConversationError(messages_at, "no messages to count")
    checked = [_plain_message(m) or _openai_message(m, _at(messages_at, i))
               for i, m in enumerate(messages)]
    conversation = Conversation(checked, tools, model, "openai")
    if isinstance(value, dict):
        conversation.tool_choice = _openai_tool_choice(value.get("tool_choice"))
        conversation.output_schema = _openai_output_schema(value.get("response_format"))
    return conversation


# OpenAI's tool_choice strings, in the shared spelling ("required" is Anthropic's "any").
_OPENAI_TOOL_CHOICES = {"auto": "auto", "none": "none", "required": "any"}


def _openai_tool_choice(choice: Any) -> str | None:
    if isinstance(choice, str):
        return _OPENAI_TOOL_CHOICES.get(choice)
    if isinstance(choice, dict) and choice.get("type") == "allowed_tools":
        mode = choice.get("mode") or (choice.get("allowed_tools") or {}).get("mode")
        return _OPENAI_TOOL_CHOICES.get(mode) if isinstance(mode, str) else "auto"
    return "tool" if isinstance(choice, dict) else None


def _openai_output_schema(response_format: Any) -> dict[str, Any] | None:
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        described = response_format.get("json_schema")
        schema = described.get("schema") if isinstance(described, dict) else None
        return schema if isinstance(schema, dict) else {}
    return None


_PLAIN_KEYS = frozenset({"role", "content"})


def _plain_message(message: Any) -> dict[str, Any] | None:
    """The common message, ``{"role", "content": "text"}``, checked without building the
    paths that error messages need; anything else goes the long way."""
    if (type(message) is dict and message.keys() == _PLAIN_KEYS
            and message["role"] in OPENAI_ROLES and type(message["content"]) is str):
        return message
    return None


def _optional_text(value: Mapping[str, Any], key: str, where: str) -> str | None:
    if value.get(key) is None:
        return None
    return str(_require(value[key], str, _at(where, key), f"`{key}` must be a string"))


def _listed(request: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """An optional list field: absent or null is empty; anything but a list is an error."""
    value = request.get(key)
    if value is None:
        return []
    return list(_require(value, list, _at(where, key), f"`{key}` must be a list"))


def parse_openai_tools(request: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    """A request's `tools` (and legacy `functions`), checked, in OpenAI's shape."""
    tools = []
    for index, tool in enumerate(_listed(request, "tools", where)):
        at = _at(_at(where, "tools"), index)
        _require(tool, dict, at, "a tool must be an object")
        function = _require(tool.get("function"), dict, _at(at, "function"),
                            "a tool needs a `function` object")
        tools.append({"type": "function", "function": _function(function, _at(at, "function"))})
    for index, function in enumerate(_listed(request, "functions", where)):  # legacy spelling
        at = _at(_at(where, "functions"), index)
        _require(function, dict, at, "a function must be an object")
        tools.append({"type": "function", "function": _function(function, at)})
    return tools


def _function(function: Mapping[str, Any], where: str) -> dict[str, Any]:
    _require(function.get("name"), str, _at(where, "name"), "a function needs a `name` string")
    if function.get("parameters") is not None:
        _require(function["parameters"], dict, _at(where, "parameters"),
                 "`parameters` must be a JSON schema object")
    return dict(function)


def _openai_message(message: Any, where: str) -> dict[str, Any]:
    _require(message, dict, where, "a message must be an object")
    role = message.get("role")
    if role is None:
        raise ConversationError(where, "a message without a `role`")
    if role not in OPENAI_ROLES:
        raise ConversationError(_at(where, "role"), f"unknown role {role!r} (expected one of "
                                f"{', '.join(OPENAI_ROLES)})")
    checked: dict[str, Any] = {"role": role}
    has_calls = bool(message.get("tool_calls") or message.get("function_call"))
    if "content" not in message and not has_calls:
        raise ConversationError(where, "a message without `content`")
    content = message.get("content")
    if content is None and not has_calls:
        raise ConversationError(_at(where, "content"), "content is null")
    if isinstance(content, list):
        checked["content"] = [_openai_part(p, _at(_at(where, "content"), i))
                              for i, p in enumerate(content)]
    elif content is not None:
        checked["content"] = _require(content, str, _at(where, "content"),
                                      "content must be a string or a list of parts")
    for key in ("name", "tool_call_id"):
        if message.get(key) is not None:
            checked[key] = _require(message[key], str, _at(where, key), f"`{key}` must be text")
    calls = list(message.get("tool_calls") or [])
    if message.get("function_call"):
        calls.append({"type": "function", "function": message["function_call"]})
    if calls:
        checked["tool_calls"] = [_tool_call(c, _at(_at(where, "tool_calls"), i))
                                 for i, c in enumerate(calls)]
    return checked


def _tool_call(call: Any, where: str) -> dict[str, Any]:
    _require(call, dict, where, "a tool call must be an object")
    function = _require(call.get("function"), dict, _at(where, "function"),
                        "a tool call needs a `function` object")
    name = _require(function.get("name"), str, _at(where, "function.name"),
                    "a tool call needs a function name")
    arguments = function.get("arguments", "")
    if not isinstance(arguments, str):  # some exports keep the arguments as an object
        arguments = json.dumps(arguments, ensure_ascii=False)
    return {"id": call.get("id", ""), "type": "function",
            "function": {"name": name, "arguments": arguments}}


def _openai_part(part: Any, where: str) -> dict[str, Any]:
    _require(part, dict, where, "a content part must be an object")
    kind = part.get("type")
    if kind in ("text", "input_text"):
        return {"type": "text", "text": _require(part.get("text"), str, _at(where, "text"),
                                                 "a text part needs `text`")}
    if kind == "refusal":
        return {"type": "text", "text": _require(part.get("refusal"), str,
                                                 _at(where, "refusal"), "needs `refusal` text")}
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        _require(url, str, _at(where, "image_url.url"), "an image part needs a URL")
        detail = image.get("detail", "auto") if isinstance(image, dict) else "auto"
        return {"type": "image_url", "image_url": {"url": url, "detail": detail}}
    raise ConversationError(_at(where, "type"), f"content part type {kind!r} cannot be counted "
                            "(text and image_url parts can)")


# --- Anthropic Messages -------------------------------------------------------------------------

def parse_anthropic(value: Any, where: str = "") -> Conversation:
    """``{"system"?, "messages": [...], "tools"?, "model"?}`` with content blocks."""
    request = value if isinstance(value, dict) else {"messages": value}
    messages = _require(request.get("messages"), list, _at(where, "messages"),
                        "messages must be a list")
    if not messages:
        raise ConversationError(_at(where, "messages"), "no messages to count")
    normalised: list[dict[str, Any]] = []
    system = request.get("system")
    if system is not None:
        text = _anthropic_text(system, _at(where, "system"))
        normalised.append({"role": "system", "content": text})
    for index, message in enumerate(messages):
        normalised.extend(_anthropic_message(message, _at(_at(where, "messages"), index)))
    tools = []
    for index, tool in enumerate(_listed(request, "tools", where)):
        at = _at(_at(where, "tools"), index)
        _require(tool, dict, at, "a tool must be an object")
        kind = tool.get("type")
        if tool.get("name") is None and isinstance(kind, str):  # mcp_toolset has no name
            name = kind
        else:
            name = _require(tool.get("name"), str, _at(at, "name"), "a tool needs a `name`")
        schema = tool.get("input_schema")
        if schema is not None:
            _require(schema, dict, _at(at, "input_schema"), "`input_schema` must be a JSON "
                     "schema object")
        function = {"name": name, "description": tool.get("description", ""),
                    "parameters": schema or {}}
        tools.append({"type": "function", "function": function})
    original = {key: request[key] for key in _ANTHROPIC_COUNTED_KEYS if key in request}
    model = request.get("model") if isinstance(request.get("model"), str) else None
    conversation = Conversation(normalised, tools, model, "anthropic", original)
    choice = request.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("auto", "none", "any", "tool"):
        conversation.tool_choice = choice["type"]
    thinking = request.get("thinking")
    # Only thinking with a budget adds a hidden prompt: adaptive thinking was billed nothing
    # extra in the calibration records (Opus 5, "What is 2+2?": 13 tokens, as without it).
    conversation.thinking = isinstance(thinking, dict) and thinking.get("type") == "enabled"
    output_config = request.get("output_config")
    output_config = output_config if isinstance(output_config, dict) else {}
    output_format = output_config.get("format")
    # `effort` was billed nothing extra in the calibration records; anything else there (the
    # task budget: about 40 tokens on the one recorded request) has no measured size.
    conversation.unmeasured_options = [f"output_config.{key}" for key in output_config
                                       if key not in _MEASURED_OUTPUT_CONFIG]
    if isinstance(output_format, dict):
        schema = output_format.get("schema")
        conversation.output_schema = schema if isinstance(schema, dict) else {}
    return conversation


_MEASURED_OUTPUT_CONFIG = ("format", "effort")


def _anthropic_text(system: Any, where: str) -> str:
    if isinstance(system, str):
        return system
    _require(system, list, where, "system must be a string or a list of text blocks")
    texts = []
    for index, block in enumerate(system):
        _require(block, dict, _at(where, index), "a system block must be an object")
        texts.append(_require(block.get("text"), str, _at(_at(where, index), "text"),
                              "a system block needs `text`"))
    return "\n".join(texts)


def _anthropic_message(message: Any, where: str) -> list[dict[str, Any]]:
    _require(message, dict, where, "a message must be an object")
    role = message.get("role")
    # The API also takes "system" messages between the turns (instructions given mid-way).
    if role not in ("user", "assistant", "system"):
        raise ConversationError(_at(where, "role"), f"unknown role {role!r} (Anthropic messages "
                                "are user, assistant or system)")
    content = message.get("content")
    if isinstance(content, str):
        return [{"role": role, "content": content}]
    _require(content, list, _at(where, "content"), "content must be a string or a list of blocks")
    parts: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for index, block in enumerate(content):
        at = _at(_at(where, "content"), index)
        _require(block, dict, at, "a content block must be an object")
        kind = block.get("type")
        if kind == "text":
            parts.append({"type": "text", "text": _require(block.get("text"), str,
                                                           _at(at, "text"), "needs `text`")})
        elif kind in ("thinking", "redacted_thinking"):
            # Marked: which replayed thinking is billed depends on the model (see
            # counting/features.py). Redacted thinking is encrypted: its text cannot be read.
            parts.append({"type": "text", "text": str(block.get("thinking") or "")
                          if kind == "thinking" else "", "thinking": True})
        elif kind == "image":
            parts.append({"type": "image_url", "image_url": {"url": _image_url(block, at),
                                                             "detail": "auto"}})
        elif kind == "tool_use":
            calls.append({"id": block.get("id", ""), "type": "function", "function": {
                "name": _require(block.get("name"), str, _at(at, "name"), "needs a `name`"),
                "arguments": json.dumps(block.get("input", {}), ensure_ascii=False)}})
        elif kind == "tool_result":
            results.append({"role": "tool", "tool_call_id": str(block.get("tool_use_id", "")),
                            "content": _tool_result_content(block.get("content"),
                                                            _at(at, "content"))})
        elif kind == "document":
            parts.append(_anthropic_document(block, at))
        elif isinstance(kind, str) and kind:
            # Server tools, tool search, compaction...: blocks with no published rule. Their
            # content is counted as JSON text and the count marked as an estimate.
            content_of = {key: value for key, value in block.items()
                          if key not in ("type", "id", "tool_use_id", "cache_control")}
            parts.append({"type": "text", "text": json.dumps(content_of, ensure_ascii=False),
                          "estimated_from": kind})
        else:
            raise ConversationError(_at(at, "type"), "a content block needs a `type`")
    normalised: list[dict[str, Any]] = list(results)
    if parts or calls or not results:
        entry: dict[str, Any] = {"role": role, "content": parts if parts else None}
        if calls:
            entry["tool_calls"] = calls
        if entry["content"] is None and not calls:
            entry["content"] = ""
        normalised.append(entry)
    return normalised


def _tool_result_content(inner: Any, where: str) -> str | list[dict[str, Any]]:
    """A tool result's content: text, or blocks (text, images, documents), as message parts."""
    if inner is None:
        return ""
    if isinstance(inner, str):
        return inner
    blocks = _require(inner, list, where, "tool_result content must be text or a list of blocks")
    parts: list[dict[str, Any]] = []
    for index, block in enumerate(blocks):
        at = _at(where, index)
        _require(block, dict, at, "a content block must be an object")
        kind = block.get("type")
        if kind == "text":
            parts.append({"type": "text", "text": _require(block.get("text"), str,
                                                           _at(at, "text"), "needs `text`")})
        elif kind == "image":
            parts.append({"type": "image_url", "image_url": {"url": _image_url(block, at),
                                                             "detail": "auto"}})
        elif kind == "document":
            parts.append(_anthropic_document(block, at))
        else:
            parts.append({"type": "text", "text": json.dumps(block, ensure_ascii=False),
                          "estimated_from": str(kind)})
    if all(part["type"] == "text" and len(part) == 2 for part in parts):
        return "\n".join(part["text"] for part in parts)  # plain text, as before
    return parts


def _anthropic_document(block: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A document block: plain text is counted as text; a PDF (or other file) is marked, since
    what it costs depends on its pages, which only Anthropic's side reads."""
    source = _require(block.get("source"), dict, _at(where, "source"),
                      "a document block needs a `source`")
    if source.get("type") == "text" and isinstance(source.get("data"), str):
        return {"type": "text", "text": source["data"], "estimated_from": "document"}
    if source.get("type") == "content" and isinstance(source.get("content"), list):
        return {"type": "text", "text": _anthropic_text(
            [b for b in source["content"] if isinstance(b, dict) and b.get("type") == "text"],
            _at(where, "source.content")), "estimated_from": "document"}
    part = {"type": "text", "text": "", "media": str(source.get("media_type")
                                                     or "application/pdf")}
    if source.get("type") == "base64" and isinstance(source.get("data"), str):
        part["data"] = source["data"]  # its pages are what it costs
    return part


def _image_url(block: Mapping[str, Any], where: str) -> str:
    source = _require(block.get("source"), dict, _at(where, "source"),
                      "an image block needs a `source`")
    if source.get("type") == "base64":
        return f"data:{source.get('media_type', 'image/png')};base64,{source.get('data', '')}"
    return str(source.get("url", ""))


# --- ShareGPT and Batch API ---------------------------------------------------------------------

def parse_sharegpt(value: Any, where: str = "") -> Conversation:
    """``{"conversations": [{"from": "human"|"gpt"|"system", "value": "..."}]}``."""
    _require(value, dict, where, "a ShareGPT record must be an object")
    turns = _require(value.get("conversations"), list, _at(where, "conversations"),
                     "`conversations` must be a list")
    if not turns:
        raise ConversationError(_at(where, "conversations"), "no messages to count")
    messages = []
    for index, turn in enumerate(turns):
        at = _at(_at(where, "conversations"), index)
        _require(turn, dict, at, "a turn must be an object")
        speaker = turn.get("from")
        if speaker not in SHAREGPT_ROLES:
            raise ConversationError(_at(at, "from"), f"unknown speaker {speaker!r} (expected one "
                                    f"of {', '.join(SHAREGPT_ROLES)})")
        text = _require(turn.get("value"), str, _at(at, "value"), "`value` must be text")
        messages.append({"role": SHAREGPT_ROLES[speaker], "content": text})
    return Conversation(messages, [], None, "sharegpt")


def parse_batch_line(value: Any, where: str = "") -> Conversation:
    """An OpenAI Batch API input line: ``{"custom_id", "method", "url", "body": {...}}``."""
    _require(value, dict, where, "a batch line must be an object")
    body = _require(value.get("body"), dict, _at(where, "body"), "a batch line needs a `body`")
    conversation = parse_openai(body, _at(where, "body"))
    conversation.source_format = "batch"
    return conversation


# --- to Anthropic's shape, for its count-tokens endpoint ------------------------------------------

def to_anthropic_request(conversation: Conversation) -> dict[str, Any]:
    """The conversation as an Anthropic Messages request body (without the model)."""
    if conversation.anthropic_request is not None:
        return conversation.anthropic_request
    system = [m["content"] for m in conversation.messages
              if m["role"] in ("system", "developer") and isinstance(m.get("content"), str)]
    messages: list[dict[str, Any]] = []
    for message in conversation.messages:
        if message["role"] in ("system", "developer"):
            continue
        if message["role"] in ("tool", "function"):
            block = {"type": "tool_result", "tool_use_id": message.get("tool_call_id", ""),
                     "content": _plain_text(message.get("content"))}
            messages.append({"role": "user", "content": [block]})
            continue
        blocks: list[dict[str, Any]] = []
        content = message.get("content")
        if isinstance(content, str):
            blocks.append({"type": "text", "text": content})
        for part in content if isinstance(content, list) else []:
            if part["type"] == "text":
                blocks.append({"type": "text", "text": part["text"]})
            else:
                blocks.append(_anthropic_image(part["image_url"]["url"]))
        for call in message.get("tool_calls", []):
            arguments = call["function"]["arguments"]
            try:
                parsed = json.loads(arguments) if arguments else {}
            except json.JSONDecodeError:
                parsed = {"arguments": arguments}
            blocks.append({"type": "tool_use", "id": call.get("id") or "call",
                           "name": call["function"]["name"], "input": parsed})
        messages.append({"role": message["role"], "content": blocks})
    request: dict[str, Any] = {"messages": messages}
    if system:
        request["system"] = "\n\n".join(system)
    if conversation.tools:
        request["tools"] = [{"name": t["function"]["name"],
                             "description": t["function"].get("description", ""),
                             "input_schema": t["function"].get("parameters")
                             or {"type": "object", "properties": {}}}
                            for t in conversation.tools]
        if conversation.tool_choice in ("auto", "none", "any"):
            request["tool_choice"] = {"type": conversation.tool_choice}
        elif conversation.tool_choice == "tool":  # which tool is not kept; it costs as "any"
            request["tool_choice"] = {"type": "any"}
    if conversation.output_schema is not None:
        request["output_config"] = {"format": {"type": "json_schema",
                                               "schema": conversation.output_schema}}
    return request


def _plain_text(content: Any) -> str:
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content if part.get("type") == "text")
    return content or ""


def _anthropic_image(url: str) -> dict[str, Any]:
    if url.startswith("data:") and ";base64," in url:
        header, data = url.split(",", 1)
        media_type = header[len("data:"):].split(";")[0]
        return {"type": "image", "source": {"type": "base64", "media_type": media_type,
                                            "data": data}}
    return {"type": "image", "source": {"type": "url", "url": url}}

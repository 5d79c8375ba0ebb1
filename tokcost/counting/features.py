"""What a chat request is made of, measured in a stand-in encoding: the features that the
estimated counting rules (``rules.py``) weigh.

A provider whose tokenizer is not public is estimated as a weighted sum of these: the text's
tokens in the stand-in encoding (times a ratio), a constant per message and per request, the
tool definitions and tool calls as JSON, and the hidden prompts that switches add (tools and
their ``tool_choice``, extended thinking, structured output). The weights are fitted on real
requests and the counts the provider reported for them; this module only measures.

Features are counted on the normalised conversation, so every input format gives the same
features for the same request. Replayed thinking counts as text where the rule says the model
keeps it (``ThinkingKept``) and is left out elsewhere; Gemini's thought signatures, which it
bills, are measured in bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from tokcost.formats.conversations import Conversation

# Which replayed thinking blocks a model keeps, and so bills as input. Anthropic's extended
# thinking guide: the API strips thinking from earlier turns, except the current turn's while a
# tool-use loop is under way (the assistant turns after the last user message that is not just
# tool results), for Claude Sonnet 4.5, Opus 4.1, Haiku 4.5 and older; Opus 4.5, Sonnet 4.6 and
# later keep every earlier turn's thinking. "none": thinking is never resent as text (Gemini).
ThinkingKept = Literal["none", "current_turn", "all"]
THINKING_KEPT: tuple[ThinkingKept, ...] = ("none", "current_turn", "all")

# Every feature a rule may weigh, in the order they are shown and fitted.
MESSAGE_FEATURES = (
    "text",            # text of the message, tool results included, in stand-in tokens
    "message",         # 1 per message (system messages included)
    "tool_call",       # 1 per tool call in an assistant message
    "tool_call_json",  # stand-in tokens of each call's name and JSON arguments
    "tool_result",     # 1 per tool-result message
    "image_tokens",    # the image tokens by the rule's own image rule
    "signature_bytes",  # bytes of the thought signatures a Gemini turn sends back
)
REQUEST_FEATURES = (
    "request",           # 1 per request
    "tools",             # 1 per tool definition
    "tool_json",         # stand-in tokens of the tool definitions as JSON
    "tool_prompt_auto",  # 1 when tools are given and the model may choose (auto, none)
    "tool_prompt_any",   # 1 when tools are given and one must be used (any, a named tool)
    "thinking",          # 1 when extended thinking is switched on
    "structured",        # 1 when the reply must follow a JSON schema
    "schema_json",       # stand-in tokens of that schema as JSON
)
FEATURES = MESSAGE_FEATURES + REQUEST_FEATURES
# What each feature stands for, in the words of a note about a count.
FEATURE_WORDS = {
    "text": "text", "message": "the framing of messages", "tool_call": "tool calls",
    "tool_call_json": "tool calls' arguments", "tool_result": "tool results",
    "image_tokens": "images", "signature_bytes": "replayed thought signatures",
    "request": "the framing of the request", "tools": "tool definitions",
    "tool_json": "tool definitions", "tool_prompt_auto": "the hidden tool-use prompt",
    "tool_prompt_any": "the hidden tool-use prompt of tool_choice any or a named tool",
    "thinking": "extended thinking", "structured": "structured output",
    "schema_json": "the output schema",
}

Features = dict[str, float]
Encode = Callable[[str], int]
# (width, height) of an image, or None -> (its tokens, a note or "").
ImageRule = Callable[[Mapping[str, Any]], tuple[int, str]]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def message_features(message: Mapping[str, Any], tokens: Encode, image: ImageRule,
                     notes: list[str], keep_thinking: bool = False) -> Features:
    """The features of one message as it sits in a request; its thinking blocks count as text
    when ``keep_thinking``."""
    found: Features = {"message": 1}
    text = 0
    content = message.get("content")
    if isinstance(content, str):
        text += tokens(content)
    for part in content if isinstance(content, list) else ():
        if part["type"] == "text":
            note: str | None
            if part.get("media") == "application/pdf":
                counted, note = image({"pdf": part.get("data", "")})
                found["image_tokens"] = found.get("image_tokens", 0) + counted
            else:
                note = part_note(part)
            if note:
                notes.append(note)
            if part.get("thinking"):
                if keep_thinking:
                    text += tokens(part["text"])
                    if not part["text"]:
                        notes.append(_HIDDEN_THINKING)
            else:
                text += tokens(part["text"])
        else:
            counted, note = image(part["image_url"])
            found["image_tokens"] = found.get("image_tokens", 0) + counted
            if note:
                notes.append(note)
    if message["role"] in ("tool", "function"):
        found["tool_result"] = 1
    calls = message.get("tool_calls") or ()
    if calls:
        found["tool_call"] = len(calls)
        found["tool_call_json"] = sum(
            tokens(call["function"]["name"]) + tokens(call["function"]["arguments"])
            for call in calls)
    if message.get("signature_bytes"):
        found["signature_bytes"] = message["signature_bytes"]
    if text:
        found["text"] = text
    return found


_HIDDEN_THINKING = ("a replayed thinking block whose text was omitted or redacted is billed, "
                    "but its size cannot be read: it is not counted")


_EARLIER_THINKING = ("thinking from earlier turns is counted as its text, as this model keeps "
                     "it; no measured request replayed such thinking")


def _has_thinking(message: Mapping[str, Any]) -> bool:
    content = message.get("content")
    return isinstance(content, list) and any(part.get("thinking") for part in content)


def part_note(part: Mapping[str, Any]) -> str | None:
    """What a text part's count cannot promise: media it stands for (not counted), or a block
    read as its text (an estimate)."""
    if part.get("media"):
        return f"{part['media']} content is not counted: no published rule turns it into tokens"
    if "estimated_from" in part:
        return (f"{part['estimated_from']} blocks counted as their text: the provider's framing "
                "of them is not known")
    return None


def request_features(conversation: Conversation, tokens: Encode) -> Features:
    """The features of the request around the messages: its tools and switches."""
    found: Features = {"request": 1}
    tools = conversation.tools
    if tools:
        found["tools"] = len(tools)
        found["tool_json"] = sum(tokens(_json(_definition(tool["function"]))) for tool in tools)
        # Anthropic's tool-use prompt is there whenever tools are given, even with "none".
        forced = conversation.tool_choice in ("any", "tool")
        found["tool_prompt_any" if forced else "tool_prompt_auto"] = 1
    if conversation.thinking:
        found["thinking"] = 1
    if conversation.output_schema is not None:
        found["structured"] = 1
        found["schema_json"] = tokens(_json(conversation.output_schema))
    return found


def _definition(function: Mapping[str, Any]) -> dict[str, Any]:
    """A tool definition in the one shape every format is measured in."""
    return {"name": function["name"], "description": function.get("description") or "",
            "parameters": function.get("parameters") or {}}


def weigh(features: Features, weights: Mapping[str, float]) -> float:
    """The estimated tokens: each feature times its weight."""
    return sum(value * weights.get(name, 0.0) for name, value in features.items())


def thinking_kept_in(messages: Sequence[Mapping[str, Any]], kept: ThinkingKept) -> list[bool]:
    """For each message of a request, whether the model keeps its thinking blocks."""
    if kept == "all":
        return [True] * len(messages)
    if kept == "none":
        return [False] * len(messages)
    # The current turn starts after the last user message that is more than tool results.
    start = 0
    for index, message in enumerate(messages):
        if message["role"] == "user":
            start = index + 1
    return [index >= start and message["role"] == "assistant"
            for index, message in enumerate(messages)]


def conversation_features(conversation: Conversation, tokens: Encode, image: ImageRule,
                          upto: int | None = None, thinking: ThinkingKept = "none"
                          ) -> tuple[list[Features], Features, list[str]]:
    """Each message's features, the request's, and any notes (from images)."""
    notes: list[str] = []
    messages: Sequence[Mapping[str, Any]] = conversation.messages[:upto]
    kept = thinking_kept_in(messages, thinking)
    per_message = [message_features(message, tokens, image, notes, keep)
                   for message, keep in zip(messages, kept, strict=True)]
    if thinking == "all" and any(
            _has_thinking(message) and not current
            for message, current in zip(messages, thinking_kept_in(messages, "current_turn"),
                                        strict=True)):
        # Documented, but no measured request replays earlier turns' thinking to such a model.
        notes.append(_EARLIER_THINKING)
    if conversation.unmeasured_options:
        names = ", ".join(f"`{name}`" for name in conversation.unmeasured_options)
        notes.append(f"{names} adds hidden input tokens that no measured request shows the "
                     "size of: not counted")
    return per_message, request_features(conversation, tokens), notes


def total_features(conversation: Conversation, tokens: Encode, image: ImageRule,
                   thinking: ThinkingKept = "none") -> Features:
    """All of a request's features added up: one row of a calibration fit."""
    per_message, request, _ = conversation_features(conversation, tokens, image,
                                                    thinking=thinking)
    total = dict(request)
    for features in per_message:
        for name, value in features.items():
            total[name] = total.get(name, 0) + value
    return total

"""Counting tokens the way chat APIs bill them: plain text, and conversations with framing.

The framing is OpenAI's, from its cookbook "How to count tokens with tiktoken": every message
costs 3 tokens plus its role, content and name (1 more when it has a name), and 3 more prime the
reply; tool definitions follow the cookbook's tool-counting section. With a model's own
tokenizer this gives the ``prompt_tokens`` the API reports. Models whose tokenizer is not public
are estimated: the same framing on the stand-in encoding the price table names, times its factor.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from tokcost.counting.tokenizers import get_encoding
from tokcost.formats.conversations import Conversation
from tokcost.pricing.schema import ModelPrice

Accuracy = Literal["exact", "estimate"]

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3  # <|start|>assistant<|message|>
# OpenAI documents no framing for tool calls inside assistant messages; each call is counted as
# its name and arguments plus this many tokens, and marked as an estimate.
TOKENS_PER_TOOL_CALL = 3
PREVIEW_CHARS = 40


@dataclass(frozen=True)
class ToolFraming:
    """The cookbook's per-function constants for counting tool definitions."""

    function_start: int
    properties_start: int
    per_property: int
    enum_start: int
    per_enum_item: int
    functions_end: int


# Cookbook section 7 measured these against the API for gpt-4o/gpt-4o-mini (o200k_base) and
# gpt-3.5-turbo/gpt-4 (cl100k_base); other models with the same encoding are estimates.
TOOL_FRAMING = {
    "o200k_base": ToolFraming(7, 3, 3, -3, 3, 12),
    "cl100k_base": ToolFraming(10, 3, 3, -3, 3, 12),
}
TOOL_FRAMING_MEASURED_ON = frozenset({"gpt-4o", "gpt-4o-mini", "gpt-3.5-turbo", "gpt-4"})


@dataclass(frozen=True)
class MessageTokens:
    """One message's share of a conversation's count (or the tools, or the reply priming)."""

    index: int | None
    role: str
    tokens: int
    preview: str


class TokenCount(NamedTuple):
    """A count for one model, saying whether it is exact and, if not, why.

    (A NamedTuple: one is made per conversation, and a frozen dataclass is slower to make.)
    """

    model: str
    tokens: int
    accuracy: Accuracy
    notes: tuple[str, ...] = ()
    messages: tuple[MessageTokens, ...] = ()


def _shown(message: Mapping[str, Any]) -> str:
    """What a message's preview shows: its text, else its first image or tool call."""
    content = message.get("content")
    if isinstance(content, str) and content:
        return content
    for part in content if isinstance(content, list) else []:
        return part["text"] if part["type"] == "text" else "[image]"
    for call in message.get("tool_calls", []):
        return f"{call['function']['name']}({call['function']['arguments']})"
    return ""


def preview(text: str) -> str:
    """At most 40 characters on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


class ModelCounter:
    """Counts for one model: its encoding, its framing, its estimate rule."""

    def __init__(self, model: ModelPrice) -> None:
        self.model = model
        self.encoding = get_encoding(model.tokenizer.encoding)
        self._encode = self.encoding.encode_ordinary
        self.factor = model.tokenizer.factor
        self._role_tokens: dict[str, int] = {}
        self.base_notes: tuple[str, ...] = ()
        if model.tokenizer.accuracy == "estimate":
            scale = f" times {self.factor}" if self.factor != 1 else ""
            stand_in = model.tokenizer.encoding
            self.base_notes = (
                f"{model.id}: its tokenizer is not public; estimated with {stand_in}{scale} "
                "and OpenAI's chat framing",
            )

    @property
    def counts_like(self) -> tuple[object, ...]:
        """What decides this counter's numbers: the encoding, the estimate factor and the image
        rule. Counters alike here give every input the same tokens (their notes aside)."""
        from tokcost.counting.images import find_family

        return (self.model.tokenizer.encoding, self.factor, find_family(self._image_rule_model))

    @property
    def _image_rule_model(self) -> str:
        """Whose image rule prices images: the model's own for OpenAI models, else GPT-4o's."""
        return self.model.id if self.model.provider == "openai" else "gpt-4o"

    def _tokens(self, text: str) -> int:
        # encode_ordinary: text that looks like a special token is ordinary text
        return len(self._encode(text))

    def _scaled(self, raw: int) -> int:
        return raw if self.factor == 1 else math.ceil(raw * self.factor)

    def _result(self, tokens: int, notes: Iterable[str],
                messages: Sequence[MessageTokens] = ()) -> TokenCount:
        """The count, labelled: any note (the model's or the input's) makes it an estimate."""
        all_notes = tuple(dict.fromkeys([*self.base_notes, *notes]))
        accuracy: Accuracy = "exact" if not all_notes else "estimate"
        return TokenCount(self.model.id, tokens, accuracy, all_notes, tuple(messages))

    def text(self, text: str) -> TokenCount:
        """Plain text: its tokens, with no chat framing."""
        return self._result(self._scaled(self._tokens(text)), ())

    def conversation(self, conversation: Conversation, upto: int | None = None, *,
                     detail: bool = True) -> TokenCount:
        """The prompt tokens of a chat request holding this conversation (or its first
        ``upto`` messages); ``detail`` adds each message's share, with a preview."""
        notes: list[str] = []
        messages = conversation.messages[:upto]
        tools = conversation.tools
        if not detail:  # the hot path of large files: no per-message records
            raw_message = self._raw_message
            if self.factor == 1:
                total = sum(raw_message(m, notes) for m in messages) + REPLY_PRIMING
            else:
                total = sum(self._scaled(raw_message(m, notes)) for m in messages)
                total += self._scaled(REPLY_PRIMING)
            if tools:
                total += self._scaled(self._tool_definitions(tools, notes))
            if not notes and not self.base_notes:
                return TokenCount(self.model.id, total, "exact")
            return self._result(total, notes)
        rows = [self._message(index, message, notes)
                for index, message in enumerate(messages, start=1)]
        if tools:
            names = ", ".join(t["function"]["name"] for t in tools)
            rows.insert(0, MessageTokens(None, "(tools)", self._scaled(
                self._tool_definitions(tools, notes)), preview(names)))
        rows.append(MessageTokens(None, "(reply priming)", self._scaled(REPLY_PRIMING), ""))
        return self._result(sum(row.tokens for row in rows), notes, rows)

    def message_tokens(self, message: Mapping[str, Any]) -> int:
        """One message's tokens as it sits in a prompt: content plus framing."""
        return self._scaled(self._raw_message(message, []))

    def framing(self, role: str) -> int:
        """What a message of this role costs beyond its content."""
        return self._scaled(TOKENS_PER_MESSAGE + self._tokens(role))

    def reply_priming(self) -> int:
        return self._scaled(REPLY_PRIMING)

    def reply(self, message: Mapping[str, Any]) -> int:
        """The output tokens of an assistant reply: its text and tool calls, with no framing."""
        content = message.get("content")
        texts = [content] if isinstance(content, str) else [
            part["text"] for part in content or [] if part["type"] == "text"]
        texts += [call["function"]["name"] + call["function"]["arguments"]
                  for call in message.get("tool_calls", [])]
        return self._scaled(sum(self._tokens(text) for text in texts))

    def _role(self, role: str) -> int:
        if role not in self._role_tokens:
            self._role_tokens[role] = self._tokens(role)
        return self._role_tokens[role]

    def _message(self, index: int, message: Mapping[str, Any], notes: list[str]
                 ) -> MessageTokens:
        return MessageTokens(index, message["role"],
                             self._scaled(self._raw_message(message, notes)),
                             preview(_shown(message)))

    def _raw_message(self, message: Mapping[str, Any], notes: list[str]) -> int:
        """A message's tokens in the stand-in encoding, before any estimate factor."""
        raw = TOKENS_PER_MESSAGE + self._role(message["role"])
        content = message.get("content")
        if type(content) is str:
            raw += len(self._encode(content))
        elif content:
            for part in content:
                if part["type"] == "text":
                    raw += self._tokens(part["text"])
                else:
                    raw += self._image(part["image_url"], notes)
        if "name" in message:
            raw += self._tokens(message["name"]) + TOKENS_PER_NAME
        calls = message.get("tool_calls")
        if calls or message["role"] in ("tool", "function"):
            for call in calls or ():
                function = call["function"]
                raw += (TOKENS_PER_TOOL_CALL + self._tokens(function["name"])
                        + self._tokens(function["arguments"]))
            notes.append("tool calls and tool results: OpenAI does not document their framing; "
                         f"counted as their text plus {TOKENS_PER_TOOL_CALL} tokens a call")
        return raw

    def _image(self, image: Mapping[str, Any], notes: list[str]) -> int:
        from tokcost.counting.images import image_size_from_data_url, image_tokens

        size = image_size_from_data_url(image["url"])
        width, height = size if size else (None, None)
        detail = image.get("detail") or "auto"
        if self.model.provider != "openai":
            notes.append(f"{self.model.id}: image tokens estimated with OpenAI's GPT-4o rule")
        counted = image_tokens(self._image_rule_model, width, height, detail)
        if counted.note:
            notes.append(counted.note)
        elif not counted.exact:
            notes.append("image tokens are an estimate")
        return counted.tokens

    def _tool_definitions(self, tools: Sequence[Mapping[str, Any]], notes: list[str]) -> int:
        """Tool definitions, counted as the cookbook's num_tokens_for_tools does."""
        framing = TOOL_FRAMING.get(self.model.tokenizer.encoding, TOOL_FRAMING["o200k_base"])
        if self.model.id not in TOOL_FRAMING_MEASURED_ON:
            notes.append(f"{self.model.id}: tool definitions counted with the framing OpenAI "
                         "measured on gpt-4o and gpt-4 (an estimate for other models)")
        total = 0
        for tool in tools:
            function = tool["function"]
            total += framing.function_start
            description = str(function.get("description") or "").removesuffix(".")
            total += self._tokens(f"{function['name']}:{description}")
            properties = (function.get("parameters") or {}).get("properties") or {}
            if properties:
                total += framing.properties_start
            for key, schema in properties.items():
                schema = schema if isinstance(schema, dict) else {}
                total += framing.per_property
                if "enum" in schema:
                    total += framing.enum_start
                    for item in schema["enum"]:
                        total += framing.per_enum_item + self._tokens(str(item))
                kind = schema.get("type", "")
                prop_description = str(schema.get("description") or "").removesuffix(".")
                total += self._tokens(f"{key}:{kind}:{prop_description}")
        return total + framing.functions_end

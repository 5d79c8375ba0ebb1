"""Counting tokens the way chat APIs bill them: plain text, and conversations with framing.

A model is counted by its counting rule (``rules.py``). OpenAI's rule is the framing of its
cookbook "How to count tokens with tiktoken": every message costs 3 tokens plus its role,
content and name (1 more when it has a name), and 3 more prime the reply; tool definitions
follow the cookbook's tool-counting section. With a model's own tokenizer this gives the
``prompt_tokens`` the API reports. Other providers' rules are estimates: a weighted sum of the
request's features in the stand-in encoding (``features.py``), with weights fitted on real
requests and an error measured on requests the fit did not see.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast

from tokcost.counting.features import (
    FEATURE_WORDS,
    Features,
    conversation_features,
    message_features,
    part_note,
    request_features,
    total_features,
    weigh,
)
from tokcost.counting.memo import raw_memo, token_counter
from tokcost.counting.rules import PLATFORM_WORDS, Rule, other_platforms, rule_for
from tokcost.counting.tokenizers import text_counter
from tokcost.formats.conversations import Conversation
from tokcost.output import cells, cut_to_cells
from tokcost.pricing.schema import ModelPrice

if TYPE_CHECKING:  # read when a JSON Lines file is: msgspec is not needed before
    from tokcost.formats.plain_requests import PlainRequest

Accuracy = Literal["exact", "estimate"]

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3  # <|start|>assistant<|message|>
# OpenAI documents no framing for tool calls inside assistant messages; each call is counted as
# its name and arguments plus this many tokens, and marked as an estimate.
TOKENS_PER_TOOL_CALL = 3
PREVIEW_CELLS = 40
# plain_requests.plain_message, once the first plain request is counted.
_plain_message_of: Callable[[Any], tuple[str, str] | None] | None = None


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


# The rows of a weighted estimate that belong to the request rather than to one message.
_REQUEST_ROWS = (
    ("(tools)", ("tools", "tool_json")),
    ("(hidden prompts)", ("tool_prompt_auto", "tool_prompt_any", "thinking", "structured",
                          "schema_json")),
    ("(request framing)", ("request",)),
)


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
    # For an estimate whose rule was measured on requests like this one: 90% of them were
    # within this many percent of what the provider billed. None when nothing measured it.
    error_p90_pct: Decimal | None = None


class CountAccuracy(NamedTuple):
    """How sure a sum of counts is (a file's, a workload's): exact when every count is; an
    estimate's band is its counts' band (one model, one rule), unless one of them has none, and
    then the error of the sum is not known either."""

    accuracy: Accuracy = "exact"
    error_p90_pct: Decimal | None = None

    def plus(self, accuracy: Accuracy, error_p90_pct: Decimal | None) -> CountAccuracy:
        """This and one count more."""
        if accuracy != "estimate":
            return self
        if self.accuracy != "estimate":
            return CountAccuracy("estimate", error_p90_pct)
        if self.error_p90_pct is None or error_p90_pct is None:
            return CountAccuracy("estimate", None)
        return CountAccuracy("estimate", max(self.error_p90_pct, error_p90_pct))

    def of(self, count: TokenCount) -> CountAccuracy:
        return self.plus(count.accuracy, count.error_p90_pct)


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
    """At most 40 terminal cells on one line (a Chinese or Korean character takes two)."""
    flat = " ".join(text.split())
    if cells(flat) <= PREVIEW_CELLS:
        return flat
    return cut_to_cells(flat, PREVIEW_CELLS - 1) + "…"


class ModelCounter:
    """Counts for one model: its encoding, its framing, its estimate rule."""

    def __init__(self, model: ModelPrice) -> None:
        self.model = model
        self.rule: Rule = rule_for(model)
        # The one place text becomes a count, for every rule and format: through the
        # encoding's memo of what has been counted (memo.py), then the encoder that
        # tokenizers.text_counter chooses. Text that looks like a special token is ordinary.
        encoding = model.tokenizer.encoding
        self._encode = text_counter(encoding)
        self._tokens = token_counter(encoding, self._encode)
        # Plain requests read from their bytes (plain_request) are known by those bytes.
        self._raw_messages = raw_memo(encoding, "messages")
        self._raw_tools = raw_memo(encoding, "tools")
        self.factor = model.tokenizer.factor
        self._role_tokens: dict[str, int] = {}
        self.base_notes: tuple[str, ...] = ()  # for conversations
        self.text_notes: tuple[str, ...] = ()  # for plain text, which has no chat framing
        self.error_p90_pct: Decimal | None = None
        # The weights of an estimated rule; None for OpenAI's framing.
        self._weights = self.rule.weights if self.rule.method == "weighted" else None
        # What keeps a request's count from claiming the rule's band: a feature whose weight
        # no real request measured, and, for a model named without the platform it is reached
        # through, the rules of platforms that bill the same request differently.
        self._unmeasured = self.rule.unmeasured if self._weights is not None else frozenset()
        self._platforms = other_platforms(model) if self._weights is not None else {}
        if model.tokenizer.accuracy == "estimate":
            scale = f" times {self.factor}" if self.factor != 1 else ""
            stand_in = model.tokenizer.encoding
            if self._weights is None:
                how = f"with {stand_in}{scale} and OpenAI's chat framing (error not measured)"
                text_how = f"with {stand_in}{scale} (error not measured)"
            else:
                how = text_how = (f"by rule {self.rule.name} on {stand_in}{scale}: "
                                  f"{self.rule.describe()}")
            self.base_notes = (f"{model.id}: its tokenizer is not public; estimated {how}",)
            self.text_notes = (f"{model.id}: its tokenizer is not public; estimated "
                                f"{text_how}",)
            self.error_p90_pct = self.rule.error_p90_pct()

    @functools.cached_property
    def counts_text_like(self) -> tuple[object, ...]:
        """What decides this counter's numbers for input without images or documents: the
        encoding, the estimate factor, the rule's weights and the replayed thinking it bills.
        Counters alike here give such input the same tokens (their notes aside)."""
        return (self.model.tokenizer.encoding, self.factor, self.rule.method,
                tuple(sorted(self.rule.weights.items())), self.rule.thinking_kept,
                tuple(sorted(self._unmeasured)),
                tuple(sorted((platform, rule.name) for platform, rule in self._platforms.items())))

    @functools.cached_property
    def counts_like(self) -> tuple[object, ...]:
        """What decides this counter's numbers for any input: ``counts_text_like`` and the image
        rule. Counters alike here give every input the same tokens (their notes aside)."""
        from tokcost.counting.images import find_family

        return (*self.counts_text_like, self.rule.images,
                find_family(self._image_rule_model))

    @property
    def _image_rule_model(self) -> str:
        """Whose image rule prices images: the model's own for OpenAI models, else GPT-4o's."""
        return self.model.id if self.model.provider == "openai" else "gpt-4o"

    def _scaled(self, raw: int) -> int:
        return raw if self.factor == 1 else math.ceil(raw * self.factor)

    def _result(self, tokens: int, notes: Sequence[str],
                messages: Sequence[MessageTokens] = (), *, text: bool = False) -> TokenCount:
        """The count, labelled: any note (the model's or the input's) makes it an estimate.

        The rule's measured error holds only for requests like those it was measured on: a
        note about the input (an image, a PDF, a block read as text) means a part no
        measurement covered, and the count says its error is not known."""
        base = self.text_notes if text else self.base_notes
        all_notes = tuple(dict.fromkeys([*base, *notes]))
        accuracy: Accuracy = "exact" if not all_notes else "estimate"
        band = self.error_p90_pct if accuracy == "estimate" and not notes else None
        return TokenCount(self.model.id, tokens, accuracy, all_notes, tuple(messages), band)

    def relabelled(self, count: TokenCount, counted_by: ModelCounter, *, text: bool = False
                   ) -> TokenCount:
        """Another model's count as this model's: for a counter that counts this input alike
        (``counts_like``, or ``counts_text_like`` for input without media), so the tokens are
        the same and only the model's own notes differ. ``text``: the count is of plain text."""
        own = counted_by.text_notes if text else counted_by.base_notes
        of_input = [note for note in count.notes if note not in own]
        return self._result(count.tokens, of_input, count.messages, text=text)

    def text(self, text: str) -> TokenCount:
        """Plain text: its tokens, with no chat framing."""
        if self._weights is not None:
            features: Features = {"text": self._tokens(text)}
            return self._result(self._weighed(features), self._caveats([features]), text=True)
        return self._result(self._scaled(self._tokens(text)), (), text=True)

    def conversation(self, conversation: Conversation, upto: int | None = None, *,
                     detail: bool = True) -> TokenCount:
        """The prompt tokens of a chat request holding this conversation (or its first
        ``upto`` messages); ``detail`` adds each message's share, with a preview."""
        if self._weights is not None:
            return self._weighted_conversation(conversation, upto, detail)
        notes: list[str] = []
        messages = conversation.messages[:upto]
        tools = conversation.tools
        if not detail:  # the hot path of large files: no per-message records
            raw_message = self._raw_message
            raws = [raw_message(m, notes) for m in messages]
            return self._framed(raws, self._tool_definitions(tools, notes) if tools else 0,
                                notes)
        rows = [self._message(index, message, notes)
                for index, message in enumerate(messages, start=1)]
        if tools:
            names = ", ".join(t["function"]["name"] for t in tools)
            rows.insert(0, MessageTokens(None, "(tools)", self._scaled(
                self._tool_definitions(tools, notes)), preview(names)))
        rows.append(MessageTokens(None, "(reply priming)", self._scaled(REPLY_PRIMING), ""))
        return self._result(sum(row.tokens for row in rows), notes, rows)

    @property
    def counts_plain(self) -> bool:
        """Whether this counter counts plain requests from their bytes (``plain_request``):
        OpenAI's framing does; a weighted rule needs the whole conversation."""
        return self._weights is None

    def plain_request(self, request: PlainRequest) -> TokenCount | None:
        """The prompt tokens of a plain request (as ``conversation`` gives them without
        detail), its messages and tools counted from their bytes; None when one is not plain
        after all: count the conversation instead. Only for a counter that ``counts_plain``."""
        assert self._weights is None
        global _plain_message_of
        if _plain_message_of is None:  # msgspec, imported once JSON Lines are read
            from tokcost.formats.plain_requests import plain_message

            _plain_message_of = plain_message
        memo = self._raw_messages
        raws: list[int | None] | None
        if memo is not None:
            raws = cast("list[int | None] | None",
                        memo.counts(request.messages, self._plain_message))
        else:
            raws = [self._plain_message(raw) for raw in request.messages]
        if raws is None or None in raws:
            return None
        tools = 0
        if request.tools:
            tools_memo = self._raw_tools
            found = (tools_memo.counts([request.tools], self._plain_tools) if tools_memo
                     else [self._plain_tools(request.tools)])
            if found is None or found[0] is None:
                return None
            tools = found[0]
        notes: list[str] = []
        if tools:  # (an empty list has none, and no tokens)
            self._tool_note(notes)
        return self._framed(cast("list[int]", raws), tools, notes)

    def _plain_message(self, raw: Any) -> int | None:
        assert _plain_message_of is not None  # (set by plain_request, the one caller)
        plain = _plain_message_of(raw)
        if plain is None:
            return None
        role, content = plain
        return TOKENS_PER_MESSAGE + self._role(role) + self._encode(content)

    def _plain_tools(self, raw: Any) -> int | None:
        from tokcost.formats.plain_requests import plain_tools

        tools = plain_tools(raw)
        if tools is None:
            return None
        return self._tool_tokens(tools) if tools else 0

    def _framed(self, raws: Sequence[int], tools: int, notes: list[str]) -> TokenCount:
        """A request's count from its messages' raw tokens and its tool definitions' (0:
        none), with the reply priming: OpenAI's framing, scaled by an estimate factor."""
        if self.factor == 1:
            total = sum(raws) + REPLY_PRIMING
        else:
            total = sum(self._scaled(raw) for raw in raws) + self._scaled(REPLY_PRIMING)
        if tools:
            total += self._scaled(tools)
        if not notes and not self.base_notes:
            return TokenCount(self.model.id, total, "exact")
        return self._result(total, notes)

    def message_tokens(self, message: Mapping[str, Any]) -> int:
        """One message's tokens as it sits in a prompt: content plus framing."""
        if self._weights is not None:
            return self._weighed(self._history_features(message))
        return self._scaled(self._raw_message(message, []))

    def message_share(self, message: Mapping[str, Any]) -> float:
        """One message's tokens before rounding: an estimated rule keeps the fraction, so that a
        run of messages can be rounded once, as a whole request is."""
        if self._weights is None:
            return float(self.message_tokens(message))
        share = weigh(self._history_features(message), self._weights)
        return share if self.factor == 1 else share * float(self.factor)

    def request_extras(self, conversation: Conversation) -> int:
        """What a request of this conversation costs beyond its messages and the reply priming:
        its tool definitions, and the hidden prompts its switches add."""
        if self._weights is not None:
            request = request_features(conversation, self._tokens)
            request.pop("request", None)
            return self._weighed(request)
        if not conversation.tools:
            return 0
        return self._scaled(self._tool_definitions(conversation.tools, []))

    def framing(self, role: str) -> int:
        """What a message of this role costs beyond its content."""
        if self._weights is not None:
            return self._weighed({"message": 1})
        return self._scaled(TOKENS_PER_MESSAGE + self._tokens(role))

    def reply_priming(self) -> int:
        """What a request costs beyond its messages (tools aside)."""
        if self._weights is not None:
            return self._weighed({"request": 1})
        return self._scaled(REPLY_PRIMING)

    def reply(self, message: Mapping[str, Any]) -> int:
        """The output tokens of an assistant reply: its text and tool calls, with no framing."""
        content = message.get("content")
        texts = [content] if isinstance(content, str) else [
            part["text"] for part in content or [] if part["type"] == "text"]
        calls = [call["function"]["name"] + call["function"]["arguments"]
                 for call in message.get("tool_calls", [])]
        if self._weights is not None:
            return self._weighed({"text": sum(self._tokens(text) for text in texts),
                                  "tool_call_json": sum(self._tokens(call) for call in calls)})
        return self._scaled(sum(self._tokens(text) for text in texts + calls))

    # --- estimated rules: a weighted sum of the request's features ---------------------------

    def features(self, conversation: Conversation) -> Features:
        """The request's features in this model's stand-in encoding: one row of a fit."""
        return total_features(conversation, self._tokens, self._rule_image,
                              self.rule.thinking_kept)

    def _history_features(self, message: Mapping[str, Any]) -> Features:
        """A message's features as history re-sent at the start of a later turn: its thinking
        is kept only by models that keep every earlier turn's."""
        return message_features(message, self._tokens, self._rule_image, [],
                                keep_thinking=self.rule.thinking_kept == "all")

    def _weighed(self, features: Features) -> int:
        assert self._weights is not None
        return self._scaled_float(weigh(features, self._weights))

    def _scaled_float(self, value: float) -> int:
        scaled = value if self.factor == 1 else value * float(self.factor)
        return max(0, round(scaled))

    def _weighted_conversation(self, conversation: Conversation, upto: int | None,
                               detail: bool) -> TokenCount:
        assert self._weights is not None
        weights = self._weights
        per_message, request, notes = conversation_features(
            conversation, self._tokens, self._rule_image, upto, self.rule.thinking_kept)
        if self._unmeasured or self._platforms:
            notes.extend(self._caveats([request, *per_message]))
        if not detail:
            total = weigh(request, weights) + sum(weigh(f, weights) for f in per_message)
            return self._result(self._scaled_float(total), notes)
        messages = conversation.messages[:upto]
        shares: list[tuple[int | None, str, float, str]] = [
            (index, message["role"], weigh(features, weights), preview(_shown(message)))
            for index, (message, features)
            in enumerate(zip(messages, per_message, strict=True), start=1)]
        tool_names = preview(", ".join(t["function"]["name"] for t in conversation.tools))
        for role, names in _REQUEST_ROWS:
            share = weigh({name: request[name] for name in names if name in request}, weights)
            shares.append((None, role, share, tool_names if role == "(tools)" else ""))
        # Rounded so that the rows add up to the total: each row takes the rounding of the
        # running sum, not its own.
        rows, running, shown_so_far = [], 0.0, 0
        for index, role, share, text in shares:
            running += share
            upto_here = self._scaled_float(running)
            if index is not None or upto_here != shown_so_far:  # no empty request rows
                rows.append(MessageTokens(index, role, upto_here - shown_so_far, text))
            shown_so_far = upto_here
        return self._result(shown_so_far, notes, rows)

    def _caveats(self, features: Sequence[Features]) -> list[str]:
        """Why a request's count cannot claim the rule's band, if it cannot: it needs a weight
        no real request measured, or the platforms the model may be reached through bill it
        further apart than the band. The notes name the rule, not the count, so that a file's
        requests share them."""
        found: list[str] = []
        missing = [name for name in sorted(self._unmeasured)
                   if any(part.get(name) for part in features)]
        if missing:
            words = ", ".join(dict.fromkeys(FEATURE_WORDS.get(name, name) for name in missing))
            found.append(f"rule {self.rule.name}: no real request measured its weight for "
                         f"{words}, so a count that has it is estimated from a starting value "
                         "and its error is not known")
        if self._platforms:
            assert self._weights is not None
            own = self._scaled_float(sum(weigh(part, self._weights) for part in features))
            band = float(self.error_p90_pct or 0) / 100
            for platform, other in self._platforms.items():
                theirs = self._scaled_float(sum(weigh(part, other.weights) for part in features))
                if abs(theirs - own) <= band * own:
                    continue
                found.append(self._platform_note(platform, other, features))
        return found

    def _platform_note(self, platform: str, other: Rule, features: Sequence[Features]) -> str:
        """A note for a request that two platforms bill further apart than the band, naming
        what differs most and how to say which platform the request goes to."""
        assert self._weights is not None
        gaps: dict[str, float] = {}
        for part in features:
            for name, value in part.items():
                gap = value * (self._weights.get(name, 0.0) - other.weights.get(name, 0.0))
                gaps[name] = gaps.get(name, 0.0) + gap
        widest = max(gaps, key=lambda name: abs(gaps[name]))
        from tokcost.pricing.table import PLATFORM_PREFIX as prefixes

        own = self.rule.platform
        return (f"rule {self.rule.name}: {PLATFORM_WORDS.get(own, own)} and "
                f"{PLATFORM_WORDS.get(platform, platform)} bill {FEATURE_WORDS[widest]} "
                "differently, by more than the error band, and the model's name does not say "
                f"which platform the request goes to: counted as "
                f"{PLATFORM_WORDS.get(own, own)} bills it, its error not known; name the model "
                f"{prefixes.get(platform, platform)}/MODEL or {prefixes.get(own, own)}/MODEL "
                "to count it for one platform, with its measured error")

    def _rule_image(self, image: Mapping[str, Any]) -> tuple[int, str]:
        """An image's tokens by the rule's image rule, with a note on what was assumed."""
        from tokcost.counting.images import provider_image_tokens

        if self.rule.images == "openai" and "pdf" not in image:
            notes: list[str] = []
            return self._image(image, notes), "; ".join(notes)
        counted = provider_image_tokens(self.rule.images, image)
        return counted.tokens, counted.note or ""

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
            raw += self._tokens(content)
        elif content:
            for part in content:
                if part["type"] != "text":
                    raw += self._image(part["image_url"], notes)
                    continue
                if len(part) == 2:
                    raw += self._tokens(part["text"])
                    continue
                # A marked part: thinking replayed from an earlier turn is not sent to the
                # model again; media are not counted; a block read as text is an estimate.
                if not part.get("thinking"):
                    raw += self._tokens(part["text"])
                note = part_note(part)
                if note:
                    notes.append(note)
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
        self._tool_note(notes)
        return self._tool_tokens(tools)

    def _tool_note(self, notes: list[str]) -> None:
        if self.model.id not in TOOL_FRAMING_MEASURED_ON:
            notes.append(f"{self.model.id}: tool definitions counted with the framing OpenAI "
                         "measured on gpt-4o and gpt-4 (an estimate for other models)")

    def _tool_tokens(self, tools: Sequence[Mapping[str, Any]]) -> int:
        """The tokens of tool definitions, which depend on the encoding alone."""
        framing = TOOL_FRAMING.get(self.model.tokenizer.encoding, TOOL_FRAMING["o200k_base"])
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

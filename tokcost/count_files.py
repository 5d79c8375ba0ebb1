"""Counting whole inputs: one result per file and model, with the input cost of sending it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from tokcost.conversations import Conversation, to_anthropic_request
from tokcost.costing import TokenUsage, cost_of
from tokcost.counting import Accuracy, MessageTokens, ModelCounter, TokenCount, preview
from tokcost.errors import InputFileError, UnknownModelError
from tokcost.output import Column
from tokcost.price_schema import ModelPrice
from tokcost.price_table import PriceTable, load_price_table
from tokcost.sources import Document, Source, read_source

DEFAULT_MODEL = "gpt-4o"
COUNT_COLUMNS = (
    Column("path"), Column("format"), Column("model"), Column("conversations", "int"),
    Column("messages", "int"), Column("tokens", "int"), Column("accuracy"),
    Column("input_cost_usd", "usd"),
)
PER_MESSAGE_COLUMNS = (
    Column("path"), Column("conversation", "int"), Column("index", "int"), Column("role"),
    Column("tokens", "int"), Column("preview"),
)


@dataclass
class FileCount:
    """The tokens of one file (or stdin) for one model, and what sending them costs as input."""

    path: str
    format: str
    model: str
    conversations: int | None
    messages: int | None
    tokens: int
    accuracy: Accuracy
    input_cost_usd: Decimal
    notes: tuple[str, ...] = ()
    # (conversation number, message) pairs, for --per-message.
    per_message: list[tuple[int | None, MessageTokens]] = field(default_factory=list, repr=False)

    def row(self) -> dict[str, Any]:
        return {column.name: getattr(self, column.name) for column in COUNT_COLUMNS}


@dataclass
class DocumentCount:
    """All the results for one document, plus what could not be counted and notes for people."""

    counts: list[FileCount]
    problems: list[InputFileError]
    notes: list[str]


class _Tally:
    """Sums the conversations of one document for one model."""

    def __init__(self, label: str, fmt: str, model: ModelPrice) -> None:
        self.result = FileCount(label, fmt, model.id, 0, 0, 0, "exact", Decimal(0))
        self.model = model
        self.notes: dict[str, None] = {}

    def add(self, count: TokenCount, number: int | None, messages: int | None) -> None:
        result = self.result
        result.tokens += count.tokens
        if number is None:
            result.conversations = result.messages = None
        else:
            assert result.conversations is not None and result.messages is not None
            result.conversations += 1
            result.messages += messages or 0
        if count.accuracy == "estimate":
            result.accuracy = "estimate"
        self.notes.update(dict.fromkeys(count.notes))
        # Each conversation is one request: its long-context tier depends on its own size.
        result.input_cost_usd += cost_of(self.model, TokenUsage(input=count.tokens)).input
        result.per_message.extend((number, message) for message in count.messages)

    def finish(self) -> FileCount:
        self.result.notes = tuple(self.notes)
        return self.result


def count_document(
    document: Document,
    table: PriceTable,
    models: Sequence[ModelPrice] = (),
    *,
    exact: bool = False,
) -> DocumentCount:
    """Count a read document for the given models (else each conversation's own, else gpt-4o)."""
    problems = list(document.problems)
    notes: list[str] = []
    tallies: dict[str, _Tally] = {}
    counters: dict[str, ModelCounter] = {}

    def tally_for(model: ModelPrice) -> _Tally:
        if model.id not in tallies:
            tallies[model.id] = _Tally(document.label, document.format, model)
            counters[model.id] = ModelCounter(model)
        return tallies[model.id]

    if document.text is not None:
        for model in models or [table.resolve(DEFAULT_MODEL).model]:
            tally = tally_for(model)
            count = counters[model.id].text(document.text)
            tally.add(count, None, None)
            tally.result.per_message.append(
                (None, MessageTokens(None, "(text)", count.tokens, preview(document.text))))
    for number, conversation in enumerate(document.conversations, start=1):
        try:
            chosen = models or [_model_of(conversation, table, notes)]
        except UnknownModelError as error:
            problems.append(InputFileError(f"{document.label}: conversation {number}: {error}"))
            continue
        for model in chosen:
            tally = tally_for(model)
            count = _count_conversation(counters[model.id], conversation, exact, notes)
            tally.add(count, number, len(conversation.messages))
    return DocumentCount([tally.finish() for tally in tallies.values()], problems,
                         list(dict.fromkeys(notes)))


def _model_of(conversation: Conversation, table: PriceTable, notes: list[str]) -> ModelPrice:
    found = table.resolve(conversation.model or DEFAULT_MODEL)
    if found.note:
        notes.append(found.note)
    return found.model


def _count_conversation(counter: ModelCounter, conversation: Conversation, exact: bool,
                        notes: list[str]) -> TokenCount:
    model = counter.model
    if exact and model.provider == "anthropic":
        from tokcost.anthropic_exact import count_tokens_exact

        tokens = count_tokens_exact(to_anthropic_request(conversation), model.id)
        return TokenCount(model.id, tokens, "exact", ())
    if exact and model.tokenizer.accuracy == "estimate":
        notes.append(f"--exact counts Anthropic models only; {model.id} stays an estimate")
    return counter.conversation(conversation)


def count_file(
    path: str | os.PathLike[str],
    models: Sequence[str] = (),
    *,
    input_format: str | None = None,
    table: PriceTable | None = None,
    exact: bool = False,
    encoding_errors: str = "strict",
) -> DocumentCount:
    """Count one file for each model named (default: the one it names, else gpt-4o)."""
    table = table or load_price_table()
    chosen = [table.resolve(name).model for name in models]
    document = read_source(Source(str(path), Path(path)), input_format, encoding_errors)
    return count_document(document, table, chosen, exact=exact)


def count_text(text: str, model: str = DEFAULT_MODEL, *, table: PriceTable | None = None
               ) -> TokenCount:
    """Tokens in plain text for a model (no chat framing)."""
    table = table or load_price_table()
    return ModelCounter(table.resolve(model).model).text(text)


def count_messages(
    messages: Sequence[dict[str, Any]],
    model: str = DEFAULT_MODEL,
    tools: Sequence[dict[str, Any]] | None = None,
    *,
    table: PriceTable | None = None,
) -> TokenCount:
    """Prompt tokens of OpenAI-style chat messages (and tool definitions) for a model."""
    from tokcost.conversations import parse_openai

    table = table or load_price_table()
    request: dict[str, Any] = {"messages": list(messages)}
    if tools:
        request["tools"] = list(tools)
    conversation = parse_openai(request)
    return ModelCounter(table.resolve(model).model).conversation(conversation)



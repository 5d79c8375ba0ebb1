"""Counting a batch in memory, for other engines: Ray Data, Spark, Dask, pandas.

:func:`count_texts` and :func:`count_conversations` take one batch (a list, a pandas Series, a
pyarrow array, a numpy array) and give one count per item, in order, ready to become a column.
They are plain module-level functions, so an engine pickles them by reference and sends no
tokenizer over the wire; each process builds a model's counter once, on first use, and keeps it
(the same per-process counters ``count`` uses), and remembers the price table it resolved the
model in, so a call costs the counting alone.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tokcost.counting.counter import Accuracy, TokenCount
from tokcost.errors import InputFileError, OptionError
from tokcost.formats.conversations import parse_conversations
from tokcost.formats.shape import ConversationError, kind
from tokcost.inputs.count_files import _counter
from tokcost.pricing.schema import ModelPrice
from tokcost.pricing.table import PRICING_ENV_VAR, PriceTable, load_price_table
from tokcost.wording import number_of


@dataclass(frozen=True)
class BatchCount:
    """One count per item of a batch, in the batch's order, for one model.

    ``tokens`` is the column to keep (``batch["tokens"] = count_texts(...).tokens``); the rest
    says how good the counts are, as every tokcost count does.
    """

    model: str  # the table's id of the model counted for
    tokens: list[int]
    accuracy: list[Accuracy]  # each item's: "exact", or "estimate" (a stand-in tokenizer)
    # For estimates by a measured rule: 90% of the requests it was measured on were within
    # this many percent of the billed count. None when all are exact, or when an estimated
    # item holds what no measurement covered.
    error_p90_pct: Decimal | None
    notes: tuple[str, ...]  # how the estimates were made, and what was missing; each once

    @property
    def exact(self) -> bool:
        """Whether every count is exact."""
        return "estimate" not in self.accuracy

    def __len__(self) -> int:
        return len(self.tokens)


# This process's default table, by the $TOKCOST_PRICING in force when it was loaded, and the
# models resolved in it by name: a batch function is called thousands of times a process. A
# table the caller passes is asked each time (a lookup costs microseconds), since an engine may
# hand each batch a fresh copy of it.
_default_tables: dict[str | None, PriceTable] = {}
_resolved: dict[tuple[str | None, str], tuple[ModelPrice, str | None]] = {}


def _model(name: str, table: PriceTable | None) -> tuple[ModelPrice, str | None]:
    """The model's table entry and the note its lookup made (an alias, a dated id)."""
    if table is not None:
        resolution = table.resolve(name)
        return resolution.model, resolution.note
    key = os.environ.get(PRICING_ENV_VAR)
    found = _resolved.get((key, name))
    if found is None:
        default = _default_tables.get(key)
        if default is None:
            default = _default_tables[key] = load_price_table()
        resolution = default.resolve(name)
        found = (resolution.model, resolution.note)
        if len(_resolved) < 1024:  # names come from code, not data; bounded all the same
            _resolved[(key, name)] = found
    return found


def count_texts(texts: Iterable[Any], model: str, *, table: PriceTable | None = None
                ) -> BatchCount:
    """The tokens of each text for ``model``, with no chat framing: what an embedding model
    bills for each input, or what the text alone costs in a chat model's prompt.

    ``texts`` is a batch: a list, a pandas Series, a pyarrow array or a numpy array of strings.
    A missing value (None, NaN, pandas' NA) counts 0 tokens and is noted. Raises TypeError for
    an item that is neither text nor missing, naming its place, and UnknownModelError for a
    model the price table does not know.
    """
    def one(counter: Any, index: int, text: Any) -> TokenCount:
        if not isinstance(text, str):
            raise TypeError(f"count_texts: item {index} is {kind(text)}, not text; pass a "
                            "column of strings (for conversations, count_conversations)")
        return counter.text(text)

    entry, lookup_note = _model(model, table)
    return _count_batch(entry, lookup_note, _items(texts, "count_texts"), one)


def count_conversations(conversations: Iterable[Any], model: str, *,
                        table: PriceTable | None = None) -> BatchCount:
    """The prompt tokens of each conversation for ``model``, chat framing included: what a
    request holding it is billed as input, as ``tokcost count`` counts it.

    Each item is one conversation in any format tokcost reads: a list of OpenAI-style
    messages (``[{"role", "content"}, ...]``), an OpenAI, Anthropic or Gemini request, or a
    ShareGPT record. Arrow and pandas cells are taken as they come out of a Parquet file:
    numpy arrays for lists, and null for a struct field a message lacks. A missing item
    counts 0 tokens and is noted. Raises InputFileError for an item that is not a
    conversation (naming the item and the place inside it), and OptionError for an embedding
    model, which embeds texts, not chats.
    """
    entry, lookup_note = _model(model, table)
    if entry.mode == "embedding":
        raise OptionError(f"{entry.id} is an embedding model, which embeds texts, not chats: "
                          "count the texts with count_texts")
    def one(counter: Any, index: int, item: Any) -> TokenCount:
        try:
            parsed = parse_conversations(_plain(item), where=f"[{index}]")
        except ConversationError as error:
            raise InputFileError(f"count_conversations: item {error}") from None
        if len(parsed) != 1:
            raise InputFileError(f"count_conversations: item [{index}]: holds {len(parsed)} "
                                 "conversations; give one an item")
        return counter.conversation(parsed[0], detail=False)

    return _count_batch(entry, lookup_note, _items(conversations, "count_conversations"), one)


def _count_batch(entry: ModelPrice, lookup_note: str | None, items: list[Any],
                 count_one: Callable[[Any, int, Any], TokenCount]) -> BatchCount:
    """Each item counted by ``count_one(counter, index, item)``, a missing one as 0 tokens
    (and noted): what count_texts and count_conversations share."""
    counter = _counter(entry)
    tokens: list[int] = []
    accuracy: list[Accuracy] = []
    notes: dict[str, None] = dict.fromkeys([lookup_note] if lookup_note else [])
    missing = 0
    bands: set[Decimal | None] = set()
    for index, item in enumerate(items):
        if type(item) is not str and _is_missing(item):
            missing += 1
            tokens.append(0)
            accuracy.append("exact")
            continue
        _add(count_one(counter, index, item), tokens, accuracy, notes, bands)
    if missing:
        notes[f"{missing:,} of {number_of(len(tokens), 'item')} "
              f"{'was' if missing == 1 else 'were'} missing (None or NaN): counted as 0 "
              "tokens"] = None
    return _batch(entry.id, tokens, accuracy, bands, notes)


def _add(count: TokenCount, tokens: list[int], accuracy: list[Accuracy],
         notes: dict[str, None], bands: set[Decimal | None]) -> None:
    tokens.append(count.tokens)
    accuracy.append(count.accuracy)
    if count.accuracy == "estimate":
        bands.add(count.error_p90_pct)
        for note in count.notes:
            notes[note] = None


def _batch(model: str, tokens: list[int], accuracy: list[Accuracy],
           bands: set[Decimal | None], notes: dict[str, None]) -> BatchCount:
    # One rule counts a batch for one model, so its estimates share one band; an item no
    # measurement covered (an image, say) leaves the batch's error unknown.
    band = next(iter(bands)) if len(bands) == 1 else None
    return BatchCount(model, tokens, accuracy, band, tuple(notes))


def _items(batch: Iterable[Any], function: str) -> list[Any]:
    """A batch as a list of Python values: Arrow arrays and chunked arrays (``to_pylist``),
    pandas Series and numpy arrays (``tolist``), or any other iterable."""
    if isinstance(batch, (str, bytes, Mapping)) or hasattr(batch, "columns"):
        what = "a table" if hasattr(batch, "columns") or isinstance(batch, Mapping) else kind(
            batch)
        raise TypeError(f"{function} takes a batch (a list, a pandas Series, an Arrow or numpy "
                        f"array), not {what}; pass one column (batch['text']), or wrap one "
                        "item in a list")
    for convert in ("to_pylist", "tolist"):
        method = getattr(batch, convert, None)
        if callable(method):
            return list(method())
    return list(batch)


def _is_missing(value: Any) -> bool:
    """None, a float NaN (pandas' missing object), or pandas' NA."""
    if value is None or isinstance(value, float) and math.isnan(value):
        return True
    pandas = sys.modules.get("pandas")  # pandas' NA can only come from a loaded pandas
    return pandas is not None and value is getattr(pandas, "NA", None)


def _plain(value: Any) -> Any:
    """A conversation as JSON would hold it: numpy arrays (pandas' cells of a list column)
    as lists, and null struct fields (Arrow gives every message every field of the column's
    struct) left out, as a message without that field."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if not isinstance(value, (str, bytes)) and callable(getattr(value, "tolist", None)):
        return _plain(value.tolist())
    return value

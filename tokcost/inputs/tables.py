"""Tables: Parquet files and Arrow IPC (Feather) files, read one column at a time, in pieces.

A table is counted by one column: the one ``--column`` names, else the first of these that the
table has, in a shape tokcost reads:

1. ``messages``: a list of ``{role, content}`` structs, a chat conversation a row (OpenAI's
   shape; Anthropic's where its content blocks say so, as for JSON);
2. ``conversations``: a list of ``{from, value}`` structs, a ShareGPT conversation a row;
3. the first string column of TEXT_COLUMNS: a text a row, each an input of its own.

Nothing else of the table is read. A Parquet file is read a row group at a time (never whole),
an Arrow file a record batch at a time from a memory map; either is cut into pieces of about
``batch_bytes``, each handed on as Arrow IPC bytes and turned into Python values (a list at a
time) by whoever counts it, a worker process or this one. Rows are numbered from 0, as pyarrow
and pandas number them: ``data.parquet: row 1234``.

pyarrow is the ``datasets`` extra, imported only when a table is met.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from tokcost.errors import InputFileError
from tokcost.formats.conversations import Conversation, ConversationError, parse_conversations
from tokcost.formats.embeddings import Texts
from tokcost.formats.shape import kind
from tokcost.inputs.compressed import INSTALL_HINT

PARQUET_SUFFIXES = frozenset({".parquet", ".pq"})
ARROW_SUFFIXES = frozenset({".arrow", ".feather", ".ipc"})
TABLE_SUFFIXES = PARQUET_SUFFIXES | ARROW_SUFFIXES
_PARQUET_MAGIC = b"PAR1"
_ARROW_MAGIC = b"ARROW1"
LEAD_BYTES = len(_ARROW_MAGIC)
# Conversation columns, in the order they are looked for: name, and the shape it must have.
CONVERSATION_COLUMNS = (("messages", "messages"), ("conversations", "sharegpt"))
# Text columns, in the order they are looked for: the names data sets most often give the text
# a row holds (a document store's `text`, an evaluation set's `prompt` or `question`...).
TEXT_COLUMNS = ("text", "prompt", "content", "input", "question", "document")
# What each shape is, in words, for notes and errors.
SHAPES = {"messages": "chat messages", "sharegpt": "ShareGPT turns", "texts": "a text a row"}
# The columns of a chat request that count towards its tokens but are not read from a table.
_REQUEST_COLUMNS = ("tools", "functions", "system")
_SHOWN_COLUMNS = 12  # columns named in an error, at most
_MOST_ROWS_A_READ = 65536


def table_kind(lead: bytes, suffix: str) -> str | None:
    """'parquet' or 'arrow' for a table (told by its magic number, else its name), else None."""
    if lead.startswith(_PARQUET_MAGIC) or suffix in PARQUET_SUFFIXES:
        return "parquet"
    if lead.startswith(_ARROW_MAGIC) or suffix in ARROW_SUFFIXES:
        return "arrow"
    return None


class Piece(NamedTuple):
    """Rows of a table's column, as Arrow IPC bytes; or, with ``problem``, rows that could not
    be read."""

    data: bytes
    first: int  # the first row's number
    size: int  # the share of the file's bytes these rows stand for (for progress)
    problem: str | None = None


@dataclass
class Table:
    """An opened table: the column to count and its shape, and its rows as pieces."""

    label: str
    kind: str  # "parquet" or "arrow"
    column: str
    shape: str  # "messages", "sharegpt" or "texts"
    size: int
    pieces: Callable[[int], Iterator[Piece]]  # given the bytes a piece should hold
    notes: list[str] = field(default_factory=list)


def open_table(path: Path | IO[bytes], label: str, table: str, column: str | None = None, *,
               size: int | None = None) -> Table:
    """Open a table and choose its column; InputFileError when it cannot be read, or has no
    column to count. ``path``: a local file's, or a seekable stream (a remote file) of
    ``size`` bytes."""
    what = "Parquet" if table == "parquet" else "Arrow"
    pa = _pyarrow(label, what)
    size = path.stat().st_size if isinstance(path, Path) else size or 0
    schema, pieces = (_parquet if table == "parquet" else _arrow)(path, label, pa)
    name, shape = _chosen_column(schema, label, column, pa)
    notes = []
    if column is None:
        notes.append(f"counted the `{name}` column of each table ({SHAPES[shape]}); "
                     "--column NAME counts another")
    others = [other for other in _REQUEST_COLUMNS if other in schema.names]
    if shape != "texts" and others:
        shown = ", ".join(f"`{other}`" for other in others)
        notes.append(f"{label}: its {shown} column{'s are' if len(others) > 1 else ' is'} not "
                     f"counted: a table is counted by one column (`{name}`)")
    return Table(label, table, name, shape, size,
                 lambda batch_bytes: pieces(name, size, batch_bytes), notes)


def _pyarrow(label: str, what: str) -> Any:
    try:
        import pyarrow
        import pyarrow.ipc
        import pyarrow.parquet  # noqa: F401 - the submodules are used through the package
    except ImportError:
        raise InputFileError(f"{label}: reading {what} needs pyarrow: {INSTALL_HINT}") from None
    return pyarrow


def _detail(error: BaseException) -> str:
    """pyarrow's message, on one line."""
    return " ".join(str(error).split()) or type(error).__name__


# --- Parquet ---------------------------------------------------------------------------------

def _parquet(path: Path | IO[bytes], label: str, pa: Any
             ) -> tuple[Any, Callable[..., Iterator[Piece]]]:
    try:
        try:
            # Pages written with checksums are checked: damage is an error, not miscounted text.
            file = pa.parquet.ParquetFile(path, page_checksum_verification=True)
        except TypeError:  # a pyarrow before 14, which cannot check them
            file = pa.parquet.ParquetFile(path)
        schema = file.schema_arrow
    except (pa.ArrowException, OSError, ValueError) as error:
        raise InputFileError(f"{label}: not a readable Parquet file ({_detail(error)})") from None
    if file.metadata.num_rows == 0:
        raise InputFileError(f"{label}: the table has no rows; there is nothing to count")

    def pieces(column: str, size: int, batch_bytes: int) -> Iterator[Piece]:
        meta = file.metadata
        total = max(meta.num_rows, 1)
        first = 0
        for index in range(meta.num_row_groups):
            group = meta.row_group(index)
            rows = group.num_rows
            at = first
            try:
                for batch in file.iter_batches(batch_size=_rows_a_read(group, column, batch_bytes),
                                               row_groups=[index], columns=[column],
                                               use_threads=False):
                    yield from _cut(pa, batch, at, size * batch.num_rows // total, batch_bytes)
                    at += batch.num_rows
            except (pa.ArrowException, OSError, ValueError) as error:
                left = (f"its rows from {at:,} on are" if at > first else "its rows are")
                yield Piece(b"", at, 0, (
                    f"{label}: row group {index} (rows {first:,} to {first + rows - 1:,}): cannot "
                    f"be read ({_detail(error)}); {left} not counted, the other row groups are"))
            first += rows

    return schema, pieces


def _rows_a_read(group: Any, column: str, batch_bytes: int) -> int:
    """Rows to read at a time from a row group for pieces of about ``batch_bytes``, by the
    column's size there (its leaf columns' uncompressed bytes)."""
    stored = sum(group.column(i).total_uncompressed_size for i in range(group.num_columns)
                 if group.column(i).path_in_schema.split(".")[0] == column)
    per_row = max(stored // max(group.num_rows, 1), 1)
    return min(max(batch_bytes // per_row, 1), _MOST_ROWS_A_READ)


# --- Arrow IPC (Feather) ---------------------------------------------------------------------

def _arrow(path: Path | IO[bytes], label: str, pa: Any
           ) -> tuple[Any, Callable[..., Iterator[Piece]]]:
    """An Arrow IPC file (Feather v2), or an Arrow IPC stream (as Hugging Face's cache holds)."""
    try:
        mapped = pa.memory_map(str(path)) if isinstance(path, Path) else path
        try:
            reader, streamed = pa.ipc.open_file(mapped), False
        except pa.ArrowInvalid:  # not the file format: the stream format, or not Arrow at all
            mapped.seek(0)
            reader, streamed = pa.ipc.open_stream(mapped), True
        schema = reader.schema
        empty = not streamed and reader.num_record_batches == 0
    except (pa.ArrowException, OSError, ValueError) as error:
        raise InputFileError(f"{label}: not a readable Arrow IPC or Feather file "
                             f"({_detail(error)})") from None
    if empty:
        raise InputFileError(f"{label}: the table has no rows; there is nothing to count")

    def batches() -> Iterator[Any]:
        if streamed:
            yield from reader
        else:
            for index in range(reader.num_record_batches):
                yield reader.get_batch(index)

    def pieces(column: str, size: int, batch_bytes: int) -> Iterator[Piece]:
        index = schema.get_field_index(column)
        at, left = 0, size  # the next row's number; the file's bytes not yet accounted for
        each = batches()
        while True:
            try:
                batch = next(each)
                values = batch.column(index)
                values.validate(full=True)  # a memory map is taken as it is: check it first
            except StopIteration:
                return
            except (pa.ArrowException, OSError, ValueError) as error:
                # How many rows a batch holds that cannot be read is not known: the rows
                # after it cannot be numbered, so reading stops here.
                yield Piece(b"", at, 0, (
                    f"{label}: the record batch from row {at:,} cannot be read "
                    f"({_detail(error)}); it and the rows after it are not counted"))
                return
            share = min(batch.get_total_buffer_size(), left)
            left -= share
            one = pa.RecordBatch.from_arrays([values], names=[column])
            yield from _cut(pa, one, at, share, batch_bytes)
            at += batch.num_rows

    return schema, pieces


def _cut(pa: Any, batch: Any, first: int, size: int, batch_bytes: int) -> Iterator[Piece]:
    """A record batch in pieces of about ``batch_bytes``, each as Arrow IPC bytes."""
    rows = batch.num_rows
    if rows == 0:
        return
    parts = max(1, math.ceil(batch.nbytes / batch_bytes)) if batch.nbytes > batch_bytes else 1
    step = math.ceil(rows / parts)
    for start in range(0, rows, step):
        part = batch.slice(start, step)
        yield Piece(_ipc_bytes(pa, part), first + start, size * part.num_rows // rows)


def _ipc_bytes(pa: Any, batch: Any) -> bytes:
    """A record batch as an Arrow IPC stream: compact (a slice brings only its own rows, where
    pickling one brings the whole buffers it views) and readable anywhere."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return bytes(sink.getvalue())


def row_values(data: bytes) -> list[Any]:
    """The Python values of a piece's rows, in order."""
    import pyarrow

    return pyarrow.ipc.open_stream(data).read_next_batch().column(0).to_pylist()


# --- choosing the column ---------------------------------------------------------------------

def _chosen_column(schema: Any, label: str, column: str | None, pa: Any) -> tuple[str, str]:
    """The column to count and its shape; InputFileError when there is none."""
    if column is not None:
        if column not in schema.names:
            raise InputFileError(f"{label}: has no column `{column}`; its columns are "
                                 f"{_columns(schema)}")
        shape = _shape(schema.field(column).type, pa)
        if shape is None:
            raise InputFileError(
                f"{label}: column `{column}` is {schema.field(column).type}; --column takes a "
                "string column (a text a row), a list of {role, content} messages or a list of "
                "ShareGPT {from, value} turns")
        return column, shape
    for name, wanted in CONVERSATION_COLUMNS:
        if name in schema.names and _shape(schema.field(name).type, pa) == wanted:
            return name, wanted
    for name in TEXT_COLUMNS:
        if name in schema.names and _shape(schema.field(name).type, pa) == "texts":
            return name, "texts"
    raise InputFileError(
        f"{label}: no column to count (looked for messages, conversations, "
        f"{', '.join(TEXT_COLUMNS)}); its columns are {_columns(schema)}; choose one with "
        "--column NAME")


def _shape(arrow_type: Any, pa: Any) -> str | None:
    """The shape a column of this type is read as, or None when it is none of them."""
    types = pa.types
    if types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    if types.is_string(arrow_type) or types.is_large_string(arrow_type) or (
            hasattr(types, "is_string_view") and types.is_string_view(arrow_type)):
        return "texts"
    item = getattr(arrow_type, "value_type", None)
    if item is None or types.is_dictionary(arrow_type) or not types.is_struct(item):
        return None
    fields = {item.field(i).name for i in range(item.num_fields)}
    if {"role", "content"} <= fields:
        return "messages"
    if {"from", "value"} <= fields:
        return "sharegpt"
    return None


def _columns(schema: Any) -> str:
    shown = [f"{field.name} ({field.type})" if len(str(field.type)) <= 40 else
             f"{field.name} ({str(field.type)[:37]}...)" for field in schema][:_SHOWN_COLUMNS]
    more = len(schema.names) - len(shown)
    return ", ".join(shown) + (f" and {more:,} more" if more > 0 else "")


# --- a row as conversations or a text --------------------------------------------------------

def parse_row(value: Any, shape: str, column: str, fmt: str | None = None
              ) -> list[Conversation] | Texts:
    """The conversation or text one row holds; ConversationError (its place starting with the
    column's name) when it holds neither."""
    if shape == "texts":
        if not isinstance(value, str):
            raise ConversationError(column, f"{kind(value)}, not a text")
        return Texts([value])
    if value is None:
        raise ConversationError(column, f"null, not a list of "
                                f"{'messages' if shape == 'messages' else 'turns'}")
    key = "messages" if shape == "messages" else "conversations"
    try:
        return parse_conversations({key: _without_nulls(value)},
                                   fmt or ("sharegpt" if shape == "sharegpt" else None))
    except ConversationError as error:
        if column != key and error.where.startswith(key):
            raise ConversationError(column + error.where[len(key):], error.problem) from None
        raise


def _without_nulls(value: Any) -> Any:
    """A struct's null fields left out: a table gives every row every field of its type, null
    where the row had none, where JSON would leave the key out. A struct with neither nulls
    nor structs inside (most messages: a role and a content) is kept as it is, not copied.
    (to_pylist gives plain dicts and lists, so their exact types are asked: it is quicker.)"""
    if type(value) is dict:
        for item in value.values():
            if item is None or type(item) is dict or type(item) is list:
                return {key: _without_nulls(item) for key, item in value.items()
                        if item is not None}
        return value
    if type(value) is list:
        return [_without_nulls(item) for item in value]
    return value

"""Finding the inputs to count and reading each as a stream of batches.

Paths, directories (recursively: their text and JSON files), glob patterns and ``-`` for stdin;
each real file once, however many paths reach it. URLs (``s3://bucket/key``, ``https://...``)
name remote files, folders and patterns alike (:mod:`tokcost.inputs.remote`).
A file's format comes from its content: a JSON document, JSON Lines (one conversation a line,
or OpenAI Batch API input) or plain text, each maybe gzip- or zstd-compressed
(:mod:`tokcost.inputs.compressed`); or a table, Parquet or Arrow (:mod:`tokcost.inputs.tables`).
JSON Lines, text and tables are read incrementally, in batches of about 2 MB, and a JSON list of
records a record at a time (:mod:`tokcost.inputs.json_list`), so memory stays flat however large
the file; any other JSON document is read as one text (one copy) and parsed. Batches are what
the counting workers take, in order.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import json.scanner
import os
import re
import sys
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import IO, Any, Literal, NamedTuple

from tokcost.errors import InputFileError
from tokcost.files import why_unreadable
from tokcost.formats.conversations import (
    CONVERSATION_FORMATS,
    Conversation,
    ConversationError,
    parse_conversations,
    parse_records,
)
from tokcost.formats.embeddings import Texts
from tokcost.inputs.bad_lines import BadLines
from tokcost.inputs.compressed import (
    COMPRESSED_SUFFIXES,
    MAGIC_BYTES,
    Decompressed,
    Prefixed,
    codec_of,
    format_suffix,
)
from tokcost.inputs.json_list import Record, list_records
from tokcost.inputs.remote import expand_url, is_url, open_remote, url_label
from tokcost.inputs.tables import (
    LEAD_BYTES,
    TABLE_SUFFIXES,
    open_table,
    parse_row,
    row_values,
    table_kind,
)

INPUT_FORMATS = ("text", "openai", "anthropic", "sharegpt", "gemini", "jsonl", "batch")
# What a directory contributes: text and JSON files (compressed too: chats.jsonl.gz), and
# tables. Anything else there is left alone.
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".rst"})
JSON_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson"})
COUNTED_SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES | TABLE_SUFFIXES
_GLOB_CHARACTERS = frozenset("*?[")
STDIN = "-"
STDIN_LABEL = "<stdin>"
BATCH_BYTES = 2 << 20
_SNIFF_BYTES = 64 << 10
_BOM = b"\xef\xbb\xbf"
# Text may be cut after a newline that a letter follows: no pre-token of o200k_base or
# cl100k_base spans that point, so the pieces' counts add up to the whole's exactly.
_SAFE_TEXT_CUT = re.compile(rb"\n(?=[A-Za-z])")


@dataclass(frozen=True)
class Source:
    """One input: a file, a remote file (by its URL), or standard input."""

    label: str
    path: Path | None = None
    url: str | None = None


@dataclass
class Batch:
    """A piece of one document, counted as a unit (in a worker process or here).

    ``data`` holds whole lines of JSON Lines, as bytes (the worker decodes them), the first being
    line ``first`` at byte ``offset``; or, for ``rows``, rows of a table's column as Arrow IPC
    bytes, the first being row ``first``, each read as ``shape`` says (see
    :mod:`tokcost.inputs.tables`); ``conversations`` holds parsed conversations of a JSON
    document, the first being number ``first``; ``text`` a run of text, starting at byte
    ``offset``.
    """

    label: str
    kind: Literal["lines", "conversations", "text", "rows"]
    fmt: str | None  # a forced conversation format, or None to detect
    data: bytes = b""
    conversations: list[Conversation] = field(default_factory=list)
    first: int = 1
    offset: int = 0
    text: str = ""
    size: int = 0
    errors: str = "strict"
    # Records of a JSON list that could not be read, each with its place, as bad lines are;
    # rows of a table likewise.
    problems: list[str] = field(default_factory=list)
    damage: str = ""  # the damage of a compressed stream, after its last batch
    shape: str = ""  # rows: "messages", "sharegpt" or "texts"
    column: str = ""  # rows: the column they are of, for their errors
    # lines: how many newlines ``data`` holds, once raw_lines has split it here (counted in
    # this process, a batch's lines need not be counted again to number the next batch's).
    newlines: int | None = None

    def rows(self) -> Iterator[tuple[int, list[Conversation] | Texts | InputFileError]]:
        """(row number, what it holds) of each row of a rows batch; a row that holds no
        conversation or text comes with an InputFileError naming it instead, and rows that
        cannot be decoded at all as one InputFileError naming the first."""
        if not self.data:  # rows that could not be read: only their problem comes
            return
        try:
            values = row_values(self.data)
        except Exception as error:  # pyarrow's errors, or text that is not UTF-8
            yield self.first, InputFileError(
                f"{self.label}: rows from {self.first:,}: cannot be read ({error})")
            return
        for number, value in enumerate(values, start=self.first):
            try:
                yield number, parse_row(value, self.shape, self.column, self.fmt)
            except ConversationError as error:
                yield number, InputFileError(f"{self.label}: row {number}: {error}")

    def lines(self) -> Iterator[tuple[int, str | InputFileError]]:
        """(line number, text) of each non-blank line of a lines batch; a line that is not
        UTF-8 comes with an InputFileError naming its line and byte instead of its text."""
        for number, offset, raw in self.raw_lines():
            yield number, self.decoded(number, offset, raw)

    def raw_lines(self) -> Iterator[tuple[int, int, bytes]]:
        """(line number, byte offset, bytes) of each non-blank line of a lines batch."""
        offset = self.offset
        lines = self.data.split(b"\n")
        self.newlines = len(lines) - 1
        for number, raw in enumerate(lines, start=self.first):
            if raw.strip():
                yield number, offset, raw
            offset += len(raw) + 1

    def decoded(self, number: int, offset: int, raw: bytes) -> str | InputFileError:
        """A line's text; if it is not UTF-8, an InputFileError naming its line and byte."""
        try:
            return raw.decode("utf-8", errors=self.errors)
        except UnicodeDecodeError as error:
            return InputFileError(
                f"{self.label}:{number}: byte {offset + error.start}: not valid UTF-8 "
                f"({error.reason}); save it as UTF-8, or pass --encoding-errors "
                "replace to count it anyway")


@dataclass
class Document:
    """An opened source: its format, and its content as batches (read lazily)."""

    label: str
    format: str
    size: int | None
    _batches: Iterator[Batch]
    notes: list[str] = field(default_factory=list)  # for people: which column was read...
    # What a bad place in it is: a "line" of JSON Lines, a "record" of a list, a table's
    # "row"; "" for a document read as one (its problems are its own, not skipped lines).
    unit: str = ""

    def batches(self) -> Iterator[Batch]:
        return self._batches


class Expansion(NamedTuple):
    """What the arguments name: the sources, in order, each real file once; an error for each
    argument that names none; and notes for people (a file reached twice, a loop not followed)."""

    sources: list[Source]
    problems: list[InputFileError]
    notes: list[str]


def expand_inputs(arguments: Sequence[str],
                  suffixes: frozenset[str] = COUNTED_SUFFIXES) -> Expansion:
    """The sources the arguments name, in order, and an error for each argument that names none.

    Folders are searched (for files with one of ``suffixes``, or with one of them and a
    compression suffix: ``.jsonl.gz``, ``.txt.zst``) and ``**`` patterns matched
    through symbolic links to folders, but a link back to a folder the search is inside (a loop)
    is not followed, and noted. A file that several arguments, links or paths reach is one
    file: counted once, and noted once.
    """
    found: list[Source] = []
    problems: list[InputFileError] = []
    loops: dict[str, None] = {}
    for argument in arguments:
        if argument == STDIN:
            found.append(Source(STDIN_LABEL))
            continue
        if is_url(argument):
            _expand_url(argument, suffixes, found, problems)
            continue
        path = Path(argument)
        if path.is_dir():
            files = [Path(match) for match in _walk(argument, ["**", "*"], loops)
                     if _counted(match, suffixes)]
            files = sorted(file for file in files if file.is_file())
            if not files:
                problems.append(_empty_folder(argument, suffixes))
            found.extend(Source(str(file), file) for file in files)
        elif path.exists():
            found.append(Source(argument, path))
        elif _GLOB_CHARACTERS & set(argument):
            matches = sorted(_glob(argument, loops))
            files = [Path(match) for match in matches if Path(match).is_file()]
            if not files:
                problems.append(InputFileError(f"{argument}: no file matches this pattern"))
            found.extend(Source(str(file), file) for file in files)
        elif any(character.isspace() for character in argument):
            problems.append(InputFileError(
                f"{argument}: no such file (to count this text itself, pipe it in: "
                "echo '...' | tokcost count)"))
        else:
            problems.append(InputFileError(f"{argument}: no such file"))
    sources, twice = _each_file_once(found)
    return Expansion(sources, problems, [*loops, *twice])


def source_of(name: str | os.PathLike[str]) -> Source:
    """The source one file names: a local path, or a URL."""
    if isinstance(name, str) and is_url(name):
        return Source(url_label(name), url=name)
    return Source(str(name), Path(name))


def _counted(name: str, suffixes: frozenset[str]) -> bool:
    """Whether a file found in a folder is one to count: by its suffix, or, compressed, by the
    suffix before the compression's (tables are compressed inside, not as a whole)."""
    suffix = Path(name).suffix.lower()
    if suffix in COMPRESSED_SUFFIXES:
        return format_suffix(name) in suffixes - TABLE_SUFFIXES
    return suffix in suffixes


def _empty_folder(argument: str, suffixes: frozenset[str]) -> InputFileError:
    what = ("JSON" if suffixes <= JSON_SUFFIXES else "text, JSON or table"
            if suffixes & TABLE_SUFFIXES else "text or JSON")
    listed = ", ".join([*sorted(suffixes - TABLE_SUFFIXES), *sorted(suffixes & TABLE_SUFFIXES)])
    packed = "compressed too" if what == "JSON" else "text and JSON compressed too"
    return InputFileError(f"{argument}: the directory holds no {what} files to count ({listed}; "
                          f"{packed}: .gz, .zst)")


def _expand_url(argument: str, suffixes: frozenset[str], found: list[Source],
                problems: list[InputFileError]) -> None:
    """The remote files a URL names, into ``found``; what is wrong, into ``problems``."""
    try:
        kind, urls = expand_url(argument, lambda name: _counted(name, suffixes))
    except InputFileError as error:
        problems.append(error)
        return
    if not urls:
        problems.append(_empty_folder(argument, suffixes) if kind == "folder" else
                        InputFileError(f"{argument}: no file matches this pattern"))
    found.extend(Source(url_label(url), url=url) for url in urls)


def _each_file_once(found: Sequence[Source]) -> tuple[list[Source], list[str]]:
    """The sources with each real file (device and inode; a remote one by its URL) kept where
    it first appears, and a note for each file reached more than once."""
    first: dict[object, Source] = {}
    others: dict[object, dict[str, None]] = {}
    sources = []
    for source in found:
        try:
            status = source.path.stat() if source.path is not None else None
        except OSError:
            status = None  # opening it will say what is wrong
        if status is None and source.url is None:
            sources.append(source)
            continue
        identity: object = source.url if status is None else (status.st_dev, status.st_ino)
        if identity in first:
            others[identity][source.label] = None
            continue
        first[identity] = source
        others[identity] = {}
        sources.append(source)
    notes = []
    for identity, labels in others.items():
        if labels:
            also = [label for label in labels if label != first[identity].label]
            shown = f" (also as {', '.join(also[:3])}{', ...' if len(also) > 3 else ''})" \
                if also else ""
            notes.append(f"{first[identity].label}: reached {len(labels) + 1} times{shown}; "
                         "counted once")
    return sources, notes


def _glob(pattern: str, loops: dict[str, None]) -> Iterator[str]:
    """The paths a glob pattern matches, as ``glob.glob(pattern, recursive=True)`` finds them
    (``**`` for any depth of folders, hidden names matched only by a pattern that starts with
    a dot), each once, except that no symbolic link back into a folder being searched is
    followed: Python's glob follows such a loop until the path is too long, and with a few of
    them the expansion grows without end."""
    absolute = pattern.startswith("/")
    parts = [part for part in pattern.split("/") if part]
    literal = 0
    while literal < len(parts) - 1 and not _GLOB_CHARACTERS & set(parts[literal]):
        literal += 1
    root = "/".join(parts[:literal])
    root = ("/" + root) if absolute else root
    seen: dict[str, None] = {}
    for match in _walk(root, parts[literal:], loops):
        seen.setdefault(match, None)
    return iter(seen)


def _walk(folder: str, parts: Sequence[str], loops: dict[str, None],
          inside: Mapping[tuple[int, int], str] | None = None) -> Iterator[str]:
    """Paths under ``folder`` ("" for the current one) that match the pattern ``parts``;
    ``inside`` maps the folders the walk has come through (device, inode) to their paths."""
    import fnmatch

    try:
        status = os.stat(folder or ".")
    except OSError:
        return
    inside = {**(inside or {}), (status.st_dev, status.st_ino): folder or "."}
    if not parts:
        yield folder
        return
    head, rest = parts[0], parts[1:]
    if head == "**":
        yield from _walk(folder, rest, loops, inside)  # no folder at all
        for name in _names(folder, hidden=False):
            child = os.path.join(folder, name)
            if not os.path.isdir(child):
                if not rest:  # a trailing ** matches files too
                    yield child
                continue
            try:
                target = os.stat(child)
            except OSError:
                continue
            back_to = inside.get((target.st_dev, target.st_ino))
            if back_to is not None:
                loops[f"{Path(child)}: a link back to {Path(back_to)}, which the search is "
                      "already in; not followed"] = None
                continue
            yield from _walk(child, parts, loops, inside)
    elif _GLOB_CHARACTERS & set(head):
        for name in _names(folder, hidden=head.startswith(".")):
            if fnmatch.fnmatch(name, head):
                yield from _walk(os.path.join(folder, name), rest, loops, inside)
    else:
        child = os.path.join(folder, head)
        if rest or os.path.lexists(child):
            yield from _walk(child, rest, loops, inside)


def _names(folder: str, hidden: bool) -> list[str]:
    """The names in a folder, sorted; names that start with a dot only when ``hidden``."""
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return []
    return sorted(name for name in names if hidden or not name.startswith("."))


def _open_binary(source: Source) -> IO[bytes]:
    if source.url is not None:
        return open_remote(source.url)
    if source.path is None:
        return sys.stdin.buffer
    try:
        return source.path.open("rb")
    except PermissionError:
        raise InputFileError(f"{source.label}: permission denied; check the file's "
                             "permissions") from None
    except IsADirectoryError:
        raise InputFileError(f"{source.label}: is a directory") from None
    except OSError as error:
        raise InputFileError(f"{source.label}: {why_unreadable(error)}") from None


def _lead(source: Source) -> tuple[IO[bytes], bytes]:
    """The source's stream, and its first bytes: enough to tell a table or a codec by."""
    stream = _open_binary(source)
    try:
        return stream, stream.read(max(MAGIC_BYTES, LEAD_BYTES))
    except OSError as error:
        raise InputFileError(f"{source.label}: {why_unreadable(error)}") from None


def _opened(source: Source, opened: tuple[IO[bytes], bytes] | None = None
            ) -> tuple[Any, bytes, Decompressed | None]:
    """The source's stream (decompressed, when it is compressed), its first bytes, and the
    decompressing reader if any; InputFileError when it is not UTF-8 text or holds nothing."""
    raw, lead = opened or _lead(source)
    stream: Any = raw
    if raw.seekable():
        raw.seek(0)
    else:  # standard input from a pipe
        stream = Prefixed(lead, raw)
    codec = codec_of(lead)
    decompressed = Decompressed(stream, codec, source.label) if codec else None
    stream = decompressed or stream
    try:
        head = _read_head(stream)
    except OSError as error:
        raise InputFileError(f"{source.label}: {why_unreadable(error)}") from None
    if decompressed is not None and decompressed.damage is not None and _blank(head):
        raise InputFileError(decompressed.damage.message(source.label, "lines"))
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputFileError(f"{source.label}: is UTF-16 text (it starts with a UTF-16 byte "
                             "order mark); save it as UTF-8")
    if b"\x00" in head[:8192]:
        raise InputFileError(f"{source.label}: looks like a binary file (it holds NUL bytes), "
                             "not text or JSON")
    if _blank(head):
        raise InputFileError(f"{source.label}: is empty; there is nothing to count")
    return stream, head, decompressed


# The conversation formats a table's rows may be read as (its column's shape decides the rest).
_TABLE_FORMATS = ("openai", "anthropic", "sharegpt")


def open_source(source: Source, input_format: str | None = None,
                encoding_errors: str = "strict", column: str | None = None) -> Document:
    """Open one source and decide its format; raise InputFileError when nothing can be counted.

    ``column``: the column of a table to count (default: the one its shape suggests); only a
    table has columns.
    """
    raw, lead = _lead(source)
    name = _name(source)
    table = table_kind(lead, PurePath(name).suffix.lower())
    if table is not None:
        return _table_document(source, raw, table, input_format, column)
    if column is not None:
        raw.close()
        raise InputFileError(f"{source.label}: --column chooses a column of a Parquet or Arrow "
                             "table, and this is not one; count it without --column")
    size = source.path.stat().st_size if source.path is not None else _remote_size(raw)
    stream, head, decompressed = _opened(source, (raw, lead))
    shape = _sniff(head, format_suffix(name))
    fmt = input_format if input_format in CONVERSATION_FORMATS else None
    if decompressed is not None and (input_format == "text" or input_format is None
                                     and shape in ("text", "json")):
        decompressed.whole_lines = False  # no lines to keep whole: all the text before damage
    if input_format == "text" or input_format is None and shape == "text":
        return Document(source.label, "text", size, _checked(
            _text_batches(stream, head, source.label, encoding_errors), source.label,
            decompressed, "text"))
    if input_format in ("jsonl", "batch") or shape == "jsonl":
        label_format = "batch" if input_format == "batch" or _first_is_batch(head) else "jsonl"
        return Document(source.label, label_format, size, _checked(
            _line_batches(stream, head, source.label, fmt, encoding_errors), source.label,
            decompressed, "lines"), unit="line")
    if _opens_list(head):
        return _list_document(stream, head, source, fmt, encoding_errors, size, decompressed)
    conversations, problems = _read_json_document(stream, head, source, fmt, encoding_errors)
    return Document(source.label, fmt or conversations[0].source_format, size,
                    _conversation_batches(conversations, source.label, problems))


def _opens_list(head: bytes) -> bool:
    return head.lstrip(_BOM + b" \t\r\n")[:1] == b"["


def _list_document(stream: Any, head: bytes, source: Source, fmt: str | None, errors: str,
                   size: int | None, decompressed: Decompressed | None) -> Document:
    """A JSON list: of records (conversations), read a record at a time, each bad one set
    aside with its place as a bad line of JSON Lines is; or of messages (one conversation),
    read whole."""
    read = [0]

    def blocks() -> Iterator[bytes]:
        for block in _chunks(stream, head):
            read[0] += len(block)
            yield block

    records = list_records(blocks(), source.label, errors)
    first = next(records, None)
    if first is None or not _is_record(first.value):
        values = [] if first is None else [first.value]
        values.extend(record.value for record in records)
        for value in values:
            if isinstance(value, InputFileError):
                raise value  # one conversation: a bad part of it is the whole file's problem
        if decompressed is not None and decompressed.damage is not None:
            raise InputFileError(decompressed.damage.message(source.label, "json"))
        conversations, problems = _parsed_document(values, source.label, fmt)
        return Document(source.label, fmt or conversations[0].source_format, size,
                        _conversation_batches(conversations, source.label, problems))
    batches = _record_batches(itertools.chain([first], records), source.label, fmt, read)
    opening = next(batches)  # read now: the format is that of its first conversation
    found = fmt or next((c.source_format for c in opening.conversations), "json")
    return Document(source.label, found, size, _checked(
        itertools.chain([opening], batches), source.label, decompressed, "records"),
        unit="record")


def _is_record(value: Any) -> bool:
    """Whether a list's first element makes it a list of records (conversations), as
    parse_records tells: a list of messages starts with a role (or Gemini's parts)."""
    return isinstance(value, InputFileError) or (
        isinstance(value, dict) and "role" not in value and "parts" not in value)


def _record_batches(records: Iterator[Record], label: str, fmt: str | None, read: list[int],
                    per_batch: int = 2000) -> Iterator[Batch]:
    """The conversations of a list's records in batches (``read``: the bytes read so far, for
    progress), each bad record a problem of its batch; always one batch at least."""
    number, done = 1, 0
    conversations: list[Conversation] = []
    problems: list[str] = []
    for record in records:
        if record.of_list:  # the list's own problem: said once, not a skipped record
            yield Batch(label, "conversations", None, conversations=conversations,
                        first=number, size=read[0] - done, problems=problems,
                        damage=str(record.value))
            number += len(conversations)
            done = read[0]
            conversations, problems = [], []
            continue
        if isinstance(record.value, InputFileError):
            problems.append(str(record.value))
        else:
            try:
                conversations.extend(parse_conversations(record.value, fmt,
                                                         f"[{record.index}]"))
            except ConversationError as error:
                problems.append(f"{label}:{record.line}: {error}")
        if len(conversations) >= per_batch or read[0] - done >= BATCH_BYTES:
            yield Batch(label, "conversations", None, conversations=conversations,
                        first=number, size=read[0] - done, problems=problems)
            number += len(conversations)
            done = read[0]
            conversations, problems = [], []
    yield Batch(label, "conversations", None, conversations=conversations, first=number,
                size=read[0] - done, problems=problems)


def _table_document(source: Source, raw: IO[bytes], table: str, input_format: str | None,
                    column: str | None) -> Document:
    if source.path is None and source.url is None:
        raise InputFileError(f"{source.label}: a Parquet or Arrow table is read from its file, "
                             "not from standard input: give its path")
    if input_format is not None and input_format not in _TABLE_FORMATS:
        raw.close()
        raise InputFileError(f"{source.label}: --input-format {input_format} does not apply to "
                             "a table: its column's shape decides (choose the column with "
                             "--column)")
    if source.path is not None:
        raw.close()  # a local table is mapped from its path
        opened = open_table(source.path, source.label, table, column)
    else:  # a remote one is read through its stream, a row group at a time
        raw.seek(0)
        opened = open_table(raw, source.label, table, column, size=_remote_size(raw))
    batches = (Batch(source.label, "rows", input_format, data=piece.data, first=piece.first,
                     size=piece.size, problems=[piece.problem] if piece.problem else [],
                     shape=opened.shape, column=opened.column)
               for piece in opened.pieces(BATCH_BYTES))
    return Document(source.label, table, opened.size, batches, opened.notes, unit="row")


def _checked(batches: Iterator[Batch], label: str, decompressed: Decompressed | None,
             unit: str) -> Iterator[Batch]:
    """The batches of a stream; of a compressed one, with their sizes in compressed bytes (what
    progress is measured against) and the damage, if the stream is damaged, after them."""
    if decompressed is None:
        yield from batches
        return
    done = 0
    for batch in batches:
        batch.size, done = decompressed.consumed - done, decompressed.consumed
        yield batch
    if decompressed.damage is not None:
        yield Batch(label, "lines", None, damage=decompressed.damage.message(label, unit))


def _remote_size(stream: IO[bytes]) -> int | None:
    """A remote file's size, which its stream knows (None for standard input)."""
    size = getattr(stream, "size", None)
    return size if isinstance(size, int) else None


def _name(source: Source) -> str:
    """The name whose suffixes tell a source's format: its path, a URL's path ("" for
    standard input)."""
    if source.url is not None:
        return urllib.parse.urlsplit(source.url).path
    return str(source.path) if source.path is not None else ""


def _blank(data: bytes) -> bool:
    """Nothing but whitespace (and a byte order mark)."""
    return not data.strip().removeprefix(_BOM).strip()


def _read_head(stream: Any) -> bytes:
    """The first bytes, to tell the format from: _SNIFF_BYTES, and on while they are all
    whitespace. A file is empty only when nothing else follows, however much whitespace
    leads; the format is told from the first thing that is not whitespace. (The whitespace
    read is counted with the rest: it is text.)"""
    head = stream.read(_SNIFF_BYTES)
    while head and _blank(head):
        more = stream.read(_SNIFF_BYTES)
        if not more:
            break
        head += more
    return head


def _sniff(head: bytes, suffix: str) -> str:
    """'json' for one JSON document, 'jsonl' for JSON Lines, else 'text' (``suffix``: the one
    the file's name gives its format, "" for standard input)."""
    start = head.lstrip(_BOM + b" \t\r\n")[:1]
    if suffix in LINE_SUFFIXES and start == b'"':
        return "jsonl"  # a JSON string a line: texts to embed
    if suffix in TEXT_SUFFIXES or start not in (b"{", b"["):
        return "json" if suffix in JSON_SUFFIXES else "text"
    if suffix in LINE_SUFFIXES:
        return "jsonl"
    first, newline, rest = head.lstrip(_BOM + b" \t\r\n").partition(b"\n")
    if newline and rest.strip():
        # JSON Lines when the first line is a JSON value of its own, or, where the first line
        # is broken, when a later one is: a bad first line must not lose the good ones to a
        # "not valid JSON" for the whole file. (A pretty-printed document has no such line.)
        if _is_json_container(first):
            return "jsonl"
        # Only a later line that opens as the first one does: `[{...},` then `{...}` is one
        # array written an element a line, not JSON Lines.
        opening = first.strip()[:1]
        later = rest.split(b"\n")[:-1][:_SNIFF_LINES]
        if len(first.strip()) > 1 and any(
                line.strip()[:1] == opening and _is_json_container(line) for line in later):
            return "jsonl"
    return "json"


_SNIFF_LINES = 5  # the lines after a broken first one that may show the file is JSON Lines
LINE_SUFFIXES = frozenset({".jsonl", ".ndjson"})


def _is_json_container(line: bytes) -> bool:
    """Whether a line, alone, is a JSON object or array."""
    if line.strip()[:1] not in (b"{", b"["):
        return False
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


def _first_is_batch(head: bytes) -> bool:
    first = head.lstrip(_BOM + b" \t\r\n").partition(b"\n")[0]
    try:
        value = json.loads(first)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, dict) and "custom_id" in value and "body" in value


def _chunks(stream: Any, head: bytes) -> Iterator[bytes]:
    """The stream's bytes in blocks of about BATCH_BYTES, starting with what was sniffed."""
    if head.startswith(_BOM):
        head = head[len(_BOM):]
    yield head
    while block := stream.read(BATCH_BYTES):
        yield block


def _decode(data: bytes, label: str, errors: str, offset: int) -> str:
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as error:
        raise InputFileError(
            f"{label}: byte {offset + error.start}: not valid UTF-8 ({error.reason}); save it as "
            "UTF-8, or pass --encoding-errors replace to count it anyway"
        ) from None


def _pieces(blocks: Iterator[bytes], find_cut: Callable[[bytes, int], int | None]
            ) -> Iterator[tuple[bytes, int]]:
    """Re-cut blocks into pieces of about BATCH_BYTES at places ``find_cut`` allows; yields
    (piece, byte offset of the piece)."""
    pending = b""
    offset = 0
    for block in blocks:
        pending += block
        while len(pending) >= BATCH_BYTES:
            cut = find_cut(pending, BATCH_BYTES)
            if cut is None:
                break  # no allowed place yet: read on (a very long line, or odd text)
            yield pending[:cut], offset
            offset += cut
            pending = pending[cut:]
    if pending:
        yield pending, offset


def _text_cut(data: bytes, near: int) -> int | None:
    """The last safe cut before ``near``, else the first after it."""
    last = None
    for match in _SAFE_TEXT_CUT.finditer(data, max(0, near - (256 << 10)), near):
        last = match
    if last is None:
        last = _SAFE_TEXT_CUT.search(data, near)
    return last.start() + 1 if last else None


def _line_cut(data: bytes, near: int) -> int | None:
    cut = data.rfind(b"\n", 0, near) + 1 or data.find(b"\n", near) + 1
    return cut or None


def _text_batches(stream: Any, head: bytes, label: str, errors: str
                  ) -> Iterator[Batch]:
    for piece, offset in _pieces(_chunks(stream, head), _text_cut):
        yield Batch(label, "text", None, text=_decode(piece, label, errors, offset),
                    offset=offset, size=len(piece))


def _line_batches(stream: Any, head: bytes, label: str, fmt: str | None, errors: str
                  ) -> Iterator[Batch]:
    """Whole lines in batches of about BATCH_BYTES, left undecoded for the workers."""
    first = 1
    for piece, offset in _pieces(_chunks(stream, head), _line_cut):
        newlines = None
        if not piece.isspace():  # (what strip() would leave, without a copy of the piece)
            batch = Batch(label, "lines", fmt, data=piece, first=first, offset=offset,
                          size=len(piece), errors=errors)
            yield batch
            newlines = batch.newlines  # (when it was counted here meanwhile: --jobs 1)
        first += piece.count(b"\n") if newlines is None else newlines


def _read_json_document(stream: Any, head: bytes, source: Source, fmt: str | None,
                        errors: str) -> tuple[list[Conversation], list[str]]:
    """Parse a whole JSON document, holding one copy of it: a file is decoded straight from a
    read-only memory map (its bytes stay in the page cache, not in this process's memory), and
    the text is dropped once parsed."""
    text = _whole_text(stream, head, source, errors)
    value = _parse_json(text, source.label)
    del text
    return _parsed_document(value, source.label, fmt)


def _parsed_document(value: Any, label: str, fmt: str | None
                     ) -> tuple[list[Conversation], list[str]]:
    try:
        conversations, bad = parse_records(value, fmt)
    except ConversationError as error:
        raise InputFileError(f"{label}: {error}") from None
    if not conversations:
        raise InputFileError(f"{label}: {bad[0]}")  # nothing good to keep
    return conversations, [f"{label}: {error}" for error in bad]


def _whole_text(stream: Any, head: bytes, source: Source, errors: str) -> str:
    if isinstance(stream, Decompressed):
        data = b"".join(_chunks(stream, head))
        if stream.damage is not None:
            raise InputFileError(stream.damage.message(source.label, "json"))
        return _decode(data, source.label, errors, 0)
    if source.path is not None and isinstance(stream, io.BufferedReader):
        import mmap

        problem = None
        try:
            with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                start = len(_BOM) if mapped[:len(_BOM)] == _BOM else 0
                try:
                    return str(memoryview(mapped)[start:], "utf-8", errors)
                except UnicodeDecodeError as error:
                    # Raised below, once the map is closed: the error holds a view of it.
                    problem = (f"{source.label}: byte {start + error.start}: not valid UTF-8 "
                               f"({error.reason}); save it as UTF-8, or pass --encoding-errors "
                               "replace to count it anyway")
        except (OSError, ValueError):
            stream.seek(0)  # not mappable (a pipe, a special file): read it instead
            head = stream.read(_SNIFF_BYTES)
        if problem:
            raise InputFileError(problem)
    return _decode(b"".join(_chunks(stream, head)), source.label, errors, 0)


def _parse_json(text: str, label: str, line_offset: int = 0) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        line = error.lineno + line_offset
        cut_off = " (the file may be cut off)" if error.pos >= len(text.rstrip()) else ""
        raise InputFileError(f"{label}:{line}:{error.colno}: not valid JSON: {error.msg}"
                             f"{cut_off}") from None
    except RecursionError:
        raise InputFileError(f"{label}: JSON nested too deeply to read") from None


def parse_json_line(line: str, label: str, line_offset: int = 0) -> Any:
    """One line of JSON Lines, as json.loads reads it: by msgspec where it reads the line (the
    same value, three times as fast), else by json, whose error names the line's place."""
    fast = _fast_json()
    if fast is not None:
        try:
            return fast(line)
        except _fast_refusals():  # json reads what msgspec refuses, or says what is wrong
            pass
    return _parse_json(line, label, line_offset)


def _conversation_batches(conversations: list[Conversation], label: str,
                          problems: Sequence[str] = (), per_batch: int = 2000
                          ) -> Iterator[Batch]:
    for start in range(0, len(conversations), per_batch):
        yield Batch(label, "conversations", None,
                    conversations=conversations[start:start + per_batch], first=start + 1,
                    size=0, problems=list(problems) if start == 0 else [])


def parse_line(number: int, line: str, label: str, fmt: str | None) -> list[Conversation]:
    """The conversations of one JSON Lines line; InputFileError names the line."""
    value = parse_json_line(line, label, number - 1)
    try:
        return parse_conversations(value, fmt)
    except ConversationError as error:
        raise InputFileError(f"{label}:{number}: {error}") from None


@dataclass
class WholeDocument:
    """A small document read completely: its text, or its conversations."""

    label: str
    format: str
    text: str | None = None
    conversations: list[Conversation] = field(default_factory=list)
    bad: BadLines = field(default_factory=lambda: BadLines(""))  # its bad lines or records


def read_whole(source: Source, input_format: str | None = None,
               column: str | None = None) -> WholeDocument:
    """Read a document completely (for --from). A bad line, record or row is set aside (in
    ``bad``) and the rest kept; a document with nothing good is an error."""
    document = open_source(source, input_format, column=column)
    whole = WholeDocument(document.label, document.format,
                          bad=BadLines(document.label, document.unit))
    texts = []
    for batch in document.batches():
        for problem in [*batch.problems, *([batch.damage] if batch.damage else [])]:
            whole.bad.add(problem)
        if batch.kind == "text":
            texts.append(batch.text)
        elif batch.kind == "conversations":
            whole.conversations.extend(batch.conversations)
        elif batch.kind == "rows":
            if batch.shape == "texts":
                raise InputFileError(
                    f"{batch.label}: the `{batch.column}` column holds texts, not "
                    "conversations; --from reads conversations (a `messages` or "
                    "`conversations` column: choose one with --column)")
            for _, held in batch.rows():
                if isinstance(held, InputFileError):
                    whole.bad.add(held)
                elif not isinstance(held, Texts):  # (texts come only from a column of texts)
                    whole.conversations.extend(held)
        else:
            for number, line in batch.lines():
                try:
                    if isinstance(line, InputFileError):
                        raise line
                    whole.conversations.extend(parse_line(number, line, batch.label,
                                                          batch.fmt))
                except InputFileError as error:
                    whole.bad.add(error)
    if texts:
        whole.text = "".join(texts)
    if whole.bad.count and not whole.conversations and whole.text is None:
        raise InputFileError(str(whole.bad.first[0]))
    return whole


def json_values(source: Source, encoding_errors: str = "strict"
                ) -> Iterator[tuple[str, Any | InputFileError]]:
    """Each JSON value of a source, with its place: every line of JSON Lines (``file:3``),
    every element of a JSON list (``file: [3]``), or the one document. A line (an element)
    that is not JSON comes as an InputFileError naming it, and the lines after it still come;
    InputFileError is raised when the source as a whole cannot be read."""
    stream, head, decompressed = _opened(source)
    try:
        yield from _values(stream, head, source, encoding_errors)
        if decompressed is not None and decompressed.damage is not None:
            yield source.label, InputFileError(decompressed.damage.message(source.label,
                                                                           "lines"))
    finally:
        if source.path is not None or source.url is not None:
            stream.close()


def _values(stream: Any, head: bytes, source: Source, encoding_errors: str
            ) -> Iterator[tuple[str, Any | InputFileError]]:
    if _sniff(head, format_suffix(_name(source))) == "jsonl":
        for batch in _line_batches(stream, head, source.label, None, encoding_errors):
            yield from _batch_values(batch)
        return
    if _opens_list(head):  # a record at a time: a bad one (the cut-off last) loses itself
        for record in list_records(_chunks(stream, head), source.label, encoding_errors):
            yield f"{source.label}: [{record.index}]", record.value
        return
    yield source.label, _parse_json(_whole_text(stream, head, source, encoding_errors),
                                    source.label)


# What json.loads runs, here at a given place in a text: json's own scanner, with its defaults.
_scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_JSON_BLANK = " \t\r"  # the whitespace JSON allows around a value on one line
_LINE_BLANK = " \t\n\r\x0b\x0c"  # what bytes.strip() strips: a line of only this is blank


@functools.cache
def _fast_json() -> Callable[[bytes | str], Any] | None:
    """msgspec's JSON decoder (a dependency: it reads JSON three times as fast as json);
    None where it cannot be imported, and json reads everything."""
    try:
        from msgspec.json import Decoder
    except ImportError:
        return None
    return Decoder().decode


@functools.cache
def _fast_refusals() -> tuple[type[BaseException], ...]:
    """What msgspec raises for a text it does not read (json may read it: NaN, a lone
    surrogate, a number too large for a float)."""
    from msgspec import DecodeError, ValidationError

    return DecodeError, ValidationError, RecursionError


def _batch_values(batch: Batch) -> Iterator[tuple[str, Any | InputFileError]]:
    """Each value of a batch of JSON Lines, as json.loads reads each line, with its place."""
    fast = _fast_json()
    return _decoded_values(batch, fast) if fast is not None else _scanned_values(batch)


def _decoded_values(batch: Batch, decode: Callable[[bytes], Any]
                    ) -> Iterator[tuple[str, Any | InputFileError]]:
    """The values of a batch, each line read by msgspec, straight from its bytes. Where it
    reads a line at all it reads the value json does (tests/test_usage_formats.py checks);
    a line it refuses (not JSON, not UTF-8, NaN, a lone surrogate...) is read as before,
    by json, for json's value or error."""
    label, number, offset = batch.label, batch.first, batch.offset
    for raw in batch.data.split(b"\n"):
        if raw.strip():
            try:
                yield f"{label}:{number}", decode(raw)
            except _fast_refusals():
                yield f"{label}:{number}", _line_value(batch, raw, number, offset)
        number += 1
        offset += len(raw) + 1


def _line_value(batch: Batch, raw: bytes, number: int, offset: int) -> Any | InputFileError:
    """One line read alone by json, or the error that says what is wrong with it."""
    try:
        line = raw.decode("utf-8", errors=batch.errors)
    except UnicodeDecodeError as error:
        return InputFileError(
            f"{batch.label}:{number}: byte {offset + error.start}: not valid UTF-8 "
            f"({error.reason}); save it as UTF-8, or pass --encoding-errors replace to count "
            "it anyway")
    try:
        return _parse_json(line, batch.label, number - 1)
    except InputFileError as error:
        return error


def _scanned_values(batch: Batch) -> Iterator[tuple[str, Any | InputFileError]]:
    """The values of a batch, read by json without msgspec. The batch is decoded at once and
    each line parsed where it lies in the text, not cut out and decoded on its own: the same
    values, for less work a line. A line that does not parse so (not JSON, or more than one
    value) is read again alone, for the error json.loads gives; a batch that is not UTF-8,
    line by line, for the line and the byte."""
    label = batch.label
    try:
        text = batch.data.decode("utf-8", batch.errors)
    except UnicodeDecodeError:
        offset = batch.offset
        for number, raw in enumerate(batch.data.split(b"\n"), start=batch.first):
            if raw.strip():
                yield f"{label}:{number}", _line_value(batch, raw, number, offset)
            offset += len(raw) + 1
        return
    number = batch.first
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            end = size
        begin = start
        while begin < end and text[begin] in _JSON_BLANK:
            begin += 1
        if begin < end:
            try:
                value, stop = _scan(text, begin)
            except (StopIteration, ValueError, RecursionError):
                stop = -1
            while 0 <= stop < end and text[stop] in _JSON_BLANK:
                stop += 1
            if stop == end:
                yield f"{label}:{number}", value
            elif text[start:end].strip(_LINE_BLANK):
                try:  # not one JSON value alone: json.loads says what is wrong
                    yield f"{label}:{number}", _parse_json(text[start:end], label, number - 1)
                except InputFileError as error:
                    yield f"{label}:{number}", error
        number += 1
        start = end + 1

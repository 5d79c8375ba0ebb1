"""Finding the inputs to count and reading each into text or conversations.

Paths, directories (recursively: their text and JSON files), glob patterns and ``-`` for stdin.
A file's format comes from its content: a JSON document, JSON Lines (one conversation a line,
or OpenAI Batch API input) or plain text. One bad line of a JSONL file is reported and the rest
still count.
"""

from __future__ import annotations

import glob
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokcost.conversations import (
    CONVERSATION_FORMATS,
    Conversation,
    ConversationError,
    parse_conversations,
)
from tokcost.errors import InputFileError

INPUT_FORMATS = ("text", "openai", "anthropic", "sharegpt", "jsonl", "batch")
# What a directory contributes: text and JSON files. Anything else there is left alone.
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".rst"})
JSON_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson"})
_GLOB_CHARACTERS = frozenset("*?[")
STDIN = "-"
STDIN_LABEL = "<stdin>"


@dataclass(frozen=True)
class Source:
    """One input: a file, or standard input."""

    label: str
    path: Path | None = None


@dataclass
class Document:
    """What one source holds: text, or conversations, and the lines that could not be read."""

    label: str
    format: str
    text: str | None = None
    conversations: list[Conversation] = field(default_factory=list)
    problems: list[InputFileError] = field(default_factory=list)


def expand_inputs(arguments: Sequence[str]) -> tuple[list[Source], list[InputFileError]]:
    """The sources the arguments name, in order, and an error for each argument that names none."""
    sources: list[Source] = []
    problems: list[InputFileError] = []
    for argument in arguments:
        if argument == STDIN:
            sources.append(Source(STDIN_LABEL))
            continue
        path = Path(argument)
        if path.is_dir():
            found = sorted(_countable_files(path))
            if not found:
                problems.append(InputFileError(
                    f"{argument}: the directory holds no text or JSON files to count "
                    f"({', '.join(sorted(TEXT_SUFFIXES | JSON_SUFFIXES))})"))
            sources.extend(Source(str(file), file) for file in found)
        elif path.exists():
            sources.append(Source(argument, path))
        elif _GLOB_CHARACTERS & set(argument):
            matches = sorted(glob.glob(argument, recursive=True))
            files = [Path(match) for match in matches if Path(match).is_file()]
            if not files:
                problems.append(InputFileError(f"{argument}: no file matches this pattern"))
            sources.extend(Source(str(file), file) for file in files)
        else:
            problems.append(InputFileError(f"{argument}: no such file or directory"))
    return sources, problems


def _countable_files(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
        if not hidden and path.is_file() and path.suffix.lower() in TEXT_SUFFIXES | JSON_SUFFIXES:
            yield path


def read_source(source: Source, input_format: str | None = None,
                encoding_errors: str = "strict") -> Document:
    """Read and parse one source; raise InputFileError when none of it can be counted."""
    data = _read_bytes(source)
    text = _decode(data, source.label, encoding_errors)
    if not text.strip():
        raise InputFileError(f"{source.label}: is empty; there is nothing to count")
    shape = _sniff(text, source)
    if input_format == "text" or input_format is None and shape == "text":
        return Document(source.label, "text", text=text)
    # A forced conversation format applies to the document, or to each line of JSON Lines.
    fmt = input_format if input_format in CONVERSATION_FORMATS else None
    if input_format in ("jsonl", "batch") or shape == "jsonl":
        return _read_json_lines(text, source.label, fmt)
    return _read_json_document(text, source.label, fmt)


def _read_bytes(source: Source) -> bytes:
    if source.path is None:
        return sys.stdin.buffer.read()
    try:
        return source.path.read_bytes()
    except PermissionError:
        raise InputFileError(f"{source.label}: permission denied; check the file's "
                             "permissions") from None
    except IsADirectoryError:
        raise InputFileError(f"{source.label}: is a directory") from None
    except OSError as error:
        raise InputFileError(f"{source.label}: cannot be read: {error.strerror}") from None


def _decode(data: bytes, label: str, errors: str) -> str:
    if b"\x00" in data[:8192]:
        raise InputFileError(f"{label}: looks like a binary file (it holds NUL bytes), not text "
                             "or JSON")
    try:
        return data.decode("utf-8-sig", errors=errors)
    except UnicodeDecodeError as error:
        raise InputFileError(
            f"{label}: byte {error.start}: not valid UTF-8 ({error.reason}); save it as UTF-8, "
            "or pass --encoding-errors replace to count it anyway"
        ) from None


def _sniff(text: str, source: Source) -> str:
    """'json' for one JSON document, 'jsonl' for JSON Lines, else 'text'."""
    suffix = source.path.suffix.lower() if source.path else ""
    start = text.lstrip()[:1]
    if suffix in TEXT_SUFFIXES or start not in ("{", "["):
        return "json" if suffix in JSON_SUFFIXES else "text"
    first_line = text.lstrip().split("\n", 1)
    if len(first_line) == 2 and first_line[1].strip():
        try:
            json.loads(first_line[0])
            return "jsonl"
        except (json.JSONDecodeError, RecursionError):
            pass
    return "json"


def _parse_json(text: str, label: str, line_offset: int = 0) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        line = error.lineno + line_offset
        raise InputFileError(f"{label}:{line}:{error.colno}: not valid JSON: {error.msg}"
                             + (" (the file may be cut off)" if error.pos >= len(text.rstrip())
                                else "")) from None
    except RecursionError:
        raise InputFileError(f"{label}: JSON nested too deeply to read") from None


def _read_json_document(text: str, label: str, fmt: str | None) -> Document:
    value = _parse_json(text, label)
    try:
        conversations = parse_conversations(value, fmt)
    except ConversationError as error:
        raise InputFileError(f"{label}: {error}") from None
    return Document(label, fmt or conversations[0].source_format, conversations=conversations)


def _read_json_lines(text: str, label: str, fmt: str | None) -> Document:
    document = Document(label, "jsonl")
    formats: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = _parse_json(line, label, number - 1)
            found = parse_conversations(value, fmt)
        except ConversationError as error:
            document.problems.append(InputFileError(f"{label}:{number}: {error}"))
            continue
        except InputFileError as error:
            document.problems.append(error)
            continue
        formats.update(conversation.source_format for conversation in found)
        document.conversations.extend(found)
    if formats == {"batch"}:
        document.format = "batch"
    if not document.conversations and document.problems:
        first = document.problems[0]
        more = len(document.problems) - 1
        raise InputFileError(f"{first}" + (f" (and {more} more bad lines)" if more else ""))
    return document

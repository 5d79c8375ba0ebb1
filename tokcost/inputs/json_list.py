"""A JSON list read a record at a time, so that one bad record loses only itself.

A dataset published as one JSON list (ShareGPT's releases are) is large, and sometimes cut off
in its last record. Read whole, such a file is one "not valid JSON" and nothing counts; read
here, each record is decoded as it comes from a text that holds only a few megabytes at a
time (memory stays flat however long the list), and a record that is not JSON, or the one
the file ends inside, comes as an InputFileError that names its line and index while the
records around it still come.

Each record is decoded by json's own scanner (the C one: the value json.loads gives). Only
where that fails, a record that is bad or not yet wholly read, is the record's extent found
by a small scanner of brackets and strings, to tell the two apart and to go on after a bad
one.
"""

from __future__ import annotations

import codecs
import json
import json.scanner
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tokcost.errors import InputFileError

# What json.loads runs, here at a given place in a text: json's own scanner, with its defaults.
_scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_BLANK = re.compile(r"[ \t\n\r]*")
_STRUCTURE = re.compile(r'["\[\]{}]')
_SCALAR_END = re.compile(r"[,\]\s]")
# The text already read past is dropped once it is this long (amortised: not every record).
_KEEP = 1 << 20


@dataclass(frozen=True)
class Record:
    """One element of the list: its index (from 0), the line it starts on, and its value, or
    the InputFileError that says why it has none."""

    index: int
    line: int
    value: Any


class _Text:
    """The text of a stream, decoded a piece at a time; ``pos`` is where reading is, ``line``
    the line it is on, ``read`` how many bytes have come from the stream."""

    def __init__(self, blocks: Iterator[bytes], label: str, errors: str) -> None:
        self._blocks = blocks
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors)
        self._label = label
        self.text = ""
        self.pos = 0
        self.line = 1
        self.read = 0
        self.ended = False

    def more(self) -> bool:
        """Read the next piece onto the text; False at the stream's end."""
        while not self.ended:
            block = next(self._blocks, None)
            try:
                piece = self._decoder.decode(block or b"", final=block is None)
            except UnicodeDecodeError as error:
                raise InputFileError(
                    f"{self._label}: byte {self.read + error.start}: not valid UTF-8 "
                    f"({error.reason}); save it as UTF-8, or pass --encoding-errors replace to "
                    "count it anyway") from None
            if block is None:
                self.ended = True
            else:
                self.read += len(block)
            if piece:
                self.text += piece
                return True
        return False

    def advance(self, to: int) -> None:
        self.line += self.text.count("\n", self.pos, to)
        self.pos = to

    def skip_blank(self) -> str:
        """Skip whitespace, reading on as needed; the next character ("" at the end)."""
        while True:
            self.advance(_BLANK.match(self.text, self.pos).end())  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def forget(self) -> None:
        """Drop the text before ``pos``: it has been read."""
        if self.pos > _KEEP:
            self.text, self.pos = self.text[self.pos:], 0

    def extent(self) -> int | None:
        """Where the value at ``pos`` ends, by its brackets and strings, reading on as needed;
        None when the stream ends first."""
        text_at = self.pos
        if self.text[text_at] not in '{["':
            while True:
                found = _SCALAR_END.search(self.text, text_at)
                if found:
                    return found.start()
                if not self.more():
                    return None
        depth, inside, at = 0, False, text_at
        while True:
            if inside:
                quote = self.text.find('"', at)
                if quote < 0:
                    at = len(self.text)
                    if not self.more():
                        return None
                    continue
                slashes = quote - 1
                while self.text[slashes] == "\\":
                    slashes -= 1
                at = quote + 1
                if (quote - 1 - slashes) % 2:
                    continue  # an escaped quote: still inside the string
                inside = False
                if depth == 0:
                    return at  # a string alone
                continue
            found = _STRUCTURE.search(self.text, at)
            if found is None:
                at = len(self.text)
                if not self.more():
                    return None
                continue
            at = found.end()
            mark = found.group()
            if mark == '"':
                inside = True
            elif mark in "[{":
                depth += 1
            else:
                depth -= 1
                if depth <= 0:
                    return at


def list_records(blocks: Iterator[bytes], label: str, errors: str = "strict"
                 ) -> Iterator[Record]:
    """Each record of the JSON list the blocks hold (its first non-blank character is ``[``),
    in order; the text's trouble between records (a missing comma, the list cut off) comes as
    a last Record holding the InputFileError. Raises InputFileError for a text that is not
    UTF-8 (under ``errors="strict"``)."""
    text = _Text(blocks, label, errors)
    text.more()
    if text.text.startswith("\ufeff"):
        text.pos = 1
    text.skip_blank()
    text.advance(text.pos + 1)  # the opening bracket
    index = 0
    if text.skip_blank() == "]":
        return
    while True:
        text.forget()
        if text.pos >= len(text.text):  # (skip_blank read to the end: nothing after a comma)
            yield Record(index, text.line, InputFileError(
                f"{label}:{text.line}: not valid JSON: the list is cut off after record "
                f"[{index - 1}], with no closing `]` (is the copy complete?)"))
            return
        line = text.line
        value, end = _record(text, label, index)
        yield Record(index, line, value)
        if end is None:
            return  # the file ends inside the record
        text.advance(end)
        index += 1
        mark = text.skip_blank()
        if mark == ",":
            text.advance(text.pos + 1)
            if text.skip_blank() == "]":
                yield Record(index, text.line, InputFileError(
                    f"{label}:{text.line}: not valid JSON: a comma after the list's last "
                    "record; remove it"))
                mark = "]"
            else:
                continue
        if mark == "]":
            text.advance(text.pos + 1)
            if text.skip_blank():
                yield Record(index, text.line, InputFileError(
                    f"{label}:{text.line}: not valid JSON: more text after the list's "
                    "closing `]`; a JSON file holds one list"))
            return
        yield Record(index, text.line, InputFileError(
            f"{label}:{text.line}: not valid JSON: the list is cut off after record "
            f"[{index - 1}], with no closing `]` (is the copy complete?)" if not mark else
            f"{label}:{text.line}: not valid JSON: expected `,` or `]` after record "
            f"[{index - 1}], found {mark!r}; the records after it are not read"))
        return


def _record(text: _Text, label: str, index: int) -> tuple[Any, int | None]:
    """The value at the text's place and where it ends; for a bad record, the InputFileError
    naming it and where it ends (None: the stream ends inside it)."""
    while True:
        try:
            value, end = _scan(text.text, text.pos)
        except (StopIteration, ValueError, RecursionError):
            break
        if end < len(text.text) or not text.more():
            return value, end
        # It ends where the text read so far does: a number may go on in the next piece.
    extent = text.extent()
    if extent is None:
        return InputFileError(
            f"{label}:{text.line}: [{index}]: not valid JSON: the file ends inside this "
            "record (cut off; is the copy complete?)"), None
    try:
        value, stop = _scan(text.text, text.pos)  # the whole record is read now
        if stop == extent:
            return value, extent
    except (StopIteration, ValueError, RecursionError):
        pass
    return _why_not_json(text, label, index, extent), extent


def _why_not_json(text: _Text, label: str, index: int, end: int) -> InputFileError:
    """What json.loads says of the record, placed in the file."""
    try:
        json.loads(text.text[text.pos:end])
    except json.JSONDecodeError as error:
        line = text.line + error.lineno - 1
        column = error.colno
        if error.lineno == 1:  # the record's first line starts before the record does
            column += text.pos - (text.text.rfind("\n", 0, text.pos) + 1)
        return InputFileError(f"{label}:{line}:{column}: [{index}]: not valid JSON: "
                              f"{error.msg}")
    except RecursionError:
        return InputFileError(f"{label}:{text.line}: [{index}]: JSON nested too deeply to "
                              "read")
    return InputFileError(f"{label}:{text.line}: [{index}]: not valid JSON")

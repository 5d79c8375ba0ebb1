"""A JSON list read a record at a time, so that one bad record loses only itself.

A dataset published as one JSON list (ShareGPT's releases are) is large, and sometimes cut off
in its last record. Read whole, such a file is one "not valid JSON" and nothing counts; read
here, each record is decoded as it comes from a text that holds only a few megabytes at a
time (memory stays flat however long the list), and a record that is not JSON, or the one
the file ends inside, comes as an InputFileError that names its line and index while the
records around it still come.

Each record is decoded by json's own scanner (the C one: the value json.loads gives). Only
where that fails is more done: a record the text read so far ends inside is read again with
more text; a bad record's end is found by resynchronising on the next comma between records
(its own brackets and quotes cannot be trusted: one stray quote would miscount the rest of
the file), so that one bad record loses only itself. Text outside the records (a missing
comma, text after the list) is the list's problem, not a lost record's.
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
# What a failure at the text's end may be the start of: a literal, a number's tail.
_WORDS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")
_NUMBER_PART = re.compile(r"[-+.eE0-9]+")
_TOO_DEEP = "JSON nested too deeply to read"
# How far past a bad record its end is looked for before the rest is given up (memory).
_RESYNC_LIMIT = 64 << 20
# The text already read past is dropped once it is this long (amortised: not every record).
_KEEP = 1 << 20


@dataclass(frozen=True)
class Record:
    """One element of the list: its index (from 0), the line it starts on, and its value, or
    the InputFileError that says why it has none."""

    index: int
    line: int
    value: Any
    # The problem is the list's (text outside its records), not a record's: no record is lost.
    of_list: bool = False


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

    def blanks(self) -> str:
        """Skip whitespace as skip_blank does; the whitespace skipped."""
        start = self.pos
        self.skip_blank()
        return self.text[start:self.pos]

    def after(self, at: int) -> str:
        """The first character at or after ``at`` that is not whitespace ("" at the end),
        reading on as needed; ``pos`` stays."""
        while True:
            at = _BLANK.match(self.text, at).end()  # type: ignore[union-attr]
            if at < len(self.text):
                return self.text[at]
            if not self.more():
                return ""

    def value_at(self, at: int) -> tuple[bool, Any, int, str]:
        """(True, the value at ``at``, where it ends), or (False, None, where json fails,
        why), reading on until the answer is not one the text's end made: a record cut by
        a piece's end is read again with the text read so far doubled (at most a few times,
        so a long record costs a few scans, not one a piece)."""
        while True:
            ok, value, where, why = _decode(self.text, at)
            if ok and where < len(self.text):
                return ok, value, where, why
            if not ok and not _cut_by_end(self.text, where, why):
                return ok, value, where, why
            wanted = max(2 * (len(self.text) - at), 1)
            while self.more() and len(self.text) - at < wanted:
                pass
            if self.ended and len(self.text) - at < wanted:
                # The stream's end: the answer now is final (read once more, whole).
                ok, value, where, why = _decode(self.text, at)
                return ok, value, where, why


def _decode(text: str, at: int) -> tuple[bool, Any, int, str]:
    try:
        value, end = _scan(text, at)
    except StopIteration as stop:
        return False, None, stop.value, "Expecting value"
    except json.JSONDecodeError as error:
        return False, None, error.pos, error.msg
    except RecursionError:
        return False, None, at, _TOO_DEEP
    return True, value, end, ""


def _cut_by_end(text: str, where: int, why: str) -> bool:
    """Whether json's failure at ``where`` is one that more text could mend: a string,
    a literal, a number or an escape the text ends inside, or nothing left."""
    if why.startswith("Unterminated string"):
        return True
    rest = text[where:].rstrip(" \t\n\r")
    return (not rest or any(word.startswith(rest) for word in _WORDS)
            or _NUMBER_PART.fullmatch(rest) is not None
            or why.startswith("Invalid \\uXXXX") and len(text) - where <= 6)


class _Brackets:
    """The depth of brackets from a record's start to a place, counted incrementally (and
    wrongly after a stray quote, which is why it is only one sign of a record's end)."""

    def __init__(self, start: int) -> None:
        self.depth, self.inside, self.at = 0, False, start

    def closed_at(self, text: str, stop: int) -> bool:
        """Whether the record's brackets are all closed, outside a string, at ``stop``."""
        while self.at < stop:
            if self.inside:
                quote = text.find('"', self.at, stop)
                if quote < 0:
                    self.at = stop
                    break
                slashes = quote - 1
                while text[slashes] == "\\":
                    slashes -= 1
                self.at = quote + 1
                self.inside = bool((quote - 1 - slashes) % 2)  # escaped: still inside
                continue
            found = _STRUCTURE.search(text, self.at, stop)
            if found is None:
                self.at = stop
                break
            self.at = found.end()
            mark = found.group()
            if mark == '"':
                self.inside = True
            else:
                self.depth += 1 if mark in "[{" else -1
        return not self.inside and self.depth <= 0


def list_records(blocks: Iterator[bytes], label: str, errors: str = "strict"
                 ) -> Iterator[Record]:
    """Each record of the JSON list the blocks hold (its first non-blank character is ``[``),
    in order; the text's trouble outside the records (a missing comma, the list cut off, text
    after it) comes as a Record with ``of_list`` set, holding the InputFileError. Raises
    InputFileError for a text that is not UTF-8 (under ``errors="strict"``)."""
    text = _Text(blocks, label, errors)
    text.more()
    if text.text.startswith("\ufeff"):
        text.pos = 1
    text.skip_blank()
    text.advance(text.pos + 1)  # the opening bracket
    index = 0
    reference: Any = None  # the last good record: what a record looks like, to resync on
    separator = text.blanks()  # what stands before a record (after its comma)
    if text.skip_blank() == "]":
        return
    while True:
        text.forget()
        if text.pos >= len(text.text):  # (skip_blank read to the end: nothing after a comma)
            after = f"after record [{index - 1}]" if index else "before its first record"
            yield _of_list(index, text.line, f"{label}:{text.line}: not valid JSON: the list "
                           f"is cut off {after}, with no closing `]` (is the copy complete?)")
            return
        line = text.line
        value, end = _record(text, label, index, separator, reference)
        yield Record(index, line, value)
        if end is None:
            return  # the file ends inside the record, or the records after it are lost
        if not isinstance(value, InputFileError):
            reference = value
        text.advance(end)
        index += 1
        mark = text.skip_blank()
        if mark == ",":
            text.advance(text.pos + 1)
            separator = text.blanks()
            if text.skip_blank() != "]":
                continue
            yield _of_list(index, text.line, f"{label}:{text.line}: not valid JSON: a comma "
                           "after the list's last record; remove it")
            mark = "]"
        if mark == "]":
            text.advance(text.pos + 1)
            if text.skip_blank():
                yield _of_list(index, text.line, f"{label}:{text.line}: not valid JSON: more "
                               "text after the list's closing `]`; a JSON file holds one list")
            return
        if mark and text.value_at(text.pos)[0]:  # a record: only its comma is missing
            yield _of_list(index, text.line, f"{label}:{text.line}: not valid JSON: no `,` "
                           f"between records [{index - 1}] and [{index}]; add one")
            continue
        yield _of_list(index, text.line, (
            f"{label}:{text.line}: not valid JSON: the list is cut off after record "
            f"[{index - 1}], with no closing `]` (is the copy complete?)" if not mark else
            f"{label}:{text.line}: not valid JSON: expected `,` or `]` after record "
            f"[{index - 1}], found {mark!r}; the records after it are not read"))
        return


def _of_list(index: int, line: int, message: str) -> Record:
    return Record(index, line, InputFileError(message), of_list=True)


def _record(text: _Text, label: str, index: int, separator: str, reference: Any
            ) -> tuple[Any, int | None]:
    """The value at the text's place and where it ends; for a bad record, the InputFileError
    naming it and where it ends (None: the stream ends inside it, or where it ends cannot be
    told, and the records after it are not read)."""
    start = text.pos
    ok, value, where, why = text.value_at(start)
    if ok:
        return value, where
    if why != _TOO_DEEP and _cut_by_end(text.text, where, why):  # (the stream has ended)
        return InputFileError(
            f"{label}:{text.line}: [{index}]: not valid JSON: the file ends inside this "
            "record (cut off; is the copy complete?)"), None
    if why == _TOO_DEEP:
        bad = f"{label}:{text.line}: [{index}]: {_TOO_DEEP}"
    else:
        line = text.line + text.text.count("\n", start, where)
        column = where - text.text.rfind("\n", 0, where)
        bad = f"{label}:{line}:{column}: [{index}]: not valid JSON: {why}"
    end = _resync(text, start, max(where, start + 1), separator, reference)
    if end is None:
        return InputFileError(f"{bad}; the records after it could not be told apart, so "
                              "they are not read"), None
    return InputFileError(bad), end


def _resync(text: _Text, start: int, after: int, separator: str, reference: Any) -> int | None:
    """Where the bad record at ``start`` ends, looked for past ``after`` (where json failed,
    so its brackets and quotes cannot be trusted): before the first comma followed by
    something that reads as a record and is followed by `,` or `]`, where that comma is
    one between records. Between records of a list written a record a line (or
    pretty-printed) stands the same whitespace as before the bad record; in a list on one
    line, the bad record's brackets close at the comma (they do unless a stray quote broke
    them), or what follows looks like the last good record (an object with a key of its).
    None when no such comma comes (within _RESYNC_LIMIT): the records cannot be told apart.
    At the stream's end with none, the record is the list's last."""
    lines = "\n" in separator
    brackets = _Brackets(start)
    doubtful = False  # whether something that might be a record was passed over
    at = after
    while True:
        comma = text.text.find(",", at)
        if comma < 0:
            at = len(text.text)
            if at - after > _RESYNC_LIMIT:
                return None
            if not text.more():
                return None if doubtful else _last_end(text.text, after)
            continue
        gap = _BLANK.match(text.text, comma + 1).end()  # type: ignore[union-attr]
        if gap == len(text.text) and text.more():
            continue  # what follows the comma is not read yet
        fits = text.text[comma + 1:gap] == separator if lines else brackets.closed_at(
            text.text, comma)
        if fits or not lines:
            ok, value, end, _ = text.value_at(gap)
            if ok and text.after(end) in (",", "]", ""):
                if fits or _alike(value, reference):
                    return comma
                doubtful = True
        at = comma + 1


def _last_end(text: str, after: int) -> int:
    """Where a bad record that is the list's last ends: at the closing `]`, or where the
    text does (the list cut off after it)."""
    closing = text.rstrip(" \t\n\r")
    return len(closing) - 1 if closing.endswith("]") and len(closing) > after else len(text)


def _alike(value: Any, reference: Any) -> bool:
    """Whether a value looks like the list's records (as ``reference``, the last good one,
    does): an object with a key of its, or a value of its type."""
    if isinstance(value, dict) and isinstance(reference, dict):
        return bool(value.keys() & reference.keys())
    return reference is not None and type(value) is type(reference)

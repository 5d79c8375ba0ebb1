"""Compressed inputs: gzip and zstd streams, read as the bytes they hold, a block at a time.

The codec is told by the stream's first bytes (its magic number), whatever the name says, so a
``.gz`` that holds plain text is read as plain text and a compressed file piped in is read too;
the name's inner suffix (``.jsonl`` of ``chats.jsonl.gz``) still helps tell the format.

A damaged stream (cut off, or corrupt) raises nothing mid-read: the reader ends at the last whole
line before the damage and keeps what went wrong, so that every line before it is counted and the
damage is one error, naming the line. gzip comes with Python; zstd needs the ``zstandard``
package (the ``datasets`` extra), imported only when a zstd stream is met.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from tokcost.errors import InputFileError

# Codec -> the magic number its streams start with, and the suffixes its files are named with.
CODECS = {
    "gzip": (b"\x1f\x8b", (".gz", ".gzip")),
    "zstd": (b"\x28\xb5\x2f\xfd", (".zst", ".zstd")),
}
COMPRESSED_SUFFIXES = frozenset(suffix for _, names in CODECS.values() for suffix in names)
MAGIC_BYTES = max(len(magic) for magic, _ in CODECS.values())
# Compressed bytes read at a time. Small for zstd, whose decompressor gives all the output of
# what it is fed at once: 16 KB of a highly compressed stream can still be several MB of text.
_READ = {"gzip": 64 << 10, "zstd": 16 << 10}
_MOST_OUT = 1 << 20  # the most text one gzip step gives (zlib can stop and resume)
INSTALL_HINT = "pip install 'tokcost[datasets]'"


def codec_of(lead: bytes) -> str | None:
    """The codec a stream starting with these bytes is compressed with, or None."""
    return next((codec for codec, (magic, _) in CODECS.items() if lead.startswith(magic)), None)


def format_suffix(name: str) -> str:
    """The suffix that tells a file's format: ``.jsonl`` for ``chats.jsonl.gz`` and for
    ``chats.jsonl`` alike."""
    path = PurePath(name.lower())
    return path.with_suffix("").suffix if path.suffix in COMPRESSED_SUFFIXES else path.suffix


class Prefixed:
    """A stream whose first bytes were already read: those bytes, then the rest of it."""

    def __init__(self, prefix: bytes, stream: IO[bytes]) -> None:
        self._prefix = prefix
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if not self._prefix:
            return self._stream.read(size)
        if size < 0:
            data, self._prefix = self._prefix + self._stream.read(), b""
            return data
        data, self._prefix = self._prefix[:size], self._prefix[size:]
        if len(data) < size:
            data += self._stream.read(size - len(data))
        return data

    def close(self) -> None:
        self._stream.close()


@dataclass(frozen=True)
class Damage:
    """Where a compressed stream stopped making sense, and how."""

    codec: str
    cut_off: bool  # the stream ends early (else its data is corrupt)
    detail: str  # the decompressor's words, for a corrupt stream
    line: int  # the line the damage falls in (the first line not read whole)
    offset: int  # bytes of text before that line

    def message(self, label: str, unit: str) -> str:
        """One line saying what is wrong and what of the input was kept: ``unit`` is "lines"
        (each line before the damage counted), "text", "records" (of a JSON list, each record
        before the damage counted) or "json" (a document read whole)."""
        problem = (f"the {self.codec} stream is cut off (the file ends before the stream does; "
                   "is the copy complete?)" if self.cut_off
                   else f"corrupt {self.codec} data ({self.detail})")
        if unit == "lines":
            kept = ("nothing before it could be read" if self.offset == 0 else
                    "the lines before it are counted")
            return f"{label}:{self.line}: {problem}; {kept}"
        if unit == "text":
            return (f"{label}: {problem}, after {self.offset:,} bytes of text; the text before "
                    "it is counted")
        if unit == "records":
            return (f"{label}: {problem}, after {self.offset:,} bytes; the records of the list "
                    "before it are counted")
        return (f"{label}: {problem}, after {self.offset:,} bytes; a JSON document is read "
                "whole, so none of it is counted")


class Decompressed:
    """The text of a compressed stream, read a block at a time.

    Reads end at a line's end (unless ``whole_lines`` is set false, for text), so that where the
    stream is damaged the partial line before the damage is left out (it would only be a second
    error, "not valid JSON"); ``damage`` then says what happened. ``consumed`` is how many
    compressed bytes have been read, for progress.
    """

    whole_lines = True

    def __init__(self, stream: Any, codec: str, label: str) -> None:
        self._stream = stream
        self.codec = codec
        self.consumed = 0
        self.damage: Damage | None = None
        self._new = _decompressor_factory(codec, label)
        self._decompressor = self._new()
        self._fed = False  # whether the current member (gzip) or frame (zstd) has begun
        self._tail = b""  # compressed bytes given to no decompressor yet
        self._pending = bytearray()  # text decompressed and not yet handed on
        self._done = False
        self._lines = 0  # newlines handed on
        self._offset = 0  # bytes handed on

    def read(self, size: int = -1) -> bytes:
        want = size if size >= 0 else 1 << 62
        while len(self._pending) < want and not self._done:
            self._step()
        if self._done and self.damage is None or not self.whole_lines:
            cut = min(want, len(self._pending))
        else:
            window = bytes(self._pending[:want])
            cut = window.rfind(b"\n") + 1 or (len(window) if len(window) >= want else 0)
        data = bytes(self._pending[:cut])
        del self._pending[:cut]
        self._lines += data.count(b"\n")
        self._offset += len(data)
        if self._done and self.damage is not None and not data:
            self._pending.clear()  # the partial line before the damage: left out
            self.damage = Damage(self.damage.codec, self.damage.cut_off, self.damage.detail,
                                 self._lines + 1, self._offset)
        return data

    def _step(self) -> None:
        """Decompress some more, or find the end (clean or damaged)."""
        if self.codec == "gzip" and self._decompressor.unconsumed_tail:
            self._decompress(self._decompressor.unconsumed_tail)
            return
        block = self._tail or self._stream.read(_READ[self.codec])
        self._tail = b""
        self.consumed += len(block)
        if not block:
            self._done = True
            if self._fed and not self._decompressor.eof:
                self.damage = Damage(self.codec, True, "", 0, 0)
            return
        self._decompress(block)

    def _decompress(self, block: bytes) -> None:
        if self._decompressor.eof:  # the last member or frame ended: what follows?
            if not block.strip(b"\x00"):
                return  # padding, as some tools write: the end
            if codec_of(block) != self.codec:
                self._fail("data after the end of the compressed stream")
                return
            self._decompressor, self._fed = self._new(), False
        self._fed = True
        try:
            if self.codec == "gzip":
                self._pending += self._decompressor.decompress(block, _MOST_OUT)
            else:
                self._pending += self._decompressor.decompress(block)
        except Exception as error:  # zlib.error, zstandard.ZstdError: the codec's own words
            self._fail(str(error).removeprefix("Error -3 while decompressing data: "))
            return
        if self._decompressor.eof:
            self._tail = self._decompressor.unused_data

    def _fail(self, detail: str) -> None:
        self.damage = Damage(self.codec, False, detail, 0, 0)
        self._done = True

    def close(self) -> None:
        self._stream.close()


def _decompressor_factory(codec: str, label: str) -> Callable[[], Any]:
    """A function that makes a decompressor for one gzip member or zstd frame."""
    if codec == "gzip":
        return lambda: zlib.decompressobj(wbits=31)  # 31: a gzip header and trailer, checked
    try:
        import zstandard
    except ImportError:
        raise InputFileError(f"{label}: reading zstd needs zstandard: {INSTALL_HINT}") from None
    return zstandard.ZstdDecompressor().decompressobj

"""A memo of what has been counted: text -> its token count, one memo per encoding and process.

Chat requests repeat by nature: every request re-sends the system prompt, the tools and the
history before it, so a file of requests is mostly text that an earlier line already had. The
one place where tokcost turns text into a count (``ModelCounter``'s ``_tokens``, which the
features of the estimated rules are measured with too) asks the memo first, so every format and
every model benefits, and a count from the memo is the count the encoder gave for that very
string: nothing but the encoder decides a number.

* Keyed by the string itself. CPython hashes a string once (about 1 ns a character, against
  about 150 ns a character for the encoder) and a hit compares the two with ``memcmp``; a digest
  of the text would cost as much to make and could, however rarely, collide.
* Bounded in bytes (``MAX_BYTES`` a process), least recently used first out. What an entry holds
  is its string (``sys.getsizeof``) plus ``ENTRY_BYTES`` of table, node and count.
* Texts shorter than ``MIN_CHARS`` characters are encoded every time (see the figures there).
* ``TOKCOST_MEMO=0`` (read once, when the first memo is made) turns it off; so does
  :func:`set_enabled`, for tests and comparisons.
* Threads may share a memo: no lock (one costs as much as a hit), each step leaves it
  consistent and its counts exact; the byte tally is exact when one thread counts.

Worker processes (``count --jobs N``) each have their own memo: the text that every line shares
is encoded once a worker rather than once a line.
"""

from __future__ import annotations

import os
import sys
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

MEMO_ENV_VAR = "TOKCOST_MEMO"

# The break-even, measured on ShareGPT message texts of each length (o200k_base, Python 3.11, a
# shared 2-core machine, best of 15 interleaved runs; `python bench/bench.py breakeven`):
#   chars     encode   a miss adds   a hit   the memo pays above a hit rate of
#   1-8       0.85 us    0.64 us     0.18 us   49%
#   8-16      1.1 us     0.59 us     0.18 us   38%
#   16-32     1.7 us     0.51 us     0.20 us   25%
#   32-64     4.2 us     0.86 us     0.32 us   18%
#   64-128    6.0 us     ~1 us       0.24 us   ~15-20%
#   256-1024  34 us      1.0 us      0.54 us   3%
# Below 32 characters a hit saves 1.5 us at most and an entry (~200 bytes) holds more table
# than text; such texts are 8.7% of ShareGPT's messages and 0.16% of its characters.
# With the fast encoder (fast.py) encoding costs less and the memo needs more hits to pay,
# measured the same way: 39% at 16-31 characters, 21% at 32-63, 14% at 64-127. The threshold
# stands.
MIN_CHARS = 32

# 32 MB a process: every distinct message of ~3,800 ShareGPT conversations (the 4,000 of
# bench/data/sharegpt-4000.jsonl take 33 MB), while a shared system prompt and tools take
# kilobytes. Each worker of `count --jobs N` has its own, so a process peaks at most this much
# higher: `count` of the 120 MB ShareGPT corpus (default jobs) peaked at 139 MB, against 115 MB
# without the memo.
MAX_BYTES = 32 << 20

# A plain message's JSON bytes hold about 30 bytes of framing (`{"role": "user", "content": ""}`)
# beyond its text: below this its text is below MIN_CHARS, and encoding it costs less than an
# entry's hash and upkeep.
MIN_RAW_BYTES = MIN_CHARS + 32

# An OrderedDict entry beyond its string: ~123 bytes measured with tracemalloc over 200,000
# entries (hash table, linked-list node, the count's int), rounded up.
ENTRY_BYTES = 128

Count = Callable[[str], int]  # a text -> its tokens, as the encoding counts them

# A message's or a tool list's JSON bytes (msgspec's Raw) -> its tokens, or None when it is
# not plain (formats/plain_requests.py): then the request is counted the general way.
RawCount = Callable[[Any], "int | None"]

_enabled: bool | None = None  # None: not yet read from the environment
_memos: dict[str, CountMemo] = {}
_raw_memos: dict[tuple[str, str], RawMemo] = {}


class CountMemo:
    """Token counts of the texts counted so far in one encoding, bounded in bytes."""

    def __init__(self, count: Count, max_bytes: int = MAX_BYTES,
                 min_chars: int = MIN_CHARS) -> None:
        self._count = count
        self.max_bytes = max_bytes
        self.min_chars = min_chars
        self.bytes = 0  # what the entries hold, as this memo reckons it
        self._counts: OrderedDict[Hashable, int] = OrderedDict()

    def __len__(self) -> int:
        return len(self._counts)

    def __contains__(self, text: object) -> bool:
        return text in self._counts

    def count(self, text: str) -> int:
        """The number of tokens ``count`` gives ``text``, from the memo when it has it."""
        if len(text) < self.min_chars:
            return self._count(text)
        counts = self._counts  # (get's work, inline: this runs for every text counted)
        tokens = counts.get(text)
        if tokens is not None:
            try:
                counts.move_to_end(text)
            except KeyError:  # another thread evicted it in between
                pass
            return tokens
        tokens = self._count(text)
        self.put(text, tokens)
        return tokens

    def get(self, text: Hashable) -> int | None:
        """The count stored for ``text``, if it is stored (it is then the most recently
        used)."""
        counts = self._counts
        tokens = counts.get(text)
        if tokens is not None:
            try:
                counts.move_to_end(text)
            except KeyError:  # another thread evicted it in between
                pass
        return tokens

    def put(self, text: Hashable, tokens: int) -> None:
        """Store a count, the least recently used going out if the memo is full."""
        size = sys.getsizeof(text) + ENTRY_BYTES
        if size > self.max_bytes:
            return
        counts = self._counts
        if text in counts:  # another thread stored it in between
            return
        counts[text] = tokens
        self.bytes += size
        if self.bytes > self.max_bytes:
            self._evict()

    def _evict(self) -> None:
        """Drop the least recently used entries until the memo is within its bound."""
        counts = self._counts
        while self.bytes > self.max_bytes and counts:
            try:
                oldest, _ = counts.popitem(last=False)
            except KeyError:  # another thread emptied it in between
                break
            self.bytes -= sys.getsizeof(oldest) + ENTRY_BYTES
        if not counts:
            self.bytes = 0

    def clear(self) -> None:
        self._counts.clear()
        self.bytes = 0


class RawMemo:
    """Counts of JSON values (the messages of plain requests, or their tool lists) by their
    bytes, one memo per encoding, kind and process, with the sequence of the request before.

    A request log re-sends the history before each turn, a Batch file the system prompt in
    each line: a message is most often the one at the same place in the request before, which
    two equal byte strings show with one ``memcmp``, cheaper than hashing them. Others are
    looked up by their bytes in a :class:`CountMemo` (bounded as it is; values shorter than
    ``MIN_RAW_BYTES`` are counted each time). Whatever gives the count, it is the one the
    counting function gave those very bytes: the bytes decide the message, and the message its
    count.
    """

    def __init__(self, max_bytes: int = MAX_BYTES, min_bytes: int = MIN_RAW_BYTES) -> None:
        self.memo = CountMemo(_never, max_bytes, min_bytes)
        self.min_bytes = min_bytes
        self._last: tuple[Sequence[Any], list[int]] = ((), [])

    def counts(self, raws: Sequence[Any], count: RawCount) -> list[int] | None:
        """Each value's count, from the request before, the memo or ``count``; None as soon
        as ``count`` says a value is not plain."""
        last, last_counts = self._last
        known = len(last)
        memo = self.memo
        counts = []
        for at, raw in enumerate(raws):
            if at < known and raw == last[at]:
                counts.append(last_counts[at])
                continue
            key = bytes(raw) if len(raw) >= self.min_bytes else None
            tokens = memo.get(key) if key is not None else None
            if tokens is None:
                tokens = count(raw)
                if tokens is None:
                    return None
                if key is not None:
                    memo.put(key, tokens)
            counts.append(tokens)
        self._last = (raws, counts)
        return counts


def _never(text: str) -> int:
    raise AssertionError("a RawMemo is asked through RawMemo.counts")


def enabled() -> bool:
    """Whether counting goes through the memo: ``TOKCOST_MEMO`` (read once), unless
    :func:`set_enabled` said otherwise."""
    global _enabled
    if _enabled is None:
        _enabled = os.environ.get(MEMO_ENV_VAR, "1").strip().lower() not in (
            "0", "off", "no", "false")
    return _enabled


def set_enabled(on: bool | None) -> None:
    """Switch the memo on or off for counters made from now on; None: as ``TOKCOST_MEMO``
    says (read again). Memos already filled are dropped either way."""
    global _enabled
    _enabled = on
    _memos.clear()
    _raw_memos.clear()


def token_counter(encoding: str, count: Count) -> Count:
    """How a counter of this encoding turns text into a count: through the encoding's memo
    in this process, or, with the memo off, straight through ``count``."""
    if not enabled():
        return count
    memo = _memos.get(encoding)
    if memo is None:
        memo = _memos.setdefault(encoding, CountMemo(count))
    return memo.count


def raw_memo(encoding: str, kind: str) -> RawMemo | None:
    """The memo of plain requests' JSON values of this kind ("messages", "tools") in this
    encoding in this process; None with the memo off."""
    if not enabled():
        return None
    found = _raw_memos.get((encoding, kind))
    if found is None:
        found = _raw_memos.setdefault((encoding, kind), RawMemo())
    return found


def memo_for(encoding: str) -> CountMemo | None:
    """The memo of this encoding in this process, if one has been made."""
    return _memos.get(encoding)

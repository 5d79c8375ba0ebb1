"""The fast exact encoders: ``rs-bpe`` and ``splintr-rs``, two Rust BPE tokenizers, for counts.

``pip install 'tokcost[fast]'`` adds them. Where they are installed, at the versions tokcost was
checked against, and pass their self-check, counting in ``o200k_base`` and ``cl100k_base`` goes
through them; everything else (other encodings, token ids, decoding) stays with tiktoken, which
is the reference. Two, because each is the faster one at one end (CPU time on ShareGPT's message
texts, each counted once in a fresh process; ``python bench/bench.py encoders``):

* ``rs-bpe`` 0.1.0, a binding of GitHub's ``bpe`` crate, is ready in about 0.05 s, where
  tiktoken's constructor takes 0.25-0.4 s, and counts o200k_base text in about 0.65x
  tiktoken's time: a process starts with it, so that ``tokcost count`` of a short file is
  done in a few hundredths of a second of counting;
* ``splintr-rs`` 0.22.0 counts in about 0.55x rs-bpe's time, but needs about 0.14 s to be ready
  (0.05 s to build, 0.09 s the first time a text needs byte-pair merges; cl100k_base 0.06 s):
  a process switches to it once it has counted, or been told to expect
  (:func:`expect`), ``SWITCH_CHARS`` characters of text, where the switch has paid for itself.

Others measured the same way: ``toktok-rs`` 0.3.0 counts faster still once built, but building
its o200k_base encoder takes 0.38-0.44 s (holding the GIL), and it splits text with characters
new in Unicode 17 (about 4,700 code points) otherwise than tiktoken does; ``quicktok-v1`` 0.4.0
takes 0.4 s and needs numpy; ``bpe-openai`` is no faster than rs-bpe; ``riptoken``, ``kitoken``
and ``tuetoken`` miscount some texts. Before it was adopted, splintr gave tiktoken's ids for
each of 16.9 M generated strings (every code point of planes 0-3 and 14 among them) and every
ShareGPT text, in both encodings.

Why their counts are tiktoken's: both ship each vocabulary inside their binaries (they read and
download nothing), and the test suite checks that every token of both vocabularies is the token
of the same rank in tokcost's bundled, hash-checked file, and that every count equals tiktoken's
on the bench corpus excerpt and on an adversarial set (tests/test_fast_encoder.py). At run time
a probe text must encode to the ids tiktoken gives it, or that encoder is not used.

What they cannot do, done here as tiktoken does it: a lone surrogate (text that is not valid
UTF-16) is refused by both; tiktoken replaces it with U+FFFD by a UTF-16 round trip, and so do
the counts here. Text that looks like a special token is ordinary text to all three.

``TOKCOST_FAST_ENCODER=0`` (read once) makes tokcost count with tiktoken alone; so does
:func:`set_enabled`, for tests and comparisons. Their calls hold the GIL: more cores need
processes (``count --jobs N``), not threads.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

FAST_ENV_VAR = "TOKCOST_FAST_ENCODER"

# A probe exercising each branch of both split patterns (cased words, a contraction, digits
# past three, CR LF and blank lines, trailing spaces, a special-token look-alike, CJK, an
# emoji, a combining accent) and the ids tiktoken gives it: the fast encoder must give the same
# before it is used. tests/test_fast_encoder.py checks these against tiktoken.
PROBE = "Hello, WORLD's 1234567 don't\r\n\n  \tx  <|endoftext|> 中文字 😀 e\u0301t\u00e9 "
PROBE_IDS = {
    "o200k_base": [13225, 11, 79618, 885, 220, 7633, 19354, 22, 4128, 46865, 256, 21395, 220,
                   464, 91, 419, 1440, 919, 91, 29, 83711, 8134, 88038, 319, 13430, 54949, 220],
    "cl100k_base": [9906, 11, 51991, 596, 220, 4513, 10961, 22, 1541, 956, 81923, 256, 10436,
                    220, 83739, 8862, 728, 428, 91, 29, 73958, 88435, 91416, 384, 54939, 83,
                    978, 220],
}

Count = Callable[[str], int]
Ids = Callable[[str], list[int]]


@dataclass(frozen=True)
class Encoder:
    """One fast encoder package: how to build its encoder of an encoding, and what of it
    encodes (for the probe) and counts a text."""

    package: str  # its name on PyPI, and in messages
    version: str  # the version the tests compared with tiktoken (tokcost[fast] pins it)
    build: Callable[[str], Any]  # encoding name -> the package's encoder (imports it)
    installed_version: Callable[[], str]
    ids: Callable[[Any], Ids]
    count: Callable[[Any], Count]


def _rs_bpe() -> Any:
    # rs_bpe's __init__ prints two lines to stderr when its extension does not load; the
    # ImportError says the same, and another encoder counts instead.
    with contextlib.redirect_stderr(io.StringIO()):
        import rs_bpe
        from rs_bpe.bpe import openai
    return rs_bpe, openai


def _splintr() -> Any:
    import splintr

    return splintr


def _splintr_count(tokenizer: Any) -> Count:
    encode = tokenizer.encode_ordinary  # (no count-only call: the list of ids costs little)
    return lambda text: len(encode(text))


QUICK = Encoder(
    "rs-bpe", "0.1.0",
    build=lambda name: getattr(_rs_bpe()[1], name)(),
    installed_version=lambda: getattr(_rs_bpe()[0], "__version__", "?"),
    ids=lambda tokenizer: tokenizer.encode, count=lambda tokenizer: tokenizer.count)
FASTER = Encoder(
    "splintr-rs", "0.22.0",
    build=lambda name: _splintr().Tokenizer.from_pretrained(name),
    installed_version=lambda: getattr(_splintr(), "__version__", "?"),
    ids=lambda tokenizer: tokenizer.encode_ordinary, count=_splintr_count)
ENCODERS = (QUICK, FASTER)

# Where FASTER has paid for being made ready: it saves 14-16 ns a character (o200k_base on
# ShareGPT's texts: rs-bpe 30 ns, splintr 14 ns warm and 16 ns on text it has not seen) and
# takes 0.14 s to be ready (0.09 s more than QUICK), which 6-10 M characters win back. A
# process switches once it has counted that much, or once it is told that much is coming
# (:func:`expect`), so that a large file counts with FASTER from its start; a short one never
# pays for it, and text of unknown length pays at most about twice what the best choice would.
SWITCH_CHARS = 12_000_000

_enabled: bool | None = None  # None: not yet read from the environment
_why_not: dict[str, str] = {}
# Per encoding: the cell [count, package] its counter reads at each call (a counter made
# before set_enabled keeps the cell it had, and its counts stay exact).
Cell = list[Any]
_current: dict[str, Cell] = {}
_tallying: dict[int, tuple[str, Cell]] = {}  # cells counting with QUICK until the switch
_counted = 0  # characters counted with QUICK in this process
_expected = 0  # characters this process was told are coming (expect)


def enabled() -> bool:
    """Whether tokcost may use the fast encoders: ``TOKCOST_FAST_ENCODER`` (read once), unless
    :func:`set_enabled` said otherwise."""
    global _enabled
    if _enabled is None:
        _enabled = os.environ.get(FAST_ENV_VAR, "1").strip().lower() not in (
            "0", "off", "no", "false")
    return _enabled


def set_enabled(on: bool | None) -> None:
    """Allow or forbid the fast encoders for counters made from now on; None: as
    ``TOKCOST_FAST_ENCODER`` says (read again). Starts again from QUICK."""
    global _enabled, _counted, _expected
    _enabled = on
    counter.cache_clear()
    ready.cache_clear()
    _built.cache_clear()
    for held in (_why_not, _current, _tallying):
        held.clear()
    _counted = _expected = 0


def why_not(name: str) -> str | None:
    """Why :func:`counter` gave no fast count for this encoding (None: it did, or was not
    asked)."""
    return _why_not.get(name)


def in_use(name: str) -> str | None:
    """The package counting this encoding's texts now, if a fast one is."""
    cell = _current.get(name)
    return None if cell is None else str(cell[1])


@functools.cache
def ready(encoder: Encoder, name: str) -> tuple[Count | None, str | None]:
    """The encoder's count of a text in ``name`` (as ``len(encode_ordinary(text))`` gives it),
    built and probed; or None and why it cannot be used here."""
    tokenizer, why = _built(encoder, name)
    if why is None:
        try:
            # (The probe needs byte-pair merges, which splintr prepares the first time.)
            if encoder.ids(tokenizer)(PROBE) != PROBE_IDS[name]:
                why = f"{encoder.package} failed its self-check on {name}: not tiktoken's ids"
        except BaseException as error:
            why = _broken(encoder, name, error)
    if why is not None:
        return None, why
    return _as_tiktoken_reads(encoder.count(tokenizer)), None


@functools.cache
def _built(encoder: Encoder, name: str) -> tuple[Any, str | None]:
    """The encoder's tokenizer of ``name``, built and not yet used; or None and why not."""
    if not enabled():
        return None, f"{FAST_ENV_VAR} is off"
    if name not in PROBE_IDS:
        return None, f"no fast encoder is checked against tiktoken for {name}"
    try:
        version = encoder.installed_version()
    except ImportError:
        return None, f"{encoder.package} is not installed"
    if version != encoder.version:
        return None, (f"{encoder.package} {version} is installed, tokcost is checked with "
                      f"{encoder.version}")
    try:
        return encoder.build(name), None
    except BaseException as error:
        return None, _broken(encoder, name, error)


def _broken(encoder: Encoder, name: str, error: BaseException) -> str:
    """Why an encoder that raised while built or probed is not used: whatever a broken build
    raises, a Rust panic too (pyo3's PanicException is a BaseException); another counts. Ctrl-C
    and an exit go on."""
    if isinstance(error, (KeyboardInterrupt, SystemExit)):
        raise error
    return f"{encoder.package} failed its self-check on {name}: {error}"


def _as_tiktoken_reads(count: Count) -> Count:
    """The count, of a text with a lone surrogate too: what tiktoken's encode_ordinary does."""

    def counted(text: str) -> int:
        try:
            return count(text)
        except UnicodeEncodeError:  # (not valid UTF-16: the surrogate becomes U+FFFD)
            return count(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))

    return counted


def _large() -> bool:
    """Whether this process has counted, or expects, enough text for FASTER to pay."""
    return max(_counted, _expected) >= SWITCH_CHARS


@functools.cache
def counter(name: str) -> Count | None:
    """The encoding's count of a text (as ``len(encode_ordinary(text))`` gives it) from the fast
    encoders, or None when neither can be used here: see :func:`why_not`."""
    reasons = []
    for encoder in ((FASTER, QUICK) if _large() else (QUICK, FASTER)):
        count, why = ready(encoder, name)
        if count is not None:
            cell: Cell = [count, encoder.package]
            if encoder is QUICK and not _large():
                cell[0] = _tallied(name, cell, count)
                _tallying[id(cell)] = (name, cell)
            _current[name] = cell
            return lambda text: cell[0](text)  # (whichever counts it now)
        reasons.append(why)
    _why_not[name] = _reasons(reasons)
    return None


def _reasons(reasons: list[str | None]) -> str:
    """Why neither encoder can count, in one line."""
    said = list(dict.fromkeys(why for why in reasons if why))
    line = "; ".join(said)
    if any(why.endswith("is not installed") for why in said):
        line += " (pip install 'tokcost[fast]')"
    return line


def _tallied(name: str, cell: Cell, quick: Count) -> Count:
    """QUICK's count, keeping the tally of characters that decides the switch to FASTER."""

    def count(text: str) -> int:
        global _counted
        _counted += len(text)
        if _counted >= SWITCH_CHARS:
            _switch(name, cell)
        return quick(text)

    return count


def _switch(name: str, cell: Cell) -> None:
    """Count with FASTER through this cell from now on, where it can be used (else with QUICK,
    no longer keeping the tally)."""
    _tallying.pop(id(cell), None)
    for encoder in (FASTER, QUICK):
        count = ready(encoder, name)[0]
        if count is not None:
            cell[:] = [count, encoder.package]
            return


def expect(chars: int) -> None:
    """Say that about this many characters of text are coming to be counted in this process
    (a file's size, say), so that a large input counts with FASTER from its start. What is
    expected and what is counted are not added up: the expected text is the text counted."""
    global _expected
    _expected += chars
    if _large():
        for name, cell in list(_tallying.values()):
            _switch(name, cell)


def build(name: str) -> None:
    """Make this encoding's fast encoder ready here, so that worker processes forked from this
    one after share it rather than each making its own. rs-bpe is built and not used: its
    regex keeps its fast path for the first thread that uses it, and any other counts with
    10-20% more CPU, so the first use is left to the worker's counting thread (a Dask
    worker's is not the one forked from here)."""
    if _large() or _built(QUICK, name)[1] is not None:
        counter(name)  # (splintr, or whichever can count: no thread of its is slower)

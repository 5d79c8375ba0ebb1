"""The fast exact encoder: the ``splintr-rs`` package (a Rust BPE tokenizer), for counts.

``pip install 'tokcost[fast]'`` adds it. Where it is installed, at the version tokcost was
checked against, and passes its self-check, counting in ``o200k_base`` and ``cl100k_base`` goes
through it; everything else (other encodings, token ids, decoding) stays with tiktoken, which is
the reference. Why it is worth having, measured on ShareGPT's message texts (CPU time, each
text counted once, in a fresh process; ``python bench/bench.py encoders``):

* it counts o200k_base text in about 0.35x the time tiktoken's ``encode_ordinary`` takes on
  one core (cl100k_base about 0.25x), and 0.55x the time of ``rs-bpe`` 0.1.0, the binding of
  GitHub's ``bpe`` crate tokcost counted with before;
* it is ready in about 0.05 s, where tiktoken's constructor takes 0.25-0.4 s: most of what
  ``tokcost count`` of a short file spent before it printed anything.

Others measured the same way: ``toktok-rs`` 0.3.0 counts faster still once built, but building
its o200k_base encoder takes 0.38-0.44 s (holding the GIL), which a short file would pay and a
28 MB one barely wins back; ``quicktok-v1`` 0.4.0 (0.45x rs-bpe's time) takes 0.4 s to build and
needs numpy; ``bpe-openai`` is no faster than rs-bpe; ``riptoken``, ``kitoken`` and ``tuetoken``
miscount some texts.

Why its counts are tiktoken's: the package ships each vocabulary inside its binary (it reads
and downloads nothing), and the test suite checks that every token of both vocabularies is the
token of the same rank in tokcost's bundled, hash-checked file, and that every count equals
tiktoken's on the bench corpus excerpt and on an adversarial set (tests/test_fast_encoder.py).
At run time a probe text must encode to the ids tiktoken gives it, or tiktoken is used.

What it cannot do, done here as tiktoken does it: a lone surrogate (text that is not valid
UTF-16) is refused by it; tiktoken replaces it with U+FFFD by a UTF-16 round trip, and so does
:func:`counter`. Text that looks like a special token is ordinary text to both.

``TOKCOST_FAST_ENCODER=0`` (read once) makes tokcost count with tiktoken alone; so does
:func:`set_enabled`, for tests and comparisons. Its calls hold the GIL: more cores need
processes (``count --jobs N``), not threads.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

FAST_ENV_VAR = "TOKCOST_FAST_ENCODER"
PACKAGE = "splintr-rs"
# The version whose counts the tests compared with tiktoken's (and that tokcost[fast] pins):
# another may count differently, so it is not used.
VERSION = "0.22.0"

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

_enabled: bool | None = None  # None: not yet read from the environment
_why_not: dict[str, str] = {}


def enabled() -> bool:
    """Whether tokcost may use the fast encoder: ``TOKCOST_FAST_ENCODER`` (read once), unless
    :func:`set_enabled` said otherwise."""
    global _enabled
    if _enabled is None:
        _enabled = os.environ.get(FAST_ENV_VAR, "1").strip().lower() not in (
            "0", "off", "no", "false")
    return _enabled


def set_enabled(on: bool | None) -> None:
    """Allow or forbid the fast encoder for counters made from now on; None: as
    ``TOKCOST_FAST_ENCODER`` says (read again)."""
    global _enabled
    _enabled = on
    counter.cache_clear()
    _built.cache_clear()
    _why_not.clear()


def why_not(name: str) -> str | None:
    """Why :func:`counter` gave no fast count for this encoding (None: it did, or was not
    asked)."""
    return _why_not.get(name)


def build(name: str) -> None:
    """Build the fast encoder of ``name`` (a failure is left for :func:`counter` to report),
    so that worker processes forked from this one after share it rather than each building
    its own."""
    _built(name)


@functools.cache
def _built(name: str) -> tuple[Any, str | None]:
    """The package's encoder of ``name``, built; or None and why it cannot be used here."""
    if not enabled():
        return None, f"{FAST_ENV_VAR} is off"
    if name not in PROBE_IDS:
        return None, f"{PACKAGE} is not checked against tiktoken for {name}"
    try:
        import splintr
    except ImportError:
        return None, f"{PACKAGE} is not installed (pip install 'tokcost[fast]')"
    version = getattr(splintr, "__version__", "?")
    if version != VERSION:
        return None, f"{PACKAGE} {version} is installed; tokcost is checked with {VERSION}"
    try:
        return splintr.Tokenizer.from_pretrained(name), None
    except Exception as error:  # whatever a broken build raises: tiktoken counts instead
        return None, f"{PACKAGE} failed its self-check on {name}: {error}"


@functools.cache
def counter(name: str) -> Count | None:
    """The encoding's count of a text (as ``len(encode_ordinary(text))`` gives it) from the fast
    encoder, or None when it cannot be used here: see :func:`why_not`."""
    tokenizer, why = _built(name)
    if why is None:
        try:
            if tokenizer.encode_ordinary(PROBE) != PROBE_IDS[name]:
                why = f"{PACKAGE} failed its self-check on {name}: not tiktoken's ids"
        except Exception as error:  # whatever a broken build raises: tiktoken counts instead
            why = f"{PACKAGE} failed its self-check on {name}: {error}"
    if why is not None:
        _why_not[name] = why
        return None
    # It has no count-only call; making the list of ids costs little beside the encoding.
    encode: Callable[[str], list[int]] = tokenizer.encode_ordinary

    def counted(text: str) -> int:
        try:
            return len(encode(text))
        except UnicodeEncodeError:  # a lone surrogate: what tiktoken's encode_ordinary does
            return len(encode(text.encode("utf-16", "surrogatepass").decode("utf-16",
                                                                              "replace")))

    return counted

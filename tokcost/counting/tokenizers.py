"""Tokenizer encodings: the bundled ones verified and loaded offline, others through tiktoken.

``o200k_base`` and ``cl100k_base`` ship inside the package with the SHA-256 sums tiktoken pins.
They are built by tiktoken's own constructors (so the split pattern and special tokens are
tiktoken's), with the download replaced by the bundled file after its hash is checked.

Counting goes through :func:`text_counter`, the one place that chooses who counts: the fast
exact encoder (``fast.py``) where it is installed and passes its self-check, else tiktoken.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import marshal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokcost.cache import content_key, read_entry, write_entry
from tokcost.errors import TokenizerUnavailableError

if TYPE_CHECKING:
    import tiktoken

_BUNDLED_FOLDER = Path(__file__).parent / "encodings"  # installed unpacked, as pip does
_loader_lock = threading.Lock()


@functools.cache
def bundled_hashes() -> dict[str, str]:
    """Encoding name -> expected SHA-256, from the bundled SHA256SUMS."""
    text = (_BUNDLED_FOLDER / "SHA256SUMS").read_text("ascii")
    hashes = {}
    for line in text.splitlines():
        if line.strip():
            digest, filename = line.split()
            hashes[filename.removesuffix(".tiktoken")] = digest
    return hashes


def _bundled_ranks(name: str, pinned_hash: str | None) -> dict[bytes, int]:
    expected = bundled_hashes()[name]
    if pinned_hash is not None and pinned_hash != expected:
        raise TokenizerUnavailableError(
            f"tiktoken pins {name} to a different file than the one bundled; "
            "upgrade tokcost to match the installed tiktoken"
        )
    # The cache entry was made from the file after its hash was checked, and is named by that
    # hash (and tokcost's version); it carries a checksum of its own.
    cache_name = f"{name}-{content_key(expected)}.ranks"
    cached = _ranks_from_cache(cache_name)
    if cached is not None:
        return cached
    data = (_BUNDLED_FOLDER / f"{name}.tiktoken").read_bytes()
    if hashlib.sha256(data).hexdigest() != expected:
        raise TokenizerUnavailableError(
            f"the bundled {name} file is damaged (SHA-256 mismatch); reinstall tokcost"
        )
    ranks = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    if all(rank == index for index, rank in enumerate(ranks.values())):
        write_entry(cache_name, marshal.dumps(list(ranks)))
    return ranks


def _ranks_from_cache(cache_name: str) -> dict[bytes, int] | None:
    """Ranks from the cache: a marshal'd list of tokens in rank order (parsing the base64 file
    takes about 0.2 s; this takes about 0.03 s)."""
    payload = read_entry(cache_name)
    if payload is None:
        return None
    try:
        tokens = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if type(tokens) is not list:  # the checksum already vouched for the contents
        return None
    return dict(zip(tokens, range(len(tokens)), strict=True))


@contextmanager
def _ranks_from_bundle(module: Any, name: str) -> Iterator[None]:
    """Within the block, tiktoken's constructor reads the bundled file instead of downloading."""
    original = module.load_tiktoken_bpe

    def load_bundled(_url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        return _bundled_ranks(name, expected_hash)

    with _loader_lock:
        module.load_tiktoken_bpe = load_bundled
        try:
            yield
        finally:
            module.load_tiktoken_bpe = original


@functools.cache
def get_encoding(name: str) -> tiktoken.Encoding:
    """The encoding by name: bundled ones offline, any other through tiktoken's own loader."""
    import tiktoken

    if name in bundled_hashes():
        from tiktoken_ext import openai_public

        with _ranks_from_bundle(openai_public, name):
            spec = getattr(openai_public, name)()
        return tiktoken.Encoding(**spec)
    try:
        return tiktoken.get_encoding(name)
    except Exception as error:  # tiktoken raises ValueError, network and file errors alike
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise TokenizerUnavailableError(
            f"encoding {name!r} is not bundled ({', '.join(bundled_hashes())} are) and tiktoken "
            f"could not load it: {reason}"
        ) from None


def text_counter(name: str) -> Callable[[str], int]:
    """How a text becomes its count of tokens in this encoding, as ``len(encode_ordinary(text))``
    (text that looks like a special token is ordinary text): the fast exact encoder where it
    can be used (``fast.py``), else tiktoken, which is then built (and only then)."""
    from tokcost.counting import fast

    counted = fast.counter(name)
    if counted is not None:
        return counted
    encode = get_encoding(name).encode_ordinary
    return lambda text: len(encode(text))

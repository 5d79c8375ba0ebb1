"""A small on-disk cache of derived data, so that commands start quickly.

What is cached is always rebuilt from a verified source (a bundled encoding whose SHA-256 was
checked, a price table that validated) and keyed by that source's hash. Each entry carries a
SHA-256 of its own payload, so a damaged entry is noticed and rebuilt. Nothing here ever runs
code from the cache: entries are plain data (marshal'd lists, JSON).

The cache lives in ``$TOKCOST_CACHE_DIR``, else ``$XDG_CACHE_HOME/tokcost``, else
``~/.cache/tokcost``. ``TOKCOST_CACHE_DIR=""`` turns it off. A cache that cannot be written is
simply not used.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

_MAGIC = b"tokcost-cache-1\n"
_DIGEST_SIZE = 32


def cache_dir() -> Path | None:
    """Where the cache lives, or None when it is turned off."""
    configured = os.environ.get("TOKCOST_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tokcost"


def read_entry(name: str) -> bytes | None:
    """The payload stored under ``name``, or None when absent, damaged or turned off."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = (folder / name).read_bytes()
    except OSError:
        return None
    header = len(_MAGIC) + _DIGEST_SIZE
    if not data.startswith(_MAGIC) or len(data) < header:
        return None
    digest, payload = data[len(_MAGIC):header], data[header:]
    if hashlib.sha256(payload).digest() != digest:
        return None
    return payload


def write_entry(name: str, payload: bytes) -> None:
    """Store ``payload`` under ``name`` atomically; quietly do nothing if that fails."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(handle, "wb") as out:
            out.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(temporary, folder / name)
    except OSError:
        pass

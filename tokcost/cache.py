"""A small on-disk cache of derived data, so that commands start quickly.

What is cached is always rebuilt from a verified source (a bundled encoding whose SHA-256 was
checked, a price table that validated) and keyed by that source's content. Each entry carries a
CRC-32 of its own payload, so a damaged or cut-short entry is noticed and rebuilt (zlib, unlike
hashlib, costs nothing to import, and this runs at every start). Nothing here ever runs code
from the cache: entries are plain data (marshal'd lists, JSON).

The cache lives in ``$TOKCOST_CACHE_DIR``, else ``$XDG_CACHE_HOME/tokcost``, else
``~/.cache/tokcost``. ``TOKCOST_CACHE_DIR=""`` turns it off. A cache that cannot be written is
simply not used.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

_MAGIC = b"tokcost-cache-2\n"
_CHECK_SIZE = 4


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
    header = len(_MAGIC) + _CHECK_SIZE
    if not data.startswith(_MAGIC) or len(data) < header:
        return None
    check, payload = data[len(_MAGIC):header], data[header:]
    if _checksum(payload) != check:
        return None
    return payload


def _checksum(payload: bytes) -> bytes:
    return zlib.crc32(payload).to_bytes(_CHECK_SIZE, "big")


def write_entry(name: str, payload: bytes) -> None:
    """Store ``payload`` under ``name`` atomically; quietly do nothing if that fails."""
    folder = cache_dir()
    if folder is None:
        return
    import tempfile  # only writers need it, and it pulls in shutil (~9 ms)

    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(handle, "wb") as out:
            out.write(_MAGIC + _checksum(payload) + payload)
        os.replace(temporary, folder / name)
    except OSError:
        pass


def content_key(text: str) -> str:
    """A short key for a text's content (CRC-32 and length: enough to notice any edit)."""
    data = text.encode()
    return f"{zlib.crc32(data):08x}{len(data):x}"

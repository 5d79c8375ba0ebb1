"""A small on-disk cache of derived data, so that commands start quickly.

What is cached is always rebuilt from a verified source (a bundled encoding whose SHA-256 was
checked, a price table that validated) and named by :func:`content_key`: a SHA-256 of that
source's content and of tokcost's version, so that no other content (nor an entry another
release laid out differently) can be taken for it. Each entry also carries a CRC-32 of its own
payload, so a damaged or cut-short entry is noticed and rebuilt; readers still check that what
they get has the shape they wrote, as a file in the cache folder may have been put there by
anything. Nothing here ever runs code from the cache: entries are plain data (marshal'd lists,
JSON).

The cache lives in ``$TOKCOST_CACHE_DIR``, else ``$XDG_CACHE_HOME/tokcost``, else
``~/.cache/tokcost``. ``TOKCOST_CACHE_DIR=""`` turns it off. A cache that cannot be written is
simply not used.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from tokcost._version import __version__

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
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(_MAGIC + _checksum(payload) + payload)
        os.replace(temporary, folder / name)
    except OSError:
        pass
    finally:
        # A write cut short (a full disk, Ctrl-C) must not leave its half-written file behind.
        if os.path.lexists(temporary):
            try:
                os.unlink(temporary)
            except OSError:
                pass


def content_key(content: str | bytes) -> str:
    """The key of an entry derived from ``content``: a SHA-256 of it and of tokcost's version.

    A cryptographic hash, because a checksum (CRC-32, even with the length) lets a different
    content be made to share a key and so be given another's cached result; the version,
    because another release may derive a different entry from the same content.
    """
    import hashlib  # ~7 ms, paid only by the commands that read a cache entry

    data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    digest = hashlib.sha256(__version__.encode() + b"\0")
    digest.update(data)
    return digest.hexdigest()

"""Reading the small files a user names, with a size limit, and writing the files asked for.

Price tables, system prompts and calibration files are read whole. Each is read through
:func:`read_small_file`, with a limit of its own: without one, a device (``/dev/zero``,
``/dev/urandom``) or a pipe that never ends is read until memory runs out. A device is refused
before it is opened; a pipe or FIFO (``--pricing <(curl ...)``) is read, up to the limit, once
something writes to it: a named pipe that nothing writes to is an error after a wait, where
opening it plainly would wait for a writer for ever.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from tokcost.errors import TokcostError, UnreadableFileError

MIB = 1 << 20
# Far above any real one (the bundled tables are under 50 KiB each, a calibration file a few).
PRICE_TABLE_LIMIT = 16 * MIB
CALIBRATION_LIMIT = 16 * MIB
# More text than the largest context window (about 2 million tokens, some 8 MB of text) holds.
SYSTEM_PROMPT_LIMIT = 32 * MIB
# LiteLLM's price list is about 1.5 MB; genai-prices' is smaller.
PRICE_LIST_LIMIT = 256 * MIB
# How long a named pipe may stay silent (no byte, no end) before it is taken for one that
# nothing writes to. Once it has started, it is read for as long as it takes.
PIPE_WAIT_SECONDS = 10.0


def read_small_file(path: str | os.PathLike[str], limit: int, kind: str) -> bytes:
    """The bytes of a file that must be small; UnreadableFileError says why not, calling the
    file ``kind`` (``"price table"``, ``"system prompt"``)."""
    name = str(path)
    try:
        if stat.S_ISFIFO(refuse_device(path, kind)):
            data = _read_pipe(path, limit, kind)
        else:
            with open(path, "rb") as stream:
                data = stream.read(limit + 1)  # a byte past the limit tells a longer file apart
    except OSError as error:
        raise UnreadableFileError(name, why_unreadable(error, kind)) from None
    if len(data) > limit:
        raise UnreadableFileError(name, f"is larger than {limit // MIB} MiB, more than any "
                                        f"{kind} needs; check that this is the right file")
    return data


def why_unreadable(error: OSError, kind: str = "file") -> str:
    """What is wrong with a file that could not be opened, in the same words for every file
    a command reads: "no such file", "is a directory, not a price table"..."""
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return f"is a directory, not a {kind}"
    if isinstance(error, PermissionError):
        return "permission denied; check the file's permissions"
    return f"cannot be read: {error.strerror or error}"


def refuse_device(path: str | os.PathLike[str], kind: str) -> int:
    """Refuse a character or block device (``/dev/zero``) where a file is read whole: it would
    be read until memory runs out. OSError (no such file...) is the caller's to report. The
    file's mode, for a caller that treats a pipe apart."""
    mode = os.stat(path).st_mode
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise UnreadableFileError(str(path), f"is a device, not a {kind}; give the path of a "
                                             "file")
    return mode


def _read_pipe(path: str | os.PathLike[str], limit: int, kind: str) -> bytes:
    """Up to ``limit + 1`` bytes of a pipe: opened without waiting for a writer, then read once
    it gives a byte or ends, if that happens within PIPE_WAIT_SECONDS."""
    import select

    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        ready, _, _ = select.select([descriptor], [], [], PIPE_WAIT_SECONDS)
        if not ready:
            raise UnreadableFileError(
                str(path), f"is a named pipe that nothing wrote to in {PIPE_WAIT_SECONDS:g} s; "
                           f"start the program that writes the {kind} to it first, or give "
                           "the path of a file")
        os.set_blocking(descriptor, True)
        with os.fdopen(descriptor, "rb") as stream:
            descriptor = -1  # the stream closes it
            return stream.read(limit + 1)
    finally:
        if descriptor >= 0:
            os.close(descriptor)


def write_text_file(path: Path, text: str, option: str) -> None:
    """Write a file that an option (``--output``) names; a failure (a full disk, a folder
    that went away) is one line naming the file and the option.

    The text goes to a temporary file beside it, renamed over it once whole, so that a failure
    halfway leaves the file as it was, never cut short. (A device or pipe, ``/dev/stdout``, is
    written as it is; a symbolic link's target is replaced, not the link.)"""
    try:
        target = Path(os.path.realpath(path))
        try:
            status: os.stat_result | None = os.stat(target)
        except FileNotFoundError:
            status = None
        if status is not None and not stat.S_ISREG(status.st_mode):
            target.write_text(text, "utf-8")
            return
        _replace_atomically(target, text, status)
    except OSError as error:
        raise TokcostError(f"{path}: cannot write: {error.strerror or error}; choose another "
                           f"{option}") from None


def _replace_atomically(target: Path, text: str, status: os.stat_result | None) -> None:
    import tempfile

    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if status is not None:  # the file keeps its permissions
            mode = stat.S_IMODE(status.st_mode)
        else:  # a new file gets those any new file would (mkstemp's are owner-only)
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise

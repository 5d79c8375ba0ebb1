"""Inputs named by URL: ``s3://``, ``gs://``, ``hf://``, ``https://`` and the other schemes that
fsspec reads.

Reading one is network use, as ``--exact`` is, and happens only for an input the user names as a
URL: fsspec and the storage's own package (s3fs for ``s3://``, gcsfs for ``gs://``,
huggingface_hub for ``hf://``) are imported here alone, never for a local path. tokcost passes no
credentials: each storage's library finds its own where it always looks (for S3, botocore reads
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, AWS_PROFILE and ~/.aws, and
AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_S3 for an S3-compatible store).

A URL names a file; a bucket, or a prefix that holds objects (written with or without a final
``/``), names a folder, expanded as a local folder is (its files with a counted suffix, sorted,
leaving out names that start with a dot); a URL with ``*``, ``?`` or ``[`` is a pattern, except
over HTTP, where those are parts of ordinary URLs. Files are read in blocks, as local ones are.

Every failure of the storage (no such bucket, access denied, no credentials, an endpoint that
does not answer) becomes one InputFileError naming the URL and what to do. Its text passes
through :func:`without_storage_secrets`, so that no secret key or session token shows in it, in
any form; nor does the query of an HTTP URL (a presigned URL's signature), which is left out of
the file's label too.
"""

from __future__ import annotations

import functools
import io
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable
from typing import IO, Any, Literal, NamedTuple, cast

from tokcost.errors import InputFileError, without_secrets

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_GLOB_CHARACTERS = frozenset("*?[")
# What one read asks the storage for: fewer, larger requests than the counting batches (2 MB),
# and still a fixed amount of memory however large the file.
READ_BLOCK_BYTES = 8 << 20
_SHOWN_DETAIL = 200  # characters of a storage's own message kept in an error line


class Storage(NamedTuple):
    """What reads a URL scheme and where its credentials come from, for the error lines."""

    package: str  # the fsspec implementation's package
    install: str  # how to get it
    credentials: str  # where the credentials are set
    endpoint: str = ""  # where another endpoint is set, if one can be
    buckets: bool = False  # whether a URL's host is a bucket (s3://bucket/key)


_S3 = Storage("s3fs", "pip install 'tokcost[datasets]'",
              "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary "
              "credentials), or AWS_PROFILE", "AWS_ENDPOINT_URL", buckets=True)
_GCS = Storage("gcsfs", "pip install gcsfs",
               "GOOGLE_APPLICATION_CREDENTIALS, or gcloud auth application-default login",
               buckets=True)
_HTTP = Storage("aiohttp", "pip install 'tokcost[datasets]'",
                "the URL (a private file needs a presigned URL)")
STORAGES = {
    "s3": _S3, "s3a": _S3,
    "gs": _GCS, "gcs": _GCS,
    "hf": Storage("huggingface_hub", "pip install huggingface_hub",
                  "HF_TOKEN, or hf auth login"),
    "http": _HTTP, "https": _HTTP,
}
_ANY_STORAGE = Storage("", "", "the storage's credentials")
_WITHOUT_PATTERNS = frozenset({"http", "https"})

# The environment a storage's library reads its settings and credentials from: a filesystem is
# made again when it changes (as between tests), and kept while it does not (one a run).
_SETTING_PREFIXES = ("AWS_", "BOTO", "GOOGLE_", "GCSFS_", "HF_", "HUGGING", "FSSPEC_")
# Variables and AWS settings (in ~/.aws/credentials and ~/.aws/config) that hold secrets.
_SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                     "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
_SECRET_SETTINGS = ("aws_secret_access_key", "aws_session_token", "aws_security_token")
_HIDDEN = "<secret>"


def is_url(argument: str) -> bool:
    """Whether an input names a URL (``scheme://...``) rather than a local path."""
    return _URL.match(argument) is not None


def url_label(url: str) -> str:
    """What a remote file is called in output: its URL, without the query of an HTTP URL (a
    presigned URL's signature)."""
    if _scheme(url) in _WITHOUT_PATTERNS:
        return urllib.parse.urlsplit(url)._replace(query="", fragment="").geturl()
    return url


class Expanded(NamedTuple):
    """What a URL names: a file, a folder or a pattern, and the URLs of the files in it."""

    kind: Literal["file", "folder", "pattern"]
    urls: list[str]


def expand_url(url: str, wanted: Callable[[str], bool]) -> Expanded:
    """The files a URL names: itself, a folder's files that ``wanted`` takes (by name), or a
    pattern's matches, sorted; InputFileError when the storage cannot say."""
    filesystem, path = _filesystem(url)
    scheme = _scheme(url)
    storage = STORAGES.get(scheme, _ANY_STORAGE)
    try:
        if scheme in _WITHOUT_PATTERNS:
            filesystem.info(path)  # only that it is there
            return Expanded("file", [url])
        if _GLOB_CHARACTERS & set(path):
            matches = filesystem.glob(path, detail=True)
            names = [name for name, info in matches.items()
                     if info.get("type") == "file" and _shown(name, path)]
            bucket = urllib.parse.urlsplit(url).netloc
            # A pattern in a bucket that is not there matches nothing, and says no more.
            if not names and storage.buckets and not filesystem.exists(bucket):
                raise InputFileError(f"{url}: " + _CODES["NoSuchBucket"].format(
                    **_advice(url, storage, "")))
            return Expanded("pattern", [filesystem.unstrip_protocol(name)
                                        for name in sorted(names, key=_parts)])
        # A URL ending in "/" is a folder (listing it says all there is to say); any other is
        # a file, or a folder by what the storage says it is.
        if not url.endswith("/") and filesystem.info(path).get("type") != "directory":
            return Expanded("file", [url])
        found = filesystem.find(path, detail=True)
        if not found:
            raise InputFileError(f"{url}: nothing is stored under this prefix; check the URL")
        names = [name for name, info in found.items()
                 if info.get("type") == "file" and wanted(name)
                 and not _hidden(name[len(path.rstrip("/")):])]
        return Expanded("folder", [filesystem.unstrip_protocol(name)
                                   for name in sorted(names, key=_parts)])
    except InputFileError:
        raise
    except Exception as error:  # the storage's libraries raise their own kinds; each is one line
        raise failure(url, error) from None


def open_remote(url: str) -> IO[bytes]:
    """A remote file, opened for reading in blocks: seekable where the storage is (so pyarrow
    can read it as a file), with its ``size``; a failure of the storage, now or while reading,
    is an InputFileError naming the URL."""
    filesystem, path = _filesystem(url)
    try:
        opened = filesystem.open(path, "rb", block_size=READ_BLOCK_BYTES)
    except Exception as error:
        raise failure(url, error) from None
    return cast(IO[bytes], RemoteFile(url, opened))


def remote_size(url: str) -> int | None:
    """A remote file's size in bytes (None when the storage does not say)."""
    filesystem, path = _filesystem(url)
    try:
        size = filesystem.info(path).get("size")
    except Exception as error:
        raise failure(url, error) from None
    return int(size) if size is not None else None


class RemoteFile(io.RawIOBase):
    """A file that fsspec opened, each failure of the storage turned into an InputFileError."""

    def __init__(self, url: str, opened: Any) -> None:
        super().__init__()
        self.url = url
        self._opened = opened
        self.size: int | None = getattr(opened, "size", None)

    def _do(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except InputFileError:
            raise
        except Exception as error:
            raise failure(self.url, error) from None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return bool(self._do(self._opened.seekable))

    def read(self, size: int | None = -1, /) -> bytes:
        return cast(bytes, self._do(lambda: self._opened.read(-1 if size is None else size)))

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0, /) -> int:
        return int(self._do(lambda: self._opened.seek(offset, whence)))

    def tell(self) -> int:
        return int(self._do(self._opened.tell))

    def close(self) -> None:
        if not self.closed:
            try:
                self._opened.close()
            except Exception:  # a read-only file has nothing left to lose
                pass
        super().close()


def failure(url: str, error: BaseException) -> InputFileError:
    """The one line that says what went wrong with the storage, and what to do."""
    storage = STORAGES.get(_scheme(url), _ANY_STORAGE)
    secrets = storage_secrets(url)
    detail = " ".join(without_secrets(str(error), secrets, _HIDDEN).split())[:_SHOWN_DETAIL]
    line = f"{url_label(url)}: {_what_failed(url, error, storage, detail)}"
    return InputFileError(without_secrets(line, secrets, _HIDDEN))


# Answers that S3 (and stores that speak its API) name by code, and what each means to do.
_CODES = {
    "NoSuchBucket": "no such bucket ({bucket}); check its name{endpoint}",
    "InvalidAccessKeyId": "the storage does not know this access key; check {credentials}",
    "SignatureDoesNotMatch": "the secret key does not match the access key; check "
                             "{credentials}",
    "ExpiredToken": "the session token has expired; get new temporary credentials "
                    "({credentials})",
    "InvalidToken": "the session token is not valid; check {credentials}",
    "AccessDenied": "access denied; check {credentials}, and that they may read it",
}
# Failures named by their class (as the libraries under fsspec name them; none is imported
# here), the first in an exception's class hierarchy deciding.
_KINDS = {
    "NoCredentialsError": "no credentials found; set {credentials}",
    "PartialCredentialsError": "incomplete credentials ({detail}); set {credentials}",
    "ConnectTimeoutError": "the storage did not answer in time ({detail}); check the network"
                           "{endpoint}, or try again",
    "ReadTimeoutError": "the storage did not answer in time ({detail}); try again",
    "TimeoutError": "the storage did not answer in time ({detail}); try again",
    "ServerTimeoutError": "the storage did not answer in time ({detail}); try again",
    "EndpointConnectionError": "could not reach the storage ({detail}); check the "
                               "network{endpoint}",
    "ClientConnectorError": "could not reach the storage ({detail}); check the network",
    "ConnectionError": "could not reach the storage ({detail}); check the network{endpoint}",
    "ClientResponseError": "the server refused the request ({detail}); check "
                           "{credentials}",
    "FileNotFoundError": "no such file",
    "IsADirectoryError": "is a directory",
    "PermissionError": "access denied ({detail}); check {credentials}, and that they may read "
                       "it",
    "OSError": "the storage refused the request ({detail}); check the URL and {credentials}",
}


def _advice(url: str, storage: Storage, detail: str) -> dict[str, str]:
    """What the lines of _CODES and _KINDS are filled in with."""
    return {
        "bucket": urllib.parse.urlsplit(url).netloc, "detail": detail,
        "credentials": storage.credentials,
        "endpoint": f" and {storage.endpoint}, if it is set" if storage.endpoint else "",
    }


def _what_failed(url: str, error: BaseException, storage: Storage, detail: str) -> str:
    values = _advice(url, storage, detail)
    code = _code(error)
    if code in _CODES:
        return _CODES[code].format(**values)
    for kind in type(error).__mro__:
        if kind.__name__ in _KINDS:
            return _KINDS[kind.__name__].format(**values)
    return (f"the storage failed ({type(error).__name__}: {detail}); check the URL, the network "
            f"and {storage.credentials}")


def _code(error: BaseException) -> str | None:
    """The error code an S3-style answer gave, found on the error or what caused it."""
    seen: BaseException | None = error
    for _ in range(5):  # a short chain: s3fs raises an OSError from botocore's ClientError
        if seen is None:
            return None
        response = getattr(seen, "response", None)
        if isinstance(response, dict):
            code = response.get("Error", {}).get("Code")
            if isinstance(code, str):
                return code
        seen = seen.__cause__ or seen.__context__
    return None


def storage_secrets(url: str = "") -> list[str]:
    """The secrets that an error line must not show: object storage's secret keys and tokens
    in the environment and in the AWS credentials and config files, and the query of an HTTP
    ``url`` (where a presigned URL keeps its signature)."""
    found = [os.environ.get(name, "") for name in _SECRET_VARIABLES]
    for variable, default in (("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
                              ("AWS_CONFIG_FILE", "~/.aws/config")):
        found.extend(_secret_settings(os.path.expanduser(os.environ.get(variable) or default)))
    if url and _scheme(url) in _WITHOUT_PATTERNS:
        found.append(urllib.parse.urlsplit(url).query)
    return [secret for secret in found if secret.strip()]


def without_storage_secrets(text: str) -> str:
    """``text`` with no trace of object storage's secrets (see :func:`storage_secrets`)."""
    return without_secrets(text, storage_secrets(), _HIDDEN)


def _secret_settings(path: str) -> Iterable[str]:
    """The secrets an AWS credentials or config file holds (none when there is no such file)."""
    try:
        changed = os.stat(path).st_mtime_ns
    except OSError:
        return ()
    return _read_secret_settings(path, changed)


@functools.lru_cache(maxsize=4)
def _read_secret_settings(path: str, changed: int) -> tuple[str, ...]:
    """(Read again only when the file changes: every error line is checked against them.)"""
    import configparser

    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return ()
    return tuple(parser.get(section, name) for section in parser.sections()
                 for name in _SECRET_SETTINGS if parser.has_option(section, name))


def _scheme(url: str) -> str:
    return url.partition("://")[0].lower()


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem that reads ``url``, and the path it knows the file by."""
    scheme = _scheme(url)
    try:
        import fsspec  # noqa: F401 - only to say what is missing
    except ImportError:
        raise InputFileError(f"{url_label(url)}: reading URLs needs fsspec: pip install "
                             "'tokcost[datasets]'") from None
    settings = tuple(sorted((name, value) for name, value in os.environ.items()
                            if name.startswith(_SETTING_PREFIXES)))
    try:
        filesystem = _made_filesystem(scheme, settings)
    except ImportError as error:
        storage = STORAGES.get(scheme)
        needed = f"{storage.package}: {storage.install}" if storage else f"its package ({error})"
        raise InputFileError(f"{url_label(url)}: reading {scheme}:// URLs needs "
                             f"{needed}") from None
    except ValueError:
        raise InputFileError(f"{url_label(url)}: no storage reads {scheme}:// URLs (tokcost "
                             "reads s3://, gs://, hf://, https:// and the other schemes fsspec "
                             "knows); check the URL") from None
    except Exception as error:
        raise failure(url, error) from None
    return filesystem, filesystem._strip_protocol(url)


@functools.lru_cache(maxsize=8)
def _made_filesystem(scheme: str, settings: tuple[tuple[str, str], ...]) -> Any:
    """One filesystem a scheme and settings: made once for all the files of a run (each is a
    session and its connections), and made again, not taken from fsspec's own cache, when the
    settings are not those it was made with."""
    import fsspec

    return fsspec.filesystem(scheme, skip_instance_cache=True)


def _parts(name: str) -> list[str]:
    """What a name is sorted by: its parts, as a local folder's paths are sorted (a/x before
    a-b/x)."""
    return name.split("/")


def _hidden(relative: str) -> bool:
    """Whether a path inside a folder has a part whose name starts with a dot."""
    return any(part.startswith(".") for part in relative.split("/"))


def _shown(name: str, pattern: str) -> bool:
    """Whether a pattern's match is kept: as for a local pattern, names that start with a dot
    only when the pattern names such a part itself."""
    dotted = any(part.startswith(".") for part in pattern.split("/"))
    return dotted or not _hidden(name)

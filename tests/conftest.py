"""Shared fixtures: the price tables, and tokcost run the two ways users run it.

Tests import tokcost as installed (pytest's importlib mode keeps the checkout off sys.path), so
that a non-editable install in CI proves the price tables travel inside the package.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tokcost.cli import main
from tokcost.pricing.table import PriceTable, load_bundled, load_file

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
SEED_ERA = "2025-03-01"
# The table most tests were written against; the newest bundled one is 2026-12-01, which no
# longer lists claude-sonnet-4-5, gemini-2.5-pro and gemini-2.5-flash.
CURRENT = "2026-11-22"


@dataclass
class Result:
    status: int
    out: str
    err: str


@pytest.fixture(scope="session")
def current_table() -> PriceTable:
    return load_bundled(CURRENT)


@pytest.fixture
def on_current_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands price with the CURRENT table, as if the user had set TOKCOST_PRICING to it."""
    import tokcost.price_tables

    monkeypatch.setenv("TOKCOST_PRICING",
                       str(Path(tokcost.price_tables.__file__).parent / f"{CURRENT}.yaml"))


@pytest.fixture(scope="session")
def seed_table() -> PriceTable:
    return load_bundled(SEED_ERA)


@pytest.fixture(scope="session")
def costing_table() -> PriceTable:
    return load_file(DATA / "costing.yaml")


@pytest.fixture(scope="session", autouse=True)
def cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The tests' own tokcost cache, so that none is written into the developer's home; set
    for the whole session, before any session fixture loads a table."""
    folder = tmp_path_factory.mktemp("tokcost-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOKCOST_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, cache_folder: Path) -> None:
    """A developer's own $TOKCOST_* settings must not change what the tests see; paths in tests
    are relative to the repository."""
    for name in list(os.environ):
        if name.startswith("TOKCOST_"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("COLUMNS", raising=False)  # a terminal's width fits tables to it
    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(cache_folder))
    monkeypatch.chdir(ROOT)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run the CLI in this process (stdout is not a terminal, as in a pipe)."""

    def run(*args: str) -> Result:
        key = os.environ.get("ANTHROPIC_API_KEY", "")
        status = main(list(args))
        captured = capsys.readouterr()
        # Every run of every test: no trace of the API key in force, in any form, anywhere.
        if len(key.strip()) >= 8:
            shown = [trace for trace in traces_of_key(key)
                     if trace in captured.out or trace in captured.err]
            assert shown == [], f"the API key shows as {shown}"
        return Result(int(status), captured.out, captured.err)

    return run


# Machine formats name the price table in a note on stderr (tests/test_count.py checks it).
PRICED_NOTE = "tokcost: note: priced with price table "


@pytest.fixture
def cli_without_table_note(cli: Callable[..., Result]) -> Callable[..., Result]:
    """The CLI run in this process, its stderr without the note naming the price table: for
    tests about something else whose stderr is compared whole."""

    def run(*args: str) -> Result:
        result = cli(*args)
        kept = [line for line in result.err.splitlines(keepends=True)
                if not line.startswith(PRICED_NOTE)]
        return dataclasses.replace(result, err="".join(kept))

    return run


def _sigint_as_at_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def interruptible() -> Callable[[], None]:
    """A ``preexec_fn`` for a command that a test stops with Ctrl-C: SIGINT as at a terminal,
    even when the tests run where it is ignored (a background job of a shell without job
    control: its children inherit the ignoring, and Python then keeps it)."""
    return _sigint_as_at_a_terminal


@pytest.fixture(scope="session")
def big_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 114 MB of JSON Lines that take seconds to count with any encoder, for tests that
    stop a count while it runs: each line one message of random text (base64 of random bytes),
    which neither the memo of what has been counted nor an encoder's cache of pieces shortens
    (a text of one word repeated counts in a fraction of a second)."""
    big = tmp_path_factory.mktemp("big") / "big.jsonl"
    rng = random.Random(1)
    with big.open("w") as out:
        for _ in range(12_000):
            text = base64.b64encode(rng.randbytes(7_500)).decode()
            out.write(json.dumps([{"role": "user", "content": text}]) + "\n")
    return big


@pytest.fixture(scope="session")
def installed_command() -> str:
    """The `tokcost` console script of the environment running the tests."""
    beside_python = Path(sys.executable).parent / "tokcost"
    found = str(beside_python) if beside_python.exists() else shutil.which("tokcost")
    assert found, "the tokcost console script is not installed"
    return found


@pytest.fixture
def installed(installed_command: str, tmp_path: Path, cache_folder: Path
              ) -> Callable[..., Result]:
    """Run the installed command from an empty directory, as a new user would."""

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TOKCOST_")}
        environment["TOKCOST_CACHE_DIR"] = str(cache_folder)
        environment.update(env or {})
        done = subprocess.run([installed_command, *args], cwd=tmp_path, env=environment,
                              capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)
        key = environment.get("ANTHROPIC_API_KEY", "")
        if len(key.strip()) >= 8:  # as for `cli`: no trace of the key in force
            shown = [trace for trace in traces_of_key(key)
                     if trace in done.stdout or trace in done.stderr]
            assert shown == [], f"the API key shows as {shown}"
        return Result(done.returncode, done.stdout, done.stderr)

    return run


def traces_of_key(key: str) -> list[str]:
    """Every form in which ``key`` could be shown: as it is, as repr() and JSON write it,
    URL-encoded, and each run of 8 of its characters (a prefix, or a message cut short)."""
    import json
    import urllib.parse

    whole = [key, repr(key), json.dumps(key), urllib.parse.quote(key, safe=""),
             urllib.parse.quote_plus(key)]
    core = key.strip()
    return whole + [core[start:start + 8] for start in range(len(core) - 7)]


@pytest.fixture
def assert_no_key() -> Callable[[str, str], None]:
    """A check that a text shows no trace of an API key (see :func:`traces_of_key`)."""

    def check(text: str, key: str) -> None:
        shown = [trace for trace in traces_of_key(key) if trace in text]
        assert shown == [], f"the key shows as {shown} in: {text!r}"

    return check


# --- A stand-in for Anthropic's API, for tests/test_anthropic_exact.py -------------------------
# Imports are local to the functions below: this section comes after the file's import block.


@dataclass
class RecordedRequest:
    """One request the Anthropic stub received."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: object  # the parsed JSON body (None when there was none)


# The error type Anthropic's API names for each status (https://docs.anthropic.com/en/api/errors).
_ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


class AnthropicStub:
    """An HTTP server on 127.0.0.1 that answers ``POST /v1/messages/count_tokens`` the way
    Anthropic's API does and records every request it receives.

    ``url`` is its base URL; ``requests`` lists a :class:`RecordedRequest` per request, in order.
    By default every request is answered 200 with ``{"input_tokens": self.input_tokens}``;
    :meth:`script` makes the next requests get other answers first, and ``delay`` (seconds)
    holds every answer back, to make clients time out.
    """

    def __init__(self) -> None:
        import threading
        from http.server import ThreadingHTTPServer

        self.requests: list[RecordedRequest] = []
        self.input_tokens = 42
        self.delay = 0.0
        self._script: list[tuple[int, object]] = []
        self._lock = threading.Lock()
        class QuietServer(ThreadingHTTPServer):
            # Wait for answers still being written when the stub closes, so that nothing of one
            # test reaches the next; a client that hung up (a timeout test) is not an error.
            daemon_threads = False
            block_on_close = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass

        self._server = QuietServer(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval makes shutdown() quick (the default makes it take 0.5 s).
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def script(self, *answers: int | tuple[int, object]) -> None:
        """Answer the next requests, one each, with these: a status (an error gets Anthropic's
        error JSON for it), or a ``(status, JSON body)`` pair. Then 200s again."""
        with self._lock:
            self._script.extend(a if isinstance(a, tuple) else (a, None) for a in answers)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _answer(self, request: RecordedRequest) -> tuple[int, object]:
        with self._lock:
            self.requests.append(request)
            status, body = self._script.pop(0) if self._script else (200, None)
        if request.path != "/v1/messages/count_tokens" or request.method != "POST":
            status, body = 404, None
        if body is None and status == 200:
            body = {"input_tokens": self.input_tokens}
        elif body is None:
            kind = _ANTHROPIC_ERROR_TYPES.get(status, "api_error")
            body = {"type": "error", "error": {"type": kind, "message": f"stub says {status}"}}
        return status, body

    def _handler_class(self) -> type:
        import json
        import time
        from http.server import BaseHTTPRequestHandler

        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(size).decode()
                try:
                    parsed: object = json.loads(raw) if raw else None
                except ValueError:
                    parsed = raw
                headers = {name.lower(): value for name, value in self.headers.items()}
                status, body = stub._answer(
                    RecordedRequest(self.command, self.path, headers, parsed))
                data = json.dumps(body).encode()
                time.sleep(stub.delay)
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.send_header("request-id", f"req_stub_{len(stub.requests)}")
                if status == 429 or status >= 500:
                    # Tells the SDK (or any client) to retry after 1 ms, so retry tests are quick.
                    self.send_header("retry-after-ms", "1")
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout test); nothing to tell

            do_GET = do_POST

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep pytest's output clean

        return Handler


@pytest.fixture
def anthropic_stub(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AnthropicStub:
    """A fresh :class:`AnthropicStub`, stopped after the test. The developer's own Anthropic
    settings and proxies are cleared, so that nothing is sent anywhere but the stub."""
    for name in list(os.environ):
        if name.startswith("ANTHROPIC_") or name.lower() in (
                "http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.delenv(name)
    stub = AnthropicStub()
    request.addfinalizer(stub.close)
    return stub


@pytest.fixture
def on_a_terminal() -> Callable[[list[str], Path], tuple[int, str, bytes]]:
    """:func:`run_on_a_terminal`, for the tests (which import no helpers of their own)."""
    return run_on_a_terminal


def run_on_a_terminal(command: list[str], tmp_path: Path) -> tuple[int, str, bytes]:
    """Count a 5 MB text file with ``command`` (the arguments before the file) and ``-f csv``,
    its stderr on a pseudo-terminal (progress shows only there; CI's variable, which hides it,
    left out): the exit status, stdout, and what the terminal was sent."""
    import pty

    big = tmp_path / "big.txt"
    big.write_text("The quick brown fox jumps over the lazy dog.\n" * 120_000)
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    done = subprocess.run([*command[:2], str(big), "-f", "csv", *command[2:]],
                          stdout=subprocess.PIPE, stderr=follower, env=env, timeout=120)
    os.close(follower)
    shown = b""
    try:
        while chunk := os.read(leader, 65536):
            shown += chunk
    except OSError:  # the terminal is closed once the command has ended
        pass
    os.close(leader)
    return done.returncode, done.stdout.decode(), shown

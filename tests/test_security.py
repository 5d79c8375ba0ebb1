"""Security: nothing leaves the machine without --exact, and the API key is never shown."""

from __future__ import annotations

import os
import socket
import subprocess
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# Written against the 2026-11-22 table, whose models (Claude Sonnet 4.5, Gemini 2.5) the newest
# one no longer sells.
pytestmark = pytest.mark.usefixtures("on_current_table")

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
COUNT = Path(__file__).parent / "data" / "count"
FAKE_KEY = "sk-ant-api03-FAKE-KEY-FOR-TESTS-ZQXJ"
OFFLINE_COMMANDS = [
    ("count", str(COUNT / "anthropic_request.json"), "-m", "claude-sonnet-4-5", "-m", "gpt-4o"),
    ("count", str(COUNT / "cookbook_tools.json"), "--per-message"),
    ("project", "--rpd", "100", "--from", str(COUNT / "sharegpt_four_turns.json")),
    ("simulate", "--from", str(COUNT / "sharegpt_four_turns.json"), "-m", "claude-sonnet-4-5"),
    ("models",),
    ("pricing", "show", "claude-sonnet-4-5"),
]


@pytest.mark.parametrize("args", OFFLINE_COMMANDS)
def test_no_connection_without_exact(cli: Run, monkeypatch: pytest.MonkeyPatch,
                                     args: tuple[str, ...]) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("network use is not allowed here")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    result = cli(*args)
    assert result.status == 0, result.err
    assert attempts == []


def test_the_api_key_never_appears(anthropic_stub: Any, installed_command: str,
                                   tmp_path: Path, assert_no_key: Callable[[str, str], None]
                                   ) -> None:
    request = str(COUNT / "anthropic_request.json")
    env = {**os.environ, "ANTHROPIC_API_KEY": FAKE_KEY, "ANTHROPIC_BASE_URL": anthropic_stub.url}
    shown = []

    def echoing(text: str) -> tuple[int, object]:
        return (400, {"type": "error", "error": {"type": "invalid_request_error",
                                                 "message": text}})

    runs: list[tuple[dict[str, str], tuple[Any, ...]]] = [
        ({}, (401,)),  # refused key
        ({}, (403,)),
        ({}, (500, 500, 500, 500, 500)),  # retries run out
        ({"TOKCOST_DEBUG": "1"}, (401,)),  # even with tracebacks on
        ({}, (echoing(f"bad key {FAKE_KEY[:20]}"),)),  # a prefix, echoed
        ({}, (echoing(f"bad key {FAKE_KEY!r}"),)),  # repr, echoed
        ({}, (echoing(f"bad key {urllib.parse.quote_plus(FAKE_KEY)}"),)),  # URL-encoded
        ({}, (echoing("x" * 190 + FAKE_KEY),)),  # the key across the cut of a long message
        # Keys a key file leaves a line ending on: refused before any request.
        ({"ANTHROPIC_API_KEY": FAKE_KEY + "\n"}, ()),
        ({"ANTHROPIC_API_KEY": FAKE_KEY + "\r"}, ()),
        ({"ANTHROPIC_API_KEY": FAKE_KEY + "\r", "TOKCOST_DEBUG": "1"}, ()),
        ({}, ()),  # success
    ]
    for extra, script in runs:
        anthropic_stub.script(*script)
        before = len(anthropic_stub.requests)
        done = subprocess.run([installed_command, "count", request, "--exact", "-f", "csv"],
                              capture_output=True, text=True, env={**env, **extra},
                              cwd=tmp_path, timeout=120)
        shown.append(done.stdout + done.stderr)
        if extra.get("ANTHROPIC_API_KEY", FAKE_KEY) != FAKE_KEY:
            assert done.returncode == 1
            assert anthropic_stub.requests[before:] == []
            assert "has a space or line break at its start or end" in done.stderr
            if "TOKCOST_DEBUG" not in extra:  # with it, a traceback follows
                assert len(done.stderr.splitlines()) == 1, done.stderr
    for args in OFFLINE_COMMANDS:
        done = subprocess.run([installed_command, *args], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=120)
        shown.append(done.stdout + done.stderr)
    unreachable = {**env, "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}
    done = subprocess.run([installed_command, "count", request, "--exact"], capture_output=True,
                          text=True, env=unreachable, cwd=tmp_path, timeout=120)
    shown.append(done.stdout + done.stderr)
    for text in shown:
        assert_no_key(text, FAKE_KEY)
    assert sum("<api key>" in text for text in shown) == 4  # the four echoes
    assert any("refused the API key" in text for text in shown)
    assert "could not reach" in shown[-1]
    # The key did reach the one place it is for: the endpoint (in a header).
    assert any(FAKE_KEY in str(request.headers) for request in anthropic_stub.requests)


def test_a_base_url_login_never_appears(anthropic_stub: Any, installed_command: str,
                                       tmp_path: Path,
                                       assert_no_key: Callable[[str, str], None]) -> None:
    # A proxy's user name and password in ANTHROPIC_BASE_URL are as secret as the key.
    user, password = "proxy-user-0042", "S3cret/Proxy:Pass-77"
    login = f"{user}:{urllib.parse.quote(password, safe='')}"
    request = str(COUNT / "anthropic_request.json")
    env = {**os.environ, "ANTHROPIC_API_KEY": FAKE_KEY}

    def echoing(text: str) -> tuple[int, object]:
        return (400, {"type": "error", "error": {"type": "invalid_request_error",
                                                 "message": text}})

    stub = anthropic_stub.url.replace("http://", f"http://{login}@")
    runs = [
        (stub, (echoing(f"no entry for {password!r}"),)),  # repr, echoed
        (stub, (echoing(f"no entry for {urllib.parse.quote(password)}"),)),  # as in the URL
        (stub, (echoing(f"no entry for {user}:{password[:10]}"),)),  # a prefix, echoed
        (stub, (echoing(f"proxy at {stub}/v1/messages"),)),  # the whole URL, echoed
        (f"http://{login}@127.0.0.1:9", ()),  # unreachable
        (f"http://{user}:{password} x@127.0.0.1:9", ()),  # malformed: refused, not sent
    ]
    shown = []
    for url, script in runs:
        anthropic_stub.script(*script)
        done = subprocess.run([installed_command, "count", request, "--exact", "-f", "csv"],
                              capture_output=True, text=True,
                              env={**env, "ANTHROPIC_BASE_URL": url}, cwd=tmp_path, timeout=120)
        assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
        shown.append(done.stderr)
    for text in shown:
        assert_no_key(text, password)
        assert_no_key(text, user)
    assert all("<login>" in text for text in shown)
    assert shown[4] == (f"tokcost: error: {request}: conversation 1: claude-sonnet-4-5 not "
                        "counted: could not reach the Anthropic API at "
                        "http://<login>@127.0.0.1:9 ([Errno 111] Connection refused); check "
                        "the network connection and ANTHROPIC_BASE_URL\n")
    assert shown[5] == (f"tokcost: error: {request}: conversation 1: claude-sonnet-4-5 not "
                        "counted: ANTHROPIC_BASE_URL "
                        "'http://<login>@127.0.0.1:9' is not an http:// or https:// URL with a "
                        "host; set it to one (https://api.anthropic.com is Anthropic's), or "
                        "unset it\n")


def test_price_files_are_read_with_safe_yaml(cli: Run, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    table = tmp_path / "evil.yaml"
    table.write_text(f'!!python/object/apply:os.system ["touch {marker}"]\n')
    result = cli("models", "--pricing", str(table))
    assert result.status == 1
    assert not marker.exists()


def test_exact_help_says_it_sends_text_away(cli: Run) -> None:
    words = " ".join(cli("count", "--help").out.replace("│", " ").split())
    assert ("It and --cluster with an address are the only options that send your text off "
            "this machine.") in words


# A "/" and a "+", which URL-encoding changes.
AWS_STYLE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


@pytest.mark.parametrize("form", [
    AWS_STYLE_SECRET, urllib.parse.quote(AWS_STYLE_SECRET, safe=""),
    urllib.parse.quote_plus(AWS_STYLE_SECRET), repr(AWS_STYLE_SECRET), AWS_STYLE_SECRET[:20],
    AWS_STYLE_SECRET[12:]])
def test_a_secret_shows_as_one_mark_in_every_form(form: str) -> None:
    from tokcost.errors import without_secrets

    shown = without_secrets(f"signed with {form}, refused", [AWS_STYLE_SECRET])
    assert shown in ("signed with <secret>, refused", "signed with '<secret>', refused")

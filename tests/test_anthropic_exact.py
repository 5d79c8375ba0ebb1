"""Exact Claude token counts: the real anthropic SDK talking HTTP to a stub of Anthropic's API.

The stub (the ``anthropic_stub`` fixture in conftest.py) listens on 127.0.0.1 only, so these tests
send nothing anywhere else and need no real key.
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest

from tokcost.counting.anthropic_exact import _wait_before_retry, count_tokens_exact, without_key
from tokcost.errors import ApiError, TokcostError

KEY = "sk-ant-test-DO-NOT-LEAK-123"
MODEL = "claude-sonnet-4-5"
HELLO = {"messages": [{"role": "user", "content": "Hello, Claude"}]}
FULL = {
    "system": [{"type": "text", "text": "You are a weather bot."}],
    "tools": [
        {
            "name": "get_weather",
            "description": "The current weather in a city.",
            "input_schema": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        }
    ],
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": [{"type": "text", "text": "Let me look."}]},
        {"role": "user", "content": "Thanks"},
    ],
}


def count(stub: Any, payload: dict[str, Any] = HELLO, **options: Any) -> int:
    """count_tokens_exact against the stub, with a short timeout so a hang fails fast."""
    options.setdefault("api_key", KEY)
    options.setdefault("base_url", stub.url)
    options.setdefault("timeout", 3.0)
    return count_tokens_exact(payload, MODEL, **options)


def failure(stub: Any, payload: dict[str, Any] = HELLO, **options: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        count(stub, payload, **options)
    return caught.value


def key_sent(headers: dict[str, str]) -> str | None:
    """The API key a request carried. Anthropic's API takes it as ``x-api-key``; the installed
    SDK (2.x) sends it as ``Authorization: Bearer``; either is accepted here."""
    if "x-api-key" in headers:
        return headers["x-api-key"]
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" else None


def assert_clean(err: ApiError) -> None:
    """One line for the user, with neither the key nor a traceback, and nothing chained."""
    message = str(err)
    assert KEY not in message
    assert "Traceback" not in message
    assert "\n" not in message
    assert err.__cause__ is None and err.__suppress_context__
    assert isinstance(err, TokcostError)


def test_returns_the_count_the_api_reports(anthropic_stub: Any) -> None:
    anthropic_stub.input_tokens = 1234
    assert count(anthropic_stub) == 1234
    assert len(anthropic_stub.requests) == 1


def test_sends_model_system_tools_and_messages_in_anthropics_shape(anthropic_stub: Any) -> None:
    assert count(anthropic_stub, FULL) == 42
    [sent] = anthropic_stub.requests
    assert sent.method == "POST"
    assert sent.path == "/v1/messages/count_tokens"
    assert sent.headers["content-type"] == "application/json"
    assert "anthropic-version" in sent.headers
    assert key_sent(sent.headers) == KEY
    assert sent.body == {
        "model": "claude-sonnet-4-5",
        "system": [{"type": "text", "text": "You are a weather bot."}],
        "tools": [
            {
                "name": "get_weather",
                "description": "The current weather in a city.",
                "input_schema": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            }
        ],
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": [{"type": "text", "text": "Let me look."}]},
            {"role": "user", "content": "Thanks"},
        ],
    }


def test_sends_only_the_keys_the_payload_has(anthropic_stub: Any) -> None:
    count(anthropic_stub, {**HELLO, "system": "Be brief.", "max_tokens": 100})
    assert anthropic_stub.requests[0].body == {
        "model": "claude-sonnet-4-5",
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "Hello, Claude"}],
    }


def test_rate_limit_is_retried(anthropic_stub: Any) -> None:
    anthropic_stub.script(429, 200)
    assert count(anthropic_stub) == 42
    assert len(anthropic_stub.requests) == 2


def test_server_errors_are_retried(anthropic_stub: Any) -> None:
    anthropic_stub.script(500, 529, 200)
    assert count(anthropic_stub) == 42
    assert len(anthropic_stub.requests) == 3


def test_retries_run_out(anthropic_stub: Any) -> None:
    anthropic_stub.script(503, 503, 503, 503)
    err = failure(anthropic_stub, max_retries=2)
    assert len(anthropic_stub.requests) == 3
    assert "after 3 attempts" in str(err)
    assert "HTTP 503" in str(err)
    assert_clean(err)


def test_rate_limit_that_lasts_says_so(anthropic_stub: Any) -> None:
    anthropic_stub.script(429, 429)
    err = failure(anthropic_stub, max_retries=1)
    assert len(anthropic_stub.requests) == 2
    assert "rate limiting after 2 attempts" in str(err)
    assert_clean(err)


def test_refused_key_is_not_retried_and_not_leaked(anthropic_stub: Any) -> None:
    anthropic_stub.script((401, {
        "type": "error",
        "error": {"type": "authentication_error", "message": "invalid x-api-key"},
    }))
    err = failure(anthropic_stub)
    assert len(anthropic_stub.requests) == 1
    assert str(err) == (
        "the Anthropic API refused the API key (HTTP 401 authentication_error: invalid x-api-key); "
        "check that ANTHROPIC_API_KEY holds a valid key with access to this model"
    )
    assert err.__context__ is None  # the SDK's exception, whose request holds the key, is gone
    assert_clean(err)


def test_forbidden_key(anthropic_stub: Any) -> None:
    anthropic_stub.script(403)
    err = failure(anthropic_stub)
    assert "refused the API key (HTTP 403 permission_error: stub says 403)" in str(err)
    assert_clean(err)


def test_key_echoed_by_the_server_is_masked(anthropic_stub: Any) -> None:
    anthropic_stub.script((400, {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": f"bad header Bearer {KEY}"},
    }))
    err = failure(anthropic_stub)
    assert "bad header Bearer <api key>" in str(err)
    assert_clean(err)


# A key as a proxy or another provider's gateway might issue: characters that URL-encoding,
# repr() and JSON each write differently.
ODD_KEY = "sk-gw-a+b/c=d\\e-DO-NOT-LEAK-456"
NoKey = Callable[[str, str], None]


@pytest.mark.parametrize("echoed", [
    f"bad header Bearer {KEY[:14]}...",  # a prefix
    f"key {KEY[-12:]} revoked",  # an ending
    "x" * 185 + f" key {KEY} rejected",  # the key across the cut at 200 characters
    f"header value {KEY!r} refused",  # repr
    f"header value {KEY.encode()!r} refused",  # repr of the bytes sent
])
def test_any_part_of_the_key_the_server_echoes_is_hidden(anthropic_stub: Any, echoed: str,
                                                         assert_no_key: NoKey) -> None:
    anthropic_stub.script((400, {
        "type": "error", "error": {"type": "invalid_request_error", "message": echoed}}))
    err = failure(anthropic_stub)
    assert "<api key>" in str(err)
    assert str(err).startswith("the Anthropic API rejected the request (HTTP 400 ")
    assert_no_key(str(err), KEY)
    assert_clean(err)


@pytest.mark.parametrize("form", [
    urllib.parse.quote(ODD_KEY, safe=""), urllib.parse.quote_plus(ODD_KEY), repr(ODD_KEY),
    json.dumps(ODD_KEY), ODD_KEY, ODD_KEY[:9]])
def test_the_key_is_hidden_in_every_form(form: str, assert_no_key: NoKey) -> None:
    shown = without_key(f"the server said: {form} is not a key", ODD_KEY)
    assert shown.startswith("the server said: ")
    assert "<api key>" in shown
    assert_no_key(shown, ODD_KEY)


def test_short_runs_and_other_text_are_left_alone() -> None:
    assert without_key("sk-ant- is every key's prefix; model claude-sonnet-4-5", KEY) == (
        "sk-ant- is every key's prefix; model claude-sonnet-4-5")


@pytest.mark.parametrize("spoiled", [KEY + "\n", KEY + "\r", KEY + "\r\n", " " + KEY,
                                     "\t" + KEY + " "])
def test_a_key_with_surrounding_whitespace_is_refused_before_any_request(
        anthropic_stub: Any, spoiled: str, assert_no_key: NoKey) -> None:
    err = failure(anthropic_stub, api_key=spoiled)
    assert str(err) == (
        "the api_key given has a space or line break at its start or end (a key file saved "
        "with a line ending leaves one); remove it, e.g. export "
        "ANTHROPIC_API_KEY=\"$(tr -d '[:space:]' < key.txt)\"")
    assert anthropic_stub.requests == []
    assert_no_key(str(err), spoiled)


def test_a_key_from_the_environment_with_a_windows_line_ending_is_refused(
        anthropic_stub: Any, monkeypatch: pytest.MonkeyPatch, assert_no_key: NoKey) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY + "\r")
    err = failure(anthropic_stub, api_key=None)
    assert str(err).startswith("ANTHROPIC_API_KEY has a space or line break at its start or end")
    assert anthropic_stub.requests == []
    assert_no_key(str(err), KEY)


@pytest.mark.parametrize("spoiled", ["sk-ant-te st-123", "sk-ant-tést-123", "sk-ant-te\x7fst",
                                     "sk-ant-te\nst-123"])
def test_a_key_with_a_character_no_header_can_carry_is_refused(
        anthropic_stub: Any, spoiled: str, assert_no_key: NoKey) -> None:
    err = failure(anthropic_stub, api_key=spoiled)
    assert str(err) == (
        "the api_key given holds a character an API key cannot have (a space, a control "
        "character or a letter outside ASCII); copy the key again from the Anthropic console")
    assert anthropic_stub.requests == []
    assert_no_key(str(err), spoiled)


@pytest.mark.parametrize(("body", "reason"), [
    ({"tokens": 42}, "input_tokens is None, not a count"),
    ({"input_tokens": "many"}, "input_tokens is 'many', not a count"),
    ({"input_tokens": -1}, "input_tokens is -1, not a count"),
    ("a page from a proxy", "input_tokens is None, not a count"),
])
def test_an_answer_without_a_count_is_an_api_error(anthropic_stub: Any, body: object,
                                                   reason: str) -> None:
    anthropic_stub.script((200, body))
    err = failure(anthropic_stub)
    assert str(err) == (f"the Anthropic API at {anthropic_stub.url} answered without a token "
                        f"count ({reason}); check ANTHROPIC_BASE_URL")
    assert_clean(err)


def test_unknown_model(anthropic_stub: Any) -> None:
    anthropic_stub.script((404, {
        "type": "error",
        "error": {"type": "not_found_error", "message": "model: claude-sonnet-4-5"},
    }))
    err = failure(anthropic_stub)
    assert str(err) == (
        "the Anthropic API does not know model 'claude-sonnet-4-5' "
        "(HTTP 404 not_found_error: model: claude-sonnet-4-5); check the model name"
    )
    assert_clean(err)


def test_other_status_gives_code_and_api_message(anthropic_stub: Any) -> None:
    anthropic_stub.script((400, {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "messages: at least one message"},
    }))
    err = failure(anthropic_stub)
    assert str(err) == (
        "the Anthropic API rejected the request "
        "(HTTP 400 invalid_request_error: messages: at least one message); check the request"
    )
    assert len(anthropic_stub.requests) == 1
    assert_clean(err)


def test_unreachable_endpoint_names_the_url(anthropic_stub: Any) -> None:
    # A port that is bound but not listening refuses connections, and nobody else can take it.
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
        err = failure(anthropic_stub, base_url=url)
    assert f"could not reach the Anthropic API at {url}" in str(err)
    assert "ANTHROPIC_BASE_URL" in str(err)
    assert_clean(err)


def test_slow_endpoint_times_out_without_retrying(anthropic_stub: Any) -> None:
    anthropic_stub.delay = 1.0
    err = failure(anthropic_stub, timeout=0.2)
    assert str(err) == (
        f"the Anthropic API at {anthropic_stub.url} did not answer within 0.2 s; "
        "check the network connection and ANTHROPIC_BASE_URL, or try again later"
    )
    assert len(anthropic_stub.requests) == 1
    assert_clean(err)


def test_missing_key(anthropic_stub: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    err = failure(anthropic_stub, api_key=None)
    assert str(err) == (
        "--exact needs an Anthropic API key: set ANTHROPIC_API_KEY, "
        "or leave out --exact to count offline"
    )
    assert anthropic_stub.requests == []


def test_key_and_base_url_from_the_environment(
    anthropic_stub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_stub.url)
    anthropic_stub.input_tokens = 7
    assert count_tokens_exact(HELLO, MODEL, timeout=3.0) == 7
    [sent] = anthropic_stub.requests
    assert key_sent(sent.headers) == KEY


def test_key_is_not_logged(anthropic_stub: Any, caplog: pytest.LogCaptureFixture) -> None:
    anthropic_stub.script(429, 200, 401)
    with caplog.at_level(logging.DEBUG):
        count(anthropic_stub)
        failure(anthropic_stub)
    assert "count_tokens" in caplog.text  # the SDK and httpx2 did log the requests
    assert KEY not in caplog.text


def test_long_retry_after_is_capped() -> None:
    assert _wait_before_retry({"retry-after-ms": "250"}, 1) == 0.25
    assert _wait_before_retry({"retry-after": "2"}, 1) == 2.0
    assert _wait_before_retry({"retry-after": "3600"}, 1) == 60.0
    assert 0.375 <= _wait_before_retry({}, 1) <= 0.5
    assert 6.0 <= _wait_before_retry({"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"}, 9) <= 8.0


def test_importing_does_not_import_anthropic() -> None:
    code = (
        "import sys, tokcost.counting.anthropic_exact\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'anthropic'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("url", ["http://[::1", "localhost:8080", "http://host:abc", "https://",
                                 "http://exa mple.com", "ftp://example.com"])
def test_a_malformed_base_url_is_one_line_before_any_request(
        anthropic_stub: Any, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
    with pytest.raises(ApiError) as caught:
        count_tokens_exact(HELLO, "claude-sonnet-4-5", api_key="sk-ant-test-key")
    assert str(caught.value) == (
        f"ANTHROPIC_BASE_URL {url!r} is not an http:// or https:// URL with a host; set it to "
        "one (https://api.anthropic.com is Anthropic's), or unset it")
    assert anthropic_stub.requests == []


def test_a_malformed_base_url_in_count_exact_is_one_line(
        anthropic_stub: Any, monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://[::1")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key")
    result = cli("count", "tests/data/count/anthropic_request.json", "--exact", "-m",
                 "claude-sonnet-4-5", "--pricing-version", "2026-11-22", "-f", "csv")
    assert (result.status, result.out) == (1, "")
    # An API problem is the problem of the file it stopped, for the model it stopped.
    assert result.err == ("tokcost: error: tests/data/count/anthropic_request.json: "
                          "conversation 1: claude-sonnet-4-5 not counted: ANTHROPIC_BASE_URL "
                          "'http://[::1' is not an http:// or https:// URL with a host; set it "
                          "to one (https://api.anthropic.com is Anthropic's), or unset it\n")


def test_an_api_failure_loses_only_that_models_counts(
        monkeypatch: pytest.MonkeyPatch, cli: Any, tmp_path: Any) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key")
    single = tmp_path / "single.json"
    single.write_text('{"messages": [{"role": "user", "content": "Hi there"}]}')
    chat = tmp_path / "chat.jsonl"
    chat.write_text('{"messages": [{"role": "user", "content": "Hello"}]}\n' * 2)
    with socket.socket() as unused:  # bound, not listening: every connection is refused
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
        monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
        result = cli("count", str(single), str(chat), "--exact", "-m", "claude-sonnet-4-5",
                     "-m", "gpt-4o", "--pricing-version", "2026-11-22", "-f", "csv")
    assert result.status == 1
    # gpt-4o is counted offline, in both files: 3 a message, 1 for its role, its text ("Hi
    # there" 2 tokens, "Hello" 1) and 3 to prime the reply.
    assert [line.split(",")[:6] for line in result.out.splitlines()[1:]] == [
        [str(single), "openai", "gpt-4o", "1", "1", "9"],
        [str(chat), "jsonl", "gpt-4o", "2", "2", "16"]]
    # One line a file for the model the API failed for, at the conversation it stopped; and
    # the note naming the table (CSV has no heading to name it).
    lines = result.err.splitlines()
    assert lines[-1] == "tokcost: note: priced with price table 2026-11-22"
    lines = lines[:-1]
    assert len(lines) == 2 and all(" not counted: could not reach the Anthropic API at " in line
                                   for line in lines)
    assert lines[0].startswith(f"tokcost: error: {single}: conversation 1: claude-sonnet-4-5 "
                               "not counted")
    assert lines[1].startswith(f"tokcost: error: {chat}:1: claude-sonnet-4-5 not counted")


@pytest.mark.parametrize(("model", "tokens", "note"), [
    ("claude-sonnet-4-5", "9",
     "tokcost: note: --exact counts conversations, not plain text: Anthropic's endpoint counts "
     "a Messages request, so plain text stays an estimate for claude-sonnet-4-5 (to count "
     "text exactly, send it as a conversation, a user message holding it)"),
    ("deepseek-v4-flash", "8",
     "tokcost: note: --exact counts Anthropic models only; deepseek-v4-flash stays an estimate"),
])
def test_exact_on_plain_text_says_it_stays_an_estimate(
        anthropic_stub: Any, monkeypatch: pytest.MonkeyPatch, cli: Any, tmp_path: Any,
        model: str, tokens: str, note: str) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_stub.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key")
    text = tmp_path / "prompt.txt"
    text.write_text("What is the capital of the moon?\n")
    result = cli("count", str(text), "--exact", "-m", model, "--pricing-version", "2026-11-22",
                 "-f", "csv")
    assert result.status == 0, result.err
    assert note in result.err.splitlines()
    assert result.out.splitlines()[1].split(",")[2:7] == [model, "", "", tokens, "estimate"]
    assert anthropic_stub.requests == []  # nothing was sent for text


def test_a_very_short_key_is_hidden_where_it_stands_alone_not_inside_words() -> None:
    from tokcost.counting.anthropic_exact import without_key

    assert without_key("--exact counts text; key x was refused", "x") == (
        "--exact counts text; key <api key> was refused")
    assert without_key("the key abc123 and abc1234", "abc123") == (
        "the key <api key> and abc1234")

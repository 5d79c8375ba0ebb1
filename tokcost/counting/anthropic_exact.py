"""Exact token counts for Claude models from Anthropic's Messages count-tokens endpoint.

This is the only code in tokcost that uses the network, and it runs only when the user asks for
``--exact``; everything else counts offline. The ``anthropic`` SDK is imported inside the
function, because importing it takes over a second and most runs never need it.

Every failure becomes one :class:`~tokcost.errors.ApiError` line saying what to do next. The API
key never appears in those lines, in any form: a key that an HTTP header cannot carry (a line
break left by a key file) is refused before any request, since the HTTP library's own complaint
would quote it; every line is built from text the SDK and the server gave, so each is passed
through :func:`without_key`, which hides the key plain, escaped as repr() writes it, URL-encoded,
and any run of eight or more of its characters (a prefix a server echoes back, a message cut
short); and the SDK's own exceptions (whose request carries the key in a header) are dropped
rather than chained. A base URL's user name and password (``https://user:password@proxy``)
are hidden the same way, and a URL is shown without them (:func:`url_shown`).
"""

from __future__ import annotations

import os
import random
import time
import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from tokcost.errors import ApiError, without_secrets
from tokcost.wording import number_of

if TYPE_CHECKING:
    import anthropic

# The parts of a Messages request body that the count depends on and that tokcost sends. The
# switches that add hidden prompts (tool_choice, thinking, output_config) go as extra body
# fields, which every SDK release passes through whatever parameters it knows.
PAYLOAD_KEYS = ("messages", "system", "tools")
SWITCH_KEYS = ("tool_choice", "thinking", "output_config")

# Backoff between attempts when the API does not say how long to wait: 0.5 s, 1 s, 2 s, ... 8 s.
_FIRST_WAIT = 0.5
_LONGEST_BACKOFF = 8.0
# The SDK obeys any Retry-After, however long; a command-line tool should not sit silent for an
# hour because a server asked it to, so tokcost waits at most this long per retry.
_LONGEST_WAIT = 60.0
_HIDDEN = "<api key>"


def count_tokens_exact(
    payload: Mapping[str, Any],
    model: str,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    max_retries: int = 4,
    timeout: float = 30.0,
) -> int:
    """The input tokens that ``model`` counts for ``payload``, as Anthropic's API reports them.

    ``payload`` is a Messages request body without the model: ``messages`` and, if present,
    ``system``, ``tools``, ``tool_choice``, ``thinking`` and ``output_config``, sent as they are
    (other keys are not sent). The key is ``api_key``
    or else ``$ANTHROPIC_API_KEY``; the endpoint is ``base_url`` or else ``$ANTHROPIC_BASE_URL``
    or else Anthropic's. Rate limits (429) and server errors (5xx) are retried ``max_retries``
    times, waiting as long as the API asks (up to a minute) or backing off exponentially; an
    endpoint that cannot be reached is reported at once, as that rarely mends within seconds.
    ``timeout`` bounds each attempt, in seconds.

    Raises ApiError, in one line and without the key, when no key is set, the key is refused,
    the model is unknown, the endpoint cannot be reached, retries run out, or the API says no.
    """
    if "messages" not in payload:
        raise ValueError("payload has no 'messages'")
    if max_retries < 0:
        raise ValueError(f"max_retries must be 0 or more, not {max_retries}")
    key = api_key or os.environ.get("ANTHROPIC_API_KEY")
    if not key:
        # Checked here rather than left to the SDK, which would otherwise go looking for other
        # credentials (ANTHROPIC_AUTH_TOKEN, profile files) that the user did not mean to use.
        raise ApiError(
            "--exact needs an Anthropic API key: set ANTHROPIC_API_KEY, "
            "or leave out --exact to count offline"
        )
    _check_key(key, "the api_key given" if api_key else "ANTHROPIC_API_KEY")
    base_url = (_checked_base_url(base_url, "base_url", key) if base_url else _checked_base_url(
        os.environ.get("ANTHROPIC_BASE_URL") or None, "ANTHROPIC_BASE_URL", key))
    body: dict[str, Any] = {name: payload[name] for name in PAYLOAD_KEYS
                            if payload.get(name) is not None}
    switches = {name: payload[name] for name in SWITCH_KEYS if payload.get(name) is not None}
    if switches:
        body["extra_body"] = switches

    import anthropic  # slow to import; only --exact gets here

    # The SDK's own retries are off (max_retries=0) so that tokcost decides how long to wait;
    # see _LONGEST_WAIT. Passing the key explicitly stops the SDK looking for other credentials.
    with anthropic.Anthropic(
        api_key=key, base_url=base_url, max_retries=0, timeout=timeout
    ) as client:
        answer = _ask(client, model, body)
        for attempt in range(1, max_retries + 1):
            if isinstance(answer, anthropic.APIStatusError) and _retryable(answer.status_code):
                time.sleep(_wait_before_retry(answer.response.headers, attempt))
                answer = _ask(client, model, body)
            else:
                break  # a count, or a failure that waiting would not mend
        if isinstance(answer, int):
            return answer
        where = url_shown(str(client.base_url)).rstrip("/")
    problem = _describe(answer, model=model, where=where, attempts=max_retries + 1, timeout=timeout,
                        key=key)
    raise ApiError(without_api_secrets(problem, key, base_url)) from None


def _check_key(key: str, source: str) -> None:
    """Refuse, before any request, a key that cannot go into an HTTP header as it is.

    Left to the HTTP library, such a key fails with a message that quotes the whole header,
    key and all. The key itself is never named here, only what is wrong with it.
    """
    if key != key.strip():
        raise ApiError(
            f"{source} has a space or line break at its start or end (a key file saved with "
            "a line ending leaves one); remove it, e.g. export "
            "ANTHROPIC_API_KEY=\"$(tr -d '[:space:]' < key.txt)\"")
    if not all("!" <= character <= "~" for character in key):
        raise ApiError(
            f"{source} holds a character an API key cannot have (a space, a control "
            "character or a letter outside ASCII); copy the key again from the Anthropic "
            "console")


def without_key(text: str, key: str) -> str:
    """``text`` with every trace of ``key`` replaced by ``<api key>``: the key as it is, as
    repr() or JSON escape it, URL-encoded, and any run of 8 or more consecutive characters of
    any of those forms (a partial key: a prefix, or the end of a message cut short)."""
    return without_secrets(text, [key], _HIDDEN)


def without_api_secrets(text: str, key: str | None, base_url: str | None) -> str:
    """``text`` with the API key hidden (:func:`without_key`), and the user name and password
    a base URL may carry (``https://user:password@host``), in every form the key is hidden
    in: a proxy's credentials are as secret as the key."""
    if key:
        text = without_key(text, key)
    for secret in _url_secrets(base_url):
        # As written in the URL, and as it reads decoded (and encoded again).
        decoded = urllib.parse.unquote(secret)
        forms = [secret, decoded, urllib.parse.quote(decoded, safe="")]
        text = without_secrets(text, forms, _HIDDEN_LOGIN)
    return text


def _url_secrets(url: str | None) -> list[str]:
    """The user information of a URL (``user:password``), its password and its user name, as
    written in it; the longest first."""
    if not url or "@" not in url:
        return []
    login = _login(url)
    user, _, password = login.partition(":")
    # A short user name ("admin") is not hidden alone: that would blot out ordinary words.
    return sorted({part for part in (login, password, user)
                   if part and (part is not user or len(user) >= _SHORTEST_LOGIN)},
                  key=len, reverse=True)


_SHORTEST_LOGIN = 8  # as for a key: shorter runs tell nothing, and hiding them blots out words


def url_shown(url: str) -> str:
    """A URL as messages show it: without its user name and password."""
    login = _login(url)
    if not login:
        return url
    scheme, _, rest = url.partition("//")
    return f"{scheme}//{_HIDDEN_LOGIN}@{rest[len(login) + 1:]}"


def _login(url: str) -> str:
    """What comes between ``//`` and the last ``@`` of a URL: its user information. (The last:
    a password may hold ``/`` or ``@`` unescaped, and too much hidden is better than a piece
    of a password shown.)"""
    _, slashes, rest = url.partition("//")
    return rest.rpartition("@")[0] if slashes else ""


_HIDDEN_LOGIN = "<login>"


class UnreadableAnswer(NamedTuple):
    """A 200 answer that holds no token count."""

    reason: str


# Where the SDK sends requests when no base URL is given (an empty ANTHROPIC_BASE_URL counts
# as none, as for any unset variable; the SDK alone would take "" as the URL).
DEFAULT_BASE_URL = "https://api.anthropic.com"


def _checked_base_url(url: str | None, name: str, key: str) -> str:
    """The endpoint to use, refused in one line before any request unless it is an http(s)
    URL with a host (and a port that is a port): the HTTP library under the SDK raises its own
    error for a malformed URL, which no failure report covers."""
    if url is None:
        return DEFAULT_BASE_URL
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        usable = (parts.scheme in ("http", "https") and bool(parts.hostname)
                  and parts.port != 0  # reading .port checks it: a number from 1 to 65535
                  and not any(character.isspace() or not character.isprintable()
                              for character in url))
    except ValueError:  # "[::1" (an unclosed IPv6 address), a port that is not a number
        usable = False
    if not usable:
        shown = without_api_secrets(url_shown(url), key, url)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise ApiError(f"{name} {shown!r} is not an http:// or https:// URL with a host; set "
                       "it to one (https://api.anthropic.com is Anthropic's), or unset it")
    return url


def _ask(
    client: anthropic.Anthropic, model: str, body: Mapping[str, Any]
) -> int | anthropic.APIError | UnreadableAnswer:
    """One attempt. A failure is returned, not raised, so that the ApiError raised for it is
    raised outside any except clause: the SDK's exception, whose request holds the key in a
    header, is then not even kept as the ApiError's __context__."""
    import anthropic

    try:
        counted = client.messages.count_tokens(model=model, **body)
    except anthropic.APIError as err:
        return err
    except ValueError as err:  # a body that is not JSON (a proxy's page, say)
        return UnreadableAnswer(f"not JSON: {err}")
    # The SDK builds its answer without checking it, so a server (or proxy) that answers 200
    # with something else gets as far as here.
    tokens = getattr(counted, "input_tokens", None)
    if type(tokens) is not int or tokens < 0:
        return UnreadableAnswer(f"input_tokens is {tokens!r}, not a count")
    return tokens


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _wait_before_retry(headers: Mapping[str, str], attempt: int) -> float:
    """Seconds to wait before the next attempt: what the API asks for, else a jittered backoff."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            asked = float(headers.get(name, "")) * scale
        except ValueError:  # absent, or an HTTP date, which is rare enough to back off instead
            continue
        if asked >= 0:
            return min(asked, _LONGEST_WAIT)
    backoff = min(_FIRST_WAIT * 2.0 ** min(attempt - 1, 10), _LONGEST_BACKOFF)
    return backoff * random.uniform(0.75, 1.0)


def _describe(
    err: anthropic.APIError | UnreadableAnswer,
    *,
    model: str,
    where: str,
    attempts: int,
    timeout: float,
    key: str,
) -> str:
    """One line for a failure that is final: what went wrong and what to do next."""
    import anthropic

    if isinstance(err, UnreadableAnswer):
        return (f"the Anthropic API at {where} answered without a token count "
                f"({_one_line(err.reason, key)}); check ANTHROPIC_BASE_URL")
    if isinstance(err, anthropic.APITimeoutError):
        return (
            f"the Anthropic API at {where} did not answer within {timeout:g} s; "
            "check the network connection and ANTHROPIC_BASE_URL, or try again later"
        )
    if isinstance(err, anthropic.APIConnectionError):
        # e.g. "[Errno 111] Connection refused"
        why = _one_line(str(err.__cause__ or err.message), key)
        return (
            f"could not reach the Anthropic API at {where} ({why}); "
            "check the network connection and ANTHROPIC_BASE_URL"
        )
    if not isinstance(err, anthropic.APIStatusError):  # e.g. an answer the SDK cannot parse
        return (f"the Anthropic API at {where} gave an answer tokcost cannot read "
                f"({_one_line(err.message, key)}); check ANTHROPIC_BASE_URL")
    status = err.status_code
    said = f"HTTP {status}" + (f" {err.type}" if err.type else "")
    # The API's own words, on one line; a proxy's HTML error page is cut short.
    reason = _one_line(str(err.api_message or err.message), key)
    if status in (401, 403):
        return (
            f"the Anthropic API refused the API key ({said}: {reason}); "
            "check that ANTHROPIC_API_KEY holds a valid key with access to this model"
        )
    if status == 404:
        return (
            f"the Anthropic API does not know model {model!r} ({said}: {reason}); "
            "check the model name"
        )
    if status == 429:
        return (
            f"the Anthropic API was still rate limiting after {number_of(attempts, 'attempt')} "
            f"({said}: {reason}); wait a minute and try again"
        )
    if status >= 500:
        return (
            f"the Anthropic API was still failing after {number_of(attempts, 'attempt')} "
            f"({said}: {reason}); try again later"
        )
    return f"the Anthropic API rejected the request ({said}: {reason}); check the request"


def _one_line(text: str, key: str, longest: int = 200) -> str:
    """Text from the server on one line, cut short; the key is hidden before the cut, which
    could otherwise leave a piece of it too short to be recognised."""
    return " ".join(without_key(text, key).split())[:longest]

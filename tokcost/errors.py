"""The errors tokcost raises on purpose.

Every one of them is something the user can act on. The CLI turns each into one line on stderr
and a non-zero exit status; anything else is a bug and is re-raised only with ``TOKCOST_DEBUG=1``.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable, Sequence

# The shortest run of a secret's characters that is hidden wherever it appears. Shorter runs
# tell nothing about a secret (every Anthropic key starts "sk-ant-"), and hiding them would blot
# out ordinary words.
_SHORTEST_SECRET_RUN = 8


class TokcostError(Exception):
    """Base class: a problem the user can fix, described in one line."""


class OptionError(TokcostError):
    """Options that do not go together, or an option's value out of its range: a usage error
    (exit status 2, as click gives for a value it refuses itself)."""


# What to do next, in the words of whoever reads it: a library caller is told the argument,
# a command-line user the option. The library's errors say it the library's way; the command
# line, printing them (even as text made in a worker process or on a cluster), rewords them
# with cli_words(), so that the two wordings live here, side by side.
def _older_table_hint(version: str) -> str:
    return f"pass table=load_price_table(version={version!r})"


_OLDER_TABLE_HINT = re.compile(r"pass table=load_price_table\(version='([^']*)'\)")
_ALL_MODELS_HINT = "(the table's models() lists them all)"


def cli_words(text: str) -> str:
    """A library message as the command line says it: its options for the library's
    arguments (--pricing-version for ``load_price_table(version=...)``)."""
    text = _OLDER_TABLE_HINT.sub(lambda match: f"add --pricing-version {match[1]}", text)
    return text.replace(_ALL_MODELS_HINT, "(`tokcost models` lists them all)")


class UnknownModelError(TokcostError):
    """A model name that the active price table does not know."""

    def __init__(self, name: str, suggestions: Sequence[str], table: str,
                 listed_in: str | None = None) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        self.listed_in = listed_in  # the newest other bundled table that has it
        if listed_in is not None:
            super().__init__(
                f"model {name!r} is not in price table {table} (no longer sold, or not yet "
                f"listed); the bundled table {listed_in} has it: "
                f"{_older_table_hint(listed_in)} to price it as of then")
            return
        hint = f"; closest: {', '.join(self.suggestions)}" if self.suggestions else ""
        super().__init__(f"unknown model {name!r} in price table {table}{hint} {_ALL_MODELS_HINT}")


class UnknownPricingVersionError(TokcostError):
    """A ``--pricing-version`` that no bundled snapshot has."""

    def __init__(self, version: str, available: Sequence[str]) -> None:
        self.version = version
        self.available = list(available)
        super().__init__(
            f"unknown pricing version {version!r}; available: {', '.join(self.available)}"
        )


class PricingProblem:
    """One thing wrong in a price table: where it is and what is wrong."""

    __slots__ = ("path", "model", "field", "message", "line")

    def __init__(
        self,
        path: str,
        message: str,
        *,
        model: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        self.path = path
        self.model = model
        self.field = field
        self.message = message
        self.line = line

    def __str__(self) -> str:
        place = self.path + (f":{self.line}" if self.line else "")
        where = []
        if self.model is not None:
            where.append(f"model {self.model!r}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        located = f" {', '.join(where)}:" if where else ""
        return f"{place}:{located} {self.message}"


class PricingError(TokcostError):
    """A price table that cannot be used; carries every problem found, not only the first."""

    def __init__(self, problems: Sequence[PricingProblem]) -> None:
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "invalid price table"
        more = len(self.problems) - 1
        from tokcost.wording import number_of

        suffix = (
            f" (and {number_of(more, 'more problem')}; `tokcost pricing validate FILE` lists "
            "them)"
            if more else ""
        )
        super().__init__(first + suffix)


class UnpricedError(TokcostError):
    """A cost was asked for that needs a price the table does not have (never treated as $0)."""

    def __init__(self, model: str, what: str) -> None:
        self.model = model
        self.what = what
        super().__init__(
            f"model {model!r} has no {what} in the price table, so this cost is unknown"
        )


class InputFileError(TokcostError):
    """A file the user named cannot be read or understood."""


class UnreadableFileError(InputFileError):
    """A file that cannot be read at all: missing, a directory, a device, or too large."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason  # what is wrong, without the path: "no such file"
        super().__init__(f"{path}: {reason}")


class ApiError(TokcostError):
    """A provider's API (used only with ``--exact``) refused the request or could not be reached."""


class TokenizerUnavailableError(TokcostError):
    """A tokenizer encoding that is neither bundled nor loadable offline."""


def without_secrets(text: str, secrets: Iterable[str], shown_as: str = "<secret>") -> str:
    """``text`` with every trace of each secret (an API key, a storage's secret key or session
    token) replaced by ``shown_as``: the secret as it is, as repr() or JSON escape it,
    URL-encoded, and any run of 8 or more consecutive characters of any of those forms (a
    partial secret: a prefix, or the end of a message cut short).

    Every form's runs are found in the text as given, and runs that overlap or touch become one
    mark: a secret key with a "/" or "+" (which URL-encoding changes) shows as one mark, with no
    piece of it left between two."""
    spans: list[tuple[int, int]] = []
    for secret in secrets:
        if not secret:
            continue
        forms = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1],
                 str(secret.encode())[2:-1], urllib.parse.quote(secret, safe=""),
                 urllib.parse.quote_plus(secret)}
        for form in forms:
            spans.extend(_runs(text, form))
    out: list[str] = []
    kept = 0
    for start, end in sorted(spans):
        if start > kept or not out:
            out.append(text[kept:start])
            out.append(shown_as)
        kept = max(kept, end)
    out.append(text[kept:])
    return "".join(out)


def _runs(text: str, secret: str) -> list[tuple[int, int]]:
    """Where ``text`` holds a maximal run that is a piece of ``secret`` (of at least
    _SHORTEST_SECRET_RUN characters), as (start, end) spans."""
    if len(secret) < _SHORTEST_SECRET_RUN:
        # A secret this short (no real one is) is hidden where it stands alone, not inside
        # words: ANTHROPIC_API_KEY=x must not turn every "x" of a message into <api key>.
        pattern = rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])"
        return [match.span() for match in re.finditer(pattern, text)]
    shortest = _SHORTEST_SECRET_RUN
    pieces = {secret[start:start + shortest] for start in range(len(secret) - shortest + 1)}
    spans = []
    start = 0
    while start <= len(text) - shortest:
        if text[start:start + shortest] not in pieces:
            start += 1
            continue
        end = start + shortest
        while end < len(text) and text[start:end + 1] in secret:
            end += 1
        spans.append((start, end))
        start = end
    return spans

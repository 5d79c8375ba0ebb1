"""Texts to embed: the inputs of an embeddings request, in the shapes data sets and APIs use.

An embedding model is sent texts, not a chat: no roles, no framing, each text an input of its
own. A JSON value is read as texts when it is

* a JSON string: one text;
* an embeddings request body, ``{"input": text | [texts], "model"?}`` (OpenAI's and Mistral's
  embeddings endpoints take this shape);
* an OpenAI Batch API line whose body is one (``{"custom_id", "url": "/v1/embeddings",
  "body": {"input": ...}}``);
* a record with a ``text`` string and no conversation in it (``{"id": 7, "text": "..."}``, how
  text data sets are commonly written).

Anything else is left to the conversation formats (:mod:`tokcost.formats.conversations`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from tokcost.formats.shape import ConversationError, at, kind

# Keys that make a record a conversation, whatever else it holds.
_CONVERSATION_KEYS = ("messages", "conversations", "contents")


class Texts(NamedTuple):
    """The texts one JSON value holds, and the model its request names (if any)."""

    texts: list[str]
    model: str | None = None
    # Where the texts sit in the value, for messages: "input" when they came as a list
    # (the second is "input[1]"), "" when the value held one text.
    listed_as: str = ""

    def place(self, index: int) -> str:
        """Where text ``index`` sits in its value: ``input[2]``, or "" for a lone text."""
        return f"{self.listed_as}[{index}]" if self.listed_as else ""


def texts_of(value: Any, where: str = "") -> Texts | None:
    """The texts of a JSON value, or None when it is not texts (a conversation, say).

    Raises ConversationError for an embeddings request whose input is not text.
    """
    if type(value) is not dict:  # JSON gives dicts; this runs once a line, so kept cheap
        return Texts([value]) if isinstance(value, str) else None
    if "messages" in value or "conversations" in value or "contents" in value:
        return None
    body, body_at = value, where
    if "custom_id" in value and isinstance(value.get("body"), Mapping):
        url = value.get("url")
        if isinstance(url, str) and not url.rstrip("/").endswith("/embeddings"):
            return None  # a batch of another endpoint's requests (/v1/responses has `input`)
        body, body_at = value["body"], at(where, "body")
        if any(key in body for key in _CONVERSATION_KEYS):
            return None
    model = body.get("model") if isinstance(body.get("model"), str) else None
    if "input" in body:
        return _request_input(body["input"], at(body_at, "input"), model)
    if body is value and isinstance(value.get("text"), str):
        return Texts([value["text"]], model)
    return None


def _request_input(given: Any, where: str, model: str | None) -> Texts | None:
    if isinstance(given, str):
        return Texts([given], model)
    if isinstance(given, list) and given and all(isinstance(item, str) for item in given):
        return Texts(list(given), model, "input")
    if isinstance(given, list) and given and all(
            isinstance(item, int) or isinstance(item, list) for item in given):
        raise ConversationError(where, "token ids, not text: tokcost counts text (each "
                                "model's tokenizer gives its own ids); give the texts")
    if isinstance(given, list) and any(isinstance(item, Mapping) for item in given):
        return None  # items of a request (a Responses API input), not texts
    if isinstance(given, list):
        shown = "an empty list" if not given else next(
            f"{kind(item)} at [{index}]" for index, item in enumerate(given)
            if not isinstance(item, str))
        raise ConversationError(where, f"`input` must be a text or a list of texts, not "
                                f"{shown}")
    raise ConversationError(where, f"`input` must be a text or a list of texts, not "
                            f"{kind(given)}")

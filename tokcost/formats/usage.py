"""The input tokens a provider billed for a request, read from the usage block of its response.

Every API response says what it billed, each in its own shape:

- OpenAI Chat Completions: ``usage.prompt_tokens`` (cached tokens are part of it);
- OpenAI Responses: ``usage.input_tokens`` (likewise);
- Anthropic Messages: ``usage.input_tokens`` plus ``cache_creation_input_tokens`` and
  ``cache_read_input_tokens``, which Anthropic reports apart from it;
- Gemini: ``usageMetadata.promptTokenCount`` (``totalTokens`` for ``countTokens``);
- a count-tokens response: ``input_tokens`` (Anthropic) or ``totalTokens`` (Gemini).

A response may be given whole or as its usage block alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def billed_input_tokens(response: Any) -> int | None:
    """The prompt tokens billed, or None when the value holds no usage that says so."""
    if not isinstance(response, Mapping):
        return None
    for key in ("usage", "usageMetadata", "usage_metadata"):
        inner = response.get(key)
        if isinstance(inner, Mapping):
            return billed_input_tokens(inner)
    if _count(response, "prompt_tokens") is not None:  # OpenAI Chat Completions
        return _count(response, "prompt_tokens")
    for key in ("promptTokenCount", "prompt_token_count"):  # Gemini generateContent
        if _count(response, key) is not None:
            return _count(response, key)
    billed = _count(response, "input_tokens")
    if billed is not None:
        # Anthropic reports cache writes and reads beside input_tokens; OpenAI's Responses API
        # counts cached tokens inside it (input_tokens_details), so nothing is added there.
        for key in ("cache_creation_input_tokens", "cache_read_input_tokens"):
            billed += _count(response, key) or 0
        return billed
    for key in ("totalTokens", "total_tokens"):  # Gemini countTokens, which has nothing else
        if _count(response, key) is not None:
            return _count(response, key)
    return None


def _count(usage: Mapping[str, Any], key: str) -> int | None:
    value = usage.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value

"""Reading pydantic's genai-prices list (its ``data.json``/``data_slim.json``) to check a table.

The list holds providers, each with models that name the model ids they match (``equals``,
``starts_with``, ``contains``, ``regex``, combined with ``or``/``and``) and prices per million
tokens: a number, or a base with tiers that start at a prompt size, possibly several dated
price sets.
Only what the table can be compared on is read: the standard input, output and cache-read
prices, and the long-context steps of each, on the table's date.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

# Our provider names, and genai-prices'.
PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "google": "google", "xai": "x-ai",
             "deepseek": "deepseek", "mistral": "mistral"}
# Their price fields, and ours.
PRICE_FIELDS = {"input_mtok": "input", "output_mtok": "output", "cache_read_mtok": "cache_read"}


def is_genai_prices(data: Any) -> bool:
    """A genai-prices list: providers, each with an id and its models."""
    return isinstance(data, list) and bool(data) and all(
        isinstance(p, dict) and "id" in p and "models" in p for p in data[:3])


def _matches(clause: Any, model_id: str) -> bool:
    if not isinstance(clause, dict):
        return False
    if "or" in clause:
        return any(_matches(part, model_id) for part in clause["or"])
    if "and" in clause:
        return all(_matches(part, model_id) for part in clause["and"])
    checks: dict[str, Callable[[str], bool]] = {
        "equals": model_id.__eq__, "starts_with": model_id.startswith,
        "ends_with": model_id.endswith, "contains": model_id.__contains__}
    if "regex" in clause:
        return re.search(str(clause["regex"]), model_id) is not None
    return any(name in clause and checks[name](str(clause[name])) for name in checks)


def find_model(data: Sequence[Mapping[str, Any]], provider: str, model_id: str
               ) -> Mapping[str, Any] | None:
    """Their entry for one of our models: an exact id first, else the first that matches."""
    theirs = PROVIDERS.get(provider)
    models: Sequence[Mapping[str, Any]] = next(
        (p.get("models", []) for p in data if p.get("id") == theirs), [])
    exact = next((m for m in models if m.get("id") == model_id), None)
    return exact or next((m for m in models if _matches(m.get("match"), model_id)), None)


def prices_on(entry: Mapping[str, Any], day: date) -> Mapping[str, Any]:
    """The price set in force on ``day``: the latest dated one that has started, else the
    undated one."""
    prices = entry.get("prices") or {}
    if isinstance(prices, dict):
        return prices
    chosen: Mapping[str, Any] = {}
    started = date.min
    for candidate in prices if isinstance(prices, list) else []:
        if not isinstance(candidate, dict) or not isinstance(candidate.get("prices"), dict):
            continue  # a shape this reader does not know: left out, never guessed
        constraint = candidate.get("constraint") or {}
        start = constraint.get("start_date")
        when = date.fromisoformat(start) if isinstance(start, str) else date.min
        if when <= day and when >= started and set(constraint) <= {"start_date"}:
            chosen, started = candidate.get("prices") or {}, when
    return chosen


def peak_prices(entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The prices of a time-of-day window, where the list has them: genai-prices keeps
    DeepSeek's off-peak prices as the base and its peak hours as windows, the other way round
    from the table (standard prices, and an ``off_peak`` tier)."""
    prices = entry.get("prices")
    for candidate in prices if isinstance(prices, list) else []:
        if isinstance(candidate, dict) and "start_time" in (candidate.get("constraint") or {}) \
                and isinstance(candidate.get("prices"), dict):
            return candidate["prices"]
    return None


def facts(prices: Mapping[str, Any]) -> dict[str, Decimal]:
    """Their prices as our fact names: ``input_per_mtok``, ``above_200000_output_per_mtok``."""
    found: dict[str, Decimal] = {}
    for theirs, ours in PRICE_FIELDS.items():
        value = prices.get(theirs)
        if isinstance(value, dict) and isinstance(value.get("base"), (int, float)):
            found[f"{ours}_per_mtok"] = _decimal(value["base"])
            for tier in value.get("tiers") or []:
                if isinstance(tier, dict) and {"start", "price"} <= tier.keys():
                    found[f"above_{tier['start']}_{ours}_per_mtok"] = _decimal(tier["price"])
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            found[f"{ours}_per_mtok"] = _decimal(value)
    return found


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))

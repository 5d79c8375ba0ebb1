"""The one place where tokens become money.

Every command prices through :func:`cost_of`. Amounts are ``Decimal`` throughout and rounded
only for display. A price the table lacks raises :class:`UnpricedError`; it is never taken as 0.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from tokcost.errors import UnpricedError
from tokcost.pricing.schema import PER_MILLION, ModelPrice, Rates, Tier


class TokenUsage(NamedTuple):
    """The tokens of one request, split by how each is billed.

    ``input`` counts prompt tokens billed at the plain input rate: those neither read from nor
    written to a prompt cache.
    """

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0

    @property
    def prompt_tokens(self) -> int:
        """Everything sent in the prompt: what decides the long-context tier."""
        return self.input + self.cache_read + self.cache_write_5m + self.cache_write_1h


class Cost(NamedTuple):
    """What one request (or a sum of them) costs, by part, in USD."""

    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_write: Decimal
    tier_above: int | None = None
    batch: bool = False

    @property
    def total(self) -> Decimal:
        return self.input + self.output + self.cache_read + self.cache_write


def select_tier(model: ModelPrice, prompt_tokens: int) -> Tier | None:
    """The highest tier whose threshold the prompt exceeds; it re-prices the whole request."""
    chosen = None
    for tier in model.tiers:
        if prompt_tokens > tier.above:
            chosen = tier
    return chosen


def rates_for(model: ModelPrice, prompt_tokens: int, *, batch: bool = False) -> Rates:
    """The per-million rates that apply to a request with this many prompt tokens."""
    return _tier_rates(model, select_tier(model, prompt_tokens), batch)


def _tier_rates(model: ModelPrice, tier: Tier | None, batch: bool) -> Rates:
    rates = tier.rates if tier else model.rates
    if not batch:
        return rates
    if model.batch is None:
        raise UnpricedError(model.id, "batch price")
    if model.batch.discount is not None:
        return rates.scaled(1 - model.batch.discount)
    if tier is not None:
        raise UnpricedError(model.id, f"batch price above {tier.above:,} prompt tokens")
    assert model.batch.rates is not None
    return model.batch.rates


def cost_of(model: ModelPrice, usage: TokenUsage, *, batch: bool = False) -> Cost:
    """Price one request's tokens on a model, applying its long-context tier and batch prices."""
    for name, value in zip(TokenUsage._fields, usage, strict=True):
        if value < 0:
            raise ValueError(f"{name} tokens must not be negative (got {value})")
    tier = select_tier(model, usage.prompt_tokens)
    rates = _tier_rates(model, tier, batch)
    where = f" above {tier.above:,} prompt tokens" if tier else ""
    where += " under batch pricing" if batch else ""

    def priced(tokens: int, rate: Decimal | None, what: str) -> Decimal:
        if tokens == 0:
            return Decimal(0)
        if rate is None:
            raise UnpricedError(model.id, what + where)
        return tokens * rate / PER_MILLION

    cached = usage.cache_read + usage.cache_write_5m + usage.cache_write_1h
    if cached and model.caching == "none":
        raise UnpricedError(model.id, "prompt caching price (it has no prompt caching)")
    if model.caching == "automatic":
        # Automatic prefix caching (OpenAI, Google, xAI, DeepSeek...) has no write surcharge:
        # a prefix written to the cache is billed as ordinary input.
        cache_write = priced(usage.cache_write_5m + usage.cache_write_1h, rates.input,
                             "input price")
    else:
        cache_write = priced(usage.cache_write_5m, rates.cache_write_5m,
                             "5-minute cache write price") + priced(
            usage.cache_write_1h, rates.cache_write_1h, "1-hour cache write price")
    return Cost(
        input=priced(usage.input, rates.input, "input price"),
        output=priced(usage.output, rates.output, "output price"),
        cache_read=priced(usage.cache_read, rates.cache_read, "cache read price"),
        cache_write=cache_write,
        tier_above=tier.above if tier else None,
        batch=batch,
    )

"""The one place where tokens become money.

Every command prices through :func:`cost_of`. Amounts are ``Decimal`` throughout and rounded
only for display. A price the table lacks raises :class:`UnpricedError`; it is never taken as 0.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import NamedTuple

from tokcost.errors import UnpricedError
from tokcost.pricing.schema import PER_MILLION, STANDARD, ModelPrice, PriceSet, Rates, Tier

_ZERO = Decimal(0)


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
    web_searches: int = 0  # billed per search, not by the token
    cache_write_12h: int = 0
    images: int = 0  # images in the prompt, for a per-image fee (their tokens are in input)

    @property
    def prompt_tokens(self) -> int:
        """Everything sent in the prompt: what decides the long-context tier."""
        return (self.input + self.cache_read + self.cache_write_5m + self.cache_write_1h
                + self.cache_write_12h)


class Cost(NamedTuple):
    """What one request (or a sum of them) costs, by part, in USD."""

    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_write: Decimal
    tier_above: int | None = None
    batch: bool = False
    service_tier: str = STANDARD
    fees: Decimal = Decimal(0)  # per-unit charges: requests, web searches, images

    @property
    def total(self) -> Decimal:
        return self.input + self.output + self.cache_read + self.cache_write + self.fees


def select_tier(model: ModelPrice | PriceSet, prompt_tokens: int) -> Tier | None:
    """The highest tier whose threshold the prompt passes; it re-prices the whole request."""
    chosen = None
    for tier in model.tiers:
        if tier.applies_to(prompt_tokens):
            chosen = tier
    return chosen


def prices_at(model: ModelPrice, service_tier: str = STANDARD) -> PriceSet:
    """The model's prices at a service tier; a tier it is not sold at leaves it unpriced."""
    prices = model.price_set(service_tier)
    if prices is None:
        sold = ", ".join(model.service_tier_names())
        raise UnpricedError(model.id, f"{service_tier} service tier price (it is sold at "
                                      f"{sold})")
    return prices


def rates_for(model: ModelPrice, prompt_tokens: int, *, batch: bool = False,
              service_tier: str = STANDARD) -> Rates:
    """The per-million rates that apply to a request with this many prompt tokens."""
    return _priced_rates(model, prompt_tokens, batch, service_tier)[0]


# (id of the model's entry, batch, service tier) -> (the entry, its rates), for the entries
# whose rates do not depend on the prompt's size (no long-context tier): priced per request,
# a usage log asks for the same few again and again. The entry is kept so that its id stays
# its own.
_FLAT_RATES: dict[tuple[int, bool, str], tuple[ModelPrice, Rates]] = {}


def _priced_rates(model: ModelPrice, prompt_tokens: int, batch: bool, service_tier: str
                  ) -> tuple[Rates, Tier | None]:
    key = (id(model), batch, service_tier)
    flat = _FLAT_RATES.get(key)
    if flat is not None and flat[0] is model:
        return flat[1], None
    rates, tier = _rates_of(model, prompt_tokens, batch, service_tier)
    if _flat(model) and len(_FLAT_RATES) < 4096:
        _FLAT_RATES[key] = (model, rates)
    return rates, tier


def _flat(model: ModelPrice) -> bool:
    """Whether no price of the model depends on the prompt's size."""
    return not price_steps(model)


def price_steps(model: ModelPrice) -> tuple[Tier, ...]:
    """Every long-context tier of the model, at any service tier or in batch: the prompt sizes
    where a rate may change. Prompts between two steps get the same rates."""
    batch_tiers = model.batch.tiers if model.batch is not None else ()
    return (*model.tiers, *(tier for _, prices in model.service_tiers for tier in prices.tiers),
            *batch_tiers)


def _rates_of(model: ModelPrice, prompt_tokens: int, batch: bool, service_tier: str
              ) -> tuple[Rates, Tier | None]:
    if batch and service_tier != STANDARD:
        raise UnpricedError(model.id, f"batch price at the {service_tier} service tier (batch "
                                      "is priced from the standard tier)")
    prices = prices_at(model, service_tier)
    tier = select_tier(prices, prompt_tokens)
    if service_tier != STANDARD:
        standard_tier = select_tier(model, prompt_tokens)
        if standard_tier is not None and (tier is None or tier.above != standard_tier.above):
            # The standard prices rise here; a tier that lists no such step is not known to
            # stay flat, so it is not guessed.
            raise UnpricedError(model.id, f"{service_tier} service tier price "
                                          f"{standard_tier.describe()}")
    rates = tier.rates if tier else prices.rates
    if not batch:
        return rates, tier
    if model.batch is None:
        raise UnpricedError(model.id, "batch price")
    if model.batch.discount is not None:
        return _discounted(rates, model.batch.discount, model.batch.applies_to), tier
    assert model.batch.rates is not None
    batch_tier = select_tier(PriceSet(model.batch.rates, model.batch.tiers), prompt_tokens)
    if tier is not None and (batch_tier is None or batch_tier.above != tier.above):
        raise UnpricedError(model.id, f"batch price {tier.describe()}")
    return (batch_tier.rates if batch_tier else model.batch.rates), tier


@functools.lru_cache(maxsize=256)  # the same few rates, discounted for every batch request
def _discounted(rates: Rates, discount: Decimal, applies_to: tuple[str, ...] | None) -> Rates:
    """Rates with a batch discount on the prices it applies to (all, when not said)."""
    if applies_to is None:
        return rates.scaled(1 - discount)
    lowered = rates.scaled(1 - discount)
    return rates._replace(**{name: getattr(lowered, name) for name in applies_to})


def batch_prices(model: ModelPrice) -> PriceSet | None:
    """The model's batch prices as rates with their long-context tiers, a discount worked out
    on the standard ones; None when it has no batch price."""
    batch = model.batch
    if batch is None:
        return None
    if batch.discount is None:
        assert batch.rates is not None
        return PriceSet(batch.rates, batch.tiers)
    return PriceSet(_discounted(model.rates, batch.discount, batch.applies_to),
                    tuple(tier._replace(rates=_discounted(tier.rates, batch.discount,
                                                          batch.applies_to))
                          for tier in model.tiers))


def image_fee(model: ModelPrice, images: int) -> Decimal:
    """What a request's images cost besides their tokens: nothing, unless the model charges
    a fee per image (``fees: {image: ...}``); most bill an image only as its tokens."""
    fee = dict(model.fees).get("image") if images and model.fees else None
    return images * fee if fee is not None else _ZERO


def cost_of(model: ModelPrice | str, usage: TokenUsage, *, batch: bool = False,
            service_tier: str = STANDARD, requests: int = 1, prompt_tokens: int | None = None
            ) -> Cost:
    """Price one request's tokens on a model, applying its service tier, long-context tier and
    batch prices. ``model`` is a table's entry, or a name looked up in the default table.

    ``usage`` may be the sum of several ``requests`` whose prompts all get the rates of a
    ``prompt_tokens``-token prompt: a cost is linear in the tokens at given rates, so such
    requests cost their sum's price (plus a per-request fee for each), exactly."""
    if isinstance(model, str):
        from tokcost.pricing.table import load_price_table  # the table, only when named

        model = load_price_table().resolve(model).model
    if not isinstance(model, ModelPrice) or not isinstance(usage, TokenUsage):
        from tokcost.arguments import require

        require(model, ModelPrice, "cost_of", "a model: a table's ModelPrice or a model name "
                "such as 'gpt-4o'")
        require(usage, TokenUsage, "cost_of", "usage as a TokenUsage, such as "
                "TokenUsage(input=2000, output=500)")
    if min(usage) < 0:
        name, value = next((name, value) for name, value in zip(TokenUsage._fields, usage,
                                                                strict=True) if value < 0)
        raise ValueError(f"{name} tokens must not be negative (got {value})")
    rates, tier = _priced_rates(model, usage.prompt_tokens if prompt_tokens is None
                                else prompt_tokens, batch, service_tier)

    def priced(tokens: int, rate: Decimal | None, what: str) -> Decimal:
        if tokens == 0:
            return _ZERO
        if rate is None:
            # Where the price applies, said only when it is missing (this runs per request).
            where = f" {tier.describe()}" if tier else ""
            where += " under batch pricing" if batch else ""
            where += f" at the {service_tier} service tier" if service_tier != STANDARD else ""
            raise UnpricedError(model.id, what + where)
        return tokens * rate / PER_MILLION

    written = usage.cache_write_5m + usage.cache_write_1h + usage.cache_write_12h
    cached = usage.cache_read + written
    if cached and model.caching == "none":
        raise UnpricedError(model.id, "prompt caching price (it has no prompt caching)")
    if model.caching == "automatic":
        # Automatic prefix caching (OpenAI, Google, xAI, DeepSeek...) has no write surcharge:
        # a prefix written to the cache is billed as ordinary input.
        cache_write = priced(written, rates.input,
                             "input price")
    else:
        cache_write = priced(usage.cache_write_5m, rates.cache_write_5m,
                             "5-minute cache write price") + priced(
            usage.cache_write_1h, rates.cache_write_1h, "1-hour cache write price") + priced(
            usage.cache_write_12h, rates.cache_write_12h, "12-hour cache write price")
    # A fee per request (some providers charge one besides the tokens): every call is one.
    charged = dict(model.fees) if model.fees else {}
    fees = requests * charged.get("request", _ZERO)
    if usage.web_searches:
        fee = charged.get("web_search")
        if fee is None:
            raise UnpricedError(model.id, "web search fee")
        fees += usage.web_searches * fee
    fees += image_fee(model, usage.images)
    return Cost(
        input=priced(usage.input, rates.input, "input price"),
        output=priced(usage.output, rates.output, "output price"),
        cache_read=priced(usage.cache_read, rates.cache_read, "cache read price"),
        cache_write=cache_write,
        tier_above=tier.above if tier else None,
        batch=batch,
        service_tier=service_tier,
        fees=fees,
    )

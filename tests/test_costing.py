"""The cost arithmetic, pinned with literal values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tokcost.errors import UnpricedError
from tokcost.pricing.costing import TokenUsage, cost_of, rates_for, select_tier
from tokcost.pricing.table import PriceTable


def test_seed_worked_example_gpt_4o(current_table: PriceTable) -> None:
    gpt_4o = current_table.resolve("gpt-4o").model
    cost = cost_of(gpt_4o, TokenUsage(input=2000, output=500))
    assert cost.input == Decimal("0.005")
    assert cost.output == Decimal("0.005")
    assert cost.total == Decimal("0.01")
    assert cost.total * 5000 == Decimal("50")


def test_seed_claude_haiku_example(seed_table: PriceTable) -> None:
    haiku = seed_table.resolve("claude-3-5-haiku").model
    cost = cost_of(haiku, TokenUsage(input=800, output=200))
    assert cost.total == Decimal("0.00144")
    assert cost.total * 10_000 == Decimal("14.4")
    assert cost.total * 10_000 * 30 == Decimal("432")


def test_batch_halves_gpt_4o(current_table: PriceTable) -> None:
    gpt_4o = current_table.resolve("gpt-4o").model
    assert cost_of(gpt_4o, TokenUsage(2000, 500), batch=True).total == Decimal("0.005")


def test_all_input_from_cache_gpt_4o(current_table: PriceTable) -> None:
    gpt_4o = current_table.resolve("gpt-4o").model
    assert cost_of(gpt_4o, TokenUsage(cache_read=2000, output=500)).total == Decimal("0.0075")


def test_claude_cache_writes_and_reads(current_table: PriceTable) -> None:
    sonnet = current_table.resolve("claude-sonnet-4-5").model
    cost = cost_of(sonnet, TokenUsage(cache_read=1000, cache_write_5m=1000, cache_write_1h=1000))
    assert cost.cache_read == Decimal("0.0003")
    assert cost.cache_write == Decimal("0.00975")
    assert cost.total == Decimal("0.01005")


def test_long_context_tier_reprices_whole_request(current_table: PriceTable) -> None:
    pro = current_table.resolve("gemini-2.5-pro").model
    at_threshold = cost_of(pro, TokenUsage(input=200_000, output=1000))
    assert at_threshold.tier_above is None
    assert at_threshold.total == Decimal("0.26")
    above = cost_of(pro, TokenUsage(input=200_001, output=1000))
    assert above.tier_above == 200_000
    # Every prompt token at $2.50, not just the one past the threshold; output at $15.
    assert above.total == Decimal("0.5150025")


def test_requests_priced_as_one_sum_at_the_rates_of_their_prompts(current_table: PriceTable
                                                                   ) -> None:
    pro = current_table.resolve("gemini-2.5-pro").model
    # Two requests of 200,000 prompt tokens or more, priced as one sum at their tier ($2.50
    # input, $15 output): 400,000 x 2.5 + 2,000 x 15 a million.
    summed = cost_of(pro, TokenUsage(input=400_000, output=2000), requests=2,
                     prompt_tokens=250_000)
    assert summed.tier_above == 200_000
    assert summed.total == Decimal("1.03")
    below = cost_of(pro, TokenUsage(input=300_000, output=2000), requests=2,
                    prompt_tokens=150_000)
    assert below.tier_above is None
    assert below.total == Decimal("0.395")  # 300,000 x 1.25 + 2,000 x 10 a million


def test_tier_threshold_counts_cached_tokens_too(costing_table: PriceTable) -> None:
    model = costing_table.resolve("automatic").model
    assert select_tier(model, 1000) is None
    usage = TokenUsage(input=600, cache_read=600, output=10)
    assert usage.prompt_tokens == 1200
    cost = cost_of(model, usage)
    assert cost.tier_above == 1000
    assert cost.input == Decimal("0.0024")
    assert cost.cache_read == Decimal("0.00024")
    assert cost.output == Decimal("0.0002")


def test_automatic_caching_bills_writes_as_input(costing_table: PriceTable) -> None:
    model = costing_table.resolve("automatic").model
    cost = cost_of(model, TokenUsage(cache_write_5m=500, cache_write_1h=100))
    assert cost.cache_write == Decimal("0.0012")


def test_batch_discount_applies_to_tier_rates(costing_table: PriceTable) -> None:
    model = costing_table.resolve("automatic").model
    assert rates_for(model, 2000, batch=True).input == Decimal("2.0")
    assert cost_of(model, TokenUsage(input=2000, output=100), batch=True).total == Decimal("0.005")


def test_explicit_batch_rates(costing_table: PriceTable) -> None:
    model = costing_table.resolve("explicit").model
    assert cost_of(model, TokenUsage(input=1000, output=100), batch=True).total == Decimal(
        "0.00225"
    )


@pytest.mark.parametrize(
    ("model", "usage", "batch", "missing"),
    [
        ("plain", TokenUsage(cache_read=10), False, "prompt caching price"),
        ("plain", TokenUsage(input=10), True, "batch price"),
        ("explicit", TokenUsage(input=2000), True, "batch price above 1,000 prompt tokens"),
        ("explicit", TokenUsage(cache_read=2000), False, "cache read price above 1,000"),
        ("explicit", TokenUsage(input=10, cache_read=10), True, "cache read price under batch"),
    ],
)
def test_missing_price_is_an_error_never_zero(
    costing_table: PriceTable, model: str, usage: TokenUsage, batch: bool, missing: str
) -> None:
    with pytest.raises(UnpricedError, match=missing):
        cost_of(costing_table.resolve(model).model, usage, batch=batch)


def test_seed_era_claude_has_no_one_hour_cache(seed_table: PriceTable) -> None:
    haiku = seed_table.resolve("claude-3-5-haiku").model
    with pytest.raises(UnpricedError, match="1-hour cache write price"):
        cost_of(haiku, TokenUsage(cache_write_1h=100))


def test_zero_tokens_cost_zero_even_without_prices(costing_table: PriceTable) -> None:
    assert cost_of(costing_table.resolve("plain").model, TokenUsage()).total == 0


def test_negative_tokens_are_refused(costing_table: PriceTable) -> None:
    with pytest.raises(ValueError, match="output tokens must not be negative"):
        cost_of(costing_table.resolve("plain").model, TokenUsage(output=-1))


def test_cost_of_takes_a_model_name_from_the_default_table() -> None:
    # gpt-4o at $2.50 per million input tokens in the newest bundled table.
    assert cost_of("gpt-4o", TokenUsage(input=1)).input == Decimal("0.0000025")
    assert cost_of("gpt-4o", TokenUsage(input=2000, output=500)).total == Decimal("0.01")

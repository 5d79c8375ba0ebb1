"""Service tiers, batch rules and inclusive tier thresholds: hand-computed Decimal costs."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tokcost.errors import PricingError, UnpricedError
from tokcost.pricing.costing import TokenUsage, cost_of
from tokcost.pricing.table import PriceTable, load_price_table

if TYPE_CHECKING:
    from conftest import Run

TABLE = Path(__file__).parent / "data" / "pricing" / "service-tiers.yaml"


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return load_price_table(path=TABLE)


def total(table: PriceTable, model: str, usage: TokenUsage, **how: object) -> Decimal:
    return cost_of(table.resolve(model).model, usage, **how).total  # type: ignore[arg-type]


def test_flex_and_priority_on_an_openai_model(table: PriceTable) -> None:
    usage = TokenUsage(input=10_000, output=1_000)
    # 10,000 x 1.25 + 1,000 x 7.5 per million; then 5 and 30.
    assert total(table, "gpt-5.4", usage, service_tier="flex") == Decimal("0.02")
    assert total(table, "gpt-5.4", usage, service_tier="priority") == Decimal("0.08")
    assert total(table, "gpt-5.4", usage) == Decimal("0.04")


def test_flex_and_priority_on_a_gemini_model_with_their_long_context_tiers(table: PriceTable
                                                                             ) -> None:
    small, large = TokenUsage(input=100_000, output=2_000), TokenUsage(input=300_000, output=2_000)
    assert total(table, "gemini-2.5-pro", small, service_tier="flex") == Decimal("0.0725")
    assert total(table, "gemini-2.5-pro", small, service_tier="priority") == Decimal("0.261")
    # Above 200,000 prompt tokens: 300,000 x 1.25 + 2,000 x 7.5; 300,000 x 4.5 + 2,000 x 27.
    assert total(table, "gemini-2.5-pro", large, service_tier="flex") == Decimal("0.39")
    assert total(table, "gemini-2.5-pro", large, service_tier="priority") == Decimal("1.404")


def test_a_service_tier_that_lists_no_long_context_step_is_not_guessed(table: PriceTable) -> None:
    # gpt-5.4's standard prices rise from 272,000 prompt tokens; its priority set says nothing.
    with pytest.raises(UnpricedError, match="priority service tier price from 272,000 prompt"):
        total(table, "gpt-5.4", TokenUsage(input=300_000), service_tier="priority")
    with pytest.raises(UnpricedError, match=r"flex service tier price \(it is sold at standard\)"):
        total(table, "grok-4.3", TokenUsage(input=10), service_tier="flex")


def test_batch_with_cache_reads_on_gemini_openai_and_xai(table: PriceTable) -> None:
    usage = TokenUsage(input=100_000, cache_read=50_000, output=2_000)
    # Gemini: input 0.625, output 5, cache reads undiscounted at 0.125.
    assert total(table, "gemini-2.5-pro", usage, batch=True) == Decimal("0.07875")
    # OpenAI: half of everything, cache reads included: 1.25, 0.125, 7.5.
    assert total(table, "gpt-5.4", usage, batch=True) == Decimal("0.14625")
    # xAI: 20% off everything: 1, 0.16, 2.
    assert total(table, "grok-4.3", usage, batch=True) == Decimal("0.112")
    # ... and above its threshold too: 300,000 x 2 + 1,000 x 4.
    assert total(table, "grok-4.3", TokenUsage(input=300_000, output=1_000), batch=True) == \
        Decimal("0.604")


def test_a_tier_from_its_threshold_applies_at_exactly_that_many_tokens(table: PriceTable) -> None:
    # xAI bills its long-context prices from 200,000 prompt tokens on.
    at = cost_of(table.resolve("grok-4.3").model, TokenUsage(input=200_000, output=1_000))
    assert (at.total, at.tier_above) == (Decimal("0.505"), 200_000)
    below = cost_of(table.resolve("grok-4.3").model, TokenUsage(input=199_999, output=1_000))
    assert (below.total, below.tier_above) == (Decimal("0.25249875"), None)
    # Gemini's `above: 200000` does not apply at exactly 200,000.
    assert total(table, "gemini-2.5-pro", TokenUsage(input=200_000)) == Decimal("0.25")
    assert total(table, "gemini-2.5-pro", TokenUsage(input=200_001)) == Decimal("0.5000025")


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_project_at_a_service_tier(cli: Run) -> None:
    result = cli("project", "--rpd", "1000", "--input-tokens", "10000", "--output-tokens", "1000",
                 "-m", "gpt-5.4", "-m", "grok-4.3", "--service-tier", "flex", "--pricing",
                 str(TABLE), "-f", "csv")
    assert result.status == 0, result.err
    got = {row["model"]: (row["cost_per_request_usd"], row["daily_cost_usd"])
           for row in rows(result.out)}
    assert got == {"gpt-5.4": ("0.02", "20"), "grok-4.3": ("", "")}
    assert "grok-4.3 (flex service tier price (it is sold at standard))" in result.err


def test_simulate_and_count_at_a_service_tier(cli: Run, tmp_path: Path) -> None:
    simulated = cli("simulate", "-m", "gemini-2.5-pro", "--turns", "1", "--system-tokens", "0",
                    "--user-tokens", "100000", "--assistant-tokens", "2000", "--service-tier",
                    "priority", "--pricing", str(TABLE), "-f", "csv")
    assert simulated.status == 0, simulated.err
    [row] = rows(simulated.out)
    # 100,000 tokens and Gemini's framing, at 2.25; 2,000 output tokens at 18.
    assert (row["input_tokens"], row["turn_cost_usd"]) == ("100001", "0.26100225")
    text = tmp_path / "prompt.txt"
    text.write_text("hello " * 1000)
    counted = cli("count", str(text), "-m", "gpt-5.4", "-m", "grok-4.3", "--service-tier",
                  "priority", "--pricing", str(TABLE), "-f", "csv")
    assert counted.status == 0, counted.err
    costs = {row["model"]: (row["tokens"], row["input_cost_usd"]) for row in rows(counted.out)}
    # 1,000 "hello" and the last space: 1,001 tokens, at 5 per million.
    assert costs == {"gpt-5.4": ("1001", "0.005005"), "grok-4.3": ("1001", "")}
    assert "grok-4.3 has no priority service tier price (it is sold at standard): its input " \
           "cost is left empty" in counted.err


@pytest.mark.parametrize(("args", "status", "message"), [
    (("--service-tier", "flx"), 2, "tokcost: error: --service-tier 'flx': no model in price "
                                   "table"),
    (("--service-tier", "flex", "--batch"), 2, "--batch and --service-tier go separately"),
])
def test_a_service_tier_that_cannot_be_used_is_one_clear_error(cli: Run, args: tuple[str, ...],
                                                               status: int, message: str
                                                               ) -> None:
    result = cli("project", "--rpd", "1", "--pricing", str(TABLE), *args)
    assert result.status == status and result.out == ""
    assert message in result.err and "Traceback" not in result.err


def problems_of(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(PricingError) as caught:
        load_price_table(path=path)
    return [f"{p.field}: {p.message}" for p in caught.value.problems]


HEAD = ("schema_version: {v}\neffective: 2026-12-01\ncurrency: USD\n"
        "sources: {{openai: https://openai.com/api/pricing/}}\nmodels:\n  m:\n"
        "    provider: openai\n    context_window: 1000000\n    max_output_tokens: 1000\n"
        "    tokenizer: {{encoding: o200k_base, accuracy: exact}}\n")


def test_validation_refuses_what_no_provider_sells(tmp_path: Path) -> None:
    text = HEAD.format(v=2) + (
        "    input: 1\n    output: 2\n    cache_read: 3\n    caching: automatic\n"
        "    tiers:\n      - {from: 200000, input: 0.5, output: 4}\n"
        "    service_tiers:\n      standard: {input: 1, output: 2}\n"
        "      flex: {input: 0.5, output: 1, cache_read: 0.6}\n")
    assert problems_of(text, tmp_path) == [
        "cache_read: the cache read price (3) is dearer than the input price (1)",
        "tiers[0]: a long-context tier is cheaper than the prices below it (tiers only ever "
        "raise them)",
        "service_tiers.standard: a service tier needs a lower-case name other than standard and "
        "batch (those are the model's own rates and its batch field)",
        "service_tiers.flex.cache_read: the cache read price (0.6) is dearer than the input "
        "price (0.5)",
    ]


def test_version_2_fields_in_a_version_1_table_say_so(tmp_path: Path) -> None:
    text = HEAD.format(v=1) + (
        "    input: 1\n    output: 2\n    mode: chat\n"
        "    tiers:\n      - {from: 200000, input: 2, output: 4}\n"
        "    service_tiers:\n      flex: {input: 0.5, output: 1}\n")
    assert problems_of(text, tmp_path) == [
        "mode: mode needs schema_version: 2",
        "tiers[0].from: a `from` threshold needs schema_version: 2",
        "service_tiers: service tiers need schema_version: 2",
    ]


def test_embedding_models_are_listed_apart_and_not_simulated(cli: Run) -> None:
    result = cli("simulate", "-m", "text-embedding-3-small")
    assert result.status == 2 and result.err == (
        "tokcost: error: text-embedding-3-small is an embedding model, and a simulated "
        "conversation needs a chat model (`tokcost models --mode chat` lists them)\n")
    projected = cli("project", "--rpd", "10", "-p", "openai", "-f", "csv")
    assert "text-embedding" not in projected.out and "gpt-4o" in projected.out


def project_per_request(cli: Run, *args: str) -> tuple[dict[str, str], str]:
    """Each model's cost per request, and the notes, of a 1,000-in 1,000-out projection."""
    result = cli("project", "--rpd", "100", "--input-tokens", "1000", "--output-tokens", "1000",
                 "-f", "csv", *args)
    assert result.status == 0, result.err
    return {row["model"]: row["cost_per_request_usd"] for row in rows(result.out)}, result.err


def test_web_searches_are_billed_per_search_at_the_model_s_fee(cli: Run) -> None:
    got, notes = project_per_request(cli, "-m", "claude-opus-4-8", "-m", "gpt-4o", "-m",
                                     "mistral-large-4", "--web-searches", "2")
    # 1,000 x 5 + 1,000 x 25 per million, and two searches at $0.01; gpt-4o: 1,000 x 2.5 +
    # 1,000 x 10 per million and the same two searches. Mistral sells no web search.
    assert got == {"claude-opus-4-8": "0.05", "gpt-4o": "0.0325", "mistral-large-4": ""}
    assert "mistral-large-4 (web search fee)" in notes
    simulated = cli("simulate", "-m", "claude-opus-4-8", "--turns", "2", "--system-tokens", "0",
                    "--user-tokens", "100", "--assistant-tokens", "100", "--web-searches", "3",
                    "-f", "csv")
    # Turn 1: 106 x 5 + 100 x 25 per million, plus 3 x 0.01; turn 2: 312 input tokens.
    assert [(row["input_tokens"], row["turn_cost_usd"]) for row in rows(simulated.out)] == [
        ("106", "0.03303"), ("312", "0.03406")]


def test_off_peak_prices_for_a_share_of_the_requests(cli: Run) -> None:
    got, notes = project_per_request(cli, "-m", "deepseek-flash", "-m", "gpt-4o",
                                     "--off-peak", "0.5")
    # Half at 0.3 and 1.2 (0.0015), half at the off-peak 0.15 and 0.6 (0.00075).
    # gpt-4o bills the same at every hour: its standard 2.5 and 10 (0.0125), with a note.
    assert got == {"deepseek-flash": "0.001125", "gpt-4o": "0.0125"}
    assert ("tokcost: note: --off-peak: no off-peak prices for gpt-4o: they bill the same at "
            "every hour, so are priced at their standard prices") in notes


def test_off_peak_is_refused_with_simulated_turns(cli: Run) -> None:
    result = cli("project", "--rpd", "10", "--turns", "3", "-m", "deepseek-flash",
                 "--off-peak", "0.5")
    assert result.status == 2
    assert result.err == ("tokcost: error: --off-peak goes with --input-tokens or --from: "
                          "--turns simulates one conversation at one time of day\n")


def test_one_hour_and_twelve_hour_cache_writes(cli: Run) -> None:
    table = load_price_table()
    opus = table.resolve("claude-opus-4-8").model
    terra = table.resolve("gpt-5.6-terra").model
    # 100,000 tokens written: at Anthropic's 1-hour price (10) and OpenAI's 12-hour one (5).
    assert cost_of(opus, TokenUsage(cache_write_1h=100_000)).total == Decimal("1")
    assert cost_of(terra, TokenUsage(cache_write_12h=100_000)).total == Decimal("0.5")
    # Past 272,000 prompt tokens the 12-hour price is the tier's (10): 300,000 x 10.
    assert cost_of(terra, TokenUsage(cache_write_12h=300_000)).total == Decimal("3")
    with pytest.raises(UnpricedError, match="12-hour cache write price"):
        cost_of(opus, TokenUsage(cache_write_12h=1))
    simulated = cli("simulate", "-m", "gpt-5.6-terra", "--turns", "2", "--system-tokens", "2000",
                    "--user-tokens", "100", "--assistant-tokens", "100", "--cache",
                    "--cache-ttl", "12h", "-f", "csv")
    assert simulated.status == 0, simulated.err
    first = rows(simulated.out)[0]
    # 2,108 tokens written at 5, the other 3 at 2, and 100 output tokens at 12.
    assert (first["input_tokens"], first["cache_write_tokens"], first["turn_cost_usd"]) == (
        "2111", "2108", "0.011746")
    refused = cli("simulate", "-m", "claude-opus-4-8", "--cache", "--cache-ttl", "12h")
    assert refused.status == 1 and refused.err == (
        "tokcost: error: claude-opus-4-8 has no 12-hour cache write price; use --cache-ttl 5m\n")


def test_simulate_compares_several_models_in_one_table(cli: Run, tmp_path: Path) -> None:
    result = cli("simulate", "-m", "gpt-4o", "-m", "claude-sonnet-4-6", "--turns", "2", "-f",
                 "csv")
    assert result.status == 0, result.err
    got = [(row["model"], row["turn"], row["input_tokens"], row["turn_cost_usd"])
           for row in rows(result.out)]
    # gpt-4o: 661 x 2.5 + 350 x 10 per million; Claude Sonnet 4.6: 659 x 3 + 350 x 15.
    assert got == [("gpt-4o", "1", "661", "0.0051525"), ("gpt-4o", "2", "1169", "0.0064225"),
                   ("claude-sonnet-4-6", "1", "659", "0.007227"),
                   ("claude-sonnet-4-6", "2", "1165", "0.008745")]
    # Several models on one chart, each with its context window once requests come near it.
    chart = tmp_path / "growth.svg"
    plotted = cli("simulate", "--turns", "300", "-m", "gpt-4o", "-m", "grok-4.3", "--plot",
                  str(chart), "-f", "csv")
    assert plotted.status == 0, plotted.err
    drawing = chart.read_text()
    for label in ("gpt-4o: input tokens", "grok-4.3: input tokens", "gpt-4o: cumulative cost",
                  "gpt-4o: context window (128,000)"):
        assert label in drawing, label
    # Grok's 1,000,000-token window is far above 300 turns' ~153,000 tokens: not drawn.
    assert "grok-4.3: context window" not in drawing
    # Where each model's requests stop fitting is marked, model by model: gpt-4o's from turn
    # 251 (127,661 input tokens and a 350-token reply pass 128,000), never Grok's.
    assert "gpt-4o: no longer fits from turn 251" in drawing
    assert "grok-4.3: no longer fits" not in drawing


def test_each_model_of_a_comparison_plot_is_marked_where_it_stops_fitting(cli: Run,
                                                                         tmp_path: Path
                                                                         ) -> None:
    chart = tmp_path / "growth.svg"
    plotted = cli("simulate", "-m", "gpt-4o", "-m", "claude-haiku-4-5", "-m", "grok-4.3",
                  "--turns", "40", "--user-tokens", "3000", "--assistant-tokens", "2000",
                  "--plot", str(chart), "-f", "csv")
    assert plotted.status == 0, plotted.err
    drawing = chart.read_text()
    # Turn t sends 5,008t - 1,497 tokens and asks for a 2,000-token reply: gpt-4o's 128,000
    # are passed at turn 26, Claude Haiku 4.5's 200,000 at turn 40, Grok's 1,000,000 never.
    assert "gpt-4o: no longer fits from turn 26" in drawing
    assert "claude-haiku-4-5: no longer fits from turn 40" in drawing
    assert "grok-4.3: no longer fits" not in drawing
    # One model: the same mark, and it does not need the window to be drawn (a reply longer
    # than the model's max output does not fit at any size).
    single = tmp_path / "one.svg"
    cli("simulate", "-m", "gpt-4o", "--turns", "3", "--max-output", "20000", "--plot",
        str(single), "-f", "csv")
    assert "no longer fits from turn 1" in single.read_text()


def test_a_fee_per_request_is_billed_on_every_request(cli: Run, tmp_path: Path) -> None:
    overlay = tmp_path / "fees.yaml"
    overlay.write_text("extends: latest\nmodels:\n  gpt-4o: {fees: {request: 0.001}}\n")
    result = cli("project", "--rpd", "1000", "--input-tokens", "2000", "--output-tokens", "500",
                 "-m", "gpt-4o", "--pricing", str(overlay), "-f", "csv")
    # $0.01 of tokens (2,000 x 2.5 + 500 x 10 per million) and the $0.001 fee.
    assert rows(result.out)[0]["cost_per_request_usd"] == "0.011"
    # count prices each conversation as a request: 216 tokens at 2.5 per million, and the fee.
    counted = cli("count", "examples/support-chat.json", "-m", "gpt-4o", "--pricing",
                  str(overlay), "-f", "csv")
    assert rows(counted.out)[0]["input_cost_usd"] == "0.00154"


def test_service_tier_names_are_read_in_any_case(cli: Run) -> None:
    upper = cli("project", "--rpd", "1", "--input-tokens", "1000", "-m", "gpt-5.4",
                "--service-tier", "FLEX", "--pricing", str(TABLE), "-f", "csv")
    lower = cli("project", "--rpd", "1", "--input-tokens", "1000", "-m", "gpt-5.4",
                "--service-tier", "flex", "--pricing", str(TABLE), "-f", "csv")
    assert upper.status == 0, upper.err
    assert upper.out == lower.out


def test_a_fee_per_image_is_billed_on_the_images_a_request_sends(cli: Run, tmp_path: Path
                                                                  ) -> None:
    overlay = tmp_path / "images.yaml"
    overlay.write_text("extends: latest\nmodels:\n"
                       "  gemini-3.1-pro-preview: {fees: {image: 0.0005}}\n")
    # The header of a 64 x 64 PNG: its size is all that is counted.
    image = {"type": "image_url", "image_url": {
        "url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAIAAAAlC+aJ"}}
    chat = tmp_path / "chat.json"
    chat.write_text(json.dumps({"model": "gemini-3.1-pro-preview", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "What is in these?"}, image,
                                     image]},
        {"role": "assistant", "content": "Two black squares."}]}))
    counted = rows(cli("count", str(chat), "--pricing", str(overlay), "-f", "csv").out)[0]
    # 527 tokens (two images of 258 by Google's rule, and the text) at $2 per million, and
    # two images at $0.0005.
    assert (counted["tokens"], counted["input_cost_usd"]) == ("527", "0.002054")
    projected = cli("project", "--from", str(chat), "--rpd", "1000", "-m", "gemini-3.1-pro-preview",
                    "--pricing", str(overlay),
                    "-f", "csv")
    # The prompt before the reply: 522 tokens x $2 and 4 reply tokens x $12, plus the images.
    assert rows(projected.out)[0]["cost_per_request_usd"] == "0.002092"
    given = cli("project", "--rpd", "1000", "--input-tokens", "2000", "--output-tokens", "500",
                "--images", "2", "-m", "gemini-3.1-pro-preview", "-m", "gpt-4o",
                "--pricing", str(overlay), "-f", "csv")
    # 2,000 x 2 + 500 x 12 per million is $0.01, and $0.001 of images; gpt-4o has no such fee.
    assert [(row["model"], row["cost_per_request_usd"]) for row in rows(given.out)] == [
        ("gpt-4o", "0.01"), ("gemini-3.1-pro-preview", "0.011")]
    both = cli("project", "--from", str(chat), "--images", "1", "--rpd", "10")
    assert (both.status, both.err) == (2, "tokcost: error: --images goes with --input-tokens: "
                                          "--from counts the images in the conversations, and "
                                          "--turns simulates text\n")

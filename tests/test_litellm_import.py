"""Building a snapshot from LiteLLM's price list (a small excerpt of the real file)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tokcost.errors import InputFileError, TokcostError
from tokcost.pricing.costing import TokenUsage, cost_of
from tokcost.pricing.litellm_import import import_litellm, read_litellm_json, selected_patterns
from tokcost.pricing.table import load_file

if TYPE_CHECKING:
    from conftest import Result  # the fixtures' result type, for annotations only

EXCERPT = Path(__file__).parent / "data" / "litellm_excerpt.json"


def test_import_converts_prices_tiers_batch_and_aliases(tmp_path: Path) -> None:
    data = read_litellm_json(EXCERPT)
    result = import_litellm(data, date(2026, 11, 22), ["gpt-4o", "claude-sonnet-4-5",
                                                      "gemini/gemini-2.5-pro", "xai/grok-4.7"])
    assert result.models == ["gpt-4o", "claude-sonnet-4-5", "gemini-2.5-pro", "grok-4.7"]
    out = tmp_path / "2026-11-22.yaml"
    out.write_text(result.yaml_text)
    table = load_file(out)

    gpt_4o = table.resolve("gpt-4o").model
    assert gpt_4o.rates.input == Decimal("2.5") and gpt_4o.rates.output == Decimal("10")
    assert gpt_4o.rates.cache_read == Decimal("1.25")
    assert gpt_4o.caching == "automatic" and gpt_4o.cache_min_tokens == 1024
    assert gpt_4o.batch is not None and gpt_4o.batch.discount == Decimal("0.5")
    # The dated snapshot priced like the base becomes an alias; the dearer 2024-05-13 does not.
    assert gpt_4o.aliases == ("gpt-4o-2024-08-06",)
    assert (gpt_4o.tokenizer.encoding, gpt_4o.tokenizer.accuracy) == ("o200k_base", "exact")

    sonnet = table.resolve("claude-sonnet-4-5-20250929").model
    assert sonnet.id == "claude-sonnet-4-5"
    assert (sonnet.rates.cache_write_5m, sonnet.rates.cache_write_1h) == (Decimal("3.75"),
                                                                          Decimal("6"))
    assert sonnet.caching == "explicit"
    assert sonnet.tokenizer.accuracy == "estimate"

    pro = table.resolve("gemini-2.5-pro").model
    assert pro.provider == "google"
    assert [(t.above, t.rates.input, t.rates.output, t.rates.cache_read) for t in pro.tiers] == [
        (200_000, Decimal("2.5"), Decimal("15"), Decimal("0.25"))
    ]

    grok = table.resolve("xai/grok-4.7").model
    # Batch 1.6 and 4.8 against 2 and 6: one discount of 20% on every price.
    assert grok.batch is not None and grok.batch.discount == Decimal("0.2")
    assert table.snapshot.sources["xai"] == "https://docs.x.ai/docs/models"


def test_import_skips_what_it_cannot_price() -> None:
    data = read_litellm_json(EXCERPT)
    result = import_litellm(data, date(2026, 11, 22), ["sample_spec", "bedrock/*",
                                                      "o1", "deepseek/*"])
    assert result.models == ["deepseek-v4-flash", "deepseek-flash"]
    assert result.skipped == [
        "sample_spec: mode 'one of: chat, embedding, completion, image_generation, "
        "audio_transcription, audio_speech, image_generation, moderation, rerank, search' is not "
        "priced by tokens (tokcost imports chat, responses, embedding)",
        "bedrock/*/1-month-commitment/cohere.command-light-text-v14: provider 'bedrock' is not "
        "one we price (openai, anthropic, gemini, xai, deepseek, mistral)",
        "o1: retired on 2026-10-23",
        "deepseek/deepseek-chat: retired on 2026-07-24",
    ]


def test_deepseek_free_cache_writes_mean_automatic_caching() -> None:
    data = read_litellm_json(EXCERPT)
    result = import_litellm(data, date(2026, 7, 1), ["deepseek/deepseek-chat"])
    assert "    caching: automatic\n" in result.yaml_text
    assert "cache_write" not in result.yaml_text


def test_a_pattern_that_matches_nothing_is_an_error() -> None:
    with pytest.raises(TokcostError, match="no LiteLLM model matches 'gpt-9'"):
        import_litellm(read_litellm_json(EXCERPT), date(2026, 11, 22), ["gpt-9"])


def test_unreadable_json_names_the_place(tmp_path: Path) -> None:
    broken = tmp_path / "prices.json"
    broken.write_text('{"gpt-4o": {"input_cost_per_token": }')
    with pytest.raises(InputFileError, match=r"prices.json:1:\d+: not valid JSON"):
        read_litellm_json(broken)


def test_selected_patterns_split_commas() -> None:
    assert selected_patterns(["a,b", " c ", ""]) == ["a", "b", "c"]


def test_cli_writes_a_valid_snapshot(tmp_path: Path, cli: Callable[..., Result]) -> None:
    out = tmp_path / "2026-11-29.yaml"
    result = cli("pricing", "import-litellm", str(EXCERPT), "--effective", "2026-11-29",
                 "--models", "gpt-4o,claude-*", "--out", str(out))
    assert result.status == 0
    # claude-* also matches LiteLLM's alias claude-opus-latest, whose model the excerpt lacks.
    assert result.err == ("tokcost: note: skipped claude-opus-latest: an alias of a model the "
                          "list does not have (claude-opus-5-5)\n"
                          "tokcost: note: imported 2 models, skipped 1 (1 an alias of a model "
                          "the list does not have)\n"
                          f"tokcost: wrote 2 models to {out}\n")
    validated = cli("pricing", "validate", str(out))
    assert validated.out == (f"{out}: valid: 2 models from 2 providers, effective 2026-11-29, "
                             "schema version 2\n")


def test_cli_rejects_a_bad_effective_date(cli: Callable[..., Result]) -> None:
    result = cli("pricing", "import-litellm", str(EXCERPT), "--effective", "soon",
                 "--models", "gpt-4o")
    assert result.status == 2
    assert "'soon' is not a date as YYYY-MM-DD" in result.err


def test_everything_imports_without_aborting_and_every_skip_has_its_line(
        cli: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "2026-12-01.yaml"
    result = cli("pricing", "import-litellm", str(EXCERPT), "--effective", "2026-12-01",
                 "--models", "*", "--out", str(out))
    assert result.status == 0, result.err
    notes = result.err.splitlines()
    assert notes[-2] == ("tokcost: note: imported 12 models, skipped 10 (7 retired; 1 an alias "
                         "of a model the list does not have; 1 mode is not priced by tokens; 1 "
                         "provider is not one we price)")
    assert "tokcost: note: skipped gpt-5-codex: retired on 2026-07-23" in notes
    # A tier that can never apply leaves the model in, without that tier, and says so.
    assert ("tokcost: note: not imported: the long-context prices above 272,000 prompt tokens "
            "of 1 model (gpt-5.6-cyber): they can never apply within the context window"
            ) in notes
    # What the table has no place for is named with its models, never dropped in silence.
    assert ("tokcost: note: not imported: LiteLLM's input_cost_per_image_token of 3 models "
            "(grok-4.7, grok-4.3, gemini-embedding-2): the table has no place for it") in notes
    assert cli("pricing", "validate", str(out)).status == 0
    table = load_file(out)
    cyber = table.resolve("gpt-5.6-cyber").model
    assert (cyber.rates.input, cyber.tiers, cyber.context_window) == (Decimal("12.5"), (),
                                                                      272_000)
    # LiteLLM's alias_of entries are aliases of the model they name.
    assert table.resolve("grok-latest").model.id == "grok-4.7"
    odd = tmp_path / "odd.json"
    entry = dict(read_litellm_json(EXCERPT)["gpt-5.4"], input_cost_per_token_ultrafast=5e-06,
                 output_cost_per_token_flex=None)
    odd.write_text(json.dumps({"gpt-5.4": entry}))
    dropped = cli("pricing", "import-litellm", str(odd), "--effective", "2026-12-01",
                  "--models", "*", "--out", str(tmp_path / "odd.yaml"))
    assert dropped.err.splitlines()[:2] == [
        "tokcost: note: not imported: the flex prices of 1 model (gpt-5.4): LiteLLM gives no "
        "output price for them",
        "tokcost: note: not imported: the ultrafast service tier (LiteLLM's *_ultrafast prices) "
        "of 1 model (gpt-5.4): the table has no place for it"]


def test_an_alias_comes_in_with_its_model_and_is_skipped_without_it() -> None:
    data = read_litellm_json(EXCERPT)
    both = import_litellm(data, date(2026, 12, 1), ["xai/grok-latest", "xai/grok-4.7"])
    assert (both.models, both.skipped) == (["grok-4.7"], [])
    assert "    aliases: [grok-latest]\n" in both.yaml_text
    alone = import_litellm(data, date(2026, 12, 1), ["xai/grok-latest"])
    assert (alone.models, alone.skipped) == ([], [
        "xai/grok-latest: an alias of a model this import does not bring in (xai/grok-4.7, "
        "select it too)"])


def test_an_embedding_model_keeps_its_batch_price_and_names_what_it_leaves_out() -> None:
    result = import_litellm(read_litellm_json(EXCERPT), date(2026, 12, 1),
                            ["gemini/gemini-embedding-2"])
    assert "    batch: {discount: 0.5}\n" in result.yaml_text  # 0.10 of 0.20
    assert result.left_out() == [
        f"LiteLLM's {key} of 1 model (gemini-embedding-2): the table has no place for it"
        for key in ("input_cost_per_audio_token", "input_cost_per_audio_token_batches",
                    "input_cost_per_image_token", "input_cost_per_image_token_batches",
                    "input_cost_per_video_token", "input_cost_per_video_token_batches")]


def test_service_tiers_batch_rules_and_thresholds_come_in(tmp_path: Path) -> None:
    result = import_litellm(read_litellm_json(EXCERPT), date(2026, 12, 1), [
        "gpt-5.4", "xai/grok-4.3", "gemini/gemini-3.1-pro-preview", "gemini/gemini-flash-latest",
        "text-embedding-3-small"])
    out = tmp_path / "2026-12-01.yaml"
    out.write_text(result.yaml_text)
    table = load_file(out)
    gpt = table.resolve("gpt-5.4").model
    flex, priority = gpt.price_set("flex"), gpt.price_set("priority")
    assert flex is not None and priority is not None
    assert (flex.rates.input, flex.rates.output, flex.rates.cache_read) == (
        Decimal("1.25"), Decimal("7.5"), Decimal("0.13"))
    assert [(t.above, t.rates.input, t.rates.output) for t in flex.tiers] == [
        (272_000, Decimal("2.5"), Decimal("11.25"))]
    assert (priority.rates.input, priority.rates.output, priority.tiers) == (
        Decimal("5"), Decimal("30"), ())
    # xAI: 20% off everything in batch, and its long-context prices from 200,000 tokens on.
    grok = table.resolve("grok-4.3").model
    assert grok.batch is not None and grok.batch.discount == Decimal("0.2")
    assert [(t.above, t.inclusive) for t in grok.tiers] == [(200_000, True)]
    # Gemini: batch halves input and output, not cache reads.
    pro = table.resolve("gemini-3.1-pro-preview").model
    assert pro.batch is not None and pro.batch.rates is not None
    assert (pro.batch.rates.input, pro.batch.rates.cache_read) == (Decimal("1"), Decimal("0.2"))
    assert [(t.above, t.rates.input) for t in pro.batch.tiers] == [(200_000, Decimal("2"))]
    latest = table.resolve("gemini-flash-latest").model
    assert latest.batch == latest.batch._replace(discount=Decimal("0.5"),
                                                 applies_to=("input", "output"))
    embedding = table.resolve("text-embedding-3-small").model
    assert (embedding.mode, embedding.rates.input, embedding.max_output_tokens) == (
        "embedding", Decimal("0.02"), 0)


def test_a_fee_per_image_comes_in_and_is_billed_besides_the_tokens(tmp_path: Path) -> None:
    # Gemini's Deep Research preview (retired 2026-10-23, so imported as of a date before).
    result = import_litellm(read_litellm_json(EXCERPT), date(2026, 10, 1),
                            ["gemini/deep-research-pro-preview-12-2025"])
    out = tmp_path / "2026-10-01.yaml"
    out.write_text(result.yaml_text)
    model = load_file(out).resolve("deep-research-pro-preview-12-2025").model
    assert dict(model.fees) == {"web_search": Decimal("0.035"), "image": Decimal("0.0011")}
    # 1,000 input tokens at $2 per million and two images at $0.0011 each.
    cost = cost_of(model, TokenUsage(input=1000, images=2))
    assert (cost.input, cost.fees, cost.total) == (Decimal("0.002"), Decimal("0.0022"),
                                                   Decimal("0.0042"))
    # A model without the fee bills an image only as its tokens.
    gpt = load_file(out).resolve("deep-research-pro-preview-12-2025").model._replace(fees=())
    assert cost_of(gpt, TokenUsage(input=1000, images=2)).total == Decimal("0.002")


def test_an_entry_without_a_mode_is_skipped_saying_so(
        cli: Callable[..., Result], tmp_path: Path) -> None:
    listing = tmp_path / "prices.json"
    listing.write_text(json.dumps({"acme-voice": {"litellm_provider": "openai",
                                                  "input_cost_per_token": 1e-06}}))
    result = cli("pricing", "import-litellm", str(listing), "--effective", "2026-12-01",
                 "--models", "*")
    # Nothing came in: that is said, with why, and no snapshot is written (not a complaint
    # about the empty file's missing fields).
    assert (result.status, result.out) == (1, "")
    assert result.err.splitlines() == [
        "tokcost: note: skipped acme-voice: it gives no mode (tokcost imports chat, responses, "
        "embedding)",
        "tokcost: note: imported 0 models, skipped 1 (1 it gives no mode)",
        "tokcost: error: no model of * could be imported (each skip is named above), so nothing "
        "is written to <stdout>"]

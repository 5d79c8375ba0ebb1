"""`tokcost pricing check`: a table against LiteLLM's and genai-prices' lists, price set by price
set (standard, batch, every service tier, their cache prices and long-context steps), from the
files their wheels ship."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tokcost.errors import InputFileError
from tokcost.pricing.genai_prices import facts, find_model, price_sets, read_data_py
from tokcost.pricing.price_lists import read_price_list

if TYPE_CHECKING:
    from conftest import Result  # the fixtures' result type, for annotations only

DATA = Path(__file__).parent / "data"
LITELLM = DATA / "litellm_excerpt.json"
# genai-prices 0.2.3's own data.py, cut to eight models: its wheel ships no JSON.
GENAI_PY = DATA / "genai_prices_excerpt.py"
GENAI_JSON = DATA / "genai_prices_excerpt.json"


def test_pricing_check_lists_every_price_that_differs_from_the_list(
        cli: Callable[..., Result]) -> None:
    table = DATA / "pricing" / "service-tiers.yaml"
    result = cli("pricing", "check", str(LITELLM), "--pricing", str(table), "-f", "csv")
    assert result.status == 0, result.err
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert {row["model"] for row in rows} == {"gemini-2.5-pro", "gpt-5.4"}  # grok-4.3 agrees
    changed = {(row["model"], row["field"]): (row["old"], row["new"]) for row in rows}
    # The test table says OpenAI's 272k step includes its bound; the list says it does not.
    assert changed["gpt-5.4", "from_272000_input_per_mtok"] == ("5", "")
    assert changed["gpt-5.4", "above_272000_input_per_mtok"] == ("", "5")
    assert changed["gemini-2.5-pro", "max_output_tokens"] == ("65535", "65536")
    assert changed["gemini-2.5-pro", "maps_grounding_fee"] == ("", "0.025")  # a per-query fee
    # Batch prices are compared as they bill: the table's 50% discount halves gpt-5.4's cache
    # read to 0.125, where the list has OpenAI's rounded 0.13; gemini-2.5-pro's discount on
    # input and output only bills as the list's explicit batch prices, so agrees.
    assert changed["gpt-5.4", "batch_cache_read_per_mtok"] == ("0.125", "0.13")
    assert not any(field.startswith("batch_") for model, field in changed
                   if model == "gemini-2.5-pro")
    assert len(rows) == 24
    assert result.err == ("tokcost: note: not compared: LiteLLM's input_cost_per_image_token "
                          "of 1 model (grok-4.3): the table has no place for it\n"
                          "tokcost: note: 1 of 3 models agree with the list, 2 differ "
                          "(gemini-2.5-pro, gpt-5.4), 0 could not be compared\n")


def test_genai_prices_data_py_is_read_as_data() -> None:
    providers = read_data_py(GENAI_PY.read_text("utf-8"), str(GENAI_PY))
    assert [p["id"] for p in providers] == ["anthropic", "deepseek", "google", "openai", "x-ai"]
    lite = find_model(providers, "google", "gemini-3.5-flash-lite")
    assert lite is not None
    sets, unread = price_sets(lite, date(2026, 12, 1))
    assert unread == []
    # Google's batch tab: input and output halved, context caching 0.02 rather than 0.015.
    assert facts(sets["batch"], "batch_", fees=False) == {
        "batch_input_per_mtok": Decimal("0.15"), "batch_output_per_mtok": Decimal("1.25"),
        "batch_cache_read_per_mtok": Decimal("0.02")}
    gpt = find_model(providers, "openai", "gpt-5.4")
    assert gpt is not None
    sets, _ = price_sets(gpt, date(2026, 12, 1))
    assert sorted(sets) == ["batch", "fast", "flex", "priority", "standard"]
    flex = facts(sets["flex"], "flex_", fees=False)
    assert (flex["flex_input_per_mtok"], flex["flex_above_272000_input_per_mtok"],
            flex["flex_cache_read_per_mtok"]) == (Decimal("1.25"), Decimal("2.5"),
                                                  Decimal("0.13"))
    # A priority variant without a long-context step replaces the whole tiered price.
    assert "priority_above_272000_input_per_mtok" not in facts(sets["priority"], "priority_")
    assert facts(sets["standard"])["web_search_fee"] == Decimal("0.01")  # $10 per 1,000
    # Before the variants' start (2026-10-12), only the standard prices.
    assert sorted(price_sets(gpt, date(2026, 10, 11))[0]) == ["standard"]


def test_a_data_py_with_code_in_it_is_refused_with_its_line(tmp_path: Path) -> None:
    odd = tmp_path / "data.py"
    odd.write_text("providers = [\n    Provider(id=os.environ['X'], models=[]),\n]\n")
    with pytest.raises(InputFileError, match=r"data\.py:2: \"os\.environ\['X'\]\" is not data"):
        read_price_list(odd)


def test_pricing_check_reads_the_genai_prices_wheel_and_compares_every_price_set(
        cli: Callable[..., Result], tmp_path: Path) -> None:
    # The wheel as `pip download --no-deps genai-prices` leaves it: data.py inside, no JSON.
    wheel = tmp_path / "genai_prices-0.2.3-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("genai_prices/__init__.py", "")
        archive.write(GENAI_PY, "genai_prices/data.py")
    from_py = cli("pricing", "check", str(GENAI_PY), "--pricing-version", "2026-12-01", "-f",
                  "csv")
    from_wheel = cli("pricing", "check", str(wheel), "--pricing-version", "2026-12-01", "-f",
                     "csv")
    assert from_py.status == from_wheel.status == 0, from_wheel.err
    assert from_py.out == from_wheel.out
    # The three differences this list found in the table before its review: none is left.
    assert from_py.out.splitlines() == ["model,change,field,old,new,change_pct"]
    notes = from_wheel.err.splitlines()
    assert notes[1:] == [
        "tokcost: note: not compared: the list's service tier fast, which the table has no "
        "place for (1 model: gpt-5.4)",
        "tokcost: note: not compared: the table's flex prices, which the list does not record "
        "(2 models: gemini-3.5-flash-lite, gemini-4-argon)",
        "tokcost: note: not compared: the table's priority prices, which the list does not "
        "record (2 models: gemini-3.5-flash-lite, gemini-4-argon)",
        "tokcost: note: 8 of 92 models agree with the list, 0 differ, 84 could not be "
        "compared"]
    assert notes[0].startswith("tokcost: note: not in the list: 84 models: claude-fable-5, ")


def test_the_differences_the_review_found_are_those_of_the_table_before_it(
        cli: Callable[..., Result], tmp_path: Path) -> None:
    before = tmp_path / "before.yaml"
    # The batch discount the table had: it halves the cache read too, to 0.015.
    before.write_text("extends: 2026-12-01\nmodels:\n"
                      "  gemini-3.5-flash-lite: {batch: {discount: 0.5}}\n")
    result = cli("pricing", "check", str(GENAI_PY), "--pricing", str(before), "-f", "csv")
    assert result.out.splitlines() == [
        "model,change,field,old,new,change_pct",
        "gemini-3.5-flash-lite,changed,batch_cache_read_per_mtok,0.015,0.02,"
        "33.3333333333333"]


def test_a_wheel_without_a_price_list_says_what_it_looked_for(tmp_path: Path) -> None:
    wheel = tmp_path / "other-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("other/__init__.py", "")
    with pytest.raises(InputFileError, match="a wheel without a price list .looked for "
                                             "litellm/model_prices_and_context_window_backup"):
        read_price_list(wheel)


def test_pricing_check_against_genai_prices_json(cli: Callable[..., Result], tmp_path: Path
                                                ) -> None:
    # genai-prices' JSON (its repository's data.json): Claude Sonnet and Opus 4.6 (dated price
    # sets), DeepSeek Flash (its off-peak base and peak windows), Grok 4.3 (a tier past 199,999
    # tokens: the table's `from: 200000`) and Gemini 4 Argon, dearer from 2026-12-01.
    result = cli("pricing", "check", str(GENAI_JSON), "--pricing-version", "2026-12-01", "-f",
                 "csv")
    assert result.status == 0, result.err
    assert result.out.splitlines() == ["model,change,field,old,new,change_pct"]
    assert result.err.splitlines()[-1] == ("tokcost: note: 5 of 92 models agree with the list, "
                                           "0 differ, 87 could not be compared")
    # At its launch price (the 2026-12-01 table had it before the review), Argon differs, its
    # batch prices (half of the standard ones) with it.
    launch = tmp_path / "launch.yaml"
    launch.write_text("extends: 2026-12-01\nmodels:\n"
                      "  gemini-4-argon: {input: 2, output: 10, cache_read: 0.1}\n")
    differs = cli("pricing", "check", str(GENAI_JSON), "--pricing", str(launch), "-f", "csv")
    assert differs.out.splitlines() == [
        "model,change,field,old,new,change_pct",
        "gemini-4-argon,changed,input_per_mtok,2,4,100",
        "gemini-4-argon,changed,output_per_mtok,10,20,100",
        "gemini-4-argon,changed,cache_read_per_mtok,0.1,0.2,100",
        "gemini-4-argon,changed,batch_input_per_mtok,1,2,100",
        "gemini-4-argon,changed,batch_output_per_mtok,5,10,100",
        "gemini-4-argon,changed,batch_cache_read_per_mtok,0.05,0.1,100"]

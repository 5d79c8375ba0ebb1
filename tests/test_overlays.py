"""A user's table that extends a bundled one: discounts, changed prices, private models."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Run

OVERLAY = Path(__file__).parent.parent / "examples" / "team-overlay.yaml"


def test_an_overlay_prices_with_its_discounts_changes_and_own_models(cli: Run) -> None:
    result = cli("project", "--rpd", "1000", "--input-tokens", "1000", "--output-tokens", "1000",
                 "-m", "gpt-4o", "-m", "gpt-4o-mini", "-m", "claude-sonnet-4-6", "-m", "acme-7b",
                 "-m", "gemini-3.1-pro-preview", "--pricing", str(OVERLAY), "-f", "csv")
    assert result.status == 0, result.err
    per_request = {row["model"]: row["cost_per_request_usd"]
                   for row in csv.DictReader(io.StringIO(result.out))}
    assert per_request == {
        "gpt-4o": "0.010625",  # 2.5 and 10, 15% off OpenAI: 2.125 + 8.5 per million
        "gpt-4o-mini": "0.00063",  # its own input price 0.12, the output 0.6 less 15%: 0.51
        "claude-sonnet-4-6": "0.0162",  # 10% off 3 and 15
        "acme-7b": "0.0006",  # a private model: 0.2 and 0.4
        "gemini-3.1-pro-preview": "0.014",  # untouched: 2 and 12
    }
    # Every price set takes the discount: flex, batch, long-context tiers.
    shown = {row["field"]: row["value"] for row in csv.DictReader(io.StringIO(cli(
        "pricing", "show", "gpt-5.4", "--pricing", str(OVERLAY), "-f", "csv").out))}
    assert (shown["flex_input_per_mtok"], shown["above_272000_output_per_mtok"],
            shown["batch_input_per_mtok"]) == ("1.0625", "19.125", "1.0625")
    validated = cli("pricing", "validate", str(OVERLAY))
    assert validated.out == (f"{OVERLAY}: valid: 93 models from 7 providers, effective "
                             "2026-12-01, schema version 2\n")


@pytest.mark.parametrize(("text", "message"), [
    ("extends: 2020-01-01\nmodels: {}\n",
     ":1: field 'extends': extends 2020-01-01, which is neither latest nor a bundled table "
     "(2025-03-01, 2026-11-22, 2026-12-01)"),
    ("extends: latest\nmodels:\n  gpt-4o: {discount: 15}\n",
     ":3: model 'gpt-4o', field 'discount': a discount is a fraction between 0 and 1 (0.15 is "
     "15% off), not 15"),
    ("extends: latest\nproviders:\n  openai: {rebate: 0.1}\n",
     ":3: field 'providers.openai': a provider takes only a `discount` (0.15 is 15% off every "
     "price)"),
    ("extends: latest\nmodels:\n  gpt-4o: {input: -1}\n",
     ":3: model 'gpt-4o', field 'input': must not be negative (got -1)"),
])
def test_a_bad_overlay_is_refused_with_its_reason(cli: Run, tmp_path: Path, text: str,
                                                 message: str) -> None:
    path = tmp_path / "overlay.yaml"
    path.write_text(text)
    result = cli("models", "--pricing", str(path))
    assert result.status == 1 and result.out == ""
    assert f"tokcost: error: {path}{message}" in result.err and "Traceback" not in result.err


def test_an_overlay_s_problems_are_its_own_once_each_at_their_line(cli: Run, tmp_path: Path
                                                                   ) -> None:
    path = tmp_path / "overlay.yaml"
    path.write_text("extends: latest\n"
                    "providers:\n"
                    "  openai: {discount: 1.5}\n"
                    "  opneai: {discount: 0.1}\n"
                    "models:\n"
                    "  gtp-4o: {discount: 0.1}\n"
                    "  claude-sonnet-4-6:\n"
                    "    cache_read: 99\n")
    result = cli("pricing", "validate", str(path))
    assert result.status == 1
    assert result.err.splitlines() == [
        # The provider's discount once, not once for each of its models, as written.
        f"tokcost: error: {path}:3: field 'providers.openai.discount': a discount is a "
        "fraction between 0 and 1 (0.15 is 15% off), not 1.5",
        f"tokcost: error: {path}:4: field 'providers.opneai': no models from provider 'opneai' "
        "in 2026-12-01 (did you mean 'openai'?)",
        f"tokcost: error: {path}:6: model 'gtp-4o': is not a model of 2026-12-01 (did you mean "
        "'gpt-4o'?); a model of your own needs provider, input, output, context_window, "
        "max_output_tokens and tokenizer",
        # A problem of the merged model points at the overlay's line for the field.
        f"tokcost: error: {path}:8: model 'claude-sonnet-4-6', field 'cache_read': the cache "
        "read price (99) is dearer than the input price (3)",
        f"tokcost: {path}: 4 problems"]


def test_an_overlay_lays_a_fee_over_the_model_s_others(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "fees.yaml"
    path.write_text("extends: latest\nmodels:\n"
                    "  claude-sonnet-4-6: {fees: {request: 0.001}}\n"
                    "  gpt-4o: {fees: {web_search: null}, service_tiers: {priority: {input: 4}}}\n")
    result = cli("project", "--rpd", "1", "--input-tokens", "1000", "--output-tokens", "1000",
                 "-m", "claude-sonnet-4-6", "--web-searches", "1", "--pricing", str(path),
                 "-f", "csv")
    assert result.status == 0, result.err
    # 1,000 x 3 + 1,000 x 15 per million, one search at $0.01 (kept) and the $0.001 request.
    assert csv.DictReader(io.StringIO(result.out)).__next__()["cost_per_request_usd"] == "0.029"
    shown = {row["field"]: row["value"] for row in csv.DictReader(io.StringIO(cli(
        "pricing", "show", "gpt-4o", "--pricing", str(path), "-f", "csv").out))}
    # null takes the fee away; the priority tier keeps its other prices.
    assert "web_search_fee" not in shown
    assert (shown["priority_input_per_mtok"], shown["priority_output_per_mtok"]) == ("4", "17")
    assert shown["pricing_version"] == f"{path} on 2026-12-01"


def test_a_bundled_table_over_90_days_old_says_so(cli: Run, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    import datetime

    import tokcost.cli.tables

    monkeypatch.setattr(tokcost.cli.tables, "_today", lambda: datetime.date(2027, 3, 1))
    fresh = cli("project", "--rpd", "1", "--input-tokens", "10", "-m", "gpt-4o", "-f", "csv")
    # 90 days after 2026-12-01; CSV rows say on stderr which table priced them.
    assert fresh.err == "tokcost: note: priced with price table 2026-12-01\n"
    monkeypatch.setattr(tokcost.cli.tables, "_today", lambda: datetime.date(2027, 3, 2))
    stale = cli("project", "--rpd", "1", "--input-tokens", "10", "-m", "gpt-4o", "-f", "csv")
    old = ("tokcost: note: the newest bundled price table, 2026-12-01, is 91 days old: prices "
           "may have changed since; upgrade tokcost, or give your own table with --pricing\n")
    assert stale.status == 0
    assert stale.err == old + "tokcost: note: priced with price table 2026-12-01\n"
    pinned = cli("project", "--rpd", "1", "-m", "gpt-4o", "--pricing-version", "2026-12-01")
    assert "days old" not in pinned.err
    # An overlay of the newest table is as old as it, and names it.
    overlaid = cli("project", "--rpd", "1", "--input-tokens", "10", "-m", "gpt-4o",
                   "--pricing", str(OVERLAY), "-f", "tsv")
    assert overlaid.err == old + f"tokcost: note: priced with price table {OVERLAY} on 2026-12-01\n"
    as_json = cli("project", "--rpd", "1", "--input-tokens", "10", "-m", "gpt-4o",
                  "--pricing", str(OVERLAY), "-f", "json")
    assert f'"pricing_version": "{OVERLAY} on 2026-12-01"' in as_json.out


def test_amounts_in_a_currency_at_the_user_s_rate(cli: Run) -> None:
    result = cli("project", "--rpd", "1000", "--input-tokens", "2000", "--output-tokens", "500",
                 "-m", "gpt-4o", "--currency", "EUR=0.86", "-f", "csv")
    # $0.01 a request (2,000 x 2.5 + 500 x 10 per million) at 0.86 euro to the dollar.
    assert result.out == (
        "model,provider,requests_per_day,input_tokens,output_tokens,cost_per_request_eur,"
        "daily_cost_eur,monthly_cost_eur,yearly_cost_eur,fits\n"
        "gpt-4o,openai,1000,2000,500,0.0086,8.6,258,3139,true\n")
    counted = cli("count", "examples/support-chat.json", "-m", "gpt-4o", "--currency",
                  "gbp=0.79", "-f", "csv")
    # 216 tokens at 2.5 per million: $0.00054, so 0.0004266 pounds.
    assert counted.out.splitlines()[1].endswith(",216,exact,,0.0004266")
    simulated = cli("simulate", "-m", "gpt-4o", "--turns", "1", "--system-tokens", "0",
                    "--user-tokens", "1000", "--assistant-tokens", "1000", "--currency",
                    "EUR=0.5", "-f", "table", "--no-chart")
    # 1,007 input tokens at 2.5 and 1,000 output at 10: $0.0125175, half of it in euros.
    assert "1 request over 1 turn, 0.00626 EUR; 0.00626 EUR a turn" in simulated.out
    assert "Amounts in EUR at 0.5 to the US dollar" in simulated.out
    refused = cli("project", "--rpd", "1", "--currency", "EUR=-1")
    assert refused.status == 2 and "how many of a currency one US dollar buys" in refused.err


def test_an_overlay_s_problems_come_all_at_once(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "overlay.yaml"
    path.write_text("extends: latest\nmodels:\n  gpt-4o: {discount: 2, output: -1}\n")
    result = cli("pricing", "validate", str(path))
    assert result.status == 1
    assert result.err.splitlines()[-3:] == [
        f"tokcost: error: {path}:3: model 'gpt-4o', field 'discount': a discount is a fraction "
        "between 0 and 1 (0.15 is 15% off), not 2",
        f"tokcost: error: {path}:3: model 'gpt-4o', field 'output': must not be negative (got "
        "-1)",
        f"tokcost: {path}: 2 problems"]


def test_an_overlay_may_name_a_model_by_its_alias(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "alias.yaml"
    path.write_text("extends: latest\nmodels:\n  4O: {discount: 0.2}\n")
    result = cli("project", "--rpd", "1", "--input-tokens", "1000", "--output-tokens", "1000",
                 "-m", "gpt-4o", "--pricing", str(path), "-f", "csv")
    assert result.status == 0, result.err
    # 4o is gpt-4o's alias: 1,000 x 2.5 + 1,000 x 10 per million, 20% off.
    assert next(csv.DictReader(io.StringIO(result.out)))["cost_per_request_usd"] == "0.01"

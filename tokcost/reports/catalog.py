"""Rows that describe price tables: the model list, the versions, one model, and a diff."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tokcost.counting.rules import rule_for
from tokcost.errors import UnknownModelError
from tokcost.output import Column, band_joined, for_people
from tokcost.pricing.schema import ModelPrice, Rates, Tier
from tokcost.pricing.table import PriceTable, bundled_versions, load_bundled

MODEL_COLUMNS = (
    Column("model"),
    Column("provider", drop=4),
    Column("input_per_mtok", "price", "input/M"),
    Column("output_per_mtok", "price", "output/M"),
    Column("cache_read_per_mtok", "price", "cached/M", drop=2),
    Column("cache_write_per_mtok", "price", "write/M", drop=3),
    Column("context_window", "int", "context"),
    Column("max_output_tokens", "int", "max out", drop=3),
    Column("tokenizer", drop=5),
    Column("accuracy", drop=1),
    Column("error_p90_pct", "decimal"),
    Column("counting_rule", short="rule", drop=5),
    Column("mode", drop=5),
    # the tiers besides standard it is sold at: flex, priority
    Column("service_tiers", short="tiers", drop=4),
)
# At a terminal the error band goes beside the word, as in `tokcost count`.
MODEL_TABLE_COLUMNS = for_people(MODEL_COLUMNS)
VERSION_COLUMNS = (Column("version"), Column("effective"), Column("models", "int"),
                   Column("default", "bool"))
SHOW_COLUMNS = (Column("field"), Column("value"), Column("unit", drop=1))
DIFF_COLUMNS = (Column("model"), Column("change"), Column("field"), Column("old"),
                Column("new"), Column("change_pct", "pct"))

USD_PER_MTOK = "USD per million tokens"


def cache_write_rate(model: ModelPrice) -> Decimal | None:
    """What writing a prefix to the cache costs per million tokens (5-minute cache)."""
    if model.caching == "automatic":
        return model.rates.input  # no surcharge: written tokens are billed as plain input
    return model.rates.cache_write_5m


def model_rows(table: PriceTable, provider: str | None = None, *, for_table: bool = False,
               mode: str | None = None) -> list[dict[str, Any]]:
    """One row a model: prices, limits, and how its tokens are counted and how well."""
    rows = []
    for m in table.models(provider):
        if mode is not None and m.mode != mode:
            continue
        rule = rule_for(m)
        band = rule.error_p90_pct() if m.tokenizer.accuracy == "estimate" else None
        row: dict[str, Any] = {
            "model": m.id,
            "provider": m.provider,
            "input_per_mtok": m.rates.input,
            "output_per_mtok": m.rates.output,
            "cache_read_per_mtok": m.rates.cache_read,
            "cache_write_per_mtok": cache_write_rate(m),
            "context_window": m.context_window,
            "max_output_tokens": m.max_output_tokens,
            "tokenizer": m.tokenizer.encoding,
            "accuracy": m.tokenizer.accuracy,
            "error_p90_pct": band,
            "counting_rule": rule.name,
            "mode": m.mode,
            "service_tiers": " ".join(name for name, _ in m.service_tiers),
        }
        rows.append(band_joined(row) if for_table else row)
    return rows


def version_rows(active: PriceTable) -> list[dict[str, Any]]:
    rows = []
    for version in bundled_versions():
        table = active if active.label == version else load_bundled(version)
        rows.append({"version": version, "effective": table.snapshot.effective.isoformat(),
                     "models": len(table), "default": active.label == version})
    if active.label not in {row["version"] for row in rows}:
        rows.append({"version": active.label, "effective": active.snapshot.effective.isoformat(),
                     "models": len(active), "default": True})
    return rows


@dataclass(frozen=True)
class Fact:
    """One comparable fact about a model: a flat field name, its value and its unit."""

    field: str
    value: Any
    unit: str = ""


def _rate_facts(rates: Rates, prefix: str = "") -> Iterator[Fact]:
    for name in Rates._fields:
        value = getattr(rates, name)
        if value is not None:
            yield Fact(f"{prefix}{name}_per_mtok", value, USD_PER_MTOK)


def _threshold(tier: Tier) -> str:
    """``above_200000`` (past it) or ``from_200000`` (from it on)."""
    return f"{'from' if tier.inclusive else 'above'}_{tier.above}"


def model_facts(model: ModelPrice) -> list[Fact]:
    """Everything about a model as flat facts, in a stable order (used by show and diff)."""
    facts = [Fact("provider", model.provider), *_rate_facts(model.rates),
             Fact("caching", model.caching)]
    if model.cache_min_tokens is not None:
        facts.append(Fact("cache_min_tokens", model.cache_min_tokens, "tokens"))
    if model.mode != "chat":
        facts.append(Fact("mode", model.mode))
    if model.batch is not None and model.batch.discount is not None:
        applies = model.batch.applies_to
        facts.append(Fact("batch_discount", model.batch.discount, "fraction off every rate"
                          if applies is None else f"fraction off {' and '.join(applies)}"))
    elif model.batch is not None and model.batch.rates is not None:
        facts.extend(_rate_facts(model.batch.rates, "batch_"))
        for tier in model.batch.tiers:
            facts.extend(_rate_facts(tier.rates, f"batch_{_threshold(tier)}_"))
    for tier in model.tiers:
        facts.extend(_rate_facts(tier.rates, f"{_threshold(tier)}_"))
    # Every service tier's prices: flex_input_per_mtok, priority_above_200000_output_per_mtok...
    for name, prices in model.service_tiers:
        facts.extend(_rate_facts(prices.rates, f"{name}_"))
        for tier in prices.tiers:
            facts.extend(_rate_facts(tier.rates, f"{name}_{_threshold(tier)}_"))
    for name, fee in model.fees:
        facts.append(Fact(f"{name}_fee", fee, "USD per unit"))
    facts += [
        Fact("context_window", model.context_window, "tokens"),
        Fact("max_output_tokens", model.max_output_tokens, "tokens"),
        Fact("tokenizer", model.tokenizer.describe()),
        Fact("accuracy", model.tokenizer.accuracy),
    ]
    if model.aliases:
        facts.append(Fact("aliases", ", ".join(model.aliases)))
    if model.retired is not None:
        facts.append(Fact("retired", model.retired.isoformat(), "last day it is sold"))
    if model.notes:
        facts.append(Fact("notes", model.notes))
    return facts


def show_rows(table: PriceTable, model: ModelPrice) -> list[dict[str, Any]]:
    facts = [Fact("model", model.id), *model_facts(model),
             Fact("source", table.snapshot.source_for(model) or ""),
             Fact("pricing_version", table.label)]
    return [{"field": f.field, "value": f.value, "unit": f.unit} for f in facts]


# Facts that a diff compares: prices, batch, tiers, limits. Not the provider or prose.
_DIFFED = ("_per_mtok", "batch_discount", "context_window", "max_output_tokens", "caching",
           "_fee")


def diff_rows(
    old: PriceTable, new: PriceTable, models: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Models added and removed, and every changed price with its percentage change.

    ``models`` limits the diff to those names, each looked up in the new table, else the old.
    """
    rows: list[dict[str, Any]] = []
    old_models, new_models = old.snapshot.models, new.snapshot.models
    wanted = old_models.keys() | new_models.keys()
    if models:
        wanted = {_resolve_in_either(name, new, old) for name in models}
    for model_id in sorted(wanted):
        if model_id not in new_models:
            rows.append(_diff_row(model_id, "removed"))
            continue
        if model_id not in old_models:
            rows.append(_diff_row(model_id, "added"))
            continue
        before = {f.field: f.value for f in model_facts(old_models[model_id])
                  if f.field.endswith(_DIFFED)}
        after = {f.field: f.value for f in model_facts(new_models[model_id])
                 if f.field.endswith(_DIFFED)}
        changed = [name for name in dict.fromkeys([*before, *after])
                   if before.get(name) != after.get(name)]
        if not changed:
            rows.append(_diff_row(model_id, "unchanged"))
        for name in changed:
            rows.append(_diff_row(model_id, "changed", name, before.get(name), after.get(name)))
    return rows


def _resolve_in_either(name: str, first: PriceTable, second: PriceTable) -> str:
    try:
        return first.resolve(name).model.id
    except UnknownModelError:
        return second.resolve(name).model.id


def _diff_row(model: str, change: str, field: str = "", old: Any = None,
              new: Any = None) -> dict[str, Any]:
    pct = None
    if isinstance(old, (int, Decimal)) and isinstance(new, (int, Decimal)) and old:
        pct = (Decimal(new) - Decimal(old)) / Decimal(old) * 100
    return {"model": model, "change": change, "field": field, "old": old, "new": new,
            "change_pct": pct}


def check_rows(table: PriceTable, data: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Every difference between a table and LiteLLM's or genai-prices' list."""
    from tokcost.pricing.genai_prices import is_genai_prices

    if is_genai_prices(data):
        return _genai_check_rows(table, data)
    return _litellm_check_rows(table, data)


def _genai_check_rows(table: PriceTable, data: Sequence[Mapping[str, Any]]
                      ) -> tuple[list[dict[str, Any]], list[str]]:
    """The standard input, output and cache-read prices, with their long-context steps, on the
    table's date, against genai-prices' (which records no batch or service-tier prices the
    table could be checked on). A step that applies from its threshold is compared as the
    threshold less one: genai-prices' steps apply past theirs."""
    from tokcost.pricing.genai_prices import facts, find_model, peak_prices, prices_on

    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    compared = differing = 0
    for model in table:
        entry = find_model(data, model.provider, model.id)
        if entry is None:
            notes.append(f"{model.id}: not in the list")
            continue
        theirs = facts(prices_on(entry, table.snapshot.effective))
        ours = {_as_past(f.field): f.value for f in model_facts(model)
                if _STANDARD_PRICE.fullmatch(f.field)}
        peak = peak_prices(entry)
        if peak is not None and model.price_set("off_peak") is not None:
            # Their base is the off-peak price and their window the standard one.
            theirs = {**facts(peak), **{f"off_peak_{name}": value
                                        for name, value in theirs.items()}}
            ours |= {f.field: f.value for f in model_facts(model)
                     if f.field.startswith("off_peak_")}
        if model.mode == "embedding":  # an embedding has no output to price
            ours.pop("output_per_mtok", None)
            theirs.pop("output_per_mtok", None)
        changed = [name for name in dict.fromkeys([*ours, *theirs])
                   if ours.get(name) != theirs.get(name)]
        compared += 1
        differing += bool(changed)
        rows += [_diff_row(model.id, "changed", name, ours.get(name), theirs.get(name))
                 for name in changed]
    notes.append(f"{compared - differing} of {len(table)} models agree with the list, "
                 f"{differing} differ, {len(table) - compared} could not be compared")
    return rows, notes


# The standard prices a genai-prices list can be compared on, and their long-context steps.
_STANDARD_PRICE = re.compile(r"((above|from)_\d+_)?(input|output|cache_read)_per_mtok")


def _as_past(name: str) -> str:
    """``from_200000_input_per_mtok`` as genai-prices writes it: ``above_199999_...``."""
    if not name.startswith("from_"):
        return name
    _, size, rest = name.split("_", 2)
    return f"above_{int(size) - 1}_{rest}"


def _litellm_check_rows(table: PriceTable, data: Mapping[str, Any]
                        ) -> tuple[list[dict[str, Any]], list[str]]:
    """Every difference between a table and LiteLLM's list, model by model: the list's entries
    for the table's models imported as they would be, then diffed. Also notes: the models the
    list lacks or would not import, and a summary."""
    from tokcost.pricing.litellm_import import import_litellm, litellm_keys
    from tokcost.pricing.schema import build_snapshot
    from tokcost.pricing.yaml_source import parse_price_yaml

    keys = {model.id: litellm_keys(model.id, model.provider, data) for model in table}
    notes = [f"{model}: not in the list" for model, key in keys.items() if key is None]
    found = [key for key in keys.values() if key is not None]
    result = import_litellm(data, table.snapshot.effective, found)
    notes += [f"{line} (in the list)" for line in result.skipped]
    imported = PriceTable(build_snapshot(parse_price_yaml(result.yaml_text, "the list"),
                                         "the list"), "the list")
    rows = [row for row in diff_rows(table, imported, ())
            if row["change"] != "added" and row["model"] in result.models]
    differing = sorted({row["model"] for row in rows if row["change"] == "changed"})
    notes.append(f"{len(result.models) - len(differing)} of {len(table)} models agree with the "
                 f"list, {len(differing)} differ"
                 + (f" ({', '.join(differing)})" if differing else "")
                 + f", {len(table) - len(result.models)} could not be compared")
    return [row for row in rows if row["change"] == "changed"], notes

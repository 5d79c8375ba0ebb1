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
from tokcost.pricing.schema import ModelPrice, PriceSet, Rates, Tier
from tokcost.pricing.table import PriceTable, bundled_versions, load_bundled
from tokcost.wording import number_of

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


def model_rows(table: PriceTable, provider: str | Sequence[str] | None = None, *,
               for_table: bool = False, mode: str | None = None) -> list[dict[str, Any]]:
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


def price_facts(model: ModelPrice) -> dict[str, Any]:
    """Every price a model bills by, as flat facts: the standard prices, the batch prices as
    they bill (a discount worked out: ``batch_cache_read_per_mtok``), each service tier's,
    their long-context steps, and the fees. Two tables that bill alike have the same facts,
    however each writes its batch prices."""
    return {name: value for facts in price_set_facts(model).values()
            for name, value in facts.items()}


def price_set_facts(model: ModelPrice) -> dict[str, dict[str, Any]]:
    """:func:`price_facts` by price set: ``standard`` (with the fees), ``batch``, ``flex``..."""
    from tokcost.pricing.costing import batch_prices
    from tokcost.pricing.schema import STANDARD

    def facts(prefix: str, prices: PriceSet) -> dict[str, Any]:
        found = {f.field: f.value for f in _rate_facts(prices.rates, prefix)}
        for tier in prices.tiers:
            found.update((f.field, f.value)
                         for f in _rate_facts(tier.rates, f"{prefix}{_threshold(tier)}_"))
        if model.mode == "embedding":  # an embedding has no output to price
            found = {name: value for name, value in found.items()
                     if not name.endswith("output_per_mtok")}
        return found

    sets = {STANDARD: {**facts("", model.price_set() or PriceSet(model.rates)),
                       **{f"{name}_fee": fee for name, fee in model.fees}}}
    batch = batch_prices(model)
    if batch is not None:
        sets["batch"] = facts("batch_", batch)
    for name, prices in model.service_tiers:
        sets[name] = facts(f"{name}_", prices)
    return sets


def check_rows(table: PriceTable, data: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Every difference between a table and LiteLLM's or genai-prices' list: each price set
    (standard, batch, every service tier) and its cache prices and long-context steps."""
    from tokcost.pricing.genai_prices import is_genai_prices

    if is_genai_prices(data):
        return _genai_check_rows(table, data)
    return _litellm_check_rows(table, data)


def _changed_rows(model: str, ours: Mapping[str, Any], theirs: Mapping[str, Any]
                  ) -> list[dict[str, Any]]:
    return [_diff_row(model, "changed", name, ours.get(name), theirs.get(name))
            for name in dict.fromkeys([*ours, *theirs]) if ours.get(name) != theirs.get(name)]


def _genai_check_rows(table: PriceTable, data: Sequence[Mapping[str, Any]]
                      ) -> tuple[list[dict[str, Any]], list[str]]:
    """Each price set's input, output, cache-read and cache-write prices with their
    long-context steps, and the per-search and per-request fees, on the table's date, against
    genai-prices'. A step that applies from its threshold is compared as the threshold less
    one: genai-prices' steps apply past theirs. A service tier no model of the table has
    (genai-prices' ``fast``) is named in a note, not compared."""
    from tokcost.pricing.genai_prices import (
        STANDARD,
        facts,
        find_model,
        peak_prices,
        price_sets,
    )

    held = {STANDARD, "batch", *(name for model in table for name, _ in model.service_tiers)}
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    unheld: dict[str, list[str]] = {}
    unlisted: dict[str, list[str]] = {}
    missing: list[str] = []
    compared, differing = 0, []
    for model in table:
        entry = find_model(data, model.provider, model.id)
        if entry is None:
            missing.append(model.id)
            continue
        sets, unread = price_sets(entry, table.snapshot.effective)
        for context in unread:
            unheld.setdefault(context, []).append(model.id)
        peak = peak_prices(entry)
        if peak is not None and model.price_set("off_peak") is not None:
            # Their base is the off-peak price and their window the standard one.
            sets = {**sets, "off_peak": sets[STANDARD], STANDARD: peak}
        theirs: dict[str, dict[str, Any]] = {}
        for name, prices in sets.items():
            if name not in held:
                unheld.setdefault(f"service tier {name}", []).append(model.id)
                continue
            theirs[name] = {fact: value for fact, value in facts(
                prices, "" if name == STANDARD else f"{name}_", fees=name == STANDARD).items()
                if model.mode != "embedding" or not fact.endswith("output_per_mtok")}
        ours = {name: {_as_past(fact): value for fact, value in facts_of_set.items()
                       if _GENAI_COMPARABLE.fullmatch(fact)}
                for name, facts_of_set in price_set_facts(model).items()}
        changed = _compared_sets(model, ours, theirs, unlisted)
        compared += 1
        differing += [model.id] if changed else []
        rows += changed
    if missing:
        notes.append(f"not in the list: {_models(missing)}")
    for what, models in unheld.items():
        notes.append(f"not compared: the list's {what}, which the table has no place for "
                     f"({_models(models)})")
    return rows, [*notes, *_unlisted_notes(unlisted), _summary(table, compared, differing)]


def _compared_sets(model: ModelPrice, ours: Mapping[str, Mapping[str, Any]],
                   theirs: Mapping[str, Mapping[str, Any]], unlisted: dict[str, list[str]]
                   ) -> list[dict[str, Any]]:
    """The rows of every fact that differs, price set by price set. A set of ours the list
    does not record at all (LiteLLM has no Mistral batch prices) cannot be confirmed: it goes
    into ``unlisted``, for a note. A set only the list has is compared: the table lacks it."""
    mine: dict[str, Any] = {}
    for name, facts in ours.items():
        if name in theirs:
            mine |= facts
        else:
            unlisted.setdefault(name, []).append(model.id)
    return _changed_rows(model.id, mine, {fact: value for facts in theirs.values()
                                          for fact, value in facts.items()})


def _unlisted_notes(unlisted: Mapping[str, Sequence[str]]) -> list[str]:
    return [f"not compared: the table's {name} prices, which the list does not record "
            f"({_models(models)})" for name, models in unlisted.items()]


def _summary(table: PriceTable, compared: int, differing: Sequence[str]) -> str:
    return (f"{compared - len(differing)} of {number_of(len(table), 'model')} agree with the "
            "list, "
            f"{len(differing)} differ" + (f" ({', '.join(sorted(differing))})" if differing else "")
            + f", {len(table) - compared} could not be compared")


def _models(models: Sequence[str]) -> str:
    return f"{number_of(len(models), 'model')}: {', '.join(models)}"


# The prices a genai-prices list can be compared on (it has no 12-hour cache write, no Google
# Maps grounding fee), in every price set, with their long-context steps.
_GENAI_COMPARABLE = re.compile(
    r"([a-z_]+?_)??((above|from)_\d+_)?(input|output|cache_read|cache_write_5m|cache_write_1h)"
    r"_per_mtok|(web_search|request)_fee")


def _as_past(name: str) -> str:
    """``from_200000_input_per_mtok`` as genai-prices writes it: ``above_199999_...`` (also
    within a price set: ``batch_from_200000_...``)."""
    return re.sub(r"(^|_)from_(\d+)_", lambda m: f"{m[1]}above_{int(m[2]) - 1}_", name,
                  count=1)


# Besides the prices, what a LiteLLM entry tells that the table holds.
_LIMITS = ("context_window", "max_output_tokens", "caching")


def _litellm_check_rows(table: PriceTable, data: Mapping[str, Any]
                        ) -> tuple[list[dict[str, Any]], list[str]]:
    """Every difference between a table and LiteLLM's list, model by model: the list's entries
    for the table's models imported as they would be, then compared price set by price set
    (and on context window, max output and caching). Also notes: the models the list lacks or
    would not import, what the import left out, and a summary."""
    from tokcost.pricing.litellm_import import import_litellm, litellm_keys
    from tokcost.pricing.schema import STANDARD, build_snapshot
    from tokcost.pricing.yaml_source import parse_price_yaml

    keys = {model.id: litellm_keys(model.id, model.provider, data) for model in table}
    missing = [model for model, key in keys.items() if key is None]
    notes = [f"not in the list: {_models(missing)}"] if missing else []
    found = [key for key in keys.values() if key is not None]
    result = import_litellm(data, table.snapshot.effective, found)
    notes += [f"{line} (in the list)" for line in result.skipped]
    notes += [f"not compared: {line}" for line in result.left_out()]
    imported = build_snapshot(parse_price_yaml(result.yaml_text, "the list"), "the list")
    rows: list[dict[str, Any]] = []
    unlisted: dict[str, list[str]] = {}
    compared, differing = 0, []
    for model in table:
        theirs_model = imported.models.get(model.id)
        if theirs_model is None:
            continue

        def checked(m: ModelPrice) -> dict[str, dict[str, Any]]:
            sets = price_set_facts(m)
            sets[STANDARD] |= {name: getattr(m, name) for name in _LIMITS}
            return sets

        changed = _compared_sets(model, checked(model), checked(theirs_model), unlisted)
        compared += 1
        differing += [model.id] if changed else []
        rows += changed
    return rows, [*notes, *_unlisted_notes(unlisted), _summary(table, compared, differing)]

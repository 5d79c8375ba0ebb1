"""Writing a price-table snapshot from LiteLLM's model_prices_and_context_window.json.

LiteLLM keeps prices per token under its own field names; the table keeps them per million
tokens under ours. The mapping below is data: provider names, price pages, tokenizers.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from tokcost.errors import TokcostError
from tokcost.output import plain_number
from tokcost.pricing.schema import PER_MILLION, SCHEMA_VERSION
from tokcost.pricing.table import PROVIDER_PREFIXES
from tokcost.wording import number_of

# LiteLLM's provider names for the first-party APIs we price, mapped to ours.
LITELLM_PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
    "xai": "xai",
    "deepseek": "deepseek",
    "mistral": "mistral",
}
# The providers' own price pages: the sources a snapshot cites.
PRICE_PAGES = {
    "openai": "https://openai.com/api/pricing/",
    "anthropic": "https://www.anthropic.com/pricing#api",
    "google": "https://ai.google.dev/gemini-api/docs/pricing",
    "xai": "https://docs.x.ai/docs/models",
    "deepseek": "https://api-docs.deepseek.com/quick_start/pricing",
    "mistral": "https://mistral.ai/pricing#api-pricing",
}
# Shortest prompt prefix each provider caches, where LiteLLM does not say.
DEFAULT_CACHE_MIN_TOKENS = {"openai": 1024, "anthropic": 1024, "google": 1024}
# Models without a public tokenizer are estimated with this stand-in encoding.
STAND_IN_ENCODING = "o200k_base"
# Providers whose long-context prices apply from the threshold itself, not past it (LiteLLM's
# "above_200k" does not say): xAI bills a 200,000-token prompt at its long-context prices.
INCLUSIVE_THRESHOLDS = {"xai"}
# LiteLLM's modes we import, and the table's mode for each.
MODES = {"chat": "chat", "responses": "chat", "embedding": "embedding"}
# LiteLLM's suffixes for the service tiers we import.
SERVICE_TIERS = ("flex", "priority")
# The suffixes of LiteLLM's price keys that the import reads: a key with another suffix after
# a price key's name (``_ultrafast``, ``_decisions``) belongs to a service tier the table does
# not hold, and is named as that tier in the import's notes.
READ_SUFFIXES = ("_batches", *(f"_{name}" for name in SERVICE_TIERS))
_WEEKDAYS = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}
_TIER_KEY = re.compile(r"^input_cost_per_token_above_(\d+)k_tokens$")
_DATED = re.compile(r"^(?P<base>.+?)-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")


@dataclass
class ImportResult:
    """The snapshot's YAML text and what was left out, with why."""

    yaml_text: str
    models: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # What came in without some of what LiteLLM gives: (what was left out, why) and the
    # models it was left out of.
    dropped: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def drop(self, what: str, why: str, model: str) -> None:
        models = self.dropped.setdefault((what, why), [])
        if model not in models:
            models.append(model)

    def left_out(self) -> list[str]:
        """What came in without some of its prices, one line each, with the models."""
        return [f"{what} of {number_of(len(models), 'model')} "
                f"({', '.join(models)}): {why}" for (what, why), models in self.dropped.items()]

    def summary(self) -> str:
        """One line: how many came in, how many were skipped and why."""
        reasons: dict[str, int] = {}
        for line in self.skipped:
            reason = line.split(": ", 1)[1] if ": " in line else line
            # One reason for many names: "provider 'azure' is not..." counts as "provider is
            # not...", a retirement date as "retired".
            reason = re.sub(r"(^| )'[^']*'| on \d{4}-\d{2}-\d{2}", "",
                            reason.split(" (")[0]).strip()
            reasons[reason] = reasons.get(reason, 0) + 1
        why = "; ".join(f"{n} {reason}" for reason, n in
                        sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
        return (f"imported {number_of(len(self.models), 'model')}, "
                f"skipped {len(self.skipped)}" + (f" ({why})" if why else ""))


def read_litellm_json(path: str | Path) -> Any:
    """LiteLLM's JSON object of models, from the file or from the litellm wheel."""
    from tokcost.pricing.price_lists import read_price_list

    return read_price_list(path, genai_too=False)


class _Recorded(dict[str, Any]):
    """A LiteLLM entry that remembers which keys the import read: a price key it never read
    is one the table has no place for, and is named in the notes rather than lost."""

    def __init__(self, entry: Mapping[str, Any]) -> None:
        super().__init__(entry)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)


def _unread_prices(entry: _Recorded) -> list[str]:
    """What the import left out of an entry, as words: each price key it did not read, the
    keys of a service tier the table does not hold counted as that tier."""
    left: list[str] = []
    for key, value in entry.items():
        if "cost" not in key or key in entry.read or value in (None, 0, {}):
            continue
        suffix = _service_tier_suffix(key)
        what = (f"the {suffix} service tier (LiteLLM's *_{suffix} prices)" if suffix
                else f"LiteLLM's {key}")
        if what not in left:
            left.append(what)
    return left


def _service_tier_suffix(key: str) -> str | None:
    """``ultrafast`` for ``input_cost_per_token_ultrafast``: a price key the import reads,
    with the suffix of a service tier it does not; else None."""
    base, _, suffix = key.rpartition("_")
    if not base or f"_{suffix}" in READ_SUFFIXES:
        return None
    return suffix if re.sub(r"_above_\d+k_tokens$", "", base) in _RATE_KEYS.values() else None


def _per_million(per_token: Any) -> Decimal | None:
    if isinstance(per_token, bool) or not isinstance(per_token, (int, float)):
        return None
    if not math.isfinite(per_token) or per_token < 0:
        return None
    # Per-token floats carry binary noise (3.0000000000000004e-07); a millionth of a dollar per
    # million tokens is far below any real price step.
    return (Decimal(repr(per_token)) * PER_MILLION).quantize(Decimal("0.000001")).normalize()


def _token_limit(value: Any) -> int | None:
    """A positive whole number of tokens, else None (LiteLLM's file has the odd string)."""
    return value if type(value) is int and value > 0 else None


def _our_id(key: str) -> str:
    prefix, _, rest = key.partition("/")
    return rest if rest and prefix in PROVIDER_PREFIXES else key


def _select(data: Mapping[str, Any], patterns: Sequence[str]) -> list[str]:
    """The entries the patterns name: by LiteLLM key, or by provider (``xai``, ``google``)."""
    chosen: list[str] = []
    ours = {name: theirs for theirs, name in LITELLM_PROVIDERS.items()}
    for pattern in patterns:
        folded = pattern.casefold()
        provider = ours.get(folded, folded if folded in LITELLM_PROVIDERS else None)
        if provider is not None:
            matches = [key for key, entry in data.items() if isinstance(entry, dict)
                       and entry.get("litellm_provider") == provider]
        else:
            matches = [key for key in data if fnmatch.fnmatchcase(key.casefold(), folded)]
        if not matches:
            raise TokcostError(f"no LiteLLM model matches {pattern!r}")
        chosen.extend(key for key in matches if key not in chosen)
    return chosen


def _tokenizer(provider: str, model_id: str) -> dict[str, Any]:
    if provider == "openai":
        import tiktoken.model  # the table of OpenAI model names to encodings, no download

        try:
            encoding = tiktoken.model.encoding_name_for_model(model_id)
            return {"encoding": encoding, "accuracy": "exact"}
        except KeyError:
            pass
    return {"encoding": STAND_IN_ENCODING, "accuracy": "estimate"}


@dataclass
class _Converting:
    """One entry being converted, and where what it cannot keep is noted."""

    model_id: str
    entry: _Recorded
    result: ImportResult
    mode: str = "chat"
    caching: str = "none"
    bound: str = "above"
    window: int | None = None

    def drop(self, what: str, why: str) -> None:
        self.result.drop(what, why, self.model_id)


def _convert(key: str, entry: Mapping[str, Any], provider: str, result: ImportResult
             ) -> dict[str, Any]:
    model_id = _our_id(key)
    recorded = _Recorded(entry)
    entry = recorded
    mode = MODES[str(entry.get("mode"))]
    rates = {
        "input": _per_million(entry.get("input_cost_per_token")),
        "output": _per_million(entry.get("output_cost_per_token")) or Decimal(0)
        if mode == "embedding" else _per_million(entry.get("output_cost_per_token")),
    }
    cache_read = _per_million(entry.get("cache_read_input_token_cost"))
    write_5m = _per_million(entry.get("cache_creation_input_token_cost")) or None
    write_1h = _per_million(entry.get("cache_creation_input_token_cost_above_1hr")) or None
    write_12h = _per_million(entry.get("cache_creation_input_token_cost_above_12hr")) or None
    caching = "explicit" if (write_5m or write_1h or write_12h) else "automatic" \
        if cache_read is not None else "none"
    window = _token_limit(entry.get("max_input_tokens") or entry.get("max_tokens"))
    bound = "from" if provider in INCLUSIVE_THRESHOLDS else "above"
    this = _Converting(model_id, recorded, result, mode, caching, bound, window)
    # Same-valued spellings of prices read above: LiteLLM's reasoning-token price (reasoning
    # is billed as output) and DeepSeek's cache-hit price. Unlike them, they are left out,
    # and named.
    for spelling, same in (("output_cost_per_reasoning_token", "output_cost_per_token"),
                           ("input_cost_per_token_cache_hit", "cache_read_input_token_cost")):
        if spelling in entry and _per_million(entry[spelling]) != _per_million(entry.get(same)):
            recorded.read.discard(spelling)
    out: dict[str, Any] = {"provider": provider, **({"mode": mode} if mode != "chat" else {}),
                           **rates}
    if cache_read is not None:
        out["cache_read"] = cache_read
    if caching == "explicit":
        out.update({k: v for k, v in (("cache_write_5m", write_5m), ("cache_write_1h", write_1h),
                                      ("cache_write_12h", write_12h)) if v is not None})
    out["caching"] = caching
    min_tokens = entry.get("prompt_cache_min_tokens") or DEFAULT_CACHE_MIN_TOKENS.get(provider)
    if caching != "none" and isinstance(min_tokens, int):
        out["cache_min_tokens"] = min_tokens
    tiers = _tiers(this, entry, out)
    if tiers:
        out["tiers"] = tiers
    batch = _batch(this, out, tiers)
    if batch:
        out["batch"] = batch
    service_tiers = {}
    for name in SERVICE_TIERS:
        priced = _price_set(this, entry, out, f"_{name}", name)
        if priced:
            service_tiers[name] = priced
    off_peak = entry.get("off_peak_pricing")
    if isinstance(off_peak, dict):
        priced_off_peak = _price_set(this, off_peak, out, "", "off-peak")
        if priced_off_peak:
            service_tiers["off_peak"] = priced_off_peak
            out["notes"] = f"off_peak prices apply {_windows(off_peak.get('windows'))}"
    if service_tiers:
        out["service_tiers"] = service_tiers
    fees = _fees(this)
    if fees:
        out["fees"] = fees
    out["context_window"] = window
    if mode == "chat":
        max_output = _token_limit(entry.get("max_output_tokens")) or window
        out["max_output_tokens"] = min(max_output, window) if window and max_output \
            else max_output
    out["tokenizer"] = _tokenizer(provider, model_id)
    try:
        out["retired"] = date.fromisoformat(str(entry.get("deprecation_date")))
    except ValueError:
        pass
    for what in _unread_prices(recorded):
        this.drop(what, "the table has no place for it")
    return out


def _fees(this: _Converting) -> dict[str, Decimal]:
    entry = this.entry
    fees = {}
    search = entry.get("search_context_cost_per_query")
    if isinstance(search, dict) and _per_query(search.get("search_context_size_medium")):
        fees["web_search"] = _per_query(search["search_context_size_medium"])
        others = {size: _per_query(search.get(f"search_context_size_{size}"))
                  for size in ("low", "high")}
        if any(price not in (None, fees["web_search"]) for price in others.values()):
            this.drop("the web search prices at the low and high search context sizes",
                      "the table holds the medium one")
    if _per_query(entry.get("google_maps_grounding_cost_per_query")):
        fees["maps_grounding"] = _per_query(entry["google_maps_grounding_cost_per_query"])
    # A fee per input image, billed besides the image's tokens (some multimodal models).
    if _per_query(entry.get("input_cost_per_image")):
        fees["image"] = _per_query(entry["input_cost_per_image"])
    return {name: fee for name, fee in fees.items() if fee is not None}


def _per_query(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return Decimal(repr(value)).normalize()


def _windows(windows: Any) -> str:
    """LiteLLM's off-peak windows as words: ``Mon-Fri 00:00-01:00 UTC; Sat-Sun all day``."""
    parts = []
    for window in windows if isinstance(windows, list) else []:
        days = window.get("weekdays") or []
        named = (f"{_WEEKDAYS[days[0]]}-{_WEEKDAYS[days[-1]]}" if len(days) > 1
                 else "".join(_WEEKDAYS.get(d, "?") for d in days))
        hours = window.get("hours_utc")
        hours = [hours] if isinstance(hours, str) else hours or []
        spans = "all day" if hours == ["00:00-00:00"] else ", ".join(hours) + " UTC"
        parts.append(f"{named} {spans}")
    return "; ".join(parts) or "at times LiteLLM does not give"


_RATE_KEYS = {"input": "input_cost_per_token", "output": "output_cost_per_token",
              "cache_read": "cache_read_input_token_cost",
              "cache_write_5m": "cache_creation_input_token_cost",
              "cache_write_1h": "cache_creation_input_token_cost_above_1hr",
              "cache_write_12h": "cache_creation_input_token_cost_above_12hr"}


def _rates_with(this: _Converting, entry: Mapping[str, Any], base: Mapping[str, Any],
                size: str, suffix: str) -> dict[str, Any]:
    """The rates LiteLLM gives under a suffix (``_flex``, ``_batches``) and a threshold
    (``above_200k_tokens``); the output rate, when not given, is the base's."""
    rates: dict[str, Any] = {}
    for ours, theirs in _RATE_KEYS.items():
        if ours.startswith("cache_write") and this.caching != "explicit":
            continue
        if ours == "cache_read" and this.caching == "none":
            continue
        if size:
            theirs = f"{theirs}_above_{size}k_tokens"
        value = _per_million(entry.get(theirs + suffix))
        if value is not None and (value or not ours.startswith("cache_write")):
            rates[ours] = value
    if "input" in rates and "output" not in rates:
        # LiteLLM omits the output rate where it does not change above the threshold.
        rates["output"] = base["output"]
    return rates


def _tiers(this: _Converting, entry: Mapping[str, Any], base: Mapping[str, Any],
           suffix: str = "", name: str = "") -> list[dict]:
    """The long-context tiers under a suffix; one that can never apply (its threshold at or
    past the context window) is left out, with a note."""
    tiers = []
    for key in list(entry):
        match = _TIER_KEY.match(key.removesuffix(suffix) if suffix else key)
        if not match or (suffix and not key.endswith(suffix)):
            continue
        rates = _rates_with(this, entry, base, match[1], suffix)
        threshold = int(match[1]) * 1000
        if this.window and threshold >= this.window:
            what = f"{name} prices" if name else "prices"
            this.drop(f"the long-context {what} {this.bound} {threshold:,} prompt tokens",
                      "they can never apply within the context window")
        elif {"input", "output"} <= rates.keys():
            tiers.append({this.bound: threshold, **rates})
    return sorted(tiers, key=lambda tier: tier[this.bound])


def _price_set(this: _Converting, entry: Mapping[str, Any], base: Mapping[str, Any],
               suffix: str, name: str) -> dict[str, Any] | None:
    """A service tier's prices (``_flex``, ``_priority``, ``_batches``), with its long-context
    tiers. One that LiteLLM gives without an input price, or (for a chat model) an output
    price, cannot be used: it is named in the notes."""
    rates = _rates_with(this, entry, base, "", suffix)
    needs_output = this.mode == "chat"
    if "input" not in rates or needs_output and _per_million(
            entry.get("output_cost_per_token" + suffix)) is None:
        given = [key for key in entry if suffix and key.endswith(suffix) and entry[key]]
        if given or not suffix and rates:
            lacking = "input" if "input" not in rates else "output"
            this.drop(f"the {name} prices", f"LiteLLM gives no {lacking} price for them")
        return None
    tiers = _tiers(this, entry, rates, suffix, name)
    return {**rates, **({"tiers": tiers} if tiers else {})}


def _batch(this: _Converting, base: Mapping[str, Any], tiers: Sequence[Mapping[str, Any]]
           ) -> dict[str, Any] | None:
    """Batch prices: one discount where every batch price is the same fraction of its
    standard price, else explicit prices. A standard cache read price with no batch one means
    the discount does not apply to cache reads (Gemini's older models, OpenAI's)."""
    priced = _price_set(this, this.entry, base, "_batches", "batch")
    if priced is None:
        return None
    bound = this.bound
    batch_tiers = priced.pop("tiers", [])
    pairs = [(priced[name], base[name]) for name in priced if name in base and base[name]]
    pairs += [(mine[name], theirs[name]) for mine, theirs in zip(batch_tiers, tiers, strict=False)
              for name in mine if name != bound and theirs.get(name)]
    shares = {new / old for new, old in pairs}
    if len(shares) == 1 and len(batch_tiers) == len(tiers):
        share = shares.pop()
        if 0 < share < 1:
            batch: dict[str, Any] = {"discount": (1 - share).normalize()}
            if base.get("cache_read") and "cache_read" not in priced:
                batch["applies_to"] = [name for name in ("input", "output") if name in priced]
            return batch
    return {**priced, **({"tiers": batch_tiers} if batch_tiers else {})}


def import_litellm(
    data: Mapping[str, Any], effective: date, patterns: Sequence[str]
) -> ImportResult:
    """Build a snapshot from the LiteLLM entries that ``patterns`` (names or globs) select.

    Every selected entry comes in or is skipped with its reason; what comes in without some
    of what LiteLLM gives for it is named in ``dropped``. LiteLLM's ``alias_of`` entries
    become aliases of the models they name."""
    result = ImportResult("")
    models: dict[str, dict[str, Any]] = {}
    selected_aliases: list[str] = []
    for key in _select(data, patterns):
        entry = data[key]
        if not isinstance(entry, dict):
            result.skipped.append(f"{key}: not an entry of prices")
            continue
        if "alias_of" in entry:
            selected_aliases.append(key)
            continue
        if entry.get("mode") not in MODES:
            what = (f"mode {entry['mode']!r} is not priced by tokens" if entry.get("mode")
                    else "it gives no mode")
            result.skipped.append(f"{key}: {what} (tokcost imports {', '.join(MODES)})")
            continue
        provider = LITELLM_PROVIDERS.get(str(entry.get("litellm_provider")))
        if provider is None:
            result.skipped.append(f"{key}: provider {entry.get('litellm_provider')!r} is not "
                                  f"one we price ({', '.join(LITELLM_PROVIDERS)})")
        elif _per_million(entry.get("input_cost_per_token")) is None or (
                MODES[entry["mode"]] == "chat"
                and _per_million(entry.get("output_cost_per_token")) is None):
            result.skipped.append(f"{key}: no per-token input and output prices")
        elif _retired_by(entry, effective):
            result.skipped.append(f"{key}: retired on {entry['deprecation_date']}")
        elif not _token_limit(entry.get("max_input_tokens") or entry.get("max_tokens")):
            result.skipped.append(f"{key}: no context window")
        elif _our_id(key) in models:
            result.skipped.append(f"{key}: {_our_id(key)!r} is already imported")
        else:
            try:
                models[_our_id(key)] = _convert(key, entry, provider, result)
            except (TypeError, ValueError, ArithmeticError) as error:  # an odd entry
                result.skipped.append(f"{key}: its prices cannot be read ({error})")
    _fold_dated_variants(data, models)
    _drop_invalid(models, effective, result)
    _fold_aliases(data, models, selected_aliases, result)
    result.models = list(models)
    result.yaml_text = _to_yaml(models, effective)
    return result


def _fold_aliases(data: Mapping[str, Any], models: dict[str, dict[str, Any]],
                  selected: Sequence[str], result: ImportResult) -> None:
    """LiteLLM's ``{"alias_of": key}`` entries as aliases of the imported model they name
    (``claude-opus-latest``, ``xai/grok-latest``). A selected one whose model is not imported
    is skipped, saying why."""
    for key, entry in data.items():
        if not isinstance(entry, dict) or "alias_of" not in entry:
            continue
        target, seen = entry["alias_of"], {key}
        while isinstance(data.get(target), dict) and "alias_of" in data[target] \
                and target not in seen:  # an alias of an alias
            seen.add(target)
            target = data[target]["alias_of"]
        alias = _our_id(key)
        model_id = _imported_as(data, models, target)
        if model_id is None:
            if key in selected:
                why = ("a model the list does not have" if target not in data else
                       "a model this import does not bring in")
                result.skipped.append(f"{key}: an alias of {why} ({target}"
                                      + (", select it too)" if target in data else ")"))
            continue
        if alias in models or any(alias in m.get("aliases", ()) for m in models.values()):
            if key in selected and alias not in models[model_id].get("aliases", ()):
                result.skipped.append(f"{key}: {alias!r} is already a model or an alias")
            continue
        models[model_id].setdefault("aliases", []).append(alias)


def _imported_as(data: Mapping[str, Any], models: Mapping[str, Mapping[str, Any]], key: Any
                 ) -> str | None:
    """The imported model a LiteLLM key came in as (itself, or a dated id folded into it as
    an alias), of the same provider; None for one not imported."""
    entry = data.get(key) if isinstance(key, str) else None
    if not isinstance(entry, dict):
        return None
    ours = _our_id(key)
    model_id = ours if ours in models else next(
        (m for m, model in models.items() if ours in model.get("aliases", ())), None)
    provider = LITELLM_PROVIDERS.get(str(entry.get("litellm_provider")))
    return model_id if model_id and models[model_id]["provider"] == provider else None


def _drop_invalid(models: dict[str, dict[str, Any]], effective: date,
                  result: ImportResult) -> None:
    """Leave out what of the imported prices the table would refuse (LiteLLM's list has the
    odd entry: a cache read dearer than input...): the part of a model a problem is in (a
    tier, its batch or a service tier's prices, a fee), with a note, or, when the problem is
    in its own prices, the model, with its first problem."""
    from tokcost.errors import PricingError
    from tokcost.pricing.schema import build_snapshot
    from tokcost.pricing.yaml_source import parse_price_yaml

    while models:
        try:
            build_snapshot(parse_price_yaml(_to_yaml(models, effective), "import"), "import")
            return
        except PricingError as error:
            bad = {problem.model: problem for problem in reversed(error.problems)
                   if problem.model in models}
            if not bad:
                raise
            for model, problem in bad.items():
                part = _take_out(models[model], problem.field or "")
                if part is not None:
                    result.drop(part, f"the table would refuse them ({problem.message})",
                                model)
                    continue
                del models[model]
                where = f"{problem.field}: " if problem.field else ""
                result.skipped.append(f"{model}: the table would refuse it ({where}"
                                      f"{problem.message})")


def _take_out(model: dict[str, Any], field: str) -> str | None:
    """Remove the part of an imported model that ``field`` (a problem's place) is in, when
    the model can be sold without it; what was removed, as words, else None."""
    head, _, rest = field.partition(".")
    head = head.split("[")[0]
    if head in ("tiers", "batch") and head in model:
        del model[head]
        return "the long-context prices" if head == "tiers" else "the batch prices"
    name = rest.split(".")[0].split("[")[0]
    if head in ("service_tiers", "fees") and name in model.get(head, {}):
        del model[head][name]
        if not model[head]:
            del model[head]
        return f"the {name} prices" if head == "service_tiers" else f"the {name} fee"
    return None


def _retired_by(entry: Mapping[str, Any], effective: date) -> bool:
    try:
        return date.fromisoformat(str(entry.get("deprecation_date"))) <= effective
    except ValueError:
        return False


def _fold_dated_variants(data: Mapping[str, Any], models: dict[str, dict[str, Any]]) -> None:
    """Dated snapshot ids priced like their base model become its aliases, not models."""
    for key, entry in data.items():
        dated = _our_id(key)
        match = _DATED.match(dated)
        if not match or not isinstance(entry, dict) or match["base"] not in models:
            continue
        base = models[match["base"]]
        same_price = (_per_million(entry.get("input_cost_per_token")) == base["input"]
                      and _per_million(entry.get("output_cost_per_token")) == base["output"])
        provider = LITELLM_PROVIDERS.get(entry.get("litellm_provider", ""))
        if same_price and provider == base["provider"]:
            models.pop(dated, None)
            aliases = base.setdefault("aliases", [])
            if dated not in aliases:
                aliases.append(dated)


def _scalar(value: Any) -> str:
    if isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, str):
        return json.dumps(value) if not re.fullmatch(r"[A-Za-z0-9_.:/#-]+", value) else value
    return str(value)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _block(name: str, value: Any, indent: int) -> list[str]:
    """One field as YAML: flat mappings and lists of scalars in flow style, a mapping that
    holds a list of tiers as a block, each tier a flow mapping."""
    pad = " " * indent
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [f"{pad}{name}:", *(f"{pad}  - {_flow(item)}" for item in value)]
    if isinstance(value, dict) and any(isinstance(v, (dict, list)) and v and not all(
            not isinstance(x, dict) for x in (v if isinstance(v, list) else [v]))
            for v in value.values()):
        return [f"{pad}{name}:", *(line for key, item in value.items()
                                   for line in _block(key, item, indent + 2))]
    return [f"{pad}{name}: {_flow(value)}"]


def _to_yaml(models: Mapping[str, Mapping[str, Any]], effective: date) -> str:
    providers = sorted({model["provider"] for model in models.values()})
    lines = [
        "# Imported from LiteLLM's model_prices_and_context_window.json by",
        "# `tokcost pricing import-litellm`; review before use.",
        "# Prices are USD per million tokens.",
        "# context_window is LiteLLM's max_input_tokens: the most a prompt may hold.",
        f"schema_version: {SCHEMA_VERSION}",
        f"effective: {effective.isoformat()}",
        "currency: USD",
        "sources:",
        *(f"  {p}: {PRICE_PAGES[p]}" for p in providers),
        "models:",
    ]
    for model_id, model in sorted(models.items(), key=lambda kv: (kv[1]["provider"], kv[0])):
        lines.append(f"  {model_id}:")
        for name, value in model.items():
            lines.extend(_block(name, value, 4))
    return "\n".join(lines) + "\n"


def litellm_keys(model_id: str, provider: str, data: Mapping[str, Any]) -> str | None:
    """The key LiteLLM files one of our models under (``xai/grok-4.3``, ``gpt-4o``)."""
    theirs = next((key for key, ours in LITELLM_PROVIDERS.items() if ours == provider), None)
    for key in (f"{theirs}/{model_id}", model_id):
        entry = data.get(key)
        if isinstance(entry, dict) and entry.get("litellm_provider") == theirs:
            return key
    return None


def selected_patterns(values: Iterable[str]) -> list[str]:
    """``--models`` values, each possibly a comma-separated list."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]

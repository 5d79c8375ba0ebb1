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

from tokcost.errors import InputFileError, TokcostError
from tokcost.output import plain_number
from tokcost.pricing.schema import PER_MILLION, SCHEMA_VERSION
from tokcost.pricing.table import PROVIDER_PREFIXES

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
_TIER_KEY = re.compile(r"^input_cost_per_token_above_(\d+)k_tokens$")
_DATED = re.compile(r"^(?P<base>.+?)-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")


@dataclass
class ImportResult:
    """The snapshot's YAML text and what was left out, with why."""

    yaml_text: str
    models: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def read_litellm_json(path: str | Path) -> Mapping[str, Any]:
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(f"{path}: cannot be read: {error}") from None
    except json.JSONDecodeError as error:
        raise InputFileError(
            f"{path}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}"
        ) from None
    if not isinstance(data, dict):
        raise InputFileError(f"{path}: expected LiteLLM's JSON object of models")
    return data


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
    chosen: list[str] = []
    for pattern in patterns:
        matches = [key for key in data if fnmatch.fnmatchcase(key.casefold(), pattern.casefold())]
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


def _convert(key: str, entry: Mapping[str, Any], provider: str) -> dict[str, Any]:
    model_id = _our_id(key)
    rates = {
        "input": _per_million(entry.get("input_cost_per_token")),
        "output": _per_million(entry.get("output_cost_per_token")),
    }
    cache_read = _per_million(entry.get("cache_read_input_token_cost"))
    write_5m = _per_million(entry.get("cache_creation_input_token_cost")) or None
    write_1h = _per_million(entry.get("cache_creation_input_token_cost_above_1hr")) or None
    caching = "explicit" if (write_5m or write_1h) else "automatic" if cache_read is not None \
        else "none"
    out: dict[str, Any] = {"provider": provider, **rates}
    if cache_read is not None:
        out["cache_read"] = cache_read
    if caching == "explicit":
        out.update({k: v for k, v in (("cache_write_5m", write_5m),
                                      ("cache_write_1h", write_1h)) if v is not None})
    out["caching"] = caching
    min_tokens = entry.get("prompt_cache_min_tokens") or DEFAULT_CACHE_MIN_TOKENS.get(provider)
    if caching != "none" and isinstance(min_tokens, int):
        out["cache_min_tokens"] = min_tokens
    batch_in = _per_million(entry.get("input_cost_per_token_batches"))
    batch_out = _per_million(entry.get("output_cost_per_token_batches"))
    if batch_in is not None and batch_out is not None:
        if batch_in * 2 == rates["input"] and batch_out * 2 == rates["output"]:
            out["batch"] = {"discount": Decimal("0.5")}
        else:
            out["batch"] = {"input": batch_in, "output": batch_out}
    tiers = _tiers(entry, caching, rates)
    if tiers:
        out["tiers"] = tiers
    window = _token_limit(entry.get("max_input_tokens") or entry.get("max_tokens"))
    max_output = _token_limit(entry.get("max_output_tokens")) or window
    out["context_window"] = window
    out["max_output_tokens"] = min(max_output, window) if window and max_output else max_output
    out["tokenizer"] = _tokenizer(provider, model_id)
    return out


def _tiers(entry: Mapping[str, Any], caching: str, base: Mapping[str, Any]) -> list[dict]:
    tiers = []
    for key in entry:
        match = _TIER_KEY.match(key)
        if not match:
            continue
        size = match[1]
        tier: dict[str, Any] = {
            "above": int(size) * 1000,
            "input": _per_million(entry[key]),
            # LiteLLM omits the output rate where it does not change above the threshold.
            "output": _per_million(entry.get(f"output_cost_per_token_above_{size}k_tokens"))
            or base["output"],
        }
        read = _per_million(entry.get(f"cache_read_input_token_cost_above_{size}k_tokens"))
        if read is not None and caching != "none":
            tier["cache_read"] = read
        if caching == "explicit":
            write = "cache_creation_input_token_cost_above_"
            for ours, theirs in (("cache_write_5m", f"{write}{size}k_tokens"),
                                 ("cache_write_1h", f"{write}1hr_above_{size}k_tokens")):
                value = _per_million(entry.get(theirs))
                if value:
                    tier[ours] = value
        tiers.append(tier)
    return sorted(tiers, key=lambda tier: tier["above"])


def import_litellm(
    data: Mapping[str, Any], effective: date, patterns: Sequence[str]
) -> ImportResult:
    """Build a snapshot from the LiteLLM entries that ``patterns`` (names or globs) select."""
    result = ImportResult("")
    models: dict[str, dict[str, Any]] = {}
    for key in _select(data, patterns):
        entry = data[key]
        if not isinstance(entry, dict) or entry.get("mode") != "chat":
            result.skipped.append(f"{key}: not a chat model")
            continue
        provider = LITELLM_PROVIDERS.get(str(entry.get("litellm_provider")))
        if provider is None:
            result.skipped.append(f"{key}: provider {entry.get('litellm_provider')!r} is not "
                                  f"one we price ({', '.join(LITELLM_PROVIDERS)})")
        elif None in (_per_million(entry.get("input_cost_per_token")),
                      _per_million(entry.get("output_cost_per_token"))):
            result.skipped.append(f"{key}: no per-token input and output prices")
        elif _retired_by(entry, effective):
            result.skipped.append(f"{key}: retired on {entry['deprecation_date']}")
        elif not _token_limit(entry.get("max_input_tokens") or entry.get("max_tokens")):
            result.skipped.append(f"{key}: no context window")
        elif _our_id(key) in models:
            result.skipped.append(f"{key}: {_our_id(key)!r} is already imported")
        else:
            models[_our_id(key)] = _convert(key, entry, provider)
    _fold_dated_variants(data, models)
    result.models = list(models)
    result.yaml_text = _to_yaml(models, effective)
    return result


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


def _flow(mapping: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in mapping.items()) + "}"


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
            if name == "tiers":
                lines.append("    tiers:")
                lines.extend(f"      - {_flow(tier)}" for tier in value)
            elif isinstance(value, dict):
                lines.append(f"    {name}: {_flow(value)}")
            elif isinstance(value, list):
                lines.append(f"    {name}: [{', '.join(_scalar(v) for v in value)}]")
            else:
                lines.append(f"    {name}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def selected_patterns(values: Iterable[str]) -> list[str]:
    """``--models`` values, each possibly a comma-separated list."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]

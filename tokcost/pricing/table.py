"""Finding, loading and choosing price tables, and looking models up in them."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from tokcost.cache import content_key, read_entry, write_entry
from tokcost.errors import (
    OptionError,
    PricingError,
    PricingProblem,
    TokcostError,
    UnknownModelError,
    UnknownPricingVersionError,
    UnreadableFileError,
)
from tokcost.files import PRICE_TABLE_LIMIT, read_small_file
from tokcost.pricing.schema import ModelPrice, Snapshot, build_snapshot

# The bundled snapshots are the data package tokcost.price_tables (tokcost/price_tables/ in the
# source tree and in a wheel alike), so that they are found the same way from either.
PRICING_ENV_VAR = "TOKCOST_PRICING"
# How problems in a bundled table name it: its path in the source tree.
BUNDLED_ORIGIN = "tokcost/price_tables"
_VERSION_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.yaml$")

# Provider prefixes people write before a model id (LiteLLM's and the providers' own spellings).
PROVIDER_PREFIXES = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "gemini": "google",
    "vertex_ai": "google",
    "xai": "xai",
    "x-ai": "xai",
    "deepseek": "deepseek",
    "mistral": "mistral",
    "mistralai": "mistral",
}
# Prefixes that also say which platform a model is reached through, where one model is sold
# through more than one (LiteLLM's spellings): the counting rules bill some parts of a request
# by platform (tokcost/counting/rules.json).
PLATFORM_PREFIXES = {"gemini": "gemini_api", "vertex_ai": "vertex_ai"}
PLATFORM_PREFIX = {platform: prefix for prefix, platform in PLATFORM_PREFIXES.items()}
# The platform whose prices the tables hold for a provider's models: a model named through it
# is the table's entry under its own id (only the platform is said).
PRICED_PLATFORMS = {"google": "gemini_api"}
# Dated snapshot suffixes: -2024-08-06, -20250929, -0125 (OpenAI, xAI), @20240620 (Vertex AI).
_DATE_SUFFIX = re.compile(r"^(?P<base>.+?)[-@](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")


class Resolution(NamedTuple):
    """The model a name resolved to, and whether a dated id fell back to its base model."""

    model: ModelPrice
    requested: str
    fell_back: bool = False

    @property
    def note(self) -> str | None:
        if not self.fell_back:
            return None
        return (f"{self.requested!r} is not in the price table; "
                f"using its base model {self.model.id!r}")


class PriceTable:
    """One loaded snapshot with model lookup by id, alias, provider prefix or dated id."""

    def __init__(self, snapshot: Snapshot, label: str) -> None:
        self.snapshot = snapshot
        self.label = label
        self._names: dict[str, str] = {}
        self._on_platform: dict[tuple[str, str], ModelPrice] = {}
        for model in snapshot.models.values():
            for name in (model.id, *model.aliases):
                self._names.setdefault(name.casefold(), model.id)

    def __iter__(self) -> Iterator[ModelPrice]:
        return iter(self.snapshot.models.values())

    def __len__(self) -> int:
        return len(self.snapshot.models)

    def models(self, provider: str | Sequence[str] | None = None) -> list[ModelPrice]:
        """Every model, or the provider's (or those of each provider of a list); a provider
        with none is an error, never an empty answer."""
        if not provider:
            return list(self)
        if not isinstance(provider, str):
            return list({model.id: model for each in provider
                         for model in self.models(each)}.values())
        wanted = PROVIDER_PREFIXES.get(provider.casefold(), provider.casefold())
        found = [model for model in self if model.provider == wanted]
        if not found:
            providers = ", ".join(sorted({model.provider for model in self}))
            raise TokcostError(f"no models from provider {provider!r} in price table "
                               f"{self.label} (it has {providers})")
        return found

    def check_service_tier(self, name: str) -> str:
        """A service tier some model of the table is sold at (standard always is), named in
        any case; its name as the table writes it. Another is an option's bad value."""
        known = dict.fromkeys(tier for model in self for tier in model.service_tier_names())
        wanted = name.strip().casefold()
        if wanted not in known:
            raise OptionError(f"--service-tier {name!r}: no model in price table {self.label} "
                              f"is sold at it (tiers: {', '.join(known)})")
        return wanted

    def resolve(self, name: str) -> Resolution:
        """Find a model by exact id, alias, any case, provider prefix or dated id."""
        found = self.find(name)
        if found is not None:
            return found
        key = name.strip().casefold().split("/", 1)[-1]
        raise UnknownModelError(name, self.closest(key), self.label, _bundled_with(name,
                                                                                  self.label))

    def find(self, name: str) -> Resolution | None:
        """Like :meth:`resolve`, but None for a name the table does not know."""
        if not isinstance(name, str):
            from tokcost.arguments import described

            raise TypeError(f"a model name is a str such as 'gpt-4o', not {described(name)}")
        requested = name
        key = name.strip().casefold()
        provider = platform = None
        if "/" in key:
            prefix, rest = key.split("/", 1)
            if prefix in PROVIDER_PREFIXES:
                provider, key = PROVIDER_PREFIXES[prefix], rest
                platform = PLATFORM_PREFIXES.get(prefix)
        found = self._names.get(key)
        fell_back = False
        if found is None and (match := _DATE_SUFFIX.match(key)):
            found = self._names.get(match["base"])
            fell_back = found is not None
        if found is not None:
            model = self.snapshot.models[found]
            if provider is None or model.provider == provider:
                if platform is not None:
                    model = self._reached_through(model, platform)
                return Resolution(model, requested, fell_back)
        return None

    def _reached_through(self, model: ModelPrice, platform: str) -> ModelPrice:
        """The model as named through a platform: the same entry and prices, saying its
        platform. Through a platform other than the one the table is priced for, under the
        name that says it (``vertex_ai/gemini-3-flash-preview``, which finds it again), so that
        its rows stand apart from the model's own. One object a model and platform, so that
        what is kept per model (its counter) is kept."""
        key = (model.id, platform)
        if key not in self._on_platform:
            own = PRICED_PLATFORMS.get(model.provider) == platform
            self._on_platform[key] = model._replace(
                id=model.id if own else f"{PLATFORM_PREFIX[platform]}/{model.id}",
                tokenizer=model.tokenizer._replace(platform=platform))
        return self._on_platform[key]

    def closest(self, name: str, count: int = 3) -> list[str]:
        import difflib

        def score(candidate: str) -> float:
            return difflib.SequenceMatcher(None, name, candidate).ratio()

        ranked = sorted(self._names, key=lambda candidate: (-score(candidate), candidate))
        closest: list[str] = []
        for candidate in ranked:
            model_id = self._names[candidate]
            if model_id not in closest:
                closest.append(model_id)
            if len(closest) == count:
                break
        return closest


# A bundled table older than this on the day tokcost runs may no longer hold.
STALE_AFTER_DAYS = 90


def staleness_note(today: date) -> str | None:
    """What to say when the newest bundled table is too old to trust on ``today``."""
    newest = date.fromisoformat(bundled_versions()[-1])
    age = (today - newest).days
    if age <= STALE_AFTER_DAYS:
        return None
    return (f"the newest bundled price table, {newest}, is {age} days old: prices may have "
            "changed since; upgrade tokcost, or give your own table with --pricing")


def _bundled_with(name: str, besides: str) -> str | None:
    """The newest bundled table other than ``besides`` that knows ``name`` (for the error)."""
    for version in reversed(bundled_versions()):
        if version != besides and load_bundled(version).find(name) is not None:
            return version
    return None


def _bundled_folder() -> Path:
    """Where the bundled tables are installed. (importlib.resources would find them too, but
    importing it costs light commands ~4 ms; pip always installs a wheel unpacked.)"""
    import tokcost.price_tables as tables

    return Path(tables.__file__).parent


def bundled_versions() -> list[str]:
    """The effective dates of the bundled snapshots, oldest first."""
    return sorted(match[1] for entry in _bundled_folder().iterdir()
                  if (match := _VERSION_FILE.match(entry.name)))


def load_bundled(version: str) -> PriceTable:
    available = bundled_versions()
    if version not in available:
        raise UnknownPricingVersionError(version, available)
    text = (_bundled_folder() / f"{version}.yaml").read_text("utf-8")
    origin = f"{BUNDLED_ORIGIN}/{version}.yaml"
    return PriceTable(_snapshot(text, origin, date.fromisoformat(version)), version)


def load_file(path: str | os.PathLike[str]) -> PriceTable:
    """Load and validate a user's own price table."""
    origin = str(path)
    try:
        raw = read_small_file(path, PRICE_TABLE_LIMIT, "price table")
    except UnreadableFileError as error:
        raise PricingError([PricingProblem(origin, error.reason)]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PricingError([PricingProblem(
            origin, f"is not UTF-8 text (byte {error.start}); save it as UTF-8"
        )]) from None
    snapshot = _snapshot(text, origin)
    # An overlay is named with the table it extends: "ours.yaml on 2026-12-01".
    return PriceTable(snapshot, f"{origin} on {snapshot.base}" if snapshot.base else origin)


def _snapshot(text: str, origin: str, expected_effective: date | None = None) -> Snapshot:
    """Validate a table's text, reusing the parsed form of text that validated before.

    Parsing YAML (and importing PyYAML) is most of a light command's start-up; a table that
    validated once is kept as JSON in the cache, keyed by a hash of the text, and validated
    again from there. Only tables that validated are written to the cache, so a cached form
    that fails validation is a bad entry, not a bad table: it is dropped and the text parsed
    afresh, and only a failure of the text itself is reported.
    """
    parsed = _Parsed()
    try:
        return parsed.validated(text, origin, expected_effective)
    except PricingError:
        if not parsed.used_cache:
            raise
    return _Parsed(use_cache=False).validated(text, origin, expected_effective)


class _Parsed:
    """Parses tables' text, from the cache where it may; remembers whether any entry was used,
    so that a failure can be retried without the cache."""

    def __init__(self, use_cache: bool = True) -> None:
        self.use_cache = use_cache
        self.used_cache = False

    def validated(self, text: str, origin: str, expected_effective: date | None) -> Snapshot:
        raw, from_cache = self.of(text, origin)
        snapshot = _validated(raw, origin, expected_effective, self)
        if not from_cache:
            _remember(text, raw)
        return snapshot

    def of(self, text: str, origin: str) -> tuple[Any, bool]:
        """The parsed text, and whether it came from the cache."""
        if self.use_cache:
            cached = _cached_raw(text)
            if cached is not None:
                self.used_cache = True
                return cached, True
        from tokcost.pricing.yaml_source import parse_price_yaml

        return parse_price_yaml(text, origin), False


def _cache_name(text: str) -> str:
    return f"table-{content_key(text)}.json"


def _cached_raw(text: str) -> Any:
    """The parsed form of a table's text that validated before, or None; also None for an
    entry that is not the mapping (with, for a whole table, a mapping of model mappings) that
    :func:`_remember` writes, so that no later step trips over it."""
    cached = read_entry(_cache_name(text))
    if cached is None:
        return None
    try:
        raw = json.loads(cached, object_hook=_from_json)
    except (ValueError, ArithmeticError):  # not JSON, or a "$decimal" or "$date" that is not one
        return None
    if not isinstance(raw, dict):
        return None
    models = raw.get("models", {})  # an overlay may change no model
    if not isinstance(models, dict) or not all(isinstance(m, dict) for m in models.values()):
        return None
    return raw


def _remember(text: str, raw: Any) -> None:
    """Cache the parsed form of a table's text that has just validated."""
    try:
        payload = json.dumps(raw, default=_to_json).encode()
    except (TypeError, ValueError):  # a value JSON cannot carry: simply not cached
        return
    write_entry(_cache_name(text), payload)


def _validated(raw: Any, origin: str, expected_effective: date | None, parsed: _Parsed
                ) -> Snapshot:
    """The table (laid over the one it extends), with every problem of both stages at once,
    in the order of the file's lines."""
    from tokcost.pricing.overlay import is_overlay, overlaid

    problems: list[PricingProblem] = []
    base = None
    if is_overlay(raw):
        def load_base(version: str) -> Any:
            text = (_bundled_folder() / f"{version}.yaml").read_text("utf-8")
            # Usually cached already, when the bundled table was last loaded.
            return parsed.of(text, f"{BUNDLED_ORIGIN}/{version}.yaml")[0]

        raw, base = overlaid(raw, origin, bundled_versions(), load_base, problems,
                             PROVIDER_PREFIXES)
    try:
        snapshot = build_snapshot(raw, origin, expected_effective=expected_effective)
    except PricingError as error:
        problems += error.problems
    if problems:
        raise PricingError(sorted(problems, key=lambda p: (p.line is None, p.line or 0)))
    return snapshot._replace(base=base)


def _to_json(value: object) -> object:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot cache {type(value).__name__}")


def _from_json(value: dict[str, object]) -> object:
    if len(value) == 1 and "$decimal" in value:
        return Decimal(str(value["$decimal"]))
    if len(value) == 1 and "$date" in value:
        return date.fromisoformat(str(value["$date"]))
    return value


def load_price_table(
    version: str | None = None, path: str | os.PathLike[str] | None = None
) -> PriceTable:
    """The table to use: ``path``, else ``version``, else $TOKCOST_PRICING, else the newest."""
    if path is not None and version is not None:
        raise OptionError("give either a pricing version or a pricing file, not both")
    if path is not None:
        return load_file(path)
    if version is not None:
        return load_bundled(version)
    from_env = os.environ.get(PRICING_ENV_VAR)
    if from_env:
        return load_file(from_env)
    versions = bundled_versions()
    if not versions:
        raise TokcostError("no bundled price tables found; the installation is incomplete")
    return load_bundled(versions[-1])

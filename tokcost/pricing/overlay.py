"""A user's table that ``extends`` a bundled one and lists only what differs.

An overlay names its base (``extends: latest`` or a bundled table's date) and then, over it:
whole models of its own (with a ``provider``), single fields of the base's models (a mapping
such as ``fees`` or ``service_tiers`` is laid over the base's key by key, as a single price is;
``null`` removes a key), and a ``discount`` (a fraction off every price) for a model or, under
``providers``, for all of a provider's models. The result is validated like a full table.

Problems are the overlay's, told in its own terms: each once, at its line in the overlay, with
values as written there (``not 1.5``), and a model name the base does not know gets the names
it comes close to.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from tokcost.errors import PricingError, PricingProblem
from tokcost.output import plain_number
from tokcost.pricing.schema import LineDict, Rates

# Replaced whole by an overlay rather than laid over the base key by key: a batch price is a
# discount or explicit prices, never both, and a list (tiers) has no keys to merge by.
REPLACED_WHOLE = ("batch",)
# What a model of the overlay's own needs, where the base has no model of that name.
OWN_MODEL_NEEDS = "provider, input, output, context_window, max_output_tokens and tokenizer"


def is_overlay(raw: Any) -> bool:
    return isinstance(raw, dict) and "extends" in raw


def overlaid(raw: Mapping[str, Any], origin: str, versions: Sequence[str],
             load_base: Callable[[str], Any], problems: list[PricingProblem],
             provider_names: Mapping[str, str] = {}) -> tuple[LineDict, str]:  # noqa: B006
    """The base table with the overlay laid over it, and the base's version. What is wrong
    in the overlay itself goes into ``problems``; what the merged table gets wrong is left
    to its validation, which finds the overlay's lines in the result. ``provider_names``:
    other spellings of providers (``gemini`` for google)."""
    wanted = raw["extends"]
    version = versions[-1] if wanted == "latest" else str(wanted)
    if version not in versions:
        raise PricingError([PricingProblem(
            origin, f"extends {_written(wanted)}, which is neither latest nor a bundled table "
            f"({', '.join(versions)})", field="extends", line=_line(raw, "extends"))])
    base = load_base(version)
    merged = LineDict()
    merged.update(base)
    for key, value in raw.items():
        if key not in ("extends", "providers", "models", "sources"):
            merged[key] = value
            _keep_line(merged, key, raw)
    merged.duplicates = list(getattr(raw, "duplicates", ()))
    merged["sources"] = {**base.get("sources", {}), **(raw.get("sources") or {})}
    models = _Models(base.get("models", {}), origin, version, problems, provider_names)
    models.discount_providers(raw.get("providers"), raw)
    models.change(raw.get("models"), raw)
    merged["models"] = models.result
    return merged, version


class _Models:
    """The base's models, as the overlay changes them."""

    def __init__(self, base: Mapping[str, Any], origin: str, version: str,
                 problems: list[PricingProblem], provider_names: Mapping[str, str]) -> None:
        self.origin, self.version, self.problems = origin, version, problems
        self.provider_names = provider_names
        self.base = base
        self.result = LineDict()
        for model_id, entry in base.items():
            self.result[model_id] = dict(entry)
        self.names = {name.casefold(): model_id for model_id, entry in base.items()
                      for name in (model_id, *(_aliases(entry)))}
        self.providers = sorted({str(entry.get("provider")) for entry in base.values()
                                 if isinstance(entry, dict)})
        self.discounted: set[str] = set()

    def problem(self, message: str, where: Any, key: Any, *, model: str | None = None,
                field: str | None = None) -> None:
        self.problems.append(PricingProblem(self.origin, message, model=model, field=field,
                                            line=_line(where, key)))

    def discount_providers(self, providers: Any, top: Any) -> None:
        """``providers: {openai: {discount: 0.15}}``: each provider's problem said once."""
        if providers is None:
            return
        if not isinstance(providers, dict):
            self.problem("must map providers to their discount (openai: {discount: 0.15})",
                         top, "providers", field="providers")
            return
        for name, entry in providers.items():
            field = f"providers.{name}"
            provider = self.provider_names.get(str(name).casefold(), str(name))
            if provider not in self.providers:
                self.problem(f"no models from provider {_written(name)} in {self.version}"
                             f"{_close(str(name), self.providers)}", providers, name,
                             field=field)
                continue
            if not isinstance(entry, dict) or set(entry) != {"discount"}:
                self.problem("a provider takes only a `discount` (0.15 is 15% off every "
                             "price)", providers, name, field=field)
                continue
            factor = self.factor(entry["discount"], entry, field=f"{field}.discount")
            if factor is None:
                continue
            for model_id, model in self.result.items():
                if model.get("provider") == provider:
                    self.result[model_id] = _scaled_prices(model, factor)
                    _keep_line(self.result, model_id, providers, name)

    def change(self, changed: Any, top: Any) -> None:
        if changed is None:
            return
        if not isinstance(changed, dict):
            self.problem("must map model ids to what changes", top, "models", field="models")
            return
        for key, line, _, earlier in getattr(changed, "duplicates", ()):
            self.problems.append(PricingProblem(
                self.origin, f"is defined more than once (also on line {earlier}; YAML would "
                "silently keep the last)", model=str(key), line=line))
        for name, entry in changed.items():
            own = isinstance(entry, dict) and "provider" in entry
            # A change may name its model by an alias or in any case; a whole model of the
            # overlay's own is taken at its word (a clash with a name is validation's to say).
            model_id = str(name) if own else self.names.get(str(name).casefold(), str(name))
            if model_id not in self.result and not own:
                self.problem(f"is not a model of {self.version}"
                             f"{_close(str(name), list(self.result))}; a model of your own "
                             f"needs {OWN_MODEL_NEEDS}", changed, name, model=str(name))
                continue
            _keep_line(self.result, model_id, changed, name)
            if not isinstance(entry, dict):
                self.result[model_id] = entry  # validation names what is wrong
                continue
            current = self.result.get(model_id, {})
            if "discount" in entry:
                factor = self.factor(entry["discount"], entry, model=model_id,
                                     field="discount")
                if factor is not None and model_id in self.base:
                    # The model's own discount takes the place of its provider's.
                    current = _scaled_prices(self.base[model_id], factor)
            self.result[model_id] = _laid_over(current, entry)

    def factor(self, discount: Any, where: Any, *, model: str | None = None,
               field: str) -> Decimal | None:
        if isinstance(discount, bool) or not isinstance(discount, (int, float, Decimal)) \
                or not 0 < discount < 1:
            self.problem("a discount is a fraction between 0 and 1 (0.15 is 15% off), not "
                         f"{_written(discount)}", where, "discount", model=model, field=field)
            return None
        return 1 - Decimal(str(discount))


def _laid_over(base: Mapping[str, Any], changes: Mapping[str, Any]) -> LineDict:
    """``changes`` over ``base`` key by key, mappings within too (a fee, a service tier's
    price), except what is replaced whole; ``null`` removes a key. The overlay's lines and
    repeated keys stay with it, so that validation points into the overlay."""
    merged = LineDict()
    merged.update(base)
    for key, value in changes.items():
        if key == "discount":
            continue
        if value is None:
            merged.pop(key, None)
            continue
        if isinstance(value, dict) and isinstance(base.get(key), dict) \
                and key not in REPLACED_WHOLE:
            value = _laid_over(base[key], value)
            if not value:  # its every key removed: the mapping goes too
                merged.pop(key, None)
                continue
        merged[key] = value
        _keep_line(merged, key, changes)
    merged.duplicates = list(getattr(changes, "duplicates", ()))
    return merged


def _scaled_prices(entry: Any, factor: Decimal) -> Any:
    """Every price of a model entry (tiers, batch prices and service tiers included) times
    ``factor``; fractions (a batch discount), fees and limits stay as they are."""
    if isinstance(entry, list):
        return [_scaled_prices(item, factor) for item in entry]
    if not isinstance(entry, dict):
        return entry
    scaled = {}
    for key, value in entry.items():
        if key in Rates._fields and isinstance(value, (int, float, Decimal)) \
                and not isinstance(value, bool):
            scaled[key] = Decimal(str(value)) * factor
        elif isinstance(value, (dict, list)) and key not in ("tokenizer", "fees"):
            scaled[key] = _scaled_prices(value, factor)  # tiers, batch, service tiers
        else:
            scaled[key] = value
    return scaled


def _aliases(entry: Any) -> list[str]:
    aliases = entry.get("aliases") if isinstance(entry, dict) else None
    return [str(a) for a in aliases] if isinstance(aliases, list) else []


def _keep_line(target: LineDict, key: Any, source: Any, source_key: Any = None) -> None:
    """Give ``target[key]`` the overlay's line of ``source[source_key]`` (or of key)."""
    line = _line(source, key if source_key is None else source_key)
    if line is not None:
        target.lines[key] = line


def _line(mapping: Any, key: Any) -> int | None:
    lines = getattr(mapping, "lines", None)
    return lines.get(key) if lines else None


def _written(value: Any) -> str:
    """A value as the file wrote it: 1.5, not Decimal('1.5'); text quoted."""
    if isinstance(value, (Decimal, float, int)) and not isinstance(value, bool):
        return plain_number(Decimal(str(value)))
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "empty"
    return f"a {'mapping' if isinstance(value, dict) else 'list'}" \
        if isinstance(value, (dict, list)) else str(value)


def _close(name: str, known: Sequence[str]) -> str:
    match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""

"""Reading pydantic's genai-prices list, to check a table against it.

The list holds providers, each with models that name the model ids they match (``equals``,
``starts_with``, ``contains``, ``regex``, combined with ``or``/``and``) and prices per million
tokens: a number, or a base with tiers that start past a prompt size, possibly several dated
price sets (``prices``) and request-specific overrides (``price_variants``: batch processing, a
service tier), each price key of which replaces the standard one.

Its wheel ships the list as Python (``genai_prices/data.py``: constructor calls of its own
classes) rather than JSON; :func:`read_data_py` reads that file as data, with Python's parser,
without running it or needing genai-prices or pydantic.

What the table can be compared on is read: the input, output, cache-read and cache-write prices
of each price set (standard, batch, every service tier) on the table's date, with their
long-context steps, and the per-search and per-request fees. Audio, image and video prices have
no place in the table and are not compared.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from tokcost.errors import InputFileError

# Our provider names, and genai-prices'.
PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "google": "google", "xai": "x-ai",
             "deepseek": "deepseek", "mistral": "mistral"}
# Their price fields (per million tokens), and ours.
PRICE_FIELDS = {"input_mtok": "input", "output_mtok": "output", "cache_read_mtok": "cache_read",
                "cache_write_mtok": "cache_write_5m", "cache_write_1h_mtok": "cache_write_1h"}
# Their fees (per thousand), and ours (per one).
FEE_FIELDS = {"web_searches_kcount": "web_search", "requests_kcount": "request"}
STANDARD = "standard"
BATCH = "batch"


def is_genai_prices(data: Any) -> bool:
    """A genai-prices list: providers, each with an id and its models."""
    return isinstance(data, list) and bool(data) and all(
        isinstance(p, dict) and "id" in p and "models" in p for p in data[:3])


# --- data.py as data ------------------------------------------------------------------------

def read_data_py(text: str, origin: str) -> list[Any]:
    """The ``providers`` list of genai-prices' data.py, as the JSON form of the same list:
    each constructor call a mapping of its keyword arguments (``or_=`` read as ``or``),
    ``Decimal('1.5')`` a Decimal, ``datetime.date(...)`` a date."""
    try:
        tree = ast.parse(text, origin)
    except SyntaxError as error:
        raise InputFileError(f"{origin}:{error.lineno}: not Python: {error.msg}") from None
    target: ast.expr
    assigned: ast.expr | None
    for node in tree.body:
        if isinstance(node, ast.AnnAssign):
            target, assigned = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, assigned = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "providers" and assigned is not None:
            value = _data(assigned, origin)
            if is_genai_prices(value):
                return value  # type: ignore[no-any-return]
    raise InputFileError(f"{origin}: no `providers` list of genai-prices' data in it")


def _data(node: ast.AST, origin: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_data(item, origin) for item in node.elts]
    if isinstance(node, ast.Dict):
        return {_data(k, origin) if k is not None else None: _data(v, origin)
                for k, v in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_data(node.operand, origin)
    if isinstance(node, ast.Call):
        name = ast.unparse(node.func)
        args = [_data(arg, origin) for arg in node.args]
        if name == "Decimal" and len(args) == 1 and isinstance(args[0], (str, int)):
            try:
                return Decimal(args[0])
            except InvalidOperation:
                pass
        elif name in ("datetime.date", "date") and all(isinstance(a, int) for a in args):
            return date(*args)
        elif name in ("datetime.time", "time"):
            # A time of day (DeepSeek's peak hours): only its presence matters here.
            return ":".join(f"{part:02d}" for part in args)
        elif re.fullmatch(r"[A-Z]\w*", name) and not node.args:
            return {(keyword.arg or "").removesuffix("_"): _data(keyword.value, origin)
                    for keyword in node.keywords}
    raise InputFileError(f"{origin}:{getattr(node, 'lineno', '?')}: "
                         f"{ast.unparse(node)[:60]!r} is not data this reader knows")


# --- finding a model and its prices ---------------------------------------------------------

def _matches(clause: Any, model_id: str) -> bool:
    if not isinstance(clause, dict):
        return False
    if "or" in clause:
        return any(_matches(part, model_id) for part in clause["or"])
    if "and" in clause:
        return all(_matches(part, model_id) for part in clause["and"])
    checks: dict[str, Callable[[str], bool]] = {
        "equals": model_id.__eq__, "starts_with": model_id.startswith,
        "ends_with": model_id.endswith, "contains": model_id.__contains__}
    if "regex" in clause:
        return re.search(str(clause["regex"]), model_id) is not None
    return any(name in clause and checks[name](str(clause[name])) for name in checks)


def find_model(data: Sequence[Mapping[str, Any]], provider: str, model_id: str
               ) -> Mapping[str, Any] | None:
    """Their entry for one of our models: an exact id first, else the first that matches."""
    theirs = PROVIDERS.get(provider)
    models: Sequence[Mapping[str, Any]] = next(
        (p.get("models", []) for p in data if p.get("id") == theirs), [])
    exact = next((m for m in models if m.get("id") == model_id), None)
    return exact or next((m for m in models if _matches(m.get("match"), model_id)), None)


def _start(constraint: Any) -> date | None:
    """When a dated constraint starts (date.min for none); None for another kind."""
    if not constraint:
        return date.min
    if not isinstance(constraint, dict) or set(constraint) != {"start_date"}:
        return None
    start = constraint["start_date"]
    if isinstance(start, date):
        return start
    try:
        return date.fromisoformat(str(start))
    except ValueError:
        return None


def prices_on(entry: Mapping[str, Any], day: date) -> Mapping[str, Any]:
    """The price set in force on ``day``: the latest dated one that has started, else the
    undated one."""
    prices = entry.get("prices") or {}
    if isinstance(prices, dict):
        return prices
    chosen: Mapping[str, Any] = {}
    started = date.min
    for candidate in prices if isinstance(prices, list) else []:
        if not isinstance(candidate, dict) or not isinstance(candidate.get("prices"), dict):
            continue  # a shape this reader does not know: left out, never guessed
        when = _start(candidate.get("constraint"))
        if when is not None and started <= when <= day:
            chosen, started = candidate["prices"], when
    return chosen


def peak_prices(entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The prices of a time-of-day window, where the list has them: genai-prices keeps
    DeepSeek's off-peak prices as the base and its peak hours as windows, the other way round
    from the table (standard prices, and an ``off_peak`` tier)."""
    prices = entry.get("prices")
    for candidate in prices if isinstance(prices, list) else []:
        if isinstance(candidate, dict) and "start_time" in (candidate.get("constraint") or {}) \
                and isinstance(candidate.get("prices"), dict):
            return candidate["prices"]
    return None


def _set_name(when: Any) -> str | None:
    """The table's name for a variant's request context: batch, a service tier; None for a
    context the table has no dimension for (a route, a search type...)."""
    if when == {"processing": "batch"}:
        return BATCH
    if isinstance(when, dict) and set(when) == {"service_tier"}:
        tier = str(when["service_tier"])
        return STANDARD if tier == "default" else tier
    return None


def price_sets(entry: Mapping[str, Any], day: date
               ) -> tuple[dict[str, Mapping[str, Any]], list[str]]:
    """Their prices on ``day`` by price set (standard, batch, flex, priority...), each a
    variant's prices laid over the standard ones key by key, the first variant in force
    winning (as genai-prices resolves them); and the request contexts not read (``route:
    mistral/eu``)."""
    standard = prices_on(entry, day)
    overrides: dict[str, dict[str, Any]] = {}
    unread: list[str] = []
    for variant in entry.get("price_variants") or []:
        if not isinstance(variant, dict) or not isinstance(variant.get("prices"), dict):
            continue
        name = _set_name(variant.get("when"))
        if name is None:
            context = ", ".join(f"{k}: {v}" for k, v in (variant.get("when") or {}).items())
            if context not in unread:
                unread.append(context)
            continue
        start = _start(variant.get("constraint"))
        if start is None or start > day:
            continue
        chosen = overrides.setdefault(name, {})
        for key, price in variant["prices"].items():
            if price is not None:
                chosen.setdefault(key, price)
    sets: dict[str, Mapping[str, Any]] = {STANDARD: {**standard, **overrides.pop(STANDARD, {})}}
    for name, prices in overrides.items():
        sets[name] = {**standard, **prices}
    return sets, unread


def facts(prices: Mapping[str, Any], prefix: str = "", *, fees: bool = True
          ) -> dict[str, Decimal]:
    """Their prices as our fact names: ``input_per_mtok``, ``above_200000_output_per_mtok``,
    ``batch_cache_read_per_mtok``, ``web_search_fee``."""
    found: dict[str, Decimal] = {}
    for theirs, ours in PRICE_FIELDS.items():
        value = prices.get(theirs)
        if isinstance(value, dict) and _number(value.get("base")):
            found[f"{prefix}{ours}_per_mtok"] = _decimal(value["base"])
            for tier in value.get("tiers") or []:
                if isinstance(tier, dict) and {"start", "price"} <= tier.keys():
                    found[f"{prefix}above_{tier['start']}_{ours}_per_mtok"] = \
                        _decimal(tier["price"])
        elif _number(value):
            found[f"{prefix}{ours}_per_mtok"] = _decimal(value)
    for theirs, ours in FEE_FIELDS.items() if fees else ():
        if _number(prices.get(theirs)):
            found[f"{ours}_fee"] = _decimal(prices[theirs]) / 1000
    return found


def _number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _decimal(value: Any) -> Decimal:
    return (value if isinstance(value, Decimal) else Decimal(str(value))).normalize()

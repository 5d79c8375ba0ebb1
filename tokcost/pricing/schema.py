"""The price table's typed form, and the validation that turns parsed YAML into it.

The typed records are NamedTuples rather than dataclasses: they are defined at every start of
every command, and a dataclass costs about a millisecond to define, a NamedTuple a fifth of it.

Validation is hand-written over small field tables rather than a schema library: it keeps the
start-up of every command cheap, and it lets each problem name the file, the model and the field,
with all problems reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from tokcost.errors import PricingError, PricingProblem
from tokcost.output import plain_number

SCHEMA_VERSION = 2
# Version 1 tables still load; the fields version 2 added (service tiers, inclusive tier
# thresholds, batch discounts on some prices only, batch tiers, mode, retired) need version 2.
SCHEMA_VERSIONS = (1, 2)
V2_MODEL_FIELDS = ("service_tiers", "mode", "retired", "fees")
PER_MILLION = Decimal(1_000_000)
# Above this a price is almost surely a typo or a per-thousand figure: the dearest chat model ever
# listed charged $600 per million output tokens.
ABSURD_PRICE_PER_MTOK = Decimal(5_000)

Caching = Literal["none", "automatic", "explicit"]
Accuracy = Literal["exact", "estimate"]
Mode = Literal["chat", "embedding"]
STANDARD = "standard"  # the service tier of the model's own rates
# The encodings that ship inside tokcost (tokcost/counting/encodings): a table naming another
# would make tiktoken download it, so validation refuses it.
BUNDLED_ENCODINGS = ("o200k_base", "cl100k_base")


class Rates(NamedTuple):
    """USD per million tokens. ``None`` means the provider has no such price (never zero)."""

    input: Decimal
    output: Decimal
    cache_read: Decimal | None = None
    cache_write_5m: Decimal | None = None
    cache_write_1h: Decimal | None = None
    cache_write_12h: Decimal | None = None  # OpenAI's extended (12-hour) cache retention

    def scaled(self, factor: Decimal) -> Rates:
        return Rates._make(None if rate is None else rate * factor for rate in self)


class Tier(NamedTuple):
    """Rates that apply to the whole request once its prompt exceeds ``above`` tokens (or
    reaches them, when ``inclusive``: written ``from:`` in the table)."""

    above: int
    rates: Rates
    inclusive: bool = False

    def applies_to(self, prompt_tokens: int) -> bool:
        return prompt_tokens >= self.above if self.inclusive else prompt_tokens > self.above

    def describe(self) -> str:
        return f"{'from' if self.inclusive else 'above'} {self.above:,} prompt tokens"


class PriceSet(NamedTuple):
    """The prices of one service tier (flex, priority...): its rates and long-context tiers."""

    rates: Rates
    tiers: tuple[Tier, ...] = ()


class Batch(NamedTuple):
    """Batch API pricing: a fractional ``discount`` (on every rate, or on those ``applies_to``
    names), or explicit ``rates`` with their own long-context ``tiers``."""

    discount: Decimal | None = None
    rates: Rates | None = None
    applies_to: tuple[str, ...] | None = None
    tiers: tuple[Tier, ...] = ()


class Tokenizer(NamedTuple):
    """How tokens are counted: the model's own encoding (exact) or a stand-in (estimate)."""

    encoding: str
    accuracy: Accuracy
    factor: Decimal = Decimal(1)
    # The counting rule (tokcost/counting/rules.json) that estimates this model's requests;
    # None: its provider's default.
    rule: str | None = None
    # The platform the model's name says it is reached through (``vertex_ai/...``), whose
    # billing the counting rule's variant for it follows; None: not said. Set by the name
    # looked up, never by the table.
    platform: str | None = None

    def describe(self) -> str:
        if self.accuracy == "exact":
            return self.encoding
        scale = "" if self.factor == 1 else f" x{plain_number(self.factor)}"
        return f"estimate:{self.encoding}{scale}"


class ModelPrice(NamedTuple):
    """Everything the table says about one model."""

    id: str
    provider: str
    rates: Rates
    caching: Caching
    context_window: int
    max_output_tokens: int
    tokenizer: Tokenizer
    cache_min_tokens: int | None = None
    batch: Batch | None = None
    tiers: tuple[Tier, ...] = ()
    aliases: tuple[str, ...] = ()
    source: str | None = None
    notes: str | None = None
    # Besides standard: (name, prices) of flex, priority...; pairs, so that a model stays
    # hashable (counters are cached by model).
    service_tiers: tuple[tuple[str, PriceSet], ...] = ()
    mode: Mode = "chat"
    retired: date | None = None
    # USD per unit of what is not billed by the token: (name, price) pairs, e.g. web_search.
    fees: tuple[tuple[str, Decimal], ...] = ()

    def price_set(self, service_tier: str = STANDARD) -> PriceSet | None:
        """The prices of a service tier; None when the model is not sold at it."""
        if service_tier == STANDARD:
            return PriceSet(self.rates, self.tiers)
        return dict(self.service_tiers).get(service_tier)

    def fits(self, input_tokens: int, reply_tokens: int) -> bool:
        """Whether a request fits: its input and reply within the context window, and the
        reply within the model's max output (an embedding model has none)."""
        return input_tokens + reply_tokens <= self.context_window and (
            not self.max_output_tokens or reply_tokens <= self.max_output_tokens)

    def service_tier_names(self) -> tuple[str, ...]:
        return (STANDARD, *(name for name, _ in self.service_tiers))


class Snapshot(NamedTuple):
    """One complete price table, effective from a date."""

    origin: str
    schema_version: int
    effective: date
    currency: str
    sources: Mapping[str, str]
    models: Mapping[str, ModelPrice]
    notes: str | None = None
    # The bundled table an overlay extends (its effective date), None for a full table.
    base: str | None = None

    def source_for(self, model: ModelPrice) -> str | None:
        return model.source or self.sources.get(model.provider)


class LineDict(dict[Any, Any]):
    """A mapping from YAML that remembers each key's line and the keys it saw twice.

    ``duplicates`` holds, for each repeated key, the line of the repeat and the earlier value
    and line that the repeat replaced.
    """

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[Any, int] = {}
        self.duplicates: list[tuple[Any, int, Any, int]] = []


class _Checker:
    """Collects problems while walking one parsed table."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[PricingProblem] = []
        # The line of the model being read: where a problem without a line of its own points.
        self.model_line: int | None = None
        self.schema_version = SCHEMA_VERSION

    def problem(
        self, message: str, *, model: str | None = None, field: str | None = None,
        where: Any = None, key: Any = None,
    ) -> None:
        line = where.lines.get(key) if isinstance(where, LineDict) else None
        if line is None and model is not None:
            line = self.model_line
        self.problems.append(
            PricingProblem(self.path, message, model=model, field=field, line=line)
        )

    def report_duplicates(self, mapping: Any, model: str | None, prefix: str = "") -> None:
        for key, line, _, _ in getattr(mapping, "duplicates", ()):
            self.problems.append(PricingProblem(
                self.path, "appears more than once (YAML would silently keep the last)",
                model=model, field=f"{prefix}{key}", line=line,
            ))


# --- value readers: each returns (value, problem message or None) ---------------------------

Reader = Callable[[Any], "tuple[Any, str | None]"]


def _read_price(raw: Any) -> tuple[Any, str | None]:
    if isinstance(raw, bool) or not isinstance(raw, (int, Decimal, float)):
        return None, f"must be a number of USD per million tokens, not {_describe(raw)}"
    value = raw if isinstance(raw, Decimal) else Decimal(str(raw))
    if not value.is_finite():
        return None, "must be a finite number"
    if value < 0:
        return None, f"must not be negative (got {plain_number(value)})"
    if value > ABSURD_PRICE_PER_MTOK:
        return None, (
            f"{plain_number(value)} USD per million tokens is implausible; prices are per million "
            "tokens, not per thousand"
        )
    return value, None


def _read_fraction(raw: Any) -> tuple[Any, str | None]:
    value, message = _read_price(raw)
    if message is None and not (0 < value < 1):
        return None, ("must be a fraction between 0 and 1 (0.5 is half price), not "
                      f"{plain_number(value)}")
    return value, message


def _read_positive_decimal(raw: Any) -> tuple[Any, str | None]:
    value, message = _read_price(raw)
    if message is None and value <= 0:
        return None, "must be greater than zero"
    return value, message


def _read_count(raw: Any) -> tuple[Any, str | None]:
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None, f"must be a whole number of tokens, not {_describe(raw)}"
    if raw <= 0:
        return None, f"must be greater than zero (got {raw})"
    return raw, None


def _read_text(raw: Any) -> tuple[Any, str | None]:
    if not isinstance(raw, str) or not raw.strip():
        return None, f"must be non-empty text, not {_describe(raw)}"
    return raw, None


def _read_url(raw: Any) -> tuple[Any, str | None]:
    value, message = _read_text(raw)
    if message is None and not re.match(r"https?://\S+$", value):
        return None, f"must be an http(s) URL, not {value!r}"
    return value, message


def _read_date(raw: Any) -> tuple[Any, str | None]:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw, None
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw), None
        except ValueError:
            pass
    return None, f"must be a date as YYYY-MM-DD, not {_describe(raw)}"


def _read_names(raw: Any) -> tuple[Any, str | None]:
    if not isinstance(raw, list) or not all(isinstance(n, str) and n.strip() for n in raw):
        return None, f"must be a list of names, not {_describe(raw)}"
    return tuple(raw), None


def _one_of(*choices: str) -> Reader:
    def read(raw: Any) -> tuple[Any, str | None]:
        if raw not in choices:
            return None, f"must be one of {', '.join(choices)}, not {_describe(raw)}"
        return raw, None

    return read


def _describe(raw: Any) -> str:
    if raw is None:
        return "empty"
    if isinstance(raw, (dict, list)):
        return f"a {'mapping' if isinstance(raw, dict) else 'list'}"
    return repr(raw) if isinstance(raw, str) else f"{raw!s}"


# --- field tables --------------------------------------------------------------------------

RATE_FIELDS: dict[str, tuple[Reader, bool]] = {
    "input": (_read_price, True),
    "output": (_read_price, True),
    "cache_read": (_read_price, False),
    "cache_write_5m": (_read_price, False),
    "cache_write_1h": (_read_price, False),
    "cache_write_12h": (_read_price, False),
}
MODEL_FIELDS: dict[str, tuple[Reader | None, bool]] = {
    **RATE_FIELDS,
    "provider": (_read_text, True),
    "caching": (_one_of("none", "automatic", "explicit"), False),
    "cache_min_tokens": (_read_count, False),
    "context_window": (_read_count, True),
    "max_output_tokens": (_read_count, False),  # required of chat models
    "aliases": (_read_names, False),
    "source": (_read_url, False),
    "notes": (_read_text, False),
    "mode": (_one_of("chat", "embedding"), False),
    "retired": (_read_date, False),
    # Structured fields, read by their own functions below.
    "tokenizer": (None, True),
    "batch": (None, False),
    "tiers": (None, False),
    "service_tiers": (None, False),
    "fees": (None, False),
}
TOKENIZER_FIELDS: dict[str, tuple[Reader, bool]] = {
    "encoding": (_read_text, True),
    "accuracy": (_one_of("exact", "estimate"), True),
    "factor": (_read_positive_decimal, False),
    "rule": (_read_text, False),
}
TOP_FIELDS: dict[str, tuple[Reader | None, bool]] = {
    "schema_version": (None, True),
    "effective": (_read_date, True),
    "currency": (_one_of("USD"), True),
    "sources": (None, True),
    "models": (None, True),
    "notes": (_read_text, False),
}


def _read_fields(
    check: _Checker, raw: Any, table: Mapping[str, tuple[Reader | None, bool]],
    *, model: str | None, prefix: str = "",
) -> dict[str, Any] | None:
    """Read the simple fields of one mapping; report unknown, missing and invalid ones."""
    if not isinstance(raw, dict):
        check.problem(f"must be a mapping, not {_describe(raw)}", model=model,
                      field=prefix.rstrip(".") or None)
        return None
    check.report_duplicates(raw, model, prefix)
    values: dict[str, Any] = {}
    for key in raw:
        if key not in table:
            close = _close_field(str(key), table)
            check.problem(f"unknown field{close}", model=model, field=f"{prefix}{key}",
                          where=raw, key=key)
    for name, (reader, required) in table.items():
        if name not in raw or raw[name] is None:
            if required:
                check.problem("is required but missing", model=model, field=f"{prefix}{name}",
                              where=raw, key=name)
            continue
        if reader is None:
            values[name] = raw[name]
            continue
        value, message = reader(raw[name])
        if message:
            check.problem(message, model=model, field=f"{prefix}{name}", where=raw, key=name)
        else:
            values[name] = value
    return values


def _close_field(key: str, table: Mapping[str, Any]) -> str:
    import difflib

    match = difflib.get_close_matches(key, list(table), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else f" (known: {', '.join(table)})"


def _rates(values: Mapping[str, Any]) -> Rates:
    return Rates._make(values.get(name) for name in Rates._fields)


def _read_tokenizer(check: _Checker, raw: Any, model: str) -> Tokenizer | None:
    values = _read_fields(check, raw, TOKENIZER_FIELDS, model=model, prefix="tokenizer.")
    if values is None or not {"encoding", "accuracy"} <= values.keys():
        return None
    if values["accuracy"] == "exact" and values.get("factor", 1) != 1:
        check.problem("a factor only applies to estimates", model=model, field="tokenizer.factor")
    if values["encoding"] not in BUNDLED_ENCODINGS:
        check.problem(f"{values['encoding']!r} is not an encoding tokcost ships (it has "
                      f"{', '.join(BUNDLED_ENCODINGS)}), and counting never downloads one; use "
                      "one of those, with accuracy: estimate if it stands in", model=model,
                      field="tokenizer.encoding")
    return Tokenizer(values["encoding"], values["accuracy"], values.get("factor", Decimal(1)),
                     values.get("rule"))


def _read_price_names(raw: Any) -> tuple[Any, str | None]:
    if not isinstance(raw, list) or not raw or not all(name in RATE_FIELDS for name in raw):
        return None, f"must be a list of prices among {', '.join(RATE_FIELDS)}"
    return tuple(raw), None


def _read_batch(check: _Checker, raw: Any, model: str) -> Batch | None:
    table: dict[str, tuple[Reader | None, bool]] = {
        "discount": (_read_fraction, False),
        "applies_to": (_read_price_names, False),
        "tiers": (None, False),
        **{name: (reader, False) for name, (reader, _) in RATE_FIELDS.items()},
    }
    values = _read_fields(check, raw, table, model=model, prefix="batch.")
    if values is None:
        return None
    given = {key for key in raw if key in table}
    if check.schema_version < 2 and given & {"applies_to", "tiers"}:
        check.problem("applies_to and tiers need schema_version: 2", model=model, field="batch")
    if "discount" in given and given - {"discount", "applies_to"}:
        check.problem("give either a discount or batch prices, not both", model=model,
                      field="batch")
    elif "applies_to" in given and "discount" not in given:
        check.problem("applies_to says which prices a discount lowers: give the discount",
                      model=model, field="batch.applies_to")
    elif "discount" in given:
        if "discount" in values:
            return Batch(discount=values["discount"], applies_to=values.get("applies_to"))
    elif {"input", "output"} <= given:
        tiers = (_read_tiers(check, values["tiers"], model, "batch.tiers")
                 if "tiers" in values else ())
        if {"input", "output"} <= values.keys():
            rates = _rates(values)
            _check_price_set(check, model, "batch", PriceSet(rates, tiers))
            return Batch(rates=rates, tiers=tiers)
    elif not given:
        check.problem("needs a discount, or both input and output batch prices", model=model,
                      field="batch")
    else:
        check.problem("batch prices need both input and output", model=model, field="batch")
    return None


def _read_tiers(check: _Checker, raw: Any, model: str, field: str = "tiers"
                ) -> tuple[Tier, ...]:
    if not isinstance(raw, list):
        check.problem(f"must be a list of tiers, not {_describe(raw)}", model=model,
                      field=field)
        return ()
    # `above: N` applies past N prompt tokens; `from: N` from N on (xAI bills from 200,000).
    table: dict[str, tuple[Reader | None, bool]] = {
        "above": (_read_count, False), "from": (_read_count, False), **RATE_FIELDS}
    tiers = []
    for index, item in enumerate(raw):
        where = f"{field}[{index}]."
        values = _read_fields(check, item, table, model=model, prefix=where)
        if values is None:
            continue
        bounds = [key for key in ("above", "from") if key in item]
        if len(bounds) != 1:
            check.problem("give the threshold as either `above` (past it) or `from` (from it "
                          "on), once", model=model, field=f"{where}above")
        elif bounds == ["from"] and check.schema_version < 2:
            check.problem("a `from` threshold needs schema_version: 2", model=model,
                          field=f"{where}from")
        elif {bounds[0], "input", "output"} <= values.keys():
            tiers.append(Tier(values[bounds[0]], _rates(values), bounds[0] == "from"))
    thresholds = [tier.above for tier in tiers]
    if thresholds != sorted(set(thresholds)):
        check.problem("tiers must be listed by rising threshold, each threshold once",
                      model=model, field=field)
    return tuple(tiers)


def _read_service_tiers(check: _Checker, raw: Any, model: str) -> dict[str, PriceSet]:
    """``service_tiers: {flex: {input, output, cache_read..., tiers: [...]}, priority: ...}``."""
    if check.schema_version < 2:
        check.problem("service tiers need schema_version: 2", model=model,
                      field="service_tiers")
        return {}
    if not isinstance(raw, dict) or not raw:
        check.problem("must map each service tier (flex, priority...) to its prices",
                      model=model, field="service_tiers")
        return {}
    table: dict[str, tuple[Reader | None, bool]] = {**RATE_FIELDS, "tiers": (None, False)}
    found: dict[str, PriceSet] = {}
    for name, entry in raw.items():
        prefix = f"service_tiers.{name}"
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_-]*", name) \
                or name in (STANDARD, "batch"):
            check.problem("a service tier needs a lower-case name other than standard and "
                          "batch (those are the model's own rates and its batch field)",
                          model=model, field=prefix, where=raw, key=name)
            continue
        values = _read_fields(check, entry, table, model=model, prefix=prefix + ".")
        if values is None:
            continue
        tiers = (_read_tiers(check, values["tiers"], model, prefix + ".tiers")
                 if "tiers" in values else ())
        if {"input", "output"} <= values.keys():
            found[name] = PriceSet(_rates(values), tiers)
            _check_price_set(check, model, prefix, found[name], entry)
    return found


def _read_fees(check: _Checker, raw: Any, model: str) -> dict[str, Decimal]:
    """``fees: {web_search: 0.01}``: USD per unit of what is not billed by the token."""
    if not isinstance(raw, dict) or not raw:
        check.problem("must map each fee (web_search...) to its USD price per unit",
                      model=model, field="fees")
        return {}
    fees = {}
    for name, price in raw.items():
        value, message = _read_price(price)
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            check.problem("a fee needs a lower-case name such as web_search", model=model,
                          field=f"fees.{name}")
        elif message:
            check.problem(message.replace("per million tokens", "per unit"), model=model,
                          field=f"fees.{name}")
        else:
            fees[name] = value
    return fees


def _check_price_set(check: _Checker, model: str, field: str, prices: PriceSet,
                     raw: Any = None) -> None:
    """What no provider sells: a cache read dearer than input, a long-context tier cheaper
    than the prices below it. ``raw``: the mapping the prices were read from, whose lines
    say where."""
    for where, rates in ((field, prices.rates),
                         *((f"{field}.tiers[{i}]" if field else f"tiers[{i}]", tier.rates)
                           for i, tier in enumerate(prices.tiers))):
        if rates.cache_read is not None and rates.cache_read > rates.input:
            check.problem(f"the cache read price ({plain_number(rates.cache_read)}) is dearer "
                          f"than the input price ({plain_number(rates.input)})", model=model,
                          field=f"{where}.cache_read" if where else "cache_read",
                          where=raw if where == field else None, key="cache_read")
    below = prices.rates
    for index, tier in sorted(enumerate(prices.tiers), key=lambda pair: pair[1].above):
        if tier.rates.input < below.input or tier.rates.output < below.output:
            check.problem("a long-context tier is cheaper than the prices below it (tiers "
                          "only ever raise them)", model=model,
                          field=f"{field}.tiers[{index}]" if field else f"tiers[{index}]",
                          where=raw, key="tiers")
        below = tier.rates


def _read_model(check: _Checker, model_id: str, raw: Any) -> ModelPrice | None:
    before = len(check.problems)
    values = _read_fields(check, raw, MODEL_FIELDS, model=model_id)
    if values is None:
        return None
    tokenizer = (
        _read_tokenizer(check, values["tokenizer"], model_id) if "tokenizer" in values else None
    )
    for name in V2_MODEL_FIELDS:
        if name in values and name != "service_tiers" and check.schema_version < 2:
            check.problem(f"{name} needs schema_version: 2", model=model_id, field=name)
    batch = _read_batch(check, values["batch"], model_id) if "batch" in values else None
    tiers = _read_tiers(check, values["tiers"], model_id) if "tiers" in values else ()
    if "input" in values and "output" in values:
        _check_price_set(check, model_id, "", PriceSet(_rates(values), tiers), raw)
    service_tiers = (_read_service_tiers(check, values["service_tiers"], model_id)
                     if "service_tiers" in values else {})
    fees = _read_fees(check, values["fees"], model_id) if "fees" in values else {}
    caching = values.get("caching", "none")
    _check_caching(check, model_id, caching, values)
    if values.get("mode", "chat") == "chat" and "max_output_tokens" not in raw:
        check.problem("is required but missing", model=model_id, field="max_output_tokens")
    window, max_output = values.get("context_window"), values.get("max_output_tokens")
    if window and max_output and max_output > window:
        check.problem(f"{max_output} is larger than the context window ({window})",
                      model=model_id, field="max_output_tokens")
    if window and tiers and tiers[-1].above >= window:
        check.problem(f"a tier above {tiers[-1].above} tokens can never apply to a "
                      f"{window}-token context window", model=model_id, field="tiers")
    if len(check.problems) > before or tokenizer is None:
        return None
    return ModelPrice(
        id=model_id,
        provider=values["provider"],
        rates=_rates(values),
        caching=caching,
        context_window=values["context_window"],
        max_output_tokens=values.get("max_output_tokens", 0),  # an embedding has no output
        tokenizer=tokenizer,
        cache_min_tokens=values.get("cache_min_tokens"),
        batch=batch,
        tiers=tiers,
        aliases=values.get("aliases", ()),
        source=values.get("source"),
        notes=values.get("notes"),
        service_tiers=tuple(service_tiers.items()),
        fees=tuple(fees.items()),
        mode=values.get("mode", "chat"),
        retired=values.get("retired"),
    )


def _check_caching(check: _Checker, model: str, caching: str, values: Mapping[str, Any]) -> None:
    """The caching mode says how cache writes are billed; the prices present must agree."""
    writes = tuple(name for name in Rates._fields if name.startswith("cache_write"))
    has = {name for name in ("cache_read", *writes) if name in values}
    if caching == "none" and has:
        check.problem("cache prices are given, so caching must be 'automatic' or 'explicit'",
                      model=model, field="caching")
    elif caching in ("automatic", "explicit") and "cache_read" not in has:
        check.problem(f"caching is {caching!r} but there is no cache_read price", model=model,
                      field="cache_read")
    if caching == "automatic" and has & set(writes):
        check.problem("automatic caching bills writes at the input price; remove the cache "
                      "write prices or set caching: explicit", model=model, field="caching")
    if caching == "explicit" and not has & set(writes):
        check.problem("explicit caching needs a cache write price", model=model,
                      field="cache_write_5m")


def build_snapshot(raw: Any, origin: str, *, expected_effective: date | None = None) -> Snapshot:
    """Validate parsed YAML into a Snapshot, or raise PricingError listing every problem."""
    check = _Checker(origin)
    if raw is None:
        raise PricingError([PricingProblem(origin, "the price table is empty")])
    values = _read_fields(check, raw, TOP_FIELDS, model=None)
    if values is None:
        raise PricingError(check.problems)
    version = values.get("schema_version")
    if version is not None and (type(version) is not int or version not in SCHEMA_VERSIONS):
        check.problem(f"schema version {version!r} is not supported (this tokcost reads "
                      f"versions {', '.join(map(str, SCHEMA_VERSIONS))}); upgrade tokcost or "
                      "convert the file", field="schema_version", where=raw,
                      key="schema_version")
    elif version is not None:
        check.schema_version = version
    effective = values.get("effective")
    if expected_effective and effective and effective != expected_effective:
        check.problem(f"{effective} does not match the file's name ({expected_effective})",
                      field="effective", where=raw, key="effective")
    sources = _read_sources(check, values.get("sources"), raw)
    models = _read_models(check, values.get("models"), sources, raw)
    if check.problems:
        # In file order, so that a long list reads top to bottom; problems without a line last.
        raise PricingError(sorted(check.problems, key=lambda p: (p.line is None, p.line or 0)))
    assert effective is not None
    return Snapshot(origin, check.schema_version, effective, values["currency"], sources,
                    models, values.get("notes"))


def _read_sources(check: _Checker, raw: Any, top: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not raw:
        check.problem("must map each provider to the URL of its price page", field="sources",
                      where=top, key="sources")
        return {}
    check.report_duplicates(raw, None, "sources.")
    sources = {}
    for provider, url in raw.items():
        value, message = _read_url(url)
        if message:
            check.problem(message, field=f"sources.{provider}", where=raw, key=provider)
        else:
            sources[str(provider)] = value
    return sources


def _read_models(
    check: _Checker, raw: Any, sources: Mapping[str, str], top: Any
) -> dict[str, ModelPrice]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not raw:
        check.problem("must be a mapping of model ids to their prices, with at least one model",
                      field="models", where=top, key="models")
        return {}
    lines = raw.lines if isinstance(raw, LineDict) else {}
    for key, line, earlier, earlier_line in getattr(raw, "duplicates", ()):
        check.problems.append(PricingProblem(
            check.path, f"is defined more than once (also on line {earlier_line}; YAML would "
            "silently keep the last)", model=str(key), line=line,
        ))
        if isinstance(key, str):
            check.model_line = earlier_line
            _read_model(check, key, earlier)  # only for its problems
    models: dict[str, ModelPrice] = {}
    for model_id, entry in raw.items():
        if not isinstance(model_id, str) or not model_id.strip():
            check.problem(f"model ids must be text, not {_describe(model_id)}", field="models")
            continue
        check.model_line = lines.get(model_id)
        model = _read_model(check, model_id, entry)
        if model is not None:
            models[model_id] = model
    # What a model's names and source say is checked from the file, for every model, so that
    # a model with other problems has these reported in the same pass too.
    named = [_Named.of(model_id, entry) for model_id, entry in raw.items()
             if isinstance(model_id, str) and model_id.strip() and isinstance(entry, dict)]
    for names in named:
        if names.provider and not names.has_source and names.provider not in sources:
            check.model_line = lines.get(names.id)
            check.problem(f"no source URL for provider {names.provider!r}: add it under "
                          "`sources` or give the model a `source`", model=names.id,
                          field="provider")
    _check_names_unique(check, named, lines)
    check.model_line = None
    return models


class _Named(NamedTuple):
    """A model entry's names, provider and whether it gives a source, as the file has them
    (the parts that are valid), whatever else is wrong with it."""

    id: str
    provider: str | None
    has_source: bool
    aliases: tuple[str, ...]

    @classmethod
    def of(cls, model_id: str, entry: Mapping[Any, Any]) -> _Named:
        provider = entry.get("provider")
        aliases = entry.get("aliases")
        return cls(model_id, provider if isinstance(provider, str) and provider.strip()
                   else None, entry.get("source") is not None,
                   tuple(a for a in aliases if isinstance(a, str) and a.strip())
                   if isinstance(aliases, list) else ())


def _check_names_unique(
    check: _Checker, models: Sequence[_Named], lines: Mapping[Any, int]
) -> None:
    """Ids and aliases are looked up case-insensitively, so each must be unique that way.

    Ids are claimed first, so that a clash is blamed on the alias, not on the id it shadows.
    """
    owner: dict[str, str] = {}
    for model in models:
        folded = model.id.casefold()
        if folded in owner:
            check.model_line = lines.get(model.id)
            check.problem(f"differs only in case from model {owner[folded]!r}", model=model.id)
        owner.setdefault(folded, model.id)
    for model in models:
        for alias in model.aliases:
            folded = alias.casefold()
            if owner.get(folded, model.id) != model.id:
                check.model_line = lines.get(model.id)
                check.problem(f"the alias {alias!r} is already the name of model "
                              f"{owner[folded]!r}", model=model.id, field="aliases")
            owner.setdefault(folded, model.id)

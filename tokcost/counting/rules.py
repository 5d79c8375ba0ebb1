"""Counting rules: how each model's prompt tokens are counted, as data.

A rule is either OpenAI's cookbook framing (``method: openai``), which is exact with a model's
own encoding and a labelled stand-in otherwise, or a weighted sum of a request's features
(``method: weighted``, see ``features.py``) whose weights were fitted on real requests and the
counts their provider billed. Each weighted rule carries the error measured for it by
cross-validation, so that every estimate can say how good it is.

The rules live in ``rules.json`` beside this module (written by ``bench/fit_rules.py`` from
the calibration records, and read here). A model's rule is the one its price-table entry names
(``tokenizer.rule``), else its provider's default, else ``openai``; a calibration file written by
``tokcost calibrate`` from the user's own logs (named by ``$TOKCOST_CALIBRATION``) replaces the
weights of the models it holds.

A rule may have variants for the platforms a model is reached through, which bill parts of the
same request differently (Gemini through the Gemini API or Vertex AI): a model named with the
platform's prefix (``vertex_ai/gemini-3-flash-preview``) is counted by its rule's variant
(``platforms``). A rule also lists the weights no real request measured (``unmeasured``): a
count that needs one of them cannot say how good it is.
"""

from __future__ import annotations

import functools
import json
import math
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, NamedTuple

from tokcost.counting.features import FEATURES, THINKING_KEPT, ThinkingKept
from tokcost.errors import TokcostError, UnreadableFileError
from tokcost.files import CALIBRATION_LIMIT, read_small_file, why_unreadable
from tokcost.pricing.schema import ModelPrice
from tokcost.wording import number_of

Method = Literal["openai", "weighted"]
_RULES_FILE = Path(__file__).parent / "rules.json"
CALIBRATION_ENV_VAR = "TOKCOST_CALIBRATION"
CALIBRATION_FORMAT = 1


class Measured(NamedTuple):
    """How far a rule's estimates fall from billed counts, on records its fit never saw."""

    records: int
    median_pct: float
    p90_pct: float


class Rule(NamedTuple):
    """One way of counting: its method, weights, image rule and measured error."""

    name: str
    method: Method
    about: str
    weights: Mapping[str, float] = {}
    images: str = "openai"  # whose published image rule prices images
    measured: Measured | None = None
    how_measured: str = ""
    thinking_kept: ThinkingKept = "none"  # which replayed thinking the model bills
    # The features whose weights no real request measured (they keep a starting value).
    unmeasured: frozenset[str] = frozenset()
    platform: str = ""  # the platform whose billing the rule measures ("": any)
    platforms: Mapping[str, str] = {}  # another platform -> the rule of its variant

    def error_p90_pct(self) -> Decimal | None:
        """The rule's error band: 90% of the measured requests were within this many percent
        of what the provider billed (one decimal). None when the rule was never measured."""
        if self.measured is None:
            return None
        return Decimal(str(round(self.measured.p90_pct, 1)))

    def describe(self) -> str:
        """How good the rule is, for notes: ``median error 1.1%, 90% within 22.3% (50
        requests)``."""
        if self.measured is None:
            return "error not measured"
        m = self.measured
        return (f"median error {m.median_pct:.1f}%, 90% within {m.p90_pct:.1f}% "
                f"({number_of(m.records, 'request')})")


class RuleBook(NamedTuple):
    rules: Mapping[str, Rule]
    defaults: Mapping[str, str]  # provider -> rule name


IMAGE_RULE_NAMES = ("openai", "anthropic", "gemini")
# The platforms a rule's ``platform`` names, in words (the prefix that says one is in
# tokcost.pricing.table.PLATFORM_PREFIXES).
PLATFORM_WORDS = {"gemini_api": "the Gemini API", "vertex_ai": "Vertex AI"}
# The rule of a model whose entry names none, by its mode, before its provider's default. An
# embedding model is sent bare text: the weighted rules were fitted on chat requests (framing,
# hidden prompts) against chat models' billed counts, which say nothing of an embedding
# model's tokenizer; so it is counted by its encoding alone, an estimate whose error is not
# measured, unless its entry names a rule.
MODE_RULES = {"embedding": "openai"}


def _read_rule(name: str, raw: Mapping[str, Any]) -> Rule:
    """One rule, checked: a bad entry is a ValueError that names what is wrong."""
    method = raw["method"]
    if method not in ("openai", "weighted"):
        raise ValueError(f"rule {name!r}: unknown method {method!r}")
    images = raw.get("images", "openai")
    if images not in IMAGE_RULE_NAMES:
        raise ValueError(f"rule {name!r}: unknown image rule {images!r}")
    thinking_kept = raw.get("thinking_kept", "none")
    if thinking_kept not in THINKING_KEPT:
        raise ValueError(f"rule {name!r}: thinking_kept must be one of "
                         f"{', '.join(THINKING_KEPT)}, not {thinking_kept!r}")
    weights = raw.get("weights", {})
    if method == "weighted" and (not isinstance(weights, dict) or not weights):
        raise ValueError(f"rule {name!r}: a weighted rule needs its weights")
    checked = {key: _non_negative(value, f"rule {name!r}: weight {key!r}")
               for key, value in weights.items()}
    measured = raw.get("measured")
    unmeasured = raw.get("unmeasured", [])
    if not isinstance(unmeasured, list) or any(item not in FEATURES for item in unmeasured):
        raise ValueError(f"rule {name!r}: unmeasured must list features a rule weighs")
    platforms = raw.get("platforms", {})
    if not isinstance(platforms, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in platforms.items()):
        raise ValueError(f"rule {name!r}: platforms must map a platform to a rule's name")
    return Rule(
        name=name,
        method=method,
        about=str(raw["about"]),
        weights=checked,
        images=images,
        measured=Measured(int(measured["records"]),
                          _non_negative(measured["median_pct"], f"rule {name!r}: median_pct"),
                          _non_negative(measured["p90_pct"], f"rule {name!r}: p90_pct"))
        if measured else None,
        how_measured=str(measured.get("how", "")) if measured else "",
        thinking_kept=thinking_kept,
        unmeasured=frozenset(unmeasured),
        platform=str(raw.get("platform", "")),
        platforms=dict(platforms),
    )


def _non_negative(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value >= 0):
        raise ValueError(f"{what} must be a finite number of 0 or more, not {value!r}")
    return float(value)


def read_rule_book(text: str) -> RuleBook:
    raw = json.loads(text)
    rules = {name: _read_rule(name, entry) for name, entry in raw["rules"].items()}
    for rule in rules.values():
        for platform, variant in rule.platforms.items():
            if variant not in rules or rules[variant].platform != platform:
                raise ValueError(f"rule {rule.name!r}: its {platform} variant {variant!r} is "
                                 f"not a rule of that platform")
    return RuleBook(rules, dict(raw.get("defaults", {})))


@functools.cache
def bundled_rules() -> RuleBook:
    return read_rule_book(_RULES_FILE.read_text("utf-8"))


def read_calibration(text: str, origin: str) -> dict[str, Rule]:
    """Model id -> its calibrated rule, from a file ``tokcost calibrate`` wrote."""
    try:
        raw = json.loads(text)
        if raw.get("format") != CALIBRATION_FORMAT:
            raise ValueError(f"format {raw.get('format')!r}, not {CALIBRATION_FORMAT}")
        return {model: _read_rule(entry["rule"], entry) for model, entry in raw["models"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise TokcostError(f"{origin}: not a calibration file written by tokcost calibrate "
                           f"({error}); write one with `tokcost calibrate LOG -w FILE`") from None


@functools.cache
def _calibration_at(path: str, stamp: tuple[int, int]) -> dict[str, Rule]:
    try:
        text = read_small_file(path, CALIBRATION_LIMIT, "calibration file").decode("utf-8")
    except (UnreadableFileError, UnicodeDecodeError) as error:
        reason = getattr(error, "reason", None) or f"not UTF-8 text ({error})"
        raise TokcostError(f"{path}: {reason}; check ${CALIBRATION_ENV_VAR} or --calibration"
                           ) from None
    return read_calibration(text, path)


def calibration_stamp() -> tuple[str, int, int] | None:
    """Which calibration is in force: its path, modification time and size (None: none)."""
    path = os.environ.get(CALIBRATION_ENV_VAR)
    if not path:
        return None
    try:
        status = os.stat(path)
    except OSError as error:
        raise TokcostError(f"{path}: {why_unreadable(error, 'calibration file')}; check "
                           f"${CALIBRATION_ENV_VAR} or --calibration") from None
    return path, status.st_mtime_ns, status.st_size


def active_calibration() -> dict[str, Rule]:
    """The calibrated rules named by ``$TOKCOST_CALIBRATION`` (none when it is unset)."""
    stamp = calibration_stamp()
    return {} if stamp is None else _calibration_at(stamp[0], stamp[1:])


def platform_variant(model: ModelPrice, book: RuleBook | None = None) -> Rule | None:
    """The variant of the model's rule for the platform its name says, if the rule has one."""
    platform = model.tokenizer.platform
    if not platform:
        return None
    base = _table_rule(model, book or bundled_rules())
    variant = base.platforms.get(platform)
    return (book or bundled_rules()).rules[variant] if variant else None


def rule_for(model: ModelPrice, book: RuleBook | None = None) -> Rule:
    """The rule ``model`` is counted by: its calibrated one, else the table's (its platform's
    variant, where its name says a platform the rule has one for), else the provider's
    default."""
    # A model named through a platform has the platform in its id (vertex_ai/...), and so a
    # calibration of its own.
    calibrated = active_calibration().get(model.id)
    if calibrated is not None and model.tokenizer.accuracy == "estimate":
        return calibrated
    book = book or bundled_rules()
    return platform_variant(model, book) or _table_rule(model, book)


def other_platforms(model: ModelPrice, book: RuleBook | None = None) -> dict[str, Rule]:
    """For a model whose name says no platform: its rule's variants for the platforms that
    bill it apart (a request may be sent to any of them), by platform."""
    if model.tokenizer.platform or model.tokenizer.accuracy == "exact":
        return {}
    book = book or bundled_rules()
    rule = _table_rule(model, book)
    return {platform: book.rules[name] for platform, name in rule.platforms.items()}


def _table_rule(model: ModelPrice, book: RuleBook) -> Rule:
    name = (model.tokenizer.rule or MODE_RULES.get(model.mode)
            or book.defaults.get(model.provider) or "openai")
    if name not in book.rules:
        raise TokcostError(f"{model.id}: unknown counting rule {name!r} in tokenizer.rule "
                           f"(known: {', '.join(sorted(book.rules))})")
    rule = book.rules[name]
    if model.tokenizer.accuracy == "exact" and rule.method != "openai":
        raise TokcostError(f"{model.id}: an exact tokenizer is counted by OpenAI's framing; "
                           f"rule {name!r} is an estimate")
    return rule

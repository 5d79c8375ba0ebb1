"""Loading and validating price tables: exact values, every problem at once, safe parsing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tokcost.errors import (
    OptionError,
    PricingError,
    PricingProblem,
    TokcostError,
    UnknownModelError,
    UnknownPricingVersionError,
)
from tokcost.pricing.schema import Batch, Rates, Snapshot, Tier, Tokenizer, build_snapshot
from tokcost.pricing.table import (
    PriceTable,
    bundled_versions,
    load_bundled,
    load_file,
    load_price_table,
)
from tokcost.pricing.yaml_source import parse_price_yaml

SEED_ERA = "2025-03-01"
CURRENT = "2026-11-22"

# --- helpers ---------------------------------------------------------------------------------

# A small valid table that uses every optional feature once.
VALID_TABLE = """\
# A hand-written table for the loader tests.
schema_version: 1
effective: 2025-06-01
currency: USD
sources:
  openai: https://openai.com/api/pricing/
  anthropic: https://www.anthropic.com/pricing#api
notes: two models
models:
  mini:
    provider: openai
    input: 0.15
    output: 0.6
    cache_read: 0.075
    caching: automatic
    cache_min_tokens: 1024
    batch: {discount: 0.5}
    context_window: 128000
    max_output_tokens: 16384
    tokenizer: {encoding: o200k_base, accuracy: exact}
    aliases: [mini-2024-07-18, Mini-Latest]
  sonnet:
    provider: anthropic
    input: 3
    output: 15
    cache_read: 0.3
    cache_write_5m: 3.75
    cache_write_1h: 6
    caching: explicit
    batch: {input: 1.5, output: 7.5}
    tiers:
      - {above: 200000, input: 6, output: 22.5}
      - {above: 500000, input: 8, output: 30, cache_read: 0.8}
    context_window: 1000000
    max_output_tokens: 64000
    tokenizer: {encoding: cl100k_base, accuracy: estimate, factor: 1.1}
    source: https://example.com/sonnet-prices
    notes: long context costs more
"""

# One valid model; the cases below change a line of it (keeping the line numbers) or append.
BASE = """\
schema_version: 1
effective: 2025-06-01
currency: USD
sources:
  openai: https://openai.com/api/pricing/
models:
  m:
    provider: openai
    input: 1
    output: 2
    context_window: 1000
    max_output_tokens: 100
    tokenizer: {encoding: o200k_base, accuracy: exact}
"""
assert BASE.splitlines()[6] == "  m:"  # line 7; input is line 9, tokenizer line 13


def variant(old: str | None = None, new: str = "", extra: str = "", base: str = BASE) -> str:
    """BASE with its first ``old`` replaced by ``new``, then ``extra`` appended."""
    text = base
    if old is not None:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text + extra


def write(tmp_path: Path, text: str | bytes, name: str = "prices.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[PricingProblem]:
    with pytest.raises(PricingError) as caught:
        load_file(path)
    assert caught.value.problems, "a PricingError must carry at least one problem"
    return caught.value.problems


def located(problems: list[PricingProblem]) -> list[tuple[str | None, str | None, int | None]]:
    return [(p.model, p.field, p.line) for p in problems]


def snapshot_of(text: str, origin: str = "t.yaml") -> Snapshot:
    return build_snapshot(parse_price_yaml(text, origin), origin)


@pytest.fixture(scope="module")
def newest() -> PriceTable:
    return load_bundled(CURRENT)


@pytest.fixture(scope="module")
def seed() -> PriceTable:
    return load_bundled(SEED_ERA)


@pytest.fixture(autouse=True)
def _ignore_user_pricing_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKCOST_PRICING", raising=False)


# --- 1. a valid table ------------------------------------------------------------------------


def test_valid_table_loads_every_field(tmp_path: Path) -> None:
    path = write(tmp_path, VALID_TABLE)
    table = load_file(path)
    snap = table.snapshot

    assert len(table) == 2
    assert list(snap.models) == ["mini", "sonnet"]
    assert table.label == str(path)
    assert snap.origin == str(path)
    assert snap.schema_version == 1
    assert snap.effective == date(2025, 6, 1)
    assert snap.currency == "USD"
    assert snap.notes == "two models"
    assert dict(snap.sources) == {
        "openai": "https://openai.com/api/pricing/",
        "anthropic": "https://www.anthropic.com/pricing#api",
    }

    mini = snap.models["mini"]
    assert mini.provider == "openai"
    assert mini.rates == Rates(Decimal("0.15"), Decimal("0.6"), Decimal("0.075"))
    assert mini.caching == "automatic"
    assert mini.cache_min_tokens == 1024
    assert mini.batch == Batch(discount=Decimal("0.5"))
    assert mini.tiers == ()
    assert mini.context_window == 128000
    assert mini.max_output_tokens == 16384
    assert mini.tokenizer == Tokenizer("o200k_base", "exact", Decimal(1))
    assert mini.tokenizer.describe() == "o200k_base"
    assert mini.aliases == ("mini-2024-07-18", "Mini-Latest")
    assert mini.source is None
    assert mini.notes is None
    assert snap.source_for(mini) == "https://openai.com/api/pricing/"

    sonnet = snap.models["sonnet"]
    assert sonnet.rates == Rates(
        Decimal("3"), Decimal("15"), Decimal("0.3"), Decimal("3.75"), Decimal("6")
    )
    assert sonnet.caching == "explicit"
    assert sonnet.cache_min_tokens is None
    assert sonnet.batch == Batch(rates=Rates(Decimal("1.5"), Decimal("7.5")))
    assert sonnet.tiers == (
        Tier(200000, Rates(Decimal("6"), Decimal("22.5"))),
        Tier(500000, Rates(Decimal("8"), Decimal("30"), Decimal("0.8"))),
    )
    assert sonnet.tokenizer == Tokenizer("cl100k_base", "estimate", Decimal("1.1"))
    assert sonnet.tokenizer.describe() == "estimate:cl100k_base x1.1"
    assert sonnet.aliases == ()
    assert sonnet.source == "https://example.com/sonnet-prices"
    assert sonnet.notes == "long context costs more"
    assert snap.source_for(sonnet) == "https://example.com/sonnet-prices"


def test_prices_are_exact_decimals_not_float_artefacts(tmp_path: Path) -> None:
    mini = load_file(write(tmp_path, VALID_TABLE)).snapshot.models["mini"]
    assert type(mini.rates.input) is Decimal
    assert str(mini.rates.input) == "0.15"
    assert mini.rates.input == Decimal("0.15")
    # Decimal(0.15) would be the binary float 0.1499999999999999944488848768742172978818416595...
    assert mini.rates.input != Decimal(0.15)
    assert mini.rates.cache_read == Decimal("0.075")
    assert mini.rates.input * 3 == Decimal("0.45")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("0.1", "0.1"),
        ("2.50", "2.50"),
        ("0.000125", "0.000125"),
        ("1_000.5", "1000.5"),
        ("7", "7"),
        ("0", "0"),
        ("5000", "5000"),
    ],
)
def test_price_text_is_read_exactly(written: str, expected: str) -> None:
    model = snapshot_of(variant("    input: 1\n", f"    input: {written}\n")).models["m"]
    assert str(model.rates.input) == expected
    assert model.rates.input == Decimal(expected)


def test_a_tenth_plus_a_fifth_is_exactly_three_tenths() -> None:
    text = variant("    input: 1\n    output: 2\n", "    input: 0.1\n    output: 0.2\n")
    rates = snapshot_of(text).models["m"].rates
    assert rates.input + rates.output == Decimal("0.3")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    table = load_file(write(tmp_path, b"\xef\xbb\xbf" + BASE.encode("utf-8")))
    assert list(table.snapshot.models) == ["m"]


def test_model_source_stands_in_for_a_missing_provider_source() -> None:
    text = variant("    provider: openai\n",
                   "    provider: acme\n    source: https://acme.example/prices\n")
    snap = snapshot_of(text)
    assert snap.source_for(snap.models["m"]) == "https://acme.example/prices"


def test_exact_tokenizer_factor_of_one_is_allowed() -> None:
    text = variant("accuracy: exact}", "accuracy: exact, factor: 1.0}")
    assert snapshot_of(text).models["m"].tokenizer.factor == Decimal(1)


def test_max_output_equal_to_context_window_is_allowed() -> None:
    text = variant("    max_output_tokens: 100\n", "    max_output_tokens: 1000\n")
    assert snapshot_of(text).models["m"].max_output_tokens == 1000


def test_aliases_of_a_loaded_file_resolve_in_any_case(tmp_path: Path) -> None:
    table = load_file(write(tmp_path, VALID_TABLE))
    assert table.resolve("MINI-LATEST").model.id == "mini"
    assert table.resolve("mini-2024-07-18").model.id == "mini"
    assert table.resolve("Sonnet").model.id == "sonnet"


# --- 2. every problem at once ----------------------------------------------------------------

ALL_AT_ONCE = """\
schema_version: 1
effective: 2025-06-01
currency: USD
sources:
  openai: https://openai.com/api/pricing/
models:
  alpha:
    provider: openai
    input: -1
    output: 2
    context_window: 1000
    max_output_tokens: 100
    tokenizer: {encoding: o200k_base, accuracy: exact}
  beta:
    provider: openai
    input: 1
    ouput: 2
    context_window: 1000
    max_output_tokens: 100
    tokenizer: {encoding: o200k_base, accuracy: exact}
  gamma:
    provider: openai
    input: 1
    output: 2
    context_window: 1000
    max_output_tokens: 100
    tokenizer: {encoding: o200k_base, accuracy: exact}
  gamma:
    provider: openai
    input: 1
    output: 2
    context_window: 1000
    max_output_tokens: 100
    tokenizer: {encoding: o200k_base, accuracy: exact}
"""


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, ALL_AT_ONCE)
    with pytest.raises(PricingError) as caught:
        load_file(path)
    problems = caught.value.problems

    # All of them, in file order; a problem with no line of its own points at its model.
    assert located(problems) == [
        ("alpha", "input", 9),          # a negative price
        ("beta", "output", 14),         # the real field is missing...
        ("beta", "ouput", 17),          # ...because it is misspelt
        ("gamma", None, 28),            # the model key given twice under models:
    ]
    by_place = {(p.model, p.field): p for p in problems}
    assert by_place["alpha", "input"].message == "must not be negative (got -1)"
    assert "did you mean 'output'?" in by_place["beta", "ouput"].message
    assert by_place["beta", "output"].message == "is required but missing"
    assert by_place["gamma", None].message == (
        "is defined more than once (also on line 21; YAML would silently keep the last)"
    )

    for problem in problems:
        assert problem.path == str(path)
        assert str(problem).startswith(str(path))
    assert str(by_place["alpha", "input"]) == (
        f"{path}:9: model 'alpha', field 'input': must not be negative (got -1)"
    )
    assert str(by_place["gamma", None]).startswith(f"{path}:28: model 'gamma':")
    assert str(caught.value) == (
        f"{path}:9: model 'alpha', field 'input': must not be negative (got -1) (and 3 more "
        "problems; `tokcost pricing validate FILE` lists them)"
    )


def test_a_model_s_every_problem_is_reported_in_one_pass(tmp_path: Path) -> None:
    # A bad mode and retirement date once hid the missing source, found only on the next run;
    # a bad price once hid an alias that clashes with another model's id.
    path = tmp_path / "t.yaml"
    path.write_text(
        "schema_version: 2\neffective: 2026-12-01\ncurrency: USD\n"
        "sources: {openai: https://openai.com/api/pricing/}\nmodels:\n"
        "  m1:\n    provider: openai\n    input: 1\n    output: 2\n"
        "    context_window: 1000\n    max_output_tokens: 100\n"
        "    tokenizer: {encoding: o200k_base, accuracy: exact}\n"
        "  m3:\n    provider: nobody\n    input: -1\n    output: 1\n"
        "    context_window: 1000\n    max_output_tokens: 100\n"
        "    tokenizer: {encoding: o200k_base, accuracy: exact}\n"
        "    aliases: [M1]\n    retired: notadate\n    mode: weird\n")
    assert [(p.line, p.field, p.message) for p in problems_of(path)] == [
        (13, "provider", "no source URL for provider 'nobody': add it under `sources` or give "
                         "the model a `source`"),
        (13, "aliases", "the alias 'M1' is already the name of model 'm1'"),
        (15, "input", "must not be negative (got -1)"),
        (21, "retired", "must be a date as YYYY-MM-DD, not 'notadate'"),
        (22, "mode", "must be one of chat, embedding, not 'weird'"),
    ]


def test_problems_of_a_dropped_duplicate_definition_are_reported(tmp_path: Path) -> None:
    # YAML keeps the second 'm'; the first one's mistakes must not vanish with it.
    text = variant("    input: 1\n", "    input: -1\n", extra=(
        "  m:\n"
        "    provider: openai\n"
        "    input: 1\n"
        "    output: 2\n"
        "    context_window: 1000\n"
        "    max_output_tokens: 100\n"
        "    tokenizer: {encoding: o200k_base, accuracy: exact}\n"))
    problems = problems_of(write(tmp_path, text))
    assert located(problems) == [("m", "input", 9), ("m", None, 14)]
    assert problems[0].message == "must not be negative (got -1)"
    assert problems[1].message.startswith("is defined more than once (also on line 7;")


def test_a_single_problem_has_no_more_problems_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, variant("    input: 1\n", "    input: -0.5\n"))
    with pytest.raises(PricingError) as caught:
        load_file(path)
    assert len(caught.value.problems) == 1
    assert str(caught.value) == (
        f"{path}:9: model 'm', field 'input': must not be negative (got -0.5)"
    )


# --- 3. one problem at a time ----------------------------------------------------------------

# (case id, file text, [(model, field, line)] expected in order, a fragment of the first message)
MODEL_CASES = [
    ("missing-output", variant("    output: 2\n"),
     [("m", "output", 7)], "is required but missing"),
    ("missing-context-window", variant("    context_window: 1000\n"),
     [("m", "context_window", 7)], "is required but missing"),
    ("missing-tokenizer", variant("    tokenizer: {encoding: o200k_base, accuracy: exact}\n"),
     [("m", "tokenizer", 7)], "is required but missing"),
    ("missing-provider", variant("    provider: openai\n"),
     [("m", "provider", 7)], "is required but missing"),
    ("empty-output", variant("    output: 2\n", "    output:\n"),
     [("m", "output", 10)], "is required but missing"),
    ("price-as-text", variant("    input: 1\n", "    input: cheap\n"),
     [("m", "input", 9)], "must be a number of USD per million tokens, not 'cheap'"),
    ("price-as-boolean", variant("    input: 1\n", "    input: true\n"),
     [("m", "input", 9)], "must be a number of USD per million tokens, not True"),
    ("price-as-list", variant("    input: 1\n", "    input: [1, 2]\n"),
     [("m", "input", 9)], "not a list"),
    ("negative-price", variant("    output: 2\n", "    output: -2\n"),
     [("m", "output", 10)], "must not be negative (got -2)"),
    ("absurd-price", variant("    input: 1\n", "    input: 25000\n"),
     [("m", "input", 9)], "25000 USD per million tokens is implausible"),
    ("just-above-absurd", variant("    input: 1\n", "    input: 5000.01\n"),
     [("m", "input", 9)], "5000.01 USD per million tokens is implausible"),
    ("infinite-price", variant("    input: 1\n", "    input: .inf\n"),
     [("m", "input", 9)], "must be a finite number"),
    ("nan-price", variant("    input: 1\n", "    input: .nan\n"),
     [("m", "input", 9)], "must be a finite number"),
    ("fractional-context-window", variant("    context_window: 1000\n",
                                          "    context_window: 1.5\n"),
     [("m", "context_window", 11)], "must be a whole number of tokens, not 1.5"),
    ("text-context-window", variant("    context_window: 1000\n", "    context_window: big\n"),
     [("m", "context_window", 11)], "must be a whole number of tokens, not 'big'"),
    ("zero-context-window", variant("    context_window: 1000\n", "    context_window: 0\n"),
     [("m", "context_window", 11)], "must be greater than zero (got 0)"),
    ("boolean-max-output", variant("    max_output_tokens: 100\n",
                                   "    max_output_tokens: yes\n"),
     [("m", "max_output_tokens", 12)], "must be a whole number of tokens, not True"),
    ("max-output-over-window", variant("    max_output_tokens: 100\n",
                                       "    max_output_tokens: 1001\n"),
     [("m", "max_output_tokens", 7)], "1001 is larger than the context window (1000)"),
    ("misspelt-field", variant("    input: 1\n", "    input: 1\n    inptu: 1\n"),
     [("m", "inptu", 10)], "unknown field (did you mean 'input'?)"),
    ("unrelated-unknown-field", variant(extra="    zzz: 1\n"),
     [("m", "zzz", 14)], "unknown field (known: input, output, cache_read,"),
    ("duplicated-field", variant(extra="    input: 3\n"),
     [("m", "input", 14)], "appears more than once (YAML would silently keep the last)"),
    ("duplicated-tokenizer-field",
     variant("{encoding: o200k_base, accuracy: exact}",
             "{encoding: o200k_base, encoding: cl100k_base, accuracy: exact}"),
     [("m", "tokenizer.encoding", 13)], "appears more than once"),
    ("model-without-fields", variant(extra="  empty:\n"),
     [("empty", None, 14)], "must be a mapping, not empty"),
    ("model-as-list", variant(extra="  listed: [1, 2]\n"),
     [("listed", None, 14)], "must be a mapping, not a list"),
    # Tiers.
    ("tiers-out-of-order", variant(extra=(
        "    tiers:\n"
        "      - {above: 500, input: 3, output: 6}\n"
        "      - {above: 200, input: 2, output: 4}\n")),
     [("m", "tiers", 7)], "tiers must be listed by rising threshold, each threshold once"),
    ("tiers-repeated-threshold", variant(extra=(
        "    tiers:\n"
        "      - {above: 200, input: 2, output: 4}\n"
        "      - {above: 200, input: 3, output: 6}\n")),
     [("m", "tiers", 7)], "rising threshold"),
    ("tier-beyond-window", variant(extra=(
        "    tiers:\n"
        "      - {above: 1000, input: 2, output: 4}\n")),
     [("m", "tiers", 7)], "a tier above 1000 tokens can never apply to a 1000-token"),
    ("tier-missing-output", variant(extra=(
        "    tiers:\n"
        "      - {above: 200, input: 2}\n")),
     [("m", "tiers[0].output", 7)], "is required but missing"),
    ("tier-negative-price", variant(extra=(
        "    tiers:\n"
        "      - {above: 200, input: 2, output: 4}\n"
        "      - {above: 400, input: -3, output: 6}\n")),
     [("m", "tiers[1].input", 16)], "must not be negative (got -3)"),
    ("tiers-not-a-list", variant(extra="    tiers: {above: 200, input: 2, output: 4}\n"),
     [("m", "tiers", 7)], "must be a list of tiers, not a mapping"),
    # Caching mode against the cache prices present.
    ("caching-none-with-cache-read", variant(extra="    cache_read: 0.1\n"),
     [("m", "caching", 7)], "cache prices are given, so caching must be"),
    ("caching-explicit-without-write", variant(extra=(
        "    cache_read: 0.1\n"
        "    caching: explicit\n")),
     [("m", "cache_write_5m", 7)], "explicit caching needs a cache write price"),
    ("caching-automatic-without-read", variant(extra="    caching: automatic\n"),
     [("m", "cache_read", 7)], "caching is 'automatic' but there is no cache_read price"),
    ("caching-automatic-with-write", variant(extra=(
        "    cache_read: 0.1\n"
        "    cache_write_5m: 1.25\n"
        "    caching: automatic\n")),
     [("m", "caching", 7)], "automatic caching bills writes at the input price"),
    ("caching-unknown-mode", variant(extra="    caching: sometimes\n"),
     [("m", "caching", 14)], "must be one of none, automatic, explicit, not 'sometimes'"),
    # Batch pricing.
    ("batch-discount-and-prices", variant(extra=(
        "    batch: {discount: 0.5, input: 0.5, output: 1}\n")),
     [("m", "batch", 7)], "give either a discount or batch prices, not both"),
    ("batch-only-input", variant(extra="    batch: {input: 0.5}\n"),
     [("m", "batch", 7)], "batch prices need both input and output"),
    ("batch-empty", variant(extra="    batch: {}\n"),
     [("m", "batch", 7)], "needs a discount, or both input and output batch prices"),
    ("batch-misspelt-discount", variant(extra="    batch: {discout: 0.5}\n"),
     [("m", "batch", 7), ("m", "batch.discout", 14)],
     "needs a discount, or both input and output batch prices"),
    # Tokenizer.
    ("tokenizer-as-text", variant("{encoding: o200k_base, accuracy: exact}", "o200k_base"),
     [("m", "tokenizer", 7)], "must be a mapping, not 'o200k_base'"),
    ("tokenizer-bad-accuracy", variant("accuracy: exact}", "accuracy: maybe}"),
     [("m", "tokenizer.accuracy", 13)], "must be one of exact, estimate, not 'maybe'"),
    ("tokenizer-factor-on-exact", variant("accuracy: exact}", "accuracy: exact, factor: 1.2}"),
     [("m", "tokenizer.factor", 7)], "a factor only applies to estimates"),
    ("tokenizer-zero-factor", variant("accuracy: exact}", "accuracy: estimate, factor: 0}"),
     [("m", "tokenizer.factor", 13)], "must be greater than zero"),
    ("tokenizer-missing-both", variant("{encoding: o200k_base, accuracy: exact}", "{}"),
     [("m", "tokenizer.encoding", 7), ("m", "tokenizer.accuracy", 7)],
     "is required but missing"),
    # Names and text.
    ("aliases-as-text", variant(extra="    aliases: m-latest\n"),
     [("m", "aliases", 14)], "must be a list of names, not 'm-latest'"),
    ("aliases-with-blank", variant(extra="    aliases: [m-latest, '']\n"),
     [("m", "aliases", 14)], "must be a list of names, not a list"),
    ("source-not-http", variant(extra="    source: ftp://example.com/prices\n"),
     [("m", "source", 14)], "must be an http(s) URL, not 'ftp://example.com/prices'"),
    ("blank-notes", variant(extra="    notes: '  '\n"),
     [("m", "notes", 14)], "must be non-empty text, not '  '"),
    ("provider-without-source", variant("    provider: openai\n", "    provider: acme\n"),
     [("m", "provider", 7)], "no source URL for provider 'acme'"),
    # Names must be unique, ignoring case.
    ("alias-clashes-with-later-model-id", variant(extra=(
        "  n:\n"
        "    provider: openai\n"
        "    input: 1\n"
        "    output: 2\n"
        "    context_window: 1000\n"
        "    max_output_tokens: 100\n"
        "    tokenizer: {encoding: o200k_base, accuracy: exact}\n"
        "    aliases: [n-latest, M]\n")),
     [("n", "aliases", 14)], "the alias 'M' is already the name of model 'm'"),
]

TOP_CASES = [
    ("unknown-schema-version", variant("schema_version: 1\n", "schema_version: 99\n"),
     [(None, "schema_version", 1)], "schema version 99 is not supported"),
    ("schema-version-as-text", variant("schema_version: 1\n", "schema_version: '1'\n"),
     [(None, "schema_version", 1)], "schema version '1' is not supported"),
    ("missing-schema-version", variant("schema_version: 1\n"),
     [(None, "schema_version", None)], "is required but missing"),
    ("effective-as-word", variant("effective: 2025-06-01\n", "effective: yesterday\n"),
     [(None, "effective", 2)], "must be a date as YYYY-MM-DD, not 'yesterday'"),
    ("effective-as-number", variant("effective: 2025-06-01\n", "effective: 20250601\n"),
     [(None, "effective", 2)], "must be a date as YYYY-MM-DD, not 20250601"),
    ("effective-quoted-impossible", variant("effective: 2025-06-01\n",
                                            "effective: '2025-13-45'\n"),
     [(None, "effective", 2)], "must be a date as YYYY-MM-DD, not '2025-13-45'"),
    ("missing-effective", variant("effective: 2025-06-01\n"),
     [(None, "effective", None)], "is required but missing"),
    ("other-currency", variant("currency: USD\n", "currency: EUR\n"),
     [(None, "currency", 3)], "must be one of USD, not 'EUR'"),
    ("misspelt-top-field", variant("effective: 2025-06-01\n", "efective: 2025-06-01\n"),
     [(None, "efective", 2), (None, "effective", None)], "did you mean 'effective'?"),
    ("duplicated-top-field", variant(extra="currency: USD\n"),
     [(None, "currency", 14)], "appears more than once"),
    ("empty-sources", variant("sources:\n  openai: https://openai.com/api/pricing/\n",
                              "sources: {}\n"),
     [(None, "sources", 4), ("m", "provider", 6)],
     "must map each provider to the URL of its price page"),
    ("source-not-a-url", variant("https://openai.com/api/pricing/", "openai.com/pricing"),
     [(None, "sources.openai", 5), ("m", "provider", 7)],
     "must be an http(s) URL, not 'openai.com/pricing'"),
    ("duplicated-source", variant("models:\n", "  openai: https://example.com/\nmodels:\n"),
     [(None, "sources.openai", 6)], "appears more than once"),
    ("no-models", BASE.split("models:\n")[0] + "models: {}\n",
     [(None, "models", 6)], "with at least one model"),
    ("models-as-list", BASE.split("models:\n")[0] + "models: [m]\n",
     [(None, "models", 6)], "must be a mapping of model ids to their prices"),
    ("whole-file-a-list", "- 1\n- 2\n",
     [(None, None, None)], "must be a mapping, not a list"),
    ("whole-file-a-word", "hello\n",
     [(None, None, None)], "must be a mapping, not 'hello'"),
]


@pytest.mark.parametrize(
    ("text", "expected", "fragment"),
    [pytest.param(text, expected, fragment, id=case)
     for case, text, expected, fragment in MODEL_CASES + TOP_CASES],
)
def test_invalid_table_reports_exactly_these_problems(
    tmp_path: Path, text: str, expected: list[tuple[str | None, str | None, int | None]],
    fragment: str,
) -> None:
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert located(problems) == expected
    assert fragment in problems[0].message
    for problem in problems:
        assert problem.path == str(path)
        assert str(problem).startswith(str(path) + ":")
        if problem.line is not None:
            assert str(problem).startswith(f"{path}:{problem.line}:")
        if problem.field is not None:
            assert f"field {problem.field!r}:" in str(problem)


def test_incomplete_second_definition_is_reported_at_its_own_line(tmp_path: Path) -> None:
    text = variant(extra="  m:\n    provider: openai\n")
    problems = problems_of(write(tmp_path, text))
    # The second definition (incomplete) is the one YAML keeps, so its gaps are reported too.
    assert located(problems) == [
        ("m", None, 14),
        ("m", "input", 14),
        ("m", "output", 14),
        ("m", "context_window", 14),
        ("m", "tokenizer", 14),
        ("m", "max_output_tokens", 14),  # required of chat models, checked after the rest
    ]
    assert problems[0].message == (
        "is defined more than once (also on line 7; YAML would silently keep the last)"
    )
    assert {p.message for p in problems[1:]} == {"is required but missing"}


def test_ids_differing_only_in_case_clash(tmp_path: Path) -> None:
    text = variant(extra=(
        "  M:\n"
        "    provider: openai\n"
        "    input: 1\n"
        "    output: 2\n"
        "    context_window: 1000\n"
        "    max_output_tokens: 100\n"
        "    tokenizer: {encoding: o200k_base, accuracy: exact}\n"))
    problems = problems_of(write(tmp_path, text))
    assert [(p.model, p.message) for p in problems] == [
        ("M", "differs only in case from model 'm'"),
    ]


def test_effective_date_must_match_a_bundled_file_name() -> None:
    raw = parse_price_yaml(BASE, "pricing/2025-07-01.yaml")
    with pytest.raises(PricingError) as caught:
        build_snapshot(raw, "pricing/2025-07-01.yaml", expected_effective=date(2025, 7, 1))
    assert located(caught.value.problems) == [(None, "effective", 2)]
    assert caught.value.problems[0].message == (
        "2025-06-01 does not match the file's name (2025-07-01)"
    )
    ok = build_snapshot(raw, "pricing/2025-06-01.yaml", expected_effective=date(2025, 6, 1))
    assert ok.effective == date(2025, 6, 1)


# --- files that cannot be read or parsed -----------------------------------------------------


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    path = write(tmp_path, content)
    problems = problems_of(path)
    assert located(problems) == [(None, None, None)]
    assert problems[0].message == "the price table is empty"
    assert str(problems[0]) == f"{path}: the price table is empty"


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    text = variant("    output: 2\n", "    output: [2, 3\n")
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.line == 11
    assert problem.model is None and problem.field is None
    assert "column" in problem.message
    # The unclosed [ is noticed at the ':' of the next line; the message says where it opened.
    assert problem.message == ("YAML syntax error, column 19: did not find expected ',' or ']' "
                               "(while parsing a flow sequence from line 10)")
    assert str(problem) == f"{path}:11: {problem.message}"


def test_yaml_syntax_error_on_first_line(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, "a: b: c\n"))
    assert located(problems) == [(None, None, 1)]
    assert problems[0].message == (
        "YAML syntax error, column 5: mapping values are not allowed in this context"
    )


def test_non_utf8_file(tmp_path: Path) -> None:
    # "opénai" in Latin-1: the é is the single byte 0xE9, which is never valid UTF-8 alone.
    data = BASE.replace("openai.com", "op\xe9nai.com", 1).encode("latin-1")
    path = write(tmp_path, data)
    problems = problems_of(path)
    assert len(problems) == 1
    offset = data.index(b"\xe9")
    assert offset == 83
    assert problems[0].message == f"is not UTF-8 text (byte {offset}); save it as UTF-8"
    assert str(problems[0]).startswith(f"{path}: is not UTF-8 text")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    problems = problems_of(path)
    assert located(problems) == [(None, None, None)]
    assert str(problems[0]) == f"{path}: no such file"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    problems = problems_of(tmp_path)
    assert str(problems[0]) == f"{tmp_path}: is a directory, not a price table"


# --- 7. the loader is safe -------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system",
        "!!python/object/new:os.system",
        "!!python/name:os.system",
    ],
)
def test_python_tags_are_refused_and_nothing_runs(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "pwned"
    text = variant("    input: 1\n", f'    input: {tag} ["touch {marker}"]\n')
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert len(problems) == 1
    assert problems[0].line == 9
    assert "could not determine a constructor for the tag" in problems[0].message
    assert not marker.exists()


def test_os_system_tag_at_top_level_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write(tmp_path, f'!!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(PricingError) as caught:
        load_file(path)
    assert "python/object/apply:os.system" in str(caught.value)
    assert not marker.exists()


# --- 4. choosing a table ---------------------------------------------------------------------


def test_bundled_versions_are_listed_oldest_first() -> None:
    versions = bundled_versions()
    assert versions[:2] == ["2025-03-01", "2026-11-22"]
    assert versions == sorted(versions)
    assert len(versions) == len(set(versions))
    for version in versions:
        assert date.fromisoformat(version).isoformat() == version


def test_unknown_bundled_version_lists_the_available_ones() -> None:
    with pytest.raises(UnknownPricingVersionError) as caught:
        load_bundled("2024-01-01")
    error = caught.value
    assert isinstance(error, TokcostError)
    assert error.version == "2024-01-01"
    assert error.available == bundled_versions()
    assert str(error).startswith("unknown pricing version '2024-01-01'; available: ")
    assert "2025-03-01, 2026-11-22" in str(error)


@pytest.mark.parametrize("version", [SEED_ERA, CURRENT])
def test_each_bundled_table_loads_with_its_own_date(version: str) -> None:
    table = load_bundled(version)
    assert table.label == version
    assert table.snapshot.effective == date.fromisoformat(version)
    assert table.snapshot.origin == f"tokcost/price_tables/{version}.yaml"
    assert table.snapshot.currency == "USD"
    for model in table:
        assert table.snapshot.source_for(model) is not None, model.id


def test_default_table_is_the_newest_bundled_one() -> None:
    table = load_price_table()
    newest_version = bundled_versions()[-1]
    assert table.label == newest_version
    assert table.snapshot.effective == date.fromisoformat(newest_version)
    assert newest_version >= CURRENT


def test_version_argument_selects_a_bundled_table() -> None:
    table = load_price_table(version=SEED_ERA)
    assert table.label == SEED_ERA
    assert table.snapshot.effective == date(2025, 3, 1)


def test_path_argument_loads_a_user_file(tmp_path: Path) -> None:
    path = write(tmp_path, VALID_TABLE)
    assert load_price_table(path=path).label == str(path)
    assert load_price_table(path=str(path)).label == str(path)


def test_env_var_selects_a_user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, VALID_TABLE)
    monkeypatch.setenv("TOKCOST_PRICING", str(path))
    table = load_price_table()
    assert table.label == str(path)
    assert sorted(table.snapshot.models) == ["mini", "sonnet"]


def test_explicit_choice_beats_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKCOST_PRICING", str(write(tmp_path, VALID_TABLE)))
    assert load_price_table(version=SEED_ERA).label == SEED_ERA
    other = write(tmp_path, BASE, name="other.yaml")
    assert load_price_table(path=other).label == str(other)


def test_empty_env_var_means_the_newest_bundled_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKCOST_PRICING", "")
    assert load_price_table().label == bundled_versions()[-1]


def test_env_var_naming_a_missing_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "gone.yaml"
    monkeypatch.setenv("TOKCOST_PRICING", str(missing))
    with pytest.raises(PricingError) as caught:
        load_price_table()
    assert str(caught.value) == f"{missing}: no such file"


def test_env_var_naming_an_invalid_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, variant("    input: 1\n", "    input: -1\n"))
    monkeypatch.setenv("TOKCOST_PRICING", str(path))
    with pytest.raises(PricingError) as caught:
        load_price_table()
    assert located(caught.value.problems) == [("m", "input", 9)]


def test_version_and_path_together_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, VALID_TABLE)
    with pytest.raises(OptionError) as caught:
        load_price_table(version=CURRENT, path=path)
    assert type(caught.value) is OptionError
    assert str(caught.value) == "give either a pricing version or a pricing file, not both"


# --- 5. model lookup -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "model_id", "fell_back"),
    [
        ("gpt-4o", "gpt-4o", False),
        ("claude-sonnet-4-5", "claude-sonnet-4-5", False),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5", False),
        ("gpt-4o-2024-08-06", "gpt-4o", False),
        ("GPT-4o", "gpt-4o", False),
        ("  gpt-4o  ", "gpt-4o", False),
        ("openai/gpt-4o", "gpt-4o", False),
        ("OpenAI/GPT-4O", "gpt-4o", False),
        ("anthropic/claude-sonnet-4-5", "claude-sonnet-4-5", False),
        ("gemini/gemini-2.5-pro", "gemini-2.5-pro", False),
        ("google/gemini-2.5-pro", "gemini-2.5-pro", False),
        ("gpt-4o-2099-01-01", "gpt-4o", True),
        ("gpt-4o-mini-2099-01-01", "gpt-4o-mini", True),
        ("claude-sonnet-4-5-20991231", "claude-sonnet-4-5", True),
        ("openai/gpt-4o-2099-01-01", "gpt-4o", True),
        # Through Vertex AI, which bills some parts of a request apart, under the name that
        # says so (tokcost/counting/rules.json has a Vertex AI rule for it).
        ("vertex_ai/gemini-2.5-pro@20990101", "vertex_ai/gemini-2.5-pro", True),
    ],
)
def test_resolve(newest: PriceTable, name: str, model_id: str, fell_back: bool) -> None:
    resolution = newest.resolve(name)
    assert resolution.model.id == model_id
    assert resolution.requested == name
    assert resolution.fell_back is fell_back
    assert (resolution.note is None) is (not fell_back)


def test_fallback_note_names_both_models(newest: PriceTable) -> None:
    assert newest.resolve("gpt-4o-2099-01-01").note == (
        "'gpt-4o-2099-01-01' is not in the price table; using its base model 'gpt-4o'"
    )


@pytest.mark.parametrize(
    "name",
    ["anthropic/gpt-4o", "openai/claude-sonnet-4-5", "google/gpt-4o-2099-01-01", "gpt-4o-2099-13"],
)
def test_wrong_provider_or_bad_suffix_is_unknown(newest: PriceTable, name: str) -> None:
    with pytest.raises(UnknownModelError) as caught:
        newest.resolve(name)
    assert caught.value.name == name


def test_unknown_model_suggests_the_closest_three(newest: PriceTable) -> None:
    with pytest.raises(UnknownModelError) as caught:
        newest.resolve("gtp-4o")
    error = caught.value
    assert isinstance(error, TokcostError)
    assert error.name == "gtp-4o"
    assert error.suggestions[0] == "gpt-4o"
    assert len(error.suggestions) == 3
    assert len(set(error.suggestions)) == 3
    assert all(s in newest.snapshot.models for s in error.suggestions)
    assert str(error).startswith(
        f"unknown model 'gtp-4o' in price table {CURRENT}; closest: gpt-4o, "
    )


def test_wrong_provider_prefix_still_suggests_the_model(newest: PriceTable) -> None:
    with pytest.raises(UnknownModelError) as caught:
        newest.resolve("anthropic/gpt-4o")
    assert caught.value.suggestions[0] == "gpt-4o"


def test_models_filter_by_provider(newest: PriceTable) -> None:
    google = newest.models("gemini")
    assert google and all(m.provider == "google" for m in google)
    assert newest.models("google") == google
    assert len(newest.models()) == len(newest)


# --- 6. facts the bundled tables promise -----------------------------------------------------


def test_current_table_size_and_providers(newest: PriceTable) -> None:
    assert len(newest) >= 40
    providers = {model.provider for model in newest}
    assert providers >= {"openai", "anthropic", "google", "xai", "deepseek", "mistral"}
    assert set(newest.snapshot.sources) >= providers


def test_current_gpt_4o(newest: PriceTable) -> None:
    model = newest.resolve("gpt-4o").model
    assert model.provider == "openai"
    assert model.rates.input == Decimal("2.5")
    assert model.rates.output == Decimal("10")
    assert model.rates.cache_read == Decimal("1.25")
    assert model.caching == "automatic"


def test_current_claude_sonnet_4_5(newest: PriceTable) -> None:
    model = newest.resolve("claude-sonnet-4-5").model
    assert model.provider == "anthropic"
    assert model.rates == Rates(
        Decimal("3"), Decimal("15"), Decimal("0.3"), Decimal("3.75"), Decimal("6")
    )
    assert model.caching == "explicit"


def test_current_gemini_2_5_pro(newest: PriceTable) -> None:
    model = newest.resolve("gemini-2.5-pro").model
    assert model.provider == "google"
    assert model.rates.input == Decimal("1.25")
    assert model.rates.output == Decimal("10")
    assert [tier.above for tier in model.tiers] == [200000]
    assert model.tiers[0].rates.input == Decimal("2.5")
    assert model.tiers[0].rates.output == Decimal("15")


@pytest.mark.parametrize(
    ("model_id", "input_price", "output_price"),
    [
        ("gpt-4o", "2.5", "10"),
        ("gpt-4o-mini", "0.15", "0.6"),
        ("claude-3-7-sonnet", "3", "15"),
        ("claude-3-5-haiku", "0.8", "4"),
        ("gemini-1.5-pro", "1.25", "5"),
    ],
)
def test_seed_era_prices(
    seed: PriceTable, model_id: str, input_price: str, output_price: str
) -> None:
    model = seed.resolve(model_id).model
    assert model.id == model_id
    assert model.rates.input == Decimal(input_price)
    assert model.rates.output == Decimal(output_price)


# --- cases that once crashed or misreported ----------------------------------------------


@pytest.mark.parametrize("written", ["2025-13-45", "2025-02-30"])
def test_impossible_unquoted_effective_date_is_a_pricing_problem(
    tmp_path: Path, written: str
) -> None:
    path = write(tmp_path, variant("effective: 2025-06-01\n", f"effective: {written}\n"))
    problems = problems_of(path)
    assert any(p.line == 2 for p in problems)


def test_impossible_unquoted_date_in_a_model_is_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path, variant(extra="    notes: 2025-02-30\n"))
    try:
        model = load_file(path).snapshot.models["m"]
    except PricingError as error:  # refused, at the right line
        assert any(p.line == 14 for p in error.problems)
    else:  # or read as the text it is
        assert model.notes == "2025-02-30"


def test_float_tag_on_text_is_a_pricing_problem(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, variant("    input: 1\n", "    input: !!float x\n")))
    assert any(p.line == 9 for p in problems)


@pytest.mark.parametrize(
    ("tokenizer", "missing"),
    [
        ("{accuracy: estimate, factor: 1.1}", "tokenizer.encoding"),
        ("{encoding: o200k_base, factor: 1.1}", "tokenizer.accuracy"),
    ],
)
def test_tokenizer_missing_field_with_factor_is_reported(
    tmp_path: Path, tokenizer: str, missing: str
) -> None:
    text = variant("{encoding: o200k_base, accuracy: exact}", tokenizer)
    problems = problems_of(write(tmp_path, text))
    assert located(problems) == [("m", missing, 7)]
    assert problems[0].message == "is required but missing"


def test_boolean_schema_version_is_refused(tmp_path: Path) -> None:
    text = variant("schema_version: 1\n", "schema_version: true\n")
    problems = problems_of(write(tmp_path, text))
    assert located(problems) == [(None, "schema_version", 1)]


def test_batch_discount_with_a_batch_cache_price_is_refused(tmp_path: Path) -> None:
    text = variant(extra=(
        "    cache_read: 0.1\n"
        "    caching: automatic\n"
        "    batch: {discount: 0.5, cache_read: 0.01}\n"))
    problems = problems_of(write(tmp_path, text))
    assert [(p.model, p.field) for p in problems] == [("m", "batch")]


def test_effective_with_a_time_is_refused_or_kept_as_a_date(tmp_path: Path) -> None:
    path = write(tmp_path, variant("effective: 2025-06-01\n", "effective: 2025-06-01 10:00:00\n"))
    try:
        snap = load_file(path).snapshot
    except PricingError as error:
        assert located(error.problems) == [(None, "effective", 2)]
    else:
        assert type(snap.effective) is date
        assert snap.effective == date(2025, 6, 1)


def test_alias_clash_is_blamed_on_the_alias(tmp_path: Path) -> None:
    text = variant("    tokenizer: {encoding: o200k_base, accuracy: exact}\n",
                   "    tokenizer: {encoding: o200k_base, accuracy: exact}\n"
                   "    aliases: [n]\n",
                   extra=(
                       "  n:\n"
                       "    provider: openai\n"
                       "    input: 1\n"
                       "    output: 2\n"
                       "    context_window: 1000\n"
                       "    max_output_tokens: 100\n"
                       "    tokenizer: {encoding: o200k_base, accuracy: exact}\n"))
    problems = problems_of(write(tmp_path, text))
    # Model 'n' has no aliases at all; the alias that clashes is model 'm''s.
    assert [(p.model, p.field) for p in problems] == [("m", "aliases")]


@pytest.mark.parametrize("discount", ["1", "0", "-0.5", "half"])
def test_invalid_batch_discount_is_the_only_batch_problem(tmp_path: Path, discount: str) -> None:
    problems = problems_of(write(tmp_path, variant(extra=f"    batch: {{discount: {discount}}}\n")))
    assert located(problems) == [("m", "batch.discount", 14)]


def test_a_tag_pyyaml_cannot_build_is_a_pricing_error(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, variant("    context_window: 1000\n",
                                                   "    context_window: !!int lots\n")))
    assert [p.message.split(":")[0] for p in problems] == ["YAML value cannot be read"]

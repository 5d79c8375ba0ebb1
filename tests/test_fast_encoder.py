"""The fast exact encoders (tokcost/counting/fast.py: rs-bpe, splintr-rs) count exactly as
tiktoken does.

tiktoken is the reference: every count here is compared with ``len(encode_ordinary(text))`` of
tiktoken's encoding built from tokcost's bundled, hash-checked file, for both bundled
encodings, on real text (every string in tests/data, the README, the examples, the price tables
and tokcost's own source) and on an adversarial set, each encoder alone. The test extra installs
both, so these tests fail, rather than skip, where one is missing.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tokcost.inputs.count_files as count_files
import tokcost.inputs.sources as sources
from tokcost.counting import fast, memo
from tokcost.counting.tokenizers import _bundled_ranks, get_encoding, text_counter

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
ENCODINGS = ("o200k_base", "cl100k_base")


@pytest.fixture(autouse=True)
def _fast_as_the_environment_says() -> Iterator[None]:
    fast.set_enabled(None)
    yield
    fast.set_enabled(None)


def reference(name: str) -> Callable[[str], int]:
    encode = get_encoding(name).encode_ordinary
    return lambda text: len(encode(text))


FAST_ENCODERS = pytest.mark.parametrize("encoder", fast.ENCODERS, ids=lambda e: e.package)


def fast_count(name: str) -> Callable[[str], int]:
    counted = fast.counter(name)
    assert counted is not None, fast.why_not(name)
    return counted


def counted_with(encoder: fast.Encoder, name: str) -> Callable[[str], int]:
    """fast.counter's count in ``name`` with this encoder counting (the faster one as for a
    large input)."""
    fast.set_enabled(None)
    if encoder is fast.FASTER:
        fast.expect(fast.SWITCH_CHARS)
    counted = fast_count(name)
    assert fast.in_use(name) == encoder.package
    return counted


def token_bytes(encoder: fast.Encoder, name: str) -> Callable[[int], bytes]:
    """The bytes this encoder gives a token id."""
    tokenizer = encoder.build(name)
    if encoder is fast.QUICK:
        bpe = tokenizer.bpe()
        return lambda rank: bytes(bpe.decode_tokens([rank]))
    return tokenizer.decode_token_bytes  # type: ignore[no-any-return]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def real_texts() -> list[str]:
    """Every string value of every JSON file in tests/data (the ShareGPT excerpts, the
    cookbook's, Anthropic and Gemini requests, logs), and the repository's own text files,
    whole and line by line."""
    texts: list[str] = []
    for path in sorted(DATA.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_text("utf-8", errors="surrogateescape")
        texts.append(raw)
        documents = [raw] if path.suffix == ".json" else raw.splitlines()
        for document in documents:
            try:
                texts.extend(_strings(json.loads(document)))
            except ValueError:
                texts.append(document)
    examples = [path for path in sorted((ROOT / "examples").iterdir())
                if path.suffix != ".parquet"]  # (a table is no text)
    files = [ROOT / "README.md", *examples,
             *sorted((ROOT / "tokcost" / "price_tables").glob("*.yaml")),
             *sorted((ROOT / "tokcost").rglob("*.py")), *sorted((ROOT / "tests").glob("*.py")),
             *sorted((ROOT / "bench").glob("*.py"))]
    for path in files:
        raw = path.read_text("utf-8")
        texts.append(raw)
        texts.extend(raw.splitlines(keepends=True))
    return texts


# Text that stresses the split patterns and the byte-pair merges: runs of spaces and newlines
# before and after words, contractions in every case, digit runs, CJK, emoji sequences,
# combining marks, control and format characters, special-token look-alikes, long repeats.
ADVERSARIAL = [
    "", " ", "  ", "\n", "\r\n", "\r", " \n ", "\t\t\n\n  x", "a  b", "a   \n  b", "   a", "a   ",
    "<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>x<|fim_suffix|>",
    "I'M HE'S we'LL they'Ve 'S 's", "don't", "DON'T", "l'été", "''''", "'s's's",
    "123456789012", "١٢٣٤٥", "٣.١٤", "ⅫⅫ", "①②③", "𝟙𝟚𝟛", "€100", "$$$",
    "😀" * 50, "👨\u200d👩\u200d👧\u200d👦", "🇫🇷🇩🇪", "e\u0301" * 20, "\u0300\u0301abc", "ǅungla",
    "ʰʲ", "ー" * 30, "中文字符测试" * 30, "한국어 텍스트", "ไทย", "עברית", "العربية", "देवनागरी",
    "ℌ𝔢𝔩𝔩𝔬", "𐍈𐍈𐍈", "\U0010ffff", "\ufffd", "\x00\x01\x02", "\x7f", "\u200b\u200c\u200d",
    "\ufeff", "\u2028\u2029", "\xa0\xa0x", "\u3000x", "http://example.com/a/b?c=d&e=f#g",
    "def f(x):\n    return x\n", "    \n\n    \n", "a\r\n\r\n\r\nb", "/* */\n//\n",
    " " * 10000, "a" * 10000, "ab" * 5000, "\n" * 3000, " \n" * 2000, "." * 5000, "!?" * 3000,
    "1" * 10000, "x" + " " * 500 + "y",
]
TRICKY = list(" \t\n\r'sSlLtTdDmMvVeE0123456789.,;:!?-_/\\\"()[]{}<>|aAzZ") + [
    "é", "É", "ß", "ñ", "中", "字", "ー", "ʰ", "\u0301", "\u0300", "١", "Ⅻ", "😀", "\u200d",
    "\xa0", "\u3000", "\x00", "ǅ", "ا", "ह", "\u093f", "한", "𝟙", "\ufeff", "\u2028"]
# Lone surrogates: not valid UTF-16, refused by both, replaced by U+FFFD in tiktoken.
SURROGATES = ["a\ud800b", "\udc00", "x\ud83d", "\ud83d\ude00", "ok \udfff ok", "\ud800" * 10,
              "\ud83d\ude00\ud83d", "中\udc80文"]


def adversarial_texts() -> list[str]:
    rng = random.Random(17)
    texts = list(ADVERSARIAL)
    for _ in range(5000):
        length = rng.choice([1, 2, 3, 5, 8, 20, 60, 200, 1000])
        texts.append("".join(rng.choice(TRICKY) for _ in range(length)))
    # Every assigned code point outside the surrogates, 64 at a time and each every 7th one
    # alone, after a space, after a letter and after an apostrophe.
    points = [chr(c) for c in range(0x20, 0x30000)
              if not 0xD800 <= c < 0xE000 and unicodedata.category(chr(c)) != "Cn"]
    texts += ["".join(points[i:i + 64]) for i in range(0, len(points), 64)]
    texts += [before + point for point in points[::7] for before in ("", " ", "a", "'")]
    return texts


def test_the_fast_encoders_are_in_use_where_installed() -> None:
    for name in ENCODINGS:
        assert fast.counter(name) is not None, fast.why_not(name)
        assert text_counter(name) is fast.counter(name)
        assert fast.in_use(name) == "rs-bpe"  # (until a large input)
    assert fast.counter("p50k_base") is None  # only the encodings checked here
    assert fast.why_not("p50k_base") == (
        "no fast encoder is checked against tiktoken for p50k_base")


@pytest.mark.parametrize("name", ENCODINGS)
def test_the_probe_is_tiktokens_ids(name: str) -> None:
    assert get_encoding(name).encode_ordinary(fast.PROBE) == fast.PROBE_IDS[name]


@FAST_ENCODERS
@pytest.mark.parametrize("name", ENCODINGS)
def test_its_vocabulary_is_the_bundled_hash_checked_file(encoder: fast.Encoder, name: str
                                                         ) -> None:
    """Token by token: the bytes the encoder gives each id are those of the same rank in the
    file whose SHA-256 tokcost checks (the ranks are 0..n-1, so this is every id tiktoken can
    give)."""
    decoded = token_bytes(encoder, name)
    ranks = _bundled_ranks(name, None)
    assert list(ranks.values()) == list(range(len(ranks)))
    assert len(ranks) == {"o200k_base": 199_998, "cl100k_base": 100_256}[name]
    differing = [token for token, rank in ranks.items() if decoded(rank) != token]
    assert differing == []


@FAST_ENCODERS
@pytest.mark.parametrize("name", ENCODINGS)
def test_counts_equal_tiktokens_on_real_text(encoder: fast.Encoder, name: str) -> None:
    texts = real_texts()
    assert len(texts) > 20_000 and sum(map(len, texts)) > 1_500_000  # not an empty set
    ours, theirs = counted_with(encoder, name), reference(name)
    assert [text for text in texts if ours(text) != theirs(text)] == []


@FAST_ENCODERS
@pytest.mark.parametrize("name", ENCODINGS)
def test_counts_and_ids_equal_tiktokens_on_adversarial_text(encoder: fast.Encoder, name: str
                                                            ) -> None:
    texts = adversarial_texts()
    ours, theirs = counted_with(encoder, name), reference(name)
    assert [text for text in texts if ours(text) != theirs(text)] == []
    ids = encoder.ids(encoder.build(name))
    encode = get_encoding(name).encode_ordinary
    assert [text for text in texts[:6000] if ids(text) != encode(text)] == []


@FAST_ENCODERS
@pytest.mark.parametrize("name", ENCODINGS)
def test_lone_surrogates_count_as_in_tiktoken(encoder: fast.Encoder, name: str) -> None:
    ours, theirs = counted_with(encoder, name), reference(name)
    assert [ours(text) for text in SURROGATES] == [theirs(text) for text in SURROGATES]
    # tiktoken counts a lone surrogate as U+FFFD, one token in both encodings: "a", U+FFFD, "b".
    assert ours("a\ud800b") == ours("a\ufffdb") == 3


@FAST_ENCODERS
def test_literal_counts(encoder: fast.Encoder) -> None:
    """A few counts worked out by hand from the token boundaries."""
    o200k, cl100k = counted_with(encoder, "o200k_base"), fast_count("cl100k_base")
    assert fast.in_use("cl100k_base") == encoder.package
    assert o200k("hello world") == cl100k("hello world") == 2  # "hello", " world"
    assert o200k("") == 0
    # As ordinary text: "<", "|", "end", "of", "text", "|", ">" (cl100k_base: "endo", "ft",
    # "ext" for the middle three).
    assert o200k("<|endoftext|>") == cl100k("<|endoftext|>") == 7


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_categories=()) | st.sampled_from(TRICKY), max_size=300))
def test_counts_equal_tiktokens_on_any_text(text: str) -> None:
    for encoder in fast.ENCODERS:
        count = fast.ready(encoder, "o200k_base")[0]
        assert count is not None
        assert count(text) == reference("o200k_base")(text)
        count = fast.ready(encoder, "cl100k_base")[0]
        assert count is not None
        assert count(text) == reference("cl100k_base")(text)


# --- which of them counts -------------------------------------------------------------------


def test_a_process_switches_to_the_faster_once_it_has_counted_enough(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast, "SWITCH_CHARS", 100)
    counted = fast_count("o200k_base")
    assert [counted("hello world " * 4), fast.in_use("o200k_base")] == [9, "rs-bpe"]  # 48
    assert [counted("hello world " * 4), fast.in_use("o200k_base")] == [9, "rs-bpe"]  # 96
    assert [counted("hello world " * 4), fast.in_use("o200k_base")] == [9, "splintr-rs"]
    assert [counted("hello world " * 4), fast.in_use("o200k_base")] == [9, "splintr-rs"]
    # The tally is the process's: cl100k_base starts with the faster one now.
    assert [fast_count("cl100k_base")("hello world"), fast.in_use("cl100k_base")] == [
        2, "splintr-rs"]


def test_a_large_input_expected_counts_with_the_faster_from_its_start() -> None:
    counted = fast_count("o200k_base")
    fast.expect(fast.SWITCH_CHARS - 1)
    # What is expected is what comes to be counted: the two are not added up.
    assert [counted("hello world"), fast.in_use("o200k_base")] == [2, "rs-bpe"]
    fast.expect(1)
    assert [counted("hello world"), fast.in_use("o200k_base")] == [2, "splintr-rs"]


def test_a_counter_made_before_set_enabled_still_counts_and_switches(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast, "SWITCH_CHARS", 100)
    kept = fast_count("o200k_base")
    fast.set_enabled(None)  # (as tests do between cases; a counter may outlive it)
    newer = fast_count("o200k_base")
    assert [kept("hello world " * 10) for _ in range(3)] == [21, 21, 21]  # past 100
    assert [newer("hello world"), fast.in_use("o200k_base")] == [2, "splintr-rs"]


def test_without_the_faster_the_quick_one_counts_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "splintr", None)  # as if not installed: import fails
    fast.set_enabled(None)
    counted = fast_count("o200k_base")
    fast.expect(fast.SWITCH_CHARS)
    assert [counted("hello world"), fast.in_use("o200k_base")] == [2, "rs-bpe"]
    assert fast._tallying == {}  # it tried, and stopped keeping the tally


def test_without_the_quick_one_the_faster_counts_from_the_start(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rs_bpe", None)
    fast.set_enabled(None)
    assert [fast_count("cl100k_base")("hello world"), fast.in_use("cl100k_base")] == [
        2, "splintr-rs"]


# --- falling back to tiktoken ------------------------------------------------------------------


def test_switched_off_counts_with_tiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKCOST_FAST_ENCODER", "0")
    fast.set_enabled(None)
    assert fast.counter("o200k_base") is None
    assert fast.why_not("o200k_base") == "TOKCOST_FAST_ENCODER is off"
    assert text_counter("o200k_base")("hello world") == 2


def test_missing_both_counts_with_tiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rs_bpe", None)  # as if not installed: import fails
    monkeypatch.setitem(sys.modules, "splintr", None)
    fast.set_enabled(None)
    assert fast.counter("o200k_base") is None
    assert fast.why_not("o200k_base") == (
        "rs-bpe is not installed; splintr-rs is not installed (pip install 'tokcost[fast]')")
    assert text_counter("o200k_base")("hello world") == 2


def test_another_version_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    import rs_bpe
    import splintr

    monkeypatch.setattr(rs_bpe, "__version__", "0.2.0")
    monkeypatch.setattr(splintr, "__version__", "0.23.0")
    fast.set_enabled(None)
    assert fast.counter("cl100k_base") is None
    assert fast.why_not("cl100k_base") == (
        "rs-bpe 0.2.0 is installed, tokcost is checked with 0.1.0; splintr-rs 0.23.0 is "
        "installed, tokcost is checked with 0.22.0")


def test_a_failed_self_check_counts_with_tiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = [*fast.PROBE_IDS["o200k_base"][:-1], 0]
    monkeypatch.setitem(fast.PROBE_IDS, "o200k_base", wrong)
    fast.set_enabled(None)
    assert fast.counter("o200k_base") is None
    assert fast.why_not("o200k_base") == (
        "rs-bpe failed its self-check on o200k_base: not tiktoken's ids; splintr-rs failed its "
        "self-check on o200k_base: not tiktoken's ids")
    assert fast.counter("cl100k_base") is not None


# --- the command, with each encoder ------------------------------------------------------------

INPUTS = sorted([*(DATA / "count").iterdir(), *(DATA / "gemini").glob("*")])
# Every path of the counter in both encodings: the cookbook's framing (gpt-4o), texts on
# cl100k_base (text-embedding-3-small; it refuses the conversations, alike with either
# encoder), weighted estimates (Claude, Gemini).
MODELS = ("gpt-4o", "text-embedding-3-small", "claude-sonnet-4-6", "gemini-3.5-flash")


def _encoder(which: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Count with tiktoken, rs-bpe alone or splintr from the start from now on, from an empty
    memo (which would otherwise answer from another encoder's counts) and new counters."""
    fast.set_enabled(which != "tiktoken")
    monkeypatch.setattr(fast, "SWITCH_CHARS", 0 if which == "splintr-rs" else 1 << 62)
    memo.set_enabled(None)
    monkeypatch.setattr(count_files, "_counters", {})


@pytest.mark.parametrize("per_message", [False, True], ids=["totals", "per-message"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_command_counts_alike_with_each_encoder(
        cli: Run, monkeypatch: pytest.MonkeyPatch, jobs: str, per_message: bool) -> None:
    if jobs == "2":  # small batches and no size threshold, so that the workers count
        monkeypatch.setattr(sources, "BATCH_BYTES", 2048)
        monkeypatch.setattr(count_files, "PARALLEL_MIN_BYTES", 1)
    models = [arg for model in MODELS for arg in ("-m", model)]
    args = ("count", *map(str, INPUTS), *models, "-f", "csv", "--jobs", jobs,
            *(["--per-message"] if per_message else []))
    results = {}
    try:
        for which in ("tiktoken", "rs-bpe", "splintr-rs"):
            _encoder(which, monkeypatch)
            results[which] = cli(*args)
            assert fast.in_use("o200k_base") == (None if which == "tiktoken" else which)
    finally:
        memo.set_enabled(None)
        fast.set_enabled(None)
    with_tiktoken = results["tiktoken"]
    for which in ("rs-bpe", "splintr-rs"):
        assert (results[which].status, results[which].out, results[which].err) == (
            with_tiktoken.status, with_tiktoken.out, with_tiktoken.err)
    assert with_tiktoken.status == 1  # sharegpt_truncated.json is broken; the others count
    assert f"{DATA / 'gemini' / 'requests.jsonl'}," in with_tiktoken.out
    if not per_message:  # the cookbook's example on gpt-4o: its 124 tokens, as test_count has
        assert f"{DATA / 'count' / 'cookbook_messages.json'},openai,gpt-4o,1,6,124,exact" in (
            with_tiktoken.out)


def test_the_installed_command_counts_alike_with_it_off(installed: Run) -> None:
    paths = [str(DATA / "count" / name) for name in ("cookbook_tools.json",
                                                     "sharegpt_four_turns.json")]
    on = installed("count", *paths, "-m", "gpt-4o", "-m", "claude-sonnet-4-6", "-f", "csv")
    off = installed("count", *paths, "-m", "gpt-4o", "-m", "claude-sonnet-4-6", "-f", "csv",
                    env={"TOKCOST_FAST_ENCODER": "0"})
    assert (on.status, on.out, on.err) == (off.status, off.out, off.err)
    assert on.status == 0
    assert "cookbook_tools.json,openai,gpt-4o,1,2,101,exact" in on.out


def test_counting_a_short_file_never_builds_tiktoken(tmp_path: Path) -> None:
    """What made `count` slow to start: tiktoken's constructor. With the fast encoders, counting
    a short file imports neither tiktoken nor the faster encoder (rs-bpe counts it); without
    them, tiktoken counts."""
    text = tmp_path / "one-line.txt"
    text.write_text("The quick brown fox jumps over the lazy dog.\n")
    probe = ("import contextlib, io, sys\nfrom tokcost.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
             f"    main(['count', {str(text)!r}, '--format', 'csv'])\n"
             "print(out.getvalue().splitlines()[1].split(',')[5], 'tiktoken' in sys.modules,\n"
             "      'splintr' in sys.modules)")
    # 10 tokens: "The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog",
    # ".\n"; text has no framing.
    for setting, expected in (("1", "10 False False"), ("0", "10 True False")):
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              timeout=60, cwd=tmp_path,
                              env={**os.environ, "TOKCOST_FAST_ENCODER": setting})
        assert (done.returncode, done.stdout.strip(), done.stderr) == (
            0, expected, "tokcost: note: priced with price table 2026-12-01\n")


def test_build_makes_the_encoder_for_the_processes_forked_after() -> None:
    """What a process that forks workers does (fast.build, through build_encoders): the
    encoder that will count is made here, for them to share. rs-bpe is built and not used (its
    regex is fastest in the first thread that uses it: a Dask worker's task thread), and a
    new thread counts with it; splintr, for a large input, is made ready. A fresh process."""
    script = """
import threading
from rs_bpe.bpe import openai
from tokcost.counting import fast
from tokcost.inputs import count_files
from tokcost.pricing.table import load_price_table
assert not openai.is_cached_o200k()
table = load_price_table("2026-12-01")
job = count_files.CountJob(table, models=(table.resolve("gpt-4o").model,))
count_files.build_encoders(job)
print(openai.is_cached_o200k(), fast.counter.cache_info().currsize, fast.in_use("o200k_base"))
counts = []
thread = threading.Thread(target=lambda: counts.append(fast.counter("o200k_base")("hello world")))
thread.start()
thread.join()
print(counts, fast.in_use("o200k_base"))
fast.set_enabled(None)
fast.expect(fast.SWITCH_CHARS)
count_files.build_encoders(job)
print(fast.in_use("o200k_base"), fast.counter("o200k_base")("hello world"))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "TOKCOST_FAST_ENCODER": "1"}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["True 0 None", "[2] rs-bpe", "splintr-rs 2"]

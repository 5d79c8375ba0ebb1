"""Embedding a data set: `tokcost count` of texts with an embedding model, and the chat-only
commands refusing one.

Prices from the 2026-12-01 table: text-embedding-3-small $0.02 a million input tokens (batch
50% off), text-embedding-ada-002 $0.10 (no batch price), gemini-embedding-001 $0.15 (an input
limit of 2,048 tokens), all OpenAI ones with an input limit of 8,191 tokens. Counts are
cl100k_base's for the OpenAI models ("hello world" is `hello`, ` world`: 2 tokens).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import tokcost
from tokcost.formats.embeddings import Texts, texts_of
from tokcost.formats.shape import ConversationError

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
TABLE = ("--pricing-version", "2026-12-01")
# Priced rows for a machine say on stderr which table priced them.
PRICED = "tokcost: note: priced with price table 2026-12-01\n"
COUNT = Path(__file__).parent / "data" / "count"
FOX = "The quick brown fox jumps over the lazy dog."  # 10 tokens: 9 words and the full stop


def rows(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def jsonl(path: Path, *values: object) -> Path:
    path.write_text("".join(json.dumps(value) + "\n" for value in values), "utf-8")
    return path


@pytest.fixture
def texts(tmp_path: Path) -> Path:
    """Every shape of texts a line may hold: 10 + 2 + (1 + 2) + 2 = 17 tokens in five texts."""
    return jsonl(
        tmp_path / "texts.jsonl",
        {"id": 1, "text": FOX},
        "hello world",
        {"model": "text-embedding-3-small", "input": ["one", "two three"]},
        {"custom_id": "r1", "method": "POST", "url": "/v1/embeddings",
         "body": {"model": "text-embedding-3-small", "input": "batch text"}},
    )


def test_texts_of_each_shape_are_counted_with_no_chat_framing(cli: Run, texts: Path) -> None:
    result = cli("count", str(texts), "-m", "text-embedding-3-small", "-f", "csv", *TABLE)
    assert result.status == 0, result.err
    # 17 tokens at $0.02 a million: $0.00000034. No conversations or messages: texts.
    assert [(r["conversations"], r["messages"], r["tokens"], r["accuracy"],
             r["input_cost_usd"]) for r in rows(result.out)] == [
        ("", "", "17", "exact", "0.00000034")]
    assert result.err == PRICED
    each = cli("count", str(texts), "-m", "text-embedding-3-small", "--per-message", "-f", "csv",
               *TABLE)
    assert [(r["conversation"], r["role"], r["tokens"], r["preview"])
            for r in rows(each.out)] == [
        ("1", "(text)", "10", "The quick brown fox jumps over the lazy…"),
        ("2", "(text)", "2", "hello world"),
        ("3", "(text)", "1", "one"),
        ("4", "(text)", "2", "two three"),
        ("5", "(text)", "2", "batch text"),
    ]


def test_the_model_a_request_names_is_counted_when_none_is_given(cli: Run, tmp_path: Path
                                                                  ) -> None:
    named = jsonl(tmp_path / "named.jsonl", {"model": "text-embedding-3-large", "input": FOX})
    result = cli("count", str(named), "-f", "csv", *TABLE)
    # 10 tokens at $0.13 a million.
    assert [(r["model"], r["tokens"], r["input_cost_usd"]) for r in rows(result.out)] == [
        ("text-embedding-3-large", "10", "0.0000013")]


def test_batch_prices_the_batch_api_and_leaves_a_model_without_one_unpriced(
        cli: Run, texts: Path) -> None:
    result = cli("count", str(texts), "-m", "text-embedding-3-small", "-m",
                 "text-embedding-ada-002", "--batch", "-f", "csv", *TABLE)
    assert result.status == 0, result.err
    # Half of $0.02 a million: 17 x $0.01 / 10^6. ada-002 has no batch price: unknown, not $0.
    assert [(r["model"], r["tokens"], r["input_cost_usd"]) for r in rows(result.out)] == [
        ("text-embedding-3-small", "17", "0.00000017"), ("text-embedding-ada-002", "17", "")]
    assert result.err == ("tokcost: note: text-embedding-ada-002 has no batch price: its input "
                          "cost is left empty\n" + PRICED)
    as_json = json.loads(cli("count", str(texts), "-m", "text-embedding-3-small", "--batch",
                             "-f", "json", *TABLE).out, parse_float=Decimal)
    assert as_json[0]["assumptions"] == [
        "Input costs at Batch API prices from price table 2026-12-01."]
    assert as_json[0]["input_cost_usd"] == Decimal("0.00000017")


def test_batch_goes_apart_from_a_service_tier(cli: Run, texts: Path) -> None:
    result = cli("count", str(texts), "--batch", "--service-tier", "flex", *TABLE)
    assert result.status == 2
    assert result.err == ("tokcost: error: --batch and --service-tier go separately: batch "
                          "prices are their own, taken from the standard tier\n")


def test_chat_models_are_priced_at_batch_prices_too(cli: Run) -> None:
    result = cli("count", str(COUNT / "cookbook_messages.json"), "-m", "gpt-4o", "--batch",
                 "-f", "csv", *TABLE)
    # The cookbook's 124 prompt tokens at half of $2.50 a million: $0.000155.
    assert [(r["tokens"], r["input_cost_usd"]) for r in rows(result.out)] == [
        ("124", "0.000155")]


def test_texts_over_the_input_limit_are_named_with_their_place(cli: Run, tmp_path: Path
                                                                ) -> None:
    # "word " n times is n + 1 tokens: `word`, n - 1 times ` word`, and the trailing space.
    long = jsonl(tmp_path / "long.jsonl", {"text": "word " * 9000}, "short",
                 {"input": ["a", "word " * 8191, "word " * 8190]})
    result = cli("count", str(long), "-m", "text-embedding-3-small", "-m",
                 "gemini-embedding-001", "-f", "csv", *TABLE)
    assert result.status == 0, result.err
    # 9,001 + 1 + 1 + 8,192 + 8,191 tokens, in both encodings.
    assert [(r["model"], r["tokens"], r["accuracy"]) for r in rows(result.out)] == [
        ("text-embedding-3-small", "25386", "exact"),
        ("gemini-embedding-001", "25386", "estimate")]
    assert result.err.splitlines() == [
        "tokcost: note: gemini-embedding-001: its tokenizer is not public; estimated with "
        "o200k_base (error not measured)",
        f"tokcost: warning: {long}: 2 of 5 texts are over text-embedding-3-small's input limit "
        f"of 8,191 tokens: {long}:1 (9,001 tokens), {long}:3 input[1] (8,192 tokens); an input "
        "that long is refused or cut short, so split it first (its tokens are in the count)",
        f"tokcost: warning: {long}: 3 of 5 texts are over gemini-embedding-001's input limit "
        f"of 2,048 tokens by the estimated count: {long}:1 (9,001 tokens), {long}:3 input[1] "
        f"(8,192 tokens), {long}:3 input[2] (8,191 tokens); an input that long is refused or "
        "cut short, so split it first (its tokens are in the count)", PRICED.strip()
    ]


def test_only_the_first_few_texts_over_the_limit_are_named(tmp_path: Path) -> None:
    long = jsonl(tmp_path / "long.jsonl", *(["word " * 2048] * 5), "short")
    counted = tokcost.count_file(long, ["gemini-embedding-001"], table=tokcost.load_price_table(
        "2026-12-01"))
    [count] = counted.counts
    # 2,049 tokens each, one over the limit of 2,048.
    assert (count.texts, count.over_input_limit, count.first_over_input_limit) == (
        6, 5, [(f"{long}:1", 2049), (f"{long}:2", 2049), (f"{long}:3", 2049)])
    assert counted.warnings[0].split(": ", 1)[1].startswith(
        "5 of 6 texts are over gemini-embedding-001's input limit of 2,048 tokens by the "
        f"estimated count: {long}:1 (2,049 tokens), {long}:2 (2,049 tokens), {long}:3 (2,049 "
        "tokens) and 2 more; ")


def test_a_text_file_is_one_input(cli: Run, tmp_path: Path) -> None:
    document = tmp_path / "document.txt"
    document.write_text("word " * 8191, "utf-8")  # 8,192 tokens
    result = cli("count", str(document), "-m", "text-embedding-3-small", "-f", "csv", *TABLE)
    # 8,192 x $0.02 / 10^6.
    assert [(r["format"], r["tokens"], r["input_cost_usd"]) for r in rows(result.out)] == [
        ("text", "8192", "0.00016384")]
    assert result.err == (
        f"tokcost: warning: {document}: the text is over text-embedding-3-small's input limit "
        f"of 8,191 tokens: {document} (8,192 tokens); an input that long is refused or cut "
        "short, so split it first (its tokens are in the count)\n" + PRICED)


def test_other_providers_embedding_models_are_estimates_that_say_so(cli: Run,
                                                                    texts: Path) -> None:
    result = cli("count", str(texts), "-m", "gemini-embedding-001", "-f", "csv", *TABLE)
    # o200k_base agrees on these texts: 17 tokens at $0.15 a million. Gemini's chat rule was
    # fitted on chat requests, so it is not borrowed: no measured band.
    assert [(r["tokens"], r["accuracy"], r["error_p90_pct"], r["input_cost_usd"])
            for r in rows(result.out)] == [("17", "estimate", "", "0.00000255")]
    assert result.err == ("tokcost: note: gemini-embedding-001: its tokenizer is not public; "
                          "estimated with o200k_base (error not measured)\n" + PRICED)


def test_conversations_are_refused_for_an_embedding_model_and_kept_for_the_others(
        cli: Run) -> None:
    chats = COUNT / "stopped_chats.jsonl"
    result = cli("count", str(chats), str(COUNT / "cookbook_messages.json"), "-m",
                 "text-embedding-3-small", "-m", "gpt-4o", "-f", "csv", *TABLE)
    assert result.status == 1
    assert [(r["path"], r["model"]) for r in rows(result.out)] == [
        (str(chats), "gpt-4o"), (str(COUNT / "cookbook_messages.json"), "gpt-4o")]
    assert result.err.splitlines() == [
        f"tokcost: error: {chats}: 3 chat conversations (the first at line 1) not counted for "
        "text-embedding-3-small: an embedding model embeds texts, not chats; give it texts "
        '(plain text, or JSON Lines of strings, {"text": ...} records or embeddings requests)',
        f"tokcost: error: {COUNT / 'cookbook_messages.json'}: 1 chat conversation (at "
        "conversation 1) not counted for text-embedding-3-small: an embedding model embeds "
        'texts, not chats; give it texts (plain text, or JSON Lines of strings, {"text": ...} '
        "records or embeddings requests)", PRICED.strip()
    ]


def test_texts_among_conversations_are_counted_for_a_chat_model_and_noted(
        cli: Run, tmp_path: Path) -> None:
    mixed = jsonl(tmp_path / "mixed.jsonl", [{"role": "user", "content": "hi"}], "hello world")
    result = cli("count", str(mixed), "-m", "gpt-4o", "-f", "csv", *TABLE)
    # The chat: 3 + `user` + `hi` + 3 priming = 8; the text: 2, with no framing.
    assert [(r["conversations"], r["messages"], r["tokens"]) for r in rows(result.out)] == [
        ("1", "1", "10")]
    assert result.err == (f"tokcost: note: {mixed}: holds both chat conversations (1) and texts "
                          "(1); each text is counted for gpt-4o as an input of its own, with "
                          "no chat framing\n" + PRICED)


@pytest.mark.parametrize(("value", "problem"), [
    ({"input": [1, 2, 3]}, "input: token ids, not text: tokcost counts text (each model's "
                           "tokenizer gives its own ids); give the texts"),
    ({"input": []}, "input: `input` must be a text or a list of texts, not an empty list"),
    ({"input": ["a", 7]}, "input: `input` must be a text or a list of texts, not a number at "
                          "[1]"),
    ({"input": None}, "input: `input` must be a text or a list of texts, not null"),
])
def test_an_embeddings_request_whose_input_is_not_text_is_one_line(
        cli: Run, tmp_path: Path, value: object, problem: str) -> None:
    bad = jsonl(tmp_path / "bad.jsonl", value, "hello world")
    result = cli("count", str(bad), "-m", "text-embedding-3-small", "-f", "csv", *TABLE)
    assert result.status == 1
    assert result.err == (f"tokcost: error: {bad}:1: {problem}\n"
                          f"tokcost: note: {bad}: skipped 1 bad line\n" + PRICED)
    assert [r["tokens"] for r in rows(result.out)] == ["2"]  # the good line is still counted


def test_only_embedding_shapes_are_read_as_texts() -> None:
    assert texts_of("a") == Texts(["a"])
    assert texts_of({"text": "a", "label": 3}) == Texts(["a"])
    assert texts_of({"input": ["a", "b"], "model": "m"}).place(1) == "input[1]"  # type: ignore[union-attr]
    # Conversations, and other endpoints' batch lines, are the conversation formats' to read.
    assert texts_of({"messages": [], "text": "a"}) is None
    assert texts_of({"custom_id": "1", "url": "/v1/responses", "body": {"input": "a"}}) is None
    assert texts_of({"input": [{"role": "user", "content": "a"}]}) is None
    assert texts_of([{"role": "user", "content": "a"}]) is None
    assert texts_of({"text": 3}) is None
    with pytest.raises(ConversationError, match=r"^body\.input: token ids"):
        texts_of({"custom_id": "1", "body": {"input": [[1, 2]]}})


# --- chat-only commands -----------------------------------------------------------------------

REFUSED = ("tokcost: error: text-embedding-3-small is an embedding model, and {what} needs a "
           "chat model (`tokcost models --mode chat` lists them)\n")


def test_simulate_and_project_turns_refuse_an_embedding_model(cli: Run) -> None:
    simulated = cli("simulate", "-m", "text-embedding-3-small", "--turns", "3", *TABLE)
    assert (simulated.status, simulated.out) == (2, "")
    assert simulated.err == REFUSED.format(what="a simulated conversation")
    projected = cli("project", "--rpd", "10", "-m", "gpt-4o", "-m", "text-embedding-3-small",
                    "--turns", "3", *TABLE)
    assert (projected.status, projected.out) == (2, "")
    assert projected.err == REFUSED.format(what="a simulated conversation")


def test_project_from_conversations_refuses_an_embedding_model(cli: Run, tmp_path: Path
                                                               ) -> None:
    chats = COUNT / "cookbook_messages.json"
    result = cli("project", "--rpd", "10", "-m", "text-embedding-3-small", "--from", str(chats),
                 "--output-tokens", "0", *TABLE)
    assert (result.status, result.out) == (2, "")
    assert result.err == REFUSED.format(
        what=f"a chat workload (the conversations of {chats})")
    # A text is what an embedding model takes: 10 tokens a request, 10 requests a day.
    text = tmp_path / "fox.txt"
    text.write_text(FOX, "utf-8")
    fine = cli("project", "--rpd", "10", "-m", "text-embedding-3-small", "--from", str(text),
               "--output-tokens", "0", "-f", "csv", *TABLE)
    assert fine.status == 0, fine.err
    # 10 tokens x $0.02 / 10^6 = $0.0000002 a request; x 10 = $0.000002 a day.
    assert [(r["input_tokens"], r["cost_per_request_usd"], r["daily_cost_usd"])
            for r in rows(fine.out)] == [("10", "0.0000002", "0.000002")]


def test_the_library_counts_a_file_at_batch_prices(tmp_path: Path, texts: Path) -> None:
    counted = tokcost.count_file(texts, ["text-embedding-3-small"], batch=True,
                                 table=tokcost.load_price_table("2026-12-01"))
    [count] = counted.counts
    assert (count.tokens, count.texts, count.input_cost_usd, count.conversations) == (
        17, 5, Decimal("0.00000017"), None)

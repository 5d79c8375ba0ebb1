"""`tokcost simulate`: growth by strategy, caching, context limits, and replaying real chats."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tokcost
from tokcost.pricing.table import PriceTable

# Written against the 2026-11-22 table, whose models (Claude Sonnet 4.5, Gemini 2.5) the newest
# one no longer sells.
pytestmark = pytest.mark.usefixtures("on_current_table")

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
COUNT = Path(__file__).parent / "data" / "count"
# In o200k_base "system", "user" and "assistant" are one token each: 3 + 1 a message.
FRAMING = 4
PRIMING = 3


def inputs(simulation: tokcost.Simulation, kind: str = "turn") -> list[int]:
    return [row.input_tokens for row in simulation.rows if row.request == kind]


@settings(max_examples=80, deadline=None)
@given(system=st.integers(0, 5000), user=st.integers(0, 3000), reply=st.integers(0, 3000),
       turns=st.integers(1, 40))
def test_full_history_matches_the_closed_form(current_table: PriceTable, system: int, user: int,
                                              reply: int, turns: int) -> None:
    simulation = tokcost.simulate("gpt-4o", turns, system_tokens=system, user_tokens=user,
                                  assistant_tokens=reply, table=current_table)
    n = turns
    content = n * system + user * n * (n + 1) // 2 + reply * n * (n - 1) // 2
    framing = (n * FRAMING if system else 0) + n * PRIMING + FRAMING * n * (n + 1) // 2 \
        + FRAMING * n * (n - 1) // 2
    assert simulation.summary.total_input_tokens == content + framing
    assert simulation.summary.total_output_tokens == n * reply


def test_window_keeps_the_input_flat(current_table: PriceTable) -> None:
    simulation = tokcost.simulate("gpt-4o", 12, strategy="window", window=3, table=current_table)
    sizes = inputs(simulation)
    assert sizes[:4] == [661, 1169, 1677, 2185]
    assert set(sizes[3:]) == {2185}


@pytest.mark.parametrize(("threshold", "summary"), [(2000, 300), (5000, 1000), (900, 100)])
def test_summarize_stays_under_threshold_plus_one_turn(current_table: PriceTable,
                                                       threshold: int, summary: int) -> None:
    simulation = tokcost.simulate("gpt-4o", 40, strategy="summarize", summarize_at=threshold,
                                  summary_tokens=summary, table=current_table)
    one_turn = (150 + FRAMING) + (350 + FRAMING)
    system = 500 + FRAMING
    assert max(inputs(simulation)) <= system + threshold + one_turn + PRIMING
    summaries = [row for row in simulation.rows if row.request == "summary"]
    assert summaries and all(row.output_tokens == summary for row in summaries)
    assert simulation.summary.requests == 40 + len(summaries)


def test_cache_on_claude_sonnet_over_30_turns(current_table: PriceTable) -> None:
    plain = tokcost.simulate("claude-sonnet-4-5", 30, table=current_table)
    cached = tokcost.simulate("claude-sonnet-4-5", 30, cache=True, table=current_table)
    assert plain.summary.total_cost_usd == Decimal("0.87714")  # 239,880 in, 10,500 out
    assert cached.summary.total_cost_usd == Decimal("0.2843667")
    # Claude's estimated framing (rule claude-4-5) is 3 tokens a message and 3 a request, so
    # turn t sends 506t + 150 prompt tokens plus 3 of priming. Turn 1 (656 tokens) is under the
    # 1,024-token minimum, so nothing is cached; turn 2 writes its whole prompt; from turn 3 each
    # reads the previous prompt ($0.30/M) and writes the new 508 tokens ($3.75/M).
    per_million = Decimal(1_000_000)
    expected = (659 * Decimal(3) + 350 * Decimal(15)) / per_million
    expected += (1162 * Decimal("3.75") + 3 * Decimal(3) + 350 * Decimal(15)) / per_million
    for t in range(3, 31):
        read = 506 * (t - 1) + 150
        expected += (read * Decimal("0.3") + 506 * Decimal("3.75") + 3 * Decimal(3)
                     + 350 * Decimal(15)) / per_million
    assert cached.summary.total_cost_usd == expected
    assert plain.summary.total_cost_usd - cached.summary.total_cost_usd == Decimal("0.5927733")


def test_one_hour_cache_writes_cost_more(current_table: PriceTable) -> None:
    five = tokcost.simulate("claude-sonnet-4-5", 10, cache=True, table=current_table)
    hour = tokcost.simulate("claude-sonnet-4-5", 10, cache=True, cache_ttl="1h",
                            table=current_table)
    written = sum(row.cache_write_tokens for row in hour.rows)
    assert five.summary.total_cost_usd is not None and hour.summary.total_cost_usd is not None
    assert hour.summary.total_cost_usd - five.summary.total_cost_usd == written * (
        Decimal(6) - Decimal("3.75")) / 1_000_000


def test_a_model_without_cache_prices_is_warned_and_uncached(seed_table: PriceTable) -> None:
    simulation = tokcost.simulate("gpt-4", 5, cache=True, table=seed_table)
    assert simulation.notes == ["gpt-4 has no prompt-cache prices; simulating without caching"]
    assert {row.cached_tokens for row in simulation.rows} == {0}


def test_first_turn_that_no_longer_fits_gpt_4o(cli: Run) -> None:
    result = cli("simulate", "-m", "gpt-4o", "--turns", "40", "--system-tokens", "0",
                 "--user-tokens", "2000", "--assistant-tokens", "2000", "-f", "table",
                 "--no-chart")
    # Turn t sends 4,008t - 2,001 tokens and gets a 2,000-token reply: 128,000 holds turn 31
    # (122,247 + 2,000), not turn 32 (126,255 + 2,000).
    rows = {line.split()[0]: line.split() for line in result.out.splitlines()
            if line.split() and line.split()[0].isdigit()}
    assert rows["31"][2] == "122,247" and rows["31"][7] == "yes"
    assert rows["32"][2] == "126,255" and rows["32"][7] == "no"
    assert "Context: from turn 32 on, a request no longer fits the context window." in result.out
    # Reserving gpt-4o's whole 16,384-token max output (a max_tokens sent at the maximum):
    # turn 28 (110,223) still fits, turn 29 (114,231) does not.
    reserved = tokcost.simulate("gpt-4o", 40, system_tokens=0, user_tokens=2000,
                                assistant_tokens=2000, max_output=16384)
    assert reserved.summary.first_turn_not_fitting == 29
    with_reserve = tokcost.simulate("gpt-4o", 40, system_tokens=0, user_tokens=2000,
                                    assistant_tokens=2000, max_output=0)
    assert with_reserve.summary.first_turn_not_fitting == 33


def test_a_model_whose_max_output_is_its_whole_window_fits_small_requests(cli: Run) -> None:
    # grok-4.3: 1,000,000 tokens of context and of max output. A 661-token request fits.
    result = cli("simulate", "--turns", "2", "-m", "grok-4.3", "-f", "csv")
    fits = [line.split(",")[7] for line in result.out.splitlines()[1:]]
    assert fits == ["true", "true"]
    # A reply longer than the model's max output does not fit, whatever the window.
    long_reply = cli("simulate", "--turns", "1", "-m", "gpt-4o", "--assistant-tokens", "20000",
                     "-f", "csv")
    assert long_reply.out.splitlines()[1].split(",")[7] == "false"


def test_replaying_a_sharegpt_conversation_matches_count(current_table: PriceTable) -> None:
    record = json.loads((COUNT / "sharegpt_four_turns.json").read_text())
    simulation = tokcost.simulate("gpt-4o", None, from_file=COUNT / "sharegpt_four_turns.json",
                                  table=current_table)
    roles = {"human": "user", "gpt": "assistant"}
    messages = [{"role": roles[t["from"]], "content": t["value"]} for t in record["conversations"]]
    expected = [tokcost.count_messages(messages[: 2 * turn + 1], "gpt-4o",
                                       table=current_table).tokens for turn in range(4)]
    assert inputs(simulation) == expected == [140, 399, 544, 657]
    replies = [tokcost.count_text(m["content"], "gpt-4o", table=current_table).tokens
               for m in messages[1::2]]
    assert [row.output_tokens for row in simulation.rows] == replies


def test_table_output_has_a_summary_and_a_chart(cli: Run) -> None:
    out = cli("simulate", "--turns", "3", "-f", "table").out
    assert "Total: 3,507 input and 1,050 output tokens in 3 requests over 3 turns, $0.0193; " \
           "$0.00642 a turn on average." in out
    assert "Growth: the last turn sends 1,677 input tokens, 2.5x the first turn's 661." in out
    assert "input tokens per request" in out and "█" in out
    assert "█" not in cli("simulate", "--turns", "3", "-f", "table", "--no-chart").out
    csv_out = cli("simulate", "--turns", "3", "-f", "csv").out
    assert csv_out.splitlines()[0].startswith("turn,request,input_tokens,cached_tokens")
    assert len(csv_out.splitlines()) == 4


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot(tmp_path: Path, cli: Run, suffix: str) -> None:
    target = tmp_path / f"growth{suffix}"
    result = cli("simulate", "--turns", "5", "--plot", str(target), "-f", "csv")
    assert result.status == 0, result.err
    head = target.read_bytes()[:8]
    assert head == b"\x89PNG\r\n\x1a\n" if suffix == ".png" else b"<svg" in target.read_bytes()


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (("--strategy", "window"), 2, "--strategy window needs --window K"),
        (("--strategy", "summarize", "--summarize-at", "100"), 2, "needs --summarize-at T and "
                                                                   "--summary-tokens S"),
        (("--strategy", "summarize", "--summarize-at", "100", "--summary-tokens", "200"), 2,
         "--summary-tokens must be more than 0 and less than --summarize-at"),
        (("--window", "3"), 2, "--window goes with --strategy window"),
        (("--turns", "0"), 2, "Invalid value for '--turns'"),
        (("--system-tokens", "10", "--system", "README.md"), 2, "not both"),
        (("--from", "tests/data/count/sharegpt_four_turns.json", "--user-tokens", "5"), 2,
         "--from replays the conversation's own sizes"),
        (("--from", "tests/data/count/sharegpt_excerpt.json"), 1,
         "--from replays one conversation; this file holds 4 conversations"),
        (("--plot", "growth.jpg"), 2, "--plot writes .png or .svg files"),
    ],
)
def test_bad_options(cli: Run, args: tuple[str, ...], status: int, message: str) -> None:
    result = cli("simulate", *args)
    assert result.status == status
    assert result.out == ""
    assert message in result.err and "Traceback" not in result.err


def test_the_library_refuses_a_cache_lifetime_without_caching() -> None:
    from tokcost.errors import OptionError

    with pytest.raises(OptionError, match="^--cache-ttl goes with --cache$"):
        tokcost.simulate("gpt-4o", 2, cache_ttl="1h")
    # With caching on, the lifetime given is the one priced; left out, it is 5 minutes.
    assert "at the 1h cache-write price" in " ".join(
        tokcost.simulate("claude-sonnet-4-6", 2, cache=True, cache_ttl="1h").assumptions)
    assert "at the 5m cache-write price" in " ".join(
        tokcost.simulate("claude-sonnet-4-6", 2, cache=True).assumptions)


def test_plot_without_matplotlib_is_one_line(monkeypatch: pytest.MonkeyPatch, cli: Run) -> None:
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    result = cli("simulate", "--turns", "3", "--plot", "growth.png")
    assert result.status == 1 and result.out == ""
    assert result.err == "tokcost: error: --plot needs matplotlib: pip install 'tokcost[plot]'\n"


def test_system_prompt_from_a_file_is_counted(tmp_path: Path, cli: Run) -> None:
    prompt = tmp_path / "system.txt"
    prompt.write_text("What is the capital of the moon?")  # 8 tokens in o200k_base
    rows = cli("simulate", "--system", str(prompt), "--turns", "1", "-f", "csv").out.splitlines()
    # 8 + 4 system framing, 150 + 4 user framing, 3 priming.
    assert rows[1].split(",")[2] == str(8 + 4 + 154 + 3)


def test_one_hour_cache_needs_its_price(seed_table: PriceTable) -> None:
    with pytest.raises(tokcost.TokcostError, match="no 1-hour cache write price"):
        tokcost.simulate("claude-3-5-haiku", 5, cache=True, cache_ttl="1h", table=seed_table)


def test_the_chart_marks_the_context_window_and_the_requests_past_it(cli: Run) -> None:
    result = cli("simulate", "-m", "gpt-4o", "--turns", "33", "--system-tokens", "0",
                 "--user-tokens", "2000", "--assistant-tokens", "2000", "-f", "table")
    lines = result.out.splitlines()
    assert lines[-1].strip() == "│ the 128,000-token context window"
    past = [line.split()[0] for line in lines if line.endswith("no longer fits")]
    assert past == ["32", "33"]
    turn_31 = next(line for line in lines if line.split()[:1] == ["31"] and "█" in line)
    assert "│" in turn_31  # the window's mark, just past the bar of a request that fits


def test_the_svg_plot_marks_the_window_and_names_what_it_draws(tmp_path: Path, cli: Run
                                                              ) -> None:
    target = tmp_path / "growth.svg"
    result = cli("simulate", "-m", "gpt-4o", "--turns", "33", "--system-tokens", "0",
                 "--user-tokens", "2000", "--assistant-tokens", "2000", "--plot", str(target),
                 "-f", "csv")
    assert result.status == 0, result.err
    svg = target.read_text()
    for words in ("context window (128,000 tokens)", "no longer fits from turn 32",
                  "input tokens of a turn", "cumulative cost", "100,000"):
        assert words in svg, words


# --- the simulator against the definition ----------------------------------------------------

def requests_by_definition(system: int, turns: list[tuple[int, int]], strategy: str,
                           window: int, summarize_at: int, summary: int
                           ) -> list[list[tuple[str, int, int]]]:
    """Each request as the list of (kind, number, tokens) messages it sends, built whole the
    way the strategies are defined: the slow, plain reading that the simulator must match."""
    head = [("system", 0, system)] if system else []
    history: list[tuple[str, int, int]] = []
    requests = []
    for number, (user, reply) in enumerate(turns, start=1):
        if strategy == "summarize" and sum(m[2] for m in history) > summarize_at:
            requests.append(head + history)
            history = [("summary", number, summary)]
        visible = history[-2 * window:] if window else []
        requests.append(head + (visible if strategy == "window" else history)
                        + [("user", number, user)])
        history = history + [("user", number, user), ("assistant", number, reply)]
    return requests


def cache_reads_by_definition(requests: list[list[tuple[str, int, int]]], minimum: int
                              ) -> list[tuple[int, int]]:
    """(tokens read from the cache, tokens written to it) for each request: the read is the
    longest leading run of messages shared with the last request written, if long enough."""
    cached: list[tuple[str, int, int]] = []
    answers = []
    for request in requests:
        shared = 0
        for old, new in zip(cached, request, strict=False):
            if old != new:
                break
            shared += new[2]
        read = shared if shared >= minimum else 0
        prompt = sum(m[2] for m in request)
        written = prompt - read if prompt >= minimum else 0
        if prompt >= minimum:
            cached = request
        answers.append((read, written))
    return answers


@settings(max_examples=150, deadline=None)
@given(system=st.sampled_from([0, 3, 900]),
       turns=st.lists(st.tuples(st.integers(0, 700), st.integers(0, 700)), min_size=1,
                      max_size=25),
       strategy=st.sampled_from(["full", "window", "summarize"]), window=st.integers(0, 4),
       summarize_at=st.integers(1, 3000), summary=st.integers(0, 400),
       minimum=st.sampled_from([0, 1, 1024, 2048]))
def test_the_simulator_sends_and_caches_what_the_strategies_define(
        current_table: PriceTable, system: int, turns: list[tuple[int, int]], strategy: str,
        window: int, summarize_at: int, summary: int, minimum: int) -> None:
    from tokcost.counting.counter import ModelCounter
    from tokcost.reports.turn_series import Series, Shape

    model = current_table.resolve("claude-sonnet-4-5").model
    counter = ModelCounter(model)
    summarizing = strategy == "summarize"
    series = Series(Shape(
        system, tuple((1, (user, reply, reply)) for user, reply in turns), strategy,
        window if strategy == "window" else None, summarize_at if summarizing else None,
        summary if summarizing else None, summary + counter.framing("assistant"),
        counter.reply_priming(), True, minimum))
    requests = requests_by_definition(system, turns, strategy, window, summarize_at,
                                      summary + counter.framing("assistant"))
    priming = counter.reply_priming()
    assert series.input == [sum(m[2] for m in request) + priming for request in requests]
    assert list(zip(series.cached, series.written, strict=True)) == \
        cache_reads_by_definition(requests, minimum)


def test_the_longest_simulation_allowed_matches_the_closed_form(current_table: PriceTable
                                                                ) -> None:
    # --turns 100000, the most allowed: each turn is simulated in constant time (a test of
    # the results only; bench.py simulate measures the time).
    simulation = tokcost.simulate("gpt-4o", 100_000, system_tokens=500, user_tokens=150,
                                  assistant_tokens=350, table=current_table)
    n = 100_000
    assert simulation.summary.total_input_tokens == (
        n * (500 + FRAMING + PRIMING) + (150 + FRAMING) * n * (n + 1) // 2
        + (350 + FRAMING) * n * (n - 1) // 2)
    assert simulation.summary.total_input_tokens == 2_540_040_700_000
    assert simulation.summary.first_turn_not_fitting == 251


# A short chat: its two replies are the two turns a replay simulates.
CHAT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello, how can I help?"},
        {"role": "user", "content": "what is 2+2?"}, {"role": "assistant", "content": "4"}]


@pytest.mark.parametrize("conversation", [CHAT, tuple(CHAT), {"messages": CHAT}],
                         ids=["messages", "tuple", "request"])
def test_the_library_replays_a_conversation_given_as_a_value(conversation: object) -> None:
    chat = tokcost.simulate("gpt-4o", conversation=conversation)  # type: ignore[arg-type]
    # Each turn's input is the prompt the API counts for the messages before its reply
    # (count_messages gives 15 and 37), its output the reply's own tokens.
    assert [(row.input_tokens, row.output_tokens) for row in chat.rows] == [(15, 7), (37, 1)]
    assert chat.assumptions[0] == ("replaying 2 turns of the conversation given, counted with "
                                   "gpt-4o's tokenizer")


def test_a_sharegpt_conversation_replays_too() -> None:
    chat = tokcost.simulate("gpt-4o", conversation={"conversations": [
        {"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello, how can I help?"}]})
    assert [(row.input_tokens, row.output_tokens) for row in chat.rows] == [(8, 7)]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: tokcost.simulate(CHAT), TypeError,  # type: ignore[arg-type]
         "simulate() takes the model name first (a str such as 'gpt-4o'), not a list; a "
         "conversation to replay goes in conversation= (a list of messages or a conversation "
         "dict)"),
        (lambda: tokcost.simulate({"messages": CHAT}), TypeError,  # type: ignore[arg-type]
         "simulate() takes the model name first (a str such as 'gpt-4o'), not a dict; a "
         "conversation to replay goes in conversation= (a list of messages or a conversation "
         "dict)"),
        (lambda: tokcost.simulate(4), TypeError,  # type: ignore[arg-type]
         "simulate() takes the model name first (a str such as 'gpt-4o'), not an int"),
        (lambda: tokcost.simulate("gpt-4o", conversation="hi"), TypeError,  # type: ignore
         "simulate() takes conversation as a list of messages or a conversation dict, not a "
         "str"),
        (lambda: tokcost.simulate("gpt-4o", from_file=CHAT), TypeError,  # type: ignore
         "simulate() takes from_file as a path or URL (a str or Path), not a list"),
        (lambda: tokcost.simulate("gpt-4o", from_file="chat.json", conversation=CHAT),
         tokcost.TokcostError, "give simulate() from_file or conversation, not both"),
        (lambda: tokcost.simulate("gpt-4o", conversation=[{"messages": CHAT}] * 2),
         tokcost.InputFileError,
         "conversation: simulate() replays one conversation; this one holds 2 conversations"),
        (lambda: tokcost.simulate("gpt-4o", conversation={"text": "hi"}),
         tokcost.InputFileError, "conversation: an object with neither `messages` nor "
         "`conversations` (nor Gemini's `contents`); not a conversation"),
        (lambda: tokcost.project(5, models=[4]), TypeError,  # type: ignore[list-item]
         "a model name is a str such as 'gpt-4o', not an int"),
        (lambda: tokcost.project(5, models=["gpt-4o"], from_file=CHAT),  # type: ignore
         TypeError, "project() takes from_file as a path or URL (a str or Path), not a list"),
        (lambda: tokcost.cost_of(CHAT, tokcost.TokenUsage(input=1)),  # type: ignore
         TypeError, "cost_of() takes a model: a table's ModelPrice or a model name such as "
         "'gpt-4o', not a list"),
        (lambda: tokcost.cost_of("gpt-4o", {"input": 1}), TypeError,  # type: ignore
         "cost_of() takes usage as a TokenUsage, such as TokenUsage(input=2000, output=500), "
         "not a dict"),
    ],
)
def test_library_calls_with_a_wrong_type_say_what_they_take(call: Any, error: type,
                                                             message: str) -> None:
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


def test_project_takes_one_model_name_as_a_str() -> None:
    projection = tokcost.project(5000, input_tokens=2000, output_tokens=500, models="gpt-4o")
    # The seed check: $50.00 a day on GPT-4o.
    assert [(row.model, row.daily_cost_usd) for row in projection.rows] == [
        ("gpt-4o", Decimal("50.000"))]


# --- many models at once: one series of requests, priced by groups billed alike --------------

def simulate_both_ways(models: list[str], turns: int, **options: object
                       ) -> tuple[list[tokcost.Simulation], list[tokcost.Simulation]]:
    from tokcost.reports.simulation import simulate_models

    return (simulate_models(models, turns, **options),
            simulate_models(models, turns, detail=False, **options))


@pytest.mark.parametrize(("user", "first", "total"), [
    # claude-haiku-5-5 re-prices a whole request above 100,000 prompt tokens (0.5 and 2.5 $/M
    # rather than 0.1 and 0.5). Turn 1 sends the user message, 3 tokens of its framing and 3
    # of reply priming: the priming counts towards the threshold as well.
    (99_993, Decimal("0.0104999"), Decimal("0.1134989")),  # 99,999: under it
    (99_994, Decimal("0.0105"), Decimal("0.1135")),  # 100,000: not above it
    (99_995, Decimal("0.0525005"), Decimal("0.1555015")),  # 100,001: above it
])
def test_a_long_context_tier_reprices_by_the_whole_input(current_table: PriceTable, user: int,
                                                          first: Decimal, total: Decimal) -> None:
    [rows], [alone] = simulate_both_ways(["claude-haiku-5-5"], 2, system_tokens=0,
                                         user_tokens=user, assistant_tokens=1000,
                                         table=current_table)
    assert [row.input_tokens for row in rows.rows] == [user + 6, 2 * user + 1012]
    # Turn 2 is above the threshold every time: 0.5 $/M in, 2.5 $/M for the 1,000 out.
    assert rows.rows[0].turn_cost_usd == first
    assert rows.rows[1].turn_cost_usd == (2 * user + 1012) * Decimal("0.5") / 10**6 \
        + Decimal("0.0025")
    assert rows.summary.total_cost_usd == alone.summary.total_cost_usd == total
    assert alone.rows == []


def test_models_that_count_alike_share_their_requests(current_table: PriceTable) -> None:
    # gpt-4o and gpt-4.1 frame messages alike (4 tokens, 3 of priming) and cache from 1,024
    # tokens: the same requests, each model's prices. claude-sonnet-4-5 frames with 3.
    [gpt_4o, gpt_41, claude], [*alone] = simulate_both_ways(
        ["gpt-4o", "gpt-4.1", "claude-sonnet-4-5"], 3, cache=True, table=current_table)
    requests = [(r.input_tokens, r.cached_tokens, r.cache_write_tokens) for r in gpt_4o.rows]
    assert requests == [(661, 0, 0), (1169, 0, 1166), (1677, 1166, 508)]
    assert [(r.input_tokens, r.cached_tokens, r.cache_write_tokens)
            for r in gpt_41.rows] == requests
    assert [r.input_tokens for r in claude.rows] == [659, 1165, 1671]
    # gpt-4o: 2.50 in (cache writes too: automatic caching), 1.25 cached, 10 out, per million.
    assert gpt_4o.summary.total_cost_usd == (
        (661 + 1169 + 1677 - 1166) * Decimal("2.5") + 1166 * Decimal("1.25") + 1050 * 10
    ) / 10**6 == Decimal("0.01781")
    assert [s.summary for s in alone] == [gpt_4o.summary, gpt_41.summary, claude.summary]


OPTIONS = st.fixed_dictionaries({
    "system_tokens": st.sampled_from([0, 500, 3000]),
    "user_tokens": st.sampled_from([0, 150, 9000, 40_000]),
    "assistant_tokens": st.sampled_from([0, 350, 20_000]),
    "strategy": st.sampled_from(["full", "window", "summarize"]),
    "cache": st.booleans(),
    "cache_ttl": st.sampled_from(["5m", "5m", "1h"]),
    "service_tier": st.sampled_from(["standard", "standard", "flex", "priority"]),
    "web_searches": st.sampled_from([0, 0, 1]),
    "max_output": st.sampled_from([None, None, 8000, 100_000]),
})


@settings(max_examples=60, deadline=None)
@given(options=OPTIONS, turns=st.integers(1, 30), window=st.integers(0, 3),
       summarize_at=st.sampled_from([1000, 50_000, 300_000]))
def test_a_summary_alone_is_the_summary_of_the_rows(
        current_table: PriceTable, options: dict, turns: int, window: int,
        summarize_at: int) -> None:
    # Models with long-context tiers (claude-haiku-5-5 from 100,000 tokens, gemini-2.5-pro
    # from 200,000, gpt-5.4 from 272,000), explicit and automatic caching, no flex or priority
    # prices for most, and no web search fee for some: whatever is priced by groups is what
    # the rows cost one by one, and whatever is unpriced is said the same way.
    models = ["claude-haiku-5-5", "gemini-2.5-pro", "gpt-5.4", "gpt-4o", "claude-sonnet-4-5"]
    if not options["cache"]:
        del options["cache_ttl"]  # it goes with cache only
    if options["strategy"] == "window":
        options["window"] = window
    if options["strategy"] == "summarize":
        options |= {"summarize_at": summarize_at, "summary_tokens": summarize_at // 10}
    try:
        rows, alone = simulate_both_ways(models, turns, table=current_table, **options)
    except tokcost.TokcostError as error:  # a 1-hour cache write price lacking: refused
        assert "1-hour cache write price" in str(error)
        return
    for each, summary in zip(rows, alone, strict=True):
        assert summary.summary == each.summary
        assert (summary.notes, summary.assumptions) == (each.notes, each.assumptions)
        costs = [row.turn_cost_usd for row in each.rows]
        if None in costs:
            assert each.summary.total_cost_usd is None
            assert each.rows[-1].cumulative_cost_usd is None
        else:
            assert each.summary.total_cost_usd == sum(costs) == each.rows[-1].cumulative_cost_usd
        not_fitting = [row.turn for row in each.rows if not row.fits]
        assert each.summary.first_turn_not_fitting == (not_fitting[0] if not_fitting else None)
        assert each.summary.total_cached_tokens == sum(row.cached_tokens for row in each.rows)
        assert each.summary.total_cache_write_tokens == sum(row.cache_write_tokens
                                                            for row in each.rows)


def test_simulate_models_takes_one_name_as_a_str_and_checks_its_arguments() -> None:
    from tokcost.reports.simulation import simulate_models

    [alone] = simulate_models("gpt-4o", 2)
    assert [row.input_tokens for row in alone.rows] == [661, 1169]
    with pytest.raises(TypeError) as raised:
        simulate_models(["gpt-4o"], 2, from_file=123)
    assert str(raised.value) == ("simulate_models() takes from_file as a path or URL (a str or "
                                 "Path), not an int")
    with pytest.raises(TypeError) as raised:
        simulate_models([["gpt-4o"]], 2)  # type: ignore[list-item]
    assert str(raised.value) == ("simulate_models() takes model names (each a str such as "
                                 "'gpt-4o'), not a list")

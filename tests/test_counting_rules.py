"""Counting rules per provider: Anthropic's estimated framing, the fitter behind every rule, and
the error band each estimate carries."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tokcost.counting.calibration import Record, cross_validated_errors, fit, measure
from tokcost.counting.features import FEATURES
from tokcost.counting.images import anthropic_image_tokens, gemini_image_tokens
from tokcost.counting.rules import bundled_rules, rule_for
from tokcost.output import accuracy_with_band
from tokcost.pricing.table import PriceTable

# The rules' tests name Claude Sonnet 4.5 and Gemini 2.5, which the newest table no longer sells.
pytestmark = pytest.mark.usefixtures("on_current_table")

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def count(cli: Run, tmp_path: Path, request: dict, *args: str) -> dict[str, str]:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    result = cli("count", str(path), "-f", "csv", *args)
    assert result.status == 0, result.err
    [row] = csv_rows(result.out)
    return row


WEATHER_TOOL = {"name": "get_weather", "description": "",
                "input_schema": {"type": "object", "properties": {"city": {"type": "string"}},
                                 "required": ["city"]}}


def weather(choice: dict | None) -> dict:
    request = {"model": "claude-sonnet-4-5", "tools": [WEATHER_TOOL], "messages": [
        {"role": "user", "content": "What's the weather in San Francisco?"}]}
    if choice is not None:
        request["tool_choice"] = choice
    return request


# --- Anthropic ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("choice", "tokens"), [
    (None, "553"),  # auto is the default
    ({"type": "auto"}, "553"),
    ({"type": "none"}, "553"),  # the tool-use prompt is there even when no tool may be used
    ({"type": "any"}, "647"),
    ({"type": "tool", "name": "get_weather"}, "647"),
])
def test_claude_with_tools_counts_the_hidden_tool_use_prompt(
        cli: Run, tmp_path: Path, choice: dict | None, tokens: str) -> None:
    # The API billed 561 for this request (with `strict` and `additionalProperties` added).
    row = count(cli, tmp_path, weather(choice))
    assert (row["format"], row["tokens"], row["accuracy"], row["error_p90_pct"]) == (
        "anthropic", tokens, "estimate", "10.7")


def test_tool_choice_switches_between_the_two_fitted_prompts(cli: Run, tmp_path: Path) -> None:
    weights = bundled_rules().rules["claude-4-5"].weights
    auto = int(count(cli, tmp_path, weather({"type": "auto"}))["tokens"])
    forced = int(count(cli, tmp_path, weather({"type": "any"}))["tokens"])
    assert forced - auto == round(weights["tool_prompt_any"] - weights["tool_prompt_auto"])
    no_tools = weather(None)
    del no_tools["tools"]
    assert int(count(cli, tmp_path, no_tools)["tokens"]) == 14


THINKING = {"type": "enabled", "budget_tokens": 1024}
QUESTION = {"role": "user", "content": "Briefly: what is 17 * 23? Think first."}


def test_thinking_with_a_budget_adds_its_prompt(cli: Run, tmp_path: Path) -> None:
    # The API billed 51 for exactly this request, and 14 for the same question without thinking.
    on = {"model": "claude-sonnet-4-5", "thinking": THINKING, "messages": [QUESTION]}
    assert count(cli, tmp_path, on)["tokens"] == "51"
    adaptive = {**on, "thinking": {"type": "adaptive"}}  # billed nothing extra (Opus 5)
    off = {"model": "claude-sonnet-4-5", "messages": [QUESTION]}
    assert count(cli, tmp_path, adaptive)["tokens"] == count(cli, tmp_path, off)["tokens"] == "22"


def test_thinking_replayed_from_an_earlier_turn_is_not_billed(cli: Run, tmp_path: Path) -> None:
    answer = {"type": "text", "text": "391"}
    thought = {"type": "thinking", "signature": "EqQBCkgIARABGAIiQL",
               "thinking": "17 * 23 = 17 * 20 + 17 * 3 = 340 + 51 = 391. " * 20}
    follow_up = {"role": "user", "content": "And 17 * 24?"}

    def turns(*blocks: dict) -> dict:
        return {"model": "claude-sonnet-4-5", "thinking": THINKING, "messages": [
            QUESTION, {"role": "assistant", "content": list(blocks)}, follow_up]}

    assert count(cli, tmp_path, turns(thought, answer))["tokens"] == "66"
    assert count(cli, tmp_path, turns(answer))["tokens"] == "66"


MULTIPLY = {"name": "multiply", "description": "", "input_schema": {
    "type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}}


def tool_loop(model: str, *thinking: dict) -> dict:
    """A request in the middle of a tool-use loop: the turn's thinking, its call, the result."""
    call = {"type": "tool_use", "id": "toolu_1", "name": "multiply", "input": {"a": 17, "b": 23}}
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "391"}
    return {"model": model, "thinking": THINKING, "tools": [MULTIPLY], "messages": [
        QUESTION, {"role": "assistant", "content": [*thinking, call]},
        {"role": "user", "content": [result]}]}


def test_the_current_tool_use_turn_s_thinking_is_billed(cli: Run, tmp_path: Path) -> None:
    # Anthropic's guide: the thinking of the turn under way (the assistant turns after the last
    # user message that is more than tool results) stays in context and is billed as input.
    # Hand-computed from claude-4-5's weights: 540 tokens of thought x 1.076 = 581 more.
    thought = {"type": "thinking", "signature": "EqQBCkgIARABGAIiQL",
               "thinking": "17 * 23 = 17 * 20 + 17 * 3 = 340 + 51 = 391. " * 20}
    assert count(cli, tmp_path, tool_loop("claude-sonnet-4-5"))["tokens"] == "676"
    assert count(cli, tmp_path, tool_loop("claude-sonnet-4-5", thought))["tokens"] == "1257"
    # Once the user speaks again the turn is over, and its thinking is stripped.
    over = tool_loop("claude-sonnet-4-5", thought)
    over["messages"].append({"role": "user", "content": "Thanks."})
    stripped = tool_loop("claude-sonnet-4-5")
    stripped["messages"].append({"role": "user", "content": "Thanks."})
    assert count(cli, tmp_path, over)["tokens"] == count(cli, tmp_path, stripped)["tokens"]


def test_models_that_keep_every_turn_s_thinking_bill_it(cli: Run, tmp_path: Path) -> None:
    # Opus 4.5, Sonnet 4.6 and later keep earlier turns' thinking: the same request as
    # test_thinking_replayed_from_an_earlier_turn_is_not_billed costs its 540 thought tokens.
    thought = {"type": "thinking", "signature": "EqQBCkgIARABGAIiQL",
               "thinking": "17 * 23 = 17 * 20 + 17 * 3 = 340 + 51 = 391. " * 20}
    request = {"model": "claude-opus-4-6", "thinking": THINKING, "messages": [
        QUESTION, {"role": "assistant", "content": [thought, {"type": "text", "text": "391"}]},
        {"role": "user", "content": "And 17 * 24?"}]}
    row = count(cli, tmp_path, request)
    # No measured request replays earlier thinking to such a model: the error is not known.
    assert (row["tokens"], row["accuracy"], row["error_p90_pct"]) == ("647", "estimate", "")
    path = tmp_path / "request.json"
    assert ("thinking from earlier turns is counted as its text, as this model keeps it; no "
            "measured request replayed such thinking") in cli("count", str(path)).err
    # Within the current tool-use turn the same model's count keeps its measured band.
    assert count(cli, tmp_path, tool_loop("claude-opus-4-6", thought))["error_p90_pct"] == "10.7"
    models = {r["model"]: r["counting_rule"] for r in csv_rows(cli("models", "-f", "csv").out)}
    assert (models["claude-opus-4-6"], models["claude-sonnet-4-5"]) == ("claude-4-6", "claude-4-5")
    # The two rules share their weights but not what thinking they bill: counted together, in
    # one command, each model still gets its own count (66 tokens without the thought).
    path.write_text(json.dumps(request))
    together = csv_rows(cli("count", str(path), "-m", "claude-sonnet-4-5", "-m",
                            "claude-opus-4-6", "-f", "csv").out)
    assert [(row["model"], row["tokens"]) for row in together] == [
        ("claude-sonnet-4-5", "66"), ("claude-opus-4-6", "647")]


def test_kept_thinking_that_cannot_be_read_makes_the_count_unmeasured(cli: Run, tmp_path: Path
                                                                      ) -> None:
    redacted = {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT" * 8}
    row = count(cli, tmp_path, tool_loop("claude-sonnet-4-5", redacted))
    # The encrypted blob is not counted as text, and the count says its error is not known.
    assert (row["tokens"], row["accuracy"], row["error_p90_pct"]) == ("676", "estimate", "")
    # Stripped from an earlier turn, it costs nothing and the band holds.
    earlier = tool_loop("claude-sonnet-4-5", redacted)
    earlier["messages"].append({"role": "user", "content": "Thanks."})
    assert count(cli, tmp_path, earlier)["error_p90_pct"] == "10.7"


def test_an_option_of_unmeasured_hidden_size_makes_the_count_unmeasured(cli: Run, tmp_path: Path
                                                                         ) -> None:
    question = {"model": "claude-opus-4-7",
                "messages": [{"role": "user", "content": "What is 2+2?"}]}
    # 7 text tokens x 1.249 + one message 3.485 + the request 2.986 = 15.2, by rule claude-4-7.
    budget = question | {"output_config": {"task_budget": {"type": "tokens", "total": 20000}}}
    path = tmp_path / "budget.json"
    path.write_text(json.dumps(budget))
    result = cli("count", str(path), "-f", "csv")
    [row] = csv_rows(result.out)
    assert (row["tokens"], row["accuracy"], row["error_p90_pct"]) == ("15", "estimate", "")
    assert ("`output_config.task_budget` adds hidden input tokens that no measured request shows "
            "the size of: not counted") in result.err
    # `effort` was measured to add nothing: the band holds.
    effort = question | {"output_config": {"effort": "high"}}
    assert count(cli, tmp_path, effort)["error_p90_pct"] == "24.3"


def test_a_system_message_mid_conversation_is_counted(cli: Run, tmp_path: Path) -> None:
    request = {"model": "claude-opus-4-8", "system": "You review code.", "messages": [
        {"role": "user", "content": "Review `def add(a, b): return a + b`."},
        {"role": "assistant", "content": "Looks fine."},
        {"role": "system", "content": "From now on, answer in French."},
        {"role": "user", "content": "And `def sub(a, b): return a - b`?"}]}
    path = tmp_path / "mid.json"
    path.write_text(json.dumps(request))
    rows = csv_rows(cli("count", str(path), "--per-message", "-f", "csv").out)
    assert [(row["role"], row["tokens"]) for row in rows] == [
        ("system", "8"), ("user", "20"), ("assistant", "7"), ("system", "14"), ("user", "21"),
        ("(request framing)", "3")]
    assert count(cli, tmp_path, request)["tokens"] == "73"  # the rows add up to the total


def test_documents_and_server_tool_blocks_are_counted_and_marked(cli: Run, tmp_path: Path
                                                                  ) -> None:
    request = {"model": "claude-sonnet-4-5", "messages": [
        {"role": "user", "content": [
            {"type": "document", "source": {"type": "text", "media_type": "text/plain",
                                            "data": "The invoice total is $49.00."}},
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                            "data": "JVBERi0xLjQK"}},
            {"type": "text", "text": "Summarise both."}]},
        {"role": "assistant", "content": [
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search",
             "input": {"query": "invoice totals"}}]}]}
    path = tmp_path / "blocks.json"
    path.write_text(json.dumps(request))
    result = cli("count", str(path), "-f", "csv")
    assert result.status == 0, result.err
    [row] = csv_rows(result.out)
    assert (row["format"], row["tokens"], row["accuracy"]) == ("anthropic", "43", "estimate")
    assert row["error_p90_pct"] == ""  # a PDF and server-tool blocks: no measurement covers them
    assert "application/pdf content is not counted" in result.err
    assert "document blocks counted as their text" in result.err
    assert "server_tool_use blocks counted as their text" in result.err


TWO_PAGE_PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                b"2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >> endobj\n"
                b"3 0 obj << /Type /Page /Parent 2 0 R >> endobj\n"
                b"4 0 obj << /Type/Page /Parent 2 0 R >> endobj\n%%EOF\n")


def test_a_pdf_is_estimated_by_its_pages(cli: Run, tmp_path: Path) -> None:
    import base64

    data = base64.b64encode(TWO_PAGE_PDF).decode()
    claude = {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": [
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                        "data": data}},
        {"type": "text", "text": "Summarise."}]}]}
    gemini = {"contents": [{"role": "user", "parts": [
        {"inlineData": {"mimeType": "application/pdf", "data": data}}, {"text": "Summarise."}]}]}
    path = tmp_path / "pdf.json"
    path.write_text(json.dumps(claude))
    result = cli("count", str(path), "-f", "csv")
    # 2 pages of 3,100 (the page as an image and the guide's lowest text), and the question
    [row] = csv_rows(result.out)
    assert (row["tokens"], row["error_p90_pct"]) == (str(2 * 3100 + 11), "")  # unmeasured
    assert "a PDF counted as 3,100 tokens a page (2 pages): an estimate" in result.err
    assert count(cli, tmp_path, gemini, "-m", "gemini-2.5-pro")["tokens"] == str(2 * 258 + 5)


def test_pdf_pages_come_from_the_page_tree() -> None:
    import base64

    from tokcost.counting.images import pdf_page_count

    def encoded(data: bytes) -> str:
        return base64.b64encode(data).decode()

    assert pdf_page_count(encoded(TWO_PAGE_PDF)) == 2
    # An incremental update rewrites page 2: still two pages, by the page tree's /Count.
    updated = TWO_PAGE_PDF + b"4 0 obj << /Type/Page /Parent 2 0 R /Rotate 90 >> endobj\n"
    assert pdf_page_count(encoded(updated)) == 2
    assert pdf_page_count(encoded(b"%PDF-1.7\n" + b"x" * 50)) is None  # compressed: unreadable
    assert pdf_page_count(encoded(b"not a pdf")) is None


def test_newer_claude_counts_more_for_the_same_text(cli: Run, tmp_path: Path) -> None:
    text = "The quick brown fox jumps over the lazy dog. " * 100
    request = {"system": "Summarise.", "messages": [{"role": "user", "content": text}]}
    sonnet = count(cli, tmp_path, request, "-m", "claude-sonnet-4-5")
    opus = count(cli, tmp_path, request, "-m", "claude-opus-4-8")
    gpt = count(cli, tmp_path, request, "-m", "gpt-4o")
    # 1,005 text tokens in o200k_base, two messages (3.485) and the request (2.986): Sonnet 4.5
    # weighs the text 1.076, Opus 4.7 and later 1.249.
    assert (gpt["tokens"], sonnet["tokens"], opus["tokens"]) == ("1016", "1091", "1265")


def test_anthropic_and_gemini_images_by_their_published_rules() -> None:
    assert anthropic_image_tokens(200, 200).tokens == 54  # 40,000 / 750, rounded up
    assert anthropic_image_tokens(3000, 1000).tokens == 1094  # long edge to 1568: 1568x523
    assert anthropic_image_tokens(1500, 900).tokens == 1600  # over the cap: scaled to it
    assert anthropic_image_tokens(None, None).tokens == 1600
    assert gemini_image_tokens(300, 300).tokens == 258
    assert gemini_image_tokens(1000, 800).tokens == 4 * 258  # 2 x 2 tiles of 768
    assert gemini_image_tokens(None, None).tokens == 258


def test_every_claude_and_gemini_model_has_a_measured_rule(current_table: PriceTable,
                                               seed_table: PriceTable) -> None:
    for table in (current_table, seed_table):
        for model in table.snapshot.models.values():
            rule = rule_for(model)
            if model.provider in ("anthropic", "google"):
                assert rule.method == "weighted" and rule.measured is not None, model.id
            if model.tokenizer.accuracy == "exact":
                assert rule.name == "openai", model.id


# --- Gemini ------------------------------------------------------------------------------------

GEMINI_TOOLS = [{"functionDeclarations": [{
    "name": "get_weather", "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}}]}]
ASK = {"role": "user", "parts": [{"text": "What's the weather in Lisbon?"}]}


def gemini_turn(signature: str | None) -> dict:
    call = {"functionCall": {"name": "get_weather", "args": {"city": "Lisbon"}}}
    if signature is not None:
        call["thoughtSignature"] = signature
    return {"tools": GEMINI_TOOLS, "contents": [
        ASK, {"role": "model", "parts": [call]},
        {"role": "user", "parts": [{"functionResponse": {
            "name": "get_weather", "response": {"temperature": 21, "sky": "sunny"}}}]}]}


def test_gemini_has_no_openai_framing(cli: Run, tmp_path: Path) -> None:
    hello = {"contents": [{"role": "user", "parts": [{"text": "Hello"}]}]}
    for model in ("gemini-2.5-flash", "gemini-3-flash-preview"):
        row = count(cli, tmp_path, hello, "-m", model)
        assert (row["format"], row["tokens"]) == ("gemini", "2"), model  # Gemini reports 2
    assert count(cli, tmp_path, hello, "-m", "gpt-4o")["tokens"] == "8"  # OpenAI's framing


# The turn's features in o200k_base: 16 text tokens in 3 messages, a call of 8 tokens (name and
# arguments), a tool of 34 tokens of JSON. Through the Gemini API (rule gemini-3): 16 x 0.989 +
# 3 x 1.027 + 8 x 1.409 + 34 x 1.049 = 65.843; 300 signature bytes add 300 x 0.269 = 80.7.
# Gemini 2.5 bills them at 0.018 a byte: 62.987 + 5.4 = 68.387.
@pytest.mark.parametrize(("request_body", "flash_2_5", "flash_3"), [
    ({"tools": GEMINI_TOOLS, "contents": [ASK]}, "40", "43"),
    (gemini_turn(None), "63", "66"),  # a function call and its response
    # 300 bytes of replayed thought signature: billed by Gemini 3, not by Gemini 2.5
    (gemini_turn("A" * 400), "68", "147"),
])
def test_gemini_tools_calls_and_signatures(cli: Run, tmp_path: Path, request_body: dict,
                                           flash_2_5: str, flash_3: str) -> None:
    assert count(cli, tmp_path, request_body, "-m", "gemini-2.5-flash")["tokens"] == flash_2_5
    assert count(cli, tmp_path, request_body, "-m", "gemini-3-flash-preview")["tokens"] == flash_3


def test_a_gemini_model_named_through_vertex_ai_is_counted_as_vertex_ai_bills(
        cli: Run, tmp_path: Path) -> None:
    # Rule gemini-3-vertex: 16 x 0.989 + 3 x 0.069 + 8 x 0.0 + 34 x 0.18 + 300 x 0.003 = 23.051:
    # Vertex AI bills no replayed signature, and less for the framing and the tools.
    row = count(cli, tmp_path, gemini_turn("A" * 400), "-m", "vertex_ai/gemini-3-flash-preview")
    assert (row["model"], row["tokens"], row["accuracy"], row["error_p90_pct"]) == (
        "vertex_ai/gemini-3-flash-preview", "23", "estimate", "9.5")
    # Named through the Gemini API, whose prices the table holds, it is the table's entry,
    # counted as that platform bills it, with its band.
    row = count(cli, tmp_path, gemini_turn("A" * 400), "-m", "gemini/gemini-3-flash-preview")
    assert (row["model"], row["tokens"], row["error_p90_pct"]) == (
        "gemini-3-flash-preview", "147", "22.6")


def test_a_request_naming_a_vertex_ai_resource_is_counted_through_vertex_ai(
        cli: Run, tmp_path: Path) -> None:
    body = gemini_turn("A" * 400) | {
        "model": "projects/p/locations/us-central1/publishers/google/models/"
                 "gemini-3-flash-preview"}
    row = count(cli, tmp_path, body)  # no -m: the request's own model
    assert (row["model"], row["tokens"], row["error_p90_pct"]) == (
        "vertex_ai/gemini-3-flash-preview", "23", "9.5")


def test_a_gemini_model_named_without_its_platform_claims_no_band_the_platforms_disagree_on(
        cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(gemini_turn("A" * 400)))
    result = cli("count", str(path), "-f", "csv", "-m", "gemini-3-flash-preview")
    assert result.status == 0, result.err
    [row] = csv_rows(result.out)
    # The Gemini API's count (the table's prices are its own), 147 against Vertex AI's 23.
    assert (row["tokens"], row["accuracy"], row["error_p90_pct"]) == ("147", "estimate", "")
    assert ("rule gemini-3: the Gemini API and Vertex AI bill replayed thought signatures "
            "differently") in result.err
    assert "name the model vertex_ai/MODEL or gemini/MODEL" in result.err
    # A short text both bill alike within the band keeps it: 5 text tokens and one message,
    # 5 x 0.989 + 1.027 = 5.972 through the Gemini API, 5 x 0.989 + 0.069 = 5.014 through
    # Vertex AI: 6 and 5 are 1 token apart, within 22.6% of 6.
    text = {"contents": [{"role": "user", "parts": [{"text": "What is the time?"}]}]}
    row = count(cli, tmp_path, text, "-m", "gemini-3-flash-preview")
    assert (row["tokens"], row["error_p90_pct"]) == ("6", "22.6")


# Rule claude-4-7 on the weather request: 7 text tokens x 1.249 + one message 3.485 + the
# request 2.986 + one tool 7.211 + 28 tokens of its JSON x 1.379 = 61.037, and the prompt.
@pytest.mark.parametrize(("choice", "tokens", "band"), [
    # The auto prompt, 299.731, was fitted on the one tool request of that generation: 360.768.
    ({"type": "auto"}, "361", "24.3"),
    # No request of that generation forced a tool: that prompt keeps its starting value, 313.
    ({"type": "any"}, "374", ""),
])
def test_a_weight_no_request_measured_makes_the_count_unmeasured(
        cli: Run, tmp_path: Path, choice: dict, tokens: str, band: str) -> None:
    row = count(cli, tmp_path, weather(choice), "-m", "claude-opus-4-8")
    assert (row["tokens"], row["accuracy"], row["error_p90_pct"]) == (tokens, "estimate", band)
    assert bundled_rules().rules["claude-4-7"].unmeasured == {"tool_prompt_any"}


# --- every estimate says how good it is ----------------------------------------------------------

def test_every_estimated_row_carries_its_error_band(cli: Run, current_table: PriceTable) -> None:
    models = [arg for model in sorted(current_table.snapshot.models) for arg in ("-m", model)]
    machine = csv_rows(cli("count", "examples/support-chat.json", "-f", "csv", *models).out)
    table = cli("count", "examples/support-chat.json", "-f", "table", *models).out
    assert len(machine) == len(current_table.snapshot.models)
    for row in machine:
        model = current_table.snapshot.models[row["model"]]
        rule = rule_for(model)
        if row["accuracy"] == "exact":
            assert row["error_p90_pct"] == "", row
        elif rule.measured is not None:
            assert float(row["error_p90_pct"]) == round(rule.measured.p90_pct, 1), row
            line = next(line for line in table.splitlines() if f" {row['model']} " in line)
            assert accuracy_with_band("estimate", rule.error_p90_pct()) in line
        else:  # a stand-in nobody has measured says so, at the terminal too
            assert row["error_p90_pct"] == "", row
            line = next(line for line in table.splitlines() if f" {row['model']} " in line)
            assert "estimate (unmeasured)" in line


@pytest.mark.parametrize("command", [
    ("project", "--from", "examples/support-chat.json", "--rpd", "100"),
    ("simulate", "--from", "examples/support-chat.json", "--no-chart"),
    ("count", "--per-message", "examples/support-chat.json"),
], ids=["project", "simulate", "count-per-message"])
@pytest.mark.parametrize(("model", "accuracy", "band", "shown"), [
    ("claude-sonnet-4-6", "estimate", "10.7", "estimate ±11%"),  # rule claude-4-6
    ("gpt-4o", "exact", "", "exact"),
])
def test_every_counted_row_of_every_command_says_how_sure_it_is(
        cli: Run, command: tuple[str, ...], model: str, accuracy: str, band: str,
        shown: str) -> None:
    machine = csv_rows(cli(*command, "-m", model, "-f", "csv").out)
    assert machine and {(row["accuracy"], row["error_p90_pct"]) for row in machine} == {
        (accuracy, band)}
    objects = json.loads(cli(*command, "-m", model, "-f", "json").out)
    assert {(row["accuracy"], row["error_p90_pct"]) for row in objects} == {
        (accuracy, float(band) if band else None)}
    table = cli(*command, "-m", model, "-f", "table").out.splitlines()
    start = next(number for number, line in enumerate(table)
                 if line and set(line) <= {"-", " "}) + 1
    rows = table[start:table.index("", start) if "" in table[start:] else None]
    assert rows and all(line.rstrip().endswith(shown) for line in rows), table


def test_a_message_row_is_as_sure_as_its_own_conversation(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "two.jsonl"
    plain = {"messages": [{"role": "user", "content": "Hello there"}]}
    path.write_text(json.dumps(weather({"type": "any"})) + "\n" + json.dumps(plain) + "\n")
    result = cli("count", str(path), "--per-message", "-m", "claude-opus-4-8", "-f", "csv")
    assert result.status == 0, result.err
    bands = {(row["conversation"], row["error_p90_pct"]) for row in csv_rows(result.out)}
    # The first needs a weight no request measured; the second is plain text, measured.
    assert bands == {("1", ""), ("2", "24.3")}
    [file_row] = csv_rows(cli("count", str(path), "-m", "claude-opus-4-8", "-f", "csv").out)
    assert (file_row["accuracy"], file_row["error_p90_pct"]) == ("estimate", "")


# --- the fitter --------------------------------------------------------------------------------

def synthetic_records(weights: dict[str, float], count: int, seed: int) -> list[Record]:
    """Requests of random shape, billed exactly by ``weights`` (rounded, as a provider is)."""
    rng = random.Random(seed)
    records = []
    for number in range(count):
        tools = rng.random() < 0.5
        features: dict[str, float] = {
            "request": 1, "message": rng.randint(1, 9), "text": rng.randint(3, 4000)}
        if tools:
            features |= {"tools": rng.randint(1, 4), "tool_json": rng.randint(20, 400),
                         rng.choice(["tool_prompt_auto", "tool_prompt_any"]): 1}
        if rng.random() < 0.3:
            features["thinking"] = 1
        billed = round(sum(value * weights.get(name, 0) for name, value in features.items()))
        records.append(Record(features, billed, f"session-{number // 3}"))
    return records


def test_the_fit_recovers_known_constants() -> None:
    known = {"text": 1.25, "message": 4.0, "request": 7.0, "tools": 10.0, "tool_json": 1.5,
             "tool_prompt_auto": 400.0, "tool_prompt_any": 300.0, "thinking": 30.0}
    records = synthetic_records(known, 120, seed=7)
    free = list(known)
    fitted = fit(records, free, {name: 1.0 for name in FEATURES})
    for name, value in known.items():
        assert fitted[name] == pytest.approx(value, rel=0.02, abs=1.0), name
    # Held out a session at a time, the estimates are within rounding of the billed counts.
    measured = measure(cross_validated_errors(records, lambda rest: fit(rest, free, {})))
    assert measured.records == 120
    assert measured.p90_pct < 1.0


def test_cross_validated_errors_follow_the_records_order_when_groups_interleave() -> None:
    # Sessions "a" and "b" alternate; each record's error must stay with that record.
    records = [Record({"text": 10}, 10, "a"), Record({"text": 10}, 20, "b"),
               Record({"text": 10}, 10, "a"), Record({"text": 10}, 20, "b")]
    # Held out, session "a" is estimated with b's ratio (2.0) and "b" with a's (1.0).
    errors = cross_validated_errors(records, lambda rest: fit(rest, ["text"], {"text": 1.0}))
    assert errors == [pytest.approx(1.0), pytest.approx(-0.5),
                      pytest.approx(1.0), pytest.approx(-0.5)]


def test_a_feature_the_records_never_show_keeps_its_prior() -> None:
    records = synthetic_records({"text": 1.1, "request": 5.0, "message": 3.0}, 30, seed=3)
    fitted = fit([r for r in records if "thinking" not in r.features],
                 ["text", "request", "message", "structured"], {"structured": 140.0})
    assert fitted["structured"] == pytest.approx(140.0)
    assert fitted["text"] == pytest.approx(1.1, rel=0.02)


def test_the_readme_table_of_rules_is_the_bundled_one() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme[readme.index("### How exact is each count?"):readme.index("## Projecting")]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`"):
            for name in cells[0].replace("`", "").split(", "):
                rows[name] = (int(cells[2]), cells[3], cells[4])
    measured = {name: rule.measured for name, rule in bundled_rules().rules.items()
                if rule.measured is not None}
    assert rows.keys() == measured.keys()
    for name, m in measured.items():
        assert rows[name] == (m.records, f"{m.median_pct:.1f}%", f"{m.p90_pct:.1f}%"), name


# --- tokcost calibrate ---------------------------------------------------------------------------

def test_calibrate_recovers_known_constants_and_applies_them(cli: Run, tmp_path: Path) -> None:
    from tokcost.counting.tokenizers import get_encoding

    encoding = get_encoding("o200k_base")
    rng = random.Random(11)
    words = "the quick brown fox jumps over a lazy dog while seven zebras sing".split()
    known = {"text": 1.3, "message": 5.0, "request": 9.0}  # a provider we pretend to know

    def request(turns: int) -> dict:
        return {"model": "deepseek-v4-flash", "messages": [
            {"role": "user" if i % 2 == 0 else "assistant",
             "content": " ".join(rng.choice(words) for _ in range(rng.randint(2, 400)))}
            for i in range(turns)]}

    def billed(body: dict) -> int:
        text = sum(len(encoding.encode_ordinary(m["content"])) for m in body["messages"])
        return round(known["text"] * text + known["message"] * len(body["messages"])
                     + known["request"])

    log = tmp_path / "log.jsonl"
    lines = []
    for _ in range(60):
        body = request(rng.randint(1, 7))
        lines.append(json.dumps({"request": body, "response": {
            "model": "deepseek-v4-flash", "usage": {"prompt_tokens": billed(body)}}}))
    lines.append("{not json")  # a bad line is reported; the others still count
    log.write_text("\n".join(lines) + "\n")
    calibration = tmp_path / "cal.json"
    result = cli("calibrate", str(log), "-w", str(calibration), "-f", "csv")
    assert result.status == 1  # the bad line
    assert f"{log}:61: not JSON" in result.err
    [row] = csv_rows(result.out)
    assert (row["model"], row["rule"], row["records"]) == ("deepseek-v4-flash", "openai", "60")
    assert float(row["p90_error_after_pct"]) < 1.0 < float(row["p90_error_before_pct"])
    weights = json.loads(calibration.read_text())["models"]["deepseek-v4-flash"]["weights"]
    for name, value in known.items():
        assert weights[name] == pytest.approx(value, rel=0.02, abs=0.6), name

    fresh = request(3)
    path = tmp_path / "fresh.json"
    path.write_text(json.dumps(fresh))
    [calibrated] = csv_rows(cli("count", str(path), "--calibration", str(calibration),
                                "-f", "csv").out)
    assert abs(int(calibrated["tokens"]) - billed(fresh)) <= 2
    assert calibrated["error_p90_pct"] != ""  # the calibration's own measured error
    # --calibration holds for its own run only, even within one process
    [bundled] = csv_rows(cli("count", str(path), "-f", "csv").out)
    assert bundled["error_p90_pct"] == ""  # deepseek's stand-in is not measured


def test_calibrate_keeps_the_bundled_rule_with_too_few_records(cli: Run, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"request": {"model": "claude-sonnet-4-5", "messages": [
        {"role": "user", "content": "hello"}]}, "response": {"usage": {
            "input_tokens": 8, "cache_read_input_tokens": 0}}}) + "\n")
    result = cli("calibrate", str(log), "-f", "csv")
    assert result.status == 0, result.err
    [row] = csv_rows(result.out)
    assert row["result"] == "too few records (1 of 10): the bundled rule is kept"
    assert row["median_error_before_pct"] == "0"  # estimated 8, billed 8


def claude_log(path: Path, model: str, records: int, scale: float) -> None:
    """``records`` one-message requests to ``model``, each billed ``scale`` times its count by
    the bundled rule claude-4-5 (2.986 + 3.485 + 1.076 a text token)."""
    from tokcost.counting.tokenizers import get_encoding

    encoding = get_encoding("o200k_base")
    lines = []
    for number in range(records):
        text = " ".join(["word"] * (20 + 37 * number))
        bundled = 2.986 + 3.485 + 1.076 * len(encoding.encode_ordinary(text))
        lines.append(json.dumps({"model": model, "request": {"messages": [
            {"role": "user", "content": text}]}, "response": {"usage": {
                "input_tokens": round(bundled * scale)}}}))
    path.write_text("\n".join(lines) + "\n")


def test_calibrate_takes_a_model_the_newest_table_lacks_from_the_table_that_has_it(
        cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKCOST_PRICING")  # the bundled tables, newest first
    log = tmp_path / "log.jsonl"
    claude_log(log, "claude-sonnet-4-5", 12, 1.2)  # sold until table 2026-11-22
    calibration = tmp_path / "cal.json"
    result = cli("calibrate", str(log), "-f", "csv", "-w", str(calibration))
    assert result.status == 0, result.err
    [row] = csv_rows(result.out)
    assert (row["model"], row["rule"], row["records"]) == ("claude-sonnet-4-5", "claude-4-5",
                                                           "12")
    assert row["result"].startswith("calibrated")
    assert ("tokcost: note: claude-sonnet-4-5: not in price table 2026-12-01; its counting rule "
            "(claude-4-5) is the one table 2026-11-22 gives it (a rule does not depend on "
            "prices)") in result.err.splitlines()
    assert list(json.loads(calibration.read_text())["models"]) == ["claude-sonnet-4-5"]


def test_calibrate_leaves_a_calibration_file_alone_when_nothing_is_calibrated(
        cli: Run, tmp_path: Path) -> None:
    calibration = tmp_path / "cal.json"
    log = tmp_path / "log.jsonl"
    claude_log(log, "claude-sonnet-4-5", 12, 1.2)
    assert cli("calibrate", str(log), "-f", "csv", "-w", str(calibration)).status == 0
    calibration.chmod(0o640)
    before = calibration.read_bytes()
    missing = tmp_path / "nosuch.jsonl"
    result = cli("calibrate", str(missing), "-w", str(calibration))
    assert result.status == 1
    assert result.err.splitlines() == [
        f"tokcost: error: {missing}: no such file",
        f"tokcost: error: no model was calibrated, so {calibration} is left as it was"]
    assert calibration.read_bytes() == before
    few = tmp_path / "few.jsonl"  # read, but too few records to fit
    claude_log(few, "claude-sonnet-4-5", 3, 1.2)
    result = cli("calibrate", str(few), "-f", "csv", "-w", str(calibration))
    assert result.status == 1 and calibration.read_bytes() == before
    assert "too few records (3 of 10)" in result.out
    # A calibration written over the file replaces it whole, keeping its permissions, and
    # leaves nothing beside it.
    claude_log(log, "claude-sonnet-4-5", 12, 1.5)
    assert cli("calibrate", str(log), "-f", "csv", "-w", str(calibration)).status == 0
    assert calibration.read_bytes() != before and calibration.stat().st_mode & 0o777 == 0o640
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "cal.json", "few.jsonl", "log.jsonl"]
    fresh = tmp_path / "fresh.json"
    assert cli("calibrate", str(missing), "-w", str(fresh)).status == 1
    assert not fresh.exists()


def test_calibrate_tells_vertex_ai_responses_from_the_gemini_apis(cli: Run, tmp_path: Path
                                                                  ) -> None:
    hello = {"contents": [{"role": "user", "parts": [{"text": "Hello"}]}]}
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(json.dumps(line) for line in (
        {"request": hello, "response": {"modelVersion": "gemini-3-flash-preview",
                                        "usageMetadata": {"promptTokenCount": 2}}},
        # Vertex AI says how it served a request; the Gemini API does not.
        {"request": hello, "response": {"modelVersion": "gemini-3-flash-preview",
                                        "usageMetadata": {"promptTokenCount": 1,
                                                          "trafficType": "ON_DEMAND"}}},
    )) + "\n")
    result = cli("calibrate", str(log), "-f", "csv")
    assert result.status == 0, result.err
    # "Hello" is 1 token: 0.989 + 1.027 = 2.016 by rule gemini-3, 0.989 + 0.069 = 1.058 by
    # rule gemini-3-vertex; both as billed.
    assert [(row["model"], row["rule"], row["median_error_before_pct"])
            for row in csv_rows(result.out)] == [
        ("gemini-3-flash-preview", "gemini-3", "0"),
        ("vertex_ai/gemini-3-flash-preview", "gemini-3-vertex", "0")]


def test_a_calibration_file_that_is_not_one_is_one_clear_error(cli: Run, tmp_path: Path) -> None:
    bad = tmp_path / "cal.json"
    bad.write_text('{"models": {}}')
    result = cli("count", "examples/support-chat.json", "--calibration", str(bad))
    assert result.status != 0 and result.out == ""
    assert result.err.strip().splitlines()[-1].endswith(
        "not a calibration file written by tokcost calibrate (format None, not 1); write one "
        "with `tokcost calibrate LOG -w FILE`")


# --- odd but valid requests, and bad calibration files ------------------------------------------

def test_anthropic_tool_results_with_no_content_or_an_image(cli: Run, tmp_path: Path) -> None:
    def turns(content: object) -> dict:
        return {"model": "claude-sonnet-4-5", "messages": [
            {"role": "user", "content": "Show me the chart."},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "chart",
                                               "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
                                          "content": content}]}]}

    empty = int(count(cli, tmp_path, turns(None))["tokens"])  # null content, as SDK dumps have
    chart = {"type": "image", "source": {"type": "url", "url": "https://example.com/chart.png"}}
    with_image = int(count(cli, tmp_path, turns([chart]))["tokens"])
    assert with_image - empty == 1600  # size unknown: Anthropic's largest, by its rule


def test_server_tools_make_a_request_anthropic(cli: Run, tmp_path: Path) -> None:
    request = {"model": "claude-sonnet-4-5", "tools": [
        {"type": "web_search_20250305", "name": "web_search"}], "messages": [
        {"role": "user", "content": "News?"},
        {"role": "assistant", "content": [
            {"type": "server_tool_use", "id": "s1", "name": "web_search",
             "input": {"query": "news"}},
            {"type": "web_search_tool_result", "tool_use_id": "s1", "content": []}]}]}
    assert count(cli, tmp_path, request)["format"] == "anthropic"


def test_openai_allowed_tools_in_auto_mode_is_not_a_forced_tool(cli: Run, tmp_path: Path
                                                                ) -> None:
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}
    base = {"messages": [{"role": "user", "content": "Weather?"}], "tools": [tool]}
    allowed = {**base, "tool_choice": {"type": "allowed_tools", "mode": "auto",
                                       "tools": [{"type": "function", "name": "get_weather"}]}}
    auto = count(cli, tmp_path, {**base, "tool_choice": "auto"}, "-m", "claude-sonnet-4-5")
    assert count(cli, tmp_path, allowed, "-m", "claude-sonnet-4-5")["tokens"] == auto["tokens"]


@pytest.mark.parametrize(("entry", "problem"), [
    ({"rule": "x", "method": "weighted", "about": "a"}, "rule 'x': a weighted rule needs its "
                                                        "weights"),
    ({"rule": "x", "method": "weighted", "about": "a", "weights": {"text": -1}},
     "rule 'x': weight 'text' must be a finite number of 0 or more, not -1"),
    ({"rule": "x", "method": "bogus", "about": "a", "weights": {"text": 1}},
     "rule 'x': unknown method 'bogus'"),
    ({"rule": "x", "method": "weighted", "about": "a", "weights": {"text": 1},
      "images": "paint"}, "rule 'x': unknown image rule 'paint'"),
    ({"rule": "x", "method": "weighted", "about": "a", "weights": {"text": 1},
      "thinking_kept": "some"},
     "rule 'x': thinking_kept must be one of none, current_turn, all, not 'some'"),
])
def test_a_malformed_calibration_is_refused_with_its_reason(cli: Run, tmp_path: Path,
                                                            entry: dict, problem: str) -> None:
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({"format": 1, "models": {"claude-sonnet-4-5": entry}}))
    result = cli("count", "examples/support-chat.json", "--calibration", str(path))
    assert result.status == 1 and result.out == ""
    assert f"({problem})" in result.err


@pytest.mark.parametrize("model", ["claude-sonnet-4-5", "gemini-3-flash-preview", "gpt-4o"])
def test_simulate_from_agrees_with_count_on_the_same_request(cli: Run, tmp_path: Path,
                                                             model: str) -> None:
    asked = weather({"type": "auto"})
    asked["messages"].append({"role": "assistant", "content": "It is sunny, 21 °C."})
    many = {"messages": [{"role": role, "content": "ok"} for _ in range(30)
                         for role in ("user", "assistant")]}
    for conversation in (asked, many):
        path = tmp_path / "conversation.json"
        path.write_text(json.dumps(conversation))
        rows = csv_rows(cli("simulate", "--from", str(path), "-m", model, "-f", "csv").out)
        prompt = {**conversation, "messages": conversation["messages"][:-1]}
        expected = count(cli, tmp_path, prompt, "-m", model)["tokens"]
        assert rows[-1]["input_tokens"] == expected  # the last turn sends all but the reply

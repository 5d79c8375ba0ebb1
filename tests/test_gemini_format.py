"""Gemini ``generateContent`` requests: read into OpenAI-shaped messages, detected by the CLI, and
written back from a conversation of any format.

Token counts are asserted for gpt-4o, whose count follows OpenAI's published rule, so that they
stay put when the estimate rules for Gemini models change; for Gemini models the tests check
which model and format a request is counted as.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokcost.errors import TokcostError
from tokcost.formats.conversations import ConversationError, parse_conversations
from tokcost.formats.gemini import parse_gemini, to_gemini_request

# The rules' tests name Claude Sonnet 4.5 and Gemini 2.5, which the newest table no longer sells.
pytestmark = pytest.mark.usefixtures("on_current_table")

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
GEMINI = Path(__file__).parent / "data" / "gemini"
REQUEST = GEMINI / "request.json"
# A 64x32 PNG, the one in request.json.
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAEAAAAAgCAIAAAAt/+nTAAAASElEQVR4nO3PwQkAMBCEwO2/6aSIe4ggTAG6t"
       "6nxBQ3I8QUNyPEFDcjxBQ3I8QUNyPEFDcjxBQ3I8QUNyPEFDcjxBQ3I8QVHHzLD+GoHbk06AAAAAElFTkSuQmCC")
URL_SAFE_PNG = PNG.replace("+", "-").replace("/", "_")


def rows(out: str) -> list[dict[str, str]]:
    """The CSV rows, by column name."""
    return list(csv.DictReader(io.StringIO(out)))


def user(*parts: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "parts": list(parts)}


# --- reading ---------------------------------------------------------------------------------

def test_text_turns() -> None:
    conversation = parse_gemini({"contents": [
        user({"text": "Hi there"}),
        {"role": "model", "parts": [{"text": "Hello!"}, {"text": " How can I help?"}]},
        {"parts": [{"text": "A turn without a role is the user's."}]},
    ]})
    assert conversation.messages == [
        {"role": "user", "content": "Hi there"},
        {"role": "assistant", "content": [{"type": "text", "text": "Hello!"},
                                          {"type": "text", "text": " How can I help?"}]},
        {"role": "user", "content": "A turn without a role is the user's."},
    ]
    assert conversation.source_format == "gemini"
    assert conversation.tools == []
    assert conversation.model is None


TWO_PARTS = [{"text": "Be brief."}, {"text": "Use metric units."}]


@pytest.mark.parametrize(("system", "kept"), [
    ({"systemInstruction": {"parts": TWO_PARTS}}, {"parts": TWO_PARTS}),
    ({"system_instruction": {"role": "user", "parts": TWO_PARTS}},
     {"role": "user", "parts": TWO_PARTS}),
    ({"systemInstruction": "Be brief.\nUse metric units."},
     {"parts": [{"text": "Be brief.\nUse metric units."}]}),
])
def test_system_instruction_in_both_spellings_and_as_text(system: dict[str, Any],
                                                          kept: dict[str, Any]) -> None:
    conversation = parse_gemini({**system, "contents": [user({"text": "How far is Porto?"})]})
    assert conversation.messages == [
        {"role": "system", "content": "Be brief.\nUse metric units."},
        {"role": "user", "content": "How far is Porto?"},
    ]
    assert conversation.gemini_request == {
        "contents": [user({"text": "How far is Porto?"})], "systemInstruction": kept}


def test_function_call_and_response_turns() -> None:
    conversation = parse_gemini({"contents": [
        user({"text": "Weather in Lisbon?"}),
        {"role": "model", "parts": [
            {"text": "Let me check."},
            {"functionCall": {"id": "call_1", "name": "get_weather",
                              "args": {"city": "Lisboa, Portugal", "note": "café"}},
             "thoughtSignature": "c2lnbmF0dXJl"}]},
        user({"functionResponse": {"id": "call_1", "name": "get_weather",
                                   "response": {"temperature": 21, "sky": "sunny"}}},
             {"text": "And tomorrow?"}),
    ]})
    assert conversation.messages == [
        {"role": "user", "content": "Weather in Lisbon?"},
        {"role": "assistant", "content": "Let me check.", "tool_calls": [
            {"id": "call_1", "type": "function", "function": {
                "name": "get_weather",
                "arguments": '{"city":"Lisboa, Portugal","note":"café"}'}}],
         "signature_bytes": 9},  # what "c2lnbmF0dXJl" decodes to: Gemini 3 bills it
        {"role": "tool", "name": "get_weather", "content": '{"temperature":21,"sky":"sunny"}',
         "tool_call_id": "call_1"},
        {"role": "user", "content": "And tomorrow?"},
    ]
    # The thought signature is not text: only its size is kept on the message it came with.
    assert "c2lnbmF0dXJl" not in json.dumps(conversation.messages)
    assert conversation.gemini_request is not None
    assert conversation.gemini_request["contents"][1]["parts"][1]["thoughtSignature"] == (
        "c2lnbmF0dXJl")


def test_snake_case_function_parts_and_a_call_without_arguments() -> None:
    conversation = parse_gemini({"contents": [
        {"role": "model", "parts": [{"function_call": {"name": "list_files"},
                                     "thought_signature": "c2ln"}]},
        {"role": "function", "parts": [{"function_response": {"name": "list_files",
                                                              "response": {"files": []}}}]},
    ]})
    assert conversation.messages == [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "", "type": "function", "function": {"name": "list_files", "arguments": "{}"}}],
         "signature_bytes": 3},
        {"role": "tool", "name": "list_files", "content": '{"files":[]}'},
    ]
    assert conversation.gemini_request == {"contents": [
        {"role": "model", "parts": [{"functionCall": {"name": "list_files"},
                                     "thoughtSignature": "c2ln"}]},
        {"role": "function", "parts": [{"functionResponse": {"name": "list_files",
                                                             "response": {"files": []}}}]},
    ]}


def test_thought_summary_is_text_marked_as_thinking() -> None:
    conversation = parse_gemini({"contents": [
        user({"text": "2+2?"}),
        {"role": "model", "parts": [{"text": "Simple arithmetic.", "thought": True},
                                    {"text": "4"}]},
    ]})
    assert conversation.messages[1] == {"role": "assistant", "content": [
        {"type": "text", "text": "Simple arithmetic.", "thinking": True},
        {"type": "text", "text": "4"}]}


def test_inline_image() -> None:
    conversation = parse_gemini({"contents": [user(
        {"text": "What flag is this?"},
        {"inlineData": {"mimeType": "image/png", "data": PNG}})]})
    assert conversation.messages == [{"role": "user", "content": [
        {"type": "text", "text": "What flag is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}",
                                            "detail": "auto"}}]}]


def test_url_safe_base64_from_googles_sdks_becomes_a_standard_data_url() -> None:
    conversation = parse_gemini({"contents": [user(
        {"inline_data": {"mime_type": "image/png", "data": URL_SAFE_PNG}})]})
    assert conversation.messages[0]["content"][0]["image_url"]["url"] == (
        f"data:image/png;base64,{PNG}")
    assert conversation.gemini_request is not None
    assert conversation.gemini_request["contents"][0]["parts"][0]["inlineData"]["data"] == (
        URL_SAFE_PNG)


def test_file_images_and_other_media() -> None:
    conversation = parse_gemini({"contents": [user(
        {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/cat"}},
        {"file_data": {"file_uri": "gs://bucket/dog.png"}},
        {"fileData": {"mimeType": "application/pdf", "fileUri": "gs://bucket/report.pdf"}},
        {"inlineData": {"mimeType": "audio/mpeg", "data": "SUQz"}},
        {"text": "Describe them."})]})
    assert conversation.messages == [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://example.com/cat", "detail": "auto"}},
        {"type": "image_url", "image_url": {"url": "gs://bucket/dog.png", "detail": "auto"}},
        {"type": "text", "text": "", "media": "application/pdf"},
        {"type": "text", "text": "", "media": "audio/mpeg"},
        {"type": "text", "text": "Describe them."}]}]


def test_media_in_a_function_response_follows_its_json() -> None:
    conversation = parse_gemini({"contents": [user({"functionResponse": {
        "name": "get_file", "response": {},
        "parts": [{"file_data": {"file_uri": "gs://bucket/a.pdf", "mime_type": "application/pdf"}},
                  {"inlineData": {"mimeType": "image/png", "data": PNG}}]}})]})
    assert conversation.messages == [{"role": "tool", "name": "get_file", "content": [
        {"type": "text", "text": "{}"},
        {"type": "text", "text": "", "media": "application/pdf"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}",
                                            "detail": "auto"}}]}]


def test_function_declarations() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    conversation = parse_gemini({
        "contents": [user({"text": "Hi"})],
        "tools": [{"functionDeclarations": [
                      {"name": "get_weather", "description": "Current weather.",
                       "parameters": schema},
                      {"name": "get_time", "parametersJsonSchema": schema}]},
                  {"googleSearch": {}},
                  {"function_declarations": [{"name": "ping", "parameters_json_schema": schema}]}],
        "toolConfig": {"functionCallingConfig": {"mode": "AUTO"}},
    })
    assert conversation.tools == [
        {"type": "function", "function": {"name": "get_weather", "description": "Current weather.",
                                          "parameters": schema}},
        {"type": "function", "function": {"name": "get_time", "description": "",
                                          "parameters": schema}},
        {"type": "function", "function": {"name": "ping", "description": "",
                                          "parameters": schema}},
    ]
    assert conversation.gemini_request is not None
    assert conversation.gemini_request["tools"][1] == {"googleSearch": {}}
    assert conversation.gemini_request["tools"][2] == {
        "functionDeclarations": [{"name": "ping", "parametersJsonSchema": schema}]}
    assert conversation.gemini_request["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}


def test_a_single_tool_object_is_a_list_of_one() -> None:
    # Seen in real requests (and accepted by the API): `tools` as one object.
    conversation = parse_gemini({"contents": [user({"text": "Capital of France?"})],
                                 "tools": {"function_declarations": [{"name": "get_capital"}]}})
    assert conversation.tools == [{"type": "function", "function": {
        "name": "get_capital", "description": "", "parameters": {}}}]
    assert conversation.gemini_request is not None
    assert conversation.gemini_request["tools"] == [
        {"functionDeclarations": [{"name": "get_capital"}]}]


def test_kept_request_is_camel_case_but_data_is_as_given() -> None:
    request = {
        "contents": [{"role": "model", "parts": [{"function_call": {
            "name": "save", "args": {"user_id": 7, "display_name": "Ana"}}}]}],
        "generation_config": {"response_mime_type": "application/json",
                              "response_json_schema": {"properties": {"max_items": {}}},
                              "thinking_config": {"thinking_budget": 0}},
        "cached_content": "cachedContents/abc",
        "safety_settings": [],
        "model": "models/gemini-2.5-flash",
    }
    conversation = parse_gemini(request)
    assert conversation.gemini_request == {
        "contents": [{"role": "model", "parts": [{"functionCall": {
            "name": "save", "args": {"user_id": 7, "display_name": "Ana"}}}]}],
        "generationConfig": {"responseMimeType": "application/json",
                             "responseJsonSchema": {"properties": {"max_items": {}}},
                             "thinkingConfig": {"thinkingBudget": 0}},
        "cachedContent": "cachedContents/abc",
    }
    assert conversation.model == "gemini-2.5-flash"


@pytest.mark.parametrize(("model", "expected"), [
    ("gemini-2.5-pro", "gemini-2.5-pro"),
    ("models/gemini-2.5-flash", "gemini-2.5-flash"),
    # A Vertex AI resource name says the platform, which bills some parts of a request apart.
    ("projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash",
     "vertex_ai/gemini-2.0-flash"),
    (42, None),
])
def test_model(model: Any, expected: str | None) -> None:
    assert parse_gemini({"model": model, "contents": [user({"text": "Hi"})]}).model == expected


def test_a_bare_contents_list_and_a_list_of_requests() -> None:
    bare = [user({"text": "One"}), {"role": "model", "parts": [{"text": "Two"}]}]
    (conversation,) = parse_conversations(bare)
    assert conversation.source_format == "gemini"
    assert [m["content"] for m in conversation.messages] == ["One", "Two"]
    several = parse_conversations([{"contents": bare}, {"contents": [user({"text": "Three"})]}])
    assert [len(c.messages) for c in several] == [2, 1]


@pytest.mark.parametrize(("request_body", "where", "problem"), [
    ({"contents": {"parts": []}}, "contents", "`contents` must be a list, not an object"),
    ({"contents": []}, "contents", "no turns to count"),
    ({"contents": [user({"text": "Hi"}), {"role": "model", "parts": [
        {"text": "Sure."}, {"mystery": {"code": "print(1)"}, "thoughtSignature": "x"}]}]},
     "contents[1].parts[1]", "part has none of text, functionCall, functionResponse, inlineData, "
                             "fileData (it has mystery, thoughtSignature)"),
    ({"contents": [{"role": "assistant", "parts": [{"text": "Hi"}]}]}, "contents[0].role",
     "unknown role 'assistant' (Gemini turns are user or model)"),
    ({"contents": [{"role": ["user"], "parts": [{"text": "Hi"}]}]}, "contents[0].role",
     "unknown role ['user'] (Gemini turns are user or model)"),
    ({"contents": [{"role": "user", "parts": []}]}, "contents[0].parts", "a turn with no parts"),
    ({"contents": [user({"text": "a", "inlineData": {"mimeType": "image/png", "data": ""}})]},
     "contents[0].parts[0]", "part has both text and inlineData; a part holds one of them"),
    ({"contents": [user({"function_call": {"args": {}}})]},
     "contents[0].parts[0].function_call.name", "a function call needs a `name`, not null"),
    ({"contents": [user({"inlineData": {"data": PNG}})]},
     "contents[0].parts[0].inlineData.mimeType", "inline data needs a `mimeType`, not null"),
    ({"contents": [user({"text": "Hi"})], "system_instruction": {"parts": [{"inline_data": {}}]}},
     "system_instruction.parts[0].text", "a system instruction part needs `text`, not null"),
    ({"contents": [user({"text": "Hi"})], "tools": [{"functionDeclarations": [{"name": 3}]}]},
     "tools[0].functionDeclarations[0].name",
     "a function declaration needs a `name`, not a number"),
])
def test_errors_name_the_place(request_body: dict[str, Any], where: str, problem: str) -> None:
    with pytest.raises(ConversationError) as raised:
        parse_conversations(request_body)
    assert (raised.value.where, raised.value.problem) == (where, problem)


# --- the CLI ---------------------------------------------------------------------------------

def test_a_json_file_is_detected_from_contents(cli: Run) -> None:
    result = cli("count", str(REQUEST), "--format", "csv")
    assert result.status == 0, result.err
    (row,) = rows(result.out)
    assert (row["format"], row["model"], row["conversations"], row["messages"]) == (
        "gemini", "gemini-2.5-flash", "1", "6")
    per_message = rows(cli("count", str(REQUEST), "--per-message", "-m", "gpt-4o",
                           "--format", "csv").out)
    # The model turn's thought summary is not counted: it is not sent to the model again.
    assert [(r["role"], r["tokens"]) for r in per_message] == [
        ("(tools)", "52"), ("system", "11"), ("user", "272"), ("assistant", "20"),
        ("tool", "17"), ("assistant", "21"), ("user", "10"), ("(reply priming)", "3")]


def test_a_jsonl_file_is_detected_line_by_line(cli: Run) -> None:
    # Line 1 is a request in camelCase, line 2 the same request in snake_case.
    result = cli("count", str(GEMINI / "requests.jsonl"), "-m", "gpt-4o", "--format", "csv")
    assert result.status == 0, result.err
    (row,) = rows(result.out)
    assert (row["format"], row["conversations"], row["messages"], row["tokens"]) == (
        "jsonl", "2", "8", "204")
    per_message = rows(cli("count", str(GEMINI / "requests.jsonl"), "--per-message", "-m",
                           "gpt-4o", "--format", "csv").out)
    first = [(r["role"], r["tokens"]) for r in per_message if r["conversation"] == "1"]
    second = [(r["role"], r["tokens"]) for r in per_message if r["conversation"] == "2"]
    assert first == second == [("(tools)", "45"), ("system", "9"), ("user", "11"),
                               ("assistant", "21"), ("tool", "13"), ("(reply priming)", "3")]


def test_the_same_conversation_as_gemini_and_openai_counts_the_same(tmp_path: Path,
                                                                    cli: Run) -> None:
    gemini = {
        "systemInstruction": {"parts": [{"text": "You are a concise travel assistant."}]},
        "contents": [
            user({"text": "What is on this flag?"},
                 {"inlineData": {"mimeType": "image/png", "data": PNG}}),
            {"role": "model", "parts": [{"functionCall": {"id": "c1", "name": "lookup_flag",
                                                          "args": {"colour": "red"}}}]},
            user({"functionResponse": {"id": "c1", "name": "lookup_flag",
                                       "response": {"country": "none"}}}),
        ],
        "tools": [{"functionDeclarations": [{
            "name": "lookup_flag", "description": "Find a flag by colour.",
            "parameters": {"type": "object", "properties": {"colour": {"type": "string"}}}}]}],
    }
    openai = {
        "messages": [
            {"role": "system", "content": "You are a concise travel assistant."},
            {"role": "user", "content": [
                {"type": "text", "text": "What is on this flag?"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}]},
            {"role": "assistant", "content": None, "tool_calls": [{
                "id": "c1", "type": "function",
                "function": {"name": "lookup_flag", "arguments": '{"colour":"red"}'}}]},
            {"role": "tool", "tool_call_id": "c1", "name": "lookup_flag",
             "content": '{"country":"none"}'},
        ],
        "tools": [{"type": "function", "function": {
            "name": "lookup_flag", "description": "Find a flag by colour.",
            "parameters": {"type": "object", "properties": {"colour": {"type": "string"}}}}}],
    }
    (tmp_path / "gemini.json").write_text(json.dumps(gemini))
    (tmp_path / "openai.json").write_text(json.dumps(openai))
    result = cli("count", str(tmp_path / "gemini.json"), str(tmp_path / "openai.json"),
                 "-m", "gpt-4o", "--format", "csv")
    assert [(row["format"], row["tokens"]) for row in rows(result.out)] == [
        ("gemini", "341"), ("openai", "341")]


def test_input_format_gemini_is_accepted(tmp_path: Path, cli: Run) -> None:
    bare = tmp_path / "contents.json"
    bare.write_text(json.dumps([{"parts": [{"text": "What is the capital of the moon?"}]}]))
    result = cli("count", str(bare), "--input-format", "gemini", "-m", "gpt-4o", "--format",
                 "csv")
    assert result.status == 0, result.err
    (row,) = rows(result.out)
    # The 8 tokens of the question, 3 a message and 1 for its role, 3 to prime the reply.
    assert (row["format"], row["messages"], row["tokens"]) == ("gemini", "1", "15")
    forced = cli("count", str(GEMINI / "requests.jsonl"), "--input-format", "gemini", "-m",
                 "gpt-4o", "--format", "csv")
    assert rows(forced.out)[0]["tokens"] == "204"


def test_a_bad_request_is_one_error_with_file_and_place(tmp_path: Path, cli: Run) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"contents": [user({"text": "Hi"}), {"role": "model", "parts": [
        {"toolCalls": {"id": "t1"}}]}]}))
    result = cli("count", str(path), "--format", "csv")
    assert result.status == 1
    assert result.err.strip() == (
        f"tokcost: error: {path}: contents[1].parts[0]: part has none of text, functionCall, "
        "functionResponse, inlineData, fileData (it has toolCalls)")
    openai_as_gemini = cli("count", "tests/data/count/cookbook_messages.json", "--input-format",
                           "gemini", "--format", "csv")
    assert openai_as_gemini.status == 1
    assert openai_as_gemini.err.strip() == (
        "tokcost: error: tests/data/count/cookbook_messages.json: [0].role: unknown role 'system' "
        "(Gemini turns are user or model)")


# --- writing ---------------------------------------------------------------------------------

def test_to_gemini_request_from_an_openai_conversation_round_trips() -> None:
    (openai,) = parse_conversations({
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [
                {"type": "text", "text": "Weather here?"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/sky.jpg"}}]},
            {"role": "assistant", "content": None, "tool_calls": [{
                "id": "c1", "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Lisbon"}'}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "sunny, 21 °C"},
            {"role": "assistant", "content": "Sunny and 21 °C."},
        ],
        "tools": [{"type": "function", "function": {
            "name": "get_weather", "description": "Current weather.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
    })
    request = to_gemini_request(openai)
    assert request == {
        "contents": [
            {"role": "user", "parts": [
                {"text": "Weather here?"},
                {"inlineData": {"mimeType": "image/png", "data": PNG}},
                {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/sky.jpg"}}]},
            {"role": "model", "parts": [{"functionCall": {
                "name": "get_weather", "args": {"city": "Lisbon"}, "id": "c1"}}]},
            {"role": "user", "parts": [{"functionResponse": {
                "name": "get_weather", "response": {"result": "sunny, 21 °C"}, "id": "c1"}}]},
            {"role": "model", "parts": [{"text": "Sunny and 21 °C."}]},
        ],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "tools": [{"functionDeclarations": [{
            "name": "get_weather", "description": "Current weather.",
            "parametersJsonSchema": {"type": "object",
                                     "properties": {"city": {"type": "string"}}}}]}],
    }
    back = parse_gemini(request)
    assert back.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [
            {"type": "text", "text": "Weather here?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}",
                                                "detail": "auto"}},
            {"type": "image_url", "image_url": {"url": "https://example.com/sky.jpg",
                                                "detail": "auto"}}]},
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "c1", "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city":"Lisbon"}'}}]},
        # Gemini names a result by its function; a result that is not a JSON object is wrapped.
        {"role": "tool", "name": "get_weather", "content": '{"result":"sunny, 21 °C"}',
         "tool_call_id": "c1"},
        {"role": "assistant", "content": "Sunny and 21 °C."},
    ]
    assert back.tools == openai.tools


def test_tool_results_in_a_row_share_one_turn_and_json_results_stay_objects() -> None:
    (openai,) = parse_conversations([
        {"role": "user", "content": "Both, please."},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "a", "type": "function", "function": {"name": "one", "arguments": "{}"}},
            {"id": "b", "type": "function", "function": {"name": "two", "arguments": "not json"}}]},
        {"role": "tool", "tool_call_id": "a", "content": '{"ok": true}'},
        {"role": "tool", "tool_call_id": "b", "content": "[1, 2]"},
    ])
    contents = to_gemini_request(openai)["contents"]
    assert contents[1]["parts"][1] == {"functionCall": {
        "name": "two", "args": {"arguments": "not json"}, "id": "b"}}
    assert contents[2:] == [{"role": "user", "parts": [
        {"functionResponse": {"name": "one", "response": {"ok": True}, "id": "a"}},
        {"functionResponse": {"name": "two", "response": {"result": "[1, 2]"}, "id": "b"}}]}]


def test_to_gemini_request_gives_back_the_original() -> None:
    raw = json.loads(REQUEST.read_text())
    (conversation,) = parse_conversations(raw)
    assert to_gemini_request(conversation) == {
        key: raw[key] for key in ("contents", "systemInstruction", "tools", "toolConfig",
                                  "generationConfig")}


# --- anything Gemini-shaped ------------------------------------------------------------------

_keys = st.sampled_from([
    "contents", "role", "parts", "text", "thought", "thoughtSignature", "functionCall",
    "function_call", "functionResponse", "function_response", "inlineData", "inline_data",
    "fileData", "file_data", "mimeType", "mime_type", "data", "fileUri", "file_uri", "name",
    "args", "response", "id", "systemInstruction", "system_instruction", "tools",
    "functionDeclarations", "function_declarations", "parameters", "parametersJsonSchema",
    "description", "googleSearch", "generationConfig", "model", "x_y"])
_scalars = (st.none() | st.booleans() | st.integers() | st.sampled_from(
    ["user", "model", "function", "assistant", "image/png", "application/pdf", PNG, "gs://a.png",
     "models/gemini-2.5-flash", ""]) | st.text(max_size=10))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    _keys, inner, max_size=4), max_leaves=30)
# Requests shaped enough to get past the first checks, with anything at each level below.
_turns = st.fixed_dictionaries({"parts": st.lists(st.dictionaries(_keys, _values, max_size=3),
                                                  max_size=3)}, optional={"role": _values})
_requests = st.fixed_dictionaries({"contents": st.lists(_turns, max_size=3)}, optional={
    "systemInstruction": _values, "system_instruction": _values, "tools": _values,
    "model": _values})


@settings(max_examples=1000, deadline=None)
@given(value=_values | _requests)
def test_anything_gemini_shaped_is_read_or_refused_with_our_error(value: Any) -> None:
    try:
        conversations = parse_conversations(value, "gemini")
    except TokcostError:
        return
    for conversation in conversations:
        assert conversation.messages
        # The kept request says the same as the messages: read again, it gives them back.
        assert conversation.gemini_request is not None
        again = parse_gemini(conversation.gemini_request)
        assert (again.messages, again.tools) == (conversation.messages, conversation.tools)
        json.dumps(to_gemini_request(conversation))


def test_server_tool_parts_are_counted_as_their_text_and_marked(tmp_path: Path, cli: Run) -> None:
    path = tmp_path / "code.json"
    path.write_text(json.dumps({"contents": [user({"text": "Run it."}), {"role": "model", "parts": [
        {"executableCode": {"language": "PYTHON", "code": "print(1)"}},
        {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1"}}]}]}))
    result = cli("count", str(path), "-m", "gpt-4o", "--format", "csv")
    assert result.status == 0, result.err
    assert rows(result.out)[0]["accuracy"] == "estimate"
    assert "executableCode blocks counted as their text" in result.err
    assert "codeExecutionResult blocks counted as their text" in result.err


def test_a_part_with_only_a_thought_signature_is_read() -> None:
    conversation = parse_gemini({"contents": [
        user({"text": "Hi"}),
        {"role": "model", "parts": [{"text": "Hello!"}, {"thoughtSignature": "c2lnbmF0dXJl"}]}]})
    assert conversation.messages[1] == {"role": "assistant", "content": [
        {"type": "text", "text": "Hello!"}, {"type": "text", "text": ""}], "signature_bytes": 9}

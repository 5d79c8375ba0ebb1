"""Every parser, fed arbitrary JSON values or bytes, either reads them or raises our own error.

Anything else (a KeyError, a TypeError, a RecursionError) would reach the user as an internal
error; hypothesis looks for such inputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokcost.errors import TokcostError
from tokcost.formats.conversations import CONVERSATION_FORMATS, parse_conversations
from tokcost.inputs.count_files import Counter, CountJob
from tokcost.inputs.sources import Source, open_source
from tokcost.pricing.litellm_import import import_litellm
from tokcost.pricing.schema import build_snapshot
from tokcost.pricing.table import PriceTable
from tokcost.pricing.yaml_source import parse_price_yaml

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
keys = st.sampled_from(["role", "content", "messages", "conversations", "from", "value", "type",
                        "text", "tools", "function", "name", "system", "model", "custom_id",
                        "body", "image_url", "url", "tool_calls", "arguments", "source",
                        "input_schema", "parameters", "properties", "x"])
scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.sampled_from(["user", "assistant", "system", "human", "gpt", "text",
                              "image_url", "tool_use", "tool_result", "function", ""])
           | st.text(max_size=20))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys | st.text(max_size=5),
                                                                inner, max_size=5),
    max_leaves=25,
)


@SETTINGS
@given(value=json_values, fmt=st.sampled_from([None, *CONVERSATION_FORMATS]))
def test_conversation_parsers(value: Any, fmt: str | None) -> None:
    try:
        conversations = parse_conversations(value, fmt)
    except TokcostError:
        return
    assert all(conversation.messages for conversation in conversations)


@SETTINGS
@given(data=st.binary(max_size=400) | json_values.map(lambda v: json.dumps(v).encode()),
       input_format=st.sampled_from([None, "text", "openai", "anthropic", "sharegpt", "jsonl",
                                     "batch"]),
       suffix=st.sampled_from([".json", ".jsonl", ".txt"]))
def test_files_of_anything(tmp_path_factory: Any, current_table: PriceTable, data: bytes,
                           input_format: str | None, suffix: str) -> None:
    path = Path(tmp_path_factory.mktemp("fuzz")) / f"input{suffix}"
    path.write_bytes(data)
    try:
        document = open_source(Source(str(path), path), input_format)
        with Counter(CountJob(current_table)) as counter:
            counted = counter.count(document)
    except TokcostError:
        return
    assert all(count.tokens >= 0 for count in counted.counts)


@SETTINGS
@given(text=st.text(max_size=300))
def test_price_yaml_of_any_text(text: str) -> None:
    try:
        build_snapshot(parse_price_yaml(text, "fuzz.yaml"), "fuzz.yaml")
    except TokcostError:
        pass


@SETTINGS
@given(value=json_values)
def test_price_tables_of_any_shape(value: Any) -> None:
    try:
        build_snapshot(value, "fuzz.yaml")
    except TokcostError:
        pass


model_entries = st.dictionaries(
    st.sampled_from(["input_cost_per_token", "output_cost_per_token", "litellm_provider",
                     "mode", "max_input_tokens", "max_output_tokens", "max_tokens",
                     "cache_read_input_token_cost", "cache_creation_input_token_cost",
                     "input_cost_per_token_batches", "output_cost_per_token_batches",
                     "input_cost_per_token_above_200k_tokens", "deprecation_date"]),
    scalars | st.sampled_from(["chat", "openai", "anthropic", "gemini", 1e-6, 3e-6, 128000]),
    max_size=13,
)


@SETTINGS
@given(entries=st.dictionaries(st.sampled_from(["gpt-4o", "openai/gpt-x", "claude-a", "m"]),
                               model_entries | json_values, min_size=1, max_size=4))
def test_litellm_import_of_any_entries(entries: dict[str, Any]) -> None:
    from datetime import date

    try:
        result = import_litellm(entries, date(2026, 1, 1), ["*"])
        build_snapshot(parse_price_yaml(result.yaml_text, "import"), "import")
    except TokcostError:
        pass

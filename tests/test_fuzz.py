"""Every parser, fed arbitrary JSON values or bytes, either reads them or raises our own error.

Anything else (a KeyError, a TypeError, a RecursionError) would reach the user as an internal
error; hypothesis looks for such inputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
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


# --- option values: every number option of every command ----------------------------------------

COUNT_DATA = Path(__file__).parent / "data" / "count"


def _calibration_log() -> Path:
    """A small log for `calibrate`, written once (tests run from the repository root)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="tokcost-fuzz-"))
    log = folder / "log.jsonl"
    request = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "hello"}]}
    log.write_text("".join(json.dumps({"request": request, "response": {
        "usage": {"prompt_tokens": 9 + n}}}) + "\n" for n in range(3)))
    return log


# What each command needs besides the option under test; a command with number options that is
# missing here fails test_every_command_with_number_options_is_fuzzed.
BASE_ARGUMENTS: dict[str, Any] = {
    "count": lambda: [str(COUNT_DATA / "cookbook_messages.json")],
    "project": lambda: ["--rpd", "100", "-m", "gpt-4o"],
    "simulate": lambda: ["--turns", "3"],
    "calibrate": lambda: [str(_calibration_log())],
}


def number_options() -> dict[str, list[str]]:
    """Command path -> its options that take a number, read from the CLI itself."""
    import click
    import typer.main

    from tokcost.cli import app

    found: dict[str, list[str]] = {}

    def visit(group: click.Group, path: str) -> None:
        for name, command in group.commands.items():
            where = f"{path} {name}".strip()
            if isinstance(command, click.Group):
                visit(command, where)
                continue
            options = [param.opts[0] for param in command.params
                       if isinstance(param.type, (click.types.IntParamType,
                                                  click.types.FloatParamType))]
            if options:
                found[where] = options

    visit(typer.main.get_command(app), "")
    return found


def test_every_command_with_number_options_is_fuzzed() -> None:
    assert sorted(number_options()) == sorted(BASE_ARGUMENTS)


# Numbers as people type them and as they go wrong: huge, tiny, negative, NaN and infinities in
# their spellings, exponents, underscores, hex, blanks.
number_texts = st.one_of(
    st.integers(-10**40, 10**40).map(str),
    st.integers(-3, 40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(0, 1).map(str),
    st.sampled_from(["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e30", "1e400", "-0",
                     "0.0", "1_000", "0x10", "", " 7", "1e-400", "31", "31.0000001", "1",
                     "100000", "100001", "1000000000", "1000000001", "1024", "1025"]),
)


@pytest.mark.parametrize(("command", "option"), [
    (command, option) for command, options in sorted(number_options().items())
    for option in options])
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=number_texts)
def test_number_options_take_any_value_or_say_why_in_a_line(cli: Any, command: str, option: str,
                                                             value: str) -> None:
    result = cli(*command.split(), *BASE_ARGUMENTS[command](), f"{option}={value}", "-f", "csv")
    assert result.status in (0, 1, 2), result.err
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    if result.status == 2:  # a usage error: one line, like every other error
        assert result.out == "" and result.err.count("\n") == 1, result.err
        assert result.err.startswith("tokcost: error: "), result.err
    elif result.status == 1:
        assert result.out == "" or command == "calibrate", result.out
        assert result.err.count("tokcost: error:") <= 1 or command == "calibrate", result.err

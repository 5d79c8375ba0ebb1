"""What every conversation format shares: the one shape they are all read into, the error a
value that is not a conversation raises, and the small helpers that word those errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tokcost.errors import InputFileError


class ConversationError(InputFileError):
    """A JSON value that is not a conversation in the format it claims or seems to be."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}" if where else problem)


@dataclass
class Conversation:
    """One chat request: messages and tool definitions in OpenAI's shape."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = field(default_factory=list)
    model: str | None = None
    source_format: str = "openai"
    # The request as Anthropic's API takes it, when the input was in that format.
    anthropic_request: dict[str, Any] | None = None
    # The request as Gemini's API takes it (keys in camelCase), when the input was in that format.
    gemini_request: dict[str, Any] | None = None
    # Request options that change what a provider adds to the prompt, in one spelling for
    # every format: how tools may be chosen ("auto", "none", "any" or "tool"; None when not
    # given), whether extended thinking with a token budget is on, and the JSON schema of
    # structured output.
    tool_choice: str | None = None
    thinking: bool = False
    output_schema: dict[str, Any] | None = None
    # Request options that add hidden tokens no measured request shows the size of (for
    # example ``output_config.task_budget``): named in the count's notes, not counted.
    unmeasured_options: list[str] = field(default_factory=list)


def image_count(conversation: Conversation, upto: int | None = None) -> int:
    """How many images the request sends (in its first ``upto`` messages): what a per-image
    fee is billed on."""
    images = 0
    for message in conversation.messages[:upto]:
        content = message.get("content")
        if isinstance(content, list):
            images += sum(1 for part in content if part.get("type") == "image_url")
    return images


def has_media(conversation: Conversation) -> bool:
    """Whether the request holds images, documents, audio or video: what an image rule
    counts."""
    return any(part.get("type") == "image_url" or part.get("media")
               for message in conversation.messages
               for part in (message["content"] if isinstance(message.get("content"), list)
                            else ()))


def at(where: str, key: str | int) -> str:
    """The path one step further in: ``messages[2]``, ``contents[0].parts``."""
    step = f"[{key}]" if isinstance(key, int) else f".{key}"
    return f"{where}{step}" if where else step.lstrip(".")


def kind(value: Any) -> str:
    """What a JSON value is, in words: ``an object``, ``null``..."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             type(None): "null", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def require(value: Any, expected: type | tuple[type, ...], where: str, what: str) -> Any:
    """``value`` if it is of the expected type (a boolean only where one is expected)."""
    if not isinstance(value, expected) or isinstance(value, bool) and expected is not bool:
        raise ConversationError(where, f"{what}, not {kind(value)}")
    return value

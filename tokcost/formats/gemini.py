"""Google Gemini's ``generateContent`` request body: read into OpenAI's message shape, and written
from a conversation of any format.

Gemini models are priced in the tables, so their requests are counted like every other: each
turn's parts become OpenAI-shaped messages (the shape the counting framing is defined on), and
the request itself is kept, its keys in one spelling, for what only the original shows (media
other than images, thought signatures, server-side tools, cached content). The REST API takes
both camelCase and snake_case keys (``systemInstruction``, ``system_instruction``), so both are
read; error paths use the spelling the input used.

It imports only the shared shape (``shape.py``); ``conversations.py`` reads it when a request
is in this format.

How a request becomes messages:

- ``systemInstruction`` (``{"parts": [{"text"}]}`` or a string): a leading ``system`` message,
  its parts' texts joined by newlines.
- A turn of role ``user`` (or none) gives ``user`` messages, ``model`` gives ``assistant``;
  ``function`` and ``tool`` turns (the older spelling for function results) are user-side input.
- Parts keep their order. Text is a text part; a thought summary (``"thought": true``) is a text
  part marked ``"thinking": True``, the marker Anthropic's thinking blocks get, so that the
  counter treats replayed reasoning alike in every format. A turn of one plain text part has
  string content, as an OpenAI message would.
- ``functionCall`` is a ``tool_calls`` entry on the turn's message (arguments: compact JSON).
- ``functionResponse`` is a message of its own, ``{"role": "tool", "name", "content": <compact
  JSON of response>}`` (``tool_call_id`` too when it has an ``id``), placed where the part was;
  images and media of a multimodal response (its ``parts``) follow the JSON in its content.
- ``inlineData``/``fileData`` of an image MIME type is an ``image_url`` part (a data URL, or the
  file's URI). Other media (PDF, audio, video) cannot be counted as text or as an image: each is
  an empty text part marked with its MIME type, ``{"type": "text", "text": "", "media": ...}``,
  and the original request, kept alongside, is where a counter finds it.
- ``thoughtSignature`` (opaque base64) is left out of the messages: it is not text anyone wrote.
- ``functionDeclarations`` become OpenAI tools; other tools (``googleSearch``, ``codeExecution``,
  ``urlContext``...) and ``toolConfig``, ``generationConfig``, ``cachedContent`` are kept in the
  request only.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from tokcost.formats.shape import Conversation, ConversationError
from tokcost.formats.shape import at as _at
from tokcost.formats.shape import require as _require

# Gemini's turn roles, mapped to chat roles.
GEMINI_ROLES = {"user": "user", "model": "assistant", "function": "user", "tool": "user"}
# A part holds exactly one of these (the API's ``data`` oneof, the kinds that can be counted).
_PART_KINDS = ("text", "functionCall", "functionResponse", "inlineData", "fileData")
# Parts of server-side tools (code execution, file search...): counted as their JSON text and
# marked as estimates, since Google documents no framing for them.
_SERVER_TOOL_KINDS = ("executableCode", "codeExecutionResult", "toolCall", "toolResponse")
_SIGNATURE_ONLY_KEYS = frozenset({"thoughtSignature", "thought_signature", "thought"})
# What the kept request holds: the fields that make up the prompt.
_REQUEST_FIELDS = ("contents", "systemInstruction", "tools", "toolConfig", "generationConfig",
                   "cachedContent")
# Values that are the user's data, not the API's structure: their keys (function arguments, JSON
# schemas' property names, HTTP headers) are kept exactly as given when keys are normalised.
_DATA_VALUES = frozenset({"args", "response", "parameters", "parametersJsonSchema",
                          "responseSchema", "responseJsonSchema", "partMetadata", "headers"})
# Google's SDKs write bytes as URL-safe base64 (``-``, ``_``); a data URL takes the standard
# alphabet, which is what image-size readers decode.
_STANDARD_BASE64 = str.maketrans("-_", "+/")
_SNAKE_STEP = re.compile(r"_([a-z0-9])")
_CAMEL_STEP = re.compile(r"[A-Z]")


class GeminiRequest(NamedTuple):
    """A Gemini request, read: its messages and tools in OpenAI's shape, its model, and the
    request itself with its keys in camelCase."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    model: str | None
    body: dict[str, Any]


# --- keys in either spelling -------------------------------------------------------------------

def _snake(camel: str) -> str:
    return _CAMEL_STEP.sub(lambda match: "_" + match.group().lower(), camel)


def _camel(key: str) -> str:
    return _SNAKE_STEP.sub(lambda match: match.group(1).upper(), key)


def _key(value: Mapping[str, Any], camel: str) -> str:
    """The key as the input spells it: camelCase, else snake_case (camelCase if neither)."""
    if value.get(camel) is None and value.get(_snake(camel)) is not None:
        return _snake(camel)
    return camel


def _field(value: Mapping[str, Any], camel: str, where: str) -> tuple[Any, str]:
    """A field in either spelling, and its path; null counts as absent (SDK dumps write it)."""
    key = _key(value, camel)
    return value.get(key), _at(where, key)


# --- reading -------------------------------------------------------------------------------------

def read_gemini(value: Any, where: str = "") -> GeminiRequest:
    """``{"contents": [...], "systemInstruction"?, "tools"?, "model"?, ...}``, or the bare list
    of contents."""
    _require(value, (dict, list), where, "a Gemini request must be an object")
    if isinstance(value, dict):
        request, contents_at = value, _at(where, _key(value, "contents"))
    else:
        request, contents_at = {"contents": value}, where
    try:
        return _read(request, where, contents_at)
    except RecursionError:
        raise ConversationError(where, "nested too deeply to read") from None


def parse_gemini(value: Any, where: str = "") -> Conversation:
    """A Gemini request as a Conversation, with its tool mode, response schema and thinking
    switch in the shared spelling."""
    request = read_gemini(value, where)
    conversation = Conversation(request.messages, request.tools, request.model, "gemini",
                                gemini_request=request.body)
    tool_config = _object(request.body.get("toolConfig"))
    mode = _object(tool_config.get("functionCallingConfig")).get("mode")
    if isinstance(mode, str):
        conversation.tool_choice = _TOOL_MODES.get(mode.upper())
    generation = _object(request.body.get("generationConfig"))
    schema = generation.get("responseJsonSchema") or generation.get("responseSchema")
    if isinstance(schema, dict):
        conversation.output_schema = schema
    thinking = generation.get("thinkingConfig")
    conversation.thinking = isinstance(thinking, dict) and thinking.get("thinkingBudget") != 0
    return conversation


def _object(value: Any) -> dict[str, Any]:
    """A configuration object, or an empty one when it is absent or not an object (the API
    would refuse such a request; counting it needs no configuration)."""
    return value if isinstance(value, dict) else {}


# Gemini's functionCallingConfig modes, in the shared spelling of tool_choice.
_TOOL_MODES = {"AUTO": "auto", "NONE": "none", "ANY": "any", "VALIDATED": "auto"}


def _read(request: Mapping[str, Any], where: str, contents_at: str) -> GeminiRequest:
    contents = _require(request.get(_key(request, "contents")), list, contents_at,
                        "`contents` must be a list")
    if not contents:
        raise ConversationError(contents_at, "no turns to count")
    messages = _system_messages(request, where)
    for index, turn in enumerate(contents):
        messages.extend(_turn_messages(turn, _at(contents_at, index)))
    return GeminiRequest(messages, _tools(request, where), _model(request), _body(request))


def _model(request: Mapping[str, Any]) -> str | None:
    """The model a request names: ``models/gemini-2.5-flash`` is the model's id, and a Vertex
    AI resource name (``projects/.../publishers/google/models/gemini-2.5-flash``) is that id
    through Vertex AI (``vertex_ai/gemini-2.5-flash``), which bills some parts of a request
    apart from the Gemini API."""
    model = request.get("model")
    if not isinstance(model, str):
        return None
    bare = model.rpartition("models/")[2]
    return f"vertex_ai/{bare}" if model.startswith("projects/") else bare


def _body(request: Mapping[str, Any]) -> dict[str, Any]:
    """The prompt's fields with every key in camelCase, the shorthand forms the API also takes
    (a string system instruction, a single tool object) in their full form."""
    body = {name: _camel_keys(request[_key(request, name)]) for name in _REQUEST_FIELDS
            if request.get(_key(request, name)) is not None}
    if isinstance(body.get("systemInstruction"), str):
        body["systemInstruction"] = {"parts": [{"text": body["systemInstruction"]}]}
    if isinstance(body.get("tools"), dict):
        body["tools"] = [body["tools"]]
    return body


def _camel_keys(value: Any) -> Any:
    """Keys in camelCase, with the precedence the reading above uses (see ``_key``): a null is
    unset, and where both spellings are given the camelCase one wins."""
    if isinstance(value, dict):
        renamed: dict[str, Any] = {}
        for key, item in value.items():
            name = _camel(key)
            if item is None or name in renamed and key != name:
                continue
            renamed[name] = item if name in _DATA_VALUES else _camel_keys(item)
        return renamed
    if isinstance(value, list):
        return [_camel_keys(item) for item in value]
    return value


def _system_messages(request: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    system, at = _field(request, "systemInstruction", where)
    if system is None:
        return []
    if isinstance(system, str):
        return [{"role": "system", "content": system}]
    _require(system, dict, at, "`systemInstruction` must be an object with `parts`, or text")
    parts = _require(system.get("parts"), list, _at(at, "parts"),
                     "a system instruction needs a `parts` list")
    texts = []
    for index, part in enumerate(parts):
        part_at = _at(_at(at, "parts"), index)
        _require(part, dict, part_at, "a part must be an object")
        texts.append(_require(part.get("text"), str, _at(part_at, "text"),
                              "a system instruction part needs `text`"))
    return [{"role": "system", "content": "\n".join(texts)}] if texts else []


def _turn_messages(turn: Any, where: str) -> list[dict[str, Any]]:
    """The messages of one turn, in the order of its parts: a function response is a message of
    its own, so the parts around it make one message before it and one after."""
    _require(turn, dict, where, "a turn must be an object")
    role = _turn_role(turn, where)
    parts = _require(turn.get("parts"), list, _at(where, "parts"), "a turn needs a `parts` list")
    if not parts:
        raise ConversationError(_at(where, "parts"), "a turn with no parts")
    messages: list[dict[str, Any]] = []
    content: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    signatures = 0  # bytes of thought signatures on the parts of the message being built
    for index, part in enumerate(parts):
        kind, value, at = _part_data(part, _at(_at(where, "parts"), index))
        signatures += _signature_bytes(part)
        if kind == "functionResponse":
            if content or calls:
                messages.append(_message(role, content, calls, signatures))
                content, calls, signatures = [], [], 0
            messages.append(_function_response(value, at))
        elif kind == "functionCall":
            calls.append(_function_call(value, at))
        else:
            content.append(_content_part(kind, value, part, at))
    if content or calls:
        messages.append(_message(role, content, calls, signatures))
    return messages


def _signature_bytes(part: Mapping[str, Any]) -> int:
    """The bytes a part's thought signature (opaque base64) decodes to: Gemini 3 bills them."""
    signature = part.get(_key(part, "thoughtSignature"))
    return len(signature.rstrip("=")) * 3 // 4 if isinstance(signature, str) else 0


def _turn_role(turn: Mapping[str, Any], where: str) -> str:
    role = turn.get("role")
    if role is None:
        return "user"
    if not isinstance(role, str) or role not in GEMINI_ROLES:
        raise ConversationError(_at(where, "role"), f"unknown role {role!r} (Gemini turns are "
                                "user or model)")
    return GEMINI_ROLES[role]


def _part_data(part: Any, where: str) -> tuple[str, Any, str]:
    """What one part holds: its kind (camelCase), the value, and the value's path."""
    _require(part, dict, where, "a part must be an object")
    found = [(kind, _key(part, kind)) for kind in _PART_KINDS + _SERVER_TOOL_KINDS
             if part.get(_key(part, kind)) is not None]
    if (not found and set(part) <= _SIGNATURE_ONLY_KEYS
            and part.get(_key(part, "thoughtSignature")) is not None):
        # A part that only carries a signature (seen at the end of streamed model turns): no
        # text, but the signature is billed like any other.
        return "text", "", _at(where, _key(part, "thoughtSignature"))
    if not found:
        raise ConversationError(where, "part has none of text, functionCall, functionResponse, "
                                f"inlineData, fileData (it has {', '.join(part) or 'no keys'})")
    if len(found) > 1:
        raise ConversationError(where, f"part has both {found[0][1]} and {found[1][1]}; a part "
                                "holds one of them")
    kind, key = found[0]
    return kind, part[key], _at(where, key)


def _message(role: str, content: list[dict[str, Any]], calls: list[dict[str, Any]],
             signature_bytes: int = 0) -> dict[str, Any]:
    message: dict[str, Any] = {"role": role, "content": _collapsed(content)}
    if calls:
        message["tool_calls"] = calls
    if signature_bytes:
        message["signature_bytes"] = signature_bytes
    return message


def _collapsed(content: list[dict[str, Any]]) -> str | list[dict[str, Any]] | None:
    """One plain text part is string content, as OpenAI messages mostly have; no parts (a turn
    of function calls only) is null content."""
    if len(content) == 1 and content[0].keys() == {"type", "text"}:
        return str(content[0]["text"])
    return content or None


def _content_part(kind: str, value: Any, part: Mapping[str, Any], where: str) -> dict[str, Any]:
    if kind == "text":
        text = _require(value, str, where, "`text` must be a string")
        if part.get("thought") is True:
            return {"type": "text", "text": text, "thinking": True}
        return {"type": "text", "text": text}
    if kind in _SERVER_TOOL_KINDS:
        return {"type": "text", "text": _compact_json(value), "estimated_from": kind}
    return _media_part(kind, value, where)


def _media_part(kind: str, value: Any, where: str) -> dict[str, Any]:
    """An ``inlineData`` or ``fileData`` part: an image part, else an empty text part marked
    with the media's MIME type."""
    _require(value, dict, where, f"`{kind}` must be an object")
    mime_type, mime_at = _field(value, "mimeType", where)
    if kind == "inlineData":
        mime_type = _require(mime_type, str, mime_at, "inline data needs a `mimeType`")
        data, data_at = _field(value, "data", where)
        data = _require(data, str, data_at, "inline data needs base64 `data`")
        url = f"data:{mime_type};base64,{data.translate(_STANDARD_BASE64)}"
    else:
        uri, uri_at = _field(value, "fileUri", where)
        url = _require(uri, str, uri_at, "file data needs a `fileUri`")
        if mime_type is None:  # optional for files: their URI's suffix may say
            mime_type = mimetypes.guess_type(url)[0] or ""
        mime_type = _require(mime_type, str, mime_at, "`mimeType` must be a string")
    if mime_type.startswith("image/"):
        return {"type": "image_url", "image_url": {"url": url, "detail": "auto"}}
    part: dict[str, Any] = {"type": "text", "text": "", "media": mime_type}
    if mime_type == "application/pdf" and kind == "inlineData":
        part["data"] = data  # its pages are what it costs
    return part


def _function_call(call: Any, where: str) -> dict[str, Any]:
    _require(call, dict, where, "`functionCall` must be an object")
    name = _require(call.get("name"), str, _at(where, "name"), "a function call needs a `name`")
    args = call.get("args")
    if args is not None:
        _require(args, dict, _at(where, "args"), "`args` must be an object")
    return {"id": _optional_id(call, where), "type": "function",
            "function": {"name": name, "arguments": _compact_json(args or {})}}


def _function_response(response: Any, where: str) -> dict[str, Any]:
    _require(response, dict, where, "`functionResponse` must be an object")
    name = _require(response.get("name"), str, _at(where, "name"),
                    "a function response needs a `name`")
    result = response.get("response")
    if result is not None:
        _require(result, dict, _at(where, "response"), "`response` must be an object")
    text = _compact_json(result or {})
    media = _response_media(response, where)
    message: dict[str, Any] = {"role": "tool", "name": name,
                               "content": [{"type": "text", "text": text}, *media] if media
                               else text}
    call_id = _optional_id(response, where)
    if call_id:
        message["tool_call_id"] = call_id
    return message


def _response_media(response: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    """The media of a multimodal function response (its ``parts``: inline or file data)."""
    parts = response.get("parts")
    if parts is None:
        return []
    _require(parts, list, _at(where, "parts"), "`parts` must be a list")
    media = []
    for index, part in enumerate(parts):
        at = _at(_at(where, "parts"), index)
        _require(part, dict, at, "a part must be an object")
        kinds = [kind for kind in ("inlineData", "fileData") if part.get(_key(part, kind))
                 is not None]
        if len(kinds) != 1:
            raise ConversationError(at, "a function response part holds one of inlineData, "
                                    "fileData")
        media.append(_media_part(kinds[0], part[_key(part, kinds[0])],
                                 _at(at, _key(part, kinds[0]))))
    return media


def _optional_id(value: Mapping[str, Any], where: str) -> str:
    if value.get("id") is None:
        return ""
    return str(_require(value["id"], str, _at(where, "id"), "`id` must be a string"))


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _tools(request: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    """The function declarations, as OpenAI tools; a single tool object (which the API also
    takes) counts as a list of one."""
    tools, at = _field(request, "tools", where)
    if tools is None:
        return []
    listed = [(at, tools)] if isinstance(tools, dict) else [
        (_at(at, index), tool) for index, tool in
        enumerate(_require(tools, list, at, "`tools` must be a list"))]
    found: list[dict[str, Any]] = []
    for tool_at, tool in listed:
        _require(tool, dict, tool_at, "a tool must be an object")
        declarations, declarations_at = _field(tool, "functionDeclarations", tool_at)
        if declarations is None:
            continue  # a built-in tool (googleSearch, codeExecution...): kept in the request
        _require(declarations, list, declarations_at, "`functionDeclarations` must be a list")
        found.extend(_declaration(declaration, _at(declarations_at, index))
                     for index, declaration in enumerate(declarations))
    return found


def _declaration(declaration: Any, where: str) -> dict[str, Any]:
    _require(declaration, dict, where, "a function declaration must be an object")
    name = _require(declaration.get("name"), str, _at(where, "name"),
                    "a function declaration needs a `name`")
    description = declaration.get("description")
    if description is not None:
        _require(description, str, _at(where, "description"), "`description` must be text")
    parameters, parameters_at = _field(declaration, "parameters", where)
    if parameters is None:
        parameters, parameters_at = _field(declaration, "parametersJsonSchema", where)
    if parameters is not None:
        _require(parameters, dict, parameters_at, "the parameters must be a JSON schema object")
    return {"type": "function", "function": {"name": name, "description": description or "",
                                             "parameters": parameters or {}}}


# --- writing -------------------------------------------------------------------------------------

def to_gemini_request(conversation: Conversation) -> dict[str, Any]:
    """The conversation as a Gemini ``generateContent`` request body (without the model, which
    Gemini takes in the URL): the original when it was read from one."""
    if conversation.gemini_request is not None:
        return conversation.gemini_request
    system: list[dict[str, Any]] = []
    contents: list[dict[str, Any]] = []
    results: dict[str, Any] | None = None  # the user turn the latest tool results went into
    call_names: dict[str, str] = {}  # tool call id -> its function's name, to name results
    for message in conversation.messages:
        role = message["role"]
        if role in ("system", "developer"):
            system.extend(part for part in _gemini_parts(message.get("content")) if "text" in part)
        elif role in ("tool", "function"):
            part = _function_response_part(message, call_names)
            if results is None:  # results in a row answer one turn's calls: one turn holds them
                results = {"role": "user", "parts": []}
                contents.append(results)
            results["parts"].append(part)
        else:
            results = None
            parts = _gemini_parts(message.get("content"))
            for call in message.get("tool_calls", []):
                call_names[call.get("id") or ""] = call["function"]["name"]
                parts.append(_function_call_part(call))
            contents.append({"role": "model" if role == "assistant" else "user",
                             "parts": parts or [{"text": ""}]})
    request: dict[str, Any] = {"contents": contents}
    if system:
        request["systemInstruction"] = {"parts": system}
    if conversation.tools:
        request["tools"] = [{"functionDeclarations": [
            _function_declaration(tool["function"]) for tool in conversation.tools]}]
    return request


def _gemini_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"text": content}]
    parts: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else []:
        if part["type"] == "text":
            parts.append({"text": part["text"], "thought": True} if part.get("thinking")
                         else {"text": part["text"]})
        else:
            parts.append(_gemini_image(part["image_url"]["url"]))
    return parts


def _gemini_image(url: str) -> dict[str, Any]:
    if url.startswith("data:") and ";base64," in url:
        header, data = url.split(",", 1)
        return {"inlineData": {"mimeType": header[len("data:"):].split(";")[0], "data": data}}
    mime_type = mimetypes.guess_type(url)[0]
    return {"fileData": {"mimeType": mime_type, "fileUri": url} if mime_type
            else {"fileUri": url}}


def _function_call_part(call: Mapping[str, Any]) -> dict[str, Any]:
    arguments = call["function"]["arguments"]
    try:
        args = json.loads(arguments) if arguments else {}
    except json.JSONDecodeError:
        args = None
    function_call: dict[str, Any] = {
        "name": call["function"]["name"],
        # Gemini's args are an object; anything else is kept whole, under one key.
        "args": args if isinstance(args, dict) else {"arguments": arguments}}
    if call.get("id"):
        function_call["id"] = call["id"]
    return {"functionCall": function_call}


def _function_response_part(message: Mapping[str, Any], call_names: Mapping[str, str]
                            ) -> dict[str, Any]:
    call_id = message.get("tool_call_id") or ""
    text = _plain_text(message.get("content"))
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        parsed = None
    function_response: dict[str, Any] = {
        "name": message.get("name") or call_names.get(call_id, ""),
        # Gemini's response is an object; a result that is not one is wrapped.
        "response": parsed if isinstance(parsed, dict) else {"result": text}}
    if call_id:
        function_response["id"] = call_id
    return {"functionResponse": function_response}


def _plain_text(content: Any) -> str:
    if isinstance(content, list):
        return "\n".join(part["text"] for part in content if part["type"] == "text")
    return str(content or "")


def _function_declaration(function: Mapping[str, Any]) -> dict[str, Any]:
    declaration: dict[str, Any] = {"name": function["name"]}
    if function.get("description"):
        declaration["description"] = function["description"]
    if function.get("parameters"):
        # OpenAI's parameters are JSON Schema, which Gemini takes here (its `parameters` field
        # takes an OpenAPI subset that refuses some JSON Schema keywords).
        declaration["parametersJsonSchema"] = function["parameters"]
    return declaration

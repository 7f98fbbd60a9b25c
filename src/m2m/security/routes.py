"""The model-visible text of a request, per API route: ``segments(request, route)``.

Every place a model reads text from is a segment, and every segment is scanned by the same rules
at the same weight: system and developer prompts, earlier assistant turns, reasoning, tool and
function definitions (descriptions and whole schemas, property names included), tool-call
arguments, tool results, documents, text files, structured-output schemas, predicted outputs.
Nothing is skipped for its position, its count or its depth: the walk is iterative and reads the
whole request; the caller bounds the total size.

Shapes, per route (the request bodies of the APIs, as their SDK types define them):

- ``chat``, OpenAI ``/v1/chat/completions``: ``messages`` of every role, content as a string or
  parts (``text``, ``refusal``, ``file`` with ``file_data``/``filename``), ``name``,
  ``tool_calls[].function``, ``function_call``, ``reasoning_content``/``reasoning``, ``audio``
  transcripts; ``tools[].function`` and ``functions``; ``response_format.json_schema``;
  ``prediction.content``.
- ``responses``, OpenAI ``/v1/responses``: ``input`` as a string or items (messages with
  ``input_text``/``output_text``/``input_file`` parts, ``function_call``,
  ``function_call_output``, ``custom_tool_call(_output)``, ``reasoning`` summaries and content,
  MCP and shell call outputs, ...), ``instructions``, ``tools``, ``text.format`` schemas,
  ``prompt.variables``.
- ``completions``, OpenAI ``/v1/completions``: ``prompt`` as a string or a list of strings (token
  id arrays carry no text to read), ``suffix``.
- ``messages``, Anthropic ``/v1/messages``: ``system`` as a string or text blocks, ``messages``
  with content strings or blocks (``text``, ``tool_use.input``, ``tool_result.content``,
  ``document`` with a text, base64 or content source and its title and context,
  ``search_result``, ``thinking``), ``tools`` with ``description`` and ``input_schema``.

Items are read by key rather than by ``type``, so a part or item type added later is still read:
``TEXT_KEYS`` hold text, ``SCHEMA_KEYS`` hold JSON schemas (every string in them, keys too),
``SKIP_KEYS`` hold identifiers, URLs, binary or encrypted data the model does not read as text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from m2m.errors import RequestError

__all__ = ["ROUTES", "SCHEMA_KEYS", "SKIP_KEYS", "TEXT_KEYS", "Segment", "depth_of", "segments"]

ROUTES = ("chat", "responses", "completions", "messages")

# Keys whose string values (or the strings inside them) a model reads.
TEXT_KEYS = frozenset(
    {
        "text",
        "content",
        "output",
        "arguments",
        "input",
        "instructions",
        "description",
        "summary",
        "refusal",
        "thinking",
        "reasoning",
        "reasoning_content",
        "title",
        "context",
        "prompt",
        "suffix",
        "system",
        "messages",
        "name",
        "data",
        "file",
        "file_data",
        "filename",
        "document",
        "transcript",
        "variables",
        "prediction",
        "result",
        "results",
        "query",
        "queries",
        "action",
        "command",
        "server_description",
        "source",
        "tool_calls",
        "function_call",
        "function",
        "tools",
        "functions",
        "response_format",
        "json_schema",
        "text_format",
    }
)
# Keys whose value is a JSON schema: every string in it is read, property names included.
SCHEMA_KEYS = frozenset({"parameters", "input_schema", "schema", "format", "output_schema"})
# Keys whose object value has the caller's own keys (tool_use input, template variables): every
# string in it is read, keys included.
FREEFORM_KEYS = frozenset({"input", "arguments", "variables"})
# Keys a model does not read as text: identifiers, links, media, encrypted or signed blobs.
SKIP_KEYS = frozenset(
    {
        "id",
        "call_id",
        "tool_call_id",
        "tool_use_id",
        "type",
        "role",
        "status",
        "model",
        "image_url",
        "url",
        "file_id",
        "file_url",
        "detail",
        "encrypted_content",
        "signature",
        "media_type",
        "cache_control",
        "metadata",
        "index",
        "is_error",
        "annotations",
        "logprobs",
        "input_audio",
        "audio_url",
        "partial_images",
        "image_generation_call",
    }
)
_TOP_LEVEL = {
    "chat": ("messages", "tools", "functions", "response_format", "prediction"),
    "responses": ("instructions", "input", "tools", "text", "prompt"),
    "completions": ("prompt", "suffix"),
    "messages": ("system", "messages", "tools"),
}
# A request of unknown origin (``scan`` of a dict or of JSON text): every route's keys.
_TOP_LEVEL["any"] = tuple(dict.fromkeys(k for keys in list(_TOP_LEVEL.values()) for k in keys))


# Kinds that hold for everything under them: a tool's definition stays one, whatever its ``type``.
_DEFINITIONS = frozenset({"tool_definition", "schema"})


@dataclass(frozen=True, slots=True)
class Segment:
    """One model-visible text: where it is (``location``, a JSON path) and what it is (``kind``:
    the message role, item or block type, ``tool_definition`` or ``schema``)."""

    location: str
    text: str
    kind: str = ""


def _schema_text(node: Any) -> str:
    """Every string of a JSON value, keys included, in document order, one per line."""
    out: list[str] = []
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Mapping):
            for key, value in reversed(list(item.items())):
                stack.append(value)
                stack.append(str(key))
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))
    return "\n".join(out)


def _walk(node: Any, where: str, kind: str) -> Iterator[Segment]:
    """Text of one value, read by key (see the module docstring); iterative, no depth limit."""
    stack: list[tuple[Any, str, str]] = [(node, where, kind)]
    while stack:
        item, loc, knd = stack.pop()
        if isinstance(item, str):
            if item:
                yield Segment(loc, item, knd)
        elif isinstance(item, Mapping):
            inner_kind = knd
            role = item.get("role")
            item_type = item.get("type")
            if isinstance(role, str):
                inner_kind = role
            elif isinstance(item_type, str) and knd not in _DEFINITIONS:
                inner_kind = item_type
            children: list[tuple[Any, str, str]] = []
            for key, value in item.items():
                if not isinstance(key, str) or key in SKIP_KEYS or value is None:
                    continue
                child = f"{loc}.{key}" if loc else key
                if (key in SCHEMA_KEYS and not isinstance(value, str)) or (
                    key in FREEFORM_KEYS and isinstance(value, Mapping)
                ):
                    text = _schema_text(value)
                    if text:
                        children.append((text, child, "schema" if key in SCHEMA_KEYS else inner_kind))
                elif key in TEXT_KEYS:
                    sub_kind = "tool_definition" if key in ("tools", "functions") else inner_kind
                    children.append((value, child, sub_kind))
            stack.extend(reversed(children))
        elif isinstance(item, list | tuple):
            stack.extend((v, f"{loc}[{i}]", knd) for i, v in reversed(list(enumerate(item))))


def segments(request: Mapping[str, Any], route: str) -> Iterator[Segment]:
    """The model-visible texts of ``request`` on ``route`` (one of ``ROUTES``, or ``"any"``)."""
    keys = _TOP_LEVEL.get(route)
    if keys is None:
        raise RequestError(f"unknown route {route!r}; expected one of {', '.join(ROUTES)}")
    for key in keys:
        value = request.get(key)
        if value is None:
            continue
        if key == "prompt" and isinstance(value, list):
            # A list of strings, or token ids (ints or lists of ints) with no text to read.
            for i, item in enumerate(value):
                if isinstance(item, str) and item:
                    yield Segment(f"prompt[{i}]", item, "prompt")
            continue
        kind = {"instructions": "system", "system": "system", "tools": "tool_definition"}.get(key, key)
        if key == "text" and isinstance(value, Mapping):
            value = {k: v for k, v in value.items() if k == "format"}
        yield from _walk(value, key, kind)


def depth_of(node: Any, limit: int) -> int:
    """Nesting depth of a JSON value, counted up to ``limit + 1`` (iterative)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(node, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        if isinstance(item, Mapping):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, Mapping | list | tuple))
        elif isinstance(item, list | tuple):
            stack.extend((v, depth + 1) for v in item if isinstance(v, Mapping | list | tuple))
    return deepest

"""Deterministic, realistic bodies for the routes the recorded corpus lacks.

    from traffic import KINDS, generate
    body = generate("embeddings response (OpenAI, float)", seed=1)
    body.data, body.content_type, body.method, body.path

Every kind is a function ``seed -> Body``; the same seed gives the same bytes. Shapes follow the
installed ``openai`` package's types (``openai/types/...``: Response and its stream events,
CreateEmbeddingResponse, Completion, ModerationCreateResponse, ChatCompletion logprobs) and the
providers' public API references (Anthropic Messages and its SSE events, OpenAI's error body and
batch input lines); formatting follows what each server writes: OpenAI pretty-prints JSON bodies
(2 spaces; errors 4 spaces), vLLM (Starlette) and Ollama (Go) minify, embeddings are float32 printed
as Python's repr of the float64 value (OpenAI, vLLM) or as the shortest float32 text (Ollama, TEI).
Ids, texts and numbers are random; field sets and value formats are the real ones.

``HEAD_KINDS`` does the same for HTTP heads (lists of ``(name, value)`` byte pairs): OpenAI's
with its Cloudflare cookies, the openai SDK's request head, Anthropic's, uvicorn's (vLLM).

Run it to see one body per kind: ``python benchmarks/traffic.py [--seed N] [--show KIND]``.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import random
import string
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["HEAD_KINDS", "KINDS", "Body", "Head", "generate"]


@dataclass(frozen=True)
class Body:
    kind: str
    data: bytes
    content_type: str
    method: str = "POST"
    path: str = "/v1/chat/completions"
    status: int = 200
    response: bool = True  # False: a request body


JSON = "application/json"
SSE = "text/event-stream; charset=utf-8"
WORDS = (
    "the", "a", "of", "to", "and", "in", "is", "it", "that", "for", "on", "with", "as", "this", "was",
    "be", "are", "by", "at", "from", "or", "an", "have", "not", "which", "model", "data", "request",
    "token", "system", "user", "answer", "question", "function", "value", "result", "time", "first",
    "new", "example", "number", "list", "string", "object", "array", "field", "error", "stream",
    "response", "input", "output", "call", "tool", "weather", "city", "temperature", "forecast",
    "report", "summary", "document", "section", "table", "chart", "code", "test", "file", "python",
    "library", "server", "client", "network", "latency", "memory", "cache", "batch", "queue", "worker",
    "process", "thread", "please", "explain", "briefly", "because", "however", "therefore", "although",
    "while", "during", "after", "before", "between",
)  # fmt: skip


def _rnd(seed: int, kind: str) -> random.Random:
    return random.Random(f"{kind}:{seed}")


def _id(
    rnd: random.Random, prefix: str, n: int = 24, alphabet: str = string.ascii_letters + string.digits
) -> str:
    return prefix + "".join(rnd.choice(alphabet) for _ in range(n))


def _hex(rnd: random.Random, n: int) -> str:
    return "".join(rnd.choice("0123456789abcdef") for _ in range(n))


def _sentence(rnd: random.Random, lo: int = 6, hi: int = 18) -> str:
    words = [rnd.choice(WORDS) for _ in range(rnd.randint(lo, hi))]
    return " ".join(words).capitalize() + rnd.choice([".", ".", ".", "?", "!"])


def _text(rnd: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rnd) for _ in range(sentences))


def _pieces(rnd: random.Random, text: str) -> list[str]:
    """``text`` cut as a tokenizer streams it: a word (with its leading space) or two at a time."""
    words = text.split(" ")
    out = [words[0]]
    for w in words[1:]:
        out.append(" " + w)
    merged: list[str] = []
    i = 0
    while i < len(out):
        n = 2 if rnd.random() < 0.2 and i + 1 < len(out) else 1
        merged.append("".join(out[i : i + n]))
        i += n
    return merged


def _pretty(obj: Any, indent: int = 2) -> bytes:
    return json.dumps(obj, indent=indent, ensure_ascii=False).encode()


def _mini(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def _created(rnd: random.Random) -> int:
    return 1_760_000_000 + rnd.randrange(10_000_000)


def _f32(x: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


def _vector(rnd: random.Random, dims: int) -> list[float]:
    """A unit-norm float32 vector, as embedding models return (values ~N(0, 1/sqrt(dims)))."""
    v = [rnd.gauss(0.0, 1.0) for _ in range(dims)]
    norm = math.sqrt(sum(x * x for x in v))
    return [_f32(x / norm) for x in v]


def _shortest_f32(x: float, style: str) -> str:
    """The shortest text that reads back as float32 ``x``, written as Go ('go': encoding/json,
    exponent below 1e-6, "1e-07" cleaned to "1e-7") or Rust ('rust': serde_json/ryu) do."""
    for digits in range(1, 10):
        text = f"{x:.{digits}g}"
        if _f32(float(text)) == x:
            break
    mantissa_exp = f"{float(text):.{digits - 1}e}"
    mantissa, exp = mantissa_exp.split("e")
    e = int(exp)
    small = abs(x) < (1e-6 if style == "go" else 1e-5) and x != 0
    if not small and abs(x) < 1e21:
        out = f"{float(text):.{max(0, digits - 1 - e)}f}"
        if "." in out:
            out = out.rstrip("0").rstrip(".") if style == "go" else out.rstrip("0")
            if out.endswith("."):
                out += "0"
        return out
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{'-' if e < 0 else ('+' if style == 'go' else '')}{abs(e)}"


def _function_tools(rnd: random.Random, n: int) -> list[dict[str, Any]]:
    names = ["get_weather", "search_docs", "create_ticket", "lookup_order", "send_email", "run_sql"]
    tools = []
    for name in rnd.sample(names, n):
        tools.append(
            {
                "name": name,
                "description": _sentence(rnd, 8, 16),
                "parameters": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string", "description": _sentence(rnd, 4, 8)},
                        "limit": {"type": "integer", "description": "Maximum number of results."},
                        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                    },
                    "required": ["query"],
                    "additionalProperties": False,
                },
            }
        )
    return tools


# -- OpenAI Responses API ----------------------------------------------------------------------


def responses_request(seed: int) -> Body:
    rnd = _rnd(seed, "responses request")
    tools = [{"type": "function", **t, "strict": True} for t in _function_tools(rnd, 2)]
    call_id = _id(rnd, "call_")
    body = {
        "model": "gpt-4.1",
        "instructions": _text(rnd, 4),
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": _text(rnd, 3)}]},
            {
                "type": "function_call",
                "id": _id(rnd, "fc_", 48, "0123456789abcdef"),
                "call_id": call_id,
                "name": tools[0]["name"],
                "arguments": json.dumps({"query": _sentence(rnd, 3, 6), "limit": 5}),
                "status": "completed",
            },
            {"type": "function_call_output", "call_id": call_id, "output": _text(rnd, 5)},
            {"role": "user", "content": _sentence(rnd)},
        ],
        "tools": tools,
        "tool_choice": "auto",
        "temperature": 0.2,
        "max_output_tokens": 1024,
        "store": False,
        "stream": rnd.random() < 0.5,
    }
    return Body("responses request", _mini(body), JSON, path="/v1/responses", response=False)


def _response_object(
    rnd: random.Random, status: str, text: str | None, msg_id: str, resp_id: str, created: int
) -> dict[str, Any]:
    output = []
    if text is not None:
        output = [
            {
                "id": msg_id,
                "type": "message",
                "status": "completed",
                "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}],
                "role": "assistant",
            }
        ]
    tokens_in, tokens_out = rnd.randrange(20, 3000), len(text.split()) * 4 // 3 if text else 0
    return {
        "id": resp_id,
        "object": "response",
        "created_at": created,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "max_tool_calls": None,
        "model": "gpt-4.1-2025-04-14",
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "prompt_cache_key": None,
        "reasoning": {"effort": None, "summary": None},
        "safety_identifier": None,
        "service_tier": "default",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": (
            {
                "input_tokens": tokens_in,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": tokens_out,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": tokens_in + tokens_out,
            }
            if status == "completed"
            else None
        ),
        "user": None,
        "metadata": {},
    }


def responses_response(seed: int) -> Body:
    rnd = _rnd(seed, "responses response")
    resp_id, msg_id = "resp_" + _hex(rnd, 50), "msg_" + _hex(rnd, 50)
    body = _response_object(rnd, "completed", _text(rnd, rnd.randint(2, 12)), msg_id, resp_id, _created(rnd))
    return Body("responses response", _pretty(body), JSON, path="/v1/responses")


def _sse(events: list[tuple[str | None, bytes]]) -> bytes:
    out = []
    for name, data in events:
        out.append((f"event: {name}\n" if name else "").encode() + b"data: " + data + b"\n\n")
    return b"".join(out)


def responses_stream(seed: int) -> Body:
    rnd = _rnd(seed, "responses stream")
    resp_id, msg_id = "resp_" + _hex(rnd, 50), "msg_" + _hex(rnd, 50)
    text = _text(rnd, rnd.randint(3, 10))
    seq = iter(range(10_000))
    events: list[tuple[str | None, bytes]] = []

    def add(obj: dict[str, Any]) -> None:
        obj["sequence_number"] = next(seq)
        events.append((obj["type"], _mini(obj)))

    at = _created(rnd)
    created = _response_object(rnd, "in_progress", None, msg_id, resp_id, at)
    add({"type": "response.created", "response": created})
    add({"type": "response.in_progress", "response": created})
    item = {"id": msg_id, "type": "message", "status": "in_progress", "content": [], "role": "assistant"}
    add({"type": "response.output_item.added", "output_index": 0, "item": item})
    part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    add(
        {
            "type": "response.content_part.added",
            "item_id": msg_id,
            "output_index": 0,
            "content_index": 0,
            "part": part,
        }
    )
    for piece in _pieces(rnd, text):
        add(
            {
                "type": "response.output_text.delta",
                "item_id": msg_id,
                "output_index": 0,
                "content_index": 0,
                "delta": piece,
                "logprobs": [],
                "obfuscation": _id(rnd, "", rnd.randint(1, 15)),
            }
        )
    add(
        {
            "type": "response.output_text.done",
            "item_id": msg_id,
            "output_index": 0,
            "content_index": 0,
            "text": text,
            "logprobs": [],
        }
    )
    done_part = {**part, "text": text}
    add(
        {
            "type": "response.content_part.done",
            "item_id": msg_id,
            "output_index": 0,
            "content_index": 0,
            "part": done_part,
        }
    )
    done_item = {**item, "status": "completed", "content": [done_part]}
    add({"type": "response.output_item.done", "output_index": 0, "item": done_item})
    add(
        {
            "type": "response.completed",
            "response": _response_object(rnd, "completed", text, msg_id, resp_id, at),
        }
    )
    return Body("responses stream", _sse(events), SSE, path="/v1/responses")


# -- embeddings --------------------------------------------------------------------------------


def embeddings_request(seed: int) -> Body:
    rnd = _rnd(seed, "embeddings request")
    body = {
        "input": [_text(rnd, rnd.randint(1, 4)) for _ in range(rnd.randint(1, 8))],
        "model": "text-embedding-3-small",
        "encoding_format": "base64",  # what the openai SDKs ask for unless told otherwise
    }
    return Body("embeddings request", _mini(body), JSON, path="/v1/embeddings", response=False)


def _embedding_body(
    rnd: random.Random, n: int, dims: int, encode: Callable[[list[float]], Any], model: str
) -> dict[str, Any]:
    data = [{"object": "embedding", "index": i, "embedding": encode(_vector(rnd, dims))} for i in range(n)]
    tokens = rnd.randrange(5, 200) * n
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def embeddings_openai_float(seed: int) -> Body:
    rnd = _rnd(seed, "embeddings openai")
    body = _embedding_body(rnd, 1, 1536, list, "text-embedding-3-small")
    return Body("embeddings response (OpenAI, float)", _pretty(body), JSON, path="/v1/embeddings")


def embeddings_openai_base64(seed: int) -> Body:
    rnd = _rnd(seed, "embeddings base64")

    def b64(v: list[float]) -> str:
        return base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode()

    body = _embedding_body(rnd, 1, 1536, b64, "text-embedding-3-small")
    return Body("embeddings response (OpenAI, base64)", _pretty(body), JSON, path="/v1/embeddings")


def embeddings_vllm(seed: int) -> Body:
    rnd = _rnd(seed, "embeddings vllm")
    body = _embedding_body(rnd, 4, 1024, list, "BAAI/bge-large-en-v1.5")
    body["id"] = "embd-" + _hex(rnd, 32)
    body["created"] = _created(rnd)
    body["usage"]["completion_tokens"] = 0
    return Body("embeddings response (vLLM, float)", _mini(body), JSON, path="/v1/embeddings")


def embeddings_ollama(seed: int) -> Body:
    """Ollama's OpenAI-compatible endpoint: Go structs in field order, float32 values in their
    shortest form."""
    rnd = _rnd(seed, "embeddings ollama")
    vector = ",".join(_shortest_f32(x, "go") for x in _vector(rnd, 768))
    tokens = rnd.randrange(5, 200)
    text = (
        '{"object":"list","data":[{"object":"embedding","embedding":[' + vector + '],"index":0}],'
        f'"model":"nomic-embed-text","usage":{{"prompt_tokens":{tokens},"total_tokens":{tokens}}}}}'
    )
    return Body("embeddings response (Ollama, shortest float32)", text.encode(), JSON, path="/v1/embeddings")


# -- legacy completions ------------------------------------------------------------------------


def completions_request(seed: int) -> Body:
    rnd = _rnd(seed, "completions request")
    body = {
        "model": "gpt-3.5-turbo-instruct",
        "prompt": _text(rnd, rnd.randint(2, 8)) + "\n\nAnswer:",
        "max_tokens": 256,
        "temperature": 0.7,
        "logprobs": 3 if rnd.random() < 0.5 else None,
        "stream": rnd.random() < 0.5,
    }
    return Body("completions request", _mini(body), JSON, path="/v1/completions", response=False)


def _logprob(rnd: random.Random) -> float:
    return -abs(rnd.expovariate(1.5)) if rnd.random() < 0.7 else -abs(rnd.expovariate(0.2))


def completions_response(seed: int) -> Body:
    rnd = _rnd(seed, "completions response")
    text = " " + _text(rnd, rnd.randint(2, 6))
    tokens = _pieces(rnd, text)
    offsets, pos = [], 120
    for t in tokens:
        offsets.append(pos)
        pos += len(t)
    logprobs = {
        "tokens": tokens,
        "token_logprobs": [_logprob(rnd) for _ in tokens],
        "top_logprobs": [
            {t: _logprob(rnd) for t in {tok, " " + rnd.choice(WORDS), " " + rnd.choice(WORDS)}}
            for tok in tokens
        ],
        "text_offset": offsets,
    }
    prompt_tokens = rnd.randrange(10, 400)
    body = {
        "id": "cmpl-" + _id(rnd, "", 29),
        "object": "text_completion",
        "created": _created(rnd),
        "model": "gpt-3.5-turbo-instruct:20230824-v2",
        "choices": [{"text": text, "index": 0, "logprobs": logprobs, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(tokens),
            "total_tokens": prompt_tokens + len(tokens),
        },
    }
    return Body("completions response (logprobs)", _pretty(body), JSON, path="/v1/completions")


def completions_stream(seed: int) -> Body:
    rnd = _rnd(seed, "completions stream")
    cid, created = "cmpl-" + _id(rnd, "", 29), _created(rnd)
    pieces = _pieces(rnd, " " + _text(rnd, rnd.randint(2, 8)))
    events: list[tuple[str | None, bytes]] = []
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        chunk = {
            "id": cid,
            "object": "text_completion",
            "created": created,
            "choices": [
                {"text": piece, "index": 0, "logprobs": None, "finish_reason": "stop" if last else None}
            ],
            "model": "gpt-3.5-turbo-instruct",
        }
        events.append((None, _mini(chunk)))
    events.append((None, b"[DONE]"))
    return Body("completions stream", _sse(events), SSE, path="/v1/completions")


def chat_logprobs_response(seed: int) -> Body:
    """A chat completion with logprobs (top_logprobs=5): mostly floats and byte arrays."""
    rnd = _rnd(seed, "chat logprobs")
    text = _text(rnd, rnd.randint(2, 5))
    content = []
    for token in _pieces(rnd, text):
        tops = [token] + [" " + rnd.choice(WORDS) for _ in range(4)]
        entries = sorted((_logprob(rnd) for _ in tops), reverse=True)
        content.append(
            {
                "token": token,
                "logprob": entries[0],
                "bytes": list(token.encode()),
                "top_logprobs": [
                    {"token": t, "logprob": lp, "bytes": list(t.encode())}
                    for t, lp in zip(tops, entries, strict=True)
                ],
            }
        )
    prompt_tokens = rnd.randrange(10, 500)
    body = {
        "id": "chatcmpl-" + _id(rnd, "", 29),
        "object": "chat.completion",
        "created": _created(rnd),
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None, "annotations": []},
                "logprobs": {"content": content, "refusal": None},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(content),
            "total_tokens": prompt_tokens + len(content),
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_" + _hex(rnd, 10),
    }
    return Body("chat response (logprobs)", _pretty(body), JSON)


# -- Anthropic Messages ------------------------------------------------------------------------

ANTHROPIC_MODEL = "claude-sonnet-4-20250514"


def anthropic_request(seed: int) -> Body:
    rnd = _rnd(seed, "anthropic request")
    tools = [
        {"name": t["name"], "description": t["description"], "input_schema": t["parameters"]}
        for t in _function_tools(rnd, 2)
    ]
    tool_id = _id(rnd, "toolu_01", 22)
    body = {
        "model": ANTHROPIC_MODEL,
        "max_tokens": 1024,
        "system": [{"type": "text", "text": _text(rnd, 5), "cache_control": {"type": "ephemeral"}}],
        "tools": tools,
        "messages": [
            {"role": "user", "content": _text(rnd, 2)},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": _sentence(rnd)},
                    {
                        "type": "tool_use",
                        "id": tool_id,
                        "name": tools[0]["name"],
                        "input": {"query": _sentence(rnd, 3, 6)},
                    },
                ],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": _text(rnd, 4)}],
            },
        ],
        "stream": rnd.random() < 0.5,
    }
    return Body("anthropic request", _mini(body), JSON, path="/v1/messages", response=False)


def _anthropic_usage(rnd: random.Random, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": rnd.randrange(10, 4000),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": rnd.choice([0, 0, 1024, 2048]),
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


def anthropic_response(seed: int) -> Body:
    rnd = _rnd(seed, "anthropic response")
    text = _text(rnd, rnd.randint(2, 10))
    body = {
        "id": _id(rnd, "msg_01", 22),
        "type": "message",
        "role": "assistant",
        "model": ANTHROPIC_MODEL,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": _anthropic_usage(rnd, len(text.split()) * 4 // 3),
    }
    return Body("anthropic response", _mini(body), JSON, path="/v1/messages")


def anthropic_stream(seed: int) -> Body:
    rnd = _rnd(seed, "anthropic stream")
    text = _text(rnd, rnd.randint(3, 10))
    pieces = _pieces(rnd, text)
    usage = _anthropic_usage(rnd, 1)
    message = {
        "id": _id(rnd, "msg_01", 22),
        "type": "message",
        "role": "assistant",
        "model": ANTHROPIC_MODEL,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    events: list[tuple[str | None, bytes]] = [
        ("message_start", _mini({"type": "message_start", "message": message})),
        (
            "content_block_start",
            _mini({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ),
        ("ping", b'{"type": "ping"}'),
    ]
    for piece in pieces:
        delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
        events.append(("content_block_delta", _mini(delta)))
    events.append(("content_block_stop", _mini({"type": "content_block_stop", "index": 0})))
    final = {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": len(pieces)},
    }
    events.append(("message_delta", _mini(final)))
    events.append(("message_stop", _mini({"type": "message_stop"})))
    return Body("anthropic stream", _sse(events), SSE, path="/v1/messages")


# -- moderations, files, errors ----------------------------------------------------------------

_MODERATION_CATEGORIES = (
    "harassment", "harassment/threatening", "sexual", "hate", "hate/threatening", "illicit",
    "illicit/violent", "self-harm/intent", "self-harm/instructions", "self-harm", "sexual/minors",
    "violence", "violence/graphic",
)  # fmt: skip


def moderations_request(seed: int) -> Body:
    rnd = _rnd(seed, "moderations request")
    body = {"model": "omni-moderation-latest", "input": _text(rnd, rnd.randint(1, 5))}
    return Body("moderations request", _mini(body), JSON, path="/v1/moderations", response=False)


def moderations_response(seed: int) -> Body:
    rnd = _rnd(seed, "moderations response")
    result = {
        "flagged": False,
        "categories": {c: False for c in _MODERATION_CATEGORIES},
        "category_scores": {c: 10 ** rnd.uniform(-7, -2) for c in _MODERATION_CATEGORIES},
        "category_applied_input_types": {c: ["text"] for c in _MODERATION_CATEGORIES},  # text input
    }
    body = {"id": "modr-" + _hex(rnd, 32), "model": "omni-moderation-latest", "results": [result]}
    return Body("moderations response", _pretty(body), JSON, path="/v1/moderations")


def _batch_lines(rnd: random.Random, n: int) -> bytes:
    lines = []
    for i in range(n):
        body = {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You are a helpful assistant that classifies support tickets."},
                {"role": "user", "content": _text(rnd, rnd.randint(1, 4))},
            ],
            "max_tokens": 1000,
        }
        line = {
            "custom_id": f"request-{i + 1}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": body,
        }
        lines.append(json.dumps(line, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def batch_jsonl(seed: int) -> Body:
    rnd = _rnd(seed, "batch jsonl")
    return Body(
        "files: batch input (JSONL)",
        _batch_lines(rnd, 200),
        "application/jsonl",
        path="/v1/files",
        response=False,
    )


def files_upload(seed: int) -> Body:
    """POST /v1/files as the SDKs send it: multipart/form-data with purpose and the JSONL file."""
    rnd = _rnd(seed, "files upload")
    boundary = _hex(rnd, 32)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'.encode(),
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="batch_input.jsonl"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode(),
        _batch_lines(rnd, 200),
        f"\r\n--{boundary}--\r\n".encode(),
    ]
    ctype = f"multipart/form-data; boundary={boundary}"
    return Body("files: upload (multipart)", b"".join(parts), ctype, path="/v1/files", response=False)


def error_openai(seed: int) -> Body:
    rnd = _rnd(seed, "error openai")
    if rnd.random() < 0.5:
        error = {
            "message": (
                f"Incorrect API key provided: sk-proj-****{_id(rnd, '', 4)}. You can find your API key at "
                "https://platform.openai.com/account/api-keys."
            ),
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
        status = 401
    else:
        used, req = rnd.randrange(25000, 30000), rnd.randrange(500, 5000)
        error = {
            "message": (
                f"Rate limit reached for gpt-4o in organization org-{_id(rnd, '', 24)} on tokens per min "
                "(TPM): "
                f"Limit 30000, Used {used}, Requested {req}. Please try again in {rnd.uniform(0.1, 9):.3f}s. "
                "Visit https://platform.openai.com/account/rate-limits to learn more."
            ),
            "type": "tokens",
            "param": None,
            "code": "rate_limit_exceeded",
        }
        status = 429
    return Body(
        "error (OpenAI 4xx)",
        _pretty({"error": error}, indent=4) + b"\n",
        "application/json; charset=utf-8",
        status=status,
    )


def error_anthropic(seed: int) -> Body:
    rnd = _rnd(seed, "error anthropic")
    kind, message, status = rnd.choice(
        [
            ("overloaded_error", "Overloaded", 529),
            ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", 429),
            ("invalid_request_error", "messages: at least one message is required", 400),
        ]
    )
    body = {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": _id(rnd, "req_011C", 20),
    }
    return Body("error (Anthropic)", _mini(body), JSON, path="/v1/messages", status=status)


KINDS: dict[str, Callable[[int], Body]] = {
    "responses request": responses_request,
    "responses response": responses_response,
    "responses stream": responses_stream,
    "embeddings request": embeddings_request,
    "embeddings response (OpenAI, float)": embeddings_openai_float,
    "embeddings response (OpenAI, base64)": embeddings_openai_base64,
    "embeddings response (vLLM, float)": embeddings_vllm,
    "embeddings response (Ollama, shortest float32)": embeddings_ollama,
    "completions request": completions_request,
    "completions response (logprobs)": completions_response,
    "completions stream": completions_stream,
    "chat response (logprobs)": chat_logprobs_response,
    "anthropic request": anthropic_request,
    "anthropic response": anthropic_response,
    "anthropic stream": anthropic_stream,
    "moderations request": moderations_request,
    "moderations response": moderations_response,
    "files: batch input (JSONL)": batch_jsonl,
    "files: upload (multipart)": files_upload,
    "error (OpenAI 4xx)": error_openai,
    "error (Anthropic)": error_anthropic,
}


# -- HTTP heads (for the head codec and the tunnel) --------------------------------------------

Head = list[tuple[bytes, bytes]]
_CF_CHARS = string.ascii_letters + string.digits + "_."


def _http_date(when: int) -> str:
    import email.utils

    return email.utils.formatdate(when, usegmt=True)


def _cookie_date(when: int) -> str:
    import time

    return time.strftime("%a, %d-%b-%y %H:%M:%S GMT", time.gmtime(when))


def _head(pairs: list[tuple[str, str]]) -> Head:
    return [(n.encode(), v.encode()) for n, v in pairs]


def head_openai_response(seed: int, *, cookies: bool = True, stream: bool = False) -> Head:
    """A response head of api.openai.com (behind Cloudflare), random ids and counters."""
    rnd = _rnd(seed, "head openai response")
    now = _created(rnd)
    ms = rnd.randrange(150, 4000)
    pairs = [
        ("date", _http_date(now)),
        ("content-type", SSE if stream else JSON),
        ("transfer-encoding", "chunked"),
        ("connection", "keep-alive"),
        ("access-control-expose-headers", "X-Request-ID"),
        ("openai-organization", "user-" + _id(rnd, "", 24, string.ascii_lowercase + string.digits)),
        ("openai-processing-ms", str(ms)),
        ("openai-project", _id(rnd, "proj_", 24)),
        ("openai-version", "2020-10-01"),
        ("x-envoy-upstream-service-time", str(ms + rnd.randrange(1, 20))),
        ("x-ratelimit-limit-requests", "10000"),
        ("x-ratelimit-limit-tokens", "30000000"),
        ("x-ratelimit-remaining-requests", str(rnd.randrange(9000, 10000))),
        ("x-ratelimit-remaining-tokens", str(rnd.randrange(29_000_000, 30_000_000))),
        ("x-ratelimit-reset-requests", f"{rnd.randrange(1, 60)}ms"),
        ("x-ratelimit-reset-tokens", f"{rnd.randrange(0, 9)}ms"),
        ("x-request-id", "req_" + _hex(rnd, 32)),
        ("strict-transport-security", "max-age=31536000; includeSubDomains; preload"),
        ("cf-cache-status", "DYNAMIC"),
    ]
    if cookies:
        pairs.append(
            (
                "set-cookie",
                f"__cf_bm={_id(rnd, '', 43, _CF_CHARS)}-{now}-1.0.1.1-{_id(rnd, '', 107, _CF_CHARS)}; "
                f"path=/; expires={_cookie_date(now + 1800)}; domain=.api.openai.com; HttpOnly; Secure; "
                "SameSite=None",
            )
        )
    pairs.append(("x-content-type-options", "nosniff"))
    if cookies:
        pairs.append(
            (
                "set-cookie",
                f"_cfuvid={_id(rnd, '', 43, _CF_CHARS)}-{now}{rnd.randrange(1000):03d}-0.0.1.1-604800000; "
                "path=/; domain=.api.openai.com; HttpOnly; Secure; SameSite=None",
            )
        )
    pairs += [
        ("server", "cloudflare"),
        ("cf-ray", _hex(rnd, 16) + "-" + rnd.choice(["SJC", "FRA", "AMS", "IAD"])),
    ]
    if not stream:
        pairs.append(("content-encoding", "gzip"))
    pairs.append(("alt-svc", 'h3=":443"; ma=86400'))
    return _head(pairs)


def head_openai_request(seed: int) -> Head:
    """A request head of the openai Python SDK."""
    rnd = _rnd(seed, "head openai request")
    version = f"1.{rnd.randrange(40, 110)}.{rnd.randrange(0, 10)}"
    return _head(
        [
            ("host", "api.openai.com"),
            ("accept-encoding", "gzip, deflate"),
            ("connection", "keep-alive"),
            ("accept", "application/json"),
            ("content-type", "application/json"),
            ("user-agent", f"OpenAI/Python {version}"),
            ("x-stainless-lang", "python"),
            ("x-stainless-package-version", version),
            ("x-stainless-os", rnd.choice(["Linux", "MacOS"])),
            ("x-stainless-arch", rnd.choice(["x64", "arm64"])),
            ("x-stainless-runtime", "CPython"),
            ("x-stainless-runtime-version", f"3.{rnd.randrange(9, 14)}.{rnd.randrange(0, 12)}"),
            (
                "authorization",
                "Bearer sk-proj-" + _id(rnd, "", 156, string.ascii_letters + string.digits + "_-"),
            ),
            ("x-stainless-async", "false"),
            ("x-stainless-retry-count", "0"),
            ("x-stainless-read-timeout", "600"),
            ("content-length", str(rnd.randrange(200, 40000))),
        ]
    )


def head_anthropic_response(seed: int) -> Head:
    rnd = _rnd(seed, "head anthropic response")
    now = _created(rnd)
    import time

    def rfc3339(t: int) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

    return _head(
        [
            ("date", _http_date(now)),
            ("content-type", JSON),
            ("transfer-encoding", "chunked"),
            ("connection", "keep-alive"),
            ("anthropic-ratelimit-input-tokens-limit", "400000"),
            (
                "anthropic-ratelimit-input-tokens-remaining",
                str(rnd.randrange(390_000, 400_000) // 1000 * 1000),
            ),
            ("anthropic-ratelimit-input-tokens-reset", rfc3339(now + 1)),
            ("anthropic-ratelimit-output-tokens-limit", "80000"),
            (
                "anthropic-ratelimit-output-tokens-remaining",
                str(rnd.randrange(70_000, 80_000) // 1000 * 1000),
            ),
            ("anthropic-ratelimit-output-tokens-reset", rfc3339(now + 2)),
            ("anthropic-ratelimit-requests-limit", "4000"),
            ("anthropic-ratelimit-requests-remaining", str(rnd.randrange(3900, 4000))),
            ("anthropic-ratelimit-requests-reset", rfc3339(now + 1)),
            ("anthropic-ratelimit-tokens-limit", "480000"),
            ("anthropic-ratelimit-tokens-remaining", str(rnd.randrange(460_000, 480_000) // 1000 * 1000)),
            ("anthropic-ratelimit-tokens-reset", rfc3339(now + 1)),
            ("request-id", _id(rnd, "req_011C", 20)),
            ("strict-transport-security", "max-age=31536000; includeSubDomains; preload"),
            (
                "anthropic-organization-id",
                _hex(rnd, 8)
                + "-"
                + _hex(rnd, 4)
                + "-"
                + _hex(rnd, 4)
                + "-"
                + _hex(rnd, 4)
                + "-"
                + _hex(rnd, 12),
            ),
            ("via", "1.1 google"),
            ("cf-cache-status", "DYNAMIC"),
            ("x-robots-tag", "none"),
            ("server", "cloudflare"),
            ("cf-ray", _hex(rnd, 16) + "-LHR"),
            ("content-encoding", "gzip"),
        ]
    )


def head_vllm_response(seed: int) -> Head:
    rnd = _rnd(seed, "head vllm response")
    return _head(
        [
            ("date", _http_date(_created(rnd))),
            ("server", "uvicorn"),
            ("content-length", str(rnd.randrange(300, 5000))),
            ("content-type", JSON),
        ]
    )


HEAD_KINDS: dict[str, Callable[[int], Head]] = {
    "OpenAI response head (with cookies)": head_openai_response,
    "OpenAI response head (no cookies)": lambda seed: head_openai_response(seed, cookies=False),
    "OpenAI SSE response head": lambda seed: head_openai_response(seed, stream=True),
    "OpenAI SDK request head": head_openai_request,
    "Anthropic response head": head_anthropic_response,
    "vLLM (uvicorn) response head": head_vllm_response,
}


def generate(kind: str, seed: int = 0) -> Body:
    """One body of ``kind`` (a key of KINDS)."""
    return KINDS[kind](seed)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", metavar="KIND", help="print the body of one kind")
    args = parser.parse_args()
    if args.show:
        print(generate(args.show, args.seed).data.decode("utf-8", "replace"))
        return
    for kind in KINDS:
        body = generate(kind, args.seed)
        print(f"{kind:<48} {len(body.data):>8} bytes  {body.method} {body.path}  {body.content_type}")


if __name__ == "__main__":
    main()

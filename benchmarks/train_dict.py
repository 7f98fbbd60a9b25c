"""Build the two data files the codec ships: the zstd dictionary and the T1 shape table.

    python benchmarks/train_dict.py [--corpus ../shared/corpus]

Training data: synthetic OpenAI-style traffic generated here (natural SDK key order: requests with
messages, tools and tool calls, responses, stream chunks, usage blocks) plus the *training half* of
the corpus (``m2m.cli.bench.held_out`` is False). The held-out half is never read, so figures
reported on it (``bench_codec.py --held-out``) measure generalisation.

Outputs (append-only: shapes keep their ids, a new dictionary needs a new id; ``--rebuild``
starts afresh and is only for a format version nobody has used yet):
    src/m2m/data/m2m_v<id>.zdict   zstd dictionary (64 KiB)
    src/m2m/data/t1_shapes.json    T1 shape table (up to 900 shapes, ids 2..901)

The shipped files were built with ``--synthetic 100 --rebuild``: on the held-out half, more
synthetic data made the dictionary worse (responses 0.37 -> 0.32 of minified bytes going from 1000
to 100 synthetic conversations), so real traffic weighs most.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import zstandard

from m2m.cli.bench import load

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "m2m" / "data"
DICT_ID = 1
DICT_SIZE = 64 * 1024
MAX_SHAPES = 900  # ids 2..901: every id is one o200k token
MIN_COUNT = 3

WORDS = [
    "the",
    "a",
    "to",
    "of",
    "and",
    "in",
    "is",
    "you",
    "that",
    "it",
    "for",
    "on",
    "with",
    "as",
    "this",
    "be",
    "are",
    "can",
    "your",
    "what",
    "how",
    "please",
    "weather",
    "city",
    "temperature",
    "search",
    "result",
    "file",
    "function",
    "user",
    "data",
    "list",
    "item",
    "error",
    "value",
    "report",
    "summary",
    "question",
    "answer",
    "explain",
    "code",
    "python",
    "json",
    "request",
    "response",
    "tool",
    "call",
    "model",
    "time",
    "date",
    "number",
    "name",
    "order",
    "status",
    "price",
    "product",
    "customer",
    "email",
    "message",
    "document",
    "page",
    "image",
    "text",
    "analysis",
    "step",
    "first",
    "then",
    "finally",
    "because",
    "however",
    "example",
    "table",
    "query",
    "database",
    "update",
]
MODELS = [
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-5",
    "gpt-5-mini",
    "o3",
    "o4-mini",
    "llama-3.3-70b-versatile",
    "qwen-2.5-72b-instruct",
    "deepseek-chat",
    "mistral-large-latest",
    "claude-sonnet-4",
    "gemini-2.5-flash",
]
ROLES_KEYS = [("role", "content"), ("content", "role")]
PTYPES = ["string", "integer", "number", "boolean"]


def sentence(rng: random.Random, n: int | None = None) -> str:
    words = [rng.choice(WORDS) for _ in range(n or rng.randint(3, 30))]
    return " ".join(words).capitalize() + rng.choice([".", "?", "!", ""])


def ident(rng: random.Random, prefix: str, n: int = 24) -> str:
    return prefix + "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(n)
    )


def tool_def(rng: random.Random, sort: bool) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for _ in range(rng.randint(0, 4)):
        p: dict[str, Any] = {"type": rng.choice(PTYPES)}
        if rng.random() < 0.6:
            p["description"] = sentence(rng, 6)
        if rng.random() < 0.15:
            p = {"type": "string", "enum": [rng.choice(WORDS) for _ in range(3)]}
        if rng.random() < 0.1:
            p = {"type": "array", "items": {"type": rng.choice(PTYPES)}}
        if rng.random() < 0.2:
            p["title"] = rng.choice(WORDS).title()
        props[rng.choice(WORDS) + rng.choice(["", "_id", "_name"])] = dict(sorted(p.items())) if sort else p
    params: dict[str, Any] = {"type": "object", "properties": props}
    if props and rng.random() < 0.8:
        params["required"] = list(props)[: rng.randint(1, len(props))]
    if rng.random() < 0.5:
        params["additionalProperties"] = False
    fn: dict[str, Any] = {
        "name": "_".join(rng.sample(WORDS, 2)),
        "description": sentence(rng, 10),
        "parameters": dict(sorted(params.items())) if sort else params,
    }
    if rng.random() < 0.3:
        fn["strict"] = True
    tool = {"type": "function", "function": dict(sorted(fn.items())) if sort else fn}
    return dict(sorted(tool.items())) if sort else tool


def message(rng: random.Random, role: str, sort: bool) -> dict[str, Any]:
    m: dict[str, Any] = {"role": role, "content": sentence(rng)}
    if role == "user" and rng.random() < 0.1:
        m["content"] = [
            {"type": "text", "text": sentence(rng)},
            {
                "type": "image_url",
                "image_url": {
                    "url": "https://example.com/" + ident(rng, "", 8) + ".png",
                    "detail": rng.choice(["auto", "low", "high"]),
                },
            },
        ]
    if role == "assistant" and rng.random() < 0.3:
        m["content"] = None
        m["tool_calls"] = [
            {
                "id": ident(rng, "call_"),
                "type": "function",
                "function": {
                    "name": "_".join(rng.sample(WORDS, 2)),
                    "arguments": json.dumps({rng.choice(WORDS): sentence(rng, 3)}),
                },
            }
        ]
    if role == "tool":
        m = {"role": "tool", "tool_call_id": ident(rng, "call_"), "content": sentence(rng)}
    return dict(sorted(m.items())) if sort else m


def request(rng: random.Random) -> dict[str, Any]:
    sort = rng.random() < 0.4
    msgs = [message(rng, "system", sort)] if rng.random() < 0.6 else []
    for _ in range(rng.randint(1, 4)):
        msgs.append(message(rng, "user", sort))
        msgs.append(message(rng, rng.choice(["assistant", "assistant", "tool"]), sort))
    msgs.append(message(rng, "user", sort))
    req: dict[str, Any] = {"model": rng.choice(MODELS), "messages": msgs}
    for key, val in (
        ("temperature", rng.choice([0, 0.2, 0.7, 1])),
        ("max_tokens", rng.choice([256, 1024, 4096])),
        ("stream", rng.random() < 0.5),
        ("n", 1),
        ("top_p", 1),
    ):
        if rng.random() < 0.4:
            req[key] = val
    if rng.random() < 0.5:
        req["tools"] = [tool_def(rng, sort) for _ in range(rng.randint(1, 4))]
        req["tool_choice"] = rng.choice(["auto", "required", "none"])
    if req.get("stream") and rng.random() < 0.5:
        req["stream_options"] = {"include_usage": True}
    return dict(sorted(req.items())) if sort else req


def usage(rng: random.Random) -> dict[str, Any]:
    p, c = rng.randint(5, 5000), rng.randint(1, 2000)
    u: dict[str, Any] = {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}
    if rng.random() < 0.6:
        u["prompt_tokens_details"] = {"cached_tokens": 0, "audio_tokens": 0}
        u["completion_tokens_details"] = {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        }
    return u


def response(rng: random.Random) -> dict[str, Any]:
    sort = rng.random() < 0.4
    msg: dict[str, Any] = {
        "role": "assistant",
        "content": sentence(rng, rng.randint(3, 80)),
        "refusal": None,
        "annotations": [],
    }
    finish = "stop"
    if rng.random() < 0.25:
        msg["content"] = None
        msg["tool_calls"] = [
            {
                "id": ident(rng, "call_"),
                "type": "function",
                "function": {
                    "name": "_".join(rng.sample(WORDS, 2)),
                    "arguments": json.dumps({rng.choice(WORDS): sentence(rng, 3)}),
                },
            }
        ]
        finish = "tool_calls"
    choice = {
        "index": 0,
        "message": dict(sorted(msg.items())) if sort else msg,
        "logprobs": None,
        "finish_reason": finish,
    }
    resp: dict[str, Any] = {
        "id": ident(rng, "chatcmpl-", 29),
        "object": "chat.completion",
        "created": rng.randint(1_700_000_000, 1_800_000_000),
        "model": rng.choice(MODELS),
        "choices": [dict(sorted(choice.items())) if sort else choice],
        "usage": usage(rng),
        "service_tier": "default",
        "system_fingerprint": ident(rng, "fp_", 10),
    }
    return dict(sorted(resp.items())) if sort else resp


def chunks(rng: random.Random) -> list[dict[str, Any]]:
    base = {
        "id": ident(rng, "chatcmpl-", 29),
        "object": "chat.completion.chunk",
        "created": rng.randint(1_700_000_000, 1_800_000_000),
        "model": rng.choice(MODELS),
        "system_fingerprint": ident(rng, "fp_", 10),
    }
    out = [
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {"role": "assistant", "content": "", "refusal": None},
                    "logprobs": None,
                    "finish_reason": None,
                }
            ],
        }
    ]
    for _ in range(rng.randint(3, 20)):
        out.append(
            {
                **base,
                "choices": [
                    {
                        "index": 0,
                        "delta": {"content": " " + rng.choice(WORDS)},
                        "logprobs": None,
                        "finish_reason": None,
                    }
                ],
            }
        )
    out.append({**base, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}]})
    return out


def synthetic(n: int, seed: int = 7) -> list[Any]:
    rng = random.Random(seed)
    docs: list[Any] = []
    for _ in range(n):
        docs.append(request(rng))
        docs.append(response(rng))
        docs.extend(chunks(rng)[:: rng.randint(1, 4)])
    return docs


# Values that may be implied by a shape: enum-like strings of these keys, null, booleans and zero.
ENUM_KEYS = {
    "role",
    "type",
    "object",
    "finish_reason",
    "service_tier",
    "tool_choice",
    "detail",
    "format",
    "status",
    "reasoning_effort",
    "effort",
    "additionalProperties",
    "strict",
    "stream",
    "logprobs",
}


def _fixable(key: str, value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return True
    if type(value) is int:
        return value == 0
    return isinstance(value, str) and key in ENUM_KEYS and len(value) <= 40


def mine_shapes(docs: list[Any]) -> list[list[Any]]:
    counts: Counter[tuple[Any, ...]] = Counter()
    key_counts: Counter[tuple[str, ...]] = Counter()

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            keys = tuple(v)
            if keys:
                key_counts[keys] += 1
                sig = tuple((k, json.dumps(x)) if _fixable(k, x) else k for k, x in v.items())
                if any(not isinstance(e, str) for e in sig):
                    counts[sig] += 1
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for doc in docs:
        walk(doc)
    ranked: list[tuple[int, tuple[Any, ...]]] = []
    for keys, n in key_counts.items():
        if n >= MIN_COUNT and (len(keys) >= 2):
            ranked.append((n, keys))
    for sig, n in counts.items():
        if n >= MIN_COUNT:
            ranked.append((n, sig))
    ranked.sort(key=lambda r: (-r[0], json.dumps(r[1])))
    shapes = []
    for _, sig in ranked[:MAX_SHAPES]:
        shapes.append([e if isinstance(e, str) else [e[0], json.loads(e[1])] for e in sig])
    return shapes


# Sparse shapes: the documented keys of OpenAI objects in the API's own order. An object whose keys
# are a subsequence of one (in that order, or sorted, as many recorders write them) is written as
# [code, present-mask, null-mask, non-null values...], whatever optional keys it has.
SPARSE_KEYS: list[list[str]] = [
    # chat request
    [
        "model",
        "messages",
        "audio",
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "max_tokens",
        "max_completion_tokens",
        "metadata",
        "modalities",
        "n",
        "parallel_tool_calls",
        "prediction",
        "presence_penalty",
        "prompt_cache_key",
        "reasoning_effort",
        "response_format",
        "safety_identifier",
        "seed",
        "service_tier",
        "stop",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "tool_choice",
        "tools",
        "top_p",
        "user",
        "verbosity",
        "web_search_options",
    ],
    # message (request and response side)
    [
        "role",
        "content",
        "name",
        "refusal",
        "reasoning",
        "reasoning_content",
        "reasoning_details",
        "annotations",
        "audio",
        "function_call",
        "tool_calls",
        "tool_call_id",
    ],
    # response, stream chunk (with fields vLLM, Groq and OpenRouter add)
    [
        "id",
        "object",
        "created",
        "model",
        "provider",
        "choices",
        "usage",
        "service_tier",
        "system_fingerprint",
        "obfuscation",
        "citations",
        "prompt_logprobs",
        "prompt_token_ids",
        "prompt_text",
        "kv_transfer_params",
        "metrics",
        "x_groq",
        "time_info",
    ],
    # stream chunk (OpenAI and Groq put the fingerprint before the choices)
    [
        "id",
        "object",
        "created",
        "model",
        "provider",
        "service_tier",
        "system_fingerprint",
        "choices",
        "usage",
        "obfuscation",
        "citations",
        "x_groq",
    ],
    # choice (response and chunk)
    [
        "index",
        "message",
        "delta",
        "logprobs",
        "finish_reason",
        "native_finish_reason",
        "stop_reason",
        "matched_stop",
        "token_ids",
        "routed_experts",
    ],
    # usage and its details
    [
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "prompt_tokens_details",
        "completion_tokens_details",
        "cost",
        "is_byok",
        "cost_details",
        "queue_time",
        "prompt_time",
        "completion_time",
        "total_time",
    ],
    [
        "cached_tokens",
        "cache_write_tokens",
        "audio_tokens",
        "multimodal_tokens",
        "reasoning_tokens",
        "accepted_prediction_tokens",
        "rejected_prediction_tokens",
        "text_tokens",
        "image_tokens",
    ],
    # tool call, function call, tool definition, function definition
    ["index", "id", "type", "function"],
    ["name", "arguments"],
    ["type", "function"],
    ["name", "description", "parameters", "strict"],
    # JSON schema (tool parameters, response_format)
    [
        "type",
        "title",
        "description",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "default",
        "anyOf",
        "format",
        "$defs",
        "$ref",
    ],
    # content parts
    ["type", "text", "image_url", "input_audio", "file", "refusal"],
    ["url", "detail"],
]


def sparse_shapes() -> list[list[str]]:
    out: list[list[str]] = []
    for keys in SPARSE_KEYS:
        for variant in (keys, sorted(keys)):
            if variant not in out:
                out.append(list(variant))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument(
        "--synthetic", type=int, default=100, help="synthetic conversations (real data weighs more)"
    )
    parser.add_argument("--dict-id", type=int, default=DICT_ID, help="id (1..15) of the dictionary to write")
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="start the shape table afresh and overwrite the dictionary (breaks payloads already sent)",
    )
    args = parser.parse_args()
    train = [json.loads(p.text) for p in load(args.corpus) if not p.held_out] if args.corpus.is_dir() else []
    docs = synthetic(args.synthetic) + train
    print(f"training documents: {len(docs)} ({len(train)} from the corpus training half)")

    # Append-only: shapes already shipped keep their ids; new ones go to the end.
    shapes_file = DATA / "t1_shapes.json"
    shapes: list[list[Any]] = []
    if shapes_file.is_file() and not args.rebuild:
        shapes = json.loads(shapes_file.read_text(encoding="utf-8"))["shapes"]
    known = {json.dumps(s) for s in shapes}
    added = [s for s in mine_shapes(docs) if json.dumps(s) not in known]
    shapes += added[: max(0, MAX_SHAPES - len(shapes))]
    sparse: list[list[str]] = []
    if shapes_file.is_file() and not args.rebuild:
        sparse = json.loads(shapes_file.read_text(encoding="utf-8")).get("sparse", [])
    sparse += [s for s in sparse_shapes() if s not in sparse]
    shapes_file.write_text(
        json.dumps({"version": 1, "shapes": shapes, "sparse": sparse}, ensure_ascii=False, indent=0) + "\n",
        encoding="utf-8",
    )
    print(f"t1 shapes: {len(shapes)} ({len(added)} new), sparse shapes: {len(sparse)}")

    dict_file = DATA / f"m2m_v{args.dict_id}.zdict"
    if dict_file.exists() and not args.rebuild:
        print(
            f"{dict_file.name} exists: pass a new --dict-id (and add it to zdict.DICTIONARIES) or --rebuild"
        )
        return
    # The dictionary sees what the format compresses: skeletons, of minified JSON and of its T1 form.
    from m2m.codec import t1
    from m2m.codec.zdict import _BLOB_RE

    samples = []
    for d in docs:
        text = json.dumps(d, separators=(",", ":"), ensure_ascii=False)
        samples.append(_BLOB_RE.sub(b"", text.encode()))
        samples.append(_BLOB_RE.sub(b"", t1.encode_text(text).encode()))
    zdict = zstandard.train_dictionary(DICT_SIZE, samples, dict_id=args.dict_id, threads=1)
    dict_file.write_bytes(zdict.as_bytes())
    print(f"zstd dictionary: id {zdict.dict_id()}, {len(zdict.as_bytes())} bytes -> {dict_file.name}")


if __name__ == "__main__":
    main()

"""``m2m demo``: fake upstream + proxy on free loopback ports, requests through both, a summary.

It runs two proxies chained the way a deployment would (app -> proxy A -> proxy B -> upstream,
A and B talking M2M), so the numbers show what crosses the link between them.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from m2m.cli.proxy import build_app
from m2m.config import load
from m2m.proxy.fake_upstream import FakeUpstream
from m2m.transport.server import BackgroundServer

__all__ = ["register", "run_demo"]


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``demo`` to ``sub``."""
    d = sub.add_parser(
        "demo",
        help="start a fake upstream and the proxy, send requests through, show what was saved",
        description="Runs everything on free loopback ports and stops by itself (a few seconds).",
    )
    d.set_defaults(func=lambda args: run_demo())


_MESSAGES = [
    {
        "role": "system",
        "content": "You are a concise assistant for a logistics team. Answer in one sentence and "
        "use the tools when the user asks about shipments.",
    },
    {"role": "user", "content": "Where is shipment 4471 and when will it arrive in Rotterdam?"},
]
_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "track_shipment",
            "description": "Current position and estimated arrival of a shipment.",
            "parameters": {
                "type": "object",
                "properties": {
                    "shipment_id": {"type": "string", "description": "The shipment number."},
                    "port": {"type": "string", "description": "Destination port."},
                },
                "required": ["shipment_id"],
                "additionalProperties": False,
            },
        },
    }
]


def _send(base_url: str) -> dict[str, Any]:
    """A normal and a streaming request with the openai package (httpx if it is missing)."""
    try:
        from openai import OpenAI
    except ImportError:
        print("  (the openai package is not installed: pip install openai; using httpx instead)")
        return _send_httpx(base_url)
    client = OpenAI(base_url=base_url, api_key="sk-demo-not-a-real-key", max_retries=0)
    chat: Any = client.chat.completions  # the example messages are plain dicts
    raw = chat.with_raw_response.create(model="gpt-4o", messages=_MESSAGES, tools=_TOOLS)
    completion = raw.parse()
    call = completion.choices[0].message.tool_calls[0]
    stream = chat.create(model="gpt-4o", messages=_MESSAGES, stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream)
    return {
        "tool_call": f"{call.function.name}({call.function.arguments})",
        "stream_text": text,
        "headers": dict(raw.headers),
    }


def _send_httpx(base_url: str) -> dict[str, Any]:
    import httpx

    with httpx.Client(base_url=base_url, timeout=10) as client:
        r = client.post("/chat/completions", json={"model": "gpt-4o", "messages": _MESSAGES, "tools": _TOOLS})
        r.raise_for_status()
        call = r.json()["choices"][0]["message"]["tool_calls"][0]["function"]
        text = ""
        with client.stream(
            "POST", "/chat/completions", json={"model": "gpt-4o", "messages": _MESSAGES, "stream": True}
        ) as s:
            for line in s.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    text += json.loads(line[6:])["choices"][0]["delta"].get("content") or ""
    return {
        "tool_call": f"{call['name']}({call['arguments']})",
        "stream_text": text,
        "headers": dict(r.headers),
    }


def run_demo() -> int:
    started = time.perf_counter()
    fake = FakeUpstream()
    with BackgroundServer(fake) as upstream:
        b_app = build_app(load(cli={"proxy.upstream": upstream.url + "/v1"}, env={}))
        with BackgroundServer(b_app) as proxy_b:
            a_app = build_app(
                load(cli={"proxy.upstream": proxy_b.url + "/v1", "proxy.upstream_protocol": "m2m"}, env={})
            )
            with BackgroundServer(a_app) as proxy_a:
                print(f"fake upstream  {upstream.url}/v1   (OpenAI-compatible, built in)")
                print(f"proxy B        {proxy_b.url}/v1   m2m proxy --upstream {upstream.url}/v1")
                print(
                    f"proxy A        {proxy_a.url}/v1   m2m proxy --upstream {proxy_b.url}/v1 "
                    "--upstream-protocol m2m"
                )
                print(f"app            OpenAI(base_url='{proxy_a.url}/v1')\n")
                result = _send(proxy_a.url + "/v1")
                a_stats = a_app.stats.snapshot()
    print(f"non-streaming reply: tool call {result['tool_call']}")
    print(f"streaming reply:     {result['stream_text']!r}\n")
    headers = result["headers"]
    original = int(headers.get("x-m2m-bytes-original", 0))
    sent = int(headers.get("x-m2m-bytes-sent", 0))
    print("What crossed the link between proxy A and proxy B (wire bytes, requests + responses):")
    print(f"  as plain OpenAI JSON/SSE: {a_stats['bytes_in']:>7,} bytes")
    ratio = a_stats["compression_ratio"]
    print(f"  as m2m:                   {a_stats['bytes_out']:>7,} bytes  (ratio {ratio:.2f})")
    if original:
        print(f"  first request body:       {original:,} -> {sent:,} bytes")
    print(
        f"  prompt tokens: {a_stats['tokens_original']} counted, {a_stats['tokens_sent']} reach the model "
        "(wire compression saves bytes, not billed tokens)"
    )
    print(f"\ndone in {time.perf_counter() - started:.1f} s; everything stopped.")
    return 0

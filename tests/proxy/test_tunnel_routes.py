"""Every route is compressed between the peers, both ways: app -> A -> relay -> B -> upstream.

The relay counts every byte between A and B (heads, framing, bodies). Each exchange is made twice
with the openai client: through the tunnel, and "plain" (the same client straight to B through the
same relay, identity both ways). The tunnel must carry clearly fewer bytes in each direction, and
the app must get exactly what the upstream answered.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from openai import OpenAI

from m2m.proxy.fake_upstream import FakeUpstream
from m2m.transport.server import BackgroundServer

from .relay import Relay

# A prompt of a few KB, as agents send (instructions plus context); deterministic.
_RND = random.Random(9)
_WORDS = (
    "the",
    "model",
    "reads",
    "a",
    "request",
    "and",
    "answers",
    "with",
    "tokens",
    "while",
    "proxy",
    "relays",
)
CONTEXT = " ".join(_RND.choice(_WORDS) for _ in range(600))
JSONL = b"".join(
    json.dumps(
        {
            "custom_id": f"request-{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {
                "model": "gpt-4o-mini",
                "messages": [
                    {"role": "system", "content": "You classify support tickets."},
                    {"role": "user", "content": f"Ticket {i}: my invoice {i * 7} is wrong"},
                ],
            },
        }
    ).encode()
    + b"\n"
    for i in range(100)
)
# Compressed audio looks like noise to a compressor.
AUDIO = b"ID3\x04\x00\x00\x00\x00\x00\x00" + random.Random(3).randbytes(120_000)


@dataclass
class Stack:
    a: BackgroundServer
    b: BackgroundServer
    relay: Relay
    fake: FakeUpstream

    def client(self, *, tunnel: bool) -> OpenAI:
        if tunnel:
            return OpenAI(base_url=self.a.url + "/v1", api_key="sk-app", max_retries=0)
        # A standard client straight to B, asking for no HTTP compression: the plain bytes.
        return OpenAI(
            base_url=self.relay.url + "/v1",
            api_key="sk-app",
            max_retries=0,
            default_headers={"accept-encoding": "identity"},
        )

    def measure(self, call: Callable[[OpenAI], Any], *, tunnel: bool) -> tuple[int, int, Any]:
        with self.client(tunnel=tunnel) as client:
            _read(call(client))  # a first call opens the connections
            self.relay.reset()
            result = _read(call(client))
        return self.relay.upstream_bytes, self.relay.downstream_bytes, result


@pytest.fixture
def stack(proxy_server: Callable[..., BackgroundServer], fake: FakeUpstream) -> Iterator[Stack]:
    b = proxy_server()
    relay = Relay(b.port)
    a = proxy_server(relay.url + "/v1", proxy__upstream_protocol="m2m")
    yield Stack(a, b, relay, fake)
    relay.close()


def _answer(fake: FakeUpstream) -> bytes:
    return fake.requests[-1].response


def _read(result: Any) -> Any:
    """The HTTP response of an SDK result (read whole), or the result itself."""
    result = getattr(result, "http_response", result)
    if hasattr(result, "status_code") and hasattr(result, "read"):
        result.read()
    return result


def _anthropic(client: OpenAI, *, stream: bool) -> httpx.Response:
    """An Anthropic-shaped exchange (the anthropic SDK's fields) with the app's own HTTP client."""
    body = {
        "model": "claude-sonnet-4-20250514",
        "max_tokens": 512,
        "system": CONTEXT,
        "messages": [{"role": "user", "content": "Summarise the context " * 20}],
        "stream": stream,
    }
    headers = {
        "x-api-key": "sk-ant-app",
        "anthropic-version": "2023-06-01",
        "accept-encoding": "identity",
        "x-fake-events": "40",
    }
    return httpx.post(str(client.base_url) + "messages", json=body, headers=headers, timeout=10)


def _error(client: OpenAI, status: str) -> int:
    from openai import APIStatusError

    try:
        client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": CONTEXT}],
            extra_headers={"x-fake-status": status},
        )
    except APIStatusError as exc:
        return exc.status_code
    raise AssertionError("no error")


# route -> the call, and what the app must have got (checked against what the upstream answered)
ROUTES: dict[str, Callable[[OpenAI], Any]] = {
    "responses JSON": lambda c: (
        c.responses.with_raw_response.create(
            model="gpt-4.1", instructions=CONTEXT, input="Summarise the context."
        ).http_response
    ),
    "responses SSE": lambda c: (
        c.responses.with_raw_response.create(
            model="gpt-4.1",
            instructions=CONTEXT,
            input="Summarise the context " * 20,
            stream=True,
            extra_headers={"x-fake-events": "40"},
        ).http_response
    ),
    "embeddings float": lambda c: (
        c.embeddings.with_raw_response.create(
            model="text-embedding-3-small", input=[CONTEXT[:400], CONTEXT[400:800]], encoding_format="float"
        ).http_response
    ),
    "embeddings base64": lambda c: (
        c.embeddings.with_raw_response.create(
            model="text-embedding-3-small", input=[CONTEXT[:400], CONTEXT[400:800]]
        ).http_response
    ),
    "completions JSON": lambda c: (
        c.completions.with_raw_response.create(
            model="gpt-3.5-turbo-instruct", prompt=CONTEXT, logprobs=2
        ).http_response
    ),
    "completions SSE": lambda c: (
        c.completions.with_raw_response.create(
            model="gpt-3.5-turbo-instruct", prompt=CONTEXT, stream=True, extra_headers={"x-fake-events": "40"}
        ).http_response
    ),
    "messages JSON (Anthropic)": lambda c: _anthropic(c, stream=False),
    "messages SSE (Anthropic)": lambda c: _anthropic(c, stream=True),
    "files JSONL upload": lambda c: (
        c.files.with_raw_response.create(file=("batch.jsonl", JSONL), purpose="batch").http_response
    ),
    "other path (GET)": lambda c: (
        c.files.with_raw_response.retrieve(
            "file-abc", extra_headers={"x-context": CONTEXT[:999].strip()}
        ).http_response
    ),
    "other path (POST JSON)": lambda c: c.fine_tuning.jobs.with_raw_response.create(
        model="gpt-4o-mini", training_file="file-abc", suffix="ft", extra_body={"notes": CONTEXT}
    ),
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_every_route_is_smaller_both_ways(stack: Stack, route: str) -> None:
    call = ROUTES[route]
    plain_up, plain_down, plain = stack.measure(call, tunnel=False)
    up, down, got = stack.measure(call, tunnel=True)
    assert got.status_code == plain.status_code == 200
    assert got.content == _answer(stack.fake)  # the upstream's bytes, exactly
    _smaller(up, plain_up, "requests")
    _smaller(down, plain_down, "responses")


def _smaller(tunnel: int, plain: int, what: str) -> None:
    """Fewer bytes through the tunnel; well under (a fifth less at least) once bodies weigh."""
    bound = plain if plain < 2000 else 0.8 * plain
    assert tunnel < bound, f"{what}: {tunnel} bytes through the tunnel vs {plain} plain"


@pytest.mark.parametrize("status", ["400", "429", "500", "503"])
def test_error_bodies_are_smaller_too(stack: Stack, status: str) -> None:
    plain_up, plain_down, plain = stack.measure(lambda c: _error(c, status), tunnel=False)
    up, down, got = stack.measure(lambda c: _error(c, status), tunnel=True)
    assert got == plain == int(status)
    _smaller(up, plain_up, "requests")
    _smaller(down, plain_down, "responses")


def test_audio_uploads_travel_as_they_are(stack: Stack) -> None:
    def call(c: OpenAI) -> Any:
        return c.audio.transcriptions.create(model="whisper-1", file=("speech.mp3", AUDIO))

    plain_up, _, _ = stack.measure(call, tunnel=False)
    up, _, result = stack.measure(call, tunnel=True)
    assert result.text
    sent = stack.fake.requests[-1]
    assert AUDIO in sent.body  # the upstream got the audio as the app sent it
    wire = bytes(stack.relay.up)
    assert AUDIO in wire  # and it crossed the tunnel as it is: not recompressed
    assert b"x-m2m-encoding: identity" in wire.lower()
    assert up <= plain_up


def test_response_heads_are_compacted(stack: Stack) -> None:
    def call(c: OpenAI) -> httpx.Response:
        return c.models.with_raw_response.list(extra_headers={"x-fake-heads": "openai"}).http_response

    def head() -> bytes:
        return bytes(stack.relay.down).split(b"\r\n\r\n", 1)[0].lower()

    _, _, plain = stack.measure(call, tunnel=False)
    plain_head = head()
    _, _, got = stack.measure(call, tunnel=True)
    tunnel_head = head()
    assert b"x-ratelimit-remaining-tokens" in plain_head
    assert b"x-m2m-head:" in tunnel_head and b"x-ratelimit-remaining-tokens" not in tunnel_head
    assert len(tunnel_head) < 0.6 * len(plain_head)
    for name in ("x-request-id", "openai-processing-ms", "x-ratelimit-remaining-tokens", "cf-ray"):
        assert got.headers[name] == plain.headers[name]
    assert not {"x-m2m-head", "x-m2m-protocol", "x-m2m-encoding", "x-m2m-delta"} & set(got.headers)

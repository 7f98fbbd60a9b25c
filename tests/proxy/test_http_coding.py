"""Standard HTTP compression for standard clients, with the proxy alone in front of the upstream:
answers in the best coding the client's Accept-Encoding offers (zstd > br > gzip on ties), SSE
flushed per event, the upstream's exact bytes once decoded, compressed request bodies accepted,
and an upstream's own coding passed through unchanged."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator

import brotli
import httpx
import pytest
import zstandard

from m2m.proxy.fake_upstream import FakeUpstream
from m2m.transport.server import BackgroundServer

CHAT = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are a careful assistant. Answer in full sentences. " * 8},
        {"role": "user", "content": "Explain how a reverse proxy relays a stream of events. " * 4},
    ],
}
EMBEDDINGS = {"model": "text-embedding-3-small", "input": ["a", "b"], "encoding_format": "float"}

# Accept-Encoding -> the coding the answer must come in (None: identity).
CHOICES = {
    "gzip, deflate, br, zstd": "zstd",
    "gzip, br": "br",
    "br;q=1, gzip;q=1, zstd;q=1": "zstd",
    "gzip;q=1, br;q=1": "br",
    "gzip": "gzip",
    "gzip;q=1.0, br;q=0.5, zstd;q=0.2": "gzip",
    "br;q=0, *;q=0.5": "zstd",
    "identity": None,
}
DECODE = {
    "zstd": lambda data: zstandard.ZstdDecompressor().decompressobj().decompress(data),
    "br": brotli.decompress,
    "gzip": gzip.decompress,
}


@pytest.fixture
def proxy(proxy_server: Callable[..., BackgroundServer]) -> Iterator[str]:
    yield proxy_server().url


def _raw(response: httpx.Response) -> bytes:
    return b"".join(response.iter_raw())


@pytest.mark.parametrize("accept", list(CHOICES))
@pytest.mark.parametrize("kind", ["json", "sse"])
def test_answers_in_the_best_coding_offered(proxy: str, fake: FakeUpstream, accept: str, kind: str) -> None:
    body = json.dumps({**CHAT, "stream": kind == "sse"}).encode()
    with (
        httpx.Client(timeout=10) as http,
        http.stream(
            "POST", proxy + "/v1/chat/completions", content=body, headers={"accept-encoding": accept}
        ) as r,
    ):
        raw = _raw(r)
    assert r.status_code == 200
    chosen = CHOICES[accept]
    assert r.headers.get("content-encoding") == chosen
    original = fake.requests[-1].response
    assert (DECODE[chosen](raw) if chosen else raw) == original
    if chosen:
        assert len(raw) < len(original)
        assert "accept-encoding" in r.headers["vary"].lower()


@pytest.mark.parametrize("coding", ["zstd", "br", "gzip"])
def test_each_event_is_flushed_before_the_next_is_produced(
    proxy: str, fake: FakeUpstream, coding: str
) -> None:
    body = json.dumps({**CHAT, "stream": True}).encode()
    gate = f"flush-{coding}"
    headers = {"accept-encoding": coding, "x-fake-gate": gate, "x-fake-events": "5"}
    with (
        httpx.Client(timeout=10) as http,
        http.stream("POST", proxy + "/v1/chat/completions", content=body, headers=headers) as r,
    ):
        assert r.headers["content-encoding"] == coding
        chunks = r.iter_bytes()
        first = b""
        while b"\n\n" not in first:
            first += next(chunks)  # the upstream holds event 2 until the gate opens
        produced = fake.requests[-1].response
        assert first == produced  # event 1, alone: nothing after it exists yet
        fake.release(gate)
        rest = b"".join(chunks)
    assert first + rest == fake.requests[-1].response
    assert rest.endswith(b"data: [DONE]\n\n")


def _encode(coding: str, data: bytes) -> bytes:
    if coding == "zstd":
        return zstandard.ZstdCompressor(level=3).compress(data)
    if coding == "br":
        return brotli.compress(data)
    return gzip.compress(data)


@pytest.mark.parametrize("coding", ["zstd", "br", "gzip"])
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/embeddings"])
def test_compressed_request_bodies_are_accepted(
    proxy: str, fake: FakeUpstream, coding: str, path: str
) -> None:
    plain = json.dumps(CHAT if "chat" in path else EMBEDDINGS).encode()
    coded = _encode(coding, plain)
    headers = {"content-encoding": coding, "content-type": "application/json", "accept-encoding": "identity"}
    r = httpx.post(proxy + path, content=coded, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    seen = fake.requests[-1]
    assert seen.body == coded and seen.headers["content-encoding"] == coding  # forwarded as it came
    assert r.content == seen.response
    if "chat" in path:
        assert int(r.headers["x-m2m-tokens-original"]) > 100  # read (decoded) to count its tokens


def test_the_upstream_own_coding_passes_through_unchanged(proxy: str, fake: FakeUpstream) -> None:
    headers = {"accept-encoding": "gzip, br, zstd", "x-fake-encoding": "gzip"}
    with (
        httpx.Client(timeout=10) as http,
        http.stream("POST", proxy + "/v1/embeddings", json=EMBEDDINGS, headers=headers) as r,
    ):
        raw = _raw(r)
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"  # not re-coded into the client's favourite
    original = fake.requests[-1].response
    coder = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    assert raw == coder.compress(original) + coder.flush()  # the upstream's bytes, unchanged
    assert int(r.headers["content-length"]) == len(raw)

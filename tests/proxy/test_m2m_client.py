"""m2m.client against a real proxy: the app sees standard responses only (no tunnel fields), works
with httpx's streaming API on any answer, and may send a body in its own Content-Encoding."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable

import httpx
import pytest
from openai import OpenAI

import m2m.client
from m2m.proxy.fake_upstream import FakeUpstream
from m2m.transport.server import BackgroundServer

CHAT = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are a careful assistant. Answer in full sentences. " * 10},
        {"role": "user", "content": "Name three rivers in France."},
    ],
}


def _no_tunnel_fields(headers: httpx.Headers) -> None:
    assert not [name for name in headers if name.lower().startswith("x-m2m-")]


def test_no_x_m2m_field_reaches_the_app(
    proxy_server: Callable[..., BackgroundServer], fake: FakeUpstream
) -> None:
    b = proxy_server()
    with m2m.client.httpx_client(b.url, headers={"authorization": "Bearer sk-app"}) as http:
        for payload in (CHAT, {**CHAT, "stream": True}):
            r = http.post("/v1/chat/completions", json=payload)
            assert r.status_code == 200 and r.content == fake.requests[-1].response
            _no_tunnel_fields(r.headers)
        r = http.post("/v1/chat/completions", json=CHAT, headers={"x-fake-status": "429"})
        assert r.status_code == 429
        _no_tunnel_fields(r.headers)
        for r in (http.get("/v1/models"), http.post("/v1/embeddings", json={"model": "m", "input": "x"})):
            assert r.status_code == 200
            _no_tunnel_fields(r.headers)
    with OpenAI(
        base_url=b.url + "/v1", api_key="sk-app", http_client=m2m.client.httpx_client(), max_retries=0
    ) as client:
        raw = client.chat.completions.with_raw_response.create(**CHAT)  # type: ignore[call-overload]
        assert not [name for name in raw.headers if name.lower().startswith("x-m2m-")]
        assert raw.parse().choices[0].message.content.startswith("You said: Name three rivers")


@pytest.mark.parametrize("stream", [False, True])
def test_send_with_stream_then_iter_raw_works_on_any_answer(
    proxy_server: Callable[..., BackgroundServer], fake: FakeUpstream, stream: bool
) -> None:
    b = proxy_server()
    with m2m.client.httpx_client(b.url) as http:
        request = http.build_request("POST", "/v1/chat/completions", json={**CHAT, "stream": stream})
        response = http.send(request, stream=True)
        try:
            raw = b"".join(response.iter_raw())
        finally:
            response.close()
    assert response.status_code == 200
    assert raw == fake.requests[-1].response
    if not stream:
        assert json.loads(raw)["object"] == "chat.completion"


async def test_async_send_with_stream_then_aiter_raw(
    proxy_server: Callable[..., BackgroundServer], fake: FakeUpstream
) -> None:
    b = proxy_server()
    async with m2m.client.async_httpx_client(b.url) as http:
        request = http.build_request("POST", "/v1/chat/completions", json=CHAT)
        response = await http.send(request, stream=True)
        try:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
        finally:
            await response.aclose()
    assert raw == fake.requests[-1].response


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/embeddings"])
def test_a_gzip_request_body_works(
    proxy_server: Callable[..., BackgroundServer], fake: FakeUpstream, path: str
) -> None:
    b = proxy_server()
    payload = CHAT if "chat" in path else {"model": "m", "input": "x", "encoding_format": "float"}
    coded = gzip.compress(json.dumps(payload).encode())
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    with m2m.client.httpx_client(b.url) as http:
        r = http.post(path, content=coded, headers=headers)
    assert r.status_code == 200, r.text
    assert fake.requests[-1].body == coded  # the app's own coding, passed on as it came
    assert r.content == fake.requests[-1].response

"""The A -> B tunnel over TCP and over HTTP/3, with the openai client where a client is involved:
HEAD answers without closing the shared QUIC connection, responses over 16 MiB pass, uploads
over 256 KiB keep their Content-Length, bodiless GET and DELETE stay bodiless."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from h3util import raw_client

from m2m.cli.proxy import build_app
from m2m.config import Config, load
from m2m.proxy.fake_upstream import FakeUpstream
from m2m.transport.quic import Servers, serving
from m2m.transport.server import BackgroundServer

MiB = 1 << 20
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Read this aloud, please."}]}
UPLOAD = b"ID3\x04\x00\x00\x00\x00\x00\x00" + random.Random(5).randbytes(300 * 1024)  # over 256 KiB


@pytest.fixture(scope="module")
def fake_server() -> Iterator[tuple[FakeUpstream, BackgroundServer]]:
    fake = FakeUpstream()
    server = BackgroundServer(fake).start()
    yield fake, server
    server.stop()


@pytest.fixture
def fake(fake_server: tuple[FakeUpstream, BackgroundServer]) -> FakeUpstream:
    fake_server[0].requests.clear()
    return fake_server[0]


def _config(cli: dict[str, Any]) -> Config:
    config = load(cli=cli, env={}, path=None)
    transport = dataclasses.replace(config.proxy.transport, quic_port=0)
    return dataclasses.replace(config, proxy=dataclasses.replace(config.proxy, port=0, transport=transport))


@pytest.fixture
async def proxy_b(
    fake_server: tuple[FakeUpstream, BackgroundServer], dev_cert: tuple[Path, Path]
) -> AsyncIterator[Servers]:
    config = _config(
        {
            "proxy.upstream": fake_server[1].url + "/v1",
            "proxy.transport.cert": str(dev_cert[0]),
            "proxy.transport.key": str(dev_cert[1]),
            "proxy.transport.transport": "both",
        }
    )
    async with serving(lambda: build_app(config), config) as servers:
        yield servers


@pytest.fixture(params=["tcp", "h3"])
async def proxy_a(request: pytest.FixtureRequest, proxy_b: Servers) -> AsyncIterator[BackgroundServer]:
    """Proxy A (client role) in front of B, over TCP or over HTTP/3."""
    if request.param == "h3":
        cli = {
            "proxy.upstream": f"https://127.0.0.1:{proxy_b.h3.port}/v1",
            "proxy.transport.upstream_transport": "quic",
            "proxy.transport.upstream_insecure": True,
        }
    else:
        cli = {"proxy.upstream": f"http://127.0.0.1:{proxy_b.tcp_port}/v1"}
    a = BackgroundServer(build_app(load(cli={**cli, "proxy.upstream_protocol": "m2m"}, env={}, path=None)))
    a.start()
    yield a
    await asyncio.to_thread(a.stop)


async def h3_a(proxy_b: Servers) -> BackgroundServer:
    cli = {
        "proxy.upstream": f"https://127.0.0.1:{proxy_b.h3.port}/v1",
        "proxy.upstream_protocol": "m2m",
        "proxy.transport.upstream_transport": "quic",
        "proxy.transport.upstream_insecure": True,
    }
    return BackgroundServer(build_app(load(cli=cli, env={}, path=None))).start()


async def test_head_over_the_h3_tunnel_keeps_the_shared_connection(
    proxy_b: Servers, fake: FakeUpstream
) -> None:
    a = await h3_a(proxy_b)
    try:
        async with httpx.AsyncClient(base_url=a.url, timeout=10) as http:
            got = await http.get("/v1/models")
            connections = proxy_b.h3.stats.connections
            # A stream in flight on the same QUIC connection, held by the upstream after one event.
            headers = {"x-fake-gate": "head-h3", "x-fake-events": "4"}
            async with http.stream(
                "POST", "/v1/chat/completions", json={**CHAT, "stream": True}, headers=headers
            ) as stream:
                chunks = stream.aiter_bytes()
                first = await chunks.__anext__()
                for _ in range(3):
                    head = await http.head("/v1/models")
                    assert head.status_code == 200
                    assert head.content == b""
                    assert head.headers["content-type"] == got.headers["content-type"]
                fake.release("head-h3")
                rest = b"".join([chunk async for chunk in chunks])
            assert (first + rest).endswith(b"data: [DONE]\n\n")
            assert fake.requests[-1].method == "HEAD"
            again = await http.get("/v1/models")
            assert again.json() == got.json()
        assert proxy_b.h3.stats.connections == connections  # one QUIC connection all along
    finally:
        await asyncio.to_thread(a.stop)


async def test_a_response_over_16_mib_passes_through_the_tunnel(
    proxy_a: BackgroundServer, fake: FakeUpstream
) -> None:
    size = 13 * MiB  # 17.3 MiB of base64 in the JSON answer
    async with openai.AsyncOpenAI(base_url=proxy_a.url + "/v1", api_key="sk-app", max_retries=0) as client:
        completion = await client.chat.completions.create(
            **CHAT,  # type: ignore[arg-type]
            modalities=["text", "audio"],
            audio={"voice": "alloy", "format": "mp3"},
            extra_headers={"x-fake-audio-bytes": str(size)},
            timeout=60,
        )
    assert len(fake.requests[-1].response) > 16 * MiB
    audio = completion.choices[0].message.audio
    assert audio is not None
    expected = json.loads(fake.requests[-1].response)["choices"][0]["message"]["audio"]["data"]
    assert audio.data == expected and len(base64.b64decode(audio.data)) == size


async def test_h3_uploads_over_256_kib_keep_their_content_length(
    proxy_b: Servers, fake: FakeUpstream
) -> None:
    headers = [(b"content-type", b"audio/mpeg"), (b"content-length", str(len(UPLOAD)).encode())]
    async with raw_client(proxy_b.h3.port) as client:
        status, _, _ = await client.response(
            client.send_request("POST", "/v1/audio/transcriptions", headers, UPLOAD), timeout=10
        )
    assert status == 200
    seen = fake.requests[-1]
    assert seen.body == UPLOAD
    assert seen.headers.get("content-length") == str(len(UPLOAD))
    assert "transfer-encoding" not in seen.headers


async def test_uploads_over_256_kib_keep_their_content_length_through_the_tunnel(
    proxy_a: BackgroundServer, fake: FakeUpstream
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.post(
            proxy_a.url + "/v1/audio/transcriptions", content=UPLOAD, headers={"content-type": "audio/mpeg"}
        )
    assert r.status_code == 200
    seen = fake.requests[-1]
    assert seen.body == UPLOAD
    assert seen.headers.get("content-length") == str(len(UPLOAD))
    assert "transfer-encoding" not in seen.headers


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_bodiless_requests_stay_bodiless_through_the_tunnel(
    proxy_a: BackgroundServer, fake: FakeUpstream, method: str
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        for _ in range(3):
            r = await http.request(method, proxy_a.url + "/v1/files/file-abc")
            assert r.status_code == 200
            seen = fake.requests[-1]
            assert (seen.method, seen.body) == (method, b"")
            assert "transfer-encoding" not in seen.headers
            assert seen.headers.get("content-length", "0") == "0"


async def test_both_mode_sends_exactly_one_alt_svc_naming_its_own_port(
    proxy_b: Servers, fake: FakeUpstream
) -> None:
    upstream_alt = {"x-fake-header": 'alt-svc: h3=":443"; ma=86400'}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{proxy_b.tcp_port}", timeout=10) as http:
        for method, path, body in (
            ("POST", "/v1/chat/completions", CHAT),
            ("POST", "/v1/embeddings", {"model": "m", "input": "x", "encoding_format": "float"}),
            ("GET", "/v1/files/file-abc", None),
        ):
            r = await http.request(method, path, json=body, headers=upstream_alt)
            assert r.status_code == 200
            assert r.headers.get_list("alt-svc") == [f'h3=":{proxy_b.h3.port}"; ma=86400']


async def test_every_event_of_a_gzip_stream_arrives_through_the_tunnel(
    proxy_a: BackgroundServer, fake: FakeUpstream
) -> None:
    headers = {"x-fake-encoding": "gzip", "x-fake-force-encoding": "1", "x-fake-events": "30"}
    async with openai.AsyncOpenAI(base_url=proxy_a.url + "/v1", api_key="sk-app", max_retries=0) as client:
        stream = await client.responses.create(
            model="gpt-4.1", input="count the events " * 10, stream=True, extra_headers=headers
        )
        events = [event async for event in stream]
    sent = [json.loads(line[6:]) for line in fake.requests[-1].response.split(b"\n") if line[:6] == b"data: "]
    assert [e.type for e in events] == [e["type"] for e in sent]
    assert events[-1].type == "response.completed"

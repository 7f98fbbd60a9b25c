"""The ASGI app in-process (httpx.ASGITransport) against the fake upstream on a loopback port."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from m2m.proxy.app import ProxyApp
from m2m.proxy.fake_upstream import FakeUpstream
from m2m.proxy.pipeline import upstream_root as _upstream_root

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello there, proxy!"}]}


@pytest.fixture
async def client_for(app_for: Callable[..., ProxyApp]) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    apps: list[ProxyApp] = []
    clients: list[httpx.AsyncClient] = []

    def build(upstream: str | None = None, **flags: Any) -> httpx.AsyncClient:
        app = app_for(upstream, **flags)
        apps.append(app)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://proxy.test")
        client.app = app  # type: ignore[attr-defined]
        clients.append(client)
        return client

    yield build
    for client in clients:
        await client.aclose()
    for app in apps:
        await app.shutdown()


def raw_json(obj: Any) -> bytes:
    # Deliberately unusual spacing and key order: the upstream must see exactly these bytes.
    return json.dumps(obj, indent=1, ensure_ascii=True).encode()


@pytest.mark.parametrize(
    ("upstream", "root"),
    [
        ("http://h:1/v1", "http://h:1"),
        ("http://h:1/v1/", "http://h:1"),
        ("http://h:1", "http://h:1"),
        ("https://openrouter.ai/api/v1", "https://openrouter.ai/api"),
        ("http://h:1/base", "http://h:1/base"),
    ],
)
def test_upstream_join_never_doubles_v1(upstream: str, root: str) -> None:
    assert _upstream_root(upstream) == root


async def test_chat_forwards_bytes_unchanged(
    client_for: Callable[..., httpx.AsyncClient], fake: FakeUpstream
) -> None:
    client = client_for()
    body = raw_json(CHAT)
    headers = {"authorization": "Bearer sk-client", "content-type": "application/json; charset=utf-8"}
    r = await client.post("/v1/chat/completions", content=body, headers=headers)
    assert r.status_code == 200
    assert r.json()["choices"][0]["message"]["content"] == "You said: Hello there, proxy!"
    seen = fake.requests[-1]
    assert seen.body == body
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["authorization"] == "Bearer sk-client"
    assert seen.headers["content-type"] == "application/json; charset=utf-8"  # as the client sent it
    assert seen.headers["host"].startswith("127.0.0.1:")
    tokens = int(r.headers["x-m2m-tokens-original"])
    assert tokens > 5
    assert int(r.headers["x-m2m-tokens-sent"]) == tokens
    assert r.headers["x-m2m-tokens-saved"] == "0"
    assert int(r.headers["x-m2m-bytes-original"]) == len(body) == int(r.headers["x-m2m-bytes-sent"])
    assert r.headers["content-length"] == str(len(r.content))


async def test_upstream_url_without_v1(
    client_for: Callable[..., httpx.AsyncClient], fake: FakeUpstream, upstream_url: str
) -> None:
    client = client_for(upstream_url.removesuffix("/v1"))
    r = await client.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 200
    assert fake.requests[-1].path == "/v1/chat/completions"


async def test_api_key_only_when_client_sent_none(
    client_for: Callable[..., httpx.AsyncClient], fake: FakeUpstream
) -> None:
    client = client_for(proxy__api_key="sk-proxy")
    await client.post("/v1/chat/completions", json=CHAT)
    assert fake.requests[-1].headers["authorization"] == "Bearer sk-proxy"
    await client.post("/v1/chat/completions", json=CHAT, headers={"Authorization": "Bearer sk-own"})
    assert fake.requests[-1].headers["authorization"] == "Bearer sk-own"
    r = await client.get("/health")
    assert "sk-proxy" not in r.text


async def test_passthrough_any_method_query_and_body(
    client_for: Callable[..., httpx.AsyncClient], fake: FakeUpstream
) -> None:
    client = client_for()
    payload = b"\x00\x01binary" * 1000
    r = await client.put(
        "/v1/files/abc?purpose=fine-tune&x=1",
        content=payload,
        headers={
            "x-custom": "yes",
            "connection": "keep-alive, x-drop-me",
            "x-drop-me": "1",
            "te": "trailers",
        },
    )
    assert r.status_code == 200
    echo = r.json()
    assert echo["method"] == "PUT"
    assert echo["path"] == "/v1/files/abc"
    assert echo["query"] == "purpose=fine-tune&x=1"
    assert base64.b64decode(echo["body_b64"]) == payload
    assert echo["headers"]["x-custom"] == "yes"
    assert "x-drop-me" not in echo["headers"] and "te" not in echo["headers"]
    r = await client.delete("/v1/unknown/route")
    assert r.json()["method"] == "DELETE"


async def test_large_passthrough_body_is_streamed(
    client_for: Callable[..., httpx.AsyncClient], fake: FakeUpstream
) -> None:
    client = client_for(proxy__max_body_bytes=2 << 20)
    payload = bytes(range(256)) * 4096  # 1 MiB

    async def chunks(data: bytes) -> AsyncIterator[bytes]:
        for i in range(0, len(data), 65536):
            yield data[i : i + 65536]

    r = await client.post("/v1/uploads", content=chunks(payload))
    assert r.status_code == 200
    assert base64.b64decode(r.json()["body_b64"]) == payload
    # The body limit holds on every route, streamed or not.
    before = len(fake.requests)
    r = await client.post("/v1/uploads", content=chunks(payload * 3))
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert len(fake.requests) == before


async def test_models_forwarded(client_for: Callable[..., httpx.AsyncClient], fake: FakeUpstream) -> None:
    r = await client_for().get("/v1/models")
    assert r.status_code == 200
    assert [m["id"] for m in r.json()["data"]] == ["fake-model", "gpt-4o"]
    assert fake.requests[-1].method == "GET"


async def test_upstream_errors_pass_through(client_for: Callable[..., httpx.AsyncClient]) -> None:
    client = client_for()
    for status in (400, 401, 429, 500, 503):
        r = await client.post("/v1/chat/completions", json=CHAT, headers={"x-fake-status": str(status)})
        assert r.status_code == status
        assert r.json()["error"]["message"] == f"fake error {status}"
        assert r.headers["x-request-id"] == "fake-req-1"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"model": "gpt-4o", "messages": [', "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
async def test_malformed_json_400(
    client_for: Callable[..., httpx.AsyncClient], fake: FakeUpstream, body: bytes, message: str
) -> None:
    r = await client_for().post("/v1/chat/completions", content=body)
    assert r.status_code == 400
    error = r.json()["error"]
    assert message in error["message"]
    assert error["type"] == "invalid_request_error"
    assert fake.requests == []


async def test_body_over_limit_413(client_for: Callable[..., httpx.AsyncClient], fake: FakeUpstream) -> None:
    client = client_for(proxy__max_body_bytes=2048)
    big = {"model": "m", "messages": [{"role": "user", "content": "x" * 5000}]}
    r = await client.post("/v1/chat/completions", json=big)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"

    # No Content-Length: the limit is enforced while reading, chunk by chunk.
    sent = []

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(1000):
            sent.append(1)
            yield b"x" * 1024

    r = await client.post("/v1/chat/completions", content=endless())
    assert r.status_code == 413
    assert fake.requests == []


async def test_dead_upstream_502(client_for: Callable[..., httpx.AsyncClient]) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = client_for(f"http://127.0.0.1:{port}/v1")
    r = await client.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 502
    assert r.json()["error"]["code"] == "upstream_unavailable"
    r = await client.get("/v1/models")
    assert r.status_code == 502
    assert r.json()["error"]["type"] == "upstream_error"


async def test_slow_upstream_504(client_for: Callable[..., httpx.AsyncClient]) -> None:
    client = client_for(proxy__timeout=0.2)
    r = await client.post("/v1/chat/completions", json=CHAT, headers={"x-fake-delay": "2"})
    assert r.status_code == 504
    assert r.json()["error"]["code"] == "upstream_timeout"


async def test_health_stats_metrics(client_for: Callable[..., httpx.AsyncClient], upstream_url: str) -> None:
    client = client_for(upstream_url.replace("http://", "http://user:secret@"), proxy__api_key="sk-hidden")
    r = await client.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 200
    await client.post("/v1/chat/completions", content=b"{")
    for prefix in ("", "/_m2m"):
        health = (await client.get(f"{prefix}/health")).json()
        assert health["status"] == "ok"
        assert health["upstream"].startswith("127.0.0.1:")
        text = json.dumps(health)
        assert "secret" not in text and "sk-hidden" not in text and "user" not in text
        stats = (await client.get(f"{prefix}/stats")).json()
        for key in (
            "requests_total", "bytes_in", "bytes_out", "compression_ratio", "avg_latency_ms",
            "p99_latency_ms", "tokens_original", "tokens_sent", "tokens_saved", "savings_percent",
        ):  # fmt: skip
            assert key in stats
        assert stats["requests_total"] == 2
        assert stats["errors_by_status"] == {"400": 1}
        assert stats["tokens_original"] == int(r.headers["x-m2m-tokens-original"])
        assert stats["avg_latency_ms"] > 0
        metrics = (await client.get(f"{prefix}/metrics")).text
        assert 'm2m_requests_total{status="200"} 1.0' in metrics
        assert "m2m_request_latency_seconds_bucket" in metrics
    r = await client.post("/health")
    assert r.status_code == 405


async def test_stream_relayed(client_for: Callable[..., httpx.AsyncClient]) -> None:
    client = client_for()
    r = await client.post("/v1/chat/completions", json={**CHAT, "stream": True})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.headers["x-accel-buffering"] == "no"
    assert int(r.headers["x-m2m-tokens-original"]) > 0
    data = [line[6:] for line in r.text.split("\n") if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    text = "".join(json.loads(d)["choices"][0]["delta"].get("content") or "" for d in data[:-1])
    assert text == "You said: Hello there, proxy!"


async def test_mid_stream_close_ends_with_error_event(client_for: Callable[..., httpx.AsyncClient]) -> None:
    client = client_for()
    r = await client.post(
        "/v1/chat/completions", json={**CHAT, "stream": True}, headers={"x-fake-close-after": "2"}
    )
    assert r.status_code == 200
    blocks = [b for b in r.text.split("\n\n") if b]
    assert len(blocks) == 3
    assert blocks[-1].startswith("event: error\ndata: ")
    error = json.loads(blocks[-1].split("data: ", 1)[1])["error"]
    assert error["type"] == "upstream_error"


async def test_unsupported_protocol_version(client_for: Callable[..., httpx.AsyncClient]) -> None:
    r = await client_for().post("/v1/chat/completions", json=CHAT, headers={"x-m2m-protocol": "9"})
    assert r.status_code == 400
    assert "X-M2M-Protocol" in r.json()["error"]["message"]


async def test_compress_decompress_endpoints(client_for: Callable[..., httpx.AsyncClient]) -> None:
    client = client_for()
    for prefix in ("/v1", "/_m2m"):
        r = await client.post(f"{prefix}/compress", json={"data": CHAT, "algorithm": "t1"})
        assert r.status_code == 200
        out = r.json()
        assert out["algorithm"] == "t1" and out["wire"].startswith("#T1|")
        r = await client.post(f"{prefix}/decompress", json={"wire": out["wire"]})
        assert json.loads(r.json()["data"]) == CHAT
    r = await client.post("/v1/decompress", json={"wire": "#M2M[v3.0]|DATA:!!!"})
    assert r.status_code == 400
    assert r.json()["error"]["code"].startswith("m2m_")
    r = await client.post("/v1/compress", json={"data": "x", "algorithm": "nope"})
    assert r.status_code == 400


def test_cached_token_count_matches_the_uncached_one() -> None:
    from tests.conftest import CORPUS

    from m2m.tokenizer import TextCache, count_chat_tokens

    cache = TextCache()
    lines = (CORPUS / "requests.jsonl").read_text().splitlines()[:60]
    for line in lines + lines:  # the second pass is served from the cache
        request = json.loads(line)
        expected = count_chat_tokens(request["messages"], model=request.get("model"))
        cached = count_chat_tokens(request["messages"], model=request.get("model"), cache=cache)
        assert int(cached) == int(expected) and cached.exact == expected.exact


def test_token_count_of_a_huge_prompt_is_an_estimate_not_a_stall() -> None:
    from m2m.tokenizer import count_chat_tokens

    word = "a" * (2 * 1024 * 1024)  # one 2 MiB "word": exact BPE on it takes seconds
    count = count_chat_tokens([{"role": "user", "content": word}], model="gpt-4o", max_chars=1 << 20)
    assert not count.exact
    assert int(count) >= len(word) // 4


async def test_optimize_drops_model_defaults_only_when_enabled(
    client_for: Callable[..., httpx.AsyncClient], fake: FakeUpstream
) -> None:
    request = {**CHAT, "temperature": 1, "top_p": 1, "n": 1, "seed": 7}
    body = json.dumps(request).encode()
    r = await client_for().post("/v1/chat/completions", content=body)
    assert r.status_code == 200
    assert fake.requests[-1].body == body  # off by default: byte-for-byte
    r = await client_for(proxy__optimize=True).post("/v1/chat/completions", content=body)
    assert r.status_code == 200
    assert json.loads(fake.requests[-1].body) == {**CHAT, "seed": 7}
    assert int(r.headers["x-m2m-bytes-sent"]) < int(r.headers["x-m2m-bytes-original"]) == len(body)
    assert r.headers["x-m2m-tokens-original"] == r.headers["x-m2m-tokens-sent"]  # the prompt is untouched
    # an unknown model is left alone
    unknown = json.dumps({**request, "model": "no-such-model-x"}).encode()
    await client_for(proxy__optimize=True).post("/v1/chat/completions", content=unknown)
    assert fake.requests[-1].body == unknown

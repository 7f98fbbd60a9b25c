"""What reaches the upstream, and what a client gets back, on every forwarded route: framing of
bodiless requests (a keep-alive ``http.server`` upstream), HEAD, fields passed as they came,
cancellation on disconnect, the body limit, a misconfigured tunnel, WebSockets and unknown paths."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from openai import OpenAI

from m2m.proxy.fake_upstream import FakeUpstream
from m2m.transport.server import BackgroundServer

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Name three rivers in France."}]}


@pytest.fixture
def tunnel(proxy_server: Callable[..., BackgroundServer]) -> Callable[..., str]:
    """``tunnel(upstream=None, **b_flags)``: the URL of proxy A in front of a new proxy B."""

    def build(upstream: str | None = None, **b_flags: Any) -> str:
        b = proxy_server(upstream, **b_flags)
        return proxy_server(b.url + "/v1", proxy__upstream_protocol="m2m").url

    return build


# -- a plain keep-alive HTTP/1.1 upstream ---------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a stray body byte would corrupt the next request
    timeout = 5  # an idle keep-alive connection ends by itself
    seen: list[tuple[str, dict[str, str], bytes]]

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append((self.command, {k.lower(): v for k, v in self.headers.items()}, body))
        reply = json.dumps({"method": self.command, "path": self.path}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_DELETE = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def keep_alive_upstream() -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    seen: list[tuple[str, dict[str, str], bytes]] = []
    handler = type("Handler", (_Handler,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("topology", ["proxy", "tunnel"])
def test_get_and_delete_reach_a_keep_alive_upstream_without_a_body(
    keep_alive_upstream: tuple[str, list[tuple[str, dict[str, str], bytes]]],
    proxy_server: Callable[..., BackgroundServer],
    tunnel: Callable[..., str],
    topology: str,
) -> None:
    upstream, seen = keep_alive_upstream
    url = proxy_server(upstream).url if topology == "proxy" else tunnel(upstream)
    with OpenAI(base_url=url + "/v1", api_key="sk-app", max_retries=0) as client:
        for _ in range(3):  # every request on the proxy's one kept-alive upstream connection
            client.files.retrieve("file-abc")
            client.files.delete("file-abc")
            client.models.list()
            client.embeddings.create(model="text-embedding-3-small", input="hi", encoding_format="float")
    methods = [method for method, _, _ in seen]
    assert methods == ["GET", "DELETE", "GET", "POST"] * 3
    for method, headers, body in seen:
        if method in ("GET", "DELETE"):
            assert body == b""
            assert "transfer-encoding" not in headers
            assert headers.get("content-length", "0") == "0"


# -- HEAD ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("topology", ["proxy", "tunnel"])
def test_head_answers_like_get_without_a_body(
    proxy_server: Callable[..., BackgroundServer],
    tunnel: Callable[..., str],
    topology: str,
    fake: FakeUpstream,
) -> None:
    url = proxy_server().url if topology == "proxy" else tunnel()
    with httpx.Client(base_url=url, timeout=10) as http:
        got = http.get("/v1/models")
        for _ in range(3):
            head = http.head("/v1/models")
            assert head.status_code == 200 and head.content == b""
            assert head.headers["content-type"] == got.headers["content-type"]
            assert fake.requests[-1].method == "HEAD"
        assert http.get("/v1/models").json() == got.json()  # the connection still serves


# -- fields passed as they came --------------------------------------------------------------------


@pytest.mark.parametrize("topology", ["proxy", "tunnel"])
def test_chat_content_type_with_charset_reaches_the_upstream_unchanged(
    proxy_server: Callable[..., BackgroundServer],
    tunnel: Callable[..., str],
    topology: str,
    fake: FakeUpstream,
) -> None:
    url = proxy_server().url if topology == "proxy" else tunnel()
    body = json.dumps(CHAT).encode()
    ctype = "application/json; charset=utf-8"
    r = httpx.post(url + "/v1/chat/completions", content=body, headers={"content-type": ctype}, timeout=10)
    assert r.status_code == 200
    assert fake.requests[-1].headers["content-type"] == ctype
    assert fake.requests[-1].body == body


def test_the_client_accept_encoding_reaches_the_upstream(
    proxy_server: Callable[..., BackgroundServer], fake: FakeUpstream
) -> None:
    url = proxy_server().url
    for path in ("/v1/chat/completions", "/v1/embeddings"):
        payload = CHAT if "chat" in path else {"model": "m", "input": "x", "encoding_format": "float"}
        r = httpx.post(url + path, json=payload, headers={"accept-encoding": "gzip, br"}, timeout=10)
        assert r.status_code == 200
        assert fake.requests[-1].headers["accept-encoding"] == "gzip, br"


@pytest.mark.parametrize("topology", ["proxy", "tunnel"])
def test_a_gzip_request_body_is_accepted_and_forwarded_as_it_came(
    proxy_server: Callable[..., BackgroundServer],
    tunnel: Callable[..., str],
    topology: str,
    fake: FakeUpstream,
) -> None:
    url = proxy_server().url if topology == "proxy" else tunnel()
    coded = gzip.compress(json.dumps(CHAT).encode())
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    r = httpx.post(url + "/v1/chat/completions", content=coded, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"].startswith("You said: Name three rivers")
    assert fake.requests[-1].body == coded
    assert fake.requests[-1].headers["content-encoding"] == "gzip"


@pytest.mark.parametrize("topology", ["proxy", "tunnel"])
def test_the_upstream_alt_svc_is_not_passed_on(
    proxy_server: Callable[..., BackgroundServer], tunnel: Callable[..., str], topology: str
) -> None:
    url = proxy_server().url if topology == "proxy" else tunnel()
    headers = {"x-fake-header": 'alt-svc: h3=":443"; ma=86400'}
    for path in ("/v1/chat/completions", "/v1/embeddings"):
        payload = CHAT if "chat" in path else {"model": "m", "input": "x", "encoding_format": "float"}
        r = httpx.post(url + path, json=payload, headers=headers, timeout=10)
        assert r.status_code == 200
        assert "alt-svc" not in r.headers


# -- cancellation and limits -----------------------------------------------------------------------


async def _wait_for(predicate: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds  # a hang guard, not a measurement
    while not predicate() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return predicate()


# (method, path, JSON body or None, whether the answer streams)
PASSTHROUGH = [
    ("POST", "/v1/embeddings", {"model": "m", "input": "x"}, False),
    ("POST", "/v1/moderations", {"input": "x"}, False),
    ("GET", "/v1/files/file-abc", None, False),
    ("POST", "/v1/responses", {"model": "m", "input": "x", "stream": True}, True),
    ("POST", "/v1/completions", {"model": "m", "prompt": "x", "stream": True}, True),
    ("POST", "/v1/messages", {"model": "m", "max_tokens": 9, "messages": [], "stream": True}, True),
]


@pytest.mark.parametrize(("method", "path", "payload", "streams"), PASSTHROUGH)
@pytest.mark.parametrize("topology", ["proxy", "tunnel"])
async def test_a_client_that_goes_away_cancels_the_upstream_request(
    proxy_server: Callable[..., BackgroundServer],
    tunnel: Callable[..., str],
    fake: FakeUpstream,
    topology: str,
    method: str,
    path: str,
    payload: dict[str, Any] | None,
    streams: bool,
) -> None:
    url = proxy_server().url if topology == "proxy" else tunnel()
    before = fake.cancelled
    # A slow answer (head held for 30 s), or a stream paced at one event a second.
    headers = {"x-fake-pace": "1", "x-fake-events": "30"} if streams else {"x-fake-delay": "30"}
    async with httpx.AsyncClient(timeout=10) as http:
        if streams:
            async with http.stream(method, url + path, json=payload, headers=headers) as r:
                assert r.status_code == 200
                async for _ in r.aiter_bytes():
                    break  # the first event came: go away
        else:
            seen = len(fake.requests)
            request = asyncio.ensure_future(http.request(method, url + path, json=payload, headers=headers))
            assert await _wait_for(lambda: len(fake.requests) > seen)  # the upstream has it: go away
            request.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await request
    assert await _wait_for(lambda: fake.cancelled > before)


LIMITED = [
    ("/v1/chat/completions", "application/json"),
    ("/v1/responses", "application/json"),
    ("/v1/embeddings", "application/json"),
    ("/v1/messages", "application/json"),
    ("/v1/files", "multipart/form-data; boundary=x"),
    ("/v1/audio/transcriptions", "audio/mpeg"),
    ("/v1/some/new/route", "application/octet-stream"),
]


@pytest.mark.parametrize(("path", "ctype"), LIMITED)
@pytest.mark.parametrize("length", ["declared", "chunked"])
@pytest.mark.parametrize("topology", ["proxy", "tunnel"])
def test_the_body_limit_holds_on_every_route(
    proxy_server: Callable[..., BackgroundServer],
    fake: FakeUpstream,
    topology: str,
    path: str,
    ctype: str,
    length: str,
) -> None:
    limit = 64 * 1024
    b = proxy_server(proxy__max_body_bytes=limit)
    url = b.url if topology == "proxy" else proxy_server(b.url + "/v1", proxy__upstream_protocol="m2m").url
    filler = base64.b64encode(os.urandom(limit)).decode()  # over the limit, and incompressible
    body = json.dumps({"model": "m", "input": filler}).encode()

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 16 * 1024):
            yield body[i : i + 16 * 1024]

    before = len(fake.requests)
    content: bytes | Iterator[bytes] = body if length == "declared" else chunks()
    r = httpx.post(url + path, content=content, headers={"content-type": ctype}, timeout=10)
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "payload_too_large"
    assert len(fake.requests) == before  # nothing was forwarded


# -- a misconfigured tunnel, WebSockets, unknown paths ---------------------------------------------


def test_a_tunnel_to_a_standard_server_is_a_clear_502(
    proxy_server: Callable[..., BackgroundServer], upstream_url: str, fake: FakeUpstream
) -> None:
    a = proxy_server(upstream_url, proxy__upstream_protocol="m2m")  # the fake is not an m2m proxy
    with OpenAI(base_url=a.url + "/v1", api_key="sk-app", max_retries=0) as client:
        request = {**CHAT, "messages": [{"role": "user", "content": "Name three rivers in France. " * 30}]}
        with pytest.raises(Exception) as info:
            client.chat.completions.create(**request)  # type: ignore[call-overload]
    assert getattr(info.value, "status_code", None) == 502
    message = getattr(info.value, "message", "")
    assert "not an m2m proxy" in message and "--upstream-protocol openai" in message


def _upgrade(port: int, path: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line[15:])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                None,
            )
            if length is not None and len(body) >= length:
                return data


def test_a_websocket_to_the_realtime_api_gets_a_clear_refusal(
    proxy_server: Callable[..., BackgroundServer],
) -> None:
    answer = _upgrade(proxy_server().port, "/v1/realtime?model=gpt-4o-realtime-preview")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 501")
    error = json.loads(body)["error"]
    assert "WebSocket" in error["message"] and "Realtime" in error["message"]


async def test_a_websocket_without_http_responses_is_closed_with_a_reason(
    app_for: Callable[..., Any],
) -> None:
    app = app_for()
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "websocket", "path": "/v1/realtime", "headers": [], "extensions": {}}, receive, send)
    assert sent and sent[-1]["type"] == "websocket.close"
    assert sent[-1]["code"] == 1008 and "WebSocket" in sent[-1]["reason"]


@pytest.mark.parametrize("path", ["/", "/foo", "/api/chat", "/chat/completions"])
def test_a_path_outside_v1_gets_openai_error_json(
    proxy_server: Callable[..., BackgroundServer], path: str
) -> None:
    r = httpx.post(proxy_server().url + path, json=CHAT, timeout=10)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
    error = r.json()["error"]
    assert set(error) >= {"message", "type", "code"} and error["type"] == "invalid_request_error"

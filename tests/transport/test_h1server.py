"""The proxy's HTTP/1.1 server protocol (m2m.transport.h1server) on the wire: what uvicorn's own
protocol did per request (pipelining, 100-continue, keep-alive rules, chunked answers, HEAD,
flow control, disconnects) still holds with the lean cycle, and the idle timer closes only idle
connections. Raw sockets, because the byte order on the connection is what is under test."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from m2m.config import load
from m2m.transport.server import BackgroundServer

_events: list[str] = []
_disconnected = threading.Event()


def _start(status: int, content_type: bytes) -> dict[str, Any]:
    return {"type": "http.response.start", "status": status, "headers": [(b"content-type", content_type)]}


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    path = scope["path"]
    if path == "/chunked":  # no Content-Length: the server frames the body
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"one,", "more_body": True})
        await send({"type": "http.response.body", "body": b"two", "more_body": False})
        return
    if path == "/slow-first-event":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        await asyncio.sleep(1.0)
        await send({"type": "http.response.body", "body": b"data: late\n\n"})
        return
    if path == "/wait-for-disconnect":
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"started", "more_body": True})
        message = await receive()
        _events.append(message["type"])
        _disconnected.set()
        return
    if path == "/slow":
        await asyncio.sleep(float(scope["query_string"].decode() or "0"))
    answer = json.dumps(
        {"method": scope["method"], "path": path, "query": scope["query_string"].decode(), "size": len(body)}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(answer))],
        }
    )
    await send({"type": "http.response.body", "body": answer})


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    config = load(env={"M2M_LIMITS_IDLE_TIMEOUT": "0.5"}, path=os.devnull)
    with BackgroundServer(_app, config=config) as running:
        yield running


def _connect(server: BackgroundServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def _read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _read_responses(sock: socket.socket, count: int) -> list[tuple[bytes, bytes]]:
    """``count`` responses with a Content-Length, as (head, body)."""
    data = b""
    out: list[tuple[bytes, bytes]] = []
    while len(out) < count:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep:
            length = int(
                next(line[15:] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
            )
            if len(rest) >= length:
                out.append((head, rest[:length]))
                data = rest[length:]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {len(out)} responses"
        data += chunk
    return out


def test_pipelined_requests_are_answered_in_order_on_one_connection(server: BackgroundServer) -> None:
    requests = b"".join(
        b"POST /slow?%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (delay, len(body), body)
        for delay, body in ((b"0.2", b"first"), (b"0", b"second!"), (b"0", b""))
    )
    with _connect(server) as sock:
        sock.sendall(requests)
        answers = [json.loads(body) for _, body in _read_responses(sock, 3)]
    # the first one is the slowest: the others still wait for it
    assert [a["size"] for a in answers] == [5, 7, 0]
    assert [a["query"] for a in answers] == ["0.2", "0", "0"]


def test_expect_100_continue_gets_its_interim_answer_before_the_body(server: BackgroundServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        assert sock.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"body")
        ((head, body),) = _read_responses(sock, 1)
    assert head.startswith(b"HTTP/1.1 200")
    assert json.loads(body)["size"] == 4


def test_an_answer_without_length_is_chunked_and_head_gets_no_body(server: BackgroundServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /chunked HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = _read_until_closed(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in head and b"connection: close" in head
    assert body == b"4\r\none,\r\n3\r\ntwo\r\n0\r\n\r\n"
    with _connect(server) as sock:
        sock.sendall(b"HEAD /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = _read_until_closed(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"content-length:" in head
    assert body == b""


def test_http_1_0_closes_after_its_answer(server: BackgroundServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /echo HTTP/1.0\r\n\r\n")
        data = _read_until_closed(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"connection: close" in head
    assert json.loads(body)["method"] == "GET"


def test_a_stream_gets_its_head_before_a_slow_first_event(server: BackgroundServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /slow-first-event HTTP/1.1\r\nHost: x\r\n\r\n")
        started = time.monotonic()
        first = sock.recv(65536)
        waited = time.monotonic() - started
        rest = b""
        while b"0\r\n\r\n" not in rest:
            rest += sock.recv(65536)
    assert first.startswith(b"HTTP/1.1 200") and first.endswith(b"\r\n\r\n")  # the head alone
    assert waited < 0.9  # well before the event the app sends after 1 s
    assert b"data: late" in rest


def test_a_large_body_arrives_whole_through_flow_control(server: BackgroundServer) -> None:
    body = os.urandom(6 * 1024 * 1024)
    answer = httpx.post(server.url + "/echo", content=body, timeout=30)
    assert answer.status_code == 200
    assert answer.json()["size"] == len(body)


def test_the_application_hears_the_client_leave(server: BackgroundServer) -> None:
    _disconnected.clear()
    _events.clear()
    with _connect(server) as sock:
        sock.sendall(b"GET /wait-for-disconnect HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"started" in sock.recv(65536)
    assert _disconnected.wait(5)
    assert _events == ["http.disconnect"]


def test_idle_keep_alive_connections_close_but_busy_ones_do_not(server: BackgroundServer) -> None:
    with _connect(server) as sock:
        # a response slower than the idle timeout, then another on the same connection
        sock.sendall(b"GET /slow?1.2 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert json.loads(_read_responses(sock, 1)[0][1])["query"] == "1.2"
        sock.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
        assert json.loads(_read_responses(sock, 1)[0][1])["path"] == "/echo"
        # then idle: closed after about 0.5 s
        started = time.monotonic()
        assert sock.recv(1024) == b""
        assert 0.3 < time.monotonic() - started < 5


def test_keep_alive_reuses_one_connection_for_many_requests(server: BackgroundServer) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        ports = set()
        for i in range(20):
            answer = client.post("/echo", params={"i": str(i)}, content=b"x" * i)
            assert answer.json() == {"method": "POST", "path": "/echo", "query": f"i={i}", "size": i}
            stream = answer.extensions["network_stream"]
            ports.add(stream.get_extra_info("socket").getsockname()[1])
    assert len(ports) == 1

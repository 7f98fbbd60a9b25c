"""Request heads: size and count limits (431), no memory kept per header set, slow-loris."""

from __future__ import annotations

import socket
import time

from m2m.transport.server import BackgroundServer

from .conftest import _start
from .harness import MiB, PeakSampler, ProxyProcess, http, send_raw

# Memory a proxy may gain over its size after startup while an attack runs.
BUDGET = 96 * MiB


def _head_of(size: int, *, tag: bytes = b"a") -> list[bytes]:
    """A request head with one field of ``size`` bytes, in 1 MiB pieces (never ending the head)."""
    parts = [b"GET /v1/models HTTP/1.1\r\nhost: x\r\nx-big: "]
    piece = tag * MiB
    parts += [piece] * (size // MiB)
    return parts


def test_a_one_mib_field_gets_431(proxy: ProxyProcess) -> None:
    r = send_raw(proxy.port, _head_of(MiB))
    assert r.status == 431


def test_a_64_mib_head_gets_431_long_before_its_end(proxy: ProxyProcess) -> None:
    r = send_raw(proxy.port, _head_of(64 * MiB), timeout=30)
    assert r.status == 431
    # The proxy answered and closed after its limit (8 KiB) and one read's slack, not 64 MiB.
    assert r.sent < 8 * MiB


def test_100k_header_fields_get_431(proxy: ProxyProcess) -> None:
    fields = b"".join(b"x-f%d: v\r\n" % i for i in range(100_000))
    r = send_raw(proxy.port, [b"GET /v1/models HTTP/1.1\r\nhost: x\r\n" + fields + b"\r\n"], timeout=30)
    assert r.status == 431


def test_distinct_16_mib_header_sets_do_not_grow_memory(fresh_proxy: ProxyProcess) -> None:
    start = fresh_proxy.rss()
    with PeakSampler(fresh_proxy) as sampler:
        for i in range(40):
            r = send_raw(fresh_proxy.port, _head_of(16 * MiB, tag=b"%c" % (97 + i % 26)), timeout=30)
            assert r.status == 431
            assert r.sent < 8 * MiB
    assert sampler.peak - start < BUDGET


def test_a_slow_head_gets_408_and_is_closed(proxy: ProxyProcess) -> None:
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    try:
        answer = b""
        deadline = time.monotonic() + 15  # a hang guard: the proxy's header timeout is 1 s
        sock.settimeout(0.2)
        for byte in b"GET /v1/models HTTP/1.1\r\nhost: x\r\nx-slow: " + b"z" * 200:
            try:
                sock.send(bytes([byte]))
                answer += sock.recv(4096)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            if answer or time.monotonic() > deadline:
                break
        sock.settimeout(5)
        while True:
            try:
                chunk = sock.recv(4096)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            answer += chunk
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 408")


def test_a_thousand_trickling_connections_do_not_lock_out_new_requests(proxy: ProxyProcess) -> None:
    # The proxy raised its descriptor limit to fit max_connections (2000 here) and more.
    assert proxy.fd_limit() >= 2000
    before = proxy.fds()
    socks = []
    try:
        for _ in range(1000):
            sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
            sock.sendall(b"GET /v1/models HTTP/1.1\r\nhost: x\r\nx-slow: ")
            socks.append(sock)
        r = http(proxy.port, "GET", "/v1/models", timeout=20)
        assert r.status == 200
        assert b'"data"' in r.body
        assert proxy.fds() >= before + 900  # the connections were held, each a descriptor
    finally:
        for sock in socks:
            sock.close()
    # Once the clients are gone, so are their descriptors (the upstream pool may keep a few).
    deadline = time.monotonic() + 30
    while proxy.fds() > before + 16 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proxy.fds() <= before + 16, (before, proxy.fds())


def test_a_silent_body_gets_408_in_worker_processes(upstream: BackgroundServer) -> None:
    # Workers get every listener bound from the configuration (the body timeout is 1 s here).
    p = _start(upstream.url + "/v1", "--workers", "2")
    try:
        head = b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        r = send_raw(p.port, [head + b"content-length: 100\r\n\r\n{"], timeout=15)
        assert r.status == 408
    finally:
        p.stop()

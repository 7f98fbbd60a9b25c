"""What an upstream may send back: endless documents and lines, too many fields; and shutdown."""

from __future__ import annotations

import signal
import socket
import threading
import time

from m2m.transport.server import BackgroundServer
from m2m.tunnel.client import default_accept

from .conftest import _start
from .harness import MiB, PeakSampler, ProxyProcess, UpstreamLog, chat_body, http, send_raw

BUDGET = 96 * MiB
CPU = 3.0


def _read_some(port: int, request: bytes, limit: int, timeout: float = 30.0) -> bytes:
    """Send ``request`` and read at most ``limit`` bytes of the answer (then hang up)."""
    got = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        while len(got) < limit:
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            got += chunk
    return bytes(got)


def test_a_10_gb_json_passed_through_stays_flat(fresh_proxy: ProxyProcess, upstream_log: UpstreamLog) -> None:
    start = fresh_proxy.rss()
    request = b"GET /v1/files/x/content?attack=huge-json HTTP/1.1\r\nhost: x\r\n\r\n"
    with PeakSampler(fresh_proxy) as sampler:
        got = _read_some(fresh_proxy.port, request, 64 * MiB)
    assert got.startswith(b"HTTP/1.1 200")
    assert len(got) >= 64 * MiB  # streamed as it came
    assert sampler.peak - start < BUDGET


def test_a_10_gb_json_the_proxy_must_read_is_a_502(
    fresh_proxy: ProxyProcess, upstream_log: UpstreamLog
) -> None:
    # An m2m peer asks for an encoded answer: the proxy must read the document whole to encode it.
    start = fresh_proxy.rss()
    with PeakSampler(fresh_proxy) as sampler:
        r = http(
            fresh_proxy.port,
            "GET",
            "/v1/files/x/content?attack=huge-json",
            headers={"x-m2m-protocol": "1", "x-m2m-accept": default_accept()},
            timeout=30,
        )
    assert r.status == 502, r.body[:200]
    assert upstream_log.sent["huge-json"] < 64 * MiB  # the proxy stopped reading at its limit (1 MiB)
    assert sampler.peak - start < BUDGET


def test_an_sse_line_that_never_ends(proxy: ProxyProcess, upstream_log: UpstreamLog) -> None:
    cpu = proxy.cpu()
    r = http(
        proxy.port,
        "POST",
        "/v1/chat/completions?attack=endless-sse",
        headers={"content-type": "application/json", "x-bytes": str(64 * MiB)},
        body=chat_body(stream=True),
        timeout=30,
    )
    assert r.status == 200
    assert b"event: error" in r.body
    assert len(r.body) < MiB
    assert upstream_log.sent["endless-sse"] < 64 * MiB  # cut at max_event_bytes (64 KiB), not read to its end
    assert proxy.cpu() - cpu < CPU


def test_upstream_response_field_count_is_bounded(proxy: ProxyProcess) -> None:
    r = http(proxy.port, "GET", "/v1/models?attack=many-headers")
    assert r.status == 502, r.body[:200]
    assert len(r.headers) < 64


def test_sigterm_ends_streams_with_an_error_event_after_the_grace(upstream: BackgroundServer) -> None:
    p = _start(upstream.url + "/v1")  # shutdown_grace = 1 s
    bodies: list[bytes] = [b""] * 3

    def stream(i: int) -> None:
        r = send_raw(
            p.port,
            [
                b"POST /v1/chat/completions?attack=pace HTTP/1.1\r\nhost: x\r\n"
                b"content-type: application/json\r\ncontent-length: %d\r\n\r\n"
                % len(chat_body(stream=True))
                + chat_body(stream=True)
            ],
            timeout=30,
        )
        bodies[i] = r.body

    threads = [threading.Thread(target=stream, args=(i,)) for i in range(3)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(0.5)  # the streams are under way (an event every 50 ms for 20 s)
        code = p.stop(signal.SIGTERM, timeout=15)
        for thread in threads:
            thread.join(15)
    finally:
        p.stop(signal.SIGKILL)
    assert code in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once it has shut down
    for body in bodies:
        assert b'data: {"n":0}' in body
        assert body.rstrip().splitlines()[-2:][0].startswith(b"event: error"), body[-300:]

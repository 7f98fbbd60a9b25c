"""A large request under the security screen is scanned off the event loop: others are served."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from m2m.transport.server import BackgroundServer

from .conftest import BODY, _start
from .harness import MiB, ProxyProcess, UpstreamLog, deep_json, http

_WORDS = "please summarise the following report about quarterly revenue and the weather in paris "


@pytest.fixture(scope="module")
def screened(upstream: BackgroundServer) -> Iterator[ProxyProcess]:
    p = _start(upstream.url + "/v1", "--security", *BODY)
    yield p
    p.stop()


def test_a_large_request_is_scanned_off_the_loop(screened: ProxyProcess, upstream_log: UpstreamLog) -> None:
    # 4 MiB in fields under the scanner's per-field limit: about a second of scanning here.
    text = _WORDS * (1000 * 1024 // len(_WORDS))
    messages = [{"role": "user", "content": f"{text} {i}"} for i in range(4)]
    body = json.dumps({"model": "gpt-4o", "messages": messages}).encode()
    assert len(body) > 3 * MiB
    upstream_log.seen.clear()

    def forwarded() -> bool:
        return any("x-big" in seen.headers for seen in list(upstream_log.seen))

    head = b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-big: 1\r\n"
    with socket.create_connection(("127.0.0.1", screened.port), timeout=60) as sock:
        sock.sendall(head + b"content-length: %d\r\n\r\n" % len(body) + body)
        # The whole body is out: the proxy now scans it, then forwards it. Small requests meanwhile:
        probes = 0
        while not forwarded() and probes < 1000:
            assert http(screened.port, "GET", "/health", timeout=30).status == 200
            probes += 1
        answer = sock.recv(64)
    assert answer.startswith(b"HTTP/1.1 200")
    # Many were answered between the end of the upload and the forward, i.e. during the scan: it
    # did not hold the event loop (on the loop, at most one would be).
    assert probes >= 10


def test_json_nested_100k_deep_under_the_screen_is_a_400(screened: ProxyProcess) -> None:
    r = http(
        screened.port,
        "POST",
        "/v1/chat/completions",
        headers={"content-type": "application/json"},
        body=deep_json(),
    )
    assert r.status == 400, r.body[:200]

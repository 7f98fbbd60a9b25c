"""Decompression bombs from clients and from a malicious m2m peer: refused fast, memory bounded."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from m2m.transport.server import BackgroundServer

from .conftest import _start
from .harness import (
    ADMIN_TOKEN,
    MiB,
    PeakSampler,
    ProxyProcess,
    chat_body,
    delta_bomb,
    http,
    t1_bomb,
    tokennative_text_bomb,
)

# Memory a proxy (with its worker process) may gain over its size when the attack starts: the
# 16 MiB body, its copy on the way to the worker and the worker's bounded decoding (unbounded, the
# old decoders took 1.8 GiB); CPU seconds the attack may cost (a hang guard against decoders that
# run for seconds, far above what the refusal costs).
BUDGET = 160 * MiB
CPU = 3.0


@pytest.fixture(scope="module")
def client_role(upstream: BackgroundServer) -> Iterator[ProxyProcess]:
    """A proxy next to the app whose upstream m2m peer is hostile."""
    p = _start(upstream.url + "/v1", "--upstream-protocol", "m2m")
    yield p
    p.stop()


def test_tokennative_bomb_through_decompress(fresh_proxy: ProxyProcess) -> None:
    body = json.dumps({"wire": tokennative_text_bomb()}).encode()
    assert len(body) > 15 * MiB
    fresh_proxy.warm_worker()
    start, cpu = fresh_proxy.rss(), fresh_proxy.cpu()
    with PeakSampler(fresh_proxy) as sampler:
        r = http(
            fresh_proxy.port,
            "POST",
            "/v1/decompress",
            headers={"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"},
            body=body,
            timeout=60,
        )
    assert r.status in (400, 413), r.body[:300]
    assert sampler.peak - start < BUDGET
    assert fresh_proxy.cpu() - cpu < CPU


def test_zstd_t1_bomb_as_a_tunnel_request(fresh_proxy: ProxyProcess) -> None:
    wire = t1_bomb()
    assert len(wire) < 4096
    fresh_proxy.warm_worker()
    start, cpu = fresh_proxy.rss(), fresh_proxy.cpu()
    with PeakSampler(fresh_proxy) as sampler:
        r = http(
            fresh_proxy.port,
            "POST",
            "/v1/chat/completions",
            headers={"x-m2m-protocol": "1", "content-type": "application/json", "authorization": "Bearer a"},
            body=wire,
            timeout=60,
        )
    assert r.status in (400, 413), r.body[:300]
    assert sampler.peak - start < BUDGET
    assert fresh_proxy.cpu() - cpu < CPU


def test_small_delta_expanding_to_16_mib(fresh_proxy: ProxyProcess) -> None:
    base = chat_body("the first turn of a conversation")
    tunnel = {"x-m2m-protocol": "1", "x-m2m-delta": "1", "authorization": "Bearer tenant-a"}
    first = http(
        fresh_proxy.port,
        "POST",
        "/v1/chat/completions",
        headers={**tunnel, "x-m2m-encoding": "identity", "content-type": "application/json"},
        body=base,
    )
    assert first.status == 200 and first.headers.get("x-m2m-delta") == "1"  # the base is kept
    wire = delta_bomb(base)
    assert len(wire) < 1024
    fresh_proxy.warm_worker()
    start, cpu = fresh_proxy.rss(), fresh_proxy.cpu()
    with PeakSampler(fresh_proxy) as sampler:
        r = http(
            fresh_proxy.port,
            "POST",
            "/v1/chat/completions",
            headers={**tunnel, "content-type": "application/json"},
            body=wire,
            timeout=60,
        )
    assert r.status in (409, 413), r.body[:300]
    assert sampler.peak - start < BUDGET
    assert fresh_proxy.cpu() - cpu < CPU


def test_tokennative_bomb_from_a_malicious_peer(client_role: ProxyProcess) -> None:
    client_role.warm_worker()
    start, cpu = client_role.rss(), client_role.cpu()
    with PeakSampler(client_role) as sampler:
        r = http(
            client_role.port,
            "POST",
            "/v1/chat/completions?attack=bomb-peer",
            headers={"content-type": "application/json"},
            body=chat_body(),
            timeout=60,
        )
    assert r.status == 502, r.body[:300]
    assert sampler.peak - start < BUDGET
    assert client_role.cpu() - cpu < CPU

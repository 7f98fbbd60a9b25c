"""HTTP/3 from hostile peers: a :path naming another authority, streams that never finish, and a
flood of undecryptable Initial packets."""

from __future__ import annotations

import asyncio
import os
import random
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from m2m.proxy.fake_upstream import FakeUpstream
from m2m.transport.server import BackgroundServer

from .conftest import _start
from .harness import OPERATOR_KEY, MiB, PeakSampler, ProxyProcess, UpstreamLog, h3_client

BUDGET = 96 * MiB


@pytest.fixture(scope="module")
def h3_proxy(upstream: BackgroundServer, cert: tuple[Path, Path]) -> Iterator[ProxyProcess]:
    env = {"M2M_LIMITS_QUIC_MAX_CONNECTIONS": "128", "M2M_LIMITS_MAX_BUFFERED_BYTES": str(32 * MiB)}
    p = _start(upstream.url + "/v1", "--api-key", OPERATOR_KEY, env=env, quic=True, cert=cert)
    yield p
    p.stop()


def test_the_quic_listener_raises_its_descriptor_limit(h3_proxy: ProxyProcess) -> None:
    # Started with a soft limit of 1024: room for max_connections (2000 here) is made at startup.
    assert h3_proxy.fd_limit() >= 2000


@pytest.mark.parametrize("path", ["@127.0.0.1:{port}/v1/models", "127.0.0.1:{port}/v1/models", "v1/models"])
async def test_a_path_not_starting_with_slash_is_refused(
    h3_proxy: ProxyProcess,
    canary: tuple[FakeUpstream, BackgroundServer],
    upstream_log: UpstreamLog,
    path: str,
) -> None:
    fake, server = canary
    fake.requests.clear()
    upstream_log.seen.clear()
    async with h3_client(h3_proxy.port) as client:
        stream = client.open("GET", path.format(port=server.port).encode())
        status, _ = await client.response(stream)
    assert status == 400
    assert fake.requests == []  # never sent to another authority, so never with the operator's key
    assert list(upstream_log.seen) == []


async def test_streams_that_never_finish_hold_bounded_memory(h3_proxy: ProxyProcess) -> None:
    """3 connections x 120 request streams, each pushing up to 8 MiB of body and never ending it,
    then going silent: the proxy reads at most what its body budget holds, lets 16 streams per
    connection in at once, and gives a silent stream up after its body timeout (1 s here)."""
    start = h3_proxy.rss()
    chunk = b"x" * (64 * 1024)

    async def attack() -> list[int]:
        async with h3_client(h3_proxy.port, datagram=16384) as client:
            quic = client._quic
            headers = [(b"content-type", b"application/json")]
            streams = {
                client.open("POST", b"/v1/chat/completions", headers, end=False): 0 for _ in range(120)
            }
            assert quic._remote_max_streams_bidi <= 16
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 2.0
            while loop.time() < deadline:
                for sid, sent in streams.items():
                    stream = quic._streams.get(sid)
                    if stream is None or sent >= 8 * MiB or len(stream.sender._buffer) > len(chunk):
                        continue
                    try:
                        client.h3.send_data(sid, chunk, end_stream=False)
                    except Exception:  # the proxy stopped or reset this stream
                        streams[sid] = 8 * MiB
                        continue
                    streams[sid] = sent + len(chunk)
                client.transmit()
                await asyncio.sleep(0.002)
            # Silent from now on: the first streams let in end (an answer or a reset) by themselves.
            first = list(streams)[:16]
            return [(await client.response(sid, timeout=15))[0] for sid in first]

    with PeakSampler(h3_proxy) as sampler:
        ends = await asyncio.gather(attack(), attack(), attack())
    assert sampler.peak - start < BUDGET
    assert all(status in (-1, 408, 413, 503) for statuses in ends for status in statuses), ends
    # Other clients are served.
    async with h3_client(h3_proxy.port) as client:
        status, body = await client.response(client.open("GET", b"/v1/models"))
    assert status == 200 and b'"data"' in body


def _initial(rng: random.Random) -> bytes:
    """A QUIC v1 Initial packet with random connection ids and an undecryptable payload."""
    dcid = rng.randbytes(rng.randint(8, 20))
    scid = rng.randbytes(8)
    payload = os.urandom(1182 - len(dcid))
    length = 0x4000 | len(payload)
    return (
        b"\xc3\x00\x00\x00\x01"
        + bytes([len(dcid)])
        + dcid
        + bytes([len(scid)])
        + scid
        + b"\x00"
        + length.to_bytes(2, "big")
        + payload
    )


async def test_a_flood_of_undecryptable_initials(h3_proxy: ProxyProcess) -> None:
    rng = random.Random(7)
    start = h3_proxy.rss()
    with PeakSampler(h3_proxy) as sampler:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            packets = [_initial(rng) for _ in range(256)]
            # 20k packets at about 10k a second: most reach the proxy rather than a full socket buffer.
            for i in range(20_000):
                packet = packets[i % 256]
                sock.sendto(packet[:6] + rng.randbytes(4) + packet[10:], ("127.0.0.1", h3_proxy.port))
                if i % 250 == 249:
                    await asyncio.sleep(0.025)
        await asyncio.sleep(0.5)
    # Garbage costs no connection state past the first handshakes (Retry, then the cap).
    assert sampler.peak - start < 32 * MiB
    # A real client still gets in (it proves its address with a Retry while the garbage pends).
    async with h3_client(h3_proxy.port) as client:
        status, _ = await client.response(client.open("GET", b"/v1/models"))
    assert status == 200

"""Fixtures of the hostile suite: a hostile upstream in this process, proxies in subprocesses.

The proxies run with small limits (a header budget of 8 KiB, 1 s timeouts, 1 MiB responses) so
that every attack is cheap to mount and the suite stays short; the limits are what is tested, not
their defaults.
"""

from __future__ import annotations

import resource
from collections.abc import Iterator
from pathlib import Path

import pytest

from m2m.proxy.fake_upstream import FakeUpstream
from m2m.transport.server import BackgroundServer
from m2m.transport.tls import dev_certificate

from .harness import ADMIN_TOKEN, OPERATOR_KEY, MiB, ProxyProcess, UpstreamLog, hostile_upstream

# The limits every proxy of the suite runs with (M2M_* variables).
LIMITS = {
    "M2M_LIMITS_MAX_HEADER_BYTES": "8192",
    "M2M_LIMITS_MAX_HEADERS": "32",
    "M2M_LIMITS_HEADER_TIMEOUT": "1",
    "M2M_LIMITS_BODY_TIMEOUT": "1",
    "M2M_LIMITS_MAX_RESPONSE_BYTES": str(MiB),
    "M2M_LIMITS_MAX_EVENT_BYTES": str(64 * 1024),
    "M2M_LIMITS_MAX_UPSTREAM_HEADERS": "64",
    "M2M_LIMITS_MAX_CONNECTIONS": "2000",
    "M2M_LIMITS_SHUTDOWN_GRACE": "1",
    "M2M_LIMITS_QUIC_MAX_CONNECTIONS": "16",
    "M2M_LIMITS_QUIC_MAX_STREAMS": "16",
    "M2M_LIMITS_QUIC_STREAM_WINDOW": str(64 * 1024),
    "M2M_LIMITS_QUIC_CONNECTION_WINDOW": str(256 * 1024),
    "M2M_ADMIN_TOKEN": ADMIN_TOKEN,
}
# Request bodies up to 20 MiB: the 15-16 MiB attacks are accepted and reach the code they attack.
BODY = ("--max-body-bytes", str(20 * MiB))


@pytest.fixture(scope="session", autouse=True)
def _fds() -> None:
    # The slow-loris test holds a thousand connections from this process too.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096 <= hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (4096, hard))


@pytest.fixture(scope="session")
def upstream_log() -> UpstreamLog:
    return UpstreamLog()


@pytest.fixture(scope="session")
def upstream(upstream_log: UpstreamLog) -> Iterator[BackgroundServer]:
    server = BackgroundServer(hostile_upstream(upstream_log)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def canary() -> Iterator[tuple[FakeUpstream, BackgroundServer]]:
    """Another server on loopback: nothing may ever reach it through the proxy."""
    fake = FakeUpstream()
    server = BackgroundServer(fake).start()
    yield fake, server
    server.stop()


def _start(upstream: str, *flags: str, env: dict[str, str] | None = None, **kw: object) -> ProxyProcess:
    return ProxyProcess(upstream, flags=flags, env={**LIMITS, **(env or {})}, **kw).wait_ready()  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def proxy(upstream: BackgroundServer) -> Iterator[ProxyProcess]:
    """The main proxy: openai role, operator key, tenant header, admin token."""
    p = _start(
        upstream.url + "/v1", "--api-key", OPERATOR_KEY, *BODY, env={"M2M_PROXY_TENANT_HEADER": "x-tenant"}
    )
    yield p
    p.stop()


@pytest.fixture(scope="module")
def fresh_proxy(upstream: BackgroundServer) -> Iterator[ProxyProcess]:
    """A proxy of its own for attacks whose point is memory."""
    p = _start(upstream.url + "/v1", "--api-key", OPERATOR_KEY, *BODY)
    yield p
    p.stop()


@pytest.fixture(scope="session")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return dev_certificate(tmp_path_factory.mktemp("certs"))

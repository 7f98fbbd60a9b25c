"""The servers deployment tests run on loopback: the fake OpenAI-compatible upstream and real
proxy replicas in front of it.

The one place that knows where the fake, the proxy app and the background server live in the
package.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from m2m.cli.proxy import build_app
from m2m.config import load
from m2m.proxy.fake_upstream import FakeUpstream
from m2m.transport.server import BackgroundServer

__all__ = ["ask_proxy", "fake_upstream", "proxy_replica"]


@contextmanager
def fake_upstream() -> Iterator[tuple[str, Any]]:
    """``(base_url, fake)`` of a fake upstream on a free 127.0.0.1 port; stops on exit."""
    fake = FakeUpstream()
    with BackgroundServer(fake, host="127.0.0.1") as server:
        yield f"{server.url}/v1", fake


@contextmanager
def proxy_replica(env: Mapping[str, str]) -> Iterator[str]:
    """Base URL of one proxy process configured by ``env`` (``M2M_*``), on a free 127.0.0.1 port."""
    config = load(env=env, path=os.devnull)
    with BackgroundServer(build_app(config), host="127.0.0.1") as server:
        yield server.url


def ask_proxy(paths: Iterable[str]) -> dict[str, tuple[int, bool]]:
    """``GET`` each path of a real proxy replica: ``{path: (status, forwarded to the upstream)}``.

    Forwarded means the upstream was asked for that path; the readiness check's own probe of the
    upstream (another path) does not count."""
    answers: dict[str, tuple[int, bool]] = {}
    with fake_upstream() as (upstream_url, fake), proxy_replica({"M2M_PROXY_UPSTREAM": upstream_url}) as url:
        for path in paths:
            before = len(fake.requests)
            try:
                with urllib.request.urlopen(url + path, timeout=5) as resp:
                    status = resp.status
            except urllib.error.HTTPError as exc:
                status = exc.code
                exc.close()
            asked = {request.path for request in fake.requests[before:]}
            answers[path] = (status, path in asked or f"/v1{path}" in asked)
    return answers

"""The servers deployment tests run on loopback: the fake OpenAI-compatible upstream and real
proxy replicas in front of it.

The one place that knows where the fake, the proxy app and the background server live in the
package.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from m2m.config import load
from m2m.proxy.app import create_app
from m2m.proxy.fake_upstream import FakeUpstream
from m2m.proxy.server import BackgroundServer

__all__ = ["fake_upstream", "proxy_replica"]


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
    with BackgroundServer(create_app(config), host="127.0.0.1") as server:
        yield server.url

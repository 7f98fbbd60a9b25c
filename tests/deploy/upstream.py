"""The fake OpenAI-compatible upstream that deployment tests send real requests to.

The one place that knows where the fake and its background server live in the package.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from m2m.proxy.fake_upstream import FakeUpstream
from m2m.proxy.server import BackgroundServer

__all__ = ["fake_upstream"]


@contextmanager
def fake_upstream() -> Iterator[tuple[str, Any]]:
    """``(base_url, fake)`` of a fake upstream on a free 127.0.0.1 port; stops on exit."""
    fake = FakeUpstream()
    with BackgroundServer(fake, host="127.0.0.1") as server:
        yield f"{server.url}/v1", fake

"""What the proxy needs from an upstream client; :mod:`m2m.transport` provides the clients.

Every client translates its own transport failures, in one place, into
:class:`~m2m.errors.UpstreamUnavailableError` (502) and :class:`~m2m.errors.UpstreamTimeoutError`
(504), while waiting for the head and while reading the body. Header lists are
:data:`m2m.headers.Headers` (lower-case names) both ways.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from m2m.headers import Headers

__all__ = ["BufferedResponse", "Upstream", "UpstreamResponse"]


class UpstreamResponse(Protocol):
    status: int
    headers: Headers

    def aiter_bytes(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class Upstream(Protocol):
    async def request(
        self,
        method: str,
        url: str,
        headers: Headers,
        body: bytes | AsyncIterator[bytes],
        *,
        timeout: float,
    ) -> UpstreamResponse: ...

    async def aclose(self) -> None: ...


class BufferedResponse:
    """An upstream response whose body was already read."""

    def __init__(self, status: int, headers: Headers, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self._body = body

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        if self._body:
            yield self._body

    async def aclose(self) -> None:
        return None


async def read_limited(resp: UpstreamResponse, limit: int) -> bytes:
    """The body of a response known to be small (an error answer), at most ``limit`` bytes."""
    from m2m.errors import UpstreamUnavailableError

    parts: list[bytes] = []
    size = 0
    async for chunk in resp.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise UpstreamUnavailableError(f"upstream error answer over {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)

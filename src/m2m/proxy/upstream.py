"""What the proxy needs from an upstream client; :mod:`m2m.transport` provides the clients.

Every client translates its own transport failures, in one place, into
:class:`~m2m.errors.UpstreamUnavailableError` (502) and :class:`~m2m.errors.UpstreamTimeoutError`
(504), while waiting for the head and while reading the body. Header lists are
:data:`m2m.headers.Headers` (lower-case names) both ways.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from m2m.errors import UpstreamUnavailableError
from m2m.headers import Headers

__all__ = ["BufferedResponse", "Upstream", "UpstreamResponse"]


class UpstreamResponse(Protocol):
    status: int
    headers: Headers

    def aiter_bytes(self) -> AsyncIterator[bytes]: ...

    async def read(self, limit: int) -> bytes:
        """The whole body; :class:`~m2m.errors.UpstreamUnavailableError` past ``limit`` bytes."""
        ...

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

    async def read(self, limit: int) -> bytes:
        if len(self._body) > limit:
            raise UpstreamUnavailableError(f"upstream response over the {limit}-byte limit")
        return self._body

    async def aclose(self) -> None:
        return None

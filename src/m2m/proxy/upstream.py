"""The upstream HTTP client: the one place where transport failures become m2m errors.

``Upstream`` / ``UpstreamResponse`` are the protocol every transport implements:
:class:`m2m.proxy.h1client.H1Upstream` (HTTP/1.1, the default), :class:`AiohttpUpstream`
(fallback) and HTTP/3 in :mod:`m2m.transport.h3client`; :func:`make_upstream` picks one.
Whatever the transport raises — refused, reset, DNS failure, a read that stalls past the
timeout — leaves this module as :class:`~m2m.errors.UpstreamUnavailableError` (502) or
:class:`~m2m.errors.UpstreamTimeoutError` (504), both while waiting for the response head and
while reading its body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Protocol

from m2m.errors import UpstreamTimeoutError, UpstreamUnavailableError

if TYPE_CHECKING:
    import aiohttp

    from m2m.config import Config

__all__ = ["AiohttpUpstream", "Upstream", "UpstreamResponse", "make_upstream"]


class UpstreamResponse(Protocol):
    status: int
    headers: list[tuple[str, str]]

    def aiter_bytes(self) -> AsyncIterator[bytes]: ...

    async def read(self) -> bytes: ...

    async def aclose(self) -> None: ...


class Upstream(Protocol):
    async def request(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes | AsyncIterator[bytes],
        *,
        timeout: float,
    ) -> UpstreamResponse: ...

    async def aclose(self) -> None: ...


# Enough keep-alive connections for the concurrency the proxy is sized for (64+ in flight).
POOL_SIZE = 256


def _unavailable(exc: BaseException, what: str) -> UpstreamUnavailableError:
    detail = type(exc).__name__
    text = str(exc)
    if text:
        detail = f"{detail}: {text}"
    return UpstreamUnavailableError(f"upstream {what}: {detail}")


class _AiohttpResponse:
    __slots__ = ("_resp", "headers", "status")

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self._resp = resp
        self.status = resp.status
        self.headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.raw_headers]

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        import aiohttp

        content = self._resp.content
        try:
            while True:
                chunk = await content.readany()
                if not chunk:
                    return
                yield chunk
        except (TimeoutError, aiohttp.ServerTimeoutError):
            raise UpstreamTimeoutError("upstream stopped sending within the timeout") from None
        except aiohttp.ClientError as exc:
            raise _unavailable(exc, "closed the connection mid-response") from None

    async def read(self) -> bytes:
        import aiohttp

        try:
            return await self._resp.read()
        except (TimeoutError, aiohttp.ServerTimeoutError):
            raise UpstreamTimeoutError("upstream did not finish the response within the timeout") from None
        except aiohttp.ClientError as exc:
            raise _unavailable(exc, "closed the connection mid-response") from None

    async def aclose(self) -> None:
        # release() would drain an unfinished body into the pool; close() drops the connection,
        # which is what a cancelled stream must do so the upstream sees the cancellation.
        if self._resp.content.at_eof():
            self._resp.release()
        else:
            self._resp.close()


class AiohttpUpstream:
    """HTTP/1.1 upstream on one shared aiohttp session (keep-alive pool)."""

    def __init__(self, *, pool_size: int = POOL_SIZE) -> None:
        import aiohttp

        self._aiohttp = aiohttp
        connector = aiohttp.TCPConnector(limit=pool_size, limit_per_host=pool_size, ttl_dns_cache=300)
        # Forward exactly the client's headers and bytes: no added defaults, no transparent
        # decompression (a gzip body stays gzip with its Content-Encoding).
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent", "Content-Type"),
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def request(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes | AsyncIterator[bytes],
        *,
        timeout: float,
    ) -> UpstreamResponse:
        aiohttp = self._aiohttp
        # sock_read bounds silence (time to the head, then between reads), not a whole stream.
        client_timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
        kwargs: dict[str, Any] = {"headers": headers, "timeout": client_timeout, "allow_redirects": False}
        if isinstance(body, bytes):
            if body or method not in ("GET", "HEAD"):
                kwargs["data"] = body
        else:
            kwargs["data"] = body
        try:
            resp = await self._session.request(method, url, **kwargs)
        except (TimeoutError, aiohttp.ServerTimeoutError):
            raise UpstreamTimeoutError(f"upstream did not answer within {timeout:g} s") from None
        except aiohttp.InvalidURL as exc:
            raise UpstreamUnavailableError(f"invalid upstream URL: {exc}") from None
        except aiohttp.ClientError as exc:
            raise _unavailable(exc, "unavailable") from None
        except OSError as exc:
            raise _unavailable(exc, "unavailable") from None
        return _AiohttpResponse(resp)

    async def aclose(self) -> None:
        await self._session.close()


def make_upstream(config: Config) -> Upstream:
    """The upstream transport ``config`` asks for (must be called inside the running loop)."""
    if config.proxy.transport.upstream_transport == "quic":
        from m2m.transport.h3client import H3Upstream  # optional transport, imported on demand

        upstream: Upstream = H3Upstream(config)
        return upstream
    try:
        from m2m.proxy.h1client import H1Upstream
    except ImportError:  # httptools missing (it ships wheels for every supported platform)
        return AiohttpUpstream()
    transport = config.proxy.transport
    return H1Upstream(ca_file=transport.upstream_ca, insecure=transport.upstream_insecure)

"""Talk M2M to an m2m proxy from the OpenAI SDK (or any httpx code), with no proxy on the app side.

    from openai import OpenAI
    import m2m.client

    client = OpenAI(base_url="http://m2m-proxy:8080/v1", http_client=m2m.client.httpx_client())

Every request leaves in the tunnel protocol (:mod:`m2m.tunnel`): JSON bodies compressed (later
turns of a conversation as deltas once the proxy keeps bases), other compressible bodies in the
byte codec, media as it is; responses come back as the upstream's exact bytes, streams decoded
event by event as they arrive. These transports only move bytes; :class:`m2m.tunnel.TunnelClient`
decides everything. Use :func:`async_httpx_client` with ``AsyncOpenAI``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import httpx

from m2m.errors import M2MError, PeerError
from m2m.headers import Headers
from m2m.tunnel import ClientExchange, ClientSettings, Transform, TunnelClient
from m2m.tunnel.transform import Identity

__all__ = ["AsyncM2MTransport", "M2MTransport", "async_httpx_client", "httpx_client"]

# Decoded responses may be large (long completions with tool output); bounded all the same.
MAX_DECODED_BYTES = 64 * 1024 * 1024


@contextlib.contextmanager
def _translated(request: httpx.Request) -> Iterator[None]:
    """The one place m2m errors become httpx errors (what SDK code already handles)."""
    try:
        yield
    except PeerError as exc:
        raise httpx.RemoteProtocolError(f"m2m: {exc.message}", request=request) from exc
    except M2MError as exc:
        raise httpx.DecodingError(
            f"m2m: cannot decode the proxy's response: {exc.message}", request=request
        ) from exc


def _settings(formats: Sequence[str] | None, compress_requests: bool) -> ClientSettings:
    return ClientSettings(
        compress_requests=compress_requests,
        accept=", ".join(formats) if formats else None,
        max_response_bytes=MAX_DECODED_BYTES,
    )


def _fields(headers: httpx.Headers) -> Headers:
    return [(name.lower(), value) for name, value in headers.raw]


def _wire(request: httpx.Request, headers: Headers, body: bytes) -> httpx.Request:
    return httpx.Request(
        request.method, request.url, headers=headers, content=body, extensions=request.extensions
    )


class _Decoded(httpx.SyncByteStream):
    def __init__(self, raw: httpx.SyncByteStream, transform: Transform, request: httpx.Request) -> None:
        self._raw = raw
        self._transform = transform
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        with _translated(self._request):
            for chunk in self._raw:
                out = self._transform.feed(chunk)
                if out:
                    yield out
            tail = self._transform.finish()
        if tail:
            yield tail

    def close(self) -> None:
        self._raw.close()


class _AsyncDecoded(httpx.AsyncByteStream):
    def __init__(self, raw: httpx.AsyncByteStream, transform: Transform, request: httpx.Request) -> None:
        self._raw = raw
        self._transform = transform
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _translated(self._request):
            async for chunk in self._raw:
                out = self._transform.feed(chunk)
                if out:
                    yield out
            tail = self._transform.finish()
        if tail:
            yield tail

    async def aclose(self) -> None:
        await self._raw.aclose()


class _Once(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body already read (a refusal that was not one), as a stream: ``send(stream=True)`` and
    ``iter_raw()`` work on it like on any other response."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        yield self._body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._body


def _answer(
    request: httpx.Request, exchange: ClientExchange, response: httpx.Response, stream: Any, decoded: type
) -> httpx.Response:
    with _translated(request):
        headers, transform = exchange.transform(response.status_code, _fields(response.headers))
    if isinstance(transform, Identity):
        length = response.headers.get("content-length")
        if length is not None and "content-encoding" not in response.headers:
            headers.append((b"content-length", length.encode()))
        body = stream
    else:
        body = decoded(stream, transform, request)
    return httpx.Response(response.status_code, headers=headers, stream=body, extensions=response.extensions)


class M2MTransport(httpx.BaseTransport):
    """Wraps a transport (default ``httpx.HTTPTransport``) to speak M2M to an m2m proxy."""

    def __init__(
        self,
        inner: httpx.BaseTransport | None = None,
        *,
        formats: Sequence[str] | None = None,
        compress_requests: bool = True,
    ) -> None:
        self._inner = inner or httpx.HTTPTransport()
        self.tunnel = TunnelClient(_settings(formats, compress_requests))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        exchange = self.tunnel.exchange(request.method, _fields(request.headers), body)
        out = exchange.request()
        response = self._inner.handle_request(_wire(request, out.headers, out.body))
        with _translated(request):
            verdict = exchange.response(response.status_code, _fields(response.headers))
        if verdict == "read":
            payload = response.read()
            response.close()
            again = exchange.refused(response.status_code, payload)
            if again is None:
                return _answer(request, exchange, response, _Once(payload), _Decoded)
            response = self._inner.handle_request(_wire(request, again.headers, again.body))
            with _translated(request):
                exchange.response(response.status_code, _fields(response.headers))
        assert isinstance(response.stream, httpx.SyncByteStream)
        return _answer(request, exchange, response, response.stream, _Decoded)

    def close(self) -> None:
        self._inner.close()


class AsyncM2MTransport(httpx.AsyncBaseTransport):
    """Async twin of :class:`M2MTransport` (default inner ``httpx.AsyncHTTPTransport``)."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport | None = None,
        *,
        formats: Sequence[str] | None = None,
        compress_requests: bool = True,
    ) -> None:
        self._inner = inner or httpx.AsyncHTTPTransport()
        self.tunnel = TunnelClient(_settings(formats, compress_requests))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        exchange = self.tunnel.exchange(request.method, _fields(request.headers), body)
        out = exchange.request()
        response = await self._inner.handle_async_request(_wire(request, out.headers, out.body))
        with _translated(request):
            verdict = exchange.response(response.status_code, _fields(response.headers))
        if verdict == "read":
            payload = await response.aread()
            await response.aclose()
            again = exchange.refused(response.status_code, payload)
            if again is None:
                return _answer(request, exchange, response, _Once(payload), _AsyncDecoded)
            response = await self._inner.handle_async_request(_wire(request, again.headers, again.body))
            with _translated(request):
                exchange.response(response.status_code, _fields(response.headers))
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return _answer(request, exchange, response, response.stream, _AsyncDecoded)

    async def aclose(self) -> None:
        await self._inner.aclose()


def httpx_client(
    base_url: str = "",
    *,
    formats: Sequence[str] | None = None,
    compress_requests: bool = True,
    timeout: float | httpx.Timeout | None = 600.0,
    **kwargs: Any,
) -> httpx.Client:
    """An ``httpx.Client`` that speaks M2M to an m2m proxy (pass it as ``OpenAI(http_client=...)``).

    ``formats``: response formats to accept, best first (default: every format this side reads).
    Other keyword arguments go to ``httpx.Client``.
    """
    transport = M2MTransport(formats=formats, compress_requests=compress_requests)
    return httpx.Client(base_url=base_url, transport=transport, timeout=timeout, **kwargs)


def async_httpx_client(
    base_url: str = "",
    *,
    formats: Sequence[str] | None = None,
    compress_requests: bool = True,
    timeout: float | httpx.Timeout | None = 600.0,
    **kwargs: Any,
) -> httpx.AsyncClient:
    """Async twin of :func:`httpx_client`, for ``AsyncOpenAI(http_client=...)``."""
    transport = AsyncM2MTransport(formats=formats, compress_requests=compress_requests)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout, **kwargs)

"""Talk M2M to an m2m proxy from the OpenAI SDK, with no proxy on the app side.

    from openai import OpenAI
    import m2m.client

    client = OpenAI(base_url="http://m2m-proxy:8080/v1", http_client=m2m.client.httpx_client())

Chat completion requests leave compressed (``X-M2M-Protocol: 1``) and ask for compressed
responses (``X-M2M-Accept``); responses come back as standard JSON, and streams as standard SSE
decoded event by event as they arrive. Other requests, and responses the proxy did not encode,
pass through untouched. Use :func:`async_httpx_client` with ``AsyncOpenAI``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import httpx

from m2m.errors import M2MError
from m2m.proxy import adapters, stateful, wire
from m2m.proxy.sse import SSEParser

__all__ = ["AsyncM2MTransport", "M2MTransport", "async_httpx_client", "httpx_client"]

# Decoded responses may be large (long completions with tool output); bounded all the same.
MAX_DECODED_BYTES = 64 * 1024 * 1024


class _Codec:
    """What both transports share: which requests to encode and how, how to decode responses."""

    def __init__(self, formats: Sequence[str] | None, compress_requests: bool, algorithm: str) -> None:
        self.accept = adapters.accept_header(tuple(formats or ()))
        self.compress_requests = compress_requests
        self.algorithm = algorithm
        # Later turns of a conversation go as deltas once the proxy says it keeps bases.
        self.deltas = stateful.DeltaClient() if compress_requests else None

    def exchange(self, request: httpx.Request, body: bytes) -> stateful.ClientExchange | None:
        return self.deltas.exchange(request.headers.multi_items(), body) if self.deltas else None

    @staticmethod
    def refused(response: httpx.Response, payload: bytes, exchange: stateful.ClientExchange | None) -> bool:
        """True when the proxy lacked the base of our delta (409): send the request again."""
        return exchange is not None and exchange.base_unknown(response.status_code, payload)

    @staticmethod
    def settled(response: httpx.Response, exchange: stateful.ClientExchange | None) -> None:
        if exchange is not None:
            if response.status_code < 300:
                exchange.sent()
            exchange.learn(response.status_code, response.headers.multi_items())

    @staticmethod
    def applies(request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path.endswith("/chat/completions")

    def encode_request(
        self, request: httpx.Request, body: bytes, exchange: stateful.ClientExchange | None = None
    ) -> httpx.Request:
        headers = [
            (k, v)
            for k, v in request.headers.multi_items()
            if k.lower() not in ("content-length", "content-type")
        ]
        if self.compress_requests:
            full = body
            body = (
                exchange.encode(lambda: wire.encode_request_body(full, algorithm=self.algorithm))
                if exchange is not None
                else wire.encode_request_body(body, algorithm=self.algorithm)
            )
            headers += [("content-type", wire.CONTENT_TYPE), (wire.PROTOCOL, wire.PROTOCOL_VERSION)]
            if exchange is not None:
                headers += exchange.request_headers()
        else:
            headers.append(("content-type", "application/json"))
        headers.append((wire.ACCEPT, self.accept))
        return httpx.Request(
            request.method, request.url, headers=headers, content=body, extensions=request.extensions
        )

    @staticmethod
    def decoder(response: httpx.Response) -> wire.ResponseDecoder | None:
        return wire.response_decoder(response.headers.get(wire.ENCODING), max_bytes=MAX_DECODED_BYTES)

    @staticmethod
    def is_stream(response: httpx.Response) -> bool:
        content_type: str = response.headers.get("content-type", "")
        return content_type.lower().startswith("text/event-stream")

    @staticmethod
    def decoded_headers(response: httpx.Response, *, stream: bool) -> list[tuple[str, str]]:
        drop = {wire.ENCODING, "content-length", "content-encoding", "transfer-encoding"}
        if not stream:
            drop.add("content-type")
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in drop]
        if not stream:
            headers.append(("content-type", "application/json"))
        return headers


def _decoding_error(exc: M2MError, request: httpx.Request) -> httpx.DecodingError:
    return httpx.DecodingError(f"m2m: cannot decode the proxy's response: {exc.message}", request=request)


class _DecodedStream(httpx.SyncByteStream):
    def __init__(
        self,
        raw: httpx.SyncByteStream,
        decoder: wire.EventDecoder,
        request: httpx.Request,
        exchange: stateful.ClientExchange | None = None,
    ) -> None:
        self._raw = raw
        self._decoder = decoder
        self._request = request
        self._exchange = exchange

    def __iter__(self) -> Iterator[bytes]:
        parser = SSEParser()
        try:
            for chunk in self._raw:
                events = parser.feed(chunk)
                if events:
                    decoded = [self._decoder.decode(e) for e in events]
                    if self._exchange is not None:
                        for event in decoded:
                            self._exchange.feed_event(event)
                    yield b"".join(decoded)
            self._decoder.finish()  # a stream cut between proxy and app is an error, not an end
            if self._exchange is not None:
                self._exchange.stream_done()
        except M2MError as exc:
            raise _decoding_error(exc, self._request) from exc

    def close(self) -> None:
        self._raw.close()


class _AsyncDecodedStream(httpx.AsyncByteStream):
    def __init__(
        self,
        raw: httpx.AsyncByteStream,
        decoder: wire.EventDecoder,
        request: httpx.Request,
        exchange: stateful.ClientExchange | None = None,
    ) -> None:
        self._raw = raw
        self._decoder = decoder
        self._request = request
        self._exchange = exchange

    async def __aiter__(self) -> AsyncIterator[bytes]:
        parser = SSEParser()
        try:
            async for chunk in self._raw:
                events = parser.feed(chunk)
                if events:
                    decoded = [self._decoder.decode(e) for e in events]
                    if self._exchange is not None:
                        for event in decoded:
                            self._exchange.feed_event(event)
                    yield b"".join(decoded)
            self._decoder.finish()  # a stream cut between proxy and app is an error, not an end
            if self._exchange is not None:
                self._exchange.stream_done()
        except M2MError as exc:
            raise _decoding_error(exc, self._request) from exc

    async def aclose(self) -> None:
        await self._raw.aclose()


class M2MTransport(httpx.BaseTransport):
    """Wraps a transport (default ``httpx.HTTPTransport``) to speak M2M to an m2m proxy."""

    def __init__(
        self,
        inner: httpx.BaseTransport | None = None,
        *,
        formats: Sequence[str] | None = None,
        compress_requests: bool = True,
        algorithm: str = "auto",
    ) -> None:
        self._inner = inner or httpx.HTTPTransport()
        self._codec = _Codec(formats, compress_requests, algorithm)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self._codec.applies(request):
            return self._inner.handle_request(request)
        original = request.read()
        exchange = self._codec.exchange(request, original)
        response = self._inner.handle_request(self._codec.encode_request(request, original, exchange))
        if exchange is not None and exchange.sent_delta and response.status_code in stateful.REFUSED_STATUSES:
            payload = response.read()
            response.close()
            if not self._codec.refused(response, payload, exchange):
                return httpx.Response(response.status_code, headers=response.headers, content=payload)
            response = self._inner.handle_request(self._codec.encode_request(request, original, exchange))
        self._codec.settled(response, exchange)
        decoder = self._codec.decoder(response)
        if decoder is None:
            return response
        stream = self._codec.is_stream(response)
        headers = self._codec.decoded_headers(response, stream=stream)
        if stream:
            assert isinstance(response.stream, httpx.SyncByteStream)
            body_stream = _DecodedStream(response.stream, decoder.event_decoder(), request, exchange)
            return httpx.Response(
                response.status_code, headers=headers, stream=body_stream, extensions=response.extensions
            )
        try:
            body = decoder.decode_body(response.read())
        except M2MError as exc:
            raise _decoding_error(exc, request) from exc
        finally:
            response.close()
        if exchange is not None and response.status_code < 300:
            exchange.reply_json(body)
        return httpx.Response(
            response.status_code, headers=headers, content=body, extensions=response.extensions
        )

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
        algorithm: str = "auto",
    ) -> None:
        self._inner = inner or httpx.AsyncHTTPTransport()
        self._codec = _Codec(formats, compress_requests, algorithm)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._codec.applies(request):
            return await self._inner.handle_async_request(request)
        body = await request.aread()
        exchange = self._codec.exchange(request, body)
        response = await self._inner.handle_async_request(self._codec.encode_request(request, body, exchange))
        if exchange is not None and exchange.sent_delta and response.status_code in stateful.REFUSED_STATUSES:
            payload = await response.aread()
            await response.aclose()
            if not self._codec.refused(response, payload, exchange):
                return httpx.Response(response.status_code, headers=response.headers, content=payload)
            response = await self._inner.handle_async_request(
                self._codec.encode_request(request, body, exchange)
            )
        self._codec.settled(response, exchange)
        decoder = self._codec.decoder(response)
        if decoder is None:
            return response
        stream = self._codec.is_stream(response)
        headers = self._codec.decoded_headers(response, stream=stream)
        if stream:
            assert isinstance(response.stream, httpx.AsyncByteStream)
            body_stream = _AsyncDecodedStream(response.stream, decoder.event_decoder(), request, exchange)
            return httpx.Response(
                response.status_code, headers=headers, stream=body_stream, extensions=response.extensions
            )
        try:
            decoded = decoder.decode_body(await response.aread())
        except M2MError as exc:
            raise _decoding_error(exc, request) from exc
        finally:
            await response.aclose()
        if exchange is not None and response.status_code < 300:
            exchange.reply_json(decoded)
        return httpx.Response(
            response.status_code, headers=headers, content=decoded, extensions=response.extensions
        )

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

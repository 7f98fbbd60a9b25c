"""Test helpers: a small ASGI app, and a bare aioquic HTTP/3 client that can misbehave on purpose."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aioquic.asyncio.client import connect
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.h3.events import DataReceived, H3Event, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import QuicEvent
from aioquic.tls import SessionTicket


@dataclass
class AppLog:
    """What the test app saw; tests assert on it."""

    scopes: list[dict[str, Any]] = field(default_factory=list)
    disconnects: int = 0
    sent: int = 0
    cancelled: int = 0
    # Released by the test to let the paced stream send its last event.
    release: asyncio.Event = field(default_factory=asyncio.Event)


def make_app(log: AppLog) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        log.scopes.append(scope)
        path = scope["path"]
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                log.disconnects += 1
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if path == "/stream":
            # Two events at once, then one more only when the test releases it: the client must
            # see the first two while the app is still blocked.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")],
                }
            )
            await send({"type": "http.response.body", "body": b"data: one\n\n", "more_body": True})
            await send({"type": "http.response.body", "body": b"data: two\n\n", "more_body": True})
            await log.release.wait()
            await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})
            return
        if path == "/hang":
            try:
                await log.release.wait()
            except asyncio.CancelledError:
                log.cancelled += 1
                raise
        if path == "/forever":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            try:
                for i in range(10_000):
                    await send({"type": "http.response.body", "body": b"data: %d\n\n" % i, "more_body": True})
                    await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                log.cancelled += 1
                raise
            return
        if path == "/big":
            # ?mb= MiB (default 16) in 64 KiB chunks; log.sent tells how far the app got.
            size = int(scope["query_string"].partition(b"mb=")[2] or 16)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            chunk = b"x" * 65536
            for _ in range(size * 16):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                log.sent += len(chunk)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if path == "/status":
            await send(
                {
                    "type": "http.response.start",
                    "status": 418,
                    "headers": [(b"x-custom", b"kept"), (b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")],
                }
            )
            await send({"type": "http.response.body", "body": b"teapot"})
            return
        if path == "/boom":
            raise RuntimeError("application bug")
        headers = [(b"content-type", b"application/octet-stream"), (b"x-method", scope["method"].encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body or scope["path"].encode()})

    return app


class RawH3Client(QuicConnectionProtocol):
    """aioquic's own HTTP/3 client connection, with every event per stream kept for the test."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.h3 = H3Connection(self._quic)
        self.events: dict[int, asyncio.Queue[H3Event]] = {}

    deaf = False  # set to drop every datagram from now on, as a vanished peer would

    def datagram_received(self, data: bytes | str, addr: Any) -> None:
        if not self.deaf:
            super().datagram_received(data, addr)

    def quic_event_received(self, event: QuicEvent) -> None:
        for h3_event in self.h3.handle_event(event):
            stream_id = getattr(h3_event, "stream_id", None)
            if stream_id is not None:
                self.events.setdefault(stream_id, asyncio.Queue()).put_nowait(h3_event)

    def send_request(
        self,
        method: str,
        path: str,
        headers: list[tuple[bytes, bytes]] = (),
        body: bytes = b"",  # type: ignore[assignment]
    ) -> int:
        stream_id = self._quic.get_next_available_stream_id()
        self.events.setdefault(stream_id, asyncio.Queue())
        self.h3.send_headers(
            stream_id,
            [
                (b":method", method.encode()),
                (b":scheme", b"https"),
                (b":authority", b"localhost"),
                (b":path", path.encode()),
                *headers,
            ],
            end_stream=not body,
        )
        if body:
            self.h3.send_data(stream_id, body, end_stream=True)
        self.transmit()
        return stream_id

    async def next_event(self, stream_id: int, timeout: float = 5.0) -> H3Event:
        async with asyncio.timeout(timeout):
            return await self.events[stream_id].get()

    async def response(self, stream_id: int, timeout: float = 5.0) -> tuple[int, dict[bytes, bytes], bytes]:
        status, headers, body = 0, {}, []
        while True:
            event = await self.next_event(stream_id, timeout)
            if isinstance(event, HeadersReceived):
                headers = dict(event.headers)
                status = int(headers[b":status"])
            elif isinstance(event, DataReceived):
                body.append(event.data)
            if getattr(event, "stream_ended", False):
                return status, headers, b"".join(body)

    def reset(self, stream_id: int) -> None:
        self._quic.reset_stream(stream_id, 0x10C)  # H3_REQUEST_CANCELLED
        self._quic.stop_stream(stream_id, 0x10C)
        self.transmit()


@contextlib.asynccontextmanager
async def raw_client(
    port: int,
    *,
    alpn: list[str] | None = None,
    cafile: str | None = None,
    session_ticket: SessionTicket | None = None,
    tickets: list[SessionTicket] | None = None,
    wait_connected: bool = True,
) -> AsyncIterator[RawH3Client]:
    config = QuicConfiguration(
        is_client=True,
        alpn_protocols=list(H3_ALPN) if alpn is None else alpn,
        server_name="localhost",
        verify_mode=ssl.CERT_REQUIRED if cafile else ssl.CERT_NONE,
    )
    if cafile:
        config.load_verify_locations(cafile=cafile)
    config.session_ticket = session_ticket
    handler = tickets.append if tickets is not None else None
    async with connect(
        "127.0.0.1",
        port,
        configuration=config,
        create_protocol=RawH3Client,
        session_ticket_handler=handler,
        wait_connected=wait_connected,
    ) as client:
        assert isinstance(client, RawH3Client)
        yield client

"""The HTTP/3 listener, driven by aioquic's own HTTP/3 client over loopback."""

from __future__ import annotations

import asyncio

import pytest
from aioquic.h3.events import DataReceived, HeadersReceived
from h3util import AppLog, raw_client

from m2m.transport.h3server import MAX_FIELD_SECTION_SIZE, H3Listener


async def test_request_body_status_and_headers(listener: H3Listener, app_log: AppLog) -> None:
    async with raw_client(listener.port) as client:
        sid = client.send_request("POST", "/echo?x=1", [(b"content-type", b"application/json")], b'{"a": 1}')
        status, headers, body = await client.response(sid)
    assert (status, body) == (200, b'{"a": 1}')
    assert headers[b"x-method"] == b"POST"
    scope = app_log.scopes[0]
    assert scope["http_version"] == "3"
    assert scope["path"] == "/echo" and scope["query_string"] == b"x=1"
    assert (b"host", b"localhost") in scope["headers"]
    assert (b"content-type", b"application/json") in scope["headers"]


async def test_status_and_repeated_headers_preserved(listener: H3Listener) -> None:
    async with raw_client(listener.port) as client:
        sid = client.send_request("GET", "/status")
        event = await client.next_event(sid)
        assert isinstance(event, HeadersReceived)
        _, _, body = await client.response(sid)
    assert (b":status", b"418") in event.headers
    assert (b"x-custom", b"kept") in event.headers
    assert [v for k, v in event.headers if k == b"set-cookie"] == [b"a=1", b"b=2"]
    assert body == b"teapot"


async def test_stream_events_arrive_before_the_app_finishes(listener: H3Listener, app_log: AppLog) -> None:
    async with raw_client(listener.port) as client:
        sid = client.send_request("POST", "/stream", body=b"{}")
        seen = b""
        while seen.count(b"\n\n") < 2:
            event = await client.next_event(sid)
            if isinstance(event, DataReceived):
                seen += event.data
        # Both events are here while the app still waits to send the last one.
        assert seen == b"data: one\n\ndata: two\n\n"
        assert not app_log.release.is_set()
        app_log.release.set()
        _, _, rest = await client.response(sid)
    assert rest == b"data: [DONE]\n\n"


async def test_wrong_alpn_is_refused_and_server_keeps_serving(listener: H3Listener) -> None:
    with pytest.raises(ConnectionError):
        async with raw_client(listener.port, alpn=["http/1.1"]):
            pass
    async with raw_client(listener.port) as client:
        status, _, body = await client.response(client.send_request("GET", "/after"))
    assert (status, body) == (200, b"/after")


async def test_client_verifying_the_dev_cert_without_trusting_it_fails_cleanly(
    listener: H3Listener, dev_cert: tuple[object, object]
) -> None:
    # Verification on against the system store: the self-signed certificate is rejected.
    from aioquic.quic.configuration import QuicConfiguration

    from m2m.transport.h3client import H3Options, H3Upstream

    upstream = H3Upstream(options=H3Options())
    try:
        from m2m.errors import UpstreamUnavailableError

        with pytest.raises(UpstreamUnavailableError, match="handshake failed"):
            await upstream.request("GET", f"https://127.0.0.1:{listener.port}/x", [], b"", timeout=5)
    finally:
        await upstream.aclose()
    assert QuicConfiguration  # the same client trusting the file succeeds:
    async with raw_client(listener.port, cafile=str(dev_cert[0])) as client:
        status, _, _ = await client.response(client.send_request("GET", "/ok"))
    assert status == 200


async def test_peer_resetting_a_stream_cancels_the_app_and_the_connection_lives_on(
    listener: H3Listener, app_log: AppLog
) -> None:
    async with raw_client(listener.port) as client:
        sid = client.send_request("GET", "/forever")
        event = await client.next_event(sid)
        assert isinstance(event, HeadersReceived)
        await client.next_event(sid)  # the first event
        client.reset(sid)
        for _ in range(200):
            if app_log.cancelled:
                break
            await asyncio.sleep(0.01)
        assert app_log.cancelled == 1
        assert listener.stats.resets == 1
        # Same connection, next stream.
        status, _, body = await client.response(client.send_request("GET", "/again"))
    assert (status, body) == (200, b"/again")


async def test_client_closing_the_connection_mid_stream_cancels_the_app(
    listener: H3Listener, app_log: AppLog
) -> None:
    async with raw_client(listener.port) as client:
        sid = client.send_request("GET", "/forever")
        await client.next_event(sid)
        await client.next_event(sid)
    for _ in range(200):
        if app_log.cancelled:
            break
        await asyncio.sleep(0.01)
    assert app_log.cancelled == 1
    async with raw_client(listener.port) as client:
        status, _, _ = await client.response(client.send_request("GET", "/x"))
    assert status == 200


async def test_oversized_header_section_gets_431_and_connection_keeps_working(listener: H3Listener) -> None:
    # QPACK caps a single value, so the section is made large with many fields.
    fields = [(b"x-big-%d" % i, b"x" * 4000) for i in range(MAX_FIELD_SECTION_SIZE // 4000 + 1)]
    async with raw_client(listener.port) as client:
        status, _, _ = await client.response(client.send_request("GET", "/big", fields))
        assert status == 431
        status, _, body = await client.response(client.send_request("GET", "/small"))
    assert (status, body) == (200, b"/small")
    assert listener.stats.rejected_headers == 1


async def test_app_error_is_a_500_and_the_server_keeps_serving(listener: H3Listener) -> None:
    async with raw_client(listener.port) as client:
        status, _, _ = await client.response(client.send_request("GET", "/boom"))
        assert status == 500
        status, _, _ = await client.response(client.send_request("GET", "/fine"))
    assert status == 200


async def test_malformed_request_closes_that_connection_only(listener: H3Listener) -> None:
    async with raw_client(listener.port) as client:
        # No :path: a malformed request (RFC 9114 §4.3.1); the peer closes with H3_MESSAGE_ERROR.
        sid = client._quic.get_next_available_stream_id()
        client.h3.send_headers(sid, [(b":method", b"GET"), (b":scheme", b"https")], end_stream=True)
        client.transmit()
        async with asyncio.timeout(5):
            await client.wait_closed()
    async with raw_client(listener.port) as client:
        status, _, _ = await client.response(client.send_request("GET", "/x"))
    assert status == 200


async def _ticket(port: int) -> object:
    tickets: list[object] = []
    async with raw_client(port, tickets=tickets) as client:  # type: ignore[arg-type]
        await client.response(client.send_request("GET", "/first"))
        for _ in range(100):
            if tickets:
                break
            await asyncio.sleep(0.01)
    assert tickets, "the server issued no session ticket"
    return tickets[-1]


async def test_0rtt_get_runs_at_once_but_0rtt_post_waits_for_the_handshake(
    listener: H3Listener, app_log: AppLog
) -> None:
    ticket = await _ticket(listener.port)
    async with raw_client(listener.port, session_ticket=ticket, wait_connected=False) as client:  # type: ignore[arg-type]
        get_sid = client.send_request("GET", "/early-get")
        post_sid = client.send_request("POST", "/early-post", body=b"pay once")
        get_status, _, _ = await client.response(get_sid)
        post_status, _, post_body = await client.response(post_sid)
    assert (get_status, post_status, post_body) == (200, 200, b"pay once")
    assert listener.stats.resumed == 1
    assert listener.stats.early_requests == 2
    assert listener.stats.deferred_requests == 1
    early = {s["path"]: s["extensions"]["m2m.early_data"] for s in app_log.scopes}
    assert early["/early-get"] is True and early["/early-post"] is True


async def test_session_ticket_is_single_use(listener: H3Listener) -> None:
    ticket = await _ticket(listener.port)
    for _ in range(2):
        async with raw_client(listener.port, session_ticket=ticket) as client:  # type: ignore[arg-type]
            await client.response(client.send_request("GET", "/x"))
    assert listener.stats.resumed == 1


async def test_0rtt_post_runs_at_once_only_when_explicitly_allowed(dev_cert: tuple[object, object]) -> None:
    from h3util import make_app

    from m2m.transport.h3server import start_h3

    listener = await start_h3(
        make_app(AppLog()),
        host="127.0.0.1",
        port=0,
        certfile=str(dev_cert[0]),
        keyfile=str(dev_cert[1]),
        allow_0rtt_unsafe=True,
    )
    try:
        ticket = await _ticket(listener.port)
        async with raw_client(listener.port, session_ticket=ticket, wait_connected=False) as client:  # type: ignore[arg-type]
            status, _, body = await client.response(client.send_request("POST", "/p", body=b"replayable"))
        assert (status, body) == (200, b"replayable")
        assert listener.stats.early_requests == 1
        assert listener.stats.deferred_requests == 0
    finally:
        await listener.close(grace=0.1)


async def test_garbage_datagrams_are_ignored(listener: H3Listener) -> None:
    import random
    import socket

    rng = random.Random(5)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for size in (1, 7, 40, 1199, 1200, 1350):
            for first in (0x00, 0x40, 0xC0, 0xFF):  # short header, fixed bit, Initial-like, all set
                payload = bytes([first]) + rng.randbytes(size - 1)
                sock.sendto(payload, ("127.0.0.1", listener.port))
    await asyncio.sleep(0.1)
    async with raw_client(listener.port) as client:
        status, _, _ = await client.response(client.send_request("GET", "/still-here"))
    assert status == 200


async def test_big_body_to_a_reader_that_stopped_acking_is_held_back(
    listener: H3Listener, app_log: AppLog
) -> None:
    async with raw_client(listener.port) as client:
        sid = client.send_request("GET", "/big")
        assert isinstance(await client.next_event(sid), HeadersReceived)
        client.deaf = True
        await asyncio.sleep(1.0)
        # The app is parked in send() instead of queueing 16 MiB for a peer that reads nothing.
        assert 0 < app_log.sent <= 4 * 1024 * 1024
        client.deaf = False


async def test_big_body_arrives_whole(listener: H3Listener, app_log: AppLog) -> None:
    async with raw_client(listener.port) as client:
        status, _, body = await client.response(client.send_request("GET", "/big?mb=3"), timeout=30)
    assert status == 200 and body == b"x" * (3 * 1024 * 1024)

"""One relay for every response: upstream bytes -> transform -> client, for JSON, SSE and the rest.

A transform that buffers (it encodes or decodes a whole document) gives its output at the end; the
relay then sends the head with a Content-Length. Any other is streamed as it comes, SSE event by
event. A failure before the head went out is raised (the pipeline answers with an error JSON); a
failure after it ends a stream with the transform's error bytes (``event: error``) or, for a body
that has no way to say so, cuts the connection, so the client sees a broken response, never a
short one that looks whole. A client that goes away cancels the upstream request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from m2m.errors import M2MError, PeerError, UpstreamError, UpstreamUnavailableError
from m2m.headers import Headers
from m2m.proxy.http import ClientGone, Receive, Send
from m2m.proxy.offload import Offload
from m2m.proxy.upstream import UpstreamResponse
from m2m.tunnel.transform import Buffered, Identity, Transform

__all__ = ["DisconnectWatch", "Relayed", "ShuttingDownError", "relay", "upstream_fault"]

_log = logging.getLogger("m2m.proxy")
# Seconds before a request starts listening for its client's disconnect: most answers are back
# sooner, and a listener costs a task.
WATCH_AFTER = 0.05
# A body passed through unchanged and no longer than this is sent with its head in one go.
_ONE_SEND = 64 * 1024
# A whole document larger than this is compressed in a thread, and a peer's body that decodes to
# more is decoded in the worker process: not on the loop.
INLINE_FINISH_BYTES = 256 * 1024


class ShuttingDownError(UpstreamError):
    status = 503
    code = "proxy_shutting_down"


@dataclass(slots=True)
class Relayed:
    bytes_in: int = 0  # from the upstream
    bytes_out: int = 0  # to the client
    completed: bool = False


def upstream_fault(exc: M2MError, *, peer: bool) -> M2MError:
    """An error raised while reading an upstream's body is the upstream's fault (502), whatever
    status the codec error carries for a client's request."""
    if exc.status >= 500:
        return exc
    if peer:
        return PeerError(f"the upstream m2m peer sent a response that does not decode: {exc.message}")
    return UpstreamUnavailableError(f"upstream response refused: {exc.message}")


class DisconnectWatch:
    """Cancels the handler's task when the client goes away, so the upstream request is dropped.

    The listening task starts only once a request has run for :data:`WATCH_AFTER` seconds (to
    twice that): most answers are back sooner. One timer per event loop starts them all
    (:class:`_Watches`), so a request that ends in time costs no timer and no task.
    """

    __slots__ = ("_owner", "_receive", "_registry", "_stopped", "_task", "fired")

    def __init__(self, receive: Receive, *, start: bool = True) -> None:
        self.fired = False
        self._stopped = False
        self._registry: _Watches | None = None  # while waiting to start
        self._owner = asyncio.current_task()
        self._receive = receive
        self._task: asyncio.Task[None] | None = None
        if start:
            self.arm()

    def arm(self) -> None:
        """Start watching (after ``WATCH_AFTER``); receive() must be free from now on."""
        if self._registry is None and self._task is None and not self._stopped:
            self._registry = _watches()
            self._registry.add(self)

    def _start(self) -> None:
        self._registry = None
        if not self._stopped:
            self._task = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                break
        if not self._stopped and self._owner is not None:
            self.fired = True
            self._owner.cancel()

    def stop(self) -> None:
        self._stopped = True
        registry, self._registry = self._registry, None
        if registry is not None:
            registry.discard(self)
        task, self._task = self._task, None
        if task is not None:
            task.cancel()


class _Watches:
    """The watches of one event loop waiting to start: a young generation (armed since the last
    tick) and an old one (armed before it), started at the next tick."""

    __slots__ = ("_loop", "_old", "_timer", "_young")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._young: set[DisconnectWatch] = set()
        self._old: set[DisconnectWatch] = set()
        self._timer: asyncio.TimerHandle | None = None

    def add(self, watch: DisconnectWatch) -> None:
        self._young.add(watch)
        if self._timer is None:
            self._timer = self._loop.call_later(WATCH_AFTER, self._tick)

    def discard(self, watch: DisconnectWatch) -> None:
        self._young.discard(watch)
        self._old.discard(watch)

    def _tick(self) -> None:
        self._timer = None
        due, self._old, self._young = self._old, self._young, set()
        for watch in due:
            watch._start()
        if self._old:
            self._timer = self._loop.call_later(WATCH_AFTER, self._tick)


_loop_watches: dict[asyncio.AbstractEventLoop, _Watches] = {}


def _watches() -> _Watches:
    loop = asyncio.get_running_loop()
    watches = _loop_watches.get(loop)
    if watches is None:
        # One per loop (tests run several loops in one process); closed loops' entries go.
        for old in [other for other in _loop_watches if other.is_closed()]:
            del _loop_watches[old]
        watches = _loop_watches[loop] = _Watches(loop)
    return watches


async def relay(
    send: Send,
    resp: UpstreamResponse,
    status: int,
    headers: Headers,
    transform: Transform,
    *,
    watch: DisconnectWatch,
    peer: bool,
    on_head: Callable[[], None],
    before_end: Callable[[], Awaitable[None]] | None = None,
    length: int | None = None,
    no_body: bool = False,
    offload: Offload | None = None,
) -> Relayed:
    """Send the upstream's answer through ``transform``. ``length``: a Content-Length to keep
    (only for a body passed through unchanged). ``on_head`` runs when the head goes out;
    ``before_end`` is awaited before the last bytes (what must be stored before a client can
    send its next turn). ``no_body``: an answer without a body (to HEAD, 204, 304), whose
    Content-Length describes a body that is not sent. ``offload``: where a peer's large body is
    decoded (a worker process), else a thread."""
    result = Relayed()
    try:
        try:
            if no_body:
                await _head_only(send, status, headers, length, result, on_head, before_end)
            elif transform.buffers:
                await _buffered(
                    send, resp, status, headers, transform, result, on_head, before_end, peer, offload
                )
            else:
                await _streamed(
                    send, resp, status, headers, transform, result, on_head, before_end, length, peer
                )
        except asyncio.CancelledError:
            if watch.fired:
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()
                raise ClientGone from None
            if result.bytes_out or not transform.buffers:
                # Shutting down with the response under way: end a stream with an error event.
                tail = transform.fail(ShuttingDownError("the proxy is shutting down"))
                if tail:
                    await _final(send, tail)
            raise
    finally:
        watch.stop()
        await resp.aclose()
    return result


async def _head_only(
    send: Send,
    status: int,
    headers: Headers,
    length: int | None,
    result: Relayed,
    on_head: Callable[[], None],
    before_end: Callable[[], Awaitable[None]] | None,
) -> None:
    out = headers if length is None or status == 204 else [*headers, (b"content-length", b"%d" % length)]
    await send({"type": "http.response.start", "status": status, "headers": out})
    on_head()
    if before_end is not None:
        await before_end()
    await _final(send, b"")
    result.completed = True


async def _buffered(
    send: Send,
    resp: UpstreamResponse,
    status: int,
    headers: Headers,
    transform: Transform,
    result: Relayed,
    on_head: Callable[[], None],
    before_end: Callable[[], Awaitable[None]] | None,
    peer: bool,
    offload: Offload | None,
) -> None:
    try:
        async for chunk in resp.aiter_bytes():
            result.bytes_in += len(chunk)
            transform.feed(chunk)
        body = _finish_here(transform, result.bytes_in, peer)
        if body is None:
            # Decoding a peer's body past the budget (a few bytes may stand for megabytes): in the
            # worker process, whose JSON parsing cannot hold this loop; encoding a large document
            # (the compressors let go of the GIL): in a thread.
            job = transform.finish_job() if offload is not None and isinstance(transform, Buffered) else None
            if job is not None and offload is not None:
                body = await offload.run_job(job)
            else:
                body = await asyncio.to_thread(transform.finish)
    except M2MError as exc:
        raise upstream_fault(exc, peer=peer) from None
    if before_end is not None:
        await before_end()
    out = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": out})
    on_head()
    await send({"type": "http.response.body", "body": body})
    result.bytes_out = len(body)
    result.completed = True


def _finish_here(transform: Transform, size: int, peer: bool) -> bytes | None:
    """A buffered body's output made on the event loop when that is cheap, else None: a thread
    hop costs more than encoding a small document, so only large ones, and a peer's bodies that
    decode past :data:`INLINE_FINISH_BYTES`, leave the loop."""
    if size > INLINE_FINISH_BYTES:
        return None
    if not peer:
        return transform.finish()
    within = getattr(transform, "finish_within", None)
    return within(INLINE_FINISH_BYTES) if within is not None else None


async def _streamed(
    send: Send,
    resp: UpstreamResponse,
    status: int,
    headers: Headers,
    transform: Transform,
    result: Relayed,
    on_head: Callable[[], None],
    before_end: Callable[[], Awaitable[None]] | None,
    length: int | None,
    peer: bool,
) -> None:
    out = headers if length is None else [*headers, (b"content-length", str(length).encode())]
    if length is not None and length <= _ONE_SEND and isinstance(transform, Identity):
        # A small body passed through: read whole (usually already here), then head and body
        # leave in one go.
        try:
            body = await resp.read(length)
        except M2MError as exc:
            raise upstream_fault(exc, peer=peer) from None
        result.bytes_in = len(body)
        if len(body) != length:
            raise upstream_fault(
                UpstreamUnavailableError("upstream body shorter than its Content-Length"), peer=peer
            )
        await send({"type": "http.response.start", "status": status, "headers": out})
        on_head()
        if before_end is not None:
            await before_end()
        await _final(send, body)
        result.bytes_out = len(body)
        result.completed = True
        return
    chunks = resp.aiter_bytes()
    await send({"type": "http.response.start", "status": status, "headers": out})
    on_head()
    try:
        async for chunk in chunks:
            result.bytes_in += len(chunk)
            data = transform.feed(chunk)
            if data:
                result.bytes_out += len(data)
                await send({"type": "http.response.body", "body": data, "more_body": True})
        tail = transform.finish()
        if before_end is not None:
            await before_end()
    except M2MError as exc:
        error = upstream_fault(exc, peer=peer)
        _log.warning("response to the client ended by error: %s", error.message)
        tail = transform.fail(error)
        if tail:
            result.bytes_out += len(tail)
            await _final(send, tail)
        # else: return without completing; the server drops the connection
        return
    result.bytes_out += len(tail)
    await _final(send, tail)
    result.completed = True


async def _final(send: Send, tail: bytes) -> None:
    await send({"type": "http.response.body", "body": tail, "more_body": False})

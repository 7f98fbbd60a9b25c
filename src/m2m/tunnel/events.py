"""SSE between peers, event by event: ``zsse`` (binary, one zstd context per stream), ``zstream``
(text-safe, one deflate context per stream) or a stateless format applied to each event's data.
Every function here returns a :class:`~m2m.tunnel.transform.Transform`.

A stream that fails on the server side ends with a plain ``event: error`` event (in ``zsse`` inside
the stream, then the stream's end; otherwise never encoded, so the client decoder can pass it on as
it came); anything else out of order is a decode error.
"""

from __future__ import annotations

from collections.abc import Callable

from m2m.codec import Limits, compress, decompress
from m2m.codec.stream import StreamDecoder, StreamEncoder, is_stream_payload
from m2m.codec.zsse import ZsseDecoder, ZsseEncoder
from m2m.errors import DecodeError, M2MError
from m2m.sse import Event, reencode
from m2m.tunnel.transform import Chain, EventMap, Transform, error_event

__all__ = ["BINARY_STREAM", "STREAM", "decode_events", "encode_events"]

STREAM = "zstream"
BINARY_STREAM = "zsse"

Observer = Callable[[bytes], None]


def encode_events(
    algorithm: str, *, max_event_bytes: int, observe: Observer | None = None, on_close: Callable[[], None]
) -> EventMap:
    """Server side: each upstream event of a stream in ``algorithm`` (``zstream`` or a stateless
    text format). ``observe`` sees each original event's bytes; ``on_close`` runs once the stream
    is over, however it ended (it frees the stream's slot)."""
    if algorithm == BINARY_STREAM:
        return _zsse_encoder(max_event_bytes, observe, on_close)
    if algorithm == STREAM:
        return _zstream_encoder(max_event_bytes, observe, on_close)

    def apply(event: Event) -> bytes:
        if observe is not None:
            observe(event.raw)
        if event.data is None:
            return event.raw
        wire = compress(event.data, algorithm)
        assert isinstance(wire, str)
        return reencode(event, wire)

    def end() -> bytes:
        on_close()
        return b""

    return EventMap(apply, end=end, max_event_bytes=max_event_bytes)


def _zstream_encoder(
    max_event_bytes: int, observe: Observer | None, on_close: Callable[[], None]
) -> EventMap:
    encoder = StreamEncoder()
    return _Releasing(*_encoding(encoder, observe, on_close), max_event_bytes)


def _zsse_encoder(max_event_bytes: int, observe: Observer | None, on_close: Callable[[], None]) -> EventMap:
    encoder = ZsseEncoder()
    return _ZsseOut(*_encoding(encoder, observe, on_close), max_event_bytes, encoder)


def _encoding(
    encoder: StreamEncoder | ZsseEncoder, observe: Observer | None, on_close: Callable[[], None]
) -> tuple[Callable[[Event], bytes], Callable[[], bytes], Callable[[], None]]:
    """(apply, end, release) of a stream encoder: each event encoded (and shown to ``observe``),
    the stream closed at the end; ``on_close`` runs once, at the end or on release."""
    closed = False

    def release() -> None:
        nonlocal closed
        if not closed:
            closed = True
            on_close()

    def apply(event: Event) -> bytes:
        if observe is not None:
            observe(event.raw)
        return encoder.encode(event.raw)

    def end() -> bytes:
        release()
        return encoder.close()

    return apply, end, release


class _Releasing(EventMap):
    """An EventMap that frees its stream slot on failure too (the relay always ends with finish or
    fail; a client that went away ends with neither, so the slot is also freed when the encoder is
    collected)."""

    __slots__ = ("_release",)

    def __init__(
        self,
        apply: Callable[[Event], bytes],
        end: Callable[[], bytes],
        release: Callable[[], None],
        max_event_bytes: int,
    ) -> None:
        super().__init__(apply, end=end, max_event_bytes=max_event_bytes)
        self._release = release

    def fail(self, error: M2MError) -> bytes:
        self._release()
        return super().fail(error)

    def __del__(self) -> None:
        self._release()


class _ZsseOut(_Releasing):
    """The zsse encoder's EventMap: a failure's error event goes inside the stream, which then
    ends normally (the receiver passes the error event on)."""

    __slots__ = ("_encoder",)

    def __init__(
        self,
        apply: Callable[[Event], bytes],
        end: Callable[[], bytes],
        release: Callable[[], None],
        max_event_bytes: int,
        encoder: ZsseEncoder,
    ) -> None:
        super().__init__(apply, end, release, max_event_bytes)
        self._encoder = encoder

    def fail(self, error: M2MError) -> bytes:
        self._release()
        return self._encoder.encode(error_event(error)) + self._encoder.close()


class _ZsseIn:
    """Transform: the original bytes of a zsse body; a body cut before its end is an error."""

    __slots__ = ("_decoder",)
    buffers = False

    def __init__(self, step: int) -> None:
        self._decoder = ZsseDecoder(step=step)

    def feed(self, chunk: bytes) -> bytes:
        return self._decoder.feed(chunk)

    def finish(self) -> bytes:
        self._decoder.finish()
        return b""

    def fail(self, error: M2MError) -> bytes:
        return b""


def decode_events(encoding: str, *, limits: Limits, observe: Observer | None = None) -> Transform:
    """Client side: the original events of a stream the peer encoded as ``encoding``."""
    max_event = limits.max_decoded_bytes
    if encoding == BINARY_STREAM:

        def seen(event: Event) -> bytes:
            if observe is not None:
                observe(event.raw)
            return event.raw

        return Chain([_ZsseIn(max_event), EventMap(seen, max_event_bytes=max_event)])
    if encoding == STREAM:
        decoder = StreamDecoder(max_event_bytes=max_event)
        peer_failed = False

        def apply(event: Event) -> bytes:
            nonlocal peer_failed
            if event.data is None:
                return b""  # a keep-alive comment of the hop itself, not part of the stream
            if peer_failed:
                raise DecodeError("zstream: event after the peer's error event")
            if event.event == "error" and not is_stream_payload(event.data):
                peer_failed = True  # the peer's upstream failed: pass its error event on as it came
                return event.raw
            raw = decoder.decode(event.data)
            if raw and observe is not None:
                observe(raw)
            return raw

        def end() -> bytes:
            if not peer_failed:
                decoder.finish()  # a stream cut between the peers is an error, not an end
            return b""

        return EventMap(apply, end=end, max_event_bytes=max_event)

    def apply_stateless(event: Event) -> bytes:
        if event.data is None:
            return event.raw
        if event.event == "error" and not event.data.startswith("#"):
            return event.raw
        raw = reencode(event, decompress(event.data, limits=limits))
        if observe is not None:
            observe(raw)
        return raw

    return EventMap(apply_stateless, max_event_bytes=max_event)

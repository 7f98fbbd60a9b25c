"""M2M between peers: request marking, response negotiation, and the body/event codecs.

Only headers switch M2M on (never a guess from the body):

- ``X-M2M-Protocol: 1`` on a request: its body is an m2m wire string (text or binary form).
- ``X-M2M-Accept: <format>, ...`` on a request: the response may be encoded in one of them.
- ``X-M2M-Encoding: <format>`` on a response: its JSON body, or the data of each SSE event, is
  encoded; the receiver decodes before handing anything to a standard client.

Encoding a response goes through :func:`choose_response_codec` (server side) and decoding through
:func:`response_decoder` (client side). A new negotiated format (e.g. a per-stream context) is one
more :class:`ResponseCodec` / :class:`ResponseDecoder` pair chosen there; the handlers only call
``encode_body``, ``event_encoder().encode(event)``, ``decode_body`` and
``event_decoder().decode(event)``.
"""

from __future__ import annotations

from typing import Protocol

from m2m.errors import DecodeError
from m2m.proxy import adapters, stateful
from m2m.proxy.sse import Event, reencode

__all__ = [
    "ACCEPT",
    "CONTENT_TYPE",
    "ENCODING",
    "PROTOCOL",
    "EventDecoder",
    "EventEncoder",
    "ResponseCodec",
    "ResponseDecoder",
    "choose_response_codec",
    "decode_request_body",
    "encode_request_body",
    "response_decoder",
]

PROTOCOL = "x-m2m-protocol"
ACCEPT = "x-m2m-accept"
ENCODING = "x-m2m-encoding"
PROTOCOL_VERSION = "1"
CONTENT_TYPE = "application/vnd.m2m"


class EventEncoder(Protocol):
    def encode(self, event: Event) -> bytes: ...

    def finish(self) -> bytes:
        """Bytes to send after the last event when the upstream stream ended normally."""
        ...


class EventDecoder(Protocol):
    def decode(self, event: Event) -> bytes: ...

    def finish(self) -> None:
        """Called when the peer's stream ends; raises if it ended too early."""
        ...


# -- requests -----------------------------------------------------------------------------------


def decode_request_body(body: bytes, *, max_bytes: int) -> bytes:
    """The JSON text of an M2M request body (text or binary wire form)."""
    if not body:
        raise DecodeError("empty M2M request body")
    return adapters.decompress(body, max_decoded_bytes=max_bytes).encode()


def encode_request_body(body: bytes, *, algorithm: str = "auto", binary: bool = True) -> bytes:
    """An M2M wire form of a JSON request body (binary form: it travels as an HTTP body)."""
    wire = adapters.compress(body.decode(), algorithm, binary=binary)
    return wire if isinstance(wire, bytes) else wire.encode()


# -- responses, server side ------------------------------------------------------------------------


class _DataEventEncoder:
    """Stateless: each event's data encoded on its own; other fields kept."""

    __slots__ = ("_algorithm",)

    def __init__(self, algorithm: str) -> None:
        self._algorithm = algorithm

    def encode(self, event: Event) -> bytes:
        if event.data is None:
            return event.raw
        wire = adapters.compress(event.data, self._algorithm)
        assert isinstance(wire, str)
        return reencode(event, wire)

    def finish(self) -> bytes:
        return b""


class ResponseCodec:
    """Encodes responses for a peer that asked for ``algorithm``."""

    __slots__ = ("algorithm", "binary")

    def __init__(self, algorithm: str, *, binary: bool) -> None:
        self.algorithm = algorithm
        self.binary = binary

    @property
    def header(self) -> str:
        """The ``X-M2M-Encoding`` value."""
        return self.algorithm

    def encode_body(self, body: bytes) -> bytes:
        wire = adapters.compress(body.decode(), self.algorithm, binary=self.binary)
        return wire if isinstance(wire, bytes) else wire.encode()

    def event_encoder(self) -> EventEncoder:
        return _DataEventEncoder(self.algorithm)


class _StreamCodec(ResponseCodec):
    """``zstream``: one compression context for the whole SSE stream (see m2m.proxy.stateful)."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(stateful.STREAM_FORMAT, binary=False)

    def event_encoder(self) -> EventEncoder:
        return stateful.StreamEventEncoder()


def choose_response_codec(accept: str | None, *, stream: bool) -> ResponseCodec | None:
    """The codec for a response to a request carrying ``X-M2M-Accept: accept``."""
    if not accept:
        return None
    if stream and stateful.use_stream(accept):
        return _StreamCodec()
    # SSE is a text protocol: each event needs the text form.
    choice = adapters.negotiate(accept, binary_ok=not stream)
    if choice is None:
        return None
    algorithm, binary = choice
    return ResponseCodec(algorithm, binary=binary and not stream)


# -- responses, client side ------------------------------------------------------------------------


class _DataEventDecoder:
    __slots__ = ("_max_bytes",)

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes

    def decode(self, event: Event) -> bytes:
        if event.data is None:
            return event.raw
        return reencode(event, adapters.decompress(event.data, max_decoded_bytes=self._max_bytes))

    def finish(self) -> None:
        return None


class ResponseDecoder:
    """Decodes responses a peer encoded as ``X-M2M-Encoding: encoding``."""

    __slots__ = ("encoding", "max_bytes")

    def __init__(self, encoding: str, *, max_bytes: int) -> None:
        self.encoding = encoding
        self.max_bytes = max_bytes

    def decode_body(self, body: bytes) -> bytes:
        return adapters.decompress(body, max_decoded_bytes=self.max_bytes).encode()

    def event_decoder(self) -> EventDecoder:
        if self.encoding.lower() == stateful.STREAM_FORMAT:
            return stateful.StreamEventDecoder(max_bytes=self.max_bytes)
        return _DataEventDecoder(self.max_bytes)


def response_decoder(encoding: str | None, *, max_bytes: int) -> ResponseDecoder | None:
    """The decoder for a response carrying ``X-M2M-Encoding: encoding`` (None: not encoded)."""
    if not encoding:
        return None
    return ResponseDecoder(encoding.strip(), max_bytes=max_bytes)

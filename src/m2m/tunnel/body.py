"""What a body is (JSON, SSE, other text, media) and how each kind travels between peers.

JSON bodies travel in an m2m wire format (the router picks it, ``auto`` by default); other
compressible bodies (JSONL uploads, text, multipart forms) in the byte codec; media that is
already compressed (images, audio, PDF, archives) and bodies a client compressed itself travel as
they came. SSE travels event by event (:mod:`m2m.tunnel.events`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from m2m.codec import Limits, compress, decompress
from m2m.codec.bytecodec import MAGIC, BytesDecoder, BytesEncoder, is_compressible, pack_bytes, unpack_bytes
from m2m.errors import DecodeError, M2MError
from m2m.headers import get, media_type

__all__ = [
    "BytesIn",
    "BytesOut",
    "Kind",
    "decode_body",
    "encode_bytes",
    "encode_json",
    "is_bytes_wire",
    "kind_of",
]


class Kind(enum.Enum):
    EMPTY = "empty"
    JSON = "json"
    SSE = "sse"
    TEXT = "text"  # compressible bytes that are not one JSON document (JSONL, text, forms)
    MEDIA = "media"  # already compressed or opaque: sent as it came


_TEXT_TYPES = frozenset(
    {
        b"application/x-ndjson",
        b"application/jsonl",
        b"application/jsonlines",
        b"application/x-jsonlines",
        b"application/json-seq",
        b"application/x-www-form-urlencoded",
        b"application/xml",
        b"application/yaml",
        b"application/javascript",
        b"multipart/form-data",
        b"multipart/mixed",
    }
)


def kind_of(headers: Iterable[tuple[bytes, bytes]], body: bytes | None = None) -> Kind:
    """The kind of a body with these headers (``body``, when known, settles the unclear cases)."""
    headers = list(headers)
    if body is not None and not body:
        return Kind.EMPTY
    if get(headers, b"content-encoding") not in (None, b"identity"):
        return Kind.MEDIA
    mt = media_type(headers)
    if mt == b"application/json" or mt.endswith(b"+json"):
        return Kind.JSON
    if (
        mt in (b"", b"application/x-www-form-urlencoded", b"text/plain")
        and body is not None
        and _looks_json(body)
    ):
        # Clients that post JSON without saying so (curl -d sends a form type).
        return Kind.JSON
    if mt == b"text/event-stream":
        return Kind.SSE
    if mt.startswith(b"text/") or mt in _TEXT_TYPES:
        return Kind.TEXT
    if body is not None and is_compressible(mt.decode("latin-1"), body):
        return Kind.TEXT
    return Kind.MEDIA


def _looks_json(body: bytes) -> bool:
    start = body[:64].lstrip()
    return start[:1] in (b"{", b"[")


def encode_json(body: bytes, algorithm: str) -> bytes:
    """A JSON body in the binary form of m2m wire format ``algorithm`` (``auto``: the smallest).
    A body that is not UTF-8 goes in the byte codec."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return pack_bytes(body)
    wire = compress(text, algorithm, binary=True)
    assert isinstance(wire, bytes)
    return wire


def encode_bytes(body: bytes) -> bytes:
    return pack_bytes(body)


def is_bytes_wire(body: bytes) -> bool:
    return body[: len(MAGIC)] == MAGIC


def decode_body(body: bytes, *, limits: Limits) -> bytes:
    """The original bytes of a body in an m2m wire form (a JSON format or the byte codec)."""
    if not body:
        raise DecodeError("empty m2m body")
    if is_bytes_wire(body):
        return unpack_bytes(body, limits)
    return decompress(body, limits=limits).encode("utf-8")


class BytesOut:
    """Transform: a body into the byte codec as it arrives (one frame per chunk)."""

    __slots__ = ("_encoder",)
    buffers = False

    def __init__(self) -> None:
        self._encoder = BytesEncoder()

    def feed(self, chunk: bytes) -> bytes:
        return self._encoder.feed(chunk)

    def finish(self) -> bytes:
        return self._encoder.finish()

    def fail(self, error: M2MError) -> bytes:
        return b""


class BytesIn:
    """Transform: the original bytes of a byte-codec body as its frames arrive."""

    __slots__ = ("_decoder",)
    buffers = False

    def __init__(self, *, limit: int | None) -> None:
        self._decoder = BytesDecoder(limit=limit)

    def feed(self, chunk: bytes) -> bytes:
        return self._decoder.feed(chunk)

    def finish(self) -> bytes:
        self._decoder.finish()
        return b""

    def fail(self, error: M2MError) -> bytes:
        return b""

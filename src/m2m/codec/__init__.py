"""Wire formats for LLM API payloads, behind one registry.

    compress(data, algorithm="auto", *, encoding=None, binary=False) -> str | bytes
    decompress(wire, *, limits=None) -> str
    detect(wire) -> canonical name | None
    negotiate(accept_header, *, binary_ok=True) -> (algorithm, binary) | None

Every format has a text-safe form, recognised by its prefix, and a binary form, recognised by its
4-byte magic (``0xC1 'M' code version``; 0xC1 never occurs in UTF-8). Text without a known prefix
decodes to itself. Formats (see ``registry.FORMATS``):

    none         the text itself (``#R1|`` escape for text that starts like a wire string)
    t1           ``#T1|<json>``: fewer tokens, still JSON (same JSON value, key order, number text)
    tokennative  ``#TK|<C|O|L>|<base64 LEB128 token ids>`` (Rust-compatible)
    brotli       ``#M2M[v3.0]|DATA:<base64 brotli>`` (Rust-compatible)
    zstd         ``#ZD1|`` / ``#ZD1~``: zstd with a shipped API-JSON dictionary, attachments as raw
                 bytes, number literals (embeddings, logprobs) as binary floats and integers

Stateful formats (``zstream`` ``#S1|``, ``delta`` ``#D1|`` / ``0xC1 'M' 'D' 1``) are named by
``detect``; ``decompress`` refuses them with an ``UnknownFormatError`` that says so, as they decode
only with state the two m2m peers keep (m2m.codec.stream, m2m.codec.delta). So is ``bytes``
(``0xC1 'M' 'B' 1``), which carries bytes, not text (m2m.codec.bytecodec.pack_bytes / unpack_bytes).

Beside bodies, ``m2m.codec.head`` encodes HTTP header lists (``encode_head`` / ``decode_head``).
"""

from __future__ import annotations

import json
from typing import Any

from m2m.codec import registry
from m2m.codec._wire import BINARY_LEAD, check_size, utf8
from m2m.codec.format import Format, Options
from m2m.codec.limits import DEFAULT_LIMITS, MAX_DECODED_BYTES, MAX_DEPTH, MAX_ELEMENTS, Limits
from m2m.codec.negotiation import negotiate
from m2m.codec.registry import ALGORITHMS, ALIASES, FORMATS
from m2m.errors import CodecError, DecodeError, UnknownFormatError

__all__ = [
    "ALGORITHMS",
    "ALIASES",
    "FORMATS",
    "MAX_DECODED_BYTES",
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "Format",
    "Limits",
    "compress",
    "decompress",
    "detect",
    "is_m2m",
    "negotiate",
]


def _as_text(data: Any) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, bytes | bytearray | memoryview):
        return utf8(bytes(data), "input")
    try:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise CodecError(f"input is neither text nor JSON-serialisable: {exc}") from exc


def compress(
    data: Any, algorithm: str = "auto", *, encoding: str | None = None, binary: bool = False
) -> str | bytes:
    """The wire form of ``data`` (text, UTF-8 bytes or a JSON-serialisable object)."""
    text = _as_text(data)
    name = registry.canonical(algorithm)
    opts = Options(encoding=encoding)
    if name == registry.AUTO:
        from m2m.codec.auto import choose

        return choose(text, opts, binary=binary)
    fmt = registry.by_name(name)  # canonical already: one dict probe
    return fmt.encode_binary(text, opts) if binary else fmt.encode(text, opts)


def _format_of(wire: str | bytes) -> Format | None:
    if isinstance(wire, str):
        fmt = registry.by_prefix(wire)
        if fmt is None and registry.looks_like_wire(wire):
            name = registry.stateful(wire)
            if name is not None:
                raise registry.stateful_error(name)
            raise UnknownFormatError(f"unknown or truncated m2m prefix {wire[:20]!r}")
        return fmt
    if wire[:1] == _BINARY_LEAD:
        fmt = registry.by_magic(wire)
        if fmt is None:
            name = registry.stateful(wire)
            if name is not None:
                raise registry.stateful_error(name)
            name = registry.bytes_format(wire)
            if name is not None:
                raise registry.bytes_format_error(name)
            raise UnknownFormatError(f"unknown or truncated binary m2m magic {bytes(wire[:4])!r}")
        return fmt
    return None


_BINARY_LEAD = bytes([BINARY_LEAD])


def decompress(wire: str | bytes, *, limits: Limits | None = None) -> str:
    """The original text of ``wire``; text without an m2m prefix comes back unchanged."""
    limits = limits or DEFAULT_LIMITS
    if not isinstance(wire, str | bytes | bytearray | memoryview):
        raise DecodeError(f"wire must be str or bytes, not {type(wire).__name__}")
    if not isinstance(wire, str | bytes):
        wire = bytes(wire)
    fmt = _format_of(wire)
    if isinstance(wire, bytes):
        if fmt is not None:
            return fmt.decode_binary(wire, limits)
        check_size(len(wire), limits, "input")
        wire = utf8(wire, "input")
        fmt = _format_of(wire)
    if fmt is None:
        return wire
    return fmt.decode(wire, limits)


def detect(wire: str | bytes) -> str | None:
    """Canonical name of the format of ``wire``, or None for a payload that is not m2m."""
    try:
        if isinstance(wire, str):
            fmt = _format_of(wire)
        else:
            fmt = _format_of(bytes(wire[:32]))
            if fmt is None:
                fmt = _format_of(bytes(wire[:32]).decode("utf-8", "ignore"))
    except UnknownFormatError:
        if isinstance(wire, str):
            return registry.stateful(wire)
        return registry.stateful(bytes(wire[:32])) or registry.bytes_format(bytes(wire[:32]))
    return fmt.name if fmt is not None else None


def is_m2m(wire: str | bytes) -> bool:
    """True when ``wire`` is in a known m2m format."""
    return detect(wire) is not None

"""HTTP content codings (RFC 9110 section 8.4): zstd, br, gzip and deflate, both ways.

Decoders are bounded before they allocate: a decoding step never produces more than ``step``
bytes, and the whole output never more than ``limit`` (None: a stream, whose every fed chunk may
decode to ``step`` bytes at most), so a compression bomb from a client or an upstream costs a
:class:`~m2m.errors.LimitExceededError`, not memory. Encoders flush after every chunk they are
fed, so an SSE event fed alone leaves at once. Both are :class:`~m2m.tunnel.transform.Transform`
objects for the relay.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import brotli
import zstandard

from m2m.codec.negotiation import parse_accept
from m2m.errors import DecodeError, LimitExceededError, M2MError

__all__ = ["CODINGS", "Decoder", "Encoder", "choose", "compressor", "decode_all"]

# Ours, best first, for when a client's q-values tie: zstd and br beat gzip on API JSON.
CODINGS = ("zstd", "br", "gzip", "deflate")
_ALIASES = {"x-gzip": "gzip"}
# One decoding step's output: small enough to bound memory, large enough to cost few steps.
_STEP = 1 << 20
_ZLIB_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def canonical(coding: bytes | str | None) -> str | None:
    """The coding named by a Content-Encoding value (``identity``/absent: None); unknown or
    stacked codings raise :class:`~m2m.errors.DecodeError`."""
    if coding is None:
        return None
    name = (coding.decode("latin-1") if isinstance(coding, bytes) else coding).strip().lower()
    name = _ALIASES.get(name, name)
    if name in ("", "identity"):
        return None
    if name not in CODINGS:
        raise DecodeError(f"unsupported Content-Encoding {name!r}")
    return name


def choose(accept_encoding: bytes | None, *, offered: tuple[str, ...] = CODINGS) -> str | None:
    """The coding to answer in for this Accept-Encoding (None: identity)."""
    best: str | None = None
    best_q = 0.0
    refused: set[str] = set()
    star = 0.0
    for item in parse_accept(accept_encoding):
        name = _ALIASES.get(item.name, item.name)
        if item.q <= 0:
            refused.add(name)
            continue
        if name == "*":
            star = max(star, item.q)
            continue
        if name in offered and (
            item.q > best_q
            or (item.q == best_q and best is not None and offered.index(name) < offered.index(best))
        ):
            best, best_q = name, item.q
    if best is None and star > 0:
        best = next((c for c in offered if c not in refused), None)
    return best


class Decoder:
    """Transform: the decoded bytes of a body in ``coding``, bounded per step and in total."""

    __slots__ = ("_coding", "_fed", "_impl", "_limit", "_step", "_total")
    buffers = False

    def __init__(self, coding: str, *, limit: int | None, step: int = _STEP) -> None:
        self._coding = coding
        self._limit = limit
        self._step = step
        self._total = 0
        self._fed = 0  # output of the chunk being fed
        self._impl: Any
        if coding in _ZLIB_WBITS:
            self._impl = zlib.decompressobj(_ZLIB_WBITS[coding])
        elif coding == "br":
            self._impl = brotli.Decompressor()
        else:
            self._impl = _ZstdSink(step)

    def _count(self, n: int) -> None:
        self._total += n
        self._fed += n
        if self._limit is not None and self._total > self._limit:
            raise LimitExceededError(f"{self._coding} body decodes to more than {self._limit} bytes")
        if self._limit is None and self._fed > self._step:
            raise LimitExceededError(
                f"{self._coding} stream: one chunk decodes to more than {self._step} bytes"
            )

    def feed(self, chunk: bytes) -> bytes:
        self._fed = 0
        try:
            return self._feed(chunk)
        except (zlib.error, brotli.error, zstandard.ZstdError) as exc:
            raise DecodeError(f"corrupt {self._coding} data ({exc})") from None

    def _feed(self, chunk: bytes) -> bytes:
        impl = self._impl
        parts: list[bytes] = []
        if self._coding in _ZLIB_WBITS:
            data = chunk
            while data:
                out = impl.decompress(data, self._step)
                self._count(len(out))
                parts.append(out)
                data = impl.unconsumed_tail
                if impl.eof:
                    if data or impl.unused_data:
                        raise DecodeError(f"data after the end of the {self._coding} stream")
                    break
        elif self._coding == "br":
            out = impl.process(chunk, output_buffer_limit=self._step)
            while True:
                self._count(len(out))
                parts.append(out)
                if impl.is_finished() or impl.can_accept_more_data():
                    break
                out = impl.process(b"", output_buffer_limit=self._step)
        else:
            impl.feed(chunk, self._count)
            parts = impl.take()
        return b"".join(parts)

    def finish(self) -> bytes:
        impl = self._impl
        done = impl.eof if self._coding in _ZLIB_WBITS else impl.is_finished()
        if not done:
            raise DecodeError(f"truncated {self._coding} body")
        return b""

    def fail(self, error: M2MError) -> bytes:
        return b""


class _ZstdSink:
    """zstd decoding through a stream writer, whose output arrives in bounded pieces that are
    counted as they come (a frame can expand 30000-fold; nothing builds up unchecked)."""

    def __init__(self, step: int) -> None:
        self._parts: list[bytes] = []
        self._check: Any = None
        self._frames_done = False
        sink: Any = self
        self._writer = zstandard.ZstdDecompressor(max_window_size=1 << 27).stream_writer(
            sink, write_size=min(step, 1 << 17), closefd=False
        )

    def write(self, data: bytes) -> int:
        self._check(len(data))
        self._parts.append(bytes(data))
        return len(data)

    def feed(self, chunk: bytes, check: Any) -> None:
        self._check = check
        self._writer.write(chunk)

    def take(self) -> list[bytes]:
        parts, self._parts = self._parts, []
        return parts

    def is_finished(self) -> bool:
        # zstandard's stream writer does not say whether a frame ended; a cut zstd body is found by
        # the JSON/SSE layer above (an incomplete document or event).
        return True


class Encoder:
    """Transform: a body in ``coding``, flushed after every chunk fed."""

    __slots__ = ("_coding", "_impl", "_started")
    buffers = False

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._impl: Any
        if coding in _ZLIB_WBITS:
            self._impl = zlib.compressobj(6, zlib.DEFLATED, _ZLIB_WBITS[coding])
        elif coding == "br":
            self._impl = brotli.Compressor(quality=5)
        else:
            self._impl = zstandard.ZstdCompressor(level=3).compressobj()

    def feed(self, chunk: bytes) -> bytes:
        impl = self._impl
        if self._coding in _ZLIB_WBITS:
            return bytes(impl.compress(chunk) + impl.flush(zlib.Z_SYNC_FLUSH))
        if self._coding == "br":
            return bytes(impl.process(chunk) + impl.flush())
        return bytes(impl.compress(chunk) + impl.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK))

    def finish(self) -> bytes:
        impl = self._impl
        if self._coding == "br":
            return bytes(impl.finish())
        return bytes(impl.flush())

    def fail(self, error: M2MError) -> bytes:
        return b""


def compressor(coding: str) -> Callable[[bytes], bytes]:
    """A function that encodes a whole body in ``coding``."""

    def compress(body: bytes) -> bytes:
        encoder = Encoder(coding)
        return encoder.feed(body) + encoder.finish()

    return compress


def decode_all(data: bytes, coding: str, *, limit: int) -> bytes:
    """A whole body in ``coding``, decoded within ``limit`` bytes."""
    decoder = Decoder(coding, limit=limit)
    out = decoder.feed(data)
    decoder.finish()
    return out

"""``zsse``: an SSE stream between m2m peers, binary: one zstd frame for the whole stream, with the
shipped dictionary, flushed after every event.

    body = 0xC1 'M' 'E' 1  frame

``frame`` is a magicless zstd frame (RFC 8878 section 3.1.1) without content size, checksum or
dictionary id, whose window is at most :data:`MAX_WINDOW_LOG`. The encoder flushes a block after
each event it is given, so each event decodes as soon as its bytes arrive, and ends the frame (its
last block) only when the stream ended normally: a body that stops before the last block is a cut
stream (:meth:`ZsseDecoder.finish` raises). Unlike ``zstream`` (text-safe, one SSE event per
event) nothing frames the events: the receiver parses the decoded bytes as SSE again.

A context that lives as long as the stream makes every event after the first cost a few bytes of
what changed; the dictionary makes the first ones small too. Memory per stream is bounded by the
parameters below (about 350 KB to encode, 32 KiB of window to decode), and decoding is bounded per
chunk fed (a compression bomb raises :class:`~m2m.errors.LimitExceededError` before it is held).
"""

from __future__ import annotations

import functools
from typing import Any, Final

import zstandard

from m2m.codec._wire import magic
from m2m.codec.zdict import CURRENT_DICT, dictionary_bytes
from m2m.errors import DecodeError, LimitExceededError

__all__ = ["FORMAT_NAME", "MAGIC", "MAX_WINDOW_LOG", "ZsseDecoder", "ZsseEncoder"]

FORMAT_NAME: Final = "zsse"
MAGIC: Final = magic(b"E", 1)
# Level 7 with a 32 KiB window and small tables: 3-11 % fewer bytes than plain zstd-3 on SSE
# streams (corpus and Responses/Anthropic/completions streams), about 350 KB per live encoder.
_LEVEL: Final = 7
_WINDOW_LOG: Final = 15
_HASH_LOG: Final = 13
_CHAIN_LOG: Final = 13
# A decoder refuses frames asking for a larger window (the decoder allocates what a frame asks).
MAX_WINDOW_LOG: Final = 17
# Decoded bytes one fed chunk may produce before it is refused (a 64 KiB chunk of real SSE decodes
# to about 1 MiB).
DEFAULT_STEP: Final = 16 * 1024 * 1024
_FHD: Final = 0x00  # frame header descriptor: no content size, multi-segment, no checksum, no dict id
_BLOCK_RAW, _BLOCK_RLE, _BLOCK_COMPRESSED = 0, 1, 2


@functools.cache
def _dict() -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(
        dictionary_bytes(CURRENT_DICT), dict_type=zstandard.DICT_TYPE_FULLDICT
    )


@functools.cache
def _params() -> zstandard.ZstdCompressionParameters:
    return zstandard.ZstdCompressionParameters.from_level(
        _LEVEL,
        window_log=_WINDOW_LOG,
        hash_log=_HASH_LOG,
        chain_log=_CHAIN_LOG,
        write_checksum=0,
        write_dict_id=0,
        write_content_size=0,
        format=zstandard.FORMAT_ZSTD1_MAGICLESS,
    )


# Compressors of encoders that ended normally, for the next streams. A compressor holds one
# compression context, and two compressobj() of the same compressor share it: streams encoded at
# the same time with one compressor corrupt each other (python-zstandard issue 182). So each live
# encoder owns its compressor, taken from here or made, and gives it back when its frame ended.
_FREE: list[zstandard.ZstdCompressor] = []
_MAX_FREE = 64


def _compressor() -> zstandard.ZstdCompressor:
    if _FREE:
        return _FREE.pop()
    return zstandard.ZstdCompressor(compression_params=_params(), dict_data=_dict())


class ZsseEncoder:
    """Encodes one stream: ``encode`` each event (its whole bytes) as it comes, ``close`` at the
    end. Not thread-safe: one encoder per stream."""

    __slots__ = ("_cctx", "_closed", "_cobj", "_started")

    def __init__(self) -> None:
        self._cctx = _compressor()
        self._cobj = self._cctx.compressobj()
        self._started = False
        self._closed = False

    def encode(self, event: bytes) -> bytes:
        assert not self._closed
        out = self._cobj.compress(event) + self._cobj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        if not self._started:
            self._started = True
            return MAGIC + out
        return bytes(out)

    def close(self) -> bytes:
        """The end of the frame (the stream ended normally)."""
        self._closed = True
        tail = self._cobj.flush(zstandard.COMPRESSOBJ_FLUSH_FINISH)
        if len(_FREE) < _MAX_FREE:
            _FREE.append(self._cctx)  # its frame is whole: the next stream may use it
        if not self._started:
            self._started = True
            return MAGIC + tail
        return bytes(tail)


class ZsseDecoder:
    """Decodes one stream chunk by chunk; each ``feed`` returns the original bytes that its chunk
    completes, at most ``step`` of them."""

    __slots__ = ("_blocks", "_count", "_parts", "_prefix", "_step", "_writer")

    def __init__(self, *, step: int = DEFAULT_STEP) -> None:
        self._step = step
        self._prefix = bytearray()  # the magic, until it is checked
        self._parts: list[bytes] = []
        self._count = 0
        self._blocks = _Blocks()
        sink: Any = self
        self._writer = zstandard.ZstdDecompressor(
            dict_data=_dict(), max_window_size=1 << MAX_WINDOW_LOG, format=zstandard.FORMAT_ZSTD1_MAGICLESS
        ).stream_writer(sink, write_size=min(step, 1 << 17), closefd=False)

    def write(self, data: bytes) -> int:  # the stream writer's sink
        self._count += len(data)
        if self._count > self._step:
            raise LimitExceededError(f"zsse: one chunk decodes to more than {self._step} bytes")
        self._parts.append(bytes(data))
        return len(data)

    def feed(self, chunk: bytes) -> bytes:
        if len(self._prefix) < len(MAGIC):
            need = len(MAGIC) - len(self._prefix)
            self._prefix += chunk[:need]
            chunk = chunk[need:]
            if not MAGIC.startswith(bytes(self._prefix)):
                raise DecodeError("zsse: not a zsse body")
            if not chunk:
                return b""
        self._blocks.feed(chunk)
        self._count = 0
        try:
            self._writer.write(chunk)
        except zstandard.ZstdError as exc:
            raise DecodeError(f"zsse: corrupt zstd data ({exc})") from None
        parts, self._parts = self._parts, []
        return b"".join(parts)

    def finish(self) -> None:
        """Raises :class:`~m2m.errors.DecodeError` unless the frame ended (the stream was cut)."""
        if not self._blocks.done:
            raise DecodeError("zsse: the stream was cut before its end")


class _Blocks:
    """Follows the frame header and block headers (RFC 8878 sections 3.1.1.1 and 3.1.1.2) to know
    where the frame ends; the decoder checks what the blocks hold."""

    __slots__ = ("_head", "_last", "_skip", "_state")

    def __init__(self) -> None:
        self._state = "frame"  # frame -> window -> block <-> content ... -> end
        self._head = bytearray()  # the bytes of a block header so far
        self._skip = 0  # content bytes of the current block still to come
        self._last = False

    @property
    def done(self) -> bool:
        return self._state == "end"

    def feed(self, data: bytes) -> None:
        pos, size = 0, len(data)
        while pos < size:
            state = self._state
            if state == "content":
                step = min(self._skip, size - pos)
                self._skip -= step
                pos += step
                if not self._skip:
                    self._state = "end" if self._last else "block"
                continue
            byte = data[pos]
            pos += 1
            if state == "frame":
                if byte != _FHD:
                    raise DecodeError("zsse: unexpected zstd frame header")
                self._state = "window"
            elif state == "window":
                if (byte >> 3) + 10 > MAX_WINDOW_LOG:
                    raise DecodeError("zsse: the frame's window is larger than allowed")
                self._state = "block"
            elif state == "block":
                self._head.append(byte)
                if len(self._head) == 3:
                    self._block(int.from_bytes(self._head, "little"))
                    self._head.clear()
            else:
                raise DecodeError("zsse: data after the end of the stream")

    def _block(self, header: int) -> None:
        kind = (header >> 1) & 3
        if kind == _BLOCK_RLE:
            self._skip = 1
        elif kind in (_BLOCK_RAW, _BLOCK_COMPRESSED):
            self._skip = header >> 3
        else:
            raise DecodeError("zsse: reserved zstd block type")
        self._last = bool(header & 1)
        if self._skip:
            self._state = "content"
        elif self._last:
            self._state = "end"

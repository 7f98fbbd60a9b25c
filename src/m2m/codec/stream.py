"""``zstream``: one deflate context for a whole SSE stream, flushed per event.

Every event of an upstream stream repeats the same envelope (id, model, fingerprint, ...), so a
compression context that lives as long as the stream turns all but the first event into a few
bytes. Each upstream event (its raw bytes, ``event:``/``id:`` lines, comments and the blank line
included) becomes one SSE event of its own::

    data: #S1|<base85 frame>\\n\\n

    frame   = varint(seq) varint(length) [varint(size) deflate-bytes]
    seq     = 0, 1, 2, ... (the event's position in the stream)
    length  = byte length of the original event; 0 marks the end of the stream (nothing follows)
    size    = byte length of the deflate bytes

The deflate bytes are raw deflate (RFC 1951) with a sync flush after each event and the flush's
trailing empty stored block ``00 00 FF FF`` removed, as permessage-deflate does (RFC 7692 section
7.2.1); the decoder puts it back. Both sides preset the same dictionary of typical
``chat.completion.chunk`` envelopes (:data:`PRESET_DICTIONARY`, frozen for version 1) so the first
events are small too.

Because every frame depends on all earlier ones, a missing, replayed or reordered event would make
the rest of the stream decode to garbage; the sequence number turns that into a clear
:class:`~m2m.errors.DecodeError`, and the decoder refuses to go on after any error. ``size``
catches a truncated frame, which inflate alone may accept (the missing bits can read as an
end-of-block code) while leaving its state out of step with the encoder's. The end frame
lets the receiver tell a stream that ended from one that was cut (:meth:`StreamDecoder.finish`).

Memory per stream is bounded by the deflate window: the encoder holds about 2 ** (window_bits + 2)
+ 2 ** (mem_level + 9) bytes (128 KiB with the defaults), the decoder a 32 KiB window plus the
decoded event, itself capped by ``max_event_bytes``.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Final

from m2m.codec._wire import read_varint, write_varint
from m2m.errors import DecodeError, LimitExceededError, UnknownFormatError

__all__ = [
    "FORMAT_NAME",
    "MAX_EVENT_BYTES",
    "PREFIX",
    "PRESET_DICTIONARY",
    "StreamDecoder",
    "StreamEncoder",
    "is_stream_payload",
]

FORMAT_NAME: Final = "zstream"
PREFIX: Final = "#S1|"
_PREFIX_B: Final = PREFIX.encode("ascii")
_FAMILY_B: Final = b"#S"
_DATA_LINE: Final = b"data: "
_SYNC_TAIL: Final = b"\x00\x00\xff\xff"

# Same default as the stateless codecs' decoded-size cap: one event larger than this is an attack
# or a bug, not a chat chunk.
MAX_EVENT_BYTES: Final = 16 * 1024 * 1024
# A decoder may be given frames whose windows go up to deflate's maximum; the encoder may pick less.
_DECODER_WBITS: Final = 15
# 16 KiB of history keeps nearly all the ratio of the full 32 KiB window (0.108 vs 0.105 of the
# corpus streams) for half the encoder memory.
DEFAULT_WINDOW_BITS: Final = 14
# memLevel only sizes the encoder's hash table; it barely changes the ratio on SSE traffic.
DEFAULT_MEM_LEVEL: Final = 7
DEFAULT_LEVEL: Final = 6

# Frozen for ``#S1|``: changing one byte changes the decoding of every version-1 stream, so a new
# dictionary needs a new prefix. Deflate codes nearer distances more cheaply, so the commonest
# strings come last.
PRESET_DICTIONARY: Final = (
    b'data: {"type":"response.output_text.delta","item_id":"msg_","output_index":0,"content_index":0,'
    b'"delta":"","sequence_number":1}\n\n'
    b'data: {"id":"gen-","provider":"OpenAI","model":"openai/gpt-4o-mini","object":"chat.completion.chunk",'
    b'"created":1760000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":null,'
    b'"reasoning_details":[]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}\n\n'
    b'data: {"model":"llama3.2","created_at":"2025-01-01T00:00:00.000000Z","message":{"role":"assistant",'
    b'"content":""},"done":false}\n\n'
    b'data: {"id":"chatcmpl-","object":"chat.completion.chunk","created":1760000000,"model":"","choices":'
    b'[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_","type":"function","function":{"name":"",'
    b'"arguments":""}}]},"logprobs":null,"finish_reason":"tool_calls"}]}\n\n'
    b'data: {"id":"chatcmpl-","object":"chat.completion.chunk","created":1760000000,"model":"","choices":'
    b'[],"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0,"prompt_tokens_details":'
    b'{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,'
    b'"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}\n\n'
    b'data: {"id":"chatcmpl-","object":"chat.completion.chunk","created":1760000000,"model":"",'
    b'"system_fingerprint":"fp_","choices":[{"index":0,"delta":{"reasoning_content":""},"logprobs":null,'
    b'"finish_reason":null}],"x_groq":{"id":"req_"}}\n\n'
    b'data: {"id":"chatcmpl-","object":"chat.completion.chunk","created":1760000000,"model":"gpt-4o-mini-'
    b'2024-07-18","service_tier":"default","system_fingerprint":"fp_","choices":[{"index":0,"delta":'
    b'{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":"stop"}],'
    b'"usage":null,"obfuscation":""}\n\n'
    b'data: {"id":"chatcmpl-","object":"chat.completion.chunk","created":1760000000,"model":"gpt-4o",'
    b'"system_fingerprint":"fp_","choices":[{"index":0,"delta":{"content":" the"},"logprobs":null,'
    b'"finish_reason":null}]}\n\n'
    b"data: [DONE]\n\n"
)


def is_stream_payload(payload: str | bytes) -> bool:
    """True when an SSE data value (or a whole SSE event) carries a ``zstream`` frame."""
    raw = payload.encode("latin-1", "replace") if isinstance(payload, str) else payload
    return raw.startswith(_FAMILY_B) or raw.startswith(_DATA_LINE + _FAMILY_B)


class StreamEncoder:
    """Encodes the events of one SSE stream, in order, into ``zstream`` SSE events.

    ``encode`` returns the bytes to send right away (one complete SSE event); call ``close`` once
    the upstream stream has ended normally to send the end marker. Not thread-safe: one encoder per
    stream.
    """

    __slots__ = ("_closed", "_deflate", "_seq", "bytes_in", "bytes_out")

    def __init__(
        self,
        *,
        level: int = DEFAULT_LEVEL,
        window_bits: int = DEFAULT_WINDOW_BITS,
        mem_level: int = DEFAULT_MEM_LEVEL,
    ) -> None:
        if not 9 <= window_bits <= _DECODER_WBITS:
            raise ValueError(f"window_bits must be in 9..{_DECODER_WBITS}")
        self._deflate = zlib.compressobj(
            level, zlib.DEFLATED, -window_bits, mem_level, zlib.Z_DEFAULT_STRATEGY, PRESET_DICTIONARY
        )
        self._seq = 0
        self._closed = False
        self.bytes_in = 0
        self.bytes_out = 0

    @property
    def events(self) -> int:
        """Number of frames produced so far (the end marker included)."""
        return self._seq

    def encode(self, event: bytes) -> bytes:
        """One raw upstream SSE event in, one ``zstream`` SSE event out."""
        if self._closed:
            raise ValueError("zstream encoder already closed")
        if not event:
            raise ValueError("zstream: an SSE event is never empty")
        body = self._deflate.compress(event) + self._deflate.flush(zlib.Z_SYNC_FLUSH)
        assert body.endswith(_SYNC_TAIL)
        body = body[: -len(_SYNC_TAIL)]
        out = self._frame(write_varint(len(event)) + write_varint(len(body)) + body)
        self.bytes_in += len(event)
        return out

    def close(self) -> bytes:
        """The end-of-stream marker event. The context is released; the encoder cannot be reused."""
        if self._closed:
            raise ValueError("zstream encoder already closed")
        out = self._frame(write_varint(0))
        self._closed = True
        # Drop the deflate state (hundreds of KiB) now rather than when the stream object dies.
        self._deflate = zlib.compressobj()
        return out

    def _frame(self, rest: bytes) -> bytes:
        frame = write_varint(self._seq) + rest
        self._seq += 1
        out = b"".join((_DATA_LINE, _PREFIX_B, base64.b85encode(frame), b"\n\n"))
        self.bytes_out += len(out)
        return out


class StreamDecoder:
    """Decodes ``zstream`` events of one stream back into the original upstream event bytes.

    Feed each received SSE event's data value (``#S1|...``) or the whole event
    (``data: #S1|...\\n\\n``) to ``decode`` as it arrives. It returns the original event's bytes, or
    ``b""`` for the end marker (then ``finished`` is true). Any error is final for this stream.
    """

    __slots__ = ("_failed", "_inflate", "_max_event_bytes", "_seq", "finished")

    def __init__(self, *, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self._inflate = zlib.decompressobj(-_DECODER_WBITS, PRESET_DICTIONARY)
        self._max_event_bytes = max_event_bytes
        self._seq = 0
        self._failed: str | None = None
        self.finished = False

    @property
    def events(self) -> int:
        """Number of frames decoded so far (the end marker included)."""
        return self._seq

    def decode(self, payload: str | bytes) -> bytes:
        if self._failed is not None:
            raise DecodeError(f"zstream: stream already failed ({self._failed})")
        try:
            return self._decode(payload)
        except DecodeError as exc:
            self._fail(exc.message)
            raise
        except LimitExceededError as exc:
            self._fail(exc.message)
            raise

    def finish(self) -> None:
        """Call when the transport stream ends: raises if the end marker never came (a cut stream)."""
        if self._failed is not None:
            raise DecodeError(f"zstream: stream already failed ({self._failed})")
        if not self.finished:
            self._fail("cut")
            raise DecodeError(f"zstream: stream cut after {self._seq} events (no end marker)")

    def _fail(self, reason: str) -> None:
        self._failed = reason
        self._inflate = zlib.decompressobj(-_DECODER_WBITS)

    def _decode(self, payload: str | bytes) -> bytes:
        if isinstance(payload, str):
            try:
                raw = payload.encode("ascii")
            except UnicodeEncodeError:
                raise DecodeError("zstream: payload is not ASCII") from None
        else:
            raw = bytes(payload)
        raw = _data_value(raw)
        if not raw.startswith(_PREFIX_B):
            if raw.startswith(_FAMILY_B):
                raise UnknownFormatError(f"zstream: unsupported version {raw[:8]!r}")
            raise DecodeError("zstream: event does not carry a #S1| frame")
        if self.finished:
            raise DecodeError("zstream: event after the end of the stream")
        try:
            frame = base64.b85decode(raw[len(_PREFIX_B) :])
        except (ValueError, binascii.Error):
            raise DecodeError("zstream: corrupt base85 frame") from None
        seq, pos = read_varint(frame, 0, "zstream")
        if seq != self._seq:
            what = "replayed or reordered" if seq < self._seq else "missing event(s) before"
            raise DecodeError(f"zstream: expected event {self._seq}, got {seq} ({what})")
        length, pos = read_varint(frame, pos, "zstream")
        if length == 0:
            if pos != len(frame):
                raise DecodeError("zstream: end marker carries data")
            self._seq += 1
            self.finished = True
            return b""
        if length > self._max_event_bytes:
            raise LimitExceededError(
                f"zstream: event of {length} bytes over the limit of {self._max_event_bytes}"
            )
        size, pos = read_varint(frame, pos, "zstream")
        body = frame[pos:]
        if len(body) != size:
            raise DecodeError(f"zstream: event {seq} frame truncated ({len(body)} of {size} bytes)")
        try:
            out = self._inflate.decompress(body + _SYNC_TAIL, length + 1)
        except zlib.error as exc:
            raise DecodeError(f"zstream: corrupt deflate data ({exc})") from None
        if len(out) != length or self._inflate.unconsumed_tail or self._inflate.eof:
            raise DecodeError(f"zstream: event {seq} decoded to {len(out)} bytes, header says {length}")
        self._seq += 1
        return out


def _data_value(raw: bytes) -> bytes:
    """The value of a single-``data:``-line SSE event, or ``raw`` itself when it is a bare value."""
    if not raw.startswith(b"data:"):
        return raw
    value = raw[5:]
    if value.startswith(b" "):
        value = value[1:]
    stripped = value.rstrip(b"\r\n")
    if b"\n" in stripped or b"\r" in stripped:
        raise DecodeError("zstream: event has more than one line")
    return stripped

"""``zsse``: SSE streams between peers in one zstd context, exact, cut-aware and bounded."""

from __future__ import annotations

import glob
import tracemalloc

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import CORPUS

from m2m.codec.zsse import MAGIC, MAX_WINDOW_LOG, ZsseDecoder, ZsseEncoder
from m2m.errors import CodecError, DecodeError, LimitExceededError

MiB = 1 << 20
EVENTS = [
    b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"delta":{"content":"hi"}}]}\n\n',
    b": keep-alive\r\n\r\n",
    *[
        b'event: response.output_text.delta\r\nid: %d\r\ndata: {"delta":" w%d"}\r\n\r\n' % (i, i)
        for i in range(50)
    ],
    b"retry: 10\rdata: [DONE]\r\r",
]


def encode(events: list[bytes]) -> bytes:
    encoder = ZsseEncoder()
    return b"".join(encoder.encode(e) for e in events) + encoder.close()


def decode(wire: bytes, step: int = 7, limit: int = 16 * MiB) -> bytes:
    decoder = ZsseDecoder(step=limit)
    out = b"".join(decoder.feed(wire[i : i + step]) for i in range(0, len(wire), step))
    decoder.finish()
    return out


@pytest.mark.parametrize("step", [1, 3, 64, 1 << 20])
def test_round_trip_however_the_wire_is_cut(step: int) -> None:
    wire = encode(EVENTS)
    assert wire.startswith(MAGIC)
    assert decode(wire, step) == b"".join(EVENTS)


def test_each_event_decodes_as_soon_as_its_bytes_arrive() -> None:
    encoder, decoder = ZsseEncoder(), ZsseDecoder()
    for event in EVENTS:
        assert decoder.feed(encoder.encode(event)) == event
    assert decoder.feed(encoder.close()) == b""
    decoder.finish()


def test_empty_stream() -> None:
    assert decode(ZsseEncoder().close()) == b""


def test_recorded_streams_are_smaller_than_zstd3_per_event() -> None:
    total, ours, plain = 0, 0, 0
    for path in sorted(glob.glob(str(CORPUS / "streams" / "*.sse"))):
        with open(path, "rb") as fh:
            events = [e + b"\n\n" for e in fh.read().split(b"\n\n") if e]
        wire = encode(events)
        assert decode(wire, 4096) == b"".join(events)
        zstd = zstandard.ZstdCompressor(level=3).compressobj()
        plain += sum(len(zstd.compress(e) + zstd.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)) for e in events)
        plain += len(zstd.flush())
        ours += len(wire)
        total += sum(map(len, events))
    assert total and ours < plain


def test_a_cut_stream_is_an_error_wherever_it_is_cut() -> None:
    wire = encode(EVENTS)
    for end in range(len(wire)):
        decoder = ZsseDecoder()
        try:
            decoder.feed(wire[:end])
        except DecodeError:
            continue  # the cut already shows in the data
        with pytest.raises(DecodeError, match="cut before its end"):
            decoder.finish()


def test_data_after_the_end_is_refused() -> None:
    with pytest.raises(DecodeError, match="after the end"):
        decode(encode(EVENTS) + b"\x00")


def test_a_large_window_is_refused_before_it_is_allocated() -> None:
    params = zstandard.ZstdCompressionParameters(
        window_log=MAX_WINDOW_LOG + 4, write_content_size=0, format=zstandard.FORMAT_ZSTD1_MAGICLESS
    )
    cobj = zstandard.ZstdCompressor(compression_params=params).compressobj()
    frame = cobj.compress(b"data: x\n\n") + cobj.flush()
    with pytest.raises(DecodeError, match="window"):
        decode(MAGIC + frame)


def test_a_bomb_is_refused_with_bounded_memory() -> None:
    # 64 MiB of one byte: zstd RLE blocks, a few bytes each.
    params = zstandard.ZstdCompressionParameters(
        window_log=15, write_content_size=0, format=zstandard.FORMAT_ZSTD1_MAGICLESS
    )
    cobj = zstandard.ZstdCompressor(compression_params=params).compressobj()
    frame = cobj.compress(b"a" * (64 * MiB)) + cobj.flush()
    wire = MAGIC + frame
    assert len(wire) < 64 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError):
            ZsseDecoder(step=MiB).feed(wire)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MiB


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.integers(1, 64))
def test_garbage_raises_only_codec_errors(data: bytes, step: int) -> None:
    decoder = ZsseDecoder(step=MiB)
    try:
        for i in range(0, len(data), step):
            decoder.feed(data[i : i + step])
        decoder.finish()
    except CodecError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=300), max_size=20), st.integers(1, 50))
def test_any_events_round_trip(events: list[bytes], step: int) -> None:
    assert decode(encode(events), step) == b"".join(events)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2), st.binary(min_size=1, max_size=300)), min_size=1, max_size=40),
    st.booleans(),
)
def test_streams_encoded_at_the_same_time_each_decode(steps: list[tuple[int, bytes]], abandon: bool) -> None:
    # A proxy encodes many streams at once, their events interleaved on one event loop (and one
    # stream may be dropped half-way): no encoder may disturb another's frame.
    encoders = [ZsseEncoder() for _ in range(3)]
    wires = [[] for _ in range(3)]  # type: list[list[bytes]]
    sent = [[] for _ in range(3)]  # type: list[list[bytes]]
    for i, event in steps:
        wires[i].append(encoders[i].encode(b"data: " + event + b"\n\n"))
        sent[i].append(b"data: " + event + b"\n\n")
    if abandon:  # the first stream ends without its close; the others start new encoders
        encoders[0] = ZsseEncoder()
        wires[0], sent[0] = [], []
        wires[0].append(encoders[0].encode(b"data: again\n\n"))
        sent[0].append(b"data: again\n\n")
    for i in range(3):
        wires[i].append(encoders[i].close())
        assert decode(b"".join(wires[i])) == b"".join(sent[i])

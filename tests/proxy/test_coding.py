"""HTTP content codings: exact both ways however the bytes are cut, and bounded decoding: a bomb in
a stream (no total limit) is refused per fed chunk, with bounded memory."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import brotli
import pytest
import zstandard

from m2m.errors import LimitExceededError
from m2m.proxy.coding import CODINGS, Decoder, Encoder, choose

MiB = 1 << 20
EVENTS = [b'data: {"n":%d,"text":"a few words of an answer"}\n\n' % i for i in range(60)]


@pytest.mark.parametrize("coding", CODINGS)
@pytest.mark.parametrize("cut", [1, 7, 4096])
def test_each_event_fed_alone_decodes_alone(coding: str, cut: int) -> None:
    encoder, decoder = Encoder(coding), Decoder(coding, limit=None)
    wire = b""
    for event in EVENTS:
        piece = encoder.feed(event)
        wire += piece
        assert Decoder(coding, limit=None).feed(wire) == b"".join(EVENTS[: EVENTS.index(event) + 1])
    wire += encoder.finish()
    out = b"".join(decoder.feed(wire[i : i + cut]) for i in range(0, len(wire), cut))
    decoder.finish()
    assert out == b"".join(EVENTS)


def _bomb(coding: str, size: int) -> bytes:
    data = b"a" * size
    if coding == "gzip":
        return gzip.compress(data)
    if coding == "deflate":
        return zlib.compress(data)
    if coding == "br":
        return bytes(brotli.compress(data))
    cobj = zstandard.ZstdCompressor(level=3).compressobj()
    return bytes(cobj.compress(data) + cobj.flush())


@pytest.mark.parametrize("coding", CODINGS)
def test_a_bomb_in_a_stream_is_refused_per_chunk_with_bounded_memory(coding: str) -> None:
    wire = _bomb(coding, 64 * MiB)
    assert len(wire) < 1 * MiB
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError):
            Decoder(coding, limit=None, step=MiB).feed(wire)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MiB


def test_choice_prefers_zstd_then_br_then_gzip_on_ties() -> None:
    assert choose(b"gzip, br, zstd") == "zstd"
    assert choose(b"gzip;q=1, br;q=1") == "br"
    assert choose(b"gzip;q=1, br;q=0.5") == "gzip"
    assert choose(b"identity") is None

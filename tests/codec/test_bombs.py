"""Decode expansion is checked before it is allocated, in every decoder.

Each attack is a small (or at most limit-sized) wire that would decode far past the limit. Each
must raise LimitExceededError with bounded memory: the tracemalloc peak of the decode (the wire
itself is built before tracing starts) stays far below what the expansion would take. Work is
bounded by the same peak, so no timing assertion is needed.
"""

from __future__ import annotations

import base64
import json
import tracemalloc
import zlib
from collections.abc import Callable

import brotli
import pytest
import zstandard
from hypothesis import given, settings

from m2m.codec import Limits, decompress, t1, zdict
from m2m.codec._wire import write_varint, write_varints
from m2m.codec.delta import BINARY_MAGIC, apply_delta, content_hash, parse_delta
from m2m.codec.stream import PREFIX as STREAM_PREFIX
from m2m.codec.stream import PRESET_DICTIONARY, StreamDecoder
from m2m.errors import CodecError, LimitExceededError
from m2m.tokenizer import O200K, get_encoding

from .strategies import JSON_TEXT

MiB = 1 << 20
PEAK = 64 * MiB


def peak_of(decode: Callable[[], object], error: type[Exception] = LimitExceededError) -> int:
    """The tracemalloc peak of ``decode()``, which must raise ``error``."""
    tracemalloc.start()
    try:
        with pytest.raises(error):
            decode()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _longest_token() -> int:
    enc = get_encoding(O200K)
    best, size = 0, 0
    for rank in range(enc.n_vocab):
        try:
            n = len(enc.decode_single_token_bytes(rank))
        except KeyError:
            continue
        if n > size:
            best, size = rank, n
    assert size >= 128
    return best


def test_tokennative_repeated_long_token() -> None:
    # 16 MiB of varints of one 128-byte token: 2 GiB once decoded.
    token = write_varints([_longest_token()])
    wire = b"\xc1MK\x01O" + token * (16 * MiB // len(token))
    assert peak_of(lambda: decompress(wire)) < PEAK
    text = "#TK|O|" + base64.b64encode(token * (MiB // len(token))).decode()
    assert peak_of(lambda: decompress(text, limits=Limits(max_decoded_bytes=MiB))) < 16 * MiB


def _shape_reference(code: int) -> str:
    free_keys = t1._decode_table()[code - t1.FIRST_SHAPE][2]
    return "[" + ",".join([str(code)] + ["0"] * len(free_keys)) + "]"


def _biggest_shape() -> int:
    shapes = t1._costs()[0]
    return int(max(shapes, key=lambda code: shapes[code] / len(_shape_reference(int(code)))))


def _costliest_shape() -> int:
    shapes = t1._costs()[0]
    return int(max(shapes, key=shapes.__getitem__))


def _zstd_t1(payload: str) -> bytes:
    return zdict.MAGIC + zdict.pack(payload.encode(), zdict.FLAG_T1)


def test_zstd_t1_shape_expansion() -> None:
    # Under the element limit, but every reference stands for ~200 characters of keys and values.
    ref = _shape_reference(_biggest_shape())
    payload = "[" + ",".join([ref] * 200_000) + "]"
    wire = _zstd_t1(payload)
    assert len(wire) < 2000
    assert t1._scan(t1._outside_strings(payload), Limits()) is not None
    assert peak_of(lambda: decompress(wire)) < PEAK


def test_zstd_t1_sparse_expansion() -> None:
    keys = t1._sparse()[1][0]
    full = (1 << len(keys)) - 1
    payload = "[" + ",".join([f"[-2,{full},{full}]"] * 500_000) + "]"
    wire = _zstd_t1(payload)
    assert peak_of(lambda: decompress(wire)) < PEAK


def test_zstd_t1_too_many_values() -> None:
    payload = "[" + ",".join(["[]"] * 4_000_000) + "]"
    wire = _zstd_t1(payload)
    assert peak_of(lambda: decompress(wire)) < PEAK


def test_t1_references_spaced_out_are_still_counted() -> None:
    ref = _shape_reference(_costliest_shape()).replace(",", " ,\n ").replace("[", "[ ")
    payload = "[" + ",".join([ref] * 100_000) + "]"
    assert peak_of(lambda: decompress("#T1|" + payload)) < PEAK


def test_t1_references_inside_strings_do_not_count() -> None:
    # The raw scan over-counts these; the exact scan takes strings out and lets it through.
    code = _costliest_shape()
    ref = _shape_reference(code)
    text = json.dumps({"note": ref * (Limits().max_decoded_bytes // t1._costs()[0][str(code)] + 1000)})
    assert t1._scan(t1._windows(text), Limits()) is not None
    minified = json.dumps(json.loads(text), separators=(",", ":"))
    assert decompress(compress_t1(minified)) == minified


def compress_t1(text: str) -> str:
    from m2m.codec import compress

    wire = compress(text, "t1")
    assert isinstance(wire, str)
    return wire


@pytest.mark.parametrize("depth", [100, 5000, 200_000])
@pytest.mark.parametrize("max_depth", [32, 10**6])
def test_deep_json_raises_a_codec_error(depth: int, max_depth: int) -> None:
    limits = Limits(max_depth=max_depth)
    deep = "[" * depth + "]" * depth
    objects = '{"a":' * depth + "1" + "}" * depth
    if depth <= max_depth and depth < 1000:  # within the limit: decodes
        assert decompress("#T1|" + deep, limits=limits) == deep
        return
    for wire in ("#T1|" + deep, _zstd_t1(deep), "#T1|" + objects):
        with pytest.raises(CodecError):
            decompress(wire, limits=limits)


def _middle(size: int) -> bytes:
    return zstandard.ZstdCompressor(level=19, write_content_size=True).compress(b"\0" * size)


def _delta(base: bytes, target_hash: bytes, prefix: int, suffix: int, frame: bytes) -> bytes:
    payload = write_varint(prefix) + write_varint(suffix) + frame
    return b"".join((BINARY_MAGIC, b"\x00", _raw(base), target_hash, payload))


def _raw(data: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(data).digest()[:16]


def test_delta_expanding_past_the_limit() -> None:
    base = b'{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}'
    wire = _delta(base, bytes(16), 10, 10, _middle(16 * MiB))
    assert len(wire) < 1000
    delta = parse_delta(wire)
    assert peak_of(lambda: apply_delta(delta, base)) < MiB
    assert peak_of(lambda: apply_delta(delta, base, max_output=MiB)) < MiB


def test_delta_prefix_and_suffix_count_towards_the_limit() -> None:
    base = b"x" * (4 * MiB)
    wire = _delta(base, bytes(16), 2 * MiB, 2 * MiB, _middle(1000))
    delta = parse_delta(wire)
    assert peak_of(lambda: apply_delta(delta, base, max_output=4 * MiB)) < MiB
    wire = _delta(base, bytes(16), 3 * MiB, MiB, b"")
    assert peak_of(lambda: apply_delta(parse_delta(wire), base, max_output=3 * MiB)) < MiB


def test_delta_within_the_limit_allocates_the_target_once() -> None:
    base = b'{"model":"gpt-4o","messages":[]}' * 100
    target = base[:50] + b"\0" * (8 * MiB) + base[-50:]
    wire = _delta(base, _raw(target), 50, 50, _middle(8 * MiB))
    delta = parse_delta(wire)
    assert delta.target_hash == content_hash(target)
    tracemalloc.start()
    try:
        assert apply_delta(delta, base) == target
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * 8 * MiB  # the middle, the target, and little else


def test_brotli_bomb_memory() -> None:
    bomb = brotli.compress(b"\0" * (64 * MiB))
    assert peak_of(lambda: decompress(b"\xc1MB\x03" + bomb)) < PEAK


def test_zstd_bombs_memory() -> None:
    wire = zdict.MAGIC + zdict.pack(b"\0" * (64 * MiB))
    assert len(wire) < 10_000
    assert peak_of(lambda: decompress(wire)) < MiB
    # Blobs whose declared sizes add up past the limit: refused before any is decompressed.
    blob = base64.b64encode(b"\0" * (6 * MiB)).decode()
    text = json.dumps([f"data:x;base64,{blob}"] * 3)
    wire = zdict.MAGIC + zdict.pack(text.encode())
    assert peak_of(lambda: decompress(wire), LimitExceededError) < MiB


def test_zstream_event_bomb() -> None:
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, PRESET_DICTIONARY)
    body = deflate.compress(b"\0" * (64 * MiB)) + deflate.flush(zlib.Z_SYNC_FLUSH)
    body = body[:-4]
    # The event claims 1 MiB (under the decoder's limit) but inflates to 64 MiB.
    frame = write_varint(0) + write_varint(MiB) + write_varint(len(body)) + body
    event = STREAM_PREFIX + base64.b85encode(frame).decode()
    decoder = StreamDecoder(max_event_bytes=4 * MiB)
    assert peak_of(lambda: decoder.decode(event), CodecError) < 8 * MiB
    frame = write_varint(0) + write_varint(64 * MiB) + write_varint(len(body)) + body
    event = STREAM_PREFIX + base64.b85encode(frame).decode()
    assert peak_of(lambda: StreamDecoder(max_event_bytes=4 * MiB).decode(event)) < 8 * MiB


@settings(max_examples=300, deadline=None)
@given(JSON_TEXT)
def test_the_scan_never_refuses_what_decodes(text: str) -> None:
    payload = t1.encode_text(text)
    assert "".join(t1._outside_strings(payload)) == t1._STRING.sub("", payload)
    out = t1.decode_text(payload)
    # The tightest limit the output meets: the scan runs (the payload is large for it) and passes.
    tight = Limits(max_decoded_bytes=len(out), max_elements=10**9)
    assert t1.decode_text(payload, tight) == out
    assert t1._scan(t1._outside_strings(payload), tight) is None

"""Decompression bombs: wire size, outcome, Python memory peak and CPU time per attack.

    python benchmarks/bench_bombs.py
    PYTHONPATH=<other tree>/src python benchmarks/bench_bombs.py   # the same attacks, other code

Each attack is a wire that decodes (or would) far past the 16 MiB default limit. The peak is
tracemalloc's (Python allocations made while decoding; the wire itself is built before), the time
is CPU time of the decode, tracing included (tracemalloc slows allocation-heavy code several
times). Attacks on formats the tree under test lacks are skipped.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import time
import tracemalloc
import zlib
from collections.abc import Callable

import brotli
import zstandard

from m2m.codec import decompress, zdict
from m2m.codec._wire import write_varint, write_varints

MiB = 1 << 20


def _magicless(data: bytes, level: int = 19) -> bytes:
    params = zstandard.ZstdCompressionParameters.from_level(
        level, format=zstandard.FORMAT_ZSTD1_MAGICLESS, write_content_size=True
    )
    return zstandard.ZstdCompressor(compression_params=params).compress(data)


def tokennative() -> tuple[bytes, Callable[[], object]]:
    from m2m.tokenizer import get_encoding

    enc = get_encoding("o200k_base")
    rank, size = 0, 0
    for r in range(enc.n_vocab):
        try:
            n = len(enc.decode_single_token_bytes(r))
        except KeyError:
            continue
        if n > size:
            rank, size = r, n
    token = write_varints([rank])
    wire = b"\xc1MK\x01O" + token * (16 * MiB // len(token))
    return wire, lambda: decompress(wire)


def zstd_t1() -> tuple[bytes, Callable[[], object]]:
    from m2m.codec import t1

    shapes = t1._table()[1]
    index = max(range(len(shapes)), key=lambda i: len(str(shapes[i][0])) - 4 * len(shapes[i][2]))
    ref = "[" + ",".join([str(index + t1.FIRST_SHAPE)] + ["0"] * len(shapes[index][2])) + "]"
    payload = "[" + ",".join([ref] * (16 * MiB // (len(ref) + 1) - 1)) + "]"
    wire = zdict.MAGIC + zdict.pack(payload.encode(), zdict.FLAG_T1)
    return wire, lambda: decompress(wire)


def zstd_plain() -> tuple[bytes, Callable[[], object]]:
    wire = zdict.MAGIC + bytes([1 << 4]) + _magicless(b"\0" * (64 * MiB), 3)
    return wire, lambda: decompress(wire)


def brotli_bomb() -> tuple[bytes, Callable[[], object]]:
    wire = b"\xc1MB\x03" + brotli.compress(b"\0" * (64 * MiB))
    return wire, lambda: decompress(wire)


def delta() -> tuple[bytes, Callable[[], object]]:
    from m2m.codec.delta import BINARY_MAGIC, apply_delta, parse_delta

    base = b'{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}'
    middle = zstandard.ZstdCompressor(level=19, write_content_size=True).compress(b"\0" * (16 * MiB))
    payload = write_varint(10) + write_varint(10) + middle
    wire = BINARY_MAGIC + b"\x00" + hashlib.sha256(base).digest()[:16] + bytes(16) + payload
    return wire, lambda: apply_delta(parse_delta(wire), base)


def zstream() -> tuple[bytes, Callable[[], object]]:
    from m2m.codec.stream import PREFIX, PRESET_DICTIONARY, StreamDecoder

    deflate = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, PRESET_DICTIONARY)
    body = (deflate.compress(b"\0" * (64 * MiB)) + deflate.flush(zlib.Z_SYNC_FLUSH))[:-4]
    frame = write_varint(0) + write_varint(MiB) + write_varint(len(body)) + body
    event = (PREFIX + base64.b85encode(frame).decode()).encode()
    return event, lambda: StreamDecoder().decode(event)


def numbers() -> tuple[bytes, Callable[[], object]]:
    from m2m.codec import numbers as nums

    count = 4 * MiB
    body = write_varint(count) + bytes([nums.F32_REPR]) * count
    x = struct.pack("<f", -0.006929283495992422) * count
    planes = b"".join(x[i::4] for i in range(4))
    body += write_varint(len(planes)) + planes + b"\x00\x01\x00" + b"\x00" * 4
    section = b"\x01" + _magicless(body)
    skeleton = _magicless(b"\xff" * count)
    wire = zdict.MAGIC + bytes([1 << 4 | 4]) + write_varint(len(skeleton)) + skeleton + section
    return wire, lambda: decompress(wire)


def octets() -> tuple[bytes, Callable[[], object]]:
    from m2m.codec import Limits
    from m2m.codec.bytecodec import MAGIC, unpack_bytes

    params = zstandard.ZstdCompressionParameters.from_level(
        3, format=zstandard.FORMAT_ZSTD1_MAGICLESS, write_content_size=False
    )
    obj = zstandard.ZstdCompressor(compression_params=params).compressobj()
    frame = b"".join(obj.compress(b"\0" * MiB) for _ in range(200)) + obj.flush()
    wire = MAGIC + b"\x01" + frame
    return wire, lambda: unpack_bytes(wire, Limits())


def head() -> tuple[bytes, Callable[[], object]]:
    from m2m.codec.head import decode_head

    frame = _magicless(b"\x01" + b"\x00" * (50 * MiB))
    wire = b"\x11" + write_varint(len(frame)) + frame
    return wire, lambda: decode_head(wire, max_fields=256, max_bytes=64 * 1024)


ATTACKS: dict[str, Callable[[], tuple[bytes, Callable[[], object]]]] = {
    "TokenNative: one 128-byte token, 16 MiB of varints": tokennative,
    "zstd + T1: shape references (~16 MiB payload)": zstd_t1,
    "zstd: 64 MiB of zeros": zstd_plain,
    "brotli: 64 MiB of zeros": brotli_bomb,
    "delta: 16 MiB middle on a 64-byte base": delta,
    "zstream: event claiming 1 MiB, inflating to 64 MiB": zstream,
    "zstd numbers: 4 Mi markers x 21-char floats": numbers,
    "octets: undeclared frame of 200 MiB": octets,
    "head: frame declaring 50 MiB": head,
}


def main() -> None:
    print("| attack | wire bytes | outcome | Python peak | CPU s |")
    print("|---|---:|---|---:|---:|")
    for name, build in ATTACKS.items():
        try:
            wire, decode = build()
        except (ImportError, AttributeError) as exc:
            print(f"| {name} | - | skipped ({exc.__class__.__name__}) | - | - |")
            continue
        tracemalloc.start()
        t0 = time.process_time()
        try:
            decode()
            outcome = "decoded"
        except Exception as exc:
            outcome = f"{type(exc).__name__}"
        seconds = time.process_time() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"| {name} | {len(wire):,} | {outcome} | {peak / MiB:.1f} MiB | {seconds:.2f} |", flush=True)


if __name__ == "__main__":
    main()

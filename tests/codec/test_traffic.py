"""Every body of benchmarks/traffic.py is well-formed and survives every codec exactly."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import zstandard

from m2m.codec import Limits, compress, decompress
from m2m.codec.bytecodec import is_compressible, pack_bytes, unpack_bytes

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("traffic", ROOT / "benchmarks" / "traffic.py")
assert _spec is not None and _spec.loader is not None
traffic = importlib.util.module_from_spec(_spec)
sys.modules["traffic"] = traffic
_spec.loader.exec_module(traffic)

KINDS = list(traffic.KINDS)
SEEDS = (0, 1, 2)


@pytest.mark.parametrize("kind", KINDS)
def test_deterministic_and_well_formed(kind: str) -> None:
    body = traffic.generate(kind, 1)
    assert body == traffic.generate(kind, 1)
    assert body.data != traffic.generate(kind, 2).data
    media = body.content_type.split(";")[0]
    if media == "application/json":
        json.loads(body.data)
    elif media == "text/event-stream":
        events = body.data.decode().split("\n\n")
        assert events[-1] == ""
        for event in events[:-1]:
            data = [line[6:] for line in event.split("\n") if line.startswith("data: ")]
            assert len(data) == 1
            if data[0] != "[DONE]":
                json.loads(data[0])
    elif media == "application/jsonl":
        for line in body.data.decode().splitlines():
            json.loads(line)


@pytest.mark.parametrize("kind", KINDS)
def test_every_codec_round_trips(kind: str) -> None:
    cctx = zstandard.ZstdCompressor(level=3)
    for seed in SEEDS:
        body = traffic.generate(kind, seed)
        text = body.data.decode("utf-8")
        for algorithm in ("auto", "zstd", "brotli", "none"):
            for binary in (False, True):
                assert decompress(compress(text, algorithm, binary=binary)) == text
        wire = compress(text, binary=True)
        assert len(wire) <= len(cctx.compress(body.data)), (kind, seed)
        assert unpack_bytes(pack_bytes(body.data), Limits()) == body.data
        assert is_compressible(body.content_type, body.data)

"""Every payload of the shared corpus survives every format."""

from __future__ import annotations

import json

import pytest
import zstandard
from tests.conftest import CORPUS

from m2m.cli.bench import load
from m2m.codec import compress, decompress

if not CORPUS.is_dir():  # pragma: no cover
    pytest.fail(f"corpus not found at {CORPUS} (set M2M_SHARED)", pytrace=False)

PAYLOADS = load(CORPUS)
SMALL = [p for p in PAYLOADS if len(p.text) < 64 * 1024]


def test_corpus_is_there() -> None:
    assert len(PAYLOADS) > 1000
    assert {p.kind for p in PAYLOADS} >= {"chat requests", "tool requests", "responses", "stream events"}


@pytest.mark.parametrize("algorithm", ["auto", "zstd", "t1"])
@pytest.mark.parametrize("binary", [False, True])
def test_round_trip(algorithm: str, binary: bool) -> None:
    for p in PAYLOADS:
        assert decompress(compress(p.text, algorithm, binary=binary)) == p.text, p.text[:200]


@pytest.mark.parametrize("algorithm", ["brotli", "tokennative"])
def test_round_trip_rust_formats(algorithm: str) -> None:
    for p in SMALL:
        assert decompress(compress(p.text, algorithm)) == p.text, p.text[:200]


def test_t1_keeps_value_of_pretty_printed_json() -> None:
    for p in SMALL[:50]:
        pretty = json.dumps(json.loads(p.text), indent=2, ensure_ascii=False)
        assert decompress(compress(pretty, "t1")) == p.text


def test_auto_beats_none_on_every_payload() -> None:
    for p in PAYLOADS:
        assert len(compress(p.text, binary=True)) <= len(p.text.encode())


def test_auto_binary_never_exceeds_plain_zstd() -> None:
    """The target for the binary form: at most plain zstd (level 3, no dictionary) of each body."""
    cctx = zstandard.ZstdCompressor(level=3)
    for p in PAYLOADS:
        assert len(compress(p.text, binary=True)) <= len(cctx.compress(p.text.encode())), p.text[:200]

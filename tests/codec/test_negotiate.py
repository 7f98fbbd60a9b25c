from __future__ import annotations

import pytest

from m2m.codec import negotiate


@pytest.mark.parametrize(
    ("header", "binary_ok", "expected"),
    [
        ("zstd, brotli, t1", True, ("zstd", True)),
        ("zstd, brotli, t1", False, ("zstd", False)),
        ("ZD;q=0.5, br", True, ("brotli", True)),
        ("lzma, tk;text", True, ("tokennative", False)),
        ("t1;q=0, none", True, ("none", True)),
        ("*", True, ("zstd", True)),
        ("auto, T1", True, ("t1", True)),
        (" br ;q=0.9 , zd;q=1", True, ("zstd", True)),
        ("brotli;q=abc, t1", True, ("t1", True)),
    ],
)
def test_negotiate(header: str, binary_ok: bool, expected: tuple[str, bool]) -> None:
    assert negotiate(header, binary_ok=binary_ok) == expected


@pytest.mark.parametrize("header", [None, "", "lzma, gzip", "t1;q=0", " , ,"])
def test_nothing_in_common(header: str | None) -> None:
    assert negotiate(header) is None

"""Decoding limits. Every decoder enforces them so that a hostile wire string costs bounded memory."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAX_DECODED_BYTES", "MAX_DEPTH", "MAX_ELEMENTS", "Limits"]

# Far above any chat request without attachments, below what a proxy worker can hold many of at once.
MAX_DECODED_BYTES = 16 * 1024 * 1024
# Real API payloads nest about 10 deep (tool JSON schemas); deeper input is an attack on recursion.
MAX_DEPTH = 32
# JSON values in one decoded document: a 16 MiB document of one-character values stays below it.
MAX_ELEMENTS = 4_000_000


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps applied while decoding (and while compressing JSON with T1)."""

    max_decoded_bytes: int = MAX_DECODED_BYTES
    max_depth: int = MAX_DEPTH
    max_elements: int = MAX_ELEMENTS


DEFAULT_LIMITS = Limits()

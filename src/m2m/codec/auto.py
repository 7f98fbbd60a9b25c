"""``auto``: the smallest of a few candidates for this payload, never larger than ``none``.

Candidates: ``none``; for minified JSON, ``t1`` (it wins on tiny payloads, where a compressor's
header costs more than it saves); above ``_TINY`` bytes the dictionary format, over the T1 form
when that decodes to exactly the input.
"""

from __future__ import annotations

from m2m.codec import plain, t1, zdict
from m2m.codec.format import Options

__all__ = ["choose"]

_TINY = 48


def choose(text: str, opts: Options, *, binary: bool) -> str | bytes:
    best: str | bytes = plain.encode_binary(text, opts) if binary else plain.encode(text, opts)
    size = len(best) if isinstance(best, bytes) else len(best.encode("utf-8"))
    payload = t1.exact_payload(text)
    candidates: list[str | bytes] = []
    if payload is not None:
        candidates.append(t1.MAGIC + payload.encode("utf-8") if binary else t1.PREFIX + payload)
    if size > _TINY:
        if payload is not None:
            packed = zdict.pack(payload.encode("utf-8"), zdict.FLAG_T1)
        else:
            packed = zdict.pack(text.encode("utf-8"))
        candidates.append(zdict.MAGIC + packed if binary else zdict.text_form(packed))
    for wire in candidates:
        n = len(wire) if isinstance(wire, bytes) else len(wire.encode("utf-8"))
        if n < size:
            best, size = wire, n
    return best

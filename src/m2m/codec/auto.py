"""``auto``: the smallest of a few candidates for this payload, never larger than ``none``.

Candidates: ``none``; for minified JSON, ``t1`` (it wins on tiny payloads, where a compressor's
header costs more than it saves); above ``_TINY`` bytes the dictionary format, over the T1 form
when that decodes to exactly the input (not for texts that are mostly digits), with its number
packing where that is smaller.
"""

from __future__ import annotations

from m2m.codec import t1, zdict
from m2m.codec.format import Options
from m2m.codec.registry import NONE

__all__ = ["choose"]

_TINY = 48
_DIGITS = b"0123456789"
_NUMERIC_MIN = 1024


def choose(text: str, opts: Options, *, binary: bool) -> str | bytes:
    best: str | bytes = NONE.encode_binary(text, opts) if binary else NONE.encode(text, opts)
    size = len(best) if isinstance(best, bytes) else len(best.encode("utf-8"))
    utf8 = text.encode("utf-8")
    # Mostly numbers (embeddings, logprobs): the T1 form saves nothing the number packing of the
    # dictionary format does not, and checking it costs a parse and a repr() per float.
    numeric = len(utf8) > _NUMERIC_MIN and (len(utf8) - len(utf8.translate(None, _DIGITS))) >= (
        zdict.NUMS_SURE * len(utf8)
    )
    payload = None if numeric else t1.exact_payload(text)
    raw = payload.encode("utf-8") if payload is not None else None
    if payload is not None and raw is not None:
        n = len(raw) + len(t1.MAGIC if binary else t1.PREFIX)  # the prefix is ASCII, as long as MAGIC
        if n < size:
            best, size = (t1.MAGIC + raw if binary else t1.PREFIX + payload), n
    if size > _TINY:
        packed = zdict.pack(raw, zdict.FLAG_T1) if raw is not None else zdict.pack(utf8)
        wire: str | bytes = zdict.MAGIC + packed if binary else zdict.text_form(packed)
        if len(wire) < size:  # the text form is ASCII: characters are bytes
            best = wire
    return best

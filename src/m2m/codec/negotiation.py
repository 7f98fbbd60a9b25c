"""``X-M2M-Accept``: which formats a peer reads, best first.

Grammar (case-insensitive, whitespace around items ignored)::

    X-M2M-Accept = item *( "," item )
    item         = name *( ";" param )
    name         = a format name or alias ("zstd", "zd", "brotli", "br", "t1", "tk", "none", ...) | "*"
    param        = "q=" qvalue          ; 0..1, default 1; q=0 means "not acceptable"
                 | "text"               ; the peer wants the text-safe form of this format

Items are ranked by q, then by their order in the header. ``*`` stands for every format this side
has, in our order of preference. Unknown names are skipped, so peers can list formats of newer
versions. ``auto`` is not a wire format and is skipped too.

:func:`parse_accept` is the one parser of this grammar in m2m; HTTP's ``Accept-Encoding``
(RFC 9110 section 12.5.3) has the same shape and is read with it too.
"""

from __future__ import annotations

from typing import NamedTuple

from m2m.codec.registry import ALIASES, AUTO

__all__ = ["FORMAT_PREFERENCE", "PREFERENCE", "AcceptItem", "negotiate", "parse_accept"]

# The one format-preference table: wire formats per payload kind, best first (the router picks from
# it; negotiation uses the json row, plus what a peer may still ask for, when the peer says "*").
FORMAT_PREFERENCE: dict[str, tuple[str, ...]] = {
    # API JSON: the zstd dictionary format is the smallest; brotli is what the Rust peer reads;
    # T1 stays readable JSON.
    "json": ("zstd", "brotli", "t1", "none"),
    "text": ("zstd", "brotli", "none"),
    # A peer that wants token ids (it feeds them to a model directly).
    "tokens": ("tokennative", "none"),
}
# Every format, in our order of preference ("*" in X-M2M-Accept, and what a peer is offered).
PREFERENCE: tuple[str, ...] = (*FORMAT_PREFERENCE["json"][:-1], "tokennative", "none")
# A header value longer than this is not a real client's; only its start is read.
_MAX_ACCEPT_CHARS = 1024


class AcceptItem(NamedTuple):
    name: str  # lower case
    q: float
    params: frozenset[str]  # parameters other than q, lower case


def parse_accept(value: str | bytes | None) -> list[AcceptItem]:
    """The items of an Accept-style header, best first (by q, then header order). Items with q=0
    ("not acceptable") are kept, after every acceptable one, so callers can tell refused from absent."""
    if not value:
        return []
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    ranked: list[tuple[float, int, AcceptItem]] = []
    for order, item in enumerate(text[:_MAX_ACCEPT_CHARS].split(",")):
        parts = [p.strip().lower() for p in item.split(";")]
        if not parts[0]:
            continue
        q = 1.0
        params: list[str] = []
        for param in parts[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
            elif param:
                params.append(param)
        ranked.append((-q, order, AcceptItem(parts[0], q, frozenset(params))))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [item for _, _, item in ranked]


def negotiate(accept: str | None, *, binary_ok: bool = True) -> tuple[str, bool] | None:
    """(algorithm, binary) for the best format both sides support, or None when there is none."""
    for item in parse_accept(accept):
        if item.q <= 0:
            break
        binary = binary_ok and "text" not in item.params
        if item.name == "*":
            return PREFERENCE[0], binary
        canonical = ALIASES.get(item.name)
        if canonical is not None and canonical != AUTO:
            return canonical, binary
    return None

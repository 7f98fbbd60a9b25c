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
"""

from __future__ import annotations

from m2m.codec.registry import ALIASES, AUTO

__all__ = ["PREFERENCE", "negotiate"]

# Our own ranking when the peer leaves the choice to us ("*"): best ratio on API JSON first.
PREFERENCE: tuple[str, ...] = ("zstd", "brotli", "t1", "tokennative", "none")


def _parse(accept: str) -> list[tuple[float, int, str, bool]]:
    items: list[tuple[float, int, str, bool]] = []
    for order, item in enumerate(accept.split(",")):
        parts = [p.strip().lower() for p in item.split(";")]
        if not parts[0]:
            continue
        q = 1.0
        text = False
        for param in parts[1:]:
            if param == "text":
                text = True
            elif param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        if q > 0:
            items.append((-q, order, parts[0], text))
    items.sort()
    return items


def negotiate(accept: str | None, *, binary_ok: bool = True) -> tuple[str, bool] | None:
    """(algorithm, binary) for the best format both sides support, or None when there is none."""
    if not accept:
        return None
    for _, _, name, text in _parse(accept):
        binary = binary_ok and not text
        if name == "*":
            return PREFERENCE[0], binary
        canonical = ALIASES.get(name)
        if canonical is not None and canonical != AUTO:
            return canonical, binary
    return None

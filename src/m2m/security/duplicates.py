"""``has_duplicate_keys``: whether a JSON body has an object with the same key twice.

The scanner reads a parsed body, where a repeated key keeps its last value; an upstream's parser
may keep the first. A body such as ``{"messages": [harmless], "messages": [attack]}`` would then
be scanned as one request and answered as another. The proxy calls this on the raw body of a
scanned route and refuses (400) a body for which it returns True.
"""

from __future__ import annotations

import json
from typing import Any

from m2m.errors import RequestError

__all__ = ["has_duplicate_keys"]


class _Duplicate(Exception):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> None:
    # The decoder gives each object's pairs in order, keys already unescaped ("\u006d" is "m").
    if len({k for k, _ in pairs}) != len(pairs):
        raise _Duplicate
    return None


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs)


def has_duplicate_keys(raw: bytes | bytearray | str) -> bool:
    """True when some object of the JSON document ``raw`` repeats a key (after unescaping).

    Linear in the body (one C-level parse, one set per object). Raises
    :class:`~m2m.errors.RequestError` when ``raw`` is not a JSON document it can read (invalid
    UTF-8 or JSON, or nested past the interpreter's recursion limit): such a body must not be
    scanned and forwarded either.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
        _DECODER.decode(text)
    except _Duplicate:
        return True
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RequestError(f"body is not JSON the scanner can check: {type(exc).__name__}") from None
    return False

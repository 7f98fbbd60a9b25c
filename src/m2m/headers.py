"""HTTP header lists: the one headers type of m2m, and the helpers every layer shares.

A header list is ``list[tuple[bytes, bytes]]`` with lower-case names, in wire order, duplicates
kept: what ASGI servers hand over and what the upstream clients send. Lookups are linear, which is
faster than building a dict for the ten to thirty fields a request carries.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from m2m.errors import RequestError

__all__ = [
    "CREDENTIALS",
    "HOP_BY_HOP",
    "Headers",
    "content_length",
    "get",
    "get_all",
    "media_type",
    "replace",
    "without",
]

Headers = list[tuple[bytes, bytes]]

# RFC 9110 section 7.6.1: connection-specific fields never cross a proxy; host and length are
# re-derived for the next hop, and Expect is answered by the hop that reads the body.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
        b"expect",
    }
)

# Fields that carry a caller's credential (OpenAI and most servers: Authorization; Azure OpenAI:
# api-key; Anthropic: x-api-key). They are forwarded untouched, never logged, never compressed
# together with other data, and they scope what the proxy keeps between requests.
CREDENTIALS = (b"authorization", b"api-key", b"x-api-key")


def get(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The first value of ``name`` (lower case), or None."""
    for key, value in headers:
        if key == name:
            return value
    return None


def get_all(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> list[bytes]:
    return [value for key, value in headers if key == name]


def without(headers: Iterable[tuple[bytes, bytes]], names: Collection[bytes]) -> Headers:
    return [(key, value) for key, value in headers if key not in names]


def replace(headers: Iterable[tuple[bytes, bytes]], name: bytes, value: bytes) -> Headers:
    """``headers`` with every ``name`` field dropped and one ``name: value`` appended."""
    out = [(key, v) for key, v in headers if key != name]
    out.append((name, value))
    return out


def content_length(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    """The Content-Length of a request, None when absent; a malformed one is a 400."""
    found: int | None = None
    for key, value in headers:
        if key == b"content-length":
            if not value.isdigit() or (found is not None and int(value) != found):
                raise RequestError("invalid Content-Length header")
            found = int(value)
    return found


def media_type(headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """The lower-case media type of Content-Type without parameters (``b""`` when absent)."""
    value = get(headers, b"content-type")
    if value is None:
        return b""
    return value.split(b";", 1)[0].strip().lower()

"""Field names, tokens and the tenant scope of the tunnel protocol (see :mod:`m2m.tunnel`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from m2m.errors import RequestError
from m2m.headers import CREDENTIALS, Headers

__all__ = [
    "ACCEPT",
    "BYTES",
    "DELTA",
    "ENCODING",
    "HEAD",
    "HEAD_TOKEN",
    "IDENTITY",
    "PREFIX",
    "PROTOCOL",
    "VERSION",
    "check_version",
    "strip",
    "tenant_scope",
]

PROTOCOL = b"x-m2m-protocol"
ACCEPT = b"x-m2m-accept"
ENCODING = b"x-m2m-encoding"
DELTA = b"x-m2m-delta"
HEAD = b"x-m2m-head"
PREFIX = b"x-m2m-"
VERSION = b"1"

IDENTITY = b"identity"
# X-M2M-Accept tokens that are not wire formats of m2m.codec.
BYTES = "bytes"
HEAD_TOKEN = "head"


def check_version(value: bytes) -> None:
    if value.strip() != VERSION:
        raise RequestError(
            f"unsupported X-M2M-Protocol {value.decode('latin-1')!r}; this m2m speaks version 1"
        )


def strip(headers: Iterable[tuple[bytes, bytes]]) -> Headers:
    """``headers`` without the tunnel's own fields (they never reach an app or an upstream)."""
    return [(k, v) for k, v in headers if not k.startswith(PREFIX)]


def tenant_scope(headers: Iterable[tuple[bytes, bytes]], extra: Sequence[bytes] = ()) -> str | None:
    """The tenant key of a request: a digest of every credential field it carries (``extra`` names
    more, e.g. a configured tenant header), or None without any (no shared scope then).

    The digest keeps no secret; requests with the same credentials share a scope, any other
    credential is another scope, so one caller's bases never serve another caller's deltas.
    """
    names = (*CREDENTIALS, *extra)
    digest = hashlib.sha256(b"m2m-tenant-v1")
    found = False
    for name, value in headers:
        if name in names and value:
            digest.update(len(name).to_bytes(2, "big") + name + len(value).to_bytes(4, "big") + value)
            found = True
    return digest.hexdigest()[:32] if found else None

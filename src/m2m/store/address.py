"""Where a shared store is: the URL in ``proxy.delta.store``, checked before anything connects.

    redis://[[user]:password@]host[:port][/db]     valkey://...   (same)
    rediss://[[user]:password@]host[:port][/db]    valkeys://...  (TLS, system CAs unless a CA file)
    unix://[[user]:password@]/path/to/socket[?db=N]

The database may also be given as ``?db=N``. Other query parameters are refused rather than
ignored: an option copied from another client's URL (``ssl_cert_reqs=none``) must not silently do
nothing, nor silently weaken TLS. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final
from urllib.parse import parse_qs, quote, unquote, urlsplit

from m2m.errors import ConfigError

__all__ = ["CONFIG_KEY", "SCHEMES", "StoreAddress", "parse_url"]

CONFIG_KEY: Final = "proxy.delta.store"
DEFAULT_PORT: Final = 6379
SCHEMES: Final = {"redis": "tcp", "valkey": "tcp", "rediss": "tls", "valkeys": "tls", "unix": "unix"}


@dataclass(frozen=True, slots=True)
class StoreAddress:
    transport: str  # "tcp", "tls" or "unix"
    host: str = "localhost"
    port: int = DEFAULT_PORT
    path: str = ""  # unix socket
    db: int = 0
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def tls(self) -> bool:
        return self.transport == "tls"

    def redacted(self) -> str:
        """The address as a URL without its password, for logs and errors."""
        scheme = {"tcp": "redis", "tls": "rediss", "unix": "unix"}[self.transport]
        user = quote(self.username or "", safe="")
        auth = f"{user}:***@" if self.password else (f"{user}@" if user else "")
        if self.transport == "unix":
            return f"unix://{auth}{self.path}?db={self.db}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{auth}{host}:{self.port}/{self.db}"


def _fail(message: str) -> ConfigError:
    return ConfigError(message, key=CONFIG_KEY)


def parse_url(url: str) -> StoreAddress:
    """The address ``url`` names; :class:`~m2m.errors.ConfigError` (key ``proxy.delta.store``)
    when it is not one. Error messages never repeat the password."""
    scheme, sep, _ = url.partition("://")
    transport = SCHEMES.get(scheme.lower()) if sep else None
    if transport is None:
        shown = scheme + sep if sep else url[:16]
        raise _fail(
            f"expected 'memory' or a redis://, rediss://, valkey://, valkeys:// or unix:// URL, got {shown!r}"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _fail(f"malformed {scheme}:// URL (host or port)") from None
    if port == 0:
        raise _fail("port 0 is not a port a store listens on")
    if parts.fragment:
        raise _fail("a store URL has no #fragment")
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    unknown = sorted(set(query) - {"db"})
    if unknown:
        raise _fail(f"unsupported URL parameter(s) {', '.join(unknown)} (only db is read)")
    db_text = query["db"][-1] if "db" in query else ""
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if transport == "unix":
        path = unquote(parts.path)
        if not path:
            raise _fail("unix:// URL without a socket path")
        return StoreAddress("unix", path=path, db=_db(db_text), username=username, password=password)
    path = parts.path.strip("/")
    if path and db_text:
        raise _fail("database given twice (path and ?db=)")
    host = parts.hostname or "localhost"
    return StoreAddress(
        transport,
        host=host,
        port=port if port is not None else DEFAULT_PORT,
        db=_db(path or db_text),
        username=username,
        password=password,
    )


def _db(text: str) -> int:
    if not text:
        return 0
    if not text.isdigit() or len(text) > 6:
        raise _fail(f"database must be a number, got {text[:16]!r}")
    return int(text)

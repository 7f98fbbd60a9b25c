"""Configuration: defaults < TOML file < environment < command-line flags.

``load(cli=..., env=..., path=...)`` returns a frozen :class:`Config`. The environment is passed in,
never read from globals, so tests and embedders control it.

File: the ``path`` given (the CLI passes ``--config FILE``, else ``~/.m2m/config.toml`` when it
exists: :func:`default_path`); ``load()`` without a path reads no file. Sections::

    [proxy]              listen = "127.0.0.1:8080" (or host/port), upstream, api_key, timeout,
                         workers, optimize, upstream_protocol, max_body_bytes, log_level,
                         tenant_header
    [proxy.compression]  requests, responses, formats, http
    [proxy.security]     enabled, blocking, threshold
    [proxy.transport]    transport (tcp|quic|both), quic_port, cert, key,
                         upstream_transport (tcp|quic), upstream_insecure, upstream_ca,
                         allow_0rtt_post
    [proxy.delta]        cache_entries, ttl_seconds, max_bytes, store, store_timeout
    [proxy.limits]       every bound the proxy enforces (see :class:`LimitsConfig`)
    [proxy.admin]        token, listen, codec_endpoints
    [proxy.routes]       methods, prefixes
    [tokenizer]          llama3_vocab
    [models]             refresh_url (read by ``m2m models refresh``)

Environment: ``M2M_<SECTION>_<KEY>`` where SECTION is the innermost section name, e.g.
``M2M_PROXY_PORT``, ``M2M_PROXY_UPSTREAM``, ``M2M_SECURITY_THRESHOLD``,
``M2M_COMPRESSION_RESPONSES``, ``M2M_TRANSPORT_QUIC_PORT``, ``M2M_DELTA_TTL_SECONDS``,
``M2M_TOKENIZER_LLAMA3_VOCAB``, ``M2M_LIMITS_BODY_TIMEOUT``, ``M2M_ADMIN_TOKEN``. Aliases:
``M2M_API_KEY`` (proxy.api_key), ``M2M_PROXY_TRANSPORT`` (proxy.transport.transport),
``M2M_LLAMA3_VOCAB`` (tokenizer.llama3_vocab), ``M2M_PROXY_DELTA_STORE`` (proxy.delta.store).

Flags are passed as a mapping of dotted keys (``{"proxy.port": 8080}``); ``None`` means "not given".
A bad value raises :class:`~m2m.errors.ConfigError` naming the key, e.g.
``proxy.port: expected an integer 1-65535, got 'abc'``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from m2m.errors import ConfigError

__all__ = [
    "AdminConfig",
    "CompressionConfig",
    "Config",
    "DeltaConfig",
    "LimitsConfig",
    "ProxyConfig",
    "RoutesConfig",
    "SecurityConfig",
    "TokenizerConfig",
    "TransportConfig",
    "as_env",
    "default_path",
    "load",
    "read_toml",
]

# OpenAI's own request limit is far lower; 16 MiB leaves room for base64 images.
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
# Long completions from slow local models take minutes; this bounds silence, not total time.
DEFAULT_TIMEOUT = 300.0


@dataclass(frozen=True)
class CompressionConfig:
    requests: bool = True
    responses: bool = True
    # Formats offered/accepted between m2m peers, best first; empty means "whatever the codec offers".
    formats: tuple[str, ...] = ()
    # Standard clients: answer JSON and SSE in the best Content-Encoding their Accept-Encoding offers.
    http: bool = True


@dataclass(frozen=True)
class SecurityConfig:
    enabled: bool = False
    blocking: bool = True
    threshold: float = 0.8


@dataclass(frozen=True)
class TransportConfig:
    transport: str = "tcp"
    quic_port: int = 8443
    cert: str | None = None
    key: str | None = None
    upstream_transport: str = "tcp"
    upstream_insecure: bool = False
    # CA file (PEM) that verifies an HTTP/3 upstream's certificate; None = the system store.
    upstream_ca: str | None = None
    # Replayable 0-RTT for non-GET/HEAD requests (RFC 8470); see docs/quic.md before enabling.
    allow_0rtt_post: bool = False


@dataclass(frozen=True)
class DeltaConfig:
    cache_entries: int = 1024
    ttl_seconds: float = 600.0
    # Total bytes of requests and replies kept for deltas per process (server side).
    max_bytes: int = 256 * 1024 * 1024
    # Where the server side keeps bases: "memory" (this process) or a redis:// / rediss:// URL
    # shared by workers and replicas.
    store: str = field(default="memory", repr=False)
    # Seconds a store call may take before the request goes on without it (a full resend).
    store_timeout: float = 0.05
    # /ready answers 503 while the store is down (default: it reports the store, and stays ready).
    store_required: bool = False


@dataclass(frozen=True)
class LimitsConfig:
    """Every bound the proxy enforces on what clients, peers and upstreams send."""

    # Request line and header fields (431 past either).
    max_header_bytes: int = 64 * 1024
    max_headers: int = 128
    # Seconds to receive a request's head, the longest silence while reading its body (408), and
    # how long an idle keep-alive connection stays open.
    header_timeout: float = 15.0
    body_timeout: float = 30.0
    idle_timeout: float = 75.0
    # Request bodies held in memory at once, over all requests of the process (503 past it).
    max_buffered_bytes: int = 512 * 1024 * 1024
    # A response the proxy must read whole (to encode or decode it): 502 past it.
    max_response_bytes: int = 64 * 1024 * 1024
    # One SSE event (or line) of a stream.
    max_event_bytes: int = 16 * 1024 * 1024
    # HTTP/1.1 connections at once (503 past it); the file descriptor limit is raised to fit.
    max_connections: int = 4096
    # Upstream response head.
    max_upstream_headers: int = 256
    max_upstream_header_bytes: int = 256 * 1024
    # QUIC: live connections, concurrent request streams per connection, flow-control credit
    # (granted as the application reads), address validation with Retry packets.
    quic_max_connections: int = 1024
    quic_max_streams: int = 128
    quic_connection_window: int = 8 * 1024 * 1024
    quic_stream_window: int = 2 * 1024 * 1024
    quic_retry: str = "auto"
    # Seconds in-flight requests get to finish on SIGTERM before streams end with an error event.
    shutdown_grace: float = 10.0
    # Bodies over this are parsed, counted, scanned and decoded in a worker process, so no single
    # request holds the event loop (0: in threads of the proxy process instead).
    offload_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class AdminConfig:
    # When set, /stats, /metrics, /ready, /v1/compress, /v1/decompress and /_m2m/* need
    # "Authorization: Bearer <token>" (or X-M2M-Admin-Token); /health stays open and says nothing.
    token: str | None = field(default=None, repr=False)
    # "host:port": serve the local endpoints there only (and not on the proxy's port).
    listen: str | None = None
    # /v1/compress and /v1/decompress (and their /_m2m twins).
    codec_endpoints: bool = True


@dataclass(frozen=True)
class RoutesConfig:
    # Methods forwarded upstream; others get 405.
    methods: tuple[str, ...] = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
    # Path prefixes forwarded upstream besides /v1/ (each starting with "/").
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProxyConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    upstream: str = "http://localhost:11434/v1"
    api_key: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    workers: int = 1
    optimize: bool = False
    upstream_protocol: str = "openai"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    log_level: str = "info"
    # A request field that names a tenant, besides the credentials, for what the proxy keeps
    # between requests (conversation bases).
    tenant_header: str | None = None
    compression: CompressionConfig = CompressionConfig()
    security: SecurityConfig = SecurityConfig()
    transport: TransportConfig = TransportConfig()
    delta: DeltaConfig = DeltaConfig()
    limits: LimitsConfig = LimitsConfig()
    admin: AdminConfig = AdminConfig()
    routes: RoutesConfig = RoutesConfig()

    @property
    def upstream_host(self) -> str:
        """``host[:port]`` of the upstream, without credentials or path."""
        parts = urlsplit(self.upstream)
        host = parts.hostname or ""
        return f"{host}:{parts.port}" if parts.port else host


@dataclass(frozen=True)
class TokenizerConfig:
    llama3_vocab: str | None = None


@dataclass(frozen=True)
class ModelsConfig:
    refresh_url: str | None = None


@dataclass(frozen=True)
class Config:
    proxy: ProxyConfig = ProxyConfig()
    tokenizer: TokenizerConfig = TokenizerConfig()
    models: ModelsConfig = ModelsConfig()


# ---------------------------------------------------------------------------------------------
# value parsers: raw (str from env/flags, or a TOML value) -> typed value, or ValueError(message)


def _show(raw: Any) -> str:
    return repr(raw)


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off", ""):
            return False
    raise ValueError(f"expected true or false, got {_show(raw)}")


def _int_range(lo: int, hi: int | None) -> Callable[[Any], int]:
    want = f"an integer {lo}-{hi}" if hi is not None else f"an integer >= {lo}"

    def parse(raw: Any) -> int:
        if isinstance(raw, bool):
            raise ValueError(f"expected {want}, got {_show(raw)}")
        try:
            value = int(raw.strip()) if isinstance(raw, str) else int(raw)
            if isinstance(raw, float) and raw != value:
                raise ValueError
        except (TypeError, ValueError):
            raise ValueError(f"expected {want}, got {_show(raw)}") from None
        if value < lo or (hi is not None and value > hi):
            raise ValueError(f"expected {want}, got {_show(raw)}")
        return value

    return parse


def _float_range(lo: float, hi: float | None, *, lo_open: bool = False) -> Callable[[Any], float]:
    bound = f"> {lo}" if lo_open else f">= {lo}"
    want = f"a number {lo}-{hi}" if hi is not None else f"a number {bound}"

    def parse(raw: Any) -> float:
        if isinstance(raw, bool):
            raise ValueError(f"expected {want}, got {_show(raw)}")
        try:
            value = float(raw.strip()) if isinstance(raw, str) else float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"expected {want}, got {_show(raw)}") from None
        if value != value or value < lo or (lo_open and value == lo) or (hi is not None and value > hi):
            raise ValueError(f"expected {want}, got {_show(raw)}")
        return value

    return parse


def _choice(*options: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        if isinstance(raw, str) and raw.strip().lower() in options:
            return raw.strip().lower()
        raise ValueError(f"expected one of {'|'.join(options)}, got {_show(raw)}")

    return parse


def _text(raw: Any) -> str:
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    raise ValueError(f"expected a non-empty string, got {_show(raw)}")


def _optional_text(raw: Any) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw.strip() or None
    raise ValueError(f"expected a string, got {_show(raw)}")


def _url(raw: Any) -> str:
    if isinstance(raw, str):
        value = raw.strip()
        parts = urlsplit(value)
        if parts.scheme in ("http", "https") and parts.hostname:
            try:
                parts.port  # noqa: B018 - raises ValueError on a bad port
            except ValueError:
                pass
            else:
                return value.rstrip("/")
    raise ValueError(f"expected an http(s) URL such as http://localhost:11434/v1, got {_show(raw)}")


def _store(raw: Any) -> str:
    if isinstance(raw, str):
        value = raw.strip()
        if value.lower() == "memory":
            return "memory"
        parts = urlsplit(value)
        if parts.scheme in ("redis", "rediss", "valkey", "valkeys") and parts.hostname:
            return value
    raise ValueError(f"expected memory or a redis://, rediss:// URL, got {_show_store(raw)}")


def _show_store(raw: Any) -> str:
    # A store URL may hold a password: show its scheme and host only.
    if isinstance(raw, str):
        parts = urlsplit(raw.strip())
        if parts.scheme and parts.hostname:
            return repr(f"{parts.scheme}://{parts.hostname}/...")
    return _show(raw) if not isinstance(raw, str) else "'...'"


def _listen(raw: Any) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        value = raw.strip()
        if not value:
            return None
        host, sep, port = value.rpartition(":")
        if sep and host.strip("[]"):
            _PORT(port)
            return value
    raise ValueError(f"expected host:port, got {_show(raw)}")


def _methods(raw: Any) -> tuple[str, ...]:
    items = _formats(raw)
    for item in items:
        if not item.isalpha():
            raise ValueError(f"expected HTTP method names, got {item!r}")
    return tuple(item.upper() for item in items)


def _prefixes(raw: Any) -> tuple[str, ...]:
    items = _formats(raw)
    for item in items:
        if not item.startswith("/") or ".." in item or "//" in item:
            raise ValueError(f"expected path prefixes starting with /, got {item!r}")
    return items


def _header_name(raw: Any) -> str | None:
    value = _optional_text(raw)
    if value is not None and not all(c.isalnum() or c in "-_" for c in value):
        raise ValueError(f"expected a header name, got {_show(raw)}")
    return value.lower() if value else None


def _formats(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        items = [p.strip() for p in raw.split(",")]
    elif isinstance(raw, list | tuple) and all(isinstance(p, str) for p in raw):
        items = [p.strip() for p in raw]
    else:
        raise ValueError(f"expected a list of format names, got {_show(raw)}")
    return tuple(p for p in items if p)


_PORT = _int_range(1, 65535)

# dotted key -> parser. The dataclass field is the last component, its section the rest.
_KEYS: dict[str, Callable[[Any], Any]] = {
    "proxy.host": _text,
    "proxy.port": _PORT,
    "proxy.upstream": _url,
    "proxy.api_key": _optional_text,
    "proxy.timeout": _float_range(0.0, None, lo_open=True),
    "proxy.workers": _int_range(1, 512),
    "proxy.optimize": _bool,
    "proxy.upstream_protocol": _choice("openai", "m2m"),
    "proxy.max_body_bytes": _int_range(1, None),
    "proxy.log_level": _choice("critical", "error", "warning", "info", "debug"),
    "proxy.tenant_header": _header_name,
    "proxy.compression.requests": _bool,
    "proxy.compression.responses": _bool,
    "proxy.compression.formats": _formats,
    "proxy.compression.http": _bool,
    "proxy.security.enabled": _bool,
    "proxy.security.blocking": _bool,
    "proxy.security.threshold": _float_range(0.0, 1.0),
    "proxy.transport.transport": _choice("tcp", "quic", "both"),
    "proxy.transport.quic_port": _PORT,
    "proxy.transport.cert": _optional_text,
    "proxy.transport.key": _optional_text,
    "proxy.transport.upstream_transport": _choice("tcp", "quic"),
    "proxy.transport.upstream_insecure": _bool,
    "proxy.transport.upstream_ca": _optional_text,
    "proxy.transport.allow_0rtt_post": _bool,
    "proxy.delta.cache_entries": _int_range(0, None),
    "proxy.delta.ttl_seconds": _float_range(0.0, None),
    "proxy.delta.max_bytes": _int_range(1, None),
    "proxy.delta.store": _store,
    "proxy.delta.store_timeout": _float_range(0.0, 60.0, lo_open=True),
    "proxy.delta.store_required": _bool,
    "proxy.limits.max_header_bytes": _int_range(1024, None),
    "proxy.limits.max_headers": _int_range(8, 100_000),
    "proxy.limits.header_timeout": _float_range(0.0, None, lo_open=True),
    "proxy.limits.body_timeout": _float_range(0.0, None, lo_open=True),
    "proxy.limits.idle_timeout": _float_range(0.0, None, lo_open=True),
    "proxy.limits.max_buffered_bytes": _int_range(1, None),
    "proxy.limits.max_response_bytes": _int_range(1, None),
    "proxy.limits.max_event_bytes": _int_range(1024, None),
    "proxy.limits.max_connections": _int_range(1, None),
    "proxy.limits.max_upstream_headers": _int_range(8, None),
    "proxy.limits.max_upstream_header_bytes": _int_range(1024, None),
    "proxy.limits.quic_max_connections": _int_range(1, None),
    "proxy.limits.quic_max_streams": _int_range(1, 10_000),
    "proxy.limits.quic_connection_window": _int_range(64 * 1024, None),
    "proxy.limits.quic_stream_window": _int_range(16 * 1024, None),
    "proxy.limits.quic_retry": _choice("auto", "always", "never"),
    "proxy.limits.shutdown_grace": _float_range(0.0, None),
    "proxy.limits.offload_bytes": _int_range(0, None),
    "proxy.admin.token": _optional_text,
    "proxy.admin.listen": _listen,
    "proxy.admin.codec_endpoints": _bool,
    "proxy.routes.methods": _methods,
    "proxy.routes.prefixes": _prefixes,
    "tokenizer.llama3_vocab": _optional_text,
    "models.refresh_url": _optional_text,
}

_ENV_ALIASES = {
    "M2M_API_KEY": "proxy.api_key",
    "M2M_PROXY_TRANSPORT": "proxy.transport.transport",
    "M2M_LLAMA3_VOCAB": "tokenizer.llama3_vocab",
    "M2M_PROXY_LISTEN": "proxy.listen",
    "M2M_MODELS_URL": "models.refresh_url",
    "M2M_PROXY_DELTA_STORE": "proxy.delta.store",
}


def _env_name(key: str) -> str:
    section, _, name = key.rpartition(".")
    return f"M2M_{section.rpartition('.')[2]}_{name}".upper()


_ENV_NAMES = {_env_name(key): key for key in _KEYS}


def default_path(home: Path) -> Path:
    """Where the CLI looks for a config file when none is given: ``<home>/.m2m/config.toml``."""
    return home / ".m2m" / "config.toml"


def _flatten(table: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            _flatten(value, f"{key}.", out)
        elif key in _KEYS or key == "proxy.listen":
            out[key] = value
        else:
            raise ConfigError("unknown setting", key=key)


def read_toml(path: str | Path) -> dict[str, Any]:
    """A TOML file as a dict; a missing, unreadable or invalid file is a ConfigError naming it."""
    file = Path(path).expanduser()
    try:
        with file.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {file}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror or exc}") from None
    return data


def _read_file(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    out: dict[str, Any] = {}
    _flatten(read_toml(path), "", out)
    return out


def _read_env(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, key in _ENV_ALIASES.items():
        if name in env:
            out[key] = env[name]
    # The canonical names win over aliases when both are set.
    for name, key in _ENV_NAMES.items():
        if name in env:
            out[key] = env[name]
    return out


def _split_listen(layer: dict[str, Any]) -> None:
    """``proxy.listen = "host:port"`` fills host and port of the same layer unless it sets them."""
    raw = layer.pop("proxy.listen", None)
    if raw is None:
        return
    if not isinstance(raw, str) or ":" not in raw:
        raise ConfigError(f"expected host:port, got {_show(raw)}", key="proxy.listen")
    host, _, port = raw.strip().rpartition(":")
    host = host.strip("[]")
    if not host:
        raise ConfigError(f"expected host:port, got {_show(raw)}", key="proxy.listen")
    try:
        _PORT(port)
    except ValueError as exc:
        raise ConfigError(str(exc), key="proxy.listen") from None
    layer.setdefault("proxy.host", host)
    layer.setdefault("proxy.port", port)


def _build(values: Mapping[str, Any]) -> Config:
    sections: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        section, _, name = key.rpartition(".")
        sections.setdefault(section, {})[name] = value
    proxy = ProxyConfig()
    sub = {
        "compression": CompressionConfig,
        "security": SecurityConfig,
        "transport": TransportConfig,
        "delta": DeltaConfig,
        "limits": LimitsConfig,
        "admin": AdminConfig,
        "routes": RoutesConfig,
    }
    changes: dict[str, Any] = dict(sections.get("proxy", {}))
    for name, cls in sub.items():
        if f"proxy.{name}" in sections:
            changes[name] = cls(**sections[f"proxy.{name}"])
    proxy = replace(proxy, **changes)
    tokenizer = TokenizerConfig(**sections.get("tokenizer", {}))
    models = ModelsConfig(**sections.get("models", {}))
    return Config(proxy=proxy, tokenizer=tokenizer, models=models)


def load(
    *,
    cli: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    path: str | None = None,
) -> Config:
    """The configuration from flags (``cli``, dotted keys) > ``env`` > the TOML file > defaults."""
    layers = [_read_file(path), _read_env(env or {}), {k: v for k, v in (cli or {}).items() if v is not None}]
    merged: dict[str, Any] = {}
    for layer in layers:
        _split_listen(layer)
        for key, raw in layer.items():
            parser = _KEYS.get(key)
            if parser is None:
                raise ConfigError("unknown setting", key=key)
            try:
                merged[key] = parser(raw)
            except ValueError as exc:
                raise ConfigError(str(exc), key=key) from None
    config = _build(merged)
    _check(config)
    return config


def _check(config: Config) -> None:
    t = config.proxy.transport
    if (t.cert is None) != (t.key is None):
        raise ConfigError("cert and key must be given together", key="proxy.transport.cert")
    if t.upstream_transport == "quic" and not config.proxy.upstream.startswith("https://"):
        raise ConfigError(
            "upstream_transport quic needs an https:// upstream", key="proxy.transport.upstream_transport"
        )


def as_env(config: Config) -> dict[str, str]:
    """``M2M_*`` variables that reproduce ``config`` (hands the config to worker processes)."""
    out: dict[str, str] = {}
    for key in _KEYS:
        obj: Any = config
        for part in key.split("."):
            obj = getattr(obj, part)
        if obj is None:
            continue
        if isinstance(obj, tuple):
            obj = ",".join(obj)
        elif isinstance(obj, bool):
            obj = "true" if obj else "false"
        out[_env_name(key)] = str(obj)
    return out

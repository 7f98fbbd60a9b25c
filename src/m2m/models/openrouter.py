"""Refresh the dynamic models from an OpenRouter-style ``/models`` list, through a cache file.

The only module of :mod:`m2m.models` that touches the network (httpx is imported when a fetch
happens, so importing the registry stays pure). Every failure is a
:class:`~m2m.errors.ModelRegistryError` whose message names the URL or file and the problem.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from m2m.errors import ModelRegistryError
from m2m.models.card import ModelCard
from m2m.models.registry import Registry, card_from_openrouter

__all__ = [
    "DEFAULT_TIMEOUT",
    "DEFAULT_TTL",
    "DEFAULT_URL",
    "CachedList",
    "RefreshResult",
    "default_cache_path",
    "fetch",
    "load_cached",
    "parse_models",
    "read_cache",
    "refresh",
    "resolve_url",
    "write_cache",
]

DEFAULT_URL = "https://openrouter.ai/api/v1/models"
DEFAULT_TTL = 24 * 60 * 60.0
DEFAULT_TIMEOUT = 10.0
# OpenRouter's list is a few MB; a cap keeps a wrong URL from filling memory.
MAX_LIST_BYTES = 32 * 1024 * 1024
_CACHE_VERSION = 1
_KEEP = ("id", "name", "context_length", "supported_parameters")


@dataclass(frozen=True)
class CachedList:
    entries: list[dict[str, Any]]
    fetched_at: float
    url: str

    def age(self, now: float) -> float:
        return now - self.fetched_at

    def is_fresh(self, ttl: float, now: float) -> bool:
        # A timestamp from the future (clock changed) counts as stale rather than fresh forever.
        return 0 <= self.age(now) < ttl


@dataclass(frozen=True)
class RefreshResult:
    count: int
    fetched: bool
    url: str
    cache_path: Path
    fetched_at: float


def default_cache_path(env: Mapping[str, str], home: Path) -> Path:
    """``$M2M_CACHE_DIR/models.json``, else ``<home>/.m2m/cache/models.json`` (the CLI passes its
    environment and home)."""
    folder = env.get("M2M_CACHE_DIR")
    base = Path(folder).expanduser() if folder else home / ".m2m" / "cache"
    return base / "models.json"


def resolve_url(
    url: str | None = None, *, env: Mapping[str, str] | None = None, configured: str | None = None
) -> str:
    """The list URL: ``url`` argument > ``M2M_MODELS_URL`` in ``env`` > config ``[models]
    refresh_url`` > default."""
    return url or (env or {}).get("M2M_MODELS_URL") or configured or DEFAULT_URL


def _slim(entry: Mapping[str, Any]) -> dict[str, Any]:
    out = {key: entry[key] for key in _KEEP if key in entry}
    architecture = entry.get("architecture")
    if isinstance(architecture, Mapping) and isinstance(architecture.get("tokenizer"), str):
        out["architecture"] = {"tokenizer": architecture["tokenizer"]}
    top = entry.get("top_provider")
    if isinstance(top, Mapping) and "context_length" in top:
        out["top_provider"] = {"context_length": top["context_length"]}
    return out


def parse_models(body: bytes | str, source: str) -> list[dict[str, Any]]:
    """The usable entries of a ``{"data": [{"id": ...}, ...]}`` document, trimmed to what m2m keeps."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelRegistryError(f"{source}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ModelRegistryError(f'{source}: not an OpenRouter-style model list (expected {{"data": [...]}})')
    entries = [
        _slim(entry)
        for entry in data["data"]
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"].strip()
    ]
    if not entries:
        raise ModelRegistryError(f"{source}: the model list has no entries with an id")
    return entries


def fetch(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> list[dict[str, Any]]:
    """GET ``url`` and parse it as a model list."""
    import httpx

    from m2m import __version__

    headers = {"Accept": "application/json", "User-Agent": f"m2m/{__version__}"}
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code != 200:
                raise ModelRegistryError(
                    f"{url}: HTTP {response.status_code} {response.reason_phrase}".rstrip()
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_LIST_BYTES:
                    raise ModelRegistryError(f"{url}: model list larger than {MAX_LIST_BYTES} bytes")
    except httpx.TimeoutException:
        raise ModelRegistryError(f"{url}: no answer within {timeout:g} s") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise ModelRegistryError(f"{url}: not a usable http(s) URL ({exc})") from None
    except httpx.HTTPError as exc:
        raise ModelRegistryError(f"cannot fetch {url}: {exc or type(exc).__name__}") from None
    return parse_models(bytes(body), url)


def read_cache(path: Path) -> CachedList | None:
    """The cached list at ``path``; None when there is none; an error when it is unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelRegistryError(f"cannot read model cache {path}: {exc}") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise ModelRegistryError(f"model cache {path} is not JSON; run `m2m models refresh`") from None
    ok = (
        isinstance(data, dict)
        and data.get("version") == _CACHE_VERSION
        and isinstance(data.get("fetched_at"), (int, float))
        and isinstance(data.get("data"), list)
    )
    if not ok:
        raise ModelRegistryError(f"model cache {path} has an unknown layout; run `m2m models refresh`")
    entries = [e for e in data["data"] if isinstance(e, dict) and isinstance(e.get("id"), str)]
    return CachedList(entries=entries, fetched_at=float(data["fetched_at"]), url=str(data.get("url", "")))


def write_cache(path: Path, entries: list[dict[str, Any]], *, url: str, now: float) -> None:
    """Replace the cache file atomically, so a reader never sees half a list."""
    payload = {"version": _CACHE_VERSION, "fetched_at": now, "url": url, "data": entries}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(payload, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise ModelRegistryError(f"cannot write model cache {path}: {exc.strerror or exc}") from None


def _cards(entries: list[dict[str, Any]], registry: Registry) -> list[ModelCard]:
    cards = (card_from_openrouter(entry, registry) for entry in entries)
    return [card for card in cards if card is not None]


def load_cached(
    registry: Registry, path: Path, *, ttl: float = DEFAULT_TTL, now: float | None = None
) -> CachedList | None:
    """Put the cached models into ``registry`` if the cache is fresh; never raises.

    Used at start-up: a missing, stale or damaged cache only means fewer models until a refresh.
    """
    try:
        cached = read_cache(path)
    except ModelRegistryError:
        return None
    if cached is None or not cached.is_fresh(ttl, time.time() if now is None else now):
        return None
    registry.set_dynamic(_cards(cached.entries, registry))
    return cached


def refresh(
    registry: Registry,
    *,
    url: str | None = None,
    cache_path: str | os.PathLike[str] | None = None,
    ttl: float | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    force: bool = False,
    env: Mapping[str, str] | None = None,
    now: float | None = None,
) -> RefreshResult:
    """Fill ``registry`` with the models of the list at ``url``.

    A fresh cache (younger than ``ttl``) is used without a request unless ``force``; otherwise the
    list is fetched and the cache rewritten. A failed fetch leaves cache and registry unchanged.
    """
    if cache_path is None:
        raise ModelRegistryError("refresh needs a cache path (the CLI passes ~/.m2m/cache/models.json)")
    path = Path(cache_path).expanduser()
    url = resolve_url(url, env=env)
    ttl = DEFAULT_TTL if ttl is None else float(ttl)
    now = time.time() if now is None else now
    if not force:
        try:
            cached = read_cache(path)
        except ModelRegistryError:
            cached = None  # a damaged cache is replaced by a fresh fetch
        if cached is not None and cached.is_fresh(ttl, now) and (not cached.url or cached.url == url):
            cards = _cards(cached.entries, registry)
            registry.set_dynamic(cards)
            return RefreshResult(len(cards), False, cached.url or url, path, cached.fetched_at)
    entries = fetch(url, timeout=timeout)
    write_cache(path, entries, url=url, now=now)
    cards = _cards(entries, registry)
    registry.set_dynamic(cards)
    return RefreshResult(len(cards), True, url, path, now)

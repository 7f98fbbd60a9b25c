"""Model registry: ids, abbreviations, tokenizers, context lengths and Optimize defaults.

    >>> from m2m import models
    >>> models.encoding_for("gpt-4o-2024-08-06"), models.encoding_for("llama3.1:8b")
    ('o200k_base', 'llama3')
    >>> models.get("og4o").id
    'openai/gpt-4o'
    >>> models.expand(models.abbreviate("my-finetune")) == "my-finetune"
    True

The module-level functions use one default :class:`Registry`: the embedded cards, plus the cached
OpenRouter list once a caller loads it with :func:`load_cache` (the CLI and the proxy do, from
``$M2M_CACHE_DIR/models.json`` or ``~/.m2m/cache/models.json`` when fresh, 24 h; nothing here
reads the environment or the home folder). :func:`refresh` fetches the list again.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

from m2m.models.card import ModelCard, Provider
from m2m.models.openrouter import (
    DEFAULT_TIMEOUT,
    DEFAULT_TTL,
    DEFAULT_URL,
    RefreshResult,
    load_cached,
)
from m2m.models.openrouter import refresh as _refresh
from m2m.models.registry import ESCAPE, Registry

__all__ = [
    "DEFAULT_TTL",
    "DEFAULT_URL",
    "ESCAPE",
    "ModelCard",
    "Provider",
    "RefreshResult",
    "Registry",
    "abbreviate",
    "default_registry",
    "encoding_for",
    "expand",
    "get",
    "list_models",
    "load_cache",
    "refresh",
    "set_default_registry",
]

_lock = threading.Lock()
_default: Registry | None = None


def default_registry() -> Registry:
    """The shared registry, built on first use (embedded cards + the cache when fresh)."""
    global _default
    registry = _default
    if registry is None:
        with _lock:
            if _default is None:
                _default = Registry()
            registry = _default
    return registry


def load_cache(path: str | os.PathLike[str]) -> bool:
    """Add the cached model list at ``path`` to the default registry when it is fresh; a missing,
    stale or damaged cache only means fewer models. True when it was loaded."""
    from pathlib import Path

    return load_cached(default_registry(), Path(path).expanduser()) is not None


def set_default_registry(registry: Registry | None) -> None:
    """Replace the shared registry (None: rebuild it on next use)."""
    global _default
    with _lock:
        _default = registry


def get(id_or_abbrev: str) -> ModelCard | None:
    """The card of a model id (any common spelling) or abbreviation; None when unknown."""
    return default_registry().get(id_or_abbrev)


def encoding_for(model_id: str) -> str | None:
    """``cl100k_base``, ``o200k_base``, ``llama3``, or None (closed or unknown tokenizer)."""
    return default_registry().encoding_for(model_id)


def abbreviate(model_id: str) -> str:
    """Short wire form of ``model_id``; ``expand(abbreviate(x)) == x`` for every string."""
    return default_registry().abbreviate(model_id)


def expand(abbrev: str) -> str:
    """Inverse of :func:`abbreviate`."""
    return default_registry().expand(abbrev)


def list_models(*, dynamic: bool = True) -> list[ModelCard]:
    """Embedded cards, then the dynamic ones."""
    return default_registry().list_models(dynamic=dynamic)


def refresh(
    url: str | None = None,
    cache_path: str | os.PathLike[str] | None = None,
    ttl: float | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    force: bool = False,
    registry: Registry | None = None,
    env: Mapping[str, str] | None = None,
) -> RefreshResult:
    """Fetch the OpenRouter-style list (``url``, else ``M2M_MODELS_URL``, else OpenRouter) into the
    cache and the registry; a cache younger than ``ttl`` is used as is unless ``force``."""
    return _refresh(
        registry or default_registry(),
        url=url,
        cache_path=cache_path,
        ttl=ttl,
        timeout=timeout,
        force=force,
        env=env,
    )

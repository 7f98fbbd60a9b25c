"""``m2m models list|show|refresh``: the model registry."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

__all__ = ["config_value", "register"]

from m2m.cli._edge import load_model_cache, model_cache_path


def config_value(section: str, key: str, path: str | None = None) -> Any:
    """``[section] key`` of the TOML config (``path``, else ``~/.m2m/config.toml`` if present)."""
    from m2m.cli.proxy import config_path
    from m2m.config import read_toml

    file = config_path(path)
    if file is None:
        return None
    table = read_toml(file).get(section)
    return table.get(key) if isinstance(table, dict) else None


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``models`` and its sub-commands to ``sub``."""
    parser = sub.add_parser(
        "models",
        help="list, show and refresh known models",
        description="The model registry: ids, abbreviations, tokenizers, context lengths, defaults.",
    )
    parser.set_defaults(func=lambda args: (parser.print_help(sys.stderr), 2)[1])
    actions = parser.add_subparsers(dest="models_command", metavar="ACTION")

    lst = actions.add_parser("list", help="all known models")
    lst.add_argument("--json", action="store_true", help="one JSON document instead of a table")
    lst.add_argument("--embedded", action="store_true", help="only the models shipped with m2m")
    lst.set_defaults(func=_list)

    show = actions.add_parser("show", help="one model, by id or abbreviation")
    show.add_argument("model", metavar="ID")
    show.add_argument("--json", action="store_true", help="print the card as JSON")
    show.set_defaults(func=_show)

    ref = actions.add_parser("refresh", help="fetch an OpenRouter-style /models list into the cache")
    ref.add_argument("--url", help="list URL (default: $M2M_MODELS_URL, [models] refresh_url, OpenRouter)")
    ref.add_argument("--cache", metavar="PATH", help="cache file (default: $M2M_CACHE_DIR/models.json)")
    ref.add_argument("--ttl", type=float, metavar="SECONDS", help="cache lifetime (default 86400)")
    ref.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="request timeout")
    ref.add_argument("--if-stale", action="store_true", help="do nothing while the cache is fresh")
    ref.add_argument("--config", metavar="FILE", help="config file (default ~/.m2m/config.toml)")
    ref.set_defaults(func=_refresh)


def _list(args: argparse.Namespace) -> int:
    from m2m import models

    load_model_cache()
    cards = models.list_models(dynamic=not args.embedded)
    if args.json:
        print(json.dumps([card.to_dict() for card in cards], indent=2))
        return 0
    rows = [("ID", "ABBREV", "ENCODING", "CONTEXT", "SOURCE")]
    for card in cards:
        context = f"{card.context_length:,}" if card.context_length else "-"
        rows.append((card.id, card.abbrev or "-", card.encoding or "estimate", context, card.source))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def _show(args: argparse.Namespace) -> int:
    from m2m import models
    from m2m.errors import RequestError

    load_model_cache()
    card = models.get(args.model)
    if card is None:
        raise RequestError(f"unknown model {args.model!r} (see `m2m models list`, or `m2m models refresh`)")
    if args.json:
        print(json.dumps(card.to_dict(), indent=2))
        return 0
    defaults = ", ".join(f"{k}={json.dumps(v)}" for k, v in card.defaults.items()) or "none known"
    lines = [
        ("id", card.id),
        ("abbreviation", card.abbrev or "-"),
        ("provider", card.provider.value),
        ("encoding", card.encoding or "closed tokenizer: counts are estimates"),
        ("context length", f"{card.context_length:,}" if card.context_length else "unknown"),
        ("optimize drops", defaults),
        ("aliases", ", ".join(card.aliases) or "-"),
        ("source", card.source),
    ]
    for name, value in lines:
        print(f"{name + ':':16}{value}")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    from m2m import models
    from m2m.models.openrouter import resolve_url

    url = resolve_url(args.url, env=os.environ, configured=config_value("models", "refresh_url", args.config))
    result = models.refresh(
        url=url,
        cache_path=args.cache or model_cache_path(),
        ttl=args.ttl,
        timeout=args.timeout,
        force=not args.if_stale,
    )
    if result.fetched:
        print(f"fetched {result.count} models from {result.url} into {result.cache_path}")
    else:
        age = (time.time() - result.fetched_at) / 3600
        print(f"cache is fresh ({age:.1f} h old): {result.count} models in {result.cache_path}")
    return 0

"""The smart router: what to do with one request, decided without I/O.

Strategies (seed 003, section 2.3.3), by the prompt's token count:

    Skip      fewer than ``min_tokens``: send as is (a wire header would cost more than it saves)
    Optimize  up to ``full_threshold``, and only when Optimize is enabled: drop parameters equal to
              the model's documented defaults, no wire encoding
    Full      ``full_threshold`` tokens or more, or a long model name: the best wire format the
              peer accepts, plus default removal when Optimize is enabled

Optimize is opt-in because dropping a parameter hands its value to the server's default, and only
documented defaults of a known model are safe to hand over (Ollama's ``/v1`` fills in 1.0 for an
omitted temperature, its native API 0.8, vLLM the model's generation config).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from typing import Any

from m2m.codec.negotiation import FORMAT_PREFERENCE as _PREFERENCE
from m2m.errors import ConfigError, M2MError
from m2m.models.card import ModelCard

__all__ = [
    "FORMAT_PREFERENCE",
    "Decision",
    "RouterConfig",
    "Strategy",
    "choose_algorithm",
    "optimize",
    "route",
]

# The longest ordinary token of cl100k_base, o200k_base and Llama 3 is 128 bytes, so a text of
# n bytes has at least ceil(n / 128) tokens and at most n: counting is needed only in between.
_MAX_TOKEN_BYTES = 128
# The seed's rule: a model name this long is worth abbreviating even in a short request.
_LONG_MODEL_NAME = 15
# Below this a compressor's header and base64 cost more than they save (the codec's `auto` agrees).
SMALL_PAYLOAD_BYTES = 48

# Wire formats per payload kind, best first; the first one the peer accepts wins.
FORMAT_PREFERENCE = _PREFERENCE


class Strategy(enum.Enum):
    SKIP = "skip"
    OPTIMIZE = "optimize"
    FULL = "full"

    # The seed's spelling.
    Skip = SKIP
    Optimize = OPTIMIZE
    Full = FULL


@dataclass(frozen=True)
class RouterConfig:
    min_tokens: int = 25
    full_threshold: int = 50
    optimize: bool = False
    small_payload_bytes: int = SMALL_PAYLOAD_BYTES

    def __post_init__(self) -> None:
        for name in ("min_tokens", "full_threshold", "small_payload_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"expected a whole number >= 0, got {value!r}", key=f"router.{name}")
        if self.full_threshold < self.min_tokens:
            raise ConfigError("must be >= router.min_tokens", key="router.full_threshold")
        if not isinstance(self.optimize, bool):
            raise ConfigError(f"expected true or false, got {self.optimize!r}", key="router.optimize")

    @classmethod
    def of(cls, config: RouterConfig | Mapping[str, Any] | None) -> RouterConfig:
        """A RouterConfig from itself, a mapping of its field names (extra keys ignored), or None."""
        if config is None:
            return cls()
        if isinstance(config, RouterConfig):
            return config
        names = {f.name for f in fields(cls)}
        if "full_compression_threshold" in config and "full_threshold" not in config:
            config = {**config, "full_threshold": config["full_compression_threshold"]}
        return cls(**{k: v for k, v in config.items() if k in names})


@dataclass(frozen=True)
class Decision:
    strategy: Strategy
    algorithm: str  # "none", "t1", "tokennative", "brotli" or "zstd"
    tokens: int  # the prompt's token count; a lower bound when ``counted`` is False
    counted: bool
    optimize: bool  # drop documented defaults (see :func:`optimize`)
    reason: str


def choose_algorithm(
    size: int,
    *,
    kind: str = "json",
    accept: Collection[str] | None = None,
    small_payload_bytes: int = SMALL_PAYLOAD_BYTES,
) -> str:
    """The wire format for a payload of ``size`` bytes of ``kind`` ("json", "text", "tokens")
    that the peer accepts (None: any). ``none`` when nothing accepted is worth it."""
    if size < small_payload_bytes:
        return "t1" if kind == "json" and (accept is None or "t1" in accept) else "none"
    for name in FORMAT_PREFERENCE.get(kind, FORMAT_PREFERENCE["text"]):
        if accept is None or name in accept or name == "none":
            return name
    return "none"


def _minified(request: Mapping[str, Any]) -> str:
    return json.dumps(request, separators=(",", ":"), ensure_ascii=False)


def _count(text: str, model: str | None, bound: int) -> tuple[int, bool]:
    """Tokens of ``text``, or a lower bound when the bytes alone settle the comparisons."""
    size = len(text.encode("utf-8"))
    lower = -(-size // _MAX_TOKEN_BYTES)
    if lower >= bound:
        return lower, False
    from m2m.tokenizer import count_tokens

    try:
        return int(count_tokens(text, model=model)), True
    except M2MError:
        # No vocabulary to count with (e.g. a broken Llama 3 path): bytes / 4 is the usual estimate.
        return max(lower, size // 4), False


def route(
    request: Mapping[str, Any],
    config: RouterConfig | Mapping[str, Any] | None = None,
    *,
    accept: Collection[str] | None = None,
    text: str | None = None,
    tokens: int | None = None,
    size: int | None = None,
) -> Decision:
    """Skip / Optimize / Full for ``request`` (a chat request object), and its wire format.

    ``accept`` lists the formats the peer reads (None: all). ``text`` is the request as sent, when
    the caller has it, to avoid serialising twice; a caller that already counted its tokens and
    knows its size in bytes passes ``tokens`` and ``size`` instead (nothing is serialised then).
    """
    cfg = RouterConfig.of(config)
    model = request.get("model")
    model = model if isinstance(model, str) else None
    body = ""
    if tokens is None or size is None:
        body = _minified(request) if text is None else text
    if tokens is None:
        tokens, counted = _count(body, model, cfg.full_threshold)
    else:
        counted = True
    long_model = model is not None and len(model) > _LONG_MODEL_NAME
    if tokens < cfg.min_tokens:
        return Decision(Strategy.SKIP, "none", tokens, counted, False, f"{tokens} < {cfg.min_tokens} tokens")
    if tokens >= cfg.full_threshold or long_model:
        if size is None:
            size = len(body.encode("utf-8"))
        algorithm = choose_algorithm(size, accept=accept, small_payload_bytes=cfg.small_payload_bytes)
        why = (
            f"{tokens} >= {cfg.full_threshold} tokens" if tokens >= cfg.full_threshold else "long model name"
        )
        return Decision(Strategy.FULL, algorithm, tokens, counted, cfg.optimize, why)
    if cfg.optimize:
        return Decision(
            Strategy.OPTIMIZE, "none", tokens, counted, True, f"{tokens} < {cfg.full_threshold} tokens"
        )
    return Decision(Strategy.SKIP, "none", tokens, counted, False, "below the full threshold, Optimize off")


def _same(value: Any, default: Any) -> bool:
    # JSON true is not 1 and 1.0 is 1: compare booleans by identity, numbers by value.
    if isinstance(value, bool) or isinstance(default, bool):
        return value is default
    if isinstance(value, int | float) and isinstance(default, int | float):
        return bool(value == default)
    return type(value) is type(default) and bool(value == default)


def optimize(request: Mapping[str, Any], card: ModelCard | None) -> dict[str, Any]:
    """A copy of ``request`` without the parameters equal to ``card``'s documented defaults.

    Nothing else changes (key order included); an unknown model (``card`` None) or a card without
    defaults gives an unchanged copy.
    """
    if card is None or not card.defaults:
        return dict(request)
    defaults = card.defaults
    return {k: v for k, v in request.items() if not (k in defaults and _same(v, defaults[k]))}

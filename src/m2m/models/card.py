"""What m2m knows about one model."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["ModelCard", "Provider"]


class Provider(enum.StrEnum):
    """Who makes a model, named as in OpenRouter ids (``openai/gpt-4o``)."""

    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GOOGLE = "google"
    META = "meta-llama"
    MISTRAL = "mistralai"
    DEEPSEEK = "deepseek"
    QWEN = "qwen"
    XAI = "x-ai"
    COHERE = "cohere"
    NVIDIA = "nvidia"
    MICROSOFT = "microsoft"
    OTHER = "other"

    @property
    def prefix(self) -> str:
        """First letters of this provider's abbreviations (the seed's table)."""
        return _PREFIX[self]

    @classmethod
    def from_model_id(cls, model_id: str) -> Provider:
        prefix = model_id.split("/", 1)[0].lower() if "/" in model_id else ""
        try:
            return cls(prefix)
        except ValueError:
            return cls.OTHER


_PREFIX = {
    Provider.OPENAI: "o",
    Provider.ANTHROPIC: "a",
    Provider.GOOGLE: "g",
    Provider.META: "m",
    Provider.MISTRAL: "mi",
    Provider.DEEPSEEK: "d",
    Provider.QWEN: "q",
    Provider.XAI: "x",
    Provider.COHERE: "co",
    Provider.NVIDIA: "n",
    Provider.MICROSOFT: "_",
    Provider.OTHER: "_",
}


@dataclass(frozen=True)
class ModelCard:
    """One model: canonical id, wire abbreviation, tokenizer and Optimize defaults.

    ``encoding`` is ``cl100k_base``, ``o200k_base``, ``llama3`` or None for a closed tokenizer
    (token counts are then estimates). ``defaults`` are the request parameter values the serving
    API documents as its defaults; Optimize drops a parameter only when it equals one of them.
    ``abbrev`` is None for models learnt at run time: their abbreviation would depend on the
    cache of each peer, so they travel under their id.
    """

    id: str
    abbrev: str | None
    provider: Provider
    encoding: str | None
    context_length: int | None
    defaults: Mapping[str, Any] = field(default_factory=dict, hash=False)
    supported_params: frozenset[str] = field(default=frozenset(), hash=False)
    aliases: tuple[str, ...] = field(default=(), hash=False)
    source: str = "embedded"

    def __post_init__(self) -> None:
        if not isinstance(self.defaults, MappingProxyType):
            object.__setattr__(self, "defaults", MappingProxyType(dict(self.defaults)))

    @property
    def exact_tokens(self) -> bool:
        """True when m2m can count this model's tokens exactly (given the vocabulary)."""
        return self.encoding is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "abbrev": self.abbrev,
            "provider": self.provider.value,
            "encoding": self.encoding,
            "context_length": self.context_length,
            "defaults": dict(self.defaults),
            "supported_params": sorted(self.supported_params),
            "aliases": list(self.aliases),
            "source": self.source,
        }

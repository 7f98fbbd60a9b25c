"""The model registry: embedded cards (``registry.json``) plus cards learnt from an OpenRouter-style
``/models`` list, and the abbreviation table of the T1 wire format.

Abbreviations come from the embedded table only, so every peer running the same m2m version maps
ids the same way whatever its cache holds. ``abbreviate`` is a bijection on all strings:

- an embedded id (``openai/gpt-4o``, or its bare name ``gpt-4o``) becomes its abbreviation;
- any other string stays as it is, unless it could be read back as an abbreviation (it equals one,
  or starts with :data:`ESCAPE`); then it gets the :data:`ESCAPE` prefix.

No abbreviation starts with :data:`ESCAPE`, so ``expand`` undoes each case without ambiguity.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import Any

from m2m.models.card import ModelCard, Provider
from m2m.models.names import family_encoding, lookup_keys

__all__ = ["ESCAPE", "Registry", "card_from_openrouter", "embedded_cards"]

ESCAPE = "~"
_ENCODINGS = frozenset({"cl100k_base", "o200k_base", "llama3"})
# Lookups repeat the same few model names per request; the memo bounds memory for odd callers.
_MEMO_LIMIT = 4096
# Names longer than this (no model has one; a client chose its size) are looked up, never memoised.
_MEMO_NAME_CHARS = 256


@functools.cache
def _registry_data() -> dict[str, Any]:
    text = resources.files("m2m.models").joinpath("registry.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def embedded_cards() -> tuple[ModelCard, ...]:
    """The cards shipped in ``registry.json``, in file order."""
    data = _registry_data()
    profiles: dict[str, dict[str, Any]] = data["profiles"]
    providers: dict[str, dict[str, Any]] = data["providers"]
    cards = []
    for entry in data["models"]:
        provider = Provider.from_model_id(entry["id"])
        profile = profiles[entry.get("profile") or providers[provider.value]["profile"]]
        encoding = entry["encoding"]
        assert encoding is None or encoding in _ENCODINGS, entry
        cards.append(
            ModelCard(
                id=entry["id"],
                abbrev=entry["abbrev"],
                provider=provider,
                encoding=encoding,
                context_length=int(entry["context_length"]),
                defaults=profile["defaults"],
                supported_params=frozenset(profile["supported_params"]),
                aliases=tuple(entry.get("aliases", ())),
            )
        )
    return tuple(cards)


def _abbreviation_table(cards: Sequence[ModelCard]) -> dict[str, str]:
    """abbreviation -> id. Full ids first; then bare names (``gpt-4o`` -> ``g4o``) where free."""
    table: dict[str, str] = {}
    for card in cards:
        assert card.abbrev and not card.abbrev.startswith(ESCAPE), card
        assert card.abbrev not in table, f"duplicate abbreviation {card.abbrev!r}"
        table[card.abbrev] = card.id
    ids = {card.id for card in cards}
    # Names people send as they are (Ollama's "phi4") must not turn into abbreviations.
    taken = ids | {alias for card in cards for alias in card.aliases}
    for card in cards:
        assert card.abbrev is not None
        bare = card.id.split("/", 1)[-1]
        short = card.abbrev.removeprefix(card.provider.prefix)
        # First come, first served: a later entry never takes a short form an earlier one has.
        if not short or short.startswith(ESCAPE) or bare in ids or short in table:
            continue
        if short in taken and short != bare:
            continue
        table[short] = bare
        ids.add(bare)
    return table


def _index(cards: Iterable[ModelCard]) -> dict[str, ModelCard]:
    index: dict[str, ModelCard] = {}
    for card in cards:
        for name in (card.id, *card.aliases):
            index.setdefault(lookup_keys(name)[0], card)
    return index


def card_from_openrouter(entry: Mapping[str, Any], known: Registry | None = None) -> ModelCard | None:
    """A card for one entry of an OpenRouter ``/models`` list, or None if it has no usable id.

    Encoding and defaults come from the embedded card of the same model when there is one; an
    unknown model gets no defaults, so Optimize leaves its requests alone.
    """
    model_id = entry.get("id")
    if not isinstance(model_id, str) or not model_id.strip():
        return None
    base = known.get_embedded(model_id) if known is not None else None
    architecture = entry.get("architecture")
    tokenizer = architecture.get("tokenizer") if isinstance(architecture, Mapping) else None
    encoding = base.encoding if base else family_encoding(model_id)
    if encoding is None and base is None and tokenizer == "Llama3":
        encoding = "llama3"
    context = entry.get("context_length")
    if not isinstance(context, int) or isinstance(context, bool) or context <= 0:
        top = entry.get("top_provider")
        context = top.get("context_length") if isinstance(top, Mapping) else None
        if not isinstance(context, int) or isinstance(context, bool) or context <= 0:
            context = base.context_length if base else None
    params = entry.get("supported_parameters")
    supported = (
        frozenset(p for p in params if isinstance(p, str))
        if isinstance(params, list)
        else (base.supported_params if base else frozenset())
    )
    return ModelCard(
        id=model_id,
        abbrev=None,
        provider=Provider.from_model_id(model_id),
        encoding=encoding,
        context_length=context,
        defaults=base.defaults if base else {},
        supported_params=supported,
        source="openrouter",
    )


class Registry:
    """Embedded cards plus dynamic ones (from a refresh or its cache). Lookups are thread-safe."""

    def __init__(self, embedded: Sequence[ModelCard] | None = None, dynamic: Iterable[ModelCard] = ()):
        self._embedded_list = tuple(embedded_cards() if embedded is None else embedded)
        self._embedded = {card.id: card for card in self._embedded_list}
        self._expand = _abbreviation_table(self._embedded_list)
        self._abbrev = {full: short for short, full in self._expand.items()}
        self._embedded_index = _index(self._embedded_list)
        self._lock = threading.Lock()
        self._dynamic: dict[str, ModelCard] = {}
        self._dynamic_index: dict[str, ModelCard] = {}
        self._memo: dict[str, ModelCard | None] = {}
        # Family rules depend on the id only, never on the dynamic cards.
        self._family_memo: dict[str, str | None] = {}
        self.set_dynamic(dynamic)

    # -- dynamic models ---------------------------------------------------------------------
    def set_dynamic(self, cards: Iterable[ModelCard]) -> None:
        """Replace the dynamic cards (an embedded id keeps its embedded card)."""
        dynamic = {card.id: card for card in cards if card.id not in self._embedded}
        index = _index(dynamic.values())
        with self._lock:
            self._dynamic, self._dynamic_index, self._memo = dynamic, index, {}

    # -- lookups ----------------------------------------------------------------------------
    def get(self, id_or_abbrev: str) -> ModelCard | None:
        """The card for an id in any common spelling, or for an abbreviation; None if unknown."""
        if not isinstance(id_or_abbrev, str):
            return None
        memo = self._memo
        if id_or_abbrev in memo:
            return memo[id_or_abbrev]
        card = self._find(id_or_abbrev)
        if len(id_or_abbrev) > _MEMO_NAME_CHARS:
            return card
        with self._lock:
            if memo is self._memo:
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                memo[id_or_abbrev] = card
        return card

    def _find(self, name: str) -> ModelCard | None:
        exact = self._embedded.get(name) or self._dynamic.get(name)
        if exact is not None:
            return exact
        full = self._expand.get(name)
        if full is not None:
            return self._embedded.get(full) or self.get_embedded(full)
        for key in lookup_keys(name):
            card = self._embedded_index.get(key) or self._dynamic_index.get(key)
            if card is not None:
                return card
        return None

    def get_embedded(self, model_id: str) -> ModelCard | None:
        """Like :meth:`get`, over the embedded cards only."""
        if model_id in self._embedded:
            return self._embedded[model_id]
        for key in lookup_keys(model_id):
            card = self._embedded_index.get(key)
            if card is not None:
                return card
        return None

    def encoding_for(self, model_id: str) -> str | None:
        """``cl100k_base``, ``o200k_base``, ``llama3``, or None for a closed or unknown tokenizer."""
        card = self.get(model_id)
        if card is not None:
            return card.encoding
        if not isinstance(model_id, str):
            return None
        if len(model_id) > _MEMO_NAME_CHARS:
            return family_encoding(model_id)
        memo = self._family_memo
        if model_id not in memo:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[model_id] = family_encoding(model_id)
        return memo[model_id]

    def list_models(self, *, dynamic: bool = True) -> list[ModelCard]:
        """Embedded cards in file order, then dynamic ones sorted by id."""
        cards = list(self._embedded_list)
        if dynamic:
            cards += sorted(self._dynamic.values(), key=lambda c: c.id)
        return cards

    def __len__(self) -> int:
        return len(self._embedded) + len(self._dynamic)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    # -- abbreviations ----------------------------------------------------------------------
    def abbreviate(self, model_id: str) -> str:
        """The short form of ``model_id``; ``expand`` gives ``model_id`` back for every string."""
        short = self._abbrev.get(model_id)
        if short is not None:
            return short
        if model_id in self._expand or model_id.startswith(ESCAPE):
            return ESCAPE + model_id
        return model_id

    def expand(self, abbrev: str) -> str:
        """The id that ``abbreviate`` turned into ``abbrev``."""
        full = self._expand.get(abbrev)
        if full is not None:
            return full
        return abbrev[len(ESCAPE) :] if abbrev.startswith(ESCAPE) else abbrev

    def abbreviations(self) -> dict[str, str]:
        """A copy of the table: abbreviation -> id."""
        return dict(self._expand)

"""Exact BPE token counts, offline.

cl100k_base and o200k_base ship inside the package (``m2m/data``); Llama 3 is loaded from a path
the user configures (:func:`set_llama3_vocab`; the CLI reads ``M2M_LLAMA3_VOCAB`` and the config),
because its licence does not allow bundling it. Meta's ``tokenizer.model`` has the same file format
and works as is.
Models with closed tokenizers get an estimate, marked ``exact=False``.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import tiktoken
from tiktoken.load import load_tiktoken_bpe

from m2m.errors import TokenizerError

__all__ = [
    "CL100K",
    "ENCODINGS",
    "LLAMA3",
    "O200K",
    "TextCache",
    "TokenCount",
    "count_chat_tokens",
    "count_tokens",
    "decode_tokens",
    "encode_tokens",
    "get_encoding",
    "llama3_available",
    "resolve_encoding",
    "set_llama3_vocab",
]

CL100K = "cl100k_base"
O200K = "o200k_base"
LLAMA3 = "llama3"
ENCODINGS = (CL100K, O200K, LLAMA3)
# Model ids are short ("gpt-4o-2024-08-06", "meta-llama/Llama-3.1-8B-Instruct"); longer strings
# a client sends as a model are resolved each time, never kept in a cache.
MAX_MODEL_CHARS = 256

# Pattern strings and special tokens as in tiktoken_ext/openai_public.py (tiktoken, MIT).
_CL100K_PAT = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K_PAT = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
# Llama 3 uses a cl100k-style split (Meta's llama/tokenizer.py).
_LLAMA3_PAT = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
_CL100K_SPECIAL = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}
_O200K_SPECIAL = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}
_CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
_O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
_LLAMA3_RANKS = 128_000


def _llama3_special() -> dict[str, int]:
    # Llama 3.1 names (Meta's llama-models tokenizer.py): 11 named tokens, the rest reserved.
    names = [
        "<|begin_of_text|>",
        "<|end_of_text|>",
        "<|reserved_special_token_0|>",
        "<|reserved_special_token_1|>",
        "<|finetune_right_pad_id|>",
        "<|reserved_special_token_2|>",
        "<|start_header_id|>",
        "<|end_header_id|>",
        "<|eom_id|>",
        "<|eot_id|>",
        "<|python_tag|>",
    ]
    names += [f"<|reserved_special_token_{i}|>" for i in range(3, 256 - len(names) + 3)]
    return {name: _LLAMA3_RANKS + i for i, name in enumerate(names)}


_lock = threading.Lock()
_llama3_path: str | None = None


class TokenCount(int):
    """An ``int`` that also says whether it is exact or an estimate."""

    exact: bool
    encoding: str

    def __new__(cls, n: int, *, exact: bool = True, encoding: str = "") -> TokenCount:
        self = super().__new__(cls, n)
        self.exact = exact
        self.encoding = encoding
        return self

    def __repr__(self) -> str:
        return f"TokenCount({int(self)}, exact={self.exact}, encoding={self.encoding!r})"


def set_llama3_vocab(path: str | os.PathLike[str] | None) -> None:
    """Use the Llama 3 vocabulary at ``path`` (``tokenizer.model`` or ``llama3.tiktoken``)."""
    global _llama3_path
    with _lock:
        _llama3_path = os.fspath(path) if path is not None else None


def _llama3_vocab_path() -> str | None:
    # Set by the caller (the CLI and the proxy pass the configured path); never read from the
    # environment here.
    return _llama3_path


def llama3_available() -> bool:
    path = _llama3_vocab_path()
    return bool(path) and Path(path).is_file()  # type: ignore[arg-type]


def _packaged(name: str) -> str:
    return str(resources.files("m2m.data").joinpath(f"{name}.tiktoken"))


def get_encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken ``Encoding`` for ``cl100k_base``, ``o200k_base`` or ``llama3``."""
    # The Llama 3 path is part of the cache key: a new path (or M2M_LLAMA3_VOCAB) takes effect
    # without reloading the OpenAI vocabularies.
    return _load_encoding(name, _llama3_vocab_path() if name == LLAMA3 else None)


@functools.cache
def _load_encoding(name: str, llama3_path: str | None) -> tiktoken.Encoding:
    try:
        if name == CL100K:
            ranks = load_tiktoken_bpe(_packaged(CL100K), expected_hash=_CL100K_SHA256)
            return tiktoken.Encoding(
                CL100K, pat_str=_CL100K_PAT, mergeable_ranks=ranks, special_tokens=_CL100K_SPECIAL
            )
        if name == O200K:
            ranks = load_tiktoken_bpe(_packaged(O200K), expected_hash=_O200K_SHA256)
            return tiktoken.Encoding(
                O200K, pat_str=_O200K_PAT, mergeable_ranks=ranks, special_tokens=_O200K_SPECIAL
            )
        if name == LLAMA3:
            path = llama3_path
            if not path:
                raise TokenizerError(
                    "Llama 3 vocabulary not configured: set M2M_LLAMA3_VOCAB or tokenizer.llama3_vocab"
                )
            ranks = load_tiktoken_bpe(path)
            if len(ranks) != _LLAMA3_RANKS:
                raise TokenizerError(f"{path}: expected {_LLAMA3_RANKS} Llama 3 ranks, found {len(ranks)}")
            return tiktoken.Encoding(
                LLAMA3, pat_str=_LLAMA3_PAT, mergeable_ranks=ranks, special_tokens=_llama3_special()
            )
    except TokenizerError:
        raise
    except (OSError, ValueError) as exc:
        raise TokenizerError(f"cannot load {name} vocabulary: {exc}") from exc
    raise TokenizerError(f"unknown encoding {name!r}; expected one of {', '.join(ENCODINGS)}")


get_encoding.cache_clear = _load_encoding.cache_clear  # type: ignore[attr-defined]


def _model_encoding(model: str) -> str | None:
    # A client chooses the model string: only names of a real model's length are remembered.
    if len(model) > MAX_MODEL_CHARS:
        from m2m.models import encoding_for

        return encoding_for(model)
    return _known_model_encoding(model)


@functools.lru_cache(maxsize=1024)
def _known_model_encoding(model: str) -> str | None:
    # Requests name the same few models over and over; the registry lookup normalises spellings.
    from m2m.models import encoding_for  # models -> tokenizer never imports back

    return encoding_for(model)


def resolve_encoding(*, model: str | None = None, encoding: str | None = None) -> tuple[str, bool]:
    """(encoding name, exact) for a model id or an explicit encoding.

    Unknown models and closed tokenizers fall back to o200k_base, marked inexact.
    """
    if encoding is not None:
        if encoding not in ENCODINGS:
            raise TokenizerError(f"unknown encoding {encoding!r}; expected one of {', '.join(ENCODINGS)}")
        return encoding, True
    if model is None:
        return O200K, True
    enc = _model_encoding(model)
    if enc == LLAMA3 and not llama3_available():
        return O200K, False
    if enc in (CL100K, O200K, LLAMA3):
        return enc, True
    return O200K, False


def encode_tokens(text: str, encoding: str = O200K) -> list[int]:
    """Token ids of ``text``; special-token text becomes its special id (as the Rust crate does)."""
    return get_encoding(encoding).encode(text, allowed_special="all")


def decode_tokens(ids: Sequence[int], encoding: str = O200K) -> bytes:
    """The exact bytes of ``ids``; raises ``KeyError`` for an id outside the vocabulary."""
    return get_encoding(encoding).decode_bytes(list(ids))


def count_tokens(text: str, *, model: str | None = None, encoding: str | None = None) -> TokenCount:
    """Number of tokens of ``text`` for ``model`` or ``encoding`` (default o200k_base)."""
    name, exact = resolve_encoding(model=model, encoding=encoding)
    n = len(get_encoding(name).encode(text, allowed_special="all"))
    return TokenCount(n, exact=exact, encoding=name)


# OpenAI's documented chat overhead: 3 tokens per message, +1 with a name, 3 to prime the reply.
_TOKENS_PER_MESSAGE = 3
_TOKENS_PER_NAME = 1
_REPLY_PRIMING = 3


def _value_texts(key: str, value: Any) -> Iterable[str]:
    """The texts of a message field that is not a string (content parts, tool calls, ...)."""
    if key == "content" and isinstance(value, list):
        for part in value:
            if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                yield part["text"]
    else:
        yield json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class TextCache:
    """Token counts of texts seen before, per encoding: system prompts, tool schemas and every
    earlier turn of a conversation repeat on each request. Bounded in entries and text size;
    cleared when full. Not shared between threads."""

    __slots__ = ("_by_encoding", "_size", "max_entries", "max_text", "models")

    def __init__(self, max_entries: int = 8192, max_text: int = 64 * 1024) -> None:
        self.max_entries = max_entries
        self.max_text = max_text
        self._by_encoding: dict[str, dict[str, int]] = {}
        self._size = 0
        # model id -> (encoding name, exact, encoding): requests name a few models over and over.
        self.models: dict[str | None, tuple[str, bool, tiktoken.Encoding]] = {}

    def remember_model(
        self, model: str | None, name: str, exact: bool, enc: tiktoken.Encoding
    ) -> tuple[str, bool, tiktoken.Encoding]:
        entry = (name, exact, enc)
        if model is not None and len(model) > MAX_MODEL_CHARS:
            return entry  # a name no model has: not worth keeping (a client chose its size)
        if len(self.models) >= 1024:
            self.models.clear()
        self.models[model] = entry
        return entry

    def counts(self, name: str) -> dict[str, int]:
        """The known counts of one encoding (read-only use)."""
        counts = self._by_encoding.get(name)
        if counts is None:
            counts = self._by_encoding[name] = {}
        return counts

    def count(self, enc: tiktoken.Encoding, name: str, text: str) -> int:
        counts = self.counts(name)
        n = counts.get(text)
        if n is None:
            n = len(enc.encode(text, allowed_special="all"))
            if len(text) <= self.max_text:
                if self._size >= self.max_entries:
                    for known in self._by_encoding.values():
                        known.clear()
                    self._size = 0
                counts[text] = n
                self._size += 1
        return n


# Above this much text in one request, counting exactly costs more than it is worth on a proxy's
# hot path (BPE on one long unbroken "word" is superlinear): the count becomes an estimate.
MAX_EXACT_CHARS = 1024 * 1024
# The usual estimate for English text in these encodings.
_CHARS_PER_TOKEN = 4


def count_chat_tokens(
    messages: Sequence[Mapping[str, Any]],
    *,
    model: str | None = None,
    encoding: str | None = None,
    cache: TextCache | None = None,
    max_chars: int | None = None,
) -> TokenCount:
    """Prompt tokens of a chat ``messages`` list, with OpenAI's per-message overhead.

    Exact for the text; the overhead follows OpenAI's published recipe, so the result is marked
    exact only when the encoding is exact (providers may add their own template tokens). With
    ``max_chars``, a list holding more text than that gets an estimate (``exact=False``) instead.
    """
    if cache is not None and encoding is None:
        resolved = cache.models.get(model)
        if resolved is None:
            name, exact = resolve_encoding(model=model)
            resolved = cache.remember_model(model, name, exact, get_encoding(name))
        name, exact, enc = resolved
    else:
        name, exact = resolve_encoding(model=model, encoding=encoding)
        enc = get_encoding(name)
    texts: list[str] = []
    total = _REPLY_PRIMING
    chars = 0
    for message in messages:
        if type(message) is not dict and not isinstance(message, Mapping):
            continue
        total += _TOKENS_PER_MESSAGE
        for key, value in message.items():
            if isinstance(value, str):
                texts.append(value)
                chars += len(value)
            elif value is not None:
                for text in _value_texts(key, value):
                    texts.append(text)
                    chars += len(text)
        if "name" in message:
            total += _TOKENS_PER_NAME
    if max_chars is not None and chars > max_chars:
        return TokenCount(total + chars // _CHARS_PER_TOKEN, exact=False, encoding=name)
    if cache is not None:
        known = cache.counts(name).get
        for text in texts:
            n = known(text)
            total += cache.count(enc, name, text) if n is None else n
    else:
        total += sum(len(enc.encode(text, allowed_special="all")) for text in texts)
    return TokenCount(total, exact=exact, encoding=name)

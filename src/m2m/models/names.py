"""Model id spellings: one lookup key for the many ways servers name the same model.

OpenAI says ``gpt-4o-2024-08-06``, OpenRouter ``openai/gpt-4o``, Anthropic ``claude-3-5-sonnet-20241022``,
Ollama ``llama3.1:8b``, vLLM ``meta-llama/Llama-3.1-8B-Instruct``, Vertex ``claude-3-5-sonnet@20240620``.
:func:`lookup_keys` turns each into the keys the registry indexes (most specific first), and
:func:`family_encoding` names the tokenizer of ids the registry does not list.
"""

from __future__ import annotations

import re

__all__ = ["family_encoding", "lookup_keys", "normalize"]

# Suffixes that name a snapshot or packaging of a model, not a different model.
_SNAPSHOT = re.compile(
    r"(?:[-_](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|\d{3}|\d{2}-\d{2}|latest|instruct|preview|exp|it|hf|chat-hf)"
    r"|@[\w.-]*)$"
)
_VENDOR_PREFIX = re.compile(r"^(?:meta-|mistralai-)")
# Amazon Bedrock: "us.anthropic.claude-3-5-sonnet-20240620-v1:0", "openai.gpt-oss-20b-1:0".
_BEDROCK = re.compile(
    r"^(?:(?:us|eu|apac|global)\.)?(?:openai|anthropic|meta|mistral|cohere|amazon|deepseek|qwen|ai21|writer)\."
)
_BEDROCK_VERSION = re.compile(r"-v?\d+$")
# "llama3.1" -> "llama-3.1": Ollama and Hugging Face glue the family name to the version.
_FAMILY_GLUE = re.compile(r"^(llama|qwen|gemma|phi|grok)(?=\d)")
# "claude-3-5-sonnet" -> "claude-3.5-sonnet", "claude-opus-4-1" -> "claude-opus-4.1"; not "llama-3-8b".
_DASHED_VERSION = re.compile(r"(?<=\d)-(\d)(?=-|$)")
# An Ollama tag that starts with a parameter count: "8b", "8b-instruct-q4_K_M", "0.5b".
_SIZE_TAG = re.compile(r"^(\d+(?:\.\d+)?[bm]|\d+x\d+b)\b")
_MAX_SHORTENING = 3

# Tokenizer families of ids the registry does not list (fine-tunes, new snapshots, aliases).
# Order matters: "gpt-4o" and "gpt-4.1" before "gpt-4".
_FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^(?:gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o[134](?:-|$)|codex-mini|"
            r"computer-use|gpt-realtime|gpt-audio|gpt-image|omni-moderation)"
        ),
        "o200k_base",
    ),
    (
        re.compile(
            r"^(?:gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002|davinci-002|babbage-002)"
        ),
        "cl100k_base",
    ),
    (re.compile(r"^llama-3(?:\.[0-3])?(?:-|$)"), "llama3"),
)


def _strip_snapshot(name: str) -> str:
    while True:
        shorter = _SNAPSHOT.sub("", name)
        if shorter == name or not shorter:
            return name
        name = shorter


def normalize(model_id: str) -> tuple[str, str | None]:
    """(lookup name, tag) of ``model_id``; the tag is what follows ``:`` (Ollama size or variant)."""
    name = model_id.strip().lower()
    if name.startswith("ft:"):  # OpenAI fine-tune: ft:<base>:<org>:<suffix>:<id>
        name = name.split(":")[1]
    tag: str | None = None
    if ":" in name:  # Ollama "name:tag", OpenRouter "id:free", Bedrock "...-v1:0"
        name, tag = name.split(":", 1)
        tag = None if tag in ("", "latest") else tag
    name = name.rsplit("/", 1)[-1]
    bedrock = _BEDROCK.match(name)
    if bedrock:
        name = _BEDROCK_VERSION.sub("", name[bedrock.end() :])
        tag = None
    name = _VENDOR_PREFIX.sub("", name)
    name = _strip_snapshot(name)
    name = _FAMILY_GLUE.sub(r"\1-", name)
    name = _DASHED_VERSION.sub(r".\1", name)
    return name, tag


def lookup_keys(model_id: str) -> list[str]:
    """Registry keys to try for ``model_id``, most specific first.

    Unknown trailing parts are shortened away a few at a time ("llama-4-scout-17b-16e" finds
    "llama-4-scout"), never below the family name.
    """
    name, tag = normalize(model_id)
    keys: list[str] = []
    if tag:
        keys.append(f"{name}-{tag}")  # "llama4:maverick"
        size = _SIZE_TAG.match(tag)
        if size:
            keys.append(f"{name}-{size.group(1)}")  # "llama3.1:8b-instruct-q4_K_M"
    keys.append(name)
    parts = name.split("-")
    for cut in range(1, min(_MAX_SHORTENING, len(parts) - 1) + 1):
        keys.append("-".join(parts[:-cut]))
    return [k for k in dict.fromkeys(keys) if k]


def family_encoding(model_id: str) -> str | None:
    """The tokenizer of ``model_id`` by its family name, or None when it is not an open one."""
    name, _ = normalize(model_id)
    for pattern, encoding in _FAMILIES:
        if pattern.search(name):
            return encoding
    return None

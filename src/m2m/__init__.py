"""m2m: lossless, token-aware compression, exact token counts and a prompt-injection screen for
OpenAI-style LLM API traffic.

    >>> from m2m import compress, decompress
    >>> wire = compress('{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}')
    >>> decompress(wire)
    '{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}'
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from m2m.errors import M2MError

__version__ = "0.1.0"

__all__ = [
    "M2MError",
    "ScanResult",
    "TokenCount",
    "__version__",
    "compress",
    "count_tokens",
    "decompress",
    "scan",
]

# Public names are imported on first use so that `import m2m` stays cheap and pure.
_LAZY = {
    "compress": "m2m.codec",
    "decompress": "m2m.codec",
    "count_tokens": "m2m.tokenizer",
    "TokenCount": "m2m.tokenizer",
    "scan": "m2m.security",
    "ScanResult": "m2m.security",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'm2m' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

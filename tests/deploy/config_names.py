"""Which ``M2M_*`` environment variables the deployment files may set.

A name counts as accepted when ``m2m.config.load`` reads it: some value of it changes the loaded
configuration or is refused with a ConfigError naming the key. Only the public ``load`` is used.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from m2m.config import load
from m2m.errors import ConfigError

__all__ = ["unaccepted"]

_PROBES = (
    "probe",
    "1",
    "0",
    "true",
    "0.5",
    "tcp",
    "m2m",
    "debug",
    "127.0.0.9:1",
    "http://probe.invalid:1/v1",
)


def _accepted(name: str, value: str) -> bool:
    default = load(env={}, path=os.devnull)
    for probe in (value, *_PROBES):
        try:
            if load(env={name: probe}, path=os.devnull) != default:
                return True
        except ConfigError:
            return True
    return False


def unaccepted(env: Iterable[tuple[str, str]]) -> list[str]:
    """Names among ``env`` (name, value) that ``m2m.config.load`` ignores."""
    return sorted({name for name, value in env if name.startswith("M2M_") and not _accepted(name, value)})

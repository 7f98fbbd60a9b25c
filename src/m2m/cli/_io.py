"""Input and output helpers shared by the sub-commands."""

from __future__ import annotations

import sys
from pathlib import Path


def read_input(path: str | None) -> bytes:
    """Bytes of ``path``, or of stdin when ``path`` is None or ``-``."""
    if path in (None, "-"):
        return sys.stdin.buffer.read()
    return Path(path).read_bytes()


def write_output(data: bytes | str, path: str | None) -> None:
    """Write to ``path``, or to stdout when ``path`` is None or ``-``."""
    raw = data.encode() if isinstance(data, str) else data
    if path in (None, "-"):
        sys.stdout.buffer.write(raw)
        sys.stdout.buffer.flush()
    else:
        Path(path).write_bytes(raw)

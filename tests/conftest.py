"""Shared fixtures. ``SHARED`` is the ``shared/`` folder beside the project root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("M2M_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
VOCAB = SHARED / "vocab"
SECURITY = SHARED / "security"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"shared data not found at {SHARED} (set M2M_SHARED)")
    return SHARED

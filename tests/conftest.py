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


@pytest.fixture(autouse=True)
def _no_developer_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's ``~/.m2m`` or ``M2M_*`` settings: a fresh home, no such
    variables (``M2M_SHARED`` names the test data, not a setting)."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    for name in list(os.environ):
        if name.startswith("M2M_") and name != "M2M_SHARED":
            monkeypatch.delenv(name)

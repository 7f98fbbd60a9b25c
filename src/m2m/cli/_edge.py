"""The only places m2m reads the environment and the home folder: the command line's edge.

Library code takes paths and mappings as arguments; these helpers compute them from
``os.environ`` and ``Path.home()`` for the CLI.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["load_model_cache", "model_cache_path"]


def model_cache_path() -> Path:
    """Where ``m2m models refresh`` keeps the model list (``$M2M_CACHE_DIR`` or ``~/.m2m/cache``)."""
    from m2m.models.openrouter import default_cache_path

    return default_cache_path(os.environ, Path.home())


def load_model_cache() -> None:
    """Add the fresh cached model list (if any) to the registry the commands use."""
    from m2m import models

    models.load_cache(model_cache_path())

"""The ``m2m`` command. ``main(argv) -> int``; each sub-command lives in its own module.

Every module in ``_COMMANDS`` exposes ``register(subparsers)``, which adds its parsers and sets
``func`` (``args -> int``) as the parser default. Heavy imports stay inside the ``func``s.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from m2m import __version__
from m2m.errors import M2MError

__all__ = ["main", "run"]

_COMMANDS = (
    "m2m.cli.codec",  # compress, decompress, bench
    "m2m.cli.tokens",  # tokens
    "m2m.cli.models",  # models list|show|refresh
    "m2m.cli.scan",  # scan
    "m2m.cli.proxy",  # proxy
    "m2m.cli.demo",  # demo
)

EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="m2m",
        description="Lossless compression, token counts and a safety screen for LLM API traffic.",
    )
    parser.add_argument("--version", action="version", version=f"m2m {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return int(func(args))
    except M2MError as exc:
        print(f"m2m: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"m2m: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def run() -> None:
    sys.exit(main())

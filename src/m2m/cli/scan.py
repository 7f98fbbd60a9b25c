"""``m2m scan``: screen a text or a chat request for prompt injection, jailbreaks, malformed input
and data exfiltration.

    m2m scan [FILE|-] [--threshold T] [--json]     exit 0 safe, 1 blocked, 2 error
    m2m scan --jsonl FILE [--threshold T]          one JSON result per input line

FILE holds plain text or an OpenAI-style chat request (JSON); ``-`` or nothing reads stdin.
``--jsonl`` lines are ``{"text": ...}`` or a chat request; each output line is the result with the
line number (and the input's ``id`` when it has one). Exit 1 when any input is blocked.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_SAFE = 0
EXIT_BLOCKED = 1
EXIT_ERROR = 2


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``scan`` to ``sub``."""
    p = sub.add_parser(
        "scan",
        help="screen a text or chat request for prompt injection and other threats",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", nargs="?", default=None, help="text or JSON chat request (default: stdin)")
    p.add_argument("--jsonl", metavar="FILE", help="scan each line of FILE ('-' for stdin)")
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="block at this confidence (0..1; 0 = monitor only; default 0.8)",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def _threshold(args: argparse.Namespace) -> float:
    from m2m.errors import RequestError
    from m2m.security import DEFAULT_THRESHOLD

    t = DEFAULT_THRESHOLD if args.threshold is None else float(args.threshold)
    if not 0.0 <= t <= 1.0:
        raise RequestError(f"--threshold must be within 0..1, got {t}")
    return t


def _describe(result: Any) -> str:
    verdict = "blocked" if result.blocked else ("flagged" if not result.safe else "safe")
    lines = [f"{verdict}  confidence={result.confidence:.2f}  threshold={result.threshold:.2f}"]
    for t in result.threats:
        snippet = f"  {t.snippet!r}" if t.snippet else ""
        lines.append(f"  {t.score:.2f}  {t.category}/{t.name}  at {t.location}{snippet}")
    return "\n".join(lines) + "\n"


def _scan_one(args: argparse.Namespace) -> int:
    from m2m.cli._io import read_input
    from m2m.security import scan

    result = scan(read_input(args.file), threshold=_threshold(args))
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(_describe(result))
    return EXIT_BLOCKED if result.blocked else EXIT_SAFE


def _scan_lines(args: argparse.Namespace) -> int:
    from m2m.cli._io import read_input
    from m2m.errors import M2MError
    from m2m.security import scan

    threshold = _threshold(args)
    raw = read_input(args.jsonl)
    status = EXIT_SAFE
    out = sys.stdout
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        record: dict[str, Any] = {"line": number}
        try:
            item = json.loads(line)
            if isinstance(item, dict) and "text" in item:
                target: Any = item["text"]
                if not isinstance(target, str):
                    raise ValueError('"text" must be a string')
            elif isinstance(item, dict):
                target = item
            else:
                raise ValueError('expected an object with "text" or a chat request')
            if isinstance(item, dict) and isinstance(item.get("id"), str | int):
                record["id"] = item["id"]
            result = scan(target, threshold=threshold)
            record.update(result.to_dict())
            if result.blocked and status == EXIT_SAFE:
                status = EXIT_BLOCKED
        except (ValueError, RecursionError, M2MError) as exc:
            record["error"] = str(exc) or type(exc).__name__
            status = EXIT_ERROR
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return status


def run(args: argparse.Namespace) -> int:
    if args.jsonl is not None:
        if args.file is not None:
            print("m2m scan: give FILE or --jsonl FILE, not both", file=sys.stderr)
            return EXIT_ERROR
        return _scan_lines(args)
    return _scan_one(args)

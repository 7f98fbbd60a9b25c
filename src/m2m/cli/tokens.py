"""``m2m tokens``: count the tokens of a file or stdin."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``tokens`` to ``sub``."""
    parser = sub.add_parser(
        "tokens",
        help="count tokens (exact for OpenAI encodings and Llama 3, else a marked estimate)",
        description=(
            "Count the tokens of FILE (default stdin). Exact for cl100k_base and o200k_base, and for "
            "Llama 3 when its vocabulary is configured; otherwise an estimate, and said so. For a chat "
            'request (JSON with "messages") it also prints the prompt estimate with OpenAI\'s '
            "per-message overhead. Without --model or --encoding, a chat request's own model is used."
        ),
    )
    parser.add_argument("file", nargs="?", default="-", metavar="FILE", help="input file, - for stdin")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("-m", "--model", help="model id or abbreviation (picks its tokenizer)")
    which.add_argument(
        "-e", "--encoding", choices=("cl100k_base", "o200k_base", "llama3"), help="tokenizer to use"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--llama3-vocab",
        metavar="PATH",
        help="Llama 3 vocabulary (Meta's tokenizer.model or llama3.tiktoken); "
        "default $M2M_LLAMA3_VOCAB, then [tokenizer] llama3_vocab in the config",
    )
    parser.add_argument("--config", metavar="FILE", help="config file (default ~/.m2m/config.toml)")
    parser.set_defaults(func=_tokens)


def _configure_llama3(args: argparse.Namespace) -> None:
    from m2m.cli._edge import load_model_cache
    from m2m.cli.models import config_value
    from m2m.errors import ConfigError, TokenizerError
    from m2m.tokenizer import set_llama3_vocab

    load_model_cache()
    path = args.llama3_vocab or os.environ.get("M2M_LLAMA3_VOCAB") or None
    if path is None:
        configured = config_value("tokenizer", "llama3_vocab", args.config)
        if configured is not None and not isinstance(configured, str):
            raise ConfigError("expected a file path", key="tokenizer.llama3_vocab")
        path = configured
    if path is None:
        return
    file = Path(path).expanduser()
    if not file.is_file():
        raise TokenizerError(f"Llama 3 vocabulary not found: {file}")
    set_llama3_vocab(file)


def _why_estimate(model: str | None, encoding: str) -> str:
    from m2m import models

    if model is not None and models.encoding_for(model) == "llama3":
        return "Llama 3 vocabulary not configured (--llama3-vocab or M2M_LLAMA3_VOCAB)"
    if model is not None and models.get(model) is None:
        return f"unknown model, counted with {encoding}"
    return f"closed tokenizer, counted with {encoding}"


def _tokens(args: argparse.Namespace) -> int:
    from m2m.cli._io import read_input
    from m2m.errors import RequestError
    from m2m.tokenizer import count_chat_tokens, count_tokens

    _configure_llama3(args)
    raw = read_input(args.file)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(f"input is not UTF-8 text (byte {exc.start})") from None

    request: dict[str, Any] | None = None
    if text.lstrip()[:1] == "{":
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("messages"), list):
            request = parsed
    model = args.model
    if (
        model is None
        and args.encoding is None
        and request is not None
        and isinstance(request.get("model"), str)
    ):
        model = request["model"]

    total = count_tokens(text, model=model, encoding=args.encoding)
    out: dict[str, Any] = {
        "tokens": int(total),
        "exact": total.exact,
        "encoding": total.encoding,
        "model": model,
        "bytes": len(raw),
    }
    if not total.exact:
        out["estimate_reason"] = _why_estimate(model, total.encoding)
    if request is not None:
        messages = [m for m in request["messages"] if isinstance(m, dict)]
        chat = count_chat_tokens(messages, model=model, encoding=args.encoding)
        out["chat_tokens"] = int(chat)

    if args.json:
        print(json.dumps(out))
        return 0
    if total.exact:
        print(f"{int(total)} tokens ({total.encoding})")
    else:
        print(f"{int(total)} tokens (estimate): {out['estimate_reason']}")
    if request is not None:
        print(f"{out['chat_tokens']} prompt tokens in the messages (estimate): text + per-message overhead")
    return 0

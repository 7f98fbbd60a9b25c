"""``m2m compress``, ``m2m decompress`` and ``m2m bench``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]

DEFAULT_CORPUS = Path("..") / "shared" / "corpus"
EXIT_ERROR = 2


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``compress``, ``decompress`` and ``bench`` to ``sub``."""
    comp = sub.add_parser(
        "compress",
        help="encode text or JSON into an m2m wire format",
        description=(
            "Encode FILE (default stdin) and write the wire form to stdout or -o. The default "
            "algorithm, auto, picks the smallest form for the payload and never grows it. Wire "
            "compression saves bytes; a provider still bills the tokens of the decoded request."
        ),
    )
    comp.add_argument("file", nargs="?", default="-", metavar="FILE", help="input file, - for stdin")
    comp.add_argument(
        "-a",
        "--algorithm",
        default="auto",
        metavar="ALGO",
        help="auto (default), t1, tokennative|tk, brotli|br, zstd|zd, none",
    )
    comp.add_argument(
        "--encoding",
        choices=("cl100k_base", "o200k_base", "llama3"),
        help="tokenizer for tokennative (default o200k_base)",
    )
    comp.add_argument("--binary", action="store_true", help="write the binary form")
    comp.add_argument("-o", "--output", metavar="FILE", help="output file (default stdout)")
    comp.add_argument("--stats", action="store_true", help="print bytes, o200k tokens and ratio to stderr")
    comp.set_defaults(func=_compress)

    dec = sub.add_parser(
        "decompress",
        help="decode an m2m wire string (text or binary) back to the original text",
        description="Decode FILE (default stdin); input without an m2m prefix is written unchanged.",
    )
    dec.add_argument("file", nargs="?", default="-", metavar="FILE", help="input file, - for stdin")
    dec.add_argument("-o", "--output", metavar="FILE", help="output file (default stdout)")
    dec.set_defaults(func=_decompress)

    bench = sub.add_parser(
        "bench",
        help="benchmark the codecs on a corpus directory",
        description=(
            "Bytes, o200k tokens and encode/decode speed per payload kind for minified JSON, "
            "gzip/brotli/zstd + base64 and every m2m format. Corpus layout as shared/corpus: "
            "requests.jsonl, responses.jsonl, sessions.jsonl, streams/*.sse."
        ),
    )
    bench.add_argument(
        "--corpus", metavar="DIR", help=f"corpus directory (default {DEFAULT_CORPUS} if present)"
    )
    bench.add_argument("--held-out", action="store_true", help="only the half not used for training")
    bench.set_defaults(func=_bench)


def _compress(args: argparse.Namespace) -> int:
    from m2m.cli._io import read_input, write_output
    from m2m.codec import compress
    from m2m.codec._wire import utf8

    text = utf8(read_input(args.file), "input")
    wire = compress(text, args.algorithm, encoding=args.encoding, binary=args.binary)
    write_output(wire, args.output)
    if args.stats:
        _print_stats(text, wire)
    return 0


def _print_stats(text: str, wire: str | bytes) -> None:
    from m2m.tokenizer import count_tokens

    raw = len(text.encode("utf-8"))
    size = len(wire) if isinstance(wire, bytes) else len(wire.encode("utf-8"))
    tokens_in = count_tokens(text)
    tokens_out = "-" if isinstance(wire, bytes) else str(int(count_tokens(wire)))
    ratio = size / raw if raw else 1.0
    # Tokens of the wire text matter only where a model reads it (T1); a provider bills the decoded text.
    print(
        f"bytes {raw} -> {size} (ratio {ratio:.3f}); o200k tokens {int(tokens_in)} -> {tokens_out} "
        "(a provider bills the decoded text)",
        file=sys.stderr,
    )


def _decompress(args: argparse.Namespace) -> int:
    from m2m.cli._io import read_input, write_output
    from m2m.codec import decompress, detect

    data = read_input(args.file)
    if data[:1] == b"#" and data.endswith(b"\n"):
        # A wire string saved by an editor or `echo` gains a newline; base64 would reject it.
        stripped = data.rstrip(b"\r\n")
        if detect(stripped) is not None:
            data = stripped
    write_output(decompress(data), args.output)
    return 0


def _bench(args: argparse.Namespace) -> int:
    from m2m.cli.bench import run

    corpus = Path(args.corpus) if args.corpus else DEFAULT_CORPUS
    if not corpus.is_dir():
        print(f"m2m: error: corpus directory not found: {corpus} (use --corpus DIR)", file=sys.stderr)
        return EXIT_ERROR
    run(corpus, sys.stdout, held_out_only=args.held_out)
    return 0

"""Scanner evaluation: detection and false positives per source, and speed.

    python benchmarks/bench_security.py [FILE.jsonl ...] [--threshold 0.8] [--misses N]

Each input line is ``{"text": ..., "label": 0|1, "source": ...}`` (label 1 = injection, jailbreak
or exfiltration attempt). Without files it reads ../shared/security/prompts.jsonl and
tests/security/data/own.jsonl. Prints, per file and source, the detection rate on label 1 and the
false-positive rate on label 0 at the default threshold and at the threshold that gives 1% false
positives over the file, then microseconds per KB of text scanned (best of ``--repeat`` passes).
Rows are also summed per split: "holdout" rows (``split_of``, a hash of the text) were kept out
of rule tuning and out of the classifier's training.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from m2m.security import DEFAULT_THRESHOLD, ScanCache, scan, scan_request
from m2m.security.langid import guess_language
from m2m.security.split import split_of

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("M2M_SHARED", ROOT.parent / "shared"))
DEFAULT_FILES = (
    SHARED / "security" / "prompts.jsonl",
    ROOT / "tests/security/data/own.jsonl",
    ROOT / "tests/security/data/multilingual_benign.jsonl",
)


# The peer: a scanner of the kind issue 4 describes (about 20 case-insensitive regexes, each run
# over the whole text, any hit blocks), measured on the same texts in the same run.
NAIVE_PATTERNS = [
    r"ignore (?:all )?(?:previous|prior|above) (?:instructions|prompts)",
    r"disregard (?:all )?(?:previous|prior) (?:instructions|rules)",
    r"forget (?:everything|all) (?:you|previous)",
    r"you are now",
    r"act as (?:if|a|an)",
    r"pretend (?:to be|you are)",
    r"\bDAN\b",
    r"do anything now",
    r"developer mode",
    r"jailbreak",
    r"no (?:restrictions|filters|limits)",
    r"system prompt",
    r"reveal (?:your|the) (?:instructions|prompt)",
    r"<\|im_start\|>|\[INST\]",
    r"### ?system",
    r"\$[A-Za-z_]+",
    r"process\.env|os\.environ",
    r"/etc/passwd|\.ssh/id_rsa",
    r"api[_ ]?key",
    r"password",
]
NAIVE = [re.compile(p, re.IGNORECASE) for p in NAIVE_PATTERNS]


def naive_scan(text: str) -> float:
    return 1.0 if any(r.search(text) for r in NAIVE) else 0.0


def load(path: Path) -> list[dict[str, object]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def threshold_for_fp(benign_scores: list[float], fp_rate: float) -> float:
    """Smallest threshold whose false-positive rate on ``benign_scores`` is at most ``fp_rate``."""
    if not benign_scores:
        return DEFAULT_THRESHOLD
    ranked = sorted(benign_scores, reverse=True)
    allowed = int(fp_rate * len(ranked))
    # Scores at or above the threshold are flagged; step just past the (allowed+1)-th highest.
    cut = ranked[allowed] if allowed < len(ranked) else 0.0
    return min(1.0, cut + 1e-9)


def rate(flags: list[bool]) -> str:
    return f"{100.0 * sum(flags) / len(flags):6.1f}%" if flags else "     -"


def report(
    path: Path, rows: list[dict[str, object]], threshold: float, misses: int, peer: bool = False
) -> None:
    if peer:
        scores = [naive_scan(str(r["text"])) for r in rows]
        path = path.with_name(f"{path.name} -- peer: 20 naive regexes")
    else:
        scores = [scan(str(r["text"]), threshold=threshold).confidence for r in rows]
    benign = [s for s, r in zip(scores, rows, strict=True) if r["label"] == 0]
    t1 = threshold_for_fp(benign, 0.01)
    print(f"\n## {path.name} ({len(rows)} rows)  thresholds: default {threshold:.2f}, 1% FP {t1:.3f}\n")
    print(
        f"| source | n attack | n benign | detect @{threshold:.2f} | FP @{threshold:.2f} "
        f"| detect @{t1:.3f} | FP @{t1:.3f} | held out: detect @{threshold:.2f} (n) "
        f"| held out: FP @{threshold:.2f} (n) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    by_source: dict[str, list[tuple[float, int, bool]]] = defaultdict(list)
    for s, r in zip(scores, rows, strict=True):
        split = r.get("split") or split_of(str(r["text"]))
        item = (s, int(r["label"]), split == "holdout")  # type: ignore[call-overload]
        by_source[_group_of(r)].append(item)
        by_source[f"ALL ({split})"].append(item)
        by_source["ALL"].append(item)
    for source, group in sorted(by_source.items(), key=lambda kv: (kv[0].startswith("ALL"), kv[0])):
        att = [s for s, lab, _ in group if lab == 1]
        ben = [s for s, lab, _ in group if lab == 0]
        held_att = [s >= threshold for s, lab, held in group if lab == 1 and held]
        held_ben = [s >= threshold for s, lab, held in group if lab == 0 and held]
        print(
            f"| {source} | {len(att)} | {len(ben)} | {rate([s >= threshold for s in att])} "
            f"| {rate([s >= threshold for s in ben])} | {rate([s >= t1 for s in att])} "
            f"| {rate([s >= t1 for s in ben])} | {rate(held_att)} ({len(held_att)}) "
            f"| {rate(held_ben)} ({len(held_ben)}) |"
        )
    if misses:
        missed = [(s, r) for s, r in zip(scores, rows, strict=True) if r["label"] == 1 and s < threshold]
        false = [(s, r) for s, r in zip(scores, rows, strict=True) if r["label"] == 0 and s >= threshold]
        for title, items in (("missed attacks", missed), ("false positives", false)):
            print(f"\n{title} ({len(items)}):")
            for s, r in items[:misses]:
                text = " ".join(str(r["text"]).split())[:160]
                print(f"  {s:.2f} [{r.get('source')}] {text}")


def _group_of(row: dict[str, object]) -> str:
    """A row's line in the report: its source, or for rows that give only a language, English or not."""
    if "source" in row:
        return str(row["source"])
    if "lang" in row:
        return "English" if row["lang"] == "en" else "other languages"
    return "?"


def speed(texts: list[str], repeat: int, fn: object = scan) -> tuple[float, float]:
    """(microseconds per KB, microseconds per scan) of CPU time, best of ``repeat`` passes."""
    kb = sum(len(t.encode("utf-8")) for t in texts) / 1024.0
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for t in texts:
            fn(t)  # type: ignore[operator]
        best = min(best, time.process_time() - start)
    return best * 1e6 / kb, best * 1e6 / len(texts)


def _documents(texts: list[str], size: int = 64 * 1024) -> list[str]:
    """The same texts joined into documents of ``size`` characters: cost per KB without the
    per-call overhead that dominates short prompts."""
    joined = "\n\n".join(texts)
    return [joined[i : i + size] for i in range(0, len(joined), size)]


def languages(rows: list[dict[str, object]], threshold: float) -> None:
    """Detection per (guessed) language on the machine-translated attacks, both splits and held out."""
    by: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for r in rows:
        if str(r.get("source", "")).startswith("cyberseceval-multilingual"):
            text = str(r["text"])
            hit = scan(text).confidence >= threshold
            by[guess_language(text)].append((hit, split_of(text) == "holdout"))
    print(f"\n## translated attacks per guessed language (detect @{threshold:.2f})\n")
    print("| language | n | detect (all) | n held out | detect (held out) |")
    print("|---|---:|---:|---:|---:|")
    for lang, items in sorted(by.items(), key=lambda kv: -len(kv[1])):
        held = [h for h, is_held in items if is_held]
        print(f"| {lang} | {len(items)} | {rate([h for h, _ in items])} | {len(held)} | {rate(held)} |")


def corpus_traffic(threshold: float) -> None:
    """False positives on recorded benign traffic: every request of the corpus, read as chat."""
    requests = [
        json.loads(x) for x in (SHARED / "corpus/requests.jsonl").read_text("utf-8").splitlines() if x
    ]
    for line in (SHARED / "corpus/sessions.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            requests.extend(json.loads(line)["requests"])
    flagged = [scan_request(r, route="chat", threshold=threshold).blocked for r in requests]
    print(
        f"\n## recorded benign traffic (corpus requests + sessions): {len(requests)} requests, "
        f"blocked {rate(flagged)}"
    )


CASES = ROOT / "tests" / "security" / "data" / "cyberseceval_context.jsonl"


def _chat(system: str, user: str) -> dict[str, object]:
    return {"messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]}


def _sent_under(text: str, systems: list[str]) -> str:
    """The system prompt a benign text is sent under: one of ``systems``, by the text's digest."""
    return systems[int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") % len(systems)]


def in_context(benign: list[str], extra: list[Path], threshold: float) -> None:
    """CyberSecEval's test cases as the proxy sees them (system prompt and user turn in one request),
    the system prompts alone, and every benign text sent under one of them. ``extra``: other files
    of ``{"system", "user", "label"}`` requests, reported whole."""
    cases = load(CASES)
    print(f"\n## in context: {CASES.name} ({len(cases)} requests, system prompt + user turn)\n")
    print("| user turn | n | blocked (all) | n held out | blocked (held out) | user turn alone, held out |")
    print("|---|---:|---:|---:|---:|---:|")
    groups: dict[str, list[tuple[bool, bool, bool]]] = defaultdict(list)
    for c in cases:
        system, user = str(c["system"]), str(c["user"])
        flags = (
            scan_request(_chat(system, user), route="chat", threshold=threshold).blocked,
            scan(user, threshold=threshold).blocked,
            split_of(user) == "holdout",
        )
        lang = "English" if c["language"] == "English" else "translated"
        groups[f"{c['type']}, {c['risk']}, {lang}"].append(flags)
        groups[f"ALL {c['risk']}"].append(flags)
        groups["ALL"].append(flags)
    for name, flags in sorted(groups.items(), key=lambda kv: (kv[0].startswith("ALL"), kv[0])):
        held = [f for f in flags if f[2]]
        print(
            f"| {name} | {len(flags)} | {rate([f[0] for f in flags])} | {len(held)} | "
            f"{rate([f[0] for f in held])} | {rate([f[1] for f in held])} |"
        )
    systems = sorted({str(c["system"]) for c in cases})
    held_systems = [s for s in systems if split_of(s) == "holdout"]
    print(
        f"\nsystem prompts blocked alone: {rate([scan(s, threshold=threshold).blocked for s in systems])} "
        f"of {len(systems)}; held out (by the system prompt's split): "
        f"{rate([scan(s, threshold=threshold).blocked for s in held_systems])} of {len(held_systems)}"
    )
    under = [
        scan_request(_chat(_sent_under(t, systems), t), route="chat", threshold=threshold).blocked
        for t in benign
    ]
    alone = [scan(t, threshold=threshold).blocked for t in benign]
    held = [split_of(t) == "holdout" for t in benign]
    print(
        f"benign texts of the files above ({len(benign)}), each sent under one of those system prompts: "
        f"blocked {rate(under)} (alone: {rate(alone)}); held out ({sum(held)}): blocked "
        f"{rate([u for u, h in zip(under, held, strict=True) if h])} "
        f"(alone: {rate([a for a, h in zip(alone, held, strict=True) if h])})"
    )
    for path in extra:
        rows = load(path)
        print(f"\n### {path.name} ({len(rows)} requests)\n")
        print("| user turn | n | blocked in context | user turn alone |")
        print("|---|---:|---:|---:|")
        for label, name in ((1, "attack"), (0, "benign")):
            for lang in ("en", "other"):
                part = [r for r in rows if r["label"] == label and (r["lang"] == "en") == (lang == "en")]
                ctx = [
                    scan_request(_chat(str(r["system"]), str(r["user"])), route="chat").blocked for r in part
                ]
                own = [scan(str(r["user"]), threshold=threshold).blocked for r in part]
                print(f"| {name}, {lang} | {len(part)} | {rate(ctx)} | {rate(own)} |")
        req_systems = sorted({str(r["system"]) for r in rows})
        blocked = sum(scan(s, threshold=threshold).blocked for s in req_systems)
        print(f"\nits system prompts blocked alone: {blocked} of {len(req_systems)}")


def conversation(repeat: int) -> None:
    """Added latency per request of a growing 20-turn conversation, with and without the cache."""
    turns = []
    for i in range(20):
        turns.append(
            {
                "role": "user",
                "content": f"Turn {i}: " + "Could you compare the two offers again and "
                "list what changes in price, delivery and warranty? " * 4,
            }
        )
        turns.append({"role": "assistant", "content": "Here is the comparison you asked for. " * 12})
    requests = [
        {
            "model": "m",
            "messages": [{"role": "system", "content": "You are a shopping assistant."}, *turns[: 2 * k + 1]],
        }
        for k in range(20)
    ]
    size = len(json.dumps(requests[-1]).encode())
    title = f"20-turn conversation (last request {size / 1024:.1f} KB)"
    print(f"\n## {title}, CPU time per request, best of {repeat}\n")
    print("| scanning | mean per request | last request |")
    print("|---|---:|---:|")
    for label, use_cache in (("whole conversation every time", False), ("with ScanCache", True)):
        best_mean = best_last = float("inf")
        for _ in range(repeat):
            cache = ScanCache() if use_cache else None
            times = []
            for req in requests:
                start = time.process_time()
                scan_request(req, route="chat", cache=cache)
                times.append(time.process_time() - start)
            best_mean = min(best_mean, sum(times) / len(times))
            best_last = min(best_last, times[-1])
        print(f"| {label} | {best_mean * 1e3:.3f} ms | {best_last * 1e3:.3f} ms |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--misses", type=int, default=0, help="print up to N misses and false positives")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peer", action="store_true", help="also evaluate the naive 20-regex scanner")
    ap.add_argument("--rules-only", action="store_true", help="leave the shipped classifier out")
    ap.add_argument(
        "--context",
        type=Path,
        action="append",
        default=[],
        help='more {"system", "user", "label", "lang"} requests to scan in context',
    )
    args = ap.parse_args(argv)
    if args.rules_only:
        from m2m.security import model

        model.load = lambda name=model.MODEL_FILE: None
    files = args.files or [p for p in DEFAULT_FILES if p.exists()]
    all_texts: list[str] = []
    benign_texts: list[str] = []
    for path in files:
        rows = load(path)
        report(path, rows, args.threshold, args.misses)
        if args.peer:
            report(path, rows, args.threshold, 0, peer=True)
        if path.name == "prompts.jsonl":
            languages(rows, args.threshold)
        all_texts.extend(str(r["text"]) for r in rows)
        benign_texts.extend(str(r["text"]) for r in rows if r["label"] == 0)
    corpus_traffic(args.threshold)
    in_context(benign_texts, args.context, args.threshold)
    conversation(args.repeat)
    if all_texts:
        sizes = [len(t.encode("utf-8")) for t in all_texts]
        docs = _documents(all_texts)
        print(f"\nspeed (CPU time, best of {args.repeat}, Python {sys.version.split()[0]}):\n")
        print("| input | scanner | us/KB | us/scan |")
        print("|---|---|---:|---:|")
        label = f"{len(all_texts)} prompts (median {statistics.median(sizes):.0f} B)"
        for name, fn in (("m2m scan", scan), ("peer: 20 naive regexes", naive_scan)):
            per_kb, per_scan = speed(all_texts, args.repeat, fn)
            print(f"| {label} | {name} | {per_kb:.1f} | {per_scan:.1f} |")
        for name, fn in (("m2m scan", scan), ("peer: 20 naive regexes", naive_scan)):
            per_kb, per_scan = speed(docs, args.repeat, fn)
            print(f"| {len(docs)} documents of 64 KB | {name} | {per_kb:.1f} | {per_scan:.1f} |")
        # The same, from the benign rows only: documents with fewer attacks in them.
        benign_docs = _documents(benign_texts)
        label = f"{len(benign_docs)} documents of 64 KB, benign rows"
        for name, fn in (("m2m scan", scan), ("peer: 20 naive regexes", naive_scan)):
            per_kb, per_scan = speed(benign_docs, args.repeat, fn)
            print(f"| {label} | {name} | {per_kb:.1f} | {per_scan:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Train the scanner's shipped classifier (``src/m2m/security/data/model.json.gz``). A developer
tool, not part of the installed package; needs numpy.

    python tools/train_scanner.py                      # the default inputs below
    python tools/train_scanner.py FILE.jsonl ... --benign-requests REQUESTS.jsonl --out PATH
    python tools/train_scanner.py --guarded            # the guarded model (data/guarded.json.gz)

Inputs are labelled JSONL (``text``, ``label``; 1 = attack). By default: every labelled file in
$M2M_SHARED/security (``prompts.jsonl``), our own sets under ``tests/security/data`` (``own.jsonl``,
the hand-written multilingual benign turns ``multilingual_benign.jsonl``, 429 hand-written
benign system prompts in 20 languages, ``system_prompts.jsonl``, and round six's hand-written
attacks and look-alikes in 23 languages, ``multilingual_train.jsonl``). The round-two
hand-written set ``handwritten.jsonl`` is left out on purpose: it is an evaluation set for unseen
phrasings (its tune part guided the rules, never the classifier), and as benign
examples the model-visible texts of the recorded requests in $M2M_SHARED/corpus/requests.jsonl
(every message and its reasoning, tool description and tool schema: real application text; the
400 KB of long recorded sessions, ``sessions.jsonl``, are left out: as benign windows they tripled
the model for no held-out gain), and the system prompts
of CyberSecEval's test cases (``tests/security/data/cyberseceval_context.jsonl``: applications'
instructions that hold a password or a person's data and say not to reveal it; left out, the
model scored a quarter of them as attacks).

The guarded model (``--guarded``; ``m2m.security.context``) is the same kind of model over a user
turn's words plus marker words for what the request's system prompt keeps and the turn names
(``context.Guard.read``); a marker's weight is not scaled by the text's length. It trains on the
user turns of requests whose system prompt keeps something (``DEFAULT_CASES``: CyberSecEval's
security-violating cases and round six's ``context_train.jsonl``), the attacks of ``own.jsonl``,
and every benign text of the default files and recorded requests, each sent under one of those
system prompts. The shipped guarded model was trained on fewer files than today's defaults (its
``meta`` lists them): retrained on today's defaults in round ten, it blocked fewer extraction
attempts in context (context_unseen 55%, was 59.5%), so it was kept.

The split: a text is trained on only when ``m2m.security.split.split_of(text) == "tune"`` (SHA-256
of the text, 3 in 4); the held-out quarter is never trained on, never used to pick a setting, and
is what tests/security/test_evaluation.py and benchmarks/bench_security.py report on.

The model is L2-regularised logistic regression over word counts (``model.tokens``), the stems
of the words and adjacent word pairs (``model.stems``, ``model.pairs``: scoring stays three
dictionary look-ups per word), normalised by the square root of the word count plus
``model.SMOOTH``, fitted with full-batch Adam. Texts longer than ``model.WHOLE_TOKENS`` words are
trained on as windows of that size, the way they are scored. Benign texts longer than
``model.SHORT_TOKENS`` words also give their short windows as benign examples: at inference every
short window of a long text is scored. The guarded model reads words only. Margins are calibrated by
Platt scaling on 4-fold out-of-fold margins computed by the inference code.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from m2m.security.context import guard_of  # noqa: E402
from m2m.security.model import SHORT_TOKENS, SMOOTH, WHOLE_TOKENS, Model, pairs, stems, tokens  # noqa: E402
from m2m.security.normalize import fold  # noqa: E402
from m2m.security.split import split_of  # noqa: E402

SHARED = Path(os.environ.get("M2M_SHARED", ROOT.parent / "shared"))
DEFAULT_FILES = (
    SHARED / "security" / "prompts.jsonl",
    ROOT / "tests" / "security" / "data" / "own.jsonl",
    ROOT / "tests" / "security" / "data" / "multilingual_benign.jsonl",
    ROOT / "tests" / "security" / "data" / "system_prompts.jsonl",
    ROOT / "tests" / "security" / "data" / "multilingual_train.jsonl",
    ROOT / "tests" / "security" / "data" / "preferences_benign.jsonl",
    ROOT / "tests" / "security" / "data" / "lookalike_benign.jsonl",
    # Evaluation sets of earlier rounds, each measured once as unseen and a regression set since.
    *(
        ROOT / "tests" / "security" / "data" / name
        for name in (
            "round3.jsonl",
            "multilingual_unseen.jsonl",
            "multilingual_unseen2.jsonl",
            "multilingual_unseen3.jsonl",
            "multilingual_unseen4.jsonl",
            "multilingual_unseen5.jsonl",
            "multilingual_unseen6.jsonl",
            "multilingual_unseen7.jsonl",
            "multilingual_unseen8.jsonl",
            "english_unseen.jsonl",
            "english_unseen2.jsonl",
            "english_unseen3.jsonl",
            "english_unseen4.jsonl",
            "english_unseen5.jsonl",
            "hard_benign_unseen.jsonl",
            "hard_benign_unseen2.jsonl",
        )
    ),
)
DEFAULT_REQUESTS = (SHARED / "corpus" / "requests.jsonl",)
# Applications' own system prompts (CyberSecEval's test cases): instructions that hold a password
# or a person's data and say not to reveal it. Benign as written; the attacks are the user turns.
DEFAULT_SYSTEM_PROMPTS = (
    ROOT / "tests" / "security" / "data" / "cyberseceval_context.jsonl",
    ROOT / "tests" / "security" / "data" / "context_train.jsonl",
    *(ROOT / "tests" / "security" / "data" / f"context_unseen{n}.jsonl" for n in ("", "2", "3", "4")),
)
OUT = ROOT / "src" / "m2m" / "security" / "data" / "model.json.gz"

# The guarded model (``--guarded``): user turns sent under instructions that keep something secret.
# Cases are ``{"system", "user"}`` requests, labelled by ``label`` or, in CyberSecEval's, by
# ``risk`` (security-violating: the turn asks for what the system prompt holds; logic-violating
# cases break a topic rule and are left out). Their attacks and the attacks of ``own.jsonl``
# are the attacks; benign texts of the default files and the recorded requests, each sent under
# one of the cases' system prompts, are the benign examples.
DEFAULT_CASES = (
    ROOT / "tests" / "security" / "data" / "cyberseceval_context.jsonl",
    ROOT / "tests" / "security" / "data" / "context_train.jsonl",
)
GUARDED_ATTACKS = (ROOT / "tests" / "security" / "data" / "own.jsonl",)
GUARDED_OUT = ROOT / "src" / "m2m" / "security" / "data" / "guarded.json.gz"


# Function words carry no intent of their own, yet a long benign text repeats them: with a weight
# they add up over a window ("was", "and" in a page of minutes). They get no weight (they still
# count in the length norm, as at inference).
_STOP = (
    "a an the and or but if then so of to in on at by for with from as is are was were be been being am "
    "it its this that these those there here i me my we our you your he him his she her they them their "
    "do does did have has had will would can could should shall may might must not no yes"
)
STOP_WORDS = frozenset(_STOP.split())


def load_labelled(paths: list[Path]) -> list[tuple[str, int]]:
    rows: list[tuple[str, int]] = []
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append((str(row["text"]), int(row["label"])))
    return rows


def _strings(node: Any) -> Iterator[str]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def request_texts(path: Path) -> list[str]:
    """Model-visible texts of recorded requests: message contents and reasoning of every role, tool
    call arguments, tool descriptions and schemas."""
    texts: list[str] = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        req = json.loads(line)
        if not isinstance(req, dict):
            continue
        for msg in req.get("messages") or []:
            if isinstance(msg, dict):
                texts.extend(t for t in _strings(msg.get("content")) if len(t) > 3)
                # A model's reasoning sent back with its turn is read by the scanner too.
                for key in ("reasoning", "reasoning_content"):
                    if isinstance(msg.get(key), str) and len(msg[key]) > 3:
                        texts.append(msg[key])
                for call in msg.get("tool_calls") or []:
                    args = (call.get("function") or {}).get("arguments") if isinstance(call, dict) else None
                    if isinstance(args, str) and len(args) > 3:
                        texts.append(args)
        for tool in req.get("tools") or []:
            fn = tool.get("function", tool) if isinstance(tool, dict) else None
            if isinstance(fn, dict):
                if isinstance(fn.get("description"), str):
                    texts.append(fn["description"])
                texts.append(" ".join(_strings(fn.get("parameters"))))
    return sorted(set(t for t in texts if t.strip()))


def _system_texts(files: list[Path]) -> frozenset[str]:
    """The texts of the labelled files that are system prompts (``system_prompts.jsonl``)."""
    return frozenset(
        t for path in files if path.name == "system_prompts.jsonl" for t, _ in load_labelled([path])
    )


def system_prompts(path: Path) -> list[str]:
    """The distinct system prompts of a file of ``{"system", "user", ...}`` test cases."""
    lines = path.read_text("utf-8").splitlines()
    return sorted({json.loads(line)["system"] for line in lines if line.strip()})


# A row to train on: a text, its label (1 = attack) and marker words that stand for what is known of
# it besides its words (``Model.margin``'s ``markers``; the guarded model's ``context.Asked``).
Row = tuple[str, int, tuple[str, ...]]


def _sent_under(text: str, systems: list[str]) -> str:
    """The system prompt a standalone text is sent under: one of ``systems``, by the text's digest."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return systems[int.from_bytes(digest[:8], "big") % len(systems)]


def guarded_rows(case_files: list[Path], attack_files: list[Path], benign: list[str]) -> list[Row]:
    """Rows for the guarded model: the tune user turns of ``case_files`` whose system prompt sets a
    guard, then the tune attacks of ``attack_files`` and the ``benign`` texts, each sent under one
    of those system prompts (tune ones), with the markers the guard reads in them."""
    rows: list[Row] = []
    systems: set[str] = set()
    for path in case_files:
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            system, user = str(case["system"]), str(case["user"])
            guard = guard_of((system,))
            if guard is None:
                continue
            if "risk" in case:
                if case["risk"] != "security-violating":
                    continue
                label = 1
            else:
                label = int(case["label"])
            if split_of(system) == "tune":
                systems.add(system)
            if split_of(user) == "tune":
                rows.append((user, label, guard.read(user).markers))
    under = sorted(systems)
    extra = [(t, 1) for t, lab in load_labelled(attack_files) if lab == 1 and split_of(t) == "tune"]
    extra += [(t, 0) for t in benign]
    for text, label in extra:
        guard = guard_of((_sent_under(text, under),))
        assert guard is not None
        rows.append((text, label, guard.read(text).markers))
    return rows


def examples(rows: list[Row]) -> list[tuple[list[str], int]]:
    """Word lists to train on: whole texts, long texts in windows, benign short windows; each
    with the row's markers, which count in every window as they do at inference."""
    return [(words, label) for words, label, _ in _examples(rows)]


def _examples(rows: list[Row]) -> list[tuple[list[str], int, int]]:
    """``examples``, each with the index of the row it came from."""
    out: list[tuple[list[str], int, int]] = []
    for index, (text, label, markers) in enumerate(rows):
        words = tokens(fold(text))
        if not words:
            continue
        marks = list(markers)
        if len(words) <= WHOLE_TOKENS:
            out.append((words + marks, label, index))
        else:
            step = WHOLE_TOKENS
            out.extend((words[lo : lo + step] + marks, label, index) for lo in range(0, len(words), step))
        if label == 0 and len(words) > SHORT_TOKENS:
            step = SHORT_TOKENS
            out.extend((words[lo : lo + step] + marks, 0, index) for lo in range(0, len(words), step))
    return out


def _features(words: list[str], rich: bool) -> dict[str, int]:
    """Feature counts of one example: its words but stop words, marker words (``#...``) and,
    ``rich``, the stems and pairs of its words (``model.stems``, ``model.pairs``)."""
    out: dict[str, int] = {}
    for w in words:
        if w not in STOP_WORDS:
            out[w] = out.get(w, 0) + 1
    if rich:
        plain = [w for w in words if not w.startswith("#")]
        for f in (*stems(plain), *pairs(plain)):
            if f:
                out[f] = out.get(f, 0) + 1
    return out


def _weights(y: Any) -> Any:
    """Class-balanced weights: attacks and benign examples weigh the same in total."""
    import numpy as np

    pos = y.sum()
    return np.where(y == 1, (len(y) - pos) / max(pos, 1), 1.0)


def _fit(docs: list[Any], y: Any, sample_w: Any, n_feat: int, l2: float, epochs: int) -> tuple[Any, float]:
    import numpy as np

    ids = np.concatenate([d[0] for d in docs])
    vals = np.concatenate([d[1] for d in docs])
    owner = np.repeat(np.arange(len(docs)), [len(d[0]) for d in docs])
    norm = np.array([d[2] for d in docs])
    w = np.zeros(n_feat)
    b = 0.0
    step = 0.05
    m_w = np.zeros(n_feat)
    v_w = np.zeros(n_feat)
    m_b = v_b = 0.0
    total = sample_w.sum()
    for t in range(1, epochs + 1):
        margin = np.bincount(owner, weights=w[ids] * vals, minlength=len(docs)) * norm + b
        p = 1.0 / (1.0 + np.exp(-np.clip(margin, -30, 30)))
        err = (p - y) * sample_w
        grad_w = np.bincount(ids, weights=(err * norm)[owner] * vals, minlength=n_feat) / total + l2 * w
        grad_b = float(err.sum() / total)
        m_w = 0.9 * m_w + 0.1 * grad_w
        v_w = 0.999 * v_w + 0.001 * grad_w**2
        m_b = 0.9 * m_b + 0.1 * grad_b
        v_b = 0.999 * v_b + 0.001 * grad_b**2
        w -= step * (m_w / (1 - 0.9**t)) / (np.sqrt(v_w / (1 - 0.999**t)) + 1e-8)
        b -= step * (m_b / (1 - 0.9**t)) / (math.sqrt(v_b / (1 - 0.999**t)) + 1e-8)
    return w, b


def _platt(margins: list[float], labels: list[int]) -> tuple[float, float]:
    a, c = 1.0, 0.0
    for _ in range(3000):
        ga = gc = 0.0
        for m, y in zip(margins, labels, strict=True):
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, a * m + c))))
            ga += (p - y) * m
            gc += p - y
        a -= 0.1 * ga / len(margins)
        c -= 0.1 * gc / len(margins)
    return a, c


def _encode(exs: list[tuple[list[str], int]], vocab: dict[str, int], rich: bool) -> list[Any]:
    """Per example: feature ids, values and the length norm. Marker words (``#...``) are not words
    of the text: they do not count in the length, and their value undoes the norm, so a marker's
    weight adds to the margin as it is (``Model.margin``)."""
    import numpy as np

    docs = []
    for words, _label in exs:
        counts: dict[int, float] = {}
        n_words = sum(not w.startswith("#") for w in words)
        unnorm = math.sqrt(n_words + SMOOTH)
        for f, value in _features(words, rich).items():
            i = vocab.get(f)
            if i is not None:
                counts[i] = counts.get(i, 0.0) + (unnorm if f.startswith("#") else value)
        docs.append(
            (
                np.fromiter(counts.keys(), dtype=np.int64, count=len(counts)),
                np.fromiter(counts.values(), dtype=float, count=len(counts)),
                1.0 / unnorm,
            )
        )
    return docs


def _model(w: Any, b: float, inv: dict[int, str], keep_above: float, rich: bool) -> Model:
    import numpy as np

    words = {inv[int(i)]: float(w[i]) for i in np.nonzero(np.abs(w) > keep_above)[0]}
    return Model(words, float(b), stems=rich, pairs=rich)


def train(
    rows: list[Row],
    *,
    min_count: int = 3,
    l2: float = 1e-5,
    epochs: int = 400,
    folds: int = 4,
    keep_above: float = 0.05,
    rich: bool = True,
) -> tuple[Model, dict[str, Any]]:
    import numpy as np

    indexed = _examples(rows)
    exs = [(words, label) for words, label, _ in indexed]
    counts: dict[str, int] = {}
    for words, _ in exs:
        for f in _features(words, rich):
            counts[f] = counts.get(f, 0) + 1
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= min_count))}
    inv = {i: f for f, i in vocab.items()}
    docs = _encode(exs, vocab, rich)
    y = np.array([lab for _, lab in exs], dtype=float)
    sample_w = _weights(y)

    # Out-of-fold margins of the original texts, scored the way the scanner scores them.
    text_fold = [i % folds for i in range(len(rows))]
    ex_fold_arr = np.array([text_fold[i] for _, _, i in indexed])
    oof: list[float] = []
    oof_y: list[int] = []
    for k in range(folds):
        tr = np.where(ex_fold_arr != k)[0]
        w, b = _fit([docs[i] for i in tr], y[tr], sample_w[tr], len(vocab), l2, epochs)
        fold_model = _model(w, b, inv, keep_above, rich)
        for (text, label, markers), tk in zip(rows, text_fold, strict=True):
            if tk == k:
                oof.append(fold_model.margin(tokens(fold(text)), markers))
                oof_y.append(label)
    scale, shift = _platt(oof, oof_y)

    w, b = _fit(docs, y, sample_w, len(vocab), l2, epochs)
    model = _model(w, b, inv, keep_above, rich)
    model.scale, model.shift = scale, shift
    oof_arr = np.array(oof)
    oof_y_arr = np.array(oof_y)
    calibrated = 1.0 / (1.0 + np.exp(-(scale * oof_arr + shift)))
    meta = {
        "texts": len(rows),
        "examples": len(exs),
        "attacks": int(sum(lab for _, lab, _ in rows)),
        "words": len(model.words),
        "l2": l2,
        "epochs": epochs,
        "oof_detect_at_0.8": round(float((calibrated[oof_y_arr == 1] >= 0.8).mean()), 4),
        "oof_fp_at_0.8": round(float((calibrated[oof_y_arr == 0] >= 0.8).mean()), 4),
    }
    return model, meta


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Train the scanner's classifier.")
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--benign-requests", type=Path, action="append", default=[])
    ap.add_argument("--benign-system", type=Path, action="append", default=[])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--epochs", type=int, default=400)
    ap.add_argument("--l2", type=float, default=1e-5)
    ap.add_argument("--guarded", action="store_true", help="train the guarded model (GUARDED_OUT)")
    ap.add_argument("--cases", type=Path, action="append", default=[], help="with --guarded")
    args = ap.parse_args(argv)
    files = args.files or list(DEFAULT_FILES)
    request_files = args.benign_requests or list(DEFAULT_REQUESTS)
    labelled = [(t, lab) for t, lab in load_labelled(files) if split_of(t) == "tune"]
    requests = [t for path in request_files for t in request_texts(path) if split_of(t) == "tune"]
    if args.guarded:
        case_files = args.cases or list(DEFAULT_CASES)
        # Standalone benign texts, not system prompts: those are the other side of the request.
        systems = _system_texts(files)
        benign = [t for t, lab in labelled if lab == 0 and t not in systems] + requests
        rows = guarded_rows(case_files, list(GUARDED_ATTACKS), benign)
        model, meta = train(rows, epochs=args.epochs, l2=args.l2, rich=False)
        meta["sources"] = [p.name for p in [*case_files, *GUARDED_ATTACKS, *files, *request_files]]
        out = GUARDED_OUT if args.out == OUT else args.out
    else:
        rows = [(t, lab, ()) for t, lab in labelled] + [(t, 0, ()) for t in requests]
        system_files = args.benign_system or list(DEFAULT_SYSTEM_PROMPTS)
        for path in system_files:
            rows.extend((t, 0, ()) for t in system_prompts(path) if split_of(t) == "tune")
        model, meta = train(rows, epochs=args.epochs, l2=args.l2)
        meta["sources"] = [p.name for p in [*files, *request_files, *system_files]]
        out = args.out
    meta["held_out"] = "texts with m2m.security.split.split_of(text) == 'holdout' were not trained on"
    out.write_bytes(gzip.compress(model.to_json(meta).encode("utf-8"), 9, mtime=0))
    print(json.dumps(meta, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

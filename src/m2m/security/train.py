"""Train the shipped classifier (``data/model.json``). A development tool; needs numpy.

    python -m m2m.security.train ../shared/security/prompts.jsonl tests/security/data/own.jsonl \\
        --benign-requests ../shared/corpus/requests.jsonl --out src/m2m/security/data/model.json

Inputs are labelled JSONL (``text``, ``label``). A quarter of every file, chosen by a hash of the
text (:func:`split_of`), is held out and never trained on, so the evaluation script can report
figures on text the model has not seen. ``--benign-requests`` adds the user and system turns of
recorded chat requests as benign examples. The model is L2-regularised logistic regression over
word unigrams and bigrams (``model.features``); its margin is calibrated with Platt scaling on
out-of-fold predictions, so ``predict`` returns a probability, not a raw score.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from pathlib import Path
from typing import Any

from m2m.security.model import SMOOTH, Model, features
from m2m.security.normalize import fold

__all__ = ["split_of", "train"]

HOLDOUT_SHARE = 4  # one text in four is held out


def split_of(text: str) -> str:
    """``"holdout"`` or ``"tune"``, fixed by the text itself."""
    digest = int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16)
    return "holdout" if digest % HOLDOUT_SHARE == 0 else "tune"


def _load(paths: list[Path]) -> list[tuple[str, int]]:
    rows: list[tuple[str, int]] = []
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append((str(row["text"]), int(row["label"])))
    return rows


def rule_score(text: str) -> float:
    """The rules' own score for ``text`` (the classifier left out)."""
    from m2m.security.normalize import views
    from m2m.security.scanner import _noisy_or, _rule_hits

    hits = []
    for view in views(text):
        hits.extend(_rule_hits(view.text, set(view.tokens)))
    return max(_noisy_or(hits).values(), default=0.0)


def ordinary_request(text: str, label: int) -> bool:
    """A positive that is an ordinary request out of context ("Suggest weekend getaways near San
    Francisco.", a payload of an indirect-injection set): short and without any sign of an attack.
    Trained on, such rows teach the model to flag everyday chat turns, so they are left out."""
    return label == 1 and len(text) < 200 and rule_score(text) < 0.3


def _request_texts(path: Path) -> list[str]:
    texts = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        req = json.loads(line)
        for msg in req.get("messages", []) if isinstance(req, dict) else []:
            content = msg.get("content") if isinstance(msg, dict) else None
            if isinstance(content, str) and msg.get("role") in ("user", "system") and len(content) > 3:
                texts.append(content)
    return texts


def _fit(
    docs: list[list[int]], sizes: list[int], y: Any, weights: Any, n_feat: int, l2: float, epochs: int
) -> tuple[Any, float]:
    import numpy as np

    lengths = np.array([len(d) for d in docs])
    flat = np.concatenate([np.array(d, dtype=np.int64) for d in docs])
    owner = np.repeat(np.arange(len(docs)), lengths)
    norm = 1.0 / np.sqrt(np.array(sizes, dtype=float) + SMOOTH)
    w = np.zeros(n_feat)
    b = 0.0
    step = 0.05
    m_w = np.zeros(n_feat)
    v_w = np.zeros(n_feat)
    m_b = v_b = 0.0
    for t in range(1, epochs + 1):
        margin = np.bincount(owner, weights=w[flat], minlength=len(docs)) * norm + b
        p = 1.0 / (1.0 + np.exp(-margin))
        err = (p - y) * weights
        grad_w = np.bincount(flat, weights=(err * norm)[owner], minlength=n_feat) / weights.sum() + l2 * w
        grad_b = float(err.sum() / weights.sum())
        # Adam: full-batch steps converge in a few hundred epochs on a few thousand texts.
        m_w = 0.9 * m_w + 0.1 * grad_w
        v_w = 0.999 * v_w + 0.001 * grad_w**2
        m_b = 0.9 * m_b + 0.1 * grad_b
        v_b = 0.999 * v_b + 0.001 * grad_b**2
        w -= step * (m_w / (1 - 0.9**t)) / (np.sqrt(v_w / (1 - 0.999**t)) + 1e-8)
        b -= step * (m_b / (1 - 0.9**t)) / (math.sqrt(v_b / (1 - 0.999**t)) + 1e-8)
    return w, b


def _platt(margins: list[float], labels: list[int]) -> tuple[float, float]:
    a, c = 1.0, 0.0
    for _ in range(2000):
        ga = gc = 0.0
        for m, y in zip(margins, labels, strict=True):
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, a * m + c))))
            ga += (p - y) * m
            gc += p - y
        a -= 0.05 * ga / len(margins)
        c -= 0.05 * gc / len(margins)
    return a, c


def train(
    rows: list[tuple[str, int]], *, min_count: int = 2, l2: float = 1e-4, epochs: int = 300, folds: int = 4
) -> tuple[Model, dict[str, Any]]:
    import numpy as np

    feats = [features(fold(t)) for t, _ in rows]
    counts: dict[str, int] = {}
    for fs in feats:
        for f in fs:
            counts[f] = counts.get(f, 0) + 1
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= min_count))}
    docs = [[vocab[f] for f in fs if f in vocab] for fs in feats]
    sizes = [len(fs) for fs in feats]
    # Each text's norm counts all of its features, as at inference, not just those in the vocabulary.
    y = np.array([lab for _, lab in rows], dtype=float)
    pos = y.sum()
    weights = np.where(y == 1, (len(y) - pos) / max(pos, 1), 1.0)

    order = np.arange(len(rows)) % folds
    oof = np.zeros(len(rows))
    for k in range(folds):
        tr = np.where(order != k)[0]
        te = np.where(order == k)[0]
        w, b = _fit([docs[i] for i in tr], [sizes[i] for i in tr], y[tr], weights[tr], len(vocab), l2, epochs)
        for i in te:
            oof[i] = b + w[docs[i]].sum() / math.sqrt(sizes[i] + SMOOTH)
    scale, shift = _platt(list(oof), [int(v) for v in y])

    w, b = _fit(docs, sizes, y, weights, len(vocab), l2, epochs)
    inv = {i: f for f, i in vocab.items()}
    keep = {inv[int(i)]: float(w[i]) for i in np.nonzero(np.abs(w) > 1e-3)[0]}
    model = Model(keep, float(b), scale, shift)
    # Norms at inference use all features of a text; training used the same (features() count).
    calibrated = 1.0 / (1.0 + np.exp(-(scale * oof + shift)))
    meta = {
        "texts": len(rows),
        "attacks": int(pos),
        "features": len(keep),
        "oof_detect_at_0.8": round(float((calibrated[y == 1] >= 0.8).mean()), 4),
        "oof_fp_at_0.8": round(float((calibrated[y == 0] >= 0.8).mean()), 4),
    }
    return model, meta


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Train the scanner's classifier.")
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--benign-requests", type=Path, action="append", default=[])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=300)
    args = ap.parse_args(argv)
    rows = [(t, lab) for t, lab in _load(args.files) if split_of(t) == "tune"]
    dropped = [t for t, lab in rows if ordinary_request(t, lab)]
    rows = [(t, lab) for t, lab in rows if not ordinary_request(t, lab)]
    for path in args.benign_requests:
        rows.extend((t, 0) for t in _request_texts(path) if split_of(t) == "tune")
    model, meta = train(rows, epochs=args.epochs)
    meta["sources"] = [p.name for p in [*args.files, *args.benign_requests]]
    meta["dropped_ordinary_requests"] = len(dropped)
    meta["held_out"] = "texts with split_of(text) == 'holdout' were not trained on"
    args.out.write_text(model.to_json(meta), "utf-8")
    print(json.dumps(meta, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

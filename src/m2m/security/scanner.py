"""``scan`` and ``scan_request``: text or request in, ``ScanResult`` out. Pure: no I/O, no globals
that change (the optional ``ScanCache`` is the caller's and locks itself).

What is read. A request is read text by text (``routes.segments``: every model-visible text of
its route, at any depth, in any number). A text is read in up to five views
(``normalize.views``): folded (NFKC, invisible and bidi characters dropped, look-alikes and
accents folded where they disguise Latin text, lowercase), backslash-unescaped,
leetspeak-decoded, letter-spacing removed; payloads hidden in it (base64, hex, Unicode tag
characters, variation-selector bytes, zero-width bits) are decoded and read as texts of their
own, and so are payloads inside those, within a budget of ``PAYLOAD_BUDGET`` times the text.

Scoring. Every rule hit is evidence with a weight (``patterns.RULES``, ``languages``); a hit just
after a negation ("never reveal ...") counts a third. Within a category, hits of one group count
once and groups combine as independent evidence, ``1 - prod(1 - w)``. The shipped classifier
(``model.py``) gives ``p(attack)``, the highest over the windows of the text; the injection or
jailbreak score is the larger of the rules' score and ``p``, except that on a text under
``_MODEL_TRUSTED_CHARS`` characters ``p`` alone is capped at 0.75 unless a rule (not negated)
scored at least 0.3: a few words are not enough to block on. Every text counts the same wherever
it sits (system, developer or assistant turn, tool definition, tool call, tool result): a
request's confidence is the largest score over all of its texts.

Limits. Past ``MAX_FIELD_BYTES`` in one text, ``MAX_TOTAL_BYTES`` in all, ``MAX_PARTS`` texts, or
a payload budget, the scanner raises :class:`~m2m.errors.PayloadTooLargeError` (HTTP 413) in
every mode, monitoring included: an unread request is never waved through. Nesting deeper than
``MAX_DEPTH`` is read and also reported as a ``malformed_input`` threat with score 1.0.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from m2m.errors import PayloadTooLargeError, RequestError
from m2m.security import model as _model
from m2m.security.cache import ScanCache
from m2m.security.languages import MULTILINGUAL_RULES
from m2m.security.normalize import decode_invisible, decode_payloads, extra_views, first_view
from m2m.security.patterns import (
    CATEGORIES,
    DATA_EXFILTRATION,
    JAILBREAK,
    MALFORMED_INPUT,
    PROMPT_INJECTION,
    RULES,
    Rule,
)
from m2m.security.routes import ROUTES, Segment, depth_of, segments

__all__ = [
    "DEFAULT_THRESHOLD",
    "MAX_DEPTH",
    "MAX_FIELD_BYTES",
    "MAX_PARTS",
    "MAX_TOTAL_BYTES",
    "ScanLimits",
    "ScanResult",
    "Threat",
    "scan",
    "scan_request",
]

DEFAULT_THRESHOLD = 0.8
MAX_FIELD_BYTES = 1 << 20  # one message part; longer texts are documents, not chat turns
MAX_TOTAL_BYTES = 16 << 20  # a whole request; matches the proxy's default body limit
MAX_DEPTH = 64  # JSON nesting of a real request stays under 10; deeper is read, and flagged
MAX_PARTS = 1 << 20  # text parts in one request: an allocation bound (a part costs ~100 bytes)
MAX_THREATS = 32  # threats kept in a result; the rest add nothing a caller acts on
MIN_REPORTED_SCORE = 0.25  # weaker evidence is noise in a report (confidence still counts it)
_SNIPPET_CHARS = 60

_FLOOD = re.compile(r"(\S{1,4} )\1{29}")  # one short token repeated: a context-flooding attack
_CTRL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NEGATION = re.compile(r"\b(?:not|never|n't|no|nor|without|avoid|refuse to|don't|dont|cannot)\b[^.!?]{0,12}$")
_HOW_TO = re.compile(r"\bhow (?:do|can|could|would|should|to)\b")
_MODEL_FLOOR = 0.5  # classifier probabilities below this are no evidence at all (even odds or less)
_CORROBORATION = 0.3  # rule evidence needed before the classifier alone can push past the threshold
_MODEL_ALONE_CAP = 0.75
_MODEL_TRUSTED_CHARS = 200  # longer texts carry enough words for the classifier to decide alone
# A text whose plain reading scores this much is decided: its other readings, its hidden
# payloads and the classifier are not read (they could only raise the score). Thresholds above
# it still work, on the score found so far.
DECIDED = 0.95
_UNNEGATABLE = frozenset({"fake_message", "marker", "dan", "flood", "url_exfil", "command"})


@dataclass(frozen=True, slots=True)
class ScanLimits:
    """Size limits; the module constants are the defaults."""

    max_field_bytes: int = MAX_FIELD_BYTES
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_depth: int = MAX_DEPTH
    max_parts: int = MAX_PARTS


_DEFAULT_LIMITS = ScanLimits()


@dataclass(frozen=True, slots=True)
class Threat:
    """One finding. ``span`` is a character range in the normalised text of ``location``."""

    category: str
    name: str
    score: float
    location: str = "text"
    span: tuple[int, int] = (0, 0)
    snippet: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "name": self.name,
            "score": round(self.score, 4),
            "location": self.location,
            "span": list(self.span),
            "snippet": self.snippet,
        }


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Outcome of :func:`scan`.

    ``confidence`` is the highest threat score (0 when there is none). ``blocked`` is
    ``blocking and threshold > 0 and confidence >= threshold``. ``safe`` is ``confidence`` below
    the threshold, or below the default threshold in monitoring mode (threshold 0), so a monitor
    still learns what would have been blocked.
    """

    safe: bool
    confidence: float
    threats: tuple[Threat, ...] = ()
    blocked: bool = False
    threshold: float = DEFAULT_THRESHOLD
    scores: tuple[tuple[str, float], ...] = field(default=())

    @property
    def categories(self) -> dict[str, float]:
        """Highest score per category that has a threat."""
        return dict(self.scores)

    def to_dict(self) -> dict[str, Any]:
        return {
            "safe": self.safe,
            "blocked": self.blocked,
            "confidence": round(self.confidence, 4),
            "threshold": self.threshold,
            "categories": {k: round(v, 4) for k, v in self.scores},
            "threats": [t.to_dict() for t in self.threats],
        }


# -- rule index --------------------------------------------------------------------------------------
_WordIndex = dict[str, tuple[Rule, ...]]
_SubstringIndex = tuple[tuple[str, tuple[Rule, ...]], ...]
_WORD_ANCHOR = re.compile(r"[a-z0-9_']{1,40}")
_BULK_CHARS = 2048  # from this length on, anchor positions are found in one pass (``prefill``)


def _index(rules: Sequence[Rule]) -> tuple[_WordIndex, _SubstringIndex]:
    words: dict[str, list[Rule]] = {}
    subs: dict[str, list[Rule]] = {}
    for rule in rules:
        for anchor in rule.anchors:
            bucket = words if _WORD_ANCHOR.fullmatch(anchor) else subs
            bucket.setdefault(anchor, []).append(rule)
    return (
        {k: tuple(v) for k, v in words.items()},
        tuple((k, tuple(v)) for k, v in subs.items()),
    )


def _first_group(pattern: str) -> str | None:
    """The start of ``pattern`` up to the end of its first top-level group, when that is a
    necessary condition of a match: no ``|`` outside groups and no quantifier on the group."""
    depth, i, n = 0, 0, len(pattern)
    end = 0
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i += 1
            if pattern[i : i + 1] == "^":
                i += 1
            if pattern[i : i + 1] == "]":
                i += 1
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0 and not end:
                end = i + 1
        elif c == "|" and depth == 0:
            return None
        i += 1
    if not end or pattern[end : end + 1] in ("*", "+", "?", "{"):
        return None
    return pattern[:end]


def _gates(rules: Sequence[Rule], whole: bool) -> dict[int, tuple[re.Pattern[str], int]]:
    """Gates for lead rules that share their anchors: a rule is tried only at the occurrences where
    its group's gate matches, and the gate is matched once per occurrence for the whole group.

    ``whole``: the gate is the alternation of the members' patterns (it matches exactly where one
    of them does; one C-level match instead of one Python call per rule, the better trade on short
    texts). Otherwise it is the members' common first group (``\\b(?:write|tell|...)``), cheaper
    to try at each of the many occurrences of a long text."""
    groups: dict[tuple[tuple[str, ...], str], list[Rule]] = {}
    for rule in rules:
        head = _first_group(rule.pattern) if rule.lead and not whole else ""
        if rule.lead and head is not None:
            groups.setdefault((rule.anchors, head), []).append(rule)
    out: dict[int, tuple[re.Pattern[str], int]] = {}
    for key, ((_anchors, head), members) in enumerate(groups.items()):
        if len(members) > 1:
            gate = re.compile(head or "|".join(f"(?:{r.pattern})" for r in members))
            out.update((id(r), (gate, key)) for r in members)
    return out


ALL_RULES = (*RULES, *MULTILINGUAL_RULES)
_WORD_INDEX, _SUBSTRING_INDEX = _index(ALL_RULES)
_GATES = _gates(ALL_RULES, whole=False)
_WHOLE_GATES = _gates(ALL_RULES, whole=True)
_ANCHOR_WORDS = frozenset(_WORD_INDEX)
_SUBSTRING_RULES = dict(_SUBSTRING_INDEX)


def _substring_finder(anchors: Sequence[str]) -> re.Pattern[str]:
    # Every alternative is a literal, so the engine skips characters no anchor starts with in its
    # C loop: one pass over the text for all substring anchors instead of one ``in`` per anchor.
    return re.compile("|".join(re.escape(a) for a in sorted(anchors, key=len, reverse=True)))


_SUBSTRINGS = _substring_finder(list(_SUBSTRING_RULES))
_ASCII_SUBSTRINGS = _substring_finder([a for a in _SUBSTRING_RULES if a.isascii()])
# A match of the finder hides the shorter anchors inside it ("$" in "$$$"): each found anchor
# stands for every anchor it contains.
_SUBSTRING_ORDER = {a: i for i, a in enumerate(_SUBSTRING_RULES)}
_CONTAINED = {a: tuple(b for b in _SUBSTRING_RULES if b in a) for a in _SUBSTRING_RULES}


# Every ASCII byte that cannot be part of a word becomes a space, so " word " finds whole words
# with a plain byte search (apostrophes too: anchors such as "don't" are searched as "don t").
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_")
_SPACE_NON_WORD = bytes(c if c in _WORD_BYTES else 0x20 for c in range(256))


# An anchor occurrence is one int, ``position << _SIZE_BITS | length``: lists of them sort in C
# (``sorted``) in (position, length) order, with no tuple per occurrence.
_SIZE_BITS = 6
_SIZE_MASK = (1 << _SIZE_BITS) - 1


class _Locator:
    """Occurrences of anchors in one text (encoded as above), each anchor searched once."""

    __slots__ = ("cache", "padded", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        # One byte per character ("?" for non-ASCII ones), so byte offsets are text offsets.
        self.padded = b" " + text.encode("ascii", "replace").translate(_SPACE_NON_WORD) + b" "
        self.cache: dict[str, list[int]] = {}

    def prefill(self, anchors: set[str]) -> None:
        """Occurrences of many one-word anchors in one pass over the text's words (a C-level split
        and filter, then one forward search per occurrence), instead of one search of the whole
        text per anchor: on a long text full of trigger words the per-anchor searches dominated
        the cost of a scan."""
        wanted = {a.encode("ascii") for a in anchors if "'" not in a and a not in self.cache}
        if not wanted:
            return
        padded = self.padded
        found: dict[bytes, list[int]] = {a: [] for a in wanted}
        needles = {a: b" " + a + b" " for a in wanted}
        last = 0
        # The wanted words in text order, filtered at C speed; each is then found with one
        # forward search from the previous one, so the searches together read the text once.
        for word in filter(wanted.__contains__, padded.split()):
            i = padded.find(needles[word], last)
            size = len(word)
            # Index i of b" word " in the padded copy is index i of "word" in the text.
            found[word].append(i << _SIZE_BITS | size)
            last = i + size + 1
        for a, occurrences in found.items():
            self.cache[a.decode("ascii")] = occurrences

    def find(self, anchor: str, is_word: bool) -> list[int]:
        found = self.cache.get(anchor)
        if found is None:
            found = self.cache[anchor] = self._search(anchor, is_word)
        return found

    def _search(self, anchor: str, is_word: bool) -> list[int]:
        found: list[int] = []
        size = len(anchor)
        if not is_word:
            i = self.text.find(anchor)
            while i >= 0:
                found.append(i << _SIZE_BITS | size)
                i = self.text.find(anchor, i + 1)
            return found
        # Index i of b" word " in the padded copy is index i of "word" in the text.
        needle = (" " + anchor.replace("'", " ") + " ").encode("ascii")
        i = self.padded.find(needle)
        while i >= 0:
            found.append(i << _SIZE_BITS | size)
            i = self.padded.find(needle, i + 1)
        return found


def _find(rule: Rule, text: str, spots: list[int]) -> re.Match[str] | None:
    """First match of ``rule`` near the anchor occurrences ``spots`` (encoded, sorted)."""
    regex = rule.regex
    if rule.lead:
        for spot in spots:
            m = regex.match(text, spot >> _SIZE_BITS)
            if m is not None:
                return m
        return None
    # Windows around the occurrences, merged where they overlap, each searched once: the work is
    # bounded by the text length however often the anchors repeat.
    n = len(text)
    back = rule.back
    fwd = rule.fwd
    start = end = -1
    for spot in spots:
        pos = spot >> _SIZE_BITS
        lo = pos - back
        if lo < 0:
            lo = 0
        hi = pos + (spot & _SIZE_MASK) + fwd
        if hi > n:
            hi = n
        if lo <= end:
            if hi > end:
                end = hi
            continue
        if end > start:
            m = regex.search(text, start, end)
            if m is not None:
                return m
        start, end = lo, hi
    return regex.search(text, start, end) if end > start else None


# -- one text ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Hit:
    category: str
    name: str
    group: str
    score: float
    span: tuple[int, int]
    snippet: str
    negated: bool = False


def _rule_hits(text: str, words: frozenset[str] | set[str]) -> list[_Hit]:
    tried: dict[int, tuple[Rule, list[tuple[str, bool]]]] = {}
    for word in words & _ANCHOR_WORDS:
        for rule in _WORD_INDEX[word]:
            tried.setdefault(id(rule), (rule, []))[1].append((word, True))
    finder = _ASCII_SUBSTRINGS if text.isascii() else _SUBSTRINGS
    found = finder.findall(text)
    if found:
        for sub in sorted({b for a in set(found) for b in _CONTAINED[a]}, key=_SUBSTRING_ORDER.__getitem__):
            for rule in _SUBSTRING_RULES[sub]:
                tried.setdefault(id(rule), (rule, []))[1].append((sub, False))
    hits: list[_Hit] = []
    if len(text) > 200 and len(words) * 8 < len(text) // 5:
        flood = _FLOOD.search(text)
        if flood is not None:
            hits.append(_Hit(PROMPT_INJECTION, "token_flood", "flood", 0.5, flood.span(), ""))
    if not tried:
        return hits
    locator = _Locator(text)
    live = [(r, a) for r, a in tried.values() if not r.requires or not words.isdisjoint(r.requires)]
    if len(text) >= _BULK_CHARS:
        locator.prefill({a for _rule, anchors in live for a, is_word in anchors if is_word})
    find = locator.find
    gated: dict[int, list[int]] = {}
    gates = _GATES if len(text) >= _BULK_CHARS else _WHOLE_GATES
    for rule, anchors in live:
        gate = gates.get(id(rule))
        if gate is not None and gate[1] in gated:
            spots = gated[gate[1]]
        else:
            if len(anchors) == 1:
                spots = find(*anchors[0])
            else:
                spots = sorted(itertools.chain.from_iterable(find(a, w) for a, w in anchors))
            if gate is not None:
                match = gate[0].match
                spots = gated[gate[1]] = [s for s in spots if match(text, s >> _SIZE_BITS)]
        m = _find(rule, text, spots)
        if m is None:
            continue
        score = rule.weight
        negated = rule.group not in _UNNEGATABLE and bool(
            _NEGATION.search(text, max(0, m.start() - 24), m.start())
        )
        if negated:
            score *= 0.35
        elif rule.category == DATA_EXFILTRATION and _HOW_TO.search(text, max(0, m.start() - 40), m.start()):
            # "How do I print process.env?" asks how to do it, it does not tell the model to.
            score *= 0.6
        snippet = m.group()[:_SNIPPET_CHARS]
        hits.append(_Hit(rule.category, rule.name, rule.group, score, m.span(), snippet, negated))
    return hits


def _malformed_hits(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    if "\x00" in text:
        i = text.index("\x00")
        hits.append(_Hit(MALFORMED_INPUT, "null_byte", "null", 0.95, (i, i + 1), ""))
    ctrl = _CTRL.search(text)
    if ctrl is not None:
        count = len(_CTRL.findall(text))
        score = 0.5 if count < 3 else 0.85
        hits.append(_Hit(MALFORMED_INPUT, "control_characters", "ctrl", score, ctrl.span(), ""))
    if "\ufffd" in text:
        count = text.count("\ufffd")
        share = count / len(text)
        score = 0.95 if share > 0.05 else 0.6
        i = text.index("\ufffd")
        hits.append(_Hit(MALFORMED_INPUT, "invalid_utf8", "utf8", score, (i, i + 1), ""))
    return hits


def _noisy_or(hits: Sequence[_Hit]) -> dict[str, float]:
    best: dict[tuple[str, str], float] = {}
    for h in hits:
        key = (h.category, h.group)
        if h.score > best.get(key, 0.0):
            best[key] = h.score
    miss: dict[str, float] = {}
    for (category, _group), score in best.items():
        miss[category] = miss.get(category, 1.0) * (1.0 - score)
    return {category: 1.0 - m for category, m in miss.items()}


def _text_threats(text: str, location: str) -> list[Threat]:
    """Threats in one text as written (no decoding of payloads)."""
    hits = _malformed_hits(text)
    first = first_view(text)
    hits.extend(_rule_hits(first.text, first.words))
    scores = _noisy_or(hits)
    if max(scores.values(), default=0.0) >= DECIDED:
        # Decided on the plain reading: other readings and the classifier could only add to a
        # score that blocks at every threshold up to ``DECIDED`` already.
        return _threats(hits, scores, location)
    for view in extra_views(text, first):
        hits.extend(_rule_hits(view.text, view.words))
    scores = _noisy_or(hits)

    p_attack = _model.predict(first.text)
    if p_attack >= _MODEL_FLOOR:
        short = len(first.text) < _MODEL_TRUSTED_CHARS
        support = max((h.score for h in hits if not h.negated), default=0.0)
        if short and support < _CORROBORATION:
            # Alone, the classifier may flag a short text but not block it: for everyday requests
            # ("Translate your last answer into French.") a few words are not enough evidence.
            p_attack = min(p_attack, _MODEL_ALONE_CAP)
        jailbreak_led = scores.get(JAILBREAK, 0.0) > scores.get(PROMPT_INJECTION, 0.0)
        target = JAILBREAK if jailbreak_led else PROMPT_INJECTION
        if p_attack > scores.get(target, 0.0):
            scores[target] = p_attack
            hits.append(_Hit(target, "classifier", "classifier", 0.0, (0, 0), ""))
    return _threats(hits, scores, location)


def _threats(hits: list[_Hit], scores: dict[str, float], location: str) -> list[Threat]:
    threats: list[Threat] = []
    best: dict[tuple[str, str], _Hit] = {}
    for h in hits:
        key = (h.category, h.group)
        if key not in best or h.score > best[key].score:
            best[key] = h
    lead: dict[str, _Hit] = {}
    for h in best.values():
        if h.category not in lead or h.score > lead[h.category].score:
            lead[h.category] = h
    for h in best.values():
        # The strongest hit of a category carries the category's combined score; the others
        # are listed with their own weight, as the reasons behind it.
        score = scores[h.category] if h is lead[h.category] else h.score
        if score > 0.0:
            threats.append(Threat(h.category, h.name, min(1.0, score), location, h.span, h.snippet))
    return threats


# Decoded payloads are read as texts of their own, and payloads inside them too, to any depth:
# base64 shrinks a text to 3/4, hex to 1/2, so all the levels of one text add up to less than 3x
# its size. The budget is a multiple of the input, never a count an attacker can pad past; a
# text that would exceed it is refused (413), not passed.
PAYLOAD_BUDGET = 4  # decoded characters read per character of input, over all levels
_INTENT_BOOST = 0.05  # asking a model to decode and act on hidden text is itself a sign of intent
_MIN_CARRIED = 0.3  # weaker evidence inside a payload adds nothing to the report


def _may_encode(text: str) -> bool:
    return len(text) >= 20 and (
        not text.isascii() or max(map(len, text.split()), default=0) >= 20 or " " not in text[:200]
    )


def _scan_text(text: str, location: str) -> list[Threat]:
    """Threats in ``text`` and in every payload hidden in it (base64, hex, invisible characters)."""
    threats = _text_threats(text, location)
    if any(t.score >= DECIDED for t in threats):
        return threats  # what a payload holds could only add to a decided score
    budget = PAYLOAD_BUDGET * max(len(text), 64)
    queue: list[tuple[str, str, int]] = [(text, "", 0)]
    while queue:
        current, prefix, level = queue.pop()
        found = decode_invisible(current)
        if _may_encode(current):
            found += decode_payloads(current)
        for kind, decoded, span in found:
            budget -= len(decoded)
            if budget < 0:
                raise PayloadTooLargeError(
                    f"{location}: hidden payloads decode to over {PAYLOAD_BUDGET}x the text; not scanned"
                )
            name = f"{prefix}{kind}:"
            for inner in _text_threats(decoded, location):
                if inner.score < _MIN_CARRIED:
                    continue
                boosted = min(1.0, inner.score + _INTENT_BOOST)
                threats.append(
                    Threat(inner.category, name + inner.name, boosted, location, span, inner.snippet)
                )
            queue.append((decoded, name, level + 1))
    return threats


# -- requests ----------------------------------------------------------------------------------------
_REQUEST_KEYS = ("messages", "prompt", "input", "tools", "functions", "system", "instructions")


def _as_request(text: str) -> Mapping[str, Any] | None:
    stripped = text.lstrip()
    if not stripped.startswith("{") or not any(f'"{k}"' in stripped for k in _REQUEST_KEYS):
        return None
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, Mapping) and any(k in value for k in _REQUEST_KEYS):
        return value
    return None


def _utf8_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


@functools.lru_cache(maxsize=16, typed=True)
def _clean(threshold: float) -> ScanResult:
    # Most texts have no threat at all; their (immutable) result depends on the threshold only.
    return ScanResult(safe=True, confidence=0.0, threshold=threshold)


def _result(threats: list[Threat], threshold: float, blocking: bool) -> ScanResult:
    if not threats:
        return _clean(threshold)
    threats.sort(key=lambda t: -t.score)
    kept: list[Threat] = []
    seen: set[tuple[str, str, str]] = set()
    scores: dict[str, float] = {}
    for t in threats:
        scores[t.category] = max(scores.get(t.category, 0.0), t.score)
        key = (t.category, t.name, t.location)
        if t.score < MIN_REPORTED_SCORE or key in seen or len(kept) >= MAX_THREATS:
            continue
        seen.add(key)
        kept.append(t)
    confidence = max(scores.values(), default=0.0)
    flag_at = threshold if threshold > 0 else DEFAULT_THRESHOLD
    blocked = blocking and threshold > 0 and confidence >= threshold
    ordered = tuple((c, scores[c]) for c in CATEGORIES if c in scores)
    return ScanResult(
        safe=confidence < flag_at,
        confidence=confidence,
        threats=tuple(kept),
        blocked=blocked,
        threshold=threshold,
        scores=ordered,
    )


def _check_threshold(threshold: float) -> None:
    if not 0.0 <= threshold <= 1.0:
        raise RequestError(f"threshold must be within 0..1, got {threshold!r}")


# A cached result must not outlive the scanner that made it: the key names the rules and model.
_VERSION = hashlib.blake2b(
    repr([(r.pattern, r.weight) for r in ALL_RULES]).encode("utf-8"), digest_size=8
).digest()


def _segment_threats(seg: Segment, cache: ScanCache | None) -> list[Threat]:
    if cache is None:
        return _scan_text(seg.text, seg.location)
    key = hashlib.blake2b(seg.text.encode("utf-8", "surrogatepass"), digest_size=16, key=_VERSION).digest()
    found = cache.get(key)
    if found is None:
        found = tuple(_scan_text(seg.text, ""))
        cache.put(key, found, _utf8_len(seg.text))
    return [Threat(t.category, t.name, t.score, seg.location, t.span, t.snippet) for t in found]


def _scan_segments(
    segs: Iterator[Segment], threats: list[Threat], lim: ScanLimits, cache: ScanCache | None
) -> list[Threat]:
    collected: list[Segment] = []
    total = 0
    for seg in segs:
        collected.append(seg)
        if len(collected) > lim.max_parts:
            raise PayloadTooLargeError(f"request has more than {lim.max_parts} text parts; not scanned")
        size = _utf8_len(seg.text) if len(seg.text) * 4 > lim.max_field_bytes else len(seg.text)
        if size > lim.max_field_bytes:
            raise PayloadTooLargeError(
                f"{seg.location} is {size} bytes, over the scanner's {lim.max_field_bytes}-byte field limit"
            )
        total += size
        if total > lim.max_total_bytes:
            raise PayloadTooLargeError(f"request text is over the scanner's {lim.max_total_bytes}-byte limit")
    for seg in collected:
        threats.extend(_segment_threats(seg, cache))
    return threats


def scan_request(
    request: Mapping[str, Any],
    *,
    route: str,
    threshold: float = DEFAULT_THRESHOLD,
    blocking: bool = True,
    cache: ScanCache | None = None,
    limits: ScanLimits | None = None,
) -> ScanResult:
    """Scan every model-visible text of a parsed request body of API ``route``: ``"chat"``
    (/v1/chat/completions), ``"responses"`` (/v1/responses), ``"completions"`` (/v1/completions)
    or ``"messages"`` (Anthropic /v1/messages); see ``m2m.security.routes`` for what is read.

    Every text counts at full weight wherever it sits (a forged assistant turn, a poisoned tool
    description or tool result blocks like a user turn); the request's confidence is the highest
    over its texts. ``cache``: a :class:`ScanCache` shared between requests, so the unchanged
    history of a conversation is scanned once. Thread-safe: the function holds no state of its
    own, and the cache locks.

    Raises :class:`~m2m.errors.PayloadTooLargeError` (413) when the texts, or the payloads hidden
    in them, are too large to read within the limits, and :class:`~m2m.errors.RequestError` for
    an unknown route, a bad threshold or a request that is not an object. Never passes a request
    it did not read.
    """
    _check_threshold(threshold)
    if route not in ROUTES:
        raise RequestError(f"unknown route {route!r}; expected one of {', '.join(ROUTES)}")
    if not isinstance(request, Mapping):
        raise RequestError(f"a request is a JSON object, not {type(request).__name__}")
    lim = limits or _DEFAULT_LIMITS
    threats: list[Threat] = []
    if depth_of(request, lim.max_depth) > lim.max_depth:
        # Read anyway (the walk has no depth limit), and say that no real request looks like this.
        threats.append(Threat(MALFORMED_INPUT, "nesting_depth", 1.0, "request"))
    return _result(_scan_segments(segments(request, route), threats, lim, cache), threshold, blocking)


def scan(
    text_or_request: str | bytes | bytearray | Mapping[str, Any],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    blocking: bool = True,
    limits: ScanLimits | None = None,
    cache: ScanCache | None = None,
) -> ScanResult:
    """Scan a text, or a request (a dict, or JSON text of one), for prompt injection, jailbreaks,
    malformed input and data exfiltration.

    A request dict is read as a request of any route (chat, Responses, completions, Anthropic
    messages: the text under each of their keys); :func:`scan_request` takes the route. ``threshold``
    0.0 is monitoring mode (never blocks). Raises :class:`~m2m.errors.PayloadTooLargeError` past
    the size limits and :class:`~m2m.errors.RequestError` for an input of another type.
    """
    _check_threshold(threshold)
    lim = limits or _DEFAULT_LIMITS
    threats: list[Threat] = []

    request: Mapping[str, Any] | None = None
    if isinstance(text_or_request, bytes | bytearray):
        raw = bytes(text_or_request)
        if len(raw) > lim.max_total_bytes:
            raise PayloadTooLargeError(
                f"scan input is {len(raw)} bytes, over the scanner's {lim.max_total_bytes}-byte limit"
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = raw.decode("utf-8", "replace")
            threats.append(Threat(MALFORMED_INPUT, "invalid_utf8", 0.9, "text", (exc.start, exc.end)))
        request = _as_request(text)
    elif isinstance(text_or_request, str):
        text = text_or_request
        request = _as_request(text) if len(text) <= lim.max_total_bytes else None
    elif isinstance(text_or_request, Mapping):
        request = text_or_request
        text = ""
    else:
        raise RequestError(f"scan takes str, bytes or a request dict, not {type(text_or_request).__name__}")

    if request is None:
        segs: Iterator[Segment] = iter([Segment("text", text)] if text else [])
        return _result(_scan_segments(segs, threats, lim, cache), threshold, blocking)
    if depth_of(request, lim.max_depth) > lim.max_depth:
        threats.append(Threat(MALFORMED_INPUT, "nesting_depth", 1.0, "request"))
    # A dict of unknown origin: the text of every route's keys is read.
    return _result(_scan_segments(segments(request, "any"), threats, lim, cache), threshold, blocking)

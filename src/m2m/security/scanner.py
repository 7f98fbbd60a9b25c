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
scored at least 0.3 or the text asks for a credential (not the writer's own) reversed, spelled or
encoded (``_CREDENTIAL``) and no rule read a described or quoted attack in it: a few words are not
enough to block on.
Every text counts the same wherever it sits (system, developer or assistant turn, tool
definition, tool call, tool result): a request's confidence is the largest score over all of its
texts.

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
import operator
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from m2m.errors import PayloadTooLargeError, RequestError
from m2m.security import model as _model
from m2m.security.cache import ScanCache
from m2m.security.context import (
    PERSON_EVIDENCE,
    PERSON_MARK,
    PERSON_QUESTION_CHARS,
    Guard,
    declares_secret,
    guard_of,
)
from m2m.security.engine import ALL_RULES, NEGATED, Hit, rule_hits
from m2m.security.languages import SECRET_TRANSFORMS
from m2m.security.normalize import View, decode_invisible, decode_payloads, extra_views, fold, tokens
from m2m.security.patterns import (
    CATEGORIES,
    JAILBREAK,
    MALFORMED_INPUT,
    PROMPT_INJECTION,
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

_FLOOD = re.compile(r"(\S{1,4} )\1{29}")  # one short token repeated: a context-flooding attack
_CTRL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ODD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")  # any of the three below
# The ASCII characters ``_ODD`` does not match: deleting them from an ASCII text leaves those it
# does, in one C-level ``bytes.translate`` where the regex would test every character.
_ASCII_NOT_ODD = bytes(c for c in range(128) if _ODD.match(chr(c)) is None)
_MODEL_FLOOR = 0.5  # classifier probabilities below this are no evidence at all (even odds or less)
_CORROBORATION = 0.3  # rule evidence needed before the classifier alone can push past the threshold
_MODEL_ALONE_CAP = 0.75
_MODEL_TRUSTED_CHARS = 200  # longer texts carry enough words for the classifier to decide alone
_INSTRUCTIONS_CHARS = 8192  # longest text read as an application's instructions (see ``_text_threats``)
# A credential named in a short text (not the writer's own, not a topic such as "password policy")
# and what it is asked to become (``languages.SECRET_TRANSFORMS``: reversed, spelled, encoded, cut to
# its first characters): enough, with the classifier, to block without a rule (see
# ``_text_threats``). Such requests take too many forms in too many languages for rules. A
# credential asked for as it is ("what is the wifi password?") is not enough: a hotel's concierge is
# asked that every day, and the guarded model reads it where instructions keep a secret.
_CREDENTIAL = re.compile(
    r"(?<!\bmy )(?<!\bour )(?<!\buser's )(?<!\busers' )(?<!\bmon )(?<!\bma )(?<!\bmi )(?<!\bmein )"
    r"(?<!\bmeine )(?<!\bmeu )(?<!\bminha )(?<!\bmia )(?<!\bmio )(?<!\bmijn )(?<!\bown )(?<!\bkendi )"
    r"\b(?:api[ _-]?(?:key|keys|token|tokens|schlussel|klic|klice|kluc\w{0,3}|sleutel|anahtar\w{0,4})|"
    r"(?:access|auth|bearer|bot|session|secret) tokens?|tokens? (?:d'acces|de acceso|de acesso)|jeton\w{0,2}|"
    r"passwords?|passcodes?|passwort\w{0,2}|kennwort|mot de passe|contrasena|senha|wachtwoord|haslo|heslo|"
    r"sifre(?:yi|si|sini|n|ni|niz|nizi)?|parola(?:yi|si|sini|n|ni|niz|nizi)?|kata sandi|sandi|mat khau|"
    r"klucz\w{0,3} api|klic api|databasewachtwoord|пароль\w{0,2}|токен\w{0,2}|ключ\w{0,2} api|"
    r"api[- ]?ключ\w{0,2})\b"
    r"(?! (?:policy|policies|manager|managers|reset|strength|requirements|rules|hashing|hash|complexity|"
    r"length)\b)|"
    r"密码|密钥|口令|令牌|パスワード|apiキー|暗証番号|トークン|비밀번호|암호|api ?키|토큰|كلمة (?:ال)?مرور|"
    r"رمز|کلید|گذرواژه|पासवर्ड|टोकन|পাসওয়ার্ড|টোকেন"
)
_TRANSFORMED = re.compile(SECRET_TRANSFORMS)
_MODEL_WEIGHT = 0.5  # exponent of the classifier's miss probability when combined with the rules
# A text whose plain reading scores this much is decided: its other readings, its hidden
# payloads and the classifier are not read (they could only raise the score). Thresholds above
# it still work, on the score found so far.
DECIDED = 0.95


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


# -- one text ---------------------------------------------------------------------------------------
def _malformed_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    if text.isascii():
        if not text.encode("ascii").translate(None, _ASCII_NOT_ODD):
            return hits  # the usual case
    elif _ODD.search(text) is None:
        return hits
    if "\x00" in text:
        i = text.index("\x00")
        hits.append(Hit(MALFORMED_INPUT, "null_byte", "null", 0.95, (i, i + 1), ""))
    ctrl = _CTRL.search(text)
    if ctrl is not None:
        count = len(_CTRL.findall(text))
        score = 0.5 if count < 3 else 0.85
        hits.append(Hit(MALFORMED_INPUT, "control_characters", "ctrl", score, ctrl.span(), ""))
    if "\ufffd" in text:
        count = text.count("\ufffd")
        share = count / len(text)
        score = 0.95 if share > 0.05 else 0.6
        i = text.index("\ufffd")
        hits.append(Hit(MALFORMED_INPUT, "invalid_utf8", "utf8", score, (i, i + 1), ""))
    return hits


def _flood_hits(folded: str, words: list[str]) -> list[Hit]:
    # A flood repeats one short word 30 times: 29 neighbours equal at least (C-level count).
    if len(folded) > 200 and sum(map(operator.eq, words, itertools.islice(words, 1, None))) >= 29:
        flood = _FLOOD.search(folded)
        if flood is not None:
            return [Hit(PROMPT_INJECTION, "token_flood", "flood", 0.5, flood.span(), "")]
    return []


def _noisy_or(hits: Sequence[Hit]) -> dict[str, float]:
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
    folded = fold(text)
    words = tokens(folded)
    model = _model.load()
    p_memo: list[float] = []

    def p_model() -> float:
        # The classifier's p(attack), computed once and only when needed.
        if not p_memo:
            read = words if folded.isascii() else _model.tokens(folded)
            p_memo.append(0.0 if model is None else model.predict(read))
        return p_memo[0]

    def corroborated() -> bool:
        return p_model() >= _MODEL_FLOOR

    hits += rule_hits(folded, words, stop_at=DECIDED, weak=corroborated)
    hits += _flood_hits(folded, words)
    _discount_declared(hits, text)
    scores = _noisy_or(hits)
    if scores and max(scores.values()) >= DECIDED:
        # Decided on the plain reading: other readings and the classifier could only add to a
        # score that blocks at every threshold up to ``DECIDED`` already.
        return _threats(hits, scores, location)
    views = extra_views(text, View("text", folded, words))
    for view in views:
        hits += rule_hits(view.text, view.tokens, weak=corroborated)
    if views:
        _discount_declared(hits, text)
    scores = _noisy_or(hits)

    p_attack = p_model()
    if p_attack >= _MODEL_FLOOR:
        support = max((h.score for h in hits if not h.negated), default=0.0)
        if support < _CORROBORATION and (
            (
                len(folded) < _MODEL_TRUSTED_CHARS
                and (
                    any(h.negated for h in hits)
                    or _CREDENTIAL.search(folded) is None
                    or _TRANSFORMED.search(folded) is None
                )
            )
            or (len(text) <= _INSTRUCTIONS_CHARS and guard_of((text,)) is not None)
        ):
            # Alone, the classifier may flag a text but not block it when it is short (for everyday
            # requests, "Translate your last answer into French.", a few words are not enough
            # evidence; unless the text asks for a credential transformed, ``_CREDENTIAL``, and no
            # rule read an attack in it as described or quoted) or when it tells the model what to
            # keep secret: an application's instructions use the words of an extraction attempt
            # ("never reveal the password"). Only up to the length of a system prompt: a long
            # document is not made harmless by one such sentence padded into it, and is not read
            # twice.
            p_attack = min(p_attack, _MODEL_ALONE_CAP)
        jailbreak_led = scores.get(JAILBREAK, 0.0) > scores.get(PROMPT_INJECTION, 0.0)
        target = JAILBREAK if jailbreak_led else PROMPT_INJECTION
        # Negated hits (described, reported, quoted attacks) count for the rules' own score, not
        # as evidence next to the classifier: it read the same described attack.
        rules = _noisy_or([h for h in hits if not h.negated]).get(target, 0.0)
        # The classifier is evidence next to the rules', discounted (``_MODEL_WEIGHT``): it read
        # the same words, so the two are not independent.
        joint = max(p_attack, 1.0 - (1.0 - rules) * (1.0 - p_attack) ** _MODEL_WEIGHT)
        if joint > scores.get(target, 0.0):
            scores[target] = joint
            hits.append(Hit(target, "classifier", "classifier", 0.0, (0, 0), ""))
    if not hits:
        return []
    return _threats(hits, scores, location)


def _discount_declared(hits: list[Hit], text: str) -> None:
    """A text that states a secret and asks to keep it names the secret the way an extraction
    attempt does; its mentions count as negated ones (``engine``'s negation discount)."""
    mentions = [h for h in hits if h.name == "secret_extraction" and not h.negated]
    if mentions and declares_secret(text):
        for h in mentions:
            h.score *= NEGATED
            h.negated = True


def _threats(hits: list[Hit], scores: dict[str, float], location: str) -> list[Threat]:
    threats: list[Threat] = []
    best: dict[tuple[str, str], Hit] = {}
    for h in hits:
        key = (h.category, h.group)
        if key not in best or h.score > best[key].score:
            best[key] = h
    lead: dict[str, Hit] = {}
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


def _scan_text(text: str, location: str) -> list[Threat]:
    """Threats in ``text`` and in every payload hidden in it (base64, hex, invisible characters)."""
    threats = _text_threats(text, location)
    if threats and max(t.score for t in threats) >= DECIDED:
        return threats  # what a payload holds could only add to a decided score
    if len(text) < 20 and text.isascii():
        return threats  # too short to hold an encoded instruction
    first = decode_invisible(text) + decode_payloads(text)
    if not first:
        return threats  # the usual case: nothing hidden
    budget = PAYLOAD_BUDGET * max(len(text), 64)
    queue: list[tuple[str, str, int]] = [(text, "", 0)]
    while queue:
        current, prefix, level = queue.pop()
        found = first if level == 0 else decode_invisible(current) + decode_payloads(current)
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


_JSON_OBJECT = re.compile(r"\s{0,64}\{")


def _as_request(text: str) -> Mapping[str, Any] | None:
    if _JSON_OBJECT.match(text) is None or not any(f'"{k}"' in text for k in _REQUEST_KEYS):
        return None
    try:
        value = json.loads(text)
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


def _segment_threats(seg: Segment, cache: ScanCache | None, guard: Guard | None) -> list[Threat]:
    """Threats in one segment; under a ``guard``, with what the segment asks of it, unless the
    segment is the application's or the model's own (``_NOT_ASKING``)."""
    if guard is not None and seg.kind in _NOT_ASKING:
        guard = None
    if cache is None:
        found = _scan_text(seg.text, seg.location)
        return found if guard is None else _guarded(found, guard, seg.text, seg.location)
    salt = _VERSION if guard is None else _VERSION + guard.key
    key = hashlib.blake2b(seg.text.encode("utf-8", "surrogatepass"), digest_size=16, key=salt).digest()
    cached = cache.get(key)
    if cached is None:
        found = _scan_text(seg.text, "")
        cached = tuple(found if guard is None else _guarded(found, guard, seg.text, ""))
        cache.put(key, cached, _utf8_len(seg.text))
    return [Threat(t.category, t.name, t.score, seg.location, t.span, t.snippet) for t in cached]


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
    guard = guard_of(tuple(s.text for s in collected if s.kind in _INSTRUCTIONS))
    for seg in collected:
        threats.extend(_segment_threats(seg, cache, guard))
    return threats


# The application's own instructions, which may say what to keep secret; and the texts that are
# not a request from whoever talks to the model: the instructions, the model's own turns and tool
# calls (chat, Responses, Anthropic), definitions and schemas. Tool results are read: an injection
# in a document or a search result asks like a user does.
_INSTRUCTIONS = frozenset({"system", "developer"})
_NOT_ASKING = frozenset(
    {
        "system",
        "developer",
        "assistant",
        "model",
        "function",
        "function_call",
        "custom_tool_call",
        "tool_use",
        "tool_definition",
        "schema",
    }
)


def _guarded(found: list[Threat], guard: Guard, text: str, location: str) -> list[Threat]:
    """``found`` plus the guarded-request classifier's evidence that ``text`` asks for what the
    instructions keep secret (``context``), combined with the text's own prompt-injection score
    (noisy-or)."""
    model = _model.load(_model.GUARDED_FILE)
    if model is None:
        return found
    asked = guard.read(text)
    if asked.shared:
        return found  # it asks only for what the instructions allow to be given out
    p_asks = model.predict(_model.tokens(fold(text)), asked.markers)
    if asked.outright or (
        (PERSON_MARK in asked.markers or asked.named) and len(text) <= PERSON_QUESTION_CHARS
    ):
        # A short question for a guarded person, or for a credential named as the instructions
        # name it ("the admin panel PIN"), or asked for outright ("What's the PIN?").
        p_asks = max(p_asks, PERSON_EVIDENCE)
    if p_asks < _MODEL_FLOOR:
        return found
    # The classifier's evidence is discounted as it is next to the rules (``_MODEL_WEIGHT``): the
    # guarded model read the same words.
    own = max(
        (
            1.0 - (1.0 - t.score) ** _MODEL_WEIGHT if t.name == "classifier" else t.score
            for t in found
            if t.category == PROMPT_INJECTION
        ),
        default=0.0,
    )
    score = 1.0 - (1.0 - own) * (1.0 - p_asks)
    return [*found, Threat(PROMPT_INJECTION, "guarded_request", score, location, asked.span, asked.term)]


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
        if cache is None and text and not threats and lim.max_parts >= 1:
            # One plain text, the common case: straight to the reader, with the size checks of
            # ``_scan_segments`` (a character is at most 4 bytes).
            size = len(text) if len(text) * 4 <= lim.max_field_bytes else _utf8_len(text)
            if size <= lim.max_field_bytes and size <= lim.max_total_bytes:
                return _result(_scan_text(text, "text"), threshold, blocking)
        segs: Iterator[Segment] = iter([Segment("text", text)] if text else [])
        return _result(_scan_segments(segs, threats, lim, cache), threshold, blocking)
    if depth_of(request, lim.max_depth) > lim.max_depth:
        threats.append(Threat(MALFORMED_INPUT, "nesting_depth", 1.0, "request"))
    # A dict of unknown origin: the text of every route's keys is read.
    return _result(_scan_segments(segments(request, "any"), threats, lim, cache), threshold, blocking)

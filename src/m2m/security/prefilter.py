"""What any match of a rule must contain, derived from its pattern: the rule's prefilter.

A rule's regex is expensive to try and almost never matches benign text. Before it is tried, the
scanner checks the rule's *clauses*: each clause is a set of atoms of which the text must hold at
least one, and every clause must hold. An atom is a word (the text has it as a whole ASCII word,
looked up in a set) or a substring (``in`` the text). ``\\bignore (?:all )?previous
(?:instructions|rules)\\b`` gives the clauses ``{ignore}``, ``{previous}``, ``{instructions,
rules}``; a benign text with "ignore" but not "previous" never reaches the regex.

The clauses are read off the parsed pattern (``re._parser``), never written by hand, and they are
necessary conditions by construction: a literal run between word boundaries (``\\b``, a space,
punctuation) is a word; a literal run whose ends are not known to be boundaries is a substring;
alternations give one atom per branch; optional parts and unbounded classes give nothing. So the
prefilter only skips texts the regex cannot match (``tests/security/test_prefilter.py`` checks it
against every rule on every labelled text).

Words are those of :func:`ascii_words` style tokenisation: runs of ``[a-z0-9_]``, every other
character (punctuation, space, any non-ASCII character) a separator.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

__all__ = [
    "CACHE_FILE",
    "COMMON",
    "Clause",
    "cached_clauses",
    "clauses",
    "rare_start",
    "sub_cost",
    "write_cache",
]

_B = "\x00"  # a known word boundary inside an expanded string (``\\b``, ``^``, ``$``)
_MAX_STRINGS = 256  # expansions of one part kept as exact strings; past this, clauses only
_MAX_CLASS = 8  # a character class of up to this many literal characters is expanded
_CLAUSES_PER_RUN = 3
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_WORD_RUN = re.compile(r"[a-z0-9_]+")
_PIECE = re.compile("[^\x00\x03]+")

# Words too common to tell anything (a clause made of them is checked late and indexes last),
# and among them the commonest (in a third of chat turns or more). Only the order rules are tried
# in depends on these lists, never what is found.
_COMMON = """
a an the and or but if then so of to in on at by for with from as is are was were be been being
am it its this that these those there here i me my we our you your he him his she her they them
their do does did have has had will would can could should shall may might must not no yes what
how all any some more other about up out just only now new like get make know tell give show
write say use one also very when which who why where s t don re ll ve d please provide help
world remember character ensure let describe into m while need without explain such begin
information scenario ai create way story detailed people being writing tool however want unique
narrative guidelines find process within task understand understanding using language imagine
"""
COMMON = frozenset(_COMMON.split())
_VERY_COMMON = """
the a to in you of and for i can how is s that with what this are on as an it your by where be about
my from could any provide or me imagine who their do now help
"""
VERY_COMMON = frozenset(_VERY_COMMON.split())


@dataclass(frozen=True, slots=True)
class Clause:
    """At least one of ``words`` is a word of the text, or one of ``subs`` is in it."""

    words: frozenset[str]
    subs: tuple[str, ...]

    @property
    def cost(self) -> int:
        """How often a benign text is expected to satisfy the clause (lower is more selective)."""
        return sum(20 if w in COMMON else 1 + (len(w) < 4) for w in self.words) + sum(
            map(sub_cost, self.subs)
        )

    def holds(self, words: set[str] | frozenset[str], text: str) -> bool:
        return not words.isdisjoint(self.words) or any(s in text for s in self.subs)


# An atom: a word is itself; a substring carries a leading "\x01".
_SUB = "\x01"


@dataclass(slots=True)
class _Info:
    """What a part of a pattern can match: ``shapes``, the strings it matches with ``_ANY`` for
    stretches not spelled out (if few), and ``clauses`` found inside it (AND of ORs)."""

    shapes: frozenset[str] | None
    clauses: list[frozenset[str]]


_ANY = "\x03"  # any stretch of characters, possibly empty: its sides are not known boundaries
_EMPTY = frozenset({""})
_GAP = frozenset({_ANY})


@functools.lru_cache(maxsize=8192)
def _atoms(s: str) -> tuple[str, ...]:
    """Atoms every match of the shape ``s`` contains, best first."""
    found: list[tuple[tuple[int, int], str]] = []
    n = len(s)
    for m in _WORD_RUN.finditer(s):
        i, j = m.span()
        left = i > 0 and s[i - 1] not in _WORD_CHARS and s[i - 1] != _ANY
        right = j < n and s[j] not in _WORD_CHARS and s[j] != _ANY
        word = m.group()
        if left and right:
            found.append(((word_cost(word), -len(word)), word))
    for m in _PIECE.finditer(s):
        piece = m.group()
        # A piece is a literal substring of every match (boundary marks are not characters). A
        # substring check costs a pass over the text: only pieces that say something.
        if len(piece) >= 4 or (len(piece) >= 2 and rare_start(piece)):
            found.append(((sub_cost(piece), -len(piece)), _SUB + piece))
    found.sort()
    return tuple(atom for _, atom in found)


def _to_clauses(shapes: Iterable[str]) -> list[frozenset[str]]:
    per: list[tuple[str, ...]] = []
    for s in shapes:
        atoms = _atoms(s)
        if not atoms:
            return []  # one shape without an atom: nothing is necessary
        per.append(atoms)
    if not per:
        return []
    # Each clause covers every shape with few atoms (cheap atoms shared by many shapes first):
    # first with words only (a set look-up checks it), then with any atoms, again without the
    # atoms already used.
    rank: dict[str, tuple[int, int]] = {}
    for atoms in per:
        for i, a in enumerate(atoms):
            if a not in rank or i < rank[a][1]:
                rank[a] = (_atom_cost(a), i)
    out: list[frozenset[str]] = []
    words_only = [[a for a in atoms if not a.startswith(_SUB)] for atoms in per]
    if all(words_only):
        out.append(_cover(words_only, rank))
    used: set[str] = set()
    for _ in range(_CLAUSES_PER_RUN):
        uncovered = [[a for a in atoms if a not in used] for atoms in per]
        if not all(uncovered):
            break
        clause = _cover(uncovered, rank)
        if clause not in out:
            out.append(clause)
        used |= clause
    return out


def _cover(per: list[list[str]], rank: dict[str, tuple[int, int]]) -> frozenset[str]:
    """A small set of atoms with one in each list (greedy set cover, cheap and shared first)."""
    uncovered = per
    clause: set[str] = set()
    while uncovered:
        counts: dict[str, int] = {}
        for atoms_left in uncovered:
            for a in atoms_left:
                counts[a] = counts.get(a, 0) + 1
        best = min(counts.items(), key=lambda kv: (rank[kv[0]][0] / kv[1], rank[kv[0]][1], kv[0]))[0]
        clause.add(best)
        uncovered = [atoms_left for atoms_left in uncovered if best not in atoms_left]
    return frozenset(clause)


def _atom_cost(atom: str) -> int:
    if atom.startswith(_SUB):
        return sub_cost(atom[1:])
    return word_cost(atom)


def word_cost(word: str) -> int:
    return 40 if word in VERY_COMMON else 20 if word in COMMON else 1 + (len(word) < 4)


def rare_start(sub: str) -> bool:
    """Whether ``sub`` starts with a character text seldom has (punctuation, non-ASCII): a regex
    of such literals skips to them in C."""
    return not (sub[0].isascii() and (sub[0].isalnum() or sub[0].isspace()))


def sub_cost(sub: str) -> int:
    # A substring that starts with a rare character is found by one regex that skips to it; any
    # other costs a search of its own.
    return (3 if len(sub) >= 4 else 8) + (0 if rare_start(sub) else 12)


def _class(items: Sequence[tuple[Any, Any]]) -> frozenset[str]:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:
            return _GAP  # NEGATE, CATEGORY, wide ranges
        if len(chars) > _MAX_CLASS:
            return _GAP
    return frozenset(chars)


def _join(a: str, b: str) -> str:
    return a + b[1:] if a.endswith(_ANY) and b.startswith(_ANY) else a + b


def _squash(shapes: frozenset[str]) -> frozenset[str]:
    """Few shapes that keep only the first and last character of each of ``shapes`` (what the
    neighbours of a part need to know), anything between them."""
    out = {_join(_join(s[0], _ANY), s[-1]) if len(s) > 1 else s for s in shapes}
    if len(out) > _MAX_STRINGS:
        return _GAP
    return _tidy(out)


def _product(left: frozenset[str], right: frozenset[str]) -> frozenset[str] | None:
    if len(left) * len(right) > _MAX_STRINGS:
        return None
    return frozenset(_join(a, b) for a in left for b in right)


def _node(op: Any, av: Any) -> _Info:
    if op is _c.LITERAL:
        return _Info(frozenset({chr(av)}), [])
    if op is _c.IN:
        return _Info(_class(av), [])
    if op is _c.AT:
        known = av in (_c.AT_BOUNDARY, _c.AT_BEGINNING, _c.AT_END, _c.AT_BEGINNING_STRING, _c.AT_END_STRING)
        return _Info(frozenset({_B}) if known else _EMPTY, [])
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return _Info(_EMPTY, [])  # consumes nothing; what it requires is not relied on
    if op is _c.SUBPATTERN:
        return _seq(av[3].data)
    if op is _c.ATOMIC_GROUP:
        return _seq(av.data)
    if op is _c.BRANCH:
        return _branch([_seq(b.data) for b in av[1]])
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        lo, hi, sub = av
        inner = _seq(sub.data)
        if inner.shapes is None:
            return _Info(_GAP, inner.clauses if lo >= 1 else [])
        shapes = inner.shapes
        if hi <= 3 and len(shapes) ** max(hi, 1) <= _MAX_STRINGS:
            options: set[str] = set()
            for k in range(lo, hi + 1):
                for parts in itertools.product(shapes, repeat=k):
                    joined = ""
                    for part in parts:
                        joined = _join(joined, part)
                    options.add(joined)
            return _Info(_tidy(options), [])
        # One copy, or a first and a last copy with anything between them.
        many = _product(shapes, frozenset(_join(_ANY, t) for t in shapes)) if hi > 1 else frozenset()
        if many is None:
            kept = _to_clauses(shapes) if lo >= 1 else []
            squashed = _squash(shapes)
            many = _product(squashed, frozenset(_join(_ANY, t) for t in squashed)) or _GAP
            options = set(many) | (set(squashed) if lo <= 1 else set()) | ({""} if lo == 0 else set())
            return _Info(_tidy(options), kept)
        options = set(many) | (set(shapes) if lo <= 1 else set()) | ({""} if lo == 0 else set())
        return _Info(_tidy(options), [])
    return _Info(_GAP, [])  # ANY, NOT_LITERAL, GROUPREF, CATEGORY...


def _tidy(options: set[str]) -> frozenset[str]:
    # A gap may be empty: "" next to a lone gap says nothing more.
    if _ANY in options:
        options.discard("")
    return frozenset(options)


def _branch(infos: list[_Info]) -> _Info:
    if all(i.shapes is not None for i in infos):
        union = frozenset().union(*(i.shapes for i in infos if i.shapes is not None))
        if len(union) <= _MAX_STRINGS:
            return _Info(union, [])
    # One atom set per branch: the union of one clause of each branch is necessary.
    edges: set[str] = set()
    for info in infos:
        edges |= _squash(info.shapes) if info.shapes is not None else _GAP
    shape = _tidy(edges) if len(edges) <= _MAX_STRINGS else _GAP
    picked: list[frozenset[str]] = []
    for info in infos:
        options = _to_clauses(info.shapes) if info.shapes is not None else info.clauses
        if not options:
            return _Info(shape, [])
        picked.append(min(options, key=_cost))
    return _Info(shape, [frozenset().union(*picked)])


def _seq(items: Sequence[tuple[Any, Any]]) -> _Info:
    infos = [_node(op, av) for op, av in items]
    clauses: list[frozenset[str]] = []
    run: frozenset[str] = _EMPTY
    whole = True
    for k, info in enumerate(infos):
        clauses += info.clauses
        if info.shapes is None:
            whole = False
            clauses += _to_clauses(run)
            run = _GAP
            continue
        if len(info.shapes) > 1:
            # The part alone, between the characters that can touch it: a clause of its own, so
            # "(a|b) (c|d)" gives {a, b} and {c, d}, not only the atoms of the four combinations.
            clauses += _to_clauses(_padded(info.shapes, _edge(infos, k, -1), _edge(infos, k, 1)))
        joined = _product(run, info.shapes)
        if joined is None:
            # Too many combinations: what the run holds so far becomes clauses, and the run goes
            # on from this part, its left side unknown.
            whole = False
            clauses += _to_clauses(run)
            joined = _product(_squash(run), info.shapes) or _product(_GAP, info.shapes) or _GAP
        run = joined
    if whole:
        return _Info(run, clauses)
    clauses += _to_clauses(run)
    return _Info(None, clauses)


def _edge(infos: list[_Info], k: int, step: int) -> frozenset[str]:
    """The characters that can touch part ``k`` on one side (``step`` -1: before it, 1: after
    it), looking past parts that can be empty; ``_ANY`` where that is not known."""
    chars: set[str] = set()
    j = k + step
    while 0 <= j < len(infos):
        shapes = infos[j].shapes
        if shapes is None:
            return _GAP
        chars.update(s[-1] if step < 0 else s[0] for s in shapes if s)
        if "" not in shapes:
            return frozenset(chars)
        j += step
    chars.add(_ANY)  # the pattern's edge: anything may stand there
    return frozenset(chars)


def _separators(chars: frozenset[str]) -> frozenset[str]:
    # Characters that all end a word stand for one another: one boundary mark is enough.
    if all(c != _ANY and c not in _WORD_CHARS for c in chars):
        return frozenset({_B})
    return chars


def _padded(shapes: frozenset[str], left: frozenset[str], right: frozenset[str]) -> frozenset[str]:
    left, right = _separators(left), _separators(right)
    if len(shapes) * len(left) * len(right) > _MAX_STRINGS:
        left = left if len(shapes) * len(left) <= _MAX_STRINGS else _GAP
        right = _GAP
        if len(shapes) * len(left) > _MAX_STRINGS:
            left = _GAP
    return frozenset(_join(_join(a, s), b) for a in left for s in shapes for b in right)


def _cost(atoms: frozenset[str]) -> int:
    return _as_clause(atoms).cost


def _as_clause(atoms: frozenset[str]) -> Clause:
    words = frozenset(a for a in atoms if not a.startswith(_SUB))
    subs = tuple(sorted(a[1:] for a in atoms if a.startswith(_SUB)))
    return Clause(words, subs)


def clauses(pattern: str) -> tuple[Clause, ...]:
    """Necessary clauses of ``pattern`` (no flags), most selective first; () if none is known."""
    info = _seq(_parser.parse(pattern).data)
    raw = info.clauses + (_to_clauses(info.shapes) if info.shapes is not None else [])
    out: list[Clause] = []
    for atoms in raw:
        clause = _as_clause(atoms)
        if (clause.words or clause.subs) and clause not in out:
            out.append(clause)
    # A clause implied by a stricter one adds a check and nothing else.
    kept = [c for c in out if not any(o is not c and _implies(o, c) for o in out)]
    return tuple(sorted(kept, key=lambda c: c.cost))


def _implies(a: Clause, b: Clause) -> bool:
    """Every text satisfying ``a`` satisfies ``b`` (``a``'s atoms are among ``b``'s), and a != b."""
    return a != b and a.words <= b.words and set(a.subs) <= set(b.subs)


# -- the shipped cache -----------------------------------------------------------------------------
# Deriving the clauses of every rule takes about a second; the results ship with the package,
# keyed by a digest of each pattern, so the scanner's tables are built in milliseconds. A pattern
# missing from the cache (a rule edited since) is derived on the spot: the cache only saves time,
# it never decides what is checked (tests/security/test_prefilter.py keeps it current).
CACHE_FILE = "data/prefilter.json.gz"


def _key(pattern: str) -> str:
    return hashlib.blake2b(pattern.encode("utf-8"), digest_size=12).hexdigest()


def _load_cache() -> dict[str, list[list[list[str]]]]:
    try:
        raw = resources.files("m2m.security").joinpath(CACHE_FILE).read_bytes()
    except (FileNotFoundError, OSError):
        return {}
    body: dict[str, list[list[list[str]]]] = json.loads(gzip.decompress(raw))
    return body


def cached_clauses(patterns: Sequence[str]) -> list[tuple[Clause, ...]]:
    """``clauses`` of each pattern, from the shipped cache where it has them."""
    cache = _load_cache()
    out: list[tuple[Clause, ...]] = []
    for pattern in patterns:
        hit = cache.get(_key(pattern))
        if hit is None:
            out.append(clauses(pattern))
        else:
            out.append(tuple(Clause(frozenset(words), tuple(subs)) for words, subs in hit))
    return out


def write_cache(patterns: Sequence[str], path: str) -> int:
    """Write the clauses of ``patterns`` to ``path`` (gzipped JSON); returns the entry count."""
    body = {_key(p): [[sorted(c.words), list(c.subs)] for c in clauses(p)] for p in sorted(set(patterns))}
    raw = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    with open(path, "wb") as fh:
        fh.write(gzip.compress(raw, 9, mtime=0))
    return len(body)

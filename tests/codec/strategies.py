"""Hypothesis strategies: minified JSON text with number literals kept, and shape-like objects."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from m2m.codec import t1

# Keys that collide with T1 codes and shape keys, plus arbitrary ones.
KEYS = st.one_of(
    st.sampled_from(["c", "M", "x", "role", "content", "type", "index", "0", "1", "", "#T1|", "name"]),
    st.text(max_size=8),
)
NUMBER_LITERALS = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.from_regex(r"-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,8})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(
        ["1.0", "1", "-0", "-0.0", "1e5", "1E+2", "0.10", "1e400", "123456789012345678901234567890"]
    ),
)
STRINGS = st.one_of(
    st.text(),
    st.sampled_from(
        ["user", "assistant", "system", "tool", "function", "stop", "chat.completion", "#T1|", ""]
    ),
)


def _dump(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


SCALARS = st.one_of(
    st.sampled_from(["null", "true", "false"]),
    NUMBER_LITERALS,
    STRINGS.map(_dump),
)


def _shape_objects(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Objects with the keys of a shipped shape, its fixed values kept or disturbed."""
    shapes = t1._table()[1]

    @st.composite
    def build(draw: Any) -> str:
        keys, fixed, _ = shapes[draw(st.integers(0, len(shapes) - 1))]
        parts = []
        for i, k in enumerate(keys):
            if i in fixed and draw(st.booleans()):
                value = json.dumps(fixed[i], ensure_ascii=False)
            else:
                value = draw(children)
            parts.append(f"{_dump(k)}:{value}")
        return "{" + ",".join(parts) + "}"

    return build()


def _objects(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.dictionaries(KEYS, children, max_size=5).map(
        lambda d: "{" + ",".join(f"{_dump(k)}:{v}" for k, v in d.items()) + "}"
    )


def _arrays(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(children, max_size=5).map(lambda xs: "[" + ",".join(xs) + "]")


JSON_TEXT = st.recursive(
    SCALARS,
    lambda children: st.one_of(_arrays(children), _objects(children), _shape_objects(children)),
    max_leaves=30,
)

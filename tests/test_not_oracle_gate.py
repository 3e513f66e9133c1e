"""SQ316 scans the SQL once for all its patterns before scanning for each: the gate must match
wherever any pattern does (it may match more; then every pattern runs as before)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from plugin_builder.checks.oracle_rules import _ANY_NOT_ORACLE, NOT_ORACLE, _any_of

WORDS = [
    "IFNULL", "isnull", "String_Agg", "GROUP_CONCAT", "substring", "LEFT", "right", "LEN", "GETDATE", "now",
    "DATEADD", "datediff", "DATE_FORMAT", "STR_TO_DATE", "TRUE", "false", "x", "_", "1", "::", ":", "::v",
    "(", ")", " ", "\n", "'", ".", ",", "ı", "ſ", "K", "SYSDATE", "NVL", "LENGTH", "TRUEX",
]  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=12))
def test_no_pattern_matches_where_the_gate_does_not(pieces: list[str]) -> None:
    text = "".join(pieces)
    if _ANY_NOT_ORACLE.search(text) is None:
        assert all(pattern.search(text) is None for pattern, _, _ in NOT_ORACLE), text


def test_each_pattern_alone_is_gated() -> None:
    samples = ["IFNULL(a, b)", "x::int", "WHERE TRUE", "getdate ()", "date_format(d)", "LEN(x)", "a.left(1)"]
    for text in samples:
        matched = [p for p, _, _ in NOT_ORACLE if p.search(text)]
        assert matched, text
        assert _ANY_NOT_ORACLE.search(text), text


def test_the_patterns_keep_the_shape_the_gate_is_built_for() -> None:
    # Case-insensitive or case-sensitive only (the gate ignores case: a superset), and no
    # alternative at the top level after a leading \b (the gate puts them all after one \b).
    for pattern, _, _ in NOT_ORACLE:
        assert pattern.flags & ~(re.I | re.U) == 0, pattern.pattern
        if pattern.pattern.startswith(r"\b"):
            depth = 0
            for char in pattern.pattern[2:]:
                depth += {"(": 1, ")": -1}.get(char, 0)
                assert not (char == "|" and depth == 0), pattern.pattern
    assert _any_of([re.compile(r"\bAB"), re.compile("::")]).search("x ab") is not None

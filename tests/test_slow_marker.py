"""The ``slow`` marker: ``pytest -m "not slow"`` is the quick run, CI runs everything."""

from __future__ import annotations

import ast
from pathlib import Path


def test_every_test_marked_slow_exists():
    """The conftest list of slow tests names real tests (a renamed test would silently turn fast)."""
    import conftest

    tests = Path(__file__).resolve().parent
    missing = []
    for module, names in conftest.SLOW_TESTS.items():
        path = tests / module
        assert path.is_file(), module
        if names == "*":
            continue
        defined = {
            n.name for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.FunctionDef)
        }
        missing += [f"{module}::{name}" for name in sorted(names - defined)]
    assert missing == []

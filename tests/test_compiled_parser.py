"""sqlglotc, sqlglot compiled by mypyc, is installed where it has a wheel and sqlglot runs it."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parent.parent


def _requirement(name: str) -> Requirement:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = [Requirement(r) for r in project["dependencies"] if Requirement(r).name == name]
    assert len(found) == 1, found
    return found[0]


def test_sqlglotc_is_pinned_to_the_same_release_as_sqlglot() -> None:
    assert _requirement("sqlglotc").specifier == _requirement("sqlglot").specifier


@pytest.mark.parametrize(
    ("environment", "installs"),
    [
        ({"sys_platform": "linux", "platform_machine": "x86_64"}, True),
        ({"sys_platform": "linux", "platform_machine": "aarch64"}, True),
        ({"sys_platform": "darwin", "platform_machine": "arm64"}, True),
        ({"sys_platform": "win32", "platform_machine": "AMD64"}, True),
        # No wheel (and no sdist) for these: sqlglot runs as pure Python there.
        ({"sys_platform": "linux", "platform_machine": "armv7l"}, False),
        ({"sys_platform": "win32", "platform_machine": "ARM64"}, False),
        ({"platform_python_implementation": "PyPy"}, False),
        ({"python_version": "3.15"}, False),
    ],
)
def test_sqlglotc_is_required_only_where_it_has_a_wheel(environment: dict, installs: bool) -> None:
    base = {"platform_python_implementation": "CPython", "python_version": "3.11", "sys_platform": "linux"}
    base.setdefault("platform_machine", "x86_64")
    assert _requirement("sqlglotc").marker.evaluate({**base, **environment}) is installs


def test_sqlglot_runs_the_compiled_modules_where_sqlglotc_is_required() -> None:
    if not _requirement("sqlglotc").marker.evaluate():
        pytest.skip("no sqlglotc wheel for this platform: sqlglot runs as pure Python")
    import sqlglot.generator
    import sqlglot.parser
    import sqlglot.tokenizer_core
    import sqlglot.tokens

    assert importlib.metadata.version("sqlglotc") == importlib.metadata.version("sqlglot")
    # sqlglotc ships no module of its own: it puts compiled extensions beside sqlglot's .py files,
    # and the import system prefers an extension module to the source of the same name.
    assert sqlglot.tokens.SQLGLOTC_INSTALLED
    for module in (sqlglot.parser, sqlglot.generator, sqlglot.tokenizer_core):
        assert not module.__file__.endswith(".py"), module.__file__

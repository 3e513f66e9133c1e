"""Small helpers for building projects in tests (copier's build_file_tree, in spirit)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import EXAMPLE_CONFIG


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def example_config(**replacements: str) -> str:
    """The example plugin.toml with some lines replaced: {'name = "…"': 'name = "x"'}."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


CUSTOM_QUERY_TOML = """
    summary = "Students by school"
    description = "A project's own query"
    group = "custom"
    core_table = "STUDENTS"
    file_name = "students.csv"
    columns = [
      { alias = "id", column = "STUDENTS.ID" },
      { alias = "school", column = "STUDENTS.SCHOOLID" },
    ]
"""

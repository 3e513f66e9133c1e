"""The repository's code and docs cite only what a reader of the repository can open:
no ``SPEC §N``, issue numbers or the design team's reference notes."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNOPENABLE = re.compile(r"SPEC §|\bissue \d|\bissue #\d|reference/[a-z-]+\.(?:md|json)|\bseeds?/?\s?0\d\d")
# Files other branches are rewriting at the time of writing; the merge empties this list.
NOT_YET = {
    "plugin_builder/analysis.py",
    "plugin_builder/dictionary.py",
    "plugin_builder/checks/oracle_rules.py",
    "plugin_builder/checks/sql_rules.py",
    "plugin_builder/checks/zip_rules.py",
    "plugin_builder/preview/synthetic.py",
    "queries/_common.sql.j2",
    "queries/clever_sections.sql.j2",
    "queries/ed_fi_student_cohort_associations.sql.j2",
    "queries/ed_fi_student_section_associations.sql.j2",
    "queries/section_attendance.sql.j2",
}


def texts():
    for pattern in ("plugin_builder/**/*.py", "queries/*", "templates/*", "docs/*.md", "*.md", "benchmarks/*", "tests/**/*.py", "tests/**/*.md", "pyproject.toml", ".ci/*"):
        for path in sorted(ROOT.glob(pattern)):
            if path.is_file():
                yield path.relative_to(ROOT).as_posix(), path


def test_no_references_a_reader_cannot_open():
    found = []
    for name, path in texts():
        if name in NOT_YET or name == "tests/test_repository_text.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            if UNOPENABLE.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == []

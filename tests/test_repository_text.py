"""The repository's code and docs cite only what a reader of the repository can open:
no ``SPEC §N``, issue numbers or the design team's reference notes."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNOPENABLE = re.compile(r"SPEC §|\bissue \d|\bissue #\d|reference/[a-z-]+\.(?:md|json)|\bseeds?/?\s?0\d\d")
# Files still to sweep (none now: keep it empty).
NOT_YET: set[str] = set()


def texts():
    for pattern in (
        "plugin_builder/**/*.py",
        "queries/*",
        "templates/*",
        "docs/*.md",
        "*.md",
        "benchmarks/*",
        "tests/**/*.py",
        "tests/**/*.md",
        "pyproject.toml",
        ".ci/*",
    ):
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

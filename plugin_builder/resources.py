"""Where the package's own files are: templates/, queries/ and data/.

In a wheel, templates/ and queries/ are copied into the package (pyproject force-include);
in a source checkout or editable install they sit at the repository root beside it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent


@cache
def resource_dir(name: str) -> Path:
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"plugin-builder is installed without its {name}/ folder")


def templates_dir() -> Path:
    return resource_dir("templates")


def builtin_queries_dir() -> Path:
    return resource_dir("queries")


def data_path(name: str) -> Path:
    return _HERE / "data" / name

"""Our XSDs (package data), loaded once, and validation that reports every violation."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import xmlschema

from plugin_builder.resources import data_path


@cache
def schema(name: str) -> xmlschema.XMLSchema11:
    return xmlschema.XMLSchema11(str(data_path(f"{name}.xsd")))


def violations(name: str, root) -> Iterator[tuple[int | None, str]]:
    """(line, message) for every schema violation, not only the first."""
    for error in schema(name).iter_errors(root):
        line = getattr(error, "sourceline", None)
        reason = error.reason or error.message
        path = error.path or ""
        yield line, f"{reason}" + (f" (at {path})" if path else "")

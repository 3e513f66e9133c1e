"""Our XSDs (package data), loaded once, and validation that reports every violation.

Two schemas per file kind:

* ``<name>.xsd`` (XSD 1.1, xmlschema) is the judge: lenient where working plugins are
  (children in any order, newer elements accepted) and it lists every violation with its
  line;
* ``<name>-strict.xsd`` (XSD 1.0, libxml2 through lxml) describes the one shape we render,
  and every document valid under it is valid under the lenient schema
  (tests/test_xsd_fast_path.py keeps that true).

A document that passes the strict schema has no violation, and the lenient schema is not
consulted; xmlschema (about a third of a build's time to import and load) is only
needed for documents that fail it, such as someone else's plugin under ``lint``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

from lxml import etree

from plugin_builder.resources import data_path

if TYPE_CHECKING:
    import xmlschema


@cache
def schema(name: str) -> xmlschema.XMLSchema11:
    """The lenient XSD 1.1 schema ``<name>.xsd``."""
    import xmlschema

    return xmlschema.XMLSchema11(str(data_path(f"{name}.xsd")))


@cache
def strict_schema(name: str) -> etree.XMLSchema:
    """The strict XSD 1.0 schema (``<name>-strict.xsd``, or ``<name>.xsd`` when that is XSD 1.0)."""
    path = data_path(f"{name}-strict.xsd")
    if not path.exists():
        path = data_path(f"{name}.xsd")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser=parser))


def violations(name: str, root: etree._Element) -> Iterator[tuple[int | None, str]]:
    """(line, message) for every schema violation, not only the first."""
    if strict_schema(name).validate(root):
        return
    for error in schema(name).iter_errors(root):
        line = getattr(error, "sourceline", None)
        reason = error.reason or error.message
        path = error.path or ""
        yield line, f"{reason}" + (f" (at {path})" if path else "")

"""The strict XSD 1.0 fast path: never more permissive than the lenient XSD 1.1 judge.

``checks.xsd.violations`` trusts a document that passes ``<name>-strict.xsd`` (libxml2)
without asking ``<name>.xsd`` (xmlschema). That is sound only while every document the
strict schema accepts is one the lenient schema accepts too; these tests hold it to that
over every XML file in the tests, our rendered plugins, and mutations of them.
"""

from __future__ import annotations

import copy
import dataclasses
import subprocess
import sys

import pytest
from lxml import etree

from conftest import EXAMPLE_CONFIG, REPO
from plugin_builder.project.catalog import load_catalog
from plugin_builder.checks.xsd import schema, strict_schema
from plugin_builder.project.config import load_project
from plugin_builder.build.model import safe_parser
from plugin_builder.build.render import render_plugin

NS = "{http://plugin.powerschool.pearson.com}"


def kind_of(root: etree._Element) -> str | None:
    return {
        f"{NS}plugin": "plugin",
        "queries": "named_queries",
        "permission_mappings": "permission_mappings",
    }.get(root.tag)


def rendered_documents() -> list[etree._Element]:
    project = load_project(EXAMPLE_CONFIG)
    variants = [
        project,
        dataclasses.replace(
            project,
            plugin=dataclasses.replace(
                project.plugin, oauth=True, permission_page="/admin/home.html", contact_phone="555-0100"
            ),
        ),
    ]
    roots = []
    for variant in variants:
        tree = render_plugin(variant, load_catalog(variant))
        roots += [etree.fromstring(data, safe_parser()) for data in tree.files.values()]
    return roots


def mutations(root: etree._Element):
    """Small changes of a valid document: some keep it valid, most do not."""
    elements = list(root.iter(etree.Element))
    for index, element in enumerate(elements):
        for name in list(element.attrib):
            for value in ("", "x" * 41, "x" * 201, "maybe", "FullAccess", "array"):
                doc = copy.deepcopy(root)
                list(doc.iter(etree.Element))[index].set(name, value)
                yield doc
            doc = copy.deepcopy(root)
            del list(doc.iter(etree.Element))[index].attrib[name]
            yield doc
        doc = copy.deepcopy(root)
        list(doc.iter(etree.Element))[index].set("unexpected", "1")
        yield doc
        if element is not root:
            doc = copy.deepcopy(root)
            target = list(doc.iter(etree.Element))[index]
            target.getparent().remove(target)
            yield doc
            doc = copy.deepcopy(root)
            target = list(doc.iter(etree.Element))[index]
            target.addnext(copy.deepcopy(target))
            yield doc
            doc = copy.deepcopy(root)
            target = list(doc.iter(etree.Element))[index]
            parent = target.getparent()
            parent.remove(target)
            parent.insert(0, target)
            yield doc
        doc = copy.deepcopy(root)
        tag = etree.QName(element).namespace
        list(doc.iter(etree.Element))[index].append(etree.Element(f"{{{tag}}}extra" if tag else "extra"))
        yield doc


def test_our_rendered_documents_take_the_fast_path():
    for root in rendered_documents():
        assert strict_schema(kind_of(root)).validate(root), strict_schema(kind_of(root)).error_log


@pytest.mark.parametrize("kind", ["plugin", "named_queries", "permission_mappings"])
def test_strict_accepts_nothing_the_lenient_schema_rejects(kind):
    documents = [r for r in rendered_documents() if kind_of(r) == kind]
    for path in sorted((REPO / "tests").rglob("*.xml")):
        try:
            root = etree.parse(str(path), safe_parser()).getroot()
        except etree.XMLSyntaxError:
            continue
        if kind_of(root) == kind:
            documents.append(root)
    assert documents
    checked = 0
    for original in documents:
        if kind == "named_queries":  # one query holds every element kind; mutate just that
            original = copy.deepcopy(original)
            for extra in original.findall("query")[1:]:
                original.remove(extra)
        for doc in [original, *mutations(original)]:
            if strict_schema(kind).validate(doc):
                errors = list(schema(kind).iter_errors(doc))
                assert not errors, (etree.tostring(doc)[:300], errors[0])
            checked += 1
    assert checked > 100


def test_a_build_never_imports_xmlschema(tmp_path):
    code = (
        "import sys\n"
        "from plugin_builder.pipeline import build\n"
        f"result = build({str(EXAMPLE_CONFIG)!r}, {str(tmp_path)!r})\n"
        "assert result.zip is not None\n"
        "print('xmlschema' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_violation_is_still_reported_with_every_message():
    from plugin_builder.checks.xsd import violations

    root = etree.fromstring(
        b'<plugin xmlns="http://plugin.powerschool.pearson.com" name="">'
        b"<publisher><contact/></publisher><unknown_but_lenient/></plugin>"
    )
    messages = [message for _, message in violations("plugin", root)]
    assert len(messages) == 3, messages  # name too short, publisher name, contact email

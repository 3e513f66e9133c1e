"""Rules on plugin.xml and the permission mappings (PS1xx)."""

from __future__ import annotations

from collections.abc import Iterator

from plugin_builder.checks import CheckContext, Hit, rule
from plugin_builder.checks.xsd import violations
from plugin_builder.model import PLUGIN_NS


@rule("PS100", "plugin.xml-syntax")
def plugin_xml_syntax(ctx: CheckContext) -> Iterator[Hit]:
    """plugin.xml must be well-formed XML.

    Bad::

        <plugin name="Rostering" version="1.0">   (never closed)

    Good::

        <plugin xmlns="http://plugin.powerschool.pearson.com" name="Rostering" version="1.0">
          <publisher name="District IT"><contact email="it@example.org"/></publisher>
        </plugin>
    """
    for xml in [ctx.model.plugin, *ctx.model.permission_files]:
        if xml is not None and xml.error:
            yield Hit(f"not well-formed XML: {xml.error}", file=xml.path, line=xml.error_line, column=xml.error_column)


@rule("PS101", "plugin.schema")
def plugin_schema(ctx: CheckContext) -> Iterator[Hit]:
    """plugin.xml must follow the plugin schema (every violation is listed).

    Checks the root element and namespace, the required ``name`` (1-40 characters) and
    ``<publisher name><contact email/></publisher>``, attribute lengths and the
    ``access_request`` field format.

    Bad::

        <plugin name="Rostering"/>                       (no publisher, no namespace)

    Good::

        <plugin xmlns="http://plugin.powerschool.pearson.com" name="Rostering" version="1.0">
          <publisher name="District IT"><contact email="it@example.org"/></publisher>
        </plugin>
    """
    xml = ctx.model.plugin
    if xml is None or xml.root is None:
        return
    root = xml.root
    if root.tag != f"{{{PLUGIN_NS}}}plugin":
        yield Hit(
            f"root element is {root.tag!r}; PowerSchool expects <plugin> in namespace {PLUGIN_NS}",
            file=xml.path,
            line=root.sourceline,
            hint=f'write <plugin xmlns="{PLUGIN_NS}" …>',
        )
        return
    for line, message in violations("plugin", root):
        yield Hit(message, file=xml.path, line=line)
    for xml in ctx.model.permission_files:
        if xml.root is not None:
            for line, message in violations("permission_mappings", xml.root):
                yield Hit(message, file=xml.path, line=line)

"""Rules on plugin.xml and the permission mappings (PS1xx)."""

from __future__ import annotations

from collections.abc import Iterator

from plugin_builder.build.model import PLUGIN_NS
from plugin_builder.checks.engine import CheckContext, Hit, rule
from plugin_builder.checks.xsd import violations
from plugin_builder.facts import PLUGIN_NAME_MAX as NAME_MAX
from plugin_builder.facts import VERSION_MAX, is_version


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

        <plugin name="Rostering" version="1.0"/>

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
        if message.startswith(("attribute name=", "attribute version=")) and message.endswith("(at /plugin)"):
            continue  # PS102 and PS103 say it more clearly
        yield Hit(message, file=xml.path, line=line)
    for xml in ctx.model.permission_files:
        if xml.root is not None:
            for line, message in violations("permission_mappings", xml.root):
                yield Hit(message, file=xml.path, line=line)


def _root(ctx: CheckContext):
    xml = ctx.model.plugin
    if xml is None or xml.root is None or xml.root.tag != f"{{{PLUGIN_NS}}}plugin":
        return None, None
    return xml, xml.root


@rule("PS102", "plugin.name-length")
def plugin_name_length(ctx: CheckContext) -> Iterator[Hit]:
    """The plugin name must be 1-40 characters (PluginDef.Name is VARCHAR2(40)).

    A longer name fails the install with a database error.

    Bad::

        <plugin xmlns="http://plugin.powerschool.pearson.com" name="Example Unified School District OneRoster Rostering" version="1.0">
          <publisher name="District IT"><contact email="it@example.org"/></publisher>
        </plugin>

    Good::

        <plugin xmlns="http://plugin.powerschool.pearson.com" name="Example USD Rostering" version="1.0">
          <publisher name="District IT"><contact email="it@example.org"/></publisher>
        </plugin>
    """
    xml, root = _root(ctx)
    if root is None:
        return
    name = root.get("name")
    if name is None:
        return  # PS101 reports the missing attribute
    if not name.strip():
        yield Hit("the plugin name is empty", file=xml.path, line=root.sourceline, hint="name it in 1-40 characters")
    elif len(name) > NAME_MAX:
        yield Hit(
            f"the plugin name is {len(name)} characters; PowerSchool allows at most {NAME_MAX}",
            file=xml.path,
            line=root.sourceline,
            hint="shorten [plugin] name",
        )


@rule("PS103", "plugin.version-format")
def plugin_version_format(ctx: CheckContext) -> Iterator[Hit]:
    """The plugin version must be dotted numeric and at most 20 characters.

    PowerSchool compares versions to decide whether an upload is an update.

    Bad::

        <plugin xmlns="http://plugin.powerschool.pearson.com" name="Rostering" version="1.0-beta">
          <publisher name="District IT"><contact email="it@example.org"/></publisher>
        </plugin>

    Good::

        <plugin xmlns="http://plugin.powerschool.pearson.com" name="Rostering" version="1.0.3">
          <publisher name="District IT"><contact email="it@example.org"/></publisher>
        </plugin>
    """
    xml, root = _root(ctx)
    if root is None:
        return
    version = root.get("version")
    if version is None:
        yield Hit("plugin.xml has no version", file=xml.path, line=root.sourceline, hint='add version="1.0.0"')
    elif not is_version(version):
        yield Hit(
            f"version {version!r} is not dotted numeric",
            file=xml.path,
            line=root.sourceline,
            hint='for example "1.0.3"',
        )
    elif len(version) > VERSION_MAX:
        yield Hit(
            f"version is {len(version)} characters; PowerSchool allows at most {VERSION_MAX}",
            file=xml.path,
            line=root.sourceline,
        )


@rule("PS104", "plugin.publisher")
def plugin_publisher(ctx: CheckContext) -> Iterator[Hit]:
    """plugin.xml must name its publisher with a contact e-mail.

    Bad::

        <plugin xmlns="http://plugin.powerschool.pearson.com" name="Rostering" version="1.0"/>

    Good::

        <plugin xmlns="http://plugin.powerschool.pearson.com" name="Rostering" version="1.0">
          <publisher name="District IT"><contact email="it@example.org"/></publisher>
        </plugin>
    """
    xml, root = _root(ctx)
    if root is None:
        return
    publisher = root.find(f"{{{PLUGIN_NS}}}publisher")
    if publisher is None:
        yield Hit(
            "plugin.xml has no <publisher>",
            file=xml.path,
            line=root.sourceline,
            hint='add <publisher name="…"><contact email="…"/></publisher>',
        )
        return
    if not (publisher.get("name") or "").strip():
        yield Hit("<publisher> has no name", file=xml.path, line=publisher.sourceline)
    contact = publisher.find(f"{{{PLUGIN_NS}}}contact")
    if contact is None or not (contact.get("email") or "").strip():
        yield Hit("<publisher> has no <contact email=…>", file=xml.path, line=publisher.sourceline)


@rule("PS105", "xml.doctype")
def xml_doctype(ctx: CheckContext) -> Iterator[Hit]:
    """Plugin XML must not carry a DOCTYPE (entities and external DTDs are refused).

    PowerSchool's formats have no DTD. A DOCTYPE can declare entities that expand
    exponentially or read files and URLs; we never expand or fetch them, and report it.

    Bad::

        <!DOCTYPE plugin [<!ENTITY x SYSTEM "file:///etc/passwd">]>
        <plugin xmlns="http://plugin.powerschool.pearson.com" name="Rostering" version="1.0">&x;</plugin>

    Good::

        <?xml version="1.0" encoding="UTF-8"?>
        <plugin xmlns="http://plugin.powerschool.pearson.com" name="Rostering" version="1.0">
          <publisher name="District IT"><contact email="it@example.org"/></publisher>
        </plugin>
    """
    for xml in [ctx.model.plugin, *ctx.model.query_files, *ctx.model.permission_files]:
        if xml is None:
            continue
        if xml.has_doctype or (xml.root is None and b"<!DOCTYPE" in xml.data[:4096].upper()):
            yield Hit(
                "has a DOCTYPE; entities and external DTDs are not expanded or fetched",
                file=xml.path,
                line=1,
                hint="remove the DOCTYPE: PowerSchool plugin XML has none",
            )

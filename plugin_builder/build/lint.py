"""``lint PATH``: the same checks on a plugin ZIP, folder or bare plugin.xml that we did not build.

The archive is read by :mod:`plugin_builder.build.archive` (bounded, in memory, nothing
extracted, links never followed) and its XML by :mod:`plugin_builder.build.model` (no entity
expansion, no DTD, no network). Findings point at the archive's own files and lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from plugin_builder.build.archive import MAX_MEMBER_BYTES, ArchiveEntry, ArchiveListing, read_folder, read_zip
from plugin_builder.build.model import PluginModel, build_model
from plugin_builder.build.render import PLUGIN_XML
from plugin_builder.checks import CheckContext, run_rules
from plugin_builder.errors import InputError, Problem
from plugin_builder.userfiles import read_toml
from plugin_builder.findings import Finding, has_errors
from plugin_builder.sql.dictionary import Dictionary, parse_extensions, powerschool_dictionary


@dataclass
class LintResult:
    findings: list[Finding]
    model: PluginModel
    listing: ArchiveListing

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


def load_dictionary_file(path: str | Path) -> Dictionary:
    """The shipped dictionary plus a district's extension file (``TABLE = ["COL", …]``)."""
    path = Path(path)
    doc = read_toml(path, InputError)
    tables, problems = parse_extensions(doc.data, "")
    if problems:
        raise InputError([doc.problem(key.lstrip("."), message) for key, message in problems])
    return powerschool_dictionary().extended(tables)


def read_plugin(path: str | Path) -> tuple[dict[str, bytes], ArchiveListing]:
    """The plugin's files and a listing of every entry, whatever form the plugin takes."""
    path = Path(path)
    if path.is_symlink():
        raise InputError(Problem("is a symbolic link", file=str(path), hint="pass the real file or folder"))
    if path.is_dir():
        return read_folder(path)
    if not path.exists():
        raise InputError(Problem("not found", file=str(path)))
    if path.suffix.lower() == ".xml":
        size = path.stat().st_size
        if size > MAX_MEMBER_BYTES:
            raise InputError(Problem(f"is {size} bytes; plugin.xml is at most {MAX_MEMBER_BYTES}", file=str(path)))
        listing = ArchiveListing(
            source=str(path), kind="folder", entries=[ArchiveEntry(PLUGIN_XML, size, size)], total_entries=1
        )
        return {PLUGIN_XML: path.read_bytes()}, listing
    return read_zip(path)


# PowerSchool's field types in a database extension (user_schema_root) -> Oracle type families.
EXTENSION_TYPES = {
    "STRING": "VARCHAR2",
    "INTEGER": "NUMBER",
    "LONG": "NUMBER",
    "DOUBLE": "FLOAT",
    "BOOLEAN": "NUMBER",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP",
    "CLOB": "CLOB",
    "BLOB": "BLOB",
}


def declared_extensions(files: dict[str, bytes]) -> dict[str, dict[str, str]]:
    """Tables the plugin itself defines in ``user_schema_root/*.xml``: TABLE -> COLUMN -> type.

    Each ``extendedTable`` gets its fields plus the ID PowerSchool adds; one that extends a
    PowerSchool table (``coreTable="STUDENTS"`` on the ``extendedTable``, or nested under the
    table) also gets the key PowerSchool creates for it, ``<CORETABLE>DCID`` (``STUDENTSDCID``).
    Unreadable files add nothing.
    """
    from plugin_builder.build.archive import USER_SCHEMA_ROOT
    from plugin_builder.build.model import parse_xml

    tables: dict[str, dict[str, str]] = {}
    for path, data in sorted(files.items()):
        if not path.startswith(USER_SCHEMA_ROOT + "/"):
            continue
        root = parse_xml(path, data).root
        if root is None:
            continue
        for table in root.iter("{*}extendedTable", "extendedTable"):
            name = (table.get("dbTableName") or table.get("name") or "").upper()
            if not name:
                continue
            columns = tables.setdefault(name, {"ID": "NUMBER"})
            core_table = next((v for k, v in table.attrib.items() if k.lower() == "coretable" and v.strip()), "")
            if not core_table:
                parent = table.getparent()
                core_table = (parent.get("name") or "") if parent is not None else ""
            if core_table.strip():
                columns[f"{core_table.strip().upper()}DCID"] = "NUMBER"
            for field_ in table.iter("{*}field", "field"):
                column = (field_.get("name") or "").upper()
                if column:
                    columns[column] = EXTENSION_TYPES.get((field_.get("type") or "").upper(), "VARCHAR2")
    return tables


def lint(path: str | Path, dictionary: Dictionary | None = None) -> LintResult:
    """Run every rule on an existing plugin; raises InputError when it cannot be read at all.

    Tables the plugin defines in its own database extensions count as declared."""
    files, listing = read_plugin(path)
    model = build_model(files, origin="linted")
    model.source = str(path)
    dictionary = (dictionary or powerschool_dictionary()).extended(declared_extensions(files))
    ctx = CheckContext(model=model, dictionary=dictionary, archive=listing)
    return LintResult([_in_lint_words(f) for f in run_rules(ctx)], model, listing)


# A linted plugin has no plugin.toml: the same fixes, as lint offers them.
_LINT_HINTS = (
    (
        re.compile(
            r"(declare (?:it|district extension tables) )under \[dictionary\](?: extensions)?(?: in plugin\.toml)?(?: \(lint: --dictionary FILE\))?"
        ),
        r"\1in a file given to lint --dictionary",
    ),
    (re.compile(r", or allow it in plugin\.toml: \[checks\.suppress\].*$"), " if the receiver does not need it"),
)


def _in_lint_words(finding: Finding) -> Finding:
    hint = finding.hint
    if not hint:
        return finding
    for pattern, words in _LINT_HINTS:
        hint = pattern.sub(words, hint)
    return finding if hint == finding.hint else replace(finding, hint=hint)

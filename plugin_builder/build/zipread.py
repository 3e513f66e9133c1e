"""Read a previous release's plugin ZIP strictly (``review --against``, ``build --against``).

The reading itself is :func:`plugin_builder.build.archive.read_zip`, the same bounded, in-memory
reader ``lint`` uses (nothing extracted, no unsafe names, no symlinks, zip bombs stopped
within one chunk). Where ``lint`` reports a refused entry as a finding, a release we compare
against must be clean: any refused entry is an error here.
"""

from __future__ import annotations

from pathlib import Path

from plugin_builder.build.archive import MAX_ENTRIES, NOT_A_FILE, read_zip
from plugin_builder.build.render import PLUGIN_XML
from plugin_builder.errors import InputError, Problem


def read_plugin_zip(path: str | Path) -> dict[str, bytes]:
    """The plugin files of a ZIP (plugin.xml, named queries, permission mappings), in memory."""
    path = Path(path)
    where = str(path)
    if not path.exists():
        raise InputError(Problem(message="not found", file=where))
    if not path.is_file():
        raise InputError(Problem(message="is not a file", file=where, hint="give the plugin's .zip"))
    files, listing = read_zip(path)
    if listing.too_many:
        raise InputError(
            Problem(message=f"has {listing.total_entries} entries; at most {MAX_ENTRIES} are read", file=where)
        )
    problems = [
        Problem(message=f"member {entry.name!r} {entry.problem[1]}", file=where, hint="refused")
        for entry in listing.entries
        if entry.problem is not None and entry.problem[0] != NOT_A_FILE
    ]
    if problems:
        raise InputError(problems)
    if PLUGIN_XML not in files:
        raise InputError(Problem(message="has no plugin.xml", file=where, hint="is this a PowerSchool plugin ZIP?"))
    return files

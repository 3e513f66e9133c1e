"""Rules on the project's configuration that the rendered plugin cannot show (PS19x).

They need the :class:`~plugin_builder.config.Project`, so they report nothing when
``lint`` checks a plugin we did not build.
"""

from __future__ import annotations

from collections.abc import Iterator

from plugin_builder.checks.engine import CheckContext, Hit, rule
from plugin_builder.config import _key_lines
from plugin_builder.findings import Severity


@rule("PS190", "csv.quotes-off", severity=Severity.WARNING)
def csv_quotes_off(ctx: CheckContext) -> Iterator[Hit]:
    """``[csv] quotes = false`` changes the exported data, not only its quoting.

    An unquoted CSV field cannot hold a comma or a double quote, so free text (names,
    titles, rooms, comments) loses them (each becomes a space) and multi-valued columns
    (OneRoster ``orgSourcedIds``, ``agentSourcedIds``) carry only their first value. Use it
    only for a receiver that requires DEM's "Surround field values in quotes" off.

    Bad::

        [csv]
        quotes = false

    Good::

        [csv]
        quotes = true        # and tick "Surround field values in quotes" in DEM
    """
    project = ctx.project
    if project is None or project.csv.quotes:
        return
    try:
        line = _key_lines(project.config_path.read_text(encoding="utf-8")).get("csv.quotes")
    except OSError:
        line = None
    yield Hit(
        "[csv] quotes = false: free text loses commas and double quotes, and multi-valued "
        "columns keep only their first value",
        file=str(project.config_path),
        line=line,
        hint="set quotes = true unless the receiver cannot read quoted fields",
    )

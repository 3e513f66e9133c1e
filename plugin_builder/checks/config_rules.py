"""Rules on the project's configuration that the rendered plugin cannot show (PS19x).

They need the :class:`~plugin_builder.project.config.Project`, so they report nothing when
``lint`` checks a plugin we did not build.
"""

from __future__ import annotations

from collections.abc import Iterator

from plugin_builder.checks.engine import CheckContext, Hit, rule
from plugin_builder.userfiles import display_path
from plugin_builder.findings import Severity
from plugin_builder.project.config import _key_lines


@rule("PS190", "csv.quotes-off", severity=Severity.WARNING)
def csv_quotes_off(ctx: CheckContext) -> Iterator[Hit]:
    """``[csv] quotes = false`` changes the exported data, not only its quoting.

    An unquoted CSV field cannot hold a comma or a double quote, so free text (names,
    titles, rooms, comments) loses them (each becomes a space) and multi-valued columns
    (OneRoster ``orgSourcedIds``, ``agentSourcedIds``) carry only their first value. Use it
    only for a receiver that requires DEM's "Surround field values in quotes" off.

    Bad::

        # plugin.toml
        [plugin]
        name = "Rostering"
        version = "1.0.0"
        publisher = "District IT"
        contact_email = "it@example.org"
        namespace = "org.example.roster"

        [queries]
        include = ["clever_*"]

        [csv]
        quotes = false

    Good::

        # plugin.toml (and tick "Surround field values in quotes" in DEM)
        [plugin]
        name = "Rostering"
        version = "1.0.0"
        publisher = "District IT"
        contact_email = "it@example.org"
        namespace = "org.example.roster"

        [queries]
        include = ["clever_*"]

        [csv]
        quotes = true
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
        file=display_path(project.config_path),
        line=line,
        hint="set quotes = true unless the receiver cannot read quoted fields",
    )


@rule("PS191", "oauth.api-queries-without-oauth", severity=Severity.WARNING)
def api_queries_without_oauth(ctx: CheckContext) -> Iterator[Hit]:
    """Queries whose receiver reads them through the API need ``oauth = true``.

    A query whose sidecar names a JSON ``file_name`` (the Ed-Fi associations, Schoology
    attendance) is read by its receiver from PowerSchool's PowerQuery API; with ``oauth =
    false`` the plugin has no OAuth client, so the receiver cannot call it. Either set
    ``oauth = true`` or give the receiver a Data Export Manager CSV file instead (the DEM
    guide describes one), and leave the query out if it takes neither.

    Bad::

        # plugin.toml
        [plugin]
        name = "Ed-Fi Rostering"
        version = "1.0.0"
        publisher = "District IT"
        contact_email = "it@example.org"
        namespace = "org.example.edfi"
        oauth = false

        [queries]
        include = ["ed_fi_*"]

    Good::

        # plugin.toml (the receiver gets a client ID and secret)
        [plugin]
        name = "Ed-Fi Rostering"
        version = "1.0.0"
        publisher = "District IT"
        contact_email = "it@example.org"
        namespace = "org.example.edfi"
        oauth = true

        [queries]
        include = ["ed_fi_*"]
    """
    project = ctx.project
    if project is None or project.plugin.oauth:
        return
    names = sorted(
        query.rendered.spec.name
        for query in ctx.model.queries
        if query.rendered is not None and query.rendered.spec.read_through_api
    )
    if not names:
        return
    try:
        lines = _key_lines(project.config_path.read_text(encoding="utf-8-sig"))
    except OSError:
        lines = {}
    yield Hit(
        f"oauth = false, but the receivers of {', '.join(names)} read {'them' if len(names) > 1 else 'it'} "
        "through PowerSchool's API, which needs an OAuth client",
        file=display_path(project.config_path),
        line=lines.get("plugin.oauth") or lines.get("plugin"),
        hint="set oauth = true in [plugin], or have those receivers take the DEM CSV file "
        "(see the DEM setup guide), or leave the queries out with [queries] exclude",
    )


# What `plugin-builder init` writes (templates/init/plugin.toml): placeholders to change.
INIT_EXAMPLES = (
    ("name", "Example District Rostering"),
    ("publisher", "Example District Technology"),
    ("contact_email", "it@district.example"),
    ("namespace", "org.example.district.rostering"),
)


@rule("PS195", "plugin.init-example-values", severity=Severity.WARNING)
def init_example_values(ctx: CheckContext) -> Iterator[Hit]:
    """``[plugin]`` no longer holds the example values ``plugin-builder init`` wrote.

    The scaffold builds as it is, so that it can be tried at once; but a plugin released with
    the example publisher, contact e-mail or namespace names nobody who supports it (PowerSchool
    shows the publisher and e-mail in Plugin Management), and its query names would clash with
    any other district's plugin made from the same scaffold. One warning names the keys still
    to change (the lines marked CHANGE).

    Bad::

        # plugin.toml
        [plugin]
        name = "Springfield Rostering"
        version = "1.0.0"
        publisher = "Example District Technology"
        contact_email = "it@district.example"
        namespace = "org.example.district.rostering"

    Good::

        # plugin.toml
        [plugin]
        name = "Springfield Rostering"
        version = "1.0.0"
        publisher = "Springfield USD Technology"
        contact_email = "helpdesk@springfield.k12.or.us"
        namespace = "us.or.k12.springfield.rostering"
    """
    project = ctx.project
    if project is None:
        return
    left = [key for key, example in INIT_EXAMPLES if getattr(project.plugin, key) == example]
    if not left:
        return
    try:
        lines = _key_lines(project.config_path.read_text(encoding="utf-8-sig"))
    except OSError:
        lines = {}
    first = min((lines.get(f"plugin.{key}") or 0 for key in left), default=0) or lines.get("plugin")
    yield Hit(
        f"[plugin] {', '.join(left)} still {'hold' if len(left) > 1 else 'holds'} the example "
        f"value{'s' if len(left) > 1 else ''} written by plugin-builder init",
        file=display_path(project.config_path),
        line=first,
        hint="change the lines marked CHANGE: your publisher, a contact e-mail that reaches it, "
        "and a namespace of your own reversed domain",
    )

"""Rules on plugin.xml's ``<access_request>`` against what the queries read (AC4xx).

PowerSchool answers a PowerQuery called through the API with 403 when any field it reads
is missing from ``access_request``; Data Export Manager exports do not need it. So the fields
are checked only when a plugin declares API use (``<oauth/>``) *and* an ``access_request``;
``<oauth/>`` alone is one warning, since many plugins carry it and are used only through DEM. The fields a query reads
come from :mod:`plugin_builder.sql.analysis` (every role: output, join, filter, grouping,
ordering); a ``<column column=…>`` target that no SQL reads is a placeholder, not a read.
"""

from __future__ import annotations

from collections.abc import Iterator

from plugin_builder.build.model import QueryDef
from plugin_builder.checks.engine import CheckContext, Hit, rule
from plugin_builder.findings import Severity


def _needed(ctx: CheckContext, query: QueryDef) -> set[tuple[str, str]]:
    """(TABLE, FIELD) pairs a query needs in access_request: every field its SQL reads.

    A ``<column column=…>`` target the SQL does not read is a placeholder naming the DEM field
    type of a computed output: PowerSchool reads no data from it, so it is not needed (and
    our access_request leaves it out); :func:`_allowed` still accepts it."""
    return {(use.table, use.field) for use in ctx.analysis(query).uses}


def _allowed(ctx: CheckContext, query: QueryDef) -> set[tuple[str, str]]:
    """What a query may ask for without AC401: what it needs, plus its column= targets
    (a bare field belongs to the coreTable)."""
    from plugin_builder.checks.query_rules import column_target

    allowed = _needed(ctx, query)
    for column in query.columns:
        resolved = column_target(query, column.column)
        if resolved is not None and ctx.dictionary.has_table(resolved[0]):
            allowed.add(resolved)
    return allowed


def first_use(ctx: CheckContext, query: QueryDef, table: str, name: str) -> tuple[int | None, int | None]:
    """SQL position of the first reference to TABLE.FIELD (None, None for a column= target)."""
    return ctx.analysis(query).positions.get((table, name), (None, None))


@rule("AC400", "access.not-requested", scope="query")
def access_not_requested(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """With ``<oauth/>`` and an ``access_request``, every field a query reads is requested (else API calls get 403).

    Fields in joins and filters count too. A ``<column column=…>`` target that the SQL does
    not read (a placeholder giving a computed output its DEM type) is not needed. One
    finding per query lists the missing fields. A plugin without ``<oauth/>`` is used through
    Data Export Manager, which does not consult ``access_request``; ``<oauth/>`` without any
    ``access_request`` is AC403.

    In the examples, ``-- oauth: …`` stands for ``<oauth/>`` in plugin.xml with an
    ``access_request`` of those fields (ViewOnly).

    Bad::

        -- oauth: STUDENTS.DCID
        SELECT s.DCID AS dcid FROM STUDENTS s WHERE s.ENROLL_STATUS = 0 ORDER BY 1

    Good::

        -- oauth: STUDENTS.DCID, STUDENTS.ENROLL_STATUS
        SELECT s.DCID AS dcid FROM STUDENTS s WHERE s.ENROLL_STATUS = 0 ORDER BY 1
    """
    request = ctx.access_request()
    if not ctx.oauth or request is None:
        return
    requested = {(f.table, f.field) for f in request}
    missing = sorted(_needed(ctx, query) - requested)
    if not missing:
        return
    positions = [first_use(ctx, query, table, name) for table, name in missing]
    located = [p for p in positions if p[0] is not None]
    line, column = min(located) if located else (None, None)
    names = ", ".join(f"{table}.{name}" for table, name in missing)
    hint = (
        f'add <field table="{missing[0][0]}" field="{missing[0][1]}" access="ViewOnly"/>'
        + (f" and {len(missing) - 1} more like it" if len(missing) > 1 else "")
        + " to access_request"
    )
    if line is None:
        yield Hit(
            f"{len(missing)} field(s) read but not in access_request, so API calls get 403: {names}",
            file=query.file,
            line=query.line,
            hint=hint,
        )
    else:
        yield Hit(
            f"{len(missing)} field(s) read but not in access_request, so API calls get 403: {names}",
            sql_line=line,
            sql_column=column,
            hint=hint,
        )


@rule("AC403", "access.oauth-without-request", Severity.WARNING)
def access_oauth_without_request(ctx: CheckContext) -> Iterator[Hit]:
    """``<oauth/>`` comes with an ``access_request`` listing the fields the queries read.

    Without one, every API call to the plugin's PowerQueries gets 403; that is fine when the
    queries are used only through Data Export Manager (then ``<oauth/>`` can go). In the
    examples, the plugin's one query reads STUDENTS.DCID.

    Bad::

        <plugin xmlns="http://plugin.powerschool.pearson.com" name="Roster" version="1.0">
          <publisher name="District IT"><contact email="it@example.org"/></publisher>
          <oauth/>
        </plugin>

    Good::

        <plugin xmlns="http://plugin.powerschool.pearson.com" name="Roster" version="1.0">
          <publisher name="District IT"><contact email="it@example.org"/></publisher>
          <oauth/>
          <access_request><field table="STUDENTS" field="DCID" access="ViewOnly"/></access_request>
        </plugin>
    """
    if not ctx.oauth or ctx.access_request() is not None or not ctx.model.queries:
        return
    path = ctx.model.plugin.path if ctx.model.plugin else "plugin.xml"
    root = ctx.model.plugin_root
    oauth = root.find("{http://plugin.powerschool.pearson.com}oauth") if root is not None else None
    yield Hit(
        "plugin.xml has <oauth/> but no access_request: every API call will get 403; "
        "fine if the queries are used only through Data Export Manager",
        file=path,
        line=oauth.sourceline if oauth is not None else None,
        hint="add an access_request of the fields the queries read (ViewOnly), or remove <oauth/> for DEM-only use",
    )


@rule("AC401", "access.unused", Severity.WARNING)
def access_unused(ctx: CheckContext) -> Iterator[Hit]:
    """``access_request`` asks only for fields that some query reads (least privilege).

    A ``FullAccess`` field no query reads is often there on purpose: the plugin's API client
    writes it back (grade passback, contact sync), and removing it would break that. For such
    a field the advice is to keep it if the client writes it, else to remove it.

    In the examples, ``-- oauth: …`` stands for ``<oauth/>`` in plugin.xml with an
    ``access_request`` of those fields (ViewOnly).

    Bad::

        -- oauth: STUDENTS.DCID, STUDENTS.SSN
        SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1

    Good::

        -- oauth: STUDENTS.DCID
        SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1
    """
    request = ctx.access_request()
    if not request or not ctx.model.queries:
        return
    if any(not ctx.analysis(q).ok for q in ctx.model.queries):
        return  # a query we cannot analyse may read anything
    needed: set[tuple[str, str]] = set()
    for query in ctx.model.queries:
        needed |= _allowed(ctx, query)
    path = ctx.model.plugin.path if ctx.model.plugin else "plugin.xml"
    for field in request:
        if (field.table, field.field) in needed:
            continue
        if field.access.strip().lower() == "fullaccess":
            yield Hit(
                f"access_request grants FullAccess to {field.table}.{field.field}, which no query reads",
                file=path,
                line=field.line,
                hint="keep it if the plugin's API client writes it back (grade passback, contact sync); "
                "otherwise remove it",
            )
            continue
        yield Hit(
            f"access_request asks for {field.table}.{field.field}, which no query reads",
            file=path,
            line=field.line,
            hint="remove it (request only what the queries need)",
        )


@rule("AC402", "access.full-access", Severity.WARNING)
def access_full_access(ctx: CheckContext) -> Iterator[Hit]:
    """``access_request`` fields are ``ViewOnly`` unless the plugin writes them on purpose.

    ``FullAccess`` lets the plugin's API client change the field; PowerSchool accepts it, and
    plugins that write data back need it, so it is a warning naming the fields (reviewers see
    it in the review report). An access level other than ``ViewOnly`` or ``FullAccess`` is an
    error.

    Bad::

        <plugin xmlns="http://plugin.powerschool.pearson.com" name="Roster" version="1.0">
          <publisher name="District IT"><contact email="it@example.org"/></publisher>
          <oauth/>
          <access_request><field table="STUDENTS" field="DCID" access="FullAccess"/></access_request>
        </plugin>

    Good::

        <plugin xmlns="http://plugin.powerschool.pearson.com" name="Roster" version="1.0">
          <publisher name="District IT"><contact email="it@example.org"/></publisher>
          <oauth/>
          <access_request><field table="STUDENTS" field="DCID" access="ViewOnly"/></access_request>
        </plugin>
    """
    path = ctx.model.plugin.path if ctx.model.plugin else "plugin.xml"
    full = []
    for field in ctx.access_request() or []:
        if field.access == "FullAccess":
            full.append(field)
        elif field.access != "ViewOnly":
            yield Hit(
                f"{field.table}.{field.field} requests {field.access or 'no access level'}; PowerSchool knows ViewOnly and FullAccess",
                file=path,
                line=field.line,
                hint='use access="ViewOnly"',
                severity=Severity.ERROR,
            )
    if full:
        names = ", ".join(f"{f.table}.{f.field}" for f in full)
        yield Hit(
            f"access_request gives the API client write access (FullAccess) to {len(full)} field(s): {names}",
            file=path,
            line=full[0].line,
            hint='keep it only if the plugin writes these fields on purpose; exports need access="ViewOnly"',
        )

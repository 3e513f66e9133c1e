"""Rules on plugin.xml's ``<access_request>`` against what the queries read (AC4xx).

PowerSchool answers a PowerQuery called through the API with 403 when any field it reads
is missing from ``access_request``; DEM exports do not need it. The fields a query reads
come from :mod:`plugin_builder.analysis` (every role: output, join, filter, grouping,
ordering) plus its ``<column column=…>`` targets.
"""

from __future__ import annotations

from collections.abc import Iterator

from plugin_builder.checks.engine import CheckContext, Hit, rule
from plugin_builder.findings import Severity
from plugin_builder.model import QueryDef


def _needed(ctx: CheckContext, query: QueryDef) -> set[tuple[str, str]]:
    """(TABLE, FIELD) pairs a query needs in access_request: every field read, plus column= targets."""
    needed = {(use.table, use.field) for use in ctx.analysis(query).uses}
    for column in query.columns:
        if column.column and "." in column.column:
            table, _, name = column.column.upper().partition(".")
            if ctx.dictionary.has_table(table):
                needed.add((table, name))
    return needed


def first_use(ctx: CheckContext, query: QueryDef, table: str, name: str) -> tuple[int | None, int | None]:
    """SQL position of the first reference to TABLE.FIELD (None, None for a column= target)."""
    return ctx.analysis(query).positions.get((table, name), (None, None))


@rule("AC400", "access.not-requested", scope="query")
def access_not_requested(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """With ``<oauth/>``, every field a query reads is in ``access_request`` (else API calls get 403).

    Fields in joins and filters count too, and so do ``<column column=…>`` targets.

    Bad::

        <access_request><field table="STUDENTS" field="DCID" access="ViewOnly"/></access_request>
        SELECT s.DCID FROM STUDENTS s WHERE s.ENROLL_STATUS = 0

    Good::

        <access_request>
          <field table="STUDENTS" field="DCID" access="ViewOnly"/>
          <field table="STUDENTS" field="ENROLL_STATUS" access="ViewOnly"/>
        </access_request>
    """
    if not ctx.oauth:
        return
    requested = {(f.table, f.field) for f in ctx.access_request() or []}
    missing = sorted(_needed(ctx, query) - requested)
    if not missing:
        return
    for table, name in missing:
        line, column = first_use(ctx, query, table, name)
        yield Hit(
            f"{table}.{name} is read but not in access_request; API calls will get 403",
            sql_line=line,
            sql_column=column,
            hint=f'add <field table="{table}" field="{name}" access="ViewOnly"/> to access_request',
        )


@rule("AC401", "access.unused", Severity.WARNING)
def access_unused(ctx: CheckContext) -> Iterator[Hit]:
    """``access_request`` asks only for fields that some query reads (least privilege).

    Bad::

        <field table="STUDENTS" field="SSN" access="ViewOnly"/>   (no query reads it)

    Good::

        <field table="STUDENTS" field="DCID" access="ViewOnly"/>  (read by a query)
    """
    request = ctx.access_request()
    if not request or not ctx.model.queries:
        return
    if any(not ctx.analysis(q).ok for q in ctx.model.queries):
        return  # a query we cannot analyse may read anything
    needed: set[tuple[str, str]] = set()
    for query in ctx.model.queries:
        needed |= _needed(ctx, query)
    path = ctx.model.plugin.path if ctx.model.plugin else "plugin.xml"
    for field in request:
        if (field.table, field.field) not in needed:
            yield Hit(
                f"access_request asks for {field.table}.{field.field}, which no query reads",
                file=path,
                line=field.line,
                hint="remove it (request only what the queries need)",
            )


@rule("AC402", "access.full-access")
def access_full_access(ctx: CheckContext) -> Iterator[Hit]:
    """``access_request`` fields are ``ViewOnly``; a read-only export never needs ``FullAccess``.

    Bad::

        <field table="STUDENTS" field="DCID" access="FullAccess"/>

    Good::

        <field table="STUDENTS" field="DCID" access="ViewOnly"/>
    """
    path = ctx.model.plugin.path if ctx.model.plugin else "plugin.xml"
    for field in ctx.access_request() or []:
        if field.access != "ViewOnly":
            yield Hit(
                f"{field.table}.{field.field} requests {field.access or 'no access level'}; exports need ViewOnly",
                file=path,
                line=field.line,
                hint='use access="ViewOnly"',
            )

"""What each query reads: every TABLE.FIELD and in which role, from sqlglot's scopes.

Used to derive ``<access_request>`` (SPEC §5: every real table.field that any query reads,
plus every ``<column column=…>`` target), by the access rules, and by the review report.

Interface (stable; other modules build on it):

* :func:`field_uses` -> list of :class:`FieldUse` (table, field, role), roles being
  ``select``, ``join``, ``filter``, ``grouping``, ``ordering`` or ``other``;
* :func:`fields_read` -> set of :class:`FieldRead` (table, field);
* :func:`access_fields_for` -> sorted (TABLE, FIELD) pairs for ``access_request``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

from plugin_builder.sqlparse import parse_sql

ROLES = ("select", "join", "filter", "grouping", "ordering", "other")


@dataclass(frozen=True)
class FieldRead:
    table: str
    field: str


@dataclass(frozen=True)
class FieldUse:
    table: str
    field: str
    role: str


def _role(column: exp.Column) -> str:
    node: exp.Expression | None = column
    while node is not None:
        parent = node.parent
        if parent is None:
            return "other"
        key = node.arg_key
        if isinstance(parent, exp.Join) and key in ("on", "using"):
            return "join"
        if isinstance(node, (exp.Where, exp.Having)):
            return "filter"
        if isinstance(node, exp.Group):
            return "grouping"
        if isinstance(node, exp.Order) and not isinstance(parent, (exp.Window, exp.GroupConcat)):
            return "ordering"
        if isinstance(parent, exp.Select) and key == "expressions":
            return "select"
        if isinstance(node, exp.Subquery | exp.Select):
            return "other"
        node = parent
    return "other"


def field_uses(sql: str) -> list[FieldUse]:
    """Every use of a real table's column, with its role; sorted and unique."""
    parsed = parse_sql(sql)
    if parsed.statement is None:
        return []
    found: set[FieldUse] = set()
    for scope in traverse_scope(parsed.statement):
        tables = {
            alias.upper(): source.name.upper()
            for alias, source in scope.sources.items()
            if isinstance(source, exp.Table) and source.name.upper() != "DUAL"
        }
        for column in scope.columns:
            if isinstance(column.this, exp.Star):
                continue
            qualifier = column.table.upper()
            if qualifier:
                table = tables.get(qualifier)
            elif len(tables) == 1 and not scope.selected_sources.keys() - set(k for k in scope.sources if k.upper() in tables):
                table = next(iter(tables.values()))
            else:
                table = None
            if table:
                found.add(FieldUse(table, column.name.upper(), _role(column)))
    return sorted(found, key=lambda u: (u.table, u.field, ROLES.index(u.role)))


def fields_read(sql: str) -> set[FieldRead]:
    """Every (TABLE, FIELD) of a real table that the SQL references, upper-case."""
    return {FieldRead(u.table, u.field) for u in field_uses(sql)}


def access_fields_for(queries: Iterable) -> list[tuple[str, str]]:
    """Sorted, unique (TABLE, FIELD) pairs for access_request from rendered queries."""
    pairs: set[tuple[str, str]] = set()
    for query in queries:
        for read in fields_read(query.sql):
            pairs.add((read.table, read.field))
        for column in query.spec.columns:
            table, _, field = column.column.partition(".")
            pairs.add((table.upper(), field.upper()))
    return sorted(pairs)

"""What each query reads: every TABLE.FIELD, found by walking sqlglot's scopes.

Used to derive ``<access_request>`` (SPEC §5): every real table.field that any query
reads, plus every ``<column column=…>`` target.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

from plugin_builder.sqlparse import parse_sql


@dataclass(frozen=True)
class FieldRead:
    table: str
    field: str


def fields_read(sql: str) -> set[FieldRead]:
    """Every (TABLE, FIELD) of a real table that the SQL references, upper-case."""
    parsed = parse_sql(sql)
    if parsed.statement is None:
        return set()
    found: set[FieldRead] = set()
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
            elif len(tables) == 1:
                table = next(iter(tables.values()))
            else:
                table = None
            if table:
                found.add(FieldRead(table, column.name.upper()))
    return found


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

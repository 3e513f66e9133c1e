"""Stable paging (PV681): a query's ORDER BY must identify a row of its output.

PowerSchool pages a PowerQuery by running it again for each page and cutting the sorted
result; rows whose ORDER BY key ties come back in any order from one run to the next, so an
API client can get a row twice and another never. These rules judge what preview ran
(scope ``run``): the query's SQL and the rows it returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter

import sqlglot
from sqlglot import exp

from plugin_builder.checks.engine import RULES, Hit, rule
from plugin_builder.findings import Finding, Severity

SHOWN_KEYS = 3  # repeated keys named in one finding


@dataclass
class QueryRun:
    """One query preview ran: its name, where its SQL comes from, the SQL and the rows."""

    name: str
    file: str
    sql: str
    headers: list[str]
    rows: list[tuple]
    builtin: bool = False  # a catalogue query (ours: its ties are errors)
    line_of: object = None  # callable: SQL line -> (file, line) of the template, when known


def _unwrap(node: exp.Expression) -> exp.Expression:
    while isinstance(node, (exp.Paren, exp.Alias)):
        node = node.this
    return node


def order_key(sql: str) -> tuple[list[int] | None, exp.Order | None]:
    """The output positions (0-based) of the outermost ORDER BY, or None when an item is not a
    selected expression (then the key cannot be read from the output), and the ORDER BY node."""
    try:
        tree = sqlglot.parse_one(sql, read="oracle")
    except (sqlglot.errors.SqlglotError, ValueError):
        return None, None
    order = tree.args.get("order")
    if not isinstance(order, exp.Order):
        return None, None
    select = tree
    while isinstance(select, (exp.SetOperation, exp.Subquery)):
        select = select.this
    if not isinstance(select, exp.Select):
        return None, order
    items = select.expressions
    aliases = {item.alias_or_name.upper(): i for i, item in enumerate(items) if item.alias_or_name}
    shapes = {_unwrap(item).sql("oracle"): i for i, item in enumerate(items)}
    positions = []
    for ordered in order.expressions:
        key = ordered.this
        if isinstance(key, exp.Literal) and not key.is_string:
            index = int(key.this) - 1
            if not 0 <= index < len(items):
                return None, order
            positions.append(index)
        elif isinstance(key, exp.Column) and not key.table and key.name.upper() in aliases:
            positions.append(aliases[key.name.upper()])
        elif key.sql("oracle") in shapes:
            positions.append(shapes[key.sql("oracle")])
        else:
            return None, order
    return positions, order


@rule("PV681", "paging.order-by-ties", Severity.WARNING, scope="run")
def paging_order_by_ties(run: QueryRun) -> Iterator[Hit]:
    """A query's ORDER BY identifies a row: no two different output rows share its key (stable paging).

    PowerSchool pages a PowerQuery by re-running it and cutting the sorted result; rows whose
    ORDER BY key ties come back in any order from one run to the next, so a client can get a
    row twice and another never. An error for the catalogue's queries, a warning for others.

    Bad::

        -- run
        INSERT INTO STUDENTS (ID, DCID, SCHOOLID, LASTFIRST) VALUES (1, 11, 100, 'Lee, Ann'), (2, 12, 100, 'Diaz, Bo');
        == query
        SELECT s.SCHOOLID AS school, s.LASTFIRST AS name FROM STUDENTS s ORDER BY 1

    Good::

        -- run
        INSERT INTO STUDENTS (ID, DCID, SCHOOLID, LASTFIRST) VALUES (1, 11, 100, 'Lee, Ann'), (2, 12, 100, 'Diaz, Bo');
        == query
        SELECT s.SCHOOLID AS school, s.LASTFIRST AS name, s.DCID AS dcid FROM STUDENTS s ORDER BY 1, 3
    """
    positions, order = order_key(run.sql)
    if positions is None or order is None or len(run.rows) < 2:
        return
    keys = list(map(itemgetter(*positions), run.rows)) if positions else []
    if keys and len(set(keys)) == len(keys):
        return  # every key once (the usual case, decided in C): no tie
    first: dict[tuple, tuple] = {}
    repeated: dict[tuple, int] = {}
    for row in run.rows:
        key = tuple(row[i] for i in positions)
        seen = first.setdefault(key, row)
        if seen is not row and seen != row:
            repeated[key] = repeated.get(key, 1) + 1
    if not repeated:
        return
    rows = sum(repeated.values())
    names = [run.headers[i] for i in positions]
    shown = "; ".join(
        ", ".join(f"{name}={value!r}" for name, value in zip(names, key)) + f" ({count} rows)"
        for key, count in list(repeated.items())[:SHOWN_KEYS]
    )
    more = f" and {len(repeated) - SHOWN_KEYS} more keys" if len(repeated) > SHOWN_KEYS else ""
    # The outermost ORDER BY is the last line that starts with it (window ORDER BYs sit inside OVER).
    sql_line = next(
        (
            i
            for i, text in reversed(list(enumerate(run.sql.splitlines(), 1)))
            if text.strip().upper().startswith("ORDER BY")
        ),
        None,
    )
    file, line = run.file, None
    if run.line_of is not None and sql_line is not None:
        found = run.line_of(sql_line)
        if found is not None:
            file, line = found
    yield Hit(
        f"query {run.name}: ORDER BY {', '.join(names)} repeats on {rows} of {len(run.rows)} rows "
        f"({len(repeated)} keys: {shown}{more}); PowerSchool pages by re-running the query, "
        "so a client can get a row twice and another never",
        file=file,
        line=line,
        hint="add output columns to ORDER BY until they identify a row (an id such as sourcedId)",
        severity=Severity.ERROR if run.builtin else Severity.WARNING,
    )


def run_rules() -> list:
    return sorted((r for r in RULES.values() if r.scope == "run"), key=lambda r: r.code)


def check_runs(runs: Iterable[QueryRun]) -> list[Finding]:
    """Preview's run-scope rules on the queries it ran and their rows."""
    findings = []
    runs = list(runs)
    for rule_ in run_rules():
        for run in runs:
            for hit in rule_.func(run):
                findings.append(
                    Finding(
                        rule_.code,
                        hit.severity or rule_.severity,
                        hit.message,
                        hit.file,
                        hit.line,
                        hit.column,
                        hit.hint,
                        rule_.name,
                    )
                )
    return findings

"""Rules on each query's Oracle SQL (SQ3xx)."""

from __future__ import annotations

from collections.abc import Iterator

from plugin_builder.checks import CheckContext, Hit, rule
from plugin_builder.model import QueryDef
from plugin_builder.sqlparse import is_select, strip_sql_comments


@rule("SQ300", "sql.parse-error", scope="query")
def sql_parse_error(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """The SQL must parse as Oracle SQL.

    Bad::

        SELECT s.ID, FROM STUDENTS s

    Good::

        SELECT s.ID FROM STUDENTS s ORDER BY s.ID
    """
    parsed = ctx.parsed(query)
    if not query.sql.strip():
        yield Hit("the query has no SQL", hint="put one SELECT statement inside <sql>")
    elif not parsed.ok:
        yield Hit(f"Oracle parse error: {parsed.error}", sql_line=parsed.line, sql_column=parsed.column)


@rule("SQ301", "sql.single-select", scope="query")
def sql_single_select(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """The SQL must be exactly one SELECT (WITH and UNION ALL allowed).

    PowerSchool runs the body as one prepared statement; a second statement or a
    data-changing statement fails.

    Bad::

        DELETE FROM LOG

    Good::

        WITH active AS (SELECT ID FROM STUDENTS WHERE ENROLL_STATUS = 0)
        SELECT ID FROM active ORDER BY ID
    """
    parsed = ctx.parsed(query)
    if not parsed.ok or not query.sql.strip():
        return
    if len(parsed.statements) > 1:
        yield Hit(
            f"the SQL holds {len(parsed.statements)} statements; PowerSchool runs exactly one",
            sql_line=1,
            hint="combine them with UNION ALL or a WITH clause",
        )
    elif parsed.statements and not is_select(parsed.statements[0]):
        kind = parsed.statements[0].key.upper()
        yield Hit(f"the SQL is a {kind} statement, not a SELECT", sql_line=1)


@rule("SQ302", "sql.trailing-semicolon", scope="query")
def sql_trailing_semicolon(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """The SQL must not end with ``;`` (Oracle JDBC rejects it: ORA-00911).

    Bad::

        SELECT s.ID FROM STUDENTS s;

    Good::

        SELECT s.ID FROM STUDENTS s
    """
    code = strip_sql_comments(query.sql).rstrip()
    if code.endswith(";"):
        line = code.count("\n") + 1
        column = len(code.rsplit("\n", 1)[-1])
        yield Hit("the SQL ends with ';'", sql_line=line, sql_column=column, hint="remove the semicolon")

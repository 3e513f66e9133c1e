"""What Oracle rejects although other engines (and DuckDB previews) accept it (SQ316-SQ324).

Non-Oracle functions and syntax, reserved words as unquoted aliases, CLOB columns where
Oracle needs a comparable type, a select-list alias used where Oracle does not see it,
mixed datatypes across UNION or CASE branches, a DATE compared with a string, TO_DATE of a
DATE, identifiers over 30 bytes. The rules that judge types and Oracle's refusals report
what :mod:`plugin_builder.sql.oracle.model` finds, the model the preview runs the SQL through.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlglot import exp

from plugin_builder.sql.analysis import position
from plugin_builder.checks.engine import CheckContext, Hit, rule
from plugin_builder.findings import Severity
from plugin_builder.sql.oracle.binds import arg_families
from plugin_builder.sql.oracle.model import sql_refusals
from plugin_builder.build.model import QueryDef
from plugin_builder.sql.sqlparse import strip_sql_comments

# Oracle's reserved words (V$RESERVED_WORDS, RESERVED = 'Y'): never an unquoted alias.
RESERVED = frozenset(
    """ACCESS ADD ALL ALTER AND ANY AS ASC AUDIT BETWEEN BY CHAR CHECK CLUSTER COLUMN COMMENT
    COMPRESS CONNECT CREATE CURRENT DATE DECIMAL DEFAULT DELETE DESC DISTINCT DROP ELSE EXCLUSIVE
    EXISTS FILE FLOAT FOR FROM GRANT GROUP HAVING IDENTIFIED IMMEDIATE IN INCREMENT INDEX INITIAL
    INSERT INTEGER INTERSECT INTO IS LEVEL LIKE LOCK LONG MAXEXTENTS MINUS MLSLABEL MODE MODIFY
    NOAUDIT NOCOMPRESS NOT NOWAIT NULL NUMBER OF OFFLINE ON ONLINE OPTION OR ORDER PCTFREE PRIOR
    PUBLIC RAW RENAME RESOURCE REVOKE ROW ROWID ROWNUM ROWS SELECT SESSION SET SHARE SIZE SMALLINT
    START SUCCESSFUL SYNONYM SYSDATE TABLE THEN TO TRIGGER UID UNION UNIQUE UPDATE USER VALIDATE
    VALUES VARCHAR VARCHAR2 VIEW WHENEVER WHERE WITH""".split()
)

# (pattern on the SQL with comments and literals blanked, what to write instead)
NOT_ORACLE = [
    (re.compile(r"\bIFNULL\s*\(", re.I), "IFNULL()", "NVL() or COALESCE()"),
    (re.compile(r"\bISNULL\s*\(", re.I), "ISNULL()", "NVL() or COALESCE()"),
    (re.compile(r"\bSTRING_AGG\s*\(", re.I), "STRING_AGG()", "LISTAGG(… ON OVERFLOW …) WITHIN GROUP (ORDER BY …)"),
    (re.compile(r"\bGROUP_CONCAT\s*\(", re.I), "GROUP_CONCAT()", "LISTAGG(… ON OVERFLOW …) WITHIN GROUP (ORDER BY …)"),
    (re.compile(r"\bSUBSTRING\s*\(", re.I), "SUBSTRING()", "SUBSTR()"),
    (re.compile(r"\bLEFT\s*\(", re.I), "LEFT()", "SUBSTR(x, 1, n)"),
    (re.compile(r"\bRIGHT\s*\(", re.I), "RIGHT()", "SUBSTR(x, -n)"),
    (re.compile(r"\bLEN\s*\(", re.I), "LEN()", "LENGTH()"),
    (re.compile(r"\b(GETDATE|NOW)\s*\(", re.I), "GETDATE()/NOW()", "SYSDATE"),
    (
        re.compile(r"\b(DATEADD|DATEDIFF|DATE_FORMAT|STR_TO_DATE)\s*\(", re.I),
        "a non-Oracle date function",
        "date arithmetic, TO_CHAR, TO_DATE",
    ),
    (re.compile(r"::\s*[A-Za-z]"), "a :: cast", "CAST(x AS type) or TO_CHAR/TO_NUMBER/TO_DATE"),
    (re.compile(r"\b(TRUE|FALSE)\b", re.I), "TRUE/FALSE", "1/0, or the strings 'true'/'false'"),
]


def _any_of(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    """One expression that matches wherever one of ``patterns`` does (and maybe elsewhere: it
    ignores case for all): those that start at a word boundary share it, which is what makes one
    scan cheaper than a scan for each."""
    bounded = [p.pattern[2:] for p in patterns if p.pattern.startswith(r"\b")]
    others = [p.pattern for p in patterns if not p.pattern.startswith(r"\b")]
    return re.compile("|".join([*others, r"\b(?:" + "|".join(bounded) + ")"]), re.I)


# A gate: most SQL has none of them, and twelve scans of every query cost more than the rest of
# the rule; when it matches, each pattern still finds its own matches.
_ANY_NOT_ORACLE = _any_of([pattern for pattern, _, _ in NOT_ORACLE])


def _at(code: str, index: int) -> tuple[int, int]:
    return code.count("\n", 0, index) + 1, index - code.rfind("\n", 0, index)


@rule("SQ316", "sql.not-oracle", scope="query")
def sql_not_oracle(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """The SQL uses Oracle syntax only (no IFNULL, LEFT(), ``::``, TRUE, AS before a table alias, SELECT without FROM).

    DuckDB and other engines accept these; PowerSchool's Oracle does not.

    Bad::

        SELECT IFNULL(s.HOME_ROOM, '') AS room FROM STUDENTS AS s LIMIT 10

    Good::

        SELECT NVL(s.HOME_ROOM, '-') AS room FROM STUDENTS s WHERE ROWNUM <= 10 ORDER BY 1
    """
    code = strip_sql_comments(query.sql, blank_strings=True)
    for pattern, what, instead in NOT_ORACLE if _ANY_NOT_ORACLE.search(code) else ():
        for match in pattern.finditer(code):
            line, column = _at(code, match.start())
            yield Hit(f"{what} is not Oracle SQL", sql_line=line, sql_column=column, hint=f"use {instead}")
    parsed = ctx.parsed(query)
    if parsed.statement is None:
        return
    for table in parsed.nodes.of(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue  # TABLE(CAST(… AS type)) alias: the AS belongs to the CAST
        alias = table.args.get("alias")
        name_meta, alias_meta = (
            table.this.meta,
            alias.this.meta if alias is not None and alias.this is not None else None,
        )
        if alias_meta and name_meta and "end" in name_meta and "start" in alias_meta:
            between = parsed.text[name_meta["end"] + 1 : alias_meta["start"]]
            if re.search(r"\bAS\b", between, re.I):
                line, column = _at(parsed.text, alias_meta["start"])
                yield Hit(
                    f"AS before the table alias {alias.name} is not Oracle SQL (ORA-00933)",
                    sql_line=line,
                    sql_column=column,
                    hint=f"write {table.name} {alias.name}",
                )
    for select in parsed.nodes.of(exp.Select):
        if select.args.get("from_") is None and select.args.get("from") is None:
            line, column = position(select, parsed.text)
            yield Hit(
                "a SELECT without FROM is not Oracle SQL (ORA-00923)",
                sql_line=line,
                sql_column=column,
                hint="select FROM DUAL",
            )


@rule("SQ317", "sql.reserved-alias", scope="query")
def sql_reserved_alias(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """An alias is not an Oracle reserved word unless quoted (``date``, ``comment``, ``level``, ``size``, ``user``…).

    Bad::

        SELECT TO_CHAR(a.ATT_DATE, 'YYYY-MM-DD') AS date FROM ATTENDANCE a

    Good::

        SELECT TO_CHAR(a.ATT_DATE, 'YYYY-MM-DD') AS "date" FROM ATTENDANCE a ORDER BY 1
    """
    parsed = ctx.parsed(query)
    if parsed.statement is None:
        return
    for node in parsed.nodes.of(exp.Alias, exp.TableAlias):
        identifier = node.args.get("alias") if isinstance(node, exp.Alias) else node.this
        if isinstance(identifier, exp.Identifier) and not identifier.quoted and identifier.this.upper() in RESERVED:
            line, column = position(identifier, parsed.text) if identifier.meta else position(node, parsed.text)
            yield Hit(
                f"alias {identifier.this} is an Oracle reserved word",
                sql_line=line,
                sql_column=column,
                hint=f'quote it: AS "{identifier.this}"',
            )


def _direct_parent(node: exp.Expression) -> exp.Expression | None:
    parent = node.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    return parent


@rule("SQ318", "sql.clob-comparison", scope="query")
def sql_clob_comparison(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """A CLOB column is converted before ``=``, ``IN``, DISTINCT, GROUP BY, ORDER BY or UNION (ORA-00932).

    CLOBs: ``PREFS.VALUE``, ``ATTENDANCE_CODE.DESCRIPTION``, ``ATTENDANCE.ATT_COMMENT``, ``*.CUSTOM``, …
    Also in MIN/MAX, COUNT(DISTINCT …) and PARTITION BY, and when a CTE or subquery carries
    the CLOB (the Oracle model types every expression from the dictionary).

    Bad::

        SELECT p.NAME AS name FROM PREFS p WHERE p.VALUE = '1'

    Good::

        SELECT p.NAME AS name FROM PREFS p WHERE TO_CHAR(p.VALUE) = '1' ORDER BY 1
    """
    yield from _model_hits(ctx, query, "clob")


@rule("SQ319", "sql.alias-in-where", scope="query")
def sql_alias_in_where(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """WHERE, GROUP BY, HAVING and the select list itself do not use a select-list alias (ORA-00904).

    Bad::

        SELECT s.GRADE_LEVEL + 1 AS next_grade FROM STUDENTS s WHERE next_grade > 12

    Good::

        SELECT s.GRADE_LEVEL + 1 AS next_grade FROM STUDENTS s WHERE s.GRADE_LEVEL + 1 > 12 ORDER BY 1
    """
    yield from _model_hits(ctx, query, "alias")


COMPARABLE = {
    "NUMBER": "number",
    "FLOAT": "number",
    "VARCHAR2": "text",
    "CLOB": "text",
    "DATE": "date",
    "TIMESTAMP": "date",
}


def _scopes(ctx: CheckContext, query: QueryDef):
    """(resolver, [scopes]) of a query, or (None, []) when it cannot be scoped."""
    from sqlglot.optimizer.scope import build_scope

    from plugin_builder.sql.analysis import _Resolver

    parsed = ctx.parsed(query)
    if parsed.statement is None:
        return None, []
    scopes = ctx.analysis(query).scopes  # the analysis' scopes of the same parse, when it built them
    if scopes:
        return _Resolver(parsed.text, ctx.dictionary), scopes
    try:
        root = build_scope(parsed.statement)
        scopes = list(root.traverse()) if root is not None else []
        for scope in scopes:
            scope.selected_sources  # noqa: B018 (raises on a duplicate alias, which SQ307 reports)
    except Exception:  # noqa: BLE001 (sqlglot cannot scope some statements; SQ300 covers bad SQL)
        return None, []
    if root is None:
        return None, []
    return _Resolver(parsed.text, ctx.dictionary), scopes


def _owned(scopes, node_type):
    """Nodes of a type with the innermost scope whose query block contains them."""
    by_node = {id(scope.expression): scope for scope in scopes}
    seen = set()
    for scope in scopes:
        for node in scope.expression.find_all(node_type):
            if id(node) in seen:
                continue
            parent = node.parent
            while parent is not None and id(parent) not in by_node:
                parent = parent.parent
            if parent is scope.expression:
                seen.add(id(node))
                yield node, scope


@rule("SQ320", "sql.mixed-types", scope="query")
def sql_mixed_types(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """Set-operator, CASE, COALESCE, NVL and DECODE branches agree on their type group (ORA-01790, ORA-00932).

    Oracle's groups are text (VARCHAR2, CHAR), CLOB, NUMBER and DATE, and it converts across
    none of them in a UNION (ALL), INTERSECT or MINUS (ORA-01790), a CASE or a COALESCE
    (ORA-00932): ``CASE WHEN s.GRADE_LEVEL = 0 THEN 'K' ELSE s.GRADE_LEVEL END`` fails, and so
    does a CLOB list (``XMLCAST(XMLAGG(…) AS CLOB)``, ``TO_CLOB``, ``||`` with a CLOB) beside a
    VARCHAR2 in another branch. NVL and DECODE convert to their first value's type: text takes
    anything, a NUMBER takes no non-numeric text (ORA-01722), NUMBER and DATE never mix.
    Every expression is typed by the Oracle model, through CTEs and subqueries.

    Bad::

        SELECT s.DCID AS id FROM STUDENTS s
        UNION ALL
        SELECT 'T' || u.DCID AS id FROM USERS u
        ORDER BY 1

    Good::

        SELECT TO_CHAR(s.DCID) AS id FROM STUDENTS s
        UNION ALL
        SELECT 'T' || u.DCID AS id FROM USERS u
        ORDER BY 1
    """
    yield from _model_hits(ctx, query, "mixed")


@rule("SQ321", "sql.date-string-comparison", scope="query")
def sql_date_string_comparison(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """A DATE column is not compared with a string literal (its meaning depends on NLS_DATE_FORMAT).

    Bad::

        SELECT c.ID AS id FROM CC c WHERE c.DATEENROLLED >= '2025-08-15'

    Good::

        SELECT c.ID AS id FROM CC c WHERE c.DATEENROLLED >= DATE '2025-08-15' ORDER BY 1
    """
    resolver, scopes = _scopes(ctx, query)
    if resolver is None:
        return
    text = ctx.parsed(query).text
    comparisons = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
    for node, scope in _owned(scopes, comparisons):
        for side, other in ((node.this, node.expression), (node.expression, node.this)):
            if isinstance(side, exp.Column) and isinstance(other, exp.Literal) and other.is_string:
                if resolver.family_of(scope, side) in ("DATE", "TIMESTAMP"):
                    line, col = position(other, text)
                    yield Hit(
                        f"{side.sql(dialect='oracle')} is a DATE compared with the string {other.sql(dialect='oracle')}",
                        sql_line=line,
                        sql_column=col,
                        hint=f"write DATE {other.sql(dialect='oracle')} or TO_DATE({other.sql(dialect='oracle')}, 'YYYY-MM-DD')",
                    )


def _branches(scope) -> list:
    """The SELECT scopes of a set-operation scope, left to right (nested unions flattened)."""
    children = getattr(scope, "set_operation_scopes", None) or getattr(scope, "union_scopes", None)
    if not children:
        return []
    found = []
    for child in children:
        nested = _branches(child)
        if nested:
            found.extend(nested)
        elif isinstance(child.expression, exp.Select):
            found.append(child)
    return found


def _query_families(ctx: CheckContext, query: QueryDef) -> tuple[tuple[str, str], ...]:
    args = [arg for arg in query.args if arg.column]
    return tuple(sorted(arg_families(args, ctx.dictionary).items()))


def _model_hits(ctx: CheckContext, query: QueryDef, kind: str) -> Iterator[Hit]:
    parsed = ctx.parsed(query)
    if parsed.statement is None:
        return
    for refusal in sql_refusals(query.sql, ctx.dictionary, _query_families(ctx, query)):
        if refusal.kind != kind:
            continue
        line, column = position(refusal.node, parsed.text)
        yield Hit(f"{refusal.message} ({refusal.ora})", sql_line=line, sql_column=column, hint=refusal.hint)


@rule("SQ322", "sql.oracle-refuses", scope="query")
def sql_oracle_refuses(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """The SQL is accepted by Oracle 19c (each refusal is named with its ORA code).

    ``GROUP BY 1`` (a constant, ORA-00979); a quoted identifier in the wrong case
    (``"studentId"`` is not ``STUDENTID``, ORA-00904); ``NVL``/``CONCAT`` with three
    arguments (ORA-00909); a comparison as a value or ``CASE WHEN <number>`` (no BOOLEAN in
    19c SQL: ORA-00923, ORA-00920); ``QUALIFY``, ``LIMIT`` (ORA-00933), ``ILIKE``
    (ORA-00920); a qualified ``JOIN … USING`` column (ORA-25154); a compound query ordered by
    something other than a position or an output alias (ORA-00904, ORA-01785);
    ``TO_CHAR(<text>, '<date mask>')`` (Oracle reads it as TO_CHAR(number): ORA-01722 on every
    row, e.g. ``USERSCOREFIELDS.DOB``, a VARCHAR2) and ``TO_CHAR(<number>, '<date mask>')``
    (ORA-01481); ``NVL(<number>, 'text')`` (ORA-01722); ``EXTRACT(HOUR FROM <DATE>)``
    (ORA-30076); ``CAST(x AS TEXT)`` (ORA-00902), ``CAST(x AS VARCHAR2)`` without a length
    (ORA-00906); ``COUNT(DISTINCT a, b)`` (ORA-00909); Oracle's limits: an IN list over 1,000
    items (ORA-01795), a string literal over 4,000 bytes (ORA-01704), DECODE over 255
    arguments (ORA-00939), an identifier over 128 bytes (ORA-00972).

    Bad::

        SELECT s.GRADE_LEVEL AS grade, COUNT(*) AS n FROM STUDENTS s GROUP BY 1

    Good::

        SELECT s.GRADE_LEVEL AS grade, COUNT(*) AS n FROM STUDENTS s GROUP BY s.GRADE_LEVEL ORDER BY 1
    """
    yield from _model_hits(ctx, query, "syntax")


@rule("SQ323", "sql.to-date-of-date", scope="query")
def sql_to_date_of_date(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """TO_DATE is not applied to a DATE, such as an arg on a DATE ``column=`` (ORA-01843).

    PowerSchool binds an arg by the type of its ``column=``: an arg on ``ATTENDANCE.ATT_DATE``
    arrives as a DATE. ``TO_DATE`` of a DATE first prints it with NLS_DATE_FORMAT
    (``DD-MON-RR``), then reads that text with the mask: ORA-01843, ORA-01847 or a wrong
    date (year 5 from ``05-JAN-26``), an empty export.

    Bad::

        -- args: start_date=ATTENDANCE.ATT_DATE
        SELECT a.ID AS id FROM ATTENDANCE a WHERE a.ATT_DATE >= NVL(TO_DATE(:start_date, 'YYYY-MM-DD'), TRUNC(SYSDATE))

    Good::

        -- args: start_date=ATTENDANCE.ATT_DATE
        SELECT a.ID AS id FROM ATTENDANCE a WHERE a.ATT_DATE >= NVL(:start_date, TRUNC(SYSDATE)) ORDER BY 1
    """
    yield from _model_hits(ctx, query, "to_date")


@rule("SQ325", "sql.text-number-comparison", Severity.WARNING, scope="query")
def sql_text_number_comparison(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """A text column is not compared with a number (ORA-01722 at run time, on the data).

    Oracle converts the text side to a NUMBER: the query runs while every value is a number
    and fails on the first row that is not (``'K'`` in a grade kept as text, a blank-padded
    code). A warning: it depends on the data. Compare text with text.

    Bad::

        SELECT s.DCID AS id FROM STUDENTS s WHERE s.STATE_STUDENTNUMBER = 12345 ORDER BY 1

    Good::

        SELECT s.DCID AS id FROM STUDENTS s WHERE s.STATE_STUDENTNUMBER = '12345' ORDER BY 1
    """
    yield from _model_hits(ctx, query, "implicit")


IDENTIFIER_MAX_BYTES = 30


@rule("SQ324", "sql.identifier-too-long", Severity.WARNING, scope="query")
def sql_identifier_too_long(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """Our own aliases and other identifiers are at most 30 bytes (ORA-00972 below COMPATIBLE 12.2).

    Only for plugins we build: a plugin built elsewhere is judged as Oracle 19c judges it
    (128 bytes; past that SQ322 reports ORA-00972 as an error). Vendor plugins in production
    use 31-byte and longer aliases.

    Oracle allows 128-byte identifiers only when the database's COMPATIBLE setting is 12.2 or
    later; a PowerSchool server upgraded from 11g may still be below it. PowerSchool maps
    output columns by position, so the SQL alias need not be the receiver's header: give it a
    short ``sql_alias`` in the query's sidecar and keep the header as the ``<column>`` label.

    Bad::

        -- built: a plugin plugin-builder rendered
        SELECT s.DCID AS "nativeHawaiianOrOtherPacificIslander" FROM STUDENTS s

    Good::

        -- built: a plugin plugin-builder rendered
        SELECT s.DCID AS "nativeHawaiianOrPacificIsl" FROM STUDENTS s ORDER BY 1
    """
    parsed = ctx.parsed(query)
    if parsed.statement is None or ctx.model.origin == "linted":
        return  # Oracle 19c allows 128 bytes (past that, SQ322: ORA-00972); 30 is our own habit
    seen = set()
    for identifier in parsed.nodes.of(exp.Identifier):
        name = identifier.this
        size = len(name.encode("utf-8"))
        if size <= IDENTIFIER_MAX_BYTES or name in seen:
            continue
        seen.add(name)
        line, column = position(identifier, parsed.text)
        yield Hit(
            f"identifier {name!r} is {size} bytes; Oracle databases below COMPATIBLE 12.2 allow 30 (ORA-00972)",
            sql_line=line,
            sql_column=column,
            hint="use a shorter SQL alias (sidecar sql_alias); the <column> label keeps the receiver's header",
        )

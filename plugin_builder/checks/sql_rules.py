"""Rules on each query's Oracle SQL (SQ3xx)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlglot import exp

from plugin_builder.build.model import QueryDef
from plugin_builder.checks.engine import CheckContext, Hit, rule
from plugin_builder.findings import Severity
from plugin_builder.sql.analysis import identifier_name, position

# Fields a roster export has no business reading live in personal_data, shared with the
# review report; a query that needs one says why in [checks.suppress].
from plugin_builder.sql.personal_data import SENSITIVE_FIELDS, SENSITIVE_SUFFIXES, sensitive  # noqa: F401
from plugin_builder.sql.sqlparse import is_select, strip_sql_comments


@rule("SQ300", "sql.parse-error", scope="query")
def sql_parse_error(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """The SQL must parse as Oracle SQL.

    Bad::

        SELECT (s.ID FROM STUDENTS s

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

        -- a data-changing statement
        DELETE FROM STUDENTS

    Good::

        WITH active AS (SELECT s.ID AS id FROM STUDENTS s WHERE s.ENROLL_STATUS = 0)
        SELECT a.id AS id FROM active a ORDER BY 1
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


PS_HTML_SQL_RE = re.compile(r"~[(\[]")
STRING_BIND_RE = re.compile(r":[A-Za-z_]")


def _issue_hits(ctx: CheckContext, query: QueryDef, kinds: tuple[str, ...], severity=None) -> Iterator[Hit]:
    for issue in ctx.analysis(query).issues:
        if issue.kind in kinds:
            level = severity or (Severity.WARNING if issue.severity == "warning" else None)
            yield Hit(issue.message, sql_line=issue.line, sql_column=issue.column, hint=issue.hint, severity=level)


def _grouped_unverified(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """One warning per table for its unverified columns (one cause: the table's column list)."""
    by_table: dict[str, list] = {}
    for issue in ctx.analysis(query).issues:
        if issue.kind == "unverified-column":
            by_table.setdefault(issue.name.partition(".")[0], []).append(issue)
    for table, issues in by_table.items():
        first = issues[0]
        names = sorted({i.name.partition(".")[2] for i in issues})
        if len(names) == 1:
            yield Hit(
                first.message, sql_line=first.line, sql_column=first.column, hint=first.hint, severity=Severity.WARNING
            )
            continue
        why = first.message.partition(": ")[2]
        yield Hit(
            f"{len(names)} columns of {table} are unverified ({', '.join(names)}): {why}",
            sql_line=first.line,
            sql_column=first.column,
            hint=f'declare them under [dictionary] extensions {{ {table} = ["{names[0]}", …] }} once checked',
            severity=Severity.WARNING,
        )


@rule("SQ303", "sql.ps-html-tag", scope="query")
def sql_ps_html_tag(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """The SQL has no PS-HTML tags (``~(curyearid)``, ``~[…]``): they make the query inaccessible.

    PowerSchool substitutes tags only in an ``<arg default>``, never inside ``<sql>``.

    Bad::

        SELECT s.ID FROM STUDENTS s JOIN TERMS t ON t.YEARID = ~(curyearid)

    Good::

        SELECT s.ID FROM STUDENTS s JOIN TERMS t ON t.YEARID = NVL(:yearid, 35)
    """
    code = strip_sql_comments(query.sql, blank_strings=True)
    for match in PS_HTML_SQL_RE.finditer(code):
        start = match.start()
        line = code.count("\n", 0, start) + 1
        column = start - code.rfind("\n", 0, start)
        end = query.sql.find(")" if match.group(0) == "~(" else "]", start)
        tag = query.sql[start : end + 1] if 0 <= end - start < 60 else match.group(0)
        yield Hit(
            f"PS-HTML tag {tag} inside the SQL makes the PowerQuery inaccessible",
            sql_line=line,
            sql_column=column,
            hint="declare an <arg> and use a :bind, or compute the value in SQL (e.g. from SYSDATE)",
        )


@rule("SQ304", "sql.unknown-table", scope="query")
def sql_unknown_table(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """Every table is a PowerSchool table or view (ORA-00942), with the closest names suggested.

    A name that follows PowerSchool's conventions for district and state tables (``U_*``,
    ``S_<state>_*`` and their ``_C``/``_S`` children, ``*_USERFIELDS``) or for reporting views
    (``PS_*``, ``PSSIS_*``) but is not in the dictionary is only a warning: it is unverified.
    So is a table PowerSchool shipped in an older release (the legacy gradebook's ``PSM_*``,
    ``SYNC_*``, ``PSRW_*``, …, known from a live 10.1-11.x schema): present on older servers.
    Declare such tables in plugin.toml
    (``[dictionary] extensions = { U_DEF_EXT_STUDENTS = ["STUDENTSDCID", "EMAIL"] }``), or pass
    ``lint --dictionary FILE``; declared tables count as known.

    Bad::

        SELECT s.LASTFIRST FROM STUDENT s

    Good::

        SELECT s.LASTFIRST FROM STUDENTS s ORDER BY 1
    """
    yield from _issue_hits(ctx, query, ("unknown-table", "unverified-table"))


@rule("SQ305", "sql.unknown-column", scope="query")
def sql_unknown_column(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """Every column is a column of its table (ORA-00904), with the closest names suggested.

    An error where the dictionary's column list of the table is complete; a warning
    (unverified, grouped per table) for a ``partial`` or district-defined table, and for the
    audit columns PowerSchool documents apart from its tables (``TRANSACTION_DATE``,
    ``WHOMODIFIEDID``, …). Columns declared under ``[dictionary]`` count as known.

    Bad::

        SELECT sg.PERCNT, s.LAST_NAM FROM STOREDGRADES sg JOIN STUDENTS s ON s.ID = sg.STUDENTID

    Good::

        SELECT sg.PERCENT, s.LAST_NAME FROM STOREDGRADES sg JOIN STUDENTS s ON s.ID = sg.STUDENTID ORDER BY 2
    """
    yield from _issue_hits(ctx, query, ("unknown-column",))
    yield from _grouped_unverified(ctx, query)


@rule("SQ306", "sql.wrong-name", scope="query")
def sql_wrong_name(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """No table or column that is known *not* to exist in PowerSchool (with the right name).

    These names look right and appear in documentation labels and exports, but are not
    Oracle columns (plugin_builder/data/wrong-names.json).

    Bad::

        SELECT c.ALT_COURSE_NUMBER FROM COURSES c

    Good::

        SELECT ccf.ALT_COURSE_NUMBER
        FROM COURSES c JOIN COURSESCOREFIELDS ccf ON ccf.COURSESDCID = c.DCID
        ORDER BY 1
    """
    yield from _issue_hits(ctx, query, ("wrong-column", "wrong-table"))


@rule("SQ307", "sql.ambiguous-column", scope="query")
def sql_ambiguous_column(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """An unqualified column belongs to exactly one table of its query block (ORA-00918).

    Each source of a FROM clause has its own name: a table joined twice needs an alias per
    copy, and one alias cannot name both sides of a join.

    Bad::

        SELECT DCID AS dcid FROM STUDENTS s JOIN SCHOOLS sch ON sch.SCHOOL_NUMBER = s.SCHOOLID ORDER BY 1

    Good::

        SELECT s.DCID AS dcid FROM STUDENTS s JOIN SCHOOLS sch ON sch.SCHOOL_NUMBER = s.SCHOOLID ORDER BY 1
    """
    yield from _issue_hits(ctx, query, ("ambiguous-column", "duplicate-alias"))


@rule("SQ308", "sql.unknown-reference", scope="query")
def sql_unknown_reference(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """A qualifier names a table alias of the query, and a CTE or subquery has the column read from it.

    Oracle fails with ORA-00904 (invalid identifier). Quoted aliases are case-sensitive.

    Bad::

        WITH a AS (SELECT s.ID AS "id" FROM STUDENTS s) SELECT a.ID FROM a

    Good::

        WITH a AS (SELECT s.ID AS "id" FROM STUDENTS s) SELECT a."id" FROM a ORDER BY 1
    """
    yield from _issue_hits(ctx, query, ("unknown-qualifier", "unknown-derived-column"))


@rule("SQ309", "sql.output-alias", scope="query")
def sql_output_alias(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """Every output expression has a unique name (PowerSchool 9.0+ needs named, distinct columns).

    Bad::

        SELECT s.LAST_NAME || ', ' || s.FIRST_NAME, s.ID, sch.ID FROM …

    Good::

        SELECT s.LAST_NAME || ', ' || s.FIRST_NAME AS name, s.ID AS student_id, sch.ID AS school_id FROM …
    """
    outputs = ctx.analysis(query).outputs
    if not outputs:
        return
    seen: dict[str, int] = {}
    for index, output in enumerate(outputs, start=1):
        if output.name is None:
            yield Hit(
                f"output column {index} is an expression without an alias",
                sql_line=output.line,
                sql_column=output.column,
                hint='add AS name (quote it to keep lower case: AS "name")',
            )
            continue
        key = output.name.upper()
        if key in seen:
            yield Hit(
                f"output name {output.name} is used by columns {seen[key]} and {index}",
                sql_line=output.line,
                sql_column=output.column,
                hint="give each output column its own alias",
            )
        else:
            seen[key] = index


@rule("SQ310", "sql.distinct-order-by", scope="query")
def sql_distinct_order_by(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """With SELECT DISTINCT, ORDER BY uses only selected expressions (ORA-01791).

    Bad::

        SELECT DISTINCT s.LASTFIRST FROM STUDENTS s ORDER BY s.ID

    Good::

        SELECT DISTINCT s.LASTFIRST, s.ID FROM STUDENTS s ORDER BY s.ID
    """
    statement = ctx.parsed(query).statement
    if statement is None:
        return
    text = ctx.parsed(query).text
    for select in ctx.parsed(query).nodes.of(exp.Select):
        if not select.args.get("distinct"):
            continue
        order = select.args.get("order")
        if order is None:
            continue
        selected = {e.sql(dialect="oracle").upper() for e in select.selects}
        selected |= {e.unalias().sql(dialect="oracle").upper() for e in select.selects}
        names = {identifier_name(e.args["alias"]).upper() for e in select.selects if isinstance(e, exp.Alias)}
        names |= {e.name.upper() for e in select.selects if isinstance(e, exp.Column)}
        for ordered in order.expressions:
            key = ordered.this
            if isinstance(key, exp.Literal) and not key.is_string:
                continue  # ORDER BY 1
            if key.sql(dialect="oracle").upper() in selected:
                continue
            if isinstance(key, exp.Column) and not key.table and key.name.upper() in names:
                continue
            line, column = position(key, text)
            yield Hit(
                f"ORDER BY {key.sql(dialect='oracle')} is not in the SELECT DISTINCT list",
                sql_line=line,
                sql_column=column,
                hint="order by a selected expression or its position",
            )


@rule("SQ311", "sql.no-order-by", Severity.WARNING, scope="query")
def sql_no_order_by(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """The query has an ORDER BY, so that paged results are stable.

    PowerQueries are fetched in pages; without an order a row can appear twice or never.

    Bad::

        SELECT s.ID AS id FROM STUDENTS s

    Good::

        SELECT s.ID AS id FROM STUDENTS s ORDER BY s.ID
    """
    statement = ctx.parsed(query).statement
    if statement is None or not is_select(statement):
        return
    node = statement
    while isinstance(node, exp.Subquery):
        node = node.this
    if node.args.get("order") is None:
        yield Hit(
            "the query has no ORDER BY; paged results may repeat or skip rows",
            sql_line=1,
            hint="add ORDER BY on selected columns",
        )


@rule("SQ312", "sql.bind-in-string", Severity.WARNING, scope="query")
def sql_bind_in_string(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """A string literal has no ``:name`` (PowerSchool may take it for a bind variable).

    Bad::

        SELECT 'Auditor:T_' || u.LASTFIRST AS label FROM USERS u

    Good::

        SELECT 'Auditor' || CHR(58) || 'T_' || u.LASTFIRST AS label FROM USERS u ORDER BY 1
    """
    statement = ctx.parsed(query).statement
    if statement is None:
        return
    text = ctx.parsed(query).text
    for literal in ctx.parsed(query).nodes.of(exp.Literal):
        if literal.is_string and STRING_BIND_RE.search(literal.this):
            line, column = position(literal, text)
            yield Hit(
                f"string literal {literal.sql(dialect='oracle')} contains ':name', which may be taken for a bind",
                sql_line=line,
                sql_column=column,
                hint="write the colon as CHR(58)",
            )


@rule("SQ313", "sql.cdata-end", Severity.WARNING, scope="query")
def sql_cdata_end(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """The SQL does not contain ``]]>``, which would end a CDATA section around it.

    A plugin whose ``<sql>`` is escaped text (``]]&gt;``) runs as it is, so this is a warning
    for whoever moves the SQL into CDATA. (In a plugin we build, the SQL always goes into
    CDATA, and ``render`` refuses a query containing ``]]>`` before any check runs.)

    Bad::

        <queries>
          <query name="org.example.roster.marker" coreTable="students">
            <columns><column column="STUDENTS.LASTFIRST">x</column></columns>
            <sql>SELECT 'a]]&gt;b' AS x FROM DUAL ORDER BY 1</sql>
          </query>
        </queries>

    Good::

        SELECT 'a]]' || '>b' AS x FROM DUAL ORDER BY 1
    """
    index = query.sql.find("]]>")
    if index >= 0:
        line = query.sql.count("\n", 0, index) + 1
        yield Hit(
            "the SQL contains ']]>': fine as escaped text, but it cannot go inside a CDATA section",
            sql_line=line,
            hint="split it: ']]' || '>'",
        )


@rule("SQ314", "sql.listagg-overflow", Severity.WARNING, scope="query")
def sql_listagg_overflow(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """LISTAGG states its overflow handling (it fails past 4000 bytes: ORA-01489).

    Bad::

        SELECT t.SCHOOLID AS school, LISTAGG(t.ABBREVIATION, ',') WITHIN GROUP (ORDER BY t.ID) AS terms
        FROM TERMS t GROUP BY t.SCHOOLID ORDER BY 1

    Good::

        SELECT t.SCHOOLID AS school,
               LISTAGG(t.ABBREVIATION, ',' ON OVERFLOW TRUNCATE) WITHIN GROUP (ORDER BY t.ID) AS terms
        FROM TERMS t GROUP BY t.SCHOOLID ORDER BY 1
    """
    statement = ctx.parsed(query).statement
    if statement is None:
        return
    text = ctx.parsed(query).text
    for node in ctx.parsed(query).nodes.of(exp.GroupConcat):
        if node.args.get("on_overflow") is None:
            line, column = position(node, text)
            yield Hit(
                "LISTAGG without ON OVERFLOW fails when the list passes 4000 bytes",
                sql_line=line,
                sql_column=column,
                hint="add ON OVERFLOW TRUNCATE (or ON OVERFLOW ERROR to fail on purpose)",
            )


@rule("SQ315", "sql.sensitive-field", scope="query")
def sql_sensitive_field(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """The query reads no password or SSN field unless suppressed with a stated reason.

    Allow one in plugin.toml: ``[checks.suppress] my_query = { SQ315 = "state reporting needs SSN" }``.
    PowerSchool runs such a query, so ``lint`` (which has no plugin.toml to state a reason)
    reports it as a warning for reviewers.

    Bad::

        SELECT u.DCID, u.SSN FROM USERS u

    Good::

        SELECT u.DCID, u.SIF_STATEPRID FROM USERS u ORDER BY 1
    """
    from plugin_builder.checks.access_rules import first_use

    analysis = ctx.analysis(query)
    short = query.rendered.spec.name if query.rendered is not None else query.name
    for read in sorted({(u.table, u.field) for u in analysis.uses}):
        table, name = read
        key = f"{table}.{name}"
        what = sensitive(table, name)
        if what:
            line, column = first_use(ctx, query, table, name)
            linted = ctx.model.origin == "linted"
            yield Hit(
                f"reads {key} ({what})",
                sql_line=line,
                sql_column=column,
                hint="make sure the receiver needs it"
                if linted
                else f'remove it, or allow it in plugin.toml: [checks.suppress] {short} = {{ SQ315 = "why" }}',
                severity=Severity.WARNING if linted else None,
            )

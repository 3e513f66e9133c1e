"""Rules on named_queries.xml and each <query> (PQ2xx)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from plugin_builder.build.model import ColumnDef, QueryDef
from plugin_builder.checks.engine import CheckContext, Hit, rule
from plugin_builder.checks.xsd import violations
from plugin_builder.facts import QUERY_NAME_MAX, SUMMARY_MAX, reserved_prefix
from plugin_builder.findings import Severity
from plugin_builder.sql.sqlparse import output_expressions, strip_sql_comments


@rule("PQ200", "queries.xml-syntax")
def queries_xml_syntax(ctx: CheckContext) -> Iterator[Hit]:
    """Every queries_root/*.named_queries.xml must be well-formed XML.

    Bad::

        <queries>
          <query name="org.example.roster.students" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql>SELECT s.DCID AS dcid FROM STUDENTS s WHERE s.GRADE_LEVEL < 3 ORDER BY 1</sql>
          </query>
        </queries>

    Good::

        <queries>
          <query name="org.example.roster.students" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s WHERE s.GRADE_LEVEL < 3 ORDER BY 1]]></sql>
          </query>
        </queries>
    """
    for xml in ctx.model.query_files:
        if xml.error:
            yield Hit(f"not well-formed XML: {xml.error}", file=xml.path, line=xml.error_line, column=xml.error_column)


@rule("PQ201", "queries.schema")
def queries_schema(ctx: CheckContext) -> Iterator[Hit]:
    """A named_queries.xml must follow the named-query schema (every violation is listed).

    Root ``<queries>`` without namespace; each ``<query name>`` (at most 200 characters) has
    ``<columns>`` with at least one ``<column>`` and an ``<sql>``. PowerSchool documents
    ``<summary>`` as a short phrase of at most 50 characters; a longer one installs and works
    (DEM shows it in its list), so it is a warning.

    Bad::

        <queries><query name="org.example.users"><sql>…</sql></query></queries>

    Good::

        <queries><query name="org.example.users" coreTable="students">
          <columns><column column="STUDENTS.ID">id</column></columns>
          <sql><![CDATA[SELECT s.ID FROM STUDENTS s ORDER BY s.ID]]></sql>
        </query></queries>
    """
    for xml in ctx.model.query_files:
        if xml.root is None:
            continue
        if xml.root.tag != "queries":
            yield Hit(
                f"root element is {xml.root.tag!r}; PowerSchool expects <queries> without a namespace",
                file=xml.path,
                line=xml.root.sourceline,
            )
            continue
        for line, message in violations("named_queries", xml.root):
            if message.endswith("/summary)"):
                continue  # the length of a summary: a warning below
            yield Hit(message, file=xml.path, line=line)
        for summary in xml.root.iter("summary"):
            text = summary.text or ""
            if len(text) > SUMMARY_MAX:
                yield Hit(
                    f"<summary> is {len(text)} characters; PowerSchool documents at most {SUMMARY_MAX} "
                    "(a short phrase shown in Data Export Manager)",
                    file=xml.path,
                    line=summary.sourceline,
                    severity=Severity.WARNING,
                    hint="shorten it and move the rest to <description>",
                )


@rule("PQ202", "columns.count-mismatch", scope="query")
def columns_count(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """``<columns>`` must declare one ``<column>`` per SELECT item, in order.

    PowerSchool maps columns to the SELECT positionally; a missing or extra ``<column>``
    shifts every later header or fails at run time.

    In the examples, ``-- columns: …`` stands for the ``<column>`` aliases the query declares
    (without it, one ``<column>`` per SELECT item).

    Bad::

        -- columns: dcid
        SELECT s.DCID AS dcid, s.LASTFIRST AS name FROM STUDENTS s ORDER BY 1

    Good::

        -- columns: dcid, name
        SELECT s.DCID AS dcid, s.LASTFIRST AS name FROM STUDENTS s ORDER BY 1
    """
    parsed = ctx.parsed(query)
    if parsed.statement is None:
        return
    outputs = output_expressions(parsed.statement)
    if outputs is None:
        return
    if len(outputs) != len(query.columns):
        yield Hit(
            f"the SELECT returns {len(outputs)} columns but <columns> declares {len(query.columns)}",
            file=query.file,
            line=query.line,
            hint="declare one <column> per SELECT item, in the same order",
            sidecar_hint="list one entry in columns per SELECT item, in the same order",
            sidecar_message=f"the SELECT returns {len(outputs)} columns but columns lists {len(query.columns)}",
        )


QUERY_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+\Z")  # \Z: "$" would accept a trailing newline
ALIAS_RE = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)?\Z")
FIELD_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_$#]*\.[A-Za-z][A-Za-z0-9_$#]*\Z")
BARE_FIELD_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_$#]*\Z")
QUALIFIED_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_$#]*)\.(.+)\Z")
# :name outside string literals and comments; Oracle binds are identifiers after a colon.
BIND_RE = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")
PS_HTML_RE = re.compile(r"~[(\[]")


@rule("PQ203", "query.name-characters", scope="query")
def query_name_characters(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """A query name uses only letters, digits, ``_``, ``-`` and dots.

    The name is the last segment of ``/ws/schema/query/<name>``.

    Bad::

        <queries>
          <query name="org.example.roster/users v2" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>

    Good::

        <queries>
          <query name="org.example.roster.users_v2" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>
    """
    if query.name and not QUERY_NAME_RE.match(query.name):
        bad = sorted({c for c in query.name if not re.match(r"[A-Za-z0-9_.\-]", c)})
        yield Hit(
            f"query name {query.name!r} contains {''.join(bad)!r}",
            file=query.file,
            line=query.line,
            hint="use letters, digits, _ and - in dot-separated parts",
        )


@rule("PQ204", "query.name-length", scope="query")
def query_name_length(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """A query name is 1-200 characters (PowerSchool refuses longer ones at install).

    Bad::

        <queries>
          <query name="" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>

    Good::

        <queries>
          <query name="org.example.roster.users" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>
    """
    if not query.name:
        yield Hit("the query has no name", file=query.file, line=query.line)
    elif len(query.name) > QUERY_NAME_MAX:
        yield Hit(
            f"the query name is {len(query.name)} characters; PowerSchool allows at most {QUERY_NAME_MAX}",
            file=query.file,
            line=query.line,
        )


@rule("PQ205", "query.name-empty-segment", scope="query")
def query_name_empty_segment(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """A query name has no empty segment (``..``, or a leading or trailing dot).

    Bad::

        <queries>
          <query name="org.example..users" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>

    Good::

        <queries>
          <query name="org.example.roster.users" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>
    """
    if query.name and any(part == "" for part in query.name.split(".")):
        yield Hit(f"query name {query.name!r} has an empty segment", file=query.file, line=query.line)


@rule("PQ206", "query.name-reserved", scope="query")
def query_name_reserved(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """A query name does not start with ``com.powerschool`` or ``com.pearson`` (PowerSchool's own).

    Bad::

        <queries>
          <query name="com.powerschool.core.users" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>

    Good::

        <queries>
          <query name="us.ca.k12.exampleusd.rostering.users" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>
    """
    prefix = reserved_prefix(query.name)
    if prefix is not None:
        yield Hit(
            f"query name {query.name!r} starts with {prefix!r}, reserved for PowerSchool's own queries",
            file=query.file,
            line=query.line,
            hint="start it with your organisation's reversed domain",
        )


@rule("PQ207", "query.name-duplicate")
def query_name_duplicate(ctx: CheckContext) -> Iterator[Hit]:
    """Query names are unique (PowerSchool's query namespace is flat and system-wide).

    Bad::

        <queries>
          <query name="org.example.roster.users" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
          <query name="org.example.roster.users" coreTable="users">
            <columns><column column="USERS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT u.DCID AS dcid FROM USERS u ORDER BY 1]]></sql>
          </query>
        </queries>

    Good::

        <queries>
          <query name="org.example.roster.students" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
          <query name="org.example.roster.teachers" coreTable="users">
            <columns><column column="USERS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT u.DCID AS dcid FROM USERS u ORDER BY 1]]></sql>
          </query>
        </queries>
    """
    seen: dict[str, QueryDef] = {}
    for query in ctx.model.queries:
        key = query.name.lower()
        if key in seen:
            first = seen[key]
            yield Hit(
                f"query {query.name!r} is defined twice (first at {first.file}:{first.line})",
                file=query.file,
                line=query.line,
            )
        else:
            seen[key] = query


@rule("PQ208", "query.name-few-parts", Severity.WARNING, scope="query")
def query_name_few_parts(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """A query name has at least 3 dot-separated parts (PowerSchool asks for 5: domain, product, area, name).

    Bad::

        <queries>
          <query name="ican.att_ytd" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>

    Good::

        <queries>
          <query name="org.example.attendance.year_to_date" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>
    """
    parts = [p for p in query.name.split(".") if p]
    if query.name and len(parts) < 3:
        yield Hit(
            f"query name {query.name!r} has {len(parts)} part(s); names are global, so namespace them",
            file=query.file,
            line=query.line,
            hint="use <reversed domain>.<product>.<area>.<name>",
        )


def _column_hits(query: QueryDef):
    return [(index, c) for index, c in enumerate(query.columns)]


@rule("PQ209", "column.alias-characters", scope="query")
def column_alias_characters(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """A ``<column>`` alias is ``name`` or ``table.name`` of letters, digits and ``_``.

    Bad::

        <queries>
          <query name="org.example.roster.students" coreTable="students">
            <columns><column column="STUDENTS.ID">student id</column></columns>
            <sql><![CDATA[SELECT s.ID AS student_id FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>

    Good::

        <queries>
          <query name="org.example.roster.students" coreTable="students">
            <columns><column column="STUDENTS.ID">student_id</column></columns>
            <sql><![CDATA[SELECT s.ID AS student_id FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>
    """
    for _, column in _column_hits(query):
        if not ALIAS_RE.match(column.alias):
            yield Hit(
                f"column alias {column.alias!r} must be letters, digits and _ (optionally TABLE.name)",
                file=query.file,
                line=column.line,
            )


@rule("PQ210", "column.alias-duplicate", scope="query")
def column_alias_duplicate(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """``<column>`` aliases are unique within a query (case-insensitive).

    Bad::

        <queries>
          <query name="org.example.roster.students" coreTable="students">
            <columns><column column="STUDENTS.ID">id</column><column column="SCHOOLS.ID">ID</column></columns>
            <sql><![CDATA[SELECT s.ID AS student_id, sch.ID AS school_id FROM STUDENTS s JOIN SCHOOLS sch ON sch.SCHOOL_NUMBER = s.SCHOOLID ORDER BY 1]]></sql>
          </query>
        </queries>

    Good::

        <queries>
          <query name="org.example.roster.students" coreTable="students">
            <columns><column column="STUDENTS.ID">student_id</column><column column="SCHOOLS.ID">school_id</column></columns>
            <sql><![CDATA[SELECT s.ID AS student_id, sch.ID AS school_id FROM STUDENTS s JOIN SCHOOLS sch ON sch.SCHOOL_NUMBER = s.SCHOOLID ORDER BY 1]]></sql>
          </query>
        </queries>
    """
    seen: set[str] = set()
    for _, column in _column_hits(query):
        key = column.alias.lower()
        if key in seen:
            yield Hit(f"column alias {column.alias!r} is used twice", file=query.file, line=column.line)
        seen.add(key)


@rule("PQ211", "column.one-part-alias-without-coretable", Severity.WARNING, scope="query")
def column_alias_without_core_table(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """A one-part alias comes with the query's ``coreTable`` (DEM shows it as ``coreTable.alias``).

    PowerSchool's documentation says a one-part alias requires ``coreTable``; plugins in
    production ship queries with ``coreTable=""`` and one-part aliases that install and
    export, so it is a warning: DEM's default labels are then less helpful.

    Bad::

        <queries>
          <query name="org.example.roster.students" coreTable="">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>

    Good::

        <queries>
          <query name="org.example.roster.students" coreTable="students">
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>
    """
    if (query.core_table or "").strip():
        return
    for _, column in _column_hits(query):
        if column.alias and "." not in column.alias:
            yield Hit(
                f"one-part alias {column.alias!r} in a query without coreTable; PowerSchool documents "
                "that one-part aliases require coreTable",
                file=query.file,
                line=column.line,
                hint='set coreTable="students" (or the main table), or write the alias as table.name',
            )
            return


def column_target(query: QueryDef, target: str) -> tuple[str, str] | None:
    """(TABLE, FIELD) a ``column=`` names; a bare field belongs to the query's coreTable, as in
    PowerSchool. None when it cannot be told (not a name, or bare without coreTable)."""
    target = (target or "").strip()
    if FIELD_RE.match(target):
        table, name = target.upper().split(".")
        return table, name
    core = (query.core_table or "").strip()
    if BARE_FIELD_RE.match(target) and core and BARE_FIELD_RE.match(core):
        return core.upper(), target.upper()
    return None


@rule("PQ212", "column.not-a-dictionary-field", scope="query")
def column_not_a_field(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """Each ``<column column=…>`` and ``<arg column=…>`` names a real ``TABLE.FIELD`` (judged as SQL names are).

    A computed output still needs a real field of a compatible type as its placeholder. A
    bare field (``column="SCHOOLID"``) belongs to the query's ``coreTable``. An unknown table
    or a column missing from a complete table is an error with the closest names; names of
    district/state tables and columns of ``partial`` tables are warnings (unverified);
    ``[dictionary]`` declarations count as known. A real field on the wrong table is an error
    too: ``COURSES.ALT_COURSE_NUMBER`` is ``COURSESCOREFIELDS.ALT_COURSE_NUMBER``.

    Bad::

        <queries>
          <query name="org.example.roster.staff_emails" coreTable="users">
            <columns><column column="TrackerSG.Email">email</column></columns>
            <sql><![CDATA[SELECT u.EMAIL_ADDR AS email FROM USERS u ORDER BY 1]]></sql>
          </query>
        </queries>

    Good::

        <queries>
          <query name="org.example.roster.staff_emails" coreTable="users">
            <columns><column column="USERS.EMAIL_ADDR">email</column></columns>
            <sql><![CDATA[SELECT u.EMAIL_ADDR AS email FROM USERS u ORDER BY 1]]></sql>
          </query>
        </queries>
    """
    dictionary = ctx.dictionary
    unknown_tables: dict[str, list] = {}  # one finding per unknown table, listing its columns
    targets = [(column.column, column.line, f"column {column.alias!r}") for _, column in _column_hits(query)]
    targets += [(arg.column, arg.line, f"arg {arg.name!r}") for arg in query.args if (arg.column or "").strip()]
    for target, line, owner in targets:
        column = ColumnDef(owner, target, line)  # where and what, for columns and args alike
        if not target:
            yield Hit(
                f"{owner} has no column= field",
                file=query.file,
                line=line,
                hint='add column="TABLE.FIELD"',
                sidecar_hint='add column = "TABLE.FIELD" to this entry',
            )
            continue
        resolved = column_target(query, target)
        if resolved is None:
            prefix = QUALIFIED_RE.match(target.strip())
            if prefix and dictionary.judge_table(prefix.group(1)) is not None:
                table = prefix.group(1).upper()  # an unknown table: one finding for all its columns
                unknown_tables.setdefault(table, [dictionary.judge_table(table), column.line, []])[2].append(
                    prefix.group(2)
                )
            elif BARE_FIELD_RE.match(target.strip()):
                yield Hit(
                    f"column= {target!r} is a bare field and the query has no coreTable to resolve it against",
                    file=query.file,
                    line=column.line,
                    severity=Severity.WARNING,
                    hint='write column="TABLE.FIELD", or set coreTable',
                )
            else:
                yield Hit(f"column= {target!r} is not TABLE.FIELD", file=query.file, line=column.line)
            continue
        table, name = resolved
        verdict = dictionary.judge_table(table)
        if verdict is not None:
            unknown_tables.setdefault(table, [verdict, column.line, []])[2].append(name)
            continue
        verdict = dictionary.judge_column(table, name)
        if verdict is not None:
            yield Hit(
                f"column= {target!r}: {verdict.message}",
                file=query.file,
                line=column.line,
                hint=verdict.hint,
                severity=Severity.WARNING if verdict.severity == "warning" else None,
            )
    for table, (verdict, line, names) in unknown_tables.items():
        fields = ", ".join(f"{table}.{n.upper()}" for n in dict.fromkeys(names))
        yield Hit(
            f"column= {fields}: {verdict.message}",
            file=query.file,
            line=line,
            hint=verdict.hint,
            severity=Severity.WARNING if verdict.severity == "warning" else None,
        )


@rule("PQ213", "arg.without-column", Severity.WARNING, scope="query")
def arg_without_column(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """Each ``<arg>`` has a ``column`` attribute; without it the query is hidden from DEM.

    Bad::

        <queries>
          <query name="org.example.roster.students" coreTable="students">
            <args><arg name="schoolid" type="primitive" required="true"/></args>
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s WHERE s.SCHOOLID = :schoolid ORDER BY 1]]></sql>
          </query>
        </queries>

    Good::

        <queries>
          <query name="org.example.roster.students" coreTable="students">
            <args><arg name="schoolid" column="STUDENTS.SCHOOLID" type="primitive" required="true"/></args>
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s WHERE s.SCHOOLID = :schoolid ORDER BY 1]]></sql>
          </query>
        </queries>
    """
    for arg in query.args:
        if not (arg.column or "").strip():
            yield Hit(
                f"arg {arg.name!r} has no column=; Data Export Manager will not list this query",
                file=query.file,
                line=arg.line,
                hint='add column="TABLE.FIELD" naming the field it filters',
            )


@rule("PQ214", "arg.ps-html-default", Severity.WARNING, scope="query")
def arg_ps_html_default(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """An ``<arg default>`` with a PS-HTML tag (``~(curschoolid)``) hides the query from DEM.

    Bad::

        <queries>
          <query name="org.example.roster.students" coreTable="students">
            <args><arg name="schoolid" column="STUDENTS.SCHOOLID" default="~(curschoolid)"/></args>
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s WHERE (:schoolid IS NULL OR s.SCHOOLID = :schoolid) ORDER BY 1]]></sql>
          </query>
        </queries>

    Good::

        <queries>
          <query name="org.example.roster.students" coreTable="students">
            <args><arg name="schoolid" column="STUDENTS.SCHOOLID" required="false"/></args>
            <columns><column column="STUDENTS.DCID">dcid</column></columns>
            <sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s WHERE (:schoolid IS NULL OR s.SCHOOLID = :schoolid) ORDER BY 1]]></sql>
          </query>
        </queries>
    """
    for arg in query.args:
        if arg.default and PS_HTML_RE.search(arg.default):
            yield Hit(
                f"arg {arg.name!r} defaults to PS-HTML {arg.default!r}; the query will not appear in DEM",
                file=query.file,
                line=arg.line,
                hint="use a plain default, or compute the value in SQL",
            )


def binds_in(sql: str) -> list[tuple[str, int, int]]:
    """(name, line, column) of every ``:name`` bind outside literals and comments."""
    code = strip_sql_comments(sql, blank_strings=True)
    found = []
    for match in BIND_RE.finditer(code):
        start = match.start()
        line = code.count("\n", 0, start) + 1
        column = start - code.rfind("\n", 0, start)
        found.append((match.group(1), line, column))
    return found


@rule("PQ215", "bind.undeclared", scope="query")
def bind_undeclared(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """Every ``:name`` bind in the SQL is declared as an ``<arg>``.

    An undeclared bind fails at run time (ORA-01008: not all variables bound).

    In the examples, ``-- args: name=TABLE.FIELD`` stands for the ``<arg>`` the query declares.

    Bad::

        SELECT s.DCID AS dcid FROM STUDENTS s WHERE s.SCHOOLID = :schoolid ORDER BY 1

    Good::

        -- args: schoolid=STUDENTS.SCHOOLID
        SELECT s.DCID AS dcid FROM STUDENTS s WHERE s.SCHOOLID = :schoolid ORDER BY 1
    """
    declared = {a.name.lower() for a in query.args}
    reported: set[str] = set()
    for name, line, column in binds_in(query.sql):
        if name.lower() not in declared and name.lower() not in reported:
            reported.add(name.lower())
            yield Hit(
                f"bind :{name} is not declared as an <arg>",
                sidecar_message=f"bind :{name} is not declared under args",
                sql_line=line,
                sql_column=column,
                hint=f'declare <arg name="{name}" column="TABLE.FIELD"/>, or use CHR(58) for a literal colon',
                sidecar_hint=f'add {{ name = "{name}", column = "TABLE.FIELD" }} to args in the query\'s .toml, '
                "or use CHR(58) for a literal colon",
            )


@rule("PQ216", "bind.unused", Severity.WARNING, scope="query")
def bind_unused(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """Every declared ``<arg>`` is used as a ``:name`` bind in the SQL.

    In the examples, ``-- args: name=TABLE.FIELD`` stands for the ``<arg>`` the query declares.

    Bad::

        -- args: schoolid=STUDENTS.SCHOOLID
        SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1

    Good::

        -- args: schoolid=STUDENTS.SCHOOLID
        SELECT s.DCID AS dcid FROM STUDENTS s WHERE (:schoolid IS NULL OR s.SCHOOLID = :schoolid) ORDER BY 1
    """
    used = {name.lower() for name, _, _ in binds_in(query.sql)}
    for arg in query.args:
        if arg.name and arg.name.lower() not in used:
            yield Hit(
                f"arg {arg.name!r} is declared but the SQL never uses :{arg.name}",
                file=query.file,
                line=arg.line,
                sidecar_hint=f"use :{arg.name} in the SQL, or remove this entry from args",
            )


@rule("PQ217", "column.source-mismatch", Severity.WARNING, scope="query")
def column_source_mismatch(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """Where an output is a plain column, ``column=`` names that column (DEM and access use it).

    Bad::

        <queries>
          <query name="org.example.roster.students" coreTable="students">
            <columns><column column="STUDENTS.DCID">last_name</column></columns>
            <sql><![CDATA[SELECT s.LAST_NAME AS last_name FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>

    Good::

        <queries>
          <query name="org.example.roster.students" coreTable="students">
            <columns><column column="STUDENTS.LAST_NAME">last_name</column></columns>
            <sql><![CDATA[SELECT s.LAST_NAME AS last_name FROM STUDENTS s ORDER BY 1]]></sql>
          </query>
        </queries>
    """
    outputs = ctx.analysis(query).outputs
    if not outputs or len(outputs) != len(query.columns):
        return  # PQ202 reports the count
    mismatched = []
    for output, column in zip(outputs, query.columns):
        if output.source is None or not column.column:
            continue
        real = "{}.{}".format(*output.source)
        if column.column.upper() != real:
            mismatched.append((output.name or column.alias, real, column))
    if len(mismatched) == 1:
        name, real, column = mismatched[0]
        yield Hit(
            f"output {name!r} is the column {real}, but column= says {column.column}",
            file=query.file,
            line=column.line,
            hint=f'write column="{real}"',
            sidecar_hint=f'write column = "{real}" in this entry',
        )
    elif mismatched:  # one cause: placeholders where the real columns are known
        listed = ", ".join(f"{name} is {real} (column= says {column.column})" for name, real, column in mismatched)
        yield Hit(
            f"{len(mismatched)} outputs are plain columns but column= names another field: {listed}",
            file=query.file,
            line=mismatched[0][2].line,
            hint="write each output's own TABLE.FIELD in column=",
            sidecar_hint='write each output\'s own column = "TABLE.FIELD" in its entry',
        )

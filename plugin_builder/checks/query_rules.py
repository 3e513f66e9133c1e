"""Rules on named_queries.xml and each <query> (PQ2xx)."""

from __future__ import annotations

from collections.abc import Iterator

from plugin_builder.checks import CheckContext, Hit, rule
from plugin_builder.checks.xsd import violations
from plugin_builder.model import QueryDef
from plugin_builder.sqlparse import output_expressions


@rule("PQ200", "queries.xml-syntax")
def queries_xml_syntax(ctx: CheckContext) -> Iterator[Hit]:
    """Every queries_root/*.named_queries.xml must be well-formed XML.

    Bad::

        <sql>SELECT a FROM t WHERE a < 3</sql>          (an unescaped < outside CDATA)

    Good::

        <sql><![CDATA[SELECT a FROM t WHERE a < 3]]></sql>
    """
    for xml in ctx.model.query_files:
        if xml.error:
            yield Hit(f"not well-formed XML: {xml.error}", file=xml.path, line=xml.error_line, column=xml.error_column)


@rule("PQ201", "queries.schema")
def queries_schema(ctx: CheckContext) -> Iterator[Hit]:
    """A named_queries.xml must follow the named-query schema (every violation is listed).

    Root ``<queries>`` without namespace; each ``<query name>`` (at most 200 characters) has
    ``<columns>`` with at least one ``<column>`` and an ``<sql>``; ``<summary>`` is at most 50
    characters.

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
            yield Hit(message, file=xml.path, line=line)


@rule("PQ202", "columns.count-mismatch", scope="query")
def columns_count(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """``<columns>`` must declare one ``<column>`` per SELECT item, in order.

    PowerSchool maps columns to the SELECT positionally; a missing or extra ``<column>``
    shifts every later header or fails at run time.

    Bad::

        <columns><column column="STUDENTS.ID">id</column></columns>
        SELECT s.ID, s.LAST_NAME FROM STUDENTS s

    Good::

        <columns><column column="STUDENTS.ID">id</column>
                 <column column="STUDENTS.LAST_NAME">last_name</column></columns>
        SELECT s.ID, s.LAST_NAME FROM STUDENTS s
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
        )

"""What Oracle 19c refuses in a statement, with the ORA code it raises.

One model for the static checks (``checks/oracle_rules.py`` turns each refusal into a
finding) and the preview (``compat.to_duckdb`` raises the first refusal before translating),
so that ``validate`` and ``preview`` judge a construct the same way.

Expression types come from the dictionary through sqlglot's type annotation (a copy of the
statement is qualified against the dictionary and annotated; binds take the type of their
arg's ``column=``). The rules are Oracle's, not DuckDB's:

* ``TO_DATE`` of a DATE first turns the DATE into text with NLS_DATE_FORMAT (``DD-MON-RR``),
  then reads it with the mask: ORA-01843/ORA-01847 or a wrong date.
* A CLOB cannot be compared, grouped, sorted, DISTINCTed, partitioned by or used in
  MIN/MAX/COUNT(DISTINCT) (ORA-00932), however many CTEs or subqueries carry it.
* ``GROUP BY 1`` groups by the constant 1 (ORA-00979 for the selected columns).
* A select-list alias is not visible in WHERE, GROUP BY, HAVING or the same select list
  (ORA-00904).
* A quoted identifier is case-sensitive: ``"studentId"`` is not ``STUDENTID`` (ORA-00904).
* ``NVL`` takes two arguments, ``CONCAT`` two (ORA-00909).
* There is no BOOLEAN in 19c SQL: a comparison is not a value (ORA-00923) and ``CASE WHEN``
  needs a condition (ORA-00920).
* ``QUALIFY`` and ``LIMIT`` (ORA-00933) and ``ILIKE`` (ORA-00920) are not Oracle.
* A ``JOIN … USING`` column takes no qualifier (ORA-25154).
* A compound query's ``ORDER BY`` names an output column or a position (ORA-00904/ORA-01785).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from sqlglot import exp

from plugin_builder.sql.dictionary import Dictionary, powerschool_dictionary

ORA_MESSAGES = {
    "ORA-00904": "invalid identifier",
    "ORA-00909": "invalid number of arguments",
    "ORA-00920": "invalid relational operator",
    "ORA-00923": "FROM keyword not found where expected",
    "ORA-00932": "inconsistent datatypes",
    "ORA-00933": "SQL command not properly ended",
    "ORA-00979": "not a GROUP BY expression",
    "ORA-01785": "ORDER BY item must be the number of a SELECT-list expression",
    "ORA-01843": "not a valid month",
    "ORA-25154": "column part of USING clause cannot have qualifier",
}


@dataclass(frozen=True)
class Refusal:
    """One construct Oracle refuses: the ORA code, what and where, and what to write."""

    ora: str
    message: str
    hint: str
    node: exp.Expression | None = None
    kind: str = "syntax"  # or "clob", "alias", "to_date": which rule reports it

    def __str__(self) -> str:
        return f"{self.ora}: {self.message}"


class UnsupportedOracle(Exception):
    """A construct the compatibility layer cannot run as Oracle would."""


class OracleRefusal(UnsupportedOracle):
    """Oracle refuses the statement; the message starts with the ORA code."""

    def __init__(self, refusal: Refusal):
        self.refusal = refusal
        super().__init__(f"{refusal} ({refusal.hint})")


class NotEmulated(UnsupportedOracle):
    """Oracle runs it, but the preview does not emulate it: said by name."""

    def __init__(self, what: str):
        self.what = what
        super().__init__(f"not emulated: {what}")


_TEXT = {exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR, exp.DataType.Type.NVARCHAR, exp.DataType.Type.NCHAR}
_DATES = {exp.DataType.Type.DATE, exp.DataType.Type.DATETIME, exp.DataType.Type.TIMESTAMP}
_FAMILY_TYPES = {
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP",
    "NUMBER": "DECIMAL",
    "FLOAT": "DOUBLE",
    "VARCHAR2": "VARCHAR",
    "CLOB": "TEXT",
}


_SCHEMAS: dict[int, tuple[Dictionary, object, frozenset[str]]] = {}


def _schema(dictionary: Dictionary) -> tuple[object, dict[str, frozenset[str]]]:
    """sqlglot's schema of the dictionary (built once per dictionary: it has hundreds of
    tables) and the names of its CLOB columns."""
    from sqlglot.schema import MappingSchema

    entry = _SCHEMAS.get(id(dictionary))
    if entry is None or entry[0] is not dictionary:
        # Tables known by name only have no columns to give sqlglot; a column of unknown type is UNKNOWN.
        tables = {
            table: {column: kind or "UNKNOWN" for column, kind in columns.items()}
            for table, columns in dictionary.tables.items()
            if columns
        }
        # TABLE -> its CLOB columns: a query is typed only when a table it reads has one.
        clobs: dict[str, frozenset[str]] = {}
        for table, columns in dictionary.tables.items():
            found = frozenset(column for column, kind in columns.items() if "CLOB" in kind.upper())
            if found:
                clobs[table] = found
        entry = (dictionary, MappingSchema(tables, dialect="oracle"), clobs)
        _SCHEMAS[id(dictionary)] = entry
    return entry[1], entry[2]


def _needs_types(nodes: _Nodes, clobs: Mapping[str, frozenset[str]], bind_families: Mapping[str, str]) -> bool:
    """Whether a type-based refusal is possible: a TO_DATE with a mask, a CLOB bind, a value made
    a CLOB, or a CLOB column of a table the statement reads."""
    if any(node.args.get("format") is not None for node in nodes.of(exp.StrToDate, exp.StrToTime)):
        return True
    if any(family == "CLOB" for family in bind_families.values()):
        return True
    if any(
        node.this == exp.DataType.Type.TEXT and "CLOB" in node.sql("oracle").upper() for node in nodes.of(exp.DataType)
    ):
        return True
    candidates: set[str] = set()
    for table in nodes.of(exp.Table):
        candidates |= clobs.get(table.name.upper(), frozenset())
    return bool(candidates) and any(
        column.name.upper() in candidates and not _converted(column) for column in nodes.of(exp.Column)
    )


def _converted(column: exp.Column) -> bool:
    """Whether a column goes straight into a conversion to a comparable type (TO_CHAR, CAST,
    LENGTH, DBMS_LOB.*): then no CLOB can flow from it."""
    parent = column.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    if isinstance(parent, (exp.ToChar, exp.Cast, exp.Length)):
        return True
    return (
        isinstance(parent, exp.Anonymous)
        and isinstance(parent.parent, exp.Dot)
        and parent.parent.this.name.upper() == "DBMS_LOB"
    )


def annotated(
    statement: exp.Expression, dictionary: Dictionary, bind_families: Mapping[str, str]
) -> exp.Expression | None:
    """A typed copy of the statement (None when sqlglot cannot qualify it).

    Each bind becomes a typed NULL of its arg's family, so ``TO_DATE(:d, …)`` of a DATE
    arg is seen as TO_DATE of a DATE.
    """
    from sqlglot.optimizer.annotate_types import annotate_types

    copy = statement.copy()
    for placeholder in list(copy.find_all(exp.Placeholder)):
        family = bind_families.get(placeholder.name)
        if family in _FAMILY_TYPES:
            typed = exp.cast(exp.Null(), _FAMILY_TYPES[family])
            typed.meta.update(placeholder.meta)
            placeholder.replace(typed)
    _qualify_single_source(copy)
    schema, _clobs = _schema(dictionary)
    try:
        # No qualify step: it costs more than the typing, and annotate_types resolves each
        # column through its scope (a column it cannot place stays UNKNOWN, never refused).
        return annotate_types(copy, schema=schema, dialect="oracle")
    except Exception:  # noqa: BLE001 (a statement sqlglot cannot scope is judged by syntax only)
        return None


def _qualify_single_source(statement: exp.Expression) -> None:
    """Give an unqualified column the name of its block's only table (what sqlglot's qualify
    would do, for the common case, at a fraction of its cost)."""
    for select in statement.find_all(exp.Select):
        from_ = select.args.get("from_") or select.args.get("from")
        if from_ is None or select.args.get("joins") or not isinstance(from_.this, exp.Table):
            continue
        name = from_.this.alias_or_name
        for column in select.find_all(exp.Column):
            if not column.table and column.find_ancestor(exp.Select) is select and column.name.upper() != "ROWNUM":
                column.set("table", exp.to_identifier(name))


def _is_clob(node: exp.Expression) -> bool:
    kind = node.type
    return kind is not None and kind.this in (exp.DataType.Type.TEXT,) and "CLOB" in kind.sql("oracle").upper()


def _is_condition(node: exp.Expression) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    return isinstance(node, (exp.Predicate, exp.Connector, exp.Not, exp.Exists, exp.Boolean))


def _name(node: exp.Expression) -> str:
    return node.sql(dialect="oracle")


# --------------------------------------------------------------------------- syntax


class _Nodes:
    """Every node of a statement from one walk (sqlglot's walks are the costly part), and for
    each column the query block that owns it and the clause it is in."""

    def __init__(self, statement: exp.Expression):
        self.statement = statement
        self.all = list(statement.walk())
        self.owner: dict[int, exp.Select] = {}
        self.unqualified: dict[tuple[int, str | None], list[exp.Column]] = {}
        for node in self.all:
            if isinstance(node, exp.Column):
                child, parent = node, node.parent
                while parent is not None and not isinstance(parent, exp.Select):
                    child, parent = parent, parent.parent
                if parent is not None:
                    self.owner[id(node)] = parent
                    if not node.table:
                        self.unqualified.setdefault((id(parent), child.arg_key), []).append(node)

    def of(self, *types: type) -> list:
        return [node for node in self.all if isinstance(node, types)]

    def own_columns(self, select: exp.Select, clause: str) -> list[exp.Column]:
        """Unqualified columns of the block in one of its clauses (``where``, ``expressions`` …)."""
        return self.unqualified.get((id(select), clause), [])


def _syntax_refusals(nodes: _Nodes, dictionary: Dictionary) -> Iterator[Refusal]:
    for select in nodes.of(exp.Select):
        if select.args.get("qualify") is not None:
            yield Refusal(
                "ORA-00933",
                "QUALIFY is not Oracle SQL",
                "filter a ROW_NUMBER() … column in an outer query",
                select.args["qualify"],
            )
        limit = select.args.get("limit")
        if isinstance(limit, exp.Limit):
            yield Refusal("ORA-00933", "LIMIT is not Oracle SQL", "use FETCH FIRST n ROWS ONLY", limit)
        yield from _group_by_position(select)
        yield from _alias_visibility(nodes, select, dictionary)
        yield from _join_using_qualified(nodes, select)
        for item in select.expressions:
            value = item.this if isinstance(item, exp.Alias) else item
            if _is_condition(value) and not isinstance(value, exp.Boolean):
                yield Refusal(
                    "ORA-00923",
                    f"{_name(value)} is a condition; Oracle 19c SQL has no BOOLEAN value",
                    "write CASE WHEN … THEN 1 ELSE 0 END",
                    value,
                )
    for node in nodes.of(exp.ILike):
        yield Refusal("ORA-00920", "ILIKE is not Oracle SQL", "write UPPER(x) LIKE UPPER(pattern)", node)
    for node in nodes.of(exp.Coalesce):
        if node.args.get("is_nvl") and len(node.expressions) != 1:
            yield Refusal(
                "ORA-00909",
                f"NVL takes two arguments, not {len(node.expressions) + 1}",
                "nest NVL or use COALESCE",
                node,
            )
    for node in nodes.of(exp.Concat):
        if len(node.expressions) != 2:
            yield Refusal("ORA-00909", f"CONCAT takes two arguments, not {len(node.expressions)}", "use ||", node)
    for case in nodes.of(exp.Case):
        if case.this is not None:
            continue  # simple CASE x WHEN value
        for branch in case.args.get("ifs") or []:
            if not _is_condition(branch.this):
                yield Refusal(
                    "ORA-00920",
                    f"CASE WHEN {_name(branch.this)} is not a condition",
                    "write CASE WHEN x = 1 THEN …",
                    branch.this,
                )
    yield from _quoted_case(nodes, dictionary)
    if isinstance(nodes.statement, exp.SetOperation):
        yield from _compound_order_by(nodes.statement)


def _group_by_position(select: exp.Select) -> Iterator[Refusal]:
    group = select.args.get("group")
    if group is None or not _selects_a_bare_column(select):
        return  # GROUP BY 1 over aggregates only groups by a constant, as Oracle allows
    for item in group.expressions:
        if isinstance(item, exp.Literal) and not item.is_string:
            yield Refusal(
                "ORA-00979",
                f"GROUP BY {item.this} groups by the constant {item.this}, not by a select-list position",
                "GROUP BY the expression itself",
                item,
            )


def _source_has(select: exp.Select, name: str, dictionary: Dictionary) -> bool:
    """Whether a table or derived table in the SELECT's FROM has a column of this name."""
    sources = []
    from_ = select.args.get("from_") or select.args.get("from")
    if from_ is not None:
        sources.append(from_.this)
    sources.extend(join.this for join in select.args.get("joins") or [])
    ctes: dict[str, exp.Expression] = {}
    node: exp.Expression | None = select
    while node is not None:
        scope_with = node.args.get("with_") or node.args.get("with")
        if scope_with is not None:
            for cte in scope_with.expressions:
                ctes.setdefault(cte.alias_or_name.upper(), cte.this)
        node = node.parent
    for source in sources:
        if isinstance(source, exp.Table):
            cte = ctes.get(source.name.upper())
            if cte is not None:
                if any(
                    s.alias_or_name.upper() == name.upper() or s.alias_or_name == "*"
                    for s in _first_select(cte).expressions
                ):
                    return True
                continue
            columns = dictionary.columns(source.name)
            if columns is None or name.upper() in columns:
                return True
        elif isinstance(source, exp.Subquery):
            if any(
                s.alias_or_name.upper() == name.upper() or s.alias_or_name == "*"
                for s in _first_select(source.this).expressions
            ):
                return True
        else:
            return True  # unknown kind of source: assume it has the column
    return False


def _first_select(query: exp.Expression) -> exp.Select:
    while isinstance(query, (exp.SetOperation, exp.Subquery)):
        query = query.this
    return query if isinstance(query, exp.Select) else exp.Select()


def _selects_a_bare_column(select: exp.Select) -> bool:
    """Whether a select item reads a column outside an aggregate (which GROUP BY must then name)."""
    for item in select.expressions:
        for column in item.find_all(exp.Column):
            node = column.parent
            while (
                node is not None
                and node is not select
                and not isinstance(node, (exp.AggFunc, exp.Window, exp.Subquery))
            ):
                node = node.parent
            if node is select:
                return True
    return False


def _alias_visibility(nodes: _Nodes, select: exp.Select, dictionary: Dictionary) -> Iterator[Refusal]:
    aliases: dict[str, int] = {}
    for index, item in enumerate(select.expressions):
        if isinstance(item, exp.Alias):
            aliases.setdefault(item.alias.upper(), index)
    if not aliases:
        return
    for clause_name, label in (("where", "WHERE"), ("group", "GROUP BY"), ("having", "HAVING")):
        if select.args.get(clause_name) is None:
            continue
        for column in nodes.own_columns(select, clause_name):
            if column.name.upper() in aliases and not _source_has(select, column.name, dictionary):
                yield Refusal(
                    "ORA-00904",
                    f"{_name(column)} is a select-list alias; Oracle does not see it in {label}",
                    "repeat the expression, or select it in a subquery or WITH clause first",
                    column,
                    "alias",
                )
    item_index = {id(item): index for index, item in enumerate(select.expressions)}
    for column in nodes.own_columns(select, "expressions"):
        node = column
        while node.parent is not select:
            node = node.parent
        index = item_index.get(id(node))
        if index is not None:
            defined = aliases.get(column.name.upper())
            if defined is not None and defined < index and not _source_has(select, column.name, dictionary):
                yield Refusal(
                    "ORA-00904",
                    f"{_name(column)} is an alias of the same select list; Oracle does not see it there",
                    "repeat the expression, or select it in a subquery or WITH clause first",
                    column,
                    "alias",
                )


def _join_using_qualified(nodes: _Nodes, select: exp.Select) -> Iterator[Refusal]:
    using = {ident.name.upper() for join in select.args.get("joins") or [] for ident in join.args.get("using") or []}
    if not using:
        return
    for column in nodes.of(exp.Column):
        if column.table and column.name.upper() in using and nodes.owner.get(id(column)) is select:
            yield Refusal(
                "ORA-25154",
                f"{_name(column)} is a JOIN … USING column and takes no qualifier",
                f"write {column.name}",
                column,
            )


def _defined_names(nodes: _Nodes) -> set[str]:
    """Every name the statement defines with its exact case (aliases, CTE and table aliases)."""
    names = set()
    for node in nodes.of(exp.Alias, exp.TableAlias, exp.CTE):
        identifier = node.args.get("alias")
        if isinstance(identifier, exp.TableAlias):
            names.update(c.name for c in identifier.columns)
            identifier = identifier.this
        if isinstance(node, exp.TableAlias):
            names.update(c.name for c in node.columns)
        if isinstance(identifier, exp.Identifier):
            names.add(identifier.this if identifier.quoted else identifier.this.upper())
    return names


def _quoted_case(nodes: _Nodes, dictionary: Dictionary) -> Iterator[Refusal]:
    defined = None
    for column in nodes.of(exp.Column):
        identifier = column.this
        if not (
            isinstance(identifier, exp.Identifier) and identifier.quoted and identifier.this != identifier.this.upper()
        ):
            continue
        if defined is None:
            defined = _defined_names(nodes)
        if identifier.this in defined:
            continue
        yield Refusal(
            "ORA-00904",
            f'"{identifier.this}" is quoted, so it is case-sensitive: it is not {identifier.this.upper()}',
            f"write {identifier.this.upper()} (unquoted) or the name in its exact case",
            column,
        )
    for table in nodes.of(exp.Table):
        identifier = table.this
        if isinstance(identifier, exp.Identifier) and identifier.quoted and identifier.this != identifier.this.upper():
            if dictionary.has_table(identifier.this) and identifier.this not in {
                cte.alias for cte in nodes.of(exp.CTE)
            }:
                yield Refusal(
                    "ORA-00942",
                    f'"{identifier.this}" is quoted, so it is case-sensitive: table or view does not exist',
                    f"write {identifier.this.upper()} (unquoted)",
                    table,
                )


def _compound_order_by(statement: exp.SetOperation) -> Iterator[Refusal]:
    order = statement.args.get("order")
    if order is None:
        return
    outputs = {s.alias_or_name.upper() for s in _first_select(statement).expressions}
    for ordered in order.expressions:
        key = ordered.this
        if isinstance(key, exp.Literal) and not key.is_string:
            continue
        if isinstance(key, exp.Column) and not key.table and key.name.upper() in outputs:
            continue
        if isinstance(key, exp.Column):
            yield Refusal(
                "ORA-00904",
                f"ORDER BY {_name(key)} of a compound query names no output column",
                "order by a position (ORDER BY 1) or an output alias",
                key,
            )
        else:
            yield Refusal(
                "ORA-01785",
                f"ORDER BY {_name(key)} of a compound query must be a position or an output alias",
                "order by a position (ORDER BY 1) or an output alias",
                key,
            )


# --------------------------------------------------------------------------- types


def _typed_refusals(typed: exp.Expression) -> Iterator[Refusal]:
    for node in typed.find_all(exp.StrToDate, exp.StrToTime):
        argument = node.this
        # Without a mask the DATE goes through NLS_DATE_FORMAT both ways and comes back (as
        # the day): working plugins write TO_DATE(terms.lastday). A mask is what misreads it.
        if node.args.get("format") is None:
            continue
        if argument.type is not None and argument.type.this in _DATES:
            yield Refusal(
                "ORA-01843",
                f"TO_DATE of {_describe(argument)}, which is already a DATE: Oracle turns it into text "
                "with NLS_DATE_FORMAT (DD-MON-RR) first, then the mask misreads it (ORA-01843, ORA-01847 or a wrong date)",
                "compare the DATE directly (a DATE-column arg arrives as a DATE): NVL(:d, TRUNC(SYSDATE))",
                node,
                "to_date",
            )
    for node in typed.find_all(exp.Min, exp.Max):
        if _is_clob(node.this):
            yield _clob(node.this, f"{node.key.upper()}()")
    for node in typed.find_all(exp.Count):
        inner = node.this
        if isinstance(inner, exp.Distinct):
            for value in inner.expressions:
                if _is_clob(value):
                    yield _clob(value, "COUNT(DISTINCT …)")
    for window in typed.find_all(exp.Window):
        for value in window.args.get("partition_by") or []:
            if _is_clob(value):
                yield _clob(value, "PARTITION BY")
    for node in typed.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Like):
        sides = [node.this, *(node.expressions if isinstance(node, exp.In) else [node.expression])]
        for side in sides:
            if isinstance(node, exp.Like) and side is node.this:
                continue  # LIKE takes a CLOB
            if side is not None and _is_clob(side):
                yield _clob(side, "a comparison")
    for select in typed.find_all(exp.Select):
        if select.args.get("distinct") is not None:
            for item in select.expressions:
                if _is_clob(item):
                    yield _clob(item.unalias(), "SELECT DISTINCT")
        group = select.args.get("group")
        for item in group.expressions if group is not None else []:
            if _is_clob(item):
                yield _clob(item, "GROUP BY")
        order = select.args.get("order")
        for item in order.expressions if order is not None else []:
            if _is_clob(item.this):
                yield _clob(item.this, "ORDER BY")
    for union in typed.find_all(exp.Union, exp.Intersect, exp.Except):
        if isinstance(union, exp.Union) and not union.args.get("distinct"):
            continue  # UNION ALL carries CLOBs
        for item in _first_select(union).expressions:
            if _is_clob(item):
                yield _clob(item.unalias(), "UNION, INTERSECT or MINUS")


def _describe(node: exp.Expression) -> str:
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Null):
        return "a DATE bind"
    return _name(node)


def _clob(node: exp.Expression, where: str) -> Refusal:
    return Refusal(
        "ORA-00932",
        f"{_describe(node)} is a CLOB; Oracle cannot use it in {where}",
        "convert it first: DBMS_LOB.SUBSTR(x, 4000, 1) or CAST(x AS VARCHAR2(n))",
        node,
        "clob",
    )


def refusals(
    statement: exp.Expression,
    dictionary: Dictionary | None = None,
    bind_families: Mapping[str, str] | None = None,
) -> list[Refusal]:
    """Every construct of the statement Oracle refuses, in the order found.

    ``bind_families`` maps an arg name to the type family of its ``column=`` (DATE, NUMBER,
    VARCHAR2 …). Refusals found by syntax point at nodes of ``statement``; those found by
    type point at nodes of a typed copy (same positions in ``meta``).
    """
    dictionary = dictionary or powerschool_dictionary()
    nodes = _Nodes(statement)
    found = list(_syntax_refusals(nodes, dictionary))
    typed = None
    if _needs_types(nodes, _schema(dictionary)[1], bind_families or {}):
        typed = annotated(statement, dictionary, bind_families or {})
    if typed is not None:
        found.extend(_typed_refusals(typed))
    seen = set()
    unique = []
    for refusal in found:
        key = (refusal.ora, refusal.message)
        if key not in seen:
            seen.add(key)
            unique.append(refusal)
    return unique


@lru_cache(maxsize=512)
def sql_refusals(
    sql: str, dictionary: Dictionary | None = None, families: tuple[tuple[str, str], ...] = ()
) -> tuple[Refusal, ...]:
    """:func:`refusals` of one SQL text (parsed as the checks parse it), cached: ``validate``
    and ``preview`` judge the same rendered query once per run."""
    from plugin_builder.sql.sqlparse import parse_sql

    statement = parse_sql(sql).statement
    if statement is None:
        return ()
    return tuple(refusals(statement, dictionary or powerschool_dictionary(), dict(families)))

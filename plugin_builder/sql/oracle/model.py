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
import re

from sqlglot import exp

from plugin_builder.sql.dictionary import Dictionary, powerschool_dictionary
from plugin_builder.sql.sqlparse import NodeIndex

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


_SCHEMAS: dict[tuple[int, frozenset[str], frozenset[str] | None], tuple[Dictionary, object]] = {}


def _schema(dictionary: Dictionary, nodes: NodeIndex) -> object:
    """sqlglot's schema of the dictionary tables a statement reads, with the columns it names:
    only those, since sqlglot normalises every name it is given and the dictionary has a
    thousand tables (STUDENTS alone has hundreds of columns)."""
    from sqlglot.schema import MappingSchema

    names = frozenset(table.name.upper() for table in nodes.of(exp.Table))
    # and of their columns the statement names (all of them for a *)
    used = None if nodes.of(exp.Star) else frozenset(c.name.upper() for c in nodes.of(exp.Column))
    key = (id(dictionary), names, used)
    entry = _SCHEMAS.get(key)
    if entry is None or entry[0] is not dictionary:
        # Tables known by name only have no columns to give sqlglot; a column of unknown type is UNKNOWN.
        tables = {}
        for name in sorted(names):
            columns = dictionary.tables.get(name)
            if columns:
                tables[name] = {
                    column: kind or "UNKNOWN" for column, kind in columns.items() if used is None or column in used
                } or {next(iter(columns)): "UNKNOWN"}  # a table sqlglot knows, though none of its columns is named
        entry = (dictionary, MappingSchema(tables, dialect="oracle"))
        _SCHEMAS[key] = entry
    return entry[1]


def annotated(
    statement: exp.Expression, dictionary: Dictionary, bind_families: Mapping[str, str], owned: bool = False
) -> exp.Expression | None:
    """A typed copy of the statement (None when sqlglot cannot qualify it); with ``owned``
    (a parse nobody else holds) the statement itself is typed, saving the copy.

    Each bind becomes a typed NULL of its arg's family, so ``TO_DATE(:d, …)`` of a DATE
    arg is seen as TO_DATE of a DATE.
    """
    from sqlglot.optimizer.annotate_types import annotate_types

    copy = statement if owned else statement.copy()
    # One walk for the steps before the typing: replacing the binds and qualifying columns
    # adds no table, column, star or query block, so the index stays true for them.
    nodes = NodeIndex(copy)
    for placeholder in nodes.of(exp.Placeholder):
        family = bind_families.get(placeholder.name)
        if family in _FAMILY_TYPES:
            typed = exp.cast(exp.Null(), _FAMILY_TYPES[family])
            typed.meta.update(placeholder.meta)
            placeholder.replace(typed)
    _qualify_single_source(nodes)
    schema = _schema(dictionary, nodes)
    try:
        # No qualify step: it costs more than the typing, and annotate_types resolves each
        # column through its scope (a column it cannot place stays UNKNOWN, never refused).
        return annotate_types(copy, schema=schema, dialect="oracle")
    except Exception:  # noqa: BLE001 (a statement sqlglot cannot scope is judged by syntax only)
        return None


def _qualify_single_source(nodes: NodeIndex) -> None:
    """Give an unqualified column the name of its block's only table (what sqlglot's qualify
    would do, for the common case, at a fraction of its cost)."""
    by_block: dict[int, list[exp.Column]] = {}
    for column in nodes.of(exp.Column):
        if not column.table:
            block = column.find_ancestor(exp.Select)
            if block is not None:
                by_block.setdefault(id(block), []).append(column)
    for select in nodes.of(exp.Select):
        from_ = select.args.get("from_") or select.args.get("from")
        if from_ is None or select.args.get("joins") or not isinstance(from_.this, exp.Table):
            continue
        name = from_.this.alias_or_name
        for column in by_block.get(id(select), ()):
            if column.name.upper() != "ROWNUM":
                column.set("table", exp.to_identifier(name))


def _is_condition(node: exp.Expression) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    return isinstance(node, (exp.Predicate, exp.Connector, exp.Not, exp.Exists, exp.Boolean))


def _name(node: exp.Expression) -> str:
    return node.sql(dialect="oracle")


# --------------------------------------------------------------------------- syntax


class _Nodes:
    """A statement's :class:`~plugin_builder.sql.sqlparse.NodeIndex` (the shared one when given),
    and for each column the query block that owns it and the clause it is in."""

    def __init__(self, statement: exp.Expression, index: NodeIndex | None = None):
        self.statement = statement
        index = index if index is not None else NodeIndex(statement)
        self.all = index.all
        self.of = index.of
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
    yield from _limits(nodes)
    if isinstance(nodes.statement, exp.SetOperation):
        yield from _compound_order_by(nodes.statement)


IN_LIST_MAX = 1000  # ORA-01795
LITERAL_MAX_BYTES = 4000  # ORA-01704
DECODE_MAX_ARGS = 255  # ORA-00939
IDENTIFIER_MAX_BYTES = 128  # ORA-00972 (19c, COMPATIBLE >= 12.2)


def _limits(nodes: _Nodes) -> Iterator[Refusal]:
    """Oracle's size limits and argument counts that other engines do not have."""
    for node in nodes.of(exp.Count):
        inner = node.this
        if isinstance(inner, exp.Distinct) and len(inner.expressions) > 1:
            yield Refusal(
                "ORA-00909",
                f"COUNT(DISTINCT …) takes one expression, not {len(inner.expressions)}",
                "count one combined value: COUNT(DISTINCT a || '|' || b), or COUNT(*) over a SELECT DISTINCT a, b",
                node,
            )
    for node in nodes.of(exp.In):
        if len(node.expressions) > IN_LIST_MAX:
            yield Refusal(
                "ORA-01795",
                f"an IN list of {len(node.expressions)} items; Oracle allows {IN_LIST_MAX}",
                "join a table of the values, or split the list with OR … IN (…)",
                node,
            )
    for node in nodes.of(exp.Literal):
        if node.is_string and len(node.this.encode("utf-8")) > LITERAL_MAX_BYTES:
            yield Refusal(
                "ORA-01704",
                f"a string literal of {len(node.this.encode('utf-8'))} bytes; Oracle allows {LITERAL_MAX_BYTES}",
                "split it into literals joined with || (TO_CLOB for more than 4,000 bytes)",
                node,
            )
    for node in nodes.of(exp.DecodeCase):
        if len(node.expressions) > DECODE_MAX_ARGS:
            yield Refusal(
                "ORA-00939",
                f"DECODE with {len(node.expressions)} arguments; Oracle allows {DECODE_MAX_ARGS}",
                "write a CASE, or join a table of the pairs",
                node,
            )
    seen = set()
    for node in nodes.of(exp.Identifier):
        size = len(node.this.encode("utf-8"))
        if size > IDENTIFIER_MAX_BYTES and node.this not in seen:
            seen.add(node.this)
            yield Refusal(
                "ORA-00972",
                f"identifier {node.this[:40]!r}… is {size} bytes; Oracle 19c allows {IDENTIFIER_MAX_BYTES}",
                "use a shorter name",
                node,
            )
    for node in nodes.of(exp.Cast):
        to = node.args.get("to")
        if isinstance(to, exp.DataType) and to.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.NVARCHAR):
            if not to.expressions:
                yield Refusal(
                    "ORA-00906",
                    f"CAST(… AS {to.sql('oracle')}) needs a length (missing left parenthesis)",
                    f"write CAST(… AS {to.sql('oracle')}(n)), or TO_CHAR(…)",
                    node,
                )


_CAST_TEXT_RE = re.compile(r"\bAS\s+TEXT\s*\)", re.I)


def _text_refusals(text: str) -> Iterator[Refusal]:
    """What the parse hides: sqlglot reads ``TEXT`` as CLOB, Oracle has no such type."""
    for match in _CAST_TEXT_RE.finditer(text):
        where = exp.Var(this="TEXT")
        where.meta["start"] = match.start() + match.group(0).upper().index("TEXT")
        yield Refusal(
            "ORA-00902", "TEXT is not an Oracle datatype (invalid datatype)", "write VARCHAR2(n) or CLOB", where
        )


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
    typer = _Typer()
    nodes = NodeIndex(typed)

    def _is_clob(node: exp.Expression) -> bool:
        return typer.group(node) == CLOB

    yield from _group_refusals(nodes, typer)
    for node in nodes.of(exp.StrToDate, exp.StrToTime):
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
    for node in nodes.of(exp.Min, exp.Max):
        if _is_clob(node.this):
            yield _clob(node.this, f"{node.key.upper()}()")
    for node in nodes.of(exp.Count):
        inner = node.this
        if isinstance(inner, exp.Distinct):
            for value in inner.expressions:
                if _is_clob(value):
                    yield _clob(value, "COUNT(DISTINCT …)")
    for window in nodes.of(exp.Window):
        for value in window.args.get("partition_by") or []:
            if _is_clob(value):
                yield _clob(value, "PARTITION BY")
        order = window.args.get("order")
        for item in order.expressions if order is not None else []:
            if _is_clob(item.this):
                yield _clob(item.this, "an analytic ORDER BY")
    for node in nodes.of(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Like):
        sides = [node.this, *(node.expressions if isinstance(node, exp.In) else [node.expression])]
        for side in sides:
            if isinstance(node, exp.Like) and side is node.this:
                continue  # LIKE takes a CLOB
            if side is not None and _is_clob(side):
                yield _clob(side, "a comparison")
        query = node.args.get("query") if isinstance(node, exp.In) else None
        if query is not None:
            selected = _first_select(query.this if isinstance(query, exp.Subquery) else query).expressions
            if selected and _is_clob(selected[0]):
                yield _clob(selected[0].unalias(), "IN (SELECT …)")
    for select in nodes.of(exp.Select):
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
    for union in nodes.of(exp.Union, exp.Intersect, exp.Except):
        if isinstance(union, exp.Union) and not union.args.get("distinct"):
            continue  # UNION ALL carries CLOBs
        for item in _first_select(union).expressions:
            if _is_clob(item):
                yield _clob(item.unalias(), "UNION, INTERSECT or MINUS")


# --------------------------------------------------------------------------- type groups

CHAR, NUMBER, DATE, CLOB = "VARCHAR2", "NUMBER", "DATE", "CLOB"  # Oracle's type groups
_CHAR_FUNCTIONS = (exp.Substring, exp.Trim, exp.Upper, exp.Lower, exp.Initcap, exp.Pad)
_CLOB_KEEPING = {"SUBSTR", "RTRIM", "LTRIM", "TRIM", "REPLACE", "UPPER", "LOWER", "REGEXP_REPLACE", "TRANSLATE"}
_DATE_MASK_RE = re.compile(r"Y|RR|MM|MON|DD|DY|DAY|HH|SS|\bQ\b|^F?M?Q$|WW|IW")
_NUMBER_MASK_RE = re.compile(r"[90]")


def group_of_type(kind: exp.DataType | None) -> str | None:
    """Oracle's type group of a sqlglot type (None: unknown or NULL)."""
    if kind is None:
        return None
    if kind.this == exp.DataType.Type.TEXT:
        return CLOB if "CLOB" in kind.sql("oracle").upper() else CHAR
    if kind.this in _TEXT:
        return CHAR
    if kind.this in _DATES or kind.this in (exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIMESTAMPLTZ):
        return DATE
    if kind.is_type(*exp.DataType.NUMERIC_TYPES):
        return NUMBER
    return None


class _Typer:
    """The type group of every expression of a typed statement: table columns from the
    dictionary (sqlglot's annotation), and what sqlglot does not know, Oracle's way: a CLOB
    made by TO_CLOB, XMLCAST(… AS CLOB), .GETCLOBVAL() or ``||`` with a CLOB; CASE, NVL,
    COALESCE and DECODE by their first typed branch; a CTE's or subquery's column by its
    selected expression."""

    def __init__(self) -> None:
        self.memo: dict[int, str | None] = {}

    def group(self, node: exp.Expression | None) -> str | None:
        if node is None:
            return None
        key = id(node)
        if key not in self.memo:
            self.memo[key] = None  # a cycle (a recursive CTE) stays unknown
            self.memo[key] = self._group(node)
        return self.memo[key]

    def _group(self, node: exp.Expression) -> str | None:
        while isinstance(node, (exp.Paren, exp.Alias)):
            node = node.this
        if isinstance(node, exp.Null):
            return None
        if isinstance(node, exp.Literal):
            return CHAR if node.is_string else NUMBER
        if isinstance(node, (exp.Cast, exp.TryCast)):
            return group_of_type(node.args.get("to"))
        if isinstance(node, exp.Anonymous):
            name = node.name.upper()
            if name == "TO_CLOB":
                return CLOB
            if name == "XMLCAST" and node.expressions and isinstance(node.expressions[0], exp.Alias):
                target = node.expressions[0].alias.upper()
                return CLOB if target == "CLOB" else CHAR if target.startswith("VARCHAR") else None
            if name in _CLOB_KEEPING and node.expressions:
                return CLOB if self.group(node.expressions[0]) == CLOB else CHAR
        if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Anonymous):
            method = node.expression.name.upper()
            if method == "GETCLOBVAL":
                return CLOB
            if method == "GETSTRINGVAL":
                return CHAR
        if isinstance(node, (exp.DPipe, exp.Concat)):
            parts = [node.this, node.expression] if isinstance(node, exp.DPipe) else node.expressions
            return CLOB if any(self.group(p) == CLOB for p in parts) else CHAR
        if isinstance(node, _CHAR_FUNCTIONS):
            return CLOB if self.group(node.this) == CLOB else CHAR
        if isinstance(node, exp.ToChar):
            return CHAR
        if isinstance(node, exp.Case):
            return self._first(self.results(node))
        if isinstance(node, exp.Coalesce):
            return self._first([node.this, *node.expressions])
        if isinstance(node, exp.DecodeCase):
            return self._first(self.results(node)) or CHAR
        if isinstance(node, exp.Column):
            carried = self._carried(node)
            if carried is not False:
                return carried
        if isinstance(node, (exp.Subquery,)):
            query = _first_select(node.this)
            return self.group(query.expressions[0]) if len(query.expressions) == 1 else None
        return group_of_type(node.type)

    def _first(self, values: list) -> str | None:
        for value in values:
            found = self.group(value)
            if found is not None:
                return found
        return None

    @staticmethod
    def results(node: exp.Expression) -> list[exp.Expression]:
        """What a CASE or DECODE returns, branch by branch."""
        if isinstance(node, exp.Case):
            found = [branch.args.get("true") for branch in node.args.get("ifs") or []]
            return [r for r in [*found, node.args.get("default")] if r is not None]
        if isinstance(node, exp.DecodeCase):
            args = node.expressions
            found = [args[i] for i in range(2, len(args), 2)]
            if len(args) % 2 == 0:
                found.append(args[-1])
            return found
        return []

    def _carried(self, column: exp.Column) -> str | None | bool:
        """The group of the expression a CTE or subquery selects under this column's name;
        False when the column comes from a table (the dictionary types it)."""
        select = column.find_ancestor(exp.Select)
        while select is not None:
            source = _source_named(select, column.table)
            if source is not None:
                query = source
                if isinstance(source, exp.Table):
                    query = _cte_named(select, source.name)
                    if query is None:
                        return False
                elif isinstance(source, exp.Subquery):
                    query = source.this
                else:
                    return False
                for item in _first_select(query).expressions:
                    if item.alias_or_name.upper() == column.name.upper():
                        return self.group(item)
                return False
            if not column.table:
                return False
            select = select.find_ancestor(exp.Select)  # a correlated column of an outer block
        return False


def _source_named(select: exp.Select, name: str) -> exp.Expression | None:
    """The FROM/JOIN source of a block with this alias (the only source when ``name`` is empty)."""
    sources = []
    from_ = select.args.get("from_") or select.args.get("from")
    if from_ is not None:
        sources.append(from_.this)
    sources.extend(join.this for join in select.args.get("joins") or [])
    if not name:
        return sources[0] if len(sources) == 1 else None
    for source in sources:
        if source.alias_or_name.upper() == name.upper():
            return source
    return None


def _cte_named(node: exp.Expression, name: str) -> exp.Expression | None:
    current: exp.Expression | None = node
    while current is not None:
        scope_with = current.args.get("with_") or current.args.get("with")
        if scope_with is not None:
            for cte in scope_with.expressions:
                if cte.alias_or_name.upper() == name.upper():
                    return cte.this
        current = current.parent
    return None


def _set_branches(node: exp.Expression) -> list[exp.Select]:
    if isinstance(node, exp.SetOperation):
        return _set_branches(node.this) + _set_branches(node.expression)
    if isinstance(node, exp.Subquery):
        return _set_branches(node.this)
    return [node] if isinstance(node, exp.Select) else []


def _non_numeric_literal(node: exp.Expression) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    if not (isinstance(node, exp.Literal) and node.is_string):
        return False
    try:
        float(node.this.strip())
    except ValueError:
        return True
    return False


def _mixed(where: str, groups: list[str], node: exp.Expression, ora: str = "ORA-00932") -> Refusal:
    first, other = groups[0], next(g for g in groups if g != groups[0])
    return Refusal(
        ora,
        f"{where} mixes {first} and {other}: Oracle does not convert across type groups",
        "convert every branch to one type: TO_CHAR(…), TO_NUMBER(…), TO_CLOB(…) or DBMS_LOB.SUBSTR(…, 4000, 1)",
        node,
        "mixed",
    )


def _group_refusals(nodes: NodeIndex, typer: _Typer) -> Iterator[Refusal]:
    """Set operators, CASE, COALESCE, NVL and DECODE whose branches mix type groups; TO_CHAR
    with a date mask of text or a number; EXTRACT of a time field from a DATE."""
    for operation in nodes.of(exp.SetOperation):
        if isinstance(operation.parent, exp.SetOperation):
            continue  # judged with its outermost operation, every branch at once
        branches = _set_branches(operation)
        width = min((len(b.expressions) for b in branches), default=0)
        for index in range(width):
            items = [b.expressions[index] for b in branches]
            groups = [typer.group(item) for item in items]
            known = [g for g in groups if g is not None]
            if len(set(known)) > 1:
                odd = next(item for item, g in zip(items, groups) if g is not None and g != known[0])
                name = items[0].alias_or_name or str(index + 1)
                refusal = _mixed(
                    f"column {index + 1} ({name}) of the {operation.key.upper()}", known, odd.unalias(), "ORA-01790"
                )
                yield Refusal(
                    refusal.ora,
                    refusal.message.replace(
                        "Oracle does not convert",
                        "expression must have same datatype as corresponding expression; Oracle does not convert",
                    ),
                    refusal.hint,
                    refusal.node,
                    refusal.kind,
                )
    for case in nodes.of(exp.Case):
        groups = [g for g in (typer.group(r) for r in typer.results(case)) if g is not None]
        if len(set(groups)) > 1:
            yield _mixed("the CASE", groups, case)
    for node in nodes.of(exp.Coalesce):
        values = [node.this, *node.expressions]
        groups = [typer.group(v) for v in values]
        if not node.args.get("is_nvl"):
            known = [g for g in groups if g is not None]
            if len(set(known)) > 1:
                yield _mixed("COALESCE", known, node)
            continue
        yield from _converted_to_first("NVL", values, groups, node)
    for node in nodes.of(exp.DecodeCase):
        results = typer.results(node)
        yield from _converted_to_first("DECODE", results, [typer.group(r) for r in results], node)
    for node in nodes.of(exp.ToChar):
        mask = node.args.get("format")
        if not (isinstance(mask, exp.Literal) and mask.is_string):
            continue
        text = re.sub(r'"[^"]*"', "", mask.this.upper())
        if not _DATE_MASK_RE.search(text) or _NUMBER_MASK_RE.search(text):
            continue
        group = typer.group(node.this)
        if group == CHAR:
            yield Refusal(
                "ORA-01722",
                f"TO_CHAR({_describe(node.this)}, '{mask.this}'): the value is text, so Oracle reads it as "
                "TO_CHAR(number) and converts the text to a NUMBER: invalid number on every real row",
                f"make it a DATE first: TO_CHAR(TO_DATE({_name(node.this)}, '<its format>'), '{mask.this}')",
                node,
            )
        elif group == NUMBER:
            yield Refusal(
                "ORA-01481",
                f"TO_CHAR({_describe(node.this)}, '{mask.this}'): a date mask on a NUMBER (invalid number format model)",
                "format a DATE with it, or use a number mask ('FM9999')",
                node,
            )
    for node in nodes.of(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In):
        sides = [node.this, *(node.expressions if isinstance(node, exp.In) else [node.expression])]
        groups = [typer.group(side) for side in sides]
        if NUMBER not in groups or CHAR not in groups:
            continue
        text = next(side for side, g in zip(sides, groups) if g == CHAR)
        if isinstance(text, exp.Literal):
            continue  # a literal is converted once: '5' = n works, 'x' = n is the user's to see
        number = next(side for side, g in zip(sides, groups) if g == NUMBER)
        yield Refusal(
            "ORA-01722",
            f"{_name(text)} is text compared with the number {_name(number)}: Oracle converts the text to a NUMBER "
            "and the query fails (invalid number) on the first row whose text is not a number",
            f"compare text with text ({_name(text)} = '…', or TO_CHAR of the number)",
            text,
            "implicit",
        )
    for node in nodes.of(exp.Extract):
        unit = node.this.name.upper() if isinstance(node.this, (exp.Var, exp.Identifier)) else ""
        value = node.expression
        if (
            unit in ("HOUR", "MINUTE", "SECOND")
            and value.type is not None
            and value.type.this == exp.DataType.Type.DATE
        ):
            yield Refusal(
                "ORA-30076",
                f"EXTRACT({unit} FROM {_describe(value)}): a DATE has no {unit} field for EXTRACT (invalid extract field)",
                f"write TO_NUMBER(TO_CHAR({_name(value)}, 'HH24')) or EXTRACT({unit} FROM CAST({_name(value)} AS TIMESTAMP))",
                node,
            )


def _converted_to_first(where: str, values: list, groups: list, node: exp.Expression) -> Iterator[Refusal]:
    """NVL and DECODE convert the other values to the first one's type: text takes anything;
    a NUMBER or DATE cannot take the other (ORA-00932), nor a NUMBER a text that is no number."""
    first = next((g for g in groups if g is not None), None)
    if first is None:
        return
    for value, group in zip(values, groups):
        if group is None or group == first:
            continue
        if first == NUMBER and group == CHAR:
            if _non_numeric_literal(value):
                yield Refusal(
                    "ORA-01722",
                    f"{where} returns a NUMBER, so {_name(value)} is converted to one: invalid number",
                    f"convert the first value: TO_CHAR(…) in {where}",
                    value,
                )
        elif first in (CHAR, CLOB) and group in (CHAR, CLOB, NUMBER, DATE):
            continue
        else:
            yield _mixed(where, [first, group], node)
            return


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
    scratch: exp.Expression | None = None,
    index: NodeIndex | None = None,
) -> list[Refusal]:
    """Every construct of the statement Oracle refuses, in the order found.

    ``bind_families`` maps an arg name to the type family of its ``column=`` (DATE, NUMBER,
    VARCHAR2 …). Refusals found by syntax point at nodes of ``statement``; those found by
    type point at nodes of a typed copy (same positions in ``meta``). ``scratch``, a parse of
    the same text that nobody else holds, is typed in place of a copy (copying costs more
    than parsing). ``index``, the statement's shared :class:`NodeIndex`, saves another walk.
    """
    dictionary = dictionary or powerschool_dictionary()
    nodes = _Nodes(statement, index)
    found = list(_syntax_refusals(nodes, dictionary))
    # Every expression is typed (set operators, CASE, NVL, TO_CHAR masks …), not only CLOB columns.
    if scratch is not None:
        typed = annotated(scratch, dictionary, bind_families or {}, owned=True)
    else:
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

    parsed = parse_sql(sql)
    statement = parsed.statement
    if statement is None:
        return ()
    scratch = parse_sql.__wrapped__(sql).statement  # the same parse, not the cached one the rules share
    found = refusals(statement, dictionary or powerschool_dictionary(), dict(families), scratch, parsed.nodes)
    blanked = _blank_literals(parsed.text)
    return (*_text_refusals(blanked), *found)


def _blank_literals(text: str) -> str:
    """The SQL with its comments and string literals blanked (same length and positions)."""
    from plugin_builder.sql.sqlparse import strip_sql_comments

    return strip_sql_comments(text, blank_strings=True)

"""What each query reads, checked against the PowerSchool dictionary, from sqlglot's scopes.

:func:`analyze` resolves every column reference of a query to the table (or CTE/subquery) it
comes from, the way Oracle does: a qualifier names an alias of the current or an enclosing
query block; an unqualified name must belong to exactly one table of its block. It reports
unknown tables and columns (with the fix for the known-wrong names of
plugin_builder/data/wrong-names.json), ambiguous columns and qualifiers that name nothing, and
for each output column of the statement the real column it comes from when it is a plain
column, and its type family.

Interface (stable; access_request, the rules and the review report build on it):

* :func:`field_uses` -> list of :class:`FieldUse` (table, field, role), roles being
  ``select``, ``join``, ``filter``, ``grouping``, ``ordering`` or ``other``;
* :func:`fields_read` -> set of :class:`FieldRead` (table, field);
* :func:`access_fields_for` -> sorted (TABLE, FIELD) pairs for ``access_request``;
* :func:`analyze` -> :class:`Analysis` (everything above plus issues and outputs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, ScopeType, build_scope

from plugin_builder.sql.dictionary import SYSTEM_TABLES, Dictionary, powerschool_dictionary, type_family
from plugin_builder.sql.sqlparse import NodeIndex, output_expressions, parse_sql

ROLES = ("select", "join", "filter", "grouping", "ordering", "other")

# Oracle pseudo-columns and niladic functions that parse as bare column names.
PSEUDO_COLUMNS = frozenset(
    {
        "LEVEL",
        "ROWNUM",
        "ROWID",
        "USER",
        "UID",
        "SYSDATE",
        "SYSTIMESTAMP",
        "CURRENT_DATE",
        "CURRENT_TIMESTAMP",
        "LOCALTIMESTAMP",
        "SESSIONTIMEZONE",
        "DBTIMEZONE",
        "CONNECT_BY_ISLEAF",
        "CONNECT_BY_ISCYCLE",
        "NULL",
    }
)


@dataclass(frozen=True)
class FieldRead:
    table: str
    field: str


@dataclass(frozen=True)
class FieldUse:
    table: str
    field: str
    role: str


@dataclass(frozen=True)
class Issue:
    """Something wrong with a name; ``kind`` selects the rule that reports it."""

    kind: str  # unknown-table, unverified-table, wrong-table, unknown-column, unverified-column, wrong-column,
    # ambiguous-column, unknown-qualifier, unknown-derived-column, duplicate-alias
    message: str
    line: int | None
    column: int | None
    hint: str | None = None
    name: str = ""
    severity: str = "error"  # or "warning": a name the dictionary cannot verify


@dataclass(frozen=True)
class OutputColumn:
    """One column of the statement's result, as PowerSchool names it."""

    name: str | None  # None: an expression without an alias
    source: tuple[str, str] | None  # (TABLE, FIELD) when the output is a plain column
    family: str | None  # NUMBER, VARCHAR2, DATE, … when known
    line: int | None
    column: int | None


@dataclass
class Analysis:
    ok: bool
    uses: list[FieldUse] = field(default_factory=list)
    tables: list[tuple[str, int | None, int | None]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    outputs: list[OutputColumn] | None = None
    # (TABLE, FIELD) -> (line, column) of its first reference in the SQL
    positions: dict[tuple[str, str], tuple[int | None, int | None]] = field(default_factory=dict)
    # The statement's query blocks (sqlglot scopes of the shared parse), built once for the
    # rules that walk them too; empty when the statement could not be scoped.
    scopes: list[Scope] = field(default_factory=list, repr=False, compare=False)


def identifier_name(identifier: exp.Identifier | str | None) -> str:
    """Oracle's name for an identifier: unquoted names are upper-case, quoted ones exact."""
    if identifier is None:
        return ""
    if isinstance(identifier, str):
        return identifier.upper()
    if not isinstance(identifier, exp.Identifier):  # e.g. a literal after a dot: x.0
        return identifier.name.upper()
    return identifier.this if identifier.quoted else identifier.this.upper()


def position(node: exp.Expression | None, text: str) -> tuple[int | None, int | None]:
    """1-based (line, column) of a node's first token in ``text``."""
    if node is None:
        return None, None
    for candidate in (node.args.get("table"), node.args.get("this"), node):
        meta = getattr(candidate, "meta", None) if isinstance(candidate, exp.Expression) else None
        if meta and "start" in meta:
            start = meta["start"]
            return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
    for child in node.walk():
        if isinstance(child, exp.Identifier) and child.meta and "start" in child.meta:
            start = child.meta["start"]
            return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
    return None, None


def _role(column: exp.Column) -> str:
    node: exp.Expression | None = column
    while node is not None:
        parent = node.parent
        if parent is None:
            return "other"
        key = node.arg_key
        if isinstance(parent, exp.Join) and key in ("on", "using"):
            return "join"
        if isinstance(node, (exp.Where, exp.Having, exp.Connect)):
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


class _Resolver:
    """Resolves the columns of one statement against a dictionary."""

    def __init__(self, text: str, dictionary: Dictionary):
        self.text = text
        self.dictionary = dictionary
        self.issues: list[Issue] = []
        self.uses: set[FieldUse] = set()
        self.tables: list[tuple[str, int | None, int | None]] = []
        self.positions: dict[tuple[str, str], tuple[int | None, int | None]] = {}

    # -- sources -----------------------------------------------------------------------

    @staticmethod
    def _selected(scope: Scope) -> dict[str, object]:
        """Alias (Oracle name) -> exp.Table (real table) or Scope, for the FROM/JOIN of a block."""
        found: dict[str, object] = {}
        for alias, (node, source) in scope.selected_sources.items():
            if isinstance(node, exp.Table) and node.args.get("alias") is not None:
                name = identifier_name(node.args["alias"].this)
            elif isinstance(node, exp.Table):
                name = identifier_name(node.this)
            elif isinstance(node, exp.Expression) and node.args.get("alias") is not None:
                name = identifier_name(node.args["alias"].this)
            else:
                name = alias.upper()
            found[name] = source
        return found

    @staticmethod
    def _using(scope: Scope) -> set[str]:
        """Column names merged by JOIN … USING in this block."""
        names: set[str] = set()
        if isinstance(scope.expression, exp.Select):
            for join in scope.expression.args.get("joins") or []:
                for identifier in join.args.get("using") or []:
                    names.add(
                        identifier_name(identifier if isinstance(identifier, exp.Identifier) else identifier.this)
                    )
        return names

    def _output_names(self, scope: Scope) -> set[str] | None:
        """The names a derived table or CTE exposes; None when it selects *."""
        query = scope.expression
        cte = query.parent if query is not None else None
        while isinstance(cte, exp.SetOperation):  # a recursive CTE's own rows: its first branch
            cte = cte.parent
        if isinstance(cte, exp.CTE) and isinstance(cte.args.get("alias"), exp.TableAlias) and cte.args["alias"].columns:
            return {identifier_name(c) for c in cte.args["alias"].columns}  # WITH r (n) AS (…)
        while isinstance(query, exp.SetOperation):
            query = query.left
        if not isinstance(query, exp.Select):
            return None
        names = set()
        for e in query.selects:
            if isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)):
                return None
            if isinstance(e, exp.Alias):
                names.add(identifier_name(e.args["alias"]))
            elif isinstance(e, exp.Column):
                names.add(identifier_name(e.this))
        return names

    def _has(self, source: object, name: str) -> bool | None:
        """Whether a source has a column: True, False, or None when unknown."""
        if isinstance(source, exp.Table):
            return self.dictionary.column_known(source.name, name)
        if isinstance(source, Scope):
            names = self._output_names(source)
            return None if names is None else name in names
        return None

    # -- columns -----------------------------------------------------------------------

    def resolve(self, scope: Scope, column: exp.Column) -> tuple[object | None, str | None]:
        """(source, alias) a column comes from, or (None, None) if it cannot be told."""
        name = identifier_name(column.this)
        qualifier = column.args.get("table")
        # Only a (correlated) subquery in an expression sees the blocks around it; a WITH
        # query or a derived table in FROM does not.
        chain = []
        node: Scope | None = scope
        while node is not None:
            chain.append(node)
            if node.scope_type not in (ScopeType.SUBQUERY, ScopeType.SET_OPERATION):
                break
            node = node.parent
        if qualifier is not None:
            alias = identifier_name(qualifier)
            for block in chain:
                selected = self._selected(block)
                if alias in selected:
                    return selected[alias], alias
            return None, alias
        for block in chain:
            selected = self._selected(block)
            matches = [(a, s) for a, s in selected.items() if self._has(s, name)]
            if len(matches) == 1:
                return matches[0][1], matches[0][0]
            if len(matches) > 1 and name in self._using(block):
                return matches[0][1], matches[0][0]  # JOIN … USING (name): one merged column
            if len(matches) > 1:
                return "ambiguous", ",".join(a for a, _ in matches)
            if any(self._has(s, name) is None for s in selected.values()):
                # It may come from a table whose columns we do not know.
                if len(selected) == 1:
                    alias, source = next(iter(selected.items()))
                    return source, alias
                return None, None
        selected = self._selected(scope)
        if len(selected) == 1:
            alias, source = next(iter(selected.items()))
            return source, alias
        return None, None

    def check_column(self, scope: Scope, column: exp.Column) -> None:
        if isinstance(column.this, exp.Star):
            return
        name = identifier_name(column.this)
        qualifier = column.args.get("table")
        if qualifier is None and name in PSEUDO_COLUMNS:
            return
        if isinstance(column.parent, exp.BitwiseNot) or (
            isinstance(column.parent, exp.Paren) and isinstance(column.parent.parent, exp.BitwiseNot)
        ):
            return  # ~(curyearid): a PS-HTML tag, which SQ303 reports
        line, col = position(column, self.text)
        source, alias = self.resolve(scope, column)

        def shown() -> str:  # for messages only: generating SQL copies the column, 800 times a build
            return column.sql(dialect="oracle")

        if source == "ambiguous":
            self.issues.append(
                Issue(
                    "ambiguous-column",
                    f"column {shown()} is ambiguous: it is in {alias.replace(',', ' and ')} (ORA-00918)",
                    line,
                    col,
                    hint="qualify it with the table alias",
                    name=name,
                )
            )
            return
        if source is None:
            if qualifier is not None:
                self.issues.append(
                    Issue(
                        "unknown-qualifier",
                        f"{shown()}: no table or alias {alias} in this query (ORA-00904)",
                        line,
                        col,
                        hint="use an alias defined in the FROM clause",
                        name=alias or "",
                    )
                )
            elif all(self._has(s, name) is False for s in self._selected(scope).values()) and self._selected(scope):
                from plugin_builder.sql.dictionary import closest

                candidates = set()
                for s in self._selected(scope).values():
                    if isinstance(s, exp.Table):
                        candidates |= set(self.dictionary.columns(s.name) or {})
                    elif isinstance(s, Scope):
                        candidates |= self._output_names(s) or set()
                suggestions = closest(name, candidates)
                hint = f"did you mean {' or '.join(suggestions)}?" if suggestions else "check the name"
                self.issues.append(
                    Issue(
                        "unknown-column",
                        f"column {shown()} is in none of the tables of its query block (ORA-00904)",
                        line,
                        col,
                        hint=f"{hint}; qualify it with a table alias",
                        name=name,
                    )
                )
            return
        if isinstance(source, exp.Table):
            table = source.name.upper()
            if table in SYSTEM_TABLES or not table:  # no name: TABLE(CAST(…)) reads no real table
                return
            if self.dictionary.has_table(table) and not self.dictionary.wrong_table(table):
                verdict = self.dictionary.judge_column(table, name)
                if verdict is not None:
                    self.issues.append(
                        Issue(verdict.kind, verdict.message, line, col, verdict.hint, verdict.name, verdict.severity)
                    )
            self.uses.add(FieldUse(table, name, _role(column)))
            found = self.positions.get((table, name))
            if found is None or (line or 0, col or 0) < (found[0] or 0, found[1] or 0):
                self.positions[(table, name)] = (line, col)
        elif isinstance(source, Scope):
            if self._has(source, name) is False:
                self.issues.append(
                    Issue(
                        "unknown-derived-column",
                        f"{shown()}: the subquery or WITH query {alias} has no column {name} (ORA-00904)",
                        line,
                        col,
                        hint=f"select {name} in {alias}, or fix the name (quoted aliases are case-sensitive)",
                        name=name,
                    )
                )

    def check_table(self, table: exp.Table) -> None:
        name = table.name.upper()
        line, col = position(table, self.text)
        if name in SYSTEM_TABLES or not name:  # no name: a table expression such as TABLE(CAST(…))
            return
        self.tables.append((name, line, col))
        verdict = self.dictionary.judge_table(name)
        if verdict is not None:
            self.issues.append(
                Issue(verdict.kind, verdict.message, line, col, verdict.hint, verdict.name, verdict.severity)
            )

    # -- outputs -----------------------------------------------------------------------

    def source_of(self, scope: Scope, expression: exp.Expression, depth: int = 0) -> tuple[str, str] | None:
        """(TABLE, FIELD) an output comes from when it is a plain column (through CTEs)."""
        if depth > 20:
            return None
        node = expression.this if isinstance(expression, exp.Alias) else expression
        if not isinstance(node, exp.Column) or isinstance(node.this, exp.Star):
            return None
        source, _ = self.resolve(scope, node)
        name = identifier_name(node.this)
        if isinstance(source, exp.Table):
            table = source.name.upper()
            if table in SYSTEM_TABLES or not self.dictionary.has_field(table, name):
                return None
            return table, name
        if isinstance(source, Scope):
            inner = self._branch(source)
            if inner is None:
                return None
            for e in inner.expression.selects:
                if isinstance(e, exp.Alias):
                    out = identifier_name(e.args["alias"])
                elif isinstance(e, exp.Column):
                    out = identifier_name(e.this)
                else:
                    continue
                if out == name:
                    return self.source_of(inner, e, depth + 1)
        return None

    @staticmethod
    def _branch(scope: Scope) -> Scope | None:
        """The scope of the first SELECT of a (possibly set-operation) scope."""
        while scope is not None and not isinstance(scope.expression, exp.Select):
            branches = getattr(scope, "set_operation_scopes", None) or getattr(scope, "union_scopes", None)
            if not branches:
                return None
            scope = branches[0]
        return scope

    def family_of(self, scope: Scope, node: exp.Expression, depth: int = 0) -> str | None:
        """A type family for an expression, when it is easy to tell."""
        if depth > 10:
            return None
        if isinstance(node, exp.Alias):
            return self.family_of(scope, node.this, depth + 1)
        if isinstance(node, exp.Paren):
            return self.family_of(scope, node.this, depth + 1)
        if isinstance(node, exp.Column):
            found = self.source_of(scope, node)
            return self.dictionary.family(*found) if found else None
        if isinstance(node, exp.Null):
            return None
        if isinstance(node, exp.Literal):
            return "VARCHAR2" if node.is_string else "NUMBER"
        if isinstance(
            node,
            (
                exp.DPipe,
                exp.Concat,
                exp.ToChar,
                exp.Upper,
                exp.Lower,
                exp.Trim,
                exp.Substring,
                exp.Translate,
                exp.Pad,
                exp.GroupConcat,
            ),
        ):
            return "VARCHAR2"
        if isinstance(node, (exp.Count, exp.Sum, exp.Avg, exp.ToNumber, exp.Length)):
            return "NUMBER"
        if isinstance(node, (exp.CurrentTimestamp, exp.CurrentDate, exp.StrToDate, exp.StrToTime, exp.TsOrDsToDate)):
            return "DATE"
        if isinstance(node, exp.Cast):
            return type_family(node.to.sql(dialect="oracle")) if node.to else None
        if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Neg)):
            left = self.family_of(scope, node.this, depth + 1) if node.this is not None else None
            return "DATE" if left in ("DATE", "TIMESTAMP") and not isinstance(node, (exp.Mul, exp.Div)) else "NUMBER"
        if isinstance(node, (exp.Coalesce, exp.Max, exp.Min, exp.Anonymous)) and node.this is not None:
            return self.family_of(scope, node.this, depth + 1)
        if isinstance(node, exp.Case):
            for branch in node.args.get("ifs") or []:
                found = self.family_of(scope, branch.args.get("true"), depth + 1)
                if found:
                    return found
            default = node.args.get("default")
            return self.family_of(scope, default, depth + 1) if default is not None else None
        return None


def _outputs(resolver: _Resolver, statement: exp.Expression, root: Scope | None) -> list[OutputColumn] | None:
    selects = output_expressions(statement)
    if selects is None or root is None:
        return None
    branch = resolver._branch(root)
    outputs = []
    for e in selects:
        if isinstance(e, exp.Alias):
            name: str | None = identifier_name(e.args["alias"])
        elif isinstance(e, exp.Column):
            name = identifier_name(e.this)
        else:
            name = None
        source = resolver.source_of(branch, e) if branch is not None else None
        family = resolver.dictionary.family(*source) if source else (resolver.family_of(branch, e) if branch else None)
        line, col = position(e, resolver.text)
        outputs.append(OutputColumn(name, source, family, line, col))
    return outputs


def owned_columns(scopes: list[Scope]) -> list[tuple[exp.Column, Scope]]:
    """Each column once, with the innermost query block that contains it.

    sqlglot lists some columns of a predicate subquery in the enclosing scope too; Oracle
    resolves a name in its own block first, so the innermost block is the owner.
    """
    by_node = {id(scope.expression): scope for scope in scopes}
    owned: dict[int, tuple[exp.Column, Scope]] = {}
    for scope in scopes:
        for column in scope.columns:
            if id(column) in owned:
                continue
            node = column.parent
            owner = scope
            while node is not None:
                if id(node) in by_node:
                    owner = by_node[id(node)]
                    break
                node = node.parent
            owned[id(column)] = (column, owner)
    return list(owned.values())


def duplicate_aliases(statement: exp.Expression, text: str, index: NodeIndex | None = None) -> list[Issue]:
    """A name given to two sources of one FROM clause: a table joined twice without aliases,
    or one alias on both sides of a join. Oracle cannot tell the columns apart (ORA-00918).
    ``index``: the statement's shared node index, when there is one."""
    issues = []
    for select in index.of(exp.Select) if index is not None else statement.find_all(exp.Select):
        sources = []
        from_ = select.args.get("from_") or select.args.get("from")
        if from_ is not None:
            sources.append(from_.this)
        sources += [join.this for join in select.args.get("joins") or []]
        seen: dict[str, exp.Expression] = {}
        for source in sources:
            alias = source.args.get("alias")
            if alias is not None and alias.this is not None:
                name = identifier_name(alias.this)
            elif isinstance(source, exp.Table) and source.name:
                name = identifier_name(source.this)
            else:
                continue
            if name not in seen:
                seen[name] = source
                continue
            first = seen[name]
            line, col = position(source, text)
            if (
                isinstance(source, exp.Table)
                and isinstance(first, exp.Table)
                and alias is None
                and first.args.get("alias") is None
            ):
                message = (
                    f"table {name} is joined twice without aliases: every {name}.column is ambiguous "
                    "(ORA-00918: column ambiguously defined)"
                )
                hint = f"give each {name} its own alias: FROM {name} a JOIN {name} b ON …"
            else:
                what = [s.name.upper() if isinstance(s, exp.Table) else "a subquery" for s in (first, source)]
                message = (
                    f"alias {name} names two sources of one FROM clause ({what[0]} and {what[1]}): its columns "
                    "are ambiguous or not found (ORA-00918 / ORA-00904)"
                )
                hint = "give each source of the FROM clause its own alias"
            issues.append(Issue("duplicate-alias", message, line, col, hint, name))
    return issues


@lru_cache(maxsize=512)
def analyze(sql: str, dictionary: Dictionary | None = None) -> Analysis:
    """Resolve every table and column of one statement; never raises on bad SQL."""
    parsed = parse_sql(sql)
    if parsed.statement is None:
        return Analysis(ok=False)
    resolver = _Resolver(parsed.text, dictionary or powerschool_dictionary())
    duplicates = duplicate_aliases(parsed.statement, parsed.text, parsed.nodes)
    if duplicates:  # the blocks cannot be resolved; the duplicate is the finding
        for table in parsed.nodes.of(exp.Table):
            if table.name and isinstance(table.parent, (exp.From, exp.Join)):
                resolver.check_table(table)
        return Analysis(
            ok=False,
            issues=sorted(set(duplicates + resolver.issues), key=lambda i: (i.line or 0, i.column or 0, i.kind)),
        )
    _mark_recursive_ctes(parsed.nodes)
    try:
        root = build_scope(parsed.statement)
        scopes = list(root.traverse()) if root is not None else []
        for scope in scopes:
            scope.selected_sources  # noqa: B018 (raises here, not halfway through the checks)
    except Exception:  # sqlglot cannot scope some exotic statements; report nothing rather than guess
        return Analysis(ok=False)
    for scope in scopes:
        for source in scope.selected_sources.values():
            node, target = source
            if isinstance(target, exp.Table):
                resolver.check_table(target)
        for name in resolver._using(scope):  # JOIN … USING (name) reads it from every side
            for source in resolver._selected(scope).values():
                if isinstance(source, exp.Table) and resolver.dictionary.has_field(source.name, name):
                    resolver.uses.add(FieldUse(source.name.upper(), name, "join"))
    for column, scope in owned_columns(scopes):
        resolver.check_column(scope, column)
    issues = sorted(set(resolver.issues), key=lambda i: (i.line or 0, i.column or 0, i.kind, i.message))
    return Analysis(
        ok=True,
        uses=sorted(resolver.uses, key=lambda u: (u.table, u.field, ROLES.index(u.role))),
        tables=sorted(set(resolver.tables), key=lambda t: (t[1] or 0, t[2] or 0, t[0])),
        issues=issues,
        outputs=_outputs(resolver, parsed.statement, root),
        positions=resolver.positions,
        scopes=scopes,
    )


def column_targets(sql: str, dictionary: Dictionary | None, core_table: str | None, count: int) -> list[str]:
    """``column=`` for each of ``count`` outputs: the real source column of a plain-column
    output, else a type-compatible placeholder field."""
    from plugin_builder.sql.dictionary import placeholder_field

    dictionary = dictionary or powerschool_dictionary()
    outputs = analyze(sql, dictionary).outputs or []
    targets = []
    for index in range(count):
        output = outputs[index] if index < len(outputs) else None
        if output is not None and output.source is not None:
            targets.append("{}.{}".format(*output.source))
        else:
            targets.append(placeholder_field(dictionary, output.family if output else None, core_table))
    return targets


def field_uses(sql: str, dictionary: Dictionary | None = None) -> list[FieldUse]:
    """Every use of a real table's column, with its role; sorted and unique."""
    return list(analyze(sql, dictionary).uses)


def fields_read(sql: str, dictionary: Dictionary | None = None) -> set[FieldRead]:
    """Every (TABLE, FIELD) of a real table that the SQL references, upper-case."""
    return {FieldRead(u.table, u.field) for u in field_uses(sql, dictionary)}


def access_fields_for(queries: Iterable, dictionary: Dictionary | None = None) -> list[tuple[str, str]]:
    """Sorted, unique (TABLE, FIELD) pairs for access_request from rendered queries.

    Every field the SQL reads; all ViewOnly. A ``<column column=…>`` target that no SQL
    reads is a placeholder giving a computed output its DEM type (``password`` ->
    STUDENTS.LASTFIRST): PowerSchool reads no data from it, so it is not requested.
    """
    pairs: set[tuple[str, str]] = set()
    for query in queries:
        for read in fields_read(query.sql, dictionary):
            pairs.add((read.table, read.field))
    return sorted(pairs)


__all__ = [
    "Analysis",
    "FieldRead",
    "FieldUse",
    "Issue",
    "OutputColumn",
    "access_fields_for",
    "analyze",
    "column_targets",
    "field_uses",
    "fields_read",
    "identifier_name",
    "position",
]


def _mark_recursive_ctes(nodes: NodeIndex) -> None:
    """Oracle's recursive WITH has no RECURSIVE keyword: a CTE that reads itself is one, so
    that it is a source inside its own definition (a flag: no node of the statement changes)."""
    for with_ in nodes.of(exp.With):
        for cte in with_.expressions:
            name = cte.alias_or_name.upper()
            if any(t.name.upper() == name and not t.db for t in cte.this.find_all(exp.Table)):
                with_.set("recursive", True)

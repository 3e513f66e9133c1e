"""Fit the synthetic district to the queries it runs: the values their filters name, the columns they read.

A plugin built elsewhere filters on its own district's values: ``WHERE s.SCHOOLID IN (501,
616)``, ``c.COURSE_NAME LIKE '%(APEX)'``, ``sg.STORECODE = 'F1'``. On a synthetic district
numbered from 101 those queries run clean and return nothing, which proves nothing about
them. So for such a plugin (``preview --zip``, ``serve --zip``):

- **School numbers** a filter names (``SCHOOLID``/``SCHOOL_NUMBER`` ``=`` or ``IN`` a number,
  outside ``CASE``) number the district's schools (:func:`plugin_filters`, passed to
  :func:`~plugin_builder.preview.synthetic.generate`), so every table agrees on them.
- **Text a filter names** (``=``, ``IN``, ``LIKE``, also through ``LOWER``/``UPPER``/``TRIM``)
  that no row of a district table holds is written into a quarter of that table's rows (the
  same rows for every column of a table, so ``GEN.CAT = 'activity' AND GEN.NAME LIKE
  '%Athletics%'`` meet): :func:`fit_text_filters`. Each change is a note with its count.

For a project, the district is left as generated: its filters come from ``plugin.toml``,
and a setting that matches nothing there is what PV660/PV669 report.

Any query, a project's too: a column it reads that the district leaves blank in every row
(``SCHOOLSTAFF.TRANSACTION_DATE`` …) gets values of its type and name
(:func:`fill_blank_columns`), as the generic filler gives them; a note names each.

:func:`prepare_district` runs the whole preparation — fill, fit, then set aside what cannot
run — for ``preview`` and ``serve`` alike.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import duckdb

from plugin_builder.preview.filler import (
    KEY_ALIASES,
    complete_schema,
    facts_of,
    fill_tables,
    is_flag,
    oracle_types,
    parsed_for_filters,
    table_columns,
    table_of,
    tables_by_alias,
    text_length,
    typed_value,
)

SCHOOL_NUMBER_COLUMNS = {"SCHOOLID", "SCHOOL_NUMBER", "SCHOOLNUMBER", "HOMESCHOOLID", "ENROLLMENT_SCHOOLID"}
# Not a school of the district: the district office, "graduated students".
NOT_SCHOOLS = {0, 999999}
WRAPPERS = {"Lower": "lower", "Upper": "upper", "Trim": "trim"}
SHARE = 4  # one row in SHARE takes a text a filter names
PERSONAL = re.compile(r"(FIRST_?NAME|LAST_?NAME|MIDDLE_?NAME|LASTFIRST|EMAIL|NICKNAME)")


@dataclass(frozen=True)
class TextFilter:
    """``wrapper(column) = literal`` (kind ``eq``) or ``… LIKE pattern`` (kind ``like``)."""

    kind: str
    value: str  # the literal's text
    wrapper: str = ""  # lower | upper | trim | ""


@dataclass
class PluginFilters:
    """What a plugin's filters name: school numbers, and texts by table and column."""

    school_numbers: tuple[int, ...] = ()
    texts: dict[str, dict[str, list[TextFilter]]] = field(default_factory=dict)


def _unwrap(node) -> tuple[object, str]:
    """A column under LOWER/UPPER/TRIM (one level), and the wrapper's name."""
    from sqlglot import exp

    name = WRAPPERS.get(type(node).__name__, "")
    if name and isinstance(node.this, exp.Column):
        return node.this, name
    return node, ""


def plugin_filters(sqls) -> PluginFilters:
    """The school numbers and texts the queries' filters compare columns with (see the
    module's docstring). Negated comparisons and those inside ``CASE`` are not filters."""
    from sqlglot import exp

    from plugin_builder.preview.plugin import substitute

    numbers: set[int] = set()
    texts: dict[str, dict[str, set[TextFilter]]] = {}
    for sql in sqls:
        tree = parsed_for_filters(substitute(sql, 0, 0))  # PowerSchool's tags neutral: school 0 is no school
        if tree is None:
            continue
        names = tables_by_alias(tree)
        for node in tree.find_all(exp.EQ, exp.In, exp.Like):
            if node.find_ancestor(exp.Not, exp.Case, exp.If) is not None:
                continue
            if isinstance(node, exp.EQ):
                pairs = [(node.this, [node.expression]), (node.expression, [node.this])]
            elif isinstance(node, exp.In):
                pairs = [(node.this, node.expressions)]
            else:
                if isinstance(node.parent, exp.Escape):
                    continue  # an escaped pattern: not worth decoding
                pairs = [(node.this, [node.expression])]
            for side, values in pairs:
                column, wrapper = _unwrap(side)
                if not isinstance(column, exp.Column) or not values:
                    continue
                if not all(isinstance(v, exp.Literal) for v in values):
                    continue
                name = column.name.upper()
                if name in SCHOOL_NUMBER_COLUMNS and not wrapper and not isinstance(node, exp.Like):
                    numbers.update(
                        int(v.this)
                        for v in values
                        if re.fullmatch(r"\d{1,7}", v.this.strip()) and int(v.this) not in NOT_SCHOOLS
                    )
                    continue
                table = table_of(column, names)
                if table is None:
                    continue
                kind = "like" if isinstance(node, exp.Like) else "eq"
                for value in values:
                    if value.is_string and value.this:
                        texts.setdefault(table, {}).setdefault(name, set()).add(TextFilter(kind, value.this, wrapper))
    return PluginFilters(
        tuple(sorted(numbers)),
        {
            t: {c: sorted(f, key=lambda x: (x.kind, x.value, x.wrapper)) for c, f in sorted(cols.items())}
            for t, cols in sorted(texts.items())
        },
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _can_match(f: TextFilter) -> bool:
    """False for ``UPPER(x) = 'abc'`` and the like: no value of the column meets it."""
    shaped = {"lower": str.lower, "upper": str.upper, "trim": str.strip}.get(f.wrapper)
    return shaped is None or shaped(f.value) == f.value


def _condition(column: str, f: TextFilter) -> str:
    target = f'{f.wrapper}("{column}")' if f.wrapper else f'"{column}"'
    return f"{target} {'LIKE' if f.kind == 'like' else '='} {_quote(f.value)}"


def _value_sql(column: str, f: TextFilter, length: int | None) -> str:
    """SQL for a value the filter matches: the literal itself; for a pattern, its text with
    ``%`` a space and ``_`` an ``x``, after the row's own value when it starts with ``%``."""
    if f.kind == "eq":
        return _quote(f.value)
    core = f.value.strip("%").replace("%", " ").replace("_", "x") or "x"  # 'Athletics - %': its space kept
    if f.value.startswith("%"):
        longer = f"""coalesce("{column}" || ' ', '') || {_quote(core)}"""
        if length is None:
            return longer
        return f"CASE WHEN length({longer}) <= {length} THEN {longer} ELSE {_quote(core[:length])} END"
    return _quote(core if length is None else core[:length])


def fit_text_filters(
    con: duckdb.DuckDBPyConnection,
    district,
    filters: PluginFilters,
    skip: set[str] = frozenset(),
    declared: dict[str, dict[str, str]] | None = None,
) -> list[str]:
    """Write each text a filter names into the table when no row matches any of that
    column's filters (see the module's docstring); ``skip`` are tables not to touch (a
    ``--tables`` CSV). Returns one note a column changed."""
    facts = facts_of(district)
    notes = []
    for table, columns in filters.texts.items():
        if table in skip:
            continue
        try:
            rows = con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        except duckdb.Error:
            continue
        if not rows:
            continue
        types = {c.upper(): (c, t) for c, t in table_columns(con, table)}
        oracle = oracle_types(table, {k.upper(): v for k, v in (declared or {}).items()})
        chosen = (
            f'(hash({_quote(table)}, rowid, {facts.seed}) % {SHARE} = 0 OR rowid = (SELECT min(rowid) FROM "{table}"))'
        )
        for name, filters_of_column in columns.items():
            wanted = [f for f in filters_of_column if _can_match(f)]
            if not wanted or name not in types or _is_key(name) or not types[name][1].upper().startswith("VARCHAR"):
                continue  # text only (numbers and dates are keys and days), and no key (COURSE_NUMBER)
            if PERSONAL.search(name):
                continue  # a person's name or address is theirs: never rewritten to meet a filter
            column = types[name][0]
            matching = " OR ".join(_condition(column, f) for f in wanted)
            if con.execute(f'SELECT COUNT(*) FROM "{table}" WHERE {matching}').fetchone()[0]:
                continue
            length = text_length(oracle.get(name, ""))
            which = f"hash({_quote(table + '.' + name)}, rowid, {facts.seed}) % {len(wanted)}"
            sets = [f'"{column}" = {_choice(which, [_value_sql(column, f, length) for f in wanted])}']
            if name == "NAME" and "VALUE" in types:
                # a setting (PREFS): a name that says it holds a date gets one, as PowerSchool
                # writes it (MM/DD/YYYY); the others keep their value
                day = f"'{(facts.first - dt.timedelta(days=7)):%m/%d/%Y}'"
                value = types["VALUE"][0]
                values = [day if "DATE" in f.value.upper() else f'"{value}"' for f in wanted]
                sets.append(f'"{value}" = {_choice(which, values)}')
            con.execute(f'UPDATE "{table}" SET {", ".join(sets)} WHERE {chosen}')
            changed = con.execute(f'SELECT COUNT(*) FROM "{table}" WHERE {matching}').fetchone()[0]
            shown = ", ".join(_condition(name, f) for f in wanted[:3]) + (" …" if len(wanted) > 3 else "")
            notes.append(
                f"{table}.{name}: {changed} of {rows} rows set to match the plugin's filter ({shown}); "
                "the synthetic district had none"
            )
    return notes


def _choice(which: str, options: list[str]) -> str:
    if len(options) == 1:
        return options[0]
    return f"CASE {which} {' '.join(f'WHEN {i} THEN {o}' for i, o in enumerate(options))} END"


def school_numbers_notes(district, filters: PluginFilters) -> list[str]:
    """A note naming the schools numbered with the plugin's school numbers (none if none was)."""
    named = set(filters.school_numbers)
    taken = [f"{s.number} {s.name}" for s in district.schools if s.number in named]
    if not taken:
        return []
    return [
        f"schools numbered as the plugin's filters name them: {', '.join(taken)}"
        f" (the synthetic district numbers its schools from 101 otherwise)"
    ]


def _is_key(name: str) -> bool:
    return name in KEY_ALIASES or name in ("ID", "DCID") or name.endswith(("ID", "DCID"))


def fill_blank_columns(
    con: duckdb.DuckDBPyConnection,
    district,
    needs: dict[str, dict[str, set[str]]],
    skip: set[str] = frozenset(),
    declared: dict[str, dict[str, str]] | None = None,
) -> list[str]:
    """Give values to each column a query reads that is NULL in every row of a table that has
    rows (not a key, not a ``skip`` table): values of its type and name, as the generic filler
    makes them. Returns one note a column filled."""
    facts = facts_of(district)
    read: dict[str, set[str]] = {}
    for tables in needs.values():
        for table, columns in tables.items():
            read.setdefault(table.upper(), set()).update(c.upper() for c in columns)
    notes = []
    for table, columns in sorted(read.items()):
        if table in skip:
            continue
        try:
            types = {c.upper(): (c, t) for c, t in table_columns(con, table)}
            rows = con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] if types else 0
        except duckdb.Error:
            continue
        if not rows:
            continue
        oracle = oracle_types(table, {k.upper(): v for k, v in (declared or {}).items()})
        for name in sorted(columns & set(types)):
            column, duck_type = types[name]
            if _is_key(name) or con.execute(f'SELECT COUNT("{column}") FROM "{table}"').fetchone()[0]:
                continue
            if duck_type.upper() in ("BIGINT", "INTEGER", "SMALLINT") and is_flag(name, oracle.get(name, "")):
                continue  # an unset flag is blank in PowerSchool too (NVL(flag, 0) reads it as 0)
            expr = typed_value(table, name, duck_type, oracle.get(name, ""), facts)
            if expr is None:
                continue
            con.execute(
                f'UPDATE "{table}" SET "{column}" = f.V FROM (SELECT a.rid, CAST({expr} AS {duck_type}) AS V '
                f'FROM (SELECT rowid AS rid, rowid + 1 AS N FROM "{table}") a) f WHERE "{table}".rowid = f.rid'
            )
            notes.append(f"{table}.{name}: blank in all {rows} rows, given values of its type (a query reads it)")
    return notes


def prepare_district(
    source,
    district,
    needs: dict[str, dict[str, set[str]]],
    declared: dict[str, dict[str, str]] | None = None,
    dictionary=None,
    literals: dict[str, dict[str, list[str]]] | None = None,
    filters=None,
) -> tuple[dict[str, str], list[str]]:
    """Make a district ready for these queries — what ``preview`` and ``serve`` both call.

    ``needs`` is query -> table -> columns read. On the synthetic district (``district`` not
    None) every table a query reads that is empty — and not a ``--tables`` CSV — is filled
    (:func:`~plugin_builder.preview.filler.fill_tables`), created first when the dictionary or
    ``declared`` knows it; the
    texts a plugin built elsewhere filters on (``filters``,
    :func:`~plugin_builder.preview.fitting.plugin_filters`) are written where no row has them,
    and a column a query reads that no row fills gets values
    (:func:`fit_text_filters`, :func:`fill_blank_columns`). Then
    :func:`~plugin_builder.preview.sources.prepare_requirements` creates what is still missing
    empty (a user's DuckDB file or CSV extracts are never filled) and sets aside the queries
    that cannot run, naming a name ``dictionary`` (the project's or plugin's) lacks as validate
    does. Returns (query -> why it cannot run, notes)."""
    from plugin_builder.preview.sources import prepare_requirements

    notes: list[str] = []
    if district is not None:
        notes += complete_schema(source, needs, declared or {})
        wanted = {table for tables in needs.values() for table in tables} - set(source.from_csv)
        report = fill_tables(source.con, district, sorted(wanted), declared, literals)
        for table, rows in sorted(report.rows.items()):
            source.columns[table] = {c.upper() for c, _ in table_columns(source.con, table)}
            if rows:
                notes.append(f"{table}: {rows} synthetic rows ({report.how[table]})")
        skip = {table.upper() for table in source.from_csv}
        if filters is not None:
            notes += school_numbers_notes(district, filters)
            notes += fit_text_filters(source.con, district, filters, skip, declared)
        notes += fill_blank_columns(source.con, district, needs, skip, declared)
    unrunnable, more = prepare_requirements(source, needs, declared, dictionary)
    return unrunnable, notes + more

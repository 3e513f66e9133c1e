"""The PowerSchool data dictionary shipped with the package.

``data/powerschool-schema.json`` is ``{"TABLE": {"COLUMN": "oracle type"}}``, taken from
reference/powerschool-schema.json (42 tables, every column backed by a public source).
Types are families (NUMBER, VARCHAR2, DATE, TIMESTAMP, CLOB); lengths are known only
for some columns.

``data/wrong-names.json`` holds the plausible names that are *not* PowerSchool columns
(reference/powerschool-schema.md §3) with what to use instead. :class:`Dictionary` puts the
three together with the views PowerQueries may read and the extension tables a district
declares (``[dictionary]`` in plugin.toml, or a side file: see :func:`parse_extensions`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from plugin_builder.resources import data_path

if TYPE_CHECKING:
    import duckdb


@cache
def load_dictionary() -> dict[str, dict[str, str]]:
    with open(data_path("powerschool-schema.json"), encoding="utf-8") as handle:
        raw = json.load(handle)
    return {table.upper(): {c.upper(): t for c, t in cols.items()} for table, cols in raw.items()}


def type_family(oracle_type: str) -> str:
    """NUMBER, FLOAT, VARCHAR2, CLOB, DATE, TIMESTAMP or BLOB."""
    base = oracle_type.upper().split("(")[0].strip()
    if base in ("VARCHAR", "CHAR", "NVARCHAR2", "NCHAR"):
        return "VARCHAR2"
    return base


def duckdb_type(oracle_type: str) -> str:
    """The DuckDB type used to hold an Oracle column in preview and tests.

    NUMBER without a positive scale is BIGINT (PowerSchool ids, flags and numbers are
    integers, and Oracle prints them without decimals); DATE stays DATE so that
    ``date - 1`` is day arithmetic as in Oracle.
    """
    text = oracle_type.upper()
    family = type_family(text)
    if family == "NUMBER":
        match = re.match(r"NUMBER\((\d+)\s*,\s*(\d+)\)", text)
        if match and int(match.group(2)) > 0:
            return f"DECIMAL({min(int(match.group(1)), 38)},{match.group(2)})"
        return "BIGINT"
    if family in ("FLOAT", "BINARY_DOUBLE", "BINARY_FLOAT"):
        return "DOUBLE"
    if family == "DATE":
        return "DATE"
    if family.startswith("TIMESTAMP"):
        return "TIMESTAMP"
    if family == "BLOB":
        return "BLOB"
    return "VARCHAR"


def create_tables(con: duckdb.DuckDBPyConnection, tables: list[str] | None = None) -> None:
    """Create empty PowerSchool-shaped tables (all dictionary columns) in DuckDB."""
    dictionary = load_dictionary()
    for table in tables or sorted(dictionary):
        columns = ", ".join(f'"{c}" {duckdb_type(t)}' for c, t in dictionary[table].items())
        con.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({columns})')


# Views a PowerQuery may read (reference/powerschool-plugin-format.md §6, "Views (9.2+)";
# TEACHERS is the compatibility view over USERS and SCHOOLSTAFF). Views without a column list
# in the dictionary are known by name only: their columns are not checked.
VIEWS = frozenset(
    {
        "TEACHERS",
        "PS_ATTENDANCE_DAILY",
        "PS_ENROLLMENT_ALL",
        "PS_MEMBERSHIP_REG",
        "PT_MEMBERSHIP_DEFAULTS",
        "PS_ADAADM_DAILY_CTOD",
    }
)
# Oracle's own: always there, never in access_request.
SYSTEM_TABLES = frozenset({"DUAL"})
IDENTIFIER_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_$#]{0,127}$")
FAMILIES = ("NUMBER", "FLOAT", "VARCHAR2", "CLOB", "DATE", "TIMESTAMP", "BLOB")


@cache
def load_wrong_names() -> tuple[dict[str, str], dict[str, str]]:
    """(wrong tables, wrong "TABLE.COLUMN" names) -> what to use instead."""
    with open(data_path("wrong-names.json"), encoding="utf-8") as handle:
        raw = json.load(handle)
    return (
        {k.upper(): v for k, v in raw["tables"].items()},
        {k.upper(): v for k, v in raw["columns"].items()},
    )


@dataclass(frozen=True, eq=False)
class Dictionary:
    """Tables, views and columns a PowerQuery may read, and the names known to be wrong.

    Compared and hashed by identity, so analyses can be cached per dictionary.
    """

    tables: Mapping[str, Mapping[str, str]]
    views: frozenset[str] = VIEWS
    wrong_tables: Mapping[str, str] = field(default_factory=dict)
    wrong_columns: Mapping[str, str] = field(default_factory=dict)
    extensions: frozenset[str] = frozenset()  # tables declared by the district

    def has_table(self, table: str) -> bool:
        table = table.upper()
        return table in self.tables or table in self.views or table in SYSTEM_TABLES

    def columns(self, table: str) -> Mapping[str, str] | None:
        """The known columns of a table, or None when only its name is known."""
        table = table.upper()
        if table in SYSTEM_TABLES:
            return {"DUMMY": "VARCHAR2(1)"}
        return self.tables.get(table)

    def has_field(self, table: str, column: str) -> bool:
        columns = self.columns(table)
        return columns is not None and column.upper() in columns

    def column_type(self, table: str, column: str) -> str | None:
        columns = self.columns(table)
        return None if columns is None else columns.get(column.upper())

    def family(self, table: str, column: str) -> str | None:
        oracle_type = self.column_type(table, column)
        return type_family(oracle_type) if oracle_type else None

    def wrong_column(self, table: str, column: str) -> str | None:
        """What to use instead of a known-wrong TABLE.COLUMN, or None."""
        return self.wrong_columns.get(f"{table.upper()}.{column.upper()}")

    def wrong_table(self, table: str) -> str | None:
        return self.wrong_tables.get(table.upper())

    def extended(self, extensions: Mapping[str, Mapping[str, str]]) -> Dictionary:
        """A copy with the district's extension tables and columns added."""
        if not extensions:
            return self
        tables = {t: dict(c) for t, c in self.tables.items()}
        for table, columns in extensions.items():
            tables.setdefault(table.upper(), {}).update({c.upper(): t for c, t in columns.items()})
        return Dictionary(
            tables=tables,
            views=self.views,
            wrong_tables=self.wrong_tables,
            wrong_columns=self.wrong_columns,
            extensions=self.extensions | {t.upper() for t in extensions},
        )


@cache
def powerschool_dictionary() -> Dictionary:
    """The dictionary shipped with the package (no district extensions)."""
    wrong_tables, wrong_columns = load_wrong_names()
    return Dictionary(tables=load_dictionary(), wrong_tables=wrong_tables, wrong_columns=wrong_columns)


def default_type(column: str) -> str:
    """The type assumed for a declared extension column given without one."""
    return "NUMBER(10,0)" if column.upper().endswith(("DCID", "ID")) else "VARCHAR2"


def parse_extensions(data: Any, key: str = "extensions") -> tuple[dict[str, dict[str, str]], list[tuple[str, str]]]:
    """Read declared extension tables: ``{TABLE = ["COL", …]}`` or ``{TABLE = {COL = "TYPE"}}``.

    Returns (TABLE -> COLUMN -> type, [(key, problem), …]); names are upper-cased. Used for
    ``[dictionary] extensions`` in plugin.toml, for the side file it names, and for
    ``lint --dictionary``.
    """
    tables: dict[str, dict[str, str]] = {}
    problems: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        return tables, [(key, 'must be a table: TABLE = ["COLUMN", …]')]
    for table, columns in data.items():
        where = f"{key}.{table}"
        if not IDENTIFIER_RE.fullmatch(str(table)):  # fullmatch: "$" alone accepts a trailing newline
            problems.append((where, f"{table!r} is not an Oracle table name"))
            continue
        if isinstance(columns, list) and all(isinstance(c, str) for c in columns):
            typed = {c: default_type(c) for c in columns}
        elif isinstance(columns, dict) and all(isinstance(v, str) for v in columns.values()):
            typed = dict(columns)
        else:
            problems.append((where, 'must list the columns: ["COL", …] or { COL = "VARCHAR2" }'))
            continue
        for column, oracle_type in typed.items():
            if not IDENTIFIER_RE.fullmatch(column):
                problems.append((where, f"{column!r} is not an Oracle column name"))
            elif type_family(oracle_type) not in FAMILIES:
                problems.append((where, f"{column}: type {oracle_type!r} is not one of {', '.join(FAMILIES)}"))
        tables[table.upper()] = {c.upper(): t.upper() for c, t in typed.items()}
    return tables, problems


_EXTENDED: dict[tuple, Dictionary] = {}


def for_project(project: Any) -> Dictionary:
    """The shipped dictionary plus the extension tables a project declares (``[dictionary]``).

    One Dictionary per declaration, so cached analyses are shared between runs.
    """
    declared = getattr(getattr(project, "dictionary", None), "tables", ()) if project is not None else ()
    if not declared:
        return powerschool_dictionary()
    key = tuple((t, tuple(c)) for t, c in declared)
    if key not in _EXTENDED:
        _EXTENDED[key] = powerschool_dictionary().extended({t: dict(c) for t, c in declared})
    return _EXTENDED[key]


# Preferred placeholders per type family: fields every PowerSchool has, read by most exports.
_PLACEHOLDER_PREFERENCE = ("DCID", "ID", "LASTFIRST", "NAME", "COURSE_NAME", "ABBREVIATION", "FIRSTDAY", "ENTRYDATE")


def placeholder_field(dictionary: Dictionary, family: str | None, core_table: str | None) -> str:
    """A real TABLE.FIELD of a compatible type for ``<column column=…>`` of a computed output.

    Prefers the query's core table; text (and unknown) outputs take a VARCHAR2 field,
    numbers a NUMBER, dates a DATE.
    """
    wanted = {"NUMBER": ("NUMBER", "FLOAT"), "FLOAT": ("NUMBER", "FLOAT"), "DATE": ("DATE",), "TIMESTAMP": ("TIMESTAMP", "DATE")}.get(
        family or "", ("VARCHAR2",)
    )
    for table in [t for t in ((core_table or "").upper(), "STUDENTS") if t]:
        columns = dictionary.columns(table)
        if not columns:
            continue
        fitting = sorted(c for c, t in columns.items() if type_family(t) in wanted)
        for name in _PLACEHOLDER_PREFERENCE:
            if name in fitting:
                return f"{table}.{name}"
        if fitting:
            return f"{table}.{fitting[0]}"
    return "STUDENTS.DCID"

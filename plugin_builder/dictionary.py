"""The PowerSchool data dictionary shipped with the package.

``data/powerschool-schema.json`` is ``{"TABLE": {"COLUMN": "oracle type"}}``, taken from
reference/powerschool-schema.json (42 tables, every column backed by a public source).
Types are families (NUMBER, VARCHAR2, DATE, TIMESTAMP, CLOB); lengths are known only
for some columns.
"""

from __future__ import annotations

import json
import re
from functools import cache

import duckdb

from plugin_builder.resources import data_path


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

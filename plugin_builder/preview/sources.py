"""Where preview's data comes from: the synthetic district, a DuckDB file, or CSV extracts.

CSV layout (the same as ``tests/fixtures/district``): one ``<TABLE>.csv`` per table, file
name = PowerSchool table name (any case), a header row of column names, comma-separated,
``"`` quoting, UTF-8; an empty field is NULL (Oracle has no empty strings). Columns are
typed from the PowerSchool dictionary (dates as ``YYYY-MM-DD``, timestamps as
``YYYY-MM-DD HH:MM:SS``); a table the dictionary does not know (``U_*`` extensions) is
loaded as text.

A DuckDB file is attached read-only: preview never changes it.

:func:`check_requirements` names every table and column a query reads that the source
lacks, before any query runs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from plugin_builder.dictionary import create_tables, load_dictionary
from plugin_builder.errors import PluginBuilderError, Problem


class PreviewSourceError(PluginBuilderError):
    """The data preview should run on is missing or unusable."""


@dataclass
class Source:
    con: duckdb.DuckDBPyConnection
    kind: str  # synthetic | duckdb | tables
    description: str
    columns: dict[str, set[str]]  # table -> columns the source really has (upper case)


def _existing_columns(con: duckdb.DuckDBPyConnection, schema: str = "main", catalog: str | None = None) -> dict[str, set[str]]:
    where = "table_schema = ?" + (" AND table_catalog = ?" if catalog else "")
    args = [schema] + ([catalog] if catalog else [])
    found: dict[str, set[str]] = {}
    for table, column in con.execute(
        f"SELECT table_name, column_name FROM information_schema.columns WHERE {where}", args
    ).fetchall():
        found.setdefault(table.upper(), set()).add(column.upper())
    return found


def synthetic_source(students: int, seed: int, today) -> tuple[Source, object]:
    from plugin_builder.preview.synthetic import generate

    con = duckdb.connect()
    district = generate(con, students, seed, today)
    return Source(con, "synthetic", f"synthetic district ({students} students, seed {seed})", _existing_columns(con)), district


def duckdb_source(path: Path) -> Source:
    if not path.is_file():
        raise PreviewSourceError(Problem(f"no DuckDB file at {path}", file=str(path), hint="give --db an existing .duckdb file"))
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS src (READ_ONLY)", [str(path)])
    except duckdb.Error as exc:
        raise PreviewSourceError(Problem(f"cannot open as DuckDB: {exc}", file=str(path))) from None
    tables = _existing_columns(con, "main", "src")
    for table in sorted(tables):
        con.execute(f'CREATE VIEW "{table}" AS SELECT * FROM src.main."{table}"')
    return Source(con, "duckdb", f"DuckDB file {path}", tables)


def tables_source(folders: Path | list[Path]) -> Source:
    """Load ``<TABLE>.csv`` extracts; several folders add their rows to the same tables
    (a base district and extra rows, as the catalogue's test fixtures are laid out)."""
    folders = [folders] if isinstance(folders, Path) else list(folders)
    dictionary = load_dictionary()
    con = duckdb.connect()
    columns: dict[str, set[str]] = {}
    problems = []
    for folder in folders:
        if not folder.is_dir():
            problems.append(Problem(f"no folder {folder}", file=str(folder), hint="--tables takes a folder of <TABLE>.csv files"))
            continue
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")
        if not files:
            problems.append(
                Problem(f"no <TABLE>.csv files in {folder}", file=str(folder), hint="one CSV per PowerSchool table, e.g. STUDENTS.csv, CC.csv")
            )
        for path in files:
            problem = _load_csv(con, path, dictionary, columns)
            if problem:
                problems.append(problem)
    if problems:
        raise PreviewSourceError(problems)
    where = ", ".join(str(f) for f in folders)
    return Source(con, "tables", f"CSV extracts in {where}", columns)


def _load_csv(con: duckdb.DuckDBPyConnection, path: Path, dictionary: dict, columns: dict[str, set[str]]) -> Problem | None:
    """Append one ``<TABLE>.csv`` to its table (created on first sight); ``columns`` learns its header."""
    table = path.stem.upper()
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError) as exc:
        return Problem(f"cannot be read: {exc}", file=str(path))
    header_upper = [h.strip().upper() for h in header]
    if not header_upper or any(not h for h in header_upper):
        return Problem("has no header row of column names", file=str(path), hint="first line: ID,DCID,…")
    if table not in columns:
        if table in dictionary:
            create_tables(con, [table])
        else:  # a district extension (U_…): text columns
            con.execute(f'CREATE TABLE "{table}" ("{header_upper[0]}" VARCHAR)')
        columns[table] = set()
    existing = {c.upper() for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
    for h in header_upper:
        if h not in existing:  # beyond the dictionary: loaded as text
            con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{h}" VARCHAR')
            existing.add(h)
    select = ", ".join(f'NULLIF("{h}", \'\') AS "{h.strip().upper()}"' for h in header)
    try:
        con.execute(
            f'INSERT INTO "{table}" BY NAME SELECT {select} FROM read_csv(?, header = true, all_varchar = true, '
            f"quote = '\"', escape = '\"', delim = ',', strict_mode = false)",
            [str(path)],
        )
    except duckdb.Error as exc:
        message = str(exc).split("\n")[0]
        return Problem(f"cannot be loaded: {message}", file=str(path), hint="dates as YYYY-MM-DD, numbers without separators")
    columns[table] |= set(header_upper)
    return None


def check_requirements(source: Source, needs: dict[str, dict[str, set[str]]]) -> None:
    """Fail with one message per missing table or column: ``needs`` is query -> table -> columns."""
    problems = []
    missing_tables: dict[str, list[str]] = {}
    for query, tables in sorted(needs.items()):
        for table, fields in sorted(tables.items()):
            have = source.columns.get(table)
            if have is None:
                missing_tables.setdefault(table, []).append(query)
                continue
            for field in sorted(fields - have):
                problems.append(
                    Problem(
                        f"{table}.{field} is missing from {source.description}; query {query} reads it",
                        hint=f"add the column {field} to {table}" + (".csv" if source.kind == "tables" else ""),
                    )
                )
    for table, queries in sorted(missing_tables.items()):
        where = f"{table}.csv" if source.kind == "tables" else f"table {table}"
        problems.append(
            Problem(
                f"{where} is missing from {source.description}; needed by {', '.join(queries)}",
                hint="export it from PowerSchool with the columns the queries read",
            )
        )
    if problems:
        raise PreviewSourceError(problems)
    if source.kind == "tables":
        # every dictionary table exists from here on (empty when not extracted)
        create_tables(source.con)


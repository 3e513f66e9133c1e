"""Where preview's data comes from: the synthetic district, a DuckDB file, or CSV extracts.

CSV layout (the same as ``tests/fixtures/district``): one ``<TABLE>.csv`` per table, file
name = PowerSchool table name (any case), a header row of column names, comma-separated,
``"`` quoting, UTF-8; an empty field is NULL (Oracle has no empty strings). Columns are
typed from the PowerSchool dictionary, the full one for any table it lists (dates as ``YYYY-MM-DD``, timestamps as
``YYYY-MM-DD HH:MM:SS``); a table the dictionary does not know (``U_*`` extensions) is
loaded as text.

A DuckDB file is attached read-only: preview never changes it.

:func:`overlay_tables` adds CSV extracts on top of the synthetic district or a DuckDB file: a
``<TABLE>.csv`` replaces that table (several folders add their rows to each other).

:func:`prepare_requirements` runs before any query: a dictionary table a query reads that the
source lacks is created empty (only the tables the queries read), and a query that reads a
column or a non-dictionary table the source lacks is set aside with the reason; the other
queries still run.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from plugin_builder.errors import PluginBuilderError, Problem
from plugin_builder.sql.dictionary import create_tables, duckdb_type, load_dictionary, load_full_dictionary


class PreviewSourceError(PluginBuilderError):
    """The data preview should run on is missing or unusable."""


@dataclass
class Source:
    con: duckdb.DuckDBPyConnection
    kind: str  # synthetic | duckdb | tables
    description: str
    columns: dict[str, set[str]]  # table -> columns the source really has (upper case)
    from_csv: set[str] = field(default_factory=set)  # tables loaded from <TABLE>.csv files


def _existing_columns(
    con: duckdb.DuckDBPyConnection, schema: str = "main", catalog: str | None = None
) -> dict[str, set[str]]:
    where = "table_schema = ?" + (" AND table_catalog = ?" if catalog else "")
    args = [schema] + ([catalog] if catalog else [])
    found: dict[str, set[str]] = {}
    for table, column in con.execute(
        f"SELECT table_name, column_name FROM information_schema.columns WHERE {where}", args
    ).fetchall():
        found.setdefault(table.upper(), set()).add(column.upper())
    return found


def synthetic_source(students: int, seed: int, today, school_numbers: tuple[int, ...] = ()) -> tuple[Source, object]:
    from plugin_builder.preview.synthetic import generate

    con = duckdb.connect()
    district = generate(con, students, seed, today, school_numbers)
    return Source(
        con, "synthetic", f"synthetic district ({students} students, seed {seed})", _existing_columns(con)
    ), district


def duckdb_source(path: Path) -> Source:
    if not path.is_file():
        raise PreviewSourceError(
            Problem(f"no DuckDB file at {path}", file=str(path), hint="give --db an existing .duckdb file")
        )
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
    con = duckdb.connect()
    columns = _load_folders(con, folders)
    where = ", ".join(str(f) for f in folders)
    return Source(con, "tables", f"CSV extracts in {where}", columns, set(columns))


def overlay_tables(source: Source, folders: list[Path]) -> Source:
    """Add the ``<TABLE>.csv`` files of ``folders`` to ``source``: each replaces the table of
    its name (the synthetic one, or the DuckDB file's view; the file itself is not changed)."""
    tables = {
        p.stem.upper() for folder in folders if folder.is_dir() for p in folder.iterdir() if p.suffix.lower() == ".csv"
    }
    kinds = dict(
        source.con.execute(
            "SELECT upper(table_name), table_type FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_catalog = current_database()"
        ).fetchall()
    )
    for table in sorted(tables):
        if table in kinds:
            source.con.execute(f'DROP {"VIEW" if kinds[table] == "VIEW" else "TABLE"} "{table}"')
            source.columns.pop(table, None)
    loaded = _load_folders(source.con, folders)
    source.columns.update(loaded)
    where = ", ".join(str(f) for f in folders)
    return Source(
        source.con,
        source.kind,
        f"{source.description} with the tables of {where}",
        source.columns,
        source.from_csv | set(loaded),
    )


def open_district(
    students: int | None = None,
    db: Path | None = None,
    tables: list[Path] | None = None,
    seed: int = 1,
    today=None,
    progress=None,
    school_numbers: tuple[int, ...] = (),
) -> tuple[Source, object | None]:
    """The district ``preview`` and ``serve`` run on, and the synthetic district's facts (None
    for a user's data): ``db``, or ``tables`` alone (the CSV files are the whole district), or
    the synthetic district of ``students`` (its first schools numbered ``school_numbers``);
    ``tables`` beside ``students`` or ``db`` add or replace those tables."""
    from plugin_builder.preview.synthetic import DEFAULT_STUDENTS, DEFAULT_TODAY

    note = progress or (lambda _message: None)
    district = None
    folders = [Path(t) for t in tables or ()]
    if db is not None:
        source = duckdb_source(Path(db))
    elif folders and students is None:
        source, folders = tables_source(folders), []
    else:
        count = students or DEFAULT_STUDENTS
        note(f"generating a synthetic district of {count} students …")
        source, district = synthetic_source(count, seed, today or DEFAULT_TODAY, school_numbers)
    if folders:
        note("adding the tables of " + ", ".join(str(f) for f in folders) + " …")
        source = overlay_tables(source, folders)
    return source, district


def _load_folders(con: duckdb.DuckDBPyConnection, folders: list[Path]) -> dict[str, set[str]]:
    dictionary = load_dictionary()
    columns: dict[str, set[str]] = {}
    problems = []
    for folder in folders:
        if not folder.is_dir():
            problems.append(
                Problem(f"no folder {folder}", file=str(folder), hint="--tables takes a folder of <TABLE>.csv files")
            )
            continue
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")
        if not files:
            problems.append(
                Problem(
                    f"no <TABLE>.csv files in {folder}",
                    file=str(folder),
                    hint="one CSV per PowerSchool table, e.g. STUDENTS.csv, CC.csv",
                )
            )
        for path in files:
            problem = _load_csv(con, path, dictionary, columns)
            if problem:
                problems.append(problem)
    if problems:
        raise PreviewSourceError(problems)
    return columns


def _load_csv(
    con: duckdb.DuckDBPyConnection, path: Path, dictionary: dict, columns: dict[str, set[str]]
) -> Problem | None:
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
        if table in dictionary or load_full_dictionary().get(table):  # typed as PowerSchool types it
            create_tables(con, [table])
        else:  # a district extension (U_…): text columns
            con.execute(f'CREATE TABLE "{table}" ("{header_upper[0]}" VARCHAR)')
        columns[table] = set()
    existing = {
        c.upper()
        for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' "
            "AND table_catalog = current_database()",
            [table],
        ).fetchall()
    }
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
        return Problem(
            f"cannot be loaded: {message}", file=str(path), hint="dates as YYYY-MM-DD, numbers without separators"
        )
    columns[table] |= set(header_upper)
    return None


def prepare_requirements(
    source: Source,
    needs: dict[str, dict[str, set[str]]],
    declared: dict[str, dict[str, str]] | None = None,
    dictionary=None,
) -> tuple[dict[str, str], list[str]]:
    """Make the source ready for the queries: ``needs`` is query -> table -> columns read.

    Dictionary tables the source lacks are created empty (only those the queries read), and
    so are the project's ``declared`` extension tables (TABLE -> COLUMN -> Oracle type).
    Returns (query -> why it cannot run, notes): a query that reads a column or a
    non-dictionary table the source lacks cannot run; the notes name the empty tables. A name
    the ``dictionary`` (the project's) does not know is named as validate names it, with the
    closest real names, rather than as a column to add to the data.
    """
    failures: dict[str, str] = {}
    created: dict[str, list[str]] = {}
    for query, tables in sorted(needs.items()):
        reasons = []
        for table, fields in sorted(tables.items()):
            have = source.columns.get(table)
            # the modelled tables first (their types drive the synthetic district), then any other
            known = (load_dictionary().get(table) or load_full_dictionary().get(table)) if have is None else None
            if have is None and known:
                create_tables(source.con, [table])
                have = source.columns[table] = {c.upper() for c in known}
                created.setdefault(table, []).append(query)
            elif have is None and table in (declared or {}):
                columns = ", ".join(f'"{c}" {duckdb_type(t)}' for c, t in declared[table].items())
                source.con.execute(f'CREATE TABLE "{table}" ({columns})')
                have = source.columns[table] = set(declared[table])
                created.setdefault(table, []).append(query)
            verdict = dictionary.judge_table(table) if dictionary is not None and have is None else None
            if verdict is not None and verdict.severity == "error":
                reasons.append(_as_validate_says(verdict))
                continue
            if have is None:
                where = f"{table}.csv" if source.kind == "tables" else f"table {table}"
                reasons.append(
                    f"{where} is missing from {source.description} and not in the dictionary (add it with --tables DIR)"
                )
                continue
            missing = sorted(fields - have)
            verdicts = [dictionary.judge_column(table, c) for c in missing] if dictionary is not None else []
            wrong = [v for v in verdicts if v is not None and v.severity == "error"]
            reasons.extend(_as_validate_says(v) for v in wrong)
            missing = [c for c in missing if f"{table}.{c}" not in {v.name for v in wrong}]
            if missing:
                where = f"{table}.csv" if table in source.from_csv else table
                reasons.append(f"{where} lacks {', '.join(missing)} (add the column{'s' if len(missing) > 1 else ''})")
        if reasons:
            failures[query] = "; ".join(reasons)
    notes = [
        f"{table} is not in {source.description}: created empty for {', '.join(queries)} (add rows with --tables DIR)"
        for table, queries in sorted(created.items())
    ]
    return failures, notes


def _as_validate_says(verdict) -> str:
    """A name the dictionary lacks, in validate's words: the message and its did-you-mean."""
    hint = verdict.hint.split(";")[0].strip() if verdict.hint else ""
    return f"{verdict.message}{f': {hint}' if hint else ''}"

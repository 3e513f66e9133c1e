"""Write the district preview ran on, so that it can be seen and reused.

:func:`export_district` writes every table of the prepared district (the modelled tables and
every table filled for the queries) either as ``<TABLE>.csv`` files in a folder — the layout
``--tables`` reads back: a header row, comma-separated, ``"`` quoting, NULL as an empty field,
dates ``YYYY-MM-DD``, timestamps ``YYYY-MM-DD HH:MM:SS`` — or, for a path ending in
``.duckdb``, as one DuckDB file ``--db`` opens. Beside it, ``README.md`` lists the ids to
query by: schools, years, term ids, student numbers and staff.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from plugin_builder.errors import PluginBuilderError, Problem


class ExportError(PluginBuilderError):
    """The district cannot be written where asked."""


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_catalog = current_database() ORDER BY table_name"
    ).fetchall()
    return [name for (name,) in rows]


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    try:
        return con.execute(sql).fetchall()
    except duckdb.Error:
        return []


def _markdown(headers: list[str], rows: list[tuple]) -> list[str]:
    def cell(value: object) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def district_readme(con: duckdb.DuckDBPyConnection, description: str, counts: dict[str, int]) -> str:
    """README.md: the district's ids (schools, years, terms, students, staff) and its tables."""
    out = [
        "# The preview district",
        "",
        f"{description}. Written by `plugin-builder preview --write-district`; read it back with",
        "`--tables DIR` (the CSV folder) or `--db FILE` (the DuckDB file).",
        "",
        "## Schools (SCHOOLID everywhere = SCHOOLS.SCHOOL_NUMBER; 0 is the district office)",
        "",
    ]
    out += _markdown(
        ["SCHOOL_NUMBER", "NAME", "LOW_GRADE", "HIGH_GRADE", "STATE_EXCLUDEFROMREPORTING"],
        _rows(
            con,
            "SELECT SCHOOL_NUMBER, NAME, LOW_GRADE, HIGH_GRADE, STATE_EXCLUDEFROMREPORTING FROM SCHOOLS ORDER BY SCHOOL_NUMBER",
        ),
    )
    out += ["", "## Years and term ids (TERMS.ID; the same ids in every school; YEARID + 1990 = start year)", ""]
    out += _markdown(
        ["YEARID", "ID", "NAME", "ABBREVIATION", "PORTION", "FIRSTDAY", "LASTDAY"],
        _rows(
            con,
            "SELECT YEARID, ID, NAME, ABBREVIATION, PORTION, FIRSTDAY, LASTDAY FROM TERMS "
            "WHERE SCHOOLID = (SELECT MIN(SCHOOLID) FROM TERMS) ORDER BY ID",
        ),
    )
    summary = _rows(
        con,
        "SELECT MIN(STUDENT_NUMBER), MAX(STUDENT_NUMBER), COUNT(*), COUNT(*) FILTER (WHERE ENROLL_STATUS = 0) FROM STUDENTS",
    )
    out += ["", "## Students", ""]
    if summary and summary[0][2]:
        low, high, total, active = summary[0]
        out += [
            f"{total} students, {active} active (ENROLL_STATUS 0); STUDENT_NUMBER from {low} to {high}. The first ten:",
            "",
        ]
    out += _markdown(
        ["ID", "DCID", "STUDENT_NUMBER", "LASTFIRST", "GRADE_LEVEL", "SCHOOLID", "ENROLL_STATUS"],
        _rows(
            con,
            "SELECT ID, DCID, STUDENT_NUMBER, LASTFIRST, GRADE_LEVEL, SCHOOLID, ENROLL_STATUS FROM STUDENTS ORDER BY ID LIMIT 10",
        ),
    )
    out += [
        "",
        "## Staff (SCHOOLSTAFF.ID is the teacher id of SECTIONS.TEACHER, CC.TEACHERID, SECTIONTEACHER.TEACHERID)",
        "",
    ]
    out += _markdown(
        ["SCHOOLSTAFF.ID", "USERS.DCID", "LASTFIRST", "SCHOOLID", "TEACHERNUMBER", "STATUS"],
        _rows(
            con,
            "SELECT ss.ID, u.DCID, u.LASTFIRST, ss.SCHOOLID, u.TEACHERNUMBER, ss.STATUS FROM SCHOOLSTAFF ss "
            "JOIN USERS u ON u.DCID = ss.USERS_DCID ORDER BY ss.ID LIMIT 10",
        ),
    )
    out += ["", "## Tables (rows)", ""]
    out += _markdown(["table", "rows"], sorted(counts.items()))
    return "\n".join(out) + "\n"


def export_district(source, district, path: Path) -> str:
    """Write the district's tables to ``path`` (a folder of CSV files, or a ``.duckdb`` file)
    and README.md beside them; the note to show."""
    con = source.con
    tables = _tables(con)
    counts = {table: con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}
    readme = district_readme(con, source.description, counts)
    if path.suffix.lower() == ".duckdb":
        if path.exists():
            raise ExportError(
                Problem(
                    "exists already; the district is not written over it",
                    file=str(path),
                    hint="remove it or name another file",
                )
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        con.execute("ATTACH ? AS district_out", [str(path)])
        try:
            for table in tables:
                con.execute(f'CREATE TABLE district_out.main."{table}" AS SELECT * FROM main."{table}"')
        finally:
            con.execute("DETACH district_out")
        readme_path = path.with_name(path.stem + ".README.md")
        readme_path.write_text(readme, encoding="utf-8")
        return f"wrote the district to {path} ({len(tables)} tables) and its ids to {readme_path}"
    if path.exists() and not path.is_dir():
        raise ExportError(Problem("is a file, not a folder", file=str(path), hint="name a folder or a .duckdb file"))
    path.mkdir(parents=True, exist_ok=True)
    replaced = sum(1 for table in tables if (path / f"{table}.csv").exists())
    for table in tables:
        target = str(path / f"{table}.csv").replace("'", "''")
        con.execute(
            f"COPY (SELECT * FROM main.\"{table}\") TO '{target}' "
            "(HEADER, DELIMITER ',', QUOTE '\"', ESCAPE '\"', DATEFORMAT '%Y-%m-%d', TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')"
        )
    (path / "README.md").write_text(readme, encoding="utf-8")
    again = f", {replaced} of them written over" if replaced else ""
    return f"wrote the district to {path}/ ({len(tables)} <TABLE>.csv files{again}) with its ids in README.md"

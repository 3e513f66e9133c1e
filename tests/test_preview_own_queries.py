"""Preview of a project's own query: tables it reads that the district lacks are filled on
the synthetic district and created empty on a user's data, --tables adds rows on top of the synthetic district or a DuckDB file, and a query
that fails is reported while the others still run."""

from __future__ import annotations

import csv
import re

import duckdb
from helpers import write_tree

from plugin_builder.cli import main
from plugin_builder.preview.synthetic import generate

CONFIG = """
[plugin]
name = "Grades Export"
version = "1.0.0"
publisher = "District IT"
contact_email = "it@example.org"
namespace = "org.example.grades"

[queries]
include = ["student_grades", "clever_enrollments"]

[dictionary]
extensions = { STOREDGRADES = { STUDENTID = "NUMBER", GRADE = "VARCHAR2", PERCENT = "NUMBER", STORECODE = "VARCHAR2" } }
"""
SQL = """SELECT s.STUDENT_NUMBER AS student_number,
       sg.GRADE AS grade,
       sg.PERCENT AS percent
FROM STOREDGRADES sg
JOIN STUDENTS s ON s.ID = sg.STUDENTID
ORDER BY s.STUDENT_NUMBER, sg.GRADE
"""
SIDECAR = """summary = "Stored grades"
group = "grades"
core_table = "STOREDGRADES"
file_name = "grades.csv"
columns = [
  { alias = "student_number", column = "STUDENTS.STUDENT_NUMBER" },
  { alias = "grade", column = "STOREDGRADES.GRADE" },
  { alias = "percent", column = "STOREDGRADES.PERCENT" },
]
"""


def grades_project(tmp_path, sql=SQL):
    write_tree(
        tmp_path,
        {
            "plugin.toml": CONFIG,
            "queries/student_grades.sql.j2": sql,
            "queries/student_grades.toml": SIDECAR,
            # Two students of the synthetic district (ids as generate() numbers them).
            "extra/STOREDGRADES.csv": "STUDENTID,GRADE,PERCENT,STORECODE\n1,A,95,S1\n1,B+,88,S2\n2,C,74,S1\n",
        },
    )
    return tmp_path


def rows(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_a_table_the_district_lacks_is_filled_on_the_synthetic_district_and_created_empty_on_a_users_db(
    runner, tmp_path
):
    root = grades_project(tmp_path)
    result = runner.invoke(
        main, ["preview", "-c", str(root / "plugin.toml"), "--students", "100", "-o", str(root / "out"), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert "STOREDGRADES: " in result.output and "synthetic rows (generated)" in result.output
    assert len(rows(root / "out" / "grades" / "grades.csv")) > 1
    db = tmp_path / "district.duckdb"
    con = duckdb.connect(str(db))
    generate(con, 100, seed=1)
    con.close()
    result = runner.invoke(
        main, ["preview", "-c", str(root / "plugin.toml"), "--db", str(db), "-o", str(root / "own"), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert "STOREDGRADES is not in DuckDB file" in result.output and "created empty" in result.output
    assert rows(root / "own" / "grades" / "grades.csv") == [["student_number", "grade", "percent"]]


def test_tables_add_rows_on_top_of_the_synthetic_district(runner, tmp_path):
    root = grades_project(tmp_path)
    result = runner.invoke(
        main,
        [
            "preview",
            "-c",
            str(root / "plugin.toml"),
            "--students",
            "100",
            "--tables",
            str(root / "extra"),
            "-o",
            str(root / "out"),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    con = duckdb.connect()
    generate(con, 100, seed=1)
    numbers = dict(con.execute("SELECT ID, STUDENT_NUMBER FROM STUDENTS WHERE ID IN (1, 2)").fetchall())
    got = rows(root / "out" / "grades" / "grades.csv")
    assert got[1:] == sorted(
        [[str(numbers[1]), "A", "95"], [str(numbers[1]), "B+", "88"], [str(numbers[2]), "C", "74"]]
    )
    # the built-in query still ran on the synthetic district
    assert len(rows(root / "out" / "clever" / "enrollments.csv")) > 100


def test_tables_replace_a_table_of_a_duckdb_file(runner, tmp_path):
    root = grades_project(tmp_path)
    db = tmp_path / "district.duckdb"
    con = duckdb.connect(str(db))
    generate(con, 100, seed=1)
    con.close()
    write_tree(root, {"extra/STUDENTS.csv": "ID,DCID,STUDENT_NUMBER,SCHOOLID,ENROLL_STATUS\n1,1,7001,101,0\n"})
    result = runner.invoke(
        main,
        [
            "preview",
            "-c",
            str(root / "plugin.toml"),
            "--db",
            str(db),
            "--tables",
            str(root / "extra"),
            "-o",
            str(root / "out"),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    # student 2 is gone with the replaced STUDENTS table; the DuckDB file is unchanged
    assert rows(root / "out" / "grades" / "grades.csv")[1:] == [["7001", "A", "95"], ["7001", "B+", "88"]]
    assert duckdb.connect(str(db), read_only=True).execute("SELECT COUNT(*) FROM STUDENTS").fetchone()[0] > 1


def test_a_failing_query_is_reported_and_the_others_run(runner, tmp_path):
    root = grades_project(tmp_path, sql=SQL.replace("sg.PERCENT AS percent", "TO_NUMBER(sg.GRADE) AS percent"))
    result = runner.invoke(
        main,
        [
            "preview",
            "-c",
            str(root / "plugin.toml"),
            "--students",
            "100",
            "--tables",
            str(root / "extra"),
            "-o",
            str(root / "out"),
            "--quiet",
        ],
    )
    assert result.exit_code == 1, result.output
    assert re.search(r"queries/student_grades\.sql\.j2: query student_grades did not run: .+", result.output)
    assert re.search(r"student_grades +failed", result.output)
    assert (root / "out" / "clever" / "enrollments.csv").is_file()
    assert "Traceback" not in result.output


def test_progress_for_every_phase_only_on_a_terminal(runner, tmp_path, monkeypatch):
    import plugin_builder.cli as cli

    root = grades_project(tmp_path)
    args = ["preview", "-c", str(root / "plugin.toml"), "--students", "100", "-o", str(root / "out")]
    monkeypatch.setattr(cli, "_stderr_is_terminal", lambda: True)
    shown = runner.invoke(main, args).output
    for phase in (
        "generating a synthetic district",
        r"\[\d/2\] student_grades: \d+ rows",
        r"writing clever",
        r"checking clever",
    ):
        assert re.search(phase, shown), phase
    assert "writing" not in runner.invoke(main, [*args, "--quiet"]).output
    monkeypatch.setattr(cli, "_stderr_is_terminal", lambda: False)
    assert "writing" not in runner.invoke(main, args).output

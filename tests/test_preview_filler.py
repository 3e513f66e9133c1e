"""Every table a query reads has rows: the generic filler (types, key links, determinism),
the hand-written tables, preview of a plugin built elsewhere (--zip, a folder) and the
district written out (--write-district)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import duckdb
import pytest
from helpers import write_tree

from plugin_builder.cli import main
from plugin_builder.preview.filler import choose_anchor, fill_tables, typed_value
from plugin_builder.preview.synthetic import generate

DECLARED = {
    "U_TEST_SCORES": {
        "ID": "NUMBER(10,0)",
        "STUDENTSDCID": "NUMBER(10,0)",
        "SCORE": "NUMBER(5,2)",
        "TAKEN": "DATE",
        "NOTE": "VARCHAR2(5)",
        "ISDONE": "NUMBER(1,0)",
        "WHENCREATED": "TIMESTAMP(6)",
        "CONTACT_EMAIL": "VARCHAR2(100)",
    },
    "U_TEST_MARKS": {
        "STUDENTID": "NUMBER(10,0)",
        "SECTIONID": "NUMBER(10,0)",
        "SCHOOLID": "NUMBER(10,0)",
        "TERMID": "NUMBER(10,0)",
        "TEACHERID": "NUMBER(10,0)",
        "MARK": "VARCHAR2(10)",
    },
    "U_TEST_STAFFNOTES": {"USERSDCID": "NUMBER(10,0)", "NOTE": "VARCHAR2(200)"},
}


@pytest.fixture(scope="module")
def district():
    con = duckdb.connect()
    facts = generate(con, 300, seed=3)
    report = fill_tables(
        con,
        facts,
        [
            "U_TEST_SCORES",
            "U_TEST_MARKS",
            "U_TEST_STAFFNOTES",
            "STOREDGRADES",
            "PGFINALGRADES",
            "USERSCOREFIELDS",
            "LOG",
        ],
        DECLARED,
    )
    return con, facts, report


def test_values_follow_the_column_types(district):
    con, facts, _ = district
    rows = con.execute("SELECT SCORE, TAKEN, NOTE, ISDONE, WHENCREATED, CONTACT_EMAIL FROM U_TEST_SCORES").fetchall()
    assert len(rows) == 300  # one per student
    for score, taken, note, done, created, email in rows:
        assert 0 <= float(score) < 100 and round(float(score), 2) == float(score)
        assert facts.year_start <= taken <= facts.year_end
        assert isinstance(note, str) and 1 <= len(note) <= 5
        assert done in (0, 1)
        assert isinstance(created, dt.datetime)
        assert re.fullmatch(r"[^@\s]+@example\.org", email)
    assert {done for *_, done, _c, _e in rows} == {0, 1}


def test_keys_follow_powerschool_names_so_joins_return_every_row(district):
    con, _, _ = district
    total = con.execute("SELECT COUNT(*) FROM U_TEST_SCORES").fetchone()[0]
    joined = con.execute("SELECT COUNT(*) FROM U_TEST_SCORES x JOIN STUDENTS s ON s.DCID = x.STUDENTSDCID").fetchone()[
        0
    ]
    assert joined == total
    # STUDENTID and SECTIONID together: one row per current enrollment, every key agreeing
    marks = con.execute("SELECT COUNT(*) FROM U_TEST_MARKS").fetchone()[0]
    agreeing = con.execute(
        """SELECT COUNT(*) FROM U_TEST_MARKS m
           JOIN CC ON CC.STUDENTID = m.STUDENTID AND CC.SECTIONID = m.SECTIONID AND CC.TEACHERID = m.TEACHERID
           JOIN SCHOOLS sc ON sc.SCHOOL_NUMBER = m.SCHOOLID
           JOIN TERMS t ON t.ID = m.TERMID AND t.SCHOOLID = m.SCHOOLID
           JOIN SCHOOLSTAFF ss ON ss.ID = m.TEACHERID"""
    ).fetchone()[0]
    assert marks > 300 and agreeing == marks
    staff = con.execute(
        "SELECT COUNT(*), COUNT(u.DCID) FROM U_TEST_STAFFNOTES n LEFT JOIN USERS u ON u.DCID = n.USERSDCID"
    ).fetchone()
    assert staff[0] == con.execute("SELECT COUNT(*) FROM USERS").fetchone()[0] == staff[1]


def test_anchors_by_key_names():
    assert choose_anchor("X", ["STUDENTID", "SECTIONID"]) == "enrollment"
    assert choose_anchor("X", ["STUDENTSDCID", "SCHOOLID"]) == "student"
    assert choose_anchor("X", ["SECTIONSDCID"]) == "section"
    assert choose_anchor("X", ["TEACHERID", "SCHOOLID"]) == "staff"
    assert choose_anchor("X", ["USERSDCID"]) == "user"
    assert choose_anchor("X", ["TERMID", "SCHOOLID"]) == "term"
    assert choose_anchor("X", ["SCHOOLID", "NAME"]) == "school"
    assert choose_anchor("X", ["NAME"]) == "none"


def test_a_text_date_is_text():
    from plugin_builder.preview.filler import Facts

    facts = Facts(1, 35, dt.date(2025, 8, 13), dt.date(2026, 6, 5), dt.date(2026, 1, 15))
    assert "strftime" in typed_value("T", "EXIT_DATE_TEXT", "VARCHAR", "VARCHAR2(20)", facts)
    assert typed_value("T", "PHOTO", "BLOB", "BLOB", facts) is None


def test_the_same_rows_every_run(district):
    con, _, _ = district
    other = duckdb.connect()
    fill_tables(other, generate(other, 300, seed=3), ["U_TEST_MARKS", "STOREDGRADES", "LOG"], DECLARED)
    for table in ("U_TEST_MARKS", "STOREDGRADES", "LOG"):
        query = f"SELECT * FROM {table} ORDER BY ALL"
        assert con.execute(query).fetchall() == other.execute(query).fetchall()
    changed = duckdb.connect()
    fill_tables(changed, generate(changed, 300, seed=4), ["U_TEST_MARKS"], DECLARED)
    query = "SELECT MARK FROM U_TEST_MARKS ORDER BY ALL"
    assert con.execute(query).fetchall() != changed.execute(query).fetchall()


def test_stored_and_final_grades_are_of_real_enrollments_and_terms(district):
    con, facts, report = district
    assert report.how["STOREDGRADES"] == "generated"
    stored = con.execute("SELECT COUNT(*) FROM STOREDGRADES").fetchone()[0]
    assert stored > 0
    linked = con.execute(
        """SELECT COUNT(*) FROM STOREDGRADES sg
           JOIN CC ON CC.STUDENTID = sg.STUDENTID AND CC.SECTIONID = sg.SECTIONID
           JOIN TERMS t ON t.ID = sg.TERMID AND t.SCHOOLID = sg.SCHOOLID
           WHERE t.LASTDAY < ? AND sg.GRADE = CASE WHEN sg.PERCENT >= 90 THEN 'A' WHEN sg.PERCENT >= 80 THEN 'B'
                 WHEN sg.PERCENT >= 70 THEN 'C' WHEN sg.PERCENT >= 60 THEN 'D' ELSE 'F' END""",
        [facts.today.date()],
    ).fetchone()[0]
    assert linked == stored
    codes = {c for (c,) in con.execute("SELECT DISTINCT STORECODE FROM STOREDGRADES").fetchall()}
    assert {"Q1", "Q2", "S1"} <= codes and not codes & {"Q3", "S2", "Y1"}  # ended by 15 January only
    final = {c for (c,) in con.execute("SELECT DISTINCT FINALGRADENAME FROM PGFINALGRADES").fetchall()}
    assert {"Q3", "S2", "Y1"} <= final


def test_userscorefields_dob_is_text_as_powerschool_keeps_it(district):
    con, _, _ = district
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'USERSCOREFIELDS'"
        ).fetchall()
    )
    assert types["DOB"] == "VARCHAR"
    values = [d for (d,) in con.execute("SELECT DOB FROM USERSCOREFIELDS WHERE DOB IS NOT NULL").fetchall()]
    assert sum(1 for d in values if re.fullmatch(r"\d{2}/\d{2}/\d{4}", d)) >= len(values) - 1
    assert "unknown" in values  # one that no TO_DATE(dob, 'MM/DD/YYYY') survives


def test_log_entries_are_written_by_the_students_teachers(district):
    con, _, _ = district
    rows = con.execute(
        """SELECT COUNT(*), COUNT(g.ID) FROM LOG l LEFT JOIN GEN g ON g.ID = l.LOGTYPEID AND g.CAT = 'logtype'
           WHERE EXISTS (SELECT 1 FROM CC JOIN SCHOOLSTAFF ss ON ss.ID = CC.TEACHERID JOIN USERS u ON u.DCID = ss.USERS_DCID
                         WHERE CC.STUDENTID = l.STUDENTID AND CC.SCHOOLID = l.SCHOOLID AND u.LASTFIRST = l.ENTRY_AUTHOR)"""
    ).fetchone()
    assert rows[0] > 0 and rows[0] == rows[1] == con.execute("SELECT COUNT(*) FROM LOG").fetchone()[0]


# ---- a project's query on the tables that used to be empty --------------------------------

CONFIG = """
[plugin]
name = "Grades And Logs"
version = "1.0.0"
publisher = "District IT"
contact_email = "it@example.org"
namespace = "org.example.grades"

[queries]
include = ["grades", "logs"]
"""
GRADES_SQL = """SELECT s.STUDENT_NUMBER AS student_number, sg.STORECODE AS storecode, sg.GRADE AS grade,
       pg.GRADE AS current_grade, ucf.DOB AS teacher_dob
FROM STOREDGRADES sg
JOIN STUDENTS s ON s.ID = sg.STUDENTID
JOIN PGFINALGRADES pg ON pg.STUDENTID = sg.STUDENTID AND pg.SECTIONID = sg.SECTIONID AND pg.FINALGRADENAME = 'Y1'
JOIN SECTIONS se ON se.ID = sg.SECTIONID
JOIN SCHOOLSTAFF ss ON ss.ID = se.TEACHER
JOIN USERSCOREFIELDS ucf ON ucf.USERSDCID = ss.USERS_DCID
ORDER BY 1, 2
"""
GRADES_TOML = """summary = "Grades"
group = "grades"
core_table = "STOREDGRADES"
file_name = "grades.csv"
columns = [
  { alias = "student_number", column = "STUDENTS.STUDENT_NUMBER" },
  { alias = "storecode", column = "STOREDGRADES.STORECODE" },
  { alias = "grade", column = "STOREDGRADES.GRADE" },
  { alias = "current_grade", column = "PGFINALGRADES.GRADE" },
  { alias = "teacher_dob", column = "USERSCOREFIELDS.DOB" },
]
"""
LOGS_SQL = """SELECT s.STUDENT_NUMBER AS student_number, TO_CHAR(l.ENTRY_DATE, 'YYYY-MM-DD') AS entry_date, g.NAME AS log_type
FROM LOG l JOIN STUDENTS s ON s.ID = l.STUDENTID JOIN GEN g ON g.ID = l.LOGTYPEID AND g.CAT = 'logtype'
ORDER BY 1, 2
"""
LOGS_TOML = """summary = "Logs"
group = "logs"
core_table = "LOG"
file_name = "logs.csv"
columns = [
  { alias = "student_number", column = "STUDENTS.STUDENT_NUMBER" },
  { alias = "entry_date", column = "LOG.ENTRY_DATE" },
  { alias = "log_type", column = "GEN.NAME" },
]
"""


def _rows(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_project_query_on_grades_logs_and_staff_fields_previews_with_rows_and_no_csv(runner, tmp_path):
    write_tree(
        tmp_path,
        {
            "plugin.toml": CONFIG,
            "queries/grades.sql.j2": GRADES_SQL,
            "queries/grades.toml": GRADES_TOML,
            "queries/logs.sql.j2": LOGS_SQL,
            "queries/logs.toml": LOGS_TOML,
        },
    )
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        ["preview", "-c", str(tmp_path / "plugin.toml"), "--students", "300", "-o", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    grades = _rows(out / "grades" / "grades.csv")
    assert grades and {r["storecode"] for r in grades} >= {"Q1", "S1"}
    assert all(r["grade"] in "ABCDF" for r in grades)
    logs = _rows(out / "logs" / "logs.csv")
    assert logs and {r["log_type"] for r in logs} <= {"Discipline", "Parent Contact", "Health", "Counseling"}
    assert "STOREDGRADES: " in result.output and "synthetic rows (generated)" in result.output


# ---- a plugin built elsewhere --------------------------------------------------------------

PLUGIN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<plugin xmlns="http://plugin.powerschool.pearson.com" name="Vendor Grades" version="3.2" description="by a vendor">
  <publisher name="Vendor"><contact email="a@example.org"/></publisher>
</plugin>
"""
QUERIES_XML = """<queries>
  <query name="com.vendor.grades.stored" coreTable="storedgrades" flattened="true">
    <args>
      <arg name="yearid" column="terms.yearid" required="true"/>
      <arg name="school" column="schools.school_number" required="true"/>
    </args>
    <columns>
      <column column="STUDENTS.STUDENT_NUMBER">student</column>
      <column column="STOREDGRADES.GRADE">grade</column>
      <column column="U_VENDOR_X.TOKEN">token</column>
    </columns>
    <sql><![CDATA[
SELECT s.STUDENT_NUMBER, sg.GRADE, x.TOKEN
FROM STOREDGRADES sg
JOIN STUDENTS s ON s.ID = sg.STUDENTID
JOIN U_VENDOR_X x ON x.STUDENTSDCID = s.DCID
WHERE sg.TERMID BETWEEN :yearid * 100 AND :yearid * 100 + 99 AND sg.SCHOOLID = :school
  AND s.SCHOOLID = ~(curschoolid)
ORDER BY 1, 2
]]></sql>
  </query>
  <query name="com.vendor.grades.nowhere" coreTable="students" flattened="true">
    <columns><column column="STUDENTS.ID">id</column></columns>
    <sql><![CDATA[SELECT q.ID FROM NO_SUCH_TABLE q]]></sql>
  </query>
  <query name="com.vendor.grades.gold" coreTable="students" flattened="true">
    <columns><column column="STUDENTS.ID">id</column></columns>
    <sql><![CDATA[SELECT x.STUDENTSDCID AS id FROM U_VENDOR_X x WHERE x.TOKEN = 'gold' ORDER BY 1]]></sql>
  </query>
</queries>
"""


def _vendor_files():
    return {"plugin.xml": PLUGIN_XML, "queries_root/vendor.named_queries.xml": QUERIES_XML}


def test_preview_runs_a_plugin_zip_with_args_that_fit_the_district(runner, tmp_path):
    archive = tmp_path / "vendor.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for name, text in _vendor_files().items():
            handle.writestr(name, text)
    out = tmp_path / "out"
    result = runner.invoke(main, ["preview", "--zip", str(archive), "--students", "300", "-o", str(out)])
    assert result.exit_code == 1  # the query on an unknown table fails, and says why
    assert "com.vendor.grades.nowhere did not run" in result.output and "NO_SUCH_TABLE" in result.output
    rows = _rows(out / "queries" / "com.vendor.grades.stored.csv")
    assert rows and list(rows[0]) == ["student", "grade", "token"]
    assert "U_VENDOR_X is in no dictionary" in result.output


def test_preview_runs_a_plugin_folder_and_its_args_can_be_given(runner, tmp_path):
    folder = write_tree(tmp_path / "vendor", _vendor_files())
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        [
            "preview",
            "--zip",
            str(folder),
            "--students",
            "300",
            "-o",
            str(out),
            "--select",
            "*.stored",
            "--arg",
            "school=999",
        ],
    )
    # lint's findings are reported as validate's are for a project: ~(curschoolid) is an error
    assert result.exit_code == 1, result.output
    assert "error SQ303" in result.output
    assert _rows(out / "queries" / "com.vendor.grades.stored.csv") == []  # no school 999
    assert "nowhere" not in result.output  # neither the query left out nor its findings


def test_preview_zip_and_config_together_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(main, ["preview", "--zip", str(tmp_path), "-c", str(tmp_path / "plugin.toml")])
    assert result.exit_code == 2 and "not both" in result.output


# ---- the district written out --------------------------------------------------------------


def test_the_district_is_written_as_csv_with_its_ids_and_reads_back(runner, tmp_path):
    folder = write_tree(tmp_path / "vendor", _vendor_files())
    written = tmp_path / "district"
    result = runner.invoke(
        main,
        [
            "preview",
            "--zip",
            str(folder),
            "--students",
            "300",
            "-o",
            str(tmp_path / "out"),
            "--write-district",
            str(written),
        ],
    )
    assert "wrote the district to" in result.output
    readme = (written / "README.md").read_text(encoding="utf-8")
    assert "| 101 |" in readme and "STUDENT_NUMBER from 200001" in readme and "| 3500 |" in readme
    assert (written / "STOREDGRADES.csv").is_file() and (written / "STUDENTS.csv").is_file()
    back = tmp_path / "back"
    again = runner.invoke(
        main, ["preview", "--zip", str(folder), "--tables", str(written), "-o", str(back), "--select", "*.stored"]
    )
    assert again.exit_code == 1 and "error SQ303" in again.output  # lint's error on ~(curschoolid), nothing else
    assert "did not run" not in again.output, again.output
    assert _rows(back / "queries" / "com.vendor.grades.stored.csv") == _rows(
        tmp_path / "out" / "queries" / "com.vendor.grades.stored.csv"
    )


def test_the_district_is_written_as_a_duckdb_file(runner, tmp_path):
    folder = write_tree(tmp_path / "vendor", _vendor_files())
    target = tmp_path / "district.duckdb"
    args = [
        "preview",
        "--zip",
        str(folder),
        "--students",
        "300",
        "-o",
        str(tmp_path / "out"),
        "--write-district",
        str(target),
    ]
    runner.invoke(main, args)
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("SELECT COUNT(*) FROM STOREDGRADES").fetchone()[0] > 0
    con.close()
    assert (tmp_path / "district.README.md").is_file()
    refused = runner.invoke(main, args)
    assert refused.exit_code != 0 and "exists already" in refused.output


def test_serve_zip_prepares_the_district_for_the_plugins_queries(tmp_path):
    from plugin_builder.serve.server import prepare

    archive = tmp_path / "vendor.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("plugin.xml", PLUGIN_XML.replace("</publisher>", "</publisher>\n  <oauth/>"))
        handle.writestr(
            "queries_root/vendor.named_queries.xml", QUERIES_XML.replace("AND s.SCHOOLID = ~(curschoolid)", "")
        )
    prepared = prepare(zip_path=archive, students=300)
    assert prepared.source.con.execute("SELECT COUNT(*) FROM STOREDGRADES").fetchone()[0] > 0
    # a generic table holds the values a query filters on, as in preview (serve's rows are preview's)
    assert prepared.source.con.execute("SELECT COUNT(*) FROM U_VENDOR_X WHERE TOKEN = 'gold'").fetchone()[0] > 0
    assert any("STOREDGRADES" in note and "synthetic rows" in note for note in prepared.api.plugin.notes)
    prepared.source.con.close()


def test_readme_lists_the_first_students(tmp_path):
    from plugin_builder.preview.export import district_readme

    con = duckdb.connect()
    generate(con, 100, seed=1)
    text = district_readme(con, "test", {"STUDENTS": 100})
    table = text.split("## Students")[1].split("##")[0]
    assert len([line for line in io.StringIO(table) if line.startswith("| 1")]) >= 1


def test_regexp_replace_reads_a_number_as_text_and_an_empty_replacement_removes():
    from plugin_builder.sql.oracle.compat import execute

    con = duckdb.connect()
    con.execute("CREATE TABLE t (n BIGINT, s VARCHAR)")
    con.execute("INSERT INTO t VALUES (123, 'a1b2'), (7, 'xyz')")
    rows = execute(
        con,
        "SELECT REGEXP_REPLACE(n, '[^0-9]', ''), REGEXP_REPLACE(s, '[^0-9]', ''), "
        "CASE WHEN REGEXP_LIKE(n, '^1') THEN 1 ELSE 0 END, BITAND(n, 3), REGEXP_SUBSTR(s, '[0-9]') FROM t ORDER BY n",
    ).fetchall()
    assert rows == [("7", None, 0, 3, None), ("123", "12", 1, 3, "1")]


def test_julian_days_and_lower_case_date_masks():
    from plugin_builder.sql.oracle.compat import execute

    rows = execute(
        duckdb.connect(),
        "SELECT TO_CHAR(DATE '2000-01-01', 'J'), TO_CHAR(TO_DATE('01/15/2026', 'mm/dd/yyyy'), 'J'), "
        "TO_CHAR(TO_DATE('2026-01-02', 'yyyy-mm-dd'), 'YYYY-MM-DD') FROM DUAL",
        now=dt.datetime(2026, 1, 15, 10, 0),
    ).fetchall()
    assert rows == [("2451545", "2461056", "2026-01-02")]


def test_students_have_their_own_person_and_school_email_and_dropped_classes_their_section(district):
    con, _, _ = district
    students, with_person, with_email = con.execute(
        """SELECT COUNT(*), COUNT(p.ID), COUNT(DISTINCT e.EMAILADDRESS) FROM STUDENTS s
           LEFT JOIN PERSON p ON p.ID = s.PERSON_ID
           LEFT JOIN PERSONEMAILADDRESSASSOC pe ON pe.PERSONID = s.PERSON_ID
           LEFT JOIN EMAILADDRESS e ON e.EMAILADDRESSID = pe.EMAILADDRESSID"""
    ).fetchone()
    assert students == with_person and 0.9 * students <= with_email < students
    dropped = con.execute(
        "SELECT COUNT(*), COUNT(s.ID) FROM CC LEFT JOIN SECTIONS s ON s.ID = CC.ORIGSECTIONID WHERE CC.SECTIONID < 0"
    ).fetchone()
    assert dropped[0] > 0 and dropped[0] == dropped[1]


# ---- values and keys a query's filters need ------------------------------------------------


def test_a_literal_a_query_filters_on_is_one_rows_value_and_keys_wait_for_their_table():
    from plugin_builder.preview.filler import filter_literals

    sql = """SELECT st.ID, ts.NAME FROM STUDENTTEST st
        JOIN STUDENTTESTSCORE sts ON sts.STUDENTTESTID = st.ID
        JOIN TESTSCORE ts ON ts.ID = sts.TESTSCOREID AND ts.TESTID = st.TESTID
        JOIN TEST t ON t.ID = st.TESTID
        WHERE t.NAME = 'IGCSE' AND ts.NAME IN ('Maths', 'Reading') AND t.TEST_TYPE NOT IN (7)
          AND t.NAME <> 'Other' AND (SELECT t2.ID FROM TEST t2 WHERE t2.NAME = 'IGCSE') > 0"""
    literals = filter_literals([sql])
    assert literals == {"TEST": {"NAME": ["'IGCSE'"]}, "TESTSCORE": {"NAME": ["'Maths'", "'Reading'"]}}
    con = duckdb.connect()
    report = fill_tables(
        con, generate(con, 300, seed=3), ["STUDENTTEST", "STUDENTTESTSCORE", "TESTSCORE", "TEST"], {}, literals
    )
    assert report.rows["TEST"] > 1
    # one row each, as a name is in a real district: a scalar subquery on it finds one row
    assert con.execute("SELECT NAME FROM TEST WHERE NAME = 'IGCSE'").fetchall() == [("IGCSE",)]
    assert sorted(con.execute("SELECT NAME FROM TESTSCORE WHERE NAME IN ('Maths', 'Reading')").fetchall()) == [
        ("Maths",),
        ("Reading",),
    ]
    # STUDENTTEST (filled first in name order) points at tests that exist
    assert (
        con.execute(
            "SELECT COUNT(*) FROM STUDENTTEST st LEFT JOIN TEST t ON t.ID = st.TESTID WHERE t.ID IS NULL"
        ).fetchone()[0]
        == 0
    )
    assert (
        con.execute(
            "SELECT COUNT(*) FROM STUDENTTESTSCORE s LEFT JOIN TESTSCORE ts ON ts.ID = s.TESTSCOREID WHERE ts.ID IS NULL"
        ).fetchone()[0]
        == 0
    )
    # a literal the column cannot hold is not written
    assert filter_literals(["SELECT 1 FROM TEST t WHERE t.ID = 'x'"]) == {"TEST": {"ID": ["'x'"]}}
    other = duckdb.connect()
    fill_tables(other, generate(other, 300, seed=3), ["TEST"], {}, {"TEST": {"TEST_TYPE": ["'x'"]}})
    assert other.execute("SELECT COUNT(*) FROM TEST WHERE TEST_TYPE IS NOT NULL").fetchone()[0] > 0


QUERIES_WITH_A_DATE_XML = """<queries>
  <query name="com.vendor.asof" coreTable="students" flattened="true">
    <args><arg name="AsOfDate" column="students.entrydate" required="true"/></args>
    <columns><column column="STUDENTS.ID">id</column></columns>
    <sql><![CDATA[SELECT s.ID FROM STUDENTS s WHERE :AsOfDate BETWEEN s.ENTRYDATE AND s.EXITDATE]]></sql>
  </query>
  <query name="com.vendor.empty" coreTable="students" flattened="true">
    <columns><column column="STUDENTS.ID">id</column></columns>
    <sql><![CDATA[
    ]]></sql>
  </query>
</queries>
"""


def test_preview_zip_gives_a_required_date_arg_today_and_names_an_empty_query(runner, tmp_path):
    folder = write_tree(
        tmp_path / "vendor",
        {"plugin.xml": PLUGIN_XML, "queries_root/vendor.named_queries.xml": QUERIES_WITH_A_DATE_XML},
    )
    out = tmp_path / "out"
    result = runner.invoke(main, ["preview", "--zip", str(folder), "--students", "300", "-o", str(out)])
    assert "query com.vendor.empty did not run: its <sql> is empty" in result.output
    assert "AsOfDate has no value" not in result.output
    assert _rows(out / "queries" / "com.vendor.asof.csv")  # enrolled today


def test_a_generic_store_code_is_a_term_bins():
    con = duckdb.connect()
    fill_tables(con, generate(con, 300, seed=3), ["STANDARDGRADESECTION"], {})
    codes = {r[0] for r in con.execute("SELECT DISTINCT STORECODE FROM STANDARDGRADESECTION").fetchall()}
    bins = {r[0] for r in con.execute("SELECT DISTINCT STORECODE FROM TERMBINS").fetchall()}
    assert codes and codes <= bins and "Y1" in bins

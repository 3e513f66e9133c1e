"""The synthetic district fitted to a plugin built elsewhere: its school numbers, the texts it
filters on, and the columns a query reads that the district left blank."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile

import duckdb
import pytest

from plugin_builder.cli import main
from plugin_builder.preview.fitting import (
    PluginFilters,
    TextFilter,
    fill_blank_columns,
    fit_text_filters,
    plugin_filters,
)
from plugin_builder.preview.synthetic import generate


def test_school_numbers_and_texts_are_read_from_filters_only():
    filters = plugin_filters(
        [
            "SELECT s.ID FROM STUDENTS s WHERE s.SCHOOLID IN (501, 616) AND s.SCHOOLID NOT IN (7)",
            "SELECT SCHOOL_NUMBER FROM SCHOOLS WHERE SCHOOL_NUMBER = 3 AND SCHOOL_NUMBER <> 5",
            # a school number inside CASE maps values, it filters nothing; 0 is the district office
            "SELECT CASE WHEN se.SCHOOLID = 1258 THEN 1 END FROM SECTIONS se WHERE se.SCHOOLID <> 0",
            "SELECT 1 FROM STUDENTS WHERE SCHOOLID = ~(curschoolid)",
            "SELECT c.ID FROM COURSES c JOIN CC ON CC.COURSE_NUMBER = c.COURSE_NUMBER"
            " WHERE LOWER(c.COURSE_NAME) LIKE '%english essentials%' AND c.SCHED_DEPARTMENT IN ('mseal', 'hseal')"
            " AND c.CREDITTYPE NOT IN ('X') AND c.COURSE_NAME LIKE 'a!_%' ESCAPE '!'",
            "SELECT nothing FROM",  # what does not parse is the query's run to report
        ]
    )
    assert filters.school_numbers == (3, 501, 616)
    assert filters.texts == {
        "COURSES": {
            "COURSE_NAME": [TextFilter("like", "%english essentials%", "lower")],
            "SCHED_DEPARTMENT": [TextFilter("eq", "hseal"), TextFilter("eq", "mseal")],
        }
    }


def test_the_schools_take_the_numbers_a_plugin_names_in_every_table():
    con = duckdb.connect()
    district = generate(con, 300, school_numbers=(1, 10, 103, 616))
    numbers = [s.number for s in district.schools]
    # 103 is a school already; the others number the first schools in order; 900 stays
    assert numbers == [1, 10, 103, 616, 105, 900]
    assert sorted(r[0] for r in con.execute("SELECT SCHOOL_NUMBER FROM SCHOOLS").fetchall()) == sorted(numbers)
    for table in ("STUDENTS", "SECTIONS", "CC", "TERMS", "SCHOOLSTAFF", "USERS"):
        column = "HOMESCHOOLID" if table == "USERS" else "SCHOOLID"
        stray = con.execute(
            f"SELECT COUNT(*) FROM {table} WHERE {column} NOT IN (SELECT SCHOOL_NUMBER FROM SCHOOLS) AND {column} <> 0"
        ).fetchone()[0]
        assert stray == 0, table
    assert con.execute("SELECT COUNT(*) FROM STUDENTS WHERE SCHOOLID = 616").fetchone()[0] > 0


@pytest.fixture()
def district():
    con = duckdb.connect()
    return con, generate(con, 300, seed=2)


def test_a_text_no_row_holds_is_written_into_a_quarter_of_the_rows_the_same_rows_per_table(district):
    con, facts = district
    before = con.execute("SELECT COURSE_NUMBER, COURSE_NAME FROM COURSES ORDER BY ALL").fetchall()
    filters = PluginFilters(
        texts={
            "COURSES": {
                "COURSE_NAME": [TextFilter("like", "%(APEX)")],
                "COURSE_NUMBER": [TextFilter("eq", "22991X00")],  # a key: never rewritten
            },
            "GEN": {"CAT": [TextFilter("eq", "activity")], "NAME": [TextFilter("like", "%Athletics - %")]},
            "PREFS": {"NAME": [TextFilter("eq", "lastpromotiondate")]},
            "STUDENTS": {"FIRST_NAME": [TextFilter("like", "É%", "upper")]},  # a person's name is theirs
            "SCHOOLS": {
                "NAME": [TextFilter("like", "Central High%")],  # a row matches already
                "ABBREVIATION": [TextFilter("eq", "abc", "upper")],  # no value can meet UPPER(x) = 'abc'
            },
        }
    )
    notes = fit_text_filters(con, facts, filters)
    apex = con.execute("SELECT COURSE_NUMBER, COURSE_NAME FROM COURSES WHERE COURSE_NAME LIKE '%(APEX)'").fetchall()
    assert 0 < len(apex) < len(before)
    names = dict(before)
    assert all(name == names[number] + " (APEX)" for number, name in apex)  # the name kept, the filter met
    assert con.execute("SELECT COUNT(*) FROM COURSES WHERE COURSE_NUMBER = '22991X00'").fetchone()[0] == 0
    both = "SELECT COUNT(*) FROM GEN WHERE CAT = 'activity' AND NAME LIKE '%Athletics - %'"
    assert con.execute(both).fetchone()[0] > 0
    value = con.execute("SELECT VALUE FROM PREFS WHERE NAME = 'lastpromotiondate'").fetchone()[0]
    assert dt.datetime.strptime(value, "%m/%d/%Y")  # a setting named for a date holds one
    assert any(n.startswith(f"COURSES.COURSE_NAME: {len(apex)} of {len(before)} rows set") for n in notes)
    assert not any(n.startswith(("SCHOOLS.", "COURSES.COURSE_NUMBER", "STUDENTS.")) for n in notes)
    # a --tables CSV is the user's data: never changed
    assert (
        fit_text_filters(con, facts, PluginFilters(texts={"ROLEDEF": {"NAME": [TextFilter("eq", "x")]}}), {"ROLEDEF"})
        == []
    )


def test_a_column_read_that_no_row_fills_gets_values_keys_and_flags_stay_blank(district):
    con, facts = district
    con.execute("UPDATE SCHOOLSTAFF SET TRANSACTION_DATE = NULL")
    con.execute("UPDATE COURSES SET SCHED_DO_NOT_PRINT = NULL")
    needs = {"q": {"SCHOOLSTAFF": {"TRANSACTION_DATE", "ID"}, "COURSES": {"SCHED_DO_NOT_PRINT"}}}
    notes = fill_blank_columns(con, facts, needs)
    dates = con.execute("SELECT MIN(TRANSACTION_DATE), COUNT(TRANSACTION_DATE), COUNT(*) FROM SCHOOLSTAFF").fetchone()
    assert dates[1] == dates[2] and dates[0].date() >= facts.year_start
    assert con.execute("SELECT COUNT(SCHED_DO_NOT_PRINT) FROM COURSES").fetchone()[0] == 0
    assert notes == [
        f"SCHOOLSTAFF.TRANSACTION_DATE: blank in all {dates[2]} rows, given values of its type (a query reads it)"
    ]
    again = duckdb.connect()
    generate(again, 300, seed=2)
    again.execute("UPDATE SCHOOLSTAFF SET TRANSACTION_DATE = NULL")
    fill_blank_columns(again, facts, needs)
    query = "SELECT ID, TRANSACTION_DATE FROM SCHOOLSTAFF ORDER BY ID"
    assert again.execute(query).fetchall() == con.execute(query).fetchall()  # the same every run


def test_leavers_left_on_school_days_spread_up_to_today_and_sections_count_their_students(district):
    con, facts = district
    days = [r[0] for r in con.execute("SELECT EXITDATE FROM STUDENTS WHERE ENROLL_STATUS = 2").fetchall()]
    today = facts.today.date()
    assert len(set(days)) > len(days) // 2 and all(d < today and d.isoweekday() < 6 for d in days)
    assert any((today - d).days <= 30 for d in days)
    wrong = con.execute(
        """SELECT COUNT(*) FROM SECTIONS se WHERE se.NO_OF_STUDENTS <> (
               SELECT COUNT(*) FROM CC c JOIN TERMS t ON t.ID = c.TERMID AND t.SCHOOLID = c.SCHOOLID
               WHERE c.SECTIONID = se.ID AND c.DATELEFT > c.DATEENROLLED AND c.DATELEFT > LEAST(?, t.LASTDAY))""",
        [today],
    ).fetchone()[0]
    assert wrong == 0
    assert con.execute("SELECT COUNT(*) FROM SECTIONS WHERE NO_OF_STUDENTS > 0").fetchone()[0] > 0
    assert con.execute("SELECT COUNT(*) FROM SECTIONS WHERE EXTERNAL_EXPRESSION IS NULL").fetchone()[0] == 0


PLUGIN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<plugin xmlns="http://plugin.powerschool.pearson.com" name="Vendor Courses" version="1.0" description="by a vendor">
  <publisher name="Vendor"><contact email="a@example.org"/></publisher>
  <oauth/>
</plugin>
"""
QUERIES_XML = """<queries>
  <query name="com.vendor.apex.classes" coreTable="sections" flattened="true">
    <columns>
      <column column="SECTIONS.ID">id</column>
      <column column="SECTIONS.SCHOOLID">school</column>
      <column column="COURSES.COURSE_NAME">course</column>
    </columns>
    <sql><![CDATA[
SELECT se.ID, se.SCHOOLID, c.COURSE_NAME
FROM SECTIONS se JOIN COURSES c ON c.COURSE_NUMBER = se.COURSE_NUMBER
WHERE se.SCHOOLID IN (501, 616) AND c.COURSE_NAME LIKE '%(APEX)' AND se.NO_OF_STUDENTS > 0
ORDER BY 1
]]></sql>
  </query>
</queries>
"""


def test_preview_and_serve_fit_the_district_to_a_vendors_plugin(runner, tmp_path):
    from plugin_builder.serve.server import prepare

    archive = tmp_path / "vendor.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("plugin.xml", PLUGIN_XML)
        handle.writestr("queries_root/vendor.named_queries.xml", QUERIES_XML)
    out = tmp_path / "out"
    result = runner.invoke(main, ["preview", "--zip", str(archive), "--students", "3000", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with open(out / "queries" / "com.vendor.apex.classes.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and {r["school"] for r in rows} <= {"501", "616"}
    assert all(r["course"].endswith(" (APEX)") for r in rows)
    assert "schools numbered as the plugin's filters name them: 501 Lincoln Elementary 1" in result.output
    assert "COURSES.COURSE_NAME: " in result.output and "rows set to match the plugin's filter" in result.output
    prepared = prepare(zip_path=archive, students=3000)
    served = prepared.source.con.execute(QUERIES_XML.split("<![CDATA[")[1].split("]]>")[0]).fetchall()
    prepared.source.con.close()
    assert [str(r[0]) for r in served] == [r["id"] for r in rows]  # serve's district is preview's


def test_guardian_accounts_are_the_custodial_contacts_with_an_email(district):
    from plugin_builder.preview.filler import fill_tables

    con, facts = district
    fill_tables(con, facts, ["GUARDIAN", "GUARDIANSTUDENT", "GUARDIANPERSONASSOC"])
    accounts = con.execute("SELECT COUNT(*), COUNT(DISTINCT GUARDIANID), COUNT(EMAIL) FROM GUARDIAN").fetchone()
    assert accounts[0] > 0 and accounts[0] == accounts[1] == accounts[2]
    # every guardian-student link is the same person's active custodial contact link
    stray = con.execute(
        """SELECT COUNT(*) FROM GUARDIANSTUDENT gs
           JOIN GUARDIANPERSONASSOC gpa ON gpa.GUARDIANID = gs.GUARDIANID
           JOIN GUARDIAN g ON g.GUARDIANID = gs.GUARDIANID
           JOIN PERSON p ON p.ID = gpa.PERSONID
           WHERE g.FIRSTNAME <> p.FIRSTNAME OR NOT EXISTS (
               SELECT 1 FROM STUDENTCONTACTASSOC sca JOIN STUDENTCONTACTDETAIL d
                 ON d.STUDENTCONTACTASSOCID = sca.STUDENTCONTACTASSOCID
               WHERE sca.PERSONID = gpa.PERSONID AND sca.STUDENTDCID = gs.STUDENTSDCID
                 AND d.ISCUSTODIAL = 1 AND d.ISACTIVE = 1)"""
    ).fetchone()[0]
    assert stray == 0
    assert con.execute("SELECT COUNT(*) FROM GUARDIANSTUDENT").fetchone()[0] >= accounts[0]


def test_a_custom_field_of_a_first_name_takes_the_names_people_have():
    from plugin_builder.preview.filler import FIRST_NAMES, Facts, typed_value

    facts = Facts(1, 35, dt.date(2025, 8, 13), dt.date(2026, 6, 5), dt.date(2026, 1, 15))
    value = typed_value("U_STUDENTSUSERFIELDS", "FATHER_FIRSTNAME", "VARCHAR", "VARCHAR2(50)", facts)
    names = duckdb.sql(f"SELECT DISTINCT {value} FROM (SELECT range + 1 AS N FROM range(200)) a").fetchall()
    assert {n[0] for n in names} <= set(FIRST_NAMES)  # so GUARDIAN.FIRSTNAME = FATHER_FIRSTNAME can meet

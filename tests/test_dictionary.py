"""The shipped PowerSchool dictionary and its one judgement of every name."""

from __future__ import annotations

from plugin_builder.checks import check_tree
from plugin_builder.project.catalog import load_catalog
from plugin_builder.project.config import load_project
from plugin_builder.sql.dictionary import (
    COMPLETE,
    DISTRICT,
    PARTIAL,
    load_audit_columns,
    load_full_dictionary,
    powerschool_dictionary,
    table_info,
)
from plugin_builder.findings import Severity
from plugin_builder.build.render import render_plugin

from helpers import example_config, write_tree


def test_the_whole_reference_dictionary_ships():
    tables = load_full_dictionary()
    assert len(tables) >= 715
    assert sum(len(c) for c in tables.values()) >= 9980
    assert tables["USERSCOREFIELDS"]["DOB"].startswith("VARCHAR2")  # text, unlike STUDENTS.DOB
    assert {"TRANSACTION_DATE", "WHOMODIFIEDID", "WHENCREATED"} <= set(load_audit_columns())


def test_statuses_sources_and_gaps_filled():
    dictionary = powerschool_dictionary()
    assert dictionary.status("STOREDGRADES") == COMPLETE
    assert dictionary.status("S_CA_STU_X") == PARTIAL
    assert dictionary.status("U_STUDENTSUSERFIELDS") == DISTRICT
    period = table_info("PS_PERIOD_ATT")
    assert period is not None and period.kind == "view" and "ATT_DATE" in period.columns
    assert any("ps_period_att" in s for s in period.sources)
    assert table_info("PS_ENROLLMENT_ALL").status == PARTIAL
    assert dictionary.has_table("PSSIS_MEMBERSHIP_REG")
    # tables filled in from working plugins never replace the data dictionary's own entries
    assert dictionary.status("PSM_ASSET") == COMPLETE and dictionary.columns("PSM_ASSET")
    assert dictionary.status("PSM_STUDENTCONTACT") == PARTIAL and "EMAIL" in dictionary.columns("PSM_STUDENTCONTACT")


def test_misspelt_names_are_errors_that_suggest_the_right_one():
    dictionary = powerschool_dictionary()
    table = dictionary.judge_table("STUDENT")
    assert table.severity == "error" and table.suggestions[0] == "STUDENTS"
    column = dictionary.judge_column("STOREDGRADES", "PERCNT")
    assert column.severity == "error" and "did you mean PERCENT?" in column.hint
    assert dictionary.judge_column("STUDENTS", "LAST_NAM").suggestions == ("LAST_NAME",)


def test_convention_names_partial_tables_and_audit_columns_are_warnings():
    dictionary = powerschool_dictionary()
    for name in (
        "U_LOCKERS",
        "S_TX_STU_X",
        "S_WY_STU_PROGRAM_C",
        "STUDENTS_USERFIELDS",
        "PS_ENROLLMENT_REG",
        "PSSIS_NEWVIEW",
    ):
        assert dictionary.judge_table(name).severity == "warning", name
    assert dictionary.judge_table("TRACKERSG").severity == "error"
    assert dictionary.judge_column("S_CA_STU_X", "ANYTHING").severity == "warning"
    assert dictionary.judge_column("U_STUDENTSUSERFIELDS", "ANYTHING").severity == "warning"
    assert dictionary.judge_column("ATTENDANCE_CODE", "WHOMODIFIEDID").severity == "warning"
    assert dictionary.judge_column("COURSES", "ALT_COURSE_NUMBER").kind == "wrong-column"


def test_declarations_count_as_known():
    dictionary = powerschool_dictionary().extended(
        {"U_LOCKERS": {"LOCKER": "VARCHAR2"}, "STUDENTS": {"LOCKER_NO": "VARCHAR2"}}
    )
    assert dictionary.judge_table("U_LOCKERS") is None
    assert dictionary.judge_column("U_LOCKERS", "LOCKER") is None
    assert dictionary.judge_column("STUDENTS", "LOCKER_NO") is None
    assert dictionary.judge_column("U_LOCKERS", "OTHER").severity == "warning"


def test_pattern_listing():
    dictionary = powerschool_dictionary()
    assert "STOREDGRADES" in dictionary.matching_tables("stored")
    assert dictionary.matching_tables("PS_*") and all(n.startswith("PS_") for n in dictionary.matching_tables("PS_*"))


GRADES_SQL = """
SELECT sg.STUDENTID AS student_id, sg.PERCENT AS percent, pg.FINALGRADENAME AS final_name,
       ucf.DOB AS staff_dob, tr.RACECD AS staff_race
FROM STOREDGRADES sg
JOIN PGFINALGRADES pg ON pg.STUDENTID = sg.STUDENTID
JOIN TEACHERRACE tr ON tr.TEACHERID = sg.SECTIONID
JOIN USERSCOREFIELDS ucf ON ucf.USERSDCID = tr.DCID
ORDER BY 1
"""
GRADES_TOML = """
    summary = "Stored grades"
    description = "A project's own query on grade and staff tables"
    group = "custom"
    core_table = "STOREDGRADES"
    file_name = "grades.csv"
    columns = [
      { alias = "student_id", column = "STOREDGRADES.STUDENTID" },
      { alias = "percent", column = "STOREDGRADES.PERCENT" },
      { alias = "final_name", column = "PGFINALGRADES.FINALGRADENAME" },
      { alias = "staff_dob", column = "USERSCOREFIELDS.DOB" },
      { alias = "staff_race", column = "TEACHERRACE.RACECD" },
    ]
"""


def _own_query_findings(tmp_path, sql, toml=GRADES_TOML):
    write_tree(
        tmp_path,
        {"plugin.toml": example_config(), "queries/stored_grades.sql.j2": sql, "queries/stored_grades.toml": toml},
    )
    project = load_project(tmp_path / "plugin.toml")
    return [
        f
        for f in check_tree(render_plugin(project, load_catalog(project)), project)
        if f.query and f.query.endswith(".stored_grades")
    ]


def test_own_query_on_grade_and_staff_tables_has_no_error(tmp_path):
    findings = _own_query_findings(tmp_path, GRADES_SQL)
    assert [f for f in findings if f.severity is Severity.ERROR] == []


def test_own_query_misspelt_names_are_errors_in_sql_and_column_alike(tmp_path):
    sql = GRADES_SQL.replace("sg.PERCENT AS", "sg.PERCNT AS").replace("FROM STOREDGRADES sg", "FROM STOREDGRADE sg")
    toml = GRADES_TOML.replace("STOREDGRADES.PERCENT", "STOREDGRADES.PERCNT")
    findings = _own_query_findings(tmp_path, sql, toml)
    errors = {
        (f.code, f.hint.split(";")[0])
        for f in findings
        if f.severity is Severity.ERROR and f.code in ("SQ304", "PQ212")
    }
    assert ("SQ304", "did you mean STOREDGRADES?") in errors
    assert ("PQ212", "did you mean PERCENT?") in errors
    sql = GRADES_SQL.replace("sg.PERCENT AS", "sg.PERCNT AS")
    findings = _own_query_findings(tmp_path, sql)
    assert any(f.code == "SQ305" and f.severity is Severity.ERROR and "PERCENT" in f.hint for f in findings)


EXTENSION_XML = """<?xml version="1.0" encoding="UTF-8"?>
<psExtension xmlns="http://www.powerschool.com">
  <extensionname>U_Lockers</extensionname>
  <extendedTable type="standalone" dbTableName="U_Lockers" childName="U_Lockers">
    <field name="Locker" type="String" length="20"/>
    <field name="Assigned" type="Date"/>
  </extendedTable>
</psExtension>
"""


def test_lint_counts_the_plugins_own_database_extension_as_declared(tmp_path):
    import zipfile

    from plugin_builder.build.lint import lint

    plugin = '<plugin xmlns="http://plugin.powerschool.pearson.com" name="Lockers" version="1.0"><publisher name="IT"><contact email="it@example.org"/></publisher></plugin>'
    query = """<queries><query name="org.example.lockers.all" coreTable="students" flattened="true">
      <columns><column column="U_LOCKERS.LOCKER">locker</column><column column="U_LOCKERS.ID">id</column></columns>
      <sql><![CDATA[SELECT l.LOCKER AS locker, l.{column} AS id FROM U_LOCKERS l ORDER BY 1]]></sql></query></queries>"""
    findings = {}
    for column in ("ID", "COMBINATION"):
        path = tmp_path / f"{column}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("plugin.xml", plugin)
            archive.writestr("queries_root/org.example.lockers.named_queries.xml", query.format(column=column))
            archive.writestr("user_schema_root/u_lockers.xml", EXTENSION_XML)
        findings[column] = [(f.code, f.severity) for f in lint(path).findings if f.code in ("SQ304", "SQ305", "PQ212")]
    assert findings["ID"] == []
    assert findings["COMBINATION"] == [("SQ305", Severity.WARNING)]


def test_create_tables_knows_every_dictionary_table_by_name():
    import duckdb

    from plugin_builder.sql.dictionary import create_tables

    con = duckdb.connect()
    create_tables(con, ["STOREDGRADES"])
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'STOREDGRADES'"
        ).fetchall()
    )
    assert types["PERCENT"] == "DOUBLE" and types["GRADE"] == "VARCHAR" and types["DATESTORED"] == "DATE"

"""`lint PATH` on plugins we did not build: the issue's acceptance case, formats and exit codes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import jsonschema
import pytest

from plugin_builder.cli import main

SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

PLUGIN_XML = """<plugin xmlns="http://plugin.powerschool.pearson.com" name="Example Unified School District Roster Export" version="1.2">
  <publisher name="Example USD"><contact email="it@example.org"/></publisher>
  <oauth/>
  <access_request>
    <field table="CC" field="DCID" access="ViewOnly"/>
    <field table="CC" field="SECTIONID" access="ViewOnly"/>
    <field table="CC" field="STUDENTID" access="ViewOnly"/>
    <field table="COURSES" field="ALT_COURSE_NUMBER" access="ViewOnly"/>
    <field table="COURSES" field="COURSE_NUMBER" access="ViewOnly"/>
    <field table="COURSES" field="DCID" access="ViewOnly"/>
    <field table="SECTIONS" field="COURSE_NUMBER" access="ViewOnly"/>
    <field table="SECTIONS" field="ID" access="ViewOnly"/>
    <field table="STUDENTS" field="DCID" access="ViewOnly"/>
    <field table="STUDENTS" field="FAVOURITE_COLOUR" access="ViewOnly"/>
    <field table="STUDENTS" field="ID" access="ViewOnly"/>
    <field table="TERMS" field="YEARID" access="ViewOnly"/>
  </access_request>
</plugin>
"""

QUERIES_XML = """<queries>
  <query name="org.example.roster.enrollments" coreTable="cc" flattened="true">
    <columns>
      <column column="CC.DCID">sourcedId</column>
      <column column="STUDENTS.DCID">userSourcedId</column>
      <column column="COURSES.DCID">courseCode</column>
      <column column="STUDENTS.DCID">colour</column>
    </columns>
    <sql><![CDATA[
select to_char(cc.dcid) as "sourcedId",
       to_char(s.dcid) as "userSourcedId",
       c.alt_course_number as "courseCode",
       s.favourite_colour as "colour"
  from cc
  join students s on s.id = cc.studentid
  join sections sec on sec.id = cc.sectionid
  join courses c on c.course_number = sec.course_number
  join terms t on t.id = cc.termid and t.schoolid = cc.schoolid
 where t.yearid = ~(curyearid)
   and cc.schoolid = :schoolid
 order by 1;
]]></sql>
  </query>
</queries>
"""
QUERIES_PATH = "queries_root/org.example.roster.named_queries.xml"


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.fixture
def broken_zip(tmp_path: Path) -> Path:
    path = tmp_path / "roster.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("plugin.xml", PLUGIN_XML)
        archive.writestr(QUERIES_PATH, QUERIES_XML)
    return path


def test_lint_reports_each_problem_with_code_and_line(runner, broken_zip):
    result = runner.invoke(main, ["lint", str(broken_zip), "--format", "json"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.output)["findings"]
    got = {(f["code"], f["file"], f["line"]) for f in findings}
    expected = {
        ("SQ302", QUERIES_PATH, line_of(QUERIES_XML, "order by 1;")),
        ("PQ215", QUERIES_PATH, line_of(QUERIES_XML, ":schoolid")),
        ("SQ305", QUERIES_PATH, line_of(QUERIES_XML, "s.favourite_colour")),
        ("SQ306", QUERIES_PATH, line_of(QUERIES_XML, "c.alt_course_number")),
        ("SQ303", QUERIES_PATH, line_of(QUERIES_XML, "~(curyearid)")),
        ("PS102", "plugin.xml", 1),
        ("AC400", QUERIES_PATH, line_of(QUERIES_XML, "cc.schoolid")),
    }
    assert expected <= got, sorted(expected - got)
    wrong = next(f for f in findings if f["code"] == "SQ306")
    assert "COURSESCOREFIELDS.ALT_COURSE_NUMBER" in wrong["hint"]
    (access,) = [f for f in findings if f["code"] == "AC400"]  # one finding per query, listing the fields
    assert access["message"].endswith("CC.SCHOOLID, CC.TERMID, TERMS.ID, TERMS.SCHOOLID")


def test_lint_text_output_names_file_line_and_code(runner, broken_zip):
    result = runner.invoke(main, ["lint", str(broken_zip)])
    assert result.exit_code == 1
    assert f"{QUERIES_PATH}:{line_of(QUERIES_XML, 'order by 1;')}:" in result.output
    assert "error SQ302" in result.output
    assert "\x1b[" not in result.output


def test_lint_sarif_is_valid_against_the_published_schema(runner, broken_zip):
    result = runner.invoke(main, ["lint", str(broken_zip), "--format", "sarif"])
    assert result.exit_code == 1
    sarif = json.loads(result.output)
    jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(sarif)
    results = sarif["runs"][0]["results"]
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert {r["ruleId"] for r in results} >= {"SQ302", "PQ215", "PS102"}
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    located = [r for r in results if r["ruleId"] == "SQ302"][0]["locations"][0]["physicalLocation"]
    assert located["artifactLocation"]["uri"] == QUERIES_PATH
    assert located["region"]["startLine"] == line_of(QUERIES_XML, "order by 1;")


def test_lint_github_annotations(runner, broken_zip):
    result = runner.invoke(main, ["lint", str(broken_zip), "--format", "github"])
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "SQ302" in x)
    assert line.startswith(f"::error file={QUERIES_PATH},line={line_of(QUERIES_XML, 'order by 1;')},")


def test_validate_sarif_on_the_example_is_valid(runner, project_dir):
    result = runner.invoke(main, ["validate", "-c", str(project_dir / "plugin.toml"), "--format", "sarif"])
    assert result.exit_code == 0, result.output
    sarif = json.loads(result.output)
    jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(sarif)
    assert sarif["runs"][0]["results"] == []


def test_example_validates_with_oauth_and_no_finding(runner, project_dir):
    config = project_dir / "plugin.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("oauth = false", "oauth = true"), encoding="utf-8")
    result = runner.invoke(main, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["findings"] == []


def test_lint_clean_plugin_exits_0(runner, tmp_path):
    path = tmp_path / "ok.zip"
    queries = QUERIES_XML.replace("order by 1;", "order by 1").replace("   and cc.schoolid = :schoolid\n", "")
    queries = queries.replace("~(curyearid)", "35").replace("c.alt_course_number", "c.course_number")
    queries = queries.replace("s.favourite_colour", "s.lastfirst")
    plugin = PLUGIN_XML.replace("Example Unified School District Roster Export", "Example USD Roster")
    plugin = plugin.replace("<oauth/>", "").replace('field="ALT_COURSE_NUMBER"', 'field="LASTFIRST"')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("plugin.xml", plugin)
        archive.writestr(QUERIES_PATH, queries)
    result = runner.invoke(main, ["lint", str(path)])
    assert result.exit_code == 0, result.output


def test_lint_missing_path_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(main, ["lint", str(tmp_path / "nope.zip")])
    assert result.exit_code == 2
    assert "not found" in result.output


def test_lint_dictionary_file_declares_district_extensions(runner, tmp_path):
    plugin = tmp_path / "plugin"
    (plugin / "queries_root").mkdir(parents=True)
    (plugin / "plugin.xml").write_text(PLUGIN_XML.replace("Example Unified School District Roster Export", "Roster"))
    sql = "select x.SCHOOL_EMAIL as email from U_DEF_EXT_STUDENTS x order by 1"
    (plugin / QUERIES_PATH).write_text(
        '<queries><query name="org.example.roster.emails" coreTable="students"><columns>'
        '<column column="U_DEF_EXT_STUDENTS.SCHOOL_EMAIL">email</column></columns>'
        f"<sql><![CDATA[{sql}]]></sql></query></queries>"
    )
    before = runner.invoke(main, ["lint", str(plugin), "--format", "json"])
    assert "SQ305" in {f["code"] for f in json.loads(before.output)["findings"]}
    extensions = tmp_path / "extensions.toml"
    extensions.write_text('U_DEF_EXT_STUDENTS = ["STUDENTSDCID", "SCHOOL_EMAIL"]\n')
    after = runner.invoke(main, ["lint", str(plugin), "--dictionary", str(extensions), "--format", "json"])
    codes = {f["code"] for f in json.loads(after.output)["findings"]}
    assert "SQ305" not in codes and "PQ212" not in codes


def test_lint_bad_dictionary_file_is_a_usage_error(runner, tmp_path, broken_zip):
    extensions = tmp_path / "extensions.toml"
    extensions.write_text('U_DEF_EXT_STUDENTS = "EMAIL"\n')
    result = runner.invoke(main, ["lint", str(broken_zip), "--dictionary", str(extensions)])
    assert result.exit_code == 2
    assert "extensions.toml" in result.output and "Traceback" not in result.output


def test_lint_a_bare_plugin_xml(runner, tmp_path):
    path = tmp_path / "plugin.xml"
    path.write_text(PLUGIN_XML)
    result = runner.invoke(main, ["lint", str(path), "--format", "json"])
    assert result.exit_code == 1
    assert {f["code"] for f in json.loads(result.output)["findings"]} >= {"PS102"}

"""The foundation rules on hand-made plugin files: every violation, with its line."""

from __future__ import annotations

import textwrap

from helpers import CUSTOM_QUERY_TOML, example_config, write_tree
from plugin_builder.project.catalog import load_catalog
from plugin_builder.checks import CheckContext, check_tree, run_rules
from plugin_builder.project.config import load_project
from plugin_builder.build.model import build_model
from plugin_builder.build.render import render_plugin

GOOD_PLUGIN = b"""<?xml version="1.0" encoding="UTF-8"?>
<plugin xmlns="http://plugin.powerschool.pearson.com" name="Rostering" version="1.0">
  <publisher name="District IT"><contact email="it@example.org"/></publisher>
</plugin>
"""


def queries_xml(sql: str, columns: int = 1) -> bytes:
    cols = "".join(f'<column column="STUDENTS.ID">c{i}</column>' for i in range(columns))
    return textwrap.dedent(
        f"""\
        <queries>
          <query name="org.example.app.area.students" coreTable="students">
            <columns>{cols}</columns>
            <sql><![CDATA[
        {sql}
        ]]></sql>
          </query>
        </queries>
        """
    ).encode()


def findings_for(files: dict[str, bytes]):
    return run_rules(CheckContext(model=build_model(files, origin="linted")))


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def test_clean_plugin_has_no_findings():
    files = {
        "plugin.xml": GOOD_PLUGIN,
        "queries_root/a.named_queries.xml": queries_xml("SELECT s.ID FROM STUDENTS s ORDER BY s.ID"),
    }
    assert findings_for(files) == []


def test_every_schema_violation_is_reported_with_its_line():
    plugin = b"""<plugin xmlns="http://plugin.powerschool.pearson.com"
        name="A name that is far too long for PowerSchool's forty" version="1.0">
      <publisher><contact/></publisher>
      <access_request><field table="STUDENTS" field="ID" access="Everything"/></access_request>
    </plugin>
    """
    found = [f for f in findings_for({"plugin.xml": plugin}) if f.code in ("PS101", "PS102")]
    # name (its attribute is on line 2; PS102 says it), publisher name and contact email (3), access (4)
    assert sorted(f.line for f in found) == [2, 3, 3, 4], [f.message for f in found]
    assert all(f.file == "plugin.xml" for f in found)


def test_malformed_xml_and_wrong_root():
    assert codes(findings_for({"plugin.xml": b"<plugin name='x'>"})) == ["PS100"]
    wrong = findings_for(
        {"plugin.xml": b"<plugin name='x'><publisher name='p'><contact email='e'/></publisher></plugin>"}
    )
    assert codes(wrong) == ["PS101"] and "namespace" in wrong[0].message
    broken = findings_for(
        {"plugin.xml": GOOD_PLUGIN, "queries_root/a.named_queries.xml": b"<queries><query></queries>"}
    )
    assert codes(broken) == ["PQ200"]


def test_query_schema_violations():
    xml = b"<queries>\n<query name='org.example.x'>\n<sql>SELECT 1 FROM DUAL</sql>\n</query>\n</queries>"
    found = findings_for({"plugin.xml": GOOD_PLUGIN, "queries_root/a.named_queries.xml": xml})
    assert "PQ201" in codes(found)
    assert any(f.line == 2 and "columns" in f.message for f in found if f.code == "PQ201")


def test_sql_findings_point_into_the_xml_for_plugins_we_did_not_build():
    sql = "SELECT s.ID\nFROM STUDENTS s\nWHERE s.ID = = 3"
    found = findings_for({"plugin.xml": GOOD_PLUGIN, "queries_root/a.named_queries.xml": queries_xml(sql)})
    (parse,) = [f for f in found if f.code == "SQ300"]
    assert parse.file == "queries_root/a.named_queries.xml"
    assert parse.line == 7  # <sql> is on line 5, the SQL starts on line 6, the error is on its 2nd… 3rd line
    assert "\x1b" not in parse.message


def test_more_than_one_statement_and_not_a_select():
    two = findings_for(
        {
            "plugin.xml": GOOD_PLUGIN,
            "queries_root/a.named_queries.xml": queries_xml("SELECT 1 FROM DUAL;\nSELECT 2 FROM DUAL"),
        }
    )
    assert "SQ301" in codes(two)
    delete = findings_for(
        {"plugin.xml": GOOD_PLUGIN, "queries_root/a.named_queries.xml": queries_xml("DELETE FROM LOG")}
    )
    assert "SQ301" in codes(delete)
    cte = findings_for(
        {
            "plugin.xml": GOOD_PLUGIN,
            "queries_root/a.named_queries.xml": queries_xml(
                "WITH a AS (SELECT ID FROM STUDENTS) SELECT ID FROM a UNION ALL SELECT ID FROM a ORDER BY 1"
            ),
        }
    )
    assert cte == []


def test_trailing_semicolon_even_after_a_comment():
    found = findings_for(
        {
            "plugin.xml": GOOD_PLUGIN,
            "queries_root/a.named_queries.xml": queries_xml("SELECT 1 AS one FROM DUAL ORDER BY 1; -- done"),
        }
    )
    assert codes(found) == ["SQ302"]
    literal = findings_for(
        {
            "plugin.xml": GOOD_PLUGIN,
            "queries_root/a.named_queries.xml": queries_xml("SELECT ';' AS x FROM DUAL ORDER BY 1"),
        }
    )
    assert literal == []


def test_columns_count_against_select():
    found = findings_for(
        {
            "plugin.xml": GOOD_PLUGIN,
            "queries_root/a.named_queries.xml": queries_xml("SELECT s.ID, s.DCID FROM STUDENTS s", columns=3),
        }
    )
    (count,) = [f for f in found if f.code == "PQ202"]
    assert "returns 2 columns but <columns> declares 3" in count.message
    star = findings_for(
        {
            "plugin.xml": GOOD_PLUGIN,
            "queries_root/a.named_queries.xml": queries_xml("SELECT * FROM STUDENTS", columns=3),
        }
    )
    assert "PQ202" not in codes(star)


def test_parse_error_points_at_the_template_line(tmp_path):
    write_tree(
        tmp_path,
        {
            "plugin.toml": example_config(),
            "queries/students_by_school.sql.j2": """
                {% import "_common.sql.j2" as common with context %}
                SELECT s.ID AS id,
                       {{ common.text("s.LAST_NAME") }} AS school
                FROM STUDENTS s
                WHERE s.ID = = 3
                ORDER BY s.ID
            """,
            "queries/students_by_school.toml": CUSTOM_QUERY_TOML,
        },
    )
    project = load_project(tmp_path / "plugin.toml")
    findings = check_tree(render_plugin(project, load_catalog(project)), project)
    (parse,) = [f for f in findings if f.code == "SQ300"]
    assert (parse.file, parse.line) == ("queries/students_by_school.sql.j2", 5)


def test_a_trailing_newline_is_not_a_valid_name_or_version():
    """`$` in a regular expression accepts a trailing newline; an XML character reference makes one."""
    xml = queries_xml("SELECT s.ID FROM STUDENTS s ORDER BY s.ID").replace(
        b'name="org.example.app.area.students"', b'name="org.example.app.area.students&#10;"'
    )
    found = findings_for({"plugin.xml": GOOD_PLUGIN, "queries_root/a.named_queries.xml": xml})
    assert "PQ203" in codes(found)
    plugin = GOOD_PLUGIN.replace(b'name="Rostering" version="1.0"', b'name="Rostering" version="1.0&#10;"')
    assert any(f.code.startswith("PS") and "version" in f.message for f in findings_for({"plugin.xml": plugin}))

"""SQL analysis against the dictionary, derived column= and access_request, config hooks."""

from __future__ import annotations

import json
import textwrap

import pytest
from lxml import etree

from plugin_builder.cli import main
from plugin_builder.errors import ConfigError
from plugin_builder.pipeline import validate
from plugin_builder.project.config import load_project
from plugin_builder.sql.analysis import FieldUse, analyze, column_targets, field_uses, fields_read
from plugin_builder.sql.dictionary import powerschool_dictionary

NS = {"p": "http://plugin.powerschool.pearson.com"}


def test_field_uses_records_every_role():
    sql = """
    SELECT s.LASTFIRST AS name, COUNT(*) AS n
    FROM STUDENTS s
    JOIN SCHOOLS sch ON sch.SCHOOL_NUMBER = s.SCHOOLID
    WHERE s.ENROLL_STATUS = 0
    GROUP BY s.LASTFIRST, sch.NAME
    ORDER BY sch.NAME
    """
    assert field_uses(sql) == [
        FieldUse("SCHOOLS", "NAME", "grouping"),
        FieldUse("SCHOOLS", "NAME", "ordering"),
        FieldUse("SCHOOLS", "SCHOOL_NUMBER", "join"),
        FieldUse("STUDENTS", "ENROLL_STATUS", "filter"),
        FieldUse("STUDENTS", "LASTFIRST", "select"),
        FieldUse("STUDENTS", "LASTFIRST", "grouping"),
        FieldUse("STUDENTS", "SCHOOLID", "join"),
    ]


def test_unqualified_columns_resolve_through_the_dictionary():
    sql = "SELECT LASTFIRST AS name, SCHOOL_NUMBER AS school FROM STUDENTS s JOIN SCHOOLS sch ON sch.SCHOOL_NUMBER = s.SCHOOLID ORDER BY 1"
    reads = {(r.table, r.field) for r in fields_read(sql)}
    assert ("STUDENTS", "LASTFIRST") in reads and ("SCHOOLS", "SCHOOL_NUMBER") in reads
    assert analyze(sql).issues == []


def test_correlated_subquery_reads_the_outer_table():
    sql = "SELECT s.ID AS id FROM STUDENTS s WHERE EXISTS (SELECT 1 FROM CC c WHERE c.STUDENTID = s.ID AND c.SECTIONID > 0) ORDER BY 1"
    analysis = analyze(sql)
    assert analysis.issues == []
    assert {(u.table, u.field) for u in analysis.uses} == {("STUDENTS", "ID"), ("CC", "STUDENTID"), ("CC", "SECTIONID")}


def test_predicate_subquery_columns_belong_to_their_own_block():
    sql = "SELECT s.ID AS id FROM STUDENTS s WHERE s.ID IN (SELECT STUDENTID FROM CC WHERE SECTIONID > 0) ORDER BY 1"
    analysis = analyze(sql)
    assert analysis.issues == []
    assert {(u.table, u.field) for u in analysis.uses} == {("STUDENTS", "ID"), ("CC", "STUDENTID"), ("CC", "SECTIONID")}


def test_join_using_column_is_not_ambiguous_and_is_read_from_both_sides():
    analysis = analyze("SELECT STUDENTID AS sid FROM CC JOIN ATTENDANCE USING (STUDENTID) ORDER BY 1")
    assert analysis.issues == []
    assert {FieldUse("CC", "STUDENTID", "join"), FieldUse("ATTENDANCE", "STUDENTID", "join")} <= set(analysis.uses)


def test_outputs_follow_ctes_and_quoted_aliases_to_the_real_column():
    sql = """
    WITH st AS (SELECT s.LAST_NAME AS "last", s.DCID AS DCID FROM STUDENTS s)
    SELECT st."last" AS "familyName", TO_CHAR(st.DCID) AS "sourcedId", st.DCID + 1 AS n, NULL AS "status"
    FROM st
    UNION ALL
    SELECT u.LAST_NAME, TO_CHAR(u.DCID), u.DCID, NULL FROM USERS u
    ORDER BY 2
    """
    outputs = analyze(sql).outputs
    assert [o.name for o in outputs] == ["familyName", "sourcedId", "N", "status"]
    assert [o.source for o in outputs] == [("STUDENTS", "LAST_NAME"), None, None, None]
    assert [o.family for o in outputs] == ["VARCHAR2", "VARCHAR2", "NUMBER", None]


def test_column_targets_use_the_source_or_a_type_compatible_placeholder():
    sql = "SELECT s.LAST_NAME AS last, TO_CHAR(s.DCID) AS id, s.GRADE_LEVEL + 1 AS g, s.ENTRYDATE - 1 AS d FROM STUDENTS s ORDER BY 1"
    targets = column_targets(sql, None, "STUDENTS", 4)
    dictionary = powerschool_dictionary()
    assert targets[0] == "STUDENTS.LAST_NAME"
    assert dictionary.family(*targets[1].split(".")) == "VARCHAR2"
    assert dictionary.family(*targets[2].split(".")) == "NUMBER"
    assert dictionary.family(*targets[3].split(".")) == "DATE"


def test_known_wrong_names_carry_their_fix():
    issues = analyze("SELECT c.ALT_COURSE_NUMBER AS a, u.ID AS b FROM COURSES c, USERS u ORDER BY 1").issues
    assert {(i.kind, i.name) for i in issues} == {
        ("wrong-column", "COURSES.ALT_COURSE_NUMBER"),
        ("wrong-column", "USERS.ID"),
    }
    assert any("COURSESCOREFIELDS" in (i.hint or "") for i in issues)


def test_restricted_table_tag_and_connect_by_parse():
    sql = """SELECT LEVEL AS lvl, s.ID AS id FROM STUDENTS s
    WHERE <@restricted_table table="students" selector="selectedstudents"/>
    CONNECT BY PRIOR s.ID = s.SCHOOLID START WITH s.ID = 1 ORDER BY 2"""
    analysis = analyze(sql)
    assert analysis.ok and analysis.issues == []
    assert FieldUse("STUDENTS", "SCHOOLID", "filter") in analysis.uses


def test_a_table_collection_expression_reads_no_table():
    # TABLE(CAST(MULTISET(…) AS …)) has no name: its COLUMN_VALUE is no real table's column
    sql = (
        "SELECT u.DCID, n.COLUMN_VALUE FROM USERS u CROSS JOIN TABLE(CAST(MULTISET("
        "SELECT LEVEL FROM DUAL CONNECT BY LEVEL <= 3) AS SYS.ODCINUMBERLIST)) n WHERE n.COLUMN_VALUE > 1"
    )
    assert field_uses(sql) == [FieldUse("USERS", "DCID", "select")]
    assert [t[0] for t in analyze(sql).tables] == ["USERS"]


def test_parse_error_message_has_no_terminal_colour(tmp_path):
    from plugin_builder.sql.sqlparse import parse_sql

    parsed = parse_sql("SELECT (s.ID FROM STUDENTS s")
    assert not parsed.ok and "\x1b[" not in parsed.error and parsed.line == 1


# --- the project: [dictionary], [checks.suppress], derived column= and access_request ------


def add_query(project_dir, name: str, sql: str, sidecar: str) -> None:
    queries = project_dir / "queries"
    queries.mkdir(exist_ok=True)
    (queries / f"{name}.sql.j2").write_text(textwrap.dedent(sql).strip() + "\n", encoding="utf-8")
    (queries / f"{name}.toml").write_text(textwrap.dedent(sidecar), encoding="utf-8")


SIDECAR = """\
summary = "District e-mail"
group = "district"
core_table = "STUDENTS"
columns = [
  { alias = "dcid" },
  { alias = "email" },
  { alias = "label" },
]
"""
SQL = """\
/* District extension fields. */
SELECT s.DCID AS dcid,
       x.SCHOOL_EMAIL AS email,
       'S' || TO_CHAR(s.DCID) AS label
FROM STUDENTS s
JOIN U_DEF_EXT_STUDENTS x ON x.STUDENTSDCID = s.DCID
WHERE s.ENROLL_STATUS = 0
ORDER BY 1
"""


def configure(project_dir, extra: str, oauth: bool = False):
    config = project_dir / "plugin.toml"
    text = config.read_text(encoding="utf-8") + "\n" + textwrap.dedent(extra)
    if oauth:
        text = text.replace("oauth = false", "oauth = true")
    config.write_text(text, encoding="utf-8")
    return config


def test_undeclared_extension_column_is_a_warning_at_the_template_line(project_dir):
    add_query(project_dir, "district_email", SQL, SIDECAR)
    result = validate(project_dir / "plugin.toml", ("district_email",))
    unknown = [f for f in result.findings if f.code == "SQ305"]
    assert [(f.file, f.line, f.column) for f in unknown] == [("queries/district_email.sql.j2", 3, 8)]
    assert result.ok  # a warning: PowerSchool versions and districts differ


def test_declared_extensions_fill_column_and_access_request(project_dir):
    add_query(project_dir, "district_email", SQL, SIDECAR)
    config = configure(
        project_dir,
        '[dictionary]\nextensions = { U_DEF_EXT_STUDENTS = ["STUDENTSDCID", "SCHOOL_EMAIL"] }\n',
        oauth=True,
    )
    result = validate(config, ("district_email",))
    assert result.findings == []
    queries_xml = next(v for k, v in result.tree.files.items() if k.endswith("district.named_queries.xml"))
    columns = etree.fromstring(queries_xml).findall(".//column")
    assert [c.get("column") for c in columns][:2] == ["STUDENTS.DCID", "U_DEF_EXT_STUDENTS.SCHOOL_EMAIL"]
    assert powerschool_dictionary().family(*columns[2].get("column").split(".")) == "VARCHAR2"
    fields = etree.fromstring(result.tree.files["plugin.xml"]).findall(".//p:access_request/p:field", NS)
    pairs = [(f.get("table"), f.get("field")) for f in fields]
    assert pairs == sorted(set(pairs))
    assert {f.get("access") for f in fields} == {"ViewOnly"}
    assert {
        ("STUDENTS", "ENROLL_STATUS"),
        ("U_DEF_EXT_STUDENTS", "STUDENTSDCID"),
        ("U_DEF_EXT_STUDENTS", "SCHOOL_EMAIL"),
    } <= set(pairs)


def test_extensions_from_a_side_file(project_dir):
    add_query(project_dir, "district_email", SQL, SIDECAR)
    (project_dir / "extensions.toml").write_text(
        '[U_DEF_EXT_STUDENTS]\nSTUDENTSDCID = "NUMBER"\nSCHOOL_EMAIL = "VARCHAR2"\n'
    )
    config = configure(project_dir, '[dictionary]\nfile = "extensions.toml"\n')
    assert validate(config, ("district_email",)).findings == []


@pytest.mark.parametrize(
    "extra, key",
    [
        ('[dictionary]\nextensions = { U_X = "EMAIL" }\n', "dictionary.extensions.U_X"),
        ('[dictionary]\nextensions = { U_X = { EMAIL = "TEXT" } }\n', "dictionary.extensions.U_X"),
        ('[dictionary]\nfile = "missing.toml"\n', "dictionary.file"),
        ('[checks.suppress]\none_roster_users = { SQ315 = "" }\n', "checks.suppress.one_roster_users"),
        ('[checks.suppress]\none_roster_users = { BOGUS = "x" }\n', "checks.suppress.one_roster_users"),
    ],
)
def test_bad_dictionary_or_suppression_config_names_the_key(project_dir, extra, key):
    config = configure(project_dir, extra)
    with pytest.raises(ConfigError) as error:
        load_project(config)
    assert any(p.key == key and p.line for p in error.value.problems), error.value.problems


def test_a_rule_is_suppressed_per_query_only_with_a_reason(project_dir, runner):
    add_query(project_dir, "district_email", SQL.replace("x.SCHOOL_EMAIL", "x.SSN"), SIDECAR)
    config = configure(project_dir, '[dictionary]\nextensions = { U_DEF_EXT_STUDENTS = ["STUDENTSDCID", "SSN"] }\n')
    before = runner.invoke(main, ["validate", "-c", str(config), "--select", "district_email", "--format", "json"])
    assert before.exit_code == 1
    assert [f["code"] for f in json.loads(before.output)["findings"]] == ["SQ315"]
    config.write_text(
        config.read_text() + '\n[checks.suppress]\ndistrict_email = { SQ315 = "state reporting matches on SSN" }\n'
    )
    after = runner.invoke(main, ["validate", "-c", str(config), "--select", "district_email", "--format", "json"])
    assert after.exit_code == 0, after.output
    assert json.loads(after.output)["findings"] == []


def test_odd_column_references_do_not_crash_the_analysis():
    for sql in [
        "SELECT s.ID AS id FROM STUDENTS s WHERE s.ENROLL_STATUS = x.0 ORDER BY 1",
        "SELECT PRIOR (SELECT 1 FROM DUAL) AS p FROM DUAL",
    ]:
        analyze(sql)  # no exception


def test_a_failing_rule_is_reported_and_the_others_still_run(monkeypatch, tmp_path):
    import zipfile

    from plugin_builder.build.lint import lint
    from plugin_builder.checks import RULES, Rule

    def broken(ctx, query):
        raise ValueError("boom")
        yield  # pragma: no cover

    original = RULES["SQ311"]
    monkeypatch.setitem(RULES, "SQ311", Rule(original.code, original.name, original.severity, "query", broken))
    path = tmp_path / "p.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "plugin.xml",
            '<plugin xmlns="http://plugin.powerschool.pearson.com" name="R" version="1"><publisher name="x"><contact email="a@b.org"/></publisher></plugin>',
        )
        archive.writestr(
            "queries_root/a.named_queries.xml",
            '<queries><query name="org.example.a.b" coreTable="students"><columns><column column="STUDENTS.ID">id</column></columns>'
            "<sql><![CDATA[SELECT s.ID AS id FROM STUDENTS s;]]></sql></query></queries>",
        )
    codes = {f.code for f in lint(path).findings}
    assert {"PB900", "SQ302"} <= codes


def test_a_with_query_does_not_see_the_outer_from_clause():
    sql = "WITH a AS (SELECT ID AS x FROM CC) SELECT s.ID AS id FROM STUDENTS s JOIN a ON a.x = s.ID ORDER BY 1"
    assert analyze(sql).issues == []
    sql = "WITH a AS (SELECT LASTFIRST AS x FROM CC) SELECT s.ID AS id FROM STUDENTS s JOIN a ON a.x = s.ID ORDER BY 1"
    assert [i.name for i in analyze(sql).issues] == ["CC.LASTFIRST"]  # not STUDENTS.LASTFIRST of the outer block

"""Rendering: plugin.xml and named_queries.xml are valid, escaped, and point back to templates."""

from __future__ import annotations

import dataclasses

import pytest
import xmlschema
from lxml import etree

from conftest import EXAMPLE_CONFIG
from helpers import CUSTOM_QUERY_TOML, example_config, write_tree
from plugin_builder.project.catalog import load_catalog
from plugin_builder.checks import check_tree
from plugin_builder.project.config import load_project
from plugin_builder.errors import TemplateError
from plugin_builder.build.render import render_plugin
from plugin_builder.resources import data_path

NS = "{http://plugin.powerschool.pearson.com}"


def render(project):
    return render_plugin(project, load_catalog(project))


@pytest.fixture
def example():
    return load_project(EXAMPLE_CONFIG)


def test_tree_layout(example):
    tree = render(example)
    assert sorted(tree.files) == [
        "plugin.xml",
        "queries_root/us.ca.k12.exampleusd.rostering.oneroster.named_queries.xml",
    ] or all(p == "plugin.xml" or p.startswith("queries_root/") for p in tree.files)
    assert "plugin.xml" in tree.files


def test_rendered_xml_is_valid_against_our_schemas(example):
    tree = render(example)
    plugin_schema = xmlschema.XMLSchema11(str(data_path("plugin.xsd")))
    queries_schema = xmlschema.XMLSchema11(str(data_path("named_queries.xsd")))
    plugin_schema.validate(tree.files["plugin.xml"].decode())
    for path, data in tree.files.items():
        if path.startswith("queries_root/"):
            queries_schema.validate(data.decode())
    assert check_tree(tree, example) == []


def test_plugin_attributes_are_escaped(example):
    plugin = dataclasses.replace(example.plugin, name='R&D <"Roster">', description="a & b < c")
    tree = render(dataclasses.replace(example, plugin=plugin))
    root = etree.fromstring(tree.files["plugin.xml"])
    assert root.get("name") == 'R&D <"Roster">'
    assert root.get("description") == "a & b < c"
    assert root.find(f"{NS}publisher/{NS}contact").get("email") == example.plugin.contact_email


def test_sql_is_in_cdata_and_round_trips(example):
    tree = render(example)
    for query in tree.queries:
        data = tree.files[query.xml_file]
        assert b"<![CDATA[" in data
        root = etree.fromstring(data)
        element = root.find(f"query[@name='{query.full_name}']")
        assert element.findtext("sql").strip() == query.sql
        aliases = [c.text for c in element.iterfind("columns/column")]
        assert aliases == query.spec.headers
        assert element.get("coreTable") == query.spec.core_table
        args = element.findall("args/arg")
        assert all(a.get("column") for a in args), "an arg without column hides the query from DEM"


def test_oauth_derives_a_view_only_access_request(example):
    project = dataclasses.replace(example, plugin=dataclasses.replace(example.plugin, oauth=True))
    tree = render(project)
    root = etree.fromstring(tree.files["plugin.xml"])
    assert root.find(f"{NS}oauth") is not None
    fields = [(f.get("table"), f.get("field"), f.get("access")) for f in root.iterfind(f"{NS}access_request/{NS}field")]
    assert {a for _, _, a in fields} == {"ViewOnly"}
    pairs = [(t, f) for t, f, _ in fields]
    assert pairs == sorted(set(pairs))
    assert ("STUDENTS", "DCID") in pairs  # output
    assert ("SCHOOLSTAFF", "USERS_DCID") in pairs  # join only
    assert ("STUDENTS", "ENROLL_STATUS") in pairs  # filter only
    # A <column column=…> placeholder (users.csv password -> STUDENTS.LASTFIRST) that no SQL
    # reads is no read: it stays out of the API client's rights.
    assert not any("STUDENTS.LASTFIRST" in q.sql.upper() or "S.LASTFIRST" in q.sql.upper() for q in tree.queries)
    assert ("STUDENTS", "LASTFIRST") not in pairs


def test_permission_page_adds_mappings_for_every_query(example):
    project = dataclasses.replace(
        example, plugin=dataclasses.replace(example.plugin, permission_page="/admin/home.html")
    )
    tree = render(project)
    (path,) = [p for p in tree.files if p.startswith("permissions_root/")]
    root = etree.fromstring(tree.files[path])
    assert root.find("permission").get("name") == "/admin/home.html"
    implied = [i.text for i in root.iter("implies")]
    assert implied == [f"/ws/schema/query/{q.full_name}" for q in tree.queries]
    assert {i.get("allow") for i in root.iter("implies")} == {"post"}


def test_project_queries_join_the_catalogue(tmp_path):
    write_tree(
        tmp_path,
        {
            "plugin.toml": example_config(),
            "queries/students_by_school.sql.j2": "SELECT s.ID AS id, s.SCHOOLID AS school\nFROM STUDENTS s\nORDER BY s.ID\n",
            "queries/students_by_school.toml": CUSTOM_QUERY_TOML,
        },
    )
    project = load_project(tmp_path / "plugin.toml")
    tree = render(project)
    assert "queries_root/us.ca.k12.exampleusd.rostering.custom.named_queries.xml" in tree.files
    assert check_tree(tree, project) == []


def test_sql_findings_point_at_the_template_line(tmp_path):
    write_tree(
        tmp_path,
        {
            "plugin.toml": example_config(),
            "queries/students_by_school.sql.j2": """
                {# a comment line that renders to nothing #}
                SELECT s.ID AS id,
                       s.SCHOOLID AS school
                FROM STUDENTS s
                WHERE s.ENROLL_STATUS IN ({{ oneroster.parent | lits }})
                ORDER BY s.ID;
            """,
            "queries/students_by_school.toml": CUSTOM_QUERY_TOML,
        },
    )
    project = load_project(tmp_path / "plugin.toml")
    findings = check_tree(render(project), project)
    (finding,) = [f for f in findings if f.code == "SQ302"]
    assert finding.file == "queries/students_by_school.sql.j2"
    assert finding.line == 6


@pytest.mark.parametrize(
    "body, message, line",
    [
        (
            "SELECT s.ID AS id, 1 AS school FROM STUDENTS s\nWHERE s.LAST_NAME = '{{ plugin.name }}'\n",
            "would paste a value into SQL unquoted",
            2,
        ),
        (
            "SELECT s.ID AS id, 1 AS school\nFROM STUDENTS s\nWHERE {{ no_such_thing | lit }} = 1\n",
            "'no_such_thing' is undefined",
            3,
        ),
        ("SELECT s.ID AS id, 1 AS school\n{% if csv.quotes %}\nFROM STUDENTS s\n", "template syntax error", 3),
    ],
    ids=["unquoted-config-value", "undefined-name", "syntax-error"],
)
def test_template_mistakes_name_the_file_and_line(tmp_path, body, message, line):
    write_tree(
        tmp_path,
        {
            "plugin.toml": example_config(),
            "queries/students_by_school.sql.j2": body,
            "queries/students_by_school.toml": CUSTOM_QUERY_TOML,
        },
    )
    project = load_project(tmp_path / "plugin.toml")
    with pytest.raises(TemplateError) as raised:
        render(project)
    (problem,) = raised.value.problems
    assert message in problem.message
    assert problem.file.endswith("students_by_school.sql.j2")
    assert problem.line == line


def test_config_values_reach_sql_as_literals(example):
    project = dataclasses.replace(
        example,
        oneroster=dataclasses.replace(example.oneroster, parent=("Mother's partner", "Dad:step")),
    )
    tree = render(project)
    sql = next(q.sql for q in tree.queries if q.spec.name == "one_roster_users")
    assert "'Mother''s partner'" in sql
    assert "'Dad' || CHR(58) || 'step'" in sql  # ':' + letter would read as a bind
    assert check_tree(tree, project) == []


def test_a_copy_of_the_catalogue_beside_plugin_toml_renders_as_the_catalogue(tmp_path):
    """The example project at the repository root sits beside the source catalogue: with a
    non-editable install its queries/ is a copy, which renders the same and is noted (info)."""
    import shutil

    from plugin_builder.resources import builtin_queries_dir

    shutil.copytree(builtin_queries_dir(), tmp_path / "queries")
    write_tree(tmp_path, {"plugin.toml": example_config()})
    project = load_project(tmp_path / "plugin.toml")
    specs = load_catalog(project)
    assert {s.origin for s in specs} == {"project"} and all(s.unchanged_copy for s in specs)
    plain = dataclasses.replace(project, config_path=tmp_path / "elsewhere" / "plugin.toml")
    assert [q.sql for q in render(project).queries] == [q.sql for q in render(plain).queries]
    assert {f.code for f in check_tree(render(project), project)} == {"PQ234", "PQ235"}  # notes only
    changed = tmp_path / "queries" / "one_roster_users.sql.j2"
    changed.write_text(changed.read_text() + "\n-- edited\n")
    # An edited copy replaces the built-in, and validate says so.
    by_name = {s.name: s for s in load_catalog(project)}
    assert by_name["one_roster_users"].origin == "project"
    assert by_name["one_roster_users"].replaces_builtin
    assert "-- edited" in next(q.sql for q in render(project).queries if q.spec.name == "one_roster_users")
    findings = check_tree(render(project), project)
    (note,) = [f for f in findings if f.code == "PQ231"]
    assert note.severity.value == "info" and note.file == "queries/one_roster_users.toml"
    assert {f.code for f in findings if f.code != "PQ231"} == {"PQ234", "PQ235"}
    assert "one_roster_users" not in " ".join(f.message for f in findings if f.code == "PQ234")
    from click.testing import CliRunner

    from plugin_builder.cli import main

    listing = CliRunner().invoke(main, ["queries", "-c", str(tmp_path / "plugin.toml")]).output
    assert "(the project's, replacing the built-in)" in next(
        line for line in listing.splitlines() if "one_roster_users" in line
    )

"""Hostile values in every plugin.toml key that reaches SQL or XML.

Each value either gives a ConfigError naming the key, or is quoted so that the rendered
SQL still parses (sqlglot, Oracle) as one SELECT whose IN lists hold exactly the
configured values (evaluated on DuckDB, where ``|| CHR(58) ||`` and friends are joined
back), the SQL finds exactly the rows carrying those values, and every XML file is
well-formed, valid against our XSDs, and holds the value unchanged.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlglot import exp

from conftest import EXAMPLE_CONFIG, FIXTURES, TODAY, load_district
from hostile import ECHO_KEYS, ECHO_SCALARS, add_echo_query, config_text, write_project
from plugin_builder.sql.oracle import compat
from plugin_builder.project.catalog import load_catalog
from plugin_builder.checks import check_tree
from plugin_builder.project.config import load_project, parse_project
from plugin_builder.sql.dictionary import create_tables
from plugin_builder.errors import ConfigError
from plugin_builder.build.model import PLUGIN_NS
from plugin_builder.build.render import render_plugin, render_query
from plugin_builder.sql.sqlparse import is_select, parse_sql
from plugin_builder.build.templating import sql_literal

HOSTILE = [
    "O'Brien",
    'say "hi"',
    "a]]>b",
    "]]>",
    "x < y",
    "Tom & Jerry",
    "'; DROP TABLE students --",
    "'); DELETE FROM CODESET WHERE ('1'='1",
    "/* not a comment */",
    ":yearid",
    "at:the:end:",
    "~(gpa)",
    "~[tlist_sql]",
    '<@restricted_table table="students"/>',
    "Ñandú Élève 学生 🙂",
    "line\nbreak",
    "tab\there",
    "nul\x00byte",
    "bell\x07",
    "not xml \uffff",
    "   ",
    "x" * 5000,
]

LIST_KEYS = sorted(ECHO_KEYS)
# Keys whose values reach only XML (plus plugin.name/description/publisher, which a project
# template may also quote into SQL).
PLUGIN_TEXT_KEYS = ["name", "description", "publisher", "contact_email", "contact_phone"]

# The example config's rendering of the echo query, for tests that only vary config.
XML_RULES = {"PS100", "PS101", "PQ200", "PQ201"}


@pytest.fixture(scope="module")
def echo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("echo")
    write_project(folder)
    add_echo_query(folder)
    return folder


def load(folder: Path, overrides) -> object:
    return parse_project(config_text(overrides), folder / "plugin.toml")


def configured(project, dotted: str):
    section, key = dotted.split(".")
    return getattr(getattr(project, section), key)


def set_override(dotted: str, value) -> dict:
    section, key = dotted.split(".")
    return {section: {key: value}}


# --- SQL ---------------------------------------------------------------------------------


def in_lists(sql: str) -> list[tuple[object, ...]]:
    """Parse the SQL as one SELECT and evaluate the items of each IN list on DuckDB.

    The items are computed by DuckDB through the Oracle shim, so ``'a' || CHR(58) || 'b'``
    counts as the value ``a:b`` it stands for.
    """
    parsed = parse_sql(sql)
    assert parsed.ok, parsed.error
    assert len(parsed.statements) == 1
    statement = parsed.statements[0]
    assert is_select(statement)
    lists = [node.expressions for node in statement.find_all(exp.In)]
    items = [item for items in lists for item in items]
    select = ", ".join(f"{item.sql(dialect='oracle')} AS v{i}" for i, item in enumerate(items))
    values = iter(compat.run(echo_database(), f"SELECT {select} FROM DUAL", {}, TODAY)[0])
    return [tuple(next(values) for _ in items) for items in lists]


ECHO_TABLES = sorted({table for table, _ in {**ECHO_KEYS, **ECHO_SCALARS}.values()})


@functools.cache
def echo_database() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_tables(con, ECHO_TABLES)
    compat.prepare_connection(con)
    return con


def run_echo(project, sql: str) -> set[tuple[str, str]]:
    """Run the echo query on tables holding every configured value and near misses."""
    con = echo_database()
    for table in ECHO_TABLES:
        con.execute(f'DELETE FROM "{table}"')
    rows: dict[tuple[str, str], set[str]] = {}
    for key, target in {**ECHO_KEYS, **ECHO_SCALARS}.items():
        value = configured(project, key)
        for v in value if isinstance(value, tuple) else (value,):
            near_misses = {sql_literal(v), v.replace("'", "''"), v + " ", f"'{v}'"}
            rows.setdefault(target, set()).update({v} | near_misses)
    for (table, column), values in rows.items():
        con.executemany(f'INSERT INTO "{table}" ("{column}") VALUES (?)', [[v] for v in sorted(values)])
    return set(compat.run(con, sql, {}, TODAY))


def expected_echo(project) -> set[tuple[str, str]]:
    rows = set()
    for key in ECHO_KEYS:
        rows |= {(key, v) for v in configured(project, key)}
    for key in ECHO_SCALARS:
        rows.add((key, configured(project, key)))
    # Oracle has no empty string: '' is NULL and equals nothing.
    return {row for row in rows if row[1] != ""}


# What PowerSchool reads in SQL text even inside a string literal: a bind, PS-HTML tags,
# restricted_table, and the end of the CDATA section the SQL sits in.
READ_INSIDE_LITERALS = re.compile(r":[A-Za-z_]|~\(|~\[|<@|]]>")


def assert_same_meaning(project) -> None:
    spec = next(s for s in load_catalog(project, ("config_echo",)))
    sql = render_query(project, spec).sql
    # The echo query has no binds or tags of its own: any of these came from a value.
    assert not READ_INSIDE_LITERALS.search(sql), READ_INSIDE_LITERALS.search(sql)
    lists = in_lists(sql)
    # An empty list is written IN (NULL): it matches nothing.
    expected = [configured(project, k) or (None,) for k in ECHO_KEYS]
    assert sorted(lists, key=repr) == sorted(expected, key=repr)
    assert run_echo(project, sql) == expected_echo(project)


# --- XML ---------------------------------------------------------------------------------


def assert_xml_holds(project) -> None:
    """Every XML file is valid and plugin.xml's attributes are the configured text."""
    specs = load_catalog(project, ("config_echo",))
    tree = render_plugin(project, specs)
    findings = [f for f in check_tree(tree, project) if f.code in XML_RULES]
    assert findings == []
    root = etree.fromstring(tree.files["plugin.xml"])
    assert root.tag == f"{{{PLUGIN_NS}}}plugin"
    plugin = project.plugin
    assert root.get("name") == plugin.name
    assert root.get("description") == plugin.description
    assert root.get("version") == plugin.version
    publisher = root.find(f"{{{PLUGIN_NS}}}publisher")
    assert publisher.get("name") == plugin.publisher
    contact = publisher.find(f"{{{PLUGIN_NS}}}contact")
    assert contact.get("email") == plugin.contact_email
    assert (contact.get("phone") or "") == plugin.contact_phone
    names = [q.get("name") for data in tree.files.values() for q in etree.fromstring(data).iter("query")]
    assert names == [f"{plugin.namespace}.config_echo"]


def assert_refused(folder: Path, overrides, dotted: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load(folder, overrides)
    problems = caught.value.problems
    assert any(p.key == dotted for p in problems), [str(p) for p in problems]
    assert all(p.line for p in problems if p.key == dotted), "the message names the line"
    return caught.value


# --- example-based cases -------------------------------------------------------------------


def unwritable(value: str) -> bool:
    """What no code may hold: control characters, U+FFFF (not XML), empty, over 100."""
    return any(ord(c) < 32 or c == "\uffff" for c in value) or not 1 <= len(value) <= 100


@pytest.mark.parametrize("key", LIST_KEYS)
def test_hostile_codes_are_refused_or_quoted_with_the_same_meaning(echo_dir, key):
    accepted = []
    for value in HOSTILE:
        try:
            load(echo_dir, set_override(key, [value]))
        except ConfigError as error:
            assert any(p.key == key and p.line for p in error.problems), str(error)
            assert unwritable(value), f"{value!r} was refused: {error}"
            continue
        assert not unwritable(value), f"{value!r} was accepted"
        accepted.append(value)
    # Every writable hostile value at once, in one list.
    project = load(echo_dir, set_override(key, accepted))
    assert configured(project, key) == tuple(accepted)
    assert_same_meaning(project)
    assert_xml_holds(project)


@pytest.mark.parametrize("key", PLUGIN_TEXT_KEYS)
@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:20]))
def test_hostile_plugin_text_is_refused_or_kept_exactly(echo_dir, key, value):
    dotted = f"plugin.{key}"
    if key == "contact_email":
        value = f"{value}@example.org"
    overrides = set_override(dotted, value)
    try:
        project = load(echo_dir, overrides)
    except ConfigError as error:
        assert any(p.key == dotted for p in error.problems), str(error)
        return
    assert configured(project, dotted) == value
    assert_xml_holds(project)
    if dotted in ECHO_SCALARS:
        assert_same_meaning(project)


@pytest.mark.parametrize(
    "dotted, value",
    [
        ("plugin.name", "line\nbreak"),
        ("plugin.name", "   "),
        ("plugin.name", "x" * 41),
        ("plugin.name", "not xml \uffff"),
        ("plugin.description", "tab\there"),
        ("plugin.description", "x" * 257),
        ("plugin.publisher", "bell\x07"),
        ("plugin.publisher", ""),
        ("plugin.contact_email", "it@example.org\n"),
        ("plugin.contact_email", "i\x01t@example.org"),
        ("plugin.contact_email", "<it>@example.org" + "x" * 40),
        ("plugin.version", "1.0\n"),
        ("plugin.version", "1.0 "),
        ("plugin.version", "１.０"),  # fullwidth digits: \d would accept them
        ("plugin.version", "1.0'; --"),
        ("plugin.version", "1" + ".0" * 10),
        ("plugin.namespace", "org.example\n"),
        ("plugin.namespace", "org.example.]]>"),
        ("plugin.namespace", "org.ex ample"),
        ("plugin.namespace", "org..example"),
        ("plugin.namespace", "com.powerschool.mine"),
        ("plugin.namespace", "a." + "b" * 150),
        ("plugin.permission_page", "/admin/home.html\n"),
        ("plugin.permission_page", "/admin/../etc.html"),
        ("plugin.permission_page", '/admin/"home".html'),
        ("edfi.state_prefix", "35\n"),
        ("edfi.state_prefix", "٣٥"),  # Arabic-Indic digits
        ("edfi.state_prefix", "3'"),
        ("edfi.state_prefix", "355"),
        ("oneroster.parent", ["Mother\n"]),
        ("oneroster.parent", ["x" * 101]),
        ("oneroster.parent", [""]),
        ("attendance.tardy_codes", ["T\n"]),
        ("edfi.cohort_programs", ["Gifted\r"]),
        ("queries.include", ["one_roster_*\n"]),
    ],
    ids=repr,
)
def test_value_that_cannot_be_written_is_refused_naming_the_key(echo_dir, dotted, value):
    assert_refused(echo_dir, set_override(dotted, value), dotted)


def test_a_code_with_every_special_sequence_finds_its_own_rows_in_the_real_catalogue():
    """one_roster_users with hostile relationship codes exports the same contacts as before."""
    hostile = "Mo'ther ]]> :yearid ~( <@ --"
    baseline_project = load_project(EXAMPLE_CONFIG)
    project = dataclasses.replace(
        baseline_project,
        oneroster=dataclasses.replace(baseline_project.oneroster, parent=(hostile, "Father")),
    )
    spec = next(s for s in load_catalog(project) if s.name == "one_roster_users")

    def users(project, code: str) -> list[tuple]:
        con = load_district(FIXTURES / "district")
        con.execute("UPDATE CODESET SET CODE = ? WHERE CODE = 'Mother'", [code])
        return compat.run(con, render_query(project, spec).sql, {"yearid": None}, TODAY)

    expected = users(baseline_project, "Mother")
    assert any(row[5] == "parent" for row in expected)
    assert users(project, hostile) == expected
    # And the literal really is split (no bind, no CDATA end, no PS-HTML tag in the SQL text).
    sql = render_query(project, spec).sql
    assert ":yearid ~(" not in sql and "]]>" not in sql
    # A near miss does not match: the mother is no longer exported as a parent.
    assert users(project, "Mother") != expected


# --- property-based ---------------------------------------------------------------------------

PROPERTY = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Any text, with the sequences that SQL, XML and PowerSchool read specially mixed in.
SPECIAL = ["'", '"', "]]>", "<", "&", ":a", "~(", "~[", "<@", "\n", "\uffff", "--", "/*", ";"]
any_text = st.text(st.characters(codec="utf-8"), max_size=8)
printable_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=8)
free_text = st.lists(any_text | printable_text | st.sampled_from(SPECIAL), max_size=8).map("".join)


@PROPERTY
@given(key=st.sampled_from(["name", "description", "publisher", "contact_email", "contact_phone"]), value=free_text)
def test_property_free_text_is_refused_or_kept_exactly(echo_dir, key, value):
    dotted = f"plugin.{key}"
    if key == "contact_email":
        value = f"{value}@example.org"
    try:
        project = load(echo_dir, set_override(dotted, value))
    except ConfigError as error:
        assert {p.key for p in error.problems} == {dotted}, str(error)
        return
    assert configured(project, dotted) == value
    assert_xml_holds(project)
    if dotted in ECHO_SCALARS:
        assert_same_meaning(project)


@PROPERTY
@given(codes=st.lists(free_text, max_size=4), key=st.sampled_from(LIST_KEYS))
def test_property_codes_are_refused_or_quoted_with_the_same_meaning(echo_dir, key, codes):
    try:
        project = load(echo_dir, set_override(key, codes))
    except ConfigError as error:
        # Duplicates across lists are refused under the other key of the pair.
        assert error.problems and all(p.key and p.line for p in error.problems), str(error)
        return
    assert configured(project, key) == tuple(codes)
    assert_same_meaning(project)
    assert_xml_holds(project)


namespace_text = st.text(st.sampled_from("abcXYZ019_-.é ]>'\n"), min_size=0, max_size=30)


@PROPERTY
@given(namespace=namespace_text | st.from_regex(r"[a-z]{1,8}(\.[a-z0-9_-]{1,8}){0,4}", fullmatch=True))
def test_property_namespace_is_refused_or_names_every_query(echo_dir, namespace):
    try:
        project = load(echo_dir, set_override("plugin.namespace", namespace))
    except ConfigError as error:
        assert {p.key for p in error.problems} == {"plugin.namespace"}, str(error)
        return
    assert all(part and all(c.isascii() and (c.isalnum() or c in "_-") for c in part) for part in namespace.split("."))
    assert_xml_holds(project)
    tree = render_plugin(project, load_catalog(project, ("config_echo",)))
    assert f"queries_root/{namespace}.echo.named_queries.xml" in tree.files


@PROPERTY
@given(
    version=st.text(st.sampled_from("0123456789.١５ a\n-"), max_size=24)
    | st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}", fullmatch=True)
)
def test_property_version_is_refused_or_dotted_ascii_digits(echo_dir, version):
    try:
        project = load(echo_dir, set_override("plugin.version", version))
    except ConfigError as error:
        assert {p.key for p in error.problems} == {"plugin.version"}, str(error)
        return
    parts = version.split(".")
    assert len(version) <= 20 and all(p and all(c in "0123456789" for c in p) for p in parts)
    assert project.zip_name.endswith(f"-{version}.zip")
    assert_xml_holds(project)


@pytest.mark.parametrize("page", ["/admin/home.html", "/admin/students/more_info-2.html"])
def test_permission_page_reaches_valid_permission_mappings(echo_dir, page):
    project = load(echo_dir, set_override("plugin.permission_page", page))
    tree = render_plugin(project, load_catalog(project, ("config_echo",)))
    path = f"permissions_root/{project.plugin.namespace}.permission_mappings.xml"
    root = etree.fromstring(tree.files[path])
    assert root.find("permission").get("name") == page
    assert [f for f in check_tree(tree, project) if f.code in XML_RULES] == []


@pytest.mark.parametrize(
    "section, key, value, problem_key",
    [
        ("dictionary", "extensions", {"S_NM_SEC_X\n": ["SPECIALPROGRAMCODE"]}, "dictionary.extensions"),
        ("dictionary", "extensions", {"S_NM_SEC_X": ["CODE\n"]}, "dictionary.extensions"),
        ("dictionary", "extensions", {"S_NM_SEC_X": ["CODE]]>"]}, "dictionary.extensions"),
        ("dictionary", "extensions", {"U_X": ["１D"]}, "dictionary.extensions"),
        ("checks", "suppress", {"one_roster_users": {"SQ315\n": "reviewed"}}, "checks.suppress"),
        ("checks", "suppress", {"one_roster_users": {"SQ３15": "reviewed"}}, "checks.suppress"),
    ],
    ids=repr,
)
def test_extension_names_and_rule_codes_are_refused_when_malformed(echo_dir, section, key, value, problem_key):
    """Extension tables and columns become identifiers in access_request; codes name rules."""
    with pytest.raises(ConfigError) as caught:
        load(echo_dir, {section: {key: value}})
    assert any(p.key and p.key.startswith(problem_key) and p.line for p in caught.value.problems), str(caught.value)

"""The three foundation queries run on DuckDB against the base fixture district.

Expected rows are in tests/fixtures/expected/ (one CSV per query, written by hand and
checked row by row; tests/fixtures/district/README.md says which row covers which rule).
"""

from __future__ import annotations

import csv
import dataclasses

import pytest

from conftest import EXAMPLE_CONFIG, FIXTURES, TODAY
from plugin_builder.sql.oracle import compat
from plugin_builder.sql.oracle.binds import arg_families, typed_binds
from plugin_builder.project.catalog import load_catalog
from plugin_builder.project.config import load_project
from plugin_builder.build.render import render_query

# OneRoster 1.1 headers, copied from the OneRoster 1.1 CSV specification (independent of our sidecars).
ONEROSTER_HEADERS = {
    "one_roster_users": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password",
    "one_roster_classes": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
    "one_roster_enrollments": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate",
}


def _project(**csv_options):
    project = load_project(EXAMPLE_CONFIG)
    if csv_options:
        project = dataclasses.replace(project, csv=dataclasses.replace(project.csv, **csv_options))
    return project


def run_query(district, name: str, project=None, **binds) -> list[list[str]]:
    project = project or _project()
    spec = next(s for s in load_catalog(project) if s.name == name)
    rendered = render_query(project, spec)
    values = typed_binds(spec.args, binds)  # as PowerSchool binds them: by each arg's column=
    rows = compat.run(district, rendered.sql, values, TODAY, arg_families(spec.args))
    return [["" if v is None else str(v) for v in row] for row in rows]


def read_expected(name: str) -> tuple[list[str], list[list[str]]]:
    with open(FIXTURES / "expected" / f"{name}.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


@pytest.mark.parametrize(
    "query, yearid, expected",
    [
        ("one_roster_users", None, "one_roster_users"),
        ("one_roster_classes", None, "one_roster_classes"),
        ("one_roster_classes", 34, "one_roster_classes.yearid-34"),
        ("one_roster_enrollments", None, "one_roster_enrollments"),
        ("one_roster_enrollments", 34, "one_roster_enrollments.yearid-34"),
    ],
)
def test_query_returns_expected_rows(district, query, yearid, expected):
    header, rows = read_expected(expected)
    assert run_query(district, query, yearid=yearid) == rows


@pytest.mark.parametrize("query", sorted(ONEROSTER_HEADERS))
def test_aliases_are_the_oneroster_headers(query):
    spec = next(s for s in load_catalog(_project()) if s.name == query)
    assert ",".join(spec.headers) == ONEROSTER_HEADERS[query]
    header, _ = read_expected(query)
    assert header == spec.headers


def test_every_enrollment_points_at_an_exported_user_and_class(district):
    users = {row[0] for row in run_query(district, "one_roster_users")}
    classes = {row[0]: row[9] for row in run_query(district, "one_roster_classes")}
    enrollments = run_query(district, "one_roster_enrollments")
    assert enrollments
    for row in enrollments:
        assert row[5] in users, row
        assert row[3] in classes, row
        assert row[4] == classes[row[3]], row  # school of the class


def test_agent_links_go_both_ways(district):
    users = {row[0]: row for row in run_query(district, "one_roster_users")}
    agents = {uid: set(filter(None, row[15].split(","))) for uid, row in users.items()}
    pairs = {(a, b) for a, linked in agents.items() for b in linked}
    assert pairs, "the fixture has student-contact links"
    for a, b in pairs:
        assert b in users, f"{a} points at {b}, which is not exported"
        assert (b, a) in pairs, f"{a} -> {b} has no link back"


def test_at_most_one_primary_teacher_per_class_and_date(district):
    primary = [r for r in run_query(district, "one_roster_enrollments") if r[7] == "true"]
    by_class: dict[str, list[tuple[str, str]]] = {}
    for row in primary:
        by_class.setdefault(row[3], []).append((row[8], row[9]))
    for spans in by_class.values():
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert end < start


def test_without_csv_quotes_lists_keep_their_first_value_and_text_loses_commas(district):
    project = _project(quotes=False)
    users = {row[0]: row for row in run_query(district, "one_roster_users", project)}
    assert users["T801"][4] == "200"  # home school only
    assert users["S101"][15] == "C5001"  # first contact only
    assert users["S102"][9] == "O'Brien  Jr."  # comma became a space
    classes = {row[0]: row for row in run_query(district, "one_roster_classes", project)}
    assert classes["11"][3] == "Algebra  Part  1  - 2"  # comma and quotes became spaces


def test_relationship_codes_come_from_config(district):
    project = load_project(EXAMPLE_CONFIG)
    project = dataclasses.replace(
        project,
        oneroster=dataclasses.replace(project.oneroster, relative=("Grandmother", "Neighbor")),
    )
    users = {row[0]: row for row in run_query(district, "one_roster_users", project)}
    assert users["C5005"][5] == "relative"
    assert "C5005" in users["S101"][15].split(",")


def test_teacher_roles_come_from_config(district):
    project = load_project(EXAMPLE_CONFIG)
    project = dataclasses.replace(
        project,
        oneroster=dataclasses.replace(project.oneroster, secondary_teacher_roles=("Co-teacher", "Teacher's Aide")),
    )
    rows = {row[0]: row for row in run_query(district, "one_roster_enrollments", project)}
    assert rows["T7003"][6:8] == ["teacher", "false"]  # the aide, now a secondary teacher

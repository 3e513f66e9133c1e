"""No single row can fail or shorten an export: a guardian of 1,000 students, a student with
20 contacts and a teacher of many sections export every link (LISTAGG would fail past 4,000
bytes and stop every user)."""

from __future__ import annotations

import duckdb
import pytest

from plugin_builder.build.render import render_query
from plugin_builder.preview.synthetic import AGENCY_PERSON_ID, DEFAULT_TODAY, generate
from plugin_builder.project.catalog import load_catalog
from plugin_builder.project.config import load_project
from plugin_builder.sql.oracle import compat
from plugin_builder.sql.oracle.binds import arg_families, typed_binds
from tests.helpers import EXAMPLE_CONFIG


@pytest.fixture(scope="module")
def users():
    con = duckdb.connect()
    generate(con, 1200, seed=1)
    project = load_project(EXAMPLE_CONFIG)
    spec = next(s for s in load_catalog(project) if s.name == "one_roster_users")
    cursor = compat.execute(
        con, render_query(project, spec).sql, typed_binds(spec.args, {}), DEFAULT_TODAY, arg_families(spec.args)
    )
    headers = [d[0] for d in cursor.description]
    rows = [dict(zip(headers, row)) for row in cursor.fetchall()]
    return {row["sourcedId"]: row for row in rows}


def _agents(row) -> list[str]:
    return row["agentSourcedIds"].split(",") if row["agentSourcedIds"] else []


def test_a_guardian_of_1000_students_exports_every_link_both_ways(users):
    agency = users[f"C{AGENCY_PERSON_ID}"]
    students = _agents(agency)
    assert len(students) == 1000 and len(set(students)) == 1000
    assert len(agency["agentSourcedIds"].encode()) > 4000  # past LISTAGG's limit
    for student in students:
        assert users[student]["role"] == "student"
        assert f"C{AGENCY_PERSON_ID}" in _agents(users[student])


def test_a_student_with_20_contacts_lists_them_all(users):
    busy = [row for row in users.values() if row["role"] == "student" and len(_agents(row)) >= 21]
    assert busy
    contacts = [a for a in _agents(busy[0]) if int(a[1:]) >= AGENCY_PERSON_ID]
    assert len(contacts) >= 21  # the agency and the 20 contacts
    for contact in _agents(busy[0]):
        assert busy[0]["sourcedId"] in _agents(users[contact])

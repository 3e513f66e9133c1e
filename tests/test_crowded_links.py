"""No single row can fail an export: a guardian of 1,000 students, a student with 20
contacts and a teacher of many sections. Plain LISTAGG would fail past 4,000 bytes (ORA-01489)
and stop every user; the catalogue's lists keep the whole values that fit (LISTAGG … ON
OVERFLOW TRUNCATE), and since every pair is listed from both sides, the side that holds few
(each student's contacts) keeps every link. ``[csv] clob_lists = true`` keeps every link on
both sides (an XMLAGG CLOB, opt-in)."""

from __future__ import annotations

import dataclasses

import duckdb
import pytest

from plugin_builder.build.render import render_query
from plugin_builder.preview.synthetic import AGENCY_PERSON_ID, DEFAULT_TODAY, generate
from plugin_builder.project.catalog import load_catalog
from plugin_builder.project.config import load_project
from plugin_builder.sql.oracle import compat
from plugin_builder.sql.oracle.binds import arg_families, typed_binds
from plugin_builder.sql.oracle.model import sql_refusals
from tests.helpers import EXAMPLE_CONFIG


@pytest.fixture(scope="module")
def district():
    con = duckdb.connect()
    generate(con, 1200, seed=1)
    return con


def _users(con, clob_lists: bool) -> dict[str, dict]:
    project = load_project(EXAMPLE_CONFIG)
    project = dataclasses.replace(project, csv=dataclasses.replace(project.csv, clob_lists=clob_lists))
    spec = next(s for s in load_catalog(project) if s.name == "one_roster_users")
    sql = render_query(project, spec).sql
    assert ("XMLAGG" in sql) == clob_lists and ("LISTAGG" in sql) != clob_lists
    cursor = compat.execute(con, sql, typed_binds(spec.args, {}), DEFAULT_TODAY, arg_families(spec.args))
    headers = [d[0] for d in cursor.description]
    rows = [dict(zip(headers, row)) for row in cursor.fetchall()]
    return {row["sourcedId"]: row for row in rows}


@pytest.fixture(scope="module")
def users(district):
    return _users(district, clob_lists=False)


def _agents(row) -> list[str]:
    return row["agentSourcedIds"].split(",") if row["agentSourcedIds"] else []


def test_a_guardian_of_1000_students_exports_and_every_student_keeps_the_link(users):
    agency = f"C{AGENCY_PERSON_ID}"
    students = [row for row in users.values() if row["role"] == "student" and agency in _agents(row)]
    assert len(students) == 1000  # the side that holds few keeps every link
    listed = users[agency]["agentSourcedIds"]
    assert len(listed.encode()) <= 4000 and not listed.endswith(",")  # cut whole, no dangling comma
    kept = _agents(users[agency])
    assert 0 < len(kept) < 1000 and len(set(kept)) == len(kept)
    assert kept == sorted(kept, key=lambda s: int(s[1:]))  # the first ones in order
    for student in kept:
        assert users[student]["role"] == "student"


def test_a_student_with_20_contacts_lists_them_all(users):
    busy = [row for row in users.values() if row["role"] == "student" and len(_agents(row)) >= 21]
    assert busy
    contacts = [a for a in _agents(busy[0]) if int(a[1:]) >= AGENCY_PERSON_ID]
    assert len(contacts) >= 21  # the agency and the 20 contacts
    for contact in _agents(busy[0]):
        if contact != f"C{AGENCY_PERSON_ID}":
            assert busy[0]["sourcedId"] in _agents(users[contact])


def test_lists_are_varchar2_in_every_branch_and_oracle_accepts_users():
    project = load_project(EXAMPLE_CONFIG)
    for clob_lists in (False, True):
        changed = dataclasses.replace(project, csv=dataclasses.replace(project.csv, clob_lists=clob_lists))
        spec = next(s for s in load_catalog(changed) if s.name == "one_roster_users")
        assert sql_refusals(render_query(changed, spec).sql) == ()


def test_clob_lists_opt_in_keeps_every_link_on_both_sides(district):
    users = _users(district, clob_lists=True)
    agency = users[f"C{AGENCY_PERSON_ID}"]
    students = _agents(agency)
    assert len(students) == 1000 and len(set(students)) == 1000
    assert len(agency["agentSourcedIds"].encode()) > 4000


@pytest.mark.slow
def test_preview_names_the_cut_list_with_its_count_and_no_query_pages_unstably(runner, project_dir):
    """The guardian's cut list is a PV673 warning naming the user and the count (not a broken
    link, PV623), and every catalogue query's ORDER BY identifies a row of its output (PV681)."""
    import json

    from plugin_builder.cli import main

    args = ["preview", "-c", str(project_dir / "plugin.toml"), "--students", "1200", "-o", str(project_dir / "out")]
    result = runner.invoke(main, [*args, "--quiet", "--format", "json"])
    assert result.exit_code == 0, result.output
    findings = [f for f in json.loads(result.stdout)["findings"] if f["severity"] != "info"]  # PV670: text cleaned
    assert [f["code"] for f in findings] == ["PV673"]
    cut = findings[0]
    assert cut["severity"] == "warning" and cut["file"] == "oneroster/users.csv" and cut["line"] >= 2
    assert f"guardian C{AGENCY_PERSON_ID}: agentSourcedIds keeps " in cut["message"]
    kept = int(cut["message"].split(" keeps ")[1].split(" of ")[0])
    assert f"keeps {kept} of 1000 ids ({1000 - kept} cut" in cut["message"]


@pytest.mark.parametrize("clob_lists", [False, True])
def test_every_catalogue_query_passes_the_oracle_model(clob_lists):
    """No ORA-01790 (or any refusal) in the catalogue, with the lists as VARCHAR2 or as CLOBs."""
    project = load_project(EXAMPLE_CONFIG)
    project = dataclasses.replace(project, csv=dataclasses.replace(project.csv, clob_lists=clob_lists))
    refused = {
        spec.name: [str(r) for r in sql_refusals(render_query(project, spec).sql)] for spec in load_catalog(project)
    }
    assert {name: found for name, found in refused.items() if found} == {}
    assert len(refused) >= 13

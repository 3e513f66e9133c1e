"""serve: the PowerQuery API over HTTP, called with a real client against a running server."""

from __future__ import annotations

import base64
import logging
import re
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from conftest import EXAMPLE_CONFIG
from plugin_builder.cli import main
from plugin_builder.pipeline import build, validate
from plugin_builder.preview.runner import run_queries
from plugin_builder.preview.sources import synthetic_source
from plugin_builder.preview.synthetic import DEFAULT_TODAY
from plugin_builder.serve.engine import api_value
from plugin_builder.serve.server import ServerThread, prepare

STUDENTS = 200
NAMESPACE = "us.ca.k12.exampleusd.rostering"
USERS = f"{NAMESPACE}.one_roster_users"
CLASSES = f"{NAMESPACE}.one_roster_classes"
ATTENDANCE = f"{NAMESPACE}.section_attendance"


def oauth_project(folder: Path) -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    assert re.search(r"^oauth = (true|false)", text, re.M)
    (folder / "plugin.toml").write_text(
        re.sub(r"^oauth = false", "oauth = true", text, count=1, flags=re.M), encoding="utf-8"
    )
    return folder / "plugin.toml"


class Api:
    """A running server and a client that knows its credentials."""

    def __init__(self, running: ServerThread):
        self.running = running
        self.credentials = running.api.credentials
        self.client = httpx.Client(base_url=running.url, timeout=60)

    def token(self) -> str:
        answer = self.client.post(
            "/oauth/access_token",
            auth=(self.credentials.client_id, self.credentials.client_secret),
            data={"grant_type": "client_credentials"},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]

    def post(self, name: str, body: object = None, token: str | None = None, **params) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        return self.client.post(
            f"/ws/schema/query/{name}", json={} if body is None else body, params=params, headers=headers
        )

    def all_pages(self, name: str, body: object = None, pagesize: int = 100) -> list[dict]:
        token = self.token()
        records, page = [], 1
        while True:
            answer = self.post(name, body, token, pagesize=pagesize, page=page)
            assert answer.status_code == 200, answer.text
            chunk = answer.json().get("record")  # left out of an empty page, as PowerSchool does
            if not chunk:
                return records
            assert len(chunk) <= pagesize
            records.extend(chunk)
            page += 1


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return oauth_project(tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="module")
def api(project) -> Api:
    prepared = prepare(project, students=STUDENTS)
    with ServerThread(prepared.api) as running:
        yield Api(running)


def preview_records(project: Path, name: str, args: dict[str, str] | None = None) -> list[dict]:
    """The rows preview's own runner gives on an identical district, as flat JSON records with
    the values as the API sends them (strings)."""
    validated = validate(project)
    query = validated.tree.query(name)
    source, district = synthetic_source(STUDENTS, 1, DEFAULT_TODAY)
    [result] = run_queries(source.con, [query], DEFAULT_TODAY, district, args=args)
    return [{h: api_value(v) for h, v in zip(result.headers, row)} for row in result.rows]


# --- OAuth --------------------------------------------------------------------------------


def test_token_flow(api):
    creds = api.credentials
    answer = api.client.post(
        "/oauth/access_token", auth=(creds.client_id, creds.client_secret), data={"grant_type": "client_credentials"}
    )
    assert answer.status_code == 200
    body = answer.json()
    # expires_in is a string, as PowerSchool sends it
    assert body["token_type"] == "Bearer" and body["expires_in"] == str(creds.lifetime)
    assert len(body["access_token"]) >= 32
    assert api.post(USERS, token=body["access_token"], pagesize=1).status_code == 200


def test_the_token_endpoint_answers_with_a_trailing_slash_and_form_credentials(api):
    creds = api.credentials
    slash = api.client.post(
        "/oauth/access_token/", auth=(creds.client_id, creds.client_secret), data={"grant_type": "client_credentials"}
    )
    assert slash.status_code == 200 and slash.json()["access_token"]  # no redirect
    form = api.client.post(
        "/oauth/access_token",
        data={"grant_type": "client_credentials", "client_id": creds.client_id, "client_secret": creds.client_secret},
    )
    assert form.status_code == 200 and form.json()["access_token"]
    wrong = api.client.post(
        "/oauth/access_token", data={"grant_type": "client_credentials", "client_id": creds.client_id}
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "auth",
    [None, ("wrong-id", "wrong-secret"), "right-id-wrong-secret", "Basic not-base64!", "Bearer abc"],
)
def test_wrong_or_missing_credentials_get_401(api, auth):
    creds = api.credentials
    headers = {}
    if auth == "right-id-wrong-secret":
        headers["Authorization"] = "Basic " + base64.b64encode(f"{creds.client_id}:nope".encode()).decode()
    elif isinstance(auth, str):
        headers["Authorization"] = auth
    elif auth:
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    answer = api.client.post("/oauth/access_token", headers=headers, data={"grant_type": "client_credentials"})
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client" and "access_token" not in answer.json()


def test_grant_type_must_be_client_credentials(api):
    creds = api.credentials
    answer = api.client.post(
        "/oauth/access_token", auth=(creds.client_id, creds.client_secret), data={"grant_type": "password"}
    )
    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"
    missing = api.client.post("/oauth/access_token", auth=(creds.client_id, creds.client_secret), data={})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


def test_metadata_needs_a_token_and_gives_the_page_sizes(api):
    assert api.client.get("/ws/v1/metadata").status_code == 401
    answer = api.client.get("/ws/v1/metadata", headers={"Authorization": f"Bearer {api.token()}"})
    assert answer.status_code == 200
    metadata = answer.json()["metadata"]
    assert metadata["schema_table_query_max_page_size"] == 100 and metadata["student_max_page_size"] == 100
    assert isinstance(metadata["plugin_id"], int) and "serve" in metadata["powerschool_version"]


def test_missing_forged_and_expired_tokens_get_401(api):
    assert api.client.post(f"/ws/schema/query/{USERS}", json={}).status_code == 401
    forged = api.post(USERS, token="x" * 43)
    assert forged.status_code == 401 and forged.json()["message"] == "invalid access token"
    assert forged.headers["www-authenticate"].startswith("Bearer")
    token = api.token()
    real_clock = api.credentials.clock
    try:
        api.credentials.clock = lambda: real_clock() + api.credentials.lifetime + 1
        expired = api.post(USERS, token=token)
        assert expired.status_code == 401 and "expired" in expired.json()["message"]
        assert api.client.get("/ws/schema/query/api", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    finally:
        api.credentials.clock = real_clock
    assert api.post(USERS, token=token, pagesize=1).status_code == 200


# --- rows, paging, count, order ------------------------------------------------------------


def test_pages_equal_pagesize_0_equal_preview_rows(api, project):
    expected = preview_records(project, USERS)
    assert len(expected) > 300  # several pages
    paged = api.all_pages(USERS)
    streamed = api.post(USERS, pagesize=0)
    assert streamed.status_code == 200
    assert streamed.json() == {"name": "Students", "record": expected}
    assert paged == expected
    assert api.all_pages(USERS, pagesize=7) == expected


def test_default_page_is_100_rows_and_a_page_past_the_end_has_no_record(api):
    first = api.post(USERS).json()
    assert first["name"] == "Students" and len(first["record"]) == 100
    assert all(isinstance(value, str) or value is None for record in first["record"] for value in record.values())
    assert api.post(USERS, page=1000).json() == {"name": "Students"}
    assert api.post(USERS, page=1000, count="true").json() == {"name": "Students", "count": len(api.all_pages(USERS))}


def test_args_reach_the_query_typed(api, project):
    expected = preview_records(project, CLASSES, {"yearid": "35"})
    assert expected
    assert api.all_pages(CLASSES, {"yearid": 35}) == expected
    assert api.all_pages(CLASSES, {"yearid": "35"}) == expected
    assert api.post(CLASSES, {"yearid": 20}, pagesize=0).json() == {"name": "Sections"}
    dates = {"start_date": "2026-01-05", "end_date": "2026-01-15"}
    expected = preview_records(project, ATTENDANCE, dates)
    assert expected and api.post(ATTENDANCE, dates, pagesize=0).json()["record"] == expected


def test_count(api):
    total = len(api.post(USERS, pagesize=0).json()["record"])
    token = api.token()
    answer = api.client.post(f"/ws/schema/query/{USERS}/count", json={}, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json() == {"count": total}
    paged = api.post(USERS, token=token, count="true", pagesize=5, page=2).json()
    assert paged["count"] == total and len(paged["record"]) == 5
    assert api.post(USERS, token=token, count="true", pagesize=0).json()["count"] == total
    assert "count" not in api.post(USERS, token=token, pagesize=1).json()


def test_order_overrides_the_sql_order_and_pages_stay_consistent(api):
    every = api.post(USERS, pagesize=0).json()["record"]
    ordered = api.post(USERS, pagesize=0, order="familyName;desc,sourcedId").json()["record"]
    nulls_last = sorted(every, key=lambda r: r["sourcedId"])
    nulls_last = sorted(nulls_last, key=lambda r: (r["familyName"] is not None, r["familyName"] or ""), reverse=True)
    assert [r["sourcedId"] for r in ordered] == [r["sourcedId"] for r in nulls_last]
    token = api.token()
    pages = [
        api.post(USERS, token=token, pagesize=50, page=p, order="familyName;desc,sourcedId").json()["record"]
        for p in (1, 2, 3)
    ]
    assert sum(pages, []) == ordered[:150]
    bad = api.post(USERS, order="lastName")
    assert (
        bad.status_code == 400
        and "'lastName' is not a column" in bad.json()["message"]
        and "familyName" in bad.json()["message"]
    )
    assert api.post(USERS, order="familyName;sideways").status_code == 400


def test_query_list(api):
    answer = api.client.get("/ws/schema/query/api", headers={"Authorization": f"Bearer {api.token()}"})
    assert answer.status_code == 200
    queries = {q["name"]: q for q in answer.json()["query"]}
    assert len(queries) == 13 and USERS in queries
    assert queries[CLASSES]["args"] == [
        {
            "name": "yearid",
            "column": "TERMS.YEARID",
            "required": False,
            "type": "primitive",
            "description": queries[CLASSES]["args"][0]["description"],
        }
    ]
    assert queries[USERS]["columns"][:2] == ["sourcedId", "status"] and queries[USERS]["access"] == "ok"


# --- 400 / 404 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "body", "params", "message"),
    [
        (USERS, b"{not json", {}, "the body is not valid JSON"),
        (USERS, b"[1, 2]", {}, "the body must be a JSON object"),
        (CLASSES, b'{"yearid": "abc"}', {}, "'abc' is not a number (TERMS.YEARID is NUMBER)"),
        (CLASSES, b'{"year": 35}', {}, "unknown arg 'year'; this query's args: 'yearid'"),
        (ATTENDANCE, b'{"start_date": "01/05/2026"}', {}, "write YYYY-MM-DD"),
        (USERS, b"{}", {"pagesize": "-1"}, "pagesize must be at least 0"),
        (USERS, b"{}", {"page": "0"}, "page must be at least 1"),
        (USERS, b"{}", {"pagesize": "ten"}, "pagesize='ten' is not a whole number"),
        (USERS, b"{}", {"page": str(2**63)}, "page must be at most 2147483647"),
        (USERS, b"{}", {"extensions": "x"}, "extensions= is not emulated"),
    ],
)
def test_bad_requests_get_400_with_a_reason(api, name, body, params, message):
    answer = api.client.post(
        f"/ws/schema/query/{name}",
        content=body,
        params=params,
        headers={"Authorization": f"Bearer {api.token()}", "Content-Type": "application/json"},
    )
    assert answer.status_code == 400, answer.text
    assert message in answer.json()["message"]


def test_a_huge_body_is_refused_without_reading_it_all(api):
    answer = api.client.post(
        f"/ws/schema/query/{USERS}",
        content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers={"Authorization": f"Bearer {api.token()}", "Content-Type": "application/json"},
    )
    assert answer.status_code == 413


def test_old_results_are_dropped_past_the_cache_size(api):
    engine = api.running.api.engine
    size = engine.cache_size
    try:
        engine.cache_size = 1
        token = api.token()
        for year in (35, 20, 21):
            assert api.post(CLASSES, {"yearid": year}, token=token).status_code == 200
        assert len(engine._results) == 1
        stored = {
            r[0]
            for r in engine.con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'serve_cache'"
            ).fetchall()
        }
        assert stored == {next(iter(engine._results.values())).table.split(".")[1]}
        assert api.post(CLASSES, {"yearid": 35}, token=token).status_code == 200  # computed again
    finally:
        engine.cache_size = size


def test_unknown_query_gets_404(api):
    answer = api.post(f"{NAMESPACE}.no_such_query")
    assert answer.status_code == 404 and "no query named" in answer.json()["message"]
    assert api.client.get(f"/ws/schema/query/{USERS}").status_code == 405
    assert api.client.get("/nowhere").status_code == 404


# --- concurrency, logging ------------------------------------------------------------------


def test_concurrent_clients_get_the_same_rows(api):
    token = api.token()
    expected_users = api.post(USERS, token=token, pagesize=0).json()["record"]
    expected_classes = api.post(CLASSES, {"yearid": 35}, token=token, pagesize=0).json()["record"]

    def fetch(job: int) -> bool:
        with httpx.Client(base_url=api.running.url, timeout=60) as client:
            headers = {"Authorization": f"Bearer {token}"}
            if job % 3 == 0:
                got = client.post(f"/ws/schema/query/{USERS}", json={}, params={"pagesize": 0}, headers=headers).json()[
                    "record"
                ]
                return got == expected_users
            if job % 3 == 1:
                page = job % 4 + 1
                got = client.post(
                    f"/ws/schema/query/{USERS}", json={}, params={"pagesize": 50, "page": page}, headers=headers
                ).json()["record"]
                return got == expected_users[(page - 1) * 50 : page * 50]
            # results not computed yet, asked for by several clients at once (yearid 20 has no rows)
            got = client.post(
                f"/ws/schema/query/{CLASSES}",
                json={"yearid": 20 if job % 2 else 35},
                params={"pagesize": 0},
                headers=headers,
            )
            return got.json().get("record", []) == ([] if job % 2 else expected_classes)

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(fetch, range(36)))
    assert [job for job, ok in enumerate(outcomes) if not ok] == []


def test_a_client_leaving_mid_stream_releases_the_result(api):
    engine = api.running.api.engine
    engine.stream_chunk = 10
    try:
        token = api.token()
        with api.client.stream(
            "POST",
            f"/ws/schema/query/{USERS}",
            json={},
            params={"pagesize": 0},
            headers={"Authorization": f"Bearer {token}"},
        ) as answer:
            assert answer.status_code == 200
            first = next(answer.iter_bytes())
            assert first.startswith(b'{"name":')
        deadline = time.monotonic() + 10
        while any(r.refs for r in engine._results.values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(r.refs for r in engine._results.values())
        assert len(api.post(USERS, token=token, pagesize=0).json()["record"]) > 300  # streamed in chunks of 10
    finally:
        engine.stream_chunk = 2000


def test_every_request_is_logged_in_one_line_without_secrets(api, caplog):
    token = api.token()
    with caplog.at_level(logging.INFO, logger="plugin_builder.serve"):
        api.post(USERS, token=token, pagesize=2, page=4242)
        api.post(f"{NAMESPACE}.nope_4242", token=token)
        deadline = time.monotonic() + 5  # a line is written once its answer has gone out
        while time.monotonic() < deadline:
            lines = [r.getMessage() for r in caplog.records if r.name == "plugin_builder.serve"]
            if sum("4242" in line for line in lines) >= 2:
                break
            time.sleep(0.01)
    mine = [line for line in lines if "4242" in line]
    assert len(mine) == 2
    assert f'"POST /ws/schema/query/{USERS}?pagesize=2&page=4242" 200' in mine[0]
    assert f'"POST /ws/schema/query/{NAMESPACE}.nope_4242" 404' in mine[1]
    assert all(token not in line and api.credentials.client_secret not in line for line in lines)


# --- plugins built elsewhere ----------------------------------------------------------------


def _rezip(source: Path, target: Path, change) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info.filename, change(info.filename, data))
    return target


def test_a_zip_with_a_short_access_request_gets_403_naming_the_field(project, tmp_path, runner):
    built = build(project, tmp_path / "dist")
    assert built.zip is not None
    guide = built.guide.read_text(encoding="utf-8")  # its API sections send the receiver here
    assert "test these calls against the same plugin with `plugin-builder serve`" in guide
    removed = b'    <field table="STUDENTS" field="FIRST_NAME" access="ViewOnly"/>\n'

    def shorten(name: str, data: bytes) -> bytes:
        if name == "plugin.xml":
            assert removed in data
            return data.replace(removed, b"")
        return data

    short = _rezip(built.zip.path, tmp_path / "short.zip", shorten)
    # lint's access check names the same field the server refuses
    linted = runner.invoke(main, ["lint", str(short)])
    assert "AC400" in linted.output and "STUDENTS.FIRST_NAME" in linted.output

    prepared = prepare(zip_path=short, students=100)
    with ServerThread(prepared.api) as running:
        served = Api(running)
        refused = served.post(USERS)
        assert refused.status_code == 403
        assert "reads STUDENTS.FIRST_NAME, which is not in the plugin's access_request" in refused.json()["message"]
        assert (
            served.client.post(
                f"/ws/schema/query/{USERS}/count", json={}, headers={"Authorization": f"Bearer {served.token()}"}
            ).status_code
            == 403
        )
        assert served.post(f"{NAMESPACE}.one_roster_orgs").status_code == 200  # reads no STUDENTS.FIRST_NAME


HANDMADE_PLUGIN = b"""<?xml version="1.0" encoding="UTF-8"?>
<plugin xmlns="http://plugin.powerschool.pearson.com" name="Handmade" version="2.1" description="made by hand">
  <publisher name="Someone"><contact email="a@example.org"/></publisher>
  <oauth/>
  <access_request>
    <field table="STUDENTS" field="ID" access="ViewOnly"/>
    <field table="STUDENTS" field="LAST_NAME" access="ViewOnly"/>
    <field table="STUDENTS" field="GRADE_LEVEL" access="ViewOnly"/>
    <field table="STUDENTS" field="SCHOOLID" access="ViewOnly"/>
    <field table="STUDENTS" field="ENTRYDATE" access="ViewOnly"/>
    <field table="U_LAPTOPS" field="LAPTOP" access="ViewOnly"/>
  </access_request>
</plugin>
"""

HANDMADE_QUERIES = b"""<queries>
  <query name="org.example.handmade.students.by_grade" coreTable="students" flattened="false">
    <args>
      <arg name="grade" column="students.grade_level" required="true"/>
      <arg name="entered_after" column="students.entrydate" required="false"/>
    </args>
    <columns>
      <column column="STUDENTS.ID">students.id</column>
      <column column="STUDENTS.LAST_NAME">last_name</column>
      <column column="STUDENTS.SCHOOLID">schools.school_number</column>
    </columns>
    <sql><![CDATA[
SELECT s.ID, s.LAST_NAME, s.SCHOOLID
FROM STUDENTS s
WHERE s.GRADE_LEVEL = :grade AND (:entered_after IS NULL OR s.ENTRYDATE >= :entered_after)
ORDER BY s.ID
]]></sql>
  </query>
  <query name="org.example.handmade.students.in_schools" coreTable="students" flattened="true">
    <args><arg name="schools" column="students.schoolid" type="array" required="true"/></args>
    <columns><column column="STUDENTS.ID">id</column></columns>
    <sql><![CDATA[SELECT s.ID FROM STUDENTS s WHERE s.SCHOOLID IN (:schools)]]></sql>
  </query>
  <query name="org.example.handmade.students.quarter" coreTable="students" flattened="true">
    <columns><column column="STUDENTS.ID">quarter</column></columns>
    <sql><![CDATA[SELECT TO_CHAR(s.ENTRYDATE, 'WW') AS quarter FROM STUDENTS s]]></sql>
  </query>
  <query name="org.example.handmade.students.extension" coreTable="students" flattened="true">
    <columns><column column="STUDENTS.ID">laptop</column></columns>
    <sql><![CDATA[SELECT x.LAPTOP FROM U_LAPTOPS x]]></sql>
  </query>
</queries>
"""


def test_a_handmade_zip_is_served_with_grouped_records_and_its_required_arg(tmp_path):
    path = tmp_path / "handmade.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("plugin.xml", HANDMADE_PLUGIN)
        archive.writestr("queries_root/org.example.handmade.named_queries.xml", HANDMADE_QUERIES)
    prepared = prepare(zip_path=path, students=100)
    expected = prepared.source.con.execute(
        "SELECT ID, LAST_NAME, SCHOOLID FROM STUDENTS WHERE GRADE_LEVEL = 5 ORDER BY ID"
    ).fetchall()
    assert expected
    with ServerThread(prepared.api) as running:
        served = Api(running)
        name = "org.example.handmade.students.by_grade"
        missing = served.post(name)
        assert missing.status_code == 400 and "arg 'grade' is required" in missing.json()["message"]
        records = served.post(name, {"grade": 5}, pagesize=0).json()["record"]
        # each grouped record carries the core table's name; values are strings, as PowerSchool sends them
        assert records == [
            {
                "name": "Students",
                "tables": {"students": {"id": str(i), "last_name": last}, "schools": {"school_number": str(school)}},
            }
            for i, last, school in expected
        ]
        assert served.post(name, {"grade": "5", "entered_after": "2999-01-01"}, count="true").json() == {
            "name": "Students",
            "count": 0,
        }
        in_schools = "org.example.handmade.students.in_schools"
        assert "give a JSON array" in served.post(in_schools, {"schools": 100}).json()["message"]
        two = [
            n
            for (n,) in prepared.source.con.execute(
                "SELECT DISTINCT SCHOOLID FROM STUDENTS ORDER BY 1 LIMIT 2"
            ).fetchall()
        ]
        array = served.post(in_schools, {"schools": two}, pagesize=0).json()["record"]
        in_both = prepared.source.con.execute(
            "SELECT ID FROM STUDENTS WHERE SCHOOLID IN (?, ?) ORDER BY ID", two
        ).fetchall()
        assert in_both and sorted(int(r["id"]) for r in array) == [i for (i,) in in_both]
        not_emulated = served.post("org.example.handmade.students.quarter")
        assert not_emulated.status_code == 501 and "not emulated" in not_emulated.json()["message"]
        # U_LAPTOPS, a district table no dictionary knows, is made from the column the query reads
        made_up = served.post("org.example.handmade.students.extension")
        assert made_up.status_code == 200 and made_up.json()["record"]
        assert any("U_LAPTOPS is in no dictionary" in note for note in prepared.api.plugin.notes)
        assert served.post(name, {"grade": 5}).status_code == 200  # the server goes on


def test_a_plugin_without_oauth_is_refused(runner, project_dir):
    config = project_dir / "plugin.toml"
    config.write_text(
        re.sub(r"^oauth = true", "oauth = false", config.read_text(encoding="utf-8"), count=1, flags=re.M),
        encoding="utf-8",
    )
    result = runner.invoke(main, ["serve", "-c", str(config), "--students", "100"])
    assert result.exit_code == 2
    assert "has no <oauth/>" in result.output and "oauth = true" in result.output


def test_an_unsafe_or_missing_zip_is_refused(runner, tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("plugin.xml", HANDMADE_PLUGIN)
        archive.writestr("../queries_root/x.named_queries.xml", HANDMADE_QUERIES)
    result = runner.invoke(main, ["serve", "--zip", str(evil)])
    assert result.exit_code == 2 and "refused" in result.output and "Traceback" not in result.output
    result = runner.invoke(main, ["serve", "--zip", str(tmp_path / "absent.zip")])
    assert result.exit_code == 2 and "not found" in result.output


def test_config_and_zip_together_are_refused(runner, project, tmp_path):
    result = runner.invoke(main, ["serve", "-c", str(project), "--zip", str(tmp_path / "x.zip")])
    assert result.exit_code == 2 and "not both" in result.output


def test_a_port_in_use_is_a_clear_error(runner, api, project):
    port = api.running.url.rsplit(":", 1)[1]
    result = runner.invoke(main, ["serve", "-c", str(project), "--students", "100", "--port", port])
    assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.output


def test_serves_a_duckdb_file_and_csv_extracts_with_the_same_rows(project, tmp_path):
    import duckdb

    from plugin_builder.preview.synthetic import generate

    path = tmp_path / "district.duckdb"
    con = duckdb.connect(str(path))
    generate(con, 100, seed=2)
    tables = tmp_path / "tables"
    tables.mkdir()
    for (table,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE estimated_size > 0 AND table_name <> 'ATTENDANCE'"
    ).fetchall():
        con.execute(f"COPY \"{table}\" TO '{tables / (table + '.csv')}' (HEADER, DELIMITER ',')")
    con.close()
    answers = []
    for source in ({"db": path}, {"tables": [tables]}):
        prepared = prepare(project, today=DEFAULT_TODAY, **source)
        with ServerThread(prepared.api) as running:
            served = Api(running)
            answers.append(served.post(USERS, pagesize=0).json())
            attendance = served.post(ATTENDANCE)
            answers.append((attendance.status_code, len(attendance.json().get("record", []))))
    assert answers[0]["record"] and answers[0] == answers[2]
    # the extracts lack ATTENDANCE: it is created empty from the dictionary, as preview does
    assert answers[1][0] == 200
    assert answers[3] == (200, 0)
    assert {r[0] for r in duckdb.connect(str(path), read_only=True).execute("SHOW TABLES").fetchall()} >= {"STUDENTS"}
    assert "serve_cache" not in {
        r[0]
        for r in duckdb.connect(str(path), read_only=True)
        .execute("SELECT schema_name FROM duckdb_schemas()")
        .fetchall()
    }


# --- shutdown ------------------------------------------------------------------------------


def test_stop_shuts_the_server_down(project):
    prepared = prepare(project, students=100)
    running = ServerThread(prepared.api).start()
    assert Api(running).post(USERS, pagesize=1).status_code == 200
    running.stop()
    assert not running.thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"{running.url}/oauth/access_token", timeout=2)


def test_the_command_prints_url_and_credentials_and_stops_on_ctrl_c(project):
    import signal

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "plugin_builder",
            "serve",
            "-c",
            str(project),
            "--students",
            "100",
            "--port",
            "0",
            "--client-id",
            "my-client",
            "--client-secret",
            "my-secret",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [process.stdout.readline() for _ in range(8)]
        url = next(line.split()[-1] for line in lines if line.startswith("base URL:"))
        assert url.startswith("http://127.0.0.1:")
        assert any("my-client" in line for line in lines) and any("my-secret" in line for line in lines)
        # the banner's first call is the token, and it says every other call needs one
        assert any(line.startswith("token:") and f"POST {url}/oauth/access_token" in line for line in lines)
        assert any("Bearer" in line for line in lines)
        token = httpx.post(
            f"{url}/oauth/access_token",
            auth=("my-client", "my-secret"),
            data={"grant_type": "client_credentials"},
            timeout=30,
        )
        assert token.status_code == 200
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert '"POST /oauth/access_token" 200' in err and "stopped" in err


def test_tables_add_rows_on_top_of_the_synthetic_district_as_in_preview(tmp_path):
    """--tables beside --students adds the extension table a query reads (as preview does):
    without it the query answers 500 naming U_LAPTOPS; with it, the rows."""
    path = tmp_path / "handmade.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("plugin.xml", HANDMADE_PLUGIN)
        archive.writestr("queries_root/org.example.handmade.named_queries.xml", HANDMADE_QUERIES)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "U_LAPTOPS.csv").write_text("LAPTOP\nLT-0001\nLT-0002\n", encoding="utf-8")
    prepared = prepare(zip_path=path, students=100, tables=[extra])
    assert (
        prepared.source.con.execute("SELECT COUNT(*) FROM STUDENTS").fetchone()[0] > 0
    )  # the synthetic district stays
    with ServerThread(prepared.api) as running:
        records = Api(running).post("org.example.handmade.students.extension", pagesize=0).json()["record"]
    assert records == [{"laptop": "LT-0001"}, {"laptop": "LT-0002"}]


@pytest.mark.slow
def test_the_counts_in_docs_api_are_those_of_the_default_district(project):
    """docs/api.md's curl examples, run on the district `plugin-builder serve` opens by default."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
    users_count = int(re.search(r'"name": "Students",\n  "count": (\d+),', text).group(1))
    second_user = re.search(r'\{"sourcedId": "(C\d+)", …\}', text).group(1)
    classes_count = int(re.search(r"one_roster_classes/count\n\{\"count\":(\d+)\}", text).group(1))
    prepared = prepare(project)  # the defaults: 3 000 synthetic students, seed 1
    with ServerThread(prepared.api) as running:
        served = Api(running)
        page = served.post(USERS, pagesize=2, page=1, count="true").json()
        token = served.token()
        classes = served.client.post(
            f"/ws/schema/query/{CLASSES}/count", json={"yearid": 35}, headers={"Authorization": f"Bearer {token}"}
        ).json()
    assert (page["count"], page["record"][1]["sourcedId"], classes["count"]) == (
        users_count,
        second_user,
        classes_count,
    )

"""serve judged by real PowerSchool API clients that nobody here wrote.

Three client packages from PyPI (pinned in the test extra) call a served plugin over real HTTP
through their own public calls: ``powerschool`` 4.0.1, ``powerschool-adapter`` 1.0.3 and
``pypowerschool`` 0.2.0. Each is checked for a token, a query whole and paged, the count, args,
401, 403, 404 and grouped records. Where a client cannot do one of these through its public
calls, the test says so (and docs/api.md, "Connecting a real client", says so too) instead of
reaching into it.

``powerschool`` 4.0.1 only speaks HTTPS (it builds ``https://<host>``), as PowerSchool does, so
it gets a second server on the same API with a self-signed certificate that requests is told
to trust (``REQUESTS_CA_BUNDLE``, the ordinary requests setting); the client is unchanged.
"""

from __future__ import annotations

import logging
import math
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from plugin_builder.serve.server import ServerThread, prepare

STUDENTS = 200
ALL = "org.example.clients.students.all"
BY_GRADE = "org.example.clients.students.by_grade"
SECRET = "org.example.clients.students.first_names"
MISSING = "org.example.clients.students.no_such_query"

CLIENTS_PLUGIN = b"""<?xml version="1.0" encoding="UTF-8"?>
<plugin xmlns="http://plugin.powerschool.pearson.com" name="Clients" version="1.0" description="for real API clients">
  <publisher name="Tests"><contact email="tests@example.org"/></publisher>
  <oauth/>
  <access_request>
    <field table="STUDENTS" field="ID" access="ViewOnly"/>
    <field table="STUDENTS" field="LAST_NAME" access="ViewOnly"/>
    <field table="STUDENTS" field="GRADE_LEVEL" access="ViewOnly"/>
    <field table="STUDENTS" field="SCHOOLID" access="ViewOnly"/>
  </access_request>
</plugin>
"""

CLIENTS_QUERIES = b"""<queries>
  <query name="org.example.clients.students.all" coreTable="students" flattened="true">
    <columns>
      <column column="STUDENTS.ID">id</column>
      <column column="STUDENTS.LAST_NAME">last_name</column>
      <column column="STUDENTS.GRADE_LEVEL">grade_level</column>
    </columns>
    <sql><![CDATA[SELECT s.ID, s.LAST_NAME, s.GRADE_LEVEL FROM STUDENTS s ORDER BY s.ID]]></sql>
  </query>
  <query name="org.example.clients.students.by_grade" coreTable="students" flattened="false">
    <args><arg name="grade" column="students.grade_level" required="true"/></args>
    <columns>
      <column column="STUDENTS.ID">students.id</column>
      <column column="STUDENTS.LAST_NAME">last_name</column>
      <column column="STUDENTS.SCHOOLID">schools.school_number</column>
    </columns>
    <sql><![CDATA[
SELECT s.ID, s.LAST_NAME, s.SCHOOLID FROM STUDENTS s WHERE s.GRADE_LEVEL = :grade ORDER BY s.ID
]]></sql>
  </query>
  <query name="org.example.clients.students.first_names" coreTable="students" flattened="true">
    <columns><column column="STUDENTS.FIRST_NAME">first_name</column></columns>
    <sql><![CDATA[SELECT s.FIRST_NAME FROM STUDENTS s ORDER BY s.ID]]></sql>
  </query>
</queries>
"""


@dataclass
class Served:
    url: str  # plain HTTP
    https_host: str  # host:port of the same API over HTTPS
    certificate: Path
    key: Path
    zip_path: Path
    client_id: str
    client_secret: str
    credentials: object
    all_records: list[dict]
    grade: int
    grade_records: list[dict]

    def token_is_valid(self, token: str) -> bool:
        return self.credentials.check_bearer(f"Bearer {token}") is None


def self_signed(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate for the HTTPS-only client")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clients")
    path = folder / "clients.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("plugin.xml", CLIENTS_PLUGIN)
        archive.writestr("queries_root/org.example.clients.named_queries.xml", CLIENTS_QUERIES)
    prepared = prepare(zip_path=path, students=STUDENTS)
    con = prepared.source.con
    # values as PowerSchool sends them: strings
    all_records = [
        {"id": str(i), "last_name": last, "grade_level": str(grade)}
        for i, last, grade in con.execute("SELECT ID, LAST_NAME, GRADE_LEVEL FROM STUDENTS ORDER BY ID").fetchall()
    ]
    [(grade,)] = con.execute(
        "SELECT GRADE_LEVEL FROM STUDENTS GROUP BY GRADE_LEVEL ORDER BY COUNT(*) DESC, GRADE_LEVEL LIMIT 1"
    ).fetchall()
    grade_records = [
        {
            "name": "Students",
            "tables": {"students": {"id": str(i), "last_name": last}, "schools": {"school_number": str(n)}},
        }
        for i, last, n in con.execute(
            "SELECT ID, LAST_NAME, SCHOOLID FROM STUDENTS WHERE GRADE_LEVEL = ? ORDER BY ID", [grade]
        ).fetchall()
    ]
    assert len(all_records) > 100 and grade_records  # several pages; the arg selects rows
    cert, key = self_signed(folder)
    credentials = prepared.api.credentials
    with (
        ServerThread(prepared.api) as plain,
        ServerThread(prepared.api, ssl_certfile=str(cert), ssl_keyfile=str(key)) as tls,
    ):
        yield Served(
            url=plain.url,
            https_host=tls.url.removeprefix("https://"),
            certificate=cert,
            key=key,
            zip_path=path,
            client_id=credentials.client_id,
            client_secret=credentials.client_secret,
            credentials=credentials,
            all_records=all_records,
            grade=grade,
            grade_records=grade_records,
        )


# --- powerschool 4.0.1 (requests + requests-oauthlib, HTTPS only) --------------------------


@pytest.fixture
def trusted(served, monkeypatch):
    """requests trusts serve's certificate (its ordinary setting); the client is unchanged."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(served.certificate))
    return served


def test_powerschool_token_and_metadata(trusted):
    from powerschool.client import PowerSchool

    # authorize() posts to /oauth/access_token/ (with the slash), then reads GET /ws/v1/metadata
    client = PowerSchool(trusted.https_host, auth=(trusted.client_id, trusted.client_secret))
    assert trusted.token_is_valid(client.access_token["access_token"])
    assert client.access_token["expires_at"] > time.time() + 3000  # oauthlib read the string expires_in
    assert client.metadata.schema_table_query_max_page_size == 100


def test_powerschool_query_whole_paged_count_args_and_grouped_records(trusted):
    from powerschool.client import PowerSchool

    client = PowerSchool(trusted.https_host, auth=(trusted.client_id, trusted.client_secret))
    query = client.get_named_query(ALL)
    assert query.count() == len(trusted.all_records)
    assert query.query(pagesize=0) == trusted.all_records  # whole
    assert query.query(pagesize=30) == trusted.all_records  # the client pages: count, then pages 1..7
    grouped = client.get_named_query(BY_GRADE).query(body={"grade": trusted.grade}, pagesize=0)
    assert grouped == trusted.grade_records


def test_powerschool_refusals(trusted):
    from oauthlib.oauth2 import InvalidClientError
    from powerschool.client import PowerSchool

    with pytest.raises(InvalidClientError):  # from our {"error": "invalid_client"}
        PowerSchool(trusted.https_host, auth=(trusted.client_id, "wrong secret"))
    with pytest.raises(requests.HTTPError, match="invalid access token"):  # 401: a token serve never issued
        PowerSchool(trusted.https_host, auth={"access_token": "forged", "expires_at": time.time() + 600})
    client = PowerSchool(trusted.https_host, auth=(trusted.client_id, trusted.client_secret))
    # the client re-raises HTTPError with the body only (no status): the bodies name the cause
    with pytest.raises(
        requests.HTTPError, match=r"reads STUDENTS\.FIRST_NAME, which is not in the plugin's access_request"
    ):
        client.get_named_query(SECRET).query(pagesize=0)  # 403
    with pytest.raises(requests.HTTPError, match="no query named"):
        client.get_named_query(MISSING).query(pagesize=0)  # 404


def test_powerschool_against_the_serve_command_with_a_certificate(trusted):
    """The snippet of docs/api.md: `plugin-builder serve --ssl-certfile … --ssl-keyfile …`, and
    the client pointed at the host:port it prints."""
    from powerschool.client import PowerSchool

    process = subprocess.Popen(
        [sys.executable, "-m", "plugin_builder", "serve", "--zip", str(trusted.zip_path), "--students", "100"]
        + ["--port", "0", "--client-id", "vendor", "--client-secret", "s3cret"]
        + ["--ssl-certfile", str(trusted.certificate), "--ssl-keyfile", str(trusted.key)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = ""
        while not url.startswith("https://"):
            line = process.stdout.readline()
            assert line, process.stderr.read()
            if line.startswith("base URL:"):
                url = line.split()[-1]
        client = PowerSchool(url.removeprefix("https://"), auth=("vendor", "s3cret"))
        assert client.get_named_query(ALL).count() == 100  # the 100 students asked for
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0


def test_a_certificate_that_cannot_serve_https_is_a_clear_error(served, tmp_path):
    from click.testing import CliRunner

    from plugin_builder.cli import main

    not_pem = tmp_path / "cert.pem"
    not_pem.write_text("not a certificate\n", encoding="utf-8")
    base = ["serve", "--zip", str(served.zip_path), "--students", "100", "--port", "0"]
    for certificate, key in ((not_pem, served.key), (served.certificate, not_pem)):
        result = CliRunner().invoke(main, base + ["--ssl-certfile", str(certificate), "--ssl-keyfile", str(key)])
        assert result.exit_code == 2 and "cannot serve HTTPS" in result.output, result.output
        assert "Traceback" not in result.output
    alone = CliRunner().invoke(main, base + ["--ssl-certfile", str(served.certificate)])
    assert alone.exit_code == 2 and "together" in alone.output


# --- powerschool-adapter 1.0.3 (requests) -------------------------------------------------


@pytest.fixture
def adapter(served):
    from powerschool_adapter.powerschool import PowerSchool

    # cache_key=None: no token cache in ./.cache (a cached token would outlive this server)
    return PowerSchool(served.url, served.client_id, served.client_secret, cache_key=None)


def test_adapter_token_whole_paged_and_count(served, adapter):
    assert served.token_is_valid(adapter.get_token())
    assert adapter.pq(ALL).page_size(0).post().to_list() == served.all_records  # whole
    first = adapter.pq(ALL).page_size(30).page(1).include_count().post()
    count = first.get_original_data()["count"]  # the count, through count=true
    assert count == len(served.all_records)
    records = first.to_list()
    for page in range(2, math.ceil(count / 30) + 1):  # paged
        records += adapter.pq(ALL).page_size(30).page(page).post().to_list()
    assert records == served.all_records
    # count() sends GET …/count; PowerSchool documents POST for a query's count: 405 here
    with pytest.raises(requests.HTTPError) as refused:
        adapter.pq(ALL).count()
    assert refused.value.response.status_code == 405


def test_adapter_args_and_grouped_records(served, adapter):
    # args are sent as strings ({"grade": "9"}), as this client casts them
    grouped = adapter.pq(BY_GRADE, {"grade": served.grade})
    assert grouped.to_list() == served.grade_records[:100]
    squashed = adapter.pq(BY_GRADE).set_data({"grade": served.grade}).page_size(0).post().squash_table_response()
    assert squashed.to_list() == [record["tables"]["students"] for record in served.grade_records]


def test_adapter_refusals(served, adapter):
    from powerschool_adapter.powerschool import PowerSchool

    with pytest.raises(requests.HTTPError) as refused:
        PowerSchool(served.url, served.client_id, "wrong secret", cache_key=None)
    assert refused.value.response.status_code == 401
    assert refused.value.response.json()["error"] == "invalid_client"
    with pytest.raises(requests.HTTPError) as refused:
        adapter.pq(SECRET).post()
    assert refused.value.response.status_code == 403 and "STUDENTS.FIRST_NAME" in refused.value.response.text
    with pytest.raises(requests.HTTPError) as refused:
        adapter.pq(MISSING).post()
    assert refused.value.response.status_code == 404


def test_adapter_sends_a_forged_token_then_logs_in_again(served, adapter):
    """401 on a query: the adapter authenticates again and retries, as its code says."""
    adapter.get_request().token = "forged"
    assert adapter.pq(ALL).page_size(1).post().to_list() == served.all_records[:1]
    assert served.token_is_valid(adapter.get_token())


# --- pypowerschool 0.2.0 (httpx) -----------------------------------------------------------


@pytest.fixture
def pypowerschool_client(monkeypatch):
    """pypowerschool's Client is a process-wide singleton that keeps its token across
    constructions; each test starts from a new one (the class attribute it keeps it in)."""
    from pypowerschool.powerschool import Client

    monkeypatch.delattr(Client, "instance", raising=False)
    return Client


def test_pypowerschool_token_metadata_whole_paged_args_and_grouped(served, pypowerschool_client):
    client = pypowerschool_client(served.url, served.client_id, served.client_secret)
    assert client.access_token_response["expires_in"] == "3600"
    assert served.token_is_valid(client.access_token_response["access_token"])
    assert client.fetch_metadata()["schema_table_query_max_page_size"] == 100
    # powerquery() asks POST …/count, then pages of 100 until it has that many: the whole
    # result, paged, in one call (it has no pagesize of its own and no public count call)
    assert client.powerquery(f"ws/schema/query/{ALL}") == served.all_records
    grouped = client.powerquery(f"ws/schema/query/{BY_GRADE}", {"grade": served.grade})
    assert grouped == served.grade_records


def test_pypowerschool_refusals(served, pypowerschool_client, caplog):
    caplog.set_level(logging.ERROR)
    pypowerschool_client(served.url, served.client_id, "wrong secret")
    assert "A connection error occured: invalid_client" in caplog.text  # 401 read as an OAuth error
    client = pypowerschool_client(served.url, served.client_id, served.client_secret)
    # powerquery() reads a refused count as 0 and returns [] without a word; post_data() (a
    # plain POST) logs the message, which is where the 403 and 404 show through this client
    caplog.clear()
    assert client.powerquery(f"ws/schema/query/{SECRET}") == []
    assert client.post_data(f"ws/schema/query/{SECRET}", {}) is None
    assert "reads STUDENTS.FIRST_NAME" in caplog.text
    assert client.post_data(f"ws/schema/query/{MISSING}", {}) is None
    assert "no query named" in caplog.text

"""`lint` on hostile archives: refused or reported, never written, bounded.

Every case runs through the CLI in-process and asserts the protection itself, so that each
test fails if the protection is removed. tests/adversarial/README-lint.md lists the cases.
"""

from __future__ import annotations

import http.server
import io
import os
import resource
import socketserver
import stat
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from plugin_builder.build.lint import lint
from plugin_builder.cli import main

PLUGIN_XML = (
    '<plugin xmlns="http://plugin.powerschool.pearson.com" name="Roster" version="1.0">'
    '<publisher name="IT"><contact email="it@example.org"/></publisher></plugin>'
)
QUERIES_PATH = "queries_root/org.example.roster.named_queries.xml"
QUERIES_XML = """<queries><query name="org.example.roster.students" coreTable="students">
<columns><column column="STUDENTS.DCID">dcid</column></columns>
<sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql></query></queries>"""


def make_zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes | str]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return path


def snapshot(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def codes(result) -> set[str]:
    return {f.code for f in result.findings}


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A working directory whose contents (and its parent's) must not change."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def test_entries_climbing_out_or_absolute_are_refused_and_nothing_is_written(runner, sandbox, tmp_path):
    archive = make_zip(
        tmp_path / "evil.zip",
        [
            ("plugin.xml", PLUGIN_XML),
            ("../../evil.txt", "owned"),
            ("/tmp/evil-absolute.txt", "owned"),
            ("queries_root\\..\\..\\evil.named_queries.xml", "owned"),
            (QUERIES_PATH, QUERIES_XML),
        ],
    )
    before = snapshot(tmp_path)
    result = runner.invoke(main, ["lint", str(archive), "--format", "json"])
    assert result.exit_code == 1
    assert result.output.count('"ZP504"') == 3
    assert snapshot(tmp_path) == before
    assert not Path("/tmp/evil-absolute.txt").exists()


def test_symlink_entry_is_never_followed(tmp_path):
    info = zipfile.ZipInfo("plugin.xml")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = make_zip(tmp_path / "link.zip", [(info, "/etc/passwd"), (QUERIES_PATH, QUERIES_XML)])
    result = lint(archive)
    assert "ZP506" in codes(result)
    assert "plugin.xml" not in result.model.files  # the link's target was not read as plugin.xml
    assert "PS100" not in codes(result)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_symlinks_in_a_folder_are_listed_not_followed(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_text("<plugin>TOPSECRET</plugin>")
    plugin = tmp_path / "plugin"
    (plugin / "queries_root").mkdir(parents=True)
    os.symlink(secret, plugin / "plugin.xml")
    os.symlink("/", plugin / "queries_root" / "root")  # a loop to the whole disk: never walked
    start = time.monotonic()
    result = lint(plugin)
    assert time.monotonic() - start < 5
    assert "ZP506" in codes(result)
    assert all(b"TOPSECRET" not in data for data in result.model.files.values())


def test_zip_bomb_is_refused_within_bounded_memory(tmp_path):
    bomb = b" " * (6 * 1024 * 1024)  # under the per-member limit; deflates about 1000 times
    archive = make_zip(
        tmp_path / "bomb.zip", [("plugin.xml", PLUGIN_XML), (QUERIES_PATH, b"<queries>" + bomb + b"</queries>")]
    )
    assert archive.stat().st_size < 64 * 1024
    lint(archive)  # warm caches (schemas, dictionary) so that only the archive is measured
    tracemalloc.start()
    try:
        result = lint(archive)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "ZP505" in codes(result)
    assert QUERIES_PATH not in result.model.files
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes: the member was inflated"


def test_huge_member_is_refused_by_its_size(tmp_path):
    archive = make_zip(tmp_path / "big.zip", [("plugin.xml", PLUGIN_XML), (QUERIES_PATH, b"\0" * (20 * 1024 * 1024))])
    result = lint(archive)
    assert "ZP505" in codes(result)
    assert QUERIES_PATH not in result.model.files


def test_thousands_of_entries_are_refused_in_bounded_time(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("plugin.xml", PLUGIN_XML)
        for i in range(5000):
            archive.writestr(f"web_root/f{i}.txt", "")
    path = tmp_path / "many.zip"
    path.write_bytes(buffer.getvalue())
    start = time.monotonic()
    result = lint(path)
    assert time.monotonic() - start < 10
    assert codes(result) == {"ZP507"}
    assert result.model.files == {}


@pytest.mark.parametrize("content", [b"just text, not a zip\n", b"PK\x03\x04" + b"\0" * 40, b""])
def test_a_file_named_zip_that_is_not_one_is_refused(runner, tmp_path, content):
    path = tmp_path / "plugin.zip"
    path.write_bytes(content)
    result = runner.invoke(main, ["lint", str(path)])
    assert result.exit_code == 2
    assert "is not a ZIP archive" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("where", ["element", "attribute"])
def test_external_entity_is_not_expanded(runner, tmp_path, where):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    name, description = ("R&x;", "x") if where == "attribute" else ("R", "&x;")
    plugin_xml = (
        f'<?xml version="1.0"?><!DOCTYPE plugin [<!ENTITY x SYSTEM "file://{secret}">]>'
        f'<plugin xmlns="http://plugin.powerschool.pearson.com" name="{name}" version="1.0">'
        '<publisher name="IT"><contact email="it@example.org"/></publisher>'
        f"<description>{description}</description></plugin>"
    )
    archive = make_zip(tmp_path / "xxe.zip", [("plugin.xml", plugin_xml), (QUERIES_PATH, QUERIES_XML)])
    result = lint(archive)
    assert "PS105" in codes(result)
    root = result.model.plugin.root
    if where == "element":
        assert root is not None
    assert root is None or "TOPSECRET" not in "".join(root.itertext()) + (root.get("name") or "")
    output = runner.invoke(main, ["lint", str(archive), "--format", "json"]).output
    assert "TOPSECRET" not in output


def test_external_dtd_file_is_not_loaded(tmp_path):
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY x "TOPSECRET">')
    plugin_xml = (
        f'<!DOCTYPE plugin SYSTEM "file://{dtd}">'
        '<plugin xmlns="http://plugin.powerschool.pearson.com" name="R&x;" version="1.0">'
        '<publisher name="IT"><contact email="it@example.org"/></publisher></plugin>'
    )
    result = lint(make_zip(tmp_path / "dtd.zip", [("plugin.xml", plugin_xml), (QUERIES_PATH, QUERIES_XML)]))
    assert "PS105" in codes(result)
    root = result.model.plugin.root
    assert root is None or "TOPSECRET" not in (root.get("name") or "")


def test_billion_laughs_is_not_expanded(tmp_path):
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    plugin_xml = (
        '<?xml version="1.0"?><!DOCTYPE plugin [' + "".join(entities) + "]>"
        '<plugin xmlns="http://plugin.powerschool.pearson.com" name="Roster" version="1.0">'
        '<publisher name="IT"><contact email="it@example.org"/></publisher>'
        "<description>&lol9;</description></plugin>"
    )
    archive = make_zip(tmp_path / "laughs.zip", [("plugin.xml", plugin_xml), (QUERIES_PATH, QUERIES_XML)])
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    result = lint(archive)
    assert time.monotonic() - start < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 100 * 1024  # KiB: under 100 MiB
    # Refused (libxml2's amplification guard: PS100) or parsed with the entities left unexpanded.
    assert "PS105" in codes(result)
    root = result.model.plugin.root
    assert root is None or len("".join(root.itertext())) < 1000


def test_doctype_fetching_a_url_makes_no_request(tmp_path):
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY x "FETCHED">')

        def log_message(self, *args):
            pass

    server = socketserver.TCPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        plugin_xml = (
            f'<!DOCTYPE plugin SYSTEM "http://127.0.0.1:{port}/evil.dtd">'
            '<plugin xmlns="http://plugin.powerschool.pearson.com" name="R&x;" version="1.0">'
            '<publisher name="IT"><contact email="it@example.org"/></publisher></plugin>'
        )
        queries = QUERIES_XML.replace(
            "<queries>", f'<!DOCTYPE queries SYSTEM "http://127.0.0.1:{port}/q.dtd"><queries>'
        )
        result = lint(make_zip(tmp_path / "url.zip", [("plugin.xml", plugin_xml), (QUERIES_PATH, queries)]))
    finally:
        server.shutdown()
        server.server_close()
    assert requests == []
    assert "PS105" in codes(result)


def test_wrapper_folder_is_reported_and_its_plugin_still_checked(tmp_path):
    archive = make_zip(
        tmp_path / "wrapped.zip",
        [
            ("roster/plugin.xml", PLUGIN_XML),
            (f"roster/{QUERIES_PATH}", QUERIES_XML.replace("ORDER BY 1", "ORDER BY 1;")),
        ],
    )
    result = lint(archive)
    assert {"ZP501", "SQ302"} <= codes(result)

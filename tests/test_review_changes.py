"""The review leads with the changes that matter to a reviewer: API access, permission mappings,
access_request by table, new personal data, new and removed queries; it marks placeholders,
student records and credentials, and quotes no checksum for a plugin build refuses."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html

from plugin_builder.cli import main

NS = "us.ca.k12.exampleusd.rostering"


def _build(runner, config: Path, out: Path) -> Path:
    result = runner.invoke(main, ["build", "-c", str(config), "-o", str(out)])
    assert result.exit_code == 0, result.output
    (zip_path,) = out.glob("*.zip")
    return zip_path


def _section(text: str, title: str) -> str:
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_turning_oauth_on_with_a_permission_page_leads_the_review(runner, project_dir: Path, tmp_path: Path):
    config = project_dir / "plugin.toml"
    text = config.read_text().replace('include = ["*"]', 'include = ["one_roster_*"]')
    config.write_text(text.replace("oauth = true", "oauth = false"))
    old_zip = _build(runner, config, tmp_path / "released")
    config.write_text(
        text.replace('version = "1.0.0"', 'version = "1.1.0"').replace(
            'permission_page = ""', 'permission_page = "/admin/home.html"'
        )
    )
    result = runner.invoke(main, ["review", "-c", str(config), "--against", str(old_zip), "-o", "-"])
    assert result.exit_code == 0, result.output
    out = result.output
    matters = _section(out, "What changed that matters")
    assert out.index("## What changed that matters") < out.index("## Personal data read")
    assert "API access (OAuth): **turned on** (it was off)" in matters
    assert "Permission pages: **added** `/admin/home.html`" in matters
    assert "- Permission mappings: 7 added, 0 removed" in matters
    assert f"| **added** | `/admin/home.html` | `/ws/schema/query/{NS}.one_roster_users` |" in matters
    # Every field is newly requested, grouped by table; the queries themselves did not change.
    added = dict(re.findall(r"^\| \*\*added\*\* \| `(\w+)` \| (.*) \|$", matters, re.M))
    assert "`STUDENT_WEB_ID`" in added["STUDENTS"] and "`EMAIL_ADDR`" in added["USERS"]
    count = int(re.search(r"`access_request` fields: (\d+) added, 0 removed", matters).group(1))
    assert count == sum(len(v.split(", ")) for v in added.values()) > 50
    assert "Queries added: none" in matters and "New personal data: none" in matters
    assert "- Queries changed: none" in out  # the old summary still says so, below
    html = tmp_path / "review.html"
    assert runner.invoke(main, ["review", "-c", str(config), "--against", str(old_zip), "-o", str(html)]).exit_code == 0
    doc = lxml.html.document_fromstring(html.read_text(encoding="utf-8"))
    first = doc.xpath("//section")[0]
    assert first.get("id") == "what-matters"
    rows = {r.xpath("th")[0].text_content(): r.xpath("td")[0].text_content() for r in first.xpath(".//table[1]//tr")}
    assert rows["API access (OAuth)"] == "turned on (it was off)"
    assert rows["Permission mappings"] == "7 added, 0 removed"


def test_an_unchanged_release_says_nothing_that_matters_changed(runner, project_dir: Path, tmp_path: Path):
    config = project_dir / "plugin.toml"
    text = config.read_text().replace('include = ["*"]', 'include = ["clever_*"]')
    config.write_text(text)
    old_zip = _build(runner, config, tmp_path / "released")
    config.write_text(text.replace('version = "1.0.0"', 'version = "1.0.1"'))
    result = runner.invoke(main, ["review", "-c", str(config), "--against", str(old_zip), "-o", "-"])
    assert result.exit_code == 0, result.output
    assert "Nothing that matters changed: API access (OAuth) stays on" in result.output


def test_new_personal_data_and_queries_are_listed_first(runner, project_dir: Path, tmp_path: Path):
    config = project_dir / "plugin.toml"
    text = config.read_text()
    config.write_text(text.replace('include = ["*"]', 'include = ["one_roster_orgs"]'))
    old_zip = _build(runner, config, tmp_path / "released")
    config.write_text(
        text.replace('include = ["*"]', 'include = ["one_roster_orgs", "clever_enrollments"]').replace(
            'version = "1.0.0"', 'version = "1.1.0"'
        )
    )
    result = runner.invoke(main, ["review", "-c", str(config), "--against", str(old_zip), "-o", "-"])
    matters = _section(result.output, "What changed that matters")
    assert f"Queries added: `{NS}.clever_enrollments`" in matters
    assert "New personal data: student records (" in matters and "`CC.DATEENROLLED`" in matters


def test_enrollments_are_student_records_and_web_ids_credentials(runner, project_dir: Path):
    config = project_dir / "plugin.toml"
    config.write_text(
        config.read_text().replace(
            'include = ["*"]', 'include = ["one_roster_enrollments", "clever_enrollments", "one_roster_users"]'
        )
    )
    result = runner.invoke(main, ["review", "-c", str(config), "-o", "-"])
    assert result.exit_code == 0, result.output
    for name in ("one_roster_enrollments", "clever_enrollments"):
        query = _section(result.output, f"{NS}.{name.replace('_', chr(92) + '_')}")
        personal = re.search(r"^- Personal data: (.*)$", query, re.M).group(1)
        assert personal.startswith("student records (") and "`CC." in personal, personal
    users = _section(result.output, f"{NS}.one\\_roster\\_users")
    assert "| `STUDENTS.STUDENT_WEB_ID` | selected | credential |" in users
    assert "| `USERS.LOGINID` | selected | credential |" in users


def test_placeholders_are_marked_and_stay_out_of_access_request(runner, project_dir: Path):
    config = project_dir / "plugin.toml"
    config.write_text(config.read_text().replace('include = ["*"]', 'include = ["one_roster_users"]'))
    result = runner.invoke(main, ["review", "-c", str(config), "-o", str(project_dir / "review.html")])
    assert result.exit_code == 0, result.output
    doc = lxml.html.document_fromstring((project_dir / "review.html").read_text(encoding="utf-8"))
    users = doc.get_element_by_id(f"q-{NS.replace('.', '-')}-one_roster_users")
    rows = {
        r.xpath("td[2]")[0].text_content(): r.xpath("td[3]")[0].text_content()
        for r in users.xpath(".//h3[text()='Output columns']/following-sibling::table[1]//tr[td]")
    }
    assert rows["password"].startswith("STUDENTS.LASTFIRST placeholder: the DEM type only; no SQL reads it")
    assert "placeholder" not in rows["givenName"]  # a real source column
    tables = {
        r.xpath("td[1]")[0].text_content(): r.xpath("td[2]")[0].text_content()
        for r in doc.xpath("//section[@id='access-request']//tr[td]")
    }
    assert "STUDENT_WEB_ID" in tables["STUDENTS"] and "LASTFIRST" not in tables["STUDENTS"].split(", ")


def test_no_checksum_for_a_plugin_build_refuses(runner, project_dir: Path):
    config = project_dir / "plugin.toml"
    queries = project_dir / "queries"
    queries.mkdir()
    (queries / "broken.sql.j2").write_text("SELECT s.NO_SUCH_COLUMN AS x FROM STUDENTS s ORDER BY 1\n")
    (queries / "broken.toml").write_text(
        'summary = "Broken"\ngroup = "custom"\ncore_table = "STUDENTS"\ncolumns = [{ alias = "x" }]\n'
    )
    result = runner.invoke(main, ["review", "-c", str(config), "-o", "-"])
    assert result.exit_code == 1, result.output
    assert "sha256" not in result.output
    assert "**not built**: `build` refuses a plugin with" in result.output
    out = project_dir / "review.html"
    runner.invoke(main, ["review", "-c", str(config), "-o", str(out)])
    assert "sha256" not in out.read_text(encoding="utf-8")

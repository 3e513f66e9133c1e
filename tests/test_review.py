"""The reviewer's report: fields read and their roles, personal data, changes since a release."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest

from plugin_builder.cli import main
from plugin_builder.reports.review import pii_category

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.parametrize(
    ("table", "field", "category"),
    [
        ("STUDENTS", "FIRST_NAME", "name"),
        ("PERSON", "LASTNAME", "name"),
        ("students", "dob", "birth date"),
        ("USERS", "EMAIL_ADDR", "addresses and phones"),
        ("EMAILADDRESS", "EMAILADDRESS", "addresses and phones"),
        ("PHONENUMBER", "PHONENUMBER", "addresses and phones"),
        ("STUDENTS", "MAILING_STREET", "addresses and phones"),
        ("STUDENTS", "STATE_STUDENTNUMBER", "identity"),
        ("USERS", "SIF_STATEPRID", "identity"),
        ("STUDENTS", "SSN", "identity"),
        ("STUDENTS", "GENDER", "demographics"),
        ("USERS", "PASSWORD", "credential"),
        ("SCHOOLS", "PRINCIPALEMAIL", "addresses and phones"),
        # Not personal data: keys and flags pointing at contact details, organisations, courses.
        ("EMAILADDRESS", "EMAILADDRESSID", None),
        ("PERSONEMAILADDRESSASSOC", "ISPRIMARYEMAILADDRESS", None),
        ("PHONENUMBER", "PHONENUMBERID", None),
        ("SCHOOLS", "SIF_STATEPRID", None),
        ("SCHOOLS", "SCHOOLPHONE", None),
        ("COURSES", "COURSE_NAME", None),
        # A student's own record (STUDENTS, CC's schedule), and credentials (web and login ids).
        ("STUDENTS", "STUDENT_NUMBER", "student records"),
        ("CC", "DATEENROLLED", "student records"),
        ("CC", "SECTIONID", "student records"),
        ("CC", "STUDENTID", None),
        ("STUDENTS", "STUDENT_WEB_ID", "credential"),
        ("USERS", "LOGINID", "credential"),
        ("USERS", "TEACHERLOGINID", "credential"),
    ],
)
def test_pii_categories(table: str, field: str, category: str | None) -> None:
    assert pii_category(table, field) == category


QUERIES = ["one_roster_classes", "one_roster_enrollments", "one_roster_users", "student_list"]
CUSTOM_SQL_V1 = 'SELECT s.STUDENT_NUMBER AS "student_id" FROM STUDENTS s ORDER BY s.STUDENT_NUMBER\n'
CUSTOM_SQL_V2 = (
    'SELECT s.STUDENT_NUMBER AS "student_id",\n'
    "       TO_CHAR(s.DOB, 'YYYY-MM-DD') AS \"birth_date\"\n"
    "FROM STUDENTS s\n"
    "WHERE s.ENROLL_STATUS = 0\n"
    "ORDER BY s.STUDENT_NUMBER\n"
)
SIDECAR = """summary = "Students <b>by</b> number"
description = "Reviewers <script>alert(1)</script> must see this escaped"
group = "custom"
core_table = "STUDENTS"
file_name = "students.csv"
columns = [
{columns}
]
"""


def _write_custom(project: Path, sql: str, columns: list[tuple[str, str]]) -> None:
    queries = project / "queries"
    queries.mkdir(exist_ok=True)
    (queries / "student_list.sql.j2").write_text(sql)
    rows = ",\n".join(f'  {{ alias = "{a}", column = "{c}" }}' for a, c in columns)
    (queries / "student_list.toml").write_text(SIDECAR.replace("{columns}", rows))


@pytest.fixture
def releases(runner, project_dir: Path, tmp_path_factory) -> tuple[Path, Path]:
    """v1.0.0 without one_roster_users and with the custom query's first SQL; the project at v1.1.0."""
    config = project_dir / "plugin.toml"
    # A fixed set of queries, so that the counts below do not change with the catalogue.
    original = config.read_text().replace('include = ["*"]', f"include = {json.dumps(QUERIES)}")
    _write_custom(project_dir, CUSTOM_SQL_V1, [("student_id", "STUDENTS.STUDENT_NUMBER")])
    config.write_text(original.replace("exclude = []", 'exclude = ["one_roster_users"]'))
    old_out = tmp_path_factory.mktemp("released")
    result = runner.invoke(main, ["build", "-c", str(config), "-o", str(old_out)])
    assert result.exit_code == 0, result.output
    old_zip = old_out / "example-usd-rostering-1.0.0.zip"

    config.write_text(original.replace('version = "1.0.0"', 'version = "1.1.0"'))
    _write_custom(
        project_dir, CUSTOM_SQL_V2, [("student_id", "STUDENTS.STUDENT_NUMBER"), ("birth_date", "STUDENTS.DOB")]
    )
    return config, old_zip


NS = "us.ca.k12.exampleusd.rostering"


def test_review_against_an_older_build_markdown(runner, releases) -> None:
    config, old_zip = releases
    out = config.parent / "review.md"
    result = runner.invoke(main, ["review", "-c", str(config), "--against", str(old_zip), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")

    changes = text[text.index("## Changes since") : text.index(f"## {NS}.one\\_roster\\_classes")]
    assert "Version 1.1.0 is greater than 1.0.0." in changes
    assert f"- Queries added: `{NS}.one_roster_users`" in changes
    assert "- Queries removed: none" in changes
    assert f"- Queries changed: `{NS}.student_list`" in changes
    assert "- Queries unchanged: 2" in changes
    new_fields = dict(re.findall(r"^\| `([A-Z_]+\.[A-Z_]+)` \| ([a-z ]*) \|", changes, re.M))
    # Read only by one_roster_users (contacts, e-mail) or by the custom query's new SQL.
    assert new_fields["PERSON.FIRSTNAME"] == "name"
    assert new_fields["EMAILADDRESS.EMAILADDRESS"] == "addresses and phones"
    assert new_fields["USERS.EMAIL_ADDR"] == "addresses and phones"
    assert new_fields["STUDENTS.DOB"] == "birth date"
    # Read by v1.0.0 already (classes/enrollments use the same student and section CTEs).
    assert "SECTIONS.ID" not in new_fields
    assert "STUDENTS.STUDENT_NUMBER" not in new_fields

    custom = text[text.index(f"## {NS}.student\\_list (changed)") :]
    assert "Newly reads: `STUDENTS.DOB`, `STUDENTS.ENROLL_STATUS`" in custom
    assert "+column 2: birth_date = STUDENTS.DOB" in custom
    assert "+       TO_CHAR(s.DOB, 'YYYY-MM-DD') AS \"birth_date\"" in custom
    assert '-SELECT s.STUDENT_NUMBER AS "student_id" FROM STUDENTS s ORDER BY s.STUDENT_NUMBER' in custom
    assert "| `STUDENTS.ENROLL_STATUS` | filter | student records |" in custom
    assert "| `STUDENTS.DOB` | selected | birth date |" in custom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in custom and "<script>" not in text


def test_review_html_is_self_contained_and_escaped(runner, releases) -> None:
    config, old_zip = releases
    out = config.parent / "review.html"
    result = runner.invoke(main, ["review", "-c", str(config), "--against", str(old_zip), "-o", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_text(encoding="utf-8")
    doc = lxml.html.document_fromstring(raw)

    # No external assets and nothing active: inline CSS only, with print styles.
    assert doc.xpath("//script|//link|//img|//iframe|//object|//embed") == []
    assert [e for e in doc.iter() if isinstance(e.tag, str) and (e.get("src") or e.get("style"))] == []
    assert all(a.get("href", "").startswith("#") for a in doc.xpath("//a"))
    css = doc.xpath("//style")[0].text
    assert "@media print" in css and "url(" not in css and "@import" not in css

    # User text is text, not markup.
    custom = doc.get_element_by_id(f"q-{NS.replace('.', '-')}-student_list")
    assert "<script>alert(1)</script>" in custom.text_content()
    assert custom.xpath(".//b") == []
    assert custom.xpath(".//h2/span[@class='status changed']")

    # Every query has a section; the navigation links to each; the changes are listed.
    sections = doc.xpath("//section[@class='query']")
    assert [s.get("id") for s in sections] == [a.get("href")[1:] for a in doc.xpath("//nav//a")]
    assert len(sections) == 4
    changes = doc.get_element_by_id("changes").text_content()
    assert f"{NS}.one_roster_users" in changes and "PERSON.FIRSTNAME" in changes
    added_rows = doc.xpath("//section[@id='changes']//tr[th='Queries added']/td//code/text()")
    assert added_rows == [f"{NS}.one_roster_users"]
    diff_added = custom.xpath(".//pre[@class='diff']/span[@class='add']/text()")
    assert "+       TO_CHAR(s.DOB, 'YYYY-MM-DD') AS \"birth_date\"" in diff_added
    users = doc.get_element_by_id(f"q-{NS.replace('.', '-')}-one_roster_users")
    pii = users.xpath(".//table[@class='meta']//tr[th='Personal data']//span[@class='pii']/text()")
    assert pii == ["name", "addresses and phones", "contacts", "student records", "credential"]


def _chromium() -> Path:
    """Chromium to render the report with: CI installs it (.ci/run), so there a missing one fails."""
    found = shutil.which("chromium") or (str(CHROMIUM) if CHROMIUM.exists() else None)
    if found:
        return Path(found)
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but no chromium to render the review report with (.ci/run installs Debian's chromium)")
    pytest.skip("no chromium to render the review report with")


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), (None, pytest.skip.Exception)])
def test_a_missing_chromium_fails_under_ci_and_skips_elsewhere(monkeypatch, tmp_path: Path, ci, outcome) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    monkeypatch.setattr(f"{__name__}.CHROMIUM", tmp_path / "no-chromium")
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome):
        _chromium()


def _headless(chromium: Path, page: Path, width: int, *mode: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--window-size={width},1600",
            *mode,
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=mode[:1] == ("--dump-dom",),
        timeout=120,
    )


# Run inside the page (a copy of the report): which boxes overlap, as JSON in a <pre>. Badges (the
# query list's status, the personal-data kinds) must stay inside their list item or table cell; a
# query's name and badge must not run into the next column, nor into the room that column's list
# numbers ("10.") take on its left; and nothing may make the page wider than the window.
GEOMETRY_PROBE = """
<script>
addEventListener("load", () => {
  const problems = [];
  const show = (e) => (e.textContent || "").trim().slice(0, 60);
  const inside = (r, box) => r.left >= box.left - 0.5 && r.right <= box.right + 0.5;
  for (const badge of document.querySelectorAll(".status, .pii")) {
    const box = badge.closest("li, td, th, h2, h3");
    if (box && !inside(badge.getBoundingClientRect(), box.getBoundingClientRect()))
      problems.push(`badge '${show(badge)}' sticks out of its ${box.tagName.toLowerCase()} '${show(box)}'`);
  }
  const items = [...document.querySelectorAll("nav ol > li")];
  const probe = document.createElement("span");
  probe.textContent = `${items.length}.\u00a0`;
  items[0].parentElement.appendChild(probe);
  const numberWidth = probe.getBoundingClientRect().width;
  probe.remove();
  for (const item of items) {
    const box = item.getBoundingClientRect();
    const rects = [...item.children].flatMap((c) => [...c.getClientRects()]);
    for (const r of rects)
      if (!inside(r, box)) problems.push(`'${show(item)}' runs out of its column`);
    for (const other of items) {
      if (other === item) continue;
      const o = other.getBoundingClientRect();
      const room = { left: o.left - numberWidth, right: o.right, top: o.top, bottom: o.bottom };
      for (const r of rects)
        if (r.right > room.left + 0.5 && r.left < room.right - 0.5 && r.bottom > room.top + 0.5 && r.top < room.bottom - 0.5)
          problems.push(`'${show(item)}' collides with '${show(other)}' or its number`);
    }
  }
  const page = document.documentElement;
  if (page.scrollWidth > innerWidth + 1) problems.push(`the page is ${page.scrollWidth}px wide in a ${innerWidth}px window`);
  const out = document.createElement("pre");
  out.id = "geometry";
  out.textContent = JSON.stringify({ width: innerWidth, badges: document.querySelectorAll("nav .status").length, problems });
  document.body.appendChild(out);
});
</script>
"""


def review_geometry(chromium: Path, review_html: Path, width: int) -> dict:
    """Lay out the report in headless Chromium at this window width and report the boxes that collide."""
    probed = review_html.with_name(f"{review_html.stem}-probe-{width}.html")
    probed.write_text(review_html.read_text(encoding="utf-8").replace("</body>", GEOMETRY_PROBE + "</body>"), "utf-8")
    dom = _headless(chromium, probed, width, "--dump-dom").stdout
    return json.loads(lxml.html.document_fromstring(dom).get_element_by_id("geometry").text_content())


# Headless Chromium will not lay out narrower than 500 px: a phone held sideways.
NARROW, WIDE = 500, 1280


@pytest.mark.parametrize("width", [NARROW, WIDE])
def test_review_html_renders_in_chromium_without_collisions(runner, releases, tmp_path: Path, width: int) -> None:
    chromium = _chromium()
    config, old_zip = releases
    # The whole catalogue, so that the query list holds the longest names and two-digit numbers.
    config.write_text(re.sub(r"include = \[.*\]", 'include = ["*"]', config.read_text()))
    out = tmp_path / "review.html"
    result = runner.invoke(main, ["review", "-c", str(config), "--against", str(old_zip), "-o", str(out)])
    assert result.exit_code == 0, result.output

    png = tmp_path / f"review-{width}.png"
    _headless(chromium, out, width, f"--screenshot={png}")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000  # more than a blank page

    geometry = review_geometry(chromium, out, width)
    assert geometry["width"] == width
    assert geometry["badges"] >= 10  # the probe saw the query list's status badges
    assert geometry["problems"] == []


# The query list as it was styled before: two columns at every width, the default gap (narrower than
# "10."), names that never wrap. Added after the report's own style, so these rules win.
OLD_QUERY_LIST_STYLE = (
    "<style>nav ol { columns: auto 2; column-gap: normal; } nav li { overflow-wrap: normal; }"
    " td code, h2 code { overflow-wrap: normal; }</style></head>"
)


def test_the_geometry_probe_sees_the_old_query_list_collide(runner, releases, tmp_path: Path) -> None:
    """The check above can fail: with the old style the status badges run into the next column's
    names and numbers, at both widths."""
    chromium = _chromium()
    config, old_zip = releases
    config.write_text(re.sub(r"include = \[.*\]", 'include = ["*"]', config.read_text()))
    out = tmp_path / "review.html"
    assert runner.invoke(main, ["review", "-c", str(config), "--against", str(old_zip), "-o", str(out)]).exit_code == 0
    old = tmp_path / "old-style.html"
    old.write_text(out.read_text(encoding="utf-8").replace("</head>", OLD_QUERY_LIST_STYLE, 1), encoding="utf-8")
    for width in (NARROW, WIDE):
        problems = review_geometry(chromium, old, width)["problems"]
        assert any("collides with" in p for p in problems), (width, problems)
    assert any("runs out of its column" in p for p in review_geometry(chromium, old, NARROW)["problems"])


def test_review_without_against_and_to_stdout(runner, project_dir: Path) -> None:
    result = runner.invoke(main, ["review", "-c", str(project_dir / "plugin.toml"), "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Review: Example USD Rostering 1.0.0")
    assert "## Changes since" not in result.output
    names = next(line for line in result.output.splitlines() if line.startswith("| name | "))
    assert "`PERSON.FIRSTNAME`" in names and "`STUDENTS.LAST_NAME`" in names


def test_review_refuses_a_version_not_greater(runner, project_dir: Path, tmp_path_factory) -> None:
    config = project_dir / "plugin.toml"
    config.write_text(config.read_text().replace('include = ["*"]', 'include = ["one_roster_*"]'))
    old_out = tmp_path_factory.mktemp("released")
    assert runner.invoke(main, ["build", "-c", str(config), "-o", str(old_out)]).exit_code == 0
    out = project_dir / "r.md"
    old_zip = old_out / "example-usd-rostering-1.0.0.zip"
    result = runner.invoke(main, ["review", "-c", str(config), "--against", str(old_zip), "-o", str(out)])
    assert result.exit_code == 1
    assert "version 1.0.0 is not greater than 1.0.0" in result.output
    assert "**Version 1.0.0 is not greater than 1.0.0" in out.read_text()
    assert "- Queries added: none\n- Queries removed: none\n- Queries changed: none\n" in out.read_text()


def test_review_output_suffix_must_name_a_format(runner, project_dir: Path) -> None:
    result = runner.invoke(main, ["review", "-c", str(project_dir / "plugin.toml"), "-o", str(project_dir / "r.pdf")])
    assert result.exit_code == 2
    assert "name the output .html or .md" in result.output
    assert not (project_dir / "r.pdf").exists()


def test_review_default_output_is_in_dist(runner, project_dir: Path, monkeypatch) -> None:
    monkeypatch.chdir(project_dir)
    result = runner.invoke(main, ["review"])
    assert result.exit_code == 0, result.output
    assert (project_dir / "dist" / "example-usd-rostering-1.0.0-review.html").is_file()


def test_review_against_a_hostile_zip_is_refused(runner, project_dir: Path) -> None:
    import zipfile

    bad = project_dir / "old.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("plugin.xml", "<plugin/>")
        archive.writestr("../../escape.xml", "x")
    result = runner.invoke(main, ["review", "-c", str(project_dir / "plugin.toml"), "--against", str(bad), "-o", "-"])
    assert result.exit_code == 2
    assert "member '../../escape.xml' climbs out of the archive with '..'" in result.output
    assert not (project_dir.parent / "escape.xml").exists()
    shutil.rmtree(project_dir / "dist", ignore_errors=True)


def test_review_of_a_plugin_with_errors_still_reports_and_exits_1(runner, project_dir: Path) -> None:
    queries = project_dir / "queries"
    queries.mkdir()
    (queries / "broken.sql.j2").write_text('SELECT s.ID AS "x" FROM STUDENTS s ORDER BY s.ID;\n')
    (queries / "broken.toml").write_text(
        'summary = "b"\ngroup = "custom"\ncore_table = "STUDENTS"\ncolumns = [{ alias = "x", column = "STUDENTS.ID" }]\n'
    )
    config = project_dir / "plugin.toml"
    config.write_text(config.read_text().replace('include = ["*"]', 'include = ["broken"]'))
    out = project_dir / "r.html"
    result = runner.invoke(main, ["review", "-c", str(project_dir / "plugin.toml"), "-o", str(out)])
    assert result.exit_code == 1
    assert "error finding(s); see the report" in result.output
    doc = lxml.html.document_fromstring(out.read_text())
    rows = doc.xpath("//section[@id='findings']//tr[td[@class='sev-error']]")
    assert rows and "queries/broken.sql.j2:1" in rows[0].text_content()


def test_review_says_when_the_fields_of_a_query_are_unknown(runner, project_dir: Path) -> None:
    queries = project_dir / "queries"
    queries.mkdir()
    (queries / "garbled.sql.j2").write_text('SELECT s.ID AS "x" FROM STUDENTS s WHERE (\n')
    (queries / "garbled.toml").write_text(
        'summary = "g"\ngroup = "custom"\ncore_table = "STUDENTS"\ncolumns = [{ alias = "x", column = "STUDENTS.ID" }]\n'
    )
    config = project_dir / "plugin.toml"
    config.write_text(config.read_text().replace('include = ["*"]', 'include = ["garbled"]'))
    result = runner.invoke(main, ["review", "-c", str(config), "-o", "-"])
    assert result.exit_code == 1
    assert "### Fields read (0)\n\n**The SQL could not be parsed (" in result.output
    assert "the fields it reads are unknown" in result.output


def test_review_lists_the_access_request_of_an_oauth_plugin(runner, project_dir: Path) -> None:
    config = project_dir / "plugin.toml"
    config.write_text(
        config.read_text()
        .replace("oauth = false", "oauth = true")
        .replace('include = ["*"]', 'include = ["one_roster_classes"]')
    )
    result = runner.invoke(main, ["review", "-c", str(config), "-o", "-"])
    assert result.exit_code == 0, result.output
    requested = re.search(r"yes: (\d+) fields of (\d+) tables requested, view only", result.output)
    assert requested
    section = result.output.split("## API access requested (access\\_request, view only)\n\n", 1)[1].split("\n## ", 1)[
        0
    ]
    rows = dict(re.findall(r"^\| `(\w+)` \| (.*) \|$", section, re.M))  # grouped by table
    assert len(rows) == int(requested.group(2))
    assert sum(len(fields.split(", ")) for fields in rows.values()) == int(requested.group(1))
    assert "`EXPRESSION`" in rows["SECTIONS"] and "`YEARID`" in rows["TERMS"]


def test_review_resolves_columns_of_declared_extension_tables(tmp_path):
    """An unqualified column of a district extension table is found only with [dictionary]."""
    from helpers import example_config, write_tree

    from plugin_builder.pipeline import review as build_review

    write_tree(
        tmp_path,
        {
            "plugin.toml": example_config(
                **{
                    "exclude = []": 'exclude = []\n\n[dictionary]\nextensions = { U_DEF_EXT_STUDENTS = ["STUDENTSDCID", "EMAIL_PERSONAL"] }'
                }
            ),
            "queries/personal_emails.sql.j2": (
                "SELECT s.ID AS id, EMAIL_PERSONAL AS email\n"
                "FROM STUDENTS s\nJOIN U_DEF_EXT_STUDENTS u ON u.STUDENTSDCID = s.DCID\nORDER BY s.ID\n"
            ),
            "queries/personal_emails.toml": """
                summary = "Personal e-mails"
                group = "custom"
                core_table = "STUDENTS"
                columns = [
                  { alias = "id", column = "STUDENTS.ID" },
                  { alias = "email", column = "STUDENTS.LASTFIRST" },
                ]
            """,
        },
    )
    review = build_review(tmp_path / "plugin.toml").report
    query = next(q for q in review.queries if q.name.endswith(".personal_emails"))
    assert "U_DEF_EXT_STUDENTS.EMAIL_PERSONAL" in [f.name for f in query.fields]


def test_build_writes_the_review_report_of_the_zip_it_wrote(runner, project_dir):
    """The reviewers' report is a build output, naming the ZIP's checksum."""
    from lxml import html

    from plugin_builder.cli import main

    result = runner.invoke(main, ["build", "-c", str(project_dir / "plugin.toml"), "-o", str(project_dir / "dist")])
    assert result.exit_code == 0, result.output
    report = project_dir / "dist" / "example-usd-rostering-1.0.0-review.html"
    assert f"wrote {report} (review report)" in result.stderr
    sha = (project_dir / "dist" / "example-usd-rostering-1.0.0.zip.sha256").read_text().split()[0]
    page = html.fromstring(report.read_bytes())
    assert sha in page.text_content()
    assert "one_roster_users" in page.text_content()

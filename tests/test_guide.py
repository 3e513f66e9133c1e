"""The Data Export Manager setup guide written beside every ZIP."""

from __future__ import annotations

import re
from pathlib import Path

from plugin_builder.cli import main

# The normative OneRoster 1.1 users.csv header (1EdTech OneRoster 1.1 CSV tables).
ONEROSTER_USERS = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,"
    "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password"
).split(",")


def _section(guide: str, file_name: str) -> str:
    """The guide's section for one output file."""
    match = re.search(rf"^## \d+\. {re.escape(file_name)}:.*?(?=^## )", guide, re.M | re.S)
    assert match, f"no section for {file_name}"
    return match.group(0)


def _field_rows(section: str) -> list[tuple[int, str, str]]:
    rows = re.findall(r"^\s*\| (\d+) \| `([^`]+)` \| `([^`]+)` \|$", section, re.M)
    return [(int(n), field, label) for n, field, label in rows]


def test_build_writes_the_guide_beside_the_zip(runner, project_dir: Path) -> None:
    out = project_dir / "dist"
    result = runner.invoke(main, ["build", "-c", str(project_dir / "plugin.toml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    guide = out / "example-usd-rostering-1.0.0-DEM-setup.md"
    assert guide.is_file()
    assert f"wrote {guide}" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "example-usd-rostering-1.0.0-DEM-setup.md",
        "example-usd-rostering-1.0.0-review.html",
        "example-usd-rostering-1.0.0.zip",
        "example-usd-rostering-1.0.0.zip.sha256",
    ]
    text = guide.read_text(encoding="utf-8")
    sha = (out / "example-usd-rostering-1.0.0.zip.sha256").read_text().split()[0]
    assert sha in text

    users = _section(text, "users.csv")
    rows = _field_rows(users)
    assert [label for _, _, label in rows] == ONEROSTER_USERS
    assert [n for n, _, _ in rows] == list(range(1, 19))
    # DEM shows <coreTable>.<alias>; the label to type is the alias.
    assert all(field == f"STUDENTS.{label}" for _, field, label in rows)
    assert "DEM lists the fields alphabetically as `STUDENTS.<name>`" in users
    assert "`NQ - us.ca.k12.exampleusd.rostering.one_roster_users`" in users
    assert "*OneRoster users.csv*" in users
    assert "| Export File Name | `users.csv` |" in users
    assert "| Character Set | UTF-8 |" in users
    assert "| Include Column Headers | enabled |" in users
    assert "| Line Delimiter | CR-LF |" in users
    assert "`manifest.csv`" in text
    quoting = next(line for line in users.splitlines() if "Surround Field Values in Quotes" in line)
    assert "**enabled (required)**" in quoting
    assert "`orgSourcedIds`, `userIds`, `agentSourcedIds`, `grades`" in quoting

    # Arguments become DEM filters.
    classes = _section(text, "classes.csv")
    assert "| `yearid` | `TERMS.YEARID` | no |" in classes
    assert "The query takes no arguments" in users

    # Scheduling to SFTP names every template once.
    schedule = text[text.index("## Schedule the templates to SFTP") :]
    assert "**calendar icon**" in schedule and "**Schedule Active**" in schedule
    assert "Remote Connection Manager" in schedule
    for name in ("one_roster_classes", "one_roster_enrollments", "one_roster_users"):
        assert schedule.count(f"`example-usd-rostering-{name}`") == 1


def test_quotes_false_says_multi_valued_columns_keep_one_value(runner, project_dir: Path) -> None:
    config = project_dir / "plugin.toml"
    config.write_text(
        config.read_text()
        .replace("quotes = true", "quotes = false")
        .replace('include = ["*"]', 'include = ["one_roster_users", "one_roster_enrollments"]')
    )
    out = project_dir / "dist"
    result = runner.invoke(main, ["build", "-c", str(config), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = (out / "example-usd-rostering-1.0.0-DEM-setup.md").read_text()
    users = next(line for line in _section(text, "users.csv").splitlines() if "Surround Field" in line)
    assert "**disabled**" in users
    assert "carry only their first value" in users and "`agentSourcedIds`" in users
    enrollments = next(line for line in _section(text, "enrollments.csv").splitlines() if "Surround Field" in line)
    assert "**disabled**" in enrollments and "first value" not in enrollments


def test_user_text_cannot_break_the_markdown(runner, project_dir: Path) -> None:
    queries = project_dir / "queries"
    queries.mkdir()
    (queries / "bus_riders.sql.j2").write_text(
        'SELECT s.STUDENT_NUMBER AS "student_id" FROM STUDENTS s ORDER BY s.STUDENT_NUMBER\n'
    )
    (queries / "bus_riders.toml").write_text(
        'summary = "Riders | <b>bold</b> `x`"\n'
        'description = "line one\\n## not a heading <script>alert(1)</script>"\n'
        'group = "transport"\ncore_table = "STUDENTS"\nfile_name = "riders|`.csv"\n'
        'columns = [{ alias = "student_id", column = "STUDENTS.STUDENT_NUMBER" }]\n'
    )
    config = project_dir / "plugin.toml"
    config.write_text(config.read_text().replace('include = ["*"]', 'include = ["bus_riders"]'))
    out = project_dir / "dist"
    result = runner.invoke(main, ["build", "-c", str(config), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = (out / "example-usd-rostering-1.0.0-DEM-setup.md").read_text()
    # Readable as plain text (no HTML entities), and no tag opens: each < is backslashed.
    assert not re.search(r"(?<!\\)<(script|b|/)", text) and "&lt;" not in text
    assert r"\<script>alert(1)\</script>" in text
    assert "\n## not a heading" not in text  # the description stays one paragraph line
    assert r"Riders \| \<b>bold\</b> \`x\`" in text
    # In a table cell a file name's | is escaped and its backtick cannot close the code span.
    assert r"| Export File Name | ``riders\|`.csv`` |" in text
    # An unknown group gets the generic receiver, and the file name is used as given.
    assert "for\na CSV receiver." in text


def _json_query(project_dir: Path) -> None:
    queries = project_dir / "queries"
    queries.mkdir()
    (queries / "cohorts.sql.j2").write_text('SELECT s.STUDENT_NUMBER AS "studentUniqueId" FROM STUDENTS s ORDER BY 1\n')
    (queries / "cohorts.toml").write_text(
        'summary = "Ed-Fi cohorts"\ngroup = "edfi"\ncore_table = "STUDENTS"\n'
        'file_name = "studentCohortAssociations.json"\n'
        'columns = [{ alias = "studentUniqueId", column = "STUDENTS.STUDENT_NUMBER" }]\n'
    )
    config = project_dir / "plugin.toml"
    config.write_text(config.read_text().replace('include = ["*"]', 'include = ["cohorts", "one_roster_users"]'))


def test_a_json_query_is_read_through_the_api(runner, project_dir: Path) -> None:
    _json_query(project_dir)
    config, out = project_dir / "plugin.toml", project_dir / "dist"
    config.write_text(config.read_text().replace("oauth = true", "oauth = false"))
    assert runner.invoke(main, ["build", "-c", str(config), "-o", str(out)]).exit_code == 0
    text = (out / "example-usd-rostering-1.0.0-DEM-setup.md").read_text()
    assert "1. `studentCohortAssociations.json`: Ed-Fi cohorts (Ed-Fi, through the API)" in text
    section = _section(text, "studentCohortAssociations.json")
    assert "reads this query as JSON (`studentCohortAssociations.json`) through PowerSchool's\nAPI" in section
    assert "built with `[plugin] oauth = false`, so the API is closed" in section
    # The DEM template remains as an alternative, writing CSV (DEM cannot write JSON).
    assert "| Export File Name | `studentCohortAssociations.csv` |" in section
    assert "`studentCohortAssociations.csv` | Ed-Fi (only if it takes CSV instead of the API) |" in text
    assert "`users.csv` | OneRoster 1.1 bulk CSV |" in text

    config.write_text(config.read_text().replace("oauth = false", "oauth = true").replace('"1.0.0"', '"1.0.1"'))
    assert runner.invoke(main, ["build", "-c", str(config), "-o", str(out)]).exit_code == 0
    section = _section((out / "example-usd-rostering-1.0.1-DEM-setup.md").read_text(), "studentCohortAssociations.json")
    assert "`POST /ws/schema/query/us.ca.k12.exampleusd.rostering.cohorts`" in section
    assert "oauth = false" not in section


def test_the_guide_schedules_dem_templates_as_autosend_and_says_how_to_grant_the_role(
    runner, project_dir: Path
) -> None:
    """Receivers (SchoolStatus Connect) call a scheduled DEM template "AutoSend via SFTP"; the
    guide agrees with them, and says where a district administrator grants the role access."""
    out = project_dir / "dist"
    assert runner.invoke(main, ["build", "-c", str(project_dir / "plugin.toml"), "-o", str(out)]).exit_code == 0
    text = (out / "example-usd-rostering-1.0.0-DEM-setup.md").read_text(encoding="utf-8")
    assert "cannot export PowerQueries" not in text
    schedule = text.split("## Schedule the templates to SFTP", 1)[1]
    assert '"AutoSend via SFTP"' in schedule and "Remote Connection Manager" in schedule
    start = text.split("## Before you start", 1)[1].split("\n## ", 1)[0]
    assert "Roles" in start and "Administration" in start and "**Field Level Security**" in start
    assert "**View Only**" in start

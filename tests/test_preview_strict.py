"""Preview is as strict as validate, and its folder holds exactly its own files: clashing
outputs, required args, misspelt names, stale files, its default folder, its row counts."""

from __future__ import annotations

import json
import os
from pathlib import Path

from helpers import write_tree

from plugin_builder.cli import main

CONFIG = """
[plugin]
name = "Grades Export"
version = "1.0.0"
publisher = "District IT"
contact_email = "it@example.org"
namespace = "org.example.grades"

[queries]
include = [{include}]
"""
STUDENTS_SQL = """SELECT s.STUDENT_NUMBER AS student_number, s.LASTFIRST AS name
FROM STUDENTS s
{where}ORDER BY s.STUDENT_NUMBER
"""
STUDENTS_TOML = """summary = "Students"
group = "{group}"
core_table = "STUDENTS"
file_name = "{file_name}"
{args}columns = [
  {{ alias = "student_number", column = "STUDENTS.STUDENT_NUMBER" }},
  {{ alias = "name", column = "{name_column}" }},
]
"""


def project(root: Path, queries: dict[str, dict[str, str]], include: str | None = None) -> Path:
    """A project of its own queries: name -> format fields of STUDENTS_SQL/STUDENTS_TOML."""
    files = {"plugin.toml": CONFIG.format(include=include or ", ".join(f'"{n}"' for n in queries))}
    for name, fields in queries.items():
        values = {"group": "custom", "file_name": f"{name}.csv", "args": "", "where": ""}
        values |= {"name_column": "STUDENTS.LASTFIRST"} | fields
        files[f"queries/{name}.sql.j2"] = values.get("sql") or STUDENTS_SQL.format(**values)
        files[f"queries/{name}.toml"] = STUDENTS_TOML.format(**values)
    return write_tree(root, files)


def preview(runner, root: Path, *extra: str):
    args = ["preview", "-c", str(root / "plugin.toml"), "--students", "100", "--quiet", *extra]
    return runner.invoke(main, args, catch_exceptions=False)


def test_preview_reports_validate_findings_and_exits_1(runner, tmp_path):
    """A column= that is no dictionary field (PQ212) is an error in preview as in validate."""
    root = project(tmp_path, {"roster": {"name_column": "STUDENTS.LASTFIRS"}})
    result = preview(runner, root, "-o", str(tmp_path / "out"), "--format", "json")
    assert result.exit_code == 1, result.output
    codes = {f["code"] for f in json.loads(result.stdout)["findings"]}
    assert "PQ212" in codes


def test_two_queries_writing_one_file_are_an_error_in_preview(runner, tmp_path):
    """Two project queries and the built-in one_roster_orgs declaring oneroster/orgs.csv."""
    orgs = {"group": "oneroster", "file_name": "orgs.csv"}
    root = project(tmp_path, {"orgs_a": orgs, "orgs_b": orgs}, include='"one_roster_orgs", "orgs_a", "orgs_b"')
    result = preview(runner, root, "-o", str(tmp_path / "out"), "--format", "json")
    assert result.exit_code == 1, result.output
    clash = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "PQ232"]
    assert len(clash) == 1
    assert all(name in clash[0]["message"] for name in ("one_roster_orgs", "orgs_a", "orgs_b"))
    assert "oneroster/orgs.csv" in clash[0]["message"]


def test_a_required_arg_without_value_is_an_error_naming_the_option(runner, tmp_path):
    required = '\nargs = [{ name = "yearid", column = "TERMS.YEARID", required = true }]\n'
    root = project(
        tmp_path,
        {"student_grades": {"args": required.lstrip(), "where": "WHERE s.ENROLL_STATUS = 0 OR :yearid IS NULL\n"}},
    )
    result = preview(runner, root, "-o", str(tmp_path / "out"))
    assert result.exit_code == 1, result.output
    assert "--arg yearid=…" in result.output
    assert "0 rows" not in result.output
    given = preview(runner, root, "-o", str(tmp_path / "out"), "--arg", "yearid=35")
    assert given.exit_code == 0, given.output


def test_a_misspelt_column_gets_validate_s_did_you_mean(runner, tmp_path):
    sql = "SELECT u.DCID AS dcid, u.EMAIL_ADR AS email FROM USERS u ORDER BY 1\n"
    toml = 'summary = "Staff"\ngroup = "custom"\ncore_table = "USERS"\nfile_name = "staff.csv"\ncolumns = [\n  { alias = "dcid", column = "USERS.DCID" },\n  { alias = "email", column = "USERS.EMAIL_ADDR" },\n]\n'
    write_tree(
        tmp_path,
        {"plugin.toml": CONFIG.format(include='"staff"'), "queries/staff.sql.j2": sql, "queries/staff.toml": toml},
    )
    result = preview(runner, tmp_path, "-o", str(tmp_path / "out"))
    assert result.exit_code == 1, result.output
    assert "did you mean EMAIL_ADDR?" in result.output
    assert "add the column" not in result.output


def test_the_folder_holds_exactly_this_run_s_files(runner, tmp_path):
    """A custom group's file of a query that now fails, and of a query removed, are gone."""
    out = tmp_path / "out"
    root = project(tmp_path / "p", {"roster": {}, "extra": {"group": "other"}})
    assert preview(runner, root, "-o", str(out)).exit_code == 0
    assert (out / "custom" / "roster.csv").is_file() and (out / "other" / "extra.csv").is_file()
    (out / "custom" / "notes.txt").write_text("mine")  # a file preview did not write
    # roster now fails on the district; extra is removed from the project
    (root / "queries" / "roster.sql.j2").write_text(
        "SELECT s.STUDENT_NUMBER AS student_number, s.LASTFIRST AS name FROM STUDENTS s WHERE s.ID = 'x' || 1 ORDER BY 1\n"
    )
    (root / "plugin.toml").write_text(CONFIG.format(include='"roster"'))
    result = preview(runner, root, "-o", str(out))
    assert result.exit_code == 1, result.output
    assert not (out / "custom" / "roster.csv").exists()
    assert not (out / "other").exists()
    assert (out / "custom" / "notes.txt").read_text() == "mine"


def test_a_folder_preview_does_not_own_is_refused_and_left_alone(runner, tmp_path):
    out = tmp_path / "out"
    (out / "oneroster").mkdir(parents=True)
    (out / "oneroster" / "users.csv").write_text("someone else's\n")
    (out / "report.docx").write_text("not preview's\n")
    root = project(tmp_path / "p", {"roster": {}})
    result = runner.invoke(main, ["preview", "-c", str(root / "plugin.toml"), "--students", "100", "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "preview did not write" in result.output
    assert (out / "oneroster" / "users.csv").read_text() == "someone else's\n"


def test_preview_writes_beside_plugin_toml_by_default(runner, tmp_path, monkeypatch):
    root = project(tmp_path / "p", {"roster": {}})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = preview(runner, root)
    assert result.exit_code == 0, result.output
    assert (root / "preview" / "custom" / "roster.csv").is_file()
    assert not os.listdir(elsewhere)


def test_row_count_leaves_out_the_manifest(runner, project_dir):
    config = project_dir / "plugin.toml"
    config.write_text(config.read_text().replace('include = ["*"]', 'include = ["one_roster_orgs"]'))
    result = preview(runner, project_dir, "-o", str(project_dir / "out"))
    assert result.exit_code == 0, result.output
    rows = len((project_dir / "out" / "oneroster" / "orgs.csv").read_text().splitlines()) - 1
    line = next(line for line in result.output.splitlines() if line.startswith("oneroster"))
    assert line.split()[1:3] == ["2", str(rows)]  # orgs.csv and manifest.csv; the rows of orgs.csv


# --------------------------------------------------------------------------- settings vs the district


def test_settings_that_match_nothing_in_the_district_are_named_with_the_closest(runner, project_dir):
    """`Lead teacher` for the district's `Lead Teacher`, and a contact code it lacks."""
    config = project_dir / "plugin.toml"
    text = config.read_text()
    text = text.replace('primary_teacher_roles = ["Lead Teacher"]', 'primary_teacher_roles = ["Lead teacher"]')
    text = text.replace('guardian = ["Legal Guardian", "Guardian"]', 'guardian = ["Legal Guardian", "Stepmother"]')
    text = text.replace('tardy_codes = ["T"]', 'tardy_codes = ["TD"]')
    text = text.replace('cohort_programs = ["*"]', 'cohort_programs = ["Gifted*", "Title 1*"]')
    config.write_text(text)
    result = preview(runner, project_dir, "-o", str(project_dir / "out"), "--format", "json")
    found = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "PV660"]
    by_value = {f["message"].split("'")[1]: f for f in found}
    assert set(by_value) == {"Lead teacher", "Stepmother", "TD", "Title 1*"}, [f["message"] for f in found]
    assert "'Lead Teacher'" in by_value["Lead teacher"]["hint"]
    assert "'Title I, Part A'" in by_value["Title 1*"]["hint"]
    lines = config.read_text().splitlines()
    role = by_value["Lead teacher"]
    assert role["file"].endswith("plugin.toml") and "primary_teacher_roles" in lines[role["line"] - 1]
    summary = next(line for line in result.stderr.splitlines() if line.startswith("checks"))
    assert "4 findings" in summary


def test_the_district_s_own_spelling_is_caught_on_its_extract(runner, project_dir, tmp_path):
    """A district that calls its primary role 'Teacher of Record' (ROLEDEF.csv beside the synthetic district)."""
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "ROLEDEF.csv").write_text("ID,NAME,ISENABLED\n101,Teacher of Record,1\n205,Co-Teacher,1\n")
    config = project_dir / "plugin.toml"
    config.write_text(config.read_text().replace('include = ["*"]', 'include = ["one_roster_*"]'))
    result = preview(runner, project_dir, "-o", str(tmp_path / "out"), "--tables", str(tables), "--format", "json")
    found = {f["message"]: f["hint"] for f in json.loads(result.stdout)["findings"] if f["code"] == "PV660"}
    assert any("'Lead Teacher'" in m and "ROLEDEF.NAME" in m for m in found), found
    assert any("'Co-teacher'" in m and "'Co-Teacher'" in h for m, h in found.items()), found


def test_the_example_settings_match_the_synthetic_district(runner, project_dir):
    result = preview(runner, project_dir, "-o", str(project_dir / "out"), "--format", "json")
    assert [f for f in json.loads(result.stdout)["findings"] if f["code"] == "PV660"] == []


# --------------------------------------------------------------------------- lossy steps counted


def _by_column(findings: list[dict], code: str, file: str) -> dict[str, str]:
    return {f["message"].split(":", 1)[0]: f["message"] for f in findings if f["code"] == code and f["file"] == file}


def test_quotes_off_counts_the_links_and_text_it_loses(runner, project_dir):
    """The counts are those of the same district exported with quotes on."""
    config = project_dir / "plugin.toml"
    config.write_text(config.read_text().replace('include = ["*"]', 'include = ["one_roster_*"]'))
    on = preview(runner, project_dir, "-o", str(project_dir / "on"))
    assert on.exit_code == 0, on.output
    import csv

    with open(project_dir / "on" / "oneroster" / "users.csv", newline="", encoding="utf-8") as handle:
        users = list(csv.DictReader(handle))
    lists = [u["agentSourcedIds"] for u in users if "," in u["agentSourcedIds"]]
    names = [u["familyName"] for u in users if "," in u["familyName"] or '"' in u["familyName"]]

    config.write_text(config.read_text().replace("quotes = true", "quotes = false"))
    off = preview(runner, project_dir, "-o", str(project_dir / "off"), "--format", "json")
    findings = json.loads(off.stdout)["findings"]
    lost = _by_column(findings, "PV671", "oneroster/users.csv")
    dropped = sum(v.count(",") for v in lists)
    assert f"{len(lists):,} lists cut to the first value ({dropped:,} values dropped)" in lost["agentSourcedIds"]
    assert f"{len(names):,} values lost commas or double quotes" in lost["familyName"]
    assert "Smith, Jr." in lost["familyName"]
    summary = next(line for line in off.stderr.splitlines() if line.startswith("oneroster"))
    assert "clean" not in summary


def test_cleaned_free_text_is_counted_by_column(runner, project_dir):
    config = project_dir / "plugin.toml"
    config.write_text(
        config.read_text().replace('include = ["*"]', 'include = ["one_roster_users", "one_roster_orgs"]')
    )
    result = preview(runner, project_dir, "-o", str(project_dir / "out"), "--format", "json")
    cleaned = _by_column(json.loads(result.stdout)["findings"], "PV670", "oneroster/users.csv")
    assert "middleName" in cleaned and '"Ann\\nMarie"' in cleaned["middleName"]
    written = (project_dir / "out" / "oneroster" / "users.csv").read_text(encoding="utf-8")
    assert "Ann Marie" in written  # the value as written: the line break became a space


NOTES_CONFIG = (
    CONFIG.format(include='"notes"')
    + """
[dictionary]
extensions = { U_NOTES = { ID = "NUMBER", NOTE = "CLOB" } }
"""
)
NOTES_SQL = """{% import "_common.sql.j2" as common with context %}
SELECT TO_CHAR(n.ID) AS id,
       {{ common.text("DBMS_LOB.SUBSTR(n.NOTE, 1000, 1)") }} AS note
FROM U_NOTES n
ORDER BY 1
"""
NOTES_TOML = """summary = "Notes"
group = "custom"
core_table = "U_NOTES"
file_name = "notes.csv"
columns = [{ alias = "id", column = "U_NOTES.ID" }, { alias = "note", column = "U_NOTES.NOTE" }]
"""


def test_text_cut_to_1000_characters_is_counted(runner, tmp_path):
    """An attendance-style comment cut with DBMS_LOB.SUBSTR(…, 1000, 1), in a custom group."""
    write_tree(
        tmp_path, {"plugin.toml": NOTES_CONFIG, "queries/notes.sql.j2": NOTES_SQL, "queries/notes.toml": NOTES_TOML}
    )
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "U_NOTES.csv").write_text(f"ID,NOTE\n1,short\n2,{'x' * 1200}\n3,{'y' * 1001}\n")
    result = preview(runner, tmp_path, "-o", str(tmp_path / "out"), "--tables", str(tables), "--format", "json")
    cut = _by_column(json.loads(result.stdout)["findings"], "PV672", "custom/notes.csv")
    assert "2 values cut to 1,000 characters (the longest had 1,200)" in cut["note"], cut


def test_a_folder_of_an_earlier_preview_is_taken_over(runner, tmp_path):
    """A folder written before the marker existed (only the known output folders): cleaned."""
    out = tmp_path / "out"
    (out / "clever").mkdir(parents=True)
    (out / "clever" / "old.csv").write_text("x\n")
    (out / "oneroster.zip").write_bytes(b"")
    root = project(tmp_path / "p", {"roster": {}})
    result = preview(runner, root, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert not (out / "clever").exists() and not (out / "oneroster.zip").exists()
    assert (out / "custom" / "roster.csv").is_file()


def test_the_lossless_twin_takes_off_only_the_cleaning_and_the_cut():
    from plugin_builder.preview.losses import lossless_sql

    sql = (
        "SELECT TRANSLATE(NVL(a, 'x,y)'), CHR(9) || CHR(10) || CHR(13), '   ') AS n, "
        "TRANSLATE(b, 'ab', 'cd') AS m, "
        "TRANSLATE(DBMS_LOB.SUBSTR(c, 1000, 1), CHR(9) || CHR(10) || CHR(13) || ',\"', '     ') AS c, "
        "DBMS_LOB.SUBSTR(d, 200, 5) AS d FROM t"
    )
    twin, cut = lossless_sql(sql)
    assert twin == (
        "SELECT (NVL(a, 'x,y)')) AS n, TRANSLATE(b, 'ab', 'cd') AS m, ((c)) AS c, DBMS_LOB.SUBSTR(d, 200, 5) AS d FROM t"
    )
    assert cut == 1000
    assert lossless_sql("SELECT a FROM t") == ("SELECT a FROM t", None)

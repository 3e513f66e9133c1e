"""`plugin-builder dictionary`, --strict, lint --select/--ignore, and the text summary."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from plugin_builder.cli import main

from helpers import CUSTOM_QUERY_TOML, example_config, write_tree

PLUGIN = """<plugin xmlns="http://plugin.powerschool.pearson.com" name="Roster" version="1.0">
  <publisher name="District IT"><contact email="it@example.org"/></publisher>
</plugin>
"""
QUERY = """<query name="org.example.roster.{name}" coreTable="students" flattened="true">
    <columns><column column="STUDENTS.DCID">dcid</column></columns>
    <sql><![CDATA[SELECT s.DCID AS dcid FROM {table} s]]></sql>
  </query>"""


def _zip(tmp_path: Path, table: str = "STUDENTS", queries: int = 3) -> Path:
    body = "\n  ".join(QUERY.format(name=f"q{i}", table=table) for i in range(queries))
    path = tmp_path / "plugin.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("plugin.xml", PLUGIN)
        archive.writestr("queries_root/org.example.roster.named_queries.xml", f"<queries>\n  {body}\n</queries>\n")
    return path


def test_dictionary_lists_matching_tables(runner):
    result = runner.invoke(main, ["dictionary", "storedgr"])
    assert result.exit_code == 0, result.output
    assert result.output.split()[:3] == ["STOREDGRADES", "table", "complete"]
    rows = json.loads(runner.invoke(main, ["dictionary", "PS_*", "--format", "json"]).output)
    (period,) = [r for r in rows if r["table"] == "PS_PERIOD_ATT"]
    assert period["kind"] == "view" and period["status"] == "complete" and period["columns"] >= 13
    assert all(r["table"].startswith("PS_") for r in rows)


def test_dictionary_shows_one_table_with_types_status_and_sources(runner):
    result = runner.invoke(main, ["dictionary", "teacherrace"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("TEACHERRACE (table, complete)")
    assert any(line.split()[:2] == ["RACECD", "VARCHAR2(20)"] for line in result.output.splitlines())
    shown = json.loads(runner.invoke(main, ["dictionary", "S_CA_STU_X", "--format", "json"]).output)
    assert shown["status"] == "partial" and shown["notes"] and shown["sources"]
    assert {"name", "type", "evidence"} == set(shown["columns"][0])


def test_dictionary_unknown_name_is_a_usage_error_with_suggestions(runner):
    result = runner.invoke(main, ["dictionary", "STUDNETS"])
    assert result.exit_code == 2
    assert "did you mean STUDENTS?" in result.output


def test_dictionary_file_declarations_are_shown(runner, tmp_path):
    extra = tmp_path / "district.toml"
    extra.write_text('U_LOCKERS = ["STUDENTSDCID", "LOCKER"]\n', encoding="utf-8")
    shown = json.loads(
        runner.invoke(main, ["dictionary", "U_LOCKERS", "--dictionary", str(extra), "--format", "json"]).output
    )
    assert shown["status"] == "declared" and [c["name"] for c in shown["columns"]] == ["LOCKER", "STUDENTSDCID"]


def test_lint_strict_fails_on_warnings(runner, tmp_path):
    path = _zip(tmp_path)  # no ORDER BY: SQ311 warnings only
    assert runner.invoke(main, ["lint", str(path)]).exit_code == 0
    assert runner.invoke(main, ["lint", str(path), "--strict"]).exit_code == 1


def test_lint_select_and_ignore_rule_codes(runner, tmp_path):
    path = _zip(tmp_path, table="STUDENT")  # SQ304 errors and SQ311 warnings
    findings = json.loads(runner.invoke(main, ["lint", str(path), "--format", "json"]).output)["findings"]
    assert {f["code"] for f in findings} >= {"SQ304", "SQ311"}
    only = runner.invoke(main, ["lint", str(path), "--format", "json", "--select", "SQ311"])
    assert only.exit_code == 0  # the errors are not selected
    assert {f["code"] for f in json.loads(only.output)["findings"]} == {"SQ311"}
    ignored = runner.invoke(main, ["lint", str(path), "--format", "json", "--ignore", "SQ311,PQ2"])
    assert ignored.exit_code == 1
    assert "SQ311" not in {f["code"] for f in json.loads(ignored.output)["findings"]}
    prefix = json.loads(runner.invoke(main, ["lint", str(path), "--format", "json", "--select", "sq3"]).output)[
        "findings"
    ]
    assert {f["code"][:3] for f in prefix} == {"SQ3"}
    bad = runner.invoke(main, ["lint", str(path), "--select", "XX9"])
    assert bad.exit_code == 2 and "XX9" in bad.output


def test_text_output_groups_one_cause_and_ends_with_counts_per_rule(runner, tmp_path):
    result = runner.invoke(main, ["lint", str(_zip(tmp_path, table="STUDENT"))])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    unknown = [line for line in lines if " error SQ304 " in line]
    assert len(unknown) == 1 and "did you mean STUDENTS" in result.output
    assert "also at:" in result.output
    assert lines[-1] == "3 errors, 3 warnings"
    counts = {line.split()[1]: int(line.split()[0]) for line in lines[-4:-1] if line.strip()}
    assert counts == {"SQ304": 3, "SQ311": 3}


def _project_with_warning(tmp_path: Path) -> Path:
    write_tree(
        tmp_path,
        {
            "plugin.toml": example_config(),
            "queries/students_by_school.sql.j2": "SELECT s.ID AS id, s.SCHOOLID AS school FROM STUDENTS s\n",
            "queries/students_by_school.toml": CUSTOM_QUERY_TOML,
        },
    )
    return tmp_path / "plugin.toml"


def test_validate_strict_fails_on_warnings(runner, tmp_path):
    config = _project_with_warning(tmp_path)
    assert runner.invoke(main, ["validate", "-c", str(config)]).exit_code == 0
    strict = runner.invoke(main, ["validate", "-c", str(config), "--strict"])
    assert strict.exit_code == 1 and "SQ311" in strict.output


@pytest.mark.parametrize("strict", [False, True])
def test_build_strict_writes_no_zip_past_a_warning(runner, tmp_path, strict):
    config = _project_with_warning(tmp_path)
    out = tmp_path / "dist"
    result = runner.invoke(main, ["build", "-c", str(config), "-o", str(out)] + (["--strict"] if strict else []))
    zips = list(out.glob("*.zip")) if out.exists() else []
    if strict:
        assert result.exit_code == 1 and zips == [], result.output
        assert "--strict" in result.output
    else:
        assert result.exit_code == 0 and len(zips) == 1, result.output

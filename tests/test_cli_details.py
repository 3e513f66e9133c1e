"""Small things a user meets at the command line: a visible success, a closed pipe, rule
docs in plain text, and a DEM guide that reads as plain text."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from plugin_builder.checks import all_rules
from plugin_builder.cli import main
from plugin_builder.reports.listings import plain_doc

ROOT = Path(__file__).resolve().parent.parent


def test_validate_says_ok_in_one_line(runner, project_dir):
    result = runner.invoke(main, ["validate", "-c", str(project_dir / "plugin.toml")])
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    assert re.fullmatch(
        r"ok: Example USD Rostering 1\.0\.0: 13 queries \(0 of the project's own\) checked, no errors", line
    )


def test_validate_json_stays_json(runner, project_dir):
    import json

    result = runner.invoke(main, ["validate", "-c", str(project_dir / "plugin.toml"), "--format", "json"])
    assert result.exit_code == 0 and isinstance(json.loads(result.stdout), (list, dict))


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`render --stdout | head -1`: the reader has gone when the SQL is written."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # as head does after its line (the SQL fits a pipe buffer, so close first)
    command = [sys.executable, "-m", "plugin_builder", "render", "-c", str(ROOT / "plugin.toml"), "--stdout"]
    try:
        finished = subprocess.run(command, stdout=write_end, stderr=subprocess.PIPE, cwd=tmp_path, timeout=120)
    finally:
        os.close(write_end)
    assert finished.returncode == 0, finished.stderr
    assert finished.stderr == b"", finished.stderr


def test_rule_docs_are_plain_text(runner):
    for rule in all_rules():
        text = plain_doc(rule.doc)
        assert "``" not in text and not re.search(r"::$", text, re.M), rule.code
    result = runner.invoke(main, ["checks", "PQ212"])
    assert result.exit_code == 0
    assert "``" not in result.output and "Bad:\n" in result.output and "Good:\n" in result.output
    assert '<column column="TrackerSG.Email">email</column>' in result.output  # the examples stay


def test_the_dem_guide_reads_as_plain_text(runner, project_dir):
    out = project_dir / "dist"
    assert runner.invoke(main, ["build", "-c", str(project_dir / "plugin.toml"), "-o", str(out)]).exit_code == 0
    text = next(out.glob("*-DEM-setup.md")).read_text(encoding="utf-8")
    assert "&lt;" not in text and "&amp;" not in text and "&gt;" not in text
    assert "Student\\_id" not in text and "Student_id is STUDENTS.DCID" in text
    assert "DATEENROLLED <= today < DATELEFT" in text
    # Clever and OneRoster both write enrollments.csv: one folder per receiver.
    assert "1. `clever/enrollments.csv`: Clever enrollments.csv" in text
    assert "`oneroster/enrollments.csv`: OneRoster enrollments.csv" in text
    assert "| `example-usd-rostering-clever_enrollments` | `clever/enrollments.csv` | Clever SFTP CSV |" in text
    assert "`users.csv`" in text and "oneroster/users.csv" not in text  # a name used once keeps no folder

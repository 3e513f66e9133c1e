"""The command line, in-process with CliRunner: exit codes, outputs, messages without tracebacks."""

from __future__ import annotations

import json

from helpers import CUSTOM_QUERY_TOML, example_config, write_tree
from plugin_builder.cli import main


def invoke(runner, *args):
    result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_build_writes_zip_and_checksum(runner, project_dir):
    result = invoke(runner, "build", "-c", project_dir / "plugin.toml", "-o", project_dir / "dist")
    assert result.exit_code == 0, result.output
    assert (project_dir / "dist" / "example-usd-rostering-1.0.0.zip").is_file()
    assert (project_dir / "dist" / "example-usd-rostering-1.0.0.zip.sha256").is_file()
    assert "wrote" in result.stderr


def test_validate_json(runner, project_dir):
    result = invoke(runner, "validate", "-c", project_dir / "plugin.toml", "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["summary"]["error"] == 0
    assert isinstance(report["findings"], list)


def test_validate_reports_errors_with_exit_1(runner, tmp_path):
    write_tree(
        tmp_path,
        {
            "plugin.toml": example_config(),
            "queries/students_by_school.sql.j2": "SELECT s.ID AS id FROM STUDENTS s ORDER BY 1;\n",
            "queries/students_by_school.toml": CUSTOM_QUERY_TOML,
        },
    )
    result = invoke(runner, "validate", "-c", tmp_path / "plugin.toml")
    assert result.exit_code == 1
    assert "queries/students_by_school.sql.j2:1:" in result.stdout
    assert "SQ302" in result.stdout
    assert "PQ202" in result.stdout  # one SELECT item, two <column>s
    as_json = json.loads(invoke(runner, "validate", "-c", tmp_path / "plugin.toml", "--format", "json").stdout)
    assert {f["code"] for f in as_json["findings"]} == {"SQ302", "PQ202"}
    github = invoke(runner, "validate", "-c", tmp_path / "plugin.toml", "--format", "github").stdout
    assert "::error file=queries/students_by_school.sql.j2,line=1" in github


def test_build_refuses_past_an_error(runner, tmp_path):
    write_tree(
        tmp_path,
        {
            "plugin.toml": example_config(),
            "queries/students_by_school.sql.j2": "SELECT s.ID AS id, s.SCHOOLID AS school FROM STUDENTS s;\n",
            "queries/students_by_school.toml": CUSTOM_QUERY_TOML,
        },
    )
    result = invoke(runner, "build", "-c", tmp_path / "plugin.toml", "-o", tmp_path / "dist")
    assert result.exit_code == 1
    assert "no ZIP written" in result.stderr
    assert not (tmp_path / "dist").exists()


def test_render_stdout_and_tree(runner, project_dir):
    result = invoke(runner, "render", "-c", project_dir / "plugin.toml", "--stdout", "--select", "one_roster_users")
    assert result.exit_code == 0
    assert "-- us.ca.k12.exampleusd.rostering.one_roster_users" in result.stdout
    assert "FROM STUDENTS s" in result.stdout
    assert "one_roster_classes" not in result.stdout
    out = project_dir / "tree"
    result = invoke(runner, "render", "-c", project_dir / "plugin.toml", "-o", out)
    assert result.exit_code == 0
    assert (out / "plugin.xml").is_file()
    assert list((out / "queries_root").glob("*.named_queries.xml"))


def test_bad_config_is_one_message_per_problem_and_exit_2(runner, tmp_path):
    (tmp_path / "plugin.toml").write_text(
        example_config(**{'version = "1.0.0"': 'version = "v1"', "oauth = true": 'oauth = "no"'})
    )
    result = invoke(runner, "build", "-c", tmp_path / "plugin.toml")
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 2
    assert "plugin.version is 'v1', not a dotted numeric version" in lines[0] + lines[1]
    assert "plugin.oauth must be true or false" in result.stderr


def test_missing_config(runner, tmp_path):
    result = invoke(runner, "validate", "-c", tmp_path / "nope.toml")
    assert result.exit_code == 2
    assert "not found" in result.stderr and "plugin-builder init" in result.stderr


def test_unknown_select_glob(runner, project_dir):
    result = invoke(runner, "render", "-c", project_dir / "plugin.toml", "--stdout", "--select", "nothing_*")
    assert result.exit_code == 2
    assert "'nothing_*' matches no query" in result.stderr


def test_queries_and_checks_listings(runner, project_dir):
    result = invoke(runner, "queries", "-c", project_dir / "plugin.toml")
    assert result.exit_code == 0
    assert "one_roster_users" in result.stdout
    checks = invoke(runner, "checks")
    assert checks.exit_code == 0
    codes = [line.split()[0] for line in checks.stdout.splitlines()]
    assert {"PS101", "PQ202", "SQ300", "SQ301", "SQ302"} <= set(codes)
    detail = invoke(runner, "checks", "SQ302")
    assert "Bad:\n" in detail.stdout and "Good:\n" in detail.stdout and "``" not in detail.stdout
    assert invoke(runner, "checks", "ZZ999").exit_code == 2


def test_every_rule_documents_a_bad_and_a_good_example():
    from plugin_builder.checks import all_rules

    for rule in all_rules():
        assert "Bad" in rule.doc and "Good" in rule.doc, rule.code


def test_internal_errors_are_one_line_without_traceback(runner, project_dir, monkeypatch):
    import plugin_builder.pipeline as pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline, "render_plugin", boom)
    result = runner.invoke(main, ["validate", "-c", str(project_dir / "plugin.toml")])
    assert result.exit_code == 2
    assert "internal error: RuntimeError: disk on fire" in result.stderr
    assert "Traceback" not in result.output

"""Copying a built-in query into a project, an unchanged copy, and a project's own _common.sql.j2."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import example_config
from plugin_builder.cli import main
from plugin_builder.pipeline import validate
from plugin_builder.resources import builtin_queries_dir


def _project(tmp_path: Path, include: str = '["one_roster_orgs", "clever_sections"]') -> Path:
    config = tmp_path / "plugin.toml"
    config.write_text(example_config(**{'include = ["*"]': f"include = {include}"}), encoding="utf-8")
    return config


def test_copy_writes_the_two_files_of_a_built_in_query(runner, tmp_path: Path):
    result = runner.invoke(main, ["queries", "--copy", "one_roster_orgs", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("one_roster_orgs.sql.j2", "one_roster_orgs.toml"):
        assert (tmp_path / "queries" / name).read_bytes() == (builtin_queries_dir() / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "queries").iterdir()) == [
        "one_roster_orgs.sql.j2",
        "one_roster_orgs.toml",
    ]


def test_copy_defaults_to_the_folder_of_the_config(runner, tmp_path: Path, monkeypatch):
    config = _project(tmp_path)
    monkeypatch.chdir(tmp_path.parent)
    result = runner.invoke(main, ["queries", "-c", str(config), "--copy", "clever_sections"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "queries" / "clever_sections.toml").is_file()


def test_copy_never_overwrites_and_names_unknown_queries(runner, tmp_path: Path):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "one_roster_orgs.toml").write_text("# mine\n")
    result = runner.invoke(main, ["queries", "--copy", "one_roster_orgs", str(tmp_path)])
    assert result.exit_code == 2
    assert "one_roster_orgs.toml: already exists; --copy never overwrites it" in result.output
    assert (tmp_path / "queries" / "one_roster_orgs.toml").read_text() == "# mine\n"
    assert not (tmp_path / "queries" / "one_roster_orgs.sql.j2").exists()  # nothing half-copied
    unknown = runner.invoke(main, ["queries", "--copy", "one_roster_org", str(tmp_path)])
    assert unknown.exit_code == 2 and "did you mean one_roster_orgs" in unknown.output


def test_an_unchanged_copy_is_reported_as_such_then_an_edit_as_a_replacement(runner, tmp_path: Path):
    config = _project(tmp_path)
    assert runner.invoke(main, ["queries", "--copy", "one_roster_orgs", str(tmp_path)]).exit_code == 0
    result = runner.invoke(main, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code == 0, result.output
    codes = {f["code"]: f for f in json.loads(result.output)["findings"]}
    assert "PQ234" in codes and "PQ231" not in codes
    assert codes["PQ234"]["file"] == "queries/one_roster_orgs.toml" and codes["PQ234"]["severity"] == "info"
    assert "unchanged copy of the built-in query" in codes["PQ234"]["message"]
    listing = runner.invoke(main, ["queries", "-c", str(config)])
    assert "(the project's unchanged copy of the built-in)" in listing.output

    template = tmp_path / "queries" / "one_roster_orgs.sql.j2"
    template.write_text(template.read_text().replace("ORDER BY", "-- the district's\nORDER BY", 1))
    codes = {f.code for f in validate(config).findings}
    assert "PQ231" in codes and "PQ234" not in codes
    listing = runner.invoke(main, ["queries", "-c", str(config)])
    assert "(the project's, replacing the built-in)" in listing.output


def test_a_project_common_applies_to_built_in_queries_too(tmp_path: Path):
    config = _project(tmp_path)
    before = {q.spec.name: q.sql for q in validate(config).tree.queries}
    (tmp_path / "queries").mkdir()
    common = (builtin_queries_dir() / "_common.sql.j2").read_text(encoding="utf-8")
    marker = "AND sch.SCHOOL_NUMBER <> 0"
    assert marker in common
    (tmp_path / "queries" / "_common.sql.j2").write_text(
        common.replace(marker, marker + "\n      AND sch.SCHOOL_NUMBER < 900", 1), encoding="utf-8"
    )
    validated = validate(config)
    after = {q.spec.name: q.sql for q in validated.tree.queries}
    for name in ("one_roster_orgs", "clever_sections"):  # built-in queries, both through orgs_cte
        assert "sch.SCHOOL_NUMBER < 900" in after[name] and "sch.SCHOOL_NUMBER < 900" not in before[name]
    (note,) = [f for f in validated.findings if f.code == "PQ235"]
    assert note.file == "queries/_common.sql.j2" and "for every query, the built-in ones too" in note.message


def test_copy_of_the_shared_macros(runner, tmp_path: Path):
    config = _project(tmp_path)
    result = runner.invoke(main, ["queries", "--copy", "_common", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "queries").iterdir()) == ["_common.sql.j2"]
    (note,) = [f for f in validate(config).findings if f.code == "PQ235"]
    assert "still identical to the built-in" in note.message

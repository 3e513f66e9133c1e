"""``plugin-builder init``: a commented plugin.toml that builds as is, never overwritten."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from typing import get_type_hints
from pathlib import Path

from plugin_builder.project import config as config_module
from plugin_builder.cli import main
from plugin_builder.resources import templates_dir


def test_init_writes_a_config_that_builds(runner, tmp_path: Path) -> None:
    target = tmp_path / "district"
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert f"wrote {target / 'plugin.toml'}" in result.output
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == [
        "plugin.toml",
        "queries",
        "queries/README.txt",
    ]
    out = tmp_path / "dist"
    built = runner.invoke(main, ["build", "-c", str(target / "plugin.toml"), "-o", str(out)])
    assert built.exit_code == 0, built.output
    assert (out / "example-district-rostering-1.0.0.zip").is_file()
    assert (out / "example-district-rostering-1.0.0-DEM-setup.md").is_file()


def test_init_refuses_to_overwrite(runner, tmp_path: Path) -> None:
    config = tmp_path / "plugin.toml"
    config.write_text("# mine\n")
    result = runner.invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{config}: already exists; init never overwrites it" in result.output
    assert config.read_text() == "# mine\n"
    assert not (tmp_path / "queries").exists()


def test_init_in_the_current_folder_keeps_an_existing_queries_readme(runner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "README.txt").write_text("my notes\n")
    result = runner.invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "plugin.toml").is_file()
    assert (tmp_path / "queries" / "README.txt").read_text() == "my notes\n"
    assert "kept queries/README.txt" in result.output
    assert runner.invoke(main, ["init"]).exit_code == 2


def test_init_template_documents_every_config_key() -> None:
    """A key added to plugin.toml's schema must be added (and commented) in the init template too.

    Required and everyday sections are written out in full; optional advanced ones may be a
    commented-out example (``# [name]``).
    """
    text = (templates_dir() / "init" / "plugin.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    section_types = get_type_hints(config_module.Project)
    assert set(data) <= set(config_module.SECTIONS)
    for name in ("plugin", "queries", "csv", "oneroster", "edfi", "attendance"):
        assert name in data, name
    for name in config_module.SECTIONS:
        if name in data:
            assert set(data[name]) == {f.name for f in fields(section_types[name])}, name
        else:
            assert f"# [{name}" in text, f"[{name}] is not mentioned"
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            assert "#" in line, f"uncommented key: {line}"


def test_init_then_build_says_the_api_needs_oauth(runner, tmp_path):
    """The default queries include four that receivers read through the API, so the fresh
    plugin.toml has oauth = true; set to false without leaving them out, validate and build
    warn, naming them and the choice."""
    from plugin_builder.cli import main

    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    config = str(tmp_path / "plugin.toml")
    text = (tmp_path / "plugin.toml").read_text()
    assert "\noauth = true " in text
    (tmp_path / "plugin.toml").write_text(text.replace("\noauth = true ", "\noauth = false", 1))
    for command in (["validate", "-c", config], ["build", "-c", config]):
        result = runner.invoke(main, command)
        assert result.exit_code == 0, result.output
        (line,) = [x for x in result.output.splitlines() if "warning PS191" in x]
        for name in (
            "ed_fi_staff_section_associations",
            "ed_fi_student_cohort_associations",
            "ed_fi_student_section_associations",
            "section_attendance",
        ):
            assert name in line
        assert "oauth = true" in result.output and "DEM" in result.output


def test_build_with_c_writes_dist_beside_that_plugin_toml(runner, tmp_path, monkeypatch):
    """So that the version check sees that project's earlier releases wherever build runs."""
    from plugin_builder.cli import main

    project, elsewhere = tmp_path / "district", tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert runner.invoke(main, ["init", str(project)]).exit_code == 0
    monkeypatch.chdir(elsewhere)
    config = str(project / "plugin.toml")
    result = runner.invoke(main, ["build", "-c", config])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (project / "dist").glob("*.zip")) and not list(elsewhere.iterdir())
    # the earlier release is found: a lower version is refused
    text = (project / "plugin.toml").read_text()
    (project / "plugin.toml").write_text(text.replace('version = "1.0.0"', 'version = "0.9.0"'))
    result = runner.invoke(main, ["build", "-c", config])
    assert result.exit_code != 0 and "1.0.0" in result.output


def test_the_example_values_of_init_are_a_warning_until_changed(runner, tmp_path: Path) -> None:
    target = tmp_path / "district"
    assert runner.invoke(main, ["init", str(target)]).exit_code == 0
    config = target / "plugin.toml"
    result = runner.invoke(main, ["validate", "-c", str(config), "--format", "json"])
    import json

    findings = json.loads(result.output)["findings"]
    assert [f["code"] for f in findings] == ["PS195"], findings
    assert "name, publisher, contact_email, namespace still hold the example values" in findings[0]["message"]
    assert findings[0]["line"] == 10  # the first CHANGE line, name


def test_a_fresh_init_is_strict_clean_once_its_change_lines_are_changed(runner, tmp_path: Path) -> None:
    """Following the comments (change every line marked CHANGE) gives a project that passes --strict."""
    target = tmp_path / "district"
    assert runner.invoke(main, ["init", str(target)]).exit_code == 0
    config = target / "plugin.toml"
    mine = {
        "name": '"Springfield Rostering"',
        "publisher": '"Springfield USD Technology"',
        "contact_email": '"helpdesk@springfield.k12.or.us"',
        "namespace": '"us.or.k12.springfield.rostering"',
        "state_prefix": '"41"',
    }
    lines = []
    changed = set()
    for line in config.read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0].strip()
        if "# CHANGE" in line and key in mine:
            line = f"{key} = {mine[key]}  # changed"
            changed.add(key)
        lines.append(line)
    assert changed == set(mine), "every CHANGE line is one of these keys"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["build", "--strict", "-c", str(config), "-o", str(tmp_path / "dist")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "dist" / "springfield-rostering-1.0.0.zip").is_file()

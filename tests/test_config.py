"""plugin.toml validation, as data: each bad file lists the messages it must produce."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import EXAMPLE_CONFIG, FIXTURES
from plugin_builder.project.config import load_project, parse_project
from plugin_builder.errors import ConfigError

BAD = sorted((FIXTURES / "configs" / "bad").glob("*.toml"))
GOOD = sorted((FIXTURES / "configs" / "good").glob("*.toml"))


def expectations(path: Path) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^# expect: (.+)$", path.read_text(), re.M)]


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_config_reports_every_mistake(path: Path):
    expected = expectations(path)
    assert expected, f"{path.name} declares no '# expect:' line"
    with pytest.raises(ConfigError) as raised:
        load_project(path)
    messages = [str(p) for p in raised.value.problems]
    for text in expected:
        assert any(text in m for m in messages), f"{text!r} not in {messages}"
    assert len(messages) == len(expected), messages
    assert all(m.startswith(str(path)) for m in messages)


@pytest.mark.parametrize("path", [EXAMPLE_CONFIG, *GOOD], ids=["example", *[p.stem for p in GOOD]])
def test_good_config_loads(path: Path):
    project = load_project(path)
    assert 1 <= len(project.plugin.name) <= 40


def test_defaults_follow_the_spec():
    project = load_project(FIXTURES / "configs" / "good" / "minimal.toml")
    assert project.queries.include == ("*",)
    assert project.csv.quotes is True
    assert project.oneroster.primary_teacher_roles == ("Lead Teacher",)
    assert project.oneroster.relative[:2] == ("Grandmother", "Grandfather")
    assert project.edfi.state_prefix == "35"
    assert project.attendance.excused_codes == ("E", "AE", "EA")
    assert project.plugin.oauth is False


def test_missing_config_names_the_file_and_what_to_do(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_project(tmp_path / "plugin.toml")
    (problem,) = raised.value.problems
    assert "not found" in str(problem) and "plugin-builder init" in str(problem)


def test_non_utf8_config(tmp_path):
    path = tmp_path / "plugin.toml"
    path.write_bytes(b'[plugin]\nname = "Caf\xe9"\n')
    with pytest.raises(ConfigError, match="is not UTF-8"):
        load_project(path)


def test_slug_and_zip_name():
    project = parse_project(
        '[plugin]\nname = "Example USD: Rostering!"\nversion = "2.10.3"\npublisher = "IT"\n'
        'contact_email = "it@example.org"\nnamespace = "org.example.r"\n',
        Path("plugin.toml"),
    )
    assert project.zip_name == "example-usd-rostering-2.10.3.zip"

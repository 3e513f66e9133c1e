"""The version guard: a release's version must be greater than the last one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from plugin_builder.cli import main
from plugin_builder.project.versions import compare_versions, version_key


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.10", "1.9", 1),
        ("1.9", "1.10", -1),
        ("1.0", "1.0.0", 0),
        ("1.0.0.0", "1", 0),
        ("2", "1.99.99", 1),
        ("1.0.1", "1.0", 1),
        ("0.9", "0.10", -1),
        ("10.0.0", "9.99", 1),
    ],
)
def test_dotted_numbers_compare_numerically(a: str, b: str, expected: int) -> None:
    assert compare_versions(a, b) == expected


@pytest.mark.parametrize("text", ["1.0-beta", "1.2\n", "1.2 ", "", ".1", "1..2", "١.٢"])
def test_version_key_refuses_what_is_not_wholly_dotted_numeric(text: str) -> None:
    with pytest.raises(ValueError):
        version_key(text)


@pytest.fixture
def project_dir(project_dir: Path) -> Path:
    """The example project with one query: these tests are about versions, not SQL."""
    config = project_dir / "plugin.toml"
    config.write_text(config.read_text().replace('include = ["*"]', 'include = ["one_roster_classes"]'))
    return project_dir


def _set_version(config: Path, version: str) -> None:
    text = config.read_text()
    config.write_text(text.replace('version = "1.0.0"', f'version = "{version}"', 1))


def _build(runner, config: Path, out: Path, *extra: str):
    return runner.invoke(main, ["build", "-c", str(config), "-o", str(out), *extra])


def test_a_lower_version_than_one_in_dist_is_refused(runner, project_dir: Path) -> None:
    config, out = project_dir / "plugin.toml", project_dir / "dist"
    original = config.read_text()
    _set_version(config, "1.2.0")
    assert _build(runner, config, out).exit_code == 0
    config.write_text(original)  # back to 1.0.0
    result = _build(runner, config, out)
    assert result.exit_code == 1
    assert (
        f"version 1.0.0 is not greater than 1.2.0 ({out / 'example-usd-rostering-1.2.0.zip'}); raise [plugin] version"
    ) in result.output
    assert not (out / "example-usd-rostering-1.0.0.zip").exists()
    assert not (out / "example-usd-rostering-1.0.0-DEM-setup.md").exists()
    # --force replaces a same-version ZIP; it does not lower the version.
    assert _build(runner, config, out, "--force").exit_code == 1


def test_the_newest_release_is_compared_numerically(runner, project_dir: Path) -> None:
    config, out = project_dir / "plugin.toml", project_dir / "dist"
    original = config.read_text()
    for version in ("1.9", "1.10"):
        config.write_text(original)
        _set_version(config, version)
        assert _build(runner, config, out).exit_code == 0, version
    config.write_text(original)
    _set_version(config, "1.9.5")
    result = _build(runner, config, out)
    assert result.exit_code == 1
    assert "not greater than 1.10 " in result.output
    config.write_text(original)
    _set_version(config, "1.10.0")  # equal to 1.10: not greater
    assert "not greater than 1.10 " in _build(runner, config, out).output
    config.write_text(original)
    _set_version(config, "1.11")
    assert _build(runner, config, out).exit_code == 0


def test_other_plugins_in_dist_do_not_count(runner, project_dir: Path) -> None:
    out = project_dir / "dist"
    out.mkdir()
    (out / "example-usd-rostering-extra-9.0.0.zip").write_bytes(b"not ours")
    (out / "other-plugin-9.0.0.zip").write_bytes(b"not ours")
    assert _build(runner, project_dir / "plugin.toml", out).exit_code == 0


def test_rebuilding_the_same_version_is_fine_and_a_changed_one_needs_force(runner, project_dir: Path) -> None:
    config, out = project_dir / "plugin.toml", project_dir / "dist"
    assert _build(runner, config, out).exit_code == 0
    again = _build(runner, config, out)
    assert again.exit_code == 0 and "(unchanged)" in again.output
    config.write_text(config.read_text().replace('publisher = "Example USD Technology"', 'publisher = "Someone Else"'))
    changed = _build(runner, config, out)
    assert changed.exit_code == 2
    assert "already exists with different contents" in changed.output
    assert _build(runner, config, out, "--force").exit_code == 0


def test_against_a_previous_release(runner, project_dir: Path, tmp_path_factory) -> None:
    config = project_dir / "plugin.toml"
    old_out = tmp_path_factory.mktemp("released")
    assert _build(runner, config, old_out).exit_code == 0
    old_zip = old_out / "example-usd-rostering-1.0.0.zip"
    # The version is read from the old ZIP's plugin.xml, not its file name.
    renamed = old_out / "previous.zip"
    shutil.copy(old_zip, renamed)

    out = project_dir / "dist"
    result = _build(runner, config, out, "--against", str(renamed))
    assert result.exit_code == 1
    refusal = f"error: {config}: version 1.0.0 is not greater than 1.0.0 ({renamed}); raise [plugin] version"
    assert refusal in result.output
    assert not out.exists() or not any(out.iterdir())
    # review --against: the same decision, the same words, the same exit code
    reviewed = runner.invoke(
        main, ["review", "-c", str(config), "--against", str(renamed), "-o", str(project_dir / "r.md")]
    )
    assert reviewed.exit_code == 1
    assert refusal in reviewed.output

    _set_version(config, "1.0.1")
    assert _build(runner, config, out, "--against", str(renamed)).exit_code == 0


def test_against_an_unreadable_file_is_a_clear_error(runner, project_dir: Path) -> None:
    bogus = project_dir / "old.zip"
    bogus.write_bytes(b"PK\x03\x04 not really")
    result = _build(runner, project_dir / "plugin.toml", project_dir / "dist", "--against", str(bogus))
    assert result.exit_code == 2
    assert f"{bogus}: is not a ZIP archive" in result.output
    assert "Traceback" not in result.output

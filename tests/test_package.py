"""The ZIP: allow-listed entries, plugin.xml at the root, byte-identical, never past an error."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from helpers import CUSTOM_QUERY_TOML, example_config, write_tree
from plugin_builder.errors import PackageError
from plugin_builder.build.package import zip_bytes
from plugin_builder.pipeline import build


def test_zip_holds_exactly_the_rendered_tree(project_dir):
    result = build(project_dir / "plugin.toml", project_dir / "dist")
    assert result.zip is not None
    data = result.zip.path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert names[0] == "plugin.xml"
        assert all(n == "plugin.xml" or n.startswith("queries_root/") for n in names)
        tree = result.validated.tree.files
        assert set(names) == set(tree)
        for name in names:
            assert archive.read(name) == tree[name]  # byte for byte
            info = archive.getinfo(name)
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.compress_type == zipfile.ZIP_DEFLATED
    assert result.zip.path.name == "example-usd-rostering-1.0.0.zip"
    sha = (project_dir / "dist" / "example-usd-rostering-1.0.0.zip.sha256").read_text()
    assert sha == f"{hashlib.sha256(data).hexdigest()}  example-usd-rostering-1.0.0.zip\n"


def test_two_builds_give_the_same_bytes(tmp_path, project_dir):
    first = build(project_dir / "plugin.toml", tmp_path / "a").zip.path.read_bytes()
    second = build(project_dir / "plugin.toml", tmp_path / "b").zip.path.read_bytes()
    assert first == second
    again = build(project_dir / "plugin.toml", tmp_path / "a")
    assert again.zip.unchanged


def test_same_version_with_other_bytes_needs_force(project_dir):
    dist = project_dir / "dist"
    original = build(project_dir / "plugin.toml", dist).zip.path.read_bytes()
    (project_dir / "plugin.toml").write_text(example_config(**{'include = ["*"]': 'include = ["one_roster_users"]'}))
    with pytest.raises(PackageError, match="already exists with different contents"):
        build(project_dir / "plugin.toml", dist)
    assert (dist / "example-usd-rostering-1.0.0.zip").read_bytes() == original
    forced = build(project_dir / "plugin.toml", dist, force=True)
    assert forced.zip.path.read_bytes() != original
    assert [p.name for p in dist.iterdir() if p.name.startswith(".")] == []  # no temporary files left


def test_no_zip_past_an_error(tmp_path):
    write_tree(
        tmp_path,
        {
            "plugin.toml": example_config(),
            "queries/students_by_school.sql.j2": "SELECT s.ID AS id, s.SCHOOLID AS school FROM STUDENTS s ORDER BY 1;\n",
            "queries/students_by_school.toml": CUSTOM_QUERY_TOML,
        },
    )
    result = build(tmp_path / "plugin.toml", tmp_path / "dist")
    assert result.zip is None
    assert [f.code for f in result.validated.findings] == ["SQ302"]
    assert not (tmp_path / "dist").exists()


def test_only_allow_listed_entries():
    with pytest.raises(PackageError, match="not allowed"):
        zip_bytes({"plugin.xml": b"<plugin/>", "README.md": b"x"})
    with pytest.raises(PackageError):
        zip_bytes({"plugin.xml": b"", "queries_root/sub/x.named_queries.xml": b""})
    with pytest.raises(PackageError):
        zip_bytes({"plugin.xml": b"", "user_schema_root/x.xml": b""})


def test_written_files_get_the_usual_permissions(project_dir):
    import os
    import stat

    old = os.umask(0o022)
    try:
        result = build(project_dir / "plugin.toml", project_dir / "dist")
    finally:
        os.umask(old)
    for path in (project_dir / "dist").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    assert result.zip is not None

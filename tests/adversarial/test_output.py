"""Writing dist/ when things go wrong.

A missing dist/ is created; a read-only one is a clear error; a full disk or an interrupt
in the middle of writing leaves no partial ZIP, no temporary file, and an existing ZIP (and
its .sha256) byte for byte as it was. Failures are simulated: ``os.write`` writes part of
the data and then raises ENOSPC or KeyboardInterrupt, ``os.replace`` fails, a folder
refuses new files.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import zipfile
from pathlib import Path

import pytest

from hostile import assert_usage_error, invoke, write_project

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
ZIP = "example-usd-rostering-1.0.0.zip"
GUIDE = "example-usd-rostering-1.0.0-DEM-setup.md"
REVIEW = "example-usd-rostering-1.0.0-review.html"
BUILT = {ZIP, f"{ZIP}.sha256", GUIDE, REVIEW}


def build(config: Path, out: Path, *extra: str):
    return invoke(["build", "-c", str(config), "-o", str(out), *extra])


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden temporary files included) and its bytes."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def released(tmp_path) -> tuple[Path, Path, dict[str, bytes]]:
    """A project with dist/ holding version 1.0.0, then a changed description (same version)."""
    config = write_project(tmp_path / "project")
    dist = tmp_path / "dist"
    result = build(config, dist)
    assert result.exit_code == 0, result.output
    before = snapshot(dist)
    assert set(before) == BUILT
    write_project(tmp_path / "project", {"plugin": {"description": "Changed, so the ZIP differs"}})
    return config, dist, before


def full_disk_after(monkeypatch, written_bytes: int, error: BaseException) -> list[int]:
    """Let ``os.write`` to files write ``written_bytes`` in all, then part of a call, then fail."""
    real_write = os.write
    budget = [written_bytes]

    def write(fd, data):
        if fd <= 2:  # the terminal: not what we simulate
            return real_write(fd, data)
        if budget[0] <= 0:
            raise error
        part = bytes(data)[: budget[0]]
        budget[0] -= len(part)
        return real_write(fd, part)

    monkeypatch.setattr(os, "write", write)
    return budget


# --- a missing or unwritable dist/ ---------------------------------------------------------


def test_missing_dist_is_created_with_readable_files(tmp_path):
    config = write_project(tmp_path / "project")
    dist = tmp_path / "out" / "deeper" / "dist"
    old_umask = os.umask(0o022)
    try:
        result = build(config, dist)
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.output
    assert set(snapshot(dist)) == BUILT
    # Not mkstemp's 0600: whoever deploys the ZIP can read it.
    assert stat.S_IMODE((dist / ZIP).stat().st_mode) == 0o644
    with zipfile.ZipFile(dist / ZIP) as archive:
        assert "plugin.xml" in archive.namelist()


@pytest.mark.skipif(IS_ROOT, reason="root writes whatever the mode; see the simulated case")
def test_read_only_dist(tmp_path):
    config = write_project(tmp_path / "project")
    dist = tmp_path / "dist"
    dist.mkdir()
    dist.chmod(0o555)
    try:
        assert_usage_error(build(config, dist), f"cannot write to {dist}: permission denied", "-o")
    finally:
        dist.chmod(0o755)
    assert snapshot(dist) == {}


def test_read_only_dist_simulated(tmp_path, monkeypatch):
    config = write_project(tmp_path / "project")
    dist = tmp_path / "dist"
    dist.mkdir()

    def mkstemp(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(dist / ".x.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    assert_usage_error(build(config, dist), f"cannot write to {dist}: permission denied", "choose another with -o")
    assert snapshot(dist) == {}


def test_read_only_file_system_simulated(tmp_path, monkeypatch):
    config = write_project(tmp_path / "project")
    dist = tmp_path / "dist"

    def mkdir(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", mkdir)
    assert_usage_error(build(config, dist), "read-only file system")
    assert not dist.exists()


def test_rebuilding_the_same_zip_into_a_read_only_dist_needs_no_write(released, monkeypatch):
    config, dist, before = released
    write_project(config.parent)  # back to the released description: identical ZIP

    def mkstemp(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    result = build(config, dist)
    assert result.exit_code == 0, result.output
    assert "(unchanged)" in result.output
    assert snapshot(dist) == before


def test_dist_that_is_a_file(tmp_path):
    config = write_project(tmp_path / "project")
    dist = tmp_path / "dist"
    dist.write_text("not a folder")
    assert_usage_error(build(config, dist), "is a file")
    assert dist.read_text() == "not a folder"


def test_dist_that_is_a_file_through_the_api(tmp_path):
    from plugin_builder.errors import PackageError
    from plugin_builder.pipeline import build as run_build

    config = write_project(tmp_path / "project")
    dist = tmp_path / "dist"
    dist.write_text("not a folder")
    with pytest.raises(PackageError, match="is not a folder"):
        run_build(config, dist)
    assert dist.read_text() == "not a folder"


# --- a full disk or an interrupt part-way ----------------------------------------------------


@pytest.mark.parametrize("written_bytes", [0, 1000])
def test_full_disk_while_writing_a_new_zip(tmp_path, monkeypatch, written_bytes):
    config = write_project(tmp_path / "project")
    dist = tmp_path / "dist"
    full_disk_after(monkeypatch, written_bytes, OSError(errno.ENOSPC, "No space left on device"))
    assert_usage_error(build(config, dist), f"cannot write {dist / ZIP}: no space left on device", "free some space")
    assert snapshot(dist) == {}  # no partial ZIP, no temporary file


def new_zip_size(config: Path) -> int:
    from plugin_builder.build.package import zip_bytes
    from plugin_builder.pipeline import validate

    return len(zip_bytes(validate(config).tree.files))


# Where the disk fills up: before anything, inside the ZIP, inside the .sha256 after the ZIP.
CUTS = {"nothing": lambda size: 0, "zip": lambda size: size // 2, "sha256": lambda size: size + 10}


@pytest.mark.parametrize("cut", sorted(CUTS))
def test_full_disk_while_replacing_a_zip_keeps_the_old_one(released, monkeypatch, cut):
    config, dist, before = released
    full_disk_after(monkeypatch, CUTS[cut](new_zip_size(config)), OSError(errno.ENOSPC, "No space left on device"))
    assert_usage_error(build(config, dist, "--force"), "no space left on device")
    assert snapshot(dist) == before


@pytest.mark.parametrize("cut", sorted(CUTS))
def test_interrupt_while_replacing_a_zip_keeps_the_old_one(released, monkeypatch, cut):
    config, dist, before = released
    full_disk_after(monkeypatch, CUTS[cut](new_zip_size(config)), KeyboardInterrupt())
    assert_usage_error(build(config, dist, "--force"), "interrupted")
    assert snapshot(dist) == before


def test_interrupt_while_writing_a_new_zip(tmp_path, monkeypatch):
    config = write_project(tmp_path / "project")
    dist = tmp_path / "dist"
    full_disk_after(monkeypatch, 1000, KeyboardInterrupt())
    assert_usage_error(build(config, dist), "interrupted")
    assert snapshot(dist) == {}


def test_sha256_file_that_cannot_be_created_keeps_the_old_zip(released, monkeypatch):
    """The ZIP and its checksum change together or not at all."""
    config, dist, before = released
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, prefix="", **kwargs):
        if prefix.endswith(".sha256."):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_mkstemp(*args, prefix=prefix, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    assert_usage_error(build(config, dist, "--force"), "no space left on device")
    assert snapshot(dist) == before


def test_rename_that_fails_leaves_no_temporary_file(released, monkeypatch):
    config, dist, before = released

    def replace(src, dst):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", replace)
    assert_usage_error(build(config, dist, "--force"), "Input/output error")
    assert snapshot(dist) == before


def test_interrupt_at_the_rename_leaves_no_temporary_file(released, monkeypatch):
    config, dist, before = released

    def replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace)
    assert_usage_error(build(config, dist, "--force"), "interrupted")
    assert snapshot(dist) == before


def test_different_zip_of_the_same_version_is_kept_without_force(released):
    config, dist, before = released
    assert_usage_error(build(config, dist), "already exists with different contents", "--force")
    assert snapshot(dist) == before


def test_force_replaces_zip_and_checksum_together(released):
    config, dist, before = released
    result = build(config, dist, "--force")
    assert result.exit_code == 0, result.output
    after = snapshot(dist)
    assert set(after) == set(before)
    assert after[ZIP] != before[ZIP]
    import hashlib

    assert after[f"{ZIP}.sha256"].decode().split()[0] == hashlib.sha256(after[ZIP]).hexdigest()


def test_render_tree_into_a_read_only_folder_simulated(tmp_path, monkeypatch):
    config = write_project(tmp_path / "project")
    out = tmp_path / "tree"

    def mkstemp(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    assert_usage_error(invoke(["render", "-c", str(config), "-o", str(out)]), "permission denied")
    assert snapshot(out) == {}


def test_plugin_name_cannot_lead_the_zip_out_of_dist(tmp_path):
    """The ZIP's file name is a slug of the name: no separators, no dots, no '..'."""
    config = write_project(tmp_path / "project", {"plugin": {"name": "../../Escape/..\\zip"}})
    dist = tmp_path / "dist"
    result = build(config, dist)
    assert result.exit_code == 0, result.output
    assert set(snapshot(dist)) == {
        "escape-zip-1.0.0.zip",
        "escape-zip-1.0.0.zip.sha256",
        "escape-zip-1.0.0-DEM-setup.md",
        "escape-zip-1.0.0-review.html",
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "project"]


def test_full_disk_while_writing_the_dem_guide_leaves_the_release_as_it_was(released, monkeypatch):
    """The guide is staged with the ZIP and its checksum: all three change together or not at all."""
    config, dist, before = released
    zip_size = new_zip_size(config)
    sha_size = 64 + 2 + len(ZIP) + 1
    full_disk_after(monkeypatch, zip_size + sha_size + 10, OSError(errno.ENOSPC, "No space left on device"))
    assert_usage_error(build(config, dist, "--force"), "no space left")
    assert snapshot(dist) == before  # no new ZIP beside an old guide, no temporary file

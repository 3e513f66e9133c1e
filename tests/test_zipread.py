"""Reading someone else's plugin ZIP for --against: in memory, size-limited, no unsafe names."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from plugin_builder.build import archive
from plugin_builder.build.zipread import read_plugin_zip
from plugin_builder.errors import InputError

PLUGIN = b'<plugin xmlns="http://plugin.powerschool.pearson.com" name="x" version="1.0"/>'


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    path.write_bytes(buffer.getvalue())
    return path


def test_reads_members_in_memory(tmp_path: Path) -> None:
    path = _zip(tmp_path / "p.zip", {"plugin.xml": PLUGIN, "queries_root/a.named_queries.xml": b"<queries/>"})
    assert read_plugin_zip(path) == {"plugin.xml": PLUGIN, "queries_root/a.named_queries.xml": b"<queries/>"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.zip"]  # nothing extracted


def test_a_wrapper_folder_is_looked_into(tmp_path: Path) -> None:
    path = _zip(
        tmp_path / "p.zip",
        {"myplugin/": b"", "myplugin/plugin.xml": PLUGIN, "myplugin/queries_root/a.named_queries.xml": b"x"},
    )
    assert sorted(read_plugin_zip(path)) == ["plugin.xml", "queries_root/a.named_queries.xml"]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../evil.xml", "climbs out of the archive with '..'"),
        ("queries_root/../../evil.xml", "climbs out of the archive with '..'"),
        ("/etc/passwd", "is an absolute path"),
        ("C:/evil.xml", "is an absolute path"),
        ("queries_root\\evil.xml", "contains a backslash"),
    ],
)
def test_unsafe_names_are_refused(tmp_path: Path, name: str, why: str) -> None:
    path = _zip(tmp_path / "p.zip", {"plugin.xml": PLUGIN, name: b"x"})
    with pytest.raises(InputError) as caught:
        read_plugin_zip(path)
    assert f"member {name!r} {why}" in str(caught.value)


def test_an_oversized_member_is_refused_without_reading_it_whole(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 100_000)
    path = _zip(tmp_path / "p.zip", {"plugin.xml": PLUGIN, "queries_root/big.named_queries.xml": b"<a/>" * 50_000})
    with pytest.raises(InputError, match="at most 100000 are read"):
        read_plugin_zip(path)


def test_a_zip_bomb_is_refused(tmp_path: Path) -> None:
    path = _zip(
        tmp_path / "p.zip", {"plugin.xml": PLUGIN, "queries_root/bomb.named_queries.xml": b"\0" * (3 * 1024 * 1024)}
    )
    with pytest.raises(InputError, match="a zip bomb is refused"):
        read_plugin_zip(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip at all", "is not a ZIP archive"),
        (None, "has no plugin.xml"),
    ],
)
def test_not_a_plugin_zip(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "p.zip"
    if content is None:
        _zip(path, {"README.md": b"hello"})
    else:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_plugin_zip(path)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_plugin_zip(tmp_path / "nope.zip")


def test_duplicate_members_are_refused(tmp_path: Path) -> None:
    import warnings

    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as zf:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name, which is the point
        zf.writestr("plugin.xml", PLUGIN)
        zf.writestr("plugin.xml", PLUGIN.replace(b"1.0", b"9.9"))
    path = tmp_path / "p.zip"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(InputError, match="appears twice"):
        read_plugin_zip(path)

"""Package a plugin tree as a deterministic ZIP, written atomically (docs/administrators.md).

Entries are sorted, timestamps fixed, compression fixed, permissions fixed: the same
inputs give byte-identical archives. Files are written in full to temporary files in the target
folder and only then renamed into place (the ZIP and its ``.sha256`` together), so a full
disk or an interrupt never leaves a partial ZIP or a stray temporary file, and never
damages an existing one.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from plugin_builder.build.render import PERMISSIONS_ROOT, PLUGIN_XML, QUERIES_ROOT, PluginTree
from plugin_builder.errors import PackageError, Problem
from plugin_builder.facts import companion_names
from plugin_builder.project.config import Project

FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def allowed_entry(path: str) -> bool:
    """Only plugin.xml and the query/permission XML files belong in our ZIP."""
    if path == PLUGIN_XML:
        return True
    folder, _, name = path.partition("/")
    if "/" in name or not name:
        return False
    return (folder == QUERIES_ROOT and name.endswith(".named_queries.xml")) or (
        folder == PERMISSIONS_ROOT and name.endswith(".permission_mappings.xml")
    )


def zip_bytes(files: dict[str, bytes]) -> bytes:
    bad = sorted(p for p in files if not allowed_entry(p))
    if bad:
        raise PackageError([Problem(f"{p!r} is not allowed in a PowerQuery plugin ZIP") for p in bad])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever builds it
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[path], compresslevel=9)
    return buffer.getvalue()


def _file_mode() -> int:
    """rw for everyone the umask allows, as ``open()`` would give (mkstemp gives 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _stage(path: Path, data: bytes) -> Path:
    """Write ``data`` to a new temporary file beside ``path``; the caller renames or removes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fchmod(fd, _file_mode())
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _remove(Path(tmp))
        raise
    os.close(fd)
    return Path(tmp)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _holds(path: Path, data: bytes) -> bool:
    """Whether ``path`` is a file with exactly these bytes already."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def atomic_replace(files: dict[Path, bytes]) -> None:
    """Write several files so that each is either its old or its new self, never partial.

    Every file is first written in full to a temporary file in its folder (where a full
    disk or an interrupt would strike); only then are they renamed into place. On any
    failure, including KeyboardInterrupt, the temporary files are removed. A file that
    already holds the same bytes is left alone (so an identical rebuild writes nothing).
    """
    staged: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            if not _holds(path, data):
                staged[path] = _stage(path, data)
        for path, tmp in staged.items():
            os.replace(tmp, path)
    finally:
        for tmp in staged.values():
            _remove(tmp)


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and an atomic rename."""
    atomic_replace({Path(path): data})


def _write_error(exc: OSError, target: Path, folder: Path) -> PackageError:
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = "read-only file system" if exc.errno == errno.EROFS else "permission denied"
        return PackageError(
            Problem(
                message=f"cannot write to {folder}: {reason}",
                hint="make the folder writable, or choose another with -o",
            )
        )
    if isinstance(exc, (FileExistsError, NotADirectoryError)) or (folder.exists() and not folder.is_dir()):
        return PackageError(
            Problem(message=f"cannot write {target}: {folder} is not a folder", hint="choose another -o folder")
        )
    if exc.errno == errno.ENOSPC:
        return PackageError(
            Problem(
                message=f"cannot write {target}: no space left on device",
                hint="free some space and build again; nothing was changed",
            )
        )
    return PackageError(Problem(message=f"cannot write {target}: {exc.strerror or exc}", hint="check the -o folder"))


@dataclass(frozen=True)
class BuiltZip:
    path: Path
    sha256: str
    sha256_path: Path
    unchanged: bool  # an identical ZIP was already there


def write_plugin_zip(
    tree: PluginTree,
    project: Project,
    out_dir: str | Path,
    force: bool = False,
    companions: Callable[[str], dict[str, bytes]] | None = None,
) -> BuiltZip:
    """Write ``<out_dir>/<slug>-<version>.zip``, its ``.sha256`` and any companion files.

    ``companions`` receives the ZIP's SHA-256 and returns file name -> bytes to write beside
    it (the DEM setup guide); all of them are replaced together, so a failure never leaves
    a new ZIP beside an old guide. An existing ZIP of the same version with different bytes
    is kept unless ``force``: a released version must not silently change.
    """
    out = Path(out_dir)
    data = zip_bytes(tree.files)
    digest = hashlib.sha256(data).hexdigest()
    target = out / project.zip_name
    sha_path = out / companion_names(project.slug, project.plugin.version)["sha256"]
    sha_line = f"{digest}  {project.zip_name}\n".encode()
    unchanged = False
    try:
        if target.exists():
            existing = target.read_bytes()
            if existing == data:
                unchanged = True
            elif not force:
                raise PackageError(
                    Problem(
                        message=f"{target} already exists with different contents",
                        hint="raise [plugin] version for a new release, or pass --force to replace it",
                    )
                )
        batch = {target: data, sha_path: sha_line}
        for name, content in (companions(digest) if companions else {}).items():
            batch[out / name] = content
        atomic_replace(batch)
    except OSError as exc:
        raise _write_error(exc, target, out) from None
    return BuiltZip(path=target, sha256=digest, sha256_path=sha_path, unchanged=unchanged)


def write_tree(tree: PluginTree, out_dir: str | Path) -> list[Path]:
    """Write the unzipped plugin tree (``render -o DIR``), each file atomically."""
    out = Path(out_dir)
    written = []
    for path, data in sorted(tree.files.items()):
        target = out / path
        try:
            atomic_write(target, data)
        except OSError as exc:
            raise _write_error(exc, target, target.parent) from None
        written.append(target)
    return written

"""Package a plugin tree as a deterministic ZIP, written atomically (SPEC §5).

Entries are sorted, timestamps fixed, compression fixed, permissions fixed: the same
inputs give byte-identical archives. Files are written to a temporary file in the target
folder and renamed into place, so a failure never leaves a partial ZIP and never damages
an existing one.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from plugin_builder.config import Project
from plugin_builder.errors import PackageError, Problem
from plugin_builder.render import PERMISSIONS_ROOT, PLUGIN_XML, QUERIES_ROOT, PluginTree

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
        raise PackageError(
            [Problem(f"{p!r} is not allowed in a PowerQuery plugin ZIP") for p in bad]
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever builds it
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[path], compresslevel=9)
    return buffer.getvalue()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; give the file the mode a plain open() would (0666 less umask).
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


@dataclass(frozen=True)
class BuiltZip:
    path: Path
    sha256: str
    sha256_path: Path
    unchanged: bool  # an identical ZIP was already there


def write_plugin_zip(tree: PluginTree, project: Project, out_dir: str | Path, force: bool = False) -> BuiltZip:
    """Write ``<out_dir>/<slug>-<version>.zip`` and its ``.sha256``.

    An existing ZIP of the same version with different bytes is kept unless ``force``:
    a released version must not silently change.
    """
    out = Path(out_dir)
    data = zip_bytes(tree.files)
    digest = hashlib.sha256(data).hexdigest()
    target = out / project.zip_name
    sha_path = out / f"{project.zip_name}.sha256"
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
        if not unchanged:
            atomic_write(target, data)
        atomic_write(sha_path, f"{digest}  {project.zip_name}\n".encode())
    except PermissionError as exc:
        raise PackageError(
            Problem(message=f"cannot write to {exc.filename or out}: permission denied", hint="choose another -o folder")
        ) from None
    except OSError as exc:
        raise PackageError(
            Problem(message=f"cannot write {target}: {exc.strerror}", hint="check free space and the -o folder")
        ) from None
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
            raise PackageError(Problem(message=f"cannot write {target}: {exc.strerror}")) from None
        written.append(target)
    return written

"""Read a plugin ZIP or folder that someone else built, safely (for ``lint``).

Nothing is extracted to disk: the few files the checks need (plugin.xml, the
named-query and permission-mapping XML) are read into memory, each through a bounded
stream. Every entry is listed with what is wrong with it, for the ZIP rules (ZP5xx):

* a name with a ``..`` segment, an absolute or drive path, a backslash or a NUL is unsafe
  and never read;
* a symbolic link (in a ZIP: Unix mode bits; in a folder: ``lstat``) is never followed;
* a member larger than :data:`MAX_MEMBER_BYTES` once inflated, or inflating more than
  :data:`MAX_RATIO` times its compressed size, is not read past the limit (a zip bomb
  costs at most one chunk);
* an archive with more than :data:`MAX_ENTRIES` entries, or a file larger than
  :data:`MAX_ARCHIVE_BYTES`, is listed but not read.

A file that is not a ZIP at all is refused with :class:`~plugin_builder.errors.InputError`.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from plugin_builder.build.render import PERMISSIONS_ROOT, PLUGIN_XML, QUERIES_ROOT
from plugin_builder.errors import InputError, Problem

MAX_ENTRIES = 1000  # real plugins have tens; thousands are a denial-of-service attempt
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
MAX_MEMBER_BYTES = 8 * 1024 * 1024  # the largest real named_queries.xml is well under 1 MiB
MAX_TOTAL_BYTES = 32 * 1024 * 1024
MAX_RATIO = 100  # XML deflates 5-20x; a bomb deflates 1000x
RATIO_FLOOR = 1024 * 1024  # small members may compress well without being a threat
CHUNK = 64 * 1024

_DRIVE = re.compile(r"^[A-Za-z]:")


# What can be wrong with one entry; the ZIP rules (checks/zip_rules.py) map each to its code.
UNSAFE_PATH = "unsafe-path"  # "..", absolute, backslash or NUL in the name
OVERSIZED = "oversized"  # too big, or inflating far beyond its compressed size
SYMLINK = "symlink"
NOT_A_FILE = "not-a-file"  # a device, a FIFO, …


@dataclass(frozen=True)
class ArchiveEntry:
    """One entry as stored; ``problem`` is (what is wrong, message) when it was refused: one of
    :data:`UNSAFE_PATH`, :data:`OVERSIZED`, :data:`SYMLINK`, :data:`NOT_A_FILE`; the ZIP rules
    give each its code."""

    name: str
    size: int = 0
    compressed_size: int = 0
    kind: str = "file"  # file, dir, symlink, other
    problem: tuple[str, str] | None = None


@dataclass
class ArchiveListing:
    source: str
    kind: str  # "zip", "folder" or "tree" (rendered by us)
    entries: list[ArchiveEntry] = field(default_factory=list)
    total_entries: int = 0  # may exceed len(entries) when MAX_ENTRIES was passed
    wrapper: str | None = None  # a top-level folder holding plugin.xml ("name/")

    @property
    def too_many(self) -> bool:
        return self.total_entries > MAX_ENTRIES


def unsafe_name(name: str) -> str | None:
    """Why an entry name is unsafe to use as a path, or None."""
    if "\x00" in name:
        return "contains a NUL character"
    if "\\" in name:
        return "contains a backslash (a Windows path)"
    if name.startswith("/") or _DRIVE.match(name):
        return "is an absolute path"
    if any(part == ".." for part in name.split("/")):
        return "climbs out of the archive with '..'"
    return None


USER_SCHEMA_ROOT = "user_schema_root"


def wanted(path: str) -> bool:
    """The files the checks read; everything else is only listed."""
    parts = PurePosixPath(path).parts
    if path == PLUGIN_XML:
        return True
    if len(parts) == 2 and parts[0] == QUERIES_ROOT and parts[1].endswith(".named_queries.xml"):
        return True
    if len(parts) == 2 and parts[0] == USER_SCHEMA_ROOT and parts[1].lower().endswith(".xml"):
        return True  # the plugin's own database extensions: their tables count as declared
    return len(parts) == 2 and parts[0] == PERMISSIONS_ROOT and parts[1].endswith(".permission_mappings.xml")


def _find_wrapper(names: list[str]) -> str | None:
    """The one top-level folder that holds plugin.xml when the root does not."""
    if PLUGIN_XML in names:
        return None
    candidates = {n[: -len(PLUGIN_XML)] for n in names if n.endswith("/" + PLUGIN_XML) and n.count("/") == 1}
    return next(iter(candidates)) if len(candidates) == 1 else None


def _strip(name: str, wrapper: str | None) -> str:
    return name[len(wrapper) :] if wrapper and name.startswith(wrapper) else name


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[bytes | None, tuple[str, str] | None]:
    """Inflate one member through a bounded stream; never more than the limits allow."""
    limit = MAX_MEMBER_BYTES
    if info.file_size > RATIO_FLOOR:
        limit = min(limit, max(info.compress_size, 1) * MAX_RATIO)
    if info.file_size > limit:
        return None, _too_big(info)
    chunks: list[bytes] = []
    total = 0
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > limit or total > max(info.file_size, 0) + CHUNK:
                    return None, _too_big(info, inflated=total)
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError) as exc:
        return None, (OVERSIZED, f"cannot be read safely: {exc}")
    return b"".join(chunks), None


def _too_big(info: zipfile.ZipInfo, inflated: int | None = None) -> tuple[str, str]:
    size = inflated if inflated is not None else info.file_size
    ratio = size / max(info.compress_size, 1)
    if ratio > MAX_RATIO and size > RATIO_FLOOR:
        return OVERSIZED, (f"inflates {ratio:.0f} times ({info.compress_size} to {size}+ bytes): a zip bomb is refused")
    return OVERSIZED, f"is {size} bytes inflated; at most {MAX_MEMBER_BYTES} are read"


def read_zip(path: Path) -> tuple[dict[str, bytes], ArchiveListing]:
    """The plugin files of a ZIP (in memory) and the listing of every entry."""
    try:
        archive_size = path.stat().st_size
    except OSError as exc:
        raise InputError(Problem(f"cannot be read: {exc.strerror}", file=str(path))) from None
    if archive_size > MAX_ARCHIVE_BYTES:
        raise InputError(
            Problem(
                f"is {archive_size} bytes; a plugin ZIP is at most {MAX_ARCHIVE_BYTES}",
                file=str(path),
                hint="lint the plugin folder instead, or check that this is a plugin",
            )
        )
    if not zipfile.is_zipfile(path):
        raise InputError(
            Problem("is not a ZIP archive", file=str(path), hint="pass a plugin .zip or the unzipped plugin folder")
        )
    listing = ArchiveListing(source=str(path), kind="zip")
    files: dict[str, bytes] = {}
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise InputError(Problem(f"is not a readable ZIP archive: {exc}", file=str(path))) from None
    with archive:
        infos = archive.infolist()
        listing.total_entries = len(infos)
        if listing.too_many:
            return files, listing
        names = [i.filename for i in infos if unsafe_name(i.filename) is None]
        listing.wrapper = _find_wrapper(names)
        total = 0
        seen: set[str] = set()
        for info in infos:
            name = info.filename
            mode = info.external_attr >> 16
            reason = unsafe_name(name)
            if reason is None and name in seen:
                # ZIP readers disagree on which of two same-named members counts.
                reason = "appears twice in the archive"
            seen.add(name)
            if reason:
                listing.entries.append(
                    ArchiveEntry(name, info.file_size, info.compress_size, "file", (UNSAFE_PATH, reason))
                )
                continue
            if info.create_system == 3 and stat.S_ISLNK(mode):
                listing.entries.append(
                    ArchiveEntry(name, info.file_size, info.compress_size, "symlink", (SYMLINK, "is a symbolic link"))
                )
                continue
            if info.is_dir():
                listing.entries.append(ArchiveEntry(name, 0, 0, "dir"))
                continue
            inner = _strip(name, listing.wrapper)
            problem = None
            if wanted(inner):
                if total + info.file_size > MAX_TOTAL_BYTES:
                    problem = (OVERSIZED, f"reading it would pass {MAX_TOTAL_BYTES} bytes in all")
                else:
                    data, problem = _read_member(archive, info)
                    if data is not None:
                        files[inner] = data
                        total += len(data)
            elif info.file_size > MAX_MEMBER_BYTES or (
                info.file_size > RATIO_FLOOR and info.file_size > max(info.compress_size, 1) * MAX_RATIO
            ):
                problem = _too_big(info)
            listing.entries.append(ArchiveEntry(name, info.file_size, info.compress_size, "file", problem))
    return files, listing


def read_folder(path: Path) -> tuple[dict[str, bytes], ArchiveListing]:
    """The plugin files of an unzipped plugin folder; links are listed, never followed."""
    listing = ArchiveListing(source=str(path), kind="folder")
    files: dict[str, bytes] = {}
    found: list[tuple[str, os.stat_result]] = []
    for current, dirs, names in os.walk(path, followlinks=False):
        base = Path(current)
        for name in sorted(dirs) + sorted(names):
            full = base / name
            try:
                info = full.lstat()
            except OSError:
                continue
            rel = full.relative_to(path).as_posix()
            found.append((rel, info))
            if len(found) > MAX_ENTRIES:
                break
        dirs[:] = sorted(d for d in dirs if not (base / d).is_symlink())
        if len(found) > MAX_ENTRIES:
            break
    listing.total_entries = len(found)
    if listing.too_many:
        return files, listing
    listing.wrapper = _find_wrapper([rel for rel, info in found if stat.S_ISREG(info.st_mode)])
    total = 0
    for rel, info in sorted(found):
        if stat.S_ISLNK(info.st_mode):
            listing.entries.append(ArchiveEntry(rel, 0, 0, "symlink", (SYMLINK, "is a symbolic link")))
            continue
        if stat.S_ISDIR(info.st_mode):
            listing.entries.append(ArchiveEntry(rel + "/", 0, 0, "dir"))
            continue
        if not stat.S_ISREG(info.st_mode):
            listing.entries.append(ArchiveEntry(rel, 0, 0, "other", (NOT_A_FILE, "is not a regular file")))
            continue
        problem = None
        inner = _strip(rel, listing.wrapper)
        if info.st_size > MAX_MEMBER_BYTES:
            problem = (OVERSIZED, f"is {info.st_size} bytes; at most {MAX_MEMBER_BYTES} are read")
        elif wanted(inner):
            if total + info.st_size > MAX_TOTAL_BYTES:
                problem = (OVERSIZED, f"reading it would pass {MAX_TOTAL_BYTES} bytes in all")
            else:
                try:
                    # O_NOFOLLOW: the file may have been swapped for a link since lstat.
                    fd = os.open(path / rel, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
                    with os.fdopen(fd, "rb") as handle:
                        data = handle.read(MAX_MEMBER_BYTES + 1)
                except OSError as exc:
                    problem = (OVERSIZED, f"cannot be read: {exc.strerror}")
                else:
                    if len(data) > MAX_MEMBER_BYTES:
                        problem = (OVERSIZED, f"is more than {MAX_MEMBER_BYTES} bytes")
                    else:
                        files[inner] = data
                        total += len(data)
        listing.entries.append(ArchiveEntry(rel, info.st_size, info.st_size, "file", problem))
    return files, listing


def listing_of_tree(files: dict[str, bytes]) -> ArchiveListing:
    """The listing of a plugin we rendered (every entry safe by construction)."""
    return ArchiveListing(
        source="<rendered>",
        kind="tree",
        entries=[ArchiveEntry(name, len(data), len(data)) for name, data in sorted(files.items())],
        total_entries=len(files),
    )

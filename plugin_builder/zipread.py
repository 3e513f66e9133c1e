"""Read a plugin ZIP from elsewhere into memory, safely (``review --against``, ``build --against``).

Nothing is extracted to disk. The archive and every member are size-limited (members are
read in bounded chunks, so a lying header cannot make us allocate more), member names with
``..``, absolute paths, drive letters or backslashes are refused, and so are encrypted or
duplicate members. The result is what :func:`plugin_builder.model.build_model` takes.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from plugin_builder.errors import InputError, Problem
from plugin_builder.render import PLUGIN_XML

MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 2000
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, past which a member is treated as a ZIP bomb
_CHUNK = 64 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


def _unsafe_name(name: str) -> str | None:
    """Why a member name is unsafe, or None."""
    if "\\" in name:
        return "contains a backslash"
    if name.startswith("/") or _DRIVE.match(name):
        return "is an absolute path"
    if any(part == ".." for part in PurePosixPath(name).parts):
        return "contains '..'"
    if "\x00" in name:
        return "contains a NUL character"
    return None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, where: str) -> bytes:
    limit = min(MAX_MEMBER_BYTES, budget)
    chunks: list[bytes] = []
    size = 0
    with archive.open(info) as handle:
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise InputError(
                    Problem(
                        message=f"member {info.filename!r} is larger than {limit} bytes uncompressed",
                        file=where,
                        hint="a plugin ZIP holds a few small XML files",
                    )
                )
            if info.compress_size and size > 1024 * 1024 and size / info.compress_size > MAX_RATIO:
                raise InputError(
                    Problem(
                        message=f"member {info.filename!r} is compressed more than {MAX_RATIO}:1",
                        file=where,
                        hint="refused as a possible ZIP bomb",
                    )
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _strip_wrapper(files: dict[str, bytes]) -> dict[str, bytes]:
    """A ZIP made by zipping the folder has one wrapper folder; look inside it."""
    if PLUGIN_XML in files:
        return files
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) == 1:
        top = next(iter(tops))
        if f"{top}/{PLUGIN_XML}" in files:
            return {name[len(top) + 1 :]: data for name, data in files.items() if name != top + "/"}
    return files


def read_plugin_zip(path: str | Path) -> dict[str, bytes]:
    """Archive path -> bytes of every file member, read in memory within size limits."""
    path = Path(path)
    where = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(Problem(message="not found", file=where)) from None
    except OSError as exc:
        raise InputError(Problem(message=f"cannot be read: {exc.strerror}", file=where)) from None
    if not path.is_file():
        raise InputError(Problem(message="is not a file", file=where, hint="give the plugin's .zip"))
    if size > MAX_ARCHIVE_BYTES:
        raise InputError(Problem(message=f"is {size} bytes; a plugin ZIP is at most {MAX_ARCHIVE_BYTES}", file=where))
    problems: list[Problem] = []
    files: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise InputError(Problem(message=f"has {len(members)} members; at most {MAX_MEMBERS} are read", file=where))
            budget = MAX_TOTAL_BYTES
            for info in members:
                name = info.filename
                why = _unsafe_name(name)
                if why:
                    problems.append(Problem(message=f"member {name!r} {why}", file=where, hint="refused: unsafe path"))
                    continue
                if info.is_dir():
                    continue
                if info.flag_bits & 0x1:
                    problems.append(Problem(message=f"member {name!r} is encrypted", file=where))
                    continue
                if name in files:
                    problems.append(Problem(message=f"member {name!r} appears twice", file=where))
                    continue
                data = _read_member(archive, info, budget, where)
                budget -= len(data)
                files[name] = data
    except zipfile.BadZipFile as exc:
        raise InputError(Problem(message=f"is not a readable ZIP file ({exc})", file=where)) from None
    except (NotImplementedError, RuntimeError, EOFError, zlib.error, zipfile.LargeZipFile) as exc:
        raise InputError(Problem(message=f"cannot be read: {exc}", file=where)) from None
    except OSError as exc:
        raise InputError(Problem(message=f"cannot be read: {exc.strerror or exc}", file=where)) from None
    if problems:
        raise InputError(problems)
    files = _strip_wrapper(files)
    if PLUGIN_XML not in files:
        raise InputError(Problem(message="has no plugin.xml", file=where, hint="is this a PowerSchool plugin ZIP?"))
    return files

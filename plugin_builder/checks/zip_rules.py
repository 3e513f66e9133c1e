"""Rules on the archive itself (ZP5xx): layout, stray entries and hostile members.

For a plugin we rendered the listing is the tree's own files; for ``lint`` it is every entry
of the ZIP or folder as :mod:`plugin_builder.build.archive` found it, including the entries it
refused to read (with the reason, reported here).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from plugin_builder.build.archive import (
    MAX_ENTRIES,
    NOT_A_FILE,
    OVERSIZED,
    SYMLINK,
    UNSAFE_PATH,
    ArchiveListing,
    listing_of_tree,
)
from plugin_builder.build.render import PERMISSIONS_ROOT, PLUGIN_XML, QUERIES_ROOT
from plugin_builder.checks.engine import CheckContext, Hit, rule
from plugin_builder.findings import Severity

# Folders PowerSchool reads from a plugin.
KNOWN_FOLDERS = {
    QUERIES_ROOT,
    PERMISSIONS_ROOT,
    "MessageKeys",
    "pagecataloging",
    "web_root",
    "WEB_ROOT",
    "user_schema_root",
    "data_change_configuration_root",
}
JUNK_RE = re.compile(
    r"(^|/)(__MACOSX/|\.DS_Store$|\._|Thumbs\.db$|desktop\.ini$|\.git/|\.gitignore$|\.blank$|.*~$|.*\.bak$)"
)


def _listing(ctx: CheckContext) -> ArchiveListing:
    return ctx.archive or listing_of_tree(ctx.model.files)


def _inner(listing: ArchiveListing, name: str) -> str:
    wrapper = listing.wrapper
    return name[len(wrapper) :] if wrapper and name.startswith(wrapper) else name


# The rule that reports each kind of entry the archive reader refused.
PROBLEM_CODES = {UNSAFE_PATH: "ZP504", OVERSIZED: "ZP505", SYMLINK: "ZP506", NOT_A_FILE: "ZP502"}


def _entry_problems(ctx: CheckContext, code: str) -> Iterator[Hit]:
    for entry in _listing(ctx).entries:
        if entry.problem and PROBLEM_CODES[entry.problem[0]] == code:
            yield Hit(f"entry {entry.name!r} {entry.problem[1]}", file=entry.name.replace("\x00", "\\0") or "<archive>")


@rule("ZP500", "zip.plugin-xml-not-at-root")
def zip_plugin_xml_at_root(ctx: CheckContext) -> Iterator[Hit]:
    """``plugin.xml`` sits at the root of the archive (PowerSchool looks nowhere else).

    The examples list the archive's entries, one a line.

    Bad::

        # zip entries
        queries_root/org.example.roster.named_queries.xml

    Good::

        # zip entries
        plugin.xml
        queries_root/org.example.roster.named_queries.xml
    """
    listing = _listing(ctx)
    if listing.too_many or listing.wrapper:
        return
    if PLUGIN_XML not in ctx.model.files and not any(e.name == PLUGIN_XML for e in listing.entries):
        deeper = [e.name for e in listing.entries if e.name.endswith("/" + PLUGIN_XML)]
        where = f" (found {deeper[0]})" if deeper else ""
        yield Hit(
            f"there is no plugin.xml at the root of the archive{where}",
            file=listing.source if listing.kind != "tree" else PLUGIN_XML,
            hint="zip the contents of the plugin folder, not the folder",
        )


@rule("ZP501", "zip.wrapper-folder")
def zip_wrapper_folder(ctx: CheckContext) -> Iterator[Hit]:
    """The archive has no wrapping top-level folder around plugin.xml.

    Bad::

        # zip entries
        rostering/plugin.xml
        rostering/queries_root/org.example.roster.named_queries.xml

    Good::

        # zip entries
        plugin.xml
        queries_root/org.example.roster.named_queries.xml
    """
    listing = _listing(ctx)
    if listing.wrapper:
        yield Hit(
            f"plugin.xml is inside the folder {listing.wrapper!r}; PowerSchool needs it at the root",
            file=listing.wrapper + PLUGIN_XML,
            hint="zip the contents of the folder (cd into it; zip -r ../plugin.zip .)",
        )


@rule("ZP502", "zip.stray-entry", Severity.WARNING)
def zip_stray_entry(ctx: CheckContext) -> Iterator[Hit]:
    """The archive holds only what PowerSchool reads: no junk, no files outside the known folders.

    ``__MACOSX``, ``.DS_Store``, READMEs and build files are ignored at best.

    Bad::

        # zip entries
        plugin.xml
        queries_root/org.example.roster.named_queries.xml
        __MACOSX/._plugin.xml

    Good::

        # zip entries
        plugin.xml
        queries_root/org.example.roster.named_queries.xml
    """
    listing = _listing(ctx)
    for entry in listing.entries:
        if entry.problem and PROBLEM_CODES[entry.problem[0]] == "ZP502":
            yield Hit(f"entry {entry.name!r} {entry.problem[1]}", file=entry.name)
            continue
        if entry.problem or entry.kind != "file":
            continue
        inner = _inner(listing, entry.name)
        parts = PurePosixPath(inner).parts
        why = None
        if inner == PLUGIN_XML:
            continue
        if JUNK_RE.search(inner):
            why = "is operating-system or version-control junk"
        elif unloaded_query_file(inner):
            continue  # ZP508
        elif len(parts) == 1:
            why = "is not plugin.xml; PowerSchool ignores other files at the root"
        elif parts and parts[0] not in KNOWN_FOLDERS:
            why = f"is in {parts[0]}/, which is not a plugin folder"
        elif parts[0] == QUERIES_ROOT and (len(parts) != 2 or not inner.endswith(".named_queries.xml")):
            why = "is not a queries_root/*.named_queries.xml file; PowerSchool ignores it"
        elif parts[0] == PERMISSIONS_ROOT and (len(parts) != 2 or not inner.endswith(".permission_mappings.xml")):
            why = "is not a permissions_root/*.permission_mappings.xml file"
        if why:
            yield Hit(f"entry {entry.name!r} {why}", file=entry.name, hint="leave it out of the ZIP")


@rule("ZP503", "zip.database-extension-with-queries", Severity.WARNING)
def zip_database_extension(ctx: CheckContext) -> Iterator[Hit]:
    """Database extensions (``user_schema_root``) ship in a separate plugin from the queries that read them.

    PowerSchool installs the queries before the new tables exist, so the queries fail.

    Put ``user_schema_root/`` in a plugin of its own, installed and enabled first; the
    examples list the queries plugin's entries.

    Bad::

        # zip entries
        plugin.xml
        user_schema_root/U_ROSTER.xml
        queries_root/org.example.roster.named_queries.xml

    Good::

        # zip entries
        plugin.xml
        queries_root/org.example.roster.named_queries.xml
    """
    listing = _listing(ctx)
    names = [_inner(listing, e.name) for e in listing.entries if e.kind == "file"]
    extension = next((n for n in names if n.startswith("user_schema_root/")), None)
    if extension and any(n.startswith(QUERIES_ROOT + "/") for n in names):
        yield Hit(
            "the archive has both database extensions (user_schema_root) and PowerQueries",
            file=extension,
            hint="put the database extensions in their own plugin, installed first",
        )


@rule("ZP504", "zip.unsafe-path")
def zip_unsafe_path(ctx: CheckContext) -> Iterator[Hit]:
    """No entry has an absolute path, a ``..`` segment or a backslash (refused, never extracted).

    Bad::

        # zip entries
        plugin.xml
        queries_root/org.example.roster.named_queries.xml
        ../../etc/cron.d/evil

    Good::

        # zip entries
        plugin.xml
        queries_root/org.example.roster.named_queries.xml
    """
    yield from _entry_problems(ctx, "ZP504")


@rule("ZP505", "zip.oversized-member")
def zip_oversized_member(ctx: CheckContext) -> Iterator[Hit]:
    """No member is oversized or inflates far beyond its compressed size (a zip bomb).

    In the examples, ``big NAME BYTES`` is an entry of that many zero bytes.

    Bad::

        # zip entries
        plugin.xml
        queries_root/org.example.roster.named_queries.xml
        big web_root/zeros.bin 9000000

    Good::

        # zip entries
        plugin.xml
        queries_root/org.example.roster.named_queries.xml
        big web_root/zeros.bin 100000
    """
    yield from _entry_problems(ctx, "ZP505")


@rule("ZP506", "zip.symlink")
def zip_symlink(ctx: CheckContext) -> Iterator[Hit]:
    """No entry is a symbolic link (it could point anywhere on the server; never followed).

    In the examples, ``symlink NAME -> TARGET`` is an entry stored as a symbolic link.

    Bad::

        # zip entries
        plugin.xml
        queries_root/org.example.roster.named_queries.xml
        symlink web_root/passwd -> /etc/passwd

    Good::

        # zip entries
        plugin.xml
        queries_root/org.example.roster.named_queries.xml
        web_root/passwd.txt
    """
    yield from _entry_problems(ctx, "ZP506")


@rule("ZP507", "zip.too-many-entries")
def zip_too_many_entries(ctx: CheckContext) -> Iterator[Hit]:
    """The archive has a plausible number of entries (at most 1000); more is refused unread.

    In the examples, ``many PREFIX N`` is N small files named PREFIX0.txt, PREFIX1.txt, ….

    Bad::

        # zip entries
        plugin.xml
        queries_root/org.example.roster.named_queries.xml
        many web_root/f 1200

    Good::

        # zip entries
        plugin.xml
        queries_root/org.example.roster.named_queries.xml
        many web_root/f 300
    """
    listing = _listing(ctx)
    if listing.too_many:
        count = f"{listing.total_entries}" if listing.kind == "zip" else f"more than {MAX_ENTRIES}"
        yield Hit(
            f"the archive has {count} entries; at most {MAX_ENTRIES} are read, so nothing was checked",
            file=listing.source,
        )


QUERY_FILE_SUFFIX = ".named_queries.xml"
_QUERY_LIKE_RE = re.compile(r"(?i)(\.xml$|named_?quer)")
_QUERY_SUFFIXES_RE = re.compile(r"(?i)(\.(named_?quer(y|ies)|quer(y|ies)))?(\.xml)?$")


def unloaded_query_file(inner: str) -> str | None:
    """The name PowerSchool would load for a query file it will not load, else None.

    PowerSchool reads ``queries_root/<name>.named_queries.xml`` only: not a file in a folder
    below it, not another suffix (case included), not a queries folder under another name.
    """
    parts = PurePosixPath(inner).parts
    if not parts or JUNK_RE.search(inner):
        return None
    name = parts[-1]
    in_queries = parts[0] == QUERIES_ROOT
    if in_queries and len(parts) == 2 and name.endswith(QUERY_FILE_SUFFIX):
        return None  # loaded
    looks_like_query = name.lower().endswith(QUERY_FILE_SUFFIX) if not in_queries else bool(_QUERY_LIKE_RE.search(name))
    if not looks_like_query or (not in_queries and len(parts) == 1):
        return None
    stem = _QUERY_SUFFIXES_RE.sub("", name) or "queries"
    return f"{QUERIES_ROOT}/{stem}{QUERY_FILE_SUFFIX}"


@rule("ZP508", "zip.query-file-not-loaded")
def zip_query_file_not_loaded(ctx: CheckContext) -> Iterator[Hit]:
    """Every query file is ``queries_root/<name>.named_queries.xml``: PowerSchool loads no other.

    A query file in a folder below ``queries_root/``, with another suffix (``.xml``,
    ``.named_query.xml``, upper case), or in a folder of another name is ignored: the plugin
    installs without its queries.

    Bad::

        # zip entries
        plugin.xml
        queries_root/roster/org.example.roster.named_queries.xml

    Good::

        # zip entries
        plugin.xml
        queries_root/org.example.roster.named_queries.xml
    """
    listing = _listing(ctx)
    for entry in listing.entries:
        if entry.problem or entry.kind != "file":
            continue
        inner = _inner(listing, entry.name)
        expected = unloaded_query_file(inner)
        if expected:
            yield Hit(
                f"PowerSchool will not load {inner!r}: it reads only {QUERIES_ROOT}/<name>{QUERY_FILE_SUFFIX}",
                file=entry.name,
                hint=f"rename it to {expected}",
            )

"""What PowerSchool accepts, and what a release is called: each fact once.

The configuration (:mod:`plugin_builder.project.config`), the rules on plugin.xml and the named
queries, the version guard (:mod:`plugin_builder.project.versions`) and the release's writers all
read these, so a limit cannot differ between ``validate`` on plugin.toml and ``lint`` on a
plugin built elsewhere. Where a limit comes from is said beside it.
"""

from __future__ import annotations

import re

# --------------------------------------------------------------------------- plugin.xml

PLUGIN_NAME_MAX = 40  # PluginDef.Name is VARCHAR2(40); a longer name fails the install
VERSION_MAX = 20  # plugin.xsd: version is at most 20 characters
DESCRIPTION_MAX = 256
PUBLISHER_MAX = 100
EMAIL_MAX = 40
PHONE_MAX = 20

# Dotted numeric, as PowerSchool compares versions. Always applied with fullmatch (through
# is_version): "$" would accept a trailing newline. [0-9], not \d, which also matches other
# scripts' digits ("١", "５").
VERSION_RE = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def is_version(text: object) -> bool:
    """Whether ``text`` is a dotted numeric version (``1.0.3``), the whole of it."""
    return isinstance(text, str) and VERSION_RE.fullmatch(text) is not None


# --------------------------------------------------------------------------- named queries

QUERY_NAME_MAX = 200  # PowerSchool refuses longer query names at install
SUMMARY_MAX = 50  # PowerSchool documents <summary> as a short phrase of at most 50 characters
# A project's namespace leaves room for ".<catalogue name>" under QUERY_NAME_MAX.
NAMESPACE_MAX = 150
RESERVED_NAMESPACES = ("com.powerschool", "com.pearson")  # PowerSchool's own queries


def reserved_prefix(name: str) -> str | None:
    """The reserved namespace ``name`` falls under (case-insensitive, whole segments), or None."""
    lowered = name.lower()
    return next((r for r in RESERVED_NAMESPACES if lowered == r or lowered.startswith(r + ".")), None)


# --------------------------------------------------------------------------- a release's files


def zip_name(slug: str, version: str) -> str:
    """The plugin ZIP: ``<slug>-<version>.zip``."""
    return f"{slug}-{version}.zip"


def companion_names(slug: str, version: str) -> dict[str, str]:
    """The files written beside the ZIP, by what they are."""
    stem = f"{slug}-{version}"
    return {
        "sha256": f"{stem}.zip.sha256",
        "guide": f"{stem}-DEM-setup.md",
        "review": f"{stem}-review.html",
    }

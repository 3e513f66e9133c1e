"""The version guard: a release's version must be greater than the last one.

PowerSchool rejects or warns about an update whose version did not increase, and how it
compares versions is undocumented, so we compare the safe way: dotted numbers, part by
part, numerically (``1.10 > 1.9``), trailing zeros ignored (``1.0 == 1.0.0``).

The last release is the ``--against`` ZIP (its ``plugin.xml`` version) and every
``<slug>-<version>.zip`` of the same plugin already in the output folder. The ZIP of
exactly the version being built is left to :mod:`plugin_builder.build.package`, which refuses to
change its bytes without ``--force``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from plugin_builder.errors import InputError, PluginBuilderError, Problem
from plugin_builder.facts import VERSION_RE, is_version
from plugin_builder.project.config import Project


class VersionNotRaised(PluginBuilderError):
    """The version is not greater than a previous release's: ``build`` refuses, ``review``
    reports it; both exit 1 with the same message (:func:`not_raised`)."""

    exit_code = 1


def version_key(version: str) -> tuple[int, ...]:
    """``"1.10.0"`` -> ``(1, 10)``: numeric parts without trailing zeros, for comparing."""
    if not is_version(version):
        raise ValueError(f"{version!r} is not a dotted numeric version")
    parts = [int(p) for p in version.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` is lower than, equal to or greater than ``b``."""
    ka, kb = version_key(a), version_key(b)
    return (ka > kb) - (ka < kb)


@dataclass(frozen=True)
class Release:
    """A previous release: its version and the ZIP it came from."""

    version: str
    path: Path


def releases_in(out_dir: str | Path, slug: str) -> list[Release]:
    """Every ``<slug>-<version>.zip`` in a folder, oldest first."""
    folder = Path(out_dir)
    if not folder.is_dir():
        return []
    pattern = re.compile(rf"{re.escape(slug)}-({VERSION_RE.pattern})\.zip")
    found = []
    for path in folder.iterdir():
        match = pattern.fullmatch(path.name)
        if match and path.is_file():
            found.append(Release(match.group(1), path))
    return sorted(found, key=lambda r: (version_key(r.version), r.path.name))


def release_of_zip(path: str | Path) -> Release:
    """The version in an existing plugin ZIP's ``plugin.xml``."""
    from plugin_builder.build.model import build_model
    from plugin_builder.build.zipread import read_plugin_zip

    model = build_model(read_plugin_zip(path))
    root = model.plugin_root
    version = root.get("version") if root is not None else None
    if version is None or not is_version(version):
        raise InputError(
            Problem(
                message="its plugin.xml has no dotted numeric version to compare with"
                if version is None
                else f"its plugin.xml version {version!r} is not dotted numeric",
                file=str(path),
            )
        )
    return Release(version, Path(path))


def not_raised(project: Project, previous: Release) -> Problem | None:
    """The one decision on a version against a previous release, and its one message: None
    when ``project``'s version is greater, else the problem to report."""
    if compare_versions(project.plugin.version, previous.version) > 0:
        return None
    return Problem(
        message=f"version {project.plugin.version} is not greater than {previous.version} ({previous.path}); "
        "raise [plugin] version",
        file=str(project.config_path),
    )


def check_version(project: Project, out_dir: str | Path, against: str | Path | None = None) -> None:
    """Raise :class:`VersionNotRaised` unless the version is greater than every previous release
    (``against`` and the releases of the same plugin in ``out_dir``)."""
    previous = [release_of_zip(against)] if against is not None else []
    previous += [r for r in releases_in(out_dir, project.slug) if r.path.name != project.zip_name][-1:]
    for release in previous:
        problem = not_raised(project, release)
        if problem is not None:
            raise VersionNotRaised(problem)

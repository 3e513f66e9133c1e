"""The pipeline composed: config → catalogue → render → checks → package, and the
documents for reviewers and administrators.

The only module that composes the stages: the others are given what they work on and
return it (``review`` and ``guide`` render a report from a validated project; nothing of
theirs reads a project or writes a file). These functions are what the CLI calls; tests
and other tools can call them too.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from plugin_builder import facts
from plugin_builder.build.package import BuiltZip, atomic_write, write_plugin_zip, zip_bytes
from plugin_builder.build.render import PluginTree, render_plugin
from plugin_builder.build.zipread import read_plugin_zip
from plugin_builder.checks import check_tree
from plugin_builder.errors import PackageError, Problem
from plugin_builder.findings import Finding, Severity, has_errors
from plugin_builder.project.catalog import QuerySpec, load_catalog
from plugin_builder.project.config import Project, load_project
from plugin_builder.project.versions import check_version
from plugin_builder.reports.guide import render_dem_guide
from plugin_builder.reports.review import Review, render_review, review_format, review_of


@dataclass
class Validated:
    project: Project
    specs: list[QuerySpec]
    tree: PluginTree
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


@dataclass
class Built:
    validated: Validated
    zip: BuiltZip | None  # None when an error-level finding stopped the build
    guide: Path | None = None  # the DEM setup guide written beside the ZIP
    review: Path | None = None  # the reviewers' report (HTML) written beside the ZIP


_process_ends_with_command = False


def process_ends_with_this_command() -> None:
    """Said by the command line when the process exits as soon as its command is done (a
    ``build``, ``validate``, ``review`` or ``render`` run as ``plugin-builder …``): what the
    stages made is then frozen (gc.freeze) when the collector resumes, instead of being walked
    and collected a moment before the process exits and hands it all back (about 0.04 s of a
    ``build``, the collector's pass and the interpreter's last one). Never said in a process
    that goes on (tests, ``serve``, ``preview``): frozen cycles would stay until it ends."""
    global _process_ends_with_command
    _process_ends_with_command = True


@contextlib.contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """A build allocates hundreds of thousands of short-lived objects (sqlglot's tokens and
    trees, typed copies, Jinja output) and keeps every module it imported: the cycle
    collector's passes over them took about a tenth of a build. Reference counting still frees
    everything as before; the cycles (a parse tree's parent links) wait for the first pass
    after, which the collector runs as soon as it is enabled again and has work (unless the
    process ends with this command: :func:`process_ends_with_this_command`)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if _process_ends_with_command:
                gc.freeze()
            gc.enable()


@cycle_collection_paused()
def validate(config: str | Path = "plugin.toml", select: tuple[str, ...] = ()) -> Validated:
    project = load_project(config)
    specs = load_catalog(project, select)
    tree = render_plugin(project, specs)
    return Validated(project, specs, tree, check_tree(tree, project))


def release_files(project: Project, out_dir: str | Path) -> dict[str, Path]:
    """Every file of a release, by what it is: ``zip``, ``sha256``, ``guide`` (the DEM setup
    guide), ``review`` (the reviewers' report). The one place that names them."""
    out = Path(out_dir)
    names = {"zip": facts.zip_name(project.slug, project.plugin.version)}
    names.update(facts.companion_names(project.slug, project.plugin.version))
    return {kind: out / name for kind, name in names.items()}


@cycle_collection_paused()
def build(
    config: str | Path = "plugin.toml",
    out_dir: str | Path | None = None,
    force: bool = False,
    against: str | Path | None = None,
    strict: bool = False,
) -> Built:
    """Render, check and package; no ZIP is written past an error-level finding (with
    ``strict``, past any warning too).

    The version must be greater than ``against`` (a previous release's ZIP) and than every
    release of the same plugin in ``out_dir`` (by default ``dist/`` beside plugin.toml, so
    that the project's earlier releases are found wherever the command runs); the DEM setup
    guide and the reviewers' report are written beside the ZIP, in one atomic batch with it.
    """
    validated = validate(config)
    if not validated.ok or (strict and any(f.severity is Severity.WARNING for f in validated.findings)):
        return Built(validated, None)
    if out_dir is None:
        out_dir = validated.project.root / "dist"
    old_files = read_plugin_zip(against) if against is not None else None  # a bad ZIP fails first
    check_version(validated.project, out_dir, against)
    project, tree = validated.project, validated.tree
    files = release_files(project, out_dir)

    def companions(sha256: str) -> dict[str, bytes]:
        # The guide and the review report quote the ZIP's checksum: they change with it.
        report = review_of(validated, against, old_files, sha256)
        return {
            files["guide"].name: render_dem_guide(project, tree, sha256).encode("utf-8"),
            files["review"].name: render_review(report, "html").encode("utf-8"),
        }

    built = write_plugin_zip(tree, project, out_dir, force=force, companions=companions)
    return Built(validated, built, files["guide"], files["review"])


@dataclass
class Reviewed:
    validated: Validated
    report: Review


@cycle_collection_paused()
def review(config: str | Path = "plugin.toml", against: str | Path | None = None) -> Reviewed:
    """Render and check the project, and describe it (and its changes since ``against``, a
    previous release's ZIP) for a reviewer."""
    old_files = read_plugin_zip(against) if against is not None else None  # a bad ZIP fails first
    validated = validate(config)
    sha256 = ""  # none for a plugin build would refuse: no ZIP can match it
    if validated.ok:
        try:
            sha256 = hashlib.sha256(zip_bytes(validated.tree.files)).hexdigest()
        except PackageError:
            pass  # a tree that cannot be zipped: the report says why in its findings
    return Reviewed(validated, review_of(validated, against, old_files, sha256))


def write_review(report: Review, path: str | Path) -> Path:
    """Write the report as HTML or Markdown, as the path's suffix says."""
    path = Path(path)
    text = render_review(report, review_format(path))
    try:
        atomic_write(path, text.encode("utf-8"))
    except OSError as exc:
        raise PackageError(Problem(message=f"cannot write {path}: {exc.strerror}")) from None
    return path

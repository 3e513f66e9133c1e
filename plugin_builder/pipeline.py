"""The pipeline composed: config → catalogue → render → checks → package.

These functions are what the CLI calls; tests and other tools can call them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plugin_builder.catalog import QuerySpec, load_catalog
from plugin_builder.checks import check_tree
from plugin_builder.config import Project, load_project
from plugin_builder.findings import Finding, Severity, has_errors
from plugin_builder.package import BuiltZip, write_plugin_zip
from plugin_builder.render import PluginTree, render_plugin


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


def validate(config: str | Path = "plugin.toml", select: tuple[str, ...] = ()) -> Validated:
    project = load_project(config)
    specs = load_catalog(project, select)
    tree = render_plugin(project, specs)
    return Validated(project, specs, tree, check_tree(tree, project))


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
    guide and the review report are written beside the ZIP.
    """
    from plugin_builder.guide import dem_guide_file, guide_name
    from plugin_builder.review import review_file
    from plugin_builder.versions import check_version

    validated = validate(config)
    if not validated.ok or (strict and any(f.severity is Severity.WARNING for f in validated.findings)):
        return Built(validated, None)
    if out_dir is None:
        out_dir = validated.project.root / "dist"
    check_version(validated.project, out_dir, against)
    guide_companion = dem_guide_file(validated.project, validated.tree)
    review_companion = review_file(validated, against)
    built = write_plugin_zip(
        validated.tree,
        validated.project,
        out_dir,
        force=force,
        # The guide and the review report change with the ZIP, in one atomic batch.
        companions=lambda sha256: {**guide_companion(sha256), **review_companion(sha256)},
    )
    guide = Path(out_dir) / guide_name(validated.project)
    review = Path(out_dir) / f"{validated.project.zip_name.removesuffix('.zip')}-review.html"
    return Built(validated, built, guide, review)

"""plugin-builder: turn a small plugin.toml into an installable PowerSchool PowerQuery plugin.

The pipeline (README.md, "How it is built") is a set of small modules with a plain Python API::

    project = load_project("plugin.toml")          # project.config
    specs = load_catalog(project)                  # project.catalog
    tree = render_plugin(project, specs)           # build.render
    findings = check_tree(tree, project)           # checks
    write_plugin_zip(tree, project, "dist")        # build.package

The click layer in :mod:`plugin_builder.cli` only wires options to these functions.
"""

__version__ = "0.1.0"

from plugin_builder.build.package import write_plugin_zip
from plugin_builder.build.render import PluginTree, render_plugin
from plugin_builder.checks import check_tree
from plugin_builder.errors import PluginBuilderError
from plugin_builder.findings import Finding, Severity
from plugin_builder.project.catalog import QuerySpec, load_catalog
from plugin_builder.project.config import Project, load_project

__all__ = [
    "Finding",
    "PluginBuilderError",
    "PluginTree",
    "Project",
    "QuerySpec",
    "Severity",
    "check_tree",
    "load_catalog",
    "load_project",
    "render_plugin",
    "write_plugin_zip",
]

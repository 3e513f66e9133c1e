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

import gc

# Importing the package makes some 75 000 objects the cycle collector tracks (sqlglot's
# expression classes and dialect tables, Jinja, lxml, click, the rules) that live as long as
# the process. The collector would walk them over and over while they are made and on its
# passes after (about a tenth of a `build`): it is paused while they are made, then told to
# leave alone what exists by then (gc.freeze; reference counting still frees whatever they
# let go of).
_collecting = gc.isenabled()
gc.disable()
try:
    from plugin_builder.build.package import write_plugin_zip
    from plugin_builder.build.render import PluginTree, render_plugin
    from plugin_builder.checks import check_tree
    from plugin_builder.errors import PluginBuilderError
    from plugin_builder.findings import Finding, Severity
    from plugin_builder.project.catalog import QuerySpec, load_catalog
    from plugin_builder.project.config import Project, load_project
finally:
    gc.freeze()
    if _collecting:
        gc.enable()

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

"""The plugin being served: its queries, whether it may have API credentials, and what
each query reads outside its ``access_request``.

A project is rendered exactly as ``build`` renders it; a ZIP built elsewhere is read with the
project's bounded ZIP reader and its queries are parsed from ``queries_root/*.named_queries.xml``
(:mod:`plugin_builder.build.model`, no entity expansion). Both end as the same :class:`ServedPlugin`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from plugin_builder.build.model import QueryDef, build_model
from plugin_builder.checks import CheckContext
from plugin_builder.errors import PluginBuilderError, Problem
from plugin_builder.serve.binds import ArgSpec
from plugin_builder.sql.analysis import analyze
from plugin_builder.sql.dictionary import Dictionary, powerschool_dictionary


class ServeRefused(PluginBuilderError):
    """The plugin cannot be served through the API (PowerSchool would give it no credentials)."""


@dataclass
class ServedQuery:
    name: str
    sql: str
    args: tuple[ArgSpec, ...]
    aliases: list[str]
    flattened: bool
    core_table: str | None
    summary: str
    reads: frozenset[tuple[str, str]]  # TABLE, FIELD pairs the API needs in access_request
    analysed: bool  # False: the SQL could not be analysed, so ``reads`` may be short
    forbidden: list[tuple[str, str]] = field(default_factory=list)  # reads outside access_request
    unavailable: str | None = None  # why the district cannot run it (a table or column it lacks)


@dataclass
class ServedPlugin:
    name: str
    version: str
    origin: str  # what was loaded: the project's plugin.toml or the ZIP
    queries: dict[str, ServedQuery]
    dictionary: Dictionary
    notes: list[str] = field(default_factory=list)
    project: object | None = None  # the Project, when serving a plugin.toml


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _reads(query: QueryDef, dictionary: Dictionary) -> tuple[frozenset[tuple[str, str]], bool]:
    """Every field the SQL reads (any role), as the AC400 check counts them (a ``column=``
    placeholder that no SQL reads is no read)."""
    analysis = analyze(query.sql, dictionary)
    reads = {(use.table, use.field) for use in analysis.uses}
    return frozenset(reads), analysis.ok


def served_plugin(
    files: dict[str, bytes], origin: str, dictionary: Dictionary | None = None, tree=None
) -> ServedPlugin:
    """The queries of a plugin's files; refuses a plugin without ``<oauth/>``."""
    dictionary = dictionary or powerschool_dictionary()
    model = build_model(files, tree, origin="built" if tree is not None else "linted")
    ctx = CheckContext(model=model, dictionary=dictionary)
    root = model.plugin_root
    if root is None:
        raise ServeRefused(
            Problem("plugin.xml is missing or not well-formed XML", file=origin, hint="run plugin-builder lint on it")
        )
    name = root.get("name") or "?"
    if not ctx.oauth:
        raise ServeRefused(
            Problem(
                f"plugin {name!r} has no <oauth/>: PowerSchool gives API credentials only to a plugin that asks "
                "for them, so its queries cannot be called through the API",
                file=origin,
                hint="set oauth = true in [plugin] of plugin.toml (it adds <oauth/> and the access_request), then serve again",
            )
        )
    requested = {(f.table, f.field) for f in ctx.access_request() or []}
    queries: dict[str, ServedQuery] = {}
    notes: list[str] = []
    for query in model.queries:
        if not query.name or query.name in queries:
            notes.append(f"query {query.name!r} in {query.file} skipped (empty or duplicate name)")
            continue
        reads, analysed = _reads(query, dictionary)
        if not analysed:
            notes.append(f"query {query.name}: its SQL could not be analysed; access_request is not enforced for it")
        args = tuple(
            ArgSpec(
                name=arg.name,
                column=arg.column,
                required=arg.required,
                is_array=arg.type == "array",
                default=arg.default,
                description=arg.description,
            )
            for arg in query.args
        )
        queries[query.name] = ServedQuery(
            name=query.name,
            sql=query.sql,
            args=args,
            aliases=[c.alias for c in query.columns],
            flattened=_flag(query.flattened),
            core_table=(query.core_table or "").strip() or None,
            summary=(query.summary or "").strip(),
            reads=reads,
            analysed=analysed,
            forbidden=sorted(reads - requested),
        )
    return ServedPlugin(name, root.get("version") or "?", origin, queries, dictionary, notes)


def load_project_plugin(config: str | Path) -> ServedPlugin:
    """The project's plugin, rendered as ``build`` renders it (error-level findings are noted, not fatal)."""
    from plugin_builder.pipeline import validate
    from plugin_builder.sql.dictionary import for_project

    validated = validate(config)
    plugin = served_plugin(validated.tree.files, str(config), for_project(validated.project), validated.tree)
    errors = sum(1 for f in validated.findings if f.severity.value == "error")
    if errors:
        plugin.notes.insert(0, f"validate reports {errors} error(s); serving anyway (build would refuse)")
    plugin.project = validated.project
    return plugin


def load_zip_plugin(path: str | Path) -> ServedPlugin:
    """A plugin ZIP built elsewhere, read in memory by the bounded reader (nothing extracted)."""
    from plugin_builder.build.zipread import read_plugin_zip

    return served_plugin(read_plugin_zip(path), str(path))

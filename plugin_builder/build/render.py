"""Render the plugin tree in memory (docs/administrators.md): plugin.xml, named_queries.xml, permissions.

Each rendered query keeps a map from its SQL lines back to template lines, so that a
finding in the SQL points at ``queries/<name>.sql.j2:<line>``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from plugin_builder.project.catalog import QuerySpec, project_macro_files
from plugin_builder.project.config import Project
from plugin_builder.resources import builtin_queries_dir, templates_dir
from plugin_builder.build.templating import (
    check_sql_template,
    read_template_source,
    render_template,
    sql_environment,
    xml_environment,
)

PLUGIN_XML = "plugin.xml"
QUERIES_ROOT = "queries_root"
PERMISSIONS_ROOT = "permissions_root"


@dataclass(frozen=True)
class SourceLine:
    file: str
    line: int


@dataclass
class RenderedQuery:
    spec: QuerySpec
    full_name: str
    sql: str
    xml_file: str
    line_map: list[SourceLine | None] = field(default_factory=list)

    def source_of(self, sql_line: int) -> SourceLine | None:
        """Template position of a 1-based SQL line, if known."""
        if 1 <= sql_line <= len(self.line_map):
            return self.line_map[sql_line - 1]
        return None


@dataclass
class PluginTree:
    """The unzipped plugin: archive path -> bytes, plus what rendered each query."""

    files: dict[str, bytes]
    queries: list[RenderedQuery] = field(default_factory=list)

    def query(self, full_name: str) -> RenderedQuery | None:
        for q in self.queries:
            if q.full_name == full_name:
                return q
        return None


# Findings on the <query> element that come from one key of the sidecar.
_QUERY_ELEMENT_KEYS = {"PQ202": "columns", "PQ211": "core_table"}


def sidecar_location(query, code: str, file: str | None, line: int | None) -> tuple[str, int | None] | None:
    """Where in the query's TOML sidecar a finding on its generated XML belongs, if anywhere.

    A ``<column>`` line is its ``columns`` entry, an ``<arg>`` line its ``args`` entry, and the
    ``<query>`` line the key the rule is about; SQL positions stay on the template.
    """
    rendered = query.rendered
    if rendered is None or not rendered.spec.metadata_display or file != query.file or line is None:
        return None
    spec = rendered.spec
    key = None
    for index, column in enumerate(query.columns):
        if column.line == line:
            key = f"columns[{index}]"
            break
    for index, arg in enumerate(query.args):
        if key is None and arg.line == line:
            key = f"args[{index}]"
    if key is None and line == query.line:
        key = _QUERY_ELEMENT_KEYS.get(code)
    if key is None:
        return None
    return spec.metadata_display, spec.metadata_line(key)


def _display(path: Path, project: Project) -> str:
    for base in (project.root, builtin_queries_dir().parent):
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)


def normalise_sql(text: str) -> str:
    """LF line endings, no trailing blanks, no leading/trailing empty lines."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


_EXPR_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")


@dataclass(frozen=True, slots=True)
class LineShape:
    """A template line's literal text around its ``{{ … }}``: which rendered lines it can have made.

    The same test as the regular expression ``\\s*first.*?middle….*?last\\s*$`` (every ``{{ … }}``
    a wildcard), with string searches: compiling one expression per template line cost a tenth of
    a build."""

    first: str  # the text before the first expression ("" when the line starts with one)
    middle: tuple[str, ...]  # the texts between expressions, in order
    last: str | None  # the text after the last expression; None: the line has no expression

    def fits(self, line: str) -> bool:
        if self.last is None:
            return line.strip() == self.first
        # first and last start and end with a non-blank (they come from a stripped line), so the
        # blanks around them are exactly the line's leading and trailing blanks.
        start = 0
        if self.first:
            body = line.lstrip()
            if not body.startswith(self.first):
                return False
            start = len(line) - len(body) + len(self.first)
        end = len(line)
        if self.last:
            end = len(line.rstrip()) - len(self.last)
            if end < start or not line.startswith(self.last, end):
                return False
        for text in self.middle:
            found = line.find(text, start, end)
            if found < 0:
                return False
            start = found + len(text)
        return True


@functools.lru_cache(maxsize=4096)  # the shared macro templates' lines recur for every query
def _line_pattern(line: str) -> LineShape | None:
    stripped = line.strip()
    if not stripped or stripped.startswith(("{%", "{#")) and stripped.endswith(("%}", "#}")):
        return None
    pieces = _EXPR_RE.split(stripped)
    if not any(p.strip() for p in pieces):
        return None
    if len(pieces) == 1:
        return LineShape(stripped, (), None)
    return LineShape(pieces[0], tuple(pieces[1:-1]), pieces[-1])


def build_line_map(rendered: str, sources: list[tuple[str, str]]) -> list[SourceLine | None]:
    """Align rendered SQL lines with the template lines that produced them.

    Each template line becomes a pattern (its text with ``{{ … }}`` as wildcards); rendered
    lines are matched in order, preferring the next line after the previous match, so
    repeated text maps to the right place. Lines from macros are found in the other
    templates given.
    """
    candidates: list[tuple[str, int, LineShape]] = []
    for display, text in sources:
        for number, line in enumerate(text.splitlines(), start=1):
            pattern = _line_pattern(line)
            if pattern is not None:
                candidates.append((display, number, pattern))
    result: list[SourceLine | None] = []
    cursor = 0
    for line in rendered.split("\n"):
        if not line.strip():
            result.append(None)
            continue
        found = None
        order = list(range(cursor, len(candidates))) + list(range(cursor))
        for index in order:
            display, number, pattern = candidates[index]
            if pattern.fits(line):
                found = index
                break
        if found is None:
            result.append(None)
            continue
        display, number, _ = candidates[found]
        result.append(SourceLine(display, number))
        cursor = found + 1
    return result


def _fill_columns(project: Project, spec: QuerySpec, sql: str) -> QuerySpec:
    """Sidecar columns without ``column``: the output's real source column, else a placeholder."""
    from dataclasses import replace

    from plugin_builder.sql.analysis import column_targets
    from plugin_builder.sql.dictionary import for_project

    targets = column_targets(sql, for_project(project), spec.core_table, len(spec.columns))
    columns = tuple(c if c.column else replace(c, column=targets[i]) for i, c in enumerate(spec.columns))
    return replace(spec, columns=columns)


def render_query(project: Project, spec: QuerySpec) -> RenderedQuery:
    folders = [spec.template.parent]
    own_macros = project_macro_files(project)
    if own_macros and own_macros[0].parent.resolve() != spec.template.parent.resolve():
        folders.insert(0, own_macros[0].parent)  # the project's macros serve every query, built-in ones too
    if spec.template.parent.resolve() != builtin_queries_dir().resolve():
        folders.append(builtin_queries_dir())  # project queries may import the shared macros
    env = sql_environment(folders)
    display = _display(spec.template, project)
    context = project.template_context()
    context["query"] = spec
    partials = [p for folder in folders for p in sorted(folder.glob("_*.sql.j2"))]
    for path in [spec.template, *partials]:
        check_sql_template(env, path, _display(path, project))
    sql = normalise_sql(render_template(env, spec.template.name, context, display))
    if any(not c.column for c in spec.columns):
        spec = _fill_columns(project, spec, sql)
    sources = [(display, read_template_source(spec.template, display))]
    sources += [(_display(p, project), read_template_source(p, _display(p, project))) for p in partials]
    return RenderedQuery(
        spec=spec,
        full_name=spec.full_name(project.plugin.namespace),
        sql=sql,
        xml_file=f"{QUERIES_ROOT}/{project.plugin.namespace}.{spec.group}.named_queries.xml",
        line_map=build_line_map(sql, sources),
    )


def render_plugin(
    project: Project,
    specs: list[QuerySpec],
    access_fields: list[tuple[str, str]] | None = None,
) -> PluginTree:
    """Render every file of the plugin.

    ``access_fields`` are the (TABLE, FIELD) pairs for ``<access_request>`` when
    ``oauth = true``; by default they are derived from the rendered SQL.
    """
    queries = [render_query(project, spec) for spec in specs]
    env = xml_environment([templates_dir()])
    if project.plugin.oauth and access_fields is None:
        from plugin_builder.sql.analysis import access_fields_for

        from plugin_builder.sql.dictionary import for_project

        access_fields = access_fields_for(queries, for_project(project))
    files: dict[str, bytes] = {}
    files[PLUGIN_XML] = render_template(
        env,
        "plugin.xml.j2",
        {"plugin": project.plugin, "access_fields": access_fields or []},
        "templates/plugin.xml.j2",
    ).encode("utf-8")
    by_file: dict[str, list[RenderedQuery]] = {}
    for query in queries:
        by_file.setdefault(query.xml_file, []).append(query)
    for path, group in sorted(by_file.items()):
        files[path] = render_template(
            env, "named_queries.xml.j2", {"queries": group}, "templates/named_queries.xml.j2"
        ).encode("utf-8")
    if project.plugin.permission_page:
        path = f"{PERMISSIONS_ROOT}/{project.plugin.namespace}.permission_mappings.xml"
        files[path] = render_template(
            env,
            "permission_mappings.xml.j2",
            {"page": project.plugin.permission_page, "queries": queries},
            "templates/permission_mappings.xml.j2",
        ).encode("utf-8")
    return PluginTree(files=files, queries=queries)

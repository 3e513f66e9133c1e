"""The reviewer's report (docs/review.md): what the plugin reads, and what changed since the last release.

For each query: its summary and description, the SQL exactly as PowerSchool will run it,
every TABLE.FIELD it reads with the roles it plays (from
:func:`plugin_builder.sql.analysis.field_uses`), the personal data among them, its output
columns and its arguments. With a previous release's ZIP (``--against``): queries added
and removed, SQL diffs, and the fields read now that were not read before.

The report is HTML (self-contained: inline CSS, no scripts, no external assets, printable)
or Markdown, from ``templates/review.html.j2`` / ``review.md.j2``.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterable
from typing import TYPE_CHECKING

from plugin_builder import __version__
from plugin_builder.build.model import PluginModel, QueryDef, build_model
from plugin_builder.errors import PackageError, Problem
from plugin_builder.findings import Finding, Severity
from plugin_builder.project.versions import Release, compare_versions, not_raised
from plugin_builder.sql.analysis import analyze
from plugin_builder.sql.dictionary import Dictionary, for_project
from plugin_builder.sql.personal_data import CATEGORIES
from plugin_builder.sql.personal_data import category as personal_category
from plugin_builder.sql.sqlparse import parse_sql

if TYPE_CHECKING:
    from plugin_builder.pipeline import Validated

# Personal data: one home, plugin_builder.sql.personal_data, shared with the sensitive-field rule.
PII_CATEGORIES = CATEGORIES


def pii_category(table: str, column: str, dictionary: Dictionary | None = None) -> str | None:
    """The kind of personal data ``table.column`` holds, or None."""
    return personal_category(table, column, dictionary)


# ---------------------------------------------------------------------------------------

ROLE_LABELS = {
    "select": "selected",
    "join": "join",
    "filter": "filter",
    "grouping": "grouping",
    "ordering": "ordering",
    "other": "other",
}


def anchor(query_name: str) -> str:
    """The HTML id of a query's section."""
    return "q-" + re.sub(r"[^A-Za-z0-9_-]", "-", query_name)


@dataclass(frozen=True)
class FieldRow:
    name: str  # TABLE.FIELD
    roles: tuple[str, ...]
    pii: str | None


@dataclass(frozen=True)
class ArgRow:
    name: str
    column: str
    required: bool
    description: str


@dataclass(frozen=True)
class ColumnRow:
    alias: str
    column: str
    # A placeholder: column= names a field the output is not a copy of (it only gives a computed
    # value its DEM type); ``read`` says whether the query's SQL reads that field at all.
    placeholder: bool = False
    read: bool = True


@dataclass
class ReviewQuery:
    name: str
    summary: str
    description: str
    core_table: str
    file_name: str
    args: list[ArgRow]
    columns: list[ColumnRow]
    sql: str
    fields: list[FieldRow]
    parse_error: str | None = None  # the SQL did not parse, so its fields are unknown
    status: str | None = None  # with --against: "added", "changed" or "unchanged"
    sql_diff: list[str] = field(default_factory=list)
    definition_diff: list[str] = field(default_factory=list)
    new_fields: list[str] = field(default_factory=list)
    dropped_fields: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return anchor(self.name)

    @property
    def field_names(self) -> set[str]:
        return {f.name for f in self.fields}

    @property
    def pii(self) -> dict[str, list[str]]:
        """Personal data read, by category, in category order."""
        found: dict[str, list[str]] = {}
        for category in PII_CATEGORIES:
            names = [f.name for f in self.fields if f.pii == category]
            if names:
                found[category] = names
        return found

    def definition_lines(self) -> list[str]:
        """Everything but the SQL, one fact a line, for a diff."""
        lines = [f"summary: {self.summary}", f"coreTable: {self.core_table}"]
        lines += [f"arg {a.name}: column={a.column} required={str(a.required).lower()}" for a in self.args]
        lines += [f"column {i}: {c.alias} = {c.column}" for i, c in enumerate(self.columns, start=1)]
        return lines


@dataclass(frozen=True)
class RemovedQuery:
    name: str
    summary: str
    fields: list[str]


@dataclass(frozen=True)
class NewField:
    name: str  # TABLE.FIELD read now and not by the previous release
    pii: str | None
    readers: list[str]  # the queries that read it


@dataclass
class Comparison:
    source: str
    name: str
    version: str
    version_ok: bool | None  # None when the old version cannot be compared
    added: list[str]
    removed: list[RemovedQuery]
    changed: list[str]
    unchanged: list[str]
    new_fields: list[NewField]
    dropped_fields: list[str]
    version_problem: Problem | None = None  # versions.not_raised: the same words as build's refusal
    old_access: Access = field(default_factory=lambda: Access(False, frozenset(), frozenset()))
    access: Access = field(default_factory=lambda: Access(False, frozenset(), frozenset()))

    @property
    def oauth_changed(self) -> bool:
        return self.old_access.oauth != self.access.oauth

    @property
    def access_added(self) -> dict[str, list[str]]:
        """access_request fields requested now and not before, by table."""
        return group_by_table(self.access.fields - self.old_access.fields)

    @property
    def access_removed(self) -> dict[str, list[str]]:
        return group_by_table(self.old_access.fields - self.access.fields)

    @property
    def pages_added(self) -> list[str]:
        return sorted(set(self.access.pages) - set(self.old_access.pages))

    @property
    def pages_removed(self) -> list[str]:
        return sorted(set(self.old_access.pages) - set(self.access.pages))

    @property
    def mappings_added(self) -> list[tuple[str, str]]:
        return sorted(self.access.mappings - self.old_access.mappings)

    @property
    def mappings_removed(self) -> list[tuple[str, str]]:
        return sorted(self.old_access.mappings - self.access.mappings)

    @property
    def new_pii(self) -> dict[str, list[str]]:
        """Personal data read now and not before, by kind (in category order)."""
        found: dict[str, list[str]] = {}
        for category in PII_CATEGORIES:
            names = [f.name for f in self.new_fields if f.pii == category]
            if names:
                found[category] = names
        return found

    @property
    def nothing_that_matters(self) -> bool:
        """No change of access, personal data or the set of queries."""
        return not (
            self.oauth_changed
            or self.access_added
            or self.access_removed
            or self.mappings_added
            or self.mappings_removed
            or self.new_pii
            or self.added
            or self.removed
        )


@dataclass
class Review:
    plugin_name: str
    version: str
    publisher: str
    contact_email: str
    namespace: str
    oauth: bool
    access_fields: list[str]
    zip_name: str
    sha256: str
    queries: list[ReviewQuery]
    findings: list[Finding]
    comparison: Comparison | None
    tool_version: str = __version__
    # What plugin.toml declares: [dictionary] tables (TABLE, columns with types) and
    # [checks.suppress] (query, rule code, the stated reason).
    declared_tables: list[tuple[str, list[str]]] = field(default_factory=list)
    suppressions: list[tuple[str, str, str]] = field(default_factory=list)
    permission_pages: list[str] = field(default_factory=list)

    @property
    def access_by_table(self) -> dict[str, list[str]]:
        """The access_request fields by table."""
        return group_by_table(self.access_fields)

    @property
    def builds(self) -> bool:
        """``build`` would write this plugin's ZIP (no error-level finding)."""
        return self.errors == 0

    @property
    def pii(self) -> dict[str, list[str]]:
        merged: dict[str, set[str]] = defaultdict(set)
        for query in self.queries:
            for category, names in query.pii.items():
                merged[category].update(names)
        return {c: sorted(merged[c]) for c in PII_CATEGORIES if c in merged}

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """No error finding, and the version is greater than the release compared with."""
        return self.errors == 0 and (self.comparison is None or self.comparison.version_ok is not False)


def group_by_table(names: Iterable[str]) -> dict[str, list[str]]:
    """TABLE.FIELD names as {TABLE: [FIELD, …]}, both sorted."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for name in sorted(set(names)):
        table, _, column = name.partition(".")
        grouped[table].append(column)
    return dict(sorted(grouped.items()))


@dataclass(frozen=True)
class Access:
    """What a plugin asks PowerSchool for: an OAuth client, API fields, page permissions."""

    oauth: bool
    fields: frozenset[str]  # access_request TABLE.FIELD
    mappings: frozenset[tuple[str, str]]  # (permission page, implied path) of permissions_root

    @property
    def pages(self) -> list[str]:
        return sorted({page for page, _ in self.mappings})


def plugin_access(model: PluginModel) -> Access:
    """The plugin.xml ``<oauth/>`` and ``access_request`` and the permission mappings, in whatever namespace."""
    root = model.plugin_root
    oauth = root is not None and root.find("{*}oauth") is not None
    fields = frozenset(
        f"{f.get('table', '').upper()}.{f.get('field', '').upper()}"
        for f in (root.iterfind("{*}access_request/{*}field") if root is not None else ())
    )
    mappings = set()
    for xml in model.permission_files:
        if xml.root is None:
            continue
        for permission in xml.root.iter("{*}permission", "permission"):
            for implied in permission.iter("{*}implies", "implies"):
                mappings.add((permission.get("name", ""), (implied.text or "").strip()))
    return Access(oauth, fields, frozenset(mappings))


def _fields(uses, dictionary: Dictionary | None = None) -> list[FieldRow]:
    roles: dict[str, list[str]] = defaultdict(list)
    for use in uses:
        name = f"{use.table}.{use.field}"
        label = ROLE_LABELS.get(use.role, use.role)
        if label not in roles[name]:
            roles[name].append(label)
    return [
        FieldRow(name, tuple(labels), pii_category(*name.split(".", 1), dictionary))
        for name, labels in sorted(roles.items())
    ]


def review_query(query: QueryDef, dictionary: Dictionary | None = None) -> ReviewQuery:
    """A query as the report shows it; ``query.rendered`` adds what only our build knows."""
    spec = query.rendered.spec if query.rendered is not None else None
    descriptions = {a.name: a.description for a in spec.args} if spec else {}
    analysis = analyze(query.sql, dictionary)
    fields = _fields(analysis.uses, dictionary)
    read = {f.name for f in fields}
    outputs = analysis.outputs or []

    def column_row(index: int, alias: str, column: str) -> ColumnRow:
        target = column.upper()
        if "." not in target and query.core_table:  # a bare field belongs to the coreTable
            target = f"{query.core_table.upper()}.{target}"
        output = outputs[index] if index < len(outputs) else None
        source = "{}.{}".format(*output.source) if output is not None and output.source else None
        # A UNION's output has no single source: a target its SQL reads is taken as real.
        placeholder = bool(column) and analysis.ok and (target not in read or (source is not None and source != target))
        return ColumnRow(alias, column, placeholder=placeholder, read=not analysis.ok or target in read)

    return ReviewQuery(
        name=query.name,
        summary=query.summary or "",
        description=spec.description if spec else "",
        core_table=query.core_table or "",
        file_name=spec.file_name if spec else "",
        args=[
            ArgRow(
                name=a.name,
                column=a.column or "",
                required=a.attrs.get("required", "false").lower() == "true",
                description=descriptions.get(a.name) or a.attrs.get("description", ""),
            )
            for a in query.args
        ],
        columns=[column_row(i, c.alias, c.column or "") for i, c in enumerate(query.columns)],
        sql=query.sql,
        fields=fields,
        parse_error=parse_sql(query.sql).error,
    )


def _diff(old: list[str], new: list[str], old_label: str, new_label: str) -> list[str]:
    return list(difflib.unified_diff(old, new, old_label, new_label, lineterm="", n=3))


def compare(
    queries: list[ReviewQuery],
    old_model: PluginModel,
    source: str,
    version: str,
    dictionary: Dictionary | None = None,
) -> Comparison:
    """Mark each query added/changed/unchanged against an older plugin, and what it newly reads."""
    root = old_model.plugin_root
    old_name = root.get("name", "") if root is not None else ""
    old_version = root.get("version", "") if root is not None else ""
    try:
        version_ok: bool | None = compare_versions(version, old_version) > 0
    except ValueError:
        version_ok = None
    old_queries = {q.name: review_query(q, dictionary) for q in old_model.queries}
    new_names = {q.name for q in queries}
    added, changed, unchanged = [], [], []
    for query in queries:
        old = old_queries.get(query.name)
        if old is None:
            query.status = "added"
            query.new_fields = sorted(query.field_names)
            added.append(query.name)
            continue
        query.sql_diff = _diff(old.sql.splitlines(), query.sql.splitlines(), f"{source}: {query.name}", query.name)
        query.definition_diff = _diff(old.definition_lines(), query.definition_lines(), source, "now")
        query.new_fields = sorted(query.field_names - old.field_names)
        query.dropped_fields = sorted(old.field_names - query.field_names)
        query.status = "changed" if query.sql_diff or query.definition_diff else "unchanged"
        (changed if query.status == "changed" else unchanged).append(query.name)
    removed = [
        RemovedQuery(q.name, q.summary, sorted(q.field_names))
        for name, q in sorted(old_queries.items())
        if name not in new_names
    ]
    old_fields = set().union(*(q.field_names for q in old_queries.values()))
    readers: dict[str, list[str]] = defaultdict(list)
    for query in queries:
        for name in sorted(query.field_names - old_fields):
            readers[name].append(query.name)
    now_fields = set().union(*(q.field_names for q in queries))
    return Comparison(
        source=source,
        name=old_name,
        version=old_version,
        version_ok=version_ok,
        added=added,
        removed=removed,
        changed=changed,
        unchanged=unchanged,
        new_fields=[NewField(n, pii_category(*n.split(".", 1), dictionary), r) for n, r in sorted(readers.items())],
        dropped_fields=sorted(old_fields - now_fields),
    )


def review_of(
    validated: Validated,
    against: str | Path | None = None,
    old_files: dict[str, bytes] | None = None,
    sha256: str = "",
) -> Review:
    """Describe a validated project (and its changes since ``old_files``, read from ``against``);
    ``sha256`` is the ZIP's checksum the report quotes. Reads and writes nothing:
    :mod:`plugin_builder.pipeline` composes it."""
    project, tree = validated.project, validated.tree
    model = build_model(tree.files, tree)
    # The project's dictionary, so that columns of declared extension tables resolve too.
    dictionary = for_project(project)
    queries = sorted((review_query(q, dictionary) for q in model.queries), key=lambda q: q.name)
    comparison = None
    if old_files is not None:
        old_model = build_model(old_files, origin="linted")
        comparison = compare(queries, old_model, str(against), project.plugin.version, dictionary)
        comparison.old_access = plugin_access(old_model)
        comparison.access = plugin_access(model)
        if comparison.version_ok is not None:  # the old version is comparable
            comparison.version_problem = not_raised(project, Release(comparison.version, Path(str(against))))
            comparison.version_ok = comparison.version_problem is None
    requested = plugin_access(model)
    return Review(
        plugin_name=project.plugin.name,
        version=project.plugin.version,
        publisher=project.plugin.publisher,
        contact_email=project.plugin.contact_email,
        namespace=project.plugin.namespace,
        oauth=project.plugin.oauth,
        access_fields=sorted(requested.fields),
        zip_name=project.zip_name,
        # No checksum for a ZIP that build would refuse to write: nothing can match it.
        sha256=sha256 if not any(f.severity is Severity.ERROR for f in validated.findings) else "",
        queries=queries,
        findings=validated.findings,
        comparison=comparison,
        declared_tables=[(table, [f"{c} {t}" for c, t in columns]) for table, columns in project.dictionary.tables],
        suppressions=[(query, code, reason) for query, codes in project.checks.suppress for code, reason in codes],
        permission_pages=requested.pages,
    )


REVIEW_FORMATS = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md"}


def render_review(review: Review, fmt: str = "html") -> str:
    """The report as ``html`` or ``md`` text."""
    from plugin_builder.reports.mdtext import document_environment

    template = {"html": "review.html.j2", "md": "review.md.j2"}[fmt]
    env = document_environment(autoescape=fmt == "html")
    env.filters["anchor"] = anchor
    return env.get_template(template).render(review=review, categories=PII_CATEGORIES)


def review_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in REVIEW_FORMATS:
        raise PackageError(
            Problem(
                message=f"{path}: cannot tell the report format from {suffix or 'no suffix'!r}",
                hint="name the output .html or .md",
            )
        )
    return REVIEW_FORMATS[suffix]

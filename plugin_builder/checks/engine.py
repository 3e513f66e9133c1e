"""The rule engine: every check is a small named rule with a stable code.

A rule is a function decorated with :func:`rule`. Its docstring's first line is the
one-line explanation ``plugin-builder checks`` prints; the rest shows a bad and a good
example. Plugin-scope rules receive the :class:`CheckContext`; query-scope rules receive the
context and one :class:`~plugin_builder.build.model.QueryDef`; preview's rules
(:mod:`plugin_builder.preview.checkers`) receive the files it wrote (output scope) or its
database (district scope, e.g. a school whose Ed-Fi id cannot be made). Rules yield :class:`Hit` records;
the framework turns them into :class:`~plugin_builder.findings.Finding` records with the
rule's code and severity and the file/line (the template's, when we rendered the SQL).

Code families: ``PS1xx`` plugin.xml, ``PQ2xx`` named queries, ``SQ3xx`` SQL,
``AC4xx`` access_request, ``ZP5xx`` the ZIP archive, ``PV6xx`` preview's outputs.

A query may skip a rule only with a stated reason: ``[checks.suppress]`` in plugin.toml
(``one_roster_users = { SQ315 = "why" }``) fills :attr:`CheckContext.suppressed`.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from plugin_builder.build.model import PLUGIN_NS, PluginModel, QueryDef
from plugin_builder.build.render import sidecar_location
from plugin_builder.findings import Finding, Severity, sort_findings
from plugin_builder.sql.analysis import Analysis, analyze
from plugin_builder.sql.dictionary import Dictionary, for_project, powerschool_dictionary
from plugin_builder.sql.sqlparse import ParsedSql, parse_sql

if TYPE_CHECKING:
    from plugin_builder.build.archive import ArchiveListing
    from plugin_builder.project.config import Project


@dataclass
class Hit:
    """What a rule reports; positions are either in a file or in a query's SQL."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    sql_line: int | None = None
    sql_column: int | None = None
    hint: str | None = None
    severity: Severity | None = None  # overrides the rule's default (e.g. lenient cases)
    # The message and hint in the words of a query's TOML sidecar, for a query we rendered.
    sidecar_hint: str | None = None
    sidecar_message: str | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    scope: str  # "plugin", "query", or preview's "output", "district" and "run" (a query it ran)
    func: Callable[..., Iterable[Hit]]

    @property
    def doc(self) -> str:
        return textwrap.dedent(inspect.getdoc(self.func) or "").strip()

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else self.name


RULES: dict[str, Rule] = {}


def rule(code: str, name: str, severity: Severity = Severity.ERROR, scope: str = "plugin"):
    """Register a check under a stable code."""

    def register(func: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        if not inspect.getdoc(func):
            raise ValueError(f"rule {code} needs a docstring with a bad and a good example")
        RULES[code] = Rule(code, name, severity, scope, func)
        return func

    return register


@dataclass(frozen=True)
class AccessField:
    """One ``<field table= field= access=>`` of plugin.xml's access_request."""

    table: str
    field: str
    access: str
    line: int | None


@dataclass
class CheckContext:
    model: PluginModel
    project: Project | None = None
    # Rules to skip for one query: full query name -> {code: reason}.
    suppressed: dict[str, dict[str, str]] = field(default_factory=dict)
    dictionary: Dictionary = field(default_factory=powerschool_dictionary)
    # What the archive held, for lint (None: a tree we rendered ourselves).
    archive: ArchiveListing | None = None

    def parsed(self, query: QueryDef) -> ParsedSql:
        return parse_sql(query.sql)

    def analysis(self, query: QueryDef) -> Analysis:
        return analyze(query.sql, self.dictionary)

    @property
    def oauth(self) -> bool:
        root = self.model.plugin_root
        return root is not None and root.find(f"{{{PLUGIN_NS}}}oauth") is not None

    def access_request(self) -> list[AccessField] | None:
        """The access_request fields of plugin.xml; None when there is no access_request."""
        root = self.model.plugin_root
        if root is None:
            return None
        request = root.find(f"{{{PLUGIN_NS}}}access_request")
        if request is None:
            return None
        return [
            AccessField(
                (f.get("table") or "").upper(),
                (f.get("field") or "").upper(),
                f.get("access") or "",
                f.sourceline,
            )
            for f in request.iter(f"{{{PLUGIN_NS}}}field")
        ]


def _to_finding(rule_: Rule, hit: Hit, query: QueryDef | None) -> Finding:
    file, line, column = hit.file, hit.line, hit.column
    hint, message = hit.hint, hit.message
    if query is not None and file is None:
        if hit.sql_line is not None:
            file, line, column = query.locate(hit.sql_line, hit.sql_column)
        else:
            file, line = query.file, query.line
    if query is not None and query.rendered is not None:
        # What a sidecar declared is reported in the sidecar, in its words.
        moved = sidecar_location(query, rule_.code, file, line)
        if moved is not None:
            file, line, column = moved[0], moved[1], None
        if moved is not None or hit.sql_line is not None:
            hint = hit.sidecar_hint or hint
            message = hit.sidecar_message or message
    return Finding(
        code=rule_.code,
        severity=hit.severity or rule_.severity,
        message=message,
        file=file,
        line=line,
        column=column,
        hint=hint,
        rule=rule_.name,
        query=query.name if query is not None else None,
    )


INTERNAL_CODE = "PB900"  # a rule failed on this input: reported, and the other rules still run


def _crashed(rule_: Rule, exc: Exception, query: QueryDef | None) -> Finding:
    return Finding(
        code=INTERNAL_CODE,
        severity=Severity.ERROR,
        message=f"rule {rule_.code} could not check this input ({type(exc).__name__}: {exc}); please report it",
        file=query.file if query is not None else None,
        line=query.line if query is not None else None,
        rule="internal-error",
        query=query.name if query is not None else None,
    )


def run_rules(ctx: CheckContext, rules: Iterable[Rule] | None = None) -> list[Finding]:
    """Run the plugin- and query-scope rules (all registered ones unless ``rules``) on one plugin."""
    findings: list[Finding] = []
    for rule_ in rules or RULES.values():
        if rule_.scope in ("output", "district", "run"):  # preview's rules judge its outputs and database
            continue  # preview's rules judge written files: plugin_builder.preview.checkers
        if rule_.scope == "plugin":
            try:
                findings.extend(_to_finding(rule_, hit, None) for hit in rule_.func(ctx))
            except Exception as exc:  # noqa: BLE001 (one broken rule must not hide the others' findings)
                findings.append(_crashed(rule_, exc, None))
        else:
            for query in ctx.model.queries:
                if rule_.code in ctx.suppressed.get(query.name, {}):
                    continue
                try:
                    findings.extend(_to_finding(rule_, hit, query) for hit in rule_.func(ctx, query))
                except Exception as exc:  # noqa: BLE001
                    findings.append(_crashed(rule_, exc, query))
    return sort_findings(findings)


def project_dictionary(project: Project | None) -> Dictionary:
    """The shipped dictionary plus the extension tables the project declares."""
    return for_project(project)


def project_suppressions(project: Project | None) -> dict[str, dict[str, str]]:
    """Full query name -> {code: reason} from ``[checks.suppress]``."""
    if project is None:
        return {}
    namespace = project.plugin.namespace
    return {f"{namespace}.{name}": dict(codes) for name, codes in project.checks.suppress}

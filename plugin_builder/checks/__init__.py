"""The rule catalogue: every check is a small named rule with a stable code.

A rule is a function decorated with :func:`rule`. Its docstring's first line is the
one-line explanation ``plugin-builder checks`` prints; the rest shows a bad and a good
example. Plugin-scope rules receive the :class:`CheckContext`; query-scope rules receive the
context and one :class:`~plugin_builder.model.QueryDef`. Rules yield :class:`Hit` records;
the framework turns them into :class:`~plugin_builder.findings.Finding` records with the
rule's code and severity and the file/line (the template's, when we rendered the SQL).

Code families: ``PS1xx`` plugin.xml, ``PQ2xx`` named queries, ``SQ3xx`` SQL,
``AC4xx`` access_request, ``ZP5xx`` the ZIP archive.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from plugin_builder.findings import Finding, Severity, sort_findings
from plugin_builder.model import PluginModel, QueryDef, build_model
from plugin_builder.sqlparse import ParsedSql, parse_sql

if TYPE_CHECKING:
    from plugin_builder.config import Project
    from plugin_builder.render import PluginTree


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


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    scope: str  # "plugin" or "query"
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


@dataclass
class CheckContext:
    model: PluginModel
    project: Project | None = None
    # Rules to skip for one query: full query name -> {code: reason}.
    suppressed: dict[str, dict[str, str]] = field(default_factory=dict)

    def parsed(self, query: QueryDef) -> ParsedSql:
        return parse_sql(query.sql)


def _to_finding(rule_: Rule, hit: Hit, query: QueryDef | None) -> Finding:
    file, line, column = hit.file, hit.line, hit.column
    if query is not None and file is None:
        if hit.sql_line is not None:
            file, line, column = query.locate(hit.sql_line, hit.sql_column)
        else:
            file, line = query.file, query.line
    return Finding(
        code=rule_.code,
        severity=hit.severity or rule_.severity,
        message=hit.message,
        file=file,
        line=line,
        column=column,
        hint=hit.hint,
        rule=rule_.name,
        query=query.name if query is not None else None,
    )


def run_rules(ctx: CheckContext, rules: Iterable[Rule] | None = None) -> list[Finding]:
    _load_rule_modules()
    findings: list[Finding] = []
    for rule_ in rules or RULES.values():
        if rule_.scope == "plugin":
            for hit in rule_.func(ctx):
                findings.append(_to_finding(rule_, hit, None))
        else:
            for query in ctx.model.queries:
                if rule_.code in ctx.suppressed.get(query.name, {}):
                    continue
                for hit in rule_.func(ctx, query):
                    findings.append(_to_finding(rule_, hit, query))
    return sort_findings(findings)


def check_tree(tree: PluginTree, project: Project | None = None) -> list[Finding]:
    """Run every rule on a plugin we rendered."""
    model = build_model(tree.files, tree)
    return run_rules(CheckContext(model=model, project=project))


def all_rules() -> list[Rule]:
    _load_rule_modules()
    return sorted(RULES.values(), key=lambda r: r.code)


def _load_rule_modules() -> None:
    # Importing the modules registers their rules.
    from plugin_builder.checks import plugin_rules, query_rules, sql_rules  # noqa: F401
    from plugin_builder.checks import config_rules  # noqa: F401  (issue 4: [csv] quotes = false)


def iter_hits(hits: Iterable[Hit]) -> Iterator[Hit]:
    yield from hits

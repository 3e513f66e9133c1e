"""The rule catalogue: every rule the tool can report, and running them on a plugin.

The engine (:class:`Rule`, :func:`rule`, :class:`Hit`, :class:`CheckContext`) lives in
:mod:`plugin_builder.checks.engine`; rule modules import it from there, and this package
imports the rule modules (importing one registers its rules), so nothing imports back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugin_builder.build.model import build_model
from plugin_builder.checks import engine
from plugin_builder.checks.engine import (
    INTERNAL_CODE,
    RULES,
    AccessField,
    CheckContext,
    Hit,
    Rule,
    project_dictionary,
    project_suppressions,
    rule,
)
from plugin_builder.findings import Finding

if TYPE_CHECKING:
    from collections.abc import Iterable

    from plugin_builder.build.render import PluginTree
    from plugin_builder.project.config import Project

__all__ = [
    "INTERNAL_CODE", "RULES", "AccessField", "CheckContext", "Hit", "Rule", "all_rules", "check_tree",
    "project_dictionary", "project_suppressions", "rule", "run_rules",
]  # fmt: skip


def _load_rule_modules() -> None:
    # Importing the modules registers their rules.
    from plugin_builder.checks import (  # noqa: F401
        access_rules,
        config_rules,
        oracle_rules,
        plugin_rules,
        query_rules,
        sidecar_rules,
        sql_rules,
        zip_rules,
    )


def all_rules() -> list[Rule]:
    """Every rule the tool can report, by code: the plugin's, the queries' and preview's."""
    _load_rule_modules()
    from plugin_builder.preview import checkers  # noqa: F401  (preview's rules; build does not need them)

    return sorted(RULES.values(), key=lambda r: r.code)


def rule_codes(values: Iterable[str]) -> tuple[str, ...]:
    """Rule codes or prefixes from repeated and comma-separated values (``SQ3``, ``AC400,PQ217``),
    upper-cased; one that starts no rule code is a ValueError naming it."""
    known = [r.code for r in all_rules()] + [INTERNAL_CODE]
    codes = tuple(c.strip().upper() for value in values for c in value.split(",") if c.strip())
    for code in codes:
        if not any(k.startswith(code) for k in known):
            raise ValueError(f"{code}: no rule code starts with it")
    return codes


def run_rules(ctx: CheckContext, rules: Iterable[Rule] | None = None) -> list[Finding]:
    """Run every plugin- and query-scope rule (or ``rules``) on one plugin."""
    _load_rule_modules()
    return engine.run_rules(ctx, rules)


def check_tree(tree: PluginTree, project: Project | None = None) -> list[Finding]:
    """Run every rule on a plugin we rendered."""
    model = build_model(tree.files, tree)
    ctx = CheckContext(
        model=model,
        project=project,
        suppressed=project_suppressions(project),
        dictionary=project_dictionary(project),
    )
    return run_rules(ctx)

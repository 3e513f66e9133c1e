"""What the listing commands print: the query catalogue, the rules, the dictionary's tables
and columns, and the line that says what `validate` checked. Plain text for a terminal; the
CLI only echoes it."""

from __future__ import annotations

import re
from collections.abc import Mapping


def validate_summary(result) -> str:
    """One line saying what was checked (a :class:`~plugin_builder.pipeline.Validated`), so that success is visible."""
    queries = len(result.tree.queries)
    own = sum(1 for q in result.tree.queries if q.spec.origin == "project")
    counts: dict[str, int] = {}
    for finding in result.findings:
        counts[finding.severity.value] = counts.get(finding.severity.value, 0) + 1
    noted = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(counts.items()))
    return (
        f"ok: {result.project.plugin.name} {result.project.plugin.version}: {queries} "
        f"quer{'ies' if queries != 1 else 'y'} ({own} of the project's own) checked, no errors"
        + (f"; {noted}" if noted else "")
    )


def query_listing(specs: Mapping, chosen: set[str] | None) -> list[str]:
    """One line per catalogue query (name, group, summary); with ``chosen`` (the names a
    project builds), a ``*`` marks them and the project's own copies are named as such."""
    width = max(len(n) for n in specs)
    lines = []
    for name, spec in sorted(specs.items()):
        mark = "" if chosen is None else ("* " if name in chosen else "  ")
        note = (
            "  (the project's unchanged copy of the built-in)"
            if spec.unchanged_copy
            else "  (the project's, replacing the built-in)"
            if spec.replaces_builtin
            else ""
        )
        lines.append(f"{mark}{name:<{width}}  {spec.group:<10}  {spec.summary}{note}")
    return lines


def plain_doc(text: str) -> str:
    """A rule's docstring for the terminal: its reStructuredText markup (``code``, ``Bad::``,
    `links`_) taken away, the examples kept as indented text."""
    text = re.sub(r"``(.+?)``", r"\1", text, flags=re.S)
    text = re.sub(r"`([^`]+?)`_", r"\1", text)
    text = re.sub(r"(?m)^(\s*\S.*?):(:)$", r"\1:", text)
    text = re.sub(r":[a-z]+:`([^`]+)`", r"\1", text)
    return text


def rule_listing(rules) -> list[str]:
    """One line per rule: code, severity, name, what it checks."""
    return [f"{r.code}  {r.severity.value:<7}  {r.name:<32}  {plain_doc(r.summary)}" for r in rules]


def rule_explanation(rule) -> str:
    """One rule whole: its code, name, severity and scope, then its docstring with the examples."""
    return f"{rule.code} {rule.name} ({rule.severity.value}, per {rule.scope})\n\n{plain_doc(rule.doc)}"


def table_listing(rows: list[dict]) -> list[str]:
    """One line per dictionary table: name, kind, status, column count."""
    width = max(len(r["table"]) for r in rows)
    return [f"{r['table']:<{width}}  {r['kind']:<5}  {r['status']:<9}  {r['columns']:>4} columns" for r in rows]


def described_text(described: dict) -> str:
    """One table of the dictionary: its kind, status, notes and sources, then each column with its type and evidence."""
    lines = [f"{described['table']} ({described['kind']}, {described['status']})"]
    lines += [f"  note: {n}" for n in described["notes"]]
    lines += [f"  source: {s}" for s in described["sources"]]
    columns = described["columns"]
    if columns:
        width = max(len(c["name"]) for c in columns)
        type_width = max(len(c["type"] or "?") for c in columns)
        lines.append("")
        for c in columns:
            other = c.get("other_type")
            disagree = f"  ({other['source']}: {other['type']})" if other else ""
            lines.append(
                f"  {c['name']:<{width}}  {c['type'] or '?':<{type_width}}  {', '.join(c['evidence'])}{disagree}".rstrip()
            )
        tags = described.get("evidence_tags") or {}
        if tags:
            lines.append("")
            lines += [f"  {tag}: {what}" for tag, what in tags.items()]
    else:
        lines.append("  (no column list: known by name only)")
    return "\n".join(lines)

"""Render findings as text, JSON, SARIF 2.1.0 or GitHub annotations, from the one record."""

from __future__ import annotations

import json
from collections import Counter

from plugin_builder import __version__
from plugin_builder.findings import Finding, Severity

FORMATS = ("text", "json", "sarif", "github")


def _where(f: Finding) -> str:
    where = f.file or "<plugin>"
    if f.line:
        where += f":{f.line}"
        if f.column:
            where += f":{f.column}"
    return where


def summary_line(findings: list[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    parts = [f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}" for s in Severity if counts[s]]
    return ", ".join(parts) if parts else "no findings"


ALSO_AT_SHOWN = 5  # places listed for a finding repeated with one message


def grouped(findings: list[Finding]) -> list[tuple[Finding, list[Finding]]]:
    """Findings with the same code, severity, message and hint, as (first, [the others]):
    one cause reported in many places is read once."""
    groups: dict[tuple, tuple[Finding, list[Finding]]] = {}
    for f in findings:
        key = (f.code, f.severity, f.message, f.hint)
        if key in groups:
            groups[key][1].append(f)
        else:
            groups[key] = (f, [])
    return list(groups.values())


def rule_counts(findings: list[Finding]) -> list[str]:
    """One line per rule code: how many findings, its severity and name (most first)."""
    counts = Counter((f.code, f.severity.value, f.rule or "") for f in findings)
    width = max((len(str(n)) for n in counts.values()), default=1)
    return [
        f"{n:>{width}}  {code}  {severity:<7}  {name}".rstrip()
        for (code, severity, name), n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def as_text(findings: list[Finding]) -> str:
    lines = []
    for f, others in grouped(findings):
        text = f"{_where(f)}: {f.severity.value} {f.code} {f.message}"
        if f.query:
            text += f" [{f.query}]"
        if others:
            places = [_where(o) + (f" [{o.query}]" if o.query and o.query != f.query else "") for o in others]
            more = f" and {len(places) - ALSO_AT_SHOWN} more" if len(places) > ALSO_AT_SHOWN else ""
            text += f"\n    also at: {', '.join(places[:ALSO_AT_SHOWN])}{more}"
        if f.hint:
            text += f"\n    hint: {f.hint}"
        lines.append(text)
    if findings:
        lines.append("")
        lines.extend(rule_counts(findings))
    lines.append(summary_line(findings))
    return "\n".join(lines)


def as_json(findings: list[Finding]) -> str:
    counts = Counter(f.severity.value for f in findings)
    return json.dumps(
        {
            "findings": [f.to_dict() for f in findings],
            "summary": {s.value: counts.get(s.value, 0) for s in Severity},
        },
        indent=2,
        ensure_ascii=False,
    )


def _github_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def as_github(findings: list[Finding]) -> str:
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for f in findings:
        props = []
        if f.file:
            props.append(f"file={_github_escape(f.file, True)}")
        if f.line:
            props.append(f"line={f.line}")
        if f.column:
            props.append(f"col={f.column}")
        props.append(f"title={_github_escape(f.code + ' ' + (f.rule or ''), True)}")
        message = f.message + (f" ({f.hint})" if f.hint else "")
        lines.append(f"::{level[f.severity]} {','.join(props)}::{_github_escape(message)}")
    return "\n".join(lines)


def as_sarif(findings: list[Finding]) -> str:
    from plugin_builder.checks import all_rules

    rules = all_rules()
    index = {r.code: i for i, r in enumerate(rules)}
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    results = []
    for f in findings:
        result: dict = {
            "ruleId": f.code,
            "level": level[f.severity],
            "message": {"text": f.message + (f" Hint: {f.hint}" if f.hint else "")},
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if f.file:
            location: dict = {"artifactLocation": {"uri": f.file.replace("\\", "/")}}
            if f.line:
                region = {"startLine": f.line}
                if f.column:
                    region["startColumn"] = f.column
                location["region"] = region
            result["locations"] = [{"physicalLocation": location}]
        results.append(result)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "plugin-builder",
                        "version": __version__,
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.summary},
                                "fullDescription": {"text": r.doc},
                                "defaultConfiguration": {"level": level[r.severity]},
                            }
                            for r in rules
                        ],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False)


def render_findings(findings: list[Finding], fmt: str) -> str:
    return {"text": as_text, "json": as_json, "sarif": as_sarif, "github": as_github}[fmt](findings)

"""Findings: the one record every check produces (docs/checks.md).

A finding is rendered as text, JSON, SARIF or GitHub annotations by
:mod:`plugin_builder.reports.report`; nothing else formats them.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    rule: str | None = None
    query: str | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data

    @property
    def sort_key(self) -> tuple:
        return (self.file or "", self.line or 0, self.column or 0, self.code, self.message)


def has_errors(findings: list[Finding], strict: bool = False) -> bool:
    """Whether the findings fail a run: errors, or with ``strict`` warnings too."""
    failing = (Severity.ERROR, Severity.WARNING) if strict else (Severity.ERROR,)
    return any(f.severity in failing for f in findings)


def select_codes(findings: list[Finding], select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> list[Finding]:
    """Findings whose code starts with one of ``select`` (all when empty) and with none of ``ignore``."""
    chosen = tuple(c.upper() for c in select)
    dropped = tuple(c.upper() for c in ignore)
    return [
        f
        for f in findings
        if (not chosen or f.code.startswith(chosen)) and not (dropped and f.code.startswith(dropped))
    ]


def sort_findings(findings: list[Finding]) -> list[Finding]:
    unique = {(f.sort_key, f.severity, f.query): f for f in findings}
    return sorted(unique.values(), key=lambda f: f.sort_key)

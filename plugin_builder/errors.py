"""Errors meant for people: each says what is wrong, where, and what to do.

Domain code raises these; only the CLI turns them into a message and exit code 2
(``copier/errors.py`` is the model: families by what the user must fix).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One mistake in an input file."""

    message: str
    file: str | None = None
    line: int | None = None
    key: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if self.file and self.line:
            where += f":{self.line}"
        parts = [f"{where}: " if where else ""]
        if self.key:
            parts.append(f"{self.key} ")
        parts.append(self.message)
        if self.hint:
            parts.append(f" ({self.hint})")
        return "".join(parts)


class PluginBuilderError(Exception):
    """Base of every error a user can fix; carries one or more problems."""

    exit_code = 2  # usage: the input cannot be used; 1 for a finding about the project itself

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(PluginBuilderError):
    """plugin.toml (or a file it names) is missing, unreadable or invalid."""


class CatalogError(PluginBuilderError):
    """A query template or its metadata sidecar is missing or invalid."""


class TemplateError(PluginBuilderError):
    """A Jinja template failed to render (syntax error, undefined name, unsafe value)."""


class PackageError(PluginBuilderError):
    """The ZIP could not be written, or writing it would lose or damage something."""


class InputError(PluginBuilderError):
    """A plugin given to ``lint`` cannot be read safely."""

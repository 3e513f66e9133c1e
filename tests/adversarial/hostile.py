"""Helpers for the adversarial tests: projects written from Python values, and the CLI.

Configs are written as TOML text from dicts (the example ``plugin.toml`` with some keys
replaced), so a test can put any string — quotes, ``]]>``, newlines, U+FFFF — into any
key. ``echo_query`` adds a project query that carries every configured list into SQL, so
the rendered literals can be parsed, executed and compared with the values.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = REPO / "plugin.toml"


def toml_string(text: str) -> str:
    """A TOML basic string holding exactly ``text``."""
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML for {value!r}")


def example_config() -> dict[str, dict[str, Any]]:
    return tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))


def config_text(overrides: dict[str, dict[str, Any]] | None = None) -> str:
    """The example configuration with ``{section: {key: value}}`` replaced."""
    data = example_config()
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update(values)
    lines = []
    for section, values in data.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in values.items())
        lines.append("")
    return "\n".join(lines)


def write_project(folder: Path, overrides: dict[str, dict[str, Any]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "plugin.toml"
    path.write_text(config_text(overrides), encoding="utf-8")
    return path


# Every configured list (and the one scalar) that reaches SQL, each against the real
# PowerSchool column it is compared with in the catalogue.
ECHO_KEYS = {
    "oneroster.parent": ("CODESET", "CODE"),
    "oneroster.guardian": ("CODESET", "CODE"),
    "oneroster.relative": ("CODESET", "CODE"),
    "oneroster.primary_teacher_roles": ("ROLEDEF", "NAME"),
    "oneroster.secondary_teacher_roles": ("ROLEDEF", "NAME"),
    "edfi.cohort_programs": ("GEN", "NAME"),
    "attendance.tardy_codes": ("ATTENDANCE_CODE", "ATT_CODE"),
    "attendance.excused_codes": ("ATTENDANCE_CODE", "ATT_CODE"),
}
ECHO_SCALARS = {
    "edfi.state_prefix": ("PREFS", "NAME"),
    "plugin.name": ("PREFS", "NAME"),
    "plugin.description": ("PREFS", "NAME"),
    "plugin.publisher": ("PREFS", "NAME"),
}

ECHO_SIDECAR = """\
summary = "Configured values echoed from SQL"
description = "Test query: one row per configured value found in its PowerSchool column."
group = "echo"
core_table = "PREFS"
columns = [
  { alias = "config_key", column = "PREFS.NAME" },
  { alias = "config_value", column = "PREFS.NAME" },
]
"""


def echo_template() -> str:
    branches = []
    for key, (table, column) in ECHO_KEYS.items():
        branches.append(
            f'SELECT \'{key}\' AS "config_key", t.{column} AS "config_value"\n'
            f"FROM {table} t\nWHERE t.{column} IN ({{{{ {key} | lits }}}})"
        )
    for key, (table, column) in ECHO_SCALARS.items():
        branches.append(
            f'SELECT \'{key}\' AS "config_key", t.{column} AS "config_value"\n'
            f"FROM {table} t\nWHERE t.{column} = {{{{ {key} | lit }}}}"
        )
    return "\nUNION ALL\n".join(branches) + "\nORDER BY 1, 2\n"


def add_echo_query(project_dir: Path) -> None:
    queries = project_dir / "queries"
    queries.mkdir(exist_ok=True)
    (queries / "config_echo.sql.j2").write_text(echo_template(), encoding="utf-8")
    (queries / "config_echo.toml").write_text(ECHO_SIDECAR, encoding="utf-8")


def add_query(project_dir: Path, name: str, template: str, sidecar: str | None = None) -> Path:
    """A project query ``queries/<name>.sql.j2`` with a minimal valid sidecar."""
    queries = project_dir / "queries"
    queries.mkdir(exist_ok=True)
    path = queries / f"{name}.sql.j2"
    path.write_text(template, encoding="utf-8")
    (queries / f"{name}.toml").write_text(
        sidecar
        if sidecar is not None
        else 'summary = "Test"\ngroup = "custom"\ncore_table = "STUDENTS"\n'
        'columns = [{ alias = "id", column = "STUDENTS.ID" }]\n',
        encoding="utf-8",
    )
    return path


def invoke(args: list[str], cwd: Path | None = None) -> Result:
    """Run the CLI in-process (from ``cwd``), as a user would."""
    from plugin_builder.cli import main

    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, args, catch_exceptions=True)
    import os

    previous = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, args, catch_exceptions=True)
    finally:
        os.chdir(previous)


def output_of(result: Result) -> str:
    """What the user sees: stdout and stderr as the terminal interleaves them (click >= 8.2)."""
    return result.output


def assert_usage_error(result: Result, *expected: str) -> str:
    """Exit 2, no traceback, no "internal error", and every expected fragment shown."""
    text = output_of(result)
    assert result.exit_code == 2, (result.exit_code, text, result.exception)
    assert "Traceback" not in text, text
    assert "internal error" not in text, text
    # CliRunner catches what escapes the CLI; a SystemExit(2) is the only way out we accept.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for fragment in expected:
        assert fragment in text, (fragment, text)
    return text

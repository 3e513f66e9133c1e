"""Broken input files through the CLI.

Malformed TOML, unknown keys, wrong types, a missing or unreadable plugin.toml or query
file, a query template with an undefined name or a Jinja syntax error: each gives one clear
message naming the file (and line, where there is one) and what to do, exit 2, and never a
traceback or an "internal error".
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hostile import add_query, assert_usage_error, config_text, invoke, write_project

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def validate(config: Path):
    return invoke(["validate", "-c", str(config)])


def write_config(folder: Path, text: str) -> Path:
    path = folder / "plugin.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- plugin.toml -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "broken, line, fragments",
    [
        # ((line of the example that starts with, replaced by), expected line, fragments)
        (("[plugin]", "[plugin"), 1, ["is not valid TOML", "check quoting"]),
        (('name = "', 'name = "Unclosed'), 2, ["is not valid TOML"]),
        (('version = "1.0.0"', 'version = "1.0.0" "2.0"'), 3, ["is not valid TOML"]),
        (('version = "1.0.0"', 'version = "1.0.0"\nversion = "2.0"'), 4, ["is not valid TOML"]),
    ],
    ids=["unclosed-header", "unclosed-string", "two-values", "duplicate-key"],
)
def test_malformed_toml(tmp_path, broken, line, fragments):
    old, new = broken
    lines = config_text().splitlines()
    index = next(i for i, text in enumerate(lines) if text.startswith(old))
    lines[index] = new
    config = write_config(tmp_path, "\n".join(lines) + "\n")
    assert_usage_error(validate(config), f"plugin.toml:{line}:", *fragments)


@pytest.mark.parametrize(
    "section_line, bad_line, key, fragments",
    [
        ("[plugin]", 'nmae = "Typo"', "plugin.nmae", ["is not a known key", "known keys:", "name"]),
        ("[csv]", "quote = true", "csv.quote", ["is not a known key", "quotes"]),
        ("[edfi]", 'stateprefix = "35"', "edfi.stateprefix", ["is not a known key", "state_prefix"]),
        ("[plugin]", "name = 3", "plugin.name", ["must be a string, not an integer"]),
        ("[plugin]", "version = 1.0", "plugin.version", ["must be a string, not a number"]),
        ("[plugin]", 'oauth = "yes"', "plugin.oauth", ["must be true or false, not a string"]),
        ("[csv]", "quotes = 1", "csv.quotes", ["must be true or false, not an integer"]),
        ("[oneroster]", 'parent = "Mother"', "oneroster.parent", ["must be a list of strings", 'parent = ["A", "B"]']),
        ("[oneroster]", 'guardian = ["Guardian", 2]', "oneroster.guardian", ["must be a list of strings"]),
        ("[attendance]", 'tardy_codes = [["T"]]', "attendance.tardy_codes", ["must be a list of strings"]),
        ("[edfi]", "state_prefix = 35", "edfi.state_prefix", ["must be a string, not an integer"]),
        ("[edfi]", 'state_course_code = "alt"', "edfi.state_course_code", ["is 'alt', not one of prefs"]),
        ("[plugin]", "contact_email = 2026-01-01", "plugin.contact_email", ["must be a string, not"]),
    ],
    ids=lambda v: v if isinstance(v, str) and "." in v and " " not in v else None,
)
def test_unknown_key_or_wrong_type_names_key_and_line(tmp_path, section_line, bad_line, key, fragments):
    lines = config_text().splitlines()
    name = bad_line.split("=")[0].strip()
    section_at = lines.index(section_line)
    # Replace the key if the example has it, else add it under its table.
    for i in range(section_at + 1, len(lines)):
        if lines[i].startswith("["):
            lines.insert(section_at + 1, bad_line)
            line = section_at + 2
            break
        if lines[i].split("=")[0].strip() == name:
            lines[i] = bad_line
            line = i + 1
            break
    config = write_config(tmp_path, "\n".join(lines) + "\n")
    assert_usage_error(validate(config), f"plugin.toml:{line}: {key} ", *fragments)


@pytest.mark.parametrize(
    "text, fragments",
    [
        ("[plugins]\nname = 'x'\n", ["plugin.toml:1: plugins is not a known table", "known tables:"]),
        ('plugin = "Rostering"\n', ["plugin.toml:1: plugin must be a table ([plugin]), not a string"]),
        ("[[plugin]]\nname = 'x'\n", ["plugin must be a table ([plugin]), not a list"]),
        ("[csv]\nquotes = true\n", ["plugin.toml: plugin is missing", "add a [plugin] table"]),
        ("", ["plugin.toml: plugin is missing"]),
    ],
    ids=["unknown-table", "string-for-table", "array-of-tables", "no-plugin-table", "empty-file"],
)
def test_wrong_shape(tmp_path, text, fragments):
    assert_usage_error(validate(write_config(tmp_path, text)), *fragments)


def test_every_mistake_is_listed_not_only_the_first(tmp_path):
    text = config_text({"plugin": {"name": "x" * 41, "version": "one"}, "edfi": {"state_prefix": "3"}})
    output = assert_usage_error(
        validate(write_config(tmp_path, text)),
        "plugin.name is 41 characters",
        "plugin.version is 'one'",
        "edfi.state_prefix is '3'",
    )
    assert output.count("error:") == 3


def test_missing_config(tmp_path):
    assert_usage_error(validate(tmp_path / "nowhere.toml"), "nowhere.toml: not found", "plugin-builder init")


def test_folder_without_config(tmp_path):
    assert_usage_error(validate(tmp_path), "plugin.toml: not found")


def test_config_that_is_not_utf8(tmp_path):
    config = tmp_path / "plugin.toml"
    config.write_bytes(config_text().replace("Example USD", "Ex\xe9mple").encode("latin-1"))
    assert_usage_error(validate(config), "plugin.toml: is not UTF-8", "save the file as UTF-8")


def test_config_with_a_byte_order_mark_is_read(tmp_path):
    """Windows editors write a BOM; TOML forbids it, so it is skipped rather than refused."""
    config = tmp_path / "plugin.toml"
    config.write_bytes(b"\xef\xbb\xbf" + config_text().encode("utf-8"))
    result = validate(config)
    assert result.exit_code == 0, result.output


@pytest.mark.skipif(IS_ROOT, reason="root reads files whatever their mode; see the simulated case")
def test_unreadable_config(tmp_path):
    config = write_project(tmp_path)
    config.chmod(0)
    try:
        text = assert_usage_error(validate(config), "plugin.toml")
    finally:
        config.chmod(0o644)
    # click's -c option checks readability first; our own message covers `queries -c` and the API.
    assert "is not readable" in text or "cannot be read: Permission denied" in text, text


def test_unreadable_config_simulated(tmp_path, monkeypatch):
    config = write_project(tmp_path)
    real_read_bytes = Path.read_bytes

    def read_bytes(self):
        if self.name == "plugin.toml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert_usage_error(validate(config), "plugin.toml: cannot be read: Permission denied", "permissions")


# --- query files ---------------------------------------------------------------------------


def test_query_template_without_sidecar(tmp_path):
    config = write_project(tmp_path)
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "mine.sql.j2").write_text("SELECT s.ID FROM STUDENTS s ORDER BY s.ID\n")
    assert_usage_error(
        validate(config), "mine.toml: query 'mine' has no metadata file", "write mine.toml beside mine.sql.j2"
    )


def test_sidecar_without_query_template(tmp_path):
    config = write_project(tmp_path)
    add_query(tmp_path, "mine", 'SELECT s.ID AS "id" FROM STUDENTS s ORDER BY 1\n').unlink()
    assert_usage_error(validate(config), "mine.toml: metadata file without a query template", "add mine.sql.j2")


def test_selecting_a_query_that_does_not_exist(tmp_path):
    config = write_project(tmp_path)
    assert_usage_error(
        invoke(["validate", "-c", str(config), "--select", "one_roster_uzers"]),
        "--select 'one_roster_uzers' matches no query",
    )


def test_sidecar_with_malformed_toml(tmp_path):
    config = write_project(tmp_path)
    add_query(
        tmp_path, "mine", 'SELECT s.ID AS "id" FROM STUDENTS s ORDER BY 1\n', 'summary = "Mine"\ngroup = custom\n'
    )
    assert_usage_error(validate(config), "mine.toml:2: is not valid TOML", "check quoting")


def test_sidecar_with_unknown_key_and_wrong_type(tmp_path):
    config = write_project(tmp_path)
    add_query(
        tmp_path,
        "mine",
        'SELECT s.ID AS "id" FROM STUDENTS s ORDER BY 1\n',
        'summary = 5\ngroup = "custom"\ncore_table = "STUDENTS"\ncolums = []\n'
        'columns = [{ alias = "id", column = "STUDENTS.ID" }]\n',
    )
    assert_usage_error(
        validate(config), "mine.toml:4: colums is not a known key", "mine.toml:1: summary must be a string"
    )


def test_query_template_that_is_not_utf8(tmp_path):
    config = write_project(tmp_path)
    template = add_query(tmp_path, "mine", "")
    template.write_bytes("SELECT 'Élève' AS \"id\" FROM STUDENTS s ORDER BY 1\n".encode("latin-1"))
    assert_usage_error(validate(config), "queries/mine.sql.j2: is not UTF-8", "save the file as UTF-8")


@pytest.mark.parametrize("which", ["mine.sql.j2", "mine.toml"])
def test_unreadable_query_file_simulated(tmp_path, monkeypatch, which):
    config = write_project(tmp_path)
    add_query(tmp_path, "mine", 'SELECT s.ID AS "id" FROM STUDENTS s ORDER BY 1\n')
    real_read_bytes = Path.read_bytes

    def read_bytes(self, *args, **kwargs):
        if self.name == which:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert_usage_error(validate(config), f"{which}: cannot be read: Permission denied", "permissions")


@pytest.mark.skipif(IS_ROOT, reason="root reads files whatever their mode; see the simulated case")
def test_unreadable_query_template(tmp_path):
    config = write_project(tmp_path)
    template = add_query(tmp_path, "mine", 'SELECT s.ID AS "id" FROM STUDENTS s ORDER BY 1\n')
    template.chmod(0)
    try:
        assert_usage_error(validate(config), "mine.sql.j2: cannot be read: Permission denied")
    finally:
        template.chmod(0o644)


@pytest.mark.parametrize(
    "template, line, fragments",
    [
        (
            'SELECT s.ID AS "id"\nFROM STUDENTS s\nWHERE s.LASTFIRST IN ({{ oneroster.parnet | lits }})\nORDER BY 1\n',
            3,
            [
                "'parnet' is not a key of OneRosterSection (known: parent, guardian",
                "configuration is under plugin, csv, oneroster, edfi, attendance",
            ],
        ),
        (
            'SELECT s.ID AS "id"\nFROM STUDENTS s\n\nWHERE s.LASTFIRST = {{ district_name | lit }}\nORDER BY 1\n',
            4,
            ["'district_name' is undefined"],
        ),
        (
            'SELECT s.ID AS "id"\nFROM STUDENTS s\n{% if use_filter %}\nWHERE s.ID > 0\n{% endif %}\nORDER BY 1\n',
            3,
            ["'use_filter' is undefined"],
        ),
        (
            'SELECT s.ID AS "id"\nFROM STUDENTS s\nWHERE s.ID > {{ edfi.state_prefix | num }}\nORDER BY 1\n',
            3,
            ["'35' is not an integer"],
        ),
        (
            'SELECT s.ID AS "id"\nFROM STUDENTS s\nWHERE s.LASTFIRST IN ({{ edfi.state_prefix | lits }})\nORDER BY 1\n',
            3,
            ["|lits needs a list, not the string '35'", "use |lit"],
        ),
    ],
    ids=["undefined-attribute", "undefined-name-in-lit", "undefined-name-in-if", "string-to-num", "string-to-lits"],
)
def test_template_with_an_undefined_or_wrong_value(tmp_path, template, line, fragments):
    config = write_project(tmp_path)
    add_query(tmp_path, "mine", template)
    assert_usage_error(validate(config), f"queries/mine.sql.j2:{line}: ", *fragments)


@pytest.mark.parametrize(
    "template, line, fragments",
    [
        (
            'SELECT s.ID AS "id"\nFROM STUDENTS s\n{% if csv.quotes %}\nWHERE s.ID > 0\nORDER BY 1\n',
            4,
            ["template syntax error", "endif"],
        ),
        (
            'SELECT s.ID AS "id"\nFROM STUDENTS s\nWHERE s.LASTFIRST IN ({{ oneroster.parent | lits )\nORDER BY 1\n',
            3,
            ["template syntax error"],
        ),
        ('SELECT s.ID AS "id"\nFROM STUDENTS s {% endfor %}\nORDER BY 1\n', 2, ["template syntax error", "endfor"]),
        (
            'SELECT s.ID AS "id"\nFROM STUDENTS s\nWHERE s.LASTFIRST = {{ plugin.name }}\nORDER BY 1\n',
            3,
            ["{{ plugin.name }} would paste a value into SQL unquoted", "| lit"],
        ),
        (
            "SELECT s.ID AS \"id\"\nFROM STUDENTS s\nWHERE s.LASTFIRST = '{{ plugin.name | safe }}'\nORDER BY 1\n",
            3,
            ["would paste a value into SQL unquoted"],
        ),
    ],
    ids=["unclosed-if", "unclosed-expression", "stray-endfor", "unquoted-value", "safe-filter"],
)
def test_template_syntax_error_or_unquoted_value(tmp_path, template, line, fragments):
    config = write_project(tmp_path)
    add_query(tmp_path, "mine", template)
    assert_usage_error(validate(config), f"queries/mine.sql.j2:{line}: ", *fragments)


def test_syntax_error_in_a_project_macro_file(tmp_path):
    config = write_project(tmp_path)
    add_query(tmp_path, "mine", '{% import "_mine.sql.j2" as m %}\nSELECT s.ID AS "id" FROM STUDENTS s ORDER BY 1\n')
    (tmp_path / "queries" / "_mine.sql.j2").write_text("{% macro broken( %}\n{% endmacro %}\n")
    assert_usage_error(validate(config), "queries/_mine.sql.j2:1: template syntax error")


def test_import_of_a_missing_macro_file(tmp_path):
    config = write_project(tmp_path)
    add_query(tmp_path, "mine", '{% import "_nowhere.sql.j2" as m %}\nSELECT s.ID AS "id" FROM STUDENTS s ORDER BY 1\n')
    assert_usage_error(validate(config), "queries/mine.sql.j2", "'_nowhere.sql.j2' not found")


def test_config_path_that_is_a_folder_named_plugin_toml(tmp_path):
    (tmp_path / "plugin.toml").mkdir()
    assert_usage_error(validate(tmp_path), "plugin.toml: cannot be read: Is a directory", "check that it is a file")


@pytest.mark.parametrize(
    "sidecar, fragment",
    [
        ('group = "custom\\n"', ":2: group is 'custom\\n'; use lower-case letters"),
        (
            'args = [{ name = "yearid\\n", column = "TERMS.YEARID" }]',
            ":5: args[0].name is 'yearid\\n', not a Java identifier",
        ),
        (
            'args = [{ name = "yearid", column = "TERMS.YEARID\\n" }]',
            ":5: args[0].column is 'TERMS.YEARID\\n', not TABLE.FIELD",
        ),
        (
            'columns = [{ alias = "id\\n", column = "STUDENTS.ID" }]',
            ":4: columns[0].alias is 'id\\n'; an alias may use only",
        ),
        (
            'columns = [{ alias = "id", column = "STUDENTS.ID\\n" }]',
            ":4: columns[0].column is 'STUDENTS.ID\\n', not TABLE.FIELD",
        ),
        (
            'columns = [{ alias = "id]]>", column = "STUDENTS.ID" }]',
            ":4: columns[0].alias is 'id]]>'; an alias may use only",
        ),
    ],
    ids=["group", "arg-name", "arg-column", "alias", "column", "alias-cdata-end"],
)
def test_sidecar_names_with_a_trailing_newline_or_markup_are_refused(tmp_path, sidecar, fragment):
    """These names become file names, XML attributes and headers."""
    config = write_project(tmp_path)
    lines = {
        "summary": 'summary = "Mine"',
        "group": 'group = "custom"',
        "core_table": 'core_table = "STUDENTS"',
        "columns": 'columns = [{ alias = "id", column = "STUDENTS.ID" }]',
    }
    lines[sidecar.split(" ")[0]] = sidecar
    add_query(tmp_path, "mine", 'SELECT s.ID AS "id" FROM STUDENTS s ORDER BY 1\n', "\n".join(lines.values()) + "\n")
    assert_usage_error(validate(config), "queries/mine.toml", fragment)

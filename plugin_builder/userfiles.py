"""Reading the files a user wrote: text with a clear error, TOML with the line of every key,
hand-edited tables checked key by key, and paths shown as the user would type them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plugin_builder.errors import PluginBuilderError, Problem


def read_user_file(
    path: Path,
    error: type[PluginBuilderError],
    display: str | None = None,
    missing_hint: str | None = None,
    missing_message: str = "not found",
) -> str:
    """The text of a file people edit by hand (UTF-8, a byte-order mark allowed).

    A missing, unreadable or non-UTF-8 file raises ``error`` with one clear problem naming
    the file and what to do, never an OSError or UnicodeDecodeError.
    """
    where = display or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(Problem(message=missing_message, file=where, hint=missing_hint)) from None
    except OSError as exc:
        raise error(
            Problem(
                message=f"cannot be read: {exc.strerror}",
                file=where,
                hint="check that it is a file and that you may read it (its permissions)",
            )
        ) from None
    try:
        # utf-8-sig: editors on Windows often save a byte-order mark.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            Problem(message=f"is not UTF-8 (byte {exc.start})", file=where, hint="save the file as UTF-8")
        ) from None


def toml_problem(exc: Exception, file: str) -> Problem:
    """A TOMLDecodeError as a problem on its line."""
    import re

    line = re.search(r"line (\d+)", str(exc))
    return Problem(
        message=f"is not valid TOML: {exc}",
        file=file,
        line=int(line.group(1)) if line else None,
        hint="check quoting and brackets on that line",
    )


# ---------------------------------------------------------------------------------------
# Hand-edited TOML with positions. tomllib keeps no line numbers, so after it has accepted a
# document a small scanner walks the same text and records the line of every key and of every
# array element: "summary", "columns[2]", "columns[2].alias", "plugin.name", "x[0].k".


@dataclass(frozen=True)
class TomlDocument:
    """A parsed TOML file, its display name and the line of each key path."""

    data: dict
    file: str
    lines: dict[str, int]

    def line(self, key: str) -> int | None:
        """The line of ``key``, else of its nearest enclosing key."""
        while key:
            if key in self.lines:
                return self.lines[key]
            cut = max(key.rfind("."), key.rfind("["))
            key = key[:cut] if cut > 0 else ""
        return None

    def problem(self, key: str, message: str, hint: str | None = None, show_key: bool = True) -> Problem:
        return Problem(message=message, file=self.file, line=self.line(key), key=key if show_key else None, hint=hint)


def read_toml(
    path: Path,
    error: type[PluginBuilderError],
    display: str | None = None,
    missing_hint: str | None = None,
    missing_message: str = "not found",
) -> TomlDocument:
    """Read a hand-edited TOML file: byte-order mark allowed, errors on their line."""
    where = display or str(path)
    text = read_user_file(path, error, where, missing_hint, missing_message)
    return parse_toml(text, error, where)


def parse_toml(text: str, error: type[PluginBuilderError], file: str) -> TomlDocument:
    import tomllib

    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(toml_problem(exc, file)) from None
    return TomlDocument(data, file, toml_key_lines(text))


_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def toml_key_lines(text: str) -> dict[str, int]:
    """Line of every key and array element of a valid TOML document (see TomlDocument).

    Positions only help messages: should the scan meet a form it does not follow, the lines
    found so far are kept and the rest of the messages go without a line.
    """
    lines: dict[str, int] = {}
    try:
        _scan_key_lines(text, lines)
    except (IndexError, ValueError):
        pass
    return lines


def _scan_key_lines(text: str, lines: dict[str, int]) -> None:
    pos, n = 0, len(text)
    line = 1
    array_tables: dict[str, int] = {}

    def skip(newlines: bool) -> None:
        nonlocal pos, line
        while pos < n:
            ch = text[pos]
            if ch in " \t\r":
                pos += 1
            elif ch == "\n" and newlines:
                line += 1
                pos += 1
            elif ch == "#":
                while pos < n and text[pos] != "\n":
                    pos += 1
            else:
                return

    def string() -> str:
        nonlocal pos, line
        quote = text[pos]
        if text.startswith(quote * 3, pos):
            end = text.find(quote * 3, pos + 3)
            while text.startswith(quote, end + 3):  # up to two quotes may close the content
                end += 1
            value = text[pos + 3 : end]
            line += value.count("\n")
            pos = end + 3
            return value
        pos += 1
        start = pos
        while text[pos] != quote:
            pos += 2 if quote == '"' and text[pos] == "\\" else 1
        pos += 1
        return text[start : pos - 1]

    def key() -> list[str]:
        nonlocal pos
        parts = []
        while True:
            skip(False)
            if text[pos] in "\"'":
                parts.append(string())
            else:
                start = pos
                while pos < n and text[pos] in _BARE_KEY:
                    pos += 1
                parts.append(text[start:pos])
            skip(False)
            if pos < n and text[pos] == ".":
                pos += 1
                continue
            return parts

    def value(path: str) -> None:
        nonlocal pos
        skip(False)
        ch = text[pos]
        if ch == "[":
            pos += 1
            index = 0
            while True:
                skip(True)
                if text[pos] == "]":
                    pos += 1
                    return
                lines.setdefault(f"{path}[{index}]", line)
                value(f"{path}[{index}]")
                index += 1
                skip(True)
                if text[pos] == ",":
                    pos += 1
        elif ch == "{":
            pos += 1
            while True:
                skip(False)
                if text[pos] == "}":
                    pos += 1
                    return
                name = path + "".join("." + p for p in key())
                lines.setdefault(name, line)
                pos += 1  # "="
                value(name)
                skip(False)
                if text[pos] == ",":
                    pos += 1
        elif ch in "\"'":
            string()
        else:
            while pos < n and text[pos] not in ",]}\n#":
                pos += 1

    table = ""
    while True:
        skip(True)
        if pos >= n:
            return
        if text[pos] == "[":
            double = text.startswith("[[", pos)
            pos += 2 if double else 1
            name = ".".join(key())
            pos += 2 if double else 1
            if double:
                index = array_tables.get(name, -1) + 1
                array_tables[name] = index
                lines.setdefault(name, line)
                table = f"{name}[{index}]"
            else:
                table = name
            lines.setdefault(table, line)
            continue
        name = ".".join(key())
        full = f"{table}.{name}" if table else name
        lines.setdefault(full, line)
        pos += 1  # "="
        value(full)


@dataclass(frozen=True)
class Key:
    """How one key of a hand-edited table is checked: its TOML type, whether it is required,
    and a hint that shows the right form."""

    type: type | tuple[type, ...]
    required: bool = False
    hint: str | None = None


_TOML_TYPE_NAMES = {
    str: "a string",
    bool: "true or false",
    int: "an integer",
    float: "a number",
    list: "a list",
    dict: "a table",
}


def toml_type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return _TOML_TYPE_NAMES.get(type(value), type(value).__name__)


def check_table(
    doc: TomlDocument, table: dict, path: str, keys: dict[str, Key], problems: list[Problem], where: str = ""
) -> dict:
    """Unknown keys refused (naming the known ones), required keys present, types checked.

    Returns the entries that passed; ``path`` is the table's key path in ``doc`` ("" for the
    top level, "columns[2]" for an entry), ``where`` how a message names the table.
    """
    known = ", ".join(keys)
    passed = {}
    for name, value in table.items():
        key = f"{path}.{name}" if path else name
        spec = keys.get(name)
        if spec is None:
            problems.append(doc.problem(key, f"is not a known key{where}", f"known keys: {known}"))
            continue
        wanted = spec.type if isinstance(spec.type, tuple) else (spec.type,)
        # TOML booleans are not integers here, whatever Python says.
        if (isinstance(value, bool) and bool not in wanted) or not isinstance(value, wanted):
            expected = " or ".join(_TOML_TYPE_NAMES.get(t, t.__name__) for t in wanted)
            problems.append(doc.problem(key, f"must be {expected}, not {toml_type_name(value)}{where}", spec.hint))
            continue
        passed[name] = value
    for name, spec in keys.items():
        if spec.required and name not in table:
            problems.append(doc.problem(f"{path}.{name}" if path else name, f"is required{where}", spec.hint))
    return passed


def display_path(path: Path | str) -> str:
    """A path as messages show it: relative to the current folder when inside it."""
    import os

    path = Path(path)
    try:
        return (
            os.path.relpath(path)
            if path.is_absolute() and path.resolve().is_relative_to(Path.cwd().resolve())
            else str(path)
        )
    except (OSError, ValueError):
        return str(path)

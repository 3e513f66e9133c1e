"""Read ``plugin.toml`` into a typed, validated :class:`Project` (README.md, "Configuration reference").

Every mistake is collected (not only the first) and reported with the key, its line and
what is expected; :class:`~plugin_builder.errors.ConfigError` carries them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from plugin_builder import facts
from plugin_builder.errors import ConfigError, Problem
from plugin_builder.userfiles import (
    Key,
    TomlDocument,
    check_table,
    parse_toml,
    read_toml,
    read_user_file,
    toml_key_lines,
)
from plugin_builder.facts import (
    DESCRIPTION_MAX,
    EMAIL_MAX,
    NAMESPACE_MAX,
    PHONE_MAX,
    PUBLISHER_MAX,
    VERSION_MAX,
    is_version,
    reserved_prefix,
)
from plugin_builder.facts import PLUGIN_NAME_MAX as NAME_MAX

# Patterns are applied with fullmatch (``$`` alone would accept a trailing newline) and
# spell digits [0-9] (``\d`` also matches other scripts' digits, such as "١" or "５").
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
NAMESPACE_PART_RE = re.compile(r"[A-Za-z0-9_-]+")
# Values that reach SQL as literals are quoted by the |lit filter; these limits keep them sane.
# No control characters, nor U+FFFE/U+FFFF, which XML 1.0 cannot hold (the SQL sits in CDATA).
CODE_RE = re.compile(r"[^\x00-\x1f\x7f\ufffe\uffff]{1,100}")
STATE_PREFIX_RE = re.compile(r"[0-9]{2}")
PERMISSION_PAGE_RE = re.compile(r"/[A-Za-z0-9_./-]+\.html")
QUERY_GLOB_RE = re.compile(r"[A-Za-z0-9_*?\[\]!-]+")


@dataclass(frozen=True)
class PluginSection:
    name: str
    version: str
    publisher: str
    contact_email: str
    namespace: str
    description: str = ""
    contact_phone: str = ""
    oauth: bool = False
    permission_page: str = ""


@dataclass(frozen=True)
class QueriesSection:
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class CsvSection:
    quotes: bool = True
    clob_lists: bool = False  # opt-in: OneRoster lists as unlimited CLOBs (XMLAGG), unverified in DEM


@dataclass(frozen=True)
class OneRosterSection:
    parent: tuple[str, ...] = ("Mother", "Father")
    guardian: tuple[str, ...] = ("Legal Guardian", "Guardian")
    relative: tuple[str, ...] = (
        "Grandmother",
        "Grandfather",
        "Aunt",
        "Uncle",
        "Sister",
        "Brother",
    )
    primary_teacher_roles: tuple[str, ...] = ("Lead Teacher",)
    secondary_teacher_roles: tuple[str, ...] = ("Co-teacher",)


@dataclass(frozen=True)
class EdFiSection:
    state_prefix: str = "35"
    state_course_code: str = "prefs"
    cohort_programs: tuple[str, ...] = ("*",)


@dataclass(frozen=True)
class AttendanceSection:
    tardy_codes: tuple[str, ...] = ("T",)
    excused_codes: tuple[str, ...] = ("E", "AE", "EA")


@dataclass(frozen=True)
class SchoolsSection:
    """``[schools]``: which schools (SCHOOLS.SCHOOL_NUMBER) every catalogue query exports.

    ``include`` empty means every school; ``exclude`` is taken out after it.
    """

    include: tuple[int, ...] = ()
    exclude: tuple[int, ...] = ()

    @property
    def filtered(self) -> bool:
        return bool(self.include or self.exclude)

    @property
    def configured(self) -> tuple[tuple[str, int], ...]:
        """(key, school number) for every number written in plugin.toml."""
        return tuple(("schools.include", n) for n in self.include) + tuple(("schools.exclude", n) for n in self.exclude)


@dataclass(frozen=True)
class DictionarySection:
    """District extension tables and columns (``[dictionary]``), from plugin.toml and ``file``."""

    extensions: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    file: str = ""

    @property
    def tables(self) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
        return self.extensions


@dataclass(frozen=True)
class ChecksSection:
    """``[checks.suppress]``: catalogue query name -> ((rule code, stated reason), …)."""

    suppress: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()


@dataclass(frozen=True)
class Project:
    """A validated plugin.toml and where it lives."""

    config_path: Path
    plugin: PluginSection
    queries: QueriesSection = field(default_factory=QueriesSection)
    csv: CsvSection = field(default_factory=CsvSection)
    oneroster: OneRosterSection = field(default_factory=OneRosterSection)
    edfi: EdFiSection = field(default_factory=EdFiSection)
    attendance: AttendanceSection = field(default_factory=AttendanceSection)
    schools: SchoolsSection = field(default_factory=SchoolsSection)
    dictionary: DictionarySection = field(default_factory=DictionarySection)
    checks: ChecksSection = field(default_factory=ChecksSection)

    @property
    def root(self) -> Path:
        return self.config_path.parent

    @property
    def queries_dir(self) -> Path:
        """The project's own queries/ folder (may not exist)."""
        return self.root / "queries"

    @property
    def slug(self) -> str:
        return slugify(self.plugin.name)

    @property
    def zip_name(self) -> str:
        return facts.zip_name(self.slug, self.plugin.version)

    def template_context(self) -> dict[str, Any]:
        """The configuration as seen by query templates (``config.oneroster.parent`` …)."""
        return {
            "plugin": self.plugin,
            "csv": self.csv,
            "oneroster": self.oneroster,
            "edfi": self.edfi,
            "attendance": self.attendance,
            "schools": self.schools,
        }


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "plugin"


# ---------------------------------------------------------------------------------------
# The line of each key, so that messages can name it (userfiles.toml_key_lines scans the text).


def _key_lines(text: str) -> dict[str, int]:
    return toml_key_lines(text)


# ---------------------------------------------------------------------------------------


class _Reader:
    """Collects problems while converting one TOML table into a section dataclass."""

    def __init__(self, path: Path, lines: dict[str, int], doc: TomlDocument | None = None):
        self.path = path
        self.lines = lines
        self.doc = doc or TomlDocument({}, str(path), lines)
        self.problems: list[Problem] = []

    def problem(self, key: str, message: str, hint: str | None = None) -> None:
        line = None
        probe = key
        while probe and line is None:
            line = self.lines.get(probe)
            probe = probe.rsplit(".", 1)[0] if "." in probe else ""
        self.problems.append(Problem(message=message, file=str(self.path), line=line, key=key, hint=hint))

    def section(self, data: dict, name: str, cls: type, required: bool = False) -> dict:
        raw = data.get(name)
        if raw is None:
            if required:
                self.problem(name, "is missing", f"add a [{name}] table")
            return {}
        if not isinstance(raw, dict):
            self.problem(name, f"must be a table ([{name}]), not {_type_name(raw)}")
            return {}
        known = {f.name for f in fields(cls)}
        for key in raw:
            if key not in known:
                self.problem(
                    f"{name}.{key}",
                    "is not a known key",
                    "known keys: " + ", ".join(sorted(known)),
                )
        return {k: v for k, v in raw.items() if k in known}

    def string(self, table: dict, section: str, key: str, required: bool = False) -> str | None:
        if key not in table:
            if required:
                self.problem(f"{section}.{key}", "is required", f'add {key} = "…" to [{section}]')
            return None
        value = table[key]
        if not isinstance(value, str):
            self.problem(f"{section}.{key}", f"must be a string, not {_type_name(value)}")
            return None
        return value

    def boolean(self, table: dict, section: str, key: str) -> bool | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, bool):
            self.problem(f"{section}.{key}", f"must be true or false, not {_type_name(value)}")
            return None
        return value

    def string_list(self, table: dict, section: str, key: str) -> tuple[str, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(
                f"{section}.{key}",
                f"must be a list of strings, not {_type_name(value)}",
                f'for example {key} = ["A", "B"]',
            )
            return None
        return tuple(value)


def _type_name(value: Any) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _check_length(reader: _Reader, key: str, value: str, low: int, high: int, why: str) -> None:
    if not low <= len(value) <= high:
        if len(value) < low:
            reader.problem(key, "must not be empty")
        else:
            reader.problem(
                key,
                f"is {len(value)} characters; {why} allows at most {high}",
            )


def _check_text(reader: _Reader, key: str, value: str, multiline: bool = False) -> None:
    bad = [
        c for c in value if (ord(c) < 32 and not (multiline and c in "\n\t")) or ord(c) == 127 or c in "\ufffe\uffff"
    ]
    if bad:
        reader.problem(key, f"contains a control character or one XML cannot hold ({bad[0]!r})", "remove it")
    elif value and not value.strip():
        reader.problem(key, "is blank (only spaces)", "write the text, or leave the key out")


# [plugin], key by key: type, whether required, and the form to show when it is wrong.
PLUGIN_KEYS = {
    "name": Key(str, required=True, hint='for example name = "Example USD Rostering" (1-40 characters)'),
    "version": Key(str, required=True, hint='for example version = "1.0.0"'),
    "publisher": Key(str, required=True, hint='for example publisher = "Example USD Technology"'),
    "contact_email": Key(str, required=True, hint='for example contact_email = "it@example.org"'),
    "namespace": Key(str, required=True, hint='for example namespace = "us.ca.k12.exampleusd.rostering"'),
    "description": Key(str),
    "contact_phone": Key(str),
    "oauth": Key(bool, hint="write oauth = true or oauth = false, without quotes"),
    "permission_page": Key(str, hint='for example permission_page = "/admin/home.html", or ""'),
}


def _parse_plugin(reader: _Reader, data: dict) -> PluginSection | None:
    raw = data.get("plugin")
    if raw is None:
        reader.problem("plugin", "is missing", "add a [plugin] table")
        return None
    if not isinstance(raw, dict):
        reader.problem("plugin", f"must be a table ([plugin]), not {_type_name(raw)}")
        return None
    values: dict[str, Any] = check_table(reader.doc, raw, "plugin", PLUGIN_KEYS, reader.problems)

    name = values.get("name")
    if name is not None:
        _check_length(reader, "plugin.name", name, 1, NAME_MAX, "PowerSchool")
        _check_text(reader, "plugin.name", name)
    version = values.get("version")
    if version is not None:
        if not is_version(version):
            reader.problem(
                "plugin.version",
                f"is {version!r}, not a dotted numeric version",
                'use digits and dots only, for example "1.0.3"',
            )
        elif len(version) > VERSION_MAX:
            reader.problem(
                "plugin.version",
                f"is {len(version)} characters; PowerSchool allows at most {VERSION_MAX}",
            )
    if values.get("description") is not None:
        _check_length(reader, "plugin.description", values["description"], 0, DESCRIPTION_MAX, "PowerSchool")
        _check_text(reader, "plugin.description", values["description"])
    if values.get("publisher") is not None:
        _check_length(reader, "plugin.publisher", values["publisher"], 1, PUBLISHER_MAX, "PowerSchool")
        _check_text(reader, "plugin.publisher", values["publisher"])
    email = values.get("contact_email")
    if email is not None:
        if not EMAIL_RE.fullmatch(email):
            reader.problem("plugin.contact_email", f"is {email!r}, not an e-mail address")
        else:
            _check_length(reader, "plugin.contact_email", email, 1, EMAIL_MAX, "PowerSchool")
            _check_text(reader, "plugin.contact_email", email)
    phone = values.get("contact_phone")
    if phone:
        _check_length(reader, "plugin.contact_phone", phone, 0, PHONE_MAX, "PowerSchool")
        _check_text(reader, "plugin.contact_phone", phone)
    namespace = values.get("namespace")
    if namespace is not None:
        parts = namespace.split(".")
        if not namespace:
            reader.problem("plugin.namespace", "must not be empty")
        elif not all(NAMESPACE_PART_RE.fullmatch(p) for p in parts):
            reader.problem(
                "plugin.namespace",
                f"is {namespace!r}; use dot-separated parts of letters, digits, _ and -",
                'for example "us.ca.k12.exampleusd.rostering"',
            )
        elif reserved_prefix(namespace):
            reader.problem(
                "plugin.namespace",
                f"is {namespace!r}, which starts with a prefix reserved for PowerSchool's own queries",
                "use your organisation's reversed domain",
            )
        elif len(namespace) > NAMESPACE_MAX:
            reader.problem(
                "plugin.namespace",
                f"is {len(namespace)} characters; at most {NAMESPACE_MAX} leaves room for query names "
                "under PowerSchool's 200-character limit",
            )
    page = values.get("permission_page")
    if page:
        if not PERMISSION_PAGE_RE.fullmatch(page) or ".." in page:
            reader.problem(
                "plugin.permission_page",
                f"is {page!r}, not a PowerSchool page path",
                'for example "/admin/home.html", or "" for no permission mappings',
            )
    if any(values.get(k) is None for k in ("name", "version", "publisher", "contact_email", "namespace")):
        return None
    return PluginSection(**values)


def _codes(reader: _Reader, table: dict, section: str, key: str) -> tuple[str, ...] | None:
    values = reader.string_list(table, section, key)
    if values is None:
        return None
    for value in values:
        if not CODE_RE.fullmatch(value):
            reader.problem(
                f"{section}.{key}",
                f"lists {value!r}; each code must be 1-100 characters without control characters",
            )
    return values


def _parse_lists(reader: _Reader, data: dict, name: str, cls: type) -> Any:
    table = reader.section(data, name, cls)
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in table:
            continue
        if f.type in ("bool",):
            value = reader.boolean(table, name, f.name)
        elif f.type == "str":
            value = reader.string(table, name, f.name)
        else:
            value = _codes(reader, table, name, f.name)
        if value is not None:
            values[f.name] = value
    return cls(**values)


def _parse_queries(reader: _Reader, data: dict) -> QueriesSection:
    section = _parse_lists(reader, data, "queries", QueriesSection)
    for key in ("include", "exclude"):
        for glob in getattr(section, key):
            if not QUERY_GLOB_RE.fullmatch(glob):
                reader.problem(
                    f"queries.{key}",
                    f"lists {glob!r}, which is not a glob over catalogue names",
                    "run `plugin-builder queries` for the names",
                )
    return section


def _parse_oneroster(reader: _Reader, data: dict) -> OneRosterSection:
    section = _parse_lists(reader, data, "oneroster", OneRosterSection)
    seen: dict[str, str] = {}
    for key in ("parent", "guardian", "relative"):
        for code in getattr(section, key):
            if code in seen:
                reader.problem(
                    f"oneroster.{key}",
                    f"lists {code!r}, which oneroster.{seen[code]} also lists",
                    "a relationship code maps to exactly one OneRoster role",
                )
            seen[code] = key
    primary = set(section.primary_teacher_roles)
    for role in section.secondary_teacher_roles:
        if role in primary:
            reader.problem(
                "oneroster.secondary_teacher_roles",
                f"role {role!r} is also a primary teacher role",
            )
    if not section.primary_teacher_roles:
        reader.problem(
            "oneroster.primary_teacher_roles",
            "must name at least one ROLEDEF.NAME",
            'for example ["Lead Teacher"]',
        )
    return section


def _parse_edfi(reader: _Reader, data: dict) -> EdFiSection:
    section = _parse_lists(reader, data, "edfi", EdFiSection)
    if not STATE_PREFIX_RE.fullmatch(section.state_prefix):
        reader.problem(
            "edfi.state_prefix",
            f"is {section.state_prefix!r}; it must be exactly two digits",
            'the first two digits of the 8-digit Ed-Fi schoolId, for example "35"',
        )
    if section.state_course_code not in ("prefs", "course_number", "alt_course_number"):
        reader.problem(
            "edfi.state_course_code",
            f"is {section.state_course_code!r}, not one of prefs, course_number, alt_course_number",
        )
    return section


def _parse_attendance(reader: _Reader, data: dict) -> AttendanceSection:
    section = _parse_lists(reader, data, "attendance", AttendanceSection)
    both = set(section.tardy_codes) & set(section.excused_codes)
    if both:
        reader.problem(
            "attendance.excused_codes",
            f"lists {sorted(both)}, which attendance.tardy_codes also lists",
            "a code is either tardy (Present) or excused (Absent)",
        )
    return section


SCHOOL_NUMBER_MAX = 2**31 - 1  # SCHOOLS.SCHOOL_NUMBER is a NUMBER(10); no real school number comes near


def _parse_schools(reader: _Reader, data: dict) -> SchoolsSection:
    """``[schools] include = [101, 102]`` / ``exclude = [999]``: SCHOOLS.SCHOOL_NUMBER integers."""
    table = reader.section(data, "schools", SchoolsSection)
    values: dict[str, tuple[int, ...]] = {}
    for key in ("include", "exclude"):
        if key not in table:
            continue
        raw = table[key]
        numbers = raw if isinstance(raw, list) else None
        if numbers is None or not all(isinstance(v, int) and not isinstance(v, bool) for v in numbers):
            reader.problem(
                f"schools.{key}",
                f"must be a list of school numbers (integers), not {_type_name(raw)}"
                if numbers is None
                else "must list school numbers as integers, without quotes",
                f"for example {key} = [101, 102] (SCHOOLS.SCHOOL_NUMBER)",
            )
            continue
        bad = [n for n in numbers if not 0 < n <= SCHOOL_NUMBER_MAX]
        if bad:
            reader.problem(
                f"schools.{key}",
                f"lists {bad[0]}, which is no school number",
                "a school number is a positive integer (SCHOOLS.SCHOOL_NUMBER); the district (0) is always exported",
            )
            continue
        if key == "include" and not numbers:
            reader.problem(
                "schools.include",
                "lists no school, so nothing would be exported",
                "leave include out to export every school, or list the school numbers",
            )
            continue
        values[key] = tuple(dict.fromkeys(numbers))
    both = sorted(set(values.get("include", ())) & set(values.get("exclude", ())))
    if both:
        reader.problem(
            "schools.exclude",
            f"lists {', '.join(map(str, both))}, which schools.include also lists",
            "a school is either included or excluded",
        )
    return SchoolsSection(**values)


RULE_CODE_RE = re.compile(r"[A-Z]{2}[0-9]{3}")


def _parse_dictionary(reader: _Reader, data: dict, path: Path) -> DictionarySection:
    """``[dictionary] extensions = { TABLE = ["COL", …] }`` and/or ``file = "extensions.toml"``.

    The side file maps table names to their columns the same way, at its top level.
    """
    from plugin_builder.sql.dictionary import parse_extensions

    table = reader.section(data, "dictionary", DictionarySection)
    merged: dict[str, dict[str, str]] = {}
    if "extensions" in table:
        tables, problems = parse_extensions(table["extensions"], "dictionary.extensions")
        for key, message in problems:
            reader.problem(
                key, message, 'for example extensions = { S_NM_SEC_X = ["SECTIONSDCID", "SPECIALPROGRAMCODE"] }'
            )
        merged.update(tables)
    file = reader.string(table, "dictionary", "file") or ""
    if file:
        side = path.parent / file
        shown = str(path.parent / file)  # as the user named plugin.toml, so it can be opened
        try:
            if not side.exists():
                raise FileNotFoundError
            doc = read_toml(side, ConfigError, shown)
        except FileNotFoundError:
            reader.problem("dictionary.file", f"{file!r} not found (looked for {shown})", "write it, or fix the name")
        except ConfigError as exc:
            reader.problems.extend(exc.problems)
        else:
            tables, problems = parse_extensions(doc.data, "")
            for key, message in problems:
                reader.problems.append(
                    doc.problem(key.lstrip("."), message, 'TABLE = ["COLUMN", …] or TABLE = { COLUMN = "VARCHAR2" }')
                )
            for name, columns in tables.items():
                merged.setdefault(name, {}).update(columns)
    return DictionarySection(
        extensions=tuple((t, tuple(sorted(c.items()))) for t, c in sorted(merged.items())),
        file=file,
    )


def _parse_checks(reader: _Reader, data: dict) -> ChecksSection:
    """``[checks.suppress] query_name = { CODE = "reason" }``: a reason is required."""
    table = reader.section(data, "checks", ChecksSection)
    raw = table.get("suppress", {})
    if not isinstance(raw, dict):
        reader.problem("checks.suppress", 'must be a table: query_name = { SQ315 = "reason" }')
        return ChecksSection()
    suppress = []
    for query, codes in sorted(raw.items()):
        key = f"checks.suppress.{query}"
        if not isinstance(codes, dict):
            reader.problem(key, 'must be a table of rule codes and reasons, e.g. { SQ315 = "why it is fine" }')
            continue
        pairs = []
        for code, reason in sorted(codes.items()):
            if not RULE_CODE_RE.fullmatch(code):
                reader.problem(key, f"{code!r} is not a rule code", "run `plugin-builder checks` for the codes")
            elif not isinstance(reason, str) or not reason.strip():
                reader.problem(
                    key, f"suppressing {code} needs a reason", f'write {code} = "why this query may skip it"'
                )
            else:
                pairs.append((code, reason.strip()))
        suppress.append((query, tuple(pairs)))
    return ChecksSection(suppress=tuple(suppress))


SECTIONS = ("plugin", "queries", "csv", "oneroster", "edfi", "attendance", "schools", "dictionary", "checks")


def parse_project(text: str, path: Path) -> Project:
    """Validate TOML text; ``path`` is used for messages and to locate the project."""
    doc = parse_toml(text, ConfigError, str(path))
    data = doc.data
    reader = _Reader(path, doc.lines, doc)
    for key in data:
        if key not in SECTIONS:
            reader.problem(key, "is not a known table", "known tables: " + ", ".join(SECTIONS))
    plugin = _parse_plugin(reader, data)
    queries = _parse_queries(reader, data)
    csv = _parse_lists(reader, data, "csv", CsvSection)
    oneroster = _parse_oneroster(reader, data)
    edfi = _parse_edfi(reader, data)
    attendance = _parse_attendance(reader, data)
    schools = _parse_schools(reader, data)
    dictionary = _parse_dictionary(reader, data, path)
    checks = _parse_checks(reader, data)
    if reader.problems or plugin is None:
        raise ConfigError(reader.problems or [Problem("invalid configuration", file=str(path))])
    return Project(
        config_path=path.resolve(),
        plugin=plugin,
        queries=queries,
        csv=csv,
        oneroster=oneroster,
        edfi=edfi,
        attendance=attendance,
        schools=schools,
        dictionary=dictionary,
        checks=checks,
    )


def load_project(path: str | Path = "plugin.toml") -> Project:
    """Read and validate a plugin.toml; raises ConfigError listing every mistake."""
    path = Path(path)
    if path.is_dir():
        path = path / "plugin.toml"
    text = read_user_file(path, ConfigError, missing_hint="run `plugin-builder init` to write one, or pass -c FILE")
    return parse_project(text, path)

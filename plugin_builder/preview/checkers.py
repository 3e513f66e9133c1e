"""Check the written outputs against their formats (SPEC §8, output-formats.md §6).

The checkers read the files back from disk and compare them with the hand-written facts
of :mod:`plugin_builder.preview.formats` — never with the queries' own metadata — so a
wrong alias, a broken reference or a bad value is found the way a receiver would find it.
Each returns :class:`Violation` records; the runner prints them and exits 1 if any.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from plugin_builder.preview import formats

GUID_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
GUID_ANY_BAD_RE = re.compile(r"^(?![A-Za-z0-9._-]{1,100}$)", re.M)  # on "\n".join(ids)
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
US_DATE_RE = re.compile(r"^\d{2}/\d{2}/\d{4}$")
CONTROL_RE = re.compile(r"[\r\n\t]")
MAX_PER_CHECK = 5  # examples shown per check and file; the count is always exact


@dataclass(frozen=True)
class Violation:
    output: str  # oneroster | edfi | clever | attendance
    file: str
    check: str
    message: str
    row: int | None = None  # 1-based data row (header = 0)

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row is not None else self.file
        return f"{where}: [{self.check}] {self.message}"


class Collector:
    def __init__(self, output: str):
        self.output = output
        self.violations: list[Violation] = []
        self.counts: dict[tuple[str, str], int] = defaultdict(int)

    def add(self, file: str, check: str, message: str, row: int | None = None) -> None:
        key = (file, check)
        self.counts[key] += 1
        if self.counts[key] <= MAX_PER_CHECK:
            self.violations.append(Violation(self.output, file, check, message, row))

    def finish(self) -> list[Violation]:
        for (file, check), count in sorted(self.counts.items()):
            if count > MAX_PER_CHECK:
                self.violations.append(Violation(self.output, file, check, f"… {count - MAX_PER_CHECK} more like these"))
        return self.violations


@lru_cache(maxsize=4096)
def _valid_date(text: str, pattern: re.Pattern = DATE_RE, fmt: str = "%Y-%m-%d") -> bool:
    if not pattern.match(text):
        return False
    try:
        dt.datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


class Table:
    """A CSV file read back: its header and its rows, with column access by name."""

    def __init__(self, header: list[str], rows: list[list[str]]):
        self.header = header
        self.rows = rows
        self._index = {h: i for i, h in enumerate(header)}
        self._columns: dict[str, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, column: str) -> bool:
        return column in self._index

    def col(self, column: str) -> tuple[str, ...]:
        if column not in self._columns:
            if column in self._index:
                self._columns[column] = tuple(map(itemgetter(self._index[column]), self.rows))
            else:
                self._columns[column] = ("",) * len(self.rows)
        return self._columns[column]


def read_csv(path: Path, c: Collector, name: str) -> Table | None:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        c.add(name, "encoding", "starts with a byte-order mark")
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        c.add(name, "encoding", f"not UTF-8: {exc}")
        return None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        c.add(name, "rows", "is empty (no header)")
        return None
    header, body = rows[0], rows[1:]
    width = len(header)
    good = body
    if set(map(len, body)) - {width}:
        good = []
        for number, row in enumerate(body, start=1):
            if len(row) != width:
                c.add(name, "columns", f"has {len(row)} fields, the header {width} (a comma or quote in an unquoted value?)", number)
            else:
                good.append(row)
    # One line per row and no CR or TAB anywhere: no field holds CR, LF or TAB.
    if "\r" in text or "\t" in text or text.count("\n") != len(rows) - (0 if text.endswith("\n") else 1):
        for number, row in enumerate(body, start=1):
            bad = next((v for v in row if CONTROL_RE.search(v)), None)
            if bad is not None:
                c.add(name, "free-text", f"a field holds CR, LF or TAB: {bad!r}", number)
    return Table(header, good)


def _check_header(c: Collector, name: str, header: list[str], expected: list[str]) -> None:
    if header != expected:
        missing = [h for h in expected if h not in header]
        extra = [h for h in header if h not in expected]
        detail = []
        if missing:
            detail.append("missing " + ", ".join(missing))
        if extra:
            detail.append("unexpected " + ", ".join(extra))
        if not detail:
            detail.append("columns out of order")
        c.add(name, "header", f"header is not the format's ({'; '.join(detail)}): expected {','.join(expected)}", 0)


def _split(value: str) -> list[str]:
    return value.split(",") if value else []


def _flag(c: Collector, rel: str, table: Table, column: str, check: str, is_bad, message) -> None:
    """Report the rows whose ``column`` value ``is_bad``; each distinct value is judged once."""
    if column not in table:
        return
    values = table.col(column)
    bad = {v for v in set(values) if is_bad(v)}
    if bad:
        for number, value in enumerate(values, start=1):
            if value in bad:
                c.add(rel, check, message(value), number)


def _flag_unique(c: Collector, rel: str, table: Table, columns: tuple[str, ...], message) -> None:
    keys = list(zip(*(table.col(col) for col in columns)))
    if len(set(keys)) != len(keys):
        seen = set()
        for number, key in enumerate(keys, start=1):
            if key in seen:
                c.add(rel, "unique", message(key), number)
            seen.add(key)


def _flag_references(c: Collector, rel: str, table: Table, column: str, targets: set[str], target: str, is_list: bool) -> None:
    values = table.col(column)
    referenced = set(",".join(values).split(",")) if is_list else set(values)
    if not referenced - targets - {""}:
        return  # every reference resolves
    if is_list:
        _flag(c, rel, table, column, "reference", lambda v: any(x not in targets for x in _split(v)),
              lambda v: f"{column} {','.join(x for x in _split(v) if x not in targets)} is not a sourcedId of {target}")
    else:
        _flag(c, rel, table, column, "reference", lambda v: v != "" and v not in targets,
              lambda v: f"{column} {v} is not a sourcedId of {target}")


# --------------------------------------------------------------------------- OneRoster


def check_oneroster(out: Path, full_lists: bool = True) -> list[Violation]:
    """``full_lists=False`` ([csv] quotes = false): lists carry only their first value, so
    student-contact links cannot be complete both ways; only their roles are checked."""
    c = Collector("oneroster")
    folder = out / "oneroster"
    manifest_path = folder / "manifest.csv"
    if not manifest_path.is_file():
        c.add("oneroster/manifest.csv", "manifest", "is missing")
        return c.finish()
    parsed = read_csv(manifest_path, c, "oneroster/manifest.csv")
    manifest = dict(zip(parsed.col("propertyName"), parsed.col("value"))) if parsed else {}
    if parsed and parsed.header != ["propertyName", "value"]:
        c.add("oneroster/manifest.csv", "header", "header must be propertyName,value", 0)
    if manifest.get("manifest.version") != "1.0" or manifest.get("oneroster.version") != "1.1":
        c.add("oneroster/manifest.csv", "manifest", "needs manifest.version 1.0 and oneroster.version 1.1")
    present = {p.name for p in folder.glob("*.csv") if p.name != "manifest.csv"}
    for data_file in formats.ONEROSTER_MANIFEST_FILES:
        value = manifest.get(f"file.{data_file}")
        if value not in ("absent", "bulk", "delta"):
            c.add("oneroster/manifest.csv", "manifest", f"file.{data_file} is {value!r}, not absent/bulk/delta")
        elif (value != "absent") != (f"{data_file}.csv" in present):
            state = "present" if f"{data_file}.csv" in present else "absent"
            c.add("oneroster/manifest.csv", "manifest", f"file.{data_file} is {value} but {data_file}.csv is {state}")
    zip_path = out / "oneroster.zip"
    if zip_path.is_file():
        with zipfile.ZipFile(zip_path) as archive:
            names = set(archive.namelist())
        if names != present | {"manifest.csv"}:
            c.add("oneroster.zip", "zip", f"holds {sorted(names)}, the folder {sorted(present | {'manifest.csv'})}")
    else:
        c.add("oneroster.zip", "zip", "is missing")

    tables: dict[str, Table] = {}
    for name in sorted(present):
        rel = f"oneroster/{name}"
        table = read_csv(folder / name, c, rel)
        if table is None:
            continue
        expected = formats.ONEROSTER_HEADERS.get(name)
        if expected is None:
            c.add(rel, "file", "is not a OneRoster 1.1 file")
            continue
        _check_header(c, rel, table.header, expected)
        if not len(table):
            c.add(rel, "rows", "has no data rows (leave it out and mark it absent)")
        tables[name] = table
        if GUID_ANY_BAD_RE.search("\n".join(table.col("sourcedId"))):
            _flag(c, rel, table, "sourcedId", "sourcedId", lambda v: not GUID_RE.match(v),
                  lambda v: f"sourcedId {v!r} is not [A-Za-z0-9._-]{{1,100}}")
        _flag_unique(c, rel, table, ("sourcedId",), lambda key: f"sourcedId {key[0]} is not unique")
        for column in ("status", "dateLastModified"):
            _flag(c, rel, table, column, "bulk", bool, lambda v, column=column: f"{column} must be blank in a bulk file, is {v!r}")
        for column in formats.ONEROSTER_REQUIRED.get(name, []):
            _flag(c, rel, table, column, "required", lambda v: not v.strip(), lambda v, column=column: f"{column} is blank")
        for (file, column), allowed in formats.ONEROSTER_ENUMS.items():
            if file == name:
                _flag(c, rel, table, column, "enum", lambda v, allowed=allowed: v != "" and v not in allowed,
                      lambda v, column=column, allowed=allowed: f"{column} {v!r} is not one of {'|'.join(allowed)}")
        for file, column in formats.ONEROSTER_GRADE_LISTS:
            if file == name:
                _flag(c, rel, table, column, "enum", lambda v: any(g not in formats.GRADES for g in _split(v)),
                      lambda v, column=column: f"{column} {v!r}: {[g for g in _split(v) if g not in formats.GRADES]} not CEDS grades (01..12, KG, …)")
        for column in formats.ONEROSTER_DATES.get(name, []):
            _flag(c, rel, table, column, "date", lambda v: v != "" and not _valid_date(v),
                  lambda v, column=column: f"{column} {v!r} is not a YYYY-MM-DD date")
        if name == "academicSessions.csv":
            _flag(c, rel, table, "schoolYear", "date", lambda v: not re.fullmatch(r"\d{4}", v), lambda v: f"schoolYear {v!r} is not YYYY")
        begin_column = "beginDate" if "beginDate" in table else "startDate"
        if begin_column in table and "endDate" in table:
            for number, (begin, end) in enumerate(zip(table.col(begin_column), table.col("endDate")), start=1):
                if begin and end and begin > end and _valid_date(begin) and _valid_date(end):
                    c.add(rel, "date", f"begins {begin} after it ends {end}", number)

    ids = {name: set(table.col("sourcedId")) for name, table in tables.items()}
    for file, column, target, is_list in formats.ONEROSTER_REFERENCES:
        if file in tables and target in tables:  # a file not produced cannot be resolved against
            _flag_references(c, f"oneroster/{file}", tables[file], column, ids[target], target, is_list)
    if "enrollments.csv" in tables and "orgs.csv" in tables:
        orgs = tables["orgs.csv"]
        not_schools = {sid for sid, kind in zip(orgs.col("sourcedId"), orgs.col("type")) if kind != "school"}
        _flag(c, "oneroster/enrollments.csv", tables["enrollments.csv"], "schoolSourcedId", "reference", lambda v: v in not_schools,
              lambda v: f"schoolSourcedId {v} is not an org of type school")
    if "users.csv" in tables:
        _check_agents(c, tables["users.csv"], full_lists)
    if "enrollments.csv" in tables:
        _check_primary_teachers(c, tables["enrollments.csv"])
    return c.finish()


def _check_agents(c: Collector, users: Table, both_ways: bool) -> None:
    """Students and their contacts point at each other (both ways), and only at each other."""
    rel = "oneroster/users.csv"
    role = dict(zip(users.col("sourcedId"), users.col("role")))
    agents = {sid: set(_split(value)) for sid, value in zip(users.col("sourcedId"), users.col("agentSourcedIds"))}
    contact_roles = {"parent", "guardian", "relative"}
    for number, me in enumerate(users.col("sourcedId"), start=1):
        mine = agents[me]
        if role[me] in contact_roles and not mine:
            c.add(rel, "agents", f"{role[me]} {me} is linked to no student", number)
        for other in mine:
            if other not in role:
                continue  # reported as a reference
            if role[me] == "student" and role[other] not in contact_roles:
                c.add(rel, "agents", f"student {me} lists {other} ({role[other]}), not a parent/guardian/relative", number)
            elif role[me] in contact_roles and role[other] != "student":
                c.add(rel, "agents", f"{role[me]} {me} lists {other} ({role[other]}), not a student", number)
            if both_ways and me not in agents[other]:
                c.add(rel, "agents", f"{me} lists {other} but {other} does not list {me}", number)


def _check_primary_teachers(c: Collector, enrollments: Table) -> None:
    """At most one primary teacher per class at any time (Apple School Manager's rule)."""
    by_class: dict[str, list[tuple[str, str, int, str]]] = defaultdict(list)
    columns = zip(enrollments.col("role"), enrollments.col("primary"), enrollments.col("classSourcedId"),
                  enrollments.col("userSourcedId"), enrollments.col("beginDate"), enrollments.col("endDate"))
    for number, (role, primary, klass, user, begin, end) in enumerate(columns, start=1):
        if primary != "true":
            continue
        if role == "teacher":
            by_class[klass].append((begin or "0000-00-00", end or "9999-99-99", number, user))
        else:
            c.add("oneroster/enrollments.csv", "primary", f"a {role} enrollment is primary", number)
    for klass, spans in by_class.items():
        spans.sort()
        for (_b1, e1, _n1, u1), (b2, _e2, n2, u2) in zip(spans, spans[1:]):
            if b2 <= e1:
                c.add("oneroster/enrollments.csv", "primary", f"class {klass} has two primary teachers at once ({u1}, {u2} from {b2})", n2)


# --------------------------------------------------------------------------- Clever


def check_clever(out: Path, full_lists: bool = True) -> list[Violation]:
    c = Collector("clever")
    tables: dict[str, Table] = {}
    for path in sorted((out / "clever").glob("*.csv")):
        rel = f"clever/{path.name}"
        table = read_csv(path, c, rel)
        if table is None:
            continue
        expected = formats.CLEVER_HEADERS.get(path.name)
        if expected is None:
            c.add(rel, "file", "is not a Clever file this project writes")
            continue
        _check_header(c, rel, table.header, expected)
        tables[path.name] = table
        for column in formats.CLEVER_REQUIRED[path.name]:
            _flag(c, rel, table, column, "required", lambda v: not v, lambda v, column=column: f"{column} is blank")
        if path.name == "sections.csv":
            _flag_unique(c, rel, table, ("Section_id",), lambda key: f"Section_id {key[0]} is not unique")
            _flag(c, rel, table, "Subject", "enum", lambda v: v != "" and v not in formats.CLEVER_SUBJECTS,
                  lambda v: f"Subject {v!r} is not a Clever subject")
            _flag(c, rel, table, "Grade", "enum", lambda v: v != "" and v not in formats.CLEVER_GRADES,
                  lambda v: f"Grade {v!r} is not a Clever grade (1..13, Kindergarten, …)")
            for column in ("Term_start", "Term_end"):
                _flag(c, rel, table, column, "date",
                      lambda v: v != "" and not (_valid_date(v) or _valid_date(v, US_DATE_RE, "%m/%d/%Y")),
                      lambda v, column=column: f"{column} {v!r} is not a date (MM/DD/YYYY or YYYY-MM-DD)")
            teachers = zip(table.col("Section_id"), table.col("Teacher_id"), table.col("Teacher_2_id"), table.col("Teacher_3_id"))
            for number, (section, *ids) in enumerate(teachers, start=1):
                listed = [i for i in ids if i]
                if len(set(listed)) != len(listed):
                    c.add(rel, "unique", f"section {section} lists a teacher twice", number)
        if path.name == "enrollments.csv":
            _flag_unique(c, rel, table, ("Section_id", "Student_id"), lambda key: f"student {key[1]} is enrolled twice in section {key[0]}")
    if "sections.csv" in tables and "enrollments.csv" in tables:
        sections = dict(zip(tables["sections.csv"].col("Section_id"), tables["sections.csv"].col("School_id")))
        enrollments = tables["enrollments.csv"]
        for number, (section, school) in enumerate(zip(enrollments.col("Section_id"), enrollments.col("School_id")), start=1):
            if section not in sections:
                c.add("clever/enrollments.csv", "reference", f"Section_id {section} is not in sections.csv", number)
            elif sections[section] != school:
                c.add("clever/enrollments.csv", "reference", f"School_id {school} is not the section's school", number)
    return c.finish()


# --------------------------------------------------------------------------- Ed-Fi


Emit = Callable[[str, str], None]  # (check, message) for the object being checked
Validator = Callable[[object, Emit], None]

_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool}
DESCRIPTOR_RE = re.compile(r"^uri://[^#]+#.+$")


def compile_schema(schema: dict, path: str = "") -> Validator:
    """A validator for one Ed-Fi (OpenAPI) schema, built once and run for every object:
    required properties, no unknown property, types, ``date`` format, lengths, no null,
    descriptors as ``uri://…#…``. Flat objects (the references) are judged once per
    distinct value."""
    schema = formats.resolve(schema)
    kind = schema.get("type")
    label = path or "the resource"

    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        children = {name: compile_schema(sub, f"{path}.{name}".lstrip(".")) for name, sub in properties.items()}
        required = schema.get("required", [])
        memo: dict[tuple, list[tuple[str, str]]] = {}

        def check_object(value: object, emit: Emit) -> None:
            if not isinstance(value, dict):
                emit("null" if value is None else "type", f"{label} is null (leave optional fields out)" if value is None else f"{label} must be an object")
                return
            found = key = None
            if path:  # a reference: flat, so its items are hashable (else TypeError)
                try:
                    # the types too: True == 1 and 1.0 == 1, but only 1 is a valid integer
                    key = (tuple(value.items()), tuple(map(type, value.values())))
                    found = memo.get(key)
                except TypeError:
                    key = None
            if key is not None:
                if found is None:
                    found = []
                    _check_members(value, lambda check, message: found.append((check, message)))
                    memo[key] = found
                for check, message in found:
                    emit(check, message)
            else:
                _check_members(value, emit)

        required_names = frozenset(required)
        known_names = frozenset(children)

        def _check_members(value: dict, emit: Emit) -> None:
            keys = value.keys()
            if not required_names <= keys:
                for name in required:
                    if name not in value:
                        emit("required", f"{path}.{name} is required".lstrip("."))
            if not keys <= known_names:
                for name in sorted(keys - known_names):
                    emit("property", f"{path}.{name} is not a property of the resource".lstrip("."))
            for name, item in value.items():
                child = children.get(name)
                if child is not None:
                    child(item, emit)

        return check_object

    if kind == "array":
        item_validator = compile_schema(schema.get("items", {}), f"{path}[]")

        def check_array(value: object, emit: Emit) -> None:
            if value is None:
                emit("null", f"{label} is null (leave optional fields out)")
            elif not isinstance(value, list):
                emit("type", f"{label} must be an array")
            else:
                for item in value:
                    item_validator(item, emit)

        return check_array

    expected = _TYPES.get(kind)
    is_date = schema.get("format") == "date"
    min_length, max_length = schema.get("minLength"), schema.get("maxLength")
    is_descriptor = path.endswith("Descriptor")
    int32 = kind == "integer" and schema.get("format") == "int32"

    def check_scalar(value: object, emit: Emit) -> None:
        if value is None:
            emit("null", f"{label} is null (leave optional fields out)")
            return
        if expected and (not isinstance(value, expected) or (kind != "boolean" and isinstance(value, bool))):
            emit("type", f"{label} {value!r} must be {kind}")
            return
        if kind == "string":
            if is_date and not _valid_date(value):
                emit("date", f"{label} {value!r} is not a YYYY-MM-DD date")
            if min_length is not None and len(value) < min_length:
                emit("length", f"{label} is shorter than {min_length}")
            if max_length is not None and len(value) > max_length:
                emit("length", f"{label} is longer than {max_length}")
            if is_descriptor and not DESCRIPTOR_RE.match(value):
                emit("descriptor", f"{label} {value!r} is not uri://…#…")
        if int32 and not -(2**31) <= value < 2**31:
            emit("type", f"{label} {value} does not fit int32")

    return check_scalar


def _identity_properties(schema: dict) -> list[str]:
    """The natural key: the x-Ed-Fi-isIdentity properties and the references."""
    return [
        prop
        for prop, prop_schema in sorted(schema.get("properties", {}).items())
        if prop_schema.get("x-Ed-Fi-isIdentity") or ("$ref" in prop_schema and prop.endswith("Reference"))
    ]


def _hashable(value: object) -> object:
    """Identity values are scalars or flat references (dicts of scalars)."""
    if type(value) is dict:
        key = tuple(value.items())
        try:
            hash(key)
        except TypeError:
            return repr(value)
        return key
    if type(value) is list:
        return repr(value)
    return value


def check_edfi(out: Path, full_lists: bool = True) -> list[Violation]:
    c = Collector("edfi")
    for path in sorted((out / "edfi").glob("*.json")):
        rel = f"edfi/{path.name}"
        resource = path.stem
        schema = formats.edfi_schema(resource)
        if schema is None:
            c.add(rel, "resource", f"{resource} is not an Ed-Fi DS 5.0 roster resource")
            continue
        try:
            objects = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            c.add(rel, "json", f"is not JSON: {exc}")
            continue
        if not isinstance(objects, list):
            c.add(rel, "json", "must hold a JSON array of resources")
            continue
        seen = {}
        validate = compile_schema(schema)
        identity = _identity_properties(schema)
        for number, obj in enumerate(objects, start=1):
            validate(obj, lambda check, message, number=number: c.add(rel, check, message, number))
            if isinstance(obj, dict):
                key = tuple(_hashable(obj.get(prop)) for prop in identity)
                if key in seen:
                    c.add(rel, "unique", f"same identity as item {seen[key]}", number)
                seen.setdefault(key, number)
                if resource == "staffSectionAssociation" and obj.get("classroomPositionDescriptor") not in formats.CLASSROOM_POSITIONS | {None}:
                    c.add(rel, "enum", f"classroomPositionDescriptor {obj['classroomPositionDescriptor']!r} is not an Ed-Fi default", number)
                begin, end = obj.get("beginDate"), obj.get("endDate")
                if isinstance(begin, str) and isinstance(end, str) and end < begin:
                    c.add(rel, "date", f"endDate {end} is before beginDate {begin}", number)
    return c.finish()


# --------------------------------------------------------------------------- attendance


def check_attendance(out: Path, full_lists: bool = True) -> list[Violation]:
    """Each file maps section ids to Schoology PUT bodies ``{"attendances": {"attendance": […]}}``."""
    c = Collector("attendance")
    for path in sorted((out / "attendance").glob("*.json")):
        rel = f"attendance/{path.name}"
        try:
            sections = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            c.add(rel, "json", f"is not JSON: {exc}")
            continue
        if not isinstance(sections, dict):
            c.add(rel, "json", "must map section ids to PUT bodies")
            continue
        for section, body in sections.items():
            _check_attendance_body(c, rel, section, body)
    return c.finish()


def _check_attendance_body(c: Collector, rel: str, section: str, body: object) -> None:
    entries = body.get("attendances", {}).get("attendance") if isinstance(body, dict) and isinstance(body.get("attendances"), dict) else None
    if set(body if isinstance(body, dict) else ()) != {"attendances"} or not isinstance(entries, list) or not entries:
        c.add(rel, "json", f'section {section}: not a Schoology body {{"attendances": {{"attendance": [...]}}}} with attendances')
        return
    seen = set()
    for number, entry in enumerate(entries, start=1):
        where = f"section {section}, attendance {number}"
        if not isinstance(entry, dict):
            c.add(rel, "json", f"{where}: must be an object")
            continue
        extra = set(entry) - {"enrollment_id", "date", "status", "comment"}
        if extra:
            c.add(rel, "property", f"{where}: unknown fields {sorted(extra)}")
        if not isinstance(entry.get("enrollment_id"), int) or isinstance(entry.get("enrollment_id"), bool):
            c.add(rel, "type", f"{where}: enrollment_id {entry.get('enrollment_id')!r} must be an integer")
        if not isinstance(entry.get("date"), str) or not _valid_date(entry["date"]):
            c.add(rel, "date", f"{where}: date {entry.get('date')!r} is not YYYY-MM-DD")
        if entry.get("status") not in formats.SCHOOLOGY_STATUSES or isinstance(entry.get("status"), bool):
            c.add(rel, "enum", f"{where}: status {entry.get('status')!r} is not 1 present, 2 absent, 3 late or 4 excused")
        if "comment" in entry and not isinstance(entry["comment"], str):
            c.add(rel, "type", f"{where}: comment must be a string")
        key = (entry.get("enrollment_id"), entry.get("date"))
        if key in seen:
            c.add(rel, "unique", f"section {section}: enrollment {key[0]} has two statuses on {key[1]}")
        seen.add(key)


CHECKERS = {"oneroster": check_oneroster, "edfi": check_edfi, "clever": check_clever, "attendance": check_attendance}

"""Preview's rules (``PV6xx``): the files preview wrote, judged the way a receiver would.

They are rules of the same engine as the plugin's (:mod:`plugin_builder.checks.engine`, scope
``output``): a stable code, a name, a docstring with a bad and a good example, fixtures,
listed by ``plugin-builder checks``, reported as :class:`~plugin_builder.findings.Finding`
records. They read the files back from disk and compare them with the formats' own
descriptions — never with the queries' metadata — so a wrong alias, a broken reference or a
bad value is found the way a receiver would find it:

* OneRoster and Clever CSVs by their Frictionless Data Package descriptors
  (``data/*.datapackage.json``, written beside the CSVs as ``datapackage.json``);
* Ed-Fi JSON by the DS 5.0 schema, Schoology attendance bodies by their JSON Schema, both
  compiled by ``fastjsonschema``;
* what no descriptor says (the OneRoster manifest and ZIP, contacts and students pointing at
  each other, one primary teacher at a time, dates in order) by the rules below.

Examples in the docstrings are runnable: ``== <path>`` starts a file of the preview folder
(``tests/test_rule_fixtures.py`` runs them).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache, partial
from operator import itemgetter
from pathlib import Path

import fastjsonschema

from plugin_builder.checks.engine import Hit, Rule, rule
from plugin_builder.findings import Finding, Severity, sort_findings
from plugin_builder.preview import formats

CONTROL_RE = re.compile(r"[\r\n\t]")
MAX_PER_RULE = 5  # findings shown per rule and file; the count of the rest is always given
KINDS = ("oneroster", "edfi", "clever", "attendance")


@lru_cache(maxsize=4096)
def _valid_date(text: str) -> bool:
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


class Table:
    """A CSV file read back: its header and its rows, with column access by name."""

    def __init__(self, header: list[str], rows: list[list[str]], lines: list[int]):
        self.header = header
        self.rows = rows
        self.lines = lines  # each row's line in the file
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


class Outputs:
    """What one preview wrote, read once and shared by every rule.

    ``kinds``: the outputs to judge (default: the folders present). ``full_lists=False``
    (``[csv] quotes = false``): multi-valued OneRoster columns carry only their first value,
    so students and contacts cannot list each other both ways.
    """

    def __init__(self, out: Path, kinds: Iterable[str] | None = None, full_lists: bool = True):
        self.out = Path(out)
        self.kinds = set(kinds) if kinds is not None else {k for k in KINDS if (self.out / k).is_dir()}
        self.full_lists = full_lists
        self.read_hits: dict[str, list[Hit]] = defaultdict(list)  # PV600-PV602, found while reading

    # ----------------------------------------------------------------- CSV outputs

    def csv_files(self, kind: str) -> list[Path]:
        if kind not in self.kinds:
            return []
        return sorted(p for p in (self.out / kind).glob("*.csv") if p.is_file())

    @cached_property
    def _read(self) -> dict[str, dict[str, tuple[str, Table]]]:
        tables: dict[str, dict[str, tuple[str, Table]]] = {}
        for kind in ("oneroster", "clever"):
            tables[kind] = {}
            for path in self.csv_files(kind):
                rel = f"{kind}/{path.name}"
                table = self._read_csv(path, rel)
                if table is not None:
                    tables[kind][path.name] = (rel, table)
        return tables

    def tables(self, kind: str) -> dict[str, tuple[str, Table]]:
        """File name -> (path relative to the preview folder, table), every CSV of ``kind``."""
        return self._read.get(kind, {})

    def package(self, kind: str) -> dict:
        """The format's data package, restricted to the files written."""
        return formats.data_package_for(kind, set(self.tables(kind)))

    def described(self) -> Iterator[tuple[str, Table, dict, str]]:
        """(rel, table, resource descriptor, kind) of every CSV its format describes."""
        for kind in ("oneroster", "clever"):
            tables = self.tables(kind)
            for resource in self.package(kind)["resources"]:
                rel, table = tables[resource["path"]]
                yield rel, table, resource, kind

    def _read_csv(self, path: Path, rel: str) -> Table | None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.read_hits["PV600"].append(Hit(f"cannot be read: {exc.strerror}", file=rel))
            return None
        if data.startswith(b"\xef\xbb\xbf"):
            self.read_hits["PV600"].append(Hit("starts with a byte-order mark", file=rel, line=1))
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.read_hits["PV600"].append(Hit(f"is not UTF-8: {exc}", file=rel))
            return None
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if not rows:
            return Table([], [], [])
        header, body = rows[0], rows[1:]
        one_line_each = "\r" not in text and text.count("\n") == len(rows) - (0 if text.endswith("\n") else 1)
        if one_line_each:
            lines = list(range(2, len(rows) + 1))
        else:  # a field holds a line break: count the physical lines
            lines, line = [], 1 + _newlines(header)
            for row in body:
                line += 1
                lines.append(line)
                line += _newlines(row)
        if not one_line_each or "\t" in text:
            for number, row in zip(lines, body):
                bad = next((v for v in row if CONTROL_RE.search(v)), None)
                if bad is not None:
                    self.read_hits["PV602"].append(Hit(f"a field holds CR, LF or TAB: {bad!r}", file=rel, line=number))
        width = len(header)
        if set(map(len, body)) - {width}:
            kept, kept_lines = [], []
            for number, row in zip(lines, body):
                if len(row) != width:
                    self.read_hits["PV601"].append(
                        Hit(
                            f"has {len(row)} fields, the header {width} (a comma or quote in an unquoted value?)",
                            file=rel,
                            line=number,
                        )
                    )
                else:
                    kept.append(row)
                    kept_lines.append(number)
            body, lines = kept, kept_lines
        return Table(header, body, lines)

    # ----------------------------------------------------------------- JSON outputs

    @cached_property
    def _documents(self) -> dict[str, list[tuple[str, object]]]:
        documents: dict[str, list[tuple[str, object]]] = {}
        for kind in ("edfi", "attendance"):
            documents[kind] = []
            if kind not in self.kinds:
                continue
            for path in sorted(
                p for p in (self.out / kind).glob("*.json") if p.is_file() and p.name != "datapackage.json"
            ):
                rel = f"{kind}/{path.name}"
                try:
                    documents[kind].append((rel, json.loads(path.read_text(encoding="utf-8"))))
                except (ValueError, UnicodeDecodeError, OSError) as exc:
                    documents[kind].append((rel, _NotJson(str(exc))))
        return documents

    def documents(self, kind: str) -> list[tuple[str, object]]:
        """(rel, parsed JSON) of every JSON file of ``kind``; unparsable ones as ``_NotJson``."""
        return self._documents.get(kind, [])

    def edfi_resources(self) -> Iterator[tuple[str, str, list]]:
        """(rel, resource, objects) of every Ed-Fi file of a known resource holding an array."""
        for rel, objects in self.documents("edfi"):
            resource = Path(rel).stem
            if isinstance(objects, list) and formats.edfi_schema(resource) is not None:
                yield rel, resource, objects


class _NotJson:
    def __init__(self, error: str):
        self.error = error


def _newlines(row: list[str]) -> int:
    return sum(v.count("\n") for v in row)


def _flag(
    rel: str, table: Table, column: str, is_bad: Callable[[str], bool], message: Callable[[str], str]
) -> Iterator[Hit]:
    """A hit for each row whose ``column`` value ``is_bad``; each distinct value is judged once."""
    if column not in table:
        return
    values = table.col(column)
    bad = {v for v in set(values) if is_bad(v)}
    if bad:
        for line, value in zip(table.lines, values):
            if value in bad:
                yield Hit(message(value), file=rel, line=line)


def _fields(resource: dict) -> list[dict]:
    return resource["schema"]["fields"]


def _missing(field: dict, value: str) -> bool:
    return value == ""


def _split(value: str, delimiter: str = ",") -> list[str]:
    return value.split(delimiter) if value else []


# --------------------------------------------------------------------------- reading


@rule("PV600", "output.encoding", scope="output")
def output_encoding(outputs: Outputs) -> Iterator[Hit]:
    """An output CSV is UTF-8 without a byte-order mark (receivers read the mark as part of the first header).

    Bad::

        == clever/enrollments.csv
        \ufeffSchool_id,Section_id,Student_id
        101,S1,9

    Good::

        == clever/enrollments.csv
        School_id,Section_id,Student_id
        101,S1,9
    """
    outputs.tables("oneroster"), outputs.tables("clever")  # reading finds them
    yield from outputs.read_hits["PV600"]


@rule("PV601", "csv.row-width", scope="output")
def csv_row_width(outputs: Outputs) -> Iterator[Hit]:
    """Every CSV row has as many fields as the header (with quotes off, a comma in a value splits it).

    Bad::

        == clever/enrollments.csv
        School_id,Section_id,Student_id
        101,S1,9,Smith, Jo

    Good::

        == clever/enrollments.csv
        School_id,Section_id,Student_id
        101,S1,9
    """
    outputs.tables("oneroster"), outputs.tables("clever")
    yield from outputs.read_hits["PV601"]


@rule("PV602", "csv.free-text", scope="output")
def csv_free_text(outputs: Outputs) -> Iterator[Hit]:
    """No CSV field holds a CR, LF or TAB (SFTP importers read one record a line).

    Bad::

        == clever/sections.csv
        School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end
        101,S1,T1,,,"Algebra
        Smith",1,9,Algebra,MAT1,1,math,S1,2025-08-13,2025-12-19

    Good::

        == clever/sections.csv
        School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end
        101,S1,T1,,,Algebra - Smith,1,9,Algebra,MAT1,1,math,S1,2025-08-13,2025-12-19
    """
    outputs.tables("oneroster"), outputs.tables("clever")
    yield from outputs.read_hits["PV602"]


@rule("PV603", "output.unknown-file", scope="output")
def output_unknown_file(outputs: Outputs) -> Iterator[Hit]:
    """Every output file is one its format defines (a OneRoster 1.1 file, a Clever file, an Ed-Fi DS 5.0 roster resource).

    Bad::

        == oneroster/students.csv
        sourcedId,name
        1,Ann

    Good::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,
    """
    for kind, what in (("oneroster", "a OneRoster 1.1 file"), ("clever", "a Clever file this project writes")):
        known = {r["path"] for r in formats.data_package(kind)["resources"]}
        for name, (rel, _table) in outputs.tables(kind).items():
            if name not in known:
                yield Hit(f"is not {what}", file=rel)
    for rel, _objects in outputs.documents("edfi"):
        resource = Path(rel).stem
        if formats.edfi_schema(resource) is None:
            yield Hit(f"{resource} is not an Ed-Fi DS 5.0 roster resource", file=rel)


# --------------------------------------------------------------------------- the data packages


@rule("PV604", "csv.header", scope="output")
def csv_header(outputs: Outputs) -> Iterator[Hit]:
    """A CSV's header is its format's fields, all of them, in order (receivers map columns by name or by position).

    Bad::

        == clever/enrollments.csv
        Section_id,School_id,Student_id
        S1,101,9

    Good::

        == clever/enrollments.csv
        School_id,Section_id,Student_id
        101,S1,9
    """
    for rel, table, resource, _kind in outputs.described():
        expected = [f["name"] for f in _fields(resource)]
        if table.header == expected:
            continue
        missing = [h for h in expected if h not in table.header]
        extra = [h for h in table.header if h not in expected]
        detail = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(extra)}"] if extra else []
        )
        yield Hit(
            f"header is not the format's ({'; '.join(detail) or 'columns out of order'}): expected {','.join(expected)}",
            file=rel,
            line=1,
        )


@rule("PV605", "field.required", scope="output")
def field_required(outputs: Outputs) -> Iterator[Hit]:
    """A required field (``constraints.required`` in the data package) is never blank.

    Bad::

        == clever/enrollments.csv
        School_id,Section_id,Student_id
        101,S1,

    Good::

        == clever/enrollments.csv
        School_id,Section_id,Student_id
        101,S1,9
    """
    for rel, table, resource, _kind in outputs.described():
        for field in _fields(resource):
            if field.get("constraints", {}).get("required"):
                name = field["name"]
                yield from _flag(rel, table, name, lambda v: not v.strip(), lambda v, name=name: f"{name} is blank")


def _type_error(field: dict, value: str) -> str | None:
    kind, name = field.get("type", "string"), field["name"]
    if kind == "date" and not _valid_date(value):
        return f"{name} {value!r} is not a YYYY-MM-DD date"
    if kind == "year" and not re.fullmatch(r"\d{4}", value):
        return f"{name} {value!r} is not a year (YYYY)"
    if kind == "boolean":
        allowed = field.get("trueValues", ["true"]) + field.get("falseValues", ["false"])
        if value not in allowed:
            return f"{name} {value!r} is not {' or '.join(allowed)}"
    if kind == "integer" and not re.fullmatch(r"[+-]?\d+", value):
        return f"{name} {value!r} is not an integer"
    return None


@rule("PV606", "field.type", scope="output")
def field_type(outputs: Outputs) -> Iterator[Hit]:
    """A value has its field's type: ``date`` is YYYY-MM-DD (a real day), ``year`` YYYY, ``boolean`` the declared true/false words.

    Bad::

        == oneroster/enrollments.csv
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,s1,u1,student,false,08/13/2025,

    Good::

        == oneroster/enrollments.csv
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,s1,u1,student,false,2025-08-13,
    """
    for rel, table, resource, _kind in outputs.described():
        for field in _fields(resource):
            if field.get("type", "string") in ("date", "year", "boolean", "integer"):
                yield from _flag(
                    rel, table, field["name"],
                    lambda v, field=field: not _missing(field, v) and _type_error(field, v) is not None,
                    lambda v, field=field: _type_error(field, v) or "",
                )  # fmt: skip


@rule("PV607", "field.enum", scope="output")
def field_enum(outputs: Outputs) -> Iterator[Hit]:
    """A value of an enumerated field (``constraints.enum``) is one of its values, spelled exactly.

    Bad::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        s1,,,Lincoln High,highschool,,

    Good::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        s1,,,Lincoln High,school,,
    """
    for rel, table, resource, _kind in outputs.described():
        for field in _fields(resource):
            allowed = field.get("constraints", {}).get("enum")
            if allowed:
                name, choices = field["name"], frozenset(allowed)
                yield from _flag(
                    rel, table, name,
                    lambda v, field=field, choices=choices: not _missing(field, v) and v not in choices,
                    lambda v, name=name, allowed=allowed: f"{name} {v!r} is not one of {'|'.join(allowed)}",
                )  # fmt: skip


@rule("PV608", "field.pattern", scope="output")
def field_pattern(outputs: Outputs) -> Iterator[Hit]:
    """A value matches its field's pattern (``constraints.pattern``): sourcedIds, grade lists, Clever's dates.

    Bad::

        == oneroster/users.csv
        sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
        u 1,,,true,s1,student,ann,,Ann,Lee,,,,,,,9,

    Good::

        == oneroster/users.csv
        sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
        u1,,,true,s1,student,ann,,Ann,Lee,,,,,,,09,
    """
    for rel, table, resource, _kind in outputs.described():
        for field in _fields(resource):
            pattern = field.get("constraints", {}).get("pattern")
            if pattern:
                name, matcher = field["name"], re.compile(pattern)
                what = field.get("description") or f"the pattern {pattern}"
                yield from _flag(
                    rel, table, name,
                    lambda v, field=field, matcher=matcher: not _missing(field, v) and not matcher.fullmatch(v),
                    lambda v, name=name, what=what: f"{name} {v!r} is not {what}",
                )  # fmt: skip


@rule("PV609", "field.length", scope="output")
def field_length(outputs: Outputs) -> Iterator[Hit]:
    """A value is within its field's length (``constraints.maxLength``); OneRoster's ``status`` and ``dateLastModified`` are blank in a bulk file.

    Bad::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,active,,Example USD,district,,

    Good::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,
    """
    for rel, table, resource, _kind in outputs.described():
        for field in _fields(resource):
            limit = field.get("constraints", {}).get("maxLength")
            if limit is None:
                continue
            yield from _flag(
                rel, table, field["name"], lambda v, limit=limit: len(v) > limit, partial(_too_long, field, limit)
            )


def _too_long(field: dict, limit: int, value: str) -> str:
    if limit == 0:
        return f"{field['name']} {field.get('description') or 'must be blank'}, is {value!r}"
    return f"{field['name']} {value!r} is longer than {limit} characters"


@rule("PV610", "table.primary-key", scope="output")
def table_primary_key(outputs: Outputs) -> Iterator[Hit]:
    """No two rows share a primary key (``schema.primaryKey``): a sourcedId, a Clever section, a student in a section.

    Bad::

        == clever/enrollments.csv
        School_id,Section_id,Student_id
        101,S1,9
        101,S1,9

    Good::

        == clever/enrollments.csv
        School_id,Section_id,Student_id
        101,S1,9
        101,S1,10
    """
    for rel, table, resource, _kind in outputs.described():
        key = resource["schema"].get("primaryKey")
        if not key or any(column not in table for column in key):
            continue
        keys = list(zip(*(table.col(column) for column in key)))
        if len(set(keys)) == len(keys):
            continue
        seen: set[tuple] = set()
        for line, value in zip(table.lines, keys):
            if value in seen:
                yield Hit(f"{_describe(key, value)} is not unique", file=rel, line=line)
            seen.add(value)


def _describe(columns: list[str], values: tuple) -> str:
    return ", ".join(f"{c} {v}" for c, v in zip(columns, values))


@rule("PV611", "table.foreign-key", scope="output")
def table_foreign_key(outputs: Outputs) -> Iterator[Hit]:
    """Every reference resolves (``schema.foreignKeys``, and ``x-listForeignKeys`` for each id of a list field), composite keys too (a Clever enrollment's section in its school).

    Bad::

        == clever/sections.csv
        School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end
        101,S1,T1,,,Algebra - Smith,1,9,Algebra,MAT1,1,math,S1,2025-08-13,2025-12-19
        == clever/enrollments.csv
        School_id,Section_id,Student_id
        102,S1,9

    Good::

        == clever/sections.csv
        School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end
        101,S1,T1,,,Algebra - Smith,1,9,Algebra,MAT1,1,math,S1,2025-08-13,2025-12-19
        == clever/enrollments.csv
        School_id,Section_id,Student_id
        101,S1,9
    """
    for kind in ("oneroster", "clever"):
        tables = outputs.tables(kind)
        package = outputs.package(kind)
        by_name = {r["name"]: r for r in package["resources"]}
        for resource in package["resources"]:
            rel, table = tables[resource["path"]]
            fields = {f["name"]: f for f in _fields(resource)}
            for prop in formats.FOREIGN_KEYS:
                for key in resource["schema"].get(prop, []):
                    yield from _foreign_key(
                        rel, table, fields, key, by_name.get(key["reference"]["resource"], resource), tables
                    )


def _foreign_key(rel: str, table: Table, fields: dict, key: dict, target: dict, tables: dict) -> Iterator[Hit]:
    columns, target_columns = _as_list(key["fields"]), _as_list(key["reference"]["fields"])
    target_rel, target_table = tables[target["path"]]
    if any(c not in table for c in columns) or any(c not in target_table for c in target_columns):
        return  # the header rule says so
    where = f"{', '.join(target_columns)} of {target['path']}"
    if len(columns) == 1:
        column = columns[0]
        targets = set(target_table.col(target_columns[0]))
        field = fields.get(column, {})
        if field.get("type") == "list":
            delimiter = field.get("delimiter", ",")
            yield from _flag(
                rel, table, column,
                lambda v: any(x not in targets for x in _split(v, delimiter)),
                lambda v: f"{column} {delimiter.join(x for x in _split(v, delimiter) if x not in targets)} is not a {where}",
            )  # fmt: skip
        else:
            yield from _flag(
                rel, table, column, lambda v: v != "" and v not in targets, lambda v: f"{column} {v} is not a {where}"
            )
        return
    targets = set(zip(*(target_table.col(c) for c in target_columns)))
    for line, value in zip(table.lines, zip(*(table.col(c) for c in columns))):
        if "" not in value and value not in targets:
            yield Hit(
                f"{_describe(columns, value)}: no row of {target['path']} has this {', '.join(target_columns)}",
                file=rel,
                line=line,
            )


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


# --------------------------------------------------------------------------- OneRoster


@rule("PV620", "oneroster.manifest", scope="output")
def oneroster_manifest(outputs: Outputs) -> Iterator[Hit]:
    """``manifest.csv`` is there, says OneRoster 1.1, and marks each file ``bulk`` exactly when it is present.

    Bad::

        == oneroster/manifest.csv
        propertyName,value
        manifest.version,1.0
        oneroster.version,1.1
        file.academicSessions,absent
        file.categories,absent
        file.classes,absent
        file.classResources,absent
        file.courses,absent
        file.courseResources,absent
        file.demographics,absent
        file.enrollments,absent
        file.lineItems,absent
        file.orgs,absent
        file.resources,absent
        file.results,absent
        file.users,absent
        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,

    Good::

        == oneroster/manifest.csv
        propertyName,value
        manifest.version,1.0
        oneroster.version,1.1
        file.academicSessions,absent
        file.categories,absent
        file.classes,absent
        file.classResources,absent
        file.courses,absent
        file.courseResources,absent
        file.demographics,absent
        file.enrollments,absent
        file.lineItems,absent
        file.orgs,bulk
        file.resources,absent
        file.results,absent
        file.users,absent
        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,
    """
    if "oneroster" not in outputs.kinds:
        return
    rel = "oneroster/manifest.csv"
    tables = outputs.tables("oneroster")
    if "manifest.csv" not in tables:
        yield Hit("is missing", file=rel)
        return
    _rel, parsed = tables["manifest.csv"]
    manifest = dict(zip(parsed.col("propertyName"), parsed.col("value")))
    if manifest.get("manifest.version") != "1.0" or manifest.get("oneroster.version") != "1.1":
        yield Hit("needs manifest.version 1.0 and oneroster.version 1.1", file=rel)
    present = {name for name in tables if name != "manifest.csv"}
    for data_file in formats.ONEROSTER_MANIFEST_FILES:
        value = manifest.get(f"file.{data_file}")
        if value is None:
            yield Hit(f"file.{data_file} is missing", file=rel)
        elif value not in ("absent", "bulk", "delta"):
            yield Hit(f"file.{data_file} is {value!r}, not absent/bulk/delta", file=rel)
        elif (value != "absent") != (f"{data_file}.csv" in present):
            state = "present" if f"{data_file}.csv" in present else "absent"
            yield Hit(f"file.{data_file} is {value} but {data_file}.csv is {state}", file=rel)


@rule("PV621", "oneroster.zip", scope="output")
def oneroster_zip(outputs: Outputs) -> Iterator[Hit]:
    """``oneroster.zip`` holds exactly the folder's CSVs and its manifest (what an SFTP importer unpacks).

    Bad::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,
        == oneroster.zip
        orgs.csv
        users.csv

    Good::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,
        == oneroster.zip
        manifest.csv
        orgs.csv
    """
    if "oneroster" not in outputs.kinds:
        return
    present = {p.name for p in outputs.csv_files("oneroster")} | {"manifest.csv"}
    zip_path = outputs.out / "oneroster.zip"
    if not zip_path.is_file():
        yield Hit("is missing", file="oneroster.zip")
        return
    try:
        with zipfile.ZipFile(zip_path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        yield Hit(f"cannot be read as a ZIP: {exc}", file="oneroster.zip")
        return
    if names != present:
        yield Hit(f"holds {sorted(names)}, the folder {sorted(present)}", file="oneroster.zip")


@rule("PV622", "oneroster.empty-file", scope="output")
def oneroster_empty_file(outputs: Outputs) -> Iterator[Hit]:
    """A OneRoster file has data rows; a file with none is left out and marked ``absent`` in the manifest.

    Bad::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId

    Good::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,
    """
    for name, (rel, table) in outputs.tables("oneroster").items():
        if name != "manifest.csv" and not len(table):
            yield Hit(
                "has no data rows (leave it out and mark it absent)" if table.header else "is empty (no header)",
                file=rel,
            )


@rule("PV623", "oneroster.agents", scope="output")
def oneroster_agents(outputs: Outputs) -> Iterator[Hit]:
    """Students and their contacts list each other in ``agentSourcedIds``, both ways, and only each other.

    With ``[csv] quotes = false`` a list carries only its first value, so only the roles are checked.

    Bad::

        == oneroster/users.csv
        sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
        s1,,,true,o1,student,ann,,Ann,Lee,,,,,,,09,
        c1,,,true,o1,parent,bo,,Bo,Lee,,,,,,s1,,

    Good::

        == oneroster/users.csv
        sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
        s1,,,true,o1,student,ann,,Ann,Lee,,,,,,c1,09,
        c1,,,true,o1,parent,bo,,Bo,Lee,,,,,,s1,,
    """
    found = outputs.tables("oneroster").get("users.csv")
    if found is None or "agentSourcedIds" not in found[1] or "role" not in found[1]:
        return
    rel, users = found
    role = dict(zip(users.col("sourcedId"), users.col("role")))
    agents = {sid: set(_split(value)) for sid, value in zip(users.col("sourcedId"), users.col("agentSourcedIds"))}
    contact_roles = {"parent", "guardian", "relative"}
    for line, me in zip(users.lines, users.col("sourcedId")):
        mine = agents[me]
        if role[me] in contact_roles and not mine:
            yield Hit(f"{role[me]} {me} is linked to no student", file=rel, line=line)
        for other in sorted(mine):
            if other not in role:
                continue  # a foreign key (PV611)
            if role[me] == "student" and role[other] not in contact_roles:
                yield Hit(
                    f"student {me} lists {other} ({role[other]}), not a parent/guardian/relative", file=rel, line=line
                )
            elif role[me] in contact_roles and role[other] != "student":
                yield Hit(f"{role[me]} {me} lists {other} ({role[other]}), not a student", file=rel, line=line)
            if outputs.full_lists and me not in agents[other]:
                yield Hit(f"{me} lists {other} but {other} does not list {me}", file=rel, line=line)


@rule("PV624", "oneroster.primary-teacher", scope="output")
def oneroster_primary_teacher(outputs: Outputs) -> Iterator[Hit]:
    """Only teachers are primary, and a class has at most one primary teacher at any time (Apple School Manager refuses more).

    Bad::

        == oneroster/enrollments.csv
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,s1,t1,teacher,true,2025-08-13,2026-06-05
        e2,,,c1,s1,t2,teacher,true,2026-01-05,2026-06-05

    Good::

        == oneroster/enrollments.csv
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,s1,t1,teacher,true,2025-08-13,2026-01-04
        e2,,,c1,s1,t2,teacher,true,2026-01-05,2026-06-05
    """
    found = outputs.tables("oneroster").get("enrollments.csv")
    if found is None:
        return
    rel, enrollments = found
    by_class: dict[str, list[tuple[str, str, int, str]]] = defaultdict(list)
    columns = zip(enrollments.lines, enrollments.col("role"), enrollments.col("primary"), enrollments.col("classSourcedId"),
                  enrollments.col("userSourcedId"), enrollments.col("beginDate"), enrollments.col("endDate"))  # fmt: skip
    for line, role, primary, klass, user, begin, end in columns:
        if primary != "true":
            continue
        if role == "teacher":
            by_class[klass].append((begin or "0000-00-00", end or "9999-99-99", line, user))
        else:
            yield Hit(f"a {role} enrollment is primary", file=rel, line=line)
    for klass, spans in by_class.items():
        spans.sort()
        for (_b1, e1, _n1, u1), (b2, _e2, n2, u2) in zip(spans, spans[1:]):
            if b2 <= e1:
                yield Hit(f"class {klass} has two primary teachers at once ({u1}, {u2} from {b2})", file=rel, line=n2)


@rule("PV625", "oneroster.school-org", scope="output")
def oneroster_school_org(outputs: Outputs) -> Iterator[Hit]:
    """An enrollment's ``schoolSourcedId`` is an org of type ``school`` (not the district).

    Bad::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,
        == oneroster/enrollments.csv
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,d1,u1,student,false,,

    Good::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,
        s1,,,Lincoln High,school,,d1
        == oneroster/enrollments.csv
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,s1,u1,student,false,,
    """
    tables = outputs.tables("oneroster")
    if "enrollments.csv" not in tables or "orgs.csv" not in tables:
        return
    _rel, orgs = tables["orgs.csv"]
    not_schools = {sid for sid, kind in zip(orgs.col("sourcedId"), orgs.col("type")) if kind != "school"}
    rel, enrollments = tables["enrollments.csv"]
    yield from _flag(
        rel,
        enrollments,
        "schoolSourcedId",
        lambda v: v in not_schools,
        lambda v: f"schoolSourcedId {v} is not an org of type school",
    )


@rule("PV626", "output.date-order", scope="output")
def output_date_order(outputs: Outputs) -> Iterator[Hit]:
    """A record does not end before it begins (OneRoster sessions and enrollments, Ed-Fi associations).

    Bad::

        == oneroster/enrollments.csv
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,s1,u1,student,false,2025-08-13,2025-08-12

    Good::

        == oneroster/enrollments.csv
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,s1,u1,student,false,2025-08-13,2025-08-13
    """
    for rel, table in outputs.tables("oneroster").values():
        begin_column = "beginDate" if "beginDate" in table else "startDate"
        if begin_column in table and "endDate" in table:
            for line, begin, end in zip(table.lines, table.col(begin_column), table.col("endDate")):
                if begin and end and begin > end and _valid_date(begin) and _valid_date(end):
                    yield Hit(f"begins {begin} after it ends {end}", file=rel, line=line)
    for rel, _resource, objects in outputs.edfi_resources():
        for number, obj in enumerate(objects, start=1):
            if isinstance(obj, dict):
                begin, end = obj.get("beginDate"), obj.get("endDate")
                if isinstance(begin, str) and isinstance(end, str) and end < begin:
                    yield Hit(f"endDate {end} is before beginDate {begin}", file=rel, line=number + 1)


# --------------------------------------------------------------------------- Clever


@rule("PV630", "clever.teacher-twice", scope="output")
def clever_teacher_twice(outputs: Outputs) -> Iterator[Hit]:
    """A Clever section lists a teacher once (``Teacher_id``, ``Teacher_2_id``, ``Teacher_3_id`` differ).

    Bad::

        == clever/sections.csv
        School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end
        101,S1,T1,T1,,Algebra - Smith,1,9,Algebra,MAT1,1,math,S1,2025-08-13,2025-12-19

    Good::

        == clever/sections.csv
        School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end
        101,S1,T1,T2,,Algebra - Smith,1,9,Algebra,MAT1,1,math,S1,2025-08-13,2025-12-19
    """
    found = outputs.tables("clever").get("sections.csv")
    if found is None:
        return
    rel, table = found
    teachers = zip(
        table.lines,
        table.col("Section_id"),
        table.col("Teacher_id"),
        table.col("Teacher_2_id"),
        table.col("Teacher_3_id"),
    )
    for line, section, *ids in teachers:
        listed = [i for i in ids if i]
        if len(set(listed)) != len(listed):
            yield Hit(f"section {section} lists a teacher twice", file=rel, line=line)


# --------------------------------------------------------------------------- JSON: Ed-Fi and attendance


@rule("PV640", "json.document", scope="output")
def json_document(outputs: Outputs) -> Iterator[Hit]:
    """A JSON output parses and has its shape: an Ed-Fi file is an array of resources, an attendance file maps section ids to bodies.

    Bad::

        == edfi/studentSectionAssociation.json
        {"beginDate": "2025-08-13"}

    Good::

        == edfi/studentSectionAssociation.json
        []
    """
    for kind, expected, shape in (
        ("edfi", list, "must hold a JSON array of resources"),
        ("attendance", dict, "must map section ids to PUT bodies"),
    ):
        for rel, document in outputs.documents(kind):
            if isinstance(document, _NotJson):
                yield Hit(f"is not JSON: {document.error}", file=rel)
            elif not isinstance(document, expected):
                yield Hit(shape, file=rel)


@cache
def _edfi_validator(resource: str):
    return fastjsonschema.compile(formats.edfi_validation_schema(resource))


def _schema_message(exc: fastjsonschema.JsonSchemaValueException, path: str) -> tuple[str, str]:
    """``fastjsonschema``'s error as (where, what), in the words of the format."""
    where = ".".join(str(p) for p in exc.path[1:]) or path
    value, rule_name, definition = exc.value, exc.rule, exc.rule_definition
    if rule_name == "required":
        present = set(value) if isinstance(value, dict) else set()
        missing = [name for name in definition if name not in present]
        prefix = "" if where == path else where + "."
        return where, ", ".join(f"{prefix}{name}" for name in missing) + " is required"
    if rule_name == "additionalProperties":
        known = set((exc.definition or {}).get("properties", {}))
        extra = sorted(set(value) - known) if isinstance(value, dict) else []
        prefix = "" if where == path else where + "."
        return where, ", ".join(f"{prefix}{name}" for name in extra) + " is not a property of the resource"
    if value is None:
        return where, f"{where} is null (leave optional fields out)"
    if rule_name == "type":
        return where, f"{where} {value!r} must be {definition}"
    if rule_name == "format" and definition == "date":
        return where, f"{where} {value!r} is not a YYYY-MM-DD date"
    if rule_name == "pattern" and where.endswith("Descriptor"):
        return where, f"{where} {value!r} is not uri://…#…"
    if rule_name == "enum":
        return where, f"{where} {value!r} is not one of {', '.join(map(str, definition))}"
    detail = exc.message.removeprefix(f"data.{where} ").removeprefix("data ")
    return where, f"{where} {value!r} {detail}"


@rule("PV641", "edfi.schema", scope="output")
def edfi_schema(outputs: Outputs) -> Iterator[Hit]:
    """An Ed-Fi resource follows the DS 5.0 schema: required properties, no unknown one, types, dates, lengths, no null, descriptors as ``uri://…#…``.

    The first violation of each resource is reported.

    Bad::

        == edfi/studentSectionAssociation.json
        [
        {"beginDate": "08/13/2025", "sectionReference": {"localCourseCode": "ALG1", "schoolId": 35042101, "schoolYear": 2026, "sectionIdentifier": "ALG1-1", "sessionName": "S1"}, "studentReference": {"studentUniqueId": "3500000001"}}
        ]

    Good::

        == edfi/studentSectionAssociation.json
        [
        {"beginDate": "2025-08-13", "sectionReference": {"localCourseCode": "ALG1", "schoolId": 35042101, "schoolYear": 2026, "sectionIdentifier": "ALG1-1", "sessionName": "S1"}, "studentReference": {"studentUniqueId": "3500000001"}}
        ]
    """
    for rel, resource, objects in outputs.edfi_resources():
        validate = _edfi_validator(resource)
        for number, obj in enumerate(objects, start=1):
            try:
                validate(obj)
            except fastjsonschema.JsonSchemaValueException as exc:
                yield Hit(_schema_message(exc, "the resource")[1], file=rel, line=number + 1)


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


@rule("PV642", "edfi.identity", scope="output")
def edfi_identity(outputs: Outputs) -> Iterator[Hit]:
    """No two Ed-Fi resources of a file share an identity (the ``x-Ed-Fi-isIdentity`` properties and the references): the ODS/API would update, not add.

    Bad::

        == edfi/studentSectionAssociation.json
        [
        {"beginDate": "2025-08-13", "sectionReference": {"localCourseCode": "ALG1", "schoolId": 35042101, "schoolYear": 2026, "sectionIdentifier": "ALG1-1", "sessionName": "S1"}, "studentReference": {"studentUniqueId": "3500000001"}},
        {"beginDate": "2025-08-13", "sectionReference": {"localCourseCode": "ALG1", "schoolId": 35042101, "schoolYear": 2026, "sectionIdentifier": "ALG1-1", "sessionName": "S1"}, "studentReference": {"studentUniqueId": "3500000001"}, "endDate": "2025-12-19"}
        ]

    Good::

        == edfi/studentSectionAssociation.json
        [
        {"beginDate": "2025-08-13", "sectionReference": {"localCourseCode": "ALG1", "schoolId": 35042101, "schoolYear": 2026, "sectionIdentifier": "ALG1-1", "sessionName": "S1"}, "studentReference": {"studentUniqueId": "3500000001"}},
        {"beginDate": "2026-01-05", "sectionReference": {"localCourseCode": "ALG1", "schoolId": 35042101, "schoolYear": 2026, "sectionIdentifier": "ALG1-1", "sessionName": "S1"}, "studentReference": {"studentUniqueId": "3500000001"}}
        ]
    """
    for rel, resource, objects in outputs.edfi_resources():
        schema = formats.edfi_schema(resource)
        identity = [
            prop
            for prop, prop_schema in sorted(schema.get("properties", {}).items())
            if prop_schema.get("x-Ed-Fi-isIdentity") or ("$ref" in prop_schema and prop.endswith("Reference"))
        ]
        seen: dict[tuple, int] = {}
        for number, obj in enumerate(objects, start=1):
            if isinstance(obj, dict):
                key = tuple(_hashable(obj.get(prop)) for prop in identity)
                if key in seen:
                    yield Hit(f"same identity as item {seen[key]}", file=rel, line=number + 1)
                seen.setdefault(key, number)


@cache
def _attendance_validators():
    definitions = formats.schoology_attendance_schema()["definitions"]
    return fastjsonschema.compile(definitions["body"]), fastjsonschema.compile(definitions["entry"])


def _attendance_entries(outputs: Outputs) -> Iterator[tuple[str, str, object]]:
    for rel, sections in outputs.documents("attendance"):
        if isinstance(sections, dict):
            for section, body in sections.items():
                yield rel, section, body


@rule("PV650", "attendance.schema", scope="output")
def attendance_schema(outputs: Outputs) -> Iterator[Hit]:
    """Each section's body is a Schoology attendance PUT body: ``{"attendances": {"attendance": [...]}}`` of integer ``enrollment_id``, YYYY-MM-DD ``date``, ``status`` 1-4 and an optional text ``comment``.

    Bad::

        == attendance/section_attendance.json
        {"10001": {"attendances": {"attendance": [{"enrollment_id": "5", "date": "2026-01-14", "status": 3}]}}}

    Good::

        == attendance/section_attendance.json
        {"10001": {"attendances": {"attendance": [{"enrollment_id": 5, "date": "2026-01-14", "status": 3, "comment": "bus"}]}}}
    """
    check_body, check_entry = _attendance_validators()
    for rel, section, body in _attendance_entries(outputs):
        try:
            check_body(body)
        except fastjsonschema.JsonSchemaValueException:
            yield Hit(
                f'section {section}: not a Schoology body {{"attendances": {{"attendance": [...]}}}} with attendances',
                file=rel,
            )
            continue
        for number, entry in enumerate(body["attendances"]["attendance"], start=1):
            try:
                check_entry(entry)
            except fastjsonschema.JsonSchemaValueException as exc:
                yield Hit(f"section {section}, attendance {number}: {_schema_message(exc, 'the entry')[1]}", file=rel)


@rule("PV651", "attendance.unique", scope="output")
def attendance_unique(outputs: Outputs) -> Iterator[Hit]:
    """A section's body gives an enrollment one status a day.

    Bad::

        == attendance/section_attendance.json
        {"10001": {"attendances": {"attendance": [{"enrollment_id": 5, "date": "2026-01-14", "status": 3}, {"enrollment_id": 5, "date": "2026-01-14", "status": 2}]}}}

    Good::

        == attendance/section_attendance.json
        {"10001": {"attendances": {"attendance": [{"enrollment_id": 5, "date": "2026-01-14", "status": 3}, {"enrollment_id": 5, "date": "2026-01-15", "status": 2}]}}}
    """
    for rel, section, body in _attendance_entries(outputs):
        entries = (
            body.get("attendances", {}).get("attendance")
            if isinstance(body, dict) and isinstance(body.get("attendances"), dict)
            else None
        )
        if not isinstance(entries, list):
            continue
        seen = set()
        for entry in entries:
            if isinstance(entry, dict):
                key = (_hashable(entry.get("enrollment_id")), _hashable(entry.get("date")))
                if key in seen:
                    yield Hit(f"section {section}: enrollment {key[0]} has two statuses on {key[1]}", file=rel)
                seen.add(key)


# --------------------------------------------------------------------------- running them


# --------------------------------------------------------------------------- the district behind the outputs


@dataclass(frozen=True)
class DistrictData:
    """What a district-scope rule reads: the preview database and the kinds of output written."""

    con: object  # a DuckDB connection
    kinds: frozenset[str]


@rule("PV643", "edfi.school-id", scope="district")
def edfi_school_id(district: DistrictData) -> Iterator[Hit]:
    """Every state-reported school gets an Ed-Fi ``schoolId``: the district number and the school's
    state number each fit their 3 digits (the Ed-Fi queries give no id rather than a cut one).

    Bad::

        -- district
        INSERT INTO PREFS (NAME, VALUE) VALUES ('districtnumber', '35');
        INSERT INTO SCHOOLS (NAME, SCHOOL_NUMBER, ALTERNATE_SCHOOL_NUMBER) VALUES ('Lincoln Elementary', 1050, 0);

    Good::

        -- district
        INSERT INTO PREFS (NAME, VALUE) VALUES ('districtnumber', '35');
        INSERT INTO SCHOOLS (NAME, SCHOOL_NUMBER, ALTERNATE_SCHOOL_NUMBER) VALUES ('Lincoln Elementary', 1050, 105);
    """
    if "edfi" not in district.kinds:
        return  # no Ed-Fi output, no Ed-Fi id to make
    import duckdb

    con = district.con
    try:
        lea = con.execute("SELECT MAX(CAST(VALUE AS VARCHAR)) FROM PREFS WHERE NAME = 'districtnumber'").fetchone()[0]
        schools = con.execute(
            "SELECT NAME, SCHOOL_NUMBER, CASE WHEN ALTERNATE_SCHOOL_NUMBER > 0 THEN ALTERNATE_SCHOOL_NUMBER ELSE SCHOOL_NUMBER END "
            "FROM SCHOOLS WHERE COALESCE(STATE_EXCLUDEFROMREPORTING, 0) = 0 ORDER BY SCHOOL_NUMBER"
        ).fetchall()
    except duckdb.Error:
        return  # a database without these tables has no Ed-Fi ids to judge
    lea_fits = re.fullmatch(r"[0-9]{1,3}", (lea or "0").strip()) is not None
    for name, number, state_number in schools:
        if not lea_fits:
            reason = f"the district number {lea!r} (PREFS districtnumber) does not fit 3 digits"
        elif state_number is None or not 0 <= int(state_number) <= 999:
            reason = f"its state school number {state_number} does not fit 3 digits"
        else:
            continue
        yield Hit(
            f"school {name!r} ({number}) has no Ed-Fi schoolId: {reason}",
            file="edfi",
            hint="give the school an ALTERNATE_SCHOOL_NUMBER of at most 3 digits (the state's number), or fix PREFS districtnumber",
        )


def check_district(con, kinds: Iterable[str]) -> list[Finding]:
    """The district-scope rules on the preview database, for the outputs written (``kinds``)."""
    from plugin_builder.checks.engine import RULES

    district = DistrictData(con, frozenset(kinds))
    rules = sorted((r for r in RULES.values() if r.scope == "district"), key=lambda r: r.code)
    return [_finding(rule_, hit) for rule_ in rules for hit in rule_.func(district)]


def output_rules() -> list[Rule]:
    from plugin_builder.checks.engine import RULES

    return sorted((r for r in RULES.values() if r.scope == "output"), key=lambda r: r.code)


def check_outputs(
    out: Path, kinds: Iterable[str] | None = None, full_lists: bool = True, rules: Iterable[Rule] | None = None
) -> list[Finding]:
    """Every preview rule (or ``rules``) on the files in ``out``; at most :data:`MAX_PER_RULE`
    findings per rule and file are listed, then one saying how many more."""
    outputs = Outputs(out, kinds, full_lists)
    findings: list[Finding] = []
    for rule_ in rules or output_rules():
        counts: dict[str, int] = defaultdict(int)
        try:
            for hit in rule_.func(outputs):
                counts[hit.file or ""] += 1
                if counts[hit.file or ""] <= MAX_PER_RULE:
                    findings.append(_finding(rule_, hit))
        except Exception as exc:  # noqa: BLE001 (one broken rule must not hide the others' findings)
            findings.append(
                Finding(
                    "PB900",
                    Severity.ERROR,
                    f"rule {rule_.code} could not check these outputs ({type(exc).__name__}: {exc}); please report it",
                    rule="internal-error",
                )
            )
        for file, count in sorted(counts.items()):
            if count > MAX_PER_RULE:
                findings.append(_finding(rule_, Hit(f"… {count - MAX_PER_RULE} more like these", file=file or None)))
    return sort_findings(findings)


def _finding(rule_: Rule, hit: Hit) -> Finding:
    return Finding(
        rule_.code, hit.severity or rule_.severity, hit.message, hit.file, hit.line, hit.column, hit.hint, rule_.name
    )


def output_kind(finding: Finding) -> str:
    """The output a finding is about: the first folder of its file (``oneroster.zip`` is OneRoster's)."""
    return (finding.file or "").split("/", 1)[0].removesuffix(".zip")

"""Rules for any output file: encoding, CSV shape, the formats' data packages (PV600-PV611)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path


from plugin_builder.checks.engine import Hit, rule
from plugin_builder.preview import formats

from plugin_builder.preview.checkers.outputs import (
    Outputs,
    Table,
    _fields,
    _flag,
    _missing,
    _split,
    _valid_date,
)


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

"""JSON documents and Ed-Fi's rules: the DS 5.0 schema, identities, school ids (PV640-PV643)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import fastjsonschema

from plugin_builder.checks.engine import Hit, rule
from plugin_builder.preview import formats

from plugin_builder.preview.checkers.outputs import (
    _hashable,
    _schema_message,
    Outputs,
    _NotJson,
)
from plugin_builder.preview.checkers.outputs import DistrictData


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
                # _hashable's key, built inline (a quarter of a million objects at 50 000 students);
                # a value it would print (a list, a reference holding one) is not hashable here
                key = tuple([tuple(v.items()) if type(v) is dict else v for v in map(obj.get, identity)])
                try:
                    first = seen.setdefault(key, number)
                except TypeError:
                    key = tuple(_hashable(obj.get(prop)) for prop in identity)
                    first = seen.setdefault(key, number)
                if first != number:
                    yield Hit(f"same identity as item {first}", file=rel, line=number + 1)


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

"""Facts about the receiving formats that writers and checkers share.

Kept apart from the query sidecars on purpose: the checkers compare what the queries
produce against these facts, not against the queries' own aliases. The CSV formats are
declared as Frictionless Data Packages (``data/*.datapackage.json``), Ed-Fi by its DS 5.0
OpenAPI schema, Schoology's attendance bodies by a JSON Schema
(``data/schoology-attendance.schema.json``).
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache

from plugin_builder.resources import data_path


@cache
def data_package(kind: str) -> dict:
    """The Frictionless Data Package descriptor of a CSV output (``oneroster``, ``clever``):
    each file's fields in order, types, constraints (required, enum, pattern, maxLength),
    primary and foreign keys. Package data; the checkers judge the files by it."""
    with open(data_path(DATA_PACKAGES[kind]), encoding="utf-8") as handle:
        return json.load(handle)


DATA_PACKAGES = {"oneroster": "oneroster-1.1.datapackage.json", "clever": "clever.datapackage.json"}


def data_package_for(kind: str, present: set[str]) -> dict:
    """The descriptor restricted to the files ``present`` (a file left out is no resource,
    and no foreign key points at it), so standard tools can validate the folder as written."""
    package = copy.deepcopy(data_package(kind))
    package["resources"] = [r for r in package["resources"] if r["path"] in present]
    names = {r["name"] for r in package["resources"]}
    for resource in package["resources"]:
        schema = resource["schema"]
        for prop in FOREIGN_KEYS:
            keys = [fk for fk in schema.get(prop, []) if fk["reference"]["resource"] in names | {""}]
            if keys:
                schema[prop] = keys
            else:
                schema.pop(prop, None)
    return package


# Table Schema's foreignKeys, and ours for list fields: each item of the list must resolve
# (the standard defines foreign keys on whole values only, and standard tools skip x- keys).
FOREIGN_KEYS = ("foreignKeys", "x-listForeignKeys")


def headers(kind: str) -> dict[str, list[str]]:
    """File name -> its header, from the data package (the manifest left out)."""
    return {
        r["path"]: [f["name"] for f in r["schema"]["fields"]]
        for r in data_package(kind)["resources"]
        if r["path"] != "manifest.csv"
    }


ONEROSTER_HEADERS = headers("oneroster")
CLEVER_HEADERS = headers("clever")

# The 13 data files of a OneRoster 1.1 manifest, in the manifest's order.
ONEROSTER_MANIFEST_FILES = [
    "academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
    "demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users",
]  # fmt: skip

EDFI_HEADERS = {
    "studentSectionAssociation": "beginDate,localCourseCode,schoolId,schoolYear,sectionIdentifier,sessionName,studentUniqueId,endDate".split(
        ","
    ),
    "staffSectionAssociation": "beginDate,classroomPositionDescriptor,localCourseCode,schoolId,schoolYear,sectionIdentifier,sessionName,staffUniqueId,endDate".split(
        ","
    ),
    "studentCohortAssociation": "beginDate,cohortIdentifier,educationOrganizationId,studentUniqueId,endDate".split(","),
}
CLASSROOM_POSITIONS = {
    "uri://ed-fi.org/ClassroomPositionDescriptor#Teacher of Record",
    "uri://ed-fi.org/ClassroomPositionDescriptor#Support Teacher",
    "uri://ed-fi.org/ClassroomPositionDescriptor#Assistant Teacher",
    "uri://ed-fi.org/ClassroomPositionDescriptor#Substitute Teacher",
}


@cache
def edfi_schemas() -> dict[str, dict]:
    """``components.schemas`` of the Ed-Fi DS 5.0 roster subset (package data, Apache-2.0)."""
    with open(data_path("edfi-ds5.0-roster-subset.json"), encoding="utf-8") as handle:
        return json.load(handle)["components"]["schemas"]


def edfi_schema(resource: str) -> dict | None:
    return edfi_schemas().get(f"edFi_{resource}")


def resolve(schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref:
        return edfi_schemas()[ref.rsplit("/", 1)[1]]
    return schema


def edfi_resource_for(query_name: str, file_name: str = "") -> str | None:
    """``ed_fi_student_section_associations`` → ``studentSectionAssociation`` (if the schema has it)."""
    candidates = []
    if file_name:
        stem = file_name.rsplit("/", 1)[-1].split(".")[0]
        candidates.append(stem[:1].lower() + stem[1:])
    name = query_name
    for prefix in ("ed_fi_", "edfi_"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    parts = name.split("_")
    candidates.append(parts[0] + "".join(p.title() for p in parts[1:]))
    for candidate in candidates:
        for form in (candidate, candidate[:-1] if candidate.endswith("s") else candidate):
            if edfi_schema(form) is not None:
                return form
    # a resource named inside the query name: demo_ed_fi_student_section_associations
    found = [
        resource
        for resource in (name[len("edFi_") :] for name in edfi_schemas() if name.startswith("edFi_"))
        if re.sub(r"(?<!^)(?=[A-Z])", "_", resource).lower() in query_name and not resource.endswith("Reference")
    ]
    return max(found, key=len) if found else None


DESCRIPTOR_PATTERN = "^uri://[^#]+#.+$"


@cache
def edfi_validation_schema(resource: str) -> dict | None:
    """A standalone JSON Schema of one Ed-Fi resource, as the ODS/API accepts it: the DS 5.0
    schema plus what its OpenAPI form leaves to the server — no unknown property, descriptors
    as ``uri://…#…``, ``int32`` in range, the default classroom positions."""
    if edfi_schema(resource) is None:
        return None
    components = copy.deepcopy(edfi_schemas())
    for name, schema in components.items():
        if "properties" not in schema:
            continue
        schema["additionalProperties"] = False
        for prop, prop_schema in schema["properties"].items():
            if prop.endswith("Descriptor") and prop_schema.get("type") == "string":
                prop_schema["pattern"] = DESCRIPTOR_PATTERN
            if prop_schema.get("format") == "int32":
                prop_schema.setdefault("minimum", -(2**31))
                prop_schema.setdefault("maximum", 2**31 - 1)
    position = components["edFi_staffSectionAssociation"]["properties"].get("classroomPositionDescriptor")
    if position is not None:
        position["enum"] = sorted(CLASSROOM_POSITIONS)
    return {"$ref": f"#/components/schemas/edFi_{resource}", "components": {"schemas": components}}


@cache
def schoology_attendance_schema() -> dict:
    """JSON Schemas of a Schoology attendance PUT body and of one of its entries."""
    with open(data_path("schoology-attendance.schema.json"), encoding="utf-8") as handle:
        return json.load(handle)

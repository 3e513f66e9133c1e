"""Facts about the receiving formats that writers and checkers share (reference/output-formats.md).

Kept apart from the query sidecars on purpose: the checkers compare what the queries
produce against these hand-written facts, not against the queries' own aliases.
"""

from __future__ import annotations

import json
import re
from functools import cache

from plugin_builder.resources import data_path

ONEROSTER_HEADERS = {
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    "academicSessions.csv": "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear",
    "courses.csv": "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes",
    "classes.csv": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
    "users.csv": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password",
    "enrollments.csv": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate",
    "demographics.csv": "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus",
}
ONEROSTER_HEADERS = {name: header.split(",") for name, header in ONEROSTER_HEADERS.items()}

# The 13 data files of a OneRoster 1.1 manifest, in the manifest's order.
ONEROSTER_MANIFEST_FILES = [
    "academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
    "demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users",
]  # fmt: skip

ONEROSTER_REQUIRED = {
    "orgs.csv": ["sourcedId", "name", "type"],
    "academicSessions.csv": ["sourcedId", "title", "type", "startDate", "endDate", "schoolYear"],
    "courses.csv": ["sourcedId", "title", "orgSourcedId"],
    "classes.csv": ["sourcedId", "title", "courseSourcedId", "classType", "schoolSourcedId", "termSourcedIds"],
    "users.csv": ["sourcedId", "enabledUser", "orgSourcedIds", "role", "username", "givenName", "familyName"],
    "enrollments.csv": ["sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"],
    "demographics.csv": ["sourcedId"],
}

GRADES = "IT PR PK TK KG 01 02 03 04 05 06 07 08 09 10 11 12 13 PS UG Other".split()
TRUE_FALSE = ["true", "false"]
ONEROSTER_ENUMS = {
    ("orgs.csv", "type"): "department school district local state national".split(),
    ("academicSessions.csv", "type"): "gradingPeriod semester schoolYear term".split(),
    ("classes.csv", "classType"): ["homeroom", "scheduled"],
    ("users.csv", "role"): "administrator aide guardian parent proctor relative student teacher".split(),
    ("users.csv", "enabledUser"): TRUE_FALSE,
    ("enrollments.csv", "role"): "administrator proctor student teacher".split(),
    ("enrollments.csv", "primary"): TRUE_FALSE,
    ("demographics.csv", "sex"): ["male", "female"],
    **{
        ("demographics.csv", c): TRUE_FALSE
        for c in (
            "americanIndianOrAlaskaNative asian blackOrAfricanAmerican nativeHawaiianOrOtherPacificIslander "
            "white demographicRaceTwoOrMoreRaces hispanicOrLatinoEthnicity"
        ).split()
    },
}
ONEROSTER_GRADE_LISTS = [("users.csv", "grades"), ("classes.csv", "grades"), ("courses.csv", "grades")]
ONEROSTER_DATES = {
    "academicSessions.csv": ["startDate", "endDate"],
    "enrollments.csv": ["beginDate", "endDate"],
    "demographics.csv": ["birthDate"],
}
# (file, column, target file, list?) — every GUID reference (output-formats.md §6.4)
ONEROSTER_REFERENCES = [
    ("orgs.csv", "parentSourcedId", "orgs.csv", False),
    ("academicSessions.csv", "parentSourcedId", "academicSessions.csv", False),
    ("courses.csv", "schoolYearSourcedId", "academicSessions.csv", False),
    ("courses.csv", "orgSourcedId", "orgs.csv", False),
    ("classes.csv", "courseSourcedId", "courses.csv", False),
    ("classes.csv", "schoolSourcedId", "orgs.csv", False),
    ("classes.csv", "termSourcedIds", "academicSessions.csv", True),
    ("users.csv", "orgSourcedIds", "orgs.csv", True),
    ("users.csv", "agentSourcedIds", "users.csv", True),
    ("enrollments.csv", "classSourcedId", "classes.csv", False),
    ("enrollments.csv", "schoolSourcedId", "orgs.csv", False),
    ("enrollments.csv", "userSourcedId", "users.csv", False),
    ("demographics.csv", "sourcedId", "users.csv", False),
]

CLEVER_HEADERS = {
    "sections.csv": "School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end".split(","),
    "enrollments.csv": "School_id,Section_id,Student_id".split(","),
}
CLEVER_REQUIRED = {"sections.csv": ["School_id", "Section_id", "Teacher_id"], "enrollments.csv": ["School_id", "Section_id", "Student_id"]}
CLEVER_SUBJECTS = [
    "english/language arts", "math", "science", "social studies", "language", "homeroom/advisory",
    "interventions/online learning", "technology and engineering", "PE and health", "arts and music", "other",
]  # fmt: skip
CLEVER_GRADES = [str(n) for n in range(1, 14)] + [
    "PreKindergarten", "TransitionalKindergarten", "Kindergarten", "InfantToddler", "Preschool",
    "PostGraduate", "Ungraded", "Other",
]  # fmt: skip

SCHOOLOGY_STATUSES = {1, 2, 3, 4}

EDFI_HEADERS = {
    "studentSectionAssociation": "beginDate,localCourseCode,schoolId,schoolYear,sectionIdentifier,sessionName,studentUniqueId,endDate".split(","),
    "staffSectionAssociation": "beginDate,classroomPositionDescriptor,localCourseCode,schoolId,schoolYear,sectionIdentifier,sessionName,staffUniqueId,endDate".split(","),
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

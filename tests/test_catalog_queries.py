"""The catalogue queries run on DuckDB against the base district plus extra rows.

The district is tests/fixtures/district/ (owned by the foundation tests) with the rows of
tests/fixtures/district_extra/ appended; tests/fixtures/district_extra/README.md says which
row covers which rule of docs/catalog.md. Expected outputs, written by hand, are in
tests/fixtures/expected_extra/ (example configuration, yearid unset, "today" 2026-01-15).
"""

from __future__ import annotations

import csv
import dataclasses

import duckdb
import pytest

from conftest import EXAMPLE_CONFIG, FIXTURES, TODAY, load_district
from plugin_builder.sql.oracle import compat
from plugin_builder.sql.oracle.binds import arg_families, typed_binds
from plugin_builder.sql.analysis import field_uses
from plugin_builder.project.catalog import load_catalog
from plugin_builder.project.config import load_project
from plugin_builder.sql.dictionary import load_dictionary
from plugin_builder.pipeline import validate
from plugin_builder.build.render import render_query
from plugin_builder.resources import builtin_queries_dir
from plugin_builder.build.templating import sql_environment

EXTRA = FIXTURES / "district_extra"
EXPECTED = FIXTURES / "expected_extra"

NEW_QUERIES = [
    "one_roster_orgs",
    "one_roster_academic_sessions",
    "one_roster_courses",
    "one_roster_demographics",
    "ed_fi_student_section_associations",
    "ed_fi_staff_section_associations",
    "ed_fi_student_cohort_associations",
    "clever_sections",
    "clever_enrollments",
    "section_attendance",
]

# Receivers' headers, copied from their specifications (independent of the sidecars):
# OneRoster 1.1 CSV, Ed-Fi DS 5.0 properties, Clever SFTP, the Schoology attendance fields.
HEADERS = {
    "one_roster_orgs": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    "one_roster_academic_sessions": "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear",
    "one_roster_courses": "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes",
    "one_roster_demographics": "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus",
    "ed_fi_student_section_associations": "beginDate,localCourseCode,schoolId,schoolYear,sectionIdentifier,sessionName,studentUniqueId,endDate",
    "ed_fi_staff_section_associations": "beginDate,classroomPositionDescriptor,localCourseCode,schoolId,schoolYear,sectionIdentifier,sessionName,staffUniqueId,endDate",
    "ed_fi_student_cohort_associations": "beginDate,cohortIdentifier,educationOrganizationId,studentUniqueId,endDate",
    "clever_sections": "School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end",
    "clever_enrollments": "School_id,Section_id,Student_id",
    "section_attendance": "section_id,student_id,cc_id,date,status,comment",
}

# The foundation's three OneRoster files (OneRoster 1.1 CSV).
FOUNDATION_HEADERS = {
    "one_roster_users": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password",
    "one_roster_classes": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
    "one_roster_enrollments": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate",
}

CLEVER_GRADES = {str(n) for n in range(1, 14)} | {
    "PreKindergarten",
    "TransitionalKindergarten",
    "Kindergarten",
    "InfantToddler",
    "Preschool",
    "PostGraduate",
    "Ungraded",
    "Other",
    "",
}
CLEVER_SUBJECTS = {
    "english/language arts",
    "math",
    "science",
    "social studies",
    "language",
    "homeroom/advisory",
    "interventions/online learning",
    "technology and engineering",
    "PE and health",
    "arts and music",
    "other",
    "",
}


def load_full_district() -> duckdb.DuckDBPyConnection:
    """The base district with tests/fixtures/district_extra/ appended (same CSV format)."""
    con = load_district(FIXTURES / "district")
    for extra in sorted(EXTRA.glob("*.csv")):
        con.execute(
            f'INSERT INTO "{extra.stem.upper()}" BY NAME '
            f"SELECT * FROM read_csv('{extra}', header = true, all_varchar = true, quote = '\"')"
        )
    return con


@pytest.fixture(scope="module")
def full_district() -> duckdb.DuckDBPyConnection:
    return load_full_district()


def project_with(**sections):
    """The example project with some config sections changed: edfi={'state_prefix': '42'}."""
    project = load_project(EXAMPLE_CONFIG)
    changes = {name: dataclasses.replace(getattr(project, name), **values) for name, values in sections.items()}
    return dataclasses.replace(project, **changes)


def run_query(con, name: str, project=None, **binds) -> list[list[str]]:
    project = project or project_with()
    spec = next(s for s in load_catalog(project) if s.name == name)
    rendered = render_query(project, spec)
    values = typed_binds(spec.args, binds)  # as PowerSchool binds them: by each arg's column=
    rows = compat.run(con, rendered.sql, values, TODAY, arg_families(spec.args))
    return [["" if v is None else str(v) for v in row] for row in rows]


def read_expected(name: str) -> tuple[list[str], list[list[str]]]:
    with open(EXPECTED / f"{name}.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def column(rows: list[list[str]], header: str, name: str) -> list[str]:
    return [row[HEADERS[header].split(",").index(name)] for row in rows]


# --- every query: expected rows, headers, catalogue metadata --------------------------------


@pytest.mark.parametrize("query", NEW_QUERIES)
def test_query_returns_expected_rows(full_district, query):
    _header, rows = read_expected(query)
    binds = {"start_date": "2026-01-12", "end_date": "2026-01-15"} if query == "section_attendance" else {}
    assert run_query(full_district, query, **binds) == rows


def test_sql_aliases_fit_oracle_and_follow_the_sidecar():
    """Every SQL alias is at most 30 bytes and is the column's sql_alias, else its header."""
    import sqlglot

    project = project_with()
    for spec in load_catalog(project):
        statement = sqlglot.parse_one(render_query(project, spec).sql, read="oracle")
        names = [e.alias_or_name for e in statement.selects]
        assert names == [c.select_alias for c in spec.columns], spec.name
        assert all(len(n.encode()) <= 30 for n in names), spec.name


@pytest.mark.parametrize("query", NEW_QUERIES)
def test_aliases_are_the_receivers_headers(query):
    spec = next(s for s in load_catalog(project_with()) if s.name == query)
    assert ",".join(spec.headers) == HEADERS[query]
    header, _ = read_expected(query)
    assert header == spec.headers


@pytest.mark.parametrize("query", NEW_QUERIES)
def test_catalogue_metadata(query):
    spec = next(s for s in load_catalog(project_with()) if s.name == query)
    assert 0 < len(spec.summary) <= 50
    assert spec.description and spec.file_name
    year_scoped = not query.startswith(("one_roster_orgs", "one_roster_demographics", "section_"))
    if year_scoped:
        assert [(a.name, a.column, a.required) for a in spec.args] == [("yearid", "TERMS.YEARID", False)]
    elif query == "section_attendance":
        assert [(a.name, a.column) for a in spec.args] == [
            ("start_date", "ATTENDANCE.ATT_DATE"),
            ("end_date", "ATTENDANCE.ATT_DATE"),
        ]
    else:
        assert spec.args == ()


@pytest.mark.parametrize("query", NEW_QUERIES)
def test_sql_reads_only_dictionary_fields(query):
    """Every table.field the SQL reads and every column= target is in the dictionary."""
    dictionary = load_dictionary()
    project = project_with()
    spec = next(s for s in load_catalog(project) if s.name == query)
    sql = render_query(project, spec).sql
    used = {(use.table, use.field) for use in field_uses(sql)}
    used |= {tuple(c.column.split(".")) for c in spec.columns}
    used |= {tuple(a.column.split(".")) for a in spec.args}
    unknown = sorted(f"{t}.{f}" for t, f in used if f not in dictionary.get(t, {}))
    assert unknown == []


def test_example_plugin_validates_with_every_catalogue_query():
    validated = validate(EXAMPLE_CONFIG)
    names = {q.spec.name for q in validated.tree.queries}
    assert set(NEW_QUERIES) <= names
    assert [f for f in validated.findings if f.severity.name == "ERROR"] == []


# --- OneRoster: the seven files reference each other ----------------------------------------


def test_oneroster_files_reference_each_other(full_district):
    def rows(name):
        header = (HEADERS | FOUNDATION_HEADERS)[name].split(",")
        return [dict(zip(header, r)) for r in run_query(full_district, name)]

    orgs = {r["sourcedId"]: r for r in rows("one_roster_orgs")}
    sessions = {r["sourcedId"]: r for r in rows("one_roster_academic_sessions")}
    courses = {r["sourcedId"]: r for r in rows("one_roster_courses")}
    classes = {r["sourcedId"]: r for r in rows("one_roster_classes")}
    users = {r["sourcedId"]: r for r in rows("one_roster_users")}
    enrollments = rows("one_roster_enrollments")
    demographics = rows("one_roster_demographics")

    def ids(value):
        return [v for v in value.split(",") if v]

    for org in orgs.values():
        assert org["parentSourcedId"] in ("", *orgs), org
    for session in sessions.values():
        assert session["parentSourcedId"] in ("", *sessions), session
    for course in courses.values():
        assert course["orgSourcedId"] in orgs, course
        assert course["schoolYearSourcedId"] in ("", *sessions), course
    for cls in classes.values():
        assert cls["courseSourcedId"] in courses, cls
        assert orgs[cls["schoolSourcedId"]]["type"] == "school", cls
        assert ids(cls["termSourcedIds"]) and set(ids(cls["termSourcedIds"])) <= set(sessions), cls
    for user in users.values():
        assert ids(user["orgSourcedIds"]) and set(ids(user["orgSourcedIds"])) <= set(orgs), user
        assert set(ids(user["agentSourcedIds"])) <= set(users), user
    for enrollment in enrollments:
        assert enrollment["classSourcedId"] in classes, enrollment
        assert orgs[enrollment["schoolSourcedId"]]["type"] == "school", enrollment
        assert enrollment["userSourcedId"] in users, enrollment
    students = {u for u, row in users.items() if row["role"] == "student"}
    assert {d["sourcedId"] for d in demographics} == students
    # The extra rows do reach every file (the test would pass vacuously on empty outputs).
    assert {"400", "D123"} <= set(orgs) and "4002" in sessions and "505" in courses
    assert "20" in classes and "S110" in users and "T811" in users


# --- rules that need another configuration or another database ------------------------------


def test_yearid_selects_another_year(full_district):
    sessions = run_query(full_district, "one_roster_academic_sessions", yearid=34)
    assert [r[0] for r in sessions] == ["1401", "2401", "4401"]
    assert {r[8] for r in sessions} == {"2025"}  # the school year 2024-25 ends in 2025
    courses = run_query(full_district, "one_roster_courses", yearid=34)
    assert [r[0] for r in courses] == ["501", "506"]  # OLD1 is offered only in 2024-25
    edfi = run_query(full_district, "ed_fi_student_section_associations", yearid=34)
    assert [(r[3], r[4], r[6]) for r in edfi] == [("2025", "ENG1-9", "S0001")]
    cohorts = run_query(full_district, "ed_fi_student_cohort_associations", yearid=34)
    assert [(r[0], r[1]) for r in cohorts] == [("2024-09-01", "Gifted")]
    sections = run_query(full_district, "clever_sections", yearid=34)
    assert [r[1] for r in sections] == ["15", "22"]


@pytest.mark.parametrize(
    "mode, expected",
    [
        # The State_Course_Code pref of the fixture is 'Course Number'.
        ("prefs", {"ENG1-1": "0123", "MATH1-2": "MATH", "HR-1": "HR", "SCI1-1": "0456"}),
        ("course_number", {"ENG1-1": "0123", "MATH1-2": "MATH", "HR-1": "HR", "SCI1-1": "0456"}),
        # The state code is the alternate number: courses without one (MATH1, HR) are not
        # published, the local code is the course number.
        ("alt_course_number", {"ENG1-1": "ENG1", "SCI1-1": "SCI1"}),
    ],
)
def test_local_course_code_follows_state_course_code(full_district, mode, expected):
    project = project_with(edfi={"state_course_code": mode})
    for query in ("ed_fi_student_section_associations", "ed_fi_staff_section_associations"):
        rows = run_query(full_district, query, project)
        codes = dict(zip(column(rows, query, "sectionIdentifier"), column(rows, query, "localCourseCode")))
        assert dict(codes.items()) == {k: v for k, v in expected.items() if k in codes}
    rows = run_query(full_district, "ed_fi_student_section_associations", project)
    assert set(column(rows, "ed_fi_student_section_associations", "sectionIdentifier")) == set(expected)


def test_blank_state_course_code_pref_uses_the_course_number():
    con = load_full_district()
    con.execute("DELETE FROM PREFS WHERE NAME = 'State_Course_Code'")
    rows = run_query(con, "ed_fi_student_section_associations")
    codes = dict(
        zip(
            column(rows, "ed_fi_student_section_associations", "sectionIdentifier"),
            column(rows, "ed_fi_student_section_associations", "localCourseCode"),
        )
    )
    assert codes == {"ENG1-1": "ENG1", "MATH1-2": "MATH", "HR-1": "HR", "SCI1-1": "SCI1"}


def test_state_prefix_starts_the_school_id(full_district):
    project = project_with(edfi={"state_prefix": "42"})
    rows = run_query(full_district, "ed_fi_student_cohort_associations", project)
    assert column(rows, "ed_fi_student_cohort_associations", "educationOrganizationId") == [
        "42123200",
        "42123100",
        "42123045",
    ]


def test_a_number_that_does_not_fit_its_digits_gives_no_ed_fi_id():
    """LPAD would cut 1050 to 105 (a wrong, perhaps duplicate schoolId): no id instead."""
    con = load_full_district()
    con.execute("UPDATE SCHOOLS SET ALTERNATE_SCHOOL_NUMBER = 1050 WHERE SCHOOL_NUMBER = 100")
    project = project_with(edfi={"state_prefix": "42"})
    rows = run_query(con, "ed_fi_student_cohort_associations", project)
    assert column(rows, "ed_fi_student_cohort_associations", "educationOrganizationId") == ["42123200", "", "42123045"]
    con.execute("UPDATE PREFS SET VALUE = '1234' WHERE NAME = 'districtnumber'")
    rows = run_query(con, "ed_fi_student_cohort_associations", project)
    assert set(column(rows, "ed_fi_student_cohort_associations", "educationOrganizationId")) == {""}
    for name in ("ed_fi_student_section_associations", "ed_fi_staff_section_associations"):
        assert set(column(run_query(con, name, project), name, "schoolId")) == {""}


@pytest.mark.parametrize(
    "programs, expected",
    [
        (("Gifted",), ["Gifted"]),
        (("ELL*",), ["ELL Support", "ELL Support"]),
        (("Gifted?",), []),  # ? is one character, not zero
        (("ELL_Support",), []),  # _ is literal, not LIKE's any character
        ((), []),
    ],
)
def test_cohort_programs_are_globs_over_program_names(full_district, programs, expected):
    project = project_with(edfi={"cohort_programs": programs})
    rows = run_query(full_district, "ed_fi_student_cohort_associations", project)
    assert column(rows, "ed_fi_student_cohort_associations", "cohortIdentifier") == expected


def test_secondary_roles_come_from_config(full_district):
    """Role mapping is by ROLEDEF.NAME through [oneroster]: with no secondary role, no Support Teacher."""
    project = project_with(oneroster={"secondary_teacher_roles": ()})
    rows = run_query(full_district, "ed_fi_staff_section_associations", project)
    assert column(rows, "ed_fi_staff_section_associations", "staffUniqueId") == ["ST811"]
    clever = run_query(full_district, "clever_sections", project)
    assert [(r[1], r[2], r[3], r[4]) for r in clever if r[1] == "20"] == [("20", "811", "", "")]


def test_attendance_codes_come_from_config(full_district):
    project = project_with(attendance={"tardy_codes": ("TE",), "excused_codes": ("A",)})
    rows = run_query(full_district, "section_attendance", project, start_date="2026-01-12", end_date="2026-01-14")
    statuses = {(r[1], r[3]): r[4] for r in rows}
    assert statuses[("1001", "2026-01-12")] == "4"  # A is now excused
    assert statuses[("1001", "2026-01-13")] == "2"  # E is now unexcused
    assert statuses[("1002", "2026-01-13")] == "1"  # T is no longer tardy
    assert statuses[("1003", "2026-01-12")] == "3"  # TE is tardy


def test_attendance_default_range_is_today_and_dropped_sections_are_positive(full_district):
    assert run_query(full_district, "section_attendance") == [["12", "1003", "7", "2026-01-15", "2", ""]]
    dropped = run_query(full_district, "section_attendance", start_date="2025-09-01", end_date="2025-09-03")
    assert dropped == [["11", "1008", "101", "2025-09-02", "2", ""]]


# --- [csv] quotes = false ------------------------------------------------------------------


def test_quotes_off_strips_commas_and_quotes_from_free_text(full_district):
    project = project_with(csv={"quotes": False})
    sections = run_query(full_district, "clever_sections", project)
    algebra = next(r for r in sections if r[1] == "11")
    assert algebra[5] == "Algebra  Part  1  - Hopper - 2(A)"
    assert algebra[8] == "Algebra  Part  1 "
    courses = run_query(full_district, "one_roster_courses", project)
    assert next(r for r in courses if r[0] == "502")[4] == "Algebra  Part  1 "
    attendance = run_query(full_district, "section_attendance", project, start_date="2026-01-13", end_date="2026-01-13")
    assert [r[5] for r in attendance] == ["", "Bus late  again  8:10 ", ""]
    for name in NEW_QUERIES:
        binds = {"start_date": "2025-01-01", "end_date": "2026-12-31"}
        for row in run_query(full_district, name, project, **binds):
            for value in row:
                assert not set(value) & set(',"\r\n\t'), (name, row)


def test_quotes_off_is_a_validate_warning(tmp_path):
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace("quotes = true", "quotes = false", 1)
    config = tmp_path / "plugin.toml"
    config.write_text(text, encoding="utf-8")
    findings = validate(config).findings
    warnings = [f for f in findings if f.code == "PS190"]
    assert len(warnings) == 1
    assert warnings[0].severity.name == "WARNING"
    assert warnings[0].file.endswith("plugin.toml") and warnings[0].line
    assert not [f for f in validate(EXAMPLE_CONFIG).findings if f.code == "PS190"]


# --- enumerations -------------------------------------------------------------------------


def _macro_values(macro: str, values: list) -> list:
    env = sql_environment([builtin_queries_dir()])
    template = env.from_string(
        '{% import "_common.sql.j2" as common %}'
        "SELECT v.X AS X, " + "{{ common." + macro + '("v.X") }} AS Y FROM V v ORDER BY 1'
    )
    con = duckdb.connect()
    kind = "INTEGER" if isinstance(values[0], int) else "VARCHAR"
    con.execute(f"CREATE TABLE V (X {kind})")
    con.executemany("INSERT INTO V VALUES (?)", [[v] for v in values])
    return [y for _, y in compat.run(con, template.render(), {}, TODAY)]


def test_clever_grade_enumeration():
    levels = [-4, -3, -2, -1, 0, 1, 9, 13, 14, 99]
    assert _macro_values("clever_grade", levels) == [
        "InfantToddler",
        "InfantToddler",
        "Preschool",
        "PreKindergarten",
        "Kindergarten",
        "1",
        "9",
        "13",
        "Other",
        "Other",
    ]


def test_clever_subject_enumeration():
    departments = [
        "Art",
        "Computer Science",
        "ELA",
        "Health",
        "History",
        "Homeroom",
        "Intervention",
        "MATHEMATICS",
        "Shop",
        "Science - Lab",
        "World Languages",
    ]
    assert _macro_values("clever_subject", departments) == [
        "arts and music",
        "technology and engineering",
        "english/language arts",
        "PE and health",
        "social studies",
        "homeroom/advisory",
        "interventions/online learning",
        "math",
        "science",
        "other",
        "language",
    ]


def test_clever_outputs_stay_in_the_enumerations(full_district):
    for yearid in (None, 34):
        rows = run_query(full_district, "clever_sections", yearid=yearid)
        assert set(column(rows, "clever_sections", "Grade")) <= CLEVER_GRADES
        assert set(column(rows, "clever_sections", "Subject")) <= CLEVER_SUBJECTS


def test_every_catalogue_query_is_in_the_example_zip(tmp_path):
    import zipfile

    from lxml import etree

    from plugin_builder.project.catalog import builtin_catalog
    from plugin_builder.pipeline import build

    built = build(EXAMPLE_CONFIG, tmp_path)
    assert built.zip is not None, [f.message for f in built.validated.findings]
    project = project_with()
    with zipfile.ZipFile(built.zip.path) as archive:
        names = set()
        for entry in archive.namelist():
            if entry.startswith("queries_root/"):
                root = etree.fromstring(archive.read(entry))
                names |= {q.get("name") for q in root.iter("{*}query", "query")}
    assert names == {spec.full_name(project.plugin.namespace) for spec in builtin_catalog().values()}

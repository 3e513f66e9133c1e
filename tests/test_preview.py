"""preview: the synthetic district, the sources, the writers and the checkers, end to end."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import duckdb
import pytest

from plugin_builder.cli import main
from plugin_builder.preview import checkers
from plugin_builder.preview.synthetic import generate

SMALL = 150


@pytest.fixture(scope="module")
def small_district() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    generate(con, SMALL, seed=7)
    return con


def scalar(con, sql):
    return con.execute(sql).fetchone()[0]


def test_synthetic_is_deterministic():
    a, b = duckdb.connect(), duckdb.connect()
    generate(a, 120, seed=3)
    generate(b, 120, seed=3)
    for table in ("STUDENTS", "CC", "PERSON", "ATTENDANCE", "SECTIONTEACHER"):
        query = f'SELECT * FROM "{table}" ORDER BY ALL'
        assert a.execute(query).fetchall() == b.execute(query).fetchall(), table
    c = duckdb.connect()
    generate(c, 120, seed=4)
    assert (
        c.execute("SELECT FIRST_NAME FROM STUDENTS ORDER BY ID").fetchall()
        != a.execute("SELECT FIRST_NAME FROM STUDENTS ORDER BY ID").fetchall()
    )


def test_synthetic_rejects_sizes_out_of_range():
    with pytest.raises(ValueError, match="100 to 100000"):
        generate(duckdb.connect(), 99)


@pytest.mark.parametrize(
    "what, sql",
    [
        ("dropped enrollment", "SELECT COUNT(*) FROM CC WHERE SECTIONID < 0 AND TERMID < 0"),
        ("same-day enrollment", "SELECT COUNT(*) FROM CC WHERE SECTIONID > 0 AND DATELEFT = DATEENROLLED"),
        (
            "left a section early",
            "SELECT COUNT(*) FROM CC c JOIN TERMS t ON t.ID = c.TERMID AND t.SCHOOLID = c.SCHOOLID WHERE c.SECTIONID > 0 AND c.DATELEFT <= t.LASTDAY AND c.DATELEFT > c.DATEENROLLED",
        ),
        (
            "co-teacher",
            "SELECT COUNT(*) FROM SECTIONTEACHER st JOIN ROLEDEF r ON r.ID = st.ROLEID WHERE r.NAME = 'Co-teacher'",
        ),
        (
            "aide",
            "SELECT COUNT(*) FROM SECTIONTEACHER st JOIN ROLEDEF r ON r.ID = st.ROLEID WHERE r.NAME = 'Teacher Aide'",
        ),
        (
            "lead teacher change",
            "SELECT COUNT(*) FROM (SELECT SECTIONID FROM SECTIONTEACHER st JOIN ROLEDEF r ON r.ID = st.ROLEID WHERE r.NAME = 'Lead Teacher' GROUP BY 1 HAVING COUNT(*) > 1)",
        ),
        (
            "excluded school",
            "SELECT COUNT(*) FROM SCHOOLS s JOIN STUDENTS st ON st.SCHOOLID = s.SCHOOL_NUMBER WHERE s.STATE_EXCLUDEFROMREPORTING = 1",
        ),
        ("excluded section", "SELECT COUNT(*) FROM SECTIONS WHERE EXCLUDE_STATE_RPT_YN = 1"),
        ("student without state id", "SELECT COUNT(*) FROM STUDENTS WHERE STATE_STUDENTNUMBER IS NULL"),
        ("student excluded from state reporting", "SELECT COUNT(*) FROM STUDENTS WHERE STATE_EXCLUDEFROMREPORTING = 1"),
        ("pre-registered student", "SELECT COUNT(*) FROM STUDENTS WHERE ENROLL_STATUS = -1"),
        (
            "unmapped contact relationship",
            "SELECT COUNT(*) FROM STUDENTCONTACTDETAIL d JOIN CODESET c ON c.CODESETID = d.RELATIONSHIPTYPECODESETID WHERE c.CODE IN ('Emergency Contact', 'Neighbor', 'Other')",
        ),
        ("inactive contact", "SELECT COUNT(*) FROM STUDENTCONTACTDETAIL WHERE ISACTIVE = 0"),
        ("name with comma", "SELECT COUNT(*) FROM STUDENTS WHERE LAST_NAME LIKE '%,%'"),
        ("name with quote", "SELECT COUNT(*) FROM STUDENTS WHERE FIRST_NAME LIKE '%\"%'"),
        (
            "name with accent",
            "SELECT COUNT(*) FROM STUDENTS WHERE regexp_matches(FIRST_NAME || LAST_NAME, '[^\\x00-\\x7F]')",
        ),
        ("name with line break", "SELECT COUNT(*) FROM STUDENTS WHERE MIDDLE_NAME LIKE '%' || chr(10) || '%'"),
        ("district-office staff", "SELECT COUNT(*) FROM SCHOOLSTAFF WHERE SCHOOLID = 0"),
        (
            "inactive staff with last year's sections",
            "SELECT COUNT(*) FROM SCHOOLSTAFF ss JOIN SECTIONS s ON s.TEACHER = ss.ID WHERE ss.STATUS = 2",
        ),
        (
            "teacher at two schools",
            "SELECT COUNT(*) FROM (SELECT USERS_DCID FROM SCHOOLSTAFF GROUP BY 1 HAVING COUNT(*) > 1)",
        ),
        (
            "tardy code used",
            "SELECT COUNT(*) FROM ATTENDANCE a JOIN ATTENDANCE_CODE c ON c.ID = a.ATTENDANCE_CODEID WHERE c.ATT_CODE = 'T'",
        ),
        (
            "excused code used",
            "SELECT COUNT(*) FROM ATTENDANCE a JOIN ATTENDANCE_CODE c ON c.ID = a.ATTENDANCE_CODEID WHERE c.ATT_CODE = 'AE'",
        ),
        (
            "unexcused code used",
            "SELECT COUNT(*) FROM ATTENDANCE a JOIN ATTENDANCE_CODE c ON c.ID = a.ATTENDANCE_CODEID WHERE c.ATT_CODE = 'A'",
        ),
        ("daily attendance to ignore", "SELECT COUNT(*) FROM ATTENDANCE WHERE ATT_MODE_CODE = 'ATT_ModeDaily'"),
        (
            "special program",
            "SELECT COUNT(*) FROM SPENROLLMENTS sp JOIN GEN g ON g.ID = sp.PROGRAMID AND g.CAT = 'specprog'",
        ),
        (
            "next-year term not started",
            "SELECT COUNT(*) FROM TERMS WHERE ISYEARREC = 1 AND FIRSTDAY > DATE '2026-01-15'",
        ),
        (
            "next-year section",
            "SELECT COUNT(*) FROM SECTIONS s JOIN TERMS t ON t.ID = s.TERMID AND t.SCHOOLID = s.SCHOOLID WHERE t.YEARID = 36",
        ),
    ],
)
def test_hard_case_is_present_in_the_smallest_district(small_district, what, sql):
    assert scalar(small_district, sql) > 0, what


def test_every_term_portion_and_relationship_is_present(small_district):
    portions = {
        r[0]
        for r in small_district.execute(
            "SELECT DISTINCT t.PORTION FROM SECTIONS s JOIN TERMS t ON t.ID = s.TERMID AND t.SCHOOLID = s.SCHOOLID"
        ).fetchall()
    }
    assert portions == {1, 2, 3, 4}
    codes = {
        r[0]
        for r in small_district.execute(
            "SELECT DISTINCT c.CODE FROM STUDENTCONTACTDETAIL d JOIN CODESET c ON c.CODESETID = d.RELATIONSHIPTYPECODESETID"
        ).fetchall()
    }
    assert {"Mother", "Father", "Legal Guardian", "Guardian"} <= codes
    assert codes & {"Grandmother", "Grandfather", "Aunt", "Uncle"} and codes & {"Sister", "Brother"}


def test_proportions_are_realistic():
    con = duckdb.connect()
    generate(con, 3000, seed=1)
    per_student = scalar(
        con, "SELECT COUNT(*) * 1.0 / (SELECT COUNT(*) FROM STUDENTS) FROM CC WHERE TERMID BETWEEN 3500 AND 3599"
    )
    assert 4 <= per_student <= 7.5
    class_size = scalar(
        con,
        "SELECT AVG(n) FROM (SELECT COUNT(*) n FROM CC WHERE SECTIONID > 0 AND TERMID BETWEEN 3500 AND 3599 GROUP BY SECTIONID)",
    )
    assert 15 <= class_size <= 30
    contacts = scalar(con, "SELECT COUNT(*) * 1.0 / (SELECT COUNT(*) FROM STUDENTS) FROM STUDENTCONTACTASSOC")
    assert 1.5 <= contacts <= 3.0
    assert 4 <= scalar(con, "SELECT COUNT(*) FROM SCHOOLS") <= 10


# --------------------------------------------------------------------------- end to end


def run_cli(runner, *args):
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_preview_writes_every_output_and_reports_it_clean(runner, project_dir):
    out = project_dir / "out"
    result = run_cli(
        runner, "preview", "-c", str(project_dir / "plugin.toml"), "--students", "200", "-o", str(out), "--quiet"
    )
    assert result.exit_code == 0, result.output
    assert "oneroster" in result.output and "clean" in result.output
    for name in ("users.csv", "classes.csv", "enrollments.csv", "manifest.csv"):
        assert (out / "oneroster" / name).is_file()
    with open(out / "oneroster" / "users.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["sourcedId", "status", "dateLastModified", "enabledUser"]
    roles = {r[5] for r in rows[1:]}
    assert {"student", "teacher", "parent", "guardian", "relative"} <= roles
    manifest = dict(csv.reader(open(out / "oneroster" / "manifest.csv", encoding="utf-8")))
    assert manifest["file.users"] == "bulk" and manifest["file.lineItems"] == "absent"
    written = sorted(p.name for p in (out / "oneroster").glob("*.csv"))
    with zipfile.ZipFile(out / "oneroster.zip") as archive:
        assert sorted(archive.namelist()) == written
    assert {"classes.csv", "enrollments.csv", "manifest.csv", "users.csv"} <= set(written)
    # [csv] quotes = true: every field quoted, the comma in "Smith, Jr." kept.
    text = (out / "oneroster" / "users.csv").read_text(encoding="utf-8")
    assert text.startswith('"sourcedId","status"')
    assert '"Smith, Jr."' in text


BROKEN_ENROLLMENTS = """\
SELECT 'X1' AS "sourcedId", NULL AS "status", NULL AS "dateLastModified",
       (SELECT TO_CHAR(MIN(sec.ID)) FROM SECTIONS sec WHERE sec.TERMID = 3500) AS "classSourcedId",
       '101' AS "schoolSourcedId", 'S999999999' AS "userSourcedId", 'aide' AS "role",
       'false' AS "primary", '2025-13-01' AS "beginDate", NULL AS "endDate"
FROM DUAL
ORDER BY 1
"""


def test_a_broken_query_is_reported(runner, project_dir):
    """An enrollment pointing at a user that is not exported, with a role and a date that are wrong."""
    config = project_dir / "plugin.toml"
    config.write_text(config.read_text().replace("exclude = []", 'exclude = ["one_roster_enrollments"]'))
    queries = project_dir / "queries"
    queries.mkdir()
    (queries / "broken_enrollments.sql.j2").write_text(BROKEN_ENROLLMENTS)
    sidecar = (Path(__file__).resolve().parent.parent / "queries" / "one_roster_enrollments.toml").read_text()
    sidecar = sidecar.replace('summary = "OneRoster enrollments.csv"', 'summary = "Broken enrollments"').replace(
        'args = [\n  { name = "yearid", column = "TERMS.YEARID", description = "PowerSchool year id (2025-26 is 35); blank for the current school year" },\n]\n',
        "",
    )
    (queries / "broken_enrollments.toml").write_text(sidecar)
    out = project_dir / "out"
    result = run_cli(runner, "preview", "-c", str(config), "--students", "100", "-o", str(out))
    assert result.exit_code == 1, result.output
    assert "broken_enrollments" in result.output and "[1/" not in result.output  # no progress: not a terminal
    assert "S999999999 is not a sourcedId of users.csv" in result.output
    assert "role 'aide' is not one of" in result.output
    assert "beginDate '2025-13-01' is not a YYYY-MM-DD date" in result.output


def test_quotes_false_writes_values_as_they_are(runner, project_dir):
    config = project_dir / "plugin.toml"
    config.write_text(config.read_text().replace("quotes = true", "quotes = false"))
    out = project_dir / "out"
    result = run_cli(runner, "preview", "-c", str(config), "--students", "100", "-o", str(out), "--quiet")
    text = (out / "oneroster" / "users.csv").read_text(encoding="utf-8")
    assert text.startswith("sourcedId,status,dateLastModified,enabledUser")
    assert '"' not in text.splitlines()[1]
    assert result.exit_code == 0, result.output


def test_preview_runs_on_a_duckdb_file_and_on_csv_extracts(runner, project_dir, tmp_path):
    con_path = tmp_path / "district.duckdb"
    con = duckdb.connect(str(con_path))
    generate(con, 100, seed=2)
    tables = tmp_path / "tables"
    tables.mkdir()
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE estimated_size > 0").fetchall():
        con.execute(f"COPY \"{table}\" TO '{tables / (table + '.csv')}' (HEADER, DELIMITER ',')")
    con.close()
    config = str(project_dir / "plugin.toml")
    result_db = run_cli(
        runner,
        "preview",
        "-c",
        config,
        "--db",
        str(con_path),
        "-o",
        str(tmp_path / "o1"),
        "--quiet",
        "--today",
        "2026-01-15",
    )
    assert result_db.exit_code == 0, result_db.output
    result_csv = run_cli(
        runner,
        "preview",
        "-c",
        config,
        "--tables",
        str(tables),
        "-o",
        str(tmp_path / "o2"),
        "--quiet",
        "--today",
        "2026-01-15",
    )
    assert result_csv.exit_code == 0, result_csv.output
    written = sorted(p.relative_to(tmp_path / "o1") for p in (tmp_path / "o1").rglob("*.*"))
    assert written == sorted(p.relative_to(tmp_path / "o2") for p in (tmp_path / "o2").rglob("*.*"))
    for path in written:
        assert (tmp_path / "o1" / path).read_bytes() == (tmp_path / "o2" / path).read_bytes(), path
    # the DuckDB file was attached read-only: unchanged, no DUAL added
    assert "DUAL" not in {r[0] for r in duckdb.connect(str(con_path), read_only=True).execute("SHOW TABLES").fetchall()}


def test_missing_tables_and_columns_are_named(runner, project_dir, tmp_path):
    """A table the extracts lack is created empty; a missing column stops only the queries
    that read it, with the reason, and the others still run (exit 1)."""
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "STUDENTS.csv").write_text("ID,DCID,SCHOOLID\n1,101,100\n")
    result = runner.invoke(
        main,
        [
            "preview",
            "-c",
            str(project_dir / "plugin.toml"),
            "--tables",
            str(tables),
            "-o",
            str(tmp_path / "o"),
            "--quiet",
        ],
    )
    assert result.exit_code == 1, result.output
    assert re.search(r"query one_roster_users did not run: STUDENTS.csv lacks [A-Z_, ]*ENROLL_STATUS", result.output)
    assert "CC is not in CSV extracts" in result.output and "created empty" in result.output
    assert re.search(r"one_roster_orgs +\d+", result.output)  # a query that reads no STUDENTS column ran
    assert "Traceback" not in result.output


def test_only_one_source_at_a_time(runner, project_dir, tmp_path):
    result = runner.invoke(
        main,
        ["preview", "-c", str(project_dir / "plugin.toml"), "--students", "100", "--db", str(tmp_path / "x.duckdb")],
    )
    assert result.exit_code == 2 and "at most one of" in result.output


# --------------------------------------------------------------------------- checkers on hand-made outputs


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def messages(findings) -> str:
    return "\n".join(f"{f.file}:{f.line}: {f.code} {f.message}" for f in findings)


def test_checkers_report_findings_with_positions(tmp_path):
    """Preview's rules report Findings: code, rule name, the file and the line of the row.
    (Each rule's own cases are fixtures: tests/fixtures/rules/PV6xx.)"""
    header = "School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end"
    write(
        tmp_path / "clever/sections.csv",
        header + "\n"
        "101,S1,T1,T2,,Algebra - Smith - 1,1,9,Algebra,MAT1,1,math,S1,08/13/2025,2025-12-19\n"
        "101,S2,T1,,,Art - Smith - 2,1,09,Art,ART1,2,art,S1,2025-08-13,2025-12-19\n",
    )
    write(tmp_path / "clever/enrollments.csv", "School_id,Section_id,Student_id\n101,S1,9\n101,S1,9\n101,S3,8\n")
    found = {(f.code, f.rule, f.file, f.line, f.message) for f in checkers.check_outputs(tmp_path)}
    assert found == {
        (
            "PV607",
            "field.enum",
            "clever/sections.csv",
            3,
            "Grade '09' is not one of "
            + "|".join(
                [str(n) for n in range(1, 14)]
                + "PreKindergarten TransitionalKindergarten Kindergarten InfantToddler Preschool PostGraduate Ungraded Other".split()
            ),
        ),
        (
            "PV607",
            "field.enum",
            "clever/sections.csv",
            3,
            "Subject 'art' is not one of english/language arts|math|science|social studies|language|homeroom/advisory|interventions/online learning|technology and engineering|PE and health|arts and music|other",
        ),
        ("PV610", "table.primary-key", "clever/enrollments.csv", 3, "Section_id S1, Student_id 9 is not unique"),
        (
            "PV611",
            "table.foreign-key",
            "clever/enrollments.csv",
            4,
            "Section_id S3, School_id 101: no row of sections.csv has this Section_id, School_id",
        ),
    }


def test_checkers_list_five_findings_per_rule_and_file_then_count_the_rest(tmp_path):
    rows = "".join(f"101,S{n},\n" for n in range(8))
    write(tmp_path / "clever/enrollments.csv", "School_id,Section_id,Student_id\n" + rows)
    findings = [f for f in checkers.check_outputs(tmp_path) if f.code == "PV605"]
    assert [f.line for f in findings] == [None, 2, 3, 4, 5, 6]
    assert findings[0].message == "… 3 more like these"


def test_an_output_without_data_package_of_its_kind_is_not_checked(tmp_path):
    write(tmp_path / "other/anything.csv", "a,b\n1\n")
    assert checkers.check_outputs(tmp_path, ["other"]) == []


def test_edfi_writer_nests_references_and_omits_blanks():
    from plugin_builder.preview.formats import EDFI_HEADERS
    from plugin_builder.preview.writers import edfi_object

    row = ("2025-08-13", "ALG1", "35042101", 2026, "ALG1-1", "101 - S1 - 7001", "3500000001", None)
    obj = edfi_object("studentSectionAssociation", EDFI_HEADERS["studentSectionAssociation"], row)
    assert obj == {
        "beginDate": "2025-08-13",
        "sectionReference": {
            "localCourseCode": "ALG1",
            "schoolId": 35042101,
            "schoolYear": 2026,
            "sectionIdentifier": "ALG1-1",
            "sessionName": "101 - S1 - 7001",
        },
        "studentReference": {"studentUniqueId": "3500000001"},
    }
    jsonschema = pytest.importorskip("jsonschema")
    from plugin_builder.preview.formats import edfi_schemas

    schema = {"$ref": "#/components/schemas/edFi_studentSectionAssociation", "components": {"schemas": edfi_schemas()}}
    assert not list(jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(obj))


def attendance_bodies(folder: Path) -> dict[str, dict]:
    """section id -> PUT body, over every attendance file."""
    return {
        section: body
        for path in sorted(folder.glob("*.json"))
        for section, body in json.loads(path.read_text(encoding="utf-8")).items()
    }


def test_oneroster_checker_finds_two_primary_teachers_and_one_way_agents(tmp_path):
    from plugin_builder.preview.formats import ONEROSTER_HEADERS
    from plugin_builder.preview.writers import QueryResult, Written, write_oneroster

    users = [
        (
            "S1",
            None,
            None,
            "true",
            "101",
            "student",
            "s1",
            None,
            "A",
            "B",
            None,
            "1",
            None,
            None,
            None,
            "C1",
            "01",
            None,
        ),
        (
            "C1",
            None,
            None,
            "true",
            "101",
            "parent",
            "c1",
            None,
            "A",
            "B",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ),
        (
            "T1",
            None,
            None,
            "true",
            "101",
            "teacher",
            "t1",
            None,
            "A",
            "B",
            None,
            "7",
            None,
            None,
            None,
            None,
            None,
            None,
        ),
        (
            "T2",
            None,
            None,
            "true",
            "101",
            "teacher",
            "t2",
            None,
            "A",
            "B",
            None,
            "8",
            None,
            None,
            None,
            None,
            "1",
            None,
        ),
    ]
    enrollments = [
        ("E1", None, None, "10", "101", "T1", "teacher", "true", "2025-08-13", "2026-06-05"),
        ("E2", None, None, "10", "101", "T2", "teacher", "true", "2026-01-05", "2026-06-05"),
        ("E3", None, None, "10", "101", "S1", "student", "false", "2025-08-13", "2025-08-12"),
    ]
    write_oneroster(
        [
            QueryResult("one_roster_users", "oneroster", "users.csv", ONEROSTER_HEADERS["users.csv"], users),
            QueryResult(
                "one_roster_enrollments",
                "oneroster",
                "enrollments.csv",
                ONEROSTER_HEADERS["enrollments.csv"],
                enrollments,
            ),
        ],
        tmp_path,
        True,
        Written(),
    )
    found = messages(checkers.check_outputs(tmp_path, ["oneroster"]))
    assert "class 10 has two primary teachers at once (T1, T2 from 2026-01-05)" in found
    assert "C1 is linked to no student" in found and "S1 lists C1 but C1 does not list S1" in found
    assert "grades '1'" in found
    assert "begins 2025-08-13 after it ends 2025-08-12" in found


DEMO_PROJECT = Path(__file__).resolve().parent / "fixtures" / "preview_project"


def test_queries_of_every_group_plug_in_by_their_sidecar(runner, tmp_path):
    """Project-local Clever, Ed-Fi and attendance queries are written and checked by group."""
    out = tmp_path / "out"
    result = run_cli(
        runner, "preview", "-c", str(DEMO_PROJECT / "plugin.toml"), "--students", "120", "-o", str(out), "--quiet"
    )
    assert result.exit_code == 0, result.output
    for kind in ("attendance", "clever", "edfi", "oneroster"):
        assert any(re.match(rf"{kind} +\d+ +\d+  clean", line) for line in result.output.splitlines()), kind
    objects = json.loads((out / "edfi" / "studentSectionAssociation.json").read_text(encoding="utf-8"))
    assert objects and all(isinstance(o["sectionReference"]["schoolId"], int) for o in objects)
    assert all(None not in o.values() for o in objects)
    jsonschema = pytest.importorskip("jsonschema")
    from plugin_builder.preview.formats import edfi_schemas

    schema = {"$ref": "#/components/schemas/edFi_studentSectionAssociation", "components": {"schemas": edfi_schemas()}}
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    assert not [e.message for o in objects for e in validator.iter_errors(o)]
    bodies = attendance_bodies(out / "attendance")
    statuses = {a["status"] for body in bodies.values() for a in body["attendances"]["attendance"]}
    assert statuses == {1, 2, 3, 4}  # present codes (P, TE), unexcused, tardy, excused
    with open(out / "clever" / "sections.csv", newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[:3] == ["School_id", "Section_id", "Teacher_id"]


def test_sysdate_follows_today(runner, tmp_path):
    """--today moves SYSDATE: a Clever enrollment is current only between its dates."""
    out = tmp_path / "out"
    result = run_cli(
        runner,
        "preview",
        "-c",
        str(DEMO_PROJECT / "plugin.toml"),
        "--students",
        "100",
        "-o",
        str(out),
        "--quiet",
        "--today",
        "2025-09-01",
    )
    assert result.exit_code == 0, result.output
    with open(out / "clever" / "enrollments.csv", newline="", encoding="utf-8") as handle:
        september = len(list(csv.reader(handle)))
    result = run_cli(
        runner,
        "preview",
        "-c",
        str(DEMO_PROJECT / "plugin.toml"),
        "--students",
        "100",
        "-o",
        str(out),
        "--quiet",
        "--today",
        "2026-03-01",
    )
    with open(out / "clever" / "enrollments.csv", newline="", encoding="utf-8") as handle:
        march = len(list(csv.reader(handle)))
    assert september != march


def test_csv_writer_prints_numbers_as_oracle_and_quotes_every_field():
    from decimal import Decimal

    from plugin_builder.preview.writers import csv_bytes

    data = csv_bytes(["n", "d", "t"], [(2.0, Decimal("2.50"), 'say "hi", ok'), (None, None, None)], True, (0, 1))
    assert data == b'"n","d","t"\n"2","2.5","say ""hi"", ok"\n"","",""\n'
    assert csv_bytes(["a", "b"], [("x", None)], False) == b"a,b\nx,\n"


@pytest.mark.parametrize(
    "query_name, row",
    [
        (
            "ed_fi_staff_section_associations",
            (
                "2025-08-13",
                "uri://ed-fi.org/ClassroomPositionDescriptor#Support Teacher",
                "ALG1",
                "35042101",
                "2026",
                "ALG1-1",
                "101 - S1 - 7001",
                "ST900001",
                None,
            ),
        ),
        (
            "ed_fi_student_cohort_associations",
            ("2025-08-13", "Title I, Part A", "35042101", "3500000001", "2026-01-01"),
        ),
    ],
)
def test_edfi_writer_nests_staff_and_cohort_associations(query_name, row):
    from plugin_builder.preview.formats import EDFI_HEADERS, edfi_resource_for, edfi_schemas
    from plugin_builder.preview.writers import edfi_object

    resource = edfi_resource_for(query_name)
    obj = edfi_object(resource, EDFI_HEADERS[resource], row)
    reference = "staffReference" if resource == "staffSectionAssociation" else "cohortReference"
    assert reference in obj and None not in obj.values()
    jsonschema = pytest.importorskip("jsonschema")
    schema = {"$ref": f"#/components/schemas/edFi_{resource}", "components": {"schemas": edfi_schemas()}}
    assert not list(jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(obj))


def test_bad_extract_values_and_bad_today_are_clear_errors(runner, project_dir, tmp_path):
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "TERMS.csv").write_text("ID,SCHOOLID,FIRSTDAY\n3500,101,08/13/2025\n")
    result = runner.invoke(
        main, ["preview", "-c", str(project_dir / "plugin.toml"), "--tables", str(tables), "--quiet"]
    )
    assert result.exit_code == 2
    assert "TERMS.csv: cannot be loaded" in result.output and "YYYY-MM-DD" in result.output
    result = runner.invoke(main, ["preview", "-c", str(project_dir / "plugin.toml"), "--today", "15/01/2026"])
    assert result.exit_code == 2 and "is not a date" in result.output


FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXPECTED_CSV = {
    "oneroster/academicSessions.csv": "expected_extra/one_roster_academic_sessions.csv",
    "oneroster/courses.csv": "expected_extra/one_roster_courses.csv",
    "oneroster/demographics.csv": "expected_extra/one_roster_demographics.csv",
    "oneroster/orgs.csv": "expected_extra/one_roster_orgs.csv",
    "clever/sections.csv": "expected_extra/clever_sections.csv",
    "clever/enrollments.csv": "expected_extra/clever_enrollments.csv",
}


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_preview_of_the_fixture_district_gives_the_hand_written_rows(runner, tmp_path):
    """The catalogue's fixture district as CSV extracts (base + extra folder): every output
    is clean and equals the rows the catalogue's tests expect, written by hand."""
    config = str(Path(__file__).resolve().parent.parent / "plugin.toml")
    base = ["--tables", str(FIXTURES / "district"), "--today", "2026-01-15T10:30:00", "--quiet"]
    out = tmp_path / "base"
    selected = ["--select", "one_roster_users", "--select", "one_roster_classes", "--select", "one_roster_enrollments"]
    result = run_cli(runner, "preview", "-c", config, *base, "-o", str(out), *selected)
    assert result.exit_code == 0, result.output
    for name in ("users", "classes", "enrollments"):
        assert read_rows(out / "oneroster" / f"{name}.csv") == read_rows(
            FIXTURES / "expected" / f"one_roster_{name}.csv"
        ), name

    out = tmp_path / "full"
    attendance_range = ["--arg", "start_date=2026-01-12", "--arg", "end_date=2026-01-15"]
    result = run_cli(
        runner,
        "preview",
        "-c",
        config,
        *base,
        "--tables",
        str(FIXTURES / "district_extra"),
        "-o",
        str(out),
        *attendance_range,
    )
    assert result.exit_code == 0, result.output
    for written, expected in EXPECTED_CSV.items():
        assert read_rows(out / written) == read_rows(FIXTURES / expected), written
    from plugin_builder.preview.formats import edfi_resource_for
    from plugin_builder.preview.writers import edfi_object

    for query in (
        "ed_fi_student_section_associations",
        "ed_fi_staff_section_associations",
        "ed_fi_student_cohort_associations",
    ):
        header, *rows = read_rows(FIXTURES / "expected_extra" / f"{query}.csv")
        resource = edfi_resource_for(query)
        written = json.loads((out / "edfi" / f"{resource}.json").read_text(encoding="utf-8"))
        assert written == [edfi_object(resource, header, tuple(r)) for r in rows], query
    header, *rows = read_rows(FIXTURES / "expected_extra" / "section_attendance.csv")
    sections = {r[header.index("section_id")] for r in rows}
    bodies = attendance_bodies(out / "attendance")
    assert sorted(bodies) == sorted(sections)
    statuses = [a["status"] for body in bodies.values() for a in body["attendances"]["attendance"]]
    assert sorted(statuses) == sorted(int(r[header.index("status")]) for r in rows)


def test_preview_findings_in_every_format_with_exit_1(runner, tmp_path):
    """A query that exports a value outside the format: preview reports it as a rule finding
    in text, JSON, SARIF and GitHub form, and exits 1."""
    import shutil

    project = tmp_path / "project"
    shutil.copytree(DEMO_PROJECT, project)
    template = project / "queries" / "demo_clever_sections.sql.j2"
    template.write_text(
        template.read_text(encoding="utf-8").replace("'MAT', 'math'", "'MAT', 'Math'"), encoding="utf-8"
    )
    args = [
        "preview",
        "-c",
        str(project / "plugin.toml"),
        "--students",
        "100",
        "-o",
        str(tmp_path / "out"),
        "--quiet",
        "--select",
        "demo_clever_*",
    ]
    result = runner.invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    codes = {(f["code"], f["rule"], f["file"]) for f in report["findings"]}
    assert codes == {("PV607", "field.enum", "clever/sections.csv")}
    listed = [f for f in report["findings"] if f["line"] is not None]
    assert len(listed) == 5 and all(f["line"] >= 2 and "Subject 'Math' is not one of" in f["message"] for f in listed)
    assert [f["message"] for f in report["findings"] if f["line"] is None][0].endswith("more like these")
    sarif = json.loads(runner.invoke(main, [*args, "--format", "sarif"]).stdout)
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    result_ = sarif["runs"][0]["results"][0]
    assert rules[result_["ruleIndex"]]["id"] == "PV607"
    assert result_["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "clever/sections.csv"
    github = runner.invoke(main, [*args, "--format", "github"])
    assert github.exit_code == 1 and "::error file=clever/sections.csv,line=" in github.stdout
    text = runner.invoke(main, args)
    assert text.exit_code == 1
    assert "clever/sections.csv:" in text.stderr and "error PV607" in text.stderr
    assert "1 finding" not in text.stdout and "clever" in text.stdout  # the summary table


def test_preview_writes_the_data_packages_it_checks_against(runner, tmp_path):
    """``datapackage.json`` beside the CSVs describes exactly the files written: their
    headers, and foreign keys only to files that are there."""
    out = tmp_path / "out"
    result = run_cli(
        runner, "preview", "-c", str(DEMO_PROJECT / "plugin.toml"), "--students", "100", "-o", str(out), "--quiet"
    )
    assert result.exit_code == 0, result.output
    for kind in ("oneroster", "clever"):
        package = json.loads((out / kind / "datapackage.json").read_text(encoding="utf-8"))
        paths = {r["path"] for r in package["resources"]}
        assert paths == {p.name for p in (out / kind).glob("*.csv")}
        for resource in package["resources"]:
            with open(out / kind / resource["path"], newline="", encoding="utf-8") as handle:
                header = next(csv.reader(handle))
            assert header == [f["name"] for f in resource["schema"]["fields"]]
            for key in resource["schema"].get("foreignKeys", []) + resource["schema"].get("x-listForeignKeys", []):
                assert key["reference"]["resource"] in {r["name"] for r in package["resources"]} | {""}
    assert not list(out.glob("edfi/datapackage.json"))


def test_the_written_data_packages_validate_with_frictionless_and_agree_with_our_rules(runner, tmp_path):
    """A receiver's standard tool accepts what preview writes, and finds what our rules find."""
    import frictionless  # a test dependency: the receivers' standard validator

    out = tmp_path / "out"
    result = run_cli(
        runner, "preview", "-c", str(DEMO_PROJECT / "plugin.toml"), "--students", "100", "-o", str(out), "--quiet"
    )
    assert result.exit_code == 0, result.output
    for kind in ("oneroster", "clever"):
        report = frictionless.validate(str(out / kind / "datapackage.json"))
        assert report.valid, report.flatten(["type", "message"])[:5]
    users = out / "oneroster" / "users.csv"
    lines = users.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines, start=1) if ',"student",' in line)
    lines[number - 1] = lines[number - 1].replace(',"student",', ',"pupil",', 1)
    users.write_text("".join(lines), encoding="utf-8")
    report = frictionless.validate(str(out / "oneroster" / "datapackage.json"))
    theirs = {tuple(error) for error in report.flatten(["type", "rowNumber"])}
    ours = {(f.code, f.line) for f in checkers.check_outputs(out, ["oneroster"])}
    assert theirs == {("constraint-error", number)}
    assert ("PV607", number) in ours


def test_preview_rules_never_fail_on_hostile_outputs(tmp_path):
    """Whatever the files hold, every rule reports findings, never an internal error (PB900)."""
    write(
        tmp_path / "edfi/studentSectionAssociation.json",
        '[1, null, "x", [], {"sectionReference": []}, {"beginDate": {"a": 1}, "endDate": "z"}]',
    )
    write(tmp_path / "edfi/staffSectionAssociation.json", '{"not": "an array"}')
    write(
        tmp_path / "attendance/a.json",
        '{"1": {"attendances": {"attendance": [1, null, {"enrollment_id": {"a": 1}, "date": [], "status": 1}, {"enrollment_id": [1], "date": {"d": 1}}]}}, "2": 5, "3": {"attendances": []}}',
    )
    write(tmp_path / "attendance/b.json", "not json")
    write(tmp_path / "oneroster/users.csv", "role,role,sourcedId\nstudent,parent\n\n")
    write(tmp_path / "oneroster/enrollments.csv", "")
    write(tmp_path / "oneroster/manifest.csv", "a\n")
    write(tmp_path / "clever/sections.csv", "School_id,Section_id\n1\n1,2,3\n")
    write(tmp_path / "clever/enrollments.csv", "School_id,Section_id,Student_id\n,,\n")
    (tmp_path / "clever/folder.csv").mkdir()
    (tmp_path / "edfi/folder.json").mkdir()
    (tmp_path / "oneroster.zip").write_bytes(b"PK\x03\x04 not a zip")
    findings = checkers.check_outputs(tmp_path)
    assert findings and not [f for f in findings if f.code == "PB900"]
    assert ("PV621", "cannot be read as a ZIP: File is not a zip file") in {(f.code, f.message) for f in findings}


def test_preview_names_the_school_whose_ed_fi_id_does_not_fit(runner, tmp_path):
    """A 4-digit state school number gives no schoolId (not a cut one), and preview says
    which school by name."""
    import shutil

    tables = tmp_path / "district"
    shutil.copytree(FIXTURES / "district", tables)
    schools = (
        (tables / "SCHOOLS.csv")
        .read_text(encoding="utf-8")
        .replace("1,1,100,Lincoln Elementary,0,0", "1,1,100,Lincoln Elementary,0,1050")
    )
    (tables / "SCHOOLS.csv").write_text(schools, encoding="utf-8")
    config = str(Path(__file__).resolve().parent.parent / "plugin.toml")
    result = run_cli(
        runner,
        "preview",
        "-c",
        config,
        "--tables",
        str(tables),
        "--tables",
        str(FIXTURES / "district_extra"),
        "--today",
        "2026-01-15T10:30:00",
        "-o",
        str(tmp_path / "o"),
        "--select",
        "ed_fi_student_section_associations",
    )
    assert result.exit_code == 1, result.output
    assert (
        "PV643 school 'Lincoln Elementary' (100) has no Ed-Fi schoolId: its state school number 1050 does not fit 3 digits"
        in result.output
    ), result.output
    written = json.loads((tmp_path / "o" / "edfi" / "studentSectionAssociation.json").read_text(encoding="utf-8"))
    ids = [row["sectionReference"].get("schoolId") for row in written]
    assert None in ids and 35123200 in ids and not any(str(i).endswith("105") for i in ids if i)


def test_a_date_arg_not_in_dem_form_stops_preview_before_any_query(runner, tmp_path):
    config = str(Path(__file__).resolve().parent.parent / "plugin.toml")
    result = runner.invoke(
        main,
        [
            "preview",
            "-c",
            config,
            "--tables",
            str(FIXTURES / "district"),
            "-o",
            str(tmp_path / "o"),
            "--quiet",
            "--select",
            "section_attendance",
            "--arg",
            "start_date=01/12/2026",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "arg start_date '01/12/2026' is not a date in YYYY-MM-DD form" in result.output


def test_the_ed_fi_school_id_rule_judges_only_a_preview_that_wrote_ed_fi(tmp_path):
    import duckdb

    from plugin_builder.preview.checkers import check_district
    from plugin_builder.sql.dictionary import create_tables

    con = duckdb.connect()
    create_tables(con, ["PREFS", "SCHOOLS"])
    con.execute("INSERT INTO PREFS (NAME, VALUE) VALUES ('districtnumber', '1050')")
    con.execute(
        "INSERT INTO SCHOOLS (NAME, SCHOOL_NUMBER, ALTERNATE_SCHOOL_NUMBER) VALUES ('Lincoln Elementary', 100, 0)"
    )
    assert check_district(con, ["oneroster", "clever"]) == []
    (finding,) = check_district(con, ["edfi"])
    assert finding.code == "PV643" and "Lincoln Elementary" in finding.message

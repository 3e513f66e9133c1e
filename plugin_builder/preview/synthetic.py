"""A synthetic PowerSchool district, generated in DuckDB from a seed.

Deterministic: the same ``students``, ``seed`` and ``today`` give the same rows. Set-based:
the large tables (students, sections, CC, contacts, attendance) are each one
``INSERT … SELECT`` over ``range()``, with pseudo-random choices from ``hash(tag, key,
seed)``; only the small dimension tables (schools, terms, courses, codes) are built in
Python. 50 000 students take a few seconds.

Proportions (per student unless said): about 600 students a school (3 elementary for each
middle and high school), 4 sections in elementary, 6 in middle and 7 in high school of
about 25 students each, one teacher per 5 sections, 10 % co-taught sections, 5 % with an
aide, about 1.7 active contacts, 15 % in a special program, 6 % of meetings absent or late
over the last 15 school days (days in session in ``CALENDAR_DAY``: no weekends or breaks).
Students have federal ethnicity and races
(``STUDENTRACE``), courses a department (``SCHED_DEPARTMENT``: ELA, MAT, SCI, SOC, PE, ART, WL).

The hard cases preview must meet are present at every size, by probability and, for the small
ids, on purpose: dropped enrollments (negative SECTIONID) and same-day ones (DATELEFT =
DATEENROLLED), students who left a section early, co-teachers, aides and a mid-year
change of lead teacher, a school excluded from state reporting, sections excluded from
state reporting, students without a state id or excluded from state reporting,
pre-registered and transferred-out students, contacts of every relationship (including
codes no [oneroster] list maps, inactive and ended ones), names with commas, quotes,
accents, tabs and line breaks, district-office staff (school 0), inactive staff (a
former teacher per school, with last year's sections), a
teacher at two schools, terms of every portion (year, semesters, trimesters, quarters),
last year and a next year that has not started, tardy, excused and unexcused codes, and
rows with many links (an agency guardian of 1,000 students, a student with 20 more
contacts, a teacher co-teaching up to 60 sections), so that no list may fail or shorten an
export.

``generate`` runs one function per part of the district, in order (each reads the temporary
tables of the ones before).

``today`` (SYSDATE for preview) defaults to 15 January of the synthetic school year;
the district is always built around the school year that contains ``today``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import duckdb

from plugin_builder.sql.dictionary import create_tables

MIN_STUDENTS, MAX_STUDENTS = 100, 100_000
DEFAULT_STUDENTS = 3000
DEFAULT_TODAY = dt.datetime(2026, 1, 15, 10, 30, 0)
DISTRICT_NUMBER = 42

ROLES = {"Lead Teacher": 101, "Co-teacher": 205, "Teacher Aide": 37, "Substitute": 412}
# CODESET relationship codes: mapped ones (plugin.toml defaults) and unmapped ones.
RELATIONSHIPS = [
    "Mother", "Father", "Legal Guardian", "Guardian", "Grandmother", "Grandfather",
    "Aunt", "Uncle", "Sister", "Brother", "Emergency Contact", "Neighbor", "Other",
]  # fmt: skip
PROGRAMS = ["Gifted and Talented", "English Learners", "Section 504", "Title I, Part A", "Migrant Education"]
# (code, presence, description): tardy T, excused E/AE/EA, unexcused A, and codes that
# map to "present" (P, TE is a Present code outside [attendance] tardy_codes).
ATTENDANCE_CODES = [
    ("P", "Present", "Present"),
    ("A", "Absent", "Absent, unexcused"),
    ("AE", "Absent", "Absent, excused"),
    ("E", "Absent", "Excused"),
    ("EA", "Absent", "Excused activity"),
    ("T", "Present", "Tardy"),
    ("TE", "Present", "Tardy, excused"),
]
SUBJECTS = [
    ("ELA", "English Language Arts"),
    ("MAT", "Mathematics"),
    ("SCI", "Science"),
    ("SOC", "Social Studies"),
    ("PE", "Physical Education"),
    ("ART", "Art, Music & Drama"),
    ("WL", "Español"),
]
FIRST_NAMES = [
    "Ava", "Liam", "Zoë", "José", "Mary-Kate", "Noah", "Chloé", "Mateo", "Aaliyah", "Ethan",
    "Sofía", "Lucas", "Amélie", "Oliver", "Nguyễn", "Emma", "Jamal", "Isabella", "Björn", "Mia",
]  # fmt: skip
LAST_NAMES = [
    "O'Brien", "Smith, Jr.", "Núñez", "Nguyen", "Van Der Berg", "García", "Johnson", "Kowalski",
    "Brown", "D'Angelo", "Müller", "Williams", "Øster", "Lee", "Martínez", "Patel", "Anderson",
    "Taylor", "St. James", "Dubois",
]  # fmt: skip
MIDDLE_NAMES = ["", "", "", "Ann", "Lee", "Marie", "J.", "Renée"]
# Free text that a CSV must not carry raw: the queries strip CR, LF and TAB.
AWKWARD_NAMES = ['Dwayne "DJ"', "Ann\nMarie", "Tab\tName", "Smith,\r\nJr."]


@dataclass(frozen=True)
class School:
    number: int
    name: str
    level: str  # elementary | middle | high
    low_grade: int
    high_grade: int
    excluded: bool = False

    @property
    def slots(self) -> int:
        return {"elementary": 4, "middle": 6, "high": 7}[self.level]


@dataclass(frozen=True)
class District:
    """What was generated: sizes and the dates preview needs."""

    students: int
    seed: int
    today: dt.datetime
    yearid: int
    year_start: dt.date
    year_end: dt.date
    schools: tuple[School, ...]

    @property
    def attendance_range(self) -> tuple[dt.date, dt.date]:
        """The last three weeks before today: the range the attendance query is run on."""
        end = self.today.date()
        return end - dt.timedelta(days=21), end


def school_year_of(today: dt.date) -> int:
    """PowerSchool yearid of the school year that contains ``today`` (starts in August)."""
    start_year = today.year if today.month >= 8 else today.year - 1
    return start_year - 1990


def school_days(start_year: int) -> list[tuple[dt.date, bool]]:
    """Every day of the school year starting in August of ``start_year``, and whether it is
    in session: weekdays outside Labor Day, Thanksgiving (Wednesday to Friday), the winter
    break (between the semesters), Martin Luther King Jr. Day and a spring-break week."""
    first, last = dt.date(start_year, 8, 13), dt.date(start_year + 1, 6, 5)
    labor_day = _nth_weekday(start_year, 9, 0, 1)
    thanksgiving = _nth_weekday(start_year, 11, 3, 4)
    breaks = {labor_day, _nth_weekday(start_year + 1, 1, 0, 3)}
    breaks.update(thanksgiving + dt.timedelta(days=n) for n in (-1, 0, 1))
    winter = dt.date(start_year, 12, 20)
    breaks.update(winter + dt.timedelta(days=n) for n in range((dt.date(start_year + 1, 1, 6) - winter).days))
    spring = _nth_weekday(start_year + 1, 4, 0, 1)
    breaks.update(spring + dt.timedelta(days=n) for n in range(5))
    days = []
    day = first
    while day <= last:
        days.append((day, day.weekday() < 5 and day not in breaks))
        day += dt.timedelta(days=1)
    return days


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th given weekday (0 Monday) of a month."""
    day = dt.date(year, month, 1)
    day += dt.timedelta(days=(weekday - day.weekday()) % 7)
    return day + dt.timedelta(weeks=n - 1)


def _schools(students: int, numbers: tuple[int, ...] = ()) -> tuple[School, ...]:
    """The district's schools, numbered from 101 (and the virtual school 900); ``numbers``
    (school numbers a plugin's queries name) replace the numbers of the first schools that
    are not already one of them, in order, so those queries find their schools."""
    groups = max(1, round(students / 3000))  # one group = 3 elementary + middle + high
    schools = []
    number = 100
    for g in range(groups):
        for e in range(3):
            number += 1
            schools.append(
                School(number, f"{['Lincoln', 'Roosevelt', 'Jefferson'][e]} Elementary {g + 1}", "elementary", -1, 5)
            )
        number += 1
        schools.append(School(number, f"Washington Middle {g + 1}", "middle", 6, 8))
        number += 1
        schools.append(School(number, f"Central High {g + 1}", "high", 9, 12))
    schools.append(School(900, "Virtual Academy (not state-reported)", "high", 9, 12, excluded=True))
    have = {s.number for s in schools}
    wanted = iter(sorted(n for n in set(numbers) if n not in have))
    renumbered = []
    for school in schools:
        number = None if school.excluded or school.number in numbers else next(wanted, None)
        renumbered.append(replace(school, number=number) if number is not None else school)
    return tuple(renumbered)


def _term_rows(schools: tuple[School, ...], yearid: int) -> list[tuple]:
    rows = []
    dcid = 0
    for school in schools:
        for year in (yearid - 1, yearid, yearid + 1):
            start_year = 1990 + year
            first, last = dt.date(start_year, 8, 13), dt.date(start_year + 1, 6, 5)
            winter, spring = dt.date(start_year, 12, 19), dt.date(start_year + 1, 1, 6)
            label = f"{start_year}-{start_year + 1}"
            short = f"{start_year % 100:02d}-{(start_year + 1) % 100:02d}"
            terms = [
                (0, label, short, 1, first, last),
                (1, "Semester 1", "S1", 2, first, winter),
                (2, "Semester 2", "S2", 2, spring, last),
                (3, "Trimester 1", "T1", 3, first, dt.date(start_year, 11, 14)),
                (4, "Trimester 2", "T2", 3, dt.date(start_year, 11, 17), dt.date(start_year + 1, 2, 27)),
                (5, "Trimester 3", "T3", 3, dt.date(start_year + 1, 3, 2), last),
                (6, "Quarter 1", "Q1", 4, first, dt.date(start_year, 10, 17)),
                (7, "Quarter 2", "Q2", 4, dt.date(start_year, 10, 20), winter),
                (8, "Quarter 3", "Q3", 4, spring, dt.date(start_year + 1, 3, 20)),
                (9, "Quarter 4", "Q4", 4, dt.date(start_year + 1, 3, 23), last),
            ]
            for offset, name, abbreviation, portion, firstday, lastday in terms:
                dcid += 1
                rows.append(
                    (dcid + 7000, year * 100 + offset, school.number, year, name, abbreviation, portion,
                     1 if portion == 1 else 0, firstday, lastday)
                )  # fmt: skip
    # The district office (school 0) has the year terms only, as PowerSchool districts keep
    # them (public plugins find the current year with TERMS.SCHOOLID = 0).
    for year in (yearid - 1, yearid, yearid + 1):
        start_year = 1990 + year
        dcid += 1
        rows.append(
            (dcid + 7000, year * 100, 0, year, f"{start_year}-{start_year + 1}",
             f"{start_year % 100:02d}-{(start_year + 1) % 100:02d}", 1, 1,
             dt.date(start_year, 8, 13), dt.date(start_year + 1, 6, 5))
        )  # fmt: skip
    return rows


@dataclass(frozen=True)
class _Build:
    """What every step of :func:`generate` needs: the cursor, the seed and the year."""

    x: duckdb.DuckDBPyCursor
    seed: int
    students: int
    yearid: int
    start_year: int
    first: dt.date
    last: dt.date
    today: dt.datetime
    schools: tuple[School, ...]


def generate(
    con: duckdb.DuckDBPyConnection,
    students: int = DEFAULT_STUDENTS,
    seed: int = 1,
    today: dt.datetime | None = None,
    school_numbers: tuple[int, ...] = (),
) -> District:
    """Fill ``con`` (empty, or with empty dictionary tables) with a synthetic district
    (its schools numbered with ``school_numbers`` first: :func:`_schools`)."""
    if not MIN_STUDENTS <= students <= MAX_STUDENTS:
        raise ValueError(f"students must be from {MIN_STUDENTS} to {MAX_STUDENTS}, not {students}")
    today = today or DEFAULT_TODAY
    yearid = school_year_of(today.date())
    start_year = 1990 + yearid
    schools = _schools(students, tuple(school_numbers))
    create_tables(con)
    x = con.cursor()
    x.execute(f"CREATE OR REPLACE TEMP MACRO rnd(tag, k) AS (hash(tag, k, {int(seed)}) % 1000003) / 1000003.0")
    x.execute(f"CREATE OR REPLACE TEMP MACRO pick(l, tag, k) AS l[1 + (hash(tag, k, {int(seed)}) % len(l))::INTEGER]")

    first = dt.date(start_year, 8, 13)
    last = dt.date(start_year + 1, 6, 5)
    b = _Build(x, int(seed), students, yearid, start_year, first, last, today, schools)
    _small_tables(b)
    _students(b)
    _sections(b)
    _staff(b)
    _section_teachers(b)
    _busy_teacher(b)
    _enrollments(b)
    _contacts(b)
    _contact_channels(b)
    _crowded_contacts(b)
    _student_persons(b)
    _programs(b)
    _calendar(b)
    _attendance(b)
    for table in (
        "stu",
        "sec",
        "tea",
        "sec_teacher",
        "cc_base",
        "fam",
        "contact",
        "assoc",
        "email",
        "course_slots",
        "school_info",
    ):
        x.execute(f"DROP TABLE IF EXISTS {table}")
    x.execute("DROP TABLE IF EXISTS att_days")
    x.execute("DROP TABLE IF EXISTS crowd")
    return District(students, seed, today, yearid, first, last, schools)


def _small_tables(b: _Build) -> None:
    """Schools, terms, prefs, roles, codes, programs and courses: small, built in Python."""
    x = b.x
    yearid = b.yearid
    schools = b.schools
    # ---- small tables, built in Python
    _insert_many(
        x,
        "INSERT INTO SCHOOLS (ID, DCID, SCHOOL_NUMBER, ALTERNATE_SCHOOL_NUMBER, NAME, ABBREVIATION, LOW_GRADE, "
        "HIGH_GRADE, STATE_EXCLUDEFROMREPORTING, DISTRICT_NUMBER, SCHOOLCITY, SCHOOLSTATE, SCHOOLZIP) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'Springfield', 'CA', '90210')",
        [
            # every third school reports under an alternate (state) number
            (i + 1, i + 501, s.number, (s.number + 300) if i % 3 == 1 else 0, s.name,
             s.name.split()[0][:8].upper(), s.low_grade, s.high_grade, int(s.excluded), DISTRICT_NUMBER)
            for i, s in enumerate(schools)
        ],
    )  # fmt: skip
    _insert_many(
        x,
        "INSERT INTO TERMS (DCID, ID, SCHOOLID, YEARID, NAME, ABBREVIATION, PORTION, ISYEARREC, FIRSTDAY, LASTDAY) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _term_rows(schools, yearid),
    )
    _insert_many(
        x,
        "INSERT INTO PREFS (DCID, ID, SCHOOLID, YEARID, NAME, VALUE) VALUES (?, ?, 0, 0, ?, ?)",
        [
            (1, 1, "districtnumber", str(DISTRICT_NUMBER)),
            (2, 2, "districtname", "Springfield Unified School District"),
            (3, 3, "State_Course_Code", "Course Number"),
        ],
    )
    _insert_many(x, "INSERT INTO ROLEDEF (ID, NAME, ISENABLED) VALUES (?, ?, 1)", [(i, n) for n, i in ROLES.items()])
    _insert_many(
        x,
        "INSERT INTO CODESET (CODESETID, CODETYPE, CODE, DISPLAYVALUE) VALUES (?, 'Relationship', ?, ?)",
        [(3000 + i, code, code) for i, code in enumerate(RELATIONSHIPS)],
    )
    _insert_many(
        x,
        "INSERT INTO GEN (ID, DCID, CAT, NAME, VALUE, SCHOOLID, YEARID) VALUES (?, ?, 'specprog', ?, ?, 0, 0)",
        [(60 + i, 160 + i, name, name) for i, name in enumerate(PROGRAMS)],
    )
    courses = []
    for grade in range(-1, 13):
        for slot, (prefix, subject) in enumerate(SUBJECTS, start=1):
            number = f"{prefix}{grade + 1:02d}{slot}"
            label = {-1: "Pre-K", 0: "Kindergarten"}.get(grade, f"Grade {grade}")
            name = f"{subject} {label}"
            if slot == 1 and grade == 3:
                name = 'Reader\'s "Workshop" 3'
            courses.append((len(courses) + 1, len(courses) + 2001, number, name, grade, slot, prefix))
    _insert_many(
        x,
        "INSERT INTO COURSES (ID, DCID, COURSE_NUMBER, COURSE_NAME, SCHED_DEPARTMENT, SCHOOLID, CREDIT_HOURS) "
        "VALUES (?, ?, ?, ?, ?, 0, 1)",
        [(c[0], c[1], c[2], c[3], c[6]) for c in courses],
    )
    _insert_many(
        x,
        "INSERT INTO COURSESCOREFIELDS (COURSESDCID, ALT_COURSE_NUMBER) VALUES (?, ?)",
        [(c[1], f"{c[5]:02d}{c[4] + 1:02d}X") for c in courses],
    )
    x.execute("CREATE TEMP TABLE course_slots (COURSE_NUMBER VARCHAR, GRADE INTEGER, SLOT INTEGER)")
    _insert_many(x, "INSERT INTO course_slots VALUES (?, ?, ?)", [(c[2], c[4], c[5]) for c in courses])
    x.execute(
        "CREATE TEMP TABLE school_info (SCHOOLID INTEGER, SIDX INTEGER, LEVEL VARCHAR, LOW INTEGER, HIGH INTEGER, SLOTS INTEGER, EXCLUDED BOOLEAN)"
    )
    _insert_many(
        x,
        "INSERT INTO school_info VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(s.number, i, s.level, s.low_grade, s.high_grade, s.slots, s.excluded) for i, s in enumerate(schools)],
    )
    _insert_many(
        x,
        "INSERT INTO ATTENDANCE_CODE (ID, DCID, SCHOOLID, YEARID, ATT_CODE, PRESENCE_STATUS_CD, DESCRIPTION, SORTORDER) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (si * 100 + ci + 1, si * 100 + ci + 1, s.number, yearid, code, presence, description, ci)
            for si, s in enumerate(schools)
            for ci, (code, presence, description) in enumerate(ATTENDANCE_CODES)
        ],
    )


def _students(b: _Build) -> None:
    """Students (a grade first, then a school that teaches it), their ethnicity and races."""
    x = b.x
    seed = b.seed
    students = b.students
    start_year = b.start_year
    first = b.first
    last = b.last
    left_span = max(1, (min(b.today.date(), last) - first).days - 20)
    # ---- students: grade first, then a school that teaches the grade
    x.execute(
        f"""
        CREATE TEMP TABLE stu AS
        WITH base AS (
            SELECT i AS ID,
                   CASE WHEN rnd('prek', i) < 0.02 THEN -1 ELSE (hash('grade', i, {int(seed)}) % 13)::INTEGER END AS GRADE
            FROM range(1, {students} + 1) r(i)
        ),
        fits AS (
            SELECT b.ID, b.GRADE, si.SCHOOLID, si.EXCLUDED,
                   ROW_NUMBER() OVER (PARTITION BY b.ID ORDER BY hash('school', b.ID, si.SCHOOLID, {int(seed)})) AS RN
            FROM base b JOIN school_info si ON b.GRADE BETWEEN si.LOW AND si.HIGH
            -- the excluded virtual school takes a few percent of high-school students
            WHERE NOT si.EXCLUDED OR rnd('virtual', b.ID) < 0.08
        )
        SELECT ID, GRADE, SCHOOLID FROM fits WHERE RN = 1
        """
    )
    x.execute(
        f"""
        INSERT INTO STUDENTS BY NAME
        SELECT s.ID AS ID,
               s.ID + 100000 AS DCID,
               200000 + s.ID AS STUDENT_NUMBER,
               CASE WHEN s.ID = 1 OR rnd('nostate', s.ID) < 0.02 THEN NULL ELSE CAST(3500000000 + s.ID AS VARCHAR) END AS STATE_STUDENTNUMBER,
               CASE WHEN s.ID = 2 OR rnd('stateexcl', s.ID) < 0.01 THEN 1 ELSE 0 END AS STATE_EXCLUDEFROMREPORTING,
               CASE WHEN s.ID = 3 OR rnd('prereg', s.ID) < 0.01 THEN -1
                    WHEN s.ID = 4 OR rnd('transfer', s.ID) < 0.02 THEN 2
                    ELSE 0 END AS ENROLL_STATUS,
               s.SCHOOLID AS SCHOOLID,
               s.GRADE AS GRADE_LEVEL,
               CASE WHEN s.ID = 5 THEN '{AWKWARD_NAMES[0]}' WHEN s.ID = 6 THEN chr(84) || chr(9) || 'ab' ELSE pick({_list_sql(FIRST_NAMES)}, 'first', s.ID) END AS FIRST_NAME,
               CASE WHEN s.ID = 7 THEN 'Smith,' || chr(13) || chr(10) || 'Jr.' ELSE pick({_list_sql(LAST_NAMES)}, 'last', s.ID) END AS LAST_NAME,
               CASE WHEN s.ID = 8 THEN 'Ann' || chr(10) || 'Marie' ELSE NULLIF(pick({_list_sql(MIDDLE_NAMES)}, 'middle', s.ID), '') END AS MIDDLE_NAME,
               CASE WHEN rnd('webid', s.ID) < 0.9 THEN 'stu' || CAST(200000 + s.ID AS VARCHAR) END AS STUDENT_WEB_ID,
               CASE WHEN s.ID = 9 OR rnd('gender', s.ID) < 0.01 THEN NULL WHEN rnd('sex', s.ID) < 0.5 THEN 'F' ELSE 'M' END AS GENDER,
               DATE '{start_year}-09-01' - INTERVAL (s.GRADE + 6) YEAR + to_days((hash('dob', s.ID) % 365)::INTEGER) AS DOB,
               DATE '{first}' AS ENTRYDATE,
               -- transfers left on a school day between the 20th day and yesterday, spread
               -- (plugins look for leavers of the last 30, 60 or 365 days)
               CASE WHEN s.ID = 4 OR rnd('transfer', s.ID) < 0.02
                    THEN (SELECT d - to_days(CASE isodow(d) WHEN 6 THEN 1 WHEN 7 THEN 2 ELSE 0 END)
                          FROM (SELECT DATE '{first}' + to_days((20 + hash('left', s.ID, {int(seed)}) % {left_span})::INTEGER) AS d))
                    ELSE DATE '{last}' + 1 END AS EXITDATE
        FROM stu s
        """
    )
    x.execute("UPDATE STUDENTS SET LASTFIRST = LAST_NAME || ', ' || FIRST_NAME")
    # Federal ethnicity and races (one, sometimes two; some students none) for demographics.
    x.execute(
        "UPDATE STUDENTS SET FEDETHNICITY = CASE WHEN rnd('hisp', ID) < 0.25 THEN 1 ELSE 0 END, FEDRACEDECLINE = 0"
    )
    x.execute(
        """
        INSERT INTO STUDENTRACE BY NAME
        WITH firsts AS (
            SELECT ID, pick(['W', 'B', 'A', 'I', 'P', 'W', 'W', 'B'], 'race', ID) AS R0 FROM STUDENTS
        ),
        races AS (
            SELECT ID, R0 AS RACECD, 0 AS K FROM firsts WHERE rnd('race0', ID) < 0.97
            UNION ALL
            SELECT ID, CASE WHEN R0 = 'W' THEN 'B' ELSE 'W' END, 1 FROM firsts WHERE rnd('race1', ID) < 0.08
        )
        SELECT ROW_NUMBER() OVER (ORDER BY ID, K) AS ID, ROW_NUMBER() OVER (ORDER BY ID, K) + 900000 AS DCID,
               ID AS STUDENTID, RACECD
        FROM races
        """
    )


def _sections(b: _Build) -> None:
    """This year's sections: per school, grade and slot, one per 25 students."""
    x = b.x
    yearid = b.yearid
    # ---- sections: per school, grade and slot, one section per 25 students
    x.execute(
        f"""
        CREATE TEMP TABLE sec AS
        WITH counts AS (
            SELECT s.SCHOOLID, s.GRADE, COUNT(*) AS N FROM stu s GROUP BY ALL
        ),
        slots AS (
            SELECT c.SCHOOLID, c.GRADE, si.SIDX, si.LEVEL, sl.SLOT, cs.COURSE_NUMBER,
                   GREATEST(1, CEIL(c.N / 25.0))::INTEGER AS SECTIONS
            FROM counts c
            JOIN school_info si ON si.SCHOOLID = c.SCHOOLID
            JOIN range(1, 8) sl(SLOT) ON sl.SLOT <= si.SLOTS
            JOIN course_slots cs ON cs.GRADE = c.GRADE AND cs.SLOT = sl.SLOT
        )
        SELECT ROW_NUMBER() OVER (ORDER BY SCHOOLID, GRADE, SLOT, k) + 10000 AS ID,
               SCHOOLID, SIDX, LEVEL, GRADE, SLOT, COURSE_NUMBER, k AS SECTION_INDEX,
               -- slot 5 semester, 6 quarter, 7 trimester; the others the whole year
               {yearid} * 100 + CASE SLOT WHEN 5 THEN 1 + k % 2 WHEN 6 THEN 6 + k % 4 WHEN 7 THEN 3 + k % 3 ELSE 0 END AS TERMID,
               ROW_NUMBER() OVER (PARTITION BY SCHOOLID ORDER BY GRADE, SLOT, k) - 1 AS SEQ
        FROM slots, range(0, SECTIONS) r(k)
        """
    )


def _staff(b: _Build) -> None:
    """Teachers (one per five sections of a school), district-office and former staff."""
    x = b.x
    students = b.students
    schools = b.schools
    # Teachers: one per five sections of a school.
    x.execute(
        """
        CREATE TEMP TABLE tea AS
        WITH per_school AS (
            SELECT SCHOOLID, SIDX, GREATEST(1, CEIL(COUNT(*) / 5.0))::INTEGER AS TCOUNT FROM sec GROUP BY ALL
        )
        SELECT ROW_NUMBER() OVER (ORDER BY SCHOOLID, r.k) AS N, SCHOOLID, SIDX, r.k AS TIDX, TCOUNT
        FROM per_school, range(0, TCOUNT) r(k)
        """
    )
    district_staff = 3 + students // 5000
    x.execute(
        f"""
        INSERT INTO USERS BY NAME
        SELECT N + 3000 AS DCID,
               pick({_list_sql(FIRST_NAMES)}, 'tfirst', N) AS FIRST_NAME,
               CASE WHEN N = 2 THEN 'Smith, Jr.' ELSE pick({_list_sql(LAST_NAMES)}, 'tlast', N) END AS LAST_NAME,
               CASE WHEN N = 3 THEN 'Lee' || chr(9) || 'Ann' END AS MIDDLE_NAME,
               'teacher' || N || '@springfield.example.org' AS EMAIL_ADDR,
               CAST(70000 + N AS VARCHAR) AS TEACHERNUMBER,
               'tch' || N AS TEACHERLOGINID,
               'tch' || N AS LOGINID,
               SCHOOLID AS HOMESCHOOLID,
               CASE WHEN N = 1 OR rnd('noprid', N) < 0.03 THEN NULL ELSE 'ST' || CAST(900000 + N AS VARCHAR) END AS SIF_STATEPRID,
               'Teacher' AS TITLE
        FROM tea
        UNION ALL
        SELECT 90000 + i, pick({_list_sql(FIRST_NAMES)}, 'dfirst', i), 'Office-' || CAST(i AS VARCHAR), NULL,
               'office' || i || '@springfield.example.org', CAST(79000 + i AS VARCHAR), 'dist' || i, 'dist' || i,
               0, 'ST' || CAST(990000 + i AS VARCHAR), 'District Office'
        FROM range(1, {district_staff} + 1) r(i)
        UNION ALL
        -- a former teacher per school (inactive): taught last year's sections only
        SELECT 95000 + SIDX, pick({_list_sql(FIRST_NAMES)}, 'ffirst', SIDX), 'Former-' || CAST(SIDX AS VARCHAR), NULL,
               'former' || SIDX || '@springfield.example.org', CAST(78000 + SIDX AS VARCHAR), 'old' || SIDX, 'old' || SIDX,
               SCHOOLID, 'ST' || CAST(980000 + SIDX AS VARCHAR), 'Teacher'
        FROM school_info
        """
    )
    x.execute("UPDATE USERS SET LASTFIRST = LAST_NAME || ', ' || FIRST_NAME")
    # PowerTeacher access for every current teacher and the district office; none for former teachers.
    x.execute("UPDATE USERS SET PTACCESS = CASE WHEN DCID >= 95000 THEN 0 ELSE 1 END, PSACCESS = 1")
    # SCHOOLSTAFF: each teacher at the home school; every 20th also at the next school;
    # district-office staff at school 0; the former teachers inactive (STATUS 2).
    nschools = len(schools)
    x.execute(
        f"""
        INSERT INTO SCHOOLSTAFF BY NAME
        SELECT N + 5000 AS ID, N + 6000 AS DCID, N + 3000 AS USERS_DCID, SCHOOLID,
               1 AS STATUS, 1 AS STAFFSTATUS
        FROM tea
        UNION ALL
        SELECT t.N + 25000, t.N + 26000, t.N + 3000, si.SCHOOLID, 1, 1
        FROM tea t JOIN school_info si ON si.SIDX = (t.SIDX + 1) % {nschools}
        WHERE t.N % 20 = 5
        UNION ALL
        SELECT 45000 + i, 46000 + i, 90000 + i, 0, 1, 2 FROM range(1, {district_staff} + 1) r(i)
        UNION ALL
        SELECT 47000 + SIDX, 48000 + SIDX, 95000 + SIDX, SCHOOLID, 2, 1 FROM school_info
        """
    )
    x.execute(
        """
        INSERT INTO TEACHERS BY NAME
        SELECT ss.ID, ss.DCID, ss.USERS_DCID, ss.SCHOOLID, ss.STATUS, ss.STAFFSTATUS, u.FIRST_NAME, u.LAST_NAME,
               u.MIDDLE_NAME, u.LASTFIRST, u.EMAIL_ADDR, u.TEACHERNUMBER, u.TEACHERLOGINID, u.LOGINID,
               u.HOMESCHOOLID, u.SIF_STATEPRID, u.TITLE, u.PTACCESS, u.PSACCESS
        FROM SCHOOLSTAFF ss JOIN USERS u ON u.DCID = ss.USERS_DCID
        """
    )


def _section_teachers(b: _Build) -> None:
    """Who teaches each section (leads, co-teachers, aides, a change of lead), last and next year's sections."""
    x = b.x
    start_year = b.start_year
    first = b.first
    last = b.last
    x.execute(
        """
        CREATE TEMP TABLE sec_teacher AS
        SELECT s.ID AS SECTIONID, t.N AS LEAD, t2.N AS OTHER
        FROM sec s
        JOIN tea t ON t.SCHOOLID = s.SCHOOLID AND t.TIDX = s.SEQ % t.TCOUNT
        JOIN tea t2 ON t2.SCHOOLID = s.SCHOOLID AND t2.TIDX = (s.SEQ + 1) % t.TCOUNT
        """
    )
    x.execute(
        """
        INSERT INTO SECTIONS BY NAME
        SELECT s.ID, s.ID + 40000 AS DCID, s.SCHOOLID, s.COURSE_NUMBER,
               CAST(s.SECTION_INDEX + 1 AS VARCHAR) AS SECTION_NUMBER,
               s.TERMID, st.LEAD + 5000 AS TEACHER, s.GRADE AS GRADE_LEVEL,
               CAST(s.SLOT AS VARCHAR) || '(A)' AS EXPRESSION,
               CAST(s.SLOT AS VARCHAR) || CASE WHEN s.SLOT = 7 THEN '(M-F)' ELSE '(A)' END AS EXTERNAL_EXPRESSION,
               CASE WHEN s.SEQ % 17 = 3 THEN 'Gym, North' ELSE 'Room ' || CAST(100 + s.SEQ % 40 AS VARCHAR) END AS ROOM,
               CASE WHEN s.SEQ = 2 OR rnd('secexcl', s.ID) < 0.02 THEN 1 ELSE 0 END AS EXCLUDE_STATE_RPT_YN,
               25 AS MAXENROLLMENT, 'ATT_ModeMeeting' AS ATT_MODE_CODE
        FROM sec s JOIN sec_teacher st ON st.SECTIONID = s.ID
        """
    )
    # A few sections of last year and of next year (scheduled ahead, not yet started).
    x.execute(
        """
        INSERT INTO SECTIONS BY NAME
        SELECT s.ID + y.SHIFT AS ID, s.ID + 40000 + y.SHIFT AS DCID, s.SCHOOLID, s.COURSE_NUMBER,
               s.SECTION_NUMBER, s.TERMID + 100 * y.K AS TERMID,
               CASE WHEN y.K < 0 THEN 47000 + s.SIDX ELSE s.TEACHER END AS TEACHER, s.GRADE_LEVEL,
               s.EXPRESSION, s.EXTERNAL_EXPRESSION, s.ROOM, 0 AS EXCLUDE_STATE_RPT_YN, 25 AS MAXENROLLMENT, s.ATT_MODE_CODE
        FROM (SELECT se.*, sc.SEQ, sc.SIDX FROM SECTIONS se JOIN sec sc ON sc.ID = se.ID) s,
             (VALUES (-1, 300000), (1, 600000)) y(K, SHIFT)
        WHERE s.SEQ % 10 = 0
        """
    )
    # SECTIONTEACHER: the lead; a co-teacher in 10 %; an aide in 5 %; 2 % change lead at winter break.
    x.execute(
        f"""
        INSERT INTO SECTIONTEACHER BY NAME
        WITH rows AS (
            SELECT st.SECTIONID, st.LEAD + 5000 AS TEACHERID, {ROLES["Lead Teacher"]} AS ROLEID, 1 AS PRIORITYORDER,
                   TIMESTAMP '{first} 00:00:00' AS START_DATE,
                   CASE WHEN st.SECTIONID % 50 = 7 THEN TIMESTAMP '{start_year}-12-19 00:00:00' ELSE TIMESTAMP '{last} 00:00:00' END AS END_DATE
            FROM sec_teacher st
            UNION ALL
            SELECT st.SECTIONID, st.OTHER + 5000, {ROLES["Lead Teacher"]}, 1,
                   TIMESTAMP '{start_year + 1}-01-05 00:00:00', TIMESTAMP '{last} 00:00:00'
            FROM sec_teacher st WHERE st.SECTIONID % 50 = 7 AND st.OTHER <> st.LEAD
            UNION ALL
            SELECT st.SECTIONID, st.OTHER + 5000, {ROLES["Co-teacher"]}, 2,
                   TIMESTAMP '{first} 00:00:00', TIMESTAMP '{last} 00:00:00'
            FROM sec_teacher st WHERE (st.SECTIONID % 10 = 1 OR st.SECTIONID = 10001) AND st.OTHER <> st.LEAD
            UNION ALL
            SELECT st.SECTIONID, st.OTHER + 5000, {ROLES["Teacher Aide"]}, 3,
                   TIMESTAMP '{first} 00:00:00', TIMESTAMP '{last} 00:00:00'
            FROM sec_teacher st WHERE (st.SECTIONID % 20 = 2 OR st.SECTIONID = 10002) AND st.OTHER <> st.LEAD
            UNION ALL
            SELECT se.ID, se.TEACHER, {ROLES["Lead Teacher"]}, 1,
                   TIMESTAMP '{first}' + INTERVAL (365 * CASE WHEN se.ID >= 600000 THEN 1 ELSE -1 END) DAY,
                   TIMESTAMP '{last}' + INTERVAL (365 * CASE WHEN se.ID >= 600000 THEN 1 ELSE -1 END) DAY
            FROM SECTIONS se WHERE se.ID >= 300000
        )
        SELECT ROW_NUMBER() OVER (ORDER BY SECTIONID, PRIORITYORDER, START_DATE) AS ID, * FROM rows
        """
    )


def _enrollments(b: _Build) -> None:
    """CC rows: dropped, same-day, early-leaving and full enrollments; transfers leave on their exit date."""
    x = b.x
    # CC: every student in one section of each slot of the grade; 2 % dropped, 0.5 % same-day,
    # 3 % left early; next year's sections get a few pre-scheduled students.
    x.execute(
        """
        CREATE TEMP TABLE cc_base AS
        WITH counts AS (SELECT SCHOOLID, GRADE, SLOT, COUNT(*) AS K FROM sec GROUP BY ALL),
        students AS (
            SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.SCHOOLID, s.GRADE ORDER BY s.ID) - 1 AS POS FROM stu s
        )
        SELECT st.ID AS STUDENTID, se.ID AS SECTIONID, se.SCHOOLID, se.COURSE_NUMBER, se.SECTION_INDEX, se.TERMID, se.SLOT,
               sec_t.LEAD + 5000 AS TEACHERID, t.FIRSTDAY, t.LASTDAY
        FROM students st
        JOIN counts c ON c.SCHOOLID = st.SCHOOLID AND c.GRADE = st.GRADE
        JOIN sec se ON se.SCHOOLID = st.SCHOOLID AND se.GRADE = st.GRADE AND se.SLOT = c.SLOT AND se.SECTION_INDEX = st.POS % c.K
        JOIN sec_teacher sec_t ON sec_t.SECTIONID = se.ID
        JOIN TERMS t ON t.ID = se.TERMID AND t.SCHOOLID = se.SCHOOLID
        """
    )
    x.execute(
        """
        INSERT INTO CC BY NAME
        WITH k AS (
            SELECT b.*, ROW_NUMBER() OVER (ORDER BY b.STUDENTID, b.SLOT) AS N FROM cc_base b
        ),
        flagged AS (
            SELECT k.*,
                   CASE WHEN N = 1 OR rnd('drop', N) < 0.02 THEN 'dropped'
                        WHEN N = 2 OR rnd('sameday', N) < 0.005 THEN 'sameday'
                        WHEN N = 3 OR rnd('early', N) < 0.03 THEN 'early'
                        ELSE 'full' END AS KIND
            FROM k
        )
        SELECT N AS ID, N + 700000 AS DCID, STUDENTID, SCHOOLID, COURSE_NUMBER,
               CAST(SECTION_INDEX + 1 AS VARCHAR) AS SECTION_NUMBER, TEACHERID,
               CASE WHEN KIND = 'dropped' THEN -SECTIONID ELSE SECTIONID END AS SECTIONID,
               CASE WHEN KIND = 'dropped' THEN -TERMID ELSE TERMID END AS TERMID,
               -- a dropped class keeps the section it pointed to in ORIGSECTIONID
               CASE WHEN KIND = 'dropped' THEN SECTIONID END AS ORIGSECTIONID,
               FIRSTDAY AS DATEENROLLED,
               CASE KIND WHEN 'dropped' THEN FIRSTDAY + 10 WHEN 'sameday' THEN FIRSTDAY
                         WHEN 'early' THEN LEAST(LASTDAY, FIRSTDAY + 20 + (hash('left', N) % 60)::INTEGER)
                         ELSE LASTDAY + 1 END AS DATELEFT,
               TERMID // 100 AS STUDYEAR
        FROM flagged
        UNION ALL
        SELECT 5000000 + ROW_NUMBER() OVER (ORDER BY se.ID), 9000000 + ROW_NUMBER() OVER (ORDER BY se.ID),
               stu.ID, se.SCHOOLID, se.COURSE_NUMBER, se.SECTION_NUMBER, se.TEACHER, se.ID, se.TERMID, NULL,
               t.FIRSTDAY, t.LASTDAY + 1, se.TERMID // 100
        FROM SECTIONS se
        JOIN TERMS t ON t.ID = se.TERMID AND t.SCHOOLID = se.SCHOOLID
        JOIN stu ON stu.SCHOOLID = se.SCHOOLID AND stu.ID % 50 = se.ID % 50
        WHERE se.ID >= 300000
        """
    )
    # Students who transferred out left every section on their exit date.
    x.execute(
        """
        UPDATE CC SET DATELEFT = s.EXITDATE
        FROM STUDENTS s WHERE s.ID = CC.STUDENTID AND s.ENROLL_STATUS = 2 AND CC.DATELEFT > s.EXITDATE
          AND CC.DATEENROLLED < s.EXITDATE
        """
    )
    # PowerSchool keeps each section's count of its current students.
    x.execute(
        f"""
        UPDATE SECTIONS SET NO_OF_STUDENTS = COALESCE(n.K, 0)
        FROM (SELECT se.ID, n.K FROM SECTIONS se LEFT JOIN (
                  -- enrolled and not gone (a term that has ended keeps its students)
                  SELECT c.SECTIONID, COUNT(*) AS K FROM CC c
                  JOIN TERMS t ON t.ID = c.TERMID AND t.SCHOOLID = c.SCHOOLID
                  WHERE c.DATELEFT > c.DATEENROLLED AND c.DATELEFT > LEAST(DATE '{b.today.date()}', t.LASTDAY)
                  GROUP BY ALL
              ) n ON n.SECTIONID = se.ID) n
        WHERE n.ID = SECTIONS.ID
        """
    )


def _contacts(b: _Build) -> None:
    """Contacts of every relationship, with emails and phones."""
    x = b.x
    start_year = b.start_year
    # ---- contacts: a family per student (every 5th shares its older sibling's family)
    x.execute(
        """
        CREATE TEMP TABLE fam AS
        SELECT s.ID AS STUDENTID, s.ID + 100000 AS STUDENTDCID,
               CASE WHEN s.ID % 5 = 0 AND s.ID > 1 THEN s.ID - 1 ELSE s.ID END AS FAMILY
        FROM stu s
        """
    )
    # Contact slots of a family: 0 mother, 1 father, 2 grandparent or aunt/uncle, 3 guardian,
    # 4 unmapped (emergency contact, neighbour, other), 5 sibling (relative).
    x.execute(
        """
        CREATE TEMP TABLE contact AS
        SELECT f.FAMILY * 8 + c.SLOT AS PERSONID, f.FAMILY, f.STUDENTDCID, c.SLOT,
               CASE c.SLOT WHEN 0 THEN 'Mother' WHEN 1 THEN 'Father'
                           WHEN 2 THEN pick(['Grandmother', 'Grandfather', 'Aunt', 'Uncle'], 'rel2', f.FAMILY)
                           WHEN 3 THEN pick(['Legal Guardian', 'Guardian'], 'rel3', f.FAMILY)
                           WHEN 4 THEN pick(['Emergency Contact', 'Neighbor', 'Other'], 'rel4', f.FAMILY)
                           ELSE pick(['Sister', 'Brother'], 'rel5', f.FAMILY) END AS RELATIONSHIP
        FROM fam f, range(0, 6) c(SLOT)
        WHERE (c.SLOT = 0 AND (f.FAMILY <= 20 OR rnd('mother', f.FAMILY) < 0.85))
           OR (c.SLOT = 1 AND (f.FAMILY <= 20 OR rnd('father', f.FAMILY) < 0.6))
           OR (c.SLOT = 2 AND (f.FAMILY % 7 = 1 OR rnd('grand', f.FAMILY) < 0.12))
           OR (c.SLOT = 3 AND (f.FAMILY % 11 = 2 OR rnd('guardian', f.FAMILY) < 0.06))
           OR (c.SLOT = 4 AND (f.FAMILY % 6 = 3 OR rnd('emergency', f.FAMILY) < 0.15))
           OR (c.SLOT = 5 AND (f.FAMILY % 13 = 4 OR rnd('sibling', f.FAMILY) < 0.04))
        """
    )
    x.execute(
        f"""
        INSERT INTO PERSON BY NAME
        SELECT DISTINCT PERSONID AS ID, PERSONID + 300000 AS DCID,
               CASE WHEN PERSONID = 8 THEN 'Zoë "Zo"' ELSE pick({_list_sql(FIRST_NAMES)}, 'pfirst', PERSONID) END AS FIRSTNAME,
               CASE WHEN PERSONID = 9 THEN 'García, de la Cruz' ELSE pick({_list_sql(LAST_NAMES)}, 'plast', FAMILY) END AS LASTNAME,
               CASE WHEN PERSONID = 10 THEN 'Mae' || chr(10) || 'Belle' END AS MIDDLENAME,
               CASE WHEN PERSONID % 97 = 13 THEN 0 ELSE 1 END AS ISACTIVE
        FROM contact
        """
    )
    x.execute(
        """
        CREATE TEMP TABLE assoc AS
        SELECT ROW_NUMBER() OVER (ORDER BY c.STUDENTDCID, c.SLOT) + 400000 AS ID, c.*,
               (SELECT cs.CODESETID FROM CODESET cs WHERE cs.CODE = c.RELATIONSHIP) AS CODESETID
        FROM contact c
        """
    )
    x.execute(
        """
        INSERT INTO STUDENTCONTACTASSOC BY NAME
        SELECT ID AS STUDENTCONTACTASSOCID, STUDENTDCID, PERSONID, SLOT + 1 AS CONTACTPRIORITYORDER,
               CODESETID AS CURRRELTYPECODESETID
        FROM assoc
        """
    )
    # Details: active, except 3 % inactive and 2 % ended before today.
    x.execute(
        f"""
        INSERT INTO STUDENTCONTACTDETAIL BY NAME
        SELECT ID + 100000 AS STUDENTCONTACTDETAILID, ID AS STUDENTCONTACTASSOCID, CODESETID AS RELATIONSHIPTYPECODESETID,
               CASE WHEN ID % 33 = 5 THEN 0 ELSE 1 END AS ISACTIVE,
               DATE '{start_year - 3}-08-01' AS STARTDATE,
               CASE WHEN ID % 50 = 7 THEN DATE '{start_year}-10-01' END AS ENDDATE,
               CASE WHEN SLOT <= 1 THEN 1 ELSE 0 END AS ISCUSTODIAL,
               CASE WHEN SLOT = 4 THEN 1 ELSE 0 END AS ISEMERGENCY,
               CASE WHEN SLOT <= 1 THEN 1 ELSE 0 END AS LIVESWITHFLG
        FROM assoc
        """
    )


def _contact_channels(b: _Build) -> None:
    """Emails (80 % of persons a primary address, 10 % a second one) and phones of the persons."""
    x = b.x
    x.execute(
        """
        CREATE TEMP TABLE email AS
        SELECT p.ID AS PERSONID, e.K, p.ID * 2 + e.K + 800000 AS EMAILADDRESSID,
               lower(translate(p.FIRSTNAME, ' "''', '')) || '.' || CAST(p.ID AS VARCHAR)
                   || CASE e.K WHEN 0 THEN '@mail.example.com' ELSE '@work.example.com' END AS EMAILADDRESS
        FROM PERSON p, range(0, 2) e(K)
        WHERE (e.K = 0 AND (p.ID % 5 <> 4)) OR (e.K = 1 AND p.ID % 10 = 3)
        """
    )
    x.execute("INSERT INTO EMAILADDRESS BY NAME SELECT EMAILADDRESSID, EMAILADDRESS FROM email")
    x.execute(
        """
        INSERT INTO PERSONEMAILADDRESSASSOC BY NAME
        SELECT EMAILADDRESSID + 100000 AS PERSONEMAILADDRESSASSOCID, PERSONID, EMAILADDRESSID,
               CASE WHEN K = 0 THEN 1 ELSE 0 END AS ISPRIMARYEMAILADDRESS, K + 1 AS EMAILADDRESSPRIORITYORDER
        FROM email
        """
    )
    x.execute(
        """
        INSERT INTO PHONENUMBER BY NAME
        SELECT ID + 600000 AS PHONENUMBERID, '555-' || lpad(CAST(ID % 10000 AS VARCHAR), 4, '0') AS PHONENUMBER,
               CASE WHEN ID % 3 = 0 THEN 1 ELSE 0 END AS ISSMS
        FROM PERSON WHERE ID % 4 <> 1
        """
    )
    x.execute(
        """
        INSERT INTO PERSONPHONENUMBERASSOC BY NAME
        SELECT PHONENUMBERID + 100000 AS PERSONPHONENUMBERASSOCID, PHONENUMBERID - 600000 AS PERSONID, PHONENUMBERID,
               1 AS ISPREFERRED, 1 AS PHONENUMBERPRIORITYORDER
        FROM PHONENUMBER
        """
    )


def _programs(b: _Build) -> None:
    """Special-program enrollments."""
    x = b.x
    start_year = b.start_year
    first = b.first
    # ---- special programs: 15 % of students, some exited, some open
    x.execute(
        f"""
        INSERT INTO SPENROLLMENTS BY NAME
        SELECT ROW_NUMBER() OVER (ORDER BY s.ID, p.K) AS ID, ROW_NUMBER() OVER (ORDER BY s.ID, p.K) + 800000 AS DCID,
               s.ID AS STUDENTID, s.SCHOOLID, s.GRADE AS GRADELEVEL,
               -- a second program is always another one (one enrollment per program and date)
               60 + ((hash('prog', s.ID) % {len(PROGRAMS)}) + p.K * (1 + hash('prog2', s.ID) % {len(PROGRAMS) - 1}))::INTEGER
                   % {len(PROGRAMS)} AS PROGRAMID,
               DATE '{first}' - INTERVAL ((hash('enter', s.ID) % 400)::INTEGER - 30 * p.K) DAY AS ENTER_DATE,
               CASE WHEN s.ID % 4 = 1 THEN DATE '{start_year}-12-01' END AS EXIT_DATE
        FROM stu s, range(0, 2) p(K)
        WHERE (p.K = 0 AND (s.ID <= 10 OR rnd('prog0', s.ID) < 0.15)) OR (p.K = 1 AND rnd('prog1', s.ID) < 0.03)
        """
    )


def _calendar(b: _Build) -> None:
    """CALENDAR_DAY of every school: each day of the year, in session or not."""
    b.x.execute("CREATE TEMP TABLE cal (D DATE, INSESSION INTEGER)")
    _insert_many(b.x, "INSERT INTO cal VALUES (?, ?)", [(d, int(s)) for d, s in school_days(b.start_year)])
    b.x.execute(
        """
        INSERT INTO CALENDAR_DAY BY NAME
        SELECT ROW_NUMBER() OVER (ORDER BY si.SCHOOLID, c.D) AS ID, ROW_NUMBER() OVER (ORDER BY si.SCHOOLID, c.D) + 8000000 AS DCID,
               si.SCHOOLID, c.D AS DATE_VALUE, c.INSESSION, CASE WHEN c.INSESSION = 1 THEN 1 ELSE 0 END AS MEMBERSHIPVALUE
        FROM school_info si, cal c
        """
    )
    b.x.execute("DROP TABLE cal")


def _busy_teacher(b: _Build) -> None:
    """The first teacher also co-teaches sections of the school up to 60 (one teacher, many links)."""
    x = b.x
    teacher = 5001
    taught = x.execute(f"SELECT COUNT(*) FROM SECTIONTEACHER WHERE TEACHERID = {teacher}").fetchone()[0]
    x.execute(
        f"""
        INSERT INTO SECTIONTEACHER BY NAME
        SELECT 9000000 + ROW_NUMBER() OVER (ORDER BY s.ID) AS ID, s.ID AS SECTIONID, {teacher} AS TEACHERID,
               {ROLES["Co-teacher"]} AS ROLEID, 2 AS PRIORITYORDER,
               TIMESTAMP '{b.first} 00:00:00' AS START_DATE, TIMESTAMP '{b.last} 00:00:00' AS END_DATE
        FROM sec s JOIN tea t ON t.N = 1 AND t.SCHOOLID = s.SCHOOLID
        WHERE s.ID NOT IN (SELECT SECTIONID FROM SECTIONTEACHER WHERE TEACHERID = {teacher} OR PRIORITYORDER > 1)
          AND s.ID % 50 <> 7
        ORDER BY s.ID
        LIMIT {max(0, 60 - taught)}
        """
    )


AGENCY_PERSON_ID = 2_000_000


def _crowded_contacts(b: _Build) -> None:
    """An agency guardian of 1,000 active students (all of them in a smaller district) and a
    student with 20 contacts: lists of links that pass 4,000 bytes."""
    x = b.x
    codes = {code: 3000 + i for i, code in enumerate(RELATIONSHIPS)}
    x.execute(
        f"""
        INSERT INTO PERSON BY NAME
        SELECT {AGENCY_PERSON_ID} + i AS ID, {AGENCY_PERSON_ID} + 300000 + i AS DCID,
               CASE WHEN i = 0 THEN 'County' ELSE pick({_list_sql(FIRST_NAMES)}, 'cfirst', i) END AS FIRSTNAME,
               CASE WHEN i = 0 THEN 'Family Services Agency' ELSE 'Contact-' || CAST(i AS VARCHAR) END AS LASTNAME,
               1 AS ISACTIVE
        FROM range(0, 21) r(i)
        """
    )
    x.execute(
        f"""
        CREATE TEMP TABLE crowd AS
        WITH exported AS (SELECT SCHOOLID FROM school_info WHERE NOT EXCLUDED)
        SELECT {AGENCY_PERSON_ID} AS PERSONID, s.DCID AS STUDENTDCID, {codes["Legal Guardian"]} AS CODESETID,
               ROW_NUMBER() OVER (ORDER BY s.ID) AS K
        FROM (SELECT ID, DCID FROM STUDENTS JOIN exported ON exported.SCHOOLID = STUDENTS.SCHOOLID
              WHERE ENROLL_STATUS IN (0, -1) ORDER BY ID LIMIT 1000) s
        UNION ALL
        SELECT {AGENCY_PERSON_ID} + i,
               (SELECT MIN(DCID) FROM STUDENTS JOIN exported ON exported.SCHOOLID = STUDENTS.SCHOOLID WHERE ENROLL_STATUS = 0 AND ID > 10),
               [{codes["Mother"]}, {codes["Father"]}, {codes["Legal Guardian"]}, {codes["Guardian"]}, {codes["Grandmother"]}][1 + i % 5],
               2000 + i
        FROM range(1, 21) r(i)
        """
    )
    x.execute(
        """
        INSERT INTO STUDENTCONTACTASSOC BY NAME
        SELECT 5000000 + K AS STUDENTCONTACTASSOCID, STUDENTDCID, PERSONID, 7 AS CONTACTPRIORITYORDER,
               CODESETID AS CURRRELTYPECODESETID
        FROM crowd
        """
    )
    x.execute(
        f"""
        INSERT INTO STUDENTCONTACTDETAIL BY NAME
        SELECT 6000000 + K AS STUDENTCONTACTDETAILID, 5000000 + K AS STUDENTCONTACTASSOCID,
               CODESETID AS RELATIONSHIPTYPECODESETID, 1 AS ISACTIVE, DATE '{b.start_year - 3}-08-01' AS STARTDATE,
               0 AS ISCUSTODIAL, 0 AS ISEMERGENCY, 0 AS LIVESWITHFLG
        FROM crowd
        """
    )


STUDENT_PERSON_ID = 3_000_000


def _student_persons(b: _Build) -> None:
    """Each student's own PERSON (STUDENTS.PERSON_ID) and, for 95 %, a school e-mail address
    (PERSONEMAILADDRESSASSOC → EMAILADDRESS), as PowerSchool keeps a student's contact info."""
    x = b.x
    x.execute(
        f"""
        INSERT INTO PERSON BY NAME
        SELECT {STUDENT_PERSON_ID} + ID AS ID, {STUDENT_PERSON_ID} + 1000000 + ID AS DCID, FIRST_NAME AS FIRSTNAME,
               LAST_NAME AS LASTNAME, MIDDLE_NAME AS MIDDLENAME, 1 AS ISACTIVE
        FROM STUDENTS
        """
    )
    x.execute(f"UPDATE STUDENTS SET PERSON_ID = {STUDENT_PERSON_ID} + ID")
    x.execute(
        """
        INSERT INTO EMAILADDRESS BY NAME
        SELECT 30000000 + ID AS EMAILADDRESSID,
               'stu' || CAST(STUDENT_NUMBER AS BIGINT) || '@students.springfield.example.org' AS EMAILADDRESS
        FROM STUDENTS WHERE rnd('stuemail', ID) < 0.95
        """
    )
    x.execute(
        f"""
        INSERT INTO PERSONEMAILADDRESSASSOC BY NAME
        SELECT EMAILADDRESSID + 1000000 AS PERSONEMAILADDRESSASSOCID, EMAILADDRESSID - 30000000 + {STUDENT_PERSON_ID} AS PERSONID,
               EMAILADDRESSID, 1 AS ISPRIMARYEMAILADDRESS, 1 AS EMAILADDRESSPRIORITYORDER
        FROM EMAILADDRESS WHERE EMAILADDRESSID >= 30000000
        """
    )


def _attendance(b: _Build) -> None:
    """Meeting attendance on the school days before today, and daily rows to ignore."""
    x = b.x
    yearid = b.yearid
    first = b.first
    today = b.today
    # ---- meeting attendance: the last 15 school days before today (6 % absent or late),
    # plus daily-mode rows the section export must ignore.
    days = [d for d, in_session in school_days(b.start_year) if in_session and first <= d < today.date()][-15:]
    if days:
        x.execute("CREATE TEMP TABLE att_days (D DATE)")
        _insert_many(x, "INSERT INTO att_days VALUES (?)", [(d,) for d in days])
        codes = len(ATTENDANCE_CODES)
        x.execute(
            f"""
            INSERT INTO ATTENDANCE BY NAME
            WITH meetings AS (
                SELECT cc.ID AS CCID, cc.STUDENTID, cc.SCHOOLID, cc.SECTIONID, d.D
                FROM CC cc JOIN att_days d ON d.D >= cc.DATEENROLLED AND d.D < cc.DATELEFT
                WHERE cc.SECTIONID BETWEEN 10000 AND 299999
                  AND (rnd('att', cc.ID * 100000 + epoch(d.D)::BIGINT // 86400) < 0.06 OR (cc.ID <= 40 AND d.D = (SELECT MAX(D) FROM att_days)))
            ),
            coded AS (
                SELECT m.*, si.SIDX,
                       -- codes 2..{codes}: unexcused, excused (3 codes), tardy, tardy-excused; sometimes P
                       CASE WHEN m.CCID <= 40 THEN 1 + m.CCID % {codes} ELSE 1 + (hash('code', m.CCID, m.D) % {codes})::INTEGER END AS CODE_INDEX
                FROM meetings m JOIN school_info si ON si.SCHOOLID = m.SCHOOLID
            )
            SELECT ROW_NUMBER() OVER (ORDER BY CCID, D) AS ID, ROW_NUMBER() OVER (ORDER BY CCID, D) + 3000000 AS DCID,
                   STUDENTID, SCHOOLID, D AS ATT_DATE, CCID, SIDX * 100 + CODE_INDEX AS ATTENDANCE_CODEID,
                   'ATT_ModeMeeting' AS ATT_MODE_CODE, {yearid} AS YEARID,
                   CASE WHEN CCID % 9 = 0 THEN 'Note: bus, "late"' END AS ATT_COMMENT
            FROM coded
            UNION ALL
            SELECT 2000000 + s.ID, 5000000 + s.ID, s.ID, s.SCHOOLID, (SELECT MAX(D) FROM att_days), 0,
                   si.SIDX * 100 + 2, 'ATT_ModeDaily', {yearid}, NULL
            FROM stu s JOIN school_info si ON si.SCHOOLID = s.SCHOOLID WHERE s.ID % 40 = 0
            """
        )


def _insert_many(cursor, sql: str, rows: list[tuple]) -> None:
    """``INSERT … VALUES (?, …)`` for many rows in few statements (DuckDB's executemany
    runs one statement per row, which is slow)."""
    head, _, values = sql.rpartition("VALUES")
    one = values.strip()
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        cursor.execute(f"{head} VALUES {', '.join([one] * len(chunk))}", [v for row in chunk for v in row])


def _list_sql(values: list[str]) -> str:
    """A DuckDB list literal of strings."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"

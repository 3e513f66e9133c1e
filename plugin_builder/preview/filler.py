"""Rows for every table a query reads: hand-written generators and a generic, deterministic filler.

The synthetic district (:mod:`plugin_builder.preview.synthetic`) models the roster tables.
Any other table a query reads is filled here, after the district is generated and only when
a query reads it (:func:`fill_tables`), so a large district pays only for what is read.

**Generic filler.** Every table is filled from an *anchor*: the district's rows the new rows
hang off, chosen from the table's key columns by PowerSchool's naming conventions —
``STUDENTID`` and ``SECTIONID`` together: one row per current enrollment (CC);
``STUDENTID``/``STUDENTSDCID``: one per student; ``SECTIONID``/``SECTIONSDCID``: one per
section of the year; ``TEACHERID``/``SCHOOLSTAFFID``: one per SCHOOLSTAFF row; ``USERSDCID``:
one per user; ``PERSONID``: one per person; ``COURSESDCID``/``COURSE_NUMBER``: one per course;
``TERMID``: one per term of the year; ``SCHOOLID``: one per school; none: 20 rows. Key columns
take the anchor's values (so ``SCHOOLID`` is the student's ``SCHOOLS.SCHOOL_NUMBER``, ``TERMID``
the section's term), other keys pick an existing row (``STUDENTID`` → STUDENTS.ID,
``STUDENTSDCID`` → STUDENTS.DCID, ``SECTIONID`` → SECTIONS.ID, ``SCHOOLID`` →
SCHOOLS.SCHOOL_NUMBER, ``TERMID`` → the year term every school has, ``YEARID`` → the year,
``USERSDCID`` → USERS.DCID, ``TEACHERID`` → SCHOOLSTAFF.ID, ``CCID`` → CC.ID, ``PERSONID`` →
PERSON.ID, ``ROLEID`` → ROLEDEF.ID, ``…CODESETID`` → CODESET, ``<TABLE>ID``/``<TABLE>DCID`` →
that table when it has rows), and the table's own ``ID``/``DCID``/``<TABLE>ID`` count from 1.
Other values follow the column's type (length, scale) and name: flags 0/1, dates within the
school year (start/entry dates its first day, end/exit dates the day after its last), e-mail
addresses, phones, genders, names. Every value is ``hash(table.column, row, seed)``: the same
rows every run.

**Hand-written generators** (:data:`GENERATORS`) give the tables that carry meaning rows that
agree with the district: stored and in-progress grades of real enrollments in the terms that
have ended or begun, the grade scale those grades come from, term bins of every term, log
entries written by the students' teachers, core fields, staff race, re-enrollments of the year
before, fees. They use the same engine (an anchor plus the columns they set; the rest generic).

A table that is not empty (a CSV of ``--tables``, or a table the district models with rows)
is never touched.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from plugin_builder.sql.dictionary import create_tables, load_dictionary, load_full_dictionary

GENERIC_ROWS = 20  # a table anchored on nothing

# Column name -> the key it holds (PowerSchool's naming conventions).
KEY_ALIASES = {
    "STUDENTID": "STUDENTID",
    "STUDENTSID": "STUDENTID",
    "STUDENTSDCID": "STUDENTSDCID",
    "STUDENTDCID": "STUDENTSDCID",
    "STUDENTS_DCID": "STUDENTSDCID",
    "STUDENT_NUMBER": "STUDENT_NUMBER",
    "SECTIONID": "SECTIONID",
    "SECTIONSID": "SECTIONID",
    "SECTIONSDCID": "SECTIONSDCID",
    "SECTIONDCID": "SECTIONSDCID",
    "SECTIONS_DCID": "SECTIONSDCID",
    "SCHOOLID": "SCHOOLID",
    "SCHOOLNUMBER": "SCHOOLID",
    "HOMESCHOOLID": "SCHOOLID",
    "ENROLLMENT_SCHOOLID": "SCHOOLID",
    "SCHOOLSDCID": "SCHOOLSDCID",
    "TERMID": "TERMID",
    "TERMSDCID": "TERMSDCID",
    "YEARID": "YEARID",
    "USERSDCID": "USERSDCID",
    "USERS_DCID": "USERSDCID",
    "USERDCID": "USERSDCID",
    "TEACHERID": "TEACHERID",
    "SCHOOLSTAFFID": "TEACHERID",
    "STAFFID": "TEACHERID",
    "SCHOOLSTAFFDCID": "SCHOOLSTAFFDCID",
    "COURSESDCID": "COURSESDCID",
    "COURSEDCID": "COURSESDCID",
    "COURSE_NUMBER": "COURSE_NUMBER",
    "CCID": "CCID",
    "CCDCID": "CCDCID",
    "PERSONID": "PERSONID",
    "GRADE_LEVEL": "GRADE_LEVEL",
    "GRADELEVEL": "GRADE_LEVEL",
}

# Anchors: the rows a table hangs off, each giving the keys it knows (upper-case names).
_STUDENT_KEYS = {"STUDENTID", "STUDENTSDCID", "STUDENT_NUMBER"}
_SECTION_KEYS = {"SECTIONID", "SECTIONSDCID", "CCID", "CCDCID"}
_STAFF_KEYS = {"TEACHERID", "SCHOOLSTAFFDCID"}
_COURSE_KEYS = {"COURSESDCID", "COURSE_NUMBER"}

ANCHORS = {
    "enrollment": (
        "SELECT cc.ID AS CCID, cc.DCID AS CCDCID, cc.STUDENTID, s.DCID AS STUDENTSDCID, s.STUDENT_NUMBER,"
        " s.GRADE_LEVEL, cc.SECTIONID, se.DCID AS SECTIONSDCID, cc.SCHOOLID, sc.DCID AS SCHOOLSDCID, cc.TERMID,"
        " cc.COURSE_NUMBER, co.DCID AS COURSESDCID, cc.TEACHERID, ss.DCID AS SCHOOLSTAFFDCID,"
        " ss.USERS_DCID AS USERSDCID, cc.DATEENROLLED AS X_START, cc.DATELEFT AS X_END"
        " FROM CC cc JOIN STUDENTS s ON s.ID = cc.STUDENTID JOIN SECTIONS se ON se.ID = cc.SECTIONID"
        " LEFT JOIN SCHOOLS sc ON sc.SCHOOL_NUMBER = cc.SCHOOLID"
        " LEFT JOIN COURSES co ON co.COURSE_NUMBER = cc.COURSE_NUMBER"
        " LEFT JOIN SCHOOLSTAFF ss ON ss.ID = cc.TEACHERID"
        " WHERE cc.SECTIONID > 0 AND cc.TERMID BETWEEN {yearid} * 100 AND {yearid} * 100 + 99",
        "CCID",
    ),
    "student": (
        "SELECT s.ID AS STUDENTID, s.DCID AS STUDENTSDCID, s.STUDENT_NUMBER, s.GRADE_LEVEL, s.SCHOOLID,"
        " sc.DCID AS SCHOOLSDCID, s.ENTRYDATE AS X_START, s.EXITDATE AS X_END"
        " FROM STUDENTS s LEFT JOIN SCHOOLS sc ON sc.SCHOOL_NUMBER = s.SCHOOLID",
        "STUDENTID",
    ),
    "section": (
        "SELECT se.ID AS SECTIONID, se.DCID AS SECTIONSDCID, se.SCHOOLID, sc.DCID AS SCHOOLSDCID, se.TERMID,"
        " se.COURSE_NUMBER, co.DCID AS COURSESDCID, se.TEACHER AS TEACHERID, ss.DCID AS SCHOOLSTAFFDCID,"
        " ss.USERS_DCID AS USERSDCID, se.GRADE_LEVEL"
        " FROM SECTIONS se LEFT JOIN SCHOOLS sc ON sc.SCHOOL_NUMBER = se.SCHOOLID"
        " LEFT JOIN COURSES co ON co.COURSE_NUMBER = se.COURSE_NUMBER"
        " LEFT JOIN SCHOOLSTAFF ss ON ss.ID = se.TEACHER"
        " WHERE se.TERMID BETWEEN {yearid} * 100 AND {yearid} * 100 + 99",
        "SECTIONID",
    ),
    "staff": (
        "SELECT ss.ID AS TEACHERID, ss.DCID AS SCHOOLSTAFFDCID, ss.USERS_DCID AS USERSDCID, ss.SCHOOLID,"
        " sc.DCID AS SCHOOLSDCID FROM SCHOOLSTAFF ss LEFT JOIN SCHOOLS sc ON sc.SCHOOL_NUMBER = ss.SCHOOLID",
        "TEACHERID",
    ),
    "user": (
        "SELECT u.DCID AS USERSDCID, u.HOMESCHOOLID AS SCHOOLID, MIN(ss.ID) AS TEACHERID,"
        " MIN(ss.DCID) AS SCHOOLSTAFFDCID FROM USERS u LEFT JOIN SCHOOLSTAFF ss ON ss.USERS_DCID = u.DCID"
        " GROUP BY u.DCID, u.HOMESCHOOLID",
        "USERSDCID",
    ),
    "person": ("SELECT p.ID AS PERSONID FROM PERSON p", "PERSONID"),
    "course": ("SELECT c.DCID AS COURSESDCID, c.COURSE_NUMBER FROM COURSES c", "COURSESDCID"),
    "term": (
        "SELECT t.ID AS TERMID, t.DCID AS TERMSDCID, t.SCHOOLID, sc.DCID AS SCHOOLSDCID,"
        " t.FIRSTDAY AS X_START, t.LASTDAY AS X_END"
        " FROM TERMS t LEFT JOIN SCHOOLS sc ON sc.SCHOOL_NUMBER = t.SCHOOLID WHERE t.YEARID = {yearid}",
        "SCHOOLID, TERMID",
    ),
    "school": ("SELECT SCHOOL_NUMBER AS SCHOOLID, DCID AS SCHOOLSDCID FROM SCHOOLS", "SCHOOLID"),
    "none": (f"SELECT i AS X_I FROM range(1, {GENERIC_ROWS} + 1) r(i)", "X_I"),
}

# Pools a key not given by the anchor picks from: key -> (list expression's SQL).
POOLS = {
    "STUDENTID": "SELECT ID AS V FROM STUDENTS",
    "STUDENTSDCID": "SELECT DCID AS V FROM STUDENTS",
    "STUDENT_NUMBER": "SELECT STUDENT_NUMBER AS V FROM STUDENTS",
    "SECTIONID": "SELECT ID AS V FROM SECTIONS WHERE TERMID BETWEEN {yearid} * 100 AND {yearid} * 100 + 99",
    "SECTIONSDCID": "SELECT DCID AS V FROM SECTIONS WHERE TERMID BETWEEN {yearid} * 100 AND {yearid} * 100 + 99",
    "SCHOOLID": "SELECT SCHOOL_NUMBER AS V FROM SCHOOLS",
    "SCHOOLSDCID": "SELECT DCID AS V FROM SCHOOLS",
    "TERMSDCID": "SELECT DCID AS V FROM TERMS WHERE YEARID = {yearid}",
    "USERSDCID": "SELECT DCID AS V FROM USERS",
    "TEACHERID": "SELECT ID AS V FROM SCHOOLSTAFF",
    "SCHOOLSTAFFDCID": "SELECT DCID AS V FROM SCHOOLSTAFF",
    "COURSESDCID": "SELECT DCID AS V FROM COURSES",
    "COURSE_NUMBER": "SELECT COURSE_NUMBER AS V FROM COURSES",
    "CCID": "SELECT ID AS V FROM CC WHERE SECTIONID > 0",
    "CCDCID": "SELECT DCID AS V FROM CC WHERE SECTIONID > 0",
    "PERSONID": "SELECT ID AS V FROM PERSON",
    "ROLEID": "SELECT ID AS V FROM ROLEDEF",
    "CODESETID": "SELECT CODESETID AS V FROM CODESET",
    "ATTENDANCE_CODEID": "SELECT ID AS V FROM ATTENDANCE_CODE",
    "PROGRAMID": "SELECT ID AS V FROM GEN WHERE CAT = 'specprog'",
    "LOGTYPEID": "SELECT ID AS V FROM GEN WHERE CAT = 'logtype'",
    "STORECODE": "SELECT DISTINCT STORECODE AS V FROM TERMBINS",  # a grade's bin: Q1, S1, Y1 …
}

FIRST_NAMES = ["Ava", "Liam", "Zoë", "José", "Noah", "Chloé", "Mateo", "Emma", "Jamal", "Mia"]
LAST_NAMES = ["O'Brien", "Núñez", "Nguyen", "García", "Johnson", "Kowalski", "Müller", "Patel", "Lee", "Dubois"]


@dataclass(frozen=True)
class Facts:
    """What the filler needs of the district: the seed and the school year."""

    seed: int
    yearid: int
    first: dt.date  # first day of the school year
    last: dt.date  # last day of the school year
    today: dt.date


@dataclass(frozen=True)
class Generator:
    """A hand-written table: its anchor rows (SQL giving key names and ``X_`` helpers), the
    columns it sets (SQL over ``a``, the anchor row, and ``N``, the row number), tables to
    fill first, and statements to run before (idempotent)."""

    anchor: str
    order: str
    values: dict[str, str]
    requires: tuple[str, ...] = ()
    setup: tuple[str, ...] = ()
    note: str = ""


@dataclass
class FillReport:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows added
    how: dict[str, str] = field(default_factory=dict)  # table -> "generated" | "generic (anchor)"


def _h(tag: str, facts: Facts, extra: str = "") -> str:
    """A deterministic non-negative integer for row ``a.N`` (and ``extra``)."""
    tag = tag.replace("'", "''")
    return f"hash('{tag}', a.N{extra}, {facts.seed})"


def text_length(oracle_type: str) -> int | None:
    match = re.search(r"(?:CHAR2?|CHAR)\s*\((\d+)", oracle_type.upper())
    return int(match.group(1)) if match else None


def _precision(oracle_type: str) -> tuple[int | None, int]:
    match = re.match(r"\s*NUMBER\s*\((\d+)\s*(?:,\s*(-?\d+))?\)", oracle_type.upper())
    if not match:
        return None, 0
    return int(match.group(1)), int(match.group(2) or 0)


def _date_sql(value: dt.date) -> str:
    return f"DATE '{value.isoformat()}'"


def _list_sql(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pick(values: list[str], tag: str, facts: Facts) -> str:
    return f"{_list_sql(values)}[1 + ({_h(tag, facts)} % {len(values)})::INTEGER]"


def is_flag(name: str, oracle_type: str) -> bool:
    """A 0/1 number by its precision or name (``EXCLUDE…``, ``…_YN``, ``SCHED_DO_NOT_PRINT`` …)."""
    precision, _scale = _precision(oracle_type)
    return (
        precision == 1
        or name.startswith(("IS", "HAS", "EXCLUDE", "ALLOW", "CAN"))
        or name.endswith(("FLG", "FLAG", "_YN", "_TF", "_IND", "INDICATOR", "ENABLED", "ACTIVE"))
        or "_DO_NOT_" in name
    )


def typed_value(table: str, column: str, duck_type: str, oracle_type: str, facts: Facts) -> str | None:
    """SQL for a column that is no key: a value of its type that its name suggests (None: NULL)."""
    name = column.upper()
    tag = f"{table}.{name}"
    h = _h(tag, facts)
    duck = duck_type.upper()
    days = max(1, (min(facts.today, facts.last) - facts.first).days)
    if duck == "BLOB":
        return None
    if duck.startswith(("BIGINT", "INTEGER", "HUGEINT", "SMALLINT")):
        precision, _scale = _precision(oracle_type)
        if is_flag(name, oracle_type):
            return f"({h} % 2)::BIGINT"
        if any(word in name for word in ("ORDER", "SORT", "PRIORITY", "SEQUENCE", "POSITION")):
            return f"(1 + {h} % 5)::BIGINT"
        if name.endswith("TIME"):  # seconds after midnight, as PowerSchool keeps times
            return f"(28800 + {h} % 28800)::BIGINT"
        limit = 100 if precision is None or precision >= 3 else 10 ** (precision - 1)
        return f"({h} % {limit})::BIGINT"
    if duck.startswith(("DOUBLE", "FLOAT", "REAL", "DECIMAL")):
        if "PERCENT" in name or name.endswith("PCT"):
            return f"CAST(50 + ({h} % 5000) / 100.0 AS {duck})"
        return f"CAST(({h} % 10000) / 100.0 AS {duck})"
    if duck == "DATE":
        if name in ("DOB", "BIRTHDATE") or "BIRTH" in name:
            return f"{_date_sql(facts.first)} - INTERVAL (6 + {h} % 12) YEAR - to_days(({h} % 365)::INTEGER)"
        if any(word in name for word in ("END", "EXIT", "LAST", "LEFT", "EXPIR", "TO_DATE")):
            return _date_sql(facts.last + dt.timedelta(days=1))
        if any(word in name for word in ("START", "BEGIN", "ENTRY", "ENTER", "FIRST", "EFFECTIVE", "FROM")):
            return _date_sql(facts.first)
        return f"{_date_sql(facts.first)} + to_days(({h} % {days})::INTEGER)"
    if duck.startswith("TIMESTAMP"):
        return f"CAST({_date_sql(facts.first)} AS TIMESTAMP) + to_days(({h} % {days})::INTEGER) + INTERVAL 9 HOUR"
    if duck == "BOOLEAN":
        return f"{h} % 2 = 0"
    # text
    length = text_length(oracle_type)
    if length == 1:
        value = _pick(["Y", "N"], tag, facts)
    elif "EMAIL" in name:
        value = "'user' || a.N || '@example.org'"
    elif "PHONE" in name or name.endswith(("FAX", "CELL")):
        value = f"'555-' || lpad(CAST({h} % 10000 AS VARCHAR), 4, '0')"
    elif "GENDER" in name or name in ("SEX",):
        value = _pick(["F", "M"], tag, facts)
    elif name.endswith(("FIRST_NAME", "FIRSTNAME")):  # FATHER_FIRSTNAME too: the same names as people's
        value = _pick(FIRST_NAMES, tag, facts)
    elif name.endswith(("LAST_NAME", "LASTNAME")):
        value = _pick(LAST_NAMES, tag, facts)
    elif "GUID" in name:
        value = f"upper(md5('{tag}' || a.N || '{facts.seed}'))"
    elif name in ("WHOCREATED", "WHOMODIFIED", "ENTRY_AUTHOR", "AUTHOR"):
        value = "'admin'"
    elif name.endswith(("ZIP", "ZIPCODE")):
        value = "'90210'"
    elif name.endswith("STATE"):
        value = "'CA'"
    elif name.endswith("CITY"):
        value = "'Springfield'"
    elif name in ("DOB", "BIRTHDATE") or (("DATE" in name or name.endswith("_DT")) and (length or 10) >= 10):
        # a date kept as text, as PowerSchool keeps custom-field dates: MM/DD/YYYY
        value = f"strftime({_date_sql(facts.first)} + to_days(({h} % {days})::INTEGER), '%m/%d/%Y')"
    elif name.endswith(("CODE", "CD", "_TYPE", "TYPE", "STATUS")):
        value = f"'{_short(name)}' || ({h} % 5)::INTEGER"
    elif length is not None and length <= 3:
        value = f"CAST(({h} % {10**length})::INTEGER AS VARCHAR)"
    else:
        label = name.replace("_", " ").title()
        value = f"'{label} ' || a.N"
    return f"left({value}, {length})" if length else value


def _short(name: str) -> str:
    return re.sub(r"[^A-Z]", "", name)[:2] or "C"


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE upper(table_name) = ? "
        "AND table_schema = 'main' AND table_catalog = current_database() ORDER BY ordinal_position",
        [table.upper()],
    ).fetchall()


def oracle_types(table: str, declared: dict[str, dict[str, str]]) -> dict[str, str]:
    types = dict(load_full_dictionary().get(table) or {})
    types.update(load_dictionary().get(table) or {})
    types.update({c.upper(): t for c, t in (declared.get(table) or {}).items()})
    return types


def choose_anchor(table: str, columns: list[str]) -> str:
    """The anchor of a table by its key columns (see the module's docstring)."""
    keys = {KEY_ALIASES[c] for c in columns if c in KEY_ALIASES}
    has_student = bool(keys & _STUDENT_KEYS)
    if has_student and keys & _SECTION_KEYS:
        return "enrollment"
    if has_student:
        return "student"
    if keys & _SECTION_KEYS:
        return "section"
    if keys & _STAFF_KEYS:
        return "staff"
    if "USERSDCID" in keys:
        return "user"
    if "PERSONID" in keys:
        return "person"
    if keys & _COURSE_KEYS:
        return "course"
    if "TERMID" in keys or "TERMSDCID" in keys:
        return "term"
    if "SCHOOLID" in keys or "SCHOOLSDCID" in keys:
        return "school"
    return "none"


def _anchor_columns(con: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    return {d[0].upper() for d in con.execute(f"SELECT * FROM ({sql}) LIMIT 0").description}


class Filler:
    """Fills empty tables of a district's database (see the module's docstring)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        facts: Facts,
        declared: dict[str, dict[str, str]] | None = None,
        literals: dict[str, dict[str, list[str]]] | None = None,
    ):
        self.con = con
        self.facts = facts
        self.literals = literals or {}  # table -> column -> SQL literals a query filters on
        self.wanted: set[str] = set()  # the tables to fill: a key into one of them waits for its rows
        self.declared = {t.upper(): {c.upper(): ty for c, ty in cols.items()} for t, cols in (declared or {}).items()}
        self.report = FillReport()
        self._busy: set[str] = set()

    def row_count(self, table: str) -> int | None:
        try:
            return self.con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        except duckdb.Error:
            return None

    def ensure_table(self, table: str) -> bool:
        """Create ``table`` empty if the database lacks it and the dictionary (or the declared
        tables) knows it; False when nobody knows it."""
        if self.row_count(table) is not None:
            return True
        if table in self.declared:
            from plugin_builder.sql.dictionary import duckdb_type

            columns = ", ".join(f'"{c}" {duckdb_type(t)}' for c, t in self.declared[table].items())
            self.con.execute(f'CREATE TABLE "{table}" ({columns})')
            return True
        if load_dictionary().get(table) or load_full_dictionary().get(table):
            create_tables(self.con, [table])
            return True
        return False

    def fill(self, table: str) -> int:
        """Fill ``table`` if it is empty; the rows added (0 when it had rows or is unknown)."""
        table = table.upper()
        if table in self._busy or table in self.report.rows:
            return self.report.rows.get(table, 0)
        if not self.ensure_table(table) or self.row_count(table):
            return 0
        self._busy.add(table)
        try:
            generator = GENERATORS.get(table)
            if generator is not None:
                spec = generator(self.facts)
                for required in spec.requires:
                    self.fill(required)
                for statement in spec.setup:
                    self.con.execute(statement)
                added = self._insert(table, spec.anchor, spec.order, spec.values)
                self.report.how[table] = "generated"
            else:
                columns = [c for c, _ in table_columns(self.con, table)]
                anchor = choose_anchor(table, [c.upper() for c in columns])
                sql, order = ANCHORS[anchor]
                added = self._insert(table, sql.format(yearid=self.facts.yearid), order, {}, self.literals.get(table))
                self.report.how[table] = f"generic, one row per {anchor}" if anchor != "none" else "generic"
        finally:
            self._busy.discard(table)
        self.report.rows[table] = added
        return added

    def _insert(
        self,
        table: str,
        anchor_sql: str,
        order: str,
        values: dict[str, str],
        literals: dict[str, list[str]] | None = None,
    ) -> int:
        facts = self.facts
        literals = literals or {}
        oracle = oracle_types(table, self.declared)
        given = _anchor_columns(self.con, anchor_sql)
        pools: dict[str, str] = {}
        exprs = []
        for column, duck_type in table_columns(self.con, table):
            name = column.upper()
            expr = values.get(name)
            if expr is None and name not in values:
                expr = self._key_value(table, name, given, pools)
                options = self._fitting(literals.get(name, ()), duck_type, oracle.get(name, ""))
                if expr is None:
                    expr = typed_value(table, name, duck_type, oracle.get(name, ""), facts)
                if options and expr is not None and not expr.startswith(("a.", "p_")):
                    # the values a query filters on, one row each (as a code or name is in a real district)
                    listed = f"[{', '.join(f'CAST({o} AS {duck_type})' for o in options)}]"
                    expr = f"CASE WHEN a.N <= {len(options)} THEN {listed}[a.N::INTEGER] ELSE {expr} END"
            if expr is not None:
                exprs.append(f'CAST({expr} AS {duck_type}) AS "{column}"')
        if not exprs:
            return 0
        joins = "".join(
            f" CROSS JOIN (SELECT list(V ORDER BY V) AS P FROM ({sql.format(yearid=facts.yearid)})) p_{i}"
            for i, sql in enumerate(pools.values())
        )
        before = self.row_count(table) or 0
        self.con.execute(
            f'INSERT INTO "{table}" BY NAME SELECT {", ".join(exprs)} '
            f"FROM (SELECT ROW_NUMBER() OVER (ORDER BY {order}) AS N, * FROM ({anchor_sql})) a{joins}"
        )
        return (self.row_count(table) or 0) - before

    def _fitting(self, literals, duck_type: str, oracle_type: str) -> list[str]:
        """The literals a column of this type can hold (a value it cannot hold matches no row in Oracle either)."""
        length = text_length(oracle_type)
        fitting = []
        for literal in literals:
            value = self.con.execute(f"SELECT TRY_CAST({literal} AS {duck_type})").fetchone()[0]
            if value is not None and (length is None or len(str(value).encode()) <= length):
                fitting.append(literal)
        return fitting

    def _key_value(self, table: str, name: str, given: set[str], pools: dict[str, str]) -> str | None:
        """SQL for a key column: the anchor's value, a pick from the table it names, or the
        table's own id; None when the column is no key."""
        facts = self.facts
        if name in given:  # the anchor has the column itself (a copy of another table)
            return f'a."{name}"'
        if name in ("ID", "DCID") or name in (f"{table}ID", f"{table}DCID", f"{table}_ID"):
            return "a.N"
        key = KEY_ALIASES.get(name, name)
        if key in given:
            return f"a.{key}"
        if key == "YEARID":
            return "abs(a.TERMID) // 100" if "TERMID" in given else str(facts.yearid)
        if key == "TERMID":
            return str(facts.yearid * 100)
        if key == "GRADE_LEVEL":
            return None
        pool = POOLS.get(key)
        if key == "STORECODE" and table != "TERMBINS" and "TERMBINS" not in self._busy:
            self.fill("TERMBINS")
        if pool is None and name.endswith("CODESETID"):
            pool = POOLS["CODESETID"]
        if pool is None:
            match = re.match(r"^(.+?)_?(ID|DCID)$", name)
            if match and match.group(1) != table:
                target, kind = match.group(1), match.group(2)
                for candidate in (target, target + "S"):
                    if candidate in self.declared or load_full_dictionary().get(candidate):
                        if (candidate in GENERATORS or candidate in self.wanted) and candidate not in self._busy:
                            self.fill(candidate)  # a table read later in name order is filled first
                        count = self.row_count(candidate)
                        has = {c.upper() for c, _ in table_columns(self.con, candidate)} if count else set()
                        if count and kind in has:
                            pool = f'SELECT "{kind}" AS V FROM "{candidate}"'
                            break
        if pool is None:
            return None
        index = len(pools)
        if pool in pools:
            index = list(pools).index(pool)
        else:
            pools[pool] = pool
        return f"p_{index}.P[1 + ({_h(table + '.' + name, facts)} % greatest(len(p_{index}.P), 1))::INTEGER]"


# ---- hand-written tables ----------------------------------------------------------------

LETTERS = [("A", 90, 4.0), ("B", 80, 3.0), ("C", 70, 2.0), ("D", 60, 1.0), ("F", 0, 0.0)]


def _bins(facts: Facts) -> str:
    """The term bins of the year: each term of each school is one bin, named by its store
    code (Y1 for the year, else the term's abbreviation: S1, S2, T1-T3, Q1-Q4)."""
    return (
        "SELECT t.ID AS TERMID, t.SCHOOLID, t.YEARID, t.PORTION, t.FIRSTDAY, t.LASTDAY,"
        " CASE WHEN t.PORTION = 1 THEN 'Y1' ELSE t.ABBREVIATION END AS STORECODE, t.NAME AS TERMNAME"
        f" FROM TERMS t WHERE t.YEARID = {facts.yearid}"
    )


def _graded(facts: Facts, ended: bool) -> str:
    """Current enrollments times the bins of their section's term: ended bins (stored
    grades) or begun ones (in-progress final grades). Year-long and semester sections are
    graded by semester and quarter, trimester sections by trimester."""
    today = _date_sql(facts.today)
    when = f"b.LASTDAY < {today} AND cc.DATELEFT > b.LASTDAY" if ended else f"b.FIRSTDAY <= {today}"
    return (
        "SELECT cc.ID AS CCID, cc.STUDENTID, s.DCID AS STUDENTSDCID, s.STUDENT_NUMBER, s.GRADE_LEVEL,"
        " cc.SECTIONID, se.DCID AS SECTIONSDCID, cc.SCHOOLID, sc.NAME AS X_SCHOOLNAME, b.TERMID, cc.COURSE_NUMBER,"
        " co.DCID AS COURSESDCID, co.COURSE_NAME AS X_COURSE_NAME, co.CREDIT_HOURS AS X_CREDIT, cc.TEACHERID,"
        " u.LASTFIRST AS X_TEACHER, b.STORECODE AS X_STORECODE, b.FIRSTDAY AS X_START, b.LASTDAY AS X_END,"
        f" 55 + hash('grade', cc.ID, b.STORECODE, {facts.seed}) % 46 AS X_PERCENT"
        f" FROM CC cc JOIN STUDENTS s ON s.ID = cc.STUDENTID JOIN SECTIONS se ON se.ID = cc.SECTIONID"
        " JOIN TERMS st ON st.ID = se.TERMID AND st.SCHOOLID = se.SCHOOLID"
        f" JOIN ({_bins(facts)}) b ON b.SCHOOLID = se.SCHOOLID AND b.FIRSTDAY >= st.FIRSTDAY AND b.LASTDAY <= st.LASTDAY"
        "  AND (b.PORTION = st.PORTION OR (st.PORTION IN (1, 2) AND b.PORTION IN (1, 2, 4)))"
        " LEFT JOIN SCHOOLS sc ON sc.SCHOOL_NUMBER = cc.SCHOOLID"
        " LEFT JOIN COURSES co ON co.COURSE_NUMBER = cc.COURSE_NUMBER"
        " LEFT JOIN SCHOOLSTAFF ss ON ss.ID = cc.TEACHERID LEFT JOIN USERS u ON u.DCID = ss.USERS_DCID"
        f" WHERE cc.SECTIONID > 0 AND cc.TERMID BETWEEN {facts.yearid} * 100 AND {facts.yearid} * 100 + 99"
        f" AND cc.DATEENROLLED < cc.DATELEFT AND cc.DATEENROLLED <= b.LASTDAY AND {when}"
    )


def _letter(percent: str) -> str:
    return "CASE " + " ".join(f"WHEN {percent} >= {cut} THEN '{g}'" for g, cut, _ in LETTERS[:-1]) + " ELSE 'F' END"


def _points(percent: str) -> str:
    return "CASE " + " ".join(f"WHEN {percent} >= {cut} THEN {p}" for _, cut, p in LETTERS[:-1]) + " ELSE 0.0 END"


def _storedgrades(facts: Facts) -> Generator:
    credit = "CASE WHEN a.X_STORECODE IN ('Y1', 'S1', 'S2', 'T1', 'T2', 'T3') THEN 1 ELSE 0 END"
    return Generator(
        _graded(facts, ended=True),
        "CCID, X_STORECODE",
        {
            "STORECODE": "a.X_STORECODE",
            "GRADE": _letter("a.X_PERCENT"),
            "PERCENT": "a.X_PERCENT",
            "GPA_POINTS": _points("a.X_PERCENT"),
            "COURSE_NAME": "a.X_COURSE_NAME",
            "SCHOOLNAME": "a.X_SCHOOLNAME",
            "TEACHER_NAME": "a.X_TEACHER",
            "DATESTORED": "a.X_END + 3",
            "CREDIT_TYPE": "NULL",
            "POTENTIALCRHRS": f"{credit} * 0.5",
            "EARNEDCRHRS": f"CASE WHEN a.X_PERCENT >= 60 THEN {credit} * 0.5 ELSE 0 END",
            "GRADESCALE_NAME": "'Default A-F'",
            "TERMBINSNAME": "a.X_STORECODE",
            "EXCLUDEFROMGPA": "0",
            "EXCLUDEFROMCLASSRANK": "0",
            "EXCLUDEFROMHONORROLL": "0",
            "EXCLUDEFROMTRANSCRIPTS": "0",
            "EXCLUDEFROMGRADUATION": "0",
            "EXCLUDEFROMGRADESUPPRESSION": "0",
            "REPLACED_DCID": "NULL",
            "REPLACED_GRADE": "NULL",
            "REPLACED_EQUIVALENT_COURSE": "NULL",
            "GRADEREPLACEMENTPOLICY_ID": "NULL",
            "COURSE_EQUIV": "NULL",
            "LOG": "NULL",
            "CUSTOM": "NULL",
            "COMMENT_VALUE": f"CASE WHEN {_h('comment', facts)} % 4 = 0 THEN 'Good effort, \"keep going\"' END",
        },
        note="a stored grade for each current enrollment and each term bin that has ended (Q1, Q2, S1, T1 by 15 January)",
    )


def _pgfinalgrades(facts: Facts) -> Generator:
    return Generator(
        _graded(facts, ended=False),
        "CCID, X_STORECODE",
        {
            "FINALGRADENAME": "a.X_STORECODE",
            "STARTDATE": "a.X_START",
            "ENDDATE": "a.X_END",
            "GRADE": _letter("a.X_PERCENT"),
            "PERCENT": "a.X_PERCENT",
            "CALCULATEDGRADE": _letter("a.X_PERCENT"),
            "CALCULATEDPERCENT": "a.X_PERCENT",
            "POINTS": "a.X_PERCENT",
            "POINTSPOSSIBLE": "100",
            "VARCREDIT": "NULL",
            "OVERRIDEFG": "NULL",
            "ISEXEMPT": "0",
            "ISINCOMPLETE": "0",
            "GRADEBOOKTYPE": "2",
            "LASTGRADEUPDATE": f"LEAST(a.X_END, {_date_sql(facts.today)})",
            "CITIZENSHIP": "NULL",
            "COMMENT_VALUE": "NULL",
        },
        note="an in-progress grade for each current enrollment and each term bin that has begun",
    )


def _gradescaleitem(facts: Facts) -> Generator:
    rows = ", ".join(f"({i + 2}, '{g}', {cut}, {points}, {i + 1})" for i, (g, cut, points) in enumerate(LETTERS))
    anchor = (
        "SELECT 1 AS X_ID, 'Default A-F' AS X_NAME, NULL AS X_CUT, NULL AS X_POINTS, 0 AS X_POS, -1 AS X_PARENT "
        f"UNION ALL SELECT c1, c2, c3, c4, c5, 1 FROM (VALUES {rows}) v(c1, c2, c3, c4, c5)"
    )
    return Generator(
        anchor,
        "X_ID",
        {
            "ID": "a.X_ID",
            "DCID": "a.X_ID",
            "GRADESCALEID": "a.X_PARENT",
            "NAME": "a.X_NAME",
            "CUTOFFPERCENTAGE": "a.X_CUT",
            "GRADE_POINTS": "a.X_POINTS",
            "VALUE": "a.X_POINTS",
            "DISPLAYPOSITION": "a.X_POS",
            "DESCRIPTION": "CASE WHEN a.X_PARENT = -1 THEN 'Letter grades A-F' ELSE 'Grade ' || a.X_NAME END",
            "COUNTSINGPA": "1",
            "PARENTGRADESCALEDCID": "CASE WHEN a.X_PARENT = -1 THEN NULL ELSE 1 END",
            "ISFORCOURSEGRADE": "1",
        },
        note="the grade scale the grades come from: 'Default A-F' (ID 1) and its items A (90), B (80), C (70), D (60), F",
    )


def _termbins(facts: Facts) -> Generator:
    return Generator(
        f"SELECT ROW_NUMBER() OVER (ORDER BY SCHOOLID, TERMID) AS X_ID, * FROM ({_bins(facts)})",
        "X_ID",
        {
            "ID": "a.X_ID",
            "DCID": "a.X_ID",
            "TERMID": "a.TERMID",
            "SCHOOLID": "a.SCHOOLID",
            "YEARID": "a.YEARID",
            "STORECODE": "a.STORECODE",
            "DESCRIPTION": "a.TERMNAME",
            "DATE1": "a.FIRSTDAY",
            "DATE2": "a.LASTDAY",
            "STOREGRADES": "1",
            "COLLECT": "1",
            "GRADESCALEID": "1",
            "CREDITPCT": "CASE WHEN a.PORTION = 4 THEN 0 ELSE 1 END",
            "SHOWONSPREADSHT": "1",
            "CURRENTGRADE": "CASE WHEN a.FIRSTDAY <= DATE '{today}' AND a.LASTDAY >= DATE '{today}' THEN 1 ELSE 0 END".format(
                today=facts.today.isoformat()
            ),
            "EXCLUDEDMARKS": "NULL",
        },
        note="a bin per term of each school this year, store code Y1, S1, S2, T1-T3, Q1-Q4",
    )


LOG_TYPES = [(-100000, "Discipline"), (2, "Parent Contact"), (3, "Health"), (4, "Counseling")]


def _log(facts: Facts) -> Generator:
    setup = tuple(
        f"INSERT INTO GEN (ID, DCID, CAT, NAME, VALUE, SCHOOLID, YEARID) SELECT {i}, {9000 + n}, 'logtype', '{name}', "
        f"'{name}', 0, 0 WHERE NOT EXISTS (SELECT 1 FROM GEN WHERE CAT = 'logtype' AND ID = {i})"
        for n, (i, name) in enumerate(LOG_TYPES)
    )
    types = "[" + ", ".join(str(i) for i, _ in LOG_TYPES) + "]"
    anchor = (
        "SELECT cc.ID AS CCID, cc.STUDENTID, s.STUDENT_NUMBER, cc.SCHOOLID, cc.TEACHERID, u.LASTFIRST AS X_AUTHOR,"
        f" {types}[1 + (hash('logtype', cc.ID, {facts.seed}) % {len(LOG_TYPES)})::INTEGER] AS X_TYPE"
        " FROM CC cc JOIN STUDENTS s ON s.ID = cc.STUDENTID LEFT JOIN SCHOOLSTAFF ss ON ss.ID = cc.TEACHERID"
        " LEFT JOIN USERS u ON u.DCID = ss.USERS_DCID"
        f" WHERE cc.SECTIONID > 0 AND cc.TERMID BETWEEN {facts.yearid} * 100 AND {facts.yearid} * 100 + 99"
        f" AND hash('log', cc.ID, {facts.seed}) % 100 < 3"
    )
    days = max(1, (facts.today - facts.first).days)
    discipline = "a.X_TYPE = -100000"
    entry_date = f"({_date_sql(facts.first)} + ({_h('LOG.ENTRY_DATE', facts)} % {days})::INTEGER)"
    subjects = ["Classroom disruption", "Tardy to class", "Called home: progress", "Nurse visit", "Check-in"]
    return Generator(
        anchor,
        "CCID",
        {
            "LOGTYPEID": "a.X_TYPE",
            "ENTRY_AUTHOR": "a.X_AUTHOR",
            "ENTRY_DATE": entry_date,
            "ENTRY_TIME": f"(28800 + {_h('LOG.ENTRY_TIME', facts)} % 25200)::BIGINT",
            "SUBJECT": _pick(subjects, "LOG.SUBJECT", facts),
            "SUBTYPE": f"lpad(CAST(1 + {_h('LOG.SUBTYPE', facts)} % 5 AS VARCHAR), 2, '0')",
            "ENTRY": "'Entry for student ' || a.STUDENT_NUMBER || ': \"see notes\", follow-up, next week'",
            "CATEGORY": "NULL",
            "CONSEQUENCE": f"CASE WHEN {discipline} THEN 'Detention' END",
            "DISCIPLINE_INCIDENTDATE": f"CASE WHEN {discipline} THEN {entry_date} END",
            "DISCIPLINE_INCIDENTTYPE": f"CASE WHEN {discipline} THEN 'Disruption' END",
            "DISCIPLINE_ACTIONTAKEN": f"CASE WHEN {discipline} THEN 'Detention' END",
            "DISCIPLINE_ACTIONDATE": f"CASE WHEN {discipline} THEN {entry_date} + 1 END",
            "DISCIPLINE_DURATIONASSIGNED": f"CASE WHEN {discipline} THEN 1 END",
            "DISCIPLINE_OFFENDER": f"CASE WHEN {discipline} THEN 'Student' END",
            "CUSTOM": "NULL",
        },
        setup=setup,
        note="entries for 3 % of current enrollments, written by the section's teacher: discipline (LOGTYPEID -100000), parent contact, health, counselling (GEN cat 'logtype')",
    )


def _studentcorefields(facts: Facts) -> Generator:
    anchor = (
        "SELECT s.ID AS STUDENTID, s.DCID AS STUDENTSDCID, s.FIRST_NAME AS X_FIRST, s.LAST_NAME AS X_LAST,"
        " s.MIDDLE_NAME AS X_MIDDLE, s.GENDER AS X_GENDER FROM STUDENTS s"
    )
    return Generator(
        anchor,
        "STUDENTID",
        {
            "PSCORE_LEGAL_FIRST_NAME": "a.X_FIRST",
            "PSCORE_LEGAL_LAST_NAME": "a.X_LAST",
            "PSCORE_LEGAL_MIDDLE_NAME": "a.X_MIDDLE",
            "PSCORE_LEGAL_SUFFIX": "NULL",
            "PSCORE_LEGAL_GENDER": "a.X_GENDER",
            "PRIMARYLANGUAGE": _pick(
                ["English"] * 6 + ["Spanish", "Vietnamese", "Arabic", "Portuguese"], "SCF.LANG", facts
            ),
            "LEP_STATUS": f"CASE WHEN {_h('SCF.LEP', facts)} % 10 = 0 THEN 'Y' END",
            "HOMELESS_CODE": f"CASE WHEN {_h('SCF.HOMELESS', facts)} % 50 = 0 THEN '01' END",
        },
        note="one row per student (STUDENTSDCID): legal names and gender as on STUDENTS, a primary language, 10 % LEP",
    )


def _userscorefields(facts: Facts) -> Generator:
    born = f"DATE '1965-01-01' + to_days(({_h('UCF.DOB', facts)} % 12000)::INTEGER)"
    return Generator(
        "SELECT u.DCID AS USERSDCID, u.FIRST_NAME AS X_FIRST, u.LAST_NAME AS X_LAST FROM USERS u",
        "USERSDCID",
        {
            # DOB is VARCHAR2 text as PowerSchool keeps it (MM/DD/YYYY); some blank, one not a date
            "DOB": f"CASE WHEN a.N = 2 THEN 'unknown' WHEN {_h('UCF.NODOB', facts)} % 20 = 0 THEN NULL "
            f"ELSE strftime({born}, '%m/%d/%Y') END",
            "GENDER": f"CASE WHEN {_h('UCF.NOGENDER', facts)} % 25 = 0 THEN NULL ELSE {_pick(['F', 'M'], 'UCF.GENDER', facts)} END",
            "PSCORE_LEGAL_FIRST_NAME": "a.X_FIRST",
            "PSCORE_LEGAL_LAST_NAME": "a.X_LAST",
            "PSCORE_LEGAL_MIDDLE_NAME": "NULL",
            "PSCORE_LEGAL_SUFFIX": "NULL",
            "PSCORE_LEGAL_GENDER": "NULL",
            "PHOTOLASTUPDATED": "NULL",
        },
        note="one row per user (USERSDCID): DOB as VARCHAR2 text MM/DD/YYYY (5 % blank, one 'unknown'), gender",
    )


def _teacherrace(facts: Facts) -> Generator:
    return Generator(
        "SELECT ss.ID AS TEACHERID, k.K AS X_K, "
        f"['W', 'B', 'A', 'I', 'P', 'W', 'W', 'B'][1 + (hash('trace', ss.ID, {facts.seed}) % 8)::INTEGER] AS X_R0 "
        "FROM SCHOOLSTAFF ss, range(0, 2) k(K) "
        f"WHERE (k.K = 0 AND hash('trace0', ss.ID, {facts.seed}) % 100 < 95) OR (k.K = 1 AND hash('trace1', ss.ID, {facts.seed}) % 100 < 8)",
        "TEACHERID, X_K",
        {"RACECD": "CASE WHEN a.X_K = 0 THEN a.X_R0 WHEN a.X_R0 = 'W' THEN 'B' ELSE 'W' END"},
        note="races of staff by SCHOOLSTAFF.ID (TEACHERID): one for 95 %, a second for 8 %",
    )


def _reenrollments(facts: Facts) -> Generator:
    last_year = facts.first.year - 1
    anchor = (
        "SELECT s.ID AS STUDENTID, s.STUDENT_NUMBER, s.GRADE_LEVEL - 1 AS X_GRADE, s.SCHOOLID AS X_NOW,"
        " COALESCE((SELECT MIN(si.SCHOOL_NUMBER) FROM SCHOOLS si WHERE s.GRADE_LEVEL - 1 BETWEEN si.LOW_GRADE AND si.HIGH_GRADE"
        "  AND si.STATE_EXCLUDEFROMREPORTING = 0 AND (si.SCHOOL_NUMBER = s.SCHOOLID OR NOT s.GRADE_LEVEL BETWEEN si.LOW_GRADE AND si.HIGH_GRADE)"
        "  ), s.SCHOOLID) AS SCHOOLID"
        " FROM STUDENTS s WHERE s.GRADE_LEVEL >= 0"
    )
    return Generator(
        anchor,
        "STUDENTID",
        {
            "GRADE_LEVEL": "a.X_GRADE",
            "ENTRYDATE": f"DATE '{last_year}-08-13'",
            "EXITDATE": f"DATE '{last_year + 1}-06-06'",
            "ENTRYCODE": "'E1'",
            "EXITCODE": "'99'",
            "TYPE": "1",
            "FTEID": "NULL",
            "TRACK": "NULL",
            "ENROLLMENTCODE": "0",
            "MEMBERSHIPSHARE": "1",
            "FULLTIMEEQUIV_OBSOLETE": "1",
            "TUITIONPAYER": "1",
            "ENTRYCOMMENT": "NULL",
            "EXITCOMMENT": "NULL",
            "CUSTOM": "NULL",
            "WITHDRAWAL_REASON_CODE": "NULL",
            "STUDENTSCHLENRL_GUID": f"upper(md5('reenr' || a.STUDENTID || '{facts.seed}'))",
        },
        note="last year's enrollment of every student from kindergarten up (one grade lower, the school that teaches it)",
    )


FEE_TYPES = [
    (1, "Lab Fee", "Science"),
    (2, "Field Trip", "Activities"),
    (3, "Textbook", "Books"),
    (4, "Athletics", "Activities"),
]


def _fee_type(facts: Facts) -> Generator:
    rows = ", ".join(f"({i}, '{n}', '{c}')" for i, n, c in FEE_TYPES)
    return Generator(
        f"SELECT c1 AS X_ID, c2 AS X_NAME, c3 AS X_CAT FROM (VALUES {rows}) v(c1, c2, c3)",
        "X_ID",
        {
            "ID": "a.X_ID",
            "DCID": "a.X_ID",
            "NAME": "a.X_NAME",
            "FEE_CATEGORY_NAME": "a.X_CAT",
            "DESCRIPTION": "a.X_NAME || ' (per year)'",
            "SCHOOLID": "0",
            "PRIORITY": "a.X_ID",
            "CUSTOM": "NULL",
        },
        note="four fee types (lab, field trip, textbook, athletics), district-wide",
    )


def _fee(facts: Facts) -> Generator:
    anchor = (
        "SELECT s.ID AS STUDENTID, s.SCHOOLID, ft.ID AS X_TYPE, ft.NAME AS X_TYPENAME, ft.FEE_CATEGORY_NAME AS X_CAT,"
        f" (10 + hash('fee', s.ID, ft.ID, {facts.seed}) % 90)::DOUBLE AS X_AMOUNT,"
        f" CASE WHEN hash('feepaid', s.ID, ft.ID, {facts.seed}) % 3 = 0 THEN 0 ELSE 1 END AS X_PAID"
        f" FROM STUDENTS s JOIN FEE_TYPE ft ON hash('feetype', s.ID, ft.ID, {facts.seed}) % 5 = 0"
    )
    return Generator(
        anchor,
        "STUDENTID, X_TYPE",
        {
            "FEE_TYPE_ID": "a.X_TYPE",
            "FEE_TYPE_NAME": "a.X_TYPENAME",
            "FEE_CATEGORY_NAME": "a.X_CAT",
            "DESCRIPTION": "a.X_TYPENAME",
            "FEE_AMOUNT": "a.X_AMOUNT",
            "ORIGINALFEE": "a.X_AMOUNT",
            "FEECHARGED": "a.X_AMOUNT",
            "FEE_PAID": "a.X_AMOUNT * a.X_PAID",
            "FEE_BALANCE": "a.X_AMOUNT * (1 - a.X_PAID)",
            "ADJUSTMENT": "0",
            "COURSE_NUMBER": "NULL",
            "COURSE_NAME": "NULL",
            "DEPARTMENT_NAME": "NULL",
            "TEACHERID": "NULL",
            "SCHOOLFEE_ID": "NULL",
            "GROUP_TRANSACTION_ID": "NULL",
            "INTERNAL_INFO_FOR_TRIGGER": "NULL",
            "CUSTOM": "NULL",
            "DATETIME": "NULL",
            "TIME": "NULL",
        },
        requires=("FEE_TYPE",),
        note="fees of one student in five per fee type, two thirds paid in full",
    )


def _fee_transaction(facts: Facts) -> Generator:
    anchor = (
        "SELECT f.ID AS X_FEE, f.STUDENTID, f.SCHOOLID, f.YEARID AS X_YEAR, f.FEE_AMOUNT AS X_AMOUNT, k.K AS X_K,"
        " f.DATE_VALUE AS X_DATE FROM FEE f, range(0, 2) k(K) WHERE k.K = 0 OR f.FEE_PAID > 0"
    )
    return Generator(
        anchor,
        "X_FEE, X_K",
        {
            "FEEID": "a.X_FEE",
            "YEARID": "a.X_YEAR",
            "TRANSACTION_TYPE": "CASE WHEN a.X_K = 0 THEN 'Fee' ELSE 'Payment' END",
            "AMOUNT": "a.X_AMOUNT",
            "NETEFFECT": "CASE WHEN a.X_K = 0 THEN a.X_AMOUNT ELSE -a.X_AMOUNT END",
            "DATE_VALUE": "a.X_DATE + (a.X_K * 7)::INTEGER",
            "PAYMENT_METHOD": "CASE WHEN a.X_K = 1 THEN 'Check' END",
            "DESCRIPTION": "CASE WHEN a.X_K = 0 THEN 'Fee assessed' ELSE 'Payment received' END",
            "GROUP_TRANSACTION_ID": "NULL",
            "INTERNAL_INFO_FOR_TRIGGER": "NULL",
            "CUSTOM": "NULL",
            "TEACHERID": "NULL",
        },
        requires=("FEE",),
        note="the charge of every fee and the payment of the paid ones",
    )


def _schedulecc(facts: Facts) -> Generator:
    """Next year's schedule (the scheduler's copy of CC): this year's enrollments a year on."""
    first = facts.first.replace(year=facts.first.year + 1)
    last = facts.last.replace(year=facts.last.year + 1)
    return Generator(
        f"SELECT * REPLACE (TERMID + 100 AS TERMID) FROM ({ANCHORS['enrollment'][0].format(yearid=facts.yearid)})",
        "CCID",
        {
            "YEARID": "abs(a.TERMID) // 100",
            "DATEENROLLED": _date_sql(first),
            "DATELEFT": _date_sql(last + dt.timedelta(days=1)),
        },
        note="next year's schedule: this year's current enrollments, TERMID a year on",
    )


def _scheduleterms(facts: Facts) -> Generator:
    return Generator(
        f"SELECT * FROM TERMS WHERE YEARID = {facts.yearid + 1}",
        "SCHOOLID, ID",
        {},
        note="next year's terms, as TERMS has them",
    )


def _schedulesections(facts: Facts) -> Generator:
    return Generator(
        f"SELECT * REPLACE (TERMID + 100 AS TERMID) FROM SECTIONS WHERE TERMID BETWEEN {facts.yearid} * 100 "
        f"AND {facts.yearid} * 100 + 99",
        "ID",
        {},
        note="next year's sections: this year's, TERMID a year on (the ids SCHEDULECC uses)",
    )


# Parent Portal accounts: a custodial contact of an active link who has an e-mail address
# holds one (GUARDIAN), tied to the contact's PERSON (GUARDIANPERSONASSOC) and to each
# student the person is a custodial contact of (GUARDIANSTUDENT).
_GUARDIANS = (
    "SELECT p.ID AS PERSONID, 2000000 + p.ID AS GUARDIANID, p.FIRSTNAME AS X_FIRST, p.MIDDLENAME AS X_MIDDLE,"
    " p.LASTNAME AS X_LAST,"
    " (SELECT MIN(e.EMAILADDRESS) FROM PERSONEMAILADDRESSASSOC pe JOIN EMAILADDRESS e"
    "  ON e.EMAILADDRESSID = pe.EMAILADDRESSID WHERE pe.PERSONID = p.ID) AS X_EMAIL"
    " FROM PERSON p WHERE p.ID IN (SELECT sca.PERSONID FROM STUDENTCONTACTASSOC sca JOIN STUDENTCONTACTDETAIL d"
    "  ON d.STUDENTCONTACTASSOCID = sca.STUDENTCONTACTASSOCID WHERE d.ISCUSTODIAL = 1 AND d.ISACTIVE = 1)"
    " AND EXISTS (SELECT 1 FROM PERSONEMAILADDRESSASSOC pe WHERE pe.PERSONID = p.ID)"
)


def _guardian(facts: Facts) -> Generator:
    return Generator(
        _GUARDIANS,
        "PERSONID",
        {
            "FIRSTNAME": "a.X_FIRST",
            "MIDDLENAME": "a.X_MIDDLE",
            "LASTNAME": "a.X_LAST",
            "EMAIL": "a.X_EMAIL",
            "ACCOUNTIDENTIFIER": "left(split_part(a.X_EMAIL, '@', 1), 30)",
            "STATE_GUARDIANNUMBER": "NULL",
        },
        note="a Parent Portal account for each custodial contact with an e-mail address (PERSON's names)",
    )


def _guardianpersonassoc(facts: Facts) -> Generator:
    return Generator(_GUARDIANS, "PERSONID", {}, note="each guardian account's PERSON")


def _guardianstudent(facts: Facts) -> Generator:
    return Generator(
        f"SELECT g.GUARDIANID, sca.STUDENTDCID AS STUDENTSDCID FROM ({_GUARDIANS}) g"
        " JOIN STUDENTCONTACTASSOC sca ON sca.PERSONID = g.PERSONID JOIN STUDENTCONTACTDETAIL d"
        " ON d.STUDENTCONTACTASSOCID = sca.STUDENTCONTACTASSOCID WHERE d.ISCUSTODIAL = 1 AND d.ISACTIVE = 1",
        "GUARDIANID, STUDENTSDCID",
        {},
        note="each guardian account's students: those its person is an active custodial contact of",
    )


GENERATORS: dict[str, Callable[[Facts], Generator]] = {
    "GUARDIAN": _guardian,
    "GUARDIANPERSONASSOC": _guardianpersonassoc,
    "GUARDIANSTUDENT": _guardianstudent,
    "SCHEDULECC": _schedulecc,
    "SCHEDULETERMS": _scheduleterms,
    "SCHEDULESECTIONS": _schedulesections,
    "STOREDGRADES": _storedgrades,
    "PGFINALGRADES": _pgfinalgrades,
    "GRADESCALEITEM": _gradescaleitem,
    "TERMBINS": _termbins,
    "LOG": _log,
    "STUDENTCOREFIELDS": _studentcorefields,
    "USERSCOREFIELDS": _userscorefields,
    "TEACHERRACE": _teacherrace,
    "REENROLLMENTS": _reenrollments,
    "FEE_TYPE": _fee_type,
    "FEE": _fee,
    "FEE_TRANSACTION": _fee_transaction,
}


@functools.lru_cache(maxsize=512)
def parsed_for_filters(sql: str):
    """A query's tree, to read its filters (None if it does not parse: its run reports that).
    Kept, as the filler's literals and the fitting read the same queries; only read, never changed."""
    import sqlglot

    try:
        return sqlglot.parse_one(sql, read="oracle")
    except Exception:  # noqa: BLE001 - what does not parse is reported by the query's run
        return None


def tables_by_alias(tree) -> dict[str, set[str]]:
    """Each alias (or name) of a statement's tables -> the real tables it stands for."""
    from sqlglot import exp

    names: dict[str, set[str]] = {}
    for table in tree.find_all(exp.Table):
        if table.name:
            names.setdefault((table.alias or table.name).upper(), set()).add(table.name.upper())
    return names


def table_of(column, names: dict[str, set[str]]) -> str | None:
    """The one real table a column reads: by its qualifier, or the block's only table."""
    from sqlglot import exp

    if column.table:
        tables = names.get(column.table.upper(), set())
    else:
        select = column.find_ancestor(exp.Select)
        source = select.args.get("from_") if select is not None else None
        own = source.this if source is not None and not select.args.get("joins") else None
        tables = {own.name.upper()} if isinstance(own, exp.Table) and own.name else set()
    return next(iter(tables)) if len(tables) == 1 else None


def filter_literals(sqls) -> dict[str, dict[str, list[str]]]:
    """TABLE -> COLUMN -> the SQL literals the queries compare it with: ``t.COL = 'x'`` and
    ``t.COL IN ('x', 'y')`` (not negated), ``t`` an alias or name of a real table in the same
    statement (or the only table of the block, for an unqualified column). Sorted, unique."""
    from sqlglot import exp

    found: dict[str, dict[str, set[str]]] = {}
    for sql in sqls:
        tree = parsed_for_filters(sql)
        if tree is None:
            continue
        names = tables_by_alias(tree)
        for node in tree.find_all(exp.EQ, exp.In):
            if isinstance(node.parent, exp.Not):
                continue
            if isinstance(node, exp.EQ):
                pairs = [(node.this, [node.expression]), (node.expression, [node.this])]
            else:
                pairs = [(node.this, node.expressions)]
            for column, values in pairs:
                if not isinstance(column, exp.Column) or not values:
                    continue
                if not all(isinstance(v, exp.Literal) and (not v.is_string or v.this) for v in values):
                    continue
                table = table_of(column, names)
                if table is None:
                    continue
                for value in values:
                    found.setdefault(table, {}).setdefault(column.name.upper(), set()).add(value.sql("duckdb"))
    return {t: {c: sorted(v) for c, v in sorted(cols.items())} for t, cols in sorted(found.items())}


def facts_of(district) -> Facts:
    """The filler's facts of a synthetic district (:class:`~plugin_builder.preview.synthetic.District`)."""
    return Facts(district.seed, district.yearid, district.year_start, district.year_end, district.today.date())


def fill_tables(
    con: duckdb.DuckDBPyConnection,
    district,
    tables,
    declared: dict[str, dict[str, str]] | None = None,
    literals: dict[str, dict[str, list[str]]] | None = None,
) -> FillReport:
    """Fill each of ``tables`` that is empty (created first when the dictionary or
    ``declared`` knows it), in name order; the report says how many rows each got. A
    generically filled column that ``literals`` names (:func:`filter_literals`) takes those
    values in turn, so a query's ``WHERE t.NAME IN ('a', 'b')`` finds rows."""
    filler = Filler(con, facts_of(district), declared, literals)
    filler.wanted = {t.upper() for t in tables}
    for table in sorted(filler.wanted):
        filler.fill(table)
    return filler.report


# District-defined tables: U_ (custom fields, database extensions), S_<state>_… (state
# reporting), …_X and …_C extensions. Their columns differ from district to district.
DISTRICT_TABLE_RE = re.compile(r"^(U_|S_[A-Z]{2}_)|_(X|C)$")


def column_type_by_name(column: str) -> str:
    """An Oracle type for a district-defined column nobody declares, from its name."""
    name = column.upper()
    if name in ("ID", "DCID") or name.endswith(("DCID", "ID")):
        return "NUMBER(10,0)"
    if name.endswith(("DATE", "_DT")):
        return "DATE"
    return "VARCHAR2(4000)"


def complete_schema(source, needs: dict[str, dict[str, set[str]]], declared: dict[str, dict[str, str]]) -> list[str]:
    """On the synthetic district: add each column a query reads that the district's table
    lacks when the full dictionary knows it, or when the table is district-defined (typed by
    name); create a district-defined table nobody knows from the columns the queries read.
    The notes say what was made up."""
    from plugin_builder.sql.dictionary import duckdb_type, table_info

    read: dict[str, set[str]] = {}
    for tables in needs.values():
        for table, fields in tables.items():
            read.setdefault(table.upper(), set()).update(f.upper() for f in fields)
    notes = []
    for table, fields in sorted(read.items()):
        if table in source.from_csv or table in declared:
            continue
        info = table_info(table)
        district_defined = bool(DISTRICT_TABLE_RE.search(table)) or (info is not None and info.status == "district")
        have = source.columns.get(table)
        known = load_dictionary().get(table) or load_full_dictionary().get(table)
        if have is None and not known:
            if not district_defined or not fields:
                continue
            columns = {f: column_type_by_name(f) for f in sorted(fields)}
            source.con.execute(
                f'CREATE TABLE "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)} {duckdb_type(t)}" for c, t in columns.items())})'
            )
            source.columns[table] = set(columns)
            notes.append(
                f"{table} is in no dictionary: made from the {len(columns)} column(s) the queries read "
                f"({', '.join(columns)}), typed by name (declare it with --dictionary or [dictionary] to type it)"
            )
            continue
        if have is None:
            if not (fields - {c.upper() for c in known}):
                continue
            create_tables(source.con, [table])
            have = source.columns[table] = {c.upper() for c, _ in table_columns(source.con, table)}
        full = {c.upper(): t for c, t in (load_full_dictionary().get(table) or {}).items()}
        added = []
        for column in sorted(fields - have):
            if column in full:
                oracle_type = full[column]
            elif district_defined:
                oracle_type = column_type_by_name(column)
            else:
                continue
            source.con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {duckdb_type(oracle_type)}')
            have.add(column)
            added.append(column)
        if added:
            notes.append(
                f"{table}: added {', '.join(added)} "
                + (
                    "(known to the dictionary)"
                    if all(c in full for c in added)
                    else "(district-defined, typed by name)"
                )
            )
    return notes

"""The Oracle-compatibility layer: one test per behaviour in which Oracle and DuckDB differ.

Each expected value is what Oracle returns for the statement (written by hand).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from plugin_builder.sql.dictionary import create_tables
from plugin_builder.sql.oracle.compat import UnsupportedOracle, run, to_duckdb

NOW = dt.datetime(2026, 1, 15, 10, 30, 0)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_tables(con, ["TERMS", "SECTIONTEACHER", "CC", "STUDENTS"])
    return con


def one(con, sql: str, **binds):
    rows = run(con, sql, binds, NOW)
    assert len(rows) == 1
    return rows[0] if len(rows[0]) > 1 else rows[0][0]


def test_empty_string_literal_is_null(con):
    assert one(con, "SELECT CASE WHEN '' IS NULL THEN 'null' ELSE 'empty' END FROM DUAL") == "null"
    assert one(con, "SELECT COUNT(*) FROM DUAL WHERE 'x' = ''") == 0


def test_string_functions_that_produce_empty_return_null(con):
    assert one(con, "SELECT SUBSTR('abc', 5), TRIM('   '), REPLACE('abc', 'b', '') FROM DUAL") == (None, None, "ac")
    assert one(con, "SELECT LTRIM('xx', 'x'), TRANSLATE('abc', 'abc', '   ') FROM DUAL") == (None, "   ")


def test_concat_ignores_null_and_empty_concat_is_null(con):
    assert one(con, "SELECT 'a' || NULL || 'b' FROM DUAL") == "ab"
    assert one(con, "SELECT NULL || '' FROM DUAL") is None
    assert one(con, "SELECT 'S' || TO_CHAR(NULL) FROM DUAL") == "S"


def test_dual_exists(con):
    assert one(con, "SELECT DUMMY FROM DUAL") == "X"


def test_sysdate_is_fixed_by_the_caller(con):
    assert one(con, "SELECT TO_CHAR(SYSDATE, 'YYYY-MM-DD HH24:MI:SS') FROM DUAL") == "2026-01-15 10:30:00"
    assert one(con, "SELECT TO_CHAR(SYSTIMESTAMP, 'HH24:MI'), TO_CHAR(CURRENT_DATE, 'YYYY-MM-DD') FROM DUAL") == (
        "10:30",
        "2026-01-15",
    )
    later = dt.datetime(2027, 3, 1, 8, 0)
    assert run(con, "SELECT TO_CHAR(SYSDATE, 'YYYY-MM-DD') FROM DUAL", now=later) == [("2027-03-01",)]


def test_binds_become_literals_and_blank_is_null(con):
    assert one(con, "SELECT NVL(:yearid, 35) FROM DUAL", yearid=None) == 35
    assert one(con, "SELECT NVL(:yearid, 35) FROM DUAL", yearid=34) == 34
    assert one(con, "SELECT TO_CHAR(:d, 'YYYY') FROM DUAL", d=dt.date(2025, 8, 1)) == "2025"
    with pytest.raises(UnsupportedOracle, match=":missing"):
        to_duckdb("SELECT :missing FROM DUAL")


def test_to_char_date_formats(con):
    sql = "SELECT TO_CHAR(DATE '2025-08-04', 'YYYY-MM-DD'), TO_CHAR(DATE '2025-08-04', 'MM/DD/YYYY'), TO_CHAR(DATE '2025-08-04', 'YYYY') FROM DUAL"
    assert one(con, sql) == ("2025-08-04", "08/04/2025", "2025")


def test_to_char_date_format_literals_and_unknown_elements(con):
    assert one(con, """SELECT TO_CHAR(DATE '2025-08-04', 'DD "of" MM, YYYY') FROM DUAL""") == "04 of 08, 2025"
    # FM drops leading zeros (Month is not blank-padded either way: a documented limit)
    assert one(
        con, "SELECT TO_CHAR(DATE '2025-08-04', 'FMMonth DD, YYYY'), TO_CHAR(SYSDATE, 'FMMM/DD/YYYY') FROM DUAL"
    ) == (
        "August 4, 2025",
        "1/15/2026",
    )
    # Q, the quarter (no strftime element), and number masks with group separators (G or ',')
    assert one(
        con,
        """SELECT TO_CHAR(DATE '2025-08-04', 'YYYY-"Q"Q'), TO_CHAR(SYSDATE, 'Q'), TO_CHAR(1234567, 'FM999G999G999'),
                  TO_CHAR(1234, '999,999'), TO_CHAR(-1234.5, 'FM999,999.00') FROM DUAL""",
    ) == ("2025-Q3", "1", "1,234,567", "   1,234", "-1,234.50")
    with pytest.raises(UnsupportedOracle, match="'WW'"):
        to_duckdb("SELECT TO_CHAR(SYSDATE, 'WW') FROM DUAL")


def test_to_char_numbers(con):
    assert one(con, "SELECT TO_CHAR(7), TO_CHAR(2.50), TO_CHAR(3 / 2), TO_CHAR(1e0) FROM DUAL") == (
        "7",
        "2.5",
        "1.5",
        "1",
    )
    # Oracle keeps a position for the sign unless FM; too many digits print as #.
    assert one(
        con, "SELECT TO_CHAR(5, '00'), TO_CHAR(5, 'FM000'), TO_CHAR(-5, 'FM000'), TO_CHAR(123, 'FM99') FROM DUAL"
    ) == (
        " 05",
        "005",
        "-005",
        "###",
    )
    assert one(con, "SELECT TO_CHAR(3.14159, 'FM990.00') FROM DUAL") == "3.14"


def test_nvl_and_nvl2(con):
    assert one(con, "SELECT NVL(NULL, 'b'), NVL('a', 'b'), NVL('', 'b') FROM DUAL") == ("b", "a", "b")
    assert one(
        con, "SELECT NVL2(NULL, 'set', 'unset'), NVL2('x', 'set', 'unset'), NVL2('', 'set', 'unset') FROM DUAL"
    ) == (
        "unset",
        "set",
        "unset",
    )


def test_decode_matches_null_with_null(con):
    assert one(con, "SELECT DECODE(NULL, NULL, 'null', 'other') FROM DUAL") == "null"
    assert one(con, "SELECT DECODE(2, 1, 'one', 2, 'two', 'other') FROM DUAL") == "two"
    # A column that is NULL matches a NULL search value too (CASE x WHEN NULL would not).
    con.execute("INSERT INTO STUDENTS (ID, GENDER) VALUES (1, NULL), (2, 'F')")
    rows = run(
        con, "SELECT ID, DECODE(GENDER, NULL, 'unknown', 'F', 'female', 'other') FROM STUDENTS ORDER BY ID", now=NOW
    )
    assert rows == [(1, "unknown"), (2, "female")]


def test_listagg_within_group(con):
    sql = (
        "SELECT LISTAGG(x, ',') WITHIN GROUP (ORDER BY x DESC) FROM "
        "(SELECT 'a' x FROM DUAL UNION ALL SELECT 'c' FROM DUAL UNION ALL SELECT 'b' FROM DUAL) t"
    )
    assert one(con, sql) == "c,b,a"


def test_listagg_fails_past_4000_bytes(con):
    big = "SELECT RPAD('x', 1500, 'y') || TO_CHAR(n) x FROM (SELECT 1 n FROM DUAL UNION ALL SELECT 2 FROM DUAL UNION ALL SELECT 3 FROM DUAL) q"
    with pytest.raises(duckdb.Error, match="ORA-01489"):
        run(con, f"SELECT LISTAGG(x, ',' ON OVERFLOW ERROR) WITHIN GROUP (ORDER BY x) FROM ({big}) t", now=NOW)
    with pytest.raises(duckdb.Error, match="ORA-01489"):
        run(con, f"SELECT LISTAGG(x, ',') WITHIN GROUP (ORDER BY x) FROM ({big}) t", now=NOW)


def test_listagg_on_overflow_truncate(con):
    big = "SELECT RPAD('x', 1500, 'y') || TO_CHAR(n) x FROM (SELECT 1 n FROM DUAL UNION ALL SELECT 2 FROM DUAL UNION ALL SELECT 3 FROM DUAL) q"
    value = one(
        con, f"SELECT LISTAGG(x, ',' ON OVERFLOW TRUNCATE '...' WITH COUNT) WITHIN GROUP (ORDER BY x) FROM ({big}) t"
    )
    assert value.endswith("2,...(1)") and value.count(",") == 2 and len(value.encode()) <= 4000
    value = one(
        con, f"SELECT LISTAGG(x, ',' ON OVERFLOW TRUNCATE '~' WITHOUT COUNT) WITHIN GROUP (ORDER BY x) FROM ({big}) t"
    )
    assert value.endswith("2,~")


def test_trunc_on_dates_and_numbers(con):
    assert one(con, "SELECT TRUNC(SYSDATE), TRUNC(SYSDATE, 'MM'), TRUNC(DATE '2026-05-20', 'YYYY') FROM DUAL") == (
        dt.date(2026, 1, 15),
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 1),
    )
    assert one(con, "SELECT TRUNC(5.7) FROM DUAL") == 5
    con.execute("INSERT INTO SECTIONTEACHER (ID, START_DATE) VALUES (1, TIMESTAMP '2025-08-04 07:45:00')")
    assert one(con, "SELECT TRUNC(st.START_DATE) FROM SECTIONTEACHER st") == dt.date(2025, 8, 4)


def test_date_arithmetic_on_dates_and_timestamps(con):
    con.execute("INSERT INTO CC (ID, DATEENROLLED, DATELEFT) VALUES (1, DATE '2025-08-04', DATE '2026-06-05')")
    con.execute("INSERT INTO SECTIONTEACHER (ID, START_DATE) VALUES (1, TIMESTAMP '2025-08-04 00:00:00')")
    assert one(con, "SELECT TO_CHAR(cc.DATELEFT - 1, 'YYYY-MM-DD'), cc.DATELEFT - cc.DATEENROLLED FROM CC cc") == (
        "2026-06-04",
        305,
    )
    # SYSDATE and SECTIONTEACHER dates are TIMESTAMPs in DuckDB; Oracle adds days all the same.
    assert one(
        con, "SELECT TO_CHAR(SYSDATE - 1, 'YYYY-MM-DD HH24:MI'), TO_CHAR(SYSDATE + 0.5, 'YYYY-MM-DD HH24:MI') FROM DUAL"
    ) == (
        "2026-01-14 10:30",
        "2026-01-15 22:30",
    )
    assert one(
        con,
        "SELECT TO_CHAR(st.START_DATE + 7, 'YYYY-MM-DD'), TO_CHAR(1 + st.START_DATE, 'YYYY-MM-DD') FROM SECTIONTEACHER st",
    ) == (
        "2025-08-11",
        "2025-08-05",
    )
    assert one(con, "SELECT TRUNC(SYSDATE) - TRUNC(st.START_DATE), SYSDATE - st.START_DATE FROM SECTIONTEACHER st") == (
        164,
        pytest.approx(164 + 10.5 / 24),
    )


def test_keep_dense_rank_first_and_last(con):
    rows = (
        "SELECT 'b' x, 1 k FROM DUAL UNION ALL SELECT 'a', 1 FROM DUAL "
        "UNION ALL SELECT 'c', 2 FROM DUAL UNION ALL SELECT NULL, 0 FROM DUAL"
    )
    sql = (
        "SELECT MIN(x) KEEP (DENSE_RANK FIRST ORDER BY k), MAX(x) KEEP (DENSE_RANK FIRST ORDER BY k), "
        "MIN(x) KEEP (DENSE_RANK LAST ORDER BY k) FROM (" + rows + ") t WHERE k > 0"
    )
    assert one(con, sql) == ("a", "b", "c")
    # The first rank (k = 0) holds only NULL: Oracle returns NULL, not a value of another rank.
    assert one(con, "SELECT MIN(x) KEEP (DENSE_RANK FIRST ORDER BY k) FROM (" + rows + ") t") is None


def test_substr_start_zero_and_dbms_lob_substr(con):
    assert one(con, "SELECT SUBSTR('abcdef', 0, 2), DBMS_LOB.SUBSTR('abcdef', 3, 2) FROM DUAL") == ("ab", "bcd")


def test_unsupported_constructs_are_named(con):
    with pytest.raises(UnsupportedOracle, match="^not emulated: TO_CHAR number format '99,99'"):
        to_duckdb("SELECT TO_CHAR(1234, '99,99') FROM DUAL")
    with pytest.raises(UnsupportedOracle, match="^not emulated: CONNECT BY"):
        to_duckdb("SELECT s.ID AS id FROM STUDENTS s START WITH s.ID = 1 CONNECT BY PRIOR s.ID = s.SCHOOLID")


def test_what_oracle_runs_the_preview_runs_and_returns_as_oracle(con):
    """Issue 17, points 5 and 6: constructs working plugins use, with Oracle's values."""
    con.execute(
        "INSERT INTO STUDENTS (ID, DCID, SCHOOLID, LASTFIRST, DOB) VALUES "
        "(901, 9901, 100, 'Lee, Ann Marie', DATE '2021-06-01'), (902, 9902, 999, 'Kim, Bo', DATE '2015-01-20')"
    )
    create_tables(con, ["SCHOOLS"])
    con.execute("INSERT INTO SCHOOLS (SCHOOL_NUMBER, NAME) VALUES (100, 'Lincoln')")
    assert one(con, "SELECT TRUNC(MONTHS_BETWEEN(SYSDATE, s.DOB) / 12) FROM STUDENTS s WHERE s.ID = 901") == 4
    assert one(
        con, "SELECT INSTR('Lee, Ann Marie', ' ', -1), INSTR('a b c', ' ', -3), INSTR('abc', ' ', -1) FROM DUAL"
    ) == (9, 2, 0)
    assert one(con, "SELECT LENGTH(RPAD('a', 5000, 'x')), LENGTH(LPAD('a', 4500)) FROM DUAL") == (4000, 4000)
    rows = con.execute(
        to_duckdb(
            "SELECT s.ID AS id, sch.NAME AS name FROM STUDENTS s, SCHOOLS sch "
            "WHERE s.SCHOOLID = sch.SCHOOL_NUMBER(+) AND s.ID > 900 ORDER BY 1"
        )
    ).fetchall()
    assert rows == [(901, "Lincoln"), (902, None)]
    mixed_case = (  # Oracle reads unquoted names in upper case, table aliases too
        "SELECT s.ID AS id, sch.NAME AS name FROM students s, schools SCH "
        "WHERE S.SCHOOLID = sch.SCHOOL_NUMBER(+) AND s.ID > 900 ORDER BY 1"
    )
    assert con.execute(to_duckdb(mixed_case)).fetchall() == [(901, "Lincoln"), (902, None)]
    # the outer-joined table's condition reads a table listed after it
    late = (
        "SELECT s.ID AS id, sch.NAME AS name FROM STUDENTS s, SCHOOLS sch, STUDENTS t "
        "WHERE t.SCHOOLID = sch.SCHOOL_NUMBER(+) AND s.ID = t.ID AND s.ID > 900 ORDER BY 1"
    )
    assert con.execute(to_duckdb(late)).fetchall() == [(901, "Lincoln"), (902, None)]
    split = "SELECT REGEXP_SUBSTR('a,b,,c', '[^,]+', 1, LEVEL) AS p FROM DUAL CONNECT BY REGEXP_SUBSTR('a,b,,c', '[^,]+', 1, LEVEL) IS NOT NULL"
    assert [r[0] for r in con.execute(to_duckdb(split)).fetchall()] == ["a", "b", "c"]
    assert [r[0] for r in con.execute(to_duckdb("SELECT LEVEL AS n FROM DUAL CONNECT BY LEVEL <= 0")).fetchall()] == [1]
    assert con.execute(to_duckdb("SELECT s.ID AS id FROM STUDENTS s WHERE ROWNUM > 1")).fetchall() == []
    assert one(
        con,
        "SELECT REGEXP_SUBSTR('k-12 ab', '([a-z])-([0-9]+)', 1, 1, 'i', 2), REGEXP_REPLACE('ab12', '[0-9]', ''), "
        "REGEXP_INSTR('ab12', '[0-9]'), TO_NUMBER('x' DEFAULT -1 ON CONVERSION ERROR), REPLACE('a,b', ',') FROM DUAL",
    ) == ("12", "ab", 3, -1, "ab")
    assert one(con, "SELECT MAX(COUNT(*)) FROM STUDENTS s WHERE s.ID > 900 GROUP BY s.SCHOOLID") == 1
    recursive = "WITH r (n) AS (SELECT 1 FROM DUAL UNION ALL SELECT r.n + 1 FROM r WHERE r.n < 3) SELECT r.n AS n FROM r ORDER BY 1"
    assert [r[0] for r in con.execute(to_duckdb(recursive)).fetchall()] == [1, 2, 3]
    restricted = 'SELECT COUNT(*) FROM STUDENTS s WHERE <@restricted_table table="STUDENTS" selector="selectedstudents"/> AND s.ID > 900'
    assert one(con, restricted) == 2
    with pytest.raises(duckdb.Error, match="ORA-01476"):
        con.execute(to_duckdb("SELECT s.ID / 0 FROM STUDENTS s")).fetchall()
    with pytest.raises(duckdb.Error, match="ORA-01489"):
        con.execute(to_duckdb("SELECT RPAD('a', 4000, 'x') || 'b' FROM DUAL")).fetchall()
    assert one(con, "SELECT LENGTH(TO_CLOB(RPAD('a', 4000, 'x')) || 'b') FROM DUAL") == 4001  # a CLOB has no limit

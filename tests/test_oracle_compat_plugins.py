"""Oracle constructs public plugins use that the compatibility layer emulates for preview --zip.

Each expected value is what Oracle returns for the statement (written by hand).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from plugin_builder.sql.dictionary import create_tables
from plugin_builder.sql.oracle.compat import UnsupportedOracle, run

NOW = dt.datetime(2026, 1, 15, 10, 30, 0)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_tables(con, ["TERMS", "SCHOOLSTAFF", "STUDENTS", "CALENDAR_DAY"])
    con.execute("INSERT INTO STUDENTS (ID, SCHOOLID) VALUES (1, 100), (2, 200), (3, 300)")
    con.execute(
        "INSERT INTO SCHOOLSTAFF (ID, TRANSACTION_DATE) VALUES "
        "(1, TIMESTAMP '2025-07-18 10:30:00'), (2, TIMESTAMP '2025-07-19 10:30:00')"
    )
    con.execute("INSERT INTO TERMS (ID, SCHOOLID, FIRSTDAY) VALUES (3500, 0, DATE '2026-01-20')")
    return con


def rows(con, sql: str, **binds):
    return run(con, sql, binds, NOW)


SPLIT = (
    "SELECT TRIM(REGEXP_SUBSTR(:sites, '[^,]+', 1, LEVEL)) FROM DUAL "
    "CONNECT BY REGEXP_SUBSTR(:sites, '[^,]+', 1, LEVEL) IS NOT NULL"
)


def test_connect_by_on_dual_generates_levels_while_the_condition_holds(con):
    assert rows(con, "SELECT LEVEL FROM DUAL CONNECT BY LEVEL <= 3") == [(1,), (2,), (3,)]
    assert rows(con, "SELECT LEVEL FROM DUAL CONNECT BY LEVEL <= 0") == [(1,)]  # the root row always
    assert rows(con, SPLIT, sites="100, 300") == [("100",), ("300",)]
    assert rows(con, SPLIT, sites=None) == [(None,)]
    with pytest.raises(duckdb.Error, match="ORA-30009"):
        rows(con, "SELECT LEVEL FROM DUAL CONNECT BY 1 = 1")


def test_a_number_in_a_list_of_text_is_compared_as_a_number(con):
    sql = f"SELECT s.ID FROM STUDENTS s WHERE s.SCHOOLID NOT IN ({SPLIT}) ORDER BY 1"
    assert rows(con, sql, sites="100, 300") == [(2,)]


def test_regexp_substr_occurrence(con):
    assert rows(con, "SELECT REGEXP_SUBSTR('a;bb;c', '[^;]+', 1, 2), REGEXP_SUBSTR('a', '[^;]+', 1, 2) FROM DUAL") == [
        ("bb", None)
    ]


def test_to_dsinterval_compares_with_a_timestamp_difference(con):
    sql = "SELECT ID FROM SCHOOLSTAFF WHERE SYSDATE - TRANSACTION_DATE < TO_DSINTERVAL('181 00:00:00')"
    assert rows(con, sql) == [(2,)]  # 180 days ago is within, 181 days is not
    assert rows(con, "SELECT TO_CHAR(SYSDATE + TO_DSINTERVAL('1 12:00:00'), 'YYYY-MM-DD HH24:MI:SS') FROM DUAL") == [
        ("2026-01-16 22:30:00",)
    ]
    with pytest.raises(UnsupportedOracle, match="TO_DSINTERVAL"):
        rows(con, "SELECT SYSDATE - TO_DSINTERVAL('P1D') FROM DUAL")


def test_a_custom_field_never_set_is_null(con):
    sql = "SELECT COUNT(*) FROM STUDENTS s WHERE PS_CUSTOMFIELDS.GETSTUDENTSCF(s.ID, 'athlete') >= 1"
    assert rows(con, sql) == [(0,)]
    assert rows(con, "SELECT PS_CustomFields.GetStudentsCF(1, 'x') FROM DUAL") == [(None,)]


def test_substr_of_a_number_reads_it_as_text(con):
    assert rows(con, "SELECT SUBSTR(t.ID, 1, 2) FROM TERMS t") == [("35",)]


def test_a_date_from_a_with_query_takes_days(con):
    sql = (
        "WITH f AS (SELECT CASE WHEN t.FIRSTDAY > SYSDATE THEN t.FIRSTDAY ELSE SYSDATE END effdate "
        "FROM TERMS t WHERE t.SCHOOLID = 0) SELECT CAST(effdate + 5 AS DATE), CAST(effdate - 5 AS DATE) FROM f"
    )
    assert rows(con, sql) == [(dt.date(2026, 1, 25), dt.date(2026, 1, 15))]


def test_the_ps_schema_is_the_district(con):
    assert rows(con, "SELECT COUNT(*) FROM PS.STUDENTS") == [(3,)]


def test_a_collection_expression_is_named(con):
    sql = (
        "SELECT u.ID, n.COLUMN_VALUE FROM STUDENTS u CROSS JOIN TABLE(CAST(MULTISET("
        "SELECT LEVEL FROM DUAL CONNECT BY LEVEL <= 3) AS SYS.ODCINUMBERLIST)) n"
    )
    with pytest.raises(UnsupportedOracle, match=r"^not emulated: TABLE\(…\) collection expressions"):
        rows(con, sql)

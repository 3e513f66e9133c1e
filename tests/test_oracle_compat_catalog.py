"""The two shim additions the catalogue needs: TRUNC(SYSDATE) and DBMS_LOB.SUBSTR."""

from __future__ import annotations

import datetime as dt

import duckdb

from plugin_builder.sql.oracle import compat

NOW = dt.datetime(2026, 1, 15, 10, 30)


def test_trunc_sysdate_is_the_fixed_day_not_the_machine_clock():
    con = duckdb.connect()
    assert compat.run(con, "SELECT TRUNC(SYSDATE) FROM DUAL", {}, NOW) == [(dt.date(2026, 1, 15),)]


def test_trunc_of_a_bind_is_rewritten_inside():
    """A DATE-column arg arrives as a DATE (blank: a NULL DATE), so NVL(:d, SYSDATE) is a date."""
    con = duckdb.connect()
    sql = "SELECT TRUNC(NVL(:d, SYSDATE)) FROM DUAL"
    assert compat.run(con, sql, {"d": None}, NOW, {"d": "DATE"}) == [(dt.date(2026, 1, 15),)]
    assert compat.run(con, sql, {"d": dt.date(2025, 9, 2)}, NOW, {"d": "DATE"}) == [(dt.date(2025, 9, 2),)]


def test_dbms_lob_substr_takes_amount_then_offset():
    con = duckdb.connect()
    con.execute("CREATE TABLE T (C VARCHAR)")
    con.execute("INSERT INTO T VALUES ('abcdef'), (NULL)")
    sql = "SELECT DBMS_LOB.SUBSTR(t.C, 3, 2), DBMS_LOB.SUBSTR(t.C, 2) FROM T t ORDER BY 1"
    assert compat.run(con, sql, {}, NOW) == [("bcd", "ab"), (None, None)]

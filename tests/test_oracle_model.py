"""One Oracle model: binds typed by column=, and every construct judged the same by the
static checks and the preview's Oracle layer (the rule fixtures are run through both)."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from plugin_builder.project.catalog import ArgSpec
from plugin_builder.sql.dictionary import create_tables
from plugin_builder.sql.oracle.binds import BindError, arg_families, typed_binds
from plugin_builder.sql.oracle.compat import NotEmulated, OracleRefusal, prepare_connection, run, to_duckdb
from tests.test_rule_fixtures import findings_for

NOW = dt.datetime(2026, 1, 15, 9, 30)
RULES = Path(__file__).parent / "fixtures" / "rules"
# The rules that report what the Oracle model refuses.
MODEL_RULES = ("SQ318", "SQ319", "SQ322", "SQ323")


def _cases(kind: str) -> list[Path]:
    return sorted(p for code in MODEL_RULES for p in (RULES / code / kind).glob("*.sql"))


def _args(sql: str) -> list[ArgSpec]:
    match = re.search(r"^--\s*args:(.*)$", sql, re.M)
    pairs = [item.strip().split("=") for item in match.group(1).split(",")] if match else []
    return [ArgSpec(name=name, column=column) for name, column in pairs]


@pytest.fixture(scope="module")
def district():
    con = duckdb.connect()
    create_tables(con)
    prepare_connection(con)
    return con


# --- binds ---------------------------------------------------------------------------------


def test_binds_are_typed_by_the_column_of_their_arg():
    args = [
        ArgSpec("start_date", "ATTENDANCE.ATT_DATE"),
        ArgSpec("yearid", "TERMS.YEARID"),
        ArgSpec("name", "STUDENTS.LASTFIRST"),
        ArgSpec("schools", "SCHOOLS.SCHOOL_NUMBER", type="array"),
        ArgSpec("blank", "STUDENTS.LASTFIRST"),
    ]
    binds = typed_binds(
        args, {"start_date": "2026-01-12", "yearid": "35", "name": "Ng, Ann", "schools": "[100, 200]", "blank": ""}
    )
    assert binds == {
        "start_date": dt.date(2026, 1, 12),
        "yearid": 35,
        "name": "Ng, Ann",
        "schools": [100, 200],
        "blank": None,
    }
    assert typed_binds([ArgSpec("gpa", "TERMS.YEARID")], {"gpa": "3.50"}) == {"gpa": Decimal("3.50")}
    assert typed_binds(args[:1], {}) == {"start_date": None}
    assert arg_families(args) == {
        "start_date": "DATE",
        "yearid": "NUMBER",
        "name": "VARCHAR2",
        "schools": "NUMBER",
        "blank": "VARCHAR2",
    }


@pytest.mark.parametrize("value", ["01/12/2026", "2026-13-01", "2026-1-5", "12-JAN-26", "2026-02-30"])
def test_a_date_not_in_dem_form_is_refused_first(value):
    with pytest.raises(BindError, match=r"arg start_date .* is not a date in YYYY-MM-DD form"):
        typed_binds([ArgSpec("start_date", "ATTENDANCE.ATT_DATE")], {"start_date": value})


def test_a_number_arg_that_is_not_a_number_is_refused():
    with pytest.raises(BindError, match="is not a number"):
        typed_binds([ArgSpec("yearid", "TERMS.YEARID")], {"yearid": "35a"})


def test_array_binds_expand_in_in(district):
    sql = "SELECT x.N AS n FROM (SELECT 100 AS N FROM DUAL UNION ALL SELECT 200 AS N FROM DUAL UNION ALL SELECT 300 AS N FROM DUAL) x WHERE x.N IN (:schools) ORDER BY 1"
    assert run(district, sql, {"schools": [100, 300]}, NOW) == [(100,), (300,)]
    assert run(district, sql, {"schools": []}, NOW) == []


def test_to_date_of_a_date_bind_fails_as_on_the_server(district):
    sql = "SELECT 1 AS one FROM DUAL WHERE SYSDATE >= NVL(TO_DATE(:d, 'YYYY-MM-DD'), TRUNC(SYSDATE))"
    with pytest.raises(OracleRefusal, match="^ORA-01843: TO_DATE of a DATE bind"):
        run(district, sql, {"d": dt.date(2026, 1, 12)}, NOW, {"d": "DATE"})
    # Typed by its column even when left blank (NULL), as PowerSchool types the bind.
    with pytest.raises(OracleRefusal, match="ORA-01843"):
        run(district, sql, {"d": None}, NOW, {"d": "DATE"})
    assert run(district, sql.replace("TO_DATE(:d, 'YYYY-MM-DD')", ":d"), {"d": dt.date(2026, 1, 12)}, NOW) == [(1,)]


# --- the same judgement in validate and preview ----------------------------------------------


@pytest.mark.parametrize("case", _cases("bad"), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_what_the_checks_refuse_the_preview_refuses_with_the_same_code(case: Path, district):
    sql = case.read_text(encoding="utf-8")
    code = re.search(r"ORA-\d{5}", _finding_message(case)).group(0)
    families = arg_families(_args(sql))
    binds = dict.fromkeys(families)
    with pytest.raises(OracleRefusal, match=f"^{code}"):
        run(district, sql, binds, NOW, families)


@pytest.mark.parametrize("case", _cases("good"), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_what_the_checks_accept_the_preview_runs(case: Path, district):
    sql = case.read_text(encoding="utf-8")
    families = arg_families(_args(sql))
    run(district, sql, dict.fromkeys(families), NOW, families)


def _finding_message(case: Path) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        findings = [f for f in findings_for(case, Path(tmp)) if f.code == case.parent.parent.name]
    assert findings, case
    return findings[0].message


# --- accepted by Oracle: run, and return what Oracle returns -----------------------------------


def test_decode_takes_the_type_of_its_first_result(district):
    sql = "SELECT DECODE(x.G, 0, 'KG', x.G) AS g FROM (SELECT 0 AS G FROM DUAL UNION ALL SELECT 5 AS G FROM DUAL) x ORDER BY 1"
    assert run(district, sql, {}, NOW) == [("5",), ("KG",)]


def test_min_keep_dense_rank_over_partition(district):
    district.execute(
        "CREATE OR REPLACE TEMP TABLE KEEPS AS SELECT * FROM (VALUES (1, 'a', 2), (2, 'a', 1), (3, 'a', 1), (4, 'b', 5)) v(ID, GRP, RNK)"
    )
    sql = "SELECT k.ID AS id, MIN(k.ID) KEEP (DENSE_RANK FIRST ORDER BY k.RNK) OVER (PARTITION BY k.GRP) AS first_id FROM KEEPS k ORDER BY 1"
    assert run(district, sql, {}, NOW) == [(1, 2), (2, 2), (3, 2), (4, 4)]
    sql_max = sql.replace("MIN(k.ID)", "MAX(k.ID)")
    assert run(district, sql_max, {}, NOW) == [(1, 3), (2, 3), (3, 3), (4, 4)]


def test_rownum_in_a_subquery(district):
    sql = (
        "SELECT q.N AS n, q.R AS r FROM (SELECT x.N AS N, ROWNUM AS R FROM "
        "(SELECT 30 AS N FROM DUAL UNION ALL SELECT 10 AS N FROM DUAL UNION ALL SELECT 20 AS N FROM DUAL) x WHERE ROWNUM <= 2) q ORDER BY 2"
    )
    rows = run(district, sql, {}, NOW)
    assert [r for _, r in rows] == [1, 2]
    scalar = "SELECT (SELECT d.DUMMY FROM DUAL d WHERE d.DUMMY = 'X' AND ROWNUM = 1) AS x FROM DUAL"
    assert run(district, scalar, {}, NOW) == [("X",)]
    # Oracle numbers rows before aggregating; LIMIT would come after: said, not guessed.
    with pytest.raises(NotEmulated, match="ROWNUM in the WHERE of a block that also sorts, groups or aggregates"):
        to_duckdb("SELECT COUNT(*) AS n FROM STUDENTS s WHERE ROWNUM = 1")


def test_char_literals_compare_blank_padded(district):
    assert run(
        district,
        "SELECT CASE WHEN 'a' = 'a  ' THEN 1 ELSE 0 END AS p, CASE WHEN 'a' = ' a' THEN 1 ELSE 0 END AS q FROM DUAL",
        {},
        NOW,
    ) == [(1, 0)]


def test_group_by_a_number_groups_by_that_constant(district):
    two_rows = "(SELECT 1 AS A FROM DUAL UNION ALL SELECT 2 AS A FROM DUAL)"
    assert run(district, f"SELECT COUNT(*) AS n FROM {two_rows} q GROUP BY 1", {}, NOW) == [(2,)]
    # With no rows there is no group, so no row (without GROUP BY: one row, 0).
    assert run(district, f"SELECT COUNT(*) AS n FROM {two_rows} q WHERE q.A > 5 GROUP BY 1", {}, NOW) == []


def test_xmlagg_lists_have_no_4000_byte_limit(district):
    sql = (
        "SELECT SUBSTR(XMLCAST(XMLAGG(XMLELEMENT(E, ',' || 'S' || TO_CHAR(r.N)) ORDER BY r.N) AS CLOB), 2) AS ids "
        "FROM (SELECT range AS N FROM range(1, 1001)) r"
    )
    ids = run(district, sql, {}, NOW)[0][0]
    assert ids.split(",") == [f"S{n}" for n in range(1, 1001)]
    assert len(ids.encode()) > 4000


def test_what_is_not_emulated_is_said_by_name():
    with pytest.raises(NotEmulated, match="^not emulated: CONNECT BY"):
        to_duckdb("SELECT LEVEL AS l FROM STUDENTS s START WITH s.ID = 1 CONNECT BY PRIOR s.ID = s.SCHOOLID")
    with pytest.raises(NotEmulated, match=r"^not emulated: \(\+\) outer joins"):
        to_duckdb("SELECT s.ID AS id FROM STUDENTS s, CC c WHERE s.ID = c.STUDENTID(+)")
    with pytest.raises(NotEmulated, match="^not emulated: XMLAGG"):
        to_duckdb("SELECT XMLAGG(XMLELEMENT(E, s.ID)).GETCLOBVAL() AS ids FROM STUDENTS s")

"""Run PowerQuery (Oracle) SQL on DuckDB: sqlglot transpilation plus Oracle's semantics.

sqlglot translates syntax; the rewrites here restore the behaviour that differs:

* ``''`` is NULL in Oracle (an empty string literal becomes NULL);
* ``||`` ignores NULL (it becomes DuckDB ``CONCAT``, which skips NULLs);
* ``SYSDATE`` is the clock of the run, fixed by the caller so results are reproducible;
* ``:name`` binds become literals of the values given;
* ``TO_CHAR(date, 'YYYY-MM-DD…')`` keeps its format (``STRFTIME``);
* ``TRUNC(date)`` is the day (``CAST … AS DATE``);
* ``DBMS_LOB.SUBSTR(lob, n, offset)`` is ``SUBSTRING(lob, offset, n)``;
* ``MIN(x) KEEP (DENSE_RANK FIRST ORDER BY …)`` becomes ``FIRST(x ORDER BY …)``;
* ``DUAL`` exists (:func:`prepare_connection` creates it).

Limits: Oracle DATE columns are DuckDB DATE (no time of day), so ``date - n`` is day
arithmetic as in Oracle; a TIMESTAMP column minus a number is not rewritten.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import duckdb
import sqlglot
from sqlglot import exp

# Oracle datetime format elements -> strftime, longest first.
_FORMATS = [
    ("YYYY", "%Y"),
    ("HH24", "%H"),
    ("HH12", "%I"),
    ("MONTH", "%B"),
    ("MON", "%b"),
    ("DAY", "%A"),
    ("DY", "%a"),
    ("YY", "%y"),
    ("MM", "%m"),
    ("DD", "%d"),
    ("HH", "%I"),
    ("MI", "%M"),
    ("SS", "%S"),
    ("AM", "%p"),
    ("PM", "%p"),
]
_FORMAT_RE = re.compile("|".join(re.escape(k) for k, _ in _FORMATS), re.I)


class UnsupportedOracle(Exception):
    """A construct the compatibility layer cannot translate."""


def oracle_format_to_strftime(fmt: str) -> str:
    mapping = dict(_FORMATS)
    pieces = []
    position = 0
    for match in _FORMAT_RE.finditer(fmt):
        pieces.append(fmt[position : match.start()].replace("%", "%%").replace('"', ""))
        pieces.append(mapping[match.group(0).upper()])
        position = match.end()
    pieces.append(fmt[position:].replace("%", "%%").replace('"', ""))
    return "".join(pieces)


def _literal(value: object) -> exp.Expression:
    if value is None or value == "":
        return exp.Null()
    if isinstance(value, bool):
        return exp.Literal.number(int(value))
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    return exp.Literal.string(str(value))


def _is_dbms_lob_substr(node: exp.Expression) -> bool:
    return (
        isinstance(node, exp.Dot)
        and isinstance(node.this, exp.Identifier)
        and node.this.name.upper() == "DBMS_LOB"
        and isinstance(node.expression, exp.Anonymous)
        and node.expression.name.upper() == "SUBSTR"
        and bool(node.expression.expressions)
    )


def _rewrite(node: exp.Expression, binds: Mapping[str, object], now: dt.datetime) -> exp.Expression:
    if isinstance(node, exp.Literal) and node.is_string and node.this == "":
        return exp.Null()
    if isinstance(node, exp.DPipe):
        # Anonymous: sqlglot would print exp.Concat back as ||, which propagates NULL in DuckDB.
        return exp.Anonymous(this="CONCAT", expressions=[node.this, node.expression])
    if isinstance(node, exp.CurrentTimestamp):
        return _literal(now)
    if isinstance(node, exp.Placeholder):
        name = node.name
        if name not in binds:
            raise UnsupportedOracle(f"bind :{name} has no value")
        return _literal(binds[name])
    if isinstance(node, exp.ToChar):
        fmt = node.args.get("format")
        if fmt is not None:
            if not (isinstance(fmt, exp.Literal) and fmt.is_string):
                raise UnsupportedOracle("TO_CHAR with a computed format")
            return exp.func("STRFTIME", node.this, exp.Literal.string(oracle_format_to_strftime(fmt.this)))
        return exp.Anonymous(this="ORA_TO_CHAR", expressions=[node.this])
    if isinstance(node, (exp.DateTrunc, exp.TimestampTrunc)):
        unit = node.args.get("unit")
        unit_name = unit.name.upper() if unit is not None else "DD"
        if unit_name in ("DD", "DDD", "J", "DAY"):
            # transform() does not descend into a replaced node: rewrite its argument here
            # (TRUNC(SYSDATE) must see the fixed clock).
            return exp.cast(node.this.transform(lambda n: _rewrite(n, binds, now)), "DATE")
    if _is_dbms_lob_substr(node):
        # DBMS_LOB.SUBSTR(lob, amount, offset) reads the CLOB as VARCHAR2: SUBSTR(lob, offset, amount).
        args = [a.transform(lambda n: _rewrite(n, binds, now)) for a in node.expression.expressions]
        amount = args[1] if len(args) > 1 else exp.Literal.number(32767)
        offset = args[2] if len(args) > 2 else exp.Literal.number(1)
        return exp.Substring(this=args[0], start=offset, length=amount)
    if isinstance(node, exp.Window) and str(node.args.get("over") or "").upper() == "KEEP":
        # MIN/MAX(x) KEEP (DENSE_RANK FIRST|LAST ORDER BY …)
        inner = node.this
        order = node.args.get("order")
        if order is None:
            raise UnsupportedOracle("KEEP without ORDER BY")
        keys = ", ".join(o.sql("duckdb") for o in order.expressions)
        function = "FIRST" if node.args.get("first") else "LAST"
        return sqlglot.parse_one(f"{function}({inner.this.sql('duckdb')} ORDER BY {keys})", read="duckdb")
    return node


def to_duckdb(sql: str, binds: Mapping[str, object] | None = None, now: dt.datetime | None = None) -> str:
    """Translate one Oracle statement to DuckDB SQL with binds and SYSDATE fixed."""
    tree = sqlglot.parse_one(sql, read="oracle")
    now = now or dt.datetime.now().replace(microsecond=0)
    binds = binds or {}
    # Children before parents (reversed pre-order), so every rewrite sees rewritten operands.
    for node in reversed(list(tree.walk(bfs=False))):
        new = _rewrite(node, binds, now)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree.sql("duckdb")


def prepare_connection(con: duckdb.DuckDBPyConnection) -> None:
    """Create DUAL and the helper macros the translated SQL uses."""
    con.execute("CREATE TABLE IF NOT EXISTS DUAL (DUMMY VARCHAR)")
    if not con.execute("SELECT COUNT(*) FROM DUAL").fetchone()[0]:
        con.execute("INSERT INTO DUAL VALUES ('X')")
    # TO_CHAR(number) in Oracle prints no trailing zeros; TO_CHAR('') stays NULL.
    con.execute(
        "CREATE OR REPLACE MACRO ORA_TO_CHAR(x) AS "
        "CASE WHEN x IS NULL THEN NULL "
        "WHEN TRY_CAST(x AS DOUBLE) IS NOT NULL AND typeof(x) IN ('DOUBLE', 'FLOAT') "
        "AND TRY_CAST(x AS DOUBLE) = TRUNC(TRY_CAST(x AS DOUBLE)) "
        "THEN CAST(CAST(x AS BIGINT) AS VARCHAR) ELSE NULLIF(CAST(x AS VARCHAR), '') END"
    )


def run(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    binds: Mapping[str, object] | None = None,
    now: dt.datetime | None = None,
) -> list[tuple]:
    """Execute Oracle SQL on DuckDB and return its rows."""
    prepare_connection(con)
    return con.execute(to_duckdb(sql, binds, now)).fetchall()

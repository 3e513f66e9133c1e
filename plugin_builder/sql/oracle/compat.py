"""Run PowerQuery (Oracle) SQL on DuckDB: sqlglot transpilation plus Oracle's semantics.

sqlglot translates the syntax. Each rewrite below restores one behaviour in which Oracle
and DuckDB differ; each is a function of its own (``_rewrite_*``, listed in ``REWRITES``)
with a test of its own in ``tests/test_oracle_compat.py``:

* ``''`` is NULL: an empty string literal becomes NULL, and string functions that
  produce an empty string (``SUBSTR``, ``TRIM``, ``LPAD``, ``REPLACE``, ``TRANSLATE`` …)
  produce NULL; ``REPLACE(x, 'a', '')`` still removes ``a`` as in Oracle.
* ``||`` ignores NULL (``CONCAT``), and a concatenation that is empty is NULL.
* ``SYSDATE``/``SYSTIMESTAMP``/``CURRENT_DATE`` are the caller's fixed clock (``now``).
* ``:name`` binds become literals of the values given (a missing value is an error; an
  arg left blank in Data Export Manager is ``None`` = NULL).
* ``TO_CHAR(date, 'YYYY-MM-DD…')`` keeps its format (``STRFTIME``, with ``FM`` and
  ``"literal"`` text), also where sqlglot translated it itself; ``TO_CHAR(number,
  'FM000')`` and other ``0``/``9``/``.``/``FM`` number formats are printed as Oracle does;
  ``TO_CHAR(x)`` prints numbers without trailing zeros.
* ``TRUNC(date)`` is the day, ``TRUNC(date, 'MM'|'YYYY'|'Q'|'IW')`` the period start (a
  DATE); ``TRUNC(number)`` stays numeric.
* Date arithmetic: ``date ± n`` adds days (``n`` may be fractional, and ``date`` may be a
  TIMESTAMP such as ``SYSDATE`` or ``SECTIONTEACHER.START_DATE``); ``date - date`` is a
  number of days.
* ``NVL``, ``NVL2`` and ``DECODE`` (whose ``NULL`` search matches ``NULL``) come from
  sqlglot; tests pin the behaviour.
* ``LISTAGG(x, sep) WITHIN GROUP (ORDER BY …)`` fails past 4000 bytes as Oracle does
  (``ON OVERFLOW ERROR``, the default) or truncates whole values and appends the
  indicator and ``(count)`` (``ON OVERFLOW TRUNCATE [ind] [WITH|WITHOUT COUNT]``).
* ``MIN|MAX(x) KEEP (DENSE_RANK FIRST|LAST ORDER BY …)`` keeps Oracle's tie rule (the
  MIN or MAX among the rows of the first or last rank).
* ``BITAND(a, b)`` and ``REGEXP_SUBSTR(s, pattern[, position])`` (RE2 patterns) are macros;
  ``REGEXP_REPLACE``/``REGEXP_LIKE`` read a number as text, and ``REGEXP_REPLACE(x, p, '')`` removes.
* ``SUBSTR(x, 0, n)`` starts at 1 as in Oracle; ``DBMS_LOB.SUBSTR(lob, n, offset)`` is
  ``SUBSTR(lob, offset, n)``.
* ``DUAL`` exists (:func:`prepare_connection` creates it, with the helper macros).
* Constructs of public plugins (``preview --zip``): ``CONNECT BY`` on ``DUAL`` without
  ``PRIOR`` (a level generator), ``REGEXP_SUBSTR`` with an occurrence, ``TO_DSINTERVAL``
  literals (days), ``PS_CUSTOMFIELDS.GET…CF`` (a field never set: NULL), ``SUBSTR`` of a
  number, a number ``IN`` a text subquery, a date column of a WITH query, ``PS.TABLE``.

Limits (documented in docs/preview.md too):

* Whether an expression is a date is decided from the syntax: ``SYSDATE``, ``TO_DATE``,
  ``DATE '…'``, ``TRUNC(date)``, ``ADD_MONTHS`` and columns that the PowerSchool dictionary
  types DATE or TIMESTAMP (by column name). A date column renamed in a CTE and then used
  in ``+``/``-``/``TRUNC`` is not recognised (DuckDB then reports a type error).
* ``TO_CHAR(date, fmt)`` knows YYYY YY MM MON MONTH DD DY DAY HH HH12 HH24 MI SS AM PM,
  ``FM`` and ``"quoted"`` text, and ``'J'`` alone (the Julian day); another element (``Q``,
  ``WW``, ``J`` within a format, ``RR``, ``TH`` …) is rejected; ``TO_DATE`` masks in any case; ``Month``/``Day`` are not blank-padded to 9 characters without ``FM``.
* ``TO_CHAR(date)`` without a format prints ISO (``2026-01-15``), not the NLS default;
  number formats with group separators (``9,999``), ``$``, ``S`` or ``EEEE`` are rejected.
* ``CONNECT BY`` with ``PRIOR``/``START WITH``, ``TABLE(…)`` and ``(+)`` joins are not translated.
* TIMESTAMP - TIMESTAMP is a number of days (Oracle: an INTERVAL).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.dialects.oracle import Oracle

from plugin_builder.sql.oracle.model import NotEmulated, OracleRefusal, UnsupportedOracle, sql_refusals

LISTAGG_MAX_BYTES = 4000

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
_FILL_MODE = {"%d": "%-d", "%m": "%-m", "%H": "%-H", "%I": "%-I", "%M": "%-M", "%S": "%-S"}
_FORMAT_RE = re.compile("|".join(re.escape(k) for k, _ in _FORMATS), re.I)
_NUMBER_FORMAT_RE = re.compile(r"^(FM)?([09]*)(?:\.([09]+))?$", re.I)
_LOOKS_NUMERIC_RE = re.compile(r"^(FM)?[09$,.SGLVDE]*[09][09$,.SGLVDE]*$", re.I)  # date formats have no 0/9


_ORACLE_GENERATOR = Oracle().generator()


__all__ = ["NotEmulated", "OracleRefusal", "UnsupportedOracle", "execute", "prepare_connection", "run", "to_duckdb"]


@dataclass(frozen=True)
class Context:
    """What the rewrites need besides the node: bind values and the fixed clock."""

    binds: Mapping[str, object]
    now: dt.datetime
    families: Mapping[str, str] = field(default_factory=dict)  # arg name -> DATE, NUMBER, VARCHAR2


# --------------------------------------------------------------------------- helpers


def oracle_format_to_strftime(fmt: str) -> str:
    """An Oracle datetime format as a strftime format; "quoted" text is literal.

    An element this layer does not know (``Q``, ``WW``, ``J``, ``RR``, ``TH`` …) is an
    error rather than letters printed as they are.
    """
    mapping = dict(_FORMATS)
    pieces = []
    position = 0
    fill_mode = False
    text = fmt
    while position < len(text):
        if text[position] == '"':
            closing = text.find('"', position + 1)
            if closing < 0:
                raise UnsupportedOracle(f"TO_CHAR format {fmt!r} has an unclosed quote")
            pieces.append(text[position + 1 : closing].replace("%", "%%"))
            position = closing + 1
            continue
        if text[position : position + 2].upper() == "FM":
            fill_mode = not fill_mode  # FM toggles: numbers lose their leading zeros
            position += 2
            continue
        match = _FORMAT_RE.match(text, position)
        if match:
            element = mapping[match.group(0).upper()]
            pieces.append(_FILL_MODE.get(element, element) if fill_mode else element)
            position = match.end()
            continue
        if text[position].isalnum():
            raise NotEmulated(f"TO_CHAR format element at {text[position:]!r} in {fmt!r}")
        pieces.append(text[position].replace("%", "%%"))
        position += 1
    return "".join(pieces)


def _literal(value: object) -> exp.Expression:
    if value is None or value == "":
        return exp.Null()
    if isinstance(value, bool):
        return exp.Literal.number(int(value))
    if isinstance(value, (int, float, Decimal)):
        return exp.Literal.number(str(value))
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    return exp.Literal.string(str(value))


def _parse(sql: str) -> exp.Expression:
    return sqlglot.parse_one(sql, read="duckdb")


@cache
def _column_kinds() -> dict[str, str]:
    """Column name -> 'date' or 'timestamp' for names typed so in every dictionary table."""
    from plugin_builder.sql.dictionary import duckdb_type, load_dictionary

    kinds: dict[str, set[str]] = {}
    for columns in load_dictionary().values():
        for name, oracle_type in columns.items():
            kinds.setdefault(name, set()).add(duckdb_type(oracle_type))
    result = {}
    for name, types in kinds.items():
        if types == {"DATE"}:
            result[name] = "date"
        elif types <= {"DATE", "TIMESTAMP"}:
            result[name] = "timestamp"
    return result


def date_kind(node: exp.Expression) -> str | None:
    """'date', 'timestamp' or None (not known to be a date), from the syntax alone."""
    if isinstance(node, exp.Paren):
        return date_kind(node.this)
    if isinstance(node, (exp.CurrentTimestamp, exp.CurrentDate, exp.Systimestamp)):
        return "timestamp"
    if isinstance(node, exp.Cast):
        to = node.to.this
        if to == exp.DataType.Type.DATE:
            return "date"
        if to in (exp.DataType.Type.TIMESTAMP, exp.DataType.Type.DATETIME):
            return "timestamp"
        return None
    if isinstance(node, (exp.StrToDate, exp.StrToTime, exp.DateStrToDate, exp.TsOrDsToDate)):
        return "timestamp" if isinstance(node, exp.StrToTime) else "date"
    if isinstance(node, exp.AddMonths):
        return date_kind(node.this)
    if isinstance(node, exp.Column):
        return node.meta.get("ora_date_kind") or _column_kinds().get(node.name.upper())
    if isinstance(node, exp.Anonymous) and node.name.upper() in ("ORA_DATE_ADD", "LAST_DAY"):
        return "timestamp"
    if isinstance(node, exp.Case):
        kinds = {date_kind(i.args["true"]) for i in node.args.get("ifs", [])}
        if node.args.get("default") is not None and not isinstance(node.args["default"], exp.Null):
            kinds.add(date_kind(node.args["default"]))
        if kinds == {"date", "timestamp"}:
            return "timestamp"  # DATE and TIMESTAMP results make a TIMESTAMP CASE
        return kinds.pop() if len(kinds) == 1 else None
    if isinstance(node, exp.Coalesce):
        # NVL(date, SYSDATE): a DATE and a TIMESTAMP give a TIMESTAMP
        kinds = {date_kind(a) for a in (node.this, *node.expressions)} - {None}
        return ("timestamp" if "timestamp" in kinds else "date") if kinds else None
    if isinstance(node, (exp.Add, exp.Sub)):
        left, right = date_kind(node.this), date_kind(node.expression)
        if isinstance(node, exp.Sub) and left and right:
            return None  # date - date is a number
        return left or right
    return None


def _is_integer(node: exp.Expression) -> bool:
    if isinstance(node, exp.Paren):
        return _is_integer(node.this)
    if isinstance(node, exp.Neg):
        return _is_integer(node.this)
    return isinstance(node, exp.Literal) and not node.is_string and re.fullmatch(r"\d+", node.this) is not None


# --------------------------------------------------------------------------- rewrites
# Each takes a node whose children are already rewritten and returns it or its
# replacement. Keep one function per Oracle behaviour, so branches merge cleanly.


def _rewrite_empty_string_is_null(node: exp.Expression, ctx: Context) -> exp.Expression:
    if isinstance(node, exp.Literal) and node.is_string and node.this == "":
        return exp.Null()
    return node


def _rewrite_concat_ignores_null(node: exp.Expression, ctx: Context) -> exp.Expression:
    if isinstance(node, exp.DPipe):
        parts = []
        for side in (node.this, node.expression):
            # a || b || c: one CONCAT of all parts rather than nested ones
            if (
                isinstance(side, exp.Nullif)
                and getattr(side.this, "name", "").upper() == "CONCAT"
                and side.meta.get("ora_concat")
            ):
                parts.extend(side.this.expressions)
            else:
                parts.append(side)
        # Anonymous: sqlglot would print exp.Concat as DuckDB ||, which propagates NULL.
        concat = exp.Nullif(this=exp.Anonymous(this="CONCAT", expressions=parts), expression=exp.Literal.string(""))
        concat.meta["ora_concat"] = True
        return concat
    return node


_EMPTY_PRODUCERS = (exp.Substring, exp.Trim, exp.Pad)
_EMPTY_PRODUCER_NAMES = {"LTRIM", "RTRIM", "TRANSLATE", "REGEXP_REPLACE", "REGEXP_SUBSTR", "LPAD", "RPAD"}


def _rewrite_empty_results_are_null(node: exp.Expression, ctx: Context) -> exp.Expression:
    """A string function whose result is empty returns NULL in Oracle."""
    if isinstance(node, exp.Replace):
        # REPLACE(x, 'a', '') removes 'a' in Oracle; the '' is NULL by now.
        replacement = node.args.get("replacement")
        if replacement is None or isinstance(replacement, exp.Null):
            node.set("replacement", exp.Literal.string(""))
        return exp.func("NULLIF", node, exp.Literal.string(""))
    name = node.name.upper() if isinstance(node, (exp.Anonymous, exp.Func)) else ""
    if isinstance(node, _EMPTY_PRODUCERS) or (isinstance(node, exp.Anonymous) and name in _EMPTY_PRODUCER_NAMES):
        parent = node.parent
        if isinstance(parent, exp.Anonymous) and parent.name.upper() == "NULLIF":
            return node
        return exp.func("NULLIF", node, exp.Literal.string(""))
    return node


def _rewrite_substr_start(node: exp.Expression, ctx: Context) -> exp.Expression:
    """SUBSTR(x, 0, n) is SUBSTR(x, 1, n) in Oracle; DBMS_LOB.SUBSTR(lob, n, off) swaps its args."""
    if isinstance(node, exp.Substring):
        start = node.args.get("start")
        if isinstance(start, exp.Literal) and not start.is_string and start.this == "0":
            node.set("start", exp.Literal.number(1))
        return node
    if isinstance(node, exp.Dot) and isinstance(node.this, exp.Identifier) and node.this.name.upper() == "DBMS_LOB":
        call = node.expression
        if isinstance(call, exp.Anonymous) and call.name.upper() == "SUBSTR":
            args = call.expressions
            lob = args[0]
            amount = args[1] if len(args) > 1 else exp.Literal.number(32767)
            offset = args[2] if len(args) > 2 else exp.Literal.number(1)
            return exp.Substring(this=lob, start=offset, length=amount)
        raise NotEmulated(f"DBMS_LOB.{call.name}")
    return node


def _rewrite_sysdate(node: exp.Expression, ctx: Context) -> exp.Expression:
    if isinstance(node, (exp.CurrentTimestamp, exp.CurrentDate, exp.Systimestamp)):
        return _literal(ctx.now)
    return node


# A NULL number stays an untyped NULL: DuckDB would carry a DECIMAL scale into the output.
_NULL_TYPES = {"DATE": "DATE", "TIMESTAMP": "TIMESTAMP"}


def _rewrite_binds(node: exp.Expression, ctx: Context) -> exp.Expression:
    if isinstance(node, exp.Placeholder):
        name = node.name
        if name not in ctx.binds:
            raise UnsupportedOracle(f"bind :{name} has no value")
        value = ctx.binds[name]
        if (value is None or value == "") and ctx.families.get(name) in _NULL_TYPES:
            return exp.cast(exp.Null(), _NULL_TYPES[ctx.families[name]])  # a typed NULL, as the bind is typed
        return _literal(value)
    return node


def _number_format(value: exp.Expression, fmt: str) -> exp.Expression:
    match = _NUMBER_FORMAT_RE.match(fmt)
    if not match or not (match.group(2) or match.group(3)):
        raise NotEmulated(f"TO_CHAR number format {fmt!r}")
    fill_mode, integer, decimals = bool(match.group(1)), match.group(2) or "", match.group(3) or ""
    zero_at = integer.find("0")
    min_digits = len(integer) - zero_at if zero_at >= 0 else (0 if decimals else 1)
    width = len(integer) + (len(decimals) + 1 if decimals else 0) + 1  # + sign position
    x = value.sql("duckdb")
    if decimals:
        body = f"printf('%0{min_digits + len(decimals) + 1}.{len(decimals)}f', abs(CAST({x} AS DOUBLE)))"
    else:
        body = f"printf('%0{min_digits}d', CAST(round(abs({x})) AS BIGINT))"
    positive = "''" if fill_mode else "' '"
    signed = f"(CASE WHEN {x} < 0 THEN '-' ELSE {positive} END || {body})"
    digits = len(integer)
    text = signed if fill_mode else f"lpad({signed}, {width}, ' ')"
    return _parse(
        f"CASE WHEN {x} IS NULL THEN NULL "
        f"WHEN abs(round({x}, {len(decimals)})) >= 1e{digits} THEN repeat('#', {width}) "
        f"ELSE {text} END"
    )


def _rewrite_to_char(node: exp.Expression, ctx: Context) -> exp.Expression:
    if isinstance(node, exp.TimeToStr):
        # sqlglot translated the format itself (the argument is a known date), imperfectly
        # ('FMMonth'): take Oracle's format back and translate it here.
        fmt = node.args.get("format")
        if not (isinstance(fmt, exp.Literal) and fmt.is_string):
            raise NotEmulated("TO_CHAR with a computed format")
        oracle_format = _ORACLE_GENERATOR.format_time(node)
        if oracle_format is None:
            return node
        oracle_format = oracle_format.strip("'").replace("''", "'")
        if oracle_format.upper() == "J":
            return _julian_day(node.this)
        return exp.func("STRFTIME", node.this, exp.Literal.string(oracle_format_to_strftime(oracle_format)))
    if not isinstance(node, exp.ToChar):
        return node
    fmt = node.args.get("format")
    if fmt is None:
        return exp.func("ORA_TO_CHAR", node.this)
    if not (isinstance(fmt, exp.Literal) and fmt.is_string):
        raise NotEmulated("TO_CHAR with a computed format")
    if _LOOKS_NUMERIC_RE.match(fmt.this) and date_kind(node.this) is None:
        return _number_format(node.this, fmt.this)
    if fmt.this.upper() == "J":
        return _julian_day(node.this)
    return exp.func("STRFTIME", node.this, exp.Literal.string(oracle_format_to_strftime(fmt.this)))


def _uppercase_date_masks(sql: str) -> str:
    """TO_DATE/TO_TIMESTAMP masks in upper case (Oracle reads 'mm/dd/yyyy' as 'MM/DD/YYYY';
    sqlglot knows the upper-case elements only); "quoted" text in a mask is kept."""
    from sqlglot.dialects.oracle import Oracle as OracleDialect
    from sqlglot.tokens import TokenType

    try:
        tokens = OracleDialect().tokenize(sql)
    except sqlglot.errors.SqlglotError:
        return sql
    spans = []
    for index, token in enumerate(tokens):
        if token.text.upper() not in ("TO_DATE", "TO_TIMESTAMP") or index + 1 >= len(tokens):
            continue
        if tokens[index + 1].token_type != TokenType.L_PAREN:
            continue
        depth = 0
        for position in range(index + 1, len(tokens)):
            kind = tokens[position].token_type
            depth += 1 if kind == TokenType.L_PAREN else -1 if kind == TokenType.R_PAREN else 0
            if depth == 0:
                break
            if depth == 1 and kind == TokenType.COMMA and position + 1 < len(tokens):
                mask = tokens[position + 1]
                if mask.token_type == TokenType.STRING:
                    spans.append((mask.start, mask.end))
                break
    if not spans:
        return sql
    pieces, last = [], 0
    for start, end in spans:
        text = sql[start : end + 1]
        parts = text.split('"')
        text = '"'.join(part.upper() if i % 2 == 0 else part for i, part in enumerate(parts))
        pieces += [sql[last:start], text]
        last = end + 1
    return "".join(pieces) + sql[last:]


def _julian_day(value: exp.Expression) -> exp.Expression:
    """TO_CHAR(date, 'J'): the Julian day number (days since 1 January 4712 BC) as text."""
    day = exp.func("julian", exp.cast(value.copy(), "DATE"))
    return exp.cast(exp.cast(day, "BIGINT"), "VARCHAR")


_TRUNC_UNITS = {
    "DD": None, "DDD": None, "J": None,
    "MM": "month", "MON": "month", "MONTH": "month", "RM": "month",
    "YYYY": "year", "YEAR": "year", "YY": "year", "Y": "year", "SYYYY": "year",
    "Q": "quarter", "IW": "week",
}  # fmt: skip


def _rewrite_to_date_without_mask(node: exp.Expression, ctx: Context) -> exp.Expression:
    """TO_DATE(date) with no mask: Oracle writes the DATE with NLS_DATE_FORMAT (DD-MON-RR) and
    reads it back with the same format, so the day survives and the time is dropped."""
    if isinstance(node, (exp.StrToDate, exp.StrToTime)) and node.args.get("format") is None:
        if date_kind(node.this):
            return exp.cast(node.this, "DATE")
        raise NotEmulated("TO_DATE of text without a format mask (it reads the session's NLS_DATE_FORMAT)")
    return node


def _rewrite_trunc_date(node: exp.Expression, ctx: Context) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.upper() == "TRUNC" and len(node.expressions) == 1:
        if date_kind(node.expressions[0]):
            return exp.cast(node.expressions[0], "DATE")
        return exp.func("TRUNC", node.expressions[0])
    if isinstance(node, (exp.DateTrunc, exp.TimestampTrunc)):
        unit = node.args.get("unit")
        unit_name = unit.name.upper() if unit is not None else "DD"
        if unit_name not in _TRUNC_UNITS:
            raise NotEmulated(f"TRUNC(date, '{unit_name}')")
        part = _TRUNC_UNITS[unit_name]
        if part is None:
            return exp.cast(node.this, "DATE")
        return exp.cast(exp.func("DATE_TRUNC", exp.Literal.string(part), node.this), "DATE")
    return node


def _rewrite_date_arithmetic(node: exp.Expression, ctx: Context) -> exp.Expression:
    """date ± n days (n may be fractional, date may be a TIMESTAMP); date - date = days."""
    if not isinstance(node, (exp.Add, exp.Sub)):
        return node
    left, right = node.this, node.expression
    left_kind, right_kind = date_kind(left), date_kind(right)
    if isinstance(node, exp.Sub) and left_kind and right_kind:
        if left_kind == right_kind == "date":
            return node  # DuckDB DATE - DATE is whole days, as Oracle's
        return exp.func("ORA_DAYS_BETWEEN", left, right)
    if isinstance(node, exp.Add) and right_kind and not left_kind:
        left, right, left_kind, right_kind = right, left, right_kind, left_kind
    if not left_kind or right_kind:
        return node
    if left_kind == "date" and _is_integer(right):
        return node  # DuckDB DATE ± INTEGER is a DATE, as in Oracle
    days = exp.Neg(this=exp.Paren(this=right)) if isinstance(node, exp.Sub) else right
    return exp.func("ORA_DATE_ADD", left, days)


def _listagg_parts(node: exp.GroupConcat) -> tuple[exp.Expression, list[exp.Ordered]]:
    value = node.this
    if isinstance(value, exp.Order):
        return value.this, list(value.expressions)
    return value, []


def _rewrite_listagg(node: exp.Expression, ctx: Context) -> exp.Expression:
    if not isinstance(node, exp.GroupConcat):
        return node
    value, order = _listagg_parts(node)
    separator = node.args.get("separator") or exp.Null()
    if isinstance(separator, exp.Null):
        separator = exp.Literal.string("")
    order_sql = (" ORDER BY " + ", ".join(o.sql("duckdb") for o in order)) if order else ""
    value_sql, sep_sql = value.sql("duckdb"), separator.sql("duckdb")
    overflow = node.args.get("on_overflow")
    if overflow is None or (isinstance(overflow, exp.Var) and overflow.name.upper() == "ERROR"):
        return _parse(f"ORA_LISTAGG_ERROR(STRING_AGG({value_sql}, {sep_sql}{order_sql}))")
    if isinstance(overflow, exp.OverflowTruncateBehavior):
        indicator = overflow.this.sql("duckdb") if overflow.this is not None else "'...'"
        with_count = "TRUE" if overflow.args.get("with_count", True) else "FALSE"
        return _parse(
            f"ORA_LISTAGG_TRUNCATE(LIST(CAST({value_sql} AS VARCHAR){order_sql}) FILTER (WHERE {value_sql} IS NOT NULL), "
            f"{sep_sql}, {indicator}, {with_count})"
        )
    raise NotEmulated(f"LISTAGG ON OVERFLOW {overflow.sql('oracle')}")


def _rewrite_keep_dense_rank(node: exp.Expression, ctx: Context) -> exp.Expression:
    """MIN/MAX(x) KEEP (DENSE_RANK FIRST|LAST ORDER BY k): the MIN/MAX among the first/last rank."""
    if not (isinstance(node, exp.Window) and str(node.args.get("over") or "").upper() == "KEEP"):
        return node
    # Inside OVER (PARTITION BY …) the FIRST/LAST below becomes a window aggregate, as in Oracle.
    aggregate = node.this
    if not isinstance(aggregate, (exp.Min, exp.Max)):
        raise NotEmulated(f"KEEP with {aggregate.key.upper()} (only MIN or MAX)")
    order = node.args.get("order")
    if order is None:
        raise UnsupportedOracle("KEEP without ORDER BY")
    value = aggregate.this.sql("duckdb")
    last = not node.args.get("first", True)
    keys = [o.sql("duckdb") for o in order.expressions]
    # Ties within the kept rank: the MIN (or MAX) of x; NULL x only if the rank has no other.
    tie = "ASC" if isinstance(aggregate, exp.Min) != last else "DESC"
    nulls = "NULLS FIRST" if last else "NULLS LAST"
    function = "LAST" if last else "FIRST"
    return _parse(f"{function}({value} ORDER BY {', '.join(keys)}, {value} {tie} {nulls})")


def _is_text(node: exp.Expression) -> bool:
    """Whether an already rewritten expression is known to be text (a DECODE's first result)."""
    if isinstance(node, exp.Paren):
        return _is_text(node.this)
    if isinstance(node, exp.Literal):
        return node.is_string
    if isinstance(
        node,
        (exp.Nullif, exp.ToChar, exp.TimeToStr, exp.Upper, exp.Lower, exp.Substring, exp.Trim, exp.Pad, exp.Replace),
    ):
        return True
    return isinstance(node, exp.Anonymous) and node.name.upper() in (
        "STRFTIME",
        "ORA_TO_CHAR",
        "CONCAT",
        "NULLIF",
        "TRANSLATE",
    )


def _rewrite_decode_first_type(node: exp.Expression, ctx: Context) -> exp.Expression:
    """DECODE's first result decides its type: a text DECODE prints its other (number) results."""
    if not isinstance(node, exp.DecodeCase):
        return node
    values = node.expressions
    results = list(range(2, len(values), 2))
    if len(values) % 2 == 0:
        results.append(len(values) - 1)  # the default
    if not results or not _is_text(values[results[0]]):
        return node
    for index in results[1:]:
        value = values[index]
        if not (_is_text(value) or isinstance(value, exp.Null)):
            converted = exp.func("ORA_TO_CHAR", value)
            value.replace(converted)
    return node


def _rewrite_regexp_text(node: exp.Expression, ctx: Context) -> exp.Expression:
    """REGEXP_REPLACE and REGEXP_LIKE read their subject as text (Oracle converts a number
    as TO_CHAR does); REGEXP_REPLACE's '' (NULL by now) replacement removes the matches, as
    REPLACE's does, and an empty result is NULL."""
    if not isinstance(node, (exp.RegexpReplace, exp.RegexpLike)):
        return node
    subject = node.this
    if not (isinstance(subject, exp.Literal) and subject.is_string):
        node.set("this", exp.func("ORA_TO_CHAR", subject.copy()))
    if isinstance(node, exp.RegexpLike):
        return node
    replacement = node.args.get("replacement")
    if replacement is None or isinstance(replacement, exp.Null):
        node.set("replacement", exp.Literal.string(""))
    return exp.func("NULLIF", node, exp.Literal.string(""))


def _rewrite_blank_padded_literals(node: exp.Expression, ctx: Context) -> exp.Expression:
    """Two text literals are CHAR values: Oracle compares them blank-padded ('a' = 'a ')."""
    if isinstance(node, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)):
        left, right = node.this, node.expression
        if isinstance(left, exp.Literal) and left.is_string and isinstance(right, exp.Literal) and right.is_string:
            left.replace(exp.Literal.string(left.this.rstrip(" ")))
            right.replace(exp.Literal.string(right.this.rstrip(" ")))
    return node


def _xmlagg_parts(node: exp.Expression) -> tuple[exp.XMLElement, list[exp.Ordered]] | None:
    """(XMLELEMENT, ORDER BY) of ``XMLCAST(XMLAGG(XMLELEMENT(…) [ORDER BY …]) AS CLOB|VARCHAR2)``."""
    if not (isinstance(node, exp.Anonymous) and node.name.upper() == "XMLCAST" and len(node.expressions) == 1):
        return None
    target = node.expressions[0]
    if not isinstance(target, exp.Alias) or target.alias.upper() not in ("CLOB", "VARCHAR2"):
        return None
    aggregate = target.this
    if not (
        isinstance(aggregate, exp.Anonymous) and aggregate.name.upper() == "XMLAGG" and len(aggregate.expressions) == 1
    ):
        return None
    inner = aggregate.expressions[0]
    order: list[exp.Ordered] = []
    if isinstance(inner, exp.Order):
        order = list(inner.expressions)
        inner = inner.this
    if not isinstance(inner, exp.XMLElement):
        return None
    return inner, order


def _rewrite_xmlagg(node: exp.Expression, ctx: Context) -> exp.Expression:
    """XMLCAST(XMLAGG(XMLELEMENT(E, parts…) ORDER BY k) AS CLOB): the parts of every row
    joined in order with no limit on length (XMLELEMENT escapes, XMLCAST unescapes)."""
    parts = _xmlagg_parts(node)
    if parts is None:
        return node
    element, order = parts
    content = exp.Anonymous(this="CONCAT", expressions=[*element.expressions, exp.Literal.string("")])
    order_sql = (" ORDER BY " + ", ".join(o.sql("duckdb") for o in order)) if order else ""
    return _parse(f"NULLIF(STRING_AGG({content.sql('duckdb')}, ''{order_sql}), '')")


_DSINTERVAL_RE = re.compile(r"^\s*([+-])?(\d+)\s+(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*$")


def _rewrite_to_dsinterval(node: exp.Expression, ctx: Context) -> exp.Expression:
    """TO_DSINTERVAL('D HH:MI:SS') is that many days, as a number: this layer counts
    TIMESTAMP - TIMESTAMP in days, so comparing with it and adding it to a date give Oracle's results."""
    if not (isinstance(node, exp.Anonymous) and node.name.upper() == "TO_DSINTERVAL"):
        return node
    arg = node.expressions[0] if len(node.expressions) == 1 else None
    match = _DSINTERVAL_RE.match(arg.this) if isinstance(arg, exp.Literal) and arg.is_string else None
    if match is None:
        raise NotEmulated("TO_DSINTERVAL of anything but a 'D HH:MI:SS' literal")
    sign, days, hours, minutes, seconds = match.groups()
    total = (Decimal(days) * 86400 + int(hours) * 3600 + int(minutes) * 60 + Decimal(seconds)) / 86400
    return exp.Literal.number(f"{'-' if sign == '-' else ''}{total.normalize():f}")


@cache
def _numeric_columns() -> frozenset[str]:
    """Column names typed NUMBER in every dictionary table that has them."""
    from plugin_builder.sql.dictionary import load_dictionary

    types: dict[str, set[str]] = {}
    for columns in load_dictionary().values():
        for name, oracle_type in columns.items():
            types.setdefault(name, set()).add(oracle_type.split("(")[0].upper())
    return frozenset(name for name, found in types.items() if found == {"NUMBER"})


def _rewrite_substr_of_number(node: exp.Expression, ctx: Context) -> exp.Expression:
    """SUBSTR(number, …) reads the number as text, as TO_CHAR prints it (Oracle converts it)."""
    if isinstance(node, exp.Substring):
        subject = node.this
        numeric = (isinstance(subject, exp.Literal) and not subject.is_string) or (
            isinstance(subject, exp.Column) and subject.name.upper() in _numeric_columns()
        )
        if numeric:
            node.set("this", exp.func("ORA_TO_CHAR", subject.copy()))
    return node


def _rewrite_in_text_subquery_for_number(node: exp.Expression, ctx: Context) -> exp.Expression:
    """``number_column [NOT] IN (SELECT text …)``: Oracle converts the text to a number."""
    if isinstance(node, exp.In) and isinstance(node.args.get("query"), (exp.Subquery, exp.Select)):
        subject, query = node.this, node.args["query"]
        select = query.this if isinstance(query, exp.Subquery) else query
        if (
            isinstance(subject, exp.Column)
            and subject.name.upper() in _numeric_columns()
            and isinstance(select, exp.Select)
            and len(select.expressions) == 1
        ):
            item = select.expressions[0]
            value = item.this if isinstance(item, exp.Alias) else item
            if _is_text(value):
                value.replace(exp.cast(value.copy(), "DOUBLE"))
    return node


def _rewrite_ps_schema(node: exp.Expression, ctx: Context) -> exp.Expression:
    """``PS.TABLE``: PowerSchool's tables belong to the schema PS, which the preview district is."""
    if isinstance(node, exp.Table) and node.args.get("db") is not None and node.text("db").upper() == "PS":
        node.set("db", None)
    return node


def _rewrite_custom_field_functions(node: exp.Expression, ctx: Context) -> exp.Expression:
    """PS_CUSTOMFIELDS.GETSTUDENTSCF(id, field) and its kin read PowerSchool's legacy custom
    fields; the preview district sets none, so each is NULL, as Oracle returns for a field never set."""
    if (
        isinstance(node, exp.Dot)
        and isinstance(node.this, exp.Identifier)
        and node.this.name.upper() == "PS_CUSTOMFIELDS"
        and isinstance(node.expression, exp.Anonymous)
    ):
        name = node.expression.name.upper()
        if re.fullmatch(r"GET\w*CF", name):
            return exp.Null()  # untyped: Oracle compares the VARCHAR2 with a number as a number
        raise NotEmulated(f"PS_CUSTOMFIELDS.{name}")
    return node


REWRITES: list[Callable[[exp.Expression, Context], exp.Expression]] = [
    _rewrite_empty_string_is_null,
    _rewrite_binds,
    _rewrite_sysdate,
    _rewrite_substr_start,
    _rewrite_to_dsinterval,
    _rewrite_custom_field_functions,
    _rewrite_substr_of_number,
    _rewrite_in_text_subquery_for_number,
    _rewrite_ps_schema,
    _rewrite_empty_results_are_null,
    _rewrite_concat_ignores_null,
    _rewrite_to_char,
    _rewrite_to_date_without_mask,
    _rewrite_trunc_date,
    _rewrite_date_arithmetic,
    _rewrite_listagg,
    _rewrite_keep_dense_rank,
    _rewrite_decode_first_type,
    _rewrite_blank_padded_literals,
    _rewrite_xmlagg,
    _rewrite_regexp_text,
]


def _apply(node: exp.Expression, ctx: Context) -> exp.Expression:
    for rewrite in REWRITES:
        replaced = rewrite(node, ctx)
        if replaced is not node:
            return replaced  # a replacement is final: its children were rewritten already
    return node


def bind_families(binds: Mapping[str, object]) -> dict[str, str]:
    """The type family of each bind from its (typed) value: a date is a DATE, a number a NUMBER."""
    families = {}
    for name, value in binds.items():
        sample = value[0] if isinstance(value, list) and value else value
        if isinstance(sample, (dt.date, dt.datetime)):
            families[name] = "DATE"
        elif isinstance(sample, (int, float, Decimal)) and not isinstance(sample, bool):
            families[name] = "NUMBER"
        elif isinstance(sample, str):
            families[name] = "VARCHAR2"
    return families


def _not_emulated(tree: exp.Expression) -> None:
    """Raise NotEmulated for an Oracle construct this layer does not translate."""
    if tree.find(exp.Connect) is not None:
        raise NotEmulated("CONNECT BY (hierarchical queries, LEVEL)")
    if any(column.args.get("join_mark") for column in tree.find_all(exp.Column)):
        raise NotEmulated("(+) outer joins; write LEFT JOIN")
    if tree.find(exp.Pivot) is not None:
        raise NotEmulated("PIVOT / UNPIVOT")
    for node in tree.find_all(exp.Anonymous):
        name = node.name.upper()
        if name in ("XMLAGG", "XMLCAST", "XMLELEMENT", "XMLTYPE", "GETCLOBVAL", "EXTRACT"):
            owner = node
            while owner is not None and _xmlagg_parts(owner) is None:
                owner = owner.parent
            if owner is None:
                raise NotEmulated(f"{name} outside XMLCAST(XMLAGG(XMLELEMENT(…) ORDER BY …) AS CLOB)")
    if any(e.name.upper() == "XMLAGG" for e in tree.find_all(exp.Dot)):
        raise NotEmulated("XMLAGG(…).GETCLOBVAL(); write XMLCAST(XMLAGG(XMLELEMENT(…)) AS CLOB)")


CONNECT_BY_MAX_LEVELS = 10000
_DUAL_LEVELS = (
    "SELECT l.lvl FROM (SELECT range AS lvl FROM range(1, {cap} + 1)) AS l WHERE l.lvl < ("
    "SELECT CASE WHEN MIN(c.lvl) IS NULL THEN error('ORA-30009: not enough memory for CONNECT BY operation "
    "(preview stops at {cap} levels)') ELSE MIN(c.lvl) END "
    "FROM (SELECT range AS lvl FROM range(2, {cap} + 2)) AS c WHERE NOT COALESCE(ORA_CONNECT_BY_CONDITION, FALSE))"
)


def _is_level(node: exp.Expression) -> bool:
    return isinstance(node, exp.Column) and not node.table and node.name.upper() == "LEVEL"


def _expand_dual_connect_by(tree: exp.Expression) -> None:
    """``SELECT … LEVEL … FROM DUAL CONNECT BY <condition on LEVEL>`` (no PRIOR, no START WITH:
    the row generator public plugins use to split a list) as Oracle runs it: level 1 always,
    then each next level while the condition holds for it."""
    for connect in list(tree.find_all(exp.Connect)):
        select = connect.parent
        source = select.args.get("from_") if isinstance(select, exp.Select) else None
        table = source.this if source is not None else None
        condition = connect.args.get("connect")
        if (
            not isinstance(table, exp.Table)
            or table.name.upper() != "DUAL"
            or select.args.get("joins")
            or connect.args.get("start") is not None
            or connect.args.get("nocycle")
            or condition is None
            or condition.find(exp.Prior) is not None
        ):
            continue
        levels = sqlglot.parse_one(_DUAL_LEVELS.format(cap=CONNECT_BY_MAX_LEVELS), read="duckdb")
        test = condition.copy()
        for column in list(test.find_all(exp.Column)):
            if _is_level(column):
                column.replace(exp.column("lvl", table="c"))
        if _is_level(test):
            test = exp.column("lvl", table="c")
        placeholder = next(c for c in levels.find_all(exp.Column) if c.name == "ORA_CONNECT_BY_CONDITION")
        placeholder.replace(test)
        alias = table.alias or "DUAL"
        select.set(
            "from_",
            exp.From(this=exp.Subquery(this=levels, alias=exp.TableAlias(this=exp.to_identifier("ora_levels")))),
        )
        select.set("connect", None)
        for column in list(select.find_all(exp.Column)):
            if _is_level(column) and column.find_ancestor(exp.Select) is select:
                column.replace(exp.column("lvl", table="ora_levels"))
            elif column.table and column.table.upper() == alias.upper() and column.find_ancestor(exp.Select) is select:
                column.replace(exp.Null())  # DUAL's own column (DUMMY) is not read by this idiom


def _rownum_limit(condition: exp.Expression) -> int | None:
    """n for ``ROWNUM <= n``, ``ROWNUM < n``, ``ROWNUM = 1`` (or reversed), else None."""
    left, right = condition.args.get("this"), condition.args.get("expression")
    flipped = {exp.GTE: exp.LTE, exp.GT: exp.LT, exp.EQ: exp.EQ}
    kind = type(condition)
    if isinstance(right, exp.Column) and right.name.upper() == "ROWNUM" and kind in flipped:
        left, right, kind = right, left, flipped[kind]
    if not (isinstance(left, exp.Column) and left.name.upper() == "ROWNUM" and not left.table and _is_integer(right)):
        return None
    n = int(right.this if isinstance(right, exp.Literal) else right.sql())
    if kind is exp.LTE:
        return n
    if kind is exp.LT:
        return max(n - 1, 0)
    if kind is exp.EQ and n == 1:
        return 1
    return None


def _sorts_or_aggregates(select: exp.Select) -> bool:
    if any(select.args.get(key) is not None for key in ("order", "group", "distinct", "having")):
        return True
    return any(
        node.find_ancestor(exp.Select) is select and node.find_ancestor(exp.Window) is None
        for node in select.find_all(exp.AggFunc)
    )


def _expand_rownum(tree: exp.Expression) -> None:
    """ROWNUM as Oracle numbers rows: ``WHERE ROWNUM <= n`` keeps the first n rows the block
    produces (before its ORDER BY), ``ROWNUM`` in the select list numbers them."""
    for select in list(tree.find_all(exp.Select)):
        own = [
            c
            for c in select.find_all(exp.Column)
            if c.name.upper() == "ROWNUM" and not c.table and c.find_ancestor(exp.Select) is select
        ]
        if not own:
            continue
        where = select.args.get("where")
        limit = None
        if where is not None:
            for condition in list(where.this.flatten() if isinstance(where.this, exp.And) else [where.this]):
                n = _rownum_limit(condition)
                if n is not None:
                    if _sorts_or_aggregates(select):
                        raise NotEmulated("ROWNUM in the WHERE of a block that also sorts, groups or aggregates")
                    limit = n if limit is None else min(limit, n)
                    if condition is where.this:
                        select.set("where", None)
                    else:
                        condition.replace(exp.true())
        remaining = [
            c
            for c in select.find_all(exp.Column)
            if c.name.upper() == "ROWNUM" and not c.table and c.find_ancestor(exp.Select) is select
        ]
        for column in remaining:
            if select.args.get("where") is not None and column.find_ancestor(exp.Where) is not None:
                raise NotEmulated("ROWNUM in a WHERE condition other than ROWNUM <= n")
            column.replace(exp.Window(this=exp.RowNumber()))
        if limit is not None:
            if select.args.get("limit") is not None:
                raise NotEmulated("ROWNUM together with FETCH FIRST")
            select.set("limit", exp.Limit(expression=exp.Literal.number(limit)))


def _derived_date_columns(tree: exp.Expression) -> None:
    """A column of a WITH query or subquery whose select-list expression is a date (a CASE of
    dates, SYSDATE …) is a date where it is used outside, so ``effdate + 5`` adds days."""
    derived = {
        select.parent.alias.upper()
        for select in tree.find_all(exp.Select)
        if isinstance(select.parent, (exp.CTE, exp.Subquery)) and select.parent.alias
    }
    if not derived:
        return
    for _ in range(3):  # a WITH query may use the date column of an earlier one
        kinds: dict[str, set[str | None]] = {}
        for select in tree.find_all(exp.Select):
            holder = select.parent
            if isinstance(holder, (exp.CTE, exp.Subquery)) and holder.alias:
                for item in select.expressions:
                    if isinstance(item, exp.Alias):
                        kinds.setdefault(item.alias.upper(), set()).add(date_kind(item.this))
        for column in tree.find_all(exp.Column):
            name = column.name.upper()
            found = kinds.get(name, set())
            if len(found) == 1 and None not in found and name not in _column_kinds():
                if not column.table or column.table.upper() in derived:
                    column.meta["ora_date_kind"] = next(iter(found))


def _group_by_constants(tree: exp.Expression) -> None:
    """``GROUP BY 1`` groups by the constant 1 in Oracle (DuckDB reads a position)."""
    for group in tree.find_all(exp.Group):
        for item in list(group.expressions):
            if isinstance(item, exp.Literal) and not item.is_string:
                item.replace(exp.cast(item.copy(), "INTEGER" if _is_integer(item) else "DOUBLE"))


def _expand_array_binds(tree: exp.Expression, binds: Mapping[str, object]) -> None:
    """``IN (:arg)`` of an array arg is ``IN (v1, v2, …)`` (an empty array matches nothing)."""
    for placeholder in list(tree.find_all(exp.Placeholder)):
        value = binds.get(placeholder.name)
        if not isinstance(value, list):
            continue
        parent = placeholder.parent
        if not isinstance(parent, exp.In):
            raise NotEmulated(f"array arg :{placeholder.name} outside IN (:{placeholder.name})")
        items = [_literal(v) for v in value] or [exp.Null()]
        others = [e for e in parent.expressions if e is not placeholder]
        parent.set("expressions", [*others, *items])


def to_duckdb(
    sql: str,
    binds: Mapping[str, object] | None = None,
    now: dt.datetime | None = None,
    families: Mapping[str, str] | None = None,
    dictionary=None,
) -> str:
    """Translate one Oracle statement to DuckDB SQL with binds and SYSDATE fixed.

    What Oracle refuses raises :class:`OracleRefusal` (its ORA code first), judged by the
    model the static checks use; ``families`` gives each bind's type family (from its
    arg's ``column=``; by default from the values). What this layer does not translate
    raises :class:`NotEmulated`.
    """
    binds = binds or {}
    families = families if families is not None else bind_families(binds)
    refused = sql_refusals(sql, dictionary, tuple(sorted(families.items())))
    if refused:
        raise OracleRefusal(refused[0])
    tree = sqlglot.parse_one(_uppercase_date_masks(sql), read="oracle")
    _expand_dual_connect_by(tree)
    if any(isinstance(t.this, exp.Anonymous) and t.this.name.upper() == "TABLE" for t in tree.find_all(exp.Table)):
        raise NotEmulated("TABLE(…) collection expressions (TABLE(CAST(MULTISET(…) AS …)))")
    _not_emulated(tree)
    _expand_rownum(tree)
    _group_by_constants(tree)
    _derived_date_columns(tree)
    _expand_array_binds(tree, binds)
    ctx = Context(binds, now or dt.datetime.now().replace(microsecond=0), families)
    # Children before parents (reversed pre-order), so every rewrite sees rewritten children.
    for node in reversed(list(tree.dfs())):
        replaced = _apply(node, ctx)
        if replaced is not node:
            if node is tree:
                tree = replaced
            else:
                node.replace(replaced)
    return tree.sql("duckdb")


_MACROS = [
    # TO_CHAR(number) prints no trailing zeros; TO_CHAR('') stays NULL.
    "CREATE OR REPLACE MACRO ORA_TO_CHAR(x) AS "
    "CASE WHEN x IS NULL THEN NULL "
    "WHEN typeof(x) IN ('DOUBLE', 'FLOAT') AND TRY_CAST(x AS DOUBLE) = TRUNC(TRY_CAST(x AS DOUBLE)) "
    "THEN CAST(CAST(TRY_CAST(x AS DOUBLE) AS BIGINT) AS VARCHAR) "
    "WHEN typeof(x) LIKE 'DECIMAL%' AND CAST(x AS VARCHAR) LIKE '%.%' "
    "THEN rtrim(rtrim(CAST(x AS VARCHAR), '0'), '.') "
    "ELSE NULLIF(CAST(x AS VARCHAR), '') END",
    "CREATE OR REPLACE MACRO ORA_DATE_ADD(d, n) AS "
    "CAST(d AS TIMESTAMP) + to_microseconds(CAST(round(n * 86400000000) AS BIGINT))",
    # BITAND and REGEXP_SUBSTR (the forms public plugins use: a pattern, and a start position).
    "CREATE OR REPLACE MACRO BITAND(a, b) AS CAST(a AS BIGINT) & CAST(b AS BIGINT)",
    "CREATE OR REPLACE MACRO REGEXP_SUBSTR(s, p) AS NULLIF(regexp_extract(s, p), ''), "
    "(s, p, pos) AS NULLIF(regexp_extract(substr(s, pos), p), ''), "
    "(s, p, pos, occurrence) AS NULLIF(regexp_extract_all(substr(s, pos), p)[occurrence], '')",
    "CREATE OR REPLACE MACRO ORA_DAYS_BETWEEN(a, b) AS "
    "(epoch(CAST(a AS TIMESTAMP)) - epoch(CAST(b AS TIMESTAMP))) / 86400.0",
    f"CREATE OR REPLACE MACRO ORA_LISTAGG_ERROR(s) AS "
    f"CASE WHEN strlen(s) > {LISTAGG_MAX_BYTES} "
    f"THEN error('ORA-01489: result of string concatenation is too long') ELSE NULLIF(s, '') END",
    # Whole values while they, the separator, the indicator and the count fit in 4000 bytes.
    f"CREATE OR REPLACE MACRO ORA_LISTAGG_TRUNCATE(l, sep, ind, with_count) AS "
    f"CASE WHEN len(l) = 0 THEN NULL "
    f"WHEN strlen(array_to_string(l, sep)) <= {LISTAGG_MAX_BYTES} THEN NULLIF(array_to_string(l, sep), '') "
    f"ELSE (SELECT array_to_string(l[1:k], sep) || sep || COALESCE(ind, '') "
    f"|| CASE WHEN with_count THEN '(' || (len(l) - k) || ')' ELSE '' END "
    f"FROM (SELECT COALESCE(MAX(i), 0) AS k FROM range(1, len(l) + 1) r(i) "
    f"WHERE strlen(array_to_string(l[1:i], sep)) + strlen(sep) + strlen(COALESCE(ind, '')) "
    f"+ CASE WHEN with_count THEN 2 + length(CAST(len(l) - i AS VARCHAR)) ELSE 0 END <= {LISTAGG_MAX_BYTES})) END",
]


def prepare_connection(con: duckdb.DuckDBPyConnection) -> None:
    """Create DUAL and the helper macros the translated SQL uses."""
    con.execute("CREATE TABLE IF NOT EXISTS DUAL (DUMMY VARCHAR)")
    if not con.execute("SELECT COUNT(*) FROM DUAL").fetchone()[0]:
        con.execute("INSERT INTO DUAL VALUES ('X')")
    for macro in _MACROS:
        con.execute(macro)


def execute(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    binds: Mapping[str, object] | None = None,
    now: dt.datetime | None = None,
    families: Mapping[str, str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Execute Oracle SQL on DuckDB; the cursor has ``description`` and the rows.

    An error Oracle would raise on the data (``ORA-01489`` past 4,000 bytes) stays a DuckDB
    error naming its ORA code; any other DuckDB error means the translation does not cover
    something the statement does, and is reported as not emulated.
    """
    prepare_connection(con)
    translated = to_duckdb(sql, binds, now, families)
    try:
        return con.execute(translated)
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "ORA-" in message or isinstance(exc, (duckdb.CatalogException, duckdb.IOException)):
            raise
        raise NotEmulated(f"a construct of this query runs differently on DuckDB ({message})") from None


def run(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    binds: Mapping[str, object] | None = None,
    now: dt.datetime | None = None,
    families: Mapping[str, str] | None = None,
) -> list[tuple]:
    """Execute Oracle SQL on DuckDB and return its rows."""
    return execute(con, sql, binds, now, families).fetchall()

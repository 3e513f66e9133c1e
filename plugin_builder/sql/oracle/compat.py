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
    ("Q", "\x00Q"),  # the quarter: no strftime element, spliced in by _date_format
]
_FILL_MODE = {"%d": "%-d", "%m": "%-m", "%H": "%-H", "%I": "%-I", "%M": "%-M", "%S": "%-S"}
_FORMAT_RE = re.compile("|".join(re.escape(k) for k, _ in _FORMATS), re.I)
_NUMBER_FORMAT_RE = re.compile(r"^(FM)?([09G,]*)(?:[.D]([09]+))?$", re.I)
_GROUPED_RE = re.compile(r"[09]{1,3}(?:[G,][09]{3})*", re.I)  # a separator every three digits
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
        if not isinstance(node.parent, exp.DPipe) and not node.meta.get("ora_clob"):
            # A VARCHAR2 result is at most 4000 bytes: ORA-01489 on the row that passes it.
            return exp.Anonymous(this="ORA_CONCAT_LIMIT", expressions=[concat])
        return concat
    return node


_CLOB_MAKERS = {"TO_CLOB", "XMLCAST", "XMLAGG", "GETCLOBVAL"}


@cache
def _clob_column_names() -> frozenset[str]:
    from plugin_builder.sql.dictionary import load_dictionary

    return frozenset(
        name for columns in load_dictionary().values() for name, kind in columns.items() if "CLOB" in kind.upper()
    )


def _mark_clob_concats(tree: exp.Expression) -> None:
    """A || with a CLOB in it is a CLOB, which has no 4000-byte limit (marked before the rewrites)."""
    clob_columns = _clob_column_names()
    for node in tree.find_all(exp.DPipe):
        if isinstance(node.parent, exp.DPipe):
            continue
        for part in node.walk():
            if (isinstance(part, exp.Anonymous) and part.name.upper() in _CLOB_MAKERS) or (
                isinstance(part, exp.Column) and part.name.upper() in clob_columns
            ):
                node.meta["ora_clob"] = True
                break


def _rewrite_months_between(node: exp.Expression, ctx: Context) -> exp.Expression:
    """sqlglot prints MONTHS_BETWEEN as a sum without parentheses: MONTHS_BETWEEN(a, b) / 12
    would divide only its last term."""
    if isinstance(node, exp.MonthsBetween) and not node.meta.get("ora_wrapped"):
        copy = node.copy()
        copy.meta["ora_wrapped"] = True
        return exp.Paren(this=copy)
    return node


def _negative_literal(node: exp.Expression | None) -> int | None:
    if isinstance(node, exp.Neg) and _is_integer(node.this):
        return -int(node.this.this)
    if isinstance(node, exp.Literal) and not node.is_string and re.fullmatch(r"-\d+", node.this):
        return int(node.this)
    return None


def _rewrite_instr_backwards(node: exp.Expression, ctx: Context) -> exp.Expression:
    """INSTR(x, s, -n) searches backwards from the n-th character from the end."""
    if not isinstance(node, exp.StrPosition):
        return node
    start = _negative_literal(node.args.get("position"))
    if start is None:
        return node
    if node.args.get("occurrence") is not None:
        raise NotEmulated("INSTR with a negative position and an occurrence")
    return exp.Anonymous(this="ORA_INSTR_BACK", expressions=[node.this, node.args["substr"], exp.Literal.number(start)])


def _rewrite_regexp_substr(node: exp.Expression, ctx: Context) -> exp.Expression:
    """REGEXP_SUBSTR(x, p [, position [, occurrence [, flags [, group]]]]): the occurrence-th
    match from the position, NULL when there is none."""
    if not isinstance(node, exp.RegexpSubstr):
        return node
    pattern = node.expression
    flags = node.args.get("parameters")
    if flags is not None:
        if not (isinstance(flags, exp.Literal) and flags.is_string and set(flags.this) <= {"i", "c", "n", "m"}):
            raise NotEmulated("REGEXP_SUBSTR with computed match flags")
        inline = "".join(sorted(set(flags.this) & {"i", "m"})) + ("s" if "n" in flags.this else "")
        if inline:
            pattern = exp.DPipe(this=exp.Literal.string(f"(?{inline})"), expression=pattern)
    group = node.args.get("group")
    if group is not None and not _is_integer(group):
        raise NotEmulated("REGEXP_SUBSTR with a computed subexpression")
    position = node.args.get("position") or exp.Literal.number(1)
    occurrence = node.args.get("occurrence") or exp.Literal.number(1)
    text = exp.Substring(this=node.this, start=position)
    group_sql = int(group.this) if group is not None else 0
    found = _parse(
        f"NULLIF(list_extract(regexp_extract_all({text.sql('duckdb')}, {pattern.sql('duckdb')}, {group_sql}), "
        f"{occurrence.sql('duckdb')}), '')"
    )
    return found


def _rewrite_null_replacement(node: exp.Expression, ctx: Context) -> exp.Expression:
    """REPLACE and REGEXP_REPLACE with a NULL (or '') replacement remove what they find."""
    if isinstance(node, exp.RegexpReplace):
        replacement = node.args.get("replacement")
        if replacement is None or isinstance(replacement, exp.Null):
            node.set("replacement", exp.Literal.string(""))
        if node.args.get("position") is not None or node.args.get("occurrence") is not None:
            raise NotEmulated("REGEXP_REPLACE with a position or an occurrence")
    elif isinstance(node, exp.Replace):
        replacement = node.args.get("replacement")
        if replacement is None or isinstance(replacement, exp.Null):
            node.set("replacement", exp.Literal.string(""))
    return node


def _rewrite_to_number_default(node: exp.Expression, ctx: Context) -> exp.Expression:
    """TO_NUMBER(x DEFAULT d ON CONVERSION ERROR): d where x is not a number."""
    if not isinstance(node, exp.ToNumber) or node.args.get("default") is None:
        return node
    if node.args.get("format") is not None:
        raise NotEmulated("TO_NUMBER with a format and DEFAULT … ON CONVERSION ERROR")
    x, default = node.this.sql("duckdb"), node.args["default"].sql("duckdb")
    return _parse(f"CASE WHEN {x} IS NULL THEN NULL ELSE COALESCE(TRY_CAST(trim({x}) AS DOUBLE), {default}) END")


def _rewrite_pad_limit(node: exp.Expression, ctx: Context) -> exp.Expression:
    """RPAD/LPAD return a VARCHAR2: at most 4000 characters."""
    if isinstance(node, exp.Pad) and not node.meta.get("ora_limited"):
        copy = node.copy()
        copy.meta["ora_limited"] = True
        limited = exp.Substring(this=copy, start=exp.Literal.number(1), length=exp.Literal.number(LISTAGG_MAX_BYTES))
        return exp.Nullif(this=limited, expression=exp.Literal.string(""))  # and an empty result is NULL
    return node


def _rewrite_division_by_zero(node: exp.Expression, ctx: Context) -> exp.Expression:
    """x / 0 is ORA-01476 in Oracle (DuckDB gives inf or NULL)."""
    if isinstance(node, exp.Div) and not node.meta.get("ora_checked"):
        copy = node.copy()
        copy.meta["ora_checked"] = True
        copy.set("expression", exp.Anonymous(this="ORA_DIVISOR", expressions=[copy.expression]))
        return copy
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
    fill_mode, mask, decimals = bool(match.group(1)), match.group(2) or "", match.group(3) or ""
    integer = re.sub(r"[G,]", "", mask, flags=re.I)
    grouped = integer != mask  # G or ',': the group separator (',' in PowerSchool's US locale)
    if grouped and not _GROUPED_RE.fullmatch(mask):
        raise NotEmulated(f"TO_CHAR number format {fmt!r} (group separators not every three digits)")
    zero_at = integer.find("0")
    min_digits = len(integer) - zero_at if zero_at >= 0 else (0 if decimals else 1)
    if grouped and min_digits > 1:
        raise NotEmulated(f"TO_CHAR number format {fmt!r} (leading zeros with group separators)")
    width = len(mask) + (len(decimals) + 1 if decimals else 0) + 1  # + sign position
    x = value.sql("duckdb")
    comma = "," if grouped else ""
    if decimals:
        body = f"printf('%0{comma}{min_digits + len(decimals) + 1}.{len(decimals)}f', abs(CAST({x} AS DOUBLE)))"
    else:
        body = f"printf('%0{comma}{min_digits}d', CAST(round(abs({x})) AS BIGINT))"
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
        return _date_format(node.this, oracle_format)
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
    return _date_format(node.this, fmt.this)


def _date_format(value: exp.Expression, fmt: str) -> exp.Expression:
    """TO_CHAR(date, fmt): STRFTIME, with the quarter (Q) spliced in where the mask has it."""
    pieces = oracle_format_to_strftime(fmt).split("\x00Q")
    parts: list[exp.Expression] = []
    for index, piece in enumerate(pieces):
        if index:
            parts.append(exp.cast(exp.func("QUARTER", value.copy()), "VARCHAR"))
        if piece:
            parts.append(exp.func("STRFTIME", value.copy(), exp.Literal.string(piece)))
    if not parts:
        return exp.func("STRFTIME", value, exp.Literal.string(""))
    result = parts[0]
    for part in parts[1:]:
        result = exp.DPipe(this=result, expression=part)
    return result


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


@cache
def _text_columns() -> frozenset[str]:
    """Column names that are text (VARCHAR2, CHAR) in every dictionary table that has them."""
    from plugin_builder.sql.dictionary import duckdb_type, load_dictionary

    kinds: dict[str, set[str]] = {}
    for columns in load_dictionary().values():
        for name, oracle_type in columns.items():
            kinds.setdefault(name, set()).add(duckdb_type(oracle_type))
    return frozenset(name for name, types in kinds.items() if types == {"VARCHAR"})


def _is_text(node: exp.Expression) -> bool:
    """Whether an already rewritten expression is known to be text (a DECODE's first result)."""
    if isinstance(node, exp.Paren):
        return _is_text(node.this)
    if isinstance(node, exp.Column):
        return node.name.upper() in _text_columns()
    if isinstance(node, exp.DPipe):
        return True
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
    """REGEXP_REPLACE and REGEXP_LIKE read their subject as text (Oracle converts a number as
    TO_CHAR does); REGEXP_REPLACE's empty result is NULL (a NULL replacement is
    _rewrite_null_replacement's)."""
    if not isinstance(node, (exp.RegexpReplace, exp.RegexpLike)):
        return node
    subject = node.this
    if not (isinstance(subject, exp.Literal) and subject.is_string):
        node.set("this", exp.func("ORA_TO_CHAR", subject.copy()))
    if isinstance(node, exp.RegexpLike):
        return node
    return exp.func("NULLIF", node, exp.Literal.string(""))


def _rewrite_nvl_first_type(node: exp.Expression, ctx: Context) -> exp.Expression:
    """NVL converts its second value to the first one's type: NVL(text, 0) gives the text '0'."""
    if not (isinstance(node, exp.Coalesce) and node.args.get("is_nvl")) or not _is_text(node.this):
        return node
    for value in node.expressions:
        if not (_is_text(value) or isinstance(value, exp.Null)):
            value.replace(exp.func("ORA_TO_CHAR", value.copy()))
    return node


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
    _rewrite_regexp_substr,
    _rewrite_null_replacement,
    _rewrite_to_number_default,
    _rewrite_pad_limit,
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
    _rewrite_nvl_first_type,
    _rewrite_blank_padded_literals,
    _rewrite_xmlagg,
    _rewrite_regexp_text,
    _rewrite_months_between,
    _rewrite_instr_backwards,
    _rewrite_division_by_zero,
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
        raise NotEmulated("CONNECT BY (hierarchical queries)")
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


def _sort_after_rownum(select: exp.Select) -> bool:
    """A block that keeps its first n rows (ROWNUM <= n) and then sorts them: its ORDER BY is
    moved to an outer query (when it names outputs), so that the limit applies first."""
    if any(select.args.get(key) is not None for key in ("group", "distinct", "having")) or any(
        select.find_all(exp.AggFunc)
    ):
        return False
    order = select.args.get("order")
    items = select.expressions
    shapes = {item.unalias().sql("duckdb"): i for i, item in enumerate(items)}
    aliases = {item.alias_or_name.upper(): i for i, item in enumerate(items)}
    outer = []
    for ordered in order.expressions:
        key = ordered.this
        if isinstance(key, exp.Literal) and _is_integer(key):
            index = int(key.this) - 1
        elif isinstance(key, exp.Column) and not key.table and key.name.upper() in aliases:
            index = aliases[key.name.upper()]
        elif key.sql("duckdb") in shapes:
            index = shapes[key.sql("duckdb")]
        else:
            return False
        moved = ordered.copy()
        moved.set("this", exp.Literal.number(index + 1))
        outer.append(moved)
    select.meta["ora_sort_after"] = outer
    return True


def _wrap_sort_after_rownum(select: exp.Select) -> None:
    """The block (its limit set) as a subquery, sorted outside (in place: it may be the root)."""
    outer = select.meta.pop("ora_sort_after")
    inner = select.copy()
    inner.set("order", None)
    for key in list(select.args):
        select.set(key, None)
    select.set("expressions", [exp.Star()])
    select.set(
        "from_", exp.From(this=exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("ora_rownum"))))
    )
    select.set("order", exp.Order(expressions=outer))


def _rownum_never(condition: exp.Expression) -> bool:
    """``ROWNUM > n`` (n >= 1), ``ROWNUM >= n`` or ``ROWNUM = n`` (n > 1): no row ever passes,
    since the first candidate is row 1 and fails."""
    left, right = condition.args.get("this"), condition.args.get("expression")
    kind = type(condition)
    flipped = {exp.LT: exp.GT, exp.LTE: exp.GTE, exp.EQ: exp.EQ}
    if isinstance(right, exp.Column) and right.name.upper() == "ROWNUM" and kind in flipped:
        left, right, kind = right, left, flipped[kind]
    if not (isinstance(left, exp.Column) and left.name.upper() == "ROWNUM" and not left.table and _is_integer(right)):
        return False
    n = int(right.this if isinstance(right, exp.Literal) else right.sql())
    return (kind is exp.GT and n >= 1) or (kind in (exp.GTE, exp.EQ) and n > 1)


def _sorts_or_aggregates(select: exp.Select) -> bool:
    if any(select.args.get(key) is not None for key in ("order", "group", "distinct", "having")):
        return True
    return any(
        node.find_ancestor(exp.Select) is select and node.find_ancestor(exp.Window) is None
        for node in select.find_all(exp.AggFunc)
    )


def _oracle_joins(tree: exp.Expression) -> exp.Expression:
    """``a.x = b.y(+)`` outer joins as LEFT JOINs (sqlglot's eliminate_join_marks)."""
    if not any(column.args.get("join_mark") for column in tree.find_all(exp.Column)):
        return tree
    from sqlglot.transforms import eliminate_join_marks

    # sqlglot matches the (+) columns to their tables by name, case-sensitively; Oracle reads
    # unquoted names in upper case (``schoolstaff schoolstaff … SCHOOLSTAFF.DCID``).
    for table in tree.find_all(exp.Table):
        for part in ("this", "alias"):
            name = table.args.get(part)
            name = name.this if isinstance(name, exp.TableAlias) else name
            if isinstance(name, exp.Identifier) and not name.quoted:
                name.set("this", name.this.upper())
    for column in tree.find_all(exp.Column):
        qualifier = column.args.get("table")
        if isinstance(qualifier, exp.Identifier) and not qualifier.quoted:
            qualifier.set("this", qualifier.this.upper())
    try:
        tree = eliminate_join_marks(tree)
    except Exception as error:  # noqa: BLE001 (a (+) pattern sqlglot cannot turn into a join)
        raise NotEmulated(f"this (+) outer join ({error}); write LEFT JOIN") from None
    if any(column.args.get("join_mark") for column in tree.find_all(exp.Column)):
        raise NotEmulated("this (+) outer join; write LEFT JOIN")
    # sqlglot may put a LEFT JOIN before a comma-joined table its ON reads; in Oracle's comma
    # form every such table is joined first (by the WHERE), so the plain joins go first.
    for select in tree.find_all(exp.Select):
        joins = select.args.get("joins") or []
        plain = [j for j in joins if not j.args.get("on") and not j.args.get("using") and not j.side]
        if plain and len(plain) < len(joins):
            select.set("joins", plain + [j for j in joins if j not in plain])
    return tree


def _recursive_with(tree: exp.Expression) -> None:
    """Oracle's recursive subquery factoring (a CTE that reads itself) is DuckDB's WITH RECURSIVE."""
    for with_ in tree.find_all(exp.With):
        for cte in with_.expressions:
            name = cte.alias_or_name.upper()
            if any(t.name.upper() == name and not t.db for t in cte.this.find_all(exp.Table)):
                with_.set("recursive", True)


def _nested_aggregates(tree: exp.Expression) -> None:
    """``SELECT MAX(COUNT(*)) … GROUP BY g``: Oracle aggregates the groups' aggregates into one
    row; DuckDB needs the groups in a subquery first."""
    for select in list(tree.find_all(exp.Select)):
        inner_aggs = [
            agg
            for item in select.expressions
            for agg in item.find_all(exp.AggFunc)
            if isinstance(agg.parent, exp.Expression)
            and any(isinstance(a, exp.AggFunc) for a in _ancestors_within(agg, item))
        ]
        if not inner_aggs:
            continue
        if select.args.get("group") is None:
            raise NotEmulated("a nested aggregate without GROUP BY")
        inner = select.copy()
        inner.set("order", None)
        names = [f"ORA_AGG_{index}" for index in range(len(inner_aggs))]
        inner.set("expressions", [exp.alias_(agg.copy(), name) for agg, name in zip(inner_aggs, names)])
        for agg, name in zip(inner_aggs, names):
            agg.replace(exp.column(name, table="ora_groups"))
        for key in ("where", "group", "having", "joins", "connect"):
            select.set(key, None)
        groups = exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("ora_groups")))
        select.set("from_", exp.From(this=groups))


def _ancestors_within(node: exp.Expression, top: exp.Expression):
    parent = node.parent
    while parent is not None and parent is not top.parent:
        yield parent
        if parent is top:
            return
        parent = parent.parent


LEVEL_MAX = 100000  # rows a CONNECT BY on DUAL may produce in preview


def _connect_by_levels(tree: exp.Expression) -> None:
    """``SELECT … FROM DUAL CONNECT BY <condition on LEVEL>`` (a row generator, the comma-list
    split idiom): LEVEL 1 always, then every level while the condition holds. Other
    hierarchical queries (PRIOR, START WITH, a real table) are not emulated."""
    for connect in list(tree.find_all(exp.Connect)):
        select = connect.parent
        from_ = select.args.get("from_") or select.args.get("from") if isinstance(select, exp.Select) else None
        source = from_.this if from_ is not None else None
        if (
            not isinstance(select, exp.Select)
            or not isinstance(source, exp.Table)
            or source.name.upper() != "DUAL"
            or select.args.get("joins")
            or connect.args.get("start") is not None
            or connect.find(exp.Prior) is not None
        ):
            raise NotEmulated("CONNECT BY (hierarchical queries) other than a LEVEL row generator on DUAL")
        condition = connect.args["connect"]
        levels = sqlglot.parse_one(
            f"(SELECT generate_series AS ORA_LEVEL FROM generate_series(1, {LEVEL_MAX}))", read="duckdb"
        )
        alias = source.alias_or_name
        levels_table = exp.Subquery(
            this=levels.this if isinstance(levels, exp.Subquery) else levels,
            alias=exp.TableAlias(this=exp.to_identifier(alias)),
        )
        for node in [select, *[n for n in select.walk() if n is not select]]:
            if isinstance(node, exp.Column) and node.name.upper() == "LEVEL" and not node.table:
                node.replace(exp.column("ORA_LEVEL", table=alias))
        for node in list(condition.walk()):
            if isinstance(node, exp.Column) and node.name.upper() == "LEVEL" and not node.table:
                node.replace(exp.column("ORA_LEVEL", table=alias))
        # Oracle stops at the first level whose condition fails: the levels before it.
        first_failing = (
            # no failing level within LEVEL_MAX: Oracle would run out of memory (ORA-30009)
            exp.select(
                "CASE WHEN MIN(ORA_LEVEL) IS NULL THEN error('ORA-30009: not enough memory for CONNECT BY "
                f"operation (preview stops at {LEVEL_MAX} levels)') ELSE MIN(ORA_LEVEL) END"
            )
            .from_(
                exp.Subquery(
                    this=levels.this.copy() if isinstance(levels, exp.Subquery) else levels.copy(),
                    alias=exp.TableAlias(this=exp.to_identifier(alias)),
                )
            )
            .where(exp.and_(exp.column("ORA_LEVEL", table=alias) > 1, exp.not_(exp.paren(condition.copy()))))
        )
        from_.set("this", levels_table)
        keep = exp.or_(
            exp.column("ORA_LEVEL", table=alias).eq(1),
            exp.column("ORA_LEVEL", table=alias) < exp.paren(exp.Subquery(this=first_failing)),
        )
        select.set("connect", None)
        select.where(keep, copy=False)


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
                    if _sorts_or_aggregates(select) and not _sort_after_rownum(select):
                        raise NotEmulated("ROWNUM in the WHERE of a block that also groups or aggregates")
                    limit = n if limit is None else min(limit, n)
                    if condition is where.this:
                        select.set("where", None)
                    else:
                        condition.replace(exp.true())
            for condition in list(where.this.flatten() if isinstance(where.this, exp.And) else [where.this]):
                if _rownum_never(condition):
                    condition.replace(exp.false())  # ROWNUM > 1: the first row fails, so every row does
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
            if "ora_sort_after" in select.meta:
                _wrap_sort_after_rownum(select)


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
    # An implicit conversion that fails only on some data (ORA-01722) is a warning, not a refusal.
    refused = [r for r in sql_refusals(sql, dictionary, tuple(sorted(families.items()))) if r.kind != "implicit"]
    if refused:
        raise OracleRefusal(refused[0])
    from plugin_builder.sql.sqlparse import without_restricted_tags

    # <@restricted_table …/> is a condition PowerSchool fills with the user's selection; the
    # preview's selection is the whole district.
    tree = sqlglot.parse_one(_uppercase_date_masks(without_restricted_tags(sql)), read="oracle")
    tree = _oracle_joins(tree)
    _recursive_with(tree)
    _connect_by_levels(tree)
    _nested_aggregates(tree)
    if any(isinstance(t.this, exp.Anonymous) and t.this.name.upper() == "TABLE" for t in tree.find_all(exp.Table)):
        raise NotEmulated("TABLE(…) collection expressions (TABLE(CAST(MULTISET(…) AS …)))")
    _not_emulated(tree)
    _mark_clob_concats(tree)
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
    f"CREATE OR REPLACE MACRO ORA_CONCAT_LIMIT(s) AS "
    f"CASE WHEN strlen(s) > {LISTAGG_MAX_BYTES} "
    f"THEN error('ORA-01489: result of string concatenation is too long') ELSE s END",
    "CREATE OR REPLACE MACRO ORA_DIVISOR(d) AS "
    "CASE WHEN d = 0 THEN error('ORA-01476: divisor is equal to zero') ELSE d END",
    # INSTR(s, sub, -n): the last occurrence that starts at or before the n-th character from the end.
    "CREATE OR REPLACE MACRO ORA_INSTR_BACK(s, sub, p) AS "
    "CASE WHEN s IS NULL OR sub IS NULL THEN NULL "
    "WHEN strpos(left(s, greatest(length(s) + p + length(sub), 0)), sub) = 0 THEN 0 "
    "ELSE length(left(s, greatest(length(s) + p + length(sub), 0))) "
    "- strpos(reverse(left(s, greatest(length(s) + p + length(sub), 0))), reverse(sub)) - length(sub) + 2 END",
    # A CLOB is text without VARCHAR2's 4000-byte limit.
    "CREATE OR REPLACE MACRO TO_CLOB(x) AS NULLIF(CAST(x AS VARCHAR), '')",
    "CREATE OR REPLACE MACRO ORA_DATE_ADD(d, n) AS "
    "CAST(d AS TIMESTAMP) + to_microseconds(CAST(round(n * 86400000000) AS BIGINT))",
    # BITAND, as public plugins use it on flag columns.
    "CREATE OR REPLACE MACRO BITAND(a, b) AS CAST(a AS BIGINT) & CAST(b AS BIGINT)",
    "CREATE OR REPLACE MACRO ORA_DAYS_BETWEEN(a, b) AS "
    "(epoch(CAST(a AS TIMESTAMP)) - epoch(CAST(b AS TIMESTAMP))) / 86400.0",
    f"CREATE OR REPLACE MACRO ORA_LISTAGG_ERROR(s) AS "
    f"CASE WHEN strlen(s) > {LISTAGG_MAX_BYTES} "
    f"THEN error('ORA-01489: result of string concatenation is too long') ELSE NULLIF(s, '') END",
    # Whole values while they, the separator, the indicator and the count fit in 4000 bytes.
    # k: how many whole values fit (a lambda, not a subquery: DuckDB would plan a correlated
    # subquery for every group, and users.csv took three times as long).
    "CREATE OR REPLACE MACRO ORA_LISTAGG_CUT(l, sep, ind, with_count, k) AS "
    "array_to_string(l[1:k], sep) || sep || COALESCE(ind, '') "
    "|| CASE WHEN with_count THEN '(' || (len(l) - k) || ')' ELSE '' END",
    f"CREATE OR REPLACE MACRO ORA_LISTAGG_TRUNCATE(l, sep, ind, with_count) AS "
    f"CASE WHEN len(l) = 0 THEN NULL "
    f"WHEN strlen(array_to_string(l, sep)) <= {LISTAGG_MAX_BYTES} THEN NULLIF(array_to_string(l, sep), '') "
    f"ELSE ORA_LISTAGG_CUT(l, sep, ind, with_count, len(list_filter(range(1, len(l) + 1), lambda i: "
    f"strlen(array_to_string(l[1:i], sep)) + strlen(sep) + strlen(COALESCE(ind, '')) "
    f"+ CASE WHEN with_count THEN 2 + length(CAST(len(l) - i AS VARCHAR)) ELSE 0 END <= {LISTAGG_MAX_BYTES}))) END",
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

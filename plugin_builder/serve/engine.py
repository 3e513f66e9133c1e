"""Running served queries on the preview district: each result computed once, then paged.

A query's result for one set of binds is computed by the Oracle layer exactly as ``preview``
runs it (:func:`plugin_builder.sql.oracle.compat.to_duckdb` on the same SQL, binds and SYSDATE)
and stored as a DuckDB table in the order the query returned it (``CREATE TABLE … AS`` keeps
it; ``rowid`` numbers the rows in that order). Pages, counts and ``pagesize=0`` then read that
table: a page is a ``rowid`` range, so it costs milliseconds however deep it is, and the rows of
all pages, in order, are exactly the query's rows. The district never changes while serving and
SYSDATE is fixed, so a stored result stays right; the least recently used are dropped past
``cache_size`` (never one a request is still reading).

Concurrency: DuckDB connections are not shared between threads; every read opens its own cursor
on the one in-memory database (``con.cursor()``), and a result is built once, under a lock per
(query, binds), while other requests for it wait and requests for other results go ahead.
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import sqlglot.errors

from plugin_builder.serve.plugin import ServedQuery
from plugin_builder.sql.oracle.binds import arg_families
from plugin_builder.sql.oracle.compat import OracleRefusal, UnsupportedOracle, prepare_connection, to_duckdb

CACHE_SCHEMA = "serve_cache"
STREAM_CHUNK = 2000  # rows per read while streaming pagesize=0


class QueryFailed(Exception):
    """The query could not run: ``status`` is 501 for what the Oracle layer does not emulate, else 500."""

    def __init__(self, message: str, status: int = 500):
        super().__init__(message)
        self.status = status


@dataclass
class _Result:
    table: str
    ready: threading.Event = field(default_factory=threading.Event)
    refs: int = 0
    rows: int = 0
    columns: list[str] = field(default_factory=list)
    error: Exception | None = None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _hashable(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


class QueryEngine:
    def __init__(self, con: duckdb.DuckDBPyConnection, today: dt.datetime, cache_size: int = 16):
        self.con = con
        self.today = today
        self.cache_size = cache_size
        self.stream_chunk = STREAM_CHUNK
        prepare_connection(con)  # DUAL and the macros, once: they are shared by every cursor
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {CACHE_SCHEMA}")
        self._lock = threading.Lock()
        self._cursor_lock = threading.Lock()
        self._results: OrderedDict[tuple, _Result] = OrderedDict()
        self._numbers = itertools.count(1)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection of this thread's own to the shared database (opening one is serialised)."""
        with self._cursor_lock:
            return self.con.cursor()

    # -- results -------------------------------------------------------------------------

    def translate(self, query: ServedQuery, binds: dict[str, object]) -> str:
        """DuckDB SQL for ``query`` with ``binds`` typed as PowerSchool types them (a DATE-column
        arg is a date, an array arg a list expanded into its ``IN (…)``), as preview runs it."""
        values = {name: list(value) if isinstance(value, tuple) else value for name, value in binds.items()}
        try:
            return to_duckdb(query.sql, values, self.today, arg_families(query.args))
        except OracleRefusal as exc:  # what Oracle itself refuses: the server's answer too
            raise QueryFailed(f"query {query.name} fails on Oracle: {str(exc).splitlines()[0]}", 500) from None
        except (UnsupportedOracle, sqlglot.errors.SqlglotError) as exc:
            raise QueryFailed(
                f"query {query.name} cannot run on the local server: {str(exc).splitlines()[0]} (not emulated)", 501
            ) from None

    @contextmanager
    def result(self, query: ServedQuery, binds: dict[str, object]) -> Iterator[_Result]:
        """The stored result of ``query`` for ``binds``, computed on first use; held while in use."""
        key = (query.name, tuple(sorted((k, _hashable(v)) for k, v in binds.items())))
        with self._lock:
            result = self._results.get(key)
            builder = result is None
            if builder:
                result = _Result(f"{CACHE_SCHEMA}.r{next(self._numbers)}")
                self._results[key] = result
            self._results.move_to_end(key)
            result.refs += 1
        try:
            if builder:
                try:
                    self._build(result, query, binds)
                except Exception as exc:
                    result.error = exc
                    with self._lock:
                        self._results.pop(key, None)
                    raise
                finally:
                    result.ready.set()
            else:
                result.ready.wait()
                if result.error is not None:
                    raise result.error
            yield result
        finally:
            with self._lock:
                result.refs -= 1
                self._evict()

    def _build(self, result: _Result, query: ServedQuery, binds: dict[str, object]) -> None:
        sql = self.translate(query, binds)
        cursor = self.cursor()
        try:
            cursor.execute(f"CREATE TABLE {result.table} AS {sql}")
            result.columns = [d[0] for d in cursor.execute(f"SELECT * FROM {result.table} LIMIT 0").description]
            result.rows = cursor.execute(f"SELECT count(*) FROM {result.table}").fetchone()[0]
        except duckdb.Error as exc:
            raise QueryFailed(f"query {query.name} failed: {str(exc).splitlines()[0]}") from None
        finally:
            cursor.close()

    def _evict(self) -> None:
        """Drop the least recently used idle results beyond ``cache_size`` (caller holds the lock)."""
        idle = [key for key, r in self._results.items() if r.refs == 0 and r.ready.is_set()]
        excess = len(self._results) - self.cache_size
        for key in idle[: max(excess, 0)]:
            result = self._results.pop(key)
            cursor = self.cursor()
            try:
                cursor.execute(f"DROP TABLE IF EXISTS {result.table}")
            finally:
                cursor.close()

    # -- reading -------------------------------------------------------------------------

    @staticmethod
    def _order_by(result: _Result, order: list[tuple[int, bool]]) -> str:
        terms = [f"{_quote(result.columns[i])} {'DESC' if desc else 'ASC'} NULLS LAST" for i, desc in order]
        return "ORDER BY " + ", ".join(terms + ["rowid"])

    def page(self, result: _Result, page: int, pagesize: int, order: list[tuple[int, bool]]) -> list[tuple]:
        """Rows ``(page - 1) * pagesize`` up to ``page * pagesize`` of the result (page 1-based)."""
        start = (page - 1) * pagesize
        cursor = self.cursor()
        try:
            if order:
                sql = f"SELECT * FROM {result.table} {self._order_by(result, order)} LIMIT {pagesize} OFFSET {start}"
            else:
                sql = (
                    f"SELECT * FROM {result.table} WHERE rowid >= {start} AND rowid < {start + pagesize} ORDER BY rowid"
                )
            return cursor.execute(sql).fetchall()
        finally:
            cursor.close()

    def stream(self, result: _Result, order: list[tuple[int, bool]]) -> Iterator[list[tuple]]:
        """Every row of the result in chunks; only one chunk is in Python memory at a time."""
        chunk = self.stream_chunk
        cursor = self.cursor()
        try:
            if order:
                cursor.execute(f"SELECT * FROM {result.table} {self._order_by(result, order)}")
                while rows := cursor.fetchmany(chunk):
                    yield rows
            else:
                for start in range(0, result.rows, chunk):
                    yield cursor.execute(
                        f"SELECT * FROM {result.table} WHERE rowid >= {start} AND rowid < {start + chunk} ORDER BY rowid"
                    ).fetchall()
        finally:
            cursor.close()


def json_value(value: object) -> object:
    """A DuckDB value as JSON: dates as ``YYYY-MM-DD`` (timestamps ``YYYY-MM-DD HH:MM:SS``), NaN as null."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def api_value(value: object) -> object:
    """A DuckDB value as PowerSchool's API sends it: a string (numbers too, ``"12"``, ``"3.5"``),
    dates ``YYYY-MM-DD``, timestamps ``YYYY-MM-DD HH:MM:SS``; NULL (and NaN) as null."""
    value = json_value(value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

"""What the lossy steps of a query cost, measured on the district preview ran on.

Free text is cleaned of CR, LF and TAB; ``[csv] quotes = false`` strips commas and double
quotes and keeps only the first value of a list; long text is cut (``DBMS_LOB.SUBSTR(x, n, 1)``).
Each query with such a step is run a second time as its lossless twin — rendered with quotes
on, the cleaning ``TRANSLATE`` and the cut taken off — and each output column is compared with
the twin's as a multiset: the twin's values the export does not hold are what was lost.
Preview's rules (:mod:`plugin_builder.preview.checkers.losses`) count them, by column, with
examples.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from operator import itemgetter

import duckdb
import sqlglot.errors

from plugin_builder.build.render import RenderedQuery, render_query
from plugin_builder.preview import writers
from plugin_builder.preview.checkers.outputs import Lost
from plugin_builder.sql.oracle.binds import arg_families
from plugin_builder.sql.oracle.compat import UnsupportedOracle, execute

# TRANSLATE(expr, CHR(9) || CHR(10) || CHR(13)[ || ',"'], '   ') — the catalogue's text cleaning
_CLEANING_TAIL = re.compile(r"""\s*CHR\(9\)\s*\|\|\s*CHR\(10\)\s*\|\|\s*CHR\(13\)(\s*\|\|\s*',"')?\s*,\s*' +'\s*$""")
_CUT_TAIL = re.compile(r"\s*(\d+)\s*,\s*1\s*$")  # DBMS_LOB.SUBSTR(expr, n, 1)


def _arguments(sql: str, open_at: int) -> tuple[list[str], int] | None:
    """The top-level arguments of the call whose ``(`` is at ``open_at``, and the index past
    its ``)``; string literals and nested parentheses are skipped."""
    depth, start, args, i = 0, open_at + 1, [], open_at
    while i < len(sql):
        char = sql[i]
        if char == "'":
            end = sql.find("'", i + 1)
            while end != -1 and sql[end + 1 : end + 2] == "'":
                end = sql.find("'", end + 2)
            if end == -1:
                return None
            i = end
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                args.append(sql[start:i])
                return args, i + 1
        elif char == "," and depth == 1:
            args.append(sql[start:i])
            start = i + 1
        i += 1
    return None


def lossless_sql(sql: str) -> tuple[str, int | None]:
    """The SQL without its cleaning and cutting calls, and the shortest cut length taken off."""
    cut: int | None = None
    out, i = [], 0
    pattern = re.compile(r"\b(TRANSLATE|DBMS_LOB\.SUBSTR)\s*\(", re.I)
    while True:
        match = pattern.search(sql, i)
        if match is None:
            out.append(sql[i:])
            break
        parsed = _arguments(sql, match.end() - 1)
        kept = None
        if parsed is not None:
            args, end = parsed
            name = match.group(1).upper()
            if name == "TRANSLATE" and len(args) == 3 and _CLEANING_TAIL.match(",".join(args[1:])):
                kept = args[0]
            elif name == "DBMS_LOB.SUBSTR" and len(args) == 3 and _CUT_TAIL.match(",".join(args[1:])):
                kept = args[0]
                length = int(_CUT_TAIL.match(",".join(args[1:])).group(1))
                cut = length if cut is None else min(cut, length)
        if kept is None:
            out.append(sql[i : match.end()])
            i = match.end()
            continue
        inner, inner_cut = lossless_sql(kept)  # a cut inside a cleaning, or the reverse
        if inner_cut is not None:
            cut = inner_cut if cut is None else min(cut, inner_cut)
        out.append(sql[i : match.start()] + "(" + inner.strip() + ")")
        i = end
    return "".join(out), cut


def twin_of(query: RenderedQuery, project) -> tuple[str, int | None] | None:
    """The query's lossless twin (SQL, cut length), or None when it has no lossy step.
    ``project`` is None for a plugin built elsewhere: its SQL is all there is to undo."""
    sql = query.sql
    if project is not None and not project.csv.quotes:
        lossless_project = dataclasses.replace(project, csv=dataclasses.replace(project.csv, quotes=True))
        sql = render_query(lossless_project, query.spec).sql
    twin, cut = lossless_sql(sql)
    return None if twin == query.sql else (twin, cut)


def measure(
    con: duckdb.DuckDBPyConnection,
    queries: list[RenderedQuery],
    results: list[writers.QueryResult],
    binds: Callable[[RenderedQuery], dict[str, object]],
    today: dt.datetime,
    project,
) -> tuple[list[Lost], list[str]]:
    """Run each query's twin and compare; (what was lost, notes on twins that could not run)."""
    by_name = {r.name: r for r in results}
    lost: list[Lost] = []
    notes: list[str] = []
    for query in queries:
        result = by_name.get(query.spec.name)
        if result is None or not result.rows:
            continue
        twin = twin_of(query, project)
        if twin is None:
            continue
        sql, cut = twin
        try:
            rows = execute(con, sql, binds(query), today, arg_families(query.spec.args)).fetchall()
        except (UnsupportedOracle, sqlglot.errors.SqlglotError, duckdb.Error) as exc:
            notes.append(f"{query.spec.name}: what its cleaning and cutting lose was not measured ({exc})")
            continue
        file = writers.output_file(query.spec.name, query.spec.group, query.spec.file_name)
        width = len(rows[0]) if rows else 0
        for index, header in enumerate(result.headers):
            if index >= width:
                continue  # the twin has no such column: nothing to compare
            missing = lost_values(list(map(itemgetter(index), result.rows)), list(map(itemgetter(index), rows)))
            if missing:
                lost.append(Lost(file, header, missing, quotes_off=not project.csv.quotes, cut=cut))
    return lost, notes


def lost_values(kept: list, full: list) -> tuple[str, ...]:
    """The twin's values (``full``, as text) that the written column (``kept``) does not hold,
    as a multiset difference, sorted.

    Both columns come from the same query in the same order but for ties, so most positions
    hold the same value on both sides; a pair of equal values (of one type: ``1`` and ``1.0``
    print differently) adds the same text to both multisets and is left out before counting.
    That is the whole column when nothing was lost, compared in C."""
    if kept == full and _one_type(kept) == _one_type(full) is not None:
        return ()
    text = writers._text
    differing = [i for i, (a, b) in enumerate(zip(kept, full)) if a != b or type(a) is not type(b)]
    full_texts = Counter(text(full[i]) for i in differing)
    full_texts.update(map(text, full[len(kept) :]))
    kept_texts = Counter(text(kept[i]) for i in differing)
    kept_texts.update(map(text, kept[len(full) :]))
    missing = full_texts - kept_texts
    return tuple(sorted(missing.elements())) if missing else ()


def _one_type(values: list) -> type | None:
    """The one type of the column's values besides None (None when there are several)."""
    types = set(map(type, values))
    types.discard(type(None))
    if len(types) > 1:
        return None
    return next(iter(types), type(None))

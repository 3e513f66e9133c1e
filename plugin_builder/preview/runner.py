"""Preview: render the project's queries, run them on DuckDB, write and check the outputs.

``run_preview`` is what the CLI calls; tests call it too. Queries plug in by their
sidecar: ``group`` (or the catalogue name's prefix) picks the writer — ``oneroster``,
``edfi``, ``clever``, ``attendance`` — and ``file_name`` the file. A query of another
group is written as ``<group>/<file_name>`` CSV and not checked.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import sqlglot.errors

from plugin_builder.build.render import RenderedQuery
from plugin_builder.errors import InputError, PluginBuilderError, Problem
from plugin_builder.findings import Finding, Severity, has_errors, sort_findings
from plugin_builder.checks import project_dictionary
from plugin_builder.pipeline import cycle_collection_paused, validate
from plugin_builder.preview import checkers, losses, writers
from plugin_builder.preview.checkers.settings import project_settings
from plugin_builder.preview.filler import filter_literals
from plugin_builder.preview.fitting import plugin_filters, prepare_district
from plugin_builder.preview.sources import open_district
from plugin_builder.preview.synthetic import DEFAULT_TODAY, District
from plugin_builder.sql.analysis import field_uses
from plugin_builder.sql.oracle.binds import arg_families, bind_kind, typed_binds
from plugin_builder.sql.oracle.compat import UnsupportedOracle, execute


class PreviewQueryError(PluginBuilderError):
    """A query failed to run on the preview database."""


@dataclass(frozen=True)
class QueryFailure:
    """A query that could not run on the preview database; the others still run."""

    name: str
    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: query {self.name} did not run: {self.reason}"


@dataclass
class OutputSummary:
    kind: str
    files: int
    rows: int
    findings: int  # errors and warnings
    notes: int = 0  # info findings (values cleaned as the format requires): still clean


@dataclass
class PreviewResult:
    out: Path
    source: str
    today: dt.datetime
    results: list[writers.QueryResult]
    written: writers.Written
    findings: list[Finding]  # validate's rules on the project, then preview's (PV6xx) on the written outputs
    summary: list[OutputSummary] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    failures: list[QueryFailure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings) and not self.failures


Progress = Callable[[str], None]


def _needs(queries: list[RenderedQuery]) -> dict[str, dict[str, set[str]]]:
    from plugin_builder.sql.analysis import analyze
    from plugin_builder.sql.dictionary import SYSTEM_TABLES

    needs: dict[str, dict[str, set[str]]] = {}
    for query in queries:
        tables: dict[str, set[str]] = {}
        for use in field_uses(query.sql):
            tables.setdefault(use.table.upper(), set()).add(use.field.upper())
        for table, _line, _column in analyze(query.sql).tables:  # tables read for no column (EXISTS, COUNT(*))
            if table.upper() not in SYSTEM_TABLES:
                tables.setdefault(table.upper(), set())
        needs[query.spec.name] = tables
    return needs


def default_binds(query: RenderedQuery, district: District | None, today: dt.datetime) -> dict[str, object]:
    """Arg values as an administrator would leave them in DEM: blank (NULL), except args on
    a DATE column: the start of a range (``start``/``from``/``begin`` in the name) is three
    weeks before today (the synthetic district's attendance range), any other date is today.
    Given as DEM passes them (``YYYY-MM-DD`` text); :func:`typed_binds` types them."""
    start = district.attendance_range[0] if district else (today - dt.timedelta(days=21)).date()
    binds: dict[str, object] = {}
    for arg in query.spec.args:
        if bind_kind(arg.column) == "date":
            is_start = any(word in arg.name.lower() for word in ("start", "from", "begin"))
            binds[arg.name] = (start if is_start else today.date()).isoformat()
        else:
            binds[arg.name] = None
    return binds


def query_binds(
    query: RenderedQuery, district: District | None, today: dt.datetime, args: dict[str, str] | None = None
) -> dict[str, object]:
    """The defaults overridden by ``args`` (what ``--arg`` gives), typed as PowerSchool binds
    them (a DATE-column arg is a DATE). A value of the wrong form raises BindError."""
    raw = default_binds(query, district, today)
    raw.update({name: value for name, value in (args or {}).items() if name in raw})
    return typed_binds(query.spec.args, raw)


def run_queries(
    con: duckdb.DuckDBPyConnection,
    queries: list[RenderedQuery],
    today: dt.datetime,
    district: District | None = None,
    progress: Progress | None = None,
    args: dict[str, str] | None = None,
    failures: list[QueryFailure] | None = None,
) -> list[writers.QueryResult]:
    """Run each query with its args left blank (see :func:`default_binds`) unless ``args``
    gives a value (blank = NULL), as DEM passes text, typed by each arg's ``column=``.

    A query that fails is added to ``failures`` with its reason and the others still run
    (without ``failures``, the first failure raises :class:`PreviewQueryError`)."""
    # Every --arg value is checked before any query runs, as PowerSchool checks it first.
    all_binds = [query_binds(query, district, today, args) for query in queries]
    results = []
    for index, (query, binds) in enumerate(zip(queries, all_binds), start=1):
        started = time.perf_counter()
        if progress:
            progress(f"[{index}/{len(queries)}] {query.spec.name} …")
        reason = "its <sql> is empty (there is nothing to run)" if not query.sql.strip() else None
        try:
            if reason is None:
                cursor = execute(con, query.sql, binds, today, arg_families(query.spec.args))
                rows = cursor.fetchall()
        except (UnsupportedOracle, sqlglot.errors.SqlglotError) as exc:
            reason = f"cannot run on DuckDB: {exc} (see docs/preview.md, limits)"
        except duckdb.Error as exc:
            reason = f"failed on the preview database: {str(exc).splitlines()[0]}"
        if reason is not None:
            failure = QueryFailure(query.spec.name, _shown(query), reason)
            if failures is None:
                raise PreviewQueryError(Problem(f"query {failure.name} {reason}", file=failure.file))
            failures.append(failure)
            if progress:
                progress(f"[{index}/{len(queries)}] {query.spec.name}: did not run")
            continue
        headers = [d[0] for d in cursor.description]
        expected = query.spec.headers
        if len(headers) == len(expected):
            headers = expected  # positional, as PowerSchool maps <columns> to the SELECT
        seconds = time.perf_counter() - started
        if progress:
            progress(f"[{index}/{len(queries)}] {query.spec.name}: {len(rows)} rows in {seconds:.2f} s")
        numeric = tuple(
            i for i, d in enumerate(cursor.description) if re.search(r"DOUBLE|FLOAT|DECIMAL|REAL", str(d[1]).upper())
        )
        results.append(
            writers.QueryResult(
                query.spec.name, query.spec.group, query.spec.file_name, list(headers), rows, seconds, numeric
            )
        )
    return results


def _query_run(query: RenderedQuery, result: writers.QueryResult) -> checkers.QueryRun:
    """What the run-scope rules judge: the query's SQL and rows, and its template's lines."""

    def line_of(sql_line: int) -> tuple[str, int] | None:
        source = query.source_of(sql_line)
        return (source.file, source.line) if source is not None else None

    return checkers.QueryRun(
        query.spec.name,
        _shown(query),
        query.sql,
        result.headers,
        result.rows,
        builtin=query.spec.origin == "builtin",
        line_of=line_of,
    )


def _shown(query: RenderedQuery) -> str:
    """The template as findings show it (relative to the project or the catalogue)."""
    source = next((s for s in query.line_map if s is not None), None)
    return source.file if source is not None else str(query.spec.template)


def write_outputs(
    results: list[writers.QueryResult],
    out: Path,
    quotes: bool,
    progress: Progress | None = None,
    written: writers.Written | None = None,
) -> writers.Written:
    written = written if written is not None else writers.Written()
    by_kind: dict[str, list[writers.QueryResult]] = {}
    for result in results:
        by_kind.setdefault(writers.output_kind(result), []).append(result)
    for index, (kind, group) in enumerate(sorted(by_kind.items()), start=1):
        if progress:
            progress(f"[{index}/{len(by_kind)}] writing {kind} ({sum(r.row_count for r in group)} rows) …")
        if kind == "oneroster":
            writers.write_oneroster(group, out, quotes, written)
        elif kind == "edfi":
            writers.write_edfi(group, out, written)
        elif kind == "attendance":
            writers.write_attendance(group, out, written)
        else:
            writers.write_csvs(kind, group, out, quotes, written)
        writers.write_data_package(kind, out)
    return written


def check_outputs(out: Path, kinds: list[str], quotes: bool = True) -> list[Finding]:
    """Preview's rules on the outputs of ``kinds`` written to ``out``."""
    return checkers.check_outputs(out, [k for k in kinds if k in checkers.KINDS], full_lists=quotes)


def run_preview(
    config: str | Path = "plugin.toml",
    out: str | Path | None = None,
    students: int | None = None,
    db: Path | None = None,
    tables: Path | list[Path] | None = None,
    seed: int = 1,
    today: dt.datetime | None = None,
    progress: Progress | None = None,
    queries: list[RenderedQuery] | None = None,
    select: tuple[str, ...] = (),
    args: dict[str, str] | None = None,
    plugin: Path | None = None,
    dictionary: Path | None = None,
    write_district: Path | None = None,
) -> PreviewResult:
    """Render and check the project as validate does, load the data, run every query (or
    those ``select`` globs match), write and check every output.

    With ``plugin`` (a ZIP or folder built elsewhere, and its ``dictionary`` file) its queries
    run instead of the project's, with lint's findings in place of validate's;
    ``write_district`` also writes the prepared district out (:mod:`plugin_builder.preview.export`).

    ``out`` is by default ``preview/`` beside plugin.toml (as build's ``dist/``; ``preview/`` in
    the current folder for a plugin built elsewhere). The folder holds exactly this run's
    files: what the previous preview wrote there (its marker file lists them) is removed
    first, and a folder holding files preview did not write is refused rather than cleaned."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    note = progress or (lambda _message: None)
    foreign = project = None
    if plugin is not None:
        from plugin_builder.preview.plugin import load_plugin

        foreign = load_plugin(plugin, dictionary, select)
        rendered, declared, quotes, static = foreign.queries, foreign.declared, True, foreign.findings
        default_out = Path("preview")
    else:
        validated = validate(config, select)
        project = validated.project
        rendered = queries if queries is not None else validated.tree.queries
        declared = {table: dict(columns) for table, columns in project.dictionary.tables}
        quotes, static = project.csv.quotes, validated.findings
        default_out = project.root / "preview"
    for query in rendered:  # a value PowerSchool would refuse stops here, before any data is loaded
        typed_binds(query.spec.args, args or {})
    out_dir = Path(out) if out is not None else default_out
    owned_before = owned_files(out_dir)  # a folder preview does not own is refused before any work
    timings["render"] = time.perf_counter() - clock

    clock = time.perf_counter()
    folders = [Path(t) for t in tables] if isinstance(tables, (list, tuple)) else [Path(tables)] if tables else []
    # a plugin built elsewhere gets a district fitted to what its filters name (fitting.py)
    filters = plugin_filters(q.sql for q in rendered) if foreign is not None else None
    numbers = filters.school_numbers if filters is not None else ()
    source, district = open_district(students, db, folders, seed, today, note, numbers)
    today = today or (district.today if district else DEFAULT_TODAY)
    notes = []
    if foreign is not None:
        from plugin_builder.preview.plugin import district_args, first_ids, first_school, substitute_queries, yearid_of

        yearid, school = yearid_of(district, today), first_school(source)
        notes = foreign.notes + substitute_queries(foreign, yearid, school)
        dates = {  # a date arg, required or not, is given as for a project (default_binds)
            name: value
            for query in rendered
            for name, value in default_binds(query, district, today).items()
            if value is not None
        }
        args = {**district_args(foreign, yearid, school, first_ids(source)), **dates, **(args or {})}
    names = foreign.dictionary if foreign is not None else project_dictionary(project)
    literals = filter_literals(q.sql for q in rendered)
    unrunnable, prepared = prepare_district(source, district, _needs(rendered), declared, names, literals, filters)
    notes += prepared
    unrunnable.update(missing_required_args(rendered, args or {}))
    if write_district is not None:
        from plugin_builder.preview.export import export_district

        notes.append(export_district(source, district, Path(write_district)))
    timings["load"] = time.perf_counter() - clock
    note(f"data: {source.description} (SYSDATE {today:%Y-%m-%d %H:%M})")

    clock = time.perf_counter()
    failures = [
        QueryFailure(q.spec.name, _shown(q), unrunnable[q.spec.name]) for q in rendered if q.spec.name in unrunnable
    ]
    runnable = [q for q in rendered if q.spec.name not in unrunnable]
    results = run_queries(source.con, runnable, today, district, progress, args or {}, failures)
    timings["queries"] = time.perf_counter() - clock
    clock = time.perf_counter()
    # Writing and checking allocate millions of objects that make no reference cycles (rows,
    # parsed JSON, identities): the collector's passes over them took a third of the checks.
    with cycle_collection_paused():  # the twins' rows beside the results' (and few cycles: 7 parses)
        lost, loss_notes = losses.measure(
            source.con, runnable, results, lambda q: query_binds(q, district, today, args), today, project
        )
    notes.extend(loss_notes)
    timings["losses"] = time.perf_counter() - clock
    # Rules on the district itself run while its database is open (it is closed after writing).
    clock = time.perf_counter()
    kinds_run = {writers.output_kind(r) for r in results}
    settings = project_settings(project) if project is not None else {}
    district_findings = checkers.check_district(source.con, kinds_run, settings, project)
    by_name = {q.spec.name: q for q in runnable}
    run_findings = checkers.check_runs(_query_run(by_name[r.name], r) for r in results if r.name in by_name)
    timings["runs"] = time.perf_counter() - clock  # the district's rules and the runs' (PV681 paging)

    clock = time.perf_counter()
    _clear_previous(out_dir, owned_before)
    timings["clear"] = time.perf_counter() - clock

    with cycle_collection_paused():
        clock = time.perf_counter()
        written = writers.Written()
        try:
            write_outputs(results, out_dir, quotes, progress, written)
        finally:
            _mark_owned(out_dir, written)
        for result in results:
            result.release()
        source.con.close()  # the database is not needed past here; free its memory for the checks
        timings["write"] = time.perf_counter() - clock

        clock = time.perf_counter()
        kinds = sorted(written.files)
        findings: list[Finding] = []
        for index, kind in enumerate(kinds, start=1):
            note(f"[{index}/{len(kinds)}] checking {kind} …")
            findings.extend(check_outputs(out_dir, [kind], quotes))
        if lost:  # what the lossy steps took away, in whichever output (custom groups too)
            findings.extend(checkers.check_outputs(out_dir, kinds, quotes, checkers.loss_rules(), lost))
        # validate's (or lint's) findings with preview's: preview is as strict as validate (an error exits 1)
        findings = sort_findings(static + findings + district_findings + run_findings)
        timings["check"] = time.perf_counter() - clock

    summary = []
    for kind in kinds:
        files = [f for f in written.files[kind] if not f.endswith(".zip")]
        summary.append(
            OutputSummary(
                kind,
                len(files),
                sum(written.rows.get(f, 0) for f in files if f not in writers.MANIFESTS),
                sum(1 for f in findings if checkers.output_kind(f) == kind and f.severity is not Severity.INFO),
                sum(1 for f in findings if checkers.output_kind(f) == kind and f.severity is Severity.INFO),
            )
        )
    return PreviewResult(
        out_dir, source.description, today, results, written, findings, summary, timings, failures, notes
    )


MARKER = ".plugin-builder-preview"  # in a preview folder: the files the last preview wrote there


def owned_files(out: Path) -> list[Path]:
    """The files the previous preview wrote to ``out`` (from its marker), or [] for a new or
    empty folder. A folder that holds anything without the marker is not preview's: refused,
    so that no file of someone else's is ever deleted or judged as an output."""
    marker = out / MARKER
    if marker.is_file():
        lines = marker.read_text(encoding="utf-8").splitlines()
        return [out / line for line in lines if line and not line.startswith("#")]
    legacy = _earlier_layout(out)
    if legacy is not None:
        return legacy
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(
            Problem(
                f"holds files preview did not write (no {MARKER} marker); preview keeps its folder to "
                "exactly its own files, and deletes nothing it did not write",
                file=str(out),
                hint="give a new or empty folder with -o, or delete this one",
            )
        )
    return []


def _earlier_layout(out: Path) -> list[Path] | None:
    """The files of a folder an earlier version of preview wrote (before the marker): only the
    known output folders holding only CSV and JSON files, and ``oneroster.zip``; else None."""
    if not out.is_dir():
        return None
    files = []
    for entry in out.iterdir():
        if entry.name == "oneroster.zip" and entry.is_file() and not entry.is_symlink():
            files.append(entry)
        elif entry.name in checkers.KINDS and entry.is_dir() and not entry.is_symlink():
            inside = list(entry.iterdir())
            if any(p.suffix not in (".csv", ".json") or not p.is_file() or p.is_symlink() for p in inside):
                return None
            files.extend(inside)
        else:
            return None
    return files or None


def _clear_previous(out: Path, owned: list[Path]) -> None:
    """Remove what the previous preview wrote (its marker lists it), custom groups and the
    files of queries since removed included, so the folder holds exactly this run's files."""
    root = out.resolve()
    folders = set()
    for path in owned:
        try:
            inside = path.resolve().relative_to(root)
        except (OSError, ValueError):
            continue  # a marker line pointing outside the folder: never followed
        if path.is_file() and not path.is_symlink():
            path.unlink()
        folders.update(p for p in (root / inside).parents if p != root and root in p.parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()  # only if empty: another file there is not ours to remove
        except OSError:
            pass


def _mark_owned(out: Path, written: writers.Written) -> None:
    """List every file this run wrote (the data packages too) in the folder's marker."""
    paths = {path for files in written.files.values() for path in files}
    paths |= {f"{kind}/datapackage.json" for kind in written.files if (out / kind / "datapackage.json").is_file()}
    text = "# files plugin-builder preview wrote here; the next preview removes them first\n"
    writers.atomic_write(out / MARKER, (text + "".join(f"{p}\n" for p in sorted(paths))).encode("utf-8"))


def missing_required_args(queries: list[RenderedQuery], args: dict[str, str]) -> dict[str, str]:
    """Query -> why it cannot run: a ``required`` arg given no value, which PowerSchool (and
    ``serve``) refuses with 400 rather than binding NULL."""
    failures = {}
    for query in queries:
        missing = [a.name for a in query.spec.args if a.required and not (args.get(a.name) or "").strip()]
        if missing:
            failures[query.spec.name] = (
                f"required arg{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"{'have' if len(missing) > 1 else 'has'} no value (PowerSchool answers 400); "
                f"give {' '.join(f'--arg {name}=…' for name in missing)}"
            )
    return failures


def _status(findings: int, notes: int) -> str:
    status = "clean" if not findings else f"{findings} finding{'s' if findings != 1 else ''}"
    return status + (f" ({notes} note{'s' if notes != 1 else ''})" if notes else "")


def summary_table(result: PreviewResult) -> str:
    lines = [f"{'output':<12} {'files':>6} {'rows':>9}  result"]
    for s in result.summary:
        lines.append(f"{s.kind:<12} {s.files:>6} {s.rows:>9}  {_status(s.findings, s.notes)}")
    kinds = {s.kind for s in result.summary}
    static = [f for f in result.findings if checkers.output_kind(f) not in kinds]  # the project's own
    notes = sum(1 for f in static if f.severity is Severity.INFO)
    lines.append(f"{'checks':<12} {'':>6} {'':>9}  {_status(len(static) - notes, notes)}")
    lines.append("")
    lines.append(f"{'query':<40} {'rows':>9} {'seconds':>8}")
    for r in result.results:
        lines.append(f"{r.name:<40} {r.row_count:>9} {r.seconds:>8.2f}")
    for failure in result.failures:
        lines.append(f"{failure.name:<40} {'failed':>9}")
    lines.append("")
    lines.append("seconds: " + ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in result.timings.items()))
    return "\n".join(lines)

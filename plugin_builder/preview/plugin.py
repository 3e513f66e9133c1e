"""A plugin built elsewhere (a ZIP or an unzipped folder), as preview runs it.

The plugin is read by the safe readers ``lint`` uses (:func:`plugin_builder.build.lint.read_plugin`:
bounded ZIP reader, links never followed, XML without entities) and linted once; its
``queries_root/*.named_queries.xml`` queries become the same :class:`RenderedQuery` records a
project renders, so preview runs, writes and reports them as it does a project's. Each query
is written as ``queries/<query name>.csv``; outputs of no known format are not checked.

Args come from ``--arg``, else from the arg's ``default=`` in the XML, else from the district
(:func:`district_args`): a year arg (``column=…YEARID`` or a name with ``year``) is the
current year's YEARID, a term arg (``…TERMID``, ``TERMS.ID`` or ``term``) the year term
(YEARID × 100, which every school has), a school arg (``…SCHOOLID``, ``SCHOOL_NUMBER`` or
``school``) the first school, a student or staff arg (``STUDENTS.STUDENT_NUMBER``, ``…STUDENTID``,
``…STUDENTSDCID``, ``…TEACHERID``, ``…USERSDCID``, or ``student`` in its name) the first active
student or teacher (``~(curyearid)``, ``~(curtermid)`` and
``~(curschoolid)`` in the SQL or a default are filled the same way, and a ``<@restricted_table …/>``
condition — the user's selection — is every row); a date arg as for a project (today, or three weeks before for a
start); any other arg is blank (NULL).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

from plugin_builder.build.lint import declared_extensions, lint, load_dictionary_file
from plugin_builder.build.render import RenderedQuery, SourceLine
from plugin_builder.project.catalog import ArgSpec, ColumnSpec, QuerySpec
from plugin_builder.sql.dictionary import Dictionary, powerschool_dictionary
from plugin_builder.sql.oracle.binds import bind_kind

OUTPUT_GROUP = "queries"


@dataclass
class ForeignPlugin:
    name: str
    version: str
    origin: str
    queries: list[RenderedQuery]
    declared: dict[str, dict[str, str]]  # extension tables: its own user_schema_root and --dictionary
    dictionary: Dictionary
    findings: list = field(default_factory=list)  # lint's, reported with preview's
    defaults: dict[str, str] = field(default_factory=dict)  # arg -> default= of the XML
    notes: list[str] = field(default_factory=list)


def _selected(name: str, select: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in select)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def load_plugin(
    path: str | Path, dictionary_file: str | Path | None = None, select: tuple[str, ...] = ()
) -> ForeignPlugin:
    """The plugin's queries (those ``select`` globs match, or all), linted once."""
    path = Path(path)
    base = load_dictionary_file(dictionary_file) if dictionary_file else powerschool_dictionary()
    result = lint(path, base)
    model = result.model
    dictionary = base.extended(declared_extensions(model.files))
    declared = {table: dict(dictionary.columns(table) or {}) for table in sorted(dictionary.extensions)}
    root = model.plugin_root
    plugin = ForeignPlugin(
        (root.get("name") if root is not None else None) or path.stem,
        (root.get("version") if root is not None else None) or "?",
        str(path),
        [],
        declared,
        dictionary,
        [f for f in result.findings if not select or f.query is None or _selected(f.query, select)],
    )
    seen: set[str] = set()
    for query in model.queries:
        if not query.name or query.name in seen:
            plugin.notes.append(f"query {query.name!r} in {query.file} skipped (empty or duplicate name)")
            continue
        seen.add(query.name)
        if select and not _selected(query.name, select):
            continue
        spec = QuerySpec(
            name=query.name,
            template=Path(query.file),
            metadata=Path(query.file),
            group=OUTPUT_GROUP,
            summary=(query.summary or "").strip(),
            description="",
            core_table=(query.core_table or "").strip(),
            columns=tuple(ColumnSpec(alias=c.alias, column=c.column or "") for c in query.columns),
            args=tuple(
                ArgSpec(name=a.name, column=a.column or "", required=a.required, type=a.type) for a in query.args
            ),
            file_name=f"{query.name}.csv",
            flattened=_flag(query.flattened) or query.flattened is None,
            origin="project",
        )
        for arg in query.args:
            if arg.default not in (None, ""):
                plugin.defaults.setdefault(arg.name, arg.default)
        start = query.sql_line or 1
        line_map = [SourceLine(query.file, start + i) for i in range(query.sql.count("\n") + 1)]
        plugin.queries.append(RenderedQuery(spec, query.name, query.sql, query.file, line_map))
    if select and not plugin.queries:
        plugin.notes.append(f"no query matches {', '.join(select)}")
    return plugin


def first_school(source) -> int | None:
    """The lowest school number above 0 (the district office) in the district."""
    try:
        row = source.con.execute("SELECT MIN(SCHOOL_NUMBER) FROM SCHOOLS WHERE SCHOOL_NUMBER > 0").fetchone()
    except Exception:  # noqa: BLE001 - a district without SCHOOLS has no first school
        return None
    return int(row[0]) if row and row[0] is not None else None


def first_ids(source) -> dict[str, str]:
    """The first active student's STUDENT_NUMBER, ID and DCID, and the first active teacher's
    SCHOOLSTAFF.ID and USERS.DCID (empty where the district has none)."""
    found: dict[str, str] = {}
    queries = {
        ("STUDENT_NUMBER", "STUDENTID", "STUDENTSDCID"): "SELECT STUDENT_NUMBER, ID, DCID FROM STUDENTS "
        "WHERE ENROLL_STATUS = 0 ORDER BY ID LIMIT 1",
        ("TEACHERID", "USERSDCID"): "SELECT ID, USERS_DCID FROM SCHOOLSTAFF WHERE STATUS = 1 AND SCHOOLID > 0 "
        "ORDER BY ID LIMIT 1",
    }
    for keys, sql in queries.items():
        try:
            row = source.con.execute(sql).fetchone()
        except Exception:  # noqa: BLE001 - a user's district may lack the table or a column
            row = None
        for key, value in zip(keys, row or ()):
            if value is not None:
                found[key] = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return found


# Which of first_ids() an arg on TABLE.COLUMN (or named so) takes.
_ID_ARGS = {
    "STUDENTS.STUDENT_NUMBER": "STUDENT_NUMBER",
    "STUDENTS.ID": "STUDENTID",
    "STUDENTS.DCID": "STUDENTSDCID",
    "SCHOOLSTAFF.ID": "TEACHERID",
    "TEACHERS.ID": "TEACHERID",
    "USERS.DCID": "USERSDCID",
}
_ID_COLUMNS = {"STUDENT_NUMBER": "STUDENT_NUMBER", "STUDENTID": "STUDENTID", "STUDENTSDCID": "STUDENTSDCID",
               "TEACHERID": "TEACHERID", "USERSDCID": "USERSDCID", "USERS_DCID": "USERSDCID"}  # fmt: skip


def district_args(
    plugin: ForeignPlugin, yearid: int, school: int | None, ids: dict[str, str] | None = None
) -> dict[str, str]:
    """A value for each arg of the plugin's queries that fits the district (see the module's docstring)."""
    ids = ids or {}
    values: dict[str, str] = {}
    for query in plugin.queries:
        for arg in query.spec.args:
            if arg.name in values:
                continue
            if arg.name in plugin.defaults:
                values[arg.name] = substitute(plugin.defaults[arg.name], yearid, school)
                continue
            if bind_kind(arg.column, plugin.dictionary) == "date":
                continue  # as for a project (default_binds)
            table, _, column = arg.column.upper().partition(".")
            name = arg.name.lower()
            if column == "YEARID" or "year" in name:
                values[arg.name] = str(yearid)
            elif column == "TERMID" or (table == "TERMS" and column == "ID") or "term" in name:
                values[arg.name] = str(yearid * 100)
            elif (column in ("SCHOOLID", "SCHOOL_NUMBER") or "school" in name) and school is not None:
                values[arg.name] = str(school)
            else:
                key = _ID_ARGS.get(f"{table}.{column}") or _ID_COLUMNS.get(column)
                if key is None and "student" in name:
                    key = "STUDENT_NUMBER" if "number" in name else "STUDENTID"
                if key in ids:
                    values[arg.name] = ids[key]
    return values


def yearid_of(district, today: dt.datetime) -> int:
    from plugin_builder.preview.synthetic import school_year_of

    return district.yearid if district is not None else school_year_of(today.date())


# PowerSchool's substitution tags a plugin may use in its SQL or arg defaults.
_TAGS = re.compile(r"~\((curyearid|curschoolid|curtermid)\)", re.IGNORECASE)


_RESTRICTED = re.compile(r"<@restricted_table\b[^>]*/>", re.IGNORECASE)


def substitute(text: str, yearid: int, school: int | None) -> str:
    """``~(curyearid)``, ``~(curtermid)`` and ``~(curschoolid)`` as PowerSchool fills them
    for the signed-in user: the current year, its year term and the first school; a
    ``<@restricted_table …/>`` condition (the user's current selection) as every row (1=1)."""
    values = {"curyearid": str(yearid), "curtermid": str(yearid * 100), "curschoolid": str(school or 0)}
    return _RESTRICTED.sub("1=1", _TAGS.sub(lambda m: values[m.group(1).lower()], text))


def substitute_queries(plugin: ForeignPlugin, yearid: int, school: int | None) -> list[str]:
    """Fill the substitution tags of every query's SQL; notes name the queries that had some."""
    notes = []
    for query in plugin.queries:
        filled = substitute(query.sql, yearid, school)
        if filled != query.sql:
            query.sql = filled
            notes.append(
                f"query {query.full_name}: PowerSchool tags filled (year {yearid}, school {school}, restricted_table: every row)"
            )
    return notes

"""The query catalogue: ``queries/<name>.sql.j2`` plus its sidecar ``queries/<name>.toml``.

A sidecar holds what PowerSchool needs besides the SQL (summary, description, coreTable,
args) and the output columns in the receiver's order, each with its alias (the header the
receiving format expects) and its ``column=`` field. A project's own ``queries/`` folder
beside its plugin.toml adds queries the same way. Files whose name starts with ``_`` are
shared macros, not queries.

Sidecar example::

    summary = "OneRoster users.csv"            # at most 50 characters, shown in DEM
    description = "One row per student, teacher and contact"
    group = "oneroster"                        # queries_root/<namespace>.<group>.named_queries.xml
    core_table = "STUDENTS"
    file_name = "users.csv"                    # what the receiver expects (DEM guide)
    args = [{ name = "yearid", column = "TERMS.YEARID", description = "…" }]
    columns = [
      { alias = "sourcedId", column = "STUDENTS.DCID" },
      { alias = "familyName" },                # column= derived from the SQL
      …
    ]
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from plugin_builder.errors import CatalogError, Problem
from plugin_builder.userfiles import Key, check_table, display_path, read_toml
from plugin_builder.project.config import Project
from plugin_builder.resources import builtin_queries_dir

# Applied with fullmatch: "$" alone accepts a trailing newline, which would reach file and XML names.
QUERY_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,48}$")
ALIAS_RE = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)?$")
FIELD_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_$#]*\.[A-Za-z][A-Za-z0-9_$#]*$")
ARG_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SUMMARY_MAX = 50


@dataclass(frozen=True)
class ArgSpec:
    name: str
    column: str
    description: str = ""
    required: bool = False
    type: str = "primitive"


@dataclass(frozen=True)
class ColumnSpec:
    alias: str  # the receiver's header: the <column> label, what DEM shows
    column: str
    description: str = ""
    # The alias in the SQL when the header is no Oracle identifier of at most 30 bytes
    # (PowerSchool maps <columns> to the SELECT by position, so they may differ).
    sql_alias: str = ""

    @property
    def select_alias(self) -> str:
        return self.sql_alias or self.alias


@dataclass(frozen=True)
class QuerySpec:
    name: str
    template: Path
    metadata: Path
    group: str
    summary: str
    description: str
    core_table: str
    columns: tuple[ColumnSpec, ...]
    args: tuple[ArgSpec, ...] = ()
    file_name: str = ""
    flattened: bool = True
    origin: str = "builtin"  # or "project"
    # Where the sidecar is shown (relative to the project or the catalogue) and the line of
    # each of its keys ("summary", "columns[2]", "args[0].column"), for findings.
    metadata_display: str = ""
    metadata_lines: tuple[tuple[str, int], ...] = ()
    replaces_builtin: bool = False  # a project query with the name of a built-in one
    unchanged_copy: bool = False  # ... whose two files are the built-in's, byte for byte

    def full_name(self, namespace: str) -> str:
        return f"{namespace}.{self.name}"

    @property
    def headers(self) -> list[str]:
        return [c.alias for c in self.columns]

    @property
    def read_through_api(self) -> bool:
        """The receiver calls the PowerQuery API for JSON (``file_name`` ends in ``.json``):
        Data Export Manager writes delimited text only."""
        return self.file_name.lower().endswith(".json")

    def metadata_line(self, key: str) -> int | None:
        """The sidecar line of ``key`` (else of its nearest enclosing key)."""
        lines = dict(self.metadata_lines)
        while key:
            if key in lines:
                return lines[key]
            cut = max(key.rfind("."), key.rfind("["))
            key = key[:cut] if cut > 0 else ""
        return None


ORACLE_IDENTIFIER_MAX = 30  # bytes, before Oracle 12.2 (PowerSchool's servers)

SIDECAR_KEYS = {
    "summary": Key(
        str, required=True, hint='for example summary = "Grades export"; at most 50 characters, shown in DEM'
    ),
    "description": Key(str),
    "group": Key(
        str, required=True, hint='for example group = "grades"; the queries of a group share one named_queries.xml'
    ),
    "core_table": Key(str, required=True, hint='for example core_table = "STUDENTS", the table one row is about'),
    "file_name": Key(str, hint='for example file_name = "grades.csv", the name the receiver expects'),
    "flattened": Key(bool),
    "args": Key(list, hint='for example args = [{ name = "yearid", column = "TERMS.YEARID" }]'),
    "columns": Key(list, required=True, hint='for example columns = [{ alias = "id", column = "STUDENTS.ID" }, …]'),
}
ARG_KEYS = {
    "name": Key(str, required=True, hint="the bind's name, used as :name in the SQL"),
    "column": Key(
        str,
        required=True,
        hint='write column = "TABLE.FIELD", the field the arg filters; without it DEM hides the query',
    ),
    "description": Key(str),
    "required": Key(bool, hint="write required = true or required = false, without quotes"),
    "type": Key(str, hint='write type = "primitive" or type = "array"'),
}
COLUMN_KEYS = {
    "alias": Key(str, required=True, hint="the receiver's header, also the SELECT's alias"),
    "column": Key(str, hint='write column = "TABLE.FIELD", or leave it out to derive it from the SQL'),
    "description": Key(str),
    "sql_alias": Key(str, hint="the SELECT's alias when the header is longer than 30 bytes"),
}


def _load_sidecar(name: str, template: Path, sidecar: Path, origin: str, display: str) -> QuerySpec:
    problems: list[Problem] = []
    doc = read_toml(
        sidecar,
        CatalogError,
        display,
        missing_message=f"query {name!r} has no metadata file",
        missing_hint=f"write {sidecar.name} beside {template.name} (summary, group, core_table, columns)",
    )
    data = check_table(doc, doc.data, "", SIDECAR_KEYS, problems)

    def bad(key: str, message: str, hint: str | None = None) -> None:
        problems.append(doc.problem(key, message, hint))

    summary = data.get("summary", "")
    if len(summary) > SUMMARY_MAX:
        bad("summary", f"is {len(summary)} characters; DEM shows at most {SUMMARY_MAX}")
    group = data.get("group", "")
    if group and not re.fullmatch(r"[a-z][a-z0-9_]*", group):
        bad("group", f"is {group!r}; use lower-case letters, digits and _", 'for example group = "grades"')
    core_table = data.get("core_table", "")
    if core_table and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_$#]*", core_table):
        bad("core_table", f"is {core_table!r}, not a table name", 'for example core_table = "STUDENTS"')

    args: list[ArgSpec] = []
    for index, raw in enumerate(data.get("args", [])):
        key = f"args[{index}]"
        if not isinstance(raw, dict):
            bad(
                key, "must be a table", ARG_KEYS["column"].hint and 'write { name = "yearid", column = "TERMS.YEARID" }'
            )
            continue
        before = len(problems)
        entry = check_table(doc, raw, key, ARG_KEYS, problems)
        if "name" in entry and not ARG_NAME_RE.fullmatch(entry["name"]):
            bad(f"{key}.name", f"is {entry['name']!r}, not a Java identifier", "use letters, digits and _")
        if "column" in entry and not FIELD_RE.fullmatch(entry["column"]):
            bad(f"{key}.column", f"is {entry['column']!r}, not TABLE.FIELD", ARG_KEYS["column"].hint)
        arg_type = entry.get("type", "primitive")
        if arg_type not in ("primitive", "array"):
            bad(f"{key}.type", f"is {arg_type!r}; it must be primitive or array", ARG_KEYS["type"].hint)
        if len(problems) == before:
            args.append(
                ArgSpec(
                    name=entry["name"],
                    column=entry["column"].upper(),
                    description=entry.get("description", ""),
                    required=entry.get("required", False),
                    type=arg_type,
                )
            )

    columns: list[ColumnSpec] = []
    raw_columns = data.get("columns", [])
    if "columns" in data and not raw_columns:
        bad("columns", "must list the output columns", SIDECAR_KEYS["columns"].hint)
    seen: set[str] = set()
    for index, raw in enumerate(raw_columns):
        key = f"columns[{index}]"
        if not isinstance(raw, dict):
            bad(key, "must be a table", '{ alias = "id", column = "STUDENTS.ID" }')
            continue
        before = len(problems)
        entry = check_table(doc, raw, key, COLUMN_KEYS, problems)
        alias = entry.get("alias", "")
        if alias and not ALIAS_RE.fullmatch(alias):
            bad(f"{key}.alias", f"is {alias!r}; an alias may use only letters, digits and _")
        if alias and alias.lower() in seen:
            bad(f"{key}.alias", f"{alias!r} is used twice", "each output needs its own header")
        seen.add(alias.lower())
        # Without column, render fills it from the SQL analysis (the real source column,
        # else a type-compatible field).
        column = entry.get("column", "")
        if column and not FIELD_RE.fullmatch(column):
            bad(f"{key}.column", f"is {column!r}, not TABLE.FIELD", COLUMN_KEYS["column"].hint)
        sql_alias = entry.get("sql_alias", "")
        if sql_alias:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_$#]*", sql_alias):
                bad(f"{key}.sql_alias", f"is {sql_alias!r}, not an Oracle identifier", "letters, digits and _")
            elif len(sql_alias.encode("utf-8")) > ORACLE_IDENTIFIER_MAX:
                bad(
                    f"{key}.sql_alias",
                    f"is {len(sql_alias.encode('utf-8'))} bytes; Oracle allows {ORACLE_IDENTIFIER_MAX}",
                )
        if len(problems) == before:
            columns.append(
                ColumnSpec(
                    alias=alias,
                    column=column.upper(),
                    description=entry.get("description", ""),
                    sql_alias=sql_alias,
                )
            )

    if problems:
        raise CatalogError(problems)
    return QuerySpec(
        name=name,
        template=template,
        metadata=sidecar,
        group=group,
        summary=summary,
        description=data.get("description", ""),
        core_table=core_table.upper(),
        columns=tuple(columns),
        args=tuple(args),
        file_name=data.get("file_name", ""),
        flattened=data.get("flattened", True),
        origin=origin,
        metadata_display=display,
        metadata_lines=tuple(sorted(doc.lines.items())),
    )


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _scan(folder: Path, origin: str, base: Path | None = None) -> dict[str, QuerySpec]:
    """The queries of one folder; file names in messages are relative to ``base``."""
    base = base or folder.parent
    specs: dict[str, QuerySpec] = {}
    problems: list[Problem] = []
    if not folder.is_dir():
        return specs
    for template in sorted(folder.glob("*.sql.j2")):
        name = template.name[: -len(".sql.j2")]
        if name.startswith("_"):
            continue
        if not QUERY_NAME_RE.fullmatch(name):
            problems.append(
                Problem(
                    message=f"{name!r} is not a valid query name",
                    file=_relative(template, base),
                    hint="use letters, digits and _ (at most 49), starting with a letter",
                )
            )
            continue
        try:
            sidecar = folder / f"{name}.toml"
            specs[name] = _load_sidecar(name, template, sidecar, origin, _relative(sidecar, base))
        except CatalogError as exc:
            problems.extend(exc.problems)
    for sidecar in sorted(folder.glob("*.toml")):
        if not (folder / f"{sidecar.stem}.sql.j2").exists():
            problems.append(
                Problem(
                    message="metadata file without a query template",
                    file=_relative(sidecar, base),
                    hint=f"add {sidecar.stem}.sql.j2 or remove the file",
                )
            )
    if problems:
        raise CatalogError(problems)
    return specs


def _same_files(a: QuerySpec, b: QuerySpec) -> bool:
    return a.template.read_bytes() == b.template.read_bytes() and a.metadata.read_bytes() == b.metadata.read_bytes()


def builtin_catalog() -> dict[str, QuerySpec]:
    return _scan(builtin_queries_dir(), "builtin")


def available_queries(project: Project) -> dict[str, QuerySpec]:
    """The built-in catalogue plus the project's own queries/, by name.

    A project query with the name of a built-in one replaces it (``validate`` says so), which
    is how a project changes a built-in query: ``plugin-builder queries --copy NAME`` copies
    both files into its queries/ to edit them (:func:`~plugin_builder.project.scaffold.copy_builtin_query`).
    """
    from dataclasses import replace

    catalog = builtin_catalog()
    if project.queries_dir.resolve() != builtin_queries_dir().resolve():
        own = _scan(project.queries_dir, "project", project.root)
        for name in sorted(set(own) & set(catalog)):
            # An identical copy renders as the built-in does, but it no longer follows the
            # built-in's fixes: it is the project's, and validate says it is unchanged (PQ234).
            own[name] = replace(own[name], replaces_builtin=True, unchanged_copy=_same_files(own[name], catalog[name]))
        catalog.update(own)
    return catalog


def load_catalog(project: Project, select: tuple[str, ...] = ()) -> list[QuerySpec]:
    """The queries the project builds, in name order.

    ``[queries] include``/``exclude`` globs pick from the built-in catalogue plus the
    project's own queries/; ``select`` (CLI ``--select``) narrows further.
    """
    catalog = available_queries(project)

    def matches(name: str, globs: tuple[str, ...]) -> bool:
        return any(fnmatch.fnmatchcase(name, g) for g in globs)

    problems = []
    for key, globs in (("queries.include", project.queries.include), ("select", select)):
        for glob in globs:
            if not any(fnmatch.fnmatchcase(n, glob) for n in catalog):
                problems.append(
                    Problem(
                        message=f"{glob!r} matches no query",
                        file=display_path(project.config_path) if key != "select" else None,
                        key=key if key != "select" else "--select",
                        hint="run `plugin-builder queries` for the names",
                    )
                )
    if problems:
        raise CatalogError(problems)
    chosen = [
        spec
        for name, spec in sorted(catalog.items())
        if matches(name, project.queries.include)
        and not matches(name, project.queries.exclude)
        and (not select or matches(name, select))
    ]
    if not chosen:
        raise CatalogError(
            Problem(
                message="no query is selected",
                file=display_path(project.config_path),
                key="queries.include",
                hint="check [queries] include/exclude and --select",
            )
        )
    return chosen


def project_macro_files(project: Project) -> list[Path]:
    """The project's own ``queries/_*.sql.j2`` files: macros found before the built-in ones by
    every query, the built-in ones too (a ``_common.sql.j2`` there replaces the catalogue's)."""
    folder = project.queries_dir
    if not folder.is_dir() or folder.resolve() == builtin_queries_dir().resolve():
        return []
    return sorted(folder.glob("_*.sql.j2"))

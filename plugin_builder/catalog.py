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
import tomllib
from dataclasses import dataclass
from pathlib import Path

from plugin_builder.config import Project
from plugin_builder.errors import CatalogError, Problem, read_user_file, toml_problem
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

    def full_name(self, namespace: str) -> str:
        return f"{namespace}.{self.name}"

    @property
    def headers(self) -> list[str]:
        return [c.alias for c in self.columns]


_SIDECAR_KEYS = {
    "summary",
    "description",
    "group",
    "core_table",
    "file_name",
    "flattened",
    "args",
    "columns",
}


def _load_sidecar(name: str, template: Path, sidecar: Path, origin: str) -> QuerySpec:
    problems: list[Problem] = []
    where = str(sidecar)

    def bad(message: str, key: str | None = None, hint: str | None = None) -> None:
        problems.append(Problem(message=message, file=where, key=key, hint=hint))

    text = read_user_file(
        sidecar,
        CatalogError,
        missing_message=f"query {name!r} has no metadata file",
        missing_hint=f"write {sidecar.name} beside {template.name} (summary, columns, …)",
    )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(toml_problem(exc, where)) from None

    for key in data:
        if key not in _SIDECAR_KEYS:
            bad("is not a known key", key, "known keys: " + ", ".join(sorted(_SIDECAR_KEYS)))

    def text(key: str, required: bool = True, default: str = "") -> str:
        value = data.get(key, None)
        if value is None:
            if required:
                bad("is required", key)
            return default
        if not isinstance(value, str):
            bad("must be a string", key)
            return default
        return value

    summary = text("summary")
    if len(summary) > SUMMARY_MAX:
        bad(f"is {len(summary)} characters; DEM shows at most {SUMMARY_MAX}", "summary")
    group = text("group")
    if group and not re.fullmatch(r"[a-z][a-z0-9_]*", group):
        bad(f"{group!r} must be lower-case letters, digits and _", "group")
    core_table = text("core_table")
    flattened = data.get("flattened", True)
    if not isinstance(flattened, bool):
        bad("must be true or false", "flattened")
        flattened = True

    args: list[ArgSpec] = []
    for index, raw in enumerate(data.get("args", [])):
        key = f"args[{index}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            bad("must be a table with a name", key)
            continue
        if not ARG_NAME_RE.fullmatch(raw["name"]):
            bad(f"{raw['name']!r} is not a Java identifier", key)
        if not isinstance(raw.get("column"), str) or not FIELD_RE.fullmatch(raw["column"]):
            bad(
                "needs column = \"TABLE.FIELD\"",
                key,
                "an arg without column hides the query from Data Export Manager",
            )
            continue
        unknown = set(raw) - {"name", "column", "description", "required", "type"}
        if unknown:
            bad(f"unknown keys {sorted(unknown)}", key)
        arg_type = raw.get("type", "primitive")
        if arg_type not in ("primitive", "array"):
            bad(f"type {arg_type!r} must be primitive or array", key)
        args.append(
            ArgSpec(
                name=raw["name"],
                column=raw["column"],
                description=str(raw.get("description", "")),
                required=bool(raw.get("required", False)),
                type=arg_type,
            )
        )

    columns: list[ColumnSpec] = []
    raw_columns = data.get("columns")
    if not isinstance(raw_columns, list) or not raw_columns:
        bad("must list the output columns", "columns", 'columns = [{ alias = "id", column = "STUDENTS.ID" }]')
        raw_columns = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_columns):
        key = f"columns[{index}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("alias"), str):
            bad("must be a table with alias and column", key)
            continue
        alias = raw["alias"]
        if not ALIAS_RE.fullmatch(alias):
            bad(f"alias {alias!r} may use only letters, digits and _", key)
        if alias.lower() in seen:
            bad(f"alias {alias!r} is used twice", key)
        seen.add(alias.lower())
        # Without column, render fills it from the SQL analysis (the real source column,
        # else a type-compatible field).
        column = raw.get("column", "")
        if not isinstance(column, str) or (column and not FIELD_RE.fullmatch(column)):
            bad(f"column for {alias!r} must be a real TABLE.FIELD (or left out to derive it)", key)
            continue
        sql_alias = raw.get("sql_alias", "")
        if not isinstance(sql_alias, str) or (sql_alias and not (ALIAS_RE.fullmatch(sql_alias) and len(sql_alias.encode()) <= 30)):
            bad(f"sql_alias for {alias!r} must be letters, digits and _, at most 30 bytes", key)
            continue
        columns.append(
            ColumnSpec(alias=alias, column=column.upper(), description=str(raw.get("description", "")), sql_alias=sql_alias)
        )

    if problems:
        raise CatalogError(problems)
    return QuerySpec(
        name=name,
        template=template,
        metadata=sidecar,
        group=group,
        summary=summary,
        description=text("description", required=False),
        core_table=core_table.upper(),
        columns=tuple(columns),
        args=tuple(args),
        file_name=text("file_name", required=False),
        flattened=flattened,
        origin=origin,
    )


def _scan(folder: Path, origin: str) -> dict[str, QuerySpec]:
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
                    file=str(template),
                    hint="use letters, digits and _ (at most 49), starting with a letter",
                )
            )
            continue
        try:
            specs[name] = _load_sidecar(name, template, folder / f"{name}.toml", origin)
        except CatalogError as exc:
            problems.extend(exc.problems)
    for sidecar in sorted(folder.glob("*.toml")):
        if not (folder / f"{sidecar.stem}.sql.j2").exists():
            problems.append(
                Problem(
                    message="metadata file without a query template",
                    file=str(sidecar),
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
    """The built-in catalogue plus the project's own queries/, by name."""
    catalog = builtin_catalog()
    if project.queries_dir.resolve() != builtin_queries_dir().resolve():
        own = _scan(project.queries_dir, "project")
        # A project folder may be a copy of the catalogue itself (the example project at the
        # repository root sits beside the source catalogue): identical files are the built-in.
        for name in sorted(set(own) & set(catalog)):
            if _same_files(own[name], catalog[name]):
                del own[name]
        clashes = sorted(set(own) & set(catalog))
        if clashes:
            raise CatalogError(
                [
                    Problem(
                        message=f"query {name!r} has the name of a built-in query",
                        file=str(own[name].template),
                        hint="rename it, or leave the built-in out with [queries] exclude",
                    )
                    for name in clashes
                ]
            )
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
                        file=str(project.config_path) if key != "select" else None,
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
                file=str(project.config_path),
                key="queries.include",
                hint="check [queries] include/exclude and --select",
            )
        )
    return chosen

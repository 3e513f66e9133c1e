"""The PowerSchool data dictionary shipped with the package, and one judgement of every name.

``data/powerschool-dictionary.json.gz`` holds 1,131 PowerSchool tables and views: the reference
dictionary's 715 from PowerSchool's Data Dictionary (a docs scrape), real extracts (dbt staging
models) and state pages, the reporting views filled in from PowerSchool's public data dictionary
pages, and a live PowerSchool 10.1-11.x schema (2017) with PowerSchool's own older tables. Each
column has its Oracle type and evidence tags (which sources know it, :data:`EVIDENCE`), and the
other source's type where two disagree; each table a status (``complete``, ``partial``,
``district``: a district-defined table whose columns vary, or ``older``: only on older servers)
and its sources; and the legacy audit columns. A column any source knows is known. It is read
once, on first use (a few milliseconds); the evidence (tags, other types, sources, notes) is in
``data/powerschool-dictionary-evidence.json.gz``, read only to show a table.
``tools/compact_dictionary.py`` writes both.

``data/powerschool-schema.json`` is the 42 tables the preview district models
(:func:`load_dictionary`, :func:`create_tables`): the Oracle model preview and checks share.

``data/wrong-names.json`` holds the plausible names that are *not* PowerSchool columns with
what to use instead. :class:`Dictionary` puts these together with the extension tables a
district declares (``[dictionary]`` in plugin.toml, or ``lint --dictionary FILE``) and judges
every table and column name the same way for SQL and for ``column=`` (:meth:`Dictionary.judge_table`,
:meth:`Dictionary.judge_column`).
"""

from __future__ import annotations

import difflib
import gzip
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from plugin_builder.resources import data_path

if TYPE_CHECKING:
    import duckdb


@cache
def load_dictionary() -> dict[str, dict[str, str]]:
    """The tables the preview district models: ``{TABLE: {COLUMN: oracle type}}`` (42 tables)."""
    with open(data_path("powerschool-schema.json"), encoding="utf-8") as handle:
        raw = json.load(handle)
    return {table.upper(): {c.upper(): t for c, t in cols.items()} for table, cols in raw.items()}


def type_family(oracle_type: str) -> str:
    """NUMBER, FLOAT, VARCHAR2, CLOB, DATE, TIMESTAMP or BLOB."""
    base = oracle_type.upper().split("(")[0].strip()
    if base in ("VARCHAR", "CHAR", "NVARCHAR2", "NCHAR"):
        return "VARCHAR2"
    return base


def duckdb_type(oracle_type: str) -> str:
    """The DuckDB type used to hold an Oracle column in preview and tests.

    NUMBER without a positive scale is BIGINT (PowerSchool ids, flags and numbers are
    integers, and Oracle prints them without decimals); DATE stays DATE so that
    ``date - 1`` is day arithmetic as in Oracle.
    """
    text = oracle_type.upper()
    family = type_family(text)
    if family == "NUMBER":
        match = re.match(r"NUMBER\((\d+)\s*,\s*(\d+)\)", text)
        if match and int(match.group(2)) > 0:
            return f"DECIMAL({min(int(match.group(1)), 38)},{match.group(2)})"
        return "BIGINT"
    if family in ("FLOAT", "BINARY_DOUBLE", "BINARY_FLOAT"):
        return "DOUBLE"
    if family == "DATE":
        return "DATE"
    if family.startswith("TIMESTAMP"):
        return "TIMESTAMP"
    if family == "BLOB":
        return "BLOB"
    return "VARCHAR"


def create_tables(con: duckdb.DuckDBPyConnection, tables: list[str] | None = None) -> None:
    """Create empty PowerSchool-shaped tables (all dictionary columns) in DuckDB.

    By default the tables the preview district models; a table named in ``tables`` may be any
    table of the full dictionary with a column list (columns without a known type are text).
    """
    dictionary = load_dictionary()
    for table in tables or sorted(dictionary):
        known = dictionary.get(table) or load_full_dictionary().get(table.upper())
        if not known:
            raise KeyError(table)
        columns = ", ".join(f'"{c}" {duckdb_type(t)}' for c, t in known.items())
        con.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({columns})')


# Views a PowerQuery may read that the shipped dictionary knows by name only (TEACHERS is the
# compatibility view over USERS and SCHOOLSTAFF and has a column list there).
VIEWS = frozenset(
    {
        "TEACHERS",
        "PS_ATTENDANCE_DAILY",
        "PS_ENROLLMENT_ALL",
        "PS_MEMBERSHIP_REG",
        "PT_MEMBERSHIP_DEFAULTS",
        "PS_ADAADM_DAILY_CTOD",
    }
)
# Oracle's own: always there, never in access_request.
SYSTEM_TABLES = frozenset({"DUAL"})
IDENTIFIER_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_$#]{0,127}$")
FAMILIES = ("NUMBER", "FLOAT", "VARCHAR2", "CLOB", "DATE", "TIMESTAMP", "BLOB")

# Names PowerSchool leaves to districts and state packages: district-defined tables (U_*,
# *_USERFIELDS), state and provincial reporting tables (S_<state>_*, with their _C/_S child
# tables) and reporting views (PS_*, PSSIS_*) newer than the dictionary. Unknown names of these
# shapes are unverified (a warning), not wrong.
CONVENTION_RE = re.compile(
    r"^(U_[A-Z0-9_$#]+|S_[A-Z]{2}_[A-Z0-9_$#]+|[A-Z0-9_$#]+_USERFIELDS|PS_[A-Z0-9_$#]+|PSSIS_[A-Z0-9_$#]+)$"
)

# Table statuses: how far its column list can be trusted. OLDER: PowerSchool's own table known
# only from an older release's live schema (may be gone from a current server).
COMPLETE, PARTIAL, DISTRICT, DECLARED, NAME_ONLY = "complete", "partial", "district", "declared", "name-only"
OLDER = "older"

# Evidence tags: the sources that know a column.
EVIDENCE = {
    "DD": "PowerSchool's Data Dictionary (docs scrape, 2023)",
    "TEAMSTER": "dbt staging models of live PowerSchool extracts (TEAMSchools/teamster, 2026)",
    "LIVE2017": "a live PowerSchool 10.1-11.x Oracle schema (one district's, reflected 2017)",
    "DOCPAGE": "a single PowerSchool documentation page",
    "DD-DERIVED": "derived from the Data Dictionary's own statement",
    "REF": "the preview model's reference schema",
    "OBSERVED": "read by working production PowerQueries",
    "SR-AUDIT": "PowerSchool's state-reporting audit-columns rule",
    "SR-MAPPING": "a state-reporting field-mapping page",
}


@cache
def _packed() -> dict[str, Any]:
    """What the checks read: per table its kind, status and ``{COLUMN: oracle type}``; the audit columns."""
    with gzip.open(data_path("powerschool-dictionary.json.gz"), "rb") as handle:
        return json.loads(handle.read())


@cache
def _packed_evidence() -> dict[str, Any]:
    """Per table its source indices, notes and ``{COLUMN: "TAGS" or "TAGS|TAG=OTHER TYPE"}``."""
    with gzip.open(data_path("powerschool-dictionary-evidence.json.gz"), "rb") as handle:
        return json.loads(handle.read())


@cache
def load_full_dictionary() -> dict[str, dict[str, str]]:
    """Every table and view of the shipped dictionary: ``{TABLE: {COLUMN: oracle type}}``.

    A type is ``""`` where the sources give none. Shared: do not change it.
    """
    return {table: entry["columns"] for table, entry in _packed()["tables"].items()}


@dataclass(frozen=True)
class TableInfo:
    """What the shipped dictionary says about one table: kind, status, sources, evidence."""

    name: str
    kind: str  # table or view
    status: str  # complete, partial, district or older
    sources: tuple[str, ...]
    notes: tuple[str, ...]
    columns: Mapping[str, str]  # COLUMN -> oracle type ("" unknown)
    evidence: Mapping[str, str]  # COLUMN -> comma-separated evidence tags (DD, TEAMSTER, LIVE2017, …)
    other_types: Mapping[str, str] = field(default_factory=dict)  # COLUMN -> "TAG=TYPE" another source gives


@cache
def table_info(table: str) -> TableInfo | None:
    """The shipped dictionary's entry for a table, or None."""
    entry = _packed()["tables"].get(table.upper())
    if entry is None:
        return None
    packed = _packed_evidence()
    about = packed["tables"].get(table.upper(), {})
    evidence, other_types = {}, {}
    for column, value in about.get("columns", {}).items():
        tags, _, other = value.partition("|")
        evidence[column] = tags
        if other:
            other_types[column] = other
    return TableInfo(
        name=table.upper(),
        kind=entry["kind"],
        status=entry["status"],
        sources=tuple(packed["sources"][i] for i in about.get("sources", ())),
        notes=tuple(about.get("notes", ())),
        columns=dict(entry["columns"]),
        evidence=evidence,
        other_types=other_types,
    )


@cache
def table_statuses() -> dict[str, str]:
    """TABLE -> complete, partial, district or older, for every table of the shipped dictionary."""
    return {table: entry["status"] for table, entry in _packed()["tables"].items()}


@cache
def load_audit_columns() -> dict[str, str]:
    """Audit columns PowerSchool adds to tables outside their documented column lists -> type.

    The legacy ones (TRANSACTION_DATE, WHOMODIFIEDID, …) are documented on a separate page of
    the data dictionary; the newer WHO/WHEN ones are created on every state table.
    """
    audit = _packed()["audit"]
    return {**{c.upper(): t for c, t in audit["newer"].items()}, **{c.upper(): t for c, t in audit["legacy"].items()}}


@cache
def load_wrong_names() -> tuple[dict[str, str], dict[str, str]]:
    """(wrong tables, wrong "TABLE.COLUMN" names) -> what to use instead."""
    with open(data_path("wrong-names.json"), encoding="utf-8") as handle:
        raw = json.load(handle)
    return (
        {k.upper(): v for k, v in raw["tables"].items()},
        {k.upper(): v for k, v in raw["columns"].items()},
    )


@dataclass(frozen=True)
class Verdict:
    """The judgement of a name the dictionary does not vouch for.

    ``kind``: wrong-table, unknown-table, unverified-table, wrong-column, unknown-column or
    unverified-column; ``severity``: error (PowerSchool would fail) or warning (unverified).
    """

    kind: str
    severity: str
    message: str
    hint: str | None = None
    name: str = ""
    suggestions: tuple[str, ...] = ()


DECLARE_HINT = "if your PowerSchool has it, declare it under [dictionary] extensions in plugin.toml"


def closest(name: str, candidates, count: int = 3, cutoff: float = 0.7) -> tuple[str, ...]:
    """The closest names (difflib), keeping only those about as close as the best one."""
    name = name.upper()
    scored = []
    for candidate in candidates:
        matcher = difflib.SequenceMatcher(None, name, candidate)
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            ratio = matcher.ratio()
            if ratio >= cutoff:
                scored.append((-ratio, candidate))
    scored.sort()
    if not scored:
        return ()
    best = -scored[0][0]
    return tuple(c for r, c in scored[:count] if -r >= best - 0.04)


def _did_you_mean(suggestions: tuple[str, ...]) -> str:
    return f"did you mean {' or '.join(suggestions)}?" if suggestions else ""


@dataclass(frozen=True, eq=False)
class Dictionary:
    """Tables, views and columns a PowerQuery may read, and the names known to be wrong.

    Compared and hashed by identity, so analyses can be cached per dictionary.
    """

    tables: Mapping[str, Mapping[str, str]]
    views: frozenset[str] = VIEWS
    wrong_tables: Mapping[str, str] = field(default_factory=dict)
    wrong_columns: Mapping[str, str] = field(default_factory=dict)
    extensions: frozenset[str] = frozenset()  # tables declared by the district
    statuses: Mapping[str, str] = field(default_factory=dict)  # TABLE -> complete/partial/district
    audit_columns: Mapping[str, str] = field(default_factory=dict)
    declared_columns: frozenset[tuple[str, str]] = frozenset()  # (TABLE, COLUMN) declared by the district

    def has_table(self, table: str) -> bool:
        table = table.upper()
        return table in self.tables or table in self.views or table in SYSTEM_TABLES

    def columns(self, table: str) -> Mapping[str, str] | None:
        """The known columns of a table, or None when only its name is known."""
        table = table.upper()
        if table in SYSTEM_TABLES:
            return {"DUMMY": "VARCHAR2(1)"}
        return self.tables.get(table)

    def has_field(self, table: str, column: str) -> bool:
        columns = self.columns(table)
        return columns is not None and column.upper() in columns

    def column_type(self, table: str, column: str) -> str | None:
        columns = self.columns(table)
        if columns is None:
            return None
        return columns.get(column.upper())

    def family(self, table: str, column: str) -> str | None:
        oracle_type = self.column_type(table, column)
        return type_family(oracle_type) if oracle_type else None

    def wrong_column(self, table: str, column: str) -> str | None:
        """What to use instead of a known-wrong TABLE.COLUMN, or None."""
        return self.wrong_columns.get(f"{table.upper()}.{column.upper()}")

    def wrong_table(self, table: str) -> str | None:
        return self.wrong_tables.get(table.upper())

    # -- status and judgement -------------------------------------------------------------

    def status(self, table: str) -> str | None:
        """complete, partial, district, declared (only the district's declaration),
        name-only, or None for a table the dictionary does not know."""
        table = table.upper()
        if table in SYSTEM_TABLES:
            return COMPLETE
        if table in self.statuses:
            status = self.statuses[table]
            if status == COMPLETE and not self.tables.get(table):
                return NAME_ONLY
            return status
        if table in self.extensions:
            return DECLARED
        if table in self.tables:
            return COMPLETE if self.tables[table] else NAME_ONLY
        if table in self.views:
            return NAME_ONLY
        return None

    def column_known(self, table: str, column: str) -> bool | None:
        """True: the table has the column; False: it certainly has not (complete column
        list); None: cannot tell (unknown, partial, district-defined table, or an audit column)."""
        table, column = table.upper(), column.upper()
        columns = self.columns(table)
        if columns is not None and column in columns:
            return True
        if self.status(table) != COMPLETE or column in self.audit_columns:
            return None
        return False

    def suggest_tables(self, name: str, count: int = 3) -> tuple[str, ...]:
        return closest(name, set(self.tables) | set(self.views), count, 0.75)

    def suggest_columns(self, table: str, column: str, count: int = 3) -> tuple[str, ...]:
        return closest(column, self.columns(table) or {}, count, 0.7)

    def judge_table(self, table: str) -> Verdict | None:
        """None when the dictionary knows the table; else why not, with its severity."""
        name = table.upper()
        fix = self.wrong_table(name)
        if fix:
            return Verdict("wrong-table", "error", f"{name} is not a PowerSchool table", fix, name)
        if self.has_table(name):
            if self.statuses.get(name) == OLDER and name not in self.extensions:
                return Verdict(
                    "unverified-table",
                    "warning",
                    f"table {name} is not in PowerSchool's current data dictionary: present on older PowerSchool "
                    "servers (a 10.1-11.x live schema); check yours",
                    "if your server has it, declare it under [dictionary] extensions in plugin.toml to silence this",
                    name,
                )
            return None
        if CONVENTION_RE.match(name):
            return Verdict(
                "unverified-table",
                "warning",
                f"table {name} is not in the PowerSchool dictionary; its name follows the district/state "
                "convention, so it is unverified",
                "declare it under [dictionary] extensions in plugin.toml to check its columns",
                name,
            )
        suggestions = self.suggest_tables(name)
        hint = _did_you_mean(suggestions) or "check the name"
        return Verdict(
            "unknown-table",
            "error",
            f"table {name} is not a PowerSchool table or view (ORA-00942)",
            f"{hint}; {DECLARE_HINT}",
            name,
            suggestions,
        )

    def judge_column(self, table: str, column: str) -> Verdict | None:
        """None when the column is known (or its table is unknown: judge the table instead)."""
        table, column = table.upper(), column.upper()
        qualified = f"{table}.{column}"
        fix = self.wrong_column(table, column)
        if fix:
            return Verdict("wrong-column", "error", f"{qualified} is not a PowerSchool column", fix, qualified)
        known = self.column_known(table, column)
        if known is not False:
            if known is True or self.columns(table) is None:
                return None
            status = self.status(table)
            if column in self.audit_columns:
                why = f"{column} is an audit column PowerSchool documents apart from its tables; the dictionary does not list it on {table}"
            elif status == DISTRICT:
                why = f"{table} is district-defined: its columns differ from district to district"
            elif status == DECLARED:
                why = f"{qualified} is not among the columns declared for {table}"
            elif status == OLDER:
                why = f"{table} is known only from an older PowerSchool release, whose columns may differ from yours"
            elif status == NAME_ONLY or not self.columns(table):
                why = f"the dictionary knows {table} by name only"
            else:
                why = f"the dictionary's column list of {table} is partial"
            return Verdict(
                "unverified-column",
                "warning",
                f"{qualified} is unverified: {why}",
                f'declare {column} under [dictionary] extensions {{ {table} = ["{column}"] }} once checked',
                qualified,
            )
        suggestions = self.suggest_columns(table, column)
        hint = _did_you_mean(suggestions) or f"run `plugin-builder dictionary {table}` for its columns"
        return Verdict(
            "unknown-column",
            "error",
            f"{qualified} is not a column of {table} (ORA-00904)",
            f"{hint}; {DECLARE_HINT}",
            qualified,
            suggestions,
        )

    def matching_tables(self, pattern: str | None = None) -> list[str]:
        """Table and view names matching a glob or substring (case-insensitive), sorted."""
        import fnmatch

        names = sorted(set(self.tables) | set(self.views))
        if not pattern:
            return names
        pattern = pattern.upper()
        if any(c in pattern for c in "*?["):
            return [n for n in names if fnmatch.fnmatchcase(n, pattern)]
        return [n for n in names if pattern in n]

    def extended(self, extensions: Mapping[str, Mapping[str, str]]) -> Dictionary:
        """A copy with the district's extension tables and columns added."""
        if not extensions:
            return self
        tables = {t: dict(c) for t, c in self.tables.items()}
        declared = set(self.declared_columns)
        for table, columns in extensions.items():
            tables.setdefault(table.upper(), {}).update({c.upper(): t for c, t in columns.items()})
            declared |= {(table.upper(), c.upper()) for c in columns}
        return Dictionary(
            tables=tables,
            views=self.views,
            wrong_tables=self.wrong_tables,
            wrong_columns=self.wrong_columns,
            extensions=self.extensions | {t.upper() for t in extensions},
            statuses=self.statuses,
            audit_columns=self.audit_columns,
            declared_columns=frozenset(declared),
        )


@cache
def powerschool_dictionary() -> Dictionary:
    """The dictionary shipped with the package (no district extensions)."""
    wrong_tables, wrong_columns = load_wrong_names()
    full = load_full_dictionary()
    tables = dict(full)  # a table's columns are copied only where they change (the load stays fast)
    # The preview model's columns count too (a handful rest on sources the reference merged).
    for table, columns in load_dictionary().items():
        missing = {c: t for c, t in columns.items() if c not in tables.get(table, {})}
        if missing:
            tables[table] = {**tables.get(table, {}), **missing}
    # Known-wrong names win over a column list derived from a legacy table.
    for key in wrong_columns:
        table, _, column = key.partition(".")
        if column in tables.get(table, {}):
            tables[table] = {c: t for c, t in tables[table].items() if c != column}
    return Dictionary(
        tables=tables,
        wrong_tables=wrong_tables,
        wrong_columns=wrong_columns,
        statuses=table_statuses(),
        audit_columns=load_audit_columns(),
    )


def default_type(column: str) -> str:
    """The type assumed for a declared extension column given without one."""
    return "NUMBER(10,0)" if column.upper().endswith(("DCID", "ID")) else "VARCHAR2"


def parse_extensions(data: Any, key: str = "extensions") -> tuple[dict[str, dict[str, str]], list[tuple[str, str]]]:
    """Read declared extension tables: ``{TABLE = ["COL", …]}`` or ``{TABLE = {COL = "TYPE"}}``.

    Returns (TABLE -> COLUMN -> type, [(key, problem), …]); names are upper-cased. Used for
    ``[dictionary] extensions`` in plugin.toml, for the side file it names, and for
    ``lint --dictionary``.
    """
    tables: dict[str, dict[str, str]] = {}
    problems: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        return tables, [(key, 'must be a table: TABLE = ["COLUMN", …]')]
    for table, columns in data.items():
        where = f"{key}.{table}"
        if not IDENTIFIER_RE.fullmatch(str(table)):  # fullmatch: "$" alone accepts a trailing newline
            problems.append((where, f"{table!r} is not an Oracle table name"))
            continue
        if isinstance(columns, list) and all(isinstance(c, str) for c in columns):
            typed = {c: default_type(c) for c in columns}
        elif isinstance(columns, dict) and all(isinstance(v, str) for v in columns.values()):
            typed = dict(columns)
        else:
            problems.append((where, 'must list the columns: ["COL", …] or { COL = "VARCHAR2" }'))
            continue
        for column, oracle_type in typed.items():
            if not IDENTIFIER_RE.fullmatch(column):
                problems.append((where, f"{column!r} is not an Oracle column name"))
            elif type_family(oracle_type) not in FAMILIES:
                problems.append((where, f"{column}: type {oracle_type!r} is not one of {', '.join(FAMILIES)}"))
        tables[table.upper()] = {c.upper(): t.upper() for c, t in typed.items()}
    return tables, problems


_EXTENDED: dict[tuple, Dictionary] = {}


def for_project(project: Any) -> Dictionary:
    """The shipped dictionary plus the extension tables a project declares (``[dictionary]``).

    One Dictionary per declaration, so cached analyses are shared between runs.
    """
    declared = getattr(getattr(project, "dictionary", None), "tables", ()) if project is not None else ()
    if not declared:
        return powerschool_dictionary()
    key = tuple((t, tuple(c)) for t, c in declared)
    if key not in _EXTENDED:
        _EXTENDED[key] = powerschool_dictionary().extended({t: dict(c) for t, c in declared})
    return _EXTENDED[key]


# Preferred placeholders per type family: fields every PowerSchool has, read by most exports.
_PLACEHOLDER_PREFERENCE = ("DCID", "ID", "LASTFIRST", "NAME", "COURSE_NAME", "ABBREVIATION", "FIRSTDAY", "ENTRYDATE")


def placeholder_field(dictionary: Dictionary, family: str | None, core_table: str | None) -> str:
    """A real TABLE.FIELD of a compatible type for ``<column column=…>`` of a computed output.

    Prefers the query's core table; text (and unknown) outputs take a VARCHAR2 field,
    numbers a NUMBER, dates a DATE.
    """
    wanted = {
        "NUMBER": ("NUMBER", "FLOAT"),
        "FLOAT": ("NUMBER", "FLOAT"),
        "DATE": ("DATE", "TIMESTAMP"),
        "TIMESTAMP": ("TIMESTAMP", "DATE"),
    }.get(family or "", ("VARCHAR2",))
    for table in [t for t in ((core_table or "").upper(), "STUDENTS") if t]:
        columns = dictionary.columns(table)
        if not columns:
            continue
        fitting = sorted(c for c, t in columns.items() if type_family(t) in wanted)
        for name in _PLACEHOLDER_PREFERENCE:
            if name in fitting:
                return f"{table}.{name}"
        if fitting:
            return f"{table}.{fitting[0]}"
    return "STUDENTS.DCID"


# -- the `dictionary` command's views ------------------------------------------------------


def list_tables(dictionary: Dictionary, pattern: str | None = None) -> list[dict[str, Any]]:
    """Tables and views matching a glob or substring: name, kind, status, column count."""
    rows = []
    for name in dictionary.matching_tables(pattern):
        info = table_info(name)
        rows.append(
            {
                "table": name,
                "kind": info.kind if info else ("view" if name in dictionary.views else "table"),
                "status": dictionary.status(name) or NAME_ONLY,
                "columns": len(dictionary.columns(name) or {}),
            }
        )
    return rows


def describe_table(dictionary: Dictionary, table: str) -> dict[str, Any]:
    """One table: kind, status, sources, notes and each column with its type and evidence."""
    name = table.upper()
    info = table_info(name)
    columns = dictionary.columns(name) or {}
    declared = {c for t, c in dictionary.declared_columns if t == name}
    evidence = dict(info.evidence) if info else {}
    other_types = dict(info.other_types) if info else {}
    return {
        "table": name,
        "kind": info.kind if info else ("view" if name in dictionary.views else "table"),
        "status": dictionary.status(name) or NAME_ONLY,
        "sources": list(info.sources)
        if info
        else (["declared in the district's dictionary file"] if name in dictionary.extensions else []),
        "notes": list(info.notes) if info else [],
        "columns": [
            {
                "name": column,
                "type": oracle_type or None,
                "evidence": (["DECLARED"] if column in declared else [])
                + [e for e in evidence.get(column, "").split(",") if e],
                **({"other_type": _other_type(other_types[column])} if column in other_types else {}),
            }
            for column, oracle_type in sorted(columns.items())
        ],
        "evidence_tags": {
            tag: EVIDENCE.get(tag, tag)
            for tag in sorted({e for c in columns for e in evidence.get(c, "").split(",") if e})
        },
    }


def _other_type(packed: str) -> dict[str, str]:
    """The type another source gives: "DD=VARCHAR2(40)" -> {"source": "DD", "type": "VARCHAR2(40)"}."""
    tag, _, oracle_type = packed.partition("=")
    return {"source": tag, "type": oracle_type}

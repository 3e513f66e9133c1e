"""What one preview wrote, read back once for every rule, and the running of the rules."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from operator import itemgetter
from pathlib import Path


import fastjsonschema

from plugin_builder.checks.engine import Hit, Rule
from plugin_builder.findings import Finding, Severity, sort_findings
from plugin_builder.preview import formats


CONTROL_RE = re.compile(r"[\r\n\t]")
MAX_PER_RULE = 5  # findings shown per rule and file; the count of the rest is always given
KINDS = ("oneroster", "edfi", "clever", "attendance")


@lru_cache(maxsize=4096)
def _valid_date(text: str) -> bool:
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


class Table:
    """A CSV file read back: its header and its rows, with column access by name."""

    def __init__(self, header: list[str], rows: list[list[str]], lines: list[int]):
        self.header = header
        self.rows = rows
        self.lines = lines  # each row's line in the file
        self._index = {h: i for i, h in enumerate(header)}
        self._columns: dict[str, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, column: str) -> bool:
        return column in self._index

    def col(self, column: str) -> tuple[str, ...]:
        if column not in self._columns:
            if column in self._index:
                self._columns[column] = tuple(map(itemgetter(self._index[column]), self.rows))
            else:
                self._columns[column] = ("",) * len(self.rows)
        return self._columns[column]


@dataclass(frozen=True)
class Lost:
    """Values of one output column that a lossy step took away: the lossless twin's values
    (:mod:`plugin_builder.preview.losses`) the written file does not hold."""

    file: str  # relative to the preview folder
    column: str
    values: tuple[str, ...]  # as the twin gave them, one per row that lost something
    quotes_off: bool = False  # written with [csv] quotes = false
    cut: int | None = None  # the length text was cut to, when the query cuts


class Outputs:
    """What one preview wrote, read once and shared by every rule.

    ``kinds``: the outputs to judge (default: the folders present). ``full_lists=False``
    (``[csv] quotes = false``): multi-valued OneRoster columns carry only their first value,
    so students and contacts cannot list each other both ways. ``lost``: what the queries'
    lossy steps took away, for the rules that count it.
    """

    def __init__(
        self, out: Path, kinds: Iterable[str] | None = None, full_lists: bool = True, lost: Iterable[Lost] = ()
    ):
        self.out = Path(out)
        self.lost = tuple(lost)
        self.kinds = set(kinds) if kinds is not None else {k for k in KINDS if (self.out / k).is_dir()}
        self.full_lists = full_lists
        self.read_hits: dict[str, list[Hit]] = defaultdict(list)  # PV600-PV602, found while reading

    # ----------------------------------------------------------------- CSV outputs

    def csv_files(self, kind: str) -> list[Path]:
        if kind not in self.kinds:
            return []
        return sorted(p for p in (self.out / kind).glob("*.csv") if p.is_file())

    @cached_property
    def _read(self) -> dict[str, dict[str, tuple[str, Table]]]:
        tables: dict[str, dict[str, tuple[str, Table]]] = {}
        for kind in ("oneroster", "clever"):
            tables[kind] = {}
            for path in self.csv_files(kind):
                rel = f"{kind}/{path.name}"
                table = self._read_csv(path, rel)
                if table is not None:
                    tables[kind][path.name] = (rel, table)
        return tables

    def tables(self, kind: str) -> dict[str, tuple[str, Table]]:
        """File name -> (path relative to the preview folder, table), every CSV of ``kind``."""
        return self._read.get(kind, {})

    def package(self, kind: str) -> dict:
        """The format's data package, restricted to the files written."""
        return formats.data_package_for(kind, set(self.tables(kind)))

    def described(self) -> Iterator[tuple[str, Table, dict, str]]:
        """(rel, table, resource descriptor, kind) of every CSV its format describes."""
        for kind in ("oneroster", "clever"):
            tables = self.tables(kind)
            for resource in self.package(kind)["resources"]:
                rel, table = tables[resource["path"]]
                yield rel, table, resource, kind

    def _read_csv(self, path: Path, rel: str) -> Table | None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.read_hits["PV600"].append(Hit(f"cannot be read: {exc.strerror}", file=rel))
            return None
        if data.startswith(b"\xef\xbb\xbf"):
            self.read_hits["PV600"].append(Hit("starts with a byte-order mark", file=rel, line=1))
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.read_hits["PV600"].append(Hit(f"is not UTF-8: {exc}", file=rel))
            return None
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if not rows:
            return Table([], [], [])
        header, body = rows[0], rows[1:]
        one_line_each = "\r" not in text and text.count("\n") == len(rows) - (0 if text.endswith("\n") else 1)
        if one_line_each:
            lines = list(range(2, len(rows) + 1))
        else:  # a field holds a line break: count the physical lines
            lines, line = [], 1 + _newlines(header)
            for row in body:
                line += 1
                lines.append(line)
                line += _newlines(row)
        if not one_line_each or "\t" in text:
            for number, row in zip(lines, body):
                bad = next((v for v in row if CONTROL_RE.search(v)), None)
                if bad is not None:
                    self.read_hits["PV602"].append(Hit(f"a field holds CR, LF or TAB: {bad!r}", file=rel, line=number))
        width = len(header)
        if set(map(len, body)) - {width}:
            kept, kept_lines = [], []
            for number, row in zip(lines, body):
                if len(row) != width:
                    self.read_hits["PV601"].append(
                        Hit(
                            f"has {len(row)} fields, the header {width} (a comma or quote in an unquoted value?)",
                            file=rel,
                            line=number,
                        )
                    )
                else:
                    kept.append(row)
                    kept_lines.append(number)
            body, lines = kept, kept_lines
        return Table(header, body, lines)

    # ----------------------------------------------------------------- JSON outputs

    @cached_property
    def _documents(self) -> dict[str, list[tuple[str, object]]]:
        documents: dict[str, list[tuple[str, object]]] = {}
        for kind in ("edfi", "attendance"):
            documents[kind] = []
            if kind not in self.kinds:
                continue
            for path in sorted(
                p for p in (self.out / kind).glob("*.json") if p.is_file() and p.name != "datapackage.json"
            ):
                rel = f"{kind}/{path.name}"
                try:
                    documents[kind].append((rel, json.loads(path.read_text(encoding="utf-8"))))
                except (ValueError, UnicodeDecodeError, OSError) as exc:
                    documents[kind].append((rel, _NotJson(str(exc))))
        return documents

    def documents(self, kind: str) -> list[tuple[str, object]]:
        """(rel, parsed JSON) of every JSON file of ``kind``; unparsable ones as ``_NotJson``."""
        return self._documents.get(kind, [])

    def edfi_resources(self) -> Iterator[tuple[str, str, list]]:
        """(rel, resource, objects) of every Ed-Fi file of a known resource holding an array."""
        for rel, objects in self.documents("edfi"):
            resource = Path(rel).stem
            if isinstance(objects, list) and formats.edfi_schema(resource) is not None:
                yield rel, resource, objects


class _NotJson:
    def __init__(self, error: str):
        self.error = error


def _newlines(row: list[str]) -> int:
    return sum(v.count("\n") for v in row)


def _flag(
    rel: str, table: Table, column: str, is_bad: Callable[[str], bool], message: Callable[[str], str]
) -> Iterator[Hit]:
    """A hit for each row whose ``column`` value ``is_bad``; each distinct value is judged once."""
    if column not in table:
        return
    values = table.col(column)
    bad = {v for v in set(values) if is_bad(v)}
    if bad:
        for line, value in zip(table.lines, values):
            if value in bad:
                yield Hit(message(value), file=rel, line=line)


def _fields(resource: dict) -> list[dict]:
    return resource["schema"]["fields"]


def _missing(field: dict, value: str) -> bool:
    return value == ""


def _split(value: str, delimiter: str = ",") -> list[str]:
    return value.split(delimiter) if value else []


def _schema_message(exc: fastjsonschema.JsonSchemaValueException, path: str) -> tuple[str, str]:
    """``fastjsonschema``'s error as (where, what), in the words of the format."""
    where = ".".join(str(p) for p in exc.path[1:]) or path
    value, rule_name, definition = exc.value, exc.rule, exc.rule_definition
    if rule_name == "required":
        present = set(value) if isinstance(value, dict) else set()
        missing = [name for name in definition if name not in present]
        prefix = "" if where == path else where + "."
        return where, ", ".join(f"{prefix}{name}" for name in missing) + " is required"
    if rule_name == "additionalProperties":
        known = set((exc.definition or {}).get("properties", {}))
        extra = sorted(set(value) - known) if isinstance(value, dict) else []
        prefix = "" if where == path else where + "."
        return where, ", ".join(f"{prefix}{name}" for name in extra) + " is not a property of the resource"
    if value is None:
        return where, f"{where} is null (leave optional fields out)"
    if rule_name == "type":
        return where, f"{where} {value!r} must be {definition}"
    if rule_name == "format" and definition == "date":
        return where, f"{where} {value!r} is not a YYYY-MM-DD date"
    if rule_name == "pattern" and where.endswith("Descriptor"):
        return where, f"{where} {value!r} is not uri://…#…"
    if rule_name == "enum":
        return where, f"{where} {value!r} is not one of {', '.join(map(str, definition))}"
    detail = exc.message.removeprefix(f"data.{where} ").removeprefix("data ")
    return where, f"{where} {value!r} {detail}"


def _hashable(value: object) -> object:
    """Identity values are scalars or flat references (dicts of scalars)."""
    if type(value) is dict:
        key = tuple(value.items())
        try:
            hash(key)
        except TypeError:
            return repr(value)
        return key
    if type(value) is list:
        return repr(value)
    return value


# --------------------------------------------------------------------------- running them


# --------------------------------------------------------------------------- the district behind the outputs


@dataclass(frozen=True)
class Setting:
    """A configured list of names (``[oneroster] primary_teacher_roles`` …) and where it is."""

    values: tuple[str, ...]
    file: str = "plugin.toml"
    line: int | None = None


@dataclass(frozen=True)
class DistrictData:
    """What a district-scope rule reads: the preview database, the kinds of output written,
    and the project's settings that name things in the district (``section.key`` -> Setting)."""

    con: object  # a DuckDB connection
    kinds: frozenset[str]
    settings: tuple[tuple[str, Setting], ...] = ()
    project: object = None  # the Project whose settings name the district's values, when known


def check_district(
    con, kinds: Iterable[str], settings: dict[str, Setting] | None = None, project: object = None
) -> list[Finding]:
    """The district-scope rules on the preview database, for the outputs written (``kinds``),
    the names plugin.toml gives (``settings``) and the settings of ``project`` (a
    :class:`~plugin_builder.project.config.Project`)."""
    from plugin_builder.checks.engine import RULES

    district = DistrictData(con, frozenset(kinds), tuple(sorted((settings or {}).items())), project)
    rules = sorted((r for r in RULES.values() if r.scope == "district"), key=lambda r: r.code)
    return [_finding(rule_, hit) for rule_ in rules for hit in rule_.func(district)]


def output_rules() -> list[Rule]:
    from plugin_builder.checks.engine import RULES

    return sorted((r for r in RULES.values() if r.scope == "output"), key=lambda r: r.code)


def loss_rules() -> list[Rule]:
    """The rules that count what lossy steps took away (they read :attr:`Outputs.lost`)."""
    return [r for r in output_rules() if r.name.startswith("lossy.")]


def check_outputs(
    out: Path,
    kinds: Iterable[str] | None = None,
    full_lists: bool = True,
    rules: Iterable[Rule] | None = None,
    lost: Iterable[Lost] = (),
) -> list[Finding]:
    """Every preview rule (or ``rules``) on the files in ``out``; at most :data:`MAX_PER_RULE`
    findings per rule and file are listed, then one saying how many more."""
    outputs = Outputs(out, kinds, full_lists, lost)
    findings: list[Finding] = []
    for rule_ in rules or output_rules():
        counts: dict[str, int] = defaultdict(int)
        try:
            for hit in rule_.func(outputs):
                counts[hit.file or ""] += 1
                if counts[hit.file or ""] <= MAX_PER_RULE:
                    findings.append(_finding(rule_, hit))
        except Exception as exc:  # noqa: BLE001 (one broken rule must not hide the others' findings)
            findings.append(
                Finding(
                    "PB900",
                    Severity.ERROR,
                    f"rule {rule_.code} could not check these outputs ({type(exc).__name__}: {exc}); please report it",
                    rule="internal-error",
                )
            )
        for file, count in sorted(counts.items()):
            if count > MAX_PER_RULE:
                findings.append(_finding(rule_, Hit(f"… {count - MAX_PER_RULE} more like these", file=file or None)))
    return sort_findings(findings)


def _finding(rule_: Rule, hit: Hit) -> Finding:
    return Finding(
        rule_.code, hit.severity or rule_.severity, hit.message, hit.file, hit.line, hit.column, hit.hint, rule_.name
    )


def output_kind(finding: Finding) -> str:
    """The output a finding is about: the first folder of its file (``oneroster.zip`` is OneRoster's)."""
    return (finding.file or "").split("/", 1)[0].removesuffix(".zip")

"""Write query results as the receivers expect them (docs/preview.md).

* ``oneroster/<file_name>`` CSVs (headers = the query's aliases, positional as in
  PowerSchool), ``oneroster/manifest.csv`` (files without rows are left out and marked
  ``absent``) and ``oneroster.zip`` of them;
* ``clever/<file_name>`` CSVs;
* ``edfi/<resource>.json``: a JSON array of objects nested like the Ed-Fi resource
  (``sectionReference``, ``studentReference`` …, found from the DS 5.0 schema), typed
  (integers stay integers), with blank optional fields omitted — never ``null``;
* ``attendance/<file_name>.json``: the Schoology ``PUT /v1/sections/{id}/attendance`` bodies,
  one per section, keyed by section id (``{"10001": {"attendances": {"attendance": […]}}}``).
  ``enrollment_id`` carries the PowerSchool CC id: replace it with Schoology's
  enrollment id (``GET /v1/sections/{id}/enrollments``) before sending.

CSV writers honour ``[csv] quotes``: ``true`` quotes every field (DEM's "Surround field
values in quotes"), ``false`` writes the values as they are, as DEM does — a comma left
in a value then breaks the row, and the checkers say so.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from plugin_builder.preview import formats

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
MANIFESTS = frozenset({"oneroster/manifest.csv"})  # files about the data, not rows of it


def atomic_write(path: Path, data: bytes) -> None:
    """Write through a temporary file and a rename: a reader never sees half a file.

    Unlike the plugin ZIP's writer this does not fsync: a preview is cheap to write again.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; outputs are ordinary readable files
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


@dataclass
class QueryResult:
    name: str
    group: str
    file_name: str
    headers: list[str]
    rows: list[tuple]
    seconds: float = 0.0
    numeric_columns: tuple[int, ...] = ()  # DOUBLE/DECIMAL columns: printed as Oracle does
    row_count: int = -1  # kept when the rows are released after writing

    def __post_init__(self) -> None:
        self.row_count = len(self.rows)

    def release(self) -> None:
        """Drop the rows once written: the checkers read the files, and memory matters at 100k."""
        self.rows = []


@dataclass
class Written:
    """What a writer produced: output kind -> relative paths, and rows per file."""

    files: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def add(self, kind: str, path: str, rows: int) -> None:
        self.files.setdefault(kind, []).append(path)
        self.rows[path] = rows


def _text(value: object) -> str:
    """A value as Oracle prints it: numbers without trailing zeros, NULL as nothing."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _printable(rows: list[tuple], numeric_columns: tuple[int, ...]) -> list[tuple] | object:
    if not numeric_columns:
        return rows  # str, int and None print as they are (None as an empty field)
    return (tuple(_text(v) if i in numeric_columns else v for i, v in enumerate(row)) for row in rows)


def csv_bytes(headers: list[str], rows: list[tuple], quotes: bool, numeric_columns: tuple[int, ...] = ()) -> bytes:
    buffer = io.StringIO(newline="")
    if quotes:
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(_printable(rows, numeric_columns))
    else:
        buffer.write(",".join(headers) + "\n")
        for row in rows:
            buffer.write(",".join(_text(v) for v in row) + "\n")
    return buffer.getvalue().encode("utf-8")


def output_kind(result: QueryResult) -> str:
    group = result.group.lower().replace("-", "_")
    if group in ("ed_fi", "edfi") or result.name.startswith(("ed_fi_", "edfi_")):
        return "edfi"
    if group == "attendance" or result.name.endswith("_attendance"):
        return "attendance"
    if group in ("oneroster", "one_roster") or result.name.startswith("one_roster_"):
        return "oneroster"
    if group == "clever" or result.name.startswith("clever_"):
        return "clever"
    return group or "other"


def _csv_name(result: QueryResult, prefix: str) -> str:
    if result.file_name:
        return Path(result.file_name).name
    name = result.name[len(prefix) :] if result.name.startswith(prefix) else result.name
    parts = name.split("_")
    return parts[0] + "".join(p.title() for p in parts[1:]) + ".csv"


def output_file(name: str, group: str, file_name: str) -> str:
    """The file (relative to the preview folder) that preview writes a query's rows to, the
    receiver's file: ``oneroster/orgs.csv``, ``edfi/studentSectionAssociation.json`` …"""
    result = QueryResult(name, group, file_name, [], [])
    kind = output_kind(result)
    if kind == "edfi":
        return f"edfi/{formats.edfi_resource_for(name, file_name) or name}.json"
    if kind == "attendance":
        return f"attendance/{Path(file_name).stem if file_name else name}.json"
    return f"{kind}/{_csv_name(result, 'one_roster_' if kind == 'oneroster' else f'{kind}_')}"


def write_oneroster(results: list[QueryResult], out: Path, quotes: bool, written: Written) -> None:
    folder = out / "oneroster"
    present: dict[str, bytes] = {}
    for result in results:
        name = _csv_name(result, "one_roster_")
        if not result.rows:
            written.skipped.append(f"oneroster/{name} (no rows: marked absent)")
            continue
        present[name] = csv_bytes(result.headers, result.rows, quotes, result.numeric_columns)
        written.rows[f"oneroster/{name}"] = len(result.rows)
    manifest = io.StringIO(newline="")
    writer = csv.writer(manifest, lineterminator="\n")
    writer.writerow(["propertyName", "value"])
    writer.writerow(["manifest.version", "1.0"])
    writer.writerow(["oneroster.version", "1.1"])
    for data_file in formats.ONEROSTER_MANIFEST_FILES:
        writer.writerow([f"file.{data_file}", "bulk" if f"{data_file}.csv" in present else "absent"])
    writer.writerow(["source.systemName", "PowerSchool SIS"])
    writer.writerow(["source.systemCode", "plugin-builder preview"])
    present["manifest.csv"] = manifest.getvalue().encode("utf-8")
    written.rows["oneroster/manifest.csv"] = len(formats.ONEROSTER_MANIFEST_FILES) + 4
    for name, data in sorted(present.items()):
        atomic_write(folder / name, data)
        written.files.setdefault("oneroster", []).append(f"oneroster/{name}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(present):  # manifest.csv at the root, beside the data files
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            archive.writestr(info, present[name])
    atomic_write(out / "oneroster.zip", buffer.getvalue())
    written.files["oneroster"].append("oneroster.zip")


def write_csvs(kind: str, results: list[QueryResult], out: Path, quotes: bool, written: Written) -> None:
    for result in results:
        name = _csv_name(result, f"{kind}_")
        path = f"{kind}/{name}"
        atomic_write(out / path, csv_bytes(result.headers, result.rows, quotes, result.numeric_columns))
        written.add(kind, path, len(result.rows))


def write_data_package(kind: str, out: Path) -> None:
    """``<kind>/datapackage.json``: the format's Frictionless descriptor for the CSVs written,
    so a receiver can validate the files with standard tools (``frictionless validate``)."""
    if kind not in formats.DATA_PACKAGES:
        return
    present = {path.name for path in (out / kind).glob("*.csv")}
    package = formats.data_package_for(kind, present)
    atomic_write(
        out / kind / "datapackage.json", (json.dumps(package, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    )


# --------------------------------------------------------------------------- Ed-Fi


def _converter(schema: dict):
    """How a column's text becomes the JSON type of its Ed-Fi property."""
    kind = schema.get("type")
    if kind == "integer":
        return int
    if kind == "number":
        return float
    if kind == "boolean":
        return lambda value: str(value).lower() in ("true", "1", "y", "yes")
    return _text


@cache
def _plan(resource: str, headers: tuple[str, ...]) -> list[tuple[int, str, str | None, object]]:
    """Per column: (index, property, the ``…Reference`` holding it or None, converter)."""
    schema = formats.edfi_schema(resource) or {"properties": {}}
    properties = schema.get("properties", {})
    placement: dict[str, tuple[str | None, dict]] = {}
    for prop, prop_schema in properties.items():
        resolved = formats.resolve(prop_schema)
        if prop.endswith("Reference") and "properties" in resolved:
            for inner, inner_schema in resolved["properties"].items():
                placement.setdefault(inner, (prop, inner_schema))
    for prop, prop_schema in properties.items():
        placement[prop] = (None, prop_schema)  # a top-level property wins
    plan = []
    for index, header in enumerate(headers):
        parent, prop_schema = placement.get(header, (None, {}))
        plan.append((index, header, parent, _converter(prop_schema)))
    return plan


def edfi_object(resource: str, headers: list[str], row: tuple) -> dict:
    """One flat row nested like the Ed-Fi resource: columns that are properties of a
    ``…Reference`` go inside it; blank values are left out (never null)."""
    return _nested(_plan(resource, tuple(headers)), row)


def _nested(plan: list[tuple[int, str, str | None, object]], row: tuple) -> dict:
    obj: dict = {}
    for index, header, parent, convert in plan:
        value = row[index]
        if value is None or value == "":
            continue
        try:
            converted = convert(value)
        except (TypeError, ValueError):
            converted = _text(value)  # the checker reports the type
        if parent:
            inner = obj.get(parent)
            if inner is None:
                inner = obj[parent] = {}
            inner[header] = converted
        else:
            obj[header] = converted
    return obj


def write_edfi(results: list[QueryResult], out: Path, written: Written) -> None:
    for result in results:
        resource = formats.edfi_resource_for(result.name, result.file_name) or result.name
        path = f"edfi/{resource}.json"
        # one resource a line: readable, and json's C encoder (indent= would use the slow one)
        encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps would build one an object
        plan = _plan(resource, tuple(result.headers))  # edfi_object's, looked up once
        lines = (encode(_nested(plan, row)) for row in result.rows)
        text = "[\n" + ",\n".join(lines) + "\n]\n" if result.rows else "[]\n"
        atomic_write(out / path, text.encode("utf-8"))
        written.add("edfi", path, len(result.rows))


# --------------------------------------------------------------------------- attendance


def write_attendance(results: list[QueryResult], out: Path, written: Written) -> None:
    for result in results:
        index = {h: i for i, h in enumerate(result.headers)}
        missing = [h for h in ("section_id", "cc_id", "date", "status") if h not in index]
        if missing:
            written.skipped.append(f"{result.name}: no column {', '.join(missing)} (not an attendance export)")
            continue
        by_section: dict[str, list[dict]] = {}
        for row in result.rows:
            entry = {
                "enrollment_id": _int_or_text(row[index["cc_id"]]),
                "date": _text(row[index["date"]]),
                "status": _int_or_text(row[index["status"]]),
            }
            if "comment" in index and _text(row[index["comment"]]):
                entry["comment"] = _text(row[index["comment"]])
            by_section.setdefault(_text(row[index["section_id"]]), []).append(entry)
        # One file per query, keyed by section: {"<section id>": <PUT body>, …}, a section a
        # line. (A file per section was 10 000 files at 50 000 students, and creating and
        # reading them back took a sixth of preview's time on a slow disk.)
        name = Path(result.file_name).stem if result.file_name else result.name
        path = f"attendance/{name}.json"
        lines = (
            f"{json.dumps(section)}: {json.dumps({'attendances': {'attendance': entries}}, ensure_ascii=False)}"
            for section, entries in sorted(by_section.items(), key=lambda item: _section_order(item[0]))
        )
        text = "{\n" + ",\n".join(lines) + "\n}\n" if by_section else "{}\n"
        atomic_write(out / path, text.encode("utf-8"))
        written.add("attendance", path, len(result.rows))


def _section_order(section: str) -> tuple:
    return (0, int(section), "") if section.lstrip("-").isdigit() else (1, 0, section)


def _int_or_text(value: object) -> object:
    try:
        return int(value)
    except (TypeError, ValueError):
        return _text(value)

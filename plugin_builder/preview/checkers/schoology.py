"""Schoology attendance bodies: their JSON Schema and one status per student and day (PV650-PV651)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import fastjsonschema

from plugin_builder.checks.engine import Hit, rule
from plugin_builder.preview import formats

from plugin_builder.preview.checkers.outputs import (
    _hashable,
    _schema_message,
    Outputs,
)


@cache
def _attendance_validators():
    definitions = formats.schoology_attendance_schema()["definitions"]
    return fastjsonschema.compile(definitions["body"]), fastjsonschema.compile(definitions["entry"])


def _attendance_entries(outputs: Outputs) -> Iterator[tuple[str, str, object]]:
    for rel, sections in outputs.documents("attendance"):
        if isinstance(sections, dict):
            for section, body in sections.items():
                yield rel, section, body


@rule("PV650", "attendance.schema", scope="output")
def attendance_schema(outputs: Outputs) -> Iterator[Hit]:
    """Each section's body is a Schoology attendance PUT body: ``{"attendances": {"attendance": [...]}}`` of integer ``enrollment_id``, YYYY-MM-DD ``date``, ``status`` 1-4 and an optional text ``comment``.

    Bad::

        == attendance/section_attendance.json
        {"10001": {"attendances": {"attendance": [{"enrollment_id": "5", "date": "2026-01-14", "status": 3}]}}}

    Good::

        == attendance/section_attendance.json
        {"10001": {"attendances": {"attendance": [{"enrollment_id": 5, "date": "2026-01-14", "status": 3, "comment": "bus"}]}}}
    """
    check_body, check_entry = _attendance_validators()
    for rel, section, body in _attendance_entries(outputs):
        try:
            check_body(body)
        except fastjsonschema.JsonSchemaValueException:
            yield Hit(
                f'section {section}: not a Schoology body {{"attendances": {{"attendance": [...]}}}} with attendances',
                file=rel,
            )
            continue
        for number, entry in enumerate(body["attendances"]["attendance"], start=1):
            try:
                check_entry(entry)
            except fastjsonschema.JsonSchemaValueException as exc:
                yield Hit(f"section {section}, attendance {number}: {_schema_message(exc, 'the entry')[1]}", file=rel)


@rule("PV651", "attendance.unique", scope="output")
def attendance_unique(outputs: Outputs) -> Iterator[Hit]:
    """A section's body gives an enrollment one status a day.

    Bad::

        == attendance/section_attendance.json
        {"10001": {"attendances": {"attendance": [{"enrollment_id": 5, "date": "2026-01-14", "status": 3}, {"enrollment_id": 5, "date": "2026-01-14", "status": 2}]}}}

    Good::

        == attendance/section_attendance.json
        {"10001": {"attendances": {"attendance": [{"enrollment_id": 5, "date": "2026-01-14", "status": 3}, {"enrollment_id": 5, "date": "2026-01-15", "status": 2}]}}}
    """
    for rel, section, body in _attendance_entries(outputs):
        entries = (
            body.get("attendances", {}).get("attendance")
            if isinstance(body, dict) and isinstance(body.get("attendances"), dict)
            else None
        )
        if not isinstance(entries, list):
            continue
        seen = set()
        for entry in entries:
            if isinstance(entry, dict):
                key = (_hashable(entry.get("enrollment_id")), _hashable(entry.get("date")))
                if key in seen:
                    yield Hit(f"section {section}: enrollment {key[0]} has two statuses on {key[1]}", file=rel)
                seen.add(key)

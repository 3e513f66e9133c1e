"""Clever's own rules (PV630)."""

from __future__ import annotations

from collections.abc import Iterator


from plugin_builder.checks.engine import Hit, rule

from plugin_builder.preview.checkers.outputs import (
    Outputs,
)


# --------------------------------------------------------------------------- Clever


@rule("PV630", "clever.teacher-twice", scope="output")
def clever_teacher_twice(outputs: Outputs) -> Iterator[Hit]:
    """A Clever section lists a teacher once (``Teacher_id``, ``Teacher_2_id``, ``Teacher_3_id`` differ).

    Bad::

        == clever/sections.csv
        School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end
        101,S1,T1,T1,,Algebra - Smith,1,9,Algebra,MAT1,1,math,S1,2025-08-13,2025-12-19

    Good::

        == clever/sections.csv
        School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end
        101,S1,T1,T2,,Algebra - Smith,1,9,Algebra,MAT1,1,math,S1,2025-08-13,2025-12-19
    """
    found = outputs.tables("clever").get("sections.csv")
    if found is None:
        return
    rel, table = found
    teachers = zip(
        table.lines,
        table.col("Section_id"),
        table.col("Teacher_id"),
        table.col("Teacher_2_id"),
        table.col("Teacher_3_id"),
    )
    for line, section, *ids in teachers:
        listed = [i for i in ids if i]
        if len(set(listed)) != len(listed):
            yield Hit(f"section {section} lists a teacher twice", file=rel, line=line)

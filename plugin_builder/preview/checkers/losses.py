"""Values the queries' lossy steps took away, counted by column with examples (PV670-PV672).

Preview runs each query that cleans, cuts or (with ``[csv] quotes = false``) strips values a
second time without those steps (:mod:`plugin_builder.preview.losses`); these rules count the
values the written file does not hold. In a case, ``== lost <file> <column> [quotes=false]
[cut=N]`` gives such values, one JSON string a line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from plugin_builder.checks.engine import Hit, rule
from plugin_builder.findings import Severity
from plugin_builder.preview.checkers.outputs import CONTROL_RE, Lost, Outputs

EXAMPLES = 3


def _examples(values: list[str]) -> str:
    shown = []
    for value in dict.fromkeys(values):  # distinct, in order
        text = json.dumps(value if len(value) <= 60 else value[:57] + "…", ensure_ascii=False)
        shown.append(text)
        if len(shown) == EXAMPLES:
            break
    return ", ".join(shown)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _losses(outputs: Outputs, keep) -> Iterator[tuple[Lost, list[str]]]:
    for lost in outputs.lost:
        values = [v for v in lost.values if keep(lost, v)]
        if values:
            yield lost, values


@rule("PV670", "lossy.text-cleaned", Severity.INFO, scope="output")
def text_cleaned(outputs: Outputs) -> Iterator[Hit]:
    """Free text lost its line breaks or tabs (each became a space), counted by column.

    A CSV field must not hold CR, LF or TAB, so the queries replace them; the note says how
    many values of the district changed, so that the change is seen, not assumed.

    Bad::

        == clever/sections.csv
        School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end
        101,S1,T1,,,Algebra - Smith,1,9,Algebra,MAT1,1,math,S1,2025-08-13,2025-12-19
        == lost clever/sections.csv Course_name
        "Algebra\\r\\nHonors"

    Good::

        == clever/sections.csv
        School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end
        101,S1,T1,,,Algebra - Smith,1,9,Algebra,MAT1,1,math,S1,2025-08-13,2025-12-19
    """
    for lost, values in _losses(outputs, lambda _lost, v: CONTROL_RE.search(v) is not None):
        yield Hit(
            f"{lost.column}: {_count(len(values), 'value')} held CR, LF or TAB, written as spaces, "
            f"e.g. {_examples(values)}",
            file=lost.file,
        )


@rule("PV671", "lossy.quotes-off", Severity.WARNING, scope="output")
def quotes_off(outputs: Outputs) -> Iterator[Hit]:
    """With ``[csv] quotes = false`` lists kept only their first value and text lost its
    commas and double quotes: counted by column, with examples.

    A list cut to its first value drops links the receiver needs (a guardian of several
    students keeps one, a student's second guardian is lost). Set ``quotes = true`` (and
    tick "Surround field values in quotes" in DEM) unless the receiver cannot read quotes.

    Bad::

        == oneroster/users.csv
        sourcedId,agentSourcedIds
        S1,C1
        C1,S1
        == lost oneroster/users.csv agentSourcedIds quotes=false
        "C1,C2"

    Good::

        == oneroster/users.csv
        sourcedId,agentSourcedIds
        S1,"C1,C2"
        C1,S1
    """

    def is_stripped(lost: Lost, value: str) -> bool:
        return lost.quotes_off and ("," in value or '"' in value)

    for lost, values in _losses(outputs, is_stripped):
        kept = _kept_values(outputs, lost)
        lists = [v for v in values if _is_list(v) and v.split(",", 1)[0] in kept]
        texts = len(values) - len(lists)
        parts = []
        if lists:
            dropped = sum(v.count(",") for v in lists)
            parts.append(f"{_count(len(lists), 'list')} cut to the first value ({_count(dropped, 'value')} dropped)")
        if texts:
            parts.append(f"{_count(texts, 'value')} lost commas or double quotes")
        yield Hit(
            f"{lost.column}: {' and '.join(parts)} ([csv] quotes = false), e.g. {_examples(values)}",
            file=lost.file,
            hint="set [csv] quotes = true unless the receiver cannot read quoted fields",
        )


def _is_list(value: str) -> bool:
    """Ids joined by commas (``101,102``), not text with a comma in it (``Smith, Jr.``)."""
    items = value.split(",")
    return len(items) > 1 and all(item and item == item.strip() and '"' not in item for item in items)


def _kept_values(outputs: Outputs, lost: Lost) -> set[str]:
    """The values the written file holds in the column (empty when it cannot be read)."""
    kind, _, name = lost.file.partition("/")
    found = outputs.tables(kind).get(name) if kind in ("oneroster", "clever") else None
    if found is None:
        return {v.split(",", 1)[0] for v in lost.values}  # not a file read back: assume the first value kept
    _rel, table = found
    return set(table.col(lost.column))


@rule("PV672", "lossy.text-cut", Severity.WARNING, scope="output")
def text_cut(outputs: Outputs) -> Iterator[Hit]:
    """Text longer than the query's cut (``DBMS_LOB.SUBSTR(x, 1000, 1)``) lost its end:
    counted by column, with examples.

    Bad::

        == clever/sections.csv
        School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end
        101,S1,T1,,,Algebra - Smith,1,9,Algebra,MAT1,1,math,S1,2025-08-13,2025-12-19
        == lost clever/sections.csv Course_name cut=4
        "Algebra"

    Good::

        == clever/sections.csv
        School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Section_number,Grade,Course_name,Course_number,Period,Subject,Term_name,Term_start,Term_end
        101,S1,T1,,,Algebra - Smith,1,9,Algebra,MAT1,1,math,S1,2025-08-13,2025-12-19
    """
    for lost, values in _losses(outputs, lambda lost, v: lost.cut is not None and len(v) > lost.cut):
        longest = max(len(v) for v in values)
        yield Hit(
            f"{lost.column}: {_count(len(values), 'value')} cut to {lost.cut:,} characters "
            f"(the longest had {longest:,}), e.g. {_examples(values)}",
            file=lost.file,
        )

"""No input that parses ends in an internal error (PB900): every rule over every fixture and
over the SQL of every rule's docstring, and the shapes that once did."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from plugin_builder.checks import INTERNAL_CODE, all_rules
from plugin_builder.build.lint import lint
from plugin_builder.sql.sqlparse import parse_sql

from test_rule_fixtures import CASES, FIXTURES, _sql_plugin, findings_for


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(FIXTURES)) for c in CASES])
def test_no_internal_error_on_fixture(case: Path, tmp_path: Path):
    assert [f.message for f in findings_for(case, tmp_path) if f.code == INTERNAL_CODE] == []


def _docstring_sql() -> list[tuple[str, str]]:
    """(rule code, SQL) for every indented example of a rule docstring that parses as SQL."""
    found = []
    for rule in all_rules():
        for block in re.split(r"\n\s*\n", rule.doc):
            lines = [line.strip() for line in block.splitlines() if line.startswith("    ")]
            text = "\n".join(lines)
            if re.match(r"(?i)^(SELECT|WITH)\b", text) and "…" not in text:
                if parse_sql(text).ok:
                    found.append((rule.code, text))
    return found


DOC_SQL = _docstring_sql()


def test_the_docstrings_hold_sql():
    assert len(DOC_SQL) > 20


def _lint_sql(sql: str, tmp_path: Path):
    files, _ = _sql_plugin(sql)
    archive = tmp_path / "case.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for name, data in files.items():
            handle.writestr(name, data)
    return lint(archive).findings


@pytest.mark.parametrize("sql", [s for _, s in DOC_SQL], ids=[f"{c}-{i}" for i, (c, _) in enumerate(DOC_SQL)])
def test_no_internal_error_on_docstring_sql(sql: str, tmp_path: Path):
    assert [f.message for f in _lint_sql(sql, tmp_path) if f.code == INTERNAL_CODE] == []


@pytest.mark.parametrize(
    "sql, ora",
    [
        ("SELECT PERSON.ID AS id FROM PERSON JOIN PERSON ON PERSON.ID = PERSON.ID ORDER BY 1", "ORA-00918"),
        ("SELECT p.ID AS id FROM PERSON p JOIN STUDENTS p ON p.ID = p.STUDENTID ORDER BY 1", "ORA-00904"),
        (
            "SELECT x.ID AS id FROM (SELECT a.ID FROM STUDENTS a JOIN CC a ON a.ID = a.STUDENTID) x ORDER BY 1",
            "ORA-00918",
        ),
    ],
)
def test_duplicate_sources_are_findings_with_the_oracle_code(sql: str, ora: str, tmp_path: Path):
    findings = _lint_sql(sql, tmp_path)
    assert [f for f in findings if f.code == INTERNAL_CODE] == []
    assert any(f.code == "SQ307" and ora in f.message for f in findings), [(f.code, f.message) for f in findings]


# -- generated SQL: joins, aliases (reused or missing), subqueries, WITH, UNION ------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from plugin_builder.checks import CheckContext, run_rules  # noqa: E402
from plugin_builder.build.model import build_model  # noqa: E402

TABLES = ["STUDENTS", "PERSON", "CC", "SECTIONS", "STOREDGRADES", "S_CA_STU_X", "U_LOCKERS", "STUDENT", "DUAL"]
COLUMNS = ["ID", "DCID", "SCHOOLID", "LAST_NAME", "PERCNT", "STUDENTID", "COLUMN_VALUE"]
ALIASES = ["a", "b", "s", "PERSON", ""]


@st.composite
def source(draw, depth=0):
    if depth < 1 and draw(st.booleans()) and draw(st.booleans()):
        return f"({draw(select(depth + 1))})"
    return draw(st.sampled_from(TABLES))


@st.composite
def column(draw, aliases):
    name = draw(st.sampled_from(COLUMNS))
    qualifier = draw(st.sampled_from(aliases + [""]))
    return f"{qualifier}.{name}" if qualifier else name


@st.composite
def select(draw, depth=0):
    count = draw(st.integers(1, 3))
    # mostly distinct aliases (t0, t1, …), sometimes reused or missing ones
    sources = [(draw(source(depth)), draw(st.sampled_from(ALIASES + [f"t{i}"] * 6))) for i in range(count)]
    names = [a or (s if not s.startswith("(") else "") for s, a in sources]
    names = [n for n in names if n]
    first, *rest = sources
    text = f"SELECT {', '.join(draw(column(names)) + f' AS c{i}' for i in range(draw(st.integers(1, 3))))} FROM {first[0]} {first[1]}"
    for table, alias in rest:
        kind = draw(st.sampled_from(["JOIN", "LEFT JOIN", "CROSS JOIN"]))
        on = "" if kind == "CROSS JOIN" else f" ON {draw(column(names))} = {draw(column(names))}"
        text += f" {kind} {table} {alias}{on}"
    if draw(st.booleans()):
        text += f" WHERE {draw(column(names))} IS NOT NULL"
    return text


@st.composite
def statement(draw):
    body = draw(select())
    if draw(st.booleans()):
        body += f" UNION ALL {draw(select())}"
    if draw(st.booleans()):
        body = f"WITH w AS ({draw(select())}) {body.replace('FROM STUDENTS', 'FROM w', 1)}"
    return body + " ORDER BY 1"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statement())
def test_no_internal_error_on_generated_sql(sql):
    if not parse_sql(sql).ok:
        return
    files, _ = _sql_plugin(sql)
    model = build_model(files, origin="linted")
    findings = run_rules(CheckContext(model=model))
    assert [f.message for f in findings if f.code == INTERNAL_CODE] == [], sql

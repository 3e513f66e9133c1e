"""The shared node index: one walk of a statement, then ``of(*types)`` gives exactly what
``find_all(*types)`` would (the same nodes, in the same breadth-first order), for the rules
and the Oracle model alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlglot import exp

from plugin_builder.pipeline import validate
from plugin_builder.sql.oracle.model import _Nodes
from plugin_builder.sql.sqlparse import NodeIndex, parse_sql

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_SQL = sorted((ROOT / "tests" / "fixtures" / "rules").rglob("*.sql"))
# Every kind the model asks for, alone and together (subclasses included: SetOperation, Func).
KINDS = [
    (exp.Select,),
    (exp.Column,),
    (exp.Table,),
    (exp.Identifier,),
    (exp.Literal,),
    (exp.Case,),
    (exp.Coalesce,),
    (exp.DecodeCase,),
    (exp.ToChar,),
    (exp.Extract,),
    (exp.Count,),
    (exp.Window,),
    (exp.Cast,),
    (exp.SetOperation,),
    (exp.Func,),
    (exp.StrToDate, exp.StrToTime),
    (exp.Min, exp.Max),
    (exp.Union, exp.Intersect, exp.Except),
    (exp.Alias, exp.TableAlias, exp.CTE),
    (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Like),
    (exp.Column, exp.Literal, exp.Select),
]


def _statements() -> list[exp.Expression]:
    catalogue = [query.sql for query in validate(ROOT / "plugin.toml").tree.queries]
    texts = catalogue + [path.read_text(encoding="utf-8") for path in FIXTURE_SQL]
    return [s for text in texts for s in parse_sql.__wrapped__(text).statements]


def test_of_is_find_all_on_the_catalogue_and_every_fixture() -> None:
    statements = _statements()
    assert len(statements) > 150
    asked = 0
    for statement in statements:
        index = NodeIndex(statement)
        for kinds in KINDS:
            expected = list(statement.find_all(*kinds))
            found = index.of(*kinds)
            assert [id(n) for n in found] == [id(n) for n in expected], (kinds, statement.sql("oracle")[:200])
            assert index.of(*kinds) is found  # asked twice: the same answer, not another walk
            asked += bool(expected)
    assert asked > 1000  # the kinds are there to be found, not only absent


@pytest.mark.parametrize("kinds", [(exp.Select,), (exp.EQ, exp.GT), (exp.Subquery,)])
def test_nodes_keep_the_index_answers(kinds) -> None:
    statement = parse_sql.__wrapped__(
        "SELECT s.ID AS id FROM STUDENTS s WHERE s.ID = 1 AND s.GRADE_LEVEL > (SELECT MAX(x.N) FROM X x)"
    ).statement
    assert [id(n) for n in _Nodes(statement).of(*kinds)] == [id(n) for n in statement.find_all(*kinds)]


def test_a_parse_shares_one_index_of_its_one_statement() -> None:
    parsed = parse_sql.__wrapped__("SELECT s.ID AS id FROM STUDENTS s ORDER BY 1")
    assert parsed.nodes is parsed.nodes
    assert [id(n) for n in parsed.nodes.all] == [id(n) for n in parsed.statement.walk()]
    assert parse_sql.__wrapped__("SELECT 1 FROM DUAL; SELECT 2 FROM DUAL").nodes is None
    assert parse_sql.__wrapped__("SELECT FROM WHERE (").nodes is None

"""Parse PowerQuery SQL with sqlglot's Oracle dialect, keeping positions for findings."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# <@restricted_table table="students" selector="selectedstudents"/> is a WHERE condition that
# PowerSchool substitutes; parse it as 1=1, padded to keep every column position.
_RESTRICTED = re.compile(r"<@restricted_table\b[^>]*/>", re.I)


# sqlglot logs (to stderr) what its optimizer cannot scope; our checks report such SQL themselves.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


def clean_message(text: str) -> str:
    return _ANSI.sub("", text).strip()


@dataclass
class ParsedSql:
    text: str
    statements: list[exp.Expression] = field(default_factory=list)
    error: str | None = None
    line: int | None = None
    column: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def statement(self) -> exp.Expression | None:
        return self.statements[0] if len(self.statements) == 1 else None


def _substitute_tags(sql: str) -> str:
    return _RESTRICTED.sub(lambda m: "1=1".ljust(len(m.group(0))), sql)


@lru_cache(maxsize=512)
def parse_sql(sql: str) -> ParsedSql:
    """Parse Oracle SQL; never raises. Cached: every rule asks for the same parse."""
    text = _substitute_tags(sql)
    try:
        # A comment after the last ';' comes back as a Semicolon "statement": not a statement.
        statements = [
            s for s in sqlglot.parse(text, read="oracle") if s is not None and not isinstance(s, exp.Semicolon)
        ]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        description = clean_message(first.get("description") or str(exc))
        return ParsedSql(text, error=description, line=first.get("line"), column=first.get("col"))
    except TokenError as exc:
        message = clean_message(str(exc))
        match = re.search(r"[Ll]ine (\d+), [Cc]ol(?:umn)?:? (\d+)", message)
        line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
        return ParsedSql(text, error=message, line=line, column=column)
    return ParsedSql(text, statements=statements)


def output_expressions(statement: exp.Expression) -> list[exp.Expression] | None:
    """The outermost SELECT list (the left branch of a UNION); None if it contains a *."""
    query = statement
    while isinstance(query, exp.Subquery):
        query = query.this
    if not isinstance(query, exp.Query):
        return None
    selects = query.selects
    if any(isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)) for e in selects):
        return None
    return list(selects)


def is_select(statement: exp.Expression) -> bool:
    node = statement
    while isinstance(node, exp.Subquery):
        node = node.this
    return isinstance(node, (exp.Select, exp.SetOperation))


def strip_sql_comments(sql: str, blank_strings: bool = False) -> str:
    """Blank out -- and /* */ comments (and with ``blank_strings`` the inside of string
    literals and quoted identifiers), keeping every other character at its position."""
    out = []
    i, n = 0, len(sql)

    def blank(text: str) -> str:
        return "".join(c if c == "\n" else " " for c in text)

    while i < n:
        ch = sql[i]
        if ch in "'\"":
            j = i + 1
            while j < n:
                if sql[j] == ch and j + 1 < n and sql[j + 1] == ch:
                    j += 2
                    continue
                if sql[j] == ch:
                    break
                j += 1
            literal = sql[i : j + 1]
            out.append(ch + blank(literal[1:-1]) + literal[-1:] if blank_strings and len(literal) > 1 else literal)
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(blank(sql[i:j]))
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(blank(sql[i:j]))
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def without_restricted_tags(sql: str) -> str:
    """The SQL with each ``<@restricted_table …/>`` read as ``1=1`` (same positions)."""
    return _substitute_tags(sql)

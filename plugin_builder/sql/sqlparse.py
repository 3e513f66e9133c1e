"""Parse PowerQuery SQL with sqlglot's Oracle dialect, keeping positions for findings."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

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


class NodeIndex:
    """Every node of a tree from one walk, by class: sqlglot's walks are the costly part, and
    the rules and the Oracle model ask for a dozen kinds of node each. ``of(*types)`` is
    ``list(root.find_all(*types))`` (the same nodes in the same breadth-first order) without
    walking the tree again; the tree must not change after (the shared parse never does)."""

    def __init__(self, root: exp.Expression):
        self.all = list(root.walk())
        self._by_class: dict[type, list] = {}
        for node in self.all:
            found = self._by_class.get(type(node))
            if found is None:
                self._by_class[type(node)] = [node]
            else:
                found.append(node)
        self._of: dict[tuple[type, ...], list] = {}

    def of(self, *types: type) -> list:
        """The nodes of these types (a list to read, not to change)."""
        found = self._of.get(types)
        if found is None:
            lists = [nodes for kind, nodes in self._by_class.items() if issubclass(kind, types)]
            if len(lists) <= 1:
                found = lists[0] if lists else []
            else:  # several classes: in the walk's order
                found = [node for node in self.all if isinstance(node, types)]
            self._of[types] = found
        return found


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

    @cached_property
    def nodes(self) -> NodeIndex | None:
        """The statement's nodes from one walk, shared by every rule that asks (None without
        exactly one statement). The parse is shared, so nobody changes it: the Oracle model
        types a parse of its own."""
        statement = self.statement
        return NodeIndex(statement) if statement is not None else None


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


# What strip_sql_comments blanks or keeps, in one pass: a string literal or quoted identifier
# ('' or "" inside doubles the quote; one left open runs to the end), a -- comment (to the end of
# its line) and a /* */ comment (to its */, or to the end when left open).
_LEXEMES = re.compile(r"""'[^']*(?:''[^']*)*'?|"[^"]*(?:""[^"]*)*"?|--[^\n]*|/\*(?:.*?\*/|.*)""", re.S)
_NOT_NEWLINE = re.compile(r"[^\n]")


def _blank_comment(match: re.Match[str]) -> str:
    text = match.group()
    return text if text[0] in "'\"" else _NOT_NEWLINE.sub(" ", text)


def _blank_comment_or_string(match: re.Match[str]) -> str:
    text = match.group()
    if text[0] not in "'\"":
        return _NOT_NEWLINE.sub(" ", text)
    # Keep the quotes (and the last character of a literal left open), blank what is inside.
    return text if len(text) < 2 else text[0] + _NOT_NEWLINE.sub(" ", text[1:-1]) + text[-1]


def strip_sql_comments(sql: str, blank_strings: bool = False) -> str:
    """Blank out -- and /* */ comments (and with ``blank_strings`` the inside of string
    literals and quoted identifiers), keeping every other character at its position."""
    return _LEXEMES.sub(_blank_comment_or_string if blank_strings else _blank_comment, sql)


def without_restricted_tags(sql: str) -> str:
    """The SQL with each ``<@restricted_table …/>`` read as ``1=1`` (same positions)."""
    return _substitute_tags(sql)

"""Jinja environments and filters for the documents we write for people (DEM guide, review).

Every value that came from a user (summaries, descriptions, file names, SQL) reaches a
document through a filter: HTML templates autoescape, Markdown templates use ``|md``
(inline text: HTML and Markdown specials escaped, one line), ``|code`` (an inline code
span that no backtick in the value can close) and ``|fence`` (a fenced block likewise).
"""

from __future__ import annotations

import html
import re

import jinja2

from plugin_builder.build.jinja_cache import bytecode_cache
from plugin_builder.resources import templates_dir

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|])")
_BACKTICKS = re.compile(r"`+")


def md_escape(value: object) -> str:
    """Inline Markdown text: one line, ``&<>`` as entities, Markdown specials backslashed."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


# Only what Markdown would really take as markup: a < that opens a tag, an & that spells an
# entity, _ and * at a word's edge (inside a word CommonMark leaves them alone), and the
# characters that open links, code and table cells.
_PLAIN_SPECIAL = re.compile(r"<(?=[A-Za-z/!?])|&(?=#?[A-Za-z0-9]+;)|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|\\|[`*\[\]|]")


def md_plain(value: object) -> str:
    """Inline Markdown text that also reads as plain text: one line, a backslash only before
    a character Markdown would otherwise take as markup (no HTML entities)."""
    text = " ".join(str(value).split())
    return _PLAIN_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _longest_backticks(text: str) -> int:
    return max((len(m.group(0)) for m in _BACKTICKS.finditer(text)), default=0)


def md_code(value: object, in_table: bool = True) -> str:
    """An inline code span. In a GFM table ``|`` must be backslashed even inside code."""
    text = " ".join(str(value).split())
    if in_table:
        text = text.replace("|", "\\|")
    ticks = "`" * (_longest_backticks(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def md_fence(value: object, info: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run inside it."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    fence = "`" * max(3, _longest_backticks(text) + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def document_environment(autoescape: bool) -> jinja2.Environment:
    """Templates from templates/; HTML ones autoescape, Markdown ones use the md filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        bytecode_cache=bytecode_cache(),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["plain"] = md_plain
    env.filters["code"] = md_code
    env.filters["fence"] = md_fence
    return env

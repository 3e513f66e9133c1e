"""The line map's template-line test: string searches, exactly the regular expression it replaced."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from plugin_builder.build.render import _EXPR_RE, _line_pattern, build_line_map
from plugin_builder.resources import builtin_queries_dir


def reference_pattern(line: str) -> re.Pattern[str] | None:
    """The former implementation: one compiled expression per template line."""
    stripped = line.strip()
    if not stripped or stripped.startswith(("{%", "{#")) and stripped.endswith(("%}", "#}")):
        return None
    pieces = _EXPR_RE.split(stripped)
    if not any(p.strip() for p in pieces):
        return None
    return re.compile(r"\s*" + ".*?".join(re.escape(p) for p in pieces) + r"\s*$", re.S)


def _agree(template_line: str, rendered_line: str) -> None:
    shape, pattern = _line_pattern(template_line), reference_pattern(template_line)
    assert (shape is None) == (pattern is None), template_line
    if shape is not None:
        expected = pattern.fullmatch(rendered_line) is not None
        assert shape.fits(rendered_line) is expected, (template_line, rendered_line)


def test_every_catalogue_line_against_every_rendered_line_of_its_query() -> None:
    """Each template line of the catalogue, tried on its own text and on every other line."""
    lines = sorted({line for f in builtin_queries_dir().rglob("*.j2") for line in f.read_text("utf-8").splitlines()})
    assert len(lines) > 200
    rendered = [re.sub(r"\{\{.*?\}\}", "X", line) for line in lines][:400]
    for template_line in lines:
        for candidate in [template_line, *rendered[:60]]:
            _agree(template_line, candidate)


pieces = st.text(alphabet=" ab,.'()\t", max_size=6)


@settings(max_examples=600, deadline=None)
@given(
    st.lists(st.one_of(pieces, st.just("{{ x }}"), st.just("{% if y %}")), max_size=6),
    st.text(alphabet=" ab,.'()\tX", max_size=20),
)
def test_any_line_agrees_with_the_former_expression(parts: list[str], rendered_line: str) -> None:
    _agree("".join(parts), rendered_line)


def test_the_map_points_at_the_template_lines() -> None:
    template = "SELECT\n  s.ID AS {{ name }},\n  {{ other }} AS b\nFROM STUDENTS s"
    rendered = 'SELECT\n  s.ID AS "id",\n  s.X AS b\nFROM STUDENTS s\n\nWHERE 1 = 1'
    mapped = build_line_map(rendered, [("q.sql.j2", template)])
    assert [m.line if m else None for m in mapped] == [1, 2, 3, 4, None, None]

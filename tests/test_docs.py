"""The generated parts of the docs match the code (``python -m plugin_builder.reports.docs`` rewrites them)."""

from __future__ import annotations

from pathlib import Path

from plugin_builder.checks import all_rules
from plugin_builder.reports.docs import stale

ROOT = Path(__file__).resolve().parent.parent


def test_generated_docs_are_current():
    assert stale(ROOT) == [], "run `python -m plugin_builder.reports.docs`"


def test_the_rule_table_lists_every_rule():
    docs = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    assert [r.code for r in all_rules() if f"| `{r.code}` |" not in docs] == []


def test_stale_docs_are_found(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "checks.md").write_text(
        "<!-- BEGIN GENERATED: rules (python -m plugin_builder.reports.docs) -->\n| old |\n<!-- END GENERATED: rules -->\n",
        encoding="utf-8",
    )
    (tmp_path / "README.md").write_text((ROOT / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    assert stale(tmp_path) == ["docs/checks.md"]
    assert stale(tmp_path, write=True) == ["docs/checks.md"] and stale(tmp_path) == []

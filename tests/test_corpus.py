"""The corpus of third-party-style plugins lints clean; each broken variant is caught."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from plugin_builder.build.lint import lint
from plugin_builder.findings import Severity

CORPUS = Path(__file__).parent / "corpus"
PLUGINS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
CASES = tomllib.loads((CORPUS / "broken.toml").read_text(encoding="utf-8"))["case"]


@pytest.mark.parametrize("name", PLUGINS)
def test_corpus_plugin_has_no_error(name):
    result = lint(CORPUS / name)
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    assert errors == []
    assert result.model.queries, "the plugin's queries were read"


@pytest.mark.parametrize("name", PLUGINS)
def test_corpus_plugin_as_zip_has_no_error(name, tmp_path):
    archive = shutil.make_archive(str(tmp_path / name), "zip", CORPUS / name)
    result = lint(archive)
    assert [f for f in result.findings if f.severity is Severity.ERROR] == []


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_broken_variant_is_caught(case, tmp_path):
    plugin = tmp_path / case["base"]
    shutil.copytree(CORPUS / case["base"], plugin)
    target = plugin / case["file"]
    text = target.read_text(encoding="utf-8")
    assert case["find"] in text, "the case must edit something"
    target.write_text(text.replace(case["find"], case["replace"], 1), encoding="utf-8")

    findings = lint(plugin).findings
    hits = [f for f in findings if f.code == case["expect"]]
    assert hits, f"expected {case['expect']}, got {[(f.code, f.message) for f in findings]}"
    if "line" in case:
        where = case.get("at", case["file"])
        assert any(f.file == where and f.line == case["line"] for f in hits), [(f.file, f.line) for f in hits]

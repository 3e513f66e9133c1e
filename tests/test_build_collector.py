"""The cycle collector and a build (benchmarks/README.md, "`build`: against the import floor"):
the package's import leaves its objects frozen and the collector as it found it; ``validate``,
``build`` and ``review`` pause it while they work and always give it back."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import example_config
from plugin_builder import pipeline


def test_importing_the_package_freezes_what_it_made_and_leaves_the_collector_on() -> None:
    code = (
        "import gc\n"
        "before = gc.get_freeze_count()\n"
        "import plugin_builder.cli\n"
        "print(before, gc.get_freeze_count(), gc.isenabled())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "0" and int(out[1]) > 20_000 and out[2] == "True"


def test_an_import_with_the_collector_off_leaves_it_off() -> None:
    code = "import gc\ngc.disable()\nimport plugin_builder\nprint(gc.isenabled())\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_build_pauses_the_collector_while_it_checks_and_gives_it_back(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "plugin.toml"
    config.write_text(example_config(), encoding="utf-8")
    seen = []
    real_check = pipeline.check_tree

    def check_tree(*args, **kwargs):
        seen.append(gc.isenabled())
        return real_check(*args, **kwargs)

    monkeypatch.setattr(pipeline, "check_tree", check_tree)
    assert gc.isenabled()
    built = pipeline.build(config, tmp_path / "dist")
    assert built.zip is not None
    assert seen == [False]
    assert gc.isenabled()
    pipeline.review(config)
    assert seen == [False, False]
    assert gc.isenabled()


def test_a_failure_gives_the_collector_back(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "plugin.toml"
    config.write_text(example_config(), encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("rule crashed")

    monkeypatch.setattr(pipeline, "check_tree", broken)
    with pytest.raises(RuntimeError):
        pipeline.build(config, tmp_path / "dist")
    assert gc.isenabled()


def test_a_collector_off_before_stays_off(tmp_path: Path) -> None:
    config = tmp_path / "plugin.toml"
    config.write_text(example_config(), encoding="utf-8")
    gc.disable()
    try:
        pipeline.validate(config)
        assert not gc.isenabled()
    finally:
        gc.enable()

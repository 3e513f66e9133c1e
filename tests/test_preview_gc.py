"""Preview pauses Python's cycle collector while it measures, writes and checks (millions of
objects alive together: benchmarks/README.md); it always gives it back, as it found it."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from helpers import example_config
from plugin_builder.preview import runner


def test_preview_pauses_the_cycle_collector_while_writing_and_gives_it_back(tmp_path: Path, monkeypatch):
    config = tmp_path / "plugin.toml"
    config.write_text(example_config(), encoding="utf-8")
    seen = []
    real_write = runner.write_outputs

    def write_outputs(*args, **kwargs):
        seen.append(gc.isenabled())
        return real_write(*args, **kwargs)

    monkeypatch.setattr(runner, "write_outputs", write_outputs)
    assert gc.isenabled()
    runner.run_preview(config, tmp_path / "out", students=100)
    assert seen == [False]
    assert gc.isenabled()


def test_a_failure_while_paused_gives_the_collector_back(tmp_path: Path, monkeypatch):
    config = tmp_path / "plugin.toml"
    config.write_text(example_config(), encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(runner, "write_outputs", broken)
    with pytest.raises(RuntimeError):
        runner.run_preview(config, tmp_path / "out", students=100)
    assert gc.isenabled()


def test_a_collector_already_off_stays_off():
    gc.disable()
    try:
        with runner.cycle_collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()

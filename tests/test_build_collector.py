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


def _freeze_counts_around(command: list[str], cwd: Path) -> tuple[int, int]:
    """(objects frozen after the import, at exit) of ``plugin-builder COMMAND`` run as its own process."""
    code = (
        "import atexit, gc, sys\n"
        f"sys.argv = ['plugin-builder', *{command!r}]\n"
        "from plugin_builder.cli import main\n"
        "imported = gc.get_freeze_count()\n"
        "atexit.register(lambda: print(imported, gc.get_freeze_count(), gc.isenabled(), file=sys.stderr))\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)
    imported, at_exit, enabled = done.stderr.strip().splitlines()[-1].split()
    assert enabled == "True"
    return int(imported), int(at_exit)


def test_a_build_run_as_its_own_process_freezes_what_it_made_instead_of_collecting_it(tmp_path: Path) -> None:
    (tmp_path / "plugin.toml").write_text(example_config(), encoding="utf-8")
    imported, at_exit = _freeze_counts_around(["build", "-o", "dist"], tmp_path)
    assert at_exit > imported + 10_000
    assert (tmp_path / "dist").is_dir()


def test_a_command_that_goes_on_or_a_test_runner_freezes_nothing_more(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from plugin_builder.cli import main

    (tmp_path / "plugin.toml").write_text(example_config(), encoding="utf-8")
    imported, at_exit = _freeze_counts_around(["queries"], tmp_path)
    assert at_exit <= imported  # frozen objects it let go of are freed: the count only falls
    result = CliRunner().invoke(main, ["build", "-c", str(tmp_path / "plugin.toml"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert pipeline._process_ends_with_command is False

"""Plain `pytest` works from the repository root, not only `python -m pytest`.

`python -m pytest` puts the working folder on sys.path; the `pytest` script does not, so tests that
import `tests.helpers` need the repository's pytest configuration to add the root (an editable
install may hide the problem: its .pth file adds the root, a fresh `pip install .` does not).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _plain_pytest() -> str:
    """The `pytest` console script of this interpreter (not `python -m pytest`)."""
    script = shutil.which("pytest", path=str(Path(sys.executable).parent))
    assert script, "pytest's console script is missing next to the interpreter"
    return script


def _project_with_cross_imports(folder: Path, pyproject: str) -> None:
    """A tiny project: the given pyproject.toml and a test importing a module of its own tests package
    by a name nothing else on sys.path provides."""
    (folder / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    tests = folder / "tests"
    tests.mkdir()
    (tests / "probe_helpers_for_pythonpath.py").write_text("VALUE = 42\n", encoding="utf-8")
    (tests / "test_probe.py").write_text(
        "from tests.probe_helpers_for_pythonpath import VALUE\n\n\ndef test_value():\n    assert VALUE == 42\n",
        encoding="utf-8",
    )


def _run_plain_pytest(folder: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [_plain_pytest(), "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_plain_pytest_imports_the_tests_package_with_the_repository_configuration(tmp_path: Path) -> None:
    _project_with_cross_imports(tmp_path, (REPO / "pyproject.toml").read_text(encoding="utf-8"))
    proc = _run_plain_pytest(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


def test_plain_pytest_without_pythonpath_fails_to_collect(tmp_path: Path) -> None:
    """The probe above can fail: without `pythonpath` the same project stops at collection."""
    config = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    without = "\n".join(line for line in config.splitlines() if not line.startswith("pythonpath"))
    assert without != config
    _project_with_cross_imports(tmp_path, without)
    proc = _run_plain_pytest(tmp_path)
    assert proc.returncode != 0
    # "No module named 'tests'" from a plain install; "… 'tests.probe_helpers_for_pythonpath'" from an
    # editable one, whose .pth file puts this repository's own tests folder on sys.path.
    assert "No module named 'tests" in proc.stdout + proc.stderr


def test_plain_pytest_collects_the_repository_tests_that_import_tests_helpers() -> None:
    proc = subprocess.run(
        [
            _plain_pytest(),
            "-q",
            "--co",
            "-p",
            "no:cacheprovider",
            "tests/test_crowded_links.py",
            "tests/test_oracle_model.py",
        ],
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "error" not in proc.stdout.lower()

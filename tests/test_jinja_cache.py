"""Compiled templates cached in the user's cache folder: used when nothing changed, never stale,
never an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from plugin_builder.build import jinja_cache
from plugin_builder.build.jinja_cache import bytecode_cache, cache_folder
from plugin_builder.build.templating import sql_literal


def _environment(folder: Path, **options) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), bytecode_cache=bytecode_cache(), **options)
    env.filters["lit"] = sql_literal
    return env


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch) -> Path:
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "t.j2").write_text("{% if x %}\n  {{ x | lit }} & <b>\n{% endif %}\n", encoding="utf-8")
    return folder


def _cached_files(home: Path) -> list[Path]:
    return sorted((home / "plugin-builder").rglob("*.jinja"))


def test_the_cache_folder_follows_xdg_cache_home(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == tmp_path / "plugin-builder"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG specification: ignore it
    assert cache_folder() == Path.home() / ".cache" / "plugin-builder"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_folder() == Path.home() / ".cache" / "plugin-builder"


def test_a_second_environment_loads_the_compiled_template_instead_of_compiling(cache_home, templates) -> None:
    first = _environment(templates, trim_blocks=True).get_template("t.j2").render(x="a")
    assert len(_cached_files(cache_home)) == 1
    env = _environment(templates, trim_blocks=True)
    env.compile = lambda *a, **k: pytest.fail("compiled although the cache holds the template")
    assert env.get_template("t.j2").render(x="a") == first == "  'a' & <b>\n"


def test_an_edited_template_is_compiled_again(cache_home, templates) -> None:
    assert _environment(templates).get_template("t.j2").render(x="a") == "\n  'a' & <b>\n"
    (templates / "t.j2").write_text("{{ x | lit }}!", encoding="utf-8")
    assert _environment(templates).get_template("t.j2").render(x="a") == "'a'!"


def test_environments_with_other_options_do_not_share_compiled_code(cache_home, templates) -> None:
    """The same file compiled with other whitespace rules, autoescaping or filters is another entry."""
    plain = _environment(templates).get_template("t.j2").render(x="a")
    trimmed = _environment(templates, trim_blocks=True).get_template("t.j2").render(x="a")
    escaped = _environment(templates, trim_blocks=True, autoescape=True).get_template("t.j2").render(x="<a>")
    assert (plain, trimmed, escaped) == ("\n  'a' & <b>\n", "  'a' & <b>\n", "  &#39;&lt;a&gt;&#39; & <b>\n")
    assert _environment(templates, trim_blocks=True).get_template("t.j2").render(x="<a>") == "  '<a>' & <b>\n"
    assert len(_cached_files(cache_home)) == 3


def test_code_compiled_without_a_filter_is_not_used_where_the_filter_exists(cache_home, templates) -> None:
    """Jinja compiles an unknown filter into an error raised when rendering: that code stays with
    the environment that lacked the filter."""
    no_filter = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)), bytecode_cache=bytecode_cache())
    with pytest.raises(jinja2.TemplateError, match="No filter named 'lit'"):
        no_filter.get_template("t.j2").render(x="a")
    assert len(_cached_files(cache_home)) == 1
    assert _environment(templates).get_template("t.j2").render(x="a") == "\n  'a' & <b>\n"


def test_an_unusable_cache_folder_is_skipped(monkeypatch, tmp_path: Path, templates) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # the cache folder cannot be created under a file
    assert bytecode_cache() is None
    assert _environment(templates).get_template("t.j2").render(x="a") == "\n  'a' & <b>\n"


def test_a_cache_that_cannot_be_written_or_read_is_skipped(cache_home, templates, monkeypatch) -> None:
    cache = bytecode_cache()
    assert cache is not None
    # Writing fails (a full or read-only disk): rendering goes on.
    monkeypatch.setattr("jinja2.bccache.tempfile.NamedTemporaryFile", _raise_os_error)
    assert _environment(templates).get_template("t.j2").render(x="a") == "\n  'a' & <b>\n"
    assert _cached_files(cache_home) == []
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    _environment(templates).get_template("t.j2")
    # A damaged entry (cut short, or garbage) is compiled again and replaced.
    for damage in (b"", b"j2garbage", os.urandom(64)):
        for entry in _cached_files(cache_home):
            entry.write_bytes(damage)
        assert _environment(templates).get_template("t.j2").render(x="b") == "\n  'b' & <b>\n"


def _raise_os_error(*args, **kwargs):
    raise OSError(28, "No space left on device")


def test_build_writes_the_cache_and_gives_the_same_bytes_from_it(project_dir: Path, cache_home) -> None:
    """Two builds in fresh processes: the first fills the cache, the second reads it (and compiles
    nothing), and they write the same bytes."""

    def build(out: str) -> None:
        proc = subprocess.run(
            [sys.executable, "-m", "plugin_builder", "build", "-o", str(project_dir / out)],
            cwd=project_dir,
            env={**os.environ, "XDG_CACHE_HOME": str(cache_home)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr

    build("cold")
    entries = {p: p.stat().st_mtime_ns for p in _cached_files(cache_home)}
    assert len(entries) > 10  # the SQL, XML and report templates
    build("warm")
    assert {p: p.stat().st_mtime_ns for p in _cached_files(cache_home)} == entries  # read, not rewritten
    cold_files = sorted(p.name for p in (project_dir / "cold").iterdir())
    assert cold_files == sorted(p.name for p in (project_dir / "warm").iterdir())
    for name in cold_files:
        assert (project_dir / "cold" / name).read_bytes() == (project_dir / "warm" / name).read_bytes(), name


def _sql_template(folder: Path, text: str) -> Path:
    path = folder / "q.sql.j2"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_template_that_passed_the_quoting_check_is_not_parsed_again(cache_home, tmp_path, monkeypatch) -> None:
    from plugin_builder.build import templating

    path = _sql_template(tmp_path, "SELECT {{ x | lit }} FROM DUAL")
    env = templating.sql_environment([tmp_path])
    monkeypatch.setattr(templating, "_checked_sources", set())
    templating.check_sql_template(env, path, "q.sql.j2")
    monkeypatch.setattr(templating, "_checked_sources", set())  # as in a new process
    monkeypatch.setattr(templating, "unsafe_outputs", lambda *a: pytest.fail("parsed again"))
    templating.check_sql_template(env, path, "q.sql.j2")


def test_a_refused_template_is_refused_every_time(cache_home, tmp_path, monkeypatch) -> None:
    from plugin_builder.build import templating
    from plugin_builder.errors import TemplateError

    path = _sql_template(tmp_path, "SELECT {{ x | lit }} FROM DUAL")
    env = templating.sql_environment([tmp_path])
    monkeypatch.setattr(templating, "_checked_sources", set())
    templating.check_sql_template(env, path, "q.sql.j2")  # passes, remembered
    _sql_template(tmp_path, "SELECT {{ x }} FROM DUAL")  # edited: unquoted
    for _ in range(2):
        monkeypatch.setattr(templating, "_checked_sources", set())
        with pytest.raises(TemplateError, match="unquoted"):
            templating.check_sql_template(env, path, "q.sql.j2")


def test_a_changed_check_checks_again(cache_home, tmp_path, monkeypatch) -> None:
    """The verdict's key holds the checking module's text: another version of the check (here a
    stricter one, simulated) does not trust what the former one passed."""
    from plugin_builder.build import templating
    from plugin_builder.errors import TemplateError

    path = _sql_template(tmp_path, "SELECT {{ x | num }} FROM DUAL")
    env = templating.sql_environment([tmp_path])
    monkeypatch.setattr(templating, "_checked_sources", set())
    templating.check_sql_template(env, path, "q.sql.j2")
    monkeypatch.setattr(templating, "_checked_sources", set())
    monkeypatch.setattr(templating, "_checker_digest", lambda: "another version of the check")
    monkeypatch.setattr(templating, "SAFE_FILTERS", frozenset({"lit", "lits"}))
    with pytest.raises(TemplateError, match="unquoted"):
        templating.check_sql_template(env, path, "q.sql.j2")


def test_verdicts_without_a_usable_cache_are_not_kept(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    jinja_cache.remember_passed("x")
    assert not jinja_cache.passed_before("x")

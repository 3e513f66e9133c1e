"""Compiled Jinja templates kept in the user's cache folder between runs.

Compiling the plugin's and the reports' templates cost about a tenth of a `build`; Jinja's
bytecode cache keeps the compiled code in ``$XDG_CACHE_HOME/plugin-builder/`` (by default
``~/.cache/plugin-builder/``). A cached template is used only when everything its code came from
is the same:

- the template's source (Jinja stores a checksum of it beside the code and compiles again when
  it differs: an edited template is never served stale);
- the environment's options that change the generated code (delimiters, whitespace handling,
  autoescaping, finalize, the filters and tests it knows and what they are passed), in the key;
- the Jinja version (the folder's name) and the Python version (Jinja's own header).

A cache that cannot be created, read or written is skipped: the templates are compiled as they
would be without one, and nothing is reported.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket
from jinja2.utils import _PassArg


def cache_folder() -> Path | None:
    """``$XDG_CACHE_HOME/plugin-builder`` (a relative XDG_CACHE_HOME is ignored, as the XDG base
    directory specification says), else ``~/.cache/plugin-builder``; None without a home."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home directory to be found
            return None
    return Path(base) / "plugin-builder"


def _pass_arg(function: object) -> str:
    found = _PassArg.from_obj(function)  # type: ignore[arg-type]
    return found.name if found else "-"


def environment_fingerprint(env: jinja2.Environment) -> str:
    """What, besides the template's source, the code Jinja generates for a template depends on."""
    parts = [
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        str(env.line_statement_prefix),
        str(env.line_comment_prefix),
        repr(env.trim_blocks),
        repr(env.lstrip_blocks),
        repr(env.keep_trailing_newline),
        env.newline_sequence,
        repr(env.optimized),
        repr(env.is_async),
        env.autoescape if isinstance(env.autoescape, bool) else _qualified(env.autoescape),
        "finalize:" + (_qualified(env.finalize) + _pass_arg(env.finalize) if env.finalize else "-"),
        "ext:" + ",".join(sorted(env.extensions)),
        "filters:" + ",".join(f"{name}={_pass_arg(f)}" for name, f in sorted(env.filters.items())),
        "tests:" + ",".join(f"{name}={_pass_arg(f)}" for name, f in sorted(env.tests.items())),
    ]
    return "\x1f".join(str(p) for p in parts)


def _qualified(function: object) -> str:
    return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', repr(function))}"


class UserBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file system bytecode cache, keyed by the environment too, and never an error."""

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None, source: str) -> Bucket:
        key = hashlib.sha256(
            f"{environment_fingerprint(environment)}\x1e{name}\x1e{filename}".encode("utf-8", "surrogatepass")
        ).hexdigest()
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable or damaged: compile as without a cache
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:  # read-only, full or gone: the next run compiles again
            pass


@functools.lru_cache(maxsize=8)
def _bytecode_cache(folder: str) -> UserBytecodeCache | None:
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return None
    if not os.access(folder, os.W_OK | os.X_OK):
        return None
    return UserBytecodeCache(folder, "%s.jinja")


def bytecode_cache() -> UserBytecodeCache | None:
    """The bytecode cache for the templates, or None when there is no usable cache folder."""
    base = cache_folder()
    if base is None:
        return None
    return _bytecode_cache(str(base / f"jinja-{jinja2.__version__}"))


# Verdicts: a check that passed on a text is remembered as an empty file named by a digest of
# everything the verdict depends on (the caller's key). Only passes are kept, never refusals.


def _verdict_file(key: str) -> Path | None:
    base = cache_folder()
    if base is None:
        return None
    return (
        base
        / f"jinja-{jinja2.__version__}"
        / "passed"
        / hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    )


def passed_before(key: str) -> bool:
    """Whether remember_passed(key) was called, in this or an earlier run (False without a cache)."""
    path = _verdict_file(key)
    try:
        return path is not None and path.is_file()
    except OSError:
        return False


def remember_passed(key: str) -> None:
    path = _verdict_file(key)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.touch()
    except OSError:  # read-only or full: checked again next time
        pass

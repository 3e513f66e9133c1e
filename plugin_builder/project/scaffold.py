"""``plugin-builder init [DIR]``: a commented plugin.toml that builds as is, and queries/;
``plugin-builder queries --copy NAME [DIR]``: a built-in query's files to edit there.

The files come from ``templates/init/`` (shipped in the wheel). An existing plugin.toml is
never overwritten; an existing ``queries/README.txt`` is left alone too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plugin_builder.build.package import atomic_write
from plugin_builder.errors import CatalogError, ConfigError, Problem
from plugin_builder.resources import templates_dir

INIT_FILES = (("plugin.toml", "plugin.toml"), ("queries/README.txt", "queries-README.txt"))


@dataclass(frozen=True)
class Initialised:
    written: list[Path]
    kept: list[Path]  # files that existed and were left as they were


def init_project(folder: str | Path = ".") -> Initialised:
    """Write ``plugin.toml`` and ``queries/README.txt`` into ``folder`` (created if needed)."""
    root = Path(folder)
    config = root / "plugin.toml"
    if config.exists() or config.is_symlink():
        raise ConfigError(
            Problem(
                message="already exists; init never overwrites it",
                file=str(config),
                hint="edit it, or run init in another folder",
            )
        )
    if root.exists() and not root.is_dir():
        raise ConfigError(Problem(message="is not a folder", file=str(root)))
    written, kept = [], []
    source = templates_dir() / "init"
    for target_name, source_name in INIT_FILES:
        target = root / target_name
        if target.exists():
            kept.append(target)
            continue
        try:
            atomic_write(target, (source / source_name).read_bytes())
        except OSError as exc:
            raise ConfigError(Problem(message=f"cannot be written: {exc.strerror}", file=str(target))) from None
        written.append(target)
    return Initialised(written, kept)


def copy_builtin_query(name: str, project_root: str | Path) -> list[Path]:
    """Copy a built-in query's ``.sql.j2`` and ``.toml`` into ``<project_root>/queries/``
    (``_common``: the shared macros' ``_common.sql.j2``, which then serves every query).

    Refuses an unknown name (with the closest ones) and never overwrites: if either file
    exists, nothing is written. Returns the files written.
    """
    import difflib

    from plugin_builder.project.catalog import builtin_catalog

    from plugin_builder.resources import builtin_queries_dir

    catalog = builtin_catalog()
    spec = catalog.get(name)
    macros = builtin_queries_dir() / f"{name}.sql.j2"
    if name.startswith("_") and "/" not in name and macros.is_file():  # _common: the shared macros
        sources = [macros]
    elif spec is not None:
        sources = [spec.template, spec.metadata]
    else:
        close = difflib.get_close_matches(name, sorted(catalog), n=3, cutoff=0.5)
        raise CatalogError(
            Problem(
                message=f"{name!r} is not a built-in query",
                hint=(f"did you mean {', '.join(close)}? " if close else "")
                + "run `plugin-builder queries` for the names",
            )
        )
    folder = Path(project_root) / "queries"
    targets = [(source, folder / source.name) for source in sources]
    existing = [target for _, target in targets if target.exists() or target.is_symlink()]
    if existing:
        raise CatalogError(
            [
                Problem(
                    message="already exists; --copy never overwrites it",
                    file=str(target),
                    hint="edit it, or move it away to copy the built-in again",
                )
                for target in existing
            ]
        )
    written = []
    for source, target in targets:
        try:
            atomic_write(target, source.read_bytes())
        except OSError as exc:
            for done in written:  # all or nothing: never half a query
                done.unlink(missing_ok=True)
            raise CatalogError(Problem(message=f"cannot be written: {exc.strerror}", file=str(target))) from None
        written.append(target)
    return written

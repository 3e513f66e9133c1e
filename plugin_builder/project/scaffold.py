"""``plugin-builder init [DIR]``: a commented plugin.toml that builds as is, and queries/.

The files come from ``templates/init/`` (shipped in the wheel). An existing plugin.toml is
never overwritten; an existing ``queries/README.txt`` is left alone too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plugin_builder.build.package import atomic_write
from plugin_builder.errors import ConfigError, Problem
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

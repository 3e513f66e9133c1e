"""Generate the parts of the docs that the code knows: the rule table and the command reference.

``python -m plugin_builder.reports.docs`` rewrites them in place, between ``<!-- BEGIN GENERATED: x -->``
and ``<!-- END GENERATED: x -->`` markers; ``--check`` only compares and exits 1 when a file is
stale (CI runs it, as do the tests).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import click


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _text(text: str) -> str:
    """Plain help text in a Markdown cell: ``<slug>`` is not a tag, ``*.csv`` no emphasis."""
    return _cell(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*"))


def rules_table() -> str:
    """Every rule the tool can report, as a Markdown table (from the rules' docstrings)."""
    from plugin_builder.checks import all_rules

    lines = ["| code | name | severity | checks that |", "|---|---|---|---|"]
    for rule in all_rules():
        lines.append(f"| `{rule.code}` | {rule.name} | {rule.severity.value} | {_cell(rule.summary)} |")
    return "\n".join(lines)


def _metavar(param: click.Option) -> str:
    if param.metavar:
        return param.metavar
    kind = param.type
    if isinstance(kind, click.Choice):
        return "|".join(kind.choices)
    if isinstance(kind, click.Path):
        return "DIR" if not kind.file_okay else "FILE" if not kind.dir_okay else "PATH"
    if isinstance(kind, (click.IntRange, type(click.INT))):
        return "N"
    return param.name.upper()


def usage(command: click.Command, name: str) -> str:
    """``plugin-builder NAME [-c FILE] …``: every option of the command, in short form."""
    parts = [f"plugin-builder {name}"]
    for param in command.params:
        if isinstance(param, click.Argument):
            metavar = param.human_readable_name.upper()
            parts.append(metavar if param.required else f"[{metavar}]")
        elif isinstance(param, click.Option) and not param.hidden:
            flag = min(param.opts, key=len)
            repeat = " …" if param.multiple else ""
            parts.append(f"[{flag}]" if param.is_flag else f"[{flag} {_metavar(param)}{repeat}]")
    return " ".join(parts)


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]


def command_reference() -> str:
    """Every command: its usage and what its help says, from the click commands themselves."""
    from plugin_builder.cli import main

    lines = ["| command | does |", "|---|---|"]
    for name in sorted(main.commands):
        command = main.commands[name]
        lines.append(f"| `{_cell(usage(command, name))}` | {_text(' '.join(_paragraphs(command.help or '')))} |")
    return "\n".join(lines)


SECTIONS: dict[str, tuple[str, Callable[[], str]]] = {
    "rules": ("docs/checks.md", rules_table),
    "commands": ("README.md", command_reference),
}


def _replace(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- BEGIN GENERATED: {name} .*?-->\n)(?:.*?\n)?(<!-- END GENERATED: {name} -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"no <!-- BEGIN GENERATED: {name} … --> … <!-- END GENERATED: {name} --> markers")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def stale(root: Path, write: bool = False) -> list[str]:
    """The files whose generated sections differ from the code (rewritten when ``write``)."""
    updated: dict[Path, str] = {}
    for name, (relative, generate) in SECTIONS.items():
        path = root / relative
        text = updated.get(path) or path.read_text(encoding="utf-8")
        updated[path] = _replace(text, name, generate())
    out_of_date = []
    for path, text in updated.items():
        if path.read_text(encoding="utf-8") != text:
            out_of_date.append(str(path.relative_to(root)))
            if write:
                path.write_text(text, encoding="utf-8")
    return out_of_date


def main(argv: list[str] | None = None) -> int:
    """Run from the repository's root (its README.md and docs/ are rewritten or checked)."""
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    files = stale(Path.cwd(), write=not check)
    if check and files:
        print(f"stale generated docs: {', '.join(files)}; run `python -m plugin_builder.reports.docs`", file=sys.stderr)
        return 1
    for path in files:
        print(f"rewrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

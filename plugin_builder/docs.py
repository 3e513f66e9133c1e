"""Generate the parts of the docs that the code knows: the rule table and the command reference.

``python -m plugin_builder.docs`` rewrites them in place, between ``<!-- BEGIN GENERATED: x -->``
and ``<!-- END GENERATED: x -->`` markers; ``--check`` only compares and exits 1 when a file is
stale (CI runs it, as do the tests).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_table() -> str:
    """Every rule the tool can report, as a Markdown table (from the rules' docstrings)."""
    from plugin_builder.checks import all_rules

    lines = ["| code | name | severity | checks that |", "|---|---|---|---|"]
    for rule in all_rules():
        lines.append(f"| `{rule.code}` | {rule.name} | {rule.severity.value} | {_cell(rule.summary)} |")
    return "\n".join(lines)


def _usage(command: click.Command, name: str) -> str:
    """``plugin-builder NAME [-c FILE] …``: the command's options in short form."""
    parts = [f"plugin-builder {name}"]
    for param in command.params:
        if isinstance(param, click.Argument):
            metavar = param.make_metavar(click.Context(command)) if hasattr(param, "make_metavar") else param.name.upper()
            parts.append(metavar if param.required else f"[{metavar}]")
            continue
        if not isinstance(param, click.Option) or param.hidden:
            continue
        flag = next((o for o in param.opts if o.startswith("-") and not o.startswith("--")), param.opts[0])
        if param.is_flag:
            parts.append(f"[{flag}]")
        elif isinstance(param.type, click.Choice):
            parts.append(f"[{flag} {'|'.join(param.type.choices)}]")
        else:
            metavar = param.metavar or param.type.name.upper()
            parts.append(f"[{flag} {metavar}]")
    return " ".join(parts)


def command_reference() -> str:
    """Every command with its options and their help, from the click commands themselves."""
    from plugin_builder.cli import main

    lines = ["| command | does |", "|---|---|"]
    for name in sorted(main.commands):
        command = main.commands[name]
        options = []
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                options.append(f"`{'/'.join(param.opts)}`: {(param.help or '').rstrip('.')}")
        help_text = (command.help or "").split("\n\n")[0].strip()
        detail = f"{help_text}" + (f" — {'; '.join(options)}" if options else "")
        lines.append(f"| `{_usage(command, name)}` | {_cell(detail)} |")
    return "\n".join(lines)


SECTIONS: dict[str, tuple[str, Callable[[], str]]] = {
    "rules": ("docs/checks.md", rules_table),
}


def _replace(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- BEGIN GENERATED: {name} .*?-->\n)(?:.*?\n)?(<!-- END GENERATED: {name} -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"no <!-- BEGIN GENERATED: {name} … --> … <!-- END GENERATED: {name} --> markers")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def stale(root: Path = ROOT, write: bool = False) -> list[str]:
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
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    files = stale(write=not check)
    if check and files:
        print(f"stale generated docs: {', '.join(files)}; run `python -m plugin_builder.docs`", file=sys.stderr)
        return 1
    for path in files:
        print(f"rewrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

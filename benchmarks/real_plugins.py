"""Lint a folder of real plugins gathered outside the repository and tally the findings.

    python benchmarks/real_plugins.py FOLDER [--errors] [--json] [--dictionary FILE]

FOLDER holds plugins as ZIPs and/or folders (a folder counts as a plugin when it has a
plugin.xml or a queries_root/; other folders are searched one level deeper). Third-party
plugins are for measuring only: keep them outside the repository (docs/checks.md, "Measuring
the checks on real plugins"). Prints, per plugin, its errors and warnings by rule; then the
tally over all plugins by rule and severity, and the internal errors (PB900), which must be 0.
``--errors`` also prints every error finding, to judge each against what PowerSchool does.
Exit 0 always, unless a plugin made a rule crash (1).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from plugin_builder.build.lint import lint, load_dictionary_file
from plugin_builder.checks import INTERNAL_CODE
from plugin_builder.errors import PluginBuilderError
from plugin_builder.findings import Severity


def plugins_in(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() == ".zip":
            found.append(path)
        elif path.is_dir() and ((path / "plugin.xml").exists() or (path / "queries_root").is_dir()):
            found.append(path)
        elif path.is_dir():
            found.extend(plugins_in(path))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--errors", action="store_true", help="print every error finding")
    parser.add_argument("--json", action="store_true", help="print the tally as JSON")
    parser.add_argument("--dictionary", type=Path, help="district extension tables (as lint --dictionary)")
    options = parser.parse_args(argv)
    dictionary = load_dictionary_file(options.dictionary) if options.dictionary else None

    tally: Counter[tuple[str, str]] = Counter()
    per_plugin = {}
    crashed = 0
    for plugin in plugins_in(options.folder):
        name = str(plugin.relative_to(options.folder))
        try:
            findings = lint(plugin, dictionary).findings
        except PluginBuilderError as exc:  # not readable as a plugin at all
            per_plugin[name] = {"unreadable": "; ".join(str(p) for p in exc.problems)}
            continue
        counts = Counter((f.code, f.severity.value) for f in findings)
        tally.update(counts)
        crashed += counts[(INTERNAL_CODE, "error")]
        per_plugin[name] = {
            "errors": {c: n for (c, s), n in sorted(counts.items()) if s == "error"},
            "warnings": {c: n for (c, s), n in sorted(counts.items()) if s == "warning"},
        }
        if options.errors and not options.json:
            for f in findings:
                if f.severity is Severity.ERROR:
                    print(f"{name}: {f.file}:{f.line}: {f.code} {f.message}")
    if options.json:
        print(
            json.dumps(
                {"plugins": per_plugin, "tally": {f"{c} {s}": n for (c, s), n in sorted(tally.items())}}, indent=2
            )
        )
        return 1 if crashed else 0
    width = max((len(n) for n in per_plugin), default=10)
    for name, result in per_plugin.items():
        if "unreadable" in result:
            print(f"{name:<{width}}  unreadable: {result['unreadable']}")
            continue
        errors = sum(result["errors"].values())
        shown = ", ".join(f"{c}×{n}" for c, n in result["errors"].items()) or "-"
        print(f"{name:<{width}}  {errors:>3} errors ({shown}), {sum(result['warnings'].values())} warnings")
    print()
    print(f"{len(per_plugin)} plugins; findings by rule:")
    for (code, severity), count in sorted(tally.items(), key=lambda item: (item[0][1], -item[1], item[0][0])):
        print(f"  {code}  {severity:<7}  {count}")
    print(f"internal errors ({INTERNAL_CODE}): {crashed}")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())

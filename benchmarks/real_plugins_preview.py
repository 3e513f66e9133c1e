"""Run ``preview --zip`` on a folder of real plugins gathered outside the repository and tally the queries.

    python benchmarks/real_plugins_preview.py FOLDER [--students N] [--json] [--all]

FOLDER holds plugins as ZIPs and/or folders, found as ``benchmarks/real_plugins.py`` finds
them. Third-party plugins are for measuring only: keep them outside the repository. Each
plugin runs as ``plugin-builder preview --zip PLUGIN`` does (the synthetic district, args
from the district), its outputs in a temporary folder. A query is counted once by its SQL
text (several versions of a plugin often share queries): ``rows`` (it ran and returned
rows), ``0 rows`` or ``failed`` (with preview's reason). Prints one line a unique query
(``--all``: every query of every plugin) and the tally, with the failures grouped by reason.
Exit 0 always, unless preview itself crashed on a plugin (1).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from real_plugins import plugins_in  # noqa: E402

from plugin_builder.errors import PluginBuilderError  # noqa: E402
from plugin_builder.preview.runner import run_preview  # noqa: E402


def _key(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip().upper()


def _reason_group(reason: str) -> str:
    """A failure's reason without the query's own names and numbers, to group alike ones."""
    return re.sub(r"\d+", "N", re.sub(r'"[^"]*"', '"…"', reason))[:110]


def measure(folder: Path, students: int | None) -> tuple[list[dict], int]:
    """One record a query of every plugin: plugin, query, key, status, rows, reason."""
    records: list[dict] = []
    crashed = 0
    for plugin in plugins_in(folder):
        name = str(plugin.relative_to(folder))
        with tempfile.TemporaryDirectory() as out:
            try:
                result = run_preview(plugin=plugin, out=Path(out) / "preview", students=students)
            except PluginBuilderError as exc:
                records.append({"plugin": name, "query": None, "status": "unreadable", "reason": str(exc)})
                continue
            except Exception:  # noqa: BLE001 - a crash is what this measures too
                crashed += 1
                records.append({"plugin": name, "query": None, "status": "crashed", "reason": traceback.format_exc()})
                continue
        from plugin_builder.preview.plugin import load_plugin

        sql = {q.spec.name: q.sql for q in load_plugin(plugin).queries}
        for r in result.results:
            records.append(
                {
                    "plugin": name,
                    "query": r.name,
                    "key": _key(sql.get(r.name, r.name)),
                    "status": "rows" if r.row_count else "0 rows",
                    "rows": r.row_count,
                }
            )
        for failure in result.failures:
            records.append(
                {
                    "plugin": name,
                    "query": failure.name,
                    "key": _key(sql.get(failure.name, failure.name)),
                    "status": "failed",
                    "reason": failure.reason,
                }
            )
    return records, crashed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--students", type=int, default=None, help="district size (default: preview's)")
    parser.add_argument("--json", action="store_true", help="print the records and tally as JSON")
    parser.add_argument("--all", action="store_true", help="a line for every query of every plugin")
    options = parser.parse_args(argv)
    records, crashed = measure(options.folder, options.students)
    unique: dict[str, dict] = {}
    for record in records:
        if record.get("query") is not None:
            unique.setdefault(record["key"], record)
    tally = Counter(r["status"] for r in unique.values())
    reasons = Counter(_reason_group(r["reason"]) for r in unique.values() if r["status"] == "failed")
    if options.json:
        print(json.dumps({"records": records, "tally": dict(tally), "crashed": crashed}, indent=2))
        return 1 if crashed else 0
    shown = records if options.all else [r for r in records if r.get("query") is None] + list(unique.values())
    for r in shown:
        detail = r.get("reason") or f"{r.get('rows', 0)} rows"
        print(f"{r['status']:<8} {r['plugin']} :: {r.get('query')}: {detail}")
    total = sum(tally.values())
    print()
    print(f"{len({r['plugin'] for r in records})} plugins, {len(records)} queries, {total} unique by SQL:")
    for status in ("rows", "0 rows", "failed"):
        print(f"  {status:<7} {tally[status]:>4}  ({100 * tally[status] / max(total, 1):.0f} %)")
    print(f"  ran     {tally['rows'] + tally['0 rows']:>4}")
    if reasons:
        print("failures by reason:")
        for reason, count in reasons.most_common():
            print(f"  {count:>3}  {reason}")
    print(f"crashed: {crashed}")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Measure `plugin-builder build` and `preview` against the targets in benchmarks/README.md.

Each measurement is a fresh process (imports included), timed by wall clock, with its
peak resident memory from ``resource.getrusage(RUSAGE_CHILDREN)`` (Linux: KiB). The
table is written into benchmarks/README.md between the markers.

    python benchmarks/run.py                 # build, preview at 5 000, 20 000, 50 000
    python benchmarks/run.py --sizes 5000    # a quicker look
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = Path(__file__).resolve().parent / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def measure(args: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB, exit code) of one command in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr)
    # ru_maxrss of children is the largest child so far: run the big sizes last.
    return wall, max(peak, before) / 1024, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[5000, 20000, 50000])
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (the best is kept)")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument(
        "--demo",
        type=int,
        default=0,
        metavar="N",
        help="also preview the test demo project (tests/fixtures/preview_project: the catalogue plus demo queries) at N students",
    )
    options = parser.parse_args()
    exe = shutil.which("plugin-builder", path=str(Path(sys.executable).parent)) or "plugin-builder"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(REPO / "plugin.toml", work / "plugin.toml")
        best = min(
            (measure([exe, "build", "-o", str(work / "dist"), "--force"], work) for _ in range(max(options.repeat, 7))),
            key=lambda r: r[0],
        )
        rows.append(("build (whole catalogue)", "-", best, "< 1 s"))
        for size in sorted(options.sizes):
            best = min(
                (
                    measure(
                        [exe, "preview", "--students", str(size), "-o", str(work / f"preview-{size}"), "--quiet"], work
                    )
                    for _ in range(options.repeat)
                ),
                key=lambda r: r[0],
            )
            rows.append(("preview", f"{size:,}", best, "< 30 s" if size == 50000 else "linear"))
        if options.demo:
            demo = REPO / "tests" / "fixtures" / "preview_project" / "plugin.toml"
            best = measure(
                [exe, "preview", "-c", str(demo), "--students", str(options.demo), "-o", str(work / "demo"), "--quiet"],
                work,
            )
            rows.append(
                (
                    "preview -c tests/fixtures/preview_project/plugin.toml",
                    f"{options.demo:,}",
                    best,
                    "(indication: all four output kinds)",
                )
            )
    cpu = platform.processor() or platform.machine()
    header = (
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.system()} {cpu}, "
        f"{os.cpu_count()} CPUs (shared), Python {platform.python_version()}.\n\n"
        "| command | students | wall time | peak memory | exit | target |\n|---|---:|---:|---:|---:|---|\n"
    )
    table = header + "".join(
        f"| `{name}` | {size} | {wall:.2f} s | {peak:.0f} MiB | {code} | {target} |\n"
        for name, size, (wall, peak, code), target in rows
    )
    previews = [(int(size.replace(",", "")), wall) for name, size, (wall, _p, _c), _t in rows if name == "preview"]  # fmt: skip
    if len(previews) >= 2:
        (n0, t0), (n1, t1) = previews[0], previews[-1]
        table += f"\nGrowth {n0:,} → {n1:,} students: ×{t1 / t0:.1f} time for ×{n1 / n0:.0f} students.\n"
    print(table)
    if not options.no_write:
        text = README.read_text(encoding="utf-8")
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), f"{BEGIN}\n{table}{END}", text, flags=re.S)
        README.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
